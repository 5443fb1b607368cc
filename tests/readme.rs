//! Keeps the README true: its URL-parameter table is the config's table, row by row and
//! cell by cell (name, default, allowed, meaning: the allowed text comes from each
//! parameter's range), and its list of CSV columns is the header the CSV really has.

use lr_batch_playground::config::PARAMS;
use lr_batch_playground::metrics::{to_csv_string, RunResult};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// The lines of the README section that starts with `heading`, up to the next `## `.
fn section(text: &str, heading: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .map(String::from)
        .collect()
}

/// The cells of a Markdown table row, trimmed.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split(" | ").map(|c| c.trim().to_string()).collect()
}

/// The README row a parameter should have.
fn expected_row(p: &lr_batch_playground::config::Param) -> String {
    format!(
        "| `{}` | {} | {} | {} |",
        p.name,
        p.default_value(),
        p.allowed(),
        p.help
    )
}

#[test]
fn the_url_table_is_the_parameter_table() {
    let lines = section(&readme(), "## URL parameters");
    let start = lines
        .iter()
        .position(|l| l.starts_with("| parameter |"))
        .expect("the URL section has a table headed `| parameter |`");
    assert_eq!(
        cells(&lines[start]),
        ["parameter", "default", "allowed", "meaning"]
    );
    let rows: Vec<&String> = lines[start + 2..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .collect();
    let want: Vec<String> = PARAMS.iter().map(expected_row).collect();
    assert_eq!(
        rows.len(),
        PARAMS.len(),
        "the table should have one row per parameter:\n{}",
        want.join("\n")
    );
    for (row, p) in rows.iter().zip(PARAMS) {
        let got = cells(row);
        let expect = [
            format!("`{}`", p.name),
            p.default_value(),
            p.allowed(),
            p.help.to_string(),
        ];
        assert_eq!(
            got,
            expect,
            "README row for `{}` differs; it should read:\n{}",
            p.name,
            expected_row(p)
        );
    }
}

#[test]
fn the_csv_columns_listed_are_the_real_header() {
    let lines = section(&readme(), "## The CLI");
    let line = lines
        .iter()
        .find(|l| l.starts_with("CSV columns:"))
        .expect("the CLI section has a line `CSV columns: …`");
    let listed: Vec<&str> = line["CSV columns:".len()..]
        .trim()
        .trim_end_matches('.')
        .split(", ")
        .map(|c| c.trim_matches('`'))
        .collect();
    // The header as a written CSV really has it.
    let run = RunResult {
        run: 0,
        config: Default::default(),
        repeat: 0,
        records: vec![],
    };
    let csv = to_csv_string(&[run]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(listed, header, "README: CSV columns: {}", header.join(", "));
}

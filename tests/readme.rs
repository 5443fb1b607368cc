//! Keeps the README true: every experiment parameter of the config's table is
//! documented in its URL table with its real default, and every CSV column is named.

use lr_batch_playground::config::PARAMS;
use lr_batch_playground::metrics::csv_header;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

#[test]
fn every_parameter_is_in_the_url_table_with_its_default() {
    let text = readme();
    for p in PARAMS {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", p.name)))
            .unwrap_or_else(|| panic!("README's URL table has no row for `{}`", p.name));
        let default = p.default_value();
        // The page opens k = 1-7; the table says so next to the core's default.
        assert!(
            row.contains(&format!("| {default} ")),
            "row for `{}` lacks its default {default}: {row}",
            p.name
        );
    }
}

#[test]
fn every_csv_column_is_named() {
    let text = readme();
    for col in csv_header() {
        if PARAMS.iter().any(|p| p.csv == col) {
            continue; // "every experiment parameter"
        }
        assert!(
            text.contains(col),
            "README does not name the CSV column {col}"
        );
    }
}

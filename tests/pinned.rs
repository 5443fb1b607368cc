//! The pinned numbers: the committed `tests/golden/runs.json` must be exactly what the core
//! computes today.
//!
//! `examples/golden.rs` trains a few short runs (every optimizer, rule, warmup, decay, dropout
//! 0 and 0.25, repeats with both data orders, a divergence) and records every float as the
//! hex of its IEEE bits. This test includes that file, recomputes the document and compares
//! it with the committed one field by field. Any change to the training numbers, even in the
//! last bit, fails here with the paths of the fields that moved and both values decoded;
//! when the change is intended, `make golden` rewrites the file and the reviewer reads its
//! diff. (`tests/web.rs` checks the same file in Chrome and Firefox.)
//!
//! NaN is compared as "is NaN" (payloads may differ between platforms); everything else,
//! including the file's text layout, must match exactly.

use std::path::Path;

use serde_json::Value;

#[path = "../examples/golden.rs"]
#[allow(dead_code)]
mod golden;

/// A hex string of 8 or 16 digits decoded as f32 or f64 bits, for messages and NaN.
fn decode(s: &str) -> Option<f64> {
    let all_hex = s.bytes().all(|b| b.is_ascii_hexdigit());
    match s.len() {
        16 if all_hex => u64::from_str_radix(s, 16).ok().map(f64::from_bits),
        8 if all_hex => u32::from_str_radix(s, 16)
            .ok()
            .map(|b| f32::from_bits(b) as f64),
        _ => None,
    }
}

/// Paths and values of every difference between `want` (committed) and `got` (computed).
fn diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => diff(&format!("{path}.{k}"), va, vb, out),
                    None => out.push(format!("{path}.{k}: pinned, no longer computed")),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{k}: computed, not pinned"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!(
                    "{path}: {} entries pinned, {} computed",
                    a.len(),
                    b.len()
                ));
            }
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        (Value::String(a), Value::String(b)) if a != b => match (decode(a), decode(b)) {
            (Some(x), Some(y)) if x.is_nan() && y.is_nan() => {}
            (Some(x), Some(y)) => out.push(format!("{path}: pinned {x:e} ({a}), now {y:e} ({b})")),
            _ => out.push(format!("{path}: pinned {a:?}, now {b:?}")),
        },
        (a, b) if a != b => out.push(format!("{path}: pinned {a}, now {b}")),
        _ => {}
    }
}

/// Labels the runs in a path (`.runs[3]` → `.runs[3] (repeats k=2 repeat 1)`).
fn run_label(doc: &Value, line: &str) -> String {
    let Some(rest) = line.strip_prefix(".runs[") else {
        return line.to_string();
    };
    let Some(i) = rest.split(']').next().and_then(|i| i.parse::<usize>().ok()) else {
        return line.to_string();
    };
    let run = &doc["runs"][i];
    format!(
        "{} k={} repeat {}: {line}",
        run["name"].as_str().unwrap_or("?"),
        run["k"],
        run["repeat"]
    )
}

#[test]
fn committed_golden_file_matches_the_core() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (images, labels) = golden::read_data(root).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(root.join(golden::GOLDEN_PATH)).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (it is committed; `make golden` writes it)",
            golden::GOLDEN_PATH
        )
    });
    let pinned: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", golden::GOLDEN_PATH));
    let computed = golden::build(&images, &labels, false).expect("the golden cases train");

    let mut diffs = Vec::new();
    diff("", &pinned, &computed, &mut diffs);
    if !diffs.is_empty() {
        // The epoch records first: they say where the numbers start to move.
        diffs.sort_by_key(|d| !d.contains(".records["));
        let shown: Vec<String> = diffs
            .iter()
            .take(40)
            .map(|d| run_label(&pinned, d))
            .collect();
        panic!(
            "the core no longer computes the pinned numbers of {path} ({n} fields differ{more}):\n  \
             {list}\nIf this change of the training numbers is intended, run `make golden` and \
             review `git diff {path}`; otherwise the last change broke the training loop.",
            path = golden::GOLDEN_PATH,
            n = diffs.len(),
            more = if diffs.len() > 40 { ", first 40 shown" } else { "" },
            list = shown.join("\n  "),
        );
    }
    // Same values: the text must be what `make golden` would write too, so regenerating an
    // unchanged core gives an empty diff.
    assert!(
        text == golden::to_text(&computed),
        "{} holds the right numbers but not in the layout `make golden` writes: run it",
        golden::GOLDEN_PATH
    );
}

#[test]
fn golden_cases_cover_every_knob() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(golden::GOLDEN_PATH))
            .expect("the golden file is committed");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    let runs = doc["runs"].as_array().expect("runs");
    let configs: Vec<Value> = runs
        .iter()
        .map(|r| serde_json::from_str(r["config"].as_str().expect("config string")).unwrap())
        .collect();
    let has = |key: &str, value: Value| configs.iter().any(|c| c[key] == value);
    for opt in ["sgd", "momentum", "nesterov", "adam", "adagrad"] {
        assert!(has("opt", opt.into()), "no pinned run with opt={opt}");
    }
    for rule in ["none", "linear", "sqrt"] {
        assert!(
            runs.iter()
                .zip(&configs)
                .any(|(r, c)| c["rule"] == rule && r["k"] != 1),
            "no pinned run with rule={rule} and k > 1"
        );
    }
    for decay in ["none", "step", "cosine"] {
        assert!(
            has("decay", decay.into()),
            "no pinned run with decay={decay}"
        );
    }
    assert!(
        configs.iter().any(|c| c["warmup"].as_u64() > Some(0)),
        "no warmup"
    );
    assert!(
        has("dropout", 0.0.into()) && has("dropout", 0.25.into()),
        "dropout 0 and 0.25"
    );
    for order in ["same", "vary"] {
        assert!(
            runs.iter()
                .zip(&configs)
                .any(|(r, c)| c["order"] == order && r["repeat"] == 1),
            "no pinned second repeat with order={order}"
        );
    }
    assert!(
        runs.iter().any(|r| r["records"]
            .as_array()
            .and_then(|v| v.last())
            .is_some_and(|l| l["status"] == "diverged")),
        "no pinned divergence"
    );
}

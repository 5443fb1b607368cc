//! What changed from one experiment to the next, in words: the label the page's history
//! gives an experiment ("rule: linear → none", "k: 1–7 → 1,4,16").
//!
//! The difference is read off the parameter table alone ([`PARAMS`], in table order): a
//! parameter differs when its URL text form differs, so two configs that write the same
//! link have no difference, and every new knob is covered by its row. Values are shown in
//! their short URL form (`lr0: 0.001 → 0.02`), list ranges with an en dash (`1–7`), each
//! cut to [`MAX_VALUE_CHARS`] characters; at most [`MAX_CHANGES`] changes are named and the
//! rest are counted (`, and 2 more`), so a label stays one line of a list.
//!
//! Not here: which experiment came before (the page's history decides), and any notion of
//! which change matters most: the table's order decides the order of the words.

use super::{shorten, Config, Range, PARAMS};

/// At most this many changes are named in a label; the others are counted.
pub const MAX_CHANGES: usize = 3;
/// Longest value shown in a label, in characters (a dataset's identity is long).
pub const MAX_VALUE_CHARS: usize = 24;
/// The label of two experiments with the same parameters (a repeat).
pub const SAME_LABEL: &str = "same settings";

/// One parameter's value as a label shows it: the URL text, ranges in lists with an en
/// dash (`1-7` → `1–7`), shortened.
fn shown(range: &Range, text: &str) -> String {
    let text = match range {
        Range::List { .. } => text.replace('-', "–"),
        _ => text.to_string(),
    };
    shorten(&text, MAX_VALUE_CHARS)
}

/// The parameters that differ from `a` to `b`, in table order, each as
/// `name: old → new`.
pub fn diff(a: &Config, b: &Config) -> Vec<String> {
    PARAMS
        .iter()
        .filter_map(|p| {
            let (x, y) = (p.get(a), p.get(b));
            (x != y).then(|| {
                format!(
                    "{}: {} → {}",
                    p.name,
                    shown(&p.range, &x),
                    shown(&p.range, &y)
                )
            })
        })
        .collect()
}

/// The label of experiment `b` run after `a`: its first [`MAX_CHANGES`] differences
/// joined by `, ` (and how many more), or [`SAME_LABEL`].
pub fn diff_label(a: &Config, b: &Config) -> String {
    let changes = diff(a, b);
    if changes.is_empty() {
        return SAME_LABEL.to_string();
    }
    let mut label = changes[..changes.len().min(MAX_CHANGES)].join(", ");
    if changes.len() > MAX_CHANGES {
        label.push_str(&format!(", and {} more", changes.len() - MAX_CHANGES));
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Config {
        Config::from_query(s).unwrap()
    }

    #[test]
    fn one_change_is_named_with_both_values() {
        assert_eq!(
            diff_label(&q("k=1-7"), &q("k=1-7&rule=none")),
            "rule: linear → none"
        );
        assert_eq!(diff_label(&q("k=1-7"), &q("k=1,4,16")), "k: 1–7 → 1,4,16");
        assert_eq!(
            diff_label(&q("lr0=0.001"), &q("lr0=1e-4")),
            "lr0: 0.001 → 0.0001"
        );
    }

    #[test]
    fn changes_follow_the_table_order_and_are_bounded() {
        let a = q("k=1-7");
        let b = q("k=1,2&rule=sqrt&warmup=2&opt=adam&epochs=3&seed=9");
        // Table order: k, rule, warmup, opt, epochs, seed: three named, three counted.
        assert_eq!(
            diff_label(&a, &b),
            "k: 1–7 → 1,2, rule: linear → sqrt, warmup: 0 → 2, and 3 more"
        );
        assert_eq!(diff(&a, &b).len(), 6);
        assert_eq!(diff(&b, &a)[1], "rule: sqrt → linear");
    }

    #[test]
    fn the_same_link_is_the_same_experiment() {
        assert_eq!(diff_label(&q("k=1-7"), &q("k=1,2,3,4,5,6,7")), SAME_LABEL);
        assert!(diff(&Config::default(), &Config::default()).is_empty());
    }

    #[test]
    fn long_values_are_shortened() {
        let a = Config::default();
        let b = Config {
            data: "own-60000-10000-0123456789abcdef0123456789abcdef".into(),
            ..a.clone()
        };
        let label = diff_label(&a, &b);
        assert!(label.starts_with("data: mnist-subset → own-"), "{label}");
        let new = label.split(" → ").nth(1).unwrap();
        assert_eq!(new.chars().count(), MAX_VALUE_CHARS, "{label}");
        assert!(new.ends_with('…'));
    }
}

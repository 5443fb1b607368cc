//! The config's contract seen from outside: every parameter of the table round-trips
//! through the URL query, the JSON and the CLI's text form with a non-default value;
//! each parameter's range is one datum (its check, message and `allowed` text agree);
//! duplicated keys follow one rule (the last wins); the bounded parser's regression
//! cases (a 2 MB link, overflowing ranges, duplicate grid values, tiny numbers).

use lr_batch_playground::config::{
    Config, Param, Range, MAX_KEY_CHARS, MAX_MESSAGE_CHARS, MAX_QUERY_ERRORS, MAX_VALUE_CHARS,
    PARAMS,
};

/// Values of a range to try, inside it, in order of preference.
fn candidates(p: &Param) -> Vec<String> {
    let float = |r: &Range| match *r {
        Range::Float { lo, hi, .. } => vec![lo + (hi - lo) * 0.37, hi - (hi - lo) * 0.01],
        _ => vec![],
    };
    match p.range {
        Range::Int { lo, hi } => [lo + 1, hi, (lo + hi) / 2, lo]
            .iter()
            .map(u64::to_string)
            .collect(),
        Range::Float { .. } => float(&p.range).iter().map(|v| v.to_string()).collect(),
        Range::Choice(c) => c.iter().map(|s| s.to_string()).collect(),
        Range::Dataset => vec!["own-600-100-0123456789abcdef".into()],
        Range::List { item, .. } => match *item {
            Range::Int { lo, hi } => vec![format!("{lo},{},{hi}", lo + 1), format!("{hi}")],
            _ => {
                let v = float(item);
                vec![format!("{},{}", v[0], v[1])]
            }
        },
    }
}

/// A config with every parameter away from its default, each value from its range.
fn all_changed() -> Config {
    let mut c = Config::default();
    for p in PARAMS {
        let v = candidates(p)
            .into_iter()
            .find(|v| {
                let mut t = c.clone();
                // Valid with the parameters set so far (range_lo stays below range_hi).
                t.set(p.name, v).is_ok() && p.get(&t) != p.default_value() && t.validate().is_ok()
            })
            .unwrap_or_else(|| panic!("no non-default value for {}", p.name));
        c.set(p.name, &v).unwrap();
    }
    c
}

#[test]
fn every_parameter_round_trips_with_a_non_default_value() {
    let c = all_changed();
    c.validate().unwrap();
    let q = c.to_query();
    for p in PARAMS {
        assert_ne!(p.get(&c), p.default_value(), "{}", p.name);
        assert!(
            q.contains(&format!("{}=", p.name)),
            "{} missing from {q}",
            p.name
        );
        // The text form of each value reads back to the same value.
        let mut back = Config::default();
        back.set(p.name, &p.get(&c)).unwrap();
        assert_eq!(p.get(&back), p.get(&c), "{}", p.name);
    }
    assert_eq!(Config::from_query(&q).unwrap(), c, "{q}");
    assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
    assert_eq!(Config::from_query(&q).unwrap().to_query(), q);
    // `full` is b0's special word, 0 in the value.
    let mut f = c.clone();
    f.set("b0", "full").unwrap();
    assert_eq!((f.b0, f.get("b0").unwrap()), (0, "full".to_string()));
    assert_eq!(Config::from_query(&f.to_query()).unwrap(), f);
}

#[test]
fn the_range_is_the_check_and_the_message() {
    for p in PARAMS {
        let allowed = p.allowed();
        assert!(
            allowed.starts_with(&p.range.describe()),
            "{}: {allowed}",
            p.name
        );
        // Just outside every bound is refused, with the allowed text in the message.
        let outside: Vec<String> = match p.range {
            Range::Int { lo, hi } => {
                let mut v = vec![(hi as u128 + 1).to_string()];
                if lo > 0 && !(lo == 1 && p.special.is_some()) {
                    v.push((lo - 1).to_string());
                }
                v
            }
            Range::Float {
                lo,
                hi,
                lo_open,
                hi_open,
            } => vec![
                if lo_open {
                    lo.to_string()
                } else {
                    (lo - 1e-9).to_string()
                },
                if hi_open {
                    hi.to_string()
                } else {
                    (hi + 1e-9).to_string()
                },
            ],
            Range::Choice(_) => vec!["no-such-choice".into()],
            Range::Dataset => ["own-0-0123456789abcdef", "own-60-0123456789ABCDEF", "mnist"]
                .map(String::from)
                .into(),
            Range::List { max_len, .. } => {
                let ok = candidates(p)[0].clone();
                vec![format!("{ok},{ok}"), vec![ok; max_len + 1].join(",")]
            }
        };
        for v in outside {
            let e = Config::default().set(p.name, &v).unwrap_err();
            assert_eq!(e.param, p.name);
            assert!(
                e.message.ends_with(&format!("allowed: {allowed}")),
                "{}={v}: {e}",
                p.name
            );
        }
        // The bounds themselves, where closed, are accepted.
        if let (Some(lo), false) = (p.range.min(), p.range.open().0) {
            if p.range.kind() != "list" && p.name != "warmup" {
                let mut c = Config::default();
                c.set(p.name, &lo.to_string())
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        if let Some(c) = p.range.choices() {
            for name in c {
                let mut cfg = Config::default();
                cfg.set(p.name, name).unwrap();
                assert_eq!(&p.get(&cfg), name);
            }
        }
    }
}

#[test]
fn the_last_occurrence_of_a_key_wins() {
    let (c, e) = Config::from_query_lenient("lr0=bad&lr0=0.5&k=2&k=3", &[]);
    assert_eq!((c.lr0, c.k.clone(), e.len()), (0.5, vec![3], 0));
    let (c, e) = Config::from_query_lenient("lr0=0.5&lr0=bad", &[]);
    assert_eq!(c.lr0, 0.001, "the last (bad) value counts: default kept");
    assert_eq!(e.len(), 1);
    // A preset's query followed by the link's: the link wins.
    let c = Config::from_query("epochs=3&warmup=2&epochs=5").unwrap();
    assert_eq!((c.epochs, c.warmup), (5, 2));
}

#[test]
fn keys_may_come_in_any_order() {
    // warmup ≤ epochs is judged once every key is in.
    let c = Config::from_query("warmup=15&epochs=20").unwrap();
    assert_eq!(Config::from_query(&c.to_query()).unwrap(), c);
    let e = Config::from_query("warmup=20&epochs=5").unwrap_err();
    assert_eq!(e.param, "warmup");
    assert!(e.message.contains("at most epochs"), "{e}");
}

#[test]
fn regression_cases() {
    // A 2 MB link of `z&`: a bounded list of errors, the rest counted.
    let q = "z&".repeat(1 << 20);
    let p = Config::parse_query(&q, &[]);
    assert_eq!(p.errors.len(), MAX_QUERY_ERRORS);
    assert_eq!(p.more, (1 << 20) - MAX_QUERY_ERRORS);
    assert!(serde_json::to_string(&p).unwrap().len() < 20_000);

    // Overflowing ranges fail with a message, in any build.
    let e = Config::from_query("grid_b=4294967296-18446744073709551615*4294967296").unwrap_err();
    assert_eq!(e.param, "grid_b");
    assert!(e.message.contains("out of range"), "{e}");
    let e = Config::from_query("k=1-18446744073709551615:18446744073709551615").unwrap_err();
    assert!(e.message.contains("out of range"), "{e}");

    // Duplicate grid values are refused, not counted twice.
    for (q, dup) in [
        ("mode=landscape&grid_b=8,8&grid_lr=0.1,0.2", "8"),
        ("mode=landscape&grid_b=8,16&grid_lr=0.1,0.1", "0.1"),
        ("k=1,2,1", "1"),
    ] {
        let e = Config::from_query(q).unwrap_err();
        assert!(
            e.message.starts_with(&format!("{dup} is listed twice")),
            "{q}: {e}"
        );
    }
    assert!(Config::from_json(r#"{"grid_b": [8, 8]}"#).is_err());

    // Numbers come back short.
    let c = Config::from_query("lr0=1e-300").unwrap();
    assert_eq!(c.lr0, 1e-300);
    assert_eq!(c.to_query(), "lr0=1e-300");

    // Every part of an error is shortened.
    let key = "x".repeat(200_000);
    let (_, e) = Config::from_query_lenient(&format!("{key}={key}&lr0={key}"), &[]);
    assert_eq!(e.len(), 2);
    for e in e {
        assert!(
            e.param.chars().count() <= MAX_KEY_CHARS,
            "{}",
            e.param.len()
        );
        assert!(e.value.chars().count() <= MAX_VALUE_CHARS);
        assert!(e.message.chars().count() <= MAX_MESSAGE_CHARS);
        assert!(e.value.ends_with('…'));
    }
}

/// What the page reads of each parameter (`kind`, `min`, `max`: the bounds of its slider or
/// box) is what the parameter's check enforces: the upper bound, where closed, is accepted
/// and a value past it is refused; a choice or a data-set token has no bounds.
#[test]
fn the_bounds_the_page_reads_are_those_the_checks_enforce() {
    let mut kinds = std::collections::BTreeSet::new();
    for p in PARAMS {
        let r = &p.range;
        kinds.insert(r.kind());
        let (item, list) = match r {
            Range::List { item, .. } => (*item, true),
            _ => (r, false),
        };
        let expected = match (item, list) {
            (_, true) => "list",
            (Range::Int { .. }, _) => "int",
            (Range::Float { .. }, _) => "float",
            (Range::Choice(_), _) => "choice",
            _ => "token",
        };
        assert_eq!(r.kind(), expected, "{}", p.name);
        let past = match *item {
            Range::Int { hi, .. } => Some((hi as f64, (hi + 1).to_string())),
            Range::Float { hi, hi_open, .. } => {
                let mut c = Config::default();
                if !hi_open && !list {
                    c.set(p.name, &hi.to_string())
                        .unwrap_or_else(|e| panic!("{}: its max {hi}: {e}", p.name));
                }
                Some((hi, (hi * 2.0 + 1.0).to_string()))
            }
            _ => None,
        };
        match past {
            Some((hi, v)) => {
                assert_eq!((r.max(), item.max()), (Some(hi), Some(hi)), "{}", p.name);
                assert!(r.min().unwrap() < hi, "{}", p.name);
                let e = Config::default().set(p.name, &v).unwrap_err();
                assert_eq!(e.param, p.name, "{} = {v} is past its max", p.name);
            }
            None => assert_eq!((r.min(), r.max()), (None, None), "{}", p.name),
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["choice", "float", "int", "list", "token"]
    );
}

//! Property tests of the URL query parser with fixed seeds: thousands of generated and
//! mutated queries. For every input: no panic; the config is valid; each problem names
//! a key and is shortened; at most `MAX_QUERY_ERRORS` are listed; the output is bounded
//! whatever the input's size; the canonical query parses strictly to the same config
//! and writes back to the same text (round trips exact).

mod common;

use common::Gen;
use lr_batch_playground::config::{
    Config, Range, MAX_KEY_CHARS, MAX_MESSAGE_CHARS, MAX_QUERY_ERRORS, MAX_VALUE_CHARS, PARAMS,
};

impl Gen {
    fn float(&mut self) -> f64 {
        let m = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let e = self.below(40) as i32 - 20;
        m * 10f64.powi(e)
    }
}

/// A plausible value for a range: mostly valid, sometimes just outside, sometimes huge.
fn value(g: &mut Gen, r: &Range) -> String {
    let int = |g: &mut Gen, lo: u64, hi: u64| match g.below(6) {
        0 => lo.to_string(),
        1 => hi.to_string(),
        2 => (hi as u128 + 1).to_string(),
        3 => g.next().to_string(),
        _ => (lo + g.next() % (hi - lo + 1)).to_string(),
    };
    match *r {
        Range::Int { lo, hi } => int(g, lo, hi),
        Range::Float { lo, hi, .. } => match g.below(5) {
            0 => format!("{}", lo + (hi - lo) * g.float().fract()),
            1 => format!("{:e}", g.float()),
            2 => g
                .pick(&["NaN", "inf", "-0", "1e-300", "1e400", "0x10", ""])
                .to_string(),
            _ => format!(
                "{}",
                (lo + (hi - lo) * g.float().fract()).max(f64::MIN_POSITIVE)
            ),
        },
        Range::Dataset => match g.below(4) {
            0 => "mnist-subset".into(),
            1 => format!("own-{}-{:016x}", 1 + g.below(100_000), g.next()),
            2 => format!("own-{}-{}-{:x}", g.below(200_000), g.below(20), g.next()),
            _ => "own-".into(),
        },
        Range::Choice(c) => match g.below(4) {
            0 => g.pick(c).to_ascii_uppercase(),
            1 => "nope".into(),
            _ => g.pick(c).to_string(),
        },
        Range::List { item, max_len } => {
            let n = 1 + g.below(max_len + 2);
            let Range::Int { lo, hi } = *item else {
                return match g.below(3) {
                    0 => format!("{}:{}:{}", g.float(), g.float() * 100.0, g.below(15)),
                    _ => (0..n).map(|_| value(g, item)).collect::<Vec<_>>().join(","),
                };
            };
            (0..n)
                .map(|_| match g.below(5) {
                    0 => format!("{}-{}*{}", int(g, lo, hi), int(g, lo, hi), g.below(5)),
                    1 => format!("{}-{}:{}", int(g, lo, hi), int(g, lo, hi), g.next()),
                    2 => format!("{}-{}", int(g, lo, hi), int(g, lo, hi)),
                    _ => int(g, lo, hi),
                })
                .collect::<Vec<_>>()
                .join(",")
        }
    }
}

/// A generated query: known keys with plausible values, junk keys, page keys.
fn generated(g: &mut Gen) -> String {
    let n = g.below(12);
    (0..n)
        .map(|_| match g.below(8) {
            0 => format!("junk{}={}", g.below(100), g.next()),
            1 => "x=steps".to_string(),
            _ => {
                let p = g.pick(PARAMS);
                format!("{}={}", p.name, value(g, &p.range))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Byte-level mutations: flips, inserts of syntax characters, deletions, duplications.
fn mutated(g: &mut Gen, q: &str) -> String {
    let mut b = q.as_bytes().to_vec();
    for _ in 0..1 + g.below(6) {
        let at = if b.is_empty() {
            0
        } else {
            g.below(b.len() + 1)
        };
        match g.below(5) {
            0 if at < b.len() => b[at] = g.next() as u8,
            1 => b.insert(at, *g.pick(b"&=%,:*-+.e0129")),
            2 if at < b.len() => {
                b.remove(at);
            }
            3 => {
                let end = (at + g.below(20)).min(b.len());
                let piece = b[at..end].to_vec();
                b.splice(at..at, piece);
            }
            _ => b.extend_from_slice(b"%E2%82"),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Checks one query; returns (listed problems, parameters away from their defaults).
fn check(q: &str) -> (usize, usize) {
    let p = Config::parse_query(q, &["x", "preset"]);
    p.config
        .validate()
        .unwrap_or_else(|e| panic!("{q:?} gave an invalid config: {e}"));
    assert!(p.errors.len() <= MAX_QUERY_ERRORS, "{q:?}");
    for e in &p.errors {
        assert!(!e.message.is_empty(), "{q:?}");
        assert!(e.param.chars().count() <= MAX_KEY_CHARS, "{q:?}");
        assert!(e.value.chars().count() <= MAX_VALUE_CHARS, "{q:?}");
        assert!(e.message.chars().count() <= MAX_MESSAGE_CHARS, "{q:?}");
    }
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.len() < 64 * 1024, "{} bytes of output", json.len());
    // Round trips: the canonical query is strict-valid, gives the same config, same text.
    let canon = p.config.to_query();
    assert!(canon.len() < 2048, "{canon}");
    let back = Config::from_query(&canon).unwrap_or_else(|e| panic!("{canon:?}: {e}"));
    assert_eq!(back, p.config, "{q:?} → {canon:?}");
    assert_eq!(back.to_query(), canon);
    assert_eq!(Config::from_json(&back.to_json()).unwrap(), back);
    (
        p.errors.len(),
        canon.split('&').filter(|s| !s.is_empty()).count(),
    )
}

/// Both kinds of outcome must be common, or the generator tests nothing.
fn assert_mixed(outcomes: &[(usize, usize)]) {
    let with_errors = outcomes.iter().filter(|o| o.0 > 0).count();
    let changed = outcomes.iter().filter(|o| o.1 > 0).count();
    let n = outcomes.len();
    assert!(
        with_errors > n / 5 && changed > n / 5,
        "{with_errors} with errors, {changed} changed of {n}"
    );
}

#[test]
fn generated_queries() {
    let mut g = Gen(0x5EED_0001);
    let outcomes: Vec<_> = (0..4000).map(|_| check(&generated(&mut g))).collect();
    assert_mixed(&outcomes);
}

#[test]
fn mutated_queries() {
    let mut g = Gen(0x5EED_0002);
    let seeds = [
        "b0=full&lr0=0.0125&k=1-7&rule=sqrt&warmup=2&decay=cosine",
        "mode=landscape&grid_b=8-256*2&grid_lr=0.001:10:6&repeats=3&order=same",
        "k=1-9:2&opt=adam&momentum=0.8&epochs=3&train=1000&dropout=0&seed=42",
        "init=he&norm=standard&target=95&lr0=1e-300",
    ];
    let outcomes: Vec<_> = (0..4000)
        .map(|i| {
            let base = if i % 2 == 0 {
                g.pick(&seeds).to_string()
            } else {
                generated(&mut g)
            };
            check(&mutated(&mut g, &base))
        })
        .collect();
    assert_mixed(&outcomes);
}

#[test]
fn regression_inputs() {
    for q in [
        "grid_b=4294967296-18446744073709551615*4294967296",
        "k=4294967296-18446744073709551615*4294967296",
        "k=1-4096:18446744073709551615",
        "mode=landscape&grid_b=8,8&grid_lr=0.1,0.1",
        "lr0=1e-300",
        "grid_lr=1e-300:1e300:12",
        "grid_lr=1:1.0001:12",
        "%%%&&==&=1&k&k=&b0=full&b0=%ZZ",
        "warmup=15&epochs=20",
    ] {
        check(q);
    }
    // Large inputs stay bounded in output (the time is the benchmark's to measure).
    assert_eq!(check(&"z&".repeat(1 << 20)).0, MAX_QUERY_ERRORS);
    check(&format!("{}=1", "k".repeat(1 << 20)));
    check(&format!("k={}", "1,".repeat(1 << 19)));
    check(&format!("grid_lr={}", "0.5,".repeat(1 << 19)));
    check(&"lr0=x&".repeat(1 << 18));
}

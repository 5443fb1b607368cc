//! The URL query codec: `?b0=8&k=1-7` ↔ [`Config`], bounded in work and in text.
//!
//! Writing lists only the parameters that differ from the defaults, in table order,
//! each value in its short text form (`lr0=1e-300`, never a 306-digit decimal), so
//! `from_query(to_query(c)) == c` exactly.
//!
//! Reading is lenient (the page always gets a usable experiment plus notices) and
//! bounded, because a link is untrusted input: it walks the query twice without
//! collecting the pairs, keeps at most [`MAX_QUERY_ERRORS`] problems (later ones are
//! only counted, in `more`), and shortens every part of a kept problem. A 2 MB query
//! therefore gives a few kilobytes of errors. Duplicated keys: the last occurrence of a
//! key decides and earlier ones are ignored silently (the page prepends a preset's
//! query to the link's, and the link's keys must win).

use std::borrow::Cow;

use serde::Serialize;

use super::{param, unknown_key, Config, ConfigError, PARAMS};

/// The schema version of the links the page writes (`v=2`); a link without `v` is 1.
pub const QUERY_VERSION: u32 = 2;
/// The URL key of the schema version.
pub const VERSION_KEY: &str = "v";

/// Checks a link's `v` value: a version from 1 to [`QUERY_VERSION`].
fn check_version(v: &str) -> Result<(), ConfigError> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=QUERY_VERSION).contains(&n) => Ok(()),
        _ => Err(ConfigError {
            param: VERSION_KEY.to_string(),
            value: v.to_string(),
            message: format!(
                "unknown link version; allowed: 1 to {QUERY_VERSION} (no `v` is 1); read as {QUERY_VERSION}"
            ),
        }),
    }
}

/// At most this many problems are listed by a lenient parse; the rest are counted.
pub const MAX_QUERY_ERRORS: usize = 32;

/// What a lenient parse gives: a valid config, the first problems (shortened) and how
/// many more there were.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryParse {
    pub config: Config,
    pub errors: Vec<ConfigError>,
    /// Problems found beyond the listed ones.
    pub more: usize,
}

impl Config {
    /// The URL query string (without `?`) listing the parameters that differ
    /// from the defaults, in table order. `from_query` of it gives `self` back.
    pub fn to_query(&self) -> String {
        let default = Config::default();
        PARAMS
            .iter()
            .filter(|p| p.get(self) != p.get(&default))
            .map(|p| format!("{}={}", p.name, encode_component(&p.get(self))))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Parses a query string strictly: any unknown key or bad value is an error.
    pub fn from_query(query: &str) -> Result<Config, ConfigError> {
        let p = Config::parse_query(query, &[]);
        match p.errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(p.config),
        }
    }

    /// [`Config::parse_query`] without the count of unlisted problems.
    pub fn from_query_lenient(query: &str, ignore: &[&str]) -> (Config, Vec<ConfigError>) {
        let p = Config::parse_query(query, ignore);
        (p.config, p.errors)
    }

    /// Parses a query string, keeping the default for every parameter that is
    /// invalid and reporting each problem; keys in `ignore` (the page's own
    /// `preset`, `x`, `embed`, …) are skipped silently. Never fails: the page
    /// always gets a usable experiment plus a bounded list of notices.
    pub fn parse_query(query: &str, ignore: &[&str]) -> QueryParse {
        let segments = || {
            query
                .trim_start_matches('?')
                .split('&')
                .filter(|s| !s.is_empty())
        };
        // Pass 1: where each parameter last occurs (the last occurrence wins).
        let mut last = vec![usize::MAX; PARAMS.len()];
        for (i, seg) in segments().enumerate() {
            let key = decode_component(seg.split_once('=').map_or(seg, |kv| kv.0));
            if let Some(j) = PARAMS.iter().position(|p| p.name == key) {
                last[j] = i;
            }
        }
        let mut out = QueryParse {
            config: Config::default(),
            errors: Vec::new(),
            more: 0,
        };
        let report = |out: &mut QueryParse, e: ConfigError| {
            if out.errors.len() < MAX_QUERY_ERRORS {
                out.errors.push(e.shortened());
            } else {
                out.more += 1;
            }
        };
        // Pass 2: apply each parameter's last occurrence, report unknown keys.
        for (i, seg) in segments().enumerate() {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            let key = decode_component(k);
            if ignore.contains(&key.as_ref()) {
                continue;
            }
            if key == VERSION_KEY {
                if let Err(e) = check_version(&decode_component(v)) {
                    report(&mut out, e);
                }
                continue;
            }
            match PARAMS.iter().position(|p| p.name == key) {
                Some(j) if last[j] != i => {}
                Some(_) => {
                    if let Err(e) = out.config.set(&key, &decode_component(v)) {
                        report(&mut out, e);
                    }
                }
                // Past the limit an unknown key is only counted: no message is built.
                None if out.errors.len() >= MAX_QUERY_ERRORS => out.more += 1,
                None => report(&mut out, unknown_key(&key, &decode_component(v))),
            }
        }
        // Cross-field checks (warmup ≤ epochs) may fail only once all keys are in.
        for e in out.config.problems() {
            if let Some(p) = param(&e.param) {
                p.parse_into(&mut out.config, &p.default_value()).ok();
            }
            report(&mut out, e);
        }
        out
    }
}

/// Splits `a=1&b=2` into decoded pairs (`+` is a space, `%XX` escapes).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (
                decode_component(k).into_owned(),
                decode_component(v).into_owned(),
            )
        })
        .collect()
}

/// Decodes `+` and `%XX`; borrows when there is nothing to decode (most keys), so
/// reading a long query allocates little.
fn decode_component(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b','
            | b'*'
            | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Decay, Mode, Opt, Rule};

    /// The page's own keys, which the page asks the parser to skip.
    const PAGE: &[&str] = &["preset", "x", "embed", "autorun", "log", "overlay", "heat"];

    /// Links written before `v` existed: the presets' queries and the README's examples,
    /// as they were written, with what each must open.
    #[test]
    fn links_without_a_version_open_the_same_experiment() {
        type Check = fn(&Config) -> bool;
        let old: &[(&str, Check)] = &[
            ("b0=8&lr0=0.001&k=1-7&rule=none&opt=sgd&epochs=10", |c| {
                c.rule == Rule::None && c.k == [1, 2, 3, 4, 5, 6, 7] && c.epochs == 10
            }),
            (
                "b0=8&lr0=0.02&k=1,16,64&rule=linear&warmup=2&opt=sgd&epochs=6",
                |c| c.lr0 == 0.02 && c.k == [1, 16, 64] && c.warmup == 2 && c.epochs == 6,
            ),
            ("b0=8&lr0=0.001&k=1,4,16&rule=none&opt=adam&epochs=10", |c| {
                c.opt == Opt::Adam && c.rule == Rule::None
            }),
            (
                "b0=1&lr0=0.01&k=1,32,2000&rule=sqrt&opt=sgd&epochs=3&train=2000",
                |c| c.b0 == 1 && c.k == [1, 32, 2000] && c.rule == Rule::Sqrt && c.train == 2000,
            ),
            (
                "mode=landscape&b0=8&lr0=0.0398&epochs=1&target=90&grid_b=8,32,128,512,2048,8000&grid_lr=0.001:10:6",
                |c| c.mode == Mode::Landscape && c.grid_b.len() == 6 && c.grid_lr.len() == 6,
            ),
            ("k=1,4&epochs=1&embed=1&autorun=1", |c| {
                c.k == [1, 4] && c.epochs == 1
            }),
            ("preset=article&k=1-3&decay=cosine&x=steps&lr0=1e-300", |c| {
                c.k == [1, 2, 3] && c.decay == Decay::Cosine && c.lr0 == 1e-300
            }),
        ];
        for (link, check) in old {
            let p = Config::parse_query(link, PAGE);
            assert!(p.errors.is_empty(), "{link}: {:?}", p.errors);
            assert!(check(&p.config), "{link} opened {:?}", p.config);
            // The same link written today (with the version, first or last) is the same.
            for versioned in [
                format!("{link}&v=2"),
                format!("v=2&{link}"),
                format!("v=1&{link}"),
            ] {
                let q = Config::parse_query(&versioned, PAGE);
                assert!(q.errors.is_empty(), "{versioned}: {:?}", q.errors);
                assert_eq!(q.config, p.config, "{versioned}");
            }
        }
    }

    #[test]
    fn an_unknown_version_is_a_notice_and_the_rest_applies() {
        for bad in ["3", "0", "two", ""] {
            let p = Config::parse_query(&format!("k=1,2&v={bad}"), &[]);
            assert_eq!(p.config.k, [1, 2]);
            assert_eq!(p.errors.len(), 1, "v={bad}: {:?}", p.errors);
            assert_eq!(p.errors[0].param, VERSION_KEY);
            assert!(
                p.errors[0].message.contains("allowed: 1 to 2"),
                "{}",
                p.errors[0]
            );
        }
        assert_eq!(QUERY_VERSION, 2);
        // The strict reader (the CLI's `--config` links, a CSV's experiment) takes it too.
        assert_eq!(
            Config::from_query("k=2&v=2").unwrap(),
            Config::from_query("k=2").unwrap()
        );
        assert!(Config::from_query("k=2&v=9").is_err());
    }
}

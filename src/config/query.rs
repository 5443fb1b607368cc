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

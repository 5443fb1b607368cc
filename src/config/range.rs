//! A parameter's range as one datum: [`Range`] says which values are allowed, and from
//! it come the check ([`Range::check`]), the words of errors and docs
//! ([`Range::describe`]) and the numbers the page builds its controls from (kind, min,
//! max, choices). The list syntaxes that produce list values are `lists.rs`'s.

use super::lists::{fmt_f64, parse_float_list, parse_int_list};

/// The values a parameter allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// A whole number from `lo` to `hi`, both included.
    Int { lo: u64, hi: u64 },
    /// A finite number between `lo` and `hi`; an open end excludes the bound itself.
    Float {
        lo: f64,
        hi: f64,
        lo_open: bool,
        hi_open: bool,
    },
    /// One of these names.
    Choice(&'static [&'static str]),
    /// 1 to `max_len` distinct values, each in `item` (an `Int` or a `Float`).
    List {
        item: &'static Range,
        max_len: usize,
    },
    /// A dataset identity: `mnist-subset` or a token `data::DatasetId::parse` reads.
    Dataset,
}

/// A parameter's value, typed, as its range checks it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(u64),
    Float(f64),
    Choice(String),
    Ints(Vec<u64>),
    Floats(Vec<f64>),
    Token(String),
}

impl Range {
    /// `"int"`, `"float"`, `"choice"`, `"list"` or `"token"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Range::Int { .. } => "int",
            Range::Float { .. } => "float",
            Range::Choice(_) => "choice",
            Range::List { .. } => "list",
            Range::Dataset => "token",
        }
    }

    /// The lower bound (of every item, for a list); `None` for a choice.
    pub fn min(&self) -> Option<f64> {
        match *self {
            Range::Int { lo, .. } => Some(lo as f64),
            Range::Float { lo, .. } => Some(lo),
            Range::Choice(_) | Range::Dataset => None,
            Range::List { item, .. } => item.min(),
        }
    }

    /// The upper bound (of every item, for a list); `None` for a choice.
    pub fn max(&self) -> Option<f64> {
        match *self {
            Range::Int { hi, .. } => Some(hi as f64),
            Range::Float { hi, .. } => Some(hi),
            Range::Choice(_) | Range::Dataset => None,
            Range::List { item, .. } => item.max(),
        }
    }

    /// Whether the lower and the upper bound are excluded.
    pub fn open(&self) -> (bool, bool) {
        match *self {
            Range::Float {
                lo_open, hi_open, ..
            } => (lo_open, hi_open),
            Range::List { item, .. } => item.open(),
            _ => (false, false),
        }
    }

    /// The names of a choice.
    pub fn choices(&self) -> Option<&'static [&'static str]> {
        match *self {
            Range::Choice(c) => Some(c),
            _ => None,
        }
    }

    /// The range in words, as errors, `--help` and the README say it.
    pub fn describe(&self) -> String {
        match *self {
            Range::Int { lo, hi } => format!("{lo} to {hi}"),
            Range::Float {
                lo,
                hi,
                lo_open,
                hi_open,
            } => format!(
                "a number in {}{}, {}{}",
                if lo_open { '(' } else { '[' },
                fmt_f64(lo),
                fmt_f64(hi),
                if hi_open { ')' } else { ']' }
            ),
            Range::Choice(c) => match c {
                [] => String::new(),
                [one] => one.to_string(),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
            },
            Range::List { item, max_len } => {
                format!("1 to {max_len} distinct values, each {}", item.describe())
            }
            Range::Dataset => format!(
                "{}, or own-N-F (N images, split 4:1) or own-N-M-F (N training and M test \
                 images), F the 16-hex-digit fingerprint the page shows for loaded files",
                crate::data::SUBSET
            ),
        }
    }

    /// Checks one value against the range; the message says what is wrong (the caller
    /// appends what is allowed).
    pub fn check(&self, v: &Value) -> Result<(), String> {
        match (*self, v) {
            (Range::Int { lo, hi }, &Value::Int(x)) => {
                if x < lo || x > hi {
                    return Err(format!("{x} is out of range"));
                }
            }
            (
                Range::Float {
                    lo,
                    hi,
                    lo_open,
                    hi_open,
                },
                &Value::Float(x),
            ) => {
                let above = if lo_open { x > lo } else { x >= lo };
                let below = if hi_open { x < hi } else { x <= hi };
                if !(above && below) {
                    return Err(format!("{} is out of range", fmt_f64(x)));
                }
            }
            (Range::Choice(c), Value::Choice(s)) => {
                if !c.contains(&s.as_str()) {
                    return Err("unknown choice".into());
                }
            }
            (Range::List { item, max_len }, Value::Ints(xs)) => {
                list_shape(xs, max_len)?;
                for &x in xs {
                    item.check(&Value::Int(x))?;
                }
            }
            (Range::List { item, max_len }, Value::Floats(xs)) => {
                list_shape(xs, max_len)?;
                for &x in xs {
                    item.check(&Value::Float(x))?;
                }
            }
            (Range::Dataset, Value::Token(s)) => {
                crate::data::DatasetId::parse(s)?;
            }
            _ => return Err("internal: the value does not fit the range's kind".into()),
        }
        Ok(())
    }

    /// Parses a whole-number list (`1-7`, `8-256*2`, …) within this list range.
    pub(super) fn parse_ints(&self, s: &str) -> Result<Vec<u64>, String> {
        match *self {
            Range::List {
                item: &Range::Int { lo, hi },
                max_len,
            } => parse_int_list(s, lo, hi, max_len),
            _ => Err("internal: not a whole-number list".into()),
        }
    }

    /// Parses a float list (`0.1,0.2` or `lo:hi:n`) within this list range.
    pub(super) fn parse_floats(&self, s: &str) -> Result<Vec<f64>, String> {
        match *self {
            Range::List { item, max_len } => {
                parse_float_list(s, |x| item.check(&Value::Float(x)), max_len)
            }
            _ => Err("internal: not a list".into()),
        }
    }
}

fn list_shape<T: PartialEq + std::fmt::Debug>(xs: &[T], max_len: usize) -> Result<(), String> {
    if xs.is_empty() {
        return Err("the list is empty".into());
    }
    if xs.len() > max_len {
        return Err(format!("more than {max_len} values"));
    }
    if let Some(i) = (1..xs.len()).find(|&i| xs[..i].contains(&xs[i])) {
        return Err(format!("{:?} is listed twice", xs[i]));
    }
    Ok(())
}

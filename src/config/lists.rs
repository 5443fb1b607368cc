//! The list syntaxes of the config: k multipliers and landscape batch sizes (whole
//! numbers: `1-7`, `1,2,4,8`, `1-9:2`, `1-256*2`) and learning rates (`0.001,0.01` or
//! `lo:hi:n`, n log-spaced values), and the short number form every float is written in.
//!
//! Parsing is bounded and never panics: every item is checked against the parameter's
//! range while the list is expanded (so `4294967296-…` stops at its first item),
//! arithmetic is checked, and expansion stops as soon as the list is longer than the
//! parameter allows. A value listed twice is an error (`8 is listed twice`): two runs
//! with the same value would be counted as repeats of one curve or cell. The bounds come
//! from the caller (the parameter table's [`Range`](super::Range)), not from here.

/// Formats a float the shortest way that parses back to the same value: the plain
/// decimal (`0.001`, `10`) unless the exponent form is much shorter (`1e-300`, not a
/// 306-character decimal). Both forms are Rust's shortest round-trip digits, so
/// `fmt_f64(v).parse::<f64>() == Ok(v)` for every finite `v`.
pub fn fmt_f64(v: f64) -> String {
    let plain = format!("{v}");
    let exp = format!("{v:e}");
    // Plain up to ~1e-5 and ~1e7: the forms people type.
    if plain.len() <= exp.len() + 3 {
        plain
    } else {
        exp
    }
}

/// A finite float, or a message.
pub fn parse_f64(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err("not a finite number".into()),
        Err(_) => Err("not a number".into()),
    }
}

/// A whole number (at most u64::MAX), or a message.
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let t = s.trim();
    t.parse::<u64>().map_err(|_| {
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            "too large".to_string()
        } else {
            "not a whole number".to_string()
        }
    })
}

/// Parses a list of whole numbers: comma-separated items, each `n`, `a-b` (every
/// integer from a to b), `a-b:s` (step s) or `a-b*m` (a, a·m, a·m², … up to b). Every
/// value must lie in `lo..=hi`, the list must have at most `max_len` values, none twice.
pub fn parse_int_list(s: &str, lo: u64, hi: u64, max_len: usize) -> Result<Vec<u64>, String> {
    let mut out: Vec<u64> = Vec::new();
    let int = |t: &str| -> Result<u64, String> {
        let v = parse_u64(t).map_err(|m| format!("{:?}: {m}", short(t)))?;
        if v < lo || v > hi {
            return Err(format!("{v} is out of range"));
        }
        Ok(v)
    };
    let push = |out: &mut Vec<u64>, v: u64| -> Result<(), String> {
        if out.contains(&v) {
            return Err(format!("{v} is listed twice"));
        }
        if out.len() == max_len {
            return Err(format!("more than {max_len} values"));
        }
        out.push(v);
        Ok(())
    };
    for item in s.split(',').map(str::trim) {
        if item.is_empty() {
            return Err("empty item in the list".into());
        }
        let Some((a, rest)) = item.split_once('-') else {
            push(&mut out, int(item)?)?;
            continue;
        };
        let a = int(a)?;
        let (b, step) = if let Some((b, s)) = rest.split_once(':') {
            (
                int(b)?,
                Step::Add(parse_u64(s).map_err(|m| format!("step: {m}"))?),
            )
        } else if let Some((b, m)) = rest.split_once('*') {
            (
                int(b)?,
                Step::Mul(parse_u64(m).map_err(|m| format!("factor: {m}"))?),
            )
        } else {
            (int(rest)?, Step::Add(1))
        };
        if b < a {
            return Err(format!("range {a}-{b} is empty"));
        }
        match step {
            Step::Add(0) => return Err("a range needs a step ≥ 1".into()),
            Step::Mul(m) if m < 2 => return Err("a geometric range needs a factor ≥ 2".into()),
            _ => {}
        }
        let mut v = a;
        loop {
            push(&mut out, v)?;
            let next = match step {
                Step::Add(s) => v.checked_add(s),
                Step::Mul(m) => v.checked_mul(m),
            };
            match next {
                Some(n) if n <= b => v = n,
                _ => break,
            }
        }
    }
    Ok(out)
}

enum Step {
    Add(u64),
    Mul(u64),
}

/// Formats a whole-number list compactly: runs of three or more consecutive integers
/// become `a-b`, other values are listed. `parse_int_list(&format_int_list(v)) == v`.
pub fn format_int_list(v: &[u64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j].checked_add(1) == Some(v[j + 1]) {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}-{}", v[i], v[j]));
            i = j + 1;
        } else {
            parts.push(v[i].to_string());
            i += 1;
        }
    }
    parts.join(",")
}

/// `n` log-spaced values from `lo` to `hi`, each rounded to 3 significant digits
/// so that the text form stays short and parses back to the same numbers.
pub fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| {
            let v = lo * (hi / lo).powf(i as f64 / (n - 1) as f64);
            format!("{v:.2e}").parse::<f64>().unwrap_or(v)
        })
        .collect()
}

/// Parses a float list: `a,b,c` or `lo:hi:n` (n log-spaced values from lo to hi).
/// Every value must be accepted by `ok` (the parameter's range), at most `max_len`
/// values, none twice.
pub fn parse_float_list(
    s: &str,
    ok: impl Fn(f64) -> Result<(), String>,
    max_len: usize,
) -> Result<Vec<f64>, String> {
    let v = if s.contains(':') {
        let parts: Vec<&str> = s.splitn(4, ':').map(str::trim).collect();
        let [lo, hi, n] = parts[..] else {
            return Err("`lo:hi:n` needs exactly three parts".into());
        };
        let (lo, hi) = (parse_f64(lo)?, parse_f64(hi)?);
        let n = parse_u64(n)?;
        if n < 2 || n > max_len as u64 || lo <= 0.0 || hi <= lo {
            return Err(format!(
                "`lo:hi:n` needs 0 < lo < hi and n from 2 to {max_len}"
            ));
        }
        let v = log_space(lo, hi, n as usize);
        // Rounding to 3 digits can merge neighbours (`1:1.001:3`).
        if v.windows(2).any(|w| w[0] >= w[1]) {
            return Err("`lo:hi:n` gives values too close to tell apart".into());
        }
        v
    } else {
        let mut out: Vec<f64> = Vec::new();
        for item in s.split(',') {
            if out.len() == max_len {
                return Err(format!("more than {max_len} values"));
            }
            out.push(parse_f64(item).map_err(|m| format!("{:?}: {m}", short(item.trim())))?);
        }
        out
    };
    for (i, &x) in v.iter().enumerate() {
        ok(x)?;
        if v[..i].contains(&x) {
            return Err(format!("{} is listed twice", fmt_f64(x)));
        }
    }
    Ok(v)
}

/// The float list in its text form: each value in the short form, comma-separated.
pub fn format_float_list(v: &[f64]) -> String {
    v.iter().map(|x| fmt_f64(*x)).collect::<Vec<_>>().join(",")
}

/// At most 24 characters of `s` (an item quoted in a message), with `…` when cut.
fn short(s: &str) -> String {
    super::shorten(s, 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_lists() {
        let p = |s: &str| parse_int_list(s, 1, 4096, 64);
        assert_eq!(p("1-7").unwrap(), (1..=7).collect::<Vec<_>>());
        assert_eq!(p("1,2,4,8").unwrap(), vec![1, 2, 4, 8]);
        assert_eq!(p("1-9:4").unwrap(), vec![1, 5, 9]);
        assert_eq!(
            p("1-256*2").unwrap(),
            vec![1, 2, 4, 8, 16, 32, 64, 128, 256]
        );
        assert_eq!(p(" 3 , 1-2").unwrap(), vec![3, 1, 2]);
        for bad in [
            "", "0", "a", "1-", "5-2", "1-100", "1,,2", "1-8*1", "5000", "1-9:0", "2,2",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
        assert_eq!(p("8,8").unwrap_err(), "8 is listed twice");
        for v in [
            vec![1, 2, 3, 4, 5, 6, 7],
            vec![1, 2, 4, 8],
            vec![3, 1, 2],
            vec![1, 2, 3, 5],
        ] {
            assert_eq!(p(&format_int_list(&v)).unwrap(), v);
        }
        assert_eq!(format_int_list(&[1, 2, 3, 4, 5, 6, 7]), "1-7");
    }

    #[test]
    fn int_lists_never_overflow() {
        let wide = |s: &str| parse_int_list(s, 1, u64::MAX, 64);
        // Every step and factor near u64::MAX stops instead of wrapping.
        assert_eq!(
            wide("4294967296-18446744073709551615*4294967296").unwrap(),
            vec![4294967296]
        );
        assert_eq!(
            wide("18446744073709551614-18446744073709551615:18446744073709551615").unwrap(),
            vec![u64::MAX - 1]
        );
        assert_eq!(
            wide("18446744073709551615-18446744073709551615").unwrap(),
            vec![u64::MAX]
        );
        assert!(wide("1-18446744073709551616")
            .unwrap_err()
            .contains("too large"));
        let e = parse_int_list("4294967296-18446744073709551615*4294967296", 1, 60000, 12);
        assert_eq!(e.unwrap_err(), "4294967296 is out of range");
    }

    #[test]
    fn float_lists() {
        let ok = |v: f64| {
            if v > 0.0 && v <= 10.0 {
                Ok(())
            } else {
                Err("out".to_string())
            }
        };
        let p = |s: &str| parse_float_list(s, ok, 12);
        assert_eq!(p("0.001:1:4").unwrap(), vec![0.001, 0.01, 0.1, 1.0]);
        assert_eq!(p("0.1, 0.2").unwrap(), vec![0.1, 0.2]);
        assert_eq!(p("0.1,0.1").unwrap_err(), "0.1 is listed twice");
        for bad in [
            "0.1:0.01:3",
            "1:2:13",
            "1:2",
            "1:2:3:4",
            "x",
            "0",
            "11",
            "1:1.001:3",
            "1:2:-1",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
        assert!(p(&"1,".repeat(100_000))
            .unwrap_err()
            .contains("more than 12"));
    }

    #[test]
    fn short_number_form_round_trips() {
        assert_eq!(fmt_f64(1e-300), "1e-300");
        assert_eq!(fmt_f64(0.001), "0.001");
        assert_eq!(fmt_f64(0.00631), "0.00631");
        assert_eq!(fmt_f64(10.0), "10");
        assert_eq!(fmt_f64(1e300), "1e300");
        // The switch: plain while it is at most 3 characters longer than the exponent form.
        assert_eq!(fmt_f64(1e-5), "0.00001");
        assert_eq!(fmt_f64(1e-6), "1e-6");
        assert_eq!(fmt_f64(1e5), "100000");
        assert_eq!(fmt_f64(1e6), "1e6");
        for v in [
            1e-300,
            0.1 + 0.2,
            1.0 / 3.0,
            5e-324,
            f64::MAX,
            123456789.125,
            0.0,
        ] {
            assert_eq!(fmt_f64(v).parse::<f64>().unwrap(), v, "{v}");
            assert!(fmt_f64(v).len() <= 26, "{}", fmt_f64(v));
        }
    }
}

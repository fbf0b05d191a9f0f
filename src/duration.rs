//! Go's duration syntax (`time.ParseDuration`), which Terraform users know
//! from every provider: `timeouts` blocks and `assume_role.duration`.

use std::time::Duration;

/// A Go duration string (`time.ParseDuration`): one or more decimal
/// numbers, each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), such
/// as `1h`, `1.5h` or `2h45m`; a bare `0` is zero. Negative durations
/// are refused: no session lasts less than nothing.
pub fn parse_go(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "{text:?} is not a duration; expected something like \"1h\", \"2h45m\" or \"30m15s\"."
        )
    };
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text;
    let mut nanos = 0f64;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(num_len);
        if !num.bytes().any(|b| b.is_ascii_digit()) || num.matches('.').count() > 1 {
            return Err(bad());
        }
        let value: f64 = num.parse().map_err(|_| bad())?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        nanos += value * scale;
        rest = next;
    }
    // Go refuses durations past about 290 years; so do we.
    if nanos > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(Duration::from_nanos(nanos.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse_as_go_does() {
        let secs = |t: &str| parse_go(t).map(|d| d.as_secs_f64());
        assert_eq!(secs("1h"), Ok(3600.0));
        assert_eq!(secs("15m"), Ok(900.0));
        assert_eq!(secs("2h45m"), Ok(9900.0));
        assert_eq!(secs("30m15s"), Ok(1815.0));
        assert_eq!(secs("1.5h"), Ok(5400.0));
        assert_eq!(secs("0"), Ok(0.0));
        assert_eq!(secs("1500ms"), Ok(1.5));
        for bad in ["", "1", "h", "1d", "-1h", "1h-", ".h", "1..5h", "1 h"] {
            assert!(parse_go(bad).is_err(), "{bad:?}");
        }
    }
}

//! Durations on the command line: `30s`, `10m`, `1h`, `30d`, `2w`, `500ms`, and sums such
//! as `1h30m`. A unit is required: a bare `30` could mean seconds or days.

use std::time::Duration;

use crate::error::CliError;

/// Parses a duration such as `1h30m`.
pub fn parse(input: &str) -> Result<Duration, CliError> {
    let s = input.trim().to_ascii_lowercase();
    let bad = |reason: &str| CliError::InvalidDuration {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total = Duration::ZERO;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad("expected a number, e.g. 30s, 10m, 1h or 30d"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| bad("the number is too large"))?;
        rest = &rest[digits..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = rest[..unit_end].trim();
        rest = &rest[unit_end..];
        let secs: u64 = match unit {
            "ms" => {
                total += Duration::from_millis(n);
                continue;
            }
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            "" => return Err(bad("a unit is needed: s, m, h, d or w (e.g. 30s, 1h, 30d)")),
            _ => return Err(bad("unknown unit: use ms, s, m, h, d or w")),
        };
        let add = n
            .checked_mul(secs)
            .ok_or_else(|| bad("the number is too large"))?;
        total = total
            .checked_add(Duration::from_secs(add))
            .ok_or_else(|| bad("the number is too large"))?;
    }
    Ok(total)
}

/// A duration for people: `1h 30m`, `45s`, `3d`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        return format!("{} ms", d.as_millis());
    }
    let (days, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let mut parts = Vec::new();
    for (v, u) in [(days, "d"), (h, "h"), (m, "m"), (sec, "s")] {
        if v > 0 {
            parts.push(format!("{v}{u}"));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse("2w").unwrap(), Duration::from_secs(14 * 86_400));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["", "30", "h", "1.5h", "3x", "-1h", "99999999999999999999s"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(human(Duration::from_secs(5400)), "1h 30m");
    }
}

//! Times for people (relative, local) and for scripts (RFC 3339 in UTC with `Z`).

use chrono::{DateTime, Local, SecondsFormat, Utc};

/// RFC 3339 UTC with a `Z`, microseconds kept when the server sent them.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn rfc3339_or_empty(t: Option<DateTime<Utc>>) -> String {
    t.map(rfc3339).unwrap_or_default()
}

pub fn rfc3339_or_dash(t: Option<DateTime<Utc>>) -> String {
    t.map(rfc3339).unwrap_or_else(|| "-".into())
}

/// "in 6 days", "3 hours ago", "just now"; "-" when unknown.
pub fn relative(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = t else { return "-".into() };
    let secs = (t - now).num_seconds();
    let future = secs > 0;
    let a = secs.unsigned_abs();
    if a < 45 {
        return "just now".into();
    }
    let (n, unit) = if a < 90 * 60 {
        ((a + 30) / 60, "minute")
    } else if a < 36 * 3600 {
        ((a + 1800) / 3600, "hour")
    } else if a < 45 * 86400 {
        ((a + 43200) / 86400, "day")
    } else if a < 540 * 86400 {
        ((a + 15 * 86400) / (30 * 86400), "month")
    } else {
        ((a + 182 * 86400) / (365 * 86400), "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// Local time with the relative form beside it, for `show` on a terminal.
pub fn local_with_relative(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        None => "-".into(),
        Some(t) => format!(
            "{} ({})",
            t.with_timezone(&Local).format("%Y-%m-%d %H:%M %Z"),
            relative(Some(t), now)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times() {
        let now = Utc::now();
        assert_eq!(relative(Some(now + Duration::days(7)), now), "in 7 days");
        assert_eq!(relative(Some(now - Duration::hours(3)), now), "3 hours ago");
        assert_eq!(relative(Some(now), now), "just now");
        assert_eq!(relative(None, now), "-");
        assert_eq!(
            relative(Some(now - Duration::minutes(1)), now),
            "1 minute ago"
        );
    }

    #[test]
    fn rfc3339_has_z() {
        let t = crate::api::models::parse_timestamp("2026-12-02T01:54:59.342552").unwrap();
        assert_eq!(rfc3339(t), "2026-12-02T01:54:59.342552Z");
        let t = crate::api::models::parse_timestamp("2026-11-20T10:00:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-20T10:00:00Z");
    }
}

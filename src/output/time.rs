//! Times for people (relative, local) and for scripts (RFC 3339 in UTC with `Z`).

use chrono::{DateTime, Local, SecondsFormat, Utc};

/// RFC 3339 UTC with a `Z`, microseconds kept when the server sent them.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// [`rfc3339`] without an allocation, for listings (four datetimes a row): the same
/// text, written into a small buffer.
pub fn rfc3339_buf(t: DateTime<Utc>) -> Rfc3339 {
    use chrono::{Datelike, Timelike};
    let (y, nanos) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&y) || nanos >= 1_000_000_000 {
        return Rfc3339::Owned(rfc3339(t));
    }
    let mut b = [0u8; 32];
    let mut put = |at: usize, v: u32, digits: usize| {
        let mut v = v;
        for i in (0..digits).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y as u32, 4);
    put(5, t.month(), 2);
    put(8, t.day(), 2);
    put(11, t.hour(), 2);
    put(14, t.minute(), 2);
    put(17, t.second(), 2);
    let mut len = 19;
    // `SecondsFormat::AutoSi`: no fraction, or 3, 6 or 9 digits, whichever is exact.
    let (frac, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    if digits > 0 {
        put(20, frac, digits);
        len = 20 + digits;
    }
    for (at, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        b[at] = c;
    }
    if digits > 0 {
        b[19] = b'.';
    }
    b[len] = b'Z';
    Rfc3339::Buf(b, len + 1)
}

/// What [`rfc3339_buf`] wrote.
pub enum Rfc3339 {
    Buf([u8; 32], usize),
    Owned(String),
}

impl Rfc3339 {
    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII digits and separators were written.
            Rfc3339::Buf(b, n) => std::str::from_utf8(&b[..*n]).unwrap_or(""),
            Rfc3339::Owned(s) => s,
        }
    }
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
    fn the_buffer_form_is_the_same_text() {
        use chrono::TimeZone;
        let base = Utc.with_ymd_and_hms(2026, 12, 2, 1, 54, 59).unwrap();
        for nanos in [
            0,
            342_552_000,
            342_000_000,
            1_000,
            7,
            999_999_999,
            500_000_000,
        ] {
            let t = base + Duration::nanoseconds(nanos);
            assert_eq!(rfc3339_buf(t).as_str(), rfc3339(t), "{nanos}");
        }
        let old = Utc.with_ymd_and_hms(7, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(rfc3339_buf(old).as_str(), rfc3339(old));
    }

    #[test]
    fn rfc3339_has_z() {
        let t = crate::api::models::parse_timestamp("2026-12-02T01:54:59.342552").unwrap();
        assert_eq!(rfc3339(t), "2026-12-02T01:54:59.342552Z");
        let t = crate::api::models::parse_timestamp("2026-11-20T10:00:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-20T10:00:00Z");
    }
}

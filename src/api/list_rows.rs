//! Invitation list rows decoded in place: every string borrows from the response body
//! (only one with JSON escapes is copied) and the datetimes stay as sent until they
//! are needed.
//!
//! A full listing on a big server is megabytes of JSON; decoding it into owned
//! [`Invitation`](super::models::Invitation)s costs a dozen allocations a row and holds
//! the body and a second copy of every string at once. [`decode`] holds the body once,
//! plus a small row of borrowed slices per invitation.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::models::{effective_status, parse_timestamp};

/// A JSON string, borrowed from the body unless it had to be unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A naive-UTC datetime as the server sent it (parsed on demand); `""` is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTime<'a>(pub Option<Text<'a>>);

impl RawTime<'_> {
    pub fn parse(&self) -> Option<DateTime<Utc>> {
        self.0
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(parse_timestamp)
    }

    fn is_valid(&self) -> bool {
        match self.0.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(s) => parse_timestamp(s).is_some(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawTime<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Text<'a>>::deserialize(d).map(RawTime)
    }
}

/// One row of `GET /api/invitations`, every field of api.md 2.1.
#[derive(Debug, Clone, Deserialize)]
pub struct ListRow<'a> {
    pub id: i64,
    #[serde(borrow)]
    pub email: Text<'a>,
    pub network_id: i64,
    #[serde(borrow)]
    pub network_name: Text<'a>,
    #[serde(default)]
    pub invited_by_user_id: Option<i64>,
    #[serde(default, borrow)]
    pub invited_by_email: Option<Text<'a>>,
    #[serde(borrow)]
    pub token: Text<'a>,
    #[serde(borrow)]
    pub role: Text<'a>,
    #[serde(default)]
    pub can_manage_nodes: bool,
    #[serde(default)]
    pub can_invite_users: bool,
    #[serde(default)]
    pub can_manage_firewall: bool,
    #[serde(borrow)]
    pub status: Text<'a>,
    #[serde(default, borrow)]
    pub expires_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub accepted_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub created_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub email_status: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub email_sent_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub email_error: Option<Text<'a>>,
}

impl ListRow<'_> {
    /// `email_status`, `unknown` when absent (as [`Invitation`](super::models::Invitation)).
    pub fn email_status(&self) -> &str {
        self.email_status.as_deref().unwrap_or("unknown")
    }
}

/// A row with the two datetimes every listing needs already parsed.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub raw: ListRow<'a>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
}

impl Row<'_> {
    /// See [`Invitation::effective_status`](super::models::Invitation::effective_status).
    pub fn effective_status(&self, now: DateTime<Utc>) -> &str {
        effective_status(&self.raw.status, self.expires_at, now)
    }
}

/// Decodes a list body. A datetime that does not parse is an error, as it is for
/// owned invitations.
pub fn decode(body: &[u8]) -> Result<Vec<Row<'_>>, String> {
    let raw: Vec<ListRow<'_>> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let mut rows = Vec::with_capacity(raw.len());
    for r in raw {
        for (name, t) in [
            ("accepted_at", &r.accepted_at),
            ("email_sent_at", &r.email_sent_at),
        ] {
            if !t.is_valid() {
                return Err(format!("invitation {}: {name} is not a datetime", r.id));
            }
        }
        let expires_at = r.expires_at.parse();
        let created_at = r.created_at.parse();
        if (expires_at.is_none() && !r.expires_at.is_valid())
            || (created_at.is_none() && !r.created_at.is_valid())
        {
            return Err(format!("invitation {}: a datetime does not parse", r.id));
        }
        rows.push(Row {
            raw: r,
            expires_at,
            created_at,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_unescapes_others() {
        let body = br#"[{"id":3,"email":"a\u00e9@x.org","network_id":1,"network_name":"lab",
            "invited_by_user_id":1,"invited_by_email":null,"token":"tok","role":"member",
            "can_manage_nodes":true,"can_invite_users":false,"can_manage_firewall":false,
            "status":"pending","expires_at":"2020-01-01T00:00:00","accepted_at":null,
            "created_at":"","email_status":"not_sent","email_sent_at":null,"email_error":null}]"#;
        let rows = decode(body).unwrap();
        let r = &rows[0];
        assert!(matches!(r.raw.token.0, Cow::Borrowed(_)));
        assert!(matches!(r.raw.email.0, Cow::Owned(_)));
        assert_eq!(&*r.raw.email, "aé@x.org");
        assert_eq!(r.effective_status(Utc::now()), "expired");
        assert_eq!(r.created_at, None);
        let bad = String::from_utf8_lossy(body).replace("2020-01-01T00:00:00", "soon");
        assert!(decode(bad.as_bytes()).is_err());
    }
}

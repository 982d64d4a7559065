//! The server's data, as the Nebula Commander API sends it.
//!
//! Parsing is tolerant where the contract says the server is loose: datetimes are naive
//! UTC strings with or without fractional seconds (and possibly `""`), nullable fields may
//! be absent. Everything is parsed by field name, never by position.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A naive-UTC datetime from the server, read as UTC. `""` and `null` become `None`.
pub type Timestamp = Option<DateTime<Utc>>;

fn naive_utc<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_timestamp(s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not a datetime: {s:?}"))),
    }
}

/// Parses the server's datetimes: `2026-12-02T01:54:59.342552` or `2026-11-20T10:00:00`,
/// treated as UTC. An explicit offset (a newer server might send one) is honoured too.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    // The server's own form, read without a format interpreter: a listing carries four
    // of these per row.
    if let Some(t) = parse_naive_fast(s.as_bytes()) {
        return Some(t);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    // chrono's `%Y` also takes signed and five-digit years, which RFC 3339 (our output)
    // cannot express: such a date is not one the server could have meant.
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .filter(|n| (0..=9999).contains(&chrono::Datelike::year(n)))
        .map(|n| n.and_utc())
}

/// `YYYY-MM-DDTHH:MM:SS` with an optional `.f…` (1–9 digits) and nothing after.
fn parse_naive_fast(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let mut nanos = 0u32;
    if b.len() > 19 {
        let frac = &b[20..];
        if b[19] != b'.' || frac.is_empty() || frac.len() > 9 {
            return None;
        }
        nanos = num(20..b.len())? * 10u32.pow(9 - frac.len() as u32);
    }
    date.and_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)
        .map(|n| n.and_utc())
}

/// Stored status values the server knows.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const EXPIRED: &str = "expired";
    pub const REVOKED: &str = "revoked";
    pub const ALL: [&str; 4] = [PENDING, ACCEPTED, EXPIRED, REVOKED];
}

/// An invitation as returned by list, create and resend.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub network_id: i64,
    pub network_name: String,
    pub invited_by_user_id: Option<i64>,
    #[serde(default)]
    pub invited_by_email: Option<String>,
    pub token: String,
    pub role: String,
    #[serde(default)]
    pub can_manage_nodes: bool,
    #[serde(default)]
    pub can_invite_users: bool,
    #[serde(default)]
    pub can_manage_firewall: bool,
    /// The status the server stores; see [`Invitation::effective_status`].
    pub status: String,
    #[serde(default, deserialize_with = "naive_utc")]
    pub expires_at: Timestamp,
    #[serde(default, deserialize_with = "naive_utc")]
    pub accepted_at: Timestamp,
    #[serde(default, deserialize_with = "naive_utc")]
    pub created_at: Timestamp,
    #[serde(default = "unknown_email_status")]
    pub email_status: String,
    #[serde(default, deserialize_with = "naive_utc")]
    pub email_sent_at: Timestamp,
    #[serde(default)]
    pub email_error: Option<String>,
}

fn unknown_email_status() -> String {
    "unknown".into()
}

impl Invitation {
    /// The status to show: the server keeps past-deadline invitations as `pending`
    /// (expiry is lazy and never persisted), so the deadline is checked here.
    pub fn effective_status(&self, now: DateTime<Utc>) -> &str {
        effective_status(&self.status, self.expires_at, now)
    }

    /// Whether this is a stored `pending` invitation whose deadline has passed.
    pub fn is_past_deadline(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// `pending` past its deadline is `expired`; anything else is the stored status.
pub fn effective_status(stored: &str, expires_at: Timestamp, now: DateTime<Utc>) -> &str {
    if stored == status::PENDING && expires_at.is_some_and(|e| e <= now) {
        status::EXPIRED
    } else {
        stored
    }
}

/// What an invitee may see before accepting (`GET /api/invitations/public/{token}`).
#[derive(Debug, Clone, Deserialize)]
pub struct PublicInvitation {
    pub email: String,
    pub network_name: String,
    #[serde(default)]
    pub invited_by_email: Option<String>,
    pub role: String,
    #[serde(default)]
    pub can_manage_nodes: bool,
    #[serde(default)]
    pub can_invite_users: bool,
    #[serde(default)]
    pub can_manage_firewall: bool,
    pub status: String,
    #[serde(default, deserialize_with = "naive_utc")]
    pub expires_at: Timestamp,
}

/// A network visible to the caller (`GET /api/networks`).
#[derive(Debug, Clone, Deserialize)]
pub struct Network {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub subnet_cidr: Option<String>,
    #[serde(default)]
    pub ca_cert_path: Option<String>,
    #[serde(default, deserialize_with = "naive_utc")]
    pub created_at: Timestamp,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub can_manage_nodes: Option<bool>,
    #[serde(default)]
    pub can_invite_users: Option<bool>,
    #[serde(default)]
    pub can_manage_firewall: Option<bool>,
}

/// `GET /api/auth/me`: always 200; `authenticated:false` means the token was refused.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Me {
    pub authenticated: bool,
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub system_role: Option<String>,
}

/// `GET /api/auth/dev-token` on a server without OIDC.
#[derive(Deserialize)]
pub struct DevToken {
    pub token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
}

impl std::fmt::Debug for DevToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevToken")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `GET /api`: how a Nebula Commander backend introduces itself.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerInfo {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET /api/auth/oidc-status`.
#[derive(Debug, Clone, Deserialize)]
pub struct OidcStatus {
    pub status: String,
}

/// `POST /api/invitations/{token}/accept`.
#[derive(Debug, Clone, Deserialize)]
pub struct AcceptOutcome {
    #[serde(default)]
    pub message: String,
}

/// The body of `POST /api/invitations`, built from typed values only.
#[derive(Debug, Clone, Serialize)]
pub struct NewInvitation {
    pub email: String,
    pub network_id: i64,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub expires_in_days: u32,
}

/// A network member (`GET/POST/PATCH /api/networks/{id}/users`): what an accepted
/// invitation turns into. `created_at` is when the membership began.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Member {
    pub user_id: i64,
    #[serde(default)]
    pub email: Option<String>,
    pub role: String,
    #[serde(default)]
    pub can_manage_nodes: bool,
    #[serde(default)]
    pub can_invite_users: bool,
    #[serde(default)]
    pub can_manage_firewall: bool,
    #[serde(default)]
    pub invited_by_user_id: Option<i64>,
    #[serde(default)]
    pub invited_by_email: Option<String>,
    #[serde(default, deserialize_with = "naive_utc")]
    pub created_at: Timestamp,
}

/// The body of `POST /api/networks/{id}/users`: an account (by user id) made a member.
#[derive(Debug, Clone, Serialize)]
pub struct NewMember {
    pub user_id: i64,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
}

/// The body of `PATCH /api/networks/{id}/users/{user_id}`: only the named fields change
/// (an omitted field stays as it is on the server).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MemberChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_manage_nodes: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_invite_users: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_manage_firewall: Option<bool>,
}

/// An account on the server (`GET /api/users`, system admins only).
#[derive(Debug, Clone, Deserialize)]
pub struct UserRecord {
    pub id: i64,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub system_role: Option<String>,
}

/// One audit log entry (`GET /api/audit`, system admins only). `details` is a JSON
/// document sent as a string (or null), decoded by [`AuditEntry::details`].
#[derive(Debug, Clone, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(default, deserialize_with = "naive_utc")]
    pub occurred_at: Timestamp,
    pub action: String,
    #[serde(default)]
    pub actor_user_id: Option<i64>,
    #[serde(default)]
    pub actor_identifier: Option<String>,
    #[serde(default)]
    pub actor_email: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub resource_id: Option<i64>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default, rename = "details")]
    pub details_text: Option<String>,
    #[serde(default)]
    pub client_ip: Option<String>,
}

/// The fields of an audit entry's `details` that netinvite reads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct AuditDetails {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub network_id: Option<i64>,
    #[serde(default)]
    pub target_user_id: Option<i64>,
}

impl AuditEntry {
    /// The decoded `details`; a missing or undecodable string gives empty details (the
    /// entry is still shown, with what the other fields say).
    pub fn details(&self) -> AuditDetails {
        self.details_text
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_datetime_forms_as_utc() {
        let a = parse_timestamp("2026-12-02T01:54:59.342552").unwrap();
        assert_eq!(a.to_rfc3339(), "2026-12-02T01:54:59.342552+00:00");
        let b = parse_timestamp("2026-11-20T10:00:00").unwrap();
        assert_eq!(b.to_rfc3339(), "2026-11-20T10:00:00+00:00");
        assert!(parse_timestamp("yesterday").is_none());
        let c = parse_timestamp("2026-11-20T10:00:00.5").unwrap();
        assert_eq!(c.to_rfc3339(), "2026-11-20T10:00:00.500+00:00");
        assert!(parse_timestamp("2026-13-20T10:00:00").is_none());
        assert!(parse_timestamp("2026-11-20T10:00:00.").is_none());
        // Found by fuzzing: a signed year parsed, and printed as invalid RFC 3339.
        assert!(parse_timestamp("-2013-12-02T01:54:59.25052").is_none());
        assert!(parse_timestamp("+12013-12-02T01:54:59").is_none());
        assert_eq!(
            parse_timestamp("2026-11-20T10:00:00Z")
                .unwrap()
                .to_rfc3339(),
            "2026-11-20T10:00:00+00:00"
        );
    }

    #[test]
    fn empty_datetime_is_unknown_not_an_error() {
        let json = r#"{"id":1,"email":"a@b.c","network_id":1,"network_name":"n","invited_by_user_id":1,
            "invited_by_email":null,"token":"t","role":"member","can_manage_nodes":false,
            "can_invite_users":false,"can_manage_firewall":false,"status":"pending",
            "expires_at":"","accepted_at":null,"created_at":"2026-11-20T10:00:00",
            "email_status":"not_sent","email_sent_at":null,"email_error":null}"#;
        let inv: Invitation = serde_json::from_str(json).unwrap();
        assert_eq!(inv.expires_at, None);
        assert_eq!(inv.effective_status(Utc::now()), "pending");
    }

    #[test]
    fn past_deadline_pending_is_expired() {
        let past = parse_timestamp("2020-01-01T00:00:00");
        let now = Utc::now();
        assert_eq!(effective_status("pending", past, now), "expired");
        assert_eq!(effective_status("accepted", past, now), "accepted");
        assert_eq!(effective_status("revoked", past, now), "revoked");
        let future = Some(now + chrono::Duration::days(1));
        assert_eq!(effective_status("pending", future, now), "pending");
    }

    #[test]
    fn audit_details_are_a_json_string() {
        let e: AuditEntry = serde_json::from_str(
            r#"{"id":32,"occurred_at":"2026-12-05T10:02:31.862838","action":"invitation_created",
            "actor_user_id":2,"actor_identifier":"bob@example.com","actor_email":"bob@example.com",
            "resource_type":"invitation","resource_id":16,"result":"success",
            "details":"{\"email\": \"b2@example.com\", \"network_id\": 3}","client_ip":"127.0.0.1"}"#,
        )
        .unwrap();
        let d = e.details();
        assert_eq!(d.email.as_deref(), Some("b2@example.com"));
        assert_eq!(d.network_id, Some(3));
        let none: AuditEntry = serde_json::from_str(
            r#"{"id":1,"occurred_at":"2026-12-05T10:02:31","action":"x","details":null}"#,
        )
        .unwrap();
        assert_eq!(none.details(), AuditDetails::default());
        let bad: AuditEntry =
            serde_json::from_str(r#"{"id":1,"action":"x","details":"not json"}"#).unwrap();
        assert_eq!(bad.details(), AuditDetails::default());
    }

    #[test]
    fn member_change_sends_only_named_fields() {
        let c = MemberChange {
            can_invite_users: Some(true),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"can_invite_users":true}"#
        );
        assert_eq!(
            serde_json::to_string(&MemberChange::default()).unwrap(),
            "{}"
        );
    }
}

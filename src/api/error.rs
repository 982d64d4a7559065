//! What can go wrong talking to the server, as data.
//!
//! Handled errors are `{"detail": …}` where `detail` is a string (application errors)
//! or an array (FastAPI validation, 422). 5xx bodies are plain text. Different 400s are
//! only told apart by their exact `detail` text, so [`KnownDetail`] names the ones the
//! contract lists; everything else keeps its text for a generic message. Wording for
//! people lives in `crate::error`, not here.

use serde::Deserialize;

/// The server's `detail`, decoded as "string or array", or the raw text of a non-JSON body.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Message(String),
    Validation(Vec<ValidationItem>),
    /// A body that was not JSON (5xx pages, proxies), shortened.
    Text(String),
    None,
}

/// One item of a FastAPI 422 `detail` array.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ValidationItem {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub loc: Vec<serde_json::Value>,
    #[serde(default)]
    pub msg: String,
}

impl ValidationItem {
    /// The field the message is about: the last element of `loc`.
    pub fn field(&self) -> String {
        match self.loc.last() {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => format!("body (character {n})"),
            Some(other) => other.to_string(),
            None => "request".into(),
        }
    }
}

/// The `detail` strings the contract lists, matched exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum KnownDetail {
    NotAuthenticated,
    MustBeLoggedInToAccept,
    UserNotFound,
    InvalidRole,
    NoInvitePermission,
    NoManagePermission,
    OnlyInviterOrOwnerRevokes,
    NetworkNotFound,
    InvitationNotFound,
    AlreadyMember,
    AlreadyPending,
    InvitationExpired,
    /// `Invitation is <stored status>`.
    InvitationIs(String),
    DifferentEmail,
    CanOnlyResendPending,
    /// 403 on `GET …/users`, also for a member with `can_invite_users`.
    OnlyOwnersViewMembers,
    /// 403 on `POST …/users`.
    NoAddMemberPermission,
    /// 403 on `PATCH …/users/{id}`.
    OnlyOwnersUpdateMembers,
    /// 403 on `DELETE …/users/{id}`.
    OnlyOwnersRemoveMembers,
    /// 404 on PATCH/DELETE of someone who is not (or no longer) a member.
    NotAMember,
    /// 404 on `POST …/users` with an unknown user id.
    TargetUserNotFound,
    /// 400 on demoting or removing a network's only owner.
    LastOwner,
    /// 403 on `/api/users` and `/api/audit` for anyone but a system admin.
    SystemAdminRequired,
    Other(String),
}

impl KnownDetail {
    pub fn classify(detail: &str) -> Self {
        match detail {
            "Not authenticated" => Self::NotAuthenticated,
            "You must be logged in to accept an invitation" => Self::MustBeLoggedInToAccept,
            "User not found" => Self::UserNotFound,
            "Invalid role. Must be: owner or member" => Self::InvalidRole,
            "You don't have permission to invite users to this network" => Self::NoInvitePermission,
            "You don't have permission to manage invitations for this network" => {
                Self::NoManagePermission
            }
            "Only the inviter or network owners can revoke this invitation" => {
                Self::OnlyInviterOrOwnerRevokes
            }
            "Network not found" => Self::NetworkNotFound,
            "Invitation not found" => Self::InvitationNotFound,
            "User is already a member of this network" => Self::AlreadyMember,
            "There is already a pending invitation for this user to this network" => {
                Self::AlreadyPending
            }
            "Invitation has expired" => Self::InvitationExpired,
            "This invitation is for a different email address" => Self::DifferentEmail,
            "Can only resend pending invitations" => Self::CanOnlyResendPending,
            "Only network owners can view network users" => Self::OnlyOwnersViewMembers,
            "You don't have permission to add users to this network" => Self::NoAddMemberPermission,
            "Only network owners can update user permissions" => Self::OnlyOwnersUpdateMembers,
            "Only network owners can remove users from the network" => {
                Self::OnlyOwnersRemoveMembers
            }
            "User is not a member of this network" => Self::NotAMember,
            "Target user not found" => Self::TargetUserNotFound,
            "Cannot remove the last owner from a network" => Self::LastOwner,
            "System administrator access required" => Self::SystemAdminRequired,
            other => match other.strip_prefix("Invitation is ") {
                Some(status) if !status.is_empty() && !status.contains(' ') => {
                    Self::InvitationIs(status.to_string())
                }
                _ => Self::Other(other.to_string()),
            },
        }
    }
}

/// How a request failed before a whole answer came.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TransportKind {
    /// The connection could not be opened: nothing was sent.
    Connect,
    /// The TLS handshake failed: retrying cannot help, and the cause is told apart.
    Tls(super::transport::TlsProblem),
    /// Opening the connection took longer than the connect timeout: nothing was sent.
    ConnectTimeout,
    /// The connection was reset or closed after the request may have been sent.
    Dropped,
    /// The server was silent for longer than the read timeout.
    ReadTimeout,
    /// The answer did not complete within the attempt's deadline.
    Deadline,
    /// The time budget (`--max-time`) ran out, during an attempt or before a retry that
    /// would not have fitted. `per_request`: a batch's budget for this one request;
    /// `sent`: whether an attempt may have reached the server; `left`: when the request
    /// gave up before a retry, the time that was left (too little for another attempt).
    Budget {
        per_request: bool,
        sent: bool,
        left: Option<std::time::Duration>,
    },
    Other,
}

impl TransportKind {
    /// Whether the request may have reached the server (a write may have happened).
    pub fn may_have_been_sent(self) -> bool {
        match self {
            Self::Budget { sent, .. } => sent,
            _ => !matches!(self, Self::Connect | Self::ConnectTimeout | Self::Other),
        }
    }
}

/// What a request was about, so that a 404 can name it (an invitation id is not a link).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Subject {
    #[default]
    None,
    /// An invitation by id (resend, revoke).
    Invitation(i64),
    /// An invitation by the token of its link (preview, accept).
    Link,
}

#[derive(Debug, Clone)]
pub enum ApiError {
    /// No (whole) answer: connection refused, DNS, TLS, reset, timeout.
    Transport {
        url: String,
        message: String,
        kind: TransportKind,
        /// The timeout that fired, for the timeout kinds.
        after: Option<std::time::Duration>,
        /// Attempts made, this one included.
        attempts: u32,
    },
    /// An answer with a non-2xx status.
    Status {
        url: String,
        status: u16,
        detail: Detail,
        www_authenticate: bool,
        location: Option<String>,
        /// The server's `Retry-After`, parsed.
        retry_after: Option<std::time::Duration>,
        attempts: u32,
        subject: Subject,
        /// The body as read (at most `ERROR_BODY_LIMIT`), for `netinvite api`, which
        /// prints it whatever the status.
        body: Box<ErrorBody>,
    },
    /// A 2xx answer whose body is not what the contract says.
    Decode {
        url: String,
        status: u16,
        message: String,
    },
}

impl ApiError {
    /// Classifies a reqwest failure. reqwest marks connector failures (refused, DNS, TLS,
    /// connect timeout) as `is_connect`; any other failure of a built request happened
    /// after it may have been written, so it counts as a dropped connection.
    pub(crate) fn transport(
        url: &str,
        e: &reqwest::Error,
        connect_timeout: std::time::Duration,
    ) -> Self {
        // A certificate failure is also a connect error to reqwest: look for it first,
        // and keep rustls's own words (the rest of the chain only repeats the URL).
        if let Some((problem, text)) = super::transport::tls_problem(e) {
            return Self::Transport {
                url: url.to_string(),
                message: text,
                kind: TransportKind::Tls(problem),
                after: None,
                attempts: 1,
            };
        }
        let (kind, after) = if e.is_connect() && e.is_timeout() {
            (TransportKind::ConnectTimeout, Some(connect_timeout))
        } else if e.is_connect() {
            (TransportKind::Connect, None)
        } else if e.is_builder() {
            (TransportKind::Other, None)
        } else {
            (TransportKind::Dropped, None)
        };
        Self::Transport {
            url: url.to_string(),
            message: root_cause(e),
            kind,
            after,
            attempts: 1,
        }
    }

    /// The error for a non-2xx answer; public so that the fuzz targets reach the decoding
    /// of error bodies without HTTP.
    pub fn from_status(
        url: String,
        status: u16,
        is_json: bool,
        body: &[u8],
        www_authenticate: bool,
        location: Option<String>,
    ) -> Self {
        let detail = parse_detail(is_json, body);
        Self::Status {
            url,
            status,
            detail,
            www_authenticate,
            location,
            retry_after: None,
            attempts: 1,
            subject: Subject::None,
            body: Box::new(ErrorBody {
                bytes: bytes::Bytes::copy_from_slice(body),
                is_json,
            }),
        }
    }

    /// Attempts made before this error was final.
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Transport { attempts, .. } | Self::Status { attempts, .. } => *attempts,
            Self::Decode { .. } => 1,
        }
    }

    pub(crate) fn set_attempts(&mut self, n: u32) {
        if let Self::Transport { attempts, .. } | Self::Status { attempts, .. } = self {
            *attempts = n;
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The classified `detail` string of an application error.
    pub fn known(&self) -> Option<KnownDetail> {
        match self {
            Self::Status {
                detail: Detail::Message(m),
                ..
            } => Some(KnownDetail::classify(m)),
            _ => None,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    pub fn is_user_not_found(&self) -> bool {
        self.status() == Some(403) && self.known() == Some(KnownDetail::UserNotFound)
    }
}

/// The body of a non-2xx answer. Its `Debug` shows only its length: errors are printed
/// with `{:?}` in test failures and crash reports, and a body is not for those.
#[derive(Clone, Default, PartialEq)]
pub struct ErrorBody {
    pub bytes: bytes::Bytes,
    /// Whether the server said `Content-Type: application/json`.
    pub is_json: bool,
}

impl std::fmt::Debug for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ErrorBody({} bytes)", self.bytes.len())
    }
}

/// The server's `detail` of an error body (see [`Detail`]).
pub fn detail_of(is_json: bool, body: &[u8]) -> Detail {
    parse_detail(is_json, body)
}

fn parse_detail(is_json: bool, body: &[u8]) -> Detail {
    #[derive(Deserialize)]
    struct Body {
        detail: serde_json::Value,
    }
    if body.is_empty() {
        return Detail::None;
    }
    if is_json && let Ok(b) = serde_json::from_slice::<Body>(body) {
        return match b.detail {
            serde_json::Value::String(s) => Detail::Message(s),
            serde_json::Value::Array(items) => Detail::Validation(
                items
                    .into_iter()
                    .map(|v| {
                        serde_json::from_value(v.clone()).unwrap_or(ValidationItem {
                            kind: String::new(),
                            loc: Vec::new(),
                            msg: v.to_string(),
                        })
                    })
                    .collect(),
            ),
            other => Detail::Message(other.to_string()),
        };
    }
    snippet(body).map(Detail::Text).unwrap_or(Detail::None)
}

/// A short, single-line, printable excerpt of a body; HTML is reduced to its text.
pub fn snippet(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let mut plain = String::new();
    let mut in_tag = false;
    let mut in_head = false;
    let lower = text.to_ascii_lowercase();
    let bytes: Vec<char> = text.chars().collect();
    let lchars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == '<' {
            let rest: String = lchars[i..lchars.len().min(i + 8)].iter().collect();
            if rest.starts_with("<style") || rest.starts_with("<script") {
                in_head = true;
            } else if rest.starts_with("</style") || rest.starts_with("</scrip") {
                in_head = false;
            }
            in_tag = true;
        } else if c == '>' && in_tag {
            in_tag = false;
            plain.push(' ');
        } else if !in_tag && !in_head {
            plain.push(if c.is_control() { ' ' } else { c });
        }
        i += 1;
    }
    let collapsed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return None;
    }
    let mut s: String = collapsed.chars().take(160).collect();
    if collapsed.chars().count() > 160 {
        s.push('…');
    }
    Some(s)
}

/// The innermost cause of a transport error ("Connection refused (os error 111)",
/// "invalid peer certificate: UnknownIssuer"): reqwest's and hyper's outer layers only
/// repeat the URL and say "error sending request".
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// An error with its causes, one line (reqwest hides the useful part in `source()`).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_string_and_array_and_text() {
        let d = parse_detail(true, br#"{"detail":"Invitation not found"}"#);
        assert_eq!(d, Detail::Message("Invitation not found".into()));
        let d = parse_detail(
            true,
            br#"{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}}]}"#,
        );
        match d {
            Detail::Validation(items) => {
                assert_eq!(items[0].field(), "email");
                assert_eq!(items[0].msg, "Field required");
            }
            other => panic!("{other:?}"),
        }
        let d = parse_detail(false, b"Internal Server Error");
        assert_eq!(d, Detail::Text("Internal Server Error".into()));
        let d = parse_detail(
            false,
            b"<html><head><title>502 Bad Gateway</title><style>x{}</style></head><body><h1>502 Bad Gateway</h1></body></html>",
        );
        assert_eq!(d, Detail::Text("502 Bad Gateway 502 Bad Gateway".into()));
    }

    #[test]
    fn known_details_are_exact() {
        assert_eq!(
            KnownDetail::classify(
                "There is already a pending invitation for this user to this network"
            ),
            KnownDetail::AlreadyPending
        );
        assert_eq!(
            KnownDetail::classify("Invitation is revoked"),
            KnownDetail::InvitationIs("revoked".into())
        );
        assert_eq!(
            KnownDetail::classify("Not Found"),
            KnownDetail::Other("Not Found".into())
        );
    }
}

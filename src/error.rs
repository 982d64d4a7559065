//! Every error netinvite can report: its wording, its hint, its stable code and its exit
//! status, in one place.
//!
//! Exit statuses (documented in the README and docs/): 0 ok, 1 failure, 2 usage error or
//! cancelled, 3 not found, 4 sign-in needed or expired, 5 permission denied, 6 conflict,
//! 7 server unreachable or server error.

use crate::api::transport::{CaError, CaOrigin, CaProblem, ProxyError, TlsProblem};
use std::time::Duration;

use crate::api::retry::RETRY_AFTER_CAP;
use crate::api::{ApiError, Detail, KnownDetail, Subject, error::TransportKind};

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const NOT_FOUND: u8 = 3;
pub const AUTH: u8 = 4;
pub const PERMISSION: u8 = 5;
pub const CONFLICT: u8 = 6;
pub const SERVER: u8 = 7;

#[derive(Debug, Clone)]
pub enum CliError {
    // -- usage and input (2)
    Usage {
        message: String,
        hint: Option<String>,
    },
    InvalidEmail {
        input: String,
        reason: String,
    },
    InvalidExpiry {
        input: String,
        reason: String,
    },
    AdminRole,
    InvalidRole {
        input: String,
    },
    InvalidId {
        input: String,
    },
    InvalidLink {
        input: String,
    },
    InvalidServerUrl {
        input: String,
        reason: String,
    },
    InvalidStatus {
        input: String,
    },
    NeedsConfirmation {
        action: String,
    },
    Cancelled,
    /// Ctrl-C during a multi-id command: what was done, what was not.
    Interrupted {
        /// The command, for the hint (`resend`).
        command: &'static str,
        /// Past tense of what it does (`resent`).
        done_verb: &'static str,
        done: Vec<i64>,
        not_done: Vec<i64>,
    },
    TokenFromTerminal,
    /// A `--ca-cert` (or equivalent) file that cannot be used.
    CaFile(CaError),
    /// A proxy variable that cannot be used.
    BadProxy(ProxyError),
    /// A `--jq` expression that does not compile; `offset` is a byte offset into it.
    InvalidJq {
        expr: String,
        message: String,
        offset: Option<usize>,
    },
    /// `--jq` on a command whose output is text, not JSON.
    JqNeedsJson {
        command: String,
    },
    InvalidDuration {
        input: String,
        reason: String,
    },
    /// Bulk input with bad rows: nothing was sent.
    InvalidInput {
        source: String,
        problems: Vec<String>,
        bad_rows: usize,
        total_rows: usize,
        /// Whether the command offers `--skip-invalid` (bulk create does, sync does not).
        can_skip: bool,
    },
    /// Ctrl-C during a batch: what was in flight finished, the rest was not sent.
    BatchInterrupted {
        done: usize,
        total: usize,
    },
    /// `netinvite api`: the server answered with a status outside 2xx (its body went to
    /// stdout). The exit status follows the status: see [`api_status_exit`].
    ApiStatus {
        method: String,
        path: String,
        status: u16,
        detail: Option<String>,
        server: String,
        from_env: bool,
    },
    /// `netinvite api PATH` with a path netinvite will not send.
    ApiPath {
        input: String,
        reason: &'static str,
    },
    // -- not found (3)
    /// No id was given and the picker had nothing to offer.
    NothingToPick {
        network: Option<String>,
    },
    InvitationNotFound {
        id: i64,
    },
    InvitationTokenNotFound,
    NetworkNotFound {
        query: String,
        candidates: Vec<String>,
    },
    NetworkAmbiguous {
        query: String,
        candidates: Vec<String>,
    },
    ProfileNotFound {
        name: String,
        known: Vec<String>,
    },
    NotFound {
        detail: String,
    },
    /// An address (or user) that is not a member of the network.
    NotAMember {
        email: Option<String>,
        network: Option<String>,
    },
    /// An address with no account on the server: only an invitation can bring them in.
    NoAccount {
        email: String,
        command: String,
    },
    /// A network id the caller cannot see (the server cannot tell "no such network" from
    /// "not yours" for anyone but a system admin).
    NetworkIdNotVisible {
        id: i64,
        visible: Vec<String>,
    },
    // -- sign-in (4)
    NoServer,
    NotSignedIn {
        server: String,
    },
    TokenRejected {
        server: String,
        from_env: bool,
    },
    /// The development token could not be renewed because the server's dev-token endpoint
    /// is over its rate limit (10 a minute, answered with a plain 500). `rejected`: the
    /// server refused the current token (a 401); otherwise it had expired.
    RenewalRateLimited {
        server: String,
        rejected: bool,
    },
    SignInUnavailable {
        server: String,
        reason: String,
    },
    AcceptNeedsSignIn {
        server: String,
    },
    SignInFailed {
        reason: String,
        hint: Option<String>,
    },
    SignInDenied,
    DeviceCodeExpired,
    StateMismatch,
    IdTokenInvalid {
        reason: String,
    },
    SessionExpired,
    AudienceMismatch {
        client_id: String,
        audience: Vec<String>,
    },
    KeysNotAtServerPath {
        issuer: String,
    },
    TokenNotAccepted {
        server: String,
    },
    // -- permission (5)
    PermissionDenied {
        detail: String,
    },
    /// Something only some people may do: `what` (e.g. "list the members of network
    /// \"team\"") and `who` (e.g. "network owners and system admins").
    NotAllowed {
        what: String,
        who: &'static str,
        hint: Option<String>,
    },
    DifferentEmail,
    // -- conflict (6)
    AlreadyPending {
        email: String,
        network: String,
        stale: Option<(i64, bool)>,
    },
    AlreadyMember {
        email: String,
        network: String,
    },
    NotPending {
        id: i64,
        status: String,
        action: &'static str,
    },
    PastDeadline {
        id: i64,
    },
    RevokeNeedsForce {
        id: i64,
        status: String,
        email: String,
        network: String,
    },
    InvitationExpired,
    InvitationClosed {
        status: String,
    },
    /// Removing or demoting the last owner of a network.
    LastOwner {
        email: Option<String>,
        network: Option<String>,
    },
    /// `sync` would empty a network or remove more than half of its members.
    MassRemoval {
        network: String,
        reason: String,
    },
    /// `sync --check`: the file and the server differ.
    Drift {
        changes: usize,
        networks: usize,
    },
    // -- server (7)
    IssuerUnreachable {
        url: String,
        message: String,
    },
    /// The connection could not be opened: nothing reached the server.
    Unreachable {
        url: String,
        message: String,
        attempts: u32,
    },
    /// The connection broke after the request may have been sent.
    ConnectionLost {
        url: String,
        message: String,
        attempts: u32,
    },
    Timeout {
        url: String,
        which: WhichTimeout,
        after: Duration,
        attempts: u32,
    },
    /// The TLS handshake with the server (or, with `issuer`, the identity provider)
    /// failed; `detail` is rustls's own account.
    Tls {
        url: String,
        problem: TlsProblem,
        issuer: bool,
        detail: String,
    },
    ServerError {
        url: String,
        status: u16,
        detail: Option<String>,
        maybe_rate_limited: bool,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        attempts: u32,
    },
    /// A write whose answer never came: the server may or may not have carried it out.
    OutcomeUnknown {
        /// What may have happened, e.g. "created an invitation for ana@example.com".
        what: String,
        /// The command that tells, e.g. "netinvite list --email ana@example.com".
        check: String,
        cause: Box<CliError>,
    },
    BadAnswer {
        url: String,
        message: String,
    },
    NotNebula {
        url: String,
        found: String,
    },
    // -- failure (1)
    Rejected {
        status: u16,
        detail: String,
    },
    Validation {
        lines: Vec<String>,
    },
    Keyring {
        message: String,
    },
    KeyringTimeout,
    FileTooOpen {
        path: String,
        mode: u32,
    },
    Config {
        path: String,
        message: String,
    },
    /// config.toml does not parse or holds a value netinvite cannot use.
    ConfigInvalid {
        path: String,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
    Io {
        what: String,
        message: String,
    },
    /// The `--jq` filter raised an error while running (like `gh`, a failure, not a
    /// usage error: the expression was valid, the data did not fit it).
    JqFailed {
        message: String,
    },
    Partial {
        failed: usize,
        total: usize,
        code: u8,
    },
    /// `wait` ended without every invitation reaching the state: some were revoked or
    /// expired (conflict), some timed out or their email failed (failure).
    WaitIncomplete {
        closed: Vec<(i64, String)>,
        timed_out: Vec<i64>,
        email_failed: Vec<i64>,
        after: String,
    },
    /// One item of a batch (an address, an id) that failed.
    Item {
        label: String,
        inner: Box<CliError>,
    },
}

impl CliError {
    /// The exit status for this error.
    pub fn exit_code(&self) -> u8 {
        use CliError::*;
        match self {
            Usage { .. }
            | InvalidEmail { .. }
            | InvalidExpiry { .. }
            | AdminRole
            | InvalidRole { .. }
            | InvalidId { .. }
            | InvalidLink { .. }
            | InvalidServerUrl { .. }
            | InvalidStatus { .. }
            | NeedsConfirmation { .. }
            | Cancelled
            | Interrupted { .. }
            | TokenFromTerminal
            | InvalidJq { .. }
            | JqNeedsJson { .. }
            | InvalidDuration { .. }
            | InvalidInput { .. }
            | BatchInterrupted { .. }
            | CaFile(_)
            | ApiPath { .. }
            | BadProxy(_) => USAGE,
            ApiStatus { status, .. } => api_status_exit(*status),
            NothingToPick { .. } => NOT_FOUND,
            InvitationNotFound { .. }
            | InvitationTokenNotFound
            | NetworkNotFound { .. }
            | NetworkAmbiguous { .. }
            | ProfileNotFound { .. }
            | NotFound { .. }
            | NotAMember { .. }
            | NoAccount { .. }
            | NetworkIdNotVisible { .. } => NOT_FOUND,
            NoServer
            | NotSignedIn { .. }
            | TokenRejected { .. }
            | RenewalRateLimited { .. }
            | SignInUnavailable { .. }
            | AcceptNeedsSignIn { .. } => AUTH,
            PermissionDenied { .. } | NotAllowed { .. } | DifferentEmail => PERMISSION,
            AlreadyPending { .. }
            | AlreadyMember { .. }
            | NotPending { .. }
            | PastDeadline { .. }
            | RevokeNeedsForce { .. }
            | InvitationExpired
            | InvitationClosed { .. }
            | LastOwner { .. }
            | MassRemoval { .. } => CONFLICT,
            Drift { .. } => FAILURE,
            SignInFailed { .. }
            | SignInDenied
            | DeviceCodeExpired
            | StateMismatch
            | IdTokenInvalid { .. }
            | SessionExpired
            | AudienceMismatch { .. }
            | KeysNotAtServerPath { .. }
            | TokenNotAccepted { .. } => AUTH,
            IssuerUnreachable { .. }
            | Unreachable { .. }
            | ConnectionLost { .. }
            | Timeout { .. }
            | Tls { .. }
            | ServerError { .. }
            | OutcomeUnknown { .. }
            | BadAnswer { .. }
            | NotNebula { .. } => SERVER,
            Rejected { .. }
            | Validation { .. }
            | Keyring { .. }
            | KeyringTimeout
            | FileTooOpen { .. }
            | Config { .. }
            | ConfigInvalid { .. }
            | Io { .. }
            | JqFailed { .. } => FAILURE,
            Partial { code, .. } => *code,
            WaitIncomplete { closed, .. } if !closed.is_empty() => CONFLICT,
            WaitIncomplete { .. } => FAILURE,
            Item { inner, .. } => inner.exit_code(),
        }
    }

    /// Whether a write that failed this way may nevertheless have been carried out by the
    /// server (its answer was lost): such a create or revoke must be looked up, never
    /// blindly sent again. A connection that could not be opened sent nothing: `false`.
    pub fn write_outcome_unknown(&self) -> bool {
        match self {
            CliError::ConnectionLost { .. } | CliError::OutcomeUnknown { .. } => true,
            CliError::Timeout { which, .. } => match which {
                WhichTimeout::Connect => false,
                WhichTimeout::Budget { sent, .. } => *sent,
                WhichTimeout::Read | WhichTimeout::Deadline => true,
            },
            CliError::Item { inner, .. } => inner.write_outcome_unknown(),
            _ => false,
        }
    }

    /// A create whose answer was lost (`cause` is that failure).
    pub fn create_outcome_unknown(cause: CliError, email: &str) -> Self {
        CliError::OutcomeUnknown {
            what: format!("created the invitation for {email}"),
            check: format!("netinvite list --email {email}"),
            cause: Box::new(cause),
        }
    }

    /// A revoke whose answer was lost.
    pub fn revoke_outcome_unknown(cause: CliError, id: i64) -> Self {
        CliError::OutcomeUnknown {
            what: format!("revoked invitation {id}"),
            check: format!("netinvite show {id}"),
            cause: Box::new(cause),
        }
    }

    /// A resend whose answer was lost (never repeated: it sends an email).
    pub fn resend_outcome_unknown(cause: CliError, id: i64) -> Self {
        CliError::OutcomeUnknown {
            what: format!("sent the email of invitation {id} again"),
            check: format!("netinvite show {id}"),
            cause: Box::new(cause),
        }
    }

    /// A stable, machine-readable name (the `code` field of JSON errors).
    pub fn code(&self) -> &'static str {
        use CliError::*;
        match self {
            Usage { .. } => "usage",
            InvalidEmail { .. } => "invalid_email",
            InvalidExpiry { .. } => "invalid_expiry",
            AdminRole | InvalidRole { .. } => "invalid_role",
            InvalidId { .. } => "invalid_id",
            InvalidLink { .. } => "invalid_link",
            InvalidServerUrl { .. } => "invalid_server_url",
            InvalidStatus { .. } => "invalid_status",
            NeedsConfirmation { .. } => "confirmation_required",
            Cancelled => "cancelled",
            Interrupted { .. } => "interrupted",
            TokenFromTerminal => "token_from_terminal",
            CaFile(_) => "ca_cert_unusable",
            BadProxy(_) => "proxy_unusable",
            InvalidJq { .. } => "invalid_jq",
            JqNeedsJson { .. } => "usage",
            JqFailed { .. } => "jq_failed",
            InvalidDuration { .. } => "invalid_duration",
            InvalidInput { .. } => "invalid_input",
            BatchInterrupted { .. } => "interrupted",
            WaitIncomplete { closed, .. } if !closed.is_empty() => "wait_closed",
            WaitIncomplete { timed_out, .. } if !timed_out.is_empty() => "wait_timeout",
            WaitIncomplete { .. } => "email_failed",
            ApiStatus { status, .. } => match status {
                401 => "token_rejected",
                403 => "permission_denied",
                404 => "not_found",
                409 | 410 => "conflict",
                500..=599 => "server_error",
                _ => "rejected",
            },
            ApiPath { .. } => "usage",
            NothingToPick { .. } => "nothing_to_pick",
            InvitationNotFound { .. } | InvitationTokenNotFound => "invitation_not_found",
            NetworkNotFound { .. } => "network_not_found",
            NetworkAmbiguous { .. } => "network_ambiguous",
            ProfileNotFound { .. } => "profile_not_found",
            NotFound { .. } => "not_found",
            NotAMember { .. } => "not_a_member",
            NoAccount { .. } => "no_account",
            NetworkIdNotVisible { .. } => "network_not_found",
            NotAllowed { .. } => "permission_denied",
            LastOwner { .. } => "last_owner",
            MassRemoval { .. } => "mass_removal",
            Drift { .. } => "drift",
            NoServer => "no_server",
            NotSignedIn { .. } => "not_signed_in",
            TokenRejected { .. } => "token_rejected",
            RenewalRateLimited { .. } => "token_renewal_rate_limited",
            SignInUnavailable { .. } => "sign_in_unavailable",
            AcceptNeedsSignIn { .. } => "not_signed_in",
            PermissionDenied { .. } => "permission_denied",
            DifferentEmail => "different_email",
            AlreadyPending { .. } => "already_pending",
            AlreadyMember { .. } => "already_member",
            NotPending { .. } => "not_pending",
            PastDeadline { .. } => "past_deadline",
            RevokeNeedsForce { .. } => "not_pending",
            InvitationExpired => "invitation_expired",
            InvitationClosed { .. } => "invitation_closed",
            SignInFailed { .. } => "sign_in_failed",
            SignInDenied => "sign_in_denied",
            DeviceCodeExpired => "device_code_expired",
            StateMismatch => "state_mismatch",
            IdTokenInvalid { .. } => "id_token_invalid",
            SessionExpired => "session_expired",
            AudienceMismatch { .. } => "audience_mismatch",
            KeysNotAtServerPath { .. } => "jwks_not_at_server_path",
            TokenNotAccepted { .. } => "token_not_accepted",
            IssuerUnreachable { .. } => "issuer_unreachable",
            Unreachable { .. } => "server_unreachable",
            ConnectionLost { .. } => "connection_lost",
            Timeout { which, .. } => match which {
                WhichTimeout::Connect => "connect_timeout",
                WhichTimeout::Read | WhichTimeout::Deadline => "read_timeout",
                WhichTimeout::Budget { .. } => "time_budget_exceeded",
            },
            Tls { problem, .. } => match problem {
                TlsProblem::UnknownIssuer
                | TlsProblem::BadCertificate
                | TlsProblem::Revoked
                | TlsProblem::CaAsServerCertificate => "tls_untrusted",
                TlsProblem::NameMismatch => "tls_name_mismatch",
                TlsProblem::Expired | TlsProblem::NotYetValid => "tls_expired",
                TlsProblem::NotTls | TlsProblem::Handshake => "tls_failed",
            },
            OutcomeUnknown { .. } => "outcome_unknown",
            ServerError { .. } => "server_error",
            BadAnswer { .. } => "bad_answer",
            NotNebula { .. } => "not_nebula_commander",
            Rejected { .. } => "rejected",
            Validation { .. } => "validation",
            Keyring { .. } | KeyringTimeout => "keyring_unavailable",
            FileTooOpen { .. } => "token_file_too_open",
            Config { .. } | ConfigInvalid { .. } => "config",
            Io { .. } => "io",
            Partial { .. } => "partial_failure",
            Item { inner, .. } => inner.code(),
        }
    }

    /// What was wrong, in one sentence.
    pub fn message(&self) -> String {
        use CliError::*;
        match self {
            Usage { message, .. } => message.clone(),
            InvalidEmail { input, reason } => {
                format!("{input:?} is not a valid email address: {reason}")
            }
            InvalidExpiry { input, reason } => {
                format!("invalid expiry {input:?}: {reason}")
            }
            AdminRole => "the server has no `admin` invitation role".into(),
            InvalidRole { input } => {
                format!("unknown role {input:?}: expected `member` or `owner`")
            }
            InvalidId { input } => {
                format!("{input:?} is not an invitation id: expected a positive whole number")
            }
            InvalidLink { input } => format!(
                "{:?} is neither an invitation link nor an invitation token",
                shorten(input, 80)
            ),
            InvalidServerUrl { input, reason } => {
                format!("{input:?} is not a usable server URL: {reason}")
            }
            InvalidStatus { input } => {
                format!("unknown status {input:?}: expected pending, accepted, expired or revoked")
            }
            NeedsConfirmation { action } => {
                format!("refusing to {action} without confirmation")
            }
            Cancelled => "cancelled".into(),
            Interrupted {
                done_verb,
                done,
                not_done,
                ..
            } => format!(
                "interrupted: {done_verb} {} of {}; not {done_verb}: {}",
                done.len(),
                done.len() + not_done.len(),
                join_ids(not_done)
            ),
            TokenFromTerminal => {
                "--with-token reads the token from standard input, which is a terminal".into()
            }
            CaFile(e) => ca_file_message(e),
            BadProxy(e) => format!(
                "{} is not a usable proxy ({:?}): {}",
                e.var, e.value, e.reason
            ),
            InvalidJq { message, .. } => format!("invalid --jq expression: {message}"),
            JqNeedsJson { command } => {
                format!("--jq needs JSON output, and {command} prints text")
            }
            JqFailed { message } => format!("the --jq filter failed: {message}"),
            InvalidDuration { input, reason } => format!("invalid duration {input:?}: {reason}"),
            InvalidInput {
                source,
                bad_rows,
                total_rows,
                ..
            } => format!(
                "{source}: {bad_rows} of {total_rows} rows have problems; nothing was sent"
            ),
            BatchInterrupted { done, total } => format!(
                "interrupted: {done} of {total} were done; the rest were not sent"
            ),
            WaitIncomplete {
                closed,
                timed_out,
                email_failed,
                after,
            } => {
                let mut parts = Vec::new();
                for (id, status) in closed {
                    parts.push(format!("invitation {id} is {status}"));
                }
                if !timed_out.is_empty() {
                    parts.push(format!(
                        "{} still not there after {after}",
                        ids_text(timed_out)
                    ));
                }
                if !email_failed.is_empty() {
                    parts.push(format!("the email of {} failed", ids_text(email_failed)));
                }
                parts.join("; ")
            }
            ApiStatus {
                method,
                path,
                status,
                detail,
                ..
            } => match detail {
                Some(d) => format!("HTTP {status} from {method} /{path}: {d}"),
                None => format!("HTTP {status} from {method} /{path}"),
            },
            ApiPath { input, reason } => format!("cannot request {input:?}: {reason}"),
            NothingToPick { network: Some(n) } => {
                format!("no pending invitation to pick from in network {n:?}")
            }
            NothingToPick { network: None } => "no pending invitation to pick from".into(),
            InvitationNotFound { id } => format!("invitation {id} not found"),
            InvitationTokenNotFound => "no invitation has this token".into(),
            NetworkNotFound { query, .. } => format!("no network named {query:?}"),
            NetworkAmbiguous { query, .. } => {
                format!("network {query:?} matches more than one network")
            }
            ProfileNotFound { name, .. } => format!("no profile named {name:?}"),
            NotFound { detail } => format!("not found: {detail}"),
            NotAMember { email, network } => format!(
                "{} is not a member of {}",
                email.as_deref().unwrap_or("this user"),
                network
                    .as_deref()
                    .map_or("this network".to_string(), |n| format!("network {n:?}"))
            ),
            NoAccount { email, .. } => format!(
                "{email} has no account on the server (nobody with that address has signed in yet)"
            ),
            NetworkIdNotVisible { id, .. } => {
                format!("no network with id {id} is visible to you")
            }
            NotAllowed { what, who, .. } => format!("only {who} can {what}"),
            LastOwner { email, network } => format!(
                "{} is the last owner of {}: a network must keep an owner",
                email.as_deref().unwrap_or("this user"),
                network
                    .as_deref()
                    .map_or("this network".to_string(), |n| format!("network {n:?}"))
            ),
            MassRemoval { network, reason } => {
                format!("refusing to sync network {network:?}: {reason}")
            }
            Drift { changes, networks } => format!(
                "{changes} change{} to make in {networks} network{}: the server differs from the file",
                if *changes == 1 { "" } else { "s" },
                if *networks == 1 { "" } else { "s" }
            ),
            NoServer => "no server configured".into(),
            NotSignedIn { server } => format!("not signed in to {server}"),
            RenewalRateLimited { server, rejected } => format!(
                "{server} {}, and renewing the development token failed: the server's dev-token endpoint is rate limited (10 a minute) and answered 500",
                if *rejected {
                    "rejected the token"
                } else {
                    "needs a new token (the stored one has expired)"
                }
            ),
            TokenRejected { server, from_env } => {
                if *from_env {
                    format!("{server} rejected the token in NETINVITE_TOKEN (expired or not valid)")
                } else {
                    format!("{server} rejected the stored sign-in (expired or revoked)")
                }
            }
            SignInUnavailable { server, reason } => {
                format!("cannot sign in to {server}: {reason}")
            }
            AcceptNeedsSignIn { server } => {
                format!("accepting an invitation needs you to be signed in to {server}")
            }
            PermissionDenied { detail } => format!("permission denied: {detail}"),
            DifferentEmail => {
                "this invitation is for a different email address than your account's".into()
            }
            AlreadyPending { email, network, .. } => {
                format!("{email} already has a pending invitation to network {network:?}")
            }
            AlreadyMember { email, network } => {
                format!("{email} is already a member of network {network:?}")
            }
            NotPending { id, status, action } => {
                format!("cannot {action} invitation {id}: it is {status}, not pending")
            }
            PastDeadline { id } => format!(
                "invitation {id} is past its deadline; resending would mail a link that no longer works"
            ),
            RevokeNeedsForce { id, status, .. } => {
                format!("invitation {id} is {status}, not pending")
            }
            InvitationExpired => "this invitation has expired (or is no longer valid)".into(),
            InvitationClosed { status } => format!("this invitation is {status}"),
            SignInFailed { reason, .. } => format!("sign-in failed: {reason}"),
            SignInDenied => "sign-in was denied at the identity provider".into(),
            DeviceCodeExpired => "the device code expired before it was confirmed".into(),
            StateMismatch => "the sign-in redirect carried a state that netinvite did not send (possible forgery); nothing was stored".into(),
            IdTokenInvalid { reason } => format!("the identity provider's ID token did not verify: {reason}"),
            SessionExpired => "the sign-in has expired and could not be renewed".into(),
            AudienceMismatch { client_id, audience } => format!(
                "the token's audience ({}) does not include the server's client id {client_id:?}, so the server refuses it",
                if audience.is_empty() { "none".to_string() } else { audience.join(", ") }
            ),
            KeysNotAtServerPath { issuer } => format!(
                "the identity provider does not publish its keys at {issuer}/.well-known/jwks.json, the only place the server looks: no token from it can pass"
            ),
            TokenNotAccepted { server } => format!("{server} does not accept the token from the identity provider"),
            IssuerUnreachable { url, message } => format!("cannot reach the identity provider {url}: {message}"),
            Tls { url, problem, issuer, .. } => {
                let whose = if *issuer {
                    "the identity provider's"
                } else {
                    "the server's"
                };
                let what = match problem {
                    TlsProblem::UnknownIssuer => format!(
                        "{whose} certificate is signed by an unknown authority (self-signed or a private CA)"
                    ),
                    TlsProblem::NameMismatch => format!(
                        "{whose} certificate is not valid for the name {}",
                        host_of(url)
                    ),
                    TlsProblem::Expired => format!("{whose} certificate has expired"),
                    TlsProblem::NotYetValid => format!("{whose} certificate is not valid yet"),
                    TlsProblem::Revoked => format!("{whose} certificate has been revoked"),
                    TlsProblem::CaAsServerCertificate => format!(
                        "{whose} certificate is a CA certificate (basicConstraints CA:TRUE), which is refused as a server certificate"
                    ),
                    TlsProblem::BadCertificate => format!("{whose} certificate is not acceptable"),
                    TlsProblem::NotTls => {
                        "it does not speak TLS on this port (is it plain http?)".to_string()
                    }
                    TlsProblem::Handshake => "the TLS handshake failed".to_string(),
                };
                format!("cannot connect securely to {}: {what}", origin_of(url))
            }
            Unreachable { url, message, attempts } => {
                format!("cannot reach {url}: {message}{}", tries(*attempts))
            }
            ConnectionLost { url, message, attempts } => format!(
                "the connection to {url} broke before the whole answer arrived: {message}{}",
                tries(*attempts)
            ),
            Timeout { url, which, after, attempts } => {
                let secs = seconds(*after);
                let what = match which {
                    WhichTimeout::Connect => format!(
                        "could not connect to {url} within {secs} (connect timeout, --connect-timeout)"
                    ),
                    WhichTimeout::Read => format!(
                        "no answer from {url} within {secs} (read timeout, --read-timeout)"
                    ),
                    WhichTimeout::Deadline => format!(
                        "the answer from {url} did not complete within {secs} (deadline: twice the read timeout, --read-timeout)"
                    ),
                    WhichTimeout::Budget { per_request, left, .. } => {
                        let budget = if *per_request {
                            format!("the time budget of {secs} for this request")
                        } else {
                            format!("the command's time budget of {secs}")
                        };
                        match left {
                            None => format!("{budget} ran out (--max-time) waiting for {url}"),
                            Some(left) => format!(
                                "{budget} ran out (--max-time) on {url}: after the last failed attempt only {} were left, too little for another",
                                seconds(*left)
                            ),
                        }
                    }
                };
                format!("{what}{}", tries(*attempts))
            }
            ServerError {
                url,
                status,
                detail,
                retry_after,
                attempts,
                ..
            } => {
                let mut m = match detail {
                    Some(d) => format!("the server failed ({status}) on {url}: {d}"),
                    None => format!("the server failed ({status}) on {url}"),
                };
                match retry_after {
                    Some(d) if *d > RETRY_AFTER_CAP => m.push_str(&format!(
                        "; it asked to wait {} before trying again",
                        seconds(*d)
                    )),
                    _ => m.push_str(&tries(*attempts)),
                }
                m
            }
            OutcomeUnknown { what, cause, .. } => format!(
                "{}; the server may or may not have {what}",
                cause.message()
            ),
            BadAnswer { url, message } => {
                format!("unexpected answer from {url}: {message}")
            }
            NotNebula { url, found } => {
                format!("{url} does not answer as a Nebula Commander server ({found})")
            }
            Rejected { status, detail } => {
                format!("the server refused the request ({status}): {detail}")
            }
            Validation { lines } => {
                if lines.len() == 1 {
                    format!("the server rejected the request: {}", lines[0])
                } else {
                    "the server rejected the request:".into()
                }
            }
            Keyring { message } => format!("the OS keyring is not available: {message}"),
            KeyringTimeout => "the OS keyring did not answer within 3 seconds".into(),
            FileTooOpen { path, mode } => format!(
                "the token file {path} is readable by others (mode {mode:o}); refusing to use it"
            ),
            Config { path, message } => format!("cannot use the configuration {path}: {message}"),
            ConfigInvalid {
                path,
                line,
                column,
                key,
                message,
            } => match key {
                Some(k) => format!(
                    "invalid configuration in {path}, line {line}, column {column} (key `{k}`): {message}"
                ),
                None => {
                    format!("invalid configuration in {path}, line {line}, column {column}: {message}")
                }
            },
            Io { what, message } => format!("{what}: {message}"),
            Partial { failed, total, .. } => {
                format!("{failed} of {total} failed")
            }
            Item { label, inner } => format!("{label}: {}", inner.message()),
        }
    }

    /// Extra lines: the fields of a validation error, the candidates of a name lookup.
    pub fn details(&self) -> Vec<String> {
        use CliError::*;
        match self {
            Validation { lines } if lines.len() > 1 => lines.clone(),
            Interrupted {
                done_verb, done, ..
            } if !done.is_empty() => vec![format!("{done_verb}: {}", join_ids(done))],
            InvalidInput { problems, .. } => problems.clone(),
            NetworkNotFound { candidates, .. } | NetworkAmbiguous { candidates, .. }
                if !candidates.is_empty() =>
            {
                vec![format!("networks: {}", candidates.join(", "))]
            }
            ProfileNotFound { known, .. } if !known.is_empty() => {
                vec![format!("profiles: {}", known.join(", "))]
            }
            Tls { detail, .. } => vec![format!("TLS: {detail}")],
            Item { inner, .. } | OutcomeUnknown { cause: inner, .. } => inner.details(),
            InvalidJq { expr, offset, .. } => {
                let mut v = vec![expr.clone()];
                // A caret under the error, when the expression is one line.
                if let Some(at) = offset
                    && !expr.contains('\n')
                    && let Some(before) = expr.get(..*at)
                {
                    v.push(format!("{}^", " ".repeat(before.chars().count())));
                }
                v
            }
            RevokeNeedsForce { status, .. } if status == "accepted" => vec![
                "revoking an accepted invitation only marks it revoked: the person stays a member of the network with the access it granted".into(),
            ],
            _ => Vec::new(),
        }
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        use CliError::*;
        Some(match self {
            Usage { hint, .. } => return hint.clone(),
            InvalidEmail { .. } => "give an address such as ana@example.com".into(),
            InvalidExpiry { .. } => {
                "use whole days from 1 to 365, e.g. --expires-in 7d (or 7)".into()
            }
            AdminRole => "use --role owner (full control of the network), or --role member with --can-manage-nodes/--can-invite-users/--can-manage-firewall".into(),
            InvalidRole { .. } => "use --role member or --role owner".into(),
            InvalidId { .. } => "ids are the numbers in the first column of `netinvite list`".into(),
            InvalidLink { .. } => {
                "pass the whole link (…/invitations/accept/TOKEN) or the 43-character token".into()
            }
            InvalidServerUrl { .. } => "use a URL such as https://nebula.example.com".into(),
            InvalidStatus { .. } => "e.g. --status pending,expired".into(),
            NeedsConfirmation { .. } => {
                "pass --yes to confirm (no prompt is shown without a terminal or with --no-input)".into()
            }
            Cancelled => return None,
            InvalidJq { .. } => "--jq takes a jq filter (https://jqlang.org/manual/), e.g. --jq '.[] | select(.status == \"pending\") | .id'".into(),
            JqNeedsJson { .. } => "drop --jq; the commands that print JSON with --json accept it".into(),
            JqFailed { .. } => "the filter runs on the output of --json (docs/json.md describes it): a listing is an array, so start with `.[]`".into(),
            Interrupted {
                command, not_done, ..
            } => format!(
                "to finish, run: netinvite {command} {}",
                not_done
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            InvalidDuration { .. } => "use a number and a unit: 30s, 10m, 1h, 30d or 2w".into(),
            InvalidInput { can_skip: true, .. } => "fix these rows and run again (nothing was sent), or pass --skip-invalid to send the valid rows".into(),
            InvalidInput { .. } => "fix these rows and run again (nothing was sent)".into(),
            BatchInterrupted { .. } => "run the same command again: what was done is skipped, the rest is sent".into(),
            WaitIncomplete { closed, .. } if !closed.is_empty() => {
                "a revoked or expired invitation can no longer be accepted: create a new one".into()
            }
            WaitIncomplete { timed_out, .. } if !timed_out.is_empty() => {
                "wait longer with --timeout, or see where they stand with `netinvite show ID`".into()
            }
            WaitIncomplete { .. } => "`netinvite show ID` shows the email error".into(),
            TokenFromTerminal => "pipe it in: `printf %s \"$TOKEN\" | netinvite login --with-token`".into(),
            CaFile(e) => ca_file_hint(e),
            BadProxy(e) => format!(
                "use an http:// or https:// proxy URL such as http://proxy.example:3128, or unset {} for netinvite",
                e.var
            ),
            ApiStatus {
                status: 401,
                server,
                from_env: false,
                ..
            } => format!("sign in again: netinvite login --server {server}"),
            ApiStatus {
                status: 401,
                from_env: true,
                ..
            } => "set NETINVITE_TOKEN to a current token, or unset it to use the stored sign-in".into(),
            ApiStatus { .. } => "the answer's body is on standard output".into(),
            ApiPath { .. } => "give a path on the signed-in server, e.g. api/invitations or /api/networks?x=1".into(),
            NothingToPick { .. } => "give the id (`netinvite list` shows every invitation), or create one with `netinvite create`".into(),
            InvitationNotFound { .. } => "`netinvite list` shows the invitations you can see".into(),
            InvitationTokenNotFound => "check that the link was copied whole".into(),
            NetworkNotFound { .. } | NetworkAmbiguous { .. } => {
                "give the exact name or the numeric id (`netinvite networks` lists them)".into()
            }
            ProfileNotFound { .. } => "`netinvite login --profile NAME --server URL` creates one".into(),
            NotFound { .. } => return None,
            NotAMember { network: Some(n), .. } => {
                format!("`netinvite members list --network {}` shows who is", shell_word(n))
            }
            NotAMember { network: None, .. } => {
                "`netinvite members list --network NET` shows who is".into()
            }
            NoAccount { command, .. } => format!("invite them instead: {command}"),
            NetworkIdNotVisible { visible, .. } if visible.is_empty() => {
                "you can see no network: ask a network owner for an invitation".into()
            }
            NetworkIdNotVisible { visible, .. } => {
                format!("the networks you can see: {}", visible.join(", "))
            }
            NotAllowed { hint, .. } => return hint.clone(),
            LastOwner { network, .. } => format!(
                "make someone else an owner first: netinvite members set EMAIL --network {} --role owner",
                network.as_deref().map_or("NET".to_string(), shell_word)
            ),
            MassRemoval { .. } => "nothing was changed. Check the file (a cut-off export looks like this); if the removals are intended, run again with --allow-mass-removal".into(),
            Drift { .. } => "the plan above lists the changes; `netinvite sync FILE` applies them".into(),
            NoServer => "sign in first: netinvite login --server https://nebula.example.com".into(),
            NotSignedIn { server } | TokenRejected { server, from_env: false } => {
                format!("sign in again: netinvite login --server {server}")
            }
            RenewalRateLimited { .. } => {
                "wait a minute and run the command again; netinvite renews the token by itself".into()
            }
            TokenRejected { from_env: true, .. } => {
                "set NETINVITE_TOKEN to a current token, or unset it to use the stored sign-in".into()
            }
            SignInUnavailable { .. } => return None,
            AcceptNeedsSignIn { server } => format!("netinvite login --server {server}"),
            SignInFailed { hint, .. } => return hint.clone(),
            SignInDenied => "run `netinvite login` again and approve the request".into(),
            DeviceCodeExpired => "run `netinvite login` again and confirm the code within its time".into(),
            StateMismatch => "run `netinvite login` again; open only the URL netinvite shows".into(),
            IdTokenInvalid { .. } => "check the issuer and client id (`netinvite doctor`)".into(),
            SessionExpired => "sign in again: netinvite login".into(),
            AudienceMismatch { .. } => "sign in with the server's client id (--client-id), or have the identity provider add it to the token's audience; `netinvite config set bearer id-token` sends the ID token, whose audience is the client id".into(),
            KeysNotAtServerPath { .. } => "serve the identity provider's JWKS at that path (e.g. through a proxy), or use the server's own sign-in token with --with-token".into(),
            TokenNotAccepted { .. } => "`netinvite doctor` checks the usual causes: audience, key set path, key rotation".into(),
            IssuerUnreachable { .. } => "check the issuer URL (--issuer) and your network".into(),
            PermissionDenied { .. } => {
                "ask a network owner or a system admin for the permission".into()
            }
            DifferentEmail => "sign in with the account of the invited address".into(),
            AlreadyPending {
                stale: Some((id, true)),
                ..
            } => format!(
                "invitation {id} is past its deadline but the server still holds it as pending; --replace revokes it and creates the new one"
            ),
            AlreadyPending {
                stale: Some((id, false)),
                ..
            } => format!(
                "see it with `netinvite show {id}`, send it again with `netinvite resend {id}`, or pass --replace to revoke it and create a new one"
            ),
            AlreadyPending { stale: None, .. } => {
                "pass --replace to revoke the pending invitation and create a new one".into()
            }
            AlreadyMember { .. } => return None,
            NotPending { .. } => "only pending invitations can be resent; create a new one with `netinvite create`".into(),
            PastDeadline { id } => format!(
                "revoke it and create a new one: netinvite revoke {id} && netinvite create …"
            ),
            RevokeNeedsForce {
                status,
                email,
                network,
                ..
            } if status == "accepted" => format!(
                "to take the access away: netinvite members remove {} --network {}; pass --force to mark the invitation revoked anyway",
                shell_word(email),
                shell_word(network)
            ),
            RevokeNeedsForce { .. } => "pass --force to revoke it anyway".into(),
            InvitationExpired => "ask the inviter for a new invitation".into(),
            InvitationClosed { .. } => "ask the inviter for a new invitation".into(),
            Unreachable { .. } => {
                "check the server URL and your network; `netinvite doctor` runs the checks".into()
            }
            Tls { problem, url, .. } => match problem {
                TlsProblem::UnknownIssuer => "give the CA with --ca-cert FILE, NETINVITE_CA_CERT or `netinvite config set ca-cert FILE`".into(),
                TlsProblem::NameMismatch => format!(
                    "use the name the certificate is issued for (see the TLS detail), or have it reissued for {}; a --ca-cert does not change this",
                    host_of(url)
                ),
                TlsProblem::Expired | TlsProblem::NotYetValid => {
                    "renew the certificate on the server, or check this computer's clock".into()
                }
                TlsProblem::CaAsServerCertificate => "give the server a certificate signed by its CA, or re-create the self-signed one as a non-CA certificate (`openssl req -x509 … -addext basicConstraints=critical,CA:FALSE`); then pass the CA (or that certificate) with --ca-cert FILE".into(),
                TlsProblem::Revoked | TlsProblem::BadCertificate => {
                    "the server needs a valid certificate; the TLS detail says what is wrong with this one".into()
                }
                TlsProblem::NotTls => format!(
                    "use http:// if the server really serves plain HTTP there: {}",
                    origin_of(url).replacen("https://", "http://", 1)
                ),
                TlsProblem::Handshake => "check that the URL points at the TLS port of the server; the TLS detail says more".into(),
            },
            ConnectionLost { .. } => "try again; `netinvite doctor` checks the server and the path to it".into(),
            Timeout { which: WhichTimeout::Connect, .. } => {
                "check the server URL and your network; --connect-timeout SECONDS (or NETINVITE_CONNECT_TIMEOUT, or `netinvite config set connect-timeout`) allows a slower connection".into()
            }
            Timeout { which: WhichTimeout::Budget { .. }, .. } => {
                "a slow server needs more time: --max-time SECONDS (or NETINVITE_MAX_TIME, or `netinvite config set max-time`); `-v` shows each attempt and how long it took".into()
            }
            Timeout { .. } => {
                "a slow server needs a longer read timeout: --read-timeout SECONDS (or NETINVITE_READ_TIMEOUT, or `netinvite config set read-timeout`)".into()
            }
            ServerError { retry_after: Some(d), .. } if *d > RETRY_AFTER_CAP => {
                format!("the server is busy or down for maintenance; try again in {}", seconds(*d))
            }
            OutcomeUnknown { check, .. } => {
                format!("check with `{check}` before trying again, so that nothing happens twice")
            }
            ServerError {
                maybe_rate_limited: true,
                ..
            } => "this endpoint is rate limited and answers a 500 when over the limit; wait a while before trying again".into(),
            ServerError { .. } => "try again later; the server's logs say more".into(),
            BadAnswer { .. } => "check that the URL points at the Nebula Commander API, not a proxy page".into(),
            NotNebula { .. } => "give the address where Nebula Commander's web UI is served".into(),
            Rejected { .. } | Validation { .. } => return None,
            Keyring { .. } | KeyringTimeout => "start a Secret Service (e.g. gnome-keyring) and unlock it, or sign in with --insecure-storage to keep the token in a 0600 file".into(),
            FileTooOpen { path, .. } => format!("chmod 600 {path}"),
            Config { .. } => "fix or remove the file; `netinvite login` writes a new one".into(),
            ConfigInvalid { path, line, .. } => format!(
                "edit line {line} of {path} (or remove that line), then check with `netinvite config list`"
            ),
            Io { .. } => return None,
            Partial { .. } => return None,
            Item { inner, .. } => return inner.hint(),
        })
    }

    /// Maps an API error with no more context than the server gave.
    pub fn from_api(e: ApiError, server: &str) -> Self {
        match e {
            ApiError::Transport {
                url,
                message,
                kind,
                after,
                attempts,
            } => {
                let timeout = |which| CliError::Timeout {
                    url: url.clone(),
                    which,
                    after: after.unwrap_or_default(),
                    attempts,
                };
                match kind {
                    TransportKind::Tls(problem) => CliError::Tls {
                        detail: message,
                        url,
                        problem,
                        issuer: false,
                    },
                    TransportKind::ConnectTimeout => timeout(WhichTimeout::Connect),
                    TransportKind::ReadTimeout => timeout(WhichTimeout::Read),
                    TransportKind::Deadline => timeout(WhichTimeout::Deadline),
                    TransportKind::Budget {
                        per_request,
                        sent,
                        left,
                    } => timeout(WhichTimeout::Budget {
                        per_request,
                        sent,
                        left,
                    }),
                    TransportKind::Dropped => CliError::ConnectionLost {
                        url,
                        message,
                        attempts,
                    },
                    TransportKind::Connect | TransportKind::Other => CliError::Unreachable {
                        url,
                        message,
                        attempts,
                    },
                }
            }
            ApiError::Decode { url, message, .. } => CliError::BadAnswer { url, message },
            ApiError::Status {
                url,
                status,
                detail,
                location,
                retry_after,
                attempts,
                subject,
                ..
            } => {
                let known = match &detail {
                    Detail::Message(m) => Some(KnownDetail::classify(m)),
                    _ => None,
                };
                let text = detail_text(&detail);
                match (status, known) {
                    (401, _) => CliError::TokenRejected {
                        server: server.to_string(),
                        from_env: false,
                    },
                    (403, Some(k)) if members_refusal(&k).is_some() => {
                        let (what, who) = members_refusal(&k).unwrap_or_default();
                        CliError::NotAllowed {
                            what: what.into(),
                            who,
                            hint: None,
                        }
                    }
                    (403, _) => CliError::PermissionDenied {
                        detail: text.unwrap_or_else(|| "forbidden".into()),
                    },
                    (404, Some(KnownDetail::InvitationNotFound)) => match subject {
                        Subject::Invitation(id) => CliError::InvitationNotFound { id },
                        Subject::Link => CliError::InvitationTokenNotFound,
                        Subject::None => CliError::NotFound {
                            detail: "Invitation not found".into(),
                        },
                    },
                    (404, Some(KnownDetail::Other(d))) if d == "Not Found" => CliError::BadAnswer {
                        url,
                        message: "404 Not Found: this server has no such API path (is it Nebula Commander?)".into(),
                    },
                    (404, Some(KnownDetail::NotAMember)) => CliError::NotAMember {
                        email: None,
                        network: None,
                    },
                    (404, _) => CliError::NotFound {
                        detail: text.unwrap_or_else(|| "404".into()),
                    },
                    (410, _) => CliError::InvitationExpired,
                    (400, Some(KnownDetail::LastOwner)) => CliError::LastOwner {
                        email: None,
                        network: None,
                    },
                    (400, Some(KnownDetail::InvitationIs(status))) => {
                        CliError::InvitationClosed { status }
                    }
                    (400, Some(KnownDetail::DifferentEmail)) => CliError::DifferentEmail,
                    (422, _) => CliError::Validation {
                        lines: validation_lines(&detail),
                    },
                    (300..=399, _) => CliError::BadAnswer {
                        url,
                        message: format!(
                            "redirected ({status}) to {}; use the server's canonical URL",
                            location.unwrap_or_else(|| "elsewhere".into())
                        ),
                    },
                    (500..=599, _) => CliError::ServerError {
                        url,
                        status,
                        detail: text,
                        maybe_rate_limited: false,
                        retry_after,
                        attempts,
                    },
                    (_, _) => CliError::Rejected {
                        status,
                        detail: text.unwrap_or_else(|| "no detail".into()),
                    },
                }
            }
        }
    }
}

impl CliError {
    /// Maps an error of a rate-limited endpoint (dev token, public preview): the server
    /// answers a plain 500 when over the limit, so a 500 there says "possibly rate
    /// limited" and is not retried.
    pub fn from_rate_limited_api(e: ApiError, server: &str) -> Self {
        match CliError::from_api(e, server) {
            CliError::ServerError {
                url,
                status: 500,
                detail,
                retry_after,
                attempts,
                ..
            } => CliError::ServerError {
                url,
                status: 500,
                detail,
                maybe_rate_limited: true,
                retry_after,
                attempts,
            },
            other => other,
        }
    }
}

/// What a 403 about members or system-admin endpoints refuses, and who may do it.
fn members_refusal(k: &KnownDetail) -> Option<(&'static str, &'static str)> {
    const OWNERS: &str = "network owners and system admins";
    Some(match k {
        KnownDetail::OnlyOwnersViewMembers => ("see a network's members", OWNERS),
        KnownDetail::OnlyOwnersUpdateMembers => ("change a member's role or permissions", OWNERS),
        KnownDetail::OnlyOwnersRemoveMembers => ("remove members from a network", OWNERS),
        KnownDetail::NoAddMemberPermission => (
            "add members to this network",
            "network owners, system admins and members with can_invite_users",
        ),
        KnownDetail::SystemAdminRequired => ("do this", "system admins"),
        _ => return None,
    })
}

/// A value as one shell word: quoted when it holds anything but safe characters.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+/:=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The exit status of `netinvite api` for an answer outside 2xx: as for the other
/// commands where the status says it (401 → 4, 403 → 5, 404 → 3, 409 and 410 → 6, 5xx
/// → 7); any other status (a 400, a 422, a redirect) is a refused request → 1.
pub fn api_status_exit(status: u16) -> u8 {
    match status {
        401 => AUTH,
        403 => PERMISSION,
        404 => NOT_FOUND,
        409 | 410 => CONFLICT,
        500..=599 => SERVER,
        _ => FAILURE,
    }
}

/// `scheme://host[:port]` of a URL (what a certificate is about), else the text.
fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_string())
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string())
}

fn ca_file_message(e: &CaError) -> String {
    let path = e.path.display();
    let from = e.origin.option();
    let what = if e.origin == CaOrigin::SslCertDir {
        "certificate directory"
    } else {
        "CA file"
    };
    let why = match &e.problem {
        CaProblem::Missing => "it does not exist".to_string(),
        CaProblem::Unreadable(m) => format!("it cannot be read ({m})"),
        CaProblem::NotADirectory => "it is not a directory".to_string(),
        CaProblem::Der => "it is binary (DER), not PEM".to_string(),
        CaProblem::NotPem(m) => format!("it is not valid PEM ({m})"),
        CaProblem::NoCertificate { found: Some(f) } => {
            format!("it holds {f} but no CERTIFICATE block")
        }
        CaProblem::NoCertificate { found: None } => "it holds no PEM CERTIFICATE block".to_string(),
        CaProblem::BadCertificate { index, reason } => {
            format!("certificate {index} in it is not a usable X.509 certificate ({reason})")
        }
    };
    format!("the {what} {path} (from {from}) cannot be used: {why}")
}

fn ca_file_hint(e: &CaError) -> String {
    let fix = match e.origin {
        CaOrigin::Flag => "give another file with --ca-cert",
        CaOrigin::Env => "set NETINVITE_CA_CERT to another file, or unset it",
        CaOrigin::Profile => {
            "set another with `netinvite config set ca-cert FILE`, or `netinvite config unset ca-cert`"
        }
        CaOrigin::SslCertFile => "point SSL_CERT_FILE at a PEM bundle, or unset it",
        CaOrigin::SslCertDir => {
            return "point SSL_CERT_DIR at existing directories (colon-separated), or unset it"
                .into();
        }
    };
    match &e.problem {
        CaProblem::Der => format!(
            "convert it with `openssl x509 -inform der -in {} -out ca.pem`, or {fix}",
            e.path.display()
        ),
        _ => format!(
            "expected a PEM file with the CA certificate(s) (-----BEGIN CERTIFICATE-----); {fix}"
        ),
    }
}

/// The `detail` as one line of text.
pub fn detail_text(detail: &Detail) -> Option<String> {
    match detail {
        Detail::Message(m) => Some(m.clone()),
        Detail::Text(t) => Some(t.clone()),
        Detail::Validation(_) => Some(validation_lines(detail).join("; ")),
        Detail::None => None,
    }
}

/// FastAPI 422 arrays as `<field>: <msg>` lines.
pub fn validation_lines(detail: &Detail) -> Vec<String> {
    match detail {
        Detail::Validation(items) => items
            .iter()
            .map(|i| format!("{}: {}", i.field(), i.msg))
            .collect(),
        other => detail_text(other).into_iter().collect(),
    }
}

/// The complaint about a timeout value that is not a usable number of seconds.
pub fn invalid_seconds(input: &str) -> String {
    format!(
        "{input:?} is not a usable number of seconds: expected a number greater than 0 and at most 86400, e.g. 15 or 0.5"
    )
}

/// Which limit fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhichTimeout {
    Connect,
    Read,
    Deadline,
    /// The time budget (`--max-time`): the command's, or with `per_request` one request's
    /// of a batch; `sent` says whether an attempt may have reached the server; `left`, when
    /// a failed attempt left too little of it for another, how much.
    Budget {
        per_request: bool,
        sent: bool,
        left: Option<Duration>,
    },
}

/// " (after 3 attempts)" when the request was retried.
fn tries(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// "15 s", "0.5 s".
fn seconds(d: Duration) -> String {
    let s = format!("{:.2}", d.as_secs_f64());
    format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
}

fn ids_text(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    if ids.len() == 1 {
        format!("invitation {}", list[0])
    } else {
        format!("invitations {}", list.join(", "))
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for CliError {}

/// `4, 5, 6`, or `none`.
fn join_ids(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_hints_login() {
        let e = CliError::from_api(
            ApiError::Status {
                url: "http://x/api/invitations".into(),
                status: 401,
                detail: Detail::Message("Not authenticated".into()),
                www_authenticate: true,
                location: None,
                retry_after: None,
                attempts: 1,
                subject: Subject::None,
                body: Default::default(),
            },
            "http://x",
        );
        assert_eq!(e.exit_code(), AUTH);
        assert!(e.hint().unwrap().contains("netinvite login"));
    }

    #[test]
    fn validation_arrays_become_lines() {
        let e = CliError::from_api(
            ApiError::Status {
                url: "u".into(),
                status: 422,
                detail: Detail::Validation(vec![crate::api::ValidationItem {
                    kind: "missing".into(),
                    loc: vec!["body".into(), "email".into()],
                    msg: "Field required".into(),
                }]),
                www_authenticate: false,
                location: None,
                retry_after: None,
                attempts: 1,
                subject: Subject::None,
                body: Default::default(),
            },
            "s",
        );
        assert_eq!(
            e.message(),
            "the server rejected the request: email: Field required"
        );
    }

    #[test]
    fn five_hundreds_are_server_errors() {
        let e = CliError::from_api(
            ApiError::Status {
                url: "u".into(),
                status: 502,
                detail: Detail::Text("502 Bad Gateway".into()),
                www_authenticate: false,
                location: None,
                retry_after: None,
                attempts: 1,
                subject: Subject::None,
                body: Default::default(),
            },
            "s",
        );
        assert_eq!(e.exit_code(), SERVER);
        assert!(e.message().contains("502 Bad Gateway"));
    }

    fn not_found(subject: Subject) -> CliError {
        CliError::from_api(
            ApiError::Status {
                url: "u".into(),
                status: 404,
                detail: Detail::Message("Invitation not found".into()),
                www_authenticate: false,
                location: None,
                retry_after: None,
                attempts: 1,
                subject,
                body: Default::default(),
            },
            "s",
        )
    }

    #[test]
    fn a_404_names_what_was_asked_for() {
        assert_eq!(
            not_found(Subject::Invitation(42)).message(),
            "invitation 42 not found"
        );
        assert_eq!(
            not_found(Subject::Link).message(),
            "no invitation has this token"
        );
        assert_eq!(not_found(Subject::None).code(), "not_found");
        for s in [Subject::Invitation(1), Subject::Link, Subject::None] {
            assert_eq!(not_found(s).exit_code(), NOT_FOUND);
        }
    }

    fn transport(kind: TransportKind) -> CliError {
        CliError::from_api(
            ApiError::Transport {
                url: "http://x/api".into(),
                message: "boom".into(),
                kind,
                after: Some(Duration::from_millis(1500)),
                attempts: 2,
            },
            "s",
        )
    }

    #[test]
    fn only_failures_after_sending_leave_a_write_unknown() {
        assert!(!transport(TransportKind::Connect).write_outcome_unknown());
        assert!(!transport(TransportKind::ConnectTimeout).write_outcome_unknown());
        assert!(!transport(TransportKind::Other).write_outcome_unknown());
        for k in [
            TransportKind::Dropped,
            TransportKind::ReadTimeout,
            TransportKind::Deadline,
        ] {
            let e = transport(k);
            assert!(e.write_outcome_unknown(), "{k:?}");
            assert_eq!(e.exit_code(), SERVER);
            let wrapped = CliError::revoke_outcome_unknown(e, 7);
            assert!(wrapped.write_outcome_unknown());
            assert_eq!(wrapped.code(), "outcome_unknown");
            assert!(
                wrapped
                    .message()
                    .ends_with("the server may or may not have revoked invitation 7")
            );
            assert!(wrapped.hint().unwrap().contains("netinvite show 7"));
        }
        assert_eq!(
            transport(TransportKind::ReadTimeout).message(),
            "no answer from http://x/api within 1.5 s (read timeout, --read-timeout) (after 2 attempts)"
        );
        assert_eq!(
            transport(TransportKind::Deadline).message(),
            "the answer from http://x/api did not complete within 1.5 s (deadline: twice the read timeout, --read-timeout) (after 2 attempts)"
        );
        assert_eq!(
            transport(TransportKind::ConnectTimeout).message(),
            "could not connect to http://x/api within 1.5 s (connect timeout, --connect-timeout) (after 2 attempts)"
        );
    }

    #[test]
    fn each_limit_has_its_own_code_and_words() {
        let codes = [
            (TransportKind::ConnectTimeout, "connect_timeout"),
            (TransportKind::ReadTimeout, "read_timeout"),
            (TransportKind::Deadline, "read_timeout"),
            (
                TransportKind::Budget {
                    per_request: false,
                    sent: true,
                    left: None,
                },
                "time_budget_exceeded",
            ),
        ];
        for (k, code) in codes {
            let e = transport(k);
            assert_eq!(e.code(), code, "{k:?}");
            assert_eq!(e.exit_code(), SERVER, "{k:?}");
        }
        let budget = |per_request, sent| {
            transport(TransportKind::Budget {
                per_request,
                sent,
                left: None,
            })
        };
        assert_eq!(
            budget(false, true).message(),
            "the command's time budget of 1.5 s ran out (--max-time) waiting for http://x/api (after 2 attempts)"
        );
        assert_eq!(
            budget(true, true).message(),
            "the time budget of 1.5 s for this request ran out (--max-time) waiting for http://x/api (after 2 attempts)"
        );
        assert!(budget(false, true).hint().unwrap().contains("--max-time"));
        let too_little = transport(TransportKind::Budget {
            per_request: false,
            sent: true,
            left: Some(Duration::from_secs(20)),
        });
        assert_eq!(
            too_little.message(),
            "the command's time budget of 1.5 s ran out (--max-time) on http://x/api: after the last failed attempt only 20 s were left, too little for another (after 2 attempts)"
        );
        // A budget that ran out before anything was sent leaves no write in doubt.
        assert!(budget(false, true).write_outcome_unknown());
        assert!(!budget(false, false).write_outcome_unknown());
        let renewal = CliError::RenewalRateLimited {
            server: "http://x".into(),
            rejected: true,
        };
        assert_eq!(renewal.exit_code(), AUTH);
        assert_eq!(renewal.code(), "token_renewal_rate_limited");
        assert!(renewal.message().contains("rejected the token"));
        assert!(renewal.message().contains("rate limited"));
        assert!(renewal.hint().unwrap().contains("wait a minute"));
    }
}

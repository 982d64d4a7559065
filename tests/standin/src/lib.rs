//! A local stand-in for the Nebula Commander backend, for `netinvite`'s tests,
//! demo and benchmarks.
//!
//! It implements the invitations API of `shared/api.md`, the network members,
//! users and audit log endpoints (api.md 3.12–3.14), *with the quirks of
//! the real server* (FastAPI-shaped 422s, 500s for rate limits, lazy expiry,
//! case-sensitive duplicate checks, ...), so that a client that passes against
//! it also passes against the real backend. This file is the public, blocking
//! API: [`StandIn`] runs the server on `127.0.0.1` in a background thread with
//! its own tokio runtime and offers direct state access for seeding,
//! observation and fault injection. The HTTP behaviour lives in `server.rs`
//! and `routes.rs`, the data and rules in `state.rs`.
//!
//! With [`Options::oidc`] set, the server runs in OIDC mode (api.md 6): it
//! accepts RS256 tokens whose `kid` is in the issuer's key set and whose
//! `aud` contains the client id, besides its own HS256 tokens; the dev token
//! is gone. The issuer is either an external one (say oidc-provider on
//! loopback) or the stand-in itself, which then serves a small but
//! standards-shaped issuer at `{url}/oidc` (device flow, code + PKCE,
//! rotating refresh tokens): see the `oidc` module.
//!
//! ```no_run
//! use netinvite_standin::{EmbeddedIssuer, Oidc, Options, StandIn};
//!
//! let server = StandIn::start_with(Options {
//!     oidc: Some(Oidc::Embedded(EmbeddedIssuer::default())),
//!     ..Options::default()
//! });
//! let issuer = server.issuer_url().unwrap(); // http://127.0.0.1:PORT/oidc
//! // ... run `netinvite login --device`; once it shows its user code:
//! assert!(server.approve_device("WXYZ-ABCD"));
//! ```
//!
//! ```no_run
//! use netinvite_standin::{InvitationSeed, StandIn};
//!
//! let server = StandIn::start();
//! let lab = server.add_network("lab", "10.42.0.0/16");
//! let seeded = server.add_invitation(InvitationSeed { network_id: lab, ..Default::default() });
//! let token = server.mint_token("dev", Some("dev@localhost"), Some("system-admin"), 3600);
//! // ... run `netinvite` against `server.url()` with `token`, then:
//! assert_eq!(server.invitation(seeded.id).unwrap()["status"], "revoked");
//! assert!(server.requests().iter().all(|r| r.status < 500));
//! ```

mod email;
mod http_client;
mod jwt;
mod oidc;
mod pyjson;
mod ratelimit;
mod routes;
mod server;
mod state;
mod tls;
mod validate;

#[cfg(test)]
mod http_tests;

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use chrono;
use chrono::{NaiveDateTime, TimeDelta};

use crate::pyjson::PyValue;
use crate::server::{ActiveFault, App, lock};
use crate::state::{Invitation, Membership};

/// The subject of the user record that seeded invitations name as their
/// inviter unless [`InvitationSeed::invited_by_sub`] says otherwise. It is
/// deliberately not `dev`, so seeding never creates the dev user's record.
pub const SEED_INVITER_SUB: &str = "seed-admin";
/// That seed user's email.
pub const SEED_INVITER_EMAIL: &str = "admin@example.com";

/// The SMTP situation the server simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Smtp {
    /// SMTP disabled (the backend's default): `email_status` is `not_sent`.
    #[default]
    Off,
    /// SMTP enabled but the relay refuses connections: resends end `failed`.
    Failing,
    /// SMTP enabled and working: resends end `sent`.
    Working,
}

/// Start-up options. Use `..Options::default()` for the rest.
#[derive(Debug, Clone)]
pub struct Options {
    pub smtp: Smtp,
    /// Lifetime of `/api/auth/dev-token` tokens (the backend's default: 24 h).
    pub dev_token_ttl_secs: i64,
    /// Public preview calls allowed per client IP per hour (backend: 30).
    pub preview_limit_per_hour: usize,
    /// Dev-token calls allowed per client IP per minute (backend: 10).
    pub dev_token_limit_per_minute: usize,
    /// How long after a resend its final email result appears; 0 applies it
    /// before the resend answer is even sent (deterministic for tests).
    pub email_result_delay_ms: u64,
    /// `email_error` of a failed send (the text observed on the real server).
    pub smtp_error: String,
    /// Log `METHOD PATH STATUS` per request to stderr.
    pub log_requests: bool,
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Tokio worker threads; 1 runs a single-threaded runtime.
    pub worker_threads: usize,
    /// `None`: standalone (dev-token) mode. Otherwise the issuer whose
    /// tokens the server accepts.
    pub oidc: Option<Oidc>,
    /// Serve HTTPS with this certificate instead of plain HTTP; [`StandIn::url`]
    /// (and the embedded issuer's URL) then start with `https://`.
    pub tls: Option<TlsIdentity>,
    /// Time `GET /api/invitations` spends per *returned* row before it
    /// answers, in microseconds (0: none). The real backend does extra
    /// lookups per row, about 1,300–1,500 µs each (api.md 8), and builds the
    /// whole body before sending, so its time to first byte is its total time.
    pub list_row_cost_us: u64,
    /// Fixed time the list endpoint spends on top of the per-row cost, in
    /// microseconds (the real backend answers a 3-row slice in 5–6 ms).
    pub list_base_cost_us: u64,
}

/// A server certificate (chain) and its private key, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsIdentity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// The OIDC issuer the server trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oidc {
    /// The stand-in is its own issuer at `{url}/oidc`.
    Embedded(EmbeddedIssuer),
    /// Trust an external issuer (e.g. oidc-provider on loopback, plain
    /// http): its keys come from `{issuer}/.well-known/jwks.json`, fetched
    /// once; login and oidc-status read its discovery document.
    External { issuer: String, client_id: String },
}

/// The embedded issuer's settings. Use `..EmbeddedIssuer::default()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedIssuer {
    /// The one registered (public) client; the server trusts this id too.
    pub client_id: String,
    /// The account that signs in (whoever approves, the issuer signs in
    /// this account; see [`StandIn::set_oidc_account`]).
    pub sub: String,
    /// Its email; it appears in tokens when the `email` scope is granted.
    pub email: Option<String>,
    /// Its top-level `system_role` claim (always in ID tokens when set).
    pub system_role: Option<String>,
    pub id_token_ttl_secs: i64,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub device_code_ttl_secs: i64,
    /// The `interval` the device authorization answers; polling faster than
    /// this answers `slow_down`.
    pub device_interval_secs: u64,
    /// `true`: `GET /oidc/auth` redirects straight back with a code.
    /// `false`: it shows a page whose form posts `approve=yes|no` to
    /// `/oidc/auth/decision`.
    pub auto_approve_code_flow: bool,
    /// Put an `at_hash` claim in ID tokens, as Keycloak (and older
    /// oidc-provider versions; not 9.13) does from the token endpoint. The backend's
    /// python-jose rejects such ID tokens (it is never handed the access
    /// token to check the hash against), so this is off by default; turn it
    /// on to reproduce that failure.
    pub id_token_at_hash: bool,
}

impl Default for EmbeddedIssuer {
    fn default() -> Self {
        EmbeddedIssuer {
            client_id: "netinvite".into(),
            sub: "alice".into(),
            email: Some("alice@netinvite.test".into()),
            system_role: Some("system-admin".into()),
            id_token_ttl_secs: 300,
            access_token_ttl_secs: 300,
            refresh_token_ttl_secs: 86_400,
            device_code_ttl_secs: 600,
            device_interval_secs: 1,
            auto_approve_code_flow: true,
            id_token_at_hash: false,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            smtp: Smtp::Off,
            dev_token_ttl_secs: 86_400,
            preview_limit_per_hour: 30,
            dev_token_limit_per_minute: 10,
            email_result_delay_ms: 50,
            smtp_error: "Error connecting to 127.0.0.1 on port 1: [Errno 111] Connection refused"
                .into(),
            log_requests: false,
            port: 0,
            worker_threads: 1,
            oidc: None,
            tls: None,
            list_row_cost_us: 0,
            list_base_cost_us: 0,
        }
    }
}

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// `500 text/plain Internal Server Error`, like an unhandled exception.
    InternalError,
    /// `502` with nginx's HTML error page, like a proxy whose upstream is down.
    HtmlBadGateway,
    /// Waits, then answers normally.
    Delay(Duration),
    /// `200 application/json` whose body is cut off mid-object.
    MalformedJson,
    /// `200` with valid JSON of a shape no endpoint returns.
    WrongShape,
    /// An answer with this status, a plain-text body and, when given, a
    /// `Retry-After` header (seconds or an HTTP date, sent as is), like a
    /// proxy or a server in maintenance. The backend never sees the request.
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    /// `{"detail": detail}` with this status, as the backend's own
    /// `HTTPException` answers (e.g. a 404 `Invitation not found` for an
    /// invitation that vanished between a lookup and a revoke).
    Detail { code: u16, detail: String },
    /// The connection is reset (RST) without an answer; the backend never
    /// sees the request. Logged with status 0.
    ConnectionReset,
    /// The connection is accepted and the request read, then nothing is ever
    /// answered (until the server stops). Logged with status 0 when the
    /// request arrives.
    Stall,
    /// The backend answers, and the headers and the first half of the body
    /// are sent; then the connection goes silent (`Content-Length` promises
    /// the rest). An answer without a body (revoke's 204) arrives whole.
    StallMidBody,
    /// The backend answers, and its body is sent one byte per interval, so
    /// that no single read waits long but the whole answer takes ages.
    Trickle(Duration),
    /// The backend handles the request (a write happens), then the
    /// connection is reset before any of the answer is sent. Logged with the
    /// status the backend chose.
    LostAnswer,
}

/// A fault to apply to requests before the backend logic sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Only this method (e.g. `Some("GET")`); `None` for any.
    pub method: Option<&'static str>,
    /// Applies to raw paths starting with this (e.g. `/api/invitations`).
    pub path_prefix: String,
    pub kind: FaultKind,
    /// How many matching requests it affects; 0 means every one until
    /// [`StandIn::clear_faults`].
    pub times: usize,
}

impl Fault {
    /// A fault for the next matching request of any method.
    pub fn once(kind: FaultKind, path_prefix: &str) -> Fault {
        Fault {
            method: None,
            path_prefix: path_prefix.to_string(),
            kind,
            times: 1,
        }
    }
}

/// One request the server answered (the Authorization value is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path as sent (not percent-decoded).
    pub path: String,
    pub query: Option<String>,
    pub had_authorization: bool,
    /// The status answered (for [`FaultKind::LostAnswer`], the one the
    /// backend chose but never sent); 0 when no handler ran and nothing was
    /// answered ([`FaultKind::ConnectionReset`], [`FaultKind::Stall`]).
    pub status: u16,
}

/// A point in time for seeding: absolute (naive UTC) or relative to now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    At(NaiveDateTime),
    FromNow(TimeDelta),
}

impl When {
    fn resolve(self, now: NaiveDateTime) -> NaiveDateTime {
        match self {
            When::At(t) => state::truncate_micros(t),
            When::FromNow(d) => now.checked_add_signed(d).unwrap_or(now),
        }
    }
}

/// An invitation row to insert directly. Defaults: a pending `member`
/// invitation for `invitee@example.com` to network 1, created now, expiring
/// in 7 days, `not_sent`, invited by [`SEED_INVITER_SUB`].
#[derive(Debug, Clone, PartialEq)]
pub struct InvitationSeed {
    pub email: String,
    pub network_id: i64,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    /// The stored status (`pending`, `accepted`, `revoked`, `expired`).
    pub status: String,
    pub expires_at: When,
    pub created_at: When,
    pub accepted_at: Option<When>,
    pub email_status: String,
    pub email_sent_at: Option<When>,
    pub email_error: Option<String>,
    /// The inviter's user record; created (without email) if missing.
    pub invited_by_sub: Option<String>,
    /// A fixed token instead of a random one.
    pub token: Option<String>,
}

impl Default for InvitationSeed {
    fn default() -> Self {
        InvitationSeed {
            email: "invitee@example.com".into(),
            network_id: 1,
            role: "member".into(),
            can_manage_nodes: false,
            can_invite_users: false,
            can_manage_firewall: false,
            status: "pending".into(),
            expires_at: When::FromNow(TimeDelta::days(7)),
            created_at: When::FromNow(TimeDelta::zero()),
            accepted_at: None,
            email_status: "not_sent".into(),
            email_sent_at: None,
            email_error: None,
            invited_by_sub: None,
            token: None,
        }
    }
}

/// What [`StandIn::add_invitation`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub id: i64,
    pub token: String,
}

/// A member's permission flags, for seeding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberFlags {
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
}

impl MemberFlags {
    /// All three flags set (what a network's creator gets).
    pub fn all() -> MemberFlags {
        MemberFlags {
            can_manage_nodes: true,
            can_invite_users: true,
            can_manage_firewall: true,
        }
    }
}

/// A running stand-in server. Dropping it shuts the server down.
pub struct StandIn {
    app: Arc<App>,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Starts an empty server in dev-token mode with SMTP off.
    ///
    /// # Panics
    /// If no loopback port can be bound (test setup cannot go on then).
    pub fn start() -> StandIn {
        StandIn::start_with(Options::default())
    }

    /// Starts a server with the given options.
    ///
    /// # Panics
    /// If the port cannot be bound; see [`StandIn::try_start_with`].
    pub fn start_with(opts: Options) -> StandIn {
        match StandIn::try_start_with(opts) {
            Ok(s) => s,
            Err(e) => panic!("netinvite-standin could not start: {e}"),
        }
    }

    /// Starts a server, reporting bind/runtime failures. The port is bound
    /// when this returns, so clients may connect at once.
    pub fn try_start_with(opts: Options) -> io::Result<StandIn> {
        let tls = opts.tls.as_ref().map(tls::server_config).transpose()?;
        let listener = std::net::TcpListener::bind(("127.0.0.1", opts.port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let runtime = if opts.worker_threads > 1 {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(opts.worker_threads)
                .enable_all()
                .build()?
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
        };
        let app = Arc::new(App::new(opts, port));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let served = Arc::clone(&app);
        let thread = std::thread::Builder::new()
            .name("netinvite-standin".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            server::serve(listener, served, tls, async {
                                let _ = stop_rx.await;
                            })
                            .await;
                        }
                        Err(e) => eprintln!("netinvite-standin: listener failed: {e}"),
                    }
                });
            })?;
        Ok(StandIn {
            app,
            port,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`Options::tls`]), without a
    /// trailing slash.
    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.app.scheme(), self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates a network (no owner); returns its id.
    pub fn add_network(&self, name: &str, subnet: &str) -> i64 {
        lock(&self.app.db).insert_network(name, subnet, state::now_utc())
    }

    /// Deletes a network row but keeps its invitations, which then render
    /// with `network_name: "Unknown"` and make resend answer 404.
    pub fn delete_network(&self, network_id: i64) -> bool {
        let mut db = lock(&self.app.db);
        db.memberships.retain(|m| m.network_id != network_id);
        db.networks.remove(&network_id).is_some()
    }

    /// Creates (or updates) the user record for `sub`; returns its id.
    pub fn add_user(&self, sub: &str, email: Option<&str>, system_role: &str) -> i64 {
        let mut db = lock(&self.app.db);
        let existing = db.user_by_sub(sub).map(|u| u.id);
        match existing.and_then(|id| db.users.get_mut(&id)) {
            Some(user) => {
                user.email = email.map(str::to_string);
                user.system_role = system_role.to_string();
                user.id
            }
            None => db.insert_user(sub, email, system_role),
        }
    }

    /// Makes `sub` a member of a network, creating a user record without
    /// email (system role `user`) if `sub` has none.
    pub fn add_membership(
        &self,
        network_id: i64,
        sub: &str,
        role: &str,
        can_manage_nodes: bool,
        can_invite_users: bool,
        can_manage_firewall: bool,
    ) {
        let mut db = lock(&self.app.db);
        let user_id = match db.user_by_sub(sub) {
            Some(u) => u.id,
            None => db.insert_user(sub, None, "user"),
        };
        db.upsert_membership(Membership {
            user_id,
            network_id,
            role: role.to_string(),
            can_manage_nodes,
            can_invite_users,
            can_manage_firewall,
            invited_by_user_id: None,
            created_at: state::now_utc(),
        });
    }

    /// Makes `sub` a member of a network with `role` and `flags`, as if a
    /// system admin had added them (`invited_by_user_id: null`); creates the
    /// user record (system role `user`, this `email`) if `sub` has none.
    /// Returns the member's user id. No audit entry is written.
    pub fn add_member(
        &self,
        network_id: i64,
        sub: &str,
        email: Option<&str>,
        role: &str,
        flags: MemberFlags,
    ) -> i64 {
        self.seed_member(network_id, sub, email, role, flags, None)
    }

    /// [`StandIn::add_member`] with `inviter_sub`'s record (which must
    /// exist; `None` otherwise) as `invited_by_user_id`, as an accepted
    /// invitation of theirs leaves it.
    pub fn add_member_invited_by(
        &self,
        network_id: i64,
        sub: &str,
        email: Option<&str>,
        role: &str,
        flags: MemberFlags,
        inviter_sub: &str,
    ) -> Option<i64> {
        let inviter = self.user_id(inviter_sub)?;
        Some(self.seed_member(network_id, sub, email, role, flags, Some(inviter)))
    }

    fn seed_member(
        &self,
        network_id: i64,
        sub: &str,
        email: Option<&str>,
        role: &str,
        flags: MemberFlags,
        invited_by_user_id: Option<i64>,
    ) -> i64 {
        let mut db = lock(&self.app.db);
        let user_id = match db.user_by_sub(sub) {
            Some(u) => u.id,
            None => db.insert_user(sub, email, "user"),
        };
        db.upsert_membership(Membership {
            user_id,
            network_id,
            role: role.to_string(),
            can_manage_nodes: flags.can_manage_nodes,
            can_invite_users: flags.can_invite_users,
            can_manage_firewall: flags.can_manage_firewall,
            invited_by_user_id,
            created_at: state::now_utc(),
        });
        user_id
    }

    /// Creates a network whose owner is `owner_sub` (its user record is
    /// created, system role `user`, if missing), as if they had created it
    /// with `POST /api/networks`: owner with every flag, invited by nobody.
    /// Returns the network id. No audit entry is written.
    pub fn add_network_owned_by(
        &self,
        name: &str,
        subnet: &str,
        owner_sub: &str,
        owner_email: Option<&str>,
    ) -> i64 {
        let network_id = self.add_network(name, subnet);
        self.add_member(
            network_id,
            owner_sub,
            owner_email,
            "owner",
            MemberFlags::all(),
        );
        network_id
    }

    /// The user id of `sub`'s record, if it has one.
    pub fn user_id(&self, sub: &str) -> Option<i64> {
        lock(&self.app.db).user_by_sub(sub).map(|u| u.id)
    }

    /// The network's members as `GET /api/networks/{id}/users` renders them,
    /// in the server's (insertion) order.
    pub fn members(&self, network_id: i64) -> Vec<serde_json::Value> {
        let db = lock(&self.app.db);
        db.members(network_id)
            .iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .collect()
    }

    /// The whole audit log as `GET /api/audit` renders it, newest first.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        let db = lock(&self.app.db);
        let mut rows: Vec<&state::AuditEntry> = db.audit.iter().collect();
        rows.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.cmp(&b.id)));
        rows.into_iter()
            .filter_map(|e| serde_json::to_value(e.view()).ok())
            .collect()
    }

    /// Appends `count` audit entries as a server in use would hold them: a
    /// mix of every action this API writes, by a few actors, from a few
    /// addresses, one minute apart and all older than anything written
    /// afterwards. For benchmarks of clients that page through the log.
    pub fn seed_audit(&self, count: usize) {
        const ACTIONS: [(&str, &str); 8] = [
            ("invitation_created", "invitation"),
            ("invitation_accepted", "invitation"),
            ("invitation_resend", "invitation"),
            ("invitation_deleted", "invitation"),
            ("network_permission_added", "network"),
            ("network_permission_updated", "network"),
            ("network_permission_removed", "network"),
            ("network_created", "network"),
        ];
        const ACTORS: [(&str, &str); 3] = [
            ("seed-admin", SEED_INVITER_EMAIL),
            ("seed-owner", "owner@example.com"),
            ("seed-inviter", "inviter@example.com"),
        ];
        let now = state::now_utc();
        let mut db = lock(&self.app.db);
        let actors: Vec<(i64, &str)> = ACTORS
            .iter()
            .map(|(sub, email)| {
                let id = match db.user_by_sub(sub) {
                    Some(u) => u.id,
                    None => db.insert_user(sub, Some(email), "user"),
                };
                (id, *email)
            })
            .collect();
        for i in 0..count {
            let (action, resource_type) = ACTIONS[i % ACTIONS.len()];
            let (actor_id, actor_email) = actors[i % actors.len()];
            let network_id = (i % 5) as i64 + 1;
            let age = TimeDelta::minutes(i64::try_from(count - i).unwrap_or(i64::MAX / 120));
            let (resource_id, details) = match resource_type {
                "invitation" => {
                    let details = (action == "invitation_created").then(|| {
                        state::py_dumps_details(&[
                            (
                                "email",
                                state::DetailValue::Str(&format!("person{i:05}@example.com")),
                            ),
                            ("network_id", state::DetailValue::Int(network_id)),
                        ])
                    });
                    (i as i64 + 1, details)
                }
                _ if action == "network_created" => (network_id, None),
                _ => (
                    network_id,
                    Some(state::py_dumps_details(&[(
                        "target_user_id",
                        state::DetailValue::Int((i % 40) as i64 + 10),
                    )])),
                ),
            };
            db.record_audit(state::AuditEntry {
                id: 0,
                occurred_at: now - age,
                action: action.into(),
                actor_user_id: Some(actor_id),
                actor_identifier: Some(actor_email.into()),
                actor_email: Some(actor_email.into()),
                resource_type: Some(resource_type.into()),
                resource_id: Some(resource_id),
                result: "success".into(),
                details,
                client_ip: Some(format!("10.0.0.{}", i % 4 + 1)),
            });
        }
    }

    /// The write requests (POST, PUT, PATCH, DELETE) answered so far, oldest
    /// first: what a dry run or a no-op plan must leave empty.
    pub fn writes(&self) -> Vec<Request> {
        lock(&self.app.log)
            .iter()
            .filter(|r| matches!(r.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
            .cloned()
            .collect()
    }

    /// Inserts an invitation row as given (no validation, any status).
    pub fn add_invitation(&self, seed: InvitationSeed) -> Seeded {
        let now = state::now_utc();
        let mut db = lock(&self.app.db);
        let inviter_sub = seed.invited_by_sub.as_deref().unwrap_or(SEED_INVITER_SUB);
        let invited_by_user_id = match db.user_by_sub(inviter_sub) {
            Some(u) => u.id,
            None if seed.invited_by_sub.is_none() => {
                db.insert_user(SEED_INVITER_SUB, Some(SEED_INVITER_EMAIL), "system-admin")
            }
            None => db.insert_user(inviter_sub, None, "user"),
        };
        let token = seed.token.unwrap_or_else(routes::new_token);
        let id = db.insert_invitation(Invitation {
            id: 0,
            email: seed.email,
            network_id: seed.network_id,
            invited_by_user_id,
            token: token.clone(),
            role: seed.role,
            can_manage_nodes: seed.can_manage_nodes,
            can_invite_users: seed.can_invite_users,
            can_manage_firewall: seed.can_manage_firewall,
            status: seed.status,
            expires_at: seed.expires_at.resolve(now),
            accepted_at: seed.accepted_at.map(|w| w.resolve(now)),
            created_at: seed.created_at.resolve(now),
            email_status: seed.email_status,
            email_sent_at: seed.email_sent_at.map(|w| w.resolve(now)),
            email_error: seed.email_error,
        });
        Seeded { id, token }
    }

    /// A token signed with this server's secret: `sub`, `email` (if any),
    /// `role` and `system_role` (if any), `exp` = now + `ttl_secs` (negative
    /// for an already expired token).
    pub fn mint_token(
        &self,
        sub: &str,
        email: Option<&str>,
        system_role: Option<&str>,
        ttl_secs: i64,
    ) -> String {
        let mut claims = vec![("sub", PyValue::Str(sub.to_string()))];
        if let Some(e) = email {
            claims.push(("email", PyValue::Str(e.to_string())));
        }
        if let Some(r) = system_role {
            claims.push(("role", PyValue::Str(r.to_string())));
            claims.push(("system_role", PyValue::Str(r.to_string())));
        }
        let exp = state::now_utc().and_utc().timestamp() + ttl_secs;
        claims.push(("exp", PyValue::Int(exp)));
        self.app.verifier.sign(&claims)
    }

    /// Gives the server a new signing secret, as a restart with a new secret would:
    /// every token issued before is refused from now on.
    pub fn rotate_secret(&self) {
        let secret: [u8; 32] = rand::random();
        self.app.verifier.rotate(secret.to_vec());
    }

    /// Signs arbitrary claims (an object) with this server's secret, for
    /// tokens `mint_token` cannot express (no `sub`, no `exp`, odd types).
    pub fn sign_claims(&self, claims: &serde_json::Value) -> String {
        let pairs: Vec<(String, PyValue)> = match claims {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), from_serde(v)))
                .collect(),
            _ => Vec::new(),
        };
        let borrowed: Vec<(&str, PyValue)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.app.verifier.sign(&borrowed)
    }

    /// Switches the simulated SMTP situation.
    pub fn set_smtp(&self, smtp: Smtp) {
        *lock(&self.app.smtp) = smtp;
    }

    /// Adds a fault; the first matching fault (in insertion order) applies.
    pub fn inject(&self, fault: Fault) {
        let remaining = (fault.times > 0).then_some(fault.times);
        lock(&self.app.faults).push(ActiveFault { fault, remaining });
    }

    pub fn clear_faults(&self) {
        lock(&self.app.faults).clear();
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.app.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.app.log).clear();
    }

    /// An invitation as the list endpoint renders it right now.
    pub fn invitation(&self, id: i64) -> Option<serde_json::Value> {
        let db = lock(&self.app.db);
        let inv = db.invitations.get(&id)?;
        serde_json::to_value(db.view(inv, None)).ok()
    }

    /// Whether `sub`'s user record holds a membership of the network.
    pub fn is_member(&self, network_id: i64, sub: &str) -> bool {
        let db = lock(&self.app.db);
        db.user_by_sub(sub)
            .is_some_and(|u| db.membership(u.id, network_id).is_some())
    }

    /// Forgets all rate-limit history.
    pub fn reset_rate_limits(&self) {
        lock(&self.app.limiter).reset();
    }

    /// The issuer the server trusts: `http://127.0.0.1:PORT/oidc` for the
    /// embedded one, the configured URL for an external one, `None` in
    /// standalone mode.
    pub fn issuer_url(&self) -> Option<String> {
        if let Some(issuer) = &self.app.issuer {
            return Some(issuer.url().to_string());
        }
        self.app.oidc.as_ref().map(|o| o.issuer().to_string())
    }

    /// An ID token signed with the embedded issuer's key (header `kid`
    /// included): `iss` = this server's `/oidc`, `sub`, `email` (with
    /// `email_verified`), `system_role`, `aud` (none if `None`), `iat`, and
    /// `exp` = now + `ttl_secs` (negative for an expired one). Works in any
    /// mode; the server accepts it only with the embedded issuer (or an
    /// external one that serves the same key).
    pub fn mint_oidc_id_token(
        &self,
        sub: &str,
        email: Option<&str>,
        system_role: Option<&str>,
        aud: Option<&str>,
        ttl_secs: i64,
    ) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = serde_json::json!({
            "iss": format!("{}/oidc", self.url()),
            "sub": sub,
            "iat": now,
            "exp": now.saturating_add(ttl_secs),
        });
        if let Some(a) = aud {
            claims["aud"] = serde_json::json!(a);
        }
        if let Some(e) = email {
            claims["email"] = serde_json::json!(e);
            claims["email_verified"] = serde_json::json!(true);
        }
        if let Some(r) = system_role {
            claims["system_role"] = serde_json::json!(r);
        }
        oidc::keys::embedded().sign_jwt(&claims, true)
    }

    /// Signs arbitrary claims with the embedded issuer's key (RS256, its
    /// `kid` in the header), for tokens `mint_oidc_id_token` cannot express.
    pub fn sign_oidc_claims(&self, claims: &serde_json::Value) -> String {
        oidc::keys::embedded().sign_jwt(claims, true)
    }

    /// Approves a pending device authorization, as the user would on the
    /// verification page. False if the code is unknown, expired or already
    /// decided (or there is no embedded issuer).
    pub fn approve_device(&self, user_code: &str) -> bool {
        self.app
            .issuer
            .as_ref()
            .is_some_and(|i| i.decide_device(user_code, true))
    }

    /// Denies a pending device authorization; polling then answers
    /// `access_denied`.
    pub fn deny_device(&self, user_code: &str) -> bool {
        self.app
            .issuer
            .as_ref()
            .is_some_and(|i| i.decide_device(user_code, false))
    }

    /// Makes the authorization endpoint redirect with
    /// `error=access_denied`, as if the user had refused.
    pub fn set_code_flow_denied(&self, denied: bool) {
        if let Some(issuer) = &self.app.issuer {
            issuer.set_code_flow_denied(denied);
        }
    }

    /// Changes the account the embedded issuer signs in from now on
    /// (existing grants keep theirs).
    pub fn set_oidc_account(&self, sub: &str, email: Option<&str>, system_role: Option<&str>) {
        if let Some(issuer) = &self.app.issuer {
            issuer.set_account(oidc::issuer::Account {
                sub: sub.to_string(),
                email: email.map(str::to_string),
                system_role: system_role.map(str::to_string),
            });
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn from_serde(v: &serde_json::Value) -> PyValue {
    match v {
        serde_json::Value::Null => PyValue::Null,
        serde_json::Value::Bool(b) => PyValue::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => PyValue::Int(i),
            None => PyValue::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => PyValue::Str(s.clone()),
        serde_json::Value::Array(items) => PyValue::List(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(map) => PyValue::Dict(
            map.iter()
                .map(|(k, v)| (k.clone(), from_serde(v)))
                .collect(),
        ),
    }
}

/// Records the outcome of a resend's background email: after the configured
/// delay (or at once for 0) the invitation shows `sent` or `failed`.
pub(crate) fn schedule_email_outcome(app: &Arc<App>, id: i64, smtp: Smtp) {
    let apply = move |app: &App| {
        let mut db = lock(&app.db);
        let Some(inv) = db.invitations.get_mut(&id) else {
            return;
        };
        match smtp {
            Smtp::Working => {
                inv.email_status = "sent".into();
                inv.email_sent_at = Some(state::now_utc());
                inv.email_error = None;
            }
            Smtp::Failing => {
                inv.email_status = "failed".into();
                inv.email_error = Some(app.opts.smtp_error.chars().take(512).collect());
            }
            Smtp::Off => {}
        }
    };
    let delay = app.opts.email_result_delay_ms;
    if delay == 0 {
        apply(app);
    } else {
        let app = Arc::clone(app);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            apply(&app);
        });
    }
}

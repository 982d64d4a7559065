//! The Nebula Commander HTTP client: one method per endpoint, typed answers, typed errors.
//!
//! It knows HTTP and the server's quirks (api.md) and nothing of terminals: it never prints
//! and never prompts. What a caller may want to log (method, redacted URL, status, timing,
//! each attempt and why it is retried) is handed to an optional observer.
//!
//! Every request goes through `Client::send`, which applies the retry and timeout policy of
//! the request's kind (`retry.rs`) within the time budget (`budget.rs`): call sites never
//! retry on their own, and no command needs to do anything to be bounded in time.

pub mod budget;
pub mod error;
pub mod list_rows;
pub mod models;
pub mod retry;
pub mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::{StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

pub use budget::Budget;
use error::TransportKind;
pub use error::{ApiError, Detail, KnownDetail, Subject, ValidationItem};
use models::*;
/// For building a [`RawRequest`] without naming the HTTP library.
pub use reqwest::Method;
pub use reqwest::header::{HeaderName, HeaderValue};
use retry::{Decision, Failure, GiveUp, WaitCause};
pub use retry::{Kind, Timeouts};
pub use transport::NetConfig;

use crate::secret::Secret;

/// One finished attempt, for `-v`. The URL never holds a secret: invitation tokens in
/// paths are replaced by `<token>` before it is built.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub method: &'static str,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed: Duration,
    pub bytes: Option<usize>,
    /// This attempt's number and the most this request may make (0 when not counted,
    /// e.g. the identity provider's requests).
    pub attempt: u32,
    pub max_attempts: u32,
    /// How the attempt failed without a (whole) answer.
    pub failure: Option<AttemptFailure>,
    /// What happens next when the attempt did not succeed.
    pub next: Option<Next>,
}

/// How an attempt failed without a whole answer, for `-v`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptFailure {
    pub kind: TransportKind,
    pub after: Option<Duration>,
}

/// The retry decision after a failed attempt, for `-v`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Attempt `attempt` of `of` follows after `wait`.
    Retry {
        attempt: u32,
        of: u32,
        wait: Duration,
        cause: WaitCause,
    },
    /// No further attempt, and why (only reasons worth telling are reported).
    GiveUp(GiveUp),
}

pub type Observer = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// Filters the list endpoint understands. The server's parameter is `status_filter`
/// (`status` is silently ignored) and it matches the *stored* status exactly.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub network_id: Option<i64>,
    pub status_filter: Option<&'static str>,
}

/// The most entries one `GET /api/audit` returns (a larger `limit` is a 422).
pub const AUDIT_PAGE: u32 = 200;

/// One page request of the audit log. The server filters by action and date only (not
/// by object or actor): everything else is filtered by the caller.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub limit: u32,
    pub offset: u64,
    pub action: Option<String>,
    /// ISO 8601 date or datetime.
    pub from_date: Option<String>,
}

/// A client bound to one server. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    bearer: Option<Secret>,
    observer: Option<Observer>,
    net: NetConfig,
    timeouts: Timeouts,
    budget: Budget,
}

/// One request to send: what it is (for retries, timeouts and error wording) and where.
struct Call<'a> {
    method: Method,
    path: &'a str,
    /// The path as shown in `-v` and errors, when `path` holds a secret.
    shown_path: Option<&'a str>,
    params: &'a [(&'a str, String)],
    body: Option<bytes::Bytes>,
    kind: Kind,
    subject: Subject,
    /// Extra headers (`netinvite api -H`); an `Authorization` among them replaces the
    /// bearer, a `Content-Type` the default one.
    headers: &'a [(header::HeaderName, header::HeaderValue)],
}

impl<'a> Call<'a> {
    /// A GET of `path`; the other fields by struct update.
    fn new(path: &'a str, kind: Kind) -> Self {
        Call {
            method: Method::GET,
            path,
            shown_path: None,
            params: &[],
            body: None,
            kind,
            subject: Subject::None,
            headers: &[],
        }
    }
}

impl Client {
    /// A client for `base` (`https://host[:port][/prefix]`, no trailing slash needed),
    /// trusting and proxying as `net` says.
    pub fn new(
        base: &Url,
        net: &NetConfig,
        observer: Option<Observer>,
        timeouts: Timeouts,
    ) -> Result<Self, ApiError> {
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        // Root certificates are only loaded for https: reading the system store costs
        // more than the whole request on loopback.
        let https = base.scheme() == "https";
        // Read timeouts and deadlines differ per request kind, so they are applied per
        // attempt in `attempt`; only the connect timeout belongs to the connector.
        let builder = reqwest::Client::builder()
            .user_agent(concat!("netinvite/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeouts.effective_connect())
            // The backend answers a trailing slash with a 307 to a plain-http URL; never
            // follow a redirect, least of all an https → http downgrade.
            .redirect(reqwest::redirect::Policy::none())
            .http1_only();
        let http = net
            .apply(builder, https)
            .build()
            .map_err(|e| ApiError::Transport {
                url: base.to_string(),
                message: error::chain(&e),
                kind: TransportKind::Other,
                after: None,
                attempts: 1,
            })?;
        Ok(Self {
            base,
            http,
            bearer: None,
            observer,
            net: net.clone(),
            timeouts,
            budget: Budget::command(timeouts.max_time),
        })
    }

    /// The same client counting its command budget in `shared`, with the other clients
    /// of the same command.
    pub fn sharing_budget(self, shared: &budget::Shared) -> Self {
        Self {
            budget: Budget::command_sharing(self.timeouts.max_time, shared),
            ..self
        }
    }

    /// The same client (and its clones) giving each request a budget of its own instead
    /// of sharing the command's: for batches, whose length depends on their input.
    pub fn per_request_budget(&self) -> Self {
        Self {
            budget: self.budget.per_request(),
            ..self.clone()
        }
    }

    /// The time budget this client's requests run in.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The trust and proxy settings this client was built with, for the identity
    /// provider's client: it may sit behind the same private CA.
    pub fn net(&self) -> &NetConfig {
        &self.net
    }

    /// The same client, sending `token` as the bearer.
    pub fn with_bearer(&self, token: Secret) -> Self {
        Self {
            bearer: Some(token),
            ..self.clone()
        }
    }

    /// The timeouts this client applies.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// `GET /api` — is this a Nebula Commander backend, and which version.
    pub async fn server_info(&self) -> Result<ServerInfo, ApiError> {
        self.get_json(Call::new("api", Kind::Read)).await
    }

    /// `GET /api/auth/oidc-status` — `disabled` means dev-token mode.
    pub async fn oidc_status(&self) -> Result<OidcStatus, ApiError> {
        self.get_json(Call::new("api/auth/oidc-status", Kind::Read))
            .await
    }

    /// `GET /api/auth/me` — never 401; `authenticated:false` means the token is refused.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get_json(Call::new("api/auth/me", Kind::Read)).await
    }

    /// `GET /api/auth/dev-token` — only on servers without OIDC; rate limited (10/min/IP).
    pub async fn dev_token(&self) -> Result<DevToken, ApiError> {
        self.get_json(Call::new("api/auth/dev-token", Kind::RateLimited))
            .await
    }

    /// `GET /api/networks` — also creates the caller's user record on the server.
    pub async fn networks(&self) -> Result<Vec<Network>, ApiError> {
        self.get_json(Call::new("api/networks", Kind::Read)).await
    }

    /// `GET /api/invitations` — everything in one answer, newest first.
    pub async fn invitations(&self, q: &ListQuery) -> Result<Vec<Invitation>, ApiError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(id) = q.network_id {
            params.push(("network_id", id.to_string()));
        }
        if let Some(s) = q.status_filter {
            params.push(("status_filter", s.to_string()));
        }
        self.get_json(Call {
            params: &params,
            ..Call::new("api/invitations", Kind::List)
        })
        .await
    }

    /// `GET /api/invitations`, the body as received: for large listings, decoded in
    /// place by [`ListBody::rows`] instead of into owned invitations.
    pub async fn invitations_body(&self, q: &ListQuery) -> Result<ListBody, ApiError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(id) = q.network_id {
            params.push(("network_id", id.to_string()));
        }
        if let Some(s) = q.status_filter {
            params.push(("status_filter", s.to_string()));
        }
        let resp = self
            .send(Call {
                params: &params,
                ..Call::new("api/invitations", Kind::List)
            })
            .await?;
        Ok(ListBody { resp })
    }

    /// `POST /api/invitations` — answers 200 with the new invitation.
    pub async fn create_invitation(&self, body: &NewInvitation) -> Result<Invitation, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Decode {
            url: self.display_url("api/invitations"),
            status: 0,
            message: e.to_string(),
        })?;
        let resp = self
            .send(Call {
                method: Method::POST,
                body: Some(bytes.into()),
                ..Call::new("api/invitations", Kind::Write)
            })
            .await?;
        decode(resp)
    }

    /// `GET /api/invitations/public/{token}` — no sign-in; rate limited to 30/hour/IP.
    pub async fn public_invitation(&self, token: &str) -> Result<PublicInvitation, ApiError> {
        let path = format!("api/invitations/public/{}", path_segment(token));
        self.get_json(Call {
            shown_path: Some("api/invitations/public/<token>"),
            subject: Subject::Link,
            ..Call::new(&path, Kind::RateLimited)
        })
        .await
    }

    /// `POST /api/invitations/{token}/accept`.
    pub async fn accept(&self, token: &str) -> Result<AcceptOutcome, ApiError> {
        let path = format!("api/invitations/{}/accept", path_segment(token));
        let resp = self
            .send(Call {
                method: Method::POST,
                shown_path: Some("api/invitations/<token>/accept"),
                subject: Subject::Link,
                ..Call::new(&path, Kind::Write)
            })
            .await?;
        decode(resp)
    }

    /// `POST /api/invitations/{id}/resend` — sends an email, so it is never repeated.
    pub async fn resend(&self, id: i64) -> Result<Invitation, ApiError> {
        let path = format!("api/invitations/{id}/resend");
        let resp = self
            .send(Call {
                method: Method::POST,
                subject: Subject::Invitation(id),
                ..Call::new(&path, Kind::Resend)
            })
            .await?;
        decode(resp)
    }

    /// `DELETE /api/invitations/{id}` — 204 with an empty body, whatever the status was.
    pub async fn revoke(&self, id: i64) -> Result<(), ApiError> {
        let path = format!("api/invitations/{id}");
        self.send(Call {
            method: Method::DELETE,
            subject: Subject::Invitation(id),
            ..Call::new(&path, Kind::Write)
        })
        .await?;
        Ok(())
    }

    /// `GET /api/networks/{id}/users` — network owners and system admins only; unordered.
    pub async fn members(&self, network_id: i64) -> Result<Vec<Member>, ApiError> {
        let path = format!("api/networks/{network_id}/users");
        self.get_json(Call::new(&path, Kind::Read)).await
    }

    /// `POST /api/networks/{id}/users` — makes an existing account a member.
    pub async fn add_member(&self, network_id: i64, body: &NewMember) -> Result<Member, ApiError> {
        let path = format!("api/networks/{network_id}/users");
        self.write_json(Method::POST, &path, body).await
    }

    /// `PATCH /api/networks/{id}/users/{user_id}` — omitted fields stay as they are.
    pub async fn update_member(
        &self,
        network_id: i64,
        user_id: i64,
        change: &MemberChange,
    ) -> Result<Member, ApiError> {
        let path = format!("api/networks/{network_id}/users/{user_id}");
        self.write_json(Method::PATCH, &path, change).await
    }

    /// `DELETE /api/networks/{id}/users/{user_id}` — 204; the member's invitation stays
    /// `accepted`.
    pub async fn remove_member(&self, network_id: i64, user_id: i64) -> Result<(), ApiError> {
        let path = format!("api/networks/{network_id}/users/{user_id}");
        self.send(Call {
            method: Method::DELETE,
            ..Call::new(&path, Kind::Write)
        })
        .await?;
        Ok(())
    }

    /// `GET /api/users` — every account, newest first (system admins only).
    pub async fn users(&self) -> Result<Vec<UserRecord>, ApiError> {
        self.get_json(Call::new("api/users", Kind::Read)).await
    }

    /// `GET /api/audit` — one page of the audit log, newest first (system admins only).
    /// `limit` is 1–200 on the server.
    pub async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, ApiError> {
        let mut params: Vec<(&str, String)> = vec![
            ("limit", q.limit.clamp(1, AUDIT_PAGE).to_string()),
            ("offset", q.offset.to_string()),
        ];
        if let Some(a) = &q.action {
            params.push(("action", a.clone()));
        }
        if let Some(from) = &q.from_date {
            params.push(("from_date", from.clone()));
        }
        self.get_json(Call {
            params: &params,
            ..Call::new("api/audit", Kind::Read)
        })
        .await
    }

    /// A JSON write (POST, PATCH) of `body` to `path`, decoding the answer.
    async fn write_json<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Decode {
            url: self.display_url(path),
            status: 0,
            message: e.to_string(),
        })?;
        let resp = self
            .send(Call {
                method,
                body: Some(bytes.into()),
                ..Call::new(path, Kind::Write)
            })
            .await?;
        decode(resp)
    }

    /// `GET /api/auth/login`: on an OIDC server, a redirect to the identity provider's
    /// authorization endpoint carrying the server's `client_id`. The redirect is read,
    /// not followed.
    pub async fn login_redirect(&self) -> Result<Option<String>, ApiError> {
        match self.send(Call::new("api/auth/login", Kind::Read)).await {
            Ok(_) => Ok(None),
            Err(ApiError::Status {
                status: 300..=399,
                location,
                ..
            }) => Ok(location),
            Err(e) => Err(e),
        }
    }

    /// The server's clock, from the `Date` header of `GET /api/health`.
    pub async fn server_date(&self) -> Result<Option<String>, ApiError> {
        let resp = self.send(Call::new("api/health", Kind::Read)).await?;
        Ok(resp.date)
    }

    /// Any request on this server, for `netinvite api`: the answer whatever its status
    /// (an error answer's body is cut at [`ERROR_BODY_LIMIT`]); only a failure without
    /// an answer is an error. A GET (or HEAD) follows the retry policy of reads (that of
    /// the list, with its longer read timeout, for `api/invitations`); any other method
    /// that of writes, so it is sent again only when the connection could not be opened.
    pub async fn raw(&self, req: &RawRequest) -> Result<RawAnswer, ApiError> {
        let params: Vec<(&str, String)> = req
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let kind = match req.method {
            Method::GET | Method::HEAD if req.path == "api/invitations" => Kind::List,
            Method::GET | Method::HEAD => Kind::Read,
            _ => Kind::Write,
        };
        let sent = self
            .send(Call {
                method: req.method.clone(),
                params: &params,
                body: req.body.clone(),
                headers: &req.headers,
                ..Call::new(&req.path, kind)
            })
            .await;
        match sent {
            Ok(resp) => Ok(RawAnswer {
                status: resp.status.as_u16(),
                is_json: resp.is_json,
                body: resp.body,
            }),
            Err(ApiError::Status { status, body, .. }) => Ok(RawAnswer {
                status,
                is_json: body.is_json,
                body: body.bytes,
            }),
            Err(e) => Err(e),
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ApiError> {
        let resp = self.send(call).await?;
        decode(resp)
    }

    fn display_url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends one request, with the retries [`retry::decide`] allows for its kind, and
    /// turns any non-2xx final answer into an [`ApiError`].
    async fn send(&self, call: Call<'_>) -> Result<Response, ApiError> {
        let mut url = self.base.join(call.path).map_err(|e| ApiError::Transport {
            url: self.display_url(call.path),
            message: e.to_string(),
            kind: TransportKind::Other,
            after: None,
            attempts: 1,
        })?;
        if !call.params.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.params.iter().map(|(k, v)| (*k, v)));
        }
        let mut shown = self.display_url(call.shown_path.unwrap_or(call.path));
        if let Some(q) = url.query() {
            shown.push('?');
            shown.push_str(q);
        }
        let max = call.kind.max_attempts();
        let mut timed_out_before = false;
        let mut attempt = 1;
        let meter = self.budget.start();
        // Whether an attempt of this request may have reached the server.
        let mut sent = false;
        loop {
            let left = meter.left();
            if left.is_zero() {
                // Spent by the command's earlier requests (or an attempt that ended just
                // as it ran out): nothing is sent.
                return Err(self.out_of_time(&shown, sent, attempt - 1, None));
            }
            let limits = self.timeouts.limits(call.kind, left);
            let started = Instant::now();
            let outcome = self.attempt(&call, &url, &shown, &limits).await;
            let mut exchange = Exchange {
                method: method_str(&call.method),
                url: shown.clone(),
                elapsed: started.elapsed(),
                attempt,
                max_attempts: max,
                ..Exchange::default()
            };
            let (failure, mut err) = match outcome {
                Ok(resp) => {
                    exchange.status = Some(resp.status.as_u16());
                    exchange.bytes = Some(resp.body.len());
                    if resp.status.is_success() {
                        self.observe(&exchange);
                        return Ok(resp);
                    }
                    let retry_after = resp
                        .retry_after
                        .as_deref()
                        .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
                    let failure = Failure::Status {
                        code: resp.status.as_u16(),
                        retry_after,
                    };
                    let mut e = ApiError::from_status(
                        resp.url,
                        resp.status.as_u16(),
                        resp.is_json,
                        &resp.body,
                        resp.www_authenticate,
                        resp.location,
                    );
                    if let ApiError::Status {
                        retry_after: r,
                        subject,
                        ..
                    } = &mut e
                    {
                        *r = retry_after;
                        *subject = call.subject;
                    }
                    (failure, e)
                }
                Err(e) => {
                    let (kind, after) = match &e {
                        ApiError::Transport { kind, after, .. } => (*kind, *after),
                        _ => (TransportKind::Other, None),
                    };
                    exchange.failure = Some(AttemptFailure { kind, after });
                    let failure = match kind {
                        TransportKind::Connect => Failure::Connect,
                        TransportKind::ConnectTimeout => Failure::ConnectTimeout,
                        TransportKind::Dropped => Failure::Dropped,
                        TransportKind::ReadTimeout => Failure::ReadTimeout,
                        TransportKind::Deadline => Failure::Deadline,
                        // A certificate problem does not go away by asking again, and
                        // nothing is left of the budget.
                        TransportKind::Other
                        | TransportKind::Tls(_)
                        | TransportKind::Budget { .. } => Failure::Other,
                    };
                    (failure, e)
                }
            };
            sent |= failure.may_have_been_sent();
            let left = meter.left();
            let decision = retry::within_budget(
                retry::decide(
                    call.kind,
                    attempt,
                    failure,
                    timed_out_before,
                    retry::jitter(),
                ),
                left,
                retry::useful_attempt(&self.timeouts, call.kind, failure),
            );
            if decision == Decision::GiveUp(GiveUp::Budget) {
                err = self.out_of_time(&shown, sent, attempt, Some(left));
            }
            err.set_attempts(attempt);
            match decision {
                Decision::Retry { wait, cause } => {
                    exchange.next = Some(Next::Retry {
                        attempt: attempt + 1,
                        of: max,
                        wait,
                        cause,
                    });
                    self.observe(&exchange);
                    timed_out_before |= matches!(
                        failure,
                        Failure::ReadTimeout | Failure::Deadline | Failure::ConnectTimeout
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Decision::GiveUp(why) => {
                    if why != GiveUp::Final {
                        exchange.next = Some(Next::GiveUp(why));
                    }
                    self.observe(&exchange);
                    return Err(err);
                }
            }
        }
    }

    /// The error for a request whose time budget ran out.
    /// `left`: what remained when a retry was not started for lack of it.
    fn out_of_time(
        &self,
        shown: &str,
        sent: bool,
        attempts: u32,
        left: Option<Duration>,
    ) -> ApiError {
        ApiError::Transport {
            url: shown.to_string(),
            message: String::new(),
            kind: TransportKind::Budget {
                per_request: self.budget.scope() == budget::Scope::Request,
                sent,
                left,
            },
            after: Some(self.budget.limit()),
            attempts: attempts.max(1),
        }
    }

    /// One attempt: the request, then the answer read to its end, within the kind's read
    /// timeout (silence before or within the answer) and deadline (the whole attempt), each
    /// cut to what is left of the budget (`limits`). A timer the budget cut reports the
    /// budget, so that the error names the limit that really ended the request.
    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
        shown: &str,
        limits: &retry::AttemptLimits,
    ) -> Result<Response, ApiError> {
        let read = limits.read;
        let deadline = limits.whole;
        let timed_out = |kind, after| ApiError::Transport {
            url: shown.to_string(),
            message: String::new(),
            kind,
            after: Some(after),
            attempts: 1,
        };
        let read_timed_out = || {
            if limits.read_by_budget {
                self.out_of_time(shown, true, 1, None)
            } else {
                timed_out(TransportKind::ReadTimeout, read)
            }
        };
        let work = async {
            let mut req = self.http.request(call.method.clone(), url.clone());
            let given = |name| call.headers.iter().any(|(n, _)| *n == name);
            if let Some(token) = &self.bearer
                && !given(header::AUTHORIZATION)
            {
                req = req.header(header::AUTHORIZATION, format!("Bearer {}", token.expose()));
            }
            for (name, value) in call.headers {
                req = req.header(name.clone(), value.clone());
            }
            if let Some(body) = &call.body {
                // Without this exact content type the server does not parse the body (422).
                if !given(header::CONTENT_TYPE) {
                    req = req.header(header::CONTENT_TYPE, "application/json");
                }
                req = req.body(body.clone());
            }
            let connect = self.timeouts.effective_connect();
            let mut resp = match tokio::time::timeout(read, req.send()).await {
                Err(_) => return Err(read_timed_out()),
                Ok(Err(e)) => return Err(ApiError::transport(shown, &e, connect)),
                Ok(Ok(r)) => r,
            };
            let header = |name| {
                resp.headers()
                    .get(name)
                    .and_then(|v: &header::HeaderValue| v.to_str().ok())
                    .map(str::to_owned)
            };
            let status = resp.status();
            let is_json =
                header(header::CONTENT_TYPE).is_some_and(|v| v.starts_with("application/json"));
            let www_authenticate = resp.headers().contains_key(header::WWW_AUTHENTICATE);
            let location = header(header::LOCATION);
            let retry_after = header(header::RETRY_AFTER);
            let date = header(header::DATE);
            // A successful answer over its limit is refused (a cut JSON document cannot be
            // decoded anyway); of an error answer only the start is read.
            let success = status.is_success();
            let limit = if success {
                body_limit(call.path)
            } else {
                ERROR_BODY_LIMIT
            };
            let too_large = || too_large(shown, status.as_u16(), limit);
            if success && resp.content_length().is_some_and(|n| n > limit as u64) {
                return Err(too_large());
            }
            // One buffer sized from Content-Length: collecting chunks and joining them
            // would hold a large listing twice.
            let hint = resp.content_length().unwrap_or(0).min(limit as u64) as usize;
            let mut body = bytes::BytesMut::with_capacity(hint);
            loop {
                match tokio::time::timeout(read, resp.chunk()).await {
                    Err(_) => return Err(read_timed_out()),
                    Ok(Err(e)) => return Err(ApiError::transport(shown, &e, connect)),
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(chunk))) if body.len() + chunk.len() > limit => {
                        if success {
                            return Err(too_large());
                        }
                        body.extend_from_slice(&chunk[..limit - body.len()]);
                        break;
                    }
                    Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
                }
            }
            Ok(Response {
                url: shown.to_string(),
                status,
                is_json,
                body: body.freeze(),
                www_authenticate,
                location,
                retry_after,
                date,
            })
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(r) => r,
            Err(_) if limits.whole_by_budget => Err(self.out_of_time(shown, true, 1, None)),
            Err(_) => Err(timed_out(TransportKind::Deadline, deadline)),
        }
    }

    fn observe(&self, exchange: &Exchange) {
        if let Some(obs) = &self.observer {
            obs(exchange);
        }
    }
}

/// The body of a list answer; see [`Client::invitations_body`].
pub struct ListBody {
    resp: Response,
}

impl ListBody {
    /// Whether the answer is an empty JSON array (told without decoding anything).
    pub fn is_empty_list(&self) -> bool {
        let b = self.resp.body.trim_ascii();
        b.first() == Some(&b'[')
            && b.last() == Some(&b']')
            && b[1..b.len() - 1].trim_ascii().is_empty()
    }

    /// The body as sent when it may be a JSON list, for [`list_rows::scan_wire`]; `None`
    /// when [`ListBody::rows`] would refuse it for not being JSON.
    pub fn json_bytes(&self) -> Option<&[u8]> {
        let r = &self.resp;
        (r.is_json || r.body.first().is_none_or(|b| *b == b'[')).then_some(&r.body[..])
    }

    /// The rows, borrowing from the body.
    pub fn rows(&self) -> Result<Vec<list_rows::Row<'_>>, ApiError> {
        let r = &self.resp;
        if !r.is_json && r.body.first().is_some_and(|b| *b != b'[') {
            return Err(ApiError::Decode {
                url: r.url.clone(),
                status: r.status.as_u16(),
                message: format!(
                    "expected JSON, got {}",
                    error::snippet(&r.body).unwrap_or_else(|| "an empty body".into())
                ),
            });
        }
        list_rows::decode(&r.body).map_err(|message| ApiError::Decode {
            url: r.url.clone(),
            status: r.status.as_u16(),
            message,
        })
    }
}

/// A request for [`Client::raw`].
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: Method,
    /// Relative to the server's base, without a leading slash, e.g. `api/invitations`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(header::HeaderName, header::HeaderValue)>,
    pub body: Option<bytes::Bytes>,
}

impl RawRequest {
    /// Whether the caller sends its own `Authorization` (then a 401 is not renewed).
    pub fn has_authorization(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| *n == header::AUTHORIZATION)
    }
}

/// The answer to a [`RawRequest`], whatever its status.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    pub is_json: bool,
    pub body: bytes::Bytes,
}

impl RawAnswer {
    /// The server's `detail` when the body carries one.
    pub fn detail(&self) -> Detail {
        error::detail_of(self.is_json, &self.body)
    }
}

struct Response {
    url: String,
    status: StatusCode,
    is_json: bool,
    body: bytes::Bytes,
    www_authenticate: bool,
    location: Option<String>,
    retry_after: Option<String>,
    date: Option<String>,
}

fn decode<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    decode_body(resp.url, resp.status.as_u16(), resp.is_json, &resp.body)
}

/// Decodes a 2xx body into `T`: the one place server answers become models, public so
/// that the fuzz targets (fuzz/) reach it without HTTP.
pub fn decode_body<T: DeserializeOwned>(
    url: String,
    status: u16,
    is_json: bool,
    body: &[u8],
) -> Result<T, ApiError> {
    if !is_json && !body.is_empty() && body[0] != b'{' && body[0] != b'[' {
        return Err(ApiError::Decode {
            url,
            status,
            message: format!(
                "expected JSON, got {}",
                error::snippet(body).unwrap_or_else(|| "an empty body".into())
            ),
        });
    }
    serde_json::from_slice(body).map_err(|e| ApiError::Decode {
        url,
        status,
        message: e.to_string(),
    })
}

/// The most netinvite reads of a successful answer. The list endpoint has no pagination
/// (≈ 470 bytes per invitation): 32 MiB is ~70,000 invitations, far past any real
/// deployment, while a runaway or hostile body cannot take the machine's memory.
pub const LIST_BODY_LIMIT: usize = 32 << 20;
/// Every other answer is one small object.
pub const BODY_LIMIT: usize = 1 << 20;
/// Of an error answer only the `detail` (or a snippet of the page) is used; the rest of a
/// longer body is not read.
pub const ERROR_BODY_LIMIT: usize = 64 << 10;

/// The limit for a successful answer of `path`.
pub fn body_limit(path: &str) -> usize {
    match path {
        // Listings without pagination grow with the deployment.
        "api/invitations" | "api/networks" | "api/users" => LIST_BODY_LIMIT,
        p if p.starts_with("api/networks/") && p.ends_with("/users") => LIST_BODY_LIMIT,
        _ => BODY_LIMIT,
    }
}

/// The error for an answer larger than netinvite reads from that endpoint.
fn too_large(url: &str, status: u16, limit: usize) -> ApiError {
    ApiError::Decode {
        url: url.to_string(),
        status,
        message: format!(
            "the answer is larger than {} MiB, the most netinvite reads from this endpoint; refused without reading the rest",
            limit >> 20
        ),
    }
}

fn method_str(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        _ => "REQUEST",
    }
}

/// Invitation tokens are URL-safe base64; anything else is percent-encoded so that a
/// stray character cannot change the path.
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

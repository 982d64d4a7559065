//! HTTP plumbing: the per-request pipeline and Starlette-compatible routing.
//!
//! Axum only provides the HTTP/1.1 server here; every request goes to one
//! fallback handler that reproduces the backend's stack in order:
//!
//! 1. injected faults (a stand-in for a flaky proxy or network in front of the
//!    backend): canned answers, delays, and faults of the connection itself
//!    (reset, stall, lost answer), for which every connection is accepted
//!    through [`FaultListener`] so that a handler can kill its own connection;
//! 2. the rate-limit middleware, which sees every method before routing;
//! 3. with an embedded issuer, paths under `/oidc` go to it (`oidc/endpoints.rs`):
//!    it is a separate service that merely shares the port;
//! 4. Starlette's router: exact match → handler, path match with another method →
//!    405 with the `allow` of the *first* such route, a slash-toggled path that
//!    would match → 307 to an absolute `http://{Host}` URL, else 404;
//! 5. in OIDC mode, the external issuer's key set is fetched if the token
//!    needs it and has not been (the token check itself is synchronous), and
//!    login and oidc-status are answered by `oidc/api.rs`;
//! 6. the handlers in `routes.rs`.
//!
//! Backend responses carry `server: uvicorn`, and all but the plain-text 500s
//! carry `vary: Origin`, as observed; the issuer's carry neither.

use std::future::{Future, IntoFuture};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use chrono::NaiveDateTime;

use crate::jwt::{self, Auth, Verifier};
use crate::oidc::api::BackendOidc;
use crate::oidc::endpoints::{self as issuer_endpoints, IssuerRequest};
use crate::oidc::issuer::Issuer;
use crate::oidc::verify::OidcTrust;
use crate::ratelimit::{Limit, RateLimiter};
use crate::state::{self, Db};
use crate::{Fault, FaultKind, Oidc, Options, Request, Smtp, routes};

/// Everything one running stand-in shares between requests and the test API.
pub(crate) struct App {
    pub db: Mutex<Db>,
    pub verifier: Verifier,
    pub smtp: Mutex<Smtp>,
    pub limiter: Mutex<RateLimiter>,
    pub faults: Mutex<Vec<ActiveFault>>,
    pub log: Mutex<Vec<Request>>,
    /// The embedded issuer, when the stand-in is its own IdP.
    pub issuer: Option<Issuer>,
    /// The backend's OIDC settings, when an issuer is configured.
    pub oidc: Option<BackendOidc>,
    pub opts: Options,
    pub port: u16,
}

pub(crate) struct ActiveFault {
    pub fault: Fault,
    /// `None`: applies until cleared.
    pub remaining: Option<usize>,
}

/// Locks a mutex, shrugging off poisoning: a panicked test thread must not
/// take the whole stand-in down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps the request log bounded for long benchmark runs.
const MAX_LOGGED_REQUESTS: usize = 200_000;
/// Bodies larger than this are refused with a 500 (the backend has no limit,
/// but nothing legitimate comes close).
const MAX_BODY: usize = 64 * 1024 * 1024;

impl App {
    pub fn new(opts: Options, port: u16) -> App {
        let secret = rand::random::<[u8; 32]>().to_vec();
        let (verifier, issuer, oidc) = match &opts.oidc {
            None => (Verifier::new(secret), None, None),
            Some(Oidc::Embedded(cfg)) => {
                let scheme = if opts.tls.is_some() { "https" } else { "http" };
                let issuer = Issuer::new(format!("{scheme}://127.0.0.1:{port}/oidc"), cfg.clone());
                let backend =
                    BackendOidc::new(issuer.url(), &cfg.client_id, Some(issuer.discovery()));
                let trust = OidcTrust::embedded(&cfg.client_id);
                (
                    Verifier::with_oidc(secret, trust),
                    Some(issuer),
                    Some(backend),
                )
            }
            Some(Oidc::External { issuer, client_id }) => (
                Verifier::with_oidc(secret, OidcTrust::remote(issuer, client_id)),
                None,
                Some(BackendOidc::new(issuer, client_id, None)),
            ),
        };
        App {
            db: Mutex::new(Db::default()),
            verifier,
            smtp: Mutex::new(opts.smtp),
            limiter: Mutex::new(RateLimiter::default()),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            issuer,
            oidc,
            opts,
            port,
        }
    }

    /// `https` when serving TLS.
    pub fn scheme(&self) -> &'static str {
        if self.opts.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    fn limits(&self) -> [Limit; 2] {
        [
            Limit {
                pattern: "/api/auth/dev-token",
                max: self.opts.dev_token_limit_per_minute,
                window: Duration::from_secs(60),
            },
            Limit {
                pattern: "/api/invitations/public",
                max: self.opts.preview_limit_per_hour,
                window: Duration::from_secs(3600),
            },
        ]
    }

    fn take_fault(&self, method: &str, raw_path: &str) -> Option<FaultKind> {
        let mut faults = lock(&self.faults);
        let pos = faults.iter().position(|f| {
            f.fault
                .method
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && raw_path.starts_with(&f.fault.path_prefix)
        })?;
        let kind = faults[pos].fault.kind.clone();
        if let Some(left) = faults[pos].remaining.as_mut() {
            *left -= 1;
            if *left == 0 {
                faults.remove(pos);
            }
        }
        Some(kind)
    }
}

/// What a handler answers, before it becomes an HTTP response.
#[derive(Debug)]
pub(crate) enum Reply {
    Json {
        status: u16,
        body: String,
        extra: Vec<(&'static str, &'static str)>,
    },
    NoContent,
    /// An unhandled exception: `500 text/plain Internal Server Error`.
    ServerError,
    /// A Starlette `RedirectResponse` (307 for slash redirects, 302 from authlib).
    Redirect {
        status: u16,
        location: String,
    },
    Custom {
        status: u16,
        content_type: &'static str,
        body: String,
        server: &'static str,
        vary: bool,
    },
    /// Exactly these headers and body: the embedded issuer's answers, which
    /// do not come from uvicorn.
    Http {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Faults of the connection: reset it without an answer.
    Drop,
    /// Never answer.
    Stall,
    /// The backend's answer, which is then lost (the connection is reset).
    Lost(Box<Reply>),
    /// The backend's answer, of which only the first half is ever sent.
    HalfThenSilence(Box<Reply>),
    /// The backend's answer, its body a byte per interval.
    Trickle(Box<Reply>, Duration),
}

impl Reply {
    pub fn json(status: u16, body: String) -> Reply {
        Reply::Json {
            status,
            body,
            extra: Vec::new(),
        }
    }

    /// `HTTPException(status, detail)` → `{"detail": "..."}`.
    pub fn detail(status: u16, detail: &str) -> Reply {
        let mut body = String::from("{\"detail\":");
        crate::pyjson::write_str(&mut body, detail);
        body.push('}');
        Reply::json(status, body)
    }

    /// The protected endpoints' 401.
    pub fn not_authenticated() -> Reply {
        Reply::Json {
            status: 401,
            body: r#"{"detail":"Not authenticated"}"#.into(),
            extra: vec![("www-authenticate", "Bearer")],
        }
    }

    /// Serialises a response model; a failure would be a server error.
    pub fn model<T: serde::Serialize + ?Sized>(value: &T) -> Reply {
        match serde_json::to_string(value) {
            Ok(body) => Reply::json(200, body),
            Err(_) => Reply::ServerError,
        }
    }

    fn status(&self) -> u16 {
        match self {
            Reply::Json { status, .. }
            | Reply::Custom { status, .. }
            | Reply::Http { status, .. }
            | Reply::Redirect { status, .. } => *status,
            Reply::NoContent => 204,
            Reply::ServerError => 500,
            Reply::Drop | Reply::Stall => 0,
            Reply::Lost(inner) | Reply::HalfThenSilence(inner) | Reply::Trickle(inner, _) => {
                inner.status()
            }
        }
    }

    fn into_response(self) -> Response<Body> {
        let status = self.status();
        match self {
            // The connection is gone by the time hyper writes this.
            Reply::Drop | Reply::Stall => return Response::new(Body::empty()),
            // `handle` sends only half of it.
            Reply::Lost(inner) | Reply::HalfThenSilence(inner) | Reply::Trickle(inner, _) => {
                return inner.into_response();
            }
            _ => {}
        }
        let mut headers = HeaderMap::new();
        if let Reply::Http {
            headers: given,
            body,
            ..
        } = self
        {
            for (name, value) in given {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    headers.insert(name, v);
                }
            }
            let mut response = Response::new(Body::from(body));
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            *response.headers_mut() = headers;
            return response;
        }
        let server = match &self {
            Reply::Custom { server, .. } => server,
            _ => "uvicorn",
        };
        headers.insert(header::SERVER, HeaderValue::from_static(server));
        let vary = match &self {
            Reply::ServerError => false,
            Reply::Custom { vary, .. } => *vary,
            _ => true,
        };
        if vary {
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        let body = match self {
            Reply::Json { body, extra, .. } => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                for (name, value) in extra {
                    headers.insert(name, HeaderValue::from_static(value));
                }
                Body::from(body)
            }
            Reply::NoContent => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Body::empty()
            }
            Reply::ServerError => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                Body::from("Internal Server Error")
            }
            Reply::Redirect { location, .. } => {
                if let Ok(v) = HeaderValue::from_str(&location) {
                    headers.insert(header::LOCATION, v);
                }
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                Body::empty()
            }
            Reply::Custom {
                content_type, body, ..
            } => {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
                Body::from(body)
            }
            // Answered above.
            Reply::Http { body, .. } => Body::from(body),
            Reply::Drop
            | Reply::Stall
            | Reply::Lost(_)
            | Reply::HalfThenSilence(_)
            | Reply::Trickle(..) => Body::empty(),
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        *response.headers_mut() = headers;
        response
    }
}

/// One request as the handlers see it.
pub(crate) struct Ctx<'a> {
    pub app: &'a Arc<App>,
    /// Path parameters of the matched route, in order.
    pub params: Vec<String>,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub now: NaiveDateTime,
    /// What the audit log records: the first `X-Forwarded-For` address, else
    /// the peer's address.
    pub client_ip: String,
}

impl Ctx<'_> {
    /// The caller as `get_current_user_optional` sees them.
    pub fn auth(&self) -> Auth {
        jwt::authenticate(
            &self.app.verifier,
            self.authorization.as_deref(),
            self.now.and_utc().timestamp(),
        )
    }

    /// The last value of a query parameter, decoded like `parse_qsl`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        let mut found = None;
        for field in query.split('&').filter(|f| !f.is_empty()) {
            let (k, v) = field.split_once('=').unwrap_or((field, ""));
            if form_decode(k) == name {
                found = Some(form_decode(v));
            }
        }
        found
    }
}

/// The endpoints the stand-in implements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Endpoint {
    Api,
    Health,
    DevToken,
    Me,
    Login,
    OidcStatus,
    ListNetworks,
    CreateNetwork,
    CreateInvitation,
    ListInvitations,
    Preview,
    Accept,
    Resend,
    Revoke,
    ListMembers,
    AddMember,
    UpdateMember,
    RemoveMember,
    ListUsers,
    GetUser,
    Audit,
}

struct Route {
    method: &'static str,
    path: &'static str,
    endpoint: Endpoint,
}

/// Registration order matters for the `allow` header of a 405: Starlette uses
/// the first route whose path matches. This is the backend's order (auth and
/// networks routers, the invitations router in file order, then the app's
/// own `/api` and `/api/health`).
const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/auth/dev-token",
        endpoint: Endpoint::DevToken,
    },
    Route {
        method: "GET",
        path: "/api/auth/me",
        endpoint: Endpoint::Me,
    },
    Route {
        method: "GET",
        path: "/api/auth/login",
        endpoint: Endpoint::Login,
    },
    Route {
        method: "GET",
        path: "/api/auth/oidc-status",
        endpoint: Endpoint::OidcStatus,
    },
    Route {
        method: "GET",
        path: "/api/networks",
        endpoint: Endpoint::ListNetworks,
    },
    Route {
        method: "POST",
        path: "/api/networks",
        endpoint: Endpoint::CreateNetwork,
    },
    Route {
        method: "GET",
        path: "/api/networks/{network_id}/users",
        endpoint: Endpoint::ListMembers,
    },
    Route {
        method: "POST",
        path: "/api/networks/{network_id}/users",
        endpoint: Endpoint::AddMember,
    },
    Route {
        method: "PATCH",
        path: "/api/networks/{network_id}/users/{target_user_id}",
        endpoint: Endpoint::UpdateMember,
    },
    Route {
        method: "DELETE",
        path: "/api/networks/{network_id}/users/{target_user_id}",
        endpoint: Endpoint::RemoveMember,
    },
    Route {
        method: "GET",
        path: "/api/users",
        endpoint: Endpoint::ListUsers,
    },
    Route {
        method: "GET",
        path: "/api/users/{user_id}",
        endpoint: Endpoint::GetUser,
    },
    Route {
        method: "GET",
        path: "/api/audit",
        endpoint: Endpoint::Audit,
    },
    Route {
        method: "POST",
        path: "/api/invitations",
        endpoint: Endpoint::CreateInvitation,
    },
    Route {
        method: "GET",
        path: "/api/invitations",
        endpoint: Endpoint::ListInvitations,
    },
    Route {
        method: "GET",
        path: "/api/invitations/public/{token}",
        endpoint: Endpoint::Preview,
    },
    Route {
        method: "POST",
        path: "/api/invitations/{token}/accept",
        endpoint: Endpoint::Accept,
    },
    Route {
        method: "POST",
        path: "/api/invitations/{invitation_id}/resend",
        endpoint: Endpoint::Resend,
    },
    Route {
        method: "DELETE",
        path: "/api/invitations/{invitation_id}",
        endpoint: Endpoint::Revoke,
    },
    Route {
        method: "GET",
        path: "/api",
        endpoint: Endpoint::Api,
    },
    Route {
        method: "GET",
        path: "/api/health",
        endpoint: Endpoint::Health,
    },
];

/// Matches a decoded path against a route template; `{x}` matches one
/// non-empty segment (Starlette's `[^/]+`).
fn match_path(template: &str, path: &str) -> Option<Vec<String>> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        if ts.starts_with('{') {
            if ps.is_empty() {
                return None;
            }
            params.push((*ps).to_string());
        } else if ts != ps {
            return None;
        }
    }
    Some(params)
}

#[derive(Debug, PartialEq)]
pub(crate) enum Routed {
    Found(Endpoint, Vec<String>),
    MethodNotAllowed(&'static str),
    RedirectTo(String),
    NotFound,
}

/// Starlette's `Router.app` decision for a method and decoded path.
pub(crate) fn route(method: &str, path: &str) -> Routed {
    let mut partial = None;
    for r in ROUTES {
        if let Some(params) = match_path(r.path, path) {
            if r.method == method {
                return Routed::Found(r.endpoint, params);
            }
            partial.get_or_insert(r.method);
        }
    }
    if let Some(allow) = partial {
        return Routed::MethodNotAllowed(allow);
    }
    if path != "/" {
        let toggled = if path.ends_with('/') {
            path.trim_end_matches('/').to_string()
        } else {
            format!("{path}/")
        };
        if ROUTES
            .iter()
            .any(|r| match_path(r.path, &toggled).is_some())
        {
            return Routed::RedirectTo(toggled);
        }
    }
    Routed::NotFound
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `urllib.parse.unquote`: `%XX` to bytes, then UTF-8 with replacement.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query-string component: `+` is a space, then percent-decoding.
pub(crate) fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// `urllib.parse.quote(url, safe=":/%#?=@[]!$&'()*+,;")`, as Starlette's
/// `RedirectResponse` applies it to the location.
fn quote_location(url: &str) -> String {
    const SAFE: &str = ":/%#?=@[]!$&'()*+,;_.-~";
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if b.is_ascii_alphanumeric() || SAFE.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The backend's `get_client_ip`: the first address of `X-Forwarded-For`
/// (trimmed), else the peer.
fn client_ip(forwarded_for: Option<&str>, peer: IpAddr) -> String {
    forwarded_for
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map_or_else(|| peer.to_string(), str::to_string)
}

fn latin1(v: &HeaderValue) -> String {
    v.as_bytes().iter().map(|&b| b as char).collect()
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    req: axum::extract::Request,
) -> Response<Body> {
    let method = req.method().as_str().to_string();
    let raw_path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let had_authorization = req.headers().contains_key(header::AUTHORIZATION);
    let reply = dispatch(&app, conn.peer.ip(), req).await;
    let status = reply.status();
    if app.opts.log_requests {
        eprintln!("{method} {raw_path} {status}");
    }
    // Codes in the issuer's URLs are credentials: keep them out of the log.
    let query = if issuer_endpoints::owns(&percent_decode(&raw_path)) {
        query.map(|q| issuer_endpoints::redact_query(&q))
    } else {
        query
    };
    {
        let mut log = lock(&app.log);
        if log.len() >= MAX_LOGGED_REQUESTS {
            log.remove(0);
        }
        log.push(Request {
            method,
            path: raw_path,
            query,
            had_authorization,
            status,
        });
    }
    match reply {
        Reply::Drop | Reply::Lost(_) => conn.kill(),
        Reply::Stall => std::future::pending::<()>().await,
        Reply::HalfThenSilence(inner) => return half_then_silence(inner.into_response()).await,
        Reply::Trickle(inner, every) => return trickle(inner.into_response(), every).await,
        _ => {}
    }
    reply.into_response()
}

/// Injected faults first, then the backend.
async fn dispatch(app: &Arc<App>, peer: IpAddr, req: axum::extract::Request) -> Reply {
    let method = req.method().as_str().to_string();
    let raw_path = req.uri().path().to_string();
    match app.take_fault(&method, &raw_path) {
        None => backend(app, peer, req).await,
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            backend(app, peer, req).await
        }
        Some(FaultKind::ConnectionReset) => Reply::Drop,
        Some(FaultKind::Stall) => Reply::Stall,
        Some(FaultKind::LostAnswer) => Reply::Lost(Box::new(backend(app, peer, req).await)),
        Some(FaultKind::Trickle(every)) => {
            Reply::Trickle(Box::new(backend(app, peer, req).await), every)
        }
        Some(FaultKind::StallMidBody) => {
            Reply::HalfThenSilence(Box::new(backend(app, peer, req).await))
        }
        Some(other) => fault_reply(&other),
    }
}

async fn backend(app: &Arc<App>, peer: IpAddr, req: axum::extract::Request) -> Reply {
    let method = req.method().as_str().to_string();
    let raw_path = req.uri().path().to_string();
    let path = percent_decode(&raw_path);
    let limited = app.limits().into_iter().find(|l| l.matches(&path));
    if let Some(limit) = limited
        && !lock(&app.limiter).allow(peer, &limit, Instant::now())
    {
        return Reply::ServerError;
    }
    let query = req.uri().query().map(str::to_string);
    if let Some(issuer) = &app.issuer
        && issuer_endpoints::owns(&path)
    {
        let authorization = req.headers().get(header::AUTHORIZATION).map(latin1);
        let content_type = req.headers().get(header::CONTENT_TYPE).map(latin1);
        let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_BODY).await else {
            return Reply::ServerError;
        };
        return issuer_endpoints::handle(
            issuer,
            &IssuerRequest {
                method: &method,
                path: &path,
                query: query.as_deref(),
                authorization: authorization.as_deref(),
                content_type: content_type.as_deref(),
                body: &body,
            },
        );
    }
    match route(&method, &path) {
        Routed::NotFound => Reply::detail(404, "Not Found"),
        Routed::MethodNotAllowed(allow) => Reply::Json {
            status: 405,
            body: r#"{"detail":"Method Not Allowed"}"#.into(),
            extra: vec![("allow", allow)],
        },
        Routed::RedirectTo(target) => {
            let host = req
                .headers()
                .get(header::HOST)
                .map(latin1)
                .unwrap_or_else(|| format!("127.0.0.1:{}", app.port));
            let mut url = format!("http://{host}{target}");
            if let Some(q) = query.as_deref().filter(|q| !q.is_empty()) {
                url.push('?');
                url.push_str(q);
            }
            Reply::Redirect {
                status: 307,
                location: quote_location(&url),
            }
        }
        Routed::Found(endpoint, params) => {
            let authorization = req.headers().get(header::AUTHORIZATION).map(latin1);
            let content_type = req.headers().get(header::CONTENT_TYPE).map(latin1);
            let host = req
                .headers()
                .get(header::HOST)
                .map(latin1)
                .unwrap_or_else(|| format!("127.0.0.1:{}", app.port));
            let forwarded_for = req.headers().get("x-forwarded-for").map(latin1);
            let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
                Ok(b) => b.to_vec(),
                Err(_) => return Reply::ServerError,
            };
            // An external issuer's key set is fetched (once) before any
            // handler decides on the token.
            app.verifier.prefetch(authorization.as_deref()).await;
            if let Some(oidc) = &app.oidc {
                match endpoint {
                    Endpoint::OidcStatus => return oidc.status().await,
                    Endpoint::Login => return oidc.login(&host).await,
                    _ => {}
                }
            }
            let ctx = Ctx {
                app,
                params,
                query,
                authorization,
                content_type,
                body,
                now: state::now_utc(),
                client_ip: client_ip(forwarded_for.as_deref(), peer),
            };
            if endpoint == Endpoint::ListInvitations {
                // The backend's time grows with the rows it returns; it answers
                // only once the whole body is built.
                let (reply, rows) = routes::list_invitations_counted(&ctx);
                let cost = app.opts.list_base_cost_us
                    + app.opts.list_row_cost_us.saturating_mul(rows as u64);
                if cost > 0 {
                    tokio::time::sleep(Duration::from_micros(cost)).await;
                }
                return reply;
            }
            routes::handle(endpoint, &ctx)
        }
    }
}

const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n";

fn fault_reply(kind: &FaultKind) -> Reply {
    match kind {
        FaultKind::InternalError => Reply::ServerError,
        FaultKind::HtmlBadGateway => Reply::Custom {
            status: 502,
            content_type: "text/html",
            body: NGINX_502.into(),
            server: "nginx/1.24.0",
            vary: false,
        },
        FaultKind::MalformedJson => Reply::Custom {
            status: 200,
            content_type: "application/json",
            body: r#"{"id": 1, "email": "trunc"#.into(),
            server: "uvicorn",
            vary: true,
        },
        FaultKind::WrongShape => Reply::Custom {
            status: 200,
            content_type: "application/json",
            body: r#"{"unexpected":"shape","items":[1,2,3]}"#.into(),
            server: "uvicorn",
            vary: true,
        },
        FaultKind::Detail { code, detail } => Reply::detail(*code, detail),
        FaultKind::Status { code, retry_after } => {
            let reason = StatusCode::from_u16(*code)
                .ok()
                .and_then(|c| c.canonical_reason())
                .unwrap_or("Error");
            let mut headers = vec![
                ("server", "nginx/1.24.0".to_string()),
                ("content-type", "text/plain".to_string()),
            ];
            if let Some(v) = retry_after {
                headers.push(("retry-after", v.clone()));
            }
            Reply::Http {
                status: *code,
                headers,
                body: reason.as_bytes().to_vec(),
            }
        }
        // Handled before the reply is chosen.
        FaultKind::Delay(_)
        | FaultKind::ConnectionReset
        | FaultKind::Stall
        | FaultKind::StallMidBody
        | FaultKind::Trickle(_)
        | FaultKind::LostAnswer => Reply::ServerError,
    }
}

/// Sends the head and the first half of `response`'s body, with a
/// `Content-Length` for all of it, and then nothing more.
async fn half_then_silence(response: Response<Body>) -> Response<Body> {
    use futures_util::StreamExt;
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half = bytes.slice(..bytes.len() / 2);
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) })
        .chain(futures_util::stream::pending());
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Sends `response`'s body one byte every `every`, with a `Content-Length`
/// for all of it.
async fn trickle(response: Response<Body>, every: Duration) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let stream = futures_util::stream::unfold(0, move |i| {
        let bytes = bytes.clone();
        async move {
            if i >= bytes.len() {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok::<_, std::io::Error>(bytes.slice(i..i + 1)), i + 1))
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Accepts connections as a `TcpListener` does, wrapping each in a
/// [`Killable`] stream whose switch the request handlers can reach through
/// [`Conn`].
pub(crate) struct FaultListener<L>(pub L);

impl<L> axum::serve::Listener for FaultListener<L>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: Resettable,
{
    type Io = Killable<L::Io>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.0.accept().await;
        (
            Killable {
                inner: io,
                killed: Arc::new(AtomicBool::new(false)),
            },
            addr,
        )
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection whose close can be made a reset rather than an orderly FIN.
pub(crate) trait Resettable {
    fn reset_on_close(&self);
}

impl Resettable for tokio::net::TcpStream {
    fn reset_on_close(&self) {
        // A zero linger does not block; it makes the close a reset.
        #[allow(deprecated)]
        let _ = self.set_linger(Some(Duration::ZERO));
    }
}

impl Resettable for tokio_rustls::server::TlsStream<tokio::net::TcpStream> {
    fn reset_on_close(&self) {
        self.get_ref().0.reset_on_close();
    }
}

/// A connection that a handler can kill: once killed, every read and write
/// fails, so hyper drops it, and the socket is closed with a reset
/// (`SO_LINGER` 0) rather than an orderly FIN.
pub(crate) struct Killable<S> {
    inner: S,
    killed: Arc<AtomicBool>,
}

impl<S: Resettable> Killable<S> {
    fn check(&self) -> std::io::Result<()> {
        if self.killed.load(Ordering::SeqCst) {
            self.inner.reset_on_close();
            return Err(std::io::ErrorKind::ConnectionReset.into());
        }
        Ok(())
    }
}

impl<S: tokio::io::AsyncRead + Resettable + Unpin> tokio::io::AsyncRead for Killable<S> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if let Err(e) = self.check() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Resettable + Unpin> tokio::io::AsyncWrite for Killable<S> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if let Err(e) = self.check() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if let Err(e) = self.check() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if let Err(e) = self.check() {
            return std::task::Poll::Ready(Err(e));
        }
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// What a handler knows of its connection: the peer, and the switch that
/// kills it.
#[derive(Clone)]
pub(crate) struct Conn {
    pub peer: SocketAddr,
    killed: Arc<AtomicBool>,
}

impl Conn {
    fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
}

impl<L> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, FaultListener<L>>>
    for Conn
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: Resettable,
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, FaultListener<L>>) -> Self {
        Conn {
            peer: *stream.remote_addr(),
            killed: stream.io().killed.clone(),
        }
    }
}

/// Serves until `shutdown` resolves, then lets open connections finish for
/// up to two seconds.
/// With `tls`, connections are served over HTTPS.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = Router::new().fallback(handle).with_state(app);
    match tls {
        None => serve_on(listener, router, shutdown).await,
        Some(config) => match crate::tls::TlsListener::new(listener, config) {
            Ok(l) => serve_on(l, router, shutdown).await,
            Err(e) => eprintln!("netinvite-standin: TLS listener failed: {e}"),
        },
    }
}

async fn serve_on<L>(
    listener: L,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: Resettable,
{
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        FaultListener(listener),
        router.into_make_service_with_connect_info::<Conn>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stop_rx.wait_for(|stop| *stop).await;
    })
    .into_future();
    let deadline = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    tokio::select! {
        _ = server => {}
        _ = deadline => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starlette_routing_decisions() {
        use Endpoint::*;
        assert_eq!(route("GET", "/api"), Routed::Found(Api, vec![]));
        assert_eq!(
            route("GET", "/api/invitations/public/abc"),
            Routed::Found(Preview, vec!["abc".into()])
        );
        assert_eq!(
            route("POST", "/api/invitations/public/accept"),
            Routed::Found(Accept, vec!["public".into()])
        );
        assert_eq!(
            route("DELETE", "/api/invitations/public"),
            Routed::Found(Revoke, vec!["public".into()])
        );
        assert_eq!(
            route("GET", "/api/invitations/5"),
            Routed::MethodNotAllowed("DELETE")
        );
        assert_eq!(
            route("HEAD", "/api/networks"),
            Routed::MethodNotAllowed("GET")
        );
        // The create route is registered before the list route.
        assert_eq!(
            route("PUT", "/api/invitations"),
            Routed::MethodNotAllowed("POST")
        );
        assert_eq!(
            route("GET", "/api/invitations/5/accept"),
            Routed::MethodNotAllowed("POST")
        );
        assert_eq!(
            route("GET", "/api/invitations/"),
            Routed::RedirectTo("/api/invitations".into())
        );
        assert_eq!(
            route("POST", "/api/invitations/5/resend//"),
            Routed::RedirectTo("/api/invitations/5/resend".into())
        );
        assert_eq!(route("GET", "/api/nope"), Routed::NotFound);
        assert_eq!(route("GET", "/api/invitations//accept"), Routed::NotFound);
        assert_eq!(route("GET", "/"), Routed::NotFound);
    }

    #[test]
    fn url_helpers() {
        assert_eq!(percent_decode("/api/invitations/%35"), "/api/invitations/5");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%C3%A9%ZZ"), "é%ZZ");
        assert_eq!(
            quote_location("http://127.0.0.1:8/api/é x?a=1"),
            "http://127.0.0.1:8/api/%C3%A9%20x?a=1"
        );
        assert_eq!(form_decode("a+b%20c"), "a b c");
    }
}

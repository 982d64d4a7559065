//! The Nebula Commander HTTP client: one method per endpoint, typed answers, typed errors.
//!
//! It knows HTTP and the server's quirks (api.md) and nothing of terminals: it never prints
//! and never prompts. What a caller may want to log (method, redacted URL, status, timing)
//! is handed to an optional observer.

pub mod error;
pub mod list_rows;
pub mod models;
pub mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

pub use error::{ApiError, Detail, KnownDetail, ValidationItem};
use models::*;
pub use transport::NetConfig;

use crate::secret::Secret;

/// One finished request, for `-v`. The URL never holds a secret: invitation tokens in
/// paths are replaced by `<token>` before it is built.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: &'static str,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed: Duration,
    pub bytes: Option<usize>,
}

pub type Observer = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// Filters the list endpoint understands. The server's parameter is `status_filter`
/// (`status` is silently ignored) and it matches the *stored* status exactly.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub network_id: Option<i64>,
    pub status_filter: Option<&'static str>,
}

/// A client bound to one server. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    bearer: Option<Secret>,
    observer: Option<Observer>,
    net: NetConfig,
}

/// How long to wait for a connection, and for a whole answer. The list endpoint has no
/// pagination and takes ~1.4 ms per returned row on the real server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

impl Client {
    /// A client for `base` (`https://host[:port][/prefix]`, no trailing slash needed),
    /// trusting and proxying as `net` says.
    pub fn new(base: &Url, net: &NetConfig, observer: Option<Observer>) -> Result<Self, ApiError> {
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let timeout = std::env::var("NETINVITE_HTTP_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(REQUEST_TIMEOUT);
        // Root certificates are only loaded for https: reading the system store costs
        // more than the whole request on loopback.
        let https = base.scheme() == "https";
        let builder = reqwest::Client::builder()
            .user_agent(concat!("netinvite/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
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
                kind: error::TransportKind::Other,
            })?;
        Ok(Self {
            base,
            http,
            bearer: None,
            observer,
            net: net.clone(),
        })
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

    /// `GET /api` — is this a Nebula Commander backend, and which version.
    pub async fn server_info(&self) -> Result<ServerInfo, ApiError> {
        self.get_json("api", None, &[]).await
    }

    /// `GET /api/auth/oidc-status` — `disabled` means dev-token mode.
    pub async fn oidc_status(&self) -> Result<OidcStatus, ApiError> {
        self.get_json("api/auth/oidc-status", None, &[]).await
    }

    /// `GET /api/auth/me` — never 401; `authenticated:false` means the token is refused.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get_json("api/auth/me", None, &[]).await
    }

    /// `GET /api/auth/dev-token` — only on servers without OIDC; rate limited (10/min/IP).
    pub async fn dev_token(&self) -> Result<DevToken, ApiError> {
        self.get_json("api/auth/dev-token", None, &[]).await
    }

    /// `GET /api/networks` — also creates the caller's user record on the server.
    pub async fn networks(&self) -> Result<Vec<Network>, ApiError> {
        self.get_json("api/networks", None, &[]).await
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
        self.get_json("api/invitations", None, &params).await
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
            .send(Method::GET, "api/invitations", None, &params, None)
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
            .send(Method::POST, "api/invitations", None, &[], Some(bytes))
            .await?;
        decode(resp)
    }

    /// `GET /api/invitations/public/{token}` — no sign-in; rate limited to 30/hour/IP.
    pub async fn public_invitation(&self, token: &str) -> Result<PublicInvitation, ApiError> {
        let path = format!("api/invitations/public/{}", path_segment(token));
        self.get_json_redacted(&path, "api/invitations/public/<token>")
            .await
    }

    /// `POST /api/invitations/{token}/accept`.
    pub async fn accept(&self, token: &str) -> Result<AcceptOutcome, ApiError> {
        let path = format!("api/invitations/{}/accept", path_segment(token));
        let resp = self
            .send(
                Method::POST,
                &path,
                Some("api/invitations/<token>/accept"),
                &[],
                None,
            )
            .await?;
        decode(resp)
    }

    /// `POST /api/invitations/{id}/resend`.
    pub async fn resend(&self, id: i64) -> Result<Invitation, ApiError> {
        let path = format!("api/invitations/{id}/resend");
        let resp = self.send(Method::POST, &path, None, &[], None).await?;
        decode(resp)
    }

    /// `DELETE /api/invitations/{id}` — 204 with an empty body, whatever the status was.
    pub async fn revoke(&self, id: i64) -> Result<(), ApiError> {
        let path = format!("api/invitations/{id}");
        self.send(Method::DELETE, &path, None, &[], None).await?;
        Ok(())
    }

    /// `GET /api/auth/login`: on an OIDC server, a redirect to the identity provider's
    /// authorization endpoint carrying the server's `client_id`. The redirect is read,
    /// not followed.
    pub async fn login_redirect(&self) -> Result<Option<String>, ApiError> {
        match self
            .send(Method::GET, "api/auth/login", None, &[], None)
            .await
        {
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
        let url = self
            .base
            .join("api/health")
            .map_err(|e| ApiError::Transport {
                url: self.display_url("api/health"),
                message: e.to_string(),
                kind: error::TransportKind::Other,
            })?;
        let shown = url.to_string();
        let started = Instant::now();
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| ApiError::transport(&shown, &e))?;
        self.observe("GET", &shown, Some(resp.status().as_u16()), started, None);
        Ok(resp
            .headers()
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string))
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        shown: Option<&str>,
        params: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let resp = self.send(Method::GET, path, shown, params, None).await?;
        decode(resp)
    }

    async fn get_json_redacted<T: DeserializeOwned>(
        &self,
        path: &str,
        shown: &str,
    ) -> Result<T, ApiError> {
        self.get_json(path, Some(shown), &[]).await
    }

    fn display_url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends one request and turns any non-2xx answer into an [`ApiError`].
    async fn send(
        &self,
        method: Method,
        path: &str,
        shown_path: Option<&str>,
        params: &[(&str, String)],
        json_body: Option<Vec<u8>>,
    ) -> Result<Response, ApiError> {
        let mut url = self.base.join(path).map_err(|e| ApiError::Transport {
            url: self.display_url(path),
            message: e.to_string(),
            kind: error::TransportKind::Other,
        })?;
        if !params.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(params.iter().map(|(k, v)| (*k, v)));
        }
        let mut shown = self.display_url(shown_path.unwrap_or(path));
        if let Some(q) = url.query() {
            shown.push('?');
            shown.push_str(q);
        }
        let method_name = method_str(&method);
        let mut req = self.http.request(method, url);
        if let Some(token) = &self.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        if let Some(body) = json_body {
            // Without this exact content type the server does not parse the body (422).
            req = req
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let started = Instant::now();
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                self.observe(method_name, &shown, None, started, None);
                return Err(ApiError::transport(&shown, &e));
            }
        };
        let status = resp.status();
        let is_json = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let www_authenticate = resp.headers().contains_key(header::WWW_AUTHENTICATE);
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match read_body(resp, path, status.is_success()).await {
            Ok(b) => b,
            Err(e) => {
                self.observe(method_name, &shown, Some(status.as_u16()), started, None);
                return Err(e.into_api(&shown, status.as_u16()));
            }
        };
        self.observe(
            method_name,
            &shown,
            Some(status.as_u16()),
            started,
            Some(body.len()),
        );
        let response = Response {
            url: shown,
            status,
            is_json,
            body,
        };
        if status.is_success() {
            return Ok(response);
        }
        Err(ApiError::from_status(
            response.url,
            status.as_u16(),
            is_json,
            &response.body,
            www_authenticate,
            location,
        ))
    }

    fn observe(
        &self,
        method: &'static str,
        url: &str,
        status: Option<u16>,
        started: Instant,
        bytes: Option<usize>,
    ) {
        if let Some(obs) = &self.observer {
            obs(&Exchange {
                method,
                url: url.to_string(),
                status,
                elapsed: started.elapsed(),
                bytes,
            });
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

struct Response {
    url: String,
    status: StatusCode,
    is_json: bool,
    /// The body as received (no copy).
    body: bytes::Bytes,
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
        "api/invitations" | "api/networks" => LIST_BODY_LIMIT,
        _ => BODY_LIMIT,
    }
}

/// Reads a body chunk by chunk up to its limit. A successful answer over the limit is
/// refused (a cut JSON document cannot be decoded anyway); an error answer is cut.
async fn read_body(
    mut resp: reqwest::Response,
    path: &str,
    success: bool,
) -> Result<bytes::Bytes, BodyError> {
    let limit = if success {
        body_limit(path)
    } else {
        ERROR_BODY_LIMIT
    };
    let too_large = || BodyError::TooLarge { limit };
    if success && resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // One buffer sized from Content-Length (already checked against the limit):
    // collecting chunks and joining them would hold a large listing twice.
    let hint = resp.content_length().unwrap_or(0).min(limit as u64) as usize;
    let mut body = bytes::BytesMut::with_capacity(hint);
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            if !success {
                body.extend_from_slice(&chunk[..limit - body.len()]);
                break;
            }
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

enum BodyError {
    TooLarge { limit: usize },
    Transport(reqwest::Error),
}

impl BodyError {
    fn into_api(self, url: &str, status: u16) -> ApiError {
        match self {
            BodyError::Transport(e) => ApiError::transport(url, &e),
            BodyError::TooLarge { limit } => ApiError::Decode {
                url: url.to_string(),
                status,
                message: format!(
                    "the answer is larger than {} MiB, the most netinvite reads from this endpoint; refused without reading the rest",
                    limit >> 20
                ),
            },
        }
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

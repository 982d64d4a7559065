//! OIDC sign-in at the server's identity provider: device flow (RFC 8628), browser flow
//! (authorization code + PKCE S256 to a one-shot loopback listener, RFC 8252) and the
//! refresh-token grant. ID tokens are verified with the `openidconnect` crate (signature
//! via the issuer's JWKS, `iss`, `aud`, `exp`, and `nonce` where one was sent).
//!
//! Knows nothing of terminals: what the user must see (the code to type, the URL to
//! open) goes through the [`Prompter`] the caller passes in.

use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreDeviceAuthorizationResponse, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType, CoreTokenResponse,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthorizationCode, ClientId, CsrfToken, DeviceAuthorizationUrl,
    DeviceCodeErrorResponseType, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    ProviderMetadata, RedirectUrl, RefreshToken, RequestTokenError, Scope,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::store::TokenSet;
use crate::api::{Exchange, NetConfig, Observer};
use crate::config::AuthMode;
use crate::error::CliError;

/// Scopes netinvite asks for: identity, the email the server shows, and a refresh token.
const SCOPES: [&str; 2] = ["email", "offline_access"];

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// What the user must be shown during a sign-in.
pub trait Prompter {
    /// Device flow: where to go and which code to confirm.
    fn device_code(&self, verification_uri: &str, complete: Option<&str>, user_code: &str);
    /// Browser flow: the URL being opened (printed too, in case no browser opens).
    fn browser_url(&self, url: &str, opened: bool);
    /// Waiting starts (a spinner, say) and ends.
    fn waiting(&self, message: &str);
    fn done_waiting(&self);
}

/// An issuer, discovered.
pub struct Provider {
    pub issuer: String,
    pub client_id: String,
    pub metadata: Metadata,
    http: LoggedHttp,
}

/// The issuer's HTTP client, reporting each request (method, URL without query, status,
/// timing) to the `-v` observer like the API client does. Bodies are never reported.
pub struct LoggedHttp {
    inner: openidconnect::reqwest::Client,
    observer: Option<Observer>,
}

impl LoggedHttp {
    fn report(&self, method: &'static str, url: &str, status: Option<u16>, started: Instant) {
        if let Some(obs) = &self.observer {
            obs(&Exchange {
                method,
                url: url.split('?').next().unwrap_or("").to_string(),
                status,
                elapsed: started.elapsed(),
                bytes: None,
                ..Exchange::default()
            });
        }
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for LoggedHttp {
    type Error = openidconnect::HttpClientError<openidconnect::reqwest::Error>;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, Self::Error>> + 'c,
        >,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let method = match *request.method() {
                openidconnect::http::Method::POST => "POST",
                openidconnect::http::Method::GET => "GET",
                _ => "REQUEST",
            };
            let url = request.uri().to_string();
            let started = Instant::now();
            let result = self.inner.call(request).await;
            let status = result.as_ref().ok().map(|r| r.status().as_u16());
            self.report(method, &url, status, started);
            result
        })
    }
}

/// An HTTP client for the issuer: never follows redirects (openidconnect's advice), and
/// trusts and proxies as the server's client does (the issuer may sit behind the same
/// private CA). Its roots are always loaded: an issuer's endpoints may be https even
/// when the server is not.
///
/// The time budget (`--max-time`) covers requests to the Nebula Commander server only.
/// The identity provider's requests are not retried and each is bounded here on its own
/// (10 s to connect, 30 s in all), so that none hangs; the sign-in around them (a browser,
/// a device code being confirmed) lasts as long as the provider allows, which no budget
/// of netinvite's should cut short.
pub fn http_client(net: &NetConfig) -> Result<openidconnect::reqwest::Client, CliError> {
    let builder = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("netinvite/", env!("CARGO_PKG_VERSION")));
    net.apply(builder, true).build().map_err(|e| CliError::Io {
        what: "cannot build the HTTP client".into(),
        message: e.to_string(),
    })
}

impl Provider {
    /// Fetches `{issuer}/.well-known/openid-configuration`.
    pub async fn discover(
        issuer: &str,
        client_id: &str,
        net: &NetConfig,
        observer: Option<Observer>,
    ) -> Result<Self, CliError> {
        let http = LoggedHttp {
            inner: http_client(net)?,
            observer,
        };
        let url = IssuerUrl::new(issuer.to_string()).map_err(|e| CliError::InvalidServerUrl {
            input: issuer.to_string(),
            reason: e.to_string(),
        })?;
        let metadata = Metadata::discover_async(url, &http)
            .await
            .map_err(|e| discovery_error(issuer, &e))?;
        Ok(Self {
            issuer: issuer.to_string(),
            client_id: client_id.to_string(),
            metadata,
            http,
        })
    }

    fn client(
        &self,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(self.client_id.clone()),
            None,
        )
    }

    pub fn revocation_endpoint(&self) -> Option<&str> {
        self.metadata
            .additional_metadata()
            .revocation_endpoint
            .as_deref()
    }

    /// RFC 8628: show the code, poll (honouring `interval` and `slow_down`) until the user
    /// approves, denies, or the code expires.
    pub async fn device_flow(&self, prompter: &dyn Prompter) -> Result<TokenSet, CliError> {
        let endpoint = self
            .metadata
            .additional_metadata()
            .device_authorization_endpoint
            .clone()
            .ok_or_else(|| CliError::SignInFailed {
                reason: format!("the issuer {} offers no device flow", self.issuer),
                hint: Some("use the browser flow: netinvite login --browser".into()),
            })?;
        let client = self.client().set_device_authorization_url(endpoint);
        let mut req = client.exchange_device_code();
        for s in SCOPES {
            req = req.add_scope(Scope::new(s.into()));
        }
        let details: CoreDeviceAuthorizationResponse = req
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(&self.issuer, e))?;
        // Listening before the code is shown: a Ctrl-C right after it must cancel
        // cleanly, not kill the process.
        let stop = crate::interrupt::Interrupt::listen();
        prompter.device_code(
            details.verification_uri().as_str(),
            details
                .verification_uri_complete()
                .map(|u| u.secret().as_str()),
            details.user_code().secret(),
        );
        prompter.waiting("waiting for you to confirm the code in the browser…");
        let poll = client
            .exchange_device_access_token(&details)
            .map_err(|e| CliError::SignInFailed {
                reason: e.to_string(),
                hint: None,
            })?
            .request_async(&self.http, tokio::time::sleep, None);
        let result = tokio::select! {
            r = poll => r,
            _ = stop.wait() => {
                prompter.done_waiting();
                return Err(CliError::Cancelled);
            }
        };
        prompter.done_waiting();
        let tokens: CoreTokenResponse = result.map_err(|e| match &e {
            RequestTokenError::ServerResponse(r) => match r.error() {
                DeviceCodeErrorResponseType::AccessDenied => CliError::SignInDenied,
                DeviceCodeErrorResponseType::ExpiredToken => CliError::DeviceCodeExpired,
                _ => token_error(&self.issuer, e),
            },
            _ => token_error(&self.issuer, e),
        })?;
        self.token_set(&tokens, None, None)
    }

    /// Authorization code + PKCE S256 through the user's browser and a one-shot loopback
    /// listener on 127.0.0.1 with a random port.
    pub async fn browser_flow(
        &self,
        prompter: &dyn Prompter,
        open: &dyn Fn(&str) -> bool,
        wait: Duration,
    ) -> Result<TokenSet, CliError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| CliError::Io {
                what: "cannot listen on 127.0.0.1 for the sign-in redirect".into(),
                message: e.to_string(),
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let redirect = format!("http://127.0.0.1:{port}/callback");
        let client = self
            .client()
            .set_redirect_uri(RedirectUrl::new(redirect.clone()).map_err(|e| {
                CliError::SignInFailed {
                    reason: e.to_string(),
                    hint: None,
                }
            })?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut auth = client.authorize_url(
            openidconnect::AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for s in SCOPES {
            auth = auth.add_scope(Scope::new(s.into()));
        }
        let (url, state, nonce) = auth.set_pkce_challenge(challenge).url();
        let stop = crate::interrupt::Interrupt::listen();
        let opened = open(url.as_str());
        prompter.browser_url(url.as_str(), opened);
        prompter.waiting("waiting for the browser sign-in…");
        let received = tokio::select! {
            r = tokio::time::timeout(wait, receive_callback(&listener)) => r,
            _ = stop.wait() => {
                prompter.done_waiting();
                return Err(CliError::Cancelled);
            }
        };
        prompter.done_waiting();
        let callback = match received {
            Ok(r) => r?,
            Err(_) => {
                return Err(CliError::SignInFailed {
                    reason: format!("no sign-in arrived within {} s", wait.as_secs()),
                    hint: Some(
                        "try again, or use the device flow: netinvite login --device".into(),
                    ),
                });
            }
        };
        if callback.state.as_deref() != Some(state.secret().as_str()) {
            return Err(CliError::StateMismatch);
        }
        if let Some(error) = callback.error {
            return Err(if error == "access_denied" {
                CliError::SignInDenied
            } else {
                CliError::SignInFailed {
                    reason: match callback.error_description {
                        Some(d) => format!("the identity provider answered {error}: {d}"),
                        None => format!("the identity provider answered {error}"),
                    },
                    hint: None,
                }
            });
        }
        let code = callback.code.ok_or_else(|| CliError::SignInFailed {
            reason: "the redirect carried no authorization code".into(),
            hint: None,
        })?;
        let tokens: CoreTokenResponse = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| CliError::SignInFailed {
                reason: e.to_string(),
                hint: None,
            })?
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(&self.issuer, e))?;
        self.token_set(&tokens, Some(&nonce), None)
    }

    /// The refresh-token grant. Issuers that rotate refresh tokens return a new one, which
    /// must replace the old one (a reused one revokes the whole grant at some issuers).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, CliError> {
        let client = self.client();
        let tokens: CoreTokenResponse = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .map_err(|e| CliError::SignInFailed {
                reason: e.to_string(),
                hint: None,
            })?
            .request_async(&self.http)
            .await
            .map_err(|e| match &e {
                RequestTokenError::ServerResponse(_) => CliError::SessionExpired,
                _ => token_error(&self.issuer, e),
            })?;
        self.token_set(&tokens, None, Some(refresh_token))
    }

    /// Revokes a refresh token (RFC 7009) when the issuer offers it; best effort.
    pub async fn revoke(&self, refresh_token: &str) -> bool {
        let Some(endpoint) = self.revocation_endpoint() else {
            return false;
        };
        let form = [
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
            ("client_id", self.client_id.as_str()),
        ];
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let started = Instant::now();
        let result = self
            .http
            .inner
            .post(endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        self.http.report("POST", endpoint, status, started);
        status.is_some_and(|s| (200..300).contains(&s))
    }

    fn token_set(
        &self,
        tokens: &CoreTokenResponse,
        nonce: Option<&Nonce>,
        previous_refresh: Option<&str>,
    ) -> Result<TokenSet, CliError> {
        let id_token = tokens
            .extra_fields()
            .id_token()
            .ok_or_else(|| CliError::SignInFailed {
                reason: "the identity provider returned no ID token".into(),
                hint: Some("the `openid` scope must be allowed for this client".into()),
            })?;
        let client = self.client();
        let verifier = client.id_token_verifier();
        let checked = match nonce {
            Some(n) => id_token.claims(&verifier, n).map(|_| ()),
            // Device flow and refresh carry no nonce of ours to compare.
            None => id_token
                .claims(&verifier, |_: Option<&Nonce>| Ok(()))
                .map(|_| ()),
        };
        checked.map_err(|e| CliError::IdTokenInvalid {
            reason: e.to_string(),
        })?;
        let id = id_token.to_string();
        let expires_at = super::jwt::claims(&id).and_then(|c| c.exp).or_else(|| {
            tokens
                .expires_in()
                .map(|d| super::now() + d.as_secs() as i64)
        });
        Ok(TokenSet {
            kind: AuthMode::Oidc,
            access_token: Some(tokens.access_token().secret().clone()),
            id_token: Some(id),
            refresh_token: tokens
                .refresh_token()
                .map(|r| r.secret().clone())
                .or(previous_refresh.map(str::to_string)),
            expires_at,
        })
    }
}

struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Serves the loopback listener until the redirect to `/callback` arrives; other paths
/// (a browser's favicon request) get a 404. Answers with a small page.
async fn receive_callback(listener: &tokio::net::TcpListener) -> Result<Callback, CliError> {
    loop {
        let (mut stream, _) = listener.accept().await.map_err(|e| CliError::Io {
            what: "the sign-in listener failed".into(),
            message: e.to_string(),
        })?;
        let mut buf = vec![0u8; 16 * 1024];
        let mut len = 0;
        while len < buf.len() {
            let n =
                match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf[len..]))
                    .await
                {
                    Ok(Ok(n)) => n,
                    _ => 0,
                };
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]).to_string();
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path != "/callback" {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let mut cb = Callback {
            code: None,
            state: None,
            error: None,
            error_description: None,
        };
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" => cb.code = Some(v.into_owned()),
                "state" => cb.state = Some(v.into_owned()),
                "error" => cb.error = Some(v.into_owned()),
                "error_description" => cb.error_description = Some(v.into_owned()),
                _ => {}
            }
        }
        let (title, text) = if cb.error.is_some() {
            (
                "Sign-in failed",
                "netinvite was not signed in. You can close this tab and look at the terminal.",
            )
        } else {
            (
                "Signed in",
                "netinvite is signed in. You can close this tab.",
            )
        };
        let page = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
        );
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.write_all(resp.as_bytes()).await;
        let _ = stream.shutdown().await;
        return Ok(cb);
    }
}

/// Finds the issuer whose discovery document names `auth_endpoint` as its authorization
/// endpoint, trying the endpoint's parent paths (`…/realms/x/protocol/openid-connect/auth`
/// → `…/realms/x`). `None` when no parent answers.
pub async fn issuer_for_authorization_endpoint(
    auth_endpoint: &str,
    net: &NetConfig,
) -> Option<String> {
    let http = http_client(net).ok()?;
    let url = url::Url::parse(auth_endpoint).ok()?;
    let mut segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    while !segments.is_empty() {
        segments.pop();
        let mut base = url.clone();
        base.set_query(None);
        base.set_path(&segments.join("/"));
        let issuer = base.as_str().trim_end_matches('/').to_string();
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        let Ok(resp) = http.get(&discovery).send().await else {
            continue;
        };
        if !resp.status().is_success() {
            continue;
        }
        let Ok(doc) = resp.json::<serde_json::Value>().await else {
            continue;
        };
        if let Some(issuer) = issuer_naming(&doc, auth_endpoint) {
            return Some(issuer);
        }
    }
    None
}

/// The `issuer` of a discovery document, if it names `auth_endpoint` as its
/// authorization endpoint.
pub fn issuer_naming(doc: &serde_json::Value, auth_endpoint: &str) -> Option<String> {
    if doc["authorization_endpoint"].as_str() == Some(auth_endpoint) {
        return doc["issuer"].as_str().map(str::to_string);
    }
    None
}

/// The key ids of a JWKS document (`{"keys":[{"kid":…},…]}`); keys without one are left out.
pub fn key_ids(doc: &serde_json::Value) -> Vec<String> {
    doc["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Fetches `{issuer}/.well-known/jwks.json` — the one place the server reads keys from
/// (it ignores `jwks_uri`) — and returns the key ids found, or the HTTP status.
pub async fn server_visible_key_ids(issuer: &str, net: &NetConfig) -> Result<Vec<String>, String> {
    let http = http_client(net).map_err(|e| e.message())?;
    let url = format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'));
    let resp = http
        .get(&url)
        .send()
        .await
        .map_err(|e| match tls_error(issuer, &e) {
            Some(tls) => tls.message(),
            None => crate::api::error::chain(&e),
        })?;
    if !resp.status().is_success() {
        return Err(format!("{url} answered {}", resp.status().as_u16()));
    }
    let doc: serde_json::Value = resp
        .json()
        .await
        .map_err(|e| format!("{url} is not a key set: {e}"))?;
    Ok(key_ids(&doc))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A failed TLS handshake with the issuer, explained like one with the server.
fn tls_error(issuer: &str, e: &(dyn std::error::Error + 'static)) -> Option<CliError> {
    let (problem, detail) = crate::api::transport::tls_problem(e)?;
    Some(CliError::Tls {
        url: issuer.to_string(),
        problem,
        issuer: true,
        detail,
    })
}

fn discovery_error<E: std::error::Error + 'static>(issuer: &str, e: &E) -> CliError {
    if let Some(tls) = tls_error(issuer, e) {
        return tls;
    }
    let text = crate::api::error::chain(e);
    if text.contains("error sending request") || text.contains("onnect") || text.contains("dns") {
        CliError::IssuerUnreachable {
            url: issuer.to_string(),
            message: text,
        }
    } else {
        CliError::SignInFailed {
            reason: format!("the issuer {issuer} has no usable discovery document: {text}"),
            hint: Some(
                "check the issuer URL: {issuer}/.well-known/openid-configuration must answer"
                    .into(),
            ),
        }
    }
}

fn token_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    issuer: &str,
    e: RequestTokenError<RE, T>,
) -> CliError {
    match &e {
        RequestTokenError::Request(inner) if tls_error(issuer, inner).is_some() => {
            tls_error(issuer, inner).expect("checked")
        }
        RequestTokenError::Request(inner) => CliError::IssuerUnreachable {
            url: issuer.to_string(),
            message: crate::api::error::chain(inner),
        },
        RequestTokenError::ServerResponse(r) => CliError::SignInFailed {
            reason: format!("the identity provider refused: {r}"),
            hint: None,
        },
        other => CliError::SignInFailed {
            reason: crate::api::error::chain(other),
            hint: None,
        },
    }
}

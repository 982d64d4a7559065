//! The embedded issuer's HTTP endpoints under `/oidc`, shaped like
//! oidc-provider's (paths, parameters, error codes, redirects) so that
//! standard clients — the `openidconnect` crate, curl scripts — work
//! against it unchanged.
//!
//! | endpoint | path |
//! |---|---|
//! | discovery | `GET /oidc/.well-known/openid-configuration` |
//! | key set | `GET /oidc/.well-known/jwks.json` |
//! | authorization (code + PKCE S256) | `GET`/`POST /oidc/auth` |
//! | consent answer (auto-approve off) | `POST /oidc/auth/decision` |
//! | device authorization | `POST /oidc/device/auth` |
//! | user-code page | `GET`/`POST /oidc/device` (`approve=yes`/`no`) |
//! | token | `POST /oidc/token` |
//! | revocation | `POST /oidc/token/revocation` |
//! | userinfo | `GET`/`POST /oidc/me` |
//!
//! The client is public (`token_endpoint_auth_method: none`): it names
//! itself with `client_id` in the form (or as the user of a Basic header,
//! which some libraries send even without a secret).

use serde_json::{Value, json};

use crate::oidc::issuer::{AuthRequest, Issuer, OAuthError, UserCodeState};
use crate::oidc::keys;
use crate::server::{Reply, form_decode};

/// Parameter names whose values are secrets and must not reach the request
/// log.
const SECRET_PARAMS: &[&str] = &[
    "code",
    "user_code",
    "device_code",
    "refresh_token",
    "access_token",
    "id_token",
    "token",
    "code_verifier",
    "interaction",
];

/// One request to the issuer, as the pipeline hands it over.
pub(crate) struct IssuerRequest<'a> {
    pub method: &'a str,
    /// Percent-decoded path, starting with `/oidc`.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// Whether a path belongs to the issuer.
pub(crate) fn owns(path: &str) -> bool {
    path == "/oidc" || path.starts_with("/oidc/")
}

/// A query string fit for the request log: secret values replaced.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|field| {
            let (k, _) = field.split_once('=').unwrap_or((field, ""));
            if SECRET_PARAMS.contains(&form_decode(k).as_str()) {
                format!("{k}=REDACTED")
            } else {
                field.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decoded `application/x-www-form-urlencoded` pairs (query or body).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(text: &str) -> Params {
        Params(
            text.split('&')
                .filter(|f| !f.is_empty())
                .map(|f| {
                    let (k, v) = f.split_once('=').unwrap_or((f, ""));
                    (form_decode(k), form_decode(v))
                })
                .collect(),
        )
    }

    /// The first value; empty values count as absent, as in oidc-provider.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// A parameter sent more than once (RFC 6749 3.1 forbids it).
    fn repeated(&self) -> Option<&str> {
        self.0.iter().enumerate().find_map(|(i, (k, _))| {
            self.0[..i]
                .iter()
                .any(|(earlier, _)| earlier == k)
                .then_some(k.as_str())
        })
    }
}

fn json_reply(status: u16, body: &Value) -> Reply {
    Reply::Http {
        status,
        headers: vec![
            ("content-type", "application/json; charset=utf-8".into()),
            // Token answers must not be cached (RFC 6749 5.1).
            ("cache-control", "no-store".into()),
        ],
        body: body.to_string().into_bytes(),
    }
}

fn oauth_error(e: &OAuthError) -> Reply {
    let mut reply = json_reply(
        e.status,
        &json!({"error": e.error, "error_description": e.description}),
    );
    if e.status == 401
        && let Reply::Http { headers, .. } = &mut reply
    {
        headers.push(("www-authenticate", "Basic realm=\"oidc\"".into()));
    }
    reply
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: u16, title: &str, inner: &str) -> Reply {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body>\n<h1>{t}</h1>\n{inner}\n</body></html>\n",
        t = html_escape(title)
    );
    Reply::Http {
        status,
        headers: vec![("content-type", "text/html; charset=utf-8".into())],
        body: body.into_bytes(),
    }
}

fn redirect(location: String) -> Reply {
    Reply::Http {
        status: 302,
        headers: vec![("location", location), ("content-length", "0".into())],
        body: Vec::new(),
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `uri` with `params` added to its query.
fn with_query(uri: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut out = uri.to_string();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        if let Some(v) = v {
            out.push(sep);
            out.push_str(k);
            out.push('=');
            out.push_str(&encode_component(v));
            sep = '&';
        }
    }
    out
}

/// RFC 8252 7.3: a loopback `http` redirect URI on any port and path.
fn loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    if uri.contains('#') {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host = if authority.starts_with("[::1]") {
        "[::1]"
    } else {
        authority.split(':').next().unwrap_or("")
    };
    let port = &authority[host.len()..];
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    matches!(host, "127.0.0.1" | "localhost" | "[::1]") && port_ok
}

pub(crate) fn handle(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let sub = req.path.strip_prefix("/oidc").unwrap_or(req.path);
    let allowed: &[&str] = match sub {
        "/.well-known/openid-configuration" | "/.well-known/jwks.json" => &["GET"],
        "/auth" | "/device" | "/me" => &["GET", "POST"],
        "/auth/decision" | "/device/auth" | "/token" | "/token/revocation" => &["POST"],
        _ => {
            return json_reply(
                404,
                &json!({
                    "error": "invalid_request",
                    "error_description": format!("unrecognized route or not allowed method ({} {})", req.method, req.path),
                }),
            );
        }
    };
    if !allowed.contains(&req.method) {
        let mut reply = json_reply(
            405,
            &json!({"error": "invalid_request", "error_description": "method not allowed"}),
        );
        if let Reply::Http { headers, .. } = &mut reply {
            headers.push(("allow", allowed.join(", ")));
        }
        return reply;
    }
    match sub {
        "/.well-known/openid-configuration" => json_reply(200, &issuer.discovery()),
        "/.well-known/jwks.json" => json_reply(200, &keys::embedded_jwks()),
        "/auth" => authorize(issuer, req),
        "/auth/decision" => decision(issuer, req),
        "/device/auth" => device_authorization(issuer, req),
        "/device" => device_page(issuer, req),
        "/token" => token(issuer, req),
        "/token/revocation" => revocation(issuer, req),
        _ => userinfo(issuer, req),
    }
}

/// The body of a back-channel POST, which must be a form.
fn form_body(req: &IssuerRequest) -> Result<Params, Reply> {
    let is_form = req.content_type.is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if !is_form {
        return Err(oauth_error(&OAuthError::new(
            400,
            "invalid_request",
            "only application/x-www-form-urlencoded content-type bodies are supported",
        )));
    }
    let params = Params::parse(&String::from_utf8_lossy(req.body));
    if let Some(name) = params.repeated() {
        return Err(oauth_error(&OAuthError::new(
            400,
            "invalid_request",
            &format!("'{name}' parameter must not be provided twice"),
        )));
    }
    Ok(params)
}

/// The client the request names: `client_id`, or a Basic header's user.
fn authenticate_client(issuer: &Issuer, req: &IssuerRequest, params: &Params) -> Result<(), Reply> {
    let from_header = req.authorization.and_then(|h| {
        let (scheme, value) = h.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let user = text.split(':').next()?;
        Some(form_decode(user))
    });
    let client = params.get("client_id").map(str::to_string).or(from_header);
    match client {
        Some(id) if id == issuer.client_id() => Ok(()),
        Some(_) => Err(oauth_error(&OAuthError::new(
            401,
            "invalid_client",
            "client authentication failed (client not found)",
        ))),
        None => Err(oauth_error(&OAuthError::new(
            401,
            "invalid_client",
            "no client authentication mechanism provided",
        ))),
    }
}

fn missing(name: &str) -> Reply {
    oauth_error(&OAuthError::new(
        400,
        "invalid_request",
        &format!("missing required parameter '{name}'"),
    ))
}

// ---- authorization endpoint ----

fn authorize(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let params = if req.method == "POST" {
        Params::parse(&String::from_utf8_lossy(req.body))
    } else {
        Params::parse(req.query.unwrap_or(""))
    };
    // Until client and redirect URI are known good, errors stay on this
    // page: redirecting to an unchecked URI would make an open redirector.
    if params.get("client_id") != Some(issuer.client_id()) {
        return page(
            400,
            "oops! something went wrong",
            "<p>invalid_client: client is invalid (unknown client_id)</p>",
        );
    }
    let Some(redirect_uri) = params.get("redirect_uri").filter(|u| loopback_redirect(u)) else {
        return page(
            400,
            "oops! something went wrong",
            "<p>invalid_redirect_uri: redirect_uri did not match any of the client's registered redirect_uris</p>",
        );
    };
    let state = params.get("state");
    let fail = |error: &str, description: &str| {
        redirect(with_query(
            redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", state),
                ("iss", Some(issuer.url())),
            ],
        ))
    };
    if params.get("response_type") != Some("code") {
        return fail(
            "unsupported_response_type",
            "unsupported response_type requested",
        );
    }
    let Some(challenge) = params.get("code_challenge") else {
        return fail(
            "invalid_request",
            "Authorization Server policy requires PKCE to be used for this request",
        );
    };
    if params.get("code_challenge_method") != Some("S256") {
        return fail(
            "invalid_request",
            "code_challenge_method must be S256 (plain is not supported)",
        );
    }
    let challenge_ok = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !challenge_ok {
        return fail("invalid_request", "code_challenge must be a S256 challenge");
    }
    if issuer.code_flow_denied() {
        return fail("access_denied", "End-User aborted interaction");
    }
    let request = AuthRequest {
        redirect_uri: redirect_uri.to_string(),
        state: state.map(str::to_string),
        nonce: params.get("nonce").map(str::to_string),
        code_challenge: challenge.to_string(),
        scope: crate::oidc::issuer::granted_scope(params.get("scope").unwrap_or("openid")),
    };
    if issuer.auto_approve() {
        return code_redirect(issuer, request);
    }
    let account = issuer.account();
    let id = issuer.park_request(request);
    page(
        200,
        "Sign in",
        &format!(
            "<p>Sign in to <strong>{client}</strong> as <strong>{sub}</strong>?</p>\n\
             <form method=\"post\" action=\"/oidc/auth/decision\">\n\
             <input type=\"hidden\" name=\"interaction\" value=\"{id}\">\n\
             <button type=\"submit\" name=\"approve\" value=\"yes\">Approve</button>\n\
             <button type=\"submit\" name=\"approve\" value=\"no\">Deny</button>\n\
             </form>",
            client = html_escape(issuer.client_id()),
            sub = html_escape(&account.sub),
            id = html_escape(&id),
        ),
    )
}

fn code_redirect(issuer: &Issuer, request: AuthRequest) -> Reply {
    let redirect_uri = request.redirect_uri.clone();
    let state = request.state.clone();
    let code = issuer.issue_code(request);
    redirect(with_query(
        &redirect_uri,
        &[
            ("code", Some(&code)),
            ("state", state.as_deref()),
            ("iss", Some(issuer.url())),
        ],
    ))
}

fn decision(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let params = Params::parse(&String::from_utf8_lossy(req.body));
    let Some(request) = params
        .get("interaction")
        .and_then(|id| issuer.take_request(id))
    else {
        return page(
            400,
            "oops! something went wrong",
            "<p>invalid_request: interaction session not found</p>",
        );
    };
    if params.get("approve") == Some("yes") {
        return code_redirect(issuer, request);
    }
    redirect(with_query(
        &request.redirect_uri,
        &[
            ("error", Some("access_denied")),
            ("error_description", Some("End-User aborted interaction")),
            ("state", request.state.as_deref()),
            ("iss", Some(issuer.url())),
        ],
    ))
}

// ---- device flow ----

fn device_authorization(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let params = match form_body(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = authenticate_client(issuer, req, &params) {
        return r;
    }
    let grant = issuer.start_device(params.get("scope").unwrap_or("openid"));
    let verification_uri = format!("{}/device", issuer.url());
    json_reply(
        200,
        &json!({
            "device_code": grant.device_code,
            "user_code": grant.user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": with_query(&verification_uri, &[("user_code", Some(&grant.user_code))]),
            "expires_in": grant.expires_in,
            "interval": grant.interval,
        }),
    )
}

fn device_page(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let query = Params::parse(req.query.unwrap_or(""));
    let form = if req.method == "POST" {
        Params::parse(&String::from_utf8_lossy(req.body))
    } else {
        Params(Vec::new())
    };
    let user_code = form.get("user_code").or(query.get("user_code"));
    let Some(user_code) = user_code else {
        if req.method == "POST" {
            return page(400, "Device sign-in", "<p>No code was given.</p>");
        }
        return page(
            200,
            "Device sign-in",
            "<form method=\"get\" action=\"/oidc/device\">\n\
             <label>Code <input name=\"user_code\" autocomplete=\"off\"></label>\n\
             <button type=\"submit\">Continue</button>\n</form>",
        );
    };
    let invalid = || {
        page(
            400,
            "Device sign-in",
            "<p>The code is invalid, has expired or was already used.</p>",
        )
    };
    let approve = if req.method == "POST" {
        form.get("approve").or(query.get("approve"))
    } else {
        None
    };
    match approve {
        Some(answer @ ("yes" | "no")) => {
            let approved = answer == "yes";
            if !issuer.decide_device(user_code, approved) {
                return invalid();
            }
            if approved {
                page(
                    200,
                    "Sign-in Success",
                    "<p>Your sign-in was approved. You may now close this window.</p>",
                )
            } else {
                page(
                    200,
                    "Sign-in Denied",
                    "<p>The sign-in was denied. You may now close this window.</p>",
                )
            }
        }
        _ => match issuer.user_code_state(user_code) {
            UserCodeState::Pending { scope } => {
                let account = issuer.account();
                page(
                    200,
                    "Device sign-in",
                    &format!(
                        "<p>A device asks to sign in to <strong>{client}</strong> as \
                         <strong>{sub}</strong> (scope {scope}).</p>\n\
                         <form method=\"post\" action=\"/oidc/device\">\n\
                         <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\n\
                         <button type=\"submit\" name=\"approve\" value=\"yes\">Approve</button>\n\
                         <button type=\"submit\" name=\"approve\" value=\"no\">Deny</button>\n\
                         </form>",
                        client = html_escape(issuer.client_id()),
                        sub = html_escape(&account.sub),
                        scope = html_escape(&scope),
                        code = html_escape(user_code),
                    ),
                )
            }
            UserCodeState::Decided | UserCodeState::Unknown => invalid(),
        },
    }
}

// ---- token, revocation, userinfo ----

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn token(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let params = match form_body(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = authenticate_client(issuer, req, &params) {
        return r;
    }
    let result = match params.get("grant_type") {
        None => return missing("grant_type"),
        Some(DEVICE_CODE_GRANT) => match params.get("device_code") {
            None => return missing("device_code"),
            Some(code) => issuer.poll_device(code),
        },
        Some("authorization_code") => match params.get("code") {
            None => return missing("code"),
            Some(code) => issuer.exchange_code(
                code,
                params.get("redirect_uri"),
                params.get("code_verifier"),
            ),
        },
        Some("refresh_token") => match params.get("refresh_token") {
            None => return missing("refresh_token"),
            Some(token) => issuer.refresh(token),
        },
        Some(_) => Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            "unsupported grant_type requested",
        )),
    };
    match result {
        Ok(tokens) => json_reply(200, &tokens),
        Err(e) => oauth_error(&e),
    }
}

fn revocation(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let params = match form_body(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = authenticate_client(issuer, req, &params) {
        return r;
    }
    let Some(token) = params.get("token") else {
        return missing("token");
    };
    issuer.revoke(token);
    Reply::Http {
        status: 200,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn userinfo(issuer: &Issuer, req: &IssuerRequest) -> Reply {
    let token = req.authorization.and_then(crate::jwt::bearer_credentials);
    let (status, error, description) = match token {
        None => (400, "invalid_request", "no access token provided"),
        Some(t) => match issuer.userinfo(t) {
            Some(info) => return json_reply(200, &info),
            None => (401, "invalid_token", "invalid token provided"),
        },
    };
    let mut reply = json_reply(
        status,
        &json!({"error": error, "error_description": description}),
    );
    if let Reply::Http { headers, .. } = &mut reply {
        headers.push((
            "www-authenticate",
            format!("Bearer realm=\"{}\", error=\"{error}\"", issuer.url()),
        ));
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_only() {
        for ok in [
            "http://127.0.0.1:53123/callback",
            "http://127.0.0.1/callback",
            "http://localhost:8080/any/path?x=1",
            "http://[::1]:9/cb",
        ] {
            assert!(loopback_redirect(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:1/cb",
            "http://example.com:5555/callback",
            "http://127.0.0.1.evil.com/cb",
            "http://127.0.0.1:x/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:1/cb#frag",
            "http://user@127.0.0.1/cb",
            "127.0.0.1/cb",
        ] {
            assert!(!loopback_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn query_building_and_redaction() {
        assert_eq!(
            with_query(
                "http://127.0.0.1:1/cb?a=1",
                &[
                    ("code", Some("x y")),
                    ("state", None),
                    ("iss", Some("http://h/oidc"))
                ]
            ),
            "http://127.0.0.1:1/cb?a=1&code=x%20y&iss=http%3A%2F%2Fh%2Foidc"
        );
        assert_eq!(
            redact_query("user_code=ABCD-EFGH&x=1&code=s3cret&state=st"),
            "user_code=REDACTED&x=1&code=REDACTED&state=st"
        );
        let p = Params::parse("a=1&b=&a=2&c=%20x+y");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some(" x y"));
        assert_eq!(p.repeated(), Some("a"));
    }
}

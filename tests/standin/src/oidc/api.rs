//! The backend's auth endpoints when an OIDC issuer is configured
//! (api.md 3.3 and 6.5): `GET /api/auth/oidc-status` and `GET /api/auth/login`.
//! (`/api/auth/dev-token` simply answers 404 then; see `routes.rs`.)
//!
//! Both go through authlib's client, which loads the issuer's discovery
//! document from `{issuer}/.well-known/openid-configuration` the first time
//! it is needed and keeps it for the life of the process once it loaded; a
//! failed load is retried next time. Status answers `{"status":"ok"}` once the
//! document has loaded, 503 otherwise; login redirects (302) to the
//! document's `authorization_endpoint` with the server's client id, the
//! callback URL and a fresh `state` and `nonce`.
//!
//! For the embedded issuer the document is known from the start, so no
//! request ever goes out (and none shows in the request log).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng as _;
use serde_json::Value;

use crate::http_client;
use crate::server::{Reply, lock};

/// How long the backend waits for the discovery document.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// The scopes the backend asks for (its `oidc_scopes` default).
const LOGIN_SCOPE: &str = "openid email profile";

pub(crate) struct BackendOidc {
    issuer: String,
    client_id: String,
    /// authlib's `server_metadata`, once loaded.
    metadata: Mutex<Option<Arc<Value>>>,
}

impl BackendOidc {
    /// `metadata`: the discovery document if it is known without a fetch.
    pub fn new(issuer: &str, client_id: &str, metadata: Option<Value>) -> BackendOidc {
        BackendOidc {
            issuer: issuer.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            metadata: Mutex::new(metadata.map(Arc::new)),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `load_server_metadata()`: the document, fetched if not loaded yet.
    async fn metadata(&self) -> Option<Arc<Value>> {
        if let Some(m) = lock(&self.metadata).clone() {
            return Some(m);
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let response = http_client::get(&url, FETCH_TIMEOUT).await.ok()?;
        if !response.is_success() {
            return None;
        }
        // `self.server_metadata.update(resp.json())` needs a JSON object.
        let doc: Value = serde_json::from_slice(&response.body).ok()?;
        if !doc.is_object() {
            return None;
        }
        Some(Arc::clone(
            lock(&self.metadata).get_or_insert(Arc::new(doc)),
        ))
    }

    pub async fn status(&self) -> Reply {
        match self.metadata().await {
            Some(_) => Reply::json(200, r#"{"status":"ok"}"#.into()),
            None => Reply::detail(503, "OIDC provider unavailable"),
        }
    }

    /// `authorize_redirect(request, url_for("callback"))`; `host` is the
    /// request's `Host`, from which Starlette builds the callback URL.
    pub async fn login(&self, host: &str) -> Reply {
        // authlib raises when it cannot find the endpoint: a plain 500.
        let Some(metadata) = self.metadata().await else {
            return Reply::ServerError;
        };
        let Some(endpoint) = metadata
            .get("authorization_endpoint")
            .and_then(Value::as_str)
        else {
            return Reply::ServerError;
        };
        let redirect_uri = format!("http://{host}/api/auth/callback");
        let state = random_alnum(30);
        let nonce = random_alnum(20);
        let params = [
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("scope", LOGIN_SCOPE),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
        ];
        let mut location = endpoint.to_string();
        let mut sep = if endpoint.contains('?') { '&' } else { '?' };
        for (k, v) in params {
            location.push(sep);
            location.push_str(k);
            location.push('=');
            location.push_str(&quote_plus(v));
            sep = '&';
        }
        Reply::Redirect {
            status: 302,
            location,
        }
    }
}

/// authlib's `generate_token`: letters and digits.
fn random_alnum(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// Python's `urlencode` (quote_plus): spaces become `+`.
fn quote_plus(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_plus("openid email profile"), "openid+email+profile");
        assert_eq!(
            quote_plus("http://h:1/api/auth/callback"),
            "http%3A%2F%2Fh%3A1%2Fapi%2Fauth%2Fcallback"
        );
        let s = random_alnum(30);
        assert_eq!(s.len(), 30);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}

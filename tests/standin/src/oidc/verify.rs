//! The backend's check of IdP-signed tokens (api.md 6.1, step 1).
//!
//! When an issuer is configured, the backend reads the token's header without
//! verifying it; a truthy `kid` is looked up in the key set at the fixed path
//! `{issuer}/.well-known/jwks.json` (never the discovery document's
//! `jwks_uri`). Only a `kid` found there makes this path decide: the token
//! must then carry `alg` RS256/RS384/RS512, verify against that key (with the
//! digest of the *key's* `alg`, as python-jose's `jwk.construct` fixes it), and
//! pass jose's claim checks with `audience=client_id` — `iss` is not checked,
//! a missing `aud` passes. Anything else (no `kid`, unknown `kid`, no key set)
//! falls through to the server's own HS256 check.
//!
//! The key set is fetched once and kept for the life of the process; a failed
//! fetch keeps nothing and is retried on the next token that names a key.
//! Fetching is async and `decode` is not, so the request pipeline calls
//! [`OidcTrust::prefetch`] before any handler looks at the token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::http_client;
use crate::jwt::{self, Audience, Reject};
use crate::oidc::keys::{self, RsAlg};
use crate::pyjson::PyValue;
use crate::server::lock;

/// How long the backend waits for the key set (python's httpx waits 10 s;
/// a test needs an answer sooner).
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// The backend's view of the issuer it trusts.
pub(crate) struct OidcTrust {
    /// The configured client id: `aud` must contain it (if it is non-empty).
    client_id: String,
    keys: KeySource,
}

enum KeySource {
    /// The embedded issuer's own key set, known without a fetch.
    Fixed(Arc<serde_json::Value>),
    /// An external issuer's `{issuer}/.well-known/jwks.json`.
    Remote {
        url: String,
        cache: Mutex<Option<Arc<serde_json::Value>>>,
        /// Fetch attempts so far (tests observe the caching through it).
        fetches: AtomicUsize,
    },
}

impl OidcTrust {
    /// Trusts the embedded issuer's key.
    pub fn embedded(client_id: &str) -> OidcTrust {
        OidcTrust {
            client_id: client_id.to_string(),
            keys: KeySource::Fixed(Arc::new(keys::embedded_jwks())),
        }
    }

    /// Trusts whatever key set `{issuer}/.well-known/jwks.json` serves.
    pub fn remote(issuer: &str, client_id: &str) -> OidcTrust {
        OidcTrust {
            client_id: client_id.to_string(),
            keys: KeySource::Remote {
                url: format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')),
                cache: Mutex::new(None),
                fetches: AtomicUsize::new(0),
            },
        }
    }

    /// How many times the key set was fetched (0 for the embedded issuer).
    #[cfg(test)]
    pub fn fetches(&self) -> usize {
        match &self.keys {
            KeySource::Fixed(_) => 0,
            KeySource::Remote { fetches, .. } => fetches.load(Ordering::Relaxed),
        }
    }

    /// Fetches the key set if `token` names a key and none is cached yet.
    pub async fn prefetch(&self, token: &str) {
        let KeySource::Remote {
            url,
            cache,
            fetches,
        } = &self.keys
        else {
            return;
        };
        if header_kid(token).is_none() || lock(cache).is_some() {
            return;
        }
        fetches.fetch_add(1, Ordering::Relaxed);
        // `r.raise_for_status(); _jwks_cache = r.json()`: any JSON from a
        // 2xx answer is kept, even one without `keys`.
        let fetched = match http_client::get(url, FETCH_TIMEOUT).await {
            Ok(r) if r.is_success() => serde_json::from_slice::<serde_json::Value>(&r.body).ok(),
            _ => None,
        };
        if let Some(set) = fetched {
            // Two requests may race to fetch; the first result stays.
            lock(cache).get_or_insert(Arc::new(set));
        }
    }

    /// Step 1 of `decode_token`: `None` when the token is not this path's to
    /// decide, else the outcome.
    pub fn decode(&self, token: &str, now: i64) -> Option<Result<Vec<(String, PyValue)>, Reject>> {
        let kid = header_kid(token)?;
        let set = match &self.keys {
            KeySource::Fixed(set) => Arc::clone(set),
            KeySource::Remote { cache, .. } => lock(cache).clone()?,
        };
        let jwk = find_key(&set, &kid)?;
        Some(self.verify_with(token, jwk, now))
    }

    fn verify_with(
        &self,
        token: &str,
        jwk: &serde_json::Value,
        now: i64,
    ) -> Result<Vec<(String, PyValue)>, Reject> {
        // `jwk.construct(key_data)` raises JWKError, which `decode_token`
        // does not catch, for a key it cannot use: a 500.
        let (public, key_alg) = usable_key(jwk).ok_or(Reject::Crash)?;
        let parts = jwt::split_token(token)?;
        let header_alg = match parts.header.get("alg") {
            Some(PyValue::Str(a)) => RsAlg::from_name(a),
            _ => None,
        };
        if header_alg.is_none() {
            return Err(Reject::Invalid);
        }
        if !keys::verify(
            &public,
            key_alg,
            parts.signing_input.as_bytes(),
            &parts.signature,
        ) {
            return Err(Reject::Invalid);
        }
        let claims = parts.claims()?;
        let audience = if self.client_id.is_empty() {
            Audience::Unchecked
        } else {
            Audience::Expect(&self.client_id)
        };
        jwt::validate_registered_claims(&claims, now, audience)?;
        Ok(claims)
    }
}

/// The header's `kid` if it is truthy (python's `if not kid`), as the key
/// set's `kid`s are compared with it. Unreadable headers have none.
fn header_kid(token: &str) -> Option<PyValue> {
    let parts = jwt::split_token(token).ok()?;
    let kid = parts.header.get("kid")?.clone();
    let truthy = match &kid {
        PyValue::Null => false,
        PyValue::Bool(b) => *b,
        PyValue::Int(i) => *i != 0,
        PyValue::BigInt(_) => true,
        PyValue::Float(f) => *f != 0.0,
        PyValue::Str(s) => !s.is_empty(),
        PyValue::List(items) => !items.is_empty(),
        PyValue::Dict(items) => !items.is_empty(),
    };
    truthy.then_some(kid)
}

/// `for key in jwks.get("keys", []): if key.get("kid") == kid`. Key sets
/// name keys with strings, so only a string `kid` can match.
fn find_key<'a>(set: &'a serde_json::Value, kid: &PyValue) -> Option<&'a serde_json::Value> {
    let PyValue::Str(kid) = kid else {
        return None;
    };
    set.get("keys")?
        .as_array()?
        .iter()
        .find(|k| k.get("kid").and_then(|v| v.as_str()) == Some(kid.as_str()))
}

/// An RSA public key and the algorithm it was published for.
fn usable_key(jwk: &serde_json::Value) -> Option<(rsa::RsaPublicKey, RsAlg)> {
    let alg = RsAlg::from_name(jwk.get("alg")?.as_str()?)?;
    if jwk.get("kty")?.as_str()? != "RSA" {
        return None;
    }
    let n = jwt::py_b64url_decode(jwk.get("n")?.as_str()?)?;
    let e = jwt::py_b64url_decode(jwk.get("e")?.as_str()?)?;
    Some((keys::public_key(&n, &e)?, alg))
}

#[cfg(test)]
mod tests {
    //! The rows of api.md 6.1's table, against the embedded key set and
    //! against a scripted external issuer.

    use serde_json::{Value, json};

    use super::*;
    use crate::jwt::{Auth, Verifier, authenticate};
    use crate::oidc::test_issuer::ScriptedIssuer;

    const NOW: i64 = 1_800_000_000;

    fn embedded_verifier() -> Verifier {
        Verifier::with_oidc(b"secret".to_vec(), OidcTrust::embedded("netinvite"))
    }

    fn rs(claims: Value) -> String {
        keys::embedded().sign_jwt(&claims, true)
    }

    fn base(extra: Value) -> Value {
        let mut claims = json!({
            "iss": "http://127.0.0.1:1/oidc",
            "sub": "alice",
            "email": "alice@netinvite.test",
            "system_role": "system-admin",
            "iat": NOW - 10,
            "exp": NOW + 300,
        });
        if let (Some(c), Some(e)) = (claims.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                if v.is_null() {
                    c.remove(k);
                } else {
                    c.insert(k.clone(), v.clone());
                }
            }
        }
        claims
    }

    fn check(verifier: &Verifier, token: &str) -> Auth {
        authenticate(verifier, Some(&format!("Bearer {token}")), NOW)
    }

    fn accepted(verifier: &Verifier, token: &str) -> bool {
        match check(verifier, token) {
            Auth::User(c) => {
                assert_eq!(c.sub, "alice");
                true
            }
            Auth::Anonymous => false,
            Auth::Crash => panic!("token crashed the server: {token}"),
        }
    }

    #[test]
    fn audience_rows() {
        let v = embedded_verifier();
        assert!(accepted(&v, &rs(base(json!({"aud": "netinvite"})))));
        assert!(accepted(
            &v,
            &rs(base(json!({"aud": ["account", "netinvite"]})))
        ));
        assert!(!accepted(&v, &rs(base(json!({"aud": "account"})))));
        assert!(!accepted(&v, &rs(base(json!({"aud": ["account"]})))));
        assert!(accepted(&v, &rs(base(json!({})))), "no aud is accepted");
        assert!(!accepted(&v, &rs(base(json!({"aud": 5})))));
        assert!(!accepted(&v, &rs(base(json!({"aud": ["netinvite", 5]})))));
        // An empty client id turns the audience check off.
        let lax = Verifier::with_oidc(b"secret".to_vec(), OidcTrust::embedded(""));
        assert!(accepted(&lax, &rs(base(json!({"aud": "account"})))));
    }

    #[test]
    fn claims_identity_is_read_like_the_hs256_path() {
        let v = embedded_verifier();
        let Auth::User(c) = check(&v, &rs(base(json!({"aud": "netinvite"})))) else {
            panic!("accepted");
        };
        assert_eq!(c.email.as_deref(), Some("alice@netinvite.test"));
        assert!(c.is_system_admin());
        assert_eq!(c.role, "user", "no legacy role claim");
        let plain = rs(base(json!({"aud": "netinvite", "system_role": null})));
        let Auth::User(c) = check(&v, &plain) else {
            panic!("accepted");
        };
        assert_eq!(c.system_role, "user");
    }

    #[test]
    fn issuer_expiry_and_signature_rows() {
        let v = embedded_verifier();
        let foreign = base(json!({"aud": "netinvite", "iss": "https://elsewhere.example"}));
        assert!(accepted(&v, &rs(foreign)), "iss is not checked");
        assert!(!accepted(&v, &rs(base(json!({"exp": NOW - 1})))), "expired");
        assert!(accepted(&v, &rs(base(json!({"exp": null})))), "no exp");
        assert!(!accepted(&v, &rs(base(json!({"nbf": NOW + 60})))));
        let forged = keys::impostor().sign_jwt(&base(json!({})), true);
        assert!(!accepted(&v, &forged), "signed by another key");
        let no_sub = rs(base(json!({"sub": null})));
        assert_eq!(check(&v, &no_sub), Auth::Anonymous);
        // python-jose demands the access token to check an `at_hash`; the
        // backend gives it none, so IdP ID tokens carrying one fail.
        assert!(!accepted(&v, &rs(base(json!({"at_hash": "abc"})))));
        // Claims that break jose's int() crash the request, as on HS256.
        assert_eq!(check(&v, &rs(base(json!({"exp": "x"})))), Auth::Anonymous);
        assert_eq!(check(&v, &rs(base(json!({"exp": []})))), Auth::Crash);
    }

    #[test]
    fn algorithm_rows() {
        let v = embedded_verifier();
        let claims = base(json!({})).to_string();
        // The header may say RS384, but the key was published for RS256 and
        // jose verifies with the key's digest: this one is signed RS256.
        let relabelled = keys::embedded().sign_raw(
            &format!(r#"{{"alg":"RS384","kid":"{}"}}"#, keys::KID),
            &claims,
        );
        assert!(accepted(&v, &relabelled));
        for alg in ["HS256", "none", "PS256", "ES256"] {
            let t = keys::embedded().sign_raw(
                &format!(r#"{{"alg":"{alg}","kid":"{}"}}"#, keys::KID),
                &claims,
            );
            assert!(!accepted(&v, &t), "alg {alg}");
        }
    }

    #[test]
    fn kid_rows() {
        let v = embedded_verifier();
        // RS256 without kid: the HS256 check rejects it.
        let no_kid = keys::embedded().sign_jwt(&base(json!({})), false);
        assert!(!accepted(&v, &no_kid));
        let unknown = keys::embedded().sign_raw(
            r#"{"alg":"RS256","kid":"someone-else"}"#,
            &base(json!({})).to_string(),
        );
        assert!(!accepted(&v, &unknown));
        // The server's own HS256 token is still accepted in OIDC mode...
        let own = v.sign(&[
            ("sub", PyValue::Str("alice".into())),
            ("exp", PyValue::Int(NOW + 60)),
        ]);
        assert!(accepted(&v, &own));
        // ... also without exp ...
        assert!(accepted(
            &v,
            &v.sign(&[("sub", PyValue::Str("alice".into()))])
        ));
        // ... but not when its header names a key of the set (HS256 is not an
        // RSA algorithm, and the HS256 path is never reached).
        let hs_with_kid = {
            use base64::Engine as _;
            use hmac::Mac as _;
            let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
            let input = format!(
                "{}.{}",
                b64(&format!(
                    r#"{{"alg":"HS256","kid":"{}","typ":"JWT"}}"#,
                    keys::KID
                )),
                b64(r#"{"sub":"alice"}"#)
            );
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"secret").unwrap();
            mac.update(input.as_bytes());
            let sig = mac.finalize().into_bytes();
            format!(
                "{input}.{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
            )
        };
        assert!(!accepted(&v, &hs_with_kid));
        // Unreadable tokens take the HS256 path and fail there.
        assert!(!accepted(&v, "garbage"));
        // Without an issuer, RS256 tokens never pass.
        assert!(!accepted(
            &Verifier::new(b"secret".to_vec()),
            &rs(base(json!({})))
        ));
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn remote_check(rt: &tokio::runtime::Runtime, v: &Verifier, token: &str) -> bool {
        let header = format!("Bearer {token}");
        rt.block_on(v.prefetch(Some(&header)));
        accepted(v, token)
    }

    #[test]
    fn remote_key_set_is_fetched_from_the_fixed_path_once() {
        let rt = runtime();
        let issuer = ScriptedIssuer::start();
        // Discovery points elsewhere; the backend never reads it.
        issuer.set(
            "/.well-known/openid-configuration",
            200,
            &json!({"issuer": issuer.url(), "jwks_uri": format!("{}/certs", issuer.url())})
                .to_string(),
        );
        issuer.set("/certs", 200, &keys::embedded_jwks().to_string());
        issuer.set("/.well-known/jwks.json", 200, r#"{"keys":[]}"#);
        let v = Verifier::with_oidc(
            b"secret".to_vec(),
            OidcTrust::remote(&issuer.url(), "netinvite"),
        );
        let token = rs(base(json!({"aud": "netinvite"})));
        assert!(!remote_check(&rt, &v, &token), "kid only at jwks_uri");
        assert_eq!(issuer.hits("/.well-known/openid-configuration"), 0);
        assert_eq!(issuer.hits("/certs"), 0);
        // The key appears at the fixed path later: the cached set wins.
        issuer.set(
            "/.well-known/jwks.json",
            200,
            &keys::embedded_jwks().to_string(),
        );
        assert!(!remote_check(&rt, &v, &token), "added after the fetch");
        assert_eq!(issuer.hits("/.well-known/jwks.json"), 1);
        let oidc = v.oidc().unwrap();
        assert_eq!(oidc.fetches(), 1);
        // A token without kid never causes a fetch.
        let fresh = Verifier::with_oidc(
            b"secret".to_vec(),
            OidcTrust::remote(&issuer.url(), "netinvite"),
        );
        let no_kid = keys::embedded().sign_jwt(&base(json!({})), false);
        assert!(!remote_check(&rt, &fresh, &no_kid));
        assert_eq!(fresh.oidc().unwrap().fetches(), 0);
        // A restart (a new verifier) sees the new key.
        assert!(remote_check(&rt, &fresh, &token));
    }

    #[test]
    fn failed_key_set_fetch_is_not_cached() {
        let rt = runtime();
        let issuer = ScriptedIssuer::start();
        issuer.set("/.well-known/jwks.json", 500, "Internal Server Error");
        let v = Verifier::with_oidc(
            b"secret".to_vec(),
            OidcTrust::remote(&issuer.url(), "netinvite"),
        );
        let token = rs(base(json!({"aud": "netinvite"})));
        assert!(!remote_check(&rt, &v, &token));
        issuer.set("/.well-known/jwks.json", 200, "not json");
        assert!(!remote_check(&rt, &v, &token));
        issuer.set(
            "/.well-known/jwks.json",
            200,
            &keys::embedded_jwks().to_string(),
        );
        assert!(remote_check(&rt, &v, &token));
        assert!(remote_check(&rt, &v, &token));
        assert_eq!(issuer.hits("/.well-known/jwks.json"), 3);
        // An issuer that is not there at all (a port just freed).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let gone = Verifier::with_oidc(
            b"secret".to_vec(),
            OidcTrust::remote(&format!("http://127.0.0.1:{port}"), "netinvite"),
        );
        assert!(!remote_check(&rt, &gone, &token));
        assert_eq!(gone.oidc().unwrap().fetches(), 1);
    }

    #[test]
    fn unusable_keys_crash_like_jwk_construct() {
        let rt = runtime();
        let issuer = ScriptedIssuer::start();
        let mut jwk = keys::embedded().jwk();
        jwk["alg"] = json!("HS256");
        issuer.set(
            "/.well-known/jwks.json",
            200,
            &json!({"keys": [jwk]}).to_string(),
        );
        let v = Verifier::with_oidc(
            b"secret".to_vec(),
            OidcTrust::remote(&issuer.url(), "netinvite"),
        );
        let token = rs(base(json!({})));
        rt.block_on(v.prefetch(Some(&format!("Bearer {token}"))));
        assert_eq!(check(&v, &token), Auth::Crash);
    }
}

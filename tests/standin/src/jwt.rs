//! Bearer-token handling: minting the server's own HS256 JWTs and deciding,
//! exactly as the backend does, whether a request is authenticated.
//!
//! The backend reads `Authorization` with FastAPI's `HTTPBearer(auto_error=False)`,
//! decodes the token with python-jose (`algorithms=["HS256"]`, no audience) and
//! then builds a pydantic `UserInfo` from the claims. Each stage has its own
//! observable outcome, which [`authenticate`] reproduces:
//!
//! * a token jose refuses (bad signature, expired `exp`, any `aud`, non-string
//!   `sub`, ...) means "not authenticated" (401, or `{"authenticated":false}`);
//! * a token without a truthy `sub` means the same;
//! * claims jose accepts but that break `UserInfo` (say `"email": 5`) or that
//!   make jose's own `int()` calls raise a TypeError (`"exp": null`) crash the
//!   request: a plain-text 500.
//!
//! Validation lives in [`Verifier::decode`]. When an OIDC issuer is trusted,
//! the backend first looks the token's `kid` up in
//! `{issuer}/.well-known/jwks.json` and, if found, verifies RS256/384/512 with
//! `aud` containing the client id (`oidc/verify.rs`); otherwise it falls
//! through to the HS256 path here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::oidc::verify::OidcTrust;
use crate::pyjson::{self, PyValue};

/// The identity a valid token carries (pydantic's `UserInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    pub role: String,
    pub system_role: String,
}

impl Claims {
    pub fn is_system_admin(&self) -> bool {
        self.system_role == "system-admin"
    }
}

/// The outcome of looking at a request's `Authorization` header.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// An accepted token.
    User(Claims),
    /// No usable token: the endpoint treats the caller as anonymous.
    Anonymous,
    /// The claims make the backend raise: it answers a plain-text 500.
    Crash,
}

/// Why a token was not decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reject {
    /// python-jose raised a `JWTError`: treated as "no token".
    Invalid,
    /// python-jose raised something else (TypeError, OverflowError): a 500.
    Crash,
}

/// Verifies tokens for one server instance.
pub struct Verifier {
    /// Behind a lock so that a test can rotate it, as a restarted server with a new
    /// secret would.
    secret: std::sync::Mutex<Vec<u8>>,
    /// The trusted OIDC issuer's keys, consulted before the secret.
    oidc: Option<OidcTrust>,
}

impl Verifier {
    pub fn new(secret: Vec<u8>) -> Self {
        Verifier {
            secret: std::sync::Mutex::new(secret),
            oidc: None,
        }
    }

    /// A verifier that also accepts the issuer's RSA-signed tokens.
    pub fn with_oidc(secret: Vec<u8>, oidc: OidcTrust) -> Self {
        Verifier {
            secret: std::sync::Mutex::new(secret),
            oidc: Some(oidc),
        }
    }

    #[cfg(test)]
    pub fn oidc(&self) -> Option<&OidcTrust> {
        self.oidc.as_ref()
    }

    /// Loads what [`authenticate`] will need for this `Authorization` value
    /// that cannot be had synchronously: the issuer's key set, if the token
    /// names a key and the set has not been fetched yet.
    pub async fn prefetch(&self, header: Option<&str>) {
        if let (Some(oidc), Some(token)) = (&self.oidc, header.and_then(bearer_credentials)) {
            oidc.prefetch(token).await;
        }
    }

    /// Replaces the signing secret: every token signed before stops verifying.
    pub fn rotate(&self, secret: Vec<u8>) {
        *self
            .secret
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = secret;
    }

    /// Signs `claims` (a JSON object, keys in the given order) as python-jose does.
    pub fn sign(&self, claims: &[(&str, PyValue)]) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = PyValue::Dict(
            claims
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
        .dumps()
        .unwrap_or_else(|_| "{}".into());
        let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(body));
        let sig = URL_SAFE_NO_PAD.encode(self.mac(signing_input.as_bytes()));
        format!("{signing_input}.{sig}")
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let secret = self
            .secret
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&secret).expect("HMAC takes keys of any size");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// `decode_token`: the verified claims object of a token.
    fn decode(&self, token: &str, now: i64) -> Result<Vec<(String, PyValue)>, Reject> {
        // Step 1: a `kid` found in the trusted issuer's key set decides alone.
        if let Some(outcome) = self.oidc.as_ref().and_then(|o| o.decode(token, now)) {
            return outcome;
        }
        // Step 2: the server's own HS256 token.
        let parts = split_token(token)?;
        if parts.header.get("alg") != Some(&PyValue::Str("HS256".into())) {
            return Err(Reject::Invalid);
        }
        let expected = self.mac(parts.signing_input.as_bytes());
        if !constant_time_eq(&expected, &parts.signature) {
            return Err(Reject::Invalid);
        }
        let claims = parts.claims()?;
        validate_registered_claims(&claims, now, Audience::NotExpected)?;
        Ok(claims)
    }
}

/// A JWS in compact form, decoded but not verified (python-jose's `_load`).
pub(crate) struct Parts<'a> {
    pub signing_input: &'a str,
    /// Always a `PyValue::Dict`.
    pub header: PyValue,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Parts<'_> {
    /// The payload as a claims object (`jwt.decode` insists on an object).
    pub fn claims(&self) -> Result<Vec<(String, PyValue)>, Reject> {
        let payload = std::str::from_utf8(&self.payload).map_err(|_| Reject::Invalid)?;
        match pyjson::loads_str(payload).map_err(|_| Reject::Invalid)? {
            PyValue::Dict(claims) => Ok(claims),
            _ => Err(Reject::Invalid),
        }
    }
}

/// Splits and decodes a token; any failure is jose's `JWSError`.
pub(crate) fn split_token(token: &str) -> Result<Parts<'_>, Reject> {
    let (signing_input, sig_segment) = token.rsplit_once('.').ok_or(Reject::Invalid)?;
    let (header_segment, claims_segment) = signing_input.split_once('.').ok_or(Reject::Invalid)?;
    let header = py_b64url_decode(header_segment).ok_or(Reject::Invalid)?;
    let header = String::from_utf8(header).map_err(|_| Reject::Invalid)?;
    let header = pyjson::loads_str(&header).map_err(|_| Reject::Invalid)?;
    let PyValue::Dict(_) = header else {
        return Err(Reject::Invalid);
    };
    let payload = py_b64url_decode(claims_segment).ok_or(Reject::Invalid)?;
    let signature = py_b64url_decode(sig_segment).ok_or(Reject::Invalid)?;
    Ok(Parts {
        signing_input,
        header,
        payload,
        signature,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What `jwt.decode` was told about the audience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Audience<'a> {
    /// No `audience` argument: any `aud` claim fails.
    NotExpected,
    /// `audience=client_id`: an `aud` claim must contain it; no claim passes.
    Expect(&'a str),
    /// `options={"verify_aud": False}`: `aud` is not looked at.
    Unchecked,
}

/// python-jose's `_validate_claims` with default options apart from the
/// audience (`iat`, `nbf`, `exp`, `aud`, `sub`, `jti`, `at_hash`, in its order).
pub(crate) fn validate_registered_claims(
    claims: &[(String, PyValue)],
    now: i64,
    audience: Audience<'_>,
) -> Result<(), Reject> {
    let get = |k: &str| claims.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    if let Some(v) = get("iat") {
        py_int(v)?;
    }
    if let Some(v) = get("nbf")
        && py_int(v)? > i128::from(now)
    {
        return Err(Reject::Invalid);
    }
    if let Some(v) = get("exp")
        && py_int(v)? < i128::from(now)
    {
        return Err(Reject::Invalid);
    }
    if let Some(aud) = get("aud") {
        let expected = match audience {
            Audience::Unchecked => None,
            // jose compares the claim with the (absent) expected audience.
            Audience::NotExpected => return Err(Reject::Invalid),
            Audience::Expect(id) => Some(id),
        };
        if let Some(expected) = expected {
            // A string counts as a one-element list; anything but a list
            // of strings is "Invalid claim format".
            let contains = match aud {
                PyValue::Str(s) => s == expected,
                PyValue::List(items) => {
                    if !items.iter().all(|i| matches!(i, PyValue::Str(_))) {
                        return Err(Reject::Invalid);
                    }
                    items.contains(&PyValue::Str(expected.to_string()))
                }
                _ => return Err(Reject::Invalid),
            };
            if !contains {
                return Err(Reject::Invalid);
            }
        }
    }
    // `sub` and `jti`, when present, must be strings.
    for key in ["sub", "jti"] {
        if get(key).is_some_and(|v| !matches!(v, PyValue::Str(_))) {
            return Err(Reject::Invalid);
        }
    }
    // jose checks `at_hash` against the access token it is handed, and the
    // backend hands it none: any `at_hash` fails ("No access_token provided").
    if get("at_hash").is_some() {
        return Err(Reject::Invalid);
    }
    Ok(())
}

/// Python's `int(value)` as jose applies it to time claims: ValueError is a
/// rejected token, TypeError/OverflowError escape as a server error.
fn py_int(v: &PyValue) -> Result<i128, Reject> {
    match v {
        PyValue::Bool(b) => Ok(i128::from(*b)),
        PyValue::Int(i) => Ok(i128::from(*i)),
        PyValue::BigInt(s) => Ok(if s.starts_with('-') {
            i128::MIN
        } else {
            i128::MAX
        }),
        PyValue::Float(f) if f.is_nan() => Err(Reject::Invalid),
        PyValue::Float(f) if f.is_infinite() => Err(Reject::Crash),
        PyValue::Float(f) => Ok(f.trunc() as i128),
        PyValue::Str(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            let valid = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
                && !digits.starts_with('_')
                && !digits.ends_with('_')
                && !digits.contains("__");
            if !valid {
                return Err(Reject::Invalid);
            }
            let clean: String = t.chars().filter(|&c| c != '_').collect();
            Ok(clean.parse::<i128>().unwrap_or(if clean.starts_with('-') {
                i128::MIN
            } else {
                i128::MAX
            }))
        }
        PyValue::Null | PyValue::List(_) | PyValue::Dict(_) => Err(Reject::Crash),
    }
}

/// `base64.urlsafe_b64decode` after jose's re-padding, with CPython's
/// non-strict rules: characters outside the alphabet are skipped, and decoding
/// stops at the first pad that completes a quantum.
pub(crate) fn py_b64url_decode(segment: &str) -> Option<Vec<u8>> {
    let mut input: Vec<u8> = segment.as_bytes().to_vec();
    let rem = input.len() % 4;
    if rem > 0 {
        input.extend(std::iter::repeat_n(b'=', 4 - rem));
    }
    let value = |b: u8| -> Option<u8> {
        match b {
            b'A'..=b'Z' => Some(b - b'A'),
            b'a'..=b'z' => Some(b - b'a' + 26),
            b'0'..=b'9' => Some(b - b'0' + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::new();
    let mut quad = [0u8; 4];
    let mut quad_pos = 0usize;
    let mut pads = 0usize;
    for b in input {
        if b == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let Some(v) = value(b) else { continue };
        quad[quad_pos] = v;
        quad_pos += 1;
        match quad_pos {
            2 => out.push((quad[0] << 2) | (quad[1] >> 4)),
            3 => out.push((quad[1] << 4) | (quad[2] >> 2)),
            4 => {
                out.push((quad[2] << 6) | quad[3]);
                quad_pos = 0;
            }
            _ => {}
        }
    }
    (quad_pos == 0).then_some(out)
}

/// `HTTPBearer(auto_error=False)` + `get_current_user_optional`.
///
/// `header` is the first `Authorization` header, decoded as latin-1.
pub fn authenticate(verifier: &Verifier, header: Option<&str>, now: i64) -> Auth {
    let Some(credentials) = header.and_then(bearer_credentials) else {
        return Auth::Anonymous;
    };
    let claims = match verifier.decode(credentials, now) {
        Ok(c) => c,
        Err(Reject::Invalid) => return Auth::Anonymous,
        Err(Reject::Crash) => return Auth::Crash,
    };
    user_info(&claims)
}

/// The credentials of a `Bearer` value as `HTTPBearer` splits it: scheme
/// matched without regard to case, the rest after the first space.
pub(crate) fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    (!scheme.is_empty() && !credentials.is_empty() && scheme.eq_ignore_ascii_case("bearer"))
        .then_some(credentials)
}

/// Builds `UserInfo(sub=..., email=..., role=..., system_role=...)`.
fn user_info(claims: &[(String, PyValue)]) -> Auth {
    let get = |k: &str| claims.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let sub = match get("sub") {
        Some(PyValue::Str(s)) if !s.is_empty() => s.clone(),
        _ => return Auth::Anonymous,
    };
    let email = match get("email") {
        None | Some(PyValue::Null) => None,
        Some(PyValue::Str(s)) => Some(s.clone()),
        Some(_) => return Auth::Crash,
    };
    let as_str = |v: Option<&PyValue>, default: &str| -> Option<String> {
        match v {
            None => Some(default.to_string()),
            Some(PyValue::Str(s)) => Some(s.clone()),
            Some(_) => None,
        }
    };
    // `payload.get("system_role", payload.get("role", "user"))`
    let Some(role) = as_str(get("role"), "user") else {
        return Auth::Crash;
    };
    let system_role = match get("system_role") {
        Some(v) => as_str(Some(v), ""),
        None => as_str(get("role"), "user"),
    };
    let Some(system_role) = system_role else {
        return Auth::Crash;
    };
    Auth::User(Claims {
        sub,
        email,
        role,
        system_role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn verifier() -> Verifier {
        Verifier::new(b"test-secret".to_vec())
    }

    fn token(claims: &[(&str, PyValue)]) -> String {
        verifier().sign(claims)
    }

    fn auth(header: &str) -> Auth {
        authenticate(&verifier(), Some(header), NOW)
    }

    fn s(v: &str) -> PyValue {
        PyValue::Str(v.into())
    }

    #[test]
    fn dev_style_token_round_trips() {
        let t = token(&[
            ("sub", s("dev")),
            ("email", s("dev@localhost")),
            ("role", s("system-admin")),
            ("system_role", s("system-admin")),
            ("exp", PyValue::Int(NOW + 60)),
        ]);
        // python-jose's header serialisation: sorted keys, compact.
        assert!(t.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXYi"));
        let want = Auth::User(Claims {
            sub: "dev".into(),
            email: Some("dev@localhost".into()),
            role: "system-admin".into(),
            system_role: "system-admin".into(),
        });
        assert_eq!(auth(&format!("Bearer {t}")), want);
        assert_eq!(auth(&format!("bEaReR {t}")), want);
    }

    #[test]
    fn rejected_tokens_are_anonymous() {
        let good = token(&[("sub", s("u"))]);
        let cases = vec![
            format!("Basic {good}"),
            "Bearer".to_string(),
            "Bearer garbage".to_string(),
            format!("Bearer {good}x"),
            format!(
                "Bearer {}",
                Verifier::new(b"other".to_vec()).sign(&[("sub", s("u"))])
            ),
            format!(
                "Bearer {}",
                token(&[("sub", s("u")), ("exp", PyValue::Int(NOW - 1))])
            ),
            format!("Bearer {}", token(&[("email", s("a@b.c"))])),
            format!("Bearer {}", token(&[("sub", s(""))])),
            format!("Bearer {}", token(&[("sub", PyValue::Int(5))])),
            format!("Bearer {}", token(&[("sub", s("u")), ("aud", s("x"))])),
            format!(
                "Bearer {}",
                token(&[("sub", s("u")), ("nbf", PyValue::Int(NOW + 100))])
            ),
            format!("Bearer {}", token(&[("sub", s("u")), ("exp", s("soon"))])),
        ];
        for header in cases {
            assert_eq!(auth(&header), Auth::Anonymous, "header {header}");
        }
        assert_eq!(authenticate(&verifier(), None, NOW), Auth::Anonymous);
    }

    #[test]
    fn claims_without_exp_and_legacy_role() {
        let t = token(&[("sub", s("u")), ("role", s("system-admin"))]);
        let Auth::User(c) = auth(&format!("Bearer {t}")) else {
            panic!("token should be accepted");
        };
        assert_eq!(c.system_role, "system-admin");
        assert!(c.is_system_admin());
        assert_eq!(c.email, None);
        let t = token(&[("sub", s("u")), ("exp", PyValue::Int(NOW))]);
        assert!(matches!(auth(&format!("Bearer {t}")), Auth::User(_)));
    }

    #[test]
    fn malformed_claim_types_crash() {
        for claims in [
            vec![("sub", s("u")), ("email", PyValue::Int(5))],
            vec![("sub", s("u")), ("role", PyValue::Null)],
            vec![("sub", s("u")), ("exp", PyValue::Null)],
            vec![("sub", s("u")), ("system_role", PyValue::List(vec![]))],
        ] {
            let t = token(&claims);
            assert_eq!(
                auth(&format!("Bearer {t}")),
                Auth::Crash,
                "claims {claims:?}"
            );
        }
    }

    #[test]
    fn lenient_base64_like_cpython() {
        assert_eq!(py_b64url_decode("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(py_b64url_decode("YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(py_b64url_decode("YW.I").as_deref(), None);
        assert_eq!(py_b64url_decode("Y").as_deref(), None);
        assert_eq!(py_b64url_decode("_-8").as_deref(), Some(&[0xff, 0xef][..]));
    }
}

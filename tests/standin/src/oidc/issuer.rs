//! The embedded issuer's state: device authorizations, authorization codes,
//! grants and their refresh tokens, and the tokens it mints.
//!
//! It behaves like the `oidc-provider` set-up of real-parts.md section 1,
//! including the parts a client is most likely to get wrong: refresh tokens
//! rotate on every use, and presenting a used one revokes the whole grant
//! (its newest refresh token stops working too); a reused authorization code
//! does the same. Refresh tokens are issued for every grant (its
//! `issueRefreshToken` override). ID tokens are RS256 with `aud` = client id;
//! access tokens are RS256 JWTs as well but with `aud: "account"` (as
//! Keycloak does by default), so the backend accepts only the ID token.
//!
//! The HTTP side (parsing, pages, redirects) is in `endpoints.rs`; this file
//! holds the rules and never sees a request.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::EmbeddedIssuer;
use crate::oidc::keys;
use crate::server::lock;

/// Scopes the issuer knows; others are dropped from the granted scope.
pub(crate) const SCOPES: &[&str] = &["openid", "email", "offline_access"];
/// How long an authorization code lives (oidc-provider's default).
const CODE_TTL: Duration = Duration::from_secs(60);
/// How long a consent page (auto-approve off) stays answerable.
const INTERACTION_TTL: Duration = Duration::from_secs(600);
/// The alphabet of user codes (oidc-provider's base-20 consonants: no
/// vowels, so no words, and nothing to confuse with digits).
const USER_CODE_CHARS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// A poll this much earlier than the interval still counts as on time, so
/// that a client sleeping exactly `interval` never sees `slow_down`.
const POLL_TOLERANCE: Duration = Duration::from_millis(100);

/// Who signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub sub: String,
    pub email: Option<String>,
    pub system_role: Option<String>,
}

/// A token-endpoint (or revocation) error: an OAuth error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, description: &str) -> OAuthError {
        OAuthError {
            status,
            error,
            description: description.to_string(),
        }
    }

    fn grant(description: &str) -> OAuthError {
        OAuthError::new(400, "invalid_grant", description)
    }
}

/// A validated authorization request (the endpoint has checked client,
/// redirect URI and PKCE parameters).
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub scope: String,
}

/// What the device authorization endpoint hands out.
#[derive(Debug, Clone)]
pub(crate) struct DeviceGrant {
    pub device_code: String,
    pub user_code: String,
    pub expires_in: i64,
    pub interval: u64,
}

/// A pending device authorization, as the verification page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserCodeState {
    Pending { scope: String },
    Decided,
    Unknown,
}

#[derive(Debug, Clone)]
enum DeviceStatus {
    Pending,
    Approved(Account),
    Denied,
    Consumed,
}

struct Device {
    user_code: String,
    scope: String,
    expires_at: Instant,
    last_poll: Option<Instant>,
    status: DeviceStatus,
}

struct Code {
    request: AuthRequest,
    account: Account,
    expires_at: Instant,
    /// The grant it was exchanged for, once it has been.
    redeemed: Option<u64>,
}

struct Grant {
    account: Account,
    scope: String,
    nonce: Option<String>,
    revoked: bool,
}

struct Refresh {
    grant: u64,
    expires_at: i64,
    used: bool,
}

#[derive(Default)]
struct State {
    account: Option<Account>,
    code_flow_denied: bool,
    devices: HashMap<String, Device>,
    codes: HashMap<String, Code>,
    interactions: HashMap<String, (AuthRequest, Instant)>,
    grants: HashMap<u64, Grant>,
    refresh_tokens: HashMap<String, Refresh>,
    /// Access token `jti` → grant, for userinfo and revocation.
    access_tokens: HashMap<String, u64>,
    revoked_access: HashSet<String>,
    next_grant: u64,
}

/// The embedded issuer of one stand-in.
pub(crate) struct Issuer {
    url: String,
    cfg: EmbeddedIssuer,
    state: Mutex<State>,
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn new_user_code() -> String {
    let mut rng = rand::thread_rng();
    let mut code = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        let c = USER_CODE_CHARS[rng.gen_range(0..USER_CODE_CHARS.len())];
        code.push(c as char);
    }
    code
}

/// Compares user codes as people type them: any case, any separators.
pub(crate) fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The granted scope: the known scopes of the request, in its order, once.
pub(crate) fn granted_scope(requested: &str) -> String {
    let mut granted: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| SCOPES.contains(s)) {
        if !granted.contains(&s) {
            granted.push(s);
        }
    }
    granted.join(" ")
}

/// RFC 7636 S256: `BASE64URL(SHA256(ASCII(code_verifier)))`.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A verifier of the form RFC 7636 requires: 43-128 unreserved characters.
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// `now + d`, or a century from now for durations too long to add (a TTL
/// of "forever" from a test must not panic).
fn later(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn has_scope(scope: &str, name: &str) -> bool {
    scope.split(' ').any(|s| s == name)
}

impl Issuer {
    /// `url` is the issuer identifier, `http://127.0.0.1:PORT/oidc`.
    pub fn new(url: String, cfg: EmbeddedIssuer) -> Issuer {
        Issuer {
            url,
            cfg,
            state: Mutex::new(State::default()),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn client_id(&self) -> &str {
        &self.cfg.client_id
    }

    pub fn auto_approve(&self) -> bool {
        self.cfg.auto_approve_code_flow
    }

    /// The account that signs in now.
    pub fn account(&self) -> Account {
        let state = lock(&self.state);
        state.account.clone().unwrap_or_else(|| Account {
            sub: self.cfg.sub.clone(),
            email: self.cfg.email.clone(),
            system_role: self.cfg.system_role.clone(),
        })
    }

    pub fn set_account(&self, account: Account) {
        lock(&self.state).account = Some(account);
    }

    pub fn set_code_flow_denied(&self, denied: bool) {
        lock(&self.state).code_flow_denied = denied;
    }

    pub fn code_flow_denied(&self) -> bool {
        lock(&self.state).code_flow_denied
    }

    /// The discovery document.
    pub fn discovery(&self) -> Value {
        let u = &self.url;
        json!({
            "issuer": u,
            "authorization_endpoint": format!("{u}/auth"),
            "token_endpoint": format!("{u}/token"),
            "device_authorization_endpoint": format!("{u}/device/auth"),
            "revocation_endpoint": format!("{u}/token/revocation"),
            "userinfo_endpoint": format!("{u}/me"),
            "jwks_uri": format!("{u}/.well-known/jwks.json"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": SCOPES,
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code"
            ],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "nonce",
                "email", "email_verified", "system_role"
            ],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true
        })
    }

    // ---- device flow (RFC 8628) ----

    pub fn start_device(&self, scope: &str) -> DeviceGrant {
        let mut state = lock(&self.state);
        let ttl = self.cfg.device_code_ttl_secs;
        let device_code = random_token();
        let mut user_code = new_user_code();
        while state
            .devices
            .values()
            .any(|d| d.user_code == user_code && !matches!(d.status, DeviceStatus::Consumed))
        {
            user_code = new_user_code();
        }
        state.devices.insert(
            device_code.clone(),
            Device {
                user_code: user_code.clone(),
                scope: granted_scope(scope),
                expires_at: later(Duration::from_secs(u64::try_from(ttl).unwrap_or(0))),
                last_poll: None,
                status: DeviceStatus::Pending,
            },
        );
        DeviceGrant {
            device_code,
            user_code,
            expires_in: ttl,
            interval: self.cfg.device_interval_secs,
        }
    }

    /// What the verification page should say about a user code.
    pub fn user_code_state(&self, user_code: &str) -> UserCodeState {
        let wanted = normalize_user_code(user_code);
        let state = lock(&self.state);
        let now = Instant::now();
        match state
            .devices
            .values()
            .find(|d| normalize_user_code(&d.user_code) == wanted && !wanted.is_empty())
        {
            None => UserCodeState::Unknown,
            Some(d) if now >= d.expires_at => UserCodeState::Unknown,
            Some(d) => match d.status {
                DeviceStatus::Pending => UserCodeState::Pending {
                    scope: d.scope.clone(),
                },
                _ => UserCodeState::Decided,
            },
        }
    }

    /// Approves or denies a pending, unexpired device authorization; false
    /// if there is none for this code.
    pub fn decide_device(&self, user_code: &str, approve: bool) -> bool {
        let wanted = normalize_user_code(user_code);
        if wanted.is_empty() {
            return false;
        }
        let account = self.account();
        let mut state = lock(&self.state);
        let now = Instant::now();
        let Some(device) = state.devices.values_mut().find(|d| {
            normalize_user_code(&d.user_code) == wanted
                && matches!(d.status, DeviceStatus::Pending)
                && now < d.expires_at
        }) else {
            return false;
        };
        device.status = if approve {
            DeviceStatus::Approved(account)
        } else {
            DeviceStatus::Denied
        };
        true
    }

    /// One poll of the token endpoint with a device code.
    pub fn poll_device(&self, device_code: &str) -> Result<Value, OAuthError> {
        let mut state = lock(&self.state);
        let now = Instant::now();
        let interval = Duration::from_secs(self.cfg.device_interval_secs);
        let Some(device) = state.devices.get_mut(device_code) else {
            return Err(OAuthError::grant("device code not found"));
        };
        if now >= device.expires_at {
            return Err(OAuthError::new(
                400,
                "expired_token",
                "device code is expired",
            ));
        }
        let too_fast = device
            .last_poll
            .is_some_and(|last| now.duration_since(last) + POLL_TOLERANCE < interval);
        device.last_poll = Some(now);
        let (account, scope) = match &device.status {
            DeviceStatus::Pending if too_fast => {
                return Err(OAuthError::new(
                    400,
                    "slow_down",
                    "polling faster than the interval allows",
                ));
            }
            DeviceStatus::Pending => {
                return Err(OAuthError::new(
                    400,
                    "authorization_pending",
                    "authorization request is still pending as the end-user hasn't yet completed the user-interaction steps",
                ));
            }
            DeviceStatus::Denied => {
                return Err(OAuthError::new(
                    400,
                    "access_denied",
                    "End-User aborted interaction",
                ));
            }
            DeviceStatus::Consumed => {
                return Err(OAuthError::grant("device code already consumed"));
            }
            DeviceStatus::Approved(account) => (account.clone(), device.scope.clone()),
        };
        device.status = DeviceStatus::Consumed;
        let grant = new_grant(&mut state, account, scope, None);
        Ok(self.issue(&mut state, grant))
    }

    // ---- authorization code flow with PKCE ----

    /// Issues a code for an approved request.
    pub fn issue_code(&self, request: AuthRequest) -> String {
        let account = self.account();
        let mut state = lock(&self.state);
        let code = random_token();
        state.codes.insert(
            code.clone(),
            Code {
                request,
                account,
                expires_at: later(CODE_TTL),
                redeemed: None,
            },
        );
        code
    }

    /// Parks a request until the consent page is answered.
    pub fn park_request(&self, request: AuthRequest) -> String {
        let id = random_token();
        let mut state = lock(&self.state);
        let now = Instant::now();
        state.interactions.retain(|_, (_, at)| *at > now);
        state
            .interactions
            .insert(id.clone(), (request, later(INTERACTION_TTL)));
        id
    }

    /// Takes a parked request back (once).
    pub fn take_request(&self, id: &str) -> Option<AuthRequest> {
        let mut state = lock(&self.state);
        let (request, until) = state.interactions.remove(id)?;
        (Instant::now() < until).then_some(request)
    }

    pub fn exchange_code(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Value, OAuthError> {
        let mut state = lock(&self.state);
        let Some(entry) = state.codes.get(code) else {
            return Err(OAuthError::grant("authorization code not found"));
        };
        if let Some(grant) = entry.redeemed {
            // A code presented twice: someone else may hold its tokens.
            revoke_grant(&mut state, grant);
            return Err(OAuthError::grant("authorization code already consumed"));
        }
        if Instant::now() >= entry.expires_at {
            return Err(OAuthError::grant("authorization code is expired"));
        }
        if redirect_uri != Some(entry.request.redirect_uri.as_str()) {
            return Err(OAuthError::grant(
                "authorization code redirect_uri mismatch",
            ));
        }
        let pkce_ok =
            verifier.is_some_and(|v| valid_verifier(v) && s256(v) == entry.request.code_challenge);
        if !pkce_ok {
            return Err(OAuthError::grant("PKCE verification failed"));
        }
        let (account, scope, nonce) = (
            entry.account.clone(),
            entry.request.scope.clone(),
            entry.request.nonce.clone(),
        );
        let grant = new_grant(&mut state, account, scope, nonce);
        if let Some(entry) = state.codes.get_mut(code) {
            entry.redeemed = Some(grant);
        }
        Ok(self.issue(&mut state, grant))
    }

    // ---- refresh, revocation, userinfo ----

    pub fn refresh(&self, refresh_token: &str) -> Result<Value, OAuthError> {
        let mut state = lock(&self.state);
        let Some(entry) = state.refresh_tokens.get(refresh_token) else {
            return Err(OAuthError::grant("grant request is invalid"));
        };
        let grant = entry.grant;
        if entry.used {
            // Reuse detection: the whole grant goes, newest token included.
            revoke_grant(&mut state, grant);
            return Err(OAuthError::grant("grant request is invalid"));
        }
        if entry.expires_at <= now_secs() || state.grants.get(&grant).is_none_or(|g| g.revoked) {
            return Err(OAuthError::grant("grant request is invalid"));
        }
        if let Some(entry) = state.refresh_tokens.get_mut(refresh_token) {
            entry.used = true;
        }
        Ok(self.issue(&mut state, grant))
    }

    /// RFC 7009: revoking a refresh token revokes its grant; an access token
    /// only itself; anything else is silently accepted.
    pub fn revoke(&self, token: &str) {
        let mut state = lock(&self.state);
        if let Some(grant) = state.refresh_tokens.get(token).map(|r| r.grant) {
            revoke_grant(&mut state, grant);
        } else if let Some(jti) = self.access_token_jti(token) {
            state.revoked_access.insert(jti);
        }
    }

    /// The `jti` of a valid (signed by us, unexpired) access token.
    fn access_token_jti(&self, token: &str) -> Option<String> {
        let claims = self.verify_own(token)?;
        if claims.get("aud")?.as_str()? != "account" {
            return None;
        }
        Some(claims.get("jti")?.as_str()?.to_string())
    }

    /// Claims of a JWT this issuer signed, if unexpired.
    fn verify_own(&self, token: &str) -> Option<Value> {
        let (input, sig) = token.rsplit_once('.')?;
        let (_, payload) = input.split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let public = keys::embedded().public();
        if !keys::verify(&public, keys::RsAlg::Rs256, input.as_bytes(), &sig) {
            return None;
        }
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (claims.get("exp")?.as_i64()? > now_secs()).then_some(claims)
    }

    /// The userinfo answer for an access token, `None` if it is not one
    /// (or no longer one).
    pub fn userinfo(&self, access_token: &str) -> Option<Value> {
        let jti = self.access_token_jti(access_token)?;
        let state = lock(&self.state);
        if state.revoked_access.contains(&jti) {
            return None;
        }
        let grant = state.grants.get(state.access_tokens.get(&jti)?)?;
        if grant.revoked {
            return None;
        }
        let mut info = json!({ "sub": grant.account.sub });
        add_profile_claims(&mut info, &grant.account, &grant.scope);
        Some(info)
    }

    // ---- minting ----

    /// The token response for a grant: new access, ID and refresh tokens.
    fn issue(&self, state: &mut State, grant_id: u64) -> Value {
        let Some(grant) = state.grants.get(&grant_id) else {
            return json!({});
        };
        let (account, scope, nonce) = (
            grant.account.clone(),
            grant.scope.clone(),
            grant.nonce.clone(),
        );
        let now = now_secs();
        let jti = random_token();
        let mut access = json!({
            "iss": self.url,
            "sub": account.sub,
            "aud": "account",
            "azp": self.cfg.client_id,
            "client_id": self.cfg.client_id,
            "scope": scope,
            "jti": jti,
            "iat": now,
            "exp": now.saturating_add(self.cfg.access_token_ttl_secs),
        });
        add_profile_claims(&mut access, &account, &scope);
        let access_token = keys::embedded().sign_jwt(&access, true);
        state.access_tokens.insert(jti, grant_id);
        let refresh_token = random_token();
        state.refresh_tokens.insert(
            refresh_token.clone(),
            Refresh {
                grant: grant_id,
                expires_at: now.saturating_add(self.cfg.refresh_token_ttl_secs),
                used: false,
            },
        );
        let mut response = json!({
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": self.cfg.access_token_ttl_secs,
            "scope": scope,
        });
        if has_scope(&scope, "openid") {
            let at_hash = self.cfg.id_token_at_hash.then(|| {
                let digest = Sha256::digest(access_token.as_bytes());
                URL_SAFE_NO_PAD.encode(&digest[..16])
            });
            response["id_token"] = Value::String(self.id_token(
                &account,
                &scope,
                nonce.as_deref(),
                at_hash.as_deref(),
                now,
            ));
        }
        response
    }

    fn id_token(
        &self,
        account: &Account,
        scope: &str,
        nonce: Option<&str>,
        at_hash: Option<&str>,
        now: i64,
    ) -> String {
        let mut claims = json!({
            "iss": self.url,
            "sub": account.sub,
            "aud": self.cfg.client_id,
            "iat": now,
            "exp": now.saturating_add(self.cfg.id_token_ttl_secs),
        });
        add_profile_claims(&mut claims, account, scope);
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        if let Some(h) = at_hash {
            claims["at_hash"] = json!(h);
        }
        keys::embedded().sign_jwt(&claims, true)
    }
}

/// `email`/`email_verified` with the email scope, `system_role` always
/// (the oidc-provider set-up puts it under `openid`).
fn add_profile_claims(claims: &mut Value, account: &Account, scope: &str) {
    if let (Some(email), true) = (&account.email, has_scope(scope, "email")) {
        claims["email"] = json!(email);
        claims["email_verified"] = json!(true);
    }
    if let Some(role) = &account.system_role {
        claims["system_role"] = json!(role);
    }
}

fn new_grant(state: &mut State, account: Account, scope: String, nonce: Option<String>) -> u64 {
    state.next_grant += 1;
    let id = state.next_grant;
    state.grants.insert(
        id,
        Grant {
            account,
            scope,
            nonce,
            revoked: false,
        },
    );
    id
}

fn revoke_grant(state: &mut State, grant: u64) {
    if let Some(g) = state.grants.get_mut(&grant) {
        g.revoked = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::new("http://127.0.0.1:1/oidc".into(), EmbeddedIssuer::default())
    }

    #[test]
    fn user_codes_and_scopes() {
        let code = new_user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(
            code.bytes()
                .all(|b| b == b'-' || USER_CODE_CHARS.contains(&b))
        );
        assert_eq!(normalize_user_code("wxyz abcd"), "WXYZABCD");
        assert_eq!(normalize_user_code("WXYZ-ABCD"), "WXYZABCD");
        assert_eq!(
            granted_scope("openid  profile email openid offline_access"),
            "openid email offline_access"
        );
        // RFC 7636 appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(!valid_verifier("short"));
        assert!(!valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}!", "a".repeat(50))));
    }

    #[test]
    fn refresh_reuse_revokes_the_grant() {
        let iss = issuer();
        let dev = iss.start_device("openid email offline_access");
        assert!(iss.decide_device(&dev.user_code.to_lowercase(), true));
        assert!(!iss.decide_device(&dev.user_code, true), "decided once");
        let first = iss.poll_device(&dev.device_code).unwrap();
        let rt1 = first["refresh_token"].as_str().unwrap().to_string();
        let second = iss.refresh(&rt1).unwrap();
        let rt2 = second["refresh_token"].as_str().unwrap().to_string();
        assert_ne!(rt1, rt2);
        assert!(
            iss.userinfo(second["access_token"].as_str().unwrap())
                .is_some()
        );
        assert_eq!(iss.refresh(&rt1).unwrap_err().error, "invalid_grant");
        assert_eq!(iss.refresh(&rt2).unwrap_err().error, "invalid_grant");
        assert!(
            iss.userinfo(second["access_token"].as_str().unwrap())
                .is_none()
        );
    }

    #[test]
    fn at_hash_is_optional() {
        let cfg = EmbeddedIssuer {
            id_token_at_hash: true,
            ..EmbeddedIssuer::default()
        };
        let iss = Issuer::new("http://127.0.0.1:1/oidc".into(), cfg);
        let dev = iss.start_device("openid");
        iss.decide_device(&dev.user_code, true);
        let tokens = iss.poll_device(&dev.device_code).unwrap();
        let id = tokens["id_token"].as_str().unwrap();
        let payload = id.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let digest = Sha256::digest(tokens["access_token"].as_str().unwrap().as_bytes());
        assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));
        assert!(claims.get("email").is_none(), "no email scope, no email");
        assert_eq!(claims["system_role"], "system-admin");
    }
}

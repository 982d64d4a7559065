//! Signing in and staying signed in: which token a request carries, where it comes from,
//! and how a new one is obtained when it runs out.
//!
//! Order of precedence for the bearer: `NETINVITE_TOKEN`, then the kernel-keyring copy
//! of the current bearer ([`cache`]), then the profile's token set in its store
//! ([`store`]). A token that expires within a minute is renewed before the request: a
//! dev-token profile fetches a new development token from the server.

pub mod cache;
pub mod jwt;
pub mod lock;
pub mod oidc;
pub mod store;

use std::path::Path;

use crate::api::Client;
use crate::config::{AuthMode, BearerKind, Profile, Storage};
use crate::error::CliError;
use crate::secret::Secret;
pub use store::{TokenSet, TokenStore};

/// Seconds before expiry at which a token is renewed (a quarter of its lifetime for
/// tokens that live less than four minutes, so short-lived tokens are not renewed on
/// every call).
pub const RENEW_MARGIN: i64 = 60;

/// The renewal margin for a token: [`RENEW_MARGIN`], or a quarter of its lifetime.
pub fn renew_margin(token: &str) -> i64 {
    match jwt::claims(token).and_then(|c| Some((c.exp?, c.iat?))) {
        Some((exp, iat)) if exp > iat => RENEW_MARGIN.min((exp - iat) / 4),
        _ => RENEW_MARGIN,
    }
}

/// Whether `tokens` needs renewing before its bearer is sent.
pub fn needs_renewal(tokens: &TokenSet, kind: BearerKind, now: i64) -> bool {
    match (tokens.bearer(kind), tokens.bearer_expires_at(kind)) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(b), Some(exp)) => exp - renew_margin(b) <= now,
    }
}

/// Where the bearer of a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Env,
    Cache,
    Store,
    Fresh,
}

/// A token ready to send.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token: Secret,
    pub source: Source,
    pub expires_at: Option<i64>,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The store a profile's tokens live in.
pub fn store_for(config_dir: &Path, profile_name: &str, profile: &Profile) -> TokenStore {
    let credential = profile
        .credential
        .clone()
        .unwrap_or_else(|| profile_name.to_string());
    match profile.storage {
        Storage::Keyring => TokenStore::Keyring {
            account: format!("{profile_name}@{} [{credential}]", profile.server),
        },
        Storage::File => TokenStore::File {
            path: config_dir
                .join("credentials")
                .join(format!("{credential}.json")),
        },
    }
}

/// A new random credential id for a profile's keyring entry and cache key.
pub fn new_credential_id() -> String {
    let mut buf = [0u8; 9];
    if getrandom(&mut buf).is_err() {
        let n = now() as u64 ^ (std::process::id() as u64) << 20;
        buf[..8].copy_from_slice(&n.to_le_bytes());
    }
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

fn getrandom(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

/// The bearer token for `profile`, renewing it when it is about to expire.
pub async fn bearer(
    profile_name: &str,
    profile: &Profile,
    store: &TokenStore,
    client: &Client,
    config_dir: &Path,
    observer: Option<crate::api::Observer>,
) -> Result<Bearer, CliError> {
    if let Some(t) = env_token() {
        return Ok(t);
    }
    let credential = cache_key(profile_name, profile);
    let now = now();
    if uses_cache(profile)
        && let Some(c) = cache::get(&credential)
        && (c.expires_at == 0 || c.expires_at - renew_margin(&c.bearer) > now)
    {
        return Ok(Bearer {
            token: Secret::new(c.bearer),
            source: Source::Cache,
            expires_at: (c.expires_at != 0).then_some(c.expires_at),
        });
    }
    let Some(tokens) = store.load()? else {
        return Err(CliError::NotSignedIn {
            server: profile.server.clone(),
        });
    };
    let kind = bearer_kind(profile);
    let expires = tokens.bearer_expires_at(kind);
    if !needs_renewal(&tokens, kind, now)
        && let Some(b) = tokens.bearer(kind)
    {
        if uses_cache(profile) {
            remember(&credential, b, expires);
        }
        return Ok(Bearer {
            token: Secret::new(b),
            source: Source::Store,
            expires_at: expires,
        });
    }
    renew(
        profile_name,
        profile,
        store,
        client,
        config_dir,
        None,
        observer,
    )
    .await
}

/// Gets a new bearer after the current one expired or was refused (`rejected` is the
/// bearer the server refused, if that is why).
///
/// Renewal is serialised across processes by a lock file beside the config: whoever
/// holds it re-reads the store first, so that of 32 parallel invocations one refreshes
/// and the others use its result (reusing a rotated refresh token would revoke the
/// whole grant at some issuers).
pub async fn renew(
    profile_name: &str,
    profile: &Profile,
    store: &TokenStore,
    client: &Client,
    config_dir: &Path,
    rejected: Option<&str>,
    observer: Option<crate::api::Observer>,
) -> Result<Bearer, CliError> {
    let credential = cache_key(profile_name, profile);
    cache::remove(&credential);
    let _lock = lock::acquire(config_dir, &credential).await?;
    let kind = bearer_kind(profile);
    let latest = store.load()?;
    if let Some(t) = &latest
        && let Some(b) = t.bearer(kind)
        && !needs_renewal(t, kind, now())
        && rejected.is_none_or(|r| r != b)
    {
        let expires_at = t.bearer_expires_at(kind);
        if uses_cache(profile) {
            remember(&credential, b, expires_at);
        }
        return Ok(Bearer {
            token: Secret::new(b),
            source: Source::Store,
            expires_at,
        });
    }
    let mode = latest.as_ref().map(|t| t.kind).unwrap_or(profile.auth);
    let fresh =
        match mode {
            // A renewal that hits the endpoint's rate limit is a sign-in problem (exit 4)
            // with a known cure, not a failing server: say so.
            AuthMode::DevToken => fetch_dev_token(client, &profile.server)
                .await
                .map_err(|e| match e {
                    CliError::ServerError {
                        status: 500,
                        maybe_rate_limited: true,
                        ..
                    } => CliError::RenewalRateLimited {
                        server: profile.server.clone(),
                        rejected: rejected.is_some(),
                    },
                    other => other,
                })?,
            AuthMode::Oidc => {
                let refresh = latest
                    .as_ref()
                    .and_then(|t| t.refresh_token.clone())
                    .ok_or(CliError::SessionExpired)?;
                let (Some(issuer), Some(client_id)) = (&profile.issuer, &profile.client_id) else {
                    return Err(CliError::SessionExpired);
                };
                let provider =
                    oidc::Provider::discover(issuer, client_id, client.net(), observer).await?;
                provider.refresh(&refresh).await?
            }
            AuthMode::Token => {
                return Err(CliError::TokenRejected {
                    server: profile.server.clone(),
                    from_env: false,
                });
            }
        };
    // Saved every time: the refresh token may have been rotated.
    store.save(&fresh)?;
    let b = fresh.bearer(kind).unwrap_or_default().to_string();
    let expires_at = fresh.bearer_expires_at(kind);
    if uses_cache(profile) {
        remember(&credential, &b, expires_at);
    }
    Ok(Bearer {
        token: Secret::new(b),
        source: Source::Fresh,
        expires_at,
    })
}

/// Asks a server without OIDC for its development token.
pub async fn fetch_dev_token(client: &Client, server: &str) -> Result<TokenSet, CliError> {
    let dev = client.dev_token().await.map_err(|e| match e.status() {
        Some(404) => CliError::SignInUnavailable {
            server: server.to_string(),
            reason: "the server has OIDC sign-in configured and hands out no development token"
                .into(),
        },
        _ => CliError::from_rate_limited_api(e, server),
    })?;
    let from_claims = jwt::claims(&dev.token).and_then(|c| c.exp);
    let expires_at = from_claims.or(dev.expires_in.map(|s| now() + s));
    Ok(TokenSet {
        kind: AuthMode::DevToken,
        access_token: Some(dev.token),
        id_token: None,
        refresh_token: None,
        expires_at,
    })
}

/// Only keyring profiles keep a fast copy: a token file is as quick to read, and its
/// permission check must run every time.
pub fn uses_cache(profile: &Profile) -> bool {
    profile.storage == Storage::Keyring
}

/// Keeps a fast copy of `bearer` until shortly before it expires.
pub fn remember(credential: &str, bearer: &str, expires_at: Option<i64>) {
    let now = now();
    let ttl = match expires_at {
        Some(e) => (e - renew_margin(bearer) - now).max(0) as u64,
        // A token without an expiry is re-read from the store every hour.
        None => 3600,
    };
    cache::put(credential, bearer, expires_at.unwrap_or(0), ttl);
}

/// The kernel-keyring key of a profile's bearer copy.
pub fn cache_key(profile_name: &str, profile: &Profile) -> String {
    match &profile.credential {
        Some(c) => c.clone(),
        None => format!("{profile_name}@{}", profile.server),
    }
}

/// `NETINVITE_TOKEN`, which overrides whatever is stored (for CI).
pub fn env_token() -> Option<Bearer> {
    let t = std::env::var("NETINVITE_TOKEN").ok()?;
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    Some(Bearer {
        token: Secret::new(t),
        source: Source::Env,
        expires_at: jwt::claims(t).and_then(|c| c.exp),
    })
}

/// Which token kind a profile sends.
pub fn bearer_kind(profile: &Profile) -> BearerKind {
    profile.bearer.unwrap_or_default()
}

//! Where a profile's token set is kept: the OS keyring (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows), or — only when the user opted in
//! with `--insecure-storage` — a file created with mode 0600.
//!
//! Keyring calls run on a helper thread and are abandoned after 3 seconds, so that a
//! keyring that waits for an unlock prompt nobody can see never hangs a script.
//!
//! netinvite processes take turns at the keyring (an advisory lock per user, in the
//! runtime directory): a hundred parallel processes otherwise all negotiate with the
//! Secret Service at once, and most of them run out of their 3 seconds while queueing.
//! With turns, the 3 seconds count from a process's own turn; the wait for a turn is
//! bounded too.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{AuthMode, BearerKind};
use crate::error::CliError;

const KEYRING_SERVICE: &str = "netinvite";
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a process waits for its turn at the keyring.
const KEYRING_TURN_WAIT: Duration = Duration::from_secs(30);

/// Everything a profile needs to make authenticated calls. One keyring secret per profile.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenSet {
    pub kind: AuthMode,
    /// The bearer for dev and pasted tokens; the OAuth access token for OIDC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Unix seconds; `None` when the token does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("kind", &self.kind)
            .field("expires_at", &self.expires_at)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenSet {
    /// The token to send as `Authorization: Bearer`.
    pub fn bearer(&self, kind: BearerKind) -> Option<&str> {
        match (self.kind, kind) {
            (AuthMode::Oidc, BearerKind::IdToken) => self.id_token.as_deref(),
            _ => self.access_token.as_deref(),
        }
    }

    /// When the bearer stops being valid: the JWT's own `exp` wins over what the issuer
    /// said, since that is what the server checks.
    pub fn bearer_expires_at(&self, kind: BearerKind) -> Option<i64> {
        self.bearer(kind)
            .and_then(|t| super::jwt::claims(t).and_then(|c| c.exp))
            .or(self.expires_at)
    }
}

#[derive(Debug, Clone)]
pub enum TokenStore {
    Keyring { account: String },
    File { path: PathBuf },
}

impl TokenStore {
    /// Human description, for `auth status`.
    pub fn describe(&self) -> String {
        match self {
            TokenStore::Keyring { .. } => "OS keyring".into(),
            TokenStore::File { path } => format!("file {} (0600)", path.display()),
        }
    }

    /// A stable short name for JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenStore::Keyring { .. } => "keyring",
            TokenStore::File { .. } => "file",
        }
    }

    pub fn load(&self) -> Result<Option<TokenSet>, CliError> {
        let text = match self {
            TokenStore::Keyring { account } => {
                let account = account.clone();
                with_timeout(move || {
                    let entry = keyring::Entry::new(KEYRING_SERVICE, &account)?;
                    match entry.get_password() {
                        Ok(s) => Ok(Some(s)),
                        Err(keyring::Error::NoEntry) => Ok(None),
                        Err(e) => Err(e),
                    }
                })?
            }
            TokenStore::File { path } => read_private(path)?,
        };
        match text {
            None => Ok(None),
            // An entry that does not parse (written by a future version, or damaged) is
            // "not signed in", not a crash.
            Some(t) => Ok(serde_json::from_str(&t).ok()),
        }
    }

    pub fn save(&self, tokens: &TokenSet) -> Result<(), CliError> {
        let text = serde_json::to_string(tokens).map_err(|e| CliError::Io {
            what: "cannot encode the token set".into(),
            message: e.to_string(),
        })?;
        match self {
            TokenStore::Keyring { account } => {
                let account = account.clone();
                with_timeout(move || {
                    keyring::Entry::new(KEYRING_SERVICE, &account)?.set_password(&text)
                })
            }
            // Atomic: a reader (or a process killed mid-write) sees the old token set or
            // the new one, never half a file.
            TokenStore::File { path } => crate::fsutil::write_atomic(path, text.as_bytes())
                .map_err(|e| CliError::Io {
                    what: format!("cannot write {}", path.display()),
                    message: e.to_string(),
                }),
        }
    }

    /// Forgets the token set; `Ok(false)` when there was nothing to forget.
    pub fn delete(&self) -> Result<bool, CliError> {
        match self {
            TokenStore::Keyring { account } => {
                let account = account.clone();
                with_timeout(move || {
                    match keyring::Entry::new(KEYRING_SERVICE, &account)?.delete_credential() {
                        Ok(()) => Ok(true),
                        Err(keyring::Error::NoEntry) => Ok(false),
                        Err(e) => Err(e),
                    }
                })
            }
            TokenStore::File { path } => match std::fs::remove_file(path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(CliError::Io {
                    what: format!("cannot remove {}", path.display()),
                    message: e.to_string(),
                }),
            },
        }
    }
}

/// Runs a keyring call on a helper thread, giving up after [`KEYRING_TIMEOUT`].
fn with_timeout<T: Send + 'static>(
    f: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> Result<T, CliError> {
    let _turn = keyring_turn()?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(CliError::Keyring {
            message: keyring_message(&e),
        }),
        Err(_) => Err(CliError::KeyringTimeout),
    }
}

/// Takes this user's keyring turn; `None` (no turns, go ahead) when the lock file cannot
/// be used: taking turns is an optimisation, not a requirement.
fn keyring_turn() -> Result<Option<std::fs::File>, CliError> {
    let Some(dir) = directories::BaseDirs::new()
        .and_then(|b| b.runtime_dir().map(|d| d.to_path_buf()))
        .or_else(|| {
            directories::ProjectDirs::from("", "", "netinvite").map(|p| p.cache_dir().to_path_buf())
        })
    else {
        return Ok(None);
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return Ok(None);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("netinvite-keyring.lock"))
    else {
        return Ok(None);
    };
    match super::lock::wait_blocking(&file, KEYRING_TURN_WAIT) {
        Ok(()) => Ok(Some(file)),
        Err(None) => Err(CliError::KeyringTimeout),
        Err(Some(_)) => Ok(None),
    }
}

fn keyring_message(e: &keyring::Error) -> String {
    let text = crate::api::error::chain(e);
    if text.contains("NoDefaultStore") || matches!(e, keyring::Error::NoDefaultStore) {
        return "no credential store could be opened (is a Secret Service running on the session D-Bus?)".into();
    }
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        "unknown keyring error".into()
    } else {
        first.to_string()
    }
}

/// Reads a token file, refusing one that others can read.
fn read_private(path: &PathBuf) -> Result<Option<String>, CliError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::Io {
                what: format!("cannot read {}", path.display()),
                message: e.to_string(),
            });
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CliError::FileTooOpen {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| CliError::Io {
            what: format!("cannot read {}", path.display()),
            message: e.to_string(),
        })
}

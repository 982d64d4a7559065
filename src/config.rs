//! `config.toml`: named profiles, each a server and how to sign in to it.
//!
//! The file lives in the OS config directory (`directories`), or in
//! `NETINVITE_CONFIG_DIR` when set. It holds no secrets: tokens live in the OS keyring
//! (or, on explicit opt-in, in a 0600 file beside this one, named in the profile).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::CliError;

/// Where a profile's token set is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Storage {
    #[default]
    Keyring,
    /// A 0600 file in the config directory (`--insecure-storage`).
    File,
}

/// How the profile signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// The server's development token (a server without OIDC); fetched again on expiry.
    #[default]
    DevToken,
    /// A token given with `--with-token`; never refreshed.
    Token,
    /// OIDC sign-in at the server's identity provider.
    Oidc,
}

/// Which OIDC token is sent as the bearer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum BearerKind {
    /// The ID token: its audience is the client id, which is what the server checks.
    #[default]
    IdToken,
    /// The access token, for identity providers that put the server's client id in it.
    AccessToken,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Profile {
    /// The server's base URL, without a trailing slash.
    pub server: String,
    /// Base URL of the web UI for invitation links, when it differs from `server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(default)]
    pub auth: AuthMode,
    #[serde(default)]
    pub storage: Storage,
    /// The name of this profile's keyring entry (random, so that two config
    /// directories never share a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Who signed in (email or subject), for display only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer: Option<BearerKind>,
    /// Seconds to wait for a connection (`--connect-timeout` overrides it).
    #[serde(
        default,
        alias = "connect-timeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub connect_timeout: Option<f64>,
    /// Seconds the server may stay silent (`--timeout` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
}

/// A number of seconds for a timeout: positive, at most a day; fractions allowed.
pub fn parse_seconds(input: &str) -> Result<std::time::Duration, String> {
    input
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(seconds_value)
        .ok_or_else(|| crate::error::invalid_seconds(input))
}

/// A timeout from a number of seconds, if it is one netinvite accepts.
pub fn seconds_value(secs: f64) -> Option<std::time::Duration> {
    (secs.is_finite() && secs > 0.0 && secs <= 86_400.0)
        .then(|| std::time::Duration::from_secs_f64(secs))
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

pub struct Config {
    dir: PathBuf,
    pub file: ConfigFile,
}

impl Config {
    /// The config directory: `NETINVITE_CONFIG_DIR`, else the OS default.
    pub fn dir_from_env() -> Result<PathBuf, CliError> {
        if let Some(d) = std::env::var_os("NETINVITE_CONFIG_DIR").filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(d));
        }
        directories::ProjectDirs::from("", "", "netinvite")
            .map(|p| p.config_dir().to_path_buf())
            .ok_or_else(|| CliError::Config {
                path: "(config directory)".into(),
                message: "no home directory found".into(),
            })
    }

    /// Reads `config.toml`; a missing file is an empty configuration.
    pub fn load(dir: PathBuf) -> Result<Self, CliError> {
        let path = dir.join("config.toml");
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| CliError::Config {
                path: path.display().to_string(),
                message: e.message().to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(e) => {
                return Err(CliError::Config {
                    path: path.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        Ok(Self { dir, file })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// Writes the file atomically (a temporary file renamed over it).
    pub fn save(&self) -> Result<(), CliError> {
        let path = self.path();
        let err = |e: std::io::Error| CliError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let text = toml::to_string(&self.file).map_err(|e| CliError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let tmp = self.dir.join(".config.toml.tmp");
        write_private(&tmp, text.as_bytes()).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }

    /// The profile names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.file.profiles.keys().cloned().collect()
    }
}

/// Creates (or truncates) a file readable by its owner only: created with mode 0600, not
/// chmod-ed afterwards, so there is no moment when others could read it.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Parses and normalises a server URL: a scheme (https when none is given), no query or
/// fragment, no trailing slash.
pub fn normalize_server(input: &str) -> Result<Url, CliError> {
    let trimmed = input.trim();
    let bad = |reason: &str| CliError::InvalidServerUrl {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("only http and https are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials do not belong in the URL"));
    }
    let path = url.path().trim_end_matches('/').to_string();
    let path = path.strip_suffix("/api").unwrap_or(&path).to_string();
    url.set_path(&path);
    Ok(url)
}

/// A URL as text without the trailing slash `Url` adds to an empty path.
pub fn display_url(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_normalised() {
        let u = normalize_server("https://nebula.example.com/").unwrap();
        assert_eq!(display_url(&u), "https://nebula.example.com");
        let u = normalize_server("nebula.example.com").unwrap();
        assert_eq!(display_url(&u), "https://nebula.example.com");
        let u = normalize_server("http://127.0.0.1:9091/api/").unwrap();
        assert_eq!(display_url(&u), "http://127.0.0.1:9091");
        let u = normalize_server("https://example.com/nebula/").unwrap();
        assert_eq!(display_url(&u), "https://example.com/nebula");
        assert!(normalize_server("ftp://x").is_err());
        assert!(normalize_server("https://x/?a=1").is_err());
        assert!(normalize_server("").is_err());
    }

    #[test]
    fn round_trips_through_toml() {
        let mut f = ConfigFile::default();
        f.profiles.insert(
            "default".into(),
            Profile {
                server: "https://n.example".into(),
                credential: Some("abc".into()),
                ..Default::default()
            },
        );
        let text = toml::to_string(&f).unwrap();
        let back: ConfigFile = toml::from_str(&text).unwrap();
        assert_eq!(back, f);
    }
}

//! `config.toml`: named profiles, each a server and how to sign in to it.
//!
//! The file lives in the OS config directory (`directories`), or in
//! `NETINVITE_CONFIG_DIR` when set. It holds no secrets: tokens live in the OS keyring
//! (or, on explicit opt-in, in a 0600 file beside this one, named in the profile).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::CliError;
use crate::fsutil;

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
    /// An extra CA certificate file (PEM) to trust for this server and its identity
    /// provider, as an absolute path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// Seconds to wait for a connection (`--connect-timeout` overrides it).
    #[serde(
        default,
        alias = "connect-timeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub connect_timeout: Option<f64>,
    /// Seconds the server may stay silent (`--read-timeout` overrides it).
    #[serde(
        default,
        alias = "read-timeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub read_timeout: Option<f64>,
    /// Seconds a command may spend on requests, retries included (`--max-time`
    /// overrides it).
    #[serde(default, alias = "max-time", skip_serializing_if = "Option::is_none")]
    pub max_time: Option<f64>,
    /// Keys this version does not know, kept so that a save never drops them.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
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
    /// Keys this version does not know (a typo, or a newer netinvite): kept, so that
    /// saving never drops them, and warned about.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// How long a change to config.toml waits for another process's change to finish.
const LOCK_WAIT: Duration = Duration::from_secs(10);

pub struct Config {
    dir: PathBuf,
    pub file: ConfigFile,
    /// What a reader of the file should know (unknown keys kept as they are), for the
    /// caller to show.
    pub warnings: Vec<String>,
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

    /// Reads `config.toml`; a missing file is an empty configuration. A file that does
    /// not parse, or a profile that cannot be used, is an error naming the line and key.
    pub fn load(dir: PathBuf) -> Result<Self, CliError> {
        let path = dir.join("config.toml");
        let (file, warnings) = read(&path)?;
        Ok(Self {
            dir,
            file,
            warnings,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// Changes the file: under an advisory lock, re-reads it (another process may have
    /// changed it since this one loaded it), applies `change`, and writes the result
    /// atomically. Two processes changing it at once therefore both keep their change.
    pub fn update<T>(
        &mut self,
        change: impl FnOnce(&mut ConfigFile) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        let path = self.path();
        let _lock = lock_file(&self.dir)?;
        remove_stale_temps(&self.dir);
        remove_stale_temps(&self.dir.join("credentials"));
        let (mut file, _) = read(&path)?;
        let out = change(&mut file)?;
        let text = toml::to_string(&file).map_err(|e| CliError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| CliError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        self.file = file;
        Ok(out)
    }

    /// The profile names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.file.profiles.keys().cloned().collect()
    }
}

/// Parses the file at `path` (missing: empty) and checks every profile.
fn read(path: &Path) -> Result<(ConfigFile, Vec<String>), CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((ConfigFile::default(), Vec::new()));
        }
        Err(e) => {
            return Err(CliError::Config {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    parse(&text).map_err(|mut e| {
        if let CliError::ConfigInvalid { path: p, .. } = &mut e {
            *p = path.display().to_string();
        }
        e
    })
}

/// Parses config.toml text. Errors are [`CliError::ConfigInvalid`] with an empty path
/// (the caller fills it in); the warnings name unknown keys, which are kept.
pub fn parse(text: &str) -> Result<(ConfigFile, Vec<String>), CliError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(0);
        let mut key = key_at(text, at);
        // "missing field `server`" points at the table; name the field that is missing.
        if let Some(field) = e
            .message()
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'))
        {
            key = Some(match key {
                Some(t) => format!("{t}.{field}"),
                None => field.to_string(),
            });
        }
        invalid(text, at, key, e.message().to_string())
    })?;
    for (name, p) in &file.profiles {
        if let Err(e) = normalize_server(&p.server) {
            let at = find_key(text, name, "server");
            let reason = match e {
                CliError::InvalidServerUrl { reason, .. } => reason,
                other => other.message(),
            };
            return Err(invalid(
                text,
                at,
                Some(format!("profiles.{}.server", toml_key(name))),
                format!("{:?} is not a server URL: {reason}", p.server),
            ));
        }
    }
    let mut warnings = Vec::new();
    let mut unknown = |table: Option<&str>, keys: &BTreeMap<String, toml::Value>| {
        for k in keys.keys() {
            let full = match table {
                Some(t) => format!("{t}.{}", toml_key(k)),
                None => toml_key(k),
            };
            warnings.push(format!(
                "config.toml: unknown key `{full}` (kept as it is; netinvite does not use it)"
            ));
        }
    };
    unknown(None, &file.extra);
    for (name, p) in &file.profiles {
        unknown(Some(&format!("profiles.{}", toml_key(name))), &p.extra);
    }
    if let Some(d) = &file.default_profile
        && !file.profiles.contains_key(d)
    {
        warnings.push(format!(
            "config.toml: default_profile is {d:?}, but there is no such profile (pick one with `netinvite config use NAME`)"
        ));
    }
    Ok((file, warnings))
}

fn invalid(text: &str, at: usize, key: Option<String>, message: String) -> CliError {
    let (line, column) = line_col(text, at);
    CliError::ConfigInvalid {
        path: String::new(),
        line,
        column,
        key,
        message,
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let at = (0..=at)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[start..].chars().count() + 1)
}

/// The dotted key at byte offset `at`: the `[table]` it sits in and, on a `key = value`
/// line, the key. Good enough for pointing a person at the line; not a TOML parser.
fn key_at(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let (line_no, _) = line_col(text, at);
    let mut table: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = header(t) {
            table = Some(h);
        }
        if i + 1 == line_no {
            if header(t).is_some() {
                return table;
            }
            let lhs = t.split_once('=').map(|(k, _)| k.trim())?;
            if lhs.is_empty() || lhs.starts_with('#') {
                return table;
            }
            let lhs = lhs.replace(['"', '\''], "");
            return Some(match table {
                Some(t) => format!("{t}.{lhs}"),
                None => lhs,
            });
        }
    }
    table
}

/// The name of a `[table]` or `[[array]]` header line.
fn header(line: &str) -> Option<String> {
    let l = line.split('#').next().unwrap_or("").trim();
    let inner = l.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner.trim_start_matches('[').trim_end_matches(']').trim();
    Some(inner.replace(['"', '\''], ""))
}

/// The byte offset of `key` inside `[profiles.NAME]`, or of the header, or 0.
fn find_key(text: &str, profile: &str, key: &str) -> usize {
    let mut offset = 0;
    let mut inside = false;
    let mut header_at = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(h) = header(t) {
            inside = h == format!("profiles.{profile}");
            if inside {
                header_at = Some(offset);
            }
        } else if inside
            && t.split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches(['"', '\'']) == key)
        {
            return offset + (line.len() - line.trim_start().len());
        }
        offset += line.len();
    }
    header_at.unwrap_or(0)
}

/// A key as it is written in TOML: bare when it can be, quoted otherwise.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// Removes the temporary files of writes that never finished (a process killed between
/// creating its temporary file and renaming it). Only called under the config lock, so
/// none of config.toml's is a live writer's; those of other files (the token file) are
/// removed once a minute old, far longer than any write takes.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let old = |e: &std::fs::DirEntry| {
        e.metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(60))
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(".tmp")) {
            continue;
        }
        if name.starts_with(".config.toml.") || old(&e) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Takes the lock that serialises changes to config.toml (`locks/config.lock`); released
/// when the returned file is dropped, or by the OS when the process dies.
fn lock_file(dir: &Path) -> Result<std::fs::File, CliError> {
    let locks = dir.join("locks");
    let io_err = |e: std::io::Error| CliError::Io {
        what: format!("cannot use the lock file in {}", locks.display()),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&locks).map_err(io_err)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(locks.join("config.lock"))
        .map_err(io_err)?;
    crate::auth::lock::wait_blocking(&file, LOCK_WAIT).map_err(|e| match e {
        None => CliError::Io {
            what: "another netinvite process has been changing config.toml for 10 seconds".into(),
            message: "gave up waiting for it".into(),
        },
        Some(e) => io_err(e),
    })?;
    Ok(file)
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

    fn err(text: &str) -> (usize, usize, Option<String>, String) {
        match parse(text) {
            Err(CliError::ConfigInvalid {
                line,
                column,
                key,
                message,
                ..
            }) => (line, column, key, message),
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(_) => panic!("{text:?} parsed"),
        }
    }

    #[test]
    fn errors_name_the_line_column_and_key() {
        let (l, c, k, m) =
            err("default_profile = \"a\"\n[profiles.a]\nserver = \"http://x\"\nauth = \"foo\"\n");
        assert_eq!((l, c, k.as_deref()), (4, 8, Some("profiles.a.auth")));
        assert!(m.contains("unknown variant `foo`"), "{m}");

        let (l, c, k, _) = err("[profiles.work]\nserver = 5\n");
        assert_eq!((l, c, k.as_deref()), (2, 10, Some("profiles.work.server")));

        let (l, _, k, m) =
            err("[profiles.a]\nserver = \"http://x\"\n\n[profiles.b]\nauth = \"oidc\"\n");
        assert_eq!((l, k.as_deref()), (4, Some("profiles.b.server")));
        assert!(m.contains("missing field `server`"), "{m}");

        let (l, _, _, m) = err("[profiles.a\nserver = 1\n");
        assert_eq!(l, 1);
        assert!(m.contains("expected `]`"), "{m}");

        let (l, c, k, m) = err("[profiles.a]\nauth = \"oidc\"\n  server = \"ftp://x\"\n");
        assert_eq!((l, c, k.as_deref()), (3, 3, Some("profiles.a.server")));
        assert!(m.contains("only http and https"), "{m}");
    }

    #[test]
    fn unknown_keys_are_kept_and_warned_about() {
        let text = "colour = \"always\"\n[profiles.a]\nserver = \"http://x\"\npubilc_url = \"http://y\"\n[profiles.a.future]\nn = 1\n";
        let (f, warnings) = parse(text).unwrap();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("`profiles.a.pubilc_url`"))
        );
        assert!(warnings.iter().any(|w| w.contains("`colour`")));
        let again = toml::to_string(&f).unwrap();
        let (back, _) = parse(&again).unwrap();
        assert_eq!(back, f);
        assert_eq!(
            back.profiles["a"].extra["pubilc_url"].as_str(),
            Some("http://y")
        );
        assert_eq!(
            back.profiles["a"].extra["future"]["n"].as_integer(),
            Some(1)
        );
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 5), (1, 1));
    }
}

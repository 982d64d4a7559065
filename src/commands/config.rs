//! `netinvite config` — list profiles, show the resolved settings, choose the default
//! profile and change per-profile settings (public URL for links behind a proxy, OIDC
//! issuer and client id, which token is the bearer, a private CA, timeouts and the time
//! budget).

use clap::{Args, Subcommand, ValueEnum};

use std::path::{Path, PathBuf};

use crate::api::transport::{CaOrigin, ExtraCa};
use crate::config::{BearerKind, display_url, normalize_server};
use crate::context::Context;
use crate::error::CliError;
use crate::output::json::to_pretty;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// List the profiles
    List(Empty),
    /// Show the settings of the selected profile, as netinvite resolves them
    Show(Empty),
    /// Make a profile the default
    Use(UseArgs),
    /// Change a setting of the selected profile
    Set(SetArgs),
    /// Remove a setting of the selected profile
    Unset(UnsetArgs),
}

#[derive(Debug, Args)]
pub struct Empty {}

#[derive(Debug, Args)]
pub struct UseArgs {
    /// Profile name
    pub name: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Key {
    /// Base URL of invitation links (the web UI), when it differs from the server
    PublicUrl,
    /// OIDC issuer URL
    Issuer,
    /// OIDC client id
    ClientId,
    /// Which OIDC token is sent: id-token or access-token
    Bearer,
    /// A PEM file with the CA certificate(s) of a private CA, trusted besides the built-in roots
    CaCert,
    /// Seconds to wait for a connection to the server
    ConnectTimeout,
    /// Seconds the server may stay silent, before or within an answer
    ReadTimeout,
    /// Seconds a command may spend waiting on the server, retries included (bulk create, bulk revoke and wait: each request)
    MaxTime,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[arg(value_enum)]
    pub key: Key,
    pub value: String,
}

#[derive(Debug, Args)]
pub struct UnsetArgs {
    #[arg(value_enum)]
    pub key: Key,
}

pub fn run(ctx: &mut Context, cmd: ConfigCommand) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::List(_) => list(ctx),
        ConfigCommand::Show(_) => show(ctx),
        ConfigCommand::Use(a) => {
            ctx.config.update(|f| {
                if !f.profiles.contains_key(&a.name) {
                    return Err(CliError::ProfileNotFound {
                        name: a.name.clone(),
                        known: f.profiles.keys().cloned().collect(),
                    });
                }
                f.default_profile = Some(a.name.clone());
                Ok(())
            })?;
            ctx.io
                .status(&format!("✓ {:?} is now the default profile", a.name));
            Ok(())
        }
        ConfigCommand::Set(a) => set(ctx, a.key, Some(a.value)),
        ConfigCommand::Unset(a) => set(ctx, a.key, None),
    }
}

fn list(ctx: &Context) -> Result<(), CliError> {
    let default = ctx.config.file.default_profile.clone();
    if ctx.io.json {
        let v: Vec<_> = ctx
            .config
            .file
            .profiles
            .iter()
            .map(|(name, p)| {
                serde_json::json!({
                    "name": name,
                    "server": p.server,
                    "default": default.as_deref() == Some(name.as_str()),
                    "user": p.user,
                })
            })
            .collect();
        return ctx.io.out(&to_pretty(&v));
    }
    if ctx.config.file.profiles.is_empty() {
        ctx.io
            .status("No profiles yet: netinvite login --server https://nebula.example.com");
        return Ok(());
    }
    let mut text = String::new();
    for (name, p) in &ctx.config.file.profiles {
        let mark = if default.as_deref() == Some(name.as_str()) {
            "*"
        } else {
            " "
        };
        text.push_str(&format!(
            "{mark} {name}\t{}\t{}\n",
            p.server,
            p.user.as_deref().unwrap_or("-")
        ));
    }
    ctx.io.out(&text)
}

fn show(ctx: &Context) -> Result<(), CliError> {
    let sel = ctx.select()?;
    let store = ctx.store(&sel);
    let ca = sel.server_url().ok().and_then(|u| ctx.ca_choice(&u));
    let (timeouts, max_time_from) = ctx.timeouts_from(Some(&sel.profile))?;
    let v = serde_json::json!({
        "config_file": ctx.config.path().display().to_string(),
        "profile": sel.name,
        "saved": sel.saved,
        "server": sel.profile.server,
        "public_url": sel.public_base(),
        "auth": sel.profile.auth,
        "storage": store.kind(),
        "issuer": sel.profile.issuer,
        "client_id": sel.profile.client_id,
        "bearer": crate::auth::bearer_kind(&sel.profile),
        "ca_cert": ca.as_ref().map(|(p, _)| p.display().to_string()),
        "ca_cert_from": ca.as_ref().map(|(_, o)| o.option()),
        "token_env_override": std::env::var_os("NETINVITE_TOKEN").is_some(),
        "connect_timeout": timeouts.connect.as_secs_f64(),
        "read_timeout": timeouts.read.map(|d| d.as_secs_f64()),
        "max_time": timeouts.max_time.as_secs_f64(),
        "max_time_from": max_time_from.as_str(),
    });
    if ctx.io.json {
        return ctx.io.out(&to_pretty(&v));
    }
    let mut text = String::new();
    if let serde_json::Value::Object(map) = v {
        let width = map.keys().map(|k| k.len()).max().unwrap_or(0);
        // Keep a fixed, readable order rather than the map's.
        for key in [
            "config_file",
            "profile",
            "saved",
            "server",
            "public_url",
            "auth",
            "storage",
            "issuer",
            "client_id",
            "bearer",
            "ca_cert",
            "ca_cert_from",
            "token_env_override",
            "connect_timeout",
            "read_timeout",
            "max_time",
            "max_time_from",
        ] {
            let val = match map.get(key) {
                Some(serde_json::Value::Null) if key == "read_timeout" => {
                    use crate::api::Kind;
                    let d = |k: Kind| k.default_read_timeout().as_secs();
                    format!(
                        "per request: {} s, lists {} s, writes {} s",
                        d(Kind::Read),
                        d(Kind::List),
                        d(Kind::Write)
                    )
                }
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => "-".into(),
                Some(other) => other.to_string(),
            };
            text.push_str(&format!("{key:<width$}  {val}\n"));
        }
    }
    ctx.io.out(&text)
}

/// A timeout value for the profile, checked as the flags check theirs.
fn seconds(v: &str) -> Result<f64, CliError> {
    crate::config::parse_seconds(v)
        .map(|d| d.as_secs_f64())
        .map_err(|message| CliError::Usage {
            message,
            hint: Some("e.g. `netinvite config set read-timeout 30`".into()),
        })
}

fn set(ctx: &mut Context, key: Key, value: Option<String>) -> Result<(), CliError> {
    let sel = ctx.select()?;
    if !sel.saved {
        return Err(CliError::NotSignedIn {
            server: sel.profile.server,
        });
    }
    // Checked before the file is locked, so that a typo fails without touching it.
    let bearer = match (key, &value) {
        (Key::Bearer, Some(v)) => {
            Some(BearerKind::from_str(v, true).map_err(|_| CliError::Usage {
                message: format!("unknown bearer {v:?}"),
                hint: Some("use id-token or access-token".into()),
            })?)
        }
        _ => None,
    };
    // Timeouts too, so that a bad value fails before the file is touched.
    let secs = match (key, &value) {
        (Key::ConnectTimeout | Key::ReadTimeout | Key::MaxTime, Some(v)) => Some(seconds(v)?),
        _ => None,
    };
    let value = match (key, value) {
        (Key::PublicUrl | Key::Issuer, Some(v)) => Some(display_url(&normalize_server(&v)?)),
        (_, v) => v,
    };
    // A CA file is checked (and made absolute) before anything is written, too.
    let ca_cert = match (key, &value) {
        (Key::CaCert, Some(v)) => {
            let path = absolute(Path::new(v))?;
            ExtraCa::load(&path, CaOrigin::Profile).map_err(CliError::CaFile)?;
            Some(path)
        }
        _ => None,
    };
    // The fast copy holds the bearer chosen by the old settings.
    crate::auth::cache::remove(&crate::auth::cache_key(&sel.name, &sel.profile));
    // Applied to the profile as it is in the file now: another process may have changed
    // other settings since this one read it.
    ctx.config.update(|f| {
        let Some(p) = f.profiles.get_mut(&sel.name) else {
            return Err(CliError::ProfileNotFound {
                name: sel.name.clone(),
                known: f.profiles.keys().cloned().collect(),
            });
        };
        match key {
            Key::PublicUrl => p.public_url = value,
            Key::Issuer => p.issuer = value,
            Key::ClientId => p.client_id = value,
            Key::Bearer => p.bearer = bearer,
            Key::CaCert => p.ca_cert = ca_cert.clone(),
            Key::ConnectTimeout => p.connect_timeout = secs,
            Key::ReadTimeout => p.read_timeout = secs,
            Key::MaxTime => p.max_time = secs,
        }
        Ok(())
    })?;
    ctx.io.status(&format!("✓ Updated profile {:?}", sel.name));
    Ok(())
}

/// `path` made absolute against the current directory (symbolic links are kept, so a
/// bundle that is replaced through a link is still found).
pub fn absolute(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path).map_err(|e| CliError::Io {
        what: format!("cannot make {} an absolute path", path.display()),
        message: e.to_string(),
    })
}

//! `netinvite login` — sign in to a server and store the token set.
//!
//! On a server without OIDC (standalone mode) this obtains the server's development
//! token and says loudly that the server runs without sign-in. `--with-token` takes a
//! token from standard input instead (never from the command line).

use std::io::Read;

use clap::Args;

use crate::api::Client;
use crate::auth::{self, TokenSet};
use crate::config::{AuthMode, Storage, display_url, normalize_server};
use crate::context::{Context, Selected};
use crate::error::CliError;
use crate::output::json::to_pretty;
use crate::secret::Secret;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite login --server https://nebula.example.com\n  printf %s \"$TOKEN\" | netinvite login --server https://nebula.example.com --with-token"
)]
pub struct LoginArgs {
    /// Read a token from standard input instead of signing in
    #[arg(long)]
    pub with_token: bool,

    /// Keep the token in a file readable only by you, instead of the OS keyring
    #[arg(long)]
    pub insecure_storage: bool,

    /// Base URL of the web UI for invitation links, when it differs from the server URL
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

pub async fn run(ctx: &mut Context, args: LoginArgs) -> Result<(), CliError> {
    let mut sel = ctx.select().map_err(|e| match e {
        CliError::NoServer => CliError::Usage {
            message: "which server? no server is configured yet".into(),
            hint: Some("netinvite login --server https://nebula.example.com".into()),
        },
        other => other,
    })?;
    let url = sel.server_url()?;
    let server = display_url(&url);
    if let Some(p) = &args.public_url {
        sel.profile.public_url = Some(display_url(&normalize_server(p)?));
    }
    let bare = ctx.client_for(&url)?;

    // Reading the token first keeps stdin handling independent of the network.
    let pasted = if args.with_token {
        Some(read_token_from_stdin(ctx)?)
    } else {
        None
    };

    let tokens = match pasted {
        Some(token) => {
            let expires_at = auth::jwt::claims(token.expose()).and_then(|c| c.exp);
            TokenSet {
                kind: AuthMode::Token,
                access_token: Some(token.expose().to_string()),
                id_token: None,
                refresh_token: None,
                expires_at,
            }
        }
        None => {
            check_server(&bare, &server).await?;
            let mode = bare
                .oidc_status()
                .await
                .map(|s| s.status)
                .unwrap_or_else(|_| "unknown".into());
            if mode != "disabled" {
                return Err(CliError::SignInUnavailable {
                    server: server.clone(),
                    reason:
                        "the server uses OIDC sign-in; pass a token it accepts with --with-token"
                            .into(),
                });
            }
            let t = auth::fetch_dev_token(&bare, &server).await?;
            ctx.io.warn(&format!(
                "{server} runs without sign-in (no OIDC configured): anyone who can reach it gets full admin access"
            ));
            t
        }
    };

    let kind = auth::bearer_kind(&sel.profile);
    let bearer = tokens.bearer(kind).unwrap_or_default().to_string();
    let client = bare.with_bearer(Secret::new(bearer.clone()));
    let me = client
        .me()
        .await
        .map_err(|e| CliError::from_api(e, &server))?;
    if !me.authenticated {
        return Err(CliError::TokenRejected {
            server: server.clone(),
            from_env: false,
        });
    }
    // Creating invitations needs a user record on the server; listing networks makes it.
    let nets = client
        .networks()
        .await
        .map_err(|e| CliError::from_api(e, &server))?;

    sel.profile.server = server.clone();
    sel.profile.auth = tokens.kind;
    sel.profile.storage = if args.insecure_storage {
        Storage::File
    } else {
        Storage::Keyring
    };
    if sel.profile.credential.is_none() {
        sel.profile.credential = Some(auth::new_credential_id());
    }
    sel.profile.user = me.email.clone().or(me.sub.clone());
    save_tokens(ctx, &sel, &tokens)?;
    ctx.config
        .file
        .profiles
        .insert(sel.name.clone(), sel.profile.clone());
    if ctx.config.file.default_profile.is_none() || ctx.config.file.profiles.len() == 1 {
        ctx.config.file.default_profile = Some(sel.name.clone());
    }
    ctx.config.save()?;

    let store = ctx.store(&sel);
    let expires_at = tokens.bearer_expires_at(kind);
    if ctx.io.json {
        let v = serde_json::json!({
            "profile": sel.name,
            "server": server,
            "mode": mode_name(tokens.kind),
            "user": sel.profile.user,
            "system_role": me.system_role,
            "storage": store.kind(),
            "expires_at": expires_at.map(rfc3339_secs),
            "networks": nets.len(),
        });
        ctx.io.out(&to_pretty(&v))?;
    } else {
        ctx.io.status(&format!(
            "✓ Signed in to {server} as {} ({}), profile {:?}; token kept in the {}",
            sel.profile.user.as_deref().unwrap_or("?"),
            me.system_role.as_deref().unwrap_or("user"),
            sel.name,
            store.describe()
        ));
    }
    Ok(())
}

/// `GET /api` must say Nebula Commander, so a typo'd URL fails with a clear message.
pub async fn check_server(client: &Client, server: &str) -> Result<String, CliError> {
    let info = client.server_info().await.map_err(|e| match e {
        crate::api::ApiError::Decode { message, .. } => CliError::NotNebula {
            url: server.to_string(),
            found: message,
        },
        crate::api::ApiError::Status { status: 404, .. } => CliError::NotNebula {
            url: server.to_string(),
            found: "no /api endpoint".into(),
        },
        other => CliError::from_api(other, server),
    })?;
    match info.name.as_deref() {
        Some("Nebula Commander") => Ok(info.version.unwrap_or_else(|| "unknown".into())),
        other => Err(CliError::NotNebula {
            url: server.to_string(),
            found: format!("it calls itself {:?}", other.unwrap_or("nothing")),
        }),
    }
}

fn read_token_from_stdin(ctx: &Context) -> Result<Secret, CliError> {
    if ctx.io.stdin_tty {
        return Err(CliError::TokenFromTerminal);
    }
    let mut s = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut s)
        .map_err(|e| CliError::Io {
            what: "cannot read the token from standard input".into(),
            message: e.to_string(),
        })?;
    let t = s.trim();
    if t.is_empty() {
        return Err(CliError::Usage {
            message: "no token on standard input".into(),
            hint: Some("printf %s \"$TOKEN\" | netinvite login --with-token".into()),
        });
    }
    if t.chars().any(char::is_whitespace) {
        return Err(CliError::Usage {
            message: "the token on standard input contains spaces or several lines".into(),
            hint: Some("pass exactly one token".into()),
        });
    }
    Ok(Secret::new(t))
}

/// Saves the token set and refreshes the fast copy.
fn save_tokens(ctx: &Context, sel: &Selected, tokens: &TokenSet) -> Result<(), CliError> {
    let store = ctx.store(sel);
    store.save(tokens)?;
    let key = auth::cache_key(&sel.name, &sel.profile);
    let kind = auth::bearer_kind(&sel.profile);
    auth::cache::remove(&key);
    if auth::uses_cache(&sel.profile)
        && let Some(b) = tokens.bearer(kind)
    {
        auth::remember(&key, b, tokens.bearer_expires_at(kind));
    }
    Ok(())
}

pub fn mode_name(m: AuthMode) -> &'static str {
    match m {
        AuthMode::DevToken => "dev-token",
        AuthMode::Token => "token",
        AuthMode::Oidc => "oidc",
    }
}

pub fn rfc3339_secs(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(crate::output::time::rfc3339)
        .unwrap_or_default()
}

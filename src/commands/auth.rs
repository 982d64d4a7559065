//! `netinvite auth status` and `netinvite auth token` — what the current sign-in is, and
//! the bearer token itself for scripts (stdout only).

use clap::{Args, Subcommand};

use crate::auth::Source;
use crate::commands::login::{mode_name, rfc3339_secs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::json::to_pretty;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Show server, user, system role, where the token is kept and when it expires
    Status(StatusArgs),
    /// Print the current bearer token (renewed if needed) to stdout, for scripts
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {}

#[derive(Debug, Args)]
pub struct TokenArgs {}

pub async fn run(ctx: &mut Context, cmd: AuthCommand) -> Result<(), CliError> {
    match cmd {
        AuthCommand::Status(_) => status(ctx).await,
        AuthCommand::Token(_) => token(ctx).await,
    }
}

async fn status(ctx: &mut Context) -> Result<(), CliError> {
    let mut session = ctx.session().await?;
    let me = session.call(|c| async move { c.me().await }).await?;
    let server = session.server().to_string();
    if !me.authenticated {
        if session.selected.profile.auth == crate::config::AuthMode::Oidc
            && session.bearer.source != Source::Env
        {
            return Err(crate::commands::login::explain_refusal(
                &session.selected,
                session.bearer.token.expose(),
                session.client.net(),
            )
            .await);
        }
        return Err(CliError::TokenRejected {
            server,
            from_env: session.bearer.source == Source::Env,
        });
    }
    let store = ctx.store(&session.selected);
    let stored_in = match session.bearer.source {
        Source::Env => "NETINVITE_TOKEN".to_string(),
        _ => store.describe(),
    };
    let expires = session.bearer.expires_at.map(rfc3339_secs);
    let mode = if session.bearer.source == Source::Env {
        "token"
    } else {
        mode_name(session.selected.profile.auth)
    };
    if ctx.io.json {
        let v = serde_json::json!({
            "profile": session.selected.name,
            "server": server,
            "signed_in": true,
            "mode": mode,
            "sub": me.sub,
            "email": me.email,
            "system_role": me.system_role,
            "storage": if session.bearer.source == Source::Env { "env" } else { store.kind() },
            "expires_at": expires,
            "issuer": session.selected.profile.issuer,
            "client_id": session.selected.profile.client_id,
            "bearer": (session.selected.profile.auth == crate::config::AuthMode::Oidc)
                .then(|| crate::auth::bearer_kind(&session.selected.profile)),
        });
        ctx.io.out(&to_pretty(&v))?;
        return Ok(());
    }
    let user = me
        .email
        .clone()
        .or(me.sub.clone())
        .unwrap_or_else(|| "?".into());
    let mut lines = vec![
        ("server", server),
        ("profile", session.selected.name.clone()),
        ("user", user),
        (
            "system role",
            me.system_role.clone().unwrap_or_else(|| "user".into()),
        ),
        ("sign-in", mode.to_string()),
        ("token kept in", stored_in),
        (
            "expires",
            match session.bearer.expires_at {
                Some(e) => format!(
                    "{} ({})",
                    rfc3339_secs(e),
                    crate::output::time::relative(
                        chrono::DateTime::from_timestamp(e, 0),
                        chrono::Utc::now()
                    )
                ),
                None => "unknown".into(),
            },
        ),
    ];
    if session.selected.profile.auth == crate::config::AuthMode::Oidc
        && session.bearer.source != Source::Env
    {
        let p = &session.selected.profile;
        lines.push(("issuer", p.issuer.clone().unwrap_or_else(|| "-".into())));
        lines.push((
            "client id",
            p.client_id.clone().unwrap_or_else(|| "-".into()),
        ));
        lines.push((
            "bearer",
            match crate::auth::bearer_kind(p) {
                crate::config::BearerKind::IdToken => {
                    "ID token (renewed with the refresh token)".into()
                }
                crate::config::BearerKind::AccessToken => {
                    "access token (renewed with the refresh token)".into()
                }
            },
        ));
    }
    if session.selected.profile.auth == crate::config::AuthMode::DevToken {
        lines.push((
            "note",
            "development token of a server without sign-in; renewed automatically".into(),
        ));
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let text: String = lines
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {}\n", crate::output::printable(v)))
        .collect();
    ctx.io.out(&text)
}

async fn token(ctx: &mut Context) -> Result<(), CliError> {
    let session = ctx.session().await?;
    ctx.io.outln(session.bearer.token.expose())
}

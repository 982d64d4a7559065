//! `netinvite inspect` — what an invitation grants, from its link or token, without
//! signing in (the invitee's preview). The server limits this endpoint to 30 calls per
//! hour per address, so netinvite never calls it more than once per run.

use clap::Args;

use crate::commands::parse_link;
use crate::config::{display_url, normalize_server};
use crate::context::{Context, Selected};
use crate::error::CliError;
use crate::output::{self, json, permissions_text, time};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The invitation link (…/invitations/accept/TOKEN) or the bare token
    #[arg(value_name = "LINK|TOKEN")]
    pub link: String,
}

pub async fn run(ctx: &mut Context, args: InspectArgs) -> Result<(), CliError> {
    let (base, token) = parse_link(&args.link)?;
    let (server, public_base) = server_for(ctx, base.as_deref())?;
    let client = ctx.client_for(&normalize_server(&server)?)?;
    let preview = client
        .public_invitation(&token)
        .await
        .map_err(|e| CliError::from_rate_limited_api(e, &server))?;
    let now = chrono::Utc::now();
    if ctx.io.json {
        return ctx
            .io
            .out(&json::to_pretty(&json::PublicInvitationJson::new(
                &preview,
                &token,
                &public_base,
                now,
            )));
    }
    let lines = [
        ("network", preview.network_name.clone()),
        ("for", preview.email.clone()),
        ("role", preview.role.clone()),
        (
            "permissions",
            permissions_text(
                preview.can_manage_nodes,
                preview.can_invite_users,
                preview.can_manage_firewall,
            ),
        ),
        (
            "invited by",
            preview
                .invited_by_email
                .clone()
                .unwrap_or_else(|| "-".into()),
        ),
        (
            "status",
            crate::api::models::effective_status(&preview.status, preview.expires_at, now)
                .to_string(),
        ),
        (
            "expires",
            if ctx.io.stdout_tty {
                time::local_with_relative(preview.expires_at, now)
            } else {
                time::rfc3339_or_dash(preview.expires_at)
            },
        ),
        ("link", output::link(&public_base, &token)),
    ];
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let text: String = lines
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {}\n", output::printable(v)))
        .collect();
    ctx.io.out(&text)?;
    ctx.io.note(
        "anyone signed in without an email on record can accept it; the address is not a guarantee of who will",
    );
    Ok(())
}

/// The API server (and the links' base) for a link: a profile whose public URL or
/// server is the link's base, else the link's base itself; for a bare token, the
/// selected profile.
pub fn server_for(ctx: &Context, link_base: Option<&str>) -> Result<(String, String), CliError> {
    if ctx.global.server.is_none()
        && ctx.global.profile.is_none()
        && let Some(base) = link_base
    {
        let base = display_url(&normalize_server(base)?);
        for (name, p) in &ctx.config.file.profiles {
            let sel = Selected {
                name: name.clone(),
                profile: p.clone(),
                saved: true,
            };
            if sel.public_base() == base || p.server == base {
                return Ok((p.server.clone(), sel.public_base()));
            }
        }
        return Ok((base.clone(), base));
    }
    let sel = ctx.select()?;
    Ok((sel.profile.server.clone(), sel.public_base()))
}

//! `netinvite accept` — the invitee's side: accept an invitation while signed in, and
//! become a member of its network with the role and permissions it grants.

use clap::Args;

use crate::commands::{inspect::server_for, parse_link};
use crate::context::{Context, Selected};
use crate::error::CliError;
use crate::output::json::to_pretty;

#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The invitation link (…/invitations/accept/TOKEN) or the bare token
    #[arg(value_name = "LINK|TOKEN")]
    pub link: String,
}

pub async fn run(ctx: &mut Context, args: AcceptArgs) -> Result<(), CliError> {
    let (base, token) = parse_link(&args.link)?;
    let (server, _) = server_for(ctx, base.as_deref())?;
    let selected = match ctx
        .config
        .file
        .profiles
        .iter()
        .find(|(_, p)| p.server == server)
    {
        Some((name, p)) => Selected {
            name: name.clone(),
            profile: p.clone(),
            saved: true,
        },
        None => {
            let mut sel = ctx.select().unwrap_or(Selected {
                name: "default".into(),
                profile: Default::default(),
                saved: false,
            });
            if sel.profile.server != server {
                sel = Selected {
                    name: "default".into(),
                    profile: crate::config::Profile {
                        server: server.clone(),
                        ..Default::default()
                    },
                    saved: false,
                };
            }
            sel
        }
    };
    let mut session = ctx.session_for(selected).await.map_err(|e| match e {
        CliError::NotSignedIn { server } => CliError::AcceptNeedsSignIn { server },
        other => other,
    })?;
    let outcome = session
        .call(|c| {
            let token = token.clone();
            async move { c.accept(&token).await }
        })
        .await
        .map_err(|e| match e {
            CliError::TokenRejected { server, .. } => CliError::AcceptNeedsSignIn { server },
            other => other,
        })?;
    let already = outcome.message.contains("already a member");
    if ctx.io.json {
        let v = serde_json::json!({
            "accepted": true,
            "already_member": already,
            "message": outcome.message,
        });
        return ctx.io.out(&to_pretty(&v));
    }
    if already {
        ctx.io.status(
            "You were already a member of this network; the invitation is now marked accepted (your permissions are unchanged)",
        );
    } else {
        ctx.io
            .status("✓ Invitation accepted: you are now a member of the network");
    }
    Ok(())
}

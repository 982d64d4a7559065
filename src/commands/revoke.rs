//! `netinvite revoke` — revoke invitations so their links stop working.
//!
//! The server revokes any status, and revoking an accepted invitation does not remove the
//! access it granted: such ones are refused unless `--force`, with that said. Already
//! revoked ones are reported, not treated as errors. A confirmation is asked on a
//! terminal; without one (or with `--no-input`) `--yes` is required.

use clap::Args;

use crate::api::models::{Invitation, status};
use crate::commands::{find_invitations, parse_ids};
use crate::context::Context;
use crate::error::CliError;
use crate::output::json::to_pretty;

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Invitation ids
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,

    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Also revoke invitations that are not pending (an accepted one keeps its access)
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &mut Context, args: RevokeArgs) -> Result<(), CliError> {
    let ids = parse_ids(&args.ids)?;
    let mut session = ctx.session().await?;
    let found = find_invitations(&mut session, &ids, None).await?;
    let now = chrono::Utc::now();

    let mut to_revoke: Vec<&Invitation> = Vec::new();
    let mut already: Vec<&Invitation> = Vec::new();
    for inv in &found {
        match inv.status.as_str() {
            status::REVOKED => already.push(inv),
            status::PENDING => to_revoke.push(inv),
            other if args.force => {
                if other == status::ACCEPTED {
                    ctx.io.warn(&format!(
                        "invitation {} was accepted: revoking it does not remove {}'s membership of {}",
                        inv.id, inv.email, inv.network_name
                    ));
                }
                to_revoke.push(inv);
            }
            other => {
                return Err(CliError::RevokeNeedsForce {
                    id: inv.id,
                    status: other.to_string(),
                });
            }
        }
    }
    for inv in &already {
        ctx.io
            .status(&format!("Invitation {} is already revoked", inv.id));
    }

    if !to_revoke.is_empty() && !args.yes {
        let what: Vec<String> = to_revoke
            .iter()
            .map(|i| {
                format!(
                    "{} ({} → {}, {})",
                    i.id,
                    i.email,
                    i.network_name,
                    i.effective_status(now)
                )
            })
            .collect();
        let question = if what.len() == 1 {
            format!("Revoke invitation {}?", what[0])
        } else {
            format!("Revoke {} invitations: {}?", what.len(), what.join("; "))
        };
        if !ctx.io.confirm(&question)? {
            return Err(CliError::Cancelled);
        }
    }

    let mut report = Vec::new();
    for inv in &to_revoke {
        let id = inv.id;
        session
            .call(|c| async move { c.revoke(id).await })
            .await
            .map_err(|e| {
                if e.write_outcome_unknown() {
                    CliError::revoke_outcome_unknown(e, id)
                } else {
                    e
                }
            })?;
        ctx.io.status(&format!(
            "✓ Revoked invitation {id} ({} → {})",
            inv.email, inv.network_name
        ));
        report.push(entry(inv, now, false));
    }
    for inv in &already {
        report.push(entry(inv, now, true));
    }
    if ctx.io.json {
        ctx.io.out(&to_pretty(&report))?;
    }
    Ok(())
}

fn entry(inv: &Invitation, now: chrono::DateTime<chrono::Utc>, already: bool) -> serde_json::Value {
    serde_json::json!({
        "id": inv.id,
        "email": inv.email,
        "network_id": inv.network_id,
        "network_name": inv.network_name,
        "previous_status": inv.effective_status(now),
        "status": "revoked",
        "already_revoked": already,
    })
}

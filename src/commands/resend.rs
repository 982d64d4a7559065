//! `netinvite resend` — send invitation emails again, for pending invitations only.
//!
//! The server neither checks nor extends the deadline on resend, and does nothing when it
//! has no SMTP: so past-deadline invitations are refused here, and a `not_sent` answer
//! prints the link instead. `--wait` polls the list (bounded) until the send succeeded or
//! failed, since the resend answer itself only says "sending". Ctrl-C stops after the
//! resend in flight and reports which ids were resent and which were not. Without an id,
//! on a terminal, one is picked from the pending invitations (`commands::pick`).

use std::time::{Duration, Instant};

use clap::Args;

use crate::api::ListQuery;
use crate::api::models::{Invitation, status};
use crate::commands::{find_invitations, network_filter, parse_ids, pick};
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::interrupt::Interrupt;
use crate::output::{self, email_status_text, json};

#[derive(Debug, Args)]
pub struct ResendArgs {
    /// Invitation ids (on a terminal, without any: pick one from the pending invitations)
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// The invitations' network (name or id), to fetch less on large servers
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,

    /// Wait until the server reports the email as sent or failed
    #[arg(long)]
    pub wait: bool,

    /// How long --wait waits, in seconds
    #[arg(long, default_value_t = 30, value_name = "SECONDS", requires = "wait")]
    pub timeout: u64,
}

pub async fn run(ctx: &mut Context, args: ResendArgs) -> Result<(), CliError> {
    let ids = parse_ids(&args.ids)?;
    let stop = Interrupt::listen();
    let mut session = ctx.session().await?;
    let network_id = network_filter(&mut session, args.network.as_deref()).await?;
    let found = if ids.is_empty() {
        vec![pick::pick(ctx, &mut session, network_id, args.network.as_deref()).await?]
    } else {
        find_invitations(&mut session, &ids, network_id).await?
    };
    let now = chrono::Utc::now();
    // Refuse before sending anything, so a batch is all-or-nothing on local checks.
    for inv in &found {
        if inv.status != status::PENDING {
            return Err(CliError::NotPending {
                id: inv.id,
                status: inv.status.clone(),
                action: "resend",
            });
        }
        if inv.is_past_deadline(now) {
            return Err(CliError::PastDeadline { id: inv.id });
        }
    }
    let base = session.selected.public_base();
    let mut results = Vec::new();
    let mut not_done = Vec::new();
    for listed in &found {
        let id = listed.id;
        if stop.requested() {
            not_done.push(id);
            continue;
        }
        let mut inv = session
            .call(|c| async move { c.resend(id).await })
            .await
            .map_err(|e| {
                if e.write_outcome_unknown() {
                    CliError::resend_outcome_unknown(e, id)
                } else {
                    e
                }
            })?;
        // The resend answer names the caller as inviter; the list knows the real one.
        inv.invited_by_email = listed.invited_by_email.clone();
        inv.invited_by_user_id = listed.invited_by_user_id;
        if args.wait && inv.email_status == "sending" {
            let timeout = Duration::from_secs(args.timeout);
            inv = wait_for_outcome(ctx, &mut session, inv, timeout, &stop).await?;
        }
        report(ctx, &inv, &base)?;
        results.push(inv);
    }
    if ctx.io.json {
        let text = json::invitations_one_or_many(&results, &base, chrono::Utc::now());
        ctx.io.out(&text)?;
    }
    if !not_done.is_empty() {
        return Err(CliError::Interrupted {
            command: "resend",
            done_verb: "resent",
            done: results.iter().map(|i| i.id).collect(),
            not_done,
        });
    }
    let failed = results
        .iter()
        .filter(|i| i.email_status == "failed")
        .count();
    if failed > 0 {
        return Err(CliError::Partial {
            failed,
            total: results.len(),
            code: crate::error::FAILURE,
        });
    }
    Ok(())
}

fn report(ctx: &Context, inv: &Invitation, base: &str) -> Result<(), CliError> {
    let link = output::link(base, &inv.token);
    match inv.email_status.as_str() {
        "not_sent" => {
            ctx.io.note(&format!(
                "invitation {}: no email was sent (the server has no SMTP configured); share the link yourself",
                inv.id
            ));
            if !ctx.io.json {
                ctx.io.outln(&link)?;
            }
        }
        "failed" => ctx.io.warn(&format!(
            "invitation {}: the email to {} failed: {}",
            inv.id,
            inv.email,
            inv.email_error.as_deref().unwrap_or("no reason given")
        )),
        other => ctx.io.status(&format!(
            "✓ Invitation {} to {}: email {}",
            inv.id,
            inv.email,
            email_status_text(other)
        )),
    }
    Ok(())
}

/// Polls the (narrowed) list until the email is sent or failed, or `timeout` passes.
async fn wait_for_outcome(
    ctx: &Context,
    session: &mut Session,
    mut inv: Invitation,
    timeout: Duration,
    stop: &Interrupt,
) -> Result<Invitation, CliError> {
    let spinner = ctx
        .io
        .spinner(&format!("waiting for the email to {}…", inv.email));
    let started = Instant::now();
    let q = ListQuery {
        network_id: Some(inv.network_id),
        status_filter: Some(status::PENDING),
    };
    let mut delay = Duration::from_millis(250);
    while started.elapsed() < timeout {
        tokio::select! {
            _ = tokio::time::sleep(delay.min(timeout.saturating_sub(started.elapsed()))) => {}
            // The resend is done; only the wait for its outcome is cut short.
            _ = stop.wait() => break,
        }
        delay = (delay * 2).min(Duration::from_secs(2));
        let list = session.invitations(&q).await?;
        if let Some(now) = list.into_iter().find(|i| i.id == inv.id) {
            let outcome = now.email_status.clone();
            let keep_inviter = inv.invited_by_email.clone();
            inv = now;
            inv.invited_by_email = keep_inviter;
            if outcome == "sent" || outcome == "failed" {
                spinner.finish();
                return Ok(inv);
            }
        }
    }
    spinner.finish();
    if stop.requested() {
        ctx.io.note(&format!(
            "invitation {}: stopped waiting (interrupted); the email is still queued",
            inv.id
        ));
    } else {
        ctx.io.note(&format!(
            "invitation {}: no result after {} s; the email is still queued",
            inv.id,
            timeout.as_secs()
        ));
    }
    Ok(inv)
}

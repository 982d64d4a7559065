//! `netinvite revoke` — revoke invitations so their links stop working.
//!
//! The server revokes any status, and revoking an accepted invitation does not remove the
//! access it granted: such ones are refused unless `--force`, with that said. Already
//! revoked ones are reported, not treated as errors. A confirmation is asked on a
//! terminal; without one (or with `--no-input`) `--yes` is required.
//!
//! `--status pending|expired` is the bulk mode (its own functions at the end of the file):
//! one listing, filters applied here, a count and a sample in the confirmation, then the
//! batch runner. A revoke whose answer was lost is resolved by looking the id up. Without
//! ids or `--status`, on a terminal, one is picked from the pending invitations
//! (`commands::pick`).

use clap::Args;

use crate::api::models::{Invitation, status};
use crate::commands::{find_invitations, network_filter, parse_ids, pick};
use crate::context::Context;
use crate::error::CliError;
use crate::interrupt::Interrupt;
use crate::output::json::to_pretty;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite revoke 12 13\n  netinvite revoke --status expired --dry-run\n  netinvite revoke --status pending --network lab --email '*@contractor.example' --older-than 30d --yes"
)]
pub struct RevokeArgs {
    /// Invitation ids (on a terminal, without any and without --status: pick one from
    /// the pending invitations)
    #[arg(conflicts_with = "status", value_name = "ID")]
    pub ids: Vec<String>,

    /// Revoke every invitation in this state instead of ids: pending or expired
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,

    /// The invitations' network (name or id): with ids, where to look for them (fetches
    /// less on large servers); with --status, only this network
    #[arg(long = "network", short = 'n', value_name = "NAME|ID")]
    pub bulk_network: Option<String>,

    /// With --status: only addresses matching this pattern (`*` and `?`, any case)
    #[arg(long, value_name = "PATTERN", requires = "status")]
    pub email: Option<String>,

    /// With --status: only invitations created longer ago than this (e.g. 30d, 12h)
    #[arg(long, value_name = "AGE", requires = "status")]
    pub older_than: Option<String>,

    /// With --status: show what would be revoked, revoke nothing
    #[arg(long, requires = "status")]
    pub dry_run: bool,

    /// With --status: how many revokes to have in flight at once (1–32; default 4)
    #[arg(long, short = 'j', value_name = "N", requires = "status")]
    pub jobs: Option<usize>,

    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Also revoke invitations that are not pending (an accepted one keeps its access)
    #[arg(long)]
    pub force: bool,
}

pub async fn run(ctx: &mut Context, args: RevokeArgs) -> Result<(), CliError> {
    if let Some(wanted) = &args.status {
        return run_bulk(ctx, &args, wanted).await;
    }
    bulk_flags_need_status(&args)?;
    let ids = parse_ids(&args.ids)?;
    let mut session = ctx.session().await?;
    if ids.len() > 1 {
        // A batch: each id's requests get their own time budget.
        session.budget_per_request();
    }
    let network_id = network_filter(&mut session, args.bulk_network.as_deref()).await?;
    let found = if ids.is_empty() {
        vec![pick::pick(ctx, &mut session, network_id, args.bulk_network.as_deref()).await?]
    } else {
        find_invitations(&mut session, &ids, network_id).await?
    };
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
                    email: inv.email.clone(),
                    network: inv.network_name.clone(),
                });
            }
        }
    }
    for inv in &already {
        ctx.io
            .status(&format!("Invitation {} is already revoked", inv.id));
    }
    // Refused in words before anything is sent, as the server would refuse it.
    if !to_revoke.is_empty() {
        let caller = session.caller().await?;
        if !caller.system_admin {
            let nets = session.ensure_user_record().await?;
            if let Some(inv) = to_revoke
                .iter()
                .find(|i| !crate::access::may_revoke(&caller, &nets, i))
            {
                return Err(CliError::NotAllowed {
                    what: format!(
                        "revoke invitation {} ({} → {}, invited by {})",
                        inv.id,
                        inv.email,
                        inv.network_name,
                        inv.invited_by_email.as_deref().unwrap_or("someone else")
                    ),
                    who: crate::access::REVOKERS,
                    hint: Some(format!(
                        "ask {} or an owner of {:?}",
                        inv.invited_by_email.as_deref().unwrap_or("its inviter"),
                        inv.network_name
                    )),
                });
            }
        }
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

    let stop = Interrupt::listen();
    let mut report = Vec::new();
    let mut done = Vec::new();
    let mut not_done = Vec::new();
    for inv in &to_revoke {
        let id = inv.id;
        if stop.requested() {
            not_done.push(id);
            continue;
        }
        let sent = session.call(|c| async move { c.revoke(id).await }).await;
        let note = match sent {
            Ok(()) => None,
            // The answer was lost: the revoked slice of its network says whether it
            // happened; the revoke is never sent again blindly.
            Err(e) if e.write_outcome_unknown() => {
                if was_revoked(&mut session, inv).await {
                    Some("the server's answer was lost; the invitation shows as revoked")
                } else {
                    return Err(CliError::revoke_outcome_unknown(e, id));
                }
            }
            Err(e) => return Err(e),
        };
        session.index.set_status(id, status::REVOKED);
        let _ = session.index.save();
        ctx.io.status(&format!(
            "✓ Revoked invitation {id} ({} → {})",
            inv.email, inv.network_name
        ));
        if let Some(n) = note {
            ctx.io.note(&format!("invitation {id}: {n}"));
        }
        done.push(id);
        report.push(entry(inv, now, false));
    }
    for inv in &already {
        report.push(entry(inv, now, true));
    }
    if ctx.io.json {
        ctx.io.out(&to_pretty(&report))?;
    }
    if !not_done.is_empty() {
        return Err(CliError::Interrupted {
            command: "revoke",
            done_verb: "revoked",
            done,
            not_done,
        });
    }
    Ok(())
}

/// After a lost answer: does the server now show `inv` as revoked? Looked at up to three
/// times, a moment apart, as the server may still be at it.
async fn was_revoked(session: &mut crate::context::Session, inv: &Invitation) -> bool {
    let q = crate::api::ListQuery {
        network_id: Some(inv.network_id),
        status_filter: Some(status::REVOKED),
    };
    for attempt in 0..=crate::batch::SETTLE.len() {
        if attempt > 0 {
            tokio::time::sleep(crate::batch::SETTLE[attempt - 1]).await;
        }
        match session.invitations(&q).await {
            Ok(list) if list.iter().any(|i| i.id == inv.id) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
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

/// What `--status` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BulkStatus {
    Pending,
    Expired,
}

fn parse_bulk_status(input: &str) -> Result<BulkStatus, CliError> {
    match input.trim().to_ascii_lowercase().as_str() {
        "pending" => Ok(BulkStatus::Pending),
        "expired" => Ok(BulkStatus::Expired),
        "accepted" => Err(CliError::Usage {
            message: "accepted invitations are not revoked in bulk: revoking one does not remove the membership it granted".into(),
            hint: Some("revoke one by id with --force if you mean it: netinvite revoke ID --force".into()),
        }),
        "revoked" => Err(CliError::Usage {
            message: "revoked invitations are already revoked".into(),
            hint: Some("use --status pending or --status expired".into()),
        }),
        _ => Err(CliError::Usage {
            message: format!("unknown status {input:?} for bulk revoke: expected pending or expired"),
            hint: Some("e.g. netinvite revoke --status expired --dry-run".into()),
        }),
    }
}

/// The bulk filters mean nothing for ids: refuse them rather than ignore them.
fn bulk_flags_need_status(args: &RevokeArgs) -> Result<(), CliError> {
    for (given, flag) in [
        (args.email.is_some(), "--email"),
        (args.older_than.is_some(), "--older-than"),
        (args.dry_run, "--dry-run"),
        (args.jobs.is_some(), "--jobs"),
    ] {
        if given {
            return Err(CliError::Usage {
                message: format!("{flag} only applies to bulk revoke (--status pending|expired)"),
                hint: Some("e.g. netinvite revoke --status expired --network lab --dry-run".into()),
            });
        }
    }
    Ok(())
}

/// `*` any run of characters, `?` one character; case-insensitive.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `revoke --status …`: one listing of the stored-pending slice (expired ones are
/// stored as pending too), the filters, a confirmation with a count and a sample, the
/// revokes through the batch runner.
async fn run_bulk(ctx: &mut Context, args: &RevokeArgs, wanted: &str) -> Result<(), CliError> {
    use crate::api::ListQuery;
    use crate::batch;
    use crate::output::batch::{ItemResult, ndjson, summary, table};

    let which = parse_bulk_status(wanted)?;
    let jobs = batch::check_jobs(args.jobs.unwrap_or(batch::DEFAULT_JOBS))?;
    let min_age = args
        .older_than
        .as_deref()
        .map(crate::duration::parse)
        .transpose()?;
    let mut session = ctx.session().await?;
    // A batch as long as the selection: each request gets its own time budget.
    session.budget_per_request();
    let network_id =
        crate::commands::network_filter(&mut session, args.bulk_network.as_deref()).await?;
    let now = chrono::Utc::now();
    let cutoff = min_age
        .and_then(|d| chrono::TimeDelta::from_std(d).ok())
        .and_then(|d| now.checked_sub_signed(d));
    let mut listed = session
        .invitations(&ListQuery {
            network_id,
            status_filter: Some(status::PENDING),
        })
        .await?;
    // Expired invitations are normally stored as pending (past their deadline), but a
    // server may also store `expired` (api.md 2.1): that slice is small, so ask for it too.
    if which == BulkStatus::Expired {
        listed.extend(
            session
                .invitations(&ListQuery {
                    network_id,
                    status_filter: Some(status::EXPIRED),
                })
                .await?,
        );
    }
    let mut chosen: Vec<Invitation> = listed
        .into_iter()
        .filter(|i| match which {
            BulkStatus::Pending => i.status == status::PENDING && !i.is_past_deadline(now),
            BulkStatus::Expired => i.effective_status(now) == status::EXPIRED,
        })
        .filter(|i| {
            args.email
                .as_deref()
                .is_none_or(|p| glob_match(p, &i.email))
        })
        .filter(|i| match cutoff {
            Some(c) => i.created_at.is_some_and(|t| t < c),
            None => true,
        })
        .collect();
    chosen.sort_by_key(|i| i.id);
    // What the server will allow: an invitation the caller neither made nor owns the
    // network of is skipped in the plan, never sent and refused after the fact.
    let not_yours: Vec<Invitation> = {
        let caller = session.caller().await?;
        if caller.system_admin {
            Vec::new()
        } else {
            let nets = session.ensure_user_record().await?;
            let (mine, theirs): (Vec<Invitation>, Vec<Invitation>) = chosen
                .into_iter()
                .partition(|i| crate::access::may_revoke(&caller, &nets, i));
            chosen = mine;
            theirs
        }
    };
    let word = match which {
        BulkStatus::Pending => "pending",
        BulkStatus::Expired => "expired",
    };
    let base = session.selected.public_base();
    if chosen.is_empty() && not_yours.is_empty() {
        ctx.io
            .status(&format!("No {word} invitations match; nothing to revoke"));
        return Ok(());
    }
    let item = |inv: &Invitation, st: &'static str| {
        let mut r = ItemResult::new(st);
        r.email = Some(inv.email.clone());
        r.network_id = Some(inv.network_id);
        r.network_name = Some(inv.network_name.clone());
        r.invitation = Some(inv.clone());
        r
    };
    let report = |results: Vec<ItemResult>| -> Result<(), CliError> {
        if ctx.io.json {
            ctx.io.out(&ndjson(&results, &base, chrono::Utc::now()))?;
        } else {
            ctx.io.out(&table(&ctx.io, &results, &base, false))?;
        }
        ctx.io.status(&summary("invitations", &results));
        Ok(())
    };
    let skipped = || -> Vec<ItemResult> {
        not_yours
            .iter()
            .map(|i| {
                let mut r = item(i, "skipped");
                r.code = Some("not_yours");
                r.reason = Some(crate::access::not_yours(i));
                r
            })
            .collect()
    };
    if args.dry_run {
        let mut v: Vec<ItemResult> = chosen.iter().map(|i| item(i, "would_revoke")).collect();
        v.extend(skipped());
        v.sort_by_key(|r| r.invitation.as_ref().map(|i| i.id));
        return report(v);
    }
    if chosen.is_empty() {
        return report(skipped());
    }
    if !args.yes {
        if !not_yours.is_empty() {
            ctx.io.status(&format!(
                "  {} not yours, skipped (only {} may revoke them)",
                not_yours.len(),
                crate::access::REVOKERS
            ));
        }
        const SAMPLE: usize = 5;
        for inv in chosen.iter().take(SAMPLE) {
            ctx.io.status(&format!(
                "  {} {} → {} ({}, created {})",
                inv.id,
                inv.email,
                inv.network_name,
                inv.effective_status(now),
                crate::output::time::relative(inv.created_at, now)
            ));
        }
        if chosen.len() > SAMPLE {
            ctx.io
                .status(&format!("  … and {} more", chosen.len() - SAMPLE));
        }
        let n = chosen.len();
        let question = format!(
            "Revoke {n} {word} invitation{}?",
            if n == 1 { "" } else { "s" }
        );
        if !ctx.io.confirm(&question)? {
            return Err(CliError::Cancelled);
        }
    }

    let ids: Vec<i64> = chosen.iter().map(|i| i.id).collect();
    let sent = batch::send_all(
        &mut session,
        &ctx.io,
        "revoking",
        &ids,
        jobs,
        |c: crate::api::Client, id: i64| async move { c.revoke(id).await },
    )
    .await;
    let mut results = Vec::new();
    let mut lost: Vec<(&Invitation, CliError)> = Vec::new();
    for (inv, outcome) in chosen.iter().zip(sent.results) {
        match outcome {
            None => {
                let mut r = item(inv, "not_sent");
                r.reason = Some("interrupted before it was sent".into());
                results.push(r);
            }
            Some(Ok(())) => {
                session.index.set_status(inv.id, status::REVOKED);
                results.push(item(inv, "revoked"));
            }
            Some(Err(e)) if e.write_outcome_unknown() => lost.push((inv, e)),
            Some(Err(e)) => {
                let mut r = item(inv, "failed");
                r.code = Some(e.code());
                r.reason = Some(e.message());
                results.push(r);
            }
        }
    }
    // A lost answer: the revoked slice of that network says whether it happened (looked
    // at up to three times, as the server may still be at it).
    let looks = batch::SETTLE.len() + 1;
    for attempt in 0..looks {
        if lost.is_empty() {
            break;
        }
        if attempt > 0 {
            tokio::time::sleep(batch::SETTLE[attempt - 1]).await;
        }
        let mut networks: Vec<i64> = lost.iter().map(|(i, _)| i.network_id).collect();
        networks.sort_unstable();
        networks.dedup();
        let mut revoked_ids = std::collections::HashSet::new();
        let mut lookup_error = None;
        for n in networks {
            match session
                .invitations(&ListQuery {
                    network_id: Some(n),
                    status_filter: Some(status::REVOKED),
                })
                .await
            {
                Ok(list) => revoked_ids.extend(list.into_iter().map(|i| i.id)),
                Err(e) => lookup_error = Some(e),
            }
        }
        let mut still = Vec::new();
        for (inv, e) in lost {
            if revoked_ids.contains(&inv.id) {
                let mut r = item(inv, "revoked");
                r.reason =
                    Some("the server's answer was lost; the invitation shows as revoked".into());
                results.push(r);
            } else if attempt + 1 == looks || lookup_error.is_some() {
                let mut r = item(inv, "failed");
                r.code = Some(e.code());
                r.reason = Some(match &lookup_error {
                    Some(le) => {
                        format!(
                            "{}; looking it up failed too ({})",
                            e.message(),
                            le.message()
                        )
                    }
                    None => format!(
                        "{}; it is still not revoked: run again to retry",
                        e.message()
                    ),
                });
                results.push(r);
            } else {
                still.push((inv, e));
            }
        }
        lost = still;
    }
    let _ = session.index.save();
    results.extend(skipped());
    results.sort_by_key(|r| r.invitation.as_ref().map(|i| i.id));
    let total = results.len();
    let done = results.iter().filter(|r| r.status != "not_sent").count();
    let failed = results.iter().filter(|r| !r.is_ok()).count();
    report(results)?;
    if sent.interrupted {
        return Err(CliError::BatchInterrupted { done, total });
    }
    if failed > 0 {
        return Err(CliError::Partial {
            failed,
            total,
            code: crate::error::FAILURE,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*@contractor.example", "Ana@Contractor.example"));
        assert!(glob_match("a?a@*", "ana@x.org"));
        assert!(!glob_match("*@x.org", "ana@x.org.evil"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("b*", "ana"));
    }

    #[test]
    fn bulk_statuses() {
        assert_eq!(parse_bulk_status("Expired").unwrap(), BulkStatus::Expired);
        assert!(
            parse_bulk_status("accepted")
                .unwrap_err()
                .message()
                .contains("membership")
        );
        assert!(parse_bulk_status("nope").is_err());
    }
}

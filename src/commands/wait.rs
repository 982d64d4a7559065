//! `netinvite wait` — block until invitations are accepted (or their email is sent), for
//! onboarding scripts.
//!
//! Each poll asks for the narrowest slice that answers "still waiting?": the stored-pending
//! invitations of the network the local index knows for the id (pending is the small
//! slice on a real server, where most invitations are accepted or revoked). Only an id
//! that has left that slice costs a wider look (the accepted slice, then the network's
//! whole list) to learn whether it was accepted, revoked or expired. Polls back off from
//! `--interval` to 30 s. Without an id, on a terminal, one is picked from the pending
//! invitations (`commands::pick`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use crate::api::ListQuery;
use crate::api::models::{Invitation, status};
use crate::commands::{network_filter, parse_ids, pick};
use crate::context::{Context, Session};
use crate::duration;
use crate::error::CliError;
use crate::output::json::to_line;

/// The longest pause between two polls.
const MAX_INTERVAL: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Until {
    /// The invitee accepted the invitation
    Accepted,
    /// The server reports the invitation email as sent (or the invitation was accepted)
    Sent,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite wait 12 13 --timeout 2h\n  netinvite wait 12 --until sent --timeout 5m\n\nExit status: 0 when every invitation got there, 6 when one was revoked or expired\n(it never will), 1 on timeout or when an email failed."
)]
pub struct WaitArgs {
    /// Invitation ids (on a terminal, without any: pick one from the pending invitations)
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// What to wait for
    #[arg(long, value_enum, default_value = "accepted", value_name = "STATE")]
    pub until: Until,

    /// Give up after this long (e.g. 90s, 10m, 1h, 2d)
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub timeout: String,

    /// First pause between polls; it grows up to 30 s
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub interval: String,

    /// Network name or id of the invitations (narrows each poll when netinvite has not
    /// seen them yet)
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,
}

/// How one invitation's wait ended.
#[derive(Debug, Clone)]
enum End {
    Reached(Invitation),
    /// Revoked or expired: it will never get there.
    Closed(String, Invitation),
    EmailFailed(Invitation),
}

#[derive(Serialize)]
struct WaitJson<'a> {
    id: i64,
    /// `reached`, `revoked`, `expired`, `email_failed` or `timeout`.
    result: &'a str,
    status: Option<&'a str>,
    email_status: Option<&'a str>,
    email: Option<&'a str>,
    network_id: Option<i64>,
    network_name: Option<&'a str>,
    waited_seconds: f64,
}

pub async fn run(ctx: &mut Context, args: WaitArgs) -> Result<(), CliError> {
    let mut ids = parse_ids(&args.ids)?;
    let timeout = duration::parse(&args.timeout)?;
    let first_interval = duration::parse(&args.interval)?;
    if first_interval < Duration::from_millis(100) {
        return Err(CliError::InvalidDuration {
            input: args.interval.clone(),
            reason: "polling more often than every 100 ms only loads the server".into(),
        });
    }
    let mut session = ctx.session().await?;
    // `--timeout` ends the wait; each poll is bounded by a time budget of its own.
    session.budget_per_request();
    let given_network = network_filter(&mut session, args.network.as_deref()).await?;
    // A picked invitation comes from a fresh listing (which also taught the index its
    // network) that already answered the first poll: pending, within its deadline, and,
    // unless its email went out, not there yet.
    let mut first_poll_answered = false;
    if ids.is_empty() {
        let inv = pick::pick(ctx, &mut session, given_network, args.network.as_deref()).await?;
        first_poll_answered = args.until == Until::Accepted || inv.email_status != "sent";
        ids.push(inv.id);
    }
    let mut network_of: HashMap<i64, Option<i64>> = ids
        .iter()
        .map(|id| {
            (
                *id,
                given_network.or_else(|| session.index.get(*id).map(|e| e.network_id)),
            )
        })
        .collect();

    let started = Instant::now();
    let mut ended: HashMap<i64, (End, Duration)> = HashMap::new();
    let mut delay = first_interval;
    let what = match args.until {
        Until::Accepted => "accepted",
        Until::Sent => "sent",
    };
    loop {
        let waiting: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !ended.contains_key(id))
            .collect();
        if waiting.is_empty() {
            break;
        }
        if !std::mem::take(&mut first_poll_answered) {
            let spinner = ctx.io.spinner(&format!(
                "waiting for {} to be {what}…",
                if waiting.len() == 1 {
                    format!("invitation {}", waiting[0])
                } else {
                    format!("{} invitations", waiting.len())
                }
            ));
            let news = poll(
                &mut session,
                &waiting,
                &mut network_of,
                args.until,
                given_network.is_some(),
            )
            .await;
            spinner.finish();
            let news = news?;
            for (id, end) in news {
                report(ctx, id, &end, started.elapsed(), what);
                ended.insert(id, (end, started.elapsed()));
            }
        }
        if ended.len() == ids.len() || started.elapsed() >= timeout {
            break;
        }
        let pause = delay.min(timeout.saturating_sub(started.elapsed()));
        let spinner = ctx.io.spinner(&format!(
            "waiting for {} invitation{} to be {what}…",
            ids.len() - ended.len(),
            if ids.len() - ended.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        tokio::time::sleep(pause).await;
        spinner.finish();
        delay = delay.mul_f64(1.5).min(MAX_INTERVAL);
    }

    let waited = started.elapsed();
    let mut closed = Vec::new();
    let mut timed_out = Vec::new();
    let mut email_failed = Vec::new();
    let mut lines = String::new();
    for id in &ids {
        let (result, inv, took) = match ended.get(id) {
            Some((End::Reached(i), t)) => ("reached", Some(i), *t),
            Some((End::Closed(s, i), t)) => {
                closed.push((*id, s.clone()));
                (s.as_str(), Some(i), *t)
            }
            Some((End::EmailFailed(i), t)) => {
                email_failed.push(*id);
                ("email_failed", Some(i), *t)
            }
            None => {
                timed_out.push(*id);
                ("timeout", None, waited)
            }
        };
        let now = chrono::Utc::now();
        lines.push_str(&to_line(&WaitJson {
            id: *id,
            result,
            status: inv.map(|i| i.effective_status(now)),
            email_status: inv.map(|i| i.email_status.as_str()),
            email: inv.map(|i| i.email.as_str()),
            network_id: inv.map(|i| i.network_id),
            network_name: inv.map(|i| i.network_name.as_str()),
            waited_seconds: (took.as_secs_f64() * 10.0).round() / 10.0,
        }));
    }
    if ctx.io.json {
        ctx.io.out(&lines)?;
    }
    if closed.is_empty() && timed_out.is_empty() && email_failed.is_empty() {
        return Ok(());
    }
    Err(CliError::WaitIncomplete {
        closed,
        timed_out,
        email_failed,
        after: duration::human(waited),
    })
}

fn report(ctx: &Context, id: i64, end: &End, after: Duration, what: &str) {
    let after = duration::human(after);
    match end {
        End::Reached(i) => ctx.io.status(&format!(
            "✓ Invitation {id} ({} → {}) is {} (after {after})",
            i.email,
            i.network_name,
            if i.status == status::ACCEPTED {
                "accepted"
            } else {
                what
            }
        )),
        End::Closed(s, i) => ctx.io.warn(&format!(
            "invitation {id} ({} → {}) is {s}: it will never be accepted",
            i.email, i.network_name
        )),
        End::EmailFailed(i) if i.email_status == "not_sent" => ctx.io.warn(&format!(
            "invitation {id}: no email will be sent to {}: the server has no SMTP configured (share the link: netinvite copy-link {id})",
            i.email
        )),
        End::EmailFailed(i) => ctx.io.warn(&format!(
            "invitation {id}: the email to {} failed: {}",
            i.email,
            i.email_error.as_deref().unwrap_or("no reason given")
        )),
    }
}

/// One round: the pending slice of each known network (or all pending, for ids of unknown
/// network), then a wider look for ids that left it.
async fn poll(
    session: &mut Session,
    waiting: &[i64],
    network_of: &mut HashMap<i64, Option<i64>>,
    until: Until,
    explicit_network: bool,
) -> Result<Vec<(i64, End)>, CliError> {
    let now = chrono::Utc::now();
    let mut groups: Vec<Option<i64>> = waiting.iter().map(|id| network_of[id]).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut pending: HashMap<i64, Invitation> = HashMap::new();
    for g in &groups {
        let list = session
            .invitations(&ListQuery {
                network_id: *g,
                status_filter: Some(status::PENDING),
            })
            .await?;
        pending.extend(list.into_iter().map(|i| (i.id, i)));
    }
    let mut out = Vec::new();
    let mut left: Vec<i64> = Vec::new();
    for id in waiting {
        match pending.get(id) {
            Some(inv) => {
                network_of.insert(*id, Some(inv.network_id));
                if inv.is_past_deadline(now) {
                    out.push((*id, End::Closed(status::EXPIRED.into(), inv.clone())));
                } else if until == Until::Sent && inv.email_status == "sent" {
                    out.push((*id, End::Reached(inv.clone())));
                } else if until == Until::Sent
                    && (inv.email_status == "failed" || inv.email_status == "not_sent")
                {
                    // `not_sent` never changes: the server has no SMTP to send with.
                    out.push((*id, End::EmailFailed(inv.clone())));
                }
            }
            None => left.push(*id),
        }
    }
    if left.is_empty() {
        return Ok(out);
    }
    // Left the pending slice: accepted is the likely answer, so that slice comes first.
    let mut found: HashMap<i64, Invitation> = HashMap::new();
    for wide in [Some(status::ACCEPTED), None] {
        let mut nets: Vec<Option<i64>> = left
            .iter()
            .filter(|id| !found.contains_key(id))
            .map(|id| network_of[id])
            .collect();
        nets.sort_unstable();
        nets.dedup();
        for n in nets {
            let list = session
                .invitations(&ListQuery {
                    network_id: n,
                    status_filter: wide,
                })
                .await?;
            for inv in list {
                if left.contains(&inv.id) {
                    found.insert(inv.id, inv);
                }
            }
        }
        if left.iter().all(|id| found.contains_key(id)) {
            break;
        }
    }
    for id in left {
        match found.remove(&id) {
            Some(inv) if inv.status == status::ACCEPTED => out.push((id, End::Reached(inv))),
            Some(inv) => {
                let s = inv.effective_status(now).to_string();
                out.push((id, End::Closed(s, inv)));
            }
            // Not in the network's whole list: the local index was stale (the next round
            // looks across networks), or the id is wrong.
            None if network_of[&id].is_some() && !explicit_network => {
                network_of.insert(id, None);
                session.forget(id);
            }
            None => return Err(CliError::InvitationNotFound { id }),
        }
    }
    Ok(out)
}

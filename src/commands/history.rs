//! `netinvite history` — who did what: the invitation and membership events of the
//! server's audit log (api.md 3.14), for system admins.
//!
//! The server filters only by action and date, pages at 200 and sends `details` as a JSON
//! string. So: the date (`--since`) and a single action go to the server; ids, addresses
//! and networks are matched here, page by page, newest first, and paging stops as soon as
//! `--limit` matching events are known or the log (or `--since`) ends. An invitation's
//! address and network are only in its `invitation_created` entry, which is older than
//! its other events: they are learnt while paging, then from the local index, and only as
//! a last resort from one listing.

use std::collections::HashMap;

use clap::Args;
use serde::Serialize;

use crate::api::models::AuditEntry;
use crate::api::{AUDIT_PAGE, AuditQuery, ListQuery};
use crate::commands::{parse_ids, resolve_network};
use crate::context::Context;
use crate::error::CliError;
use crate::output::Format;

#[derive(Debug, Args)]
#[command(
    after_help = "Actions: invited, resent, revoked, accepted (invitations); added, changed, removed (members).\n\nExamples:\n  netinvite history 42\n  netinvite history --email ana@example.com --since 30d\n  netinvite history --network team --action revoked,removed --json"
)]
pub struct HistoryArgs {
    /// Only these invitations' events
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// Only events about this address (invitations for it, its memberships)
    #[arg(long, short = 'e', value_name = "ADDR")]
    pub email: Option<String>,

    /// Only events in this network (name or id)
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,

    /// Only events since this long ago (30d, 12h) or this date (2026-12-01, RFC 3339)
    #[arg(long, value_name = "30d|DATE")]
    pub since: Option<String>,

    /// Only these actions (comma-separated): invited, resent, revoked, accepted, added,
    /// changed, removed
    #[arg(long, value_name = "ACTION", value_delimiter = ',')]
    pub action: Vec<String>,

    /// At most this many events, newest first [default: 50, or all with --since]
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Output format (default: a table on a terminal, TSV otherwise)
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Open the audit page of the web UI in the browser instead (prints its URL where no
    /// browser can open); no request is made
    #[arg(long, short = 'w', conflicts_with_all = ["ids", "email", "network", "since", "action", "limit", "format"])]
    pub web: bool,
}

/// The events shown, their audit action names and the words people read.
const ACTIONS: [(&str, &str, &str); 7] = [
    ("invited", "invitation_created", "invited"),
    ("resent", "invitation_resend", "resent the invitation"),
    ("revoked", "invitation_deleted", "revoked the invitation"),
    ("accepted", "invitation_accepted", "accepted the invitation"),
    ("added", "network_permission_added", "added as member"),
    (
        "changed",
        "network_permission_updated",
        "changed the membership",
    ),
    (
        "removed",
        "network_permission_removed",
        "removed from the network",
    ),
];

const DEFAULT_LIMIT: usize = 50;

/// One event as shown: the entry with what it is about resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub when: Option<String>,
    /// The server's action name (stable, e.g. `invitation_deleted`).
    pub action: String,
    /// The action in words.
    pub what: &'static str,
    pub actor_email: Option<String>,
    pub actor_user_id: Option<i64>,
    pub invitation_id: Option<i64>,
    /// The address the event is about: the invitee, or the member.
    pub email: Option<String>,
    pub target_user_id: Option<i64>,
    pub network_id: Option<i64>,
    pub network_name: Option<String>,
    pub client_ip: Option<String>,
    pub result: Option<String>,
    #[serde(skip)]
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Parses `--since`: a duration back from now, a date (midnight UTC) or a datetime.
pub fn parse_since(
    input: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, CliError> {
    let s = input.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    if let Some(t) = crate::api::models::parse_timestamp(s) {
        return Ok(t);
    }
    let d = crate::duration::parse(s).map_err(|_| CliError::Usage {
        message: format!(
            "--since {s:?} is neither a duration nor a date: expected e.g. 30d, 12h, 2026-12-01 or 2026-12-01T09:00:00Z"
        ),
        hint: Some("e.g. netinvite history --since 7d".into()),
    })?;
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .ok_or_else(|| CliError::Usage {
            message: format!("--since {s:?} reaches back too far"),
            hint: None,
        })
}

/// Parses `--action`: our words or the server's action names.
fn parse_actions(inputs: &[String]) -> Result<Vec<&'static str>, CliError> {
    let mut v = Vec::new();
    for i in inputs {
        let w = i.trim().to_ascii_lowercase();
        let found = ACTIONS
            .iter()
            .find(|(word, name, _)| *word == w || *name == w || (w == "created" && *word == "invited"))
            .ok_or_else(|| CliError::Usage {
                message: format!(
                    "unknown action {i:?}: expected invited, resent, revoked, accepted, added, changed or removed"
                ),
                hint: Some("e.g. --action revoked,removed".into()),
            })?;
        if !v.contains(&found.1) {
            v.push(found.1);
        }
    }
    Ok(v)
}

pub async fn run(ctx: &mut Context, args: HistoryArgs) -> Result<(), CliError> {
    if args.web {
        return crate::browser::open_page(ctx, "/audit");
    }
    let now = chrono::Utc::now();
    let ids = parse_ids(&args.ids)?;
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, now))
        .transpose()?;
    let actions = parse_actions(&args.action)?;
    let email = args
        .email
        .as_deref()
        .map(crate::rules::validate_email)
        .transpose()?
        .map(|e| e.to_lowercase());
    let limit = args.limit.unwrap_or(if since.is_some() {
        usize::MAX
    } else {
        DEFAULT_LIMIT
    });
    if limit == 0 {
        return Err(CliError::Usage {
            message: "--limit must be at least 1".into(),
            hint: None,
        });
    }
    let format = Format::resolve(args.format, ctx.io.json, ctx.io.stdout_tty);

    let mut session = ctx.session().await?;
    let caller = session.caller().await?;
    let needs_admin = || {
        CliError::NotAllowed {
        what: "read the history (the server's audit log)".into(),
        who: "system admins",
        hint: Some(
            "`netinvite list` shows the invitations you can see and their state; `netinvite members list` shows who is in the networks you own".into(),
        ),
    }
    };
    if !caller.system_admin {
        return Err(needs_admin());
    }
    let nets = session.ensure_user_record().await?;
    let network_id = args
        .network
        .as_deref()
        .map(|q| resolve_network(&nets, q).map(|n| n.id))
        .transpose()?;
    let net_names: HashMap<i64, String> = nets.iter().map(|n| (n.id, n.name.clone())).collect();
    // Member events name a user id: an address filter needs the accounts while paging.
    let mut users: Option<HashMap<i64, String>> = None;
    if email.is_some() {
        users = Some(
            load_users(&mut session)
                .await
                .map_err(|e| admin_only(e, needs_admin))?,
        );
    }

    let filter = Filter {
        ids: &ids,
        email: email.as_deref(),
        network_id,
        actions: &actions,
    };
    let spinner = ctx.io.spinner("Reading the audit log…");
    let mut invitations: HashMap<i64, (Option<String>, Option<i64>)> = HashMap::new();
    let mut kept: Vec<Event> = Vec::new();
    let mut offset: u64 = 0;
    let mut pages = 0u32;
    loop {
        let q = AuditQuery {
            limit: AUDIT_PAGE,
            offset,
            // One action goes to the server: the pages then hold nothing else.
            action: (actions.len() == 1).then(|| actions[0].to_string()),
            from_date: since.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()),
        };
        let page = session
            .call(|c| {
                let q = q.clone();
                async move { c.audit(&q).await }
            })
            .await
            .map_err(|e| admin_only(e, needs_admin))?;
        pages += 1;
        let n = page.len();
        let mut older_than_since = false;
        for entry in page {
            let Some(mut ev) = event(&entry) else {
                continue;
            };
            if since.is_some_and(|s| ev.at.is_some_and(|t| t < s)) {
                older_than_since = true;
                continue;
            }
            if entry.action == "invitation_created"
                && let Some(id) = ev.invitation_id
            {
                invitations.insert(id, (ev.email.clone(), ev.network_id));
            }
            if let Some(u) = &users {
                fill_member(&mut ev, u);
            }
            kept.push(ev);
        }
        // What each kept invitation event is about, as far as known now.
        for ev in kept.iter_mut() {
            fill_invitation(ev, &invitations);
        }
        let sure = kept
            .iter()
            .filter(|e| filter.matches(e) == Some(true))
            .count();
        if n < AUDIT_PAGE as usize || older_than_since || sure >= limit {
            break;
        }
        offset += u64::from(AUDIT_PAGE);
    }
    spinner.finish();
    ctx.io
        .debug(&format!("history: {pages} audit page(s) read"));

    // Invitations whose creation was not in the pages read: the local index, then (only
    // when a filter needs it) one listing.
    let unknown = |kept: &[Event]| {
        kept.iter()
            .any(|e| e.invitation_id.is_some() && (e.email.is_none() || e.network_id.is_none()))
    };
    if unknown(&kept) {
        for ev in kept.iter_mut() {
            if let Some(id) = ev.invitation_id
                && (ev.email.is_none() || ev.network_id.is_none())
                && let Some(entry) = session.index.get(id)
            {
                invitations.insert(id, (Some(entry.email.clone()), Some(entry.network_id)));
            }
            fill_invitation(ev, &invitations);
        }
    }
    // Only a filter that cannot decide without them pays for a listing.
    if kept.iter().any(|e| filter.matches(e).is_none()) {
        let all = session
            .invitations(&ListQuery {
                network_id: None,
                status_filter: None,
            })
            .await?;
        for i in &all {
            invitations.insert(i.id, (Some(i.email.clone()), Some(i.network_id)));
        }
        for ev in kept.iter_mut() {
            fill_invitation(ev, &invitations);
        }
    }
    kept.retain(|e| filter.matches(e) == Some(true));
    kept.truncate(limit);
    if users.is_none() && kept.iter().any(|e| e.target_user_id.is_some()) {
        users = Some(
            load_users(&mut session)
                .await
                .map_err(|e| admin_only(e, needs_admin))?,
        );
    }
    for ev in kept.iter_mut() {
        if let Some(u) = &users {
            fill_member(ev, u);
        }
        if let Some(id) = ev.network_id {
            ev.network_name = net_names
                .get(&id)
                .cloned()
                .or_else(|| session.index.network_name(id).map(str::to_string));
        }
    }

    if kept.is_empty() && format == Format::Table {
        ctx.io.status("No matching events.");
        return Ok(());
    }
    ctx.io.out(&crate::output::history::render(
        &ctx.io,
        &kept_rows(&kept),
        format,
        now,
    ))
}

/// A 403 from the audit or users endpoint: the server says what the token's claims did
/// not (a role granted elsewhere, or taken away).
fn admin_only(e: CliError, needs_admin: impl Fn() -> CliError) -> CliError {
    match e {
        CliError::NotAllowed { .. } | CliError::PermissionDenied { .. } => needs_admin(),
        other => other,
    }
}

async fn load_users(
    session: &mut crate::context::Session,
) -> Result<HashMap<i64, String>, CliError> {
    let list = session.call(|c| async move { c.users().await }).await?;
    Ok(list
        .into_iter()
        .filter_map(|u| u.email.map(|e| (u.id, e)))
        .collect())
}

/// An audit entry as an event, or `None` when it is not about invitations or members.
fn event(e: &AuditEntry) -> Option<Event> {
    let (_, _, what) = ACTIONS.iter().find(|(_, name, _)| *name == e.action)?;
    let d = e.details();
    let invitation =
        e.resource_type.as_deref() == Some("invitation") || e.action.starts_with("invitation_");
    Some(Event {
        id: e.id,
        when: e.occurred_at.map(crate::output::time::rfc3339),
        action: e.action.clone(),
        what,
        actor_email: e.actor_email.clone().or_else(|| e.actor_identifier.clone()),
        actor_user_id: e.actor_user_id,
        invitation_id: if invitation { e.resource_id } else { None },
        email: d.email.map(|x| x.to_lowercase()),
        target_user_id: d.target_user_id,
        network_id: if invitation {
            d.network_id
        } else {
            e.resource_id
        },
        network_name: None,
        client_ip: e.client_ip.clone(),
        result: e.result.clone(),
        at: e.occurred_at,
    })
}

fn fill_invitation(ev: &mut Event, known: &HashMap<i64, (Option<String>, Option<i64>)>) {
    if let Some(id) = ev.invitation_id
        && let Some((email, net)) = known.get(&id)
    {
        if ev.email.is_none() {
            ev.email = email.as_ref().map(|e| e.to_lowercase());
        }
        if ev.network_id.is_none() {
            ev.network_id = *net;
        }
    }
}

fn fill_member(ev: &mut Event, users: &HashMap<i64, String>) {
    if ev.email.is_none()
        && let Some(u) = ev.target_user_id
    {
        ev.email = users.get(&u).map(|e| e.to_lowercase());
    }
}

/// What the user asked to see.
struct Filter<'a> {
    ids: &'a [i64],
    email: Option<&'a str>,
    network_id: Option<i64>,
    actions: &'a [&'static str],
}

impl Filter<'_> {
    /// `Some(true)`/`Some(false)` when decided, `None` when the event's address or
    /// network is not known yet.
    fn matches(&self, e: &Event) -> Option<bool> {
        if !self.actions.is_empty() && !self.actions.contains(&e.action.as_str()) {
            return Some(false);
        }
        if !self.ids.is_empty() && !e.invitation_id.is_some_and(|id| self.ids.contains(&id)) {
            return Some(false);
        }
        let mut undecided = false;
        if let Some(want) = self.email {
            match &e.email {
                Some(have) if have.eq_ignore_ascii_case(want) => {}
                Some(_) => return Some(false),
                None if e.invitation_id.is_some() => undecided = true,
                None => return Some(false),
            }
        }
        if let Some(want) = self.network_id {
            match e.network_id {
                Some(have) if have == want => {}
                Some(_) => return Some(false),
                None if e.invitation_id.is_some() => undecided = true,
                None => return Some(false),
            }
        }
        if undecided { None } else { Some(true) }
    }
}

fn kept_rows(kept: &[Event]) -> Vec<crate::output::history::Row<'_>> {
    kept.iter()
        .map(|e| crate::output::history::Row {
            json: e,
            at: e.at,
            actor: e.actor_email.as_deref(),
            what: e.what,
            invitation_id: e.invitation_id,
            email: e.email.as_deref(),
            network: e.network_name.as_deref(),
            client_ip: e.client_ip.as_deref(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        let now = crate::api::models::parse_timestamp("2026-12-05T12:00:00").unwrap();
        assert_eq!(
            parse_since("30d", now).unwrap().to_rfc3339(),
            "2026-11-05T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-12-01", now).unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-12-01T09:30:00Z", now)
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T09:30:00+00:00"
        );
        let e = parse_since("yesterday", now).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::USAGE);
    }

    #[test]
    fn actions_by_word_or_server_name() {
        assert_eq!(
            parse_actions(&["revoked".into(), "network_permission_removed".into()]).unwrap(),
            vec!["invitation_deleted", "network_permission_removed"]
        );
        assert!(parse_actions(&["deleted!".into()]).is_err());
    }

    fn ev(action: &str, inv: Option<i64>, email: Option<&str>, net: Option<i64>) -> Event {
        Event {
            id: 1,
            when: None,
            action: action.into(),
            what: "x",
            actor_email: None,
            actor_user_id: None,
            invitation_id: inv,
            email: email.map(Into::into),
            target_user_id: None,
            network_id: net,
            network_name: None,
            client_ip: None,
            result: None,
            at: None,
        }
    }

    #[test]
    fn filter_decides_or_waits() {
        let f = Filter {
            ids: &[],
            email: Some("ana@example.com"),
            network_id: None,
            actions: &[],
        };
        assert_eq!(
            f.matches(&ev(
                "invitation_created",
                Some(3),
                Some("Ana@example.com"),
                Some(1)
            )),
            Some(true)
        );
        assert_eq!(
            f.matches(&ev("invitation_deleted", Some(3), None, None)),
            None
        );
        assert_eq!(
            f.matches(&ev("network_permission_removed", None, None, Some(1))),
            Some(false)
        );
        let f = Filter {
            ids: &[7],
            email: None,
            network_id: Some(2),
            actions: &["invitation_deleted"],
        };
        assert_eq!(
            f.matches(&ev("invitation_deleted", Some(7), None, Some(2))),
            Some(true)
        );
        assert_eq!(
            f.matches(&ev("invitation_deleted", Some(8), None, Some(2))),
            Some(false)
        );
        assert_eq!(
            f.matches(&ev("invitation_resend", Some(7), None, Some(2))),
            Some(false)
        );
    }
}

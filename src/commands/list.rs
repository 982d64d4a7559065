//! `netinvite list` — invitations, newest first, with the status that tells the truth.
//!
//! The server keeps past-deadline invitations as `pending` and filters on the stored
//! status only, so the filter is split: one stored status needed → `status_filter` on the
//! server (fast on large tables); several → one unfiltered request. Either way the
//! effective status is computed here and one request is made (two with a network name).
//!
//! A full listing on a big server is megabytes: it is decoded in place (strings borrowed
//! from the body) and written row by row, never held a second time.

use clap::Args;

use crate::api::list_rows::{Room, Row};
use crate::api::models::status;
use crate::api::{ListBody, ListQuery};
use crate::commands::network_filter;
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::index::Index;
use crate::output::{self, Format};

/// Below this many expected rows, memory is not made ready ahead (it costs a thread).
const ROOM_FROM: usize = 2_000;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite list --status pending\n  netinvite list --network lab --email '*@example.com'\n  netinvite list --json | jq -r '.[] | select(.status==\"expired\") | .id'"
)]
pub struct ListArgs {
    /// Only these effective statuses: pending, accepted, expired, revoked (comma-separated)
    #[arg(long, short = 's', value_delimiter = ',', value_name = "STATUS")]
    pub status: Vec<String>,

    /// Only this network (name or id)
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,

    /// Only addresses matching this pattern (case-insensitive; `*` matches anything,
    /// otherwise a substring)
    #[arg(long, short = 'e', value_name = "PATTERN")]
    pub email: Option<String>,

    /// At most this many rows (the newest)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Output format (default: a table on a terminal, TSV otherwise)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub async fn run(ctx: &mut Context, args: ListArgs) -> Result<(), CliError> {
    let wanted = parse_statuses(&args.status)?;
    let mut session = ctx.session().await?;
    let network_id = network_filter(&mut session, args.network.as_deref()).await?;
    let q = ListQuery {
        network_id,
        status_filter: server_filter(&wanted),
    };
    // A full listing of a big server is about as long as the index: its rows' memory is
    // made ready on a spare thread while the request is on its way.
    let expected = session.index.expected_len();
    let room = (q.network_id.is_none() && q.status_filter.is_none() && expected >= ROOM_FROM)
        .then(|| {
            std::thread::Builder::new()
                .name("room".into())
                .spawn(move || Room::expecting(expected))
                .ok()
        })
        .flatten();
    let mut body = fetch(&mut session, &q).await?;
    // A caller without a user record on the server gets `[]`, not an error (a token
    // from NETINVITE_TOKEN that never listed networks): make sure of it and ask again.
    if !session.user_record_ensured() && body.is_empty_list() {
        session.ensure_user_record().await?;
        body = fetch(&mut session, &q).await?;
    }
    let room = room.and_then(|r| r.join().ok()).unwrap_or_default();
    let all = rows(&session, &body, room)?;
    let Session {
        index, selected, ..
    } = &mut session;
    // What the listing taught is recorded on a second thread while the rows are
    // filtered and written, so a 10,000-row index costs no wall time; here, after the
    // output, when no thread could be had.
    let pending = std::sync::Mutex::new(Some(index));
    let written = std::thread::scope(|scope| {
        let (all, pending) = (&all, &pending);
        let _ = std::thread::Builder::new().spawn_scoped(scope, move || {
            if let Some(index) = pending.lock().ok().and_then(|mut i| i.take()) {
                learn(index, all);
            }
        });
        write(ctx, &args, &wanted, all, &selected.public_base())
    });
    if let Some(index) = pending.into_inner().ok().flatten() {
        learn(index, &all);
    }
    // The process ends right after this command: handing 10,000 rows, the body and the
    // index back to the allocator piece by piece would cost milliseconds for nothing.
    std::mem::forget(all);
    std::mem::forget(body);
    std::mem::forget(session);
    written
}

/// Records every listed row in the local index and saves what changed.
fn learn(index: &mut Index, rows: &[Row<'_>]) {
    for r in rows {
        index.learn_listed(
            r.raw.id,
            r.raw.network_id,
            &r.raw.network_name,
            &r.raw.status,
            r.expires_at.map(|t| t.timestamp()),
            &r.raw.email,
        );
    }
    let _ = index.save();
}

/// Filters, orders and writes the rows.
fn write(
    ctx: &Context,
    args: &ListArgs,
    wanted: &[&str],
    all: &[Row<'_>],
    base: &str,
) -> Result<(), CliError> {
    let now = chrono::Utc::now();
    let pattern = args.email.as_deref().map(str::to_lowercase);
    let mut rows: Vec<&Row<'_>> = all
        .iter()
        .filter(|r| wanted.is_empty() || wanted.contains(&r.effective_status(now)))
        .filter(|r| {
            pattern
                .as_deref()
                .is_none_or(|p| matches(p, &r.raw.email.to_lowercase()))
        })
        .collect();
    // The server sorts by creation time already; keep it so even if a proxy reorders.
    let newest_first = |a: &&Row<'_>, b: &&Row<'_>| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.raw.id.cmp(&a.raw.id))
    };
    if !rows.is_sorted_by(|a, b| newest_first(a, b).is_le()) {
        rows.sort_by(newest_first);
    }
    if let Some(n) = args.limit {
        rows.truncate(n);
    }
    let format = Format::resolve(args.format, ctx.io.json, ctx.io.stdout_tty);
    if rows.is_empty() && format == Format::Table {
        ctx.io.status("No invitations match.");
        return Ok(());
    }
    ctx.io
        .out_with(|w| output::listing::write(&ctx.io, &rows, format, base, now, w))
}

/// One list request, as received (decoded in place by [`rows`]).
async fn fetch(session: &mut Session, q: &ListQuery) -> Result<ListBody, CliError> {
    session
        .call(|c| {
            let q = q.clone();
            async move { c.invitations_body(&q).await }
        })
        .await
}

fn rows<'b>(session: &Session, body: &'b ListBody, room: Room) -> Result<Vec<Row<'b>>, CliError> {
    body.rows(room)
        .map_err(|e| CliError::from_api(e, session.server()))
}

/// Validates `--status` values against the effective statuses.
pub fn parse_statuses(inputs: &[String]) -> Result<Vec<&'static str>, CliError> {
    let mut out = Vec::new();
    for s in inputs {
        let t = s.trim().to_ascii_lowercase();
        if t.is_empty() {
            continue;
        }
        let known = status::ALL
            .iter()
            .find(|k| **k == t)
            .ok_or_else(|| CliError::InvalidStatus { input: s.clone() })?;
        if !out.contains(known) {
            out.push(*known);
        }
    }
    Ok(out)
}

/// The server-side filter that returns a superset of `wanted` in the fewest rows.
pub fn server_filter(wanted: &[&str]) -> Option<&'static str> {
    let mut stored: Vec<&'static str> = Vec::new();
    for w in wanted {
        let needs: &[&'static str] = match *w {
            "pending" => &[status::PENDING],
            // Past-deadline rows are stored as pending; a stored `expired` may exist too.
            "expired" => &[status::PENDING, status::EXPIRED],
            "accepted" => &[status::ACCEPTED],
            "revoked" => &[status::REVOKED],
            _ => &[],
        };
        for n in needs {
            if !stored.contains(n) {
                stored.push(n);
            }
        }
    }
    match stored.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Case-folded glob with `*`, or a substring match when there is no `*`.
fn matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !text.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return text.len() >= pos + part.len() && text[pos..].ends_with(part);
        } else {
            match text[pos..].find(part) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_map_to_the_server() {
        assert_eq!(server_filter(&["pending"]), Some("pending"));
        assert_eq!(server_filter(&["accepted"]), Some("accepted"));
        assert_eq!(server_filter(&["expired"]), None);
        assert_eq!(server_filter(&["pending", "accepted"]), None);
        assert_eq!(server_filter(&[]), None);
    }

    #[test]
    fn statuses_are_validated() {
        assert_eq!(
            parse_statuses(&["Pending".into()]).unwrap(),
            vec!["pending"]
        );
        assert!(parse_statuses(&["done".into()]).is_err());
    }

    #[test]
    fn globs() {
        assert!(matches("*@example.com", "ana@example.com"));
        assert!(!matches("*@example.com", "ana@example.org"));
        assert!(matches("ana", "ana@example.com"));
        assert!(matches("a*@*.com", "ana@example.com"));
        assert!(!matches("b*", "ana@example.com"));
    }
}

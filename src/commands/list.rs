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

use chrono::{DateTime, Utc};

use crate::api::list_rows::{self, PER_ROW, Row, Scanned, scan_wire};
use crate::api::models::status;
use crate::api::{ListBody, ListQuery};
use crate::commands::network_filter;
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::index::Listing;
use crate::output::{self, Format, listing};

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

    /// Open the invitations page of the web UI in the browser instead (prints its URL
    /// where no browser can open); no request is made
    #[arg(long, short = 'w', conflicts_with_all = ["status", "network", "email", "limit", "format"])]
    pub web: bool,
}

pub async fn run(ctx: &mut Context, args: ListArgs) -> Result<(), CliError> {
    if args.web {
        return crate::browser::open_page(ctx, "/invitations");
    }
    let wanted = parse_statuses(&args.status)?;
    // A listing that confirms the local index does not need to parse it (see
    // `Index::learn_listing`): it is read only when something changed.
    let mut session = ctx.session_index_on_demand().await?;
    let network_id = network_filter(&mut session, args.network.as_deref()).await?;
    let q = ListQuery {
        network_id,
        status_filter: server_filter(&wanted),
    };
    let asked = std::time::SystemTime::now();
    let mut body = fetch(&mut session, &q).await?;
    // A caller without a user record on the server gets `[]`, not an error (a token
    // from NETINVITE_TOKEN that never listed networks): make sure of it and ask again.
    if !session.user_record_ensured() && body.is_empty_list() {
        session.ensure_user_record().await?;
        body = fetch(&mut session, &q).await?;
    }
    let complete = q.network_id.is_none() && q.status_filter.is_none();
    let filter = Filter::new(&args, &wanted);
    let format = Format::resolve(args.format, ctx.io.json, ctx.io.stdout_tty);
    let base = session.selected.public_base();
    let (written, listing) = match held(&body, &filter, format, ctx.io.stdout_tty) {
        Some(Held {
            text,
            rows,
            ndjson,
            listing,
        }) => {
            let now = filter.now;
            let written = ctx
                .io
                .out_with(|w| listing::write_held(w, text, &rows, ndjson, &base, now));
            std::mem::forget(rows);
            (written, listing)
        }
        None => {
            let all = rows(&session, &body)?;
            let written = write(ctx, &args, &filter, &all, &base);
            let mut listing = Listing::with_capacity(all.len());
            for r in &all {
                listing.row(
                    r.raw.id,
                    r.raw.network_id,
                    &r.raw.network_name,
                    &r.raw.status,
                    r.expires_at.map(|t| t.timestamp()),
                    &r.raw.email,
                );
            }
            std::mem::forget(all);
            (written, listing)
        }
    };
    session.index.learn_listing(listing, complete, asked);
    // The process ends right after this command: handing 10,000 rows, the body and the
    // index back to the allocator piece by piece would cost milliseconds for nothing.
    std::mem::forget(body);
    std::mem::forget(session);
    written
}

/// What `--status`, `--email` and `--limit` keep, and the time they are judged at.
struct Filter<'a> {
    wanted: &'a [&'static str],
    pattern: Option<String>,
    limit: Option<usize>,
    now: DateTime<Utc>,
}

impl<'a> Filter<'a> {
    fn new(args: &ListArgs, wanted: &'a [&'static str]) -> Self {
        Self {
            wanted,
            pattern: args.email.as_deref().map(str::to_lowercase),
            limit: args.limit,
            now: Utc::now(),
        }
    }

    /// Whether some rows may be left out (then the rows kept are not sized ahead).
    fn narrows(&self) -> bool {
        !self.wanted.is_empty() || self.pattern.is_some()
    }

    fn keeps(&self, effective_status: &str, email: &str) -> bool {
        (self.wanted.is_empty() || self.wanted.contains(&effective_status))
            && self
                .pattern
                .as_deref()
                .is_none_or(|p| matches(p, &email.to_lowercase()))
    }
}

/// The rows `--json` (compact) and NDJSON write, held by position in the server's text
/// ([`scan_wire`], [`list_rows::Held`]), with what the listing taught the index.
struct Held<'b> {
    text: &'b str,
    rows: Vec<list_rows::Held<'b>>,
    ndjson: bool,
    listing: Listing,
}

/// Scans the whole body before anything is written (a broken row at the end must not
/// leave half a listing on stdout), keeping the rows the filter keeps in ~48 bytes each;
/// [`listing::write_held`] then copies their text out. `None` for another format or a
/// body the scanner does not take as it is (the decoding path words the error).
fn held<'b>(
    body: &'b ListBody,
    filter: &Filter<'_>,
    format: Format,
    tty: bool,
) -> Option<Held<'b>> {
    let ndjson = match format {
        Format::Json if !tty => false,
        Format::Ndjson => true,
        _ => return None,
    };
    let text = std::str::from_utf8(body.json_bytes()?).ok()?;
    let n = text.len() / PER_ROW;
    let mut listing = Listing::with_capacity(n);
    let mut rows = Vec::with_capacity(if filter.narrows() { 0 } else { n });
    let mut last: Option<(Option<DateTime<Utc>>, i64)> = None;
    let mut ordered = true;
    scan_wire(text, |scanned| {
        let (id, created_at, status, email) = match &scanned {
            Scanned::Wire(w) => {
                listing.row(
                    w.id,
                    w.network_id,
                    w.network_name,
                    w.status,
                    w.expires_at().map(|t| t.timestamp()),
                    w.email,
                );
                (
                    w.id,
                    w.created_at(),
                    w.effective_status(filter.now),
                    w.email,
                )
            }
            Scanned::Row(r) => {
                listing.row(
                    r.raw.id,
                    r.raw.network_id,
                    &r.raw.network_name,
                    &r.raw.status,
                    r.expires_at.map(|t| t.timestamp()),
                    &r.raw.email,
                );
                let status = r.effective_status(filter.now);
                (r.raw.id, r.created_at, status, &*r.raw.email)
            }
        };
        // Newest first, as the server sends it; otherwise sorted below.
        ordered &= last.is_none_or(|l| (created_at, id) <= l);
        last = Some((created_at, id));
        if filter.keeps(status, email) {
            rows.push(list_rows::Held::new(text, scanned, filter.now));
        }
        Some(())
    })?;
    if !ordered {
        // Stable, as the decoding path's sort: equal keys keep the server's order.
        rows.sort_by_cached_key(|r| std::cmp::Reverse(r.order(text)));
    }
    if let Some(n) = filter.limit {
        rows.truncate(n);
    }
    Some(Held {
        text,
        rows,
        ndjson,
        listing,
    })
}

/// Filters, orders and writes the rows.
fn write(
    ctx: &Context,
    args: &ListArgs,
    filter: &Filter<'_>,
    all: &[Row<'_>],
    base: &str,
) -> Result<(), CliError> {
    let now = filter.now;
    let mut rows: Vec<&Row<'_>> = all
        .iter()
        .filter(|r| filter.keeps(r.effective_status(now), &r.raw.email))
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
    if let Some(n) = filter.limit {
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

fn rows<'b>(session: &Session, body: &'b ListBody) -> Result<Vec<Row<'b>>, CliError> {
    body.rows()
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

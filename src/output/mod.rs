//! Rendering: tables for people (comfy-table, relative times), and TSV, CSV, JSON and
//! NDJSON for scripts (RFC 3339 UTC times). Knows nothing of HTTP: it renders models.
//!
//! JSON field names are stable and documented in docs/json.md. Server text shown to
//! people (tables, TSV, CSV, `show`) goes through [`printable`]; JSON keeps it exact.

pub mod batch;
pub mod errors;
pub mod history;
pub mod jq;
pub mod json;
pub mod listing;
pub mod members;
pub mod printable;
pub mod time;

pub use printable::{needs_escape, printable, printable_lines};

use chrono::{DateTime, Utc};
use comfy_table::{Cell, ContentArrangement, Table, presets};

use crate::api::models::{Invitation, Network};
use crate::style::{Screen, Style};

/// Output formats of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table on a terminal, tab-separated rows otherwise
    Table,
    /// Tab-separated rows, no header
    Tsv,
    /// One JSON array
    Json,
    /// One JSON object per line
    Ndjson,
    /// Comma-separated with a header row
    Csv,
}

impl Format {
    /// The effective format: `--json` wins; a table is only drawn on a terminal.
    pub fn resolve(requested: Option<Format>, json: bool, tty: bool) -> Format {
        match (json, requested) {
            (true, Some(Format::Ndjson)) => Format::Ndjson,
            (true, _) => Format::Json,
            (false, None) if tty => Format::Table,
            (false, None) => Format::Tsv,
            (false, Some(f)) => f,
        }
    }
}

/// Builds an invitation link from the public base URL and the token.
pub fn link(public_base: &str, token: &str) -> String {
    format!(
        "{}/invitations/accept/{}",
        public_base.trim_end_matches('/'),
        token
    )
}

/// How `email_status` reads for people; `sending` after create is never resolved by the
/// server, so it is shown as unconfirmed.
pub fn email_status_text(status: &str) -> &str {
    match status {
        "not_sent" => "not sent",
        "sending" => "queued (unconfirmed)",
        "sent" => "sent",
        "failed" => "failed",
        other => other,
    }
}

pub fn permissions_text(nodes: bool, invite: bool, firewall: bool) -> String {
    let mut v = Vec::new();
    if nodes {
        v.push("nodes");
    }
    if invite {
        v.push("invite");
    }
    if firewall {
        v.push("firewall");
    }
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}

fn status_style(status: &str) -> Option<Style> {
    match status {
        "pending" => Some(Style::Green),
        "accepted" => Some(Style::Cyan),
        "expired" => Some(Style::Yellow),
        "revoked" => Some(Style::Red),
        _ => None,
    }
}

fn new_table(io: &dyn Screen, headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(|h| {
            let c = Cell::new(h);
            if io.color_stdout() {
                c.add_attribute(comfy_table::Attribute::Bold)
            } else {
                c
            }
        }));
    if io.color_stdout() {
        t.enforce_styling();
    }
    if let Some((w, _)) = terminal_width() {
        t.set_width(w);
    }
    t
}

fn terminal_width() -> Option<(u16, u16)> {
    let cols = std::env::var("COLUMNS").ok()?.parse().ok()?;
    Some((cols, 0))
}

/// A TSV field: tabs and line breaks inside it are escaped like every other control
/// character, so a row stays one line of tab-separated fields.
fn tsv_field(s: &str) -> String {
    printable(s).into_owned()
}

/// A CSV field, quoted when needed. Control characters are escaped here too: CSV ends up
/// on terminals as often as in spreadsheets, and `--json` has the exact values.
fn csv_field(s: &str) -> String {
    let s = printable(s);
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// A table row: every cell is made printable.
fn add_row(t: &mut Table, cells: Vec<Field<'_>>) {
    t.add_row(cells.into_iter().map(|c| match c {
        Field::Text(s) => printable(&s).into_owned(),
    }));
}

/// A table cell: server text.
enum Field<'a> {
    Text(std::borrow::Cow<'a, str>),
}

impl From<String> for Field<'_> {
    fn from(s: String) -> Self {
        Field::Text(s.into())
    }
}

impl<'a> From<&'a str> for Field<'a> {
    fn from(s: &'a str) -> Self {
        Field::Text(s.into())
    }
}

/// The effective status, painted on a terminal; an unknown stored status is server text.
fn status_text(io: &dyn Screen, status: &str) -> String {
    let status = printable(status);
    match status_style(&status) {
        Some(s) => io.paint_out(s, &status),
        None => status.into_owned(),
    }
}

fn rows_to_text(rows: &[Vec<String>], sep: &str, escape: fn(&str) -> String) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&r.iter().map(|f| escape(f)).collect::<Vec<_>>().join(sep));
        out.push('\n');
    }
    out
}

/// What the caller may do in a network, in words: a system admin and an owner may do
/// everything (the server ignores an owner's flags); a member what the flags say.
fn your_permissions(n: &Network) -> String {
    match n.role.as_deref() {
        Some("admin") => "everything (system admin)".into(),
        Some("owner") => "everything (owner)".into(),
        _ => {
            let p = permissions_text(
                n.can_manage_nodes.unwrap_or(false),
                n.can_invite_users.unwrap_or(false),
                n.can_manage_firewall.unwrap_or(false),
            );
            if p == "-" { "use it".into() } else { p }
        }
    }
}

/// Renders the network list in `format`.
pub fn networks(io: &dyn Screen, list: &[Network], format: Format, now: DateTime<Utc>) -> String {
    match format {
        Format::Json => {
            json::to_pretty(&list.iter().map(json::NetworkJson::new).collect::<Vec<_>>())
        }
        Format::Ndjson => list
            .iter()
            .map(|n| json::to_line(&json::NetworkJson::new(n)))
            .collect(),
        Format::Table => {
            let mut t = new_table(
                io,
                &["ID", "NAME", "SUBNET", "YOUR ROLE", "YOU MAY", "CREATED"],
            );
            for n in list {
                add_row(
                    &mut t,
                    vec![
                        n.id.to_string().into(),
                        n.name.as_str().into(),
                        n.subnet_cidr.as_deref().unwrap_or("-").into(),
                        n.role.as_deref().unwrap_or("-").into(),
                        your_permissions(n).into(),
                        time::relative(n.created_at, now).into(),
                    ],
                );
            }
            format!("{t}\n")
        }
        Format::Tsv | Format::Csv => {
            let mut rows = Vec::new();
            if format == Format::Csv {
                rows.push(
                    [
                        "id",
                        "name",
                        "subnet_cidr",
                        "role",
                        "created_at",
                        "can_manage_nodes",
                        "can_invite_users",
                        "can_manage_firewall",
                    ]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                );
            }
            for n in list {
                rows.push(vec![
                    n.id.to_string(),
                    n.name.clone(),
                    n.subnet_cidr.clone().unwrap_or_default(),
                    n.role.clone().unwrap_or_default(),
                    time::rfc3339_or_empty(n.created_at),
                    // Appended, so that scripts reading the first five columns keep working.
                    n.can_manage_nodes
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                    n.can_invite_users
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                    n.can_manage_firewall
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                ]);
            }
            if format == Format::Csv {
                rows_to_text(&rows, ",", csv_field)
            } else {
                rows_to_text(&rows, "\t", tsv_field)
            }
        }
    }
}

/// One invitation, every field, as `key: value` lines for people.
pub fn invitation_detail(
    io: &dyn Screen,
    i: &Invitation,
    public_base: &str,
    now: DateTime<Utc>,
) -> String {
    let status = i.effective_status(now);
    let mut status_line = status_text(io, status);
    if status != i.status {
        status_line.push_str(&format!(
            " (the server still stores \"{}\")",
            printable(&i.status)
        ));
    }
    let when = |t| {
        if io.stdout_tty() {
            time::local_with_relative(t, now)
        } else {
            time::rfc3339_or_dash(t)
        }
    };
    let mut lines: Vec<(&str, String)> = vec![
        ("id", i.id.to_string()),
        ("email", i.email.clone()),
        (
            "network",
            format!("{} (id {})", i.network_name, i.network_id),
        ),
        ("role", i.role.clone()),
        (
            "permissions",
            permissions_text(
                i.can_manage_nodes,
                i.can_invite_users,
                i.can_manage_firewall,
            ),
        ),
        ("status", status_line),
        ("expires", when(i.expires_at)),
        ("created", when(i.created_at)),
    ];
    if i.accepted_at.is_some() {
        lines.push(("accepted", when(i.accepted_at)));
    }
    lines.push((
        "invited by",
        match &i.invited_by_email {
            Some(e) => format!("{e} (user {})", opt_id(i.invited_by_user_id)),
            None => format!("- (user {})", opt_id(i.invited_by_user_id)),
        },
    ));
    lines.push((
        "email status",
        email_status_text(&i.email_status).to_string(),
    ));
    if i.email_sent_at.is_some() {
        lines.push(("email sent", when(i.email_sent_at)));
    }
    if let Some(err) = &i.email_error {
        lines.push(("email error", err.clone()));
    }
    lines.push(("link", link(public_base, &i.token)));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in lines {
        let key = io.paint_out(Style::Bold, &format!("{k:<width$}"));
        // The status line is painted by netinvite and already printable.
        let v = if k == "status" {
            v.into()
        } else {
            printable(&v)
        };
        out.push_str(&format!("{key}  {v}\n"));
    }
    out
}

fn opt_id(id: Option<i64>) -> String {
    id.map(|i| i.to_string()).unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_resolve() {
        assert_eq!(Format::resolve(None, false, true), Format::Table);
        assert_eq!(Format::resolve(None, false, false), Format::Tsv);
        assert_eq!(Format::resolve(Some(Format::Csv), true, true), Format::Json);
        assert_eq!(
            Format::resolve(Some(Format::Ndjson), true, false),
            Format::Ndjson
        );
        assert_eq!(
            Format::resolve(Some(Format::Table), false, false),
            Format::Table
        );
    }

    #[test]
    fn links_and_fields() {
        assert_eq!(
            link("https://n.example/", "abc"),
            "https://n.example/invitations/accept/abc"
        );
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(tsv_field("a\tb"), "a\\tb");
        assert_eq!(csv_field("x\x1b[2J,y"), "\"x\\x1b[2J,y\"");
        assert_eq!(permissions_text(true, false, true), "nodes,firewall");
    }
}

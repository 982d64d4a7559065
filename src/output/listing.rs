//! Invitation listings, written row by row from rows decoded in place
//! ([`crate::api::list_rows`]): nothing is rendered into an intermediate copy of the
//! whole listing, so a 10,000-row listing costs the response body, one small row per
//! invitation and the output buffer.
//!
//! The table is drawn here rather than by comfy-table: it needs every row for the
//! column widths, and building a cell string for every field of every row held the
//! listing a second (and third) time. Widths are measured in a first pass over
//! reusable cell buffers, rows written in a second; colour is applied after padding,
//! so escape codes never count as width. When the terminal is narrower than the table,
//! the email and network columns are shortened with `…` instead of wrapping rows.

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthStr;

use super::{Format, csv_field, email_status_text, link, permissions_text, status_style, time};
use crate::api::list_rows::{Held, Row, Wire, WireText, wire_time};
use crate::style::{Screen, Style};

/// Writes `rows` in `format` to `w`.
pub fn write(
    io: &dyn Screen,
    rows: &[&Row<'_>],
    format: Format,
    public_base: &str,
    now: DateTime<Utc>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            // Indented for people; compact when piped (scripts and jq do not need it).
            let pretty = io.stdout_tty();
            let mut buf = Vec::with_capacity(1024);
            w.write_all(b"[")?;
            for (i, r) in rows.iter().enumerate() {
                buf.clear();
                if i > 0 {
                    buf.push(b',');
                }
                if pretty {
                    buf.extend_from_slice(b"\n  ");
                }
                json_row(&mut buf, r, public_base, now, pretty);
                w.write_all(&buf)?;
            }
            w.write_all(if pretty && !rows.is_empty() {
                b"\n]\n"
            } else {
                b"]\n"
            })
        }
        Format::Ndjson => {
            let mut buf = Vec::with_capacity(1024);
            for r in rows {
                buf.clear();
                json_row(&mut buf, r, public_base, now, false);
                buf.push(b'\n');
                w.write_all(&buf)?;
            }
            Ok(())
        }
        Format::Tsv | Format::Csv => delimited(rows, format == Format::Csv, public_base, now, w),
        Format::Table => table(io, rows, now, w),
    }
}

/// One row as `InvitationJson` (docs/json.md) prints it, byte for byte (the same
/// fields in the same order, serde_json's compact or pretty layout), written by hand:
/// serialising 10,000 rows through serde cost more than receiving them.
pub fn json_row(out: &mut Vec<u8>, row: &Row<'_>, base: &str, now: DateTime<Utc>, pretty: bool) {
    let r = &row.raw;
    let mut o = Obj {
        out,
        pretty,
        first: true,
    };
    o.out.push(b'{');
    o.key("id").int(Some(r.id));
    o.key("email").str(Some(&r.email));
    o.key("network_id").int(Some(r.network_id));
    o.key("network_name").str(Some(&r.network_name));
    o.key("invited_by_user_id").int(r.invited_by_user_id);
    o.key("invited_by_email").str(r.invited_by_email.as_deref());
    o.key("token").str(Some(&r.token));
    o.key("role").str(Some(&r.role));
    o.key("can_manage_nodes").bool(r.can_manage_nodes);
    o.key("can_invite_users").bool(r.can_invite_users);
    o.key("can_manage_firewall").bool(r.can_manage_firewall);
    o.key("status").str(Some(row.effective_status(now)));
    o.key("stored_status").str(Some(&r.status));
    o.key("expires_at").time(row.expires_at);
    o.key("accepted_at").time(r.accepted_at.parse());
    o.key("created_at").time(row.created_at);
    o.key("email_status").str(Some(r.email_status()));
    o.key("email_sent_at").time(r.email_sent_at.parse());
    o.key("email_error").str(r.email_error.as_deref());
    o.key("link").link(base, &r.token);
    o.out
        .extend_from_slice(if pretty { b"\n  }" } else { b"}" });
}

/// [`json_row`] for a row in the server's exact form ([`Wire`]): the server's text is
/// copied wherever it is already what serde_json writes (the first eleven fields in
/// one piece, datetimes that only need their `Z`), so a row costs a few copies instead
/// of decoding and re-encoding each field. The same bytes as [`json_row`] (compact).
pub fn json_wire(out: &mut Vec<u8>, w: &WireText<'_>, base: &str) {
    out.extend_from_slice(w.head.as_bytes());
    let mut o = Obj {
        out,
        pretty: false,
        first: false,
    };
    o.out.extend_from_slice(b"\"status\":");
    o.str(Some(w.effective));
    o.key("stored_status").str(Some(w.status));
    for (k, text) in ["expires_at", "accepted_at", "created_at"]
        .into_iter()
        .zip(&w.times)
    {
        o.key(k).wire_time(text);
    }
    o.key("email_status")
        .str(Some(w.email_status.unwrap_or("unknown")));
    o.key("email_sent_at")
        .wire_time(w.times[Wire::EMAIL_SENT_AT]);
    o.key("email_error");
    if w.email_error.as_bytes().contains(&b'\\') {
        let s: Option<String> = serde_json::from_str(w.email_error).ok();
        o.str(s.as_deref());
    } else {
        o.out.extend_from_slice(w.email_error.as_bytes());
    }
    o.key("link").link(base, w.token);
    o.out.push(b'}');
}

/// Writes held rows as compact JSON (one array) or NDJSON, byte for byte what
/// [`json_row`] writes, copying the server's text ([`json_wire`]), in pieces of about
/// 128 KiB so that the output is never held whole.
pub fn write_held(
    w: &mut dyn std::io::Write,
    body: &str,
    rows: &[Held<'_>],
    ndjson: bool,
    base: &str,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    const PIECE: usize = 128 * 1024;
    let mut out = Vec::with_capacity(PIECE + 4096);
    if !ndjson {
        out.push(b'[');
    }
    for (i, row) in rows.iter().enumerate() {
        if !ndjson && i > 0 {
            out.push(b',');
        }
        match row {
            Held::At(at) => json_wire(&mut out, &at.text(body), base),
            Held::Wire(wire) => json_wire(&mut out, &wire.text(now), base),
            Held::Row(r) => json_row(&mut out, r, base, now, false),
        }
        if ndjson {
            out.push(b'\n');
        }
        if out.len() >= PIECE {
            w.write_all(&out)?;
            out.clear();
        }
    }
    if !ndjson {
        out.extend_from_slice(b"]\n");
    }
    w.write_all(&out)
}

/// Whether a datetime as the server sent it (`"YYYY-MM-DDTHH:MM:SS"` with no fraction
/// or six digits) is, with a `Z`, what [`time::rfc3339_buf`] writes: six digits are
/// written as three when they end in `000`.
fn copies_as_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let shape = |at: usize, c: u8| match at {
        0 => c == b'"',
        5 | 8 => c == b'-',
        11 => c == b'T',
        14 | 17 => c == b':',
        20 => c == b'.',
        _ => c.is_ascii_digit(),
    };
    let fits = |n: usize| b[..n].iter().enumerate().all(|(at, c)| shape(at, *c));
    let shaped = match b.len() {
        21 => fits(20),
        28 => fits(27) && &b[24..27] != b"000",
        _ => false,
    };
    shaped && b.last() == Some(&b'"')
}

/// serde_json escapes only quotes, backslashes and control characters.
fn needs_escape(s: &str) -> bool {
    s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

struct Obj<'o> {
    out: &'o mut Vec<u8>,
    pretty: bool,
    first: bool,
}

impl Obj<'_> {
    fn key(&mut self, k: &str) -> &mut Self {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        if self.pretty {
            self.out.extend_from_slice(b"\n    ");
        }
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out
            .extend_from_slice(if self.pretty { b"\": " } else { b"\":" });
        self
    }

    fn str(&mut self, v: Option<&str>) {
        match v {
            None => self.out.extend_from_slice(b"null"),
            Some(s) if !needs_escape(s) => {
                self.out.push(b'"');
                self.out.extend_from_slice(s.as_bytes());
                self.out.push(b'"');
            }
            Some(s) => {
                let _ = serde_json::to_writer(&mut *self.out, s);
            }
        }
    }

    /// The accept link, written in place (a listing has one per row).
    fn link(&mut self, base: &str, token: &str) {
        let base = base.trim_end_matches('/');
        if needs_escape(base) || needs_escape(token) {
            return self.str(Some(&link(base, token)));
        }
        self.out.push(b'"');
        self.out.extend_from_slice(base.as_bytes());
        self.out.extend_from_slice(b"/invitations/accept/");
        self.out.extend_from_slice(token.as_bytes());
        self.out.push(b'"');
    }

    fn int(&mut self, v: Option<i64>) {
        use std::io::Write as _;
        match v {
            None => self.out.extend_from_slice(b"null"),
            Some(n) => {
                let _ = write!(self.out, "{n}");
            }
        }
    }

    fn bool(&mut self, v: bool) {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// A datetime from a [`Wire`] row: its text with a `Z` when that is the same.
    fn wire_time(&mut self, text: &str) {
        if copies_as_rfc3339(text) {
            self.out
                .extend_from_slice(&text.as_bytes()[..text.len() - 1]);
            self.out.extend_from_slice(b"Z\"");
        } else {
            self.time(wire_time(text));
        }
    }

    fn time(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            None => self.out.extend_from_slice(b"null"),
            Some(t) => {
                self.out.push(b'"');
                self.out
                    .extend_from_slice(time::rfc3339_buf(t).as_str().as_bytes());
                self.out.push(b'"');
            }
        }
    }
}

fn stamp(t: Option<DateTime<Utc>>) -> time::Rfc3339 {
    match t {
        Some(t) => time::rfc3339_buf(t),
        None => time::Rfc3339::Owned(String::new()),
    }
}

const CSV_HEADER: &str = "id,email,network_id,network_name,role,can_manage_nodes,can_invite_users,can_manage_firewall,status,email_status,expires_at,created_at,link\n";

/// A TSV or CSV field: CSV quotes what needs it; TSV has no quoting, so tabs and
/// line breaks become spaces.
fn field(csv: bool, s: &str) -> std::borrow::Cow<'_, str> {
    // Server text never reaches a terminal raw (control characters, bidi overrides).
    let s = match super::printable(s) {
        std::borrow::Cow::Borrowed(b) => b,
        std::borrow::Cow::Owned(o) => return field(csv, &o).into_owned().into(),
    };
    if csv {
        if s.contains([',', '"', '\n', '\r']) {
            csv_field(s).into()
        } else {
            s.into()
        }
    } else if s.contains(['\t', '\n', '\r']) {
        s.replace(['\t', '\n', '\r'], " ").into()
    } else {
        s.into()
    }
}

fn delimited(
    rows: &[&Row<'_>],
    csv: bool,
    base: &str,
    now: DateTime<Utc>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if csv {
        w.write_all(CSV_HEADER.as_bytes())?;
    }
    let sep = if csv { "," } else { "\t" };
    for row in rows {
        let r = &row.raw;
        let link = link(base, &r.token);
        writeln!(
            w,
            "{id}{sep}{email}{sep}{net}{sep}{name}{sep}{role}{sep}{n}{sep}{i}{sep}{f}{sep}{st}{sep}{es}{sep}{exp}{sep}{cre}{sep}{link}",
            id = r.id,
            email = field(csv, &r.email),
            net = r.network_id,
            name = field(csv, &r.network_name),
            role = field(csv, &r.role),
            n = r.can_manage_nodes,
            i = r.can_invite_users,
            f = r.can_manage_firewall,
            st = field(csv, row.effective_status(now)),
            es = field(csv, r.email_status()),
            exp = stamp(row.expires_at).as_str(),
            cre = stamp(row.created_at).as_str(),
            link = field(csv, &link),
        )?;
    }
    Ok(())
}

const HEADERS: [&str; 9] = [
    "ID",
    "EMAIL",
    "NETWORK",
    "ROLE",
    "PERMISSIONS",
    "STATUS",
    "EMAIL",
    "EXPIRES",
    "CREATED",
];
/// Columns that give way, in this order, when the terminal is too narrow, and how
/// narrow each may get.
const SHRINKABLE: [(usize, usize); 3] = [(1, 12), (2, 8), (4, 8)];
const STATUS_COLUMN: usize = 5;

/// Fills the nine cells of `row`, reusing their buffers.
fn cells(row: &Row<'_>, now: DateTime<Utc>, out: &mut [String; 9]) {
    use std::fmt::Write as _;
    for c in out.iter_mut() {
        c.clear();
    }
    let r = &row.raw;
    let _ = write!(out[0], "{}", r.id);
    push_clean(&mut out[1], &r.email);
    push_clean(&mut out[2], &r.network_name);
    push_clean(&mut out[3], &r.role);
    out[4].push_str(&permissions_text(
        r.can_manage_nodes,
        r.can_invite_users,
        r.can_manage_firewall,
    ));
    push_clean(&mut out[5], row.effective_status(now));
    push_clean(&mut out[6], email_status_text(r.email_status()));
    out[7].push_str(&time::relative(row.expires_at, now));
    out[8].push_str(&time::relative(row.created_at, now));
}

/// Control characters would move the cursor and break the columns: server text is shown
/// escaped (see `output::printable`).
fn push_clean(out: &mut String, s: &str) {
    out.push_str(&super::printable(s));
}

fn width(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.width() }
}

/// `s` cut to `max` columns, ending in `…` when cut.
fn fit(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if width(s) <= max {
        return s.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out.into()
}

fn table(
    io: &dyn Screen,
    rows: &[&Row<'_>],
    now: DateTime<Utc>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut widths = HEADERS.map(str::len);
    let mut buf: [String; 9] = Default::default();
    for row in rows {
        cells(row, now, &mut buf);
        for (wd, c) in widths.iter_mut().zip(&buf) {
            *wd = (*wd).max(width(c));
        }
    }
    if let Some(cols) = super::terminal_width().map(|(c, _)| usize::from(c)) {
        // Each column is padded by one space on either side.
        let mut total: usize = widths.iter().map(|w| w + 2).sum();
        for (col, min) in SHRINKABLE {
            if total <= cols {
                break;
            }
            let cut = (total - cols).min(widths[col].saturating_sub(min.max(HEADERS[col].len())));
            widths[col] -= cut;
            total -= cut;
        }
    }
    let mut line = String::with_capacity(256);
    let emit = |line: &mut String, cells: &[&str], status_style: Option<Style>| {
        line.clear();
        for (i, c) in cells.iter().enumerate() {
            let text = fit(c, widths[i]);
            let pad = widths[i] - width(&text);
            line.push(' ');
            match status_style {
                Some(s) if i == STATUS_COLUMN => line.push_str(&io.paint_out(s, &text)),
                _ => line.push_str(&text),
            }
            line.extend(std::iter::repeat_n(' ', pad + 1));
        }
        let end = line.trim_end_matches(' ').len();
        line.truncate(end);
        line.push('\n');
    };
    // The header, bold when colour is on.
    line.clear();
    for (i, h) in HEADERS.iter().enumerate() {
        let pad = widths[i].saturating_sub(h.len());
        line.push(' ');
        line.push_str(&io.paint_out(Style::Bold, h));
        line.extend(std::iter::repeat_n(' ', pad + 1));
    }
    let end = line.trim_end_matches(' ').len();
    line.truncate(end);
    line.push('\n');
    w.write_all(line.as_bytes())?;
    for row in rows {
        cells(row, now, &mut buf);
        let refs: [&str; 9] = std::array::from_fn(|i| buf[i].as_str());
        emit(&mut line, &refs, status_style(row.effective_status(now)));
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::list_rows::decode;
    use crate::api::models::Invitation;
    use crate::output::json::InvitationJson;

    const BODY: &str = r#"[{"id":3,"email":"a\"b\u00e9@x.org","network_id":1,"network_name":"lab",
        "invited_by_user_id":1,"invited_by_email":null,"token":"tok-1","role":"member",
        "can_manage_nodes":true,"can_invite_users":false,"can_manage_firewall":false,
        "status":"pending","expires_at":"2020-01-01T00:00:00","accepted_at":"2019-12-01T10:00:00.250000",
        "created_at":"2019-11-20T10:00:00.342552","email_status":"failed","email_sent_at":null,
        "email_error":"no\nrelay"},
        {"id":4,"email":"b@x.org","network_id":2,"network_name":"o\\ffice","invited_by_user_id":null,
        "invited_by_email":"c@x.org","token":"t2","role":"owner","can_manage_nodes":false,
        "can_invite_users":true,"can_manage_firewall":true,"status":"revoked",
        "expires_at":"2020-01-01T00:00:00.5","accepted_at":null,"created_at":"2019-01-01T00:00:00",
        "email_status":"sent","email_sent_at":"2019-01-01T00:01:00","email_error":null}]"#;

    /// Rows in the server's compact form, with every kind of datetime, null and escape.
    fn wire_body() -> String {
        let times = [
            "\"2020-01-01T00:00:00\"",
            "\"2020-01-01T00:00:00.250000\"",
            "\"2020-01-01T00:00:00.342552\"",
            "\"2020-01-01T00:00:00.342000\"",
            "\"2020-01-01T00:00:00.000000\"",
            "\"2020-01-01T00:00:00.5\"",
            "\"2020-01-01 00:00:00.342552\"",
            "\" 2020-01-01T00:00:00\"",
            "\"2020-01-01T00:00:00Z\"",
            "\"\"",
            "null",
        ];
        let mut rows = Vec::new();
        for (i, t) in times.iter().enumerate() {
            for (j, (status, email_status, error)) in [
                ("pending", "\"sent\"", "null"),
                ("accepted", "null", "\"no\\nrelay \\u00e9\""),
                ("revoked", "\"failed\"", "\"plain\""),
            ]
            .into_iter()
            .enumerate()
            {
                let id = 100 - (i * 3 + j);
                let by = if j == 1 { "null" } else { "\"admin@x.org\"" };
                let created = "\"2019-11-20T10:00:00.342552\"";
                rows.push(format!(
                    r#"{{"id":{id},"email":"u{id}@x.org","network_id":{j},"network_name":"lab","invited_by_user_id":1,"invited_by_email":{by},"token":"tok-{id}","role":"member","can_manage_nodes":true,"can_invite_users":false,"can_manage_firewall":false,"status":"{status}","expires_at":{t},"accepted_at":{t},"created_at":{created},"email_status":{email_status},"email_sent_at":{t},"email_error":{error}}}"#
                ));
            }
        }
        format!("[{}]", rows.join(","))
    }

    /// `body` as [`json_wire`] writes it (rows not in the server's form as [`json_row`]
    /// does), and how many rows were copied.
    fn copied(body: &str, now: DateTime<Utc>) -> (String, usize) {
        let mut out = b"[".to_vec();
        let mut wires = 0;
        crate::api::list_rows::scan_wire(body, |s| {
            if out.len() > 1 {
                out.push(b',');
            }
            match s {
                crate::api::list_rows::Scanned::Wire(w) => {
                    wires += 1;
                    // Held by position, the row gives back the same text.
                    let at = crate::api::list_rows::WireAt::new(body, &w, now).unwrap();
                    assert_eq!(at.text(body), w.text(now));
                    json_wire(&mut out, &at.text(body), "https://h/");
                }
                crate::api::list_rows::Scanned::Row(r) => {
                    json_row(&mut out, &r, "https://h/", now, false)
                }
            }
            Some(())
        })
        .unwrap();
        out.push(b']');
        (String::from_utf8(out).unwrap(), wires)
    }

    #[test]
    fn rows_copied_from_the_server_match_the_invitation_json_shape() {
        let now = Utc::now();
        let body = wire_body();
        // As decoded rows are written (which the test below holds to `InvitationJson`).
        let rows = decode(body.as_bytes()).unwrap();
        let mut decoded = b"[".to_vec();
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                decoded.push(b',');
            }
            json_row(&mut decoded, r, "https://h/", now, false);
        }
        decoded.push(b']');
        let (out, wires) = copied(&body, now);
        assert_eq!(out, String::from_utf8(decoded).unwrap());
        assert_eq!(wires, rows.len(), "every row here is in the server's form");
        // And as `InvitationJson` (which needs an `email_status`).
        let body = body.replace("\"email_status\":null", "\"email_status\":\"sent\"");
        let owned: Vec<Invitation> = serde_json::from_str(&body).unwrap();
        let views: Vec<_> = owned
            .iter()
            .map(|i| InvitationJson::new(i, "https://h/", now))
            .collect();
        assert_eq!(copied(&body, now).0, serde_json::to_string(&views).unwrap());
        assert!(copies_as_rfc3339("\"2020-01-01T00:00:00.342552\""));
        assert!(!copies_as_rfc3339("\"2020-01-01T00:00:00.342000\""));
        assert!(!copies_as_rfc3339("\"2020-01-01 00:00:00\""));
        assert!(!copies_as_rfc3339("\"2020-01-01T00:00:0a\""));
    }

    #[test]
    fn json_rows_match_the_invitation_json_shape() {
        let now = Utc::now();
        let owned: Vec<Invitation> = serde_json::from_str(BODY).unwrap();
        let views: Vec<_> = owned
            .iter()
            .map(|i| InvitationJson::new(i, "https://h/", now))
            .collect();
        let rows = decode(BODY.as_bytes()).unwrap();
        let refs: Vec<&Row<'_>> = rows.iter().collect();
        for (pretty, expected) in [
            (false, serde_json::to_string(&views).unwrap()),
            (true, serde_json::to_string_pretty(&views).unwrap()),
        ] {
            let mut out = Vec::new();
            let mut w = std::io::Cursor::new(&mut out);
            // The layout follows whether stdout is a terminal.
            struct Piped(bool);
            impl Screen for Piped {
                fn stdout_tty(&self) -> bool {
                    self.0
                }
                fn color_stdout(&self) -> bool {
                    false
                }
            }
            write(
                &Piped(pretty),
                &refs,
                Format::Json,
                "https://h/",
                now,
                &mut w,
            )
            .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("{expected}\n"));
        }
        let mut out = Vec::new();
        json_row(&mut out, &rows[0], "https://h/", now, false);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&views[0]).unwrap()
        );
    }

    #[test]
    fn narrow_terminals_shorten_columns_instead_of_wrapping() {
        assert_eq!(fit("alice@example.com", 8), "alice@e…");
        assert_eq!(fit("short", 8), "short");
        assert_eq!(width("é"), 1);
        let mut s = String::new();
        push_clean(&mut s, "a\u{1b}[2Jb");
        assert!(!s.contains('\u{1b}'));
    }
}

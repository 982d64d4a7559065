//! Invitation list rows decoded in place: every string borrows from the response body
//! (only one with JSON escapes is copied) and the datetimes stay as sent until they
//! are needed.
//!
//! A full listing on a big server is megabytes of JSON; decoding it into owned
//! [`Invitation`](super::models::Invitation)s costs a dozen allocations a row and holds
//! the body and a second copy of every string at once. [`decode`] holds the body once,
//! plus a small row of borrowed slices per invitation.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::models::{effective_status, parse_timestamp};

/// A JSON string, borrowed from the body unless it had to be unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A naive-UTC datetime as the server sent it (parsed on demand); `""` is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTime<'a>(pub Option<Text<'a>>);

impl RawTime<'_> {
    pub fn parse(&self) -> Option<DateTime<Utc>> {
        self.0
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(parse_timestamp)
    }

    fn is_valid(&self) -> bool {
        match self.0.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(s) => parse_timestamp(s).is_some(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawTime<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Text<'a>>::deserialize(d).map(RawTime)
    }
}

/// One row of `GET /api/invitations`, every field of api.md 2.1.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListRow<'a> {
    pub id: i64,
    #[serde(borrow)]
    pub email: Text<'a>,
    pub network_id: i64,
    #[serde(borrow)]
    pub network_name: Text<'a>,
    #[serde(default)]
    pub invited_by_user_id: Option<i64>,
    #[serde(default, borrow)]
    pub invited_by_email: Option<Text<'a>>,
    #[serde(borrow)]
    pub token: Text<'a>,
    #[serde(borrow)]
    pub role: Text<'a>,
    #[serde(default)]
    pub can_manage_nodes: bool,
    #[serde(default)]
    pub can_invite_users: bool,
    #[serde(default)]
    pub can_manage_firewall: bool,
    #[serde(borrow)]
    pub status: Text<'a>,
    #[serde(default, borrow)]
    pub expires_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub accepted_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub created_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub email_status: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub email_sent_at: RawTime<'a>,
    #[serde(default, borrow)]
    pub email_error: Option<Text<'a>>,
}

impl ListRow<'_> {
    /// `email_status`, `unknown` when absent (as [`Invitation`](super::models::Invitation)).
    pub fn email_status(&self) -> &str {
        self.email_status.as_deref().unwrap_or("unknown")
    }
}

/// A row with the two datetimes every listing needs already parsed.
#[derive(Debug, Clone, Default)]
pub struct Row<'a> {
    pub raw: ListRow<'a>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
}

impl Row<'_> {
    /// See [`Invitation::effective_status`](super::models::Invitation::effective_status).
    pub fn effective_status(&self, now: DateTime<Utc>) -> &str {
        effective_status(&self.raw.status, self.expires_at, now)
    }
}

/// Decodes a list body. A datetime that does not parse is an error, as it is for
/// owned invitations.
pub fn decode(body: &[u8]) -> Result<Vec<Row<'_>>, String> {
    if let Some(rows) = std::str::from_utf8(body).ok().and_then(scan) {
        return Ok(rows);
    }
    // Anything the scanner does not expect: serde decodes it, or says what is wrong.
    let raw: Vec<ListRow<'_>> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    raw.into_iter()
        .map(|r| row(r).ok_or_else(|| "a datetime does not parse".to_string()))
        .collect()
}

/// Parses the two datetimes every listing needs and checks the others; `None` when
/// one is not a datetime (an error, as it is for owned invitations).
fn row(raw: ListRow<'_>) -> Option<Row<'_>> {
    if !raw.accepted_at.is_valid() || !raw.email_sent_at.is_valid() {
        return None;
    }
    let expires_at = raw.expires_at.parse();
    let created_at = raw.created_at.parse();
    if (expires_at.is_none() && !raw.expires_at.is_valid())
        || (created_at.is_none() && !raw.created_at.is_valid())
    {
        return None;
    }
    Some(Row {
        raw,
        expires_at,
        created_at,
    })
}

/// A JSON value as found in the body: a string (its text between the quotes, the
/// whole quoted span, whether it has escapes) or a literal (number, `true`, `null`…).
enum Value<'a> {
    Str {
        inner: &'a str,
        quoted: &'a str,
        escaped: bool,
    },
    Lit(&'a str),
}

impl<'a> Value<'a> {
    fn text(self) -> Option<Text<'a>> {
        match self {
            Value::Str {
                inner,
                escaped: false,
                ..
            } => Some(Text(Cow::Borrowed(inner))),
            Value::Str { quoted, .. } => serde_json::from_str::<String>(quoted)
                .ok()
                .map(|s| Text(Cow::Owned(s))),
            Value::Lit(_) => None,
        }
    }

    /// `None` for `null`; `Some(None)` for a type that does not fit.
    fn opt_text(self) -> Option<Option<Text<'a>>> {
        match self {
            Value::Lit("null") => Some(None),
            v => v.text().map(Some),
        }
    }

    fn int(self) -> Option<i64> {
        match self {
            Value::Lit(l) => l.parse().ok(),
            Value::Str { .. } => None,
        }
    }

    fn opt_int(self) -> Option<Option<i64>> {
        match self {
            Value::Lit("null") => Some(None),
            v => v.int().map(Some),
        }
    }

    fn bool(self) -> Option<bool> {
        match self {
            Value::Lit("true") => Some(true),
            Value::Lit("false") => Some(false),
            _ => None,
        }
    }
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) -> Option<u8> {
        let b = self.s.as_bytes();
        while let Some(&c) = b.get(self.i) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(c);
            }
            self.i += 1;
        }
        None
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.ws()? == c).then(|| self.i += 1)
    }

    fn value(&mut self) -> Option<Value<'a>> {
        let b = self.s.as_bytes();
        match self.ws()? {
            b'"' => {
                let start = self.i;
                let (j, escaped) = string_end(b, start + 1)?;
                self.i = j + 1;
                Some(Value::Str {
                    inner: self.s.get(start + 1..j)?,
                    quoted: self.s.get(start..=j)?,
                    escaped,
                })
            }
            // Rows hold no nested values; the serde path handles anything else.
            b'{' | b'[' => None,
            _ => {
                let start = self.i;
                while let Some(&c) = b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.i += 1;
                }
                (self.i > start).then(|| Value::Lit(&self.s[start..self.i]))
            }
        }
    }
}

/// The closing quote of the string whose text starts at `j`, and whether it holds
/// escapes; `None` for a control character (invalid JSON) or no closing quote. Eight
/// bytes are looked at a time, since most of a listing is string text.
fn string_end(b: &[u8], mut j: usize) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero when some byte of `w` is below `n` (exact for the question "any?").
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let is = |w: u64, c: u8| below(w ^ (ONES * u64::from(c)), 1);
    let mut escaped = false;
    loop {
        while let Some(chunk) = b.get(j..j + 8) {
            let w = u64::from_le_bytes(chunk.try_into().ok()?);
            if below(w, 0x20) | is(w, b'"') | is(w, b'\\') != 0 {
                break;
            }
            j += 8;
        }
        match *b.get(j)? {
            b'"' => return Some((j, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            c if c < 0x20 => return None,
            _ => j += 1,
        }
    }
}

/// The fields of a row, in the order the server writes them: the scanner expects the
/// next one and only looks a key up when the guess is wrong.
const FIELDS: [&str; 18] = [
    "\"id\":",
    "\"email\":",
    "\"network_id\":",
    "\"network_name\":",
    "\"invited_by_user_id\":",
    "\"invited_by_email\":",
    "\"token\":",
    "\"role\":",
    "\"can_manage_nodes\":",
    "\"can_invite_users\":",
    "\"can_manage_firewall\":",
    "\"status\":",
    "\"expires_at\":",
    "\"accepted_at\":",
    "\"created_at\":",
    "\"email_status\":",
    "\"email_sent_at\":",
    "\"email_error\":",
];

/// Fewer bytes than a row takes on the real server (about 470), for sizing buffers.
pub const PER_ROW: usize = 400;

/// The fast path: the list body scanned for value spans, strings borrowed (unescaped
/// only when they hold escapes), fields matched by name in any order. `None` for
/// anything unexpected, which the serde path then decodes or reports.
fn scan(body: &str) -> Option<Vec<Row<'_>>> {
    let mut c = Cursor { s: body, i: 0 };
    c.eat(b'[')?;
    let mut rows = Vec::with_capacity(body.len() / PER_ROW + 1);
    if c.ws()? == b']' {
        c.i += 1;
    } else {
        scan_rows(&mut c, &mut rows)?;
    }
    c.ws().is_none().then_some(rows)
}

/// Rows from `c` up to the closing `]` (consumed).
fn scan_rows<'a>(c: &mut Cursor<'a>, rows: &mut Vec<Row<'a>>) -> Option<()> {
    loop {
        rows.push(row(scan_row(c)?)?);
        match c.ws()? {
            b',' => c.i += 1,
            b']' => {
                c.i += 1;
                return Some(());
            }
            _ => return None,
        }
    }
}

fn scan_row<'a>(c: &mut Cursor<'a>) -> Option<ListRow<'a>> {
    c.eat(b'{')?;
    let (mut id, mut email, mut network_id, mut network_name) = (None, None, None, None);
    let (mut token, mut role, mut status) = (None, None, None);
    let mut row = ListRow {
        id: 0,
        email: Text::default(),
        network_id: 0,
        network_name: Text::default(),
        invited_by_user_id: None,
        invited_by_email: None,
        token: Text::default(),
        role: Text::default(),
        can_manage_nodes: false,
        can_invite_users: false,
        can_manage_firewall: false,
        status: Text::default(),
        expires_at: RawTime::default(),
        accepted_at: RawTime::default(),
        created_at: RawTime::default(),
        email_status: None,
        email_sent_at: RawTime::default(),
        email_error: None,
    };
    if c.ws()? == b'}' {
        return None;
    }
    let mut next = 0;
    loop {
        let field = match FIELDS.get(next) {
            Some(f) if c.s.as_bytes()[c.i..].starts_with(f.as_bytes()) => {
                c.i += f.len();
                next
            }
            _ => {
                let Value::Str {
                    inner: key,
                    escaped: false,
                    ..
                } = c.value()?
                else {
                    return None;
                };
                c.eat(b':')?;
                FIELDS
                    .iter()
                    .position(|f| &f[1..f.len() - 2] == key)
                    .unwrap_or(FIELDS.len())
            }
        };
        next = field + 1;
        let v = c.value()?;
        match field {
            0 => id = Some(v.int()?),
            1 => email = Some(v.text()?),
            2 => network_id = Some(v.int()?),
            3 => network_name = Some(v.text()?),
            4 => row.invited_by_user_id = v.opt_int()?,
            5 => row.invited_by_email = v.opt_text()?,
            6 => token = Some(v.text()?),
            7 => role = Some(v.text()?),
            8 => row.can_manage_nodes = v.bool()?,
            9 => row.can_invite_users = v.bool()?,
            10 => row.can_manage_firewall = v.bool()?,
            11 => status = Some(v.text()?),
            12 => row.expires_at = RawTime(v.opt_text()?),
            13 => row.accepted_at = RawTime(v.opt_text()?),
            14 => row.created_at = RawTime(v.opt_text()?),
            15 => row.email_status = v.opt_text()?,
            16 => row.email_sent_at = RawTime(v.opt_text()?),
            17 => row.email_error = v.opt_text()?,
            _ => {}
        }
        match c.ws()? {
            b',' => c.i += 1,
            b'}' => {
                c.i += 1;
                break;
            }
            _ => return None,
        }
    }
    row.id = id?;
    row.email = email?;
    row.network_id = network_id?;
    row.network_name = network_name?;
    row.token = token?;
    row.role = role?;
    row.status = status?;
    Some(row)
}

/// One row exactly as the server wrote it, for output that copies the server's text
/// where it is already what serde_json would write (see [`scan_wire`]).
#[derive(Debug, Clone)]
pub struct Wire<'a> {
    /// From `{` through the comma after `can_manage_firewall`: the first eleven fields in
    /// the server's order and compact layout, every string without escapes and every
    /// integer canonical, so the text is the same as serde_json's.
    pub head: &'a str,
    pub id: i64,
    pub network_id: i64,
    /// The unquoted text of these strings (none has escapes).
    pub email: &'a str,
    pub network_name: &'a str,
    pub token: &'a str,
    pub status: &'a str,
    /// The JSON text of these datetimes as sent (`null` or a quoted string without
    /// escapes), and what they parse to.
    pub times: [(&'a str, Option<DateTime<Utc>>); 4],
    /// `None` for `null`; the unquoted text otherwise (no escapes).
    pub email_status: Option<&'a str>,
    /// The JSON text as sent (`null`, or a quoted string that may hold escapes).
    pub email_error: &'a str,
}

impl Wire<'_> {
    pub const EXPIRES_AT: usize = 0;
    pub const ACCEPTED_AT: usize = 1;
    pub const CREATED_AT: usize = 2;
    pub const EMAIL_SENT_AT: usize = 3;

    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.times[Self::EXPIRES_AT].1
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.times[Self::CREATED_AT].1
    }

    /// See [`Invitation::effective_status`](super::models::Invitation::effective_status).
    pub fn effective_status(&self, now: DateTime<Utc>) -> &str {
        effective_status(self.status, self.expires_at(), now)
    }
}

/// The text of a [`Wire`] row that output copies, with the status in effect at the
/// time it was kept ([`Wire::text`], [`WireAt::text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireText<'a> {
    pub head: &'a str,
    pub token: &'a str,
    /// The stored status and the one in effect.
    pub status: &'a str,
    pub effective: &'a str,
    /// As in [`Wire::times`]: `null` or a quoted string without escapes, and known to
    /// parse ([`wire_time`]).
    pub times: [&'a str; 4],
    pub email_status: Option<&'a str>,
    pub email_error: &'a str,
}

/// The datetime of a [`WireText`] time (`null`, or a quoted string that
/// [`scan_wire`] has parsed before; blank is `None`).
pub fn wire_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.strip_prefix('"')?.strip_suffix('"')?.trim();
    if t.is_empty() {
        None
    } else {
        parse_timestamp(t)
    }
}

impl<'a> Wire<'a> {
    pub fn text(&self, now: DateTime<Utc>) -> WireText<'a> {
        let status = self.status;
        WireText {
            head: self.head,
            token: self.token,
            status,
            effective: effective_status(status, self.expires_at(), now),
            times: self.times.map(|(text, _)| text),
            email_status: self.email_status,
            email_error: self.email_error,
        }
    }
}

/// Where a [`Wire`] row's text is in the body, and its id and status in effect: 48 bytes
/// where a `Wire` takes 240, so that a large listing can be held, ordered and filtered
/// before anything is written without writing megabytes of fresh memory.
#[derive(Debug, Clone, Copy)]
pub struct WireAt {
    pub id: i64,
    /// Where the row starts in the body; the spans are from there.
    start: u32,
    head: u16,
    token: Span,
    status: Span,
    times: [Span; 4],
    /// `at == 0` for `null` (0 is the row's `{`).
    email_status: Span,
    email_error: Span,
    expired: bool,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    at: u16,
    len: u16,
}

impl WireAt {
    /// `None` when the row does not fit the compact form (over 64 KiB, or a body over
    /// 4 GiB); `w` must come from `body`.
    pub fn new(body: &str, w: &Wire<'_>, now: DateTime<Utc>) -> Option<Self> {
        let base = body.as_ptr() as usize;
        let row = w.head.as_ptr() as usize;
        let start = u32::try_from(row.checked_sub(base)?).ok()?;
        let span = |s: &str| -> Option<Span> {
            Some(Span {
                at: u16::try_from((s.as_ptr() as usize).checked_sub(row)?).ok()?,
                len: u16::try_from(s.len()).ok()?,
            })
        };
        let [a, b, c, d] = &w.times;
        Some(Self {
            id: w.id,
            start,
            head: u16::try_from(w.head.len()).ok()?,
            token: span(w.token)?,
            status: span(w.status)?,
            times: [span(a.0)?, span(b.0)?, span(c.0)?, span(d.0)?],
            email_status: match w.email_status {
                None => Span { at: 0, len: 0 },
                Some(s) => span(s)?,
            },
            email_error: span(w.email_error)?,
            expired: w.effective_status(now) != w.status,
        })
    }

    /// The row's text; `body` is the one it was made from.
    pub fn text<'a>(&self, body: &'a str) -> WireText<'a> {
        let row = &body[self.start as usize..];
        let get = |s: Span| &row[s.at as usize..(s.at + s.len) as usize];
        let status = get(self.status);
        WireText {
            head: &row[..self.head as usize],
            token: get(self.token),
            status,
            effective: if self.expired {
                super::models::status::EXPIRED
            } else {
                status
            },
            times: self.times.map(get),
            email_status: (self.email_status.at != 0).then(|| get(self.email_status)),
            email_error: get(self.email_error),
        }
    }
}

/// A row of a listing: in the server's exact form, or decoded when it is not.
pub enum Scanned<'a> {
    Wire(Wire<'a>),
    Row(Row<'a>),
}

/// A listing row held for output until the whole body has been read: by position when
/// it is in the server's form ([`WireAt`]), else as it was scanned.
#[derive(Debug)]
pub enum Held<'a> {
    At(WireAt),
    Wire(Box<Wire<'a>>),
    Row(Box<Row<'a>>),
}

impl<'a> Held<'a> {
    /// `scanned` must come from `body`; `now` decides the status in effect.
    pub fn new(body: &str, scanned: Scanned<'a>, now: DateTime<Utc>) -> Self {
        match scanned {
            Scanned::Wire(w) => match WireAt::new(body, &w, now) {
                Some(at) => Held::At(at),
                None => Held::Wire(Box::new(w)),
            },
            Scanned::Row(r) => Held::Row(Box::new(r)),
        }
    }

    /// What newest-first order sorts on, descending: creation time, then id.
    pub fn order(&self, body: &str) -> (Option<DateTime<Utc>>, i64) {
        match self {
            Held::At(at) => (wire_time(at.text(body).times[Wire::CREATED_AT]), at.id),
            Held::Wire(w) => (w.created_at(), w.id),
            Held::Row(r) => (r.created_at, r.raw.id),
        }
    }
}

/// Walks a list body row by row, handing each to `each` as [`Scanned::Wire`] when it is
/// in the server's exact compact form and as a decoded [`Scanned::Row`] otherwise.
/// `None` when the body is not a list the scanner understands or `each` says stop; the
/// caller then decodes it with [`decode`] (which also words any error).
pub fn scan_wire<'a>(body: &'a str, mut each: impl FnMut(Scanned<'a>) -> Option<()>) -> Option<()> {
    let mut c = Cursor { s: body, i: 0 };
    c.eat(b'[')?;
    if c.ws()? == b']' {
        c.i += 1;
        return c.ws().is_none().then_some(());
    }
    loop {
        c.ws()?;
        let start = c.i;
        let scanned = match wire_row(&mut c) {
            Some(w) => Scanned::Wire(w),
            None => {
                c.i = start;
                Scanned::Row(row(scan_row(&mut c)?)?)
            }
        };
        each(scanned)?;
        match c.ws()? {
            b',' => c.i += 1,
            b']' => {
                c.i += 1;
                return c.ws().is_none().then_some(());
            }
            _ => return None,
        }
    }
}

/// A row in the server's exact form (fields in order, compact, nothing to unescape in
/// the fields that are copied); `None` for anything else, the cursor then undefined.
fn wire_row<'a>(c: &mut Cursor<'a>) -> Option<Wire<'a>> {
    let s = c.s;
    let b = s.as_bytes();
    let start = c.i;
    if b.get(c.i) != Some(&b'{') {
        return None;
    }
    c.i += 1;
    let key = |c: &mut Cursor<'a>, k: usize| -> Option<()> {
        let f = FIELDS[k];
        if k > 0 {
            (b.get(c.i) == Some(&b',')).then_some(())?;
            c.i += 1;
        }
        b.get(c.i..)?.starts_with(f.as_bytes()).then_some(())?;
        c.i += f.len();
        Some(())
    };
    // A string without escapes: its text between the quotes.
    let plain = |c: &mut Cursor<'a>| -> Option<&'a str> {
        (b.get(c.i) == Some(&b'"')).then_some(())?;
        let (end, escaped) = string_end(b, c.i + 1)?;
        let text = s.get(c.i + 1..end)?;
        c.i = end + 1;
        (!escaped).then_some(text)
    };
    let null = |c: &mut Cursor<'a>| -> bool {
        let is = b.get(c.i..c.i + 4) == Some(b"null");
        if is {
            c.i += 4;
        }
        is
    };
    // An integer as serde_json writes it.
    let int = |c: &mut Cursor<'a>| -> Option<i64> {
        let from = c.i;
        let neg = b.get(c.i) == Some(&b'-');
        let digits = c.i + usize::from(neg);
        let mut j = digits;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let n = j - digits;
        if n == 0 || n > 18 || (n > 1 && b[digits] == b'0') || (neg && b[digits] == b'0') {
            return None;
        }
        c.i = j;
        s[from..j].parse().ok()
    };
    let boolean = |c: &mut Cursor<'a>| -> Option<()> {
        if b.get(c.i..c.i + 4) == Some(b"true") {
            c.i += 4;
        } else if b.get(c.i..c.i + 5) == Some(b"false") {
            c.i += 5;
        } else {
            return None;
        }
        Some(())
    };
    let time = |c: &mut Cursor<'a>| -> Option<(&'a str, Option<DateTime<Utc>>)> {
        let from = c.i;
        if null(c) {
            return Some((&s[from..c.i], None));
        }
        let text = plain(c)?;
        let trimmed = text.trim();
        let t = if trimmed.is_empty() {
            None
        } else {
            Some(super::models::parse_timestamp(trimmed)?)
        };
        Some((&s[from..c.i], t))
    };
    key(c, 0)?;
    let id = int(c)?;
    key(c, 1)?;
    let email = plain(c)?;
    key(c, 2)?;
    let network_id = int(c)?;
    key(c, 3)?;
    let network_name = plain(c)?;
    key(c, 4)?;
    if !null(c) {
        int(c)?;
    }
    key(c, 5)?;
    if !null(c) {
        plain(c)?;
    }
    key(c, 6)?;
    let token = plain(c)?;
    key(c, 7)?;
    plain(c)?;
    for k in 8..=10 {
        key(c, k)?;
        boolean(c)?;
    }
    (b.get(c.i) == Some(&b',')).then_some(())?;
    c.i += 1;
    let head = &s[start..c.i];
    c.i -= 1;
    key(c, 11)?;
    let status = plain(c)?;
    let mut times = [("null", None); 4];
    key(c, 12)?;
    times[Wire::EXPIRES_AT] = time(c)?;
    key(c, 13)?;
    times[Wire::ACCEPTED_AT] = time(c)?;
    key(c, 14)?;
    times[Wire::CREATED_AT] = time(c)?;
    key(c, 15)?;
    let email_status = if null(c) { None } else { Some(plain(c)?) };
    key(c, 16)?;
    times[Wire::EMAIL_SENT_AT] = time(c)?;
    key(c, 17)?;
    let from = c.i;
    if !null(c) {
        (b.get(c.i) == Some(&b'"')).then_some(())?;
        c.i = string_end(b, c.i + 1)?.0 + 1;
    }
    let email_error = &s[from..c.i];
    (b.get(c.i) == Some(&b'}')).then_some(())?;
    c.i += 1;
    Some(Wire {
        head,
        id,
        network_id,
        email,
        network_name,
        token,
        status,
        times,
        email_status,
        email_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"[{"id":3,"email":"a\u00e9@x.org","network_id":1,"network_name":"lab",
            "invited_by_user_id":1,"invited_by_email":null,"token":"tok","role":"member",
            "can_manage_nodes":true,"can_invite_users":false,"can_manage_firewall":false,
            "status":"pending","expires_at":"2020-01-01T00:00:00","accepted_at":null,
            "created_at":"","email_status":"not_sent","email_sent_at":null,"email_error":null},
        {"id":4,"email":"b@x.org","network_id":2,"network_name":"o\\ffice","invited_by_user_id":null,
            "token":"t2","role":"owner","status":"revoked","expires_at":"2020-01-01T00:00:00.5",
            "created_at":"2019-01-01T00:00:00","email_status":"failed","email_error":"x\ny"}]"#;

    /// A listing of `n` rows in the server's form, some with escapes or other field orders.
    fn big_body(n: usize) -> String {
        let rows: Vec<String> = (0..n)
            .map(|i| {
                let email = format!("user{i:05}{}@example.com", ["", "\\u00e9", "\\\"q"][i % 3]);
                let tail = if i % 7 == 0 {
                    r#""created_at":"2026-01-01T00:00:00","status":"pending","expires_at":null,"extra":1"#
                } else {
                    r#""status":"accepted","expires_at":"2026-12-09T16:05:53.353277","accepted_at":"2026-12-02T16:05:53","created_at":"2026-12-02T16:05:53.353277","email_status":"sent","email_sent_at":null,"email_error":null"#
                };
                format!(
                    r#"{{"id":{i},"email":"{email}","network_id":1,"network_name":"lab","invited_by_user_id":1,"invited_by_email":"admin@example.com","token":"YB9FziOaRPmo_Hd0WmfH8jAKg3xcNcOjYXu-Cnp1s50","role":"member","can_manage_nodes":false,"can_invite_users":true,"can_manage_firewall":false,{tail}}}"#
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    }

    #[test]
    fn a_big_listing_decodes_as_serde_does() {
        let body = big_body(2_000);
        let raws = |rows: Vec<Row<'_>>| {
            format!("{:?}", rows.into_iter().map(|r| r.raw).collect::<Vec<_>>())
        };
        let slow: Vec<ListRow<'_>> = serde_json::from_str(&body).unwrap();
        let rows = decode(body.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2_000);
        assert_eq!(raws(decode(body.as_bytes()).unwrap()), format!("{slow:?}"));
        // A broken row anywhere is refused, not half-decoded.
        for at in [body.len() / 4, body.len() * 3 / 4] {
            let cut = body[at..].find("\"token\":\"").unwrap() + at;
            let mut bad = body.clone();
            bad.replace_range(cut..cut + 9, "\"token\":7");
            assert!(scan(&bad).is_none());
            assert!(decode(bad.as_bytes()).is_err());
        }
    }

    #[test]
    fn rows_in_the_servers_form_are_taken_as_sent_and_others_decoded() {
        let body = big_body(2_000);
        let decoded = decode(body.as_bytes()).unwrap();
        let mut seen = Vec::new();
        scan_wire(&body, |s| {
            seen.push(s);
            Some(())
        })
        .unwrap();
        assert_eq!(seen.len(), decoded.len());
        let mut wires = 0;
        for (i, (s, d)) in seen.iter().zip(&decoded).enumerate() {
            match s {
                Scanned::Wire(w) => {
                    wires += 1;
                    let r = &d.raw;
                    assert_eq!((w.id, w.network_id), (r.id, r.network_id));
                    assert_eq!(
                        (w.email, w.network_name, w.token, w.status),
                        (&*r.email, &*r.network_name, &*r.token, &*r.status)
                    );
                    assert_eq!(w.email_status, r.email_status.as_deref());
                    assert_eq!(w.expires_at(), d.expires_at);
                    assert_eq!(w.created_at(), d.created_at);
                    assert_eq!(w.times[Wire::ACCEPTED_AT].1, r.accepted_at.parse());
                    let head = &body[body.find(&format!("{{\"id\":{i},")).unwrap()..];
                    assert!(head.starts_with(w.head) && w.head.ends_with("false,"));
                }
                // Escaped addresses and other field orders are decoded.
                Scanned::Row(r) => {
                    assert!(i % 3 != 0 || i % 7 == 0, "row {i} is in the server's form");
                    assert_eq!(format!("{:?}", r.raw), format!("{:?}", d.raw));
                }
            }
        }
        assert_eq!(
            wires,
            (0..2_000).filter(|i| i % 3 == 0 && i % 7 != 0).count()
        );
        let mut n = 0;
        assert!(
            scan_wire("[]", |_| {
                n += 1;
                Some(())
            })
            .is_some()
                && n == 0
        );
        // Stopping, a broken row or a bad datetime anywhere: no answer at all.
        assert!(scan_wire(&body, |_| None).is_none());
        let at = body.len() / 2;
        let cut = body[at..].find("\"token\":\"").unwrap() + at;
        let mut bad = body.clone();
        bad.replace_range(cut..cut + 9, "\"token\":7");
        assert!(scan_wire(&bad, |_| Some(())).is_none());
        let bad = body.replacen(
            "2026-12-09T16:05:53.353277",
            "2026-13-09T16:05:53.353277",
            1,
        );
        assert!(scan_wire(&bad, |_| Some(())).is_none());
        for broken in ["", "[", "[{}]", "[1]", "{}", "[]x"] {
            assert!(scan_wire(broken, |_| Some(())).is_none(), "{broken}");
        }
    }

    #[test]
    fn strings_end_at_the_first_unescaped_quote_wherever_it_falls() {
        for pad in 0..20 {
            let a = "a".repeat(pad);
            let s = format!("\"{a}\\\"{a}\"");
            let (end, escaped) = string_end(s.as_bytes(), 1).unwrap();
            assert_eq!((end, escaped), (s.len() - 1, true), "{s}");
            let plain = format!("\"{a}\"xx");
            assert_eq!(string_end(plain.as_bytes(), 1), Some((pad + 1, false)));
            let ctl = format!("\"{a}\t{a}\"");
            assert_eq!(string_end(ctl.as_bytes(), 1), None, "a raw tab is not JSON");
            let open = format!("\"{a}");
            assert_eq!(string_end(open.as_bytes(), 1), None);
        }
        // Non-ASCII bytes are text, not specials.
        let s = "\"\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\"";
        assert_eq!(string_end(s.as_bytes(), 1), Some((s.len() - 1, false)));
    }

    #[test]
    fn borrows_plain_strings_and_unescapes_others() {
        let body = BODY;
        let rows = decode(body).unwrap();
        let r = &rows[0];
        assert!(matches!(r.raw.token.0, Cow::Borrowed(_)));
        assert!(matches!(r.raw.email.0, Cow::Owned(_)));
        assert_eq!(&*r.raw.email, "aé@x.org");
        assert_eq!(r.effective_status(Utc::now()), "expired");
        assert_eq!(r.created_at, None);
        let bad = String::from_utf8_lossy(body).replace("2020-01-01T00:00:00", "soon");
        assert!(decode(bad.as_bytes()).is_err());
    }

    #[test]
    fn the_scanner_and_serde_agree() {
        let text = std::str::from_utf8(BODY).unwrap();
        let raws = |rows: Vec<Row<'_>>| {
            format!("{:?}", rows.into_iter().map(|r| r.raw).collect::<Vec<_>>())
        };
        let fast = scan(text).expect("the server's shape scans");
        let slow: Vec<ListRow<'_>> = serde_json::from_str(text).unwrap();
        assert_eq!(raws(fast), format!("{slow:?}"));
        // Other orders, spacing and unknown fields too.
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(raws(scan(&pretty).unwrap()), format!("{slow:?}"));
        let extra = text.replacen("{\"id\":3,", "{\"new\":[1,2],\"id\":3,", 1);
        assert!(scan(&extra).is_none(), "nested values go to serde");
        assert_eq!(decode(extra.as_bytes()).unwrap().len(), 2);
        assert_eq!(scan("[]").unwrap().len(), 0);
        for broken in [
            "",
            "[",
            "[{}]",
            "[{\"id\":1}]",
            "[1]",
            "{}",
            "[{\"id\":\"x\"}]",
        ] {
            assert!(scan(broken).is_none(), "{broken}");
        }
        assert!(
            decode(b"[{\"id\":1}]")
                .unwrap_err()
                .contains("missing field")
        );
    }
}

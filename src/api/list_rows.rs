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
    decode_in(body, Room::default())
}

/// [`decode`] into memory made ready beforehand (see [`Room`]).
pub fn decode_in(body: &[u8], room: Room) -> Result<Vec<Row<'_>>, String> {
    if let Some(rows) = std::str::from_utf8(body)
        .ok()
        .and_then(|body| scan(body, room))
    {
        return Ok(rows);
    }
    // Anything the scanner does not expect: serde decodes it, or says what is wrong.
    let raw: Vec<ListRow<'_>> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    raw.into_iter()
        .map(|r| row(r).ok_or_else(|| "a datetime does not parse".to_string()))
        .collect()
}

/// Room for the rows of a listing, its memory already written once. A fresh process
/// pays a page fault for every dozen rows it stores, which at 10,000 rows costs about as
/// much as decoding them; made on a spare thread while the request is on its way
/// ([`Room::expecting`]), that cost leaves the wall time.
#[derive(Default)]
pub struct Room {
    rows: Vec<Row<'static>>,
}

impl Room {
    /// Room for about `rows` rows.
    pub fn expecting(rows: usize) -> Self {
        // A little slack: the index that tells how many rows to expect may be behind.
        let n = rows + rows / 16;
        let mut v = Vec::with_capacity(n);
        v.resize(n, Row::default());
        v.clear();
        Room { rows: v }
    }
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
const PER_ROW: usize = 400;

/// The fast path: the list body scanned for value spans, strings borrowed (unescaped
/// only when they hold escapes), fields matched by name in any order. `None` for
/// anything unexpected, which the serde path then decodes or reports.
fn scan(body: &str, room: Room) -> Option<Vec<Row<'_>>> {
    let mut c = Cursor { s: body, i: 0 };
    c.eat(b'[')?;
    let mut rows = room.rows;
    if rows.capacity() == 0 {
        rows.reserve(body.len() / PER_ROW + 1);
    }
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
    fn a_big_listing_decodes_into_any_room_as_serde_does() {
        let body = big_body(2_000);
        let raws = |rows: Vec<Row<'_>>| {
            format!("{:?}", rows.into_iter().map(|r| r.raw).collect::<Vec<_>>())
        };
        let slow: Vec<ListRow<'_>> = serde_json::from_str(&body).unwrap();
        // With no room, room to spare and too little room.
        for room in [0, 2_000, 10] {
            let room = if room == 0 {
                Room::default()
            } else {
                Room::expecting(room)
            };
            let rows = decode_in(body.as_bytes(), room).unwrap();
            assert_eq!(rows.len(), 2_000);
            assert_eq!(raws(rows), format!("{slow:?}"));
        }
        assert_eq!(raws(decode(body.as_bytes()).unwrap()), format!("{slow:?}"));
        // A broken row anywhere is refused, not half-decoded.
        for at in [body.len() / 4, body.len() * 3 / 4] {
            let cut = body[at..].find("\"token\":\"").unwrap() + at;
            let mut bad = body.clone();
            bad.replace_range(cut..cut + 9, "\"token\":7");
            assert!(scan(&bad, Room::default()).is_none());
            assert!(decode(bad.as_bytes()).is_err());
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
        let fast = scan(text, Room::default()).expect("the server's shape scans");
        let slow: Vec<ListRow<'_>> = serde_json::from_str(text).unwrap();
        assert_eq!(raws(fast), format!("{slow:?}"));
        // Other orders, spacing and unknown fields too.
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(
            raws(scan(&pretty, Room::default()).unwrap()),
            format!("{slow:?}")
        );
        let extra = text.replacen("{\"id\":3,", "{\"new\":[1,2],\"id\":3,", 1);
        assert!(
            scan(&extra, Room::default()).is_none(),
            "nested values go to serde"
        );
        assert_eq!(decode(extra.as_bytes()).unwrap().len(), 2);
        assert_eq!(scan("[]", Room::default()).unwrap().len(), 0);
        for broken in [
            "",
            "[",
            "[{}]",
            "[{\"id\":1}]",
            "[1]",
            "{}",
            "[{\"id\":\"x\"}]",
        ] {
            assert!(scan(broken, Room::default()).is_none(), "{broken}");
        }
        assert!(
            decode(b"[{\"id\":1}]")
                .unwrap_err()
                .contains("missing field")
        );
    }
}

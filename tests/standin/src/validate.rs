//! FastAPI-style request validation: pydantic's lax coercions and the 422
//! error items they produce.
//!
//! The backend declares its inputs as pydantic models and typed path/query
//! parameters; FastAPI validates them in "python lax" mode and answers
//! `422 {"detail":[{type, loc, msg, input, ctx?}, ...]}` listing every failing
//! field in declaration order. The CLI can see all of it, and quirk 26 of the
//! contract (numeric strings pass as ints, `"yes"` as `true`) comes from here.
//! Coercion rules follow pydantic-core 2.x (`str_as_int`, `float_as_int`,
//! `lax_bool`), checked against pydantic 2.14.

use crate::email;
use crate::pyjson::{self, DecodeError, NonFinite, PyValue};

/// One element of a `loc` array.
#[derive(Debug, Clone, PartialEq)]
pub enum Loc {
    Key(&'static str),
    Index(usize),
}

/// One entry of a 422 `detail` array.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorItem {
    pub kind: &'static str,
    pub loc: Vec<Loc>,
    pub msg: String,
    pub input: PyValue,
    pub ctx: Option<Vec<(&'static str, PyValue)>>,
}

impl ErrorItem {
    fn new(kind: &'static str, loc: Vec<Loc>, msg: &str, input: PyValue) -> Self {
        ErrorItem {
            kind,
            loc,
            msg: msg.to_string(),
            input,
            ctx: None,
        }
    }

    fn field(kind: Kind, loc: Vec<Loc>, input: &PyValue) -> Self {
        ErrorItem::new(kind.code(), loc, kind.msg(), input.clone())
    }
}

/// Renders `{"detail":[...]}`. Fails like `json.dumps(allow_nan=False)` if an
/// echoed input holds NaN or an infinity (the real server then answers 500).
pub fn detail_body(items: &[ErrorItem]) -> Result<String, NonFinite> {
    let mut out = String::from("{\"detail\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"type\":");
        pyjson::write_str(&mut out, item.kind);
        out.push_str(",\"loc\":[");
        for (j, part) in item.loc.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            match part {
                Loc::Key(k) => pyjson::write_str(&mut out, k),
                Loc::Index(n) => out.push_str(&n.to_string()),
            }
        }
        out.push_str("],\"msg\":");
        pyjson::write_str(&mut out, &item.msg);
        out.push_str(",\"input\":");
        out.push_str(&item.input.dumps()?);
        if let Some(ctx) = &item.ctx {
            out.push_str(",\"ctx\":{");
            for (j, (k, v)) in ctx.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                pyjson::write_str(&mut out, k);
                out.push(':');
                out.push_str(&v.dumps()?);
            }
            out.push('}');
        }
        out.push('}');
    }
    out.push_str("]}");
    Ok(out)
}

/// The pydantic error kinds this API can produce for scalar fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    IntType,
    IntParsing,
    IntParsingSize,
    IntFromFloat,
    FiniteNumber,
    BoolType,
    BoolParsing,
    StringType,
    Missing,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::IntType => "int_type",
            Kind::IntParsing => "int_parsing",
            Kind::IntParsingSize => "int_parsing_size",
            Kind::IntFromFloat => "int_from_float",
            Kind::FiniteNumber => "finite_number",
            Kind::BoolType => "bool_type",
            Kind::BoolParsing => "bool_parsing",
            Kind::StringType => "string_type",
            Kind::Missing => "missing",
        }
    }

    pub fn msg(self) -> &'static str {
        match self {
            Kind::IntType => "Input should be a valid integer",
            Kind::IntParsing => {
                "Input should be a valid integer, unable to parse string as an integer"
            }
            Kind::IntParsingSize => {
                "Unable to parse input string as an integer, exceeded maximum size"
            }
            Kind::IntFromFloat => {
                "Input should be a valid integer, got a number with a fractional part"
            }
            Kind::FiniteNumber => "Input should be a finite number",
            Kind::BoolType => "Input should be a valid boolean",
            Kind::BoolParsing => "Input should be a valid boolean, unable to interpret input",
            Kind::StringType => "Input should be a valid string",
            Kind::Missing => "Field required",
        }
    }
}

/// A validated Python int. Values beyond i64 are legal for pydantic but make
/// the backend's SQLite (or `timedelta`) overflow later: a 500.
#[derive(Debug, Clone, PartialEq)]
pub enum IntVal {
    Small(i64),
    Big,
}

/// Strict JSON integer grammar (jiter's `NumberInt::try_from`).
fn json_int(s: &str) -> Option<IntVal> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    Some(s.parse::<i64>().map(IntVal::Small).unwrap_or(IntVal::Big))
}

/// pydantic-core's `strip_leading_zeros`.
fn strip_leading_zeros(s: &str) -> Option<&str> {
    let mut it = s.char_indices();
    match it.next() {
        Some((_, '0')) => {}
        Some((_, c)) if c.is_ascii_digit() || c == '-' => return Some(s),
        _ => return None,
    }
    for (i, c) in it {
        match c {
            '0' | '_' => {}
            '1'..='9' | '-' => return Some(&s[i..]),
            '.' => return Some(&s[i - 1..]),
            _ => return None,
        }
    }
    Some(&s[s.len() - 1..])
}

/// pydantic-core's `clean_int_str`: whitespace, `+`, leading zeros, `.000`, `_`.
fn clean_int_str(original: &str) -> Option<String> {
    let mut s = original.trim();
    if let Some(rest) = s.strip_prefix('+') {
        if rest.starts_with('-') {
            return None;
        }
        s = rest;
    }
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        if rest.starts_with('-') || rest.starts_with('+') {
            return None;
        }
        negative = true;
        s = rest;
    }
    s = strip_leading_zeros(s)?;
    if let Some(i) = s.find('.') {
        let decimals = &s[i + 1..];
        if !decimals.is_empty() && decimals.chars().all(|c| c == '0') {
            s = &s[..i];
        }
    }
    let sign = if negative { "-" } else { "" };
    if !(s.starts_with('_') || s.ends_with('_') || !s.contains('_') || s.contains("__")) {
        return Some(format!("{sign}{}", s.replace('_', "")));
    }
    if original.len() == s.len() {
        return None;
    }
    Some(format!("{sign}{s}"))
}

/// `str_as_int`: how pydantic reads an int out of a string.
pub fn str_as_int(s: &str) -> Result<IntVal, Kind> {
    if s.len() > 4300 {
        return Err(Kind::IntParsingSize);
    }
    if let Some(v) = json_int(s) {
        return Ok(v);
    }
    clean_int_str(s)
        .and_then(|c| json_int(&c))
        .ok_or(Kind::IntParsing)
}

/// `float_as_int`.
fn float_as_int(f: f64) -> Result<i64, Kind> {
    if !f.is_finite() {
        Err(Kind::FiniteNumber)
    } else if f % 1.0 != 0.0 {
        Err(Kind::IntFromFloat)
    } else if (i64::MIN as f64) < f && f < (i64::MAX as f64) {
        Ok(f as i64)
    } else {
        Err(Kind::IntParsingSize)
    }
}

/// Lax `int` validation of a JSON value.
pub fn lax_int(v: &PyValue) -> Result<IntVal, Kind> {
    match v {
        PyValue::Int(i) => Ok(IntVal::Small(*i)),
        PyValue::BigInt(_) => Ok(IntVal::Big),
        PyValue::Str(s) => str_as_int(s),
        PyValue::Bool(b) => Ok(IntVal::Small(i64::from(*b))),
        PyValue::Float(f) => float_as_int(*f).map(IntVal::Small),
        PyValue::Null | PyValue::List(_) | PyValue::Dict(_) => Err(Kind::IntType),
    }
}

/// Lax `bool` validation (`"yes"`, `"on"`, `1`, `1.0` are true).
pub fn lax_bool(v: &PyValue) -> Result<bool, Kind> {
    let from_int = |i: i64| match i {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Kind::BoolParsing),
    };
    match v {
        PyValue::Bool(b) => Ok(*b),
        PyValue::Str(s) => {
            let is = |w: &str| s.eq_ignore_ascii_case(w);
            if s == "0" || is("f") || is("n") || is("no") || is("off") || is("false") {
                Ok(false)
            } else if s == "1" || is("t") || is("y") || is("yes") || is("on") || is("true") {
                Ok(true)
            } else {
                Err(Kind::BoolParsing)
            }
        }
        PyValue::Int(i) => from_int(*i),
        PyValue::Float(f) => match float_as_int(*f) {
            Ok(i) => from_int(i),
            Err(_) => Err(Kind::BoolType),
        },
        PyValue::BigInt(_) | PyValue::Null | PyValue::List(_) | PyValue::Dict(_) => {
            Err(Kind::BoolType)
        }
    }
}

/// A path or query parameter declared as `int`.
pub fn param_int(raw: &str, place: &'static str, name: &'static str) -> Result<IntVal, ErrorItem> {
    str_as_int(raw).map_err(|kind| {
        ErrorItem::field(
            kind,
            vec![Loc::Key(place), Loc::Key(name)],
            &PyValue::Str(raw.into()),
        )
    })
}

/// What FastAPI made of a request body before model validation.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body bytes at all.
    Empty,
    /// Parsed JSON (the content type was `application/json` or `+json`).
    Json(PyValue),
    /// Bytes sent with another (or no) content type: never parsed.
    Raw(Vec<u8>),
}

/// Why a body could not be turned into a model.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyError {
    /// 422 with these items.
    Invalid(Vec<ErrorItem>),
    /// 400 `There was an error parsing the body`.
    Unparseable,
    /// The real server would crash rendering the error: 500.
    Crash,
}

/// Does the `Content-Type` select JSON parsing (FastAPI: `application/json`
/// or `application/*+json`, parameters ignored, case-insensitive)?
pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut parts = media.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("application"), Some(sub), None) => sub == "json" || sub.ends_with("+json"),
        _ => false,
    }
}

/// Reads the body the way FastAPI does *before* dependencies run, so JSON
/// syntax errors are reported ahead of authentication (check #0 of create).
pub fn read_body(bytes: &[u8], content_type: Option<&str>) -> Result<Body, BodyError> {
    if bytes.is_empty() {
        return Ok(Body::Empty);
    }
    if !is_json_content_type(content_type) {
        return Ok(Body::Raw(bytes.to_vec()));
    }
    match pyjson::loads(bytes) {
        Ok(v) => Ok(Body::Json(v)),
        Err(DecodeError::Syntax { msg, pos }) => Err(BodyError::Invalid(vec![ErrorItem {
            kind: "json_invalid",
            loc: vec![Loc::Key("body"), Loc::Index(pos)],
            msg: "JSON decode error".into(),
            input: PyValue::Dict(vec![]),
            ctx: Some(vec![("error", PyValue::Str(msg.into()))]),
        }])),
        Err(DecodeError::Unparseable) => Err(BodyError::Unparseable),
    }
}

/// The model-level checks shared by every body model: returns the field dict.
fn body_dict(body: &Body) -> Result<&[(String, PyValue)], BodyError> {
    let attrs = |input: PyValue| {
        BodyError::Invalid(vec![ErrorItem::new(
            "model_attributes_type",
            vec![Loc::Key("body")],
            "Input should be a valid dictionary or object to extract fields from",
            input,
        )])
    };
    match body {
        Body::Empty => Err(BodyError::Invalid(vec![ErrorItem::field(
            Kind::Missing,
            vec![Loc::Key("body")],
            &PyValue::Null,
        )])),
        Body::Raw(bytes) => match String::from_utf8(bytes.clone()) {
            Ok(text) => Err(attrs(PyValue::Str(text))),
            // jsonable_encoder's `bytes.decode()` raises: a 500.
            Err(_) => Err(BodyError::Crash),
        },
        Body::Json(PyValue::Dict(items)) => Ok(items),
        Body::Json(other) => Err(attrs(other.clone())),
    }
}

fn find<'a>(items: &'a [(String, PyValue)], key: &str) -> Option<&'a PyValue> {
    items.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// `InvitationCreate` after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct InvitationCreate {
    pub email: String,
    pub network_id: IntVal,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub expires_in_days: IntVal,
}

/// Collects the errors of one model's fields, in declaration order.
struct Fields<'a> {
    items: &'a [(String, PyValue)],
    errors: Vec<ErrorItem>,
}

impl<'a> Fields<'a> {
    fn loc(name: &'static str) -> Vec<Loc> {
        vec![Loc::Key("body"), Loc::Key(name)]
    }

    fn whole(&self) -> PyValue {
        PyValue::Dict(self.items.to_vec())
    }

    fn required(&mut self, name: &'static str) -> Option<&'a PyValue> {
        let found = find(self.items, name);
        if found.is_none() {
            let whole = self.whole();
            self.errors
                .push(ErrorItem::field(Kind::Missing, Self::loc(name), &whole));
        }
        found
    }

    fn string(&mut self, name: &'static str, v: &PyValue) -> Option<String> {
        match v {
            PyValue::Str(s) => Some(s.clone()),
            other => {
                self.errors
                    .push(ErrorItem::field(Kind::StringType, Self::loc(name), other));
                None
            }
        }
    }

    fn int(&mut self, name: &'static str, v: &PyValue) -> Option<IntVal> {
        lax_int(v)
            .map_err(|k| self.errors.push(ErrorItem::field(k, Self::loc(name), v)))
            .ok()
    }

    fn boolean(&mut self, name: &'static str, default: bool) -> Option<bool> {
        match find(self.items, name) {
            None => Some(default),
            Some(v) => lax_bool(v)
                .map_err(|k| self.errors.push(ErrorItem::field(k, Self::loc(name), v)))
                .ok(),
        }
    }
}

/// Validates a create-invitation body (the `InvitationCreate` model).
pub fn invitation_create(body: &Body) -> Result<InvitationCreate, BodyError> {
    let items = body_dict(body)?;
    let mut f = Fields {
        items,
        errors: Vec::new(),
    };
    let email = f.required("email").and_then(|v| {
        let s = f.string("email", v)?;
        match email::normalize(&s) {
            Ok(normalized) => Some(normalized),
            Err(reason) => {
                f.errors.push(ErrorItem {
                    kind: "value_error",
                    loc: Fields::loc("email"),
                    msg: format!("value is not a valid email address: {reason}"),
                    input: v.clone(),
                    ctx: Some(vec![("reason", PyValue::Str(reason))]),
                });
                None
            }
        }
    });
    let network_id = f
        .required("network_id")
        .and_then(|v| f.int("network_id", v));
    let role = match find(items, "role") {
        None => Some("member".to_string()),
        Some(v) => f.string("role", v),
    };
    let can_manage_nodes = f.boolean("can_manage_nodes", false);
    let can_invite_users = f.boolean("can_invite_users", false);
    let can_manage_firewall = f.boolean("can_manage_firewall", false);
    let expires_in_days = match find(items, "expires_in_days") {
        None => Some(IntVal::Small(7)),
        Some(v) => f.int("expires_in_days", v),
    };
    match (
        email,
        network_id,
        role,
        can_manage_nodes,
        can_invite_users,
        can_manage_firewall,
        expires_in_days,
    ) {
        (Some(email), Some(network_id), Some(role), Some(n), Some(i), Some(fw), Some(days))
            if f.errors.is_empty() =>
        {
            Ok(InvitationCreate {
                email,
                network_id,
                role,
                can_manage_nodes: n,
                can_invite_users: i,
                can_manage_firewall: fw,
                expires_in_days: days,
            })
        }
        _ => Err(BodyError::Invalid(f.errors)),
    }
}

/// `NetworkCreate` after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkCreate {
    pub name: String,
    pub subnet_cidr: String,
}

/// Validates a create-network body.
pub fn network_create(body: &Body) -> Result<NetworkCreate, BodyError> {
    let items = body_dict(body)?;
    let mut f = Fields {
        items,
        errors: Vec::new(),
    };
    let name = f.required("name").and_then(|v| f.string("name", v));
    let subnet = f
        .required("subnet_cidr")
        .and_then(|v| f.string("subnet_cidr", v));
    match (name, subnet) {
        (Some(name), Some(subnet_cidr)) if f.errors.is_empty() => {
            Ok(NetworkCreate { name, subnet_cidr })
        }
        _ => Err(BodyError::Invalid(f.errors)),
    }
}

/// `NetworkUserAddRequest` after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberAdd {
    pub user_id: IntVal,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
}

/// Validates an add-member body: `user_id` required, `role` defaults to
/// `member`, the flags to `false`.
pub fn member_add(body: &Body) -> Result<MemberAdd, BodyError> {
    let items = body_dict(body)?;
    let mut f = Fields {
        items,
        errors: Vec::new(),
    };
    let user_id = f.required("user_id").and_then(|v| f.int("user_id", v));
    let role = match find(items, "role") {
        None => Some("member".to_string()),
        Some(v) => f.string("role", v),
    };
    let can_manage_nodes = f.boolean("can_manage_nodes", false);
    let can_invite_users = f.boolean("can_invite_users", false);
    let can_manage_firewall = f.boolean("can_manage_firewall", false);
    match (
        user_id,
        role,
        can_manage_nodes,
        can_invite_users,
        can_manage_firewall,
    ) {
        (Some(user_id), Some(role), Some(n), Some(i), Some(fw)) if f.errors.is_empty() => {
            Ok(MemberAdd {
                user_id,
                role,
                can_manage_nodes: n,
                can_invite_users: i,
                can_manage_firewall: fw,
            })
        }
        _ => Err(BodyError::Invalid(f.errors)),
    }
}

/// `NetworkUserUpdateRequest` after validation: `None` leaves a field as it
/// is (omitted or `null`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberUpdate {
    pub role: Option<String>,
    pub can_manage_nodes: Option<bool>,
    pub can_invite_users: Option<bool>,
    pub can_manage_firewall: Option<bool>,
}

/// Validates an update-member body: every field optional and nullable.
pub fn member_update(body: &Body) -> Result<MemberUpdate, BodyError> {
    let items = body_dict(body)?;
    let mut f = Fields {
        items,
        errors: Vec::new(),
    };
    let mut ok = true;
    let role = match find(items, "role") {
        None | Some(PyValue::Null) => None,
        Some(v) => {
            let r = f.string("role", v);
            ok &= r.is_some();
            r
        }
    };
    let mut flag = |f: &mut Fields, name: &'static str| match find(items, name) {
        None | Some(PyValue::Null) => None,
        Some(v) => {
            let b = lax_bool(v)
                .map_err(|k| f.errors.push(ErrorItem::field(k, Fields::loc(name), v)))
                .ok();
            ok &= b.is_some();
            b
        }
    };
    let can_manage_nodes = flag(&mut f, "can_manage_nodes");
    let can_invite_users = flag(&mut f, "can_invite_users");
    let can_manage_firewall = flag(&mut f, "can_manage_firewall");
    if !ok || !f.errors.is_empty() {
        return Err(BodyError::Invalid(f.errors));
    }
    Ok(MemberUpdate {
        role,
        can_manage_nodes,
        can_invite_users,
        can_manage_firewall,
    })
}

/// An `int` query parameter with `ge`/`le` bounds (`Query(50, ge=1, le=200)`).
pub fn bounded_query_int(
    raw: &str,
    name: &'static str,
    ge: i64,
    le: Option<i64>,
) -> Result<i64, ErrorItem> {
    let loc = || vec![Loc::Key("query"), Loc::Key(name)];
    let input = || PyValue::Str(raw.into());
    let n = match param_int(raw, "query", name)? {
        IntVal::Small(n) => Some(n),
        IntVal::Big => None,
    };
    let too_big = |le: i64| ErrorItem {
        kind: "less_than_equal",
        loc: loc(),
        msg: format!("Input should be less than or equal to {le}"),
        input: input(),
        ctx: Some(vec![("le", PyValue::Int(le))]),
    };
    match (n, le) {
        (None, Some(le)) if !raw.trim().starts_with('-') => Err(too_big(le)),
        (Some(n), Some(le)) if n > le => Err(too_big(le)),
        (Some(n), _) if n >= ge => Ok(n),
        (None, None) if !raw.trim().starts_with('-') => Ok(i64::MAX),
        _ => Err(ErrorItem {
            kind: "greater_than_equal",
            loc: loc(),
            msg: format!("Input should be greater than or equal to {ge}"),
            input: input(),
            ctx: Some(vec![("ge", PyValue::Int(ge))]),
        }),
    }
}

/// A `datetime` query parameter as pydantic reads it from a string: an ISO
/// 8601 datetime (`T`, `t`, `_` or space between date and time, seconds and
/// fraction optional, `Z` or `±HH:MM` converted to naive UTC) or a bare date
/// (midnight). Anything else is `datetime_from_date_parsing`; the `error`
/// wording follows speedate for the common cases (too short, bad year, bad
/// separator).
pub fn query_datetime(raw: &str, name: &'static str) -> Result<chrono::NaiveDateTime, ErrorItem> {
    parse_iso_datetime(raw).map_err(|error| ErrorItem {
        kind: "datetime_from_date_parsing",
        loc: vec![Loc::Key("query"), Loc::Key(name)],
        msg: format!("Input should be a valid datetime or date, {error}"),
        input: PyValue::Str(raw.into()),
        ctx: Some(vec![("error", PyValue::Str(error.into()))]),
    })
}

fn parse_iso_datetime(raw: &str) -> Result<chrono::NaiveDateTime, &'static str> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    if raw.len() < 10 {
        return Err("input is too short");
    }
    if !raw.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return Err("invalid character in year");
    }
    if !raw.is_char_boundary(10) {
        return Err("invalid date separator, expected `-`");
    }
    let (date_part, rest) = raw.split_at(10);
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .map_err(|_| "invalid date separator, expected `-`")?;
    if rest.is_empty() {
        return Ok(date.and_time(NaiveTime::MIN));
    }
    let mut chars = rest.chars();
    if !matches!(chars.next(), Some('T' | 't' | '_' | ' ')) {
        return Err("invalid datetime separator, expected `T`, `t`, `_` or space");
    }
    let time_and_zone = chars.as_str();
    let (time, offset) = split_zone(time_and_zone).ok_or("invalid timezone sign")?;
    let time = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(time, f).ok())
        .ok_or("invalid character in hour")?;
    let naive = NaiveDateTime::new(date, time);
    Ok(naive - chrono::TimeDelta::seconds(offset))
}

/// Splits `HH:MM[:SS[.f]]` from a trailing `Z` or `±HH:MM`; the offset in seconds.
fn split_zone(s: &str) -> Option<(&str, i64)> {
    if let Some(t) = s.strip_suffix(['Z', 'z']) {
        return Some((t, 0));
    }
    if let Some(i) = s.rfind(['+', '-']) {
        let (t, zone) = s.split_at(i);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let digits = zone[1..].replace(':', "");
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let h: i64 = digits[..2].parse().ok()?;
        let m: i64 = digits[2..].parse().ok()?;
        return Some((t, sign * (h * 3600 + m * 60)));
    }
    Some((s, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str) -> Body {
        read_body(body.as_bytes(), Some("application/json")).expect("valid JSON")
    }

    fn detail(err: BodyError) -> String {
        match err {
            BodyError::Invalid(items) => detail_body(&items).expect("finite"),
            other => panic!("expected 422 items, got {other:?}"),
        }
    }

    // The expected bodies below are FastAPI 0.165 / pydantic 2.14 output for the
    // same model, captured byte for byte.
    #[test]
    fn field_errors_match_fastapi() {
        let err = invitation_create(&json(
            r#"{"email":"x","network_id":1.5,"can_manage_nodes":"yes","can_invite_users":2,"expires_in_days":"3","role":null}"#,
        ))
        .unwrap_err();
        assert_eq!(
            detail(err),
            r#"{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"x","ctx":{"reason":"An email address must have an @-sign."}},{"type":"int_from_float","loc":["body","network_id"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5},{"type":"string_type","loc":["body","role"],"msg":"Input should be a valid string","input":null},{"type":"bool_parsing","loc":["body","can_invite_users"],"msg":"Input should be a valid boolean, unable to interpret input","input":2}]}"#
        );
        let err = invitation_create(&json(
            r#"{"network_id":"abc","can_manage_nodes":1.5,"can_invite_users":null,"can_manage_firewall":[],"expires_in_days":" 3 "}"#,
        ))
        .unwrap_err();
        assert_eq!(
            detail(err),
            r#"{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{"network_id":"abc","can_manage_nodes":1.5,"can_invite_users":null,"can_manage_firewall":[],"expires_in_days":" 3 "}},{"type":"int_parsing","loc":["body","network_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},{"type":"bool_type","loc":["body","can_manage_nodes"],"msg":"Input should be a valid boolean","input":1.5},{"type":"bool_type","loc":["body","can_invite_users"],"msg":"Input should be a valid boolean","input":null},{"type":"bool_type","loc":["body","can_manage_firewall"],"msg":"Input should be a valid boolean","input":[]}]}"#
        );
        let err = invitation_create(&json(
            r#"{"email":5,"network_id":true,"can_manage_nodes":"TRUE","expires_in_days":1e20}"#,
        ))
        .unwrap_err();
        assert_eq!(
            detail(err),
            r#"{"detail":[{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":5},{"type":"int_parsing_size","loc":["body","expires_in_days"],"msg":"Unable to parse input string as an integer, exceeded maximum size","input":1e+20}]}"#
        );
        assert_eq!(
            detail(invitation_create(&json("{}")).unwrap_err()),
            r#"{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}},{"type":"missing","loc":["body","network_id"],"msg":"Field required","input":{}}]}"#
        );
    }

    #[test]
    fn lenient_values_are_accepted() {
        let ok = invitation_create(&json(
            r#"{"email":" Bob <Bob@Example.COM> ","network_id":"1_0","can_manage_nodes":"yes","can_invite_users":1,"can_manage_firewall":"off","expires_in_days":"007","extra":[1]}"#,
        ))
        .unwrap();
        assert_eq!(
            ok,
            InvitationCreate {
                email: "Bob@example.com".into(),
                network_id: IntVal::Small(10),
                role: "member".into(),
                can_manage_nodes: true,
                can_invite_users: true,
                can_manage_firewall: false,
                expires_in_days: IntVal::Small(7),
            }
        );
        let big = invitation_create(&json(
            r#"{"email":"a@b.com","network_id":99999999999999999999999,"expires_in_days":"+5"}"#,
        ))
        .unwrap();
        assert_eq!(big.network_id, IntVal::Big);
        assert_eq!(big.expires_in_days, IntVal::Small(5));
    }

    #[test]
    fn body_shapes() {
        let shape = |b: Body| detail(invitation_create(&b).unwrap_err());
        assert_eq!(
            shape(Body::Empty),
            r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#
        );
        assert_eq!(
            shape(json("null")),
            r#"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":null}]}"#
        );
        assert_eq!(
            shape(json("[1]")),
            r#"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]}"#
        );
        let raw = read_body(br#"{"email":"a@b.com","network_id":1}"#, Some("text/plain")).unwrap();
        assert_eq!(
            shape(raw),
            r#"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{\"email\":\"a@b.com\",\"network_id\":1}"}]}"#
        );
        // No content type at all is not JSON either (observed on the real server).
        assert!(matches!(read_body(b"{}", None), Ok(Body::Raw(_))));
        assert!(matches!(
            invitation_create(&Body::Raw(vec![0xff])),
            Err(BodyError::Crash)
        ));
    }

    #[test]
    fn json_syntax_error_item() {
        let err = read_body(
            br#"{"email":"a@b.com","#,
            Some("Application/JSON; charset=utf-8"),
        )
        .unwrap_err();
        assert_eq!(
            detail(err),
            r#"{"detail":[{"type":"json_invalid","loc":["body",19],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]}"#
        );
        assert!(is_json_content_type(Some("application/vnd.api+json")));
        assert!(!is_json_content_type(Some(
            "application/x-www-form-urlencoded"
        )));
        assert!(!is_json_content_type(Some("")));
    }

    #[test]
    fn nan_in_an_echoed_input_crashes_rendering() {
        let items = match invitation_create(&json(r#"{"email":"a@b.com","network_id":NaN}"#)) {
            Err(BodyError::Invalid(items)) => items,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(items[0].kind, "finite_number");
        assert_eq!(detail_body(&items), Err(NonFinite));
    }

    #[test]
    fn int_strings() {
        let cases: &[(&str, Result<IntVal, Kind>)] = &[
            ("12", Ok(IntVal::Small(12))),
            (" 3 ", Ok(IntVal::Small(3))),
            ("+5", Ok(IntVal::Small(5))),
            ("-7", Ok(IntVal::Small(-7))),
            ("007", Ok(IntVal::Small(7))),
            ("1.0", Ok(IntVal::Small(1))),
            ("1_000", Ok(IntVal::Small(1000))),
            ("99999999999999999999999", Ok(IntVal::Big)),
            ("1.", Err(Kind::IntParsing)),
            ("1.5", Err(Kind::IntParsing)),
            ("", Err(Kind::IntParsing)),
            ("abc", Err(Kind::IntParsing)),
            ("--1", Err(Kind::IntParsing)),
            ("\u{661}\u{662}", Err(Kind::IntParsing)),
        ];
        for (s, want) in cases {
            assert_eq!(&str_as_int(s), want, "input {s:?}");
        }
        let e = param_int("abc", "path", "invitation_id").unwrap_err();
        assert_eq!(
            detail_body(&[e]).unwrap(),
            r#"{"detail":[{"type":"int_parsing","loc":["path","invitation_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
        );
    }

    #[test]
    fn member_bodies() {
        assert_eq!(
            member_add(&json(r#"{"user_id":"3"}"#)).unwrap(),
            MemberAdd {
                user_id: IntVal::Small(3),
                role: "member".into(),
                can_manage_nodes: false,
                can_invite_users: false,
                can_manage_firewall: false,
            }
        );
        assert_eq!(
            detail(member_add(&json(r#"{"role":1}"#)).unwrap_err()),
            r#"{"detail":[{"type":"missing","loc":["body","user_id"],"msg":"Field required","input":{"role":1}},{"type":"string_type","loc":["body","role"],"msg":"Input should be a valid string","input":1}]}"#
        );
        assert_eq!(member_update(&json("{}")).unwrap(), MemberUpdate::default());
        assert_eq!(
            member_update(&json(r#"{"role":null,"can_invite_users":"yes"}"#)).unwrap(),
            MemberUpdate {
                can_invite_users: Some(true),
                ..MemberUpdate::default()
            }
        );
        assert_eq!(
            detail(member_update(&json(r#"{"can_manage_nodes":2}"#)).unwrap_err()),
            r#"{"detail":[{"type":"bool_parsing","loc":["body","can_manage_nodes"],"msg":"Input should be a valid boolean, unable to interpret input","input":2}]}"#
        );
    }

    #[test]
    fn audit_query_values() {
        let one = |e: ErrorItem| detail_body(&[e]).unwrap();
        assert_eq!(bounded_query_int("200", "limit", 1, Some(200)), Ok(200));
        assert_eq!(
            one(bounded_query_int("201", "limit", 1, Some(200)).unwrap_err()),
            r#"{"detail":[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 200","input":"201","ctx":{"le":200}}]}"#
        );
        assert_eq!(
            one(bounded_query_int("0", "limit", 1, Some(200)).unwrap_err()),
            r#"{"detail":[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}"#
        );
        assert_eq!(
            bounded_query_int("-1", "offset", 0, None).unwrap_err().kind,
            "greater_than_equal"
        );
        assert_eq!(
            bounded_query_int("x", "offset", 0, None).unwrap_err().kind,
            "int_parsing"
        );
        assert_eq!(
            one(query_datetime("yesterday", "from_date").unwrap_err()),
            r#"{"detail":[{"type":"datetime_from_date_parsing","loc":["query","from_date"],"msg":"Input should be a valid datetime or date, input is too short","input":"yesterday","ctx":{"error":"input is too short"}}]}"#
        );
        let at = |s: &str| query_datetime(s, "to_date").map(|d| d.to_string());
        assert_eq!(at("2026-12-05").unwrap(), "2026-12-05 00:00:00");
        assert_eq!(
            at("2026-12-05T10:02:31.862838").unwrap(),
            "2026-12-05 10:02:31.862838"
        );
        assert_eq!(at("2026-12-05 10:02").unwrap(), "2026-12-05 10:02:00");
        assert_eq!(
            at("2026-12-05T10:00:00+02:00").unwrap(),
            "2026-12-05 08:00:00"
        );
        assert_eq!(at("2026-12-05T10:00:00Z").unwrap(), "2026-12-05 10:00:00");
        assert!(at("next tuesday").is_err());
        assert!(at("2026-12-05X10:00").is_err());
    }

    #[test]
    fn network_create_fields() {
        assert_eq!(
            network_create(&json(r#"{"name":"a","subnet_cidr":"not-a-cidr"}"#)).unwrap(),
            NetworkCreate {
                name: "a".into(),
                subnet_cidr: "not-a-cidr".into()
            }
        );
        assert_eq!(
            detail(network_create(&json(r#"{"name":1}"#)).unwrap_err()),
            r#"{"detail":[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":1},{"type":"missing","loc":["body","subnet_cidr"],"msg":"Field required","input":{"name":1}}]}"#
        );
    }
}

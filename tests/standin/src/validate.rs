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

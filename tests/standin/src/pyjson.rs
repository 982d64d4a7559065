//! Python-compatible JSON, both directions.
//!
//! The real backend parses request bodies with CPython's `json.loads` and renders
//! every JSON answer with `json.dumps(..., ensure_ascii=False, allow_nan=False,
//! separators=(",", ":"))`. Three of its observable quirks depend on that exact
//! machinery, so this module reproduces it instead of using serde_json:
//!
//! * a syntax error answers 422 `json_invalid` whose `loc` carries CPython's
//!   **character** offset and whose `ctx.error` carries CPython's message;
//! * `NaN`/`Infinity` are accepted on input but make the answer crash (500) if
//!   they ever have to be echoed back in a validation error;
//! * numbers keep Python's types: arbitrary-size ints stay exact, floats are
//!   re-rendered with Python's `repr` (`1e+20`, `1.0`).
//!
//! Objects keep insertion order with "last value wins, first position kept"
//! semantics for duplicate keys, as a Python `dict` does.

use std::collections::HashMap;
use std::fmt::Write as _;

/// A decoded JSON value with Python's type distinctions.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    Null,
    Bool(bool),
    /// An int that fits in i64.
    Int(i64),
    /// An int that does not fit in i64, as its canonical decimal digits.
    BigInt(String),
    Float(f64),
    Str(String),
    List(Vec<PyValue>),
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// Looks a key up in a dict value.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Renders the value the way `json.dumps` does in a FastAPI response.
    pub fn dumps(&self) -> Result<String, NonFinite> {
        let mut out = String::new();
        dump_into(self, &mut out)?;
        Ok(out)
    }
}

/// Why `json.loads` failed.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// A `JSONDecodeError`: CPython's message and character offset.
    Syntax { msg: &'static str, pos: usize },
    /// Any other failure (undecodable bytes, nesting too deep). FastAPI turns
    /// these into 400 `There was an error parsing the body`.
    Unparseable,
}

/// `allow_nan=False` refused a NaN or infinity: the real server answers 500.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NonFinite;

/// How deep arrays/objects may nest before CPython's recursion guard fires.
/// The exact figure depends on the interpreter's stack at that point; this is
/// close to the default limit of 1000 minus the frames FastAPI already uses.
const MAX_DEPTH: usize = 900;

/// `json.loads(bytes)`: detects the encoding like CPython, then decodes.
pub fn loads(bytes: &[u8]) -> Result<PyValue, DecodeError> {
    let text = decode_bytes(bytes).ok_or(DecodeError::Unparseable)?;
    let chars: Vec<char> = text.chars().collect();
    Parser {
        s: &chars,
        depth: 0,
    }
    .decode()
}

/// `json.loads(str)`: a `str` may not start with a BOM.
pub fn loads_str(text: &str) -> Result<PyValue, DecodeError> {
    if text.starts_with('\u{feff}') {
        return Err(DecodeError::Syntax {
            msg: "Unexpected UTF-8 BOM (decode using utf-8-sig)",
            pos: 0,
        });
    }
    let chars: Vec<char> = text.chars().collect();
    Parser {
        s: &chars,
        depth: 0,
    }
    .decode()
}

/// CPython's `json.detect_encoding` followed by the decode itself.
fn decode_bytes(b: &[u8]) -> Option<String> {
    const BOM8: &[u8] = &[0xEF, 0xBB, 0xBF];
    if b.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return decode_utf32(&b[4..], false);
    }
    if b.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return decode_utf32(&b[4..], true);
    }
    if b.starts_with(&[0xFF, 0xFE]) {
        return decode_utf16(&b[2..], false);
    }
    if b.starts_with(&[0xFE, 0xFF]) {
        return decode_utf16(&b[2..], true);
    }
    if let Some(rest) = b.strip_prefix(BOM8) {
        return String::from_utf8(rest.to_vec()).ok();
    }
    if b.len() >= 4 {
        if b[0] == 0 {
            return if b[1] != 0 {
                decode_utf16(b, true)
            } else {
                decode_utf32(b, true)
            };
        }
        if b[1] == 0 {
            return if b[2] != 0 || b[3] != 0 {
                decode_utf16(b, false)
            } else {
                decode_utf32(b, false)
            };
        }
    } else if b.len() == 2 {
        if b[0] == 0 {
            return decode_utf16(b, true);
        }
        if b[1] == 0 {
            return decode_utf16(b, false);
        }
    }
    String::from_utf8(b.to_vec()).ok()
}

fn decode_utf16(b: &[u8], big_endian: bool) -> Option<String> {
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let units = b.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

fn decode_utf32(b: &[u8], big_endian: bool) -> Option<String> {
    if !b.len().is_multiple_of(4) {
        return None;
    }
    b.chunks_exact(4)
        .map(|c| {
            let n = if big_endian {
                u32::from_be_bytes([c[0], c[1], c[2], c[3]])
            } else {
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            };
            char::from_u32(n)
        })
        .collect()
}

/// Internal failure of the scanner, mirroring CPython's control flow:
/// `Stop` is the `StopIteration(idx)` that `raw_decode` turns into
/// "Expecting value".
enum Fail {
    Stop(usize),
    Msg(&'static str, usize),
    Deep,
}

struct Parser<'a> {
    s: &'a [char],
    depth: usize,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl Parser<'_> {
    fn decode(&mut self) -> Result<PyValue, DecodeError> {
        let start = self.skip_ws(0);
        let (value, end) = match self.scan_once(start) {
            Ok(v) => v,
            Err(Fail::Stop(pos)) => {
                return Err(DecodeError::Syntax {
                    msg: "Expecting value",
                    pos,
                });
            }
            Err(Fail::Msg(msg, pos)) => return Err(DecodeError::Syntax { msg, pos }),
            Err(Fail::Deep) => return Err(DecodeError::Unparseable),
        };
        let end = self.skip_ws(end);
        if end != self.s.len() {
            return Err(DecodeError::Syntax {
                msg: "Extra data",
                pos: end,
            });
        }
        Ok(value)
    }

    fn skip_ws(&self, mut idx: usize) -> usize {
        while idx < self.s.len() && is_ws(self.s[idx]) {
            idx += 1;
        }
        idx
    }

    fn at(&self, idx: usize) -> Option<char> {
        self.s.get(idx).copied()
    }

    fn starts_with_at(&self, idx: usize, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(i, c)| self.at(idx + i) == Some(c))
    }

    fn scan_once(&mut self, idx: usize) -> Result<(PyValue, usize), Fail> {
        let Some(c) = self.at(idx) else {
            return Err(Fail::Stop(idx));
        };
        match c {
            '"' => {
                let (s, end) = self.scanstring(idx + 1)?;
                Ok((PyValue::Str(s), end))
            }
            '{' | '[' => {
                if self.depth >= MAX_DEPTH {
                    return Err(Fail::Deep);
                }
                self.depth += 1;
                let r = if c == '{' {
                    self.parse_object(idx + 1)
                } else {
                    self.parse_array(idx + 1)
                };
                self.depth -= 1;
                r
            }
            'n' if self.starts_with_at(idx, "null") => Ok((PyValue::Null, idx + 4)),
            't' if self.starts_with_at(idx, "true") => Ok((PyValue::Bool(true), idx + 4)),
            'f' if self.starts_with_at(idx, "false") => Ok((PyValue::Bool(false), idx + 5)),
            'N' if self.starts_with_at(idx, "NaN") => Ok((PyValue::Float(f64::NAN), idx + 3)),
            'I' if self.starts_with_at(idx, "Infinity") => {
                Ok((PyValue::Float(f64::INFINITY), idx + 8))
            }
            '-' if self.starts_with_at(idx, "-Infinity") => {
                Ok((PyValue::Float(f64::NEG_INFINITY), idx + 9))
            }
            _ => self.match_number(idx),
        }
    }

    /// `_match_number_unicode`: JSON number grammar, ASCII digits only.
    fn match_number(&self, start: usize) -> Result<(PyValue, usize), Fail> {
        let digit = |i: usize| self.at(i).is_some_and(|c| c.is_ascii_digit());
        let mut idx = start;
        if self.at(idx) == Some('-') {
            idx += 1;
            if idx >= self.s.len() {
                return Err(Fail::Stop(start));
            }
        }
        match self.at(idx) {
            Some('1'..='9') => {
                idx += 1;
                while digit(idx) {
                    idx += 1;
                }
            }
            Some('0') => idx += 1,
            _ => return Err(Fail::Stop(start)),
        }
        let mut is_float = false;
        if self.at(idx) == Some('.') && digit(idx + 1) {
            is_float = true;
            idx += 2;
            while digit(idx) {
                idx += 1;
            }
        }
        if matches!(self.at(idx), Some('e' | 'E')) {
            let e_start = idx;
            idx += 1;
            if matches!(self.at(idx), Some('-' | '+')) {
                idx += 1;
            }
            let digits_from = idx;
            while digit(idx) {
                idx += 1;
            }
            if idx > digits_from {
                is_float = true;
            } else {
                idx = e_start;
            }
        }
        let text: String = self.s[start..idx].iter().collect();
        if is_float {
            // Rust and Python agree: overflow gives +-inf, underflow 0.0.
            let f = text.parse::<f64>().map_err(|_| Fail::Stop(start))?;
            Ok((PyValue::Float(f), idx))
        } else {
            Ok((int_from_digits(&text), idx))
        }
    }

    /// `scanstring_unicode` with `strict=True`; `end` is just past the quote.
    fn scanstring(&self, mut end: usize) -> Result<(String, usize), Fail> {
        let begin = end - 1;
        let len = self.s.len();
        let mut out = String::new();
        loop {
            let mut next = end;
            let mut c = '\0';
            while next < len {
                c = self.s[next];
                if c == '"' || c == '\\' {
                    break;
                }
                if (c as u32) <= 0x1f {
                    return Err(Fail::Msg("Invalid control character at", next));
                }
                next += 1;
            }
            if !(c == '"' || c == '\\') || next >= len {
                return Err(Fail::Msg("Unterminated string starting at", begin));
            }
            out.extend(&self.s[end..next]);
            next += 1;
            if c == '"' {
                end = next;
                break;
            }
            if next == len {
                return Err(Fail::Msg("Unterminated string starting at", begin));
            }
            let esc = self.s[next];
            if esc != 'u' {
                end = next + 1;
                let mapped = match esc {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return Err(Fail::Msg("Invalid \\escape", end - 2)),
                };
                out.push(mapped);
            } else {
                next += 1;
                end = next + 4;
                if end >= len {
                    return Err(Fail::Msg("Invalid \\uXXXX escape", next - 1));
                }
                let hi = self
                    .hex4(next)
                    .ok_or(Fail::Msg("Invalid \\uXXXX escape", end - 5))?;
                let mut code = hi;
                if (0xD800..0xDC00).contains(&hi)
                    && end + 6 < len
                    && self.s[end] == '\\'
                    && self.s[end + 1] == 'u'
                {
                    let lo = self
                        .hex4(end + 2)
                        .ok_or(Fail::Msg("Invalid \\uXXXX escape", end + 1))?;
                    if (0xDC00..0xE000).contains(&lo) {
                        code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        end += 6;
                    }
                }
                // A lone surrogate is legal in a Python str but not in Rust;
                // U+FFFD keeps the rest of the processing going.
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
        }
        Ok((out, end))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let mut v = 0u32;
        for i in at..at + 4 {
            v = (v << 4) | self.at(i)?.to_digit(16)?;
        }
        Some(v)
    }

    fn parse_object(&mut self, start: usize) -> Result<(PyValue, usize), Fail> {
        let mut items: Vec<(String, PyValue)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut idx = self.skip_ws(start);
        if self.at(idx) != Some('}') {
            loop {
                if self.at(idx) != Some('"') {
                    return Err(Fail::Msg(
                        "Expecting property name enclosed in double quotes",
                        idx,
                    ));
                }
                let (key, next) = self.scanstring(idx + 1)?;
                idx = self.skip_ws(next);
                if self.at(idx) != Some(':') {
                    return Err(Fail::Msg("Expecting ':' delimiter", idx));
                }
                idx = self.skip_ws(idx + 1);
                let (value, next) = self.scan_once(idx)?;
                match index.get(&key) {
                    Some(&pos) => items[pos].1 = value,
                    None => {
                        index.insert(key.clone(), items.len());
                        items.push((key, value));
                    }
                }
                idx = self.skip_ws(next);
                if self.at(idx) == Some('}') {
                    break;
                }
                if self.at(idx) != Some(',') {
                    return Err(Fail::Msg("Expecting ',' delimiter", idx));
                }
                idx = self.skip_ws(idx + 1);
            }
        }
        Ok((PyValue::Dict(items), idx + 1))
    }

    fn parse_array(&mut self, start: usize) -> Result<(PyValue, usize), Fail> {
        let mut items = Vec::new();
        let mut idx = self.skip_ws(start);
        if self.at(idx) != Some(']') {
            loop {
                let (value, next) = self.scan_once(idx)?;
                items.push(value);
                idx = self.skip_ws(next);
                if self.at(idx) == Some(']') {
                    break;
                }
                if self.at(idx) != Some(',') {
                    return Err(Fail::Msg("Expecting ',' delimiter", idx));
                }
                idx = self.skip_ws(idx + 1);
            }
        }
        Ok((PyValue::List(items), idx + 1))
    }
}

/// Builds an int from `-?digits` (no leading zeros except a lone 0).
pub fn int_from_digits(text: &str) -> PyValue {
    match text.parse::<i64>() {
        Ok(v) => PyValue::Int(v),
        Err(_) => {
            let neg = text.starts_with('-');
            let digits = text.trim_start_matches('-').trim_start_matches('0');
            if digits.is_empty() {
                PyValue::Int(0)
            } else if neg {
                PyValue::BigInt(format!("-{digits}"))
            } else {
                PyValue::BigInt(digits.to_string())
            }
        }
    }
}

fn dump_into(v: &PyValue, out: &mut String) -> Result<(), NonFinite> {
    match v {
        PyValue::Null => out.push_str("null"),
        PyValue::Bool(true) => out.push_str("true"),
        PyValue::Bool(false) => out.push_str("false"),
        PyValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        PyValue::BigInt(s) => out.push_str(s),
        PyValue::Float(f) => out.push_str(&py_float_repr(*f).ok_or(NonFinite)?),
        PyValue::Str(s) => write_str(out, s),
        PyValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                dump_into(item, out)?;
            }
            out.push(']');
        }
        PyValue::Dict(items) => {
            out.push('{');
            for (i, (k, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                dump_into(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Writes a JSON string literal as `json.dumps(ensure_ascii=False)` does.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: shortest round-trip digits, scientific notation
/// when the decimal exponent is below -4 or at least 16. `None` for NaN/inf.
pub fn py_float_repr(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some(if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string());
    }
    // Rust's `{:e}` yields the shortest round-trip mantissa, e.g. "-1.25e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> (String, usize) {
        match loads(input.as_bytes()) {
            Err(DecodeError::Syntax { msg, pos }) => (msg.to_string(), pos),
            other => panic!("expected a syntax error for {input:?}, got {other:?}"),
        }
    }

    // Expected messages and offsets were produced by CPython 3.11's json module.
    #[test]
    fn syntax_errors_match_cpython() {
        let cases: &[(&str, &str, usize)] = &[
            ("", "Expecting value", 0),
            ("   ", "Expecting value", 3),
            (
                "{\"email\":\"a@b.com\",",
                "Expecting property name enclosed in double quotes",
                19,
            ),
            (
                "{\"email\":\"a@b.com\",}",
                "Expecting property name enclosed in double quotes",
                19,
            ),
            ("[1,]", "Expecting value", 3),
            ("{\"a\" 1}", "Expecting ':' delimiter", 5),
            ("{\"a\":1 \"b\":2}", "Expecting ',' delimiter", 7),
            ("[1 2]", "Expecting ',' delimiter", 3),
            ("{\"a\":}", "Expecting value", 5),
            ("{\"a\":\"x}", "Unterminated string starting at", 5),
            ("\"a\nb\"", "Invalid control character at", 2),
            ("\"a\\qb\"", "Invalid \\escape", 2),
            ("\"\\u12\"", "Invalid \\uXXXX escape", 2),
            ("\"\\u12xz\"", "Invalid \\uXXXX escape", 2),
            ("{} x", "Extra data", 3),
            ("01", "Extra data", 1),
            ("-", "Expecting value", 0),
            ("nul", "Expecting value", 0),
            (
                "{'a':1}",
                "Expecting property name enclosed in double quotes",
                1,
            ),
            ("{\"é\":\"ü\" x}", "Expecting ',' delimiter", 9),
        ];
        for (input, msg, pos) in cases {
            assert_eq!(err(input), (msg.to_string(), *pos), "input {input:?}");
        }
    }

    #[test]
    fn values_keep_python_types() {
        let v =
            loads(br#"{"a":1,"b":1.0,"c":99999999999999999999999,"d":-0,"e":[true,null],"a":2}"#)
                .unwrap();
        assert_eq!(
            v,
            PyValue::Dict(vec![
                ("a".into(), PyValue::Int(2)),
                ("b".into(), PyValue::Float(1.0)),
                (
                    "c".into(),
                    PyValue::BigInt("99999999999999999999999".into())
                ),
                ("d".into(), PyValue::Int(0)),
                (
                    "e".into(),
                    PyValue::List(vec![PyValue::Bool(true), PyValue::Null])
                ),
            ])
        );
        assert_eq!(
            v.dumps().unwrap(),
            r#"{"a":2,"b":1.0,"c":99999999999999999999999,"d":0,"e":[true,null]}"#
        );
    }

    #[test]
    fn nan_parses_but_cannot_be_dumped() {
        let v = loads(b"[NaN, -Infinity, 1e400]").unwrap();
        assert_eq!(v.dumps(), Err(NonFinite));
    }

    #[test]
    fn escapes_and_surrogate_pairs() {
        let v = loads(br#""\ud83d\ude00 \u00e9\n\/""#).unwrap();
        assert_eq!(v, PyValue::Str("\u{1F600} \u{e9}\n/".into()));
        assert_eq!(v.dumps().unwrap(), "\"\u{1F600} \u{e9}\\n/\"");
        let ctl = PyValue::Str("\u{1}\u{7f}".into());
        assert_eq!(ctl.dumps().unwrap(), "\"\\u0001\u{7f}\"");
    }

    #[test]
    fn encodings_are_detected_like_cpython() {
        // UTF-16 LE with BOM, as json.detect_encoding would see it.
        let mut b = vec![0xFF, 0xFE];
        for u in "{\"a\":1}".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        assert_eq!(loads(&b).unwrap().get("a"), Some(&PyValue::Int(1)));
        // The bytes FF FE alone are an empty UTF-16 document.
        assert_eq!(
            loads(&[0xFF, 0xFE]),
            Err(DecodeError::Syntax {
                msg: "Expecting value",
                pos: 0
            })
        );
        assert_eq!(loads(&[b'"', 0xC3, b'"']), Err(DecodeError::Unparseable));
        assert_eq!(loads(b"\xEF\xBB\xBF{}").unwrap(), PyValue::Dict(vec![]));
    }

    #[test]
    fn too_deep_is_unparseable_not_a_syntax_error() {
        let deep = "[".repeat(MAX_DEPTH + 5);
        assert_eq!(loads(deep.as_bytes()), Err(DecodeError::Unparseable));
    }

    #[test]
    fn float_repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (1e20, "1e+20"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789.125, "123456789.125"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (2.5e-300, "2.5e-300"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(*f).as_deref(), Some(*want), "float {f}");
        }
        assert_eq!(py_float_repr(f64::NAN), None);
    }
}

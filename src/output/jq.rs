//! `--jq EXPR`: a jq filter run in process (jaq) over every JSON output, at the output
//! gate ([`crate::io::Io::out`] and [`crate::io::Io::out_with`]), so that no command has
//! to know about it.
//!
//! Semantics follow `jq` and `gh --jq`: the filter runs once per JSON value written (the
//! whole document for `list --json`, one line at a time for NDJSON), strings come out raw
//! (`jq -r`), anything else as compact JSON, one result per line.
//!
//! Errors: an expression that does not compile is a usage error (exit 2) reported before
//! anything runs; an error raised while filtering (`.foo` on an array, `error("…")`) is a
//! failure (exit 1), like `gh`. Values quoted in runtime errors are summarised, never
//! printed whole: the filtered data holds invitation tokens.

use std::io::Write;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;

use crate::error::CliError;

type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// Definitions jq has and jaq's standard library lacks.
const EXTRA_DEFS: &str = r#"
def @csv: if type != "array" then error("\(type) cannot be csv-formatted, only an array can be") else
  map(if type == "string" then "\"" + (split("\"") | join("\"\"")) + "\""
      elif type == "null" then ""
      elif type == "array" or type == "object" then error("\(type) is not valid in a csv row")
      else tojson end) | join(",") end;
def @tsv: if type != "array" then error("\(type) cannot be tsv-formatted, only an array can be") else
  map(if type == "string" then split("\\") | join("\\\\") | split("\t") | join("\\t")
        | split("\n") | join("\\n") | split("\r") | join("\\r")
      elif type == "null" then ""
      elif type == "array" or type == "object" then error("\(type) is not valid in a tsv row")
      else tojson end) | join("\t") end;
"#;

/// A compiled `--jq` filter.
pub struct Jq {
    filter: Filter,
}

/// Why filtering stopped.
#[derive(Debug)]
pub enum JqError {
    /// The filter raised an error (message already summarised).
    Runtime(String),
    /// `halt` / `halt_error`: stop with this exit status.
    Halt(i32),
    /// What the command wrote is not JSON (a command without JSON output).
    NotJson,
    /// Writing the results failed.
    Io(std::io::Error),
}

impl JqError {
    /// The error to report; `None` for a halt, which only sets the exit status.
    pub fn into_cli(self) -> Result<CliError, i32> {
        match self {
            JqError::Runtime(message) => Ok(CliError::JqFailed { message }),
            JqError::Halt(code) => Err(code),
            JqError::NotJson => Ok(CliError::JqNeedsJson {
                command: "this command".into(),
            }),
            JqError::Io(e) => Ok(CliError::Io {
                what: "cannot write to standard output".into(),
                message: e.to_string(),
            }),
        }
    }
}

impl Jq {
    /// Compiles `expr`; a syntax error or an unknown name says where.
    pub fn compile(expr: &str) -> Result<Jq, CliError> {
        if expr.trim().is_empty() {
            return Err(CliError::InvalidJq {
                expr: expr.to_string(),
                message: "the expression is empty (`.` passes the JSON through as it is)".into(),
                offset: None,
            });
        }
        let extra = jaq_core::load::parse(EXTRA_DEFS, |p| p.defs())
            .expect("netinvite's own jq definitions parse");
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs())
            .chain(extra);
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(
                &arena,
                File {
                    code: expr,
                    path: (),
                },
            )
            .map_err(|errs| load_error(expr, errs))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| compile_error(expr, errs))?;
        Ok(Jq { filter })
    }

    /// Runs the filter on one JSON text (one value, or several separated by whitespace)
    /// and writes the results to `out`.
    pub fn run_text(&self, text: &[u8], out: &mut dyn Write) -> Result<(), JqError> {
        for v in jaq_json::read::parse_many(text) {
            let v = v.map_err(|_| JqError::NotJson)?;
            self.run_value(v, out)?;
        }
        Ok(())
    }

    /// Runs the filter on one value and writes the results to `out`.
    pub fn run_value(&self, input: Val, out: &mut dyn Write) -> Result<(), JqError> {
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        for r in self.filter.id.run((ctx, input)) {
            let v = match r {
                Ok(v) => v,
                Err(exn) => {
                    return Err(match exn.get_err() {
                        Ok(e) => JqError::Runtime(describe(e)),
                        Err(exn) => match exn.get_halt() {
                            Ok(code) => JqError::Halt(code),
                            Err(_) => JqError::Runtime("the filter stopped unexpectedly".into()),
                        },
                    });
                }
            };
            write_result(out, &v).map_err(JqError::Io)?;
        }
        Ok(())
    }

    /// A writer that filters what passes through it: every complete JSON value is run
    /// through the filter as soon as its last byte arrives, so NDJSON streams line by
    /// line and a large array is parsed once.
    pub fn writer<'a>(&'a self, out: &'a mut dyn Write) -> JqWriter<'a> {
        JqWriter {
            jq: self,
            out,
            buf: Vec::new(),
            depth: 0,
            in_str: false,
            escaped: false,
            error: None,
        }
    }
}

/// Strings raw (like `jq -r`), other values as compact JSON; one a line.
fn write_result(out: &mut dyn Write, v: &Val) -> std::io::Result<()> {
    match v {
        Val::TStr(s) | Val::BStr(s) => out.write_all(s)?,
        other => jaq_json::write::write(out, &jaq_json::write::Pp::default(), 0, other)?,
    }
    out.write_all(b"\n")
}

/// See [`Jq::writer`]. Call [`JqWriter::finish`] at the end.
pub struct JqWriter<'a> {
    jq: &'a Jq,
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    depth: usize,
    in_str: bool,
    escaped: bool,
    error: Option<JqError>,
}

impl JqWriter<'_> {
    fn complete(&mut self) -> Result<(), JqError> {
        let text = std::mem::take(&mut self.buf);
        let v = jaq_json::read::parse_single(&text).map_err(|_| JqError::NotJson)?;
        self.jq.run_value(v, self.out)
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), JqError> {
        for &b in bytes {
            if self.buf.is_empty() && b.is_ascii_whitespace() {
                continue;
            }
            if self.in_str {
                self.buf.push(b);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_str = false;
                    if self.depth == 0 {
                        self.complete()?;
                    }
                }
                continue;
            }
            match b {
                b'"' => {
                    self.in_str = true;
                    self.buf.push(b);
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    self.buf.push(b);
                }
                b'}' | b']' => {
                    self.buf.push(b);
                    if self.depth == 0 {
                        return Err(JqError::NotJson);
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        self.complete()?;
                    }
                }
                // The end of a number, `true`, `false` or `null` at the top level.
                b if b.is_ascii_whitespace() && self.depth == 0 => self.complete()?,
                b => self.buf.push(b),
            }
        }
        Ok(())
    }

    /// Filters what is left (a last value without a line break) and reports the first
    /// error met on the way.
    pub fn finish(mut self) -> Result<(), JqError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.in_str || self.depth > 0 {
            return Err(JqError::NotJson);
        }
        if !self.buf.is_empty() {
            self.complete()?;
        }
        self.out.flush().map_err(JqError::Io)
    }
}

impl Write for JqWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.error.is_some() {
            return Err(std::io::Error::other("--jq stopped"));
        }
        match self.feed(bytes) {
            Ok(()) => Ok(bytes.len()),
            Err(JqError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(e),
            Err(e) => {
                self.error = Some(e);
                Err(std::io::Error::other("--jq stopped"))
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A runtime error for people: `error("text")` as written, other messages with the
/// values they quote summarised (an object or array by its kind, a long string by its
/// length), so that no token or whole listing ends up in an error.
fn describe(e: jaq_core::Error<Val>) -> String {
    let text = e.to_string();
    // A message string (from `error("…")` or a built-in) is shown unquoted.
    let text = match e.into_val() {
        Val::TStr(s) => String::from_utf8_lossy(&s).into_owned(),
        _ => text,
    };
    shorten(&summarise(&text), 300)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// Replaces the JSON values quoted in a jaq message by a short description.
fn summarise(text: &str) -> String {
    const LONG: usize = 32;
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len().min(400));
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' | '[' => {
                let kind = if chars[i] == '{' {
                    "an object"
                } else {
                    "an array"
                };
                let mut depth = 0usize;
                let mut in_str = false;
                let mut esc = false;
                while i < chars.len() {
                    let c = chars[i];
                    i += 1;
                    if in_str {
                        match (esc, c) {
                            (true, _) => esc = false,
                            (false, '\\') => esc = true,
                            (false, '"') => in_str = false,
                            _ => {}
                        }
                        continue;
                    }
                    match c {
                        '"' => in_str = true,
                        '{' | '[' => depth += 1,
                        '}' | ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                out.push_str(kind);
            }
            '"' => {
                let start = i;
                i += 1;
                let mut esc = false;
                while i < chars.len() {
                    let c = chars[i];
                    i += 1;
                    match (esc, c) {
                        (true, _) => esc = false,
                        (false, '\\') => esc = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
                let len = i - start;
                if len <= LONG + 2 {
                    out.extend(&chars[start..i]);
                } else {
                    out.push_str(&format!("a string of {} characters", len - 2));
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The byte offset of `part` inside `code`, when it is a slice of it.
fn offset_in(code: &str, part: &str) -> Option<usize> {
    let start = code.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= start && p <= start + code.len()).then(|| p - start)
}

fn load_error(expr: &str, errs: jaq_core::load::Errors<&str, ()>) -> CliError {
    use jaq_core::load::Error;
    let mut first: Option<(String, Option<usize>)> = None;
    for (_, e) in errs {
        let found = match e {
            Error::Io(v) => v.into_iter().next().map(|(path, msg)| {
                (
                    format!("cannot load module {path:?}: {msg}"),
                    offset_in(expr, path),
                )
            }),
            Error::Lex(v) => v
                .into_iter()
                .next()
                .map(|(expect, at)| (format!("expected {}", expect.as_str()), offset_in(expr, at))),
            Error::Parse(v) => v.into_iter().next().map(|(expect, at)| {
                let found = if at.is_empty() {
                    "the end of the expression".to_string()
                } else {
                    format!("{:?}", shorten(at, 20))
                };
                (
                    format!("expected {}, found {found}", expect.as_str()),
                    offset_in(expr, at),
                )
            }),
        };
        if found.is_some() {
            first = found;
            break;
        }
    }
    let (message, offset) = first.unwrap_or_else(|| ("it does not parse".into(), None));
    invalid(expr, message, offset)
}

/// The error for `expr`, its message ending with where (`at column 7`).
fn invalid(expr: &str, message: String, offset: Option<usize>) -> CliError {
    let message = match offset.and_then(|at| expr.get(..at)) {
        Some(before) => format!("{message} at column {}", before.chars().count() + 1),
        None => message,
    };
    CliError::InvalidJq {
        expr: expr.to_string(),
        message,
        offset,
    }
}

fn compile_error(expr: &str, errs: jaq_core::compile::Errors<&str, ()>) -> CliError {
    let first = errs
        .into_iter()
        .flat_map(|(_, v)| v)
        .next()
        .map(|(name, undefined)| {
            let what = match undefined {
                jaq_core::compile::Undefined::Filter(arity) => {
                    format!("unknown filter `{name}/{arity}`")
                }
                other => format!("unknown {} `{name}`", other.as_str()),
            };
            (what, offset_in(expr, name))
        });
    let (message, offset) = first.unwrap_or_else(|| ("it does not compile".into(), None));
    invalid(expr, message, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(expr: &str, input: &str) -> Result<String, JqError> {
        let jq = Jq::compile(expr).unwrap_or_else(|e| panic!("{}", e.message()));
        let mut out = Vec::new();
        jq.run_text(input.as_bytes(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn stream(expr: &str, chunks: &[&str]) -> Result<String, JqError> {
        let jq = Jq::compile(expr).unwrap();
        let mut out = Vec::new();
        let mut w = jq.writer(&mut out);
        for c in chunks {
            if w.write_all(c.as_bytes()).is_err() {
                break;
            }
        }
        w.finish()?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn strings_raw_other_values_compact() {
        let input =
            r#"[{"id":1,"email":"a@x.org","ok":true},{"id":2,"email":"b@x.org","ok":false}]"#;
        assert_eq!(run(".[].email", input).unwrap(), "a@x.org\nb@x.org\n");
        assert_eq!(
            run(".[] | {id, ok}", input).unwrap(),
            "{\"id\":1,\"ok\":true}\n{\"id\":2,\"ok\":false}\n"
        );
        assert_eq!(run("length", input).unwrap(), "2\n");
        assert_eq!(run("map(.id) | @csv", input).unwrap(), "1,2\n");
        assert_eq!(
            run(r#"[.[0].email, "tab\there", null, 3] | @tsv"#, input).unwrap(),
            "a@x.org\ttab\\there\t\t3\n"
        );
        assert_eq!(
            run(r#"["say \"hi\"", true] | @csv"#, "null").unwrap(),
            "\"say \"\"hi\"\"\",true\n"
        );
        assert_eq!(
            run(r#".[] | select(.email | test("^b")) | .id"#, input).unwrap(),
            "2\n"
        );
    }

    #[test]
    fn the_writer_filters_each_value_whatever_the_chunks() {
        let ndjson = "{\"id\":1,\"s\":\"a]}\\\"\"}\n{\"id\":2,\"s\":\"b\"}\n";
        assert_eq!(stream(".id", &[ndjson]).unwrap(), "1\n2\n");
        // Split at every byte: boundaries come from the JSON, not from the writes.
        let bytes: Vec<String> = ndjson.chars().map(|c| c.to_string()).collect();
        let refs: Vec<&str> = bytes.iter().map(String::as_str).collect();
        assert_eq!(stream(".s", &refs).unwrap(), "a]}\"\nb\n");
        let pretty = "[\n  {\n    \"id\": 7\n  }\n]\n";
        assert_eq!(stream(".[0].id", &[pretty]).unwrap(), "7\n");
        assert_eq!(stream(".", &["12 true \"x\""]).unwrap(), "12\ntrue\nx\n");
        assert!(matches!(
            stream(".", &["not json\n"]),
            Err(JqError::NotJson)
        ));
    }

    #[test]
    fn compile_errors_say_where() {
        let e = Jq::compile(".[] | select(.status ==").err().unwrap();
        assert_eq!(e.exit_code(), crate::error::USAGE);
        assert_eq!(e.code(), "invalid_jq");
        let CliError::InvalidJq {
            message, offset, ..
        } = &e
        else {
            panic!()
        };
        assert!(message.contains("expected"), "{message}");
        assert!(offset.is_some());
        assert!(Jq::compile("  ").err().unwrap().message().contains("empty"));
        let e = Jq::compile(".[] | nosuchfilter").err().unwrap();
        assert!(e.message().contains("nosuchfilter"), "{}", e.message());
        let CliError::InvalidJq { offset, .. } = &e else {
            panic!()
        };
        assert_eq!(*offset, Some(6));
    }

    #[test]
    fn runtime_errors_never_quote_whole_values() {
        let token = "DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE";
        let input = format!(r#"[{{"id":1,"token":"{token}"}}]"#);
        let Err(JqError::Runtime(m)) = run(".foo", &input) else {
            panic!()
        };
        assert!(!m.contains(token), "{m}");
        assert!(m.contains("an array"), "{m}");
        let Err(JqError::Runtime(m)) = run(".[0].token | tonumber", &input) else {
            panic!()
        };
        assert!(!m.contains(token), "{m}");
        let Err(JqError::Runtime(m)) = run(r#"error("stop here")"#, "null") else {
            panic!()
        };
        assert_eq!(m, "stop here");
        assert!(matches!(
            run("halt_error(5)", "null"),
            Err(JqError::Halt(5))
        ));
    }
}

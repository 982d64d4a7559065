//! `netinvite api PATH` — any request on the signed-in server, as `gh api` does: the
//! escape hatch for what no command covers yet.
//!
//! The request goes through the API client like every other one: the stored sign-in, a
//! renewal on 401 (`Session::raw`), the retry policy of reads for GET and of writes for
//! anything else, the body caps, and `-v` lines that never show a token (a user's own
//! `Authorization` header included). The answer's body goes to stdout as received,
//! whatever its status; a status outside 2xx also prints one error line on stderr and
//! sets the exit status (`error::api_status_exit`).
//!
//! Paths: `api/invitations`, `/api/invitations` and `invitations` all mean
//! `/api/invitations` (every endpoint lives under `/api`, so a path without that prefix
//! gets it, as `gh api` paths are relative to its API root). A query string is kept; a
//! full URL, a fragment or a `..` segment is refused: requests never leave the server.
//!
//! Fields: `-f key=value` is a string, `-F key=value` is typed (integer, float, `true`,
//! `false`, `null`, `@FILE` for a file's text, `@-` for stdin's; anything else stays a
//! string). With fields the method defaults to POST and they form a JSON object body; with
//! `-X GET` (or `--input`) they go to the query string instead, as with `gh api`.

use std::io::Read;

use clap::Args;

use crate::api::{HeaderName, HeaderValue, Method, RawRequest};
use crate::context::Context;
use crate::error::{CliError, detail_text};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite api /api/networks\n  netinvite api 'api/invitations?status_filter=pending' --jq '.[].email'\n  netinvite api api/invitations -F network_id=3 -f email=ana@example.com -f role=member\n  netinvite api -X DELETE api/invitations/42\n  netinvite api api/invitations --input new.json\n\nA status outside 2xx keeps the body on stdout and exits 4 (401), 5 (403), 3 (404),\n6 (409, 410), 7 (5xx) or 1 (any other)."
)]
pub struct ApiArgs {
    /// Path on the server, e.g. api/invitations or /api/networks (a query string may
    /// follow; `api/` is added when missing)
    #[arg(value_name = "PATH")]
    pub path: String,

    /// HTTP method [default: GET, or POST with fields or --input]
    #[arg(long = "method", short = 'X', value_name = "METHOD")]
    pub method: Option<String>,

    /// A string field of the JSON body (key=value; in the query string with GET)
    #[arg(long = "raw-field", short = 'f', value_name = "KEY=VALUE")]
    pub raw_fields: Vec<String>,

    /// A typed field: numbers, true, false and null as JSON, @FILE (or @-) for a file's
    /// text, anything else a string
    #[arg(long = "field", short = 'F', value_name = "KEY=VALUE")]
    pub fields: Vec<String>,

    /// Send this file (or - for stdin) as the body, as it is (fields then go to the query
    /// string)
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,

    /// An extra request header (Name: value); your own Authorization replaces the
    /// stored sign-in's
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
}

pub async fn run(ctx: &mut Context, args: ApiArgs) -> Result<(), CliError> {
    let (path, mut query) = parse_path(&args.path)?;
    let mut fields: Vec<(String, serde_json::Value)> = Vec::new();
    for f in &args.raw_fields {
        let (k, v) = split_field(f, "-f")?;
        fields.push((k, serde_json::Value::String(v)));
    }
    for f in &args.fields {
        let (k, v) = split_field(f, "-F")?;
        fields.push((k, typed_value(&v)?));
    }
    let method = match &args.method {
        Some(m) => parse_method(m)?,
        None if !fields.is_empty() || args.input.is_some() => Method::POST,
        None => Method::GET,
    };
    let body = if let Some(input) = &args.input {
        query.extend(fields.iter().map(|(k, v)| (k.clone(), query_text(v))));
        Some(read_input(input)?)
    } else if fields.is_empty() {
        None
    } else if method == Method::GET || method == Method::HEAD {
        query.extend(fields.iter().map(|(k, v)| (k.clone(), query_text(v))));
        None
    } else {
        let object: serde_json::Map<String, serde_json::Value> = fields.into_iter().collect();
        Some(serde_json::Value::Object(object).to_string().into_bytes())
    };
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    if ctx.io.verbose() && !headers.is_empty() {
        ctx.io
            .debug(&format!("extra headers: {}", shown_headers(&headers)));
    }
    let req = RawRequest {
        method: method.clone(),
        path,
        query,
        headers,
        body: body.map(bytes::Bytes::from),
    };
    let mut session = ctx.session().await?;
    let answer = session.raw(&req).await?;
    let body = &answer.body[..];
    let ok = (200..300).contains(&answer.status);
    if ok && ctx.io.jq.is_some() {
        // `--jq` filters the JSON answer; an empty one (a 204) has nothing to filter.
        if !body.trim_ascii().is_empty() {
            ctx.io.out_with(|w| w.write_all(body))?;
        }
    } else if !body.is_empty() {
        // The body as received; a terminal also gets the final newline it may lack.
        ctx.io.out_raw(body)?;
        if ctx.io.stdout_tty && !body.ends_with(b"\n") {
            ctx.io.out_raw(b"\n")?;
        }
    }
    if ok {
        return Ok(());
    }
    Err(CliError::ApiStatus {
        method: method.as_str().to_string(),
        path: req.path.clone(),
        status: answer.status,
        detail: detail_text(&answer.detail()),
        server: session.server().to_string(),
        from_env: session.token_from_env(),
    })
}

/// Splits PATH into the path under the server's base (always starting with `api`) and
/// its query pairs; see the module docs for what is refused.
pub fn parse_path(input: &str) -> Result<(String, Vec<(String, String)>), CliError> {
    let bad = |reason| CliError::ApiPath {
        input: input.to_string(),
        reason,
    };
    let t = input.trim();
    if t.contains("://") || t.starts_with("//") {
        return Err(bad(
            "a full URL; netinvite only sends requests to the signed-in server",
        ));
    }
    if t.contains('#') {
        return Err(bad("a fragment (#…) is never sent to a server"));
    }
    let (path, q) = match t.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (t, None),
    };
    let path = path.trim_start_matches('/');
    if path.split('/').any(|s| s == ".." || s == ".") {
        return Err(bad("`.` and `..` segments are not allowed"));
    }
    if path.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("spaces and control characters belong percent-encoded"));
    }
    let path = if path == "api" || path.starts_with("api/") {
        path.to_string()
    } else if path.is_empty() {
        "api".to_string()
    } else {
        format!("api/{path}")
    };
    let query = q
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    Ok((path, query))
}

fn parse_method(m: &str) -> Result<Method, CliError> {
    let upper = m.trim().to_ascii_uppercase();
    if upper.is_empty() || !upper.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(CliError::Usage {
            message: format!("{m:?} is not an HTTP method"),
            hint: Some("e.g. -X GET, -X POST, -X DELETE".into()),
        });
    }
    Method::from_bytes(upper.as_bytes()).map_err(|_| CliError::Usage {
        message: format!("{m:?} is not an HTTP method"),
        hint: Some("e.g. -X GET, -X POST, -X DELETE".into()),
    })
}

fn split_field(f: &str, flag: &str) -> Result<(String, String), CliError> {
    match f.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(CliError::Usage {
            message: format!("{flag} {f:?}: expected key=value"),
            hint: Some(format!("e.g. {flag} email=ana@example.com")),
        }),
    }
}

/// A `-F` value: JSON's scalars, a file's text with `@`, else the string itself.
pub fn typed_value(v: &str) -> Result<serde_json::Value, CliError> {
    use serde_json::Value;
    Ok(match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ if v.starts_with('@') => {
            let bytes = read_input(&v[1..])?;
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => {
            if let Ok(n) = v.parse::<i64>() {
                Value::from(n)
            } else if let Some(n) = v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && v.bytes().any(|b| b.is_ascii_digit()))
                .and_then(serde_json::Number::from_f64)
            {
                Value::Number(n)
            } else {
                Value::String(v.to_string())
            }
        }
    })
}

/// A field in a query string: a string as it is, `null` as empty, the rest as JSON.
fn query_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The body of `--input` (or of a `-F key=@FILE`): a file, or stdin for `-`.
fn read_input(source: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    if source == "-" {
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::Io {
                what: "cannot read standard input".into(),
                message: e.to_string(),
            })?;
        return Ok(buf);
    }
    std::fs::read(source).map_err(|e| CliError::Io {
        what: format!("cannot read {source}"),
        message: e.to_string(),
    })
}

fn parse_header(h: &str) -> Result<(HeaderName, HeaderValue), CliError> {
    let bad = || CliError::Usage {
        message: format!(
            "-H {:?}: expected \"Name: value\"",
            crate::output::printable(h.split(':').next().unwrap_or(""))
        ),
        hint: Some("e.g. -H 'Accept: application/json'".into()),
    };
    let (name, value) = h.split_once(':').ok_or_else(bad)?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
    let mut value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
    if name == crate::api::HeaderName::from_static("authorization") {
        value.set_sensitive(true);
    }
    Ok((name, value))
}

/// The extra headers for `-v`: names, and values except credentials.
fn shown_headers(headers: &[(HeaderName, HeaderValue)]) -> String {
    headers
        .iter()
        .map(|(n, v)| {
            let secret = v.is_sensitive()
                || matches!(
                    n.as_str(),
                    "authorization" | "cookie" | "proxy-authorization"
                );
            if secret {
                format!("{n}: <redacted>")
            } else {
                format!("{n}: {}", v.to_str().unwrap_or("<binary>"))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_live_under_api_on_this_server() {
        assert_eq!(parse_path("/api/invitations").unwrap().0, "api/invitations");
        assert_eq!(parse_path("api/invitations").unwrap().0, "api/invitations");
        assert_eq!(parse_path("invitations").unwrap().0, "api/invitations");
        assert_eq!(parse_path("/").unwrap().0, "api");
        let (p, q) = parse_path("api/invitations?status_filter=pending&network_id=3").unwrap();
        assert_eq!(p, "api/invitations");
        assert_eq!(
            q,
            vec![
                ("status_filter".into(), "pending".into()),
                ("network_id".into(), "3".into())
            ]
        );
        for bad in [
            "https://evil.example/api",
            "//evil.example/api",
            "api/../../x",
            "api/x#frag",
        ] {
            assert!(
                matches!(parse_path(bad), Err(CliError::ApiPath { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn typed_fields() {
        use serde_json::json;
        assert_eq!(typed_value("3").unwrap(), json!(3));
        assert_eq!(typed_value("-2.5").unwrap(), json!(-2.5));
        assert_eq!(typed_value("true").unwrap(), json!(true));
        assert_eq!(typed_value("null").unwrap(), json!(null));
        assert_eq!(typed_value("lab").unwrap(), json!("lab"));
        assert_eq!(typed_value("inf").unwrap(), json!("inf"));
        assert_eq!(typed_value("").unwrap(), json!(""));
    }

    #[test]
    fn credentials_are_redacted_in_verbose_lines() {
        let h = vec![
            parse_header("Authorization: Bearer s3cr3t").unwrap(),
            parse_header("Accept: application/json").unwrap(),
        ];
        let shown = shown_headers(&h);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("authorization: <redacted>"), "{shown}");
        assert!(shown.contains("accept: application/json"), "{shown}");
    }
}

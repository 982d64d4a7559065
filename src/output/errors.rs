//! How an error reads: readable lines for people, one JSON object for scripts.
//!
//! Messages often carry server text (a `detail`, an email, a 5xx page); the readable form
//! makes every line printable, the JSON form keeps the exact text.

use super::printable_lines;
use crate::error::CliError;
use crate::style::Style;

/// `error: …`, one indented line per detail, then `hint: …`; `paint` colours the labels.
pub fn error_human(e: &CliError, paint: &dyn Fn(Style, &str) -> String) -> String {
    let mut out = format!(
        "{} {}\n",
        paint(Style::Red, "error:"),
        printable_lines(&e.message())
    );
    for d in e.details() {
        out.push_str(&format!("  {}\n", printable_lines(&d)));
    }
    if let Some(h) = e.hint() {
        out.push_str(&format!(
            "  {} {}\n",
            paint(Style::Bold, "hint:"),
            printable_lines(&h)
        ));
    }
    out
}

/// `{"error": {code, message, details, hint, exit_code}}` (docs/json.md).
pub fn error_json(e: &CliError) -> serde_json::Value {
    serde_json::json!({
        "error": {
            "code": e.code(),
            "message": e.message(),
            "details": e.details(),
            "hint": e.hint(),
            "exit_code": e.exit_code(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_in_errors_is_escaped_for_people_only() {
        let e = CliError::PermissionDenied {
            detail: "no\x1b]0;pwned\x07 \u{202e}way".into(),
        };
        let text = error_human(&e, &|_, t| t.to_string());
        assert!(text.starts_with("error: permission denied: no\\x1b]0;pwned\\x07 \\u{202e}way\n"));
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}']));
        let v = error_json(&e);
        assert_eq!(
            v["error"]["message"],
            "permission denied: no\x1b]0;pwned\x07 \u{202e}way"
        );
    }
}

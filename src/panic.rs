//! The crash report: a panic (a bug in netinvite) prints a short, secret-free report on
//! stderr and exits 101, instead of Rust's default message.
//!
//! Why replace the default: a panic message may quote a value (a response body, a header,
//! a token set) and the default hook prints it verbatim. Here the message goes through
//! [`redact`] first. No backtrace is printed unless `RUST_BACKTRACE` asks for one; a
//! backtrace holds function names and lines only, never values, so it is safe to paste.
//! The process exits from the hook, whichever thread panicked: a half-finished command
//! must not carry on as if nothing happened.

use std::fmt::Write as _;
use std::io::Write as _;

/// Where bugs are filed: the package's repository (Cargo.toml `repository`) when set.
pub fn bug_tracker() -> String {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "netinvite's issue tracker".to_string(),
        repo => format!("{}/issues", repo.trim_end_matches('/')),
    }
}

/// The exit status after a panic (what Rust itself uses).
pub const EXIT_PANIC: i32 = 101;

/// Installs the hook; call it first thing in `main`.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "(no message)".to_string()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        let mut text = report(env!("CARGO_PKG_VERSION"), location.as_deref(), &message);
        if wants_backtrace() {
            let bt = std::backtrace::Backtrace::force_capture();
            let _ = writeln!(text, "\nbacktrace (function names and lines only):\n{bt}");
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
        std::process::exit(EXIT_PANIC);
    }));
}

fn wants_backtrace() -> bool {
    std::env::var_os("RUST_BACKTRACE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The report printed on a panic.
pub fn report(version: &str, location: Option<&str>, message: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "netinvite {version} crashed: this is a bug in netinvite."
    );
    let _ = writeln!(s, "  at: {}", location.unwrap_or("(unknown location)"));
    let _ = writeln!(s, "  message: {}", redact(message));
    let _ = writeln!(
        s,
        "Please report it at {} with the command you ran (leave out any token).",
        bug_tracker()
    );
    s
}

const REDACTED: &str = "[redacted]";

/// Keys whose value is a secret, when followed by `=`, `:` or `": "`.
const SECRET_KEYS: &[&str] = &[
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "client_secret",
    "secret",
    "password",
    "code_verifier",
    "device_code",
    "authorization",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' || b == b'~'
}

/// Replaces anything token-shaped in `text` with `[redacted]`: JWTs (`eyJ…`), the word
/// after `Bearer`, the value of a `*token`/`secret`/`password` key, and any run of 32 or
/// more URL-safe characters mixing letters and digits (invitation tokens are 43).
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Set after a secret key or `Bearer`: the next word is the secret.
    let mut secret_next = false;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            let c = text[i..].chars().next().unwrap_or(' ');
            // The separator between a key and its value keeps the flag; anything else
            // (a comma, a newline, a bracket) clears it.
            if !matches!(c, ' ' | '\t' | '=' | ':' | '"' | '\'') {
                secret_next = false;
            }
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        // A full stop ends a sentence, not a token.
        while i > start + 1 && bytes[i - 1] == b'.' {
            i -= 1;
        }
        let word = &text[start..i];
        let lower = word.to_ascii_lowercase();
        // `Authorization: Bearer X`: the scheme stays, the credential after it goes.
        if secret_next && (lower == "bearer" || lower == "basic") {
            out.push_str(word);
            continue;
        }
        if secret_next || token_shaped(word) {
            out.push_str(REDACTED);
            secret_next = false;
            continue;
        }
        out.push_str(word);
        secret_next = lower == "bearer"
            || SECRET_KEYS.iter().any(|k| lower == *k)
            || lower.ends_with("_token")
            || lower.ends_with("-token");
        // "Bearer" and keys must be followed by their separator directly, not by a word
        // that merely starts a sentence: `token expired` keeps "expired".
        if secret_next && lower != "bearer" {
            let rest = &text[i..];
            let sep = rest.trim_start_matches([' ', '\t', '"', '\'']);
            secret_next = sep.starts_with('=') || sep.starts_with(':');
        }
    }
    out
}

/// A JWT, or a long run of URL-safe characters with both letters and digits.
fn token_shaped(word: &str) -> bool {
    if word.starts_with("eyJ") && word.len() >= 16 {
        return true;
    }
    word.split('.').any(|part| {
        part.len() >= 32
            && part.bytes().any(|b| b.is_ascii_digit())
            && part.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

/// Panics on purpose: the body of the hidden `__panic` subcommand, which the tests use to
/// see the report end to end. The message carries fake secrets that must not show.
pub fn deliberate() -> ! {
    panic!(
        "deliberate crash for testing; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl, refresh_token=rt-Secret-Value-123, link https://n.example/invitations/accept/DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
    const INVITE: &str = "DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE";

    #[test]
    fn jwts_bearers_and_invitation_tokens_are_redacted() {
        let r = redact(&format!("Authorization: Bearer {JWT}"));
        assert_eq!(r, "Authorization: Bearer [redacted]");
        let r = redact(&format!("bearer opaque-token-42 then {INVITE}."));
        assert_eq!(r, "bearer [redacted] then [redacted].");
        let r = redact(&format!("https://n.example/invitations/accept/{INVITE}"));
        assert_eq!(r, "https://n.example/invitations/accept/[redacted]");
        assert_eq!(redact(&format!("got {JWT}")), "got [redacted]");
    }

    #[test]
    fn secret_keys_lose_their_values() {
        assert_eq!(
            redact(r#"{"refresh_token": "abc", "expires_in": 300}"#),
            r#"{"refresh_token": "[redacted]", "expires_in": 300}"#
        );
        assert_eq!(
            redact("access_token=xyz&state=1"),
            "access_token=[redacted]&state=1"
        );
        assert_eq!(redact("password: hunter2"), "password: [redacted]");
        assert_eq!(redact("client_secret='s3'"), "client_secret='[redacted]'");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let t = "index out of bounds: the len is 3 but the index is 7 (token expired, src/api/mod.rs:12)";
        assert_eq!(redact(t), t);
        assert_eq!(
            redact("invitation 42 to network \"lab\""),
            "invitation 42 to network \"lab\""
        );
        assert_eq!(redact("ünïcode ✓ ok"), "ünïcode ✓ ok");
    }

    #[test]
    fn the_report_is_short_and_points_to_the_issue_tracker() {
        let r = report("1.2.3", Some("src/x.rs:1:2"), &format!("bad {JWT}"));
        assert!(r.starts_with("netinvite 1.2.3 crashed: this is a bug in netinvite.\n"));
        assert!(r.contains("  at: src/x.rs:1:2\n"));
        assert!(r.contains("  message: bad [redacted]\n"));
        assert!(r.contains(&bug_tracker()));
        assert!(r.contains("Please report it"));
        assert!(!r.contains("eyJ"));
        assert_eq!(r.lines().count(), 4);
    }
}

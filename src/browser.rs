//! Opening a page in the user's browser: `login`'s sign-in page and the web UI pages of
//! `--web`. `$BROWSER` is honoured (the first of a `:`-separated list, `%s` replaced by
//! the URL, else the URL appended), then the desktop's opener; where no browser can open
//! (SSH without a display), the URL is printed instead.

use crate::context::Context;
use crate::error::CliError;

/// `--web`: opens `path` of the web UI of the selected profile (its `public-url`, which
/// invitation links also use, else its server) in the browser, or prints the URL on
/// stdout where no browser can open; with `--json`, `{"url": …, "opened": …}` either
/// way. No request is made and no sign-in is needed.
///
/// One line per command: `return crate::browser::open_page(ctx, "/audit");` (for
/// `members list --web`: `&format!("/networks/{id}/users")`).
pub fn open_page(ctx: &Context, path: &str) -> Result<(), CliError> {
    let selected = ctx.select()?;
    let url = format!(
        "{}/{}",
        selected.public_base(),
        path.trim_start_matches('/')
    );
    let opened = can_open() && open(&url);
    if ctx.io.json {
        let v = serde_json::json!({ "url": url, "opened": opened });
        return ctx.io.out(&crate::output::json::to_pretty(&v));
    }
    if opened {
        ctx.io.status(&format!("Opening {url} in your browser."));
        return Ok(());
    }
    ctx.io.outln(&url)
}

/// Whether a browser can be opened here: `$BROWSER`, a desktop session, macOS, Windows;
/// not over SSH without a display.
pub fn can_open() -> bool {
    if std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty()) {
        return true;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return std::env::var_os("SSH_CONNECTION").is_none();
    }
    let display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    display && which("xdg-open")
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// Opens `url` with `$BROWSER` (the first of a `:`-separated list; `%s` is replaced),
/// else the desktop's opener; whether it could be started. Never pass a URL holding a
/// secret: the command line of a process is visible to others (sign-in URLs carry only
/// the PKCE challenge).
pub fn open(url: &str) -> bool {
    use std::process::{Command, Stdio};
    let mut cmd = if let Some(b) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let first = b
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        let mut parts = first.split_whitespace();
        let Some(prog) = parts.next() else {
            return false;
        };
        let mut c = Command::new(prog);
        let mut replaced = false;
        for p in parts {
            if p.contains("%s") {
                c.arg(p.replace("%s", url));
                replaced = true;
            } else {
                c.arg(p);
            }
        }
        if !replaced {
            c.arg(url);
        }
        c
    } else if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else if cfg!(target_os = "windows") {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", "", url]);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

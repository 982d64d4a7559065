//! Putting text on the clipboard so that it outlives netinvite.
//!
//! On X11 the clipboard is owned by a running program: content set by a process that then
//! exits is gone, unless a clipboard manager took it. So netinvite starts a copy of itself
//! (`__hold-clipboard`, detached, in its own process group, the text passed on stdin —
//! never in argv) that owns the selection until another program takes it or a deadline
//! passes (`NETINVITE_CLIPBOARD_SECONDS`, default 600). The parent returns once it reads
//! the text back. Elsewhere the OS keeps clipboard content by itself.

use std::time::{Duration, Instant};

/// How long the holder keeps the selection at most.
fn hold_seconds() -> u64 {
    std::env::var("NETINVITE_CLIPBOARD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(600)
}

fn reason(e: arboard::Error) -> String {
    match e {
        arboard::Error::ClipboardNotSupported => "this system has no supported clipboard".into(),
        other => {
            let s = other.to_string();
            if s.contains("unreachable") || s.contains("connection") || s.contains("DISPLAY") {
                "no display to hold a clipboard".into()
            } else {
                s
            }
        }
    }
}

/// Copies `text`; the error says why the clipboard is not available.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn copy(text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty())
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err("no display (DISPLAY is not set)".into());
    }
    let mut reader = arboard::Clipboard::new().map_err(reason)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("__hold-clipboard")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir("/")
        .process_group(0)
        .env("NETINVITE_CLIPBOARD_SECONDS", hold_seconds().to_string())
        .spawn()
        .map_err(|e| format!("cannot start the clipboard holder: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot hand the text to the clipboard holder: {e}"))?;
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if reader.get_text().is_ok_and(|t| t == text) {
            return Ok(());
        }
        if let Ok(Some(_)) = child.try_wait() {
            return Err("the clipboard holder stopped before taking the clipboard".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    Err("the clipboard did not take the text in time".into())
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn copy(text: &str) -> Result<(), String> {
    arboard::Clipboard::new()
        .and_then(|mut c| c.set_text(text.to_string()))
        .map_err(reason)
}

/// The holder: reads the text from stdin and owns the selection until replaced or the
/// deadline passes.
pub fn hold() -> std::process::ExitCode {
    use std::io::Read;
    let mut text = String::new();
    if std::io::stdin()
        .take(1024 * 1024)
        .read_to_string(&mut text)
        .is_err()
        || text.is_empty()
    {
        return std::process::ExitCode::from(1);
    }
    let deadline = Instant::now() + Duration::from_secs(hold_seconds());
    let Ok(mut cb) = arboard::Clipboard::new() else {
        return std::process::ExitCode::from(1);
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    let res = {
        use arboard::SetExtLinux;
        cb.set().wait_until(deadline).text(text)
    };
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let res = {
        let _ = deadline;
        cb.set_text(text)
    };
    match res {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::from(1),
    }
}

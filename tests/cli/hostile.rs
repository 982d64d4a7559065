//! Hostile input through the real binary: server text full of terminal escapes, and
//! answers no Nebula Commander sends (50 MB bodies, 100,000-deep nesting, invalid UTF-8,
//! NUL bytes, bodies that never end). netinvite must say what happened, exit 7, keep its
//! memory bounded, and never pass a control character to the terminal.
//!
//! The odd answers come from a small raw TCP server in this file: the stand-in speaks
//! only well-formed HTTP and JSON.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

const NASTY_EMAIL: &str = "ana\x1b[31m\r@ex\u{202e}ample.com";
const NASTY_NETWORK: &str = "lab\x1b]0;owned\x07\u{202e}\u{9b}2J";

/// Characters that must never reach a terminal raw (beyond the line breaks of output).
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| c != '\n' && netinvite::output::needs_escape(c))
        .collect()
}

#[track_caller]
fn assert_clean(what: &str, s: &str) {
    let found = raw_controls(s);
    assert!(found.is_empty(), "{what} has raw {found:?}:\n{s:?}");
}

#[test]
fn control_characters_from_the_server_are_shown_escaped_and_kept_in_json() {
    let w = World::new();
    let net = w.server.add_network(NASTY_NETWORK, "10.42.0.0/16");
    let seeded = w.server.add_invitation(InvitationSeed {
        email: NASTY_EMAIL.into(),
        network_id: net,
        email_status: "failed".into(),
        email_error: Some("SMTP said \x1b[2J\x1b[H\u{2066}gone".into()),
        ..Default::default()
    });
    let _ = w.login();
    let id = seeded.id.to_string();
    let plain = [("NO_COLOR", "1")];
    let tty = [
        ("NO_COLOR", "1"),
        ("NETINVITE_FORCE_TTY", "1"),
        ("COLUMNS", "400"),
    ];

    let table = w.run_with(&["list"], &tty, None).ok();
    assert_clean("the table", &table.stdout);
    assert!(
        table.stdout.contains(r"ana\x1b[31m\r@ex\u{202e}ample.com"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains(r"lab\x1b]0;owned\x07\u{202e}\u{9b}2J")
    );

    let tsv = w.run_with(&["list"], &plain, None).ok();
    assert_clean("TSV", &tsv.stdout.replace('\t', " "));
    let fields: Vec<&str> = tsv.stdout.trim_end_matches('\n').split('\t').collect();
    assert_eq!(fields.len(), 13, "one row, 13 fields: {:?}", tsv.stdout);
    assert_eq!(fields[1], r"ana\x1b[31m\r@ex\u{202e}ample.com");

    let csv = w.run_with(&["list", "--format", "csv"], &plain, None).ok();
    assert_clean("CSV", &csv.stdout);
    assert_eq!(csv.stdout.lines().count(), 2);

    for env in [&plain[..], &tty[..]] {
        let show = w.run_with(&["show", &id], env, None).ok();
        assert_clean("show", &show.stdout);
        assert!(show.stdout.contains(r"SMTP said \x1b[2J\x1b[H\u{2066}gone"));
    }

    // Scripts get the exact bytes, escaped by JSON itself.
    let json = w.run(&["list", "--json"]).ok();
    assert!(!json.stdout.contains('\x1b'));
    let v = json.json();
    assert_eq!(v[0]["email"], NASTY_EMAIL);
    assert_eq!(v[0]["network_name"], NASTY_NETWORK);
    let ndjson = w.run(&["list", "--format", "ndjson", "--json"]).ok();
    let line: Value = serde_json::from_str(ndjson.stdout.trim()).unwrap();
    assert_eq!(line["email"], NASTY_EMAIL);

    // Status lines on stderr quote the server too.
    let revoke = w.run_with(&["revoke", &id, "--yes"], &plain, None).ok();
    assert_clean("revoke's stderr", &revoke.stderr);
    assert!(
        revoke.stderr.contains(r"ana\x1b[31m\r@ex"),
        "{}",
        revoke.stderr
    );
}

// ---- a raw server for answers the stand-in cannot give

/// What the raw server does with one request for `/api/invitations`.
#[derive(Clone, Copy)]
enum Answer {
    /// `status`, `content-type`, the body, and whether to send `Content-Length`.
    Body {
        status: u16,
        json: bool,
        body: Body,
        length: bool,
    },
    /// `200 application/json`, then `[` and an endless array, as fast as it is read.
    Endless,
    /// `200 application/json`, then one byte every 50 ms, for at most 60 s.
    Trickle,
}

/// Serves `answer` on 127.0.0.1:0 for `/api/invitations` (`[]` elsewhere); returns the
/// base URL. Each connection is a thread; each ends when the client goes away.
fn raw_server(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, answer));
        }
    });
    url
}

fn serve(mut s: TcpStream, answer: Answer) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    if !path.starts_with("/api/invitations") {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]",
        );
        return;
    }
    let start = |s: &mut TcpStream| {
        s.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[",
        )
    };
    match answer {
        Answer::Body {
            status,
            json,
            body,
            length,
        } => {
            let body = body();
            let mut h = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {}\r\nconnection: close\r\n",
                if json {
                    "application/json"
                } else {
                    "text/plain; charset=utf-8"
                }
            );
            if length {
                h.push_str(&format!("content-length: {}\r\n", body.len()));
            }
            h.push_str("\r\n");
            let _ = s.write_all(h.as_bytes()).and_then(|_| s.write_all(&body));
        }
        Answer::Endless => {
            if start(&mut s).is_err() {
                return;
            }
            let chunk = invitation_json().repeat(64).into_bytes();
            // Bounded all the same: 1 GiB, far past netinvite's limit.
            for _ in 0..(1 << 30) / chunk.len() {
                if s.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        Answer::Trickle => {
            if start(&mut s).is_err() {
                return;
            }
            for _ in 0..1200 {
                std::thread::sleep(Duration::from_millis(50));
                if s.write_all(b" ").is_err() {
                    return;
                }
            }
        }
    }
}

fn invitation_json() -> String {
    r#"{"id":1,"email":"bob@example.com","network_id":1,"network_name":"alpha","invited_by_user_id":1,"invited_by_email":"dev@localhost","token":"DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE","role":"owner","can_manage_nodes":true,"can_invite_users":true,"can_manage_firewall":false,"status":"pending","expires_at":"2026-12-25T01:54:59.366856","accepted_at":null,"created_at":"2026-11-25T01:54:59.367200","email_status":"not_sent","email_sent_at":null,"email_error":null},"#.to_string()
}

/// A JSON array of invitations of about 50 MB.
fn fifty_mb_list() -> Vec<u8> {
    let one = invitation_json();
    let mut body = String::with_capacity(50_000_100);
    body.push('[');
    while body.len() < 50_000_000 {
        body.push_str(&one);
    }
    body.pop();
    body.push(']');
    body.into_bytes()
}

/// Makes a body (a plain function, so that [`Answer`] stays `Copy`).
type Body = fn() -> Vec<u8>;

fn deep_nesting() -> Vec<u8> {
    let mut b = vec![b'['; 100_000];
    b.extend(std::iter::repeat_n(b']', 100_000));
    b
}

/// A run of `netinvite list` against `url`, and its peak resident memory in KiB (the
/// kernel's high-water mark, read until the process ends).
fn list_against(w: &World, url: &str, args: &[&str], env: &[(&str, &str)]) -> (Run, u64) {
    let mut c = w.command(&[&["--server", url, "list"][..], args].concat());
    c.env("NETINVITE_TOKEN", "hostile-test-token")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watcher = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            while let Ok(s) = std::fs::read_to_string(&status_file) {
                if let Some(kb) = s
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
                {
                    peak.store(kb, std::sync::atomic::Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    let _ = watcher.join();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, peak.load(std::sync::atomic::Ordering::Relaxed))
}

/// Peak memory allowed for a refused body: the binary itself plus the 32 MiB limit and
/// some slack, far below what reading 50 MB (or 1 GiB) whole and decoding it would take.
const RSS_LIMIT_KB: u64 = 96 * 1024;

#[test]
fn fifty_megabyte_listings_are_refused_in_bounded_memory() {
    let w = World::new();
    for length in [true, false] {
        let url = raw_server(Answer::Body {
            status: 200,
            json: true,
            body: fifty_mb_list,
            length,
        });
        let (run, peak_kb) = list_against(&w, &url, &[], &[]);
        let run = run.code(7).stdout_empty();
        assert!(run.stderr.contains("larger than 32 MiB"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
        assert!(
            peak_kb < RSS_LIMIT_KB,
            "peak RSS {peak_kb} KiB (content-length sent: {length})"
        );
        eprintln!("50 MB listing (content-length: {length}): peak RSS {peak_kb} KiB");
    }
}

#[test]
fn bodies_that_never_end_are_cut_off() {
    let w = World::new();
    let started = Instant::now();
    let (run, peak_kb) = list_against(&w, &raw_server(Answer::Endless), &[], &[]);
    run.code(7).stderr_has("larger than 32 MiB");
    assert!(peak_kb < RSS_LIMIT_KB, "peak RSS {peak_kb} KiB");
    eprintln!(
        "endless body: refused after {:?}, peak RSS {peak_kb} KiB",
        started.elapsed()
    );

    let started = Instant::now();
    let (run, _) = list_against(
        &w,
        &raw_server(Answer::Trickle),
        &[],
        &[("NETINVITE_HTTP_TIMEOUT", "2")],
    );
    run.code(7).stderr_has("did not complete within");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn deep_nesting_invalid_utf8_and_nul_bytes_are_bad_answers() {
    let w = World::new();
    let cases: [(Body, &str); 4] = [
        // Typed decoding refuses at the second level; see also the test below.
        (deep_nesting, "invalid type: sequence"),
        (
            || b"[{\"id\":1,\"email\":\"\xff\xfe\"}]".to_vec(),
            "invalid unicode",
        ),
        (|| b"[\0\0\0]".to_vec(), "expected value"),
        (
            || b"[{\"email\":\"raw\x1b[2J\x00in a string\"}]".to_vec(),
            "control character",
        ),
    ];
    for (body, expected) in cases {
        let url = raw_server(Answer::Body {
            status: 200,
            json: true,
            body,
            length: true,
        });
        let (run, _) = list_against(&w, &url, &[], &[]);
        let run = run.code(7).stdout_empty().stderr_has(expected);
        assert_clean("the error", &run.stderr);
        assert!(!run.stderr.contains("panicked"));
        let (json, _) = list_against(&w, &url, &["--json"], &[]);
        let json = json.code(7).stdout_empty();
        assert_eq!(json.json_error()["code"], "bad_answer");
    }
}

#[test]
fn server_text_in_errors_is_escaped_for_people_and_exact_in_json() {
    let w = World::new();
    let url = raw_server(Answer::Body {
        status: 403,
        json: true,
        body: || br#"{"detail":"You may not \u001b[8mpass\r\u202eNUL\u0000 here"}"#.to_vec(),
        length: true,
    });
    let (run, _) = list_against(&w, &url, &[], &[]);
    let run = run.code(5);
    assert_clean("the error", &run.stderr);
    assert!(
        run.stderr
            .contains(r"permission denied: You may not \x1b[8mpass\r\u{202e}NUL\x00 here"),
        "{}",
        run.stderr
    );
    let (json, _) = list_against(&w, &url, &["--json"], &[]);
    let e = json.code(5).json_error();
    assert_eq!(
        e["message"],
        "permission denied: You may not \x1b[8mpass\r\u{202e}NUL\0 here"
    );
}

#[test]
fn huge_error_pages_are_read_only_in_part() {
    let w = World::new();
    let url = raw_server(Answer::Body {
        status: 502,
        json: false,
        body: || {
            let mut b = b"<html><body><h1>502 Bad \x1b[5mGateway</h1>".to_vec();
            b.resize(50_000_000, b'x');
            b
        },
        length: true,
    });
    let (run, peak_kb) = list_against(&w, &url, &[], &[]);
    let run = run
        .code(7)
        .stderr_has("(502)")
        .stderr_has("502 Bad [5mGateway xxx");
    assert_clean("the error", &run.stderr);
    assert!(peak_kb < RSS_LIMIT_KB, "peak RSS {peak_kb} KiB");
}

// ---- the decoders as pure functions: time and depth

fn decode_list(body: &[u8]) -> Result<Vec<netinvite::api::models::Invitation>, String> {
    netinvite::api::decode_body("u".into(), 200, true, body).map_err(|e| format!("{e:?}"))
}

#[test]
fn decoding_time_grows_linearly_with_the_body() {
    let big = fifty_mb_list();
    let small_len = big.len() / 10;
    // Cut at an element boundary so that both parse.
    let cut = big[..small_len].iter().rposition(|&b| b == b'}').unwrap() + 1;
    let mut small = big[..cut].to_vec();
    small.push(b']');

    let time = |b: &[u8]| {
        let started = Instant::now();
        let list = decode_list(b).unwrap();
        (started.elapsed(), list.len())
    };
    let (t_small, n_small) = time(&small);
    let (t_big, n_big) = time(&big);
    eprintln!("decoded {n_small} invitations in {t_small:?}, {n_big} in {t_big:?}");
    assert!(n_big >= 9 * n_small);
    // Linear is ×10; quadratic would be ×100. The bound leaves room for a busy machine.
    assert!(
        t_big < t_small * 40 + Duration::from_secs(1),
        "{t_small:?} → {t_big:?}"
    );
}

#[test]
fn deep_nesting_stops_at_the_recursion_limit_in_every_decoder() {
    let deep = deep_nesting();
    let started = Instant::now();
    let e = decode_list(&deep).unwrap_err();
    assert!(e.contains("invalid type: sequence"), "{e}");
    // Untyped values (422 `detail`, `loc`, discovery documents) meet serde_json's limit.
    let e = serde_json::from_slice::<Value>(&deep).unwrap_err();
    assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
    let mut object = b"{\"detail\":".to_vec();
    object.extend_from_slice(&deep);
    object.push(b'}');
    let e = netinvite::api::ApiError::from_status("u".into(), 422, true, &object, false, None);
    let cli = netinvite::error::CliError::from_api(e, "s");
    assert_eq!(cli.exit_code(), 1);
    assert!(
        cli.message()
            .starts_with("the server rejected the request: {\"detail\":[[[")
    );
    assert!(cli.message().chars().count() < 250, "a snippet, not 200 kB");
    assert!(netinvite::auth::jwt::claims(&format!("e30.{}.x", "W1tb".repeat(40_000))).is_none());
    assert!(started.elapsed() < Duration::from_secs(10));
}

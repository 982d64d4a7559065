//! State on disk: config.toml errors that name the line and key, changes from parallel
//! processes that all survive, processes killed mid-write that leave a usable state,
//! broken pipes, the panic report and Ctrl-C during a multi-id command.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

fn config_path(w: &World) -> std::path::PathBuf {
    w.config_dir().join("config.toml")
}

fn write_config(w: &World, text: &str) {
    std::fs::create_dir_all(w.config_dir()).unwrap();
    std::fs::write(config_path(w), text).unwrap();
}

/// The profiles in config.toml, parsed independently of netinvite.
fn profiles(w: &World) -> toml::Table {
    let text = std::fs::read_to_string(config_path(w)).unwrap();
    let v: toml::Table = toml::from_str(&text)
        .unwrap_or_else(|e| panic!("config.toml does not parse ({e}):\n{text}"));
    v.get("profiles")
        .and_then(|p| p.as_table())
        .cloned()
        .unwrap_or_default()
}

/// Temporary files netinvite left in `dir` (none should survive a finished run).
fn leftover_temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// A signed-in world whose server hands out as many development tokens as the parallel
/// tests ask for (the real one allows 10 a minute).
pub fn busy_world(worker_threads: usize) -> World {
    let w = World::with(Options {
        dev_token_limit_per_minute: 100_000,
        worker_threads,
        ..Options::default()
    });
    w.server.add_network("lab", "10.42.0.0/16");
    w.server.add_network("office", "10.43.0.0/16");
    let _ = w.login();
    w
}

#[test]
fn a_bad_value_names_the_file_line_and_key() {
    let w = World::new();
    write_config(
        &w,
        "default_profile = \"work\"\n\n[profiles.work]\nserver = \"https://n.example\"\nauth = \"sso\"\n",
    );
    let r = w.run(&["config", "list"]).code(1);
    let path = config_path(&w).display().to_string();
    assert!(r.stderr.contains(&path), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("line 5, column 8 (key `profiles.work.auth`)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("unknown variant `sso`"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: edit line 5"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    let e = w.run(&["config", "list", "--json"]).code(1).json_error();
    assert_eq!(e["code"], "config");
    assert_eq!(e["exit_code"], 1);
}

#[test]
fn broken_toml_and_missing_server_are_explained() {
    let w = World::new();
    write_config(&w, "[profiles.work\nserver = \"https://n.example\"\n");
    w.run(&["networks"])
        .code(1)
        .stderr_has("line 1, column 15")
        .stderr_has("expected `]`");

    write_config(
        &w,
        "[profiles.a]\nserver = \"https://a.example\"\n\n[profiles.b]\nuser = \"x@example.com\"\n",
    );
    w.run(&["networks"])
        .code(1)
        .stderr_has("line 4")
        .stderr_has("key `profiles.b.server`")
        .stderr_has("missing field `server`");

    write_config(&w, "[profiles.a]\nserver = 42\n");
    w.run(&["networks"])
        .code(1)
        .stderr_has("line 2, column 10 (key `profiles.a.server`)")
        .stderr_has("expected a string");
}

#[test]
fn unknown_keys_are_warned_about_and_survive_a_save() {
    let w = World::signed_in();
    let mut text = std::fs::read_to_string(config_path(&w)).unwrap();
    text.push_str("pubilc_url = \"https://typo.example\"\n");
    std::fs::write(config_path(&w), &text).unwrap();
    w.run(&["config", "set", "client-id", "netinvite-cli"])
        .ok()
        .stderr_has("warning: config.toml: unknown key `profiles.default.pubilc_url`");
    let p = profiles(&w);
    let d = p["default"].as_table().unwrap();
    assert_eq!(d["pubilc_url"].as_str(), Some("https://typo.example"));
    assert_eq!(d["client_id"].as_str(), Some("netinvite-cli"));
    // Still signed in: the save kept the credential.
    w.run(&["auth", "status"]).ok();
}

#[test]
fn parallel_logins_and_config_changes_lose_nothing() {
    let w = busy_world(2);
    let url = w.url();
    let n = 12;
    let started = Instant::now();
    let mut children = Vec::new();
    for i in 0..n {
        let mut c = w.command(&["login", "--server", &url, "--profile", &format!("p{i}")]);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(c.spawn().unwrap());
        // Settings of one profile changed at the same time by other processes.
        let key = ["public-url", "client-id", "issuer"][i % 3];
        let value = match key {
            "client-id" => format!("client-{i}"),
            _ => format!("https://h{i}.example"),
        };
        let mut c = w.command(&["--profile", "default", "config", "set", key, &value]);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(c.spawn().unwrap());
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let p = profiles(&w);
    for i in 0..n {
        assert!(p.contains_key(&format!("p{i}")), "profile p{i} lost: {p:?}");
    }
    let d = p["default"].as_table().unwrap();
    for key in ["public_url", "client_id", "issuer"] {
        assert!(d.contains_key(key), "{key} lost: {d:?}");
    }
    assert!(leftover_temps(&w.config_dir()).is_empty());
    eprintln!(
        "{} parallel logins and config changes in {:?}",
        2 * n,
        started.elapsed()
    );
    w.run(&["--profile", "p3", "networks"]).ok();
}

/// A signed-in world with `n` pending invitations in network `lab`.
fn world_with_invitations(n: usize) -> World {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    for i in 0..n {
        w.server.add_invitation(InvitationSeed {
            email: format!("person{i}@example.com"),
            network_id: lab,
            ..InvitationSeed::default()
        });
    }
    w
}

/// Runs netinvite, reads one line of its stdout, closes the pipe and waits.
fn close_after_first_line(w: &World, args: &[&str]) -> (i32, String, String) {
    use std::io::{BufRead, Read};
    let mut c = w.command(args);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), first, stderr)
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let w = world_with_invitations(3000);
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["list", "--format", "ndjson"],
        &["list", "--format", "csv"],
    ] {
        let (code, first, stderr) = close_after_first_line(&w, args);
        assert!(!first.is_empty(), "{args:?}: nothing on stdout; {stderr}");
        assert_eq!(code, 0, "{args:?}: stderr {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_panic_prints_a_short_report_without_secrets_and_exits_101() {
    let w = World::new();
    for env in [&[][..], &[("RUST_BACKTRACE", "1")]] {
        let r = w.run_with(&["__panic"], env, None).code(101);
        assert!(r.stdout.is_empty());
        let e = &r.stderr;
        assert!(e.contains("crashed: this is a bug in netinvite"), "{e}");
        assert!(e.contains("at: src/panic.rs:"), "{e}");
        assert!(e.contains("Bearer [redacted]"), "{e}");
        assert!(e.contains("Please report it"), "{e}");
        for secret in [
            "eyJ",
            "rt-Secret-Value-123",
            "DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE",
        ] {
            assert!(!e.contains(secret), "{secret} leaked:\n{e}");
        }
        assert!(!e.contains("panicked at"), "{e}");
        if env.is_empty() {
            assert_eq!(e.lines().count(), 4, "{e}");
        } else {
            assert!(
                e.contains("backtrace (function names and lines only)"),
                "{e}"
            );
        }
    }
}

/// Sends SIGINT to `pid` (through kill(1): the tests need no libc binding).
fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[test]
fn ctrl_c_during_resend_reports_what_was_done() {
    for json in [false, true] {
        let w = World::signed_in();
        let lab = w.network_id("lab");
        let ids: Vec<i64> = (0..3)
            .map(|i| {
                w.server
                    .add_invitation(InvitationSeed {
                        email: format!("p{i}@example.com"),
                        network_id: lab,
                        ..InvitationSeed::default()
                    })
                    .id
            })
            .collect();
        // The first resend takes a while, so that Ctrl-C lands while it is in flight.
        w.server.inject(Fault {
            method: Some("POST"),
            path_prefix: format!("/api/invitations/{}/resend", ids[0]),
            kind: FaultKind::Delay(Duration::from_millis(1500)),
            times: 1,
        });
        w.server.clear_requests();
        let id_args: Vec<String> = ids.iter().map(i64::to_string).collect();
        let mut args = vec!["resend"];
        args.extend(id_args.iter().map(String::as_str));
        if json {
            args.push("--json");
        }
        let mut c = w.command(&args);
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = c.spawn().unwrap();
        // Wait until the lookup is answered: the delayed resend is then under way.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !w
            .server
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == "/api/invitations")
        {
            assert!(Instant::now() < deadline, "netinvite never listed");
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(300));
        signal(child.id(), "-INT");
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let resent: Vec<String> = w
            .server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.path.clone())
            .collect();
        assert_eq!(
            resent,
            vec![format!("/api/invitations/{}/resend", ids[0])],
            "only the first id was resent"
        );
        if json {
            let v: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["id"], ids[0], "{stdout}");
            let e: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
            assert_eq!(e["error"]["code"], "interrupted");
            assert_eq!(e["error"]["exit_code"], 2);
        } else {
            assert!(
                stderr.contains(&format!(
                    "interrupted: resent 1 of 3; not resent: {}, {}",
                    ids[1], ids[2]
                )),
                "{stderr}"
            );
            assert!(stderr.contains(&format!("resent: {}", ids[0])), "{stderr}");
            assert!(
                stderr.contains(&format!("netinvite resend {} {}", ids[1], ids[2])),
                "{stderr}"
            );
            assert!(stdout.contains("/invitations/accept/"), "{stdout}");
        }
    }
}

#[test]
fn ctrl_c_during_revoke_reports_what_was_done() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let ids: Vec<i64> = (0..3)
        .map(|i| {
            w.server
                .add_invitation(InvitationSeed {
                    email: format!("r{i}@example.com"),
                    network_id: lab,
                    ..InvitationSeed::default()
                })
                .id
        })
        .collect();
    // The first revoke takes a while, so that Ctrl-C lands while it is in flight.
    w.server.inject(Fault {
        method: Some("DELETE"),
        path_prefix: format!("/api/invitations/{}", ids[0]),
        kind: FaultKind::Delay(Duration::from_millis(1500)),
        times: 1,
    });
    w.server.clear_requests();
    let id_args: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut args = vec!["revoke", "--yes", "--json"];
    args.extend(id_args.iter().map(String::as_str));
    let mut c = w.command(&args);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    // Wait until the lookup is answered: the delayed revoke is then under way.
    while !w
        .server
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == "/api/invitations")
    {
        assert!(Instant::now() < deadline, "netinvite never listed");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), "-INT");
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}\n{stdout}");
    // The one in flight finished; the others were never sent.
    let deleted = w
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deleted, 1);
    assert_eq!(w.server.invitation(ids[0]).unwrap()["status"], "revoked");
    assert_eq!(w.server.invitation(ids[1]).unwrap()["status"], "pending");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v[0]["id"], ids[0], "{stdout}");
    let e: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(e["error"]["code"], "interrupted");
    assert!(
        e["error"]["hint"]
            .as_str()
            .unwrap()
            .contains(&format!("netinvite revoke {} {}", ids[1], ids[2])),
        "{stderr}"
    );
}

/// A small deterministic generator (xorshift), seeded from the clock and printed, so a
/// failing run can be repeated with `NETINVITE_TEST_SEED`.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::env::var("NETINVITE_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("NETINVITE_TEST_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn killed_at_random_points_netinvite_leaves_a_usable_state() {
    let w = busy_world(1);
    let url = w.url();
    let mut rng = Rng::new();
    let started = Instant::now();
    let mut seen: std::collections::BTreeSet<String> = profiles(&w).keys().cloned().collect();
    let (mut kills, mut finished) = (0, 0);
    let mut iterations = 0;
    while iterations < 200 && started.elapsed() < Duration::from_secs(30) {
        iterations += 1;
        let profile = format!("p{}", rng.below(4));
        let args: Vec<String> = match rng.below(4) {
            0 => vec![
                "login".into(),
                "--server".into(),
                url.clone(),
                "--profile".into(),
                profile,
            ],
            // The token file, written atomically like config.toml.
            3 => vec![
                "login".into(),
                "--server".into(),
                url.clone(),
                "--profile".into(),
                "filed".into(),
                "--insecure-storage".into(),
            ],
            1 => vec![
                "--profile".into(),
                "default".into(),
                "config".into(),
                "set".into(),
                "public-url".into(),
                format!("https://h{iterations}.example"),
            ],
            _ => vec![
                "config".into(),
                "use".into(),
                if seen.contains(&profile) {
                    profile
                } else {
                    "default".into()
                },
            ],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut c = w.command(&args);
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(80_000)));
        match child.try_wait().unwrap() {
            Some(_) => finished += 1,
            None => {
                child.kill().unwrap();
                kills += 1;
            }
        }
        let _ = child.wait();

        // Whatever the moment of the kill: the file parses, and no profile ever vanishes.
        if config_path(&w).exists() {
            let now: std::collections::BTreeSet<String> = profiles(&w).keys().cloned().collect();
            let lost: Vec<_> = seen.difference(&now).collect();
            assert!(lost.is_empty(), "profiles lost after {args:?}: {lost:?}");
            seen = now;
        }
        // A token file, once there, is always a whole token set.
        for e in std::fs::read_dir(w.config_dir().join("credentials"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                let text = std::fs::read_to_string(e.path()).unwrap();
                let v: Result<Value, _> = serde_json::from_str(&text);
                assert!(v.is_ok(), "{name} torn after {args:?}: {text:?}");
            }
        }
    }
    eprintln!(
        "{iterations} runs in {:?}: {kills} killed, {finished} finished first",
        started.elapsed()
    );
    assert!(kills > 0, "no run was killed; the test proved nothing");

    // netinvite works again, and its next change clears what killed writers left.
    let list = w.run(&["config", "list", "--json"]).ok().json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for s in &seen {
        assert!(names.contains(&s.as_str()), "{s} missing from {names:?}");
    }
    w.run(&["login", "--server", &url, "--profile", "p0"]).ok();
    w.run(&["--profile", "p0", "networks"]).ok();
    w.run(&["--profile", "default", "auth", "status"]).ok();
    if seen.contains("filed") {
        // A killed login may have stored nothing yet; a stored token set is never torn.
        let r = w.run(&["--profile", "filed", "auth", "status", "--json"]);
        assert!(r.code == 0 || r.code == 4, "{}", r.stderr);
        w.run(&[
            "login",
            "--server",
            &url,
            "--profile",
            "filed",
            "--insecure-storage",
        ])
        .ok();
        w.run(&["--profile", "filed", "networks"]).ok();
    }
    let temps: Vec<_> = leftover_temps(&w.config_dir())
        .into_iter()
        .filter(|n| n.starts_with(".config.toml."))
        .collect();
    assert!(temps.is_empty(), "left behind: {temps:?}");
}

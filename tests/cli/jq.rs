//! `--jq EXPR`: jq filters over every JSON output, run in process, compiled before any
//! request; strings raw, other values compact, one per line.

use crate::support::*;

fn seed(w: &World, email: &str, network: &str, status: &str, expires_in_secs: i64) -> i64 {
    let id = w.network_id(network);
    w.server
        .add_invitation(InvitationSeed {
            email: email.into(),
            network_id: id,
            status: status.into(),
            expires_at: When::FromNow(chrono::TimeDelta::seconds(expires_in_secs)),
            ..Default::default()
        })
        .id
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

#[test]
fn list_jq_selects_like_json_and_serde_would() {
    let w = World::signed_in();
    let late1 = seed(&w, "late1@example.com", "lab", "pending", -60);
    seed(&w, "live@example.com", "lab", "pending", 86400);
    let late2 = seed(&w, "late2@example.com", "office", "pending", -3600);
    seed(&w, "gone@example.com", "office", "revoked", 86400);

    let expr = r#".[] | select(.status=="expired") | .id"#;
    let out = w.run(&["list", "--jq", expr]).ok();
    let via_json: Vec<String> = w
        .run(&["list", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "expired")
        .map(|i| i["id"].to_string())
        .collect();
    assert_eq!(lines(&out.stdout), via_json);
    let mut got: Vec<i64> = out.stdout.lines().map(|l| l.parse().unwrap()).collect();
    got.sort();
    assert_eq!(got, vec![late1, late2]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);

    // Strings come out raw; objects compact, one per line.
    let emails = w
        .run(&["list", "--status", "expired", "--jq", ".[].email"])
        .ok();
    assert_eq!(
        lines(&emails.stdout),
        vec!["late2@example.com", "late1@example.com"]
    );
    let objects = w
        .run(&["list", "--jq", ".[] | {id, status}", "--status", "revoked"])
        .ok();
    let line = objects.stdout.trim_end();
    assert!(!line.contains('\n') && !line.contains(": "), "{line}");
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["status"], "revoked");
    // A table on a terminal is no reason to leave JSON: --jq implies --json.
    let forced = w
        .run_with(
            &["list", "--jq", "length"],
            &[("NETINVITE_FORCE_TTY", "1")],
            None,
        )
        .ok();
    assert_eq!(forced.stdout, "4\n");
}

#[test]
fn show_jq_prints_the_raw_link() {
    let w = World::signed_in();
    let created = w.create("ana@example.com", "lab");
    let id = created["id"].to_string();
    let out = w.run(&["show", &id, "--jq", ".link"]).ok();
    assert_eq!(
        out.stdout,
        format!("{}\n", created["link"].as_str().unwrap())
    );
    assert!(out.stdout.starts_with("http"));
    // Other commands' JSON goes through the same gate.
    let nets = w.run(&["networks", "--jq", "map(.name) | @csv"]).ok();
    assert_eq!(nets.stdout, "\"lab\",\"office\"\n");
    let status = w.run(&["auth", "status", "--jq", ".server"]).ok();
    assert_eq!(status.stdout.trim_end(), w.url());
    let made = w
        .run(&[
            "create",
            "--email",
            "bo@example.com",
            "--network",
            "lab",
            "--jq",
            "[.email, .status] | @tsv",
        ])
        .ok();
    assert_eq!(made.stdout, "bo@example.com\tpending\n");
    let conf = w.run(&["config", "show", "--jq", ".profile"]).ok();
    assert_eq!(conf.stdout, "default\n");
}

#[test]
fn a_bad_expression_fails_fast_with_no_request() {
    let w = World::signed_in();
    w.server.clear_requests();
    let out = w
        .run(&["list", "--jq", ".[] | select(.status ==", "-v"])
        .code(2)
        .stdout_empty();
    assert!(
        out.stderr.contains("invalid --jq expression"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("^"),
        "a caret points at it:\n{}",
        out.stderr
    );
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());
    // Errors are JSON on stderr (--jq implies --json), stdout stays clean.
    let out = w
        .run(&["show", "1", "--jq", ".[] | nosuchfilter"])
        .code(2)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "invalid_jq");
    assert_eq!(e["exit_code"], 2);
    assert!(
        e["message"].as_str().unwrap().contains("nosuchfilter"),
        "{e}"
    );
    // Without any sign-in or server, a bad filter is still a usage error.
    let fresh = World::new();
    fresh.run(&["list", "--jq", "]["]).code(2).stdout_empty();
    assert!(w.server.requests().is_empty());
    assert!(fresh.server.requests().is_empty());
}

#[test]
fn runtime_errors_exit_1_without_leaking_the_data() {
    let w = World::signed_in();
    let created = w.create("ana@example.com", "lab");
    let token = created["token"].as_str().unwrap().to_string();
    let out = w.run(&["list", "--jq", ".foo"]).code(1).stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "jq_failed");
    assert!(e["message"].as_str().unwrap().contains("an array"), "{e}");
    assert!(!out.stderr.contains(&token), "{}", out.stderr);
    let out = w.run(&["list", "--jq", ".[0].token | tonumber"]).code(1);
    assert!(!out.stderr.contains(&token), "{}", out.stderr);
    // `error("…")` is the script's own message.
    let out = w
        .run(&[
            "show",
            &created["id"].to_string(),
            "--jq",
            r#"error("no such thing")"#,
        ])
        .code(1);
    assert_eq!(
        out.json_error()["message"],
        "the --jq filter failed: no such thing"
    );
}

#[test]
fn ndjson_is_filtered_line_by_line() {
    let w = World::signed_in();
    seed(&w, "a@example.com", "lab", "pending", 86400);
    seed(&w, "b@example.com", "office", "accepted", 86400);
    let out = w
        .run(&["list", "--format", "ndjson", "--jq", ".email"])
        .ok();
    // One result per line of the stream: the filter sees objects, not an array.
    let mut got = lines(&out.stdout);
    got.sort();
    assert_eq!(got, vec!["a@example.com", "b@example.com"]);
    let out = w
        .run(&[
            "list",
            "--format",
            "ndjson",
            "--jq",
            "select(.network_name == \"office\") | .status",
        ])
        .ok();
    assert_eq!(out.stdout, "accepted\n");
}

#[test]
fn text_only_commands_refuse_jq_before_running() {
    let w = World::signed_in();
    w.server.clear_requests();
    let out = w
        .run(&["auth", "token", "--jq", "."])
        .code(2)
        .stdout_empty();
    assert_eq!(out.json_error()["code"], "usage");
    assert!(out.stderr.contains("auth token"), "{}", out.stderr);
    assert!(w.server.requests().is_empty());
    w.run(&["completions", "bash", "--jq", "."])
        .code(2)
        .stdout_empty();
}

#[test]
fn debug_goes_to_stderr_and_halt_error_sets_the_status() {
    let w = World::signed_in();
    let out = w
        .run(&["networks", "--jq", "map(.name) | debug | length"])
        .ok();
    assert_eq!(out.stdout, "2\n");
    assert!(
        out.stderr.contains(r#"["DEBUG:",["lab","office"]]"#),
        "{}",
        out.stderr
    );
    let out = w
        .run(&["networks", "--jq", r#""no lab\n" | halt_error(4)"#])
        .code(4)
        .stdout_empty();
    assert_eq!(out.stderr, "no lab\n");
}

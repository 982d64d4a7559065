//! The time budget (`--max-time`) through the real binary: a silent or slow server ends
//! the command by itself within the budget, and the error names the limit that fired
//! (budget, connect or read); a command's requests share one budget, while a batch's and
//! `wait`'s requests get one each; and a dev-token renewal refused by the endpoint's rate
//! limit is a sign-in problem (exit 4) that says so.
//!
//! That the default budget keeps a silent server under 90 s is checked by the unit tests
//! of `api::retry` (waiting 80 s here would only slow the suite down).

use std::time::{Duration, Instant};

use crate::support::*;

/// A signed-in world whose list is not empty (an empty list makes sure of the user
/// record and asks again, a second request).
fn listed() -> World {
    let w = World::signed_in();
    w.server.add_invitation(InvitationSeed {
        email: "seeded@example.com".into(),
        network_id: 1,
        ..Default::default()
    });
    w.server.clear_requests();
    w
}

/// Slack for a busy machine running the suite: start-up, the keyring, the scheduler.
const SLACK: Duration = Duration::from_millis(2500);

#[test]
fn deadline_a_silent_server_ends_within_the_budget_and_names_it() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 0);
    let started = Instant::now();
    let out = w
        .run(&["list", "--json", "--max-time", "3", "-v"])
        .code(7)
        .stdout_empty();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(2900), "{took:?}");
    assert!(took < Duration::from_secs(3) + SLACK, "{took:?}");
    // The list's 60 s read timeout was cut to the budget: one attempt, no retry.
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 1);
    let e = out.json_error();
    assert_eq!(e["code"], "time_budget_exceeded");
    assert_eq!(e["exit_code"], 7);
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("the command's time budget of 3 s ran out (--max-time)"),
        "{msg}"
    );
    assert!(msg.contains("/api/invitations"), "{msg}");
    assert!(e["hint"].as_str().unwrap().contains("--max-time"));
    assert!(
        out.stderr.contains("→ time budget ran out (3.0 s)"),
        "{}",
        out.stderr
    );
}

#[test]
fn deadline_the_environment_and_the_profile_set_the_budget() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 0);
    let started = Instant::now();
    w.run_with(&["list"], &[("NETINVITE_MAX_TIME", "1.5")], None)
        .code(7)
        .stderr_has("time budget of 1.5 s ran out (--max-time)");
    assert!(started.elapsed() < Duration::from_millis(1500) + SLACK);

    w.run(&["config", "set", "max-time", "1.2"]).ok();
    let show = w.run(&["config", "show", "--json"]).ok().json();
    assert_eq!(show["max_time"], 1.2);
    assert_eq!(show["max_time_from"], "profile");
    w.run(&["list"])
        .code(7)
        .stderr_has("time budget of 1.2 s ran out");
    // The option beats the profile.
    let show = w
        .run(&["config", "show", "--json", "--max-time", "9"])
        .ok()
        .json();
    assert_eq!(show["max_time"], 9.0);
    assert_eq!(show["max_time_from"], "--max-time/NETINVITE_MAX_TIME");
    w.run(&["list", "--max-time", "1"])
        .code(7)
        .stderr_has("time budget of 1 s ran out");
    w.run(&["config", "unset", "max-time"]).ok();
    let show = w.run(&["config", "show"]).ok();
    assert!(
        show.stdout.contains("max_time_from       default"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("max_time            80.0"),
        "{}",
        show.stdout
    );

    // Checked like the other timeouts, before anything is written.
    w.run(&["config", "set", "max-time", "0"])
        .code(2)
        .stderr_has("greater than 0");
    w.run(&["config", "set", "max-time", "soon"])
        .code(2)
        .stderr_has("not a usable number of seconds");
    w.run(&["list", "--max-time", "-1"]).code(2);
    w.run_with(&["list"], &[("NETINVITE_MAX_TIME", "x")], None)
        .code(2);
}

#[test]
fn deadline_a_short_read_timeout_inside_a_large_budget_names_the_read_timeout() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 0);
    let out = w
        .run(&[
            "list",
            "--json",
            "--read-timeout",
            "0.5",
            "--max-time",
            "60",
        ])
        .code(7)
        .stdout_empty();
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    let e = out.json_error();
    assert_eq!(e["code"], "read_timeout");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("within 0.5 s (read timeout, --read-timeout)"),
        "{msg}"
    );
    assert!(e["hint"].as_str().unwrap().contains("--read-timeout"));
}

#[test]
fn deadline_no_retry_is_started_when_the_read_timeout_left_too_little() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 0);
    // The first attempt's 2 s of silence leave 0.5 s: less than the backoff and half a
    // read timeout, so the retry is not started and the budget is named.
    let started = Instant::now();
    let out = w
        .run(&[
            "list",
            "--json",
            "-v",
            "--read-timeout",
            "2",
            "--max-time",
            "2.5",
        ])
        .code(7)
        .stdout_empty();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500) + SLACK, "{took:?}");
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 1);
    let e = out.json_error();
    assert_eq!(e["code"], "time_budget_exceeded");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("the command's time budget of 2.5 s ran out (--max-time)"),
        "{msg}"
    );
    assert!(msg.contains("too little for another"), "{msg}");
    assert!(
        out.stderr.contains("→ read timeout (2.0 s)")
            && out.stderr.contains(
                "; not retried: what is left of the time budget (--max-time) is too short"
            ),
        "{}",
        out.stderr
    );
}

#[test]
fn deadline_a_slow_answer_is_cut_by_the_budget_or_waited_for_within_it() {
    let w = listed();
    inject(
        &w,
        "GET",
        "/api/invitations",
        FaultKind::Delay(Duration::from_secs(4)),
        1,
    );
    let started = Instant::now();
    w.run(&["list", "--json", "--max-time", "1.5"])
        .code(7)
        .stderr_has("time budget of 1.5 s ran out");
    assert!(started.elapsed() < Duration::from_millis(1500) + SLACK);

    inject(
        &w,
        "GET",
        "/api/invitations",
        FaultKind::Delay(Duration::from_millis(1500)),
        1,
    );
    let out = w.run(&["list", "--json", "--max-time", "10"]).ok();
    assert_eq!(out.json().as_array().unwrap().len(), 1);
}

#[test]
fn deadline_a_commands_requests_share_one_budget() {
    // An empty list makes sure of the user record and asks again: two list requests and
    // a networks request, all in one budget.
    let w = World::signed_in();
    w.server.clear_requests();
    inject(
        &w,
        "GET",
        "/api/invitations",
        FaultKind::Delay(Duration::from_millis(1200)),
        0,
    );
    let started = Instant::now();
    let out = w
        .run(&["list", "--json", "--max-time", "2", "-v"])
        .code(7)
        .stdout_empty();
    assert!(started.elapsed() < Duration::from_secs(2) + SLACK);
    // The second list was cut before the server logged it: `-v` shows both.
    let lists = out
        .stderr
        .lines()
        .filter(|l| l.contains("GET ") && l.contains("/api/invitations →"))
        .collect::<Vec<_>>();
    assert_eq!(lists.len(), 2, "{}", out.stderr);
    assert!(lists[0].contains("→ 200"), "{}", out.stderr);
    assert!(
        lists[1].contains("→ time budget ran out (2.0 s)"),
        "{}",
        out.stderr
    );
    assert_eq!(attempts(&w, "GET", "/api/networks"), 1);
    assert_eq!(out.json_error()["code"], "time_budget_exceeded");
}

#[test]
fn deadline_a_connection_that_hangs_names_the_connect_timeout_or_the_budget() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so connecting
    // hangs as it does to a host that drops packets.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    while held.len() < 1000 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    let w = World::new();
    let url = format!("http://{addr}");
    let env = [("NETINVITE_TOKEN", "x"), ("NETINVITE_SERVER", url.as_str())];
    let out = w
        .run_with(
            &[
                "list",
                "--json",
                "--connect-timeout",
                "0.3",
                "--max-time",
                "30",
            ],
            &env,
            None,
        )
        .code(7)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "connect_timeout");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("within 0.3 s (connect timeout, --connect-timeout)"),
        "{e}"
    );
    // A budget shorter than the connect timeout is the limit that fires.
    let started = Instant::now();
    let out = w
        .run_with(&["list", "--json", "--max-time", "1"], &env, None)
        .code(7)
        .stdout_empty();
    assert!(started.elapsed() < Duration::from_secs(1) + SLACK);
    let e = out.json_error();
    assert_eq!(e["code"], "time_budget_exceeded");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("time budget of 1 s ran out (--max-time)"),
        "{e}"
    );
    drop(held);
}

#[test]
fn deadline_a_bulk_create_gives_each_request_its_own_budget() {
    let w = World::signed_in();
    let path = w.home.path().join("team.csv");
    std::fs::write(
        &path,
        "email\nstuck@example.com\nb@example.com\nc@example.com\nd@example.com\n",
    )
    .unwrap();
    // The first create stalls; the three others take 0.8 s each.
    inject(&w, "POST", "/api/invitations", FaultKind::Stall, 1);
    inject(
        &w,
        "POST",
        "/api/invitations",
        FaultKind::Delay(Duration::from_millis(800)),
        3,
    );
    w.server.clear_requests();
    let started = Instant::now();
    let out = w
        .run(&[
            "create",
            "--from-file",
            &path.to_string_lossy(),
            "--network",
            "lab",
            "--json",
            "--jobs",
            "1",
            "--max-time",
            "2",
        ])
        .code(1);
    let took = started.elapsed();
    // Longer than one budget in all: each request had its own.
    assert!(took > Duration::from_secs(4), "{took:?}");
    let rows: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{}", out.stdout);
    let stuck = rows
        .iter()
        .find(|r| r["email"] == "stuck@example.com")
        .unwrap();
    assert_eq!(stuck["status"], "failed", "{stuck}");
    assert_eq!(stuck["code"], "time_budget_exceeded", "{stuck}");
    for email in ["b@example.com", "c@example.com", "d@example.com"] {
        let row = rows.iter().find(|r| r["email"] == email).unwrap();
        assert_eq!(row["status"], "created", "{row}");
    }
    assert_eq!(attempts(&w, "POST", "/api/invitations"), 4);
}

#[test]
fn deadline_wait_keeps_its_own_timeout() {
    let w = World::signed_in();
    let inv = w.create("slow@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    // Each poll is quick; the wait itself lasts longer than the budget and ends by its
    // own --timeout, not by the budget.
    let started = Instant::now();
    let out = w
        .run(&[
            "wait",
            &id,
            "--timeout",
            "3s",
            "--interval",
            "500ms",
            "--max-time",
            "1",
            "--json",
        ])
        .code(1);
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert_eq!(out.json_error()["code"], "wait_timeout");
}

#[test]
fn deadline_a_rejected_token_whose_renewal_is_rate_limited_is_a_sign_in_problem() {
    let w = World::with(Options {
        dev_token_limit_per_minute: 1,
        ..Options::default()
    });
    w.server.add_network("lab", "10.42.0.0/16");
    w.login();
    // A server restarted with a new secret refuses the stored token; the one renewal a
    // minute allowed here was spent by the sign-in.
    w.server.rotate_secret();
    w.server.clear_requests();
    let out = w.run(&["list", "--json"]).code(4).stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "token_renewal_rate_limited");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("rejected the token"), "{msg}");
    assert!(msg.contains("rate limited (10 a minute)"), "{msg}");
    assert!(e["hint"].as_str().unwrap().contains("wait a minute"));
    let reqs: Vec<_> = w
        .server
        .requests()
        .iter()
        .map(|r| (r.path.clone(), r.status))
        .collect();
    assert_eq!(
        reqs,
        vec![
            ("/api/invitations".to_string(), 401),
            ("/api/auth/dev-token".to_string(), 500)
        ]
    );
    // Once the limit allows it again, the same command renews by itself.
    w.server.reset_rate_limits();
    w.run(&["list", "--json"]).ok();
}

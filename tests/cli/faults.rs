//! Transient faults through the real binary: each fault of the stand-in (a status with
//! `Retry-After`, a reset connection, a stall, a stall mid-body, a lost answer) in front of
//! a read (`list`), a create, a revoke and a resend. Each test checks how many attempts
//! reached the server, the outcome on the server, the exit status and the `-v` lines.
//! Timeouts are shortened with the flags so that the suite stays fast.

use crate::support::*;

fn status_503(retry_after: Option<&str>) -> FaultKind {
    FaultKind::Status {
        code: 503,
        retry_after: retry_after.map(str::to_string),
    }
}

/// The invitations the server holds for `email` (asked through the CLI, after the fact).
fn held_for(w: &World, email: &str) -> Vec<Value> {
    let v = w.run(&["list", "--email", email, "--json"]).ok().json();
    v.as_array().unwrap().clone()
}

/// A signed-in world whose list is not empty (an empty list makes sure of the caller's user
/// record and asks once more, which would blur the attempt counts).
fn listed() -> World {
    let w = World::signed_in();
    w.server.add_invitation(InvitationSeed {
        email: "seeded@example.com".into(),
        network_id: 1,
        ..Default::default()
    });
    w
}

/// A signed-in world with one pending invitation; its id.
fn with_invitation() -> (World, String) {
    let w = World::signed_in();
    let inv = w.create("held@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    w.server.clear_requests();
    (w, id)
}

// -- Retry-After ---------------------------------------------------------------------------

#[test]
fn a_503_with_retry_after_in_front_of_list_is_waited_out() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", status_503(Some("1")), 1);
    w.server.clear_requests();
    let started = std::time::Instant::now();
    let out = w.run(&["list", "-v"]).ok();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    assert!(
        out.stderr
            .contains("[attempt 1/3]; attempt 2/3 after 503, waiting 1.0 s (Retry-After)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("→ 200"), "{}", out.stderr);
    assert!(out.stderr.contains("[attempt 2/3]"), "{}", out.stderr);
}

#[test]
fn a_retry_after_as_an_http_date_is_honoured() {
    let w = listed();
    let at = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    let date = httpdate_fmt(at);
    inject(&w, "GET", "/api/invitations", status_503(Some(&date)), 1);
    w.server.clear_requests();
    let out = w.run(&["list", "-v"]).ok();
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    assert!(out.stderr.contains("(Retry-After)"), "{}", out.stderr);
}

#[test]
fn a_retry_after_beyond_the_cap_is_not_waited_for() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", status_503(Some("120")), 1);
    w.server.clear_requests();
    let started = std::time::Instant::now();
    let out = w.run(&["list", "--json", "-v"]).code(7).stdout_empty();
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 1);
    let e = out.json_error();
    assert_eq!(e["code"], "server_error");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("503"), "{msg}");
    assert!(msg.contains("asked to wait 120 s"), "{msg}");
    assert!(e["hint"].as_str().unwrap().contains("try again in 120 s"));
    assert!(
        out.stderr
            .contains("not retried: the server asked to wait 120.0 s"),
        "{}",
        out.stderr
    );
}

#[test]
fn three_503s_give_up_after_three_attempts() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", status_503(None), 0);
    w.server.clear_requests();
    let out = w.run(&["list", "-v"]).code(7).stdout_empty();
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 3);
    assert!(out.stderr.contains("(backoff)"), "{}", out.stderr);
    assert!(
        out.stderr.contains("giving up after 3 attempts"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("(after 3 attempts)"), "{}", out.stderr);
}

#[test]
fn a_500_and_a_4xx_are_never_retried() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::InternalError, 0);
    w.server.clear_requests();
    w.run(&["list"]).code(7);
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 1);
    w.server.clear_faults();
    w.server.clear_requests();
    // An unknown id: the revoke's lookup asks the pending slice, then the whole list
    // (two different requests, each answered once); nothing is retried.
    w.run(&["revoke", "999", "--yes"]).code(3);
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
}

#[test]
fn a_503_in_front_of_a_write_is_not_resent() {
    let (w, id) = with_invitation();
    inject(&w, "POST", "/api/invitations", status_503(Some("1")), 1);
    let out = w
        .run(&[
            "create",
            "--email",
            "new@example.com",
            "--network",
            "lab",
            "--json",
        ])
        .code(7)
        .stdout_empty();
    assert_eq!(attempts(&w, "POST", "/api/invitations"), 1);
    assert_eq!(out.json_error()["code"], "server_error");
    assert!(held_for(&w, "new@example.com").is_empty());

    let path = format!("/api/invitations/{id}");
    inject(&w, "DELETE", &path, status_503(None), 1);
    w.run(&["revoke", &id, "--yes"]).code(7);
    assert_eq!(attempts(&w, "DELETE", &path), 1);

    let path = format!("/api/invitations/{id}/resend");
    inject(&w, "POST", &path, status_503(Some("1")), 1);
    w.run(&["resend", &id]).code(7);
    assert_eq!(attempts(&w, "POST", &path), 1);
}

// -- connection reset ---------------------------------------------------------------------

#[test]
fn a_reset_connection_in_front_of_list_is_retried() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::ConnectionReset, 1);
    w.server.clear_requests();
    let out = w.run(&["list", "-v"]).ok();
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    assert!(out.stderr.contains("→ connection lost"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("attempt 2/3 after connection lost, waiting"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_reset_connection_under_a_write_is_reported_not_resent() {
    let (w, id) = with_invitation();
    inject(
        &w,
        "POST",
        "/api/invitations",
        FaultKind::ConnectionReset,
        1,
    );
    let out = w
        .run(&[
            "create",
            "--email",
            "new@example.com",
            "--network",
            "lab",
            "--json",
            "-v",
        ])
        .code(7)
        .stdout_empty();
    assert_eq!(attempts(&w, "POST", "/api/invitations"), 1);
    assert!(
        out.stderr
            .contains("not retried: the request may have reached the server"),
        "{}",
        out.stderr
    );
    let e = out.json_error();
    assert_eq!(e["code"], "outcome_unknown");
    // The reset came before the backend: nothing was created, and nothing twice.
    assert!(held_for(&w, "new@example.com").is_empty());

    let path = format!("/api/invitations/{id}");
    inject(&w, "DELETE", &path, FaultKind::ConnectionReset, 1);
    let out = w.run(&["revoke", &id, "--yes", "--json"]).code(7);
    assert_eq!(attempts(&w, "DELETE", &path), 1);
    let e = out.json_error();
    assert_eq!(e["code"], "outcome_unknown");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains(&format!("may or may not have revoked invitation {id}"))
    );

    let path = format!("/api/invitations/{id}/resend");
    inject(&w, "POST", &path, FaultKind::ConnectionReset, 1);
    let out = w.run(&["resend", &id, "-v"]).code(7);
    assert_eq!(attempts(&w, "POST", &path), 1);
    assert!(
        out.stderr.contains("not retried: a resend sends an email"),
        "{}",
        out.stderr
    );
}

// -- stalls ---------------------------------------------------------------------------------

#[test]
fn a_stalled_list_times_out_and_the_retry_succeeds() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 1);
    w.server.clear_requests();
    let started = std::time::Instant::now();
    let out = w.run(&["list", "-v", "--read-timeout", "0.5"]).ok();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    assert!(
        out.stderr.contains("→ read timeout (0.5 s)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_server_that_never_answers_fails_within_two_read_timeouts() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 0);
    w.server.clear_requests();
    // Two 0.5 s timeouts and a backoff, not two minutes (the list's default is 60 s);
    // the bound is loose because the machine running the suite may be busy.
    let started = std::time::Instant::now();
    let out = w
        .run(&["list", "--json", "--read-timeout", "0.5"])
        .code(7)
        .stdout_empty();
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    let e = out.json_error();
    assert_eq!(e["code"], "read_timeout");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("within 0.5 s (read timeout, --read-timeout)"),
        "{msg}"
    );
    assert!(msg.contains("/api/invitations"), "{msg}");
    assert!(e["hint"].as_str().unwrap().contains("--read-timeout"));
}

#[test]
fn a_stall_mid_body_is_a_read_timeout() {
    let w = World::signed_in();
    for i in 0..5 {
        w.server.add_invitation(InvitationSeed {
            email: format!("u{i}@example.com"),
            network_id: 1,
            ..Default::default()
        });
    }
    inject(&w, "GET", "/api/invitations", FaultKind::StallMidBody, 1);
    w.server.clear_requests();
    let out = w
        .run(&["list", "-v", "--read-timeout", "0.5", "--json"])
        .ok();
    assert_eq!(out.json().as_array().unwrap().len(), 5);
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    assert!(
        out.stderr.contains("read timeout (0.5 s)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_stalled_write_is_reported_as_unknown_and_not_resent() {
    let (w, id) = with_invitation();
    inject(&w, "POST", "/api/invitations", FaultKind::StallMidBody, 1);
    let out = w
        .run(&[
            "create",
            "--email",
            "new@example.com",
            "--network",
            "lab",
            "--json",
            "--read-timeout",
            "0.5",
        ])
        .ok();
    // Created before the answer stalled: the lookup after the lost answer finds it.
    assert_eq!(out.json()["email"], "new@example.com");
    assert_eq!(attempts(&w, "POST", "/api/invitations"), 1);
    // The backend created it before its answer stalled: exactly once.
    assert_eq!(held_for(&w, "new@example.com").len(), 1);

    let path = format!("/api/invitations/{id}");
    inject(&w, "DELETE", &path, FaultKind::Stall, 1);
    w.run(&["revoke", &id, "--yes", "--read-timeout", "0.5"])
        .code(7)
        .stderr_has("within 0.5 s (read timeout, --read-timeout)")
        .stderr_has(&format!("netinvite show {id}"));
    assert_eq!(attempts(&w, "DELETE", &path), 1);
}

// -- lost answers ---------------------------------------------------------------------------

#[test]
fn a_lost_create_answer_never_creates_twice() {
    let w = World::signed_in();
    inject(&w, "POST", "/api/invitations", FaultKind::LostAnswer, 1);
    w.server.clear_requests();
    // Not sent again: looked up, found, and reported as created with its link.
    let out = w
        .run(&["create", "--email", "lost@example.com", "--network", "lab"])
        .ok()
        .stdout_has("/invitations/accept/");
    assert_eq!(attempts(&w, "POST", "/api/invitations"), 1);
    assert!(
        out.stderr.contains("answer for lost@example.com was lost"),
        "{}",
        out.stderr
    );
    let held = held_for(&w, "lost@example.com");
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["status"], "pending");
}

#[test]
fn a_lost_revoke_answer_is_looked_up_and_the_revoke_happened_once() {
    let (w, id) = with_invitation();
    let path = format!("/api/invitations/{id}");
    inject(&w, "DELETE", &path, FaultKind::LostAnswer, 1);
    let out = w.run(&["revoke", &id, "--yes", "--json"]).ok();
    // Never sent again: the revoked slice of its network was asked instead.
    assert_eq!(attempts(&w, "DELETE", &path), 1);
    assert!(w.server.requests().iter().any(|r| {
        r.method == "GET"
            && r.path == "/api/invitations"
            && r.query
                .as_deref()
                .is_some_and(|q| q.contains("status_filter=revoked"))
    }));
    let v = out.json();
    assert_eq!(v[0]["id"].to_string(), id);
    assert_eq!(v[0]["status"], "revoked");
    assert!(out.stderr.contains("answer was lost"), "{}", out.stderr);
    let held = held_for(&w, "held@example.com");
    assert_eq!(held[0]["status"], "revoked");
}

#[test]
fn a_revoke_lost_before_the_server_acted_is_outcome_unknown() {
    let (w, id) = with_invitation();
    let path = format!("/api/invitations/{id}");
    // The connection is reset before the backend runs: nothing was revoked.
    inject(&w, "DELETE", &path, FaultKind::ConnectionReset, 1);
    let out = w
        .run(&["revoke", &id, "--yes", "--json"])
        .code(7)
        .stdout_empty();
    assert_eq!(attempts(&w, "DELETE", &path), 1);
    assert_eq!(out.json_error()["code"], "outcome_unknown");
    let held = held_for(&w, "held@example.com");
    assert_eq!(held[0]["status"], "pending");
}

#[test]
fn a_lost_resend_answer_is_never_resent() {
    let (w, id) = with_invitation();
    let path = format!("/api/invitations/{id}/resend");
    inject(&w, "POST", &path, FaultKind::LostAnswer, 1);
    let out = w.run(&["resend", &id, "--json"]).code(7).stdout_empty();
    assert_eq!(attempts(&w, "POST", &path), 1);
    let e = out.json_error();
    assert_eq!(e["code"], "outcome_unknown");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains(&format!("sent the email of invitation {id} again"))
    );
}

#[test]
fn a_lost_list_answer_is_simply_asked_again() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::LostAnswer, 1);
    w.server.clear_requests();
    w.run(&["list"]).ok();
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
}

// -- no server, and where the timeouts come from -------------------------------------------

#[test]
fn a_refused_connection_is_tried_three_times() {
    let w = World::new();
    let url = w.url();
    drop(w.server);
    let w2 = World::new();
    let out = w2
        .run_with(
            &["list", "-v"],
            &[("NETINVITE_TOKEN", "x"), ("NETINVITE_SERVER", &url)],
            None,
        )
        .code(7)
        .stderr_has("cannot reach")
        .stderr_has("(after 3 attempts)");
    assert!(
        out.stderr.contains("→ connection failed in")
            && out.stderr.contains("attempt 3/3 after connection failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_profile_and_the_environment_set_the_timeouts() {
    let w = World::signed_in();
    inject(&w, "GET", "/api/invitations", FaultKind::Stall, 0);
    w.run(&["config", "set", "read-timeout", "0.4"]).ok();
    let show = w.run(&["config", "show", "--json"]).ok().json();
    assert_eq!(show["read_timeout"], 0.4);
    assert_eq!(show["connect_timeout"], 5.0);
    w.run(&["list"])
        .code(7)
        .stderr_has("within 0.4 s (read timeout, --read-timeout)");
    // The flag beats the profile; the old variable name still works.
    w.run(&["list", "--read-timeout", "0.3"])
        .code(7)
        .stderr_has("within 0.3 s");
    w.run_with(&["list"], &[("NETINVITE_HTTP_TIMEOUT", "0.2")], None)
        .code(7)
        .stderr_has("within 0.2 s");
    w.run_with(&["list"], &[("NETINVITE_READ_TIMEOUT", "0.25")], None)
        .code(7)
        .stderr_has("within 0.25 s");
    w.run(&["config", "unset", "read-timeout"]).ok();
    let show = w.run(&["config", "show"]).ok();
    assert!(
        show.stdout
            .contains("per request: 15 s, lists 60 s, writes 30 s"),
        "{}",
        show.stdout
    );
}

#[test]
fn bad_timeout_values_are_refused_clearly() {
    let w = World::signed_in();
    w.run(&["list", "--read-timeout", "soon"])
        .code(2)
        .stderr_has("\"soon\" is not a usable number of seconds");
    w.run(&["list", "--connect-timeout", "0"])
        .code(2)
        .stderr_has("greater than 0");
    w.run(&["config", "set", "connect-timeout", "forever"])
        .code(2)
        .stderr_has("not a usable number of seconds");
    w.run_with(&["list"], &[("NETINVITE_HTTP_TIMEOUT", "x")], None)
        .code(2)
        .stderr_has("NETINVITE_HTTP_TIMEOUT");
}

/// An IMF-fixdate (RFC 9110) for a `Retry-After` header.
fn httpdate_fmt(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[test]
fn a_connection_that_cannot_be_opened_in_time_is_a_connect_timeout() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so connecting
    // hangs as it does to a host that drops packets.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    while held.len() < 1000 {
        match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    let w = World::new();
    let url = format!("http://{addr}");
    let started = std::time::Instant::now();
    let out = w
        .run_with(
            &["list", "--json", "--connect-timeout", "0.3", "-v"],
            &[("NETINVITE_TOKEN", "x"), ("NETINVITE_SERVER", &url)],
            None,
        )
        .code(7)
        .stdout_empty();
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    let e = out.json_error();
    assert_eq!(e["code"], "connect_timeout");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "could not connect to {url}/api/invitations within 0.3 s (connect timeout, --connect-timeout)"
        )),
        "{msg}"
    );
    assert!(msg.contains("(after 2 attempts)"), "{msg}");
    assert!(e["hint"].as_str().unwrap().contains("--connect-timeout"));
    assert!(
        out.stderr.contains("connect timeout (0.3 s)"),
        "{}",
        out.stderr
    );
    drop(held);
}

#[test]
fn a_connection_lost_on_every_attempt_says_so() {
    let w = listed();
    inject(&w, "GET", "/api/invitations", FaultKind::ConnectionReset, 0);
    w.server.clear_requests();
    let out = w.run(&["list", "--json"]).code(7).stdout_empty();
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 3);
    let e = out.json_error();
    assert_eq!(e["code"], "connection_lost");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("/api/invitations broke before the whole answer arrived"),
        "{msg}"
    );
    assert!(msg.contains("(after 3 attempts)"), "{msg}");
}

/// Stalls under each write: one attempt, exit 7, `outcome_unknown`, and on the server the
/// write happened exactly when the backend ran (mid-body) and not at all otherwise.
#[test]
fn stalls_under_every_write_are_single_attempts() {
    let w = World::signed_in();
    for (n, (kind, backend_ran)) in [(FaultKind::Stall, false), (FaultKind::StallMidBody, true)]
        .into_iter()
        .enumerate()
    {
        // create
        let email = format!("stall{n}@example.com");
        inject(&w, "POST", "/api/invitations", kind.clone(), 1);
        w.server.clear_requests();
        let out = w.run(&[
            "create",
            "--email",
            &email,
            "--network",
            "lab",
            "--json",
            "--read-timeout",
            "0.4",
        ]);
        if backend_ran {
            // Created before the answer stalled: the lookup after the lost answer finds it.
            out.ok();
        } else {
            let out = out.code(7).stdout_empty();
            assert_eq!(out.json_error()["code"], "outcome_unknown", "{kind:?}");
        }
        assert_eq!(attempts(&w, "POST", "/api/invitations"), 1, "{kind:?}");
        assert_eq!(
            held_for(&w, &email).len(),
            usize::from(backend_ran),
            "{kind:?}"
        );

        // revoke
        let inv = w.create(&format!("target{n}@example.com"), "lab");
        let id = inv["id"].as_i64().unwrap().to_string();
        let path = format!("/api/invitations/{id}");
        inject(&w, "DELETE", &path, kind.clone(), 1);
        w.server.clear_requests();
        let out = w.run(&["revoke", &id, "--yes", "--json", "--read-timeout", "0.4"]);
        assert_eq!(attempts(&w, "DELETE", &path), 1, "{kind:?}");
        let status = &held_for(&w, &format!("target{n}@example.com"))[0]["status"];
        if backend_ran {
            // A 204 has no body to stall in: the answer arrives whole.
            out.ok();
            assert_eq!(status, "revoked");
        } else {
            let out = out.code(7).stdout_empty();
            assert_eq!(out.json_error()["code"], "outcome_unknown", "{kind:?}");
            assert_eq!(status, "pending");
        }

        // resend (of a fresh pending one)
        let inv = w.create(&format!("mail{n}@example.com"), "lab");
        let id = inv["id"].as_i64().unwrap().to_string();
        let path = format!("/api/invitations/{id}/resend");
        inject(&w, "POST", &path, kind.clone(), 1);
        w.server.clear_requests();
        let out = w
            .run(&["resend", &id, "--json", "--read-timeout", "0.4"])
            .code(7)
            .stdout_empty();
        assert_eq!(out.json_error()["code"], "outcome_unknown", "{kind:?}");
        assert_eq!(attempts(&w, "POST", &path), 1, "{kind:?}");
    }
}

#[test]
fn a_trickling_answer_hits_the_deadline() {
    let w = listed();
    // Each byte comes well within the read timeout; the whole answer would take minutes.
    inject(
        &w,
        "GET",
        "/api/invitations",
        FaultKind::Trickle(std::time::Duration::from_millis(100)),
        0,
    );
    w.server.clear_requests();
    let started = std::time::Instant::now();
    let out = w
        .run(&["list", "--json", "--read-timeout", "0.4"])
        .code(7)
        .stdout_empty();
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(attempts(&w, "GET", "/api/invitations"), 2);
    let e = out.json_error();
    assert_eq!(e["code"], "read_timeout");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains(
            "did not complete within 0.8 s (deadline: twice the read timeout, --read-timeout)"
        ),
        "{msg}"
    );
}

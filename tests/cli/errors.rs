//! Faults: server errors, proxy pages, malformed bodies, slowness, validation arrays.
//! Each is a clear message with its exit status, and stdout stays clean.

use crate::support::*;

fn fault(w: &World, path: &str, kind: FaultKind) {
    w.server.inject(Fault {
        method: None,
        path_prefix: path.into(),
        kind,
        times: 1,
    });
}

#[test]
fn a_plain_500_is_exit_7() {
    let w = World::signed_in();
    fault(&w, "/api/invitations", FaultKind::InternalError);
    let out = w.run(&["list", "--json"]).code(7).stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "server_error");
    assert!(e["message"].as_str().unwrap().contains("500"));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Internal Server Error")
    );
}

#[test]
fn an_html_502_from_a_proxy_is_readable() {
    let w = World::signed_in();
    w.server.inject(Fault {
        method: None,
        path_prefix: "/api/invitations".into(),
        kind: FaultKind::HtmlBadGateway,
        times: 0,
    });
    let out = w.run(&["list"]).code(7).stdout_empty();
    assert!(out.stderr.contains("502"), "{}", out.stderr);
    assert!(!out.stderr.contains("<html"), "no raw HTML: {}", out.stderr);
}

#[test]
fn a_malformed_body_is_exit_7() {
    let w = World::signed_in();
    fault(&w, "/api/invitations", FaultKind::MalformedJson);
    w.run(&["list"])
        .code(7)
        .stdout_empty()
        .stderr_has("unexpected answer");
    fault(&w, "/api/invitations", FaultKind::WrongShape);
    w.run(&["list"]).code(7).stdout_empty();
}

#[test]
fn a_slow_server_times_out() {
    let w = World::signed_in();
    w.server.inject(Fault {
        method: None,
        path_prefix: "/api/invitations".into(),
        kind: FaultKind::Delay(std::time::Duration::from_secs(5)),
        times: 0,
    });
    w.run_with(&["list"], &[("NETINVITE_HTTP_TIMEOUT", "0.5")], None)
        .code(7)
        .stdout_empty()
        .stderr_has("no answer from")
        .stderr_has("within 0.5 s (read timeout)")
        .stderr_has("(after 2 attempts)");
}

#[test]
fn an_unreachable_server_is_exit_7() {
    let w = World::signed_in();
    let url = w.url();
    drop(w.server);
    let w2 = World::new();
    // Point the signed-in profile's server at a port nobody listens on.
    w2.run_with(
        &["list"],
        &[("NETINVITE_TOKEN", "x"), ("NETINVITE_SERVER", &url)],
        None,
    )
    .code(7)
    .stderr_has("cannot reach");
}

#[test]
fn a_rate_limited_dev_token_says_so() {
    let w = World::with(Options {
        dev_token_limit_per_minute: 1,
        ..Default::default()
    });
    w.login();
    // A second sign-in from another config directory goes over the limit.
    let other = tempfile::tempdir().unwrap();
    let out = {
        let mut c = w.command(&["login", "--server", &w.url()]);
        c.env("NETINVITE_CONFIG_DIR", other.path());
        c.output().unwrap()
    };
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rate limited"));
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let w = World::new();
    w.run(&["frobnicate"]).code(2);
    let out = w.run(&["list", "--bogus", "--json"]).code(2).stdout_empty();
    assert_eq!(out.json_error()["code"], "usage");
    w.run(&["create", "--network", "lab"])
        .code(2)
        .stderr_has("--email");
}

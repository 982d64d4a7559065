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
        .stderr_has("within 0.5 s (read timeout, --read-timeout)")
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

#[test]
fn a_404_on_revoke_or_resend_names_the_invitation_id() {
    let w = World::signed_in();
    let inv = w.create("gone@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    // The invitation vanishes between the lookup and the write.
    for (method, path, cmd) in [
        (
            "DELETE",
            format!("/api/invitations/{id}"),
            vec!["revoke", id.as_str(), "--yes", "--json"],
        ),
        (
            "POST",
            format!("/api/invitations/{id}/resend"),
            vec!["resend", id.as_str(), "--json"],
        ),
    ] {
        w.server.inject(Fault {
            method: Some(method),
            path_prefix: path,
            kind: FaultKind::Detail {
                code: 404,
                detail: "Invitation not found".into(),
            },
            times: 1,
        });
        let out = w.run(&cmd).code(3).stdout_empty();
        let e = out.json_error();
        assert_eq!(e["code"], "invitation_not_found");
        assert_eq!(e["message"], format!("invitation {id} not found"));
        assert!(!out.stderr.contains("link"), "{}", out.stderr);
    }
}

#[test]
fn an_unknown_link_token_is_worded_for_a_link() {
    let w = World::signed_in();
    let token = "DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE";
    let link = format!("{}/invitations/accept/{token}", w.url());
    let out = w.run(&["inspect", &link, "--json"]).code(3).stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "invitation_not_found");
    assert_eq!(e["message"], "no invitation has this token");
    assert!(
        e["hint"]
            .as_str()
            .unwrap()
            .contains("link was copied whole")
    );
}

#[test]
fn input_errors_name_what_was_given() {
    let w = World::signed_in();
    w.server.clear_requests();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["show", "x1", "--json"],
            "invalid_id",
            "\"x1\" is not an invitation id",
        ),
        (
            &["inspect", "https://h/nope", "--json"],
            "invalid_link",
            "\"https://h/nope\" is neither an invitation link",
        ),
        (
            &["create", "--email", "ana", "--network", "lab", "--json"],
            "invalid_email",
            "\"ana\" is not a valid email address",
        ),
        (
            &[
                "create",
                "--email",
                "a@example.com",
                "--network",
                "lab",
                "--expires-in",
                "900d",
                "--json",
            ],
            "invalid_expiry",
            "invalid expiry \"900d\"",
        ),
        (
            &[
                "create",
                "--email",
                "a@example.com",
                "--network",
                "lab",
                "--role",
                "admin",
                "--json",
            ],
            "invalid_role",
            "no `admin` invitation role",
        ),
        (
            &[
                "create",
                "--email",
                "a@example.com",
                "--network",
                "lab",
                "--role",
                "boss",
                "--json",
            ],
            "invalid_role",
            "unknown role \"boss\"",
        ),
        (
            &["list", "--status", "gone", "--json"],
            "invalid_status",
            "unknown status \"gone\"",
        ),
    ];
    for (args, code, msg) in cases {
        let out = w.run(args).code(2).stdout_empty();
        let e = out.json_error();
        assert_eq!(e["code"], *code, "{args:?}");
        assert!(
            e["message"].as_str().unwrap().contains(msg),
            "{args:?}: {e}"
        );
    }
    // All of them were refused before any request.
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());
}

#[test]
fn lookups_name_the_network_and_the_profile() {
    let w = World::signed_in();
    let out = w
        .run(&[
            "create",
            "--email",
            "a@example.com",
            "--network",
            "nope",
            "--json",
        ])
        .code(3);
    let e = out.json_error();
    assert_eq!(e["code"], "network_not_found");
    assert_eq!(e["message"], "no network named \"nope\"");
    assert!(out.stderr.contains("lab (id 1)"), "{}", out.stderr);
    let out = w.run(&["list", "--profile", "elsewhere", "--json"]).code(3);
    let e = out.json_error();
    assert_eq!(e["code"], "profile_not_found");
    assert_eq!(e["message"], "no profile named \"elsewhere\"");
}

#[test]
fn missing_sign_in_names_the_server() {
    let w = World::new();
    let out = w.run(&["list", "--json"]).code(4);
    assert_eq!(out.json_error()["code"], "no_server");
    let out = w.run(&["list", "--server", &w.url(), "--json"]).code(4);
    let e = out.json_error();
    assert_eq!(e["code"], "not_signed_in");
    assert_eq!(e["message"], format!("not signed in to {}", w.url()));
}

#[test]
fn a_server_that_is_not_nebula_commander_is_named() {
    let w = World::new();
    w.server.inject(Fault {
        method: Some("GET"),
        path_prefix: "/api".into(),
        kind: FaultKind::Detail {
            code: 404,
            detail: "Not Found".into(),
        },
        times: 0,
    });
    let out = w
        .run(&["login", "--server", &w.url(), "--json"])
        .code(7)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "not_nebula_commander");
    assert_eq!(
        e["message"],
        format!(
            "{} does not answer as a Nebula Commander server (no /api endpoint)",
            w.url()
        )
    );
    // A 404 is an answer: asked once, not retried.
    assert_eq!(w.server.requests().len(), 1);
}

#[test]
fn a_500_from_the_rate_limited_preview_is_not_retried() {
    let w = World::signed_in();
    let inv = w.create("peek@example.com", "lab");
    let link = inv["link"].as_str().unwrap().to_string();
    w.server.inject(Fault {
        method: Some("GET"),
        path_prefix: "/api/invitations/public".into(),
        kind: FaultKind::InternalError,
        times: 0,
    });
    w.server.clear_requests();
    let out = w.run(&["inspect", &link, "--json"]).code(7).stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "server_error");
    assert!(e["hint"].as_str().unwrap().contains("rate limited"));
    assert_eq!(w.server.requests().len(), 1);
}

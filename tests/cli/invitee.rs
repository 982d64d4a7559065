//! The invitee's side: `inspect` (public preview) and `accept`.

use crate::support::*;

#[test]
fn inspect_takes_a_link_or_a_token_without_signing_in() {
    let w = World::signed_in();
    let inv = w.create("inv@example.com", "lab");
    let link = inv["link"].as_str().unwrap();
    let token = inv["token"].as_str().unwrap();
    let other = World::new();
    // A fresh config dir: no sign-in at all, the server comes from the link.
    let out = other.run(&["inspect", link, "--json"]).ok();
    let v = out.json();
    assert_eq!(v["email"], "inv@example.com");
    assert_eq!(v["network_name"], "lab");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["link"], link);
    // A bare token uses the selected server.
    let v = w.run(&["inspect", token, "--json"]).ok().json();
    assert_eq!(v["role"], "member");
    w.run(&["inspect", "http://x/not/a/link"]).code(2);
}

#[test]
fn inspect_errors() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    w.run(&["inspect", &"A".repeat(43)])
        .code(3)
        .stderr_has("no invitation");
    let late = w.server.add_invitation(InvitationSeed {
        email: "late@example.com".into(),
        network_id: lab,
        expires_at: When::FromNow(chrono::TimeDelta::seconds(-10)),
        ..Default::default()
    });
    w.run(&["inspect", "--", &late.token])
        .code(6)
        .stderr_has("expired");
    let rev = w.server.add_invitation(InvitationSeed {
        email: "rev@example.com".into(),
        network_id: lab,
        status: "revoked".into(),
        ..Default::default()
    });
    w.run(&["inspect", "--", &rev.token])
        .code(6)
        .stderr_has("revoked");
}

#[test]
fn accept_makes_the_invitee_a_member() {
    let admin = World::signed_in();
    let inv = admin.create("hana@example.com", "lab");
    let lab = admin.network_id("lab");
    let token = admin
        .server
        .mint_token("hana", Some("hana@example.com"), None, 3600);
    // The invitee has a config of their own.
    let invitee = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = admin.command(args);
        c.env("NETINVITE_CONFIG_DIR", invitee.path());
        c.stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        });
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(s) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let link = inv["link"].as_str().unwrap();
    let out = run(&["accept", link], None);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &["login", "--server", &admin.url(), "--with-token"],
        Some(&token),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["accept", link, "--json"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["accepted"], true);
    assert!(admin.server.is_member(lab, "hana"));
    let listed = admin.run(&["list", "--json"]).ok().json();
    assert_eq!(listed[0]["status"], "accepted");
    assert!(listed[0]["accepted_at"].as_str().unwrap().ends_with('Z'));
    // Twice: the server says it is no longer pending.
    let out = run(&["accept", link], None);
    assert_eq!(out.status.code(), Some(6));
}

#[test]
fn accept_for_another_address_is_refused() {
    let admin = World::signed_in();
    let inv = admin.create("ivan@example.com", "lab");
    let token = admin
        .server
        .mint_token("judy", Some("judy@example.com"), None, 3600);
    admin
        .run_with(
            &["accept", inv["link"].as_str().unwrap()],
            &[("NETINVITE_TOKEN", &token)],
            None,
        )
        .code(5)
        .stderr_has("different email");
}

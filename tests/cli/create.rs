//! `netinvite create`: validation before any request, name resolution, the server's
//! conflicts, several addresses at once, JSON field by field.

use crate::support::*;

fn posts(w: &World) -> usize {
    w.server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/invitations")
        .count()
}

#[test]
fn creates_and_prints_json_field_by_field() {
    let w = World::signed_in();
    let out = w
        .run(&[
            "create",
            "--email",
            "Ana@Example.com",
            "--network",
            "lab",
            "--role",
            "owner",
            "--can-manage-nodes",
            "--can-manage-firewall",
            "--expires-in",
            "14d",
            "--json",
        ])
        .ok();
    let v = out.json();
    let id = v["id"].as_i64().unwrap();
    assert!(id > 0);
    assert_eq!(v["email"], "ana@example.com", "lower-cased before sending");
    assert_eq!(v["network_name"], "lab");
    assert_eq!(v["network_id"], w.network_id("lab"));
    assert_eq!(v["role"], "owner");
    assert_eq!(v["can_manage_nodes"], true);
    assert_eq!(v["can_invite_users"], false);
    assert_eq!(v["can_manage_firewall"], true);
    assert_eq!(v["status"], "pending");
    assert_eq!(v["stored_status"], "pending");
    assert_eq!(v["email_status"], "not_sent");
    assert_eq!(v["invited_by_email"], "dev@localhost");
    assert!(v["invited_by_user_id"].is_i64());
    assert!(v["accepted_at"].is_null());
    assert!(v["email_sent_at"].is_null());
    assert!(v["email_error"].is_null());
    let token = v["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert_eq!(v["link"], format!("{}/invitations/accept/{token}", w.url()));
    let created = chrono_parse(v["created_at"].as_str().unwrap());
    let expires = chrono_parse(v["expires_at"].as_str().unwrap());
    let days = (expires - created) as f64 / 86400.0;
    assert!((days - 14.0).abs() < 0.01, "{days}");
    // Exactly what the server stored.
    let stored = w.server.invitation(id).unwrap();
    assert_eq!(stored["email"], "ana@example.com");
    assert_eq!(stored["role"], "owner");
}

/// Seconds since the epoch of an RFC 3339 `Z` time (checks the format too).
fn chrono_parse(s: &str) -> i64 {
    assert!(s.ends_with('Z'), "{s} is not UTC with Z");
    let out = std::process::Command::new("date")
        .args(["-u", "-d", s, "+%s"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn human_output_puts_the_link_on_stdout_and_says_no_email_went_out() {
    let w = World::signed_in();
    let out = w
        .run(&["create", "--email", "bob@example.com", "--network", "lab"])
        .ok();
    let link = out.stdout.trim();
    assert!(
        link.starts_with(&format!("{}/invitations/accept/", w.url())),
        "{link}"
    );
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stderr.contains("no email was sent"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Invited bob@example.com to lab as member")
    );
}

#[test]
fn bad_input_fails_before_any_request() {
    let w = World::signed_in();
    w.server.clear_requests();
    let cases: &[(&[&str], &str)] = &[
        (&["--email", "not-an-email"], "no @"),
        (&["--email", "ana@example"], "domain has no dot"),
        (&["--expires-in", "0"], "at least 1 day"),
        (&["--expires-in", "400d"], "at most 365"),
        (&["--expires-in", "1.5d"], "whole days"),
        (&["--role", "admin"], "--role owner"),
        (&["--role", "boss"], "--role member or --role owner"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["create", "--network", "lab"];
        if !extra.contains(&"--email") {
            args.extend(["--email", "ok@example.com"]);
        }
        args.extend_from_slice(extra);
        let out = w.run(&args).code(2).stdout_empty();
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());
}

#[test]
fn json_errors_go_to_stderr_and_stdout_stays_clean() {
    let w = World::signed_in();
    let out = w
        .run(&["create", "--email", "x", "--network", "lab", "--json"])
        .code(2)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "invalid_email");
    assert_eq!(e["exit_code"], 2);
    assert!(e["message"].as_str().unwrap().contains("not a valid email"));
    assert!(e["hint"].is_string());
}

#[test]
fn networks_resolve_by_name_case_and_id() {
    let w = World::signed_in();
    w.server.add_network("Lab2", "10.44.0.0/16");
    let lab2 = w.network_id("Lab2");
    assert_eq!(w.create("a@example.com", "lab2")["network_id"], lab2);
    assert_eq!(
        w.create("b@example.com", &lab2.to_string())["network_id"],
        lab2
    );
    w.server.clear_requests();
    let out = w
        .run(&["create", "--email", "c@example.com", "--network", "nope"])
        .code(3);
    assert!(
        out.stderr.contains("lab (id"),
        "candidates listed: {}",
        out.stderr
    );
    assert!(out.stderr.contains("office"));
    assert_eq!(posts(&w), 0);
}

#[test]
fn ambiguous_case_insensitive_names_are_refused() {
    let w = World::signed_in();
    w.server.add_network("Dev", "10.50.0.0/16");
    w.server.add_network("DEV", "10.51.0.0/16");
    w.run(&["create", "--email", "a@example.com", "--network", "dev"])
        .code(3)
        .stderr_has("more than one");
    // The exact name still wins.
    w.create("a@example.com", "DEV");
}

#[test]
fn a_pending_invitation_blocks_a_new_one_and_replace_renews_it() {
    let w = World::signed_in();
    let first = w.create("dup@example.com", "lab");
    let out = w
        .run(&["create", "--email", "dup@example.com", "--network", "lab"])
        .code(6);
    assert!(
        out.stderr.contains("already has a pending invitation"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("netinvite show {}", first["id"])),
        "{}",
        out.stderr
    );
    let second = w
        .run(&[
            "create",
            "--email",
            "dup@example.com",
            "--network",
            "lab",
            "--replace",
            "--json",
        ])
        .ok()
        .json();
    assert_ne!(second["id"], first["id"]);
    let old = w.server.invitation(first["id"].as_i64().unwrap()).unwrap();
    assert_eq!(old["status"], "revoked");
}

#[test]
fn a_past_deadline_pending_invitation_is_named_as_such() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let seeded = w.server.add_invitation(InvitationSeed {
        email: "late@example.com".into(),
        network_id: lab,
        expires_at: When::FromNow(chrono::TimeDelta::seconds(-3 * 86400)),
        ..Default::default()
    });
    let out = w
        .run(&[
            "create",
            "--email",
            "late@example.com",
            "--network",
            "lab",
            "--json",
        ])
        .code(6);
    let e = out.json_error();
    assert_eq!(e["code"], "already_pending");
    assert!(e["hint"].as_str().unwrap().contains("past its deadline"));
    assert!(e["hint"].as_str().unwrap().contains("--replace"));
    w.run(&[
        "create",
        "--email",
        "late@example.com",
        "--network",
        "lab",
        "--replace",
    ])
    .ok();
    assert_eq!(w.server.invitation(seeded.id).unwrap()["status"], "revoked");
}

#[test]
fn several_addresses_report_each_and_keep_the_successes() {
    let w = World::signed_in();
    w.create("taken@example.com", "lab");
    let out = w
        .run(&[
            "create",
            "--email",
            "one@example.com",
            "--email",
            "taken@example.com",
            "--email",
            "two@example.com",
            "--network",
            "lab",
            "--json",
        ])
        .code(6);
    let v = out.json();
    let emails: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].clone())
        .collect();
    assert_eq!(emails, vec!["one@example.com", "two@example.com"]);
    assert!(out.stderr.contains("taken@example.com"), "{}", out.stderr);
    let all = w.run(&["list", "--json"]).ok().json();
    assert_eq!(all.as_array().unwrap().len(), 3);
}

#[test]
fn a_member_cannot_be_invited_again() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    w.server
        .add_user("frank", Some("frank@example.com"), "user");
    w.server
        .add_membership(lab, "frank", "member", false, false, false);
    w.run(&["create", "--email", "frank@example.com", "--network", "lab"])
        .code(6)
        .stderr_has("already a member");
}

#[test]
fn without_permission_is_exit_5() {
    let w = World::new();
    let lab = w.server.add_network("lab", "10.42.0.0/16");
    w.server.add_user("gina", Some("gina@example.com"), "user");
    w.server
        .add_membership(lab, "gina", "member", false, false, false);
    let token = w
        .server
        .mint_token("gina", Some("gina@example.com"), None, 3600);
    w.run_with(
        &["login", "--server", &w.url(), "--with-token"],
        &[],
        Some(&token),
    )
    .ok();
    w.run(&["create", "--email", "x@example.com", "--network", "lab"])
        .code(5)
        .stderr_has("only network owners, system admins and members with can_invite_users can invite into network \"lab\"");
    assert_eq!(attempts(&w, "POST", "/api/invitations"), 0);
}

#[test]
fn clipboard_copy_flag_puts_the_new_link_on_the_clipboard() {
    let w = World::signed_in();
    let out = w
        .run(&[
            "create",
            "--email",
            "clip@example.com",
            "--network",
            "lab",
            "--copy",
        ])
        .ok();
    let link = out.stdout.trim().to_string();
    assert_eq!(read_clipboard().as_deref(), Some(link.as_str()));
}

#[test]
fn addresses_can_come_from_a_file_or_stdin() {
    let w = World::signed_in();
    let file = w.home.path().join("people.txt");
    std::fs::write(&file, "# new hires\nann@example.com\n\nben@example.com\n").unwrap();
    let v = w
        .run(&[
            "create",
            "--emails-from",
            file.to_str().unwrap(),
            "--network",
            "lab",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let out = w
        .run_with(
            &["create", "--emails-from", "-", "--network", "office"],
            &[],
            Some("cy@example.com\nnot-an-address\n"),
        )
        .code(2);
    assert!(out.stderr.contains("not-an-address"), "{}", out.stderr);
    assert_eq!(
        posts(&w),
        2,
        "a bad line stops the batch before any request"
    );
    w.run_with(
        &["create", "--emails-from", "-", "--network", "lab"],
        &[],
        Some("\n"),
    )
    .code(2)
    .stderr_has("no addresses");
}

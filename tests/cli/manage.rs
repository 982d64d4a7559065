//! `show`, `copy-link`, `resend` and `revoke`.

use crate::support::*;

#[test]
fn show_prints_every_field_in_one_request() {
    let w = World::signed_in();
    let inv = w.create("show@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    w.server.clear_requests();
    let out = w.run(&["show", &id]).ok();
    assert_eq!(w.server.requests().len(), 1);
    for needle in [
        "show@example.com",
        "lab (id",
        "member",
        "pending",
        "dev@localhost",
        "not sent",
        inv["link"].as_str().unwrap(),
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
    let v = w.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(v, w.run(&["list", "--json"]).ok().json()[0]);
}

#[test]
fn show_of_unknown_and_malformed_ids() {
    let w = World::signed_in();
    w.run(&["show", "999"])
        .code(3)
        .stderr_has("invitation 999 not found");
    w.server.clear_requests();
    w.run(&["show", "abc"])
        .code(2)
        .stderr_has("not an invitation id");
    w.run(&["show", "0"]).code(2);
    assert!(w.server.requests().is_empty());
}

#[test]
fn clipboard_copy_link_survives_the_process() {
    let w = World::signed_in();
    let inv = w.create("copy@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    let out = w.run(&["copy-link", &id]).ok().stdout_empty();
    assert!(out.stderr.contains("Copied the link"), "{}", out.stderr);
    // netinvite has exited; another program reads the clipboard.
    assert_eq!(read_clipboard().as_deref(), inv["link"].as_str());
}

#[test]
fn copy_link_print_and_no_display() {
    let w = World::signed_in();
    let inv = w.create("print@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    let out = w.run(&["copy-link", &id, "--print"]).ok();
    assert_eq!(out.stdout.trim(), inv["link"].as_str().unwrap());
    let out = w
        .run_with(&["copy-link", &id], &[("DISPLAY", "")], None)
        .ok();
    assert_eq!(
        out.stdout.trim(),
        inv["link"].as_str().unwrap(),
        "never a lost link"
    );
    assert!(out.stderr.contains("no clipboard"), "{}", out.stderr);
    let out = w
        .run_with(&["copy-link", &id], &[("DISPLAY", ":987")], None)
        .ok();
    assert_eq!(out.stdout.trim(), inv["link"].as_str().unwrap());
}

#[test]
fn public_url_changes_the_links() {
    let w = World::signed_in();
    w.run(&["config", "set", "public-url", "https://nebula.example.com/"])
        .ok();
    let inv = w.create("pub@example.com", "lab");
    let token = inv["token"].as_str().unwrap();
    assert_eq!(
        inv["link"],
        format!("https://nebula.example.com/invitations/accept/{token}")
    );
}

#[test]
fn resend_without_smtp_prints_the_link() {
    let w = World::signed_in();
    let inv = w.create("re@example.com", "lab");
    let id = inv["id"].as_i64().unwrap().to_string();
    let out = w.run(&["resend", &id]).ok();
    assert_eq!(out.stdout.trim(), inv["link"].as_str().unwrap());
    assert!(out.stderr.contains("no email was sent"));
}

#[test]
fn resend_refuses_what_is_not_pending_or_past_deadline() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let acc = w.server.add_invitation(InvitationSeed {
        email: "acc@example.com".into(),
        network_id: lab,
        status: "accepted".into(),
        ..Default::default()
    });
    let late = w.server.add_invitation(InvitationSeed {
        email: "late@example.com".into(),
        network_id: lab,
        expires_at: When::FromNow(chrono::TimeDelta::seconds(-10)),
        ..Default::default()
    });
    w.server.clear_requests();
    w.run(&["resend", &acc.id.to_string()])
        .code(6)
        .stderr_has("accepted, not pending");
    w.run(&["resend", &late.id.to_string()])
        .code(6)
        .stderr_has("past its deadline");
    assert!(w.server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn resend_wait_reports_sent_and_failed() {
    let w = World::with(Options {
        smtp: Smtp::Working,
        email_result_delay_ms: 300,
        ..Default::default()
    });
    w.server.add_network("lab", "10.42.0.0/16");
    w.login();
    let inv = w.create("mail@example.com", "lab");
    assert_eq!(inv["email_status"], "sending");
    let id = inv["id"].as_i64().unwrap().to_string();
    let v = w.run(&["resend", &id, "--wait", "--json"]).ok().json();
    assert_eq!(v["email_status"], "sent");
    assert!(v["email_sent_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["invited_by_email"], "dev@localhost");

    w.server.set_smtp(Smtp::Failing);
    let out = w.run(&["resend", &id, "--wait"]).code(1);
    assert!(out.stderr.contains("failed"), "{}", out.stderr);
    assert!(out.stderr.contains("Connection refused"), "{}", out.stderr);
}

#[test]
fn revoke_needs_confirmation_without_a_terminal() {
    let w = World::signed_in();
    let inv = w.create("rv@example.com", "lab");
    let id = inv["id"].as_i64().unwrap();
    w.run(&["revoke", &id.to_string()])
        .code(2)
        .stderr_has("--yes");
    w.run(&["revoke", &id.to_string(), "--no-input"]).code(2);
    assert_eq!(w.server.invitation(id).unwrap()["status"], "pending");
    let v = w
        .run(&["revoke", &id.to_string(), "--yes", "--json"])
        .ok()
        .json();
    assert_eq!(v[0]["id"], id);
    assert_eq!(v[0]["status"], "revoked");
    assert_eq!(v[0]["previous_status"], "pending");
    assert_eq!(w.server.invitation(id).unwrap()["status"], "revoked");
    // Again: said, not an error.
    w.run(&["revoke", &id.to_string(), "--yes"])
        .ok()
        .stderr_has("already revoked");
}

#[test]
fn revoking_an_accepted_invitation_needs_force_and_says_access_stays() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let acc = w.server.add_invitation(InvitationSeed {
        email: "acc@example.com".into(),
        network_id: lab,
        status: "accepted".into(),
        ..Default::default()
    });
    let id = acc.id.to_string();
    let out = w.run(&["revoke", &id, "--yes"]).code(6);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert!(out.stderr.contains("stays a member"), "{}", out.stderr);
    w.run(&["revoke", &id, "--yes", "--force"])
        .ok()
        .stderr_has("does not remove");
    assert_eq!(w.server.invitation(acc.id).unwrap()["status"], "revoked");
}

#[test]
fn revoke_several_and_unknown() {
    let w = World::signed_in();
    let a = w.create("a@example.com", "lab")["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let b = w.create("b@example.com", "office")["id"]
        .as_i64()
        .unwrap()
        .to_string();
    w.run(&["revoke", &a, "999", "--yes"]).code(3);
    w.run(&["revoke", &a, &b, "--yes"]).ok();
    let v = w
        .run(&["list", "--status", "revoked", "--json"])
        .ok()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 2);
}

/// Runs netinvite on a pseudo-terminal (util-linux `script`) and types `keys` once the
/// prompt is on the screen.
fn on_a_terminal(w: &World, args: &str, keys: &str) -> Run {
    use std::io::{Read, Write};
    let cmd = format!("{BIN} {args} --color never");
    let template = w.command(&[]);
    let mut child = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_clear()
        .envs(
            template
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !String::from_utf8_lossy(&screen).contains("[y/N]") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt: {}",
            String::from_utf8_lossy(&screen)
        );
        if let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            screen.extend(chunk);
        }
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(keys.as_bytes()).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    while let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
        screen.extend(chunk);
    }
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&screen).into_owned(),
        stderr: String::new(),
    }
}

#[test]
fn revoke_asks_on_a_terminal_naming_what_it_revokes() {
    let w = World::signed_in();
    let a = w.create("ask@example.com", "lab")["id"].as_i64().unwrap();
    let out = on_a_terminal(&w, &format!("revoke {a}"), "n");
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "Revoke invitation {a} (ask@example.com → lab, pending)?"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(w.server.invitation(a).unwrap()["status"], "pending");
    let out = on_a_terminal(&w, &format!("revoke {a}"), "y");
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(w.server.invitation(a).unwrap()["status"], "revoked");
}

#[test]
fn revoking_what_only_owners_may_revoke_is_exit_5() {
    let w = World::new();
    let lab = w.server.add_network("lab", "10.42.0.0/16");
    let seeded = w.server.add_invitation(InvitationSeed {
        email: "x@example.com".into(),
        network_id: lab,
        ..Default::default()
    });
    // May invite (so may list), but is neither owner nor the inviter.
    w.server.add_user("kim", Some("kim@example.com"), "user");
    w.server
        .add_membership(lab, "kim", "member", false, true, false);
    let token = w
        .server
        .mint_token("kim", Some("kim@example.com"), None, 3600);
    w.run_with(
        &["revoke", &seeded.id.to_string(), "--yes"],
        &[("NETINVITE_TOKEN", &token), ("NETINVITE_SERVER", &w.url())],
        None,
    )
    .code(5)
    .stderr_has("only its inviter, the network's owners and system admins can revoke")
    .stderr_has("invited by admin@example.com");
    // Refused in words before anything is sent.
    assert_eq!(
        attempts(&w, "DELETE", &format!("/api/invitations/{}", seeded.id)),
        0
    );
}

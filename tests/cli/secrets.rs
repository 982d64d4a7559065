//! Tokens never show: not in any output of a `-v` run, not in argv, not in the config.

use crate::support::*;

#[test]
fn a_verbose_session_prints_no_token() {
    let w = World::new();
    w.server.add_network("lab", "10.42.0.0/16");
    let mut all = String::new();
    for args in [
        vec!["login", "--server", w.url().as_str(), "-v"],
        vec![
            "create",
            "--email",
            "v@example.com",
            "--network",
            "lab",
            "-v",
        ],
        vec!["list", "-v"],
        vec!["networks", "-v", "--json"],
        vec!["auth", "status", "-v"],
    ] {
        let out = w.run(&args).ok();
        all.push_str(&out.stdout);
        all.push_str(&out.stderr);
    }
    assert!(all.contains("debug: GET"), "-v shows requests: {all}");
    assert!(all.contains("/api/invitations"));
    let token = w.run(&["auth", "token"]).ok().stdout.trim().to_string();
    assert!(token.len() > 20);
    assert!(!all.contains(&token), "token leaked into -v output");
    // Not even a recognisable part of it (its signature).
    let sig = token.rsplit('.').next().unwrap();
    assert!(!all.contains(sig));
    let config = std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(sig));
}

#[test]
fn the_invitation_token_is_redacted_in_verbose_urls() {
    let w = World::signed_in();
    let inv = w.create("r@example.com", "lab");
    let token = inv["token"].as_str().unwrap();
    let out = w.run(&["inspect", "-v", "--", token]).ok();
    assert!(
        out.stderr.contains("/api/invitations/public/<token>"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(token));
}

#[test]
fn auth_token_prints_only_the_token() {
    let w = World::new();
    w.login();
    let out = w.run(&["auth", "token"]).ok();
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stdout.starts_with("eyJ"));
    assert!(out.stderr.is_empty());
}

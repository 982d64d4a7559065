//! Signing in on a standalone server, the token store, and `auth status`.

use crate::support::*;

fn credential(w: &World) -> String {
    let text = std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap();
    let v: toml_lite::Doc = toml_lite::parse(&text);
    v.get("credential").expect("credential in config.toml")
}

/// Just enough TOML reading for `key = "value"` lines.
mod toml_lite {
    pub struct Doc(Vec<(String, String)>);
    impl Doc {
        pub fn get(&self, k: &str) -> Option<String> {
            self.0.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone())
        }
    }
    pub fn parse(text: &str) -> Doc {
        Doc(text
            .lines()
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect())
    }
}

#[test]
fn login_stores_the_dev_token_in_the_keyring_and_warns() {
    let w = World::new();
    let out = w.run(&["login", "--server", &format!("{}/", w.url())]).ok();
    assert!(
        out.stderr.contains("runs without sign-in"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    // The token set is in the real Secret Service, readable by another program.
    let account = format!("default@{} [{}]", w.url(), credential(&w));
    let found = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "netinvite", "username", &account])
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "secret-tool found nothing for {account}"
    );
    let set: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(set["kind"], "dev-token");
    assert!(set["access_token"].as_str().unwrap().starts_with("eyJ"));
    // The config file holds no token.
    let config = std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(set["access_token"].as_str().unwrap()));
}

#[test]
fn login_creates_the_user_record_so_create_works_at_once() {
    let w = World::new();
    w.server.add_network("lab", "10.42.0.0/16");
    w.login();
    let reqs = w.server.requests();
    assert!(
        reqs.iter()
            .any(|r| r.method == "GET" && r.path == "/api/networks")
    );
    w.create("ana@example.com", "lab");
}

#[test]
fn auth_status_shows_user_role_storage_and_expiry() {
    let w = World::new();
    w.login();
    let out = w.run(&["auth", "status", "--json"]).ok();
    let v = out.json();
    assert_eq!(v["server"], w.url());
    assert_eq!(v["email"], "dev@localhost");
    assert_eq!(v["system_role"], "system-admin");
    assert_eq!(v["storage"], "keyring");
    assert_eq!(v["mode"], "dev-token");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    let human = w.run(&["auth", "status"]).ok();
    assert!(human.stdout.contains("dev@localhost"));
    assert!(human.stdout.contains("OS keyring"));
}

#[test]
fn not_signed_in_is_exit_4_with_a_login_hint() {
    let w = World::new();
    w.run(&["auth", "status"])
        .code(4)
        .stderr_has("netinvite login");
    w.run(&["list", "--server", &w.url()])
        .code(4)
        .stdout_empty();
}

#[test]
fn logout_forgets_the_token() {
    let w = World::new();
    w.login();
    w.run(&["logout"]).ok().stderr_has("Signed out");
    w.run(&["auth", "status"])
        .code(4)
        .stderr_has("netinvite login");
    w.run(&["logout", "--json"]).ok();
}

#[test]
fn with_token_reads_stdin_and_rejects_bad_tokens() {
    let w = World::new();
    let token = w
        .server
        .mint_token("carol", Some("carol@example.com"), None, 3600);
    w.run_with(
        &["login", "--server", &w.url(), "--with-token"],
        &[],
        Some(&format!("{token}\n")),
    )
    .ok();
    let v = w.run(&["auth", "status", "--json"]).ok().json();
    assert_eq!(v["email"], "carol@example.com");
    assert_eq!(v["system_role"], "user");
    assert_eq!(v["mode"], "token");

    let w2 = World::new();
    w2.run_with(
        &["login", "--server", &w2.url(), "--with-token"],
        &[],
        Some("not-a-token"),
    )
    .code(4)
    .stderr_has("rejected");
    w2.run_with(
        &["login", "--server", &w2.url(), "--with-token"],
        &[],
        Some(""),
    )
    .code(2);
}

#[test]
fn netinvite_token_overrides_the_stored_one() {
    let w = World::new();
    w.login();
    let token = w
        .server
        .mint_token("erin", Some("erin@example.com"), None, 3600);
    let v = w
        .run_with(
            &["auth", "status", "--json"],
            &[("NETINVITE_TOKEN", &token)],
            None,
        )
        .ok()
        .json();
    assert_eq!(v["email"], "erin@example.com");
    assert_eq!(v["storage"], "env");
    // Works without any profile too (CI): server from NETINVITE_SERVER.
    let fresh = World::new();
    let token = fresh
        .server
        .mint_token("dev", Some("dev@localhost"), Some("system-admin"), 3600);
    fresh
        .run_with(
            &["networks", "--json"],
            &[
                ("NETINVITE_TOKEN", &token),
                ("NETINVITE_SERVER", &fresh.url()),
            ],
            None,
        )
        .ok();
    fresh
        .run_with(
            &["list"],
            &[
                ("NETINVITE_TOKEN", "garbage"),
                ("NETINVITE_SERVER", &fresh.url()),
            ],
            None,
        )
        .code(4)
        .stderr_has("NETINVITE_TOKEN");
}

#[test]
fn an_expiring_dev_token_is_fetched_again_transparently() {
    let w = World::with(Options {
        dev_token_ttl_secs: 30,
        ..Default::default()
    });
    w.login();
    w.server.clear_requests();
    w.run(&["list"]).ok();
    let reqs = w.server.requests();
    assert!(
        reqs.iter().any(|r| r.path == "/api/auth/dev-token"),
        "a token within a minute of expiry is renewed first: {reqs:?}"
    );
    assert!(reqs.iter().all(|r| r.status < 400), "{reqs:?}");
}

#[test]
fn a_refused_dev_token_is_fetched_again_once() {
    let w = World::new();
    w.server.add_network("lab", "10.42.0.0/16");
    w.login();
    w.create("ana@example.com", "lab");
    // A server restarted with a new signing secret refuses every earlier token.
    w.server.rotate_secret();
    w.server.clear_requests();
    let v = w.run(&["list", "--json"]).ok().json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let reqs = w.server.requests();
    let paths: Vec<_> = reqs.iter().map(|r| (r.path.as_str(), r.status)).collect();
    assert_eq!(
        paths,
        vec![
            ("/api/invitations", 401),
            ("/api/auth/dev-token", 200),
            ("/api/invitations", 200)
        ]
    );
}

#[test]
fn insecure_storage_writes_a_0600_file_and_refuses_a_wider_one() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.run(&["login", "--server", &w.url(), "--insecure-storage"])
        .ok();
    let dir = w.config_dir().join("credentials");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    w.run(&["auth", "status", "--json"]).ok();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    w.run(&["auth", "status"]).code(1).stderr_has("chmod 600");
}

#[test]
fn no_keyring_names_the_opt_in() {
    let w = World::new();
    let out = w.run_with(
        &["login", "--server", &w.url()],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
        None,
    );
    let out = out.code(1);
    assert!(out.stderr.contains("keyring"), "{}", out.stderr);
    assert!(out.stderr.contains("--insecure-storage"), "{}", out.stderr);
}

#[test]
fn login_to_something_else_says_so() {
    let w = World::new();
    w.run(&["login", "--server", "http://127.0.0.1:1"])
        .code(7)
        .stderr_has("cannot reach");
    w.run(&["login", "--server", "ftp://example.com"]).code(2);
}

#[test]
fn a_ci_token_without_a_user_record_still_lists() {
    let w = World::new();
    let lab = w.server.add_network("lab", "10.42.0.0/16");
    w.server.add_invitation(InvitationSeed {
        email: "seen@example.com".into(),
        network_id: lab,
        ..Default::default()
    });
    // A system admin whose record does not exist yet: the server answers [] to a list.
    let token = w
        .server
        .mint_token("ci-bot", Some("ci@example.com"), Some("system-admin"), 3600);
    let v = w
        .run_with(
            &["list", "--json"],
            &[("NETINVITE_TOKEN", &token), ("NETINVITE_SERVER", &w.url())],
            None,
        )
        .ok()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["email"], "seen@example.com");
}

#[test]
fn profiles_select_servers_and_can_move() {
    let a = World::new();
    let b = StandIn::start();
    a.login();
    // A second server gets a profile of its own, named after its host and port.
    a.run(&["login", "--server", &b.url()]).ok();
    let list = a.run(&["config", "list", "--json"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let v = a
        .run(&["auth", "status", "--json", "--server", &b.url()])
        .ok()
        .json();
    assert_eq!(v["server"], b.url());
    assert_ne!(v["profile"], "default");
    // Several profiles and no --server: the default (the first sign-in) is used.
    let v = a.run(&["auth", "status", "--json"]).ok().json();
    assert_eq!(v["server"], a.url());
    a.run(&["auth", "status", "--profile", "nope"])
        .code(3)
        .stderr_has("profiles:");
    // --profile with another --server is refused for commands, and moves it for login.
    a.run(&["list", "--profile", "default", "--server", &b.url()])
        .code(2)
        .stderr_has("is for");
    a.run(&["login", "--profile", "default", "--server", &b.url()])
        .ok()
        .stderr_has("moves from");
    let v = a
        .run(&["auth", "status", "--json", "--profile", "default"])
        .ok()
        .json();
    assert_eq!(v["server"], b.url());
}

#[test]
fn doctor_on_a_standalone_server() {
    let w = World::new();
    w.login();
    let out = w.run(&["doctor", "--json"]).ok();
    let v = out.json();
    let get = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}: {v}"))
    };
    assert_eq!(get("server")["status"], "ok");
    assert!(get("server")["detail"].as_str().unwrap().contains("0.1.8"));
    assert_eq!(get("sign-in mode")["status"], "warn");
    assert!(get("sign-in mode")["fix"].is_string());
    assert_eq!(get("issuer")["status"], "skip");
    assert_eq!(get("token role")["status"], "ok");
    assert_eq!(get("keyring")["status"], "ok");
    // Not a Nebula Commander server: the first check fails and says so.
    let other = World::new();
    other
        .run(&["doctor", "--server", "http://127.0.0.1:1"])
        .code(1)
        .stdout_has("cannot reach");
}

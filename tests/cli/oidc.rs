//! OIDC sign-in against a real issuer (oidc-provider): device flow, browser flow,
//! refresh, 32 parallel invocations at expiry, and every failure's message and status.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use netinvite_standin::Oidc;

use crate::idp::{Browser, Idp, stderr_lines};
use crate::support::*;

/// A stand-in API that trusts `idp` with client id `netinvite`, like a real server
/// configured with that issuer.
fn world_trusting(idp: &Idp) -> World {
    let w = World::with(Options {
        oidc: Some(Oidc::External {
            issuer: idp.issuer.clone(),
            client_id: "netinvite".into(),
        }),
        ..Default::default()
    });
    w.server.add_network("lab", "10.42.0.0/16");
    w
}

fn spawn(w: &World, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut c = w.command(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn netinvite")
}

/// How long a login may take, from its start to its exit: the issuer's 5 s polling
/// interval a few times over, on a loaded machine.
const LOGIN_WITHIN: Duration = Duration::from_secs(60);

/// How long stdout and stderr may stay open once netinvite has exited.
const OUTPUT_CLOSED_WITHIN: Duration = Duration::from_secs(5);

fn finish(child: Child, seen: String, rx: std::sync::mpsc::Receiver<String>) -> Run {
    finish_by(child, seen, rx, Instant::now() + LOGIN_WITHIN)
}

/// Waits until `deadline` for the login to exit, then for the rest of its output; kills it
/// and panics with its stderr when it does not exit in time.
fn finish_by(
    mut child: Child,
    mut seen: String,
    rx: std::sync::mpsc::Receiver<String>,
    deadline: Instant,
) -> Run {
    // stdout is read on a thread of its own: a pipe held open by anything else cannot
    // stall the test.
    let (out_tx, out_rx) = std::sync::mpsc::channel();
    if let Some(mut o) = child.stdout.take() {
        std::thread::spawn(move || {
            use std::io::Read;
            let mut stdout = String::new();
            let _ = o.read_to_string(&mut stdout);
            let _ = out_tx.send(stdout);
        });
    } else {
        let _ = out_tx.send(String::new());
    }
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            drain_lines(&rx, &mut seen, Instant::now() + OUTPUT_CLOSED_WITHIN);
            panic!("netinvite login did not finish in time (killed it); stderr:\n{seen}");
        }
        while let Ok(l) = rx.try_recv() {
            seen.push_str(&l);
            seen.push('\n');
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let closed_by = Instant::now() + OUTPUT_CLOSED_WITHIN;
    if !drain_lines(&rx, &mut seen, closed_by) {
        panic!(
            "netinvite exited ({status}) but its stderr stayed open for {OUTPUT_CLOSED_WITHIN:?}; stderr:\n{seen}"
        );
    }
    let stdout = out_rx
        .recv_timeout(closed_by.saturating_duration_since(Instant::now()))
        .unwrap_or_else(|_| {
            panic!(
                "netinvite exited ({status}) but its stdout stayed open for {OUTPUT_CLOSED_WITHIN:?}; stderr:\n{seen}"
            )
        });
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr: seen,
    }
}

/// Appends stderr lines to `seen` until the reader is done (the pipe closed: true) or
/// `until` passes (false).
fn drain_lines(rx: &std::sync::mpsc::Receiver<String>, seen: &mut String, until: Instant) -> bool {
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => {
                seen.push_str(&l);
                seen.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return true,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => return false,
        }
    }
}

/// Waits for a stderr line containing `needle`; returns it and everything seen so far.
fn wait_line(rx: &std::sync::mpsc::Receiver<String>, seen: &mut String, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&l);
            seen.push('\n');
            if l.contains(needle) {
                return l;
            }
        }
    }
    panic!("no line with {needle:?}; stderr:\n{seen}");
}

/// The `redirect_uri` an authorization URL names (netinvite's loopback listener).
fn redirect_uri_of(auth_url: &str) -> String {
    url::Url::parse(auth_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned()
}

/// Device flow against the stand-in's embedded issuer, approved through its API.
fn embedded_device_login(w: &World) -> Run {
    let url = w.url();
    let mut child = spawn(w, &["login", "--server", &url, "--device"], &[]);
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    let line = wait_line(&rx, &mut seen, "user_code=");
    let code = line.split("user_code=").nth(1).unwrap().trim().to_string();
    assert!(w.server.approve_device(&code));
    finish(child, seen, rx)
}

/// Device flow through the real issuer; the test confirms the code like a person would.
pub(crate) fn device_login(w: &World, idp: &Idp, extra: &[&str]) -> Run {
    let pending = PendingDeviceLogin::start(w, extra);
    pending.confirm(idp);
    pending.finish()
}

/// A `netinvite login --device` waiting for its user code to be confirmed. Several can
/// wait at once, so that their polling intervals overlap (see `team.rs`).
pub(crate) struct PendingDeviceLogin {
    child: Child,
    /// When the login must have ended: [`LOGIN_WITHIN`] after it started, however long
    /// the others it waits alongside take.
    deadline: Instant,
    rx: std::sync::mpsc::Receiver<String>,
    seen: String,
    user_code: String,
}

impl PendingDeviceLogin {
    /// Starts the login and waits until it shows its user code.
    pub(crate) fn start(w: &World, extra: &[&str]) -> Self {
        let deadline = Instant::now() + LOGIN_WITHIN;
        let url = w.url();
        let mut args = vec!["login", "--server", url.as_str(), "--device"];
        args.extend_from_slice(extra);
        let mut child = spawn(w, &args, &[]);
        let rx = stderr_lines(&mut child);
        let mut seen = String::new();
        let line = wait_line(&rx, &mut seen, "user_code=");
        let code = line
            .split("user_code=")
            .nth(1)
            .unwrap()
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap()
            .to_string();
        let user_code = url::form_urlencoded::parse(format!("c={code}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned();
        PendingDeviceLogin {
            child,
            deadline,
            rx,
            seen,
            user_code,
        }
    }

    /// Confirms the code at the issuer, as the person would in a browser.
    pub(crate) fn confirm(&self, idp: &Idp) {
        // A denied or expired request ends on another page; netinvite's answer is what
        // counts.
        let _ = Browser::default().confirm_device_code(&idp.issuer, &self.user_code);
    }

    /// Waits for the login to end.
    pub(crate) fn finish(self) -> Run {
        finish_by(self.child, self.seen, self.rx, self.deadline)
    }
}

#[test]
fn device_flow_signs_in_and_discovers_issuer_and_client_id() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let out = device_login(&w, &idp, &["-v"]).ok();
    assert!(
        out.stderr.contains("First copy your one-time code"),
        "{}",
        out.stderr
    );
    let v = w.run(&["auth", "status", "--json"]).ok().json();
    assert_eq!(v["mode"], "oidc");
    assert_eq!(v["email"], "alice@netinvite.test");
    assert_eq!(v["system_role"], "system-admin");
    // Signed in for real: the server accepts the ID token.
    w.create("ana@example.com", "lab");
    // The token set (with its refresh token) is in the keyring only.
    let token = w.run(&["auth", "token"]).ok().stdout.trim().to_string();
    assert!(!out.stderr.contains(&token) && !out.stdout.contains(&token));
    let config = std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap();
    assert!(
        config.contains(&format!("issuer = \"{}\"", idp.issuer)),
        "{config}"
    );
    assert!(config.contains("client_id = \"netinvite\""));
    assert!(!config.contains(token.rsplit('.').next().unwrap()));
}

#[test]
fn browser_flow_signs_in_through_the_loopback_listener() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("url");
    let opener = dir.path().join("open.sh");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > {}\n", url_file.display()),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let url = w.url();
    let mut child = spawn(
        &w,
        &["login", "--server", &url, "--browser"],
        &[("BROWSER", opener.to_str().unwrap())],
    );
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    wait_line(&rx, &mut seen, "/auth?");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !url_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let auth_url = std::fs::read_to_string(&url_file).expect("the browser was opened");
    assert!(
        auth_url.contains("code_challenge_method=S256"),
        "{auth_url}"
    );
    assert!(auth_url.contains("nonce="));
    let redirect_uri = redirect_uri_of(&auth_url);
    assert!(redirect_uri.starts_with("http://127.0.0.1:") && redirect_uri.ends_with("/callback"));
    let mut browser = Browser::default();
    let callback = browser
        .follow_until(&auth_url, &redirect_uri)
        .unwrap_or_else(|a| panic!("stopped at {} {}", a.status, a.body));
    assert!(callback.contains("/callback?code="), "{callback}");
    let page = browser.get(&callback);
    assert!(
        page.body.contains("You can close this tab"),
        "{}",
        page.body
    );
    finish(child, seen, rx).ok();
    let v = w.run(&["auth", "status", "--json"]).ok().json();
    assert_eq!(v["email"], "alice@netinvite.test");
}

#[test]
fn a_wrong_state_is_refused() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let url = w.url();
    let mut child = spawn(
        &w,
        &["login", "--server", &url, "--browser"],
        &[("BROWSER", "true")],
    );
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    let line = wait_line(&rx, &mut seen, "/auth?");
    let auth_url = line.trim();
    let redirect = redirect_uri_of(auth_url);
    let _ = Browser::default().get(&format!("{redirect}?code=forged&state=not-the-one"));
    finish(child, seen, rx).code(4).stderr_has("state");
    w.run(&["auth", "status"]).code(4);
}

#[test]
fn a_denied_consent_is_exit_4() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let out = device_login(&w, &idp, &["--client-id", "netinvite-deny"]);
    out.code(4).stderr_has("denied");
}

#[test]
fn an_expired_device_code_is_exit_4() {
    let idp = Idp::start(&[("IDP_DEVICE_TTL", "2")]);
    let w = world_trusting(&idp);
    let url = w.url();
    let mut child = spawn(&w, &["login", "--server", &url, "--device"], &[]);
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    wait_line(&rx, &mut seen, "user_code=");
    finish(child, seen, rx).code(4).stderr_has("expired");
}

#[test]
fn an_unreachable_issuer_is_exit_7() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    w.run(&[
        "login",
        "--server",
        &w.url(),
        "--device",
        "--issuer",
        "http://127.0.0.1:1",
    ])
    .code(7)
    .stderr_has("identity provider");
}

#[test]
fn a_token_for_another_audience_is_explained() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let out = device_login(&w, &idp, &["--client-id", "netinvite-other"]).code(4);
    assert!(out.stderr.contains("audience"), "{}", out.stderr);
    assert!(out.stderr.contains("netinvite-other"), "{}", out.stderr);
}

#[test]
fn an_expired_token_is_refreshed_and_the_rotated_refresh_token_kept() {
    let idp = Idp::start(&[("IDP_ID_TTL", "4"), ("IDP_ACCESS_TTL", "4")]);
    let w = world_trusting(&idp);
    device_login(&w, &idp, &[]).ok();
    let before = w.run(&["auth", "token"]).ok().stdout;
    std::thread::sleep(Duration::from_secs(4));
    w.run(&["list"]).ok();
    let after = w.run(&["auth", "token"]).ok().stdout;
    assert_ne!(before, after, "a new ID token after expiry");
    // Refresh again: works only if the rotated refresh token was saved.
    std::thread::sleep(Duration::from_secs(4));
    w.run(&["list"]).ok();
    w.run(&["auth", "status"]).ok();
}

#[test]
fn thirty_two_parallel_invocations_at_expiry_all_succeed() {
    let idp = Idp::start(&[("IDP_ID_TTL", "4"), ("IDP_ACCESS_TTL", "4")]);
    let w = world_trusting(&idp);
    device_login(&w, &idp, &[]).ok();
    w.create("p@example.com", "lab");
    std::thread::sleep(Duration::from_secs(4));
    let children: Vec<Child> = (0..32)
        .map(|_| {
            let mut c = w.command(&["list", "--json"]);
            c.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1);
    }
    // Still signed in: no refresh token was reused (which would revoke the grant).
    std::thread::sleep(Duration::from_secs(4));
    w.run(&["list"]).ok();
}

#[test]
fn logout_revokes_at_the_issuer() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    device_login(&w, &idp, &[]).ok();
    let v = w.run(&["logout", "--json"]).ok().json();
    assert_eq!(v["removed"], true);
    assert_eq!(v["revoked_at_issuer"], true);
    w.run(&["auth", "status"]).code(4);
}

#[test]
fn doctor_checks_the_set_up() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    device_login(&w, &idp, &[]).ok();
    let v = w.run(&["doctor", "--json"]).ok().json();
    let status = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .map(|c| c["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no check {name}: {v}"))
    };
    for c in [
        "server",
        "sign-in mode",
        "issuer",
        "key set",
        "token audience",
        "token role",
        "clock",
        "keyring",
        "clipboard",
    ] {
        assert_eq!(status(c), "ok", "{c}: {v}");
    }
}

#[test]
fn device_flow_against_the_embedded_issuer() {
    let w = World::with(Options {
        oidc: Some(Oidc::Embedded(Default::default())),
        ..Default::default()
    });
    w.server.add_network("lab", "10.42.0.0/16");
    embedded_device_login(&w).ok();
    w.create("e@example.com", "lab");
}

#[test]
fn ctrl_c_cancels_the_device_flow_cleanly() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let url = w.url();
    let mut child = spawn(&w, &["login", "--server", &url, "--device"], &[]);
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    wait_line(&rx, &mut seen, "user_code=");
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    finish(child, seen, rx).code(2).stderr_has("cancelled");
    w.run(&["auth", "status"]).code(4);
}

#[test]
fn a_denied_browser_sign_in_is_exit_4() {
    let idp = Idp::start(&[]);
    let w = world_trusting(&idp);
    let url = w.url();
    let mut child = spawn(
        &w,
        &[
            "login",
            "--server",
            &url,
            "--browser",
            "--client-id",
            "netinvite-deny",
        ],
        &[("BROWSER", "true")],
    );
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    let auth_url = wait_line(&rx, &mut seen, "/auth?").trim().to_string();
    let redirect_uri = redirect_uri_of(&auth_url);
    let mut browser = Browser::default();
    let callback = browser
        .follow_until(&auth_url, &redirect_uri)
        .unwrap_or_else(|a| panic!("{}", a.status));
    assert!(callback.contains("error=access_denied"), "{callback}");
    let page = browser.get(&callback);
    assert!(page.body.contains("Sign-in failed"));
    finish(child, seen, rx).code(4).stderr_has("denied");
}

#[test]
fn a_revoked_grant_means_exit_4_and_login_again() {
    let idp = Idp::start(&[("IDP_ID_TTL", "4"), ("IDP_ACCESS_TTL", "4")]);
    let w = world_trusting(&idp);
    device_login(&w, &idp, &[]).ok();
    // The refresh token, read from the keyring like any other program could.
    let config = std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap();
    let credential = config
        .lines()
        .find_map(|l| l.strip_prefix("credential = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let account = format!("default@{} [{credential}]", w.url());
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "netinvite", "username", &account])
        .output()
        .unwrap();
    let set: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refresh = set["refresh_token"].as_str().unwrap().to_string();
    let revoked = Browser::default().post_form(
        &format!("{}/token/revocation", idp.issuer),
        &[("token", &refresh), ("client_id", "netinvite")],
    );
    assert_eq!(revoked.status, 200);
    std::thread::sleep(Duration::from_secs(4));
    let out = w.run(&["list"]);
    assert_eq!(
        out.code,
        4,
        "{}\n--- issuer log\n{}",
        out.stderr,
        idp.log_text()
    );
    out.code(4).stdout_empty().stderr_has("netinvite login");
}

#[test]
fn an_access_token_bearer_with_another_audience_is_explained() {
    let w = World::with(Options {
        oidc: Some(Oidc::Embedded(Default::default())),
        ..Default::default()
    });
    let url = w.url();
    let mut child = spawn(&w, &["login", "--server", &url, "--device"], &[]);
    let rx = stderr_lines(&mut child);
    let mut seen = String::new();
    let line = wait_line(&rx, &mut seen, "user_code=");
    assert!(
        w.server
            .approve_device(line.split("user_code=").nth(1).unwrap().trim())
    );
    finish(child, seen, rx).ok();
    w.run(&["auth", "status"]).ok();
    // The embedded issuer's access tokens carry aud "account", like Keycloak's.
    w.run(&["config", "set", "bearer", "access-token"]).ok();
    let out = w.run(&["auth", "status"]).code(4);
    assert!(out.stderr.contains("audience (account)"), "{}", out.stderr);
    assert!(out.stderr.contains("id-token"), "{}", out.stderr);
    w.run(&["config", "set", "bearer", "id-token"]).ok();
    w.run(&["auth", "status"]).ok();
}

#[test]
fn keys_published_elsewhere_are_explained_at_login() {
    // Like Keycloak: the key set lives at the discovery document's jwks_uri only.
    let idp = Idp::start(&[("IDP_JWKS_ROUTE", "/jwks")]);
    let w = world_trusting(&idp);
    let out = device_login(&w, &idp, &[]).code(4);
    assert!(
        out.stderr.contains("/.well-known/jwks.json"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("no token from it can pass"),
        "{}",
        out.stderr
    );
    // Nothing was stored.
    w.run(&["auth", "status"]).code(4);
}

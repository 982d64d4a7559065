//! What `gh` users reach for: `netinvite api`, `list --web`, and the picker that a
//! command needing an invitation id offers on a terminal when it got none (driven in a
//! real terminal: tmux on a private socket).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::*;

fn token(w: &World) -> String {
    w.run(&["auth", "token"]).ok().stdout.trim().to_string()
}

#[test]
fn api_gets_posts_fields_and_input_and_filters_with_jq() {
    let w = World::signed_in();
    let lab = w.network_id("lab");

    let v = w.run(&["api", "/api/networks"]).ok().json();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let names = w.run(&["api", "networks", "--jq", ".[].name"]).ok();
    assert_eq!(names.stdout, "lab\noffice\n");

    // -F typed, -f strings: a JSON body, POST by default.
    w.server.clear_requests();
    let created = w
        .run(&[
            "api",
            "api/invitations",
            "-F",
            &format!("network_id={lab}"),
            "-f",
            "email=ana@example.com",
            "-f",
            "role=member",
            "-F",
            "can_manage_nodes=true",
        ])
        .ok()
        .json();
    assert_eq!(created["email"], "ana@example.com");
    assert_eq!(created["network_id"], lab);
    assert_eq!(created["can_manage_nodes"], true);
    let reqs = w.server.requests();
    assert_eq!(
        reqs.iter()
            .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
            .collect::<Vec<_>>(),
        vec![("POST", "/api/invitations", 200)]
    );

    // --input: the body as written, from a file and from stdin.
    let file = w.home.path().join("bob.json");
    std::fs::write(
        &file,
        format!(r#"{{"network_id": {lab}, "email": "bob@example.com", "role": "owner"}}"#),
    )
    .unwrap();
    let bob = w
        .run(&["api", "api/invitations", "--input", file.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(bob["role"], "owner");
    let body = format!(r#"{{"network_id": {lab}, "email": "cy@example.com"}}"#);
    let cy = w
        .run_with(
            &["api", "api/invitations", "--input", "-", "--jq", ".email"],
            &[],
            Some(&body),
        )
        .ok();
    assert_eq!(cy.stdout, "cy@example.com\n");

    // Fields with GET go to the query string.
    w.server.clear_requests();
    let pending = w
        .run(&[
            "api",
            "api/invitations",
            "-X",
            "GET",
            "-f",
            "status_filter=pending",
            "-F",
            &format!("network_id={lab}"),
            "--jq",
            "length",
        ])
        .ok();
    assert_eq!(pending.stdout, "3\n");
    let reqs = w.server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        reqs[0].query.as_deref(),
        Some(format!("status_filter=pending&network_id={lab}").as_str())
    );
}

#[test]
fn api_error_statuses_keep_the_body_and_set_the_exit_status() {
    let w = World::signed_in();
    // 404: the server's own answer.
    let out = w
        .run(&["api", "-X", "DELETE", "/api/invitations/999999"])
        .code(3);
    assert_eq!(
        serde_json::from_str::<Value>(&out.stdout).unwrap()["detail"],
        "Invitation not found"
    );
    let err: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        err[0],
        "error: HTTP 404 from DELETE /api/invitations/999999: Invitation not found"
    );

    // 403, 409 and 500 from faults; a GET's 500 is not retried.
    w.server.inject(Fault::once(
        FaultKind::Detail {
            code: 403,
            detail: "You don't have permission to manage invitations for this network".into(),
        },
        "/api/invitations",
    ));
    w.run(&["api", "api/invitations"])
        .code(5)
        .stdout_has("You don't have permission")
        .stderr_has("HTTP 403 from GET /api/invitations");
    w.server.inject(Fault::once(
        FaultKind::Detail {
            code: 409,
            detail: "busy".into(),
        },
        "/api/networks",
    ));
    w.run(&["api", "api/networks"]).code(6);
    w.server
        .inject(Fault::once(FaultKind::InternalError, "/api/networks"));
    w.server.clear_requests();
    w.run(&["api", "api/networks"])
        .code(7)
        .stdout_has("Internal Server Error");
    assert_eq!(w.server.requests().len(), 1);

    // 422 (a body the server cannot use) is a refused request: 1, the body kept.
    let out = w
        .run(&["api", "api/invitations", "-f", "email=x@example.com"])
        .code(1);
    assert!(out.stdout.contains("\"detail\""), "{}", out.stdout);
    assert!(
        out.stderr
            .starts_with("error: HTTP 422 from POST /api/invitations")
    );

    // --json: the body on stdout, the error as JSON on stderr.
    let out = w
        .run(&["api", "-X", "DELETE", "/api/invitations/999999", "--json"])
        .code(3);
    assert!(out.stdout.contains("Invitation not found"));
    assert_eq!(out.json_error()["code"], "not_found");

    // A token the server refuses, from NETINVITE_TOKEN (never renewed): 4.
    w.run_with(
        &["api", "api/networks"],
        &[("NETINVITE_TOKEN", "nope")],
        None,
    )
    .code(4)
    .stderr_has("HTTP 401 from GET /api/networks")
    .stderr_has("NETINVITE_TOKEN");

    // Requests never leave the server.
    w.run(&["api", "https://example.com/api/networks"])
        .code(2)
        .stderr_has("a full URL");
}

#[test]
fn api_renews_a_refused_token_once() {
    let w = World::signed_in();
    w.create("ana@example.com", "lab");
    w.server.rotate_secret();
    w.server.clear_requests();
    let v = w.run(&["api", "api/invitations"]).ok().json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let paths: Vec<_> = w
        .server
        .requests()
        .iter()
        .map(|r| (r.path.clone(), r.status))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("/api/invitations".to_string(), 401),
            ("/api/auth/dev-token".to_string(), 200),
            ("/api/invitations".to_string(), 200)
        ]
    );
}

#[test]
fn api_verbose_never_shows_a_token() {
    let w = World::signed_in();
    let t = token(&w);
    let out = w.run(&["api", "-v", "api/networks"]).ok();
    assert!(out.stderr.contains("GET "), "{}", out.stderr);
    assert!(!out.stderr.contains(&t) && !out.stdout.contains(&t));
    // The user's own Authorization is used, and redacted in -v.
    let out = w
        .run(&[
            "api",
            "-v",
            "api/networks",
            "-H",
            &format!("Authorization: Bearer {t}"),
            "-H",
            "X-Trace: 7",
        ])
        .ok();
    assert!(
        out.stderr
            .contains("extra headers: authorization: <redacted>, x-trace: 7"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&t));
    // ... and not renewed when refused: the user said which token to send.
    w.server.clear_requests();
    w.run(&["api", "api/networks", "-H", "Authorization: Bearer wrong"])
        .code(4);
    assert_eq!(w.server.requests().len(), 1);
}

/// A `$BROWSER` that records the URL it was given.
fn recording_browser(dir: &Path) -> (String, std::path::PathBuf) {
    let log = dir.join("opened.txt");
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script.display().to_string(), log)
}

fn wait_for_file(p: &Path) -> String {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if let Ok(s) = std::fs::read_to_string(p)
            && s.ends_with('\n')
        {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the browser was not started");
}

#[test]
fn list_web_opens_the_invitations_page_without_a_request() {
    let w = World::signed_in();
    let (browser, log) = recording_browser(w.home.path());
    w.server.clear_requests();
    let out = w
        .run_with(&["list", "--web"], &[("BROWSER", &browser)], None)
        .ok()
        .stdout_empty();
    assert!(out.stderr.contains("Opening"), "{}", out.stderr);
    assert_eq!(wait_for_file(&log), format!("{}/invitations\n", w.url()));
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());

    // The page is where invitation links point: the public URL.
    w.run(&["config", "set", "public-url", "https://nebula.example.com/"])
        .ok();
    std::fs::remove_file(&log).unwrap();
    w.run_with(&["ls", "-w"], &[("BROWSER", &browser)], None)
        .ok();
    assert_eq!(
        wait_for_file(&log),
        "https://nebula.example.com/invitations\n"
    );

    // No browser (no $BROWSER, no display): the URL on stdout.
    let out = w
        .run_with(
            &["list", "--web"],
            &[("DISPLAY", ""), ("BROWSER", "")],
            None,
        )
        .ok();
    assert_eq!(out.stdout, "https://nebula.example.com/invitations\n");
    let out = w
        .run_with(
            &["list", "--web", "--jq", "[.url, .opened]|@tsv"],
            &[("DISPLAY", ""), ("BROWSER", "")],
            None,
        )
        .ok();
    assert_eq!(
        out.stdout,
        "https://nebula.example.com/invitations\tfalse\n"
    );

    // Filters do not apply to a page: refused rather than ignored.
    w.run(&["list", "--web", "--status", "pending"]).code(2);
}

#[test]
fn without_a_terminal_a_missing_id_is_the_usage_error_it_always_was() {
    let w = World::signed_in();
    for (cmd, usage) in [
        ("show", "Usage: netinvite show <ID>"),
        ("copy-link", "Usage: netinvite copy-link <ID>"),
        ("resend", "Usage: netinvite resend <ID>..."),
        ("revoke", "Usage: netinvite revoke <ID>..."),
        ("wait", "Usage: netinvite wait <ID>..."),
    ] {
        let out = w.run(&[cmd]).code(2);
        assert_eq!(
            out.stderr,
            format!(
                "error: the following required arguments were not provided:\n  <ID>{}\n\n{usage}\n\nFor more information, try '--help'.\n",
                if cmd == "show" || cmd == "copy-link" {
                    ""
                } else {
                    "..."
                }
            )
        );
    }
    w.server.clear_requests();
    w.run(&["show", "--no-input"]).code(2);
    assert!(w.server.requests().is_empty());
}

/// A tmux server on a private socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(w: &World, args: &[&str]) -> Tmux {
        let socket = format!("netinvite-test-{}-{}", std::process::id(), rand_suffix());
        let cmd = w.command(args);
        let mut line = String::from("env -i");
        for (k, v) in cmd.get_envs() {
            if let Some(v) = v {
                line.push_str(&format!(
                    " {}={}",
                    k.to_string_lossy(),
                    quote(&v.to_string_lossy())
                ));
            }
        }
        line.push_str(" TERM=xterm-256color ");
        line.push_str(&quote(BIN));
        for a in args {
            line.push(' ');
            line.push_str(&quote(a));
        }
        line.push_str("; echo EXIT=$?; sleep 60");
        let t = Tmux { socket };
        let st = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "120", "-y", "30", "sh", "-c", &line])
            .status()
            .expect("tmux");
        assert!(st.success());
        t
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    #[track_caller]
    fn wait_for(&self, needle: &str) -> String {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > until {
                panic!("the terminal never showed {needle:?}:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Pending invitations in lab (two) and office (one), and one in lab past its deadline.
fn picker_world() -> World {
    let w = World::signed_in();
    w.create("ana@example.com", "lab");
    w.create("bob@example.com", "lab");
    w.create("carol@example.com", "office");
    let lab = w.network_id("lab");
    w.server.add_invitation(InvitationSeed {
        email: "dave@example.com".into(),
        network_id: lab,
        expires_at: When::FromNow(chrono::TimeDelta::days(-1)),
        created_at: When::FromNow(chrono::TimeDelta::days(-8)),
        ..Default::default()
    });
    w
}

#[test]
fn on_a_terminal_show_without_an_id_offers_a_picker() {
    let w = picker_world();
    w.server.clear_requests();
    let t = Tmux::start(&w, &["show", "--network", "lab"]);
    let screen = t.wait_for("bob@example.com");
    assert!(screen.contains("Pick an invitation"), "{screen}");
    assert!(screen.contains("ana@example.com"), "{screen}");
    assert!(screen.contains("lab"), "{screen}");
    assert!(screen.contains("just now"), "{screen}");
    assert!(
        !screen.contains("carol@example.com"),
        "other network:\n{screen}"
    );
    assert!(
        !screen.contains("dave@example.com"),
        "past its deadline:\n{screen}"
    );
    // Typing filters; Enter picks.
    t.keys(&["-l", "bob"]);
    let until = Instant::now() + Duration::from_secs(10);
    while t.screen().contains("ana@example.com") {
        assert!(
            Instant::now() < until,
            "typing did not filter:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["Enter"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("bob@example.com"), "{screen}");
    assert!(
        screen.contains("/invitations/accept/"),
        "show prints the link:\n{screen}"
    );
    // One narrow listing, and no second one after the pick.
    let lab = w.network_id("lab");
    let reqs: Vec<_> = w
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/invitations")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(
        reqs[0],
        format!("network_id={lab}&status_filter=pending"),
        "{reqs:?}"
    );
    assert_eq!(reqs.len(), 1, "{reqs:?}");
}

#[test]
fn escape_in_the_picker_cancels_with_status_2() {
    let w = picker_world();
    w.server.clear_requests();
    let t = Tmux::start(&w, &["revoke"]);
    t.wait_for("carol@example.com");
    t.keys(&["Escape"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=2"), "{screen}");
    let reqs = w.server.requests();
    assert_eq!(reqs.len(), 1, "only the listing: {reqs:?}");
    assert!(reqs.iter().all(|r| r.method == "GET"));
}

#[test]
fn nothing_to_pick_says_so() {
    let w = World::signed_in();
    let t = Tmux::start(&w, &["copy-link", "--network", "office"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=3"), "{screen}");
    assert!(
        screen.contains("no pending invitation to pick from in network \"office\""),
        "{screen}"
    );
}

#[test]
fn wait_goes_on_with_the_picked_invitation_without_asking_again_at_once() {
    let w = picker_world();
    w.server.clear_requests();
    let t = Tmux::start(&w, &["wait", "--timeout", "1s", "--network", "office"]);
    t.wait_for("carol@example.com");
    t.keys(&["Enter"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=1"), "timed out:\n{screen}");
    // The pick's listing, then one poll when the timeout is up: the listing already
    // answered the first poll.
    let office = w.network_id("office");
    let lists: Vec<_> = w
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/invitations")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(
        lists,
        vec![format!("network_id={office}&status_filter=pending"); 2]
    );
}

#[test]
fn members_and_history_web_open_their_pages() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let (browser, log) = recording_browser(w.home.path());
    w.server.clear_requests();
    w.run_with(
        &["members", "list", "--network", &lab.to_string(), "--web"],
        &[("BROWSER", &browser)],
        None,
    )
    .ok()
    .stdout_empty();
    assert_eq!(
        wait_for_file(&log),
        format!("{}/networks/{lab}/users\n", w.url())
    );
    // An id costs no request; a name one network listing.
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());
    let out = w
        .run_with(
            &["members", "ls", "-n", "lab", "-w"],
            &[("DISPLAY", ""), ("BROWSER", "")],
            None,
        )
        .ok();
    assert_eq!(out.stdout, format!("{}/networks/{lab}/users\n", w.url()));
    w.run(&["members", "list", "--web"]).code(2);
    let out = w
        .run_with(
            &["history", "--web"],
            &[("DISPLAY", ""), ("BROWSER", "")],
            None,
        )
        .ok();
    assert_eq!(out.stdout, format!("{}/audit\n", w.url()));
    w.run(&["history", "--web", "--since", "7d"]).code(2);
}

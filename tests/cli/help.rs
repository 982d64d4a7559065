//! Help texts, completions, manual pages and the CLI reference are snapshots: they cannot
//! drift. Completion is also run the way shells run it, against a seeded local index.

use crate::support::*;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["login"],
    &["logout"],
    &["auth"],
    &["auth", "status"],
    &["auth", "token"],
    &["networks"],
    &["create"],
    &["list"],
    &["show"],
    &["copy-link"],
    &["resend"],
    &["revoke"],
    &["wait"],
    &["members"],
    &["members", "list"],
    &["members", "set"],
    &["members", "add"],
    &["members", "remove"],
    &["history"],
    &["inspect"],
    &["api"],
    &["accept"],
    &["doctor"],
    &["config"],
    &["config", "set"],
    &["completions"],
    &["help"],
];

fn help(cmd: &[&str]) -> String {
    let w = World::new();
    let mut args: Vec<&str> = cmd.to_vec();
    args.push("--help");
    let out = w.run(&args).ok();
    out.stdout
}

#[test]
fn help_of_every_command_is_snapshotted_and_the_reference_matches() {
    let mut reference = String::from(
        "# netinvite command reference\n\nGenerated from `--help`; a test keeps it in step.\n",
    );
    for cmd in COMMANDS {
        let text = help(cmd);
        let name = if cmd.is_empty() {
            "netinvite".to_string()
        } else {
            cmd.join("-")
        };
        assert_snapshot(
            &repo_root()
                .join("tests/cli/snapshots")
                .join(format!("help-{name}.txt")),
            &text,
        );
        let title = if cmd.is_empty() {
            "netinvite".to_string()
        } else {
            format!("netinvite {}", cmd.join(" "))
        };
        reference.push_str(&format!("\n## {title}\n\n```text\n{}```\n", text));
    }
    assert_snapshot(&repo_root().join("docs/cli-reference.md"), &reference);
}

#[test]
fn completions_in_the_repo_are_current() {
    let w = World::new();
    for (shell, file) in [
        ("bash", "netinvite.bash"),
        ("zsh", "_netinvite"),
        ("fish", "netinvite.fish"),
        ("powershell", "netinvite.ps1"),
        ("elvish", "netinvite.elv"),
    ] {
        let out = w.run(&["completions", shell]).ok();
        assert!(out.stdout.contains("netinvite"));
        assert_snapshot(&repo_root().join("completions").join(file), &out.stdout);
    }
}

#[test]
fn version_is_fast_path_and_plain() {
    let w = World::new();
    let out = w.run(&["--version"]).ok();
    assert_eq!(
        out.stdout,
        format!("netinvite {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// Renders the manual page of `cmd` as `page` and those of its visible subcommands.
fn man_pages(cmd: &clap::Command, page: &str, out: &mut Vec<(String, String)>) {
    let man = clap_mangen::Man::new(cmd.clone().display_name(page));
    let mut buf = Vec::new();
    man.render(&mut buf).expect("render a manual page");
    out.push((
        format!("{page}.1"),
        String::from_utf8(buf).expect("UTF-8 roff"),
    ));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, &format!("{page}-{}", sub.get_name()), out);
    }
}

#[test]
fn manual_pages_in_the_repo_are_current() {
    use clap::CommandFactory;
    let mut cmd = netinvite::cli::Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    man_pages(&cmd, "netinvite", &mut pages);
    let dir = repo_root().join("docs/man");
    for (file, text) in &pages {
        assert!(text.contains(".TH"), "{file} is not a manual page");
        assert_snapshot(&dir.join(file), text);
    }
    // A page for a command that is gone is stale too.
    let updating = std::env::var_os("NETINVITE_UPDATE_SNAPSHOTS").is_some();
    for entry in std::fs::read_dir(&dir).expect("docs/man") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".1") && !pages.iter().any(|(f, _)| *f == name) {
            if updating {
                std::fs::remove_file(dir.join(&name)).unwrap();
            } else {
                panic!(
                    "docs/man/{name} documents no command (NETINVITE_UPDATE_SNAPSHOTS=1 removes it)"
                );
            }
        }
    }
    let names: Vec<&str> = pages.iter().map(|(f, _)| f.as_str()).collect();
    for expected in [
        "netinvite.1",
        "netinvite-list.1",
        "netinvite-auth-status.1",
        "netinvite-config-set.1",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n.contains("hold-clipboard")));
    let list = &pages
        .iter()
        .find(|(f, _)| f == "netinvite-list.1")
        .unwrap()
        .1;
    assert!(
        list.contains("netinvite\\-list") || list.contains("netinvite-list"),
        "{list}"
    );
    assert!(
        list.contains("\\-\\-status") || list.contains("--status"),
        "{list}"
    );
}

#[test]
fn help_prints_the_commands_help_and_names_its_manual_page() {
    let w = World::new();
    let direct = w.run(&["list", "--help"]).ok().stdout;
    let out = w.run(&["help", "list"]).ok();
    assert_eq!(
        out.stdout,
        format!(
            "{direct}\nManual: man netinvite-list (docs/man/netinvite-list.1 in the source tree)\n"
        )
    );
    let out = w.run(&["help", "auth", "status"]).ok();
    assert!(
        out.stdout
            .starts_with(&w.run(&["auth", "status", "--help"]).ok().stdout)
    );
    assert!(
        out.stdout.contains("man netinvite-auth-status"),
        "{}",
        out.stdout
    );
    // An alias names the command's page.
    w.run(&["help", "ls"]).ok().stdout_has("man netinvite-list");
    let top = w.run(&["help"]).ok();
    assert!(top.stdout.starts_with(&w.run(&["--help"]).ok().stdout));
    assert!(
        top.stdout
            .ends_with("Manual: man netinvite (docs/man/netinvite.1 in the source tree)\n")
    );
    let bad = w.run(&["help", "frobnicate"]).code(2).stdout_empty();
    assert!(
        bad.stderr.contains("frobnicate") && bad.stderr.contains("list"),
        "{}",
        bad.stderr
    );
    let e = w
        .run(&["help", "frobnicate", "--json"])
        .code(2)
        .json_error();
    assert_eq!(e["code"], "usage");
}

/// A world with one network per name and an invitation per address, created through the
/// CLI (which fills the local index); returns the invitations' ids.
fn seeded_world() -> (World, i64, i64) {
    let w = World::signed_in();
    let a = w.create("ana@example.com", "lab")["id"].as_i64().unwrap();
    let b = w.create("bo@example.com", "office")["id"].as_i64().unwrap();
    w.server.clear_requests();
    (w, a, b)
}

/// Runs the binary the way a completion script does: `COMPLETE=<shell> netinvite -- <words>`.
fn complete(w: &World, shell: &str, words: &[&str]) -> String {
    let mut args = vec!["--", "netinvite"];
    args.extend_from_slice(words);
    let index = (words.len()).to_string();
    let out = w
        .run_with(
            &args,
            &[("COMPLETE", shell), ("_CLAP_COMPLETE_INDEX", &index)],
            None,
        )
        .ok();
    out.stdout
}

#[test]
fn invitation_ids_and_network_names_complete_from_the_index_without_a_request() {
    let (w, a, b) = seeded_world();
    // fish and elvish: value, tab, description.
    for cmd in ["show", "copy-link", "resend", "revoke"] {
        let got = complete(&w, "fish", &[cmd, ""]);
        assert!(
            got.contains(&format!("{a}\tana@example.com (pending)\n")),
            "{cmd}: {got}"
        );
        assert!(
            got.contains(&format!("{b}\tbo@example.com (pending)\n")),
            "{cmd}: {got}"
        );
    }
    // Newest first, and a prefix narrows.
    let got = complete(&w, "fish", &["revoke", ""]);
    assert!(got.find(&b.to_string()) < got.find(&a.to_string()), "{got}");
    let got = complete(&w, "fish", &["show", &a.to_string()]);
    assert!(got.starts_with(&format!("{a}\t")), "{got}");
    assert!(!got.contains("bo@example.com"), "{got}");
    // Several ids: every position completes.
    let got = complete(&w, "fish", &["revoke", &a.to_string(), ""]);
    assert!(got.contains("bo@example.com"), "{got}");
    // zsh: value:description.
    let got = complete(&w, "zsh", &["show", ""]);
    assert!(
        got.contains(&format!("{a}:ana@example.com (pending)")),
        "{got}"
    );
    // Network names wherever --network is taken.
    for words in [
        &["list", "--network", ""][..],
        &["create", "--network", ""],
        &["show", "1", "-n", ""],
    ] {
        let got = complete(&w, "fish", words);
        assert!(
            got.contains("lab\t") && got.contains("office\t"),
            "{words:?}: {got}"
        );
    }
    // What a listing learned shows in the descriptions, with the effective status.
    let lab = w.network_id("lab");
    let gone = w
        .server
        .add_invitation(InvitationSeed {
            email: "gone@example.com".into(),
            network_id: lab,
            status: "revoked".into(),
            ..Default::default()
        })
        .id;
    let late = w
        .server
        .add_invitation(InvitationSeed {
            email: "late@example.com".into(),
            network_id: lab,
            expires_at: When::FromNow(chrono::TimeDelta::seconds(-60)),
            ..Default::default()
        })
        .id;
    w.run(&["list", "--json"]).ok();
    w.server.clear_requests();
    let got = complete(&w, "fish", &["show", ""]);
    assert!(
        got.contains(&format!("{gone}\tgone@example.com (revoked)")),
        "{got}"
    );
    assert!(
        got.contains(&format!("{late}\tlate@example.com (expired)")),
        "{got}"
    );
    // Each command is offered what it can act on.
    let got = complete(&w, "fish", &["resend", ""]);
    assert!(got.contains(&format!("{b}\t")), "{got}");
    assert!(!got.contains("gone@") && !got.contains("late@"), "{got}");
    let got = complete(&w, "fish", &["revoke", ""]);
    assert!(got.contains("late@") && !got.contains("gone@"), "{got}");
    assert!(
        w.server.requests().is_empty(),
        "completion made requests: {:?}",
        w.server.requests()
    );
    // Another profile (or none) has its own index: nothing to offer, and no error.
    let fresh = World::new();
    let got = complete(&fresh, "fish", &["show", ""]);
    assert!(got.lines().all(|l| l.starts_with("--")), "{got}");
}

#[test]
fn the_bash_script_completes_ids_in_a_real_bash() {
    let (w, a, b) = seeded_world();
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = repo_root().join("completions/netinvite.bash");
    let run = |line: &str| -> Vec<String> {
        // What bash does on TAB: split the line into COMP_WORDS and call the function.
        let program = format!(
            r#"source "$1"
COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_clap_complete_netinvite netinvite "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&program)
            .arg("bash")
            .arg(&script)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", w.home.path())
            .env("NETINVITE_CONFIG_DIR", w.config_dir())
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    // An empty word offers the ids, then the flags.
    let mut ids: Vec<String> = run("netinvite show ")
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect();
    ids.sort();
    let mut want = vec![a.to_string(), b.to_string()];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(run(&format!("netinvite revoke {b}")), vec![b.to_string()]);
    assert_eq!(
        run("netinvite list --network of"),
        vec!["office".to_string()]
    );
    assert!(run("netinvite co").contains(&"copy-link".to_string()));
    assert!(run("netinvite list --js").contains(&"--json".to_string()));
    assert!(w.server.requests().is_empty(), "{:?}", w.server.requests());
}

#[test]
fn completion_follows_the_profile_on_the_command_line() {
    let (w, _, _) = seeded_world();
    let other = StandIn::start();
    other.add_network("field", "10.50.0.0/16");
    w.run(&["login", "--server", &other.url(), "--profile", "field"])
        .ok();
    let created = w
        .run(&[
            "create",
            "--profile",
            "field",
            "--email",
            "zed@example.com",
            "--network",
            "field",
            "--json",
        ])
        .ok()
        .json();
    let z = created["id"].as_i64().unwrap();
    w.server.clear_requests();
    other.clear_requests();
    // The default profile's index…
    let got = complete(&w, "fish", &["show", ""]);
    assert!(
        got.contains("ana@example.com") && !got.contains("zed@example.com"),
        "{got}"
    );
    // …and the one `--profile` (before or after the command) or `--server` selects.
    for words in [
        &["--profile", "field", "show", ""][..],
        &["show", "--profile", "field", ""],
        &["--server", &other.url(), "show", ""],
    ] {
        let got = complete(&w, "fish", words);
        assert!(
            got.contains(&format!("{z}\tzed@example.com (pending)")),
            "{words:?}: {got}"
        );
        assert!(!got.contains("ana@example.com"), "{words:?}: {got}");
    }
    let got = complete(&w, "fish", &["--profile", "field", "list", "--network", ""]);
    assert!(got.contains("field\t") && !got.contains("lab\t"), "{got}");
    assert!(w.server.requests().is_empty() && other.requests().is_empty());
}

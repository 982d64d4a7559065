//! Help texts, completions and the CLI reference are snapshots: they cannot drift.

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
    &["inspect"],
    &["accept"],
    &["doctor"],
    &["config"],
    &["config", "set"],
    &["completions"],
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

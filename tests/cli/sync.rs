//! `netinvite sync`: a team file as the source of truth, driven through the binary by
//! the people of `team.rs` (alice system admin, owen owner of `team`, bob member who may
//! invite, dave plain member), with every write counted at the stand-in.

use netinvite_standin::MemberFlags;

use crate::support::*;
use crate::team::Team;

/// The action, status and email of each line, for one email.
fn line_for<'a>(rows: &'a [Value], email: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("no line for {email}: {rows:?}"))
}

fn seed_pending(t: &Team, email: &str, network: i64, role: &str) -> i64 {
    t.server
        .add_invitation(InvitationSeed {
            email: email.into(),
            network_id: network,
            role: role.into(),
            invited_by_sub: Some("owen".into()),
            ..Default::default()
        })
        .id
}

fn member_emails(t: &Team, network: i64) -> Vec<String> {
    let mut v: Vec<String> = t
        .server
        .members(network)
        .iter()
        .map(|m| m["email"].as_str().unwrap_or("-").to_string())
        .collect();
    v.sort();
    v
}

fn status_of(t: &Team, id: i64) -> String {
    t.server.invitation(id).unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

const TEAM_FILE: &str = "email,role,can_manage_nodes,can_invite_users\n\
owen@example.com,owner,,\n\
bob@example.com,member,,true\n\
dave@example.com,member,true,\n\
ana@example.com,owner,,\n\
erin@example.com,,,\n";

/// Every action kind in the plan; --check fails before and passes after; a second apply
/// is a no-op counted at the stand-in.
#[test]
fn sync_plans_applies_and_is_idempotent() {
    let t = Team::start();
    let ana = seed_pending(&t, "ana@example.com", t.team, "member");
    let zed = seed_pending(&t, "zed@example.com", t.team, "member");
    let owen = t.person("owen");
    let path = file(owen, "team.csv", TEAM_FILE);
    t.server.clear_requests();

    let plan = owen
        .run(&["sync", &path, "--network", "team", "--dry-run"])
        .ok();
    for needle in [
        "+ erin@example.com",
        "~ dave@example.com",
        "update member: can_manage_nodes false → true",
        "~ ana@example.com",
        &format!("replace invitation {ana}: role member → owner"),
        "zed@example.com",
        "not in the file; kept (--prune revokes it)",
        "team: 1 to invite, 1 to update, 1 to replace, 0 to revoke, 0 to remove; 2 unchanged, 1 not in the file (kept)",
    ] {
        assert!(
            plan.stdout.contains(needle),
            "{needle:?} in\n{}",
            plan.stdout
        );
    }
    // owen's flags are not compared (an owner holds them all), bob is as in the file.
    assert!(!plan.stdout.contains("owen@example.com"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("bob@example.com"), "{}", plan.stdout);

    let rows = lines(
        &owen
            .run(&["sync", &path, "--network", "team", "--dry-run", "--json"])
            .ok(),
    );
    assert_eq!(rows.len(), 6, "{rows:?}");
    for (email, action, status) in [
        ("erin@example.com", "invite", "planned"),
        ("dave@example.com", "update", "planned"),
        ("ana@example.com", "replace", "planned"),
        ("owen@example.com", "keep", "skipped"),
        ("bob@example.com", "keep", "skipped"),
        ("zed@example.com", "revoke", "skipped"),
    ] {
        let r = line_for(&rows, email);
        assert_eq!(
            (r["action"].as_str(), r["status"].as_str()),
            (Some(action), Some(status)),
            "{r}"
        );
        assert_eq!(r["network_name"], "team");
    }
    assert_eq!(line_for(&rows, "ana@example.com")["id"], ana);

    owen.run(&["sync", &path, "--network", "team", "--check"])
        .code(1)
        .stderr_has("3 changes to make in 1 network");
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());

    // Off a terminal without --yes: refused, nothing written.
    owen.run(&["sync", &path, "--network", "team"])
        .code(2)
        .stderr_has("--yes");
    assert!(t.server.writes().is_empty());

    let out = owen
        .run(&["sync", &path, "--network", "team", "--yes", "--json"])
        .ok();
    let rows = lines(&out);
    let erin = line_for(&rows, "erin@example.com");
    assert_eq!(erin["status"], "done");
    assert!(
        erin["link"]
            .as_str()
            .unwrap()
            .contains("/invitations/accept/")
    );
    assert!(erin["id"].as_i64().is_some());
    let replaced = line_for(&rows, "ana@example.com");
    assert_eq!(replaced["status"], "done");
    assert_eq!(replaced["replaced_id"], ana);
    assert_ne!(replaced["id"], ana);
    assert_eq!(status_of(&t, ana), "revoked");
    assert_eq!(status_of(&t, zed), "pending", "not pruned");
    let dave = t
        .server
        .members(t.team)
        .into_iter()
        .find(|m| m["email"] == "dave@example.com")
        .unwrap();
    assert_eq!(dave["can_manage_nodes"], true);
    // 1 revoke, 2 creates, 1 update.
    assert_eq!(t.server.writes().len(), 4, "{:?}", t.server.writes());

    t.server.clear_requests();
    owen.run(&["sync", &path, "--network", "team", "--check"])
        .ok();
    let again = owen
        .run(&["sync", &path, "--network", "team", "--yes", "-v"])
        .ok()
        .stderr_has("No changes")
        .stderr_has("round trips");
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());
    // Per run: one networks listing, one members listing, one pending listing.
    let reqs = t.server.requests();
    let gets = |p: &str| {
        reqs.iter()
            .filter(|r| r.method == "GET" && r.path.starts_with(p))
            .count()
    };
    assert_eq!(gets("/api/networks/"), 2, "{reqs:?}\n{}", again.stderr);
    assert_eq!(gets("/api/invitations"), 2, "{reqs:?}");
}

/// --prune revokes and removes exactly what the file leaves out, never the caller, never
/// the last owner.
#[test]
fn sync_prune_removes_only_the_extras() {
    let t = Team::start();
    t.server.add_member(
        t.team,
        "erin",
        Some("erin@example.com"),
        "member",
        MemberFlags::default(),
    );
    let zed = seed_pending(&t, "zed@example.com", t.team, "member");
    let kept = seed_pending(&t, "kim@example.com", t.team, "member");
    let owen = t.person("owen");
    // owen leaves himself out: he is never removed.
    let text =
        "email,can_invite_users\nbob@example.com,true\ndave@example.com,\nkim@example.com,\n";
    let path = file(owen, "team.csv", text);
    t.server.clear_requests();
    let rows = lines(
        &owen
            .run(&[
                "sync",
                &path,
                "--network",
                "team",
                "--prune",
                "--dry-run",
                "--json",
            ])
            .ok(),
    );
    let me = line_for(&rows, "owen@example.com");
    assert_eq!(
        (me["action"].as_str(), me["status"].as_str()),
        (Some("remove"), Some("skipped"))
    );
    assert!(me["reason"].as_str().unwrap().contains("this is you"));
    assert_eq!(line_for(&rows, "erin@example.com")["status"], "planned");
    assert_eq!(line_for(&rows, "zed@example.com")["action"], "revoke");
    owen.run(&["sync", &path, "--network", "team", "--prune", "--check"])
        .code(1);
    // Without --prune there is nothing to do: extras are not drift.
    owen.run(&["sync", &path, "--network", "team", "--check"])
        .ok();

    owen.run(&["sync", &path, "--network", "team", "--prune", "--yes"])
        .ok();
    assert_eq!(
        member_emails(&t, t.team),
        ["bob@example.com", "dave@example.com", "owen@example.com"]
    );
    assert_eq!(status_of(&t, zed), "revoked");
    assert_eq!(status_of(&t, kept), "pending");
    assert_eq!(t.server.writes().len(), 2, "{:?}", t.server.writes());
    owen.run(&["sync", &path, "--network", "team", "--prune", "--check"])
        .ok();

    // alice (a system admin, not a member) leaves owen out: he is the last owner.
    let alice = t.person("alice");
    let path = file(alice, "team.csv", text);
    t.server.clear_requests();
    let out = alice
        .run(&[
            "sync",
            &path,
            "--network",
            "team",
            "--prune",
            "--yes",
            "--json",
        ])
        .ok();
    let rows = lines(&out);
    let owner = line_for(&rows, "owen@example.com");
    assert_eq!(owner["status"], "skipped");
    assert!(
        owner["reason"].as_str().unwrap().contains("last owner"),
        "{owner}"
    );
    assert!(t.server.writes().is_empty());
    // A refusal by rule is reported, not counted as drift.
    alice
        .run(&["sync", &path, "--network", "team", "--prune", "--check"])
        .ok();
}

/// A mangled export never empties a network.
#[test]
fn sync_refuses_a_mass_removal() {
    let t = Team::start();
    let owen = t.person("owen");
    let empty = file(owen, "empty.csv", "email,role\n");
    t.server.clear_requests();
    owen.run(&["sync", &empty, "--network", "team", "--prune", "--yes"])
        .code(6)
        .stderr_has("no rows")
        .stderr_has("--allow-mass-removal");
    owen.run(&["sync", &empty, "--network", "team", "--dry-run"])
        .code(6);
    // Only owen: bob and dave (2 of 3) would go.
    let only_me = file(owen, "me.csv", "email,role\nowen@example.com,owner\n");
    let out = owen
        .run(&[
            "sync",
            &only_me,
            "--network",
            "team",
            "--prune",
            "--yes",
            "--json",
        ])
        .code(6);
    assert_eq!(out.json_error()["code"], "mass_removal");
    assert!(out.stderr.contains("2 of its 3 members"), "{}", out.stderr);
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());
    assert_eq!(member_emails(&t, t.team).len(), 3);
    owen.run(&[
        "sync",
        &only_me,
        "--network",
        "team",
        "--prune",
        "--yes",
        "--allow-mass-removal",
    ])
    .ok();
    assert_eq!(member_emails(&t, t.team), ["owen@example.com"]);
}

/// A bad row stops everything; a non-owner is refused before any change.
#[test]
fn sync_refuses_bad_rows_and_non_owners() {
    let t = Team::start();
    let owen = t.person("owen");
    let bad = file(
        owen,
        "bad.csv",
        "email,role\nerin@example.com,member\nfay@example.com,boss\n",
    );
    t.server.clear_requests();
    owen.run(&["sync", &bad, "--network", "team", "--yes"])
        .code(2)
        .stderr_has("line 3, column role");
    assert!(t.server.writes().is_empty());

    for who in ["bob", "dave"] {
        let p = t.person(who);
        let path = file(p, "team.csv", "email\nerin@example.com\n");
        p.run(&["sync", &path, "--network", "team", "--yes"])
            .code(5)
            .stderr_has("network owners and system admins");
    }
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());
    assert!(
        !t.server
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/users")),
        "members were never listed"
    );
}

/// Networks the file does not name are never touched; `;` and tab separators work.
#[test]
fn sync_touches_only_the_networks_in_the_file() {
    let t = Team::start();
    let ops = t.server.add_network("ops", "10.79.0.0/16");
    t.server.add_member(
        ops,
        "oli",
        Some("oli@example.com"),
        "owner",
        MemberFlags::all(),
    );
    let left = seed_pending(&t, "left@example.com", ops, "member");
    let alice = t.person("alice");
    let semi = file(
        alice,
        "two.csv",
        "email;network;role;can_invite_users;can_manage_nodes\n\
         owen@example.com;team;owner;;\n\
         bob@example.com;team;member;yes;\n\
         dave@example.com;team;member;;\n\
         lee@example.com;lab;member;;1\n",
    );
    t.server.clear_requests();
    let out = alice
        .run(&["sync", &semi, "--prune", "--yes", "--json"])
        .ok();
    let rows = lines(&out);
    assert_eq!(rows.len(), 4, "{rows:?}");
    let lee = line_for(&rows, "lee@example.com");
    assert_eq!(
        (lee["action"].as_str(), lee["status"].as_str()),
        (Some("invite"), Some("done"))
    );
    assert_eq!(lee["can_manage_nodes"], true);
    assert_eq!(status_of(&t, left), "pending");
    assert_eq!(member_emails(&t, ops), ["oli@example.com"]);
    let ops_path = format!("/api/networks/{ops}/");
    assert!(
        t.server
            .requests()
            .iter()
            .all(|r| !r.path.starts_with(&ops_path)
                && !r
                    .query
                    .as_deref()
                    .unwrap_or("")
                    .contains(&format!("network_id={ops}"))),
        "{:?}",
        t.server.requests()
    );
    // The same team as tab-separated text on standard input: in sync.
    let tsv = "email\tnetwork\trole\tcan_invite_users\tcan_manage_nodes\n\
               owen@example.com\tteam\towner\t\t\n\
               bob@example.com\tteam\tmember\ttrue\t\n\
               dave@example.com\tteam\tmember\t\t\n\
               lee@example.com\tlab\tmember\t\ttrue\n";
    alice
        .run_with(&["sync", "-", "--prune", "--check"], &[], Some(tsv))
        .ok()
        .stdout_has("lab: 0 to invite");
}

/// A failed row: exit 1, the rest done; a re-run finishes the job; a lost answer is
/// looked up rather than sent again.
#[test]
fn sync_recovers_from_a_partial_failure() {
    let t = Team::start();
    let owen = t.person("owen");
    let text = "email,can_manage_nodes\nowen@example.com,\nbob@example.com,\n\
                dave@example.com,\na1@example.com,\na2@example.com,\na3@example.com,\n";
    // bob loses can_invite_users (an update), three are invited.
    let path = file(owen, "team.csv", text);
    t.server.inject(Fault {
        method: Some("POST"),
        path_prefix: "/api/invitations".into(),
        kind: FaultKind::Detail {
            code: 400,
            detail: "Simulated refusal".into(),
        },
        times: 1,
    });
    t.server.inject(Fault {
        method: Some("PATCH"),
        path_prefix: "/api/networks/".into(),
        kind: FaultKind::LostAnswer,
        times: 1,
    });
    let out = owen
        .run(&[
            "sync",
            &path,
            "--network",
            "team",
            "--yes",
            "--json",
            "--jobs",
            "1",
        ])
        .code(1);
    let rows = lines(&out);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:?}");
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Simulated refusal")
    );
    let bob = line_for(&rows, "bob@example.com");
    assert_eq!(bob["status"], "done", "{bob}");
    assert!(bob["reason"].as_str().unwrap().contains("lost"), "{bob}");
    let patches = t
        .server
        .writes()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 1, "the lost update was looked up, not sent again");

    t.server.clear_requests();
    let again = lines(
        &owen
            .run(&["sync", &path, "--network", "team", "--yes", "--json"])
            .ok(),
    );
    let done: Vec<&Value> = again.iter().filter(|r| r["status"] == "done").collect();
    assert_eq!(done.len(), 1, "{again:?}");
    assert_eq!(done[0]["email"], failed[0]["email"]);
    assert_eq!(t.server.writes().len(), 1);
    t.server.clear_requests();
    owen.run(&["sync", &path, "--network", "team", "--yes"])
        .ok();
    assert!(t.server.writes().is_empty());
}

/// Ctrl-C stops sending, waits for what is in flight, reports every action (exit 2);
/// the re-run (here from a JSON-lines file on standard input) finishes the job.
#[test]
fn sync_stops_on_ctrl_c_and_a_rerun_finishes() {
    use std::time::Duration;
    let t = Team::start();
    let owen = t.person("owen");
    let people: Vec<String> = (0..20).map(|i| format!("slow{i}@example.com")).collect();
    let csv: String = std::iter::once(
        "email,role,can_invite_users\nowen@example.com,owner,\nbob@example.com,,true\ndave@example.com,,\n".to_string(),
    )
    .chain(people.iter().map(|p| format!("{p},,\n")))
    .collect();
    let path = file(owen, "slow.csv", &csv);
    t.server.inject(Fault {
        method: Some("POST"),
        path_prefix: "/api/invitations".into(),
        kind: FaultKind::Delay(Duration::from_millis(300)),
        times: 0,
    });
    let posts = || {
        t.server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    };
    let out = interrupt_when(
        owen.command(&[
            "sync",
            &path,
            "--network",
            "team",
            "--yes",
            "--json",
            "--jobs",
            "2",
        ]),
        || posts() >= 3,
    )
    .code(2);
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    let rows: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 23, "every action is reported: {stdout}");
    let done = rows.iter().filter(|r| r["status"] == "done").count();
    let interrupted = rows
        .iter()
        .filter(|r| r["reason"] == "interrupted before it was sent")
        .count();
    assert!(done >= 3 && interrupted > 0, "{stdout}");
    assert_eq!(done + interrupted, 20, "{stdout}");
    assert!(stderr.contains("\"code\":\"interrupted\""), "{stderr}");
    t.server.clear_faults();

    let jsonl: String = ["owen@example.com", "bob@example.com", "dave@example.com"]
        .iter()
        .map(|e| {
            let role = if e.starts_with("owen") {
                "owner"
            } else {
                "member"
            };
            format!(
                "{{\"email\":\"{e}\",\"role\":\"{role}\",\"can_invite_users\":{}}}\n",
                e.starts_with("bob")
            )
        })
        .chain(people.iter().map(|p| format!("{{\"email\":\"{p}\"}}\n")))
        .collect();
    let rows = lines(
        &owen
            .run_with(
                &["sync", "-", "--network", "team", "--yes", "--json"],
                &[],
                Some(&jsonl),
            )
            .ok(),
    );
    let invited = rows.iter().filter(|r| r["status"] == "done").count();
    assert_eq!(invited, 20 - done, "{rows:?}");
    owen.run_with(
        &["sync", "-", "--network", "team", "--check"],
        &[],
        Some(&jsonl),
    )
    .ok();
}

/// An invite refused because someone was quicker than the listing is skipped with the
/// reason, not failed; the next run compares again and finishes the job.
#[test]
fn sync_skips_an_invite_someone_else_made_meanwhile() {
    let t = Team::start();
    let owen = t.person("owen");
    let path = file(
        owen,
        "one.csv",
        "email,role\nowen@example.com,owner\nbob@example.com,\ndave@example.com,\nkai@example.com,\n",
    );
    t.server.inject(Fault {
        method: Some("POST"),
        path_prefix: "/api/invitations".into(),
        kind: FaultKind::Detail {
            code: 400,
            detail: "There is already a pending invitation for this user to this network".into(),
        },
        times: 1,
    });
    let rows = lines(
        &owen
            .run(&["sync", &path, "--network", "team", "--yes", "--json"])
            .ok(),
    );
    let kai = line_for(&rows, "kai@example.com");
    assert_eq!(kai["status"], "skipped", "{kai}");
    assert!(
        kai["reason"].as_str().unwrap().contains("run again"),
        "{kai}"
    );
    owen.run(&["sync", &path, "--network", "team", "--check"])
        .code(1);
    owen.run(&["sync", &path, "--network", "team", "--yes"])
        .ok();
    owen.run(&["sync", &path, "--network", "team", "--check"])
        .ok();
}

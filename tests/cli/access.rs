//! After the invitation: members, offboarding, history and permission-aware plans, driven
//! through the binary by several people signed in through the real issuer (`team.rs`):
//! alice (system admin), owen (owner of `team`), bob (member who may invite), dave (plain
//! member).

use crate::support::*;
use crate::team::Team;

fn emails(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap_or("-").to_string())
        .collect()
}

fn pending_ids(t: &Team, network: i64) -> Vec<i64> {
    t.person("alice")
        .run(&[
            "list",
            "--status",
            "pending",
            "--network",
            &network.to_string(),
            "--json",
        ])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// invite → accept → member listed → permissions changed → removed everywhere with the
/// pending invitation revoked → history shows each step.
#[test]
fn the_access_lifecycle_from_invitation_to_offboarding() {
    let mut t = Team::start();
    let owen = t.person("owen");
    let inv = owen.create("erin@example.com", "team");
    let token = inv["token"].as_str().unwrap().to_string();
    let team_inv = inv["id"].as_i64().unwrap();
    t.sign_in_new("erin").run(&["accept", "--", &token]).ok();

    // Listed, owners first, with who invited them.
    let owen = t.person("owen");
    let v = owen
        .run(&["members", "list", "--network", "team", "--json"])
        .ok()
        .json();
    assert_eq!(
        emails(&v),
        [
            "owen@example.com",
            "bob@example.com",
            "dave@example.com",
            "erin@example.com"
        ]
    );
    let erin = &v[3];
    assert_eq!(erin["role"], "member");
    assert_eq!(erin["invited_by_email"], "owen@example.com");
    assert_eq!(erin["network_name"], "team");
    assert_eq!(erin["network_id"], t.team);
    assert_eq!(erin["user_id"], t.user_id("erin"));
    for k in [
        "can_manage_nodes",
        "can_invite_users",
        "can_manage_firewall",
    ] {
        assert_eq!(erin[k], false, "{k}");
    }
    assert!(erin["since"].as_str().unwrap().ends_with('Z'));
    // TSV in a pipe, a line per member.
    let tsv = owen.run(&["members", "list", "--network", "team"]).ok();
    assert_eq!(tsv.stdout.lines().count(), 4, "{}", tsv.stdout);
    assert!(tsv.stdout.lines().all(|l| l.split('\t').count() == 10));
    // --jq works as everywhere.
    owen.run(&[
        "members",
        "ls",
        "-n",
        "team",
        "--jq",
        ".[] | select(.role==\"owner\") | .email",
    ])
    .ok()
    .stdout_has("owen@example.com\n");

    // Permissions changed: old → new, unnamed fields unchanged.
    let out = owen
        .run(&[
            "members",
            "set",
            "erin@example.com",
            "--network",
            "team",
            "--can-manage-nodes",
            "--json",
        ])
        .ok();
    assert!(
        out.stderr.contains("can_manage_nodes false → true"),
        "{}",
        out.stderr
    );
    let v = out.json();
    assert_eq!(v[0]["status"], "updated");
    assert_eq!(v[0]["changes"]["can_manage_nodes"]["new"], true);
    assert!(v[0]["changes"].get("role").is_none());
    let row = t
        .server
        .members(t.team)
        .into_iter()
        .find(|m| m["email"] == "erin@example.com")
        .unwrap();
    assert_eq!(row["can_manage_nodes"], true);
    assert_eq!(row["can_invite_users"], false);
    // The same change again sends nothing.
    t.server.clear_requests();
    owen.run(&[
        "members",
        "set",
        "erin@example.com",
        "-n",
        "team",
        "--can-manage-nodes=true",
    ])
    .ok()
    .stderr_has("unchanged");
    assert!(t.server.writes().is_empty());

    // Erin also has a pending invitation elsewhere: offboarding takes both away.
    let alice = t.person("alice");
    let lab_inv = alice.create("erin@example.com", "lab")["id"]
        .as_i64()
        .unwrap();
    let plan = alice
        .run(&[
            "members",
            "remove",
            "erin@example.com",
            "--all-networks",
            "--dry-run",
            "--json",
        ])
        .ok()
        .json();
    let actions: Vec<(String, String)> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().into(),
                a["network_name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("revoke".into(), "lab".into()),
            ("remove".into(), "team".into())
        ]
    );
    assert!(
        plan.as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "planned")
    );
    assert!(
        t.server.is_member(t.team, "erin"),
        "a dry run changes nothing"
    );
    // Off a terminal, without --yes: refused, nothing changed.
    alice
        .run(&["members", "remove", "erin@example.com", "--all-networks"])
        .code(2)
        .stderr_has("--yes");
    let done = alice
        .run(&[
            "members",
            "remove",
            "erin@example.com",
            "--all-networks",
            "--yes",
            "--json",
        ])
        .ok()
        .json();
    assert!(
        done.as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "done"),
        "{done}"
    );
    assert!(!t.server.is_member(t.team, "erin"));
    assert_eq!(t.server.invitation(lab_inv).unwrap()["status"], "revoked");
    // The accepted invitation stays accepted (the server keeps it so).
    assert_eq!(t.server.invitation(team_inv).unwrap()["status"], "accepted");
    let v = owen
        .run(&["members", "list", "--network", "team", "--json"])
        .ok()
        .json();
    assert!(!emails(&v).contains(&"erin@example.com".to_string()));

    // History shows each step, newest first, with the actor and the network.
    let h = alice
        .run(&["history", "--email", "erin@example.com", "--json"])
        .ok()
        .json();
    let steps: Vec<(String, String, String)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["actor_email"].as_str().unwrap_or("-").into(),
                e["network_name"].as_str().unwrap_or("-").into(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        steps,
        [
            s("network_permission_removed", "alice@example.com", "team"),
            s("invitation_deleted", "alice@example.com", "lab"),
            s("invitation_created", "alice@example.com", "lab"),
            s("network_permission_updated", "owen@example.com", "team"),
            s("invitation_accepted", "erin@example.com", "team"),
            s("invitation_created", "owen@example.com", "team"),
        ],
        "{h}"
    );
    assert!(
        h.as_array()
            .unwrap()
            .iter()
            .all(|e| e["email"] == "erin@example.com")
    );
    assert!(h[0]["client_ip"].as_str().is_some());
    // By invitation id, by network and action.
    let h = alice
        .run(&["history", &team_inv.to_string(), "--json"])
        .ok()
        .json();
    assert_eq!(h.as_array().unwrap().len(), 2, "{h}");
    let h = alice
        .run(&[
            "history",
            "--network",
            "lab",
            "--action",
            "revoked",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(h.as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h[0]["invitation_id"], lab_inv);
    // A table for people.
    alice
        .run(&["history", "--limit", "3", "--format", "table"])
        .ok()
        .stdout_has("removed from the network");
}

/// Every refusal, in words, with its exit status, before anything is sent.
#[test]
fn refusals_name_who_may() {
    let t = Team::start();
    t.server.clear_requests();
    let (alice, owen, bob, dave) = (
        t.person("alice"),
        t.person("owen"),
        t.person("bob"),
        t.person("dave"),
    );
    dave.run(&["members", "list", "--network", "team"])
        .code(5)
        .stderr_has("only network owners and system admins can list the members");
    // can_invite_users is not enough to see members.
    bob.run(&["members", "list", "--network", "team"])
        .code(5)
        .stderr_has("you may invite into \"team\"");
    bob.run(&[
        "members",
        "remove",
        "dave@example.com",
        "--network",
        "team",
        "--yes",
    ])
    .code(5);
    bob.run(&[
        "members",
        "set",
        "dave@example.com",
        "--network",
        "team",
        "--role",
        "owner",
    ])
    .code(5);
    let e = dave.run(&["history", "--json"]).code(5).json_error();
    assert!(
        e["message"].as_str().unwrap().contains("system admins"),
        "{e}"
    );
    owen.run(&["history"]).code(5).stderr_has("members list");
    owen.run(&[
        "members",
        "add",
        "x@example.com",
        "--network",
        "team",
        "--role",
        "owner",
    ])
    .code(5)
    .stderr_has("netinvite create --email x@example.com --network team --role owner");
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());

    alice
        .run(&["members", "add", "nobody@example.com", "--network", "team"])
        .code(3)
        .stderr_has(
            "invite them instead: netinvite create --email nobody@example.com --network team",
        );
    alice
        .run(&["members", "add", "bob@example.com", "--network", "team"])
        .code(6)
        .stderr_has("already a member");
    owen.run(&[
        "members",
        "set",
        "nobody@example.com",
        "--network",
        "team",
        "--role",
        "owner",
    ])
    .code(3)
    .stderr_has("not a member of network \"team\"");
    owen.run(&[
        "members",
        "set",
        "dave@example.com",
        "--network",
        "team",
        "--role",
        "admin",
    ])
    .code(2);
    owen.run(&["members", "set", "dave@example.com", "--network", "team"])
        .code(2)
        .stderr_has("nothing to change");
    // The last owner is neither demoted nor removed: said before the server refuses.
    owen.run(&[
        "members",
        "set",
        "owen@example.com",
        "--network",
        "team",
        "--role",
        "member",
        "--yes",
    ])
    .code(6)
    .stderr_has("last owner");
    owen.run(&[
        "members",
        "remove",
        "owen@example.com",
        "--network",
        "team",
        "--yes",
    ])
    .code(6)
    .stderr_has("members set EMAIL --network team --role owner");
    alice.run(&["history", "--since", "yesterday"]).code(2);
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());

    // A plain member cannot invite: said before anything is sent.
    dave.run(&["create", "--email", "x@example.com", "--network", "team"])
        .code(5)
        .stderr_has("can_invite_users");
    assert!(t.server.writes().is_empty(), "{:?}", t.server.writes());

    // A network id bob cannot see is reported as an id, with what he can see.
    bob.run(&[
        "create",
        "--email",
        "x@example.com",
        "--network",
        &t.lab.to_string(),
    ])
    .code(3)
    .stderr_has(&format!("no network with id {} is visible to you", t.lab))
    .stderr_has("team (id");
}

/// Plans use what the server will allow: another inviter's invitation is "not yours".
#[test]
fn plans_know_who_is_asking() {
    let t = Team::start();
    let (alice, owen, bob) = (t.person("alice"), t.person("owen"), t.person("bob"));
    let p1 = owen.create("p1@example.com", "team")["id"]
        .as_i64()
        .unwrap();
    let p2 = bob.create("p2@example.com", "team")["id"].as_i64().unwrap();
    let p3 = bob.create("p3@example.com", "team")["id"].as_i64().unwrap();
    let p4 = alice.create("p4@example.com", "team")["id"]
        .as_i64()
        .unwrap();

    let plan = bob
        .run(&[
            "revoke",
            "--status",
            "pending",
            "--network",
            "team",
            "--dry-run",
            "--json",
        ])
        .ok();
    let rows: Vec<Value> = plan
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id = |id: i64| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id(p2)["status"], "would_revoke");
    assert_eq!(by_id(p3)["status"], "would_revoke");
    for (id, by) in [(p1, "owen"), (p4, "alice")] {
        let r = by_id(id);
        assert_eq!(r["status"], "skipped");
        assert_eq!(r["code"], "not_yours");
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .contains(&format!("invited by {by}@example.com")),
            "{r}"
        );
    }
    t.server.clear_requests();
    bob.run(&[
        "revoke",
        "--status",
        "pending",
        "--network",
        "team",
        "--yes",
    ])
    .ok()
    .stderr_has("2 skipped");
    let writes = t.server.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(t.server.requests().iter().all(|r| r.status != 403));
    assert_eq!(pending_ids(&t, t.team), vec![p4, p1]);

    // One by id: refused in words, nothing sent.
    t.server.clear_requests();
    bob.run(&["revoke", &p1.to_string(), "--yes"])
        .code(5)
        .stderr_has("invited by owen@example.com");
    assert!(t.server.writes().is_empty());

    // A bulk file with rows where bob may not invite: those rows fail in the plan, in
    // words, and are never sent; the others go through.
    t.server.add_member(
        t.lab,
        "bob",
        Some("bob@example.com"),
        "member",
        Default::default(),
    );
    let csv = &file(
        bob,
        "mixed.csv",
        "email,network\nq1@example.com,team\nq2@example.com,lab\nq3@example.com,team\n",
    );
    let plan = bob
        .run(&["create", "--from-file", csv, "--dry-run", "--json"])
        .code(1);
    let status: Vec<(String, String)> = plan
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|r| {
            (
                r["email"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        status,
        [
            s("q1@example.com", "would_create"),
            s("q2@example.com", "failed"),
            s("q3@example.com", "would_create")
        ]
    );
    let refused: Value = serde_json::from_str(plan.stdout.lines().nth(1).unwrap()).unwrap();
    assert_eq!(refused["code"], "permission_denied");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .ends_with("can invite into \"lab\""),
        "{refused}"
    );
    t.server.clear_requests();
    bob.run(&["create", "--from-file", csv, "--json"]).code(1);
    assert_eq!(t.server.writes().len(), 2, "{:?}", t.server.writes());
    // Only refused rows: exit 5, as for one create.
    let only_lab = file(bob, "lab.csv", "email,network\nq4@example.com,lab\n");
    bob.run(&["create", "--from-file", &only_lab]).code(5);

    // networks shows the caller's own role and permissions.
    bob.run(&["networks", "--format", "table"])
        .ok()
        .stdout_has("invite");
    owen.run(&["networks", "--format", "table"])
        .ok()
        .stdout_has("everything (owner)");

    // Without --network, members list covers every network the caller owns, with a
    // network column.
    let v = alice.run(&["members", "list", "--json"]).ok().json();
    let rows: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["network_name"].as_str().unwrap().to_string(),
                m["email"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        rows,
        [
            s("lab", "bob@example.com"),
            s("team", "owen@example.com"),
            s("team", "bob@example.com"),
            s("team", "dave@example.com"),
        ]
    );
    alice
        .run(&["members", "list", "--format", "table"])
        .ok()
        .stdout_has("NETWORK");
}

/// Revoking an accepted invitation keeps refusing without --force and points at
/// offboarding.
#[test]
fn revoking_an_accepted_invitation_points_at_members_remove() {
    let mut t = Team::start();
    let inv = t.person("owen").create("erin@example.com", "team");
    let token = inv["token"].as_str().unwrap().to_string();
    t.sign_in_new("erin").run(&["accept", "--", &token]).ok();
    t.person("owen")
        .run(&["revoke", &inv["id"].to_string(), "--yes"])
        .code(6)
        .stderr_has("netinvite members remove erin@example.com --network team");
    assert!(t.server.is_member(t.team, "erin"));
}

/// Offboarding whose answers are lost: each step is looked up, none is sent twice.
#[test]
fn a_lost_offboarding_answer_is_looked_up_not_resent() {
    let t = Team::start();
    let owen = t.person("owen");
    // dave is a member with an invitation still pending (the server refuses a new one
    // for a member, so it is seeded as if made before he joined).
    let inv = t.server.add_invitation(InvitationSeed {
        email: "dave@example.com".into(),
        network_id: t.team,
        ..Default::default()
    });
    let inv_path = format!("/api/invitations/{}", inv.id);
    inject(owen, "DELETE", &inv_path, FaultKind::LostAnswer, 1);
    let dave = t.user_id("dave");
    let member_path = format!("/api/networks/{}/users/{dave}", t.team);
    inject(owen, "DELETE", &member_path, FaultKind::LostAnswer, 1);
    let out = owen
        .run(&[
            "members",
            "remove",
            "dave@example.com",
            "-n",
            "team",
            "--yes",
            "--json",
        ])
        .ok();
    assert!(out.stderr.contains("answer was lost"), "{}", out.stderr);
    assert_eq!(attempts(owen, "DELETE", &member_path), 1);
    assert_eq!(attempts(owen, "DELETE", &inv_path), 1);
    assert!(!t.server.is_member(t.team, "dave"));
    assert_eq!(t.server.invitation(inv.id).unwrap()["status"], "revoked");
    let v = out.json();
    assert!(
        v.as_array().unwrap().iter().all(|a| a["status"] == "done"),
        "{v}"
    );
}

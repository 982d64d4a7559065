//! `netinvite list`: the effective status, filters, formats, one round trip.

use crate::support::*;

fn seed(w: &World, email: &str, network: &str, status: &str, expires_in_secs: i64) -> i64 {
    let id = w.network_id(network);
    w.server
        .add_invitation(InvitationSeed {
            email: email.into(),
            network_id: id,
            status: status.into(),
            expires_at: When::FromNow(chrono::TimeDelta::seconds(expires_in_secs)),
            ..Default::default()
        })
        .id
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_past_deadline_pending_invitation_lists_as_expired() {
    let w = World::signed_in();
    let late = seed(&w, "late@example.com", "lab", "pending", -60);
    let live = seed(&w, "live@example.com", "lab", "pending", 86400);
    let v = w.run(&["list", "--json"]).ok().json();
    let get = |id| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(get(late)["status"], "expired");
    assert_eq!(get(late)["stored_status"], "pending");
    assert_eq!(get(live)["status"], "pending");

    let pending = w
        .run(&["list", "--status", "pending", "--json"])
        .ok()
        .json();
    assert_eq!(ids(&pending), vec![live]);
    let expired = w
        .run(&["list", "--status", "expired", "--json"])
        .ok()
        .json();
    assert_eq!(ids(&expired), vec![late]);
}

#[test]
fn status_filters_use_the_servers_parameter_and_one_request() {
    let w = World::signed_in();
    seed(&w, "a@example.com", "lab", "accepted", 86400);
    seed(&w, "r@example.com", "lab", "revoked", 86400);
    seed(&w, "p@example.com", "office", "pending", 86400);
    w.server.clear_requests();
    let v = w
        .run(&["list", "--status", "accepted", "--json"])
        .ok()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let reqs = w.server.requests();
    assert_eq!(reqs.len(), 1, "one round trip: {reqs:?}");
    assert_eq!(reqs[0].query.as_deref(), Some("status_filter=accepted"));

    w.server.clear_requests();
    let v = w
        .run(&["list", "--status", "accepted,revoked", "--json"])
        .ok()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(w.server.requests().len(), 1);

    w.server.clear_requests();
    let office = w.network_id("office");
    w.server.clear_requests();
    let v = w
        .run(&["list", "--network", "office", "--json"])
        .ok()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let reqs = w.server.requests();
    assert_eq!(
        reqs.last().unwrap().query.as_deref(),
        Some(format!("network_id={office}").as_str())
    );
    w.run(&["list", "--status", "done"]).code(2);
}

#[test]
fn newest_first_and_email_patterns() {
    let w = World::signed_in();
    let a = w.create("alpha@example.com", "lab")["id"].as_i64().unwrap();
    let b = w.create("beta@example.org", "lab")["id"].as_i64().unwrap();
    let c = w.create("gamma@example.com", "office")["id"]
        .as_i64()
        .unwrap();
    let v = w.run(&["list", "--json"]).ok().json();
    assert_eq!(ids(&v), vec![c, b, a]);
    let v = w
        .run(&["list", "--email", "*@EXAMPLE.com", "--json"])
        .ok()
        .json();
    assert_eq!(ids(&v), vec![c, a]);
    let v = w.run(&["list", "--email", "beta", "--json"]).ok().json();
    assert_eq!(ids(&v), vec![b]);
    let v = w.run(&["list", "--limit", "1", "--json"]).ok().json();
    assert_eq!(ids(&v), vec![c]);
}

#[test]
fn piped_output_is_tab_separated_with_rfc3339_times() {
    let w = World::signed_in();
    let inv = w.create("tsv@example.com", "lab");
    let out = w.run(&["list"]).ok();
    let line = out.stdout.lines().next().unwrap();
    let f: Vec<&str> = line.split('\t').collect();
    assert_eq!(f[0], inv["id"].as_i64().unwrap().to_string());
    assert_eq!(f[1], "tsv@example.com");
    assert_eq!(f[3], "lab");
    assert_eq!(f[8], "pending");
    assert!(f[10].ends_with('Z') && f[10].contains('T'), "{}", f[10]);
    assert_eq!(f[12], inv["link"].as_str().unwrap());
}

#[test]
fn on_a_terminal_it_is_a_table_with_relative_times() {
    let w = World::signed_in();
    w.create("tty@example.com", "lab");
    let out = w
        .run_with(
            &["list", "--color", "never"],
            &[("NETINVITE_FORCE_TTY", "1")],
            None,
        )
        .ok();
    let header = out.stdout.lines().next().unwrap();
    for col in [
        "ID", "EMAIL", "NETWORK", "ROLE", "STATUS", "EXPIRES", "CREATED",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(out.stdout.contains("in 7 days"), "{}", out.stdout);
    assert!(out.stdout.contains("just now"), "{}", out.stdout);
    assert!(!out.stdout.contains('\x1b'));
}

#[test]
fn csv_and_ndjson() {
    let w = World::signed_in();
    w.create("x,y@example.com".replace(',', "").as_str(), "lab");
    w.create("z@example.com", "office");
    let out = w.run(&["list", "--format", "csv"]).ok();
    let mut lines = out.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,email,network_id,network_name")
    );
    assert_eq!(lines.count(), 2);
    let out = w.run(&["list", "--format", "ndjson"]).ok();
    for l in out.stdout.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["link"].is_string());
    }
    assert_eq!(out.stdout.lines().count(), 2);
}

#[test]
fn networks_lists_ids_and_names() {
    let w = World::signed_in();
    let v = w.run(&["networks", "--json"]).ok().json();
    let names: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].clone())
        .collect();
    assert_eq!(names, vec!["lab", "office"]);
    assert_eq!(v[0]["role"], "admin");
    assert!(v[0]["created_at"].as_str().unwrap().ends_with('Z'));
    let out = w.run(&["networks"]).ok();
    assert!(
        out.stdout
            .starts_with(&format!("{}\tlab\t10.42.0.0/16", v[0]["id"])),
        "{}",
        out.stdout
    );
}

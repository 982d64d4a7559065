//! Finding invitations by id: the narrowest list slices first, the local index, stale
//! entries, several ids in one lookup, parallel runs, and what the index may hold.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::*;

/// The query strings of the list requests since the last `clear_requests`, in order.
fn lists(w: &World) -> Vec<String> {
    w.server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/api/invitations")
        .map(|r| r.query.unwrap_or_default())
        .collect()
}

fn id_of(v: &Value) -> String {
    v["id"].as_i64().expect("id").to_string()
}

/// The index files under this world's cache directory.
fn index_files(w: &World) -> Vec<PathBuf> {
    let dir = w.home.path().join(".cache/netinvite/index");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn index_text(w: &World) -> String {
    index_files(w)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

fn seed(w: &World, email: &str, network: i64, status: &str) -> i64 {
    w.server
        .add_invitation(InvitationSeed {
            email: email.into(),
            network_id: network,
            status: status.into(),
            ..Default::default()
        })
        .id
}

/// Runs netinvite with another cache directory: changes made "behind the back" of the
/// index in the world's own cache.
fn elsewhere(w: &World, args: &[&str]) -> Run {
    let other = w.home.path().join("other-cache");
    w.run_with(
        args,
        &[("NETINVITE_CACHE_DIR", other.to_str().unwrap())],
        None,
    )
}

#[test]
fn a_known_id_costs_one_narrow_request() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    for i in 0..5 {
        seed(&w, &format!("old{i}@example.com"), lab, "revoked");
    }
    let inv = w.create("known@example.com", "lab");
    let id = id_of(&inv);
    let narrow = format!("network_id={lab}&status_filter=pending");
    for args in [
        vec!["show", id.as_str()],
        vec!["copy-link", id.as_str(), "--print"],
        vec!["resend", id.as_str()],
        vec!["revoke", id.as_str(), "--yes"],
    ] {
        w.server.clear_requests();
        w.run(&args).ok();
        assert_eq!(lists(&w), vec![narrow.clone()], "{args:?}");
    }
    // The revoke was recorded: the next lookup asks for the revoked slice directly.
    w.server.clear_requests();
    let v = w.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(v["status"], "revoked");
    assert_eq!(
        lists(&w),
        vec![format!("network_id={lab}&status_filter=revoked")]
    );
}

#[test]
fn an_unknown_pending_id_costs_the_pending_slice_only() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    for i in 0..5 {
        seed(&w, &format!("gone{i}@example.com"), lab, "accepted");
    }
    let id = seed(&w, "fresh@example.com", lab, "pending").to_string();
    w.server.clear_requests();
    let out = w.run(&["copy-link", &id, "--print"]).ok();
    assert!(
        out.stdout.contains("/invitations/accept/"),
        "{}",
        out.stdout
    );
    assert_eq!(lists(&w), vec!["status_filter=pending".to_string()]);
    // With --network, narrower still.
    w.server.clear_requests();
    let unknown = seed(&w, "fresh2@example.com", lab, "pending").to_string();
    w.run(&["show", &unknown, "--network", &lab.to_string()])
        .ok();
    assert_eq!(
        lists(&w),
        vec![format!("network_id={lab}&status_filter=pending")]
    );
}

#[test]
fn an_accepted_id_widens_once_and_is_then_known() {
    let w = World::signed_in();
    let office = w.network_id("office");
    seed(&w, "p@example.com", office, "pending");
    let id = seed(&w, "acc@example.com", office, "accepted").to_string();
    w.server.clear_requests();
    let v = w.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(v["email"], "acc@example.com");
    assert_eq!(
        lists(&w),
        vec!["status_filter=pending".to_string(), String::new()]
    );
    w.server.clear_requests();
    w.run(&["revoke", &id, "--yes"])
        .code(6)
        .stderr_has("accepted");
    assert_eq!(
        lists(&w),
        vec![format!("network_id={office}&status_filter=accepted")]
    );
}

#[test]
fn a_stale_entry_falls_back_and_heals() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let id = id_of(&w.create("stale@example.com", "lab"));
    // Revoked by someone else: this cache still says pending.
    elsewhere(&w, &["revoke", &id, "--yes"]).ok();
    assert!(index_text(&w).contains(&format!("i\t{id}\t{lab}\tpending\t")));
    w.server.clear_requests();
    let v = w.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(v["status"], "revoked", "the server's answer wins");
    assert_eq!(
        lists(&w),
        vec![
            format!("network_id={lab}&status_filter=pending"),
            format!("network_id={lab}")
        ]
    );
    assert!(index_text(&w).contains(&format!("i\t{id}\t{lab}\trevoked\t")));
    // Healed: the next revoke finds it in one narrow request and says so.
    w.server.clear_requests();
    w.run(&["revoke", &id, "--yes"])
        .ok()
        .stderr_has("already revoked");
    assert_eq!(
        lists(&w),
        vec![format!("network_id={lab}&status_filter=revoked")]
    );
}

#[test]
fn an_entry_the_server_no_longer_has_is_not_found_and_forgotten() {
    let w = World::signed_in();
    let id = w.create("ghost@example.com", "lab")["id"].as_i64().unwrap();
    // A fresh server on the same address would not know the id: simulate it by
    // writing an entry for an id this server never had.
    let file = index_files(&w).pop().expect("an index file");
    let text = std::fs::read_to_string(&file).unwrap();
    let ghost = id + 1000;
    std::fs::write(
        &file,
        format!("{text}i\t{ghost}\t1\tpending\t-\tghost2@example.com\n"),
    )
    .unwrap();
    w.server.clear_requests();
    w.run(&["show", &ghost.to_string()])
        .code(3)
        .stderr_has(&format!("invitation {ghost} not found"));
    // Not found only after the full listing.
    assert_eq!(lists(&w).last().map(String::as_str), Some(""));
    let text = index_text(&w);
    assert!(!text.contains(&format!("i\t{ghost}\t")), "{text}");
    assert!(text.contains(&format!("i\t{id}\t")), "{text}");
}

#[test]
fn several_ids_cost_one_lookup() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let ids: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| id_of(&w.create(&format!("{n}@example.com"), "lab")))
        .collect();
    w.server.clear_requests();
    let mut args = vec!["revoke"];
    args.extend(ids.iter().map(String::as_str));
    args.push("--yes");
    w.run(&args).ok();
    assert_eq!(
        lists(&w),
        vec![format!("network_id={lab}&status_filter=pending")]
    );
    let deletes = w
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 3);

    // Cold index, ids in two networks: still one request (the pending slice).
    let office = w.network_id("office");
    let x = seed(&w, "x@example.com", lab, "pending").to_string();
    let y = seed(&w, "y@example.com", office, "pending").to_string();
    for f in index_files(&w) {
        std::fs::remove_file(f).unwrap();
    }
    w.server.clear_requests();
    let out = w.run(&["resend", &x, &y, "--json"]).ok();
    assert_eq!(out.json().as_array().unwrap().len(), 2);
    assert_eq!(lists(&w), vec!["status_filter=pending".to_string()]);
}

#[test]
fn network_narrows_revoke_and_resend_and_confines_the_search() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    let office = w.network_id("office");
    let id = seed(&w, "n@example.com", office, "pending").to_string();
    w.server.clear_requests();
    w.run(&["resend", &id, "--network", "office"]).ok();
    assert_eq!(
        lists(&w),
        vec![format!("network_id={office}&status_filter=pending")]
    );
    // The user said lab: the invitation is not there, whatever the index knows.
    w.server.clear_requests();
    w.run(&["revoke", &id, "--network", &lab.to_string(), "--yes"])
        .code(3)
        .stderr_has(&format!("invitation {id} not found"));
    assert!(
        lists(&w)
            .iter()
            .all(|q| q.contains(&format!("network_id={lab}")))
    );
    assert_eq!(
        w.server.invitation(id.parse().unwrap()).unwrap()["status"],
        "pending"
    );
    w.run(&["revoke", &id, "--network", "office", "--yes"]).ok();
    assert_eq!(
        w.server.invitation(id.parse().unwrap()).unwrap()["status"],
        "revoked"
    );
}

#[test]
fn parallel_runs_merge_into_one_sound_index() {
    let w = World::signed_in();
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut c = w.command(&[
                "create",
                "--email",
                &format!("par{i}@example.com"),
                "--network",
                if i % 2 == 0 { "lab" } else { "office" },
                "--json",
            ]);
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().expect("spawn")
        })
        .collect();
    let mut ids = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        ids.push(v["id"].as_i64().unwrap());
    }
    let text = index_text(&w);
    assert!(text.starts_with("# netinvite index 1 "), "{text}");
    for id in &ids {
        assert_eq!(
            text.matches(&format!("\ni\t{id}\t")).count(),
            1,
            "id {id} once:\n{text}"
        );
    }
    for line in text.lines().skip(1) {
        let fields = line.split('\t').count();
        assert!(
            (line.starts_with("i\t") && fields == 6) || (line.starts_with("n\t") && fields == 3),
            "a torn record: {line:?}"
        );
    }
    // Every one of them is now a one-request lookup.
    w.server.clear_requests();
    let args: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut argv = vec!["revoke"];
    argv.extend(args.iter().map(String::as_str));
    argv.push("--yes");
    w.run(&argv).ok();
    assert_eq!(lists(&w).len(), 2, "one per network: {:?}", lists(&w));
}

#[test]
fn the_index_holds_no_token_and_no_link() {
    let w = World::signed_in();
    w.create("secret@example.com", "lab");
    let lab = w.network_id("lab");
    seed(&w, "other@example.com", lab, "accepted");
    let listed = w.run(&["list", "--json"]).ok().json();
    let text = index_text(&w);
    assert!(text.contains("secret@example.com") && text.contains("other@example.com"));
    for inv in listed.as_array().unwrap() {
        assert!(!text.contains(inv["token"].as_str().unwrap()));
    }
    assert!(!text.contains("invitations/accept"));
    assert!(!text.contains("eyJ"), "no bearer token either");
}

#[test]
fn another_profile_on_another_server_never_reads_these_entries() {
    let w = World::signed_in();
    let id = id_of(&w.create("first@example.com", "office"));
    // A second server, whose invitation with the same id is in another network.
    let second = StandIn::start();
    let n1 = second.add_network("solo", "10.50.0.0/16");
    let mut last = 0;
    while last < id.parse::<i64>().unwrap() {
        last = second
            .add_invitation(InvitationSeed {
                email: format!("s{last}@example.com"),
                network_id: n1,
                ..Default::default()
            })
            .id;
    }
    w.run(&["login", "--profile", "two", "--server", &second.url()])
        .ok();
    second.clear_requests();
    let v = w
        .run(&["show", &id, "--profile", "two", "--json"])
        .ok()
        .json();
    assert_eq!(v["network_name"], "solo");
    let queries: Vec<String> = second
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/invitations")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(queries, vec!["status_filter=pending".to_string()]);
    // Each profile has its own file, tied to its server.
    let files = index_files(&w);
    assert_eq!(files.len(), 2, "{files:?}");
    let two =
        std::fs::read_to_string(files.iter().find(|f| f.ends_with("two.tsv")).unwrap()).unwrap();
    assert!(two.starts_with(&format!("# netinvite index 1 {}", second.url())));
    assert!(!two.contains("first@example.com"));
}

#[test]
fn the_stand_in_list_costs_time_per_returned_row() {
    let w = World::with(Options {
        list_row_cost_us: 4_000,
        ..Default::default()
    });
    let lab = w.server.add_network("lab", "10.42.0.0/16");
    let _ = w.login();
    for i in 0..40 {
        seed(&w, &format!("r{i}@example.com"), lab, "revoked");
    }
    let id = id_of(&w.create("fast@example.com", "lab"));
    let started = Instant::now();
    w.run(&["list", "--json"]).ok();
    let full = started.elapsed();
    assert!(
        full >= Duration::from_millis(160),
        "41 rows × 4 ms: {full:?}"
    );
    let started = Instant::now();
    w.run(&["show", &id]).ok();
    let one = started.elapsed();
    assert!(one < full, "one row {one:?} vs 41 rows {full:?}");
}

#[test]
fn a_large_listing_is_the_same_in_every_format() {
    let w = World::signed_in();
    let lab = w.network_id("lab");
    for i in 0..300 {
        let status = ["pending", "accepted", "revoked"][i % 3];
        seed(&w, &format!("bulk{i:03}@example.com"), lab, status);
    }
    let json = w.run(&["list", "--json"]).ok().json();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 300);
    let ndjson = w.run(&["list", "--format", "ndjson"]).ok();
    let lines: Vec<Value> = ndjson
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&lines, rows, "NDJSON holds the same objects");
    let tsv = w.run(&["list"]).ok();
    assert_eq!(tsv.stdout.lines().count(), 300);
    // A narrow terminal, in colour: columns are shortened, never wrapped, and the
    // escape codes do not count as width.
    let table = w
        .run_with(
            &["list", "--color", "always"],
            &[("NETINVITE_FORCE_TTY", "1"), ("COLUMNS", "80")],
            None,
        )
        .ok();
    assert!(table.stdout.contains('\x1b'), "coloured");
    assert_eq!(
        table.stdout.lines().count(),
        301,
        "one line a row, plus the header"
    );
    let plain: Vec<String> = table
        .stdout
        .lines()
        .map(|l| {
            let mut out = String::new();
            let mut esc = false;
            for c in l.chars() {
                match (esc, c) {
                    (false, '\x1b') => esc = true,
                    (true, 'm') => esc = false,
                    (true, _) => {}
                    (false, c) => out.push(c),
                }
            }
            out
        })
        .collect();
    assert!(plain[1].contains("bulk"), "{}", plain[1]);
    assert!(plain.iter().any(|l| l.contains('…')), "emails shortened");
    let status_at = plain[0].find("STATUS").unwrap();
    for l in &plain[1..] {
        let cell = l.chars().skip(status_at).take(8).collect::<String>();
        assert!(
            ["pending", "accepted", "revoked"]
                .iter()
                .any(|s| cell.starts_with(s)),
            "the status column stays aligned: {l:?}"
        );
    }
}

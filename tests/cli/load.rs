//! Load: 100 parallel `create` and then 100 parallel `revoke` processes against one
//! stand-in, signed in through the real keyring. Every invitation must be created exactly
//! once, every process must report its result, the sign-in must survive, and nothing may
//! panic.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::state::busy_world;
use crate::support::*;

/// One finished process.
struct Outcome {
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: String,
}

fn spawn(w: &World, args: &[String]) -> Child {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut c = w.command(&args);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().expect("spawn netinvite")
}

/// Starts every command at once and collects every result (bounded: 120 s in all).
fn run_all(w: &World, commands: Vec<Vec<String>>) -> (Vec<Outcome>, Duration) {
    let started = Instant::now();
    let children: Vec<(Vec<String>, Child)> = commands
        .into_iter()
        .map(|args| {
            let c = spawn(w, &args);
            (args, c)
        })
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let total = children.len();
    for (args, child) in children {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let out = child.wait_with_output().expect("wait");
            let _ = tx.send(Outcome {
                args,
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        });
    }
    let mut outcomes = Vec::with_capacity(total);
    let deadline = started + Duration::from_secs(120);
    while outcomes.len() < total {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(o) => outcomes.push(o),
            Err(_) => panic!(
                "only {} of {total} processes finished within 120 s",
                outcomes.len()
            ),
        }
    }
    (outcomes, started.elapsed())
}

/// No panic, no crash report; and a failure says why, as one JSON error object.
fn assert_reported(o: &Outcome) {
    assert!(
        !o.stderr.contains("panicked") && !o.stderr.contains("crashed"),
        "{:?} panicked:\n{}",
        o.args,
        o.stderr
    );
    if o.code == 0 {
        serde_json::from_str::<Value>(&o.stdout)
            .unwrap_or_else(|e| panic!("{:?}: stdout is not JSON ({e}):\n{}", o.args, o.stdout));
    } else {
        let line = o.stderr.lines().rev().find(|l| l.starts_with('{'));
        let v: Value = line
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| {
                panic!(
                    "{:?} exit {} without a JSON error:\n{}",
                    o.args, o.code, o.stderr
                )
            });
        assert_eq!(v["error"]["exit_code"], o.code, "{:?}", o.args);
    }
}

fn credential(w: &World) -> String {
    let text = std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap();
    let v: toml::Table = toml::from_str(&text).unwrap();
    v["profiles"]["default"]["credential"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_hundred_parallel_creates_and_revokes() {
    scenario(busy_world(2), "kernel-keyring copy", false);
}

/// The same with the fast copy off: every process reads the Secret Service itself. The
/// processes take turns at the keyring, so none runs out of its 3-second keyring timeout
/// (without turns, 80 of 100 did on 2 cores).
#[test]
fn a_hundred_parallel_creates_and_revokes_through_the_secret_service() {
    scenario(
        busy_world(2).env("NETINVITE_KERNEL_CACHE", "0"),
        "Secret Service only",
        false,
    );
}

/// Whether `o` failed because the keyring did not answer in time (allowed only where the
/// scenario says so: such a process must fail cleanly, before sending anything).
fn keyring_timeout(o: &Outcome) -> bool {
    o.code == 1 && o.stderr.contains("\"keyring_unavailable\"")
}

fn scenario(w: World, label: &str, keyring_may_time_out: bool) {
    w.run(&["auth", "status"]).ok();
    let cred = credential(&w);

    // 90 distinct addresses and 10 processes inviting one address.
    let mut creates: Vec<Vec<String>> = (0..90)
        .map(|i| format!("load{i}@example.com"))
        .chain((0..10).map(|_| "dup@example.com".to_string()))
        .map(|email| {
            ["create", "--email", &email, "--network", "lab", "--json"]
                .map(String::from)
                .to_vec()
        })
        .collect();
    // Interleave the duplicates with the rest.
    creates.sort_by_key(|a| a[2].len() % 7);
    let (outcomes, elapsed) = run_all(&w, creates);
    let mut created: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut codes: BTreeMap<i32, usize> = BTreeMap::new();
    let mut timeouts = 0;
    for o in &outcomes {
        assert_reported(o);
        *codes.entry(o.code).or_default() += 1;
        if keyring_may_time_out && keyring_timeout(o) {
            timeouts += 1;
            continue;
        }
        if o.code == 0 {
            let v: Value = serde_json::from_str(&o.stdout).unwrap();
            created
                .entry(v["email"].as_str().unwrap().to_string())
                .or_default()
                .push(v["id"].as_i64().unwrap());
        } else {
            assert_eq!(o.args[2], "dup@example.com", "{:?}: {}", o.args, o.stderr);
            assert_eq!(o.code, 6, "{}", o.stderr);
            assert!(o.stderr.contains("already_pending"), "{}", o.stderr);
        }
    }
    eprintln!(
        "{label}: 100 parallel creates in {elapsed:?}; exit codes {codes:?}; {timeouts} keyring timeouts"
    );
    if !keyring_may_time_out {
        assert_eq!(created.len(), 91, "{created:?}");
    }
    assert!(created.values().all(|ids| ids.len() == 1), "{created:?}");

    // The server holds each invitation exactly once.
    let listed = w.run(&["list", "--json"]).ok().json();
    let mut per_email: BTreeMap<String, usize> = BTreeMap::new();
    for inv in listed.as_array().unwrap() {
        *per_email
            .entry(inv["email"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    // Exactly what the processes reported: nothing more (a process that failed sent
    // nothing), nothing twice.
    assert_eq!(
        per_email.keys().collect::<Vec<_>>(),
        created.keys().collect::<Vec<_>>()
    );
    assert!(per_email.values().all(|n| *n == 1), "{per_email:?}");
    for ids in created.values() {
        let inv = w.server.invitation(ids[0]).expect("on the server");
        assert_eq!(inv["status"], "pending");
    }

    // 91 revokes of distinct ids and 9 second revokes of the same id.
    let ids: Vec<i64> = created.values().map(|v| v[0]).collect();
    let twice = ids[0];
    let revokes: Vec<Vec<String>> = ids
        .iter()
        .copied()
        .chain(std::iter::repeat_n(twice, 9))
        .map(|id| {
            ["revoke", &id.to_string(), "--yes", "--json"]
                .map(String::from)
                .to_vec()
        })
        .collect();
    let (outcomes, elapsed) = run_all(&w, revokes);
    let mut codes: BTreeMap<i32, usize> = BTreeMap::new();
    let mut twice_ok = 0;
    let mut timeouts = 0;
    let mut revoked = std::collections::BTreeSet::new();
    for o in &outcomes {
        assert_reported(o);
        *codes.entry(o.code).or_default() += 1;
        let id: i64 = o.args[1].parse().unwrap();
        if o.code == 0 {
            revoked.insert(id);
        }
        if keyring_may_time_out && keyring_timeout(o) {
            timeouts += 1;
            continue;
        }
        if id == twice {
            // Whoever comes second finds it no longer pending (or, racing, sees it
            // pending and is answered that it was revoked meanwhile).
            assert!(o.code == 0 || o.code == 6, "{}", o.stderr);
            twice_ok += usize::from(o.code == 0);
        } else {
            assert_eq!(o.code, 0, "{:?}: {}", o.args, o.stderr);
        }
    }
    eprintln!(
        "{label}: 100 parallel revokes in {elapsed:?}; exit codes {codes:?}; {timeouts} keyring timeouts"
    );
    assert!(keyring_may_time_out || twice_ok >= 1);
    // Revoked exactly where a process said so.
    for id in &ids {
        let inv = w.server.invitation(*id).expect("on the server");
        let want = if revoked.contains(id) {
            "revoked"
        } else {
            "pending"
        };
        assert_eq!(inv["status"], want, "invitation {id}");
    }
    if !keyring_may_time_out {
        assert_eq!(revoked.len(), ids.len());
    }

    // The sign-in survived: same credential, still accepted.
    assert_eq!(credential(&w), cred);
    let status = w.run(&["auth", "status", "--json"]).ok().json();
    assert_eq!(status["storage"], "keyring", "{status}");
}

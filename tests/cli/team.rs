//! A team of people signed in through the real issuer, for permission-aware behaviour
//! tests, and the tests that prove the harness.
//!
//! One issuer (`tests/idp/idp.mjs` with `IDP_ADMINS=alice` and `IDP_ACCOUNT_FILE`) and
//! one stand-in in OIDC mode trusting it (client id `netinvite`). Each person is a
//! [`World`] of their own (HOME, config and cache directories) on the shared server,
//! signed in with `netinvite login --device`, confirmed through the issuer after their
//! name was written to the account file. The people:
//!
//! - `alice`: system admin; a member of no network (she sees every network as `admin`);
//! - `owen`: owner of network `team` (he "created" it: owner, every flag, invited by
//!   nobody), not a system admin;
//! - `bob`: member of `team` with `can_invite_users`, added by owen;
//! - `dave`: plain member of `team`, added by owen.
//!
//! A second network, `lab`, has no members: only alice sees it. The network and
//! memberships are seeded through the stand-in's API (no audit entries), so a test's
//! audit log holds only what it did itself. More people sign in with
//! [`Team::sign_in_new`] (e.g. to accept an invitation).
//!
//! The four logins run at once: the issuer answers device authorizations with a 5 s
//! polling interval, so one after the other they would take over 20 s. The codes are
//! confirmed one after the other, each right after its person's name was written to
//! the account file (which the issuer reads at the confirmation).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netinvite_standin::{MemberFlags, Oidc};

use crate::idp::Idp;
use crate::oidc::PendingDeviceLogin;
use crate::support::*;

pub struct Team {
    pub server: Arc<StandIn>,
    pub idp: Idp,
    /// Network `team` (owen's).
    pub team: i64,
    /// Network `lab` (no members).
    pub lab: i64,
    /// How long `start` took, issuer start and four sign-ins included.
    pub started_in: Duration,
    account_file: PathBuf,
    people: HashMap<String, World>,
    _dir: tempfile::TempDir,
}

impl Team {
    /// Starts the issuer and the server, seeds the networks and signs in alice, owen,
    /// bob and dave, one after the other.
    pub fn start() -> Team {
        let started = Instant::now();
        let dir = tempfile::tempdir().expect("temp dir");
        let account_file = dir.path().join("account");
        let account = account_file.to_str().expect("UTF-8 temp path").to_string();
        let idp = Idp::start(&[("IDP_ADMINS", "alice"), ("IDP_ACCOUNT_FILE", &account)]);
        let first = World::with(Options {
            oidc: Some(Oidc::External {
                issuer: idp.issuer.clone(),
                client_id: "netinvite".into(),
            }),
            ..Default::default()
        });
        let server = Arc::clone(&first.server);
        let team =
            server.add_network_owned_by("team", "10.77.0.0/16", "owen", Some("owen@example.com"));
        let added_by_owen = |sub: &str, flags: MemberFlags| {
            server
                .add_member_invited_by(
                    team,
                    sub,
                    Some(&format!("{sub}@example.com")),
                    "member",
                    flags,
                    "owen",
                )
                .expect("owen's record exists")
        };
        added_by_owen(
            "bob",
            MemberFlags {
                can_invite_users: true,
                ..MemberFlags::default()
            },
        );
        added_by_owen("dave", MemberFlags::default());
        let lab = server.add_network("lab", "10.78.0.0/16");
        let mut t = Team {
            server,
            idp,
            team,
            lab,
            started_in: Duration::ZERO,
            account_file,
            people: HashMap::new(),
            _dir: dir,
        };
        let mut worlds = vec![("alice", first)];
        for name in ["owen", "bob", "dave"] {
            worlds.push((name, World::sharing(Arc::clone(&t.server))));
        }
        t.sign_in_all(worlds);
        t.started_in = started.elapsed();
        t
    }

    /// Signs a new person in (own HOME and config directory) and returns their world.
    pub fn sign_in_new(&mut self, name: &str) -> &World {
        let world = World::sharing(Arc::clone(&self.server));
        self.sign_in_all(vec![(name, world)]);
        &self.people[name]
    }

    /// Starts every login, confirms each code as its person, then waits for all.
    fn sign_in_all(&mut self, worlds: Vec<(&str, World)>) {
        let pending: Vec<(&str, World, PendingDeviceLogin)> = worlds
            .into_iter()
            .map(|(name, world)| {
                let login = PendingDeviceLogin::start(&world, &[]);
                (name, world, login)
            })
            .collect();
        for (name, _, login) in &pending {
            std::fs::write(&self.account_file, name).expect("write the account file");
            login.confirm(&self.idp);
        }
        for (name, world, login) in pending {
            let out = login.finish();
            assert_eq!(
                out.code,
                0,
                "{name} could not sign in\n--- stderr\n{}\n--- issuer log\n{}",
                out.stderr,
                self.idp.log_text()
            );
            self.people.insert(name.to_string(), world);
        }
    }

    /// A signed-in person: `run`, `run_with` and `command` act as them.
    #[track_caller]
    pub fn person(&self, name: &str) -> &World {
        self.people
            .get(name)
            .unwrap_or_else(|| panic!("{name} has not signed in"))
    }

    /// The stand-in's user id for a person (they have a record once signed in).
    #[track_caller]
    pub fn user_id(&self, name: &str) -> i64 {
        self.server
            .user_id(name)
            .unwrap_or_else(|| panic!("{name} has no user record"))
    }
}

#[test]
fn everyone_is_signed_in_as_themselves() {
    let t = Team::start();
    eprintln!("team started in {:?}", t.started_in);
    for (name, role) in [
        ("alice", "system-admin"),
        ("owen", "user"),
        ("bob", "user"),
        ("dave", "user"),
    ] {
        let v = t
            .person(name)
            .run(&["auth", "status", "--json"])
            .ok()
            .json();
        assert_eq!(v["mode"], "oidc", "{name}: {v}");
        assert_eq!(v["email"], format!("{name}@example.com"), "{name}: {v}");
        assert_eq!(v["system_role"], role, "{name}: {v}");
    }
    // Each person has a profile (and token) of their own.
    let token = |n: &str| t.person(n).run(&["auth", "token"]).ok().stdout;
    assert_ne!(token("bob"), token("dave"));
}

#[test]
fn each_person_sees_their_own_networks_and_rights() {
    let t = Team::start();
    let networks = |name: &str| -> HashMap<String, Value> {
        let v = t.person(name).run(&["networks", "--json"]).ok().json();
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| (n["name"].as_str().unwrap().to_string(), n.clone()))
            .collect()
    };
    let alice = networks("alice");
    assert_eq!(alice.len(), 2, "{alice:?}");
    assert!(alice.values().all(|n| n["role"] == "admin"));
    let owen = networks("owen");
    assert_eq!(owen.keys().collect::<Vec<_>>(), ["team"]);
    assert_eq!(owen["team"]["role"], "owner");
    let bob = networks("bob");
    assert_eq!(bob.keys().collect::<Vec<_>>(), ["team"]);
    assert_eq!(
        (&bob["team"]["role"], &bob["team"]["can_invite_users"]),
        (&Value::from("member"), &Value::from(true))
    );
    let dave = networks("dave");
    assert_eq!(
        (
            &dave["team"]["role"],
            &dave["team"]["can_invite_users"],
            &dave["team"]["can_manage_nodes"]
        ),
        (
            &Value::from("member"),
            &Value::from(false),
            &Value::from(false)
        )
    );
    // Signing in found the seeded records rather than making new ones.
    assert_eq!(t.server.members(t.team).len(), 3);
    assert_eq!(t.server.members(t.lab).len(), 0);
    assert!(t.server.audit().is_empty(), "{:?}", t.server.audit());
}

#[test]
fn an_invitation_travels_from_alice_to_erin() {
    let mut t = Team::start();
    let inv = t.person("alice").create("erin@example.com", "team");
    let token = inv["token"].as_str().expect("token").to_string();
    let erin = t.sign_in_new("erin");
    erin.run(&["accept", "--", &token]).ok();
    let alice_id = t.user_id("alice");
    let erin_id = t.user_id("erin");
    let members = t.server.members(t.team);
    let row = members
        .iter()
        .find(|m| m["user_id"] == erin_id)
        .unwrap_or_else(|| panic!("erin is not a member: {members:?}"));
    assert_eq!(row["email"], "erin@example.com");
    assert_eq!(row["role"], "member");
    assert_eq!(row["invited_by_user_id"], alice_id);
    assert_eq!(row["invited_by_email"], "alice@example.com");
    // The audit trail, newest first: erin accepted what alice created.
    let log = t.server.audit();
    let trail: Vec<(&str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor_identifier"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("invitation_accepted", "erin@example.com"),
            ("invitation_created", "alice@example.com"),
        ]
    );
    assert_eq!(
        log[1]["details"],
        format!(
            "{{\"email\": \"erin@example.com\", \"network_id\": {}}}",
            t.team
        )
    );
    assert_eq!(log[0]["resource_id"], inv["id"]);
    // Erin now sees the network as a member.
    let v = t.person("erin").run(&["networks", "--json"]).ok().json();
    assert_eq!(v[0]["name"], "team");
    assert_eq!(v[0]["role"], "member");
}

//! `netinvite-standin`: runs the stand-in server as a process, for the demo
//! and the benchmark scripts.
//!
//! Prints `listening on http://127.0.0.1:PORT` (`https://` with `--tls-cert`) as
//! its first stdout line once the port is bound (with `--oidc`, a second line
//! `issuer http://127.0.0.1:PORT/oidc` follows), logs `METHOD PATH STATUS` per
//! request on stderr (never the Authorization header) and exits cleanly on
//! SIGTERM or SIGINT.

use std::io::Write as _;
use std::process::ExitCode;

use netinvite_standin::chrono::TimeDelta;
use netinvite_standin::{
    EmbeddedIssuer, InvitationSeed, MemberFlags, Oidc, Options, SEED_INVITER_SUB, Smtp, StandIn,
    TlsIdentity, When,
};

const USAGE: &str = "\
usage: netinvite-standin [--port N] [--seed-demo] [--seed-invitations N]
                         [--seed-realistic N] [--seed-audit N]
                         [--row-cost-us N] [--list-base-us N]
                         [--smtp off|failing|working] [--port-file PATH]
                         [--oidc [--oidc-ttl SECONDS]
                          | --oidc-issuer URL] [--oidc-client-id ID]
                         [--tls-cert PEM --tls-key PEM]

  --port N               port on 127.0.0.1 (default 0: any free port)
  --seed-demo            networks lab and office plus invitations of every status
  --seed-invitations N   N extra invitations across the networks (benchmarks)
  --seed-realistic N     N invitations as on a server in use: 5 % pending, the
                         rest accepted or revoked (1000 gives 50 pending)
  --seed-audit N         N audit log entries of every kind, one minute apart
                         (benchmarks of clients that page through the log)
  --row-cost-us N        the invitation list spends N µs per returned row before
                         answering, like the real backend (~1400)
  --list-base-us N       and N µs on top per list request (~1500)
  --smtp MODE            simulated SMTP: off (default), failing, working
  --port-file PATH       write the port to PATH once listening
  --oidc                 OIDC mode with the embedded issuer at /oidc (signs in
                         alice@netinvite.test, system-admin)
  --oidc-issuer URL      OIDC mode trusting an external issuer (http:// only)
  --oidc-client-id ID    the client id the server trusts (default netinvite)
  --oidc-ttl SECONDS     ID and access token lifetime of the embedded issuer
                         (default 300)
  --tls-cert PEM         serve HTTPS with this certificate (chain) file...
  --tls-key PEM          ...and this private key file; both or neither
";

#[derive(Debug, Default)]
struct Args {
    port: u16,
    seed_demo: bool,
    seed_invitations: usize,
    seed_realistic: usize,
    seed_audit: usize,
    row_cost_us: u64,
    list_base_us: u64,
    smtp: Smtp,
    port_file: Option<String>,
    oidc: Option<Oidc>,
    tls: Option<TlsIdentity>,
}

/// The OIDC flags as given, before they are checked against each other.
#[derive(Debug, Default)]
struct OidcFlags {
    embedded: bool,
    issuer: Option<String>,
    client_id: Option<String>,
    ttl: Option<i64>,
}

impl OidcFlags {
    fn resolve(self) -> Result<Option<Oidc>, String> {
        match (self.embedded, self.issuer) {
            (true, Some(_)) => Err("--oidc and --oidc-issuer exclude each other".into()),
            (true, None) => {
                let defaults = EmbeddedIssuer::default();
                let ttl = self.ttl.unwrap_or(defaults.id_token_ttl_secs);
                Ok(Some(Oidc::Embedded(EmbeddedIssuer {
                    client_id: self.client_id.unwrap_or(defaults.client_id.clone()),
                    id_token_ttl_secs: ttl,
                    access_token_ttl_secs: ttl,
                    ..defaults
                })))
            }
            (false, Some(issuer)) => {
                if self.ttl.is_some() {
                    return Err("--oidc-ttl applies to the embedded issuer (--oidc) only".into());
                }
                if !issuer.starts_with("http://") {
                    return Err(format!("--oidc-issuer must be an http:// URL: {issuer}"));
                }
                Ok(Some(Oidc::External {
                    issuer: issuer.trim_end_matches('/').to_string(),
                    client_id: self.client_id.unwrap_or_else(|| "netinvite".into()),
                }))
            }
            (false, None) if self.client_id.is_some() || self.ttl.is_some() => {
                Err("--oidc-client-id and --oidc-ttl need --oidc or --oidc-issuer".into())
            }
            (false, None) => Ok(None),
        }
    }
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args::default();
    let mut oidc = OidcFlags::default();
    let (mut tls_cert, mut tls_key) = (None, None);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value("--port")?;
                args.port = v.parse().map_err(|_| format!("invalid port: {v}"))?;
            }
            "--seed-demo" => args.seed_demo = true,
            "--seed-invitations" => {
                let v = value("--seed-invitations")?;
                args.seed_invitations = v.parse().map_err(|_| format!("invalid count: {v}"))?;
            }
            "--seed-realistic" => {
                let v = value("--seed-realistic")?;
                args.seed_realistic = v.parse().map_err(|_| format!("invalid count: {v}"))?;
            }
            "--seed-audit" => {
                let v = value("--seed-audit")?;
                args.seed_audit = v.parse().map_err(|_| format!("invalid count: {v}"))?;
            }
            "--row-cost-us" => {
                let v = value("--row-cost-us")?;
                args.row_cost_us = v
                    .parse()
                    .map_err(|_| format!("invalid --row-cost-us: {v}"))?;
            }
            "--list-base-us" => {
                let v = value("--list-base-us")?;
                args.list_base_us = v
                    .parse()
                    .map_err(|_| format!("invalid --list-base-us: {v}"))?;
            }
            "--smtp" => {
                args.smtp = match value("--smtp")?.as_str() {
                    "off" => Smtp::Off,
                    "failing" => Smtp::Failing,
                    "working" => Smtp::Working,
                    other => return Err(format!("invalid --smtp mode: {other}")),
                }
            }
            "--port-file" => args.port_file = Some(value("--port-file")?),
            "--oidc" => oidc.embedded = true,
            "--oidc-issuer" => oidc.issuer = Some(value("--oidc-issuer")?),
            "--oidc-client-id" => oidc.client_id = Some(value("--oidc-client-id")?),
            "--oidc-ttl" => {
                let v = value("--oidc-ttl")?;
                oidc.ttl = Some(
                    v.parse()
                        .ok()
                        .filter(|t| *t > 0)
                        .ok_or_else(|| format!("invalid --oidc-ttl: {v}"))?,
                );
            }
            "--tls-cert" => tls_cert = Some(value("--tls-cert")?),
            "--tls-key" => tls_key = Some(value("--tls-key")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    args.oidc = oidc.resolve()?;
    args.tls = match (tls_cert, tls_key) {
        (None, None) => None,
        (Some(cert), Some(key)) => {
            let read =
                |p: &str| std::fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}"));
            Some(TlsIdentity {
                cert_pem: read(&cert)?,
                key_pem: read(&key)?,
            })
        }
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    Ok(args)
}

fn days(n: i64) -> When {
    When::FromNow(TimeDelta::days(n))
}

/// Two networks, one invitation of each interesting kind, and members: owen
/// owns lab, bob may invite there, carol joined through her accepted
/// invitation.
fn seed_demo(server: &StandIn) -> (i64, i64) {
    let lab = server.add_network_owned_by("lab", "10.42.0.0/16", "owen", Some("owen@example.com"));
    let office = server.add_network("office", "10.43.0.0/16");
    let seeds = [
        InvitationSeed {
            email: "alice@example.com".into(),
            network_id: lab,
            created_at: days(-1),
            expires_at: days(6),
            ..Default::default()
        },
        InvitationSeed {
            email: "bob@example.com".into(),
            network_id: office,
            role: "owner".into(),
            can_manage_nodes: true,
            can_invite_users: true,
            created_at: days(-2),
            expires_at: days(12),
            ..Default::default()
        },
        InvitationSeed {
            email: "carol@example.com".into(),
            network_id: lab,
            status: "accepted".into(),
            created_at: days(-5),
            expires_at: days(2),
            accepted_at: Some(days(-4)),
            ..Default::default()
        },
        InvitationSeed {
            email: "dave@example.com".into(),
            network_id: office,
            status: "revoked".into(),
            created_at: days(-6),
            expires_at: days(1),
            ..Default::default()
        },
        // Past its deadline but still stored as pending (quirk 2).
        InvitationSeed {
            email: "erin@example.com".into(),
            network_id: lab,
            created_at: days(-10),
            expires_at: days(-3),
            ..Default::default()
        },
        InvitationSeed {
            email: "frank@example.com".into(),
            network_id: office,
            status: "expired".into(),
            created_at: days(-20),
            expires_at: days(-13),
            ..Default::default()
        },
        InvitationSeed {
            email: "grace@example.com".into(),
            network_id: lab,
            created_at: days(-3),
            expires_at: days(4),
            email_status: "failed".into(),
            email_error: Some(
                "Error connecting to 127.0.0.1 on port 1: [Errno 111] Connection refused".into(),
            ),
            ..Default::default()
        },
    ];
    for seed in seeds {
        server.add_invitation(seed);
    }
    server.add_member(
        lab,
        "bob",
        Some("bob@example.com"),
        "member",
        MemberFlags {
            can_invite_users: true,
            ..MemberFlags::default()
        },
    );
    server.add_member_invited_by(
        lab,
        "carol",
        Some("carol@example.com"),
        "member",
        MemberFlags::default(),
        SEED_INVITER_SUB,
    );
    (lab, office)
}

/// `count` invitations spread over `networks`, mostly pending, one second apart.
fn seed_bulk(server: &StandIn, networks: &[i64], count: usize) {
    for i in 0..count {
        let status = match i % 20 {
            0 => "revoked",
            7 | 14 => "accepted",
            _ => "pending",
        };
        let age = TimeDelta::seconds(i64::try_from(count - i).unwrap_or(i64::MAX / 2));
        server.add_invitation(InvitationSeed {
            email: format!("user{i:05}@example.com"),
            network_id: networks[i % networks.len()],
            role: if i % 10 == 3 { "owner" } else { "member" }.into(),
            can_invite_users: i % 5 == 0,
            status: status.into(),
            created_at: When::FromNow(-age - TimeDelta::days(1)),
            expires_at: When::FromNow(TimeDelta::days(7) - age),
            accepted_at: (status == "accepted").then_some(When::FromNow(-age)),
            ..Default::default()
        });
    }
}

/// `count` invitations as a server in use holds them: one in twenty pending (spread
/// over time, like the rest), the others accepted or revoked, one hour apart.
fn seed_realistic(server: &StandIn, networks: &[i64], count: usize) {
    for i in 0..count {
        // Two in forty pending, next to each other so that every network gets some.
        let status = match i % 40 {
            18 | 19 => "pending",
            n if (n / 2) % 2 == 0 => "accepted",
            _ => "revoked",
        };
        let age = TimeDelta::hours(i64::try_from(count - i).unwrap_or(i64::MAX / 4_000));
        let created = -age - TimeDelta::minutes(1);
        server.add_invitation(InvitationSeed {
            email: format!("member{i:05}@example.com"),
            network_id: networks[i % networks.len()],
            role: if i % 10 == 3 { "owner" } else { "member" }.into(),
            can_invite_users: i % 5 == 0,
            status: status.into(),
            created_at: When::FromNow(created),
            // Pending ones are still valid; the others ran for a week.
            expires_at: When::FromNow(if status == "pending" {
                TimeDelta::days(7)
            } else {
                created + TimeDelta::days(7)
            }),
            accepted_at: (status == "accepted")
                .then_some(When::FromNow(created + TimeDelta::hours(2))),
            ..Default::default()
        });
    }
}

fn write_port_file(path: &str, port: u16) -> std::io::Result<()> {
    // Write then rename, so a watcher never reads a half-written file.
    let tmp = format!("{path}.tmp{}", std::process::id());
    std::fs::write(&tmp, format!("{port}\n"))?;
    std::fs::rename(&tmp, path)
}

async fn wait_for_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("netinvite-standin: cannot watch SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) if msg.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("netinvite-standin: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let signals = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("netinvite-standin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match StandIn::try_start_with(Options {
        smtp: args.smtp,
        log_requests: true,
        port: args.port,
        worker_threads: 2,
        oidc: args.oidc.clone(),
        tls: args.tls.clone(),
        list_row_cost_us: args.row_cost_us,
        list_base_cost_us: args.list_base_us,
        ..Options::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "netinvite-standin: cannot listen on port {}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let mut networks = Vec::new();
    if args.seed_demo {
        let (lab, office) = seed_demo(&server);
        networks.extend([lab, office]);
    }
    if args.seed_invitations > 0 || args.seed_realistic > 0 {
        if networks.is_empty() {
            networks.push(server.add_network("lab", "10.42.0.0/16"));
            networks.push(server.add_network("office", "10.43.0.0/16"));
        }
        seed_bulk(&server, &networks, args.seed_invitations);
        seed_realistic(&server, &networks, args.seed_realistic);
    }
    server.seed_audit(args.seed_audit);
    if let Some(path) = &args.port_file
        && let Err(e) = write_port_file(path, server.port())
    {
        eprintln!("netinvite-standin: cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    println!("listening on {}", server.url());
    if let (Some(Oidc::Embedded(_)), Some(issuer)) = (&args.oidc, server.issuer_url()) {
        println!("issuer {issuer}");
    }
    let _ = std::io::stdout().flush();
    signals.block_on(wait_for_signal());
    drop(server);
    eprintln!("netinvite-standin: stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        let a = parse(&[
            "--port",
            "8081",
            "--seed-demo",
            "--smtp=failing",
            "--seed-invitations",
            "1000",
            "--seed-realistic=20",
            "--seed-audit",
            "2000",
            "--row-cost-us",
            "1400",
            "--list-base-us",
            "1500",
            "--port-file",
            "/tmp/p",
        ])
        .unwrap();
        assert_eq!(a.port, 8081);
        assert!(a.seed_demo);
        assert_eq!(a.smtp, Smtp::Failing);
        assert_eq!(a.seed_invitations, 1000);
        assert_eq!(
            (a.seed_realistic, a.row_cost_us, a.list_base_us),
            (20, 1400, 1500)
        );
        assert_eq!(a.seed_audit, 2000);
        assert!(parse(&["--seed-audit", "many"]).is_err());
        assert!(parse(&["--row-cost-us", "-1"]).is_err());
        assert_eq!(a.port_file.as_deref(), Some("/tmp/p"));
        assert!(parse(&["--smtp", "maybe"]).is_err());
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert_eq!(parse(&["--help"]).unwrap_err(), "");
        assert_eq!(parse(&[]).unwrap().oidc, None);
    }

    #[test]
    fn tls_flags() {
        let dir = std::env::temp_dir().join(format!("standin-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key) = (dir.join("c.pem"), dir.join("k.pem"));
        std::fs::write(&cert, "CERT").unwrap();
        std::fs::write(&key, "KEY").unwrap();
        let a = parse(&[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .unwrap();
        let tls = a.tls.unwrap();
        assert_eq!(
            (tls.cert_pem.as_str(), tls.key_pem.as_str()),
            ("CERT", "KEY")
        );
        assert!(parse(&["--tls-cert", cert.to_str().unwrap()]).is_err());
        assert!(
            parse(&["--tls-cert", "/nonexistent", "--tls-key", "/nonexistent"])
                .unwrap_err()
                .contains("cannot read /nonexistent")
        );
        assert!(parse(&[]).unwrap().tls.is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn oidc_flags() {
        let Some(Oidc::Embedded(e)) = parse(&["--oidc", "--oidc-ttl", "30"]).unwrap().oidc else {
            panic!("embedded issuer expected");
        };
        assert_eq!((e.id_token_ttl_secs, e.access_token_ttl_secs), (30, 30));
        assert_eq!(e.client_id, "netinvite");
        assert_eq!(e.refresh_token_ttl_secs, 86_400);
        let Some(Oidc::Embedded(e)) = parse(&["--oidc", "--oidc-client-id=cli"]).unwrap().oidc
        else {
            panic!("embedded issuer expected");
        };
        assert_eq!((e.client_id.as_str(), e.id_token_ttl_secs), ("cli", 300));
        assert_eq!(
            parse(&[
                "--oidc-issuer",
                "http://127.0.0.1:9400/",
                "--oidc-client-id",
                "nc"
            ])
            .unwrap()
            .oidc,
            Some(Oidc::External {
                issuer: "http://127.0.0.1:9400".into(),
                client_id: "nc".into()
            })
        );
        let Some(Oidc::External { client_id, .. }) =
            parse(&["--oidc-issuer=http://h:1"]).unwrap().oidc
        else {
            panic!("external issuer expected");
        };
        assert_eq!(client_id, "netinvite");
        for bad in [
            &["--oidc", "--oidc-issuer", "http://h:1"][..],
            &["--oidc-issuer", "https://idp.example"],
            &["--oidc-issuer", "http://h:1", "--oidc-ttl", "5"],
            &["--oidc-ttl", "5"],
            &["--oidc-client-id", "x"],
            &["--oidc", "--oidc-ttl", "0"],
            &["--oidc", "--oidc-ttl", "soon"],
            &["--oidc-issuer"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}

//! Servers behind a private CA, and proxies: the stand-in served over HTTPS (rustls)
//! with a CA each test generates (rcgen), reached with the CA given in each supported
//! way and without it; a small forward/CONNECT proxy that counts what goes through it.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netinvite_standin::{Oidc, TlsIdentity};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::support::*;

/// A throw-away CA and the files a test hands around.
struct Pki {
    dir: tempfile::TempDir,
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "netinvite test CA");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let pki = Self {
            dir: tempfile::tempdir().unwrap(),
            ca,
        };
        std::fs::write(pki.ca_path(), pki.ca.pem()).unwrap();
        pki
    }

    fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn ca(&self) -> String {
        self.ca_path().display().to_string()
    }

    /// A server certificate for `names`, signed by the CA; `expired` backdates it.
    fn server(&self, names: &[&str], expired: bool) -> TlsIdentity {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "netinvite stand-in");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        TlsIdentity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

/// The stand-in over HTTPS with a certificate for the loopback names, two networks.
fn https_world(pki: &Pki) -> World {
    https_world_with(pki, &["localhost", "127.0.0.1", "standin.test"], false)
}

fn https_world_with(pki: &Pki, names: &[&str], expired: bool) -> World {
    let w = World::with(Options {
        tls: Some(pki.server(names, expired)),
        ..Default::default()
    });
    w.server.add_network("lab", "10.42.0.0/16");
    w
}

fn config_toml(w: &World) -> String {
    std::fs::read_to_string(w.config_dir().join("config.toml")).unwrap()
}

#[test]
fn a_private_ca_given_at_login_is_kept_in_the_profile() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let url = w.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    w.run(&["login", "--server", &url, "--ca-cert", &pki.ca()])
        .ok()
        .stderr_has("Signed in");
    let toml = config_toml(&w);
    assert!(
        toml.contains(&format!("ca_cert = {:?}", pki.ca())),
        "the CA is saved as an absolute path:\n{toml}"
    );
    // Later commands find it in the profile: no flag needed.
    let created = w.create("ana@example.com", "lab");
    let token = created["token"].as_str().unwrap();
    assert_eq!(
        created["link"],
        format!("{url}/invitations/accept/{token}"),
        "links are built from the server URL as usual"
    );
    let out = w.run(&["list", "--json", "-v"]).ok();
    assert_eq!(out.json().as_array().unwrap().len(), 1);
    // -v says which roots are trusted and still shows each request, never a token.
    let stderr = out.stderr.clone();
    assert!(
        stderr.contains(&format!(
            "TLS: trusting the built-in roots and 1 certificate(s) from {} (the profile's ca-cert)",
            pki.ca()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("GET {url}/api/invitations → 200")),
        "{stderr}"
    );
    assert!(!stderr.contains(token), "{stderr}");
    assert!(!stderr.to_lowercase().contains("bearer "), "{stderr}");
    // config show names the CA and where it came from.
    let v = w.run(&["config", "show", "--json"]).ok().json();
    assert_eq!(v["ca_cert"], pki.ca());
    assert_eq!(v["ca_cert_from"], "the profile's ca-cert");
}

#[test]
fn an_unknown_authority_is_explained_and_names_the_options() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let url = w.url();
    let out = w.run(&["login", "--server", &url]).code(7).stdout_empty();
    assert!(
        out.stderr.contains(
            "the server's certificate is signed by an unknown authority (self-signed or a private CA)"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "give the CA with --ca-cert FILE, NETINVITE_CA_CERT or `netinvite config set ca-cert FILE`"
        ),
        "{}",
        out.stderr
    );
    // As JSON: a stable code on stderr, nothing on stdout.
    let out = w
        .run(&["login", "--server", &url, "--json"])
        .code(7)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "tls_untrusted");
    assert_eq!(e["exit_code"], 7);
    assert!(e["details"][0].as_str().unwrap().contains("UnknownIssuer"));
    // Another CA does not help, even one of the same name (a regenerated CA: rustls
    // then sees a bad signature rather than an unknown issuer; both mean the same here).
    let other = Pki::new();
    w.run(&["login", "--server", &url, "--ca-cert", &other.ca()])
        .code(7)
        .stderr_has("unknown authority");
    assert!(
        w.server.requests().is_empty(),
        "no request reached the server"
    );
}

#[test]
fn ssl_cert_file_and_netinvite_ca_cert_are_honoured() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let url = w.url();
    w.run_with(
        &["login", "--server", &url],
        &[("SSL_CERT_FILE", &pki.ca())],
        None,
    )
    .ok();
    assert!(
        !config_toml(&w).contains("ca_cert"),
        "SSL_CERT_FILE is not copied into the profile"
    );
    w.run(&["list"]).code(7).stderr_has("unknown authority");
    w.run_with(&["list"], &[("NETINVITE_CA_CERT", &pki.ca())], None)
        .ok();
    let v = w
        .run_with(
            &["config", "show", "--json"],
            &[("SSL_CERT_FILE", &pki.ca())],
            None,
        )
        .ok()
        .json();
    assert_eq!(v["ca_cert_from"], "SSL_CERT_FILE");
    // The flag comes first: a broken NETINVITE_CA_CERT is not even read.
    let bogus = pki.write("bogus.pem", "not a certificate");
    w.run_with(
        &["list", "--ca-cert", &pki.ca()],
        &[("NETINVITE_CA_CERT", &bogus)],
        None,
    )
    .ok();
}

#[test]
fn config_set_ca_cert_stores_an_absolute_path_and_checks_the_file() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let url = w.url();
    w.run(&["login", "--server", &url, "--ca-cert", &pki.ca()])
        .ok();
    w.run(&["config", "unset", "ca-cert"]).ok();
    w.run(&["list"]).code(7).stderr_has("unknown authority");
    // A relative path, from the directory it was given in.
    let mut c = w.command(&["config", "set", "ca-cert", "ca.pem"]);
    c.current_dir(pki.dir.path());
    assert!(c.status().unwrap().success());
    assert!(config_toml(&w).contains(&format!("ca_cert = {:?}", pki.ca())));
    w.run(&["list"]).ok();
    // A file that is not a CA is refused at once, naming it.
    let key = pki.write("server.key", &pki.server(&["localhost"], false).key_pem);
    w.run(&["config", "set", "ca-cert", &key])
        .code(2)
        .stderr_has(&format!("the CA file {key}"))
        .stderr_has("it holds a private key but no CERTIFICATE block");
}

#[test]
fn unusable_ca_files_fail_before_any_request_naming_file_and_option() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let url = w.url();
    let missing = pki.dir.path().join("missing.pem").display().to_string();
    let out = w
        .run(&["list", "--server", &url, "--ca-cert", &missing, "--json"])
        .code(2)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "ca_cert_unusable");
    assert_eq!(
        e["message"],
        format!("the CA file {missing} (from --ca-cert) cannot be used: it does not exist")
    );
    let text = pki.write("notes.txt", "hello");
    w.run_with(
        &["list", "--server", &url],
        &[("NETINVITE_CA_CERT", &text)],
        None,
    )
    .code(2)
    .stderr_has("(from NETINVITE_CA_CERT)")
    .stderr_has("it holds no PEM CERTIFICATE block")
    .stderr_has("-----BEGIN CERTIFICATE-----");
    w.run_with(
        &["list", "--server", &url],
        &[("SSL_CERT_FILE", &missing)],
        None,
    )
    .code(2)
    .stderr_has("(from SSL_CERT_FILE)");
    w.run_with(
        &["list", "--server", &url],
        &[("SSL_CERT_DIR", &missing)],
        None,
    )
    .code(2)
    .stderr_has("the certificate directory")
    .stderr_has("(from SSL_CERT_DIR)");
    let der = pki.dir.path().join("ca.der");
    std::fs::write(&der, pki.ca.der().as_ref()).unwrap();
    w.run(&["list", "--server", &url, "--ca-cert", der.to_str().unwrap()])
        .code(2)
        .stderr_has("it is binary (DER), not PEM")
        .stderr_has("openssl x509 -inform der");
    assert!(w.server.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_bundle_of_several_certificates_is_accepted() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let other = Pki::new();
    let bundle = pki.write(
        "bundle.pem",
        &format!("# two CAs\n{}\n{}", other.ca.pem(), pki.ca.pem()),
    );
    let out = w
        .run(&["login", "--server", &w.url(), "--ca-cert", &bundle, "-v"])
        .ok();
    assert!(
        out.stderr.contains("2 certificate(s) from"),
        "{}",
        out.stderr
    );
}

/// A self-signed server certificate (no CA at all): trusting the certificate itself
/// works, and one made as a CA certificate, as `openssl req -x509` does by default, is
/// explained, since rustls refuses it even when trusted.
#[test]
fn self_signed_certificates() {
    let self_signed = |ca: bool| {
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        if ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TlsIdentity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    };
    let pki = Pki::new();
    let leaf = self_signed(false);
    let own = pki.write("server.pem", &leaf.cert_pem);
    let w = World::with(Options {
        tls: Some(leaf),
        ..Default::default()
    });
    w.run(&["login", "--server", &w.url()])
        .code(7)
        .stderr_has("unknown authority (self-signed or a private CA)");
    w.run(&["login", "--server", &w.url(), "--ca-cert", &own])
        .ok();

    let ca_like = self_signed(true);
    let own = pki.write("ca-like.pem", &ca_like.cert_pem);
    let w = World::with(Options {
        tls: Some(ca_like),
        ..Default::default()
    });
    let e = w
        .run(&["login", "--server", &w.url(), "--ca-cert", &own, "--json"])
        .code(7)
        .json_error();
    assert_eq!(e["code"], "tls_untrusted");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("is a CA certificate (basicConstraints CA:TRUE)"),
        "{e}"
    );
    assert!(e["hint"].as_str().unwrap().contains("CA:FALSE"), "{e}");
}

#[test]
fn name_mismatch_expiry_and_plain_http_are_told_apart() {
    let pki = Pki::new();
    let wrong = https_world_with(&pki, &["nebula.example.com"], false);
    let e = wrong
        .run(&[
            "login",
            "--server",
            &wrong.url(),
            "--ca-cert",
            &pki.ca(),
            "--json",
        ])
        .code(7)
        .json_error();
    assert_eq!(e["code"], "tls_name_mismatch");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("the server's certificate is not valid for the name 127.0.0.1"),
        "{e}"
    );
    let expired = https_world_with(&pki, &["127.0.0.1"], true);
    let e = expired
        .run(&[
            "login",
            "--server",
            &expired.url(),
            "--ca-cert",
            &pki.ca(),
            "--json",
        ])
        .code(7)
        .json_error();
    assert_eq!(e["code"], "tls_expired");
    assert!(
        e["message"].as_str().unwrap().contains("has expired"),
        "{e}"
    );
    // https:// to a plain-http port.
    let plain = World::new();
    let url = plain.url().replace("http://", "https://");
    let e = plain
        .run(&["login", "--server", &url, "--json"])
        .code(7)
        .json_error();
    assert_eq!(e["code"], "tls_failed");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("does not speak TLS"),
        "{e}"
    );
    assert!(
        e["hint"].as_str().unwrap().contains(&plain.url()),
        "the hint offers the http:// URL: {e}"
    );
}

#[test]
fn doctor_reports_the_trusted_roots_and_the_failure() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let url = w.url();
    w.run(&["login", "--server", &url, "--ca-cert", &pki.ca()])
        .ok();
    let v = w.run(&["doctor", "--json"]).ok().json();
    let connection = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "connection")
        .cloned()
        .unwrap();
    assert_eq!(connection["status"], "ok");
    assert!(
        connection["detail"]
            .as_str()
            .unwrap()
            .contains("TLS with the built-in roots and 1 certificate(s)"),
        "{connection}"
    );
    w.run(&["config", "unset", "ca-cert"]).ok();
    w.run(&["doctor"])
        .code(1)
        .stdout_has("unknown authority")
        .stdout_has("--ca-cert FILE");
}

/// The identity provider may sit behind the same private CA: with the stand-in's own
/// issuer (same port, same certificate), discovery, the device flow and the token
/// request all have to trust it.
#[test]
fn oidc_sign_in_trusts_the_same_ca() {
    let pki = Pki::new();
    let w = World::with(Options {
        tls: Some(pki.server(&["127.0.0.1"], false)),
        oidc: Some(Oidc::Embedded(Default::default())),
        ..Default::default()
    })
    .env("NETINVITE_CA_CERT", &pki.ca());
    w.server.add_network("lab", "10.42.0.0/16");
    assert!(w.server.issuer_url().unwrap().starts_with("https://"));
    let url = w.url();
    let mut child = w
        .command(&["login", "--server", &url, "--device"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let rx = crate::idp::stderr_lines(&mut child);
    let mut seen = String::new();
    let code = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no user code; stderr:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if let Some(c) = line.split("user_code=").nth(1) {
            break c.trim().to_string();
        }
    };
    assert!(w.server.approve_device(&code));
    let status = child.wait().unwrap();
    assert!(status.success(), "login failed:\n{seen}");
    w.create("oidc@example.com", "lab");
}

/// An identity provider behind a CA netinvite does not know is named as such: the
/// server (plain http here) is fine, the issuer's discovery fails.
#[test]
fn an_untrusted_identity_provider_is_named() {
    let pki = Pki::new();
    let idp = World::with(Options {
        tls: Some(pki.server(&["127.0.0.1"], false)),
        oidc: Some(Oidc::Embedded(Default::default())),
        ..Default::default()
    });
    let issuer = idp.server.issuer_url().unwrap();
    let w = World::with(Options {
        oidc: Some(Oidc::External {
            issuer: issuer.clone(),
            client_id: "netinvite".into(),
        }),
        ..Default::default()
    });
    let e = w
        .run(&[
            "login",
            "--server",
            &w.url(),
            "--issuer",
            &issuer,
            "--client-id",
            "netinvite",
            "--device",
            "--json",
        ])
        .code(7)
        .json_error();
    assert_eq!(e["code"], "tls_untrusted");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("the identity provider's certificate is signed by an unknown authority"),
        "{e}"
    );
}

/// A forward (absolute-form) and CONNECT proxy on 127.0.0.1 that counts connections
/// and maps `standin.test` to loopback, so that a request for that name can only
/// succeed through it.
struct Proxy {
    port: u16,
    connections: Arc<AtomicUsize>,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), targets.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().map_while(Result::ok) {
                count.fetch_add(1, Ordering::SeqCst);
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = relay(conn, &seen);
                });
            }
        });
        Self {
            port,
            connections,
            targets,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// One proxied connection: reads the request head, connects to its target and pipes.
fn relay(client: TcpStream, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let request_line = head[0].trim().to_string();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let authority = if method == "CONNECT" {
        target.to_string()
    } else {
        let rest = target.split("://").nth(1).unwrap_or(target);
        rest.split('/').next().unwrap_or("").to_string()
    };
    let auth = head
        .iter()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("proxy-authorization:")
                .then(|| format!(" [{}]", l.split_once(':').unwrap().1.trim()))
        })
        .unwrap_or_default();
    seen.lock()
        .unwrap()
        .push(format!("{method} {authority}{auth}"));
    let dial = authority.replacen("standin.test", "127.0.0.1", 1);
    let mut upstream = TcpStream::connect(dial)?;
    let mut client_w = client.try_clone()?;
    if method == "CONNECT" {
        client_w.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    } else {
        // The server accepts the absolute form; pass the head on unchanged.
        upstream.write_all(head.concat().as_bytes())?;
    }
    // Whatever the reader had buffered past the head belongs to the upstream.
    let buffered = reader.buffer().to_vec();
    upstream.write_all(&buffered)?;
    let mut up_r = upstream.try_clone()?;
    let down = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut client_w);
        let _ = client_w.shutdown(Shutdown::Write);
    });
    let mut client_r = reader.into_inner();
    let _ = std::io::copy(&mut client_r, &mut upstream);
    let _ = upstream.shutdown(Shutdown::Write);
    let _ = down.join();
    Ok(())
}

#[test]
fn http_proxy_carries_requests_for_other_hosts_unless_no_proxy_covers_them() {
    let proxy = Proxy::start();
    let w = World::new().env("HTTP_PROXY", &proxy.url());
    w.server.add_network("lab", "10.42.0.0/16");
    let url = format!("http://standin.test:{}", w.server.port());
    let out = w.run(&["login", "--server", &url, "-v"]).ok();
    assert!(
        out.stderr.contains(&format!(
            "proxy {} (from HTTP_PROXY) for {url}",
            proxy.url()
        )),
        "{}",
        out.stderr
    );
    assert!(proxy.connections() > 0);
    assert!(
        proxy
            .targets
            .lock()
            .unwrap()
            .iter()
            .all(|t| t == &format!("GET standin.test:{}", w.server.port())),
        "{:?}",
        proxy.targets.lock().unwrap()
    );
    w.run(&["list"]).ok();
    // With NO_PROXY covering the host, netinvite goes direct (and cannot resolve it).
    let before = proxy.connections();
    w.run_with(&["list"], &[("NO_PROXY", "example.org, .test")], None)
        .code(7)
        .stderr_has("cannot reach");
    assert_eq!(proxy.connections(), before, "the proxy was not used");
}

#[test]
fn proxy_credentials_are_sent_to_the_proxy_and_never_shown() {
    let proxy = Proxy::start();
    let with_auth = proxy.url().replace("http://", "http://ana:s3cret@");
    let w = World::new().env("http_proxy", &with_auth);
    let url = format!("http://standin.test:{}", w.server.port());
    let out = w.run(&["login", "--server", &url, "-v"]).ok();
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    assert!(out.stderr.contains("ana:***@127.0.0.1"), "{}", out.stderr);
    // Basic base64("ana:s3cret")
    let targets = proxy.targets.lock().unwrap().clone();
    assert!(
        targets
            .iter()
            .all(|t| t.ends_with("[Basic YW5hOnMzY3JldA==]")),
        "{targets:?}"
    );
}

#[test]
fn a_stray_proxy_does_not_break_loopback_unless_asked() {
    let proxy = Proxy::start();
    let w = World::new()
        .env("HTTPS_PROXY", &proxy.url())
        .env("HTTP_PROXY", &proxy.url())
        .env("ALL_PROXY", &proxy.url());
    w.login();
    w.run(&["networks"]).ok();
    assert_eq!(proxy.connections(), 0, "loopback went direct");
    // `<-loopback>` in NO_PROXY sends loopback through the proxy too (to inspect it).
    w.run_with(&["networks"], &[("NO_PROXY", "<-loopback>")], None)
        .ok();
    assert!(proxy.connections() > 0);
}

#[test]
fn https_goes_through_a_connect_proxy() {
    let pki = Pki::new();
    let w = https_world(&pki);
    let proxy = Proxy::start();
    let w = w.env("HTTPS_PROXY", &proxy.url());
    let url = format!("https://standin.test:{}", w.server.port());
    w.run(&["login", "--server", &url, "--ca-cert", &pki.ca()])
        .ok();
    w.run(&["list"]).ok();
    let targets = proxy.targets.lock().unwrap().clone();
    assert!(!targets.is_empty());
    assert!(
        targets
            .iter()
            .all(|t| t == &format!("CONNECT standin.test:{}", w.server.port())),
        "{targets:?}"
    );
    // Through the tunnel the certificate is still checked: without the CA it fails.
    w.run(&["config", "unset", "ca-cert"]).ok();
    w.run(&["list", "--json"])
        .code(7)
        .json_error()
        .get("code")
        .map(|c| assert_eq!(c, "tls_untrusted"))
        .unwrap();
}

#[test]
fn an_unusable_proxy_variable_is_a_clear_error() {
    let w = World::new();
    let out = w
        .run_with(
            &["networks", "--server", &w.url(), "--json"],
            &[("ALL_PROXY", "socks5://user:secret@proxy.example:1080")],
            None,
        )
        .code(2)
        .stdout_empty();
    let e = out.json_error();
    assert_eq!(e["code"], "proxy_unusable");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("ALL_PROXY"), "{message}");
    assert!(
        message.contains("SOCKS proxies are not supported"),
        "{message}"
    );
    assert!(!out.stderr.contains("secret"), "{}", out.stderr);
}

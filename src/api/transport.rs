//! How netinvite reaches a server: which certificate authorities it trusts, which proxy
//! it goes through, and what a failed TLS handshake means.
//!
//! The API client and the identity provider's client are both built from one
//! [`NetConfig`], so a private CA or a proxy that works for the server works for its
//! identity provider too. Trust: the built-in roots (Mozilla's list, compiled in, and the
//! operating system's store) plus, at most, one extra PEM file (`--ca-cert`,
//! `NETINVITE_CA_CERT`, the profile's `ca-cert` or `SSL_CERT_FILE`: the caller picks
//! which). The extra file is *added*, never a replacement, so that a profile pointing at
//! a private CA still reaches public identity providers. Proxies come from the usual
//! variables, except that loopback destinations never go through a proxy from the
//! environment unless `NO_PROXY` holds `<-loopback>` (Chromium's spelling).
//!
//! Knows nothing of terminals; every message for people lives in `crate::error`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{PemObject, SectionKind};

/// Where the extra CA file was named, for messages that must say which option to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaOrigin {
    Flag,
    Env,
    Profile,
    SslCertFile,
    SslCertDir,
}

impl CaOrigin {
    /// The option as the user wrote it.
    pub fn option(self) -> &'static str {
        match self {
            CaOrigin::Flag => "--ca-cert",
            CaOrigin::Env => "NETINVITE_CA_CERT",
            CaOrigin::Profile => "the profile's ca-cert",
            CaOrigin::SslCertFile => "SSL_CERT_FILE",
            CaOrigin::SslCertDir => "SSL_CERT_DIR",
        }
    }
}

/// What is wrong with a CA file or directory.
#[derive(Debug, Clone, PartialEq)]
pub enum CaProblem {
    Missing,
    Unreadable(String),
    NotADirectory,
    /// Binary (DER) rather than PEM text.
    Der,
    /// Not PEM at all, or a PEM block that does not decode.
    NotPem(String),
    /// PEM, but without a `CERTIFICATE` block; `found` names what is there instead.
    NoCertificate {
        found: Option<&'static str>,
    },
    /// Block number `index` (from 1) is not a usable X.509 certificate.
    BadCertificate {
        index: usize,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaError {
    pub path: PathBuf,
    pub origin: CaOrigin,
    pub problem: CaProblem,
}

/// A proxy variable that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyError {
    pub var: &'static str,
    /// The value with any password removed.
    pub value: String,
    pub reason: String,
}

/// The certificates of an extra CA file, checked.
#[derive(Debug)]
pub struct ExtraCa {
    pub path: PathBuf,
    pub origin: CaOrigin,
    certs: Vec<reqwest::Certificate>,
}

impl ExtraCa {
    /// Reads and checks a PEM file with one or several certificates: each must parse as
    /// a trust anchor, so that a wrong file fails here, before any request, naming itself.
    pub fn load(path: &Path, origin: CaOrigin) -> Result<Self, CaError> {
        let err = |problem| CaError {
            path: path.to_path_buf(),
            origin,
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| {
            err(match e.kind() {
                std::io::ErrorKind::NotFound => CaProblem::Missing,
                _ if path.is_dir() => CaProblem::Unreadable("it is a directory".into()),
                _ => CaProblem::Unreadable(e.to_string()),
            })
        })?;
        // DER certificates start with a SEQUENCE tag; PEM is text.
        if bytes.first() == Some(&0x30) && std::str::from_utf8(&bytes).is_err() {
            return Err(err(CaProblem::Der));
        }
        let mut ders: Vec<CertificateDer<'static>> = Vec::new();
        let mut other = None;
        for item in <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes) {
            let (kind, der) = item.map_err(|e| err(CaProblem::NotPem(e.to_string())))?;
            match kind {
                SectionKind::Certificate => ders.push(CertificateDer::from(der)),
                SectionKind::PrivateKey
                | SectionKind::RsaPrivateKey
                | SectionKind::EcPrivateKey => {
                    other.get_or_insert("a private key");
                }
                SectionKind::Csr => {
                    other.get_or_insert("a certificate request");
                }
                SectionKind::PublicKey => {
                    other.get_or_insert("a public key");
                }
                SectionKind::Crl => {
                    other.get_or_insert("a certificate revocation list");
                }
                _ => {
                    other.get_or_insert("another kind of PEM block");
                }
            }
        }
        if ders.is_empty() {
            return Err(err(CaProblem::NoCertificate { found: other }));
        }
        let mut certs = Vec::with_capacity(ders.len());
        for (i, der) in ders.into_iter().enumerate() {
            rustls::RootCertStore::empty()
                .add(der.clone())
                .map_err(|e| {
                    err(CaProblem::BadCertificate {
                        index: i + 1,
                        reason: e.to_string(),
                    })
                })?;
            certs.push(reqwest::Certificate::from_der(&der).map_err(|e| {
                err(CaProblem::BadCertificate {
                    index: i + 1,
                    reason: e.to_string(),
                })
            })?);
        }
        Ok(Self {
            path: path.to_path_buf(),
            origin,
            certs,
        })
    }

    /// How many certificates the file holds.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// Checks `SSL_CERT_DIR` (a colon-separated list, as OpenSSL reads it): the system
/// store is read from there instead, so a wrong entry must not go unnoticed.
pub fn check_cert_dirs(value: &str) -> Result<(), CaError> {
    for dir in value.split(':').filter(|d| !d.is_empty()) {
        let path = Path::new(dir);
        let problem = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => match std::fs::read_dir(path) {
                Ok(_) => continue,
                Err(e) => CaProblem::Unreadable(e.to_string()),
            },
            Ok(_) => CaProblem::NotADirectory,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CaProblem::Missing,
            Err(e) => CaProblem::Unreadable(e.to_string()),
        };
        return Err(CaError {
            path: path.to_path_buf(),
            origin: CaOrigin::SslCertDir,
            problem,
        });
    }
    Ok(())
}

/// One proxy from the environment.
#[derive(Debug, Clone)]
pub struct ProxySetting {
    /// `http`, `https` or `all`: which destinations it serves.
    pub scheme: &'static str,
    pub var: &'static str,
    pub url: url::Url,
}

impl ProxySetting {
    /// The proxy URL without its password, for `-v`.
    pub fn shown(&self) -> String {
        redact(&self.url)
    }
}

/// Everything a client needs to reach a server: cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct NetConfig {
    extra: Option<Arc<ExtraCa>>,
    proxies: Arc<Vec<ProxySetting>>,
    /// NO_PROXY as given, plus the loopback names unless `<-loopback>` asks otherwise.
    no_proxy: String,
}

impl NetConfig {
    /// Trusts `extra` besides the built-in roots and reads the proxy variables.
    pub fn new(extra: Option<ExtraCa>) -> Result<Self, ProxyError> {
        let (proxies, no_proxy) = proxies_from_env(|k| std::env::var(k).ok())?;
        Ok(Self {
            extra: extra.map(Arc::new),
            proxies: Arc::new(proxies),
            no_proxy,
        })
    }

    pub fn extra_ca(&self) -> Option<&ExtraCa> {
        self.extra.as_deref()
    }

    pub fn proxies(&self) -> &[ProxySetting] {
        &self.proxies
    }

    /// The proxy `url` would go through, if any (for `-v` and `doctor`).
    pub fn proxy_for(&self, url: &url::Url) -> Option<&ProxySetting> {
        if bypassed(&self.no_proxy, url.host_str()?) {
            return None;
        }
        self.proxies
            .iter()
            .find(|p| p.scheme == url.scheme())
            .or_else(|| self.proxies.iter().find(|p| p.scheme == "all"))
    }

    /// Applies trust and proxies to a client builder. `builtin_roots`: whether to load
    /// the built-in roots (reading the system store costs more than a whole request on
    /// loopback, so plain-http clients skip it, and then the extra CA too).
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
        builtin_roots: bool,
    ) -> reqwest::ClientBuilder {
        builder = builder.tls_built_in_root_certs(builtin_roots);
        if builtin_roots && let Some(extra) = &self.extra {
            for cert in &extra.certs {
                builder = builder.add_root_certificate(cert.clone());
            }
        }
        // Our own proxy list replaces reqwest's reading of the environment, so that
        // loopback is exempt and a bad value is reported instead of ignored.
        builder = builder.no_proxy();
        let no = reqwest::NoProxy::from_string(&self.no_proxy);
        for p in self.proxies.iter() {
            let proxy = match p.scheme {
                "http" => reqwest::Proxy::http(p.url.as_str()),
                "https" => reqwest::Proxy::https(p.url.as_str()),
                _ => reqwest::Proxy::all(p.url.as_str()),
            };
            // Checked when read, so this cannot fail; skipping is the safe side anyway.
            if let Ok(proxy) = proxy {
                builder = builder.proxy(proxy.no_proxy(no.clone()));
            }
        }
        builder
    }
}

/// The loopback names and networks that never go through a proxy from the environment.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";
/// A `NO_PROXY` entry that lets loopback traffic go through the proxy (e.g. to inspect it).
const PROXY_LOOPBACK: &str = "<-loopback>";

/// Reads the proxy variables as curl does: scheme-specific ones before `ALL_PROXY`,
/// upper case before lower case (except `HTTP_PROXY` under CGI, which a client could
/// set through a `Proxy:` header).
fn proxies_from_env(
    get: impl Fn(&str) -> Option<String>,
) -> Result<(Vec<ProxySetting>, String), ProxyError> {
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let cgi = get("REQUEST_METHOD").is_some();
    let mut out = Vec::new();
    let sets: [(&'static str, &[&'static str]); 3] = [
        ("https", &["HTTPS_PROXY", "https_proxy"]),
        ("http", &["HTTP_PROXY", "http_proxy"]),
        ("all", &["ALL_PROXY", "all_proxy"]),
    ];
    for (scheme, vars) in sets {
        let found = vars
            .iter()
            .filter(|v| !(cgi && **v == "HTTP_PROXY"))
            .find_map(|v| get(v).map(|value| (*v, value)));
        if let Some((var, value)) = found {
            out.push(ProxySetting {
                scheme,
                var,
                url: parse_proxy(var, &value)?,
            });
        }
    }
    let given = get("NO_PROXY")
        .or_else(|| get("no_proxy"))
        .unwrap_or_default();
    let mut no_proxy: Vec<&str> = given
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && *e != PROXY_LOOPBACK)
        .collect();
    if !given.split(',').any(|e| e.trim() == PROXY_LOOPBACK) {
        no_proxy.extend(LOOPBACK.split(','));
    }
    Ok((out, no_proxy.join(",")))
}

fn parse_proxy(var: &'static str, value: &str) -> Result<url::Url, ProxyError> {
    let value = value.trim();
    // `proxy.example:3128` is common and means http, as for curl.
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let bad = |shown: String, reason: &str| ProxyError {
        var,
        value: shown,
        reason: reason.to_string(),
    };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| bad(redact_text(value), &format!("not a URL ({e})")))?;
    match url.scheme() {
        "http" | "https" => {}
        "socks4" | "socks4a" | "socks5" | "socks5h" => {
            return Err(bad(redact(&url), "SOCKS proxies are not supported"));
        }
        other => {
            return Err(bad(
                redact(&url),
                &format!("unknown proxy scheme {other:?}"),
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(redact(&url), "it has no host"));
    }
    Ok(url)
}

/// Whether `host` matches the NO_PROXY list (same rules as reqwest: exact IPs and
/// networks, domains with their subdomains, `*` for all).
fn bypassed(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<std::net::IpAddr>().ok();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        if let Some(ip) = ip {
            if let Ok(e) = entry.parse::<std::net::IpAddr>() {
                return e == ip;
            }
            if let Some((net, bits)) = entry.split_once('/')
                && let (Ok(net), Ok(bits)) = (net.parse::<std::net::IpAddr>(), bits.parse::<u32>())
            {
                return in_network(ip, net, bits);
            }
            return false;
        }
        let d = entry.trim_start_matches('.');
        !d.is_empty()
            && (host.eq_ignore_ascii_case(d)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", d.to_ascii_lowercase())))
    })
}

fn in_network(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr::*;
    match (ip, net) {
        (V4(a), V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (V6(a), V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn redact(url: &url::Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    u.as_str().trim_end_matches('/').to_string()
}

/// For a value that is not even a URL: drop anything before an `@`, which may be a
/// password.
fn redact_text(value: &str) -> String {
    match value.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => value.to_string(),
    }
}

/// Why a TLS connection failed, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// Self-signed, or signed by a CA netinvite was not told about (or by another CA of
    /// the same name).
    UnknownIssuer,
    /// Valid, but for another name than the one in the URL.
    NameMismatch,
    Expired,
    NotYetValid,
    Revoked,
    /// The server presents a CA certificate (`basicConstraints CA:TRUE`) as its own,
    /// as `openssl req -x509` makes by default; rustls refuses those outright.
    CaAsServerCertificate,
    /// Any other certificate defect (bad signature, not meant for servers, …).
    BadCertificate,
    /// The server answered something that is not TLS (plain http on an https URL).
    NotTls,
    /// The handshake failed otherwise (no common version or cipher, an alert).
    Handshake,
}

/// Finds a rustls error in `e`'s chain of causes and says what it means, with rustls's
/// own text for the details. `io::Error` hides its inner error from `source()` (it
/// shows it in its own message instead), so that is looked into explicitly.
pub fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<(TlsProblem, String)> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(found) = classify(err) {
            return Some(found);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = tls_problem(inner)
        {
            return Some(found);
        }
        cur = err.source();
    }
    None
}

fn classify(err: &(dyn std::error::Error + 'static)) -> Option<(TlsProblem, String)> {
    use rustls::{CertificateError as C, Error as E};
    let r = err.downcast_ref::<E>()?;
    let problem = match r {
        E::InvalidCertificate(c) => match c {
            // A bad signature is what a CA of the same name but another key (one that
            // was regenerated, say) produces: to the user, an authority they did not give.
            C::UnknownIssuer | C::BadSignature => TlsProblem::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::NameMismatch,
            C::Expired | C::ExpiredContext { .. } => TlsProblem::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsProblem::NotYetValid,
            C::Revoked => TlsProblem::Revoked,
            // webpki's error is only reachable through rustls's opaque wrapper.
            C::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                TlsProblem::CaAsServerCertificate
            }
            _ => TlsProblem::BadCertificate,
        },
        E::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
        | E::InvalidMessage(rustls::InvalidMessage::UnknownProtocolVersion) => TlsProblem::NotTls,
        _ => TlsProblem::Handshake,
    };
    Some((problem, r.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn proxies_follow_curl_and_exempt_loopback() {
        let (p, no) = proxies_from_env(env(&[
            ("https_proxy", "proxy.corp:3128"),
            ("HTTP_PROXY", "http://user:secret@proxy.corp:8080"),
            ("NO_PROXY", ".internal, 10.0.0.0/8"),
        ]))
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].scheme, "https");
        assert_eq!(p[0].url.as_str(), "http://proxy.corp:3128/");
        assert_eq!(p[1].shown(), "http://user:***@proxy.corp:8080");
        assert!(bypassed(&no, "localhost"));
        assert!(bypassed(&no, "127.0.0.1"));
        assert!(bypassed(&no, "127.3.2.1"));
        assert!(bypassed(&no, "[::1]"));
        assert!(bypassed(&no, "db.internal"));
        assert!(bypassed(&no, "10.1.2.3"));
        assert!(!bypassed(&no, "nebula.example.com"));
        assert!(!bypassed(&no, "11.0.0.1"));
    }

    #[test]
    fn loopback_can_be_proxied_on_request() {
        let (_, no) = proxies_from_env(env(&[
            ("HTTP_PROXY", "http://127.0.0.1:8080"),
            ("NO_PROXY", "<-loopback>"),
        ]))
        .unwrap();
        assert!(!bypassed(&no, "127.0.0.1"));
        assert!(!bypassed(&no, "localhost"));
    }

    #[test]
    fn cgi_ignores_upper_case_http_proxy() {
        let (p, _) = proxies_from_env(env(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://evil:1"),
        ]))
        .unwrap();
        assert!(p.is_empty());
    }

    #[test]
    fn bad_proxies_are_reported_without_passwords() {
        let e = proxies_from_env(env(&[("ALL_PROXY", "socks5://u:pw@h:1080")])).unwrap_err();
        assert_eq!(e.var, "ALL_PROXY");
        assert!(e.reason.contains("SOCKS"));
        assert!(!e.value.contains("pw"), "{}", e.value);
        let e = proxies_from_env(env(&[("HTTPS_PROXY", "http://")])).unwrap_err();
        assert_eq!(e.var, "HTTPS_PROXY");
    }

    #[test]
    fn ca_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let e = ExtraCa::load(&missing, CaOrigin::Flag).unwrap_err();
        assert_eq!(e.problem, CaProblem::Missing);
        let key = dir.path().join("key.pem");
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let e = ExtraCa::load(&key, CaOrigin::Env).unwrap_err();
        assert_eq!(
            e.problem,
            CaProblem::NoCertificate {
                found: Some("a private key")
            }
        );
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello").unwrap();
        let e = ExtraCa::load(&text, CaOrigin::Profile).unwrap_err();
        assert_eq!(e.problem, CaProblem::NoCertificate { found: None });
        let der = dir.path().join("ca.der");
        std::fs::write(&der, [0x30, 0x82, 0x01, 0xff, 0xfe]).unwrap();
        let e = ExtraCa::load(&der, CaOrigin::Flag).unwrap_err();
        assert_eq!(e.problem, CaProblem::Der);
        let junk = dir.path().join("junk.pem");
        std::fs::write(
            &junk,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = ExtraCa::load(&junk, CaOrigin::Flag).unwrap_err();
        assert!(
            matches!(e.problem, CaProblem::BadCertificate { index: 1, .. }),
            "{e:?}"
        );
        assert!(check_cert_dirs(dir.path().to_str().unwrap()).is_ok());
        let e = check_cert_dirs(key.to_str().unwrap()).unwrap_err();
        assert_eq!(e.problem, CaProblem::NotADirectory);
    }
}

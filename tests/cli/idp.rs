//! A real OIDC issuer for the tests (oidc-provider from npm, tests/idp/idp.mjs, one per
//! test on a free port) and the "browser" that completes its user interactions: a tiny
//! HTTP/1.1 client with a cookie jar, enough to confirm a device code and to follow an
//! authorization URL until it lands on netinvite's loopback listener.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Idp {
    child: Child,
    pub issuer: String,
    /// The issuer's own log (one line per request), for failure messages.
    pub log: tempfile::NamedTempFile,
}

impl Idp {
    /// Starts an issuer; `env` sets TTLs (IDP_ID_TTL, IDP_ACCESS_TTL, IDP_DEVICE_TTL, …).
    pub fn start(env: &[(&str, &str)]) -> Idp {
        let script = std::env::var("NETINVITE_TEST_IDP")
            .unwrap_or_else(|_| format!("{}/tests/idp/idp.mjs", env!("CARGO_MANIFEST_DIR")));
        let log = tempfile::NamedTempFile::new().expect("idp log");
        let mut c = Command::new("node");
        c.arg(&script)
            .env("IDP_PORT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("idp log"));
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .spawn()
            .expect("start node tests/idp/idp.mjs (run scripts/test.sh)");
        let stdout = child.stdout.take().expect("idp stdout");
        // The announcement is read on a thread of its own, so that an issuer that never
        // gets there (stuck, or gone) ends the wait with what it logged.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line);
            let _ = tx.send(read.map(|_| line));
            // Keep draining its stdout: a closed pipe would kill the issuer (EPIPE) the
            // next time it prints.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let started = Instant::now();
        let line = match rx.recv_timeout(ANNOUNCE_WITHIN) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => {
                let log = stop_and_read(&mut child, &log);
                panic!("cannot read the issuer's stdout ({e}); its log:\n{log}");
            }
            Err(_) => {
                let log = stop_and_read(&mut child, &log);
                panic!(
                    "the issuer did not announce its URL within {:?} (stopped it); its log:\n{log}",
                    started.elapsed()
                );
            }
        };
        let Some(issuer) = line.trim().strip_prefix("listening on ") else {
            let log = stop_and_read(&mut child, &log);
            panic!("unexpected issuer output {line:?} (an empty one: it exited); its log:\n{log}");
        };
        Idp {
            child,
            issuer: issuer.to_string(),
            log,
        }
    }

    /// What the issuer logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

/// How long an issuer may take to start: a few seconds on a loaded machine.
const ANNOUNCE_WITHIN: Duration = Duration::from_secs(30);

/// Stops an issuer that did not start and returns what it logged.
fn stop_and_read(child: &mut Child, log: &tempfile::NamedTempFile) -> String {
    let _ = child.kill();
    let _ = child.wait();
    std::fs::read_to_string(log.path()).unwrap_or_default()
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A browser stand-in: cookies kept per host:port, redirects followed by the caller.
#[derive(Default)]
pub struct Browser {
    cookies: HashMap<String, HashMap<String, String>>,
}

impl Browser {
    pub fn get(&mut self, url: &str) -> Answer {
        self.request("GET", url, None)
    }

    pub fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Answer {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.request("POST", url, Some(body))
    }

    fn request(&mut self, method: &str, url: &str, body: Option<String>) -> Answer {
        let u = url::Url::parse(url).expect("absolute URL");
        assert_eq!(u.scheme(), "http", "loopback only");
        let host = u.host_str().unwrap().to_string();
        let port = u.port().unwrap_or(80);
        let key = format!("{host}:{port}");
        let mut path = u.path().to_string();
        if let Some(q) = u.query() {
            path.push('?');
            path.push_str(q);
        }
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {key}\r\nConnection: close\r\nUser-Agent: netinvite-tests\r\nAccept: text/html\r\n"
        );
        if let Some(jar) = self.cookies.get(&key)
            && !jar.is_empty()
        {
            let c: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        if let Some(b) = &body {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        if let Some(b) = &body {
            req.push_str(b);
        }
        let raw = exchange(method, url, (host.as_str(), port), req.as_bytes());
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some((name, value)) = v.split(';').next().and_then(|c| c.split_once('='))
            {
                self.cookies
                    .entry(key.clone())
                    .or_default()
                    .insert(name.trim().to_string(), value.trim().to_string());
            }
        }
        let chunked = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Follows redirects from `url` until one points at `stop_prefix` (returned, not
    /// followed) or a page answers; relative locations are resolved.
    pub fn follow_until(&mut self, url: &str, stop_prefix: &str) -> Result<String, Answer> {
        let mut current = url.to_string();
        for _ in 0..20 {
            let a = self.get(&current);
            match a.header("location") {
                Some(loc) if (300..400).contains(&a.status) => {
                    let next = url::Url::parse(&current)
                        .unwrap()
                        .join(loc)
                        .unwrap()
                        .to_string();
                    if next.starts_with(stop_prefix) {
                        return Ok(next);
                    }
                    current = next;
                }
                _ => return Err(a),
            }
        }
        panic!("too many redirects from {url}");
    }

    /// Confirms a device code at oidc-provider: the user-code form (its `xsrf` value),
    /// then the redirects to "Sign-in Success".
    pub fn confirm_device_code(&mut self, issuer: &str, user_code: &str) -> Answer {
        let page = self.get(&format!("{issuer}/device?user_code={}", enc(user_code)));
        let xsrf = page
            .body
            .split("name=\"xsrf\"")
            .nth(1)
            .and_then(|r| r.split("value=\"").nth(1))
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("no xsrf in the device page: {}", page.body))
            .to_string();
        let mut a = self.post_form(
            &format!("{issuer}/device"),
            &[
                ("xsrf", &xsrf),
                ("user_code", user_code),
                ("confirm", "yes"),
            ],
        );
        let mut current = format!("{issuer}/device");
        for _ in 0..10 {
            match a.header("location") {
                Some(loc) if (300..400).contains(&a.status) => {
                    current = url::Url::parse(&current)
                        .unwrap()
                        .join(loc)
                        .unwrap()
                        .to_string();
                    a = self.get(&current);
                }
                _ => break,
            }
        }
        a
    }
}

/// How long one request may take, connection to last byte.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// Sends `request` and reads the answer until it is complete (its `Content-Length`,
/// its last chunk, or the server closing the connection), within [`ANSWER_WITHIN`];
/// panics with what arrived otherwise.
fn exchange(method: &str, url: &str, to: (&str, u16), request: &[u8]) -> Vec<u8> {
    let deadline = Instant::now() + ANSWER_WITHIN;
    let addr = to
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("{method} {url}: cannot resolve {}:{}", to.0, to.1));
    let mut s = TcpStream::connect_timeout(&addr, ANSWER_WITHIN)
        .unwrap_or_else(|e| panic!("{method} {url}: cannot connect: {e}"));
    s.set_write_timeout(Some(ANSWER_WITHIN)).unwrap();
    s.write_all(request)
        .unwrap_or_else(|e| panic!("{method} {url}: cannot send the request: {e}"));
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while !answer_complete(method, &raw) {
        let left = deadline.saturating_duration_since(Instant::now());
        let read = if left.is_zero() {
            Err(std::io::ErrorKind::TimedOut.into())
        } else {
            s.set_read_timeout(Some(left)).unwrap();
            s.read(&mut buf)
        };
        match read {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "{method} {url}: no complete answer within {ANSWER_WITHIN:?} ({e}); received:\n{}",
                String::from_utf8_lossy(&raw)
            ),
        }
    }
    raw
}

/// Whether `raw` holds a whole HTTP/1.1 answer: the head, then as many bytes as
/// `Content-Length` says, or chunks up to the last one. Without either, the body ends
/// when the server closes the connection (the request asked it to).
fn answer_complete(method: &str, raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let body = &raw[end + 4..];
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status) {
        return true;
    }
    let mut length = None;
    let mut chunked = false;
    for (k, v) in lines.filter_map(|l| l.split_once(':')) {
        if k.trim().eq_ignore_ascii_case("content-length") {
            length = v.trim().parse::<usize>().ok();
        } else if k.trim().eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.to_ascii_lowercase().contains("chunked");
        }
    }
    if chunked {
        return last_chunk_arrived(body);
    }
    match length {
        Some(n) => body.len() >= n,
        None => false,
    }
}

/// Whether a chunked body has arrived up to its last (empty) chunk and the empty
/// line after it.
fn last_chunk_arrived(mut body: &[u8]) -> bool {
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return false;
        };
        let size_field = String::from_utf8_lossy(&body[..eol]);
        let size_text = size_field.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            // Not chunked after all: wait for the connection to close.
            return false;
        };
        let rest = &body[eol + 2..];
        if size == 0 {
            // Optional trailer fields, then an empty line.
            return rest.starts_with(b"\r\n") || rest.windows(4).any(|w| w == b"\r\n\r\n");
        }
        if rest.len() < size + 2 {
            return false;
        }
        body = &rest[size + 2..];
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// Reads a child's stderr line by line in the background, handing each line over.
pub fn stderr_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().expect("stderr piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

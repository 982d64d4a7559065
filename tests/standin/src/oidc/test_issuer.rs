//! A scripted "external issuer" for tests: a loopback HTTP server that answers
//! each path with whatever status and body the test set last, and counts the
//! requests per path. It lets a test change the key set between requests,
//! make it fail, or point discovery elsewhere, which a real issuer cannot.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Default)]
struct Script {
    answers: HashMap<String, (u16, String)>,
    hits: HashMap<String, usize>,
}

pub(crate) struct ScriptedIssuer {
    port: u16,
    script: Arc<Mutex<Script>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedIssuer {
    pub fn start() -> ScriptedIssuer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let script = Arc::new(Mutex::new(Script::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (Arc::clone(&script), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    answer(conn, &s);
                }
            }
        });
        ScriptedIssuer {
            port,
            script,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, the issuer identifier.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `GET path` with `status` and `body` from now on.
    pub fn set(&self, path: &str, status: u16, body: &str) {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script
            .answers
            .insert(path.to_string(), (status, body.to_string()));
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        let script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script.hits.get(path).copied().unwrap_or(0)
    }
}

fn answer(mut conn: TcpStream, script: &Mutex<Script>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&raw);
    let path = head
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_string();
    let (status, body) = {
        let mut script = script.lock().unwrap_or_else(|e| e.into_inner());
        *script.hits.entry(path.clone()).or_default() += 1;
        script
            .answers
            .get(&path)
            .cloned()
            .unwrap_or((404, r#"{"error":"not found"}"#.to_string()))
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(response.as_bytes());
}

impl Drop for ScriptedIssuer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

//! The test environment: a stand-in server on 127.0.0.1:0 in-process, a fresh config
//! directory, and the real `netinvite` binary run with a cleared environment.
//!
//! The keyring and clipboard are real: `scripts/test.sh` starts a private D-Bus session
//! with an unlocked gnome-keyring and an Xvfb display, and these tests inherit them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub use netinvite_standin::chrono;
pub use netinvite_standin::{Fault, FaultKind, InvitationSeed, Options, Smtp, StandIn, When};
pub use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_netinvite");

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit status, showing everything when it differs.
    #[track_caller]
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "exit status {} (expected {expected})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        self.code(0)
    }

    /// stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The JSON error object on stderr (with `--json`).
    #[track_caller]
    pub fn json_error(&self) -> Value {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("no JSON error on stderr:\n{}", self.stderr));
        let v: Value = serde_json::from_str(line).expect("stderr JSON");
        v["error"].clone()
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stdout_empty(self) -> Self {
        assert!(
            self.stdout.is_empty(),
            "stdout should be empty:\n{}",
            self.stdout
        );
        self
    }
}

/// One test's world: a server and a config directory (HOME, hence cache, of its own).
/// Several worlds may share one server: each is then one person's sign-in
/// (see `team.rs`).
pub struct World {
    pub server: Arc<StandIn>,
    pub home: tempfile::TempDir,
    pub extra_env: Vec<(String, String)>,
}

/// Fails loudly when the real keyring and display are missing: these tests are run by
/// `scripts/test.sh`, which provides both.
fn require_test_env() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        || std::env::var_os("DISPLAY").is_none()
    {
        panic!(
            "these tests need a Secret Service keyring and an X display; run them with scripts/test.sh"
        );
    }
}

impl World {
    pub fn new() -> Self {
        Self::with(Options::default())
    }

    pub fn with(opts: Options) -> Self {
        require_test_env();
        Self::sharing(Arc::new(StandIn::start_with(opts)))
    }

    /// A world of its own (fresh HOME and config directory) on an existing server.
    pub fn sharing(server: Arc<StandIn>) -> Self {
        require_test_env();
        let home = tempfile::tempdir().expect("temp dir");
        Self {
            server,
            home,
            extra_env: Vec::new(),
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.extra_env.push((k.into(), v.into()));
        self
    }

    /// The command, with a cleared environment (only what the real parts need).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args);
        c.env_clear();
        for k in [
            "PATH",
            "DBUS_SESSION_BUS_ADDRESS",
            "DISPLAY",
            "XDG_RUNTIME_DIR",
            "XDG_DATA_HOME",
        ] {
            if let Some(v) = std::env::var_os(k) {
                c.env(k, v);
            }
        }
        c.env("HOME", self.home.path());
        c.env("NETINVITE_CONFIG_DIR", self.config_dir());
        c.env("NETINVITE_CLIPBOARD_SECONDS", "5");
        c.env("COLUMNS", "120");
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs netinvite with `args`, stdin closed.
    #[must_use = "check the exit status or the output"]
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// Runs netinvite with extra environment and optional stdin.
    #[must_use = "check the exit status or the output"]
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        use std::io::Write;
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn netinvite");
        if let Some(input) = stdin {
            let mut s = child.stdin.take().expect("stdin");
            s.write_all(input.as_bytes()).expect("write stdin");
        }
        let out = wait_with_timeout(child, Duration::from_secs(60));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Signs in with the server's development token (standalone mode).
    pub fn login(&self) -> Run {
        self.run(&["login", "--server", &self.url()]).ok()
    }

    /// A world with networks `lab` and `office`, signed in.
    pub fn signed_in() -> Self {
        let w = Self::new();
        w.server.add_network("lab", "10.42.0.0/16");
        w.server.add_network("office", "10.43.0.0/16");
        let _ = w.login();
        w
    }

    /// The id of the network named `name`.
    pub fn network_id(&self, name: &str) -> i64 {
        let out = self.run(&["networks", "--json"]).ok();
        out.json()
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == name)
            .and_then(|n| n["id"].as_i64())
            .unwrap_or_else(|| panic!("no network {name}"))
    }

    /// Creates an invitation through the CLI and returns its JSON.
    pub fn create(&self, email: &str, network: &str) -> Value {
        self.run(&["create", "--email", email, "--network", network, "--json"])
            .ok()
            .json()
    }
}

fn wait_with_timeout(child: std::process::Child, limit: Duration) -> std::process::Output {
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => r.expect("wait for netinvite"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("netinvite did not finish within {limit:?}");
        }
    }
}

/// Reads the X clipboard with xclip (a separate program, after netinvite exited).
pub fn read_clipboard() -> Option<String> {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Compares `actual` with the snapshot file, or writes it with NETINVITE_UPDATE_SNAPSHOTS=1.
#[track_caller]
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("NETINVITE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with NETINVITE_UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} is out of date (NETINVITE_UPDATE_SNAPSHOTS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Injects `times` faults of `kind` in front of `method` requests to paths starting with
/// `path`.
pub fn inject(w: &World, method: &'static str, path: &str, kind: FaultKind, times: usize) {
    w.server.inject(Fault {
        method: Some(method),
        path_prefix: path.into(),
        kind,
        times,
    });
}

/// Requests that reached the server with this method and exact path.
pub fn attempts(w: &World, method: &str, path: &str) -> usize {
    w.server
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

/// Runs `c` (stdin closed), sends it Ctrl-C (SIGINT) once `ready` holds (within 20 s),
/// and returns how it ended.
pub fn interrupt_when(mut c: Command, ready: impl Fn() -> bool) -> Run {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().expect("spawn netinvite");
    let started = std::time::Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the moment to interrupt never came"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    let out = wait_with_timeout(child, Duration::from_secs(60));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to a file in the world's home and returns its path.
pub fn file(w: &World, name: &str, text: &str) -> String {
    let p = w.home.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// The NDJSON lines on stdout.
pub fn lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{}", run.stdout))
        })
        .collect()
}

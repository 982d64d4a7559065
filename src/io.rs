//! The one output gate: data to stdout, everything else to stderr; terminal detection,
//! colour, prompts, the spinner and the progress bar. Nothing else in netinvite prints.
//!
//! A closed stdout (`netinvite list | head -1`) ends the program at once with status 0 and
//! no message: the reader has what it wanted, and under `set -o pipefail` a 141 would make
//! a working pipeline fail. (Rust ignores SIGPIPE, so the closed pipe surfaces here as an
//! EPIPE write error rather than killing the process.)
//!
//! Dependencies run one way: `io` → `output` (error rendering, `--jq`, [`printable`]) →
//! `style`. Rendering learns about stdout through [`Screen`], implemented here, and never
//! imports this module.
//!
//! `NETINVITE_FORCE_TTY=1` makes stdout count as a terminal (tables, relative times) so
//! that tests can see what people see; prompts still need a real terminal on stdin.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::error::CliError;
use crate::output::jq::{Jq, JqError};
use crate::output::{printable, printable_lines};
pub use crate::style::Style;
use crate::style::{Screen, paint};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// How chatty stderr is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Io {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
    pub color_stdout: bool,
    pub color_stderr: bool,
    pub verbosity: Verbosity,
    pub json: bool,
    pub no_input: bool,
    /// `--jq`: every JSON output goes through this filter on its way to stdout.
    pub jq: Option<Jq>,
}

impl Io {
    pub fn new(color: ColorChoice, verbosity: Verbosity, json: bool, no_input: bool) -> Self {
        let forced =
            std::env::var_os("NETINVITE_FORCE_TTY").is_some_and(|v| v != "0" && !v.is_empty());
        let stdout_tty = forced || std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let stdin_tty = std::io::stdin().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let auto = |tty: bool| tty && !no_color && !dumb;
        let (color_stdout, color_stderr) = match color {
            ColorChoice::Always => (true, true),
            ColorChoice::Never => (false, false),
            ColorChoice::Auto => (auto(stdout_tty), auto(stderr_tty)),
        };
        Self {
            stdout_tty,
            stderr_tty,
            stdin_tty,
            color_stdout,
            color_stderr,
            verbosity,
            json,
            no_input,
            jq: None,
        }
    }

    /// Writes data to stdout (through the `--jq` filter, if any: each call must then
    /// carry whole JSON values; a document written piece by piece goes through
    /// [`Io::out_with`]). A closed pipe (`| head`) ends the program quietly.
    pub fn out(&self, text: &str) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        if let Some(jq) = &self.jq {
            let res = jq.run_text(text.as_bytes(), &mut out);
            let _ = out.flush();
            return jq_result(res);
        }
        let res = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        match res {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => closed_pipe(),
            Err(e) => Err(CliError::Io {
                what: "cannot write to standard output".into(),
                message: e.to_string(),
            }),
        }
    }

    /// Streams data to stdout through a buffer, for large outputs (no second copy in
    /// memory). A closed pipe ends the program quietly, as with [`Io::out`].
    pub fn out_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), CliError> {
        let stdout = std::io::stdout().lock();
        let mut buf = std::io::BufWriter::with_capacity(64 * 1024, stdout);
        if let Some(jq) = &self.jq {
            // Each value is filtered as soon as it is complete (NDJSON line by line).
            let mut w = jq.writer(&mut buf);
            let res = match write(&mut w) {
                Ok(()) => w.finish(),
                Err(e) => match w.finish() {
                    Err(JqError::NotJson) | Ok(()) => Err(JqError::Io(e)),
                    Err(jq_error) => Err(jq_error),
                },
            };
            let _ = buf.flush();
            return jq_result(res);
        }
        let res = write(&mut buf).and_then(|_| buf.flush());
        match res {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => closed_pipe(),
            Err(e) => Err(CliError::Io {
                what: "cannot write to standard output".into(),
                message: e.to_string(),
            }),
        }
    }

    /// Writes bytes to stdout as they are, past any `--jq` filter (`netinvite api`
    /// prints an error answer's body as received). A closed pipe ends quietly.
    pub fn out_raw(&self, bytes: &[u8]) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        match out.write_all(bytes).and_then(|_| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => closed_pipe(),
            Err(e) => Err(CliError::Io {
                what: "cannot write to standard output".into(),
                message: e.to_string(),
            }),
        }
    }

    /// Writes one line of data to stdout (a link, a token). The line is made printable:
    /// a link carries the server's token, and no control character belongs in one.
    pub fn outln(&self, text: &str) -> Result<(), CliError> {
        let text = printable(text);
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(&text);
        s.push('\n');
        self.out(&s)
    }

    fn err_line(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    }

    /// Paints `text` for stdout (tables), when colour is on.
    pub fn paint_out(&self, style: Style, text: &str) -> String {
        paint(self.color_stdout, style, text)
    }

    /// Paints `text` for stderr, when colour is on.
    pub fn paint_err(&self, style: Style, text: &str) -> String {
        paint(self.color_stderr, style, text)
    }

    /// A progress or status line (silenced by `-q`). Status, note and warning lines
    /// often quote server text (an email, an SMTP error): each line is made printable.
    pub fn status(&self, text: &str) {
        if self.verbosity >= Verbosity::Normal {
            self.err_line(&printable_lines(text));
        }
    }

    /// A line the user must see to go on (a sign-in code), even with `-q`.
    pub fn always(&self, text: &str) {
        self.err_line(text);
    }

    /// A note the user should read, e.g. "no email was sent" (silenced by `-q`).
    pub fn note(&self, text: &str) {
        if self.verbosity >= Verbosity::Normal {
            let label = self.paint_err(Style::Cyan, "note:");
            self.err_line(&format!("{label} {}", printable_lines(text)));
        }
    }

    /// A warning (silenced by `-q`).
    pub fn warn(&self, text: &str) {
        if self.verbosity >= Verbosity::Normal {
            let label = self.paint_err(Style::Yellow, "warning:");
            self.err_line(&format!("{label} {}", printable_lines(text)));
        }
    }

    /// A `-v` line: requests and timings. Callers never pass secrets.
    pub fn debug(&self, text: &str) {
        if self.verbosity >= Verbosity::Verbose {
            let label = self.paint_err(Style::Dim, "debug:");
            self.err_line(&format!("{label} {}", printable_lines(text)));
        }
    }

    pub fn verbose(&self) -> bool {
        self.verbosity >= Verbosity::Verbose
    }

    /// Reports an error: a JSON object on stderr with `--json`, readable lines otherwise
    /// (see `output::errors`). Errors are printed even with `-q`.
    pub fn error(&self, e: &CliError) {
        if self.json {
            self.err_line(&crate::output::errors::error_json(e).to_string());
            return;
        }
        let text = crate::output::errors::error_human(e, &|s, t| self.paint_err(s, t));
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
    }

    /// Whether a prompt may be shown: a terminal on stdin and stderr, and no `--no-input`.
    pub fn can_prompt(&self) -> bool {
        self.stdin_tty && self.stderr_tty && !self.no_input
    }

    /// Asks a yes/no question on the terminal; the default is "no".
    pub fn confirm(&self, question: &str) -> Result<bool, CliError> {
        if !self.can_prompt() {
            return Err(CliError::NeedsConfirmation {
                action: question.trim_end_matches('?').to_lowercase(),
            });
        }
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact_opt()
            .map(|answer| answer.unwrap_or(false))
            .map_err(|_| CliError::Cancelled)
    }

    /// A fuzzy-filtered choice among `items` on the terminal (stderr): the index chosen,
    /// or `None` when the user pressed Esc. Refused where no prompt may be shown.
    pub fn fuzzy_select(&self, prompt: &str, items: &[String]) -> Result<Option<usize>, CliError> {
        if !self.can_prompt() {
            return Err(CliError::Usage {
                message: "cannot choose without a terminal".into(),
                hint: Some("give the id on the command line".into()),
            });
        }
        dialoguer::FuzzySelect::new()
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .max_length(15)
            .interact_opt()
            .map_err(|_| CliError::Cancelled)
    }

    /// A spinner on stderr while `message` is true; nothing when stderr is not a terminal
    /// or with `-q`/`--json`.
    pub fn spinner(&self, message: &str) -> Spinner {
        let active = self.stderr_tty && self.verbosity == Verbosity::Normal && !self.json;
        Spinner::start(active, message.to_string())
    }
}

impl Screen for Io {
    fn stdout_tty(&self) -> bool {
        self.stdout_tty
    }

    fn color_stdout(&self) -> bool {
        self.color_stdout
    }
}

/// Where jq's `debug`, `stderr` and `halt_error` messages go: jaq hands them to the `log`
/// crate, and only jaq's records (not those of the HTTP or TLS libraries) are printed.
struct JqMessages;

impl log::Log for JqMessages {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.target().starts_with("jaq")
    }

    fn log(&self, r: &log::Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = match r.level() {
            log::Level::Error => write!(err, "{}", r.args()),
            _ => writeln!(err, "[\"DEBUG:\",{}]", r.args()),
        };
    }

    fn flush(&self) {}
}

/// Lets a `--jq` filter write to stderr as jq does (`debug`, `stderr`, `halt_error`).
pub fn route_jq_messages() {
    if log::set_logger(&JqMessages).is_ok() {
        log::set_max_level(log::LevelFilter::Debug);
    }
}

/// Maps how `--jq` output ended: a closed pipe ends quietly, `halt` exits as asked.
fn jq_result(res: Result<(), JqError>) -> Result<(), CliError> {
    match res {
        Ok(()) => Ok(()),
        Err(JqError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => closed_pipe(),
        Err(e) => match e.into_cli() {
            Ok(err) => Err(err),
            Err(code) => std::process::exit(code),
        },
    }
}

/// The reader went away: stop quietly (see the module comment for why 0).
fn closed_pipe() -> ! {
    std::process::exit(0)
}

impl Io {
    /// A progress bar of `total` steps on stderr (indicatif); hidden when stderr is not a
    /// terminal or with `-q`/`-v`/`--json`, so that it never mixes with other output.
    pub fn progress(&self, total: usize, message: &str) -> Progress {
        let active = self.stderr_tty && self.verbosity == Verbosity::Normal && !self.json;
        let bar = if active {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {pos}/{len} ({elapsed})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(message.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Progress { bar }
    }
}

/// A progress bar from [`Io::progress`]; its lines never break the bar.
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` (which prints to stderr) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn set_message(&self, message: &str) {
        self.bar.set_message(message.to_string());
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A spinner drawn by a background thread; dropped or `finish`ed, it clears its line.
pub struct Spinner {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    fn start(active: bool, message: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = active.then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r{} {message}\x1b[K", FRAMES[i % FRAMES.len()]);
                    let _ = err.flush();
                    drop(err);
                    i += 1;
                    std::thread::sleep(Duration::from_millis(80));
                }
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K");
                let _ = err.flush();
            })
        });
        Self { stop, handle }
    }

    pub fn finish(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.halt();
    }
}

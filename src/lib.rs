//! netinvite: invite people into Nebula Commander networks from the terminal.
//!
//! Layout: `cli` parses, `commands/` holds one file per subcommand, `context` selects the
//! profile and signs the API client in, `api/` speaks HTTP to the server, `auth/` keeps
//! and renews tokens, `output/` renders, `io` is the only place that prints, and `error`
//! owns every message and exit status. `fsutil` writes state files crash-safely, `panic`
//! turns a crash into a short secret-free report, `interrupt` lets a multi-id command stop
//! cleanly on Ctrl-C. `complete` answers shell completion from the local index,
//! `manual` is `netinvite help`, and `output::jq` is `--jq`.
//!
//! Dependencies run one way: `lib` (dispatch) → `cli` (clap's types) → `commands` →
//! `batch`, `context`, `api`, `auth`, `output`, `io`, `config`. Nothing below `cli`
//! imports it; the global flags reach commands as a plain [`context::GlobalSettings`].
//! `commands::create` and `batch` check invitation fields with `rules`, which imports
//! neither. `io` → `output` → `style`: the gate renders errors and runs `--jq` with
//! `output`, and rendering sees stdout through [`style::Screen`], never `io` itself.

pub mod access;
pub mod api;
pub mod auth;
pub mod batch;
pub mod browser;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod complete;
pub mod config;
pub mod context;
pub mod duration;
pub mod error;
pub mod fsutil;
pub mod index;
pub mod interrupt;
pub mod io;
pub mod manual;
pub mod output;
pub mod panic;
pub mod rules;
pub mod secret;
pub mod style;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use config::Config;
use context::Context;
use io::Io;

/// Parses the process arguments, runs the command and returns its exit status.
pub fn main() -> ExitCode {
    panic::install();
    // `COMPLETE=<shell> netinvite -- <words>`: the shell asks for candidates (see
    // complete.rs); answered from local files only, then the process exits.
    clap_complete::CompleteEnv::with_factory(|| {
        complete::with_candidates(Cli::command(), Cli::command)
    })
    .completer("netinvite")
    .complete();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return clap_failure(e),
    };
    match cli.command {
        Command::HoldClipboard => return clipboard::hold(),
        Command::Panic => panic::deliberate(),
        _ => {}
    }
    let g = &cli.global;
    let verbosity = g.verbosity();
    // `--jq` implies `--json`, and compiles before anything else runs.
    let json = g.json || g.jq.is_some();
    let mut io = Io::new(g.color, verbosity, json, g.no_input);
    if let Some(expr) = &g.jq {
        match text_only(&cli.command).and_then(|()| output::jq::Jq::compile(expr)) {
            Ok(jq) => {
                io::route_jq_messages();
                io.jq = Some(jq);
            }
            Err(e) => {
                io.error(&e);
                return ExitCode::from(e.exit_code());
            }
        }
    }
    // Without an id these commands offer a picker, which needs a terminal; elsewhere the
    // id stays required, with the usage error clap has always given for it.
    if let Some((sub, arg)) = missing_id(&cli.command)
        && !io.can_prompt()
    {
        return clap_failure(id_required(sub, arg));
    }
    if let Command::Help(args) = &cli.command {
        return match manual::help(Cli::command(), &args.command).and_then(|text| io.out(&text)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                io.error(&e);
                ExitCode::from(e.exit_code())
            }
        };
    }
    let result = Config::dir_from_env()
        .and_then(Config::load)
        .and_then(|config| {
            for w in &config.warnings {
                io.warn(w);
            }
            let mut ctx = Context::new(io, config, g.settings());
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| error::CliError::Io {
                    what: "cannot start the async runtime".into(),
                    message: e.to_string(),
                })?;
            let r = rt.block_on(dispatch(&mut ctx, cli.command));
            Ok((r, ctx))
        });
    match result {
        Ok((Ok(()), _)) => ExitCode::SUCCESS,
        Ok((Err(e), ctx)) => {
            ctx.io.error(&e);
            ExitCode::from(e.exit_code())
        }
        Err(e) => {
            let io = Io::new(cli.global.color, verbosity, json, true);
            io.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// `--jq` on a command that prints text rather than JSON is refused before it runs (so
/// that `auth token --jq .` never fetches a token only to fail).
fn text_only(command: &Command) -> Result<(), error::CliError> {
    let name = match command {
        Command::Completions(_) => "`netinvite completions`",
        Command::Help(_) => "`netinvite help`",
        Command::Auth(commands::auth::AuthCommand::Token(_)) => "`netinvite auth token`",
        Command::HoldClipboard => "this command",
        _ => return Ok(()),
    };
    Err(error::CliError::JqNeedsJson {
        command: name.into(),
    })
}

/// The subcommand and argument of a command that needs an invitation id and got none.
fn missing_id(command: &Command) -> Option<(&'static str, &'static str)> {
    match command {
        Command::Show(a) if a.id.is_none() => Some(("show", "id")),
        Command::CopyLink(a) if a.id.is_none() => Some(("copy-link", "id")),
        Command::Resend(a) if a.ids.is_empty() => Some(("resend", "ids")),
        Command::Revoke(a) if a.ids.is_empty() && a.status.is_none() => Some(("revoke", "ids")),
        Command::Wait(a) if a.ids.is_empty() => Some(("wait", "ids")),
        _ => None,
    }
}

/// clap's own error for the missing id: the arguments parsed again by the command with
/// the id required, so that the text (and its usage line) is exactly what it was before
/// the picker existed.
fn id_required(sub: &str, arg: &'static str) -> clap::Error {
    let cmd = Cli::command().mut_subcommand(sub, |c| c.mut_arg(arg, |a| a.required(true)));
    match cmd.try_get_matches_from(std::env::args_os()) {
        Err(e) => e,
        Ok(_) => Cli::command().error(
            clap::error::ErrorKind::MissingRequiredArgument,
            format!("`netinvite {sub}` needs an invitation id"),
        ),
    }
}

/// Runs one parsed command.
async fn dispatch(ctx: &mut Context, command: Command) -> Result<(), error::CliError> {
    match command {
        Command::Login(a) => commands::login::run(ctx, a).await,
        Command::Logout(a) => commands::logout::run(ctx, a).await,
        Command::Auth(a) => commands::auth::run(ctx, a).await,
        Command::Networks(a) => commands::networks::run(ctx, a).await,
        Command::Create(a) => commands::create::run(ctx, a).await,
        Command::List(a) => commands::list::run(ctx, a).await,
        Command::Show(a) => commands::show::run(ctx, a).await,
        Command::CopyLink(a) => commands::copy_link::run(ctx, a).await,
        Command::Resend(a) => commands::resend::run(ctx, a).await,
        Command::Revoke(a) => commands::revoke::run(ctx, a).await,
        Command::Inspect(a) => commands::inspect::run(ctx, a).await,
        Command::Accept(a) => commands::accept::run(ctx, a).await,
        Command::Wait(a) => commands::wait::run(ctx, a).await,
        Command::Members(a) => commands::members::run(ctx, a).await,
        Command::Sync(a) => commands::sync::run(ctx, a).await,
        Command::History(a) => commands::history::run(ctx, a).await,
        Command::Api(a) => commands::api::run(ctx, a).await,
        Command::Doctor(a) => commands::doctor::run(ctx, a).await,
        Command::Config(a) => commands::config::run(ctx, a),
        Command::Completions(a) => commands::completions::run(ctx, a),
        // Handled in `main` before the runtime starts.
        Command::HoldClipboard | Command::Panic | Command::Help(_) => Ok(()),
    }
}

/// Help and version go to stdout with status 0; usage errors exit 2, as JSON with `--json`.
fn clap_failure(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(error::USAGE)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            let json = std::env::args_os().any(|a| {
                a.to_str()
                    .is_some_and(|a| a == "--json" || a == "--jq" || a.starts_with("--jq="))
            });
            if json {
                let text = e.to_string();
                let message = text
                    .lines()
                    .next()
                    .unwrap_or("usage error")
                    .trim_start_matches("error: ")
                    .to_string();
                let v = serde_json::json!({
                    "error": {
                        "code": "usage",
                        "message": message,
                        "details": text.lines().skip(1).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>(),
                        "hint": "see `netinvite --help`",
                        "exit_code": error::USAGE,
                    }
                });
                eprintln!("{v}");
            } else {
                let _ = e.print();
            }
            ExitCode::from(error::USAGE)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `src/`, as (path relative to `src/`, text).
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        assert!(files.len() > 20);
        files
            .into_iter()
            .map(|f| {
                let rel = f
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, std::fs::read_to_string(&f).unwrap())
            })
            .collect()
    }

    /// Whether code in `text` (comments aside) names `crate::{module}` or a path inside it.
    fn imports(text: &str, module: &str) -> bool {
        let path = format!("crate::{module}");
        text.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| {
                l.match_indices(&path).any(|(i, m)| {
                    !l[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                })
            })
    }

    /// The command line is known only to `cli.rs` and to the dispatch here: a module below
    /// that imports it would make the dependency circular again.
    #[test]
    fn nothing_below_cli_imports_it() {
        for (rel, text) in sources() {
            if rel == "lib.rs" || rel == "cli.rs" || rel == "main.rs" {
                continue;
            }
            assert!(
                !imports(&text, "cli"),
                "src/{rel} imports crate::cli; pass what it needs in instead"
            );
        }
    }

    /// The invitation field rules sit below both the single and the bulk command, and
    /// below the terminal: importing any of those would bring a circle back.
    #[test]
    fn rules_import_nothing_above_them() {
        let (_, text) = sources()
            .into_iter()
            .find(|(r, _)| r == "rules.rs")
            .unwrap();
        for module in ["cli", "commands", "batch", "io", "output", "context"] {
            assert!(
                !imports(&text, module),
                "src/rules.rs imports crate::{module}; the rules must stay below it"
            );
        }
    }

    /// Styling sits below both `io` and `output` and needs nothing from the crate.
    #[test]
    fn style_imports_nothing_from_the_crate() {
        let (_, text) = sources()
            .into_iter()
            .find(|(r, _)| r == "style.rs")
            .unwrap();
        for module in [
            "cli", "commands", "batch", "io", "output", "error", "context",
        ] {
            assert!(
                !imports(&text, module),
                "src/style.rs imports crate::{module}; styling must stay below it"
            );
        }
    }

    /// `io` (the output gate) uses `output` (error rendering, `--jq`, escaping), so
    /// rendering must not use the gate: it sees stdout through `style::Screen`.
    #[test]
    fn output_does_not_import_io() {
        let mut checked = 0;
        for (rel, text) in sources() {
            if !rel.starts_with("output/") {
                continue;
            }
            checked += 1;
            assert!(
                !imports(&text, "io"),
                "src/{rel} imports crate::io; take a `&dyn style::Screen` instead"
            );
        }
        assert!(checked > 5);
    }
}

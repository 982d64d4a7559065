//! netinvite: invite people into Nebula Commander networks from the terminal.
//!
//! Layout: `cli` parses, `commands/` holds one file per subcommand, `context` selects the
//! profile and signs the API client in, `api/` speaks HTTP to the server, `auth/` keeps
//! and renews tokens, `output/` renders, `io` is the only place that prints, and `error`
//! owns every message and exit status. `fsutil` writes state files crash-safely, `panic`
//! turns a crash into a short secret-free report, `interrupt` lets a multi-id command stop
//! cleanly on Ctrl-C.
//!
//! Dependencies run one way: `lib` (dispatch) → `cli` (clap's types) → `commands` →
//! `context`, `api`, `auth`, `output`, `io`, `config`. Nothing below `cli` imports it; the
//! global flags reach commands as a plain [`context::GlobalSettings`].

pub mod api;
pub mod auth;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod fsutil;
pub mod index;
pub mod interrupt;
pub mod io;
pub mod output;
pub mod panic;
pub mod secret;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use config::Config;
use context::Context;
use io::Io;

/// Parses the process arguments, runs the command and returns its exit status.
pub fn main() -> ExitCode {
    panic::install();
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
    let io = Io::new(g.color, verbosity, g.json, g.no_input);
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
            let io = Io::new(cli.global.color, verbosity, cli.global.json, true);
            io.error(&e);
            ExitCode::from(e.exit_code())
        }
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
        Command::Doctor(a) => commands::doctor::run(ctx, a).await,
        Command::Config(a) => commands::config::run(ctx, a),
        Command::Completions(a) => commands::completions::run(ctx, a, Cli::command()),
        // Handled in `main` before the runtime starts.
        Command::HoldClipboard | Command::Panic => Ok(()),
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
            let json = std::env::args_os().any(|a| a == "--json");
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
    /// The command line is known only to `cli.rs` and to the dispatch here: a module below
    /// that imports it would make the dependency circular again.
    #[test]
    fn nothing_below_cli_imports_it() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        assert!(files.len() > 20);
        for f in files {
            let rel = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            if rel == "lib.rs" || rel == "cli.rs" || rel == "main.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let imports = text.match_indices("crate::cli").any(|(i, m)| {
                !text[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            });
            assert!(
                !imports,
                "src/{rel} imports crate::cli; pass what it needs in instead"
            );
        }
    }
}

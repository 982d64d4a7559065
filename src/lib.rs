//! netinvite: invite people into Nebula Commander networks from the terminal.
//!
//! Layout: `cli` parses, `commands/` holds one file per subcommand, `context` selects the
//! profile and signs the API client in, `api/` speaks HTTP to the server, `auth/` keeps
//! and renews tokens, `output/` renders, `io` is the only place that prints, and `error`
//! owns every message and exit status.

pub mod api;
pub mod auth;
pub mod batch;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod context;
pub mod duration;
pub mod error;
pub mod fsutil;
pub mod index;
pub mod io;
pub mod output;
pub mod secret;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use config::Config;
use context::Context;
use io::{Io, Verbosity};

/// Parses the process arguments, runs the command and returns its exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return clap_failure(e),
    };
    if matches!(cli.command, Command::HoldClipboard) {
        return clipboard::hold();
    }
    let g = cli.global.clone();
    let verbosity = if g.quiet {
        Verbosity::Quiet
    } else if g.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let io = Io::new(g.color, verbosity, g.json, g.no_input);
    let result = Config::dir_from_env()
        .and_then(Config::load)
        .and_then(|config| {
            let mut ctx = Context::new(io, config, g);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| error::CliError::Io {
                    what: "cannot start the async runtime".into(),
                    message: e.to_string(),
                })?;
            let r = rt.block_on(commands::run(&mut ctx, cli.command));
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

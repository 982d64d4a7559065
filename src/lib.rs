//! netinvite: invite people into Nebula Commander networks from the terminal.
//!
//! Layout: `cli` parses, `commands/` holds one file per subcommand, `context` selects the
//! profile and signs the API client in, `api/` speaks HTTP to the server, `auth/` keeps
//! and renews tokens, `output/` renders, `io` is the only place that prints, and `error`
//! owns every message and exit status.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod complete;
pub mod config;
pub mod context;
pub mod error;
pub mod fsutil;
pub mod index;
pub mod io;
pub mod manual;
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
    // `COMPLETE=<shell> netinvite -- <words>`: the shell asks for candidates (see
    // complete.rs); answered from local files only, then the process exits.
    clap_complete::CompleteEnv::with_factory(complete::command)
        .completer("netinvite")
        .complete();
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
    if let Command::Help(args) = &cli.command {
        return match manual::help(&args.command).and_then(|text| io.out(&text)) {
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

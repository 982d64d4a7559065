//! Shell completion, served by the binary itself: the scripts in completions/ only hand
//! the command line to `COMPLETE=<shell> netinvite -- <words>` (clap_complete's dynamic
//! engine), which answers from the clap definition plus two kinds of candidates that
//! change at run time, both read from the local index (src/index.rs) without any request:
//!
//! - invitation ids, described by address and effective status (`42 -- ana@example.com
//!   (pending)`), for the commands in [`ID_COMMANDS`], each offered the ids it can act on;
//! - network names, for every `--network`.
//!
//! Why the dynamic engine rather than static scripts calling a hidden subcommand: clap's
//! static generators have no hook for run-time values, so that route means five
//! hand-maintained shell functions; the engine gives bash, zsh, fish, PowerShell and
//! elvish the same behaviour from one Rust function per kind of value.

use std::ffi::OsString;

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::config::Config;
use crate::context::{Context, GlobalSettings};
use crate::index::Index;
use crate::io::{ColorChoice, Io, Verbosity};

/// Which known invitations a command is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// Every one.
    All,
    /// Pending and not past the deadline (the only ones a resend or a link is good for).
    Pending,
    /// Every one not revoked yet.
    NotRevoked,
}

/// Commands whose positional arguments are invitation ids, and which ids they are
/// offered. Adding a command is adding its line here.
pub const ID_COMMANDS: &[(&str, Offer)] = &[
    ("show", Offer::All),
    ("copy-link", Offer::Pending),
    ("resend", Offer::Pending),
    ("revoke", Offer::NotRevoked),
    ("wait", Offer::Pending),
];

/// Builds the command line (`cli` passes its own, so that this module need not know it).
pub type Factory = fn() -> clap::Command;

/// `cmd` with the run-time candidates attached (the completion factory); `factory`
/// rebuilds it to read the words being completed.
pub fn with_candidates(cmd: clap::Command, factory: Factory) -> clap::Command {
    let cmd = cmd.mut_subcommands(|sub| {
        let sub = with_network_names(sub, factory);
        match ID_COMMANDS.iter().find(|(name, _)| *name == sub.get_name()) {
            Some(&(_, offer)) => sub.mut_args(|a| {
                if a.is_positional() {
                    a.add(ArgValueCandidates::new(move || {
                        invitation_ids(factory, offer)
                    }))
                } else {
                    a
                }
            }),
            None => sub,
        }
    });
    with_network_names(cmd, factory)
}

/// Attaches network names to `--network` of `cmd` and of its subcommands.
fn with_network_names(cmd: clap::Command, factory: Factory) -> clap::Command {
    cmd.mut_args(|a| {
        if a.get_id() == "network" {
            a.add(ArgValueCandidates::new(move || network_names(factory)))
        } else {
            a
        }
    })
    .mut_subcommands(|sub| with_network_names(sub, factory))
}

/// The words of the command line being completed: what follows `--` in
/// `netinvite -- netinvite show 4`.
fn words() -> Vec<OsString> {
    let args: Vec<OsString> = std::env::args_os().collect();
    match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    }
}

/// The index of the profile the command line selects (`--profile`, `--server`, their
/// environment variables, else the default profile), read from disk only.
fn selected_index(factory: Factory) -> Option<Index> {
    let matches = factory()
        .ignore_errors(true)
        .try_get_matches_from(words())
        .ok()?;
    // Global flags (and their environment variables) land in the subcommand's matches
    // when given after it, in the top level's otherwise.
    let find = |id: &str| {
        let mut m = Some(&matches);
        let mut found = None;
        while let Some(cur) = m {
            if let Ok(Some(v)) = cur.try_get_one::<String>(id) {
                found = Some(v.clone());
            }
            m = cur.subcommand().map(|(_, sub)| sub);
        }
        found
    };
    let settings = GlobalSettings {
        server: find("server"),
        profile: find("profile"),
        ..Default::default()
    };
    let config = Config::dir_from_env().and_then(Config::load).ok()?;
    let io = Io::new(ColorChoice::Never, Verbosity::Quiet, false, true);
    let selected = Context::new(io, config, settings).select().ok()?;
    Some(Index::open(
        &selected.name,
        &selected.profile.server,
        crate::index::Load::Background,
    ))
}

/// Known invitation ids that `offer` admits, newest first, each described by address
/// and effective status.
pub fn invitation_ids(factory: Factory, offer: Offer) -> Vec<CompletionCandidate> {
    let Some(index) = selected_index(factory) else {
        return Vec::new();
    };
    let now = chrono::Utc::now().timestamp();
    let mut known: Vec<_> = index.invitations().collect();
    known.sort_unstable_by_key(|k| std::cmp::Reverse(k.0));
    known
        .into_iter()
        .filter_map(|(id, e)| {
            let status = if e.status == "pending" && e.expires_at.is_some_and(|t| t <= now) {
                "expired"
            } else {
                e.status.as_str()
            };
            let offered = match offer {
                Offer::All => true,
                Offer::Pending => status == "pending",
                Offer::NotRevoked => status != "revoked",
            };
            offered.then_some((id, e, status))
        })
        .map(|(id, e, status)| {
            CompletionCandidate::new(id.to_string())
                .help(Some(
                    format!("{} ({status})", crate::output::printable(&e.email)).into(),
                ))
                .display_order(None)
        })
        .collect()
}

/// Known network names, described by id.
pub fn network_names(factory: Factory) -> Vec<CompletionCandidate> {
    let Some(index) = selected_index(factory) else {
        return Vec::new();
    };
    index
        .networks()
        .map(|(id, name)| {
            CompletionCandidate::new(name.to_string()).help(Some(format!("network {id}").into()))
        })
        .collect()
}

//! The command line: global flags and the list of subcommands. Each subcommand's own
//! arguments live beside its code in `commands/`.

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::context::GlobalSettings;
use crate::io::{ColorChoice, Verbosity};

/// Invite people into Nebula Commander networks.
///
/// Sign in once with `netinvite login --server URL`; then create, list, show, copy the
/// link of, resend and revoke invitations. Tables for people, `--json` for scripts.
#[derive(Debug, Parser)]
#[command(
    name = "netinvite",
    version,
    propagate_version = true,
    disable_help_subcommand = true,
    after_help = "Exit status: 0 ok, 1 failure, 2 usage error or cancelled, 3 not found, 4 sign-in needed,\n5 permission denied, 6 conflict, 7 server unreachable or server error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)
    #[arg(long, global = true, env = "NETINVITE_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// Profile to use (see `netinvite config list`)
    #[arg(long, global = true, env = "NETINVITE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Print JSON on stdout; errors become JSON on stderr
    #[arg(long, global = true)]
    pub json: bool,

    /// Filter the JSON output with a jq expression (implies --json); strings print raw
    #[arg(long, global = true, value_name = "EXPR")]
    pub jq: Option<String>,

    /// Print nothing but data and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Show each request (method, URL, status, timing) and each retry on stderr; never a token
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Never prompt; fail instead of asking
    #[arg(long, global = true, env = "NETINVITE_NO_INPUT", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_input: bool,

    /// Seconds to wait for a connection to the server [default: 5]
    #[arg(long, global = true, env = "NETINVITE_CONNECT_TIMEOUT", value_name = "SECONDS", value_parser = crate::config::parse_seconds)]
    pub connect_timeout: Option<std::time::Duration>,

    /// Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]
    #[arg(long, global = true, env = "NETINVITE_READ_TIMEOUT", value_name = "SECONDS", value_parser = crate::config::parse_seconds)]
    pub read_timeout: Option<std::time::Duration>,

    /// Seconds a command may spend waiting on the server, retries and their pauses included
    /// (for bulk create, bulk revoke and wait: each request) [default: 80]
    #[arg(long, global = true, env = "NETINVITE_MAX_TIME", value_name = "SECONDS", value_parser = crate::config::parse_seconds)]
    pub max_time: Option<std::time::Duration>,

    /// When to use colour (NO_COLOR is honoured by `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Also trust the CA certificate(s) in this PEM file, besides the built-in roots (or
    /// NETINVITE_CA_CERT; a profile keeps one with `config set ca-cert`)
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
}

impl Global {
    /// The settings commands act on.
    pub fn settings(&self) -> GlobalSettings {
        GlobalSettings {
            server: self.server.clone(),
            profile: self.profile.clone(),
            ca_cert: self.ca_cert.clone(),
            connect_timeout: self.connect_timeout,
            timeout: self.read_timeout,
            max_time: self.max_time,
        }
    }

    /// How chatty stderr is.
    pub fn verbosity(&self) -> Verbosity {
        if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a server and keep the token in the OS keyring
    Login(commands::login::LoginArgs),
    /// Forget the stored sign-in
    Logout(commands::logout::LogoutArgs),
    /// Inspect the current sign-in
    #[command(subcommand)]
    Auth(commands::auth::AuthCommand),
    /// List the networks you can see
    Networks(commands::networks::NetworksArgs),
    /// Invite one or more people into a network
    Create(commands::create::CreateArgs),
    /// List invitations, newest first
    #[command(visible_alias = "ls")]
    List(commands::list::ListArgs),
    /// Show one invitation with every field
    Show(commands::show::ShowArgs),
    /// Put an invitation's link on the clipboard
    CopyLink(commands::copy_link::CopyLinkArgs),
    /// Send the invitation email again
    Resend(commands::resend::ResendArgs),
    /// Revoke invitations so their links stop working
    Revoke(commands::revoke::RevokeArgs),
    /// Wait until invitations are accepted (or their email is sent)
    Wait(commands::wait::WaitArgs),
    /// Who is in a network: list, change, add and offboard members
    #[command(subcommand)]
    Members(commands::members::MembersCommand),
    /// Make the server match a team file: invite, update, replace and (with --prune) remove
    Sync(commands::sync::SyncArgs),
    /// Who did what: invitation and membership events from the audit log (system admins)
    History(commands::history::HistoryArgs),
    /// Preview an invitation from its link, without signing in
    Inspect(commands::inspect::InspectArgs),
    /// Accept an invitation (as the invitee)
    Accept(commands::accept::AcceptArgs),
    /// Make an authenticated request to any API path (like `gh api`)
    Api(commands::api::ApiArgs),
    /// Check the server, the sign-in set-up, the keyring and the clipboard
    Doctor(commands::doctor::DoctorArgs),
    /// Show or change profile settings
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Print a shell completion script
    Completions(commands::completions::CompletionsArgs),
    /// Show the help of netinvite or of a command, and where its manual page is
    Help(HelpArgs),
    /// Hold the clipboard (internal: started by copy-link)
    #[command(name = "__hold-clipboard", hide = true)]
    HoldClipboard,
    /// Crash on purpose (internal: lets the tests see the crash report)
    #[command(name = "__panic", hide = true)]
    Panic,
}

/// `netinvite help [COMMAND]…`: the same text as `--help`, and the manual page to read.
#[derive(Debug, Args)]
pub struct HelpArgs {
    /// The command (and subcommand), e.g. `list` or `auth status`
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

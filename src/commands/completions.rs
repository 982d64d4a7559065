//! `netinvite completions` — print a shell completion script. The script hands the
//! command line to the binary (`COMPLETE=<shell> netinvite -- …`, see src/complete.rs),
//! which completes commands, flags, invitation ids and network names from local files;
//! the copies in completions/ are checked by a test so they never drift.

use clap::Args;
use clap_complete::Shell;
use clap_complete::env::{EnvCompleter, Shells};

use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite completions bash > ~/.local/share/bash-completion/completions/netinvite\n  netinvite completions zsh > \"${fpath[1]}/_netinvite\"\n  netinvite completions fish > ~/.config/fish/completions/netinvite.fish\n  netinvite completions powershell >> $PROFILE\n  netinvite completions elvish >> ~/.config/elvish/rc.elv\n\nThe script runs `netinvite` from PATH while completing; it needs no update when netinvite does."
)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(ctx: &mut Context, args: CompletionsArgs) -> Result<(), CliError> {
    ctx.io.out(&script(args.shell))
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    use clap::ValueEnum;
    let name = shell
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let shells = Shells::builtins();
    let completer: &dyn EnvCompleter = shells
        .completer(&name)
        .expect("clap_complete has a completer for every shell it names");
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ =
        completer.write_registration("COMPLETE", "netinvite", "netinvite", "netinvite", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

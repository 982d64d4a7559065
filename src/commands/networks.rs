//! `netinvite networks` — the networks you can see, with their ids (invitations name a
//! network by id; netinvite also takes the name).

use clap::Args;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Format};

#[derive(Debug, Args)]
pub struct NetworksArgs {
    /// Output format (default: a table on a terminal, TSV otherwise)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub async fn run(ctx: &mut Context, args: NetworksArgs) -> Result<(), CliError> {
    let mut session = ctx.session().await?;
    let nets = session.call(|c| async move { c.networks().await }).await?;
    let format = Format::resolve(args.format, ctx.io.json, ctx.io.stdout_tty);
    if nets.is_empty() && format == Format::Table {
        ctx.io.status("No networks visible to you.");
        return Ok(());
    }
    let text = output::networks(&ctx.io, &nets, format, chrono::Utc::now());
    ctx.io.out(&text)
}

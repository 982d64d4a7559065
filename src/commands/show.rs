//! `netinvite show` — one invitation with every field. The server has no
//! single-invitation endpoint: the invitation is looked for in the narrowest list slice
//! first (see `commands::lookup`), inside `--network` when given. Without an id, on a
//! terminal, the invitation is picked from the pending ones (`commands::pick`).

use clap::Args;

use crate::commands::find_one;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, json};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Invitation id (on a terminal, without it: pick from the pending invitations)
    #[arg(value_name = "ID")]
    pub id: Option<String>,

    /// The invitation's network (name or id), to fetch less on large servers
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,
}

pub async fn run(ctx: &mut Context, args: ShowArgs) -> Result<(), CliError> {
    let (session, inv) = find_one(ctx, args.id.as_deref(), args.network.as_deref()).await?;
    let base = session.selected.public_base();
    let now = chrono::Utc::now();
    if ctx.io.json {
        return ctx.io.out(&json::to_pretty(&json::InvitationJson::new(
            &inv, &base, now,
        )));
    }
    ctx.io
        .out(&output::invitation_detail(&ctx.io, &inv, &base, now))
}

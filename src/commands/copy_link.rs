//! `netinvite copy-link` — put an invitation's accept link on the clipboard (it stays
//! there after netinvite exits), or print it. A link is never lost: without a clipboard
//! it is printed. Without an id, on a terminal, the invitation is picked from the pending
//! ones (`commands::pick`).

use clap::Args;

use crate::clipboard;
use crate::commands::find_one;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

#[derive(Debug, Args)]
pub struct CopyLinkArgs {
    /// Invitation id (on a terminal, without it: pick from the pending invitations)
    #[arg(value_name = "ID")]
    pub id: Option<String>,

    /// Print the link to stdout instead of copying it
    #[arg(long, short = 'p')]
    pub print: bool,

    /// The invitation's network (name or id), to fetch less on large servers
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,
}

pub async fn run(ctx: &mut Context, args: CopyLinkArgs) -> Result<(), CliError> {
    let (session, inv) = find_one(ctx, args.id.as_deref(), args.network.as_deref()).await?;
    let id = inv.id;
    let link = output::link(&session.selected.public_base(), &inv.token);
    let status = inv.effective_status(chrono::Utc::now());
    if status != "pending" {
        ctx.io.warn(&format!(
            "invitation {id} is {status}: its link will not let anyone in"
        ));
    }
    if ctx.io.json {
        let copied = !args.print && clipboard::copy(&link).is_ok();
        let v = serde_json::json!({ "id": id, "link": link, "copied": copied, "status": status });
        return ctx.io.out(&output::json::to_pretty(&v));
    }
    if args.print {
        return ctx.io.outln(&link);
    }
    match clipboard::copy(&link) {
        Ok(()) => {
            ctx.io.status(&format!(
                "✓ Copied the link of invitation {id} ({} → {}) to the clipboard",
                inv.email, inv.network_name
            ));
            Ok(())
        }
        Err(reason) => {
            ctx.io.note(&format!(
                "no clipboard available ({reason}); here is the link:"
            ));
            ctx.io.outln(&link)
        }
    }
}

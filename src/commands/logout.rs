//! `netinvite logout` — forget the stored sign-in of a profile. The profile itself (its
//! server and settings) stays, so `netinvite login` needs no `--server` next time.

use clap::Args;

use crate::auth;
use crate::context::Context;
use crate::error::CliError;
use crate::output::json::to_pretty;

#[derive(Debug, Args)]
pub struct LogoutArgs {}

pub async fn run(ctx: &mut Context, _args: LogoutArgs) -> Result<(), CliError> {
    let sel = ctx.select()?;
    if !sel.saved {
        return Err(CliError::NotSignedIn {
            server: sel.profile.server,
        });
    }
    auth::cache::remove(&auth::cache_key(&sel.name, &sel.profile));
    let removed = ctx.store(&sel).delete()?;
    if ctx.io.json {
        let v = serde_json::json!({
            "profile": sel.name,
            "server": sel.profile.server,
            "removed": removed,
        });
        ctx.io.out(&to_pretty(&v))?;
    } else if removed {
        ctx.io.status(&format!(
            "✓ Signed out of {} (profile {:?})",
            sel.profile.server, sel.name
        ));
    } else {
        ctx.io.status(&format!(
            "Not signed in to {} (profile {:?}); nothing to forget",
            sel.profile.server, sel.name
        ));
    }
    if std::env::var_os("NETINVITE_TOKEN").is_some() {
        ctx.io
            .note("NETINVITE_TOKEN is set and still overrides the stored sign-in");
    }
    Ok(())
}

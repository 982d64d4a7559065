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
    let store = ctx.store(&sel);
    // An OIDC sign-in also ends at the identity provider, when it offers revocation.
    let mut revoked = false;
    if let Ok(Some(tokens)) = store.load()
        && let Some(refresh) = &tokens.refresh_token
        && let (Some(issuer), Some(client_id)) = (&sel.profile.issuer, &sel.profile.client_id)
    {
        let net = sel.server_url().and_then(|u| ctx.net_for(&u));
        let provider = match &net {
            Ok(net) => auth::oidc::Provider::discover(issuer, client_id, net, ctx.observer()).await,
            Err(e) => Err(e.clone()),
        };
        match provider {
            Ok(p) => revoked = p.revoke(refresh).await,
            Err(e) => ctx.io.warn(&format!(
                "could not revoke the refresh token at the identity provider: {}",
                e.message()
            )),
        }
    }
    let removed = store.delete()?;
    if ctx.io.json {
        let v = serde_json::json!({
            "profile": sel.name,
            "server": sel.profile.server,
            "removed": removed,
            "revoked_at_issuer": revoked,
        });
        ctx.io.out(&to_pretty(&v))?;
    } else if removed {
        ctx.io.status(&format!(
            "✓ Signed out of {} (profile {:?}){}",
            sel.profile.server,
            sel.name,
            if revoked {
                "; the refresh token is revoked at the identity provider"
            } else {
                ""
            }
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

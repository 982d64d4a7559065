//! One file per subcommand, plus the few lookups several of them share: invitation ids,
//! invitation links, a `--network` filter and "find invitations by id" (the server has no
//! single-invitation endpoint; `lookup` picks the narrowest list requests). Resolving a
//! network name is an invitation field rule and lives in `rules`, below bulk input too.
//!
//! Nothing here knows the command line as a whole: `cli` declares it from the argument
//! structs defined here and `lib.rs` dispatches, so the dependency runs one way
//! (`cli` → `commands` → `context`, `api`, …).

pub mod accept;
pub mod api;
pub mod auth;
pub mod completions;
pub mod config;
pub mod copy_link;
pub mod create;
pub mod doctor;
pub mod history;
pub mod inspect;
pub mod list;
pub mod login;
pub mod logout;
pub mod lookup;
pub mod members;
pub mod networks;
pub mod pick;
pub mod resend;
pub mod revoke;
pub mod show;
pub mod sync;
pub mod wait;

use crate::api::models::Invitation;
use crate::context::{Context, Session};
use crate::error::CliError;
pub use crate::rules::resolve_network;

/// Parses an invitation id: a positive whole number.
pub fn parse_id(input: &str) -> Result<i64, CliError> {
    let t = input.trim().trim_start_matches('#');
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(CliError::InvalidId {
            input: input.to_string(),
        }),
    }
}

/// Parses every id first, so that a typo fails before any request.
pub fn parse_ids(inputs: &[String]) -> Result<Vec<i64>, CliError> {
    let mut ids = Vec::with_capacity(inputs.len());
    for s in inputs {
        let id = parse_id(s)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// An invitation link or a bare token: the base URL (if a link) and the token.
pub fn parse_link(input: &str) -> Result<(Option<String>, String), CliError> {
    let s = input.trim();
    let bad = || CliError::InvalidLink {
        input: input.to_string(),
    };
    let is_token = |t: &str| {
        (16..=128).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if s.contains("://") {
        let url = url::Url::parse(s).map_err(|_| bad())?;
        let path = url.path().trim_end_matches('/');
        let (prefix, token) = path.rsplit_once("/invitations/accept/").ok_or_else(bad)?;
        if !is_token(token) {
            return Err(bad());
        }
        let mut base = format!("{}://{}", url.scheme(), url.host_str().ok_or_else(bad)?);
        if let Some(p) = url.port() {
            base.push_str(&format!(":{p}"));
        }
        // `…//invitations/accept/…` leaves a trailing slash; bases never end in one.
        base.push_str(prefix.trim_end_matches('/'));
        return Ok((Some(base), token.to_string()));
    }
    if is_token(s) {
        return Ok((None, s.to_string()));
    }
    Err(bad())
}

/// Finds invitations by id in the fewest, narrowest list requests (see [`lookup`]),
/// inside `network_id` when given.
pub async fn find_invitations(
    session: &mut Session,
    ids: &[i64],
    network_id: Option<i64>,
) -> Result<Vec<Invitation>, CliError> {
    lookup::find(session, ids, network_id).await
}

/// Signs in and finds one invitation by its id argument, narrowed by `--network`; with
/// no id (only ever on a terminal: see `lib.rs`), lets the user pick a pending one.
pub async fn find_one(
    ctx: &Context,
    id: Option<&str>,
    network: Option<&str>,
) -> Result<(Session, Invitation), CliError> {
    let id = id.map(parse_id).transpose()?;
    let mut session = ctx.session().await?;
    let network_id = network_filter(&mut session, network).await?;
    let Some(id) = id else {
        let inv = pick::pick(ctx, &mut session, network_id, network).await?;
        return Ok((session, inv));
    };
    let inv = find_invitations(&mut session, &[id], network_id)
        .await?
        .remove(0);
    Ok((session, inv))
}

/// Resolves `--network` for a listing: an all-digit value is used as an id directly (no
/// extra request); a name costs one `GET /api/networks`.
pub async fn network_filter(
    session: &mut Session,
    network: Option<&str>,
) -> Result<Option<i64>, CliError> {
    let Some(n) = network else { return Ok(None) };
    if let Ok(id) = n.trim().parse::<i64>()
        && id > 0
    {
        return Ok(Some(id));
    }
    let nets = session.ensure_user_record().await?;
    Ok(Some(resolve_network(&nets, n)?.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id("42").unwrap(), 42);
        assert_eq!(parse_id("#7").unwrap(), 7);
        assert!(parse_id("0").is_err());
        assert!(parse_id("abc").is_err());
        assert!(parse_id("-3").is_err());
    }

    #[test]
    fn links() {
        let t = "DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE";
        let (b, tok) =
            parse_link(&format!("https://n.example.com/invitations/accept/{t}")).unwrap();
        assert_eq!(b.as_deref(), Some("https://n.example.com"));
        assert_eq!(tok, t);
        let (b, _) = parse_link(&format!("http://h:8080/nebula/invitations/accept/{t}/")).unwrap();
        assert_eq!(b.as_deref(), Some("http://h:8080/nebula"));
        let (b, tok) = parse_link(t).unwrap();
        assert!(b.is_none());
        assert_eq!(tok, t);
        // Found by fuzzing: a doubled slash left the base with a trailing one.
        let (b, _) = parse_link(&format!("http://h:8080/nebul//invitations/accept/{t}")).unwrap();
        assert_eq!(b.as_deref(), Some("http://h:8080/nebul"));
        assert!(parse_link("https://n.example.com/other/x").is_err());
        assert!(parse_link("not a token!").is_err());
    }
}

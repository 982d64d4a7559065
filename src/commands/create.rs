//! `netinvite create` — invite one or more addresses into a network.
//!
//! Everything that can be checked locally is checked before the first request (emails,
//! expiry, role). The network is resolved by name or id with one `GET /api/networks`,
//! which also makes sure the caller's user record exists on the server.

use clap::Args;

use crate::api::models::{Invitation, NewInvitation, status};
use crate::api::{KnownDetail, ListQuery};
use crate::clipboard;
use crate::commands::resolve_network;
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::output::{self, json};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite create --email ana@example.com --network lab\n  netinvite create --email a@x.org --email b@x.org --network lab --role owner --expires-in 14d\n  netinvite create --email ana@example.com --network lab --can-manage-nodes --copy"
)]
pub struct CreateArgs {
    /// Address to invite (repeat for several)
    #[arg(
        long = "email",
        short = 'e',
        value_name = "EMAIL",
        required_unless_present = "emails_from"
    )]
    pub emails: Vec<String>,

    /// Read addresses from a file, one per line (`-` for standard input; blank lines and
    /// lines starting with `#` are skipped)
    #[arg(long, value_name = "FILE")]
    pub emails_from: Option<std::path::PathBuf>,

    /// Network name or id
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: String,

    /// Role in the network: member or owner
    #[arg(long, default_value = "member", value_name = "ROLE")]
    pub role: String,

    /// Allow adding, editing and deleting nodes
    #[arg(long)]
    pub can_manage_nodes: bool,

    /// Allow sending further invitations for this network
    #[arg(long)]
    pub can_invite_users: bool,

    /// Allow editing groups and firewall rules
    #[arg(long)]
    pub can_manage_firewall: bool,

    /// How long the link stays valid, in whole days (1–365): 7, 7d or 2w
    #[arg(long, default_value = "7d", value_name = "DAYS")]
    pub expires_in: String,

    /// Revoke a pending invitation for the same address and network, then create anew
    #[arg(long)]
    pub replace: bool,

    /// Keep the address's case (by default it is lower-cased, as the server's duplicate
    /// check is case-sensitive)
    #[arg(long)]
    pub keep_case: bool,

    /// Put the link on the clipboard too
    #[arg(long)]
    pub copy: bool,
}

pub async fn run(ctx: &mut Context, args: CreateArgs) -> Result<(), CliError> {
    // Local validation first: nothing is sent unless every input is sound.
    let role = parse_role(&args.role)?;
    let days = parse_expiry(&args.expires_in)?;
    let mut inputs = args.emails.clone();
    if let Some(path) = &args.emails_from {
        inputs.extend(read_addresses(path)?);
    }
    if inputs.is_empty() {
        return Err(CliError::Usage {
            message: "no addresses to invite".into(),
            hint: Some("give --email ADDRESS, or addresses in the --emails-from file".into()),
        });
    }
    let mut emails = Vec::new();
    for e in &inputs {
        let addr = validate_email(e)?;
        let addr = if args.keep_case {
            addr
        } else {
            addr.to_lowercase()
        };
        if !emails
            .iter()
            .any(|x: &String| x.eq_ignore_ascii_case(&addr))
        {
            emails.push(addr);
        }
    }

    let mut session = ctx.session().await?;
    let nets = session.ensure_user_record().await?;
    let network = resolve_network(&nets, &args.network)?.clone();
    let base = session.selected.public_base();
    let now = chrono::Utc::now();

    let mut created: Vec<Invitation> = Vec::new();
    let mut failures: Vec<CliError> = Vec::new();
    for email in &emails {
        let body = NewInvitation {
            email: email.clone(),
            network_id: network.id,
            role: role.to_string(),
            can_manage_nodes: args.can_manage_nodes,
            can_invite_users: args.can_invite_users,
            can_manage_firewall: args.can_manage_firewall,
            expires_in_days: days,
        };
        match create_one(ctx, &mut session, &body, &network.name, args.replace).await {
            Ok(inv) => {
                session.remember(std::slice::from_ref(&inv));
                report(ctx, &inv, &base, now)?;
                created.push(inv);
            }
            Err(e) => {
                if emails.len() > 1 {
                    ctx.io.error(&with_email(e.clone(), email));
                }
                failures.push(e);
            }
        }
    }

    if ctx.io.json && !created.is_empty() {
        // One address: an object; several: an array of the ones created.
        let text = if emails.len() == 1 {
            json::invitations_one_or_many(&created[..1], &base, now)
        } else {
            json::to_pretty(
                &created
                    .iter()
                    .map(|i| json::InvitationJson::new(i, &base, now))
                    .collect::<Vec<_>>(),
            )
        };
        ctx.io.out(&text)?;
    }

    if args.copy && !created.is_empty() {
        let links: Vec<String> = created
            .iter()
            .map(|i| output::link(&base, &i.token))
            .collect();
        match clipboard::copy(&links.join("\n")) {
            Ok(()) => ctx.io.note(if links.len() == 1 {
                "the link is on the clipboard"
            } else {
                "the links are on the clipboard, one per line"
            }),
            Err(reason) => ctx.io.note(&format!(
                "the clipboard is not available ({reason}); the link is printed above"
            )),
        }
    }

    match failures.len() {
        0 => Ok(()),
        _ if emails.len() == 1 => Err(failures.remove(0)),
        n => {
            let first = failures[0].exit_code();
            let code = if failures.iter().all(|f| f.exit_code() == first) {
                first
            } else {
                crate::error::FAILURE
            };
            Err(CliError::Partial {
                failed: n,
                total: emails.len(),
                code,
            })
        }
    }
}

/// Creates one invitation; with `replace`, a pending one for the same address is revoked
/// first. A "pending" one past its deadline is named as such.
async fn create_one(
    ctx: &Context,
    session: &mut Session,
    body: &NewInvitation,
    network_name: &str,
    replace: bool,
) -> Result<Invitation, CliError> {
    match post(session, body).await {
        Ok(inv) => Ok(inv),
        Err(e) => match classify(&e) {
            Some(KnownDetail::AlreadyPending) => {
                let stale = find_pending(session, body.network_id, &body.email).await?;
                let now = chrono::Utc::now();
                match (replace, stale) {
                    (true, Some(old)) => {
                        let id = old.id;
                        session.call(|c| async move { c.revoke(id).await }).await?;
                        ctx.io.status(&format!(
                            "Revoked invitation {id} ({}) to replace it",
                            old.effective_status(now)
                        ));
                        post(session, body).await
                    }
                    (_, stale) => Err(CliError::AlreadyPending {
                        email: body.email.clone(),
                        network: network_name.to_string(),
                        stale: stale.map(|s| (s.id, s.is_past_deadline(now))),
                    }),
                }
            }
            Some(KnownDetail::AlreadyMember) => Err(CliError::AlreadyMember {
                email: body.email.clone(),
                network: network_name.to_string(),
            }),
            Some(KnownDetail::InvalidRole) => Err(CliError::InvalidRole {
                input: body.role.clone(),
            }),
            Some(KnownDetail::NetworkNotFound) => Err(CliError::NetworkNotFound {
                query: network_name.to_string(),
                candidates: Vec::new(),
            }),
            _ => Err(e),
        },
    }
}

async fn post(session: &mut Session, body: &NewInvitation) -> Result<Invitation, CliError> {
    session
        .call(|c| {
            let body = body.clone();
            async move { c.create_invitation(&body).await }
        })
        .await
        .map_err(|e| {
            if e.write_outcome_unknown() {
                CliError::create_outcome_unknown(e, &body.email)
            } else {
                e
            }
        })
}

fn classify(e: &CliError) -> Option<KnownDetail> {
    match e {
        CliError::Rejected { detail, .. } | CliError::PermissionDenied { detail } => {
            Some(KnownDetail::classify(detail))
        }
        CliError::NotFound { detail } => Some(KnownDetail::classify(detail)),
        _ => None,
    }
}

/// The stored-pending invitation for `email` in the network (case-insensitive, as accept is).
async fn find_pending(
    session: &mut Session,
    network_id: i64,
    email: &str,
) -> Result<Option<Invitation>, CliError> {
    let q = ListQuery {
        network_id: Some(network_id),
        status_filter: Some(status::PENDING),
    };
    let list = session.invitations(&q).await?;
    Ok(list
        .into_iter()
        .find(|i| i.email.eq_ignore_ascii_case(email) && i.status == status::PENDING))
}

fn with_email(e: CliError, email: &str) -> CliError {
    CliError::Item {
        label: email.to_string(),
        inner: Box::new(e),
    }
}

/// Prints one created invitation: a summary on stderr, the link on stdout.
fn report(
    ctx: &Context,
    inv: &Invitation,
    base: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), CliError> {
    let link = output::link(base, &inv.token);
    ctx.io.status(&format!(
        "✓ Invited {} to {} as {} (invitation {}, expires {})",
        inv.email,
        inv.network_name,
        inv.role,
        inv.id,
        output::time::relative(inv.expires_at, now)
    ));
    match inv.email_status.as_str() {
        "not_sent" => ctx.io.note(&format!(
            "no email was sent to {} (the server has no SMTP configured): share the link yourself",
            inv.email
        )),
        "sending" => ctx.io.note(&format!(
            "an email to {} is queued; the server does not report whether it went out (`netinvite resend {} --wait` does)",
            inv.email, inv.id
        )),
        "failed" => ctx.io.warn(&format!(
            "the email to {} failed: {}",
            inv.email,
            inv.email_error.as_deref().unwrap_or("no reason given")
        )),
        _ => {}
    }
    if !ctx.io.json {
        ctx.io.outln(&link)?;
    }
    Ok(())
}

/// Addresses from a file or stdin: one per line, `#` comments and blank lines skipped.
fn read_addresses(path: &std::path::Path) -> Result<Vec<String>, CliError> {
    use std::io::Read;
    let mut text = String::new();
    let res = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text).map(|_| ()))
    };
    res.map_err(|e| CliError::Io {
        what: format!("cannot read addresses from {}", path.display()),
        message: e.to_string(),
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// `member` or `owner`; `admin` (the product page's word) gets a pointed error.
pub fn parse_role(input: &str) -> Result<&'static str, CliError> {
    match input.trim().to_ascii_lowercase().as_str() {
        "member" => Ok("member"),
        "owner" => Ok("owner"),
        "admin" | "administrator" => Err(CliError::AdminRole),
        _ => Err(CliError::InvalidRole {
            input: input.to_string(),
        }),
    }
}

/// Whole days from 1 to 365: `7`, `7d`, `7days`, `2w`.
pub fn parse_expiry(input: &str) -> Result<u32, CliError> {
    let s = input.trim().to_ascii_lowercase();
    let bad = |reason: &str| CliError::InvalidExpiry {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(digits_end);
    if num.is_empty() {
        return Err(bad("expected a whole number of days"));
    }
    let n: u64 = num.parse().map_err(|_| bad("the number is too large"))?;
    let days = match unit.trim() {
        "" | "d" | "day" | "days" => n,
        "w" | "week" | "weeks" => n.saturating_mul(7),
        "h" | "m" | "s" | "min" | "hours" => {
            return Err(bad("invitations expire in whole days"));
        }
        _ if unit.starts_with('.') || unit.starts_with(',') => {
            return Err(bad("invitations expire in whole days"));
        }
        _ => return Err(bad("expected days, e.g. 7 or 7d")),
    };
    if days == 0 {
        return Err(bad(
            "must be at least 1 day (0 would create an invitation that is already expired)",
        ));
    }
    if days > 365 {
        return Err(bad("must be at most 365 days"));
    }
    Ok(days as u32)
}

/// Checks an address the way a person would expect: one `@`, a local part, a domain with
/// a dot, no spaces. Returns the trimmed address.
pub fn validate_email(input: &str) -> Result<String, CliError> {
    let s = input.trim();
    let bad = |reason: &str| CliError::InvalidEmail {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces"));
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(bad("it has no @"));
    };
    if local.is_empty() {
        return Err(bad("nothing before the @"));
    }
    if local.contains('@') {
        return Err(bad("it has more than one @"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad("the part before the @ has a misplaced dot"));
    }
    if local.chars().any(|c| "<>()[]\\,;:\"".contains(c)) {
        return Err(bad(
            "the part before the @ has characters addresses cannot have",
        ));
    }
    if domain.is_empty() {
        return Err(bad("nothing after the @"));
    }
    if !domain.contains('.') {
        return Err(bad("the domain has no dot"));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(bad("the domain has an empty part"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a domain part starts or ends with '-'"));
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(bad("the domain has characters domains cannot have"));
        }
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert_eq!(parse_role("member").unwrap(), "member");
        assert_eq!(parse_role("Owner").unwrap(), "owner");
        assert!(matches!(parse_role("admin"), Err(CliError::AdminRole)));
        assert!(matches!(
            parse_role("boss"),
            Err(CliError::InvalidRole { .. })
        ));
    }

    #[test]
    fn expiry() {
        assert_eq!(parse_expiry("7d").unwrap(), 7);
        assert_eq!(parse_expiry("7").unwrap(), 7);
        assert_eq!(parse_expiry("2w").unwrap(), 14);
        assert_eq!(parse_expiry("365d").unwrap(), 365);
        for bad in [
            "0",
            "0d",
            "366",
            "1.5d",
            "12h",
            "",
            "d",
            "-3",
            "abc",
            "99999999999999999999",
        ] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            validate_email(" ana@example.com ").unwrap(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@@b.com",
            "ana@exa_mple.com",
            "a..b@x.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }
}

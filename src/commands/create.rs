//! `netinvite create` — invite one or more addresses into a network.
//!
//! Everything that can be checked locally is checked before the first request (emails,
//! expiry, role). The network is resolved by name or id with one `GET /api/networks`,
//! which also makes sure the caller's user record exists on the server.
//!
//! `--from-file` is bulk onboarding: the whole file is checked first, one listing of the
//! pending invitations makes a re-run skip what exists, and the creates go through the
//! batch runner. A create whose answer was lost is looked up, never sent again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::api::models::{Invitation, NewInvitation, status};
use crate::api::{Client, KnownDetail, ListQuery};
use crate::batch::input::{self, Defaults, InputFormat, Planned};
use crate::batch::{self, DEFAULT_JOBS};
use crate::clipboard;
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::output::batch::{ItemResult, ndjson, summary, table};
use crate::output::{self, json};
use crate::rules::{parse_expiry, parse_role, resolve_network, validate_email};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite create --email ana@example.com --network lab\n  netinvite create --email a@x.org --email b@x.org --network lab --role owner --expires-in 14d\n  netinvite create --email ana@example.com --network lab --can-manage-nodes --copy\n  netinvite create --from-file team.csv --network lab --dry-run\n\nBulk input (--from-file): CSV with a header row, or JSON lines, with the columns email\n(required), network, role, can_manage_nodes, can_invite_users, can_manage_firewall,\nexpires_in; flags give the defaults for missing cells. Rows already pending in their\nnetwork, or whose address is already a member, are skipped, so a re-run creates only\nwhat is missing. Exit status 0 when every row was created or skipped, 1 otherwise."
)]
pub struct CreateArgs {
    /// Address to invite (repeat for several)
    #[arg(
        long = "email",
        short = 'e',
        value_name = "EMAIL",
        required_unless_present_any = ["emails_from", "from_file"],
        conflicts_with = "from_file"
    )]
    pub emails: Vec<String>,

    /// Read addresses from a file, one per line (`-` for standard input; blank lines and
    /// lines starting with `#` are skipped)
    #[arg(long, value_name = "FILE", conflicts_with = "from_file")]
    pub emails_from: Option<PathBuf>,

    /// Invite everyone in a CSV or JSON-lines file (`-` for standard input); see below
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,

    /// Format of --from-file (default: by extension, else by content)
    #[arg(long, value_enum, value_name = "FORMAT", requires = "from_file")]
    pub input_format: Option<InputFormat>,

    /// Send the valid rows even when some rows are bad (they are reported, exit 1)
    #[arg(long, requires = "from_file")]
    pub skip_invalid: bool,

    /// Check the file and show what would be created, without creating anything
    #[arg(long, requires = "from_file")]
    pub dry_run: bool,

    /// How many creates to have in flight at once (1–32; default 4)
    #[arg(long, short = 'j', value_name = "N", requires = "from_file")]
    pub jobs: Option<usize>,

    /// Network name or id (with --from-file: for rows without a network)
    #[arg(
        long,
        short = 'n',
        value_name = "NAME|ID",
        required_unless_present = "from_file"
    )]
    pub network: Option<String>,

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
    #[arg(long, conflicts_with = "from_file")]
    pub replace: bool,

    /// Keep the address's case (by default it is lower-cased, as the server's duplicate
    /// check is case-sensitive)
    #[arg(long)]
    pub keep_case: bool,

    /// Put the link on the clipboard too
    #[arg(long, conflicts_with = "from_file")]
    pub copy: bool,
}

pub async fn run(ctx: &mut Context, args: CreateArgs) -> Result<(), CliError> {
    if let Some(path) = &args.from_file {
        return run_file(ctx, &args, path).await;
    }
    for (given, flag) in [
        (args.input_format.is_some(), "--input-format"),
        (args.skip_invalid, "--skip-invalid"),
        (args.dry_run, "--dry-run"),
        (args.jobs.is_some(), "--jobs"),
    ] {
        if given {
            return Err(CliError::Usage {
                message: format!("{flag} only applies to --from-file"),
                hint: Some("netinvite create --from-file team.csv --network lab --dry-run".into()),
            });
        }
    }
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
    if emails.len() > 1 {
        // A batch: each address's requests get their own time budget.
        session.budget_per_request();
    }
    let nets = session.ensure_user_record().await?;
    let network = resolve_network(&nets, args.network.as_deref().unwrap_or_default())?.clone();
    // The server would refuse it: said in words, and nothing is sent.
    if !crate::access::Standing::of(&network).invites() {
        return Err(CliError::NotAllowed {
            what: format!("invite into network {:?}", network.name),
            who: crate::access::INVITERS,
            hint: Some(format!(
                "ask an owner of {:?} for can_invite_users, or to invite them",
                network.name
            )),
        });
    }
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
        Err(e) if e.write_outcome_unknown() => {
            // The answer was lost, not necessarily the write: look before saying.
            match find_pending(session, body.network_id, &body.email).await {
                Ok(Some(inv)) => {
                    ctx.io.note(&format!(
                        "the server's answer for {} was lost, but the invitation exists (invitation {})",
                        body.email, inv.id
                    ));
                    Ok(inv)
                }
                _ => Err(e),
            }
        }
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

/// `create --from-file`: check everything, list what is pending, create what is missing.
async fn run_file(ctx: &mut Context, args: &CreateArgs, path: &Path) -> Result<(), CliError> {
    let jobs = batch::check_jobs(args.jobs.unwrap_or(DEFAULT_JOBS))?;
    let role = parse_role(&args.role)?;
    let days = parse_expiry(&args.expires_in)?;
    let source = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let text = read_input(path, &source)?;
    let format = args
        .input_format
        .unwrap_or_else(|| InputFormat::detect(path, &text));
    let (raw, mut problems) = input::read(format, &text);
    if raw.is_empty() && !problems.is_empty() {
        // Nothing could be read at all (a broken header, a quote never closed).
        return Err(invalid_input(&source, &problems, 0, true));
    }

    let mut session = ctx.session().await?;
    // A batch as long as its input: each request gets its own time budget.
    session.budget_per_request();
    let nets = session.ensure_user_record().await?;
    let default_network = args
        .network
        .as_deref()
        .map(|n| resolve_network(&nets, n).cloned())
        .transpose()?;
    let defaults = Defaults {
        network: default_network,
        role,
        can_manage_nodes: args.can_manage_nodes,
        can_invite_users: args.can_invite_users,
        can_manage_firewall: args.can_manage_firewall,
        expires_in_days: days,
        keep_case: args.keep_case,
    };
    let (planned, more) = input::check(&raw, &defaults, &nets);
    problems.extend(more);
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() && !args.skip_invalid {
        return Err(invalid_input(&source, &problems, raw.len(), true));
    }

    let mut results: Vec<ItemResult> = Vec::new();
    let mut by_line: HashMap<usize, Vec<String>> = HashMap::new();
    for p in &problems {
        by_line.entry(p.line).or_default().push(match &p.column {
            Some(c) => format!("column {c}: {}", p.reason),
            None => p.reason.clone(),
        });
    }
    for (line, reasons) in by_line {
        let mut r = ItemResult::new("invalid");
        r.line = Some(line);
        r.code = Some("invalid_input");
        r.reason = Some(reasons.join("; "));
        r.email = raw
            .iter()
            .find(|row| row.line == line)
            .and_then(|row| row.cells.iter().find(|(c, _)| *c == "email"))
            .map(|(_, v)| v.clone());
        results.push(r);
    }

    // Same address and network twice in the file: the first row counts.
    let mut first_line: HashMap<(i64, String), usize> = HashMap::new();
    let mut unique: Vec<Planned> = Vec::new();
    for p in planned {
        let key = (p.network_id, p.email.to_lowercase());
        match first_line.get(&key) {
            Some(l) => {
                let mut r = row_result(&p, "skipped");
                r.reason = Some(format!("same address and network as line {l}"));
                results.push(r);
            }
            None => {
                first_line.insert(key, p.line);
                unique.push(p);
            }
        }
    }

    // Rows for a network the caller may not invite into: the server would refuse them
    // (and their listing), so they fail here, in words, and are never sent.
    let (unique, refused): (Vec<Planned>, Vec<Planned>) = unique.into_iter().partition(|p| {
        nets.iter()
            .find(|n| n.id == p.network_id)
            .is_none_or(|n| crate::access::Standing::of(n).invites())
    });
    for p in &refused {
        let mut r = row_result(p, "failed");
        r.code = Some("permission_denied");
        r.reason = Some(format!(
            "only {} can invite into {:?}",
            crate::access::INVITERS,
            nets.iter()
                .find(|n| n.id == p.network_id)
                .map_or("this network", |n| n.name.as_str())
        ));
        results.push(r);
    }

    // One listing up front makes a re-run skip what was already created.
    let pending = pending_by_address(&mut session, &unique).await?;
    let now = chrono::Utc::now();
    let mut to_create: Vec<Planned> = Vec::new();
    for p in unique {
        match pending.get(&(p.network_id, p.email.to_lowercase())) {
            Some(inv) if inv.is_past_deadline(now) => {
                let mut r = row_result(&p, "failed");
                r.code = Some("past_deadline");
                r.reason = Some(format!(
                    "invitation {} is past its deadline but still pending on the server, which refuses a new one: `netinvite revoke {}` and run again",
                    inv.id, inv.id
                ));
                r.invitation = Some(inv.clone());
                results.push(r);
            }
            Some(inv) => {
                let mut r = row_result(&p, "skipped");
                r.reason = Some("already has a pending invitation".into());
                r.invitation = Some(inv.clone());
                results.push(r);
            }
            None => to_create.push(p),
        }
    }

    if args.dry_run {
        for p in &to_create {
            results.push(row_result(p, "would_create"));
        }
        return finish(ctx, &session, results, false, "rows");
    }

    let bodies: Vec<NewInvitation> = to_create.iter().map(new_invitation).collect();
    let sent = batch::send_all(
        &mut session,
        &ctx.io,
        "inviting",
        &bodies,
        jobs,
        |c: Client, body: NewInvitation| async move { c.create_invitation(&body).await },
    )
    .await;

    let mut lost: Vec<(Planned, CliError)> = Vec::new();
    let mut created: Vec<Invitation> = Vec::new();
    for (p, outcome) in to_create.into_iter().zip(sent.results) {
        let Some(outcome) = outcome else {
            let mut r = row_result(&p, "not_sent");
            r.reason = Some("interrupted before it was sent".into());
            results.push(r);
            continue;
        };
        match outcome {
            Ok(inv) => {
                created.push(inv.clone());
                let mut r = row_result(&p, "created");
                r.invitation = Some(inv);
                results.push(r);
            }
            Err(e) if e.write_outcome_unknown() => lost.push((p, e)),
            Err(e) => results.push(failure_result(&p, &e)),
        }
    }
    for r in resolve_lost(&mut session, lost).await {
        if let Some(inv) = r.invitation.as_ref().filter(|_| r.status == "created") {
            created.push(inv.clone());
        }
        results.push(r);
    }
    session.remember(&created);
    finish(ctx, &session, results, sent.interrupted, "rows")
}

fn row_result(p: &Planned, status: &'static str) -> ItemResult {
    let mut r = ItemResult::new(status);
    r.line = Some(p.line);
    r.email = Some(p.email.clone());
    r.network_id = Some(p.network_id);
    r.network_name = Some(p.network_name.clone());
    r
}

pub(crate) fn new_invitation(p: &Planned) -> NewInvitation {
    NewInvitation {
        email: p.email.clone(),
        network_id: p.network_id,
        role: p.role.to_string(),
        can_manage_nodes: p.can_manage_nodes,
        can_invite_users: p.can_invite_users,
        can_manage_firewall: p.can_manage_firewall,
        expires_in_days: p.expires_in_days,
    }
}

/// A refused create: "already pending" (someone was quicker than the listing) and
/// "already a member" are skips; anything else fails the row.
fn failure_result(p: &Planned, e: &CliError) -> ItemResult {
    match classify(e) {
        Some(KnownDetail::AlreadyPending) => {
            let mut r = row_result(p, "skipped");
            r.reason = Some("already has a pending invitation".into());
            r
        }
        Some(KnownDetail::AlreadyMember) => {
            let mut r = row_result(p, "skipped");
            r.reason = Some("already a member of the network".into());
            r
        }
        _ => {
            let mut r = row_result(p, "failed");
            r.code = Some(e.code());
            r.reason = Some(e.message());
            r
        }
    }
}

/// The stored-pending invitations of the rows' networks, by (network, lower-cased
/// address): one listing per network when there are few, else one for all.
async fn pending_by_address(
    session: &mut Session,
    rows: &[Planned],
) -> Result<HashMap<(i64, String), Invitation>, CliError> {
    let mut networks: Vec<i64> = rows.iter().map(|p| p.network_id).collect();
    networks.sort_unstable();
    networks.dedup();
    let queries: Vec<Option<i64>> = match networks.len() {
        0 => Vec::new(),
        1..=3 => networks.iter().map(|n| Some(*n)).collect(),
        _ => vec![None],
    };
    let mut map = HashMap::new();
    for network_id in queries {
        let q = ListQuery {
            network_id,
            status_filter: Some(status::PENDING),
        };
        for inv in session.invitations(&q).await? {
            if inv.status == status::PENDING {
                map.insert((inv.network_id, inv.email.to_lowercase()), inv);
            }
        }
    }
    Ok(map)
}

/// Creates whose answer was lost: each network's pending slice is looked at (up to three
/// times, a moment apart, as the server may still be at it); found means created, not
/// found means it was not.
pub(crate) async fn resolve_lost(
    session: &mut Session,
    lost: Vec<(Planned, CliError)>,
) -> Vec<ItemResult> {
    let mut out = Vec::new();
    let mut left = lost;
    let looks = batch::SETTLE.len() + 1;
    for attempt in 0..looks {
        if left.is_empty() {
            break;
        }
        if attempt > 0 {
            tokio::time::sleep(batch::SETTLE[attempt - 1]).await;
        }
        let mut networks: Vec<i64> = left.iter().map(|(p, _)| p.network_id).collect();
        networks.sort_unstable();
        networks.dedup();
        let mut found: HashMap<(i64, String), Invitation> = HashMap::new();
        let mut lookup_error: Option<CliError> = None;
        for n in networks {
            let q = ListQuery {
                network_id: Some(n),
                status_filter: Some(status::PENDING),
            };
            match session.invitations(&q).await {
                Ok(list) => {
                    for inv in list {
                        found.insert((inv.network_id, inv.email.to_lowercase()), inv);
                    }
                }
                Err(e) => lookup_error = Some(e),
            }
        }
        let mut still = Vec::new();
        for (p, e) in left {
            match found.remove(&(p.network_id, p.email.to_lowercase())) {
                Some(inv) => {
                    let mut r = row_result(&p, "created");
                    r.reason =
                        Some("the server's answer was lost; the invitation was found".into());
                    r.invitation = Some(inv);
                    out.push(r);
                }
                None if attempt + 1 == looks || lookup_error.is_some() => {
                    let mut r = row_result(&p, "failed");
                    r.code = Some(e.code());
                    r.reason = Some(match &lookup_error {
                        Some(le) => format!(
                            "{}; looking it up failed too ({}): run again, rows already created are skipped",
                            e.message(),
                            le.message()
                        ),
                        None => format!(
                            "{}; no invitation was found afterwards, so it was not created: run again to retry",
                            e.message()
                        ),
                    });
                    out.push(r);
                }
                None => still.push((p, e)),
            }
        }
        left = still;
    }
    out
}

/// Prints the results (NDJSON, or a table and a count) and picks the exit status.
fn finish(
    ctx: &Context,
    session: &Session,
    mut results: Vec<ItemResult>,
    interrupted: bool,
    noun: &str,
) -> Result<(), CliError> {
    results.sort_by_key(|r| r.line.unwrap_or(0));
    let base = session.selected.public_base();
    let now = chrono::Utc::now();
    if ctx.io.json {
        ctx.io.out(&ndjson(&results, &base, now))?;
    } else if !results.is_empty() {
        ctx.io.out(&table(&ctx.io, &results, &base, true))?;
    }
    ctx.io.status(&summary(noun, &results));
    if results.iter().any(|r| {
        r.status == "created"
            && r.invitation
                .as_ref()
                .is_some_and(|i| i.email_status == "not_sent")
    }) {
        ctx.io.note(
            "no email was sent (the server has no SMTP configured): share the links yourself",
        );
    }
    let total = results.len();
    if interrupted {
        let done = results.iter().filter(|r| r.status != "not_sent").count();
        return Err(CliError::BatchInterrupted { done, total });
    }
    let failed = results.iter().filter(|r| !r.is_ok()).count();
    if failed > 0 {
        // Every row refused for want of permission: exit 5, as for a single create.
        let code = if results.iter().all(|r| r.code == Some("permission_denied")) {
            crate::error::PERMISSION
        } else {
            crate::error::FAILURE
        };
        return Err(CliError::Partial {
            failed,
            total,
            code,
        });
    }
    Ok(())
}

/// Every problem of a file as one refusal; `can_skip` when the command has --skip-invalid.
pub(crate) fn invalid_input(
    source: &str,
    problems: &[input::Problem],
    rows: usize,
    can_skip: bool,
) -> CliError {
    let mut lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    lines.sort_unstable();
    lines.dedup();
    CliError::InvalidInput {
        source: source.to_string(),
        problems: problems.iter().map(|p| p.text()).collect(),
        bad_rows: lines.len(),
        total_rows: rows.max(lines.len()),
        can_skip,
    }
}

/// The whole input as text; a byte that is not UTF-8 is reported with its line.
pub(crate) fn read_input(path: &Path, source: &str) -> Result<String, CliError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let res = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    res.map_err(|e| CliError::Io {
        what: format!("cannot read {source}"),
        message: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        CliError::InvalidInput {
            source: source.to_string(),
            problems: vec![format!(
                "line {line}: not UTF-8 text (save the file as UTF-8)"
            )],
            bad_rows: 1,
            total_rows: 1,
            can_skip: false,
        }
    })
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

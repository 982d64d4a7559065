//! `netinvite members` — what an accepted invitation turns into: list a network's
//! members, change their role and permissions, add an existing account, and offboard
//! (remove the membership and revoke the address's pending invitations in one step).
//!
//! Every rule the server enforces (api.md 3.12) is checked first, so that a refusal is
//! explained in words before anything is sent: only owners and system admins list,
//! change and remove members; only system admins can look accounts up by address; a
//! network keeps at least one owner.

use clap::{Args, Subcommand};

use crate::access::{Caller, MEMBER_MANAGERS, Standing};
use crate::api::ListQuery;
use crate::api::models::{Invitation, Member, MemberChange, Network, NewMember, status};
use crate::commands::resolve_network;
use crate::context::{Context, Session};
use crate::error::{CliError, shell_word};
use crate::output::json::to_pretty;
use crate::output::members::{NetworkMember, render, sort};
use crate::output::{self, Format};
use crate::rules::{parse_role, validate_email};

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// List who is in a network: role, permissions, who invited them and since when
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Change members' role or permissions (unnamed fields stay as they are)
    Set(SetArgs),
    /// Make people who already have an account members (system admins)
    Add(AddArgs),
    /// Offboard: remove the membership and revoke the address's pending invitations
    #[command(visible_alias = "rm")]
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite members list --network team\n  netinvite members list --json --jq '.[] | select(.role==\"owner\") | .email'"
)]
pub struct ListArgs {
    /// The network (name or id); without it, every network you own
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,

    /// Output format (default: a table on a terminal, TSV otherwise)
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Open the network's users page of the web UI in the browser instead (prints its
    /// URL where no browser can open); needs --network
    #[arg(long, short = 'w', requires = "network", conflicts_with = "format")]
    pub web: bool,
}

/// The role and the three permissions, as flags. A bare permission flag means true.
#[derive(Debug, Args, Clone, Default)]
pub struct AccessFlags {
    /// Role: member or owner (`admin` is not a network role)
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,

    /// May manage nodes (a bare flag means true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub can_manage_nodes: Option<bool>,

    /// May invite users (a bare flag means true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub can_invite_users: Option<bool>,

    /// May manage the firewall (a bare flag means true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub can_manage_firewall: Option<bool>,
}

impl AccessFlags {
    /// The change these flags ask for; the role is checked (`admin` refused).
    fn change(&self) -> Result<MemberChange, CliError> {
        Ok(MemberChange {
            role: self
                .role
                .as_deref()
                .map(parse_role)
                .transpose()?
                .map(Into::into),
            can_manage_nodes: self.can_manage_nodes,
            can_invite_users: self.can_invite_users,
            can_manage_firewall: self.can_manage_firewall,
        })
    }

    /// The same access as `netinvite create` flags, for the "invite instead" hint.
    fn create_flags(&self) -> String {
        let mut s = String::new();
        if let Some(r) = self.role.as_deref().and_then(|r| parse_role(r).ok())
            && r != "member"
        {
            s.push_str(&format!(" --role {r}"));
        }
        for (on, flag) in [
            (self.can_manage_nodes, "--can-manage-nodes"),
            (self.can_invite_users, "--can-invite-users"),
            (self.can_manage_firewall, "--can-manage-firewall"),
        ] {
            if on == Some(true) {
                s.push(' ');
                s.push_str(flag);
            }
        }
        s
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite members set bob@example.com --network team --can-invite-users\n  netinvite members set ana@example.com --network team --role owner\n  netinvite members set dave@example.com --network team --can-manage-nodes=false"
)]
pub struct SetArgs {
    /// Members' addresses
    #[arg(required = true, value_name = "EMAIL")]
    pub emails: Vec<String>,

    /// The network (name or id)
    #[arg(long, short = 'n', value_name = "NAME|ID", required = true)]
    pub network: String,

    #[command(flatten)]
    pub access: AccessFlags,

    /// Do not ask before giving up your own ownership
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Someone without an account (who never signed in) is invited instead:\n  netinvite create --email ana@example.com --network team\n\nExamples:\n  netinvite members add erin@example.com --network team --can-manage-nodes"
)]
pub struct AddArgs {
    /// Addresses of existing accounts
    #[arg(required = true, value_name = "EMAIL")]
    pub emails: Vec<String>,

    /// The network (name or id)
    #[arg(long, short = 'n', value_name = "NAME|ID", required = true)]
    pub network: String,

    #[command(flatten)]
    pub access: AccessFlags,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite members remove dave@example.com --network team\n  netinvite members remove dave@example.com --all-networks --dry-run\n  netinvite members remove dave@example.com --all-networks --yes --json"
)]
pub struct RemoveArgs {
    /// Addresses to offboard
    #[arg(required = true, value_name = "EMAIL")]
    pub emails: Vec<String>,

    /// The network (name or id)
    #[arg(
        long,
        short = 'n',
        value_name = "NAME|ID",
        required_unless_present = "all_networks",
        conflicts_with = "all_networks"
    )]
    pub network: Option<String>,

    /// Every network you may manage (you own, or all as a system admin)
    #[arg(long)]
    pub all_networks: bool,

    /// Show what would be removed and revoked, change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn run(ctx: &mut Context, cmd: MembersCommand) -> Result<(), CliError> {
    match cmd {
        MembersCommand::List(a) => list(ctx, a).await,
        MembersCommand::Set(a) => set(ctx, a).await,
        MembersCommand::Add(a) => add(ctx, a).await,
        MembersCommand::Remove(a) => remove(ctx, a).await,
    }
}

/// Who the caller is and the networks they see (one request: the networks).
async fn whoami(session: &mut Session) -> Result<(Caller, Vec<Network>), CliError> {
    let nets = session.ensure_user_record().await?;
    let caller = session.caller().await?;
    Ok((caller, nets))
}

/// A network whose members the caller may manage, or the reason they may not.
fn managed<'a>(nets: &'a [Network], query: &str, what: &str) -> Result<&'a Network, CliError> {
    let net = resolve_network(nets, query)?;
    may_manage(net, what)?;
    Ok(net)
}

/// Whether the caller may list and change the network's members; if not, why and whom
/// to ask (shared with `sync`).
pub(crate) fn may_manage(net: &Network, what: &str) -> Result<(), CliError> {
    let standing = Standing::of(net);
    if standing.manages_members() {
        return Ok(());
    }
    let hint = if standing.invites() {
        format!(
            "you may invite into {0:?}: `netinvite list --network {1}` shows its invitations",
            net.name,
            shell_word(&net.name)
        )
    } else {
        format!("ask an owner of {:?} or a system admin", net.name)
    };
    Err(CliError::NotAllowed {
        what: format!("{what} of network {:?}", net.name),
        who: MEMBER_MANAGERS,
        hint: Some(hint),
    })
}

/// The networks the caller may manage, or the reason there are none.
fn all_managed<'a>(nets: &'a [Network], what: &str) -> Result<Vec<&'a Network>, CliError> {
    let v: Vec<&Network> = nets
        .iter()
        .filter(|n| Standing::of(n).manages_members())
        .collect();
    if v.is_empty() {
        return Err(CliError::NotAllowed {
            what: what.to_string(),
            who: MEMBER_MANAGERS,
            hint: Some(if nets.is_empty() {
                "you can see no network".into()
            } else {
                "you own none of the networks you can see (`netinvite networks` shows your role in each)".into()
            }),
        });
    }
    Ok(v)
}

pub(crate) async fn members_of(
    session: &mut Session,
    net: &Network,
) -> Result<Vec<NetworkMember>, CliError> {
    let id = net.id;
    let list = session.call(|c| async move { c.members(id).await }).await?;
    Ok(list
        .into_iter()
        .map(|member| NetworkMember {
            network_id: net.id,
            network_name: net.name.clone(),
            member,
        })
        .collect())
}

/// Addresses from the command line, checked and lower-cased (the server compares them
/// case-sensitively, netinvite never does), duplicates dropped.
fn addresses(inputs: &[String]) -> Result<Vec<String>, CliError> {
    let mut v: Vec<String> = Vec::new();
    for i in inputs {
        let e = validate_email(i)?.to_lowercase();
        if !v.contains(&e) {
            v.push(e);
        }
    }
    Ok(v)
}

fn find<'a>(members: &'a [NetworkMember], email: &str) -> Option<&'a NetworkMember> {
    members.iter().find(|m| {
        m.member
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    })
}

async fn list(ctx: &mut Context, args: ListArgs) -> Result<(), CliError> {
    if args.web {
        // An id is used as given (no request); a name costs one network listing.
        let id = {
            let mut session = ctx.session().await?;
            crate::commands::network_filter(&mut session, args.network.as_deref()).await?
        };
        let id = id.unwrap_or_default();
        return crate::browser::open_page(ctx, &format!("/networks/{id}/users"));
    }
    let mut session = ctx.session().await?;
    let (_, nets) = whoami(&mut session).await?;
    let scope: Vec<&Network> = match &args.network {
        Some(q) => vec![managed(&nets, q, "list the members")?],
        None => all_managed(&nets, "list members")?,
    };
    let mut all = Vec::new();
    for net in &scope {
        all.extend(members_of(&mut session, net).await?);
    }
    sort(&mut all);
    let format = Format::resolve(args.format, ctx.io.json, ctx.io.stdout_tty);
    if all.is_empty() && format == Format::Table {
        ctx.io.status("No members.");
        return Ok(());
    }
    let text = render(
        &ctx.io,
        &all,
        format,
        args.network.is_none(),
        chrono::Utc::now(),
    );
    ctx.io.out(&text)
}

/// One person's role and flags (a member's, an invitation's or a file row's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Access<'a> {
    pub(crate) role: &'a str,
    pub(crate) nodes: bool,
    pub(crate) invite: bool,
    pub(crate) firewall: bool,
}

impl<'a> Access<'a> {
    pub(crate) fn of(m: &'a Member) -> Self {
        Access {
            role: &m.role,
            nodes: m.can_manage_nodes,
            invite: m.can_invite_users,
            firewall: m.can_manage_firewall,
        }
    }

    fn with(self, c: &'a MemberChange) -> Self {
        Access {
            role: c.role.as_deref().unwrap_or(self.role),
            nodes: c.can_manage_nodes.unwrap_or(self.nodes),
            invite: c.can_invite_users.unwrap_or(self.invite),
            firewall: c.can_manage_firewall.unwrap_or(self.firewall),
        }
    }

    /// `field: old → new` for what differs, and the PATCH that makes only those changes.
    pub(crate) fn diff(
        self,
        new: Access<'_>,
    ) -> (Vec<(&'static str, String, String)>, MemberChange) {
        let mut lines = Vec::new();
        let mut patch = MemberChange::default();
        if self.role != new.role {
            lines.push(("role", self.role.to_string(), new.role.to_string()));
            patch.role = Some(new.role.to_string());
        }
        for (name, old, new, slot) in [
            (
                "can_manage_nodes",
                self.nodes,
                new.nodes,
                &mut patch.can_manage_nodes,
            ),
            (
                "can_invite_users",
                self.invite,
                new.invite,
                &mut patch.can_invite_users,
            ),
            (
                "can_manage_firewall",
                self.firewall,
                new.firewall,
                &mut patch.can_manage_firewall,
            ),
        ] {
            if old != new {
                lines.push((name, old.to_string(), new.to_string()));
                *slot = Some(new);
            }
        }
        (lines, patch)
    }
}

async fn set(ctx: &mut Context, args: SetArgs) -> Result<(), CliError> {
    let change = args.access.change()?;
    if change == MemberChange::default() {
        return Err(CliError::Usage {
            message: "nothing to change: name a role or a permission".into(),
            hint: Some("e.g. --role owner, --can-invite-users, --can-manage-nodes=false".into()),
        });
    }
    let emails = addresses(&args.emails)?;
    let mut session = ctx.session().await?;
    let (caller, nets) = whoami(&mut session).await?;
    let net = managed(&nets, &args.network, "change the members")?.clone();
    let members = members_of(&mut session, &net).await?;

    let mut plan = Vec::new();
    for email in &emails {
        let m = find(&members, email).ok_or_else(|| CliError::NotAMember {
            email: Some(email.clone()),
            network: Some(net.name.clone()),
        })?;
        plan.push(m);
    }
    // A network keeps an owner: count the owners as they would be after every change.
    let owners_after = members
        .iter()
        .filter(|m| {
            let changed = plan.iter().any(|p| p.member.user_id == m.member.user_id);
            let role = if changed {
                change.role.as_deref().unwrap_or(&m.member.role)
            } else {
                &m.member.role
            };
            role == "owner"
        })
        .count();
    if owners_after == 0 {
        let last = plan
            .iter()
            .find(|m| m.member.role == "owner")
            .and_then(|m| m.member.email.clone());
        return Err(CliError::LastOwner {
            email: last,
            network: Some(net.name.clone()),
        });
    }
    let demotes_self = plan.iter().any(|m| {
        m.member.role == "owner"
            && change.role.as_deref() == Some("member")
            && m.member.email.as_deref().is_some_and(|e| caller.is(e))
    });
    if demotes_self && !caller.system_admin {
        ctx.io.warn(&format!(
            "this gives up your own ownership of {:?}: you will no longer be able to manage its members",
            net.name
        ));
        if !args.yes && !ctx.io.confirm("Give up your ownership?")? {
            return Err(CliError::Cancelled);
        }
    }

    let mut report = Vec::new();
    for m in plan {
        let email = m.member.email.clone().unwrap_or_default();
        let old = Access::of(&m.member);
        let (lines, patch) = old.diff(old.with(&change));
        let changes: serde_json::Map<String, serde_json::Value> = lines
            .iter()
            .map(|(k, o, n)| {
                (
                    k.to_string(),
                    serde_json::json!({"old": parse_value(o), "new": parse_value(n)}),
                )
            })
            .collect();
        let status = if lines.is_empty() {
            ctx.io
                .status(&format!("{email} in {}: unchanged", net.name));
            "unchanged"
        } else {
            let (nid, uid) = (net.id, m.member.user_id);
            let p = patch.clone();
            session
                .call(|c| {
                    let p = p.clone();
                    async move { c.update_member(nid, uid, &p).await }
                })
                .await
                .map_err(|e| with_names(e, &email, &net.name))?;
            let text: Vec<String> = lines
                .iter()
                .map(|(k, o, n)| format!("{k} {o} → {n}"))
                .collect();
            ctx.io
                .status(&format!("✓ {email} in {}: {}", net.name, text.join(", ")));
            "updated"
        };
        report.push(serde_json::json!({
            "email": email,
            "user_id": m.member.user_id,
            "network_id": net.id,
            "network_name": net.name,
            "status": status,
            "changes": changes,
        }));
    }
    if ctx.io.json {
        ctx.io.out(&to_pretty(&report))?;
    }
    Ok(())
}

fn parse_value(s: &str) -> serde_json::Value {
    match s {
        "true" => true.into(),
        "false" => false.into(),
        other => other.into(),
    }
}

/// Puts the address and network into a refusal the server worded without them.
fn with_names(e: CliError, email: &str, network: &str) -> CliError {
    match e {
        CliError::NotAMember { .. } => CliError::NotAMember {
            email: Some(email.into()),
            network: Some(network.into()),
        },
        CliError::LastOwner { .. } => CliError::LastOwner {
            email: Some(email.into()),
            network: Some(network.into()),
        },
        CliError::Rejected { ref detail, .. }
            if crate::api::KnownDetail::classify(detail)
                == crate::api::KnownDetail::AlreadyMember =>
        {
            CliError::AlreadyMember {
                email: email.into(),
                network: network.into(),
            }
        }
        other => other,
    }
}

async fn add(ctx: &mut Context, args: AddArgs) -> Result<(), CliError> {
    let change = args.access.change()?;
    let emails = addresses(&args.emails)?;
    let mut session = ctx.session().await?;
    let (caller, nets) = whoami(&mut session).await?;
    let invite_instead = |email: &str, network: &str| {
        format!(
            "netinvite create --email {} --network {}{}",
            shell_word(email),
            shell_word(network),
            args.access.create_flags()
        )
    };
    if !caller.system_admin {
        let net_name = resolve_network(&nets, &args.network)
            .map(|n| n.name.clone())
            .unwrap_or_else(|_| args.network.clone());
        return Err(CliError::NotAllowed {
            what: "add an existing account by address (only they can look accounts up)".into(),
            who: "system admins",
            hint: Some(format!(
                "invite them instead: {}",
                invite_instead(&emails[0], &net_name)
            )),
        });
    }
    let net = resolve_network(&nets, &args.network)?.clone();
    let users = session.call(|c| async move { c.users().await }).await?;
    let members = members_of(&mut session, &net).await?;
    let mut plan = Vec::new();
    for email in &emails {
        if find(&members, email).is_some() {
            return Err(CliError::AlreadyMember {
                email: email.clone(),
                network: net.name.clone(),
            });
        }
        let user = users
            .iter()
            .find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .ok_or_else(|| CliError::NoAccount {
                email: email.clone(),
                command: invite_instead(email, &net.name),
            })?;
        plan.push((email.clone(), user.id));
    }
    let mut report = Vec::new();
    for (email, user_id) in plan {
        let body = NewMember {
            user_id,
            role: change.role.clone().unwrap_or_else(|| "member".into()),
            can_manage_nodes: change.can_manage_nodes.unwrap_or(false),
            can_invite_users: change.can_invite_users.unwrap_or(false),
            can_manage_firewall: change.can_manage_firewall.unwrap_or(false),
        };
        let nid = net.id;
        let member = session
            .call(|c| {
                let b = body.clone();
                async move { c.add_member(nid, &b).await }
            })
            .await
            .map_err(|e| with_names(e, &email, &net.name))?;
        ctx.io.status(&format!(
            "✓ Added {email} to {} as {} ({})",
            net.name,
            member.role,
            output::permissions_text(
                member.can_manage_nodes,
                member.can_invite_users,
                member.can_manage_firewall
            )
        ));
        report.push(NetworkMember {
            network_id: net.id,
            network_name: net.name.clone(),
            member,
        });
    }
    if ctx.io.json {
        let v: Vec<_> = report
            .iter()
            .map(crate::output::members::MemberJson::new)
            .collect();
        ctx.io.out(&to_pretty(&v))?;
    }
    Ok(())
}

/// One step of an offboarding.
#[derive(Debug, Clone)]
enum Step {
    /// Revoke a pending invitation (first, so that an old link cannot bring the person
    /// back once the membership is gone).
    Revoke(Invitation),
    /// Remove the membership.
    Remove(NetworkMember),
}

impl Step {
    fn network(&self) -> (i64, &str) {
        match self {
            Step::Revoke(i) => (i.network_id, &i.network_name),
            Step::Remove(m) => (m.network_id, &m.network_name),
        }
    }

    fn describe(&self) -> String {
        match self {
            Step::Revoke(i) => format!(
                "revoke pending invitation {} ({} → {})",
                i.id, i.email, i.network_name
            ),
            Step::Remove(m) => format!(
                "remove {} from {} ({})",
                m.member.email.as_deref().unwrap_or("-"),
                m.network_name,
                m.member.role
            ),
        }
    }

    fn json(&self, status: &str, reason: Option<&str>) -> serde_json::Value {
        match self {
            Step::Revoke(i) => serde_json::json!({
                "action": "revoke",
                "email": i.email,
                "network_id": i.network_id,
                "network_name": i.network_name,
                "id": i.id,
                "user_id": null,
                "status": status,
                "reason": reason,
            }),
            Step::Remove(m) => serde_json::json!({
                "action": "remove",
                "email": m.member.email,
                "network_id": m.network_id,
                "network_name": m.network_name,
                "id": null,
                "user_id": m.member.user_id,
                "status": status,
                "reason": reason,
            }),
        }
    }
}

async fn remove(ctx: &mut Context, args: RemoveArgs) -> Result<(), CliError> {
    let emails = addresses(&args.emails)?;
    let mut session = ctx.session().await?;
    let (caller, nets) = whoami(&mut session).await?;
    let scope: Vec<Network> = match &args.network {
        Some(q) => vec![managed(&nets, q, "remove members")?.clone()],
        None => all_managed(&nets, "remove members")?
            .into_iter()
            .cloned()
            .collect(),
    };
    // One pending listing: of the network, or of everything (the caller manages every
    // network in scope, so sees all of their invitations).
    let network_id = (scope.len() == 1 && args.network.is_some()).then(|| scope[0].id);
    let pending = session
        .invitations(&ListQuery {
            network_id,
            status_filter: Some(status::PENDING),
        })
        .await?;
    let mut steps = Vec::new();
    let mut last_owner = None;
    let mut found = vec![false; emails.len()];
    for net in &scope {
        let members = members_of(&mut session, net).await?;
        for inv in pending.iter().filter(|i| i.network_id == net.id) {
            if let Some(k) = emails
                .iter()
                .position(|e| e.eq_ignore_ascii_case(&inv.email))
            {
                found[k] = true;
                steps.push(Step::Revoke(inv.clone()));
            }
        }
        let leaving: Vec<&NetworkMember> =
            emails.iter().filter_map(|e| find(&members, e)).collect();
        for m in &leaving {
            if let Some(k) = emails.iter().position(|e| {
                m.member
                    .email
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            }) {
                found[k] = true;
            }
        }
        let owners_left = members
            .iter()
            .filter(|m| m.member.role == "owner")
            .filter(|m| !leaving.iter().any(|l| l.member.user_id == m.member.user_id))
            .count();
        if owners_left == 0 && leaving.iter().any(|m| m.member.role == "owner") {
            last_owner = leaving
                .iter()
                .find(|m| m.member.role == "owner")
                .map(|m| (m.member.email.clone(), net.name.clone()));
            continue;
        }
        steps.extend(leaving.into_iter().cloned().map(Step::Remove));
    }
    if let Some((email, network)) = last_owner {
        return Err(CliError::LastOwner {
            email,
            network: Some(network),
        });
    }
    if let Some(k) = found.iter().position(|f| !f) {
        return Err(CliError::NotAMember {
            email: Some(emails[k].clone()),
            network: match &args.network {
                Some(_) => Some(scope[0].name.clone()),
                None => Some(format!("any network you manage ({})", names(&scope))),
            },
        });
    }
    // Revokes first, then removals, network by network.
    steps.sort_by_key(|s| (s.network().1.to_lowercase(), matches!(s, Step::Remove(_))));

    let removes_self = steps.iter().any(|s| match s {
        Step::Remove(m) => m.member.email.as_deref().is_some_and(|e| caller.is(e)),
        Step::Revoke(_) => false,
    });
    if args.dry_run {
        return report_steps(
            ctx,
            &steps
                .iter()
                .map(|s| (s, "planned", None))
                .collect::<Vec<_>>(),
        );
    }
    if removes_self {
        ctx.io
            .warn("this removes your own access: you will no longer see or manage those networks");
    }
    if !args.yes {
        for s in &steps {
            ctx.io.status(&format!("  {}", s.describe()));
        }
        let removals = steps
            .iter()
            .filter(|s| matches!(s, Step::Remove(_)))
            .count();
        let revokes = steps.len() - removals;
        let nets_touched: Vec<&str> = {
            let mut v: Vec<&str> = steps.iter().map(|s| s.network().1).collect();
            v.dedup();
            v
        };
        let question = format!(
            "Remove {} membership{} and revoke {} pending invitation{} in {}?",
            removals,
            if removals == 1 { "" } else { "s" },
            revokes,
            if revokes == 1 { "" } else { "s" },
            nets_touched.join(", ")
        );
        if !ctx.io.confirm(&question)? {
            return Err(CliError::Cancelled);
        }
    }

    // Offboarding several people across networks is a batch: each request gets the
    // whole --max-time, not a share of it.
    session.budget_per_request();
    let mut outcomes: Vec<(&Step, &'static str, Option<String>)> = Vec::new();
    let mut failed = 0;
    for s in &steps {
        let result = match s {
            Step::Revoke(inv) => {
                let id = inv.id;
                session.call(|c| async move { c.revoke(id).await }).await
            }
            Step::Remove(m) => {
                let (nid, uid) = (m.network_id, m.member.user_id);
                match session
                    .call(|c| async move { c.remove_member(nid, uid).await })
                    .await
                {
                    // Already gone (a second run, or someone else was quicker): done.
                    Err(CliError::NotAMember { .. }) => Ok(()),
                    other => other,
                }
            }
        };
        // A lost answer is looked up, never sent again: the write may have happened.
        let result = match result {
            Err(e) if e.write_outcome_unknown() => match happened(&mut session, s).await {
                true => {
                    ctx.io.note(&format!(
                        "{}: the server's answer was lost; the server shows it done",
                        s.describe()
                    ));
                    Ok(())
                }
                false => Err(e),
            },
            other => other,
        };
        match result {
            Ok(()) => {
                if let Step::Revoke(inv) = s {
                    session.index.set_status(inv.id, status::REVOKED);
                }
                ctx.io.status(&format!("✓ {}", past_tense(s)));
                outcomes.push((s, "done", None));
            }
            Err(e) => {
                failed += 1;
                ctx.io.warn(&format!("✗ {}: {}", s.describe(), e.message()));
                outcomes.push((s, "failed", Some(e.message())));
            }
        }
    }
    let _ = session.index.save();
    let rows: Vec<(&Step, &str, Option<&str>)> = outcomes
        .iter()
        .map(|(s, st, r)| (*s, *st, r.as_deref()))
        .collect();
    if ctx.io.json {
        ctx.io.out(&to_pretty(
            &rows
                .iter()
                .map(|(s, st, r)| s.json(st, *r))
                .collect::<Vec<_>>(),
        ))?;
    }
    if failed > 0 {
        return Err(CliError::Partial {
            failed,
            total: steps.len(),
            code: crate::error::FAILURE,
        });
    }
    Ok(())
}

/// After a lost answer: does the server now show the step as done? (The revoked slice of
/// the invitation's network; the network's members.)
async fn happened(session: &mut Session, s: &Step) -> bool {
    match s {
        Step::Revoke(inv) => session
            .invitations(&ListQuery {
                network_id: Some(inv.network_id),
                status_filter: Some(status::REVOKED),
            })
            .await
            .is_ok_and(|l| l.iter().any(|i| i.id == inv.id)),
        Step::Remove(m) => {
            let nid = m.network_id;
            session
                .call(|c| async move { c.members(nid).await })
                .await
                .is_ok_and(|l| l.iter().all(|x| x.user_id != m.member.user_id))
        }
    }
}

fn past_tense(s: &Step) -> String {
    match s {
        Step::Revoke(i) => format!(
            "Revoked pending invitation {} ({} → {})",
            i.id, i.email, i.network_name
        ),
        Step::Remove(m) => format!(
            "Removed {} from {}",
            m.member.email.as_deref().unwrap_or("-"),
            m.network_name
        ),
    }
}

fn names(nets: &[Network]) -> String {
    nets.iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plan (or outcome) as a table for people or JSON for scripts.
fn report_steps(ctx: &Context, rows: &[(&Step, &str, Option<&str>)]) -> Result<(), CliError> {
    if ctx.io.json {
        return ctx.io.out(&to_pretty(
            &rows
                .iter()
                .map(|(s, st, r)| s.json(st, *r))
                .collect::<Vec<_>>(),
        ));
    }
    let mut text = String::new();
    for (s, _, _) in rows {
        text.push_str(&format!("would {}\n", s.describe()));
    }
    ctx.io.out(&text)?;
    ctx.io.status(&format!(
        "{} steps planned; nothing was changed",
        rows.len()
    ));
    Ok(())
}

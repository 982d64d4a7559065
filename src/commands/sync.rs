//! `netinvite sync` — a team file as the source of truth for who has access.
//!
//! The file (the format and checks of `create --from-file`) says, per network it names,
//! which addresses should have access with which role and flags. Each network's members
//! and pending invitations are listed once, compared with the file, and every address
//! gets exactly one action: invite, update (the membership), replace (revoke the
//! invitation and invite anew: the server cannot edit one), keep, and with `--prune`
//! revoke or remove what the file does not name. The plan is shown first, in the style
//! of `terraform plan`; `--check` judges it for CI, `--dry-run` only shows it.
//!
//! Safety rules are applied in the plan, so they are shown before anything is sent: the
//! caller is never demoted or removed, a network keeps an owner (judged on the state
//! after the whole plan), an invitation the caller may not revoke is left alone, and a
//! plan that would empty a network or remove more than half of its members is refused
//! unless `--allow-mass-removal` is given.
//!
//! Owners are compared by role only: the server treats an owner as holding all three
//! permissions whatever the stored flags say, so a flag difference on an owner would be
//! a pointless write.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};

use crate::access::{Caller, may_revoke, not_yours};
use crate::api::KnownDetail;
use crate::api::models::{Invitation, Member, MemberChange, NewInvitation, status};
use crate::api::{Client, ListQuery};
use crate::batch::input::{self, Defaults, InputFormat, Planned, Problem};
use crate::batch::{self, DEFAULT_JOBS};
use crate::commands::create::{invalid_input, new_invitation, read_input, resolve_lost};
use crate::commands::members::{Access, may_manage, members_of};
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::output::json::to_line;
use crate::output::{link, permissions_text};
use crate::rules::{parse_expiry, parse_role, resolve_network};

#[derive(Debug, Args)]
#[command(after_help = "\
The file: CSV with a header row (`,` `;` or tab separated), or JSON lines, with the
columns email (required), network, role, can_manage_nodes, can_invite_users,
can_manage_firewall, expires_in; flags give the defaults for missing cells. A bad row
stops everything before any change.

Each address in the file gets one action per network:
  + invite   not a member and no pending invitation
  ~ update   a member whose role or permissions differ (the membership is changed)
  ~ replace  a pending invitation whose role or permissions differ, or past its deadline
             (revoked, then invited anew)
    keep     already as the file says
With --prune, what the file does not name is revoked (pending invitations) or removed
(members); without it, those are listed and kept. Networks the file does not name are
never touched. Owners are compared by role only (an owner holds every permission).

Never: your own demotion or removal, the removal or demotion of a network's last owner,
an invitation you may not revoke. A network with no rows in the file, or a plan that
removes more than half of its members, is refused unless --allow-mass-removal.

Exit status: 0 done (or, with --check, nothing to do); 1 a row failed (or, with --check,
there is something to do); 2 a bad file or usage; 5 not an owner or system admin;
6 refused as a mass removal.

Examples:
  netinvite sync team.csv --dry-run
  netinvite sync team.csv --network lab --prune --yes
  netinvite sync team.csv --prune --check        # in CI: exit 1 on drift")]
pub struct SyncArgs {
    /// The team file (`-` for standard input)
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,

    /// Network name or id for rows without a network
    #[arg(long, short = 'n', value_name = "NAME|ID")]
    pub network: Option<String>,

    /// Also revoke pending invitations and remove members the file does not name
    #[arg(long)]
    pub prune: bool,

    /// Allow a plan that removes more than half of a network's members, or a network
    /// with no rows in the file
    #[arg(long)]
    pub allow_mass_removal: bool,

    /// Show the plan and change nothing (exit 0)
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,

    /// Show the plan and change nothing; exit 1 if there is anything to do, 0 if not
    #[arg(long)]
    pub check: bool,

    /// Apply without asking
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// How many requests to have in flight at once (1–32; default 4)
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Format of the file (default: by extension, else by content)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,

    /// Role for rows without one: member or owner
    #[arg(long, default_value = "member", value_name = "ROLE")]
    pub role: String,

    /// Rows without the cell may manage nodes
    #[arg(long)]
    pub can_manage_nodes: bool,

    /// Rows without the cell may invite users
    #[arg(long)]
    pub can_invite_users: bool,

    /// Rows without the cell may manage the firewall
    #[arg(long)]
    pub can_manage_firewall: bool,

    /// How long new links stay valid, in whole days (1–365), for rows without the cell
    #[arg(long, default_value = "7d", value_name = "DAYS")]
    pub expires_in: String,
}

/// What happens to one address in one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Invite,
    Update,
    Replace,
    Keep,
    Revoke,
    Remove,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Invite => "invite",
            Kind::Update => "update",
            Kind::Replace => "replace",
            Kind::Keep => "keep",
            Kind::Revoke => "revoke",
            Kind::Remove => "remove",
        }
    }

    fn sign(self) -> &'static str {
        match self {
            Kind::Invite => "+",
            Kind::Update | Kind::Replace => "~",
            Kind::Keep => " ",
            Kind::Revoke | Kind::Remove => "-",
        }
    }
}

/// One action of the plan, and later its outcome.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: Kind,
    pub email: String,
    pub network_id: i64,
    pub network_name: String,
    /// The file's row (invite, update, replace, keep).
    pub row: Option<Planned>,
    /// The membership concerned (update, remove, a kept member).
    pub member: Option<Member>,
    /// The invitation concerned (the one replaced or revoked, a kept one).
    pub old: Option<Invitation>,
    /// `field`, old, new: what an update or replace changes.
    pub changes: Vec<(&'static str, String, String)>,
    /// The PATCH of an update: only the fields that change.
    pub patch: MemberChange,
    /// `planned`, `done`, `failed` or `skipped`.
    pub status: &'static str,
    pub reason: Option<String>,
    /// The invitation created (invite, replace).
    pub created: Option<Invitation>,
}

impl Action {
    fn new(kind: Kind, email: &str, network_id: i64, network_name: &str) -> Self {
        Action {
            kind,
            email: email.to_string(),
            network_id,
            network_name: network_name.to_string(),
            row: None,
            member: None,
            old: None,
            changes: Vec::new(),
            patch: MemberChange::default(),
            status: "planned",
            reason: None,
            created: None,
        }
    }

    fn skip(&mut self, reason: impl Into<String>) {
        self.status = "skipped";
        self.reason = Some(reason.into());
    }

    /// Whether applying the plan would send something for it.
    pub fn is_change(&self) -> bool {
        self.status == "planned"
    }

    /// Whether it takes away an owner: removing one, or an update to `member`.
    fn drops_owner(&self) -> bool {
        let owner = self.member.as_ref().is_some_and(|m| m.role == "owner");
        owner
            && match self.kind {
                Kind::Remove => true,
                Kind::Update => self.patch.role.as_deref() == Some("member"),
                _ => false,
            }
    }

    /// A promotion to owner (sent before demotions, so a network always keeps one).
    fn promotes(&self) -> bool {
        self.kind == Kind::Update && self.patch.role.as_deref() == Some("owner")
    }

    /// The plan line after the address: what changes.
    fn describe(&self) -> String {
        let changes = || {
            self.changes
                .iter()
                .map(|(k, o, n)| format!("{k} {o} → {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.kind {
            Kind::Invite => {
                let r = self.row.as_ref().expect("an invite has its row");
                let perms = permissions_text(
                    r.can_manage_nodes,
                    r.can_invite_users,
                    r.can_manage_firewall,
                );
                // An owner holds every permission: its flags say nothing.
                if perms == "-" || r.role == "owner" {
                    format!("invite as {}", r.role)
                } else {
                    format!("invite as {} ({perms})", r.role)
                }
            }
            Kind::Update => format!("update member: {}", changes()),
            Kind::Replace => format!(
                "replace invitation {}: {}",
                self.old.as_ref().map_or(0, |i| i.id),
                changes()
            ),
            Kind::Keep => "keep".into(),
            Kind::Revoke => format!(
                "revoke invitation {}",
                self.old.as_ref().map_or(0, |i| i.id)
            ),
            Kind::Remove => format!(
                "remove member ({})",
                self.member.as_ref().map_or("-", |m| m.role.as_str())
            ),
        }
    }

    /// One NDJSON object (docs/json.md).
    fn json(&self, public_base: &str) -> Value {
        let inv = self.created.as_ref().or(self.old.as_ref());
        let (role, nodes, invite, firewall) = match (&self.row, &self.member, inv) {
            (Some(r), _, _) => (
                r.role.to_string(),
                r.can_manage_nodes,
                r.can_invite_users,
                r.can_manage_firewall,
            ),
            (None, Some(m), _) => (
                m.role.clone(),
                m.can_manage_nodes,
                m.can_invite_users,
                m.can_manage_firewall,
            ),
            (None, None, Some(i)) => (
                i.role.clone(),
                i.can_manage_nodes,
                i.can_invite_users,
                i.can_manage_firewall,
            ),
            _ => (String::new(), false, false, false),
        };
        let changes: serde_json::Map<String, Value> = self
            .changes
            .iter()
            .map(|(k, o, n)| (k.to_string(), json!({"old": value(o), "new": value(n)})))
            .collect();
        // A link that works: the new invitation's, or the kept one's (never a link that
        // is about to be revoked).
        let shown_link = self
            .created
            .as_ref()
            .or(self.old.as_ref().filter(|_| self.kind == Kind::Keep))
            .map(|i| link(public_base, &i.token));
        let replaced_id = match self.kind {
            Kind::Replace => self.old.as_ref().map(|i| i.id),
            _ => None,
        };
        json!({
            "action": self.kind.word(),
            "email": self.email,
            "network_id": self.network_id,
            "network_name": self.network_name,
            "status": self.status,
            "reason": self.reason,
            "line": self.row.as_ref().map(|r| r.line),
            "role": role,
            "can_manage_nodes": nodes,
            "can_invite_users": invite,
            "can_manage_firewall": firewall,
            "changes": changes,
            "user_id": self.member.as_ref().map(|m| m.user_id),
            "id": inv.map(|i| i.id),
            "link": shown_link,
            "replaced_id": replaced_id,
        })
    }
}

fn value(s: &str) -> Value {
    match s {
        "true" => true.into(),
        "false" => false.into(),
        other => other.into(),
    }
}

/// The desired access of a row.
fn wanted(p: &Planned) -> Access<'_> {
    Access {
        role: p.role,
        nodes: p.can_manage_nodes,
        invite: p.can_invite_users,
        firewall: p.can_manage_firewall,
    }
}

/// What differs between what is and what the file wants; owners by role only.
fn differences(
    have: Access<'_>,
    want: Access<'_>,
) -> (Vec<(&'static str, String, String)>, MemberChange) {
    if want.role == "owner" {
        // The flags of an owner say nothing: only the role counts, and a promotion
        // changes only the role.
        return have.diff(Access {
            nodes: have.nodes,
            invite: have.invite,
            firewall: have.firewall,
            ..want
        });
    }
    have.diff(want)
}

/// Everything the plan of one network is made from.
pub struct NetworkState<'a> {
    pub network_id: i64,
    pub network_name: &'a str,
    pub rows: &'a [Planned],
    pub members: &'a [Member],
    /// Stored-pending invitations of the network, newest first (as the server lists).
    pub pending: &'a [Invitation],
}

/// The plan of one network: one action per address, safety rules applied.
pub fn plan_network(
    st: &NetworkState<'_>,
    caller: &Caller,
    nets: &[crate::api::models::Network],
    prune: bool,
    now: DateTime<Utc>,
) -> Vec<Action> {
    let key = |e: &str| e.to_lowercase();
    let mut member_by: HashMap<String, &Member> = HashMap::new();
    for m in st.members {
        if let Some(e) = &m.email {
            member_by.entry(key(e)).or_insert(m);
        }
    }
    let mut pending_by: HashMap<String, Vec<&Invitation>> = HashMap::new();
    for i in st.pending.iter().filter(|i| i.status == status::PENDING) {
        pending_by.entry(key(&i.email)).or_default().push(i);
    }
    let wanted_keys: HashSet<String> = st.rows.iter().map(|r| key(&r.email)).collect();
    let mut out = Vec::new();
    let mut rows: Vec<&Planned> = st.rows.iter().collect();
    rows.sort_by(|a, b| a.email.cmp(&b.email));
    for p in rows {
        let k = key(&p.email);
        let mut a = Action::new(Kind::Keep, &p.email, st.network_id, st.network_name);
        a.row = Some(p.clone());
        if let Some(m) = member_by.get(&k) {
            let (changes, patch) = differences(Access::of(m), wanted(p));
            a.member = Some((*m).clone());
            if changes.is_empty() {
                a.skip("already as in the file");
            } else {
                a.kind = Kind::Update;
                a.changes = changes;
                a.patch = patch;
            }
        } else if let Some(inv) = pending_by.get(&k).and_then(|v| v.first()) {
            let have = Access {
                role: &inv.role,
                nodes: inv.can_manage_nodes,
                invite: inv.can_invite_users,
                firewall: inv.can_manage_firewall,
            };
            let (mut changes, _) = differences(have, wanted(p));
            if inv.is_past_deadline(now) {
                changes.push(("deadline", "passed".into(), "renewed".into()));
            }
            a.old = Some((*inv).clone());
            if changes.is_empty() {
                a.skip("already invited as in the file");
            } else {
                a.kind = Kind::Replace;
                a.changes = changes;
                if !may_revoke(caller, nets, inv) {
                    a.skip(not_yours(inv));
                }
            }
        } else {
            a.kind = Kind::Invite;
        }
        out.push(a);
    }
    // What the file does not name.
    let mut extras = Vec::new();
    for m in st.members {
        let named = m
            .email
            .as_deref()
            .is_some_and(|e| wanted_keys.contains(&key(e)));
        if named {
            continue;
        }
        let label = m
            .email
            .clone()
            .unwrap_or_else(|| format!("user {} (no address)", m.user_id));
        let mut a = Action::new(Kind::Remove, &label, st.network_id, st.network_name);
        a.member = Some(m.clone());
        if !prune {
            a.skip("not in the file; kept (--prune removes it)");
        } else if m.email.is_none() {
            // No file can name them, so "not in the file" says nothing about them.
            a.skip("no address on record, so no file can name them; kept");
        } else if caller.is(&label) {
            a.skip("this is you: sync never removes or demotes the caller");
        }
        extras.push(a);
    }
    for i in st.pending.iter().filter(|i| i.status == status::PENDING) {
        if wanted_keys.contains(&key(&i.email)) {
            continue;
        }
        let mut a = Action::new(Kind::Revoke, &i.email, st.network_id, st.network_name);
        a.old = Some(i.clone());
        if !prune {
            a.skip("not in the file; kept (--prune revokes it)");
        } else if !may_revoke(caller, nets, i) {
            a.skip(not_yours(i));
        }
        extras.push(a);
    }
    extras.sort_by(|a, b| a.email.cmp(&b.email));
    out.extend(extras);
    // The caller keeps their own ownership.
    for a in out.iter_mut() {
        if a.kind == Kind::Update && a.is_change() && a.drops_owner() && caller.is(&a.email) {
            a.skip("this is you: sync never removes or demotes the caller");
        }
    }
    // The network keeps an owner, judged on the state after the whole plan.
    let owners = st.members.iter().filter(|m| m.role == "owner").count();
    let promoted = out.iter().filter(|a| a.is_change() && a.promotes()).count();
    let dropped = out
        .iter()
        .filter(|a| a.is_change() && a.drops_owner())
        .count();
    if owners > 0
        && owners + promoted <= dropped
        && let Some(a) = out.iter_mut().find(|a| a.is_change() && a.drops_owner())
    {
        a.skip(format!(
            "the last owner of {:?}: a network must keep an owner",
            st.network_name
        ));
    }
    out
}

/// Why the plan of one network is refused as a mass removal, if it is.
fn mass_removal(rows: usize, members: usize, plan: &[Action]) -> Option<String> {
    if rows == 0 {
        return Some(
            "the file has no rows for it, which would make every member and invitation \"not in the file\""
                .into(),
        );
    }
    let removals = plan
        .iter()
        .filter(|a| a.kind == Kind::Remove && a.is_change())
        .count();
    (removals * 2 > members)
        .then(|| format!("the plan removes {removals} of its {members} members, more than half"))
}

/// One network's counts: `team: 2 to invite, 1 to update, …`.
fn summary_line(name: &str, plan: &[Action]) -> String {
    let n = |k: Kind| plan.iter().filter(|a| a.kind == k && a.is_change()).count();
    let kept = plan.iter().filter(|a| a.kind == Kind::Keep).count();
    let outside = |a: &&Action| {
        a.reason
            .as_deref()
            .is_some_and(|r| r.starts_with("not in the file"))
    };
    let not_in_file = plan
        .iter()
        .filter(|a| a.status == "skipped")
        .filter(outside)
        .count();
    let refused = plan
        .iter()
        .filter(|a| a.status == "skipped" && a.kind != Kind::Keep)
        .count()
        - not_in_file;
    let mut s = format!(
        "{name}: {} to invite, {} to update, {} to replace, {} to revoke, {} to remove; {kept} unchanged",
        n(Kind::Invite),
        n(Kind::Update),
        n(Kind::Replace),
        n(Kind::Revoke),
        n(Kind::Remove)
    );
    if not_in_file > 0 {
        s.push_str(&format!(", {not_in_file} not in the file (kept)"));
    }
    if refused > 0 {
        s.push_str(&format!(", {refused} skipped"));
    }
    s
}

/// The plan for people: a line per action except those kept, then a summary per network.
fn plan_text(plans: &[(String, Vec<Action>)]) -> String {
    let mut s = String::new();
    for (name, plan) in plans {
        s.push_str(&format!("network {name}\n"));
        let width = plan
            .iter()
            .filter(|a| a.kind != Kind::Keep)
            .map(|a| a.email.chars().count())
            .max()
            .unwrap_or(0);
        for a in plan.iter().filter(|a| a.kind != Kind::Keep) {
            let (sign, text) = match (a.status, a.reason.as_deref()) {
                ("skipped", Some(r)) if r.starts_with("not in the file") => (" ", r.to_string()),
                ("skipped", Some(r)) => ("!", format!("{} skipped: {r}", a.describe())),
                _ => (a.kind.sign(), a.describe()),
            };
            s.push_str(&format!("  {sign} {:width$}  {text}\n", a.email));
        }
        s.push_str(&format!("  {}\n", summary_line(name, plan)));
    }
    s
}

pub async fn run(ctx: &mut Context, args: SyncArgs) -> Result<(), CliError> {
    let jobs = batch::check_jobs(args.jobs.unwrap_or(DEFAULT_JOBS))?;
    let role = parse_role(&args.role)?;
    let days = parse_expiry(&args.expires_in)?;
    let source = if args.file.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        args.file.display().to_string()
    };
    let text = read_input(&args.file, &source)?;
    let format = args
        .input_format
        .unwrap_or_else(|| InputFormat::detect(&args.file, &text));
    let (raw, mut problems) = input::read(format, &text);
    // A header alone is an empty team, not a broken file: the mass-removal guard judges it.
    problems.retain(|p| !(raw.is_empty() && p.reason == "the file has no rows"));
    if raw.is_empty() && !problems.is_empty() {
        return Err(invalid_input(&source, &problems, 0, false));
    }

    let mut trips = 0usize;
    let mut session = ctx.session().await?;
    let nets = session.ensure_user_record().await?;
    trips += 1;
    let caller = session.caller().await?;
    let default_network = args
        .network
        .as_deref()
        .map(|n| resolve_network(&nets, n).cloned())
        .transpose()?;
    let defaults = Defaults {
        network: default_network.clone(),
        role,
        can_manage_nodes: args.can_manage_nodes,
        can_invite_users: args.can_invite_users,
        can_manage_firewall: args.can_manage_firewall,
        expires_in_days: days,
        keep_case: false,
    };
    let (planned, more) = input::check(&raw, &defaults, &nets);
    problems.extend(more);
    let rows = dedup(planned, &mut problems);
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(invalid_input(&source, &problems, raw.len(), false));
    }

    // Scope: the networks the file names, plus --network (for rows without one).
    let mut scope: Vec<(i64, String)> = rows
        .iter()
        .map(|r| (r.network_id, r.network_name.clone()))
        .chain(default_network.iter().map(|n| (n.id, n.name.clone())))
        .collect();
    scope.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then(a.0.cmp(&b.0))
    });
    scope.dedup();
    if scope.is_empty() {
        return Err(CliError::Usage {
            message: format!("{source} has no rows, and no --network was given"),
            hint: Some("name the network the file describes: --network NAME".into()),
        });
    }
    // Only owners and system admins can list members: refuse before anything is sent.
    for (id, _) in &scope {
        let net = nets
            .iter()
            .find(|n| n.id == *id)
            .expect("resolved from this list");
        may_manage(net, "sync the members")?;
    }

    let now = Utc::now();
    let mut plans: Vec<(String, Vec<Action>)> = Vec::new();
    let mut refusals: Vec<CliError> = Vec::new();
    for (id, name) in &scope {
        let net = nets.iter().find(|n| n.id == *id).expect("in scope");
        let members: Vec<Member> = members_of(&mut session, net)
            .await?
            .into_iter()
            .map(|m| m.member)
            .collect();
        let pending = session
            .invitations(&ListQuery {
                network_id: Some(*id),
                status_filter: Some(status::PENDING),
            })
            .await?;
        trips += 2;
        let mine: Vec<Planned> = rows
            .iter()
            .filter(|r| r.network_id == *id)
            .cloned()
            .collect();
        let st = NetworkState {
            network_id: *id,
            network_name: name,
            rows: &mine,
            members: &members,
            pending: &pending,
        };
        let plan = plan_network(&st, &caller, &nets, args.prune, now);
        if !args.allow_mass_removal
            && let Some(reason) = mass_removal(mine.len(), members.len(), &plan)
        {
            refusals.push(CliError::MassRemoval {
                network: name.clone(),
                reason,
            });
        }
        plans.push((name.clone(), plan));
    }
    ctx.io.debug(&format!(
        "sync: planned with {trips} round trips (the networks, {} members and {} pending-invitation listings)",
        scope.len(),
        scope.len()
    ));

    let base = session.selected.public_base();
    let changes: usize = plans
        .iter()
        .map(|(_, p)| p.iter().filter(|a| a.is_change()).count())
        .sum();
    let drifting = plans
        .iter()
        .filter(|(_, p)| p.iter().any(Action::is_change))
        .count();
    let show_only = args.dry_run || args.check;
    if show_only {
        if ctx.io.json {
            let mut out = String::new();
            for a in plans.iter().flat_map(|(_, p)| p) {
                out.push_str(&to_line(&a.json(&base)));
            }
            ctx.io.out(&out)?;
        } else {
            ctx.io.out(&plan_text(&plans))?;
        }
    } else {
        ctx.io.status(plan_text(&plans).trim_end());
    }
    if let Some(e) = refusals.into_iter().next() {
        return Err(e);
    }
    if args.check {
        if changes > 0 {
            return Err(CliError::Drift {
                changes,
                networks: drifting,
            });
        }
        ctx.io.status("No changes: the server matches the file.");
        return Ok(());
    }
    if args.dry_run {
        ctx.io.status(&format!(
            "{changes} change{} planned in {drifting} network{}; nothing was changed",
            plural(changes),
            plural(drifting)
        ));
        return Ok(());
    }
    if changes == 0 {
        ctx.io.status("No changes: the server matches the file.");
        if ctx.io.json {
            emit(ctx, &plans, &base)?;
        }
        return Ok(());
    }
    if !args.yes {
        let question = format!(
            "Apply {changes} change{} to {drifting} network{}?",
            plural(changes),
            plural(drifting)
        );
        if !ctx.io.confirm(&question)? {
            return Err(CliError::Cancelled);
        }
    }

    let mut actions: Vec<Action> = plans.iter().flat_map(|(_, p)| p.clone()).collect();
    let outcome = apply(ctx, &mut session, &mut actions, jobs).await;
    trips += outcome.trips;
    ctx.io.debug(&format!(
        "sync: {trips} round trips in all ({} writes, {} lookups of lost answers)",
        outcome.writes, outcome.lookups
    ));
    let _ = session.index.save();
    let mut done = plans;
    let mut it = actions.into_iter();
    for (_, plan) in done.iter_mut() {
        for a in plan.iter_mut() {
            *a = it.next().expect("one outcome per action");
        }
    }
    emit(ctx, &done, &base)?;
    let all: Vec<&Action> = done.iter().flat_map(|(_, p)| p).collect();
    let failed = all.iter().filter(|a| a.status == "failed").count();
    let applied = all.iter().filter(|a| a.status == "done").count();
    ctx.io.status(&format!(
        "{applied} of {changes} change{} applied{}",
        plural(changes),
        if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        }
    ));
    if outcome.interrupted {
        return Err(CliError::BatchInterrupted {
            done: applied + failed,
            total: changes,
        });
    }
    if failed > 0 {
        return Err(CliError::Partial {
            failed,
            total: changes,
            code: crate::error::FAILURE,
        });
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Same address and network twice: identical rows count once; rows that disagree are a
/// problem (which of the two is meant cannot be guessed).
fn dedup(planned: Vec<Planned>, problems: &mut Vec<Problem>) -> Vec<Planned> {
    let mut seen: HashMap<(i64, String), Planned> = HashMap::new();
    let mut out = Vec::new();
    for p in planned {
        let k = (p.network_id, p.email.to_lowercase());
        match seen.get(&k) {
            Some(first) => {
                if wanted(first) != wanted(&p) {
                    problems.push(Problem {
                        line: p.line,
                        column: Some("email".into()),
                        reason: format!(
                            "{} is already on line {} for network {:?} with a different role or permissions",
                            p.email, first.line, p.network_name
                        ),
                    });
                }
            }
            None => {
                seen.insert(k, p.clone());
                out.push(p);
            }
        }
    }
    out
}

/// The results: NDJSON with `--json`, else a line per change on stdout.
fn emit(ctx: &Context, plans: &[(String, Vec<Action>)], base: &str) -> Result<(), CliError> {
    let mut out = String::new();
    for a in plans.iter().flat_map(|(_, p)| p) {
        if ctx.io.json {
            out.push_str(&to_line(&a.json(base)));
        } else if a.status == "done" || a.status == "failed" {
            let mark = if a.status == "done" { "✓" } else { "✗" };
            let mut line = format!("{mark} {} {} {}", a.kind.word(), a.email, a.network_name);
            if let Some(i) = &a.created {
                line.push_str(&format!(" {}", link(base, &i.token)));
            }
            if let Some(r) = &a.reason {
                line.push_str(&format!(" ({r})"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    ctx.io.out(&out)
}

struct Applied {
    trips: usize,
    writes: usize,
    lookups: usize,
    interrupted: bool,
}

/// Carries out the planned actions: revokes (old invitations of replaces, prunes),
/// then invites, then promotions, other updates, and removals last. A phase stops the
/// rest after Ctrl-C.
async fn apply(
    ctx: &Context,
    session: &mut Session,
    actions: &mut [Action],
    jobs: usize,
) -> Applied {
    let mut a = Applied {
        trips: 0,
        writes: 0,
        lookups: 0,
        interrupted: false,
    };
    // 1. Revokes.
    let idx: Vec<usize> = (0..actions.len())
        .filter(|&i| {
            actions[i].is_change() && matches!(actions[i].kind, Kind::Replace | Kind::Revoke)
        })
        .collect();
    let ids: Vec<i64> = idx
        .iter()
        .map(|&i| actions[i].old.as_ref().map_or(0, |x| x.id))
        .collect();
    let sent = batch::send_all(
        session,
        &ctx.io,
        "revoking",
        &ids,
        jobs,
        |c: Client, id| async move { c.revoke(id).await },
    )
    .await;
    let lost = tally(&mut a, actions, &idx, sent, |x, r| match r {
        Ok(()) => revoked(session, x),
        Err(e) => fail_revoke(x, &e.message()),
    });
    if !lost.is_empty() {
        let mut networks: Vec<i64> = lost.iter().map(|(i, _)| actions[*i].network_id).collect();
        networks.sort_unstable();
        networks.dedup();
        let mut gone = HashSet::new();
        let mut err = None;
        for n in networks {
            a.lookups += 1;
            match session
                .invitations(&ListQuery {
                    network_id: Some(n),
                    status_filter: Some(status::REVOKED),
                })
                .await
            {
                Ok(list) => gone.extend(list.into_iter().map(|x| x.id)),
                Err(e) => err = Some(e.message()),
            }
        }
        for (i, e) in lost {
            let x = &mut actions[i];
            if x.old.as_ref().is_some_and(|o| gone.contains(&o.id)) {
                revoked(session, x);
            } else {
                fail_revoke(
                    x,
                    &match &err {
                        Some(le) => format!("{}; looking it up failed too ({le})", e.message()),
                        None => format!("{}; it is still pending: run again", e.message()),
                    },
                );
            }
        }
    }

    // 2. Invites (and the second half of replaces whose revoke went through).
    let idx: Vec<usize> = (0..actions.len())
        .filter(|&i| {
            let x = &actions[i];
            !a.interrupted
                && match x.kind {
                    Kind::Invite => x.is_change(),
                    Kind::Replace => x.status == "revoked",
                    _ => false,
                }
        })
        .collect();
    let bodies: Vec<NewInvitation> = idx
        .iter()
        .map(|&i| new_invitation(actions[i].row.as_ref().expect("a row")))
        .collect();
    let sent = batch::send_all(
        session,
        &ctx.io,
        "inviting",
        &bodies,
        jobs,
        |c: Client, b: NewInvitation| async move { c.create_invitation(&b).await },
    )
    .await;
    let mut created = Vec::new();
    let lost: Vec<(Planned, CliError)> = tally(&mut a, actions, &idx, sent, |x, r| match r {
        Ok(inv) => {
            created.push(inv.clone());
            x.created = Some(inv);
            x.status = "done";
            x.reason = None;
        }
        // Someone was quicker than the listing: what the file asks for may already
        // be there; the next run compares it.
        Err(CliError::Rejected { ref detail, .. })
            if matches!(
                KnownDetail::classify(detail),
                KnownDetail::AlreadyPending | KnownDetail::AlreadyMember
            ) =>
        {
            x.status = "skipped";
            x.reason = Some(format!(
                "invited or added meanwhile by someone else ({}); run again to compare",
                detail.trim_end_matches('.')
            ));
        }
        Err(e) => {
            x.status = "failed";
            x.reason = Some(match x.kind {
                Kind::Replace => format!(
                    "invitation {} was revoked, but inviting anew failed: {}; run again to invite",
                    x.old.as_ref().map_or(0, |o| o.id),
                    e.message()
                ),
                _ => e.message(),
            });
        }
    })
    .into_iter()
    .map(|(i, e)| (actions[i].row.clone().expect("a row"), e))
    .collect();
    if !lost.is_empty() {
        let mut nets: Vec<i64> = lost.iter().map(|(p, _)| p.network_id).collect();
        nets.sort_unstable();
        nets.dedup();
        a.lookups += nets.len();
        for r in resolve_lost(session, lost).await {
            let Some(x) = actions.iter_mut().find(|x| {
                x.row
                    .as_ref()
                    .is_some_and(|p| Some(p.line) == r.line && Some(p.network_id) == r.network_id)
            }) else {
                continue;
            };
            if r.status == "created" {
                if let Some(inv) = &r.invitation {
                    created.push(inv.clone());
                }
                x.created = r.invitation;
                x.status = "done";
                x.reason = r.reason;
            } else {
                x.status = "failed";
                x.reason = r.reason;
            }
        }
    }
    session.remember(&created);
    // A replace whose revoke went through but whose invite was never sent.
    for x in actions.iter_mut().filter(|x| x.status == "revoked") {
        x.status = "failed";
        x.reason = Some(format!(
            "invitation {} was revoked but the new one was not sent (interrupted): run again to invite",
            x.old.as_ref().map_or(0, |o| o.id)
        ));
    }

    // 3. Updates: promotions first, so that a network keeps an owner throughout.
    for promotions in [true, false] {
        let idx: Vec<usize> = (0..actions.len())
            .filter(|&i| {
                let x = &actions[i];
                !a.interrupted
                    && x.kind == Kind::Update
                    && x.is_change()
                    && x.promotes() == promotions
            })
            .collect();
        let calls: Vec<(i64, i64, MemberChange)> = idx
            .iter()
            .map(|&i| {
                let x = &actions[i];
                (
                    x.network_id,
                    x.member.as_ref().map_or(0, |m| m.user_id),
                    x.patch.clone(),
                )
            })
            .collect();
        let sent = batch::send_all(
            session,
            &ctx.io,
            "updating",
            &calls,
            jobs,
            |c: Client, (n, u, p): (i64, i64, MemberChange)| async move {
                c.update_member(n, u, &p).await
            },
        )
        .await;
        let lost = tally(&mut a, actions, &idx, sent, |x, r| match r {
            Ok(_) => x.status = "done",
            Err(e) => {
                x.status = "failed";
                x.reason = Some(e.message());
            }
        });
        look_up_members(session, actions, lost, &mut a.lookups).await;
    }

    // 4. Removals.
    let idx: Vec<usize> = (0..actions.len())
        .filter(|&i| !a.interrupted && actions[i].kind == Kind::Remove && actions[i].is_change())
        .collect();
    let calls: Vec<(i64, i64)> = idx
        .iter()
        .map(|&i| {
            (
                actions[i].network_id,
                actions[i].member.as_ref().map_or(0, |m| m.user_id),
            )
        })
        .collect();
    let sent = batch::send_all(
        session,
        &ctx.io,
        "removing",
        &calls,
        jobs,
        |c: Client, (n, u): (i64, i64)| async move { c.remove_member(n, u).await },
    )
    .await;
    let lost = tally(&mut a, actions, &idx, sent, |x, r| match r {
        // Already gone (someone was quicker): what the file asks for.
        Ok(()) | Err(CliError::NotAMember { .. }) => x.status = "done",
        Err(e) => {
            x.status = "failed";
            x.reason = Some(e.message());
        }
    });
    look_up_members(session, actions, lost, &mut a.lookups).await;
    // Anything still planned was never reached (Ctrl-C in an earlier phase).
    for x in actions.iter_mut().filter(|x| x.status == "planned") {
        not_sent(x);
    }
    a.trips = a.writes + a.lookups;
    a
}

/// An action Ctrl-C stopped before it was sent.
fn not_sent(x: &mut Action) {
    x.status = "skipped";
    x.reason = Some("interrupted before it was sent".into());
}

/// Sorts one phase's answers, in the order of `idx`: not sent (interrupted), lost (the
/// write may have happened: returned, to be looked up, never sent again), or answered
/// (handed to `answered`). Counts the writes sent.
fn tally<R>(
    a: &mut Applied,
    actions: &mut [Action],
    idx: &[usize],
    sent: batch::Sent<R>,
    mut answered: impl FnMut(&mut Action, Result<R, CliError>),
) -> Vec<(usize, CliError)> {
    a.interrupted |= sent.interrupted;
    let mut lost = Vec::new();
    for (&i, r) in idx.iter().zip(sent.results) {
        let x = &mut actions[i];
        match r {
            None => not_sent(x),
            Some(Err(e)) if e.write_outcome_unknown() => {
                a.writes += 1;
                lost.push((i, e));
            }
            Some(r) => {
                a.writes += 1;
                answered(x, r);
            }
        }
    }
    lost
}

fn revoked(session: &mut Session, x: &mut Action) {
    if let Some(o) = &x.old {
        session.index.set_status(o.id, status::REVOKED);
    }
    // A replace goes on to its invite; a prune revoke is done.
    x.status = if x.kind == Kind::Replace {
        "revoked"
    } else {
        "done"
    };
}

fn fail_revoke(x: &mut Action, why: &str) {
    x.status = "failed";
    x.reason = Some(match x.kind {
        Kind::Replace => {
            format!("revoking the old invitation failed, so no new one was sent: {why}")
        }
        _ => why.to_string(),
    });
}

/// Updates and removals whose answer was lost: the members listing of their networks
/// (looked at up to three times, a moment apart) says whether they happened.
async fn look_up_members(
    session: &mut Session,
    actions: &mut [Action],
    mut lost: Vec<(usize, CliError)>,
    lookups: &mut usize,
) {
    let looks = batch::SETTLE.len() + 1;
    for attempt in 0..looks {
        if lost.is_empty() {
            return;
        }
        if attempt > 0 {
            tokio::time::sleep(batch::SETTLE[attempt - 1]).await;
        }
        let mut networks: Vec<i64> = lost.iter().map(|(i, _)| actions[*i].network_id).collect();
        networks.sort_unstable();
        networks.dedup();
        let mut listed: HashMap<i64, Vec<Member>> = HashMap::new();
        let mut err = None;
        for n in networks {
            *lookups += 1;
            match session.call(|c| async move { c.members(n).await }).await {
                Ok(m) => {
                    listed.insert(n, m);
                }
                Err(e) => err = Some(e.message()),
            }
        }
        let mut still = Vec::new();
        for (i, e) in lost {
            let x = &mut actions[i];
            let uid = x.member.as_ref().map_or(0, |m| m.user_id);
            let now = listed
                .get(&x.network_id)
                .map(|v| v.iter().find(|m| m.user_id == uid));
            let happened = match (x.kind, now) {
                (Kind::Remove, Some(None)) => true,
                (Kind::Update, Some(Some(m))) => {
                    let row = x.row.as_ref().expect("an update has its row");
                    differences(Access::of(m), wanted(row)).0.is_empty()
                }
                _ => false,
            };
            if happened {
                x.status = "done";
                x.reason = Some("the server's answer was lost; the change was found made".into());
            } else if attempt + 1 == looks || err.is_some() {
                x.status = "failed";
                x.reason = Some(match &err {
                    Some(le) => format!("{}; looking it up failed too ({le})", e.message()),
                    None => format!("{}; the change is not there: run again", e.message()),
                });
            } else {
                still.push((i, e));
            }
        }
        lost = still;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::Network;

    fn row(line: usize, email: &str, role: &'static str, nodes: bool) -> Planned {
        Planned {
            line,
            email: email.into(),
            network_id: 1,
            network_name: "team".into(),
            role,
            can_manage_nodes: nodes,
            can_invite_users: false,
            can_manage_firewall: false,
            expires_in_days: 7,
        }
    }

    fn member(id: i64, email: &str, role: &str, nodes: bool) -> Member {
        serde_json::from_value(json!({
            "user_id": id, "email": email, "role": role, "can_manage_nodes": nodes,
            "can_invite_users": role == "owner", "can_manage_firewall": role == "owner"
        }))
        .unwrap()
    }

    fn inv(id: i64, email: &str, role: &str, expires: &str, by: &str) -> Invitation {
        serde_json::from_value(json!({
            "id": id, "email": email, "network_id": 1, "network_name": "team",
            "invited_by_user_id": 1, "invited_by_email": by, "token": "t", "role": role,
            "status": "pending", "expires_at": expires
        }))
        .unwrap()
    }

    fn owner_net() -> Vec<Network> {
        vec![Network {
            id: 1,
            name: "team".into(),
            subnet_cidr: None,
            ca_cert_path: None,
            created_at: None,
            role: Some("owner".into()),
            can_manage_nodes: Some(true),
            can_invite_users: Some(true),
            can_manage_firewall: Some(true),
        }]
    }

    fn owen() -> Caller {
        Caller {
            email: Some("owen@example.com".into()),
            system_admin: false,
        }
    }

    fn plan(
        rows: &[Planned],
        members: &[Member],
        pending: &[Invitation],
        prune: bool,
    ) -> Vec<Action> {
        let st = NetworkState {
            network_id: 1,
            network_name: "team",
            rows,
            members,
            pending,
        };
        plan_network(&st, &owen(), &owner_net(), prune, Utc::now())
    }

    fn kinds(p: &[Action]) -> Vec<(String, &'static str, &'static str)> {
        p.iter()
            .map(|a| (a.email.clone(), a.kind.word(), a.status))
            .collect()
    }

    #[test]
    fn sync_plans_every_kind_of_action() {
        let future = "2099-01-01T00:00:00";
        let past = "2000-01-01T00:00:00";
        let members = [
            member(1, "owen@example.com", "owner", true),
            member(2, "bob@example.com", "member", false),
            member(3, "dave@example.com", "member", false),
            member(4, "zed@example.com", "member", false),
        ];
        let pending = [
            inv(10, "ana@example.com", "member", future, "owen@example.com"),
            inv(11, "cy@example.com", "member", past, "owen@example.com"),
            inv(12, "ed@example.com", "member", future, "owen@example.com"),
            inv(13, "old@example.com", "member", future, "owen@example.com"),
        ];
        let rows = [
            row(2, "owen@example.com", "owner", false),
            row(3, "Bob@example.com".to_lowercase().as_str(), "member", true),
            row(4, "dave@example.com", "member", false),
            row(5, "ana@example.com", "owner", false),
            row(6, "cy@example.com", "member", false),
            row(7, "ed@example.com", "member", false),
            row(8, "new@example.com", "member", false),
        ];
        let p = plan(&rows, &members, &pending, false);
        let got = kinds(&p);
        let want = [
            ("ana@example.com", "replace", "planned"),
            ("bob@example.com", "update", "planned"),
            ("cy@example.com", "replace", "planned"),
            ("dave@example.com", "keep", "skipped"),
            ("ed@example.com", "keep", "skipped"),
            ("new@example.com", "invite", "planned"),
            // Owners by role only: owen's flags in the file do not matter.
            ("owen@example.com", "keep", "skipped"),
            ("old@example.com", "revoke", "skipped"),
            ("zed@example.com", "remove", "skipped"),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(e, k, s)| (e.to_string(), *k, *s))
                .collect::<Vec<_>>()
        );
        assert_eq!(p[1].patch.can_manage_nodes, Some(true));
        assert_eq!(p[1].patch.role, None);
        assert_eq!(p[2].changes[0].0, "deadline");
        // With --prune the extras become actions.
        let p = plan(&rows, &members, &pending, true);
        let extras: Vec<_> = kinds(&p).into_iter().skip(7).collect();
        assert_eq!(
            extras,
            [
                ("old@example.com".to_string(), "revoke", "planned"),
                ("zed@example.com".to_string(), "remove", "planned")
            ]
        );
    }

    #[test]
    fn sync_never_removes_the_caller_or_the_last_owner() {
        let members = [
            member(1, "owen@example.com", "owner", true),
            member(2, "olga@example.com", "owner", true),
        ];
        // The file demotes owen (the caller) and leaves olga out.
        let rows = [row(2, "owen@example.com", "member", false)];
        let p = plan(&rows, &members, &[], true);
        assert_eq!(p[0].kind, Kind::Update);
        assert_eq!(p[0].status, "skipped");
        assert!(p[0].reason.as_deref().unwrap().contains("this is you"));
        // olga would be the last owner left after owen's (refused) demotion? owen stays
        // owner, so olga may go.
        assert_eq!((p[1].kind, p[1].status), (Kind::Remove, "planned"));
        // Without the caller among the owners: the last one stays.
        let members = [
            member(2, "olga@example.com", "owner", true),
            member(3, "m@example.com", "member", false),
        ];
        let rows = [row(2, "m@example.com", "member", false)];
        let p = plan(&rows, &members, &[], true);
        let olga = p.iter().find(|a| a.email == "olga@example.com").unwrap();
        assert_eq!(olga.status, "skipped");
        assert!(olga.reason.as_deref().unwrap().contains("last owner"));
        // A promotion in the same plan lets the old owner go; it changes only the role.
        let rows = [row(2, "m@example.com", "owner", true)];
        let p = plan(&rows, &members, &[], true);
        assert_eq!(p[0].changes.len(), 1, "{:?}", p[0].changes);
        assert_eq!(p[0].patch.role.as_deref(), Some("owner"));
        assert_eq!(p[0].patch.can_manage_nodes, None);
        assert!(
            p.iter().all(|a| a.kind == Kind::Keep || a.is_change()),
            "{:?}",
            kinds(&p)
        );
    }

    #[test]
    fn sync_keeps_a_member_no_file_can_name() {
        let nameless: Member = serde_json::from_value(json!({
            "user_id": 9, "email": null, "role": "member"
        }))
        .unwrap();
        let members = [member(1, "owen@example.com", "owner", true), nameless];
        let rows = [row(2, "owen@example.com", "owner", false)];
        let p = plan(&rows, &members, &[], true);
        assert_eq!(p[1].email, "user 9 (no address)");
        assert_eq!((p[1].kind, p[1].status), (Kind::Remove, "skipped"));
    }

    #[test]
    fn sync_guards_against_mass_removal() {
        let members = [
            member(1, "owen@example.com", "owner", true),
            member(2, "a@example.com", "member", false),
            member(3, "b@example.com", "member", false),
        ];
        let rows = [row(2, "owen@example.com", "owner", false)];
        let p = plan(&rows, &members, &[], true);
        assert!(mass_removal(1, 3, &p).is_some());
        let rows = [
            row(2, "owen@example.com", "owner", false),
            row(3, "a@example.com", "member", false),
        ];
        let p = plan(&rows, &members, &[], true);
        assert!(mass_removal(2, 3, &p).is_none());
        assert!(mass_removal(0, 3, &p).unwrap().contains("no rows"));
    }

    #[test]
    fn sync_refuses_conflicting_duplicates() {
        let mut problems = Vec::new();
        let rows = dedup(
            vec![
                row(2, "a@example.com", "member", false),
                row(3, "a@example.com", "member", false),
                row(4, "a@example.com", "owner", false),
            ],
            &mut problems,
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 4);
    }
}

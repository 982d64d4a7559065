//! The stand-in's database and the backend's business rules on top of it.
//!
//! Rows mirror the backend's SQLAlchemy models (networks, users keyed by the
//! token's `sub`, network memberships, invitations). The rules here are the
//! ones the real handlers apply: who counts as able to invite, which
//! invitations a caller may list, how rows render as JSON. Statuses are
//! *stored* values: nothing ever turns a past-deadline `pending` invitation
//! into `expired` (the backend's attempt is rolled back with its 410), which
//! is why listing and `status_filter` see it as `pending` forever.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, Timelike};
use serde::Serialize;

use crate::jwt::Claims;

/// `datetime.isoformat()` of a naive UTC datetime: microseconds, or no
/// fraction at all when they are zero.
pub fn fmt_dt(dt: &NaiveDateTime) -> String {
    let micros = dt.nanosecond() / 1_000 % 1_000_000;
    if micros == 0 {
        dt.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        format!("{}.{micros:06}", dt.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// The current UTC time at Python's resolution (microseconds).
pub fn now_utc() -> NaiveDateTime {
    truncate_micros(chrono::Utc::now().naive_utc())
}

pub fn truncate_micros(dt: NaiveDateTime) -> NaiveDateTime {
    let nanos = dt.nanosecond();
    dt.with_nanosecond(nanos - nanos % 1_000).unwrap_or(dt)
}

/// Python's `datetime` range: years 1 to 9999.
pub fn in_python_range(dt: &NaiveDateTime) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&dt.year())
}

#[derive(Debug, Clone)]
pub struct Network {
    pub id: i64,
    pub name: String,
    pub subnet_cidr: String,
    pub created_at: NaiveDateTime,
}

/// A user record. Its `oidc_sub` column is the key of `Db::user_by_sub`.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub oidc_sub: String,
    pub email: Option<String>,
    pub system_role: String,
    pub created_at: NaiveDateTime,
}

/// A network permission row: a member of a network.
#[derive(Debug, Clone)]
pub struct Membership {
    pub user_id: i64,
    pub network_id: i64,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    /// Who added them (the inviter, for an accepted invitation); `None` for
    /// whoever created the network.
    pub invited_by_user_id: Option<i64>,
    /// When the membership began.
    pub created_at: NaiveDateTime,
}

/// One row of the audit log. Only successful calls write one.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub action: String,
    pub actor_user_id: Option<i64>,
    pub actor_identifier: Option<String>,
    pub actor_email: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<i64>,
    pub result: String,
    /// `json.dumps(details)` as the backend stores it: a string, not an object.
    pub details: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub network_id: i64,
    pub invited_by_user_id: i64,
    pub token: String,
    pub role: String,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub status: String,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub email_status: String,
    pub email_sent_at: Option<NaiveDateTime>,
    pub email_error: Option<String>,
}

/// Which network-level right `check_network_permission` is asked about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Perm {
    /// Only `role == "owner"` counts.
    Owner,
    /// Owner, or `can_invite_users`.
    InviteUsers,
}

#[derive(Debug, Default)]
pub struct Db {
    pub networks: BTreeMap<i64, Network>,
    pub users: BTreeMap<i64, User>,
    user_by_sub: HashMap<String, i64>,
    pub memberships: Vec<Membership>,
    pub invitations: BTreeMap<i64, Invitation>,
    /// Oldest first (insertion order); the endpoint answers newest first.
    pub audit: Vec<AuditEntry>,
    token_index: HashMap<String, i64>,
    next_network: i64,
    next_user: i64,
    next_invitation: i64,
    next_audit: i64,
}

impl Db {
    pub fn user_by_sub(&self, sub: &str) -> Option<&User> {
        self.user_by_sub.get(sub).and_then(|id| self.users.get(id))
    }

    /// Creates a user record (ids from one sequence, like SQLite's).
    pub fn insert_user(&mut self, sub: &str, email: Option<&str>, system_role: &str) -> i64 {
        self.next_user += 1;
        let id = self.next_user;
        self.users.insert(
            id,
            User {
                id,
                oidc_sub: sub.to_string(),
                email: email.map(str::to_string),
                system_role: system_role.to_string(),
                created_at: now_utc(),
            },
        );
        self.user_by_sub.insert(sub.to_string(), id);
        id
    }

    /// The user record for a token, created on first sight (what
    /// `GET /api/networks` and accepting an invitation do).
    pub fn ensure_user(&mut self, claims: &Claims) -> i64 {
        match self.user_by_sub(&claims.sub) {
            Some(u) => u.id,
            None => self.insert_user(&claims.sub, claims.email.as_deref(), &claims.system_role),
        }
    }

    pub fn insert_network(&mut self, name: &str, subnet: &str, created_at: NaiveDateTime) -> i64 {
        self.next_network += 1;
        let id = self.next_network;
        self.networks.insert(
            id,
            Network {
                id,
                name: name.to_string(),
                subnet_cidr: subnet.to_string(),
                created_at,
            },
        );
        id
    }

    pub fn membership(&self, user_id: i64, network_id: i64) -> Option<&Membership> {
        self.memberships
            .iter()
            .find(|m| m.user_id == user_id && m.network_id == network_id)
    }

    /// Adds or replaces the (user, network) membership (unique in the backend).
    /// A replaced row keeps its place, so listings stay in insertion order.
    pub fn upsert_membership(&mut self, m: Membership) {
        match self
            .memberships
            .iter_mut()
            .find(|x| x.user_id == m.user_id && x.network_id == m.network_id)
        {
            Some(existing) => *existing = m,
            None => self.memberships.push(m),
        }
    }

    /// The members of a network in the order the rows were inserted (the
    /// backend's unordered `SELECT`, which SQLite answers in rowid order).
    pub fn members(&self, network_id: i64) -> Vec<MemberView<'_>> {
        self.memberships
            .iter()
            .filter(|m| m.network_id == network_id)
            .map(|m| self.member_view(m))
            .collect()
    }

    /// A membership as the members endpoints render it.
    pub fn member_view<'a>(&'a self, m: &'a Membership) -> MemberView<'a> {
        let email = |id: i64| self.users.get(&id).and_then(|u| u.email.as_deref());
        MemberView {
            user_id: m.user_id,
            email: email(m.user_id),
            role: &m.role,
            can_manage_nodes: m.can_manage_nodes,
            can_invite_users: m.can_invite_users,
            can_manage_firewall: m.can_manage_firewall,
            invited_by_user_id: m.invited_by_user_id,
            invited_by_email: m.invited_by_user_id.and_then(email),
            created_at: fmt_dt(&m.created_at),
        }
    }

    /// Appends an audit entry, giving it the next id; returns that id.
    pub fn record_audit(&mut self, mut entry: AuditEntry) -> i64 {
        self.next_audit += 1;
        entry.id = self.next_audit;
        self.audit.push(entry);
        self.next_audit
    }

    /// `GET /api/users` rows: newest first; rows created in the same
    /// microsecond keep id order (SQLite's stable sort over a rowid scan).
    pub fn user_views(&self) -> Vec<UserView<'_>> {
        let mut users: Vec<&User> = self.users.values().collect();
        users.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        users.into_iter().map(|u| self.user_view(u)).collect()
    }

    pub fn user_view<'a>(&'a self, u: &'a User) -> UserView<'a> {
        UserView {
            id: u.id,
            oidc_sub: &u.oidc_sub,
            email: u.email.as_deref(),
            system_role: &u.system_role,
            created_at: fmt_dt(&u.created_at),
            network_count: self
                .memberships
                .iter()
                .filter(|m| m.user_id == u.id)
                .count(),
        }
    }

    /// `GET /api/users/{id}`: the user plus the networks they belong to.
    /// `network_count` counts only memberships whose network still exists,
    /// as the backend's detail view does.
    pub fn user_detail(&self, id: i64) -> Option<UserDetailView<'_>> {
        let u = self.users.get(&id)?;
        let networks: Vec<UserNetworkView<'_>> = self
            .memberships
            .iter()
            .filter(|m| m.user_id == id)
            .filter_map(|m| {
                let n = self.networks.get(&m.network_id)?;
                Some(UserNetworkView {
                    id: n.id,
                    name: &n.name,
                    role: &m.role,
                    can_manage_nodes: m.can_manage_nodes,
                    can_invite_users: m.can_invite_users,
                    can_manage_firewall: m.can_manage_firewall,
                })
            })
            .collect();
        let mut user = self.user_view(u);
        user.network_count = networks.len();
        Some(UserDetailView { user, networks })
    }

    /// `check_network_permission(user_id, network_id, perm)`.
    pub fn has_permission(&self, user_id: i64, network_id: i64, perm: Perm) -> bool {
        match self.membership(user_id, network_id) {
            None => false,
            Some(m) => match perm {
                Perm::Owner => m.role == "owner",
                Perm::InviteUsers => m.role == "owner" || m.can_invite_users,
            },
        }
    }

    pub fn insert_invitation(&mut self, mut inv: Invitation) -> i64 {
        self.next_invitation += 1;
        inv.id = self.next_invitation;
        self.token_index.insert(inv.token.clone(), inv.id);
        let id = inv.id;
        self.invitations.insert(id, inv);
        id
    }

    pub fn invitation_by_token(&self, token: &str) -> Option<&Invitation> {
        self.token_index
            .get(token)
            .and_then(|id| self.invitations.get(id))
    }

    /// Invitations visible to `claims` in the list endpoint, newest first.
    /// `None` stands for "the query would overflow SQLite" (a 500).
    pub fn visible_invitations(
        &self,
        claims: &Claims,
        network_id: Option<Option<i64>>,
        status_filter: Option<&str>,
    ) -> Option<Vec<&Invitation>> {
        let Some(user) = self.user_by_sub(&claims.sub) else {
            return Some(Vec::new());
        };
        let allowed: Option<Vec<i64>> = if claims.is_system_admin() {
            None
        } else {
            let ids: Vec<i64> = self
                .memberships
                .iter()
                .filter(|m| m.user_id == user.id && (m.role == "owner" || m.can_invite_users))
                .map(|m| m.network_id)
                .collect();
            if ids.is_empty() {
                return Some(Vec::new());
            }
            Some(ids)
        };
        // `Some(None)`: a network_id too large for SQLite's INTEGER.
        let network_id = match network_id {
            Some(None) => return None,
            Some(Some(n)) => Some(n),
            None => None,
        };
        let mut rows: Vec<&Invitation> = self
            .invitations
            .values()
            .filter(|i| {
                allowed
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&i.network_id))
            })
            .filter(|i| network_id.is_none_or(|n| i.network_id == n))
            .filter(|i| status_filter.is_none_or(|s| i.status == s))
            .collect();
        // SQLite's sort is stable over the rowid scan: ties keep id order.
        rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Some(rows)
    }

    /// Renders an invitation as the list and create endpoints do. On resend
    /// the backend passes the caller's email as `invited_by_email` instead of
    /// the inviter's: `inviter_email_override` carries that.
    pub fn view<'a>(
        &'a self,
        inv: &'a Invitation,
        inviter_email_override: Option<Option<&'a str>>,
    ) -> InvitationView<'a> {
        let invited_by_email = match inviter_email_override {
            Some(e) => e,
            None => self
                .users
                .get(&inv.invited_by_user_id)
                .and_then(|u| u.email.as_deref()),
        };
        InvitationView {
            id: inv.id,
            email: &inv.email,
            network_id: inv.network_id,
            network_name: self
                .networks
                .get(&inv.network_id)
                .map_or("Unknown", |n| n.name.as_str()),
            invited_by_user_id: inv.invited_by_user_id,
            invited_by_email,
            token: &inv.token,
            role: &inv.role,
            can_manage_nodes: inv.can_manage_nodes,
            can_invite_users: inv.can_invite_users,
            can_manage_firewall: inv.can_manage_firewall,
            status: &inv.status,
            expires_at: fmt_dt(&inv.expires_at),
            accepted_at: inv.accepted_at.as_ref().map(fmt_dt),
            created_at: fmt_dt(&inv.created_at),
            email_status: &inv.email_status,
            email_sent_at: inv.email_sent_at.as_ref().map(fmt_dt),
            email_error: inv.email_error.as_deref(),
        }
    }

    /// The public preview of an invitation.
    pub fn public_view<'a>(&'a self, inv: &'a Invitation) -> PublicView<'a> {
        PublicView {
            email: &inv.email,
            network_name: self
                .networks
                .get(&inv.network_id)
                .map_or("Unknown", |n| n.name.as_str()),
            invited_by_email: self
                .users
                .get(&inv.invited_by_user_id)
                .and_then(|u| u.email.as_deref()),
            role: &inv.role,
            can_manage_nodes: inv.can_manage_nodes,
            can_invite_users: inv.can_invite_users,
            can_manage_firewall: inv.can_manage_firewall,
            status: &inv.status,
            expires_at: fmt_dt(&inv.expires_at),
        }
    }

    /// `GET /api/networks` rows for this caller, sorted by id.
    pub fn network_views(&self, claims: &Claims, user_id: i64) -> Vec<NetworkView<'_>> {
        let admin = claims.is_system_admin();
        self.networks
            .values()
            .filter_map(|n| {
                let (role, nodes, invite, firewall) = if admin {
                    ("admin", true, true, true)
                } else {
                    let m = self.membership(user_id, n.id)?;
                    (
                        m.role.as_str(),
                        m.can_manage_nodes,
                        m.can_invite_users,
                        m.can_manage_firewall,
                    )
                };
                Some(NetworkView {
                    id: n.id,
                    name: &n.name,
                    subnet_cidr: &n.subnet_cidr,
                    ca_cert_path: None,
                    created_at: fmt_dt(&n.created_at),
                    role,
                    can_manage_nodes: nodes,
                    can_invite_users: invite,
                    can_manage_firewall: firewall,
                })
            })
            .collect()
    }
}

/// Invitation JSON, fields in the backend's order.
#[derive(Debug, Serialize)]
pub struct InvitationView<'a> {
    pub id: i64,
    pub email: &'a str,
    pub network_id: i64,
    pub network_name: &'a str,
    pub invited_by_user_id: i64,
    pub invited_by_email: Option<&'a str>,
    pub token: &'a str,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub status: &'a str,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    pub created_at: String,
    pub email_status: &'a str,
    pub email_sent_at: Option<String>,
    pub email_error: Option<&'a str>,
}

/// A member, fields in the backend's order.
#[derive(Debug, Serialize)]
pub struct MemberView<'a> {
    pub user_id: i64,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub invited_by_user_id: Option<i64>,
    pub invited_by_email: Option<&'a str>,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    pub id: i64,
    pub oidc_sub: &'a str,
    pub email: Option<&'a str>,
    pub system_role: &'a str,
    pub created_at: String,
    pub network_count: usize,
}

#[derive(Debug, Serialize)]
pub struct UserNetworkView<'a> {
    pub id: i64,
    pub name: &'a str,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
}

#[derive(Debug, Serialize)]
pub struct UserDetailView<'a> {
    #[serde(flatten)]
    pub user: UserView<'a>,
    pub networks: Vec<UserNetworkView<'a>>,
}

/// An audit entry, fields in the backend's order.
#[derive(Debug, Serialize)]
pub struct AuditView<'a> {
    pub id: i64,
    pub occurred_at: String,
    pub action: &'a str,
    pub actor_user_id: Option<i64>,
    pub actor_identifier: Option<&'a str>,
    pub actor_email: Option<&'a str>,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<i64>,
    pub result: &'a str,
    pub details: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

impl AuditEntry {
    pub fn view(&self) -> AuditView<'_> {
        AuditView {
            id: self.id,
            occurred_at: fmt_dt(&self.occurred_at),
            action: &self.action,
            actor_user_id: self.actor_user_id,
            actor_identifier: self.actor_identifier.as_deref(),
            actor_email: self.actor_email.as_deref(),
            resource_type: self.resource_type.as_deref(),
            resource_id: self.resource_id,
            result: &self.result,
            details: self.details.as_deref(),
            client_ip: self.client_ip.as_deref(),
        }
    }
}

/// `json.dumps(obj)` with its defaults: `", "` and `": "` separators and
/// non-ASCII escaped as `\uXXXX` (the audit log's `details` column).
pub fn py_dumps_details(fields: &[(&str, DetailValue<'_>)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ascii_str(&mut out, k);
        out.push_str(": ");
        match v {
            DetailValue::Str(s) => write_ascii_str(&mut out, s),
            DetailValue::Int(n) => out.push_str(&n.to_string()),
        }
    }
    out.push('}');
    out
}

/// A value in an audit entry's details.
#[derive(Debug, Clone, Copy)]
pub enum DetailValue<'a> {
    Str(&'a str),
    Int(i64),
}

fn write_ascii_str(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    let mut plain = String::new();
    crate::pyjson::write_str(&mut plain, s);
    for c in plain.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PublicView<'a> {
    pub email: &'a str,
    pub network_name: &'a str,
    pub invited_by_email: Option<&'a str>,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub status: &'a str,
    pub expires_at: String,
}

#[derive(Debug, Serialize)]
pub struct NetworkView<'a> {
    pub id: i64,
    pub name: &'a str,
    pub subnet_cidr: &'a str,
    pub ca_cert_path: Option<&'a str>,
    pub created_at: String,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn dt(h: u32, m: u32, s: u32, micro: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_micro_opt(h, m, s, micro))
            .expect("valid date")
    }

    fn claims(sub: &str, role: &str) -> Claims {
        Claims {
            sub: sub.into(),
            email: Some(format!("{sub}@example.com")),
            role: role.into(),
            system_role: role.into(),
        }
    }

    fn invitation(network_id: i64, status: &str, created_at: NaiveDateTime) -> Invitation {
        Invitation {
            id: 0,
            email: "x@example.com".into(),
            network_id,
            invited_by_user_id: 1,
            token: format!("tok-{network_id}-{status}-{created_at}"),
            role: "member".into(),
            can_manage_nodes: false,
            can_invite_users: false,
            can_manage_firewall: false,
            status: status.into(),
            expires_at: dt(0, 0, 0, 0),
            accepted_at: None,
            created_at,
            email_status: "not_sent".into(),
            email_sent_at: None,
            email_error: None,
        }
    }

    #[test]
    fn datetimes_render_like_python_isoformat() {
        assert_eq!(fmt_dt(&dt(10, 0, 0, 0)), "2026-11-20T10:00:00");
        assert_eq!(
            fmt_dt(&dt(1, 54, 59, 342_552)),
            "2026-11-20T01:54:59.342552"
        );
        assert_eq!(fmt_dt(&dt(1, 2, 3, 7)), "2026-11-20T01:02:03.000007");
        let year_1 = NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("valid date");
        assert_eq!(fmt_dt(&year_1), "0001-01-01T00:00:00");
        assert!(in_python_range(&year_1));
        assert_eq!(
            truncate_micros(dt(0, 0, 0, 1).with_nanosecond(1_999).unwrap()).nanosecond(),
            1_000
        );
    }

    #[test]
    fn list_visibility_and_order() {
        let mut db = Db::default();
        let n1 = db.insert_network("alpha", "10.0.0.0/16", dt(0, 0, 0, 0));
        let n2 = db.insert_network("beta", "10.1.0.0/16", dt(0, 0, 0, 0));
        let admin = claims("admin", "system-admin");
        let owner = claims("owner", "user");
        let member = claims("member", "user");
        db.ensure_user(&admin);
        let owner_id = db.ensure_user(&owner);
        let member_id = db.ensure_user(&member);
        db.upsert_membership(Membership {
            user_id: owner_id,
            network_id: n1,
            role: "owner".into(),
            can_manage_nodes: false,
            can_invite_users: false,
            can_manage_firewall: false,
            invited_by_user_id: None,
            created_at: dt(0, 0, 0, 0),
        });
        db.upsert_membership(Membership {
            user_id: member_id,
            network_id: n2,
            role: "member".into(),
            can_manage_nodes: true,
            can_invite_users: false,
            can_manage_firewall: true,
            invited_by_user_id: None,
            created_at: dt(0, 0, 0, 0),
        });
        let a = db.insert_invitation(invitation(n1, "pending", dt(1, 0, 0, 0)));
        let b = db.insert_invitation(invitation(n2, "revoked", dt(3, 0, 0, 0)));
        let c = db.insert_invitation(invitation(n1, "accepted", dt(2, 0, 0, 0)));
        let d = db.insert_invitation(invitation(n1, "pending", dt(2, 0, 0, 0)));
        let ids = |rows: Option<Vec<&Invitation>>| -> Vec<i64> {
            rows.expect("no overflow").iter().map(|i| i.id).collect()
        };
        assert_eq!(
            ids(db.visible_invitations(&admin, None, None)),
            vec![b, c, d, a]
        );
        assert_eq!(
            ids(db.visible_invitations(&owner, None, None)),
            vec![c, d, a]
        );
        // A member without can_invite_users sees nothing, not even their network.
        assert!(ids(db.visible_invitations(&member, None, None)).is_empty());
        assert_eq!(
            ids(db.visible_invitations(&admin, Some(Some(n2)), None)),
            vec![b]
        );
        assert_eq!(
            ids(db.visible_invitations(&admin, None, Some("pending"))),
            vec![d, a]
        );
        assert!(ids(db.visible_invitations(&admin, None, Some("PENDING"))).is_empty());
        assert!(ids(db.visible_invitations(&admin, Some(Some(99)), None)).is_empty());
        // No user record: empty, even for a system admin.
        assert!(
            ids(db.visible_invitations(&claims("ghost", "system-admin"), None, None)).is_empty()
        );
        assert!(db.visible_invitations(&admin, Some(None), None).is_none());
    }

    #[test]
    fn permissions_and_network_views() {
        let mut db = Db::default();
        let n1 = db.insert_network("alpha", "10.0.0.0/16", dt(0, 0, 0, 0));
        let n2 = db.insert_network("beta", "10.1.0.0/16", dt(0, 0, 0, 5));
        let user = claims("u", "user");
        let uid = db.ensure_user(&user);
        db.upsert_membership(Membership {
            user_id: uid,
            network_id: n2,
            role: "member".into(),
            can_manage_nodes: false,
            can_invite_users: true,
            can_manage_firewall: false,
            invited_by_user_id: None,
            created_at: dt(0, 0, 0, 0),
        });
        assert!(db.has_permission(uid, n2, Perm::InviteUsers));
        assert!(!db.has_permission(uid, n2, Perm::Owner));
        assert!(!db.has_permission(uid, n1, Perm::InviteUsers));
        let views = db.network_views(&user, uid);
        assert_eq!(views.len(), 1);
        assert_eq!(
            serde_json::to_string(&views[0]).unwrap(),
            r#"{"id":2,"name":"beta","subnet_cidr":"10.1.0.0/16","ca_cert_path":null,"created_at":"2026-11-20T00:00:00.000005","role":"member","can_manage_nodes":false,"can_invite_users":true,"can_manage_firewall":false}"#
        );
        let admin = claims("a", "system-admin");
        let aid = db.ensure_user(&admin);
        let views = db.network_views(&admin, aid);
        assert_eq!(views.iter().map(|v| v.id).collect::<Vec<_>>(), vec![n1, n2]);
        assert!(
            views
                .iter()
                .all(|v| v.role == "admin" && v.can_manage_firewall)
        );
    }

    #[test]
    fn invitation_json_field_order_and_unknown_network() {
        let mut db = Db::default();
        let inviter = db.ensure_user(&claims("dev", "system-admin"));
        let mut inv = invitation(7, "pending", dt(1, 54, 59, 367_200));
        inv.invited_by_user_id = inviter;
        inv.token = "T".into();
        let id = db.insert_invitation(inv);
        let inv = &db.invitations[&id];
        assert_eq!(
            serde_json::to_string(&db.view(inv, None)).unwrap(),
            r#"{"id":1,"email":"x@example.com","network_id":7,"network_name":"Unknown","invited_by_user_id":1,"invited_by_email":"dev@example.com","token":"T","role":"member","can_manage_nodes":false,"can_invite_users":false,"can_manage_firewall":false,"status":"pending","expires_at":"2026-11-20T00:00:00","accepted_at":null,"created_at":"2026-11-20T01:54:59.367200","email_status":"not_sent","email_sent_at":null,"email_error":null}"#
        );
        let resent = serde_json::to_value(db.view(inv, Some(None))).unwrap();
        assert_eq!(resent["invited_by_email"], serde_json::Value::Null);
    }
}

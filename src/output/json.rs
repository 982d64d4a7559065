//! The JSON shapes netinvite prints. Field names are part of the interface (docs/json.md):
//! every server field under its own name, times as RFC 3339 UTC, plus `link` and the
//! effective `status` (with the stored one as `stored_status`).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{link, time};
use crate::api::models::{Invitation, Network, PublicInvitation};

#[derive(Serialize)]
pub struct InvitationJson<'a> {
    pub id: i64,
    pub email: &'a str,
    pub network_id: i64,
    pub network_name: &'a str,
    pub invited_by_user_id: Option<i64>,
    pub invited_by_email: Option<&'a str>,
    pub token: &'a str,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    /// Effective: a stored `pending` past its deadline is `expired`.
    pub status: &'a str,
    pub stored_status: &'a str,
    pub expires_at: Option<String>,
    pub accepted_at: Option<String>,
    pub created_at: Option<String>,
    pub email_status: &'a str,
    pub email_sent_at: Option<String>,
    pub email_error: Option<&'a str>,
    pub link: String,
}

impl<'a> InvitationJson<'a> {
    pub fn new(i: &'a Invitation, public_base: &str, now: DateTime<Utc>) -> Self {
        Self {
            id: i.id,
            email: &i.email,
            network_id: i.network_id,
            network_name: &i.network_name,
            invited_by_user_id: i.invited_by_user_id,
            invited_by_email: i.invited_by_email.as_deref(),
            token: &i.token,
            role: &i.role,
            can_manage_nodes: i.can_manage_nodes,
            can_invite_users: i.can_invite_users,
            can_manage_firewall: i.can_manage_firewall,
            status: i.effective_status(now),
            stored_status: &i.status,
            expires_at: i.expires_at.map(time::rfc3339),
            accepted_at: i.accepted_at.map(time::rfc3339),
            created_at: i.created_at.map(time::rfc3339),
            email_status: &i.email_status,
            email_sent_at: i.email_sent_at.map(time::rfc3339),
            email_error: i.email_error.as_deref(),
            link: link(public_base, &i.token),
        }
    }
}

#[derive(Serialize)]
pub struct NetworkJson<'a> {
    pub id: i64,
    pub name: &'a str,
    pub subnet_cidr: Option<&'a str>,
    pub ca_cert_path: Option<&'a str>,
    pub created_at: Option<String>,
    pub role: Option<&'a str>,
    pub can_manage_nodes: Option<bool>,
    pub can_invite_users: Option<bool>,
    pub can_manage_firewall: Option<bool>,
}

impl<'a> NetworkJson<'a> {
    pub fn new(n: &'a Network) -> Self {
        Self {
            id: n.id,
            name: &n.name,
            subnet_cidr: n.subnet_cidr.as_deref(),
            ca_cert_path: n.ca_cert_path.as_deref(),
            created_at: n.created_at.map(time::rfc3339),
            role: n.role.as_deref(),
            can_manage_nodes: n.can_manage_nodes,
            can_invite_users: n.can_invite_users,
            can_manage_firewall: n.can_manage_firewall,
        }
    }
}

#[derive(Serialize)]
pub struct PublicInvitationJson<'a> {
    pub email: &'a str,
    pub network_name: &'a str,
    pub invited_by_email: Option<&'a str>,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub status: &'a str,
    pub stored_status: &'a str,
    pub expires_at: Option<String>,
    pub token: &'a str,
    pub link: String,
}

impl<'a> PublicInvitationJson<'a> {
    pub fn new(
        p: &'a PublicInvitation,
        token: &'a str,
        public_base: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            email: &p.email,
            network_name: &p.network_name,
            invited_by_email: p.invited_by_email.as_deref(),
            role: &p.role,
            can_manage_nodes: p.can_manage_nodes,
            can_invite_users: p.can_invite_users,
            can_manage_firewall: p.can_manage_firewall,
            status: crate::api::models::effective_status(&p.status, p.expires_at, now),
            stored_status: &p.status,
            expires_at: p.expires_at.map(time::rfc3339),
            token,
            link: link(public_base, token),
        }
    }
}

/// One invitation as an object, several as an array (`create`, `resend`).
pub fn invitations_one_or_many(
    list: &[Invitation],
    public_base: &str,
    now: DateTime<Utc>,
) -> String {
    match list {
        [one] => to_pretty(&InvitationJson::new(one, public_base, now)),
        many => to_pretty(
            &many
                .iter()
                .map(|i| InvitationJson::new(i, public_base, now))
                .collect::<Vec<_>>(),
        ),
    }
}

/// Pretty JSON with a final newline.
pub fn to_pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// One compact JSON line.
pub fn to_line<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

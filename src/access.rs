//! Who may do what, as the server decides it (api.md 5 and 3.12–3.14), so that a plan
//! tells the truth before anything is sent: an invitation the caller may not revoke is
//! shown as "not yours" and skipped, not sent and refused after the fact.
//!
//! The caller is read from the bearer token's own claims (`email`, `system_role`, the
//! only ones the server reads, api.md 6.2): no request. The caller's role in each network
//! comes from `GET /api/networks`, which reports it per network (`admin` for a system
//! admin). Nothing here knows HTTP or terminals.

use crate::api::models::{Invitation, Network};

/// The signed-in person as the server sees them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Caller {
    pub email: Option<String>,
    pub system_admin: bool,
}

impl Caller {
    /// From a token's claims: `system_role` (or the legacy `role`) `system-admin` makes a
    /// system admin. `None` when the token is not a JWT (then ask `/api/auth/me`).
    pub fn from_token(token: &str) -> Option<Caller> {
        let claims = crate::auth::jwt::claims(token)?;
        let role = claims.system_role.or(claims.role);
        Some(Caller {
            email: claims.email.map(|e| e.to_lowercase()),
            system_admin: role.as_deref() == Some(SYSTEM_ADMIN),
        })
    }

    /// Whether `email` is the caller's own address (any case).
    pub fn is(&self, email: &str) -> bool {
        self.email
            .as_deref()
            .is_some_and(|me| me.eq_ignore_ascii_case(email))
    }
}

/// The server's only elevated system role.
pub const SYSTEM_ADMIN: &str = "system-admin";

/// Who may list, change and remove a network's members.
pub const MEMBER_MANAGERS: &str = "network owners and system admins";
/// Who may add a member or invite.
pub const INVITERS: &str = "network owners, system admins and members with can_invite_users";
/// Who may revoke an invitation.
pub const REVOKERS: &str = "its inviter, the network's owners and system admins";

/// The caller's standing in one network, from `GET /api/networks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A system admin (the server reports `admin`).
    Admin,
    Owner,
    Member {
        can_invite_users: bool,
    },
}

impl Standing {
    pub fn of(net: &Network) -> Standing {
        match net.role.as_deref() {
            Some("admin") => Standing::Admin,
            Some("owner") => Standing::Owner,
            _ => Standing::Member {
                can_invite_users: net.can_invite_users.unwrap_or(false),
            },
        }
    }

    /// List, change and remove members; revoke any invitation of the network.
    pub fn manages_members(self) -> bool {
        matches!(self, Standing::Admin | Standing::Owner)
    }

    /// Invite, resend, list the network's invitations, add a member.
    pub fn invites(self) -> bool {
        !matches!(
            self,
            Standing::Member {
                can_invite_users: false
            }
        )
    }
}

/// Whether the caller may revoke `inv`: a system admin, an owner of its network, or its
/// inviter (even one who has since lost their permissions). An inviter the caller cannot
/// compare (no email on either side) is given the benefit of the doubt: the server then
/// decides.
pub fn may_revoke(caller: &Caller, nets: &[Network], inv: &Invitation) -> bool {
    if caller.system_admin {
        return true;
    }
    if nets
        .iter()
        .find(|n| n.id == inv.network_id)
        .is_some_and(|n| Standing::of(n).manages_members())
    {
        return true;
    }
    match (&caller.email, &inv.invited_by_email) {
        (Some(_), Some(by)) => caller.is(by),
        _ => true,
    }
}

/// Why an invitation is skipped in a plan: "not yours (invited by X)".
pub fn not_yours(inv: &Invitation) -> String {
    format!(
        "not yours (invited by {}); only {REVOKERS} may revoke it",
        inv.invited_by_email.as_deref().unwrap_or("someone else")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(id: i64, role: &str, invite: bool) -> Network {
        Network {
            id,
            name: format!("n{id}"),
            subnet_cidr: None,
            ca_cert_path: None,
            created_at: None,
            role: Some(role.into()),
            can_manage_nodes: Some(false),
            can_invite_users: Some(invite),
            can_manage_firewall: Some(false),
        }
    }

    fn inv(network_id: i64, by: Option<&str>) -> Invitation {
        serde_json::from_value(serde_json::json!({
            "id": 1, "email": "x@example.com", "network_id": network_id, "network_name": "n",
            "invited_by_user_id": 1, "invited_by_email": by, "token": "t", "role": "member",
            "status": "pending"
        }))
        .unwrap()
    }

    #[test]
    fn revoke_rules() {
        let bob = Caller {
            email: Some("bob@example.com".into()),
            system_admin: false,
        };
        let nets = vec![net(1, "member", true), net(2, "owner", false)];
        assert!(may_revoke(&bob, &nets, &inv(1, Some("Bob@Example.com"))));
        assert!(!may_revoke(&bob, &nets, &inv(1, Some("alice@example.com"))));
        assert!(may_revoke(&bob, &nets, &inv(2, Some("alice@example.com"))));
        // Cannot tell: the server decides.
        assert!(may_revoke(&bob, &nets, &inv(1, None)));
        let admin = Caller {
            email: None,
            system_admin: true,
        };
        assert!(may_revoke(&admin, &[], &inv(9, Some("x@example.com"))));
    }

    #[test]
    fn standings() {
        assert!(Standing::of(&net(1, "admin", false)).manages_members());
        assert!(Standing::of(&net(1, "owner", false)).manages_members());
        assert!(!Standing::of(&net(1, "member", true)).manages_members());
        assert!(Standing::of(&net(1, "member", true)).invites());
        assert!(!Standing::of(&net(1, "member", false)).invites());
    }

    #[test]
    fn caller_from_claims() {
        use base64::Engine;
        let enc = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let tok = |claims| {
            format!(
                "{}.{}.sig",
                enc(serde_json::json!({"alg":"RS256"})),
                enc(claims)
            )
        };
        let c = Caller::from_token(&tok(
            serde_json::json!({"sub":"a","email":"A@x.org","system_role":"system-admin"}),
        ))
        .unwrap();
        assert!(c.system_admin);
        assert!(c.is("a@X.org"));
        let c =
            Caller::from_token(&tok(serde_json::json!({"sub":"b","role":"system-admin"}))).unwrap();
        assert!(c.system_admin);
        let c = Caller::from_token(&tok(serde_json::json!({"sub":"b"}))).unwrap();
        assert!(!c.system_admin);
        assert!(Caller::from_token("opaque").is_none());
    }
}

//! Rendering network members: a table for people, TSV/CSV and JSON for scripts. The
//! JSON field names are stable (docs/json.md).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    Format, add_row, csv_field, json, new_table, permissions_text, rows_to_text, time, tsv_field,
};
use crate::api::models::Member;
use crate::style::Screen;

/// A member together with the network it belongs to.
#[derive(Debug, Clone)]
pub struct NetworkMember {
    pub network_id: i64,
    pub network_name: String,
    pub member: Member,
}

/// The stable JSON form of a member.
#[derive(Serialize)]
pub struct MemberJson<'a> {
    pub user_id: i64,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub invited_by_user_id: Option<i64>,
    pub invited_by_email: Option<&'a str>,
    pub since: Option<String>,
    pub network_id: i64,
    pub network_name: &'a str,
}

impl<'a> MemberJson<'a> {
    pub fn new(m: &'a NetworkMember) -> Self {
        let p = &m.member;
        Self {
            user_id: p.user_id,
            email: p.email.as_deref(),
            role: &p.role,
            can_manage_nodes: p.can_manage_nodes,
            can_invite_users: p.can_invite_users,
            can_manage_firewall: p.can_manage_firewall,
            invited_by_user_id: p.invited_by_user_id,
            invited_by_email: p.invited_by_email.as_deref(),
            since: p.created_at.map(time::rfc3339),
            network_id: m.network_id,
            network_name: &m.network_name,
        }
    }
}

/// Owners first, then by address (any case), then by user id: the server's order is
/// arbitrary, so this is what makes the output stable.
pub fn sort(list: &mut [NetworkMember]) {
    list.sort_by(|a, b| {
        (a.network_name.to_lowercase(), a.network_id)
            .cmp(&(b.network_name.to_lowercase(), b.network_id))
            .then_with(|| (a.member.role != "owner").cmp(&(b.member.role != "owner")))
            .then_with(|| {
                let key = |m: &Member| m.email.as_deref().map(str::to_lowercase);
                key(&a.member).cmp(&key(&b.member))
            })
            .then_with(|| a.member.user_id.cmp(&b.member.user_id))
    });
}

/// Renders members in `format`; `with_network` adds the network column (several
/// networks at once).
pub fn render(
    io: &dyn Screen,
    list: &[NetworkMember],
    format: Format,
    with_network: bool,
    now: DateTime<Utc>,
) -> String {
    match format {
        Format::Json => json::to_pretty(&list.iter().map(MemberJson::new).collect::<Vec<_>>()),
        Format::Ndjson => list
            .iter()
            .map(|m| json::to_line(&MemberJson::new(m)))
            .collect(),
        Format::Table => {
            let mut headers = vec![];
            if with_network {
                headers.push("NETWORK");
            }
            headers.extend(["EMAIL", "ROLE", "PERMISSIONS", "INVITED BY", "SINCE"]);
            let mut t = new_table(io, &headers);
            for m in list {
                let p = &m.member;
                let mut cells = Vec::new();
                if with_network {
                    cells.push(m.network_name.as_str().into());
                }
                cells.extend([
                    p.email.as_deref().unwrap_or("-").into(),
                    p.role.as_str().into(),
                    if p.role == "owner" {
                        "all (owner)".to_string().into()
                    } else {
                        permissions_text(
                            p.can_manage_nodes,
                            p.can_invite_users,
                            p.can_manage_firewall,
                        )
                        .into()
                    },
                    p.invited_by_email.as_deref().unwrap_or("-").into(),
                    time::relative(p.created_at, now).into(),
                ]);
                add_row(&mut t, cells);
            }
            format!("{t}\n")
        }
        Format::Tsv | Format::Csv => {
            let mut rows = Vec::new();
            if format == Format::Csv {
                rows.push(
                    [
                        "network_id",
                        "network_name",
                        "user_id",
                        "email",
                        "role",
                        "can_manage_nodes",
                        "can_invite_users",
                        "can_manage_firewall",
                        "invited_by_email",
                        "since",
                    ]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                );
            }
            for m in list {
                let p = &m.member;
                rows.push(vec![
                    m.network_id.to_string(),
                    m.network_name.clone(),
                    p.user_id.to_string(),
                    p.email.clone().unwrap_or_default(),
                    p.role.clone(),
                    p.can_manage_nodes.to_string(),
                    p.can_invite_users.to_string(),
                    p.can_manage_firewall.to_string(),
                    p.invited_by_email.clone().unwrap_or_default(),
                    time::rfc3339_or_empty(p.created_at),
                ]);
            }
            if format == Format::Csv {
                rows_to_text(&rows, ",", csv_field)
            } else {
                rows_to_text(&rows, "\t", tsv_field)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(net: &str, email: Option<&str>, role: &str, id: i64) -> NetworkMember {
        NetworkMember {
            network_id: 1,
            network_name: net.into(),
            member: Member {
                user_id: id,
                email: email.map(Into::into),
                role: role.into(),
                can_manage_nodes: false,
                can_invite_users: false,
                can_manage_firewall: false,
                invited_by_user_id: None,
                invited_by_email: None,
                created_at: None,
            },
        }
    }

    #[test]
    fn owners_first_then_address() {
        let mut v = vec![
            m("team", Some("zed@x.org"), "member", 4),
            m("team", Some("Bob@x.org"), "member", 3),
            m("team", Some("owen@x.org"), "owner", 2),
            m("team", None, "member", 9),
        ];
        sort(&mut v);
        let order: Vec<i64> = v.iter().map(|x| x.member.user_id).collect();
        assert_eq!(order, vec![2, 9, 3, 4]);
    }
}

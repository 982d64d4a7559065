//! The endpoint handlers, each applying its checks in the backend's order.
//!
//! FastAPI's order of work is visible to clients and is kept everywhere:
//! the JSON body is parsed first (a syntax error wins over a missing token),
//! then dependencies run (authentication: 401, or a 500 for claims that break
//! `UserInfo`), then path/query/body validation (422), then the handler body.
//! Inside the handlers the checks follow the backend's source line by line;
//! where the backend raises after having written something, the write is
//! rolled back, so it is simply not made here.

use chrono::TimeDelta;
use rand::RngCore;

use crate::jwt::{Auth, Claims};
use crate::pyjson::PyValue;
use crate::server::{Ctx, Endpoint, Reply, lock};
use crate::state::{self, Invitation, Membership, Perm};
use crate::validate::{self, Body, BodyError, ErrorItem, IntVal};
use crate::{Smtp, schedule_email_outcome};

pub(crate) fn handle(endpoint: Endpoint, ctx: &Ctx) -> Reply {
    match endpoint {
        Endpoint::Api => Reply::json(
            200,
            r#"{"name":"Nebula Commander","version":"0.1.8","status":"operational"}"#.into(),
        ),
        Endpoint::Health => Reply::json(200, r#"{"status":"healthy"}"#.into()),
        Endpoint::DevToken => dev_token(ctx),
        Endpoint::Me => me(ctx),
        // With OIDC configured, login and oidc-status are answered by
        // `oidc::api` before this point.
        Endpoint::Login => Reply::detail(
            501,
            "OIDC not configured. Use /api/auth/dev-token for development.",
        ),
        Endpoint::OidcStatus => Reply::json(200, r#"{"status":"disabled"}"#.into()),
        Endpoint::ListNetworks => list_networks(ctx),
        Endpoint::CreateNetwork => create_network(ctx),
        Endpoint::CreateInvitation => create_invitation(ctx),
        Endpoint::ListInvitations => list_invitations_counted(ctx).0,
        Endpoint::Preview => preview(ctx),
        Endpoint::Accept => accept(ctx),
        Endpoint::Resend => resend(ctx),
        Endpoint::Revoke => revoke(ctx),
    }
}

/// `Depends(require_user)`.
fn require_user(ctx: &Ctx) -> Result<Claims, Reply> {
    match ctx.auth() {
        Auth::User(c) => Ok(c),
        Auth::Anonymous => Err(Reply::not_authenticated()),
        Auth::Crash => Err(Reply::ServerError),
    }
}

fn validation_error(items: &[ErrorItem]) -> Reply {
    match validate::detail_body(items) {
        Ok(body) => Reply::json(422, body),
        Err(_) => Reply::ServerError,
    }
}

fn body_error(e: BodyError) -> Reply {
    match e {
        BodyError::Invalid(items) => validation_error(&items),
        BodyError::Unparseable => Reply::detail(400, "There was an error parsing the body"),
        BodyError::Crash => Reply::ServerError,
    }
}

fn read_body(ctx: &Ctx) -> Result<Body, Reply> {
    validate::read_body(&ctx.body, ctx.content_type.as_deref()).map_err(body_error)
}

/// An `{invitation_id}` path parameter. Ids beyond i64 validate but overflow
/// SQLite at the first query: `Ok(None)`.
fn path_id(ctx: &Ctx) -> Result<Option<i64>, Reply> {
    let raw = ctx.params.first().map(String::as_str).unwrap_or("");
    match validate::param_int(raw, "path", "invitation_id") {
        Ok(IntVal::Small(n)) => Ok(Some(n)),
        Ok(IntVal::Big) => Ok(None),
        Err(item) => Err(validation_error(&[item])),
    }
}

/// `secrets.token_urlsafe(32)`: 43 URL-safe characters.
pub(crate) fn new_token() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn dev_token(ctx: &Ctx) -> Reply {
    // The endpoint also resolves the optional user, which can crash.
    if ctx.auth() == Auth::Crash {
        return Reply::ServerError;
    }
    // With an issuer configured the endpoint does not exist (lower-case f).
    if ctx.app.oidc.is_some() {
        return Reply::detail(404, "Not found");
    }
    let ttl = ctx.app.opts.dev_token_ttl_secs;
    let exp = ctx.now.and_utc().timestamp() + ttl;
    let s = |v: &str| PyValue::Str(v.to_string());
    let token = ctx.app.verifier.sign(&[
        ("sub", s("dev")),
        ("email", s("dev@localhost")),
        ("role", s("system-admin")),
        ("system_role", s("system-admin")),
        ("exp", PyValue::Int(exp)),
    ]);
    Reply::json(200, format!(r#"{{"token":"{token}","expires_in":{ttl}}}"#))
}

fn me(ctx: &Ctx) -> Reply {
    match ctx.auth() {
        Auth::Crash => Reply::ServerError,
        Auth::Anonymous => Reply::json(200, r#"{"authenticated":false}"#.into()),
        Auth::User(c) => {
            #[derive(serde::Serialize)]
            struct Me<'a> {
                authenticated: bool,
                sub: &'a str,
                email: Option<&'a str>,
                role: &'a str,
                system_role: &'a str,
            }
            Reply::model(&Me {
                authenticated: true,
                sub: &c.sub,
                email: c.email.as_deref(),
                role: &c.role,
                system_role: &c.system_role,
            })
        }
    }
}

fn list_networks(ctx: &Ctx) -> Reply {
    let claims = match require_user(ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut db = lock(&ctx.app.db);
    let user_id = db.ensure_user(&claims);
    Reply::model(&db.network_views(&claims, user_id))
}

fn create_network(ctx: &Ctx) -> Reply {
    let body = match read_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let claims = match require_user(ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let input = match validate::network_create(&body) {
        Ok(i) => i,
        Err(e) => return body_error(e),
    };
    let mut db = lock(&ctx.app.db);
    let user_id = db.ensure_user(&claims);
    if db.networks.values().any(|n| n.name == input.name) {
        return Reply::detail(
            409,
            &format!("Network with name '{}' already exists", input.name),
        );
    }
    let id = db.insert_network(&input.name, &input.subnet_cidr, ctx.now);
    db.upsert_membership(Membership {
        user_id,
        network_id: id,
        role: "owner".into(),
        can_manage_nodes: true,
        can_invite_users: true,
        can_manage_firewall: true,
    });
    #[derive(serde::Serialize)]
    struct Created<'a> {
        id: i64,
        name: &'a str,
        subnet_cidr: &'a str,
        ca_cert_path: Option<&'a str>,
        created_at: String,
    }
    Reply::model(&Created {
        id,
        name: &input.name,
        subnet_cidr: &input.subnet_cidr,
        ca_cert_path: None,
        created_at: state::fmt_dt(&ctx.now),
    })
}

fn create_invitation(ctx: &Ctx) -> Reply {
    // #0: the body is parsed before any dependency runs.
    let body = match read_body(ctx) {
        Ok(b) => b,
        Err(r) => return r,
    };
    // #1: authentication.
    let claims = match require_user(ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // #2: field validation.
    let input = match validate::invitation_create(&body) {
        Ok(i) => i,
        Err(e) => return body_error(e),
    };
    let mut db = lock(&ctx.app.db);
    // #3: the caller's user record.
    let Some(inviter) = db.user_by_sub(&claims.sub).cloned() else {
        return Reply::detail(403, "User not found");
    };
    // #4: role.
    if input.role != "owner" && input.role != "member" {
        return Reply::detail(400, "Invalid role. Must be: owner or member");
    }
    // The first query using network_id overflows SQLite for huge ids.
    let IntVal::Small(network_id) = input.network_id else {
        return Reply::ServerError;
    };
    // #5: permission, checked before the network's existence.
    if !claims.is_system_admin() && !db.has_permission(inviter.id, network_id, Perm::InviteUsers) {
        return Reply::detail(
            403,
            "You don't have permission to invite users to this network",
        );
    }
    // #6: the network.
    if !db.networks.contains_key(&network_id) {
        return Reply::detail(404, "Network not found");
    }
    // #7: an existing member with exactly this email (`scalar_one_or_none`
    // raises on several matches).
    let members = db
        .memberships
        .iter()
        .filter(|m| m.network_id == network_id)
        .filter(|m| {
            db.users
                .get(&m.user_id)
                .is_some_and(|u| u.email.as_deref() == Some(input.email.as_str()))
        })
        .count();
    match members {
        0 => {}
        1 => return Reply::detail(400, "User is already a member of this network"),
        _ => return Reply::ServerError,
    }
    // #8: a pending invitation, past its deadline or not.
    let pending = db
        .invitations
        .values()
        .filter(|i| i.email == input.email && i.network_id == network_id && i.status == "pending")
        .count();
    match pending {
        0 => {}
        1 => {
            return Reply::detail(
                400,
                "There is already a pending invitation for this user to this network",
            );
        }
        _ => return Reply::ServerError,
    }
    // #9: `utcnow() + timedelta(days=n)` must stay inside Python's datetime range.
    let expires_at = match input.expires_in_days {
        IntVal::Small(days) if days.abs() <= 999_999_999 => TimeDelta::try_days(days)
            .and_then(|d| ctx.now.checked_add_signed(d))
            .filter(state::in_python_range),
        _ => None,
    };
    let Some(expires_at) = expires_at else {
        return Reply::ServerError;
    };
    let smtp_on = *lock(&ctx.app.smtp) != Smtp::Off;
    let id = db.insert_invitation(Invitation {
        id: 0,
        email: input.email,
        network_id,
        invited_by_user_id: inviter.id,
        token: new_token(),
        role: input.role,
        can_manage_nodes: input.can_manage_nodes,
        can_invite_users: input.can_invite_users,
        can_manage_firewall: input.can_manage_firewall,
        status: "pending".into(),
        expires_at,
        accepted_at: None,
        // The row's default is evaluated a moment after `expires_at`.
        created_at: state::now_utc().max(ctx.now),
        // With SMTP on, the background send cannot find the uncommitted row,
        // so the status stays "sending" forever (quirk 14).
        email_status: if smtp_on { "sending" } else { "not_sent" }.into(),
        email_sent_at: None,
        email_error: None,
    });
    let inv = &db.invitations[&id];
    Reply::model(&db.view(inv, Some(inviter.email.as_deref())))
}

/// The list endpoint's answer and how many rows it returned (what the
/// backend's time depends on, see [`crate::Options::list_row_cost_us`]).
pub(crate) fn list_invitations_counted(ctx: &Ctx) -> (Reply, usize) {
    let claims = match require_user(ctx) {
        Ok(c) => c,
        Err(r) => return (r, 0),
    };
    let network_id = match ctx.query_param("network_id") {
        None => None,
        Some(raw) => match validate::param_int(&raw, "query", "network_id") {
            Ok(IntVal::Small(n)) => Some(Some(n)),
            Ok(IntVal::Big) => Some(None),
            Err(item) => return (validation_error(&[item]), 0),
        },
    };
    let status_filter = ctx.query_param("status_filter").filter(|s| !s.is_empty());
    let db = lock(&ctx.app.db);
    let Some(rows) = db.visible_invitations(&claims, network_id, status_filter.as_deref()) else {
        return (Reply::ServerError, 0);
    };
    let views: Vec<_> = rows.into_iter().map(|inv| db.view(inv, None)).collect();
    (Reply::model(&views), views.len())
}

fn preview(ctx: &Ctx) -> Reply {
    let token = ctx.params.first().map(String::as_str).unwrap_or("");
    let db = lock(&ctx.app.db);
    let Some(inv) = db.invitation_by_token(token) else {
        return Reply::detail(404, "Invitation not found");
    };
    // The deadline is checked before the status (quirk 21).
    if inv.expires_at < ctx.now {
        return Reply::detail(410, "Invitation has expired");
    }
    if inv.status != "pending" {
        return Reply::detail(400, &format!("Invitation is {}", inv.status));
    }
    Reply::model(&db.public_view(inv))
}

fn accept(ctx: &Ctx) -> Reply {
    let claims = match ctx.auth() {
        Auth::User(c) => c,
        // Its own message, and no WWW-Authenticate header (quirk 20).
        Auth::Anonymous => {
            return Reply::detail(401, "You must be logged in to accept an invitation");
        }
        Auth::Crash => return Reply::ServerError,
    };
    let token = ctx.params.first().map(String::as_str).unwrap_or("");
    let mut db = lock(&ctx.app.db);
    let Some(inv) = db.invitation_by_token(token) else {
        return Reply::detail(404, "Invitation not found");
    };
    if inv.expires_at < ctx.now {
        return Reply::detail(410, "Invitation has expired");
    }
    if inv.status != "pending" {
        return Reply::detail(400, &format!("Invitation is {}", inv.status));
    }
    let (inv_id, inv_email, network_id) = (inv.id, inv.email.clone(), inv.network_id);
    // The user record is created here, but the creation is rolled back with
    // a 400 below; look at what it *would* hold before writing it.
    let existing = db.user_by_sub(&claims.sub).cloned();
    let record_email = match &existing {
        Some(u) => u.email.clone(),
        None => claims.email.clone(),
    };
    if let Some(email) = record_email.filter(|e| !e.is_empty())
        && inv_email.to_lowercase() != email.to_lowercase()
    {
        return Reply::detail(400, "This invitation is for a different email address");
    }
    let user_id = match existing {
        Some(u) => u.id,
        None => db.ensure_user(&claims),
    };
    let already_member = db.membership(user_id, network_id).is_some();
    let Some(inv) = db.invitations.get_mut(&inv_id) else {
        return Reply::ServerError;
    };
    inv.status = "accepted".into();
    inv.accepted_at = Some(state::now_utc());
    let grant = Membership {
        user_id,
        network_id,
        role: inv.role.clone(),
        can_manage_nodes: inv.can_manage_nodes,
        can_invite_users: inv.can_invite_users,
        can_manage_firewall: inv.can_manage_firewall,
    };
    if already_member {
        return Reply::json(
            200,
            r#"{"message":"You are already a member of this network"}"#.into(),
        );
    }
    db.upsert_membership(grant);
    Reply::json(
        200,
        r#"{"message":"Invitation accepted successfully"}"#.into(),
    )
}

fn resend(ctx: &Ctx) -> Reply {
    let claims = match require_user(ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(id) = (match path_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    }) else {
        return Reply::ServerError;
    };
    let mut db = lock(&ctx.app.db);
    let Some(inv) = db.invitations.get(&id) else {
        return Reply::detail(404, "Invitation not found");
    };
    let network_id = inv.network_id;
    if !db.networks.contains_key(&network_id) {
        return Reply::detail(404, "Network not found");
    }
    let Some(caller) = db.user_by_sub(&claims.sub).cloned() else {
        return Reply::detail(403, "User not found");
    };
    if !claims.is_system_admin() && !db.has_permission(caller.id, network_id, Perm::InviteUsers) {
        return Reply::detail(
            403,
            "You don't have permission to manage invitations for this network",
        );
    }
    if inv.status != "pending" {
        return Reply::detail(400, "Can only resend pending invitations");
    }
    // Neither the deadline nor anything else is touched; with SMTP off the
    // call changes nothing at all (quirk 15).
    let smtp = *lock(&ctx.app.smtp);
    if smtp != Smtp::Off
        && let Some(inv) = db.invitations.get_mut(&id)
    {
        inv.email_status = "sending".into();
    }
    let reply = {
        let inv = &db.invitations[&id];
        // Quirk 16: the caller's email stands in for the inviter's.
        Reply::model(&db.view(inv, Some(caller.email.as_deref())))
    };
    drop(db);
    if smtp != Smtp::Off {
        schedule_email_outcome(ctx.app, id, smtp);
    }
    reply
}

fn revoke(ctx: &Ctx) -> Reply {
    let claims = match require_user(ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match path_id(ctx) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let mut db = lock(&ctx.app.db);
    let Some(caller) = db.user_by_sub(&claims.sub).cloned() else {
        return Reply::detail(403, "User not found");
    };
    let Some(id) = id else {
        return Reply::ServerError;
    };
    let Some(inv) = db.invitations.get(&id) else {
        return Reply::detail(404, "Invitation not found");
    };
    if !claims.is_system_admin()
        && inv.invited_by_user_id != caller.id
        && !db.has_permission(caller.id, inv.network_id, Perm::Owner)
    {
        return Reply::detail(
            403,
            "Only the inviter or network owners can revoke this invitation",
        );
    }
    // Any status becomes revoked; accepted_at and memberships stay (quirk 5).
    if let Some(inv) = db.invitations.get_mut(&id) {
        inv.status = "revoked".into();
    }
    Reply::NoContent
}

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
use crate::state::{self, AuditEntry, DetailValue, Invitation, Membership, Perm, User};
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
        Endpoint::ListMembers => list_members(ctx),
        Endpoint::AddMember => add_member(ctx),
        Endpoint::UpdateMember => update_member(ctx),
        Endpoint::RemoveMember => remove_member(ctx),
        Endpoint::ListUsers => list_users(ctx),
        Endpoint::GetUser => get_user(ctx),
        Endpoint::Audit => audit(ctx),
    }
}

/// Writes an audit entry for a successful call by `actor`. The backend's
/// `actor_identifier` is the actor's stored email, else the token's `sub`.
fn audit_success(
    db: &mut state::Db,
    ctx: &Ctx,
    actor: &User,
    action: &str,
    resource: (&str, i64),
    details: Option<String>,
) {
    db.record_audit(AuditEntry {
        id: 0,
        occurred_at: state::now_utc(),
        action: action.to_string(),
        actor_user_id: Some(actor.id),
        actor_identifier: Some(
            actor
                .email
                .clone()
                .unwrap_or_else(|| actor.oidc_sub.clone()),
        ),
        actor_email: actor.email.clone(),
        resource_type: Some(resource.0.to_string()),
        resource_id: Some(resource.1),
        result: "success".into(),
        details,
        client_ip: Some(ctx.client_ip.clone()),
    });
}

/// `{"target_user_id": N}`, the details of the member actions.
fn target_details(user_id: i64) -> Option<String> {
    Some(state::py_dumps_details(&[(
        "target_user_id",
        DetailValue::Int(user_id),
    )]))
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
    // The creator is the owner, added by nobody.
    db.upsert_membership(Membership {
        user_id,
        network_id: id,
        role: "owner".into(),
        can_manage_nodes: true,
        can_invite_users: true,
        can_manage_firewall: true,
        invited_by_user_id: None,
        created_at: ctx.now,
    });
    if let Some(actor) = db.users.get(&user_id).cloned() {
        // The log names the network; its details stay empty.
        audit_success(
            &mut db,
            ctx,
            &actor,
            "network_created",
            ("network", id),
            None,
        );
    }
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
    let details = state::py_dumps_details(&[
        ("email", DetailValue::Str(&db.invitations[&id].email)),
        ("network_id", DetailValue::Int(network_id)),
    ]);
    audit_success(
        &mut db,
        ctx,
        &inviter,
        "invitation_created",
        ("invitation", id),
        Some(details),
    );
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
        invited_by_user_id: Some(inv.invited_by_user_id),
        created_at: ctx.now,
    };
    // Both 200s are successes that change the invitation, so both are
    // logged: the accepting user on the invitation, no details.
    if let Some(actor) = db.users.get(&user_id).cloned() {
        audit_success(
            &mut db,
            ctx,
            &actor,
            "invitation_accepted",
            ("invitation", inv_id),
            None,
        );
    }
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
    // Logged even with SMTP off, when the call changes nothing else.
    audit_success(
        &mut db,
        ctx,
        &caller,
        "invitation_resend",
        ("invitation", id),
        None,
    );
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
    // The backend calls a revoke `invitation_deleted`, though nothing is deleted.
    audit_success(
        &mut db,
        ctx,
        &caller,
        "invitation_deleted",
        ("invitation", id),
        None,
    );
    Reply::NoContent
}

/// An int path parameter of the members endpoints; huge values validate but
/// overflow SQLite at the first query that uses them (`None`).
fn path_int(ctx: &Ctx, index: usize, name: &'static str) -> Result<Option<i64>, ErrorItem> {
    let raw = ctx.params.get(index).map(String::as_str).unwrap_or("");
    match validate::param_int(raw, "path", name)? {
        IntVal::Small(n) => Ok(Some(n)),
        IntVal::Big => Ok(None),
    }
}

/// The members endpoints' common start, in the backend's order: the body is
/// parsed before authentication, path and body errors are reported together
/// (path first), then the caller's user record (403 `User not found`).
struct MemberCall<T> {
    claims: Claims,
    caller: User,
    network_id: Option<i64>,
    target: Option<Option<i64>>,
    body: T,
}

/// A body model's validator.
type BodyParser<T> = fn(&Body) -> Result<T, BodyError>;

fn member_call<T>(
    ctx: &Ctx,
    with_target: bool,
    parse: Option<BodyParser<T>>,
    default: T,
) -> Result<MemberCall<T>, Reply> {
    let raw_body = match parse {
        Some(_) => Some(read_body(ctx)?),
        None => None,
    };
    let claims = require_user(ctx)?;
    let mut errors = Vec::new();
    let network_id = path_int(ctx, 0, "network_id")
        .map_err(|e| errors.push(e))
        .ok();
    let target = if with_target {
        path_int(ctx, 1, "target_user_id")
            .map_err(|e| errors.push(e))
            .ok()
    } else {
        None
    };
    let body = match (parse, raw_body) {
        (Some(parse), Some(raw)) => match parse(&raw) {
            Ok(b) => Some(b),
            Err(BodyError::Invalid(items)) => {
                errors.extend(items);
                None
            }
            Err(other) => return Err(body_error(other)),
        },
        _ => Some(default),
    };
    if !errors.is_empty() {
        return Err(validation_error(&errors));
    }
    let (Some(network_id), Some(body)) = (network_id, body) else {
        return Err(Reply::ServerError);
    };
    let db = lock(&ctx.app.db);
    let Some(caller) = db.user_by_sub(&claims.sub).cloned() else {
        return Err(Reply::detail(403, "User not found"));
    };
    Ok(MemberCall {
        claims,
        caller,
        network_id,
        target,
        body,
    })
}

/// 404 `Network not found` (checked before any permission, for everyone),
/// then 403 with `denied` unless the caller is a system admin or holds `perm`.
fn network_gate(
    db: &state::Db,
    call_claims: &Claims,
    caller: &User,
    network_id: Option<i64>,
    perm: Perm,
    denied: &str,
) -> Result<i64, Reply> {
    let Some(network_id) = network_id else {
        return Err(Reply::ServerError);
    };
    if !db.networks.contains_key(&network_id) {
        return Err(Reply::detail(404, "Network not found"));
    }
    if !call_claims.is_system_admin() && !db.has_permission(caller.id, network_id, perm) {
        return Err(Reply::detail(403, denied));
    }
    Ok(network_id)
}

/// The backend's 400 for a role other than `owner`/`member`.
fn invalid_role() -> Reply {
    Reply::detail(400, "Invalid role. Must be: owner or member")
}

fn list_members(ctx: &Ctx) -> Reply {
    let call = match member_call(ctx, false, None, ()) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let db = lock(&ctx.app.db);
    let network_id = match network_gate(
        &db,
        &call.claims,
        &call.caller,
        call.network_id,
        Perm::Owner,
        "Only network owners can view network users",
    ) {
        Ok(n) => n,
        Err(r) => return r,
    };
    Reply::model(&db.members(network_id))
}

fn add_member(ctx: &Ctx) -> Reply {
    let call = match member_call(
        ctx,
        false,
        Some(validate::member_add),
        validate::MemberAdd {
            user_id: IntVal::Small(0),
            role: String::new(),
            can_manage_nodes: false,
            can_invite_users: false,
            can_manage_firewall: false,
        },
    ) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let input = call.body;
    if input.role != "owner" && input.role != "member" {
        return invalid_role();
    }
    let mut db = lock(&ctx.app.db);
    let network_id = match network_gate(
        &db,
        &call.claims,
        &call.caller,
        call.network_id,
        Perm::InviteUsers,
        "You don't have permission to add users to this network",
    ) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let IntVal::Small(target) = input.user_id else {
        return Reply::ServerError;
    };
    if !db.users.contains_key(&target) {
        return Reply::detail(404, "Target user not found");
    }
    if db.membership(target, network_id).is_some() {
        return Reply::detail(400, "User is already a member of this network");
    }
    db.upsert_membership(Membership {
        user_id: target,
        network_id,
        role: input.role,
        can_manage_nodes: input.can_manage_nodes,
        can_invite_users: input.can_invite_users,
        can_manage_firewall: input.can_manage_firewall,
        invited_by_user_id: Some(call.caller.id),
        created_at: ctx.now,
    });
    audit_success(
        &mut db,
        ctx,
        &call.caller,
        "network_permission_added",
        ("network", network_id),
        target_details(target),
    );
    match db.membership(target, network_id) {
        Some(m) => Reply::model(&db.member_view(m)),
        None => Reply::ServerError,
    }
}

fn owners(db: &state::Db, network_id: i64) -> usize {
    db.memberships
        .iter()
        .filter(|m| m.network_id == network_id && m.role == "owner")
        .count()
}

fn update_member(ctx: &Ctx) -> Reply {
    let call = match member_call(
        ctx,
        true,
        Some(validate::member_update),
        validate::MemberUpdate::default(),
    ) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let input = call.body;
    // The backend tests the role for truthiness: `""` skips this check and
    // the last-owner check, and is then stored as the role.
    if let Some(role) = input.role.as_deref().filter(|r| !r.is_empty())
        && role != "owner"
        && role != "member"
    {
        return invalid_role();
    }
    let mut db = lock(&ctx.app.db);
    let network_id = match network_gate(
        &db,
        &call.claims,
        &call.caller,
        call.network_id,
        Perm::Owner,
        "Only network owners can update user permissions",
    ) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let Some(Some(target)) = call.target else {
        return Reply::ServerError;
    };
    let Some(current) = db.membership(target, network_id) else {
        return Reply::detail(404, "User is not a member of this network");
    };
    let demotes = input
        .role
        .as_deref()
        .is_some_and(|r| !r.is_empty() && r != "owner");
    if demotes && current.role == "owner" && owners(&db, network_id) <= 1 {
        return Reply::detail(400, "Cannot remove the last owner from a network");
    }
    if let Some(m) = db
        .memberships
        .iter_mut()
        .find(|m| m.user_id == target && m.network_id == network_id)
    {
        if let Some(role) = input.role {
            m.role = role;
        }
        if let Some(v) = input.can_manage_nodes {
            m.can_manage_nodes = v;
        }
        if let Some(v) = input.can_invite_users {
            m.can_invite_users = v;
        }
        if let Some(v) = input.can_manage_firewall {
            m.can_manage_firewall = v;
        }
    }
    // Written for a `{}` no-op too: the backend logs every successful call.
    audit_success(
        &mut db,
        ctx,
        &call.caller,
        "network_permission_updated",
        ("network", network_id),
        target_details(target),
    );
    match db.membership(target, network_id) {
        Some(m) => Reply::model(&db.member_view(m)),
        None => Reply::ServerError,
    }
}

fn remove_member(ctx: &Ctx) -> Reply {
    let call = match member_call(ctx, true, None, ()) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut db = lock(&ctx.app.db);
    let network_id = match network_gate(
        &db,
        &call.claims,
        &call.caller,
        call.network_id,
        Perm::Owner,
        "Only network owners can remove users from the network",
    ) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let Some(Some(target)) = call.target else {
        return Reply::ServerError;
    };
    let Some(current) = db.membership(target, network_id) else {
        return Reply::detail(404, "User is not a member of this network");
    };
    if current.role == "owner" && owners(&db, network_id) <= 1 {
        return Reply::detail(400, "Cannot remove the last owner from a network");
    }
    db.memberships
        .retain(|m| !(m.user_id == target && m.network_id == network_id));
    audit_success(
        &mut db,
        ctx,
        &call.caller,
        "network_permission_removed",
        ("network", network_id),
        target_details(target),
    );
    Reply::NoContent
}

/// `Depends(require_system_admin)`: 401 without a valid token, 403 for
/// anyone but a system admin (no user record needed).
fn require_system_admin(ctx: &Ctx) -> Result<Claims, Reply> {
    let claims = require_user(ctx)?;
    if !claims.is_system_admin() {
        return Err(Reply::detail(403, "System administrator access required"));
    }
    Ok(claims)
}

fn list_users(ctx: &Ctx) -> Reply {
    if let Err(r) = require_system_admin(ctx) {
        return r;
    }
    let db = lock(&ctx.app.db);
    Reply::model(&db.user_views())
}

fn get_user(ctx: &Ctx) -> Reply {
    if let Err(r) = require_system_admin(ctx) {
        return r;
    }
    let id = match path_int(ctx, 0, "user_id") {
        Ok(Some(id)) => id,
        Ok(None) => return Reply::ServerError,
        Err(item) => return validation_error(&[item]),
    };
    let db = lock(&ctx.app.db);
    match db.user_detail(id) {
        Some(view) => Reply::model(&view),
        None => Reply::detail(404, "User not found"),
    }
}

/// `GET /api/audit`: newest first (ties in id order), filtered by `action`,
/// `resource_type` (exact) and `from_date` ≤ `occurred_at` ≤ `to_date`, then
/// `offset` and `limit`. Query errors are reported together, in declaration
/// order.
fn audit(ctx: &Ctx) -> Reply {
    if let Err(r) = require_system_admin(ctx) {
        return r;
    }
    let mut errors = Vec::new();
    let mut int =
        |name: &'static str, default: i64, ge: i64, le: Option<i64>| match ctx.query_param(name) {
            None => default,
            Some(raw) => validate::bounded_query_int(&raw, name, ge, le)
                .map_err(|e| errors.push(e))
                .unwrap_or(default),
        };
    let limit = int("limit", 50, 1, Some(200));
    let offset = int("offset", 0, 0, None);
    let action = ctx.query_param("action");
    let resource_type = ctx.query_param("resource_type");
    let mut date = |name: &'static str| {
        ctx.query_param(name).and_then(|raw| {
            validate::query_datetime(&raw, name)
                .map_err(|e| errors.push(e))
                .ok()
        })
    };
    let from = date("from_date");
    let to = date("to_date");
    if !errors.is_empty() {
        return validation_error(&errors);
    }
    let db = lock(&ctx.app.db);
    let mut rows: Vec<&AuditEntry> = db
        .audit
        .iter()
        .filter(|e| action.as_deref().is_none_or(|a| e.action == a))
        .filter(|e| {
            resource_type
                .as_deref()
                .is_none_or(|t| e.resource_type.as_deref() == Some(t))
        })
        .filter(|e| from.is_none_or(|f| e.occurred_at >= f))
        .filter(|e| to.is_none_or(|t| e.occurred_at <= t))
        .collect();
    rows.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(a.id.cmp(&b.id)));
    let page: Vec<_> = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(AuditEntry::view)
        .collect();
    Reply::model(&page)
}

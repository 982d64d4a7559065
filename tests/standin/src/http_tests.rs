//! End-to-end tests: a real `StandIn` on a loopback port, driven by a minimal
//! HTTP/1.1 client written on `std::net::TcpStream` (so these tests do not
//! depend on the HTTP stack under test). They cover the contract's tricky
//! rules: conventions (headers, 404/405/307), authentication outcomes, the
//! check order of create, lazy expiry, revoke semantics, resend and SMTP,
//! rate limits, fault injection and the request log.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::{Fault, FaultKind, InvitationSeed, MemberFlags, Options, Smtp, StandIn, When};

pub(crate) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&raw[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 4 + size..];
    }
}

/// Sends one request on a fresh connection and reads the whole answer.
pub(crate) fn send(
    server: &StandIn,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
        server.port()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    stream.write_all(&bytes).expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

pub(crate) fn get(server: &StandIn, target: &str, token: Option<&str>) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    send(server, "GET", target, &headers, None)
}

fn call(
    server: &StandIn,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> =
        auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    send(server, method, target, &headers, body.map(str::as_bytes))
}

fn post_json(server: &StandIn, target: &str, token: Option<&str>, body: &Value) -> Resp {
    call(server, "POST", target, token, Some(&body.to_string()))
}

fn admin_token(server: &StandIn) -> String {
    server.mint_token("dev", Some("dev@localhost"), Some("system-admin"), 3600)
}

fn detail(r: &Resp) -> Value {
    r.json()["detail"].clone()
}

fn assert_plain_500(r: &Resp) {
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), "Internal Server Error");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("vary"), None);
    assert_eq!(r.header("server"), Some("uvicorn"));
}

#[test]
fn identity_and_response_conventions() {
    let s = StandIn::start();
    let r = get(&s, "/api", None);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        r#"{"name":"Nebula Commander","version":"0.1.8","status":"operational"}"#
    );
    assert_eq!(r.header("server"), Some("uvicorn"));
    assert_eq!(r.header("vary"), Some("Origin"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("content-length"), Some("68"));
    assert_eq!(
        get(&s, "/api/health", None).text(),
        r#"{"status":"healthy"}"#
    );
    assert_eq!(
        get(&s, "/api/auth/oidc-status", None).text(),
        r#"{"status":"disabled"}"#
    );

    let r = get(&s, "/api/nope", None);
    assert_eq!(
        (r.status, r.text()),
        (404, r#"{"detail":"Not Found"}"#.to_string())
    );

    let r = get(&s, "/api/invitations/5", None);
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("DELETE"));
    assert_eq!(r.text(), r#"{"detail":"Method Not Allowed"}"#);

    let r = send(&s, "HEAD", "/api", &[], None);
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
    assert!(r.body.is_empty());

    let r = get(&s, "/api/invitations/?status_filter=pending", None);
    assert_eq!(r.status, 307);
    assert_eq!(
        r.header("location"),
        Some(format!("{}/api/invitations?status_filter=pending", s.url()).as_str())
    );
    assert_eq!(r.header("vary"), Some("Origin"));
}

#[test]
fn auth_me_never_fails() {
    let s = StandIn::start();
    let other = StandIn::start();
    let anonymous = r#"{"authenticated":false}"#;
    let good = s.mint_token("alice", Some("alice@example.com"), None, 600);
    let no_sub = s.sign_claims(&json!({"email": "x@example.com"}));
    let bad_headers = [
        String::new(),
        "Bearer garbage".into(),
        format!("Basic {good}"),
        format!("Bearer {}", s.mint_token("alice", None, None, -10)),
        format!("Bearer {}", other.mint_token("alice", None, None, 600)),
        format!("Bearer {no_sub}"),
    ];
    for h in &bad_headers {
        let headers: Vec<(&str, &str)> = if h.is_empty() {
            vec![]
        } else {
            vec![("Authorization", h)]
        };
        let r = send(&s, "GET", "/api/auth/me", &headers, None);
        assert_eq!(
            (r.status, r.text()),
            (200, anonymous.to_string()),
            "header {h:?}"
        );
    }
    let r = send(
        &s,
        "GET",
        "/api/auth/me",
        &[("Authorization", &format!("bearer {good}"))],
        None,
    );
    assert_eq!(
        r.json(),
        json!({"authenticated": true, "sub": "alice", "email": "alice@example.com", "role": "user", "system_role": "user"})
    );
    // A token without exp is accepted; one whose claims break UserInfo crashes.
    let no_exp = s.sign_claims(&json!({"sub": "bob"}));
    assert_eq!(
        get(&s, "/api/auth/me", Some(&no_exp)).json()["email"],
        Value::Null
    );
    assert_plain_500(&get(
        &s,
        "/api/auth/me",
        Some(&s.sign_claims(&json!({"sub": "bob", "email": 5}))),
    ));
}

#[test]
fn dev_token_and_its_rate_limit() {
    let s = StandIn::start_with(Options {
        dev_token_ttl_secs: 120,
        ..Options::default()
    });
    let r = get(&s, "/api/auth/dev-token", None);
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["expires_in"], 120);
    let token = body["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    assert_eq!(
        get(&s, "/api/auth/me", Some(&token)).json(),
        json!({"authenticated": true, "sub": "dev", "email": "dev@localhost", "role": "system-admin", "system_role": "system-admin"})
    );
    for _ in 0..9 {
        assert_eq!(get(&s, "/api/auth/dev-token", None).status, 200);
    }
    assert_plain_500(&get(&s, "/api/auth/dev-token", None));
    s.reset_rate_limits();
    assert_eq!(get(&s, "/api/auth/dev-token", None).status, 200);
}

#[test]
fn create_checks_apply_in_order() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    let admin = admin_token(&s);
    let ok_body = json!({"email": "bob@example.com", "network_id": net});

    // #0: a JSON syntax error wins over the missing token.
    let r = call(&s, "POST", "/api/invitations", None, Some("{\"email\":"));
    assert_eq!(r.status, 422);
    assert_eq!(
        detail(&r),
        json!([{"type": "json_invalid", "loc": ["body", 9], "msg": "JSON decode error", "input": {}, "ctx": {"error": "Expecting value"}}])
    );
    // #1: then authentication.
    let r = post_json(&s, "/api/invitations", None, &ok_body);
    assert_eq!(
        (r.status, r.header("www-authenticate")),
        (401, Some("Bearer"))
    );
    assert_eq!(r.text(), r#"{"detail":"Not authenticated"}"#);
    // #2: then field errors; a body without content type is never parsed.
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"network_id": "x"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(detail(&r)[0]["type"], "missing");
    assert_eq!(detail(&r)[1]["loc"], json!(["body", "network_id"]));
    let auth = format!("Bearer {admin}");
    let r = send(
        &s,
        "POST",
        "/api/invitations",
        &[("Authorization", &auth)],
        Some(ok_body.to_string().as_bytes()),
    );
    assert_eq!(detail(&r)[0]["type"], "model_attributes_type");
    // #3: a system admin without a user record.
    let r = post_json(&s, "/api/invitations", Some(&admin), &ok_body);
    assert_eq!((r.status, detail(&r)), (403, json!("User not found")));
    assert_eq!(get(&s, "/api/invitations", Some(&admin)).json(), json!([]));
    assert_eq!(get(&s, "/api/networks", Some(&admin)).status, 200);
    // #4: role before anything network-related.
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "b@example.com", "network_id": 999, "role": "admin"}),
    );
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Invalid role. Must be: owner or member"))
    );
    // #5: a member without can_invite_users, also for a network that does not exist.
    s.add_membership(net, "mallory", "member", true, false, true);
    s.add_user("mallory", Some("mallory@example.com"), "user");
    let mallory = s.mint_token("mallory", Some("mallory@example.com"), None, 600);
    for network_id in [net, 999] {
        let r = post_json(
            &s,
            "/api/invitations",
            Some(&mallory),
            &json!({"email": "b@example.com", "network_id": network_id}),
        );
        assert_eq!(
            (r.status, detail(&r)),
            (
                403,
                json!("You don't have permission to invite users to this network")
            )
        );
    }
    // #6: only a system admin learns that the network is missing.
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "b@example.com", "network_id": 999}),
    );
    assert_eq!((r.status, detail(&r)), (404, json!("Network not found")));
    // #7: an existing member, matched exactly (case-sensitive).
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "mallory@example.com", "network_id": net}),
    );
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("User is already a member of this network"))
    );
    // #8: a pending invitation blocks, even past its deadline; other case passes.
    s.add_invitation(InvitationSeed {
        email: "alice@example.com".into(),
        network_id: net,
        expires_at: When::FromNow(TimeDelta::days(-3)),
        ..Default::default()
    });
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "alice@example.com", "network_id": net}),
    );
    assert_eq!(
        (r.status, detail(&r)),
        (
            400,
            json!("There is already a pending invitation for this user to this network")
        )
    );
    // #9: a date overflow is an unhandled error.
    assert_plain_500(&post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "c@example.com", "network_id": net, "expires_in_days": 3_000_000}),
    ));

    // Success, with lenient input and normalisation.
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": " Alice <Alice@Example.COM> ", "network_id": net.to_string(), "role": "owner",
                "can_manage_nodes": "yes", "can_invite_users": 1, "expires_in_days": "30", "unknown": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let inv = r.json();
    // Field order as in the contract's table: each key appears after the previous one.
    let text = r.text();
    let order = [
        "id",
        "email",
        "network_id",
        "network_name",
        "invited_by_user_id",
        "invited_by_email",
        "token",
        "role",
        "can_manage_nodes",
        "can_invite_users",
        "can_manage_firewall",
        "status",
        "expires_at",
        "accepted_at",
        "created_at",
        "email_status",
        "email_sent_at",
        "email_error",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("missing {k}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "order in {text}");
    assert_eq!(inv.as_object().map(|o| o.len()), Some(order.len()));
    assert_eq!(inv["email"], "Alice@example.com");
    assert_eq!(inv["network_name"], "alpha");
    assert_eq!(inv["invited_by_email"], "dev@localhost");
    assert_eq!(
        (
            inv["can_manage_nodes"].as_bool(),
            inv["can_invite_users"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(
        (inv["status"].as_str(), inv["email_status"].as_str()),
        (Some("pending"), Some("not_sent"))
    );
    let token = inv["token"].as_str().expect("token");
    assert_eq!(token.len(), 43);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert!(r.header("location").is_none());
    // A local part differing only in case is a different invitee (quirk 8).
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "alice@example.com", "network_id": net}),
    );
    assert_eq!(r.status, 400);
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "ALICE@example.com", "network_id": net}),
    );
    assert_eq!(r.status, 200);
    // A bad email is a value_error with the validator's reason.
    let r = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "not-an-email", "network_id": net}),
    );
    assert_eq!(
        detail(&r),
        json!([{"type": "value_error", "loc": ["body", "email"], "msg": "value is not a valid email address: An email address must have an @-sign.",
                "input": "not-an-email", "ctx": {"reason": "An email address must have an @-sign."}}])
    );
}

#[test]
fn past_deadline_pending_stays_pending() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    let stale = s.add_invitation(InvitationSeed {
        email: "erin@example.com".into(),
        network_id: net,
        expires_at: When::FromNow(TimeDelta::days(-3)),
        ..Default::default()
    });
    let stored_expired = s.add_invitation(InvitationSeed {
        email: "frank@example.com".into(),
        network_id: net,
        status: "expired".into(),
        ..Default::default()
    });
    let ids = |target: &str| -> Vec<i64> {
        get(&s, target, Some(&admin))
            .json()
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|v| v["id"].as_i64())
            .collect()
    };
    assert_eq!(s.invitation(stale.id).expect("row")["status"], "pending");
    assert_eq!(
        ids("/api/invitations?status_filter=expired"),
        vec![stored_expired.id]
    );
    assert_eq!(
        ids("/api/invitations?status_filter=pending"),
        vec![stale.id]
    );
    // The preview and accept answer 410, and nothing is persisted by it.
    let r = get(
        &s,
        &format!("/api/invitations/public/{}", stale.token),
        None,
    );
    assert_eq!(
        (r.status, detail(&r)),
        (410, json!("Invitation has expired"))
    );
    let erin = s.mint_token("erin", Some("erin@example.com"), None, 600);
    let r = call(
        &s,
        "POST",
        &format!("/api/invitations/{}/accept", stale.token),
        Some(&erin),
        None,
    );
    assert_eq!(r.status, 410);
    assert_eq!(s.invitation(stale.id).expect("row")["status"], "pending");
    assert!(!s.is_member(net, "erin"));
}

#[test]
fn list_query_parameters() {
    let s = StandIn::start();
    let a = s.add_network("alpha", "10.42.0.0/16");
    let b = s.add_network("beta", "10.43.0.0/16");
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    let old = s.add_invitation(InvitationSeed {
        network_id: a,
        created_at: When::FromNow(TimeDelta::hours(-2)),
        ..Default::default()
    });
    let new = s.add_invitation(InvitationSeed {
        network_id: b,
        email: "n@example.com".into(),
        status: "revoked".into(),
        ..Default::default()
    });
    let ids = |target: &str| -> Vec<i64> {
        get(&s, target, Some(&admin))
            .json()
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|v| v["id"].as_i64())
            .collect()
    };
    assert_eq!(ids("/api/invitations"), vec![new.id, old.id]);
    assert_eq!(
        ids(&format!("/api/invitations?network_id={a}")),
        vec![old.id]
    );
    assert_eq!(ids("/api/invitations?network_id=77"), Vec::<i64>::new());
    assert_eq!(
        ids("/api/invitations?status=pending&limit=1"),
        vec![new.id, old.id]
    );
    assert_eq!(ids("/api/invitations?status_filter="), vec![new.id, old.id]);
    assert_eq!(
        ids("/api/invitations?status_filter=PENDING"),
        Vec::<i64>::new()
    );
    assert_eq!(ids("/api/invitations?status_filter=revoked"), vec![new.id]);
    for (q, input) in [("abc", "abc"), ("", "")] {
        let r = get(
            &s,
            &format!("/api/invitations?network_id={q}"),
            Some(&admin),
        );
        assert_eq!(r.status, 422);
        assert_eq!(
            detail(&r),
            json!([{"type": "int_parsing", "loc": ["query", "network_id"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": input}])
        );
    }
    // Dependencies run before parameter validation.
    assert_eq!(get(&s, "/api/invitations?network_id=abc", None).status, 401);
    // An ordinary member without invite rights sees nothing.
    s.add_membership(a, "m", "member", true, false, false);
    assert_eq!(
        get(
            &s,
            "/api/invitations",
            Some(&s.mint_token("m", None, None, 60))
        )
        .json(),
        json!([])
    );
    // An owner sees only their network.
    s.add_membership(b, "o", "owner", false, false, false);
    let owner = s.mint_token("o", None, None, 60);
    let rows = get(&s, "/api/invitations", Some(&owner)).json();
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["id"], new.id);
    // And a list of their own memberships only.
    let nets = get(&s, "/api/networks", Some(&owner)).json();
    assert_eq!(
        nets,
        json!([{"id": b, "name": "beta", "subnet_cidr": "10.43.0.0/16", "ca_cert_path": null,
        "created_at": nets[0]["created_at"], "role": "owner", "can_manage_nodes": false, "can_invite_users": false, "can_manage_firewall": false}])
    );
}

#[test]
fn accept_then_revoke_keeps_membership() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    let seeded = s.add_invitation(InvitationSeed {
        email: "Carol@Example.com".into(),
        network_id: net,
        role: "owner".into(),
        can_manage_firewall: true,
        ..Default::default()
    });
    let path = format!("/api/invitations/{}/accept", seeded.token);
    // No token: its own 401 text and no WWW-Authenticate.
    let r = call(&s, "POST", &path, None, None);
    assert_eq!(
        (r.status, detail(&r)),
        (401, json!("You must be logged in to accept an invitation"))
    );
    assert_eq!(r.header("www-authenticate"), None);
    // Someone else: rejected, and their user record is not kept.
    let eve = s.mint_token("eve", Some("eve@example.com"), None, 600);
    let r = call(&s, "POST", &path, Some(&eve), None);
    assert_eq!(
        (r.status, detail(&r)),
        (
            400,
            json!("This invitation is for a different email address")
        )
    );
    assert_eq!(
        post_json(
            &s,
            "/api/invitations",
            Some(&eve),
            &json!({"email": "x@example.com", "network_id": net})
        )
        .status,
        403
    );
    // The invitee, with an email differing in case only.
    let carol = s.mint_token("carol", Some("carol@example.com"), None, 600);
    let r = call(&s, "POST", &path, Some(&carol), None);
    assert_eq!(
        r.text(),
        r#"{"message":"Invitation accepted successfully"}"#
    );
    assert!(s.is_member(net, "carol"));
    let row = s.invitation(seeded.id).expect("row");
    assert_eq!(row["status"], "accepted");
    let accepted_at = row["accepted_at"].clone();
    assert!(accepted_at.is_string());
    let nets = get(&s, "/api/networks", Some(&carol)).json();
    assert_eq!(
        (
            nets[0]["role"].as_str(),
            nets[0]["can_manage_firewall"].as_bool()
        ),
        (Some("owner"), Some(true))
    );
    // Accepting again: the status check.
    let r = call(&s, "POST", &path, Some(&carol), None);
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Invitation is accepted"))
    );

    // Revoke: 204, empty body, JSON content type, no length; membership stays.
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    for _ in 0..2 {
        let r = call(
            &s,
            "DELETE",
            &format!("/api/invitations/{}", seeded.id),
            Some(&admin),
            None,
        );
        assert_eq!(r.status, 204);
        assert!(r.body.is_empty());
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("content-length"), None);
    }
    let row = s.invitation(seeded.id).expect("row");
    assert_eq!(row["status"], "revoked");
    assert_eq!(row["accepted_at"], accepted_at);
    assert!(s.is_member(net, "carol"));
    let r = get(
        &s,
        &format!("/api/invitations/public/{}", seeded.token),
        None,
    );
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Invitation is revoked"))
    );
}

#[test]
fn accept_edge_cases() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    // A caller whose token has no email skips the email check entirely.
    let a = s.add_invitation(InvitationSeed {
        email: "someone@example.com".into(),
        network_id: net,
        ..Default::default()
    });
    let anon = s.mint_token("no-mail", None, None, 600);
    assert_eq!(
        call(
            &s,
            "POST",
            &format!("/api/invitations/{}/accept", a.token),
            Some(&anon),
            None
        )
        .status,
        200
    );
    assert!(s.is_member(net, "no-mail"));
    // An existing member: marked accepted, permissions unchanged.
    s.add_membership(net, "m", "member", false, false, false);
    s.add_user("m", Some("m@example.com"), "user");
    let b = s.add_invitation(InvitationSeed {
        email: "m@example.com".into(),
        network_id: net,
        role: "owner".into(),
        ..Default::default()
    });
    let m = s.mint_token("m", Some("m@example.com"), None, 600);
    let r = call(
        &s,
        "POST",
        &format!("/api/invitations/{}/accept", b.token),
        Some(&m),
        None,
    );
    assert_eq!(
        r.text(),
        r#"{"message":"You are already a member of this network"}"#
    );
    assert_eq!(s.invitation(b.id).expect("row")["status"], "accepted");
    assert_eq!(
        get(&s, "/api/networks", Some(&m)).json()[0]["role"],
        "member"
    );
    let r = call(&s, "POST", "/api/invitations/nope/accept", Some(&m), None);
    assert_eq!((r.status, detail(&r)), (404, json!("Invitation not found")));
}

#[test]
fn resend_and_smtp_outcomes() {
    let s = StandIn::start_with(Options {
        email_result_delay_ms: 0,
        ..Options::default()
    });
    let net = s.add_network("alpha", "10.42.0.0/16");
    let seeded = s.add_invitation(InvitationSeed {
        network_id: net,
        expires_at: When::FromNow(TimeDelta::days(-1)),
        ..Default::default()
    });
    let path = format!("/api/invitations/{}/resend", seeded.id);
    s.add_user("helper", None, "user");
    s.add_membership(net, "helper", "member", false, true, false);
    let helper = s.mint_token("helper", None, None, 600);
    // SMTP off: nothing changes, the deadline is not checked, and the
    // inviter's email is replaced by the caller's (here: none).
    let r = call(&s, "POST", &path, Some(&helper), None);
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(
        (
            body["email_status"].as_str(),
            body["invited_by_email"].clone()
        ),
        (Some("not_sent"), Value::Null)
    );
    assert_eq!(
        s.invitation(seeded.id).expect("row")["invited_by_email"],
        crate::SEED_INVITER_EMAIL
    );

    s.set_smtp(Smtp::Failing);
    let r = call(&s, "POST", &path, Some(&helper), None);
    assert_eq!(r.json()["email_status"], "sending");
    let row = s.invitation(seeded.id).expect("row");
    assert_eq!(row["email_status"], "failed");
    assert_eq!(
        row["email_error"],
        "Error connecting to 127.0.0.1 on port 1: [Errno 111] Connection refused"
    );

    s.set_smtp(Smtp::Working);
    let r = call(&s, "POST", &path, Some(&helper), None);
    assert_eq!(
        (
            r.json()["email_status"].as_str(),
            r.json()["email_error"].is_string()
        ),
        (Some("sending"), true)
    );
    let row = s.invitation(seeded.id).expect("row");
    assert_eq!(
        (row["email_status"].as_str(), row["email_error"].clone()),
        (Some("sent"), Value::Null)
    );
    assert!(row["email_sent_at"].is_string());

    // Create with SMTP on stays "sending" for good (quirk 14).
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    let created = post_json(
        &s,
        "/api/invitations",
        Some(&admin),
        &json!({"email": "z@example.com", "network_id": net}),
    )
    .json();
    assert_eq!(created["email_status"], "sending");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(s.invitation(id).expect("row")["email_status"], "sending");

    // The checks, in order.
    assert_eq!(
        call(&s, "POST", "/api/invitations/abc/resend", None, None).status,
        401
    );
    let r = call(
        &s,
        "POST",
        "/api/invitations/abc/resend",
        Some(&admin),
        None,
    );
    assert_eq!(
        detail(&r),
        json!([{"type": "int_parsing", "loc": ["path", "invitation_id"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "abc"}])
    );
    let r = call(
        &s,
        "POST",
        "/api/invitations/999/resend",
        Some(&admin),
        None,
    );
    assert_eq!((r.status, detail(&r)), (404, json!("Invitation not found")));
    let outsider = s.mint_token("outsider", None, None, 600);
    let r = call(&s, "POST", &path, Some(&outsider), None);
    assert_eq!((r.status, detail(&r)), (403, json!("User not found")));
    s.add_user("outsider", None, "user");
    let r = call(&s, "POST", &path, Some(&outsider), None);
    assert_eq!(
        (r.status, detail(&r)),
        (
            403,
            json!("You don't have permission to manage invitations for this network")
        )
    );
    assert_eq!(
        call(
            &s,
            "DELETE",
            &format!("/api/invitations/{}", seeded.id),
            Some(&admin),
            None
        )
        .status,
        204
    );
    let r = call(&s, "POST", &path, Some(&admin), None);
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Can only resend pending invitations"))
    );
    // Gone network: 404 with its own text.
    let other = s.add_network("beta", "10.43.0.0/16");
    let orphan = s.add_invitation(InvitationSeed {
        network_id: other,
        ..Default::default()
    });
    assert!(s.delete_network(other));
    assert_eq!(
        s.invitation(orphan.id).expect("row")["network_name"],
        "Unknown"
    );
    let r = call(
        &s,
        "POST",
        &format!("/api/invitations/{}/resend", orphan.id),
        Some(&admin),
        None,
    );
    assert_eq!((r.status, detail(&r)), (404, json!("Network not found")));
}

#[test]
fn delayed_email_outcome_shows_up_later() {
    let s = StandIn::start_with(Options {
        smtp: Smtp::Failing,
        email_result_delay_ms: 100,
        ..Options::default()
    });
    let net = s.add_network("alpha", "10.42.0.0/16");
    let seeded = s.add_invitation(InvitationSeed {
        network_id: net,
        ..Default::default()
    });
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    let r = call(
        &s,
        "POST",
        &format!("/api/invitations/{}/resend", seeded.id),
        Some(&admin),
        None,
    );
    assert_eq!(r.json()["email_status"], "sending");
    assert_eq!(
        s.invitation(seeded.id).expect("row")["email_status"],
        "sending"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.invitation(seeded.id).expect("row")["email_status"] == "sending"
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        s.invitation(seeded.id).expect("row")["email_status"],
        "failed"
    );
}

#[test]
fn revoke_permissions() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    s.add_user("inviter", Some("i@example.com"), "user");
    s.add_membership(net, "inviter", "member", false, true, false);
    s.add_membership(net, "peer", "member", false, true, false);
    s.add_membership(net, "owner", "owner", false, false, false);
    let mine = s.add_invitation(InvitationSeed {
        network_id: net,
        invited_by_sub: Some("inviter".into()),
        ..Default::default()
    });
    let path = format!("/api/invitations/{}", mine.id);
    let peer = s.mint_token("peer", None, None, 600);
    let r = call(&s, "DELETE", &path, Some(&peer), None);
    assert_eq!(
        (r.status, detail(&r)),
        (
            403,
            json!("Only the inviter or network owners can revoke this invitation")
        )
    );
    assert_eq!(
        call(
            &s,
            "DELETE",
            &path,
            Some(&s.mint_token("inviter", None, None, 600)),
            None
        )
        .status,
        204
    );
    assert_eq!(
        call(
            &s,
            "DELETE",
            &path,
            Some(&s.mint_token("owner", None, None, 600)),
            None
        )
        .status,
        204
    );
    let r = call(&s, "DELETE", "/api/invitations/12345", Some(&peer), None);
    assert_eq!((r.status, detail(&r)), (404, json!("Invitation not found")));
    let r = call(
        &s,
        "DELETE",
        "/api/invitations/12345",
        Some(&s.mint_token("nobody", None, None, 600)),
        None,
    );
    assert_eq!((r.status, detail(&r)), (403, json!("User not found")));
    assert_eq!(
        call(&s, "DELETE", "/api/invitations/x", Some(&peer), None).status,
        422
    );
    assert_eq!(call(&s, "DELETE", &path, None, None).status, 401);
}

#[test]
fn preview_and_its_rate_limit() {
    let s = StandIn::start_with(Options {
        preview_limit_per_hour: 3,
        ..Options::default()
    });
    let net = s.add_network("alpha", "10.42.0.0/16");
    let seeded = s.add_invitation(InvitationSeed {
        network_id: net,
        can_invite_users: true,
        ..Default::default()
    });
    let r = get(
        &s,
        &format!("/api/invitations/public/{}", seeded.token),
        None,
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        v,
        json!({"email": "invitee@example.com", "network_name": "alpha", "invited_by_email": "admin@example.com", "role": "member",
               "can_manage_nodes": false, "can_invite_users": true, "can_manage_firewall": false, "status": "pending", "expires_at": v["expires_at"]})
    );
    let r = get(&s, "/api/invitations/public/unknown", None);
    assert_eq!((r.status, detail(&r)), (404, json!("Invitation not found")));
    // Every method under the prefix counts, and the 4th call is a plain 500.
    assert_eq!(
        call(&s, "POST", "/api/invitations/public", None, None).status,
        405
    );
    assert_plain_500(&get(
        &s,
        &format!("/api/invitations/public/{}", seeded.token),
        None,
    ));
}

#[test]
fn networks_create() {
    let s = StandIn::start();
    let token = s.mint_token("creator", Some("c@example.com"), None, 600);
    let r = post_json(
        &s,
        "/api/networks",
        Some(&token),
        &json!({"name": "beta", "subnet_cidr": "not-a-cidr"}),
    );
    assert_eq!(r.status, 200);
    let id = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["ca_cert_path"], Value::Null);
    assert!(s.is_member(id, "creator"));
    let r = post_json(
        &s,
        "/api/networks",
        Some(&token),
        &json!({"name": "beta", "subnet_cidr": "x"}),
    );
    assert_eq!(
        (r.status, detail(&r)),
        (409, json!("Network with name 'beta' already exists"))
    );
    let r = post_json(&s, "/api/networks", Some(&token), &json!({"name": "gamma"}));
    assert_eq!(
        (r.status, detail(&r)[0]["loc"].clone()),
        (422, json!(["body", "subnet_cidr"]))
    );
    assert_eq!(post_json(&s, "/api/networks", None, &json!({})).status, 401);
}

#[test]
fn faults_and_request_log() {
    let s = StandIn::start();
    let admin = admin_token(&s);
    s.inject(Fault::once(FaultKind::HtmlBadGateway, "/api/networks"));
    s.inject(Fault {
        method: Some("GET"),
        path_prefix: "/api/invitations".into(),
        kind: FaultKind::MalformedJson,
        times: 2,
    });
    s.inject(Fault::once(FaultKind::WrongShape, "/api/auth/me"));
    s.inject(Fault::once(FaultKind::InternalError, "/api/health"));

    let r = get(&s, "/api/networks", Some(&admin));
    assert_eq!(
        (r.status, r.header("content-type"), r.header("server")),
        (502, Some("text/html"), Some("nginx/1.24.0"))
    );
    assert!(r.text().contains("<title>502 Bad Gateway</title>"));
    assert_eq!(get(&s, "/api/networks", Some(&admin)).status, 200);
    for _ in 0..2 {
        let r = get(&s, "/api/invitations", Some(&admin));
        assert_eq!(r.status, 200);
        assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    }
    assert_eq!(get(&s, "/api/invitations", Some(&admin)).json(), json!([]));
    assert_eq!(
        get(&s, "/api/auth/me", None).json(),
        json!({"unexpected": "shape", "items": [1, 2, 3]})
    );
    assert_plain_500(&get(&s, "/api/health", None));
    // Prefixes match any longer path, so inject the delay only now.
    s.inject(Fault::once(
        FaultKind::Delay(Duration::from_millis(200)),
        "/api",
    ));
    let started = Instant::now();
    assert_eq!(get(&s, "/api", None).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let log = s.requests();
    assert_eq!(log.len(), 8);
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].path.as_str(),
            log[0].status,
            log[0].had_authorization
        ),
        ("GET", "/api/networks", 502, true)
    );
    assert!(!log[5].had_authorization);
    s.clear_requests();
    get(&s, "/api/invitations?network_id=1&x=%20", Some(&admin));
    let log = s.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].query.as_deref(), Some("network_id=1&x=%20"));
    assert!(!format!("{log:?}").contains(&admin));
}

#[test]
fn thousand_invitations_list_quickly() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    for i in 0..1000 {
        s.add_invitation(InvitationSeed {
            email: format!("user{i:04}@example.com"),
            network_id: net,
            created_at: When::FromNow(TimeDelta::seconds(-i)),
            ..Default::default()
        });
    }
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    let started = Instant::now();
    let r = get(&s, "/api/invitations", Some(&admin));
    let elapsed = started.elapsed();
    let rows = r.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[0]["email"], "user0000@example.com");
    assert_eq!(rows[999]["email"], "user0999@example.com");
    // Real server: ~470 bytes per row, 1.3-1.5 s. The stand-in must not be the bottleneck.
    assert!(
        (400_000..560_000).contains(&r.body.len()),
        "body {} bytes",
        r.body.len()
    );
    assert!(elapsed < Duration::from_secs(2), "listing took {elapsed:?}");
}

#[test]
fn drop_stops_the_server() {
    let s = StandIn::start();
    let port = s.port();
    assert_eq!(get(&s, "/api", None).status, 200);
    drop(s);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn idle_keep_alive_connection_does_not_delay_drop() {
    let s = StandIn::start();
    let mut stream = TcpStream::connect(("127.0.0.1", s.port())).expect("connect");
    stream
        .write_all(format!("GET /api HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", s.port()).as_bytes())
        .expect("write");
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    // The connection stays open and idle, as an HTTP client's pool keeps it.
    let started = Instant::now();
    drop(s);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "drop took {:?}",
        started.elapsed()
    );
    drop(stream);
}

/// Sends `GET target` and reads what comes until the server closes, resets or
/// goes silent for `wait`: (bytes read, how the read ended).
fn raw_exchange(
    s: &StandIn,
    method: &str,
    target: &str,
    token: &str,
    wait: Duration,
) -> (Vec<u8>, std::io::ErrorKind) {
    let mut stream = TcpStream::connect(("127.0.0.1", s.port())).expect("connect");
    stream.set_read_timeout(Some(wait)).expect("timeout");
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\n\r\n",
        s.port()
    );
    stream.write_all(req.as_bytes()).expect("write");
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (raw, std::io::ErrorKind::UnexpectedEof),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => return (raw, e.kind()),
        }
    }
}

fn is_silence(kind: std::io::ErrorKind) -> bool {
    matches!(
        kind,
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

#[test]
fn status_faults_carry_retry_after() {
    let s = StandIn::start();
    s.inject(Fault::once(
        FaultKind::Status {
            code: 503,
            retry_after: Some("1".into()),
        },
        "/api",
    ));
    s.inject(Fault::once(
        FaultKind::Status {
            code: 504,
            retry_after: None,
        },
        "/api",
    ));
    let r = get(&s, "/api", None);
    assert_eq!((r.status, r.header("retry-after")), (503, Some("1")));
    assert_eq!(r.text(), "Service Unavailable");
    let r = get(&s, "/api", None);
    assert_eq!((r.status, r.header("retry-after")), (504, None));
    s.inject(Fault::once(
        FaultKind::Detail {
            code: 404,
            detail: "Invitation not found".into(),
        },
        "/api",
    ));
    let r = get(&s, "/api", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"detail": "Invitation not found"}));
    assert_eq!(get(&s, "/api", None).status, 200);
    let statuses: Vec<u16> = s.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![503, 504, 404, 200]);
}

#[test]
fn a_reset_connection_answers_nothing_and_the_backend_never_sees_it() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    let inv = s.add_invitation(InvitationSeed {
        network_id: net,
        ..Default::default()
    });
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    s.inject(Fault::once(FaultKind::ConnectionReset, "/api/invitations"));
    let target = format!("/api/invitations/{}", inv.id);
    let (raw, end) = raw_exchange(&s, "DELETE", &target, &admin, Duration::from_secs(5));
    assert!(raw.is_empty(), "{}", String::from_utf8_lossy(&raw));
    assert_eq!(end, std::io::ErrorKind::ConnectionReset);
    assert_eq!(s.invitation(inv.id).unwrap()["status"], "pending");
    assert_eq!(s.requests().last().unwrap().status, 0);
}

#[test]
fn a_lost_answer_is_carried_out_but_never_sent() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    let inv = s.add_invitation(InvitationSeed {
        network_id: net,
        ..Default::default()
    });
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    s.inject(Fault::once(FaultKind::LostAnswer, "/api/invitations"));
    let target = format!("/api/invitations/{}", inv.id);
    let (raw, end) = raw_exchange(&s, "DELETE", &target, &admin, Duration::from_secs(5));
    assert!(raw.is_empty(), "{}", String::from_utf8_lossy(&raw));
    assert_eq!(end, std::io::ErrorKind::ConnectionReset);
    // The write happened.
    assert_eq!(s.invitation(inv.id).unwrap()["status"], "revoked");
    assert_eq!(s.requests().last().unwrap().status, 204);
}

#[test]
fn a_stalled_answer_never_comes() {
    let s = StandIn::start();
    s.inject(Fault::once(FaultKind::Stall, "/api"));
    let started = Instant::now();
    let (raw, end) = raw_exchange(&s, "GET", "/api", "x", Duration::from_millis(700));
    assert!(raw.is_empty());
    assert!(is_silence(end), "{end:?}");
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(s.requests().last().unwrap().status, 0);
    // The next request is answered.
    assert_eq!(get(&s, "/api", None).status, 200);
}

#[test]
fn a_stall_mid_body_sends_half_and_then_nothing() {
    let s = StandIn::start();
    let net = s.add_network("alpha", "10.42.0.0/16");
    for i in 0..20 {
        s.add_invitation(InvitationSeed {
            email: format!("u{i}@example.com"),
            network_id: net,
            ..Default::default()
        });
    }
    let admin = admin_token(&s);
    get(&s, "/api/networks", Some(&admin));
    let full = get(&s, "/api/invitations", Some(&admin)).body.len();
    s.inject(Fault::once(FaultKind::StallMidBody, "/api/invitations"));
    let (raw, end) = raw_exchange(
        &s,
        "GET",
        "/api/invitations",
        &admin,
        Duration::from_millis(700),
    );
    assert!(is_silence(end), "{end:?}");
    let text = String::from_utf8_lossy(&raw);
    let split = text.find("\r\n\r\n").expect("the head was sent");
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains(&format!("content-length: {full}")),
        "{}",
        &text[..split]
    );
    assert_eq!(raw.len() - split - 4, full / 2);
}

#[test]
fn a_trickled_answer_arrives_byte_by_byte() {
    let s = StandIn::start();
    s.inject(Fault::once(
        FaultKind::Trickle(Duration::from_millis(10)),
        "/api/health",
    ));
    let started = Instant::now();
    let r = get(&s, "/api/health", None);
    // `{"status":"healthy"}` is 20 bytes.
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.json(), json!({"status": "healthy"}));
}

/// A team on one network: alice (system admin, no membership), owen (owner),
/// bob (member who may invite), dave (plain member); tokens for each.
struct Team {
    server: StandIn,
    net: i64,
    ids: std::collections::HashMap<&'static str, i64>,
}

impl Team {
    fn new() -> Team {
        let server = StandIn::start();
        let alice = server.add_user("alice", Some("alice@example.com"), "system-admin");
        let net =
            server.add_network_owned_by("team", "10.9.0.0/16", "owen", Some("owen@example.com"));
        let bob = server.add_member(
            net,
            "bob",
            Some("bob@example.com"),
            "member",
            MemberFlags {
                can_invite_users: true,
                ..MemberFlags::default()
            },
        );
        let dave = server.add_member(
            net,
            "dave",
            Some("dave@example.com"),
            "member",
            MemberFlags::default(),
        );
        let owen = server.user_id("owen").expect("owen");
        let ids = [
            ("alice", alice),
            ("owen", owen),
            ("bob", bob),
            ("dave", dave),
        ]
        .into();
        Team { server, net, ids }
    }

    fn token(&self, who: &str) -> String {
        let role = if who == "alice" {
            "system-admin"
        } else {
            "user"
        };
        self.server
            .mint_token(who, Some(&format!("{who}@example.com")), Some(role), 3600)
    }

    fn call(&self, who: &str, method: &str, target: &str, body: Option<&str>) -> Resp {
        call(&self.server, method, target, Some(&self.token(who)), body)
    }
}

#[test]
fn members_list_and_who_may_see_them() {
    let t = Team::new();
    let path = format!("/api/networks/{}/users", t.net);
    let r = t.call("owen", "GET", &path, None);
    assert_eq!(r.status, 200, "{}", r.text());
    // Fields in the backend's order.
    assert!(r.text().starts_with(r#"[{"user_id":"#));
    assert!(r.text().contains(r#""can_manage_firewall":true,"invited_by_user_id":null,"invited_by_email":null,"created_at":""#));
    let rows = r.json();
    let subs: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    // Insertion order, not sorted by anything a client could rely on.
    assert_eq!(
        subs,
        ["owen@example.com", "bob@example.com", "dave@example.com"]
    );
    let owen = &rows[0];
    assert_eq!(owen["role"], "owner");
    assert_eq!(owen["invited_by_user_id"], Value::Null);
    assert_eq!(owen["invited_by_email"], Value::Null);
    assert_eq!(rows[1]["can_invite_users"], true);
    assert_eq!(t.call("alice", "GET", &path, None).status, 200);
    for who in ["bob", "dave"] {
        let r = t.call(who, "GET", &path, None);
        assert_eq!(
            (r.status, detail(&r)),
            (403, json!("Only network owners can view network users"))
        );
    }
    // The network is looked up before the permission, for everyone.
    for who in ["alice", "dave"] {
        let r = t.call(who, "GET", "/api/networks/99/users", None);
        assert_eq!((r.status, detail(&r)), (404, json!("Network not found")));
    }
    // No user record: 403 before anything else.
    let ghost = t
        .server
        .mint_token("ghost", None, Some("system-admin"), 3600);
    let r = call(&t.server, "GET", &path, Some(&ghost), None);
    assert_eq!((r.status, detail(&r)), (403, json!("User not found")));
    assert_eq!(call(&t.server, "GET", &path, None, None).status, 401);
    let r = t.call("owen", "GET", "/api/networks/x/users", None);
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["path", "network_id"]));
    assert!(t.server.audit().is_empty(), "reads write no audit entries");
}

#[test]
fn adding_members() {
    let t = Team::new();
    let erin = t.server.add_user("erin", Some("erin@example.com"), "user");
    let path = format!("/api/networks/{}/users", t.net);
    let add = |who: &str, body: &str| t.call(who, "POST", &path, Some(body));
    let r = add("owen", &format!(r#"{{"user_id":{erin},"role":"admin"}}"#));
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Invalid role. Must be: owner or member"))
    );
    let r = t.call(
        "owen",
        "POST",
        "/api/networks/99/users",
        Some(&format!(r#"{{"user_id":{erin}}}"#)),
    );
    assert_eq!((r.status, detail(&r)), (404, json!("Network not found")));
    let r = add("dave", &format!(r#"{{"user_id":{erin}}}"#));
    assert_eq!(
        (r.status, detail(&r)),
        (
            403,
            json!("You don't have permission to add users to this network")
        )
    );
    let r = add("owen", r#"{"user_id":999}"#);
    assert_eq!(
        (r.status, detail(&r)),
        (404, json!("Target user not found"))
    );
    let r = add("owen", &format!(r#"{{"user_id":{}}}"#, t.ids["dave"]));
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("User is already a member of this network"))
    );
    let r = add("owen", r#"{"role":"member"}"#);
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["type"], "missing");
    assert!(t.server.audit().is_empty(), "refusals leave no entry");
    // bob may add (can_invite_users), even as owner; defaults: member, no flags.
    let r = add("bob", &format!(r#"{{"user_id":{erin}}}"#));
    assert_eq!(r.status, 200, "{}", r.text());
    let m = r.json();
    assert_eq!(
        (
            &m["user_id"],
            &m["email"],
            &m["role"],
            &m["can_manage_nodes"],
            &m["can_invite_users"],
            &m["can_manage_firewall"],
            &m["invited_by_user_id"],
            &m["invited_by_email"]
        ),
        (
            &json!(erin),
            &json!("erin@example.com"),
            &json!("member"),
            &json!(false),
            &json!(false),
            &json!(false),
            &json!(t.ids["bob"]),
            &json!("bob@example.com")
        )
    );
    let entry = &t.server.audit()[0];
    assert_eq!(entry["action"], "network_permission_added");
    assert_eq!(entry["resource_type"], "network");
    assert_eq!(entry["resource_id"], t.net);
    assert_eq!(entry["details"], format!("{{\"target_user_id\": {erin}}}"));
    assert_eq!(entry["actor_identifier"], "bob@example.com");
    assert_eq!(entry["actor_user_id"], t.ids["bob"]);
    assert_eq!(entry["result"], "success");
    assert_eq!(entry["client_ip"], "127.0.0.1");
    // The members list now has erin last.
    assert_eq!(t.server.members(t.net).last().unwrap()["user_id"], erin);
}

#[test]
fn updating_and_removing_members() {
    let t = Team::new();
    let member = |id: i64| format!("/api/networks/{}/users/{id}", t.net);
    let (owen, bob, dave) = (t.ids["owen"], t.ids["bob"], t.ids["dave"]);
    // `{}` is a no-op that still answers the member (and is logged).
    let r = t.call("owen", "PATCH", &member(dave), Some("{}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["role"], "member");
    assert_eq!(r.json()["invited_by_user_id"], Value::Null);
    let r = t.call("owen", "PATCH", &member(dave), Some(r#"{"role":"Owner"}"#));
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Invalid role. Must be: owner or member"))
    );
    let r = t.call(
        "bob",
        "PATCH",
        &member(dave),
        Some(r#"{"can_manage_nodes":true}"#),
    );
    assert_eq!(
        (r.status, detail(&r)),
        (
            403,
            json!("Only network owners can update user permissions")
        )
    );
    let r = t.call("owen", "PATCH", &member(999), Some("{}"));
    assert_eq!(
        (r.status, detail(&r)),
        (404, json!("User is not a member of this network"))
    );
    // Demoting the only owner is refused; a flag change on them is not.
    let r = t.call("owen", "PATCH", &member(owen), Some(r#"{"role":"member"}"#));
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Cannot remove the last owner from a network"))
    );
    let r = t.call(
        "alice",
        "PATCH",
        &member(owen),
        Some(r#"{"can_manage_firewall":false}"#),
    );
    assert_eq!(
        (r.status, r.json()["can_manage_firewall"].clone()),
        (200, json!(false))
    );
    let r = t.call(
        "owen",
        "PATCH",
        &member(dave),
        Some(r#"{"can_manage_nodes":"yes","role":null}"#),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        (
            r.json()["can_manage_nodes"].clone(),
            r.json()["role"].clone()
        ),
        (json!(true), json!("member"))
    );
    let r = t.call(
        "owen",
        "PATCH",
        &member(dave),
        Some(r#"{"can_manage_nodes":5}"#),
    );
    assert_eq!(r.status, 422);
    // Removing.
    let r = t.call("dave", "DELETE", &member(bob), None);
    assert_eq!(
        (r.status, detail(&r)),
        (
            403,
            json!("Only network owners can remove users from the network")
        )
    );
    let r = t.call("owen", "DELETE", &member(owen), None);
    assert_eq!(
        (r.status, detail(&r)),
        (400, json!("Cannot remove the last owner from a network"))
    );
    let r = t.call("owen", "DELETE", "/api/networks/99/users/1", None);
    assert_eq!((r.status, detail(&r)), (404, json!("Network not found")));
    let r = t.call("owen", "DELETE", &member(dave), None);
    assert_eq!((r.status, r.body.len()), (204, 0));
    for _ in 0..2 {
        let r = t.call("owen", "DELETE", &member(dave), None);
        assert_eq!(
            (r.status, detail(&r)),
            (404, json!("User is not a member of this network"))
        );
    }
    // With a second owner, the first can step down.
    let r = t.call("owen", "PATCH", &member(bob), Some(r#"{"role":"owner"}"#));
    assert_eq!(r.status, 200);
    let r = t.call("owen", "PATCH", &member(owen), Some(r#"{"role":"member"}"#));
    assert_eq!(r.status, 200);
    let actions: Vec<String> = t
        .server
        .audit()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "network_permission_updated",
            "network_permission_updated",
            "network_permission_removed",
            "network_permission_updated",
            "network_permission_updated",
            "network_permission_updated",
        ]
    );
    assert_eq!(t.server.writes().len(), 16);
    assert!(t.server.writes().iter().all(|w| w.method != "GET"));
}

#[test]
fn users_for_system_admins_only() {
    let t = Team::new();
    for who in ["owen", "bob"] {
        for path in ["/api/users", "/api/users/1"] {
            let r = t.call(who, "GET", path, None);
            assert_eq!(
                (r.status, detail(&r)),
                (403, json!("System administrator access required"))
            );
        }
    }
    let r = t.call("alice", "GET", "/api/users", None);
    assert_eq!(r.status, 200);
    assert!(r.text().starts_with(r#"[{"id":4,"oidc_sub":"dave","email":"dave@example.com","system_role":"user","created_at":""#), "{}", r.text());
    let users = r.json();
    let subs: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["oidc_sub"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["dave", "bob", "owen", "alice"], "newest first");
    assert_eq!(users[0]["network_count"], 1);
    assert_eq!(users[3]["network_count"], 0);
    assert_eq!(users[3]["system_role"], "system-admin");
    let r = t.call(
        "alice",
        "GET",
        &format!("/api/users/{}", t.ids["bob"]),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["networks"],
        json!([{"id": t.net, "name": "team", "role": "member", "can_manage_nodes": false, "can_invite_users": true, "can_manage_firewall": false}])
    );
    let r = t.call("alice", "GET", "/api/users/999", None);
    assert_eq!((r.status, detail(&r)), (404, json!("User not found")));
}

#[test]
fn audit_log_entries_and_filters() {
    let t = Team::new();
    let admin = t.token("alice");
    // Invitation life cycle by bob (may invite) and owen (owner).
    let r = t.call(
        "bob",
        "POST",
        "/api/invitations",
        Some(&json!({"email": "erin@example.com", "network_id": t.net}).to_string()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let inv = r.json();
    let id = inv["id"].as_i64().unwrap();
    assert_eq!(
        t.call(
            "bob",
            "POST",
            &format!("/api/invitations/{id}/resend"),
            None
        )
        .status,
        200
    );
    let erin = t
        .server
        .mint_token("erin", Some("erin@example.com"), None, 3600);
    let token = inv["token"].as_str().unwrap();
    let r = send(
        &t.server,
        "POST",
        &format!("/api/invitations/{token}/accept"),
        &[
            ("Authorization", &format!("Bearer {erin}")),
            ("X-Forwarded-For", "203.0.113.7, 10.0.0.1"),
        ],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        t.call("owen", "DELETE", &format!("/api/invitations/{id}"), None)
            .status,
        204
    );
    // A refusal writes nothing.
    assert_eq!(
        t.call(
            "dave",
            "POST",
            &format!("/api/invitations/{id}/resend"),
            None
        )
        .status,
        403
    );
    let r = post_json(
        &t.server,
        "/api/networks",
        Some(&admin),
        &json!({"name": "lab", "subnet_cidr": "10.1.0.0/16"}),
    );
    assert_eq!(r.status, 200);
    let lab = r.json()["id"].as_i64().unwrap();
    // The creator is owner, invited by nobody.
    let m = t.server.members(lab);
    assert_eq!(
        (m.len(), &m[0]["role"], &m[0]["invited_by_user_id"]),
        (1, &json!("owner"), &Value::Null)
    );
    // erin is a member, invited by bob.
    let erin_row = t
        .server
        .members(t.net)
        .into_iter()
        .find(|m| m["email"] == "erin@example.com")
        .unwrap();
    assert_eq!(erin_row["invited_by_user_id"], t.ids["bob"]);
    assert_eq!(erin_row["invited_by_email"], "bob@example.com");

    let r = get(&t.server, "/api/audit", Some(&admin));
    assert_eq!(r.status, 200);
    assert!(
        r.text().starts_with(r#"[{"id":5,"occurred_at":""#),
        "{}",
        r.text()
    );
    assert!(
        r.text()
            .contains(r#","action":"network_created","actor_user_id":"#)
    );
    assert!(r.text().contains(r#""resource_type":"network","resource_id":2,"result":"success","details":null,"client_ip":"127.0.0.1"}"#));
    let log = r.json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "network_created",
            "invitation_deleted",
            "invitation_accepted",
            "invitation_resend",
            "invitation_created"
        ]
    );
    let created = &log[4];
    assert_eq!(
        created["details"],
        format!(
            "{{\"email\": \"erin@example.com\", \"network_id\": {}}}",
            t.net
        )
    );
    assert_eq!(
        (&created["resource_type"], &created["resource_id"]),
        (&json!("invitation"), &json!(id))
    );
    assert_eq!(log[2]["client_ip"], "203.0.113.7");
    assert_eq!(log[2]["actor_identifier"], "erin@example.com");
    assert_eq!(log[2]["details"], Value::Null);
    assert_eq!(
        (&log[0]["resource_type"], &log[0]["resource_id"]),
        (&json!("network"), &json!(lab))
    );
    assert_eq!(t.server.audit(), log.as_array().unwrap().clone());

    // Filters and paging.
    let q = |query: &str| get(&t.server, &format!("/api/audit?{query}"), Some(&admin));
    let n = |r: Resp| r.json().as_array().unwrap().len();
    assert_eq!(n(q("action=invitation_resend")), 1);
    assert_eq!(n(q("resource_type=invitation")), 4);
    assert_eq!(n(q("resource_id=1")), 5, "no such filter: ignored");
    assert_eq!(n(q("limit=2&offset=1")), 2);
    assert_eq!(
        q("limit=2&offset=1").json()[0]["action"],
        "invitation_deleted"
    );
    assert_eq!(n(q("offset=5")), 0);
    assert_eq!(n(q("from_date=2000-01-01&to_date=2999-01-01T00:00:00")), 5);
    assert_eq!(n(q("to_date=2000-01-01")), 0);
    let r = q("limit=201");
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["type"], "less_than_equal");
    assert_eq!(
        q("limit=0").json()["detail"][0]["type"],
        "greater_than_equal"
    );
    assert_eq!(
        q("offset=-1").json()["detail"][0]["type"],
        "greater_than_equal"
    );
    let r = q("from_date=yesterday");
    assert_eq!(
        r.text(),
        r#"{"detail":[{"type":"datetime_from_date_parsing","loc":["query","from_date"],"msg":"Input should be a valid datetime or date, input is too short","input":"yesterday","ctx":{"error":"input is too short"}}]}"#
    );
    let r = t.call("owen", "GET", "/api/audit", None);
    assert_eq!(
        (r.status, detail(&r)),
        (403, json!("System administrator access required"))
    );
    assert_eq!(get(&t.server, "/api/audit", None).status, 401);
}

#[test]
fn seeded_audit_log_pages_quickly() {
    let server = StandIn::start();
    server.seed_audit(2_000);
    let admin = admin_token(&server);
    assert_eq!(server.audit().len(), 2_000);
    let started = Instant::now();
    let mut seen = 0;
    let mut last: Option<String> = None;
    loop {
        let r = get(
            &server,
            &format!("/api/audit?limit=200&offset={seen}"),
            Some(&admin),
        );
        assert_eq!(r.status, 200);
        let page = r.json();
        let rows = page.as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        for e in rows {
            let at = e["occurred_at"].as_str().unwrap().to_string();
            assert!(last.as_ref().is_none_or(|l| *l >= at), "newest first");
            last = Some(at);
        }
        seen += rows.len();
    }
    assert_eq!(seen, 2_000);
    assert!(started.elapsed() < Duration::from_secs(5));
    let actions: std::collections::HashSet<String> = server
        .audit()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions.len(), 8);
}

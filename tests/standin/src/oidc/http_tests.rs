//! End-to-end tests of OIDC mode over real loopback HTTP: the embedded
//! issuer's discovery, device flow, code flow with PKCE, refresh rotation
//! and revocation, and the backend's OIDC-mode auth endpoints and token
//! checks, with the embedded issuer and with an external one.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::http_tests::{Resp, get, send};
use crate::oidc::issuer::s256;
use crate::oidc::keys;
use crate::server::form_decode;
use crate::{EmbeddedIssuer, Oidc, Options, StandIn};

const CLIENT: &str = "client_id=netinvite";
const DEVICE_GRANT: &str = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:53123/callback";

fn start(cfg: EmbeddedIssuer) -> StandIn {
    StandIn::start_with(Options {
        oidc: Some(Oidc::Embedded(cfg)),
        ..Options::default()
    })
}

/// An embedded issuer that never asks clients to slow down.
fn embedded() -> StandIn {
    start(EmbeddedIssuer {
        device_interval_secs: 0,
        ..EmbeddedIssuer::default()
    })
}

fn post_form(server: &StandIn, target: &str, body: &str) -> Resp {
    send(
        server,
        "POST",
        target,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    )
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

fn header(jwt: &str) -> Value {
    let head = jwt.split('.').next().expect("header segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).expect("base64")).expect("json")
}

fn me(server: &StandIn, token: &str) -> Value {
    get(server, "/api/auth/me", Some(token)).json()
}

/// The path and query of an absolute URL on `server`.
fn local_target(server: &StandIn, url: &str) -> String {
    url.strip_prefix(&server.url())
        .unwrap_or_else(|| panic!("{url} is not on {}", server.url()))
        .to_string()
}

/// The query parameters of a redirect location.
fn location_params(resp: &Resp) -> (String, HashMap<String, String>) {
    let location = resp.header("location").expect("location").to_string();
    let (base, query) = location.split_once('?').unwrap_or((&location, ""));
    let params = query
        .split('&')
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (form_decode(k), form_decode(v)))
        .collect();
    (base.to_string(), params)
}

fn encode(s: &str) -> String {
    crate::oidc::endpoints::encode_component(s)
}

/// Starts a device authorization; returns its JSON.
fn device_auth(server: &StandIn) -> Value {
    let r = post_form(
        server,
        "/oidc/device/auth",
        &format!("{CLIENT}&scope=openid%20email%20offline_access"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn poll(server: &StandIn, device_code: &str) -> Resp {
    post_form(
        server,
        "/oidc/token",
        &format!("{DEVICE_GRANT}&{CLIENT}&device_code={device_code}"),
    )
}

fn error_of(r: &Resp) -> String {
    r.json()["error"].as_str().unwrap_or("").to_string()
}

/// A full device flow, approved through the library call.
fn device_tokens(server: &StandIn) -> Value {
    let d = device_auth(server);
    assert!(server.approve_device(d["user_code"].as_str().unwrap()));
    let r = poll(server, d["device_code"].as_str().unwrap());
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn auth_url(extra: &str) -> String {
    format!(
        "/oidc/auth?{CLIENT}&response_type=code&scope=openid%20email%20offline_access&redirect_uri={}&state=st-1&nonce=n-1{extra}",
        encode(REDIRECT)
    )
}

fn pkce() -> String {
    format!(
        "&code_challenge={}&code_challenge_method=S256",
        s256(VERIFIER)
    )
}

fn exchange(server: &StandIn, code: &str, redirect: &str, verifier: Option<&str>) -> Resp {
    let mut body = format!(
        "grant_type=authorization_code&{CLIENT}&code={code}&redirect_uri={}",
        encode(redirect)
    );
    if let Some(v) = verifier {
        body.push_str(&format!("&code_verifier={v}"));
    }
    post_form(server, "/oidc/token", &body)
}

fn refresh(server: &StandIn, token: &str) -> Resp {
    post_form(
        server,
        "/oidc/token",
        &format!("grant_type=refresh_token&{CLIENT}&refresh_token={token}"),
    )
}

#[test]
fn discovery_document_and_key_set() {
    let server = embedded();
    let issuer = format!("{}/oidc", server.url());
    assert_eq!(server.issuer_url().as_deref(), Some(issuer.as_str()));
    let r = get(&server, "/oidc/.well-known/openid-configuration", None);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let d = r.json();
    assert_eq!(d["issuer"], issuer.as_str());
    for (field, path) in [
        ("authorization_endpoint", "/auth"),
        ("token_endpoint", "/token"),
        ("device_authorization_endpoint", "/device/auth"),
        ("revocation_endpoint", "/token/revocation"),
        ("userinfo_endpoint", "/me"),
        ("jwks_uri", "/.well-known/jwks.json"),
    ] {
        assert_eq!(d[field], format!("{issuer}{path}"), "{field}");
    }
    assert_eq!(d["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(d["subject_types_supported"], serde_json::json!(["public"]));
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        d["scopes_supported"],
        serde_json::json!(["openid", "email", "offline_access"])
    );
    assert_eq!(
        d["grant_types_supported"],
        serde_json::json!([
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code"
        ])
    );
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        serde_json::json!(["none"])
    );
    let claims_supported = d["claims_supported"].as_array().unwrap();
    for c in ["sub", "email", "email_verified", "system_role", "nonce"] {
        assert!(claims_supported.contains(&Value::from(c)), "{c}");
    }

    let jwks = get(&server, "/oidc/.well-known/jwks.json", None).json();
    let keys_list = jwks["keys"].as_array().unwrap();
    assert_eq!(keys_list.len(), 1);
    let k = &keys_list[0];
    assert_eq!(
        (&k["kty"], &k["alg"], &k["use"], &k["kid"]),
        (
            &Value::from("RSA"),
            &Value::from("RS256"),
            &Value::from("sig"),
            &Value::from(keys::KID)
        )
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(k["n"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    assert_eq!(k["e"], "AQAB");

    // Wrong method, unknown path.
    let r = send(
        &server,
        "POST",
        "/oidc/.well-known/jwks.json",
        &[],
        Some(b""),
    );
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
    let r = get(&server, "/oidc/nope", None);
    assert_eq!((r.status, error_of(&r).as_str()), (404, "invalid_request"));
    // Without an embedded issuer, /oidc is an ordinary unknown path.
    let plain = StandIn::start();
    let r = get(&plain, "/oidc/.well-known/openid-configuration", None);
    assert_eq!(
        (r.status, r.text()),
        (404, r#"{"detail":"Not Found"}"#.into())
    );
    assert_eq!(plain.issuer_url(), None);
}

#[test]
fn backend_auth_endpoints_in_oidc_mode() {
    let server = embedded();
    let r = get(&server, "/api/auth/oidc-status", None);
    assert_eq!((r.status, r.text()), (200, r#"{"status":"ok"}"#.into()));
    let r = get(&server, "/api/auth/dev-token", None);
    assert_eq!(
        (r.status, r.text()),
        (404, r#"{"detail":"Not found"}"#.into())
    );
    let r = get(&server, "/api/auth/login", None);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("server"), Some("uvicorn"));
    let (base, params) = location_params(&r);
    assert_eq!(base, format!("{}/oidc/auth", server.url()));
    assert_eq!(params["client_id"], "netinvite");
    assert_eq!(params["response_type"], "code");
    assert_eq!(
        params["redirect_uri"],
        format!("{}/api/auth/callback", server.url())
    );
    assert_eq!(params["scope"], "openid email profile");
    assert_eq!(params["state"].len(), 30);
    let (_, again) = location_params(&get(&server, "/api/auth/login", None));
    assert_ne!(params["state"], again["state"], "state is random");

    // Tokens: the issuer's ID tokens, and still the server's own HS256 ones.
    let id = server.mint_oidc_id_token(
        "alice",
        Some("alice@netinvite.test"),
        Some("system-admin"),
        Some("netinvite"),
        60,
    );
    let m = me(&server, &id);
    assert_eq!(
        (&m["authenticated"], &m["sub"], &m["system_role"]),
        (
            &Value::from(true),
            &Value::from("alice"),
            &Value::from("system-admin")
        )
    );
    let account = server.mint_oidc_id_token("alice", None, None, Some("account"), 60);
    assert_eq!(me(&server, &account)["authenticated"], false);
    let expired = server.mint_oidc_id_token("alice", None, None, Some("netinvite"), -5);
    assert_eq!(me(&server, &expired)["authenticated"], false);
    let own = server.mint_token("dev", None, Some("system-admin"), 60);
    assert_eq!(me(&server, &own)["authenticated"], true);
    // An ID token is a full credential for the API.
    let r = get(&server, "/api/networks", Some(&id));
    assert_eq!((r.status, r.text()), (200, "[]".into()));
}

#[test]
fn device_flow_happy_path() {
    let server = embedded();
    let d = device_auth(&server);
    let issuer = server.issuer_url().unwrap();
    let user_code = d["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(user_code.as_bytes()[4], b'-');
    assert_eq!(d["verification_uri"], format!("{issuer}/device"));
    assert_eq!(
        d["verification_uri_complete"],
        format!("{issuer}/device?user_code={user_code}")
    );
    assert_eq!(
        (d["expires_in"].as_i64(), d["interval"].as_u64()),
        (Some(600), Some(0))
    );
    let device_code = d["device_code"].as_str().unwrap();
    let r = poll(&server, device_code);
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "authorization_pending")
    );

    // The page a person would see, then the non-interactive approval.
    let complete = local_target(&server, d["verification_uri_complete"].as_str().unwrap());
    let page = get(&server, &complete, None);
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains(user_code) && page.text().contains("approve"));
    let r = post_form(&server, &complete, "approve=yes");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Sign-in Success"));
    // Deciding twice does not work.
    assert_eq!(post_form(&server, &complete, "approve=no").status, 400);

    let r = poll(&server, device_code);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let t = r.json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 300);
    assert_eq!(t["scope"], "openid email offline_access");
    let id = t["id_token"].as_str().unwrap();
    assert_eq!(
        header(id),
        serde_json::json!({"alg": "RS256", "kid": keys::KID, "typ": "JWT"})
    );
    let c = claims(id);
    assert_eq!(c["iss"], issuer.as_str());
    assert_eq!(c["aud"], "netinvite");
    assert_eq!(c["sub"], "alice");
    assert_eq!(c["email"], "alice@netinvite.test");
    assert_eq!(c["email_verified"], true);
    assert_eq!(c["system_role"], "system-admin");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    assert!(c.get("nonce").is_none() && c.get("at_hash").is_none());
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(header(access)["kid"], keys::KID);
    assert_eq!(claims(access)["aud"], "account");
    assert!(t["refresh_token"].as_str().unwrap().len() >= 43);

    // The backend takes the ID token, not the access token.
    let m = me(&server, id);
    assert_eq!(
        (&m["authenticated"], &m["sub"]),
        (&Value::from(true), &Value::from("alice"))
    );
    assert_eq!(me(&server, access)["authenticated"], false);
    // Userinfo takes the access token, not the ID token.
    let r = send(
        &server,
        "GET",
        "/oidc/me",
        &[("Authorization", &format!("Bearer {access}"))],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["email"], "alice@netinvite.test");
    let r = send(
        &server,
        "GET",
        "/oidc/me",
        &[("Authorization", &format!("Bearer {id}"))],
        None,
    );
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    assert_eq!(get(&server, "/oidc/me", None).status, 400);

    // A device code gives tokens once.
    let r = poll(&server, device_code);
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_grant"));
    // The request log keeps the paths but not the codes.
    let logged: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/oidc/device")
        .collect();
    assert_eq!(logged.len(), 3);
    for r in logged {
        assert_eq!(r.query.as_deref(), Some("user_code=REDACTED"));
    }
}

#[test]
fn device_flow_errors() {
    let server = start(EmbeddedIssuer {
        device_interval_secs: 2,
        ..EmbeddedIssuer::default()
    });
    // Polling faster than the interval.
    let d = device_auth(&server);
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(error_of(&poll(&server, code)), "authorization_pending");
    assert_eq!(error_of(&poll(&server, code)), "slow_down");
    // Denied, through the library and through the page.
    assert!(server.deny_device(d["user_code"].as_str().unwrap()));
    assert_eq!(error_of(&poll(&server, code)), "access_denied");
    let d = device_auth(&server);
    let complete = local_target(&server, d["verification_uri_complete"].as_str().unwrap());
    let r = post_form(&server, &complete, "approve=no");
    assert!(r.text().contains("Denied"), "{}", r.text());
    assert_eq!(
        error_of(&poll(&server, d["device_code"].as_str().unwrap())),
        "access_denied"
    );
    // The user code can also come in the form, in any case and spacing.
    let d = device_auth(&server);
    let typed = d["user_code"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .replace('-', " ");
    let r = post_form(
        &server,
        "/oidc/device",
        &format!("user_code={}&approve=yes", encode(&typed)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        poll(&server, d["device_code"].as_str().unwrap()).status,
        200
    );
    // Unknown codes.
    assert!(!server.approve_device("BCDF-GHJK"));
    assert_eq!(
        post_form(&server, "/oidc/device?user_code=BCDF-GHJK", "approve=yes").status,
        400
    );
    assert_eq!(
        get(&server, "/oidc/device?user_code=BCDF-GHJK", None).status,
        400
    );
    assert_eq!(
        get(&server, "/oidc/device", None).status,
        200,
        "code entry form"
    );
    assert_eq!(error_of(&poll(&server, "nope")), "invalid_grant");
    // Client and request errors.
    let r = post_form(
        &server,
        "/oidc/token",
        &format!("{DEVICE_GRANT}&client_id=other&device_code={code}"),
    );
    assert_eq!((r.status, error_of(&r).as_str()), (401, "invalid_client"));
    let r = post_form(
        &server,
        "/oidc/token",
        &format!("{DEVICE_GRANT}&device_code={code}"),
    );
    assert_eq!((r.status, error_of(&r).as_str()), (401, "invalid_client"));
    let r = post_form(&server, "/oidc/token", &format!("{DEVICE_GRANT}&{CLIENT}"));
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    let r = post_form(
        &server,
        "/oidc/token",
        &format!("grant_type=password&{CLIENT}"),
    );
    assert_eq!(error_of(&r), "unsupported_grant_type");
    let r = post_form(
        &server,
        "/oidc/token",
        &format!("{CLIENT}&{CLIENT}&grant_type=x"),
    );
    assert_eq!(error_of(&r), "invalid_request", "repeated parameter");
    let r = send(
        &server,
        "POST",
        "/oidc/token",
        &[("Content-Type", "application/json")],
        Some(br#"{"grant_type":"refresh_token"}"#),
    );
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    // A Basic header names the client as well as the form does.
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("netinvite:")
    );
    let r = send(
        &server,
        "POST",
        "/oidc/device/auth",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", &basic),
        ],
        Some(b"scope=openid"),
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // An expired device code.
    let short = start(EmbeddedIssuer {
        device_code_ttl_secs: 0,
        ..EmbeddedIssuer::default()
    });
    let d = device_auth(&short);
    assert!(!short.approve_device(d["user_code"].as_str().unwrap()));
    assert_eq!(
        error_of(&poll(&short, d["device_code"].as_str().unwrap())),
        "expired_token"
    );
}

#[test]
fn slow_down_respects_the_interval() {
    let server = start(EmbeddedIssuer::default());
    let d = device_auth(&server);
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(error_of(&poll(&server, code)), "authorization_pending");
    std::thread::sleep(Duration::from_millis(1_000));
    assert_eq!(error_of(&poll(&server, code)), "authorization_pending");
    server.approve_device(d["user_code"].as_str().unwrap());
    assert_eq!(
        poll(&server, code).status,
        200,
        "approved codes answer at once"
    );
}

#[test]
fn code_flow_with_pkce() {
    let server = embedded();
    let r = get(&server, &auth_url(&pkce()), None);
    assert_eq!(r.status, 302, "{}", r.text());
    let (base, p) = location_params(&r);
    assert_eq!(base, REDIRECT);
    assert_eq!(p["state"], "st-1");
    assert_eq!(p["iss"], server.issuer_url().unwrap());
    let code = p["code"].clone();
    // Wrong verifier, missing verifier, wrong redirect URI.
    let bad = "x".repeat(43);
    for (redirect, verifier) in [
        (REDIRECT, Some(bad.as_str())),
        (REDIRECT, None),
        (REDIRECT, Some("short")),
        ("http://127.0.0.1:53124/callback", Some(VERIFIER)),
    ] {
        let r = exchange(&server, &code, redirect, verifier);
        assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_grant"));
    }
    let r = exchange(&server, &code, REDIRECT, Some(VERIFIER));
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    let c = claims(t["id_token"].as_str().unwrap());
    assert_eq!(
        (&c["nonce"], &c["aud"]),
        (&Value::from("n-1"), &Value::from("netinvite"))
    );
    assert_eq!(me(&server, t["id_token"].as_str().unwrap())["sub"], "alice");
    // Presenting the code again fails and revokes what it gave.
    let r = exchange(&server, &code, REDIRECT, Some(VERIFIER));
    assert_eq!(error_of(&r), "invalid_grant");
    let r = refresh(&server, t["refresh_token"].as_str().unwrap());
    assert_eq!(error_of(&r), "invalid_grant");
    // The code never reaches the request log.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.query.as_deref().unwrap_or("").contains(&code))
    );
}

#[test]
fn authorization_errors() {
    let server = embedded();
    // Without PKCE, or with `plain`: back to the client with invalid_request.
    for extra in [
        String::new(),
        format!("&code_challenge={}", s256(VERIFIER)),
        format!("&code_challenge={VERIFIER}&code_challenge_method=plain"),
    ] {
        let r = get(&server, &auth_url(&extra), None);
        assert_eq!(r.status, 302);
        let (base, p) = location_params(&r);
        assert_eq!(base, REDIRECT);
        assert_eq!(
            (p["error"].as_str(), p["state"].as_str()),
            ("invalid_request", "st-1")
        );
    }
    let r = get(
        &server,
        &auth_url(&pkce()).replace("response_type=code", "response_type=token"),
        None,
    );
    assert_eq!(location_params(&r).1["error"], "unsupported_response_type");
    // Unknown client or redirect URI: an error page, no redirect.
    let r = get(
        &server,
        &auth_url(&pkce()).replace(CLIENT, "client_id=other"),
        None,
    );
    assert_eq!((r.status, r.header("location")), (400, None));
    assert!(r.text().contains("invalid_client"));
    let r = get(
        &server,
        &auth_url(&pkce()).replace(
            &encode(REDIRECT),
            &encode("http://example.com:5555/callback"),
        ),
        None,
    );
    assert_eq!((r.status, r.header("location")), (400, None));
    // The user says no.
    server.set_code_flow_denied(true);
    let r = get(&server, &auth_url(&pkce()), None);
    let (_, p) = location_params(&r);
    assert_eq!(p["error"], "access_denied");
    assert!(!p["error_description"].is_empty());
    assert_eq!(p["state"], "st-1");
    assert!(!p.contains_key("code"));
    server.set_code_flow_denied(false);
    assert!(
        location_params(&get(&server, &auth_url(&pkce()), None))
            .1
            .contains_key("code")
    );
}

#[test]
fn consent_page_without_auto_approve() {
    let server = start(EmbeddedIssuer {
        auto_approve_code_flow: false,
        ..EmbeddedIssuer::default()
    });
    let interaction = |server: &StandIn| {
        let r = get(server, &auth_url(&pkce()), None);
        assert_eq!(r.status, 200);
        let text = r.text();
        let marker = "name=\"interaction\" value=\"";
        let start = text.find(marker).unwrap() + marker.len();
        text[start..start + 43].to_string()
    };
    let id = interaction(&server);
    let r = post_form(
        &server,
        "/oidc/auth/decision",
        &format!("interaction={id}&approve=yes"),
    );
    assert_eq!(r.status, 302);
    let code = location_params(&r).1["code"].clone();
    assert_eq!(
        exchange(&server, &code, REDIRECT, Some(VERIFIER)).status,
        200
    );
    // Used once only.
    let again = post_form(
        &server,
        "/oidc/auth/decision",
        &format!("interaction={id}&approve=yes"),
    );
    assert_eq!(again.status, 400);
    let id = interaction(&server);
    let r = post_form(
        &server,
        "/oidc/auth/decision",
        &format!("interaction={id}&approve=no"),
    );
    assert_eq!(location_params(&r).1["error"], "access_denied");
}

#[test]
fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let server = embedded();
    let r = get(&server, &auth_url(&pkce()), None);
    let code = location_params(&r).1["code"].clone();
    let first = exchange(&server, &code, REDIRECT, Some(VERIFIER)).json();
    let rt1 = first["refresh_token"].as_str().unwrap();
    let r = refresh(&server, rt1);
    assert_eq!(r.status, 200, "{}", r.text());
    let second = r.json();
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2, "rotated");
    let id2 = second["id_token"].as_str().unwrap();
    assert_eq!(claims(id2)["nonce"], "n-1", "the nonce survives refreshes");
    assert_eq!(me(&server, id2)["authenticated"], true);
    let third = refresh(&server, rt2).json();
    let rt3 = third["refresh_token"].as_str().unwrap();
    // rt1 again: invalid_grant, and the newest token dies with the grant.
    let r = refresh(&server, rt1);
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_grant"));
    assert_eq!(error_of(&refresh(&server, rt3)), "invalid_grant");
    assert_eq!(error_of(&refresh(&server, "unknown")), "invalid_grant");
    // Issued ID tokens stay valid at the backend until they expire: it
    // knows nothing of the issuer's grants.
    assert_eq!(
        me(&server, third["id_token"].as_str().unwrap())["authenticated"],
        true
    );
    // An expired refresh token.
    let short = start(EmbeddedIssuer {
        refresh_token_ttl_secs: 0,
        device_interval_secs: 0,
        ..EmbeddedIssuer::default()
    });
    let t = device_tokens(&short);
    assert_eq!(
        error_of(&refresh(&short, t["refresh_token"].as_str().unwrap())),
        "invalid_grant"
    );
}

#[test]
fn revocation() {
    let server = embedded();
    let t = device_tokens(&server);
    let rt = t["refresh_token"].as_str().unwrap();
    let access = t["access_token"].as_str().unwrap();
    let revoke = |token: &str| {
        post_form(
            &server,
            "/oidc/token/revocation",
            &format!("{CLIENT}&token={token}&token_type_hint=refresh_token"),
        )
    };
    let r = revoke(rt);
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert_eq!(error_of(&refresh(&server, rt)), "invalid_grant");
    assert_eq!(revoke("not-a-token").status, 200, "unknown tokens are fine");
    // Revoking the grant also ends its access tokens at userinfo.
    let userinfo = |token: &str| {
        send(
            &server,
            "GET",
            "/oidc/me",
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
        .status
    };
    assert_eq!(userinfo(access), 401);
    let t = device_tokens(&server);
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(userinfo(access), 200);
    assert_eq!(revoke(access).status, 200);
    assert_eq!(userinfo(access), 401);
    assert_eq!(
        refresh(&server, t["refresh_token"].as_str().unwrap()).status,
        200
    );
    let r = post_form(&server, "/oidc/token/revocation", CLIENT);
    assert_eq!(error_of(&r), "invalid_request");
    let r = post_form(&server, "/oidc/token/revocation", "token=x&client_id=other");
    assert_eq!(r.status, 401);
}

#[test]
fn account_and_ttl_settings() {
    let server = start(EmbeddedIssuer {
        id_token_ttl_secs: 7,
        access_token_ttl_secs: 5,
        device_interval_secs: 0,
        system_role: None,
        ..EmbeddedIssuer::default()
    });
    let t = device_tokens(&server);
    assert_eq!(t["expires_in"], 5);
    let c = claims(t["id_token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 7);
    assert!(c.get("system_role").is_none());
    assert_eq!(
        me(&server, t["id_token"].as_str().unwrap())["system_role"],
        "user"
    );
    server.set_oidc_account("bob", None, Some("user"));
    let t = device_tokens(&server);
    let c = claims(t["id_token"].as_str().unwrap());
    assert_eq!((&c["sub"], c.get("email")), (&Value::from("bob"), None));
    // An ID token with at_hash, as real issuers mint them, fails at the
    // backend (python-jose wants the access token to check it).
    let strict = start(EmbeddedIssuer {
        id_token_at_hash: true,
        device_interval_secs: 0,
        ..EmbeddedIssuer::default()
    });
    let t = device_tokens(&strict);
    assert!(
        claims(t["id_token"].as_str().unwrap())
            .get("at_hash")
            .is_some()
    );
    assert_eq!(
        me(&strict, t["id_token"].as_str().unwrap())["authenticated"],
        false
    );
}

#[test]
fn external_issuer() {
    let idp = embedded();
    let issuer = idp.issuer_url().unwrap();
    let server = StandIn::start_with(Options {
        oidc: Some(Oidc::External {
            issuer: issuer.clone(),
            client_id: "netinvite".into(),
        }),
        ..Options::default()
    });
    assert_eq!(server.issuer_url().as_deref(), Some(issuer.as_str()));
    let r = get(&server, "/api/auth/oidc-status", None);
    assert_eq!((r.status, r.text()), (200, r#"{"status":"ok"}"#.into()));
    assert_eq!(get(&server, "/api/auth/dev-token", None).status, 404);
    let r = get(&server, "/api/auth/login", None);
    assert_eq!(r.status, 302);
    let (base, p) = location_params(&r);
    assert_eq!(base, format!("{issuer}/auth"));
    assert_eq!(
        p["redirect_uri"],
        format!("{}/api/auth/callback", server.url())
    );
    // Tokens from a device flow at the issuer work at the server; the key
    // set is fetched once, from the fixed path.
    let t = device_tokens(&idp);
    let id = t["id_token"].as_str().unwrap();
    assert_eq!(me(&server, id)["sub"], "alice");
    assert_eq!(me(&server, id)["authenticated"], true);
    assert_eq!(
        me(&server, t["access_token"].as_str().unwrap())["authenticated"],
        false
    );
    let fetched: Vec<_> = idp
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/oidc/.well-known/"))
        .map(|r| r.path)
        .collect();
    assert_eq!(
        fetched,
        vec![
            "/oidc/.well-known/openid-configuration".to_string(),
            "/oidc/.well-known/jwks.json".to_string()
        ]
    );
    // The server does not serve an issuer itself.
    assert_eq!(
        get(&server, "/oidc/.well-known/jwks.json", None).status,
        404
    );
}

#[test]
fn unreachable_external_issuer() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = StandIn::start_with(Options {
        oidc: Some(Oidc::External {
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: "netinvite".into(),
        }),
        ..Options::default()
    });
    let r = get(&server, "/api/auth/oidc-status", None);
    assert_eq!(
        (r.status, r.text()),
        (503, r#"{"detail":"OIDC provider unavailable"}"#.into())
    );
    let r = get(&server, "/api/auth/login", None);
    assert_eq!((r.status, r.text()), (500, "Internal Server Error".into()));
    assert_eq!(get(&server, "/api/auth/dev-token", None).status, 404);
    let id = server.mint_oidc_id_token("alice", None, None, Some("netinvite"), 60);
    assert_eq!(me(&server, &id)["authenticated"], false);
    let own = server.mint_token("dev", None, Some("system-admin"), 60);
    assert_eq!(me(&server, &own)["authenticated"], true);
}

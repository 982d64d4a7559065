//! `netinvite doctor` — checks, in order, what a working sign-in needs and says what to
//! fix: the server and how it is reached (TLS roots, proxy), its sign-in mode, the
//! issuer's discovery document, the key set at the exact path the server reads, the
//! stored token's audience and role claim, clock skew, the keyring and the clipboard.

use clap::Args;
use serde::Serialize;

use crate::auth::{self, oidc};
use crate::config::AuthMode;
use crate::context::Context;
use crate::error::CliError;
use crate::output::json::to_pretty;
use crate::style::Style;

#[derive(Debug, Args)]
pub struct DoctorArgs {}

#[derive(Serialize)]
struct Check {
    check: &'static str,
    status: &'static str,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

/// Which roots are trusted and which proxy is taken, in one line.
fn connection_summary(net: &crate::api::NetConfig, url: &url::Url) -> String {
    let tls = if url.scheme() != "https" {
        "plain http (no TLS)".to_string()
    } else {
        match net.extra_ca() {
            Some(ca) => format!(
                "TLS with the built-in roots and {} certificate(s) from {} ({})",
                ca.len(),
                ca.path.display(),
                ca.origin.option()
            ),
            None => "TLS with the built-in roots".to_string(),
        }
    };
    let proxy = match net.proxy_for(url) {
        Some(p) => format!("through the proxy {} ({})", p.shown(), p.var),
        None => "no proxy".to_string(),
    };
    format!("{tls}; {proxy}")
}

fn ok(check: &'static str, detail: impl Into<String>) -> Check {
    Check {
        check,
        status: "ok",
        detail: detail.into(),
        fix: None,
    }
}
fn warn(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        check,
        status: "warn",
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}
fn fail(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        check,
        status: "fail",
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}
fn skip(check: &'static str, detail: impl Into<String>) -> Check {
    Check {
        check,
        status: "skip",
        detail: detail.into(),
        fix: None,
    }
}

pub async fn run(ctx: &mut Context, _args: DoctorArgs) -> Result<(), CliError> {
    let sel = ctx.select()?;
    let url = sel.server_url()?;
    let server = sel.profile.server.clone();
    let mut checks = Vec::new();

    // 0. How the server is reached: a CA file or a proxy variable that cannot be used
    // is a failed check here, not an error before any check.
    let client = match ctx.client_for(&url) {
        Ok(c) => c,
        Err(e) => {
            checks.push(fail(
                "connection",
                e.message(),
                e.hint().unwrap_or_default(),
            ));
            return report(ctx, checks);
        }
    };
    let connection = connection_summary(client.net(), &url);

    // 1. The server.
    match crate::commands::login::check_server(&client, &server).await {
        Ok(v) => {
            checks.push(ok("server", format!("Nebula Commander {v} at {server}")));
            checks.push(ok("connection", connection));
        }
        Err(e) => {
            checks.push(fail("server", e.message(), e.hint().unwrap_or_default()));
            checks.push(skip("connection", connection));
            return report(ctx, checks);
        }
    }

    // 2. Its sign-in mode.
    let mode = client.oidc_status().await.map(|s| s.status);
    let oidc_mode = match mode.as_deref() {
        Ok("disabled") => {
            checks.push(warn(
                "sign-in mode",
                "no OIDC: the server hands a development token with full admin rights to anyone who can reach it",
                "configure OIDC on the server before exposing it",
            ));
            false
        }
        Ok(s) => {
            checks.push(ok("sign-in mode", format!("OIDC ({s})")));
            true
        }
        Err(e) if e.status() == Some(503) => {
            checks.push(fail(
                "sign-in mode",
                "OIDC is configured but the server cannot load its identity provider",
                "check the server's OIDC issuer setting and that it can reach the issuer",
            ));
            true
        }
        Err(e) => {
            let e = CliError::from_api(e.clone(), &server);
            checks.push(warn(
                "sign-in mode",
                e.message(),
                "an older server may not report it",
            ));
            false
        }
    };

    // 3–4. The issuer and the key set where the server reads it.
    let issuer = sel.profile.issuer.clone();
    let mut server_kids: Option<Vec<String>> = None;
    match (&issuer, oidc_mode) {
        (Some(iss), _) => {
            let client_id = sel.profile.client_id.clone().unwrap_or_default();
            match oidc::Provider::discover(iss, &client_id, client.net(), ctx.observer()).await {
                Ok(p) => {
                    checks.push(ok("issuer", format!("discovery document of {iss} loads")));
                    let jwks_uri = p.metadata.jwks_uri().url().to_string();
                    match oidc::server_visible_key_ids(iss, client.net()).await {
                        Ok(kids) => {
                            checks.push(ok(
                                "key set",
                                format!("{iss}/.well-known/jwks.json has key(s) {}", kids.join(", ")),
                            ));
                            server_kids = Some(kids);
                        }
                        Err(e) => checks.push(fail(
                            "key set",
                            format!("{e}; the server reads keys only there (the issuer publishes them at {jwks_uri})"),
                            "serve the key set at that path (e.g. through a proxy); until then no token from this identity provider can pass",
                        )),
                    }
                }
                Err(e) => {
                    checks.push(fail("issuer", e.message(), e.hint().unwrap_or_default()));
                }
            }
        }
        (None, true) => checks.push(warn(
            "issuer",
            "the profile names no issuer",
            "netinvite login --issuer URL",
        )),
        (None, false) => checks.push(skip("issuer", "not used by a server without OIDC")),
    }

    // 5. The stored token.
    let store = ctx.store(&sel);
    let tokens = if sel.saved { store.load() } else { Ok(None) };
    match &tokens {
        Ok(Some(t)) => {
            let kind = auth::bearer_kind(&sel.profile);
            let bearer = t.bearer(kind).unwrap_or_default();
            let claims = auth::jwt::claims(bearer).unwrap_or_default();
            if t.kind == AuthMode::Oidc {
                let cid = sel.profile.client_id.clone().unwrap_or_default();
                match &claims.aud {
                    Some(aud) if !aud.contains(&cid) => checks.push(fail(
                        "token audience",
                        format!("audience {} lacks the client id {cid:?}", aud.list().join(", ")),
                        "sign in with the server's client id, or send the ID token: netinvite config set bearer id-token",
                    )),
                    _ => checks.push(ok("token audience", format!("contains {cid:?} (or is absent)"))),
                }
                if let (Some(kids), Some(kid)) = (&server_kids, auth::jwt::key_id(bearer))
                    && !kids.contains(&kid)
                {
                    checks.push(fail(
                        "token key",
                        format!("signed with key {kid:?}, not in the server's key set"),
                        "the identity provider rotated its keys: the server must be restarted to read them",
                    ));
                }
            }
            match claims.system_role.or(claims.role) {
                Some(r) if r == "system-admin" => checks.push(ok("token role", "system_role is system-admin")),
                Some(r) => checks.push(ok("token role", format!("system_role is {r:?}: you act through network memberships"))),
                None => checks.push(warn(
                    "token role",
                    "the token has no system_role claim: you act through network memberships only",
                    "for system-admin rights, have the identity provider add a top-level claim system_role: system-admin",
                )),
            }
            let now = auth::now();
            match t.bearer_expires_at(kind) {
                Some(e)
                    if e <= now && t.refresh_token.is_none() && t.kind != AuthMode::DevToken =>
                {
                    checks.push(fail(
                        "token expiry",
                        "expired, and there is no refresh token",
                        "netinvite login",
                    ))
                }
                Some(e) => checks.push(ok("token expiry", crate::commands::login::rfc3339_secs(e))),
                None => checks.push(ok("token expiry", "none stated")),
            }
        }
        Ok(None) => checks.push(warn(
            "token",
            "not signed in",
            format!("netinvite login --server {server}"),
        )),
        Err(e) => checks.push(fail("token", e.message(), e.hint().unwrap_or_default())),
    }

    // 6. Clock skew against the server.
    match client.server_date().await {
        Ok(Some(date)) => match chrono::DateTime::parse_from_rfc2822(&date) {
            Ok(d) => {
                let skew = (chrono::Utc::now() - d.with_timezone(&chrono::Utc)).num_seconds();
                if skew.abs() > 30 {
                    checks.push(fail(
                        "clock",
                        format!("this machine is {skew} s off the server's clock"),
                        "synchronise the clock (NTP): token expiry is checked against it",
                    ));
                } else {
                    checks.push(ok("clock", format!("{skew} s from the server's clock")));
                }
            }
            Err(_) => checks.push(skip("clock", "the server's Date header is unreadable")),
        },
        _ => checks.push(skip("clock", "the server sent no Date header")),
    }

    // 7. The keyring.
    let probe = auth::TokenStore::Keyring {
        account: "netinvite doctor probe".into(),
    };
    match probe.load() {
        Ok(_) => checks.push(ok("keyring", "the OS keyring answers")),
        Err(e) => checks.push(fail("keyring", e.message(), e.hint().unwrap_or_default())),
    }

    // 8. The clipboard.
    match arboard::Clipboard::new() {
        Ok(_) => checks.push(ok("clipboard", "available")),
        Err(e) => checks.push(warn(
            "clipboard",
            format!("not available ({e})"),
            "copy-link will print links instead",
        )),
    }
    report(ctx, checks)
}

fn report(ctx: &Context, checks: Vec<Check>) -> Result<(), CliError> {
    let failed = checks.iter().filter(|c| c.status == "fail").count();
    if ctx.io.json {
        ctx.io.out(&to_pretty(&checks))?;
    } else {
        let mut text = String::new();
        for c in &checks {
            let mark = match c.status {
                "ok" => ctx.io.paint_out(Style::Green, "✓"),
                "warn" => ctx.io.paint_out(Style::Yellow, "!"),
                "fail" => ctx.io.paint_out(Style::Red, "✗"),
                _ => ctx.io.paint_out(Style::Dim, "-"),
            };
            text.push_str(&format!(
                "{mark} {:<15} {}\n",
                c.check,
                crate::output::printable(&c.detail)
            ));
            if let Some(f) = &c.fix
                && c.status != "ok"
            {
                text.push_str(&format!("  {:<15} fix: {f}\n", ""));
            }
        }
        ctx.io.out(&text)?;
    }
    if failed > 0 {
        return Err(CliError::Partial {
            failed,
            total: checks.len(),
            code: crate::error::FAILURE,
        });
    }
    Ok(())
}

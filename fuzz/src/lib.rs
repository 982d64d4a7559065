//! Fuzz targets for everything netinvite decodes that it did not write itself: the
//! server's answers (invitations, lists, networks, `me`, error bodies and 422 arrays),
//! what the identity provider sends (discovery, token and device responses, JWT claims),
//! the token set read back from the keyring or token file, the configuration file,
//! invitation links and ids, and the addresses of `create --emails-from`.
//!
//! Each target takes raw bytes and checks properties, not only "no panic": a decoded
//! value renders in every output format; text for people never carries a raw control
//! character; JSON output gives back the exact server text; encoders and decoders round
//! trip; secrets never reach `Debug`. A broken property panics, which the drivers report
//! as a crash: libFuzzer (`--features libfuzzer`, coverage-guided, see docs/fuzzing.md)
//! and the corpus replay in `tests/`.

use std::borrow::Cow;

use chrono::{DateTime, TimeZone, Utc};
use netinvite::api::models::{
    AcceptOutcome, DevToken, Invitation, Me, Network, OidcStatus, PublicInvitation, ServerInfo,
};
use netinvite::api::{self, ApiError};
use netinvite::auth::jwt;
use netinvite::auth::store::TokenSet;
use netinvite::config::{AuthMode, BearerKind, ConfigFile};
use netinvite::error::CliError;
use netinvite::io::{Io, Verbosity};
use netinvite::output::{self, Format, json, needs_escape, printable};

/// One fuzz target: a name (the corpus folder under `fuzz/corpus/`), what it covers, and
/// the function that checks one input.
pub struct Target {
    pub name: &'static str,
    pub about: &'static str,
    pub run: fn(&[u8]),
}

/// Every target. The bulk CSV/JSONL input of `create` gets its own target here (`bulk`)
/// once that parser lands; until then `local_input` covers `--emails-from`.
pub const TARGETS: &[Target] = &[
    t("invitation", "one invitation (create, resend)", invitation),
    t("invitation_list", "GET /api/invitations", invitation_list),
    t("network_list", "GET /api/networks", network_list),
    t(
        "public_invitation",
        "GET /api/invitations/public/{token}",
        public_invitation,
    ),
    t("me", "GET /api/auth/me", me),
    t(
        "small_answers",
        "dev token, /api, oidc-status, accept",
        small_answers,
    ),
    t(
        "error_body",
        "any non-2xx answer: status, content type, body",
        error_body,
    ),
    t("validation_detail", "422 detail arrays", validation_detail),
    t(
        "jwt_claims",
        "JWT claims and header read without verification",
        jwt_claims,
    ),
    t(
        "token_set",
        "the token set from the keyring or 0600 file",
        token_set,
    ),
    t(
        "oidc_discovery",
        "discovery document and JWKS",
        oidc_discovery,
    ),
    t(
        "oidc_token",
        "token, device authorization and error responses",
        oidc_token,
    ),
    t(
        "invitation_link",
        "invitation links, tokens and ids",
        invitation_link,
    ),
    t("timestamp", "the server's naive UTC datetimes", timestamp),
    t(
        "printable",
        "the terminal sanitiser itself",
        printable_target,
    ),
    t(
        "local_input",
        "--emails-from lines, --role, --expires-in",
        local_input,
    ),
    t("config_file", "the TOML configuration file", config_file),
    t(
        "bulk_input",
        "create --from-file: CSV and JSON lines, then the row checks",
        bulk_input,
    ),
];

const fn t(name: &'static str, about: &'static str, run: fn(&[u8])) -> Target {
    Target { name, about, run }
}

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

const URL: &str = "https://nebula.example.com/api/invitations";
const SERVER: &str = "https://nebula.example.com";
const BASE: &str = "https://nebula.example.com";

/// A fixed "now", so that a crash reproduces whatever the day.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
}

fn io(tty: bool) -> Io {
    Io {
        stdout_tty: tty,
        stderr_tty: false,
        stdin_tty: false,
        color_stdout: false,
        color_stderr: false,
        verbosity: Verbosity::Normal,
        json: false,
        no_input: true,
        jq: None,
    }
}

/// Text for people: nothing that acts on a terminal but the line breaks netinvite made.
#[track_caller]
fn assert_for_people(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| c != '\n' && needs_escape(c)) {
        panic!("{what}: raw {c:?} in text for people: {text:?}");
    }
}

/// The bytes `render` writes, as UTF-8.
#[track_caller]
fn rendered(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    render(&mut buf).expect("writing to memory cannot fail");
    String::from_utf8(buf).expect("output is UTF-8")
}

fn decode<T: serde::de::DeserializeOwned>(data: &[u8]) -> Result<T, ApiError> {
    api::decode_body(URL.into(), 200, true, data)
}

/// A decode error must read cleanly, exit 7, and keep its JSON form parseable.
fn check_decode_error(e: ApiError) {
    check_cli_error(&CliError::from_api(e, SERVER));
}

fn check_cli_error(e: &CliError) {
    let text = output::errors::error_human(e, &|_, t| t.to_string());
    assert_for_people("error", &text);
    assert!(text.starts_with("error: "));
    let lines = 1 + e.details().len() + usize::from(e.hint().is_some());
    assert!(text.lines().count() >= lines, "{text:?}");
    let v = output::errors::error_json(e);
    let back: serde_json::Value = serde_json::from_str(&v.to_string()).expect("error JSON");
    assert_eq!(
        back["error"]["message"].as_str(),
        Some(e.message().as_str())
    );
    assert!(
        (1..=7).contains(&e.exit_code()),
        "exit code {}",
        e.exit_code()
    );
}

/// `list` is what serde made of `body` (a JSON array); the listing path decodes the same
/// body in place (`api::list_rows`) and must agree with it, then renders it.
fn check_invitations(list: &[Invitation], body: &[u8]) {
    let now = now();
    for i in list {
        let _ = i.effective_status(now);
    }
    let rows = match api::list_rows::decode(body) {
        Ok(rows) => rows,
        Err(e) => panic!("the in-place list decoder refused what serde accepted: {e}"),
    };
    assert_eq!(rows.len(), list.len(), "same number of rows");
    for (r, i) in rows.iter().zip(list) {
        assert_eq!(r.raw.id, i.id);
        assert_eq!(r.effective_status(now), i.effective_status(now));
    }
    let rows: Vec<&api::list_rows::Row<'_>> = rows.iter().collect();
    for tty in [true, false] {
        let io = io(tty);
        for format in [
            Format::Table,
            Format::Tsv,
            Format::Csv,
            Format::Json,
            Format::Ndjson,
        ] {
            let text = rendered(|w| output::listing::write(&io, &rows, format, BASE, now, w));
            match format {
                Format::Table => assert_for_people("table", &text),
                Format::Tsv => {
                    assert_for_people("tsv", &text.replace('\t', " "));
                    assert_eq!(text.lines().count(), list.len(), "one line per row");
                    for line in text.lines() {
                        assert_eq!(line.split('\t').count(), 13, "13 fields: {line:?}");
                    }
                }
                Format::Csv => {
                    assert_for_people("csv", &text);
                    assert_eq!(text.lines().count(), list.len() + 1, "header + rows");
                }
                Format::Json => {
                    let v: serde_json::Value = serde_json::from_str(&text).expect("list JSON");
                    let rows = v.as_array().expect("array");
                    assert_eq!(rows.len(), list.len());
                    for (row, i) in rows.iter().zip(list) {
                        same_text(row, i);
                    }
                }
                Format::Ndjson => {
                    assert_eq!(text.lines().count(), list.len());
                    for (line, i) in text.lines().zip(list) {
                        same_text(&serde_json::from_str(line).expect("NDJSON line"), i);
                    }
                }
            }
        }
        for i in list.iter().take(4) {
            let text = output::invitation_detail(&io, i, BASE, now);
            assert_for_people("show", &text);
        }
    }
}

/// JSON output keeps the server's text exactly.
#[track_caller]
fn same_text(row: &serde_json::Value, i: &Invitation) {
    assert_eq!(row["id"].as_i64(), Some(i.id));
    assert_eq!(row["email"].as_str(), Some(i.email.as_str()));
    assert_eq!(row["network_name"].as_str(), Some(i.network_name.as_str()));
    assert_eq!(row["token"].as_str(), Some(i.token.as_str()));
    assert_eq!(row["stored_status"].as_str(), Some(i.status.as_str()));
    assert_eq!(
        row["invited_by_email"].as_str(),
        i.invited_by_email.as_deref()
    );
    assert_eq!(row["email_error"].as_str(), i.email_error.as_deref());
}

pub fn invitation(data: &[u8]) {
    match decode::<Invitation>(data) {
        Ok(i) => {
            let mut body = Vec::with_capacity(data.len() + 2);
            body.push(b'[');
            body.extend_from_slice(data);
            body.push(b']');
            check_invitations(std::slice::from_ref(&i), &body);
            let one = json::invitations_one_or_many(std::slice::from_ref(&i), BASE, now());
            same_text(&serde_json::from_str(&one).expect("JSON"), &i);
        }
        Err(e) => check_decode_error(e),
    }
}

pub fn invitation_list(data: &[u8]) {
    match decode::<Vec<Invitation>>(data) {
        Ok(list) => check_invitations(&list, data),
        Err(e) => check_decode_error(e),
    }
}

pub fn network_list(data: &[u8]) {
    let list = match decode::<Vec<Network>>(data) {
        Ok(l) => l,
        Err(e) => return check_decode_error(e),
    };
    for tty in [true, false] {
        let io = io(tty);
        for format in [
            Format::Table,
            Format::Tsv,
            Format::Csv,
            Format::Json,
            Format::Ndjson,
        ] {
            let text = output::networks(&io, &list, format, now());
            match format {
                Format::Json => {
                    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                    for (row, n) in v.as_array().expect("array").iter().zip(&list) {
                        assert_eq!(row["name"].as_str(), Some(n.name.as_str()));
                        assert_eq!(row["subnet_cidr"].as_str(), n.subnet_cidr.as_deref());
                    }
                }
                Format::Ndjson => assert_eq!(text.lines().count(), list.len()),
                Format::Tsv => {
                    assert_for_people("tsv", &text.replace('\t', " "));
                    assert_eq!(text.lines().count(), list.len());
                }
                _ => assert_for_people("networks", &text),
            }
        }
    }
    // Name lookups (`--network`) over whatever the server listed.
    if let Some(first) = list.first() {
        for q in [first.name.as_str(), "lab", "1"] {
            match netinvite::rules::resolve_network(&list, q) {
                Ok(n) => assert!(
                    n.name.trim() == q.trim()
                        || n.name.eq_ignore_ascii_case(q.trim())
                        || n.id.to_string() == q
                ),
                Err(e) => check_cli_error(&e),
            }
        }
    }
}

pub fn public_invitation(data: &[u8]) {
    match decode::<PublicInvitation>(data) {
        Ok(p) => {
            let token = "DkfzwuxR7oayqdHLoFdB3fKqwnO5YjPwmpeW6mOkmBE";
            let v = json::PublicInvitationJson::new(&p, token, BASE, now());
            let back: serde_json::Value = serde_json::from_str(&json::to_pretty(&v)).expect("JSON");
            assert_eq!(back["email"].as_str(), Some(p.email.as_str()));
            assert_eq!(back["network_name"].as_str(), Some(p.network_name.as_str()));
            assert_eq!(back["stored_status"].as_str(), Some(p.status.as_str()));
            assert_for_people("preview", &printable(&p.email));
        }
        Err(e) => check_decode_error(e),
    }
}

pub fn me(data: &[u8]) {
    match decode::<Me>(data) {
        Ok(m) => {
            let text = serde_json::to_string(&m).expect("encode");
            let again: Me = serde_json::from_str(&text).expect("re-decode");
            assert_eq!(
                serde_json::to_value(&m).unwrap(),
                serde_json::to_value(&again).unwrap()
            );
        }
        Err(e) => check_decode_error(e),
    }
}

pub fn small_answers(data: &[u8]) {
    match decode::<DevToken>(data) {
        Ok(t) => {
            let shown = format!("{t:?}");
            if t.token.len() >= 12 {
                assert!(!shown.contains(&t.token), "DevToken Debug leaks the token");
            }
        }
        Err(e) => check_decode_error(e),
    }
    let _ = decode::<ServerInfo>(data).map_err(check_decode_error);
    let _ = decode::<OidcStatus>(data).map_err(check_decode_error);
    let _ = decode::<AcceptOutcome>(data).map_err(check_decode_error);
}

/// Statuses that reach distinct branches of the error mapping.
const STATUSES: [u16; 16] = [
    300, 307, 400, 401, 403, 404, 405, 409, 410, 418, 422, 429, 500, 502, 503, 504,
];

pub fn error_body(data: &[u8]) {
    let [a, b, body @ ..] = data else { return };
    let status = STATUSES[usize::from(*a) % STATUSES.len()];
    let is_json = b & 1 == 1;
    let www = b & 2 == 2;
    let location = (b & 4 == 4).then(|| "http://127.0.0.1:8081/api/invitations".to_string());
    let e = ApiError::from_status(URL.into(), status, is_json, body, www, location);
    assert_eq!(e.status(), Some(status));
    if let ApiError::Status {
        detail: api::Detail::Text(t),
        ..
    } = &e
    {
        assert!(t.chars().count() <= 161, "snippets are short");
        assert!(
            !t.contains(|c: char| c.is_control()),
            "snippets are one line"
        );
    }
    let _ = e.known();
    check_cli_error(&CliError::from_api(e.clone(), SERVER));
    check_cli_error(&CliError::from_rate_limited_api(e, SERVER));
}

pub fn validation_detail(data: &[u8]) {
    let e = ApiError::from_status(URL.into(), 422, true, data, false, None);
    let cli = CliError::from_api(e.clone(), SERVER);
    if let (Ok(v), ApiError::Status { detail, .. }) =
        (serde_json::from_slice::<serde_json::Value>(data), &e)
        && let Some(items) = v.get("detail").and_then(|d| d.as_array())
    {
        match detail {
            api::Detail::Validation(parsed) => assert_eq!(parsed.len(), items.len()),
            other => panic!("a detail array decoded as {other:?}"),
        }
        let CliError::Validation { lines } = &cli else {
            panic!("a 422 maps to a validation error, not {cli:?}");
        };
        assert_eq!(lines.len(), items.len());
    }
    check_cli_error(&cli);
}

pub fn jwt_claims(data: &[u8]) {
    use base64::Engine;
    let b64 = |d: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    // Either the fuzzer's bytes are the whole token, or they are its payload (so that the
    // JSON decoding is reached without having to guess base64 first).
    let token: String = match mode % 3 {
        0 => String::from_utf8_lossy(rest).into_owned(),
        1 => format!(
            "{}.{}.sig",
            b64(br#"{"alg":"RS256","kid":"k1"}"#),
            b64(rest)
        ),
        _ => format!("{}.{}.sig", b64(rest), b64(br#"{"sub":"dev"}"#)),
    };
    let claims = jwt::claims(&token);
    if mode % 3 == 1 {
        assert_eq!(
            claims.is_some(),
            serde_json::from_slice::<jwt::Claims>(rest).is_ok(),
            "claims() decodes exactly what serde decodes"
        );
    }
    if let Some(c) = &claims
        && let Some(aud) = &c.aud
    {
        for a in aud.list() {
            assert!(aud.contains(&a));
        }
    }
    let _ = jwt::key_id(&token);
    let set = TokenSet {
        kind: AuthMode::Oidc,
        access_token: Some(token.clone()),
        id_token: Some(token),
        refresh_token: None,
        expires_at: Some(1),
    };
    let exp = set.bearer_expires_at(BearerKind::IdToken);
    assert_eq!(exp, claims.and_then(|c| c.exp).or(Some(1)));
}

pub fn token_set(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = serde_json::from_str::<TokenSet>(text) else {
        return;
    };
    let again: TokenSet =
        serde_json::from_str(&serde_json::to_string(&set).expect("encode")).expect("re-decode");
    assert!(again == set, "the token set round trips");
    let shown = format!("{set:?}");
    for secret in [&set.access_token, &set.id_token, &set.refresh_token]
        .into_iter()
        .flatten()
    {
        if secret.len() >= 12 {
            assert!(
                !shown.contains(secret.as_str()),
                "TokenSet Debug leaks a token"
            );
        }
    }
    let _ = set.bearer(BearerKind::AccessToken);
    let _ = set.bearer_expires_at(BearerKind::IdToken);
}

pub fn oidc_discovery(data: &[u8]) {
    use netinvite::auth::oidc;
    if let Ok(m) = serde_json::from_slice::<oidc::Metadata>(data) {
        let text = serde_json::to_string(&m).expect("encode metadata");
        serde_json::from_str::<oidc::Metadata>(&text).expect("metadata round trips");
    }
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        let kids = oidc::key_ids(&doc);
        let keys = doc["keys"].as_array().map_or(0, Vec::len);
        assert!(kids.len() <= keys);
        if let Some(ep) = doc["authorization_endpoint"].as_str() {
            assert_eq!(
                oidc::issuer_naming(&doc, ep),
                doc["issuer"].as_str().map(str::to_string)
            );
        }
        assert_eq!(oidc::issuer_naming(&doc, "\u{0}never"), None);
    }
}

pub fn oidc_token(data: &[u8]) {
    use openidconnect::core::{CoreDeviceAuthorizationResponse, CoreTokenResponse};
    use openidconnect::{DeviceCodeErrorResponseType, OAuth2TokenResponse, StandardErrorResponse};
    if let Ok(t) = serde_json::from_slice::<CoreTokenResponse>(data) {
        let _ = t.expires_in();
        let text = serde_json::to_string(&t).expect("encode token response");
        serde_json::from_str::<CoreTokenResponse>(&text).expect("token response round trips");
    }
    if let Ok(d) = serde_json::from_slice::<CoreDeviceAuthorizationResponse>(data) {
        let _ = d.expires_in();
        assert_for_people("device code", &printable(d.user_code().secret()));
    }
    if let Ok(e) =
        serde_json::from_slice::<StandardErrorResponse<DeviceCodeErrorResponseType>>(data)
    {
        let e = CliError::SignInFailed {
            reason: format!("the identity provider refused: {e}"),
            hint: None,
        };
        check_cli_error(&e);
    }
}

pub fn invitation_link(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    match netinvite::commands::parse_link(&input) {
        Ok((base, token)) => {
            assert!((16..=128).contains(&token.len()), "token {token:?}");
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            let link = match &base {
                Some(b) => output::link(b, &token),
                None => token.clone(),
            };
            let again = netinvite::commands::parse_link(&link)
                .unwrap_or_else(|e| panic!("{link:?} does not parse again: {e}"));
            assert_eq!(again, (base, token), "parse(link(parse(x))) == parse(x)");
        }
        Err(e) => check_cli_error(&e),
    }
    match netinvite::commands::parse_id(&input) {
        Ok(n) => {
            assert!(n > 0);
            assert_eq!(netinvite::commands::parse_id(&n.to_string()).ok(), Some(n));
        }
        Err(e) => check_cli_error(&e),
    }
}

pub fn timestamp(data: &[u8]) {
    use netinvite::api::models::parse_timestamp;
    use netinvite::output::time;
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_timestamp(s);
    if let Some(t) = parsed {
        assert_eq!(
            parse_timestamp(&time::rfc3339(t)),
            Some(t),
            "RFC 3339 round trip"
        );
        let _ = time::relative(Some(t), now());
        let _ = time::local_with_relative(Some(t), now());
    }
    // The hand-written fast path must agree with chrono on the server's own form.
    // Years RFC 3339 cannot write are refused.
    if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        let expected = (0..=9999)
            .contains(&chrono::Datelike::year(&n))
            .then(|| n.and_utc());
        assert_eq!(parsed, expected, "{s:?}");
    }
}

fn printable_target(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let p = printable(&s);
    assert!(!p.contains(needs_escape), "{p:?}");
    assert_eq!(matches!(p, Cow::Borrowed(_)), !s.contains(needs_escape));
    // Escaping is stable: an escaped text has nothing left to escape.
    assert_eq!(printable(&p), p);
    let lines = output::printable_lines(&s);
    assert_eq!(lines.split('\n').count(), s.split('\n').count());
    assert_for_people("lines", &lines);
}

pub fn local_input(data: &[u8]) {
    use netinvite::rules::{parse_expiry, parse_role, validate_email};
    let text = String::from_utf8_lossy(data);
    for line in text.lines().take(64) {
        match validate_email(line) {
            Ok(e) => {
                assert!(!e.contains(|c: char| c.is_whitespace() || c.is_control()));
                assert_eq!(validate_email(&e).ok().as_deref(), Some(e.as_str()));
            }
            Err(e) => check_cli_error(&e),
        }
        match parse_expiry(line) {
            Ok(d) => assert!((1..=365).contains(&d)),
            Err(e) => check_cli_error(&e),
        }
        if let Err(e) = parse_role(line) {
            check_cli_error(&e);
        }
    }
}

pub fn bulk_input(data: &[u8]) {
    use netinvite::batch::input::{self, Defaults, InputFormat};
    use netinvite::rules::validate_email;
    let text = String::from_utf8_lossy(data);
    // The CSV reader takes a lone CR as a line break too (files from old spreadsheets).
    let lines = text
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .count()
        .max(1);
    let net = |id: i64, name: &str| Network {
        id,
        name: name.into(),
        subnet_cidr: None,
        ca_cert_path: None,
        created_at: None,
        role: None,
        can_manage_nodes: None,
        can_invite_users: None,
        can_manage_firewall: None,
    };
    let nets = [net(1, "lab"), net(2, "Office"), net(3, "7")];
    let defaults = Defaults {
        network: None,
        role: "member",
        can_manage_nodes: false,
        can_invite_users: false,
        can_manage_firewall: false,
        expires_in_days: 7,
        keep_case: false,
    };
    let detected = InputFormat::detect(std::path::Path::new("team"), &text);
    for format in [InputFormat::Csv, InputFormat::Jsonl] {
        let (rows, problems) = input::read(format, &text);
        for p in &problems {
            // Every problem points at a line of the file (or the line after the last).
            assert!(
                p.line >= 1 && p.line <= lines + 1,
                "line {} of {lines}",
                p.line
            );
            let _ = p.text();
        }
        let (planned, checks) = input::check(&rows, &defaults, &nets);
        for p in &checks {
            assert!(
                rows.iter().any(|r| r.line == p.line),
                "a problem of an unread row"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for p in &planned {
            assert!(seen.insert(p.line), "row {} planned twice", p.line);
            assert!(rows.iter().any(|r| r.line == p.line));
            // What is sent is what a single --email would send.
            assert_eq!(
                validate_email(&p.email).ok().as_deref(),
                Some(p.email.as_str())
            );
            assert_eq!(p.email, p.email.to_lowercase());
            assert!((1..=365).contains(&p.expires_in_days));
            assert!(p.role == "member" || p.role == "owner");
            assert!(
                nets.iter()
                    .any(|n| n.id == p.network_id && n.name == p.network_name)
            );
        }
        if format == detected && problems.is_empty() && checks.is_empty() {
            assert_eq!(planned.len(), rows.len(), "every good row is planned");
        }
    }
}

pub fn config_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = toml::from_str::<ConfigFile>(text) else {
        return;
    };
    let again: ConfigFile =
        toml::from_str(&toml::to_string(&file).expect("encode config")).expect("re-decode");
    assert_eq!(again, file, "the configuration round trips");
}

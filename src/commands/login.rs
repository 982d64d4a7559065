//! `netinvite login` — sign in to a server and store the token set.
//!
//! On a server with OIDC this signs in at its identity provider, with the device flow
//! (where no browser can open, or `--device`) or the browser flow (`--browser`). On a
//! server without OIDC (standalone mode) it obtains the server's development token and
//! says loudly that the server runs without sign-in. `--with-token` takes a token from
//! standard input instead (never from the command line). Whatever the way, the token is
//! checked against the server before it is stored.

use std::io::Read;

use clap::Args;

use crate::api::Client;
use crate::auth::oidc::{self, Prompter};
use crate::auth::{self, TokenSet};
use crate::config::{AuthMode, BearerKind, Storage, display_url, normalize_server};
use crate::context::{Context, Selected};
use crate::error::CliError;
use crate::io::{Io, Spinner};
use crate::output::json::to_pretty;
use crate::secret::Secret;
use crate::style::Style;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  netinvite login --server https://nebula.example.com\n  printf %s \"$TOKEN\" | netinvite login --server https://nebula.example.com --with-token"
)]
pub struct LoginArgs {
    /// Read a token from standard input instead of signing in
    #[arg(long)]
    pub with_token: bool,

    /// Keep the token in a file readable only by you, instead of the OS keyring
    #[arg(long)]
    pub insecure_storage: bool,

    /// Base URL of the web UI for invitation links, when it differs from the server URL
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// OIDC issuer URL (default: the profile's, or what the server reveals)
    #[arg(long, env = "NETINVITE_ISSUER", value_name = "URL")]
    pub issuer: Option<String>,

    /// OIDC client id (default: the profile's, or the server's own)
    #[arg(long, env = "NETINVITE_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// Sign in with the device flow: a code to confirm in any browser
    #[arg(long, conflicts_with = "browser")]
    pub device: bool,

    /// Sign in through a browser on this machine (authorization code + PKCE)
    #[arg(long)]
    pub browser: bool,

    /// Which token to send to the server: the ID token (its audience is the client id,
    /// which the server checks) or the access token
    #[arg(long, value_enum, value_name = "KIND")]
    pub bearer: Option<BearerKind>,
}

pub async fn run(ctx: &mut Context, args: LoginArgs) -> Result<(), CliError> {
    let mut sel = select_for_login(ctx)?;
    let url = sel.server_url()?;
    let server = display_url(&url);
    if let Some(p) = &args.public_url {
        sel.profile.public_url = Some(display_url(&normalize_server(p)?));
    }
    let bare = ctx.client_for(&url)?;

    // Reading the token first keeps stdin handling independent of the network.
    let pasted = if args.with_token {
        Some(read_token_from_stdin(ctx)?)
    } else {
        None
    };

    let tokens = match pasted {
        Some(token) => {
            let expires_at = auth::jwt::claims(token.expose()).and_then(|c| c.exp);
            TokenSet {
                kind: AuthMode::Token,
                access_token: Some(token.expose().to_string()),
                id_token: None,
                refresh_token: None,
                expires_at,
            }
        }
        None => {
            check_server(&bare, &server).await?;
            let mode = bare
                .oidc_status()
                .await
                .map(|s| s.status)
                .unwrap_or_else(|e| match e.status() {
                    Some(503) => "unavailable".into(),
                    _ => "unknown".into(),
                });
            if mode == "disabled" {
                let t = auth::fetch_dev_token(&bare, &server).await?;
                ctx.io.warn(&format!(
                    "{server} runs without sign-in (no OIDC configured): anyone who can reach it gets full admin access"
                ));
                t
            } else {
                if let Some(b) = args.bearer {
                    sel.profile.bearer = Some(b);
                }
                oidc_sign_in(ctx, &mut sel, &bare, &args).await?
            }
        }
    };

    let kind = auth::bearer_kind(&sel.profile);
    let bearer = tokens.bearer(kind).unwrap_or_default().to_string();
    let client = bare.with_bearer(Secret::new(bearer.clone()));
    let me = client
        .me()
        .await
        .map_err(|e| CliError::from_api(e, &server))?;
    if !me.authenticated {
        if tokens.kind == AuthMode::Oidc {
            return Err(explain_refusal(&sel, &bearer, bare.net()).await);
        }
        return Err(CliError::TokenRejected {
            server: server.clone(),
            from_env: false,
        });
    }
    // Creating invitations needs a user record on the server; listing networks makes it.
    let nets = client
        .networks()
        .await
        .map_err(|e| CliError::from_api(e, &server))?;

    sel.profile.server = server.clone();
    if let Some(ca) = &ctx.global.ca_cert {
        // Checked when the client was built; kept absolute so it works from anywhere.
        sel.profile.ca_cert = Some(crate::commands::config::absolute(ca)?);
    }
    sel.profile.auth = tokens.kind;
    sel.profile.storage = if args.insecure_storage {
        Storage::File
    } else {
        Storage::Keyring
    };
    if sel.profile.credential.is_none() {
        sel.profile.credential = Some(auth::new_credential_id());
    }
    sel.profile.user = me.email.clone().or(me.sub.clone());
    save_tokens(ctx, &sel, &tokens)?;
    // Applied to config.toml as it is now, under its lock: a parallel login to another
    // profile keeps its profile too.
    ctx.config.update(|f| {
        f.profiles.insert(sel.name.clone(), sel.profile.clone());
        if f.default_profile.is_none() || f.profiles.len() == 1 {
            f.default_profile = Some(sel.name.clone());
        }
        Ok(())
    })?;

    let store = ctx.store(&sel);
    let expires_at = tokens.bearer_expires_at(kind);
    if ctx.io.json {
        let v = serde_json::json!({
            "profile": sel.name,
            "server": server,
            "mode": mode_name(tokens.kind),
            "user": sel.profile.user,
            "system_role": me.system_role,
            "storage": store.kind(),
            "expires_at": expires_at.map(rfc3339_secs),
            "networks": nets.len(),
        });
        ctx.io.out(&to_pretty(&v))?;
    } else {
        ctx.io.status(&format!(
            "✓ Signed in to {server} as {} ({}), profile {:?}; token kept in the {}",
            sel.profile.user.as_deref().unwrap_or("?"),
            me.system_role.as_deref().unwrap_or("user"),
            sel.name,
            store.describe()
        ));
    }
    Ok(())
}

/// The profile to sign in: as for any command, except that `--profile P --server URL`
/// moves an existing profile to another server (forgetting its old sign-in).
fn select_for_login(ctx: &Context) -> Result<Selected, CliError> {
    if let (Some(name), Some(server)) = (&ctx.global.profile, &ctx.global.server)
        && let Some(p) = ctx.config.file.profiles.get(name)
    {
        let server = display_url(&normalize_server(server)?);
        if p.server != server {
            let old = Selected {
                name: name.clone(),
                profile: p.clone(),
                saved: true,
            };
            auth::cache::remove(&auth::cache_key(&old.name, &old.profile));
            let _ = ctx.store(&old).delete();
            ctx.io.note(&format!(
                "profile {name:?} moves from {} to {server}",
                p.server
            ));
            return Ok(Selected {
                name: name.clone(),
                profile: crate::config::Profile {
                    server,
                    public_url: None,
                    ..Default::default()
                },
                saved: true,
            });
        }
    }
    ctx.select().map_err(|e| match e {
        CliError::NoServer => CliError::Usage {
            message: "which server? no server is configured yet".into(),
            hint: Some("netinvite login --server https://nebula.example.com".into()),
        },
        other => other,
    })
}

/// Signs in at the server's identity provider and returns the verified token set.
async fn oidc_sign_in(
    ctx: &Context,
    sel: &mut Selected,
    bare: &Client,
    args: &LoginArgs,
) -> Result<TokenSet, CliError> {
    // What the server reveals: its client id and, through the authorization endpoint,
    // its issuer. Flags, env and the profile take precedence.
    let redirect = bare.login_redirect().await.ok().flatten();
    let server_client_id = redirect.as_deref().and_then(|loc| {
        url::Url::parse(loc).ok().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "client_id")
                .map(|(_, v)| v.into_owned())
        })
    });
    let issuer = match args.issuer.clone().or(sel.profile.issuer.clone()) {
        Some(i) => display_url(&normalize_server(&i)?),
        None => {
            let endpoint = redirect
                .as_deref()
                .and_then(|l| l.split('?').next())
                .map(str::to_string);
            let found = match endpoint {
                Some(e) => oidc::issuer_for_authorization_endpoint(&e, bare.net()).await,
                None => None,
            };
            found.ok_or_else(|| CliError::Usage {
                message: format!("{} uses OIDC sign-in, and its issuer could not be found", sel.profile.server),
                hint: Some("pass it: netinvite login --issuer https://idp.example.com/realms/x (or set NETINVITE_ISSUER)".into()),
            })?
        }
    };
    let client_id = args
        .client_id
        .clone()
        .or(sel.profile.client_id.clone())
        .or(server_client_id.clone())
        .ok_or_else(|| CliError::Usage {
            message: "which OIDC client id? the server did not reveal its own".into(),
            hint: Some(
                "pass it: netinvite login --client-id ID (or set NETINVITE_CLIENT_ID)".into(),
            ),
        })?;
    ctx.io
        .debug(&format!("issuer {issuer}, client id {client_id}"));
    let provider =
        oidc::Provider::discover(&issuer, &client_id, bare.net(), ctx.observer()).await?;
    let prompter = TerminalPrompter::new(&ctx.io);
    let use_browser = args.browser || (!args.device && crate::browser::can_open());
    let tokens = if use_browser {
        let wait = std::env::var("NETINVITE_LOGIN_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(std::time::Duration::from_secs)
            .unwrap_or(std::time::Duration::from_secs(300));
        provider
            .browser_flow(&prompter, &|url| crate::browser::open(url), wait)
            .await?
    } else {
        provider.device_flow(&prompter).await?
    };
    // The server only takes tokens whose audience holds its own client id.
    let kind = auth::bearer_kind(&sel.profile);
    let wanted = server_client_id.unwrap_or_else(|| client_id.clone());
    if let Some(aud) = tokens
        .bearer(kind)
        .and_then(auth::jwt::claims)
        .and_then(|c| c.aud)
        && !aud.contains(&wanted)
    {
        return Err(CliError::AudienceMismatch {
            client_id: wanted,
            audience: aud.list(),
        });
    }
    sel.profile.issuer = Some(issuer);
    sel.profile.client_id = Some(client_id);
    Ok(tokens)
}

/// Why an OIDC token the server refused was refused, as far as can be told from here.
pub async fn explain_refusal(
    sel: &Selected,
    bearer: &str,
    net: &crate::api::NetConfig,
) -> CliError {
    let claims = auth::jwt::claims(bearer);
    if let (Some(client_id), Some(aud)) = (
        sel.profile.client_id.as_deref(),
        claims.as_ref().and_then(|c| c.aud.as_ref()),
    ) && !aud.contains(client_id)
    {
        return CliError::AudienceMismatch {
            client_id: client_id.to_string(),
            audience: aud.list(),
        };
    }
    if let Some(issuer) = &sel.profile.issuer {
        match oidc::server_visible_key_ids(issuer, net).await {
            Err(_) => {
                return CliError::KeysNotAtServerPath {
                    issuer: issuer.clone(),
                };
            }
            Ok(kids) => {
                if let Some(kid) = auth::jwt::key_id(bearer)
                    && !kids.contains(&kid)
                {
                    return CliError::SignInFailed {
                        reason: format!(
                            "the token is signed with key {kid:?}, which is not in {issuer}/.well-known/jwks.json"
                        ),
                        hint: Some("the identity provider may have rotated its keys; the server only reads its key set when it starts".into()),
                    };
                }
            }
        }
    }
    CliError::TokenNotAccepted {
        server: sel.profile.server.clone(),
    }
}

/// Shows sign-in steps on stderr, with a spinner while waiting.
struct TerminalPrompter<'a> {
    io: &'a Io,
    spinner: std::sync::Mutex<Option<Spinner>>,
}

impl<'a> TerminalPrompter<'a> {
    fn new(io: &'a Io) -> Self {
        Self {
            io,
            spinner: std::sync::Mutex::new(None),
        }
    }
}

impl Prompter for TerminalPrompter<'_> {
    fn device_code(&self, verification_uri: &str, complete: Option<&str>, user_code: &str) {
        // The code and URLs come from the identity provider: never raw to the terminal.
        use crate::output::printable;
        let code = self.io.paint_err(Style::Bold, &printable(user_code));
        let verification_uri = printable(verification_uri);
        // Shown even with -q: without it, sign-in cannot finish.
        self.io
            .always(&format!("First copy your one-time code: {code}"));
        match complete {
            Some(c) => self.io.always(&format!(
                "Then open {verification_uri} and enter it, or open {}",
                printable(c)
            )),
            None => self
                .io
                .always(&format!("Then open {verification_uri} and enter it")),
        }
        if crate::browser::can_open()
            && let Some(c) = complete
        {
            crate::browser::open(c);
        }
    }

    fn browser_url(&self, url: &str, opened: bool) {
        if opened {
            self.io
                .always("Opening your browser to sign in; if it does not open, visit:");
        } else {
            self.io
                .always("Open this URL in a browser on this machine to sign in:");
        }
        self.io
            .always(&format!("  {}", crate::output::printable(url)));
    }

    fn waiting(&self, message: &str) {
        if let Ok(mut s) = self.spinner.lock() {
            *s = Some(self.io.spinner(message));
        }
    }

    fn done_waiting(&self) {
        if let Ok(mut s) = self.spinner.lock()
            && let Some(sp) = s.take()
        {
            sp.finish();
        }
    }
}

/// `GET /api` must say Nebula Commander, so a typo'd URL fails with a clear message.
pub async fn check_server(client: &Client, server: &str) -> Result<String, CliError> {
    let info = client.server_info().await.map_err(|e| match e {
        crate::api::ApiError::Decode { message, .. } => CliError::NotNebula {
            url: server.to_string(),
            found: message,
        },
        crate::api::ApiError::Status { status: 404, .. } => CliError::NotNebula {
            url: server.to_string(),
            found: "no /api endpoint".into(),
        },
        other => CliError::from_api(other, server),
    })?;
    match info.name.as_deref() {
        Some("Nebula Commander") => Ok(info.version.unwrap_or_else(|| "unknown".into())),
        other => Err(CliError::NotNebula {
            url: server.to_string(),
            found: format!("it calls itself {:?}", other.unwrap_or("nothing")),
        }),
    }
}

fn read_token_from_stdin(ctx: &Context) -> Result<Secret, CliError> {
    if ctx.io.stdin_tty {
        return Err(CliError::TokenFromTerminal);
    }
    let mut s = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut s)
        .map_err(|e| CliError::Io {
            what: "cannot read the token from standard input".into(),
            message: e.to_string(),
        })?;
    let t = s.trim();
    if t.is_empty() {
        return Err(CliError::Usage {
            message: "no token on standard input".into(),
            hint: Some("printf %s \"$TOKEN\" | netinvite login --with-token".into()),
        });
    }
    if t.chars().any(char::is_whitespace) {
        return Err(CliError::Usage {
            message: "the token on standard input contains spaces or several lines".into(),
            hint: Some("pass exactly one token".into()),
        });
    }
    Ok(Secret::new(t))
}

/// Saves the token set and refreshes the fast copy.
fn save_tokens(ctx: &Context, sel: &Selected, tokens: &TokenSet) -> Result<(), CliError> {
    let store = ctx.store(sel);
    store.save(tokens)?;
    let key = auth::cache_key(&sel.name, &sel.profile);
    let kind = auth::bearer_kind(&sel.profile);
    auth::cache::remove(&key);
    if auth::uses_cache(&sel.profile)
        && let Some(b) = tokens.bearer(kind)
    {
        auth::remember(&key, b, tokens.bearer_expires_at(kind));
    }
    Ok(())
}

pub fn mode_name(m: AuthMode) -> &'static str {
    match m {
        AuthMode::DevToken => "dev-token",
        AuthMode::Token => "token",
        AuthMode::Oidc => "oidc",
    }
}

pub fn rfc3339_secs(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(crate::output::time::rfc3339)
        .unwrap_or_default()
}

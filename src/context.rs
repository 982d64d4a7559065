//! What a command needs: the output gate, the configuration, the selected profile and
//! an API client signed in to it.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use url::Url;

use crate::api::NetConfig;
use crate::api::transport::{self, CaOrigin, ExtraCa};
use std::time::Duration;

use crate::api::error::TransportKind;
use crate::api::retry::{GiveUp, RETRY_AFTER_CAP, WaitCause};
use crate::api::{ApiError, Client, Exchange, Next, Observer, Timeouts};
use crate::auth::{self, Bearer, Source, TokenStore};
use crate::config::{Config, Profile, display_url, normalize_server, parse_seconds, seconds_value};
use crate::error::CliError;
use crate::index::{Index, Load};
use crate::io::Io;

pub struct Context {
    pub io: Arc<Io>,
    pub config: Config,
    pub global: GlobalSettings,
    /// The command's time budget, shared by every client the command builds.
    budget: crate::api::budget::Shared,
}

/// The global options a command acts on, resolved from the command line and the
/// environment by `cli` (so that nothing below it depends on clap's types).
#[derive(Debug, Clone, Default)]
pub struct GlobalSettings {
    /// `--server` / `NETINVITE_SERVER`: selects the profile signed in to it.
    pub server: Option<String>,
    /// `--profile` / `NETINVITE_PROFILE`.
    pub profile: Option<String>,
    /// `--ca-cert` (`NETINVITE_CA_CERT` is read apart, so that errors can name it).
    pub ca_cert: Option<PathBuf>,
    /// `--connect-timeout` / `NETINVITE_CONNECT_TIMEOUT`.
    pub connect_timeout: Option<Duration>,
    /// `--read-timeout` / `NETINVITE_READ_TIMEOUT`.
    pub timeout: Option<Duration>,
    /// `--max-time` / `NETINVITE_MAX_TIME`.
    pub max_time: Option<Duration>,
}

/// Where the time budget of a command comes from, for `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTimeFrom {
    /// `--max-time` or `NETINVITE_MAX_TIME` (clap reads both into one value).
    Option,
    Profile,
    Default,
}

impl MaxTimeFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            MaxTimeFrom::Option => "--max-time/NETINVITE_MAX_TIME",
            MaxTimeFrom::Profile => "profile",
            MaxTimeFrom::Default => "default",
        }
    }
}

/// The profile a command runs against.
#[derive(Debug, Clone)]
pub struct Selected {
    pub name: String,
    pub profile: Profile,
    /// Whether it exists in config.toml (an unsaved one comes from `--server` alone).
    pub saved: bool,
}

impl Selected {
    pub fn server_url(&self) -> Result<Url, CliError> {
        normalize_server(&self.profile.server)
    }

    /// The base of invitation links: the profile's public URL, else the server.
    pub fn public_base(&self) -> String {
        self.profile
            .public_url
            .clone()
            .unwrap_or_else(|| self.profile.server.clone())
            .trim_end_matches('/')
            .to_string()
    }
}

/// A client signed in to the selected profile, which renews its token once when the
/// server refuses it and creates the caller's user record once when the server needs it.
pub struct Session {
    pub selected: Selected,
    pub client: Client,
    pub bearer: Bearer,
    store: TokenStore,
    bare: Client,
    config_dir: std::path::PathBuf,
    observer: Option<Observer>,
    user_record_ensured: bool,
    /// What this profile has learned of invitation ids and networks (a cache: the
    /// server's answers always win, and every answer updates it).
    pub index: Index,
}

impl Context {
    pub fn new(io: Io, config: Config, global: GlobalSettings) -> Self {
        Self {
            io: Arc::new(io),
            config,
            global,
            budget: Default::default(),
        }
    }

    /// Selects the profile named by `--profile`, or the one for `--server`, or the default.
    pub fn select(&self) -> Result<Selected, CliError> {
        let server = self
            .global
            .server
            .as_deref()
            .map(normalize_server)
            .transpose()?
            .map(|u| display_url(&u));
        let profiles = &self.config.file.profiles;
        if let Some(name) = &self.global.profile {
            return match profiles.get(name) {
                Some(p) => {
                    if let Some(s) = &server
                        && s != &p.server
                    {
                        return Err(CliError::Usage {
                            message: format!("profile {name:?} is for {}, not {s}", p.server),
                            hint: Some(format!(
                                "drop --server, or move the profile with: netinvite login --profile {name} --server {s}"
                            )),
                        });
                    }
                    Ok(Selected {
                        name: name.clone(),
                        profile: p.clone(),
                        saved: true,
                    })
                }
                None => match server {
                    Some(s) => Ok(unsaved(name, &s)),
                    None => Err(CliError::ProfileNotFound {
                        name: name.clone(),
                        known: self.config.names(),
                    }),
                },
            };
        }
        if let Some(s) = server {
            if let Some((name, p)) = profiles.iter().find(|(_, p)| p.server == s) {
                return Ok(Selected {
                    name: name.clone(),
                    profile: p.clone(),
                    saved: true,
                });
            }
            let name = if profiles.contains_key("default") {
                host_name(&s)
            } else {
                "default".to_string()
            };
            return Ok(unsaved(&name, &s));
        }
        if let Some(name) = &self.config.file.default_profile
            && let Some(p) = profiles.get(name)
        {
            return Ok(Selected {
                name: name.clone(),
                profile: p.clone(),
                saved: true,
            });
        }
        match profiles.len() {
            0 => Err(CliError::NoServer),
            1 => {
                let (name, p) = profiles.iter().next().expect("one profile");
                Ok(Selected {
                    name: name.clone(),
                    profile: p.clone(),
                    saved: true,
                })
            }
            _ => Err(CliError::Usage {
                message: "several profiles are configured and none is the default".into(),
                hint: Some(format!(
                    "pick one with --profile ({}), or set one with `netinvite config use NAME`",
                    self.config.names().join(", ")
                )),
            }),
        }
    }

    /// The `-v` observer: one line per request, never a header or a body.
    pub fn observer(&self) -> Option<Observer> {
        if !self.io.verbose() {
            return None;
        }
        let io = self.io.clone();
        Some(Arc::new(move |x: &Exchange| {
            io.debug(&describe_exchange(x))
        }))
    }

    /// The timeouts for requests to `profile`'s server: `--connect-timeout`/`--read-timeout`/
    /// `--max-time` (or their environment variables, `NETINVITE_HTTP_TIMEOUT` being the old
    /// name of `NETINVITE_READ_TIMEOUT`), else the profile's `connect_timeout`/`read_timeout`/
    /// `max_time`, else the defaults of each request kind.
    pub fn timeouts(&self, profile: Option<&Profile>) -> Result<Timeouts, CliError> {
        self.timeouts_from(profile).map(|(t, _)| t)
    }

    /// [`Context::timeouts`], and where the time budget came from.
    pub fn timeouts_from(
        &self,
        profile: Option<&Profile>,
    ) -> Result<(Timeouts, MaxTimeFrom), CliError> {
        let legacy = match std::env::var("NETINVITE_HTTP_TIMEOUT") {
            Ok(v) if !v.is_empty() => {
                Some(parse_seconds(&v).map_err(|message| CliError::Usage {
                    message: format!("NETINVITE_HTTP_TIMEOUT: {message}"),
                    hint: Some(
                        "set NETINVITE_READ_TIMEOUT=SECONDS (the new name), or unset it".into(),
                    ),
                })?)
            }
            _ => None,
        };
        let from_profile = |v: Option<f64>, key: &str| -> Result<Option<Duration>, CliError> {
            v.map(|secs| {
                seconds_value(secs).ok_or_else(|| CliError::Config {
                    path: self.config.path().display().to_string(),
                    message: format!(
                        "{key} = {secs}: {}",
                        crate::error::invalid_seconds(&secs.to_string())
                    ),
                })
            })
            .transpose()
        };
        let connect = match self.global.connect_timeout {
            Some(d) => Some(d),
            None => from_profile(profile.and_then(|p| p.connect_timeout), "connect_timeout")?,
        };
        let read = match self.global.timeout.or(legacy) {
            Some(d) => Some(d),
            None => from_profile(profile.and_then(|p| p.read_timeout), "read_timeout")?,
        };
        let (max_time, from) = match self.global.max_time {
            Some(d) => (d, MaxTimeFrom::Option),
            None => match from_profile(profile.and_then(|p| p.max_time), "max_time")? {
                Some(d) => (d, MaxTimeFrom::Profile),
                None => (Timeouts::default().max_time, MaxTimeFrom::Default),
            },
        };
        Ok((
            Timeouts {
                connect: connect.unwrap_or(Timeouts::default().connect),
                read,
                max_time,
            },
            from,
        ))
    }

    /// An unauthenticated client for `base`, with the timeouts of the selected profile.
    pub fn client_for(&self, base: &Url) -> Result<Client, CliError> {
        let selected = self.select().ok();
        self.client_with(base, selected.as_ref().map(|s| &s.profile))
    }

    fn client_with(&self, base: &Url, profile: Option<&Profile>) -> Result<Client, CliError> {
        let net = self.net_for(base)?;
        Client::new(base, &net, self.observer(), self.timeouts(profile)?)
            .map(|c| c.sharing_budget(&self.budget))
            .map_err(|e| CliError::from_api(e, base.as_str()))
    }

    /// The extra CA to trust for `base`, and where it was named: `--ca-cert`, else
    /// `NETINVITE_CA_CERT`, else the `ca-cert` of the profile for that server, else (for
    /// an https server only: a plain-http client reads no certificates, and the identity
    /// provider's client reads `SSL_CERT_FILE` as its system store anyway) `SSL_CERT_FILE`.
    pub fn ca_choice(&self, base: &Url) -> Option<(PathBuf, CaOrigin)> {
        if let Some(p) = &self.global.ca_cert {
            return Some((p.clone(), CaOrigin::Flag));
        }
        if let Some(p) = std::env::var_os("NETINVITE_CA_CERT").filter(|v| !v.is_empty()) {
            return Some((PathBuf::from(p), CaOrigin::Env));
        }
        if let Some(p) = self.profile_for(base).and_then(|p| p.ca_cert) {
            return Some((p, CaOrigin::Profile));
        }
        if base.scheme() == "https"
            && let Some(p) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty())
        {
            return Some((PathBuf::from(p), CaOrigin::SslCertFile));
        }
        None
    }

    /// Trust and proxy settings for connections to `base` (and to its identity
    /// provider). The CA file is read and checked here, before any request.
    pub fn net_for(&self, base: &Url) -> Result<NetConfig, CliError> {
        let extra = self
            .ca_choice(base)
            .map(|(path, origin)| ExtraCa::load(&path, origin))
            .transpose()
            .map_err(CliError::CaFile)?;
        if base.scheme() == "https"
            && let Ok(dirs) = std::env::var("SSL_CERT_DIR")
        {
            transport::check_cert_dirs(&dirs).map_err(CliError::CaFile)?;
        }
        let net = NetConfig::new(extra).map_err(CliError::BadProxy)?;
        if self.io.verbose() {
            if base.scheme() == "https" {
                self.io.debug(&match net.extra_ca() {
                    Some(ca) => format!(
                        "TLS: trusting the built-in roots and {} certificate(s) from {} ({})",
                        ca.len(),
                        ca.path.display(),
                        ca.origin.option()
                    ),
                    None => "TLS: trusting the built-in roots".into(),
                });
            }
            match net.proxy_for(base) {
                Some(p) => self.io.debug(&format!(
                    "proxy {} (from {}) for {}",
                    p.shown(),
                    p.var,
                    base.origin().ascii_serialization()
                )),
                None if !net.proxies().is_empty() => self.io.debug(&format!(
                    "no proxy for {} (loopback or NO_PROXY)",
                    base.host_str().unwrap_or("")
                )),
                None => {}
            }
        }
        Ok(net)
    }

    /// The saved profile for the server at `base`: the selected one when it is for that
    /// server, else the first that is.
    fn profile_for(&self, base: &Url) -> Option<Profile> {
        let server = display_url(base);
        if let Ok(sel) = self.select()
            && sel.profile.server == server
        {
            return Some(sel.profile);
        }
        self.config
            .file
            .profiles
            .values()
            .find(|p| p.server == server)
            .cloned()
    }

    /// The token store of a profile.
    pub fn store(&self, sel: &Selected) -> TokenStore {
        auth::store_for(self.config.dir(), &sel.name, &sel.profile)
    }

    /// A client signed in to the selected profile.
    pub async fn session(&self) -> Result<Session, CliError> {
        let selected = self.select()?;
        self.session_for(selected).await
    }

    /// [`Context::session`] whose local index is read only if the command needs it
    /// (a listing that confirms the index never parses it; see [`Index::learn_listing`]).
    pub async fn session_index_on_demand(&self) -> Result<Session, CliError> {
        let selected = self.select()?;
        self.session_loading(selected, Load::OnDemand).await
    }

    pub async fn session_for(&self, selected: Selected) -> Result<Session, CliError> {
        self.session_loading(selected, Load::Background).await
    }

    async fn session_loading(&self, selected: Selected, load: Load) -> Result<Session, CliError> {
        let url = selected.server_url()?;
        let bare = self.client_with(&url, Some(&selected.profile))?;
        let store = self.store(&selected);
        let bearer = if selected.saved {
            auth::bearer(
                &selected.name,
                &selected.profile,
                &store,
                &bare,
                self.config.dir(),
                self.observer(),
            )
            .await?
        } else {
            auth::env_token().ok_or_else(|| CliError::NotSignedIn {
                server: selected.profile.server.clone(),
            })?
        };
        if self.io.verbose() {
            self.io.debug(&format!(
                "profile {:?} on {}; token from {}",
                selected.name,
                selected.profile.server,
                match bearer.source {
                    Source::Env => "NETINVITE_TOKEN",
                    Source::Cache => "the kernel keyring copy",
                    Source::Store => store_name(&store),
                    Source::Fresh => "a renewed token",
                }
            ));
        }
        let client = bare.with_bearer(bearer.token.clone());
        let index = Index::open(&selected.name, &selected.profile.server, load);
        Ok(Session {
            selected,
            client,
            bearer,
            store,
            bare,
            config_dir: self.config.dir().to_path_buf(),
            observer: self.observer(),
            user_record_ensured: false,
            index,
        })
    }
}

/// One `-v` line for an attempt: "GET URL → 503 in 2.1 ms, 19 bytes; attempt 2/3 after
/// 503, waiting 1.0 s (Retry-After)". Never a header or a body.
fn describe_exchange(x: &Exchange) -> String {
    let secs = |d: Duration| format!("{:.1} s", d.as_secs_f64());
    let outcome = match (x.status, x.failure) {
        (Some(s), _) => s.to_string(),
        (None, Some(f)) => failure_text(f.kind, f.after.map(secs)),
        (None, None) => "failed".into(),
    };
    let bytes = x.bytes.map(|b| format!(", {b} bytes")).unwrap_or_default();
    let counted = if x.max_attempts > 1 && (x.attempt > 1 || x.next.is_some()) {
        format!(" [attempt {}/{}]", x.attempt, x.max_attempts)
    } else {
        String::new()
    };
    let next = match x.next {
        None => String::new(),
        Some(Next::Retry {
            attempt,
            of,
            wait,
            cause,
        }) => format!(
            "; attempt {attempt}/{of} after {}, waiting {} ({})",
            match (x.status, x.failure) {
                (Some(s), _) => s.to_string(),
                (None, Some(f)) => failure_text(f.kind, None),
                (None, None) => "a failure".into(),
            },
            secs(wait),
            match cause {
                WaitCause::RetryAfter => "Retry-After",
                WaitCause::Backoff => "backoff",
            }
        ),
        Some(Next::GiveUp(why)) => match why {
            GiveUp::Final => String::new(),
            GiveUp::Exhausted => format!("; giving up after {} attempts", x.attempt),
            GiveUp::MayHaveReachedServer => {
                "; not retried: the request may have reached the server".into()
            }
            GiveUp::NeverRepeated => "; not retried: a resend sends an email".into(),
            GiveUp::RetryAfterTooLong(d) => format!(
                "; not retried: the server asked to wait {} (netinvite waits {} at most)",
                secs(d),
                secs(RETRY_AFTER_CAP)
            ),
            GiveUp::TimedOutTwice => "; not retried: a second timeout".into(),
            GiveUp::Budget => {
                "; not retried: what is left of the time budget (--max-time) is too short".into()
            }
        },
    };
    format!(
        "{} {} → {outcome} in {:.1} ms{bytes}{counted}{next}",
        x.method,
        x.url,
        x.elapsed.as_secs_f64() * 1000.0
    )
}

fn failure_text(kind: TransportKind, after: Option<String>) -> String {
    let with = |what: &str| match &after {
        Some(a) => format!("{what} ({a})"),
        None => what.to_string(),
    };
    match kind {
        TransportKind::Connect => "connection failed".into(),
        TransportKind::ConnectTimeout => with("connect timeout"),
        TransportKind::Dropped => "connection lost".into(),
        TransportKind::ReadTimeout => with("read timeout"),
        TransportKind::Deadline => with("deadline"),
        TransportKind::Budget { .. } => with("time budget ran out"),
        TransportKind::Tls(_) => "TLS handshake failed".into(),
        TransportKind::Other => "failed".into(),
    }
}

fn store_name(store: &TokenStore) -> &'static str {
    match store {
        TokenStore::Keyring { .. } => "the OS keyring",
        TokenStore::File { .. } => "the token file",
    }
}

fn unsaved(name: &str, server: &str) -> Selected {
    Selected {
        name: name.to_string(),
        profile: Profile {
            server: server.to_string(),
            ..Default::default()
        },
        saved: false,
    }
}

/// A profile name derived from a server URL: its host (and port).
pub fn host_name(server: &str) -> String {
    Url::parse(server)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "server".into())
}

impl Session {
    pub fn server(&self) -> &str {
        &self.selected.profile.server
    }

    /// Gives every request from now on a time budget of its own (`--max-time` each)
    /// instead of sharing the command's: for batch-like commands (bulk create, bulk
    /// revoke, `wait`, a sync), whose length depends on their input and which have their
    /// own end (`wait --timeout`). Token renewals after a 401 get one each too.
    pub fn budget_per_request(&mut self) {
        self.client = self.client.per_request_budget();
        self.bare = self.bare.per_request_budget();
    }

    /// Runs one API call. A 401 renews the token once (a dev token is fetched again; a
    /// stale fast copy is dropped); a 403 "User not found" creates the user record once.
    pub async fn call<T, F, Fut>(&mut self, f: F) -> Result<T, CliError>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        match f(self.client.clone()).await {
            Ok(v) => Ok(v),
            Err(e) if e.is_unauthorized() => {
                self.recover_unauthorized().await?;
                f(self.client.clone()).await.map_err(|e| self.map_error(e))
            }
            Err(e) if e.is_user_not_found() && !self.user_record_ensured => {
                self.ensure_user_record().await?;
                f(self.client.clone()).await.map_err(|e| self.map_error(e))
            }
            Err(e) => Err(self.map_error(e)),
        }
    }

    /// Any request (`netinvite api`), answered whatever its status, with the same
    /// recoveries as [`Session::call`]: a 401 renews the token once and asks again (not
    /// when the caller sent its own `Authorization`; a renewal the server refuses leaves
    /// the 401 answer as the result), a 403 "User not found" creates the user record
    /// once and asks again.
    pub async fn raw(
        &mut self,
        req: &crate::api::RawRequest,
    ) -> Result<crate::api::RawAnswer, CliError> {
        let first = self.client.raw(req).await.map_err(|e| self.map_error(e))?;
        if first.status == 401 && !req.has_authorization() {
            match self.recover_unauthorized().await {
                Ok(()) => {}
                Err(CliError::TokenRejected { .. }) => return Ok(first),
                Err(e) => return Err(e),
            }
        } else if first.status == 403
            && !self.user_record_ensured
            && matches!(first.detail(), crate::api::Detail::Message(m) if m == "User not found")
        {
            self.ensure_user_record().await?;
        } else {
            return Ok(first);
        }
        self.client.raw(req).await.map_err(|e| self.map_error(e))
    }

    /// Whether the token in use came from `NETINVITE_TOKEN`.
    pub fn token_from_env(&self) -> bool {
        self.bearer.source == Source::Env
    }

    /// `GET /api/invitations`. A caller without a user record on the server gets `[]`
    /// (not an error), e.g. a token from `NETINVITE_TOKEN` that never listed networks:
    /// an empty answer therefore makes sure of the record once and asks again.
    pub async fn invitations(
        &mut self,
        q: &crate::api::ListQuery,
    ) -> Result<Vec<crate::api::models::Invitation>, CliError> {
        let list = self
            .call(|c| {
                let q = q.clone();
                async move { c.invitations(&q).await }
            })
            .await?;
        if !list.is_empty() || self.user_record_ensured {
            self.remember(&list);
            return Ok(list);
        }
        self.ensure_user_record().await?;
        let list = self
            .call(|c| {
                let q = q.clone();
                async move { c.invitations(&q).await }
            })
            .await?;
        self.remember(&list);
        Ok(list)
    }

    /// Records invitations the server just returned in the local index (a failed write
    /// is harmless: the index is only a cache).
    pub fn remember(&mut self, invitations: &[crate::api::models::Invitation]) {
        self.index.learn(invitations);
        let _ = self.index.save();
    }

    /// Records that the server no longer shows invitation `id`.
    pub fn forget(&mut self, id: i64) {
        self.index.forget(id);
        let _ = self.index.save();
    }

    /// The signed-in person as the server sees them: from the token's own claims (no
    /// request), else from `GET /api/auth/me`.
    pub async fn caller(&mut self) -> Result<crate::access::Caller, CliError> {
        if let Some(c) = crate::access::Caller::from_token(self.bearer.token.expose()) {
            return Ok(c);
        }
        let me = self.call(|c| async move { c.me().await }).await?;
        Ok(crate::access::Caller {
            email: me.email.map(|e| e.to_lowercase()),
            system_admin: me.system_role.as_deref() == Some(crate::access::SYSTEM_ADMIN),
        })
    }

    /// Whether this session already made sure of the caller's user record.
    pub fn user_record_ensured(&self) -> bool {
        self.user_record_ensured
    }

    /// `GET /api/networks` creates the caller's user record on the server.
    pub async fn ensure_user_record(
        &mut self,
    ) -> Result<Vec<crate::api::models::Network>, CliError> {
        let nets = self
            .client
            .networks()
            .await
            .map_err(|e| self.map_error(e))?;
        self.user_record_ensured = true;
        self.index.learn_networks(&nets);
        let _ = self.index.save();
        Ok(nets)
    }

    fn map_error(&self, e: ApiError) -> CliError {
        match CliError::from_api(e, self.server()) {
            CliError::TokenRejected { server, .. } => CliError::TokenRejected {
                server,
                from_env: self.bearer.source == Source::Env,
            },
            other => other,
        }
    }

    async fn recover_unauthorized(&mut self) -> Result<(), CliError> {
        let rejected = CliError::TokenRejected {
            server: self.server().to_string(),
            from_env: self.bearer.source == Source::Env,
        };
        if self.bearer.source == Source::Env || !self.selected.saved {
            return Err(rejected);
        }
        let rejected_token = self.bearer.token.clone();
        let renewed = auth::renew(
            &self.selected.name,
            &self.selected.profile,
            &self.store,
            &self.bare,
            &self.config_dir,
            Some(rejected_token.expose()),
            self.observer.clone(),
        )
        .await
        .map_err(|e| match e {
            CliError::TokenRejected { .. } => rejected.clone(),
            other => other,
        })?;
        self.bearer = renewed;
        self.client = self.bare.with_bearer(self.bearer.token.clone());
        Ok(())
    }
}

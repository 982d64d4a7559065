//! OpenID Connect, both sides of it.
//!
//! * The **embedded issuer** at `{url}/oidc` (`issuer.rs` for the rules,
//!   `endpoints.rs` for HTTP, `keys.rs` for its fixed RSA test key): device
//!   flow, authorization code with PKCE, rotating refresh tokens, revocation
//!   and userinfo, shaped like oidc-provider.
//! * The **backend's** side: which IdP tokens it accepts (`verify.rs`) and its
//!   OIDC-mode auth endpoints (`api.rs`), whether the issuer is the embedded
//!   one or an external one reached over HTTP.

pub(crate) mod api;
pub(crate) mod endpoints;
pub(crate) mod issuer;
pub(crate) mod keys;
pub(crate) mod verify;

#[cfg(test)]
mod http_tests;
#[cfg(test)]
pub(crate) mod test_issuer;

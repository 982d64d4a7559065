//! Reading a JWT's claims without verifying it: for expiry, audience and who signed in.
//! The server verifies; netinvite only looks, to refresh in time and to explain refusals.

use base64::Engine;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub exp: Option<i64>,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub aud: Option<Audience>,
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub system_role: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, id: &str) -> bool {
        match self {
            Audience::One(a) => a == id,
            Audience::Many(v) => v.iter().any(|a| a == id),
        }
    }

    pub fn list(&self) -> Vec<String> {
        match self {
            Audience::One(a) => vec![a.clone()],
            Audience::Many(v) => v.clone(),
        }
    }
}

/// The claims of a JWT, or `None` when it is not one.
pub fn claims(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `kid` of a JWT's header.
pub fn key_id(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Header {
        kid: Option<String>,
    }
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Header>(&bytes).ok()?.kid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claims() {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let t = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256","kid":"k1"}"#),
            enc(r#"{"sub":"dev","exp":123,"aud":["a","b"]}"#)
        );
        let c = claims(&t).unwrap();
        assert_eq!(c.sub.as_deref(), Some("dev"));
        assert_eq!(c.exp, Some(123));
        assert!(c.aud.unwrap().contains("b"));
        assert_eq!(key_id(&t).as_deref(), Some("k1"));
        assert!(claims("not a jwt").is_none());
    }
}

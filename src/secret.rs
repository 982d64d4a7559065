//! A string that must never be shown: tokens. `Debug` and `Display` redact it, so a
//! secret cannot leak through a log line, an error message or a panic.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The value itself, for the one place that needs it (a header, a store).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn never_printed() {
        let s = super::Secret::new("eyJhbGciOi.secret.value");
        assert!(!format!("{s:?} {s}").contains("secret.value"));
        assert_eq!(s.expose(), "eyJhbGciOi.secret.value");
    }
}

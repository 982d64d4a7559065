//! The backend's in-memory, per-client-IP sliding-window rate limiter.
//!
//! It runs as a middleware in front of routing, so it counts every request
//! whose path is a limited prefix, whatever the method or outcome, and a
//! refused request is not counted. A refusal surfaces as an unhandled
//! exception: plain-text 500, not 429 (quirk 17).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// One limited endpoint family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// The pattern as the backend writes it; matches the path itself or any
    /// path below it (`pattern + "/"` prefix).
    pub pattern: &'static str,
    pub max: usize,
    pub window: Duration,
}

impl Limit {
    pub fn matches(&self, path: &str) -> bool {
        path == self.pattern
            || path
                .strip_prefix(self.pattern)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: HashMap<(IpAddr, &'static str), VecDeque<Instant>>,
}

impl RateLimiter {
    /// Records a request and says whether it may proceed.
    pub fn allow(&mut self, ip: IpAddr, limit: &Limit, now: Instant) -> bool {
        let hits = self.hits.entry((ip, limit.pattern)).or_default();
        while hits
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= limit.window)
        {
            hits.pop_front();
        }
        if hits.len() >= limit.max {
            return false;
        }
        hits.push_back(now);
        true
    }

    pub fn reset(&mut self) {
        self.hits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREVIEW: Limit = Limit {
        pattern: "/api/invitations/public",
        max: 3,
        window: Duration::from_secs(3600),
    };

    #[test]
    fn prefix_matching_like_the_backend() {
        assert!(PREVIEW.matches("/api/invitations/public"));
        assert!(PREVIEW.matches("/api/invitations/public/abc"));
        assert!(PREVIEW.matches("/api/invitations/public/"));
        assert!(!PREVIEW.matches("/api/invitations/publicity"));
        assert!(!PREVIEW.matches("/api/invitations"));
    }

    #[test]
    fn sliding_window_per_ip() {
        let mut rl = RateLimiter::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        assert!(rl.allow(a, &PREVIEW, t0));
        assert!(rl.allow(a, &PREVIEW, t0 + Duration::from_secs(10)));
        assert!(rl.allow(a, &PREVIEW, t0 + Duration::from_secs(20)));
        // The fourth call inside the hour is refused, and refusals do not count.
        assert!(!rl.allow(a, &PREVIEW, t0 + Duration::from_secs(30)));
        assert!(!rl.allow(a, &PREVIEW, t0 + Duration::from_secs(40)));
        // Another client has its own budget.
        assert!(rl.allow(b, &PREVIEW, t0 + Duration::from_secs(40)));
        // Once the first call is an hour old, one slot frees up.
        assert!(rl.allow(a, &PREVIEW, t0 + Duration::from_secs(3600)));
        assert!(!rl.allow(a, &PREVIEW, t0 + Duration::from_secs(3601)));
        rl.reset();
        assert!(rl.allow(a, &PREVIEW, t0 + Duration::from_secs(3602)));
    }
}

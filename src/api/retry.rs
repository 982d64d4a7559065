//! When a request is tried again, after how long, and how long each attempt may take.
//!
//! One function, [`decide`], makes the retry decision for every request the client sends,
//! from the request's [`Kind`], the attempt number and how the attempt ended; call sites
//! never retry on their own. The rules (issue #7, api.md §7):
//!
//! - Reads (GETs, including the lookups before a write) are retried on a refused or
//!   dropped connection, a timeout, 502, 503 and 504: at most [`MAX_ATTEMPTS`] attempts,
//!   with exponential backoff and jitter, or after the server's `Retry-After` when it sent
//!   one (capped at [`RETRY_AFTER_CAP`]: a longer wait is not waited for, the error says
//!   how long the server asked for). A timed-out attempt is retried once at most, so a
//!   server that accepts connections and never answers costs two read timeouts, not three.
//! - Never a 500 (an unhandled exception, or the rate limit of the two limited endpoints,
//!   which answers 500), never a 4xx.
//! - Writes (create, revoke, accept) are sent again only when the connection could not be
//!   opened: then nothing reached the server. Once the request may have been sent, a lost
//!   answer is reported as such (the write may or may not have happened).
//! - A resend sends an email: it is never sent twice, whatever happened.
//! - The rate-limited endpoints (dev token, public preview) are retried only when nothing
//!   can have counted against the limit: a connection that could not be opened, or a
//!   502/503/504 (a proxy whose upstream was down).
//!
//! All of it lives inside a time budget (`--max-time`, issue #19): each attempt's read
//! timeout and deadline are cut to the time left ([`Timeouts::limits`]), and a retry is
//! only started when its wait and a useful attempt still fit ([`within_budget`],
//! [`useful_attempt`]); otherwise the request gives up naming the budget.

use std::time::{Duration, SystemTime};

/// What a request does, which decides its retries and its default read timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A small GET: `/api`, `/api/auth/me`, `/api/networks`, `/api/health`, login redirect.
    Read,
    /// The invitation list: no pagination, ~1.5 ms per returned row on the real server
    /// (a 10,000-row answer takes 15 s before its first byte).
    List,
    /// POST create, DELETE revoke, POST accept.
    Write,
    /// POST resend: sends an email.
    Resend,
    /// `/api/auth/dev-token` and `/api/invitations/public/{token}`: over the limit they
    /// answer a plain 500.
    RateLimited,
}

impl Kind {
    /// The read timeout when none is configured.
    pub fn default_read_timeout(self) -> Duration {
        Duration::from_secs(match self {
            Kind::Read | Kind::RateLimited => 15,
            Kind::List => 60,
            Kind::Write | Kind::Resend => 30,
        })
    }

    /// How many attempts this kind may make in the best case.
    pub fn max_attempts(self) -> u32 {
        match self {
            Kind::Resend => 1,
            _ => MAX_ATTEMPTS,
        }
    }
}

/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// The longest `Retry-After` that is waited for.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(10);
/// The backoff before attempt 2 is 250–500 ms, before attempt 3 500–1000 ms.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Default time to open a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// An attempt's whole answer must arrive within this many read timeouts, so that a
/// server trickling a byte now and then cannot hold a script forever.
pub const DEADLINE_FACTOR: u32 = 2;

/// The default time budget of a command (or, for batches, of each request). A server
/// that accepts the connection and then says nothing must end any single command within
/// 90 s: 80 s of requests leaves room for starting up, the keyring and the local files.
pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(80);
/// The least time left that makes an attempt worth starting after a failure other than
/// a timeout (a refused connection, a 503): a connection and a small answer.
pub const MIN_ATTEMPT: Duration = Duration::from_secs(1);

/// Configured timeouts: the connect timeout, a read timeout that overrides every kind's
/// default when set, and the time budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Option<Duration>,
    /// The most time a command (or a batch's request) may spend on requests, retries and
    /// their waits included (`--max-time`).
    pub max_time: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            read: None,
            max_time: DEFAULT_MAX_TIME,
        }
    }
}

/// How long one attempt may wait, given the time left in the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptLimits {
    /// The longest silence: the read timeout, or the time left when that is shorter.
    pub read: Duration,
    /// The whole attempt: the deadline, or the time left when that is shorter.
    pub whole: Duration,
    /// Whether the budget, not the read timeout, set `read`.
    pub read_by_budget: bool,
    /// Whether the budget, not the deadline, set `whole`.
    pub whole_by_budget: bool,
}

impl Timeouts {
    /// The longest silence allowed from the server for a request of this kind: before
    /// its answer starts (counted from the start of the attempt) or within the answer.
    pub fn read(&self, kind: Kind) -> Duration {
        self.read.unwrap_or_else(|| kind.default_read_timeout())
    }

    /// The whole attempt, answer included.
    pub fn deadline(&self, kind: Kind) -> Duration {
        self.read(kind) * DEADLINE_FACTOR
    }

    /// The limits of an attempt of `kind` when `left` remains of the budget. A timer
    /// cut by the budget reports the budget when it fires, not the read timeout.
    pub fn limits(&self, kind: Kind, left: Duration) -> AttemptLimits {
        let read = self.read(kind);
        let whole = self.deadline(kind);
        AttemptLimits {
            read: read.min(left),
            whole: whole.min(left),
            read_by_budget: left < read,
            whole_by_budget: left < whole,
        }
    }

    /// The connect timeout actually applied: shorter than the shortest read timeout (which
    /// counts from the start of the attempt), so that a hanging connect is reported as
    /// what it is.
    pub fn effective_connect(&self) -> Duration {
        let shortest = self.read.unwrap_or(Kind::Read.default_read_timeout());
        self.connect.min(shortest.mul_f64(0.9))
    }
}

/// How one attempt failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failure {
    /// The connection could not be opened (refused, no route, DNS, TLS): nothing was sent.
    Connect,
    /// Opening the connection took longer than the connect timeout: nothing was sent.
    ConnectTimeout,
    /// The connection was reset or closed after the request was (or may have been) sent,
    /// before the whole answer arrived.
    Dropped,
    /// The server stayed silent longer than the read timeout, before or within its answer.
    ReadTimeout,
    /// The answer did not complete within the attempt's deadline.
    Deadline,
    /// Anything else without an answer (a request that could not even be built).
    Other,
    /// An answer with this status; `retry_after` is the server's `Retry-After`, parsed.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
}

impl Failure {
    /// Whether the request may have reached the server.
    pub fn may_have_been_sent(self) -> bool {
        !matches!(self, Failure::Connect | Failure::ConnectTimeout)
    }

    fn is_timeout(self) -> bool {
        matches!(
            self,
            Failure::ReadTimeout | Failure::Deadline | Failure::ConnectTimeout
        )
    }
}

/// Why the next attempt waits as long as it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCause {
    Backoff,
    RetryAfter,
}

/// Why no further attempt is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GiveUp {
    /// Success, a 4xx, a 500, a redirect: trying again would not change the answer.
    Final,
    /// [`MAX_ATTEMPTS`] attempts made.
    Exhausted,
    /// The request may have reached the server, and sending it again could do it twice.
    MayHaveReachedServer,
    /// A resend is never sent twice.
    NeverRepeated,
    /// The server asked to wait longer than [`RETRY_AFTER_CAP`].
    RetryAfterTooLong(Duration),
    /// An earlier attempt timed out already.
    TimedOutTwice,
    /// The wait and a useful attempt do not fit in what is left of the time budget.
    Budget,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Retry { wait: Duration, cause: WaitCause },
    GiveUp(GiveUp),
}

/// Decides whether attempt `attempt` (1-based), which ended with `failure`, is followed by
/// another, and after how long. `timed_out_before` says whether an earlier attempt of the
/// same request timed out; `jitter` is a number in `[0, 1)` that spreads the backoff.
pub fn decide(
    kind: Kind,
    attempt: u32,
    failure: Failure,
    timed_out_before: bool,
    jitter: f64,
) -> Decision {
    let transient = match failure {
        Failure::Connect | Failure::ConnectTimeout | Failure::Dropped => true,
        Failure::ReadTimeout | Failure::Deadline => true,
        Failure::Status { code, .. } => matches!(code, 502..=504),
        Failure::Other => false,
    };
    if !transient {
        return Decision::GiveUp(GiveUp::Final);
    }
    let allowed = match kind {
        Kind::Read | Kind::List => Ok(()),
        Kind::Resend => Err(GiveUp::NeverRepeated),
        Kind::Write | Kind::RateLimited if !failure.may_have_been_sent() => Ok(()),
        // A proxy's 502/503/504 means the backend never saw the request.
        Kind::RateLimited if matches!(failure, Failure::Status { .. }) => Ok(()),
        Kind::Write | Kind::RateLimited => Err(GiveUp::MayHaveReachedServer),
    };
    if let Err(why) = allowed {
        return Decision::GiveUp(why);
    }
    if let Failure::Status {
        retry_after: Some(asked),
        ..
    } = failure
        && asked > RETRY_AFTER_CAP
    {
        return Decision::GiveUp(GiveUp::RetryAfterTooLong(asked));
    }
    if attempt >= MAX_ATTEMPTS {
        return Decision::GiveUp(GiveUp::Exhausted);
    }
    if failure.is_timeout() && timed_out_before {
        return Decision::GiveUp(GiveUp::TimedOutTwice);
    }
    let backoff = backoff(attempt, jitter);
    match failure {
        Failure::Status {
            retry_after: Some(asked),
            ..
        } if asked >= backoff => Decision::Retry {
            wait: asked,
            cause: WaitCause::RetryAfter,
        },
        _ => Decision::Retry {
            wait: backoff,
            cause: WaitCause::Backoff,
        },
    }
}

/// The least time a retry after `failure` needs to be of use. After a read timeout (or
/// a deadline) the server has just been silent for the whole read timeout: an attempt
/// cut to less than half of that is unlikely to see an answer, and would only turn a
/// clear "read timeout" into a later "budget". After a connect timeout it needs the
/// connect timeout; after anything else, [`MIN_ATTEMPT`] (or the read timeout, when
/// shorter).
pub fn useful_attempt(timeouts: &Timeouts, kind: Kind, failure: Failure) -> Duration {
    let read = timeouts.read(kind);
    match failure {
        Failure::ReadTimeout | Failure::Deadline => read / 2,
        Failure::ConnectTimeout => timeouts.effective_connect(),
        _ => MIN_ATTEMPT.min(read),
    }
}

/// Applies the time budget to a retry decision: a retry whose wait (backoff or
/// `Retry-After`) and useful attempt (`needed`) do not fit in `left` is not started.
pub fn within_budget(decision: Decision, left: Duration, needed: Duration) -> Decision {
    match decision {
        Decision::Retry { wait, .. } if wait.saturating_add(needed) > left => {
            Decision::GiveUp(GiveUp::Budget)
        }
        d => d,
    }
}

/// The wait after failed attempt `attempt`: half of `BASE·2^(attempt-1)` plus a random
/// part of the other half ("equal jitter"), so that many clients do not retry in step.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let full = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// A `Retry-After` value: delay-seconds or an HTTP date (relative to `now`). A date in
/// the past means "now"; anything unreadable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in `[0, 1)` for jitter, from the clock and the process id (a tiny
/// xorshift; nothing here needs more than "not in step with the other clients").
pub fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [Kind; 5] = [
        Kind::Read,
        Kind::List,
        Kind::Write,
        Kind::Resend,
        Kind::RateLimited,
    ];

    fn status(code: u16) -> Failure {
        Failure::Status {
            code,
            retry_after: None,
        }
    }

    fn retries(d: Decision) -> bool {
        matches!(d, Decision::Retry { .. })
    }

    #[test]
    fn answers_that_are_final_are_never_retried() {
        for kind in KINDS {
            for code in [
                200, 204, 301, 307, 400, 401, 403, 404, 409, 410, 422, 429, 500, 501,
            ] {
                for attempt in 1..=3 {
                    assert_eq!(
                        decide(kind, attempt, status(code), false, 0.5),
                        Decision::GiveUp(GiveUp::Final),
                        "{kind:?} {code} attempt {attempt}"
                    );
                }
            }
            assert_eq!(
                decide(kind, 1, Failure::Other, false, 0.5),
                Decision::GiveUp(GiveUp::Final)
            );
        }
    }

    #[test]
    fn reads_retry_every_transient_failure() {
        let transient = [
            Failure::Connect,
            Failure::ConnectTimeout,
            Failure::Dropped,
            Failure::ReadTimeout,
            Failure::Deadline,
            status(502),
            status(503),
            status(504),
        ];
        for kind in [Kind::Read, Kind::List] {
            for f in transient {
                assert!(retries(decide(kind, 1, f, false, 0.0)), "{kind:?} {f:?}");
                assert!(retries(decide(kind, 2, f, false, 0.0)), "{kind:?} {f:?}");
                assert_eq!(
                    decide(kind, 3, f, false, 0.0),
                    Decision::GiveUp(GiveUp::Exhausted),
                    "{kind:?} {f:?}"
                );
            }
        }
    }

    #[test]
    fn a_timeout_is_retried_once() {
        for f in [
            Failure::ReadTimeout,
            Failure::Deadline,
            Failure::ConnectTimeout,
        ] {
            assert!(retries(decide(Kind::List, 1, f, false, 0.0)));
            assert_eq!(
                decide(Kind::List, 2, f, true, 0.0),
                Decision::GiveUp(GiveUp::TimedOutTwice)
            );
        }
        // A 503 after an earlier timeout is still worth a last attempt.
        assert!(retries(decide(Kind::Read, 2, status(503), true, 0.0)));
    }

    #[test]
    fn writes_retry_only_what_never_left() {
        for f in [Failure::Connect, Failure::ConnectTimeout] {
            assert!(retries(decide(Kind::Write, 1, f, false, 0.0)), "{f:?}");
            assert!(
                retries(decide(Kind::RateLimited, 1, f, false, 0.0)),
                "{f:?}"
            );
        }
        for f in [
            Failure::Dropped,
            Failure::ReadTimeout,
            Failure::Deadline,
            status(502),
            status(503),
            status(504),
        ] {
            assert_eq!(
                decide(Kind::Write, 1, f, false, 0.0),
                Decision::GiveUp(GiveUp::MayHaveReachedServer),
                "{f:?}"
            );
        }
    }

    #[test]
    fn a_resend_is_never_repeated() {
        for f in [
            Failure::Connect,
            Failure::ConnectTimeout,
            Failure::Dropped,
            Failure::ReadTimeout,
            status(503),
        ] {
            assert_eq!(
                decide(Kind::Resend, 1, f, false, 0.0),
                Decision::GiveUp(GiveUp::NeverRepeated),
                "{f:?}"
            );
        }
        assert_eq!(Kind::Resend.max_attempts(), 1);
    }

    #[test]
    fn rate_limited_endpoints_never_spend_the_limit_twice() {
        for f in [Failure::Dropped, Failure::ReadTimeout, Failure::Deadline] {
            assert_eq!(
                decide(Kind::RateLimited, 1, f, false, 0.0),
                Decision::GiveUp(GiveUp::MayHaveReachedServer)
            );
        }
        for code in [502, 503, 504] {
            assert!(retries(decide(
                Kind::RateLimited,
                1,
                status(code),
                false,
                0.0
            )));
        }
        assert_eq!(
            decide(Kind::RateLimited, 1, status(500), false, 0.0),
            Decision::GiveUp(GiveUp::Final)
        );
    }

    #[test]
    fn backoff_grows_and_jitters_within_bounds() {
        assert_eq!(backoff(1, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(2, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(2, 0.999), Duration::from_micros(999_500));
        assert!(backoff(40, 1.0) > Duration::from_secs(1000));
        assert_eq!(
            decide(Kind::Read, 1, Failure::Dropped, false, 0.5),
            Decision::Retry {
                wait: Duration::from_millis(375),
                cause: WaitCause::Backoff
            }
        );
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let asked = |secs| Failure::Status {
            code: 503,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            decide(Kind::List, 1, asked(1), false, 0.9),
            Decision::Retry {
                wait: Duration::from_secs(1),
                cause: WaitCause::RetryAfter
            }
        );
        assert_eq!(
            decide(Kind::Read, 2, asked(10), false, 0.0),
            Decision::Retry {
                wait: Duration::from_secs(10),
                cause: WaitCause::RetryAfter
            }
        );
        assert_eq!(
            decide(Kind::Read, 1, asked(11), false, 0.0),
            Decision::GiveUp(GiveUp::RetryAfterTooLong(Duration::from_secs(11)))
        );
        // `Retry-After: 0` is no reason to hammer: the backoff still applies.
        assert_eq!(
            decide(Kind::Read, 1, asked(0), false, 0.0),
            Decision::Retry {
                wait: Duration::from_millis(250),
                cause: WaitCause::Backoff
            }
        );
        // Writes ignore it: they were sent.
        assert_eq!(
            decide(Kind::Write, 1, asked(1), false, 0.0),
            Decision::GiveUp(GiveUp::MayHaveReachedServer)
        );
    }

    #[test]
    fn retry_after_values() {
        let now = httpdate::parse_http_date("Thu, 03 Dec 2026 07:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Thu, 03 Dec 2026 07:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Thu, 03 Dec 2026 06:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    /// How a request to a server that accepts the connection and never answers ends,
    /// following the rules `Client::send` follows, with the longest backoff: the time it
    /// takes, and why it stops.
    fn silent_server(kind: Kind, t: &Timeouts) -> (Duration, GiveUp) {
        let mut elapsed = Duration::ZERO;
        let mut attempt = 1;
        let mut timed_out_before = false;
        loop {
            let left = t.max_time.saturating_sub(elapsed);
            let limits = t.limits(kind, left);
            elapsed += limits.read;
            if limits.read_by_budget {
                return (elapsed, GiveUp::Budget);
            }
            let failure = Failure::ReadTimeout;
            let d = decide(kind, attempt, failure, timed_out_before, 0.999_999);
            let left = t.max_time.saturating_sub(elapsed);
            match within_budget(d, left, useful_attempt(t, kind, failure)) {
                Decision::Retry { wait, .. } => {
                    elapsed += wait;
                    timed_out_before = true;
                    attempt += 1;
                }
                Decision::GiveUp(why) => return (elapsed, why),
            }
        }
    }

    #[test]
    fn by_default_a_silent_server_ends_every_request_within_90_seconds() {
        let t = Timeouts::default();
        assert_eq!(t.max_time, Duration::from_secs(80));
        for kind in KINDS {
            let (took, _) = silent_server(kind, &t);
            assert!(took <= Duration::from_secs(80), "{kind:?}: {took:?}");
        }
        // The list: 60 s of silence leave 20 s, less than half a read timeout: no retry,
        // and the budget is named (the 120 s is gone).
        assert_eq!(
            silent_server(Kind::List, &t),
            (Duration::from_secs(60), GiveUp::Budget)
        );
        // A small read: two 15 s timeouts and a backoff, well inside the budget.
        let (took, why) = silent_server(Kind::Read, &t);
        assert_eq!(why, GiveUp::TimedOutTwice);
        assert!(took > Duration::from_secs(30) && took < Duration::from_secs(31));
        // However long the read timeout, the budget ends it.
        for (read, ends) in [(61, 61), (600, 80), (86_400, 80)] {
            let t = Timeouts {
                read: Some(Duration::from_secs(read)),
                ..Timeouts::default()
            };
            for kind in KINDS {
                let (took, why) = silent_server(kind, &t);
                assert_eq!(took, Duration::from_secs(ends), "{kind:?} {read}");
                if ends == 80 || matches!(kind, Kind::Read | Kind::List) {
                    assert_eq!(why, GiveUp::Budget, "{kind:?} {read}");
                }
            }
        }
    }

    #[test]
    fn a_short_budget_cuts_the_first_attempt() {
        let t = Timeouts {
            max_time: Duration::from_secs(3),
            ..Timeouts::default()
        };
        assert_eq!(
            silent_server(Kind::List, &t),
            (Duration::from_secs(3), GiveUp::Budget)
        );
        let l = t.limits(Kind::List, Duration::from_secs(3));
        assert_eq!(l.read, Duration::from_secs(3));
        assert_eq!(l.whole, Duration::from_secs(3));
        assert!(l.read_by_budget && l.whole_by_budget);
        // A short read timeout inside a large budget is the limit that fires.
        let t = Timeouts {
            read: Some(Duration::from_millis(500)),
            max_time: Duration::from_secs(60),
            ..Timeouts::default()
        };
        let l = t.limits(Kind::List, Duration::from_secs(60));
        assert_eq!(l.read, Duration::from_millis(500));
        assert!(!l.read_by_budget && !l.whole_by_budget);
        let (took, why) = silent_server(Kind::List, &t);
        assert_eq!(why, GiveUp::TimedOutTwice);
        assert!(took < Duration::from_secs(2), "{took:?}");
        // The deadline (twice the read timeout) is cut on its own.
        let l = t.limits(Kind::List, Duration::from_millis(700));
        assert_eq!(l.read, Duration::from_millis(500));
        assert_eq!(l.whole, Duration::from_millis(700));
        assert!(!l.read_by_budget && l.whole_by_budget);
    }

    #[test]
    fn a_retry_starts_only_when_its_wait_and_a_useful_attempt_fit() {
        let t = Timeouts::default();
        let retry = |secs: f64| Decision::Retry {
            wait: Duration::from_secs_f64(secs),
            cause: WaitCause::RetryAfter,
        };
        // What a useful attempt needs, by what went before.
        assert_eq!(
            useful_attempt(&t, Kind::List, Failure::ReadTimeout),
            Duration::from_secs(30)
        );
        assert_eq!(
            useful_attempt(&t, Kind::Read, Failure::Deadline),
            Duration::from_millis(7500)
        );
        assert_eq!(
            useful_attempt(&t, Kind::Read, Failure::ConnectTimeout),
            Duration::from_secs(5)
        );
        assert_eq!(useful_attempt(&t, Kind::Read, status(503)), MIN_ATTEMPT);
        let short = Timeouts {
            read: Some(Duration::from_millis(300)),
            ..t
        };
        assert_eq!(
            useful_attempt(&short, Kind::Read, Failure::Connect),
            Duration::from_millis(300)
        );
        // A Retry-After of 10 s with 10.5 s left: no room for the attempt after it.
        assert_eq!(
            within_budget(retry(10.0), Duration::from_millis(10_500), MIN_ATTEMPT),
            Decision::GiveUp(GiveUp::Budget)
        );
        assert_eq!(
            within_budget(retry(10.0), Duration::from_secs(11), MIN_ATTEMPT),
            retry(10.0)
        );
        // Decisions that give up are left alone.
        for why in [GiveUp::Final, GiveUp::Exhausted, GiveUp::TimedOutTwice] {
            assert_eq!(
                within_budget(Decision::GiveUp(why), Duration::ZERO, MIN_ATTEMPT),
                Decision::GiveUp(why)
            );
        }
        // Nothing left: nothing is retried, however short the wait.
        assert_eq!(
            within_budget(retry(0.25), Duration::ZERO, MIN_ATTEMPT),
            Decision::GiveUp(GiveUp::Budget)
        );
    }

    #[test]
    fn timeouts_per_kind() {
        let t = Timeouts::default();
        assert_eq!(t.read(Kind::Read), Duration::from_secs(15));
        assert_eq!(t.read(Kind::List), Duration::from_secs(60));
        assert_eq!(t.read(Kind::Write), Duration::from_secs(30));
        assert_eq!(t.deadline(Kind::List), Duration::from_secs(120));
        assert_eq!(t.effective_connect(), Duration::from_secs(5));
        let t = Timeouts {
            connect: Duration::from_secs(5),
            read: Some(Duration::from_millis(500)),
            max_time: DEFAULT_MAX_TIME,
        };
        assert_eq!(t.read(Kind::List), Duration::from_millis(500));
        assert_eq!(t.effective_connect(), Duration::from_millis(450));
    }
}

//! The time budget (`--max-time`): how much time requests may still take.
//!
//! A command's requests share one budget: a lookup and the write after it, a token
//! renewal and the request it was for. Batch-like commands (bulk create and revoke, `wait`)
//! ask for a budget per request instead ([`Budget::per_request`]), so that a long batch is
//! not cut short while each of its requests stays bounded.
//!
//! The budget counts the time during which at least one request is in flight (waiting
//! for a connection or an answer, or between its retries), not the time a command spends
//! at a confirmation prompt, in the browser during sign-in, or in its own pauses: a
//! person answering a question does not use it up, while a script sees every command end
//! within the budget plus its local work. Concurrent requests of one command count once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether a budget belongs to the whole command or to each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Command,
    Request,
}

/// The account of a command's budget, for clients built apart (a command that talks to
/// the server through more than one client still has one budget).
#[derive(Debug, Clone, Default)]
pub struct Shared(Arc<Mutex<Account>>);

/// A time budget, shared by the clones of a client.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: Duration,
    scope: Scope,
    /// The command's account; per-request budgets open a new one for each request.
    account: Arc<Mutex<Account>>,
}

#[derive(Debug, Default)]
struct Account {
    in_flight: usize,
    busy_since: Option<Instant>,
    spent: Duration,
}

impl Account {
    fn used(&self, now: Instant) -> Duration {
        self.spent + self.busy_since.map_or(Duration::ZERO, |t| now - t)
    }
}

impl Budget {
    /// A budget of `limit` for everything the command sends.
    pub fn command(limit: Duration) -> Self {
        Budget {
            limit,
            scope: Scope::Command,
            account: Arc::default(),
        }
    }

    /// A budget of `limit` for everything the command sends, counted in `shared`.
    pub fn command_sharing(limit: Duration, shared: &Shared) -> Self {
        Budget {
            limit,
            scope: Scope::Command,
            account: shared.0.clone(),
        }
    }

    /// The same limit, for each request on its own.
    pub fn per_request(&self) -> Self {
        Budget {
            limit: self.limit,
            scope: Scope::Request,
            account: Arc::default(),
        }
    }

    pub fn limit(&self) -> Duration {
        self.limit
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Opens the budget for one request; the time counts until the meter is dropped.
    pub fn start(&self) -> Meter {
        let account = match self.scope {
            Scope::Command => self.account.clone(),
            Scope::Request => Arc::default(),
        };
        {
            let mut a = lock(&account);
            if a.in_flight == 0 {
                a.busy_since = Some(Instant::now());
            }
            a.in_flight += 1;
        }
        Meter {
            limit: self.limit,
            account,
        }
    }
}

/// One request's view of its budget.
#[derive(Debug)]
pub struct Meter {
    limit: Duration,
    account: Arc<Mutex<Account>>,
}

impl Meter {
    /// The time left.
    pub fn left(&self) -> Duration {
        let used = lock(&self.account).used(Instant::now());
        self.limit.saturating_sub(used)
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        let mut a = lock(&self.account);
        a.in_flight = a.in_flight.saturating_sub(1);
        if a.in_flight == 0
            && let Some(since) = a.busy_since.take()
        {
            a.spent += since.elapsed();
        }
    }
}

/// The account is a few numbers: a panic elsewhere cannot leave them unusable.
fn lock(m: &Mutex<Account>) -> std::sync::MutexGuard<'_, Account> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_command_budget_is_shared_and_counts_only_time_in_flight() {
        let b = Budget::command(100 * MS);
        let first = b.start();
        std::thread::sleep(30 * MS);
        drop(first);
        // Time between requests (a prompt, a pause) is not counted.
        std::thread::sleep(50 * MS);
        let clone = b.clone();
        let second = clone.start();
        let left = second.left();
        assert!(left <= 70 * MS && left > 40 * MS, "{left:?}");
        // Two requests in flight at once count once.
        let third = b.start();
        std::thread::sleep(20 * MS);
        let (l2, l3) = (second.left(), third.left());
        assert!(l2.abs_diff(l3) < 5 * MS, "{l2:?} {l3:?}");
        assert!(l3 <= 50 * MS, "{l3:?}");
        drop((second, third));
        std::thread::sleep(80 * MS);
        assert!(b.start().left() <= 50 * MS);
    }

    #[test]
    fn budgets_built_apart_share_one_account() {
        let shared = Shared::default();
        let a = Budget::command_sharing(100 * MS, &shared);
        let b = Budget::command_sharing(100 * MS, &shared);
        drop(a.start());
        let first = a.start();
        std::thread::sleep(40 * MS);
        drop(first);
        assert!(b.start().left() <= 60 * MS);
    }

    #[test]
    fn a_per_request_budget_starts_afresh_for_each_request() {
        let b = Budget::command(50 * MS).per_request();
        assert_eq!(b.scope(), Scope::Request);
        let first = b.start();
        std::thread::sleep(60 * MS);
        assert_eq!(first.left(), Duration::ZERO);
        let second = b.start();
        assert!(second.left() > 40 * MS);
        assert_eq!(b.limit(), 50 * MS);
    }
}

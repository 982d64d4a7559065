//! Ctrl-C during a command that works through several items (`resend 4 5 6`): the first
//! Ctrl-C lets the request in flight finish, then the command stops, reports what it did
//! and what it did not, and exits 2 (cancelled). A second Ctrl-C exits 130 at once, for a
//! user who will not wait.
//!
//! Why not stop at once: the server may already have acted on the request in flight (an
//! email sent, an invitation revoked); cutting it off would leave the user not knowing.
//!
//! Use: `let stop = Interrupt::listen();` before the first request, then
//! `if stop.requested() { … }` between items, and `stop.wait()` inside any long wait
//! (`tokio::select!` against it) so that polling ends promptly too. Outside a command
//! that calls `listen`, Ctrl-C keeps its default effect (the process ends).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Exit status for a second Ctrl-C (128 + SIGINT, what shells report).
pub const EXIT_SECOND_INTERRUPT: i32 = 130;

/// Set once Ctrl-C was pressed, for the rest of the process.
#[derive(Clone, Debug)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
}

impl Interrupt {
    /// From now on Ctrl-C sets the flag instead of ending the process. Needs the tokio
    /// runtime (a task awaits the signal).
    pub fn listen() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        // On Unix the handler is installed here, before this returns, so that a Ctrl-C
        // right after (while a prompt is being printed) is caught; tokio's `ctrl_c()`
        // would install it only when first polled.
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut sig) = signal(SignalKind::interrupt()) else {
                // No signal handling: Ctrl-C keeps its default effect.
                return Self { flag };
            };
            tokio::spawn(async move {
                sig.recv().await;
                f.store(true, Ordering::SeqCst);
                sig.recv().await;
                std::process::exit(EXIT_SECOND_INTERRUPT);
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            f.store(true, Ordering::SeqCst);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(EXIT_SECOND_INTERRUPT);
            }
        });
        Self { flag }
    }

    /// A flag that never trips (for callers that do not listen, and for tests).
    pub fn never() -> Self {
        Self {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether Ctrl-C was pressed.
    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Completes once Ctrl-C was pressed (checks every 50 ms: cheap, and prompt enough
    /// for a person).
    pub async fn wait(&self) {
        while !self.requested() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Trips the flag, as Ctrl-C would.
    pub fn trip(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn wait_ends_once_tripped() {
        let stop = Interrupt::never();
        assert!(!stop.requested());
        let s = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(120)).await;
            s.trip();
        });
        tokio::time::timeout(Duration::from_secs(5), stop.wait())
            .await
            .expect("wait ends after the trip");
        assert!(stop.requested());
    }
}

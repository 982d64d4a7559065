//! Running many writes: bounded concurrency on the current-thread runtime, a progress
//! bar, Ctrl-C that stops starting new requests and waits for those in flight, and a
//! result per item. What each item means (created, skipped, revoked) is decided by the
//! command; this module only sends, and never sends a write twice except after a 401 or
//! a missing user record, which the server checks before it writes anything.
//!
//! A batch's length depends on its input, so a command that runs one calls
//! [`Session::budget_per_request`] first: each request then gets the whole `--max-time`
//! budget, instead of all of them sharing the command's.

pub mod csv;
pub mod input;

use std::collections::HashMap;
use std::future::Future;

use tokio::task::JoinSet;

use crate::api::{ApiError, Client};
use crate::context::Session;
use crate::error::CliError;
use crate::io::Io;

/// Default `--jobs`: the real server is a single worker on SQLite (about 7 ms a create),
/// so a few requests in flight hide the round trips and more only queue at the server.
pub const DEFAULT_JOBS: usize = 4;
/// Pauses before the second and third look at a write whose answer was lost: the server
/// may still have been carrying it out when the connection gave up.
pub const SETTLE: [std::time::Duration; 2] = [
    std::time::Duration::from_secs(1),
    std::time::Duration::from_secs(2),
];

/// Upper bound of `--jobs`.
pub const MAX_JOBS: usize = 32;

/// Checks a `--jobs` value.
pub fn check_jobs(jobs: usize) -> Result<usize, CliError> {
    if (1..=MAX_JOBS).contains(&jobs) {
        Ok(jobs)
    } else {
        Err(CliError::Usage {
            message: format!("--jobs {jobs} is out of range: expected 1 to {MAX_JOBS}"),
            hint: Some(format!(
                "the server handles one request at a time; {DEFAULT_JOBS} (the default) keeps it busy"
            )),
        })
    }
}

/// What became of the items: one result per item, `None` for those never sent because
/// of Ctrl-C.
pub struct Sent<R> {
    pub results: Vec<Option<Result<R, CliError>>>,
    pub interrupted: bool,
}

/// Sends `send(client, item)` for every item, at most `jobs` at a time, in order.
///
/// A 401 (token expired mid-run) or a 403 "User not found" is sent again through
/// [`Session::call`], which renews the token or creates the user record first: the server
/// refuses those before writing, so nothing is done twice. Every other failure is the
/// item's result, mapped to a [`CliError`]; the caller decides whether its write may have
/// happened ([`CliError::write_outcome_unknown`]).
///
/// The first Ctrl-C stops starting items and waits for those in flight; a second one
/// ends the process at once.
pub async fn send_all<I, R, F, Fut>(
    session: &mut Session,
    io: &Io,
    what: &str,
    items: &[I],
    jobs: usize,
    send: F,
) -> Sent<R>
where
    I: Clone,
    R: Send + 'static,
    F: Fn(Client, I) -> Fut,
    Fut: Future<Output = Result<R, ApiError>> + Send + 'static,
{
    let mut results: Vec<Option<Result<R, CliError>>> = (0..items.len()).map(|_| None).collect();
    let progress = io.progress(items.len(), what);
    let mut set: JoinSet<(usize, Result<R, ApiError>)> = JoinSet::new();
    let mut tasks: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut next = 0;
    let mut interrupted = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        while !interrupted && set.len() < jobs && next < items.len() {
            let fut = send(session.client.clone(), items[next].clone());
            let i = next;
            let handle = set.spawn(async move { (i, fut.await) });
            tasks.insert(handle.id(), i);
            next += 1;
        }
        if set.is_empty() {
            break;
        }
        tokio::select! {
            joined = set.join_next_with_id() => {
                let Some(joined) = joined else { break };
                let (i, outcome) = match joined {
                    Ok((id, (i, outcome))) => {
                        tasks.remove(&id);
                        (i, outcome)
                    }
                    Err(e) => {
                        // A panicking request task: report it on its item, go on.
                        let i = tasks.remove(&e.id()).unwrap_or(usize::MAX);
                        if let Some(slot) = results.get_mut(i) {
                            *slot = Some(Err(CliError::Io {
                                what: "internal error while sending".into(),
                                message: e.to_string(),
                            }));
                        }
                        progress.inc();
                        continue;
                    }
                };
                let result = match outcome {
                    Ok(v) => Ok(v),
                    Err(e) if e.is_unauthorized() || e.is_user_not_found() => {
                        let item = items[i].clone();
                        session.call(|c| send(c, item.clone())).await
                    }
                    Err(e) => Err(CliError::from_api(e, session.server())),
                };
                results[i] = Some(result);
                progress.inc();
            }
            _ = &mut ctrl_c, if !interrupted => {
                interrupted = true;
                let n = set.len();
                progress.suspend(|| io.warn(&format!(
                    "interrupted: sending no more; waiting for {n} request{} in flight (Ctrl-C again to quit at once)",
                    if n == 1 { "" } else { "s" }
                )));
                // From now on a second Ctrl-C ends the process.
                tokio::spawn(async {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(i32::from(crate::error::USAGE));
                    }
                });
            }
        }
    }
    progress.finish();
    Sent {
        results,
        interrupted,
    }
}

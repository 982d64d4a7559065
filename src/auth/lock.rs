//! The lock that serialises token renewal across processes: a file per credential in
//! `locks/` beside the config, held (an OS advisory lock) while one process renews.
//! Waiting is bounded, so a crashed holder (whose lock the OS releases) or a stuck one
//! cannot hang a script forever. [`wait_blocking`] is the same wait for callers outside
//! the async runtime (changes to config.toml).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::CliError;

const WAIT: Duration = Duration::from_secs(60);

/// Takes the renewal lock of `credential`; released when the returned file is dropped.
pub async fn acquire(config_dir: &Path, credential: &str) -> Result<File, CliError> {
    let dir = config_dir.join("locks");
    let io_err = |e: std::io::Error| CliError::Io {
        what: format!("cannot use the lock file in {}", dir.display()),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&dir).map_err(io_err)?;
    let name: String = credential
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{name}.lock")))
        .map_err(io_err)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(CliError::Io {
                    what: "another netinvite process has been renewing the sign-in for a minute"
                        .into(),
                    message: "gave up waiting for it".into(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
    }
}

/// Waits up to `wait` for the advisory lock on `file`, sleeping between tries (the holders
/// are short: a read, a change and a write). `Err(None)` when the wait ran out.
pub fn wait_blocking(file: &File, wait: Duration) -> Result<(), Option<std::io::Error>> {
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(TryLockError::WouldBlock) => return Err(None),
            Err(TryLockError::Error(e)) => return Err(Some(e)),
        }
    }
}

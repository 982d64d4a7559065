//! A fast, short-lived copy of the current bearer token in the Linux kernel keyring.
//!
//! Reading the Secret Service costs 7–9 ms per process (a D-Bus session, an encrypted
//! transfer); the kernel's user keyring answers in microseconds and is just as private to
//! the user. The copy carries a kernel timeout that ends before the token expires, holds
//! only the bearer (never a refresh token), and is dropped on logout, on a new sign-in and
//! when the server refuses it. The Secret Service (or the opted-in file) stays the
//! source of truth. On other systems, or when the kernel refuses, this is a no-op.

/// The cached bearer and its expiry (Unix seconds, 0 when unknown).
pub struct Cached {
    pub bearer: String,
    pub expires_at: i64,
}

/// `NETINVITE_KERNEL_CACHE=0` switches the copy off (every command then reads the
/// Secret Service).
fn enabled() -> bool {
    std::env::var_os("NETINVITE_KERNEL_CACHE").is_none_or(|v| v != "0")
}

fn description(credential: &str) -> String {
    format!("netinvite:{credential}")
}

#[cfg(target_os = "linux")]
mod imp {
    use super::{Cached, description};
    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};

    fn user_keyring() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::User, true).ok()
    }

    pub fn get(credential: &str) -> Option<Cached> {
        if !super::enabled() {
            return None;
        }
        let ring = user_keyring()?;
        let key = ring.search(&description(credential)).ok()?;
        let bytes = key.read_to_vec().ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (exp, bearer) = text.split_once('\n')?;
        Some(Cached {
            bearer: bearer.to_string(),
            expires_at: exp.parse().ok()?,
        })
    }

    pub fn put(credential: &str, bearer: &str, expires_at: i64, ttl_secs: u64) {
        if ttl_secs == 0 || !super::enabled() {
            remove(credential);
            return;
        }
        let Some(ring) = user_keyring() else { return };
        let payload = format!("{expires_at}\n{bearer}");
        if let Ok(key) = ring.add_key(&description(credential), payload.as_bytes()) {
            let perms = KeyPermissionsBuilder::builder()
                .posessor(Permission::ALL)
                .user(
                    Permission::VIEW
                        | Permission::READ
                        | Permission::WRITE
                        | Permission::SEARCH
                        | Permission::SETATTR,
                )
                .build();
            let _ = key.set_perms(perms);
            let _ = key.set_timeout(ttl_secs.min(usize::MAX as u64) as usize);
        }
    }

    pub fn remove(credential: &str) {
        if let Some(ring) = user_keyring()
            && let Ok(key) = ring.search(&description(credential))
        {
            let _ = key.invalidate();
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::Cached;
    pub fn get(_: &str) -> Option<Cached> {
        None
    }
    pub fn put(_: &str, _: &str, _: i64, _: u64) {}
    pub fn remove(_: &str) {}
}

pub use imp::{get, put, remove};

//! The local index: what netinvite has learned about a profile's invitations (id →
//! network, stored status, deadline, address) and networks (id → name), so that a known
//! id costs one narrow request instead of a full listing, and so that shell completion
//! can offer ids and network names without any request.
//!
//! It is a cache and nothing more: it never holds a token or a link, a missing or
//! unreadable index is an empty one, and whatever the server answers wins over it (an
//! entry the server contradicts is corrected or forgotten). It lives in the OS cache
//! directory (`NETINVITE_CACHE_DIR` overrides it), one file per profile, tied to the
//! profile's server: an index written for another server is ignored.
//!
//! Opening is cheap: the file is read and parsed on a thread of its own, so that a
//! 10,000-entry index loads while the request is on its way; the first read waits for it.
//!
//! Parallel runs: [`Index::save`] takes an advisory lock, re-reads the file, applies only
//! this process's changes on top and writes the result atomically, so concurrent
//! processes merge rather than overwrite each other.
//!
//! Format (tab-separated text, one record a line, fast to read at 10,000 rows):
//!
//! ```text
//! # netinvite index 1 <server>
//! i <id> <network id> <stored status> <expires_at unix seconds or -> <email>
//! n <id> <name>
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crate::api::models::{Invitation, Network};
use crate::fsutil;

const MAGIC: &str = "# netinvite index 1 ";
/// How long a save waits for another process's save before giving up (it is a cache).
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// What the index knows of one invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub network_id: i64,
    /// The stored status as the server last reported it.
    pub status: String,
    /// The deadline, in Unix seconds, when known.
    pub expires_at: Option<i64>,
    pub email: String,
}

impl Entry {
    fn from_invitation(inv: &Invitation) -> Self {
        Self {
            network_id: inv.network_id,
            status: inv.status.clone(),
            expires_at: inv.expires_at.map(|t| t.timestamp()),
            email: inv.email.clone(),
        }
    }
}

/// When [`Index`] reads its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// On a thread of its own, from the moment it is opened (for commands that look ids
    /// up: the file is ready by the time the request is).
    Background,
    /// Only when first needed: for a command that may never need it, or that would
    /// rather not compete with a server on the same machine.
    OnDemand,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Put(Entry),
    Forget,
}

/// `&mut` to what the index knows, borrowing only that field (so that `changes` can be
/// written alongside).
macro_rules! known_mut {
    ($index:expr) => {{
        $index.known();
        $index.known.get_mut().expect("loaded just above")
    }};
}

/// One profile's index. Reads are from memory; [`Index::save`] writes what changed.
#[derive(Debug, Default)]
pub struct Index {
    path: Option<PathBuf>,
    server: String,
    /// The file being read and parsed in the background, until the first access.
    loading: Mutex<Option<JoinHandle<Parsed>>>,
    known: OnceLock<Parsed>,
    changes: HashMap<i64, Change>,
    network_changes: BTreeMap<i64, String>,
}

impl Index {
    /// The index of `profile` on `server`, from the default cache directory. Never fails:
    /// without a cache directory or a readable file it is empty (and saving is a no-op
    /// without a directory).
    pub fn open(profile: &str, server: &str, load: Load) -> Self {
        match cache_dir() {
            Some(dir) => Self::open_with(&dir, profile, server, load),
            None => Self {
                server: server.to_string(),
                ..Self::default()
            },
        }
    }

    /// The index of `profile` on `server` in `dir`, loading in the background.
    pub fn open_in(dir: &Path, profile: &str, server: &str) -> Self {
        Self::open_with(dir, profile, server, Load::Background)
    }

    fn open_with(dir: &Path, profile: &str, server: &str, how: Load) -> Self {
        let path = dir
            .join("index")
            .join(format!("{}.tsv", file_name(profile)));
        let (file, srv) = (path.clone(), server.to_string());
        let load = move || match std::fs::read_to_string(&file) {
            Ok(text) => parse(&text, &srv),
            Err(_) => Parsed::default(),
        };
        let mut index = Self {
            path: Some(path),
            server: server.to_string(),
            ..Self::default()
        };
        if how == Load::OnDemand {
            return index;
        }
        match std::thread::Builder::new()
            .name("index".into())
            .spawn(load.clone())
        {
            Ok(handle) => index.loading = Mutex::new(Some(handle)),
            // No thread to be had: read it here.
            Err(_) => index.known = OnceLock::from(load()),
        }
        index
    }

    /// The file as it is now, parsed (for an index opened on demand).
    fn read_file(&self) -> Parsed {
        self.path
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| parse(&text, &self.server))
            .unwrap_or_default()
    }

    /// What the file held, waiting for the background read if it is still going.
    fn known(&self) -> &Parsed {
        self.known.get_or_init(|| {
            let handle = self.loading.lock().ok().and_then(|mut h| h.take());
            // A load that panicked is an empty index, like an unreadable file.
            match handle {
                Some(h) => h.join().unwrap_or_default(),
                None => self.read_file(),
            }
        })
    }

    /// What is known of invitation `id`.
    pub fn get(&self, id: i64) -> Option<&Entry> {
        self.known().0.get(&id)
    }

    /// Every known invitation, in no particular order.
    pub fn invitations(&self) -> impl Iterator<Item = (i64, &Entry)> {
        self.known().0.iter().map(|(id, e)| (*id, e))
    }

    /// Known networks, by id.
    pub fn networks(&self) -> impl Iterator<Item = (i64, &str)> {
        self.known().1.iter().map(|(id, n)| (*id, n.as_str()))
    }

    /// The name of network `id`, when known.
    pub fn network_name(&self, id: i64) -> Option<&str> {
        self.known().1.get(&id).map(String::as_str)
    }

    /// Records what the server just said of these invitations.
    pub fn learn<'a>(&mut self, invitations: impl IntoIterator<Item = &'a Invitation>) {
        let (known, networks) = known_mut!(self);
        for inv in invitations {
            if !clean(&inv.email) {
                continue;
            }
            let e = Entry::from_invitation(inv);
            if known.get(&inv.id) != Some(&e) {
                known.insert(inv.id, e.clone());
                self.changes.insert(inv.id, Change::Put(e));
            }
            if clean(&inv.network_name) && networks.get(&inv.network_id) != Some(&inv.network_name)
            {
                networks.insert(inv.network_id, inv.network_name.clone());
                self.network_changes
                    .insert(inv.network_id, inv.network_name.clone());
            }
        }
    }

    /// Records what the server said of invitation `id` (for rows decoded without a
    /// full [`Invitation`]).
    pub fn put(&mut self, id: i64, entry: Entry) {
        if !clean(&entry.email) || self.known().0.get(&id) == Some(&entry) {
            return;
        }
        known_mut!(self).0.insert(id, entry.clone());
        self.changes.insert(id, Change::Put(entry));
    }

    /// Records what a listing asked for at `asked` said ([`Listing`]). A `complete`
    /// listing (no filter) is everything the profile can see: when it says exactly what
    /// the file holds, that is found by one comparison with the file, without parsing it
    /// or writing it; when it does not, the listing is merged in and invitations it
    /// lacks are forgotten. If the file was written since `asked`, a parallel run may
    /// have created an invitation after the listing was taken, so then only ids up to
    /// the listing's highest are forgotten.
    pub fn learn_listing(&mut self, mut listing: Listing, complete: bool, asked: SystemTime) {
        listing.order();
        if complete && !self.is_dirty() && self.known.get().is_none() && self.confirms(&listing) {
            return;
        }
        let lines = listing.lines.iter().filter_map(|&(_, from, to)| {
            std::str::from_utf8(&listing.text[from as usize..to as usize - 1]).ok()
        });
        let (listed, _) = parse_lines(lines, HashMap::with_capacity(listing.lines.len()));
        if complete {
            let written_since = self
                .path
                .as_deref()
                .and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
                .is_none_or(|m| m >= asked);
            let highest = match written_since {
                true => listing.lines.last().map_or(i64::MIN, |l| l.0),
                false => i64::MAX,
            };
            let gone: Vec<i64> = self
                .known()
                .0
                .keys()
                .filter(|id| **id <= highest && !listed.contains_key(id))
                .copied()
                .collect();
            for id in gone {
                self.forget(id);
            }
        }
        for (id, entry) in listed {
            self.put(id, entry);
        }
        for (id, name) in &listing.networks {
            self.put_network(*id, name);
        }
        let _ = self.save();
    }

    /// Whether the file holds exactly the invitations of `listing` (ordered) and every
    /// network it names, under this server.
    fn confirms(&self, listing: &Listing) -> bool {
        let Some(text) = self.path.as_deref().and_then(|p| std::fs::read(p).ok()) else {
            return false;
        };
        let mut rest = text.as_slice();
        let mut line = || -> Option<&[u8]> {
            let end = rest.iter().position(|b| *b == b'\n')?;
            let (l, r) = rest.split_at(end + 1);
            rest = r;
            Some(l)
        };
        let header = format!("{MAGIC}{}\n", self.server);
        if line() != Some(header.as_bytes()) {
            return false;
        }
        let mut networks = BTreeMap::new();
        let mut invitations = rest;
        while let Some(l) = invitations.strip_prefix(b"n\t") {
            let Some(end) = l.iter().position(|b| *b == b'\n') else {
                return false;
            };
            let mut f = l[..end].splitn(2, |b| *b == b'\t');
            let (Some(id), Some(name)) = (f.next(), f.next()) else {
                return false;
            };
            networks.insert(id, name);
            invitations = &l[end + 1..];
        }
        let mut digits = itoa_buf();
        let named = listing
            .networks
            .iter()
            .all(|(id, name)| networks.get(itoa(&mut digits, *id)) == Some(&name.as_bytes()));
        if !named {
            return false;
        }
        let mut at = 0;
        for &(_, from, to) in &listing.lines {
            let l = &listing.text[from as usize..to as usize];
            if invitations.get(at..at + l.len()) != Some(l) {
                return false;
            }
            at += l.len();
        }
        at == invitations.len()
    }

    /// Records a network name the server reported.
    pub fn put_network(&mut self, id: i64, name: &str) {
        let networks = &mut known_mut!(self).1;
        if clean(name) && networks.get(&id).map(String::as_str) != Some(name) {
            networks.insert(id, name.to_string());
            self.network_changes.insert(id, name.to_string());
        }
    }

    /// Records a status change the server confirmed (a revoke, say).
    pub fn set_status(&mut self, id: i64, status: &str) {
        if let Some(e) = known_mut!(self).0.get_mut(&id)
            && e.status != status
        {
            e.status = status.to_string();
            self.changes.insert(id, Change::Put(e.clone()));
        }
    }

    /// Records the networks the server just listed.
    pub fn learn_networks(&mut self, networks: &[Network]) {
        let known = &mut known_mut!(self).1;
        for n in networks {
            if clean(&n.name) && known.get(&n.id) != Some(&n.name) {
                known.insert(n.id, n.name.clone());
                self.network_changes.insert(n.id, n.name.clone());
            }
        }
    }

    /// Forgets an invitation the server says does not exist (or is not visible).
    pub fn forget(&mut self, id: i64) {
        if known_mut!(self).0.remove(&id).is_some() {
            self.changes.insert(id, Change::Forget);
        }
    }

    /// Whether anything was learned since the index was opened or last saved.
    pub fn is_dirty(&self) -> bool {
        !self.changes.is_empty() || !self.network_changes.is_empty()
    }

    /// Writes what changed, merged into the file as it is now (another process may have
    /// written since this one read it). Errors are returned for `-v`; callers treat them
    /// as harmless, since the index is only a cache.
    pub fn save(&mut self) -> std::io::Result<()> {
        if !self.is_dirty() {
            return Ok(());
        }
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let _lock = lock(&path)?;
        let (mut inv, mut nets) = match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text, &self.server),
            Err(_) => Default::default(),
        };
        for (id, change) in self.changes.drain() {
            match change {
                Change::Put(e) => {
                    inv.insert(id, e);
                }
                Change::Forget => {
                    inv.remove(&id);
                }
            }
        }
        nets.append(&mut self.network_changes);
        let text = render(&self.server, &inv, &nets);
        fsutil::write_atomic(&path, text.as_bytes())?;
        self.known = OnceLock::from((inv, nets));
        Ok(())
    }
}

/// What a listing says of each invitation, gathered row by row as index lines (the
/// file's own format) for [`Index::learn_listing`].
#[derive(Debug, Default)]
pub struct Listing {
    text: Vec<u8>,
    /// Each row's id and its line in `text`.
    lines: Vec<(i64, u32, u32)>,
    /// Every network named, by id (a listing names few).
    networks: BTreeMap<i64, String>,
}

impl Listing {
    /// Room for about `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            text: Vec::with_capacity(rows * 56),
            lines: Vec::with_capacity(rows),
            networks: BTreeMap::new(),
        }
    }

    /// One listed row. An address or status that would break a line is not indexed.
    pub fn row(
        &mut self,
        id: i64,
        network_id: i64,
        network_name: &str,
        status: &str,
        expires_at: Option<i64>,
        email: &str,
    ) {
        if clean(network_name)
            && self.networks.get(&network_id).map(String::as_str) != Some(network_name)
        {
            self.networks.insert(network_id, network_name.to_string());
        }
        if !clean(email) || !clean(status) {
            return;
        }
        let from = self.text.len();
        let mut digits = itoa_buf();
        let t = &mut self.text;
        t.extend_from_slice(b"i\t");
        t.extend_from_slice(itoa(&mut digits, id));
        t.push(b'\t');
        t.extend_from_slice(itoa(&mut digits, network_id));
        t.push(b'\t');
        t.extend_from_slice(status.as_bytes());
        t.push(b'\t');
        match expires_at {
            Some(e) => t.extend_from_slice(itoa(&mut digits, e)),
            None => t.push(b'-'),
        }
        t.push(b'\t');
        t.extend_from_slice(email.as_bytes());
        t.push(b'\n');
        self.lines.push((id, from as u32, self.text.len() as u32));
    }

    /// Lines by id, as the file keeps them (a listing comes newest first, so usually
    /// reversing is all it takes); a repeated id keeps its first row.
    fn order(&mut self) {
        if self.lines.is_sorted_by(|a, b| a.0 > b.0) {
            self.lines.reverse();
        } else if !self.lines.is_sorted_by(|a, b| a.0 < b.0) {
            self.lines.sort_by_key(|l| l.0);
            self.lines.dedup_by_key(|l| l.0);
        }
    }
}

/// Room for the digits of any `i64`.
fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// `n` in decimal, written into `buf`.
fn itoa(buf: &mut [u8; 20], n: i64) -> &[u8] {
    let mut v = n.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// `NETINVITE_CACHE_DIR`, else the OS cache directory for netinvite.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("NETINVITE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "netinvite").map(|p| p.cache_dir().to_path_buf())
}

/// Tabs and line breaks would break a record; such values are not indexed.
fn clean(s: &str) -> bool {
    !s.is_empty() && !s.contains(['\t', '\n', '\r'])
}

fn file_name(profile: &str) -> String {
    profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn lock(path: &Path) -> std::io::Result<File> {
    let lock_path = path.with_extension("lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "another netinvite process holds the index lock",
                ));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
}

type Parsed = (HashMap<i64, Entry>, BTreeMap<i64, String>);

/// Reads an index file; a file for another server, or lines that do not parse, are
/// skipped (never an error: the server's answer is the truth anyway).
fn parse(text: &str, server: &str) -> Parsed {
    let mut lines = text.lines();
    match lines.next().and_then(|l| l.strip_prefix(MAGIC)) {
        Some(s) if s == server => parse_lines(lines, HashMap::new()),
        _ => Parsed::default(),
    }
}

/// The records of `lines` (no header), added to `inv`.
fn parse_lines<'t>(lines: impl Iterator<Item = &'t str>, mut inv: HashMap<i64, Entry>) -> Parsed {
    let mut nets = BTreeMap::new();
    for line in lines {
        let mut f = line.split('\t');
        match f.next() {
            Some("i") => {
                let (Some(id), Some(net), Some(status), Some(exp), Some(email), None) = (
                    f.next().and_then(|s| s.parse::<i64>().ok()),
                    f.next().and_then(|s| s.parse::<i64>().ok()),
                    f.next(),
                    f.next(),
                    f.next(),
                    f.next(),
                ) else {
                    continue;
                };
                if status.is_empty() || email.is_empty() {
                    continue;
                }
                let expires_at = match exp {
                    "-" => None,
                    s => match s.parse::<i64>() {
                        Ok(t) => Some(t),
                        Err(_) => continue,
                    },
                };
                inv.insert(
                    id,
                    Entry {
                        network_id: net,
                        status: status.to_string(),
                        expires_at,
                        email: email.to_string(),
                    },
                );
            }
            Some("n") => {
                if let (Some(id), Some(name), None) = (
                    f.next().and_then(|s| s.parse::<i64>().ok()),
                    f.next(),
                    f.next(),
                ) && !name.is_empty()
                {
                    nets.insert(id, name.to_string());
                }
            }
            _ => {}
        }
    }
    (inv, nets)
}

fn render(server: &str, inv: &HashMap<i64, Entry>, nets: &BTreeMap<i64, String>) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(64 + inv.len() * 64);
    let _ = writeln!(out, "{MAGIC}{server}");
    for (id, name) in nets {
        let _ = writeln!(out, "n\t{id}\t{name}");
    }
    let mut ids: Vec<&i64> = inv.keys().collect();
    ids.sort_unstable();
    for id in ids {
        let e = &inv[id];
        let exp = e
            .expires_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "i\t{id}\t{}\t{}\t{exp}\t{}",
            e.network_id, e.status, e.email
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(id: i64, net: i64, status: &str, email: &str) -> Invitation {
        let v = serde_json::json!({
            "id": id, "email": email, "network_id": net, "network_name": format!("net{net}"),
            "invited_by_user_id": 1, "invited_by_email": null, "token": "t".repeat(43),
            "role": "member", "can_manage_nodes": false, "can_invite_users": false,
            "can_manage_firewall": false, "status": status,
            "expires_at": "2026-12-25T01:54:59.366856", "accepted_at": null,
            "created_at": "2026-11-25T01:54:59.367200", "email_status": "not_sent",
            "email_sent_at": null, "email_error": null
        });
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn round_trip_and_merge_between_processes() {
        let dir = tempfile::tempdir().unwrap();
        let server = "http://127.0.0.1:1";
        let mut a = Index::open_in(dir.path(), "default", server);
        let mut b = Index::open_in(dir.path(), "default", server);
        a.learn(&[inv(1, 10, "pending", "a@x.org")]);
        b.learn(&[inv(2, 11, "accepted", "b@x.org")]);
        a.save().unwrap();
        b.save().unwrap();
        let c = Index::open_in(dir.path(), "default", server);
        assert_eq!(c.get(1).unwrap().network_id, 10);
        assert_eq!(c.get(2).unwrap().status, "accepted");
        assert_eq!(c.network_name(11), Some("net11"));
        assert!(c.get(1).unwrap().expires_at.is_some());
        // No token, no link in the file.
        let text = std::fs::read_to_string(dir.path().join("index/default.tsv")).unwrap();
        assert!(!text.contains(&"t".repeat(43)));
    }

    #[test]
    fn another_server_and_garbage_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Index::open_in(dir.path(), "p", "http://one");
        a.learn(&[inv(1, 10, "pending", "a@x.org")]);
        a.save().unwrap();
        assert!(
            Index::open_in(dir.path(), "p", "http://two")
                .get(1)
                .is_none()
        );
        let path = dir.path().join("index/p.tsv");
        std::fs::write(
            &path,
            "# netinvite index 1 http://one\ni\tx\t1\npending\n\u{0}\ni\t5\t6\tpending\t-\tz@x.org\n",
        )
        .unwrap();
        let b = Index::open_in(dir.path(), "p", "http://one");
        assert_eq!(b.invitations().count(), 1);
        assert_eq!(b.get(5).unwrap().expires_at, None);
    }

    #[test]
    fn forget_and_status_changes_are_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Index::open_in(dir.path(), "p", "s");
        a.learn(&[
            inv(1, 10, "pending", "a@x.org"),
            inv(2, 10, "pending", "b@x.org"),
        ]);
        a.save().unwrap();
        assert!(!a.is_dirty());
        a.forget(1);
        a.set_status(2, "revoked");
        a.save().unwrap();
        let b = Index::open_in(dir.path(), "p", "s");
        assert!(b.get(1).is_none());
        assert_eq!(b.get(2).unwrap().status, "revoked");
    }
}

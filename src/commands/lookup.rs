//! Finding invitations by id in the fewest, narrowest list requests.
//!
//! The server has no single-invitation endpoint, and its list costs about 1.4 ms per
//! *returned* row (api.md 8): on a server with 1,000 invitations a full listing takes
//! well over a second, a `status_filter=pending` slice of 50 rows a few tens of
//! milliseconds. So every id gets a ladder of slices, narrowest first, and only a miss
//! climbs it:
//!
//! 1. an id the local index knows: its indexed `(network, stored status)` slice;
//!    an unknown id: the `pending` slice (of `--network`, when given), since that is
//!    what `revoke`, `resend` and `copy-link` act on and what is small on a real server;
//! 2. a known id the slice did not hold (a stale entry: it was accepted or revoked
//!    since): its whole network;
//! 3. the whole listing (of `--network`, when given).
//!
//! Several ids share each round's requests: one request per distinct slice, and a slice
//! that another one of the round (or an earlier one) covers is not asked for again, so
//! `revoke 4 5 6` costs one request when they are in the same slice. Only the server's
//! answer counts: the index merely picks the first slice; every answer updates it, and
//! an id that the full listing lacks is reported "not found" and forgotten.
//!
//! `--network` is a statement by the user: the search stays inside that network (an
//! index entry naming another network is not trusted for it).

use std::collections::HashMap;

use crate::api::ListQuery;
use crate::api::models::{Invitation, status};
use crate::context::Session;
use crate::error::CliError;
use crate::index::Index;

/// One list request: `network_id` and `status_filter`, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    pub network_id: Option<i64>,
    pub status: Option<&'static str>,
}

impl Slice {
    /// Whether every row of `other` is also in this slice.
    pub fn covers(&self, other: &Slice) -> bool {
        (self.network_id.is_none() || self.network_id == other.network_id)
            && (self.status.is_none() || self.status == other.status)
    }

    fn query(&self) -> ListQuery {
        ListQuery {
            network_id: self.network_id,
            status_filter: self.status,
        }
    }
}

/// The slices to try for `id`, narrowest first; the last one is the widest the search
/// may go (`--network`, else everything).
pub fn ladder(index: &Index, id: i64, network: Option<i64>) -> Vec<Slice> {
    let mut steps = Vec::with_capacity(3);
    match index.get(id) {
        Some(e) if network.is_none_or(|n| n == e.network_id) => {
            // A stored status this build does not know cannot be filtered on.
            let stored = status::ALL.iter().copied().find(|s| *s == e.status);
            steps.push(Slice {
                network_id: Some(e.network_id),
                status: stored,
            });
            steps.push(Slice {
                network_id: Some(e.network_id),
                status: None,
            });
        }
        _ => steps.push(Slice {
            network_id: network,
            status: Some(status::PENDING),
        }),
    }
    steps.push(Slice {
        network_id: network,
        status: None,
    });
    steps.dedup();
    steps
}

/// The requests for one round: each wanted slice once, without those another wanted
/// slice covers.
pub fn plan(wanted: &[Slice]) -> Vec<Slice> {
    let mut out: Vec<Slice> = Vec::new();
    for s in wanted {
        if out.iter().any(|o| o.covers(s)) {
            continue;
        }
        out.retain(|o| !s.covers(o));
        out.push(*s);
    }
    out
}

/// Finds every id (in the order given) in the fewest, narrowest list requests; see the
/// module docs. Fails with "not found" for the first id the widest slice does not hold.
pub async fn find(
    session: &mut Session,
    ids: &[i64],
    network: Option<i64>,
) -> Result<Vec<Invitation>, CliError> {
    let mut outcome = search(session, ids, network).await?;
    // A caller without a user record on the server sees empty lists, not an error.
    // Only when every answer was empty is that worth a `GET /api/networks` (which
    // creates the record) and a second search; an empty narrow slice alone is normal.
    if !outcome.not_found.is_empty() && !outcome.saw_rows {
        session.ensure_user_record().await?;
        outcome = search(session, ids, network).await?;
    }
    if !outcome.not_found.is_empty() {
        for id in &outcome.not_found {
            session.index.forget(*id);
        }
        let _ = session.index.save();
        let first = ids
            .iter()
            .find(|id| outcome.not_found.contains(id))
            .copied()
            .unwrap_or(outcome.not_found[0]);
        return Err(CliError::InvitationNotFound { id: first });
    }
    Ok(ids
        .iter()
        .filter_map(|id| outcome.found.remove(id))
        .collect())
}

struct Outcome {
    found: HashMap<i64, Invitation>,
    not_found: Vec<i64>,
    /// Whether any answer held a row at all.
    saw_rows: bool,
}

async fn search(
    session: &mut Session,
    ids: &[i64],
    network: Option<i64>,
) -> Result<Outcome, CliError> {
    struct Missing {
        id: i64,
        steps: Vec<Slice>,
        at: usize,
    }
    let mut missing: Vec<Missing> = ids
        .iter()
        .map(|&id| Missing {
            id,
            steps: ladder(&session.index, id, network),
            at: 0,
        })
        .collect();
    let mut asked: Vec<Slice> = Vec::new();
    let mut out = Outcome {
        found: HashMap::with_capacity(ids.len()),
        not_found: Vec::new(),
        saw_rows: false,
    };
    while !missing.is_empty() {
        // Skip the steps an answer already covered: the id is not in them.
        for m in &mut missing {
            while m.at < m.steps.len() && asked.iter().any(|a| a.covers(&m.steps[m.at])) {
                m.at += 1;
            }
        }
        missing.retain(|m| {
            let exhausted = m.at >= m.steps.len();
            if exhausted {
                out.not_found.push(m.id);
            }
            !exhausted
        });
        let wanted: Vec<Slice> = missing.iter().map(|m| m.steps[m.at]).collect();
        for slice in plan(&wanted) {
            let q = slice.query();
            let rows = session
                .call(|c| {
                    let q = q.clone();
                    async move { c.invitations(&q).await }
                })
                .await?;
            session.remember(&rows);
            asked.push(slice);
            out.saw_rows |= !rows.is_empty();
            for inv in rows {
                if missing.iter().any(|m| m.id == inv.id) {
                    out.found.insert(inv.id, inv);
                }
            }
        }
        missing.retain(|m| !out.found.contains_key(&m.id));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(network_id: Option<i64>, status: Option<&'static str>) -> Slice {
        Slice { network_id, status }
    }

    #[test]
    fn covering() {
        assert!(s(None, None).covers(&s(Some(1), Some("pending"))));
        assert!(s(Some(1), None).covers(&s(Some(1), Some("revoked"))));
        assert!(!s(Some(1), None).covers(&s(Some(2), Some("revoked"))));
        assert!(!s(Some(1), Some("pending")).covers(&s(Some(1), None)));
        assert!(s(None, Some("pending")).covers(&s(Some(3), Some("pending"))));
    }

    #[test]
    fn plans_drop_duplicates_and_covered_slices() {
        let p = plan(&[
            s(Some(1), Some("pending")),
            s(Some(1), Some("pending")),
            s(None, Some("pending")),
            s(Some(2), Some("accepted")),
        ]);
        assert_eq!(
            p,
            vec![s(None, Some("pending")), s(Some(2), Some("accepted"))]
        );
        assert_eq!(
            plan(&[s(Some(1), None), s(Some(1), Some("revoked"))]).len(),
            1
        );
    }

    #[test]
    fn ladders() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open_in(dir.path(), "p", "s");
        index.put(
            7,
            crate::index::Entry {
                network_id: 2,
                status: "accepted".into(),
                expires_at: None,
                email: "a@x.org".into(),
            },
        );
        assert_eq!(
            ladder(&index, 7, None),
            vec![
                s(Some(2), Some("accepted")),
                s(Some(2), None),
                s(None, None)
            ]
        );
        // --network names another network: the entry is not trusted for it.
        assert_eq!(
            ladder(&index, 7, Some(5)),
            vec![s(Some(5), Some("pending")), s(Some(5), None)]
        );
        assert_eq!(
            ladder(&index, 7, Some(2)),
            vec![s(Some(2), Some("accepted")), s(Some(2), None)]
        );
        assert_eq!(
            ladder(&index, 8, None),
            vec![s(None, Some("pending")), s(None, None)]
        );
    }
}

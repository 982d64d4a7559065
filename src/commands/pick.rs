//! The picker: `show`, `copy-link`, `resend`, `revoke` and `wait` without an id, on a
//! terminal, offer the pending invitations to choose from with a fuzzy filter (like `gh`
//! does for a missing number).
//!
//! One narrow listing (`status_filter=pending`, plus the network of `--network`): past
//! their deadline they are left out, since none of these commands can do anything useful
//! with them. The chosen invitation comes from a fresh answer, so the command goes on
//! with it directly instead of looking it up again. Off a terminal, or with `--no-input`,
//! nothing gets here: `lib.rs` reports the missing id as the usage error it always was.

use crate::api::ListQuery;
use crate::api::models::{Invitation, status};
use crate::context::{Context, Session};
use crate::error::CliError;
use crate::output::printable;
use crate::output::time::relative;

/// Lets the user pick one pending invitation (of `network_id` when given; `network` is
/// how the user named it, for the message when there is none). Esc is [`CliError::Cancelled`].
pub async fn pick(
    ctx: &Context,
    session: &mut Session,
    network_id: Option<i64>,
    network: Option<&str>,
) -> Result<Invitation, CliError> {
    let q = ListQuery {
        network_id,
        status_filter: Some(status::PENDING),
    };
    let rows = session
        .call(|c| {
            let q = q.clone();
            async move { c.invitations(&q).await }
        })
        .await?;
    session.remember(&rows);
    let now = chrono::Utc::now();
    let mut open: Vec<Invitation> = rows
        .into_iter()
        .filter(|i| i.status == status::PENDING && !i.is_past_deadline(now))
        .collect();
    if open.is_empty() {
        return Err(CliError::NothingToPick {
            network: network.map(str::to_string),
        });
    }
    let items = labels(&open, now);
    match ctx.io.fuzzy_select(
        "Pick an invitation (type to filter, Enter to choose, Esc to cancel)",
        &items,
    )? {
        Some(i) if i < open.len() => Ok(open.swap_remove(i)),
        _ => Err(CliError::Cancelled),
    }
}

/// `#ID  email  network  age`, in aligned columns; server text made printable (an
/// address could hold escape sequences).
fn labels(list: &[Invitation], now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<[String; 4]> = list
        .iter()
        .map(|i| {
            [
                format!("#{}", i.id),
                printable(&i.email).into_owned(),
                printable(&i.network_name).into_owned(),
                relative(i.created_at, now),
            ]
        })
        .collect();
    let mut widths = [0usize; 3];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.width());
        }
    }
    rows.into_iter()
        .map(|r| {
            let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w - s.width()));
            format!(
                "{}  {}  {}  {}",
                pad(&r[0], widths[0]),
                pad(&r[1], widths[1]),
                pad(&r[2], widths[2]),
                r[3]
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_aligned_and_printable() {
        let now = chrono::Utc::now();
        let inv = |id: i64, email: &str, net: &str| {
            serde_json::from_value::<Invitation>(serde_json::json!({
                "id": id, "network_id": 1, "network_name": net, "email": email,
                "token": "t", "role": "member", "status": "pending",
                "invited_by_user_id": 1,
                "created_at": (now - chrono::Duration::hours(3)).naive_utc().to_string(),
            }))
            .unwrap()
        };
        let l = labels(
            &[
                inv(7, "ana@example.com", "lab"),
                inv(12, "b\u{1b}[2J@x.org", "office"),
            ],
            now,
        );
        assert_eq!(l[0], "#7   ana@example.com  lab     3 hours ago");
        assert!(!l[1].contains('\u{1b}'), "{:?}", l[1]);
        assert!(l[1].starts_with("#12  b"), "{:?}", l[1]);
    }
}

//! Results of bulk commands (`create --from-file`, `revoke --status`): one JSON object per
//! item (NDJSON) for scripts, a table on a terminal, tab-separated rows when piped, and a
//! one-line count for stderr. Field names are documented in docs/json.md.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::json::InvitationJson;
use super::{link, new_table, tsv_field};
use crate::api::models::Invitation;
use crate::style::{Screen, Style};

/// What became of one item.
#[derive(Debug, Clone)]
pub struct ItemResult {
    /// The input line (bulk create); `None` for items that are not file rows.
    pub line: Option<usize>,
    /// `created`, `skipped`, `failed`, `invalid`, `not_sent`, `would_create`, `revoked`,
    /// `would_revoke`.
    pub status: &'static str,
    /// Why it was skipped or failed (or a note on success).
    pub reason: Option<String>,
    /// The error code of a failure (as in JSON errors).
    pub code: Option<&'static str>,
    pub email: Option<String>,
    pub network_id: Option<i64>,
    pub network_name: Option<String>,
    /// The invitation concerned: the one created, the one already pending, the one revoked.
    pub invitation: Option<Invitation>,
}

impl ItemResult {
    pub fn new(status: &'static str) -> Self {
        Self {
            line: None,
            status,
            reason: None,
            code: None,
            email: None,
            network_id: None,
            network_name: None,
            invitation: None,
        }
    }

    /// Counts as done: the exit status is 0 only when every item is.
    pub fn is_ok(&self) -> bool {
        matches!(
            self.status,
            "created" | "skipped" | "would_create" | "revoked" | "would_revoke"
        )
    }
}

#[derive(Serialize)]
struct ItemJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    status: &'a str,
    reason: Option<&'a str>,
    code: Option<&'a str>,
    email: Option<&'a str>,
    network_id: Option<i64>,
    network_name: Option<&'a str>,
    id: Option<i64>,
    link: Option<String>,
    invitation: Option<InvitationJson<'a>>,
}

/// One JSON line per item.
pub fn ndjson(items: &[ItemResult], public_base: &str, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for it in items {
        let inv = it.invitation.as_ref();
        let v = ItemJson {
            line: it.line,
            status: it.status,
            reason: it.reason.as_deref(),
            code: it.code,
            email: it.email.as_deref(),
            network_id: it.network_id,
            network_name: it.network_name.as_deref(),
            id: inv.map(|i| i.id),
            link: inv.map(|i| link(public_base, &i.token)),
            invitation: inv.map(|i| InvitationJson::new(i, public_base, now)),
        };
        out.push_str(&super::json::to_line(&v));
    }
    out
}

fn style(status: &str) -> Option<Style> {
    match status {
        "created" | "revoked" => Some(Style::Green),
        "skipped" | "would_create" | "would_revoke" => Some(Style::Cyan),
        "failed" | "invalid" => Some(Style::Red),
        "not_sent" => Some(Style::Yellow),
        _ => None,
    }
}

/// A table for people (terminal) or tab-separated rows (`line status email network id
/// link reason`) for pipes.
pub fn table(io: &dyn Screen, items: &[ItemResult], public_base: &str, with_line: bool) -> String {
    let detail = |it: &ItemResult| -> String {
        let mut parts = Vec::new();
        if let Some(i) = &it.invitation {
            parts.push(format!("#{}", i.id));
            if matches!(it.status, "created") {
                parts.push(link(public_base, &i.token));
            }
        }
        if let Some(r) = &it.reason {
            parts.push(r.clone());
        }
        parts.join("  ")
    };
    if !io.stdout_tty() {
        let mut out = String::new();
        for it in items {
            let fields = [
                it.line.map(|l| l.to_string()).unwrap_or_default(),
                it.status.to_string(),
                it.email.clone().unwrap_or_default(),
                it.network_name.clone().unwrap_or_default(),
                it.invitation
                    .as_ref()
                    .map(|i| i.id.to_string())
                    .unwrap_or_default(),
                it.invitation
                    .as_ref()
                    .map(|i| link(public_base, &i.token))
                    .unwrap_or_default(),
                it.reason.clone().unwrap_or_default(),
            ];
            let skip = usize::from(!with_line);
            out.push_str(
                &fields[skip..]
                    .iter()
                    .map(|f| tsv_field(f))
                    .collect::<Vec<_>>()
                    .join("\t"),
            );
            out.push('\n');
        }
        return out;
    }
    let mut headers = vec!["RESULT", "EMAIL", "NETWORK", "DETAIL"];
    if with_line {
        headers.insert(0, "LINE");
    }
    let mut t = new_table(io, &headers);
    for it in items {
        let status = match style(it.status) {
            Some(s) => io.paint_out(s, it.status),
            None => it.status.to_string(),
        };
        let mut row = vec![
            status,
            it.email.clone().unwrap_or_else(|| "-".into()),
            it.network_name.clone().unwrap_or_else(|| "-".into()),
            detail(it),
        ];
        if with_line {
            row.insert(0, it.line.map(|l| l.to_string()).unwrap_or_default());
        }
        t.add_row(row);
    }
    format!("{t}\n")
}

/// `200 rows: 150 created, 48 skipped, 2 failed`.
pub fn summary(noun: &str, items: &[ItemResult]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for it in items {
        *counts.entry(it.status).or_default() += 1;
    }
    let order = [
        "created",
        "would_create",
        "revoked",
        "would_revoke",
        "skipped",
        "failed",
        "invalid",
        "not_sent",
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|s| {
            counts
                .get(s)
                .map(|n| format!("{n} {}", s.replace('_', " ")))
        })
        .collect();
    format!("{} {noun}: {}", items.len(), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_in_a_fixed_order() {
        let mut a = ItemResult::new("failed");
        a.line = Some(3);
        let items = vec![
            ItemResult::new("skipped"),
            a,
            ItemResult::new("created"),
            ItemResult::new("created"),
        ];
        assert_eq!(
            summary("rows", &items),
            "4 rows: 2 created, 1 skipped, 1 failed"
        );
        let line = ndjson(&items[1..2], "http://x", Utc::now());
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["line"], 3);
        assert_eq!(v["status"], "failed");
        assert!(v["invitation"].is_null());
    }
}

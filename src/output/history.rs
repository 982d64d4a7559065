//! Rendering history events (the audit log, resolved): a table for people, TSV/CSV and
//! JSON for scripts. The JSON is the event as the command built it (docs/json.md).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Format, add_row, csv_field, json, new_table, rows_to_text, time, tsv_field};
use crate::style::Screen;

/// One event: its JSON form and the fields the table shows.
pub struct Row<'a> {
    pub json: &'a dyn ErasedSerialize,
    pub at: Option<DateTime<Utc>>,
    pub actor: Option<&'a str>,
    pub what: &'a str,
    pub invitation_id: Option<i64>,
    pub email: Option<&'a str>,
    pub network: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

/// Any serialisable value (the command's event type), without this module knowing it.
pub trait ErasedSerialize {
    fn to_value(&self) -> serde_json::Value;
}

impl<T: Serialize> ErasedSerialize for T {
    fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

fn subject(r: &Row<'_>) -> String {
    match (r.email, r.invitation_id) {
        (Some(e), Some(id)) => format!("{e} (#{id})"),
        (Some(e), None) => e.to_string(),
        (None, Some(id)) => format!("#{id}"),
        (None, None) => "-".into(),
    }
}

pub fn render(io: &dyn Screen, rows: &[Row<'_>], format: Format, now: DateTime<Utc>) -> String {
    match format {
        Format::Json => {
            json::to_pretty(&rows.iter().map(|r| r.json.to_value()).collect::<Vec<_>>())
        }
        Format::Ndjson => rows
            .iter()
            .map(|r| json::to_line(&r.json.to_value()))
            .collect(),
        Format::Table => {
            let mut t = new_table(io, &["WHEN", "WHO", "WHAT", "ABOUT", "NETWORK", "IP"]);
            for r in rows {
                add_row(
                    &mut t,
                    vec![
                        time::relative(r.at, now).into(),
                        r.actor.unwrap_or("-").into(),
                        r.what.into(),
                        subject(r).into(),
                        r.network.unwrap_or("-").into(),
                        r.client_ip.unwrap_or("-").into(),
                    ],
                );
            }
            format!("{t}\n")
        }
        Format::Tsv | Format::Csv => {
            let mut out = Vec::new();
            if format == Format::Csv {
                out.push(
                    [
                        "when",
                        "actor",
                        "what",
                        "invitation_id",
                        "email",
                        "network",
                        "client_ip",
                    ]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                );
            }
            for r in rows {
                out.push(vec![
                    time::rfc3339_or_empty(r.at),
                    r.actor.unwrap_or_default().to_string(),
                    r.what.to_string(),
                    r.invitation_id.map(|i| i.to_string()).unwrap_or_default(),
                    r.email.unwrap_or_default().to_string(),
                    r.network.unwrap_or_default().to_string(),
                    r.client_ip.unwrap_or_default().to_string(),
                ]);
            }
            if format == Format::Csv {
                rows_to_text(&out, ",", csv_field)
            } else {
                rows_to_text(&out, "\t", tsv_field)
            }
        }
    }
}

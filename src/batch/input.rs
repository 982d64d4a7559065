//! Bulk input for `create --from-file`: CSV with a header row, or JSON lines, read into
//! rows of named cells, then checked as a whole (every problem of every row, with its
//! line and column) before anything is sent.
//!
//! Both formats end up as the same cells, so the checks (and their wording) are shared.
//! Command-line flags give the defaults for missing or empty cells.

use crate::api::models::Network;
use crate::batch::csv;
use crate::error::CliError;
use crate::rules::{parse_expiry, parse_role, resolve_network, validate_email};

/// The columns a row may have.
pub const COLUMNS: [&str; 7] = [
    "email",
    "network",
    "role",
    "can_manage_nodes",
    "can_invite_users",
    "can_manage_firewall",
    "expires_in",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated, header row first
    Csv,
    /// One JSON object per line
    Jsonl,
}

impl InputFormat {
    /// By extension, else by the first non-blank character (`{` is JSON lines).
    pub fn detect(path: &std::path::Path, text: &str) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => return Self::Csv,
            Some("jsonl" | "ndjson" | "json") => return Self::Jsonl,
            _ => {}
        }
        let first = text
            .trim_start_matches('\u{feff}')
            .chars()
            .find(|c| !c.is_whitespace());
        if first == Some('{') {
            Self::Jsonl
        } else {
            Self::Csv
        }
    }
}

/// One input row: its line and its non-empty cells by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub line: usize,
    pub cells: Vec<(&'static str, String)>,
}

impl RawRow {
    fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.as_str())
    }
}

/// One problem in the input: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: Option<String>,
    pub reason: String,
}

impl Problem {
    fn new(line: usize, column: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            line,
            column: column.map(str::to_string),
            reason: reason.into(),
        }
    }

    /// `line 4, column role: unknown role "boss"…`
    pub fn text(&self) -> String {
        match &self.column {
            Some(c) => format!("line {}, column {c}: {}", self.line, self.reason),
            None => format!("line {}: {}", self.line, self.reason),
        }
    }
}

/// Reads rows; structural problems (a broken quote, a bad header, a line that is not a
/// JSON object) are reported with the rest, and the rows that could be read are kept.
pub fn read(format: InputFormat, text: &str) -> (Vec<RawRow>, Vec<Problem>) {
    match format {
        InputFormat::Csv => read_csv(text),
        InputFormat::Jsonl => read_jsonl(text),
    }
}

fn column_named(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    COLUMNS.iter().copied().find(|c| *c == n)
}

fn read_csv(text: &str) -> (Vec<RawRow>, Vec<Problem>) {
    let records = match csv::parse(text) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), vec![Problem::new(e.line, None, e.reason)]),
    };
    let mut records = records
        .into_iter()
        .filter(|r| !(r.fields.len() == 1 && r.fields[0].trim().is_empty()));
    let Some(header) = records.next() else {
        return (
            Vec::new(),
            vec![Problem::new(1, None, "the file has no rows")],
        );
    };
    let mut problems = Vec::new();
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for name in &header.fields {
        match column_named(name) {
            Some(c) if columns.contains(&Some(c)) => {
                problems.push(Problem::new(
                    header.line,
                    Some(c),
                    "the header names this column twice",
                ));
                columns.push(None);
            }
            Some(c) => columns.push(Some(c)),
            None => {
                problems.push(Problem::new(
                    header.line,
                    None,
                    if name.contains('@') {
                        "the first line must be a header naming the columns, e.g. `email,network,role`".to_string()
                    } else {
                        format!(
                            "unknown column {:?} in the header; columns are {}",
                            name.trim(),
                            COLUMNS.join(", ")
                        )
                    },
                ));
                columns.push(None);
            }
        }
    }
    if !problems.is_empty() {
        return (Vec::new(), problems);
    }
    if !columns.contains(&Some("email")) {
        return (
            Vec::new(),
            vec![Problem::new(
                header.line,
                None,
                "the header has no `email` column (it is required)",
            )],
        );
    }
    let mut rows = Vec::new();
    for r in records {
        if r.fields.len() > columns.len() {
            problems.push(Problem::new(
                r.line,
                None,
                format!(
                    "{} fields, but the header names {} columns",
                    r.fields.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let cells = columns
            .iter()
            .zip(r.fields)
            .filter_map(|(c, v)| {
                let v = v.trim().to_string();
                (!v.is_empty()).then(|| (c.expect("checked above"), v))
            })
            .collect();
        rows.push(RawRow {
            line: r.line,
            cells,
        });
    }
    (rows, problems)
}

fn read_jsonl(text: &str) -> (Vec<RawRow>, Vec<Problem>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = i + 1;
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let obj = match serde_json::from_str::<serde_json::Value>(l) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => {
                problems.push(Problem::new(line, None, "expected a JSON object"));
                continue;
            }
            Err(e) => {
                problems.push(Problem::new(line, None, format!("not valid JSON: {e}")));
                continue;
            }
        };
        let mut cells = Vec::new();
        let mut bad = false;
        for (k, v) in obj {
            let Some(c) = column_named(&k) else {
                problems.push(Problem::new(
                    line,
                    Some(&k),
                    format!("unknown field; fields are {}", COLUMNS.join(", ")),
                ));
                bad = true;
                continue;
            };
            let text = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => {
                    problems.push(Problem::new(
                        line,
                        Some(c),
                        "expected a string, a number or true/false",
                    ));
                    bad = true;
                    continue;
                }
            };
            let text = text.trim().to_string();
            if !text.is_empty() {
                cells.push((c, text));
            }
        }
        if !bad {
            rows.push(RawRow { line, cells });
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Problem::new(1, None, "the file has no rows"));
    }
    (rows, problems)
}

/// What the command line says for cells a row leaves out.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub network: Option<Network>,
    pub role: &'static str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub expires_in_days: u32,
    pub keep_case: bool,
}

/// A row that passed every check: what to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub line: usize,
    pub email: String,
    pub network_id: i64,
    pub network_name: String,
    pub role: &'static str,
    pub can_manage_nodes: bool,
    pub can_invite_users: bool,
    pub can_manage_firewall: bool,
    pub expires_in_days: u32,
}

/// `true/false`, `yes/no`, `1/0` (any case).
pub fn parse_bool(input: &str) -> Option<bool> {
    match input.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Checks every row against the defaults and the networks; returns the good rows and a
/// problem for every bad cell.
pub fn check(rows: &[RawRow], d: &Defaults, nets: &[Network]) -> (Vec<Planned>, Vec<Problem>) {
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    for row in rows {
        let before = problems.len();
        let line = row.line;
        let email = match row.get("email") {
            None => {
                problems.push(Problem::new(
                    line,
                    Some("email"),
                    "missing (it is required)",
                ));
                None
            }
            Some(e) => match validate_email(e) {
                Ok(a) => Some(if d.keep_case { a } else { a.to_lowercase() }),
                Err(err) => {
                    problems.push(Problem::new(line, Some("email"), reason_of(&err)));
                    None
                }
            },
        };
        let network = match row.get("network") {
            Some(n) => match resolve_network(nets, n) {
                Ok(n) => Some(n.clone()),
                Err(err) => {
                    let mut reason = err.message();
                    if let Some(d) = err.details().first() {
                        reason.push_str(&format!(" ({d})"));
                    }
                    problems.push(Problem::new(line, Some("network"), reason));
                    None
                }
            },
            None => match &d.network {
                Some(n) => Some(n.clone()),
                None => {
                    problems.push(Problem::new(
                        line,
                        Some("network"),
                        "missing, and no --network default was given",
                    ));
                    None
                }
            },
        };
        let role = match row.get("role") {
            None => d.role,
            Some(r) => parse_role(r).unwrap_or_else(|err| {
                problems.push(Problem::new(line, Some("role"), reason_of(&err)));
                d.role
            }),
        };
        let mut flag = |column: &'static str, default: bool| match row.get(column) {
            None => default,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                problems.push(Problem::new(
                    line,
                    Some(column),
                    format!("{v:?} is not a yes/no value: use true/false, yes/no or 1/0"),
                ));
                default
            }),
        };
        let can_manage_nodes = flag("can_manage_nodes", d.can_manage_nodes);
        let can_invite_users = flag("can_invite_users", d.can_invite_users);
        let can_manage_firewall = flag("can_manage_firewall", d.can_manage_firewall);
        let expires_in_days = match row.get("expires_in") {
            None => d.expires_in_days,
            Some(v) => parse_expiry(v).unwrap_or_else(|err| {
                problems.push(Problem::new(line, Some("expires_in"), reason_of(&err)));
                d.expires_in_days
            }),
        };
        if problems.len() > before {
            continue;
        }
        let (Some(email), Some(network)) = (email, network) else {
            continue;
        };
        planned.push(Planned {
            line,
            email,
            network_id: network.id,
            network_name: network.name,
            role,
            can_manage_nodes,
            can_invite_users,
            can_manage_firewall,
            expires_in_days,
        });
    }
    (planned, problems)
}

fn reason_of(e: &CliError) -> String {
    e.message()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(id: i64, name: &str) -> Network {
        Network {
            id,
            name: name.into(),
            subnet_cidr: None,
            ca_cert_path: None,
            created_at: None,
            role: None,
            can_manage_nodes: None,
            can_invite_users: None,
            can_manage_firewall: None,
        }
    }

    fn defaults() -> Defaults {
        Defaults {
            network: None,
            role: "member",
            can_manage_nodes: false,
            can_invite_users: true,
            can_manage_firewall: false,
            expires_in_days: 7,
            keep_case: false,
        }
    }

    #[test]
    fn detects_the_format() {
        use std::path::Path;
        assert_eq!(
            InputFormat::detect(Path::new("t.csv"), "{"),
            InputFormat::Csv
        );
        assert_eq!(
            InputFormat::detect(Path::new("t.jsonl"), "email"),
            InputFormat::Jsonl
        );
        assert_eq!(
            InputFormat::detect(Path::new("-"), "\n  {\"email\":1}"),
            InputFormat::Jsonl
        );
        assert_eq!(
            InputFormat::detect(Path::new("-"), "email\n"),
            InputFormat::Csv
        );
    }

    #[test]
    fn csv_rows_with_defaults_and_problems() {
        let text = "Email,Network,role,can_manage_nodes,expires_in\n\
                    Ana@Example.com,lab,owner,yes,14d\n\
                    bob@example.com,,,,\n\
                    bad-address,nowhere,boss,maybe,0\n";
        let (rows, p) = read(InputFormat::Csv, text);
        assert!(p.is_empty(), "{p:?}");
        let nets = vec![net(1, "lab"), net(2, "office")];
        let mut d = defaults();
        d.network = Some(net(2, "office"));
        let (ok, problems) = check(&rows, &d, &nets);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].email, "ana@example.com");
        assert_eq!(
            (ok[0].network_id, ok[0].role, ok[0].can_manage_nodes),
            (1, "owner", true)
        );
        assert_eq!(ok[0].expires_in_days, 14);
        assert!(
            ok[0].can_invite_users,
            "flag default applies to a missing column"
        );
        assert_eq!(
            (ok[1].line, ok[1].network_id, ok[1].expires_in_days),
            (3, 2, 7)
        );
        let cols: Vec<_> = problems
            .iter()
            .map(|p| (p.line, p.column.clone().unwrap()))
            .collect();
        assert_eq!(
            cols,
            ["email", "network", "role", "can_manage_nodes", "expires_in"]
                .iter()
                .map(|c| (4, c.to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn headers_are_required_and_checked() {
        let (_, p) = read(InputFormat::Csv, "ana@example.com,lab\n");
        assert!(p[0].reason.contains("header"), "{p:?}");
        let (_, p) = read(InputFormat::Csv, "email,emial\n");
        assert!(p[0].reason.contains("unknown column \"emial\""), "{p:?}");
        let (_, p) = read(InputFormat::Csv, "network\nlab\n");
        assert!(p[0].reason.contains("no `email` column"), "{p:?}");
        let (_, p) = read(InputFormat::Csv, "email\na@x.org,extra\n");
        assert_eq!(p[0].line, 2);
    }

    #[test]
    fn json_lines() {
        let text = "{\"email\":\"a@x.org\",\"can_invite_users\":false,\"expires_in\":3}\n\n\
                    [1]\n{\"email\":\"b@x.org\",\"colour\":\"red\"}\n{nope\n";
        let (rows, p) = read(InputFormat::Jsonl, text);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("expires_in"), Some("3"));
        assert_eq!(rows[0].get("can_invite_users"), Some("false"));
        let lines: Vec<_> = p.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
    }
}

//! The rules an invitation's fields obey, shared by single and bulk commands: an address
//! a person would accept as one, a role, an expiry in whole days, and a network given by
//! name or id.
//!
//! Both `commands::create` and `batch::input` check fields here, so the rules sit below
//! both layers and import neither (nor `io` or `output`): a rule returns a [`CliError`]
//! and the caller decides how to report it.

use crate::api::models::Network;
use crate::error::CliError;

/// Resolves a network by exact name, then by a unique case-insensitive name, then by id
/// (an all-digit argument is an id unless a network has that name).
pub fn resolve_network<'a>(nets: &'a [Network], query: &str) -> Result<&'a Network, CliError> {
    let q = query.trim();
    if let Some(n) = nets.iter().find(|n| n.name == q) {
        return Ok(n);
    }
    let ci: Vec<&Network> = nets
        .iter()
        .filter(|n| n.name.eq_ignore_ascii_case(q))
        .collect();
    match ci.len() {
        1 => return Ok(ci[0]),
        n if n > 1 => {
            return Err(CliError::NetworkAmbiguous {
                query: q.to_string(),
                candidates: ci
                    .iter()
                    .map(|n| format!("{} (id {})", n.name, n.id))
                    .collect(),
            });
        }
        _ => {}
    }
    if let Ok(id) = q.parse::<i64>()
        && let Some(n) = nets.iter().find(|n| n.id == id)
    {
        return Ok(n);
    }
    let visible = || {
        nets.iter()
            .map(|n| format!("{} (id {})", n.name, n.id))
            .collect::<Vec<_>>()
    };
    // An id the caller cannot see: the server does not say whether it exists (api.md
    // 7.9), so it is reported as an id, with the networks the caller can see.
    if let Ok(id) = q.parse::<i64>() {
        return Err(CliError::NetworkIdNotVisible {
            id,
            visible: visible(),
        });
    }
    Err(CliError::NetworkNotFound {
        query: q.to_string(),
        candidates: visible(),
    })
}

/// `member` or `owner`; `admin` (the product page's word) gets a pointed error.
pub fn parse_role(input: &str) -> Result<&'static str, CliError> {
    match input.trim().to_ascii_lowercase().as_str() {
        "member" => Ok("member"),
        "owner" => Ok("owner"),
        "admin" | "administrator" => Err(CliError::AdminRole),
        _ => Err(CliError::InvalidRole {
            input: input.to_string(),
        }),
    }
}

/// Whole days from 1 to 365: `7`, `7d`, `7days`, `2w`.
pub fn parse_expiry(input: &str) -> Result<u32, CliError> {
    let s = input.trim().to_ascii_lowercase();
    let bad = |reason: &str| CliError::InvalidExpiry {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(digits_end);
    if num.is_empty() {
        return Err(bad("expected a whole number of days"));
    }
    let n: u64 = num.parse().map_err(|_| bad("the number is too large"))?;
    let days = match unit.trim() {
        "" | "d" | "day" | "days" => n,
        "w" | "week" | "weeks" => n.saturating_mul(7),
        "h" | "m" | "s" | "min" | "hours" => {
            return Err(bad("invitations expire in whole days"));
        }
        _ if unit.starts_with('.') || unit.starts_with(',') => {
            return Err(bad("invitations expire in whole days"));
        }
        _ => return Err(bad("expected days, e.g. 7 or 7d")),
    };
    if days == 0 {
        return Err(bad(
            "must be at least 1 day (0 would create an invitation that is already expired)",
        ));
    }
    if days > 365 {
        return Err(bad("must be at most 365 days"));
    }
    Ok(days as u32)
}

/// Checks an address the way a person would expect: one `@`, a local part, a domain with
/// a dot, no spaces. Returns the trimmed address.
pub fn validate_email(input: &str) -> Result<String, CliError> {
    let s = input.trim();
    let bad = |reason: &str| CliError::InvalidEmail {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces"));
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(bad("it has no @"));
    };
    if local.is_empty() {
        return Err(bad("nothing before the @"));
    }
    if local.contains('@') {
        return Err(bad("it has more than one @"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad("the part before the @ has a misplaced dot"));
    }
    if local.chars().any(|c| "<>()[]\\,;:\"".contains(c)) {
        return Err(bad(
            "the part before the @ has characters addresses cannot have",
        ));
    }
    if domain.is_empty() {
        return Err(bad("nothing after the @"));
    }
    if !domain.contains('.') {
        return Err(bad("the domain has no dot"));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(bad("the domain has an empty part"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a domain part starts or ends with '-'"));
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(bad("the domain has characters domains cannot have"));
        }
    }
    Ok(s.to_string())
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

    #[test]
    fn networks_by_name_then_case_then_id() {
        let nets = vec![net(1, "lab"), net(2, "Office"), net(3, "7"), net(4, "LAB")];
        assert_eq!(resolve_network(&nets, "lab").unwrap().id, 1);
        assert_eq!(resolve_network(&nets, "office").unwrap().id, 2);
        assert_eq!(resolve_network(&nets, "7").unwrap().id, 3);
        assert_eq!(resolve_network(&nets, "2").unwrap().id, 2);
        assert!(matches!(
            resolve_network(&nets, "Lab"),
            Err(CliError::NetworkAmbiguous { .. })
        ));
        assert!(matches!(
            resolve_network(&nets, "nope"),
            Err(CliError::NetworkNotFound { .. })
        ));
        assert!(matches!(
            resolve_network(&nets, "99"),
            Err(CliError::NetworkIdNotVisible { id: 99, .. })
        ));
    }

    #[test]
    fn roles() {
        assert_eq!(parse_role("member").unwrap(), "member");
        assert_eq!(parse_role("Owner").unwrap(), "owner");
        assert!(matches!(parse_role("admin"), Err(CliError::AdminRole)));
        assert!(matches!(
            parse_role("boss"),
            Err(CliError::InvalidRole { .. })
        ));
    }

    #[test]
    fn expiry() {
        assert_eq!(parse_expiry("7d").unwrap(), 7);
        assert_eq!(parse_expiry("7").unwrap(), 7);
        assert_eq!(parse_expiry("2w").unwrap(), 14);
        assert_eq!(parse_expiry("365d").unwrap(), 365);
        for bad in [
            "0",
            "0d",
            "366",
            "1.5d",
            "12h",
            "",
            "d",
            "-3",
            "abc",
            "99999999999999999999",
        ] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            validate_email(" ana@example.com ").unwrap(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@@b.com",
            "ana@exa_mple.com",
            "a..b@x.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }
}

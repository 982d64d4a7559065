//! Email validation and normalisation as the backend's `EmailStr` field does it.
//!
//! The real server validates `email` with pydantic's `validate_email`, which
//! strips a `Display Name <addr>` wrapper with its own regex and then calls the
//! `email-validator` package (syntax only, no DNS). What the CLI can observe:
//!
//! * the stored address: surrounding whitespace removed, display name dropped,
//!   domain lower-cased, local part kept as typed (except RFC 2142 role
//!   mailboxes such as `Postmaster`, which are lower-cased);
//! * the 422 `value_error` text, `value is not a valid email address: <reason>`.
//!
//! This is a port of pydantic 2.14 / email-validator 2.4 for everything an
//! ASCII address can hit; messages were checked against those packages.
//! Internationalised domains go through the `idna` crate (UTS-46), which is close
//! to, but not byte-for-byte the same as, Python's `idna` package; local parts
//! are not NFC-normalised (already-composed input, the norm, is unaffected).

/// Validates `value` and returns the normalised address, or the `reason`
/// pydantic puts in the error's `ctx`.
pub fn normalize(value: &str) -> Result<String, String> {
    if value.chars().count() > 2048 {
        return Err("Length must not exceed 2048 characters".into());
    }
    if value.contains('\r') || value.contains('\n') {
        return Err("Carriage return and line feed characters are not allowed".into());
    }
    let inner = pretty_inner(value).unwrap_or(value);
    validate(py_strip(inner))
}

/// Python's `str.isspace` (Unicode White_Space plus the ASCII separators
/// U+001C..U+001F, which Python also counts).
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// The `name_chars` class of pydantic's pretty-email regex: `[\w.!#$%&'*+\-/=?^_`{|}~]`.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || "_.!#$%&'*+-/=?^`{|}~".contains(c)
}

/// `pretty_email_regex.fullmatch(value)` → the `<(.+)>` group, if it matches.
///
/// The regex is `\s*(?:UNQUOTED|"QUOTED")?\s*<(.+)>\s*`; as the trailing
/// `\s*` must reach the end, the closing `>` is the last non-space character,
/// and only the position of the opening `<` depends on the optional name.
fn pretty_inner(value: &str) -> Option<&str> {
    let trimmed = value.trim_end_matches(py_isspace);
    if !trimmed.ends_with('>') {
        return None;
    }
    let gt = trimmed.len() - 1;
    let start = value.len() - value.trim_start_matches(py_isspace).len();
    let rest = &value[start..];
    let lt = if rest.starts_with('<') {
        start
    } else if rest.starts_with('"') {
        // Greedy quoted name: the last quote that is followed by `\s*<`.
        let quotes: Vec<usize> = value[..gt]
            .char_indices()
            .filter(|&(i, c)| c == '"' && i >= start + 2)
            .map(|(i, _)| i)
            .collect();
        quotes.into_iter().rev().find_map(|q| {
            let after = &value[q + 1..gt];
            let skipped = after.len() - after.trim_start_matches(py_isspace).len();
            let pos = q + 1 + skipped;
            (value[pos..].starts_with('<') && pos + 1 < gt).then_some(pos)
        })?
    } else {
        // Unquoted name: words of name characters separated by whitespace.
        let stop = rest
            .char_indices()
            .find(|&(_, c)| !(is_name_char(c) || py_isspace(c)))
            .map(|(i, _)| start + i)?;
        if !value[stop..].starts_with('<') || !rest.starts_with(is_name_char) {
            return None;
        }
        stop
    };
    let inner = &value[lt + 1..gt];
    (!inner.is_empty() && !inner.contains('\n')).then_some(inner)
}

const ATEXT_SPECIALS: &str = "_!#$%&'*+-/=?^`{|}~";

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(c)
}

fn is_atext_intl(c: char) -> bool {
    is_atext(c) || (c as u32) >= 0x80
}

/// `DOT_ATOM_TEXT`-style match: atoms of `ok` characters separated by single dots.
fn is_dot_atom(s: &str, ok: fn(char) -> bool) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(ok))
}

const CASE_INSENSITIVE_MAILBOX_NAMES: &[&str] = &[
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
];

const SPECIAL_USE_DOMAIN_NAMES: &[&str] =
    &["arpa", "invalid", "local", "localhost", "onion", "test"];

/// `email_validator.validate_email(email, check_deliverability=False)`.
fn validate(email: &str) -> Result<String, String> {
    let parts = split_email(email)?;
    // The length checks look at the address without any display name.
    let original = format!("{}@{}", parts.local_raw, parts.domain);
    let mut local = validate_local_part(&parts.local, parts.quoted)?;
    if parts.quoted {
        return Err("Quoting the part before the @-sign is not allowed here.".into());
    }
    if CASE_INSENSITIVE_MAILBOX_NAMES.contains(&local.to_ascii_lowercase().as_str())
        && local.is_ascii()
    {
        local = local.to_ascii_lowercase();
    }
    let domain = &parts.domain;
    if domain.is_empty() {
        return Err("There must be something after the @-sign.".into());
    }
    let (ascii_domain, display_domain) = if domain.starts_with('[') && domain.ends_with(']') {
        validate_domain_literal(&domain[1..domain.len() - 1])?;
        return Err("A bracketed IP address after the @-sign is not allowed here.".into());
    } else {
        validate_domain_name(domain)?
    };
    let normalized = format!("{local}@{display_domain}");
    let ascii_form = format!("{local}@{ascii_domain}");
    check_length(&original, None)?;
    check_length(&normalized, Some("after normalization"))?;
    check_length(
        &ascii_form,
        Some("when the part after the @-sign is converted to IDNA ASCII"),
    )?;
    if parts.has_display_name {
        return Err(
            "A display name and angle brackets around the email address are not permitted here."
                .into(),
        );
    }
    Ok(normalized)
}

struct Split {
    has_display_name: bool,
    local_raw: String,
    local: String,
    quoted: bool,
    domain: String,
}

/// Splits at the first unquoted special character; `None` when there is none.
fn split_at_unquoted(text: &str, specials: &[char]) -> Option<(String, String)> {
    let mut inside_quote = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if inside_quote {
            if c == '\\' && !escaped {
                escaped = true;
            } else if c == '"' && !escaped {
                inside_quote = false;
                escaped = false;
            } else {
                escaped = false;
            }
        } else if c == '"' {
            inside_quote = true;
        } else if specials.contains(&c) {
            return Some((text[..i].to_string(), text[i..].to_string()));
        }
    }
    None
}

fn missing_at(text: &str) -> String {
    if text.contains('\u{ff20}') {
        "The email address has the \"full-width\" at-sign (@) character instead of a regular at-sign.".into()
    } else if text.contains('\u{fe6b}') {
        "The email address has the \"small commercial at\" character instead of a regular at-sign."
            .into()
    } else {
        "An email address must have an @-sign.".into()
    }
}

/// Removes surrounding quotes and backslash escapes; reports whether it was quoted.
fn unquote(text: &str) -> Result<(String, bool), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut quoted = false;
    let mut escaped = false;
    let mut value = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if quoted {
            if escaped {
                value.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                if i != chars.len() - 1 {
                    let extra: Vec<String> =
                        chars[i + 1..].iter().map(|&c| display_char(c)).collect();
                    return Err(format!(
                        "Extra character(s) found after close quote: {}",
                        extra.join(", ")
                    ));
                }
                break;
            } else {
                value.push(c);
            }
        } else if i == 0 && c == '"' {
            quoted = true;
        } else {
            value.push(c);
        }
    }
    Ok((value, quoted))
}

fn split_email(email: &str) -> Result<Split, String> {
    let (left, right) = split_at_unquoted(email, &['@', '<']).ok_or_else(|| missing_at(email))?;
    let (has_display_name, local_raw, mut domain) = if right.starts_with('<') {
        let left = left.trim_end_matches(py_isspace);
        let (display, display_quoted) = unquote(left)?;
        if !display_quoted {
            let bad = bad_chars(&display, |c| (is_atext(c) || c == ' ') && c != '.');
            if !bad.is_empty() {
                return Err(format!(
                    "The display name contains invalid characters when not quoted: {bad}."
                ));
            }
        }
        check_unsafe_chars(&display, true)?;
        if !right.contains('>') {
            return Err("An open angle bracket at the start of the email address has to be followed by a close angle bracket at the end.".into());
        }
        let right = right.trim_end_matches(' ');
        if !right.ends_with('>') {
            return Err("There can't be anything after the email address.".into());
        }
        let addr_spec = &right[1..right.len() - 1];
        let (l, d) = split_at_unquoted(addr_spec, &['@']).ok_or_else(|| missing_at(addr_spec))?;
        (true, l, d)
    } else {
        (false, left, right)
    };
    if let Some(stripped) = domain.strip_prefix('@') {
        domain = stripped.to_string();
    }
    let (local, quoted) = unquote(&local_raw)?;
    Ok(Split {
        has_display_name,
        local_raw,
        local,
        quoted,
        domain,
    })
}

fn validate_local_part(local: &str, quoted: bool) -> Result<String, String> {
    if local.is_empty() {
        return Err("There must be something before the @-sign.".into());
    }
    if is_dot_atom(local, is_atext) {
        return Ok(local.to_string());
    }
    let valid_as = if is_dot_atom(local, is_atext_intl) {
        Some(false)
    } else if quoted {
        let bad = bad_chars(local, |c| (c as u32) >= 0x20 && c != '\u{7f}');
        if !bad.is_empty() {
            return Err(format!(
                "The email address contains invalid characters in quotes before the @-sign: {bad}."
            ));
        }
        Some(true)
    } else {
        None
    };
    if let Some(is_quoted) = valid_as {
        check_unsafe_chars(local, is_quoted)?;
        if is_quoted {
            let mut q = String::from("\"");
            for c in local.chars() {
                if c == '"' || c == '\\' {
                    q.push('\\');
                }
                q.push(c);
            }
            q.push('"');
            return Ok(q);
        }
        return Ok(local.to_string());
    }
    let bad = bad_chars(local, |c| is_atext_intl(c) || c == '.');
    if !bad.is_empty() {
        return Err(format!(
            "The email address contains invalid characters before the @-sign: {bad}."
        ));
    }
    check_dot_atom(
        local,
        "An email address cannot start with a {}.",
        "An email address cannot have a {} immediately before the @-sign.",
        false,
    )?;
    Err("The email address contains invalid characters before the @-sign.".into())
}

fn check_dot_atom(label: &str, start: &str, end: &str, hostname: bool) -> Result<(), String> {
    if label.ends_with('.') {
        return Err(end.replace("{}", "period"));
    }
    if label.starts_with('.') {
        return Err(start.replace("{}", "period"));
    }
    if label.contains("..") {
        return Err("An email address cannot have two periods in a row.".into());
    }
    if hostname {
        if label.ends_with('-') {
            return Err(end.replace("{}", "hyphen"));
        }
        if label.starts_with('-') {
            return Err(start.replace("{}", "hyphen"));
        }
        if label.contains(".-") || label.contains("-.") {
            return Err(
                "An email address cannot have a period and a hyphen next to each other.".into(),
            );
        }
    }
    Ok(())
}

fn is_hostname_char_intl(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || (c as u32) >= 0x80
}

/// `DOT_ATOM_TEXT_HOSTNAME`: LDH labels that neither start nor end with `-`.
fn is_ascii_hostname(s: &str) -> bool {
    s.split('.').all(|l| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    })
}

fn length_reason(len: usize, limit: usize) -> String {
    let diff = len - limit;
    format!(
        "({diff} character{} too many)",
        if diff > 1 { "s" } else { "" }
    )
}

/// Returns `(ascii_domain, display_domain)`.
fn validate_domain_name(domain: &str) -> Result<(String, String), String> {
    let len = domain.chars().count();
    if len > 253 {
        return Err(format!(
            "The email address is too long after the @-sign {}.",
            length_reason(len, 253)
        ));
    }
    let bad = bad_chars(domain, is_hostname_char_intl);
    if !bad.is_empty() {
        return Err(format!(
            "The part after the @-sign contains invalid characters: {bad}."
        ));
    }
    check_unsafe_chars(domain, false)?;
    // UTS-46 mapping: for ASCII that is just lower-casing.
    let mapped = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        let (unicode, result) = idna::domain_to_unicode(domain);
        if result.is_err() {
            return Err(
                "The part after the @-sign contains invalid characters (Codepoint not allowed)."
                    .into(),
            );
        }
        unicode
    };
    check_dot_atom(
        &mapped,
        "An email address cannot have a {} immediately after the @-sign.",
        "An email address cannot end with a {}.",
        true,
    )?;
    for label in mapped.split('.') {
        let chars: Vec<char> = label.chars().collect();
        if chars.len() >= 4
            && chars[2] == '-'
            && chars[3] == '-'
            && !(chars[0].eq_ignore_ascii_case(&'x') && chars[1].eq_ignore_ascii_case(&'n'))
        {
            return Err("An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.".into());
        }
    }
    let ascii = if is_ascii_hostname(&mapped) {
        mapped.clone()
    } else {
        if let Some(msg) = idna2008_violation(&mapped) {
            return Err(format!("The part after the @-sign is invalid ({msg})."));
        }
        let ascii = idna::domain_to_ascii(&mapped).map_err(|_| {
            "The part after the @-sign is invalid (Codepoint not allowed).".to_string()
        })?;
        if !is_ascii_hostname(&ascii) {
            return Err("The email address contains invalid characters after the @-sign after IDNA encoding.".into());
        }
        ascii
    };
    if ascii.len() > 253 {
        return Err(format!(
            "The email address is too long after the @-sign {}.",
            length_reason(ascii.len(), 253)
        ));
    }
    for label in ascii.split('.') {
        if label.len() > 63 {
            return Err(format!(
                "After the @-sign, periods cannot be separated by so many characters {}.",
                length_reason(label.len(), 63)
            ));
        }
    }
    if !ascii.contains('.') {
        return Err("The part after the @-sign is not valid. It should have a period.".into());
    }
    if !ascii.ends_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(
            "The part after the @-sign is not valid. It is not within a valid top-level domain."
                .into(),
        );
    }
    for d in SPECIAL_USE_DOMAIN_NAMES {
        if ascii == *d || ascii.ends_with(&format!(".{d}")) {
            return Err("The part after the @-sign is a special-use or reserved name that cannot be used with email.".into());
        }
    }
    if !ascii.contains("xn--") {
        return Ok((ascii.clone(), ascii));
    }
    let (unicode, result) = idna::domain_to_unicode(&ascii);
    if result.is_err() {
        return Err("The part after the @-sign is not valid IDNA (Invalid A-label).".into());
    }
    if let Some(msg) = idna2008_violation(&unicode) {
        return Err(format!(
            "The part after the @-sign is not valid IDNA ({msg})."
        ));
    }
    Ok((ascii, unicode))
}

/// Python's `idna` package applies IDNA 2008, which (unlike the UTS-46 mode
/// of the `idna` crate) refuses symbols such as emoji. Approximation: letters,
/// digits, combining marks and `-` are allowed; the message is idna's.
fn idna2008_violation(domain: &str) -> Option<String> {
    for label in domain.split('.') {
        for (i, c) in label.chars().enumerate() {
            if !(c.is_alphanumeric() || c == '-' || category(c) == Category::Mark) {
                return Some(format!(
                    "Codepoint U+{:04X} at position {} of '{label}' not allowed",
                    c as u32,
                    i + 1
                ));
            }
        }
    }
    None
}

fn validate_domain_literal(literal: &str) -> Result<(), String> {
    if !literal.is_empty() && literal.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return literal.parse::<std::net::Ipv4Addr>().map(|_| ()).map_err(|_| {
            "The address in brackets after the @-sign is not valid: It is not an IPv4 address or is missing an address literal tag.".to_string()
        });
    }
    if literal.len() >= 5 && literal[..5].eq_ignore_ascii_case("ipv6:") {
        return literal[5..]
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| {
                "The IPv6 address in brackets after the @-sign is not valid.".to_string()
            });
    }
    if !literal.contains(':') {
        return Err("The part after the @-sign in brackets is not an IPv4 address and has no address literal tag.".into());
    }
    let bad = bad_chars(literal, |c| ('\u{21}'..='\u{fa}').contains(&c));
    if !bad.is_empty() {
        return Err(format!(
            "The part after the @-sign contains invalid characters in brackets: {bad}."
        ));
    }
    Err("The part after the @-sign contains an invalid address literal tag in brackets.".into())
}

fn check_length(addr: &str, reason: Option<&str>) -> Result<(), String> {
    let chars = addr.chars().count();
    let bytes = addr.len();
    if bytes <= 254 {
        return Ok(());
    }
    let diff = bytes - 254;
    let s = if diff > 1 { "s" } else { "" };
    let reason = match reason {
        None if chars == bytes => length_reason(bytes, 254),
        None => {
            let mbpc = addr.chars().map(char::len_utf8).max().unwrap_or(1);
            let mchars = (diff / mbpc).max(1);
            if mchars == diff {
                format!("({diff} character{s} too many)")
            } else {
                format!("({mchars}-{diff} character{s} too many)")
            }
        }
        Some(r) => format!("{r} ({diff} byte{s} too many)"),
    };
    Err(format!("The email address is too long {reason}."))
}

/// Approximates the Unicode general categories email-validator cares about.
#[derive(PartialEq)]
enum Category {
    /// Letters, numbers, punctuation, symbols: always fine.
    Lnps,
    /// A combining mark (bad only in first position).
    Mark,
    /// Space separator (`Zs`).
    Space,
    /// Line/paragraph separators (`Zl`, `Zp`).
    LineSep,
    /// Control, format, private-use (`C*`).
    Other,
}

fn category(c: char) -> Category {
    let n = c as u32;
    if c == '\u{2028}' || c == '\u{2029}' {
        return Category::LineSep;
    }
    if c.is_control() {
        return Category::Other;
    }
    if c.is_whitespace() {
        return Category::Space;
    }
    let format_or_private = matches!(n,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..=0x10FFFF);
    if format_or_private {
        return Category::Other;
    }
    let mark = matches!(n,
        0x300..=0x36F | 0x483..=0x489 | 0x591..=0x5BD | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x20D0..=0x20FF | 0xFE20..=0xFE2F);
    if mark {
        return Category::Mark;
    }
    Category::Lnps
}

/// `safe_character_display`: `'x'` for printable characters, a name or
/// `U+XXXX` for the rest.
fn display_char(c: char) -> String {
    if c == '\\' {
        return "\"\\\"".into();
    }
    if category(c) == Category::Lnps {
        return if c == '\'' {
            "\"'\"".into()
        } else {
            format!("'{c}'")
        };
    }
    let name = match c {
        ' ' => "SPACE",
        '\u{a0}' => "NO-BREAK SPACE",
        '\u{200b}' => "ZERO WIDTH SPACE",
        '\u{200c}' => "ZERO WIDTH NON-JOINER",
        '\u{200d}' => "ZERO WIDTH JOINER",
        '\u{200e}' => "LEFT-TO-RIGHT MARK",
        '\u{200f}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{feff}' => "ZERO WIDTH NO-BREAK SPACE",
        _ => "",
    };
    if !name.is_empty() {
        return name.into();
    }
    if (c as u32) < 0xFFFF {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:08X}", c as u32)
    }
}

/// The sorted, de-duplicated `", "`-joined display of characters failing `ok`.
fn bad_chars(s: &str, ok: impl Fn(char) -> bool) -> String {
    let mut shown: Vec<String> = s.chars().filter(|&c| !ok(c)).map(display_char).collect();
    shown.sort();
    shown.dedup();
    shown.join(", ")
}

fn check_unsafe_chars(s: &str, allow_space: bool) -> Result<(), String> {
    let mut bad: Vec<char> = Vec::new();
    for (i, c) in s.chars().enumerate() {
        let unsafe_char = match category(c) {
            Category::Lnps => false,
            Category::Mark => i == 0,
            Category::Space => !allow_space,
            Category::LineSep | Category::Other => true,
        };
        if unsafe_char {
            bad.push(c);
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    bad.sort_unstable();
    bad.dedup();
    let shown: Vec<String> = bad.into_iter().map(display_char).collect();
    Err(format!(
        "The email address contains unsafe characters: {}.",
        shown.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expectation below was produced by pydantic 2.14 + email-validator 2.4
    // (`TypeAdapter(EmailStr).validate_python(...)`).
    #[test]
    fn normalisation_matches_pydantic() {
        let ok: &[(&str, &str)] = &[
            ("  spaced@example.com ", "spaced@example.com"),
            (
                "Alice Smith <alice.smith@example.com>",
                "alice.smith@example.com",
            ),
            ("Alice@Example.com", "Alice@example.com"),
            ("Postmaster@Example.com", "postmaster@example.com"),
            ("info@EXAMPLE.com", "info@example.com"),
            ("Alice.Smith <a@example.com>", "a@example.com"),
            ("<a@example.com>", "a@example.com"),
            ("\"Bob, Jr\" <bob@example.com>", "bob@example.com"),
            ("A B <x@y.com> ", "x@y.com"),
            ("a'b@example.com", "a'b@example.com"),
            ("a@1.com", "a@1.com"),
            ("ü@example.com", "ü@example.com"),
            ("a@Bücher.DE", "a@bücher.de"),
            ("a@xn--bcher-kva.de", "a@bücher.de"),
            ("a@ＥＸＡＭＰＬＥ.com", "a@example.com"),
            ("a@exämple.com", "a@exämple.com"),
        ];
        for (input, want) in ok {
            assert_eq!(normalize(input).as_deref(), Ok(*want), "input {input:?}");
        }
    }

    #[test]
    fn rejection_reasons_match_email_validator() {
        let bad: &[(&str, &str)] = &[
            ("not-an-email", "An email address must have an @-sign."),
            (
                "a@localhost",
                "The part after the @-sign is not valid. It should have a period.",
            ),
            ("@example.com", "There must be something before the @-sign."),
            ("alice@", "There must be something after the @-sign."),
            (
                "alice@@example.com",
                "The part after the @-sign contains invalid characters: '@'.",
            ),
            (
                "john doe@example.com",
                "The email address contains invalid characters before the @-sign: SPACE.",
            ),
            (
                "a..b@example.com",
                "An email address cannot have two periods in a row.",
            ),
            (
                ".a@example.com",
                "An email address cannot start with a period.",
            ),
            (
                "a.@example.com",
                "An email address cannot have a period immediately before the @-sign.",
            ),
            (
                "a@.example.com",
                "An email address cannot have a period immediately after the @-sign.",
            ),
            (
                "a@example.com.",
                "An email address cannot end with a period.",
            ),
            (
                "a@-example.com",
                "An email address cannot have a hyphen immediately after the @-sign.",
            ),
            (
                "a@example-.com",
                "An email address cannot have a period and a hyphen next to each other.",
            ),
            (
                "a@ex_ample.com",
                "The part after the @-sign contains invalid characters: '_'.",
            ),
            (
                "a@example.123",
                "The part after the @-sign is not valid. It is not within a valid top-level domain.",
            ),
            (
                "a@foo.test",
                "The part after the @-sign is a special-use or reserved name that cannot be used with email.",
            ),
            (
                "\"quoted\"@example.com",
                "Quoting the part before the @-sign is not allowed here.",
            ),
            (
                "a@[127.0.0.1]",
                "A bracketed IP address after the @-sign is not allowed here.",
            ),
            (
                "a<b@example.com",
                "An open angle bracket at the start of the email address has to be followed by a close angle bracket at the end.",
            ),
            (
                "a@example.com>",
                "The part after the @-sign contains invalid characters: '>'.",
            ),
            (
                "a@ab--cd.com",
                "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.",
            ),
            (
                "a\t@example.com",
                "The email address contains invalid characters before the @-sign: U+0009.",
            ),
            (
                "a(b)@example.com",
                "The email address contains invalid characters before the @-sign: '(', ')'.",
            ),
            (
                "a\\b@example.com",
                "The email address contains invalid characters before the @-sign: \"\\\".",
            ),
            ("a\"b@example.com", "An email address must have an @-sign."),
            ("<>", "An email address must have an @-sign."),
            (
                "a@example.com\n",
                "Carriage return and line feed characters are not allowed",
            ),
            (
                "a\u{7f}@example.com",
                "The email address contains invalid characters before the @-sign: U+007F.",
            ),
            (
                "a\u{200b}@example.com",
                "The email address contains unsafe characters: ZERO WIDTH SPACE.",
            ),
            (
                "a@b.com <c@d.com>",
                "The part after the @-sign contains invalid characters: '<', '>', '@', SPACE.",
            ),
            (
                "a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.com",
                "After the @-sign, periods cannot be separated by so many characters (1 character too many).",
            ),
            (
                "a@xn--zz.com",
                "The part after the @-sign is not valid IDNA (Invalid A-label).",
            ),
            (
                "a@xn--ls8h.la",
                "The part after the @-sign is not valid IDNA (Codepoint U+1F4A9 at position 1 of '\u{1F4A9}' not allowed).",
            ),
            (
                "a@\u{2603}.net",
                "The part after the @-sign is invalid (Codepoint U+2603 at position 1 of '\u{2603}' not allowed).",
            ),
        ];
        for (input, want) in bad {
            assert_eq!(normalize(input), Err(want.to_string()), "input {input:?}");
        }
    }

    #[test]
    fn overall_length_limit() {
        let label = "a".repeat(60);
        let email = format!("{}@{label}.{label}.{label}.{label}.com", "x".repeat(60));
        assert_eq!(
            normalize(&email),
            Err("The email address is too long (54 characters too many).".into())
        );
        assert_eq!(
            normalize(&"a".repeat(2049)),
            Err("Length must not exceed 2048 characters".into())
        );
    }
}

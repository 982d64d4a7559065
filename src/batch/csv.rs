//! A small RFC 4180 reader for bulk input: quoted fields (with embedded commas, quotes and
//! line breaks), CRLF or LF line ends, a leading byte-order mark, blank lines skipped.
//!
//! Written here rather than pulled in because bulk input needs the physical line where
//! each record starts (for error reports) and nothing else of a CSV library. It never
//! panics, whatever the input: every malformed construct is an error with its line.

/// One record and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// What is structurally wrong with the text, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub reason: String,
}

/// Parses the whole text. Empty lines between records are skipped (they are not records).
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    loop {
        match chars.peek() {
            None => break,
            Some('\n') => {
                chars.next();
                line += 1;
                continue;
            }
            Some('\r') => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                continue;
            }
            Some(_) => {}
        }
        let start = line;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                let opened = line;
                loop {
                    match chars.next() {
                        None => {
                            return Err(CsvError {
                                line: opened,
                                reason: "a quoted field is never closed (a \" is missing)".into(),
                            });
                        }
                        Some('"') => {
                            if chars.peek() == Some(&'"') {
                                chars.next();
                                field.push('"');
                            } else {
                                break;
                            }
                        }
                        Some('\n') => {
                            line += 1;
                            field.push('\n');
                        }
                        Some('\r') => {
                            // CRLF inside quotes counts once, at the LF.
                            if chars.peek() != Some(&'\n') {
                                line += 1;
                            }
                            field.push('\r');
                        }
                        Some(c) => field.push(c),
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(c) => {
                        return Err(CsvError {
                            line,
                            reason: format!(
                                "unexpected {c:?} after a closing quote (a field is either wholly quoted or not at all)"
                            ),
                        });
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    match c {
                        ',' | '\n' | '\r' => break,
                        '"' => {
                            return Err(CsvError {
                                line,
                                reason: "a quote inside an unquoted field: quote the whole field and double the quote (\"say \"\"hi\"\"\")".into(),
                            });
                        }
                        _ => {
                            field.push(c);
                            chars.next();
                        }
                    }
                }
            }
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                // End of input (nothing else can follow a field).
                _ => break,
            }
        }
        records.push(Record {
            line: start,
            fields,
        });
    }
    Ok(records)
}

/// Writes one record, quoting only where needed (used by tests and round-trip checks).
pub fn write_record(fields: &[String]) -> String {
    let needs = |f: &str| f.contains([',', '"', '\n', '\r']) || (fields.len() == 1 && f.is_empty());
    fields
        .iter()
        .map(|f| {
            if needs(f) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(line: usize, f: &[&str]) -> Record {
        Record {
            line,
            fields: f.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn quoted_fields_bom_crlf_blank_lines() {
        let text = "\u{feff}email,role\r\n\r\n\"a,b@x.org\",member\r\n\"multi\nline\",\"say \"\"hi\"\"\"\n,\n";
        let r = parse(text).unwrap();
        assert_eq!(
            r,
            vec![
                rec(1, &["email", "role"]),
                rec(3, &["a,b@x.org", "member"]),
                rec(4, &["multi\nline", "say \"hi\""]),
                rec(6, &["", ""]),
            ]
        );
    }

    #[test]
    fn malformed_is_an_error_with_its_line() {
        assert_eq!(parse("a\n\"open\nstill").unwrap_err().line, 2);
        assert_eq!(parse("a\nb\"c").unwrap_err().line, 2);
        assert_eq!(parse("\"x\"y").unwrap_err().line, 1);
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z@.]{0,8}",
            "[ -~]{0,10}",
            "[a,\"\r\n ]{0,6}",
            any::<String>(),
        ]
    }

    fn rows() -> impl Strategy<Value = Vec<Vec<String>>> {
        prop::collection::vec(prop::collection::vec(field(), 1..5), 0..8)
    }

    proptest! {
        #[test]
        fn rows_round_trip(rows in rows(), crlf in any::<bool>(), bom in any::<bool>()) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            if bom { text.push('\u{feff}'); }
            let mut expected_lines = Vec::new();
            let mut line = 1;
            for r in &rows {
                expected_lines.push(line);
                let w = write_record(r);
                // Line breaks inside quoted fields move the next record down.
                line += w.matches('\n').count() + w.matches('\r').count()
                    - w.matches("\r\n").count() + 1;
                text.push_str(&w);
                text.push_str(eol);
            }
            if !bom { prop_assume!(!text.starts_with('\u{feff}')); }
            // A record of one empty field is written as "" and must survive.
            let parsed = parse(&text).unwrap();
            prop_assert_eq!(parsed.len(), rows.len());
            for ((p, r), l) in parsed.iter().zip(&rows).zip(&expected_lines) {
                prop_assert_eq!(&p.fields, r);
                prop_assert_eq!(p.line, *l);
            }
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_csvish_text(text in "[a,\"\r\n\u{feff} ]{0,40}") {
            if let Ok(records) = parse(&text) {
                for r in records { prop_assert!(r.line >= 1); prop_assert!(!r.fields.is_empty()); }
            }
        }
    }
}

//! The CSV reader for bulk input, on the `csv` crate: quoted fields (with embedded
//! separators, quotes and line breaks), CRLF, LF or CR line ends, a leading byte-order
//! mark, blank lines skipped. The separator is `,`, `;` (Excel in many locales) or a tab,
//! whichever comes first outside quotes on the header line (`,` when there is none).
//!
//! Two things are added to what the crate gives. The line each record starts on, for
//! error reports: the crate's `Position` is where the previous record ended (blank lines
//! in between still count), and its line counter counts LFs only, so the line is worked
//! out from the byte offset past those blank lines, with a lone CR as a line break too.
//! And the structural errors the crate reads past without a word (a quote never closed,
//! text after a closing quote, a quote inside an unquoted field): each record's quoting
//! is checked, so a broken file is an error with its line rather than rows that silently
//! run together. Nothing here panics, whatever the input.

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

/// The separators a header line may use.
pub const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];

/// Parses the whole text with the separator of its header line (see [`separator`]).
/// Empty lines between records are skipped (they are not records).
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    parse_with(text, separator(text))
}

/// The separator of the header line (the first line that is not blank): the first `,`,
/// `;` or tab outside quotes, or `,` when the header is one column.
pub fn separator(text: &str) -> u8 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut quoted = false;
    for b in text.trim_start_matches(['\r', '\n']).bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => break,
            b if !quoted && SEPARATORS.contains(&b) => return b,
            _ => {}
        }
    }
    b','
}

/// Parses `text` with `sep` between fields. The crate drops one leading byte-order mark
/// (and only one: a second is text of the first field).
pub fn parse_with(text: &str, sep: u8) -> Result<Vec<Record>, CsvError> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let lines = Lines::new(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Reading from memory text that is UTF-8 already: neither I/O nor encoding
            // can fail, but an error is still an error, not a panic.
            Err(e) => {
                let at = e.position().map_or(0, |p| p.byte() as usize);
                return Err(CsvError {
                    line: lines.of(at),
                    reason: e.to_string(),
                });
            }
        }
        let mut start = record.position().map_or(0, |p| p.byte() as usize).max(bom);
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        check_quoting(text, start, sep, &lines)?;
        records.push(Record {
            line: lines.of(start),
            fields: record.iter().map(str::to_string).collect(),
        });
    }
    Ok(records)
}

/// Checks the quoting of the record at byte `start`: a quoted field is closed and followed
/// by a separator or the end of the line; an unquoted field has no quote.
fn check_quoting(text: &str, start: usize, sep: u8, lines: &Lines) -> Result<(), CsvError> {
    let b = text.as_bytes();
    let mut i = start;
    loop {
        if b.get(i) == Some(&b'"') {
            let opened = i;
            i += 1;
            loop {
                match b.get(i) {
                    None => {
                        return Err(CsvError {
                            line: lines.of(opened),
                            reason: "a quoted field is never closed (a \" is missing)".into(),
                        });
                    }
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            match b.get(i) {
                None | Some(b'\r' | b'\n') => {}
                Some(&c) if c == sep => {}
                Some(_) => {
                    let c = text[i..].chars().next().unwrap_or_default();
                    return Err(CsvError {
                        line: lines.of(i),
                        reason: format!(
                            "unexpected {c:?} after a closing quote (a field is either wholly quoted or not at all)"
                        ),
                    });
                }
            }
        } else {
            while let Some(&c) = b.get(i) {
                if c == sep || c == b'\r' || c == b'\n' {
                    break;
                }
                if c == b'"' {
                    return Err(CsvError {
                        line: lines.of(i),
                        reason: "a quote inside an unquoted field: quote the whole field and double the quote (\"say \"\"hi\"\"\")".into(),
                    });
                }
                i += 1;
            }
        }
        match b.get(i) {
            Some(&c) if c == sep => i += 1,
            _ => return Ok(()),
        }
    }
}

/// Where each line starts: after an LF, a CRLF or a lone CR (files from old spreadsheets).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let b = text.as_bytes();
        let mut starts = vec![0];
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Self(starts)
    }

    /// The line (1-based) of byte `at`.
    fn of(&self, at: usize) -> usize {
        self.0.partition_point(|&s| s <= at).max(1)
    }
}

/// Writes one record with commas, quoting only where needed (used by tests and
/// round-trip checks).
pub fn write_record(fields: &[String]) -> String {
    write_record_with(fields, b',')
}

/// Writes one record with `sep` between fields. A field holding any of the separators is
/// quoted, so that the header's separator is never mistaken.
pub fn write_record_with(fields: &[String], sep: u8) -> String {
    let needs = |f: &str| {
        f.contains(['"', '\n', '\r', ',', ';', '\t']) || (fields.len() == 1 && f.is_empty())
    };
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
        .join(&char::from(sep).to_string())
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

    #[test]
    fn the_header_line_sets_the_separator() {
        // Excel in a German locale: BOM, CRLF, `;`, a decimal comma in a quoted field.
        let text = "\u{feff}email;role;note\r\n\r\nana@x.org;owner;\"1,5; ok\"\r\nbo@x.org;;\r\n";
        assert_eq!(separator(text), b';');
        assert_eq!(
            parse(text).unwrap(),
            vec![
                rec(1, &["email", "role", "note"]),
                rec(3, &["ana@x.org", "owner", "1,5; ok"]),
                rec(4, &["bo@x.org", "", ""]),
            ]
        );
        let text = "email\trole\n\"a,b\"\tmember\n";
        assert_eq!(separator(text), b'\t');
        assert_eq!(parse(text).unwrap()[1], rec(2, &["a,b", "member"]));
        // Inside quotes a separator does not count; a one-column header reads as `,`.
        assert_eq!(separator("\"e;mail\",role\n"), b',');
        assert_eq!(separator("\n\r\nemail\n"), b',');
        assert_eq!(separator(""), b',');
        // The first separator outside quotes wins.
        assert_eq!(separator("email;name,x\n"), b';');
        // A `;` file's quoting is checked with `;`.
        assert_eq!(
            parse("email;role\n\"a\",b;c\n").unwrap_err(),
            CsvError {
                line: 2,
                reason: "unexpected ',' after a closing quote (a field is either wholly quoted or not at all)".into()
            }
        );
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
        fn rows_round_trip(
            rows in rows(),
            crlf in any::<bool>(),
            bom in any::<bool>(),
            sep in prop::sample::select(SEPARATORS.to_vec()),
        ) {
            // A one-column header has no separator to show, and reads as `,`.
            let sep = if rows.first().is_some_and(|r| r.len() > 1) { sep } else { b',' };
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            if bom { text.push('\u{feff}'); }
            let mut expected_lines = Vec::new();
            let mut line = 1;
            for r in &rows {
                expected_lines.push(line);
                let w = write_record_with(r, sep);
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
        fn never_panics_on_csvish_text(text in "[a,;\t\"\r\n\u{feff} ]{0,40}") {
            if let Ok(records) = parse(&text) {
                for r in records { prop_assert!(r.line >= 1); prop_assert!(!r.fields.is_empty()); }
            }
        }
    }
}

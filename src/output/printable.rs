//! Making text from the server safe to show on a terminal.
//!
//! Emails, network names, SMTP errors and `detail` strings come from the server, and so,
//! ultimately, from whoever typed them. A raw ESC can recolour or rewrite the screen
//! (`\x1b[2J`, OSC 8 links, title changes), a CR can overwrite what was printed before on
//! the same line, and a bidi override (U+202E) can make `moc.elpmaxe@ana` read as
//! something else. Text for people (tables, TSV/CSV, `show`, status and error lines)
//! goes through [`printable`]; JSON output keeps the exact value, escaped by serde.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every character that could act on a terminal replaced by a visible escape:
/// C0 controls and DEL as `\t`, `\n`, `\r` or `\xHH`; C1 controls and the invisible
/// Unicode format characters that reorder or break lines (bidi embeddings, overrides,
/// isolates and marks, line and paragraph separators, the BOM) as `\u{HHHH}`. Text
/// without such characters is returned as it is, without a copy.
pub fn printable(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(needs_escape) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Like [`printable`] but keeps line breaks: for messages netinvite composes over several
/// lines, where each line may hold server text.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    if !s.contains(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(printable).collect::<Vec<_>>().join("\n"))
}

/// Whether `c` must not reach a terminal raw.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'              // Arabic letter mark
            | '\u{200e}' | '\u{200f}' // left-to-right / right-to-left mark
            | '\u{2028}' | '\u{2029}' // line / paragraph separator
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}' // byte order mark / zero-width no-break space
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in ["ana@example.com", "réseau “lab” ✓ 東京", ""] {
            assert!(matches!(printable(s), Cow::Borrowed(_)));
            assert_eq!(printable(s), s);
        }
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(printable("a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(printable("x\ry\tz\n"), "x\\ry\\tz\\n");
        assert_eq!(printable("\0\x07\x7f"), "\\x00\\x07\\x7f");
        assert_eq!(printable("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(printable("moc.\u{202e}elpmaxe"), "moc.\\u{202e}elpmaxe");
        assert_eq!(
            printable("\u{2066}i\u{2069}\u{feff}"),
            "\\u{2066}i\\u{2069}\\u{feff}"
        );
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(printable_lines("one\ntwo\x1b"), "one\ntwo\\x1b");
        assert!(matches!(printable_lines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn nothing_escapable_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!printable(&all).contains(needs_escape));
        assert!(!printable_lines(&all).contains(|c| c != '\n' && needs_escape(c)));
    }
}

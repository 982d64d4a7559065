//! Styling for terminals: the ANSI styles, painting text with them, and [`Screen`], what
//! rendering may know about the stdout it renders for.
//!
//! Both `io` (status, warning and error labels on stderr) and `output` (tables on stdout)
//! colour text, so styling sits below both and imports neither: `io` → `output` →
//! `style`. Rendering sees stdout through [`Screen`], which `io::Io` implements, rather
//! than through the output gate itself.

/// ANSI styles used on terminals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Cyan => "36",
        }
    }
}

/// `text` in `style` when `on`, as it is otherwise.
pub fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

/// What rendering needs to know about stdout: whether a person is looking at it (tables,
/// relative times, indented JSON) and whether colour is on.
pub trait Screen {
    /// Stdout is a terminal (or `NETINVITE_FORCE_TTY` says to treat it as one).
    fn stdout_tty(&self) -> bool;

    /// Colour is on for stdout (`--color`, `NO_COLOR`, `TERM=dumb` decided).
    fn color_stdout(&self) -> bool;

    /// Paints `text` for stdout, when colour is on.
    fn paint_out(&self, style: Style, text: &str) -> String {
        paint(self.color_stdout(), style, text)
    }
}

/// Commands hold the gate in an `Arc` (`context::Context::io`).
impl<T: Screen + ?Sized> Screen for std::sync::Arc<T> {
    fn stdout_tty(&self) -> bool {
        (**self).stdout_tty()
    }

    fn color_stdout(&self) -> bool {
        (**self).color_stdout()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_when_on() {
        assert_eq!(paint(true, Style::Red, "error:"), "\x1b[31merror:\x1b[0m");
        assert_eq!(paint(false, Style::Red, "error:"), "error:");
    }
}

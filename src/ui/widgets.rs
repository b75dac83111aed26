//! Small drawing helpers shared by the screens.

use super::key::Key;
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Longest text a search box or a filter takes, in characters.
pub(crate) const MAX_TYPED: usize = 200;

/// Appends typed or pasted text to `buf`, at most `max` characters in all: line breaks and
/// tabs become spaces, other control characters (escape sequences…) are dropped, so that
/// nothing a person types can reach another person's terminal or a document.
/// Moves a list's cursor by the keys every list takes (↓/j, ↑/k, PgSuiv/PgPréc by ten,
/// Début/Fin) over `len` rows; whether `key` was one of them.
pub(crate) fn move_cursor(selected: &mut usize, key: &Key, len: usize) -> bool {
    let last = len.saturating_sub(1);
    *selected = match key {
        Key::Down | Key::Char('j') => (*selected + 1).min(last),
        Key::Up | Key::Char('k') => selected.saturating_sub(1),
        Key::PageDown => (*selected + 10).min(last),
        Key::PageUp => selected.saturating_sub(10),
        Key::Home => 0,
        Key::End => last,
        _ => return false,
    };
    true
}

pub(crate) fn push_text(buf: &mut String, text: &str, max: usize) {
    let mut room = max.saturating_sub(buf.chars().count());
    for c in text.chars() {
        if room == 0 {
            break;
        }
        let c = match c {
            '\r' | '\n' | '\t' => ' ',
            c if c.is_control() => continue,
            c => c,
        };
        buf.push(c);
        room -= 1;
    }
}

/// Truncates to `width` columns, ending with `…` when cut.
pub(crate) fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// `left` and `right` on one line of `width` columns, right part aligned to the edge.
pub(crate) fn spread(left: &str, right: &str, width: usize) -> String {
    let rw = right.width();
    if rw >= width {
        return fit(right, width);
    }
    let left = fit(left, width.saturating_sub(rw + 1));
    let gap = width.saturating_sub(left.width() + rw);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// Pads or cuts to exactly `width` columns.
pub(crate) fn pad(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let w = f.width();
    format!("{f}{}", " ".repeat(width.saturating_sub(w)))
}

/// Right-aligns in `width` columns.
pub(crate) fn right(s: &str, width: usize) -> String {
    let f = fit(s, width);
    format!("{}{f}", " ".repeat(width.saturating_sub(f.width())))
}

/// A name with matched characters highlighted (bold + the match colour).
pub(crate) fn highlighted(
    name: &str,
    positions: &[usize],
    base: Style,
    theme: &Theme,
    width: usize,
) -> Line<'static> {
    let text = fit(name, width);
    let hl = base
        .fg(theme.colors.highlight)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    let spans: Vec<Span<'static>> = text
        .chars()
        .enumerate()
        .map(|(i, c)| {
            Span::styled(
                c.to_string(),
                if positions.contains(&i) { hl } else { base },
            )
        })
        .collect();
    Line::from(spans)
}

/// A rectangle centred in `area`, at most `w` × `h`.
/// Splits `s` into lines of at most `width` characters, at spaces when it can (a word
/// longer than the line is cut): what a dialog needs to size itself before drawing.
pub(crate) fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let body = s.trim_start_matches(' ');
    let indent = (s.len() - body.len()).min(width / 2);
    let mut out = Vec::new();
    let mut line = " ".repeat(indent);
    let mut len = indent;
    for word in body.split(' ') {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > width {
            out.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > indent || (len > 0 && !out.is_empty()) {
            line.push(' ');
            len += 1;
        }
        for c in word.chars() {
            if len == width {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            line.push(c);
            len += 1;
        }
    }
    out.push(line);
    out
}

pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_character() {
        let s = "Devis : AMP-100V-240 × 2, AMP-2X500 × 1 ; adresse n° 1, contact n° 1";
        let lines = wrap(s, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), s);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("  - un point", 40), ["  - un point"]);
    }

    #[test]
    fn typed_text_is_bounded_and_printable() {
        let mut s = String::from("ab");
        push_text(&mut s, "c\x1b]52;c;aGk=\x07d\r\ne", 10);
        assert_eq!(s, "abc]52;c;a");
        let mut s = String::new();
        push_text(&mut s, &"x".repeat(10_000), MAX_TYPED);
        assert_eq!(s.chars().count(), MAX_TYPED);
        push_text(&mut s, "y", MAX_TYPED);
        assert_eq!(s.chars().count(), MAX_TYPED);
    }

    #[test]
    fn fitting_text() {
        assert_eq!(fit("Lycée Jean Moulin", 10), "Lycée Jea…");
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(spread("Total", "12,00 €", 15), "Total   12,00 €");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(right("ab", 4), "  ab");
    }

    #[test]
    fn a_list_cursor_stays_on_its_rows() {
        let mut at = 0;
        assert!(move_cursor(&mut at, &Key::Up, 3));
        assert_eq!(at, 0);
        for (key, then) in [
            (Key::Char('j'), 1),
            (Key::PageDown, 2),
            (Key::Home, 0),
            (Key::End, 2),
            (Key::PageUp, 0),
        ] {
            assert!(move_cursor(&mut at, &key, 3));
            assert_eq!(at, then, "{key:?}");
        }
        assert!(!move_cursor(&mut at, &Key::Char('a'), 3));
        assert!(move_cursor(&mut at, &Key::Down, 0));
        assert_eq!(at, 0);
    }
}

//! Small drawing helpers shared by the screens.

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
}

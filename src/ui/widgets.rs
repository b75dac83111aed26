//! Small drawing helpers shared by the screens.

use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

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
    fn fitting_text() {
        assert_eq!(fit("Lycée Jean Moulin", 10), "Lycée Jea…");
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(spread("Total", "12,00 €", 15), "Total   12,00 €");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(right("ab", 4), "  ab");
    }
}

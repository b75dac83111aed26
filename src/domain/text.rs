//! Folding text for search: lower-case ASCII without accents, so `stetienne` can find
//! "Saint-Étienne" and `lyc moulin` "Lycée Jean Moulin".

/// Folds one character to lower-case ASCII, or `None` when it has no ASCII form.
fn fold_char(c: char, out: &mut String) {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'ß' => "ss",
        '’' | '\'' | '`' => "'",
        '–' | '—' => "-",
        _ => {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else if c.is_whitespace() {
                out.push(' ');
            }
            return;
        }
    };
    out.push_str(s);
}

/// Characters that change how a terminal shows text: controls (escape sequences, bells,
/// backspaces, C1 codes) and the bidirectional overrides that reorder what is shown.
/// U+FFFE and U+FFFF are refused too: XML 1.0 forbids them, and they would make an
/// invoice's Factur-X XML ill-formed.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// The first character of `s` that a terminal would not just show, if any (line breaks
/// and tabs excepted when `lines` is true).
pub fn first_unprintable(s: &str, lines: bool) -> Option<char> {
    s.chars()
        .find(|&c| is_unprintable(c) && !(lines && matches!(c, '\n' | '\t')))
}

/// `s` as it may be printed to someone's terminal: every unprintable character (but line
/// breaks and tabs) is written as `\u{1b}`, so stored text can never drive the terminal.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if first_unprintable(s, true).is_none() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unprintable(c) && !matches!(c, '\n' | '\t') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Lower-case ASCII form of `s`, accents removed, other non-ASCII characters dropped.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// Appends the folded form of `s` to `out`.
pub fn fold_into(s: &str, out: &mut String) {
    for c in s.chars() {
        fold_char(c, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprintable_characters_are_shown_not_obeyed() {
        assert_eq!(printable("ok\nline\tcol"), "ok\nline\tcol");
        assert_eq!(
            printable("a\x1b]0;pwned\x07b\u{202e}c"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{202e}c"
        );
        assert_eq!(first_unprintable("motif\x1b[2J", false), Some('\x1b'));
        assert_eq!(first_unprintable("a\nb", true), None);
        assert_eq!(first_unprintable("a\nb", false), Some('\n'));
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Saint-Étienne"), "saint-etienne");
        assert_eq!(fold("Lycée Jean Moulin"), "lycee jean moulin");
        assert_eq!(
            fold("Œuvre d’Orléans — Besançon"),
            "oeuvre d'orleans - besancon"
        );
        assert_eq!(fold("ÇA 123"), "ca 123");
    }
}

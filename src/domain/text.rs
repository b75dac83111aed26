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
/// invoice's Factur-X XML ill-formed; and the line and paragraph separators U+2028 and
/// U+2029, which some terminals and viewers take for line breaks.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// The first character of `s` that a terminal would not just show, if any (line breaks
/// and tabs excepted when `lines` is true).
pub fn first_unprintable(s: &str, lines: bool) -> Option<char> {
    s.chars()
        .find(|&c| is_unprintable(c) && !(lines && matches!(c, '\n' | '\t')))
}

/// The characters the documents print, as inclusive ranges of code points: Latin
/// (with its extensions and combining accents), Greek, Cyrillic, the typographic spaces,
/// dashes, quotes and marks, currency signs and a few symbols — every one drawn by the
/// bundled Liberation Sans (a documents test checks each against the font's character
/// map). Text that would reach a document is refused when it holds anything else (an
/// emoji, an ideogram, a right-to-left script, an invisible format mark), because the
/// PDF could not print what its XML and CSV would keep. U+202F (the narrow no-break
/// space of French typography) is printed as a space.
pub const DOCUMENT_CHARS: &[(u32, u32)] = &[
    (0x0020, 0x007E), // Basic Latin
    (0x00A0, 0x036F), // Latin-1, Latin Extended-A/B, IPA, modifiers, combining accents
    (0x0374, 0x0375),
    (0x037A, 0x037E),
    (0x0384, 0x038A),
    (0x038C, 0x038C),
    (0x038E, 0x03A1),
    (0x03A3, 0x03CE),
    (0x03D0, 0x0513), // Greek and Cyrillic
    (0x1E00, 0x1E9B), // Latin Extended Additional (Vietnamese…)
    (0x1E9E, 0x1E9E),
    (0x1EA0, 0x1EF9),
    (0x2000, 0x200A), // typographic spaces
    (0x2010, 0x2010),
    (0x2012, 0x2022), // dashes, quotes, daggers, bullet
    (0x2026, 0x2026),
    (0x202F, 0x2030), // narrow no-break space, per mille
    (0x2032, 0x2034),
    (0x2039, 0x203A),
    (0x203C, 0x203C),
    (0x2044, 0x2044),
    (0x2074, 0x2079),
    (0x207F, 0x2089), // superscripts and subscripts
    (0x20A0, 0x20B5), // currency signs, € included
    (0x20BF, 0x20BF),
    (0x2105, 0x2105),
    (0x2113, 0x2113),
    (0x2116, 0x2117),
    (0x2122, 0x2122),
    (0x2126, 0x2126),
    (0x212E, 0x212E),
    (0x2153, 0x2154),
    (0x215B, 0x215E),
    (0x2190, 0x2195),
    (0x2202, 0x2202),
    (0x2206, 0x2206),
    (0x220F, 0x220F),
    (0x2211, 0x2212),
    (0x2215, 0x2215),
    (0x2219, 0x221A),
    (0x221E, 0x221E),
    (0x222B, 0x222B),
    (0x2248, 0x2248),
    (0x2260, 0x2260),
    (0x2264, 0x2265),
    (0xFB01, 0xFB02), // fi, fl
];

/// Whether the documents can print `c`.
pub fn is_printed(c: char) -> bool {
    let c = c as u32;
    DOCUMENT_CHARS
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The first character of `s` that comptoir refuses in text it keeps: one a terminal
/// would obey (see [`is_unprintable`]; line breaks and tabs allowed when `lines`) or one
/// the documents cannot print (see [`DOCUMENT_CHARS`]).
pub fn first_refused(s: &str, lines: bool) -> Option<char> {
    s.chars()
        .find(|&c| !(lines && matches!(c, '\n' | '\t')) && (is_unprintable(c) || !is_printed(c)))
}

/// Why `c` is refused, in French, naming it: the character itself when it can be shown,
/// and always its code point, so that an invisible one can be found too.
pub fn refused_char(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    if is_unprintable(c) {
        format!("contient un caractère de contrôle ({code}), refusé")
    } else if c.is_whitespace() || matches!(c as u32, 0x200B..=0x200F | 0x2060..=0x206F | 0xFEFF) {
        format!(
            "contient un caractère invisible ({code}) que les documents ne savent pas imprimer : retirez-le"
        )
    } else {
        format!(
            "contient « {c} » ({code}), un caractère que les documents ne savent pas imprimer : retirez-le ou remplacez-le"
        )
    }
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
        assert_eq!(first_unprintable("a\u{2028}b", true), Some('\u{2028}'));
        assert_eq!(first_unprintable("a\u{2029}b", true), Some('\u{2029}'));
    }

    #[test]
    fn documents_refuse_what_they_cannot_print() {
        assert!(
            DOCUMENT_CHARS
                .windows(2)
                .all(|w| w[0].1 < w[1].0 && w[0].0 <= w[0].1)
        );
        for ok in [
            "Lycée Œuvre « d’Orléans » — 12,50 € ‰",
            "Ελλάδα Москва Nguyễn ﬁn",
            "a\u{202f}:",
        ] {
            assert_eq!(first_refused(ok, false), None, "{ok}");
        }
        assert_eq!(first_refused("Mairie 🎵", false), Some('🎵'));
        assert_eq!(first_refused("北京", false), Some('北'));
        assert_eq!(first_refused("שלום", false), Some('ש'));
        assert_eq!(first_refused("a\u{200b}b", false), Some('\u{200b}'));
        assert_eq!(first_refused("a\nb", true), None);
        assert_eq!(first_refused("a\nb", false), Some('\n'));
        assert!(refused_char('🎵').contains("« 🎵 » (U+1F3B5)"));
        assert!(refused_char('\u{200b}').contains("invisible (U+200B)"));
        assert!(refused_char('\x1b').contains("contrôle (U+001B)"));
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

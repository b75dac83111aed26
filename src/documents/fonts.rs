//! The bundled Liberation Sans Regular face (SIL OFL 1.1, see assets/fonts/LICENSE-OFL.txt):
//! metrics for layout, and a per-document subset holding only the glyphs used, so a
//! ten-line invoice embeds about 15 KB of font instead of 400 KB. Bold is drawn by
//! stroking the regular outlines, which saves embedding a second face.

use super::RenderError;
use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};
use printpdf::ParsedFont;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");

/// Millimetres per PDF point.
pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;

/// A face's character map and advance widths.
pub(crate) struct Face {
    bytes: &'static [u8],
    cmap: BTreeMap<u32, u16>,
    widths: BTreeMap<u16, u16>,
    units_per_em: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        match ParsedFont::from_bytes(bytes, 0, &mut Vec::new()) {
            Some(p) => Face {
                bytes,
                cmap: p.codepoint_to_glyph,
                widths: p.glyph_widths,
                units_per_em: p.units_per_em.max(1) as f32,
            },
            None => Face {
                bytes,
                cmap: BTreeMap::new(),
                widths: BTreeMap::new(),
                units_per_em: 1000.0,
            },
        }
    }

    pub(crate) fn has(&self, c: char) -> bool {
        self.cmap.contains_key(&(c as u32))
    }

    /// Width of `s` at `size` points, in millimetres.
    pub(crate) fn width_mm(&self, s: &str, size: f32) -> f32 {
        let units: u32 = s
            .chars()
            .map(|c| {
                let gid = self.cmap.get(&(c as u32)).copied().unwrap_or(0);
                self.widths.get(&gid).copied().unwrap_or(0) as u32
            })
            .sum();
        units as f32 / self.units_per_em * size * MM_PER_PT
    }

    /// A font holding only the glyphs of `chars` (plus .notdef), with a Unicode cmap so
    /// printpdf maps text to the subset's glyph ids and writes a ToUnicode map.
    pub(crate) fn subset(&self, chars: &BTreeSet<char>) -> Result<ParsedFont, RenderError> {
        let fail = |e: String| RenderError::Failed(format!("police : {e}"));
        let mut gids: Vec<u16> = chars
            .iter()
            .filter_map(|c| self.cmap.get(&(*c as u32)).copied())
            .collect();
        gids.sort_unstable();
        gids.dedup();
        gids.retain(|g| *g != 0);
        gids.insert(0, 0);
        let scope = ReadScope::new(self.bytes);
        let data = scope
            .read::<FontData<'_>>()
            .map_err(|e| fail(e.to_string()))?;
        let provider = data.table_provider(0).map_err(|e| fail(e.to_string()))?;
        let bytes =
            allsorts::subset::subset(&provider, &gids, &SubsetProfile::Pdf, CmapTarget::Unicode)
                .map_err(|e| fail(e.to_string()))?;
        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| fail("sous-ensemble illisible".into()))
    }
}

pub(crate) fn regular() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| Face::load(REGULAR_TTF))
}

/// Replaces characters the font cannot draw (emoji, control characters) by `?`.
pub(crate) fn printable(s: &str) -> String {
    let face = regular();
    s.chars()
        .map(|c| {
            if c == '\u{a0}' || c == '\u{202f}' {
                ' '
            } else {
                c
            }
        })
        .map(|c| {
            if c.is_control() || !face.has(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::domain::text::{DOCUMENT_CHARS, first_refused};

    /// Every character the inputs accept is drawn by the font: none prints as `?`.
    #[test]
    fn the_font_draws_every_character_the_inputs_accept() {
        let face = super::regular();
        let mut checked = 0;
        for &(lo, hi) in DOCUMENT_CHARS {
            for c in (lo..=hi).filter_map(char::from_u32) {
                assert_eq!(first_refused(&c.to_string(), false), None);
                let printed = super::printable(&c.to_string());
                assert!(
                    (face.has(c) && printed == c.to_string())
                        || (c.is_whitespace() && printed == " "),
                    "U+{:04X} is accepted but the font cannot draw it",
                    c as u32
                );
                checked += 1;
            }
        }
        assert!(checked > 1500, "{checked}");
        // And what the font cannot draw is refused.
        for c in ['🎵', '北', 'ש', '\u{fffc}'] {
            assert!(!face.has(c) || first_refused(&c.to_string(), false).is_some());
            assert_eq!(first_refused(&c.to_string(), false), Some(c));
        }
    }
}

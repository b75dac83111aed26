//! nucleo-matcher's scoring, re-derived: its constants under its own names, the bonus of
//! each character, and the ceilings of a needle's score in a haystack — quick (from
//! lengths), from the haystack's shape, and the dynamic programme over the cells where a
//! needle character matches.

use super::*;

/// nucleo-matcher 0.3.1's scoring constants (`score.rs`, `config.rs`), under its own
/// names: the floors and ceilings below re-derive its scores, so they use its numbers —
/// the reason the crate is pinned (`=0.3.1` in Cargo.toml).
pub(super) const SCORE_MATCH: u32 = 16;

pub(super) const PENALTY_GAP_START: u32 = 3;

pub(super) const PENALTY_GAP_EXTENSION: u32 = 1;

/// A word start after a non-word character other than a space or a delimiter.
pub(super) const BONUS_BOUNDARY: u32 = SCORE_MATCH / 2;

/// A digit after a non-digit.
pub(super) const BONUS_CAMEL123: u32 = BONUS_BOUNDARY - PENALTY_GAP_START;

/// The least each character of a consecutive run earns.
pub(super) const BONUS_CONSECUTIVE: u32 = PENALTY_GAP_START + PENALTY_GAP_EXTENSION;

pub(super) const BONUS_FIRST_CHAR_MULTIPLIER: u32 = 2;

/// The default configuration's bonus after a space (`bonus_boundary_white`), the largest.
pub(super) const BONUS_BOUNDARY_WHITE: u32 = BONUS_BOUNDARY + 2;

/// … and after a delimiter `/,:;|` (`bonus_boundary_delimiter`).
pub(super) const BONUS_BOUNDARY_DELIMITER: u32 = BONUS_BOUNDARY + 1;

/// `prefer_prefix`: the bonus of a match from the haystack's start, halved from its
/// optimal matcher's scale as the start moves right.
pub(super) const MAX_PREFIX_BONUS: u32 = BONUS_BOUNDARY;

pub(super) const PREFIX_BONUS_SCALE: u32 = 2;

/// The most one more character of a needle adds: a match at the largest bonus.
pub(super) const MOST_PER_CHAR: u32 = SCORE_MATCH + BONUS_BOUNDARY_WHITE;

/// A haystack's first bytes kept apart (`heads`), beyond which no prefix bonus is worth
/// looking for — a length of ours, not nucleo's (it happens to equal [`SCORE_MATCH`]).
pub(super) const HEAD: usize = 16;

/// nucleo's character classes.
pub(super) const SPACE: u8 = 0;

pub(super) const NON_WORD: u8 = 1;

pub(super) const DELIMITER: u8 = 2;

pub(super) const WORD: u8 = 3;

pub(super) const DIGIT: u8 = 4;

/// The class of every byte.
pub(super) static CLASSES: [u8; 256] = {
    let mut t = [NON_WORD; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_alphabetic() {
            WORD
        } else if c.is_ascii_whitespace() {
            SPACE
        } else if matches!(c, b'/' | b',' | b':' | b';' | b'|') {
            DELIMITER
        } else {
            NON_WORD
        };
        b += 1;
    }
    t
};

/// nucleo's bonus for a character of class `cur` after one of class `prev` (its default
/// configuration: 10 after a space, 9 after a delimiter `/,:;|`, 8 after another non-word
/// character, 5 for a digit after a non-digit, 10 on a space, 8 on another non-word
/// character).
pub(super) static BONUSES: [[u8; 5]; 5] = {
    let mut t = [[0u8; 5]; 5];
    let mut prev = 0;
    while prev < 5 {
        let mut cur = 0;
        while cur < 5 {
            let p = prev as u8;
            let c = cur as u8;
            t[prev][cur] = (if (c == WORD || c == DIGIT) && p == SPACE {
                BONUS_BOUNDARY_WHITE
            } else if (c == WORD || c == DIGIT) && p == DELIMITER {
                BONUS_BOUNDARY_DELIMITER
            } else if (c == WORD || c == DIGIT) && p == NON_WORD {
                BONUS_BOUNDARY
            } else if c == DIGIT && p != DIGIT {
                BONUS_CAMEL123
            } else if c == SPACE {
                BONUS_BOUNDARY_WHITE
            } else if c == NON_WORD {
                BONUS_BOUNDARY
            } else {
                0
            }) as u8;
            cur += 1;
        }
        prev += 1;
    }
    t
};

/// nucleo's bonus for a match at `hay[p]` (see [`BONUSES`]; the start counts as a space).
pub(super) fn nucleo_bonus(hay: &[u8], p: usize) -> u32 {
    let prev = p.checked_sub(1).map_or(SPACE, |q| CLASSES[hay[q] as usize]);
    BONUSES[prev as usize][CLASSES[hay[p] as usize] as usize] as u32
}

/// The prefix bonus nucleo may give a match whose first character first occurs at
/// `first`: the optimal matcher's, or the one of its path for a needle that occurs once,
/// contiguous (7 one character in, where the other gives 6).
pub(super) fn prefix_ceiling(first: usize) -> u32 {
    prefix_at(first, first == 0)
}

/// Where a needle's first character first occurs in `hay` (what the prefix bonus depends
/// on); not looked for when the needle is one character (no prefix bonus then). The
/// reference of [`first_within`].
#[cfg(test)]
pub(super) fn first_of(hay: &[u8], needle: &[u8]) -> usize {
    if needle.len() == 1 {
        return 0;
    }
    memchr::memchr(needle[0], hay).unwrap_or(0)
}

/// A looser [`shape_ceiling`] from the lengths and where the needle's first character
/// first occurs alone: every character at the largest bonus (10), the first one doubled,
/// plus the prefix bonus.
pub(super) fn quick_ceiling(hay_len: usize, needle_len: usize, first: usize) -> u32 {
    if needle_len == 1 && hay_len > 1 {
        // A single character scores its best position, without prefix bonus.
        return SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * BONUS_BOUNDARY_WHITE;
    }
    MOST_PER_CHAR * needle_len as u32
        + (BONUS_FIRST_CHAR_MULTIPLIER - 1) * BONUS_BOUNDARY_WHITE
        + prefix_ceiling(first)
}

/// The prefix bonus nucleo may give a match that starts at `p`: its optimal matcher's
/// (the bonus falls by one every two positions from the first occurrence of the needle's
/// first character, from 16/2 when that is the haystack's start, else from 14/2 at the
/// start), or the one of its path for a needle that occurs once, contiguous.
pub(super) fn prefix_at(p: usize, first_at_start: bool) -> u32 {
    let p = p.min(64) as u32;
    // The optimal matcher: the scaled bonus, less the gap's opening penalty and one
    // extension per position after the first.
    let scaled = MAX_PREFIX_BONUS * PREFIX_BONUS_SCALE;
    let optimal = if first_at_start {
        scaled
    } else {
        scaled - PENALTY_GAP_START + PENALTY_GAP_EXTENSION
    }
    .saturating_sub(p * PENALTY_GAP_EXTENSION)
        / PREFIX_BONUS_SCALE;
    // The path's own score: the whole bonus at the start, else less an opening and one
    // opening per further position, halved.
    let contiguous = match p {
        0 => MAX_PREFIX_BONUS,
        _ => MAX_PREFIX_BONUS
            .saturating_sub((PENALTY_GAP_START + PENALTY_GAP_START * (p - 1)) / PREFIX_BONUS_SCALE),
    };
    optimal.max(contiguous)
}

/// The most a fuzzy needle can score in a haystack, from its [`Shape`] alone (and where
/// the needle's first character first occurs): every character a match (16) at the
/// largest bonus (10) if it occurs where one is given, else none — or the bonus a run
/// started by an earlier character carries (4 at least) —, the first one's doubled, plus
/// the prefix bonus; a pair never side by side pays a gap's opening penalty (3) and starts
/// a new run.
pub(super) fn shape_ceiling(hay_len: usize, probe: &Probe, shape: &Shape, first: usize) -> u32 {
    let needle = probe.needle;
    if hay_len <= needle.len() {
        return quick_ceiling(hay_len, needle.len(), first);
    }
    let first_bonus = shape.bonus_of(probe.bits[0]);
    if needle.len() == 1 {
        return SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * first_bonus;
    }
    let mut total = SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * first_bonus + prefix_ceiling(first);
    let mut carried = first_bonus;
    for (&b, &pair) in probe.bits[1..].iter().zip(&probe.pairs) {
        // Without branches: whether a pair occurs side by side is anybody's guess.
        let own = shape.bonus_of(b);
        let side = shape.side_by_side(pair);
        total += if side {
            SCORE_MATCH + own.max(carried).max(BONUS_CONSECUTIVE)
        } else {
            SCORE_MATCH - PENALTY_GAP_START + own
        };
        carried = if side { carried.max(own) } else { own };
    }
    total
}

/// One cell of [`dp_ceiling`]: a needle character matched at `at`.
#[derive(Clone, Copy)]
pub(super) struct Cell {
    pub(super) at: u32,
    /// The most an alignment of the needle so far ending here can score.
    pub(super) score: u32,
    /// The largest consecutive bonus such an alignment may carry on.
    pub(super) carried: u32,
}

/// A needle (2 to 64 characters) as [`dp_ceiling`] reads it: for each byte, the needle
/// positions that hold it.
pub(super) struct DpNeedle {
    pub(super) len: usize,
    pub(super) first: u8,
    pub(super) last: u8,
    pub(super) at: Box<[u64; 256]>,
}

impl DpNeedle {
    pub(super) fn of(needle: &[u8]) -> Option<DpNeedle> {
        if !(2..=64).contains(&needle.len()) {
            return None;
        }
        let mut at = Box::new([0u64; 256]);
        for (i, &c) in needle.iter().enumerate() {
            at[c as usize] |= 1 << i;
        }
        Some(DpNeedle {
            len: needle.len(),
            first: needle[0],
            last: needle[needle.len() - 1],
            at,
        })
    }
}

/// The state of each needle position in [`dp_ceiling`]: its latest cell (`at` is
/// [`NO_CELL`] when there is none yet), and the best `score + at` of its earlier cells, 0
/// for none (a gap of `p - at - 1` characters before a match at `p` costs 3 + 1 per
/// character after the first: `p - at + 1`); and what the characters after each position
/// may add at most ([`rest_of`]).
#[derive(Default)]
pub(super) struct DpRows {
    pub(super) last: Vec<Cell>,
    pub(super) gapped: Vec<u32>,
    pub(super) rest: Vec<[u32; 3]>,
}

/// The `at` of a needle position without a cell.
pub(super) const NO_CELL: u32 = u32::MAX;

/// The level of a consecutive bonus carried on, for [`rest_of`]: 4 at most (a run's own
/// bonus is never below 4), 8 at most, or more (10 at most).
pub(super) fn carried_level(carried: u32) -> usize {
    (carried > BONUS_CONSECUTIVE) as usize + (carried > BONUS_BOUNDARY) as usize
}

/// The most the needle characters after each position can add to an alignment that
/// carries a consecutive bonus of each [`carried_level`], from the haystack's shape: each
/// one a match (16) at its largest bonus, or at the bonus carried on when it may follow
/// the previous one side by side, else after a gap (3 at least). `rest[i]` is for the
/// characters after `i`.
pub(super) fn rest_of(probe: &Probe, shape: &Shape, rest: &mut Vec<[u32; 3]>) {
    const LEVELS: [u32; 3] = [BONUS_CONSECUTIVE, BONUS_BOUNDARY, BONUS_BOUNDARY_WHITE];
    let n = probe.needle.len();
    rest.clear();
    rest.resize(n, [0; 3]);
    for j in (1..n).rev() {
        let own = shape.bonus_of(probe.bits[j]);
        let side = shape.side_by_side(probe.pairs[j - 1]);
        // What the characters after `j` add (none after the last).
        let after = rest[j];
        let after = |carried: u32| after[carried_level(carried)];
        for (l, &carried) in LEVELS.iter().enumerate() {
            rest[j - 1][l] = if side {
                SCORE_MATCH + own.max(carried) + after(own.max(carried))
            } else {
                SCORE_MATCH - PENALTY_GAP_START + own + after(own)
            };
        }
    }
}

/// nucleo's optimal score of a needle in `hay` (longer than the needle), or more, when it
/// may exceed `above`: its dynamic programme (matches, gaps, consecutive bonuses, prefix
/// bonus, saturation at 0) in one pass over the haystack, computing only the cells where a
/// needle character matches, each keeping the largest consecutive bonus any path to it
/// may carry (nucleo keeps the one of its best path). A cell is dropped when even the most
/// the rest of the needle can add in this haystack ([`rest_of`] its `shape`) cannot take
/// it above `above`; while no cell is kept, the haystack is read from one occurrence of the
/// first character to the next, and not past the one that cannot start above `above`.
/// `None` when the needle is not a subsequence or scores `above` at most.
pub(super) fn dp_ceiling(
    hay: &[u8],
    needle: &DpNeedle,
    probe: &Probe,
    shape: &Shape,
    rows: &mut DpRows,
    above: u32,
) -> Option<u32> {
    let n = needle.len;
    let none = Cell {
        at: NO_CELL,
        score: 0,
        carried: 0,
    };
    // No cell before the first character's first occurrence, none needed after the last
    // character's last one.
    let from = memchr::memchr(needle.first, hay)?;
    let to = from + memchr::memrchr(needle.last, &hay[from..])? + 1;
    let first_at_start = from == 0;
    rows.last.clear();
    rows.last.resize(n, none);
    rows.gapped.clear();
    rows.gapped.resize(n, 0);
    rest_of(probe, shape, &mut rows.rest);
    let first_bonus = shape.bonus_of(probe.bits[0]);
    let opening = SCORE_MATCH
        + BONUS_FIRST_CHAR_MULTIPLIER * first_bonus
        + rows.rest[0][carried_level(first_bonus)];
    let mut best = None;
    // The needle positions with a cell.
    let mut live = 0u64;
    let mut p = from;
    while p < to {
        if live == 0 {
            // Only the first character can start: its next occurrence, unless no start
            // from here on can end above `above` (the prefix bonus only falls).
            p += memchr::memchr(needle.first, &hay[p..to])?;
            if opening + prefix_at(p, first_at_start) <= above {
                return None;
            }
        }
        let b = hay[p];
        let mut here = needle.at[b as usize] & (live << 1 | 1);
        if here == 0 {
            p += 1;
            continue;
        }
        let bonus = nucleo_bonus(hay, p);
        let at = p as u32;
        // The later positions first: each reads the previous one as it was before `p`.
        while here != 0 {
            let i = 63 - here.leading_zeros() as usize;
            here &= !(1 << i);
            let cell = if i == 0 {
                Cell {
                    at,
                    score: SCORE_MATCH
                        + BONUS_FIRST_CHAR_MULTIPLIER * bonus
                        + prefix_at(p, first_at_start),
                    carried: bonus,
                }
            } else {
                let q = rows.last[i - 1];
                let mut gapped = rows.gapped[i - 1];
                let next_to = q.at + 1 == at;
                if !next_to {
                    gapped = gapped.max(q.score + q.at);
                }
                let mut cell = Cell {
                    at,
                    score: gapped.saturating_sub(at + 1) + bonus + SCORE_MATCH,
                    carried: bonus,
                };
                if next_to {
                    let run = q.carried.max(BONUS_CONSECUTIVE);
                    let carried = if bonus >= BONUS_BOUNDARY && bonus > run {
                        bonus
                    } else {
                        run
                    };
                    cell.score = cell.score.max(q.score + run.max(bonus) + SCORE_MATCH);
                    cell.carried = cell.carried.max(carried);
                }
                cell
            };
            if cell.score + rows.rest[i][carried_level(cell.carried)] <= above {
                continue;
            }
            let old = rows.last[i];
            if old.at != NO_CELL {
                rows.gapped[i] = rows.gapped[i].max(old.score + old.at);
            }
            rows.last[i] = cell;
            live |= 1 << i;
            if i == n - 1 {
                best = Some(best.map_or(cell.score, |x: u32| x.max(cell.score)));
            }
        }
        p += 1;
    }
    best
}

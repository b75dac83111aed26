//! Floors of nucleo's score (leftmost matches, carried from one keystroke to the next), the
//! haystack's first bytes where the prefix bonus is, and the ceilings a match carries to
//! the next keystrokes.

use super::*;

/// Starts tried by [`score_floor`]: enough for names, bounded for pathological haystacks.
pub(super) const FLOOR_STARTS: usize = 8;

/// Where a leftmost match ends in a haystack, and the score its alignment surely earns.
pub(super) type Lead = (usize, i32);

/// The leftmost match from `start` (an occurrence of the needle's first character)
/// extended by `c`: its next occurrence, with its bonus (4 at least for a consecutive
/// match) and the gap's full penalty.
pub(super) fn step(hay: &[u8], (last, floor): Lead, c: u8) -> Option<Lead> {
    let i = last + 1 + memchr::memchr(c, hay.get(last + 1..)?)?;
    let bonus = nucleo_bonus(hay, i) as i32;
    let gap = (i - last - 1) as i32;
    let floor = if gap > 0 {
        floor - (PENALTY_GAP_START as i32 + (gap - 1) * PENALTY_GAP_EXTENSION as i32)
            + SCORE_MATCH as i32
            + bonus
    } else {
        // A consecutive match earns at least nucleo's consecutive bonus.
        floor + SCORE_MATCH as i32 + bonus.max(BONUS_CONSECUTIVE as i32)
    };
    Some((i, floor))
}

/// The match of `needle` from the occurrence of its first character at `start`, leftmost.
pub(super) fn from_start(hay: &[u8], start: usize, rest: &[u8]) -> Option<Lead> {
    let first = (
        start,
        (SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * nucleo_bonus(hay, start)) as i32,
    );
    rest.iter().try_fold(first, |lead, &c| step(hay, lead, c))
}

/// The leftmost match of `needle` in `hay`, or `None` when it is not a subsequence.
pub(super) fn leftmost(hay: &[u8], needle: &[u8]) -> Option<Lead> {
    let (&first, rest) = needle.split_first()?;
    from_start(hay, memchr::memchr(first, hay)?, rest)
}

/// The leftmost matches of every word: where the last ends, and the sum of their floors.
pub(super) fn fresh_lead(hay: &[u8], needles: &[Vec<u8>]) -> Option<Lead> {
    more_words(hay, (0, 0), needles)
}

/// `lead` followed by the leftmost matches of more words.
pub(super) fn more_words(hay: &[u8], lead: Lead, words: &[Vec<u8>]) -> Option<Lead> {
    words.iter().try_fold(lead, |(_, floor), n| {
        leftmost(hay, n).map(|(last, f)| (last, floor + f))
    })
}

/// How the leads of a previous search carry over to the next query's words: the words
/// before the last are the same, the last grew by `suffix`, and `more` words follow.
pub(super) struct Carry<'a> {
    pub(super) suffix: &'a [u8],
    pub(super) more: &'a [Vec<u8>],
}

pub(super) fn carry<'a>(previous: &[Vec<u8>], next: &'a [Vec<u8>]) -> Option<Carry<'a>> {
    let (last, before) = previous.split_last()?;
    let k = previous.len();
    let grown = next.get(k - 1)?;
    if next[..k - 1] != *before || !grown.starts_with(last) {
        return None;
    }
    Some(Carry {
        suffix: &grown[last.len()..],
        more: &next[k..],
    })
}

/// A previous lead carried over to the next query (see [`Carry`]).
pub(super) fn carried_lead(hay: &[u8], lead: Lead, carry: &Carry) -> Option<Lead> {
    let lead = carry
        .suffix
        .iter()
        .try_fold(lead, |lead, &c| step(hay, lead, c))?;
    more_words(hay, lead, carry.more)
}

/// Whether `needle` is a subsequence of `hay` (nucleo's fuzzy match) and, if so, a score
/// nucleo's optimal match surely reaches: the score of leftmost matches from one of the
/// first `starts` occurrences of the needle's first character, with each match's bonus
/// (4 at least for a consecutive match) and every gap's full penalty (nucleo's optimum is
/// at least any alignment's score, and its saturating arithmetic only raises it).
pub(super) fn score_floor(hay: &[u8], needle: &[u8], starts: usize) -> Option<u32> {
    let (&first, rest) = needle.split_first()?;
    let mut best: Option<i32> = None;
    let mut from = 0;
    for _ in 0..starts {
        let Some(start) = memchr::memchr(first, hay.get(from..).unwrap_or_default()) else {
            break;
        };
        let start = from + start;
        // No later start can match what this one could not.
        let Some((_, score)) = from_start(hay, start, rest) else {
            break;
        };
        best = Some(best.map_or(score, |b| b.max(score)));
        from = start + 1;
    }
    best.map(|b| b.max(0) as u32)
}

/// The first [`HEAD`] bytes of a haystack (zeros past its end), read little-endian by
/// [`first_within`] and [`opening_within`].
pub(super) fn head_of(hay: &[u8]) -> [u8; HEAD] {
    let mut head = [0u8; HEAD];
    let n = hay.len().min(HEAD);
    head[..n].copy_from_slice(&hay[..n]);
    head
}

/// Where `needle`'s first character first occurs in the haystack whose [`head_of`] is
/// `head`, as far as the prefix bonus goes ([`prefix_ceiling`] gives nothing from 13 on):
/// [`HEAD`] when not in its first [`HEAD`] bytes (the haystack itself is not read). Not looked for
/// when the needle is one character.
pub(super) fn first_within(head: u128, hay_len: usize, needle: &[u8]) -> usize {
    if needle.len() == 1 || needle[0] == 0 {
        return 0;
    }
    let at = (maybe_at(head, needle[0]).trailing_zeros() / 8) as usize;
    if at < hay_len.min(HEAD) { at } else { HEAD }
}

/// The high bit of each byte of `head` that may equal `c`: every byte that does, and maybe
/// some above the lowest one that does (never below it).
pub(super) fn maybe_at(head: u128, c: u8) -> u128 {
    const ONES: u128 = u128::MAX / 255;
    // The bytes equal to `c` become zero, and a zero byte sets its high bit.
    let x = head ^ (ONES * c as u128);
    x.wrapping_sub(ONES) & !x & (ONES << 7)
}

/// What [`opening_within`] takes off a needle's [`shape_ceiling`]: its first character's
/// bonus and prefix bonus at the best of its positions instead of its best bonus with the
/// prefix bonus of its first occurrence.
pub(super) fn opening_cut(
    hay_len: usize,
    needle: &[u8],
    head: u128,
    shape: &Shape,
    first: usize,
) -> u32 {
    if hay_len <= needle.len() || needle.len() == 1 {
        return 0;
    }
    let assumed = BONUS_FIRST_CHAR_MULTIPLIER * shape.bonus(needle[0]) + prefix_ceiling(first);
    assumed - assumed.min(opening_within(head, hay_len, needle[0], shape))
}

/// The most `c` can earn as a needle's first character in a haystack of `hay_len` bytes
/// with this head ([`head_of`]) and shape: its doubled bonus plus the prefix bonus at each
/// of its positions in the first 16 bytes; past them (no prefix bonus there) its doubled
/// bonus from the shape.
pub(super) fn opening_within(head: u128, hay_len: usize, c: u8, shape: &Shape) -> u32 {
    let mut best = BONUS_FIRST_CHAR_MULTIPLIER * shape.bonus(c);
    let bytes = head.to_le_bytes();
    let hay = &bytes[..hay_len.min(HEAD)];
    let mut maybe = maybe_at(head, c);
    let mut first = None;
    while maybe != 0 {
        let p = (maybe.trailing_zeros() / 8) as usize;
        maybe &= maybe - 1;
        if hay.get(p) == Some(&c) {
            let first_at_start = *first.get_or_insert(p) == 0;
            best = best.max(
                BONUS_FIRST_CHAR_MULTIPLIER * nucleo_bonus(hay, p) + prefix_at(p, first_at_start),
            );
        }
    }
    best
}

/// The most a fuzzy needle of `len` characters can score in any haystack at least
/// `shortest` bytes long: its [`quick_ceiling`] at the start.
pub(super) fn most(len: usize, shortest: usize) -> u32 {
    quick_ceiling(shortest.max(1), len, 0).max(quick_ceiling(usize::MAX, len, 0))
}

/// The most characters the last word may grow by while a [`carried_ceiling`] still bounds
/// the score.
pub(super) const CARRY_MAX: usize = 16;

/// A ceiling of the score of `needles` in an entry that the next keystrokes can bound
/// without reading the entry again ([`carried_growth`]): the sum over the words of the
/// shape's ceiling with the first character's best opening (for a one-character word, its
/// doubled bonus and the largest prefix bonus: a second character may bring the prefix
/// bonus). Growing the last word by a character adds one step of the shape's ceiling, 26
/// at most, as long as the haystack stays longer than the word; hence none for a haystack
/// less than [`CARRY_MAX`] longer than the needles, nor for one so long (1 KiB) that a
/// longer query may take nucleo to its greedy fallback.
pub(super) fn carried_ceiling(entry: &Seen, needles: &[Vec<u8>], probes: &[Probe]) -> Option<u16> {
    let len = entry.hay.len();
    let needle_len: usize = needles.iter().map(Vec::len).sum();
    if len <= needle_len + CARRY_MAX || len > BOUNDED_HAY {
        return None;
    }
    let head = u128::from_le_bytes(*entry.head);
    let shape = entry.shape;
    let ceiling: u32 = needles
        .iter()
        .zip(probes)
        .map(|(n, p)| match n.len() {
            1 => one_letter_carried(shape.bonus(n[0])),
            _ => {
                let f = first_within(head, len, n);
                shape_ceiling(len, p, shape, f) - opening_cut(len, n, head, shape, f)
            }
        })
        .sum();
    carried(ceiling)
}

/// A [`carried_ceiling`] as kept, if it fits.
pub(super) fn carried(ceiling: u32) -> Option<u16> {
    u16::try_from(ceiling).ok().filter(|&c| c != NO_CEILING)
}

/// The carried ceiling of a one-character word whose character gets `bonus` at most: its
/// doubled bonus and, should a second character follow, the largest prefix bonus.
pub(super) fn one_letter_carried(bonus: u32) -> u32 {
    SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * bonus + prefix_ceiling(0)
}

/// How much the [`carried_ceiling`]s computed for the words `before` may grow by for the
/// words `now`: 26 per character the last word grew by, for each word added its [`most`]
/// (for one character, the most it can score as the start of a longer word: the largest
/// bonus doubled and the largest prefix bonus) — so that a carried ceiling grown this way
/// is one for `now` too. `None` when `now` does not extend `before` that way, or grew
/// too much.
pub(super) fn carried_growth(before: &[Vec<u8>], now: &[Vec<u8>], shortest: usize) -> Option<u32> {
    let carry = carry(before, now)?;
    let needle_len: usize = now.iter().map(Vec::len).sum();
    let added = |w: &Vec<u8>| match w.len() {
        1 => one_letter_carried(BONUS_BOUNDARY_WHITE),
        n => most(n, shortest),
    };
    (carry.suffix.len() <= CARRY_MAX && needle_len <= BOUNDED_NEEDLE).then(|| {
        MOST_PER_CHAR * carry.suffix.len() as u32 + carry.more.iter().map(added).sum::<u32>()
    })
}

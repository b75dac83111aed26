//! Fuzzy customer search over one shared, pre-folded index.
//!
//! Every customer has one entry: its name, city and contact names folded to lower-case
//! ASCII (its haystack), plus a bitmask of the characters it contains. A query is folded
//! the same way; entries whose mask lacks a query character are skipped; the others are
//! matched cheaply (leftmost matches, carried from one keystroke to the next) and bounded
//! (floors and ceilings of nucleo's score), and `nucleo-matcher` scores only those that
//! may enter the page. The index is split into chunks shared by `Arc`, each packing its
//! haystacks in one buffer, so a change copies one chunk and searches never lock it.
//!
//! A search answers in two steps: its page (exact) at once, then — when some matches kept
//! off the page were not proved to score enough — its exact count ([`settle`]).

use crate::domain::text::fold_into;
use crate::domain::{Customer, CustomerId, CustomerSummary, EligibilityStatus};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::ops::ControlFlow;
use std::sync::Arc;

const CHUNK: usize = 4096;
/// Above this many matches, a session does not keep them for narrowing.
pub(crate) const NARROW_CAP: usize = 1_000_000;
/// Shorter queries match nearly everything: they are not run.
pub(crate) const MIN_QUERY_CHARS: usize = 2;
/// A match must score at least this much per query character: a subsequence scattered
/// over the whole haystack (a letter here, a letter there) is noise, not a match.
const MIN_SCORE_PER_CHAR: u32 = 12;

/// nucleo-matcher 0.3.1's scoring constants (`score.rs`, `config.rs`), under its own
/// names: the floors and ceilings below re-derive its scores, so they use its numbers —
/// the reason the crate is pinned (`=0.3.1` in Cargo.toml).
const SCORE_MATCH: u32 = 16;
const PENALTY_GAP_START: u32 = 3;
const PENALTY_GAP_EXTENSION: u32 = 1;
/// A word start after a non-word character other than a space or a delimiter.
const BONUS_BOUNDARY: u32 = SCORE_MATCH / 2;
/// A digit after a non-digit.
const BONUS_CAMEL123: u32 = BONUS_BOUNDARY - PENALTY_GAP_START;
/// The least each character of a consecutive run earns.
const BONUS_CONSECUTIVE: u32 = PENALTY_GAP_START + PENALTY_GAP_EXTENSION;
const BONUS_FIRST_CHAR_MULTIPLIER: u32 = 2;
/// The default configuration's bonus after a space (`bonus_boundary_white`), the largest.
const BONUS_BOUNDARY_WHITE: u32 = BONUS_BOUNDARY + 2;
/// … and after a delimiter `/,:;|` (`bonus_boundary_delimiter`).
const BONUS_BOUNDARY_DELIMITER: u32 = BONUS_BOUNDARY + 1;
/// `prefer_prefix`: the bonus of a match from the haystack's start, halved from its
/// optimal matcher's scale as the start moves right.
const MAX_PREFIX_BONUS: u32 = BONUS_BOUNDARY;
const PREFIX_BONUS_SCALE: u32 = 2;
/// The most one more character of a needle adds: a match at the largest bonus.
const MOST_PER_CHAR: u32 = SCORE_MATCH + BONUS_BOUNDARY_WHITE;
/// A haystack's first bytes kept apart (`heads`), beyond which no prefix bonus is worth
/// looking for — a length of ours, not nucleo's (it happens to equal [`SCORE_MATCH`]).
const HEAD: usize = 16;

/// One customer in the index, as shown.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Name, city and SIRET as shown, one after the other in one allocation (at 1 M
    /// customers, two fewer allocations each keep about 60 MB off the server).
    shown: Box<str>,
    city_at: u32,
    siret_at: u32,
    pub status: Option<EligibilityStatus>,
}

/// A customer's entry as built, with what the search matches: its folded haystack.
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// Folded: name, city, contact names, separated by two spaces.
    hay: Box<str>,
    entry: Entry,
}

/// Bit of a folded ASCII character: a–z, 0–9.
fn bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        _ => 0,
    }
}

fn mask_of(s: &str) -> u64 {
    s.bytes().fold(0, |m, b| m | bit(b))
}

impl Entry {
    pub fn of(c: &Customer) -> NewEntry {
        Entry::of_summary(CustomerSummary::of(c))
    }

    /// The entry of a customer from its stored summary.
    pub fn of_summary(c: CustomerSummary) -> NewEntry {
        let mut hay = String::with_capacity(c.legal_name.len() + 48);
        let entry = Entry::folding(c, &mut hay);
        NewEntry {
            hay: hay.into_boxed_str(),
            entry,
        }
    }

    /// The entry of `c`, its haystack folded into `hay` (cleared first).
    fn folding(c: CustomerSummary, hay: &mut String) -> Entry {
        hay.clear();
        fold_into(&c.legal_name, hay);
        hay.push_str("  ");
        fold_into(&c.city, hay);
        // SIRETs are found by prefix through the store's index, not fuzzily.
        for name in &c.contact_names {
            hay.push_str("  ");
            fold_into(name, hay);
        }
        Entry {
            city_at: c.legal_name.len() as u32,
            siret_at: (c.legal_name.len() + c.city.len()) as u32,
            shown: [c.legal_name, c.city, c.siret].concat().into_boxed_str(),
            status: Some(c.status),
        }
    }

    /// The legal name as shown.
    pub fn name(&self) -> &str {
        self.shown.get(..self.city_at as usize).unwrap_or("")
    }

    pub fn city(&self) -> &str {
        self.shown
            .get(self.city_at as usize..self.siret_at as usize)
            .unwrap_or("")
    }

    pub fn siret(&self) -> &str {
        self.shown.get(self.siret_at as usize..).unwrap_or("")
    }

    pub fn is_present(&self) -> bool {
        self.status.is_some()
    }
}

/// Marks a present entry's mask (every query's mask has it).
const PRESENT: u64 = 1 << 63;
/// The cells (haystack bytes × needle characters) past which nucleo leaves its 100 KiB
/// matrix for a greedy match, which no ceiling bounds.
const NUCLEO_CELLS: usize = 64 * 1024;
/// The longest query (in characters, all words) whose ceilings the index may carry over
/// (early letters, carried ceilings) for the haystacks up to [`BOUNDED_HAY`] bytes.
const BOUNDED_NEEDLE: usize = 64;
/// The longest haystack nucleo scores with its matrix for any query up to
/// [`BOUNDED_NEEDLE`] characters.
const BOUNDED_HAY: usize = NUCLEO_CELLS / BOUNDED_NEEDLE;
/// Where an entry's mask holds the [`bit`]s of the letters among its haystack's first
/// [`EARLY`] bytes (of every letter for a haystack longer than [`BOUNDED_HAY`]).
const EARLY_BITS: u32 = 36;
/// How far in a haystack its mask tells the letters: a needle whose first letter occurs
/// no earlier gets 3 of prefix bonus at most ([`prefix_ceiling`], 8 from the start), so
/// that a page full of matches scoring what a match from the start can, less 4 or less,
/// leaves the others out from their masks alone.
const EARLY: usize = 7;

/// An entry's mask: its characters, the letters among its first [`EARLY`] bytes, and
/// [`PRESENT`].
fn entry_mask(hay: &[u8]) -> u64 {
    let early = if hay.len() > BOUNDED_HAY {
        LETTERS
    } else {
        hay[..hay.len().min(EARLY)]
            .iter()
            .fold(0, |m, &b| m | bit(b))
            & LETTERS
    };
    hay.iter().fold(PRESENT, |m, &b| m | bit(b)) | early << EARLY_BITS
}

/// Up to [`CHUNK`] consecutive entries. What a search reads is packed: the haystacks one
/// after the other in one buffer, their character masks side by side, so a search streams
/// through memory instead of following a pointer per customer.
#[derive(Clone, Default)]
struct Chunk {
    hays: Vec<u8>,
    /// Slot `o`'s haystack ends at `ends[o]` and starts where the previous one ends.
    ends: Vec<u32>,
    /// Characters of each haystack, and [`PRESENT`].
    masks: Vec<u64>,
    /// What the cheaper ceilings need of each haystack.
    /// Each haystack's first [`HEAD`] bytes (zeros past its end), where the prefix bonus is.
    heads: Vec<[u8; HEAD]>,
    shapes: Vec<Shape>,
    entries: Vec<Entry>,
}

/// What a haystack offers a query before it is read: the characters that occur where
/// nucleo gives a bonus (and, of the letters, those that start a word after a space or a
/// delimiter), and (a 256-bit Bloom filter) the pairs of characters that occur side by
/// side.
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    /// Bits 0–35: the [`bit`] of each character that gets a bonus somewhere; bits 36–61:
    /// the letters that get 9 or 10 somewhere (elsewhere a letter gets 8 at most).
    bonused: u64,
    pairs: [u64; 4],
}

/// The letters' bits in [`bit`].
const LETTERS: u64 = (1 << 26) - 1;

/// Where [`Shape::bonused`] keeps the letters that start a word after a space or a
/// delimiter.
const WORD_STARTS: u32 = 36;

impl Shape {
    fn of(hay: &[u8]) -> Shape {
        let mut shape = Shape::default();
        let mut prev = (SPACE, None);
        for &b in hay {
            let class = CLASSES[b as usize];
            let bonus = BONUSES[prev.0 as usize][class as usize];
            if bonus > 0 {
                shape.bonused |= bit(b);
            }
            if bonus >= 9 {
                shape.bonused |= (bit(b) & LETTERS) << WORD_STARTS;
            }
            if let Some(a) = prev.1 {
                let h = pair_hash(a, b);
                shape.pairs[h / 64] |= 1 << (h % 64);
            }
            prev = (class, Some(b));
        }
        shape
    }

    /// Whether the pair whose [`Probe`] is `(word, bit)` may occur side by side somewhere
    /// (false: never).
    fn side_by_side(&self, (word, bit): (usize, u64)) -> bool {
        self.pairs[word] & bit != 0
    }

    /// The largest bonus `c` can get: 10 when a letter starts a word after a space or a
    /// delimiter somewhere (or a digit gets any bonus, or `c` is neither), 8 when the
    /// letter only follows another non-word character, none when it never gets a bonus.
    fn bonus(&self, c: u8) -> u32 {
        self.bonus_of(bit(c))
    }

    /// [`Shape::bonus`] of the character whose [`bit`] is `b`.
    fn bonus_of(&self, b: u64) -> u32 {
        let any = b == 0 || self.bonused & b != 0;
        let top = b & LETTERS == 0 || (self.bonused >> WORD_STARTS) & b != 0;
        any as u32
            * if top {
                BONUS_BOUNDARY_WHITE
            } else {
                BONUS_BOUNDARY
            }
    }
}

/// What [`shape_ceiling`] asks of a shape for one needle, worked out once per query: each
/// character's [`bit`], each adjacent pair's place in the pairs filter.
struct Probe<'a> {
    needle: &'a [u8],
    bits: Vec<u64>,
    pairs: Vec<(usize, u64)>,
}

impl Probe<'_> {
    fn of(needle: &[u8]) -> Probe<'_> {
        Probe {
            needle,
            bits: needle.iter().map(|&c| bit(c)).collect(),
            pairs: needle
                .windows(2)
                .map(|p| {
                    let h = pair_hash(p[0], p[1]);
                    (h / 64, 1 << (h % 64))
                })
                .collect(),
        }
    }
}

/// Where the pair `a`, `b` falls in a [`Shape`]'s filter.
fn pair_hash(a: u8, b: u8) -> usize {
    ((a as u32).wrapping_mul(0x9E37_79B9) ^ (b as u32).wrapping_mul(0x85EB_CA6B)).rotate_left(13)
        as usize
        % 256
}

/// What a search may read of one entry (each read only when needed: they lie in
/// different arrays of the chunk).
struct Seen<'a> {
    hay: &'a [u8],
    head: &'a [u8; HEAD],
    shape: &'a Shape,
}

impl Chunk {
    fn hay(&self, o: usize) -> &[u8] {
        let start = o.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.hays[start..self.ends[o] as usize]
    }

    fn seen(&self, o: usize) -> Seen<'_> {
        Seen {
            hay: self.hay(o),
            head: &self.heads[o],
            shape: &self.shapes[o],
        }
    }

    fn set(&mut self, o: usize, hay: &[u8], entry: Entry) {
        while self.entries.len() <= o {
            self.ends.push(self.hays.len() as u32);
            self.masks.push(0);
            self.heads.push([0; HEAD]);
            self.shapes.push(Shape::default());
            self.entries.push(Entry::default());
        }
        let start = o.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        let end = self.ends[o] as usize;
        if start == self.hays.len() {
            // Appending (the usual case while the store opens).
            self.hays.extend_from_slice(hay);
        } else {
            self.hays.splice(start..end, hay.iter().copied());
        }
        let grown = hay.len() as i64 - (end - start) as i64;
        for e in &mut self.ends[o..] {
            *e = (*e as i64 + grown) as u32;
        }
        self.masks[o] = if entry.is_present() {
            entry_mask(hay)
        } else {
            0
        };
        self.heads[o] = head_of(hay);
        self.shapes[o] = Shape::of(hay);
        self.entries[o] = entry;
    }

    fn shrink(&mut self) {
        self.hays.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.masks.shrink_to_fit();
        self.heads.shrink_to_fit();
        self.shapes.shrink_to_fit();
        self.entries.shrink_to_fit();
    }
}

/// An immutable snapshot of the index. Entry `i` is customer id `i + 1`.
#[derive(Clone, Default)]
pub struct CustomerIndex {
    chunks: Vec<Arc<Chunk>>,
    len: usize,
    /// Grows with every change: a search's matches narrow only searches on the same one.
    generation: u64,
    /// The shortest and the longest haystack ever added (what the most a query can
    /// score depends on).
    shortest: usize,
    longest: usize,
}

impl CustomerIndex {
    pub fn from_entries(entries: Vec<(CustomerId, NewEntry)>) -> CustomerIndex {
        let mut idx = CustomerIndex::default();
        for (id, e) in entries {
            idx.set(id, e);
        }
        idx.shrink();
        idx
    }

    /// Adds (or replaces) a customer from its stored summary, folding its haystack in
    /// `scratch`: no allocation per customer but what it shows (the store's open, where a
    /// million short-lived haystacks would leave the heap full of holes).
    pub fn add_summary(&mut self, c: CustomerSummary, scratch: &mut String) {
        let id = c.id;
        let entry = Entry::folding(c, scratch);
        self.put(id, scratch.as_bytes(), entry);
    }

    /// Gives back the room the chunks grew into (after adding many entries).
    pub fn shrink(&mut self) {
        for chunk in &mut self.chunks {
            Arc::make_mut(chunk).shrink();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The customers whose eligibility is `status` (a scan: for screens, not per frame).
    pub fn with_status(&self, status: EligibilityStatus) -> Vec<CustomerId> {
        let mut out = Vec::new();
        for (c, chunk) in self.chunks.iter().enumerate() {
            for (i, e) in chunk.entries.iter().enumerate() {
                if e.is_present() && e.status == Some(status) {
                    out.push(CustomerId((c * CHUNK + i + 1) as u64));
                }
            }
        }
        out
    }

    pub fn get(&self, id: CustomerId) -> Option<&Entry> {
        let i = (id.0 as usize).checked_sub(1)?;
        self.chunks
            .get(i / CHUNK)?
            .entries
            .get(i % CHUNK)
            .filter(|e| e.is_present())
    }

    /// What a search may read of a present entry.
    #[cfg(test)]
    fn seen(&self, id: u32) -> Option<Seen<'_>> {
        let i = (id as usize).checked_sub(1)?;
        let chunk = self.chunks.get(i / CHUNK)?;
        let mask = *chunk.masks.get(i % CHUNK)?;
        (mask & PRESENT != 0).then(|| chunk.seen(i % CHUNK))
    }

    /// Replaces (or adds) one entry, copying only its chunk.
    pub fn set(&mut self, id: CustomerId, e: NewEntry) {
        self.put(id, e.hay.as_bytes(), e.entry);
    }

    fn put(&mut self, id: CustomerId, hay: &[u8], e: Entry) {
        let Some(i) = (id.0 as usize).checked_sub(1) else {
            return;
        };
        let (c, o) = (i / CHUNK, i % CHUNK);
        while self.chunks.len() <= c {
            self.chunks.push(Arc::default());
        }
        self.generation += 1;
        if self.len == 0 || hay.len() < self.shortest {
            self.shortest = hay.len();
        }
        self.longest = self.longest.max(hay.len());
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        let was_present = chunk.entries.get(o).is_some_and(Entry::is_present);
        if !was_present && e.is_present() {
            self.len += 1;
        }
        chunk.set(o, hay, e);
    }

    /// Every present entry's folded haystack (the `fzf` yardstick of `bench search`).
    #[cfg(feature = "bench")]
    pub fn haystacks(&self) -> impl Iterator<Item = &str> {
        self.haystacks_with_ids()
            .map(|(_, hay, _)| std::str::from_utf8(hay).unwrap_or_default())
    }

    /// Every present entry: id, folded haystack, mask.
    fn haystacks_with_ids(&self) -> impl Iterator<Item = (u32, &[u8], u64)> {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk
                .masks
                .iter()
                .enumerate()
                .filter(|(_, m)| *m & PRESENT != 0)
                .map(move |(o, &m)| ((c * CHUNK + o + 1) as u32, chunk.hay(o), m))
        })
    }
}

/// A parsed query, folded like the index.
pub(crate) struct Query {
    pub folded: String,
    pattern: Pattern,
    mask: u64,
    min_score: u32,
    significant: usize,
}

impl Query {
    pub(crate) fn new(raw: &str) -> Query {
        let mut folded = String::new();
        fold_into(raw.trim(), &mut folded);
        let pattern = Pattern::parse(&folded, CaseMatching::Ignore, Normalization::Never);
        let mask = folded
            .split_whitespace()
            .filter(|w| !w.starts_with('!'))
            .fold(PRESENT, |m, w| m | mask_of(w));
        let significant = folded.chars().filter(|c| c.is_ascii_alphanumeric()).count();
        Query {
            folded,
            pattern,
            mask,
            min_score: MIN_SCORE_PER_CHAR * significant as u32,
            significant,
        }
    }

    /// Too short to be worth running.
    pub(crate) fn too_short(&self) -> bool {
        self.significant < MIN_QUERY_CHARS
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pattern.atoms.is_empty()
    }

    /// Score of a folded ASCII haystack, or `None` when it does not match.
    pub(crate) fn score(&self, hay: &[u8], mask: u64, matcher: &mut Matcher) -> Option<u32> {
        if mask & self.mask != self.mask {
            return None;
        }
        self.pattern
            .score(Utf32Str::Ascii(hay), matcher)
            .filter(|s| *s >= self.min_score)
    }

    /// Positions (in chars of `original`) that the query matches in `original`, for
    /// highlighting. Each atom is matched on its own, so a word that matched the city
    /// does not prevent highlighting the name.
    pub(crate) fn highlight(&self, original: &str, matcher: &mut Matcher) -> Vec<usize> {
        // Fold char by char, remembering which original char produced each byte.
        let mut folded = String::new();
        let mut origin = Vec::new();
        for (ci, ch) in original.chars().enumerate() {
            let before = folded.len();
            fold_into(ch.encode_utf8(&mut [0; 4]), &mut folded);
            origin.extend(std::iter::repeat_n(ci, folded.len() - before));
        }
        let mut idx = Vec::new();
        for atom in &self.pattern.atoms {
            if atom.negative {
                continue;
            }
            let mut part = Vec::new();
            if atom
                .indices(Utf32Str::Ascii(folded.as_bytes()), matcher, &mut part)
                .is_some()
            {
                idx.extend(part);
            }
        }
        let mut out: Vec<usize> = idx
            .into_iter()
            .filter_map(|i| origin.get(i as usize).copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether the folded query `longer` can only match a subset of what `shorter` matched, so
/// its results can be narrowed from those of `shorter`.
fn narrows(shorter: &str, longer: &str) -> bool {
    !shorter.is_empty()
        && longer.starts_with(shorter)
        && !longer.contains(['!', '$', '|', '\\'])
        && !shorter.ends_with(['^', '\''])
}

/// A new matcher configured for pre-folded haystacks, names first.
pub(crate) fn new_matcher() -> Matcher {
    let mut config = Config::DEFAULT;
    config.prefer_prefix = true;
    config.normalize = false;
    config.ignore_case = true;
    Matcher::new(config)
}

thread_local! {
    static MATCHER: std::cell::RefCell<Option<Matcher>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's matcher (about 135 KB of scratch, created once per thread).
pub(crate) fn with_thread_matcher<R>(f: impl FnOnce(&mut Matcher) -> R) -> R {
    MATCHER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let m = slot.get_or_insert_with(new_matcher);
        f(m)
    })
}

/// No lead kept: the next keystroke starts this candidate's leftmost match over.
const NO_LEAD: u16 = u16::MAX;
/// The `ceiling` of a kept match without one.
const NO_CEILING: u16 = u16::MAX;

/// One raw match kept for narrowing: the customer and, for plain fuzzy queries, its *lead*
/// — where the leftmost match of the query's last word ends and the floor of the leftmost
/// matches of all its words — so that the next keystroke, which usually adds one letter,
/// costs one `memchr` per candidate instead of matching every word again; and its
/// [`carried_ceiling`], so that the next keystroke's page leaves most candidates out
/// without reading anything else of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kept {
    pub id: u32,
    last: u16,
    floor: i16,
    ceiling: u16,
}

impl Kept {
    fn new(id: u32, lead: Option<Lead>, ceiling: Option<u16>) -> Kept {
        let kept = match lead {
            Some((last, floor)) if last < NO_LEAD as usize => match i16::try_from(floor) {
                Ok(floor) => Kept {
                    last: last as u16,
                    floor,
                    ..Kept::bare(id)
                },
                Err(_) => Kept::bare(id),
            },
            _ => Kept::bare(id),
        };
        Kept {
            ceiling: ceiling.unwrap_or(NO_CEILING),
            ..kept
        }
    }

    fn bare(id: u32) -> Kept {
        Kept {
            id,
            last: NO_LEAD,
            floor: 0,
            ceiling: NO_CEILING,
        }
    }

    fn lead(&self) -> Option<Lead> {
        (self.last != NO_LEAD).then_some((self.last as usize, self.floor as i32))
    }
}

/// Every raw match of a search, in increasing id order, kept to narrow the next keystroke.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    /// The words the leads were computed for (`None`: ids only, no lead).
    needles: Option<Vec<Vec<u8>>>,
    kept: Vec<Kept>,
}

impl Matches {
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.kept.iter().map(|k| k.id)
    }
}

/// The result of one search, kept by a session to narrow the next keystroke.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub query: String,
    /// The index generation it was computed on.
    pub generation: u64,
    /// Every matching customer (when at most [`NARROW_CAP`]), for narrowing.
    pub all: Option<Arc<Matches>>,
    /// The hits counted: all of them once [`Found::settled`], else at least the page's.
    pub total: usize,
    /// Until the hits are counted ([`settle`]): the candidates the page was searched
    /// among. The page is exact without the count.
    pub(crate) uncounted: Option<Source>,
    /// The best `limit` hits, best first: (customer id, score).
    pub top: Vec<(CustomerId, u32)>,
}

/// The candidates a search visits: every entry of the index, or the matches of a query
/// the search's query extends.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    Index,
    Narrowed(Arc<Matches>),
}

impl Found {
    /// The answer to a query too short to run: nothing.
    fn nothing(query: &Query) -> Found {
        Found {
            query: query.folded.clone(),
            ..Found::default()
        }
    }

    /// Whether `total` counts every hit (and `all` holds the matches, when kept).
    pub fn settled(&self) -> bool {
        self.uncounted.is_none()
    }

    /// What a longer query narrows from: the matches, once counted, else the candidates
    /// the page was searched among (a superset of them).
    fn narrowing(&self) -> Option<&Arc<Matches>> {
        match (&self.all, &self.uncounted) {
            (Some(all), _) => Some(all),
            (None, Some(Source::Narrowed(from))) => Some(from),
            _ => None,
        }
    }

    /// The ids of every match kept for narrowing (tests and benchmarks).
    #[cfg(any(test, feature = "bench"))]
    pub fn matched_ids(&self) -> Option<Vec<u32>> {
        self.all.as_ref().map(|m| m.ids().collect())
    }

    /// Whether `query`, on `index`, can be answered from these matches: they were kept,
    /// computed on the same generation of the index, and the query only grew.
    fn narrows_to(&self, query: &Query, index: &CustomerIndex) -> bool {
        self.narrowing().is_some()
            && self.generation == index.generation
            && narrows(&self.query, &query.folded)
    }
}

/// Runs `query` over the index, or over `previous` matches when the query only grew.
///
/// Narrowing works on the raw matches (every haystack the query is a subsequence of), which
/// can only shrink as the query grows; the hits shown are the raw matches that also score
/// well enough, so a narrowed search gives exactly what a full search would.
///
/// Plain fuzzy queries (the usual case) take [`search_page`]: the optimal score is
/// computed only for the entries that can still enter the top page, and the hits are
/// counted (and the matches kept for narrowing) afterwards by [`settle`]. Other queries
/// (`'exact`, `^prefix`, `!not`…) score every candidate ([`search_scan`]), settled at once.
/// Both give the same page, and the same count once settled.
pub(crate) fn search(
    index: &CustomerIndex,
    query: &Query,
    previous: Option<&Found>,
    limit: usize,
    matcher: &mut Matcher,
) -> Found {
    search_with(index, query, previous, limit, matcher, Mode::Auto)
}

/// [`search`], scoring every candidate: the reference the bounded search is checked against.
#[cfg(any(test, feature = "bench"))]
pub(crate) fn search_every_candidate(
    index: &CustomerIndex,
    query: &Query,
    previous: Option<&Found>,
    limit: usize,
    matcher: &mut Matcher,
) -> Found {
    search_with(index, query, previous, limit, matcher, Mode::EveryCandidate)
}

/// How [`search_with`] goes about it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Bounded when it can; on both cores for many candidates when no other search runs.
    Auto,
    /// Score every candidate, on this thread (the reference).
    EveryCandidate,
    /// Bounded, always in two halves (tests of the merge).
    #[cfg(test)]
    Halves,
}

/// Candidates above which one search uses a second core when no other search runs.
const SPLIT_MIN: usize = 16 * 1024;

/// Searches running now, in this process.
static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct RunningSearch;

impl RunningSearch {
    fn enter() -> (RunningSearch, usize) {
        let now = RUNNING.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        (RunningSearch, now)
    }
}

impl Drop for RunningSearch {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn two_cores() -> bool {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())) > 1
}

fn search_with(
    index: &CustomerIndex,
    query: &Query,
    previous: Option<&Found>,
    limit: usize,
    matcher: &mut Matcher,
    mode: Mode,
) -> Found {
    if query.too_short() {
        return Found::nothing(query);
    }
    // A previous answer on another generation of the index may miss a customer renamed
    // since: it does not narrow.
    let narrowed = previous
        .filter(|p| p.narrows_to(query, index))
        .and_then(|p| p.narrowing().cloned());
    let needles = fuzzy_needles(query).filter(|_| limit > 0 && mode != Mode::EveryCandidate);
    let candidates = Candidates::new(index, narrowed.as_deref().map(|m| m.kept.as_slice()));
    let (_running, running) = RunningSearch::enter();
    // How much the previous matches' carried ceilings may have grown since.
    let growth = narrowed
        .as_ref()
        .and_then(|m| m.needles.as_deref())
        .zip(needles.as_deref())
        .and_then(|(before, now)| carried_growth(before, now, index.shortest));
    let run = |c: &Candidates, m: &mut Matcher| match &needles {
        Some(needles) => search_page(c, query, needles, growth, limit, m),
        None => search_scan(c, query, limit, m),
    };
    let split = match mode {
        Mode::Auto => candidates.len() >= SPLIT_MIN && running == 1 && two_cores(),
        Mode::EveryCandidate => false,
        #[cfg(test)]
        Mode::Halves => true,
    };
    let out = if split {
        // The other core takes the second half; ids stay in order, the pages merge.
        let (first, second) = candidates.split();
        let (a, b) = std::thread::scope(|s| {
            let helper = s.spawn(|| with_thread_matcher(|m| run(&second, m)));
            let a = run(&first, matcher);
            (a, helper.join())
        });
        let b = b.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        a.merge(b, limit)
    } else {
        run(&candidates, matcher)
    };
    let (all, uncounted) = match needles {
        // The page alone: the hits are counted by `settle`.
        Some(_) => (None, Some(narrowed.map_or(Source::Index, Source::Narrowed))),
        None => (kept(None, out.raw), None),
    };
    Found {
        query: query.folded.clone(),
        generation: index.generation,
        all,
        total: out.total,
        uncounted,
        top: out.top,
    }
}

/// A search's raw matches, kept for narrowing unless there are too many.
fn kept(needles: Option<Vec<Vec<u8>>>, raw: Vec<Kept>) -> Option<Arc<Matches>> {
    (raw.len() <= NARROW_CAP).then(|| Arc::new(Matches { needles, kept: raw }))
}

/// The entries a search visits, in increasing id order: every present entry, or the
/// previous raw matches; `range` is a part of them (positions in `narrowed`, or entry
/// slots: id − 1).
struct Candidates<'a> {
    index: &'a CustomerIndex,
    narrowed: Option<&'a [Kept]>,
    range: std::ops::Range<usize>,
}

impl<'a> Candidates<'a> {
    fn new(index: &'a CustomerIndex, narrowed: Option<&'a [Kept]>) -> Candidates<'a> {
        let slots = index.chunks.last().map_or(0, |last| {
            (index.chunks.len() - 1) * CHUNK + last.masks.len()
        });
        let end = narrowed.map_or(slots, <[Kept]>::len);
        Candidates {
            index,
            narrowed,
            range: 0..end,
        }
    }

    fn len(&self) -> usize {
        self.range.len()
    }

    /// The first and the second half.
    fn split(&self) -> (Candidates<'a>, Candidates<'a>) {
        let mid = self.range.start + self.range.len() / 2;
        let part = |range| Candidates {
            index: self.index,
            narrowed: self.narrowed,
            range,
        };
        (part(self.range.start..mid), part(mid..self.range.end))
    }

    /// Calls `f` with the id, haystack and, when narrowing, what the previous search
    /// kept of each candidate whose mask holds every character of `mask`, until `f` breaks.
    fn for_each(
        &self,
        mask: u64,
        f: impl FnMut(u32, Seen<'a>, Option<&Kept>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.for_each_but(&std::cell::Cell::new(mask), 0, |_| false, f)
    }

    /// [`Candidates::for_each`] with a `mask` that may change as it goes, leaving out the
    /// candidates whose mask has any bit of `forbid`, and at once (nothing else of them
    /// read) the previous matches `skip` says to when narrowing.
    fn for_each_but(
        &self,
        mask: &std::cell::Cell<u64>,
        forbid: u64,
        skip: impl Fn(&Kept) -> bool,
        mut f: impl FnMut(u32, Seen<'a>, Option<&Kept>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        match self.narrowed {
            Some(kept) => {
                for k in &kept[self.range.clone()] {
                    if skip(k) {
                        continue;
                    }
                    let i = (k.id as usize).wrapping_sub(1);
                    let Some(chunk) = self.index.chunks.get(i / CHUNK) else {
                        continue;
                    };
                    let mask = mask.get();
                    let fits = |m: &u64| m & mask == mask && m & forbid == 0;
                    if chunk.masks.get(i % CHUNK).is_some_and(fits) {
                        f(k.id, chunk.seen(i % CHUNK), Some(k))?;
                    }
                }
            }
            None => {
                let mut slot = self.range.start;
                while slot < self.range.end {
                    let (c, o) = (slot / CHUNK, slot % CHUNK);
                    let Some(chunk) = self.index.chunks.get(c) else {
                        break;
                    };
                    let end = chunk.masks.len().min(o + (self.range.end - slot));
                    for (k, &m) in chunk
                        .masks
                        .get(o..end)
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                    {
                        let mask = mask.get();
                        if m & mask == mask && m & forbid == 0 {
                            let id = (c * CHUNK + o + k + 1) as u32;
                            f(id, chunk.seen(o + k), None)?;
                        }
                    }
                    slot = (c + 1) * CHUNK;
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// What a search over some candidates found.
struct Outcome {
    /// Every raw match, in increasing id order (not kept by the page of a fuzzy query).
    raw: Vec<Kept>,
    top: Vec<(CustomerId, u32)>,
    /// Hits counted (every one, or those found for the page).
    total: usize,
}

impl Outcome {
    /// The answer over two consecutive parts of the candidates from the answers over each.
    fn merge(mut self, b: Outcome, limit: usize) -> Outcome {
        self.raw.extend(b.raw);
        let hits = self
            .top
            .into_iter()
            .chain(b.top)
            .map(|(id, s)| (id.0 as u32, s))
            .collect();
        Outcome {
            raw: self.raw,
            top: ranked(hits, limit),
            total: self.total + b.total,
        }
    }
}

/// Best first; ties broken by id for stable results.
fn by_rank(a: &(u32, u32), b: &(u32, u32)) -> std::cmp::Ordering {
    b.1.cmp(&a.1).then(a.0.cmp(&b.0))
}

/// The best `limit` of `hits` (id, score), best first.
fn ranked(mut hits: Vec<(u32, u32)>, limit: usize) -> Vec<(CustomerId, u32)> {
    if hits.len() > limit && limit > 0 {
        hits.select_nth_unstable_by(limit - 1, by_rank);
    }
    hits.truncate(limit);
    hits.sort_unstable_by(by_rank);
    hits.into_iter()
        .map(|(id, s)| (CustomerId(id as u64), s))
        .collect()
}

/// Scores every candidate with the optimal matcher.
fn search_scan(c: &Candidates, query: &Query, limit: usize, matcher: &mut Matcher) -> Outcome {
    let mut raw = Vec::new();
    let mut hits: Vec<(u32, u32)> = Vec::new();
    let _ = c.for_each(query.mask, |id, seen, _| {
        if let Some(s) = query.pattern.score(Utf32Str::Ascii(seen.hay), matcher) {
            raw.push(Kept::bare(id));
            if s >= query.min_score {
                hits.push((id, s));
            }
        }
        ControlFlow::Continue(())
    });
    Outcome {
        raw,
        total: hits.len(),
        top: ranked(hits, limit),
    }
}

/// The needles of a query made only of plain fuzzy words, or `None`.
fn fuzzy_needles(query: &Query) -> Option<Vec<Vec<u8>>> {
    query
        .pattern
        .atoms
        .iter()
        .map(|a| {
            if a.negative || a.kind != AtomKind::Fuzzy {
                return None;
            }
            match a.needle_text() {
                Utf32Str::Ascii(b) if !b.is_empty() => Some(b.to_vec()),
                _ => None,
            }
        })
        .collect()
}

/// nucleo's character classes.
const SPACE: u8 = 0;
const NON_WORD: u8 = 1;
const DELIMITER: u8 = 2;
const WORD: u8 = 3;
const DIGIT: u8 = 4;

/// The class of every byte.
static CLASSES: [u8; 256] = {
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
static BONUSES: [[u8; 5]; 5] = {
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
fn nucleo_bonus(hay: &[u8], p: usize) -> u32 {
    let prev = p.checked_sub(1).map_or(SPACE, |q| CLASSES[hay[q] as usize]);
    BONUSES[prev as usize][CLASSES[hay[p] as usize] as usize] as u32
}

/// The prefix bonus nucleo may give a match whose first character first occurs at
/// `first`: the optimal matcher's, or the one of its path for a needle that occurs once,
/// contiguous (7 one character in, where the other gives 6).
fn prefix_ceiling(first: usize) -> u32 {
    prefix_at(first, first == 0)
}

/// Where a needle's first character first occurs in `hay` (what the prefix bonus depends
/// on); not looked for when the needle is one character (no prefix bonus then). The
/// reference of [`first_within`].
#[cfg(test)]
fn first_of(hay: &[u8], needle: &[u8]) -> usize {
    if needle.len() == 1 {
        return 0;
    }
    memchr::memchr(needle[0], hay).unwrap_or(0)
}

/// A looser [`shape_ceiling`] from the lengths and where the needle's first character
/// first occurs alone: every character at the largest bonus (10), the first one doubled,
/// plus the prefix bonus.
fn quick_ceiling(hay_len: usize, needle_len: usize, first: usize) -> u32 {
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
fn prefix_at(p: usize, first_at_start: bool) -> u32 {
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
fn shape_ceiling(hay_len: usize, probe: &Probe, shape: &Shape, first: usize) -> u32 {
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
struct Cell {
    at: u32,
    /// The most an alignment of the needle so far ending here can score.
    score: u32,
    /// The largest consecutive bonus such an alignment may carry on.
    carried: u32,
}

/// A needle (2 to 64 characters) as [`dp_ceiling`] reads it: for each byte, the needle
/// positions that hold it.
struct DpNeedle {
    len: usize,
    first: u8,
    last: u8,
    at: Box<[u64; 256]>,
}

impl DpNeedle {
    fn of(needle: &[u8]) -> Option<DpNeedle> {
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
struct DpRows {
    last: Vec<Cell>,
    gapped: Vec<u32>,
    rest: Vec<[u32; 3]>,
}

/// The `at` of a needle position without a cell.
const NO_CELL: u32 = u32::MAX;

/// The level of a consecutive bonus carried on, for [`rest_of`]: 4 at most (a run's own
/// bonus is never below 4), 8 at most, or more (10 at most).
fn carried_level(carried: u32) -> usize {
    (carried > BONUS_CONSECUTIVE) as usize + (carried > BONUS_BOUNDARY) as usize
}

/// The most the needle characters after each position can add to an alignment that
/// carries a consecutive bonus of each [`carried_level`], from the haystack's shape: each
/// one a match (16) at its largest bonus, or at the bonus carried on when it may follow
/// the previous one side by side, else after a gap (3 at least). `rest[i]` is for the
/// characters after `i`.
fn rest_of(probe: &Probe, shape: &Shape, rest: &mut Vec<[u32; 3]>) {
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
fn dp_ceiling(
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

/// Starts tried by [`score_floor`]: enough for names, bounded for pathological haystacks.
const FLOOR_STARTS: usize = 8;

/// Where a leftmost match ends in a haystack, and the score its alignment surely earns.
type Lead = (usize, i32);

/// The leftmost match from `start` (an occurrence of the needle's first character)
/// extended by `c`: its next occurrence, with its bonus (4 at least for a consecutive
/// match) and the gap's full penalty.
fn step(hay: &[u8], (last, floor): Lead, c: u8) -> Option<Lead> {
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
fn from_start(hay: &[u8], start: usize, rest: &[u8]) -> Option<Lead> {
    let first = (
        start,
        (SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * nucleo_bonus(hay, start)) as i32,
    );
    rest.iter().try_fold(first, |lead, &c| step(hay, lead, c))
}

/// The leftmost match of `needle` in `hay`, or `None` when it is not a subsequence.
fn leftmost(hay: &[u8], needle: &[u8]) -> Option<Lead> {
    let (&first, rest) = needle.split_first()?;
    from_start(hay, memchr::memchr(first, hay)?, rest)
}

/// The leftmost matches of every word: where the last ends, and the sum of their floors.
fn fresh_lead(hay: &[u8], needles: &[Vec<u8>]) -> Option<Lead> {
    more_words(hay, (0, 0), needles)
}

/// `lead` followed by the leftmost matches of more words.
fn more_words(hay: &[u8], lead: Lead, words: &[Vec<u8>]) -> Option<Lead> {
    words.iter().try_fold(lead, |(_, floor), n| {
        leftmost(hay, n).map(|(last, f)| (last, floor + f))
    })
}

/// How the leads of a previous search carry over to the next query's words: the words
/// before the last are the same, the last grew by `suffix`, and `more` words follow.
struct Carry<'a> {
    suffix: &'a [u8],
    more: &'a [Vec<u8>],
}

fn carry<'a>(previous: &[Vec<u8>], next: &'a [Vec<u8>]) -> Option<Carry<'a>> {
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
fn carried_lead(hay: &[u8], lead: Lead, carry: &Carry) -> Option<Lead> {
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
fn score_floor(hay: &[u8], needle: &[u8], starts: usize) -> Option<u32> {
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
fn head_of(hay: &[u8]) -> [u8; HEAD] {
    let mut head = [0u8; HEAD];
    let n = hay.len().min(HEAD);
    head[..n].copy_from_slice(&hay[..n]);
    head
}

/// Where `needle`'s first character first occurs in the haystack whose [`head_of`] is
/// `head`, as far as the prefix bonus goes ([`prefix_ceiling`] gives nothing from 13 on):
/// [`HEAD`] when not in its first [`HEAD`] bytes (the haystack itself is not read). Not looked for
/// when the needle is one character.
fn first_within(head: u128, hay_len: usize, needle: &[u8]) -> usize {
    if needle.len() == 1 || needle[0] == 0 {
        return 0;
    }
    let at = (maybe_at(head, needle[0]).trailing_zeros() / 8) as usize;
    if at < hay_len.min(HEAD) { at } else { HEAD }
}

/// The high bit of each byte of `head` that may equal `c`: every byte that does, and maybe
/// some above the lowest one that does (never below it).
fn maybe_at(head: u128, c: u8) -> u128 {
    const ONES: u128 = u128::MAX / 255;
    // The bytes equal to `c` become zero, and a zero byte sets its high bit.
    let x = head ^ (ONES * c as u128);
    x.wrapping_sub(ONES) & !x & (ONES << 7)
}

/// What [`opening_within`] takes off a needle's [`shape_ceiling`]: its first character's
/// bonus and prefix bonus at the best of its positions instead of its best bonus with the
/// prefix bonus of its first occurrence.
fn opening_cut(hay_len: usize, needle: &[u8], head: u128, shape: &Shape, first: usize) -> u32 {
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
fn opening_within(head: u128, hay_len: usize, c: u8, shape: &Shape) -> u32 {
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
fn most(len: usize, shortest: usize) -> u32 {
    quick_ceiling(shortest.max(1), len, 0).max(quick_ceiling(usize::MAX, len, 0))
}

/// The most characters the last word may grow by while a [`carried_ceiling`] still bounds
/// the score.
const CARRY_MAX: usize = 16;

/// A ceiling of the score of `needles` in an entry that the next keystrokes can bound
/// without reading the entry again ([`carried_growth`]): the sum over the words of the
/// shape's ceiling with the first character's best opening (for a one-character word, its
/// doubled bonus and the largest prefix bonus: a second character may bring the prefix
/// bonus). Growing the last word by a character adds one step of the shape's ceiling, 26
/// at most, as long as the haystack stays longer than the word; hence none for a haystack
/// less than [`CARRY_MAX`] longer than the needles, nor for one so long (1 KiB) that a
/// longer query may take nucleo to its greedy fallback.
fn carried_ceiling(entry: &Seen, needles: &[Vec<u8>], probes: &[Probe]) -> Option<u16> {
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
fn carried(ceiling: u32) -> Option<u16> {
    u16::try_from(ceiling).ok().filter(|&c| c != NO_CEILING)
}

/// The carried ceiling of a one-character word whose character gets `bonus` at most: its
/// doubled bonus and, should a second character follow, the largest prefix bonus.
fn one_letter_carried(bonus: u32) -> u32 {
    SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * bonus + prefix_ceiling(0)
}

/// How much the [`carried_ceiling`]s computed for the words `before` may grow by for the
/// words `now`: 26 per character the last word grew by, for each word added its [`most`]
/// (for one character, the most it can score as the start of a longer word: the largest
/// bonus doubled and the largest prefix bonus) — so that a carried ceiling grown this way
/// is one for `now` too. `None` when `now` does not extend `before` that way, or grew
/// too much.
fn carried_growth(before: &[Vec<u8>], now: &[Vec<u8>], shortest: usize) -> Option<u32> {
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

/// How many candidates the cheaper ceilings did not bar wait, their haystacks prefetched,
/// before their haystacks are read: reading one is a cache miss (and, over a million
/// customers, most often a TLB miss), and waiting lets several overlap the visit of the
/// next candidates.
const PIPELINE: usize = 8;

/// Asks the processor to start loading `bytes` (up to four cache lines, and the last one)
/// into its caches. A hint: nothing is read, nothing can fault.
#[inline(always)]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let hint = |i: usize| {
            let at = bytes[i..].as_ptr().cast::<i8>();
            // SAFETY: a prefetch only hints the cache; it reads no memory the program sees
            // and cannot fault (and `at` points into `bytes` anyway).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at) }
        };
        for i in (0..bytes.len().min(256)).step_by(64) {
            hint(i);
        }
        if let Some(last) = bytes.len().checked_sub(1) {
            hint(last);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// The candidates waiting for their haystack to be read ([`PIPELINE`]), in id order, with
/// their ceiling per word.
struct Waiting<'a> {
    entries: std::collections::VecDeque<(u32, &'a [u8], &'a Shape)>,
    ceilings: std::collections::VecDeque<u32>,
}

impl<'a> Waiting<'a> {
    fn new(words: usize) -> Waiting<'a> {
        Waiting {
            entries: std::collections::VecDeque::with_capacity(PIPELINE + 1),
            ceilings: std::collections::VecDeque::with_capacity((PIPELINE + 1) * words),
        }
    }

    fn push(&mut self, id: u32, hay: &'a [u8], shape: &'a Shape, ceilings: &[u32]) {
        prefetch(hay);
        self.entries.push_back((id, hay, shape));
        self.ceilings.extend(ceilings);
    }

    /// The candidate that waited longest, its ceilings written to `ceilings`.
    fn pop(&mut self, ceilings: &mut [u32]) -> Option<(u32, &'a [u8], &'a Shape)> {
        let first = self.entries.pop_front()?;
        let words = ceilings.len();
        for (c, w) in ceilings.iter_mut().zip(self.ceilings.drain(..words)) {
            *c = w;
        }
        Some(first)
    }
}

/// What the page of a plain fuzzy query holds and needs while its candidates are visited.
struct PageSearch<'q> {
    query: &'q Query,
    needles: &'q [Vec<u8>],
    probes: Vec<Probe<'q>>,
    dps: Vec<Option<DpNeedle>>,
    rows: DpRows,
    exact_words: Vec<bool>,
    /// The page so far; its greatest element is the worst hit (lowest score, then the
    /// highest id). Candidates are scored in increasing id order, so a later candidate
    /// enters only with a strictly higher score than the worst.
    page: std::collections::BinaryHeap<(std::cmp::Reverse<u32>, u32)>,
    limit: usize,
    /// The most any candidate can score (none when nucleo may fall back to a greedy match).
    best: u32,
    /// A score the candidates must beat, page full or not (what another part of the
    /// candidates already put on its page, less one: a tie may still enter by its id).
    seed: u32,
    /// Hits scored.
    total: usize,
}

impl<'q> PageSearch<'q> {
    fn new(
        index: &CustomerIndex,
        query: &'q Query,
        needles: &'q [Vec<u8>],
        limit: usize,
        seed: u32,
    ) -> PageSearch<'q> {
        let needle_len: usize = needles.iter().map(Vec::len).sum();
        PageSearch {
            query,
            needles,
            probes: needles.iter().map(|n| Probe::of(n)).collect(),
            dps: needles.iter().map(|n| DpNeedle::of(n)).collect(),
            rows: DpRows::default(),
            exact_words: vec![false; needles.len()],
            page: std::collections::BinaryHeap::with_capacity(limit + 1),
            limit,
            best: if index.longest * needle_len <= NUCLEO_CELLS {
                needles.iter().map(|n| most(n.len(), index.shortest)).sum()
            } else {
                u32::MAX
            },
            seed,
            total: 0,
        }
    }

    /// The score a candidate must beat: the page's worst once it is full, and the seed.
    fn worst(&self) -> Option<u32> {
        let full = self.page.peek().filter(|_| self.page.len() == self.limit);
        match full {
            Some(w) => Some(w.0.0.max(self.seed)),
            None => (self.seed > 0).then_some(self.seed),
        }
    }

    /// Puts a scored candidate in the page if it beats the worst; breaks when no later
    /// candidate can.
    fn offer(&mut self, id: u32, score: Option<u32>) -> ControlFlow<()> {
        use std::cmp::Reverse;
        let Some(s) = score.filter(|&s| s >= self.query.min_score) else {
            return ControlFlow::Continue(());
        };
        self.total += 1;
        if self.page.len() < self.limit {
            self.page.push((Reverse(s), id));
        } else if self.page.peek().is_some_and(|w| s > w.0.0) {
            self.page.pop();
            self.page.push((Reverse(s), id));
        }
        match self.worst() {
            Some(w) if w >= self.best => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    }

    /// Reads the haystack of a candidate the cheaper ceilings (`ceilings`, per word) did
    /// not bar: each word's ceiling replaced by its dynamic programme's, then by its exact
    /// score, the newest word (the least certain) first, until the candidate is out.
    fn finish(
        &mut self,
        id: u32,
        hay: &[u8],
        shape: &Shape,
        ceilings: &mut [u32],
        matcher: &mut Matcher,
    ) -> ControlFlow<()> {
        // The page is full or seeded (it was when the candidate waited); its worst only rose.
        let worst = self.worst().unwrap_or(0);
        let mut bound: u32 = ceilings.iter().sum();
        self.exact_words.fill(false);
        for exact in [false, true] {
            let mut words = self.needles.len();
            while bound > worst && words > 0 {
                words -= 1;
                if self.exact_words[words] {
                    continue;
                }
                let n = &self.needles[words];
                let score = match &self.dps[words] {
                    Some(dp) if !exact && hay.len() > n.len() => {
                        let above = worst.saturating_sub(bound - ceilings[words]);
                        let probe = &self.probes[words];
                        dp_ceiling(hay, dp, probe, shape, &mut self.rows, above)
                    }
                    _ => {
                        self.exact_words[words] = true;
                        self.query.pattern.atoms[words]
                            .score(Utf32Str::Ascii(hay), matcher)
                            .map(u32::from)
                    }
                };
                let Some(score) = score else {
                    return ControlFlow::Continue(());
                };
                bound = bound - ceilings[words] + score;
                ceilings[words] = score;
            }
        }
        if bound <= worst {
            return ControlFlow::Continue(());
        }
        self.offer(id, Some(bound))
    }

    /// Finishes every waiting candidate, in id order.
    fn drain(
        &mut self,
        waiting: &mut Waiting,
        ceilings: &mut [u32],
        matcher: &mut Matcher,
    ) -> ControlFlow<()> {
        while let Some((id, hay, shape)) = waiting.pop(ceilings) {
            self.finish(id, hay, shape, ceilings, matcher)?;
        }
        ControlFlow::Continue(())
    }
}

/// The page of a plain fuzzy query. Each candidate is first bounded from its length and
/// its [`Shape`] (with the largest prefix bonus; from its length and first 16 bytes alone
/// first while that can leave candidates out), then with the prefix bonus its first 16
/// bytes allow: no pass over the haystack, no match looked for, and most cannot beat the
/// page's worst and are left at once. The others wait a few candidates ([`PIPELINE`]),
/// their haystacks prefetched, then each word's bound is replaced by its [`dp_ceiling`]
/// (one pass over the haystack, asked only whether it beats the page; nearly always
/// nucleo's exact score), then by nucleo's score ([`PageSearch::finish`]). Once the page
/// holds `limit` hits at the most any haystack can score, the rest is not visited
/// (candidates come in increasing id order and a tie goes to the lower id). When
/// narrowing, a previous match whose [`carried_ceiling`], grown by `growth`, cannot beat
/// the worst is left out from the kept list alone; over the whole index, the entries with
/// a word's first letter among their first [`EARLY`] bytes are searched first, the others
/// only when they may still enter. The hits are counted afterwards, by [`settle`]: `total`
/// here counts only those scored.
fn search_page(
    c: &Candidates,
    query: &Query,
    needles: &[Vec<u8>],
    growth: Option<u32>,
    limit: usize,
    matcher: &mut Matcher,
) -> Outcome {
    // Per word, the most a candidate can score when that word's first letter is not among
    // its first [`EARLY`] bytes, and that letter's early bit (none for a word of one
    // character or starting with a digit: no prefix bonus then to go by; none past
    // [`BOUNDED_NEEDLE`] characters in all: nucleo may then score greedily a haystack of
    // [`BOUNDED_HAY`] bytes or less, while only longer ones have every early letter).
    let needle_len: usize = needles.iter().map(Vec::len).sum();
    let late: Vec<(u32, u64)> = needles
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let others: u32 = (needles.iter().enumerate())
                .filter(|&(j, _)| j != i)
                .map(|(_, o)| most(o.len(), c.index.shortest))
                .sum();
            let early = match n.len() > 1 && needle_len <= BOUNDED_NEEDLE {
                true => bit(n[0]) & LETTERS,
                false => 0,
            };
            let late = quick_ceiling(usize::MAX, n.len(), EARLY) + others;
            (late, early << EARLY_BITS)
        })
        .collect();
    let pass =
        |part: Part, m: &mut Matcher| page_part(c, query, needles, &late, growth, limit, part, m);
    // Over the whole index (the first keystroke), the candidates with a word's first
    // letter early first: they hold the best scores (the prefix bonus), and when their
    // page's worst is above what the others can score (`late`), the others are not
    // visited at all; else they are, with that page's worst to beat.
    let split = late
        .iter()
        .filter(|l| l.1 != 0 && c.narrowed.is_none())
        .min_by_key(|l| l.0);
    let Some(&(late_at, early)) = split else {
        return pass(Part::default(), matcher);
    };
    let first = pass(
        Part {
            need: early,
            ..Part::default()
        },
        matcher,
    );
    let worst = first.top.last().filter(|_| first.top.len() == limit);
    match worst.map(|w| w.1) {
        Some(w) if late_at < w => first,
        w => {
            let second = Part {
                without: early,
                seed: w.map_or(0, |w| w - 1),
                ..Part::default()
            };
            first.merge(pass(second, matcher), limit)
        }
    }
}

/// Which candidates a [`page_part`] visits: those whose mask has `need`, has nothing of
/// `without`; and what they must score more than at least (`seed`).
#[derive(Clone, Copy, Default)]
struct Part {
    need: u64,
    without: u64,
    seed: u32,
}

/// The page of a plain fuzzy query over a part of the candidates ([`search_page`]).
#[allow(clippy::too_many_arguments)]
fn page_part(
    c: &Candidates,
    query: &Query,
    needles: &[Vec<u8>],
    late: &[(u32, u64)],
    growth: Option<u32>,
    limit: usize,
    part: Part,
    matcher: &mut Matcher,
) -> Outcome {
    let mut search = PageSearch::new(c.index, query, needles, limit, part.seed);
    // The page's worst as last seen (0 until the page is full): a previous match whose
    // carried ceiling, grown, is not above it cannot enter.
    let bar = std::cell::Cell::new(0u32);
    let skip = |k: &Kept| {
        growth.is_some_and(|g| k.ceiling != NO_CEILING && k.ceiling as u32 + g <= bar.get())
    };
    let needle_len: usize = needles.iter().map(Vec::len).sum();
    // Per word, filled in place for each candidate.
    let mut ceilings = vec![0u32; needles.len()];
    let mut firsts = vec![0usize; needles.len()];
    let mut waiting = Waiting::new(needles.len());
    // Whether the quick ceiling can leave any candidate out: not when even its least
    // (no prefix bonus) is above the page's worst.
    let least_quick: u32 = needles
        .iter()
        .map(|n| quick_ceiling(usize::MAX, n.len(), HEAD))
        .sum();
    let quick_helps = |worst: u32| least_quick <= worst;
    // The characters a candidate needs, and the early letters once the page's worst
    // leaves out the candidates without them.
    let need = std::cell::Cell::new(query.mask | part.need);
    let mut seen_worst = 0;
    let flow = c.for_each_but(
        &need,
        part.without,
        skip,
        |id, Seen { hay, head, shape }, _| {
            // Past its 100 KiB matrix nucleo falls back to a greedy match: no bound then.
            let bounded = hay.len() * needle_len <= NUCLEO_CELLS;
            let current = search.worst();
            let now = current.unwrap_or(0);
            if now != seen_worst {
                seen_worst = now;
                bar.set(now);
                let early = late.iter().filter(|l| l.0 <= now).fold(0, |m, l| m | l.1);
                need.set(query.mask | part.need | early);
            }
            let Some(worst) = current.filter(|_| bounded) else {
                // Scored at once, after the waiting candidates (the page takes them in id
                // order).
                search.drain(&mut waiting, &mut ceilings, matcher)?;
                let score = query.pattern.score(Utf32Str::Ascii(hay), matcher);
                return search.offer(id, score);
            };
            let head = u128::from_le_bytes(*head);
            if quick_helps(worst) {
                for (f, n) in firsts.iter_mut().zip(needles) {
                    *f = first_within(head, hay.len(), n);
                }
                if needles
                    .iter()
                    .zip(&firsts)
                    .map(|(n, &f)| quick_ceiling(hay.len(), n.len(), f))
                    .sum::<u32>()
                    <= worst
                {
                    return ControlFlow::Continue(());
                }
            }
            // The shape's ceilings first with the largest prefix bonus (the head is not read
            // for most candidates), then with the one of the first character's first
            // occurrence, then with the first character's best opening.
            for (c, p) in ceilings.iter_mut().zip(&search.probes) {
                *c = shape_ceiling(hay.len(), p, shape, 0);
            }
            let mut bound: u32 = ceilings.iter().sum();
            if bound <= worst {
                return ControlFlow::Continue(());
            }
            for ((c, f), n) in ceilings.iter_mut().zip(firsts.iter_mut()).zip(needles) {
                *f = first_within(head, hay.len(), n);
                let cut = prefix_ceiling(0) - prefix_ceiling(*f);
                *c -= cut;
                bound -= cut;
            }
            if bound <= worst {
                return ControlFlow::Continue(());
            }
            for ((c, n), &f) in ceilings.iter_mut().zip(needles).zip(&firsts) {
                let cut = opening_cut(hay.len(), n, head, shape, f);
                *c -= cut;
                bound -= cut;
            }
            if bound <= worst {
                return ControlFlow::Continue(());
            }
            waiting.push(id, hay, shape, &ceilings);
            if waiting.entries.len() > PIPELINE
                && let Some((id, hay, shape)) = waiting.pop(&mut ceilings)
            {
                search.finish(id, hay, shape, &mut ceilings, matcher)?;
            }
            ControlFlow::Continue(())
        },
    );
    if flow.is_continue() {
        let _ = search.drain(&mut waiting, &mut ceilings, matcher);
    }
    let hits = search
        .page
        .into_iter()
        .map(|(std::cmp::Reverse(s), id)| (id, s))
        .collect();
    Outcome {
        raw: Vec::new(),
        top: ranked(hits, limit),
        total: search.total,
    }
}

/// Counts the hits of a search whose page alone was found ([`search`]), so that
/// `found.total` is exact, and keeps its matches (with their leads) for narrowing: each
/// candidate the page was searched among is checked for a match (its leftmost matches,
/// carried over from the previous keystroke when it can); a match is a hit when the floor
/// of its leftmost matches proves it, else from several starts, else by nucleo's optimal
/// score. `index` must be the snapshot `found` was computed on. Returns `false`, leaving
/// `found` as it was, when `cancelled` says so (it is asked every few hundred candidates).
pub(crate) fn settle(
    index: &CustomerIndex,
    query: &Query,
    found: &mut Found,
    matcher: &mut Matcher,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> bool {
    let Some(source) = found.uncounted.clone() else {
        return true;
    };
    let Some(needles) = fuzzy_needles(query).filter(|_| found.generation == index.generation)
    else {
        return false;
    };
    let narrowed = match &source {
        Source::Index => None,
        Source::Narrowed(from) => Some(from.as_ref()),
    };
    // The previous leads carry over when the query only extends its last word or adds words.
    let carry = narrowed
        .and_then(|m| m.needles.as_deref())
        .and_then(|p| carry(p, &needles));
    let probes: Vec<Probe> = needles.iter().map(|n| Probe::of(n)).collect();
    // The previous carried ceilings, grown, are kept (not computed again: that reads the
    // entry's shape and head) for the matches they leave well below the page's worst.
    let growth = narrowed
        .and_then(|m| m.needles.as_deref())
        .and_then(|p| carried_growth(p, &needles, index.shortest));
    let worst = found.top.last().map_or(0, |w| w.1);
    let needle_len: usize = needles.iter().map(Vec::len).sum();
    let count = |c: &Candidates, m: &mut Matcher| -> Option<(Vec<Kept>, usize)> {
        let (mut raw, mut hits, mut seen) = (Vec::new(), 0, 0usize);
        let flow = c.for_each(query.mask, |id, entry, kept| {
            let hay = entry.hay;
            seen += 1;
            if seen % 512 == 1 && cancelled() {
                return ControlFlow::Break(());
            }
            let lead = match (kept.and_then(Kept::lead), &carry) {
                (Some(lead), Some(carry)) => carried_lead(hay, lead, carry),
                _ => fresh_lead(hay, &needles),
            };
            let Some(lead) = lead else {
                return ControlFlow::Continue(());
            };
            let grown = kept
                .filter(|k| k.ceiling != NO_CEILING && hay.len() > needle_len + CARRY_MAX)
                .zip(growth)
                .map(|(k, g)| k.ceiling as u32 + g)
                .filter(|&c| c + 4 <= worst);
            let ceiling = match grown {
                Some(c) => carried(c),
                None => carried_ceiling(&entry, &needles, &probes),
            };
            raw.push(Kept::new(id, Some(lead), ceiling));
            let hit = lead.1 >= query.min_score as i32
                || needles
                    .iter()
                    .filter_map(|n| score_floor(hay, n, FLOOR_STARTS))
                    .sum::<u32>()
                    >= query.min_score
                || query
                    .pattern
                    .score(Utf32Str::Ascii(hay), m)
                    .is_some_and(|s| s >= query.min_score);
            hits += usize::from(hit);
            ControlFlow::Continue(())
        });
        flow.is_continue().then_some((raw, hits))
    };
    let candidates = Candidates::new(index, narrowed.map(|m| m.kept.as_slice()));
    let (_running, running) = RunningSearch::enter();
    let counted = if candidates.len() >= SETTLE_SPLIT_MIN && running == 1 && two_cores() {
        let (first, second) = candidates.split();
        std::thread::scope(|s| {
            let helper = s.spawn(|| with_thread_matcher(|m| count(&second, m)));
            let a = count(&first, matcher);
            let b = helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let ((mut raw, a), (more, b)) = (a?, b?);
            raw.extend(more);
            Some((raw, a + b))
        })
    } else {
        count(&candidates, matcher)
    };
    let Some((raw, hits)) = counted else {
        return false;
    };
    found.all = kept(Some(needles), raw);
    found.total = hits;
    found.uncounted = None;
    true
}

/// Candidates above which counting uses a second core when no other search runs.
const SETTLE_SPLIT_MIN: usize = 2048;

/// Most recent searches kept for every session.
const SHARED_ENTRIES: usize = 256;
/// What the recent answers may hold, in all: the matches they keep for narrowing (12
/// bytes each: id, lead and carried ceiling), or, until counted, the matches they were
/// searched among.
const SHARED_BYTES: usize = 24 << 20;

/// The bytes [`SHARED_BYTES`] counts for `found`.
fn held(found: &Found) -> usize {
    found.narrowing().map_or(0, |a| a.len()) * std::mem::size_of::<Kept>()
}
/// How long a session waits for the same search another session is running.
const SHARED_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Recent searches shared by every session, on one index snapshot: staff type the same
/// first letters ("commune de", "lycee", "college"…), so a query another session just ran
/// is answered from here, a query another session is running is waited for rather than
/// run twice, and a longer query narrows the longest recent one it extends.
#[derive(Default)]
pub(crate) struct SharedSearches {
    inner: std::sync::Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    /// The snapshot the entries were computed on (a `Weak`: no old index is kept alive,
    /// and its address cannot be reused while we hold it).
    snapshot: std::sync::Weak<CustomerIndex>,
    /// Least recently used first.
    found: std::collections::VecDeque<(usize, Arc<Found>)>,
    bytes: usize,
    running: std::collections::HashMap<(String, usize), Arc<Running>>,
}

/// A search one session is running, that others wait for.
#[derive(Default)]
struct Running {
    done: std::sync::Mutex<bool>,
    ended: std::sync::Condvar,
}

/// Marks a running search ended when dropped, even by a panic.
struct RunningGuard<'a> {
    shared: &'a SharedSearches,
    key: (String, usize),
    running: Arc<Running>,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.shared.lock().running.remove(&self.key);
        *self.running.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.running.ended.notify_all();
    }
}

/// Where a shared search's answer came from (for the benchmarks and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Served {
    /// Another session's recent answer.
    Recent,
    /// Run here (possibly narrowed from a recent answer or the session's own).
    Ran,
}

impl Recent {
    fn matching(&mut self, snapshot: &Arc<CustomerIndex>) {
        if !std::sync::Weak::ptr_eq(&self.snapshot, &Arc::downgrade(snapshot)) {
            self.snapshot = Arc::downgrade(snapshot);
            self.found.clear();
            self.bytes = 0;
        }
    }

    fn get(&mut self, folded: &str, limit: usize) -> Option<Arc<Found>> {
        let at = self
            .found
            .iter()
            .position(|(l, f)| *l == limit && f.query == folded)?;
        let hit = self.found.remove(at)?;
        let found = hit.1.clone();
        self.found.push_back(hit);
        Some(found)
    }

    /// The recent answer with the fewest matches that `query` narrows.
    fn base_for(&self, query: &Query, index: &CustomerIndex) -> Option<Arc<Found>> {
        self.found
            .iter()
            .filter(|(_, f)| f.narrows_to(query, index))
            .min_by_key(|(_, f)| f.narrowing().map_or(usize::MAX, |a| a.len()))
            .map(|(_, f)| f.clone())
    }

    /// Puts the settled answer in place of the unsettled one it completes.
    fn settled(&mut self, limit: usize, found: Arc<Found>) {
        if let Some(slot) = self
            .found
            .iter_mut()
            .find(|(l, f)| *l == limit && f.query == found.query && !f.settled())
        {
            self.bytes = self.bytes - held(&slot.1) + held(&found);
            slot.1 = found;
        }
    }

    fn insert(&mut self, limit: usize, found: Arc<Found>) {
        self.bytes += held(&found);
        self.found.push_back((limit, found));
        while self.found.len() > SHARED_ENTRIES
            || (self.bytes > SHARED_BYTES && self.found.len() > 1)
        {
            if let Some((_, old)) = self.found.pop_front() {
                self.bytes -= held(&old);
            }
        }
    }
}

impl SharedSearches {
    /// Forgets every recent answer (benchmarks measuring one session alone).
    #[cfg(feature = "bench")]
    pub(crate) fn forget(&self) {
        let mut recent = self.lock();
        recent.found.clear();
        recent.bytes = 0;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// [`search`] on `index`, answered from or shared with the other sessions.
    pub(crate) fn search(
        &self,
        index: &Arc<CustomerIndex>,
        query: &Query,
        previous: Option<&Found>,
        limit: usize,
    ) -> (Found, Served) {
        if query.too_short() {
            return (Found::nothing(query), Served::Ran);
        }
        let key = (query.folded.clone(), limit);
        let mut waited = false;
        loop {
            let mut recent = self.lock();
            recent.matching(index);
            if let Some(found) = recent.get(&query.folded, limit) {
                return ((*found).clone(), Served::Recent);
            }
            if let Some(running) = recent.running.get(&key).cloned()
                && !waited
            {
                drop(recent);
                waited = true;
                let done = running.done.lock().unwrap_or_else(|e| e.into_inner());
                let _ = running
                    .ended
                    .wait_timeout_while(done, SHARED_WAIT, |done| !*done);
                continue;
            }
            // Narrow from the session's own previous answer or a recent one, whichever
            // holds fewer matches.
            let own = previous.filter(|p| p.narrows_to(query, index));
            let recent_base = recent.base_for(query, index);
            let running = Arc::new(Running::default());
            recent.running.insert(key.clone(), running.clone());
            drop(recent);
            let _guard = RunningGuard {
                shared: self,
                key,
                running,
            };
            let size = |f: &Found| f.narrowing().map_or(usize::MAX, |a| a.len());
            let base = match (own, recent_base.as_deref()) {
                (Some(o), Some(r)) if size(r) < size(o) => Some(r),
                (Some(o), _) => Some(o),
                (None, r) => r,
            };
            let found = with_thread_matcher(|m| search(index, query, base, limit, m));
            let shared = Arc::new(found.clone());
            let mut recent = self.lock();
            if std::sync::Weak::ptr_eq(&recent.snapshot, &Arc::downgrade(index)) {
                recent.insert(limit, shared);
            }
            return (found, Served::Ran);
        }
    }

    /// [`settle`] on `index`, unless another session already settled the same search:
    /// the settled answer replaces the recent one for the sessions that follow.
    pub(crate) fn settle(
        &self,
        index: &Arc<CustomerIndex>,
        query: &Query,
        limit: usize,
        found: &mut Found,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        if found.settled() {
            return true;
        }
        {
            let mut recent = self.lock();
            recent.matching(index);
            if let Some(done) = recent.get(&found.query, limit).filter(|f| f.settled())
                && done.generation == found.generation
            {
                found.total = done.total;
                found.all = done.all.clone();
                found.uncounted = None;
                return true;
            }
        }
        if !with_thread_matcher(|m| settle(index, query, found, m, cancelled)) {
            return false;
        }
        let mut recent = self.lock();
        if std::sync::Weak::ptr_eq(&recent.snapshot, &Arc::downgrade(index)) {
            recent.settled(limit, Arc::new(found.clone()));
        }
        true
    }
}

/// The ids of every customer matching `query` (board filter).
pub(crate) fn matching_ids(
    index: &CustomerIndex,
    query: &Query,
    matcher: &mut Matcher,
) -> Vec<u32> {
    index
        .haystacks_with_ids()
        .filter(|(_, hay, mask)| query.score(hay, *mask, matcher).is_some())
        .map(|(id, _, _)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Address, ChorusRouting, Contact, CustomerKind, Eligibility, Siret, Timestamp,
    };

    fn customer(id: u64, name: &str, city: &str, contact: &str) -> Customer {
        Customer {
            id: CustomerId(id),
            legal_name: name.into(),
            siret: Siret::parse("21750001600019").unwrap(),
            categorie: "7210".into(),
            kind: CustomerKind::Commune,
            eligibility: Eligibility::automatic("7210", Timestamp(0)),
            header_address: Address {
                city: city.into(),
                postcode: "42000".into(),
                ..Address::default()
            },
            delivery_addresses: vec![],
            contacts: vec![Contact {
                name: contact.into(),
                ..Contact::default()
            }],
            chorus: ChorusRouting::default(),
            created_at: Timestamp(0),
        }
    }

    /// Name, city and SIRET share one allocation and read back as given.
    #[test]
    fn an_entry_shows_name_city_and_siret_as_given() {
        let new = Entry::of(&customer(
            4,
            "Lycée Émile-Zola",
            "Saint-Étienne",
            "Zoé Brun",
        ));
        assert_eq!(&*new.hay, "lycee emile-zola  saint-etienne  zoe brun");
        let e = new.entry;
        assert_eq!(e.name(), "Lycée Émile-Zola");
        assert_eq!(e.city(), "Saint-Étienne");
        assert_eq!(e.siret(), "21750001600019");
        assert!(e.is_present());
        let empty = Entry::of(&customer(5, "", "", "X")).entry;
        assert_eq!((empty.name(), empty.city()), ("", ""));
        assert_eq!(empty.siret(), "21750001600019");
    }

    fn index() -> CustomerIndex {
        let names = [
            ("Commune de Saint-Étienne", "Saint-Étienne", "Paul Durand"),
            ("Lycée Jean Moulin", "Lyon", "Claire Dubois"),
            ("Collège Jean Macé", "Besançon", "Luc Moulinier"),
            ("Centre hospitalier de Besançon", "Besançon", "Anne Roux"),
            ("Université Jean Monnet", "Saint-Étienne", "Marc Petit"),
            (
                "Commune de Saint-Étienne-de-Tinée",
                "Saint-Étienne-de-Tinée",
                "Léa Blanc",
            ),
        ];
        CustomerIndex::from_entries(
            names
                .iter()
                .enumerate()
                .map(|(i, (n, c, k))| {
                    (
                        CustomerId(i as u64 + 1),
                        Entry::of(&customer(i as u64 + 1, n, c, k)),
                    )
                })
                .collect(),
        )
    }

    fn names(idx: &CustomerIndex, q: &str) -> Vec<String> {
        let mut m = new_matcher();
        search(idx, &Query::new(q), None, 10, &mut m)
            .top
            .iter()
            .map(|(id, _)| idx.get(*id).unwrap().name().to_string())
            .collect()
    }

    #[test]
    fn accent_and_case_insensitive_fuzzy() {
        let idx = index();
        let r = names(&idx, "stetienne");
        assert_eq!(r[0], "Commune de Saint-Étienne");
        assert!(
            r.contains(&"Université Jean Monnet".to_string()),
            "matches the city too: {r:?}"
        );
        assert_eq!(names(&idx, "lyc moulin")[0], "Lycée Jean Moulin");
        assert_eq!(names(&idx, "BESANCON").len(), 2);
        assert_eq!(names(&idx, "Dubois"), vec!["Lycée Jean Moulin"]);
        assert!(names(&idx, "zzz").is_empty());
    }

    #[test]
    fn narrowing_gives_the_same_results_as_a_full_search() {
        let idx = index();
        let mut m = new_matcher();
        let first = search(&idx, &Query::new("jean"), None, 10, &mut m);
        assert_eq!(first.total, 3);
        let q = Query::new("jean mo");
        assert!(narrows("jean", &q.folded));
        let narrowed = search(&idx, &q, Some(&first), 10, &mut m);
        let full = search(&idx, &q, None, 10, &mut m);
        assert_eq!(narrowed.top, full.top);
        assert!(!narrows("jean", "jea"));
    }

    #[test]
    fn chunks_are_copied_on_write() {
        let mut idx = index();
        let snapshot = idx.clone();
        idx.set(
            CustomerId(2),
            Entry::of(&customer(2, "Lycée Victor Hugo", "Besançon", "X")),
        );
        assert_eq!(
            snapshot.get(CustomerId(2)).unwrap().name(),
            "Lycée Jean Moulin"
        );
        assert_eq!(idx.get(CustomerId(2)).unwrap().name(), "Lycée Victor Hugo");
        // The packed haystacks: the replaced one changed length, its neighbours did not move.
        let hay = |idx: &CustomerIndex, id| String::from_utf8(idx.seen(id).unwrap().hay.to_vec());
        assert_eq!(hay(&idx, 2).unwrap(), "lycee victor hugo  besancon  x");
        assert_eq!(
            hay(&snapshot, 2).unwrap(),
            "lycee jean moulin  lyon  claire dubois"
        );
        for id in [1, 3, 4, 5, 6] {
            assert_eq!(hay(&idx, id), hay(&snapshot, id));
        }
        assert_eq!(names(&idx, "victor"), vec!["Lycée Victor Hugo"]);
        assert!(names(&idx, "claire dubois").is_empty());
        idx.set(
            CustomerId(9000),
            Entry::of(&customer(9000, "Loin", "Paris", "Y")),
        );
        assert_eq!(idx.len(), 7);
        assert!(idx.get(CustomerId(8999)).is_none());
    }

    #[test]
    fn highlight_maps_back_to_accented_chars() {
        let q = Query::new("stetienne");
        let mut m = new_matcher();
        let pos = q.highlight("Saint-Étienne", &mut m);
        let s: String = "Saint-Étienne"
            .chars()
            .enumerate()
            .filter(|(i, _)| pos.contains(i))
            .map(|(_, c)| c)
            .collect();
        assert_eq!(s, "StÉtienne");
    }

    /// An entry whose haystack is `hay` as given (already folded).
    fn raw_entry(hay: &str) -> NewEntry {
        NewEntry {
            hay: hay.into(),
            entry: Entry {
                shown: hay.into(),
                city_at: hay.len() as u32,
                siret_at: hay.len() as u32,
                status: Some(EligibilityStatus::Approved),
            },
        }
    }

    const WORDS: &[&str] = &[
        "commune", "de", "saint", "etienne", "lycee", "jean", "moulin", "chu", "besancon",
        "college", "ravel", "caisse", "des", "ecoles", "lyon", "sdis", "montigny", "ccas", "sur",
        "la", "le", "riviere", "ste", "st", "e", "tt", "ecole",
    ];

    fn hay_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let word = prop_oneof![
            4 => proptest::sample::select(WORDS).prop_map(str::to_string),
            1 => "[a-z0-9]{1,12}",
        ];
        let sep = proptest::sample::select(&[" ", "  ", "-", "/", "'", ""][..]);
        proptest::collection::vec((word, sep), 1..10).prop_map(|parts| {
            let mut s = String::new();
            for (w, sep) in parts {
                s.push_str(&w);
                s.push_str(sep);
            }
            s.trim().to_string()
        })
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(48))]
        /// The bounded search (floors, ceilings, the page's worst) gives exactly what
        /// scoring every candidate gives, keystroke by keystroke with narrowing, for page
        /// sizes that prune a lot (1, 3) or little (50).
        #[test]
        fn bounded_search_equals_scoring_every_candidate(
            hays in proptest::collection::vec(hay_strategy(), 1..250),
            typed in proptest::collection::vec(
                proptest::prop_oneof![
                    3 => proptest::sample::select(WORDS).prop_map(str::to_string),
                    1 => "[a-z ]{1,6}",
                ],
                1..4,
            ),
            limit in proptest::sample::select(&[1usize, 3, 50][..]),
        ) {
            let idx = CustomerIndex::from_entries(
                hays.iter()
                    .enumerate()
                    .map(|(i, h)| (CustomerId(i as u64 + 1), raw_entry(h)))
                    .collect(),
            );
            let query = typed.join(" ");
            let mut m = new_matcher();
            let (mut prev_fast, mut prev_every): (Option<Found>, Option<Found>) = (None, None);
            let mut prev_page: Option<Found> = None;
            for end in 1..=query.len() {
                let q = Query::new(&query[..end]);
                let page = search(&idx, &q, prev_fast.as_ref(), limit, &mut m);
                let mut fast = page.clone();
                proptest::prop_assert!(settle(&idx, &q, &mut fast, &mut m, &|| false));
                proptest::prop_assert!(fast.settled());
                // The page is exact before the count is; the count only grows.
                proptest::prop_assert_eq!(&page.top, &fast.top, "page {:?}", &query[..end]);
                proptest::prop_assert!(page.total <= fast.total);
                // A keystroke typed before the previous count was made narrows from what
                // that page was searched among.
                let mut after_page = search(&idx, &q, prev_page.as_ref(), limit, &mut m);
                proptest::prop_assert!(settle(&idx, &q, &mut after_page, &mut m, &|| false));
                proptest::prop_assert_eq!(&after_page.top, &fast.top, "after a page {:?}", &query[..end]);
                proptest::prop_assert_eq!(after_page.total, fast.total, "after a page {:?}", &query[..end]);
                proptest::prop_assert_eq!(after_page.matched_ids(), fast.matched_ids());
                prev_page = Some(page);
                let mut halves = search_with(&idx, &q, prev_fast.as_ref(), limit, &mut m, Mode::Halves);
                proptest::prop_assert!(settle(&idx, &q, &mut halves, &mut m, &|| false));
                proptest::prop_assert_eq!(&halves.top, &fast.top, "halves {:?}", &query[..end]);
                proptest::prop_assert_eq!(halves.total, fast.total, "halves {:?}", &query[..end]);
                proptest::prop_assert_eq!(&halves.all, &fast.all, "halves {:?}", &query[..end]);
                let every = search_every_candidate(&idx, &q, prev_every.as_ref(), limit, &mut m);
                proptest::prop_assert_eq!(&fast.top, &every.top, "{:?}", &query[..end]);
                proptest::prop_assert_eq!(fast.total, every.total, "{:?}", &query[..end]);
                proptest::prop_assert_eq!(fast.matched_ids(), every.matched_ids(), "{:?}", &query[..end]);
                prev_fast = Some(fast);
                prev_every = Some(every);
            }
        }
    }

    /// Each word's floor (leftmost, from several starts) and ceilings (quick; from the
    /// haystack's shape; tight: bonuses, side-by-side pairs, shortest gaps) frame nucleo's
    /// score of `needle` in `hay`. Past [`NUCLEO_CELLS`] (haystack × needle) nucleo scores
    /// greedily, below its optimum: the ceilings still hold, the floors do not — and the
    /// search uses none there (it scores each such candidate).
    fn frame_nucleo(hay: &str, needle: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let optimal = hay.len() * needle.len() <= NUCLEO_CELLS;
        let mut m = new_matcher();
        let q = Query::new(needle);
        let exact = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m);
        let words = [needle.as_bytes().to_vec()];
        let floor = score_floor(hay.as_bytes(), &words[0], FLOOR_STARTS);
        proptest::prop_assert_eq!(floor.is_some(), exact.is_some());
        proptest::prop_assert_eq!(
            leftmost(hay.as_bytes(), &words[0]).is_some(),
            exact.is_some()
        );
        if let (Some(f), Some(e)) = (floor, exact) {
            let lead = fresh_lead(hay.as_bytes(), &words).unwrap();
            if optimal {
                proptest::prop_assert!(f <= e, "floor {} > {}", f, e);
                proptest::prop_assert!(lead.1 <= e as i32, "lead floor {} > {}", lead.1, e);
            }
            let first = first_of(hay.as_bytes(), &words[0]);
            let quick = quick_ceiling(hay.len(), words[0].len(), first);
            proptest::prop_assert!(e <= quick, "quick ceiling {} < {}", quick, e);
            let shape = Shape::of(hay.as_bytes());
            // The programme takes needles of 2 to 64 characters (one bit each).
            if let (true, Some(needle)) = (hay.len() > words[0].len(), DpNeedle::of(&words[0])) {
                let probe = Probe::of(&words[0]);
                let mut rows = DpRows::default();
                // Asked to beat `above`, the programme answers a ceiling above it, or
                // nothing when nucleo's score is not above it.
                for above in [0, e / 2, e.saturating_sub(1), e, e + 1, e + 30] {
                    let dp = dp_ceiling(hay.as_bytes(), &needle, &probe, &shape, &mut rows, above);
                    match dp {
                        Some(dp) => proptest::prop_assert!(
                            e <= dp && above < dp,
                            "dp ceiling {} for {} above {}",
                            dp,
                            e,
                            above
                        ),
                        None => proptest::prop_assert!(
                            e <= above,
                            "no dp ceiling for {} above {}",
                            e,
                            above
                        ),
                    }
                }
            }
            let shaped = shape_ceiling(hay.len(), &Probe::of(&words[0]), &shape, first);
            proptest::prop_assert!(e <= shaped, "shape ceiling {} < {}", shaped, e);
            let head = u128::from_le_bytes(head_of(hay.as_bytes()));
            let opened = shaped - opening_cut(hay.len(), &words[0], head, &shape, first);
            proptest::prop_assert!(e <= opened, "shape ceiling, opening {} < {}", opened, e);
            // The page reads only the haystack's first 16 bytes for the prefix bonus.
            let within = first_within(head, hay.len(), &words[0]);
            proptest::prop_assert_eq!(within, first.min(HEAD), "first within the head's bytes");
            proptest::prop_assert_eq!(prefix_ceiling(within), prefix_ceiling(first));
        }
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1024))]
        /// On any haystack, the floors and ceilings frame nucleo's score.
        #[test]
        fn floors_and_ceilings_frame_nucleo_on_any_haystack(
            hay in hay_strategy(),
            needle in proptest::prop_oneof![
                2 => proptest::sample::select(WORDS).prop_map(str::to_string),
                2 => "[a-z]{1,9}",
                1 => "[a-e0-3]{1,5}",
            ],
        ) {
            frame_nucleo(&hay, &needle)?;
        }
    }

    /// A haystack past 1 KiB (most of them): where nucleo, and the page, take their
    /// special paths for long texts.
    fn long_hay_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(hay_strategy(), 12..48).prop_map(|parts| parts.join("  "))
    }

    /// A needle of 65 to 100 letters taken in order from `hay` (so that it matches): past
    /// the 64 characters where nucleo's and the page's fast paths stop.
    fn long_needle(hay: &str, stride: usize) -> Option<String> {
        let letters: Vec<char> = hay.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let needle: String = letters.iter().step_by(stride.max(1)).take(100).collect();
        (needle.len() > 64).then_some(needle)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]
        /// The floors and ceilings still frame nucleo's score on haystacks past 1 KiB, with
        /// short needles and needles past 64 characters.
        #[test]
        fn floors_and_ceilings_frame_nucleo_on_long_texts(
            hay in long_hay_strategy(),
            word in proptest::sample::select(WORDS),
            stride in 1usize..6,
        ) {
            frame_nucleo(&hay, word)?;
            if let Some(needle) = long_needle(&hay, stride) {
                frame_nucleo(&hay, &needle)?;
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(12))]
        /// Keystroke by keystroke, a query growing past 64 characters over haystacks of
        /// which some pass 1 KiB: the bounded search gives what scoring every candidate
        /// gives.
        #[test]
        fn bounded_search_equals_scoring_every_candidate_on_long_texts(
            hays in proptest::collection::vec(
                proptest::prop_oneof![3 => hay_strategy(), 1 => long_hay_strategy()],
                1..40,
            ),
            typed in proptest::collection::vec(
                proptest::prop_oneof![
                    3 => proptest::sample::select(WORDS).prop_map(str::to_string),
                    1 => "[a-z]{2,8}",
                ],
                14..20,
            ),
            limit in proptest::sample::select(&[1usize, 50][..]),
        ) {
            let idx = CustomerIndex::from_entries(
                hays.iter()
                    .enumerate()
                    .map(|(i, h)| (CustomerId(i as u64 + 1), raw_entry(h)))
                    .collect(),
            );
            let mut query = typed.join(" ");
            for w in typed.iter().cycle().take(20) {
                if query.len() > 64 {
                    break;
                }
                query.push(' ');
                query.push_str(w);
            }
            proptest::prop_assert!(query.len() > 64);
            let mut m = new_matcher();
            let (mut prev_fast, mut prev_every): (Option<Found>, Option<Found>) = (None, None);
            for end in 1..=query.len() {
                let q = Query::new(&query[..end]);
                let mut fast = search(&idx, &q, prev_fast.as_ref(), limit, &mut m);
                proptest::prop_assert!(settle(&idx, &q, &mut fast, &mut m, &|| false));
                let every = search_every_candidate(&idx, &q, prev_every.as_ref(), limit, &mut m);
                proptest::prop_assert_eq!(&fast.top, &every.top, "{:?}", &query[..end]);
                proptest::prop_assert_eq!(fast.total, every.total, "{:?}", &query[..end]);
                proptest::prop_assert_eq!(fast.matched_ids(), every.matched_ids(), "{:?}", &query[..end]);
                prev_fast = Some(fast);
                prev_every = Some(every);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1024))]
        /// A match's carried ceiling, grown as the query grows (its last word by up to
        /// [`CARRY_MAX`] characters, new words), still bounds nucleo's score: the next
        /// keystrokes' pages leave candidates out on it alone.
        #[test]
        fn carried_ceilings_bound_the_grown_query(
            hay in hay_strategy(),
            padding in proptest::sample::select(&["", "  paul durand", " - sur-loire  ccas"][..]),
            first in proptest::prop_oneof![
                2 => proptest::sample::select(WORDS).prop_map(str::to_string),
                1 => "[a-z]{1,6}",
            ],
            // The last word: the start of a word, grown by its rest (the usual keystrokes,
            // each character side by side at the largest bonus), or by anything.
            (last, suffix) in proptest::prop_oneof![
                3 => (proptest::sample::select(WORDS), 1usize..8).prop_map(|(w, k)| {
                    let k = k.min(w.len());
                    (w[..k].to_string(), w[k..].to_string())
                }),
                1 => ("[a-z]{1,6}", "[a-z]{0,5}"),
            ],
            two_words in proptest::bool::ANY,
            more in proptest::collection::vec("[a-z]{1,5}", 0..2),
            later in "[a-z]{0,3}",
        ) {
            let hay = format!("{hay}{padding}");
            let before: Vec<String> = if two_words { vec![first, last] } else { vec![last] };
            let idx = CustomerIndex::from_entries(vec![(CustomerId(1), raw_entry(&hay))]);
            let entry = idx.seen(1).unwrap();
            let then: Vec<Vec<u8>> = before.iter().map(|w| w.as_bytes().to_vec()).collect();
            let probes: Vec<Probe> = then.iter().map(|n| Probe::of(n)).collect();
            let Some(ceiling) = carried_ceiling(&entry, &then, &probes) else {
                // Only haystacks too short (or too long) for it go without.
                let needle_len: usize = then.iter().map(Vec::len).sum();
                proptest::prop_assert!(hay.len() <= needle_len + CARRY_MAX || hay.len() > 1024);
                return Ok(());
            };
            let mut m = new_matcher();
            let mut now = then.clone();
            if let Some(last) = now.last_mut() {
                last.extend_from_slice(suffix.as_bytes());
            }
            now.extend(more.iter().map(|w| w.as_bytes().to_vec()));
            let growth = carried_growth(&then, &now, idx.shortest).unwrap();
            let grown = now.iter().map(|w| String::from_utf8(w.clone()).unwrap()).collect::<Vec<_>>().join(" ");
            let q = Query::new(&grown);
            if let Some(e) = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m) {
                proptest::prop_assert!(
                    e <= ceiling as u32 + growth,
                    "{:?} scores {} in {:?}: carried {} + {}", grown, e, hay, ceiling, growth
                );
            }
            // The query as it was, too.
            let q = Query::new(&before.join(" "));
            if let Some(e) = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m) {
                proptest::prop_assert!(e <= ceiling as u32);
            }
            // Grown once (as a count keeps it), it is one for the grown query, and grows
            // again with the next keystrokes while the haystack stays long enough.
            let needle_len: usize = now.iter().map(Vec::len).sum();
            if hay.len() > needle_len + CARRY_MAX {
                let mut next = now.clone();
                if let Some(last) = next.last_mut() {
                    last.extend_from_slice(later.as_bytes());
                }
                let again = carried_growth(&now, &next, idx.shortest).unwrap();
                let text = next.iter().map(|w| String::from_utf8(w.clone()).unwrap()).collect::<Vec<_>>().join(" ");
                if let Some(e) = Query::new(&text).pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m) {
                    proptest::prop_assert!(
                        e <= ceiling as u32 + growth + again,
                        "{:?} scores {} in {:?}: carried {} + {} + {}", text, e, hay, ceiling, growth, again
                    );
                }
            }
        }
    }

    /// Typing on through a word that starts the haystack, each character adds exactly
    /// the 26 its carried ceiling allows for.
    #[test]
    fn carried_ceilings_are_tight_on_a_word_typed_on() {
        let hay = "saint-etienne  lyon  paul durand";
        let idx = CustomerIndex::from_entries(vec![(CustomerId(1), raw_entry(hay))]);
        let entry = idx.seen(1).unwrap();
        let then = vec![b"sa".to_vec()];
        let ceiling = carried_ceiling(&entry, &then, &[Probe::of(&then[0])]).unwrap();
        let mut m = new_matcher();
        let mut score = |q: &str| {
            Query::new(q)
                .pattern
                .score(Utf32Str::Ascii(hay.as_bytes()), &mut m)
        };
        assert_eq!(score("sa"), Some(ceiling as u32));
        let now = vec![b"saint".to_vec()];
        let growth = carried_growth(&then, &now, idx.shortest).unwrap();
        assert_eq!(score("saint"), Some(ceiling as u32 + growth));
        // A word of one character added, then grown: its first character may start the
        // haystack (prefix bonus) and carry its bonus on.
        let hay = "etienne  le commune commune";
        let idx = CustomerIndex::from_entries(vec![(CustomerId(1), raw_entry(hay))]);
        let entry = idx.seen(1).unwrap();
        let words = |s: &str| {
            s.split(' ')
                .map(|w| w.as_bytes().to_vec())
                .collect::<Vec<_>>()
        };
        let then = words("le");
        let ceiling = carried_ceiling(&entry, &then, &[Probe::of(&then[0])]).unwrap();
        let added = carried_growth(&then, &words("le e"), idx.shortest).unwrap();
        let grown = carried_growth(&words("le e"), &words("le et"), idx.shortest).unwrap();
        let score = Query::new("le et")
            .pattern
            .score(Utf32Str::Ascii(hay.as_bytes()), &mut m)
            .unwrap();
        assert!(
            score <= ceiling as u32 + added + grown,
            "{score} > {ceiling} + {added} + {grown}"
        );
    }

    #[test]
    fn carried_growth_only_when_the_query_extends_the_previous_one() {
        let w = |s: &str| {
            s.split(' ')
                .map(|w| w.as_bytes().to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(carried_growth(&w("stet"), &w("stet"), 10), Some(0));
        assert_eq!(carried_growth(&w("stet"), &w("steti"), 10), Some(26));
        assert_eq!(
            carried_growth(&w("jean"), &w("jean mo"), 10),
            Some(most(2, 10))
        );
        // A word of one character may become the start of a longer one.
        assert_eq!(carried_growth(&w("le"), &w("le e"), 10), Some(44));
        assert_eq!(carried_growth(&w("stet"), &w("sted"), 10), None);
        assert_eq!(carried_growth(&w("jean mo"), &w("jeanne mo"), 10), None);
        let far = format!("s{}", "t".repeat(CARRY_MAX + 1));
        assert_eq!(carried_growth(&w("s"), &w(&far), 10), None);
    }

    /// Over the whole index, the candidates with the query's first letter among their
    /// first bytes are searched first; the others only when that page's worst does not
    /// leave them out — and a page full of matches that score what a match from the start
    /// can, less 4, leaves out the entries without the early letter from their masks alone.
    #[test]
    fn early_letters_leave_out_only_what_cannot_enter() {
        let search = |hays: &[&str], limit: usize| {
            let idx = CustomerIndex::from_entries(
                hays.iter()
                    .enumerate()
                    .map(|(i, h)| (CustomerId(i as u64 + 1), raw_entry(h)))
                    .collect(),
            );
            let early = (0..hays.len())
                .map(|i| idx.chunks[i / CHUNK].masks[i % CHUNK] >> EARLY_BITS & bit(b's') != 0)
                .collect::<Vec<_>>();
            let mut m = new_matcher();
            let q = Query::new("st");
            let page = search_with(&idx, &q, None, limit, &mut m, Mode::Auto);
            let every = search_every_candidate(&idx, &q, None, limit, &mut m);
            assert_eq!(page.top, every.top, "{hays:?}");
            (page.top, early)
        };
        // nucleo gives "st" 67 with s at 1, 66 at 2, 62 from 5 on; the ceilings 65 from 7
        // on: the early s (up to 6) are searched first, and the page full of 66 or more
        // leaves the others out without visiting them.
        let mut hays = vec!["abcdefghi stone"; 300];
        hays.extend(["ab stone"; 3]);
        hays.push("abcdef stone");
        hays.push("a stone");
        let (top, early) = search(&hays, 3);
        assert!(!early[0] && early[300] && !early[303] && early[304]);
        let top: Vec<(u64, u32)> = top.iter().map(|(id, s)| (id.0, *s)).collect();
        assert_eq!(top, [(305, 67), (301, 66), (302, 66)]);
        // One early match only: the others are searched, and the best of them enter.
        let (top, _) = search(
            &[
                "abcdef stone",
                "abcdefghi stone",
                "ab stone",
                "abcdef stone",
            ],
            3,
        );
        let ids: Vec<u64> = top.iter().map(|t| t.0.0).collect();
        assert_eq!(ids, [3, 1, 2]);
    }

    #[test]
    fn floors_and_ceilings_frame_nucleo_scores() {
        let mut m = new_matcher();
        for hay in [
            "commune de neuville-des-pres  neuville-des-pres  mehdi roussel",
            "lycee george sand  font-sur-rhone  celine perrin",
            "ccas de sainte-marie-de-tinee  sainte-marie-de-tinee  olivier lambert",
            "saint-etienne",
            "ch",
            "ecoles",
            "lycee 2eme/3 rue d'arc",
        ] {
            for needle in [
                "ch",
                "co",
                "stet",
                "stetienne",
                "de",
                "s",
                "e",
                "2",
                "3r",
                "ar",
            ] {
                let q = Query::new(needle);
                let exact = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m);
                let floor = score_floor(hay.as_bytes(), needle.as_bytes(), FLOOR_STARTS);
                assert_eq!(floor.is_some(), exact.is_some(), "{needle} in {hay}");
                if let (Some(f), Some(e)) = (floor, exact) {
                    assert!(f <= e, "floor {f} > {e}: {needle} in {hay}");
                    let first = first_of(hay.as_bytes(), needle.as_bytes());
                    let q = quick_ceiling(hay.len(), needle.len(), first);
                    assert!(e <= q, "quick ceiling {q} < {e}: {needle} in {hay}");
                    let shape = Shape::of(hay.as_bytes());
                    let s = shape_ceiling(hay.len(), &Probe::of(needle.as_bytes()), &shape, first);
                    assert!(
                        e <= s && s <= q,
                        "shape ceiling {s}: {e}, {q}: {needle} in {hay}"
                    );
                    if let Some(dp) =
                        DpNeedle::of(needle.as_bytes()).filter(|_| hay.len() > needle.len())
                    {
                        let probe = Probe::of(needle.as_bytes());
                        let mut rows = DpRows::default();
                        let mut dp_above = |above| {
                            dp_ceiling(hay.as_bytes(), &dp, &probe, &shape, &mut rows, above)
                        };
                        assert_eq!(
                            (dp_above(0), dp_above(e - 1), dp_above(e)),
                            (Some(e), Some(e), None),
                            "the programme's ceiling is exact here: {needle} in {hay}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sessions_share_recent_searches_until_the_index_changes() {
        let shared = SharedSearches::default();
        let mut idx = Arc::new(index());
        let (a, served) = shared.search(&idx, &Query::new("jean"), None, 10);
        assert_eq!(served, Served::Ran);
        // Another session, same query (folded alike): answered from the first.
        let (b, served) = shared.search(&idx, &Query::new("  JEAN"), None, 10);
        assert_eq!(served, Served::Recent);
        assert_eq!((a.top.clone(), a.total), (b.top, b.total));
        // A longer query narrows the recent answer: same as a search of its own.
        let (c, served) = shared.search(&idx, &Query::new("jean mo"), None, 10);
        assert_eq!(served, Served::Ran);
        let mut m = new_matcher();
        let alone = search(&idx, &Query::new("jean mo"), None, 10, &mut m);
        assert_eq!((c.top, c.total), (alone.top, alone.total));
        // A customer changes: the index is a new snapshot, nothing recent is reused.
        Arc::make_mut(&mut idx).set(
            CustomerId(2),
            Entry::of(&customer(2, "Lycée Victor Hugo", "Lyon", "Claire Dubois")),
        );
        let (d, served) = shared.search(&idx, &Query::new("jean"), None, 10);
        assert_eq!(served, Served::Ran);
        assert_eq!(d.total, a.total - 1, "the renamed lycée no longer matches");
    }

    /// The recent answers hold at most 24 MB of matches (kept, or searched among until
    /// counted; the latest always kept); a settled answer holds what it keeps.
    #[test]
    fn recent_answers_stay_within_their_memory_budget() {
        let matches = |n: usize| {
            Arc::new(Matches {
                needles: None,
                kept: vec![Kept::bare(1); n],
            })
        };
        let answer = |q: &str, among: usize| {
            let (all, uncounted) = match among {
                0 => (Some(matches(1 << 20)), None),
                n => (None, Some(Source::Narrowed(matches(n)))),
            };
            Arc::new(Found {
                query: q.into(),
                all,
                uncounted,
                ..Found::default()
            })
        };
        let queries = |r: &Recent| {
            r.found
                .iter()
                .map(|(_, f)| f.query.clone())
                .collect::<Vec<_>>()
        };
        let mut recent = Recent::default();
        for q in ["a", "b", "c"] {
            recent.insert(50, answer(q, 0));
        }
        assert_eq!(queries(&recent), ["b", "c"], "12 MB each");
        recent.insert(50, answer("d", 3 << 20));
        assert_eq!(
            queries(&recent),
            ["d"],
            "what an uncounted answer narrows from counts"
        );
        let kept = std::mem::size_of::<Kept>();
        assert_eq!(recent.bytes, (3 << 20) * kept);
        let mut settled = (*recent.found[0].1).clone();
        settled.uncounted = None;
        settled.all = Some(matches(1 << 19));
        recent.settled(50, Arc::new(settled));
        assert!(recent.found[0].1.settled());
        assert_eq!(recent.bytes, (1 << 19) * kept);
        recent.insert(50, answer("e", 3 << 20));
        assert_eq!(
            queries(&recent),
            ["e"],
            "the latest stays, whatever it holds"
        );
    }

    /// A query many entries match at the most any haystack can score: its page is
    /// found among the first entries, the others are not visited; the count comes after.
    #[test]
    fn a_page_of_best_possible_hits_ends_the_search() {
        let idx = CustomerIndex::from_entries(
            (1..=5000u64)
                .map(|i| {
                    let name = format!("Commune de Ville-{i}");
                    (
                        CustomerId(i),
                        Entry::of(&customer(i, &name, "Lyon", "Jean Dupont")),
                    )
                })
                .collect(),
        );
        let q = Query::new("com");
        let mut m = new_matcher();
        let page = search(&idx, &q, None, 50, &mut m);
        assert_eq!(page.total, 50, "only the page's hits were scored");
        let ids: Vec<u64> = page.top.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, (1..=50).collect::<Vec<_>>());
        let mut counted = page.clone();
        assert!(settle(&idx, &q, &mut counted, &mut m, &|| false));
        assert_eq!((counted.total, &counted.top), (5000, &page.top));
        assert_eq!(counted.matched_ids().map(|m| m.len()), Some(5000));
        let every = search_every_candidate(&idx, &q, None, 50, &mut m);
        assert_eq!((every.total, &every.top), (5000, &page.top));
    }

    #[test]
    fn sessions_typing_the_same_letters_at_once_get_the_same_answer() {
        let entries: Vec<(CustomerId, NewEntry)> = (1..=20_000u64)
            .map(|i| {
                let name = format!("Commune de Saint-Martin-{i}");
                (
                    CustomerId(i),
                    Entry::of(&customer(i, &name, "Lyon", "Anne Roux")),
                )
            })
            .collect();
        let idx = Arc::new(CustomerIndex::from_entries(entries));
        let shared = Arc::new(SharedSearches::default());
        let barrier = Arc::new(std::sync::Barrier::new(6));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (idx, shared, barrier) = (idx.clone(), shared.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    shared.search(&idx, &Query::new("co sa"), None, 50)
                })
            })
            .collect();
        let answers: Vec<(Found, Served)> =
            threads.into_iter().map(|t| t.join().unwrap()).collect();
        let mut m = new_matcher();
        let q = Query::new("co sa");
        let mut alone = search(&idx, &q, None, 50, &mut m);
        assert!(settle(&idx, &q, &mut alone, &mut m, &|| false));
        assert_eq!(alone.total, 20_000);
        for (found, _) in &answers {
            let mut found = found.clone();
            assert!(settle(&idx, &q, &mut found, &mut m, &|| false));
            assert_eq!((&found.top, found.total), (&alone.top, alone.total));
        }
        assert!(answers.iter().any(|(_, s)| *s == Served::Ran));
    }

    #[test]
    fn an_answer_from_before_a_change_does_not_narrow() {
        let mut idx = index();
        let mut m = new_matcher();
        let before = search(&idx, &Query::new("jea"), None, 10, &mut m);
        idx.set(
            CustomerId(6),
            Entry::of(&customer(6, "Lycée Jean Zay", "Tinée", "Léa Blanc")),
        );
        let after = search(&idx, &Query::new("jean"), Some(&before), 10, &mut m);
        assert!(
            after.top.iter().any(|(id, _)| *id == CustomerId(6)),
            "the customer renamed since the previous keystroke is found"
        );
    }
}

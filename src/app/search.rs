//! Fuzzy customer search over one shared, pre-folded index.
//!
//! Every customer has one entry: its name, city, SIRET and contact names folded to
//! lower-case ASCII, plus a bitmask of the characters it contains. A query is folded the
//! same way; entries whose mask lacks a query character are skipped before scoring;
//! `nucleo-matcher` scores the rest. The index is split into chunks shared by `Arc`, so a
//! change copies one chunk, and searches never lock it.

use crate::domain::text::fold_into;
use crate::domain::{Customer, CustomerId, CustomerSummary, EligibilityStatus};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::sync::Arc;

const CHUNK: usize = 4096;
/// Above this many matches, a session does not keep them for narrowing.
pub(crate) const NARROW_CAP: usize = 1_000_000;
/// Shorter queries match nearly everything: they are not run.
pub(crate) const MIN_QUERY_CHARS: usize = 2;
/// A match must score at least this much per query character: a subsequence scattered
/// over the whole haystack (a letter here, a letter there) is noise, not a match.
const MIN_SCORE_PER_CHAR: u32 = 12;

/// One customer in the index.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Folded: name, city, SIRET, contact names, separated by two spaces.
    pub hay: Box<str>,
    /// Length of the folded name at the start of `hay`.
    pub name_len: u16,
    pub mask: u64,
    /// Name, city and SIRET as shown, one after the other in one allocation (at 1 M
    /// customers, two fewer allocations each keep about 60 MB off the server).
    shown: Box<str>,
    city_at: u32,
    siret_at: u32,
    pub status: Option<EligibilityStatus>,
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
    pub fn of(c: &Customer) -> Entry {
        Entry::of_summary(CustomerSummary::of(c))
    }

    /// The entry of a customer from its stored summary (what opening the store reads).
    pub fn of_summary(c: CustomerSummary) -> Entry {
        let mut hay = String::with_capacity(c.legal_name.len() + 48);
        fold_into(&c.legal_name, &mut hay);
        let name_len = hay.len().min(u16::MAX as usize) as u16;
        hay.push_str("  ");
        fold_into(&c.city, &mut hay);
        // SIRETs are found by prefix through the store's index, not fuzzily.
        for name in &c.contact_names {
            hay.push_str("  ");
            fold_into(name, &mut hay);
        }
        Entry {
            mask: mask_of(&hay),
            hay: hay.into_boxed_str(),
            name_len,
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

/// An immutable snapshot of the index. Entry `i` is customer id `i + 1`.
#[derive(Clone, Default)]
pub struct CustomerIndex {
    chunks: Vec<Arc<Vec<Entry>>>,
    len: usize,
    /// Grows with every change: a search's matches narrow only searches on the same one.
    generation: u64,
}

impl CustomerIndex {
    pub fn from_entries(entries: Vec<(CustomerId, Entry)>) -> CustomerIndex {
        let mut idx = CustomerIndex::default();
        for (id, e) in entries {
            idx.set(id, e);
        }
        idx
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
            for (i, e) in chunk.iter().enumerate() {
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
            .get(i % CHUNK)
            .filter(|e| e.is_present())
    }

    /// Replaces (or adds) one entry, copying only its chunk.
    pub fn set(&mut self, id: CustomerId, e: Entry) {
        let Some(i) = (id.0 as usize).checked_sub(1) else {
            return;
        };
        let (c, o) = (i / CHUNK, i % CHUNK);
        while self.chunks.len() <= c {
            self.chunks.push(Arc::new(Vec::new()));
        }
        self.generation += 1;
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        if chunk.len() <= o {
            chunk.resize(o + 1, Entry::default());
        }
        if !chunk[o].is_present() && e.is_present() {
            self.len += 1;
        }
        chunk[o] = e;
    }

    /// Every present entry's folded haystack (the `fzf` yardstick of `bench search`).
    #[cfg(feature = "bench")]
    pub fn haystacks(&self) -> impl Iterator<Item = &str> {
        self.entries()
            .filter(|(_, e)| e.is_present())
            .map(|(_, e)| &*e.hay)
    }

    fn entries(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(move |(o, e)| ((c * CHUNK + o + 1) as u32, e))
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
            .fold(0, |m, w| m | mask_of(w));
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
    pub(crate) fn score(&self, hay: &str, mask: u64, matcher: &mut Matcher) -> Option<u32> {
        if mask & self.mask != self.mask {
            return None;
        }
        self.pattern
            .score(Utf32Str::Ascii(hay.as_bytes()), matcher)
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

/// The result of one search, kept by a session to narrow the next keystroke.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub query: String,
    /// The index generation it was computed on.
    pub generation: u64,
    /// Every matching customer id (when at most [`NARROW_CAP`]), for narrowing.
    pub all: Option<Arc<Vec<u32>>>,
    pub total: usize,
    /// The best `limit` hits, best first: (customer id, score).
    pub top: Vec<(CustomerId, u32)>,
}

impl Found {
    /// The answer to a query too short to run: nothing.
    fn nothing(query: &Query) -> Found {
        Found {
            query: query.folded.clone(),
            ..Found::default()
        }
    }

    /// Whether `query`, on `index`, can be answered from these matches: they were kept,
    /// computed on the same generation of the index, and the query only grew.
    fn narrows_to(&self, query: &Query, index: &CustomerIndex) -> bool {
        self.all.is_some()
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
/// Plain fuzzy queries (the usual case) take [`search_bounded`]: the optimal score is
/// computed only for the entries that can still enter the top page or whose floor does
/// not already prove them a hit. Other queries (`'exact`, `^prefix`, `!not`…) score
/// every candidate ([`search_scan`]). Both give the same result.
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
        .and_then(|p| p.all.clone());
    let candidates = Candidates::new(index, narrowed.as_deref().map(Vec::as_slice));
    let (_running, running) = RunningSearch::enter();
    let needles = fuzzy_needles(query).filter(|_| limit > 0 && mode != Mode::EveryCandidate);
    let run = |c: &Candidates, m: &mut Matcher| match &needles {
        Some(needles) => search_bounded(c, query, needles, limit, m),
        None => search_scan(c, query, limit, m),
    };
    let split = match mode {
        Mode::Auto => candidates.len() >= SPLIT_MIN && running == 1 && two_cores(),
        Mode::EveryCandidate => false,
        #[cfg(test)]
        Mode::Halves => true,
    };
    let (raw, top, total) = if split {
        // The other core takes the second half; ids stay in order, the pages merge.
        let (first, second) = candidates.split();
        let (a, b) = std::thread::scope(|s| {
            let helper = s.spawn(|| with_thread_matcher(|m| run(&second, m)));
            let a = run(&first, matcher);
            (a, helper.join())
        });
        let b = b.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        merge(a, b, limit)
    } else {
        run(&candidates, matcher)
    };
    Found {
        query: query.folded.clone(),
        generation: index.generation,
        all: (raw.len() <= NARROW_CAP).then(|| Arc::new(raw)),
        total,
        top,
    }
}

/// The entries a search visits, in increasing id order: every present entry, or the
/// previous raw matches; `range` is a part of them (positions in `narrowed`, or entry
/// slots: id − 1).
struct Candidates<'a> {
    index: &'a CustomerIndex,
    narrowed: Option<&'a [u32]>,
    range: std::ops::Range<usize>,
}

impl<'a> Candidates<'a> {
    fn new(index: &'a CustomerIndex, narrowed: Option<&'a [u32]>) -> Candidates<'a> {
        let slots = index
            .chunks
            .last()
            .map_or(0, |last| (index.chunks.len() - 1) * CHUNK + last.len());
        let end = narrowed.map_or(slots, <[u32]>::len);
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

    fn for_each(&self, mut f: impl FnMut(u32, &Entry)) {
        match self.narrowed {
            Some(ids) => {
                for &id in &ids[self.range.clone()] {
                    if let Some(e) = self.index.get(CustomerId(id as u64)) {
                        f(id, e);
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
                    let end = chunk.len().min(o + (self.range.end - slot));
                    for (k, e) in chunk.get(o..end).unwrap_or_default().iter().enumerate() {
                        if e.is_present() {
                            f((c * CHUNK + o + k + 1) as u32, e);
                        }
                    }
                    slot = (c + 1) * CHUNK;
                }
            }
        }
    }
}

/// The answer over two consecutive parts of the candidates from the answers over each.
fn merge(a: Outcome, b: Outcome, limit: usize) -> Outcome {
    let (mut raw, top_a, total_a) = a;
    let (raw_b, top_b, total_b) = b;
    raw.extend(raw_b);
    let hits = top_a
        .into_iter()
        .chain(top_b)
        .map(|(id, s)| (id.0 as u32, s))
        .collect();
    (raw, ranked(hits, limit), total_a + total_b)
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

type Outcome = (Vec<u32>, Vec<(CustomerId, u32)>, usize);

/// Scores every candidate with the optimal matcher.
fn search_scan(c: &Candidates, query: &Query, limit: usize, matcher: &mut Matcher) -> Outcome {
    let mut raw: Vec<u32> = Vec::new();
    let mut hits: Vec<(u32, u32)> = Vec::new();
    c.for_each(|id, e| {
        if e.mask & query.mask != query.mask {
            return;
        }
        if let Some(s) = query
            .pattern
            .score(Utf32Str::Ascii(e.hay.as_bytes()), matcher)
        {
            raw.push(id);
            if s >= query.min_score {
                hits.push((id, s));
            }
        }
    });
    let total = hits.len();
    (raw, ranked(hits, limit), total)
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

/// nucleo's bonus for a match at `hay[p]` (its default configuration: 10 after a space,
/// 9 after a delimiter `/,:;|`, 8 after another non-word character, 5 for a digit after a
/// non-digit, 10 on a space, 8 on another non-word character).
fn nucleo_bonus(hay: &[u8], p: usize) -> u32 {
    #[derive(PartialEq)]
    enum Class {
        Space,
        NonWord,
        Delimiter,
        Word,
        Digit,
    }
    let class = |b: u8| {
        if b.is_ascii_digit() {
            Class::Digit
        } else if b.is_ascii_alphabetic() {
            Class::Word
        } else if b.is_ascii_whitespace() {
            Class::Space
        } else if b"/,:;|".contains(&b) {
            Class::Delimiter
        } else {
            Class::NonWord
        }
    };
    let cur = class(hay[p]);
    let prev = if p == 0 {
        Class::Space
    } else {
        class(hay[p - 1])
    };
    if matches!(cur, Class::Word | Class::Digit) {
        match prev {
            Class::Space => return 10,
            Class::Delimiter => return 9,
            Class::NonWord => return 8,
            _ => {}
        }
    }
    if cur == Class::Digit && prev != Class::Digit {
        5
    } else {
        match cur {
            Class::Space => 10,
            Class::NonWord => 8,
            _ => 0,
        }
    }
}

/// The prefix bonus nucleo may give a match whose first character first occurs at
/// `first`: the optimal matcher's, or the one of its path for a needle that occurs once,
/// contiguous (7 one character in, where the other gives 6).
fn prefix_ceiling(first: usize) -> u32 {
    if first == 0 {
        return 8;
    }
    let first = first.min(u16::MAX as usize) as u32;
    let optimal = 13u32.saturating_sub(first - 1) / 2;
    let contiguous = 8u32.saturating_sub((3 + 3 * (first - 1)) / 2);
    optimal.max(contiguous)
}

/// A looser [`score_ceiling`] that costs a search for the first character: every
/// character at the largest bonus (10), the first one doubled, plus the prefix bonus.
fn quick_ceiling(hay: &[u8], needle: &[u8]) -> u32 {
    let first = hay.iter().position(|&b| b == needle[0]).unwrap_or(0);
    26 * needle.len() as u32 + 10 + prefix_ceiling(first)
}

/// The characters of a query's words (ASCII).
fn wanted(needles: &[Vec<u8>]) -> [bool; 128] {
    let mut w = [false; 128];
    for &b in needles.iter().flatten() {
        if let Some(slot) = w.get_mut(b as usize) {
            *slot = true;
        }
    }
    w
}

/// The largest bonus a match of each wanted character can get in `hay` (one pass).
fn best_bonuses(hay: &[u8], wanted: &[bool; 128]) -> [u8; 128] {
    let mut best = [0u8; 128];
    for (p, &b) in hay.iter().enumerate() {
        if wanted.get(b as usize) == Some(&true) {
            let bonus = nucleo_bonus(hay, p) as u8;
            best[b as usize] = best[b as usize].max(bonus);
        }
    }
    best
}

/// The most a fuzzy needle can score in `hay` (nucleo's scoring, `prefer_prefix` on): every
/// character a match (16) with the largest bonus it can get — its own best position's, or
/// the bonus a run started by an earlier character carries (4 at least) —, the first one's
/// doubled, plus the prefix bonus the first occurrence of the first character allows. A
/// single character in a longer haystack scores exactly its best position (no prefix).
fn score_ceiling(hay: &[u8], needle: &[u8], best: &[u8; 128]) -> u32 {
    let best_bonus = |c: u8| best.get(c as usize).map_or(10, |&b| b as u32);
    let n = needle.len() as u32;
    if hay.len() <= needle.len() {
        // nucleo's exact-length path: the plain bound.
        return quick_ceiling(hay, needle);
    }
    let first_bonus = best_bonus(needle[0]);
    if n == 1 {
        return 16 + 2 * first_bonus;
    }
    let first = hay.iter().position(|&b| b == needle[0]).unwrap_or(0);
    let prefix = prefix_ceiling(first);
    let mut total = 16 + 2 * first_bonus + prefix;
    let mut carried = first_bonus;
    for &c in &needle[1..] {
        let own = best_bonus(c);
        total += 16 + own.max(carried).max(4);
        carried = carried.max(own);
    }
    total
}

/// Starts tried by [`score_floor`]: enough for names, bounded for pathological haystacks.
const FLOOR_STARTS: usize = 8;

/// Whether `needle` is a subsequence of `hay` (nucleo's fuzzy match) and, if so, a score
/// nucleo's optimal match surely reaches: the score of leftmost matches from one of the
/// first `starts` occurrences of the needle's first character, with each match's bonus
/// (4 at least for a consecutive match) and every gap's full penalty (nucleo's optimum is at least any alignment's score, and its saturating
/// arithmetic only raises it).
fn score_floor(hay: &[u8], needle: &[u8], starts: usize) -> Option<u32> {
    let mut best: Option<i32> = None;
    let mut from = 0;
    for _ in 0..starts {
        let Some(off) = hay[from..].iter().position(|&b| b == needle[0]) else {
            break;
        };
        let start = from + off;
        let mut score = 16 + 2 * nucleo_bonus(hay, start) as i32;
        let (mut last, mut j) = (start, 1);
        for (i, &b) in hay.iter().enumerate().skip(start + 1) {
            if j == needle.len() {
                break;
            }
            if b == needle[j] {
                let gap = (i - last - 1) as i32;
                let bonus = nucleo_bonus(hay, i) as i32;
                if gap > 0 {
                    score -= 3 + (gap - 1);
                    score += 16 + bonus;
                } else {
                    // A consecutive match earns at least nucleo's consecutive bonus (4).
                    score += 16 + bonus.max(4);
                }
                last = i;
                j += 1;
            }
        }
        if j < needle.len() {
            // No later start can match what this one could not.
            break;
        }
        best = Some(best.map_or(score, |b| b.max(score)));
        from = start + 1;
    }
    best.map(|b| b.max(0) as u32)
}

/// Plain fuzzy queries: every candidate is checked cheaply (per word: is it a match at all,
/// a score it surely reaches, the most it can reach), and the optimal score is computed only
/// when the entry may enter the top page (its ceiling beats the page's worst) or when its
/// greedy score does not prove it reaches the minimum.
fn search_bounded(
    c: &Candidates,
    query: &Query,
    needles: &[Vec<u8>],
    limit: usize,
    matcher: &mut Matcher,
) -> Outcome {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut raw: Vec<u32> = Vec::new();
    let mut total = 0usize;
    // The page so far; its greatest element is the worst hit (lowest score, then the
    // highest id). Candidates come in increasing id order, so a later candidate enters
    // only with a strictly higher score than the worst.
    let mut page: BinaryHeap<(Reverse<u32>, u32)> = BinaryHeap::with_capacity(limit + 1);
    let needle_len: usize = needles.iter().map(Vec::len).sum();
    let wanted = wanted(needles);
    c.for_each(|id, e| {
        if e.mask & query.mask != query.mask {
            return;
        }
        let hay = e.hay.as_bytes();
        // Leftmost matches first: most entries are proved hits by them.
        let mut floor = 0u32;
        for n in needles {
            let Some(f) = score_floor(hay, n, 1) else {
                return;
            };
            floor += f;
        }
        raw.push(id);
        if floor < query.min_score {
            floor = needles
                .iter()
                .filter_map(|n| score_floor(hay, n, FLOOR_STARTS))
                .sum();
        }
        // Past its 100 KiB matrix nucleo falls back to a greedy match: no floor then.
        let sure_hit = floor >= query.min_score && hay.len() * needle_len <= 64 * 1024;
        if sure_hit && let Some(worst) = page.peek().filter(|_| page.len() == limit) {
            // A hit that cannot enter the page: the quick ceiling often shows it, the
            // tight one (a pass over the haystack per character) otherwise.
            let worst = worst.0.0;
            if needles.iter().map(|n| quick_ceiling(hay, n)).sum::<u32>() <= worst || {
                let best = best_bonuses(hay, &wanted);
                needles
                    .iter()
                    .map(|n| score_ceiling(hay, n, &best))
                    .sum::<u32>()
                    <= worst
            } {
                total += 1;
                return;
            }
        }
        let Some(s) = query.pattern.score(Utf32Str::Ascii(hay), matcher) else {
            return;
        };
        if s < query.min_score {
            return;
        }
        total += 1;
        if page.len() < limit {
            page.push((Reverse(s), id));
        } else if page.peek().is_some_and(|w| s > w.0.0) {
            page.pop();
            page.push((Reverse(s), id));
        }
    });
    let hits = page.into_iter().map(|(Reverse(s), id)| (id, s)).collect();
    (raw, ranked(hits, limit), total)
}

/// Most recent searches kept for every session.
const SHARED_ENTRIES: usize = 256;
/// Matches kept for narrowing, in all (4 bytes each): 16 MB at most.
const SHARED_IDS: usize = 4 << 20;
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
    ids: usize,
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
            self.ids = 0;
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
            .min_by_key(|(_, f)| f.all.as_ref().map_or(usize::MAX, |a| a.len()))
            .map(|(_, f)| f.clone())
    }

    fn insert(&mut self, limit: usize, found: Arc<Found>) {
        self.ids += found.all.as_ref().map_or(0, |a| a.len());
        self.found.push_back((limit, found));
        while self.found.len() > SHARED_ENTRIES || (self.ids > SHARED_IDS && self.found.len() > 1) {
            if let Some((_, old)) = self.found.pop_front() {
                self.ids -= old.all.as_ref().map_or(0, |a| a.len());
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
        recent.ids = 0;
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
            let size = |f: &Found| f.all.as_ref().map_or(usize::MAX, |a| a.len());
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
}

/// The ids of every customer matching `query` (board filter).
pub(crate) fn matching_ids(
    index: &CustomerIndex,
    query: &Query,
    matcher: &mut Matcher,
) -> Vec<u32> {
    index
        .entries()
        .filter(|(_, e)| e.is_present() && query.score(&e.hay, e.mask, matcher).is_some())
        .map(|(id, _)| id)
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
        let e = Entry::of(&customer(
            4,
            "Lycée Émile-Zola",
            "Saint-Étienne",
            "Zoé Brun",
        ));
        assert_eq!(e.name(), "Lycée Émile-Zola");
        assert_eq!(e.city(), "Saint-Étienne");
        assert_eq!(e.siret(), "21750001600019");
        assert!(e.is_present());
        let empty = Entry::of(&customer(5, "", "", "X"));
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
    fn raw_entry(hay: &str) -> Entry {
        Entry {
            hay: hay.into(),
            name_len: hay.len() as u16,
            mask: mask_of(hay),
            shown: hay.into(),
            city_at: hay.len() as u32,
            siret_at: hay.len() as u32,
            status: Some(EligibilityStatus::Approved),
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
            for end in 1..=query.len() {
                let q = Query::new(&query[..end]);
                let fast = search(&idx, &q, prev_fast.as_ref(), limit, &mut m);
                let halves = search_with(&idx, &q, prev_fast.as_ref(), limit, &mut m, Mode::Halves);
                proptest::prop_assert_eq!(&halves.top, &fast.top, "halves {:?}", &query[..end]);
                proptest::prop_assert_eq!(halves.total, fast.total, "halves {:?}", &query[..end]);
                proptest::prop_assert_eq!(&halves.all, &fast.all, "halves {:?}", &query[..end]);
                let every = search_every_candidate(&idx, &q, prev_every.as_ref(), limit, &mut m);
                proptest::prop_assert_eq!(&fast.top, &every.top, "{:?}", &query[..end]);
                proptest::prop_assert_eq!(fast.total, every.total, "{:?}", &query[..end]);
                proptest::prop_assert_eq!(&fast.all, &every.all, "{:?}", &query[..end]);
                prev_fast = Some(fast);
                prev_every = Some(every);
            }
        }
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
                    let best = best_bonuses(hay.as_bytes(), &wanted(&[needle.as_bytes().to_vec()]));
                    let c = score_ceiling(hay.as_bytes(), needle.as_bytes(), &best);
                    assert!(e <= c, "ceiling {c} < {e}: {needle} in {hay}");
                    let q = quick_ceiling(hay.as_bytes(), needle.as_bytes());
                    assert!(c <= q, "the quick ceiling {q} is below the tight one {c}");
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

    #[test]
    fn sessions_typing_the_same_letters_at_once_get_the_same_answer() {
        let entries: Vec<(CustomerId, Entry)> = (1..=20_000u64)
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
        let alone = search(&idx, &Query::new("co sa"), None, 50, &mut m);
        assert_eq!(alone.total, 20_000);
        for (found, _) in &answers {
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

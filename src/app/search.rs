//! Fuzzy customer search over one shared, pre-folded index.
//!
//! Every customer has one entry: its name, city, SIRET and contact names folded to
//! lower-case ASCII, plus a bitmask of the characters it contains. A query is folded the
//! same way; entries whose mask lacks a query character are skipped before scoring;
//! `nucleo-matcher` scores the rest. The index is split into chunks shared by `Arc`, so a
//! change copies one chunk, and searches never lock it.

use crate::domain::text::fold_into;
use crate::domain::{Customer, CustomerId, EligibilityStatus};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
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
    pub name: Box<str>,
    pub city: Box<str>,
    pub siret: Box<str>,
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
        let mut hay = String::with_capacity(c.legal_name.len() + 48);
        fold_into(&c.legal_name, &mut hay);
        let name_len = hay.len().min(u16::MAX as usize) as u16;
        hay.push_str("  ");
        fold_into(c.city(), &mut hay);
        // SIRETs are found by prefix through the store's index, not fuzzily.
        for k in &c.contacts {
            hay.push_str("  ");
            fold_into(&k.name, &mut hay);
        }
        Entry {
            mask: mask_of(&hay),
            hay: hay.into_boxed_str(),
            name_len,
            name: c.legal_name.clone().into_boxed_str(),
            city: c.city().to_string().into_boxed_str(),
            siret: c.siret.as_str().to_string().into_boxed_str(),
            status: Some(c.eligibility.status),
        }
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
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        if chunk.len() <= o {
            chunk.resize(o + 1, Entry::default());
        }
        if !chunk[o].is_present() && e.is_present() {
            self.len += 1;
        }
        chunk[o] = e;
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

    /// Whether `longer` can only match a subset of what this query matched, so its
    /// results can be narrowed from ours.
    pub(crate) fn narrows_to(&self, longer: &Query) -> bool {
        !self.folded.is_empty()
            && longer.folded.starts_with(&self.folded)
            && !longer.folded.contains(['!', '$', '|', '\\'])
            && !self.folded.ends_with(['^', '\''])
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
    /// Every matching customer id (when at most [`NARROW_CAP`]), for narrowing.
    pub all: Option<Arc<Vec<u32>>>,
    pub total: usize,
    /// The best `limit` hits, best first: (customer id, score).
    pub top: Vec<(CustomerId, u32)>,
}

/// Runs `query` over the index, or over `previous` matches when the query only grew.
///
/// Narrowing works on the raw matches (every haystack the query is a subsequence of), which
/// can only shrink as the query grows; the hits shown are the raw matches that also score
/// well enough, so a narrowed search gives exactly what a full search would.
pub(crate) fn search(
    index: &CustomerIndex,
    query: &Query,
    previous: Option<&Found>,
    limit: usize,
    matcher: &mut Matcher,
) -> Found {
    if query.too_short() {
        return Found {
            query: query.folded.clone(),
            ..Found::default()
        };
    }
    let mut raw: Vec<u32> = Vec::new();
    let mut hits: Vec<(u32, u32)> = Vec::new();
    let mut visit = |id: u32, e: &Entry, matcher: &mut Matcher| {
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
    };
    let narrowed = previous.and_then(|p| {
        let prev_q = Query::new(&p.query);
        prev_q.narrows_to(query).then_some(p.all.clone()).flatten()
    });
    match narrowed {
        Some(ids) => {
            for &id in ids.iter() {
                if let Some(e) = index.get(CustomerId(id as u64)) {
                    visit(id, e, matcher);
                }
            }
        }
        None => {
            for (id, e) in index.entries() {
                if e.is_present() {
                    visit(id, e, matcher);
                }
            }
        }
    }
    let total = hits.len();
    let all = (raw.len() <= NARROW_CAP).then(|| Arc::new(raw));
    // Best first; ties broken by id for stable results.
    let by_rank = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    if hits.len() > limit && limit > 0 {
        hits.select_nth_unstable_by(limit - 1, by_rank);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(by_rank);
    hits.truncate(limit);
    Found {
        query: query.folded.clone(),
        all,
        total,
        top: hits
            .into_iter()
            .map(|(id, s)| (CustomerId(id as u64), s))
            .collect(),
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
            .map(|(id, _)| idx.get(*id).unwrap().name.to_string())
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
        assert!(Query::new("jean").narrows_to(&q));
        let narrowed = search(&idx, &q, Some(&first), 10, &mut m);
        let full = search(&idx, &q, None, 10, &mut m);
        assert_eq!(narrowed.top, full.top);
        assert!(!Query::new("jean").narrows_to(&Query::new("jea")));
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
            &*snapshot.get(CustomerId(2)).unwrap().name,
            "Lycée Jean Moulin"
        );
        assert_eq!(&*idx.get(CustomerId(2)).unwrap().name, "Lycée Victor Hugo");
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
}

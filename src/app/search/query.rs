//! A query as typed and folded, and what a search answers (`Found`: the page, the count,
//! the matches kept to narrow the next keystroke from).

use super::*;

/// A parsed query, folded like the index.
pub(crate) struct Query {
    pub folded: String,
    pub(super) pattern: Pattern,
    pub(super) mask: u64,
    pub(super) min_score: u32,
    pub(super) significant: usize,
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
pub(super) fn narrows(shorter: &str, longer: &str) -> bool {
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
pub(super) const NO_LEAD: u16 = u16::MAX;

/// The `ceiling` of a kept match without one.
pub(super) const NO_CEILING: u16 = u16::MAX;

/// One raw match kept for narrowing: the customer and, for plain fuzzy queries, its *lead*
/// — where the leftmost match of the query's last word ends and the floor of the leftmost
/// matches of all its words — so that the next keystroke, which usually adds one letter,
/// costs one `memchr` per candidate instead of matching every word again; and its
/// [`carried_ceiling`], so that the next keystroke's page leaves most candidates out
/// without reading anything else of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kept {
    pub id: u32,
    pub(super) last: u16,
    pub(super) floor: i16,
    pub(super) ceiling: u16,
}

impl Kept {
    pub(super) fn new(id: u32, lead: Option<Lead>, ceiling: Option<u16>) -> Kept {
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

    pub(super) fn bare(id: u32) -> Kept {
        Kept {
            id,
            last: NO_LEAD,
            floor: 0,
            ceiling: NO_CEILING,
        }
    }

    pub(super) fn lead(&self) -> Option<Lead> {
        (self.last != NO_LEAD).then_some((self.last as usize, self.floor as i32))
    }
}

/// Every raw match of a search, in increasing id order, kept to narrow the next keystroke.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    /// The words the leads were computed for (`None`: ids only, no lead).
    pub(super) needles: Option<Vec<Vec<u8>>>,
    pub(super) kept: Vec<Kept>,
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
    pub(super) fn nothing(query: &Query) -> Found {
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
    pub(super) fn narrowing(&self) -> Option<&Arc<Matches>> {
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
    pub(super) fn narrows_to(&self, query: &Query, index: &CustomerIndex) -> bool {
        self.narrowing().is_some()
            && self.generation == index.generation
            && narrows(&self.query, &query.folded)
    }
}

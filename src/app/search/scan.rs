//! Running a search over the index: the candidates a query may match, scanned on one or
//! both cores, ranked.

use super::*;

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
pub(super) enum Mode {
    /// Bounded when it can; on both cores for many candidates when no other search runs.
    Auto,
    /// Score every candidate, on this thread (the reference).
    EveryCandidate,
    /// Bounded, always in two halves (tests of the merge).
    #[cfg(test)]
    Halves,
}

/// Candidates above which one search uses a second core when no other search runs.
pub(super) const SPLIT_MIN: usize = 16 * 1024;

/// Searches running now, in this process.
pub(super) static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub(super) struct RunningSearch;

impl RunningSearch {
    pub(super) fn enter() -> (RunningSearch, usize) {
        let now = RUNNING.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        (RunningSearch, now)
    }
}

impl Drop for RunningSearch {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

pub(super) fn two_cores() -> bool {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())) > 1
}

pub(super) fn search_with(
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
pub(super) fn kept(needles: Option<Vec<Vec<u8>>>, raw: Vec<Kept>) -> Option<Arc<Matches>> {
    (raw.len() <= NARROW_CAP).then(|| Arc::new(Matches { needles, kept: raw }))
}

/// The entries a search visits, in increasing id order: every present entry, or the
/// previous raw matches; `range` is a part of them (positions in `narrowed`, or entry
/// slots: id − 1).
pub(super) struct Candidates<'a> {
    pub(super) index: &'a CustomerIndex,
    pub(super) narrowed: Option<&'a [Kept]>,
    pub(super) range: std::ops::Range<usize>,
}

impl<'a> Candidates<'a> {
    pub(super) fn new(index: &'a CustomerIndex, narrowed: Option<&'a [Kept]>) -> Candidates<'a> {
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

    pub(super) fn len(&self) -> usize {
        self.range.len()
    }

    /// The first and the second half.
    pub(super) fn split(&self) -> (Candidates<'a>, Candidates<'a>) {
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
    pub(super) fn for_each(
        &self,
        mask: u64,
        f: impl FnMut(u32, Seen<'a>, Option<&Kept>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.for_each_but(&std::cell::Cell::new(mask), 0, |_| false, f)
    }

    /// [`Candidates::for_each`] with a `mask` that may change as it goes, leaving out the
    /// candidates whose mask has any bit of `forbid`, and at once (nothing else of them
    /// read) the previous matches `skip` says to when narrowing.
    pub(super) fn for_each_but(
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
pub(super) struct Outcome {
    /// Every raw match, in increasing id order (not kept by the page of a fuzzy query).
    pub(super) raw: Vec<Kept>,
    pub(super) top: Vec<(CustomerId, u32)>,
    /// Hits counted (every one, or those found for the page).
    pub(super) total: usize,
}

impl Outcome {
    /// The answer over two consecutive parts of the candidates from the answers over each.
    pub(super) fn merge(mut self, b: Outcome, limit: usize) -> Outcome {
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
pub(super) fn by_rank(a: &(u32, u32), b: &(u32, u32)) -> std::cmp::Ordering {
    b.1.cmp(&a.1).then(a.0.cmp(&b.0))
}

/// The best `limit` of `hits` (id, score), best first.
pub(super) fn ranked(mut hits: Vec<(u32, u32)>, limit: usize) -> Vec<(CustomerId, u32)> {
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
pub(super) fn search_scan(
    c: &Candidates,
    query: &Query,
    limit: usize,
    matcher: &mut Matcher,
) -> Outcome {
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
pub(super) fn fuzzy_needles(query: &Query) -> Option<Vec<Vec<u8>>> {
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

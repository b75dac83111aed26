//! The page: the best matches of a query, exact, found while visiting as few candidates
//! as the bounds allow.

use super::*;

/// How many candidates the cheaper ceilings did not bar wait, their haystacks prefetched,
/// before their haystacks are read: reading one is a cache miss (and, over a million
/// customers, most often a TLB miss), and waiting lets several overlap the visit of the
/// next candidates.
pub(super) const PIPELINE: usize = 8;

/// Asks the processor to start loading `bytes` (up to four cache lines, and the last one)
/// into its caches. A hint: nothing is read, nothing can fault.
#[inline(always)]
pub(super) fn prefetch(bytes: &[u8]) {
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
pub(super) struct Waiting<'a> {
    pub(super) entries: std::collections::VecDeque<(u32, &'a [u8], &'a Shape)>,
    pub(super) ceilings: std::collections::VecDeque<u32>,
}

impl<'a> Waiting<'a> {
    pub(super) fn new(words: usize) -> Waiting<'a> {
        Waiting {
            entries: std::collections::VecDeque::with_capacity(PIPELINE + 1),
            ceilings: std::collections::VecDeque::with_capacity((PIPELINE + 1) * words),
        }
    }

    pub(super) fn push(&mut self, id: u32, hay: &'a [u8], shape: &'a Shape, ceilings: &[u32]) {
        prefetch(hay);
        self.entries.push_back((id, hay, shape));
        self.ceilings.extend(ceilings);
    }

    /// The candidate that waited longest, its ceilings written to `ceilings`.
    pub(super) fn pop(&mut self, ceilings: &mut [u32]) -> Option<(u32, &'a [u8], &'a Shape)> {
        let first = self.entries.pop_front()?;
        let words = ceilings.len();
        for (c, w) in ceilings.iter_mut().zip(self.ceilings.drain(..words)) {
            *c = w;
        }
        Some(first)
    }
}

/// What the page of a plain fuzzy query holds and needs while its candidates are visited.
pub(super) struct PageSearch<'q> {
    pub(super) query: &'q Query,
    pub(super) needles: &'q [Vec<u8>],
    pub(super) probes: Vec<Probe<'q>>,
    pub(super) dps: Vec<Option<DpNeedle>>,
    pub(super) rows: DpRows,
    pub(super) exact_words: Vec<bool>,
    /// The page so far; its greatest element is the worst hit (lowest score, then the
    /// highest id). Candidates are scored in increasing id order, so a later candidate
    /// enters only with a strictly higher score than the worst.
    pub(super) page: std::collections::BinaryHeap<(std::cmp::Reverse<u32>, u32)>,
    pub(super) limit: usize,
    /// The most any candidate can score (none when nucleo may fall back to a greedy match).
    pub(super) best: u32,
    /// A score the candidates must beat, page full or not (what another part of the
    /// candidates already put on its page, less one: a tie may still enter by its id).
    pub(super) seed: u32,
    /// Hits scored.
    pub(super) total: usize,
}

impl<'q> PageSearch<'q> {
    pub(super) fn new(
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
    pub(super) fn worst(&self) -> Option<u32> {
        let full = self.page.peek().filter(|_| self.page.len() == self.limit);
        match full {
            Some(w) => Some(w.0.0.max(self.seed)),
            None => (self.seed > 0).then_some(self.seed),
        }
    }

    /// Puts a scored candidate in the page if it beats the worst; breaks when no later
    /// candidate can.
    pub(super) fn offer(&mut self, id: u32, score: Option<u32>) -> ControlFlow<()> {
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
    pub(super) fn finish(
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
    pub(super) fn drain(
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
pub(super) fn search_page(
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
pub(super) struct Part {
    pub(super) need: u64,
    pub(super) without: u64,
    pub(super) seed: u32,
}

/// The page of a plain fuzzy query over a part of the candidates ([`search_page`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn page_part(
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

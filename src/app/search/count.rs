//! The count: making a page's total exact after it was shown.

use super::*;

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

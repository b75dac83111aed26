//! The searches of every session, shared: recent answers kept (within a memory budget),
//! a query another session is computing waited for, a longer one narrowed from the
//! closest recent answer.

use super::*;

/// Candidates above which counting uses a second core when no other search runs.
pub(super) const SETTLE_SPLIT_MIN: usize = 2048;

/// Most recent searches kept for every session.
pub(super) const SHARED_ENTRIES: usize = 256;

/// What the recent answers may hold, in all: the matches they keep for narrowing (12
/// bytes each: id, lead and carried ceiling), or, until counted, the matches they were
/// searched among.
pub(super) const SHARED_BYTES: usize = 24 << 20;

/// The bytes [`SHARED_BYTES`] counts for `found`.
pub(super) fn held(found: &Found) -> usize {
    found.narrowing().map_or(0, |a| a.len()) * std::mem::size_of::<Kept>()
}

/// How long a session waits for the same search another session is running.
pub(super) const SHARED_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Recent searches shared by every session, on one index snapshot: staff type the same
/// first letters ("commune de", "lycee", "college"…), so a query another session just ran
/// is answered from here, a query another session is running is waited for rather than
/// run twice, and a longer query narrows the longest recent one it extends.
#[derive(Default)]
pub(crate) struct SharedSearches {
    pub(super) inner: std::sync::Mutex<Recent>,
}

#[derive(Default)]
pub(super) struct Recent {
    /// The snapshot the entries were computed on (a `Weak`: no old index is kept alive,
    /// and its address cannot be reused while we hold it).
    pub(super) snapshot: std::sync::Weak<CustomerIndex>,
    /// Least recently used first.
    pub(super) found: std::collections::VecDeque<(usize, Arc<Found>)>,
    pub(super) bytes: usize,
    pub(super) running: std::collections::HashMap<(String, usize), Arc<Running>>,
}

/// A search one session is running, that others wait for.
#[derive(Default)]
pub(super) struct Running {
    pub(super) done: std::sync::Mutex<bool>,
    pub(super) ended: std::sync::Condvar,
}

/// Marks a running search ended when dropped, even by a panic.
pub(super) struct RunningGuard<'a> {
    pub(super) shared: &'a SharedSearches,
    pub(super) key: (String, usize),
    pub(super) running: Arc<Running>,
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
    pub(super) fn matching(&mut self, snapshot: &Arc<CustomerIndex>) {
        if !std::sync::Weak::ptr_eq(&self.snapshot, &Arc::downgrade(snapshot)) {
            self.snapshot = Arc::downgrade(snapshot);
            self.found.clear();
            self.bytes = 0;
        }
    }

    pub(super) fn get(&mut self, folded: &str, limit: usize) -> Option<Arc<Found>> {
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
    pub(super) fn base_for(&self, query: &Query, index: &CustomerIndex) -> Option<Arc<Found>> {
        self.found
            .iter()
            .filter(|(_, f)| f.narrows_to(query, index))
            .min_by_key(|(_, f)| f.narrowing().map_or(usize::MAX, |a| a.len()))
            .map(|(_, f)| f.clone())
    }

    /// Puts the settled answer in place of the unsettled one it completes.
    pub(super) fn settled(&mut self, limit: usize, found: Arc<Found>) {
        if let Some(slot) = self
            .found
            .iter_mut()
            .find(|(l, f)| *l == limit && f.query == found.query && !f.settled())
        {
            self.bytes = self.bytes - held(&slot.1) + held(&found);
            slot.1 = found;
        }
    }

    pub(super) fn insert(&mut self, limit: usize, found: Arc<Found>) {
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

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Recent> {
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

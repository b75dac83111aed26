//! One console's searches behind one small interface: [`SearchSession::submit`] the text
//! typed for a target (the Clients tab, the palette…), await [`SearchSession::answer`] for
//! what to show. Inside, the protocol the console no longer sees:
//!
//! - **one search at a time per session**, on the shared `SearchPool`: a text submitted
//!   while one runs waits, and a newer text replaces it (only the latest matters);
//! - **page, then count**: a search's page (its rows, exact) is answered as soon as it is
//!   known — the job's last word, after which the session may start its next search —;
//!   when its count is not exact yet (« ≥ N »), a job queued after every session's pages
//!   makes it exact, unless the session typed again meanwhile (sequence numbers cancel it);
//! - **no answer shown over a newer one**: a late count of an older search is dropped;
//! - **narrowing**: each target's last answer is kept, and the next search of that target
//!   narrows from it when its text only grew (the search checks that itself).

use super::App;
use super::pool::SearchPool;
use super::queries::{SEARCH_LIMIT, SearchResult};
use super::search::Found;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// What a console shows: a result for the target its text was typed for.
pub struct Answer<T> {
    pub target: T,
    pub result: SearchResult,
}

/// A job's word to its session.
struct Reply<T> {
    target: T,
    seq: u64,
    result: Option<SearchResult>,
    /// The page's job ended: the session may start its next search.
    last: bool,
}

/// One console's searches (see the module's documentation). `T` names what a text was
/// typed for; the session hands it back with its answers.
pub struct SearchSession<T> {
    app: Arc<App>,
    pool: Arc<SearchPool>,
    /// The search this session wants now: a newer one cancels the count of an older one.
    wanted: Arc<AtomicU64>,
    /// The newest search whose answer was shown.
    shown: u64,
    /// A page job of this session is queued or running.
    busy: bool,
    /// The text waiting for the running search to end (the latest only).
    next: Option<(T, String)>,
    /// Each target's last answer, to narrow from.
    previous: Vec<(T, Found)>,
    tx: mpsc::Sender<Reply<T>>,
    rx: mpsc::Receiver<Reply<T>>,
}

impl<T: Copy + PartialEq + Send + 'static> SearchSession<T> {
    pub fn new(app: Arc<App>, pool: Arc<SearchPool>) -> SearchSession<T> {
        let (tx, rx) = mpsc::channel(8);
        SearchSession {
            app,
            pool,
            wanted: Arc::new(AtomicU64::new(0)),
            shown: 0,
            busy: false,
            next: None,
            previous: Vec::new(),
            tx,
            rx,
        }
    }

    /// The text typed for `target` now: searched as soon as this session's running search
    /// ends (a newer text replaces one waiting), and any count still running for an older
    /// one is no longer wanted.
    pub fn submit(&mut self, target: T, query: String) {
        let mine = self.wanted.fetch_add(1, Ordering::SeqCst) + 1;
        if self.busy {
            self.next = Some((target, query));
            return;
        }
        self.start(target, query, mine);
    }

    /// The next answer to show. Cancel-safe: it may be awaited in a `select!`.
    pub async fn answer(&mut self) -> Answer<T> {
        loop {
            // This session holds a sender: the channel never closes under it.
            let Some(reply) = self.rx.recv().await else {
                std::future::pending::<()>().await;
                continue;
            };
            if reply.last {
                self.busy = false;
                if let Some((target, query)) = self.next.take() {
                    let mine = self.wanted.load(Ordering::SeqCst);
                    self.start(target, query, mine);
                }
            }
            if let Some(result) = reply.result.filter(|_| reply.seq >= self.shown) {
                self.shown = reply.seq;
                self.remember(reply.target, &result.found);
                return Answer {
                    target: reply.target,
                    result,
                };
            }
        }
    }

    fn remember(&mut self, target: T, found: &Found) {
        match self.previous.iter_mut().find(|(t, _)| *t == target) {
            Some((_, f)) => *f = found.clone(),
            None => self.previous.push((target, found.clone())),
        }
    }

    fn start(&mut self, target: T, query: String, mine: u64) {
        self.busy = true;
        let previous = self
            .previous
            .iter()
            .find(|(t, _)| *t == target)
            .map(|(_, f)| f.clone());
        let job = Job {
            app: self.app.clone(),
            pool: self.pool.clone(),
            tx: self.tx.clone(),
            wanted: self.wanted.clone(),
            mine,
            target,
        };
        let span = tracing::Span::current();
        let submitted = self
            .pool
            .submit(move || span.in_scope(|| job.run(query, previous)));
        if submitted.is_err() {
            self.busy = false;
            tracing::warn!("search pool full");
        }
    }
}

/// Search number `mine` of a session, on the pool.
struct Job<T> {
    app: Arc<App>,
    pool: Arc<SearchPool>,
    tx: mpsc::Sender<Reply<T>>,
    wanted: Arc<AtomicU64>,
    mine: u64,
    target: T,
}

impl<T: Copy + Send + 'static> Job<T> {
    /// The page, sent at once (the job's last word, always sent, even after a panic, or
    /// the session would wait for it forever); then, when its count is not exact, a job
    /// queued after the other sessions' pages makes it exact — unless the session typed
    /// again meanwhile.
    fn run(self, query: String, previous: Option<Found>) {
        let Job {
            app,
            pool,
            tx,
            wanted,
            mine,
            target,
        } = self;
        let started = std::time::Instant::now();
        let page = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            app.customer_search_page(&query, previous.as_ref(), SEARCH_LIMIT)
        }));
        app.metrics().search(started.elapsed().as_secs_f64());
        let reply = |result, last| Reply {
            target,
            seq: mine,
            result,
            last,
        };
        let Ok((result, snapshot)) = page else {
            tracing::error!("a search panicked");
            let _ = tx.blocking_send(reply(None, true));
            return;
        };
        if result.found.settled() {
            let _ = tx.blocking_send(reply(Some(result), true));
            return;
        }
        if tx.blocking_send(reply(Some(result.clone()), true)).is_err() {
            return;
        }
        let counted = pool.submit_after(move || {
            let cancelled = || wanted.load(Ordering::SeqCst) != mine || tx.is_closed();
            if cancelled() {
                return;
            }
            let mut result = result;
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                app.count_customer_search(&snapshot, &query, SEARCH_LIMIT, &mut result, &cancelled)
            }));
            match done {
                Ok(true) => {
                    let _ = tx.blocking_send(Reply {
                        target,
                        seq: mine,
                        result: Some(result),
                        last: false,
                    });
                }
                Ok(false) => {}
                Err(_) => tracing::error!("a search count panicked"),
            }
        });
        if counted.is_err() {
            tracing::warn!("search pool full: a count is left « ≥ »");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Typed fast, a text's answers arrive in order (never an older one after a newer),
    /// the last is the latest text's, narrowed from the earlier ones yet equal to a whole
    /// search once its count is exact; each target narrows from its own answers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_answers_its_latest_text_exactly() {
        let f = crate::app::tests::seeded_fixture(60, 400, 7);
        let app = Arc::new(f.app);
        let mut s = SearchSession::new(app.clone(), Arc::new(SearchPool::new(2, 64)));
        let typed = ["co", "com", "comm", "commu", "commune"];
        for q in typed {
            s.submit(1u8, q.to_string());
        }
        let mut seen: Vec<String> = Vec::new();
        let last = loop {
            let a = tokio::time::timeout(Duration::from_secs(10), s.answer())
                .await
                .expect("an answer");
            assert_eq!(a.target, 1);
            let q = a.result.found.query.clone();
            let rank = typed.iter().position(|t| *t == q).expect("a typed text");
            if let Some(prev) = seen.last() {
                let before = typed.iter().position(|t| t == prev).unwrap_or(0);
                assert!(rank >= before, "{q} shown after {prev}");
            }
            seen.push(q);
            if rank == typed.len() - 1 && a.result.found.settled() {
                break a.result;
            }
        };
        assert!(seen.len() < typed.len() * 2, "{seen:?}");
        let whole = app.search_customers("commune", None, SEARCH_LIMIT);
        assert_eq!(last.found.top, whole.found.top);
        assert_eq!(last.found.total, whole.found.total);
        // Another target's text does not narrow from the first one's answers.
        s.submit(2u8, "lycee".to_string());
        let a = tokio::time::timeout(Duration::from_secs(10), s.answer())
            .await
            .expect("an answer");
        assert_eq!((a.target, a.result.found.query.as_str()), (2, "lycee"));
        let whole = app.search_customers("lycee", None, SEARCH_LIMIT);
        assert_eq!(a.result.found.top, whole.found.top);
    }
}

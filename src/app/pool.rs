//! A small pool of worker threads shared by every session for searches: fuzzy matching a
//! million customers takes tens of milliseconds, which must not run on the async runtime
//! nor multiply with the number of sessions.
//!
//! Two queues: the pages of searches (what a person waits for, keystroke by keystroke)
//! and the counts that complete them (wanted, but never before another session's page).
//! A worker takes a count only when no page waits.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct SearchPool {
    inner: Arc<Inner>,
}

struct Inner {
    queues: Mutex<Queues>,
    ready: Condvar,
    /// Jobs each queue holds at most.
    capacity: usize,
}

#[derive(Default)]
struct Queues {
    first: VecDeque<Job>,
    after: VecDeque<Job>,
    closed: bool,
}

#[derive(Debug)]
pub struct Busy;

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next job, pages first; `None` once the pool is dropped and drained.
    fn next(&self) -> Option<Job> {
        let mut q = self.lock();
        loop {
            if let Some(job) = q.first.pop_front().or_else(|| q.after.pop_front()) {
                return Some(job);
            }
            if q.closed {
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn push(&self, job: Job, after: bool) -> Result<(), Busy> {
        let mut q = self.lock();
        let queue = if after { &mut q.after } else { &mut q.first };
        if queue.len() >= self.capacity {
            return Err(Busy);
        }
        queue.push_back(job);
        drop(q);
        self.ready.notify_one();
        Ok(())
    }
}

impl SearchPool {
    pub fn new(threads: usize, queue: usize) -> SearchPool {
        let inner = Arc::new(Inner {
            queues: Mutex::default(),
            ready: Condvar::new(),
            capacity: queue.max(1),
        });
        for i in 0..threads.max(1) {
            let inner = inner.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("search-{i}"))
                .spawn(move || {
                    while let Some(job) = inner.next() {
                        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                            tracing::error!("a search job panicked");
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start search worker: {e}");
            }
        }
        SearchPool { inner }
    }

    /// Queues a search's page (`Busy` when the queue is full).
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Busy> {
        self.inner.push(Box::new(job), false)
    }

    /// Queues work that completes a search (its count): run when no page waits.
    pub fn submit_after(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Busy> {
        self.inner.push(Box::new(job), true)
    }
}

impl Drop for SearchPool {
    /// The workers finish what is queued, then end.
    fn drop(&mut self) {
        self.inner.lock().closed = true;
        self.inner.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_and_survives_panics() {
        let pool = SearchPool::new(2, 8);
        pool.submit(|| panic!("boom")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        for i in 0..4 {
            let tx = tx.clone();
            pool.submit(move || tx.send(i).unwrap()).unwrap();
        }
        let mut got: Vec<i32> = (0..4).map(|_| rx.recv().unwrap()).collect();
        got.sort();
        assert_eq!(got, vec![0, 1, 2, 3]);
    }

    /// A worker busy, pages and counts waiting: every page runs before any count, and a
    /// full queue says so.
    #[test]
    fn pages_run_before_counts() {
        let pool = SearchPool::new(1, 3);
        let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        pool.submit(move || {
            started_tx.send(()).unwrap();
            gate_rx.recv().unwrap();
        })
        .unwrap();
        started_rx.recv().unwrap();
        for i in 0..3 {
            let tx = tx.clone();
            pool.submit_after(move || tx.send(("count", i)).unwrap())
                .unwrap();
        }
        assert!(
            pool.submit_after(|| {}).is_err(),
            "the counts' queue is full"
        );
        for i in 0..3 {
            let tx = tx.clone();
            pool.submit(move || tx.send(("page", i)).unwrap()).unwrap();
        }
        gate_tx.send(()).unwrap();
        let order: Vec<_> = (0..6).map(|_| rx.recv().unwrap()).collect();
        assert_eq!(
            order,
            [
                ("page", 0),
                ("page", 1),
                ("page", 2),
                ("count", 0),
                ("count", 1),
                ("count", 2)
            ]
        );
    }
}

//! Live sessions (for `sessions list` / `sessions kill` and the Accès tab) and the
//! per-address rate limiter of failed logins.

pub(crate) use crate::app::access::SessionInfo;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

struct Entry {
    info: SessionInfo,
    kill: mpsc::UnboundedSender<String>,
}

#[derive(Default)]
pub struct Registry {
    next: AtomicU64,
    sessions: Mutex<HashMap<u64, Entry>>,
}

/// Removes its session from the registry when dropped.
pub struct Registration<'a> {
    registry: &'a Registry,
    pub id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.registry
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl Registry {
    /// Registers a session; `kill` receives the message when an admin ends it.
    pub fn register(
        &self,
        mut info: SessionInfo,
    ) -> (Registration<'_>, mpsc::UnboundedReceiver<String>) {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        info.id = id;
        let (kill, rx) = mpsc::unbounded_channel();
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Entry { info, kill });
        (Registration { registry: self, id }, rx)
    }

    pub fn list(&self) -> Vec<SessionInfo> {
        let mut v: Vec<SessionInfo> = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|e| e.info.clone())
            .collect();
        v.sort_by_key(|s| s.id);
        v
    }

    pub fn len(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many sessions `person` has open.
    pub(crate) fn count_person(&self, person: &str) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|e| e.info.person == person)
            .count()
    }

    /// Ends one session with a message; false when there is no such session.
    pub fn kill(&self, id: u64, message: &str) -> bool {
        match self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
        {
            Some(e) => e.kill.send(message.to_string()).is_ok(),
            None => false,
        }
    }

    /// Ends every session of a person; returns how many.
    pub fn kill_person(&self, person: &str, message: &str) -> usize {
        let guard = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .values()
            .filter(|e| e.info.person == person)
            .filter(|e| e.kill.send(message.to_string()).is_ok())
            .count()
    }
}

/// Failed logins per source address, with delays that grow after a few failures — a
/// legitimate key is slowed down after many failures from its address, never locked out.
#[derive(Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// Failures allowed before any delay.
const FREE_FAILURES: u32 = 3;
const MAX_DELAY: Duration = Duration::from_secs(16);
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

impl RateLimiter {
    pub fn delay(&self, ip: IpAddr) -> Duration {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&ip) {
            Some((_, last)) if last.elapsed() > FORGET_AFTER => {
                map.remove(&ip);
                Duration::ZERO
            }
            Some((n, _)) if *n > FREE_FAILURES => {
                let exp = (n - FREE_FAILURES - 1).min(10);
                Duration::from_secs(1u64 << exp).min(MAX_DELAY)
            }
            _ => Duration::ZERO,
        }
    }

    pub fn failure(&self, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let e = map.entry(ip).or_insert((0, Instant::now()));
        e.0 += 1;
        e.1 = Instant::now();
        // A flood of addresses must not grow the map without bound.
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| last.elapsed() < FORGET_AFTER);
        }
    }

    pub fn success(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Role;
    use crate::domain::Timestamp;

    #[test]
    fn delays_grow_after_a_few_failures_and_reset_on_success() {
        let r = RateLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            r.failure(ip);
        }
        assert_eq!(r.delay(ip), Duration::ZERO, "a few failures cost nothing");
        r.failure(ip);
        assert_eq!(r.delay(ip), Duration::from_secs(1));
        r.failure(ip);
        assert_eq!(r.delay(ip), Duration::from_secs(2));
        for _ in 0..20 {
            r.failure(ip);
        }
        assert_eq!(
            r.delay(ip),
            MAX_DELAY,
            "capped: slowed down, never locked out"
        );
        r.success(ip);
        assert_eq!(r.delay(ip), Duration::ZERO);
    }

    #[test]
    fn sessions_register_and_unregister() {
        let reg = Registry::default();
        let info = |p: &str| SessionInfo {
            id: 0,
            person: p.into(),
            role: Role::Staff,
            fingerprint: "SHA256:x".into(),
            peer: None,
            started: Timestamp(0),
            what: "console".into(),
        };
        let (a, mut rx) = reg.register(info("marie"));
        let (_b, _rx2) = reg.register(info("paul"));
        assert_eq!(reg.len(), 2);
        assert!(reg.kill(a.id, "bye"));
        assert_eq!(rx.try_recv().unwrap(), "bye");
        assert_eq!(reg.kill_person("paul", "x"), 1);
        drop(a);
        assert_eq!(reg.len(), 1);
        assert!(!reg.kill(999, "x"));
    }
}

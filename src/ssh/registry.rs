//! Live sessions (for `sessions list` / `sessions kill` and the Accès tab) and the
//! per-address rate limiter of failed logins.

pub(crate) use crate::app::access::SessionInfo;
use crate::config::MaxStartups;
use crate::domain::{AccessEvent, LoginRefusal};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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

/// Failed logins per source address. Every refused attempt counts at once; a source with
/// more than `allowed` failures within a minute is refused at accept for `penalty`,
/// doubling (up to 16 times) while it goes on. Nothing sleeps during the handshake, so a
/// legitimate login never waits for others' failures.
pub struct RateLimiter {
    sources: Mutex<HashMap<IpAddr, Source>>,
    allowed: u32,
    penalty: Duration,
}

struct Source {
    window: Instant,
    failures: u32,
    strikes: u32,
    until: Option<Instant>,
}

const WINDOW: Duration = Duration::from_secs(60);
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

impl RateLimiter {
    pub fn new(allowed_per_minute: u32, penalty: Duration) -> RateLimiter {
        RateLimiter {
            sources: Mutex::new(HashMap::new()),
            allowed: allowed_per_minute,
            penalty,
        }
    }

    /// Whether new connections from `ip` are refused now.
    pub fn refuse_at_accept(&self, ip: IpAddr) -> bool {
        let map = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&ip)
            .and_then(|s| s.until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Counts one refused attempt from `ip`.
    pub fn failure(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut map = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        // A flood of addresses must not grow the map without bound.
        if map.len() > 100_000 {
            map.retain(|_, s| now.duration_since(s.window) < FORGET_AFTER);
        }
        let s = map.entry(ip).or_insert(Source {
            window: now,
            failures: 0,
            strikes: 0,
            until: None,
        });
        if now.duration_since(s.window) > WINDOW {
            s.window = now;
            s.failures = 0;
        }
        s.failures += 1;
        if s.failures > self.allowed {
            s.strikes += 1;
            let factor = 1u32 << (s.strikes - 1).min(4);
            s.until = Some(now + self.penalty * factor);
            s.window = now;
            s.failures = 0;
        }
    }

    /// A login succeeded from `ip`: its failures are forgotten.
    pub fn success(&self, ip: IpAddr) {
        self.sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

/// Refused logins waiting to be written to the audit log, per address and reason: the
/// first one of a burst is written at once, the others together every few seconds.
#[derive(Default)]
pub(crate) struct FailedLogins {
    pending: Mutex<HashMap<(Option<IpAddr>, LoginRefusal), Burst>>,
}

/// Attempts since the last record of a burst, and the keys they offered.
type Burst = (u32, Vec<String>);

/// Keys named in one record at most.
const FINGERPRINTS_SHOWN: usize = 5;
/// Sources remembered between two flushes; beyond, attempts are counted together.
const MAX_SOURCES: usize = 4096;

impl FailedLogins {
    /// Notes a refused attempt; it is written with the others of its source at the next
    /// flush (at most one durable write per flush, whatever the number of sources).
    pub(crate) fn record(
        &self,
        peer: Option<IpAddr>,
        reason: LoginRefusal,
        fingerprint: Option<String>,
    ) {
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SOURCES && !map.contains_key(&(peer, reason)) {
            // A flood from very many sources: counted under « unknown source » rather
            // than growing without bound.
            let (n, _) = map.entry((None, reason)).or_insert((0, Vec::new()));
            *n += 1;
            return;
        }
        let (n, fps) = map.entry((peer, reason)).or_insert((0, Vec::new()));
        *n += 1;
        if let Some(fp) = fingerprint
            && fps.len() < FINGERPRINTS_SHOWN
            && !fps.contains(&fp)
        {
            fps.push(fp);
        }
    }

    /// The bursts gathered since the last flush, one event per source and reason.
    pub(crate) fn flush(&self) -> Vec<AccessEvent> {
        let map = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let mut out: Vec<AccessEvent> = map
            .into_iter()
            .map(|((peer, reason), (n, fps))| AccessEvent::LoginRefused {
                peer: peer.map(|p| p.to_string()),
                reason,
                attempts: n,
                fingerprints: fps,
            })
            .collect();
        // In a stable order: the audit trail reads the same on every replay.
        out.sort_by_key(|e| match e {
            AccessEvent::LoginRefused { peer, .. } => peer.clone(),
            _ => None,
        });
        out
    }
}

/// Unauthenticated connections, counted for the random early drop.
pub(crate) struct Startups {
    count: AtomicUsize,
    limits: MaxStartups,
}

/// One unauthenticated connection's place; given back when it logs in or ends.
pub(crate) struct StartupSlot(Arc<Startups>);

impl Drop for StartupSlot {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Startups {
    pub(crate) fn new(limits: MaxStartups) -> Arc<Startups> {
        Arc::new(Startups {
            count: AtomicUsize::new(0),
            limits,
        })
    }

    /// Probability (in ‰) that a new connection is dropped with `n` already waiting.
    fn drop_per_mille(&self, n: usize) -> u32 {
        let MaxStartups { start, rate, full } = self.limits;
        if n < start {
            0
        } else if n >= full {
            1000
        } else {
            let extra = (100 - rate) as usize * (n - start) * 10 / (full - start);
            rate * 10 + extra as u32
        }
    }

    /// A place for a new connection, or `None` when it is to be dropped.
    pub(crate) fn admit(self: &Arc<Startups>) -> Option<StartupSlot> {
        let n = self.count.load(Ordering::SeqCst);
        let p = self.drop_per_mille(n);
        if p >= 1000 || (p > 0 && rand::random_range(0..1000) < p) {
            return None;
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        Some(StartupSlot(self.clone()))
    }

    pub(crate) fn waiting(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MaxStartups;

    #[test]
    fn early_drop_rises_from_start_to_full() {
        let s = Startups::new(MaxStartups {
            start: 10,
            rate: 30,
            full: 100,
        });
        assert_eq!(s.drop_per_mille(0), 0);
        assert_eq!(s.drop_per_mille(9), 0);
        assert_eq!(s.drop_per_mille(10), 300);
        assert_eq!(s.drop_per_mille(55), 650);
        assert_eq!(s.drop_per_mille(100), 1000);
        let slots: Vec<_> = (0..10).map(|_| s.admit().unwrap()).collect();
        assert_eq!(s.waiting(), 10);
        drop(slots);
        assert_eq!(s.waiting(), 0);
        let full = Startups::new(MaxStartups {
            start: 1,
            rate: 100,
            full: 2,
        });
        let _one = full.admit().unwrap();
        assert!(full.admit().is_none(), "beyond start at 100 %: dropped");
    }

    use crate::app::Role;
    use crate::domain::Timestamp;

    #[test]
    fn a_flooding_source_is_refused_for_a_while_then_forgiven() {
        let r = RateLimiter::new(3, Duration::from_millis(200));
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..3 {
            r.failure(ip);
        }
        assert!(!r.refuse_at_accept(ip), "a few failures cost nothing");
        r.failure(ip);
        assert!(r.refuse_at_accept(ip));
        assert!(!r.refuse_at_accept(other), "only that source");
        std::thread::sleep(Duration::from_millis(250));
        assert!(!r.refuse_at_accept(ip), "the penalty ends");
        for _ in 0..4 {
            r.failure(ip);
        }
        assert!(r.refuse_at_accept(ip));
        r.success(ip);
        assert!(!r.refuse_at_accept(ip));
    }

    #[test]
    fn refused_logins_are_written_in_bursts() {
        let f = FailedLogins::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for i in 0..1000 {
            f.record(
                Some(ip),
                LoginRefusal::UnknownKey,
                Some(format!("SHA256:{i}")),
            );
        }
        f.record(Some(other), LoginRefusal::UnknownKey, None);
        let batch = f.flush();
        assert_eq!(batch.len(), 2, "one event per source");
        let AccessEvent::LoginRefused {
            attempts,
            fingerprints,
            peer,
            ..
        } = &batch[0]
        else {
            panic!()
        };
        assert_eq!(peer.as_deref(), Some("192.0.2.7"));
        assert_eq!((*attempts, fingerprints.len()), (1000, FINGERPRINTS_SHOWN));
        assert!(f.flush().is_empty(), "a quiet second writes nothing");
    }

    #[test]
    fn a_flood_from_many_sources_is_bounded() {
        let f = FailedLogins::default();
        for i in 0..(MAX_SOURCES as u32 + 500) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            f.record(Some(ip), LoginRefusal::UnknownKey, None);
        }
        let batch = f.flush();
        assert_eq!(batch.len(), MAX_SOURCES + 1);
        let total: u32 = batch
            .iter()
            .map(|e| match e {
                AccessEvent::LoginRefused { attempts, .. } => *attempts,
                _ => 0,
            })
            .sum();
        assert_eq!(total, MAX_SOURCES as u32 + 500, "every attempt is counted");
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

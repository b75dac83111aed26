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
    /// A console's last keystroke (seconds since the epoch), written by its session.
    last_input: Arc<AtomicU64>,
}

fn epoch_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
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
    last_input: Arc<AtomicU64>,
}

impl Registration<'_> {
    /// Where its session notes each keystroke (see [`touch`]).
    pub fn activity(&self) -> Arc<AtomicU64> {
        self.last_input.clone()
    }
}

/// Notes a keystroke (the Accès tab shows each console's idle time).
pub(crate) fn touch(activity: &AtomicU64) {
    activity.store(epoch_secs(), Ordering::Relaxed);
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
        let last_input = Arc::new(AtomicU64::new(epoch_secs()));
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                id,
                Entry {
                    info,
                    kill,
                    last_input: last_input.clone(),
                },
            );
        (
            Registration {
                registry: self,
                id,
                last_input,
            },
            rx,
        )
    }

    pub fn list(&self) -> Vec<SessionInfo> {
        let mut v: Vec<SessionInfo> = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|e| {
                let mut info = e.info.clone();
                if info.what == "console" {
                    let last = e.last_input.load(Ordering::Relaxed);
                    info.idle_secs = Some(epoch_secs().saturating_sub(last));
                }
                info
            })
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

/// What a penalty holds back: a source (an IPv4 address, or an IPv6 /64 — one machine
/// or one site's prefix), or one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Address(IpAddr),
    Key(String),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Address(IpAddr::V6(a)) => write!(f, "adresse {a}/64"),
            Subject::Address(a) => write!(f, "adresse {a}"),
            Subject::Key(fp) => write!(f, "clé {fp}"),
        }
    }
}

/// The source an address counts under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its
/// /64, which one client or one site can change at will within.
pub(crate) fn source_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
        v4 => v4,
    }
}

/// A penalty that just started (to log and audit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Penalty {
    pub subject: Subject,
    pub seconds: u64,
    pub strikes: u32,
    pub reason: &'static str,
}

/// A penalty in force, for admins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivePenalty {
    pub subject: Subject,
    pub remaining: Duration,
    pub strikes: u32,
}

/// Failed logins, per key when a key was offered and per source otherwise. A subject with
/// more than `allowed` failures within a minute is refused for `penalty`, doubling (up to
/// 16 times) while it goes on. A key that keeps failing — a revoked colleague's
/// forgotten `ssh … whoami` loop — is refused alone: the address it comes from (the
/// shop's, shared by everyone) counts only the *different* keys that fail from it, so
/// someone trying key after key is still stopped there. Sources in the exemption list are
/// never refused. Nothing sleeps during the handshake, so a legitimate login never waits
/// for others' failures.
pub struct RateLimiter {
    records: Mutex<HashMap<Subject, Record>>,
    allowed: u32,
    penalty: Duration,
    exempt: Vec<crate::config::Cidr>,
}

struct Record {
    window: Instant,
    failures: u32,
    strikes: u32,
    until: Option<Instant>,
    /// For a source: the keys already counted against it in this window.
    keys: Vec<String>,
}

const WINDOW: Duration = Duration::from_secs(60);
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Keys remembered per source and window.
const KEYS_PER_SOURCE: usize = 64;

impl RateLimiter {
    pub fn new(
        allowed_per_minute: u32,
        penalty: Duration,
        exempt: Vec<crate::config::Cidr>,
    ) -> RateLimiter {
        RateLimiter {
            records: Mutex::new(HashMap::new()),
            allowed: allowed_per_minute,
            penalty,
            exempt,
        }
    }

    fn exempt(&self, ip: IpAddr) -> bool {
        self.exempt.iter().any(|c| c.contains(ip))
    }

    fn penalised(&self, subject: &Subject) -> bool {
        let map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        map.get(subject)
            .and_then(|s| s.until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Whether new connections from `ip` are refused now.
    pub fn refuse_at_accept(&self, ip: IpAddr) -> bool {
        !self.exempt(ip) && self.penalised(&Subject::Address(source_of(ip)))
    }

    /// Whether the key of this fingerprint is refused now.
    pub fn key_penalised(&self, fingerprint: &str) -> bool {
        self.penalised(&Subject::Key(fingerprint.to_string()))
    }

    /// Counts one refused attempt from `ip`, with the key it offered if any; returns the
    /// penalties this attempt started.
    pub fn failure(&self, ip: IpAddr, fingerprint: Option<&str>) -> Vec<Penalty> {
        let now = Instant::now();
        let mut map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        // A flood of addresses or keys must not grow the map without bound.
        if map.len() > 100_000 {
            map.retain(|_, s| now.duration_since(s.window) < FORGET_AFTER);
        }
        let mut started = Vec::new();
        let source = Subject::Address(source_of(ip));
        let count_source = match fingerprint {
            Some(fp) => {
                started.extend(self.count(
                    &mut map,
                    Subject::Key(fp.to_string()),
                    now,
                    "clé refusée de façon répétée",
                ));
                // The source counts each different key once per window.
                let rec = Self::record(&mut map, source.clone(), now);
                if rec.keys.iter().any(|k| k == fp) {
                    false
                } else {
                    if rec.keys.len() < KEYS_PER_SOURCE {
                        rec.keys.push(fp.to_string());
                    }
                    true
                }
            }
            None => true,
        };
        if count_source && !self.exempt(ip) {
            let reason = if fingerprint.is_some() {
                "trop de clés différentes refusées"
            } else {
                "trop de connexions refusées"
            };
            started.extend(self.count(&mut map, source, now, reason));
        }
        started
    }

    fn record(map: &mut HashMap<Subject, Record>, subject: Subject, now: Instant) -> &mut Record {
        let r = map.entry(subject).or_insert(Record {
            window: now,
            failures: 0,
            strikes: 0,
            until: None,
            keys: Vec::new(),
        });
        if now.duration_since(r.window) > WINDOW {
            r.window = now;
            r.failures = 0;
            r.keys.clear();
        }
        r
    }

    fn count(
        &self,
        map: &mut HashMap<Subject, Record>,
        subject: Subject,
        now: Instant,
        reason: &'static str,
    ) -> Option<Penalty> {
        let r = Self::record(map, subject.clone(), now);
        r.failures += 1;
        if r.failures <= self.allowed {
            return None;
        }
        r.strikes += 1;
        let factor = 1u32 << (r.strikes - 1).min(4);
        let length = self.penalty * factor;
        r.until = Some(now + length);
        r.window = now;
        r.failures = 0;
        r.keys.clear();
        Some(Penalty {
            subject,
            seconds: length.as_secs(),
            strikes: r.strikes,
            reason,
        })
    }

    /// A login succeeded from `ip` with the key `fingerprint`: the failures of both are
    /// forgotten.
    pub fn success(&self, ip: IpAddr, fingerprint: &str) {
        let mut map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&Subject::Address(source_of(ip)));
        map.remove(&Subject::Key(fingerprint.to_string()));
    }

    /// The penalties in force, the longest first.
    pub fn active(&self) -> Vec<ActivePenalty> {
        let now = Instant::now();
        let map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<ActivePenalty> = map
            .iter()
            .filter_map(|(subject, r)| {
                let until = r.until.filter(|u| *u > now)?;
                Some(ActivePenalty {
                    subject: subject.clone(),
                    remaining: until - now,
                    strikes: r.strikes,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.remaining
                .cmp(&a.remaining)
                .then(a.subject.cmp(&b.subject))
        });
        out
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

/// Unauthenticated connections, counted for the random early drop, and per source.
pub(crate) struct Startups {
    count: AtomicUsize,
    limits: MaxStartups,
    per_source: usize,
    sources: Mutex<HashMap<IpAddr, usize>>,
}

/// One unauthenticated connection's place; given back when it logs in or ends.
pub(crate) struct StartupSlot(Arc<Startups>, Option<IpAddr>);

impl Drop for StartupSlot {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
        if let Some(source) = self.1 {
            let mut map = self.0.sources.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = map.get_mut(&source) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&source);
                }
            }
        }
    }
}

impl Startups {
    pub(crate) fn new(limits: MaxStartups, per_source: usize) -> Arc<Startups> {
        Arc::new(Startups {
            count: AtomicUsize::new(0),
            limits,
            per_source: per_source.max(1),
            sources: Mutex::new(HashMap::new()),
        })
    }

    /// A place for a new connection from `peer`, or `None` when its source already
    /// holds `per_source` unauthenticated connections (OpenSSH's PerSourceMaxStartups):
    /// one address flooding silent connections keeps only its own share.
    pub(crate) fn admit_from(self: &Arc<Startups>, peer: IpAddr) -> Option<StartupSlot> {
        let source = source_of(peer);
        {
            let mut map = self.sources.lock().unwrap_or_else(|e| e.into_inner());
            let n = map.entry(source).or_insert(0);
            if *n >= self.per_source {
                return None;
            }
            *n += 1;
        }
        match self.admit() {
            Some(mut slot) => {
                slot.1 = Some(source);
                Some(slot)
            }
            None => {
                // The global early drop refused it: its source's place is given back.
                let mut map = self.sources.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(n) = map.get_mut(&source) {
                    *n -= 1;
                    if *n == 0 {
                        map.remove(&source);
                    }
                }
                None
            }
        }
    }

    /// Sources holding unauthenticated connections.
    pub(crate) fn sources_waiting(&self) -> usize {
        self.sources.lock().unwrap_or_else(|e| e.into_inner()).len()
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
        Some(StartupSlot(self.clone(), None))
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
        let s = Startups::new(
            MaxStartups {
                start: 10,
                rate: 30,
                full: 100,
            },
            1000,
        );
        assert_eq!(s.drop_per_mille(0), 0);
        assert_eq!(s.drop_per_mille(9), 0);
        assert_eq!(s.drop_per_mille(10), 300);
        assert_eq!(s.drop_per_mille(55), 650);
        assert_eq!(s.drop_per_mille(100), 1000);
        let slots: Vec<_> = (0..10).map(|_| s.admit().unwrap()).collect();
        assert_eq!(s.waiting(), 10);
        drop(slots);
        assert_eq!(s.waiting(), 0);
        let full = Startups::new(
            MaxStartups {
                start: 1,
                rate: 100,
                full: 2,
            },
            1000,
        );
        let _one = full.admit().unwrap();
        assert!(full.admit().is_none(), "beyond start at 100 %: dropped");
    }

    use crate::app::Role;
    use crate::domain::Timestamp;

    #[test]
    fn a_flooding_source_is_refused_for_a_while_then_forgiven() {
        let r = RateLimiter::new(3, Duration::from_millis(200), Vec::new());
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..3 {
            assert!(r.failure(ip, None).is_empty());
        }
        assert!(!r.refuse_at_accept(ip), "a few failures cost nothing");
        let started = r.failure(ip, None);
        assert_eq!(started.len(), 1);
        assert_eq!(started[0].subject.to_string(), "adresse 192.0.2.7");
        assert!(r.refuse_at_accept(ip));
        assert!(!r.refuse_at_accept(other), "only that source");
        assert_eq!(r.active().len(), 1);
        std::thread::sleep(Duration::from_millis(250));
        assert!(!r.refuse_at_accept(ip), "the penalty ends");
        assert!(r.active().is_empty());
        for _ in 0..4 {
            r.failure(ip, None);
        }
        assert!(r.refuse_at_accept(ip));
        r.success(ip, "SHA256:any");
        assert!(!r.refuse_at_accept(ip));
    }

    /// A key that keeps failing is refused alone: its address (shared by a whole shop)
    /// stays open; trying many different keys from one address still closes it.
    #[test]
    fn a_failing_key_is_penalised_not_its_address() {
        let r = RateLimiter::new(3, Duration::from_secs(60), Vec::new());
        let shop: IpAddr = "198.51.100.4".parse().unwrap();
        let mut started = Vec::new();
        for _ in 0..50 {
            started.extend(r.failure(shop, Some("SHA256:revoked")));
        }
        assert!(r.key_penalised("SHA256:revoked"));
        assert!(!r.key_penalised("SHA256:admin"));
        assert!(!r.refuse_at_accept(shop), "the address is not penalised");
        assert!(
            started
                .iter()
                .all(|p| p.subject == Subject::Key("SHA256:revoked".into()))
        );
        // Key after key: the address is.
        for i in 0..4 {
            r.failure(shop, Some(&format!("SHA256:new{i}")));
        }
        assert!(r.refuse_at_accept(shop));
        let subjects: Vec<String> = r.active().iter().map(|a| a.subject.to_string()).collect();
        assert!(
            subjects.contains(&"adresse 198.51.100.4".to_string()),
            "{subjects:?}"
        );
        assert!(
            subjects.contains(&"clé SHA256:revoked".to_string()),
            "{subjects:?}"
        );
    }

    /// IPv6 sources are grouped by /64; an exempt source is never refused.
    #[test]
    fn ipv6_by_its_64_and_exempt_sources() {
        let exempt = vec![crate::config::Cidr::parse("10.1.0.0/16").unwrap()];
        let r = RateLimiter::new(2, Duration::from_secs(60), exempt);
        for i in 0..3u16 {
            let ip: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            r.failure(ip, None);
        }
        let same: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        let next: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(r.refuse_at_accept(same), "same /64");
        assert!(!r.refuse_at_accept(next), "another /64");
        assert_eq!(
            r.active()[0].subject.to_string(),
            "adresse 2001:db8:1:2::/64"
        );
        let lan: IpAddr = "10.1.7.9".parse().unwrap();
        for _ in 0..10 {
            assert!(r.failure(lan, None).is_empty());
        }
        assert!(!r.refuse_at_accept(lan), "exempt");
        let mapped: IpAddr = "::ffff:10.1.7.9".parse().unwrap();
        assert!(!r.refuse_at_accept(mapped), "IPv4-mapped: the same source");
    }

    /// One source holds at most `per_source` unauthenticated places; others keep theirs.
    #[test]
    fn one_source_cannot_take_every_startup() {
        let s = Startups::new(
            MaxStartups {
                start: 100,
                rate: 30,
                full: 200,
            },
            3,
        );
        let flood: IpAddr = "192.0.2.66".parse().unwrap();
        let admin: IpAddr = "192.0.2.1".parse().unwrap();
        let held: Vec<_> = (0..10).filter_map(|_| s.admit_from(flood)).collect();
        assert_eq!(held.len(), 3);
        assert!(s.admit_from(admin).is_some());
        drop(held);
        assert_eq!(s.waiting(), 0);
        assert_eq!(s.sources_waiting(), 0);
        assert!(s.admit_from(flood).is_some(), "given back when they end");
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
            idle_secs: None,
            connection: None,
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

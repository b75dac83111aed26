//! What an operator watches, in the Prometheus text format (prometheus-client encodes it):
//! sessions by role, logins accepted and refused, commits and their latency, documents
//! issued by kind, search latency, the store's size, the last backup's age, and the
//! background jobs — the Chorus Pro queue by state and e-mails sent or failed. Counters
//! and histograms are updated where things happen; gauges are read when scraped.

use super::App;
use crate::domain::Role;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

fn label(k: &str, v: &str) -> Labels {
    vec![(k.to_string(), v.to_string())]
}

pub struct Metrics {
    registry: Registry,
    logins: Family<Labels, Counter>,
    commits: Counter,
    commit_seconds: Histogram,
    documents: Family<Labels, Counter>,
    search_seconds: Histogram,
    mails: Family<Labels, Counter>,
    sessions: Family<Labels, Gauge>,
    store_bytes: Gauge,
    backup_age: Gauge,
    chorus_queue: Family<Labels, Gauge>,
    chorus_calls: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("comptoir");
        let m = Metrics {
            logins: Family::default(),
            commits: Counter::default(),
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            documents: Family::default(),
            search_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            mails: Family::default(),
            sessions: Family::default(),
            store_bytes: Gauge::default(),
            backup_age: Gauge::default(),
            chorus_queue: Family::default(),
            chorus_calls: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "logins",
            "Logins by result (accepted, refused)",
            m.logins.clone(),
        );
        registry.register("commits", "Write transactions committed", m.commits.clone());
        registry.register(
            "commit_seconds",
            "Time of a write transaction, from its start to its durable commit",
            m.commit_seconds.clone(),
        );
        registry.register(
            "documents_issued",
            "Documents issued, by kind",
            m.documents.clone(),
        );
        registry.register(
            "search_seconds",
            "Time to the first page of a customer search",
            m.search_seconds.clone(),
        );
        registry.register(
            "mails",
            "Documents sent by e-mail, by result (sent, failed)",
            m.mails.clone(),
        );
        registry.register("sessions", "Open sessions by role", m.sessions.clone());
        registry.register(
            "store_bytes",
            "Size of the store's file",
            m.store_bytes.clone(),
        );
        registry.register(
            "last_backup_age_seconds",
            "Seconds since the last backup (-1: none since the server started)",
            m.backup_age.clone(),
        );
        registry.register(
            "chorus_documents",
            "Documents on the Chorus Pro queue or followed, by state (queued, sending, \
             deposited, refused by the platform, rejected by the body, attention: any that \
             needs a person)",
            m.chorus_queue.clone(),
        );
        registry.register(
            "chorus_calls",
            "Chorus Pro work of the background loop, by result (deposited, refused, retried: \
             a call that failed for a passing reason, tried again later; statuses: new ones read)",
            m.chorus_calls.clone(),
        );
        for r in ["deposited", "refused", "retried", "statuses"] {
            let _ = m.chorus_calls.get_or_create(&label("result", r));
        }
        // Every series exists from the start at 0, so that rates and alerts see it.
        for r in ["accepted", "refused"] {
            let _ = m.logins.get_or_create(&label("result", r));
        }
        for r in ["sent", "failed"] {
            let _ = m.mails.get_or_create(&label("result", r));
        }
        for k in ["quote", "delivery_note", "invoice", "credit_note"] {
            let _ = m.documents.get_or_create(&label("kind", k));
        }
        m.backup_age.set(-1);
        Metrics { registry, ..m }
    }

    pub fn login(&self, accepted: bool) {
        self.logins
            .get_or_create(&label(
                "result",
                if accepted { "accepted" } else { "refused" },
            ))
            .inc();
    }

    pub(super) fn commit(&self, seconds: f64) {
        self.commits.inc();
        self.commit_seconds.observe(seconds);
    }

    pub(super) fn document(&self, kind: crate::domain::DocKind) {
        // The same names as the series created at start.
        let name = match kind {
            crate::domain::DocKind::Quote => "quote",
            crate::domain::DocKind::DeliveryNote => "delivery_note",
            crate::domain::DocKind::Invoice => "invoice",
            crate::domain::DocKind::CreditNote => "credit_note",
        };
        self.documents.get_or_create(&label("kind", name)).inc();
    }

    pub fn search(&self, seconds: f64) {
        self.search_seconds.observe(seconds);
    }

    pub(super) fn chorus(&self, run: &super::chorus::ChorusRun) {
        for (r, n) in [
            ("deposited", run.deposited),
            ("refused", run.refused),
            ("retried", run.retried),
            ("statuses", run.statuses),
        ] {
            self.chorus_calls
                .get_or_create(&label("result", r))
                .inc_by(n as u64);
        }
    }

    pub(super) fn mail(&self, sent: bool) {
        self.mails
            .get_or_create(&label("result", if sent { "sent" } else { "failed" }))
            .inc();
    }
}

impl App {
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Notes a backup made now (its age is a metric).
    pub fn note_backup(&self) {
        *self.last_backup.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::time::Instant::now());
    }

    /// The exposition: the gauges read now, then everything encoded. `sessions`: the open
    /// sessions' roles (the server knows them).
    pub fn metrics_text(&self, sessions: &[Role]) -> String {
        let m = &self.metrics;
        for role in Role::ALL {
            let n = sessions.iter().filter(|r| **r == role).count();
            m.sessions
                .get_or_create(&label("role", role.label()))
                .set(n as i64);
        }
        m.store_bytes.set(self.file_size() as i64);
        let age = self
            .last_backup
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|t| t.elapsed().as_secs() as i64)
            .unwrap_or(-1);
        m.backup_age.set(age);
        let mut states = std::collections::BTreeMap::<&str, i64>::new();
        for s in [
            "queued",
            "sending",
            "deposited",
            "refused",
            "rejected",
            "attention",
        ] {
            states.insert(s, 0);
        }
        for r in self.chorus_records().unwrap_or_default() {
            use crate::domain::chorus::ChorusState;
            let s = match r.state {
                ChorusState::Queued => "queued",
                ChorusState::Sending => "sending",
                ChorusState::Deposited { .. } => "deposited",
                ChorusState::Refused { .. } => "refused",
            };
            *states.entry(s).or_default() += 1;
            if r.status() == Some("REJETEE") {
                *states.entry("rejected").or_default() += 1;
            }
            if r.needs_attention().is_some() {
                *states.entry("attention").or_default() += 1;
            }
        }
        for (s, n) in states {
            m.chorus_queue.get_or_create(&label("state", s)).set(n);
        }
        let mut out = String::new();
        if encode(&mut out, &m.registry).is_err() {
            out.clear();
        }
        out
    }
}

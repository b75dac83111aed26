//! `comptoir bench …`: the measurements reported in BENCHMARKS.md. Benchmarks, not tests:
//! they print figures and assert nothing about time.

use crate::app::{Actor, App, Role};
use crate::cli::open_app;
use crate::config::Config;
use crate::domain::pipeline::OriginalPoInput;
use crate::domain::{Checklist, EligibilityStatus, Stage};
use std::path::Path;
use std::time::{Duration, Instant};

/// Resident memory of this process, in MB (Linux).
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<f64>().ok())
        })
        .map(|pages| pages * 4096.0 / 1e6)
        .unwrap_or(0.0)
}

/// p50, p99 and max of a set of durations, in milliseconds.
pub fn percentiles(mut d: Vec<Duration>) -> (f64, f64, f64) {
    if d.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    d.sort();
    let at = |q: f64| d[((d.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.50), at(0.99), at(1.0))
}

/// Opening the store and building the in-memory index.
pub fn open(data: &Path) -> Result<App, String> {
    let before = rss_mb();
    let started = Instant::now();
    let app = open_app(data, &Config::default())?;
    let elapsed = started.elapsed();
    let (customers, orders) = app
        .store()
        .read(|rx| Ok::<_, crate::store::StoreError>((rx.customer_count()?, rx.order_count()?)))
        .map_err(|e| e.to_string())?;
    println!(
        "open: {customers} customers, {orders} orders, store {:.0} MB: opened and indexed in {:.2} s, RSS +{:.0} MB",
        app.store().file_size() as f64 / 1e6,
        elapsed.as_secs_f64(),
        rss_mb() - before
    );
    Ok(app)
}

/// `mark_original_received` on `n` open quotes, each a durable commit.
pub fn receive(data: &Path, n: usize) -> Result<(), String> {
    let app = open(data)?;
    let actor = Actor::person("bench", Role::Staff, "SHA256:bench");
    let today = app.today();
    let mut candidates = Vec::new();
    for stage in [Stage::Quote, Stage::PreOrder] {
        for card in app.orders_in_stage(stage, usize::MAX) {
            candidates.push(card);
        }
    }
    let mut times = Vec::new();
    for card in candidates {
        if times.len() >= n {
            break;
        }
        let approved = app
            .customer(card.customer)
            .is_ok_and(|c| c.eligibility.status == EligibilityStatus::Approved);
        if !approved {
            continue;
        }
        let input = OriginalPoInput {
            po_number: format!("BENCH-{}", card.number),
            po_date: today,
            checklist: Checklist::ALL_TICKED,
        };
        let started = Instant::now();
        if app
            .mark_original_received(&actor, &card.number.to_string(), &input)
            .is_ok()
        {
            times.push(started.elapsed());
        }
    }
    let count = times.len();
    let (p50, p99, max) = percentiles(times);
    println!(
        "mark original received: {count} durable commits, p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );
    Ok(())
}

//! `comptoir bench …`: the measurements reported in BENCHMARKS.md. Benchmarks, not tests:
//! they print figures and assert nothing about time.

mod bank;
mod chorus;
mod fuzz;
mod hostile;
mod loopback;
mod refresh;
mod ssh;

use crate::app::queries::SEARCH_LIMIT;
use crate::app::{Actor, App, Role, Settings};
use crate::domain::CustomerId;
use crate::domain::pipeline::OriginalPoInput;
use crate::domain::{Checklist, EligibilityStatus, Stage};
use clap::Subcommand;

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
    let app = App::open(data, Settings::default())?;
    let elapsed = started.elapsed();
    let (customers, orders) = app
        .read(|rx| Ok::<_, crate::store::StoreError>((rx.customer_count()?, rx.order_count()?)))
        .map_err(|e| e.to_string())?;
    println!(
        "open: {customers} customers, {orders} orders, store {:.0} MB: opened and indexed in {:.2} s, RSS +{:.0} MB",
        app.file_size() as f64 / 1e6,
        elapsed.as_secs_f64(),
        rss_mb() - before
    );
    Ok(app)
}

/// What each table takes in the file, per order.
pub fn store_sizes(data: &Path) -> Result<(), String> {
    // The store alone: no index to build for this.
    let store = crate::store::Store::open(data).map_err(|e| e.to_string())?;
    let orders = store
        .read(|rx| rx.order_count())
        .map_err(|e: crate::store::StoreError| e.to_string())?;
    println!(
        "file: {:.0} MB ({:.2} KB per order, {orders} orders)",
        store.file_size() as f64 / 1e6,
        store.file_size() as f64 / 1e3 / orders.max(1) as f64
    );
    let sizes = store.table_sizes().map_err(|e| e.to_string())?;
    let total: u64 = sizes
        .iter()
        .map(|t| t.stored + t.metadata + t.fragmented)
        .sum();
    println!(
        "tables: {:.0} MB in pages ({:.2} KB per order)",
        total as f64 / 1e6,
        total as f64 / 1e3 / orders.max(1) as f64
    );
    for t in &sizes {
        let all = t.stored + t.metadata + t.fragmented;
        if all == 0 {
            continue;
        }
        println!(
            "  {:<28} {:>10} rows {:>8.1} MB (stored {:.1}, b-tree {:.1}, unused {:.1}) {:>7.0} B/row",
            t.name,
            t.rows,
            all as f64 / 1e6,
            t.stored as f64 / 1e6,
            t.metadata as f64 / 1e6,
            t.fragmented as f64 / 1e6,
            all as f64 / t.rows.max(1) as f64
        );
    }
    Ok(())
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
            contract: None,
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

/// Queries typed as staff type them, one keystroke at a time.
pub const QUERIES: &[&str] = &[
    "lycee jean moulin",
    "stetienne",
    "commune de saint",
    "chu besancon",
    "college ravel",
    "caisse des ecoles lyon",
    "20000020600017",
    "sdis montigny",
];

/// What a keystroke's answer is checked by: its page, its count and (hashed) every match
/// it keeps for narrowing.
type Fingerprint = (Vec<(crate::domain::CustomerId, u32)>, usize, Option<u64>);

fn fingerprint(found: &crate::app::search::Found) -> Fingerprint {
    use std::hash::{Hash, Hasher};
    let ids = found.matched_ids().map(|ids| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        ids.hash(&mut h);
        h.finish()
    });
    (found.top.clone(), found.total, ids)
}

/// Per-keystroke search latency: each query typed character by character, each keystroke
/// narrowing the previous result as a session does; then, in a second pass (so that it
/// does not evict what a session's next keystroke finds in the caches), every keystroke
/// again scoring every candidate: the same answers.
pub fn search(data: &Path) -> Result<(), String> {
    let app = open(data)?;
    let (mut pages, mut times) = (Vec::new(), Vec::new());
    let mut reference_times = Vec::new();
    let mut answers = Vec::new();
    for q in QUERIES {
        let mut previous = None;
        for end in 1..=q.len() {
            let prefix = &q[..end];
            // One session alone: nothing another session searched helps it.
            app.forget_shared_searches();
            let started = Instant::now();
            let mut page = None;
            let r = app
                .search_customers_progressive(
                    prefix,
                    previous.as_ref(),
                    SEARCH_LIMIT,
                    |_| page = Some(started.elapsed()),
                    &|| false,
                )
                .ok_or("a search nobody cancelled was cancelled")?;
            times.push(started.elapsed());
            pages.push(page.unwrap_or_else(|| started.elapsed()));
            answers.push(fingerprint(&r.found));
            previous = Some(r.found);
        }
    }
    // The same keystrokes scoring every candidate, as before the bounds: same answers.
    let mut answers = answers.into_iter();
    for q in QUERIES {
        let mut previous = None;
        for end in 1..=q.len() {
            let prefix = &q[..end];
            let started = Instant::now();
            let every = app.search_every_candidate(prefix, previous.as_ref());
            reference_times.push(started.elapsed());
            if answers.next() != Some(fingerprint(&every)) {
                return Err(format!(
                    "« {prefix} »: the bounded search differs from scoring every candidate"
                ));
            }
            previous = Some(every);
        }
    }
    let over = format!("{} queries", QUERIES.len());
    let (p50, p99) = print_search_times(reference_times, pages, times, &over);
    fzf_yardstick(&app, p50, p99)
}

/// The same keystrokes through `fzf --filter` over the same haystacks (a process per
/// keystroke, as a yardstick: it reads the list each time and matches on every core).
fn fzf_yardstick(app: &App, p50: f64, p99: f64) -> Result<(), String> {
    use std::io::Write;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let list = dir.path().join("haystacks.txt");
    {
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(&list).map_err(|e| e.to_string())?);
        for h in app.index().customers().haystacks() {
            writeln!(f, "{h}").map_err(|e| e.to_string())?;
        }
    }
    let mut times = Vec::new();
    for q in QUERIES {
        for end in 2..=q.len() {
            let input = std::fs::File::open(&list).map_err(|e| e.to_string())?;
            let started = Instant::now();
            let out = std::process::Command::new("fzf")
                .arg(format!("--filter={}", &q[..end]))
                .stdin(input)
                .stdout(std::process::Stdio::null())
                .status();
            match out {
                Ok(_) => times.push(started.elapsed()),
                Err(e) => {
                    println!("fzf yardstick skipped: fzf could not run ({e}); apt-get install fzf");
                    return Ok(());
                }
            }
        }
    }
    let n = times.len();
    let (f50, f99, _) = percentiles(times);
    println!(
        "fzf --filter, same keystrokes ({n}, a process each): p50 {f50:.2} ms, p99 {f99:.2} ms; comptoir / fzf: p50 {:.2}, p99 {:.2}",
        p50 / f50,
        p99 / f99
    );
    Ok(())
}

/// [`search`] over an in-memory index of `n` synthetic customers (one session alone, no
/// store: the index a store of `n` customers would build).
pub fn search_synthetic(n: u64) -> Result<(), String> {
    use crate::app::search::{self, CustomerIndex, Entry, Query};
    let started = Instant::now();
    let rss = rss_mb();
    let idx = CustomerIndex::from_entries(
        crate::app::seed::synthetic_customers(n, 42)
            .map(|c| (c.id, Entry::of(&c)))
            .collect(),
    );
    println!(
        "index of {} synthetic customers built in {:.1} s, RSS +{:.0} MB",
        idx.len(),
        started.elapsed().as_secs_f64(),
        rss_mb() - rss
    );
    let mut m = search::new_matcher();
    let (mut pages, mut times, mut reference) = (Vec::new(), Vec::new(), Vec::new());
    let mut answers = Vec::new();
    for q in QUERIES {
        let mut previous = None;
        let mut line = format!("{q:>24}:");
        for end in 1..=q.len() {
            let query = Query::new(&q[..end]);
            let started = Instant::now();
            let mut r = search::search(&idx, &query, previous.as_ref(), SEARCH_LIMIT, &mut m);
            let page = started.elapsed();
            if !search::settle(&idx, &query, &mut r, &mut m, &|| false) {
                return Err("a search nobody cancelled was cancelled".into());
            }
            let took = started.elapsed();
            pages.push(page);
            times.push(took);
            answers.push(fingerprint(&r));
            line.push_str(&format!(
                " {:.1}+{:.1}/{}",
                page.as_secs_f64() * 1000.0,
                (took - page).as_secs_f64() * 1000.0,
                r.total
            ));
            previous = Some(r);
        }
        println!("{line}");
    }
    // Every keystroke again, scoring every candidate (after the timed pass, so that it
    // does not evict what the next keystroke finds in the caches): the same answers.
    let mut answers = answers.into_iter();
    for q in QUERIES {
        let mut previous = None;
        for end in 1..=q.len() {
            let query = Query::new(&q[..end]);
            let started = Instant::now();
            let every = search::search_every_candidate(
                &idx,
                &query,
                previous.as_ref(),
                SEARCH_LIMIT,
                &mut m,
            );
            reference.push(started.elapsed());
            if answers.next() != Some(fingerprint(&every)) {
                return Err(format!(
                    "« {} »: the bounded search differs from scoring every candidate",
                    &q[..end]
                ));
            }
            previous = Some(every);
        }
    }
    print_search_times(reference, pages, times, &format!("{} customers", idx.len()));
    Ok(())
}

/// The three lines of `bench search`: scoring every candidate (the reference), keystroke
/// → page, keystroke → exact count; returns the last two percentiles (p50, p99).
fn print_search_times(
    reference: Vec<Duration>,
    pages: Vec<Duration>,
    times: Vec<Duration>,
    over: &str,
) -> (f64, f64) {
    let n = times.len();
    let (p50, p99, max) = percentiles(reference);
    println!(
        "search, scoring every candidate: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms (same results)"
    );
    let (p50, p99, max) = percentiles(pages);
    println!(
        "search, keystroke → page (rows exact, count possibly « ≥ »): {n} keystrokes, {over}: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );
    let (p50, p99, max) = percentiles(times);
    println!("search, keystroke → exact count: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
    (p50, p99)
}

/// Issue-invoice latency (render PDF + Factur-X XML + durable commit) on delivered orders.
pub fn issue(data: &Path, n: usize) -> Result<(), String> {
    let app = open(data)?;
    let actor = Actor::person("bench", Role::Staff, "SHA256:bench");
    let mut times = Vec::new();
    let mut sizes = Vec::new();
    for card in app.orders_in_stage(Stage::Delivered, usize::MAX) {
        if times.len() >= n {
            break;
        }
        let started = Instant::now();
        if let Ok(doc) = app.issue_invoice(&actor, &card.number.to_string()) {
            times.push(started.elapsed());
            sizes.extend(doc.file(crate::domain::FileFormat::Pdf).map(|f| f.size));
        }
    }
    let count = times.len();
    let (p50, p99, max) = percentiles(times);
    let avg = sizes.iter().sum::<u64>() as f64 / sizes.len().max(1) as f64;
    println!(
        "issue invoice (render + XML + durable commit): {count} invoices, p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; PDF average {:.1} KB",
        avg / 1024.0
    );
    Ok(())
}

/// PDF sizes of invoices with 10 and 60 lines.
pub fn pdf_sizes() -> Result<(), String> {
    use crate::domain::{
        BuyerSnapshot, Cents, CustomerId, Date, DocKind, DocLine, DocNumber, IssuedDocument,
        OrderId, PoRef, Timestamp, Totals, VatRate,
    };
    let seller = crate::domain::seller::Seller::demo();
    for lines in [10usize, 60] {
        let doc_lines: Vec<DocLine> = (0..lines)
            .map(|i| DocLine {
                sku: format!("SKU-{i:03}"),
                designation: format!("Enceinte active {i} — 200 W, pied et housse"),
                quantity: 2,
                unit_price: Cents(24_900 + i as i64 * 100),
                vat: VatRate::STANDARD,
                amount: Cents(2 * (24_900 + i as i64 * 100)),
                ordered: 2,
                remaining: 0,
                delivered_before: 0,
                exemption: None,
            })
            .collect();
        let date = Date::parse_iso("2026-11-27").unwrap_or(Date::from_days(0));
        let address = crate::domain::Address {
            name: "Intendance".into(),
            street: "1 place des Minimes".into(),
            extra: String::new(),
            postcode: "69005".into(),
            city: "Lyon".into(),
        };
        let doc = IssuedDocument {
            number: DocNumber {
                kind: DocKind::Invoice,
                year: 2026,
                seq: 1,
            },
            order: OrderId(1),
            order_number: DocNumber {
                kind: DocKind::Quote,
                year: 2026,
                seq: 1,
            },
            issued_at: Timestamp::from_date_utc(date, 36_000),
            date,
            issued_by: "bench".into(),
            buyer: BuyerSnapshot {
                customer: CustomerId(1),
                legal_name: "Lycée Jean Moulin".into(),
                siret: "19690123500016".into(),
                categorie: "7331".into(),
                header_address: address.clone(),
                delivery_address: address,
                contact: crate::domain::Contact {
                    name: "Claire Dubois".into(),
                    phone: "04 78 00 12 34".into(),
                    email: "intendance@lycee.example".into(),
                },
                service_code: Some("INTENDANCE".into()),
                payment_delay_days: 30,
            },
            totals: Totals::from_lines(doc_lines.iter().map(|l| (l.amount, l.vat))),
            lines: doc_lines,
            po: Some(PoRef {
                number: "ENG-2026-42".into(),
                date,
                contract: None,
            }),
            quote_version: None,
            valid_until: None,
            renews: None,
            delivery_date: Some(date),
            due_date: Some(date.add_days(30)),
            cancels: None,
            reason: None,
            partial: false,
            delivery_notes: Vec::new(),
            late_rate_bp: Some(1015),
            files: Vec::new(),
            synthetic: false,
        };
        let started = Instant::now();
        let files =
            crate::documents::Renderer::render(&crate::documents::PdfRenderer, &doc, &seller)
                .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        for f in files {
            println!(
                "{lines}-line invoice {}: {} bytes (rendered in {:.1} ms)",
                f.format.extension(),
                f.bytes.len(),
                elapsed.as_secs_f64() * 1000.0
            );
        }
    }
    Ok(())
}

/// Per-keystroke detail of [`search`] (for tuning).
pub fn search_detail(data: &Path) -> Result<(), String> {
    let app = open(data)?;
    for q in QUERIES {
        let mut previous = None;
        let mut line = format!("{q:>24}:");
        for end in 1..=q.len() {
            app.forget_shared_searches();
            let started = Instant::now();
            let r = app.search_customers(&q[..end], previous.as_ref(), SEARCH_LIMIT);
            line.push_str(&format!(
                " {:.0}/{}",
                started.elapsed().as_secs_f64() * 1000.0,
                r.total
            ));
            previous = Some(r.found);
        }
        println!("{line}");
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum BenchWhat {
    /// Time to open the store and build the in-memory index, and its memory
    Open,
    /// What each table of the store takes on disk (rows, bytes, per order)
    Store,
    /// Latency of `mark original received` (a durable use case), p50/p99
    Receive {
        #[arg(long, default_value_t = 1000)]
        n: usize,
    },
    /// Per-keystroke customer search latency
    Search {
        /// Search an in-memory index of this many synthetic customers (made as the seed
        /// makes them) instead of the store
        #[arg(long)]
        customers: Option<u64>,
    },
    /// Issue-invoice latency (render + XML + durable commit)
    Issue {
        #[arg(long, default_value_t = 200)]
        n: usize,
    },
    /// PDF sizes of 10- and 60-line invoices
    Pdf,
    /// What a commit costs the open consoles: every console updated and drawn per invoice
    Refresh {
        #[arg(long, default_value_t = 200)]
        consoles: usize,
        #[arg(long, default_value_t = 100)]
        commits: usize,
    },
    /// A healthy console's keystroke latency and the server's memory under each hostile
    /// load of issue 10 (against `comptoir serve` in a child process)
    Hostile,
    /// `ssh HOST backup` of the live store: time, size, and a console's keystroke latency
    /// before and during it (against `comptoir serve` in a child process)
    Backup,
    /// A camt.053 statement of N credits against the store's open invoices, imported
    /// (one transaction) then imported again (run it on a copy: it records payments)
    Bank {
        #[arg(long, default_value_t = 10_000)]
        entries: usize,
    },
    /// A queue of invoices deposited on Chorus Pro and followed by `comptoir serve` (a
    /// child process) against an in-process stand-in, while a console types: time, the
    /// server's CPU, keystroke latency (builds its own store; `--data` is not used)
    Chorus {
        #[arg(long, default_value_t = 1000)]
        invoices: usize,
        /// How long the stand-in takes to take each deposit
        #[arg(long, default_value_t = 0)]
        platform_ms: u64,
    },
    /// Mutation fuzzing of a parser that takes hostile bytes (no panic, bounded memory)
    Fuzz {
        #[arg(value_enum)]
        target: fuzz::Target,
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Against `comptoir serve` in a child process: first frame, idle memory, concurrent
    /// searches, downloads
    Ssh {
        #[arg(long, default_value_t = 100)]
        connections: usize,
        #[arg(long, value_delimiter = ',', default_value = "1,50,200")]
        idle: Vec<usize>,
        #[arg(long, default_value_t = 50)]
        search_sessions: usize,
        /// What the searching sessions type: the beginning of real customers' names from
        /// the store (each session its own), or the 8 fixed queries of `bench search`
        #[arg(long, value_enum, default_value = "names")]
        search_queries: SearchQueries,
        /// Queries each searching session types one after another (`mix`)
        #[arg(long, default_value_t = 3)]
        queries_per_session: usize,
        /// A document to download (needs a store with rendered documents)
        #[arg(long)]
        download: Option<String>,
    },
}

/// What the sessions of `bench ssh` type in the search box.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SearchQueries {
    /// Each session a customer of the store: the first words of its name (≤ 20 letters),
    /// as staff type the name on a purchase order; they share first letters as real
    /// names do.
    Names,
    /// Session `i` types `QUERIES[i % 8]`: six or seven sessions type each query.
    Fixed,
    /// A team's day (issue 31): each session is a person with a key of their own, logs in
    /// 100 ms after the previous one, and types its own mix of queries drawn at random —
    /// a kind of body and a town of the store (« commune de saint etienne », « centre
    /// hospitalier de brest », « caisse des ecoles nantes », « mairie de … »), a lycée or
    /// collège and a person (« lycee victor hugo »), or a plain town (« perpignan »).
    Mix,
}

/// Kinds of body as staff type them, with whether a town (else a person) follows.
const MIX_KINDS: &[(&str, bool)] = &[
    ("commune de", true),
    ("mairie de", true),
    ("centre hospitalier de", true),
    ("chu de", true),
    ("caisse des ecoles", true),
    ("universite", true),
    ("communaute de communes", true),
    ("ccas", true),
    ("conservatoire", true),
    ("lycee", false),
    ("college", false),
];

/// People lycées and collèges are named after, as typed.
const MIX_PEOPLE: &[&str] = &[
    "victor hugo",
    "jean moulin",
    "marie curie",
    "jules ferry",
    "louis pasteur",
    "jean jaures",
    "simone veil",
    "albert camus",
];

/// For each of `sessions` people, `per` queries of the mix (see [`SearchQueries::Mix`]),
/// towns taken from the store's customers; deterministic for a store.
fn mix_to_type(data: &Path, sessions: usize, per: usize) -> Result<Vec<Vec<String>>, String> {
    use rand::prelude::*;
    let app = open(data)?;
    let idx = app.index().customers();
    let count = idx.len().max(1);
    let town = |r: &mut rand::rngs::StdRng| {
        let id = 1 + r.random_range(0..count);
        let city = idx
            .get(CustomerId(id as u64))
            .map(|e| crate::domain::text::fold(e.city()))
            .unwrap_or_default();
        city.replace('-', " ")
    };
    let mut plans = Vec::with_capacity(sessions);
    for i in 0..sessions {
        let mut r = rand::rngs::StdRng::seed_from_u64(31 + i as u64);
        let mut plan = Vec::with_capacity(per);
        for _ in 0..per {
            let q = if r.random_range(0..5) == 0 {
                town(&mut r)
            } else {
                let (kind, with_town) = MIX_KINDS[r.random_range(0..MIX_KINDS.len())];
                let what = if with_town {
                    town(&mut r)
                } else {
                    MIX_PEOPLE[r.random_range(0..MIX_PEOPLE.len())].to_string()
                };
                format!("{kind} {what}")
            };
            plan.push(q.trim().to_string());
        }
        plans.push(plan);
    }
    Ok(plans)
}

/// The beginning of the names of `n` customers spread over the store (folded, the first
/// three words, at most 20 characters).
fn names_to_type(data: &Path, n: usize) -> Result<Vec<String>, String> {
    let app = open(data)?;
    let idx = app.index().customers();
    let count = idx.len().max(1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = 1 + (i * 7919) % count;
        let name = crate::domain::text::fold(&app.index().customer_name(CustomerId(id as u64)));
        let words: Vec<&str> = name.split_whitespace().take(3).collect();
        let mut q = words.join(" ");
        q.truncate(20);
        out.push(q.trim_end().to_string());
    }
    Ok(out)
}

/// Runs a measurement on the store of `data` (the global `--data`).
pub fn run(what: BenchWhat, data: &Path) -> Result<(), String> {
    match what {
        BenchWhat::Open => open(data).map(|_| ()),
        BenchWhat::Store => store_sizes(data),
        BenchWhat::Receive { n } => receive(data, n),
        BenchWhat::Search { customers: None } => search(data).and_then(|_| search_detail(data)),
        BenchWhat::Search { customers: Some(n) } => search_synthetic(n),
        BenchWhat::Issue { n } => issue(data, n),
        BenchWhat::Pdf => pdf_sizes(),
        BenchWhat::Refresh { consoles, commits } => refresh::refresh(data, consoles, commits),
        BenchWhat::Hostile => bench_hostile(data),
        BenchWhat::Backup => with_server(data, |server| async move { ssh::backup(&server).await }),
        BenchWhat::Bank { entries } => bank::bank(data, entries),
        BenchWhat::Chorus {
            invoices,
            platform_ms,
        } => chorus::chorus(invoices, platform_ms),
        BenchWhat::Fuzz {
            target,
            minutes,
            seed,
        } => fuzz::run(target, minutes, seed),
        BenchWhat::Ssh {
            connections,
            idle,
            search_sessions,
            search_queries,
            queries_per_session,
            download,
        } => {
            let one_each = |queries: Vec<String>| -> Vec<Vec<String>> {
                (0..search_sessions)
                    .map(|i| vec![queries[i % queries.len()].clone()])
                    .collect()
            };
            let typing = match search_queries {
                SearchQueries::Names => ssh::Typing {
                    plans: one_each(names_to_type(data, search_sessions)?),
                    stagger: std::time::Duration::ZERO,
                    own_keys: false,
                    open_loop: false,
                },
                SearchQueries::Fixed => ssh::Typing {
                    plans: one_each(QUERIES.iter().map(|q| q.to_string()).collect()),
                    stagger: std::time::Duration::ZERO,
                    own_keys: false,
                    open_loop: false,
                },
                SearchQueries::Mix => ssh::Typing {
                    plans: mix_to_type(data, search_sessions, queries_per_session.max(1))?,
                    stagger: std::time::Duration::from_millis(100),
                    own_keys: true,
                    open_loop: true,
                },
            };
            bench_ssh(data, connections, &idle, typing, download.as_deref())
        }
    }
}

fn bench_ssh(
    data: &Path,
    connections: usize,
    idle: &[usize],
    typing: ssh::Typing,
    download: Option<&str>,
) -> Result<(), String> {
    let people = if typing.own_keys {
        typing.plans.len()
    } else {
        0
    };
    with_server_of(data, people, |server| async move {
        ssh::first_frame(&server, connections).await?;
        if !typing.plans.is_empty() {
            ssh::concurrent_search(&server, typing).await?;
        }
        if let Some(n) = download {
            ssh::download(&server, n, 20).await?;
        }
        ssh::idle_memory(&server, idle).await?;
        Ok(())
    })
}

fn bench_hostile(data: &Path) -> Result<(), String> {
    with_server(
        data,
        |server| async move { hostile::hostile(&server).await },
    )
}

/// Runs `measure` against `comptoir serve` started as a child process on `data`.
fn with_server<F, Fut>(data: &Path, measure: F) -> Result<(), String>
where
    F: FnOnce(std::sync::Arc<ssh::BenchServer>) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    with_server_of(data, 0, measure)
}

/// As [`with_server`], with `people` staff enrolled, each with a key of their own.
fn with_server_of<F, Fut>(data: &Path, people: usize, measure: F) -> Result<(), String>
where
    F: FnOnce(std::sync::Arc<ssh::BenchServer>) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let server = std::sync::Arc::new(ssh::BenchServer::start_with_people(data, "", people)?);
        measure(server).await
    })
}

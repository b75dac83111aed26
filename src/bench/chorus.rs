//! `comptoir bench chorus`: a queue of invoices deposited on Chorus Pro and followed, by
//! `comptoir serve` in a child process, against the stand-in of `tests/support` run in
//! this process, while a console types in the search box: how long the queue takes, the
//! server's CPU, and the console's keystroke latency before, during and after.

#[path = "../../tests/support/chorus_stand_in.rs"]
mod stand_in;

use super::ssh::{BenchServer, Typist, print_phases};
use crate::app::{Actor, App, FixedClock, Role, Settings};
use crate::domain::pipeline::OriginalPoInput;
use crate::domain::{Checklist, Date, Timestamp};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// A store of `n` invoices issued (PDF/A-3 with their Factur-X), each queued for Chorus Pro.
fn store_with_queue(data: &Path, url: &str, n: usize) -> Result<(), String> {
    let day = |d: &str| Timestamp::from_date_utc(Date::parse_iso(d).expect("a date"), 11 * 3600);
    let clock = Arc::new(FixedClock::new(day("2026-03-02")));
    let store = crate::store::Store::open(data).map_err(|e| e.to_string())?;
    store.mark_demo().map_err(|e| e.to_string())?;
    let app = App::new(
        store,
        Settings::default(),
        clock.clone(),
        Arc::new(crate::documents::PdfRenderer),
    )
    .map_err(|e| e.to_string())?;
    app.set_chorus(Some(Arc::new(crate::chorus::PisteClient::new(config(url)))));
    let staff = Actor::person("bench", Role::Staff, "SHA256:bench");
    let started = Instant::now();
    for k in 0..n {
        clock.set(day("2026-03-02"));
        let req = crate::app::import::parse_quote_request(
            &include_str!("../../tests/fixtures/quote.json")
                .replace("WEB-2026-118734", &format!("WEB-BENCH-{k:05}")),
        )
        .map_err(|e| e.to_string())?;
        let number = app
            .import_quote(&Actor::import(), &req)
            .map_err(|e| e.to_string())?
            .number
            .to_string();
        for l in &req.lines {
            app.adjust_stock(&staff, &l.sku, l.quantity as i64, "réception")
                .map_err(|e| e.to_string())?;
        }
        clock.set(day("2026-03-06"));
        let po = OriginalPoInput {
            contract: None,
            po_number: format!("ENG-{k:05}"),
            po_date: app.today().add_days(-1),
            checklist: Checklist::ALL_TICKED,
        };
        app.mark_original_received(&staff, &number, &po)
            .map_err(|e| e.to_string())?;
        app.issue_delivery_note(&staff, &number, None)
            .map_err(|e| e.to_string())?;
        let invoice = app
            .issue_invoice(&staff, &number)
            .map_err(|e| e.to_string())?
            .number
            .to_string();
        app.chorus_send(&staff, &invoice)
            .map_err(|e| e.to_string())?;
    }
    println!(
        "store: {n} invoices issued and queued in {:.1} s ({:.0} MB)",
        started.elapsed().as_secs_f64(),
        app.file_size() as f64 / 1e6
    );
    Ok(())
}

fn config(url: &str) -> crate::config::ChorusConfig {
    crate::config::ChorusConfig {
        api_url: url.into(),
        oauth_url: url.into(),
        client_id: "comptoir-app".into(),
        client_secret: stand_in::SECRET.into(),
        login: "TECH_1@cpro.fr".into(),
        password: stand_in::PASSWORD.into(),
        mode: crate::config::ChorusMode::Manual,
        sync_minutes: 30,
    }
}

/// Polls `done` every 50 ms (at most an hour).
async fn wait_for(what: &str, done: impl Fn() -> bool) -> Result<(), String> {
    let waited = Instant::now();
    while !done() {
        if waited.elapsed() > Duration::from_secs(3600) {
            return Err(format!("{what}: more than an hour"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The queue of `n` invoices (the platform taking `platform_ms` per deposit), drained and
/// followed by the server while a console types.
pub(super) fn chorus(n: usize, platform_ms: u64) -> Result<(), String> {
    let platform = stand_in::stand_in();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data = dir.path().join("data");
    store_with_queue(&data, &platform.url, n)?;
    platform
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .deposit_ms = platform_ms;
    let section = format!(
        "[chorus]\napi_url = \"{0}\"\noauth_url = \"{0}\"\nclient_id = \"comptoir-app\"\nclient_secret = \"{1}\"\nlogin = \"TECH_1@cpro.fr\"\npassword = \"{2}\"\n",
        platform.url,
        stand_in::SECRET,
        stand_in::PASSWORD
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // The queue starts with the server: the console's first phase is the deposits.
        let started = Instant::now();
        let server = BenchServer::start_with(&data, &section)?;
        let typist = Typist::start(&server).await?;
        let count = |f: &dyn Fn(&stand_in::State) -> usize| {
            f(&platform.state.lock().unwrap_or_else(|e| e.into_inner()))
        };
        let histories = |st: &stand_in::State| {
            st.calls
                .iter()
                .filter(|c| c.0 == "factures/v1/consulter/historique")
                .count()
        };
        wait_for("the deposits", || count(&|st| st.invoices.len()) >= n).await?;
        let deposited = (started.elapsed(), server.cpu_seconds());
        typist.phase.store(1, Ordering::SeqCst);
        wait_for("the follow-up", || count(&histories) >= n).await?;
        let followed = (started.elapsed(), server.cpu_seconds());
        typist.phase.store(2, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let samples = typist.stop().await?;
        let calls = count(&|st| st.calls.len());
        println!(
            "{n} invoices, the platform taking {platform_ms} ms per deposit: all deposited {:.1} s after the server started ({:.1} ms each), server CPU {:.1} s; followed (flow report, id, history) at {:.1} s, server CPU {:.1} s in all; {calls} API calls; server RSS {:.0} MB",
            deposited.0.as_secs_f64(),
            deposited.0.as_secs_f64() * 1000.0 / n.max(1) as f64,
            deposited.1,
            followed.0.as_secs_f64(),
            followed.1,
            server.rss_mb()
        );
        print_phases(
            &samples,
            &[
                (0, "during the deposits"),
                (1, "during the follow-up"),
                (2, "after"),
            ],
        );
        Ok::<_, String>(())
    })?;
    // Every invoice once on the platform, every record deposited.
    let st = platform.state.lock().unwrap_or_else(|e| e.into_inner());
    let mut numbers: Vec<&str> = st.invoices.iter().map(|i| i.0.as_str()).collect();
    numbers.sort();
    numbers.dedup();
    let store = crate::store::Store::open(&data).map_err(|e| e.to_string())?;
    let records = store
        .read(|rx| rx.chorus_records())
        .map_err(|e| e.to_string())?;
    let deposited = records
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                crate::domain::chorus::ChorusState::Deposited { .. }
            )
        })
        .count();
    println!(
        "on the platform: {} invoices ({} distinct); in the store: {deposited} of {} records deposited",
        st.invoices.len(),
        numbers.len(),
        records.len()
    );
    Ok(())
}

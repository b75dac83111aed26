//! Faults an operator meets: SIGKILL mid-write, a full disk.

use super::*;

/// Crash consistency through real clients: writers import quotes and add stock while the
/// server is killed with SIGKILL again and again; every acknowledged action is found
/// afterwards and `check` is clean. `cargo test` kills 3 times; a longer run:
/// `CRASH_KILLS=30 cargo test --release --test hostile acknowledged -- --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_actions_survive_sigkill() {
    let _turn = ONE_AT_A_TIME.lock().await;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let kills: usize = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let marie = fixed_key(1);
    let mut s = serve(Setup {
        people: &[("marie", Role::Admin, &marie)],
        server: "",
        shell: "",
    });
    let (_, err, status) = exec_on(
        &s.connect(&marie).await,
        "quote import",
        Some(SAMPLE.as_bytes()),
    )
    .await
    .unwrap();
    assert_eq!(status, 0, "{err}");
    let addr = Arc::new(Mutex::new(s.addr));
    let stop = Arc::new(AtomicBool::new(false));
    let acked_quotes = Arc::new(Mutex::new(Vec::<String>::new()));
    let stock = Arc::new(Mutex::new((0u64, 0u64))); // (acknowledged, attempted)
    let mut writers = Vec::new();
    for w in 0..4 {
        let (addr, stop, acked_quotes, stock, key) = (
            addr.clone(),
            stop.clone(),
            acked_quotes.clone(),
            stock.clone(),
            marie.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let target = *addr.lock().unwrap();
                let Ok(h) = connect_with_key(target, "x", &key).await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let reference = format!("CRASH-{w}-{n}");
                    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
                    v["reference"] = reference.clone().into();
                    match exec_on(&h, "quote import", Some(v.to_string().as_bytes())).await {
                        Some((_, _, 0)) => acked_quotes.lock().unwrap().push(reference),
                        Some(_) => {}
                        None => break,
                    }
                    stock.lock().unwrap().1 += 1;
                    match exec_on(&h, "stock add ENC-ACT-8 1 --reason crash", None).await {
                        Some((_, _, 0)) => stock.lock().unwrap().0 += 1,
                        Some(_) => {}
                        None => break,
                    }
                }
            }
        }));
    }
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(rand::random_range(400..900))).await;
        s.kill_and_restart();
        *addr.lock().unwrap() = s.addr;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
    }
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    // The store, read by this process once the server is gone.
    let app = comptoir::app::App::open(&s.data(), comptoir::app::Settings::default()).unwrap();
    let acked = acked_quotes.lock().unwrap().clone();
    assert!(!acked.is_empty(), "no action was acknowledged");
    for r in &acked {
        let found = app.read(|rx| rx.order_by_external_ref(r)).unwrap();
        assert!(found.is_some(), "acknowledged quote {r} lost");
    }
    let (stock_acked, stock_tried) = *stock.lock().unwrap();
    let on_hand = app
        .read(|rx| rx.product("ENC-ACT-8"))
        .unwrap()
        .unwrap()
        .on_hand as u64;
    assert!(
        on_hand >= stock_acked && on_hand <= stock_tried,
        "stock {on_hand}: {stock_acked} additions acknowledged, {stock_tried} tried"
    );
    let report = app.read(comptoir::store::check::check).unwrap();
    assert!(report.is_clean(), "{:#?}", report.violations);
    eprintln!(
        "crash: {kills} SIGKILLs, {} quotes and {stock_acked} stock additions acknowledged, none lost; check clean",
        acked.len()
    );
}

/// Sets the file size limit of process `pid` (`None`: unlimited), as a full disk would
/// stop its writes.
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let lim = libc::rlimit {
        rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY),
        rlim_max: libc::RLIM_INFINITY,
    };
    let rc = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &lim,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// Issue 29, a full disk: once writes to the store fail (here a file size limit set on
/// the running server, as ENOSPC would), every write is refused with a French message
/// that says the disk is full, an admin still gets in, no login is let in without its
/// audit record, and once room is back writes work again in the same process — no
/// restart — and the store checks clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_survived_without_a_restart() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let admin = fixed_key(41);
    let staff = fixed_key(42);
    let mut s = serve(Setup {
        people: &[
            ("paul", Role::Admin, &admin),
            ("marie", Role::Staff, &staff),
        ],
        server: "disk_reserve_mb = 0",
        // A write beyond the limit fails with EFBIG instead of killing the process.
        shell: "trap '' XFSZ;",
    });
    let pid = s.child.id();
    let import = |n: u32| {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v["reference"] = format!("DISK-{n}").into();
        v.to_string()
    };
    // Staff connections let in, and those refused for want of an audit record.
    let (let_in, refused) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    let staff_run = async |cmd: &str, stdin: Option<String>| -> Option<(String, String, u32)> {
        let h = connect_with_key(s.addr, "x", &staff).await.ok()?;
        let out = exec_on(&h, cmd, stdin.as_deref().map(str::as_bytes)).await;
        match &out {
            Some((_, err, _)) if err.contains("journal d'audit") => refused.set(refused.get() + 1),
            Some(_) => let_in.set(let_in.get() + 1),
            None => refused.set(refused.get() + 1),
        }
        out
    };
    let (_, err, status) = staff_run("quote import", Some(import(0))).await.unwrap();
    assert_eq!(status, 0, "{err}");
    let store = s.data().join("comptoir.redb");
    limit_file_size(pid, Some(std::fs::metadata(&store).unwrap().len()));
    let mut full = None;
    for n in 1..400 {
        match staff_run("quote import", Some(import(n))).await {
            Some((_, err, status)) if status != 0 => {
                full = Some(err);
                break;
            }
            _ => {}
        }
    }
    let full = full.expect("writes never failed under the file size limit");
    assert!(
        full.contains("disque du magasin") && full.contains("rien n'a été enregistré"),
        "{full}"
    );
    // Still full: writes keep being refused, and a staff login is either refused or
    // traced; an admin gets in.
    for n in 400..403 {
        if let Some((_, err, status)) = staff_run("quote import", Some(import(n))).await {
            assert!(status != 0 || err.is_empty(), "{err}");
        }
    }
    // Nothing can be written any more, not even a login's audit record: staff are
    // refused with the reason, an admin gets in (traced in the journal).
    limit_file_size(pid, Some(4096));
    let before = refused.get();
    for _ in 0..3 {
        staff_run("whoami", None).await;
    }
    assert!(refused.get() > before, "a staff login was let in untraced");
    let (out, err, status) = s.run(&admin, "whoami").await;
    assert_eq!(status, 0, "an admin gets in while the disk is full: {err}");
    assert!(out.contains("paul"), "{out}");
    // Room again: the same process writes again.
    limit_file_size(pid, None);
    let mut back = false;
    for n in 500..510 {
        if let Some((_, _, 0)) = staff_run("quote import", Some(import(n))).await {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    assert!(back, "writes did not resume once room was back");
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "the server restarted or died"
    );
    let (out, err, status) = s.run(&admin, "check").await;
    assert_eq!(status, 0, "{out}{err}");
    // No staff login let in without its audit record.
    let (json, _, _) = s.run(&admin, "audit --json --limit 5000").await;
    let records: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let staff_logins = records
        .iter()
        .filter(|r| r["action"] == "login" && r["who"].as_str().unwrap_or("").contains("marie"))
        .count() as u32;
    let (let_in, refused) = (let_in.get(), refused.get());
    assert_eq!(
        staff_logins, let_in,
        "{let_in} staff connections let in, {refused} refused, {staff_logins} logins audited"
    );
    s.child.kill().unwrap();
    eprintln!(
        "full disk: refused « {} », {let_in} staff logins let in (all audited), {refused} refused",
        full.trim()
    );
}

//! The console over SSH: terminal, live updates, hostile and slow neighbours, shutdown, idle lock.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_session_draws_resizes_and_restores_the_terminal() {
    let w = world().await;
    let mut c = w.console(&w.admin, 100, 30).await;
    c.wait_text("Tableau").await;
    c.wait_text("BC original reçu").await;
    assert!(
        c.parser.screen().alternate_screen(),
        "the console uses the alternate screen"
    );
    assert!(c.screen().contains("marie (admin)"));
    assert!(c.screen().contains("DEV-2026-00001"));
    // Resize: the console redraws at the new size.
    c.ch.window_change(130, 40, 0, 0).await.unwrap();
    c.parser
        .screen_mut()
        .set_size(NonZeroU16::new(40).unwrap(), NonZeroU16::new(130).unwrap());
    c.wait_for(10, "a 130-column frame", |c| {
        c.screen()
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().chars().count() > 110)
    })
    .await;
    // Too small: it says so.
    c.ch.window_change(60, 20, 0, 0).await.unwrap();
    c.parser
        .screen_mut()
        .set_size(NonZeroU16::new(20).unwrap(), NonZeroU16::new(60).unwrap());
    c.wait_text("Agrandissez le terminal").await;
    c.ch.window_change(100, 30, 0, 0).await.unwrap();
    c.parser
        .screen_mut()
        .set_size(NonZeroU16::new(30).unwrap(), NonZeroU16::new(100).unwrap());
    c.wait_text("Tableau").await;
    c.keys(&[b"q"]).await;
    c.wait_end(10).await;
    assert_eq!(c.exit, Some(0));
    assert!(
        !c.parser.screen().alternate_screen(),
        "alternate screen left"
    );
    assert!(!c.parser.screen().hide_cursor(), "cursor shown again");
    assert!(
        c.raw.ends_with(b"\x1b[?1049l"),
        "the last bytes restore the terminal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_without_a_pty_is_told_to_use_ssh_t() {
    let w = world().await;
    let h = w.connect(&w.staff).await.unwrap();
    let mut ch = h.channel_open_session().await.unwrap();
    ch.request_shell(true).await.unwrap();
    let (mut err, mut status) = (Vec::new(), None);
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), ch.wait()).await {
        match msg {
            ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    assert!(String::from_utf8_lossy(&err).contains("comptoir needs a terminal: use ssh -t"));
    assert_eq!(status, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_client_does_not_disturb_the_others() {
    let w = world().await;
    let mut calm = w.console(&w.staff, 100, 30).await;
    calm.wait_text("Tableau").await;
    let mut noisy = w.console(&w.admin, 100, 30).await;
    noisy.wait_text("Tableau").await;
    // Garbage, broken escape sequences, invalid UTF-8, a huge paste, absurd sizes.
    let mut junk = Vec::new();
    for i in 0..20_000u32 {
        junk.push((i.wrapping_mul(2_654_435_761) >> 24) as u8);
    }
    noisy.send(&junk).await;
    noisy.send(b"\x1b[200~").await;
    noisy.send(&vec![b'x'; 200_000]).await;
    noisy.send(b"\x1b[201~").await;
    noisy.ch.window_change(100_000, 0, 0, 0).await.unwrap();
    noisy.pump(Duration::from_millis(500)).await;
    // The other session still works.
    calm.keys(&[b"2"]).await;
    calm.wait_text("Rechercher").await;
    let (out, _, s) = w.run(&w.staff, "whoami").await;
    assert_eq!(s, 0);
    assert!(out.starts_with("paul"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_in_one_session_appears_in_another_without_a_keypress() {
    let w = world().await;
    let mut watcher = w.console(&w.staff, 200, 32).await;
    watcher.wait_text("Facturé").await;
    let mut worker = w.console(&w.admin, 130, 32).await;
    worker.wait_text("DEV-2026-00001").await;
    // Mark the original received with the form: r, PO number, date, five boxes.
    worker.keys(&[b"r"]).await;
    worker.wait_text("Bon de commande original reçu").await;
    worker.send(b"ENG-77").await;
    worker.keys(&[b"\t"]).await;
    worker.send(b"02/03/2026").await;
    for _ in 0..5 {
        worker.keys(&[b"\t", b" "]).await;
    }
    worker.keys(&[b"\t", b"\r"]).await;
    worker.wait_text("confirmer ?").await;
    worker.keys(&[b"o"]).await;
    worker.wait_text("BC original enregistré").await;
    // The watcher's board moved without a keypress: one order in "BC original reçu".
    watcher
        .wait_for(1, "the card in BC original reçu", |c| {
            board_count(&c.screen(), 3) == Some(1)
        })
        .await;
    // Deliver and invoice from the worker's board (column 3).
    worker.keys(&[b"l", b"l"]).await;
    worker.keys(&[b"b"]).await;
    worker.wait_text("Bon de livraison").await;
    worker.keys(&[b"\r"]).await;
    worker.wait_text("confirmer ?").await;
    worker.keys(&[b"\t", b"\r"]).await;
    worker.wait_text("BL-2026-00001").await;
    watcher
        .wait_for(1, "the card in Livré", |c| {
            board_count(&c.screen(), 4) == Some(1)
        })
        .await;
    worker.keys(&[b"l"]).await;
    worker.keys(&[b"f"]).await;
    worker.wait_text("Émettre la facture ?").await;
    worker.keys(&[b"\t", b"\r"]).await;
    worker.wait_text("FA-2026-00001").await;
    watcher
        .wait_for(1, "the card in Facturé", |c| {
            board_count(&c.screen(), 5) == Some(1)
        })
        .await;
}

/// The count in the header of the board's `column`-th visible column ("1 cmd").
fn board_count(screen: &str, column: usize) -> Option<u64> {
    let line = screen.lines().nth(3)?;
    let counts: Vec<u64> = line
        .split("cmd")
        .filter_map(|part| {
            part.rsplit(['│', ' '])
                .find(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
        })
        .collect();
    counts.get(column - 1).copied()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_tells_sessions_and_restores_terminals() {
    let mut w = world().await;
    let mut c = w.console(&w.staff, 100, 30).await;
    c.wait_text("Tableau").await;
    w.server.take().unwrap().shutdown().await;
    c.wait_end(5).await;
    assert!(String::from_utf8_lossy(&c.raw).contains("Le serveur s'arrête"));
    assert!(!c.parser.screen().alternate_screen());
    let _ = Theme::default_theme();
}

/// A slow disk never freezes anyone else: confirmed operations commit on the blocking
/// pool, so while two consoles wait for slow commits (3 s each, one after the other) a
/// third console's key is answered before either commit is done — and the two consoles
/// say « en cours » meanwhile, then the result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_commit_never_freezes_another_console() {
    let w = world().await;
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-SECOND".into();
    let req = parse_quote_request(&v.to_string()).unwrap();
    w.app.import_quote(&Actor::import(), &req).unwrap();
    let mut a = w.console(&w.admin, 100, 30).await;
    let mut b = w.console(&w.staff, 100, 30).await;
    let mut c = w.console(&w.admin, 100, 30).await;
    for con in [&mut a, &mut b, &mut c] {
        con.wait_text("Tableau").await;
    }
    w.app.simulate_slow_disk(Duration::from_secs(3));
    let before = w.app.durable_commits();
    // A pre-orders the first quote, B the second.
    a.keys(&[b"p"]).await;
    a.wait_text("Enregistrer la pré-commande").await;
    b.keys(&[b"j", b"p"]).await;
    b.wait_text("Enregistrer la pré-commande").await;
    a.send(b"\r").await;
    b.send(b"\r").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // C switches tab: its frame arrives while both commits are still waiting for the disk.
    c.send(b"2").await;
    c.wait_text("Rechercher").await;
    assert_eq!(
        w.app.durable_commits() - before,
        0,
        "another console's key waited for a slow commit"
    );
    a.wait_text("en cours").await;
    a.wait_for(15, "A's result", |con| {
        con.screen().contains("pré-commande enregistrée")
    })
    .await;
    b.wait_for(15, "B's result", |con| {
        con.screen().contains("pré-commande enregistrée")
    })
    .await;
    assert_eq!(w.app.durable_commits() - before, 2);
    w.app.simulate_slow_disk(Duration::ZERO);
}

/// The idle lock: a console untouched for `idle_minutes` is closed with a French goodbye
/// that says why, its terminal restored; a typing console and commands are unaffected;
/// `sessions list` shows each console's idle time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_console_is_closed_and_its_idle_time_shown() {
    let config = comptoir::config::Config::parse(
        "[server]\nidle_minutes = 0.05\n",
        std::path::Path::new("comptoir.toml"),
    )
    .unwrap()
    .server;
    assert_eq!(config.idle_timeout, Some(Duration::from_secs(3)));
    let w = world_with(config).await;
    let mut idle = w.console(&w.staff, 100, 30).await;
    idle.wait_text("Tableau").await;
    let mut busy = w.console(&w.admin, 100, 30).await;
    busy.wait_text("Tableau").await;
    // The admin keeps typing (a key every second) while the other console sits.
    for _ in 0..2 {
        busy.send(b"2").await;
        busy.pump(Duration::from_millis(500)).await;
        busy.send(b"1").await;
        busy.pump(Duration::from_millis(500)).await;
    }
    let (out, _, s) = w.run(&w.admin, "sessions list --json").await;
    assert_eq!(s, 0, "{out}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let consoles: Vec<&serde_json::Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["what"] == "console")
        .collect();
    assert_eq!(consoles.len(), 2, "{out}");
    assert!(consoles.iter().all(|r| r["idle_seconds"].is_u64()), "{out}");
    // Each names its connection's id, as the journal's `session=` and the audit do.
    assert!(
        consoles
            .iter()
            .all(|r| r["connection"].as_str().is_some_and(|c| c.len() == 6)),
        "{out}"
    );
    // The admin keeps typing while the other console's lock falls.
    let started = Instant::now();
    while !idle.closed {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the idle console stayed open"
        );
        busy.send(b"2").await;
        busy.pump(Duration::from_millis(250)).await;
        busy.send(b"1").await;
        idle.pump(Duration::from_millis(250)).await;
    }
    idle.wait_end(10).await;
    let goodbye = String::from_utf8_lossy(&idle.raw).into_owned();
    assert!(
        goodbye.contains("sans frappe") && goodbye.contains("idle_minutes"),
        "{goodbye}"
    );
    assert!(!idle.parser.screen().alternate_screen());
    // The typing console is still there; a command is unaffected by the lock.
    busy.send(b"2").await;
    busy.wait_text("Rechercher").await;
    let (_, _, s) = w.run(&w.staff, "whoami").await;
    assert_eq!(s, 0);
    // 0 means never.
    let never = comptoir::config::Config::parse(
        "[server]\nidle_minutes = 0\n",
        std::path::Path::new("comptoir.toml"),
    )
    .unwrap();
    assert_eq!(never.server.idle_timeout, None);
}

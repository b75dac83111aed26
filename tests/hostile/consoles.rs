//! Consoles a client abuses: oversized input, escape sequences, a client that stops reading.

use super::*;

/// A console opened on `h`: `Ok(channel)` once its first frame arrived, `Err(message)`
/// when the server refused it.
async fn open_console(
    h: &client::Handle<Trusting>,
    cols: u32,
    rows: u32,
) -> Result<russh::Channel<client::Msg>, String> {
    let mut ch = h
        .channel_open_session()
        .await
        .map_err(|e| format!("channel refused: {e}"))?;
    ch.request_pty(true, "xterm-256color", cols, rows, 0, 0, &[])
        .await
        .map_err(|e| e.to_string())?;
    ch.request_shell(true).await.map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut err = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, ch.wait()).await {
            Ok(Some(ChannelMsg::Data { .. })) => return Ok(ch),
            Ok(Some(ChannelMsg::ExtendedData { data, .. })) => err.extend_from_slice(&data),
            Ok(Some(ChannelMsg::Close)) | Ok(None) => {
                return Err(String::from_utf8_lossy(&err).into_owned());
            }
            Ok(Some(_)) => {}
            Err(_) => return Err("no frame within 10 s".into()),
        }
    }
}

/// Resident memory of a process, in MB.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

/// Reads what a channel sends for `d`, keeping nothing.
async fn drain(ch: &mut russh::Channel<client::Msg>, d: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + d;
    let mut n = 0;
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ch.wait()).await {
        if let ChannelMsg::Data { data } = msg {
            n += data.len();
        }
    }
    n
}

/// Hole 3: what a client controls is bounded — screen size, channels per connection,
/// sessions per person, places kept for admins, escape soup in the input — and the
/// server's memory stays low while a healthy console keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_client_controls_is_bounded() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (marie, paul, lea) = (fixed_key(1), fixed_key(2), fixed_key(3));
    let s = serve(Setup {
        people: &[
            ("marie", Role::Admin, &marie),
            ("paul", Role::Staff, &paul),
            ("lea", Role::Staff, &lea),
        ],
        server: "max_sessions = 6\nadmin_reserved_sessions = 2\nmax_sessions_per_person = 3",
        shell: "",
    });
    let pid = s.child.id();
    let before = rss_mb(pid);
    // At most 10 channels on one connection.
    let hoarder = s.connect(&paul).await;
    let mut held = Vec::new();
    for _ in 0..12 {
        if let Ok(ch) = hoarder.channel_open_session().await {
            held.push(ch);
        }
    }
    assert_eq!(held.len(), 10, "channels per connection");
    drop(held);
    drop(hoarder);
    // Huge screens are clamped; a person holds at most 3 sessions.
    let p = s.connect(&paul).await;
    let mut consoles = Vec::new();
    for _ in 0..3 {
        consoles.push(open_console(&p, 1000, 1000).await.unwrap());
    }
    let refused = open_console(&p, 1000, 1000).await.unwrap_err();
    assert!(refused.contains("par personne"), "{refused}");
    // Staff fill the places anyone may take; an admin still gets in.
    let l = s.connect(&lea).await;
    let _lea_console = open_console(&l, 100, 30).await.unwrap();
    let full = open_console(&l, 100, 30).await.unwrap_err();
    assert!(full.contains("sessions déjà ouvertes"), "{full}");
    let m = s.connect(&marie).await;
    let mut healthy = open_console(&m, 100, 30).await.unwrap();
    drain(&mut healthy, Duration::from_millis(300)).await;
    // 1.4 MB of paste markers, CSI prefixes, digits and `;` into each of paul's consoles.
    let mut soup = Vec::new();
    while soup.len() < 1_400_000 {
        soup.extend_from_slice(b"\x1b[200~\x1b[1;2;3;4;5;6;7;8;9;\x1b[");
        soup.extend_from_slice(&b"0123456789;".repeat(20));
    }
    for c in &consoles {
        for chunk in soup.chunks(32 * 1024) {
            c.data(chunk).await.unwrap();
        }
    }
    // The healthy console still answers a key.
    healthy.data(&b"2"[..]).await.unwrap();
    let answered = drain(&mut healthy, Duration::from_secs(3)).await;
    assert!(answered > 0, "the admin's console did not redraw");
    for c in consoles.iter_mut() {
        drain(c, Duration::from_millis(200)).await;
    }
    let after = rss_mb(pid);
    eprintln!("server RSS: {before:.0} MB before, {after:.0} MB under the load");
    assert!(
        after < 250.0,
        "server RSS {after:.0} MB (bound 250 MB) with 3 clamped screens and escape soup"
    );
}

/// Hole 4: nobody can write escape sequences onto someone else's terminal — control
/// characters are refused where text comes in, and escaped where stored text goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_escape_sequences_reach_a_terminal() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (marie, paul) = (fixed_key(1), fixed_key(2));
    let s = serve(Setup {
        people: &[("marie", Role::Admin, &marie), ("paul", Role::Staff, &paul)],
        server: "",
        shell: "",
    });
    let osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07";
    for cmd in [
        format!("stock add ENC-ACT-8 1 --reason '{osc52}'"),
        format!("order cancel DEV-2026-00001 --reason 'x{osc52}'"),
        "customers search '\x1b]0;pwned\x07'".to_string(),
    ] {
        let (_, err, status) = s.run(&paul, &cmd).await;
        assert_eq!(status, 2, "{cmd:?}: {err}");
        assert!(err.contains("caractère de contrôle U+001B"), "{err}");
        assert!(!err.contains('\x1b'), "the refusal echoed the escape");
    }
    // A key whose comment carries an escape is refused…
    let evil = format!("{} evil{osc52}\n", pub_line(&fixed_key(9)));
    let h = s.connect(&marie).await;
    let (_, err, status) = exec_on(&h, "keys add eve", Some(evil.as_bytes()))
        .await
        .unwrap();
    assert_eq!(status, 1, "{err}");
    // …and one put in keys/ by hand is reported, escaped, never printed raw.
    std::fs::write(s.dir.path().join("keys/staff/eve.pub"), &evil).unwrap();
    let list = s.keys_list_once_it_mentions(&marie, "eve.pub").await;
    assert!(list.contains("eve.pub"), "{list}");
    let (audit, _, _) = s.run(&marie, "audit").await;
    for out in [&list, &audit] {
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
    }
}

/// Hole 3 (output): consoles whose clients stopped reading are ended after the output
/// stall time — their sessions and places are given back — while a reading one stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consoles_that_stop_reading_are_dropped() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let marie = fixed_key(1);
    let s = serve(Setup {
        people: &[("marie", Role::Admin, &marie)],
        server: "output_stall_seconds = 2\nmax_sessions_per_person = 20",
        shell: "",
    });
    let pid = s.child.id();
    let mut stalled = Vec::new();
    for i in 0..6 {
        // Half of them advertise a huge window, as some clients do: the server must not
        // buffer what they do not read.
        let config = client::Config {
            window_size: if i % 2 == 0 {
                2 * 1024 * 1024
            } else {
                u32::MAX / 2
            },
            ..Default::default()
        };
        let mut h = client::connect(std::sync::Arc::new(config), s.addr, Trusting)
            .await
            .unwrap();
        let key = russh::keys::PrivateKeyWithHashAlg::new(std::sync::Arc::new(marie.clone()), None);
        assert!(h.authenticate_publickey("x", key).await.unwrap().success());
        let ch = h.channel_open_session().await.unwrap();
        ch.request_pty(true, "xterm-256color", 500, 200, 0, 0, &[])
            .await
            .unwrap();
        ch.request_shell(true).await.unwrap();
        // Full redraws asked for (each resize repaints 500×200 cells), never read: the
        // client's buffers fill, then TCP's, then the window.
        for i in 0..300u32 {
            let (cols, rows) = if i % 2 == 0 { (499, 199) } else { (500, 200) };
            match tokio::time::timeout(
                Duration::from_millis(200),
                ch.window_change(cols, rows, 0, 0),
            )
            .await
            {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
        stalled.push((h, ch));
    }
    let started = Instant::now();
    let mut peak = 0.0f64;
    loop {
        peak = peak.max(rss_mb(pid));
        let (list, _, status) = s.run(&marie, "sessions list").await;
        assert_eq!(status, 0);
        let consoles = list.lines().filter(|l| l.ends_with("console")).count();
        if consoles == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{consoles} consoles still open after their clients stopped reading:\n{list}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("server RSS peak with 6 consoles not reading: {peak:.0} MB");
    assert!(peak < 300.0, "server RSS {peak:.0} MB (bound 300 MB)");
    drop(stalled);
}

//! SSH measurements for BENCHMARKS.md, against `comptoir serve` run as a separate process
//! (so its memory is measured alone) and an in-process russh client.

use super::loopback::{Trusting, connect_with_key, exec_on};
use super::percentiles;
use russh::client;
use russh::keys::{Algorithm, PrivateKey};
use russh::{Channel, ChannelMsg};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `comptoir serve` child process on a free port, with a fresh admin key (and staff
/// keys of their own for workloads of many people).
pub(super) struct BenchServer {
    child: Child,
    pub port: u16,
    pub key: PrivateKey,
    /// `staff001`, `staff002`…: one key per person.
    pub staff: Vec<PrivateKey>,
    _dir: tempfile::TempDir,
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BenchServer {
    /// With more configuration (`[chorus]`…) after the bench's `[server]` limits.
    pub(super) fn start_with(data: &Path, more_config: &str) -> Result<BenchServer, String> {
        Self::start_with_people(data, more_config, 0)
    }

    /// With `people` staff enrolled, each with a key of their own.
    pub(super) fn start_with_people(
        data: &Path,
        more_config: &str,
        people: usize,
    ) -> Result<BenchServer, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let key =
            PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| e.to_string())?;
        let keys_dir = dir.path().join("keys");
        crate::ssh::keys::add_key(
            &keys_dir,
            "bench",
            crate::app::Role::Admin,
            &key.public_key().to_openssh().map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let mut staff = Vec::with_capacity(people);
        for i in 0..people {
            let k = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
                .map_err(|e| e.to_string())?;
            crate::ssh::keys::add_key(
                &keys_dir,
                &format!("staff{:03}", i + 1),
                crate::app::Role::Staff,
                &k.public_key().to_openssh().map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            staff.push(k);
        }
        let config = dir.path().join("comptoir.toml");
        std::fs::write(
            &config,
            // The sessions all come from this machine: up to 9 logins may be under way at
            // once (under the early drop's start), as before the per-source cap.
            format!("[server]\nmax_sessions = 400\nmax_sessions_per_person = 400\nmax_startups_per_source = 9\n{more_config}"),
        )
        .map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let child = Command::new(exe)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(data)
            .arg("--keys")
            .arg(&keys_dir)
            .arg("--themes")
            .arg(PathBuf::from("themes"))
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(120) {
                return Err("the server did not start".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(BenchServer {
            child,
            port,
            key,
            staff,
            _dir: dir,
        })
    }

    /// CPU time the server process has used so far (user + system), in seconds.
    pub(super) fn cpu_seconds(&self) -> f64 {
        let ticks = 100.0; // USER_HZ on Linux
        std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .ok()
            .and_then(|s| {
                // Fields after the command name, which is in parentheses.
                let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
                let user: f64 = rest.get(11)?.parse().ok()?;
                let system: f64 = rest.get(12)?.parse().ok()?;
                Some((user + system) / ticks)
            })
            .unwrap_or(0.0)
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, in MB.
    pub(super) fn rss_mb(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .map(|l| l.to_string())
            })
            .and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .map(|kb| kb / 1000.0)
            .unwrap_or(0.0)
    }

    pub(super) async fn connect(&self) -> Result<client::Handle<Trusting>, String> {
        connect_with_key(([127, 0, 0, 1], self.port).into(), "bench", &self.key).await
    }

    pub(super) async fn console(
        &self,
        cols: u16,
        rows: u16,
    ) -> Result<(client::Handle<Trusting>, Channel<client::Msg>), String> {
        self.console_as(None, cols, rows).await
    }

    /// A console as staff member `person` (its own key), or as the admin.
    pub(super) async fn console_as(
        &self,
        person: Option<usize>,
        cols: u16,
        rows: u16,
    ) -> Result<(client::Handle<Trusting>, Channel<client::Msg>), String> {
        let h = match person.and_then(|i| self.staff.get(i)) {
            Some(k) => connect_with_key(([127, 0, 0, 1], self.port).into(), "staff", k).await?,
            None => self.connect().await?,
        };
        let ch = h.channel_open_session().await.map_err(|e| e.to_string())?;
        ch.request_pty(true, "xterm", cols as u32, rows as u32, 0, 0, &[])
            .await
            .map_err(|e| e.to_string())?;
        ch.request_shell(true).await.map_err(|e| e.to_string())?;
        Ok((h, ch))
    }

    /// Runs a command; returns stdout.
    pub(super) async fn exec(&self, cmd: &str) -> Result<Vec<u8>, String> {
        let h = self.connect().await?;
        exec_on(&h, cmd, None)
            .await
            .map(|(out, _, _)| out)
            .ok_or_else(|| format!("{cmd}: channel refused"))
    }
}

/// Reads until the screen satisfies `pred`; returns false on timeout.
async fn read_until(
    ch: &mut Channel<client::Msg>,
    parser: &mut vt100::Parser,
    secs: u64,
    pred: impl Fn(&vt100::Screen) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if pred(parser.screen()) {
            return true;
        }
        match tokio::time::timeout_at(deadline, ch.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => parser.process(&data),
            Ok(Some(_)) => {}
            _ => return false,
        }
    }
}

fn parser(cols: u16, rows: u16) -> vt100::Parser {
    vt100::Parser::new(
        NonZeroU16::new(rows).unwrap_or(NonZeroU16::MIN),
        NonZeroU16::new(cols).unwrap_or(NonZeroU16::MIN),
        0,
    )
}

/// A complete board frame: header, tabs and footer are on screen.
fn complete(s: &vt100::Screen) -> bool {
    let c = s.contents();
    // The footer (its keys separated by « · ») is the last line drawn.
    c.contains("Tableau") && c.lines().last().is_some_and(|l| l.contains(" · "))
}

/// Connect (TCP) → first complete frame, over `n` connections.
pub(super) async fn first_frame(server: &BenchServer, n: usize) -> Result<(), String> {
    let mut times = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        let (_h, mut ch) = server.console(100, 30).await?;
        let mut p = parser(100, 30);
        if !read_until(&mut ch, &mut p, 30, complete).await {
            return Err(format!(
                "no complete frame; the screen reads:\n{}",
                p.screen().contents()
            ));
        }
        times.push(started.elapsed());
        let _ = ch.data(&b"q"[..]).await;
    }
    let (p50, p99, max) = percentiles(times);
    println!(
        "connect → first complete frame (100×30), {n} connections: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
    );
    Ok(())
}

/// Server memory with `counts` idle console sessions at 100×30.
pub(super) async fn idle_memory(server: &BenchServer, counts: &[usize]) -> Result<(), String> {
    let base = server.rss_mb();
    println!("server RSS with no session: {base:.0} MB");
    let mut sessions = Vec::new();
    for &target in counts {
        while sessions.len() < target {
            let (h, mut ch) = server.console(100, 30).await?;
            let mut p = parser(100, 30);
            if !read_until(&mut ch, &mut p, 30, complete).await {
                return Err("no frame".into());
            }
            sessions.push((h, ch));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss = server.rss_mb();
        println!(
            "server RSS with {target} idle session(s) at 100×30: {rss:.0} MB (+{:.2} MB per session)",
            (rss - base) / target as f64
        );
    }
    Ok(())
}

/// How the sessions of [`concurrent_search`] come and type.
pub(super) struct Typing {
    /// What each session types, one query after another (cleared with Ctrl-U between).
    pub plans: Vec<Vec<String>>,
    /// Each session logs in this long after the previous one (zero: all logged in first,
    /// one after the other, then they type together).
    pub stagger: Duration,
    /// Each session a person with a key of their own (else all as the bench's admin).
    pub own_keys: bool,
    /// Keys sent every 80 ms whatever the screen shows (as a person types), instead of
    /// waiting for each key's rows and count before the next.
    pub open_loop: bool,
}

/// CPU time this process has used so far (user + system), in seconds.
fn own_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let user: f64 = rest.get(11)?.parse().ok()?;
            let system: f64 = rest.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The prefix length of `query` the search box shows (`…▏`), if any.
fn shown_prefix(screen: &str, query: &str, sent: usize) -> Option<usize> {
    let line = screen.lines().find(|l| l.contains('▏'))?;
    (1..=sent)
        .rev()
        .find(|&k| line.contains(&format!("{}▏", prefix(query, k))))
}

/// The first `k` characters of `s`.
fn prefix(s: &str, k: usize) -> &str {
    s.char_indices().nth(k).map(|(i, _)| &s[..i]).unwrap_or(s)
}

/// Types `query` a key every 80 ms whatever arrives; for each key, when the box first
/// showed it (or a later key), and when rows for it (or a later key) were first on
/// screen — what a person sees. Returns (echo, rows) times, and whether all arrived.
async fn type_open_loop(
    ch: &mut Channel<client::Msg>,
    p: &mut vt100::Parser,
    query: &str,
) -> (Vec<Duration>, Vec<Duration>, bool) {
    let n = query.chars().count();
    let mut sent_at: Vec<Instant> = Vec::with_capacity(n);
    let (mut echoed, mut answered) = (0usize, 0usize);
    let (mut echo, mut rows) = (Vec::new(), Vec::new());
    let mut tick = tokio::time::interval(Duration::from_millis(80));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30 + n as u64);
    while answered < n {
        tokio::select! {
            _ = tick.tick(), if sent_at.len() < n => {
                let c = query.chars().nth(sent_at.len()).unwrap_or(' ');
                sent_at.push(Instant::now());
                let _ = ch.data(c.to_string().as_bytes()).await;
            }
            msg = tokio::time::timeout_at(deadline, ch.wait()) => {
                match msg {
                    Ok(Some(ChannelMsg::Data { data })) => p.process(&data),
                    Ok(Some(_)) => continue,
                    _ => return (echo, rows, false),
                }
                let screen = p.screen().contents();
                let Some(k) = shown_prefix(&screen, query, sent_at.len()) else { continue };
                let now = Instant::now();
                while echoed < k {
                    echo.push(now - sent_at[echoed]);
                    echoed += 1;
                }
                let fresh = screen.contains("résultat(s)") && !screen.contains("résultat(s) …");
                if fresh {
                    while answered < k {
                        rows.push(now - sent_at[answered]);
                        answered += 1;
                    }
                }
            }
        }
    }
    (echo, rows, true)
}

/// The sessions of `typing` type customer searches at the same time; per keystroke, the
/// time until the frame echoing it arrives, and until the frame with its results arrives.
pub(super) async fn concurrent_search(
    server: &std::sync::Arc<BenchServer>,
    typing: Typing,
) -> Result<(), String> {
    let sessions = typing.plans.len();
    let person = |i: usize| typing.own_keys.then_some(i);
    let open_loop = typing.open_loop;
    let (server_cpu, client_cpu, wall) = (server.cpu_seconds(), own_cpu_seconds(), Instant::now());
    let mut early = Vec::new();
    if typing.stagger.is_zero() {
        for i in 0..sessions {
            early.push(Some(server.console_as(person(i), 100, 30).await?));
        }
    } else {
        early.resize_with(sessions, || None);
    }
    let mut tasks = Vec::new();
    for (i, (plan, ready)) in typing.plans.iter().cloned().zip(early).enumerate() {
        let who = person(i);
        let delay = typing.stagger * i as u32;
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let (h, mut ch) = match ready {
                Some(c) => c,
                None => {
                    tokio::time::sleep(delay).await;
                    match server.console_as(who, 100, 30).await {
                        Ok(c) => c,
                        Err(_) => return (Vec::new(), Vec::new(), Vec::new(), false),
                    }
                }
            };
            let _h = h;
            let mut p = parser(100, 30);
            read_until(&mut ch, &mut p, 30, complete).await;
            let _ = ch.data(&b"2"[..]).await;
            read_until(&mut ch, &mut p, 30, |s| s.contents().contains("Rechercher")).await;
            let (mut echo, mut rows, mut done) = (Vec::new(), Vec::new(), Vec::new());
            let mut whole = true;
            for (n, query) in plan.iter().enumerate() {
                if n > 0 {
                    // The next query from an empty box, after a pause.
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    let _ = ch.data(&b"\x15"[..]).await;
                    let before = format!("{}▏", plan[n - 1]);
                    read_until(&mut ch, &mut p, 30, |s| !s.contents().contains(&before)).await;
                }
                if open_loop {
                    let (e, r, ok) = type_open_loop(&mut ch, &mut p, query).await;
                    echo.extend(e);
                    rows.extend(r);
                    whole &= ok;
                    continue;
                }
                let mut typed = String::new();
                for c in query.chars() {
                    typed.push(c);
                    let started = Instant::now();
                    let _ = ch.data(c.to_string().as_bytes()).await;
                    let shown = format!("{typed}▏");
                    if !read_until(&mut ch, &mut p, 30, |s| s.contents().contains(&shown)).await {
                        whole = false;
                        break;
                    }
                    echo.push(started.elapsed());
                    // The rows of this keystroke (« … »: rows of an earlier one), then the
                    // exact count (« ≥ N »: still counting).
                    let answered = |c: &str| {
                        c.contains(&shown)
                            && c.contains("résultat(s)")
                            && !c.contains("résultat(s) …")
                    };
                    if read_until(&mut ch, &mut p, 30, |s| answered(&s.contents())).await {
                        rows.push(started.elapsed());
                    }
                    let ok = read_until(&mut ch, &mut p, 30, |s| {
                        let c = s.contents();
                        answered(&c) && !c.contains(" ≥ ")
                    })
                    .await;
                    if ok {
                        done.push(started.elapsed());
                    }
                    tokio::time::sleep(Duration::from_millis(80)).await;
                }
            }
            let _ = ch.data(&b"\x03"[..]).await;
            (echo, rows, done, whole)
        }));
    }
    let (mut echo, mut rows, mut done, mut whole) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for t in tasks {
        if let Ok((e, r, d, w)) = t.await {
            echo.extend(e);
            rows.extend(r);
            done.extend(d);
            whole += usize::from(w);
        }
    }
    if whole < sessions {
        return Err(format!(
            "only {whole} of {sessions} sessions could type their whole queries"
        ));
    }
    let (e50, e99, _) = percentiles(echo.clone());
    let (r50, r99, _) = percentiles(rows.clone());
    let (d50, d99, _) = percentiles(done.clone());
    let keys = echo.len().max(1) as f64;
    let (server_cpu, client_cpu, wall) = (
        server.cpu_seconds() - server_cpu,
        own_cpu_seconds() - client_cpu,
        wall.elapsed().as_secs_f64(),
    );
    println!(
        "CPU while typing ({wall:.1} s): server {server_cpu:.1} s ({:.2} ms per keystroke, {:.0} % of the 2 cores), the clients in this process {client_cpu:.1} s ({:.0} %)",
        server_cpu * 1000.0 / keys,
        server_cpu * 50.0 / wall,
        client_cpu * 50.0 / wall
    );
    if open_loop {
        let (e50, e99, _) = percentiles(echo.clone());
        let (r50, r99, rmax) = percentiles(rows.clone());
        println!(
            "{sessions} people typing a key every 80 ms (logins {} ms apart): key → its echo p50 {e50:.1} ms, p99 {e99:.1} ms; key → rows for it (or a later key) p50 {r50:.1} ms, p99 {r99:.1} ms, max {rmax:.1} ms ({} keystrokes)",
            typing.stagger.as_millis(),
            echo.len()
        );
        return Ok(());
    }
    println!(
        "{sessions} sessions searching at once: keystroke → frame p50 {e50:.1} ms, p99 {e99:.1} ms; keystroke → frame with its rows p50 {r50:.1} ms, p99 {r99:.1} ms; → with the exact count p50 {d50:.1} ms, p99 {d99:.1} ms ({} keystrokes)",
        echo.len()
    );
    Ok(())
}

/// Download time of a document over SSH (`doc get`), `n` times.
pub(super) async fn download(server: &BenchServer, number: &str, n: usize) -> Result<(), String> {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..n {
        let started = Instant::now();
        let bytes = server.exec(&format!("doc get {number}")).await?;
        times.push(started.elapsed());
        size = bytes.len();
    }
    let (p50, p99, _) = percentiles(times);
    println!(
        "doc get {number} ({size} bytes), {n} downloads incl. connection and auth: p50 {p50:.1} ms, p99 {p99:.1} ms"
    );
    Ok(())
}

/// `ssh HOST backup` of the live store streamed to a file, while a console types in the
/// Clients search box (a key every 80 ms): backup time and size, keystroke → frame
/// latency before and during the backup.
pub(super) async fn backup(server: &BenchServer) -> Result<(), String> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let typist = Typist::start(server).await?;
    let phase = typist.phase.clone();
    tokio::time::sleep(Duration::from_secs(5)).await;
    phase.store(1, Ordering::SeqCst);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("backup.redb");
    let rss_before = server.rss_mb();
    let peak = Arc::new(std::sync::Mutex::new(rss_before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        let pid_rss = {
            let server_pid = server.pid();
            move || {
                std::fs::read_to_string(format!("/proc/{server_pid}/status"))
                    .ok()
                    .and_then(|s| {
                        s.lines()
                            .find(|l| l.starts_with("VmRSS:"))
                            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
                    })
                    .and_then(|v| v.parse::<f64>().ok())
                    .map(|kb| kb / 1000.0)
                    .unwrap_or(0.0)
            }
        };
        tokio::spawn(async move {
            while sampling.load(Ordering::SeqCst) {
                let now = pid_rss();
                {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let started = Instant::now();
    let (bytes, report) = {
        use std::io::Write;
        let h2 = server.connect().await?;
        let mut ch2 = h2.channel_open_session().await.map_err(|e| e.to_string())?;
        ch2.exec(true, "backup").await.map_err(|e| e.to_string())?;
        let _ = ch2.eof().await;
        let mut out = std::fs::File::create(&file).map_err(|e| e.to_string())?;
        let (mut bytes, mut err, mut status) = (0u64, Vec::new(), u32::MAX);
        while let Some(msg) = ch2.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    bytes += data.len() as u64;
                    out.write_all(&data).map_err(|e| e.to_string())?;
                }
                ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => status = exit_status,
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        if status != 0 {
            return Err(format!(
                "backup failed ({status}): {}",
                String::from_utf8_lossy(&err)
            ));
        }
        (bytes, String::from_utf8_lossy(&err).trim().to_string())
    };
    let took = started.elapsed();
    sampling.store(false, Ordering::SeqCst);
    let _ = sampler.await;
    let peak = *peak.lock().unwrap_or_else(|e| e.into_inner());
    println!("server RSS: {rss_before:.0} MB before, peak {peak:.0} MB during the backup");
    phase.store(2, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let samples = typist.stop().await?;
    // The copy is a store that checks clean.
    let check_dir = dir.path().join("check");
    std::fs::create_dir_all(&check_dir).map_err(|e| e.to_string())?;
    std::fs::rename(&file, check_dir.join(crate::store::STORE_FILE)).map_err(|e| e.to_string())?;
    let checked = Instant::now();
    let store = crate::store::Store::open(&check_dir).map_err(|e| e.to_string())?;
    let clean = store
        .read(crate::store::check::check)
        .map_err(|e| e.to_string())?;
    println!(
        "backup over ssh: {:.1} MB in {:.1} s ({:.1} MB/s), server: « {report} »; copy checked in {:.1} s: {}",
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        bytes as f64 / 1e6 / took.as_secs_f64().max(0.001),
        checked.elapsed().as_secs_f64(),
        if clean.is_clean() {
            "clean".to_string()
        } else {
            format!("{} violation(s)", clean.violations.len())
        }
    );
    print_phases(
        &samples,
        &[(0, "before the backup"), (1, "during the backup")],
    );
    Ok(())
}

/// A console typing in the Clients search box, a key every 80 ms (a word, then erased),
/// each keystroke's time to the frame that shows it, tagged with the phase it fell in.
pub(super) struct Typist {
    pub phase: std::sync::Arc<std::sync::atomic::AtomicU8>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<Vec<(u8, Duration)>>,
}

impl Typist {
    pub(super) async fn start(server: &BenchServer) -> Result<Typist, String> {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
        let (h, mut ch) = server.console(100, 30).await?;
        let mut p = parser(100, 30);
        read_until(&mut ch, &mut p, 30, complete).await;
        let _ = ch.data(&b"2"[..]).await;
        read_until(&mut ch, &mut p, 30, |s| s.contents().contains("Rechercher")).await;
        let phase = Arc::new(AtomicU8::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let task = {
            let (phase, stop) = (phase.clone(), stop.clone());
            tokio::spawn(async move {
                let _h = h;
                let mut samples: Vec<(u8, Duration)> = Vec::new();
                let word = "lycee";
                let mut typed = String::new();
                'outer: while !stop.load(Ordering::SeqCst) {
                    for i in 0..word.len() * 2 {
                        let key: Vec<u8> = if i < word.len() {
                            typed.push(word.as_bytes()[i] as char);
                            vec![word.as_bytes()[i]]
                        } else {
                            typed.pop();
                            vec![0x7f]
                        };
                        let at = phase.load(Ordering::SeqCst);
                        let started = Instant::now();
                        let _ = ch.data(&key[..]).await;
                        let shown = format!("{typed}▏");
                        if !read_until(&mut ch, &mut p, 30, |s| s.contents().contains(&shown)).await
                        {
                            break 'outer;
                        }
                        samples.push((at, started.elapsed()));
                        tokio::time::sleep(Duration::from_millis(80)).await;
                    }
                }
                let _ = ch.data(&b"\x03"[..]).await;
                samples
            })
        };
        Ok(Typist { phase, stop, task })
    }

    pub(super) async fn stop(self) -> Result<Vec<(u8, Duration)>, String> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.task.await.map_err(|e| e.to_string())
    }
}

/// Keystroke → frame percentiles per phase.
pub(super) fn print_phases(samples: &[(u8, Duration)], phases: &[(u8, &str)]) {
    for &(phase, label) in phases {
        let v: Vec<Duration> = samples
            .iter()
            .filter(|(p, _)| *p == phase)
            .map(|(_, d)| *d)
            .collect();
        let n = v.len();
        let (p50, p99, max) = percentiles(v);
        println!(
            "keystroke → frame {label}: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms ({n} keys)"
        );
    }
}

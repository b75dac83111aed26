//! `comptoir bench hostile`: the server's memory and a healthy admin console's keystroke
//! latency while each hostile load of issue 10 runs against it (a child `comptoir serve`,
//! loopback only, every load bounded in count and time).

use super::loopback::Trusting;
use super::percentiles;
use super::ssh::BenchServer;
use russh::client;
use russh::keys::{Algorithm, PrivateKey, PrivateKeyWithHashAlg};
use russh::{Channel, ChannelMsg};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Keystrokes measured per load.
const KEYSTROKES: usize = 60;

/// A running load: its tasks stop when `stop` is set.
struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
    /// Whatever must stay open while the load runs (connections, channels, sockets).
    _held: Vec<Box<dyn Send>>,
}

impl Load {
    fn none() -> Load {
        Load {
            stop: Arc::new(AtomicBool::new(false)),
            tasks: Vec::new(),
            _held: Vec::new(),
        }
    }

    async fn end(self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

/// Reads everything a channel sends until `stop`.
fn drain(mut ch: Channel<client::Msg>, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            match tokio::time::timeout(Duration::from_millis(200), ch.wait()).await {
                Ok(Some(_)) | Err(_) => {}
                Ok(None) => break,
            }
        }
    })
}

/// Reads what the reading half of a channel receives, keeping nothing, until `stop`.
fn read_half(mut rx: russh::ChannelReadHalf, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            if let Ok(None) = tokio::time::timeout(Duration::from_millis(200), rx.wait()).await {
                break;
            }
        }
    })
}

/// Keystroke → first byte of the frame that answers it, on the healthy console.
async fn keystrokes(ch: &mut Channel<client::Msg>) -> Vec<Duration> {
    let mut times = Vec::new();
    for i in 0..KEYSTROKES {
        // Anything still in flight belongs to the previous key.
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(30), ch.wait()).await {}
        let key: &[u8] = if i % 2 == 0 { b"2" } else { b"1" };
        let started = Instant::now();
        if ch.data(key).await.is_err() {
            break;
        }
        loop {
            match tokio::time::timeout(Duration::from_secs(10), ch.wait()).await {
                Ok(Some(ChannelMsg::Data { .. })) => {
                    times.push(started.elapsed());
                    break;
                }
                Ok(Some(_)) => {}
                _ => return times,
            }
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    times
}

fn soup() -> Vec<u8> {
    let mut soup = Vec::new();
    while soup.len() < 1_400_000 {
        soup.extend_from_slice(b"\x1b[200~\x1b[1;2;3;4;5;6;7;8;9;\x1b[");
        soup.extend_from_slice(&b"0123456789;".repeat(20));
    }
    soup
}

async fn silent_connections(server: &BenchServer, n: usize) -> Load {
    let mut held: Vec<Box<dyn Send>> = Vec::new();
    for _ in 0..n {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(("127.0.0.1", server.port)),
        )
        .await
        {
            held.push(Box::new(s));
        }
    }
    Load {
        _held: held,
        ..Load::none()
    }
}

async fn escape_soup(server: &BenchServer, consoles: usize) -> Result<Load, String> {
    let load = Load::none();
    let mut load = load;
    let soup = Arc::new(soup());
    for _ in 0..consoles {
        let (h, ch) = server.console(100, 30).await?;
        let (stop, soup) = (load.stop.clone(), soup.clone());
        load.tasks.push(tokio::spawn(async move {
            let _h = h;
            let (rx, tx) = ch.split();
            let reader = read_half(rx, stop.clone());
            while !stop.load(Ordering::SeqCst) {
                for chunk in soup.chunks(32 * 1024) {
                    if stop.load(Ordering::SeqCst) || tx.data(chunk).await.is_err() {
                        break;
                    }
                }
            }
            let _ = reader.await;
        }));
    }
    Ok(load)
}

async fn huge_screens(server: &BenchServer, consoles: usize) -> Result<Load, String> {
    let mut load = Load::none();
    for _ in 0..consoles {
        let (h, ch) = server.console(1000, 1000).await?;
        let stop = load.stop.clone();
        load.tasks.push(tokio::spawn(async move {
            let _h = h;
            let (rx, tx) = ch.split();
            let reader = read_half(rx, stop.clone());
            let mut i = 0u32;
            while !stop.load(Ordering::SeqCst) {
                let key: &[u8] = if i.is_multiple_of(2) { b"2" } else { b"1" };
                if tx.data(key).await.is_err() {
                    break;
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = reader.await;
        }));
    }
    Ok(load)
}

async fn hoarded_channels(server: &BenchServer, connections: usize) -> Result<Load, String> {
    let mut load = Load::none();
    for _ in 0..connections {
        let h = server.connect().await?;
        for _ in 0..12 {
            if let Ok(ch) = h.channel_open_session().await {
                load.tasks.push(drain(ch, load.stop.clone()));
            }
        }
        load._held.push(Box::new(h));
    }
    Ok(load)
}

/// `n` silent connections from another loopback address (127.0.0.2): one source.
async fn silent_from_one_source(server: &BenchServer, n: usize) -> Load {
    let mut held: Vec<Box<dyn Send>> = Vec::new();
    for _ in 0..n {
        let Ok(socket) = tokio::net::TcpSocket::new_v4() else {
            break;
        };
        if socket
            .bind("127.0.0.2:0".parse().expect("an address"))
            .is_err()
        {
            break;
        }
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_secs(2),
            socket.connect(([127, 0, 0, 1], server.port).into()),
        )
        .await
        {
            held.push(Box::new(s));
        }
    }
    Load {
        _held: held,
        ..Load::none()
    }
}

/// One revoked key retrying `whoami` in a loop from the admins' own address.
fn revoked_key_loop(server: &BenchServer) -> Load {
    let mut load = Load::none();
    let port = server.port;
    let stop = load.stop.clone();
    load.tasks.push(tokio::spawn(async move {
        let Ok(k) = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519) else {
            return;
        };
        while !stop.load(Ordering::SeqCst) {
            let _ = super::loopback::connect_with_key(([127, 0, 0, 1], port).into(), "x", &k).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }));
    load
}

/// Admin logins (a full login and `whoami`) while a load runs: how many got in, and how
/// long a login took.
async fn admin_logins(server: &BenchServer, n: usize) -> (usize, Vec<Duration>) {
    let mut times = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        if let Ok(h) = server.connect().await
            && let Some((_, _, 0)) = super::loopback::exec_on(&h, "whoami", None).await
        {
            times.push(started.elapsed());
        }
    }
    (times.len(), times)
}

fn login_flood(server: &BenchServer, attackers: usize) -> Load {
    let mut load = Load::none();
    let port = server.port;
    for _ in 0..attackers {
        let stop = load.stop.clone();
        load.tasks.push(tokio::spawn(async move {
            let config = Arc::new(client::Config::default());
            while !stop.load(Ordering::SeqCst) {
                let Ok(Ok(mut h)) = tokio::time::timeout(
                    Duration::from_secs(2),
                    client::connect(config.clone(), ("127.0.0.1", port), Trusting),
                )
                .await
                else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                for _ in 0..8 {
                    let Ok(k) = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519) else {
                        break;
                    };
                    let key = PrivateKeyWithHashAlg::new(Arc::new(k), None);
                    if !matches!(h.authenticate_publickey("x", key).await, Ok(r) if !r.success()) {
                        break;
                    }
                }
            }
        }));
    }
    load
}

/// Each load in turn, with the healthy console measured under it.
pub(super) async fn hostile(server: &BenchServer) -> Result<(), String> {
    let (_h, mut healthy) = server.console(100, 30).await?;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), healthy.wait()).await {
    }
    println!(
        "| load | server RSS, MB (start → under the load) | server CPU | healthy console keystroke → frame p50 / p99 |"
    );
    println!("|---|---|---|---|");
    // One load at a time, the login flood last (it gets this address penalised).
    let mut logins = Vec::new();
    for step in 0..8 {
        let (name, load) = match step {
            0 => ("none", Load::none()),
            1 => (
                "200 silent TCP connections",
                silent_connections(server, 200).await,
            ),
            2 => (
                "escape soup into 3 consoles (1.4 MB each, in a loop)",
                escape_soup(server, 3).await?,
            ),
            3 => (
                "3 consoles asking for 1000×1000, redrawing",
                huge_screens(server, 3).await?,
            ),
            4 => (
                "6 connections × 12 channels requested",
                hoarded_channels(server, 6).await?,
            ),
            5 => (
                "300 silent TCP connections from one other address",
                silent_from_one_source(server, 300).await,
            ),
            6 => (
                "a revoked key retrying `whoami` from the admins' address",
                revoked_key_loop(server),
            ),
            _ => (
                "login flood: 20 clients offering unknown keys",
                login_flood(server, 20),
            ),
        };
        let before = server.rss_mb();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (cpu, wall) = (server.cpu_seconds(), Instant::now());
        let times = keystrokes(&mut healthy).await;
        let cpu = (server.cpu_seconds() - cpu) / wall.elapsed().as_secs_f64() * 100.0;
        let during = server.rss_mb();
        let (p50, p99, _) = percentiles(times.clone());
        println!(
            "| {name} | {before:.0} → {during:.0} | {cpu:.0} % | {p50:.1} / {p99:.1} ms ({} keys) |",
            times.len()
        );
        if matches!(step, 0 | 5 | 6) {
            let (ok, t) = admin_logins(server, 20).await;
            let (p50, p99, _) = percentiles(t);
            logins.push(format!("| {name} | {ok}/20 | {p50:.1} / {p99:.1} ms |"));
        }
        load.end().await;
        // Let the server close what the load left behind.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!();
    println!("| load | new admin logins from 127.0.0.1 that got in | login + `whoami` p50 / p99 |");
    println!("|---|---|---|");
    for l in logins {
        println!("{l}");
    }
    Ok(())
}

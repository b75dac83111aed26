//! The attack of issue 10 kept as tests: a real `comptoir serve` process on a loopback
//! port, driven by hostile clients in bounded loops. Each test says which hole it keeps
//! closed.

#[path = "../../src/bench/loopback.rs"]
mod loopback;

use comptoir::app::Role;

use comptoir::ssh::keys;

use loopback::{Trusting, connect_with_key};

use russh::ChannelMsg;

use russh::client;

use russh::keys::PrivateKey;

use std::io::{BufRead, BufReader};

use std::path::{Path, PathBuf};

use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

const SAMPLE: &str = include_str!("../fixtures/quote.json");

/// One attack at a time: each test drives a server process hard, and their timings
/// (grace times, penalties, stalls) must not depend on what the others are doing.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn fixed_key(seed: u8) -> PrivateKey {
    PrivateKey::from(russh::keys::ssh_key::private::Ed25519Keypair::from_seed(
        &[seed; 32],
    ))
}

fn pub_line(k: &PrivateKey) -> String {
    k.public_key().to_openssh().unwrap()
}

/// A `comptoir serve` child process with its own folder, keys and configuration.
struct Served {
    child: Child,
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    /// The shell command that starts it (to start it again after a kill).
    command: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Setup<'a> {
    people: &'a [(&'a str, Role, &'a PrivateKey)],
    /// Lines added to the `[server]` section of comptoir.toml.
    server: &'a str,
    /// A shell prefix run before `exec comptoir serve` (`ulimit -n 256;`).
    shell: &'a str,
}

fn serve(setup: Setup<'_>) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    for (name, role, key) in setup.people {
        keys::add_key(&keys_dir, name, *role, &pub_line(key)).unwrap();
    }
    let config = dir.path().join("comptoir.toml");
    // A real shop's identity (documents are refused with the demo's outside a demo store).
    let shop = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop.toml"),
    )
    .unwrap();
    std::fs::write(&config, format!("{shop}\n[server]\n{}\n", setup.server)).unwrap();
    let exe = env!("CARGO_BIN_EXE_comptoir");
    let command = format!(
        "{} exec '{exe}' serve --listen 127.0.0.1:0 --data '{}' --keys '{}' --config '{}' --themes '{}'",
        setup.shell,
        dir.path().join("data").display(),
        keys_dir.display(),
        config.display(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("themes")
            .display()
    );
    let (child, addr) = launch(&command);
    Served {
        child,
        addr,
        dir,
        command,
    }
}

/// Starts the server; returns it once it printed its address.
fn launch(command: &str) -> (Child, std::net::SocketAddr) {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(a) = line.strip_prefix("comptoir écoute sur ") {
            break a.trim().parse().unwrap();
        }
    };
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (child, addr)
}

impl Served {
    /// SIGKILL, then the same server again on the same folder (on a new port).
    fn kill_and_restart(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let (child, addr) = launch(&self.command);
        self.child = child;
        self.addr = addr;
    }

    async fn connect(&self, key: &PrivateKey) -> client::Handle<Trusting> {
        connect_with_key(self.addr, "x", key).await.unwrap()
    }

    async fn run(&self, key: &PrivateKey, cmd: &str) -> (String, String, u32) {
        let h = self.connect(key).await;
        exec_on(&h, cmd, None).await.expect("a channel")
    }

    /// `keys list` once the server has noticed a change of `keys/` that it mentions.
    async fn keys_list_once_it_mentions(&self, admin: &PrivateKey, what: &str) -> String {
        let started = Instant::now();
        loop {
            let (list, _, status) = self.run(admin, "keys list").await;
            assert_eq!(status, 0);
            if list.contains(what) {
                return list;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "keys/ change not noticed: {list}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

/// Runs a command on an open connection, output as text; `None` when the connection
/// refuses the channel.
async fn exec_on(
    h: &client::Handle<Trusting>,
    cmd: &str,
    stdin: Option<&[u8]>,
) -> Option<(String, String, u32)> {
    let (out, err, status) = loopback::exec_on(h, cmd, stdin).await?;
    Some((
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
        status,
    ))
}

/// Waits until `h`'s connection is closed by the server (at most `secs`).
async fn closed_within(h: &client::Handle<Trusting>, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if h.is_closed() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.is_closed()
}

mod connections;
mod consoles;
mod faults;

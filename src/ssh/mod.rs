//! The SSH server: the only module that knows russh.
//!
//! One handler per connection authenticates by public key only (identity bound after the
//! signature is verified, never at the offer), then serves either the console (pty +
//! shell, one task per session owning its terminal) or a command (`ssh host COMMAND`).
//! Handlers never await output: they forward bytes to the session task, which writes
//! through the channel's window-respecting writer with a stall timeout.

pub mod access;
pub(crate) mod commands;
mod conn;
pub(crate) mod input;
pub mod keys;
mod listener;
mod metrics;
pub(crate) mod registry;
mod session;
pub(crate) mod terminal;

use crate::app::pool::SearchPool;
use crate::app::{Actor, App};
use crate::config::ServerConfig;
use crate::domain::Timestamp;
use crate::ui::Theme;
use keys::AccessList;
use registry::{FailedLogins, RateLimiter, Registry, SessionInfo};
use russh::keys::PrivateKey;
use russh::{MethodKind, MethodSet};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};

pub use listener::{limit_malloc_heaps, raise_open_files_limit};

/// Authentication attempts allowed on one connection (OpenSSH's MaxAuthTries).
const MAX_AUTH_ATTEMPTS: usize = 6;

/// How often bursts of refused logins are written to the audit log.
const FAILED_LOGINS_FLUSH: Duration = Duration::from_secs(1);

/// How often `keys/` is checked for changes.
pub const KEYS_POLL: Duration = Duration::from_millis(400);

/// Everything the connections share.
pub struct Shared {
    pub app: Arc<App>,
    pub keys_dir: PathBuf,
    access_tx: watch::Sender<Arc<AccessList>>,
    pub limiter: RateLimiter,
    failed_logins: FailedLogins,
    pub sessions: Registry,
    /// Connections anyone may take, and those kept for admins.
    permits: Arc<Semaphore>,
    admin_permits: Arc<Semaphore>,
    /// Logged-in connections per person.
    per_person: std::sync::Mutex<HashMap<String, usize>>,
    pub config: ServerConfig,
    /// Replaced on a reload (SIGHUP); sessions opened afterwards get the new ones.
    pub themes: std::sync::RwLock<Arc<Vec<Theme>>>,
    pub pool: Arc<SearchPool>,
    shutdown: watch::Receiver<bool>,
    /// `ssh -p 2222 127.0.0.1`, shown next to downloadable documents.
    pub ssh_hint: String,
    startups: Arc<registry::Startups>,
    connections: listener::Connections,
}

impl Shared {
    pub fn access(&self) -> Arc<AccessList> {
        self.access_tx.borrow().clone()
    }

    pub fn subscribe_access(&self) -> watch::Receiver<Arc<AccessList>> {
        self.access_tx.subscribe()
    }

    /// The themes new sessions get.
    pub fn themes(&self) -> Arc<Vec<Theme>> {
        self.themes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts reloaded themes in force for sessions opened from now on (an empty list keeps
    /// the bundled ones).
    pub fn set_themes(&self, themes: Vec<Theme>) {
        let themes = if themes.is_empty() {
            vec![Theme::default_theme()]
        } else {
            themes
        };
        *self.themes.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(themes);
    }

    /// Re-reads `keys/` (it changed on disk): changes are recorded in the audit trail,
    /// as a local `comptoir keys` command's when its journal says so, else as edited by
    /// hand.
    pub fn reload_access(&self) {
        self.reload_access_recorded(&[]);
    }

    /// Re-reads `keys/` after an admin command changed it and recorded `recorded`.
    pub fn reload_access_recorded(&self, recorded: &[crate::domain::AccessEvent]) {
        let list = Arc::new(AccessList::load(&self.keys_dir));
        // A problem is logged when it appears, not at every reload while it lasts.
        let before = self.access_tx.borrow().problems.clone();
        for p in list.problems.iter().filter(|p| !before.contains(p)) {
            tracing::warn!("keys: {}", crate::domain::text::printable(p));
        }
        // New logins see the new list first; then whoever lost their key or role since
        // they logged in (on the old list) loses their right to act.
        self.access_tx.send_replace(list.clone());
        self.app
            .withdraw_grants(|g| list.still_allowed(g.person(), g.fingerprint()) != Some(g.role()));
        self.app.publish_access_change();
        self.audit_access_changes(&list, recorded);
    }

    /// Records what changed in `keys/` since the audit trail last saw it.
    fn audit_access_changes(&self, list: &AccessList, recorded: &[crate::domain::AccessEvent]) {
        let journal = keys::journal_read(&self.keys_dir);
        match self.app.sync_access(&list.records(), recorded, &|e| {
            keys::journal_author(&journal, e)
        }) {
            Ok(events) => {
                for e in &events {
                    tracing::info!("keys/: {}", crate::domain::text::printable(&e.describe()));
                }
                keys::journal_clear(&self.keys_dir);
            }
            Err(e) => tracing::error!("keys/: changes not recorded in the audit trail: {e}"),
        }
    }
}

/// Options of `comptoir serve`.
pub struct ServeOptions {
    pub listen: String,
    pub keys_dir: PathBuf,
    pub config: ServerConfig,
    pub themes: Vec<Theme>,
    /// Shown in `ssh …` hints; defaults to the listen address.
    pub public_host: Option<String>,
    /// Where `GET /metrics` is served (`[metrics] listen`), if anywhere.
    pub metrics: Option<SocketAddr>,
}

/// A running server.
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub host_fingerprint: String,
    pub shared: Arc<Shared>,
    /// The metrics endpoint's bound address, when `[metrics]` is set.
    pub metrics_addr: Option<SocketAddr>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl ServerHandle {
    /// Graceful stop: sessions are told, restore their terminals and end; then the
    /// listener closes.
    pub async fn shutdown(self) {
        let _ = self.shutdown_tx.send(true);
        let deadline = Instant::now() + Duration::from_secs(3);
        while !self.shared.sessions.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for t in &self.tasks {
            t.abort();
        }
        // The goodbyes are queued on their connections: clients leave once they have read
        // them (their channel is closed); close what remains after a short grace, so that a
        // disconnect never overtakes a goodbye.
        let deadline = Instant::now() + Duration::from_secs(1);
        while !self.shared.connections.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.shared.connections.close_all("comptoir s'arrête").await;
        for t in self.tasks {
            t.abort();
        }
        // The refused logins of the last second are not lost with the process.
        let events = self.shared.failed_logins.flush();
        let app = self.shared.app.clone();
        let _ = tokio::task::spawn_blocking(move || app.record_accesses(&Actor::unknown(), events))
            .await;
    }
}

/// Binds, starts watching `keys/`, and serves until [`ServerHandle::shutdown`].
pub async fn start(app: Arc<App>, opts: ServeOptions) -> anyhow::Result<ServerHandle> {
    let (host_key, _created) = keys::host_key(&opts.keys_dir).map_err(anyhow::Error::msg)?;
    let host_fingerprint = keys::fingerprint(host_key.public_key());
    let listener = tokio::net::TcpListener::bind(&opts.listen).await?;
    let addr = listener.local_addr()?;
    let metrics_listener = match opts.metrics {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .map_err(|e| anyhow::anyhow!("métriques : impossible d'écouter sur {a} : {e}"))?,
        ),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    // Taken before the keys are read: a change made meanwhile is seen by the watcher.
    let keys_signature = keys::folder_signature(&opts.keys_dir);
    let (access_tx, _) = watch::channel(Arc::new(AccessList::load(&opts.keys_dir)));
    for p in &access_tx.borrow().problems {
        tracing::warn!("keys: {}", crate::domain::text::printable(p));
    }
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let host = opts
        .public_host
        .clone()
        .unwrap_or_else(|| addr.ip().to_string());
    let themes = if opts.themes.is_empty() {
        vec![Theme::default_theme()]
    } else {
        opts.themes
    };
    let shared = Arc::new(Shared {
        app,
        keys_dir: opts.keys_dir.clone(),
        access_tx,
        limiter: RateLimiter::new(
            opts.config.failed_logins_per_minute,
            opts.config.penalty,
            opts.config.penalty_exempt.clone(),
        ),
        failed_logins: FailedLogins::default(),
        sessions: Registry::default(),
        permits: Arc::new(Semaphore::new(
            opts.config.max_sessions - opts.config.admin_slots(),
        )),
        admin_permits: Arc::new(Semaphore::new(opts.config.admin_slots())),
        per_person: Default::default(),
        pool: Arc::new(SearchPool::new(2, 256)),
        themes: std::sync::RwLock::new(Arc::new(themes)),
        shutdown: shutdown_rx,
        ssh_hint: format!("ssh -p {} {host}", addr.port()),
        startups: registry::Startups::new(
            opts.config.max_startups,
            opts.config.max_startups_per_source,
        ),
        connections: listener::Connections::default(),
        config: opts.config,
    });
    let mut tasks = Vec::new();
    // Changes made while the server was stopped (local commands, hand edits).
    shared.audit_access_changes(&shared.access_tx.borrow().clone(), &[]);
    tasks.push(tokio::spawn(watch_keys(shared.clone(), keys_signature)));
    tasks.push(tokio::spawn(tick_changes(shared.clone())));
    tasks.push(tokio::spawn(flush_failed_logins(shared.clone())));
    let config = russh::server::Config {
        server_id: russh::SshId::Standard(
            format!("SSH-2.0-comptoir_{}", env!("CARGO_PKG_VERSION")).into(),
        ),
        methods: MethodSet::from(&[MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        // A client that sends nothing at all (not even keepalive answers) long after the
        // idle lock: the transport is closed.
        inactivity_timeout: Some(
            shared
                .config
                .idle_timeout
                .unwrap_or(Duration::from_secs(24 * 3600))
                + Duration::from_secs(300),
        ),
        keepalive_interval: Some(shared.config.keepalive),
        keepalive_max: 3,
        max_auth_attempts: MAX_AUTH_ATTEMPTS,
        nodelay: true,
        ..Default::default()
    };
    tasks.push(tokio::spawn(listener::accept_loop(
        listener,
        Arc::new(config),
        shared.clone(),
    )));
    if let Some(l) = metrics_listener {
        tasks.push(tokio::spawn(metrics::serve(l, shared.clone())));
    }
    Ok(ServerHandle {
        addr,
        metrics_addr,
        host_fingerprint,
        shared,
        shutdown_tx,
        tasks,
    })
}

/// Re-reads `keys/` when its files change; ends the live sessions of removed keys.
async fn watch_keys(shared: Arc<Shared>, mut last: Vec<keys::FolderEntry>) {
    loop {
        tokio::time::sleep(KEYS_POLL).await;
        let now = keys::folder_signature(&shared.keys_dir);
        if now != last {
            last = now;
            tracing::info!("keys/ changed: reloading");
            shared.reload_access();
        }
    }
}

/// Writes the refused logins gathered since the last time: every source in one durable
/// write, on the blocking pool (never on a session's task).
async fn flush_failed_logins(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(FAILED_LOGINS_FLUSH).await;
        let events = shared.failed_logins.flush();
        if events.is_empty() {
            continue;
        }
        let app = shared.app.clone();
        let _ = tokio::task::spawn_blocking(move || app.record_accesses(&Actor::unknown(), events))
            .await;
    }
}

/// The board's flags depend on the date: nudge sessions every minute.
async fn tick_changes(shared: Arc<Shared>) {
    let mut day = shared.app.today();
    loop {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let today = shared.app.today();
        if today != day {
            day = today;
            shared.app.publish_access_change();
        }
    }
}

/// Loads the host key only (for `keys` commands that print the server fingerprint).
pub fn host_fingerprint(keys_dir: &std::path::Path) -> Option<String> {
    PrivateKey::read_openssh_file(keys_dir.join(keys::HOST_KEY_FILE))
        .ok()
        .map(|k| keys::fingerprint(k.public_key()))
}

/// Describes a session for the registry.
pub(crate) fn session_info(
    who: &Actor,
    peer: Option<SocketAddr>,
    what: &str,
    now: Timestamp,
) -> SessionInfo {
    SessionInfo {
        id: 0,
        person: who.name.clone(),
        role: who.role,
        fingerprint: who.fingerprint.clone().unwrap_or_default(),
        peer,
        started: now,
        what: what.to_string(),
        idle_secs: None,
        connection: who.session.clone(),
    }
}

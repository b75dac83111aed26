//! The SSH server: the only module that knows russh.
//!
//! One handler per connection authenticates by public key only (identity bound after the
//! signature is verified, never at the offer), then serves either the console (pty +
//! shell, one task per session owning its terminal) or a command (`ssh host COMMAND`).
//! Handlers never await output: they forward bytes to the session task, which writes
//! through the channel's window-respecting writer with a stall timeout.

pub mod access;
pub(crate) mod commands;
pub(crate) mod input;
pub mod keys;
mod listener;
pub(crate) mod registry;
mod session;
pub(crate) mod terminal;

use crate::app::pool::SearchPool;
use crate::app::{Actor, App, Role};
use crate::config::ServerConfig;
use crate::domain::{AccessEvent, LoginRefusal, Timestamp};
use crate::ui::Theme;
use keys::AccessList;
use registry::{FailedLogins, RateLimiter, Registry, SessionInfo};
use russh::keys::PrivateKey;
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelWriteHalf, MethodKind, MethodSet, Pty};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};

pub use listener::raise_open_files_limit;

/// How long open consoles have to say goodbye before a revoked connection is closed.
const CONSOLE_FAREWELL: Duration = Duration::from_millis(500);

/// Channels open at once on one connection (OpenSSH's MaxSessions).
const MAX_CHANNELS: usize = 10;

/// Authentication attempts allowed on one connection (OpenSSH's MaxAuthTries).
const MAX_AUTH_ATTEMPTS: usize = 6;

/// How often bursts of refused logins are written to the audit log.
const FAILED_LOGINS_FLUSH: Duration = Duration::from_secs(2);

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
    pub themes: Arc<Vec<Theme>>,
    pub pool: SearchPool,
    shutdown: watch::Receiver<bool>,
    /// `ssh -p 2222 127.0.0.1`, shown next to downloadable documents.
    pub ssh_hint: String,
    startups: Arc<listener::Startups>,
    connections: listener::Connections,
}

impl Shared {
    pub fn access(&self) -> Arc<AccessList> {
        self.access_tx.borrow().clone()
    }

    pub fn subscribe_access(&self) -> watch::Receiver<Arc<AccessList>> {
        self.access_tx.subscribe()
    }

    /// Re-reads `keys/` now (after a change made through a command).
    pub fn reload_access(&self) {
        let list = Arc::new(AccessList::load(&self.keys_dir));
        // A problem is logged when it appears, not at every reload while it lasts.
        let before = self.access_tx.borrow().problems.clone();
        for p in list.problems.iter().filter(|p| !before.contains(p)) {
            tracing::warn!("keys: {}", crate::domain::text::printable(p));
        }
        // Whoever lost their key or role since they logged in loses their right to act.
        self.app
            .withdraw_grants(|g| list.still_allowed(g.person(), g.fingerprint()) != Some(g.role()));
        self.access_tx.send_replace(list);
        self.app.publish_access_change();
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
}

/// A running server.
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub host_fingerprint: String,
    pub shared: Arc<Shared>,
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
        self.shared.connections.close_all("comptoir s'arrête").await;
        for t in self.tasks {
            t.abort();
        }
    }
}

/// Binds, starts watching `keys/`, and serves until [`ServerHandle::shutdown`].
pub async fn start(app: Arc<App>, opts: ServeOptions) -> anyhow::Result<ServerHandle> {
    let (host_key, _created) = keys::host_key(&opts.keys_dir).map_err(anyhow::Error::msg)?;
    let host_fingerprint = keys::fingerprint(host_key.public_key());
    let listener = tokio::net::TcpListener::bind(&opts.listen).await?;
    let addr = listener.local_addr()?;
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
        limiter: RateLimiter::new(opts.config.failed_logins_per_minute, opts.config.penalty),
        failed_logins: FailedLogins::default(),
        sessions: Registry::default(),
        permits: Arc::new(Semaphore::new(
            opts.config.max_sessions - opts.config.admin_slots(),
        )),
        admin_permits: Arc::new(Semaphore::new(opts.config.admin_slots())),
        per_person: Default::default(),
        pool: SearchPool::new(2, 256),
        themes: Arc::new(themes),
        shutdown: shutdown_rx,
        ssh_hint: format!("ssh -p {} {host}", addr.port()),
        startups: listener::Startups::new(opts.config.max_startups),
        connections: listener::Connections::default(),
        config: opts.config,
    });
    let mut tasks = Vec::new();
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
        inactivity_timeout: Some(shared.config.idle_timeout + Duration::from_secs(300)),
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
    Ok(ServerHandle {
        addr,
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

/// Writes the bursts of refused logins gathered since the last time.
async fn flush_failed_logins(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(FAILED_LOGINS_FLUSH).await;
        for event in shared.failed_logins.flush() {
            shared.app.record_access(&Actor::unknown(), event);
        }
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

/// One of a person's connections, counted while it lives.
struct PersonSlot {
    shared: Arc<Shared>,
    name: String,
}

impl Drop for PersonSlot {
    fn drop(&mut self) {
        let mut counts = self
            .shared
            .per_person
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.name) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.name);
            }
        }
    }
}

/// What arrives for a console session from the handler.
pub(crate) enum SessionEvent {
    Data(Vec<u8>),
    Resize(u32, u32),
    Closed,
}

#[derive(Default)]
struct Chan {
    writer: Option<ChannelWriteHalf<Msg>>,
    pty: Option<(u32, u32)>,
    console: Option<mpsc::Sender<SessionEvent>>,
    stdin: Option<mpsc::Sender<Option<Vec<u8>>>>,
    /// Bytes a console may still send now (keys and pastes: a person never sends much).
    input_budget: input::ByteBudget,
}

pub struct Conn {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    who: Option<Actor>,
    /// Why this connection may not open sessions (the server or the person is at the
    /// limit), told on every channel it asks for.
    refusal: Option<String>,
    /// Its place in the per-person count.
    person_slot: Option<PersonSlot>,
    channels: HashMap<ChannelId, Chan>,
    client: String,
    since: Instant,
    /// Ends the connection when the person's right to act is withdrawn.
    revocation_watch: Option<tokio::task::JoinHandle<()>>,
    /// Its place among unauthenticated connections, until it logs in.
    startup: Option<listener::StartupSlot>,
    /// Set at login; the listener closes connections still unauthenticated after the
    /// grace time.
    authenticated: Arc<AtomicBool>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(w) = self.revocation_watch.take() {
            w.abort();
        }
        tracing::info!(
            peer = ?self.peer,
            person = self.who.as_ref().map(|w| w.name.as_str()).unwrap_or("-"),
            duration_s = self.since.elapsed().as_secs(),
            "connection closed"
        );
    }
}

impl Conn {
    fn new(shared: Arc<Shared>, peer: Option<SocketAddr>, slot: listener::StartupSlot) -> Conn {
        tracing::info!(peer = ?peer, "connection");
        Conn {
            shared,
            peer,
            who: None,
            refusal: None,
            person_slot: None,
            channels: HashMap::new(),
            client: String::new(),
            since: Instant::now(),
            revocation_watch: None,
            startup: Some(slot),
            authenticated: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Counts this connection among the person's; sets `refusal` when they hold their
    /// maximum already.
    fn take_slots(&mut self, name: &str) {
        let limit = self.shared.config.max_sessions_per_person;
        {
            let mut counts = self
                .shared
                .per_person
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let n = counts.entry(name.to_string()).or_insert(0);
            if *n >= limit {
                self.refusal = Some(format!(
                    "comptoir : vous avez déjà {n} connexions ouvertes, le maximum par personne — fermez-en une"
                ));
                return;
            }
            *n += 1;
        }
        self.person_slot = Some(PersonSlot {
            shared: self.shared.clone(),
            name: name.to_string(),
        });
    }

    /// A place for one more session (console or command) of `who`: refused when the person
    /// already has their maximum, or the server is full (admins may use the places kept
    /// for them). The place is given back when the session ends.
    fn session_place(&self, who: &Actor) -> Result<tokio::sync::OwnedSemaphorePermit, String> {
        let limit = self.shared.config.max_sessions_per_person;
        let open = self.shared.sessions.count_person(&who.name);
        if open >= limit {
            return Err(format!(
                "comptoir : vous avez déjà {open} sessions ouvertes, le maximum par personne — fermez-en une"
            ));
        }
        let shared = &self.shared;
        shared
            .permits
            .clone()
            .try_acquire_owned()
            .ok()
            .or_else(|| {
                (who.role == Role::Admin)
                    .then(|| shared.admin_permits.clone().try_acquire_owned().ok())
                    .flatten()
            })
            .ok_or_else(|| {
                format!(
                    "comptoir : {} sessions déjà ouvertes, le maximum — réessayez dans quelques minutes",
                    shared.config.max_sessions
                )
            })
    }

    fn reject() -> Auth {
        Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey][..])),
            partial_success: false,
        }
    }

    /// Counts a refused attempt against its source at once, and audits it (a burst from
    /// one source is written as one record every few seconds).
    fn log_failed(&self, reason: LoginRefusal, fingerprint: Option<String>) {
        tracing::debug!(peer = ?self.peer, fingerprint, ?reason, "login refused");
        let ip = self.peer.map(|p| p.ip());
        if let Some(ip) = ip {
            self.shared.limiter.failure(ip);
        }
        if let Some(event) = self.shared.failed_logins.record(ip, reason, fingerprint) {
            tracing::warn!(peer = ?self.peer, ?reason, "login refused");
            self.shared.app.record_access(&Actor::unknown(), event);
        }
    }

    /// What every session (console or command) needs before it starts: a logged-in person
    /// whose right still holds, room on the server and for the person, and the channel's
    /// writer. `None` when refused (the client was told why) or the channel is gone.
    async fn open_session(
        &mut self,
        channel: ChannelId,
    ) -> Option<(
        Actor,
        tokio::sync::OwnedSemaphorePermit,
        ChannelWriteHalf<Msg>,
    )> {
        let who = self.who.clone()?;
        let refusal = match who.still_granted() {
            Err(e) => Some(e.to_string()),
            Ok(()) => self.refusal.clone(),
        };
        if let Some(msg) = refusal {
            self.refuse_channel(channel, &msg, 1).await;
            return None;
        }
        self.channels.get(&channel)?.writer.as_ref()?;
        let place = match self.session_place(&who) {
            Ok(p) => p,
            Err(msg) => {
                self.refuse_channel(channel, &msg, 1).await;
                return None;
            }
        };
        let writer = self.channels.get_mut(&channel)?.writer.take()?;
        Some((who, place, writer))
    }

    /// Sends a message on stderr and closes the channel with `status`.
    async fn refuse_channel(&mut self, channel: ChannelId, message: &str, status: u32) {
        if let Some(w) = self
            .channels
            .get_mut(&channel)
            .and_then(|c| c.writer.take())
        {
            let _ = w
                .extended_data_bytes(1, format!("{message}\r\n").into_bytes())
                .await;
            let _ = w.exit_status(status).await;
            let _ = w.eof().await;
            let _ = w.close().await;
        }
    }
}

impl russh::server::Handler for Conn {
    type Error = anyhow::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Conn::reject())
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.log_failed(LoginRefusal::Password, None);
        Ok(Conn::reject())
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        Ok(Conn::reject())
    }

    /// The offer is unverified: it only decides whether a signature is worth asking for.
    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.shared.access().find(offer.public_key).is_some() {
            Ok(Auth::Accept)
        } else {
            self.log_failed(
                LoginRefusal::UnknownKey,
                Some(keys::fingerprint(offer.public_key)),
            );
            Ok(Conn::reject())
        }
    }

    /// Called once russh has verified the signature: identity is bound here only.
    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let access = self.shared.access();
        let Some((person, entry)) = access.find(key.public_key) else {
            return Ok(Conn::reject());
        };
        let who = Actor::person(&person.name, person.role, &entry.fingerprint);
        self.who = Some(self.shared.app.grant(who));
        Ok(Auth::Accept)
    }

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        self.authenticated.store(true, Ordering::SeqCst);
        self.startup = None;
        self.client = String::from_utf8_lossy(session.remote_sshid()).into_owned();
        if let Some(p) = self.peer {
            self.shared.limiter.success(p.ip());
        }
        if let Some(who) = &self.who {
            self.take_slots(&who.name.clone());
        }
        if let Some(grant) = self.who.as_ref().and_then(|w| w.grant.clone()) {
            let handle = session.handle();
            self.revocation_watch = Some(tokio::spawn(async move {
                grant.withdrawn().await;
                // Nothing can be done on this connection any more (every channel request
                // and write checks the grant); open consoles get a moment to say why and
                // restore the terminal before the connection goes.
                tokio::time::sleep(CONSOLE_FAREWELL).await;
                let _ = handle
                    .disconnect(
                        russh::Disconnect::ByApplication,
                        "Votre accès a changé (clé révoquée ou rôle modifié) : connexion fermée."
                            .into(),
                        "fr".into(),
                    )
                    .await;
            }));
        }
        if let Some(who) = &self.who {
            let fingerprint = who.fingerprint.clone().unwrap_or_default();
            tracing::info!(peer = ?self.peer, person = %who.name, role = %who.role, %fingerprint, client = %self.client, "login");
            self.shared.app.record_access(
                who,
                AccessEvent::Login {
                    peer: self.peer.map(|p| p.ip().to_string()),
                    fingerprint,
                    client: self.client.clone(),
                },
            );
        }
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channels.len() >= MAX_CHANNELS {
            tracing::warn!(peer = ?self.peer, "channel refused: {MAX_CHANNELS} already open on this connection");
            reply
                .reject(russh::ChannelOpenFailure::ResourceShortage)
                .await;
            return Ok(());
        }
        // Only the writing half is kept: an unread reading half would stall the session.
        let (read, write) = channel.split();
        drop(read);
        self.channels.insert(
            write.id(),
            Chan {
                writer: Some(write),
                ..Chan::default()
            },
        );
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_w: u32,
        _pix_h: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::info!(person = ?self.who.as_ref().map(|w| &w.name), term, cols, rows, "pty");
        if let Some(c) = self.channels.get_mut(&channel) {
            c.pty = Some((cols, rows));
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let Some(pty) = self.channels.get(&channel).map(|c| c.pty) else {
            return Ok(());
        };
        let Some((cols, rows)) = pty else {
            self.refuse_channel(
                channel,
                "comptoir needs a terminal: use ssh -t (comptoir a besoin d'un terminal : ssh -t)",
                1,
            )
            .await;
            return Ok(());
        };
        let Some((who, place, writer)) = self.open_session(channel).await else {
            return Ok(());
        };
        let (tx, rx) = mpsc::channel(256);
        if let Some(chan) = self.channels.get_mut(&channel) {
            chan.console = Some(tx);
        }
        tokio::spawn(session::run_console(session::ConsoleStart {
            shared: self.shared.clone(),
            place,
            who,
            peer: self.peer,
            writer,
            events: rx,
            cols,
            rows,
        }));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let line = String::from_utf8_lossy(data).into_owned();
        let Some((who, place, writer)) = self.open_session(channel).await else {
            return Ok(());
        };
        let (stdin_tx, stdin_rx) = mpsc::channel(64);
        if let Some(chan) = self.channels.get_mut(&channel) {
            chan.stdin = Some(stdin_tx);
        }
        tokio::spawn(commands::run_exec(
            self.shared.clone(),
            place,
            who,
            self.peer,
            line,
            writer,
            stdin_rx,
        ));
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.channels.get_mut(&channel) {
            if let Some(tx) = &c.console {
                // A flood is dropped here, before anything is copied or decoded.
                if !c.input_budget.take(data.len()) {
                    return Ok(());
                }
                // Never wait here: the session loop must keep running (it carries the
                // window adjustments the session task may be waiting for).
                if tx.try_send(SessionEvent::Data(data.to_vec())).is_err() {
                    tracing::debug!("console input queue full: input dropped");
                }
            } else if let Some(tx) = &c.stdin
                && tx.try_send(Some(data.to_vec())).is_err()
            {
                tracing::warn!("command input queue full: input dropped");
            }
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.channels.get_mut(&channel)
            && let Some(tx) = c.stdin.take()
        {
            let _ = tx.try_send(None);
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.channels.remove(&channel)
            && let Some(tx) = c.console
        {
            let _ = tx.try_send(SessionEvent::Closed);
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_w: u32,
        _pix_h: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.channels.get_mut(&channel) {
            c.pty = Some((cols, rows));
            if let Some(tx) = &c.console {
                let _ = tx.try_send(SessionEvent::Resize(cols, rows));
            }
        }
        Ok(())
    }

    /// No subsystem (sftp…): say so at once, the client must not wait.
    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::info!(peer = ?self.peer, subsystem = ?name, "subsystem refused");
        session.channel_failure(channel)?;
        Ok(())
    }

    /// No X11 forwarding.
    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    /// No agent forwarding.
    async fn agent_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<bool, Self::Error> {
        session.channel_failure(channel)?;
        Ok(false)
    }

    async fn env_request(
        &mut self,
        _channel: ChannelId,
        _name: &str,
        _value: &str,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        Ok(())
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
    }
}

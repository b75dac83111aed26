//! One SSH connection: authentication (public keys only, identity bound after the
//! signature is verified), the limits a connection and a person are held to, and the
//! channel requests that start consoles and commands. Handlers never await output: they
//! forward input to the session tasks and keep only each channel's writing half.

use super::registry::StartupSlot;
use super::session::{self, SessionEvent};
use super::{Shared, commands, input, keys};
use crate::app::{Actor, Role};
use crate::domain::{AccessEvent, LoginRefusal};
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelWriteHalf, MethodKind, MethodSet, Pty};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tracing::Instrument;

/// How long open consoles have to say goodbye before a revoked connection is closed.
const CONSOLE_FAREWELL: Duration = Duration::from_millis(500);

/// Channels open at once on one connection (OpenSSH's MaxSessions).
const MAX_CHANNELS: usize = 10;

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

#[derive(Default)]
struct Chan {
    writer: Option<ChannelWriteHalf<Msg>>,
    pty: Option<(u32, u32)>,
    console: Option<mpsc::Sender<SessionEvent>>,
    stdin: Option<mpsc::Sender<Option<Vec<u8>>>>,
    /// Bytes a console may still send now (keys and pastes: a person never sends much).
    input_budget: input::ByteBudget,
}

pub(super) struct Conn {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    who: Option<Actor>,
    /// Why this connection may not open sessions (the person already holds their most
    /// connections), told on every channel it asks for.
    refusal: Option<String>,
    /// Its place in the per-person count.
    person_slot: Option<PersonSlot>,
    channels: HashMap<ChannelId, Chan>,
    client: String,
    since: Instant,
    /// Ends the connection when the person's right to act is withdrawn.
    revocation_watch: Option<tokio::task::JoinHandle<()>>,
    /// Its place among unauthenticated connections, until it logs in.
    startup: Option<StartupSlot>,
    /// Set at login; the listener closes connections still unauthenticated after the
    /// grace time.
    pub(super) authenticated: Arc<AtomicBool>,
    /// Fingerprints of the keys offered and not enrolled (the first few), told back to
    /// the person with how to get access.
    unknown_keys: Vec<String>,
    /// The explanation was shown: the connection goes on to its refusal.
    explained: bool,
    /// Its short id (`3f9a2c`) and the span that carries it as `session=` on every log
    /// line it causes; its sessions run in it, and its person's audit records carry it.
    pub(super) session: String,
    span: tracing::Span,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(w) = self.revocation_watch.take() {
            w.abort();
        }
        self.span.in_scope(|| {
            tracing::info!(
                peer = ?self.peer,
                person = self.who.as_ref().map(|w| w.name.as_str()).unwrap_or("-"),
                duration_s = self.since.elapsed().as_secs(),
                "connection closed"
            )
        });
    }
}

impl Conn {
    /// A connection, in the span of its session id (see [`new_session_id`]).
    pub(super) fn new(
        shared: Arc<Shared>,
        peer: Option<SocketAddr>,
        slot: StartupSlot,
        session: String,
        span: tracing::Span,
    ) -> Conn {
        span.in_scope(|| tracing::info!(peer = ?peer, "connection"));
        Conn {
            session,
            span,
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
            unknown_keys: Vec::new(),
            explained: false,
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

    /// After a key that is not enrolled: more keys may be tried, then a keyboard-interactive
    /// round with no prompt carries the explanation (OpenSSH prints it) before the refusal.
    fn reject_unknown(&self) -> Auth {
        let methods: &[MethodKind] = if self.explained {
            &[MethodKind::PublicKey]
        } else {
            &[MethodKind::PublicKey, MethodKind::KeyboardInteractive]
        };
        Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(methods)),
            partial_success: false,
        }
    }

    /// The short French banner for a person whose key is not enrolled. Without accents:
    /// OpenSSH escapes every non-ASCII byte of keyboard-interactive instructions.
    fn explanation(&self) -> String {
        let mut s = String::from(
            "comptoir : cette cle n'est pas inscrite, acces refuse.\n\
             Pour obtenir un acces, envoyez son empreinte a un administrateur de comptoir :\n",
        );
        for fp in &self.unknown_keys {
            s.push_str(&format!("  {fp}\n"));
        }
        s.push_str("(ssh-keygen -lf ~/.ssh/id_ed25519.pub affiche l'empreinte d'une cle)\n");
        s
    }

    /// Counts a refused attempt against its source at once; the audit gets it with the
    /// others of the last second in one durable write, off this task.
    fn log_failed(&self, reason: LoginRefusal, fingerprint: Option<String>) {
        self.span
            .in_scope(|| tracing::debug!(peer = ?self.peer, fingerprint, ?reason, "login refused"));
        self.shared.app.metrics().login(false);
        let ip = self.peer.map(|p| p.ip());
        if let Some(ip) = ip {
            let started = self.shared.limiter.failure(ip, fingerprint.as_deref());
            for p in started {
                // Every penalty is in the journal and the audit trail, with its reason.
                self.span.in_scope(|| tracing::warn!(peer = %ip, subject = %p.subject, seconds = p.seconds, strikes = p.strikes, reason = p.reason, "penalty"));
                let app = self.shared.app.clone();
                let event = AccessEvent::Penalty {
                    subject: p.subject.to_string(),
                    reason: format!("{} ; depuis {ip}", p.reason),
                    seconds: p.seconds,
                    strikes: p.strikes,
                };
                tokio::task::spawn_blocking(move || {
                    app.record_access(&crate::app::Actor::system(), event)
                });
            }
        }
        self.shared.failed_logins.record(ip, reason, fingerprint);
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
        response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        // Only to tell someone whose key is not enrolled how to get access: no prompt,
        // nothing typed is ever accepted.
        if response.is_none() && !self.unknown_keys.is_empty() && !self.explained {
            self.explained = true;
            return Ok(Auth::Partial {
                name: "comptoir".into(),
                instructions: self.explanation().into(),
                prompts: Vec::new().into(),
            });
        }
        self.explained = true;
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
            let fingerprint = keys::fingerprint(offer.public_key);
            if self.shared.limiter.key_penalised(&fingerprint) {
                // Refused alone, without counting again: the others from the same
                // address get in as usual.
                self.shared.failed_logins.record(
                    self.peer.map(|p| p.ip()),
                    LoginRefusal::UnknownKey,
                    Some(fingerprint),
                );
                return Ok(Conn::reject());
            }
            if self.unknown_keys.len() < 3 && !self.unknown_keys.contains(&fingerprint) {
                self.unknown_keys.push(fingerprint.clone());
            }
            self.log_failed(LoginRefusal::UnknownKey, Some(fingerprint));
            Ok(self.reject_unknown())
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
        let who =
            Actor::person(&person.name, person.role, &entry.fingerprint).in_session(&self.session);
        self.who = Some(self.shared.app.grant(who));
        Ok(Auth::Accept)
    }

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        self.authenticated.store(true, Ordering::SeqCst);
        self.startup = None;
        self.client = String::from_utf8_lossy(session.remote_sshid()).into_owned();
        if let (Some(p), Some(who)) = (self.peer, &self.who) {
            self.shared
                .limiter
                .success(p.ip(), who.fingerprint.as_deref().unwrap_or(""));
        }
        if let Some(who) = &self.who {
            self.take_slots(&who.name.clone());
        }
        if let Some(grant) = self.who.as_ref().and_then(|w| w.grant.clone()) {
            let handle = session.handle();
            let span = self.span.clone();
            self.revocation_watch = Some(tokio::spawn(
                async move {
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
                }
                .instrument(span),
            ));
        }
        if let Some(who) = &self.who {
            let fingerprint = who.fingerprint.clone().unwrap_or_default();
            self.span.in_scope(|| tracing::info!(peer = ?self.peer, person = %who.name, role = %who.role, %fingerprint, client = %self.client, "login"));
            let traced = self.shared.app.try_record_access(
                who,
                AccessEvent::Login {
                    peer: self.peer.map(|p| p.ip().to_string()),
                    fingerprint: fingerprint.clone(),
                    client: self.client.clone(),
                },
            );
            self.shared
                .app
                .metrics()
                .login(traced.is_ok() || who.role == Role::Admin);
            if let Err(e) = traced {
                if who.role == Role::Admin {
                    // An admin must be able to get in to repair: the login is in the
                    // journal instead.
                    self.span.in_scope(|| tracing::error!(peer = ?self.peer, person = %who.name, %fingerprint, error = %e, "login NOT in the audit trail (admin let in, traced in this journal only)"));
                } else {
                    // A login nobody can trace is worse than a refused one.
                    self.span.in_scope(|| tracing::error!(peer = ?self.peer, person = %who.name, %fingerprint, error = %e, "login refused: the audit trail cannot be written"));
                    let msg = format!(
                        "Connexion refusée : elle ne peut pas être inscrite au journal d'audit ({e}). Prévenez un administrateur."
                    );
                    // Whatever the client sends before the disconnection arrives is refused.
                    self.refusal = Some(msg.clone());
                    session.disconnect(russh::Disconnect::ByApplication, &msg, "fr")?;
                }
            }
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
            self.span.in_scope(|| tracing::warn!(peer = ?self.peer, "channel refused: {MAX_CHANNELS} already open on this connection"));
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
        self.span.in_scope(|| tracing::info!(person = ?self.who.as_ref().map(|w| &w.name), term, cols, rows, "pty"));
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
        tokio::spawn(
            session::run_console(session::ConsoleStart {
                shared: self.shared.clone(),
                place,
                who,
                peer: self.peer,
                writer,
                events: rx,
                cols,
                rows,
            })
            .instrument(self.span.clone()),
        );
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
        tokio::spawn(
            commands::run_exec(
                self.shared.clone(),
                place,
                who,
                self.peer,
                line,
                writer,
                stdin_rx,
            )
            .instrument(self.span.clone()),
        );
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
                    self.span
                        .in_scope(|| tracing::debug!("console input queue full: input dropped"));
                }
            } else if let Some(tx) = &c.stdin
                && tx.try_send(Some(data.to_vec())).is_err()
            {
                self.span
                    .in_scope(|| tracing::warn!("command input queue full: input dropped"));
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
        self.span
            .in_scope(|| tracing::info!(peer = ?self.peer, subsystem = ?name, "subsystem refused"));
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

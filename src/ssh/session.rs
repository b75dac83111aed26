//! One console session: a task that owns its terminal, decodes input, runs the console
//! model, and sends one message per frame. A panic in it ends this session only, after
//! restoring the client's terminal.

use super::Shared;
use super::input::{Decoder, ESC_TIMEOUT, InputBudget};
use super::terminal::{ENTER, LEAVE, RemoteBackend, clamp_size};
use crate::app::queries::{SEARCH_LIMIT, SearchResult};
use crate::app::{Actor, Change};
use crate::ui::{Cmd, Console, Msg};
use ratatui::Terminal;
use russh::ChannelWriteHalf;
use russh::server::Msg as RusshMsg;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};

/// What arrives for a console session from the handler.
pub(crate) enum SessionEvent {
    Data(Vec<u8>),
    Resize(u32, u32),
    Closed,
}

pub(crate) struct ConsoleStart {
    pub shared: Arc<Shared>,
    /// The session's place among the server's; given back when it ends.
    pub place: tokio::sync::OwnedSemaphorePermit,
    pub who: Actor,
    pub peer: Option<SocketAddr>,
    pub writer: ChannelWriteHalf<RusshMsg>,
    pub events: mpsc::Receiver<SessionEvent>,
    pub cols: u32,
    pub rows: u32,
}

/// Why a session ended, and what the person is told.
#[derive(Debug)]
enum End {
    Quit,
    ClientClosed,
    Stalled,
    Message(String),
}

/// Sends a frame; a client that has not taken it within `stall` is given up on.
async fn send(
    writer: &ChannelWriteHalf<RusshMsg>,
    bytes: Vec<u8>,
    stall: Duration,
) -> Result<(), End> {
    if bytes.is_empty() {
        return Ok(());
    }
    match tokio::time::timeout(stall, writer.data_bytes(bytes)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::ClientClosed),
        Err(_) => Err(End::Stalled),
    }
}

/// Supervises the session: runs it in its own task so that a panic is caught here.
pub(crate) async fn run_console(start: ConsoleStart) {
    let ConsoleStart {
        shared,
        place,
        who,
        peer,
        writer,
        events,
        cols,
        rows,
    } = start;
    let writer = Arc::new(writer);
    let stall = shared.config.output_stall;
    let started = Instant::now();
    let (registration, kill) =
        shared
            .sessions
            .register(super::session_info(&who, peer, "console", shared.app.now()));
    let id = registration.id;
    tracing::info!(session = id, person = %who.name, cols, rows, "console opened");
    let inner = tokio::spawn(console_loop(
        shared.clone(),
        who.clone(),
        writer.clone(),
        events,
        kill,
        cols,
        rows,
    ));
    let (end, status) = match inner.await {
        Ok(end) => {
            let status = if matches!(end, End::Quit) { 0 } else { 1 };
            (end, status)
        }
        Err(e) => {
            tracing::error!(session = id, person = %who.name, "console task failed: {e}");
            (
                End::Message(
                    "Erreur interne : la session a été fermée (les autres sessions continuent)."
                        .into(),
                ),
                1,
            )
        }
    };
    // The goodbye has a deadline too: a client that stopped reading cannot keep this
    // session (and its place) alive.
    if !matches!(end, End::ClientClosed | End::Stalled) {
        let mut bytes = LEAVE.to_vec();
        if let End::Message(m) = &end {
            bytes.extend_from_slice(format!("{m}\r\n").as_bytes());
        }
        if send(&writer, bytes, stall).await.is_ok() {
            let _ = tokio::time::timeout(stall, async {
                let _ = writer.exit_status(status).await;
                let _ = writer.eof().await;
            })
            .await;
        }
    }
    let _ = tokio::time::timeout(stall, writer.close()).await;
    drop(registration);
    drop(place);
    tracing::info!(session = id, person = %who.name, reason = ?end, duration_s = started.elapsed().as_secs(), "console closed");
}

async fn console_loop(
    shared: Arc<Shared>,
    who: Actor,
    writer: Arc<ChannelWriteHalf<RusshMsg>>,
    mut events: mpsc::Receiver<SessionEvent>,
    mut kill: mpsc::UnboundedReceiver<String>,
    cols: u32,
    rows: u32,
) -> End {
    let mut console = Console::new(
        shared.app.clone(),
        who.clone(),
        shared.themes(),
        shared.ssh_hint.clone(),
    );
    if who.role == crate::app::Role::Admin {
        console = console.with_access(std::sync::Arc::new(super::access::AccessService::new(
            shared.clone(),
        )));
    }
    let mut terminal = match Terminal::new(RemoteBackend::new(clamp_size(cols, rows))) {
        Ok(t) => t,
        Err(e) => return End::Message(format!("terminal : {e}")),
    };
    if let Err(e) = send(&writer, ENTER.to_vec(), shared.config.output_stall).await {
        return e;
    }
    let mut decoder = Decoder::default();
    let mut budget = InputBudget::default();
    let mut flooding = false;
    let mut changes = shared.app.subscribe();
    let mut access = shared.subscribe_access();
    let mut shutdown = shared.shutdown.clone();
    // Search answers: a page as soon as it is known, then the last word (the exact count,
    // or `None` when a newer keystroke cancelled it).
    let (found_tx, mut found_rx) =
        mpsc::channel::<(crate::ui::SearchTarget, Option<SearchResult>, bool)>(8);
    // The search this session wants now: a newer one cancels the count of an older one.
    let search_seq = Arc::new(AtomicU64::new(0));
    // Confirmed operations run on the blocking pool; their result comes back here.
    let (done_tx, mut done_rx) = mpsc::channel::<Msg>(4);
    let mut search_busy = false;
    let mut search_next: Option<Cmd> = None;
    let mut last_input = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut ticks = 0u64;
    let mut dirty = true;
    loop {
        if dirty {
            if let Err(e) = terminal.draw(|f| console.draw(f)) {
                return End::Message(format!("affichage : {e}"));
            }
            let bytes = terminal.backend_mut().take();
            if let Err(e) = send(&writer, bytes, shared.config.output_stall).await {
                return e;
            }
            dirty = false;
        }
        if console.quitting() {
            return End::Quit;
        }
        let mut cmds = Vec::new();
        let esc_wait = if decoder.waiting() {
            ESC_TIMEOUT
        } else {
            Duration::from_secs(3600)
        };
        tokio::select! {
            ev = events.recv() => match ev {
                Some(SessionEvent::Data(bytes)) => {
                    last_input = Instant::now();
                    let mut dropped = 0usize;
                    for input in decoder.feed(&bytes) {
                        if budget.take() {
                            cmds.extend(console.update(Msg::Input(input)));
                        } else {
                            dropped += 1;
                        }
                    }
                    if dropped > 0 && !flooding {
                        tracing::warn!(person = %who.name, dropped, "console input beyond the budget dropped");
                    }
                    flooding = dropped > 0;
                    dirty = true;
                }
                Some(SessionEvent::Resize(c, r)) => {
                    let size = clamp_size(c, r);
                    terminal.backend_mut().set_size(size);
                    tracing::info!(person = %who.name, cols = size.width, rows = size.height, "resize");
                    if let Err(e) = terminal.autoresize() {
                        return End::Message(format!("affichage : {e}"));
                    }
                    dirty = true;
                }
                Some(SessionEvent::Closed) | None => return End::ClientClosed,
            },
            _ = tokio::time::sleep(esc_wait) => {
                for input in decoder.flush() {
                    cmds.extend(console.update(Msg::Input(input)));
                }
                dirty = true;
            }
            change = changes.recv() => {
                match change {
                    Ok(c) => { console.update(Msg::Changed(c)); }
                    Err(broadcast::error::RecvError::Lagged(_)) => { console.update(Msg::Changed(Change::everything())); }
                    Err(broadcast::error::RecvError::Closed) => return End::Message("Le serveur s'arrête.".into()),
                }
                // A change that concerns nothing on this screen costs no frame.
                dirty |= console.wants_redraw();
            }
            Some(done) = done_rx.recv() => {
                cmds.extend(console.update(done));
                dirty = true;
            }
            found = found_rx.recv() => {
                let (target, result, last) = found.unwrap_or((crate::ui::SearchTarget::Customers, None, true));
                if let Some(result) = result {
                    console.update(Msg::Found(target, result));
                    dirty = true;
                }
                if last {
                    search_busy = false;
                    if let Some(next) = search_next.take() {
                        cmds.push(next);
                    }
                }
            }
            changed = access.changed() => {
                if changed.is_err() {
                    return End::Message("Le serveur s'arrête.".into());
                }
                let list = access.borrow_and_update().clone();
                match list.still_allowed(&who.name, who.fingerprint.as_deref().unwrap_or_default()) {
                    None => return End::Message("Votre clé a été révoquée : session terminée.".into()),
                    Some(role) if role != who.role => {
                        return End::Message(format!("Votre rôle est maintenant « {role} » : reconnectez-vous."));
                    }
                    Some(_) => {}
                }
            }
            msg = kill.recv() => {
                return End::Message(msg.unwrap_or_else(|| "Session terminée par un administrateur.".into()));
            }
            _ = shutdown.changed() => {
                return End::Message("Le serveur s'arrête : session terminée. À bientôt.".into());
            }
            _ = tick.tick() => {
                ticks += 1;
                if last_input.elapsed() >= shared.config.idle_timeout {
                    let minutes = shared.config.idle_timeout.as_secs() / 60;
                    return End::Message(format!("Session fermée après {minutes} min d'inactivité."));
                }
                // Clock in the header and expiring status lines: once a minute is enough.
                if ticks.is_multiple_of(60) {
                    console.update(Msg::Tick);
                    dirty = true;
                }
            }
        }
        for cmd in cmds {
            match cmd {
                Cmd::Search {
                    target,
                    query,
                    previous,
                } => {
                    // A newer search: the count of the one running is no longer wanted.
                    let mine = search_seq.fetch_add(1, Ordering::SeqCst) + 1;
                    if search_busy {
                        search_next = Some(Cmd::Search {
                            target,
                            query,
                            previous,
                        });
                        continue;
                    }
                    search_busy = true;
                    let (app, tx, seq) = (shared.app.clone(), found_tx.clone(), search_seq.clone());
                    let submitted = shared.pool.submit(move || {
                        let cancelled = move || seq.load(Ordering::SeqCst) != mine;
                        // The last word is always sent, even after a panic, or the console
                        // would wait for it forever.
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            app.search_customers_progressive(
                                &query,
                                previous.as_ref(),
                                SEARCH_LIMIT,
                                |page| {
                                    let _ = tx.blocking_send((target, Some(page.clone()), false));
                                },
                                &cancelled,
                            )
                        }))
                        .unwrap_or_else(|_| {
                            tracing::error!("a search panicked");
                            None
                        });
                        let _ = tx.blocking_send((target, result, true));
                    });
                    if submitted.is_err() {
                        search_busy = false;
                        tracing::warn!("search pool full");
                    }
                }
                Cmd::Execute(job) => {
                    let (app, me, tx) = (shared.app.clone(), who.clone(), done_tx.clone());
                    tokio::task::spawn_blocking(move || {
                        // A panic in the use case is caught: the console hears of it.
                        let msg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            job.run(&app, &me)
                        }))
                        .unwrap_or_else(|_| Msg::failed("erreur interne pendant l'opération : vérifiez son état avant de recommencer"));
                        let _ = tx.blocking_send(msg);
                    });
                }
            }
        }
    }
}

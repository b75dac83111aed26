//! One console session: a task that owns its terminal, decodes input, runs the console
//! model, and sends one message per frame. A panic in it ends this session only, after
//! restoring the client's terminal.

use super::input::{Decoder, ESC_TIMEOUT, InputBudget};
use super::terminal::{ENTER, LEAVE, RemoteBackend, clamp_size};
use super::{AccessList, Shared};
use crate::app::search_session::SearchSession;
use crate::app::{Actor, Change};
use crate::ui::{Cmd, Console, Job, Msg};
use ratatui::Terminal;
use russh::ChannelWriteHalf;
use russh::server::Msg as RusshMsg;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};
use tracing::Instrument;

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
    tracing::info!(session_no = id, person = %who.name, cols, rows, "console opened");
    let inner = tokio::spawn(
        console_loop(
            shared.clone(),
            who.clone(),
            writer.clone(),
            events,
            kill,
            (cols, rows),
            registration.activity(),
        )
        .in_current_span(),
    );
    let (end, status) = match inner.await {
        Ok(end) => {
            let status = if matches!(end, End::Quit) { 0 } else { 1 };
            (end, status)
        }
        Err(e) => {
            tracing::error!(session_no = id, person = %who.name, "console task failed: {e}");
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
    tracing::info!(session_no = id, person = %who.name, reason = ?end, duration_s = started.elapsed().as_secs(), "console closed");
}

/// The console of `who`, with the Accès tab for those who manage access.
fn open_console(shared: &Arc<Shared>, who: &Actor) -> Console {
    let console = Console::new(
        shared.app.clone(),
        who.clone(),
        shared.themes(),
        shared.ssh_hint.clone(),
    );
    if crate::app::Permission::ManageAccess.allows(who.role) {
        console.with_access(std::sync::Arc::new(super::access::AccessService::new(
            shared.clone(),
        )))
    } else {
        console
    }
}

/// Whether an access change ends this session: its key revoked, its role changed.
fn access_end(list: &AccessList, who: &Actor) -> Option<End> {
    match list.still_allowed(&who.name, who.fingerprint.as_deref().unwrap_or_default()) {
        None => Some(End::Message(
            "Votre clé a été révoquée : session terminée.".into(),
        )),
        Some(role) if role != who.role => Some(End::Message(format!(
            "Votre rôle est maintenant « {role} » : reconnectez-vous."
        ))),
        Some(_) => None,
    }
}

/// The idle lock's goodbye.
fn idle_end(idle: Duration) -> End {
    let after = if idle.as_secs() >= 60 {
        format!("{} min", idle.as_secs() / 60)
    } else {
        format!("{} s", idle.as_secs().max(1))
    };
    End::Message(format!(
        "Session fermée après {after} sans frappe (verrouillage d'inactivité, [server] idle_minutes) : reconnectez-vous. À bientôt."
    ))
}

/// A confirmed operation, run on the blocking pool; its result comes back on `done`.
/// A panic in the use case is caught: the console hears of it.
fn execute(shared: &Arc<Shared>, who: &Actor, job: Job, done: mpsc::Sender<Msg>) {
    let (app, me) = (shared.app.clone(), who.clone());
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _in = span.enter();
        let msg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&app, &me)))
            .unwrap_or_else(|_| {
                Msg::failed(
                    "erreur interne pendant l'opération : vérifiez son état avant de recommencer",
                )
            });
        let _ = done.blocking_send(msg);
    });
}

async fn console_loop(
    shared: Arc<Shared>,
    who: Actor,
    writer: Arc<ChannelWriteHalf<RusshMsg>>,
    mut events: mpsc::Receiver<SessionEvent>,
    mut kill: mpsc::UnboundedReceiver<String>,
    (cols, rows): (u32, u32),
    activity: Arc<std::sync::atomic::AtomicU64>,
) -> End {
    let mut console = open_console(&shared, &who);
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
    // The console's searches: it submits what is typed, and shows what they answer.
    let mut searches = SearchSession::new(shared.app.clone(), shared.pool.clone());
    // Confirmed operations run on the blocking pool; their result comes back here.
    let (done_tx, mut done_rx) = mpsc::channel::<Msg>(4);
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
                    super::registry::touch(&activity);
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
            found = searches.answer() => {
                console.update(Msg::Found(found.target, found.result));
                dirty = true;
            }
            changed = access.changed() => {
                if changed.is_err() {
                    return End::Message("Le serveur s'arrête.".into());
                }
                let list = access.borrow_and_update().clone();
                if let Some(end) = access_end(&list, &who) {
                    return end;
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
                if let Some(idle) = shared.config.idle_timeout
                    && last_input.elapsed() >= idle
                {
                    return idle_end(idle);
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
                Cmd::Search { target, query } => searches.submit(target, query),
                Cmd::Execute(job) => execute(&shared, &who, job, done_tx.clone()),
            }
        }
    }
}

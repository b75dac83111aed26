//! Accepting connections the way a well-kept sshd does: an error from `accept` (out of
//! file descriptors, say) is survived with a back-off; a connection that has not logged
//! in within the grace time is closed; unauthenticated connections beyond a threshold are
//! dropped at random, then all of them (MaxStartups); every live connection is known, so
//! that a shutdown can close them.

use super::Shared;
use super::conn::Conn;
use super::registry::StartupSlot;
use russh::server::Handle;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tracing::Instrument;

const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Every live connection's handle, to close them at shutdown.
#[derive(Default)]
pub(crate) struct Connections {
    next: AtomicU64,
    live: Mutex<HashMap<u64, Handle>>,
}

impl Connections {
    fn add(&self, h: Handle) -> u64 {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, h);
        id
    }

    fn remove(&self, id: u64) {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Closes every connection with `reason`.
    pub(crate) async fn close_all(&self, reason: &str) {
        let all: Vec<Handle> = self
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, h)| h)
            .collect();
        for h in all {
            let _ = h
                .disconnect(
                    russh::Disconnect::ByApplication,
                    reason.to_string(),
                    "fr".into(),
                )
                .await;
        }
    }
}

/// A connection's short id: 6 hex digits, random (so that ids of different days and
/// restarts rarely meet), shown as `session=` in the journal and carried by the audit.
pub(crate) fn new_session_id() -> String {
    format!("{:06x}", rand::random::<u32>() & 0xff_ffff)
}

/// Accepts connections until the task is aborted. Never returns on an `accept` error.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                backoff = MIN_BACKOFF;
                if shared.limiter.refuse_at_accept(peer.ip()) {
                    tracing::debug!(%peer, "refused: too many failed logins from this address");
                    continue;
                }
                let Some(slot) = shared.startups.admit_from(peer.ip()) else {
                    tracing::debug!(%peer, waiting = shared.startups.waiting(), sources = shared.startups.sources_waiting(), "dropped: too many unauthenticated connections (from this source, or in all)");
                    continue;
                };
                let session = new_session_id();
                // At the error level, so that it is enabled whatever the filter: a warning of this
                // connection carries its id under RUST_LOG=warn too.
                let span = tracing::error_span!("ssh", session = %session);
                tokio::spawn(
                    serve(socket, peer, config.clone(), shared.clone(), slot, session)
                        .instrument(span),
                );
            }
            Err(e) => {
                // EMFILE and friends: the listener stays, new connections wait in the
                // kernel's queue until descriptors are free again.
                tracing::warn!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One connection: the SSH handshake and login within the grace time, then its life.
async fn serve(
    socket: TcpStream,
    peer: SocketAddr,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    slot: StartupSlot,
    session: String,
) {
    let _ = socket.set_nodelay(true);
    let grace = shared.config.login_grace;
    let deadline = tokio::time::Instant::now() + grace;
    let conn = Conn::new(
        shared.clone(),
        Some(peer),
        slot,
        session,
        tracing::Span::current(),
    );
    let authenticated = conn.authenticated.clone();
    let session =
        match tokio::time::timeout_at(deadline, russh::server::run_stream(config, socket, conn))
            .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::debug!(%peer, "handshake failed: {e}");
                return;
            }
            Err(_) => {
                tracing::info!(%peer, "closed: no SSH handshake within the login grace time");
                return;
            }
        };
    let handle = session.handle();
    let id = shared.connections.add(handle.clone());
    let grace_watch = tokio::spawn(
        async move {
            tokio::time::sleep_until(deadline).await;
            if !authenticated.load(Ordering::SeqCst) {
                tracing::info!(%peer, "closed: not logged in within the login grace time");
                let _ = handle
                    .disconnect(
                        russh::Disconnect::ByApplication,
                        "délai de connexion dépassé".into(),
                        "fr".into(),
                    )
                    .await;
            }
        }
        .in_current_span(),
    );
    if let Err(e) = session.await {
        tracing::debug!(%peer, "connection ended: {e}");
    }
    grace_watch.abort();
    shared.connections.remove(id);
}

/// glibc gives each thread that allocates concurrently its own heap (up to 8 per core),
/// and each keeps what it freed: with a million customers, the searches' large temporary
/// vectors spread over a dozen heaps left the server at 1 054 MB where one heap stays at
/// 837 MB (`bench ssh --data 1M --search-sessions 50`). Two heaps, one per core, keep
/// allocation contention low. Call before threads start.
pub fn limit_malloc_heaps() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator (under its own lock).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Raises this process's soft limit of open files to its hard limit, so that the limit
/// an administrator set is the one in force. Returns (soft, hard) after the change.
pub fn raise_open_files_limit() -> Option<(u64, u64)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
    Some((lim.rlim_cur as u64, lim.rlim_max as u64))
}

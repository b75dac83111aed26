//! `GET /metrics` for Prometheus (`[metrics] listen`): a deliberately small HTTP/1.1
//! responder — one request per connection, a bounded head read within a deadline, a few
//! connections at once — around the exposition that `prometheus-client` encodes
//! (`App::metrics_text`). It is bound on loopback unless the configuration allows more.

use super::Shared;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The most of a request head read (a scraper sends a few hundred bytes).
const MAX_HEAD: usize = 8 * 1024;
/// A client that has not sent its request by then is dropped.
const READ_DEADLINE: Duration = Duration::from_secs(5);
/// Scrapes answered at once; more wait in the kernel's queue.
const MAX_CONNECTIONS: usize = 8;

/// The content type of the OpenMetrics text that prometheus-client writes.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let (mut socket, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("metrics: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let head = match tokio::time::timeout(READ_DEADLINE, read_head(&mut socket)).await {
                Ok(Some(h)) => h,
                _ => {
                    tracing::debug!(%peer, "metrics: no complete request");
                    return;
                }
            };
            let (status, body) = answer(&head, &shared).await;
            let content_type = if status == "200 OK" {
                CONTENT_TYPE
            } else {
                "text/plain; charset=utf-8"
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = tokio::time::timeout(READ_DEADLINE, async {
                socket.write_all(response.as_bytes()).await?;
                socket.write_all(body.as_bytes()).await?;
                socket.shutdown().await
            })
            .await;
        });
    }
}

/// The request line and headers, up to the blank line; `None` if too long or cut.
async fn read_head(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
}

async fn answer(head: &str, shared: &Arc<Shared>) -> (&'static str, String) {
    let line = head.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    if path != "/metrics" {
        return ("404 Not Found", "only /metrics is served here\n".into());
    }
    if method != "GET" {
        return ("405 Method Not Allowed", "GET /metrics\n".into());
    }
    let roles: Vec<_> = shared.sessions.list().iter().map(|s| s.role).collect();
    let app = shared.app.clone();
    // Reading the Chorus queue touches the store: off the async threads.
    match tokio::task::spawn_blocking(move || app.metrics_text(&roles)).await {
        Ok(text) if !text.is_empty() => ("200 OK", text),
        _ => (
            "500 Internal Server Error",
            "metrics could not be encoded\n".into(),
        ),
    }
}

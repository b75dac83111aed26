//! The loopback SSH client that the benchmarks, `tests/ssh/` and `tests/hostile/`
//! share (the tests include this file with `#[path]`). It trusts any host key: it only ever talks to a server its own
//! process started on 127.0.0.1, and it is compiled into no server build.

use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
use russh::{ChannelMsg, client};
use std::sync::Arc;

/// A client handler that accepts any host key: only for loopback measurements and tests
/// against a server this process started itself.
pub(super) struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Connects to a loopback server and authenticates with `key` as `user`.
pub(super) async fn connect_with_key(
    addr: std::net::SocketAddr,
    user: &str,
    key: &PrivateKey,
) -> Result<client::Handle<Trusting>, String> {
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let mut h = client::connect(config, addr, Trusting)
        .await
        .map_err(|e| e.to_string())?;
    let auth = h
        .authenticate_publickey(
            user,
            PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None),
        )
        .await
        .map_err(|e| e.to_string())?;
    if auth.success() {
        Ok(h)
    } else {
        Err("authentication refused".into())
    }
}

/// What a command sent back: stdout, stderr, exit status (`u32::MAX` when none came).
pub(super) type Ran = (Vec<u8>, Vec<u8>, u32);

/// Runs `cmd` on an open connection, with `stdin` if given, and collects what it sends
/// for at most 30 s; `None` when the connection refuses the channel or the request.
pub(super) async fn exec_on(
    h: &client::Handle<Trusting>,
    cmd: &str,
    stdin: Option<&[u8]>,
) -> Option<Ran> {
    let mut ch = h.channel_open_session().await.ok()?;
    ch.exec(true, cmd).await.ok()?;
    if let Some(data) = stdin {
        let _ = ch.data(data).await;
    }
    let _ = ch.eof().await;
    let (mut out, mut err, mut status) = (Vec::new(), Vec::new(), u32::MAX);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ch.wait()).await {
        match msg {
            ChannelMsg::Data { data } => out.extend_from_slice(&data),
            ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => status = exit_status,
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    Some((out, err, status))
}

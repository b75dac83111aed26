//! The loopback SSH client that the benchmarks and `tests/ssh.rs` share (the tests include
//! this file with `#[path]`). It trusts any host key: it only ever talks to a server its own
//! process started on 127.0.0.1, and it is compiled into no server build.

use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
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

//! The vocabulary of access administration, shared by the SSH edge (which keeps the keys in
//! `keys/` and the live sessions) and the console (which shows and changes them): plain
//! values and typed results, no key parsing, no files.

use super::{App, AppError};
use crate::domain::{AccessEvent, AuditRecord, Role, Timestamp};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use thiserror::Error;

/// One enrolled key, as `ssh-keygen -l` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `ED25519`, `ECDSA`, `RSA`.
    #[serde(rename = "type")]
    pub kind: String,
    pub bits: u32,
    /// `SHA256:…`.
    pub fingerprint: String,
    pub comment: String,
}

/// A person who may connect, and their keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonInfo {
    pub name: String,
    pub role: Role,
    pub keys: Vec<KeyInfo>,
}

/// Everything `keys/` says, plus what could not be read.
#[derive(Clone, Debug, Default)]
pub struct AccessOverview {
    pub people: Vec<PersonInfo>,
    /// `keys/staff/bob.pub:3: …`.
    pub problems: Vec<String>,
}

/// One live session (console or command).
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub id: u64,
    pub person: String,
    pub role: Role,
    pub fingerprint: String,
    pub peer: Option<SocketAddr>,
    pub started: Timestamp,
    /// `console` or the command being run.
    pub what: String,
}

/// A person's last successful login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastLogin {
    pub at: Timestamp,
    /// The client's address, `?` when unknown.
    pub source: String,
}

/// Why an access change was refused; the message is for the admin who asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct AccessError(pub String);

impl From<AppError> for AccessError {
    fn from(e: AppError) -> AccessError {
        AccessError(e.to_string())
    }
}

/// A person revoked, and how many of their sessions were ended.
#[derive(Clone, Debug)]
pub struct PersonRevoked {
    pub person: PersonInfo,
    pub sessions_ended: usize,
}

/// How far back the last logins are looked for.
const LOGIN_HISTORY: usize = 20_000;

impl App {
    /// Last login per person, from the newest audit records.
    pub fn last_logins(&self) -> HashMap<String, LastLogin> {
        let mut out = HashMap::new();
        for r in self.audit(0, LOGIN_HISTORY).unwrap_or_default() {
            if let Some(AccessEvent::Login { peer, .. }) = &r.access {
                out.entry(r.actor.name.clone())
                    .or_insert_with(|| LastLogin {
                        at: r.at,
                        source: peer.clone().unwrap_or_else(|| "?".into()),
                    });
            } else if r.access.is_none() && r.action == crate::domain::Action::Login {
                // Written before access events were data: the source follows " depuis ".
                let source = r
                    .detail
                    .split(" depuis ")
                    .nth(1)
                    .and_then(|s| s.split(' ').next())
                    .unwrap_or("?")
                    .to_string();
                out.entry(r.actor.name.clone())
                    .or_insert(LastLogin { at: r.at, source });
            }
        }
        out
    }

    /// The newest access events (logins, refusals, key and role changes), newest first.
    pub fn recent_access_events(&self, n: usize) -> Vec<AuditRecord> {
        self.audit(0, 2000)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.action.is_access())
            .take(n)
            .collect()
    }
}

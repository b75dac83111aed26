//! The vocabulary of access administration, shared by the SSH edge (which keeps the keys in
//! `keys/` and the live sessions) and the console (which shows and changes them): plain
//! values and typed results, no key parsing, no files.

use super::{App, AppError};
use crate::domain::{AccessEvent, AuditRecord, Role, Timestamp};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
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
    /// A console's time since its last keystroke, in seconds.
    pub idle_secs: Option<u64>,
    /// The SSH connection's id (`3f9a2c`), as the journal's `session=` and the audit show it.
    pub connection: Option<String>,
}

impl SessionInfo {
    /// What it does, and for a console how long it has been idle.
    pub fn activity(&self) -> String {
        match self.idle_secs {
            Some(s) if s >= 60 => format!("{}, inactive depuis {} min", self.what, s / 60),
            Some(_) => format!("{}, active", self.what),
            None => self.what.clone(),
        }
    }
}

/// A source or a key refused for a while after repeated failed logins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PenaltyInfo {
    /// « adresse 192.0.2.7 », « adresse 2001:db8:1:2::/64 », « clé SHA256:… ».
    pub subject: String,
    pub remaining_secs: u64,
    /// How many times in a row (each one twice as long, up to 16 times).
    pub strikes: u32,
}

impl PenaltyInfo {
    /// One line in French.
    pub fn describe(&self) -> String {
        format!(
            "{} refusée encore {} s (pénalité n° {})",
            self.subject, self.remaining_secs, self.strikes
        )
    }
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

/// The rules of access changes, whatever carries them (the `keys/` files, a command, the
/// Accès tab): the shop always keeps an admin, and one key is one person. The transport
/// (`ssh::keys`) reads the facts and writes the files; it decides nothing.
pub mod policy {
    use super::{AccessError, Role};

    fn refuse<T>(why: String) -> Result<T, AccessError> {
        Err(AccessError(why))
    }

    /// A key may be added to `name` (as `role`) unless another person holds it, and only
    /// in the role the person already has.
    pub fn add_key(
        name: &str,
        role: Role,
        holder: Option<(&str, &str)>,
        current: Option<Role>,
    ) -> Result<Role, AccessError> {
        if let Some((owner, fingerprint)) = holder {
            return refuse(format!(
                "la clé {fingerprint} est déjà attribuée à {owner} : une clé = une personne"
            ));
        }
        match current {
            Some(r) if r != role => refuse(format!(
                "{name} est déjà {r} : changez son rôle d'abord (keys role {name} {role})"
            )),
            Some(r) => Ok(r),
            None => Ok(role),
        }
    }

    /// A person may be revoked unless they are the last admin.
    pub fn revoke_person(name: &str, role: Role, admins: usize) -> Result<(), AccessError> {
        if role == Role::Admin && admins <= 1 {
            return refuse(format!(
                "{name} est le dernier administrateur : ajoutez-en un autre avant de le révoquer"
            ));
        }
        Ok(())
    }

    /// One of a person's keys may be revoked unless it is the last admin's only key.
    pub fn revoke_key(
        name: &str,
        role: Role,
        keys: usize,
        admins: usize,
    ) -> Result<(), AccessError> {
        if role == Role::Admin && keys == 1 && admins <= 1 {
            return refuse(format!(
                "c'est la seule clé du dernier administrateur ({name}) : refusé"
            ));
        }
        Ok(())
    }

    /// A person may move from `from` to another role, unless they are the last admin.
    pub fn change_role(name: &str, from: Role, to: Role, admins: usize) -> Result<(), AccessError> {
        if from == to {
            return refuse(format!("{name} est déjà {to}"));
        }
        if from == Role::Admin && admins <= 1 {
            return refuse(format!(
                "{name} est le dernier administrateur : il ne peut pas devenir {to}"
            ));
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_shop_keeps_an_admin_and_a_key_is_one_person() {
            assert!(add_key("eve", Role::Staff, Some(("paul", "SHA256:x")), None).is_err());
            assert!(add_key("eve", Role::Admin, None, Some(Role::Staff)).is_err());
            assert_eq!(
                add_key("eve", Role::Comptable, None, None),
                Ok(Role::Comptable)
            );
            assert!(revoke_person("marie", Role::Admin, 1).is_err());
            assert!(revoke_person("marie", Role::Admin, 2).is_ok());
            assert!(revoke_key("marie", Role::Admin, 1, 1).is_err());
            assert!(revoke_key("marie", Role::Admin, 2, 1).is_ok());
            let e = change_role("marie", Role::Admin, Role::Comptable, 1).unwrap_err();
            assert!(e.0.contains("ne peut pas devenir comptable"), "{e}");
            assert!(change_role("paul", Role::Staff, Role::Staff, 2).is_err());
            assert!(change_role("paul", Role::Staff, Role::Comptable, 1).is_ok());
        }
    }
}

/// A person revoked, and how many of their sessions were ended.
#[derive(Clone, Debug)]
pub struct PersonRevoked {
    pub person: PersonInfo,
    pub sessions_ended: usize,
}

/// A logged-in person's right to act, as of their login. Withdrawn (never given back)
/// when their key is revoked or their role changes; their connection then ends.
#[derive(Debug)]
pub struct Grant {
    person: String,
    fingerprint: String,
    role: Role,
    valid: AtomicBool,
    withdrawn: tokio::sync::Notify,
}

impl Grant {
    pub fn person(&self) -> &str {
        &self.person
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_valid(&self) -> bool {
        self.valid.load(Ordering::SeqCst)
    }

    /// Resolves once the right is withdrawn.
    pub async fn withdrawn(&self) {
        let notified = self.withdrawn.notified();
        if !self.is_valid() {
            return;
        }
        notified.await;
    }

    fn withdraw(&self) {
        self.valid.store(false, Ordering::SeqCst);
        self.withdrawn.notify_waiters();
    }
}

/// Two grants are the same only if they are the same login.
impl PartialEq for Grant {
    fn eq(&self, other: &Grant) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Grant {}

/// The rights given to logged-in people (weakly held: a grant lives as long as the
/// connection's actor).
#[derive(Default)]
pub(crate) struct Grants {
    live: Mutex<Vec<Weak<Grant>>>,
}

impl Grants {
    pub(crate) fn give(&self, actor: &super::Actor) -> Arc<Grant> {
        let grant = Arc::new(Grant {
            person: actor.name.clone(),
            fingerprint: actor.fingerprint.clone().unwrap_or_default(),
            role: actor.role,
            valid: AtomicBool::new(true),
            withdrawn: tokio::sync::Notify::new(),
        });
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|w| w.strong_count() > 0);
        live.push(Arc::downgrade(&grant));
        grant
    }

    pub(crate) fn withdraw(&self, stale: impl Fn(&Grant) -> bool) {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        for g in live.iter().filter_map(Weak::upgrade) {
            if g.is_valid() && stale(&g) {
                g.withdraw();
            }
        }
    }
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

/// One enrolled key as the access snapshot remembers it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyRecord {
    pub person: String,
    pub role: Role,
    pub fingerprint: String,
    pub kind: String,
    pub comment: String,
}

/// Where the last known key list is kept (a preference name no person can have).
const SNAPSHOT: &str = "\u{0}access-snapshot";

/// The changes from `before` to `now`, as access events.
pub fn access_changes(before: &[KeyRecord], now: &[KeyRecord]) -> Vec<AccessEvent> {
    let mut out = Vec::new();
    let find = |list: &[KeyRecord], fp: &str| list.iter().find(|k| k.fingerprint == fp).cloned();
    let mut role_changed: Vec<String> = Vec::new();
    for k in now {
        match find(before, &k.fingerprint) {
            None => out.push(AccessEvent::KeyAdded {
                person: k.person.clone(),
                role: k.role,
                fingerprint: k.fingerprint.clone(),
                kind: k.kind.clone(),
                comment: k.comment.clone(),
            }),
            Some(old) if old.person == k.person && old.role != k.role => {
                if !role_changed.contains(&k.person) {
                    role_changed.push(k.person.clone());
                    out.push(AccessEvent::RoleChanged {
                        person: k.person.clone(),
                        before: old.role,
                        after: k.role,
                    });
                }
            }
            Some(old) if old.person != k.person => {
                // The same key moved to another person: removed, then added.
                out.push(AccessEvent::KeyRevoked {
                    person: old.person.clone(),
                    fingerprint: old.fingerprint.clone(),
                });
                out.push(AccessEvent::KeyAdded {
                    person: k.person.clone(),
                    role: k.role,
                    fingerprint: k.fingerprint.clone(),
                    kind: k.kind.clone(),
                    comment: k.comment.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for k in before {
        if find(now, &k.fingerprint).is_none() {
            out.push(AccessEvent::KeyRevoked {
                person: k.person.clone(),
                fingerprint: k.fingerprint.clone(),
            });
        }
    }
    out
}

/// Whether `event` is one of those already recorded (by an admin command).
fn already_recorded(event: &AccessEvent, recorded: &[AccessEvent]) -> bool {
    recorded.iter().any(|r| match (r, event) {
        (
            AccessEvent::KeyAdded { fingerprint: a, .. },
            AccessEvent::KeyAdded { fingerprint: b, .. },
        )
        | (
            AccessEvent::KeyRevoked { fingerprint: a, .. },
            AccessEvent::KeyRevoked { fingerprint: b, .. },
        ) => a == b,
        (
            AccessEvent::PersonRevoked { fingerprints, .. },
            AccessEvent::KeyRevoked { fingerprint, .. },
        ) => fingerprints.contains(fingerprint),
        (
            AccessEvent::RoleChanged { person: a, .. },
            AccessEvent::RoleChanged { person: b, .. },
        ) => a == b,
        _ => false,
    })
}

impl App {
    /// Brings the audit trail up to date with `keys/`: every change since the last known
    /// list is recorded, authored by `author` (a local `comptoir keys` command, or a file
    /// edited by hand), except those an admin command already `recorded`. The first time
    /// (no list known yet), only `baseline_authored` changes are recorded: the keys found
    /// then predate the trail. Returns the events recorded.
    pub fn sync_access(
        &self,
        now: &[KeyRecord],
        recorded: &[AccessEvent],
        author: &dyn Fn(&AccessEvent) -> Option<super::Actor>,
    ) -> Result<Vec<AccessEvent>, AppError> {
        let mut now = now.to_vec();
        now.sort_by(|a, b| {
            (&a.person, a.role.label(), &a.fingerprint).cmp(&(
                &b.person,
                b.role.label(),
                &b.fingerprint,
            ))
        });
        let at = self.now();
        let written = self.store.write(|tx| {
            let before: Option<Vec<KeyRecord>> = tx
                .preference(SNAPSHOT)?
                .and_then(|b| serde_json::from_slice(&b).ok());
            let changes = access_changes(before.as_deref().unwrap_or_default(), &now);
            let mut out = Vec::new();
            for event in changes {
                if already_recorded(&event, recorded) {
                    continue;
                }
                // Without a known list, only changes someone is known to have made count.
                let actor = match (author(&event), before.is_some()) {
                    (Some(a), _) => a,
                    (None, true) => super::Actor::hand_edit(),
                    (None, false) => continue,
                };
                tx.append_audit(AuditRecord::of_access(at, actor.reference(), event.clone()))?;
                out.push(event);
            }
            let bytes = serde_json::to_vec(&now)
                .map_err(|e| crate::store::StoreError::Db(format!("access snapshot: {e}")))?;
            tx.set_preference(SNAPSHOT, &bytes)?;
            Ok::<_, AppError>(out)
        })?;
        if !written.is_empty() {
            self.publish_access_change();
        }
        Ok(written)
    }
}

#[cfg(test)]
mod sync_tests {
    use super::*;

    fn key(person: &str, role: Role, fp: &str) -> KeyRecord {
        KeyRecord {
            person: person.into(),
            role,
            fingerprint: fp.into(),
            kind: "ED25519".into(),
            comment: String::new(),
        }
    }

    #[test]
    fn changes_between_two_lists() {
        let before = vec![key("ana", Role::Admin, "A"), key("bob", Role::Staff, "B")];
        let now = vec![
            key("ana", Role::Admin, "A"),
            key("bob", Role::Admin, "B"),
            key("eve", Role::Staff, "E"),
        ];
        let c = access_changes(&before, &now);
        assert_eq!(c.len(), 2);
        assert!(
            matches!(&c[0], AccessEvent::RoleChanged { person, before: Role::Staff, after: Role::Admin } if person == "bob")
        );
        assert!(matches!(&c[1], AccessEvent::KeyAdded { person, .. } if person == "eve"));
        let gone = access_changes(&now, &before[..1]);
        assert_eq!(gone.len(), 2, "{gone:?}");
        assert!(
            gone.iter()
                .all(|e| matches!(e, AccessEvent::KeyRevoked { .. }))
        );
    }
}

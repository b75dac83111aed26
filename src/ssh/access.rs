//! Access administration use cases: add a key or a person, revoke, change a role, end a
//! session. `keys/` stays the single source of truth (written atomically by `keys`); every
//! change is audited through the app as a typed event and applied to live sessions at once.
//! The console's Accès tab and the `keys`/`pubkey`/`sessions` commands both call these.

use super::Shared;
use super::keys;
use crate::app::access::{
    AccessError, AccessOverview, KeyInfo, LastLogin, PersonRevoked, SessionInfo,
};
use crate::app::{Actor, Permission, Role};
use crate::domain::{AccessEvent, AuditRecord};
use crate::ui::access::AccessAdmin;
use std::collections::HashMap;
use std::sync::Arc;

/// The access use cases over the server's shared state.
#[derive(Clone)]
pub struct AccessService {
    shared: Arc<Shared>,
}

impl AccessService {
    pub fn new(shared: Arc<Shared>) -> AccessService {
        AccessService { shared }
    }
}

impl AccessService {
    /// A refused access change (the last admin, an unknown person…) goes into the audit
    /// trail with who tried it and why.
    fn audited<T, E: std::fmt::Display>(
        &self,
        by: &Actor,
        what: &str,
        r: Result<T, E>,
    ) -> Result<T, E> {
        if let Err(e) = &r {
            self.shared
                .app
                .audit_refusal(by, None, what, &e.to_string());
        }
        r
    }

    /// The permission table, read here too: whatever surface calls, an access change by
    /// a role that may not make it is refused and audited.
    fn require(&self, by: &Actor, permission: Permission, what: &str) -> Result<(), AccessError> {
        by.still_granted()?;
        let r = by
            .require(permission)
            .map_err(|e| AccessError(e.to_string()));
        self.audited(by, what, r)
    }

    /// Adding or removing a key of one's own is `OwnKeys`; of someone else, `ManageAccess`.
    fn keys_permission(by: &Actor, name: &str) -> Permission {
        if by.name == name {
            Permission::OwnKeys
        } else {
            Permission::ManageAccess
        }
    }
}

impl AccessAdmin for AccessService {
    fn overview(&self) -> AccessOverview {
        let list = self.shared.access();
        AccessOverview {
            people: list.people.iter().map(keys::Person::info).collect(),
            problems: list.problems.clone(),
        }
    }

    fn sessions(&self) -> Vec<SessionInfo> {
        self.shared.sessions.list()
    }

    fn penalties(&self) -> Vec<crate::app::access::PenaltyInfo> {
        self.shared
            .limiter
            .active()
            .into_iter()
            .map(|p| crate::app::access::PenaltyInfo {
                subject: p.subject.to_string(),
                remaining_secs: p.remaining.as_secs().max(1),
                strikes: p.strikes,
            })
            .collect()
    }

    fn last_logins(&self) -> HashMap<String, LastLogin> {
        self.shared.app.last_logins()
    }

    fn recent_events(&self, n: usize) -> Vec<AuditRecord> {
        self.shared.app.recent_access_events(n)
    }

    fn check_name(&self, name: &str) -> Result<(), AccessError> {
        keys::validate_name(name)
    }

    fn describe_key(&self, line: &str) -> Result<String, AccessError> {
        keys::parse_key_line(line).map(|(k, kind, bits)| {
            format!(
                "{kind} {bits} bits {} {}",
                keys::fingerprint(&k),
                k.comment()
            )
        })
    }

    fn add_key(
        &self,
        by: &Actor,
        name: &str,
        role: Role,
        key: &str,
    ) -> Result<KeyInfo, AccessError> {
        let own = by.name == name && by.role == role;
        let permission = if own {
            Permission::OwnKeys
        } else {
            Permission::ManageAccess
        };
        self.require(by, permission, &format!("ajouter une clé à {name}"))?;
        let entry = keys::add_key(&self.shared.keys_dir, name, role, key)?;
        let event = AccessEvent::KeyAdded {
            person: name.to_string(),
            role,
            fingerprint: entry.fingerprint.clone(),
            kind: entry.kind.clone(),
            comment: entry.comment.clone(),
        };
        self.shared.app.record_access(by, event.clone());
        self.shared.reload_access_recorded(&[event]);
        Ok(entry.info())
    }

    fn revoke_key(
        &self,
        by: &Actor,
        name: &str,
        fingerprint: &str,
    ) -> Result<KeyInfo, AccessError> {
        self.require(
            by,
            Self::keys_permission(by, name),
            &format!("révoquer la clé {fingerprint} de {name}"),
        )?;
        let entry = self.audited(
            by,
            &format!("révoquer la clé {fingerprint} de {name}"),
            keys::revoke_key(&self.shared.keys_dir, name, fingerprint),
        )?;
        let event = AccessEvent::KeyRevoked {
            person: name.to_string(),
            fingerprint: entry.fingerprint.clone(),
        };
        self.shared.app.record_access(by, event.clone());
        self.shared.reload_access_recorded(&[event]);
        Ok(entry.info())
    }

    fn revoke_person(&self, by: &Actor, name: &str) -> Result<PersonRevoked, AccessError> {
        self.require(by, Permission::ManageAccess, &format!("révoquer {name}"))?;
        let p = self.audited(
            by,
            &format!("révoquer {name}"),
            keys::revoke_person(&self.shared.keys_dir, name),
        )?;
        let event = AccessEvent::PersonRevoked {
            person: name.to_string(),
            role: p.role,
            fingerprints: p.keys.iter().map(|k| k.fingerprint.clone()).collect(),
        };
        // Counted before the rights go: withdrawing them already ends the sessions.
        let sessions_ended = self.shared.sessions.count_person(name);
        self.shared.app.record_access(by, event.clone());
        self.shared.reload_access_recorded(&[event]);
        self.shared
            .sessions
            .kill_person(name, "Votre accès a été révoqué : session terminée.");
        Ok(PersonRevoked {
            person: p.info(),
            sessions_ended,
        })
    }

    fn set_role(&self, by: &Actor, name: &str, role: Role) -> Result<Role, AccessError> {
        self.require(
            by,
            Permission::ManageAccess,
            &format!("donner le rôle {role} à {name}"),
        )?;
        let before = self.audited(
            by,
            &format!("donner le rôle {role} à {name}"),
            keys::set_role(&self.shared.keys_dir, name, role),
        )?;
        let event = AccessEvent::RoleChanged {
            person: name.to_string(),
            before,
            after: role,
        };
        self.shared.app.record_access(by, event.clone());
        self.shared.reload_access_recorded(&[event]);
        Ok(before)
    }

    fn end_session(&self, by: &Actor, id: u64) -> Result<SessionInfo, AccessError> {
        self.require(
            by,
            Permission::Sessions,
            &format!("terminer la session {id}"),
        )?;
        let Some(target) = self.shared.sessions.list().into_iter().find(|s| s.id == id) else {
            return Err(AccessError(format!("aucune session {id}")));
        };
        let message = format!("Session terminée par {} (administrateur).", by.name);
        if !self.shared.sessions.kill(id, &message) {
            return Err(AccessError(format!("la session {id} est déjà terminée")));
        }
        self.shared.app.record_access(
            by,
            AccessEvent::SessionEnded {
                session: id,
                person: target.person.clone(),
                fingerprint: target.fingerprint.clone(),
            },
        );
        Ok(target)
    }
}

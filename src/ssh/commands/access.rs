//! `whoami`, `keys …` (admins) and `pubkey …` (each person's own keys): formatting of the
//! access use cases that `ssh::access` runs for the console too.

use super::grammar::{KeysCmd, PubkeyCmd};
use super::{Output, Render, Shared};
use crate::app::access::{AccessError, KeyInfo, LastLogin, PersonInfo};
use crate::app::{Actor, Role};
use crate::ssh::access::AccessService;
use crate::ui::access::AccessAdmin;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

impl From<AccessError> for Output {
    fn from(e: AccessError) -> Output {
        Output::err(e, 1)
    }
}

fn service(shared: &Arc<Shared>) -> AccessService {
    AccessService::new(shared.clone())
}

pub(super) fn whoami(who: &Actor) -> Output {
    Output::ok(format!(
        "{}\t{}\t{}",
        who.name,
        who.role,
        who.fingerprint.as_deref().unwrap_or("")
    ))
}

/// A person, their keys and their last login.
#[derive(Serialize)]
struct PersonRow {
    name: String,
    role: &'static str,
    last_login: Option<String>,
    last_source: Option<String>,
    keys: Vec<KeyInfo>,
}

impl PersonRow {
    fn of(p: &PersonInfo, logins: &HashMap<String, LastLogin>) -> PersonRow {
        let login = logins.get(&p.name);
        PersonRow {
            name: p.name.clone(),
            role: p.role.label(),
            last_login: login.map(|l| l.at.fr()),
            last_source: login.map(|l| l.source.clone()),
            keys: p.keys.clone(),
        }
    }
}

/// `keys list`: people and keys, and the lines of `keys/` that could not be read.
#[derive(Serialize)]
struct KeysReport {
    people: Vec<PersonRow>,
    problems: Vec<String>,
}

impl Render for KeysReport {
    fn text(&self) -> String {
        let mut s = String::new();
        for p in &self.people {
            for k in &p.keys {
                s.push_str(&format!(
                    "{}\t{}\t{} {} {} ({})\n",
                    p.name, p.role, k.bits, k.fingerprint, k.comment, k.kind
                ));
            }
        }
        for pb in &self.problems {
            s.push_str(&format!("# ignoré : {pb}\n"));
        }
        s
    }
}

pub(super) fn keys(shared: &Arc<Shared>, who: &Actor, what: KeysCmd, stdin: &str) -> Output {
    let access = service(shared);
    match what {
        KeysCmd::List { json } => {
            let overview = access.overview();
            let logins = access.last_logins();
            let report = KeysReport {
                people: overview
                    .people
                    .iter()
                    .map(|p| PersonRow::of(p, &logins))
                    .collect(),
                problems: overview.problems,
            };
            Output::render(&report, json)
        }
        KeysCmd::Add { name, role, admin } => {
            let role = role.unwrap_or(if admin { Role::Admin } else { Role::Staff });
            match access.add_key(who, &name, role, stdin) {
                Ok(k) => Output::ok(format!("{name}\t{role}\t{}\t{}", k.fingerprint, k.kind)),
                Err(e) => e.into(),
            }
        }
        KeysCmd::Revoke {
            name,
            fingerprint: Some(fp),
        } => match access.revoke_key(who, &name, &fp) {
            Ok(k) => Output::ok(format!("clé {} de {name} révoquée", k.fingerprint)),
            Err(e) => e.into(),
        },
        KeysCmd::Revoke {
            name,
            fingerprint: None,
        } => match access.revoke_person(who, &name) {
            Ok(r) => Output::ok(format!(
                "{name} révoqué ; {} session(s) terminée(s)",
                r.sessions_ended
            )),
            Err(e) => e.into(),
        },
        KeysCmd::Role { name, role } => match access.set_role(who, &name, role) {
            Ok(before) => Output::ok(format!("{name} : {before} → {role}")),
            Err(e) => e.into(),
        },
    }
}

pub(super) fn pubkey(shared: &Arc<Shared>, who: &Actor, what: PubkeyCmd, stdin: &str) -> Output {
    let access = service(shared);
    match what {
        PubkeyCmd::List => {
            let overview = access.overview();
            let Some(p) = overview.people.iter().find(|p| p.name == who.name) else {
                return Output::err("vous n'avez plus d'accès", 1);
            };
            let s: String = p
                .keys
                .iter()
                .map(|k| {
                    let current = if Some(&k.fingerprint) == who.fingerprint.as_ref() {
                        "\t(clé de cette session)"
                    } else {
                        ""
                    };
                    format!(
                        "{} {} {} ({}){current}\n",
                        k.bits, k.fingerprint, k.comment, k.kind
                    )
                })
                .collect();
            Output::ok(s.trim_end())
        }
        PubkeyCmd::Add => match access.add_key(who, &who.name, who.role, stdin) {
            Ok(k) => Output::ok(format!("{}\t{}", k.fingerprint, k.kind)),
            Err(e) => e.into(),
        },
        PubkeyCmd::Remove { fingerprint } => {
            match access.revoke_key(who, &who.name, &fingerprint) {
                Ok(k) => Output::ok(format!("clé {} de {} révoquée", k.fingerprint, who.name)),
                Err(e) => e.into(),
            }
        }
    }
}

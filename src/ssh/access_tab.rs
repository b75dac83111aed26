//! Access administration: the `keys`, `sessions`, `pubkey` and `audit` commands and the
//! console's Accès tab. `keys/` stays the single source of truth; every change is written
//! atomically there, audited, and applied to live sessions at once.

use super::commands::Output;
use super::keys::{self, AccessList};
use super::{Identity, Shared};
use crate::app::Role;
use crate::domain::{Action, AuditRecord, Date};
use crate::ui::forms::{Confirm, Field, Form, FormEvent};
use crate::ui::widgets::{fit, pad};
use crate::ui::{AccessPanel, Input, Key, Level, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub enum KeysOp {
    List {
        json: bool,
    },
    Add {
        name: String,
        admin: bool,
    },
    Revoke {
        name: String,
        fingerprint: Option<String>,
    },
    Role {
        name: String,
        role: String,
    },
}

pub enum PubkeyOp {
    List,
    Add,
    Remove(String),
}

fn parse_role(s: &str) -> Option<Role> {
    match s {
        "admin" => Some(Role::Admin),
        "staff" => Some(Role::Staff),
        _ => None,
    }
}

/// Last login (time, source) per person, from the newest audit records.
fn last_logins(shared: &Shared) -> HashMap<String, (String, String)> {
    let mut out = HashMap::new();
    if let Ok(records) = shared.app.audit(0, 20_000) {
        for r in records {
            if r.action == Action::Login && !out.contains_key(&r.actor.name) {
                let source = r
                    .detail
                    .split(" depuis ")
                    .nth(1)
                    .unwrap_or("")
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_string();
                out.insert(r.actor.name.clone(), (r.at.fr(), source));
            }
        }
    }
    out
}

/// Adds a key (a new person or another key), audits, reloads, and returns the entry.
fn add(
    shared: &Shared,
    by: &Identity,
    name: &str,
    role: Role,
    key: &str,
) -> Result<keys::KeyEntry, String> {
    let entry = keys::add_key(&shared.keys_dir, name, role, key).map_err(|e| e.to_string())?;
    shared.audit_access(
        &by.actor(),
        Action::AccessKeyAdded,
        "",
        role.label(),
        format!(
            "{name} : clé {} {} ({})",
            entry.kind, entry.fingerprint, entry.comment
        ),
    );
    shared.reload_access();
    Ok(entry)
}

fn revoke(
    shared: &Shared,
    by: &Identity,
    name: &str,
    fingerprint: Option<&str>,
) -> Result<String, String> {
    match fingerprint {
        Some(fp) => {
            let e = keys::revoke_key(&shared.keys_dir, name, fp).map_err(|e| e.to_string())?;
            shared.audit_access(
                &by.actor(),
                Action::AccessKeyRevoked,
                &e.fingerprint,
                "",
                format!("{name} : clé {} révoquée", e.fingerprint),
            );
            shared.reload_access();
            Ok(format!("clé {} de {name} révoquée", e.fingerprint))
        }
        None => {
            let p = keys::revoke_person(&shared.keys_dir, name).map_err(|e| e.to_string())?;
            let fps: Vec<String> = p.keys.iter().map(|k| k.fingerprint.clone()).collect();
            shared.audit_access(
                &by.actor(),
                Action::AccessPersonRevoked,
                p.role.label(),
                "",
                format!("{name} révoqué ({} clé(s) : {})", fps.len(), fps.join(", ")),
            );
            shared.reload_access();
            let ended = shared
                .sessions
                .kill_person(name, "Votre accès a été révoqué : session terminée.");
            Ok(format!("{name} révoqué ; {ended} session(s) terminée(s)"))
        }
    }
}

fn change_role(shared: &Shared, by: &Identity, name: &str, role: Role) -> Result<String, String> {
    let before = keys::set_role(&shared.keys_dir, name, role).map_err(|e| e.to_string())?;
    shared.audit_access(
        &by.actor(),
        Action::AccessRoleChanged,
        before.label(),
        role.label(),
        format!("{name} : {before} → {role}"),
    );
    shared.reload_access();
    Ok(format!("{name} : {before} → {role}"))
}

pub fn keys_command(shared: &Shared, who: &Identity, op: KeysOp, stdin: String) -> Output {
    match op {
        KeysOp::List { json } => {
            let list = shared.access();
            let logins = last_logins(shared);
            if json {
                let v: Vec<_> = list
                    .people
                    .iter()
                    .map(|p| {
                        json!({
                            "name": p.name, "role": p.role.label(),
                            "last_login": logins.get(&p.name).map(|l| l.0.clone()),
                            "last_source": logins.get(&p.name).map(|l| l.1.clone()),
                            "keys": p.keys.iter().map(|k| json!({"type": k.kind, "bits": k.bits, "fingerprint": k.fingerprint, "comment": k.comment})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                return ok_json(json!({"people": v, "problems": list.problems}));
            }
            let mut s = String::new();
            for p in &list.people {
                for k in &p.keys {
                    s.push_str(&format!(
                        "{}\t{}\t{} {} {} ({})\n",
                        p.name, p.role, k.bits, k.fingerprint, k.comment, k.kind
                    ));
                }
            }
            for pb in &list.problems {
                s.push_str(&format!("# ignoré : {pb}\n"));
            }
            Output {
                stdout: s.into_bytes(),
                ..Output::default()
            }
        }
        KeysOp::Add { name, admin } => {
            let role = if admin { Role::Admin } else { Role::Staff };
            match add(shared, who, &name, role, &stdin) {
                Ok(e) => text(format!("{name}\t{role}\t{}\t{}", e.fingerprint, e.kind)),
                Err(e) => fail(e),
            }
        }
        KeysOp::Revoke { name, fingerprint } => {
            match revoke(shared, who, &name, fingerprint.as_deref()) {
                Ok(m) => text(m),
                Err(e) => fail(e),
            }
        }
        KeysOp::Role { name, role } => match parse_role(&role) {
            None => Output {
                stderr: format!("rôle « {role} » inconnu : admin ou staff\n").into_bytes(),
                status: 2,
                ..Output::default()
            },
            Some(r) => match change_role(shared, who, &name, r) {
                Ok(m) => text(m),
                Err(e) => fail(e),
            },
        },
    }
}

fn text(s: String) -> Output {
    Output {
        stdout: format!("{s}\n").into_bytes(),
        ..Output::default()
    }
}

fn fail(e: String) -> Output {
    Output {
        stderr: format!("{e}\n").into_bytes(),
        status: 1,
        ..Output::default()
    }
}

fn ok_json(v: serde_json::Value) -> Output {
    text(serde_json::to_string_pretty(&v).unwrap_or_default())
}

pub fn sessions_list(shared: &Shared, as_json: bool) -> Output {
    let sessions = shared.sessions.list();
    if as_json {
        return ok_json(json!(sessions.iter().map(|s| json!({
            "id": s.id, "person": s.person, "role": s.role.label(), "fingerprint": s.fingerprint,
            "source": s.peer.map(|p| p.to_string()), "since": s.started.iso_utc(), "what": s.what,
        })).collect::<Vec<_>>()));
    }
    let mut s = String::new();
    for x in sessions {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            x.id,
            x.person,
            x.role,
            x.peer.map(|p| p.to_string()).unwrap_or_default(),
            x.started.fr(),
            x.what
        ));
    }
    text(s.trim_end().to_string())
}

pub fn sessions_kill(shared: &Shared, who: &Identity, id: u64) -> Output {
    let target = shared.sessions.list().into_iter().find(|s| s.id == id);
    let Some(target) = target else {
        return fail(format!("aucune session {id}"));
    };
    if shared.sessions.kill(
        id,
        &format!("Session terminée par {} (administrateur).", who.name),
    ) {
        shared.audit_access(
            &who.actor(),
            Action::SessionEnded,
            "",
            "",
            format!(
                "session {id} de {} ({}) terminée",
                target.person, target.fingerprint
            ),
        );
        text(format!("session {id} de {} terminée", target.person))
    } else {
        fail(format!("la session {id} est déjà terminée"))
    }
}

pub fn pubkey_command(shared: &Shared, who: &Identity, op: PubkeyOp, stdin: String) -> Output {
    match op {
        PubkeyOp::List => {
            let list = shared.access();
            let Some(p) = list.person(&who.name) else {
                return fail("vous n'avez plus d'accès".into());
            };
            let s: String = p
                .keys
                .iter()
                .map(|k| {
                    let current = if k.fingerprint == who.fingerprint {
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
            text(s.trim_end().to_string())
        }
        PubkeyOp::Add => match add(shared, who, &who.name, who.role, &stdin) {
            Ok(e) => text(format!("{}\t{}", e.fingerprint, e.kind)),
            Err(e) => fail(e),
        },
        PubkeyOp::Remove(fp) => match revoke(shared, who, &who.name, Some(&fp)) {
            Ok(m) => text(m),
            Err(e) => fail(e),
        },
    }
}

fn audit_line(r: &AuditRecord) -> String {
    let subject = r
        .order_number
        .map(|n| n.to_string())
        .or(r.customer.map(|c| format!("client #{}", c.0)))
        .unwrap_or_default();
    let change = if r.before.is_empty() && r.after.is_empty() {
        String::new()
    } else {
        format!("{} → {}", r.before, r.after)
    };
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        r.at.iso_utc(),
        r.actor.display(),
        r.action.slug(),
        subject,
        change,
        r.detail
    )
}

pub fn audit_command(shared: &Shared, since: Option<&str>, limit: usize, as_json: bool) -> Output {
    let since = match since.map(|s| Date::parse_iso(s).ok_or(s)) {
        Some(Ok(d)) => Some(d),
        Some(Err(s)) => {
            return Output {
                stderr: format!("--since : « {s} » n'est pas une date (AAAA-MM-JJ)\n").into_bytes(),
                status: 2,
                ..Output::default()
            };
        }
        None => None,
    };
    let mut records = Vec::new();
    let mut offset = 0;
    'outer: loop {
        let batch = match shared.app.audit(offset, 1000) {
            Ok(b) => b,
            Err(e) => return fail(e.to_string()),
        };
        if batch.is_empty() {
            break;
        }
        offset += batch.len();
        for r in batch {
            if since.is_some_and(|d| r.at.paris_date() < d) {
                break 'outer;
            }
            records.push(r);
            if records.len() >= limit {
                break 'outer;
            }
        }
    }
    if as_json {
        return ok_json(json!(records.iter().map(|r| json!({
            "seq": r.seq, "at": r.at.iso_utc(), "who": r.actor.name, "fingerprint": r.actor.fingerprint,
            "action": r.action.slug(), "order": r.order_number.map(|n| n.to_string()), "customer": r.customer.map(|c| c.0),
            "before": r.before, "after": r.after, "detail": r.detail, "document": r.document.map(|d| d.to_string()),
        })).collect::<Vec<_>>()));
    }
    text(
        records
            .iter()
            .map(audit_line)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

mod txt {
    pub const PEOPLE: &str = "Personnes";
    pub const KEYS: &str = "Clés";
    pub const SESSIONS: &str = "Sessions en cours";
    pub const EVENTS: &str = "Derniers événements d'accès";
    pub const FOOTER: &str = "Tab zone · ↓↑ choisir · a ajouter une personne · k ajouter une clé · r changer le rôle · d révoquer la clé · x révoquer la personne · e terminer la session";
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Zone {
    People,
    Keys,
    Sessions,
}

enum Pending {
    AddPerson {
        name: String,
        role: Role,
        key: String,
    },
    AddKey {
        name: String,
        role: Role,
        key: String,
    },
    Role {
        name: String,
        role: Role,
    },
    RevokeKey {
        name: String,
        fingerprint: String,
    },
    RevokePerson {
        name: String,
    },
    Kill {
        id: u64,
    },
}

enum Modal {
    Form(Form, bool),
    Confirm(Confirm, Pending),
}

/// The Accès tab.
pub struct AccessTab {
    shared: Arc<Shared>,
    me: Identity,
    list: Arc<AccessList>,
    logins: HashMap<String, (String, String)>,
    events: Vec<AuditRecord>,
    zone: Zone,
    person: usize,
    key: usize,
    session: usize,
    modal: Option<Modal>,
}

impl AccessTab {
    pub fn new(shared: Arc<Shared>, me: Identity) -> AccessTab {
        let mut t = AccessTab {
            list: shared.access(),
            shared,
            me,
            logins: HashMap::new(),
            events: Vec::new(),
            zone: Zone::People,
            person: 0,
            key: 0,
            session: 0,
            modal: None,
        };
        t.refresh();
        t
    }

    fn selected_person(&self) -> Option<&keys::Person> {
        self.list.people.get(self.person)
    }

    fn run(&mut self, p: Pending) -> (Level, String) {
        let s = &self.shared;
        let r = match p {
            Pending::AddPerson { name, role, key } => add(s, &self.me, &name, role, &key)
                .map(|e| format!("{name} ajouté ({role}), clé {}", e.fingerprint)),
            Pending::AddKey { name, role, key } => add(s, &self.me, &name, role, &key)
                .map(|e| format!("clé {} ajoutée à {name}", e.fingerprint)),
            Pending::Role { name, role } => change_role(s, &self.me, &name, role),
            Pending::RevokeKey { name, fingerprint } => {
                revoke(s, &self.me, &name, Some(&fingerprint))
            }
            Pending::RevokePerson { name } => revoke(s, &self.me, &name, None),
            Pending::Kill { id } => {
                let out = sessions_kill(s, &self.me, id);
                if out.status == 0 {
                    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
                }
            }
        };
        self.refresh();
        match r {
            Ok(m) => (Level::Ok, m),
            Err(e) => (Level::Error, e),
        }
    }

    /// Describes a pasted key before anything is written.
    fn describe_key(key: &str) -> Result<String, String> {
        keys::parse_key_line(key)
            .map(|(k, kind, bits)| {
                format!(
                    "{kind} {bits} bits {} {}",
                    keys::fingerprint(&k),
                    k.comment()
                )
            })
            .map_err(|e| e.0)
    }
}

impl AccessPanel for AccessTab {
    fn refresh(&mut self) {
        self.list = self.shared.access();
        self.logins = last_logins(&self.shared);
        self.events = self
            .shared
            .app
            .audit(0, 2000)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.action.is_access())
            .take(8)
            .collect();
        self.person = self.person.min(self.list.people.len().saturating_sub(1));
    }

    fn typing(&self) -> bool {
        matches!(self.modal, Some(Modal::Form(..)))
    }

    fn keys(&self) -> &'static str {
        txt::FOOTER
    }

    fn handle(&mut self, input: &Input) -> Option<(Level, String)> {
        if let Some(modal) = self.modal.take() {
            match modal {
                Modal::Form(mut form, new_person) => match form.handle(input) {
                    FormEvent::Cancel => {
                        return Some((Level::Info, "Saisie abandonnée, rien n'a changé".into()));
                    }
                    FormEvent::None => self.modal = Some(Modal::Form(form, new_person)),
                    FormEvent::Submit => {
                        let (name, role_text, key) = if new_person {
                            (
                                form.value(0).to_string(),
                                form.value(1).to_string(),
                                form.value(2).to_string(),
                            )
                        } else {
                            (
                                self.selected_person()
                                    .map(|p| p.name.clone())
                                    .unwrap_or_default(),
                                String::new(),
                                form.value(0).to_string(),
                            )
                        };
                        let role = if new_person {
                            parse_role(&role_text)
                        } else {
                            self.selected_person().map(|p| p.role)
                        };
                        let check = keys::validate_name(&name).map_err(|e| e.0).and_then(|_| {
                            role.ok_or_else(|| {
                                format!("rôle « {role_text} » inconnu : admin ou staff")
                            })
                        });
                        match check.and_then(|r| Self::describe_key(&key).map(|d| (r, d))) {
                            Err(e) => {
                                form.error = Some(e);
                                self.modal = Some(Modal::Form(form, new_person));
                            }
                            Ok((role, desc)) => {
                                let (title, pending) = if new_person {
                                    (
                                        format!("Ajouter {name} ({role}) ?"),
                                        Pending::AddPerson {
                                            name: name.clone(),
                                            role,
                                            key,
                                        },
                                    )
                                } else {
                                    (
                                        format!("Ajouter une clé à {name} ?"),
                                        Pending::AddKey {
                                            name: name.clone(),
                                            role,
                                            key,
                                        },
                                    )
                                };
                                self.modal = Some(Modal::Confirm(
                                    Confirm {
                                        title,
                                        lines: vec![format!("Clé : {desc}")],
                                    },
                                    pending,
                                ));
                            }
                        }
                    }
                },
                Modal::Confirm(c, pending) => match c.handle(input) {
                    Some(true) => return Some(self.run(pending)),
                    Some(false) => {
                        return Some((Level::Info, "Action annulée, rien n'a changé".into()));
                    }
                    None => self.modal = Some(Modal::Confirm(c, pending)),
                },
            }
            return None;
        }
        let Input::Key(k) = input else { return None };
        let sessions = self.shared.sessions.list();
        match k {
            Key::Tab => {
                self.zone = match self.zone {
                    Zone::People => Zone::Keys,
                    Zone::Keys => Zone::Sessions,
                    Zone::Sessions => Zone::People,
                }
            }
            Key::Down | Key::Char('j') => match self.zone {
                Zone::People => {
                    self.person = (self.person + 1).min(self.list.people.len().saturating_sub(1));
                    self.key = 0;
                }
                Zone::Keys => {
                    self.key = (self.key + 1).min(
                        self.selected_person()
                            .map(|p| p.keys.len())
                            .unwrap_or(1)
                            .saturating_sub(1),
                    )
                }
                Zone::Sessions => {
                    self.session = (self.session + 1).min(sessions.len().saturating_sub(1))
                }
            },
            Key::Up | Key::Char('k') if *k == Key::Up || self.zone != Zone::People => {
                match self.zone {
                    Zone::People => {
                        self.person = self.person.saturating_sub(1);
                        self.key = 0;
                    }
                    Zone::Keys => self.key = self.key.saturating_sub(1),
                    Zone::Sessions => self.session = self.session.saturating_sub(1),
                }
            }
            Key::Char('a') => {
                let form = Form::new(
                    "Ajouter une personne",
                    vec!["La clé publique OpenSSH se colle en une ligne (ssh-ed25519 AAAA… commentaire).".into()],
                    vec![
                        Field::text("Nom", "", "a-z 0-9 . - _"),
                        Field::text("Rôle", "staff", "admin ou staff"),
                        Field::text("Clé publique", "", "collez la ligne du fichier .pub"),
                    ],
                );
                self.modal = Some(Modal::Form(form, true));
            }
            Key::Char('k') => {
                let name = self.selected_person()?.name.clone();
                let form = Form::new(
                    &format!("Ajouter une clé à {name}"),
                    vec!["Une clé = une personne : une clé déjà attribuée est refusée.".into()],
                    vec![Field::text(
                        "Clé publique",
                        "",
                        "collez la ligne du fichier .pub",
                    )],
                );
                self.modal = Some(Modal::Form(form, false));
            }
            Key::Char('r') => {
                let p = self.selected_person()?;
                let role = if p.role == Role::Admin {
                    Role::Staff
                } else {
                    Role::Admin
                };
                let c = Confirm {
                    title: format!("{} devient {role} ?", p.name),
                    lines: vec![format!(
                        "Ses sessions ouvertes seront fermées pour prendre en compte le rôle « {role} »."
                    )],
                };
                self.modal = Some(Modal::Confirm(
                    c,
                    Pending::Role {
                        name: p.name.clone(),
                        role,
                    },
                ));
            }
            Key::Char('d') => {
                let p = self.selected_person()?;
                let key = p.keys.get(self.key)?;
                let c = Confirm {
                    title: format!("Révoquer une clé de {} ?", p.name),
                    lines: vec![
                        format!("{} {} ({})", key.kind, key.fingerprint, key.comment),
                        "Les sessions ouvertes avec cette clé seront fermées.".into(),
                    ],
                };
                self.modal = Some(Modal::Confirm(
                    c,
                    Pending::RevokeKey {
                        name: p.name.clone(),
                        fingerprint: key.fingerprint.clone(),
                    },
                ));
            }
            Key::Char('x') => {
                let p = self.selected_person()?;
                let c = Confirm {
                    title: format!("Révoquer {} ?", p.name),
                    lines: vec![format!(
                        "Ses {} clé(s) seront retirées et ses sessions fermées immédiatement.",
                        p.keys.len()
                    )],
                };
                self.modal = Some(Modal::Confirm(
                    c,
                    Pending::RevokePerson {
                        name: p.name.clone(),
                    },
                ));
            }
            Key::Char('e') => {
                let s = sessions.get(self.session)?;
                let c = Confirm {
                    title: format!("Terminer la session {} de {} ?", s.id, s.person),
                    lines: vec![format!(
                        "{} depuis {} ({})",
                        s.what,
                        s.started.fr(),
                        s.peer.map(|p| p.to_string()).unwrap_or_default()
                    )],
                };
                self.modal = Some(Modal::Confirm(c, Pending::Kill { id: s.id }));
            }
            _ => {}
        }
        None
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let base = Style::default().fg(theme.color("text"));
        let muted = Style::default().fg(theme.color("muted"));
        let sel = theme.selected();
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
        let [people_area, keys_area] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
        let [sessions_area, events_area] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(bottom);
        let border = |z: Zone| {
            Style::default().fg(if self.zone == z {
                theme.color("border_focus")
            } else {
                theme.color("border")
            })
        };
        let pw = people_area.width.saturating_sub(2) as usize;
        let mut lines = Vec::new();
        for (i, p) in self.list.people.iter().enumerate() {
            let seen = if self.logins.contains_key(&p.name) {
                ""
            } else {
                " · jamais connecté"
            };
            let row = format!(
                "{}{} {} {} clé(s){seen}",
                if i == self.person { "▶" } else { " " },
                pad(&p.name, 12),
                pad(p.role.label(), 5),
                p.keys.len()
            );
            let style = if i == self.person {
                sel
            } else if p.role == Role::Admin {
                base.add_modifier(Modifier::BOLD)
            } else {
                base
            };
            lines.push(Line::from(Span::styled(fit(&row, pw), style)));
        }
        for pb in self.list.problems.iter().take(3) {
            lines.push(Line::from(Span::styled(
                fit(&format!("⚠ {pb}"), pw),
                base.fg(theme.color("warning")),
            )));
        }
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(border(Zone::People))
                    .title(format!(" {} ({}) ", txt::PEOPLE, self.list.people.len())),
            ),
            people_area,
        );
        let kw = keys_area.width.saturating_sub(2) as usize;
        let mut klines = Vec::new();
        if let Some(p) = self.selected_person() {
            let login = match self.logins.get(&p.name) {
                Some((at, from)) => format!("{} : dernière connexion {at} depuis {from}", p.name),
                None => format!("{} : jamais connecté", p.name),
            };
            klines.push(Line::from(Span::styled(fit(&login, kw), muted)));
            for (i, k) in p.keys.iter().enumerate() {
                let style = if self.zone == Zone::Keys && i == self.key {
                    sel
                } else {
                    base
                };
                klines.push(Line::from(Span::styled(
                    fit(
                        &format!("{} {} {}", pad(&k.kind, 8), k.fingerprint, k.comment),
                        kw,
                    ),
                    style,
                )));
            }
        }
        f.render_widget(
            Paragraph::new(klines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(border(Zone::Keys))
                    .title(format!(" {} ", txt::KEYS)),
            ),
            keys_area,
        );
        let sw = sessions_area.width.saturating_sub(2) as usize;
        let slines: Vec<Line> = self
            .shared
            .sessions
            .list()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let style = if self.zone == Zone::Sessions && i == self.session {
                    sel
                } else {
                    base
                };
                let me = if s.fingerprint == self.me.fingerprint && s.what == "console" {
                    " (vous)"
                } else {
                    ""
                };
                Line::from(Span::styled(
                    fit(
                        &format!(
                            "{} {} {} {}{me}",
                            s.id,
                            pad(&s.person, 10),
                            s.peer.map(|p| p.ip().to_string()).unwrap_or_default(),
                            s.what
                        ),
                        sw,
                    ),
                    style,
                ))
            })
            .collect();
        f.render_widget(
            Paragraph::new(slines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(border(Zone::Sessions))
                    .title(format!(" {} ", txt::SESSIONS)),
            ),
            sessions_area,
        );
        let ew = events_area.width.saturating_sub(2) as usize;
        let elines: Vec<Line> = self
            .events
            .iter()
            .map(|r| {
                Line::from(Span::styled(
                    fit(
                        &format!(
                            "{} {} {} {}",
                            r.at.fr(),
                            r.actor.name,
                            r.action.label(),
                            r.detail
                        ),
                        ew,
                    ),
                    muted,
                ))
            })
            .collect();
        f.render_widget(
            Paragraph::new(elines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", txt::EVENTS)),
            ),
            events_area,
        );
        match &self.modal {
            Some(Modal::Form(form, _)) => form.draw(f, area, theme),
            Some(Modal::Confirm(c, _)) => c.draw(f, area, theme),
            None => {}
        }
    }
}

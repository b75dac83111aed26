//! The Accès tab (admins): people and their keys, live sessions, recent access events.
//! Everything it reads or changes goes through [`AccessAdmin`], which the SSH edge
//! implements (the keys live in `keys/`, the sessions in the server): the tab knows
//! neither files nor russh.

use super::forms::{Confirm, Field, FieldId, Form, FormEvent};
use super::widgets::{fit, pad};
use super::{Input, Key, Level, Theme};
use crate::app::access::{
    AccessError, AccessOverview, KeyInfo, LastLogin, PersonInfo, PersonRevoked, SessionInfo,
};
use crate::app::{Actor, Role};
use crate::domain::AuditRecord;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::collections::HashMap;
use std::sync::Arc;

/// Longest public-key line the tab takes (an RSA 8192-bit key is about 1,400 characters).
const MAX_KEY_LINE: usize = 4000;

/// What the Accès tab needs from whoever keeps the keys and the sessions.
pub trait AccessAdmin: Send + Sync {
    fn overview(&self) -> AccessOverview;
    fn sessions(&self) -> Vec<SessionInfo>;
    /// Sources and keys refused for a while after repeated failed logins.
    fn penalties(&self) -> Vec<crate::app::access::PenaltyInfo>;
    fn last_logins(&self) -> HashMap<String, LastLogin>;
    /// The newest access events, newest first.
    fn recent_events(&self, n: usize) -> Vec<AuditRecord>;
    /// Whether a name can be a person's name (it becomes a file name).
    fn check_name(&self, name: &str) -> Result<(), AccessError>;
    /// Describes a pasted public key (type, bits, fingerprint, comment) without storing it.
    fn describe_key(&self, line: &str) -> Result<String, AccessError>;
    fn add_key(
        &self,
        by: &Actor,
        name: &str,
        role: Role,
        key: &str,
    ) -> Result<KeyInfo, AccessError>;
    fn revoke_key(&self, by: &Actor, name: &str, fingerprint: &str)
    -> Result<KeyInfo, AccessError>;
    fn revoke_person(&self, by: &Actor, name: &str) -> Result<PersonRevoked, AccessError>;
    /// Returns the role the person had before.
    fn set_role(&self, by: &Actor, name: &str, role: Role) -> Result<Role, AccessError>;
    fn end_session(&self, by: &Actor, id: u64) -> Result<SessionInfo, AccessError>;
}

mod txt {
    pub(super) const PEOPLE: &str = "Personnes";
    pub(super) const KEYS: &str = "Clés";
    pub(super) const SESSIONS: &str = "Sessions en cours";
    pub(super) const EVENTS: &str = "Derniers événements d'accès";
    pub(super) const FOOTER: &str = "Tab zone · ↓↑ choisir · a ajouter une personne · k ajouter une clé · r changer le rôle · d révoquer la clé · x révoquer la personne · e terminer la session";
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Zone {
    People,
    Keys,
    Sessions,
}

#[derive(Clone, Debug)]
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

/// What a key in the Accès tab leads to.
pub enum AccessReply {
    /// Say this in the status line.
    Status(Level, String),
    /// Run this confirmed change off the session's task (it writes `keys/` and the audit
    /// trail), then say what it did ([`AccessJob::run`]).
    Run(AccessJob),
}

/// A confirmed change of access, ready to run on a blocking thread.
#[derive(Clone)]
pub struct AccessJob {
    admin: Arc<dyn AccessAdmin>,
    me: Actor,
    pending: Pending,
}

impl std::fmt::Debug for AccessJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessJob")
            .field("me", &self.me.name)
            .field("pending", &self.pending)
            .finish()
    }
}

impl AccessJob {
    /// What the status line says while it runs.
    pub fn what(&self) -> &'static str {
        match self.pending {
            Pending::AddPerson { .. } => "ajout de la personne",
            Pending::AddKey { .. } => "ajout de la clé",
            Pending::Role { .. } => "changement de rôle",
            Pending::RevokeKey { .. } => "révocation de la clé",
            Pending::RevokePerson { .. } => "révocation de la personne",
            Pending::Kill { .. } => "fin de la session",
        }
    }

    /// Makes the change (blocking: on a blocking thread) and says what it did.
    pub fn run(self) -> (Level, String) {
        let (a, me) = (&self.admin, &self.me);
        let r = match self.pending {
            Pending::AddPerson { name, role, key } => a
                .add_key(me, &name, role, &key)
                .map(|k| format!("{name} ajouté ({role}), clé {}", k.fingerprint)),
            Pending::AddKey { name, role, key } => a
                .add_key(me, &name, role, &key)
                .map(|k| format!("clé {} ajoutée à {name}", k.fingerprint)),
            Pending::Role { name, role } => a
                .set_role(me, &name, role)
                .map(|before| format!("{name} : {before} → {role}")),
            Pending::RevokeKey { name, fingerprint } => a
                .revoke_key(me, &name, &fingerprint)
                .map(|k| format!("clé {} de {name} révoquée", k.fingerprint)),
            Pending::RevokePerson { name } => a.revoke_person(me, &name).map(|r| {
                format!(
                    "{name} révoqué ; {} session(s) terminée(s)",
                    r.sessions_ended
                )
            }),
            Pending::Kill { id } => a
                .end_session(me, id)
                .map(|s| format!("session {id} de {} terminée", s.person)),
        };
        match r {
            Ok(m) => (Level::Ok, m),
            Err(e) => (Level::Error, e.0),
        }
    }
}

/// The Accès tab.
pub struct AccessTab {
    admin: Arc<dyn AccessAdmin>,
    me: Actor,
    list: AccessOverview,
    sessions: Vec<SessionInfo>,
    penalties: Vec<crate::app::access::PenaltyInfo>,
    logins: HashMap<String, LastLogin>,
    events: Vec<AuditRecord>,
    zone: Zone,
    person: usize,
    key: usize,
    session: usize,
    modal: Option<Modal>,
}

impl AccessTab {
    pub fn new(admin: Arc<dyn AccessAdmin>, me: Actor) -> AccessTab {
        let mut t = AccessTab {
            list: AccessOverview::default(),
            sessions: Vec::new(),
            penalties: Vec::new(),
            admin,
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

    fn selected_person(&self) -> Option<&PersonInfo> {
        self.list.people.get(self.person)
    }

    fn job(&self, pending: Pending) -> AccessJob {
        AccessJob {
            admin: self.admin.clone(),
            me: self.me.clone(),
            pending,
        }
    }
}

impl AccessTab {
    /// Reads people, sessions and events again (after a change made anywhere).
    pub fn refresh(&mut self) {
        self.list = self.admin.overview();
        self.sessions = self.admin.sessions();
        self.penalties = self.admin.penalties();
        self.logins = self.admin.last_logins();
        self.events = self.admin.recent_events(8);
        self.person = self.person.min(self.list.people.len().saturating_sub(1));
    }

    pub fn typing(&self) -> bool {
        matches!(self.modal, Some(Modal::Form(..)))
    }

    pub fn keys(&self) -> &'static str {
        txt::FOOTER
    }

    pub fn handle(&mut self, input: &Input) -> Option<AccessReply> {
        if let Some(modal) = self.modal.take() {
            return self.handle_modal(modal, input);
        }
        let Input::Key(k) = input else { return None };
        self.sessions = self.admin.sessions();
        self.penalties = self.admin.penalties();
        match k {
            Key::Tab => {
                self.zone = match self.zone {
                    Zone::People => Zone::Keys,
                    Zone::Keys => Zone::Sessions,
                    Zone::Sessions => Zone::People,
                }
            }
            Key::Down | Key::Char('j') => self.down(),
            Key::Up | Key::Char('k') if *k == Key::Up || self.zone != Zone::People => self.up(),
            Key::Char('a') => self.modal = Some(Modal::Form(add_person_form(), true)),
            Key::Char('k') => {
                let name = self.selected_person()?.name.clone();
                self.modal = Some(Modal::Form(add_key_form(&name), false));
            }
            Key::Char(c @ ('r' | 'd' | 'x' | 'e')) => {
                let (confirm, pending) = self.confirmation(*c)?;
                self.modal = Some(Modal::Confirm(confirm, pending));
            }
            _ => {}
        }
        None
    }

    fn down(&mut self) {
        match self.zone {
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
                self.session = (self.session + 1).min(self.sessions.len().saturating_sub(1))
            }
        }
    }

    fn up(&mut self) {
        match self.zone {
            Zone::People => {
                self.person = self.person.saturating_sub(1);
                self.key = 0;
            }
            Zone::Keys => self.key = self.key.saturating_sub(1),
            Zone::Sessions => self.session = self.session.saturating_sub(1),
        }
    }

    /// A key fed to the open form or confirmation.
    fn handle_modal(&mut self, modal: Modal, input: &Input) -> Option<AccessReply> {
        match modal {
            Modal::Form(mut form, new_person) => match form.handle(input) {
                FormEvent::Cancel => {
                    return Some(AccessReply::Status(
                        Level::Info,
                        "Saisie abandonnée, rien n'a changé".into(),
                    ));
                }
                FormEvent::None => self.modal = Some(Modal::Form(form, new_person)),
                FormEvent::Submit => match self.submitted(&form, new_person) {
                    Err(e) => {
                        form.error = Some(e);
                        self.modal = Some(Modal::Form(form, new_person));
                    }
                    Ok((confirm, pending)) => self.modal = Some(Modal::Confirm(confirm, pending)),
                },
            },
            Modal::Confirm(mut c, pending) => match c.handle(input) {
                Some(true) => return Some(AccessReply::Run(self.job(pending))),
                Some(false) => {
                    return Some(AccessReply::Status(
                        Level::Info,
                        "Action annulée, rien n'a changé".into(),
                    ));
                }
                None => self.modal = Some(Modal::Confirm(c, pending)),
            },
        }
        None
    }

    /// A new person or a new key, checked (name, role, key) before its confirmation.
    fn submitted(&self, form: &Form, new_person: bool) -> Result<(Confirm, Pending), String> {
        let key = form.value(FieldId::Key).to_string();
        let (name, role_text, role) = if new_person {
            let role_text = form.value(FieldId::Role).to_string();
            let role = Role::parse(&role_text);
            (form.value(FieldId::Name).to_string(), role_text, role)
        } else {
            let p = self.selected_person();
            (
                p.map(|p| p.name.clone()).unwrap_or_default(),
                String::new(),
                p.map(|p| p.role),
            )
        };
        self.admin.check_name(&name).map_err(|e| e.0)?;
        let role = role
            .ok_or_else(|| format!("rôle « {role_text} » inconnu : staff, admin ou comptable"))?;
        let desc = self.admin.describe_key(&key).map_err(|e| e.0)?;
        let lines = vec![format!("Clé : {desc}")];
        Ok(if new_person {
            (
                confirm(format!("Ajouter {name} ({role}) ?"), lines),
                Pending::AddPerson { name, role, key },
            )
        } else {
            (
                confirm(format!("Ajouter une clé à {name} ?"), lines),
                Pending::AddKey { name, role, key },
            )
        })
    }

    /// What `r` (next role), `d` (revoke a key), `x` (revoke a person) and `e` (end a
    /// session) would do, to confirm.
    fn confirmation(&self, key: char) -> Option<(Confirm, Pending)> {
        if key == 'e' {
            let s = self.sessions.get(self.session)?;
            let c = confirm(
                format!("Terminer la session {} de {} ?", s.id, s.person),
                vec![format!(
                    "{} depuis {} ({})",
                    s.what,
                    s.started.fr(),
                    s.peer.map(|p| p.to_string()).unwrap_or_default()
                )],
            );
            return Some((c, Pending::Kill { id: s.id }));
        }
        let p = self.selected_person()?;
        let name = p.name.clone();
        Some(match key {
            'r' => {
                // The next role in turn: staff → admin → comptable → staff.
                let i = Role::ALL.iter().position(|r| *r == p.role).unwrap_or(0);
                let role = Role::ALL[(i + 1) % Role::ALL.len()];
                let c = confirm(
                    format!("{} devient {role} ?", p.name),
                    vec![format!(
                        "Ses sessions ouvertes seront fermées pour prendre en compte le rôle « {role} »."
                    )],
                );
                (c, Pending::Role { name, role })
            }
            'd' => {
                let key = p.keys.get(self.key)?;
                let c = confirm(
                    format!("Révoquer une clé de {} ?", p.name),
                    vec![
                        format!("{} {} ({})", key.kind, key.fingerprint, key.comment),
                        "Les sessions ouvertes avec cette clé seront fermées.".into(),
                    ],
                );
                let fingerprint = key.fingerprint.clone();
                (c, Pending::RevokeKey { name, fingerprint })
            }
            _ => {
                let c = confirm(
                    format!("Révoquer {} ?", p.name),
                    vec![format!(
                        "Ses {} clé(s) seront retirées et ses sessions fermées immédiatement.",
                        p.keys.len()
                    )],
                );
                (c, Pending::RevokePerson { name })
            }
        })
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        // Sessions come and go without an access change: always the live list.
        self.sessions = self.admin.sessions();
        self.penalties = self.admin.penalties();
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
        let [people_area, keys_area] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
        let [sessions_area, events_area] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(bottom);
        let border = |z: Zone| {
            Style::default().fg(if self.zone == z {
                theme.colors.border_focus
            } else {
                theme.colors.border
            })
        };
        let inner = |r: Rect| r.width.saturating_sub(2) as usize;
        let mut panel = |lines: Vec<Line>, title: String, zone: Option<Zone>, at: Rect| {
            let mut block = Block::default().borders(Borders::ALL).title(title);
            if let Some(z) = zone {
                block = block.border_style(border(z));
            }
            f.render_widget(Paragraph::new(lines).block(block), at);
        };
        panel(
            self.people_lines(inner(people_area), theme),
            format!(" {} ({}) ", txt::PEOPLE, self.list.people.len()),
            Some(Zone::People),
            people_area,
        );
        panel(
            self.key_lines(inner(keys_area), theme),
            format!(" {} ", txt::KEYS),
            Some(Zone::Keys),
            keys_area,
        );
        panel(
            self.session_lines(inner(sessions_area), theme),
            format!(" {} ", txt::SESSIONS),
            Some(Zone::Sessions),
            sessions_area,
        );
        panel(
            self.event_lines(inner(events_area), theme),
            format!(" {} ", txt::EVENTS),
            None,
            events_area,
        );
        match &self.modal {
            Some(Modal::Form(form, _)) => form.draw(f, area, theme),
            Some(Modal::Confirm(c, _)) => c.draw(f, area, theme),
            None => {}
        }
    }

    /// One row per person, then what is wrong in the keys folder.
    fn people_lines(&self, w: usize, theme: &Theme) -> Vec<Line<'static>> {
        let base = Style::default().fg(theme.colors.text);
        let sel = theme.selected();
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
                pad(p.role.label(), 9),
                p.keys.len()
            );
            let style = if i == self.person {
                sel
            } else if p.role == Role::Admin {
                base.add_modifier(Modifier::BOLD)
            } else {
                base
            };
            lines.push(Line::from(Span::styled(fit(&row, w), style)));
        }
        for pb in self.list.problems.iter().take(3) {
            lines.push(Line::from(Span::styled(
                fit(&format!("⚠ {pb}"), w),
                base.fg(theme.colors.warning),
            )));
        }
        lines
    }

    /// The selected person's last login and keys.
    fn key_lines(&self, w: usize, theme: &Theme) -> Vec<Line<'static>> {
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let sel = theme.selected();
        let mut klines = Vec::new();
        if let Some(p) = self.selected_person() {
            let login = match self.logins.get(&p.name) {
                Some(l) => format!(
                    "{} : dernière connexion {} depuis {}",
                    p.name,
                    l.at.fr(),
                    l.source
                ),
                None => format!("{} : jamais connecté", p.name),
            };
            klines.push(Line::from(Span::styled(fit(&login, w), muted)));
            for (i, k) in p.keys.iter().enumerate() {
                let style = if self.zone == Zone::Keys && i == self.key {
                    sel
                } else {
                    base
                };
                klines.push(Line::from(Span::styled(
                    fit(
                        &format!("{} {} {}", pad(&k.kind, 8), k.fingerprint, k.comment),
                        w,
                    ),
                    style,
                )));
            }
        }
        klines
    }

    /// Live sessions, then the addresses held back for failed logins.
    fn session_lines(&self, w: usize, theme: &Theme) -> Vec<Line<'static>> {
        let base = Style::default().fg(theme.colors.text);
        let sel = theme.selected();
        let slines: Vec<Line> = self
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let style = if self.zone == Zone::Sessions && i == self.session {
                    sel
                } else {
                    base
                };
                let me = if Some(&s.fingerprint) == self.me.fingerprint.as_ref()
                    && s.what == "console"
                {
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
                            s.activity()
                        ),
                        w,
                    ),
                    style,
                ))
            })
            .collect();
        let mut slines = slines;
        for p in &self.penalties {
            slines.push(Line::from(Span::styled(
                fit(&format!("⛔ {}", p.describe()), w),
                base.fg(theme.colors.danger),
            )));
        }
        slines
    }

    /// The latest access events.
    fn event_lines(&self, w: usize, theme: &Theme) -> Vec<Line<'static>> {
        let muted = Style::default().fg(theme.colors.muted);
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
                        w,
                    ),
                    muted,
                ))
            })
            .collect();
        elines
    }
}

/// A confirmation that changes no legal document (a letter or Entrée confirms).
fn confirm(title: String, lines: Vec<String>) -> Confirm {
    Confirm {
        issue: None,
        issue_focused: false,
        title,
        lines,
    }
}

fn add_person_form() -> Form {
    Form::new(
        "Ajouter une personne",
        vec![
            "La clé publique OpenSSH se colle en une ligne (ssh-ed25519 AAAA… commentaire).".into(),
        ],
        vec![
            Field::text(FieldId::Name, "Nom", "", "a-z 0-9 . - _"),
            Field::text(FieldId::Role, "Rôle", "staff", "staff, admin ou comptable"),
            Field::text(
                FieldId::Key,
                "Clé publique",
                "",
                "collez la ligne du fichier .pub",
            )
            .long(MAX_KEY_LINE),
        ],
    )
}

fn add_key_form(name: &str) -> Form {
    Form::new(
        &format!("Ajouter une clé à {name}"),
        vec!["Une clé = une personne : une clé déjà attribuée est refusée.".into()],
        vec![
            Field::text(
                FieldId::Key,
                "Clé publique",
                "",
                "collez la ligne du fichier .pub",
            )
            .long(MAX_KEY_LINE),
        ],
    )
}

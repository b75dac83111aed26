//! The audit trail for admins (`J`, or « Journal d'audit » in the palette): the newest
//! records first, a script's consecutive logins of one key on one line; `/` filters by
//! person, kind (acces, refus, documents, paiements, clients, stock, commandes) and from a
//! day — as `ssh … audit --person … --kind … --since …` does.

use super::actions::Action;
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{fit, push_text};
use crate::app::App;
use crate::app::audit::{AuditFilter, AuditLine, KINDS, collapse_logins};
use crate::domain::Date;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const TITLE: &str = "Journal d'audit";
    pub(super) const KEYS: &str =
        "↓↑ PgSuiv PgPréc défiler · / filtrer (personne, genre, date) · Échap retour · ? aide";
    pub(super) const NONE: &str = "Aucun événement ne répond au filtre.";
}

/// Records read for the screen.
const SHOWN: usize = 1000;

pub(super) struct AuditScreen {
    filter_text: String,
    typing: bool,
    lines: Vec<String>,
    error: Option<String>,
    scroll: usize,
}

/// What a typed filter means: a kind's name, a day (JJ/MM/AAAA or AAAA-MM-JJ: from that
/// day on), anything else a person's name.
pub(super) fn parse_filter(typed: &str) -> AuditFilter {
    let mut f = AuditFilter::default();
    for word in typed.split_whitespace() {
        if KINDS.iter().any(|(k, _)| *k == word) {
            f.kind = Some(word.to_string());
        } else if let Some(d) = Date::parse_fr(word).or_else(|| Date::parse_iso(word)) {
            f.since = Some(d);
        } else {
            f.person = Some(word.to_string());
        }
    }
    f
}

impl AuditScreen {
    pub(super) fn open(app: &App) -> AuditScreen {
        let mut s = AuditScreen {
            filter_text: String::new(),
            typing: false,
            lines: Vec::new(),
            error: None,
            scroll: 0,
        };
        s.reload(app);
        s
    }

    pub(super) fn typing(&self) -> bool {
        self.typing
    }

    pub(super) fn unfiltered(&self) -> bool {
        self.filter_text.trim().is_empty() && !self.typing
    }

    pub(super) fn reload(&mut self, app: &App) {
        let filter = parse_filter(&self.filter_text);
        match app.audit_search(&filter, SHOWN) {
            Ok(records) => {
                self.error = None;
                self.lines = collapse_logins(records)
                    .into_iter()
                    .map(|l| match l {
                        AuditLine::Record(r) => {
                            let subject = r
                                .order_number
                                .map(|n| format!(" · {n}"))
                                .unwrap_or_default();
                            format!(
                                "{} · {} · {}{subject} · {}",
                                r.at.fr(),
                                r.actor.display(),
                                r.action.label(),
                                r.access
                                    .as_ref()
                                    .map(|a| a.describe())
                                    .unwrap_or_else(|| r.detail.clone())
                            )
                        }
                        AuditLine::Logins {
                            newest,
                            oldest,
                            count,
                        } => format!(
                            "{} · {} · {count} connexions de la même clé, depuis le {}",
                            newest.at.fr(),
                            newest.actor.display(),
                            oldest.at.fr()
                        ),
                    })
                    .collect();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        self.scroll = self.scroll.min(self.lines.len().saturating_sub(1));
    }

    pub(super) fn handle(&mut self, app: &App, input: &Input) -> Option<Action> {
        if self.typing {
            match input {
                Input::Paste(t) => push_text(&mut self.filter_text, t, 200),
                Input::Key(Key::Char(c)) => {
                    push_text(&mut self.filter_text, c.encode_utf8(&mut [0; 4]), 200)
                }
                Input::Key(Key::Backspace) => {
                    self.filter_text.pop();
                }
                Input::Key(Key::Enter) => {
                    self.typing = false;
                    self.scroll = 0;
                    self.reload(app);
                }
                Input::Key(Key::Esc) => {
                    self.typing = false;
                    self.filter_text.clear();
                    self.reload(app);
                }
                _ => {}
            }
            return None;
        }
        let Input::Key(k) = input else { return None };
        let last = self.lines.len().saturating_sub(1);
        match k {
            Key::Down | Key::Char('j') => self.scroll = (self.scroll + 1).min(last),
            Key::Up | Key::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            Key::PageDown => self.scroll = (self.scroll + 10).min(last),
            Key::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Key::Char('/') => self.typing = true,
            Key::Esc | Key::Backspace => return Some(Action::Back),
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        if self.typing {
            "Entrée appliquer · Échap effacer le filtre".into()
        } else {
            text::KEYS.to_string()
        }
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let w = area.width.saturating_sub(2) as usize;
        let cursor = if self.typing { "▏" } else { "" };
        let mut lines = vec![Line::from(Span::styled(
            fit(
                &format!(
                    "Filtre : {}{cursor}  (personne, genre : {}, date)",
                    self.filter_text,
                    KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(" ")
                ),
                w,
            ),
            muted,
        ))];
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(
                fit(&format!("✗ {e}"), w),
                base.fg(theme.colors.danger),
            )));
        } else if self.lines.is_empty() {
            lines.push(Line::from(Span::styled(text::NONE, base)));
        }
        for l in self.lines.iter().skip(self.scroll) {
            lines.push(Line::from(Span::styled(fit(l, w), base)));
        }
        let title = format!(" {} ({}) ", text::TITLE, self.lines.len());
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
            area,
        );
    }
}

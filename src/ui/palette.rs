//! The command palette (`:` or Ctrl-K): jump to an order, a document or a customer by
//! number or name, or run any action by name ("livrer DEV-2026-00042").

use super::Tab;
use super::actions::{Action, ORDER_OPS, Op};
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{MAX_TYPED, centered, fit, push_text};
use crate::app::Actor;
use crate::app::queries::SearchResult;
use crate::domain::text::fold;
use crate::domain::{DocKind, DocNumber};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

mod text {
    pub(super) const TITLE: &str = " Commande — Entrée exécuter · ↓↑ choisir · Échap fermer ";
    pub(super) const HINT: &str = "DEV-2026-00042, FA-2026-…, un nom de client, ou « livrer DEV-… », « facturer … », « thème »…";
}

pub(super) enum Outcome {
    None,
    Close,
    Run(Action),
    Search(String),
}

pub(super) struct Palette {
    input: String,
    entries: Vec<(String, Action)>,
    customers: Option<SearchResult>,
    selected: usize,
    role: crate::app::Role,
}

impl Palette {
    pub(super) fn new(me: &Actor) -> Palette {
        let mut p = Palette {
            input: String::new(),
            entries: Vec::new(),
            customers: None,
            selected: 0,
            role: me.role,
        };
        p.rebuild();
        p
    }

    pub(super) fn found(&mut self, result: SearchResult) {
        if crate::app::search::Query::new(&self.input).folded == result.found.query {
            self.customers = Some(result);
            self.rebuild();
        }
    }

    fn rebuild(&mut self) {
        let q = fold(self.input.trim());
        let mut entries: Vec<(String, Action)> = Vec::new();
        let words: Vec<&str> = q.split_whitespace().collect();
        // A number anywhere in the input: open it, or act on it.
        let number = words
            .iter()
            .rev()
            .find_map(|w| DocNumber::parse(w))
            .or_else(|| DocNumber::parse(&q));
        if let Some(n) = number {
            let verb = words.first().copied().unwrap_or("");
            if n.kind == DocKind::Quote {
                for spec in &ORDER_OPS {
                    // Only what this role may run is offered.
                    if !verb.is_empty()
                        && spec.kind.permission().allows(self.role)
                        && spec.verb.starts_with(verb)
                        && DocNumber::parse(verb).is_none()
                    {
                        entries.push((
                            format!("{} {n}", spec.phrase),
                            Action::Do(Op::order(spec.kind, n.to_string())),
                        ));
                    }
                }
                entries.push((
                    format!("Ouvrir la commande {n}"),
                    Action::OpenOrder(n.to_string()),
                ));
            } else {
                entries.push((
                    format!("Ouvrir le document {n}"),
                    Action::OpenDocument(n.to_string()),
                ));
            }
        }
        let statics: Vec<(&str, Action)> = vec![
            ("Aller au tableau", Action::Tab(Tab::Board)),
            ("Chercher un client", Action::Tab(Tab::Customers)),
            ("Documents émis", Action::Tab(Tab::Documents)),
            ("Stock : niveaux, réservé, à livrer", Action::OpenStock),
            (
                "Alertes : retards, devis qui expirent, originaux attendus",
                Action::OpenAlerts,
            ),
            (
                "Balance âgée des créances : non échu, 1–30, 31–60, 61–90, plus de 90 jours",
                Action::OpenAged,
            ),
            (
                "Journal d'audit : qui a fait quoi, quand, et ce qui a été refusé",
                Action::OpenAudit,
            ),
            ("Thème suivant", Action::Theme),
            ("Aide", Action::Help),
            ("Quitter", Action::Quit),
        ];
        for (label, action) in statics {
            if matches!(action, Action::OpenAudit)
                && !crate::app::Permission::Audit.allows(self.role)
            {
                continue;
            }
            if q.is_empty()
                || fold(label).contains(&q)
                || words.iter().all(|w| fold(label).contains(w))
            {
                entries.push((label.to_string(), action));
            }
        }
        if crate::app::Permission::ManageAccess.allows(self.role)
            && (q.is_empty() || "acces cles".contains(&q))
        {
            entries.push(("Accès : personnes et clés".into(), Action::Tab(Tab::Access)));
        }
        for spec in &ORDER_OPS {
            if !q.is_empty()
                && spec.kind.permission().allows(self.role)
                && spec.verb.starts_with(words.first().copied().unwrap_or(""))
                && number.is_none()
            {
                entries.push((
                    format!("{} … (ajoutez le n° DEV-…)", spec.phrase),
                    Action::Help,
                ));
            }
        }
        if let Some(r) = &self.customers {
            for o in r.orders.iter().take(5) {
                entries.push((
                    format!("Ouvrir la commande {} ({})", o.number, o.why),
                    Action::OpenOrder(o.number.to_string()),
                ));
            }
        }
        if let Some(r) = &self.customers
            && number.is_none()
        {
            for h in r.hits.iter().take(8) {
                entries.push((
                    format!("Client : {} — {}", h.name, h.city),
                    Action::OpenCustomer(h.id),
                ));
            }
        }
        self.entries = entries;
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
    }

    pub(super) fn handle(&mut self, input: &Input) -> Outcome {
        let before = self.input.clone();
        match input {
            Input::Paste(t) => push_text(&mut self.input, t, MAX_TYPED),
            Input::Key(k) => match k {
                Key::Esc => return Outcome::Close,
                Key::Enter => {
                    return match self.entries.get(self.selected) {
                        Some((_, a)) => Outcome::Run(a.clone()),
                        None => Outcome::None,
                    };
                }
                Key::Down | Key::Tab => {
                    self.selected = (self.selected + 1).min(self.entries.len().saturating_sub(1))
                }
                Key::Up | Key::BackTab => self.selected = self.selected.saturating_sub(1),
                Key::Backspace => {
                    self.input.pop();
                }
                Key::Char(c) => push_text(&mut self.input, c.encode_utf8(&mut [0; 4]), MAX_TYPED),
                _ => {}
            },
        }
        if self.input != before {
            self.selected = 0;
            self.customers = None;
            self.rebuild();
            let q = self.input.trim();
            if q.chars().count() >= 2 && DocNumber::parse(q).is_none() {
                return Outcome::Search(q.to_string());
            }
        }
        Outcome::None
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let r = centered(area, 90, 16);
        f.render_widget(Clear, r);
        let base = Style::default()
            .fg(theme.colors.text)
            .bg(theme.colors.background);
        let w = r.width.saturating_sub(2) as usize;
        let mut lines = vec![Line::from(vec![
            Span::styled(": ", base.fg(theme.colors.info)),
            Span::styled(format!("{}▏", self.input), base.bg(theme.colors.input_bg)),
        ])];
        if self.input.is_empty() {
            lines.push(Line::from(Span::styled(
                fit(text::HINT, w),
                base.fg(theme.colors.muted),
            )));
        }
        for (i, (label, _)) in self.entries.iter().enumerate().take(12) {
            let style = if i == self.selected {
                theme.selected()
            } else {
                base
            };
            let marker = if i == self.selected { "▶ " } else { "  " };
            lines.push(Line::from(Span::styled(
                fit(&format!("{marker}{label}"), w),
                style,
            )));
        }
        let block = Block::default()
            .title(text::TITLE)
            .borders(Borders::ALL)
            .style(base);
        f.render_widget(Paragraph::new(lines).block(block), r);
    }
}

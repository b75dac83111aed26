//! The alerts screen behind the header's « ⚠ N alertes »: overdue invoices with their
//! interest, interest still owed, quotes about to expire, pre-orders waiting for their
//! original, bodies awaiting review. Enter opens the order or the customer.

use super::actions::Action;
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::fit;
use crate::app::App;
use crate::app::queries::{AlertRow, AlertTarget};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const TITLE: &str = "Alertes";
    pub(super) const KEYS: &str = "↓↑ choisir · Entrée ouvrir · Échap retour · ? aide";
    pub(super) const NONE: &str = "Aucune alerte : rien n'attend.";
}

pub(super) struct AlertsScreen {
    rows: Vec<AlertRow>,
    selected: usize,
}

impl AlertsScreen {
    pub(super) fn open(app: &App) -> AlertsScreen {
        AlertsScreen {
            rows: app.alerts(),
            selected: 0,
        }
    }

    pub(super) fn reload(&mut self, app: &App) {
        self.rows = app.alerts();
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        if super::widgets::move_cursor(&mut self.selected, k, self.rows.len()) {
            return None;
        }
        match k {
            Key::Enter => {
                return self.rows.get(self.selected).map(|r| match &r.target {
                    AlertTarget::Order(n) => Action::OpenOrder(n.clone()),
                    AlertTarget::Customer(id) => Action::OpenCustomer(*id),
                });
            }
            Key::Esc | Key::Backspace => return Some(Action::Back),
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        text::KEYS.to_string()
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let base = Style::default().fg(theme.colors.text);
        let group_style = base.fg(theme.colors.title).add_modifier(Modifier::BOLD);
        let w = area.width.saturating_sub(2) as usize;
        let visible = area.height.saturating_sub(2) as usize;
        // Lines: a heading before each group, then its rows.
        let mut lines: Vec<(Option<usize>, Line)> = Vec::new();
        let mut group = "";
        for (i, r) in self.rows.iter().enumerate() {
            if r.group != group {
                group = r.group;
                lines.push((
                    None,
                    Line::from(Span::styled(group.to_string(), group_style)),
                ));
            }
            let sel = i == self.selected;
            let style = if sel { theme.selected() } else { base };
            let marker = if sel { "▶ " } else { "  " };
            lines.push((
                Some(i),
                Line::from(Span::styled(fit(&format!("{marker}{}", r.text), w), style)),
            ));
        }
        if lines.is_empty() {
            lines.push((None, Line::from(Span::styled(text::NONE, base))));
        }
        let at = lines
            .iter()
            .position(|(i, _)| *i == Some(self.selected))
            .unwrap_or(0);
        let start = at.saturating_sub(visible.saturating_sub(1));
        let shown: Vec<Line> = lines
            .into_iter()
            .skip(start)
            .take(visible)
            .map(|(_, l)| l)
            .collect();
        let title = format!(" {} ({}) ", text::TITLE, self.rows.len());
        f.render_widget(
            Paragraph::new(shown).block(Block::default().borders(Borders::ALL).title(title)),
            area,
        );
    }
}

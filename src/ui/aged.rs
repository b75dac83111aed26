//! The aged balance of receivables: per body, what is unpaid by how late it is (not due,
//! 1–30, 31–60, 61–90, more than 90 days past due) and what it is owed back; the
//! longest overdue first, a total line on top. Enter opens the body.

use super::actions::Action;
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{fit, pad, right};
use crate::app::App;
use crate::app::accounts::AgedLine;
use crate::domain::Cents;
use crate::domain::statement::AGE_BUCKETS;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const TITLE: &str = "Balance âgée des créances";
    pub(super) const KEYS: &str =
        "↓↑ choisir · Entrée ouvrir le client · Échap retour · ? aide · CSV : ssh hôte export aged";
    pub(super) const NONE: &str = "Aucune créance ouverte : tout est réglé.";
    pub(super) const CREDIT: &str = "Trop-perçu";
    pub(super) const TOTAL: &str = "Total";
}

/// Width of the money columns.
const MONEY: usize = 12;

pub(super) struct AgedScreen {
    rows: Vec<AgedLine>,
    selected: usize,
}

impl AgedScreen {
    pub(super) fn open(app: &App) -> AgedScreen {
        AgedScreen {
            rows: app.aged_balance(),
            selected: 0,
        }
    }

    pub(super) fn reload(&mut self, app: &App) {
        self.rows = app.aged_balance();
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        if super::widgets::move_cursor(&mut self.selected, k, self.rows.len()) {
            return None;
        }
        match k {
            Key::Enter => {
                return self
                    .rows
                    .get(self.selected)
                    .map(|r| Action::OpenCustomer(r.row.customer));
            }
            Key::Esc | Key::Backspace => return Some(Action::Back),
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        text::KEYS.to_string()
    }

    /// A row: the name in what the money columns leave, then the amounts.
    fn row(name: &str, amounts: &[Cents], w: usize) -> String {
        let money: String = amounts
            .iter()
            .map(|c| {
                let s = if *c == Cents::ZERO {
                    "—".to_string()
                } else {
                    c.fr()
                };
                right(&s, MONEY)
            })
            .collect();
        let name_w = w.saturating_sub(MONEY * amounts.len()).max(12);
        fit(&format!("{}{money}", pad(name, name_w)), w)
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let w = area.width.saturating_sub(2) as usize;
        let visible = area.height.saturating_sub(4) as usize;
        let mut totals = [Cents::ZERO; 6];
        for r in &self.rows {
            for (t, b) in totals.iter_mut().zip(r.row.buckets) {
                *t += b;
            }
            totals[5] += r.row.credit;
        }
        // The « trop-perçu » column only when some body is owed something back.
        let columns = if totals[5] > Cents::ZERO { 6 } else { 5 };
        let name_w = w.saturating_sub(MONEY * columns).max(12);
        let mut header = pad("Organisme", name_w);
        for t in AGE_BUCKETS.iter().chain([&text::CREDIT]).take(columns) {
            header.push_str(&right(t, MONEY));
        }
        let mut lines = vec![
            Line::from(Span::styled(fit(&header, w), muted)),
            Line::from(Span::styled(
                Self::row(text::TOTAL, &totals[..columns], w),
                base.add_modifier(Modifier::BOLD),
            )),
        ];
        if self.rows.is_empty() {
            lines.push(Line::from(Span::styled(text::NONE, base)));
        }
        let start = self.selected.saturating_sub(visible.saturating_sub(1));
        for (i, r) in self.rows.iter().enumerate().skip(start).take(visible) {
            let mut amounts = [Cents::ZERO; 6];
            amounts[..5].copy_from_slice(&r.row.buckets);
            amounts[5] = r.row.credit;
            let style = if i == self.selected {
                theme.selected()
            } else if r.row.buckets[4] > Cents::ZERO {
                base.fg(theme.colors.danger)
            } else {
                base
            };
            lines.push(Line::from(Span::styled(
                Self::row(&r.name, &amounts[..columns], w),
                style,
            )));
        }
        let owed: Cents = self.rows.iter().map(|r| r.row.balance()).sum();
        let title = format!(
            " {} — {} organisme(s), solde {} ",
            text::TITLE,
            self.rows.len(),
            owed.fr()
        );
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
            area,
        );
    }
}

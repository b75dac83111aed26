//! Rapprochement: the bank statements' entries that wait for a person — what the import
//! proposed, and what it could not match — with their amount, payer and remittance.
//! `c` confirms a proposal, `a` names the invoices an entry pays, `x` sets it aside with a
//! reason; each decision goes through its confirmation and is audited.

use super::actions::bank::BANK_OPS;
use super::actions::{Action, Op, Target};
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{fit, pad, right};
use crate::app::App;
use crate::domain::bank::{BankRecord, BankState};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const TITLE: &str = "Rapprochement bancaire";
    pub(super) const NONE: &str =
        "Rien à rapprocher : importez un relevé avec ssh hôte bank import < releve.xml";
    pub(super) const KEYS: &str =
        "↓↑ choisir · c confirmer · a désigner les factures · x écarter · Échap retour · ? aide";
}

pub(super) struct BankScreen {
    rows: Vec<BankRecord>,
    selected: usize,
}

impl BankScreen {
    pub(super) fn open(app: &App) -> BankScreen {
        BankScreen {
            rows: app.bank_entries(true).unwrap_or_default(),
            selected: 0,
        }
    }

    pub(super) fn reload(&mut self, app: &App) {
        self.rows = app.bank_entries(true).unwrap_or_default();
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        if super::widgets::move_cursor(&mut self.selected, k, self.rows.len()) {
            return None;
        }
        match k {
            Key::Esc | Key::Backspace => return Some(Action::Back),
            Key::Char(c) => {
                let spec = BANK_OPS.iter().find(|s| s.key == *c)?;
                let row = self.rows.get(self.selected)?;
                return Some(Action::Do(Op {
                    kind: spec.kind,
                    target: Target::BankEntry(row.id),
                }));
            }
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        text::KEYS.to_string()
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let w = area.width.saturating_sub(2) as usize;
        let visible = area.height.saturating_sub(4) as usize / 2;
        let payer_w = 24;
        let mut lines = vec![Line::from(Span::styled(
            fit(
                &format!(
                    "{}{}{}  {}  {}",
                    pad("n°", 6),
                    pad("valeur", 11),
                    right("montant", 13),
                    pad("payeur", payer_w),
                    "décision de l'import"
                ),
                w,
            ),
            muted.add_modifier(Modifier::BOLD),
        ))];
        if self.rows.is_empty() {
            lines.push(Line::from(Span::styled(text::NONE, base)));
        }
        let start = self.selected.saturating_sub(visible.saturating_sub(1));
        for (i, r) in self.rows.iter().enumerate().skip(start).take(visible) {
            let style = if i == self.selected {
                theme.selected()
            } else if matches!(r.state, BankState::Proposed { .. }) {
                base.fg(theme.colors.ok)
            } else {
                base.fg(theme.colors.warning)
            };
            let tag = match &r.state {
                BankState::Proposed { .. } => "proposé",
                _ => "à rapprocher",
            };
            lines.push(Line::from(Span::styled(
                fit(
                    &format!(
                        "{}{}{}  {}  {tag} · {}",
                        pad(&r.id.to_string(), 6),
                        pad(&r.value.fr(), 11),
                        right(&r.amount.fr(), 13),
                        pad(if r.payer.is_empty() { "—" } else { &r.payer }, payer_w),
                        r.describe()
                    ),
                    w,
                ),
                style,
            )));
            lines.push(Line::from(Span::styled(
                fit(&format!("      {}", r.remittance), w),
                muted,
            )));
        }
        let total: crate::domain::Cents = self.rows.iter().map(|r| r.amount).sum();
        let title = format!(
            " {} — {} entrée(s) à décider, {} ",
            text::TITLE,
            self.rows.len(),
            total.fr()
        );
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
            area,
        );
    }
}

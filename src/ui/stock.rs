//! The stock screen: levels, reserved, available, to deliver — the shortages first.

use super::actions::{Action, Op, OpKind, PRODUCT_OPS, Target};
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{fit, right};
use crate::app::App;
use crate::app::queries::StockRow;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const TITLE: &str = "Stock";
    pub(super) const COLUMNS: &str =
        "Réf.          Désignation                     En stock  Réservé  Disponible  À livrer";
    pub(super) const KEYS: &str = "↓↑ PgSuiv PgPréc défiler · Échap retour · ? aide";
    pub(super) const SHORT: &str = "⚠ manque";
}

pub(super) struct StockScreen {
    rows: Vec<StockRow>,
    scroll: usize,
}

impl StockScreen {
    pub(super) fn open(app: &App) -> Result<StockScreen, crate::app::AppError> {
        let mut s = StockScreen {
            rows: Vec::new(),
            scroll: 0,
        };
        s.rows = Self::sorted(app.stock_view()?);
        Ok(s)
    }

    /// Shortages first, then by reference.
    fn sorted(mut rows: Vec<StockRow>) -> Vec<StockRow> {
        rows.sort_by(|a, b| b.short().cmp(&a.short()).then_with(|| a.sku.cmp(&b.sku)));
        rows
    }

    pub(super) fn reload(&mut self, app: &App) {
        if let Ok(rows) = app.stock_view() {
            self.rows = Self::sorted(rows);
        }
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        let last = self.rows.len().saturating_sub(1);
        match k {
            Key::Down | Key::Char('j') => self.scroll = (self.scroll + 1).min(last),
            Key::Up | Key::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            Key::PageDown => self.scroll = (self.scroll + 10).min(last),
            Key::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Key::Home => self.scroll = 0,
            Key::Esc | Key::Backspace => return Some(Action::Back),
            Key::Char(ch) => {
                let spec = PRODUCT_OPS.iter().find(|s| s.key == *ch)?;
                let target = match spec.kind {
                    OpKind::NewProduct => Target::Shop,
                    _ => Target::Product(self.rows.get(self.scroll)?.sku.clone()),
                };
                return Some(Action::Do(Op {
                    kind: spec.kind,
                    target,
                }));
            }
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        let ops: Vec<String> = PRODUCT_OPS
            .iter()
            .map(|s| format!("{} {}", s.key, s.label))
            .collect();
        format!("{} · {}", ops.join(" · "), text::KEYS)
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let w = area.width.saturating_sub(2) as usize;
        let short = self.rows.iter().filter(|r| r.short()).count();
        let mut lines = vec![Line::from(Span::styled(fit(text::COLUMNS, w), muted))];
        // The first row shown is the one the product keys act on.
        for (i, r) in self.rows.iter().skip(self.scroll).enumerate() {
            let style = if i == 0 {
                theme.selected()
            } else if r.short() {
                base.fg(theme.colors.danger).add_modifier(Modifier::BOLD)
            } else {
                base
            };
            let row = format!(
                "{} {} {} {} {} {}{}",
                super::widgets::pad(&r.sku, 13),
                super::widgets::pad(&r.designation, 30),
                right(&r.on_hand.to_string(), 9),
                right(&r.reserved.to_string(), 8),
                right(&r.available.to_string(), 11),
                right(&r.to_deliver.to_string(), 9),
                if r.short() {
                    format!("  {}", text::SHORT)
                } else {
                    String::new()
                }
            );
            lines.push(Line::from(Span::styled(fit(&row, w), style)));
        }
        let title = format!(
            " {} — {} produit(s), {short} en manque pour les commandes en cours ",
            text::TITLE,
            self.rows.len()
        );
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
            area,
        );
    }
}

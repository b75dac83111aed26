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
    /// The product the keys act on (highlighted).
    selected: usize,
    /// The first row shown.
    scroll: usize,
    /// Rows the last frame could show.
    page: std::cell::Cell<usize>,
}

impl StockScreen {
    pub(super) fn open(app: &App) -> Result<StockScreen, crate::app::AppError> {
        let mut s = StockScreen {
            rows: Vec::new(),
            selected: 0,
            scroll: 0,
            page: std::cell::Cell::new(20),
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
        // The cursor stays on the same product when it is still listed.
        let sku = self.rows.get(self.selected).map(|r| r.sku.clone());
        if let Ok(rows) = app.stock_view() {
            self.rows = Self::sorted(rows);
        }
        if let Some(i) = sku.and_then(|s| self.rows.iter().position(|r| r.sku == s)) {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.keep_in_view();
    }

    fn keep_in_view(&mut self) {
        let page = self.page.get().max(1);
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + page {
            self.scroll = self.selected + 1 - page;
        }
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        if super::widgets::move_cursor(&mut self.selected, k, self.rows.len()) {
            self.keep_in_view();
            return None;
        }
        match k {
            Key::Esc | Key::Backspace => return Some(Action::Back),
            Key::Char(ch) => {
                let spec = PRODUCT_OPS.iter().find(|s| s.key == *ch)?;
                let target = match spec.kind {
                    OpKind::NewProduct => Target::Shop,
                    _ => Target::Product(self.rows.get(self.selected)?.sku.clone()),
                };
                return Some(Action::Do(Op {
                    kind: spec.kind,
                    target,
                }));
            }
            _ => {}
        }
        self.keep_in_view();
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
        let page = area.height.saturating_sub(3) as usize;
        self.page.set(page.max(1));
        // The highlighted row is the one the product keys act on.
        for (i, r) in self
            .rows
            .iter()
            .enumerate()
            .skip(self.scroll)
            .take(page.max(1))
        {
            let style = if i == self.selected {
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

//! Tableau: one column per stage, cards that say what needs attention, a fuzzy filter.

use super::actions::{self, Action, Op, OpSpec, Situation};
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{MAX_TYPED, fit, pad, push_text, spread};
use crate::app::App;
use crate::app::index::{BoardFilter, CardView, ColumnTotals};
use crate::domain::chorus::ChorusMark;
use crate::domain::{Flag, OrderId, Stage};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const FILTER: &str = "Filtre";
    pub(super) const FILTER_HINT: &str =
        "tapez pour filtrer (client, ville, SIRET, n°) · Entrée garder · Échap effacer";
    pub(super) const EMPTY: &str = "(aucune commande)";
    pub(super) const KEYS: &str = "←↓↑→/hjkl naviguer · Entrée ouvrir · c client · / filtrer · : commandes · ? aide · t thème · q quitter";
    pub(super) const DAYS: &str = "j";
}

/// Lines per card (number, customer, amount, flags) plus a separator.
const CARD_HEIGHT: u16 = 4;
const MIN_COLUMN_WIDTH: u16 = 30;

pub(super) struct Board {
    column: usize,
    /// Per column: first visible card and selected card index.
    offset: [usize; 9],
    row: [usize; 9],
    /// The card the cursor is on, so it survives updates.
    selected: Option<OrderId>,
    filter_input: Option<String>,
    filter: Option<BoardFilter>,
    /// Cards per page, from the last draw.
    page: usize,
    first_column: usize,
}

impl Board {
    pub(super) fn new(_app: &App) -> Board {
        Board {
            column: 0,
            offset: [0; 9],
            row: [0; 9],
            selected: None,
            filter_input: None,
            filter: None,
            page: 4,
            first_column: 0,
        }
    }

    pub(super) fn typing(&self) -> bool {
        self.filter_input.is_some()
    }

    fn stage(&self) -> Stage {
        Stage::ALL[self.column]
    }

    fn totals(&self, app: &App) -> std::sync::Arc<[ColumnTotals; 9]> {
        app.index().board_totals(app.today(), self.filter.as_ref())
    }

    fn card_at(&self, app: &App, column: usize, row: usize) -> Option<CardView> {
        app.index()
            .column(
                Stage::ALL[column],
                app.today(),
                self.filter.as_ref(),
                row,
                1,
                &app.settings().ecb_rates,
            )
            .into_iter()
            .next()
    }

    pub(super) fn selected_card(&self, app: &App) -> Option<CardView> {
        self.card_at(app, self.column, self.row[self.column])
    }

    /// After a change: keep the cursor on the same card when it is still in the column.
    pub(super) fn reload(&mut self, app: &App) {
        if let Some(f) = &self.filter {
            self.filter = app.board_filter(&f.query);
        }
        if let Some(id) = self.selected
            && let Some((stage, pos)) = app.index().position(id, app.today(), self.filter.as_ref())
            && stage == self.stage()
        {
            self.row[self.column] = pos;
        }
        self.clamp(app);
    }

    fn clamp(&mut self, app: &App) {
        let totals = self.totals(app);
        for (c, t) in totals.iter().enumerate() {
            let n = t.count as usize;
            self.row[c] = self.row[c].min(n.saturating_sub(1));
            if self.row[c] < self.offset[c] {
                self.offset[c] = self.row[c];
            }
            if self.row[c] >= self.offset[c] + self.page.max(1) {
                self.offset[c] = self.row[c] + 1 - self.page.max(1);
            }
        }
        self.selected = self.selected_card(app).map(|c| c.id);
    }

    pub(super) fn handle(&mut self, app: &App, input: &Input) -> Option<Action> {
        if let Some(buf) = &mut self.filter_input {
            match input {
                Input::Paste(t) => push_text(buf, t, MAX_TYPED),
                Input::Key(Key::Char(c)) => push_text(buf, c.encode_utf8(&mut [0; 4]), MAX_TYPED),
                Input::Key(Key::Backspace) => {
                    buf.pop();
                }
                Input::Key(Key::Enter) | Input::Key(Key::Down) => {
                    self.filter_input = None;
                    return None;
                }
                Input::Key(Key::Esc) => {
                    self.filter_input = None;
                    self.filter = None;
                    self.clamp(app);
                    return None;
                }
                _ => return None,
            }
            let q = self.filter_input.clone().unwrap_or_default();
            self.filter = app.board_filter(&q);
            self.row = [0; 9];
            self.offset = [0; 9];
            // The matches brought into view: when the column in focus has none, the first
            // column that has some takes the focus (and is scrolled to).
            if self.filter.is_some() {
                let totals = self.totals(app);
                if totals[self.column].count == 0
                    && let Some(c) = (0..9).find(|&c| totals[c].count > 0)
                {
                    self.column = c;
                }
            }
            self.clamp(app);
            return None;
        }
        let Input::Key(k) = input else { return None };
        match k {
            Key::Left | Key::Char('h') => self.column = self.column.saturating_sub(1),
            Key::Right | Key::Char('l') => self.column = (self.column + 1).min(8),
            Key::Up | Key::Char('k') => {
                self.row[self.column] = self.row[self.column].saturating_sub(1)
            }
            Key::Down | Key::Char('j') => self.row[self.column] += 1,
            Key::PageUp => self.row[self.column] = self.row[self.column].saturating_sub(self.page),
            Key::PageDown => self.row[self.column] += self.page,
            Key::Home => self.row[self.column] = 0,
            Key::End => self.row[self.column] = usize::MAX / 2,
            Key::Char('/') => {
                self.filter_input = Some(
                    self.filter
                        .as_ref()
                        .map(|f| f.query.clone())
                        .unwrap_or_default(),
                );
                return None;
            }
            Key::Esc if self.filter.is_some() => {
                self.filter = None;
            }
            Key::Enter => {
                return self
                    .selected_card(app)
                    .map(|c| Action::OpenOrder(c.number.to_string()));
            }
            Key::Char('c') => {
                return self
                    .selected_card(app)
                    .map(|c| Action::OpenCustomer(c.customer));
            }
            Key::Char('s') => return Some(Action::OpenStock),
            Key::Char(ch) => {
                let card = self.selected_card(app)?;
                let situation = Self::situation(app, &card);
                if let Some(why) = actions::explain_key(*ch, &situation) {
                    return Some(why);
                }
                let spec = actions::order_ops(&situation).find(|s| s.key == *ch)?;
                return Some(Action::Do(Op::order(spec.kind, card.number.to_string())));
            }
            _ => {}
        }
        self.clamp(app);
        None
    }

    fn ops(app: &App, card: &CardView) -> Vec<&'static OpSpec> {
        actions::order_ops(&Self::situation(app, card)).collect()
    }

    fn situation(app: &App, card: &CardView) -> Situation {
        let (live_invoice, to_invoice, suspended, credit_balance) = app
            .index()
            .card(card.id)
            .map(|c| {
                (
                    c.outstanding.0 > 0,
                    c.stage == Stage::PoReceived && c.partial_delivery,
                    c.late.iter().any(|l| l.due.is_none()),
                    c.outstanding.0 < 0,
                )
            })
            .unwrap_or((false, false, false, false));
        Situation {
            stage: card.stage,
            live_invoice,
            to_invoice,
            renewed: card.flags.contains(&Flag::Renewed),
            suspended,
            penalties_owed: card
                .flags
                .iter()
                .any(|f| matches!(f, Flag::Overdue { .. } | Flag::PenaltiesOwed(_))),
            delivered: to_invoice
                || !matches!(
                    card.stage,
                    Stage::Quote | Stage::PreOrder | Stage::PoReceived
                ),
            credit_balance,
            overdue: card.flags.iter().any(|f| matches!(f, Flag::Overdue { .. })),
        }
    }

    /// The footer: navigation, and what can be done to the selected card.
    pub(super) fn keys(&self, app: &App) -> String {
        if self.filter_input.is_some() {
            return text::FILTER_HINT.to_string();
        }
        let mut s = String::new();
        if let Some(card) = self.selected_card(app) {
            s.push_str(&actions::footer(Self::ops(app, &card).into_iter()));
        }
        s.push_str(text::KEYS);
        s
    }

    pub(super) fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme, app: &App) {
        let mut area = area;
        if self.filter_input.is_some() || self.filter.is_some() {
            let q = self
                .filter_input
                .as_deref()
                .or(self.filter.as_ref().map(|f| f.query.as_str()))
                .unwrap_or("");
            let cursor = if self.filter_input.is_some() {
                "▏"
            } else {
                ""
            };
            let line = Line::from(vec![
                Span::styled(
                    format!(" {} : ", text::FILTER),
                    Style::default().fg(theme.colors.muted),
                ),
                Span::styled(
                    format!("{q}{cursor}"),
                    Style::default()
                        .fg(theme.colors.text)
                        .bg(theme.colors.input_bg),
                ),
            ]);
            f.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
            area.y += 1;
            area.height = area.height.saturating_sub(1);
        }
        let visible = ((area.width / MIN_COLUMN_WIDTH) as usize).clamp(1, 9);
        if self.column < self.first_column {
            self.first_column = self.column;
        }
        if self.column >= self.first_column + visible {
            self.first_column = self.column + 1 - visible;
        }
        self.first_column = self.first_column.min(9 - visible);
        let width = area.width / visible as u16;
        self.page = ((area.height.saturating_sub(4)) / CARD_HEIGHT).max(1) as usize;
        self.clamp(app);
        let totals = self.totals(app);
        let today = app.today();
        let ecb = &app.settings().ecb_rates;
        for i in 0..visible {
            let c = self.first_column + i;
            let stage = Stage::ALL[c];
            let x = area.x + i as u16 * width;
            let w = if i + 1 == visible {
                area.width - i as u16 * width
            } else {
                width
            };
            let col_area = Rect {
                x,
                y: area.y,
                width: w,
                height: area.height,
            };
            let focused = c == self.column;
            let border = if focused {
                theme.colors.border_focus
            } else {
                theme.colors.border
            };
            let t = totals[c];
            let title = Line::from(vec![Span::styled(
                format!(" {} ", stage.label()),
                Style::default()
                    .fg(theme.stage(stage))
                    .add_modifier(Modifier::BOLD),
            )]);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(Style::default().fg(border))
                .title(title);
            let inner = block.inner(col_area);
            f.render_widget(block, col_area);
            let iw = inner.width as usize;
            let mut lines = vec![
                Line::from(Span::styled(
                    spread(&format!("{} cmd", t.count), &t.total.fr(), iw),
                    Style::default().fg(theme.colors.muted),
                )),
                Line::from(Span::styled(
                    "─".repeat(iw),
                    Style::default().fg(theme.colors.border),
                )),
            ];
            let cards = app.index().column(
                stage,
                today,
                self.filter.as_ref(),
                self.offset[c],
                self.page,
                ecb,
            );
            if cards.is_empty() {
                lines.push(Line::from(Span::styled(
                    text::EMPTY,
                    Style::default().fg(theme.colors.muted),
                )));
            }
            for (k, card) in cards.iter().enumerate() {
                let selected = focused && self.offset[c] + k == self.row[c];
                let chorus = app.chorus_mark(card.id);
                lines.extend(card_lines(card, chorus, selected, iw, theme));
            }
            f.render_widget(Paragraph::new(lines), inner);
        }
        // Arrows say there are more columns off screen.
        let more = Style::default().fg(theme.colors.muted);
        if self.first_column > 0 {
            f.render_widget(
                Paragraph::new("◀").style(more),
                Rect {
                    x: area.x,
                    y: area.y,
                    width: 1,
                    height: 1,
                },
            );
        }
        if self.first_column + visible < 9 {
            f.render_widget(
                Paragraph::new("▶").style(more),
                Rect {
                    x: area.x + area.width - 1,
                    y: area.y,
                    width: 1,
                    height: 1,
                },
            );
        }
    }
}

fn flag_colour(theme: &Theme, flag: &Flag) -> ratatui::style::Color {
    let c = &theme.colors;
    match flag {
        Flag::ExpiringSoon(_) => c.flag_expiring,
        Flag::Expired => c.flag_expired,
        Flag::Renewed => c.muted,
        Flag::WaitingOriginal(_) => c.flag_waiting,
        Flag::Overdue { .. } | Flag::PenaltiesOwed(_) => c.flag_overdue,
        Flag::PartialDelivery => c.flag_partial,
    }
}

/// The customer's name, and at the right the order's mark on Chorus Pro if it has one
/// (« CP ✓ » deposited, « CP … » queued, « CP ⚠ » a person must act).
fn customer_line(
    card: &CardView,
    chorus: Option<ChorusMark>,
    base: Style,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let Some(mark) = chorus.filter(|_| width >= 12) else {
        return Line::from(Span::styled(
            format!(" {}", fit(&card.customer_name, width.saturating_sub(1))),
            base,
        ));
    };
    let tag = mark.tag();
    let name = pad(
        &format!(" {}", card.customer_name),
        width.saturating_sub(tag.chars().count() + 1),
    );
    let colour = match mark {
        ChorusMark::Attention => theme.colors.warning,
        ChorusMark::Pending => theme.colors.muted,
        ChorusMark::Sent => theme.colors.ok,
    };
    Line::from(vec![
        Span::styled(name, base),
        Span::styled(
            tag.to_string(),
            base.fg(colour).add_modifier(Modifier::BOLD),
        ),
        Span::styled(" ", base),
    ])
}

/// A card: number and amount, customer, age and the most urgent flag (symbol and words,
/// so it reads without colour).
fn card_lines(
    card: &CardView,
    chorus: Option<ChorusMark>,
    selected: bool,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let base = if selected {
        theme.selected()
    } else {
        Style::default().fg(theme.colors.text)
    };
    let marker = if selected { "▶" } else { " " };
    let head = spread(
        &format!("{marker}{}", card.number),
        &format!("{} ", card.total_incl_vat.fr()),
        width,
    );
    let mut lines = vec![
        Line::from(Span::styled(head, base.add_modifier(Modifier::BOLD))),
        customer_line(card, chorus, base, width, theme),
    ];
    let age = format!(" {} {}", card.days_in_stage, text::DAYS);
    let flag = card
        .flags
        .iter()
        .find(|f| !matches!(f, Flag::PartialDelivery))
        .or(card.flags.first());
    match flag {
        Some(fl) => {
            let style = base.fg(flag_colour(theme, fl)).add_modifier(Modifier::BOLD);
            let txt = fit(
                &format!(" · {}", fl.text()),
                width.saturating_sub(age.chars().count()),
            );
            let used = age.chars().count() + txt.chars().count();
            lines.push(Line::from(vec![
                Span::styled(age, base),
                Span::styled(txt, style),
                Span::styled(" ".repeat(width.saturating_sub(used)), base),
            ]));
        }
        None => lines.push(Line::from(Span::styled(
            format!("{age}{}", " ".repeat(width.saturating_sub(4))),
            base,
        ))),
    }
    lines.push(Line::from(""));
    lines
}

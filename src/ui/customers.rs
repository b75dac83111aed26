//! Clients: search as you type, and the customer's page.

use super::actions::{Action, CUSTOMER_OPS, Op};
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{MAX_TYPED, fit, highlighted, pad, push_text, right, spread};
use crate::app::App;
use crate::app::queries::{CustomerHit, CustomerView, SearchResult};
use crate::domain::{CustomerId, EligibilityStatus, legal};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const SEARCH: &str = "Rechercher";
    pub(super) const PLACEHOLDER: &str = "nom, ville, SIRET, contact, n° de devis ou de facture…";
    pub(super) const RESULTS: &str = "résultat(s)";
    pub(super) const NONE: &str = "Aucun client ne correspond.";
    pub(super) const KEYS: &str = "onglets : F1-F4 ou Alt+1…4 · Ctrl-N nouveau client · tapez pour chercher (chiffres compris) · ↓↑ · Entrée ouvrir · Échap effacer";
    pub(super) const DETAIL_KEYS: &str = "↓↑ commandes · Entrée ouvrir · Échap retour · ? aide";
    pub(super) const HEADER_ADDRESS: &str = "Adresse (en-tête)";
    pub(super) const DELIVERY: &str = "Livraison";
    pub(super) const CONTACTS: &str = "Contacts";
    pub(super) const ORDERS: &str = "Commandes";
    pub(super) const OUTSTANDING: &str = "Encours";
    pub(super) const OVERDUE: &str = "dont en retard";
}

#[derive(Default)]
pub(super) struct Customers {
    query: String,
    result: SearchResult,
    selected: usize,
    /// The query the shown result answers (results arrive after the keystroke).
    answered: String,
}

impl Customers {
    pub(super) fn typing(&self) -> bool {
        true
    }

    /// How many customers the result shown matches.
    #[cfg(test)]
    pub(super) fn total(&self) -> usize {
        self.result.found.total
    }

    pub(super) fn found(&mut self, result: SearchResult) {
        // Results of an older keystroke are dropped: only the latest query counts.
        if crate::app::search::Query::new(&self.query).folded != result.found.query {
            return;
        }
        self.answered = self.query.clone();
        self.result = result;
        self.selected = self.selected.min(self.result.hits.len().saturating_sub(1));
    }

    pub(super) fn changed(&mut self, _app: &App) {}

    pub(super) fn handle(&mut self, input: &Input) -> (Option<Action>, Vec<super::Cmd>) {
        let before = self.query.clone();
        match input {
            Input::Paste(t) => push_text(&mut self.query, t, MAX_TYPED),
            Input::Key(k) => match k {
                Key::Char(c) => push_text(&mut self.query, c.encode_utf8(&mut [0; 4]), MAX_TYPED),
                Key::Backspace => {
                    self.query.pop();
                }
                Key::Ctrl('u') => self.query.clear(),
                Key::Ctrl('n') => {
                    let op = Op {
                        kind: super::actions::OpKind::NewCustomer,
                        target: super::actions::Target::Shop,
                    };
                    return (Some(Action::Do(op)), Vec::new());
                }
                Key::Esc => {
                    if self.query.is_empty() {
                        return (Some(Action::Tab(super::Tab::Board)), Vec::new());
                    }
                    self.query.clear();
                }
                Key::Down => {
                    self.selected =
                        (self.selected + 1).min(self.result.hits.len().saturating_sub(1))
                }
                Key::Up => self.selected = self.selected.saturating_sub(1),
                Key::PageDown => {
                    self.selected =
                        (self.selected + 10).min(self.result.hits.len().saturating_sub(1))
                }
                Key::PageUp => self.selected = self.selected.saturating_sub(10),
                Key::Enter => {
                    return (
                        self.result
                            .hits
                            .get(self.selected)
                            .map(|h| Action::OpenCustomer(h.id)),
                        Vec::new(),
                    );
                }
                _ => {}
            },
        }
        if self.query != before {
            self.selected = 0;
            if self.query.trim().is_empty() {
                self.result = SearchResult::default();
                return (None, Vec::new());
            }
            return (Some(Action::Search(self.query.clone())), Vec::new());
        }
        (None, Vec::new())
    }

    pub(super) fn keys(&self) -> String {
        text::KEYS.to_string()
    }

    pub(super) fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let [input, list] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(theme.colors.border_focus))
            .title(format!(" {} ", text::SEARCH));
        let content = if self.query.is_empty() {
            Line::from(vec![
                Span::styled("▏", Style::default().fg(theme.colors.text)),
                Span::styled(text::PLACEHOLDER, Style::default().fg(theme.colors.muted)),
            ])
        } else {
            Line::from(Span::styled(
                format!("{}▏", self.query),
                Style::default().fg(theme.colors.text),
            ))
        };
        f.render_widget(Paragraph::new(content).block(block), input);
        let w = list.width as usize;
        let mut lines = Vec::new();
        if !self.query.trim().is_empty() {
            // « … »: the rows shown answer an earlier keystroke. The rows come before the
            // exact count; until it arrives the count says « ≥ ».
            let pending = if self.answered != self.query {
                " …"
            } else {
                ""
            };
            let at_least = if self.result.found.settled() {
                ""
            } else {
                "≥ "
            };
            lines.push(Line::from(Span::styled(
                format!(
                    " {at_least}{} {}{pending}",
                    self.result.total,
                    text::RESULTS
                ),
                Style::default().fg(theme.colors.muted),
            )));
            if self.result.hits.is_empty() && pending.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!(" {}", text::NONE),
                    Style::default().fg(theme.colors.muted),
                )));
            }
        }
        let name_w = w.saturating_sub(48).max(20);
        for (i, h) in self
            .result
            .hits
            .iter()
            .enumerate()
            .take(list.height.saturating_sub(1) as usize)
        {
            lines.push(hit_line(h, i == self.selected, name_w, w, theme));
        }
        f.render_widget(Paragraph::new(lines), list);
    }
}

fn status_colour(theme: &Theme, s: Option<EligibilityStatus>) -> ratatui::style::Color {
    match s {
        Some(EligibilityStatus::Approved) => theme.colors.ok,
        Some(EligibilityStatus::PendingReview) => theme.colors.warning,
        _ => theme.colors.danger,
    }
}

fn hit_line(
    h: &CustomerHit,
    selected: bool,
    name_w: usize,
    w: usize,
    theme: &Theme,
) -> Line<'static> {
    let base = if selected {
        theme.selected()
    } else {
        Style::default().fg(theme.colors.text)
    };
    let marker = if selected { "▶ " } else { "  " };
    let mut spans = vec![Span::styled(marker.to_string(), base)];
    let name = highlighted(&h.name, &h.highlight, base, theme, name_w);
    let name_len: usize = name.spans.iter().map(|s| s.content.chars().count()).sum();
    spans.extend(name.spans);
    spans.push(Span::styled(
        " ".repeat(name_w.saturating_sub(name_len) + 1),
        base,
    ));
    let status = h.status.map(|s| s.label()).unwrap_or("");
    let rest = format!(
        "{} {} {}",
        pad(&h.city, 16),
        pad(&h.siret, 14),
        h.via_number
            .as_ref()
            .map(|n| format!("↳ {n}"))
            .unwrap_or_default()
    );
    spans.push(Span::styled(
        rest,
        base.fg(if selected {
            theme.colors.selection_text
        } else {
            theme.colors.muted
        }),
    ));
    spans.push(Span::styled(
        format!(" {status}"),
        base.fg(status_colour(theme, h.status))
            .add_modifier(Modifier::BOLD),
    ));
    let _ = w;
    Line::from(spans)
}

/// The customer's page.
pub(super) struct CustomerScreen {
    id: CustomerId,
    view: CustomerView,
    selected: usize,
    /// First line shown of the Coordonnées panel (PgSuiv / PgPréc).
    coord_scroll: usize,
}

impl CustomerScreen {
    pub(super) fn open(app: &App, id: CustomerId) -> Result<CustomerScreen, crate::app::AppError> {
        Ok(CustomerScreen {
            id,
            view: app.customer_view(id)?,
            selected: 0,
            coord_scroll: 0,
        })
    }

    /// Whether `change` concerns this customer or one of the orders it lists.
    pub(super) fn concerned(&self, change: &crate::app::Change) -> bool {
        change.all
            || change.customers.contains(&self.id)
            || self
                .view
                .orders
                .iter()
                .any(|o| change.orders.contains(&o.id))
    }

    pub(super) fn reload(&mut self, app: &App) {
        if let Ok(v) = app.customer_view(self.id) {
            self.view = v;
            self.selected = self.selected.min(self.view.orders.len().saturating_sub(1));
        }
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        match k {
            Key::Down | Key::Char('j') => {
                self.selected = (self.selected + 1).min(self.view.orders.len().saturating_sub(1))
            }
            Key::Up | Key::Char('k') => self.selected = self.selected.saturating_sub(1),
            Key::PageDown => self.coord_scroll = self.coord_scroll.saturating_add(4),
            Key::PageUp => self.coord_scroll = self.coord_scroll.saturating_sub(4),
            Key::Enter => {
                return self
                    .view
                    .orders
                    .get(self.selected)
                    .map(|o| Action::OpenOrder(o.number.to_string()));
            }
            Key::Char(ch) if CUSTOMER_OPS.iter().any(|s| s.key == *ch) => {
                let spec = CUSTOMER_OPS.iter().find(|s| s.key == *ch)?;
                return Some(Action::Do(Op::customer(spec.kind, self.id)));
            }
            Key::Esc | Key::Backspace => return Some(Action::Back),
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        let ops: Vec<String> = CUSTOMER_OPS
            .iter()
            .map(|s| format!("{} {}", s.key, s.label))
            .collect();
        format!("{} · {}", ops.join(" · "), text::DETAIL_KEYS)
    }

    pub(super) fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let c = &self.view.customer;
        // The card grows with the addresses and contacts, up to half the screen; what
        // does not fit scrolls (PgSuiv / PgPréc).
        let coord_lines = 3 + c.delivery_addresses.len() + c.contacts.len() + 1;
        let wanted = (coord_lines.max(8) + 2) as u16;
        let top_height = wanted.min((area.height / 2).max(10));
        let [top, bottom] =
            Layout::vertical([Constraint::Length(top_height), Constraint::Min(3)]).areas(area);
        let [left, right_area] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
        let w = left.width.saturating_sub(2) as usize;
        let l = self.card_lines(w, theme);
        f.render_widget(
            Paragraph::new(l).block(Block::default().borders(Borders::ALL).title(" Client ")),
            left,
        );
        let rw = right_area.width.saturating_sub(2) as usize;
        let r = self.coordinate_lines(rw, theme);
        let inner = right_area.height.saturating_sub(2) as usize;
        self.coord_scroll = self.coord_scroll.min(r.len().saturating_sub(inner));
        let more = r.len() > inner;
        let title = if more {
            format!(
                " Coordonnées {}–{}/{} (PgSuiv) ",
                self.coord_scroll + 1,
                (self.coord_scroll + inner).min(r.len()),
                r.len()
            )
        } else {
            " Coordonnées ".to_string()
        };
        f.render_widget(
            Paragraph::new(r)
                .scroll((self.coord_scroll as u16, 0))
                .block(Block::default().borders(Borders::ALL).title(title)),
            right_area,
        );
        let lines = self.order_lines(bottom, theme);
        let title = format!(" {} ({}) ", text::ORDERS, self.view.orders.len());
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
            bottom,
        );
    }

    /// The body: identity, eligibility, payment and routing, what it owes.
    fn card_lines(&self, w: usize, theme: &Theme) -> Vec<Line<'static>> {
        let c = &self.view.customer;
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let e = &c.eligibility;
        let mut l = vec![
            Line::from(Span::styled(
                fit(&c.legal_name, w),
                base.add_modifier(Modifier::BOLD),
            )),
            Line::from(Span::styled(
                fit(
                    &format!(
                        "SIRET {} · SIREN {} · {}",
                        c.siret.spaced(),
                        c.siren(),
                        c.kind.label()
                    ),
                    w,
                ),
                base,
            )),
            Line::from(Span::styled(
                fit(
                    &format!(
                        "Catégorie {} {}",
                        c.categorie,
                        legal::categorie_label(&c.categorie).unwrap_or("")
                    ),
                    w,
                ),
                muted,
            )),
            Line::from(vec![
                Span::styled("Mandat administratif : ", muted),
                Span::styled(
                    e.status.label(),
                    base.fg(status_colour(theme, Some(e.status)))
                        .add_modifier(Modifier::BOLD),
                ),
            ]),
            Line::from(Span::styled(
                fit(
                    &format!("  {} — {} le {}", e.reason, e.decided_by, e.decided_at.fr()),
                    w,
                ),
                muted,
            )),
            Line::from(Span::styled(
                fit(
                    &format!(
                        "Paiement à {} j · Chorus : {}{}",
                        c.payment_delay_days(),
                        c.chorus
                            .service_code
                            .as_deref()
                            .map(|s| format!("code service {s}"))
                            .unwrap_or("pas de code service".into()),
                        [
                            (c.chorus.service_code_required, " (exigé)".to_string()),
                            (
                                c.chorus.engagement_required,
                                " · n° d'engagement exigé".into()
                            ),
                            (
                                c.chorus.market_reference.is_some(),
                                format!(
                                    " · marché {}",
                                    c.chorus.market_reference.as_deref().unwrap_or("")
                                )
                            ),
                        ]
                        .into_iter()
                        .filter_map(|(on, s)| on.then_some(s))
                        .collect::<String>()
                    ),
                    w,
                ),
                base,
            )),
            Line::from(vec![
                Span::styled(format!("{} : ", text::OUTSTANDING), muted),
                Span::styled(
                    self.view.outstanding.fr(),
                    base.add_modifier(Modifier::BOLD),
                ),
                Span::styled(format!(" · {} : ", text::OVERDUE), muted),
                Span::styled(
                    self.view.overdue.fr(),
                    if self.view.overdue.0 > 0 {
                        base.fg(theme.colors.danger).add_modifier(Modifier::BOLD)
                    } else {
                        base
                    },
                ),
            ]),
        ];
        if e.status == EligibilityStatus::PendingReview {
            l.push(Line::from(Span::styled(
                "⚠ À examiner : a approuver · r refuser (motif obligatoire, administrateurs)",
                base.fg(theme.colors.warning),
            )));
        }
        l
    }

    /// Its header address, delivery addresses and contacts.
    fn coordinate_lines(&self, rw: usize, theme: &Theme) -> Vec<Line<'static>> {
        let c = &self.view.customer;
        let muted = Style::default().fg(theme.colors.muted);
        let mut r = vec![Line::from(Span::styled(text::HEADER_ADDRESS, muted))];
        r.push(Line::from(fit(&c.header_address.one_line(), rw)));
        r.push(Line::from(Span::styled(
            format!("{} ({})", text::DELIVERY, c.delivery_addresses.len()),
            muted,
        )));
        for (i, a) in c.delivery_addresses.iter().enumerate() {
            r.push(Line::from(fit(&format!("{}. {}", i + 1, a.one_line()), rw)));
        }
        r.push(Line::from(Span::styled(
            format!("{} ({})", text::CONTACTS, c.contacts.len()),
            muted,
        )));
        for (i, k) in c.contacts.iter().enumerate() {
            r.push(Line::from(fit(
                &format!("{}. {} · {} · {}", i + 1, k.name, k.phone, k.email),
                rw,
            )));
        }
        r
    }

    /// Its orders, the selected one kept in view.
    fn order_lines(&self, bottom: Rect, theme: &Theme) -> Vec<Line<'static>> {
        let base = Style::default().fg(theme.colors.text);
        let bw = bottom.width.saturating_sub(2) as usize;
        let mut lines = Vec::new();
        let visible = bottom.height.saturating_sub(2) as usize;
        let start = self.selected.saturating_sub(visible.saturating_sub(1));
        for (i, o) in self
            .view
            .orders
            .iter()
            .enumerate()
            .skip(start)
            .take(visible)
        {
            let sel = i == self.selected;
            let style = if sel { theme.selected() } else { base };
            let flags: Vec<String> = o.flags.iter().map(|f| f.text()).collect();
            let left = format!(
                "{}{}  {}  {} j  {}",
                if sel { "▶ " } else { "  " },
                o.number,
                pad(o.stage.label(), 16),
                right(&o.days_in_stage.to_string(), 4),
                flags.join(" ")
            );
            lines.push(Line::from(Span::styled(
                spread(&left, &o.total_incl_vat.fr(), bw),
                style,
            )));
        }
        lines
    }
}

//! Documents: every issued document, newest first, and one document's details with the
//! exact command that downloads it.

use super::actions::Action;
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{MAX_TYPED, fit, pad, push_text, right};
use crate::app::App;
use crate::app::queries::DocSummary;
use crate::domain::text::fold;
use crate::domain::{DocKind, FileFormat, IssuedDocument};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const TITLE: &str = "Documents émis (du plus récent au plus ancien)";
    pub(super) const COLUMNS: [&str; 6] = [
        "Type",
        "Numéro",
        "Date",
        "Client",
        "Montant TTC",
        "Chorus Pro",
    ];
    /// The Chorus column, shown when the terminal is wide enough for it.
    pub(super) const CHORUS_MIN_WIDTH: usize = 110;
    pub(super) const KEYS: &str =
        "↓↑ choisir · Entrée détail · k type · / filtrer · PgPréc/PgSuiv · ? aide · q quitter";
    pub(super) const FILTER_HINT: &str =
        "n° (FA-2026…) ou nom du client · Entrée garder · Échap effacer";
    pub(super) const ALL: &str = "tous";
    pub(super) const DETAIL_KEYS: &str = "Échap retour · ? aide";
    /// How many recent documents a text filter looks through.
    pub(super) const FILTER_WINDOW: usize = 5000;
}

pub(super) struct Documents {
    rows: Vec<DocSummary>,
    /// Each row's state on Chorus Pro (invoices and credit notes sent or queued).
    chorus: Vec<Option<&'static str>>,
    total: u64,
    offset: usize,
    selected: usize,
    kind: Option<DocKind>,
    filter: String,
    typing: bool,
    page: usize,
}

impl Documents {
    pub(super) fn new() -> Documents {
        Documents {
            rows: Vec::new(),
            chorus: Vec::new(),
            total: 0,
            offset: 0,
            selected: 0,
            kind: None,
            filter: String::new(),
            typing: false,
            page: 20,
        }
    }

    pub(super) fn typing(&self) -> bool {
        self.typing
    }

    /// Reloads the visible page (or the filtered window).
    pub(super) fn reload(&mut self, app: &App) {
        self.total = app.document_count().unwrap_or(0);
        let filtered = self.kind.is_some() || !self.filter.trim().is_empty();
        let rows = if filtered {
            let needle = fold(self.filter.trim());
            let compact: String = needle
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            app.documents(0, text::FILTER_WINDOW)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| self.kind.is_none_or(|k| d.kind() == k))
                .filter(|d| {
                    needle.is_empty()
                        || fold(&d.customer_name).contains(&needle)
                        || d.number
                            .to_string()
                            .to_ascii_lowercase()
                            .replace('-', "")
                            .contains(&compact)
                })
                .skip(self.offset)
                .take(self.page.max(1))
                .collect()
        } else {
            app.documents(self.offset, self.page.max(1))
                .unwrap_or_default()
        };
        self.chorus = rows
            .iter()
            .map(|d| match d.kind() {
                DocKind::Invoice | DocKind::CreditNote => app
                    .chorus_record(&d.number.to_string())
                    .ok()
                    .flatten()
                    .map(|r| r.short()),
                _ => None,
            })
            .collect();
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub(super) fn handle(&mut self, app: &App, input: &Input) -> Option<Action> {
        if self.typing {
            match input {
                Input::Paste(t) => push_text(&mut self.filter, t, MAX_TYPED),
                Input::Key(Key::Char(c)) => {
                    push_text(&mut self.filter, c.encode_utf8(&mut [0; 4]), MAX_TYPED)
                }
                Input::Key(Key::Backspace) => {
                    self.filter.pop();
                }
                Input::Key(Key::Enter) => self.typing = false,
                Input::Key(Key::Esc) => {
                    self.typing = false;
                    self.filter.clear();
                }
                _ => return None,
            }
            self.offset = 0;
            self.selected = 0;
            self.reload(app);
            return None;
        }
        let Input::Key(k) = input else { return None };
        match k {
            Key::Down | Key::Char('j') => {
                if self.selected + 1 < self.rows.len() {
                    self.selected += 1;
                } else if self.rows.len() == self.page {
                    self.offset += 1;
                }
            }
            Key::Up => {
                if self.selected > 0 {
                    self.selected -= 1;
                } else {
                    self.offset = self.offset.saturating_sub(1);
                }
            }
            Key::PageDown => self.offset += self.page,
            Key::PageUp => self.offset = self.offset.saturating_sub(self.page),
            Key::Home => {
                self.offset = 0;
                self.selected = 0;
            }
            Key::Char('k') => {
                self.kind = match self.kind {
                    None => Some(DocKind::Quote),
                    Some(DocKind::Quote) => Some(DocKind::DeliveryNote),
                    Some(DocKind::DeliveryNote) => Some(DocKind::Invoice),
                    Some(DocKind::Invoice) => Some(DocKind::CreditNote),
                    Some(DocKind::CreditNote) => None,
                };
                self.offset = 0;
                self.selected = 0;
            }
            Key::Char('/') => {
                self.typing = true;
                return None;
            }
            Key::Esc if !self.filter.is_empty() || self.kind.is_some() => {
                self.filter.clear();
                self.kind = None;
            }
            Key::Enter => {
                return self
                    .rows
                    .get(self.selected)
                    .map(|d| Action::OpenDocument(d.number.to_string()));
            }
            _ => return None,
        }
        self.reload(app);
        None
    }

    pub(super) fn keys(&self) -> String {
        if self.typing {
            text::FILTER_HINT.to_string()
        } else {
            text::KEYS.to_string()
        }
    }

    pub(super) fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let page = area.height.saturating_sub(4) as usize;
        if page != self.page {
            self.page = page.max(1);
        }
        let w = area.width.saturating_sub(2) as usize;
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let kind = self.kind.map(|k| k.label()).unwrap_or(text::ALL);
        let cursor = if self.typing { "▏" } else { "" };
        let chorus_column = w >= text::CHORUS_MIN_WIDTH;
        // The amount stays whole at 80 columns: the customer's name takes what is left.
        let fixed = 1 + 16 + 1 + 14 + 1 + 10 + 2 + 1 + 14 + if chorus_column { 16 } else { 0 };
        let name_w = w.saturating_sub(fixed).clamp(10, 40);
        let [kind_h, number_h, date_h, name_h, amount_h, chorus_h] = text::COLUMNS;
        let mut header = format!(
            " {} {} {}  {} {}",
            pad(kind_h, 16),
            pad(number_h, 14),
            pad(date_h, 10),
            pad(name_h, name_w),
            right(amount_h, 14)
        );
        if chorus_column {
            header += &format!("  {chorus_h}");
        }
        let mut lines = vec![
            Line::from(Span::styled(
                fit(
                    &format!(
                        "type : {kind} · filtre : {}{cursor} · {} documents au total",
                        self.filter, self.total
                    ),
                    w,
                ),
                if self.typing {
                    base.bg(theme.colors.input_bg)
                } else {
                    muted
                },
            )),
            Line::from(Span::styled(
                fit(&header, w),
                muted.add_modifier(Modifier::BOLD),
            )),
        ];
        for (i, d) in self.rows.iter().enumerate() {
            let sel = i == self.selected;
            let style = if sel { theme.selected() } else { base };
            let amount = if d.kind() == DocKind::DeliveryNote {
                String::new()
            } else {
                d.amount.fr()
            };
            let mut row = format!(
                "{}{} {} {}  {} {}",
                if sel { "▶" } else { " " },
                pad(d.kind().label(), 16),
                pad(&d.number.to_string(), 14),
                d.date.fr(),
                pad(&d.customer_name, name_w),
                right(&amount, 14)
            );
            if chorus_column && let Some(c) = self.chorus.get(i).copied().flatten() {
                row += &format!("  {c}");
            }
            lines.push(Line::from(Span::styled(fit(&row, w), style)));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", text::TITLE));
        f.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// One document: its summary, files and the command that downloads it.
pub(super) struct DocumentScreen {
    doc: IssuedDocument,
    ssh_hint: String,
    /// Its life on Chorus Pro, in one line, when it was sent or queued.
    chorus: Option<String>,
}

impl DocumentScreen {
    pub(super) fn open(
        app: &App,
        number: &str,
        ssh_hint: &str,
    ) -> Result<DocumentScreen, crate::app::AppError> {
        Ok(DocumentScreen {
            doc: app.document(number)?,
            ssh_hint: ssh_hint.to_string(),
            chorus: app
                .chorus_record(number)
                .ok()
                .flatten()
                .map(|r| r.describe()),
        })
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        match input {
            Input::Key(Key::Esc | Key::Backspace) => Some(Action::Back),
            Input::Key(Key::Char('o')) => {
                Some(Action::OpenOrder(self.doc.order_number.to_string()))
            }
            _ => None,
        }
    }

    pub(super) fn keys(&self) -> String {
        format!("o ouvrir la commande · {}", text::DETAIL_KEYS)
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let d = &self.doc;
        let w = area.width.saturating_sub(2) as usize;
        let base = Style::default().fg(theme.colors.text);
        let muted = Style::default().fg(theme.colors.muted);
        let n = d.number.to_string();
        let mut lines = vec![
            Line::from(Span::styled(
                format!("{} {n}", d.kind().label()),
                base.add_modifier(Modifier::BOLD),
            )),
            Line::from(Span::styled(
                format!("Émis le {} par {}", d.issued_at.fr(), d.issued_by),
                base,
            )),
            Line::from(Span::styled(
                fit(
                    &format!("Client : {} (SIRET {})", d.buyer.legal_name, d.buyer.siret),
                    w,
                ),
                base,
            )),
            Line::from(Span::styled(format!("Commande : {}", d.order_number), base)),
        ];
        if d.kind() != DocKind::DeliveryNote {
            lines.push(Line::from(Span::styled(
                format!(
                    "Montant : {} HT · {} TTC",
                    d.totals.excl_vat.fr(),
                    d.totals.incl_vat.fr()
                ),
                base,
            )));
        }
        if let Some(due) = d.due_date {
            lines.push(Line::from(Span::styled(
                format!("Échéance : {}", due.fr()),
                base,
            )));
        }
        if let Some(c) = &self.chorus {
            lines.push(Line::from(Span::styled(
                fit(&format!("Chorus Pro : {c}"), w),
                base,
            )));
        }
        if let Some((inv, date)) = &d.cancels {
            lines.push(Line::from(Span::styled(
                format!("Annule la facture {inv} du {}", date.fr()),
                base,
            )));
        }
        if let Some(po) = &d.po {
            lines.push(Line::from(Span::styled(
                format!("Bon de commande : {} du {}", po.number, po.date.fr()),
                base,
            )));
        }
        lines.push(Line::from(""));
        if d.synthetic {
            lines.push(Line::from(Span::styled(
                "Document synthétique (seed) : aucun fichier stocké.",
                muted,
            )));
        }
        for file in &d.files {
            lines.push(Line::from(Span::styled(
                format!(
                    "{} : {} octets · SHA-256 {}…",
                    file.format.extension().to_uppercase(),
                    file.size,
                    &file.sha256_hex()[..16]
                ),
                base,
            )));
        }
        if !d.files.is_empty() {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled("Télécharger :", muted)));
            lines.push(Line::from(Span::styled(
                format!("  {} doc get {n} > {n}.pdf", self.ssh_hint),
                base.fg(theme.colors.info),
            )));
            if d.file(FileFormat::FacturX).is_some() {
                lines.push(Line::from(Span::styled(
                    format!("  {} doc xml {n} > {n}.xml", self.ssh_hint),
                    base.fg(theme.colors.info),
                )));
                lines.push(Line::from(Span::styled(
                    format!(
                        "  {} doc pack {n} > {n}-dossier.pdf   (facture + RIB + bon de commande)",
                        self.ssh_hint
                    ),
                    base.fg(theme.colors.info),
                )));
            }
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {n} "));
        f.render_widget(Paragraph::new(lines).block(block), area);
    }
}

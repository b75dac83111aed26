//! The order screen: everything about one order, and what can be done next.

use super::actions::{self, Action, Op, OpSpec, Situation};
use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{fit, pad, right, spread};
use crate::app::App;
use crate::app::queries::OrderView;
use crate::domain::{DocKind, FileFormat, Flag};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

mod text {
    pub(super) const LINES: &str = "Lignes";
    pub(super) const TOTALS: &str = "Totaux";
    pub(super) const PO: &str = "Bon de commande";
    pub(super) const NO_PO: &str = "Original pas encore reçu";
    pub(super) const DOCUMENTS: &str = "Documents";
    pub(super) const TIMELINE: &str = "Historique";
    pub(super) const KEYS: &str = "↓↑ défiler · d documents · c client · Échap retour · ? aide";
}

pub(super) struct OrderScreen {
    number: String,
    view: OrderView,
    scroll: u16,
    doc_cursor: usize,
}

impl OrderScreen {
    pub(super) fn open(app: &App, number: &str) -> Result<OrderScreen, crate::app::AppError> {
        let view = app.order_view(number)?;
        Ok(OrderScreen {
            number: view.order.number.to_string(),
            view,
            scroll: 0,
            doc_cursor: 0,
        })
    }

    pub(super) fn reload(&mut self, app: &App) {
        if let Ok(v) = app.order_view(&self.number) {
            self.view = v;
        }
    }

    /// Whether `change` concerns this order (or its customer, whose data it shows).
    pub(super) fn concerned(&self, change: &crate::app::Change) -> bool {
        change.touches_order(self.view.order.id)
            || change.customers.contains(&self.view.customer.id)
    }

    fn ops(&self) -> Vec<&'static OpSpec> {
        actions::order_ops(&self.situation()).collect()
    }

    fn situation(&self) -> Situation {
        Situation::of_order(&self.view)
    }

    pub(super) fn handle(&mut self, input: &Input) -> Option<Action> {
        let Input::Key(k) = input else { return None };
        match k {
            Key::Down | Key::Char('j') => self.scroll = self.scroll.saturating_add(1),
            Key::Up | Key::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            Key::PageDown => self.scroll = self.scroll.saturating_add(10),
            Key::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Key::Home => self.scroll = 0,
            Key::Char('c') => return Some(Action::OpenCustomer(self.view.customer.id)),
            Key::Char('d') => {
                let docs = &self.view.documents;
                if docs.is_empty() {
                    return None;
                }
                self.doc_cursor %= docs.len();
                let n = docs[docs.len() - 1 - self.doc_cursor].number.to_string();
                self.doc_cursor += 1;
                return Some(Action::OpenDocument(n));
            }
            Key::Esc | Key::Backspace => return Some(Action::Back),
            Key::Char(ch) => {
                if let Some(why) = actions::explain_key(*ch, &self.situation()) {
                    return Some(why);
                }
                return self
                    .ops()
                    .into_iter()
                    .find(|s| s.key == *ch)
                    .map(|s| Action::Do(Op::order(s.kind, self.number.clone())));
            }
            _ => {}
        }
        None
    }

    pub(super) fn keys(&self) -> String {
        let mut s = String::new();
        s.push_str(&actions::footer(self.ops().into_iter()));
        s.push_str(text::KEYS);
        s
    }

    pub(super) fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme, ssh_hint: &str) {
        let v = &self.view;
        let p = Paint::new(theme, area.width.saturating_sub(2) as usize);
        let mut lines: Vec<Line> = Vec::new();
        header(v, &p, &mut lines);
        order_lines(v, &p, &mut lines);
        totals(v, &p, &mut lines);
        if !v.order.invoices.is_empty() {
            money(v, &p, &mut lines);
        }
        purchase_order(v, &p, &mut lines);
        documents(v, &p, ssh_hint, &mut lines);
        timeline(v, &p, &mut lines);
        let o = &v.order;
        let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
        self.scroll = self.scroll.min(max_scroll);
        let title = format!(" Commande {} ", o.number);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .border_style(Style::default().fg(theme.stage(v.stage)));
        f.render_widget(
            Paragraph::new(lines).block(block).scroll((self.scroll, 0)),
            area,
        );
    }
}

/// The styles and width the order screen's sections share.
struct Paint<'a> {
    theme: &'a Theme,
    w: usize,
    base: Style,
    muted: Style,
    bold: Style,
}

impl<'a> Paint<'a> {
    fn new(theme: &'a Theme, w: usize) -> Paint<'a> {
        let base = Style::default().fg(theme.colors.text);
        Paint {
            theme,
            w,
            base,
            muted: Style::default().fg(theme.colors.muted),
            bold: base.add_modifier(Modifier::BOLD),
        }
    }

    /// `── Lignes ` in the title colour.
    fn section(&self, t: &str) -> Line<'static> {
        Line::from(Span::styled(
            format!("── {t} "),
            Style::default()
                .fg(self.theme.colors.title)
                .add_modifier(Modifier::BOLD),
        ))
    }
}
/// Number, stage, quote, body, delivery, contact and the flags.
fn header(v: &OrderView, p: &Paint, lines: &mut Vec<Line<'static>>) {
    let (o, w, theme, base, muted, bold) = (&v.order, p.w, p.theme, p.base, p.muted, p.bold);
    let renews = o
        .quote
        .renews
        .map(|n| format!(" · renouvelle {n}"))
        .unwrap_or_default();
    let renewed = o
        .quote
        .renewed_by
        .map(|n| format!(" · renouvelé par {n}"))
        .unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled(format!("{} ", o.number), bold),
        Span::styled(
            format!(" {} ", v.stage.label()),
            Style::default()
                .fg(theme.colors.background)
                .bg(theme.stage(v.stage))
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(
                "  devis v{} du {} valable jusqu'au {}{renews}{renewed}",
                o.quote.version,
                o.quote.issued_on.fr(),
                o.quote.valid_until.fr()
            ),
            muted,
        ),
    ]));
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "{} · SIRET {} · {}",
                v.customer.legal_name,
                v.customer.siret.spaced(),
                v.customer.eligibility.status.label()
            ),
            w,
        ),
        base,
    )));
    lines.push(Line::from(Span::styled(
        fit(&format!("Livraison : {}", o.delivery_address.one_line()), w),
        muted,
    )));
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "Contact : {} · {} · {}",
                o.contact.name, o.contact.phone, o.contact.email
            ),
            w,
        ),
        muted,
    )));
    for flag in &v.flags {
        let colour = match flag {
            Flag::Overdue { .. } | Flag::Expired => theme.colors.danger,
            Flag::Renewed => theme.colors.muted,
            Flag::PartialDelivery => theme.colors.info,
            _ => theme.colors.warning,
        };
        lines.push(Line::from(Span::styled(
            flag.text(),
            base.fg(colour).add_modifier(Modifier::BOLD),
        )));
    }
}
/// The lines: ordered, reserved, delivered, invoiced.
fn order_lines(v: &OrderView, p: &Paint, lines: &mut Vec<Line<'static>>) {
    let (o, w, base, muted) = (&v.order, p.w, p.base, p.muted);
    lines.push(p.section(text::LINES));
    // The designation takes what the figures leave, so that the totals column stays
    // on screen at 80 columns.
    let dw = w.saturating_sub(59).clamp(10, 30);
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "{} {} {} {} {} {} {} {}",
                pad("Réf.", 13),
                pad("Désignation", dw),
                right("Cmd", 4),
                right("Rés", 4),
                right("Liv", 4),
                right("Fact", 5),
                right("PU HT", 10),
                right("Total HT", 12)
            ),
            w,
        ),
        muted,
    )));
    for l in &o.lines {
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "{} {} {} {} {} {} {} {}",
                    pad(&l.sku, 13),
                    pad(&l.designation, dw),
                    right(&l.ordered.to_string(), 4),
                    right(&l.reserved.to_string(), 4),
                    right(&l.delivered.to_string(), 4),
                    right(&l.invoiced.to_string(), 5),
                    right(&crate::domain::money::format_number_fr(l.unit_price), 10),
                    right(&crate::domain::money::format_number_fr(l.amount()), 12)
                ),
                w,
            ),
            base,
        )));
    }
}
/// Totals per VAT rate.
fn totals(v: &OrderView, p: &Paint, lines: &mut Vec<Line<'static>>) {
    let (base, bold) = (p.base, p.bold);
    lines.push(p.section(text::TOTALS));
    let t = &v.totals;
    lines.push(Line::from(Span::styled(
        spread("Total HT", &t.excl_vat.fr(), 44),
        base,
    )));
    for vat in &t.vat {
        lines.push(Line::from(Span::styled(
            spread(
                &format!("TVA {} sur {}", vat.rate.fr(), vat.base.fr()),
                &vat.tax.fr(),
                44,
            ),
            base,
        )));
    }
    lines.push(Line::from(Span::styled(
        spread("Total TTC", &t.incl_vat.fr(), 44),
        bold,
    )));
}
/// Invoiced and paid, Chorus Pro, mails, letters, each invoice's delay, interest.
fn money(v: &OrderView, p: &Paint, lines: &mut Vec<Line<'static>>) {
    let (o, theme, base, muted, bold) = (&v.order, p.theme, p.base, p.muted, p.bold);
    let mut money = format!(
        "Facturé {} · payé {}",
        o.invoiced_amount().fr(),
        o.paid_amount().fr()
    );
    if !o.refunds.is_empty() {
        money += &format!(" · remboursé {}", o.refunded_amount().fr());
    }
    if o.credit_balance() > crate::domain::Cents::ZERO {
        lines.push(Line::from(Span::styled(money, base)));
        lines.push(Line::from(Span::styled(
            format!(
                "Trop-perçu à rembourser {} (touche g)",
                o.credit_balance().fr()
            ),
            base.fg(theme.colors.warning).add_modifier(Modifier::BOLD),
        )));
    } else {
        money += &format!(" · reste dû {}", o.outstanding().fr());
        lines.push(Line::from(Span::styled(money, base)));
    }
    // Each invoice and credit note on Chorus Pro: where it stands, what to do.
    for r in &v.chorus {
        lines.push(Line::from(Span::styled(
            format!("Chorus Pro · {} : {}", r.number, r.describe()),
            base.fg(theme.colors.muted),
        )));
        if let Some(a) = r.needs_attention() {
            lines.push(Line::from(Span::styled(
                format!("  ⚠ {a}"),
                base.fg(theme.colors.danger),
            )));
        }
    }
    for m in &v.mails {
        lines.push(Line::from(Span::styled(
            format!("@ {} — par {}", m.describe(), m.by),
            base.fg(theme.colors.muted),
        )));
    }
    // What was written to the body, when.
    for l in &v.letters {
        lines.push(Line::from(Span::styled(
            format!(
                "✉ {} — par {} (ssh … doc get {} > {})",
                l.describe(),
                l.created_by,
                l.reference,
                l.file_name()
            ),
            base.fg(theme.colors.muted),
        )));
    }
    for inv in &v.invoices {
        for (i, text) in inv.explain().into_iter().enumerate() {
            let colour = if inv.periods.iter().any(|p| p.running) {
                theme.colors.danger
            } else if i == 0 {
                theme.colors.text
            } else {
                theme.colors.muted
            };
            lines.push(Line::from(Span::styled(text, base.fg(colour))));
        }
    }
    let pt = &v.penalties;
    if pt.interest + pt.indemnity > crate::domain::Cents::ZERO {
        lines.push(Line::from(Span::styled(
            format!(
                "Intérêts et indemnité : {} dus · {} reçus · {} abandonnés · reste {}",
                (pt.interest + pt.indemnity).fr(),
                pt.received.fr(),
                pt.waived.fr(),
                pt.owed().fr()
            ),
            bold,
        )));
    }
    for p in &o.payments {
        lines.push(Line::from(Span::styled(
            format!(
                "  paiement {} le {} — mandat {} ({})",
                p.amount.fr(),
                p.date.fr(),
                p.reference,
                p.recorded_by
            ),
            muted,
        )));
    }
    for st in &o.penalty_settlements {
        let what = match &st.kind {
            crate::domain::interest::SettlementKind::Received { date, reference } => {
                format!(
                    "intérêts reçus {} le {} — mandat {reference}",
                    st.amount.fr(),
                    date.fr()
                )
            }
            crate::domain::interest::SettlementKind::Waived { reason } => {
                format!("intérêts abandonnés {} — {reason}", st.amount.fr())
            }
        };
        lines.push(Line::from(Span::styled(
            format!("  {what} ({})", st.recorded_by),
            muted,
        )));
    }
}
/// The original purchase order, or what stands in for it.
fn purchase_order(v: &OrderView, p: &Paint, lines: &mut Vec<Line<'static>>) {
    let (o, theme, base, muted) = (&v.order, p.theme, p.base, p.muted);
    lines.push(p.section(text::PO));
    match &o.po {
        Some(po) => {
            lines.push(Line::from(Span::styled(
                format!(
                    "N° {} du {} · original reçu le {} · vérifié par {}",
                    po.po_number,
                    po.po_date.fr(),
                    po.received_at.fr(),
                    po.verified_by
                ),
                base,
            )));
            if let Some(c) = &po.contract {
                lines.push(Line::from(Span::styled(format!("Marché : {c}"), base)));
            }
            if let Some(a) = &o.po_scan {
                lines.push(Line::from(Span::styled(
                    format!(
                        "Scan de l'original joint ({}, {} octets, SHA-256 {}…) par {} le {}",
                        a.media_type,
                        a.size,
                        &a.sha256_hex()[..16],
                        a.attached_by,
                        a.attached_at.fr()
                    ),
                    muted,
                )));
            }
            let c = po.checklist;
            let tick = |b: bool| if b { "☑" } else { "☐" };
            lines.push(Line::from(Span::styled(
                format!(
                    "{} en-tête  {} daté  {} signé  {} cachet  {} montant conforme",
                    tick(c.letterhead),
                    tick(c.dated),
                    tick(c.signed),
                    tick(c.stamped),
                    tick(c.amount_matches)
                ),
                muted,
            )));
        }
        None => {
            let pre = o
                .pre_order
                .as_ref()
                .map(|p| {
                    format!(
                        " · copie reçue par e-mail le {} ({}) : marchandises réservées",
                        p.emailed_at.fr(),
                        p.recorded_by
                    )
                })
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!("{}{pre}", text::NO_PO),
                base.fg(theme.colors.warning),
            )));
        }
    }
    if let Some(reason) = &o.closing_reason {
        lines.push(Line::from(Span::styled(
            format!("Motif : {reason}"),
            base.fg(theme.colors.danger),
        )));
    }
}
/// The documents issued, with how to fetch them.
fn documents(v: &OrderView, p: &Paint, ssh_hint: &str, lines: &mut Vec<Line<'static>>) {
    let (w, base, muted) = (p.w, p.base, p.muted);
    lines.push(p.section(&format!(
        "{} ({}) — d pour le détail",
        text::DOCUMENTS,
        v.documents.len()
    )));
    for d in &v.documents {
        let pdf = d.files.iter().find(|(f, _, _)| *f == FileFormat::Pdf);
        let file = match pdf {
            Some((_, size, sha)) => {
                format!("{:.1} Ko · SHA-256 {}…", *size as f64 / 1024.0, &sha[..12])
            }
            None if d.synthetic => "synthétique (seed)".into(),
            None => String::new(),
        };
        let amount = if d.kind() == DocKind::DeliveryNote {
            String::new()
        } else {
            d.amount.fr()
        };
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "{} {} {}  {}  {}",
                    pad(d.kind().label(), 16),
                    d.number,
                    d.date.fr(),
                    right(&amount, 14),
                    file
                ),
                w,
            ),
            base,
        )));
        lines.push(Line::from(Span::styled(
            fit(
                &format!("    {ssh_hint} doc get {} > {}.pdf", d.number, d.number),
                w,
            ),
            muted,
        )));
    }
}
/// What happened, when, by whom.
fn timeline(v: &OrderView, p: &Paint, lines: &mut Vec<Line<'static>>) {
    let (w, base) = (p.w, p.base);
    lines.push(p.section(text::TIMELINE));
    for r in &v.timeline {
        let change = if r.before.is_empty() && r.after.is_empty() {
            String::new()
        } else {
            format!(" [{} → {}]", r.before, r.after)
        };
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "{}  {}  {}{change} {}",
                    r.at.fr(),
                    pad(&r.actor.name, 10),
                    r.action.label(),
                    r.detail
                ),
                w,
            ),
            base,
        )));
    }
}

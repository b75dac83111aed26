//! `orders`, `order …` and `quote import`: the pipeline, one command per step.

use super::grammar::{OrderCmd, QuoteCmd};
use super::{Output, Render, Shared};
use crate::app::import::parse_quote_request;
use crate::app::index::CardView;
use crate::app::queries::OrderView;
use crate::app::{Actor, App, AppError};
use crate::domain::letter::LetterKind;
use crate::domain::pipeline::{CreditScope, DelayNotice, OriginalPoInput};
use crate::domain::{Cents, Checklist, Date, DocKind, DocNumber, IssuedDocument, Order, Stage};
use serde::Serialize;

/// The board's active columns, listed when no stage is given.
const ACTIVE: [Stage; 5] = [
    Stage::Quote,
    Stage::PreOrder,
    Stage::PoReceived,
    Stage::Delivered,
    Stage::Invoiced,
];

/// One card of the board.
#[derive(Serialize)]
struct CardRow {
    number: String,
    customer: String,
    stage: &'static str,
    total_incl_vat_cents: i64,
    outstanding_cents: i64,
    days_in_stage: i32,
    flags: Vec<String>,
    #[serde(skip)]
    total: String,
}

impl CardRow {
    fn of(c: &CardView) -> CardRow {
        CardRow {
            number: c.number.to_string(),
            customer: c.customer_name.clone(),
            stage: c.stage.slug(),
            total_incl_vat_cents: c.total_incl_vat.0,
            outstanding_cents: c.outstanding.0,
            days_in_stage: c.days_in_stage,
            flags: c.flags.iter().map(|f| f.text()).collect(),
            total: c.total_incl_vat.fr(),
        }
    }
}

impl Render for CardRow {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{} j\t{}",
            self.number,
            self.stage,
            self.customer,
            self.total,
            self.days_in_stage,
            self.flags.join(", ")
        )
    }
}

pub(super) fn list(shared: &Shared, stage: Option<Stage>, limit: usize, json: bool) -> Output {
    let stages = stage.map(|s| vec![s]).unwrap_or_else(|| ACTIVE.to_vec());
    let mut rows: Vec<CardRow> = stages
        .into_iter()
        .flat_map(|st| shared.app.orders_in_stage(st, limit))
        .map(|c| CardRow::of(&c))
        .collect();
    rows.truncate(limit);
    Output::render(&rows, json)
}

#[derive(Serialize)]
struct CustomerRef {
    name: String,
    siret: String,
}

#[derive(Serialize)]
struct LineRow {
    sku: String,
    designation: String,
    unit_price_cents: i64,
    vat_rate: String,
    ordered: u32,
    reserved: u32,
    delivered: u32,
    invoiced: u32,
    #[serde(skip)]
    amount: String,
}

#[derive(Serialize)]
struct TotalsRow {
    excl_vat_cents: i64,
    vat_cents: i64,
    incl_vat_cents: i64,
}

#[derive(Serialize)]
struct PoRow {
    number: String,
    date: String,
    received_at: String,
    verified_by: String,
    #[serde(skip)]
    date_fr: String,
    #[serde(skip)]
    received_fr: String,
}

#[derive(Serialize)]
struct DocRef {
    number: String,
    date: String,
    amount_cents: i64,
    #[serde(skip)]
    date_fr: String,
}

#[derive(Serialize)]
struct TimelineRow {
    at: String,
    who: String,
    action: &'static str,
    before: String,
    after: String,
    detail: String,
}

#[derive(Serialize)]
struct PenaltyRow {
    interest_cents: i64,
    indemnity_cents: i64,
    received_cents: i64,
    waived_cents: i64,
    owed_cents: i64,
}

/// `order show`: the order, its lines, its documents, its flags and its history.
#[derive(Serialize)]
struct OrderReport {
    number: String,
    version: u32,
    stage: &'static str,
    valid_until: String,
    customer: CustomerRef,
    lines: Vec<LineRow>,
    totals: TotalsRow,
    purchase_order: Option<PoRow>,
    outstanding_cents: i64,
    /// Paid back to the body, and still owed back to it (« trop-perçu »).
    refunded_cents: i64,
    credit_balance_cents: i64,
    /// Interest and indemnity on the day: owed (computed), received, waived, still due.
    penalties: PenaltyRow,
    /// Each invoice's terms and lateness, explained line by line.
    payment_terms: Vec<String>,
    /// The scan of the original, when attached.
    po_scan: Option<String>,
    documents: Vec<DocRef>,
    flags: Vec<String>,
    timeline: Vec<TimelineRow>,
    #[serde(skip)]
    heading: String,
    #[serde(skip)]
    totals_fr: String,
}

impl OrderReport {
    fn of(v: &OrderView) -> OrderReport {
        let o = &v.order;
        OrderReport {
            number: o.number.to_string(),
            version: o.quote.version,
            stage: v.stage.slug(),
            valid_until: o.quote.valid_until.to_string(),
            customer: CustomerRef {
                name: v.customer.legal_name.clone(),
                siret: v.customer.siret.as_str().to_string(),
            },
            lines: o
                .lines
                .iter()
                .map(|l| LineRow {
                    sku: l.sku.clone(),
                    designation: l.designation.clone(),
                    unit_price_cents: l.unit_price.0,
                    vat_rate: l.vat.percent_str(),
                    ordered: l.ordered,
                    reserved: l.reserved,
                    delivered: l.delivered,
                    invoiced: l.invoiced,
                    amount: l.amount().fr(),
                })
                .collect(),
            totals: TotalsRow {
                excl_vat_cents: v.totals.excl_vat.0,
                vat_cents: v.totals.vat_total.0,
                incl_vat_cents: v.totals.incl_vat.0,
            },
            purchase_order: o.po.as_ref().map(|p| PoRow {
                number: p.po_number.clone(),
                date: p.po_date.to_string(),
                received_at: p.received_at.iso_utc(),
                verified_by: p.verified_by.clone(),
                date_fr: p.po_date.fr(),
                received_fr: p.received_at.fr(),
            }),
            outstanding_cents: o.outstanding().0,
            refunded_cents: o.refunded_amount().0,
            credit_balance_cents: o.credit_balance().0,
            documents: v
                .documents
                .iter()
                .map(|d| DocRef {
                    number: d.number.to_string(),
                    date: d.date.to_string(),
                    amount_cents: d.amount.0,
                    date_fr: d.date.fr(),
                })
                .collect(),
            flags: v.flags.iter().map(|f| f.text()).collect(),
            penalties: PenaltyRow {
                interest_cents: v.penalties.interest.0,
                indemnity_cents: v.penalties.indemnity.0,
                received_cents: v.penalties.received.0,
                waived_cents: v.penalties.waived.0,
                owed_cents: v.penalties.owed().0,
            },
            payment_terms: v.invoices.iter().flat_map(|i| i.explain()).collect(),
            po_scan: o.po_scan.as_ref().map(|a| {
                format!(
                    "Scan du BC original joint : {}, {} octets, SHA-256 {}, par {} le {}",
                    a.media_type,
                    a.size,
                    a.sha256_hex(),
                    a.attached_by,
                    a.attached_at.fr()
                )
            }),
            timeline: v
                .timeline
                .iter()
                .map(|r| TimelineRow {
                    at: r.at.iso_utc(),
                    who: r.actor.name.clone(),
                    action: r.action.slug(),
                    before: r.before.clone(),
                    after: r.after.clone(),
                    detail: r.detail.clone(),
                })
                .collect(),
            heading: format!(
                "{} (devis v{}, valable jusqu'au {}) — {}\n{} · SIRET {}",
                o.number,
                o.quote.version,
                o.quote.valid_until.fr(),
                v.stage.label(),
                v.customer.legal_name,
                v.customer.siret.spaced()
            ),
            totals_fr: format!(
                "Total HT {} · TVA {} · TTC {}",
                v.totals.excl_vat.fr(),
                v.totals.vat_total.fr(),
                v.totals.incl_vat.fr()
            ),
        }
    }
}

impl Render for OrderReport {
    fn text(&self) -> String {
        let mut s = format!("{}\n", self.heading);
        for l in &self.lines {
            s.push_str(&format!(
                "  {}\t{}\tcmd {} · rés {} · liv {} · fact {}\t{}\n",
                l.sku, l.designation, l.ordered, l.reserved, l.delivered, l.invoiced, l.amount
            ));
        }
        s.push_str(&self.totals_fr);
        s.push('\n');
        if let Some(p) = &self.purchase_order {
            s.push_str(&format!(
                "BC {} du {} (reçu le {}, vérifié par {})\n",
                p.number, p.date_fr, p.received_fr, p.verified_by
            ));
        }
        if let Some(scan) = &self.po_scan {
            s.push_str(&format!("{scan}\n"));
        }
        for d in &self.documents {
            s.push_str(&format!("  {} {}\n", d.number, d.date_fr));
        }
        for l in &self.payment_terms {
            s.push_str(&format!("{l}\n"));
        }
        if self.credit_balance_cents > 0 {
            s.push_str(&format!(
                "Trop-perçu à rembourser {} (order refund)\n",
                Cents(self.credit_balance_cents).fr()
            ));
        }
        for f in &self.flags {
            s.push_str(&format!("  {f}\n"));
        }
        s
    }
}

/// `DEV-2026-00042\tpo-received`: the order and the stage it reached.
fn stage_line(r: Result<Order, AppError>) -> Output {
    Output::from_result(r, |o| format!("{}\t{}", o.number, o.stage.slug()))
}

/// The order, its stage, and what is left to refund.
fn balance_line(r: Result<Order, AppError>) -> Output {
    Output::from_result(r, |o| {
        format!(
            "{}\t{}\ttrop-perçu à rembourser {}",
            o.number,
            o.stage.slug(),
            o.credit_balance().fr()
        )
    })
}

/// The number of the document a step issued.
fn doc_line(r: Result<IssuedDocument, AppError>) -> Output {
    Output::from_result(r, |d| d.number.to_string())
}

pub(super) fn order(shared: &Shared, actor: &Actor, what: OrderCmd) -> Output {
    let app = &shared.app;
    match what {
        OrderCmd::Show { number, json } => match app.order_by_key(&number) {
            Ok(v) => Output::render(&OrderReport::of(&v), json),
            Err(e) => e.into(),
        },
        OrderCmd::Preorder { number } => stage_line(app.record_pre_order(actor, &number)),
        OrderCmd::Remind { number, formal } => {
            let kind = if formal {
                LetterKind::FormalNotice
            } else {
                LetterKind::Reminder
            };
            Output::from_result(app.write_letter(actor, &number, kind), letter_line)
        }
        OrderCmd::ClaimInterest { number } => Output::from_result(
            app.write_letter(actor, &number, LetterKind::InterestClaim),
            letter_line,
        ),
        OrderCmd::Letters { number, json } => letters(app, &number, json),
        OrderCmd::ReceiveOriginal {
            number,
            po_number,
            po_date,
            letterhead,
            dated,
            signed,
            stamped,
            amount_matches,
            contract,
        } => {
            let input = OriginalPoInput {
                po_number,
                po_date,
                checklist: Checklist {
                    letterhead,
                    dated,
                    signed,
                    stamped,
                    amount_matches,
                },
                contract,
            };
            stage_line(app.mark_original_received(actor, &number, &input))
        }
        OrderCmd::Deliver { number, quantities } => {
            doc_line(app.issue_delivery_note(actor, &number, quantities.as_deref()))
        }
        OrderCmd::Invoice { number } => doc_line(app.issue_invoice(actor, &number)),
        OrderCmd::Pay {
            number,
            date,
            amount,
            reference,
            surplus,
        } => {
            if surplus {
                balance_line(app.record_overpayment(actor, &number, date, amount, &reference))
            } else {
                stage_line(app.record_payment(actor, &number, date, amount, &reference))
            }
        }
        OrderCmd::Refund {
            number,
            date,
            amount,
            reference,
        } => balance_line(app.record_refund(actor, &number, date, amount, &reference)),
        OrderCmd::Cancel { number, reason } => {
            stage_line(app.cancel_order(actor, &number, &reason))
        }
        OrderCmd::Refuse { number, reason } => {
            stage_line(app.refuse_quote(actor, &number, &reason))
        }
        OrderCmd::CreditNote {
            number,
            invoice,
            quantities,
            amount,
            vat,
            reason,
        } => {
            let invoice = match invoice_arg(invoice) {
                Ok(i) => i,
                Err(o) => return o,
            };
            let scope = match (quantities, amount) {
                (Some(q), _) => CreditScope::Quantities(q),
                (None, Some(net)) => CreditScope::Amount { net, vat },
                (None, None) => CreditScope::Full,
            };
            doc_line(app.issue_credit_note(actor, &number, invoice, &scope, &reason))
        }
        OrderCmd::ReceivedByBody {
            number,
            date,
            invoice,
        } => delay_line(app, actor, &number, invoice, date, DelayNotice::Received),
        OrderCmd::Suspend {
            number,
            date,
            reason,
            invoice,
        } => delay_line(
            app,
            actor,
            &number,
            invoice,
            date,
            DelayNotice::Interrupted { reason },
        ),
        OrderCmd::Resume {
            number,
            date,
            invoice,
        } => delay_line(app, actor, &number, invoice, date, DelayNotice::Resumed),
        OrderCmd::PayInterest {
            number,
            date,
            amount,
            reference,
        } => penalty_line(
            app,
            app.record_penalty_payment(actor, &number, date, amount, &reference),
        ),
        OrderCmd::WaiveInterest {
            number,
            amount,
            reason,
        } => penalty_line(app, app.waive_penalties(actor, &number, amount, &reason)),
        OrderCmd::AttachPo { .. } => Output::err("le scan se lit sur l'entrée standard", 1),
        OrderCmd::DeliverTo {
            number,
            address,
            contact,
        } => Output::from_result(app.choose_delivery(actor, &number, address, contact), |o| {
            format!(
                "{}\tlivraison : {}\tcontact : {}",
                o.number,
                o.delivery_address.one_line(),
                o.contact.name
            )
        }),
        OrderCmd::Renew { number } => {
            Output::from_result(app.renew_quote(actor, &number), |o| o.number.to_string())
        }
    }
}

/// `order letters N`: what was written to the body about the order.
fn letters(app: &App, number: &str, json: bool) -> Output {
    let order = match crate::app::parse_order_number(number) {
        Ok(n) => n,
        Err(e) => return e.into(),
    };
    match app.letters_of(&order) {
        Ok(list) => Output::render(&list.iter().map(LetterRow::of).collect::<Vec<_>>(), json),
        Err(e) => e.into(),
    }
}

/// `order attach-po N < scan.pdf`: the bytes are the scan, not text.
pub(super) fn attach_po(shared: &Shared, actor: &Actor, number: &str, scan: &[u8]) -> Output {
    Output::from_result(shared.app.attach_po_scan(actor, number, scan), |o| {
        let a = o.po_scan.as_ref();
        format!(
            "{}\tscan joint\t{}\t{}",
            o.number,
            a.map(|a| a.media_type.as_str()).unwrap_or(""),
            a.map(|a| a.sha256_hex()).unwrap_or_default()
        )
    })
}

/// `--invoice FA-…` when given.
fn invoice_arg(invoice: Option<String>) -> Result<Option<DocNumber>, Output> {
    match invoice.map(|i| DocNumber::parse(&i).ok_or(i)) {
        Some(Ok(n)) if n.kind == DocKind::Invoice => Ok(Some(n)),
        Some(Ok(n)) => Err(Output::usage(format!(
            "--invoice : {n} n'est pas une facture"
        ))),
        Some(Err(i)) => Err(Output::usage(format!(
            "--invoice : « {i} » n'est pas un numéro de facture"
        ))),
        None => Ok(None),
    }
}

/// A notice of the payment delay (receipt, interruption, resumption), answered with the
/// invoices' due dates.
fn delay_line(
    app: &App,
    actor: &Actor,
    number: &str,
    invoice: Option<String>,
    date: Date,
    notice: DelayNotice,
) -> Output {
    let invoice = match invoice_arg(invoice) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let r = app.record_delay_notice(actor, number, invoice, date, &notice);
    Output::from_result(r, |o| {
        o.invoices
            .iter()
            .filter(|i| !i.is_cancelled())
            .map(|i| match i.due_date() {
                Some(d) => format!("{} échéance {}", i.number, d.fr()),
                None => format!("{} délai interrompu", i.number),
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// What remains owed for lateness after a settlement.
fn penalty_line(app: &App, r: Result<Order, AppError>) -> Output {
    Output::from_result(r, |o| {
        let t = o.penalty_totals(app.today(), &app.settings().ecb_rates);
        format!(
            "{} intérêts et indemnité : dus {}, reçus {}, abandonnés {}, reste {}",
            o.number,
            (t.interest + t.indemnity).fr(),
            t.received.fr(),
            t.waived.fr(),
            t.owed().fr()
        )
    })
}

pub(super) fn quote(shared: &Shared, actor: &Actor, what: QuoteCmd, stdin: &str) -> Output {
    match what {
        QuoteCmd::Create {
            customer,
            lines,
            address,
            contact,
        } => {
            let app = &shared.app;
            let made = app
                .find_customer(&customer)
                .and_then(|c| app.create_quote(actor, c.id, &lines, address, contact));
            Output::from_result(made, |o| {
                format!(
                    "{}\t{} TTC\tvalable jusqu'au {}",
                    o.number,
                    o.totals().incl_vat.fr(),
                    o.quote.valid_until.fr()
                )
            })
        }
        QuoteCmd::Revise { number, lines } => {
            let made = shared.app.revise_quote(actor, &number, &lines);
            Output::from_result(made, |o| {
                format!(
                    "{}	version {} (remplace {number})	{} TTC	valable jusqu'au {}",
                    o.number,
                    o.quote.version,
                    o.totals().incl_vat.fr(),
                    o.quote.valid_until.fr()
                )
            })
        }
        QuoteCmd::Import => {
            let req = match parse_quote_request(stdin) {
                Ok(r) => r,
                Err(e) => return e.into(),
            };
            match shared.app.import_quote(actor, &req) {
                Ok(o) => {
                    let mut out = Output::ok(o.number.to_string());
                    if o.pending_review {
                        out.stderr = format!(
                            "note : {} doit être examiné avant d'accepter l'original\n",
                            req.legal_name
                        )
                        .into_bytes();
                    }
                    out
                }
                Err(e) => e.into(),
            }
        }
    }
}

/// A letter written: its reference and the command that downloads it.
fn letter_line(l: crate::domain::letter::Letter) -> String {
    format!(
        "{} — ssh … doc get {} > {}",
        l.describe(),
        l.reference,
        l.file_name()
    )
}

/// `order letters`: what was written, when, asking for what.
#[derive(serde::Serialize)]
struct LetterRow {
    reference: String,
    kind: &'static str,
    date: String,
    invoices: Vec<String>,
    asked: String,
    sha256: String,
    by: String,
    #[serde(skip)]
    text: String,
}

impl LetterRow {
    fn of(l: &crate::domain::letter::Letter) -> LetterRow {
        LetterRow {
            reference: l.reference.clone(),
            kind: l.kind.slug(),
            date: l.date.to_string(),
            invoices: l.invoices.iter().map(|i| i.invoice.to_string()).collect(),
            asked: l.asked.decimal(),
            sha256: l.sha256.clone(),
            by: l.created_by.clone(),
            text: format!("{}\t{}", l.describe(), l.created_by),
        }
    }
}

impl Render for LetterRow {
    fn text(&self) -> String {
        self.text.clone()
    }
}

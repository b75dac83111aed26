//! The state machine of an order. Every transition is a pure function: it takes the order
//! (and what it needs to look at), and returns either the new state with the events to
//! record, or a [`PipelineError`] that says, in French, why not. Nothing here reads a clock
//! or a file; callers persist the result.

use super::credit::{self, IssuedTotals};
use super::customer::{Address, Contact, Customer, Eligibility, EligibilityStatus};
use super::date::{Date, Timestamp};
use super::document::{BuyerSnapshot, DocKind, DocLine, DocNumber, IssuedDocument, PoRef};
use super::error::{Operation, PipelineError, Reason};
use super::event::{Action, Event};
use super::interest::{EcbRates, PenaltySettlement, SettlementKind};
use super::legal::{self, LegalClass};
use super::money::{Cents, Totals, VatRate};
use super::order::{
    Checklist, CreditRef, DocRef, InvoiceRef, Order, OrderId, OrderLine, OriginalPo, Payment,
    PreOrderInfo, Product, QuoteInfo, Stage,
};
use std::collections::BTreeMap;

/// Longest PO / engagement number Chorus Pro accepts.
pub const PO_NUMBER_MAX: usize = 50;

/// Products touched by a transition, by SKU. Transitions mutate a copy; the caller
/// persists it only when the transition succeeds.
pub type Stock = BTreeMap<String, Product>;

/// Who acts, and when.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub now: Timestamp,
    pub actor: &'a str,
}

impl Ctx<'_> {
    pub fn today(&self) -> Date {
        self.now.paris_date()
    }
}

/// A transition that changed an order.
#[derive(Clone, Debug)]
pub struct Step {
    pub order: Order,
    pub events: Vec<Event>,
}

/// A transition that also issued a document.
#[derive(Clone, Debug)]
pub struct Issued {
    pub order: Order,
    pub document: IssuedDocument,
    pub events: Vec<Event>,
}

/// A product the quote asks for more of than is available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortage {
    pub sku: String,
    pub designation: String,
    pub wanted: u32,
    pub available: i64,
}

/// What a quote line asks for.
#[derive(Clone, Debug)]
pub struct QuoteLine {
    pub sku: String,
    pub designation: String,
    pub unit_price: Cents,
    pub vat: super::money::VatRate,
    pub quantity: u32,
    /// Legal ground of a VAT exemption; required for a 0 % line.
    pub exemption: Option<String>,
}

/// Everything needed to create a quote (a new order).
#[derive(Clone, Debug)]
pub struct NewQuote {
    pub id: OrderId,
    pub number: DocNumber,
    pub version: u32,
    pub renews: Option<DocNumber>,
    pub external_ref: Option<String>,
    pub lines: Vec<QuoteLine>,
    pub delivery_address: Address,
    pub contact: Contact,
}

/// What staff enter when the original purchase order arrives.
#[derive(Clone, Debug)]
pub struct OriginalPoInput {
    pub po_number: String,
    pub po_date: Date,
    pub checklist: Checklist,
    /// The market / contract reference (BT-12), optional.
    pub contract: Option<String>,
}

fn refuse<T>(op: Operation, reason: Reason) -> Result<T, PipelineError> {
    Err(PipelineError::new(op, reason))
}

/// Refuses text holding a character a terminal would obey or the documents cannot print,
/// naming the field and the character.
fn check_text(op: Operation, field: &'static str, s: &str) -> Result<(), PipelineError> {
    match super::text::first_refused(s, false) {
        Some(c) => refuse(
            op,
            Reason::TextRefused {
                field,
                why: super::text::refused_char(c),
            },
        ),
        None => Ok(()),
    }
}

/// The buyer block of a document, from the account and the order's frozen addresses.
pub fn buyer_snapshot(customer: &Customer, order: &Order) -> BuyerSnapshot {
    BuyerSnapshot {
        customer: customer.id,
        legal_name: customer.legal_name.clone(),
        siret: customer.siret.as_str().to_string(),
        categorie: customer.categorie.clone(),
        header_address: order.header_address.clone(),
        delivery_address: order.delivery_address.clone(),
        contact: order.contact.clone(),
        service_code: customer.chorus.service_code.clone(),
        payment_delay_days: customer.payment_delay_days(),
    }
}

fn document(
    order: &Order,
    customer: &Customer,
    number: DocNumber,
    lines: Vec<DocLine>,
    ctx: &Ctx,
) -> IssuedDocument {
    let totals = Totals::from_lines(lines.iter().map(|l| (l.amount, l.vat)));
    IssuedDocument {
        number,
        order: order.id,
        order_number: order.number,
        issued_at: ctx.now,
        date: ctx.today(),
        issued_by: ctx.actor.to_string(),
        buyer: buyer_snapshot(customer, order),
        lines,
        totals,
        po: order.po.as_ref().map(|p| PoRef {
            number: p.po_number.clone(),
            date: p.po_date,
            contract: p.contract.clone(),
        }),
        quote_version: None,
        valid_until: None,
        renews: None,
        delivery_date: None,
        due_date: None,
        cancels: None,
        reason: None,
        partial: false,
        delivery_notes: Vec::new(),
        late_rate_bp: None,
        files: Vec::new(),
        synthetic: false,
    }
}

/// The printed line for `quantity` units of an order line.
fn doc_line(l: &OrderLine, quantity: u32, remaining: u32) -> DocLine {
    DocLine {
        sku: l.sku.clone(),
        designation: l.designation.clone(),
        quantity,
        unit_price: l.unit_price,
        vat: l.vat,
        amount: l.unit_price * quantity as i64,
        ordered: l.ordered,
        remaining,
        delivered_before: 0,
        exemption: l.exemption.clone(),
    }
}

/// The lines an invoice or credit note bills: every order line with a quantity.
fn billed_lines(lines: &[OrderLine], quantities: &[u32]) -> Vec<DocLine> {
    lines
        .iter()
        .zip(quantities)
        .filter(|(_, q)| **q > 0)
        .map(|(l, &q)| doc_line(l, q, 0))
        .collect()
}

fn doc_ref(doc: &IssuedDocument) -> DocRef {
    DocRef {
        number: doc.number,
        date: doc.date,
        amount_incl_vat: doc.amount(),
    }
}

fn set_stage(order: &mut Order, stage: Stage, now: Timestamp) {
    if order.stage != stage {
        order.stage = stage;
        order.stage_since = now;
    }
}

/// Creates a new order in the Quote stage and its quote document.
pub fn create_quote(customer: &Customer, q: NewQuote, ctx: &Ctx) -> Result<Issued, PipelineError> {
    let op = Operation::CreateQuote;
    if customer.eligibility.status == EligibilityStatus::Refused {
        return refuse(
            op,
            Reason::CustomerRefused(customer.eligibility.reason.clone()),
        );
    }
    if q.lines.is_empty() {
        return refuse(op, Reason::EmptyQuote);
    }
    if let Some(r) = &q.external_ref {
        check_text(op, "la référence externe", r)?;
    }
    for (i, l) in q.lines.iter().enumerate() {
        if l.quantity == 0 {
            return refuse(op, Reason::ZeroQuantity(i + 1));
        }
        check_text(op, "la référence produit", &l.sku)?;
        check_text(op, "la désignation", &l.designation)?;
        if let Some(g) = &l.exemption {
            check_text(op, "le motif d'exonération", g)?;
        }
        if l.unit_price < Cents::ZERO {
            return refuse(op, Reason::NegativePrice(i + 1));
        }
        let ground = l.exemption.as_deref().map(str::trim).unwrap_or("");
        if l.vat.is_zero() && ground.is_empty() {
            return refuse(
                op,
                Reason::ExemptionGroundMissing {
                    line: i + 1,
                    sku: l.sku.clone(),
                },
            );
        }
    }
    let today = ctx.today();
    let order = Order {
        id: q.id,
        number: q.number,
        customer: customer.id,
        quote: QuoteInfo {
            version: q.version,
            issued_on: today,
            valid_until: today.add_months(1),
            renews: q.renews,
            renewed_by: None,
            external_ref: q.external_ref,
        },
        header_address: customer.header_address.clone(),
        delivery_address: q.delivery_address,
        contact: q.contact,
        lines: q
            .lines
            .iter()
            .map(|l| OrderLine {
                sku: l.sku.clone(),
                designation: l.designation.clone(),
                unit_price: l.unit_price,
                vat: l.vat,
                ordered: l.quantity,
                reserved: 0,
                delivered: 0,
                invoiced: 0,
                exemption: l
                    .exemption
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| l.vat.is_zero() && !g.is_empty())
                    .map(str::to_string),
            })
            .collect(),
        stage: Stage::Quote,
        stage_since: ctx.now,
        pre_order: None,
        po: None,
        documents: Vec::new(),
        invoices: Vec::new(),
        payments: Vec::new(),
        refunds: Vec::new(),
        penalty_settlements: Vec::new(),
        po_scan: None,
        closing_reason: None,
        created_at: ctx.now,
    };
    let lines = order
        .lines
        .iter()
        .map(|l| doc_line(l, l.ordered, l.ordered))
        .collect();
    let mut doc = document(&order, customer, q.number, lines, ctx);
    doc.quote_version = Some(order.quote.version);
    doc.valid_until = Some(order.quote.valid_until);
    doc.renews = order.quote.renews;
    let mut order = order;
    order.documents.push(doc_ref(&doc));
    let detail = match order.quote.renews {
        Some(old) => format!("version {} (renouvelle {old})", order.quote.version),
        None => format!("version {}", order.quote.version),
    };
    let events = vec![
        Event::new(Action::QuoteIssued, "", Stage::Quote.label())
            .detail(format!("{detail}, {}", doc.totals.incl_vat.fr()))
            .document(q.number),
    ];
    Ok(Issued {
        order,
        document: doc,
        events,
    })
}

/// Checks that a quote (or pre-order) is still the live version and not closed.
fn check_open_quote(order: &Order, op: Operation, today: Date) -> Result<(), PipelineError> {
    if let Some(to) = order.quote.renewed_by {
        return refuse(op, Reason::Renewed(to));
    }
    match order.stage {
        Stage::Quote if today > order.quote.valid_until && op != Operation::ReceiveOriginal => {
            refuse(op, Reason::QuoteExpired(order.quote.valid_until))
        }
        Stage::Quote | Stage::PreOrder => Ok(()),
        Stage::PoReceived | Stage::Delivered | Stage::Invoiced | Stage::Paid => {
            refuse(op, Reason::OriginalAlreadyReceived)
        }
        other => refuse(op, Reason::WrongStage(other.label())),
    }
}

/// When shipping `q` units of line `l` is more than the warehouse can give (its own
/// reservation, plus what is free beyond every reservation, never more than on hand):
/// what it can ship.
fn short_of(l: &OrderLine, p: Option<&Product>, q: u32) -> Option<i64> {
    let from_reserved = q.min(l.reserved);
    let extra = (q - from_reserved) as i64;
    match p {
        None => (q > 0).then_some(0),
        Some(p) if p.available() < extra || p.on_hand < q as i64 => {
            Some(p.available().max(0) + from_reserved as i64)
        }
        Some(_) => None,
    }
}

/// The lines a delivery of `quantities` (one per order line) would be refused for, with
/// what each can ship now — to say so before the delivery is confirmed.
pub fn delivery_shortfalls(
    order: &Order,
    stock: &Stock,
    quantities: &[u32],
) -> Vec<(usize, Shortage)> {
    order
        .lines
        .iter()
        .zip(quantities)
        .enumerate()
        .filter(|(_, (_, q))| **q > 0)
        .filter_map(|(i, (l, q))| {
            short_of(l, stock.get(&l.sku), *q).map(|available| {
                (
                    i,
                    Shortage {
                        sku: l.sku.clone(),
                        designation: l.designation.clone(),
                        wanted: *q,
                        available,
                    },
                )
            })
        })
        .collect()
}

/// What each line would still need to reserve, against what is available.
pub fn shortages(order: &Order, stock: &Stock) -> Vec<Shortage> {
    let mut out = Vec::new();
    for l in &order.lines {
        let wanted = l.ordered - l.delivered - l.reserved;
        if wanted == 0 {
            continue;
        }
        let available = stock.get(&l.sku).map(|p| p.available()).unwrap_or(0).max(0);
        if (wanted as i64) > available {
            out.push(Shortage {
                sku: l.sku.clone(),
                designation: l.designation.clone(),
                wanted,
                available,
            });
        }
    }
    out
}

/// Reserves what is available for every line; returns (reserved now, still missing).
fn reserve(order: &mut Order, stock: &mut Stock) -> (u64, u64) {
    let (mut got, mut missing) = (0u64, 0u64);
    for l in &mut order.lines {
        let wanted = l.ordered - l.delivered - l.reserved;
        if wanted == 0 {
            continue;
        }
        let Some(p) = stock.get_mut(&l.sku) else {
            missing += wanted as u64;
            continue;
        };
        let take = (wanted as i64).min(p.available().max(0)) as u32;
        p.reserved += take as i64;
        l.reserved += take;
        got += take as u64;
        missing += (wanted - take) as u64;
    }
    (got, missing)
}

/// Gives back every reservation of the order.
fn release(order: &mut Order, stock: &mut Stock) {
    for l in &mut order.lines {
        if let Some(p) = stock.get_mut(&l.sku) {
            p.reserved -= l.reserved as i64;
        }
        l.reserved = 0;
    }
}

fn reservation_detail(got: u64, missing: u64) -> String {
    if missing == 0 {
        format!("{got} unité(s) réservée(s)")
    } else {
        format!("{got} unité(s) réservée(s), {missing} en rupture")
    }
}

/// The emailed copy arrived: reserve the goods, shipping stays blocked.
pub fn record_pre_order(
    order: &Order,
    customer: &Customer,
    stock: &mut Stock,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::PreOrder;
    check_open_quote(order, op, ctx.today())?;
    if order.stage == Stage::PreOrder {
        return refuse(op, Reason::WrongStage(Stage::PreOrder.label()));
    }
    if customer.eligibility.status == EligibilityStatus::Refused {
        return refuse(
            op,
            Reason::CustomerRefused(customer.eligibility.reason.clone()),
        );
    }
    let mut o = order.clone();
    let (got, missing) = reserve(&mut o, stock);
    o.pre_order = Some(PreOrderInfo {
        emailed_at: ctx.now,
        recorded_by: ctx.actor.to_string(),
    });
    set_stage(&mut o, Stage::PreOrder, ctx.now);
    let ev = Event::new(
        Action::PreOrderRecorded,
        order.stage.label(),
        Stage::PreOrder.label(),
    )
    .detail(reservation_detail(got, missing));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The original purchase order arrived and was verified against the checklist.
pub fn mark_original_received(
    order: &Order,
    customer: &Customer,
    stock: &mut Stock,
    input: &OriginalPoInput,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::ReceiveOriginal;
    check_open_quote(order, op, ctx.today())?;
    if customer.eligibility.status != EligibilityStatus::Approved {
        return refuse(
            op,
            Reason::CustomerNotApproved(customer.eligibility.status.label()),
        );
    }
    let po_number = input.po_number.trim();
    if po_number.is_empty()
        || po_number.chars().count() > PO_NUMBER_MAX
        || po_number.chars().any(char::is_control)
    {
        return refuse(op, Reason::PoNumberInvalid);
    }
    check_text(op, "le numéro de bon de commande", po_number)?;
    // The original names its contract; otherwise the body's market reference applies.
    let contract = input
        .contract
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(customer
            .chorus
            .market_reference
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()));
    if contract
        .is_some_and(|c| c.chars().count() > PO_NUMBER_MAX || c.chars().any(char::is_control))
    {
        return refuse(op, Reason::ContractInvalid);
    }
    if let Some(c) = contract {
        check_text(op, "la référence du marché", c)?;
    }
    let missing = input.checklist.missing();
    if !missing.is_empty() {
        return refuse(op, Reason::ChecklistIncomplete(missing));
    }
    // Chorus Pro routing is checked while it can still be fixed, not at invoicing: a body
    // that requires a service code must have one before its original is recorded.
    let service_code = customer.chorus.service_code.as_deref().map(str::trim);
    if customer.chorus.service_code_required && service_code.unwrap_or("").is_empty() {
        return refuse(op, Reason::MissingServiceCode);
    }
    if input.po_date > order.quote.valid_until {
        return refuse(
            op,
            Reason::PoDateAfterValidity {
                po_date: input.po_date,
                valid_until: order.quote.valid_until,
            },
        );
    }
    if input.po_date > ctx.today() {
        return refuse(op, Reason::PoDateInFuture(input.po_date));
    }
    if input.po_date < order.quote.issued_on {
        return refuse(
            op,
            Reason::PoDateBeforeQuote {
                po_date: input.po_date,
                quote_date: order.quote.issued_on,
            },
        );
    }
    let mut o = order.clone();
    let (got, missing) = reserve(&mut o, stock);
    o.po = Some(OriginalPo {
        po_number: po_number.to_string(),
        po_date: input.po_date,
        received_at: ctx.now,
        checklist: input.checklist,
        verified_by: ctx.actor.to_string(),
        contract: contract.map(str::to_string),
    });
    set_stage(&mut o, Stage::PoReceived, ctx.now);
    let ev = Event::new(
        Action::OriginalReceived,
        order.stage.label(),
        Stage::PoReceived.label(),
    )
    .detail(format!(
        "BC {po_number} du {}, vérifié ; {}",
        input.po_date.fr(),
        reservation_detail(got, missing)
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Checks the order is past the original-PO gate and still alive.
fn check_po_gate(order: &Order, op: Operation) -> Result<(), PipelineError> {
    match order.stage {
        Stage::Cancelled | Stage::Refused => refuse(op, Reason::WrongStage(order.stage.label())),
        _ if order.po.is_none() => refuse(op, Reason::OriginalNotReceived),
        _ => Ok(()),
    }
}

/// Ships goods: all remaining quantities by default, or the given per-line quantities.
pub fn issue_delivery_note(
    order: &Order,
    customer: &Customer,
    stock: &mut Stock,
    quantities: Option<&[u32]>,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<Issued, PipelineError> {
    let op = Operation::Deliver;
    check_po_gate(order, op)?;
    let qty: Vec<u32> = match quantities {
        Some(q) if q.len() != order.lines.len() => {
            return refuse(
                op,
                Reason::QuantityCount {
                    given: q.len(),
                    lines: order.lines.len(),
                },
            );
        }
        Some(q) => q.to_vec(),
        None => order.lines.iter().map(OrderLine::to_deliver).collect(),
    };
    if qty.iter().all(|q| *q == 0) {
        return refuse(op, Reason::NothingToDeliver);
    }
    let mut o = order.clone();
    for (i, (l, &q)) in o.lines.iter_mut().zip(&qty).enumerate() {
        if q > l.to_deliver() {
            return refuse(
                op,
                Reason::QuantityTooLarge {
                    line: i + 1,
                    sku: l.sku.clone(),
                    requested: q,
                    remaining: l.to_deliver(),
                },
            );
        }
        if q == 0 {
            continue;
        }
        let from_reserved = q.min(l.reserved);
        if let Some(available) = short_of(l, stock.get(&l.sku), q) {
            return refuse(
                op,
                Reason::InsufficientStock {
                    sku: l.sku.clone(),
                    requested: q,
                    available,
                },
            );
        }
        let Some(p) = stock.get_mut(&l.sku) else {
            continue;
        };
        p.on_hand -= q as i64;
        p.reserved -= from_reserved as i64;
        l.reserved -= from_reserved;
        l.delivered += q;
    }
    // The note shows every line still concerned: shipped now, or still to ship.
    let lines: Vec<DocLine> = o
        .lines
        .iter()
        .zip(&qty)
        .filter(|(l, q)| **q > 0 || l.to_deliver() > 0)
        .map(|(l, &q)| DocLine {
            delivered_before: l.delivered - q,
            ..doc_line(l, q, l.to_deliver())
        })
        .collect();
    let earlier: Vec<(DocNumber, Date)> = o
        .documents_of(DocKind::DeliveryNote)
        .map(|d| (d.number, d.date))
        .collect();
    let before = o.stage;
    let after = o.progress_stage();
    set_stage(&mut o, after, ctx.now);
    let mut doc = document(&o, customer, number, lines, ctx);
    doc.delivery_notes = earlier;
    o.documents.push(doc_ref(&doc));
    let shipped: u32 = qty.iter().sum();
    let detail = if after == Stage::PoReceived {
        format!("{shipped} unité(s) livrée(s), livraison partielle")
    } else {
        format!("{shipped} unité(s) livrée(s)")
    };
    let ev = Event::new(Action::DeliveryNoteIssued, before.label(), after.label())
        .detail(detail)
        .document(number);
    Ok(Issued {
        order: o,
        document: doc,
        events: vec![ev],
    })
}

/// Chorus Pro routing data the customer requires, checked before an invoice is issued.
pub fn check_chorus_routing(
    order: &Order,
    customer: &Customer,
    op: Operation,
) -> Result<(), PipelineError> {
    let service_code = customer
        .chorus
        .service_code
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    if customer.chorus.service_code_required && service_code.is_empty() {
        return refuse(op, Reason::MissingServiceCode);
    }
    let engagement = order.po.as_ref().map(|p| p.po_number.trim()).unwrap_or("");
    if customer.chorus.engagement_required && engagement.is_empty() {
        return refuse(op, Reason::MissingEngagement);
    }
    Ok(())
}

/// Bills everything delivered and not yet invoiced. The terms print the moratory rate for
/// a lateness that would start the day after the (presumed) due date, as `rates` know it.
pub fn issue_invoice(
    order: &Order,
    customer: &Customer,
    number: DocNumber,
    rates: &EcbRates,
    ctx: &Ctx,
) -> Result<Issued, PipelineError> {
    let op = Operation::Invoice;
    check_po_gate(order, op)?;
    let qty: Vec<u32> = order.lines.iter().map(OrderLine::to_invoice).collect();
    if qty.iter().all(|q| *q == 0) {
        let reason = if order.invoiced_units() == order.ordered_units() {
            Reason::AlreadyInvoiced
        } else {
            Reason::NothingToInvoice
        };
        return refuse(op, reason);
    }
    check_chorus_routing(order, customer, op)?;
    let mut o = order.clone();
    let lines = billed_lines(&o.lines, &qty);
    for (l, q) in o.lines.iter_mut().zip(&qty) {
        l.invoiced += q;
    }
    let mut doc = document(&o, customer, number, lines, ctx);
    let delivery_date = o.documents_of(DocKind::DeliveryNote).map(|d| d.date).max();
    let invoice = InvoiceRef {
        number,
        date: doc.date,
        delay_days: customer.payment_delay_days(),
        received_on: None,
        suspension: None,
        amount_incl_vat: doc.totals.incl_vat,
        quantities: qty,
        credits: Vec::new(),
    };
    let due = invoice.terms().first_due();
    doc.delivery_date = delivery_date;
    doc.due_date = Some(due);
    doc.delivery_notes = uninvoiced_notes(&o);
    doc.late_rate_bp = Some(rates.penalty_rate_bp(due.add_days(1)));
    o.invoices.push(invoice);
    o.documents.push(doc_ref(&doc));
    let before = o.stage;
    let after = o.progress_stage();
    set_stage(&mut o, after, ctx.now);
    let ev = Event::new(Action::InvoiceIssued, before.label(), after.label())
        .detail(format!(
            "{}, échéance estimée {} (réception présumée + {} j)",
            doc.totals.incl_vat.fr(),
            due.fr(),
            customer.payment_delay_days()
        ))
        .document(number);
    Ok(Issued {
        order: o,
        document: doc,
        events: vec![ev],
    })
}

/// The delivery notes an invoice covers: those issued since the last invoice still live.
fn uninvoiced_notes(order: &Order) -> Vec<(DocNumber, Date)> {
    let mut notes = Vec::new();
    for d in &order.documents {
        match d.number.kind {
            DocKind::DeliveryNote => notes.push((d.number, d.date)),
            DocKind::Invoice
                if order
                    .invoices
                    .iter()
                    .any(|i| i.number == d.number && !i.is_cancelled()) =>
            {
                notes.clear()
            }
            _ => {}
        }
    }
    notes
}

/// A mandate was paid. Beyond what the live invoices still ask for, the payment is
/// refused unless `surplus` says staff saw the money arrive: the excess is then a
/// « trop-perçu » the shop owes back (see [`record_refund`]).
pub fn record_payment(
    order: &Order,
    date: Date,
    amount: Cents,
    reference: &str,
    surplus: bool,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Pay;
    let first_invoice = order.live_invoices().map(|i| i.date).min();
    let Some(first_invoice) = first_invoice else {
        return refuse(op, Reason::NoInvoice);
    };
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let outstanding = order.outstanding();
    if amount > outstanding && !surplus {
        return refuse(
            op,
            Reason::Overpayment {
                amount,
                outstanding,
            },
        );
    }
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return refuse(op, Reason::ReferenceRequired);
    }
    check_text(op, "la référence du paiement", reference)?;
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    if date < first_invoice {
        return refuse(
            op,
            Reason::PaymentBeforeInvoice {
                date,
                invoice_date: first_invoice,
            },
        );
    }
    let mut o = order.clone();
    o.payments.push(Payment {
        date,
        amount,
        reference: reference.to_string(),
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    });
    let before = o.stage;
    let after = o.progress_stage();
    set_stage(&mut o, after, ctx.now);
    let ev = Event::new(Action::PaymentRecorded, before.label(), after.label()).detail(format!(
        "{} le {}, mandat {reference} ; {}",
        amount.fr(),
        date.fr(),
        balance_phrase(&o)
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// « reste dû 120,00 € », or « trop-perçu à rembourser 30,00 € ».
fn balance_phrase(o: &Order) -> String {
    match o.credit_balance() {
        c if c > Cents::ZERO => format!("trop-perçu à rembourser {}", c.fr()),
        _ => format!("reste dû {}", o.outstanding().fr()),
    }
}

/// Money paid back to the body: at most the « trop-perçu » (payments beyond the live
/// invoices, earlier refunds deducted), dated no earlier than the last payment it
/// returns, with the bank's reference.
pub fn record_refund(
    order: &Order,
    date: Date,
    amount: Cents,
    reference: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Refund;
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let credit = order.credit_balance();
    if amount > credit {
        return refuse(op, Reason::RefundExceedsCredit { amount, credit });
    }
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return refuse(op, Reason::ReferenceRequired);
    }
    check_text(op, "la référence du remboursement", reference)?;
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    if let Some(paid) = order.payments.iter().map(|p| p.date).max()
        && date < paid
    {
        return refuse(op, Reason::RefundBeforePayment { date, paid });
    }
    let mut o = order.clone();
    o.refunds.push(Payment {
        date,
        amount,
        reference: reference.to_string(),
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    });
    let before = o.stage;
    let after = o.progress_stage();
    set_stage(&mut o, after, ctx.now);
    let ev = Event::new(Action::RefundRecorded, before.label(), after.label()).detail(format!(
        "{} remboursés le {}, réf. {reference} ; trop-perçu restant {}",
        amount.fr(),
        date.fr(),
        o.credit_balance().fr()
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

fn check_closable(order: &Order, op: Operation) -> Result<(), PipelineError> {
    if !order.invoices.is_empty() {
        return refuse(op, Reason::InvoicedUseCreditNote);
    }
    if order.delivered_units() > 0 {
        return refuse(op, Reason::AlreadyDelivered);
    }
    match order.stage {
        Stage::Quote | Stage::PreOrder | Stage::PoReceived => Ok(()),
        other => refuse(op, Reason::WrongStage(other.label())),
    }
}

fn close(
    order: &Order,
    stock: &mut Stock,
    stage: Stage,
    reason: &str,
    action: Action,
    ctx: &Ctx,
) -> Step {
    let mut o = order.clone();
    let before = o.stage_on(ctx.today());
    release(&mut o, stock);
    o.closing_reason = Some(reason.to_string());
    set_stage(&mut o, stage, ctx.now);
    let ev = Event::new(action, before.label(), stage.label()).detail(reason.to_string());
    Step {
        order: o,
        events: vec![ev],
    }
}

/// Cancels an order before anything was delivered; reservations are released.
pub fn cancel(
    order: &Order,
    stock: &mut Stock,
    reason: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Cancel;
    check_closable(order, op)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    Ok(close(
        order,
        stock,
        Stage::Cancelled,
        reason,
        Action::OrderCancelled,
        ctx,
    ))
}

/// The body declined the quote (or cannot use the procedure).
pub fn refuse_quote(
    order: &Order,
    stock: &mut Stock,
    reason: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::RefuseQuote;
    if !matches!(order.stage, Stage::Quote | Stage::PreOrder) {
        return refuse(op, Reason::WrongStage(order.stage.label()));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    Ok(close(
        order,
        stock,
        Stage::Refused,
        reason,
        Action::QuoteRefused,
        ctx,
    ))
}

/// What a credit note takes back from an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditScope {
    /// Everything not yet credited: the invoice is cancelled and its quantities can be
    /// invoiced again (the Chorus "REJETEE" fix: credit note + new invoice).
    Full,
    /// Some quantities per order line: the invoice is reduced, nothing is invoiced again.
    Quantities(Vec<u32>),
    /// An amount excl. VAT at one of the invoice's VAT rates (needed when it has several).
    Amount { net: Cents, vat: Option<VatRate> },
}

/// Picks the invoice an operation is about: the one named, or the only candidate.
fn pick_invoice(
    order: &Order,
    invoice: Option<DocNumber>,
    op: Operation,
    candidate: impl Fn(&InvoiceRef) -> bool,
    none: Reason,
) -> Result<usize, PipelineError> {
    if let Some(n) = invoice {
        return match order.invoices.iter().position(|i| i.number == n) {
            Some(i) => Ok(i),
            None => refuse(op, Reason::InvoiceNotInOrder(n.to_string())),
        };
    }
    let found: Vec<usize> = (0..order.invoices.len())
        .filter(|i| candidate(&order.invoices[*i]))
        .collect();
    match found.as_slice() {
        [] => refuse(op, none),
        [one] => Ok(*one),
        many => refuse(
            op,
            Reason::WhichInvoice(
                many.iter()
                    .map(|i| order.invoices[*i].number.to_string())
                    .collect(),
            ),
        ),
    }
}

/// Cancels or reduces an invoice with a credit note. Several credit notes against one
/// invoice never exceed it, rate by rate (`issued`: the totals of the order's invoices and
/// credit notes as issued, see [`super::credit`]).
#[allow(clippy::too_many_arguments)]
pub fn issue_credit_note(
    order: &Order,
    customer: &Customer,
    invoice: Option<DocNumber>,
    scope: &CreditScope,
    issued: &IssuedTotals,
    reason: &str,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<Issued, PipelineError> {
    let op = Operation::CreditNote;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    let idx = pick_invoice(
        order,
        invoice,
        op,
        |i| !i.is_cancelled(),
        Reason::NoInvoiceToCredit,
    )?;
    let inv = order.invoices[idx].clone();
    if inv.is_cancelled() {
        let by = inv.credits.last().map(|c| c.number).unwrap_or(inv.number);
        return refuse(op, Reason::InvoiceAlreadyCredited(inv.number, by));
    }
    let credited = inv.credited_quantities();
    let left_qty: Vec<u32> = inv
        .quantities
        .iter()
        .zip(&credited)
        .map(|(q, c)| q.saturating_sub(*c))
        .collect();
    let (lines, quantities, cancels) = match scope {
        CreditScope::Full => (billed_lines(&order.lines, &left_qty), left_qty, true),
        CreditScope::Quantities(q) => {
            if q.len() != order.lines.len() {
                return refuse(
                    op,
                    Reason::QuantityCount {
                        given: q.len(),
                        lines: order.lines.len(),
                    },
                );
            }
            if q.iter().all(|x| *x == 0) {
                return refuse(op, Reason::NothingToCredit);
            }
            for (i, (want, left)) in q.iter().zip(&left_qty).enumerate() {
                if want > left {
                    return refuse(
                        op,
                        Reason::CreditQuantityTooLarge {
                            line: i + 1,
                            sku: order.lines[i].sku.clone(),
                            requested: *want,
                            left: *left,
                        },
                    );
                }
            }
            (billed_lines(&order.lines, q), q.clone(), false)
        }
        CreditScope::Amount { net, vat } => {
            if *net <= Cents::ZERO {
                return refuse(op, Reason::AmountNotPositive);
            }
            let billed: Vec<&OrderLine> = order
                .lines
                .iter()
                .zip(&inv.quantities)
                .filter(|(_, q)| **q > 0)
                .map(|(l, _)| l)
                .collect();
            let mut rates: Vec<VatRate> = billed.iter().map(|l| l.vat).collect();
            rates.sort();
            rates.dedup();
            let rate = match (vat, rates.as_slice()) {
                (None, [one]) => *one,
                (None, _) => return refuse(op, Reason::CreditVatRateNeeded(inv.number)),
                (Some(v), _) if rates.contains(v) => *v,
                (Some(v), _) => {
                    return refuse(
                        op,
                        Reason::CreditVatRateNotOnInvoice {
                            invoice: inv.number,
                            rate: v.fr(),
                        },
                    );
                }
            };
            let exemption = billed
                .iter()
                .find(|l| l.vat == rate)
                .and_then(|l| l.exemption.clone());
            let line = DocLine {
                sku: String::new(),
                designation: format!("Réduction sur la facture {} : {reason}", inv.number),
                quantity: 1,
                unit_price: *net,
                vat: rate,
                amount: *net,
                ordered: 0,
                remaining: 0,
                delivered_before: 0,
                exemption,
            };
            (vec![line], vec![0; order.lines.len()], false)
        }
    };
    let mut o = order.clone();
    let mut doc = document(&o, customer, number, lines, ctx);
    let Some(left) = credit::left_per_rate(&order.lines, &inv, issued) else {
        return refuse(op, Reason::CreditBreakdownUnknown(inv.number));
    };
    if let Err(l) = credit::fit_to_left(&mut doc.totals, &left) {
        return refuse(
            op,
            Reason::CreditExceedsRate {
                invoice: inv.number,
                rate: l.rate.fr(),
                base: l.base.max(Cents::ZERO),
                tax: l.tax.max(Cents::ZERO),
            },
        );
    }
    let amount = doc.totals.incl_vat;
    if amount > inv.net() {
        return refuse(
            op,
            Reason::CreditExceedsInvoice {
                amount,
                invoice: inv.number,
                left: inv.net(),
            },
        );
    }
    // A full cancellation gives its quantities back to be invoiced again.
    let cancels = cancels && amount == inv.net();
    if cancels {
        for (l, q) in o.lines.iter_mut().zip(&quantities) {
            l.invoiced -= q;
        }
    }
    o.invoices[idx].credits.push(CreditRef {
        number,
        amount_incl_vat: amount,
        quantities,
        cancels,
    });
    doc.cancels = Some((inv.number, inv.date));
    doc.reason = Some(reason.to_string());
    doc.partial = !cancels;
    doc.delivery_date = o.documents_of(DocKind::DeliveryNote).map(|d| d.date).max();
    o.documents.push(doc_ref(&doc));
    let before = o.stage;
    let after = o.progress_stage();
    set_stage(&mut o, after, ctx.now);
    let verb = if cancels { "annule" } else { "réduit de" };
    let what = if cancels {
        format!("la facture {} ({})", inv.number, inv.amount_incl_vat.fr())
    } else {
        format!("{} la facture {}", amount.fr(), inv.number)
    };
    let surplus = if o.credit_balance() > Cents::ZERO {
        format!(" ; {}", balance_phrase(&o))
    } else {
        String::new()
    };
    let ev = Event::new(Action::CreditNoteIssued, before.label(), after.label())
        .detail(format!("{verb} {what} : {reason}{surplus}"))
        .document(number);
    Ok(Issued {
        order: o,
        document: doc,
        events: vec![ev],
    })
}

/// Checks a date given for an invoice: not before it, not in the future.
fn check_invoice_date(
    inv: &InvoiceRef,
    date: Date,
    op: Operation,
    ctx: &Ctx,
) -> Result<(), PipelineError> {
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    if date < inv.date {
        return refuse(
            op,
            Reason::DateBeforeInvoice {
                date,
                invoice: inv.number,
                invoice_date: inv.date,
            },
        );
    }
    Ok(())
}

fn due_text(inv: &InvoiceRef) -> String {
    match inv.due_date() {
        Some(d) => format!("échéance {}", d.fr()),
        None => "délai interrompu".to_string(),
    }
}

/// The body received the invoice on `date` (the Chorus Pro notification): the payment
/// delay runs from that day.
/// The invoice's *mise à disposition* on Chorus Pro: the body's receipt, which starts the
/// payment delay (décret n° 2013-269). It replaces a presumed date and one typed by staff
/// (said in the event, kept in the audit); the same date again changes nothing.
pub fn chorus_receipt(
    order: &Order,
    invoice: DocNumber,
    date: Date,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::RecordReceipt;
    let Some(idx) = order.invoices.iter().position(|i| i.number == invoice) else {
        return refuse(op, Reason::InvoiceNotInOrder(invoice.to_string()));
    };
    let inv = &order.invoices[idx];
    if inv.received_on == Some(date) {
        return Ok(Step {
            order: order.clone(),
            events: Vec::new(),
        });
    }
    check_invoice_date(inv, date, op, ctx)?;
    let mut o = order.clone();
    let before = inv.received_on;
    o.invoices[idx].received_on = Some(date);
    let inv = &o.invoices[idx];
    let was = match before {
        Some(b) => format!(" ; remplace le {} saisi", b.fr()),
        None => " ; remplace la date présumée".to_string(),
    };
    let ev = Event::new(
        Action::InvoiceReceivedByBody,
        o.stage.label(),
        o.stage.label(),
    )
    .detail(format!(
        "mise à disposition sur Chorus Pro le {}{was} ; {}",
        date.fr(),
        due_text(inv)
    ))
    .document(inv.number);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

pub fn record_receipt(
    order: &Order,
    invoice: Option<DocNumber>,
    date: Date,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::RecordReceipt;
    let idx = pick_invoice(
        order,
        invoice,
        op,
        |i| !i.is_cancelled() && i.received_on.is_none(),
        Reason::NoInvoice,
    )?;
    let inv = &order.invoices[idx];
    check_invoice_date(inv, date, op, ctx)?;
    let mut o = order.clone();
    let before = inv.received_on;
    o.invoices[idx].received_on = Some(date);
    let inv = &o.invoices[idx];
    let was = match before {
        Some(b) => format!(" (au lieu du {})", b.fr()),
        None => String::new(),
    };
    let ev = Event::new(
        Action::InvoiceReceivedByBody,
        o.stage.label(),
        o.stage.label(),
    )
    .detail(format!(
        "facture reçue par l'organisme le {}{was} ; {}",
        date.fr(),
        due_text(inv)
    ))
    .document(inv.number);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The body interrupted the payment delay by a notice naming what is missing (R2192-27/28).
pub fn suspend_delay(
    order: &Order,
    invoice: Option<DocNumber>,
    notice: Date,
    reason: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Suspend;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    let unpaid: Vec<DocNumber> = order
        .unpaid_invoices()
        .iter()
        .map(|(i, _)| i.number)
        .collect();
    let idx = pick_invoice(
        order,
        invoice,
        op,
        |i| unpaid.contains(&i.number) && i.suspension.is_none(),
        Reason::NoInvoice,
    )?;
    let inv = &order.invoices[idx];
    if !unpaid.contains(&inv.number) {
        return refuse(op, Reason::InvoiceSettled(inv.number));
    }
    if inv.suspension.is_some() {
        return refuse(op, Reason::AlreadySuspended(inv.number));
    }
    check_invoice_date(inv, notice, op, ctx)?;
    let due = inv.terms().first_due();
    if notice > due {
        return refuse(op, Reason::SuspendedAfterDue { notice, due });
    }
    let mut o = order.clone();
    o.invoices[idx].suspension = Some(super::interest::Suspension {
        notice,
        reason: reason.to_string(),
        resumed: None,
    });
    let ev = Event::new(Action::DelaySuspended, o.stage.label(), o.stage.label())
        .detail(format!(
            "délai interrompu le {} ({} j restants) : {reason}",
            notice.fr(),
            due.days_since(notice)
        ))
        .document(inv.number);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The missing pieces reached the body: a new delay starts (R2192-29).
pub fn resume_delay(
    order: &Order,
    invoice: Option<DocNumber>,
    date: Date,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Resume;
    let idx = pick_invoice(
        order,
        invoice,
        op,
        |i| i.suspension.as_ref().is_some_and(|s| s.resumed.is_none()),
        Reason::NoInvoice,
    )?;
    let inv = &order.invoices[idx];
    let Some(s) = &inv.suspension else {
        return refuse(op, Reason::NotSuspended(inv.number));
    };
    if s.resumed.is_some() {
        return refuse(op, Reason::AlreadyResumed(inv.number));
    }
    check_invoice_date(inv, date, op, ctx)?;
    if date < s.notice {
        return refuse(
            op,
            Reason::ResumedBeforeNotice {
                resumed: date,
                notice: s.notice,
            },
        );
    }
    let mut o = order.clone();
    if let Some(s) = o.invoices[idx].suspension.as_mut() {
        s.resumed = Some(date);
    }
    let inv = &o.invoices[idx];
    let ev = Event::new(Action::DelayResumed, o.stage.label(), o.stage.label())
        .detail(format!("délai repris le {} ; {}", date.fr(), due_text(inv)))
        .document(inv.number);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Chooses the delivery address and contact among the customer's (numbered from 1), until
/// the first delivery: later documents use them, issued ones never change.
pub fn choose_delivery(
    order: &Order,
    customer: &Customer,
    address: Option<usize>,
    contact: Option<usize>,
) -> Result<Step, PipelineError> {
    let op = Operation::ChooseDelivery;
    if order.delivered_units() > 0 {
        return refuse(op, Reason::AlreadyDelivered);
    }
    if matches!(order.stage, Stage::Cancelled | Stage::Refused) {
        return refuse(op, Reason::WrongStage(order.stage.label()));
    }
    let pick = |what: &'static str, index: usize, count: usize| {
        if index == 0 || index > count {
            refuse(op, Reason::NoSuchChoice { what, index, count })
        } else {
            Ok(index - 1)
        }
    };
    let mut o = order.clone();
    let mut changes = Vec::new();
    if let Some(i) = address {
        let addresses = customer.delivery_choices();
        let i = pick("d'adresse de livraison", i, addresses.len())?;
        o.delivery_address = addresses[i].clone();
        changes.push(format!("livraison : {}", o.delivery_address.one_line()));
    }
    if let Some(i) = contact {
        let i = pick("de contact", i, customer.contacts.len())?;
        o.contact = customer.contacts[i].clone();
        changes.push(format!("contact : {}", o.contact.name));
    }
    if changes.is_empty() {
        return refuse(op, Reason::NothingChosen);
    }
    let before = format!(
        "{} / {}",
        order.delivery_address.one_line(),
        order.contact.name
    );
    let ev = Event::new(Action::DeliveryChosen, before, changes.join(" ; "));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The scan of the original purchase order is attached, once.
pub fn attach_po_scan(
    order: &Order,
    scan: super::order::Attachment,
    pages: usize,
) -> Result<Step, PipelineError> {
    let op = Operation::AttachScan;
    if order.po.is_none() {
        return refuse(op, Reason::OriginalNotReceived);
    }
    if let Some(a) = &order.po_scan {
        return refuse(
            op,
            Reason::ScanAlreadyAttached(a.sha256_hex()[..16].to_string()),
        );
    }
    let mut o = order.clone();
    let detail = format!(
        "scan du bon de commande original joint ({}, {} page(s), {} octets, SHA-256 {})",
        scan.media_type,
        pages,
        scan.size,
        scan.sha256_hex()
    );
    o.po_scan = Some(scan);
    let ev = Event::new(Action::PoScanAttached, o.stage.label(), o.stage.label()).detail(detail);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Interest and indemnity received, recorded apart from the principal.
pub fn record_penalty_payment(
    order: &Order,
    date: Date,
    amount: Cents,
    reference: &str,
    rates: &EcbRates,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::PayPenalties;
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return refuse(op, Reason::ReferenceRequired);
    }
    check_text(op, "la référence du paiement", reference)?;
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    let owed = order.penalty_totals(ctx.today(), rates).owed();
    if owed <= Cents::ZERO {
        return refuse(op, Reason::NoPenaltyOwed);
    }
    if amount > owed {
        return refuse(op, Reason::PenaltyOverpaid { amount, owed });
    }
    let mut o = order.clone();
    o.penalty_settlements.push(PenaltySettlement {
        kind: SettlementKind::Received {
            date,
            reference: reference.to_string(),
        },
        amount,
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    });
    let ev = Event::new(Action::PenaltiesPaid, o.stage.label(), o.stage.label()).detail(format!(
        "{} reçus le {}, mandat {reference} ; reste dû {}",
        amount.fr(),
        date.fr(),
        (owed - amount).fr()
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// An admin gives up interest and indemnity owed (all of it, or `amount`), with a reason.
pub fn waive_penalties(
    order: &Order,
    amount: Option<Cents>,
    reason: &str,
    rates: &EcbRates,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::WaivePenalties;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    let owed = order.penalty_totals(ctx.today(), rates).owed();
    if owed <= Cents::ZERO {
        return refuse(op, Reason::NoPenaltyOwed);
    }
    let amount = amount.unwrap_or(owed);
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    if amount > owed {
        return refuse(op, Reason::PenaltyOverpaid { amount, owed });
    }
    let mut o = order.clone();
    o.penalty_settlements.push(PenaltySettlement {
        kind: SettlementKind::Waived {
            reason: reason.to_string(),
        },
        amount,
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    });
    let ev = Event::new(Action::PenaltiesWaived, o.stage.label(), o.stage.label()).detail(format!(
        "{} abandonnés sur {} dus : {reason}",
        amount.fr(),
        owed.fr()
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Renews an expired quote: a new version, linked both ways, at current catalogue prices.
pub fn renew_quote(
    old: &Order,
    customer: &Customer,
    catalogue: &Stock,
    id: OrderId,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<(Order, Issued), PipelineError> {
    let op = Operation::Renew;
    if let Some(to) = old.quote.renewed_by {
        return refuse(op, Reason::Renewed(to));
    }
    if old.stage != Stage::Quote {
        return refuse(op, Reason::WrongStage(old.stage.label()));
    }
    if ctx.today() <= old.quote.valid_until {
        return refuse(op, Reason::NotExpired(old.quote.valid_until));
    }
    let lines = old
        .lines
        .iter()
        .map(|l| {
            let current = catalogue.get(&l.sku);
            QuoteLine {
                sku: l.sku.clone(),
                designation: current
                    .map(|p| p.designation.clone())
                    .unwrap_or_else(|| l.designation.clone()),
                unit_price: current.map(|p| p.unit_price).unwrap_or(l.unit_price),
                vat: current.map(|p| p.vat).unwrap_or(l.vat),
                quantity: l.ordered,
                exemption: l.exemption.clone(),
            }
        })
        .collect();
    let new_quote = NewQuote {
        id,
        number,
        version: old.quote.version + 1,
        renews: Some(old.number),
        external_ref: None,
        lines,
        delivery_address: old.delivery_address.clone(),
        contact: old.contact.clone(),
    };
    let issued =
        create_quote(customer, new_quote, ctx).map_err(|e| PipelineError::new(op, e.reason))?;
    let mut old2 = old.clone();
    old2.quote.renewed_by = Some(number);
    let mut issued = issued;
    issued.events.push(
        Event::new(
            Action::QuoteRenewed,
            Stage::Expired.label(),
            Stage::Expired.label(),
        )
        .detail(format!("renouvelé par {number}"))
        .document(old.number),
    );
    Ok((old2, issued))
}

/// Replaces a quote's lines before its original arrives: a new version of the quote (a
/// new number, valid one month from today) with `lines`; the old version is kept, marked
/// as replaced by the new one. A pre-order already reserved stock: it is not revised.
pub fn revise_quote(
    old: &Order,
    customer: &Customer,
    lines: Vec<QuoteLine>,
    id: OrderId,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<(Order, Issued), PipelineError> {
    let op = Operation::Revise;
    if let Some(to) = old.quote.renewed_by {
        return refuse(op, Reason::Renewed(to));
    }
    if old.stage != Stage::Quote {
        return refuse(op, Reason::WrongStage(old.stage.label()));
    }
    let new_quote = NewQuote {
        id,
        number,
        version: old.quote.version + 1,
        renews: Some(old.number),
        external_ref: None,
        lines,
        delivery_address: old.delivery_address.clone(),
        contact: old.contact.clone(),
    };
    let issued =
        create_quote(customer, new_quote, ctx).map_err(|e| PipelineError::new(op, e.reason))?;
    let mut old2 = old.clone();
    old2.quote.renewed_by = Some(number);
    let stage = old.stage_on(ctx.today()).label();
    let mut issued = issued;
    issued.events.push(
        Event::new(Action::QuoteRenewed, stage, stage)
            .detail(format!("remplacé par {number} (lignes modifiées)"))
            .document(old.number),
    );
    Ok((old2, issued))
}

/// Staff approve or refuse a body for the administrative procedure; a private catégorie
/// can never be approved.
pub fn decide_eligibility(
    customer: &Customer,
    status: EligibilityStatus,
    reason: &str,
    ctx: &Ctx,
) -> Result<(Customer, Event), PipelineError> {
    let op = Operation::DecideEligibility;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    if status == customer.eligibility.status {
        return refuse(op, Reason::SameEligibility(status.label()));
    }
    if status == EligibilityStatus::Approved
        && legal::classify(&customer.categorie) == LegalClass::Private
    {
        return refuse(
            op,
            Reason::PrivateCannotBeApproved(customer.categorie.clone()),
        );
    }
    let mut c = customer.clone();
    let before = c.eligibility.status.label();
    c.eligibility = Eligibility {
        status,
        decided_by: ctx.actor.to_string(),
        decided_at: ctx.now,
        reason: reason.to_string(),
    };
    let ev =
        Event::new(Action::EligibilityDecided, before, status.label()).detail(reason.to_string());
    Ok((c, ev))
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;

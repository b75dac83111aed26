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

mod delay;
mod delivery;
mod invoice;
mod original;
mod payment;
mod quote;
mod stock;
#[cfg(test)]
mod tests;

pub use delay::*;
pub use delivery::*;
pub use invoice::*;
pub use original::*;
pub use payment::*;
pub use quote::*;
pub use stock::*;

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

/// Moves the order to the stage its counters and documents now give: (before, after).
fn progress(order: &mut Order, now: Timestamp) -> (Stage, Stage) {
    let before = order.stage;
    let after = order.progress_stage();
    set_stage(order, after, now);
    (before, after)
}

fn set_stage(order: &mut Order, stage: Stage, now: Timestamp) {
    if order.stage != stage {
        order.stage = stage;
        order.stage_since = now;
    }
}

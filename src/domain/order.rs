//! Orders: one quote version and everything that follows it, down to payment.

use super::customer::{Address, Contact, CustomerId};
use super::date::{Date, Timestamp};
use super::document::{DocKind, DocNumber};
use super::interest::{DueTerms, EcbRates, LatePeriod, LateState, Penalty, PenaltySettlement};
use super::interest::{PenaltyTotals, SettlementKind, Suspension};
use super::money::{Cents, Totals, VatRate};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use super::ids::OrderId;

/// Where an order stands. `Expired` is never stored: a quote past its validity is
/// *derived* as expired from the dates (see [`Order::stage_on`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    Quote,
    PreOrder,
    PoReceived,
    Delivered,
    Invoiced,
    Paid,
    Expired,
    Refused,
    Cancelled,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Quote,
        Stage::PreOrder,
        Stage::PoReceived,
        Stage::Delivered,
        Stage::Invoiced,
        Stage::Paid,
        Stage::Expired,
        Stage::Refused,
        Stage::Cancelled,
    ];

    /// The French label of the board.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Quote => "Devis",
            Stage::PreOrder => "Pré-commande",
            Stage::PoReceived => "BC original reçu",
            Stage::Delivered => "Livré",
            Stage::Invoiced => "Facturé",
            Stage::Paid => "Payé",
            Stage::Expired => "Expiré",
            Stage::Refused => "Refusé",
            Stage::Cancelled => "Annulé",
        }
    }

    /// The slug of commands (`orders --stage po-received`).
    pub fn slug(self) -> &'static str {
        match self {
            Stage::Quote => "quote",
            Stage::PreOrder => "preorder",
            Stage::PoReceived => "po-received",
            Stage::Delivered => "delivered",
            Stage::Invoiced => "invoiced",
            Stage::Paid => "paid",
            Stage::Expired => "expired",
            Stage::Refused => "refused",
            Stage::Cancelled => "cancelled",
        }
    }

    pub fn from_slug(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.slug() == s)
    }

    pub fn index(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// Terminal stages leave the pipeline.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Stage::Paid | Stage::Expired | Stage::Refused | Stage::Cancelled
        )
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A catalogue product and its stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub sku: String,
    pub designation: String,
    pub unit_price: Cents,
    pub vat: VatRate,
    /// Units physically in the warehouse.
    pub on_hand: i64,
    /// Units promised to open orders (pre-orders and received originals).
    pub reserved: i64,
}

impl Product {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// A line of an order, with the counters that make double delivery or invoicing
/// impossible: `reserved + delivered ≤ ordered` and `invoiced ≤ delivered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub designation: String,
    pub unit_price: Cents,
    pub vat: VatRate,
    pub ordered: u32,
    pub reserved: u32,
    pub delivered: u32,
    pub invoiced: u32,
    /// Legal ground of a VAT exemption (a 0 % line must have one).
    pub exemption: Option<String>,
}

impl OrderLine {
    pub fn amount(&self) -> Cents {
        self.unit_price * self.ordered as i64
    }

    pub fn to_deliver(&self) -> u32 {
        self.ordered - self.delivered
    }

    pub fn to_invoice(&self) -> u32 {
        self.delivered - self.invoiced
    }
}

/// The quote this order is a version of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteInfo {
    pub version: u32,
    pub issued_on: Date,
    pub valid_until: Date,
    /// The expired version this one renews, and the version that renewed this one.
    pub renews: Option<DocNumber>,
    pub renewed_by: Option<DocNumber>,
    /// The web shop's own reference, which makes imports idempotent.
    pub external_ref: Option<String>,
}

/// The emailed copy of a purchase order: goods are reserved, shipping waits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreOrderInfo {
    pub emailed_at: Timestamp,
    pub recorded_by: String,
}

/// The five boxes staff tick when the original purchase order arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Checklist {
    pub letterhead: bool,
    pub dated: bool,
    pub signed: bool,
    pub stamped: bool,
    pub amount_matches: bool,
}

impl Checklist {
    pub const ALL_TICKED: Checklist = Checklist {
        letterhead: true,
        dated: true,
        signed: true,
        stamped: true,
        amount_matches: true,
    };

    /// The French names of the boxes left unticked.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if !self.letterhead {
            m.push("sur papier à en-tête");
        }
        if !self.dated {
            m.push("daté");
        }
        if !self.signed {
            m.push("signé");
        }
        if !self.stamped {
            m.push("cachet officiel");
        }
        if !self.amount_matches {
            m.push("montant conforme au devis");
        }
        m
    }
}

/// The original purchase order, verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalPo {
    /// PO / engagement number (numéro d'engagement), at most 50 characters.
    pub po_number: String,
    pub po_date: Date,
    pub received_at: Timestamp,
    pub checklist: Checklist,
    pub verified_by: String,
    /// The market / contract reference (marché, BT-12), when the body gives one.
    pub contract: Option<String>,
}

/// A document issued for this order, as the order remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRef {
    pub number: DocNumber,
    pub date: Date,
    pub amount_incl_vat: Cents,
}

/// An invoice as the order tracks it for payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRef {
    pub number: DocNumber,
    pub date: Date,
    /// The body's payment delay when the invoice was issued.
    pub delay_days: u32,
    /// The day the body received the invoice (Chorus Pro notification), when recorded.
    pub received_on: Option<Date>,
    /// The one interruption of the delay the body may notify.
    pub suspension: Option<Suspension>,
    pub amount_incl_vat: Cents,
    /// Quantities billed per order line (so a credit note can give them back).
    pub quantities: Vec<u32>,
    /// Credit notes against this invoice, full or partial.
    pub credits: Vec<CreditRef>,
}

/// A credit note as the invoice it reduces remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRef {
    pub number: DocNumber,
    pub amount_incl_vat: Cents,
    /// Quantities credited per order line (zero for a credit by amount).
    pub quantities: Vec<u32>,
    /// A full cancellation gives the quantities back to invoice again.
    pub cancels: bool,
}

impl InvoiceRef {
    pub fn terms(&self) -> DueTerms {
        DueTerms {
            invoice_date: self.date,
            delay_days: self.delay_days,
            received_on: self.received_on,
            suspension: self.suspension.clone(),
        }
    }

    /// The due date; `None` while the delay is interrupted.
    pub fn due_date(&self) -> Option<Date> {
        self.terms().due()
    }

    pub fn credited(&self) -> Cents {
        self.credits.iter().map(|c| c.amount_incl_vat).sum()
    }

    /// What the invoice asks for once its credit notes are deducted.
    pub fn net(&self) -> Cents {
        self.amount_incl_vat - self.credited()
    }

    /// Fully cancelled or reduced to nothing.
    pub fn is_cancelled(&self) -> bool {
        self.net() <= Cents::ZERO
    }

    /// Quantities credited per line, all credit notes together.
    pub fn credited_quantities(&self) -> Vec<u32> {
        let mut q = vec![0; self.quantities.len()];
        for c in &self.credits {
            for (t, x) in q.iter_mut().zip(&c.quantities) {
                *t += x;
            }
        }
        q
    }
}

/// How the payments settled one invoice, and for how long each part was late.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceSettlement<'a> {
    pub invoice: &'a InvoiceRef,
    pub due: Option<Date>,
    /// Payments allocated to it: (date, amount).
    pub paid: Vec<(Date, Cents)>,
    pub unpaid: Cents,
}

impl InvoiceSettlement<'_> {
    /// The parts paid after the due date, and the unpaid part when overdue on `today`.
    pub fn late_periods(&self, today: Date) -> Vec<LatePeriod> {
        let Some(due) = self.due else {
            return Vec::new();
        };
        let mut out: Vec<LatePeriod> = self
            .paid
            .iter()
            .filter(|(d, _)| *d > due)
            .map(|(d, a)| LatePeriod {
                amount: *a,
                from: due.add_days(1),
                to: *d,
                days: d.days_since(due),
                running: false,
            })
            .collect();
        if self.unpaid > Cents::ZERO && today > due {
            out.push(LatePeriod {
                amount: self.unpaid,
                from: due.add_days(1),
                to: today,
                days: today.days_since(due),
                running: true,
            });
        }
        out
    }

    /// The compact state that reckons the penalties on any day.
    pub fn late_state(&self) -> LateState {
        let due = self.due;
        let paid_late: Vec<(Date, Cents)> = match due {
            Some(due) => self
                .paid
                .iter()
                .filter(|(d, _)| *d > due)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        LateState {
            invoice: self.invoice.number,
            due,
            unpaid: self.unpaid,
            paid_late_cent_days: paid_late
                .iter()
                .map(|(d, a)| a.0 * d.days_since(due.unwrap_or(*d)) as i64)
                .sum(),
            paid_late: !paid_late.is_empty(),
        }
    }
}

/// The part of one payment (its index in `Order::payments`) that settled one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentPart {
    pub payment: usize,
    pub invoice: DocNumber,
    pub amount: Cents,
}

/// A payment by mandate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub date: Date,
    pub amount: Cents,
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// An order: a quote version and its life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    /// The quote number of this version, which is also the order's reference.
    pub number: DocNumber,
    pub customer: CustomerId,
    pub quote: QuoteInfo,
    pub header_address: Address,
    pub delivery_address: Address,
    pub contact: Contact,
    pub lines: Vec<OrderLine>,
    pub stage: Stage,
    pub stage_since: Timestamp,
    pub pre_order: Option<PreOrderInfo>,
    pub po: Option<OriginalPo>,
    pub documents: Vec<DocRef>,
    pub invoices: Vec<InvoiceRef>,
    pub payments: Vec<Payment>,
    /// Money paid back to the body: what it paid beyond its invoices (an overpayment, or
    /// an invoice paid and later reduced or cancelled by a credit note).
    pub refunds: Vec<Payment>,
    /// Interest and indemnity received or waived, apart from the principal.
    pub penalty_settlements: Vec<PenaltySettlement>,
    /// The scan of the original purchase order, when staff attached one.
    pub po_scan: Option<Attachment>,
    /// Why it was cancelled or refused.
    pub closing_reason: Option<String>,
    pub created_at: Timestamp,
}

/// One invoice's payment terms and lateness, as the order screen explains them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLateness {
    pub invoice: DocNumber,
    pub date: Date,
    pub receipt: Date,
    /// `false`: the receipt is presumed (invoice date + 2 days).
    pub receipt_recorded: bool,
    pub delay_days: u32,
    pub suspension: Option<Suspension>,
    pub due: Option<Date>,
    pub net: Cents,
    pub unpaid: Cents,
    pub periods: Vec<LatePeriod>,
    pub rate_bp: u32,
    pub interest: Cents,
    pub indemnity: Cents,
}

impl InvoiceLateness {
    /// The computation in French, line by line, so staff can answer the body.
    pub fn explain(&self) -> Vec<String> {
        let receipt = if self.receipt_recorded {
            format!("reçue le {}", self.receipt.fr())
        } else {
            format!(
                "réception présumée le {} (facture + 2 j)",
                self.receipt.fr()
            )
        };
        let mut out = vec![format!(
            "{} du {} · {} · {receipt}",
            self.invoice,
            self.date.fr(),
            self.net.fr()
        )];
        let mut terms = format!("  délai {} j", self.delay_days);
        if let Some(s) = &self.suspension {
            terms += &format!(", interrompu le {}", s.notice.fr());
            match s.resumed {
                Some(r) => terms += &format!(", repris le {}", r.fr()),
                None => terms += &format!(" ({})", s.reason),
            }
        }
        match self.due {
            Some(d) => terms += &format!(" → échéance {}", d.fr()),
            None => terms += " → échéance suspendue",
        }
        if self.unpaid > Cents::ZERO {
            terms += &format!(" · reste dû {}", self.unpaid.fr());
        } else {
            terms += " · payée";
        }
        out.push(terms);
        let rate = super::interest::rate_fr(self.rate_bp);
        for p in &self.periods {
            let what = if p.running {
                format!("{} impayés depuis le {}", p.amount.fr(), p.from.fr())
            } else {
                format!("{} payés le {}", p.amount.fr(), p.to.fr())
            };
            out.push(format!(
                "  {what} : {} j × {rate} → {}{}",
                p.days,
                super::interest::interest_of(p.cent_days(), self.rate_bp).fr(),
                if p.running { " (en cours)" } else { "" }
            ));
        }
        if self.interest > Cents::ZERO || self.indemnity > Cents::ZERO {
            out.push(format!(
                "  intérêts {} + indemnité {} (BCE du semestre + 8 points = {rate})",
                self.interest.fr(),
                self.indemnity.fr()
            ));
        }
        out
    }
}

/// A file attached to an order (the scan of the original purchase order), stored once,
/// immutable, with its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub media_type: String,
    pub sha256: [u8; 32],
    pub size: u64,
    pub attached_by: String,
    pub attached_at: Timestamp,
}

impl Attachment {
    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Order {
    pub fn totals(&self) -> Totals {
        Totals::from_lines(self.lines.iter().map(|l| (l.amount(), l.vat)))
    }

    /// The stage as the board shows it on `today`: a quote past its validity is expired.
    pub fn stage_on(&self, today: Date) -> Stage {
        if self.stage == Stage::Quote
            && (today > self.quote.valid_until || self.quote.renewed_by.is_some())
        {
            Stage::Expired
        } else {
            self.stage
        }
    }

    pub fn ordered_units(&self) -> u64 {
        self.lines.iter().map(|l| l.ordered as u64).sum()
    }

    pub fn delivered_units(&self) -> u64 {
        self.lines.iter().map(|l| l.delivered as u64).sum()
    }

    pub fn invoiced_units(&self) -> u64 {
        self.lines.iter().map(|l| l.invoiced as u64).sum()
    }

    pub fn reserved_units(&self) -> u64 {
        self.lines.iter().map(|l| l.reserved as u64).sum()
    }

    /// Invoices not cancelled by a credit note.
    pub fn live_invoices(&self) -> impl Iterator<Item = &InvoiceRef> {
        self.invoices.iter().filter(|i| !i.is_cancelled())
    }

    /// What the live invoices ask for, credit notes deducted.
    pub fn invoiced_amount(&self) -> Cents {
        self.live_invoices().map(InvoiceRef::net).sum()
    }

    pub fn paid_amount(&self) -> Cents {
        self.payments.iter().map(|p| p.amount).sum()
    }

    pub fn refunded_amount(&self) -> Cents {
        self.refunds.iter().map(|p| p.amount).sum()
    }

    /// What the body still owes on issued invoices; negative when it paid more than its
    /// live invoices ask for and was not yet refunded (see [`Order::credit_balance`]).
    pub fn outstanding(&self) -> Cents {
        self.invoiced_amount() - self.paid_amount() + self.refunded_amount()
    }

    /// What the shop owes the body back (« trop-perçu à rembourser »): payments beyond
    /// the live invoices, refunds deducted.
    pub fn credit_balance(&self) -> Cents {
        (-self.outstanding()).max(Cents::ZERO)
    }

    /// The stage the counters imply once the original is received: the pipeline is
    /// monotonic (a partial delivery stays "BC original reçu" until everything is shipped).
    pub fn progress_stage(&self) -> Stage {
        let ordered = self.ordered_units();
        if self.delivered_units() < ordered {
            Stage::PoReceived
        } else if self.invoiced_units() < ordered {
            Stage::Delivered
        } else if self.outstanding() > Cents::ZERO {
            Stage::Invoiced
        } else {
            Stage::Paid
        }
    }

    /// How payments settled the live invoices: in the order they were paid, each payment
    /// goes to the oldest invoice not yet settled.
    pub fn settlements(&self) -> Vec<InvoiceSettlement<'_>> {
        self.allocate().0
    }

    /// Each payment's parts, invoice by invoice, as [`Order::settlements`] allocates them;
    /// what a payment gives beyond every live invoice is not in any part.
    pub fn payment_parts(&self) -> Vec<PaymentPart> {
        self.allocate().1
    }

    /// The one allocation of payments to invoices that settlements, parts and the
    /// accounts share.
    fn allocate(&self) -> (Vec<InvoiceSettlement<'_>>, Vec<PaymentPart>) {
        let mut invoices: Vec<&InvoiceRef> = self.live_invoices().collect();
        invoices.sort_by_key(|i| (i.date, i.number));
        let mut out: Vec<InvoiceSettlement> = invoices
            .into_iter()
            .map(|inv| InvoiceSettlement {
                invoice: inv,
                due: inv.due_date(),
                paid: Vec::new(),
                unpaid: inv.net(),
            })
            .collect();
        let mut parts = Vec::new();
        let mut payments: Vec<(usize, &Payment)> = self.payments.iter().enumerate().collect();
        payments.sort_by_key(|(_, p)| p.date);
        let mut i = 0;
        for (index, p) in payments {
            let mut left = p.amount;
            while left > Cents::ZERO && i < out.len() {
                let take = left.min(out[i].unpaid);
                if take > Cents::ZERO {
                    out[i].paid.push((p.date, take));
                    out[i].unpaid -= take;
                    left -= take;
                    parts.push(PaymentPart {
                        payment: index,
                        invoice: out[i].invoice.number,
                        amount: take,
                    });
                }
                if out[i].unpaid <= Cents::ZERO {
                    i += 1;
                }
            }
        }
        (out, parts)
    }

    /// The order as its books stood at the end of `day`: invoices, credit notes, payments
    /// and penalty settlements dated after it left out. A closed year's accounts are read
    /// from this view, so nothing recorded later moves them.
    pub fn as_of(&self, day: Date) -> Order {
        let dated = |n: DocNumber| {
            self.documents
                .iter()
                .find(|d| d.number == n)
                .is_some_and(|d| d.date <= day)
        };
        let mut o = self.clone();
        o.invoices.retain(|i| i.date <= day);
        for inv in &mut o.invoices {
            inv.credits.retain(|c| dated(c.number));
            if inv.received_on.is_some_and(|r| r > day) {
                inv.received_on = None;
            }
        }
        o.documents.retain(|d| d.date <= day);
        o.payments.retain(|p| p.date <= day);
        o.refunds.retain(|p| p.date <= day);
        o.penalty_settlements.retain(|s| s.date() <= day);
        o
    }

    /// The live invoices not fully paid, oldest first, with what remains unpaid on each.
    pub fn unpaid_invoices(&self) -> Vec<(&InvoiceRef, Cents)> {
        self.settlements()
            .into_iter()
            .filter(|s| s.unpaid > Cents::ZERO)
            .map(|s| (s.invoice, s.unpaid))
            .collect()
    }

    /// The compact late state of every live invoice (kept on the order's card).
    pub fn late_states(&self) -> Vec<LateState> {
        self.settlements()
            .iter()
            .map(InvoiceSettlement::late_state)
            .filter(|s| s.unpaid > Cents::ZERO || s.paid_late)
            .collect()
    }

    /// Interest and indemnity per invoice on `today`.
    pub fn penalties(&self, today: Date, rates: &EcbRates) -> Vec<Penalty> {
        self.late_states()
            .iter()
            .map(|s| s.penalty(today, rates))
            .collect()
    }

    /// Each live invoice's terms and lateness on `today`, for the order screen: receipt,
    /// due date, the amounts late and for how long, the rate, the result.
    pub fn lateness(&self, today: Date, rates: &EcbRates) -> Vec<InvoiceLateness> {
        self.settlements()
            .iter()
            .map(|s| {
                let terms = s.invoice.terms();
                let p = s.late_state().penalty(today, rates);
                InvoiceLateness {
                    invoice: s.invoice.number,
                    date: s.invoice.date,
                    receipt: terms.receipt(),
                    receipt_recorded: terms.received_on.is_some(),
                    delay_days: terms.delay_days,
                    suspension: terms.suspension.clone(),
                    due: s.due,
                    net: s.invoice.net(),
                    unpaid: s.unpaid,
                    periods: s.late_periods(today),
                    rate_bp: p.rate_bp,
                    interest: p.interest,
                    indemnity: p.indemnity,
                }
            })
            .collect()
    }

    pub fn penalty_received(&self) -> Cents {
        settled(&self.penalty_settlements, false)
    }

    pub fn penalty_waived(&self) -> Cents {
        settled(&self.penalty_settlements, true)
    }

    /// Interest and indemnity owed, received and waived on `today`.
    pub fn penalty_totals(&self, today: Date, rates: &EcbRates) -> PenaltyTotals {
        let p = self.penalties(today, rates);
        PenaltyTotals {
            interest: p.iter().map(|p| p.interest).sum(),
            indemnity: p.iter().map(|p| p.indemnity).sum(),
            received: self.penalty_received(),
            waived: self.penalty_waived(),
        }
    }

    /// Numbers of documents of a kind issued for this order.
    pub fn documents_of(&self, kind: DocKind) -> impl Iterator<Item = &DocRef> {
        self.documents.iter().filter(move |d| d.number.kind == kind)
    }

    /// Days the order has been in its current stage on `today`.
    pub fn days_in_stage(&self, today: Date) -> i32 {
        let since = match self.stage_on(today) {
            Stage::Expired if self.stage == Stage::Quote => self.quote.valid_until.add_days(1),
            _ => self.stage_since.paris_date(),
        };
        today.days_since(since).max(0)
    }
}

/// Sum of the settlements received (`waived = false`) or waived.
fn settled(all: &[PenaltySettlement], waived: bool) -> Cents {
    all.iter()
        .filter(|s| matches!(s.kind, SettlementKind::Waived { .. }) == waived)
        .map(|s| s.amount)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_slugs_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_slug(s.slug()), Some(s));
        }
        assert_eq!(Stage::from_slug("po-received"), Some(Stage::PoReceived));
        assert_eq!(Stage::from_slug("shipped"), None);
    }

    #[test]
    fn checklist_names_what_is_missing() {
        let c = Checklist {
            letterhead: true,
            dated: true,
            signed: false,
            stamped: false,
            amount_matches: true,
        };
        assert_eq!(c.missing(), vec!["signé", "cachet officiel"]);
        assert!(Checklist::ALL_TICKED.missing().is_empty());
    }
}

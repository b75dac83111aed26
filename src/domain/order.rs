//! Orders: one quote version and everything that follows it, down to payment.

use super::customer::{Address, Contact, CustomerId};
use super::date::{Date, Timestamp};
use super::document::{DocKind, DocNumber};
use super::money::{Cents, Totals, VatRate, round_div};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderId(pub u64);

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
    pub due_date: Date,
    pub amount_incl_vat: Cents,
    /// Quantities billed per order line (so a credit note can give them back).
    pub quantities: Vec<u32>,
    pub credited_by: Option<DocNumber>,
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
    /// Why it was cancelled or refused.
    pub closing_reason: Option<String>,
    pub created_at: Timestamp,
}

/// Overdue state of one invoice on a given day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub invoice: DocNumber,
    pub due_date: Date,
    pub days_late: i32,
    pub unpaid: Cents,
    /// Moratory interest (ECB rate + 8 points, pro rata temporis) plus the €40 indemnity.
    pub interest: Cents,
    pub indemnity: Cents,
}

/// The flat recovery indemnity owed for each invoice paid late (D2192-35).
pub const RECOVERY_INDEMNITY: Cents = Cents(4000);

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
        self.invoices.iter().filter(|i| i.credited_by.is_none())
    }

    pub fn invoiced_amount(&self) -> Cents {
        self.live_invoices().map(|i| i.amount_incl_vat).sum()
    }

    pub fn paid_amount(&self) -> Cents {
        self.payments.iter().map(|p| p.amount).sum()
    }

    /// What the body still owes on issued invoices.
    pub fn outstanding(&self) -> Cents {
        self.invoiced_amount() - self.paid_amount()
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

    /// The invoices overdue on `today`, with payments allocated to the oldest first.
    /// `ecb_rate_bp` is the ECB refinancing rate in basis points; 8 points are added.
    pub fn overdue(&self, today: Date, ecb_rate_bp: u32) -> Vec<Overdue> {
        self.unpaid_invoices()
            .into_iter()
            .filter(|(inv, _)| today > inv.due_date)
            .map(|(inv, unpaid)| {
                let days_late = today.days_since(inv.due_date);
                Overdue {
                    invoice: inv.number,
                    due_date: inv.due_date,
                    days_late,
                    unpaid,
                    interest: moratory_interest(unpaid, days_late, ecb_rate_bp),
                    indemnity: RECOVERY_INDEMNITY,
                }
            })
            .collect()
    }

    /// The live invoices not fully paid, oldest first, with what remains unpaid on each:
    /// payments settle the oldest invoices first.
    pub fn unpaid_invoices(&self) -> Vec<(&InvoiceRef, Cents)> {
        let mut paid = self.paid_amount();
        let mut invoices: Vec<&InvoiceRef> = self.live_invoices().collect();
        invoices.sort_by_key(|i| (i.date, i.number));
        let mut out = Vec::new();
        for inv in invoices {
            let covered = paid.min(inv.amount_incl_vat).max(Cents::ZERO);
            paid -= covered;
            let unpaid = inv.amount_incl_vat - covered;
            if unpaid > Cents::ZERO {
                out.push((inv, unpaid));
            }
        }
        out
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

/// Interest at (ECB + 8 points) over `days` on `amount`, pro rata on a 365-day year.
pub fn moratory_interest(amount: Cents, days: i32, ecb_rate_bp: u32) -> Cents {
    let rate_bp = ecb_rate_bp as i128 + 800;
    Cents(round_div(
        amount.0 as i128 * rate_bp * days.max(0) as i128,
        10_000 * 365,
    ))
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
    fn moratory_interest_is_ecb_plus_eight() {
        // 10 000 € late by 73 days at ECB 2 % + 8 = 10 %: 10 000 × 10 % × 73/365 = 200 €.
        assert_eq!(moratory_interest(Cents(1_000_000), 73, 200), Cents(20_000));
        assert_eq!(moratory_interest(Cents(1_000_000), 0, 200), Cents::ZERO);
        assert_eq!(moratory_interest(Cents(1_000_000), -3, 200), Cents::ZERO);
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

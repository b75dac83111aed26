//! What a body owes, as an accountant reads it: its statement of account (relevé de
//! compte: invoices, credit notes, payments and refunds, with the running balance) and
//! the aged balance of receivables (what is unpaid, by how late it is).
//!
//! Both read the principal only, as the customers' account 411 carries it: interest and
//! the recovery indemnity are claimed apart (see `interest.rs`).

use super::card::OrderCard;
use super::customer::CustomerId;
use super::date::Date;
use super::document::DocNumber;
use super::money::Cents;
use super::order::Order;

/// What a line of a statement records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    Invoice,
    CreditNote,
    Payment,
    Refund,
}

impl EntryKind {
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Invoice => "Facture",
            EntryKind::CreditNote => "Avoir",
            EntryKind::Payment => "Paiement",
            EntryKind::Refund => "Remboursement",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            EntryKind::Invoice => "invoice",
            EntryKind::CreditNote => "credit-note",
            EntryKind::Payment => "payment",
            EntryKind::Refund => "refund",
        }
    }
}

/// One movement of the body's account: a debit raises what it owes, a credit lowers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub date: Date,
    pub kind: EntryKind,
    /// The document's number, or the payment's (mandate, transfer) reference.
    pub reference: String,
    /// The order (quote number) it belongs to.
    pub order: DocNumber,
    /// The invoice's due date (invoices only; `None` while the delay is suspended).
    pub due: Option<Date>,
    pub debit: Cents,
    pub credit: Cents,
    /// What the body owes after this line (negative: the shop owes it).
    pub balance: Cents,
}

/// A body's statement of account for a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// First day shown; `None`: since the first movement.
    pub from: Option<Date>,
    pub to: Date,
    /// What was owed at the end of the day before `from`.
    pub opening: Cents,
    pub lines: Vec<StatementLine>,
    /// What is owed at the end of `to` (negative: a « trop-perçu » owed back).
    pub closing: Cents,
    /// Of the closing balance, what was already past due on `to`.
    pub overdue: Cents,
}

/// The statement of one body's `orders` from `from` (or the beginning) to `to`, every
/// order read as its books stood at the end of `to`.
pub fn statement(orders: &[Order], from: Option<Date>, to: Date) -> Statement {
    let mut items: Vec<StatementLine> = Vec::new();
    let mut overdue = Cents::ZERO;
    for order in orders {
        let o = order.as_of(to);
        let line = |date, kind, reference: String, due, debit, credit| StatementLine {
            date,
            kind,
            reference,
            order: o.number,
            due,
            debit,
            credit,
            balance: Cents::ZERO,
        };
        for inv in &o.invoices {
            items.push(line(
                inv.date,
                EntryKind::Invoice,
                inv.number.to_string(),
                inv.due_date(),
                inv.amount_incl_vat,
                Cents::ZERO,
            ));
            for c in &inv.credits {
                let date = o
                    .documents
                    .iter()
                    .find(|d| d.number == c.number)
                    .map_or(inv.date, |d| d.date);
                items.push(line(
                    date,
                    EntryKind::CreditNote,
                    c.number.to_string(),
                    None,
                    Cents::ZERO,
                    c.amount_incl_vat,
                ));
            }
        }
        for p in &o.payments {
            items.push(line(
                p.date,
                EntryKind::Payment,
                p.reference.clone(),
                None,
                Cents::ZERO,
                p.amount,
            ));
        }
        for r in &o.refunds {
            items.push(line(
                r.date,
                EntryKind::Refund,
                r.reference.clone(),
                None,
                r.amount,
                Cents::ZERO,
            ));
        }
        overdue += o
            .settlements()
            .iter()
            .filter(|s| s.due.is_some_and(|d| d < to))
            .map(|s| s.unpaid)
            .sum::<Cents>();
    }
    items.sort_by(|a, b| {
        (a.date, a.kind, &a.reference, a.order).cmp(&(b.date, b.kind, &b.reference, b.order))
    });
    let mut opening = Cents::ZERO;
    let mut lines = Vec::new();
    for mut l in items {
        if from.is_some_and(|f| l.date < f) {
            opening += l.debit - l.credit;
            continue;
        }
        let before = lines.last().map_or(opening, |p: &StatementLine| p.balance);
        l.balance = before + l.debit - l.credit;
        lines.push(l);
    }
    let closing = lines.last().map_or(opening, |l| l.balance);
    Statement {
        from,
        to,
        opening,
        lines,
        closing,
        overdue,
    }
}

/// The columns of the aged balance: not yet due, then days past the due date.
pub const AGE_BUCKETS: [&str; 5] = ["Non échu", "1–30 j", "31–60 j", "61–90 j", "> 90 j"];

/// The column of an unpaid amount due on `due` (`None`: the delay is suspended, nothing
/// is due yet), on `today`.
pub fn age_bucket(due: Option<Date>, today: Date) -> usize {
    match due.map(|d| today.days_since(d)) {
        None => 0,
        Some(late) if late <= 0 => 0,
        Some(late) if late <= 30 => 1,
        Some(late) if late <= 60 => 2,
        Some(late) if late <= 90 => 3,
        Some(_) => 4,
    }
}

/// One body's line of the aged balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgedRow {
    pub customer: CustomerId,
    /// Unpaid principal per column of [`AGE_BUCKETS`].
    pub buckets: [Cents; 5],
    /// What the body paid beyond its invoices and was not refunded (owed back to it).
    pub credit: Cents,
    /// Invoices still unpaid.
    pub invoices: usize,
}

impl AgedRow {
    /// What the body owes, its « trop-perçu » deducted.
    pub fn balance(&self) -> Cents {
        self.buckets.iter().copied().sum::<Cents>() - self.credit
    }
}

/// The aged balance on `today` from the orders' cards (each keeps the late state of its
/// unpaid invoices): one row per body that owes something or is owed something, the
/// longest overdue first.
pub fn aged_balance<'a>(
    cards: impl IntoIterator<Item = &'a OrderCard>,
    today: Date,
) -> Vec<AgedRow> {
    let mut rows: std::collections::BTreeMap<CustomerId, AgedRow> = Default::default();
    for c in cards {
        let unpaid: Vec<_> = c.late.iter().filter(|l| l.unpaid > Cents::ZERO).collect();
        if unpaid.is_empty() && c.outstanding >= Cents::ZERO {
            continue;
        }
        let row = rows.entry(c.customer).or_insert(AgedRow {
            customer: c.customer,
            buckets: [Cents::ZERO; 5],
            credit: Cents::ZERO,
            invoices: 0,
        });
        for l in unpaid {
            row.buckets[age_bucket(l.due, today)] += l.unpaid;
            row.invoices += 1;
        }
        if c.outstanding < Cents::ZERO {
            row.credit += -c.outstanding;
        }
    }
    let mut out: Vec<AgedRow> = rows.into_values().collect();
    out.sort_by(|a, b| {
        let key = |r: &AgedRow| {
            std::cmp::Reverse((
                r.buckets[4],
                r.buckets[3],
                r.buckets[2],
                r.buckets[1],
                r.balance(),
            ))
        };
        key(a).cmp(&key(b)).then(a.customer.cmp(&b.customer))
    });
    out
}

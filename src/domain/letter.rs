//! Letters to a body about its invoices: a reminder (relance) once an invoice is overdue,
//! a formal notice (mise en demeure) with the interest so far and the legal references,
//! and the claim for the moratory interest and the €40 indemnity of an invoice paid late
//! when they were not paid within the 45 days after the principal (code de la commande
//! publique, R2192-36). Letters are not invoices: their references (`LET-2026-00001`)
//! are their own series. What a letter says is computed here, frozen in its record, and
//! printed by `documents`; its PDF is kept with its hash.

use super::customer::CustomerId;
use super::date::{Date, Timestamp};
use super::document::DocNumber;
use super::interest::{EcbRates, interest_of, rate_fr};
use super::money::Cents;
use super::order::Order;
use serde::{Deserialize, Serialize};

/// Days the body has to pay interest and indemnity after the principal (R2192-36).
pub const INTEREST_PAYMENT_DAYS: i32 = 45;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LetterKind {
    Reminder,
    FormalNotice,
    InterestClaim,
}

impl LetterKind {
    pub fn label(self) -> &'static str {
        match self {
            LetterKind::Reminder => "Relance",
            LetterKind::FormalNotice => "Mise en demeure",
            LetterKind::InterestClaim => "Demande de paiement des intérêts moratoires",
        }
    }

    /// A file name's first word.
    pub fn slug(self) -> &'static str {
        match self {
            LetterKind::Reminder => "relance",
            LetterKind::FormalNotice => "mise-en-demeure",
            LetterKind::InterestClaim => "interets-moratoires",
        }
    }
}

/// One period of lateness of an amount, with its interest (before the invoice's single
/// rounding).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterPeriod {
    pub amount: Cents,
    pub from: Date,
    pub to: Date,
    pub days: i32,
    pub interest: Cents,
    /// Still unpaid: its interest keeps running.
    pub running: bool,
}

/// An invoice as a letter states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterInvoice {
    pub invoice: DocNumber,
    pub date: Date,
    pub receipt: Date,
    pub receipt_recorded: bool,
    pub delay_days: u32,
    pub due: Date,
    pub net: Cents,
    pub unpaid: Cents,
    pub days_late: i32,
    /// When the principal was paid in full (a claim for interest).
    pub paid_on: Option<Date>,
    pub rate_bp: u32,
    pub periods: Vec<LetterPeriod>,
    pub interest: Cents,
    pub indemnity: Cents,
}

/// A letter, as written: whom, about what, and the figures it gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub id: u64,
    /// `LET-2026-00001`.
    pub reference: String,
    pub kind: LetterKind,
    pub order: DocNumber,
    pub customer: CustomerId,
    pub buyer_name: String,
    pub buyer_siret: String,
    pub buyer_address: Vec<String>,
    pub po_number: Option<String>,
    pub date: Date,
    pub created_at: Timestamp,
    pub created_by: String,
    pub invoices: Vec<LetterInvoice>,
    /// Interest and indemnity already received or waived on the order.
    pub penalty_settled: Cents,
    /// What the letter asks for.
    pub asked: Cents,
    /// SHA-256 of the stored PDF.
    pub sha256: String,
}

impl Letter {
    pub fn file_name(&self) -> String {
        format!("{}-{}.pdf", self.kind.slug(), self.reference)
    }

    /// One line in French.
    pub fn describe(&self) -> String {
        format!(
            "{} {} du {} ({}, {})",
            self.kind.label(),
            self.reference,
            self.date.fr(),
            self.invoices
                .iter()
                .map(|i| i.invoice.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            self.asked.fr()
        )
    }
}

/// The invoices a letter of `kind` is about on `today`, with their figures, and what it
/// asks for; or why no such letter can be written now.
pub fn letter_invoices(
    order: &Order,
    kind: LetterKind,
    today: Date,
    rates: &EcbRates,
) -> Result<(Vec<LetterInvoice>, Cents, Cents), String> {
    let settled = order.penalty_received() + order.penalty_waived();
    let paid_on: std::collections::HashMap<DocNumber, Date> = order
        .settlements()
        .iter()
        .filter(|s| s.unpaid == Cents::ZERO)
        .filter_map(|s| {
            s.paid
                .iter()
                .map(|(d, _)| *d)
                .max()
                .map(|d| (s.invoice.number, d))
        })
        .collect();
    let mut out = Vec::new();
    let mut waiting: Option<Date> = None;
    for l in order.lateness(today, rates) {
        let Some(due) = l.due else { continue };
        let overdue = l.unpaid > Cents::ZERO && due < today;
        let paid = paid_on.get(&l.invoice).copied();
        let take = match kind {
            LetterKind::Reminder | LetterKind::FormalNotice => overdue,
            LetterKind::InterestClaim => {
                let late = l.unpaid == Cents::ZERO && !l.periods.is_empty();
                match paid {
                    Some(p) if late && today > p.add_days(INTEREST_PAYMENT_DAYS) => true,
                    Some(p) if late => {
                        let until = p.add_days(INTEREST_PAYMENT_DAYS);
                        waiting = Some(waiting.map_or(until, |w| w.min(until)));
                        false
                    }
                    _ => false,
                }
            }
        };
        if !take {
            continue;
        }
        out.push(LetterInvoice {
            invoice: l.invoice,
            date: l.date,
            receipt: l.receipt,
            receipt_recorded: l.receipt_recorded,
            delay_days: l.delay_days,
            due,
            net: l.net,
            unpaid: l.unpaid,
            days_late: today.days_since(due).max(0),
            paid_on: paid,
            rate_bp: l.rate_bp,
            periods: l
                .periods
                .iter()
                .map(|p| LetterPeriod {
                    amount: p.amount,
                    from: p.from,
                    to: p.to,
                    days: p.days,
                    interest: interest_of(p.cent_days(), l.rate_bp),
                    running: p.running,
                })
                .collect(),
            interest: l.interest,
            indemnity: l.indemnity,
        });
    }
    if out.is_empty() {
        return Err(match (kind, waiting) {
            (LetterKind::InterestClaim, Some(until)) => format!(
                "l'organisme a jusqu'au {} pour payer les intérêts et l'indemnité (45 jours après le principal, art. R2192-36 du code de la commande publique) : réclamation possible ensuite",
                until.fr()
            ),
            (LetterKind::InterestClaim, None) => {
                "aucune facture payée en retard : pas d'intérêts moratoires à réclamer".into()
            }
            _ => "aucune facture échue et impayée : pas de relance à faire".into(),
        });
    }
    let penalties: Cents = out.iter().map(|i| i.interest + i.indemnity).sum();
    let asked = match kind {
        LetterKind::Reminder => out.iter().map(|i| i.unpaid).sum(),
        LetterKind::FormalNotice => out.iter().map(|i| i.unpaid).sum::<Cents>() + penalties,
        LetterKind::InterestClaim => (penalties - settled).max(Cents::ZERO),
    };
    if kind == LetterKind::InterestClaim && asked == Cents::ZERO {
        return Err(
            "les intérêts et l'indemnité ont été reçus ou abandonnés : rien à réclamer".into(),
        );
    }
    Ok((out, settled, asked))
}

/// The rate as printed (`10,15 %`).
pub fn rate_text(rate_bp: u32) -> String {
    rate_fr(rate_bp)
}

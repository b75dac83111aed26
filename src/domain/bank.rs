//! Bank statements: their credit entries and what became of each. Pure data and the pure
//! parts of reconciliation (invoice numbers in a remittance, a payer's name against a
//! body's, splitting an amount over invoices); the parsers are adapters (`crate::bank`),
//! the matching against the books is the app's.
//!
//! The payment date is the entry's **value date**: the day the money is the shop's (the
//! booking date can follow by a day or more); it is the date that stops moratory interest.

use super::date::{Date, Timestamp};
use super::document::{DocKind, DocNumber};
use super::money::Cents;
use super::text::fold;
use serde::{Deserialize, Serialize};

/// A statement as read from a file: its format, identifier, account and entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// « camt.053.001.08 », « CFONB 120 »…
    pub format: String,
    /// The bank's statement identifier (or the account and closing date when the format
    /// has none).
    pub id: String,
    /// The account, as the statement names it (IBAN or bank/branch/account).
    pub account: String,
    pub entries: Vec<StatementEntry>,
}

/// One movement of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementEntry {
    /// The bank's reference of the entry (unique within the account).
    pub reference: String,
    /// Money in (debits are read but never matched).
    pub credit: bool,
    pub amount: Cents,
    pub booked: Date,
    pub value: Date,
    pub payer: String,
    /// Everything the transfer carried: remittance information, labels, references.
    pub remittance: String,
}

impl StatementEntry {
    /// What identifies the entry across imports of the same or overlapping statements.
    pub fn key(&self, account: &str) -> String {
        format!(
            "{}|{}|{}|{}",
            account.trim(),
            self.reference.trim(),
            self.booked,
            self.amount.0
        )
    }
}

/// What became of a credit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BankState {
    /// Recorded as payments: per order, the amount (principal, or interest and indemnity).
    Applied {
        parts: Vec<AppliedPart>,
        /// Who decided: « import » for a number found in the remittance, else a person.
        by: String,
    },
    /// Waiting for a person: what was found and why it was not applied.
    Proposed {
        order: DocNumber,
        invoice: Option<DocNumber>,
        /// Interest and indemnity rather than principal.
        penalties: bool,
        why: String,
    },
    /// Nothing found; a person may assign it or dismiss it.
    Unmatched { why: String },
    /// Set aside by a person, with the reason.
    Dismissed { reason: String, by: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPart {
    pub order: DocNumber,
    pub amount: Cents,
    pub penalties: bool,
}

/// A credit entry as kept in the store, with what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankRecord {
    /// A short number for people (`bank confirm 12`).
    pub id: u64,
    pub key: String,
    pub statement: String,
    pub format: String,
    pub account: String,
    pub reference: String,
    pub amount: Cents,
    pub booked: Date,
    pub value: Date,
    pub payer: String,
    pub remittance: String,
    pub imported_at: Timestamp,
    pub imported_by: String,
    pub state: BankState,
}

impl BankRecord {
    /// Still waiting for a person.
    pub fn open(&self) -> bool {
        matches!(
            self.state,
            BankState::Proposed { .. } | BankState::Unmatched { .. }
        )
    }

    /// One line in French.
    pub fn describe(&self) -> String {
        match &self.state {
            BankState::Applied { parts, by } => format!(
                "appliqué ({by}) : {}",
                parts
                    .iter()
                    .map(|p| format!(
                        "{} {}{}",
                        p.order,
                        p.amount.fr(),
                        if p.penalties { " (intérêts)" } else { "" }
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            BankState::Proposed {
                order,
                invoice,
                penalties,
                why,
            } => format!(
                "proposé : {}{}{} — {why}",
                invoice.map(|i| format!("{i} de ")).unwrap_or_default(),
                order,
                if *penalties {
                    " (intérêts et indemnité)"
                } else {
                    ""
                }
            ),
            BankState::Unmatched { why } => format!("non rapproché : {why}"),
            BankState::Dismissed { reason, by } => format!("écarté par {by} : {reason}"),
        }
    }
}

/// The invoice numbers a remittance names, in the order given, each once: `FA-2026-00042`,
/// `FA 2026 42`, `FA202600042`, `FA-2026-103456`, in any case.
pub fn invoice_numbers(text: &str) -> Vec<DocNumber> {
    let upper: Vec<char> = text.to_uppercase().chars().collect();
    let mut out: Vec<DocNumber> = Vec::new();
    let mut i = 0;
    while i + 2 <= upper.len() {
        let starts = upper[i] == 'F'
            && upper.get(i + 1) == Some(&'A')
            && (i == 0 || !upper[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        let skip_sep = |j: &mut usize| {
            while *j < upper.len() && matches!(upper[*j], '-' | ' ' | '/' | '_' | '.') {
                *j += 1;
            }
        };
        skip_sep(&mut j);
        let year: String = upper[j..].iter().take(4).collect();
        if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) {
            j += 4;
            skip_sep(&mut j);
            let digits: String = upper[j..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let after = upper.get(j + digits.len());
            // Sequences grow past 99 999 in a busy year (`FA-2026-103456`).
            if (1..=9).contains(&digits.len()) && !after.is_some_and(|c| c.is_alphanumeric()) {
                let text = format!("FA-{year}-{digits:0>5}");
                if let Some(n) = DocNumber::parse(&text).filter(|n| n.kind == DocKind::Invoice)
                    && !out.contains(&n)
                {
                    out.push(n);
                }
                i = j + digits.len();
                continue;
            }
        }
        i += 2;
    }
    out
}

/// Words that say what kind of body it is, not which one.
const GENERIC: &[&str] = &[
    "commune",
    "mairie",
    "ville",
    "college",
    "lycee",
    "centre",
    "hospitalier",
    "universite",
    "departement",
    "region",
    "communaute",
    "communes",
    "agglomeration",
    "syndicat",
    "caisse",
    "ecoles",
    "public",
    "publique",
    "etablissement",
    "service",
    "services",
    "tresor",
    "tresorerie",
    "direction",
    "generale",
    "finances",
    "publiques",
    "saint",
    "sainte",
];

/// Whether a payer's name names this body: a distinctive word (four letters or more,
/// not « commune », « lycée »…) of the body's name is in the payer's.
pub fn names_match(payer: &str, body: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        fold(s)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4 && !GENERIC.contains(w))
            .map(str::to_string)
            .collect()
    };
    let payer = words(payer);
    words(body).iter().any(|w| payer.contains(w))
}

/// `amount` split over `invoices` (number, unpaid) in the order given, each at most what
/// it still asks: the parts, and what is left over.
pub fn split(amount: Cents, invoices: &[(DocNumber, Cents)]) -> (Vec<(DocNumber, Cents)>, Cents) {
    let mut left = amount;
    let mut parts = Vec::new();
    for (n, unpaid) in invoices {
        if left <= Cents::ZERO {
            break;
        }
        let part = left.min(*unpaid);
        if part > Cents::ZERO {
            parts.push((*n, part));
            left -= part;
        }
    }
    (parts, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> DocNumber {
        DocNumber::parse(s).unwrap()
    }

    #[test]
    fn invoice_numbers_are_found_as_people_write_them() {
        assert_eq!(
            invoice_numbers("VIR DRFIP RHONE MDT 2026-1234 FACT FA-2026-00042 ET fa 2026 43"),
            [n("FA-2026-00042"), n("FA-2026-00043")]
        );
        assert_eq!(
            invoice_numbers("REF FA202600007/FA-2026-00007"),
            [n("FA-2026-00007")]
        );
        assert_eq!(
            invoice_numbers("SOFA 2026 12 ; FAX 2026 ; FA-26-1"),
            Vec::<DocNumber>::new()
        );
        assert_eq!(invoice_numbers("FA-2026-123456"), [n("FA-2026-123456")]);
        assert_eq!(
            invoice_numbers("FA-2026-1234567890"),
            Vec::<DocNumber>::new()
        );
    }

    #[test]
    fn a_payer_matches_by_a_distinctive_word() {
        assert!(names_match(
            "COMMUNE DE VILLEURBANNE",
            "Commune de Villeurbanne"
        ));
        assert!(names_match(
            "TRESORERIE VILLEURBANNE",
            "Commune de Villeurbanne"
        ));
        assert!(!names_match("COMMUNE DE LYON", "Commune de Villeurbanne"));
        assert!(names_match("LYCEE JEAN MOULIN", "Lycée Jean Moulin"));
        assert!(!names_match("LYCEE", "Lycée Jean Moulin"));
        assert!(!names_match("DRFIP", "Lycée Jean Moulin"));
    }

    #[test]
    fn an_amount_is_split_in_the_order_given() {
        let (parts, left) = split(
            Cents(15000),
            &[
                (n("FA-2026-00002"), Cents(10000)),
                (n("FA-2026-00001"), Cents(8000)),
            ],
        );
        assert_eq!(
            parts,
            [
                (n("FA-2026-00002"), Cents(10000)),
                (n("FA-2026-00001"), Cents(5000))
            ]
        );
        assert_eq!(left, Cents::ZERO);
        let (_, left) = split(Cents(20000), &[(n("FA-2026-00002"), Cents(10000))]);
        assert_eq!(left, Cents(10000));
    }
}

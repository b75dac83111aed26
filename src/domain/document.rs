//! Issued documents: quotes, delivery notes, invoices and credit notes. Once issued a
//! document is an immutable record; only a credit note can undo an invoice.

use super::customer::{Address, Contact, CustomerId};
use super::date::{Date, Timestamp};
use super::ids::OrderId;
use super::money::{Cents, Totals, VatRate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One numbering series per kind of document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DocKind {
    Quote,
    DeliveryNote,
    Invoice,
    CreditNote,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [
        DocKind::Quote,
        DocKind::DeliveryNote,
        DocKind::Invoice,
        DocKind::CreditNote,
    ];

    /// The series prefix of its numbers.
    pub fn prefix(self) -> &'static str {
        match self {
            DocKind::Quote => "DEV",
            DocKind::DeliveryNote => "BL",
            DocKind::Invoice => "FA",
            DocKind::CreditNote => "AV",
        }
    }

    pub fn from_prefix(p: &str) -> Option<DocKind> {
        DocKind::ALL
            .into_iter()
            .find(|k| k.prefix().eq_ignore_ascii_case(p))
    }

    /// The French title printed on the document.
    pub fn label(self) -> &'static str {
        match self {
            DocKind::Quote => "Devis",
            DocKind::DeliveryNote => "Bon de livraison",
            DocKind::Invoice => "Facture",
            DocKind::CreditNote => "Avoir",
        }
    }

    /// Invoices and credit notes carry Factur-X XML.
    pub fn has_xml(self) -> bool {
        matches!(self, DocKind::Invoice | DocKind::CreditNote)
    }
}

/// `FA-2026-00103`: series, year of issue and a gapless sequence within them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocNumber {
    pub kind: DocKind,
    pub year: u16,
    pub seq: u32,
}

impl DocNumber {
    /// Parses `FA-2026-00103` (case-insensitive, spaces or no separators tolerated).
    pub fn parse(s: &str) -> Option<DocNumber> {
        let s: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let letters: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let kind = DocKind::from_prefix(&letters)?;
        let rest = s[letters.len()..].trim_start_matches('-');
        let digits: String = rest.chars().filter(|c| *c != '-').collect();
        if digits.len() < 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if rest.contains('-') && rest.split('-').count() != 2 {
            return None;
        }
        let year: u16 = digits[..4].parse().ok()?;
        let seq: u32 = digits[4..].parse().ok()?;
        (seq > 0 && (1900..=9999).contains(&year)).then_some(DocNumber { kind, year, seq })
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:05}", self.kind.prefix(), self.year, self.seq)
    }
}

/// The buyer as it was when the document was issued (documents never change afterwards,
/// even if the account does).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerSnapshot {
    pub customer: CustomerId,
    pub legal_name: String,
    pub siret: String,
    pub categorie: String,
    pub header_address: Address,
    pub delivery_address: Address,
    pub contact: Contact,
    pub service_code: Option<String>,
    pub payment_delay_days: u32,
}

/// One line as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocLine {
    pub sku: String,
    pub designation: String,
    /// Quantity on this document (shipped for a delivery note, billed for an invoice).
    pub quantity: u32,
    pub unit_price: Cents,
    pub vat: VatRate,
    /// `quantity × unit_price`.
    pub amount: Cents,
    /// For delivery notes: quantity ordered, and what remains to ship after this one.
    pub ordered: u32,
    pub remaining: u32,
    /// For delivery notes: quantity shipped by earlier notes.
    pub delivered_before: u32,
    /// Legal ground of a VAT exemption (0 % lines).
    pub exemption: Option<String>,
}

/// The purchase-order reference printed on delivery notes and invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoRef {
    pub number: String,
    pub date: Date,
    /// The market / contract reference (BT-12), when the body gave one.
    pub contract: Option<String>,
}

/// Format of a stored file of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FileFormat {
    Pdf,
    FacturX,
}

impl FileFormat {
    pub fn code(self) -> u8 {
        match self {
            FileFormat::Pdf => 1,
            FileFormat::FacturX => 2,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Pdf => "pdf",
            FileFormat::FacturX => "xml",
        }
    }
}

/// A stored file of a document and its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub format: FileFormat,
    pub sha256: [u8; 32],
    pub size: u64,
}

impl FileRef {
    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// An issued document. Created once, in the transaction that draws its number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedDocument {
    pub number: DocNumber,
    pub order: OrderId,
    /// The order's reference (its quote number).
    pub order_number: DocNumber,
    pub issued_at: Timestamp,
    pub date: Date,
    pub issued_by: String,
    pub buyer: BuyerSnapshot,
    pub lines: Vec<DocLine>,
    pub totals: Totals,
    pub po: Option<PoRef>,
    /// Quotes: version, validity, and the version it renews.
    pub quote_version: Option<u32>,
    pub valid_until: Option<Date>,
    pub renews: Option<DocNumber>,
    /// Invoices: date of the last delivery they bill; due date.
    pub delivery_date: Option<Date>,
    pub due_date: Option<Date>,
    /// Credit notes: the invoice they cancel or reduce, its date, and why.
    pub cancels: Option<(DocNumber, Date)>,
    pub reason: Option<String>,
    /// Credit notes: `true` when it reduces the invoice (some lines, quantities or an
    /// amount) rather than cancelling it.
    pub partial: bool,
    /// Invoices: the delivery notes they cover; delivery notes: the earlier notes.
    pub delivery_notes: Vec<(DocNumber, Date)>,
    /// Invoices: the moratory rate (ECB + 8 points) in force at issue, in basis points.
    pub late_rate_bp: Option<u32>,
    /// Stored renderings (PDF, Factur-X XML) with their SHA-256.
    pub files: Vec<FileRef>,
    /// Made by `comptoir seed --documents records` for benchmarks: a record without
    /// rendered files. Never set for a real issue.
    pub synthetic: bool,
}

impl IssuedDocument {
    /// The legal grounds of the document's VAT exemptions (its 0 % lines' grounds, each
    /// once, in order): what the PDF prints and the Factur-X states (BT-120), from one
    /// place.
    pub fn exemption_grounds(&self) -> Vec<&str> {
        let mut grounds: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| l.vat.is_zero())
            .filter_map(|l| l.exemption.as_deref())
            .collect();
        grounds.sort();
        grounds.dedup();
        grounds
    }

    pub fn kind(&self) -> DocKind {
        self.number.kind
    }

    /// The files a document of this kind must have once issued.
    pub fn required_formats(&self) -> &'static [FileFormat] {
        if self.kind().has_xml() {
            &[FileFormat::Pdf, FileFormat::FacturX]
        } else {
            &[FileFormat::Pdf]
        }
    }

    pub fn file(&self, format: FileFormat) -> Option<&FileRef> {
        self.files.iter().find(|f| f.format == format)
    }

    /// Amount incl. VAT shown in lists (zero for delivery notes, which carry no prices).
    pub fn amount(&self) -> Cents {
        match self.kind() {
            DocKind::DeliveryNote => Cents::ZERO,
            _ => self.totals.incl_vat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_and_parse() {
        let n = DocNumber {
            kind: DocKind::Invoice,
            year: 2026,
            seq: 103,
        };
        assert_eq!(n.to_string(), "FA-2026-00103");
        assert_eq!(DocNumber::parse("FA-2026-00103"), Some(n));
        assert_eq!(DocNumber::parse("fa-2026-103"), Some(n));
        assert_eq!(DocNumber::parse(" FA 2026 00103 "), Some(n));
        assert_eq!(
            DocNumber::parse("AV-2026-00002").unwrap().kind,
            DocKind::CreditNote
        );
        let big = DocNumber {
            kind: DocKind::Quote,
            year: 2026,
            seq: 1_234_567,
        };
        assert_eq!(big.to_string(), "DEV-2026-1234567");
        assert_eq!(DocNumber::parse(&big.to_string()), Some(big));
        assert_eq!(DocNumber::parse("XX-2026-00001"), None);
        assert_eq!(DocNumber::parse("FA-2026-00000"), None);
        assert_eq!(DocNumber::parse("FA-26-1"), None);
    }
}

//! Accounting exports: the FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) of a
//! year, and a spreadsheet of invoices and credit notes.
//!
//! FEC: an opening journal (AN) carries each body's open invoices at the end of the
//! previous year (411, per invoice, against 890000 « Bilan d'ouverture »); a sales journal
//! (VT) from issued invoices and credit notes — 411 (the body, as auxiliary account)
//! against one 707 account per VAT rate and 44571; a bank journal (BQ) from payments — 512
//! against 411, split per invoice the payment settled — plus interest and indemnity
//! received (512 against 763). Every entry balances; entries are numbered per journal in
//! the order of their dates.
//!
//! A year's file is what the books said at its end: every figure is read from each order
//! as it stood on 31 December ([`Order::as_of`]), so payments, credit notes and lettering
//! recorded later never change it. On 411, the lines of one invoice (its debit, its
//! credit notes, the parts of payments that settled it, its opening balance) form a group,
//! lettered when they balance within the file.

use super::{App, AppError};
use crate::domain::interest::SettlementKind;
use crate::domain::order::Payment;
use crate::domain::{
    Cents, Customer, CustomerId, Date, DocKind, DocNumber, IssuedDocument, Order, VatRate,
};
use crate::store::StoreError;
use std::collections::{BTreeMap, HashMap};

/// The 18 fields of a FEC line, in order.
pub const FEC_FIELDS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

const CUSTOMERS: (&str, &str) = ("411000", "Clients");
const BANK: (&str, &str) = ("512000", "Banque");
const VAT: (&str, &str) = ("445710", "TVA collectée");
const OPENING: (&str, &str) = ("890000", "Bilan d'ouverture");
const INTEREST: (&str, &str) = (
    "763100",
    "Intérêts moratoires et indemnités de recouvrement",
);

/// The sales accounts, one per VAT rate (`[accounts]` in `comptoir.toml`): an account
/// carries one label, so sales at different rates, and exempt sales, never share one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesAccounts {
    /// Account number per rate of [`VatRate::KNOWN`].
    pub by_rate: Vec<(VatRate, String)>,
}

impl Default for SalesAccounts {
    /// 707 followed by the rate in tenths of a percent: 707200 at 20 %, 707055 at 5,5 %,
    /// 707000 for exempt sales.
    fn default() -> Self {
        SalesAccounts {
            by_rate: VatRate::KNOWN
                .iter()
                .map(|r| (*r, format!("707{:03}", r.0 / 10)))
                .collect(),
        }
    }
}

impl SalesAccounts {
    /// The account and its one label for sales at `rate`.
    pub fn of(&self, rate: VatRate) -> (String, String) {
        let number = self
            .by_rate
            .iter()
            .find(|(r, _)| *r == rate)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("707{:03}", rate.0 / 10));
        let label = if rate.is_zero() {
            "Ventes de marchandises exonérées de TVA".to_string()
        } else {
            format!("Ventes de marchandises TVA {}", rate.fr())
        };
        (number, label)
    }

    /// Checks a set of accounts: digits, a class 7 account, one rate per account.
    pub fn new(by_rate: Vec<(VatRate, String)>) -> Result<SalesAccounts, String> {
        for (i, (rate, n)) in by_rate.iter().enumerate() {
            if !(3..=20).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "« {n} » (TVA {}) : un numéro de compte de 3 à 20 chiffres",
                    rate.fr()
                ));
            }
            if !n.starts_with('7') {
                return Err(format!(
                    "« {n} » (TVA {}) : un compte de ventes commence par 7",
                    rate.fr()
                ));
            }
            if let Some((other, _)) = by_rate[..i].iter().find(|(_, m)| m == n) {
                return Err(format!(
                    "« {n} » est donné pour la TVA {} et pour la TVA {} : un compte par taux",
                    other.fr(),
                    rate.fr()
                ));
            }
        }
        Ok(SalesAccounts { by_rate })
    }
}

/// `1234,56`: a decimal comma, no thousands separator.
pub(crate) fn amount(c: Cents) -> String {
    let sign = if c.0 < 0 { "-" } else { "" };
    format!("{sign}{},{:02}", c.0.abs() / 100, c.0.abs() % 100)
}

/// `20260315`.
fn day(d: Date) -> String {
    let (y, m, dd) = d.ymd();
    format!("{y:04}{m:02}{dd:02}")
}

/// The lettering code of an invoice (or of an order's « trop-perçu » and its refunds,
/// by the quote's number): letters from its number, the same in every year's export.
fn letter(n: DocNumber) -> String {
    let kind = match n.kind {
        DocKind::Quote => 1_000_000_000,
        _ => 0,
    };
    let mut v = kind + n.year as u64 * 100_000 + n.seq as u64;
    let mut s = Vec::new();
    while v > 0 {
        s.push(b'A' + (v % 26) as u8);
        v /= 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// FEC fields must not contain the separator or line breaks.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The journals, in the order entries of one day are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Journal {
    Opening,
    Sales,
    Bank,
}

impl Journal {
    fn code(self) -> &'static str {
        match self {
            Journal::Opening => "AN",
            Journal::Sales => "VT",
            Journal::Bank => "BQ",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Journal::Opening => "À-nouveaux",
            Journal::Sales => "Ventes",
            Journal::Bank => "Banque",
        }
    }
}

struct Line {
    account: (String, String),
    /// The body, on 411 lines.
    aux: Option<CustomerId>,
    piece: (String, Date),
    label: String,
    debit: Cents,
    credit: Cents,
    /// The invoice whose group this 411 line belongs to, for lettering.
    letters: Option<DocNumber>,
}

/// One balanced entry of a journal.
struct Entry {
    journal: Journal,
    date: Date,
    valid: Date,
    lines: Vec<Line>,
}

/// What the FEC of a year contains.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fec {
    /// `SIRENFECAAAAMMJJ.txt`.
    pub file_name: String,
    pub text: String,
    pub entries: usize,
    pub lines: usize,
}

impl App {
    /// The FEC of a calendar year (entries dated in it, the opening balances first),
    /// tab-separated, header first.
    pub fn export_fec(&self, year: i32) -> Result<Fec, AppError> {
        let (Some(first), Some(last)) = (Date::from_ymd(year, 1, 1), Date::from_ymd(year, 12, 31))
        else {
            return Err(AppError::Invalid(format!("année {year} hors limites")));
        };
        let (docs, orders, customers) = self.fec_sources(last)?;
        let settings = self.settings();
        let names = Names::new(&docs, customers);
        let mut entries = opening_entries(&orders, &names, year, first);
        let mut sales: Vec<&IssuedDocument> = docs.iter().filter(|d| d.date >= first).collect();
        sales.sort_by_key(|d| (d.date, d.number));
        for d in sales {
            entries.push(sales_entry(
                d,
                &names.of(d.buyer.customer),
                &settings.accounts,
            ));
        }
        for o in &orders {
            entries.extend(bank_entries(&o.as_of(last), &names.of(o.customer), first));
        }
        // Chronological, journal by journal on one day; the sort is stable, so entries of
        // one day and journal keep the order they were made in (documents by number,
        // payments by order and date).
        entries.sort_by_key(|e| (e.date, e.journal));
        let (text, lines) = fec_text(&entries, &names);
        let siren: String = settings.seller.siret.chars().take(9).collect();
        Ok(Fec {
            file_name: format!("{siren}FEC{year:04}1231.txt"),
            entries: entries.len(),
            lines,
            text,
        })
    }

    /// The invoices and credit notes up to `last`, the orders invoiced by then and their
    /// bodies.
    fn fec_sources(&self, last: Date) -> Result<FecSources, AppError> {
        Ok(self.store.read(|rx| {
            let mut docs = Vec::new();
            rx.for_each_document::<StoreError>(|d| {
                if matches!(d.kind(), DocKind::Invoice | DocKind::CreditNote) && d.date <= last {
                    docs.push(d);
                }
                Ok(())
            })?;
            let mut orders = Vec::new();
            rx.for_each_order::<StoreError>(|o| {
                if o.invoices.iter().any(|i| i.date <= last) {
                    orders.push(o);
                }
                Ok(())
            })?;
            let mut customers: HashMap<CustomerId, Customer> = HashMap::new();
            for o in &orders {
                if let std::collections::hash_map::Entry::Vacant(e) = customers.entry(o.customer)
                    && let Some(c) = rx.customer(o.customer)?
                {
                    e.insert(c);
                }
            }
            Ok::<_, StoreError>((docs, orders, customers))
        })?)
    }
}

/// What a FEC is written from: invoices and credit notes, orders, their bodies.
type FecSources = (
    Vec<IssuedDocument>,
    Vec<Order>,
    HashMap<CustomerId, Customer>,
);

/// The body's name as its latest document of the period printed it: one label per
/// auxiliary account, and a later renaming does not rewrite a closed year.
struct Names {
    latest: HashMap<CustomerId, (Date, DocNumber, String)>,
    customers: HashMap<CustomerId, Customer>,
}

impl Names {
    fn new(docs: &[IssuedDocument], customers: HashMap<CustomerId, Customer>) -> Names {
        let mut latest: HashMap<CustomerId, (Date, DocNumber, String)> = HashMap::new();
        for d in docs {
            let e = latest.entry(d.buyer.customer).or_insert((
                d.date,
                d.number,
                d.buyer.legal_name.clone(),
            ));
            if (d.date, d.number) > (e.0, e.1) {
                *e = (d.date, d.number, d.buyer.legal_name.clone());
            }
        }
        Names { latest, customers }
    }

    fn of(&self, c: CustomerId) -> String {
        self.latest
            .get(&c)
            .map(|n| n.2.clone())
            .or_else(|| self.customers.get(&c).map(|c| c.legal_name.clone()))
            .unwrap_or_default()
    }
}

/// Opening balances: what each body still owed on each invoice at the end of the
/// previous year, and what it had paid in advance.
fn opening_entries(orders: &[Order], names: &Names, year: i32, first: Date) -> Vec<Entry> {
    let before = first.add_days(-1);
    let name = |c: CustomerId| names.of(c);
    let mut entries: Vec<Entry> = Vec::new();
    let mut opening: BTreeMap<CustomerId, Vec<Line>> = BTreeMap::new();
    for o in orders {
        let view = o.as_of(before);
        let body = name(o.customer);
        for s in view.settlements() {
            if s.unpaid > Cents::ZERO {
                let inv = s.invoice;
                opening.entry(o.customer).or_default().push(Line {
                    account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
                    aux: Some(o.customer),
                    piece: (inv.number.to_string(), inv.date),
                    label: format!("À-nouveau {} {body}", inv.number),
                    debit: s.unpaid,
                    credit: Cents::ZERO,
                    letters: Some(inv.number),
                });
            }
        }
        let unallocated = view.paid_amount()
            - view.payment_parts().iter().map(|p| p.amount).sum::<Cents>()
            - view.refunded_amount();
        if unallocated > Cents::ZERO {
            opening.entry(o.customer).or_default().push(Line {
                account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
                aux: Some(o.customer),
                piece: (o.number.to_string(), before),
                label: format!("À-nouveau trop-perçu {} {body}", o.number),
                debit: Cents::ZERO,
                credit: unallocated,
                letters: Some(o.number),
            });
        }
    }
    for (customer, mut lines) in opening {
        let net: Cents = lines.iter().map(|l| l.debit - l.credit).sum();
        let (debit, credit) = if net >= Cents::ZERO {
            (Cents::ZERO, net)
        } else {
            (-net, Cents::ZERO)
        };
        lines.push(Line {
            account: (OPENING.0.into(), OPENING.1.into()),
            aux: None,
            piece: (format!("AN-{year}"), first),
            label: format!("À-nouveaux clients {}", name(customer)),
            debit,
            credit,
            letters: None,
        });
        entries.push(Entry {
            journal: Journal::Opening,
            date: first,
            valid: first,
            lines,
        });
    }
    entries
}

/// The file: header, then one line per entry line, numbered per journal, lettered.
fn fec_text(entries: &[Entry], names: &Names) -> (String, usize) {
    let name = |c: CustomerId| names.of(c);
    // Lettering: an invoice's lines on 411 that balance within the file.
    let mut groups: HashMap<DocNumber, (Cents, Date)> = HashMap::new();
    for e in entries {
        for l in &e.lines {
            if let Some(n) = l.letters {
                let g = groups.entry(n).or_insert((Cents::ZERO, e.date));
                g.0 += l.debit - l.credit;
                g.1 = g.1.max(e.date);
            }
        }
    }
    let mut text = FEC_FIELDS.join("\t");
    text.push('\n');
    let mut numbers: HashMap<Journal, usize> = HashMap::new();
    let mut lines = 0;
    for e in entries {
        let n = numbers.entry(e.journal).or_default();
        *n += 1;
        let num = format!("{}{:06}", e.journal.code(), n);
        for l in &e.lines {
            let (letter_code, date_let) = match l.letters.and_then(|n| {
                groups
                    .get(&n)
                    .filter(|g| g.0 == Cents::ZERO)
                    .map(|g| (n, g.1))
            }) {
                Some((n, d)) => (letter(n), day(d)),
                None => (String::new(), String::new()),
            };
            let (aux_num, aux_lib) = match l.aux {
                Some(c) => (format!("C{:06}", c.0), name(c)),
                None => (String::new(), String::new()),
            };
            let fields = [
                e.journal.code().to_string(),
                e.journal.label().to_string(),
                num.clone(),
                day(e.date),
                l.account.0.clone(),
                l.account.1.clone(),
                aux_num,
                aux_lib,
                l.piece.0.clone(),
                day(l.piece.1),
                l.label.clone(),
                amount(l.debit),
                amount(l.credit),
                letter_code,
                date_let,
                day(e.valid),
                String::new(),
                String::new(),
            ];
            text.push_str(
                &fields
                    .iter()
                    .map(|f| clean(f))
                    .collect::<Vec<_>>()
                    .join("\t"),
            );
            text.push('\n');
            lines += 1;
        }
    }
    (text, lines)
}

/// The sales entry of an invoice (411 debit, 707 and 44571 credit) or of a credit note
/// (the reverse).
fn sales_entry(d: &IssuedDocument, body: &str, accounts: &SalesAccounts) -> Entry {
    let credit_note = d.kind() == DocKind::CreditNote;
    let piece = (d.number.to_string(), d.date);
    let what = if credit_note { "Avoir" } else { "Facture" };
    let label = |s: &str| format!("{what} {} {body} {s}", d.number);
    let side = |v: Cents, on_debit: bool| {
        if on_debit {
            (v, Cents::ZERO)
        } else {
            (Cents::ZERO, v)
        }
    };
    let mut lines = Vec::new();
    let (debit, credit) = side(d.totals.incl_vat, !credit_note);
    lines.push(Line {
        account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
        aux: Some(d.buyer.customer),
        piece: piece.clone(),
        label: label("TTC"),
        debit,
        credit,
        letters: Some(match (credit_note, d.cancels) {
            (true, Some((inv, _))) => inv,
            _ => d.number,
        }),
    });
    for v in &d.totals.vat {
        let (debit, credit) = side(v.base, credit_note);
        lines.push(Line {
            account: accounts.of(v.rate),
            aux: None,
            piece: piece.clone(),
            label: label(&format!("HT TVA {}", v.rate.fr())),
            debit,
            credit,
            letters: None,
        });
        if v.tax != Cents::ZERO {
            let (debit, credit) = side(v.tax, credit_note);
            lines.push(Line {
                account: (VAT.0.into(), VAT.1.into()),
                aux: None,
                piece: piece.clone(),
                label: label(&format!("TVA {}", v.rate.fr())),
                debit,
                credit,
                letters: None,
            });
        }
    }
    Entry {
        journal: Journal::Sales,
        date: d.date,
        valid: d.date,
        lines,
    }
}

/// One bank entry per payment dated from `from` on in `o` (an order as of the end of the
/// year): 512 debit; 411 credit split per invoice it settled. And one per interest payment
/// received (512 against 763).
fn bank_entries(o: &Order, body: &str, from: Date) -> Vec<Entry> {
    let parts = o.payment_parts();
    let mut payments: Vec<(usize, &Payment)> = o.payments.iter().enumerate().collect();
    payments.sort_by_key(|(i, p)| (p.date, *i));
    let mut out = Vec::new();
    for (i, p) in payments {
        if p.date < from {
            continue;
        }
        let piece = (p.reference.clone(), p.date);
        let label = format!("Règlement mandat {} {body}", p.reference);
        let credit_411 = |credit: Cents, letters: Option<DocNumber>, label: String| Line {
            account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
            aux: Some(o.customer),
            piece: piece.clone(),
            label,
            debit: Cents::ZERO,
            credit,
            letters,
        };
        let mut lines = vec![Line {
            account: (BANK.0.into(), BANK.1.into()),
            aux: None,
            piece: piece.clone(),
            label: label.clone(),
            debit: p.amount,
            credit: Cents::ZERO,
            letters: None,
        }];
        let mut allocated = Cents::ZERO;
        for part in parts.iter().filter(|part| part.payment == i) {
            allocated += part.amount;
            lines.push(credit_411(
                part.amount,
                Some(part.invoice),
                format!("{label} — {}", part.invoice),
            ));
        }
        if allocated != p.amount {
            // More than the live invoices asked for: a credit on the body's account.
            lines.push(credit_411(
                p.amount - allocated,
                Some(o.number),
                format!("{label} — trop-perçu"),
            ));
        }
        out.push(Entry {
            journal: Journal::Bank,
            date: p.date,
            valid: p.recorded_at.paris_date(),
            lines,
        });
    }
    // Refunds of a « trop-perçu »: the body's account is debited, the bank credited; they
    // letter with the surplus they return.
    for r in o.refunds.iter().filter(|r| r.date >= from) {
        let piece = (r.reference.clone(), r.date);
        let label = format!("Remboursement trop-perçu {} {body}", o.number);
        out.push(Entry {
            journal: Journal::Bank,
            date: r.date,
            valid: r.recorded_at.paris_date(),
            lines: vec![
                Line {
                    account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
                    aux: Some(o.customer),
                    piece: piece.clone(),
                    label: label.clone(),
                    debit: r.amount,
                    credit: Cents::ZERO,
                    letters: Some(o.number),
                },
                Line {
                    account: (BANK.0.into(), BANK.1.into()),
                    aux: None,
                    piece,
                    label,
                    debit: Cents::ZERO,
                    credit: r.amount,
                    letters: None,
                },
            ],
        });
    }
    for s in &o.penalty_settlements {
        let SettlementKind::Received { date, reference } = &s.kind else {
            continue;
        };
        if *date < from {
            continue;
        }
        let piece = (reference.clone(), *date);
        let label = format!("Intérêts moratoires et indemnité {} {body}", o.number);
        let line = |account: (&str, &str), debit: Cents, credit: Cents| Line {
            account: (account.0.into(), account.1.into()),
            aux: None,
            piece: piece.clone(),
            label: label.clone(),
            debit,
            credit,
            letters: None,
        };
        out.push(Entry {
            journal: Journal::Bank,
            date: *date,
            valid: s.recorded_at.paris_date(),
            lines: vec![
                line(BANK, s.amount, Cents::ZERO),
                line(INTEREST, Cents::ZERO, s.amount),
            ],
        });
    }
    out
}

/// One row of the invoices spreadsheet (a credit note's amounts are negative).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRow {
    pub number: String,
    pub kind: &'static str,
    pub date: Date,
    pub due: Option<Date>,
    pub body: String,
    pub siret: String,
    pub net: Cents,
    /// VAT per rate, in the order of [`VAT_COLUMNS`].
    pub vat: [Cents; 5],
    pub total: Cents,
    pub paid: Cents,
    pub status: &'static str,
}

/// The VAT rates the spreadsheet has a column for.
pub const VAT_COLUMNS: [(u16, &str); 5] = [
    (2000, "TVA 20 %"),
    (1000, "TVA 10 %"),
    (550, "TVA 5,5 %"),
    (210, "TVA 2,1 %"),
    (0, "TVA 0 %"),
];

impl App {
    /// Invoices and credit notes dated from `from` to `to` included, with payment state.
    pub fn export_invoices(&self, from: Date, to: Date) -> Result<Vec<InvoiceRow>, AppError> {
        let today = self.today();
        let (docs, orders) = self.store.read(|rx| {
            let mut docs = Vec::new();
            rx.for_each_document::<StoreError>(|d| {
                if matches!(d.kind(), DocKind::Invoice | DocKind::CreditNote)
                    && d.date >= from
                    && d.date <= to
                {
                    docs.push(d);
                }
                Ok(())
            })?;
            let mut orders = HashMap::new();
            for d in &docs {
                if let std::collections::hash_map::Entry::Vacant(e) = orders.entry(d.order)
                    && let Some(o) = rx.order(d.order)?
                {
                    e.insert(o);
                }
            }
            Ok::<_, StoreError>((docs, orders))
        })?;
        let mut rows = Vec::new();
        for d in docs {
            // A credit note takes back: its amounts are negative, so a column's sum is what
            // was invoiced net of credit notes.
            let sign = if d.kind() == DocKind::CreditNote {
                -1
            } else {
                1
            };
            let mut vat = [Cents::ZERO; 5];
            for v in &d.totals.vat {
                if let Some(i) = VAT_COLUMNS.iter().position(|(bp, _)| *bp == v.rate.0) {
                    vat[i] = v.tax * sign;
                }
            }
            let order = orders.get(&d.order);
            let (due, paid, status) = match (d.kind(), order) {
                (DocKind::CreditNote, _) => (None, Cents::ZERO, "avoir"),
                (_, None) => (d.due_date, Cents::ZERO, "inconnue"),
                (_, Some(o)) => {
                    let inv = o.invoices.iter().find(|i| i.number == d.number);
                    let settlement = o
                        .settlements()
                        .into_iter()
                        .find(|s| s.invoice.number == d.number);
                    match (inv, settlement) {
                        (Some(i), _) if i.is_cancelled() => (i.due_date(), Cents::ZERO, "annulée"),
                        (Some(i), Some(s)) => {
                            let paid: Cents = s.paid.iter().map(|(_, a)| *a).sum();
                            let status = if s.unpaid == Cents::ZERO {
                                "payée"
                            } else if s.due.is_some_and(|due| today > due) {
                                "en retard"
                            } else if s.due.is_none() {
                                "délai interrompu"
                            } else {
                                "à échoir"
                            };
                            (i.due_date(), paid, status)
                        }
                        _ => (d.due_date, Cents::ZERO, "inconnue"),
                    }
                }
            };
            rows.push(InvoiceRow {
                number: d.number.to_string(),
                kind: d.kind().label(),
                date: d.date,
                due,
                body: d.buyer.legal_name.clone(),
                siret: d.buyer.siret.clone(),
                net: d.totals.excl_vat * sign,
                vat,
                total: d.totals.incl_vat * sign,
                paid,
                status,
            });
        }
        rows.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
        Ok(rows)
    }
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The spreadsheet (French conventions: `;` separator, decimal comma, dates JJ/MM/AAAA).
pub fn invoices_csv(rows: &[InvoiceRow]) -> String {
    let mut header: Vec<String> = [
        "Numéro",
        "Type",
        "Date",
        "Échéance",
        "Organisme",
        "SIRET",
        "Total HT",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(VAT_COLUMNS.iter().map(|(_, l)| l.to_string()));
    header.extend(
        ["Total TTC", "Payé", "Statut"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut out = header.join(";");
    out.push('\n');
    for r in rows {
        let mut f = vec![
            r.number.clone(),
            r.kind.to_string(),
            r.date.fr(),
            r.due.map(|d| d.fr()).unwrap_or_default(),
            r.body.clone(),
            r.siret.clone(),
            amount(r.net),
        ];
        f.extend(r.vat.iter().map(|v| amount(*v)));
        f.extend([amount(r.total), amount(r.paid), r.status.to_string()]);
        out.push_str(&f.iter().map(|x| csv_field(x)).collect::<Vec<_>>().join(";"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_dates_and_letters_are_in_fec_form() {
        assert_eq!(amount(Cents(123_456)), "1234,56");
        assert_eq!(amount(Cents(5)), "0,05");
        assert_eq!(amount(Cents(-250)), "-2,50");
        assert_eq!(day(Date::parse_iso("2026-03-07").unwrap()), "20260307");
        let a = letter(DocNumber::parse("FA-2026-00001").unwrap());
        let b = letter(DocNumber::parse("FA-2026-00002").unwrap());
        assert!(
            a != b && a.chars().all(|c| c.is_ascii_uppercase()),
            "{a} {b}"
        );
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("l'école \"X\""), "\"l'école \"\"X\"\"\"");
        assert_eq!(csv_field("l'école"), "l'école");
    }
}

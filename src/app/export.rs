//! Accounting exports: the FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) of a
//! year, and a spreadsheet of invoices and credit notes.
//!
//! FEC: a sales journal (VT) from issued invoices and credit notes — 411 (the body, as
//! auxiliary account) against 707 per VAT rate and 44571 — and a bank journal (BQ) from
//! payments — 512 against 411, split per invoice the payment settled — plus interest and
//! indemnity received (512 against 763). Every entry balances. An invoice settled by
//! payments and credit notes is lettered with its counterparts.

use super::{App, AppError};
use crate::domain::interest::SettlementKind;
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
const INTEREST: (&str, &str) = (
    "763100",
    "Intérêts moratoires et indemnités de recouvrement",
);

fn sales_account(rate: VatRate) -> (String, String) {
    (
        "707000".to_string(),
        format!("Ventes de marchandises TVA {}", rate.fr()),
    )
}

/// `1234,56`: a decimal comma, no thousands separator.
fn amount(c: Cents) -> String {
    let sign = if c.0 < 0 { "-" } else { "" };
    format!("{sign}{},{:02}", c.0.abs() / 100, c.0.abs() % 100)
}

/// `20260315`.
fn day(d: Date) -> String {
    let (y, m, dd) = d.ymd();
    format!("{y:04}{m:02}{dd:02}")
}

/// The lettering code of an invoice: letters from its number, the same in every year's
/// export.
fn letter(n: DocNumber) -> String {
    let mut v = n.year as u64 * 100_000 + n.seq as u64;
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

struct Line {
    journal: (&'static str, &'static str),
    num: String,
    date: Date,
    account: (String, String),
    aux: Option<(String, String)>,
    piece: (String, Date),
    label: String,
    debit: Cents,
    credit: Cents,
    /// The invoice this line settles or bills on 411, for lettering.
    letters: Option<DocNumber>,
    valid: Date,
}

fn aux_of(c: &Customer) -> (String, String) {
    (format!("C{:06}", c.id.0), c.legal_name.clone())
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
    /// The FEC of a calendar year (entries dated in it), tab-separated, header first.
    pub fn export_fec(&self, year: i32) -> Result<Fec, AppError> {
        let in_year = |d: Date| d.year() == year;
        let (docs, orders, customers) = self.store.read(|rx| {
            let mut docs = Vec::new();
            rx.for_each_document::<StoreError>(|d| {
                if matches!(d.kind(), DocKind::Invoice | DocKind::CreditNote) {
                    docs.push(d);
                }
                Ok(())
            })?;
            let mut orders = Vec::new();
            rx.for_each_order::<StoreError>(|o| {
                if !o.invoices.is_empty() {
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
        })?;
        let mut lines: Vec<Line> = Vec::new();
        let mut vt = 0;
        for d in docs.iter().filter(|d| in_year(d.date)) {
            let Some(c) = customers.get(&d.buyer.customer) else {
                continue;
            };
            vt += 1;
            lines.extend(sales_entry(d, c, format!("VT{vt:06}")));
        }
        // Lettering: invoices fully settled by payments and credit notes.
        let mut settled: HashMap<DocNumber, Date> = HashMap::new();
        let mut bq = 0;
        for o in &orders {
            let Some(c) = customers.get(&o.customer) else {
                continue;
            };
            for s in o.settlements() {
                if s.unpaid == Cents::ZERO
                    && let Some(last) = s.paid.iter().map(|(d, _)| *d).max()
                {
                    settled.insert(s.invoice.number, last);
                }
            }
            for inv in o.invoices.iter().filter(|i| i.is_cancelled()) {
                let last = inv
                    .credits
                    .iter()
                    .filter_map(|cr| docs.iter().find(|d| d.number == cr.number))
                    .map(|d| d.date)
                    .max()
                    .unwrap_or(inv.date);
                settled.insert(inv.number, last);
            }
            for mut ls in payment_entries(o, c, in_year) {
                bq += 1;
                for l in ls.iter_mut() {
                    l.num = format!("BQ{bq:06}");
                }
                lines.extend(ls);
            }
        }
        let mut text = FEC_FIELDS.join("\t");
        text.push('\n');
        let mut entries: Vec<&str> = Vec::new();
        for l in &lines {
            let (letter_code, date_let) =
                match l.letters.and_then(|n| settled.get(&n).map(|d| (n, *d))) {
                    Some((n, d)) => (letter(n), day(d)),
                    None => (String::new(), String::new()),
                };
            let (aux_num, aux_lib) = l.aux.clone().unwrap_or_default();
            let fields = [
                l.journal.0.to_string(),
                l.journal.1.to_string(),
                l.num.clone(),
                day(l.date),
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
                day(l.valid),
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
            if entries.last() != Some(&l.num.as_str()) {
                entries.push(&l.num);
            }
        }
        let siren: String = self.settings().seller.siret.chars().take(9).collect();
        Ok(Fec {
            file_name: format!("{siren}FEC{year:04}1231.txt"),
            entries: entries.len(),
            lines: lines.len(),
            text,
        })
    }
}

/// The sales entry of an invoice (411 debit, 707 and 44571 credit) or of a credit note
/// (the reverse).
fn sales_entry(d: &IssuedDocument, c: &Customer, num: String) -> Vec<Line> {
    let credit_note = d.kind() == DocKind::CreditNote;
    let piece = (d.number.to_string(), d.date);
    let what = if credit_note { "Avoir" } else { "Facture" };
    let label = |s: &str| format!("{what} {} {} {s}", d.number, c.legal_name);
    let side = |v: Cents, on_debit: bool| {
        if on_debit {
            (v, Cents::ZERO)
        } else {
            (Cents::ZERO, v)
        }
    };
    let mut out = Vec::new();
    let (debit, credit) = side(d.totals.incl_vat, !credit_note);
    out.push(Line {
        journal: ("VT", "Ventes"),
        num: num.clone(),
        date: d.date,
        account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
        aux: Some(aux_of(c)),
        piece: piece.clone(),
        label: label("TTC"),
        debit,
        credit,
        letters: Some(match (credit_note, d.cancels) {
            (true, Some((inv, _))) => inv,
            _ => d.number,
        }),
        valid: d.date,
    });
    for v in &d.totals.vat {
        let (debit, credit) = side(v.base, credit_note);
        out.push(Line {
            journal: ("VT", "Ventes"),
            num: num.clone(),
            date: d.date,
            account: sales_account(v.rate),
            aux: None,
            piece: piece.clone(),
            label: label(&format!("HT TVA {}", v.rate.fr())),
            debit,
            credit,
            letters: None,
            valid: d.date,
        });
        if v.tax != Cents::ZERO {
            let (debit, credit) = side(v.tax, credit_note);
            out.push(Line {
                journal: ("VT", "Ventes"),
                num: num.clone(),
                date: d.date,
                account: (VAT.0.into(), VAT.1.into()),
                aux: None,
                piece: piece.clone(),
                label: label(&format!("TVA {}", v.rate.fr())),
                debit,
                credit,
                letters: None,
                valid: d.date,
            });
        }
    }
    out
}

/// One bank entry per payment dated in the year (512 debit; 411 credit split per invoice
/// it settled), and per interest payment received (512 against 763).
fn payment_entries(o: &Order, c: &Customer, in_year: impl Fn(Date) -> bool) -> Vec<Vec<Line>> {
    // Which invoices each payment settled, from the order's own allocation.
    let mut parts: BTreeMap<(Date, usize), Vec<(DocNumber, Cents)>> = BTreeMap::new();
    let mut payments: Vec<(usize, &crate::domain::order::Payment)> =
        o.payments.iter().enumerate().collect();
    payments.sort_by_key(|(i, p)| (p.date, *i));
    let settlements = o.settlements();
    // Replay the allocation payment by payment (settlements keep only (date, amount)).
    let mut cursor: Vec<(DocNumber, Vec<(Date, Cents)>)> = settlements
        .iter()
        .map(|s| (s.invoice.number, s.paid.clone()))
        .collect();
    for (i, p) in &payments {
        let mut left = p.amount;
        for (inv, paid) in cursor.iter_mut() {
            while left > Cents::ZERO {
                let Some(pos) = paid.iter().position(|(d, _)| *d == p.date) else {
                    break;
                };
                let (_, a) = paid[pos];
                let take = a.min(left);
                parts.entry((p.date, *i)).or_default().push((*inv, take));
                left -= take;
                if take == a {
                    paid.remove(pos);
                } else {
                    paid[pos].1 = a - take;
                }
            }
            if left == Cents::ZERO {
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (i, p) in payments {
        if !in_year(p.date) {
            continue;
        }
        let piece = (p.reference.clone(), p.date);
        let label = format!("Règlement mandat {} {}", p.reference, c.legal_name);
        let mut ls = vec![Line {
            journal: ("BQ", "Banque"),
            num: String::new(),
            date: p.date,
            account: (BANK.0.into(), BANK.1.into()),
            aux: None,
            piece: piece.clone(),
            label: label.clone(),
            debit: p.amount,
            credit: Cents::ZERO,
            letters: None,
            valid: p.recorded_at.paris_date(),
        }];
        let split = parts.remove(&(p.date, i)).unwrap_or_default();
        let allocated: Cents = split.iter().map(|(_, a)| *a).sum();
        for (inv, a) in split {
            ls.push(Line {
                journal: ("BQ", "Banque"),
                num: String::new(),
                date: p.date,
                account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
                aux: Some(aux_of(c)),
                piece: piece.clone(),
                label: format!("{label} — {inv}"),
                debit: Cents::ZERO,
                credit: a,
                letters: Some(inv),
                valid: p.recorded_at.paris_date(),
            });
        }
        if allocated != p.amount {
            // Never expected (payments never exceed what is owed): keep the entry balanced.
            ls.push(Line {
                journal: ("BQ", "Banque"),
                num: String::new(),
                date: p.date,
                account: (CUSTOMERS.0.into(), CUSTOMERS.1.into()),
                aux: Some(aux_of(c)),
                piece: piece.clone(),
                label: label.clone(),
                debit: Cents::ZERO,
                credit: p.amount - allocated,
                letters: None,
                valid: p.recorded_at.paris_date(),
            });
        }
        out.push(ls);
    }
    for s in &o.penalty_settlements {
        let SettlementKind::Received { date, reference } = &s.kind else {
            continue;
        };
        if !in_year(*date) {
            continue;
        }
        let piece = (reference.clone(), *date);
        let label = format!(
            "Intérêts moratoires et indemnité {} {}",
            o.number, c.legal_name
        );
        let line = |account: (&str, &str), debit: Cents, credit: Cents| Line {
            journal: ("BQ", "Banque"),
            num: String::new(),
            date: *date,
            account: (account.0.into(), account.1.into()),
            aux: None,
            piece: piece.clone(),
            label: label.clone(),
            debit,
            credit,
            letters: None,
            valid: s.recorded_at.paris_date(),
        };
        out.push(vec![
            line(BANK, s.amount, Cents::ZERO),
            line(INTEREST, Cents::ZERO, s.amount),
        ]);
    }
    out
}

/// One row of the invoices spreadsheet.
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
            let mut vat = [Cents::ZERO; 5];
            for v in &d.totals.vat {
                if let Some(i) = VAT_COLUMNS.iter().position(|(bp, _)| *bp == v.rate.0) {
                    vat[i] = v.tax;
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
                net: d.totals.excl_vat,
                vat,
                total: d.totals.incl_vat,
                paid,
                status,
            });
        }
        rows.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
        Ok(rows)
    }
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
fn csv_field(s: &str) -> String {
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

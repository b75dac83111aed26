//! `comptoir check`: every invariant of the store, verified from the records themselves.

use super::{Rx, StoreError};
use crate::domain::money::MAX_AMOUNT;
use crate::domain::{
    Action, DocKind, EligibilityStatus, IssuedDocument, Order, OrderCard, OrderId, Stage, ids,
};
use crate::domain::{FileFormat, Totals};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What it is about: a document number, an order number, a SKU, a table.
    pub subject: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// What `check` looked at and what it found.
#[derive(Debug, Default)]
pub struct Report {
    pub customers: u64,
    pub orders: u64,
    pub documents: u64,
    pub synthetic_documents: u64,
    pub files: u64,
    pub audit_records: u64,
    pub violations: Vec<Violation>,
    /// What is not a broken invariant but needs a person: a clock behind the last event.
    pub warnings: Vec<String>,
    /// Free space on the store's file system, in bytes (when known).
    pub free_bytes: Option<u64>,
}

/// A warning when `now` is behind the last event recorded: the clock was put back (or the
/// store comes from a machine whose clock was ahead), and issuing is refused until it is
/// right again.
pub fn clock_behind(rx: &Rx, now: crate::domain::Timestamp) -> Result<Option<String>, StoreError> {
    let seq = rx.last_audit_seq()?;
    if seq == 0 {
        return Ok(None);
    }
    Ok(rx.audit_record(seq)?.filter(|r| r.at > now).map(|r| {
        format!(
            "l'horloge du serveur ({}) est en retard sur le dernier événement enregistré \
             ({}) : vérifiez la synchronisation NTP (timedatectl status) ; aucun document \
             ne sera émis avant l'heure du dernier",
            now.fr(),
            r.at.fr()
        )
    }))
}

impl Report {
    fn violation(&mut self, subject: impl Into<String>, message: impl Into<String>) {
        // Thousands of copies of the same fault help nobody: keep the first 10 000.
        if self.violations.len() < 10_000 {
            self.violations.push(Violation {
                subject: subject.into(),
                message: message.into(),
            });
        }
    }

    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

/// What the documents of one order add up to.
#[derive(Default)]
struct OrderDocs {
    delivered_units: u64,
    live_invoiced_units: i64,
    numbers: Vec<String>,
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Verifies every invariant; returns the violations found (an empty list when clean).
/// Nothing may be dated after the system clock's now.
pub fn check(rx: &Rx) -> Result<Report, StoreError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    check_at(rx, crate::domain::Timestamp(now))
}

/// [`check`] as of `now`.
pub fn check_at(rx: &Rx, now: crate::domain::Timestamp) -> Result<Report, StoreError> {
    let mut report = Report::default();
    let docs = check_documents(rx, now, &mut report)?;
    check_orders_and_stock(rx, &docs, &mut report)?;
    check_customers(rx, &mut report)?;
    check_audit_sequence(rx, now, &mut report)?;
    Ok(report)
}

/// Numbering without gaps, files present with their hashes.
fn check_documents(
    rx: &Rx,
    now: crate::domain::Timestamp,
    report: &mut Report,
) -> Result<HashMap<OrderId, OrderDocs>, StoreError> {
    let mut seqs: BTreeMap<(DocKind, u16), Vec<Issue>> = BTreeMap::new();
    let mut tally = Tally::default();
    rx.for_each_document(|doc: IssuedDocument| -> Result<(), StoreError> {
        report.documents += 1;
        let number = doc.number.to_string();
        seqs.entry((doc.kind(), doc.number.year))
            .or_default()
            .push((doc.number.seq, doc.date, doc.issued_at));
        check_dates(&doc, &number, now, report);
        check_required_files(&doc, &number, report);
        check_amounts(&doc, &number, report);
        check_files(rx, &doc, &number, report)?;
        tally.add(&doc, number, report);
        Ok(())
    })?;
    check_series(rx, seqs, report)?;
    Ok(tally.per_order)
}

/// A document's number, its date and its issue time.
type Issue = (u32, crate::domain::Date, crate::domain::Timestamp);

/// Issued after now, or dated outside its series' year.
fn check_dates(
    doc: &IssuedDocument,
    number: &str,
    now: crate::domain::Timestamp,
    report: &mut Report,
) {
    if doc.issued_at > now {
        report.violation(
            number,
            format!("issued at {}, after now", doc.issued_at.iso_utc()),
        );
    }
    if doc.date.year() != doc.number.year as i32 {
        report.violation(
            number,
            format!(
                "dated {} but numbered in the {} series",
                doc.date, doc.number.year
            ),
        );
    }
}

/// The files a document of its kind must have (a synthetic one, from the seed, has none).
fn check_required_files(doc: &IssuedDocument, number: &str, report: &mut Report) {
    if doc.synthetic {
        report.synthetic_documents += 1;
    } else {
        for format in doc.required_formats() {
            if doc.file(*format).is_none() {
                report.violation(number, format!("no {} file recorded", format.extension()));
            }
        }
    }
}

/// Each file recorded is in the store, with its size and SHA-256; the Factur-X XML
/// parses.
fn check_files(
    rx: &Rx,
    doc: &IssuedDocument,
    number: &str,
    report: &mut Report,
) -> Result<(), StoreError> {
    for f in &doc.files {
        report.files += 1;
        match rx.document_file(number, f.format) {
            Ok(None) => report.violation(
                number,
                format!("{} file missing from the store", f.format.extension()),
            ),
            // A damaged compressed file no longer decompresses.
            Err(StoreError::Corrupt { reason, .. }) => report.violation(
                number,
                format!(
                    "{} file does not match its SHA-256 (altered after issue: {reason})",
                    f.format.extension()
                ),
            ),
            Err(e) => return Err(e),
            Ok(Some(bytes)) => {
                if bytes.len() as u64 != f.size || sha256(&bytes) != f.sha256 {
                    report.violation(
                        number,
                        format!(
                            "{} file does not match its SHA-256 (altered after issue)",
                            f.format.extension()
                        ),
                    );
                }
                if f.format == FileFormat::FacturX
                    && let Err(e) = well_formed(&bytes)
                {
                    report.violation(number, format!("Factur-X XML is not well-formed: {e}"));
                }
            }
        }
    }
    Ok(())
}

/// What the documents say per order (numbers, units delivered and invoiced), and the
/// credit notes against each invoice.
#[derive(Default)]
struct Tally {
    per_order: HashMap<OrderId, OrderDocs>,
    /// Amount credited so far per invoice, and the invoice's amount.
    credited: HashMap<String, crate::domain::Cents>,
    invoice_amounts: HashMap<String, crate::domain::Cents>,
    invoices: HashMap<String, (OrderId, Vec<(String, u32)>)>,
}

impl Tally {
    fn add(&mut self, doc: &IssuedDocument, number: String, report: &mut Report) {
        let entry = self.per_order.entry(doc.order).or_default();
        entry.numbers.push(number.clone());
        let units: i64 = doc.lines.iter().map(|l| l.quantity as i64).sum();
        match doc.kind() {
            DocKind::DeliveryNote => entry.delivered_units += units as u64,
            DocKind::Invoice => {
                entry.live_invoiced_units += units;
                self.invoice_amounts
                    .insert(number.clone(), doc.totals.incl_vat);
                self.invoices.insert(
                    number.clone(),
                    (
                        doc.order,
                        doc.lines
                            .iter()
                            .map(|l| (l.sku.clone(), l.quantity))
                            .collect(),
                    ),
                );
            }
            DocKind::CreditNote => {
                // Only a full cancellation gives its units back to invoice again.
                if !doc.partial {
                    entry.live_invoiced_units -= units;
                }
                match &doc.cancels {
                    None => report.violation(&number, "credit note that cancels no invoice"),
                    Some((inv, _)) => {
                        let inv = inv.to_string();
                        let total = self.credited.entry(inv.clone()).or_default();
                        *total += doc.totals.incl_vat;
                        if let Some(amount) = self.invoice_amounts.get(&inv)
                            && *total > *amount
                        {
                            report.violation(
                                &number,
                                format!(
                                    "credit notes against {inv} add up to {}, more than its {}",
                                    total.fr(),
                                    amount.fr()
                                ),
                            );
                        }
                        match self.invoices.get(&inv) {
                            None => report.violation(
                                &number,
                                format!("cancels {inv}, which was not issued before it"),
                            ),
                            Some((order, _)) if *order != doc.order => {
                                report.violation(&number, format!("cancels {inv} of another order"))
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
            DocKind::Quote => {}
        }
    }
}

/// Each series: chronological, numbered from 1 without gap or repeat, up to its counter.
fn check_series(
    rx: &Rx,
    mut seqs: BTreeMap<(DocKind, u16), Vec<Issue>>,
    report: &mut Report,
) -> Result<(), StoreError> {
    for (prefix, year, last) in rx.counters()? {
        let Some(kind) = DocKind::from_prefix(&prefix) else {
            report.violation(format!("{prefix}-{year}"), "counter of an unknown series");
            continue;
        };
        let mut got = seqs.remove(&(kind, year)).unwrap_or_default();
        got.sort_unstable();
        // A series is chronological: a later number never carries an earlier date, nor
        // an earlier issue time.
        for pair in got.windows(2) {
            if pair[1].1 < pair[0].1 {
                report.violation(
                    format!("{prefix}-{year}-{:05}", pair[1].0),
                    format!(
                        "dated {}, before {prefix}-{year}-{:05} dated {}",
                        pair[1].1, pair[0].0, pair[0].1
                    ),
                );
            } else if pair[1].2 < pair[0].2 {
                report.violation(
                    format!("{prefix}-{year}-{:05}", pair[1].0),
                    format!(
                        "issued at {}, before {prefix}-{year}-{:05} issued at {}",
                        pair[1].2.iso_utc(),
                        pair[0].0,
                        pair[0].2.iso_utc()
                    ),
                );
            }
        }
        let mut expected = 1u32;
        for (s, _, _) in got {
            if s == expected {
                expected += 1;
            } else if s < expected {
                report.violation(format!("{prefix}-{year}-{s:05}"), "number used twice");
            } else {
                report.violation(
                    format!("{prefix}-{year}"),
                    format!(
                        "gap in the numbering: {expected:05} to {:05} missing",
                        s - 1
                    ),
                );
                expected = s + 1;
            }
        }
        if expected - 1 != last {
            report.violation(
                format!("{prefix}-{year}"),
                format!(
                    "counter at {last:05} but documents go up to {:05}",
                    expected - 1
                ),
            );
        }
    }
    for ((kind, year), _) in seqs {
        report.violation(
            format!("{}-{year}", kind.prefix()),
            "documents without a numbering counter",
        );
    }
    Ok(())
}

/// Every line amount is its quantity times its unit price, the totals recompute from the
/// lines (VAT per rate), and nothing exceeds what a document may amount to.
pub(crate) fn check_amounts(doc: &IssuedDocument, number: &str, report: &mut Report) {
    if doc.kind() == DocKind::DeliveryNote {
        return;
    }
    for (i, l) in doc.lines.iter().enumerate() {
        match l.unit_price.times_bounded(l.quantity as i64) {
            Some(a) if a == l.amount => {}
            Some(a) => report.violation(
                number,
                format!(
                    "line {}: amount {} but {} × {} = {}",
                    i + 1,
                    l.amount,
                    l.quantity,
                    l.unit_price,
                    a
                ),
            ),
            None => report.violation(
                number,
                format!(
                    "line {}: {} × {} exceeds {}",
                    i + 1,
                    l.quantity,
                    l.unit_price,
                    MAX_AMOUNT
                ),
            ),
        }
    }
    let recomputed = Totals::from_lines(doc.lines.iter().map(|l| (l.amount, l.vat)));
    if recomputed != doc.totals {
        report.violation(
            number,
            format!(
                "totals {} TTC do not recompute from the lines ({} TTC)",
                doc.totals.incl_vat, recomputed.incl_vat
            ),
        );
    }
    if doc.totals.incl_vat.0.abs() > MAX_AMOUNT.0 {
        report.violation(
            number,
            format!("total {} exceeds {}", doc.totals.incl_vat, MAX_AMOUNT),
        );
    }
}

/// Whether stored XML parses (an invoice Chorus Pro cannot read is no invoice).
pub(crate) fn well_formed(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    roxmltree::Document::parse(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Stage, counters, documents, indexes, audit trail of each order; stock of each product.
fn check_orders_and_stock(
    rx: &Rx,
    docs: &HashMap<OrderId, OrderDocs>,
    report: &mut Report,
) -> Result<(), StoreError> {
    let mut reserved_by_sku: HashMap<String, i64> = HashMap::new();
    let empty = OrderDocs::default();
    rx.for_each_order(|o| -> Result<(), StoreError> {
        report.orders += 1;
        for l in &o.lines {
            *reserved_by_sku.entry(l.sku.clone()).or_default() += l.reserved as i64;
        }
        let subject = o.number.to_string();
        let mut v = |m: String| report.violation(&subject, m);
        check_lines(&o, &mut v);
        check_scan(rx, &o, &mut v)?;
        check_order_documents(&o, docs.get(&o.id).unwrap_or(&empty), &mut v);
        check_stage(&o, &mut v);
        check_indexes(rx, &o, &mut v)?;
        check_order_audit(rx, &o, &mut v)?;
        Ok(())
    })?;
    check_stock(rx, reserved_by_sku, report)
}

/// Each line's counters agree with each other and with the live invoices.
fn check_lines(o: &Order, v: &mut impl FnMut(String)) {
    for (i, l) in o.lines.iter().enumerate() {
        if l.reserved as u64 + l.delivered as u64 > l.ordered as u64 {
            v(format!(
                "line {}: reserved + delivered exceed ordered",
                i + 1
            ));
        }
        if l.invoiced > l.delivered {
            v(format!(
                "line {}: more invoiced ({}) than delivered ({})",
                i + 1,
                l.invoiced,
                l.delivered
            ));
        }
    }
    for (i, l) in o.lines.iter().enumerate() {
        // Invoiced, less what full cancellations gave back (a reduction keeps its units).
        let billed: u32 = o
            .invoices
            .iter()
            .map(|inv| {
                let given_back: u32 = inv
                    .credits
                    .iter()
                    .filter(|c| c.cancels)
                    .map(|c| c.quantities.get(i).copied().unwrap_or(0))
                    .sum();
                inv.quantities.get(i).copied().unwrap_or(0) - given_back
            })
            .sum();
        if billed != l.invoiced {
            v(format!(
                "line {}: invoiced counter {} but live invoices bill {billed}",
                i + 1,
                l.invoiced
            ));
        }
    }
}

/// The attached scan of the original is stored, unaltered.
fn check_scan(rx: &Rx, o: &Order, v: &mut impl FnMut(String)) -> Result<(), StoreError> {
    if let Some(a) = &o.po_scan {
        match rx.attachment(o.id)? {
            None => v("the attached scan is missing from the store".into()),
            Some(bytes) if bytes.len() as u64 != a.size || sha256(&bytes) != a.sha256 => {
                v("the attached scan does not match its SHA-256 (altered)".into())
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The documents pointing to the order agree with what it counts and lists.
fn check_order_documents(o: &Order, d: &OrderDocs, v: &mut impl FnMut(String)) {
    if d.delivered_units != o.delivered_units() {
        v(format!(
            "delivery notes ship {} units, the order counts {}",
            d.delivered_units,
            o.delivered_units()
        ));
    }
    if d.live_invoiced_units != o.invoiced_units() as i64 {
        v(format!(
            "invoices minus credit notes bill {} units, the order counts {}",
            d.live_invoiced_units,
            o.invoiced_units()
        ));
    }
    for r in &o.documents {
        if !d.numbers.contains(&r.number.to_string()) {
            v(format!(
                "refers to {} which is not a document of this order",
                r.number
            ));
        }
    }
    if d.numbers.len() != o.documents.len() {
        v(format!(
            "{} documents point to this order, it lists {}",
            d.numbers.len(),
            o.documents.len()
        ));
    }
    if !o.documents.iter().any(|r| r.number == o.number) {
        v("its quote document is missing".into());
    }
}

/// Refunds within payments; the stage matches counters and documents.
fn check_stage(o: &Order, v: &mut impl FnMut(String)) {
    // Paying beyond the invoices is allowed (an accepted overpayment, or an invoice
    // credited after payment); each refund was bounded by the surplus of its day (an
    // invoice issued later may make the body owe again), so what holds for ever is
    // that nothing was refunded that was not paid.
    if o.refunded_amount() > o.paid_amount() {
        v("refunds exceed the payments received".into());
    }
    let stage_ok = match o.stage {
        Stage::Quote => o.po.is_none() && o.pre_order.is_none() && o.delivered_units() == 0,
        Stage::PreOrder => o.pre_order.is_some() && o.po.is_none() && o.delivered_units() == 0,
        Stage::PoReceived | Stage::Delivered | Stage::Invoiced | Stage::Paid => {
            o.po.is_some() && o.progress_stage() == o.stage
        }
        Stage::Cancelled | Stage::Refused => {
            o.delivered_units() == 0
                && o.invoices.is_empty()
                && o.reserved_units() == 0
                && o.closing_reason.is_some()
        }
        Stage::Expired => false,
    };
    if !stage_ok {
        v(format!(
            "stage « {} » does not match its counters and documents",
            o.stage.label()
        ));
    }
}

/// The board card and the indexes (number, customer, stage) point to the order.
fn check_indexes(rx: &Rx, o: &Order, v: &mut impl FnMut(String)) -> Result<(), StoreError> {
    match rx.order_card(o.id)? {
        Some(card) if card == OrderCard::from_order(o) => {}
        _ => v("board card missing or out of date".into()),
    }
    if rx.order_id_by_number(&o.number)? != Some(o.id) {
        v("number index does not point to this order".into());
    }
    if !rx.orders_of_customer(o.customer)?.contains(&o.id) {
        v("missing from its customer's index".into());
    }
    if !rx.orders_in_stage_contains(o.stage, o.id)? {
        v("missing from the stage index".into());
    }
    Ok(())
}

/// The audit trail explains every step.
fn check_order_audit(rx: &Rx, o: &Order, v: &mut impl FnMut(String)) -> Result<(), StoreError> {
    let audit = rx.audit_of_order(o.id)?;
    let has = |a: Action, doc: Option<String>| {
        audit
            .iter()
            .any(|r| r.action == a && (doc.is_none() || r.document.map(|n| n.to_string()) == doc))
    };
    for r in &o.documents {
        let action = match r.number.kind {
            DocKind::Quote => Action::QuoteIssued,
            DocKind::DeliveryNote => Action::DeliveryNoteIssued,
            DocKind::Invoice => Action::InvoiceIssued,
            DocKind::CreditNote => Action::CreditNoteIssued,
        };
        if !has(action, Some(r.number.to_string())) {
            v(format!("no audit event for the issue of {}", r.number));
        }
    }
    if o.pre_order.is_some() && !has(Action::PreOrderRecorded, None) {
        v("no audit event for its pre-order".into());
    }
    if o.po.is_some() && !has(Action::OriginalReceived, None) {
        v("no audit event for the receipt of its original".into());
    }
    let payments = audit
        .iter()
        .filter(|r| r.action == Action::PaymentRecorded)
        .count();
    if payments != o.payments.len() {
        v(format!(
            "{} payments but {payments} payment audit events",
            o.payments.len()
        ));
    }
    let refunds = audit
        .iter()
        .filter(|r| r.action == Action::RefundRecorded)
        .count();
    if refunds != o.refunds.len() {
        v(format!(
            "{} refunds but {refunds} refund audit events",
            o.refunds.len()
        ));
    }
    if o.stage == Stage::Cancelled && !has(Action::OrderCancelled, None) {
        v("no audit event for its cancellation".into());
    }
    if o.stage == Stage::Refused && !has(Action::QuoteRefused, None) {
        v("no audit event for its refusal".into());
    }
    if o.quote.renewed_by.is_some() && !has(Action::QuoteRenewed, Some(o.number.to_string())) {
        v("no audit event for its renewal".into());
    }
    if let Some(last) = audit
        .iter()
        .rev()
        .find(|r| !r.after.is_empty() && r.action != Action::QuoteRenewed)
        && last.after != o.stage.label()
    {
        v(format!(
            "last audit event leaves it « {} », the order says « {} »",
            last.after,
            o.stage.label()
        ));
    }
    Ok(())
}

/// Stock never negative, reservations within it and equal to what the orders reserve.
fn check_stock(
    rx: &Rx,
    mut reserved_by_sku: HashMap<String, i64>,
    report: &mut Report,
) -> Result<(), StoreError> {
    for p in rx.products()? {
        if p.on_hand < 0 {
            report.violation(&p.sku, format!("negative stock ({})", p.on_hand));
        }
        if p.reserved < 0 || p.reserved > p.on_hand {
            report.violation(
                &p.sku,
                format!("reserved {} outside 0..=on hand {}", p.reserved, p.on_hand),
            );
        }
        let by_orders = reserved_by_sku.remove(&p.sku).unwrap_or(0);
        if by_orders != p.reserved {
            report.violation(
                &p.sku,
                format!("reserved {} but orders reserve {by_orders}", p.reserved),
            );
        }
    }
    for (sku, n) in reserved_by_sku {
        if n > 0 {
            report.violation(
                &sku,
                format!("orders reserve {n} units of a product not in the catalogue"),
            );
        }
    }
    Ok(())
}

fn check_customers(rx: &Rx, report: &mut Report) -> Result<(), StoreError> {
    rx.for_each_customer(|c| -> Result<(), StoreError> {
        report.customers += 1;
        let subject = format!("client {} ({})", c.siret, c.legal_name);
        if !ids::siret_valid(c.siret.as_str()) {
            report.violation(&subject, "invalid SIRET");
        }
        if rx.customer_id_by_siret(c.siret.as_str())? != Some(c.id) {
            report.violation(&subject, "SIRET index does not point to this customer");
        }
        if rx.customer_summary(c.id)? != Some(crate::domain::CustomerSummary::of(&c)) {
            report.violation(&subject, "index summary missing or out of date");
        }
        if c.contacts.is_empty() {
            report.violation(&subject, "no named contact");
        }
        if c.delivery_addresses.is_empty() {
            report.violation(&subject, "no delivery address");
        }
        if c.eligibility.status == EligibilityStatus::Approved
            && crate::domain::legal::classify(&c.categorie)
                == crate::domain::legal::LegalClass::Private
        {
            report.violation(&subject, "a private catégorie juridique is approved");
        }
        let audit = rx.audit_of_customer(c.id)?;
        if !audit.iter().any(|r| r.action == Action::CustomerCreated) {
            report.violation(&subject, "no audit event for its creation");
        }
        if c.eligibility.decided_by != "auto"
            && !audit.iter().any(|r| r.action == Action::EligibilityDecided)
        {
            report.violation(&subject, "no audit event for its eligibility decision");
        }
        Ok(())
    })?;
    let (customers, summaries) = (rx.customer_count()?, rx.customer_summary_count()?);
    if summaries != customers {
        report.violation(
            "index",
            format!("{summaries} customer summaries for {customers} customers"),
        );
    }
    Ok(())
}

/// The audit log is append-only: sequence numbers run 1..=last without a hole.
fn check_audit_sequence(
    rx: &Rx,
    now: crate::domain::Timestamp,
    report: &mut Report,
) -> Result<(), StoreError> {
    let last = rx.last_audit_seq()?;
    let mut expected = 1u64;
    let mut from = 0u64;
    let mut future = Vec::new();
    loop {
        let batch = rx.audit_after(from, 10_000)?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            report.audit_records += 1;
            if r.seq != expected {
                report.violation(
                    "audit",
                    format!("records {expected} to {} are missing", r.seq - 1),
                );
            }
            if r.at > now {
                future.push(r.seq);
            }
            expected = r.seq + 1;
            from = r.seq;
        }
    }
    if let Some(first) = future.first() {
        report.violation(
            "audit",
            format!(
                "{} record(s) dated after now, the first #{first}",
                future.len()
            ),
        );
    }
    if expected - 1 != last {
        report.violation("audit", "sequence does not end at the last record");
    }
    Ok(())
}

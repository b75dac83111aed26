//! Read-only views for the console and the commands. Both roles may read.

use super::index::CardView;
use super::search::{CustomerIndex, Found, Query, with_thread_matcher};
use super::{App, AppError, parse_order_number};
use crate::domain::interest::PenaltyTotals;
use crate::domain::order::InvoiceLateness;
use crate::domain::{
    AuditRecord, Cents, Customer, CustomerId, DocKind, DocNumber, EligibilityStatus, FileFormat,
    Flag, IssuedDocument, Order, OrderCard, OrderId, Stage, Totals,
};
use crate::store::StoreError;
use std::sync::Arc;

/// Hits a customer search returns (the results a console shows and scrolls).
pub(crate) const SEARCH_LIMIT: usize = 50;

/// Everything the order screen shows.
#[derive(Clone, Debug)]
pub struct OrderView {
    pub order: Order,
    pub customer: Customer,
    pub stage: Stage,
    pub totals: Totals,
    pub flags: Vec<Flag>,
    /// Each live invoice's terms and lateness today.
    pub invoices: Vec<InvoiceLateness>,
    pub penalties: PenaltyTotals,
    pub documents: Vec<DocSummary>,
    pub timeline: Vec<AuditRecord>,
    /// Its invoices' and credit notes' life on Chorus Pro.
    pub chorus: Vec<crate::domain::chorus::ChorusRecord>,
    /// The letters written about it (reminders, formal notices, interest claims).
    pub letters: Vec<crate::domain::letter::Letter>,
    /// What was sent by e-mail about it.
    pub mails: Vec<crate::domain::mail::MailRecord>,
}

/// A line of a document list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocSummary {
    pub number: DocNumber,
    pub date: crate::domain::Date,
    pub customer: CustomerId,
    pub customer_name: String,
    pub order_number: DocNumber,
    pub amount: Cents,
    pub issued_by: String,
    /// (format, size, SHA-256 hex) of each stored file.
    pub files: Vec<(FileFormat, u64, String)>,
    pub synthetic: bool,
}

impl DocSummary {
    pub fn of(d: &IssuedDocument) -> DocSummary {
        DocSummary {
            number: d.number,
            date: d.date,
            customer: d.buyer.customer,
            customer_name: d.buyer.legal_name.clone(),
            order_number: d.order_number,
            amount: d.amount(),
            issued_by: d.issued_by.clone(),
            files: d
                .files
                .iter()
                .map(|f| (f.format, f.size, f.sha256_hex()))
                .collect(),
            synthetic: d.synthetic,
        }
    }

    pub fn kind(&self) -> DocKind {
        self.number.kind
    }
}

/// Everything the customer screen shows.
#[derive(Clone, Debug)]
pub struct CustomerView {
    pub customer: Customer,
    pub orders: Vec<CardView>,
    pub outstanding: Cents,
    pub overdue: Cents,
    pub timeline: Vec<AuditRecord>,
}

/// One result of the customer search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerHit {
    pub id: CustomerId,
    pub name: String,
    pub city: String,
    pub siret: String,
    pub status: Option<EligibilityStatus>,
    /// The document or order number that matched, when the query was a number.
    pub via_number: Option<String>,
    /// Char positions of `name` to highlight.
    pub highlight: Vec<usize>,
}

impl CustomerHit {
    fn of(
        id: CustomerId,
        e: &super::search::Entry,
        via_number: Option<String>,
        highlight: Vec<usize>,
    ) -> CustomerHit {
        CustomerHit {
            id,
            name: e.name().to_string(),
            city: e.city().to_string(),
            siret: e.siret().to_string(),
            status: e.status,
            via_number,
            highlight,
        }
    }
}

/// What an alert opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlertTarget {
    Order(String),
    Customer(CustomerId),
}

/// One line of the alerts screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertRow {
    /// `Factures en retard`, `Devis qui expirent`, `Pré-commandes sans original`,
    /// `Intérêts dus`, `Clients à examiner`.
    pub group: &'static str,
    pub text: String,
    pub target: AlertTarget,
}

/// A product as the stock screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRow {
    pub sku: String,
    pub designation: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    /// Units still to ship on pre-orders and orders whose original is in.
    pub to_deliver: i64,
    /// How many such orders.
    pub orders: usize,
}

impl StockRow {
    /// What is on hand does not cover what remains to ship.
    pub fn short(&self) -> bool {
        self.on_hand < self.to_deliver
    }
}

/// An order found by one of its references, and which one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRef {
    pub id: OrderId,
    pub number: DocNumber,
    /// `BC ENG-2026-0042`, `référence du site`, `FA-2026-00001`.
    pub why: String,
}

/// Search results with the state needed to narrow the next keystroke.
#[derive(Clone, Debug, Default)]
pub struct SearchResult {
    /// Orders found by a reference (PO / engagement number, web reference, document).
    pub orders: Vec<OrderRef>,
    pub hits: Vec<CustomerHit>,
    pub total: usize,
    pub found: Found,
}

fn card_view(app: &App, c: &OrderCard) -> CardView {
    let today = app.today();
    CardView {
        id: c.id,
        number: c.number,
        customer: c.customer,
        customer_name: app.index.customer_name(c.customer),
        stage: c.stage_on(today),
        total_incl_vat: c.total_incl_vat,
        outstanding: c.outstanding,
        days_in_stage: c.days_in_stage(today),
        flags: c.flags(today, &app.settings().ecb_rates),
    }
}

/// Does the query look like a document number (`FA-2026-001`, `dev2026`, `AV-`)?
fn number_prefix(query: &str) -> Option<String> {
    let q: String = query
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let letters: String = q.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    DocKind::from_prefix(&letters)?;
    let rest: String = q[letters.len()..].chars().filter(|c| *c != '-').collect();
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = format!("{letters}-{}", &rest[..rest.len().min(4)]);
    if rest.len() > 4 {
        out.push('-');
        out.push_str(&rest[4..]);
    }
    Some(out)
}

impl App {
    /// Orders found by one of their references: the body's PO / engagement number, the web
    /// shop's reference, or the number of one of their documents (prefixes, case ignored).
    pub fn orders_by_reference(&self, query: &str, limit: usize) -> Vec<OrderRef> {
        let q = query.trim();
        if q.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
            return Vec::new();
        }
        let found = self.store.read(|rx| {
            let mut out: Vec<(OrderId, String)> = Vec::new();
            let push = |id: OrderId, why: String, out: &mut Vec<(OrderId, String)>| {
                if !out.iter().any(|(o, _)| *o == id) && out.len() < limit {
                    out.push((id, why));
                }
            };
            for id in rx.orders_with_po_prefix(q, limit)? {
                let po = rx
                    .order(id)?
                    .and_then(|o| o.po.map(|p| p.po_number))
                    .unwrap_or_default();
                push(id, format!("BC {po}"), &mut out);
            }
            for r in [q.to_string(), q.to_uppercase()] {
                for id in rx.orders_with_external_ref_prefix(&r, limit)? {
                    push(id, "référence du site".into(), &mut out);
                }
            }
            if let Some(prefix) = number_prefix(q) {
                for n in rx.document_numbers_with_prefix(&prefix, limit)? {
                    if let Some(d) = rx.document(&n)? {
                        push(d.order, n, &mut out);
                    }
                }
            }
            let mut refs = Vec::new();
            for (id, why) in out {
                if let Some(o) = rx.order(id)? {
                    refs.push(OrderRef {
                        id,
                        number: o.number,
                        why,
                    });
                }
            }
            Ok::<_, StoreError>(refs)
        });
        found.unwrap_or_default()
    }

    /// The board filter for `query`: bodies by name, city or SIRET, order numbers, and
    /// orders by any of their references.
    pub fn board_filter(&self, query: &str) -> Option<crate::app::index::BoardFilter> {
        let f = self.index.board_filter(query)?;
        let orders = self
            .orders_by_reference(query, 500)
            .into_iter()
            .map(|r| r.id.0)
            .collect();
        Some(f.with_orders(orders))
    }

    /// The order a person names: its quote number, or — as the palette finds it — the web
    /// shop's reference, the purchase order's number or one of its documents' numbers,
    /// when exactly one order answers.
    pub fn order_by_key(&self, key: &str) -> Result<OrderView, AppError> {
        if parse_order_number(key).is_ok() {
            return self.order_view(key);
        }
        let found = self.orders_by_reference(key, 10);
        let exact: Vec<&OrderRef> = found
            .iter()
            .filter(|r| {
                r.why.eq_ignore_ascii_case(&format!("BC {}", key.trim()))
                    || r.why == key.trim()
                    || r.why == "référence du site"
            })
            .collect();
        match (exact.as_slice(), found.as_slice()) {
            ([one], _) => self.order_view(&one.number.to_string()),
            ([], [one]) => self.order_view(&one.number.to_string()),
            ([], []) => Err(AppError::NotFound(format!(
                "aucune commande pour « {} » (numéro de devis DEV-AAAA-NNNNN, référence du site, n° de bon de commande ou de document)",
                key.trim()
            ))),
            (_, many) => Err(AppError::invalid(format!(
                "« {} » désigne plusieurs commandes : {}",
                key.trim(),
                many.iter()
                    .map(|r| format!("{} ({})", r.number, r.why))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub fn order_view(&self, number: &str) -> Result<OrderView, AppError> {
        let number = parse_order_number(number)?;
        let today = self.today();
        self.store.read(|rx| {
            let order = rx
                .order_by_number(&number)?
                .ok_or_else(|| super::not_found_order(&number))?;
            let customer = rx.customer(order.customer)?.ok_or_else(|| {
                AppError::NotFound(format!("client de la commande {number} introuvable"))
            })?;
            let mut documents = Vec::new();
            for r in &order.documents {
                if let Some(d) = rx.document(&r.number.to_string())? {
                    documents.push(DocSummary::of(&d));
                }
            }
            let card = OrderCard::from_order(&order);
            let mut chorus = Vec::new();
            for d in order.documents.iter().filter(|d| {
                matches!(
                    d.number.kind,
                    crate::domain::DocKind::Invoice | crate::domain::DocKind::CreditNote
                )
            }) {
                chorus.extend(rx.chorus_record(&d.number.to_string())?);
            }
            let letters = rx
                .letters()?
                .into_iter()
                .filter(|l| l.order == order.number)
                .collect();
            let mails = rx
                .mails()?
                .into_iter()
                .filter(|m| m.order == order.number)
                .collect();
            Ok(OrderView {
                chorus,
                letters,
                mails,
                stage: order.stage_on(today),
                totals: order.totals(),
                flags: card.flags(today, &self.settings().ecb_rates),
                invoices: order.lateness(today, &self.settings().ecb_rates),
                penalties: order.penalty_totals(today, &self.settings().ecb_rates),
                timeline: rx.audit_of_order(order.id)?,
                documents,
                customer,
                order,
            })
        })
    }

    pub fn customer(&self, id: CustomerId) -> Result<Customer, AppError> {
        self.store.read(|rx| {
            rx.customer(id)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))
        })
    }

    pub fn customer_by_siret(&self, siret: &str) -> Result<Customer, AppError> {
        let digits: String = siret.chars().filter(|c| c.is_ascii_digit()).collect();
        self.store.read(|rx| {
            rx.customer_by_siret(&digits)?.ok_or_else(|| {
                AppError::NotFound(format!("aucun client de SIRET {}", siret.trim()))
            })
        })
    }

    pub fn customer_view(&self, id: CustomerId) -> Result<CustomerView, AppError> {
        let today = self.today();
        let (customer, cards, timeline) = self.store.read(|rx| {
            let c = rx
                .customer(id)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))?;
            let mut cards = Vec::new();
            for oid in rx.orders_of_customer(id)? {
                if let Some(card) = rx.order_card(oid)? {
                    cards.push(card);
                }
            }
            Ok::<_, AppError>((c, cards, rx.audit_of_customer(id)?))
        })?;
        let outstanding = cards.iter().map(|c| c.outstanding).sum();
        let overdue = cards
            .iter()
            .filter_map(|c| c.overdue(today, &self.settings().ecb_rates))
            .map(|(_, unpaid, _)| unpaid)
            .sum();
        let mut orders: Vec<CardView> = cards.iter().map(|c| card_view(self, c)).collect();
        orders.reverse();
        Ok(CustomerView {
            customer,
            orders,
            outstanding,
            overdue,
            timeline,
        })
    }

    /// Forgets the searches shared between sessions (benchmarks of one session alone).
    #[cfg(feature = "bench")]
    pub fn forget_shared_searches(&self) {
        self.index.forget_shared_searches();
    }

    /// The customer part of [`Self::search_customers`], scoring every candidate: the
    /// reference `bench search` checks the bounded search against.
    #[cfg(feature = "bench")]
    pub fn search_every_candidate(&self, query: &str, previous: Option<&Found>) -> Found {
        self.index
            .search_customers_every_candidate(query, previous, SEARCH_LIMIT)
    }

    /// Fuzzy search across name, city, SIRET and contact names, plus document and order
    /// numbers when the query looks like one. `previous` narrows a growing query.
    pub fn search_customers(
        &self,
        query: &str,
        previous: Option<&Found>,
        limit: usize,
    ) -> SearchResult {
        // Never cancelled: always `Some`.
        self.search_customers_progressive(query, previous, limit, |_| {}, &|| false)
            .unwrap_or_default()
    }

    /// [`Self::search_customers`] in two steps, as a console wants it: `page` gets the
    /// result as soon as its rows are known if its count still needs work (its count is
    /// then a lower bound, shown « ≥ N »), and the result with the exact count is returned
    /// — unless `cancelled` says the answer is no longer wanted (then `None`).
    pub fn search_customers_progressive(
        &self,
        query: &str,
        previous: Option<&Found>,
        limit: usize,
        page: impl FnOnce(&SearchResult),
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Option<SearchResult> {
        let (mut result, snapshot) = self.customer_search_page(query, previous, limit);
        if !result.found.settled() {
            page(&result);
            if !self.count_customer_search(&snapshot, query, limit, &mut result, cancelled) {
                return None;
            }
        }
        Some(result)
    }

    /// The first step of [`Self::search_customers_progressive`]: the result as soon as its
    /// rows are known, and the snapshot of the index its count is made on
    /// ([`Self::count_customer_search`]) when it is not yet exact.
    pub(crate) fn customer_search_page(
        &self,
        query: &str,
        previous: Option<&Found>,
        limit: usize,
    ) -> (SearchResult, Arc<CustomerIndex>) {
        let (found, snapshot) = self.index.search_customers_page(query, previous, limit);
        (self.search_result(query, found, limit), snapshot)
    }

    /// The second step: makes the count of a result from [`Self::customer_search_page`]
    /// exact, unless `cancelled` says it is no longer wanted (then `false`).
    pub(crate) fn count_customer_search(
        &self,
        snapshot: &Arc<CustomerIndex>,
        query: &str,
        limit: usize,
        result: &mut SearchResult,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        let before = result.found.total;
        if !self
            .index
            .settle_customers(snapshot, query, limit, &mut result.found, cancelled)
        {
            return false;
        }
        result.total += result.found.total - before;
        true
    }

    /// The rows of a customer search: documents and orders found by their numbers, SIRETs,
    /// then the fuzzy page, highlighted.
    fn search_result(&self, query: &str, found: Found, limit: usize) -> SearchResult {
        let idx = self.index.customers();
        let mut hits = Vec::new();
        if let Some(prefix) = number_prefix(query)
            && let Ok(numbers) = self
                .store
                .read(|rx| rx.document_numbers_with_prefix(&prefix, limit))
        {
            for n in numbers {
                let customer = self
                    .store
                    .read(|rx| Ok::<_, StoreError>(rx.document(&n)?.map(|d| d.buyer.customer)));
                if let Ok(Some(cid)) = customer
                    && let Some(e) = idx.get(cid)
                {
                    hits.push(CustomerHit::of(cid, e, Some(n), Vec::new()));
                }
            }
        }
        // A SIRET (or its beginning) is looked up in the store's index.
        let digits: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() >= 3
            && digits.len() <= 14
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(ids) = self
                .store
                .read(|rx| rx.customers_with_siret_prefix(&digits, limit))
        {
            for cid in ids {
                if let Some(e) = idx.get(cid) {
                    hits.push(CustomerHit::of(cid, e, None, Vec::new()));
                }
            }
        }
        // Rows found by a number or a SIRET count too, unless the fuzzy search found them.
        let extra = hits
            .iter()
            .filter(|h| h.via_number.is_some() || !found.top.iter().any(|(id, _)| *id == h.id))
            .count();
        let q = Query::new(query);
        with_thread_matcher(|m| {
            for (id, _) in &found.top {
                if hits.len() >= limit {
                    break;
                }
                if hits.iter().any(|h| h.id == *id && h.via_number.is_none()) {
                    continue;
                }
                if let Some(e) = idx.get(*id) {
                    hits.push(CustomerHit::of(*id, e, None, q.highlight(e.name(), m)));
                }
            }
        });
        SearchResult {
            orders: self.orders_by_reference(query, 5),
            total: found.total + extra,
            hits,
            found,
        }
    }

    /// Orders shown in a board column today (`orders --stage`), at most `limit`.
    pub fn orders_in_stage(&self, stage: Stage, limit: usize) -> Vec<CardView> {
        self.index.column(
            stage,
            self.today(),
            None,
            0,
            limit,
            &self.settings().ecb_rates,
        )
    }

    pub fn document(&self, number: &str) -> Result<IssuedDocument, AppError> {
        let n = DocNumber::parse(number).ok_or_else(|| {
            AppError::invalid(format!(
                "« {} » n'est pas un numéro de document",
                number.trim()
            ))
        })?;
        self.store.read(|rx| {
            rx.document(&n.to_string())?
                .ok_or_else(|| AppError::NotFound(format!("document {n} introuvable")))
        })
    }

    /// The stored bytes of a document's file, exactly as issued.
    pub fn document_file(&self, number: &str, format: FileFormat) -> Result<Vec<u8>, AppError> {
        let doc = self.document(number)?;
        let n = doc.number.to_string();
        if doc.synthetic {
            return Err(AppError::NotFound(format!(
                "{n} est un document synthétique (seed) sans fichier"
            )));
        }
        self.store.read(|rx| {
            rx.document_file(&n, format)?.ok_or_else(|| {
                AppError::NotFound(match format {
                    FileFormat::FacturX => {
                        format!("{n} n'a pas de XML Factur-X (seuls factures et avoirs en ont)")
                    }
                    FileFormat::Pdf => format!("{n} n'a pas de PDF"),
                })
            })
        })
    }

    /// The accounting pack of an invoice: the issued PDF's own pages and its credit notes',
    /// the RIB as the invoice printed it with what is left to pay once credit notes and
    /// payments are deducted, and the purchase order (the scan of the original when
    /// attached, else its references) in one PDF, ready for the body's payment service.
    pub fn accounting_pack(&self, invoice: &IssuedDocument) -> Result<Vec<u8>, AppError> {
        let number = invoice.number.to_string();
        let (order, pdf, xml, credits, scan) = self.store.read(|rx| {
            let order = rx
                .order(invoice.order)?
                .ok_or_else(|| AppError::NotFound("commande introuvable".into()))?;
            let pdf = rx.document_file(&number, FileFormat::Pdf)?.ok_or_else(|| {
                AppError::NotFound(format!(
                    "{number} n'a pas de PDF enregistré (document de démonstration sans fichier)"
                ))
            })?;
            let xml = rx.document_file(&number, FileFormat::FacturX)?;
            let mut credits = Vec::new();
            let refs = order
                .invoices
                .iter()
                .find(|i| i.number == invoice.number)
                .map(|i| i.credits.clone())
                .unwrap_or_default();
            for c in refs {
                let n = c.number.to_string();
                let doc = rx
                    .document(&n)?
                    .ok_or_else(|| AppError::NotFound(format!("avoir {n} introuvable")))?;
                let file = rx.document_file(&n, FileFormat::Pdf)?.ok_or_else(|| {
                    AppError::NotFound(format!("l'avoir {n} n'a pas de PDF enregistré"))
                })?;
                credits.push((doc, file));
            }
            let scan = match &order.po_scan {
                Some(_) => rx.attachment(order.id)?,
                None => None,
            };
            Ok::<_, AppError>((order, pdf, xml, credits, scan))
        })?;
        let inv = order.invoices.iter().find(|i| i.number == invoice.number);
        let settlement = order
            .settlements()
            .into_iter()
            .find(|s| s.invoice.number == invoice.number);
        let paid: Cents = settlement
            .as_ref()
            .map(|s| s.paid.iter().map(|(_, a)| *a).sum())
            .unwrap_or_default();
        // A cancelled invoice (or one unknown to its order) has no settlement: nothing to pay.
        let to_pay = settlement.as_ref().map_or(Cents::ZERO, |s| s.unpaid);
        let mut account = vec![format!(
            "Facture {} du {} : {} TTC.",
            invoice.number,
            invoice.date.fr(),
            invoice.totals.incl_vat.fr()
        )];
        for (c, _) in &credits {
            account.push(format!(
                "Avoir {} du {} : − {} TTC ({}).",
                c.number,
                c.date.fr(),
                c.totals.incl_vat.fr(),
                c.reason.as_deref().unwrap_or("réduction")
            ));
        }
        if paid > Cents::ZERO {
            account.push(format!("Déjà réglé : − {}.", paid.fr()));
        }
        if inv.is_some_and(|i| i.is_cancelled()) {
            account.push("La facture est annulée par ses avoirs : aucun paiement n'est dû.".into());
        } else {
            account.push(format!("Reste à payer : {}.", to_pay.fr()));
        }
        let mut lines = Vec::new();
        match &order.po {
            Some(po) => {
                lines.push(format!(
                    "Bon de commande / numéro d'engagement : {}",
                    po.po_number
                ));
                lines.push(format!(
                    "Daté du {} ; original reçu le {}.",
                    po.po_date.fr(),
                    po.received_at.fr()
                ));
                lines.push(format!(
                    "Vérifié par {} : papier à en-tête, daté, signé, cachet officiel, montant conforme au devis {} (version {}).",
                    po.verified_by, order.number, order.quote.version
                ));
                lines.push(format!(
                    "Montant du devis : {} TTC. Montant de la facture : {} TTC.",
                    order.totals().incl_vat.fr(),
                    invoice.totals.incl_vat.fr()
                ));
                lines.push(match &order.po_scan {
                    Some(a) => format!("Le scan de l'original suit (SHA-256 {}).", a.sha256_hex()),
                    None => {
                        "L'original du bon de commande est joint à l'envoi papier de ce dossier."
                            .into()
                    }
                });
            }
            None => lines.push(
                "Aucun bon de commande original n'est enregistré pour cette commande.".into(),
            ),
        }
        let part = match (&order.po_scan, &scan) {
            (Some(a), Some(bytes)) => crate::documents::PackOrder::Scan {
                media_type: &a.media_type,
                bytes,
            },
            _ => crate::documents::PackOrder::Summary,
        };
        // The bank details the invoice printed (read from its Factur-X), never today's
        // settings when they differ: one pack, one account.
        let mut seller = self.settings().seller.clone();
        if let Some(bank) = xml.as_deref().and_then(bank_details_of) {
            if bank.iban != seller.iban {
                seller.bank_name = String::new();
            }
            seller.iban = bank.iban;
            seller.bic = bank.bic;
            seller.bank_holder = bank.holder;
        }
        let credit_pdfs: Vec<Vec<u8>> = credits.into_iter().map(|(_, f)| f).collect();
        let input = crate::documents::PackInput {
            invoice_pdf: &pdf,
            credit_note_pdfs: &credit_pdfs,
            account_lines: &account,
            to_pay,
            po_lines: &lines,
            order: part,
        };
        crate::documents::render_pack(invoice, &seller, &input)
            .map_err(|e| AppError::Render(e.to_string()))
    }

    /// Documents, newest first.
    pub fn documents(&self, offset: usize, limit: usize) -> Result<Vec<DocSummary>, AppError> {
        self.store.read(|rx| {
            let mut out = Vec::new();
            for n in rx.documents_newest(offset, limit)? {
                if let Some(d) = rx.document(&n)? {
                    out.push(DocSummary::of(&d));
                }
            }
            Ok(out)
        })
    }

    pub fn document_count(&self) -> Result<u64, AppError> {
        Ok(self.store.read(|rx| rx.document_count())?)
    }

    /// Newest audit records first.
    pub fn audit(&self, offset: usize, limit: usize) -> Result<Vec<AuditRecord>, AppError> {
        Ok(self.store.read(|rx| rx.audit_newest(offset, limit))?)
    }

    /// A person's saved preferences (theme…), as stored.
    pub fn preference(&self, person: &str) -> Option<Vec<u8>> {
        self.store.read(|rx| rx.preference(person)).ok().flatten()
    }

    /// Saves a person's preferences; a failure only loses the preference.
    pub fn set_preference(&self, person: &str, bytes: &[u8]) {
        if let Err(e) = self.store.write(|tx| tx.set_preference(person, bytes)) {
            tracing::warn!("preference of {person} not saved: {e}");
        }
    }

    pub fn products(&self) -> Result<Vec<crate::domain::Product>, AppError> {
        Ok(self.store.read(|rx| rx.products())?)
    }

    /// Everything the header's « ⚠ N alertes » counts, grouped (overdue invoices with
    /// their interest first), and the bodies awaiting review.
    pub fn alerts(&self) -> Vec<AlertRow> {
        let today = self.today();
        let settings = self.settings();
        let mut rows: Vec<(u8, i64, AlertRow)> = Vec::new();
        // The last letter of each kind per order: what was sent when, or what is due.
        let mut last_letter: std::collections::HashMap<
            (DocNumber, crate::domain::letter::LetterKind),
            crate::domain::letter::Letter,
        > = std::collections::HashMap::new();
        for l in self.store.read(|rx| rx.letters()).unwrap_or_default() {
            last_letter.insert((l.order, l.kind), l);
        }
        let sent = |order: DocNumber, kind: crate::domain::letter::LetterKind| {
            last_letter
                .get(&(order, kind))
                .map(|l| format!("{} le {}", l.reference, l.date.fr()))
        };
        for c in self.index.alert_cards(today, &settings.ecb_rates) {
            let name = self.index.customer_name(c.customer);
            for f in c.flags(today, &settings.ecb_rates) {
                use crate::domain::letter::LetterKind;
                let letters = match &f {
                    Flag::Overdue { .. } => match (
                        sent(c.number, LetterKind::Reminder),
                        sent(c.number, LetterKind::FormalNotice),
                    ) {
                        (_, Some(n)) => format!(" · mise en demeure {n}"),
                        (Some(r), None) => format!(" · relancée {r} (mise en demeure : L)"),
                        (None, None) => " · relance à faire (l)".to_string(),
                    },
                    Flag::PenaltiesOwed(_) => match sent(c.number, LetterKind::InterestClaim) {
                        Some(r) => format!(" · réclamés {r}"),
                        None => " · à réclamer 45 j après le principal (I)".to_string(),
                    },
                    _ => String::new(),
                };
                let (rank, weight, group) = match &f {
                    Flag::Overdue { days, .. } => (0, -(*days as i64), "Factures en retard"),
                    Flag::PenaltiesOwed(owed) => (1, -owed.0, "Intérêts et indemnité dus"),
                    Flag::ExpiringSoon(d) => (2, *d as i64, "Devis qui expirent"),
                    Flag::WaitingOriginal(d) => (3, -(*d as i64), "Pré-commandes sans original"),
                    Flag::Expired => (4, 0, "Devis expirés"),
                    _ => continue,
                };
                rows.push((
                    rank,
                    weight,
                    AlertRow {
                        group,
                        text: format!("{} · {name} · {}{letters}", c.number, f.text()),
                        target: AlertTarget::Order(c.number.to_string()),
                    },
                ));
            }
        }
        let idx = self.index.customers();
        for id in idx.with_status(EligibilityStatus::PendingReview) {
            if let Some(e) = idx.get(id) {
                rows.push((
                    5,
                    id.0 as i64,
                    AlertRow {
                        group: "Clients à examiner",
                        text: format!("{} · {} · SIRET {}", e.name(), e.city(), e.siret()),
                        target: AlertTarget::Customer(id),
                    },
                ));
            }
        }
        // Invoices Chorus Pro needs a person for: refused, rejected, suspended, to recycle.
        if self.chorus_attention_count() > 0 {
            for r in self.chorus_records().unwrap_or_default() {
                let Some(what) = r.needs_attention() else {
                    continue;
                };
                let order = self
                    .document(&r.number.to_string())
                    .ok()
                    .and_then(|d| self.store.read(|rx| rx.order(d.order)).ok().flatten());
                let Some(order) = order else { continue };
                rows.push((
                    6,
                    r.queued_at.0,
                    AlertRow {
                        group: "Chorus Pro",
                        text: format!("{} · {} · {what}", r.number, order.number),
                        target: AlertTarget::Order(order.number.to_string()),
                    },
                ));
            }
        }
        rows.sort_by_key(|(rank, weight, _)| (*rank, *weight));
        rows.into_iter().map(|(_, _, r)| r).collect()
    }

    /// The stock screen: every product with what is on hand, reserved for open orders,
    /// available, and still to deliver on orders whose original is in (or pre-ordered).
    pub fn stock_view(&self) -> Result<Vec<StockRow>, AppError> {
        Ok(self.store.read(|rx| {
            let mut to_deliver: std::collections::HashMap<String, (i64, usize)> =
                std::collections::HashMap::new();
            for stage in [Stage::PreOrder, Stage::PoReceived] {
                for id in rx.orders_in_stage(stage, usize::MAX)? {
                    if let Some(o) = rx.order(id)? {
                        for l in &o.lines {
                            let e = to_deliver.entry(l.sku.clone()).or_default();
                            e.0 += l.to_deliver() as i64;
                            e.1 += 1;
                        }
                    }
                }
            }
            let rows = rx
                .products()?
                .into_iter()
                .map(|p| {
                    let (due, orders) = to_deliver.get(&p.sku).copied().unwrap_or_default();
                    StockRow {
                        available: p.available(),
                        to_deliver: due,
                        orders,
                        sku: p.sku,
                        designation: p.designation,
                        on_hand: p.on_hand,
                        reserved: p.reserved,
                    }
                })
                .collect::<Vec<_>>();
            Ok::<_, StoreError>(rows)
        })?)
    }
}

/// The bank account an invoice's Factur-X names (BT-84 IBAN, BT-85 holder, BT-86 BIC).
struct BankDetails {
    iban: String,
    bic: String,
    holder: String,
}

fn bank_details_of(xml: &[u8]) -> Option<BankDetails> {
    let text = std::str::from_utf8(xml).ok()?;
    let doc = roxmltree::Document::parse(text).ok()?;
    let leaf = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
    };
    Some(BankDetails {
        iban: leaf("IBANID")?,
        bic: leaf("BICID").unwrap_or_default(),
        holder: leaf("AccountName").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::number_prefix;

    #[test]
    fn number_like_queries() {
        assert_eq!(number_prefix("FA-2026-001").as_deref(), Some("FA-2026-001"));
        assert_eq!(
            number_prefix("fa 2026 00103").as_deref(),
            Some("FA-2026-00103")
        );
        assert_eq!(number_prefix("dev2026").as_deref(), Some("DEV-2026"));
        assert_eq!(number_prefix("AV"), None);
        assert_eq!(number_prefix("lycée"), None);
        assert_eq!(number_prefix("fanny"), None);
    }
}

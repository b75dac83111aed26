//! Order use cases: one write transaction each, audited, then published.

use super::{Actor, App, AppError, parse_order_number};
use crate::domain::Permission;
use crate::domain::credit::IssuedTotals;
use crate::domain::money::MAX_AMOUNT;
use crate::domain::order::Attachment;
use crate::domain::pipeline::{
    self, CreditScope, Ctx, DelayNotice, Issued, OriginalPoInput, Shortage, Step, Stock,
};
use crate::domain::{
    Action, Cents, Customer, CustomerId, Date, DocKind, DocNumber, EligibilityStatus, Event,
    IssuedDocument, Order, OrderId, PipelineError, Product, Stage,
};
use crate::store::Tx;
use sha2::Digest;

/// Units one stock adjustment may add or remove, and the most a product may hold.
const MAX_STOCK_CHANGE: i64 = 1_000_000;
const MAX_STOCK: i64 = 10_000_000;

impl App {
    /// A transition that changes an order (and maybe stock) without issuing a document.
    pub(super) fn order_step(
        &self,
        actor: &Actor,
        permission: Permission,
        number: &str,
        f: impl FnOnce(&Order, &Customer, &mut Stock, &Ctx) -> Result<Step, PipelineError>,
    ) -> Result<Order, AppError> {
        actor.require(permission)?;
        let number = parse_order_number(number)?;
        let now = self.now();
        let ctx = Ctx {
            now,
            actor: &actor.name,
        };
        let order = self
            .write_as(actor, permission, |tx| {
                let (order, customer) = App::find_order(tx, &number)?;
                let mut stock = App::stock_for(tx, &order)?;
                let step = f(&order, &customer, &mut stock, &ctx)?;
                App::save_stock(tx, &stock)?;
                tx.put_order(&step.order)?;
                self.write_audit(tx, actor, now, Some(&step.order), None, step.events)?;
                Ok::<_, AppError>(step.order)
            })
            .inspect_err(|e| self.audit_refused(actor, &number, e))?;
        self.publish(vec![order.id], vec![]);
        Ok(order)
    }

    /// A transition that issues a document: the number is drawn, the files rendered and
    /// stored, the order updated, all in one transaction.
    fn order_issue(
        &self,
        actor: &Actor,
        permission: Permission,
        number: &str,
        kind: DocKind,
        f: impl FnOnce(
            &Order,
            &Customer,
            &mut Stock,
            &IssuedTotals,
            DocNumber,
            &Ctx,
        ) -> Result<Issued, PipelineError>,
    ) -> Result<IssuedDocument, AppError> {
        actor.require(permission)?;
        let number = parse_order_number(number)?;
        let mut refused: Option<(&'static str, String)> = None;
        let (doc, order_id, queued) = self
            .write_as(actor, permission, |tx| {
                // Read under the write lock: documents of a series are stamped in the order
                // their numbers are drawn.
                let now = self.now();
                let ctx = Ctx {
                    now,
                    actor: &actor.name,
                };
                let (order, customer) = App::find_order(tx, &number)?;
                let mut stock = App::stock_for(tx, &order)?;
                // A credit note is bounded by what the invoice charged, rate by rate, as issued.
                let totals = if kind == DocKind::CreditNote {
                    App::issued_totals(tx, &order)?
                } else {
                    IssuedTotals::new()
                };
                let doc_number = super::draw_number(tx, kind, ctx.now)?;
                let issued = f(&order, &customer, &mut stock, &totals, doc_number, &ctx)
                    .inspect_err(|e| refused = Some((e.op.phrase(), e.reason.to_string())))?;
                let doc = self.store_document(tx, issued.document)?;
                App::save_stock(tx, &stock)?;
                tx.put_order(&issued.order)?;
                let mut events = issued.events;
                // `[chorus] mode = "on_issue"`: queued in the issuing transaction, so no
                // invoice is ever issued and forgotten.
                let queued = self.settings().chorus_on_issue
                    && matches!(kind, DocKind::Invoice | DocKind::CreditNote);
                if queued {
                    tx.put_chorus(&crate::domain::chorus::ChorusRecord::new(doc.number, now))?;
                    events.push(
                        Event::new(Action::Chorus, "", "")
                            .detail(format!("{} mise en file pour Chorus Pro", doc.number))
                            .document(doc.number),
                    );
                }
                self.write_audit(tx, actor, now, Some(&issued.order), None, events)?;
                Ok::<_, AppError>((doc, issued.order.id, queued))
            })
            .inspect_err(|_| {
                if let Some((what, why)) = refused.take() {
                    self.audit_refusal(actor, Some(&number), what, &why);
                }
            })?;
        self.metrics.document(doc.number.kind);
        if queued {
            self.note_chorus_mark(
                order_id,
                doc.number,
                crate::domain::chorus::ChorusMark::Pending,
            );
        }
        self.publish_issued(vec![order_id], vec![]);
        Ok(doc)
    }

    /// Records a business refusal of a step (not a missing order or a typing error).
    fn audit_refused(&self, actor: &Actor, number: &DocNumber, e: &AppError) {
        if let AppError::Refused(p) = e {
            self.audit_refusal(actor, Some(number), p.op.phrase(), &p.reason.to_string());
        }
    }

    /// The totals of the order's invoices and credit notes, as issued.
    fn issued_totals(tx: &Tx, order: &Order) -> Result<IssuedTotals, AppError> {
        let mut out = IssuedTotals::new();
        for d in order
            .documents
            .iter()
            .filter(|d| matches!(d.number.kind, DocKind::Invoice | DocKind::CreditNote))
        {
            if let Some(doc) = tx.document(&d.number.to_string())? {
                out.insert(d.number, doc.totals);
            }
        }
        Ok(out)
    }

    /// What a pre-order of this quote could not reserve, to show before confirming.
    pub fn shortages(&self, number: &str) -> Result<Vec<Shortage>, AppError> {
        let number = parse_order_number(number)?;
        self.store.read(|rx| {
            let order = rx
                .order_by_number(&number)?
                .ok_or_else(|| super::not_found_order(&number))?;
            let mut stock = Stock::new();
            for l in &order.lines {
                if let Some(p) = rx.product(&l.sku)? {
                    stock.insert(l.sku.clone(), p);
                }
            }
            Ok(pipeline::shortages(&order, &stock))
        })
    }

    /// The lines a delivery of `quantities` would be refused for (stock short), with what
    /// each can ship now: said before the delivery is confirmed.
    pub fn delivery_shortfalls(
        &self,
        number: &str,
        quantities: &[u32],
    ) -> Result<Vec<(usize, Shortage)>, AppError> {
        let number = parse_order_number(number)?;
        self.store.read(|rx| {
            let order = rx
                .order_by_number(&number)?
                .ok_or_else(|| super::not_found_order(&number))?;
            let mut stock = Stock::new();
            for l in &order.lines {
                if let Some(p) = rx.product(&l.sku)? {
                    stock.insert(l.sku.clone(), p);
                }
            }
            Ok(pipeline::delivery_shortfalls(&order, &stock, quantities))
        })
    }

    /// The emailed copy arrived: goods are reserved.
    pub fn record_pre_order(&self, actor: &Actor, number: &str) -> Result<Order, AppError> {
        self.order_step(
            actor,
            Permission::OrderStep,
            number,
            pipeline::record_pre_order,
        )
    }

    /// The original purchase order arrived and was checked.
    pub fn mark_original_received(
        &self,
        actor: &Actor,
        number: &str,
        input: &OriginalPoInput,
    ) -> Result<Order, AppError> {
        // What the body's Chorus Pro structure requires, checked before the original is
        // accepted (read outside any transaction; not checked when Chorus cannot say).
        let key = parse_order_number(number)?;
        if let Ok(v) = self.order_view(number)
            && let Some(problem) =
                self.chorus_routing_problem(v.customer.siret.as_str(), &v.customer.chorus)
        {
            let why = format!("{problem} — avant d'accepter l'original");
            self.audit_refusal(
                actor,
                Some(&key),
                "enregistrer le bon de commande original",
                &why,
            );
            return Err(AppError::invalid(why));
        }
        self.order_step(actor, Permission::OrderStep, number, |o, c, s, ctx| {
            pipeline::mark_original_received(o, c, s, input, ctx)
        })
    }

    /// Ships the remaining quantities, or `quantities` per line.
    pub fn issue_delivery_note(
        &self,
        actor: &Actor,
        number: &str,
        quantities: Option<&[u32]>,
    ) -> Result<IssuedDocument, AppError> {
        self.order_issue(
            actor,
            Permission::IssueDocument,
            number,
            DocKind::DeliveryNote,
            |o, c, s, _, n, ctx| pipeline::issue_delivery_note(o, c, s, quantities, n, ctx),
        )
    }

    /// Bills everything delivered and not yet billed.
    pub fn issue_invoice(&self, actor: &Actor, number: &str) -> Result<IssuedDocument, AppError> {
        let rates = self.settings().ecb_rates.clone();
        self.order_issue(
            actor,
            Permission::IssueDocument,
            number,
            DocKind::Invoice,
            |o, c, _, _, n, ctx| pipeline::issue_invoice(o, c, n, &rates, ctx),
        )
    }

    /// Cancels or reduces an invoice of the order (the only live one when `invoice` is
    /// `None`).
    pub fn issue_credit_note(
        &self,
        actor: &Actor,
        number: &str,
        invoice: Option<DocNumber>,
        scope: &CreditScope,
        reason: &str,
    ) -> Result<IssuedDocument, AppError> {
        if let CreditScope::Amount { net, .. } = scope
            && *net > MAX_AMOUNT
        {
            return Err(AppError::Invalid(format!(
                "montant trop élevé ({}, au plus {})",
                net.fr(),
                MAX_AMOUNT.fr()
            )));
        }
        self.order_issue(
            actor,
            Permission::IssueDocument,
            number,
            DocKind::CreditNote,
            |o, c, _, issued, n, ctx| {
                pipeline::issue_credit_note(o, c, invoice, scope, issued, reason, n, ctx)
            },
        )
    }

    /// What the body notified about an invoice's payment delay: its receipt, an
    /// interruption, a resumption (décret n° 2013-269).
    pub fn record_delay_notice(
        &self,
        actor: &Actor,
        number: &str,
        invoice: Option<DocNumber>,
        date: Date,
        notice: &DelayNotice,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::PaymentDelay, number, |o, _, _, ctx| {
            pipeline::record_delay_notice(o, invoice, date, notice, ctx)
        })
    }

    /// Attaches the scan of the original purchase order (PDF, PNG or JPEG), checked and
    /// stored once with its SHA-256.
    pub fn attach_po_scan(
        &self,
        actor: &Actor,
        number: &str,
        bytes: &[u8],
    ) -> Result<Order, AppError> {
        actor.require(Permission::OrderStep)?;
        if bytes.is_empty() {
            return Err(AppError::invalid(
                "aucun fichier reçu : envoyez le scan sur l'entrée standard (ssh … order attach-po N < scan.pdf)",
            ));
        }
        let info = crate::documents::inspect_scan(bytes).map_err(AppError::invalid)?;
        let number = parse_order_number(number)?;
        let now = self.now();
        let sha256: [u8; 32] = sha2::Sha256::digest(bytes).into();
        let scan = Attachment {
            media_type: info.kind.media_type().to_string(),
            sha256,
            size: bytes.len() as u64,
            attached_by: actor.name.clone(),
            attached_at: now,
        };
        let order = self.write_as(actor, Permission::OrderStep, |tx| {
            let (order, _) = App::find_order(tx, &number)?;
            let step = pipeline::attach_po_scan(&order, scan, info.pages)?;
            tx.insert_attachment(order.id, bytes)?;
            tx.put_order(&step.order)?;
            self.write_audit(tx, actor, now, Some(&step.order), None, step.events)?;
            Ok::<_, AppError>(step.order)
        })?;
        self.publish(vec![order.id], vec![]);
        Ok(order)
    }

    /// Chooses the delivery address and contact among the customer's (from 1), until the
    /// first delivery.
    pub fn choose_delivery(
        &self,
        actor: &Actor,
        number: &str,
        address: Option<usize>,
        contact: Option<usize>,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::OrderStep, number, |o, c, _, _| {
            pipeline::choose_delivery(o, c, address, contact)
        })
    }

    /// Moratory interest and indemnity received, apart from the principal.
    pub fn record_penalty_payment(
        &self,
        actor: &Actor,
        number: &str,
        date: Date,
        amount: Cents,
        reference: &str,
    ) -> Result<Order, AppError> {
        let rates = &self.settings().ecb_rates;
        self.order_step(actor, Permission::Payment, number, |o, _, _, ctx| {
            pipeline::record_penalty_payment(o, date, amount, reference, rates, ctx)
        })
    }

    /// An admin waives interest and indemnity owed (all, or `amount`), with a reason.
    pub fn waive_penalties(
        &self,
        actor: &Actor,
        number: &str,
        amount: Option<Cents>,
        reason: &str,
    ) -> Result<Order, AppError> {
        actor.require(Permission::WaiveInterest)?;
        let rates = &self.settings().ecb_rates;
        self.order_step(actor, Permission::WaiveInterest, number, |o, _, _, ctx| {
            pipeline::waive_penalties(o, amount, reason, rates, ctx)
        })
    }

    /// A mandate was paid.
    pub fn record_payment(
        &self,
        actor: &Actor,
        number: &str,
        date: Date,
        amount: Cents,
        reference: &str,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::Payment, number, |o, _, _, ctx| {
            pipeline::record_payment(o, date, amount, reference, false, ctx)
        })
    }

    /// A mandate paid more than the live invoices ask for, and staff saw the money on the
    /// bank statement: recorded whole, the excess owed back to the body.
    pub fn record_overpayment(
        &self,
        actor: &Actor,
        number: &str,
        date: Date,
        amount: Cents,
        reference: &str,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::Payment, number, |o, _, _, ctx| {
            pipeline::record_payment(o, date, amount, reference, true, ctx)
        })
    }

    /// Money paid back to the body, out of its « trop-perçu ».
    pub fn record_refund(
        &self,
        actor: &Actor,
        number: &str,
        date: Date,
        amount: Cents,
        reference: &str,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::Payment, number, |o, _, _, ctx| {
            pipeline::record_refund(o, date, amount, reference, ctx)
        })
    }

    /// Cancels before delivery, releasing reservations.
    pub fn cancel_order(
        &self,
        actor: &Actor,
        number: &str,
        reason: &str,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::OrderStep, number, |o, _, s, ctx| {
            pipeline::cancel(o, s, reason, ctx)
        })
    }

    /// The body declined the quote.
    pub fn refuse_quote(
        &self,
        actor: &Actor,
        number: &str,
        reason: &str,
    ) -> Result<Order, AppError> {
        self.order_step(actor, Permission::Quote, number, |o, _, s, ctx| {
            pipeline::refuse_quote(o, s, reason, ctx)
        })
    }

    /// Renews an expired quote as a new version at current prices; returns the new order.
    pub fn renew_quote(&self, actor: &Actor, number: &str) -> Result<Order, AppError> {
        actor.require(Permission::Quote)?;
        let number = parse_order_number(number)?;
        let (old_id, new_order) = self.write_as(actor, Permission::Quote, |tx| {
            let now = self.now();
            let ctx = Ctx {
                now,
                actor: &actor.name,
            };
            let (old, customer) = App::find_order(tx, &number)?;
            let catalogue = App::stock_for(tx, &old)?;
            let id = OrderId(tx.next_id("order")?);
            let new_number = super::draw_number(tx, DocKind::Quote, ctx.now)?;
            let (old2, issued) =
                pipeline::renew_quote(&old, &customer, &catalogue, id, new_number, &ctx)?;
            self.store_document(tx, issued.document)?;
            tx.put_order(&old2)?;
            tx.put_order(&issued.order)?;
            let (renewal, quote): (Vec<Event>, Vec<Event>) = issued
                .events
                .into_iter()
                .partition(|e| e.action == Action::QuoteRenewed);
            self.write_audit(tx, actor, now, Some(&old2), None, renewal)?;
            self.write_audit(tx, actor, now, Some(&issued.order), None, quote)?;
            Ok::<_, AppError>((old2.id, issued.order))
        })?;
        self.metrics.document(DocKind::Quote);
        self.publish_issued(vec![old_id, new_order.id], vec![]);
        Ok(new_order)
    }

    /// Replaces a quote's lines before its original arrives (`SKU`, quantity): a new version
    /// is issued, the old one kept and marked as replaced. Lines already on the quote keep
    /// their terms; new ones take the catalogue's. Returns the new version.
    pub fn revise_quote(
        &self,
        actor: &Actor,
        number: &str,
        lines: &[(String, u32)],
    ) -> Result<Order, AppError> {
        actor.require(Permission::Quote)?;
        let number = parse_order_number(number)?;
        let (old_id, new_order) = self
            .write_as(actor, Permission::Quote, |tx| {
                let now = self.now();
                let ctx = Ctx {
                    now,
                    actor: &actor.name,
                };
                let (old, customer) = App::find_order(tx, &number)?;
                let quote_lines = super::customers::quote_lines(tx, lines, &old.lines)?;
                let id = OrderId(tx.next_id("order")?);
                let new_number = super::draw_number(tx, DocKind::Quote, ctx.now)?;
                let (old2, issued) =
                    pipeline::revise_quote(&old, &customer, quote_lines, id, new_number, &ctx)?;
                self.store_document(tx, issued.document)?;
                tx.put_order(&old2)?;
                tx.put_order(&issued.order)?;
                let (revision, quote): (Vec<Event>, Vec<Event>) = issued
                    .events
                    .into_iter()
                    .partition(|e| e.action == Action::QuoteRenewed);
                self.write_audit(tx, actor, now, Some(&old2), None, revision)?;
                self.write_audit(tx, actor, now, Some(&issued.order), None, quote)?;
                Ok::<_, AppError>((old2.id, issued.order))
            })
            .inspect_err(|e| self.audit_refused(actor, &number, e))?;
        self.metrics.document(DocKind::Quote);
        self.publish_issued(vec![old_id, new_order.id], vec![]);
        Ok(new_order)
    }

    /// Approves or refuses a body for the administrative procedure (admins only). Refusing
    /// also refuses its open quotes and pre-orders, releasing their reservations.
    pub fn decide_eligibility(
        &self,
        actor: &Actor,
        customer: CustomerId,
        status: EligibilityStatus,
        reason: &str,
    ) -> Result<Customer, AppError> {
        actor.require(Permission::Eligibility)?;
        let now = self.now();
        let ctx = Ctx {
            now,
            actor: &actor.name,
        };
        let (updated, touched) = self.write_as(actor, Permission::Eligibility, |tx| {
            let c = tx
                .customer(customer)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))?;
            let (updated, event) = pipeline::decide_eligibility(&c, status, reason, &ctx)?;
            tx.put_customer(&updated)?;
            self.write_audit(tx, actor, now, None, Some(updated.id), vec![event])?;
            let mut touched = Vec::new();
            if status == EligibilityStatus::Refused {
                for id in tx.orders_of_customer(updated.id)? {
                    let Some(order) = tx.order(id)? else { continue };
                    if !matches!(order.stage, Stage::Quote | Stage::PreOrder)
                        || order.quote.renewed_by.is_some()
                    {
                        continue;
                    }
                    let mut stock = App::stock_for(tx, &order)?;
                    let why = format!("client refusé : {}", reason.trim());
                    let step = pipeline::refuse_quote(&order, &mut stock, &why, &ctx)?;
                    App::save_stock(tx, &stock)?;
                    tx.put_order(&step.order)?;
                    self.write_audit(tx, actor, now, Some(&step.order), None, step.events)?;
                    touched.push(id);
                }
            }
            Ok::<_, AppError>((updated, touched))
        })?;
        self.publish(touched, vec![customer]);
        Ok(updated)
    }

    /// Adds (or removes, with a negative delta) units to a product's stock.
    pub fn adjust_stock(
        &self,
        actor: &Actor,
        sku: &str,
        delta: i64,
        reason: &str,
    ) -> Result<Product, AppError> {
        actor.require(Permission::Stock)?;
        if reason.trim().is_empty() {
            return Err(AppError::invalid(
                "un motif est obligatoire pour ajuster le stock",
            ));
        }
        if let Some(c) = crate::domain::text::first_refused(reason.trim(), false) {
            return Err(AppError::invalid(format!(
                "le motif {}",
                crate::domain::text::refused_char(c)
            )));
        }
        let now = self.now();
        let product = self.write_as(actor, Permission::Stock, |tx| {
            let mut p = tx
                .product(sku)?
                .ok_or_else(|| AppError::NotFound(format!("produit {sku} introuvable")))?;
            let before = p.on_hand;
            p.on_hand = match before.checked_add(delta) {
                Some(n) if delta.abs() <= MAX_STOCK_CHANGE && n <= MAX_STOCK => n,
                _ => {
                    return Err(AppError::invalid(format!(
                        "ajustement de {delta:+} refusé : au plus {MAX_STOCK_CHANGE} unités à la fois, {MAX_STOCK} en stock"
                    )));
                }
            };
            if p.on_hand < p.reserved {
                return Err(AppError::invalid(format!(
                    "le stock de {sku} tomberait à {} alors que {} unité(s) sont réservées",
                    p.on_hand, p.reserved
                )));
            }
            tx.put_product(&p)?;
            let ev = Event::new(
                Action::StockAdjusted,
                before.to_string(),
                p.on_hand.to_string(),
            )
            .detail(format!("{sku} : {delta:+} ({})", reason.trim()));
            self.write_audit(tx, actor, now, None, None, vec![ev])?;
            Ok::<_, AppError>(p)
        })?;
        self.publish(vec![], vec![]);
        Ok(product)
    }

    /// Creates or replaces a catalogue product (admins only); stock and reservations are kept.
    pub fn upsert_product(&self, actor: &Actor, product: Product) -> Result<Product, AppError> {
        actor.require(Permission::Catalogue)?;
        if product.sku.trim().is_empty() || product.designation.trim().is_empty() {
            return Err(AppError::invalid(
                "un produit a besoin d'une référence et d'une désignation",
            ));
        }
        for (field, text, max) in [
            ("référence", &product.sku, 40),
            ("désignation", &product.designation, 300),
        ] {
            if let Some((_, why)) = crate::domain::customer::text_problem(field, text, max, true) {
                return Err(AppError::invalid(format!("{field} : {why}")));
            }
        }
        if product.unit_price < Cents::ZERO || product.on_hand < 0 {
            return Err(AppError::invalid(
                "prix et stock ne peuvent pas être négatifs",
            ));
        }
        if product.unit_price > MAX_AMOUNT || product.on_hand > MAX_STOCK {
            return Err(AppError::invalid(format!(
                "prix au plus {}, stock au plus {MAX_STOCK}",
                MAX_AMOUNT.fr()
            )));
        }
        let now = self.now();
        let saved = self.write_as(actor, Permission::Catalogue, |tx| {
            let mut p = product.clone();
            if let Some(old) = tx.product(&p.sku)? {
                p.reserved = old.reserved;
                p.on_hand = p.on_hand.max(old.reserved);
            } else {
                p.reserved = 0;
            }
            tx.put_product(&p)?;
            let ev = Event::new(Action::ProductUpserted, "", p.sku.clone()).detail(format!(
                "{} à {} HT, stock {}",
                p.designation,
                p.unit_price.fr(),
                p.on_hand
            ));
            self.write_audit(tx, actor, now, None, None, vec![ev])?;
            Ok::<_, AppError>(p)
        })?;
        Ok(saved)
    }
}

/// Saves a new customer with its creation audit event (used by import and seed).
pub(crate) fn create_customer_in(
    tx: &mut Tx<'_>,
    app: &App,
    actor: &Actor,
    c: &Customer,
) -> Result<(), AppError> {
    tx.put_customer(c)?;
    let ev = Event::new(Action::CustomerCreated, "", c.eligibility.status.label()).detail(format!(
        "{} ({}), {}",
        c.legal_name, c.siret, c.eligibility.reason
    ));
    app.write_audit(tx, actor, c.created_at, None, Some(c.id), vec![ev])?;
    Ok(())
}

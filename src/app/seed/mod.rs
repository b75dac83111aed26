//! `comptoir seed`: realistic synthetic data for demos and benchmarks.
//!
//! Orders are simulated as a discrete-event timeline over the 18 months before `today`:
//! each order gets a fate (expires, refused, cancelled, or goes all the way to payment,
//! with pre-orders, partial deliveries, late payments and credit notes), and every step
//! runs through the same pure transitions as the console, in time order, so numbers are
//! chronological and gapless, stock moves, and `check` finds nothing. Deterministic for a
//! given seed value and `today`.

use super::record_events;
use super::seed_data::*;

mod bodies;

use crate::documents::Renderer;
use crate::domain::interest::EcbRates;
use crate::domain::pipeline::{
    self, CreditScope, Ctx, Issued, NewQuote, OriginalPoInput, QuoteLine, Step, Stock,
};
use crate::domain::seller::Seller;
use crate::domain::{
    Action, ActorKind, ActorRef, Address, Cents, Checklist, ChorusRouting, Contact, Customer,
    CustomerId, CustomerKind, Date, DocKind, Eligibility, EligibilityStatus, Event, IssuedDocument,
    Order, OrderId, Product, Siret, Timestamp, VatRate, ids,
};
use crate::store::{Store, StoreError, Tx};
#[cfg(feature = "bench")]
pub(crate) use bodies::synthetic_customers;
use bodies::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use thiserror::Error;

/// Whether issued documents get their PDF/XML rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DocumentMode {
    /// Render and store every file (demo-sized data).
    Full,
    /// Store document records only, marked synthetic (benchmark-sized data).
    Records,
}

#[derive(Clone, Debug)]
pub(crate) struct SeedOptions {
    pub customers: u64,
    pub orders: u64,
    pub seed: u64,
    pub today: Date,
    pub documents: DocumentMode,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct SeedReport {
    pub customers: u64,
    pub orders: u64,
    pub documents: u64,
    pub audit_records: u64,
}

#[derive(Debug, Error)]
pub(crate) enum SeedError {
    #[error("le magasin contient déjà des données ({0} clients) : seed demande un dossier vide")]
    NotEmpty(u64),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error(
        "simulation : {0} (le dossier contient des données partielles : supprimez-le et recommencez)"
    )]
    Sim(String),
}

/// SplitMix64: tiny, fast, and stable across versions (unlike a crate's default RNG).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What will happen to an order.
#[derive(Clone, Copy, Debug)]
enum Fate {
    Expire {
        renew: bool,
    },
    Refuse,
    Cancel,
    Complete {
        pre_order: bool,
        partial: bool,
        credit_note: bool,
        late_payment: bool,
    },
}

/// The next thing to do to an order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Next {
    PreOrder,
    Original,
    Refuse,
    Cancel,
    Deliver { partial: bool },
    Invoice,
    CreditNote,
    Reinvoice,
    Pay,
    Penalties,
    Renew,
}

/// What a step of an order knows: when, by whom, for which body.
struct Turn<'c> {
    at: Timestamp,
    who: &'static str,
    ctx: Ctx<'c>,
    customer: &'c Customer,
    year: u16,
}

struct SimOrder {
    order: Order,
    customer: usize,
    fate: Fate,
    next: Next,
}

/// Heap entry ordered by time, then insertion sequence (stable, deterministic).
struct Pending {
    at: Timestamp,
    seq: u64,
    sim: Box<SimOrder>,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

struct Sim<'a> {
    rng: Rng,
    opts: SeedOptions,
    customers: Vec<Customer>,
    approved: Vec<usize>,
    pending: Vec<usize>,
    stock: Stock,
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    created: u64,
    start: Timestamp,
    end: Timestamp,
    /// The time of the last event run: events never go back in time, so numbers and
    /// issue times agree.
    last_at: Timestamp,
    renderer: &'a dyn Renderer,
    seller: &'a Seller,
    report: SeedReport,
    finished: Vec<Order>,
}

/// Office hours in Paris: a timestamp on `day` between 08:30 and 18:00.
fn office_time(rng: &mut Rng, day: Date) -> Timestamp {
    let t = Timestamp::from_date_utc(day, 7 * 3600 + 1800 + rng.range(0, 9 * 3600));
    t.add_secs(-(t.paris_offset() - 3600))
}

impl<'a> Sim<'a> {
    fn schedule(&mut self, sim: Box<SimOrder>, at: Timestamp) {
        if at > self.end {
            self.finished.push(sim.order);
            return;
        }
        self.seq += 1;
        self.heap.push(Reverse(Pending {
            at,
            seq: self.seq,
            sim,
        }));
    }

    fn after_days(&mut self, from: Timestamp, lo: i64, hi: i64) -> Timestamp {
        let day = from.paris_date().add_days(self.rng.range(lo, hi) as i32);
        office_time(&mut self.rng, day)
    }

    fn write_document(
        &mut self,
        tx: &mut Tx<'_>,
        mut doc: IssuedDocument,
    ) -> Result<(), SeedError> {
        match self.opts.documents {
            DocumentMode::Full => {
                super::render_and_insert(tx, self.renderer, self.seller, doc)
                    .map_err(|e| SeedError::Sim(e.to_string()))?;
            }
            DocumentMode::Records => {
                doc.synthetic = true;
                tx.insert_document(&doc, &[])?;
            }
        }
        self.report.documents += 1;
        Ok(())
    }

    fn audit(
        &mut self,
        tx: &mut Tx<'_>,
        who: &str,
        at: Timestamp,
        order: &Order,
        events: Vec<Event>,
    ) -> Result<(), SeedError> {
        self.report.audit_records += events.len() as u64;
        record_events(tx, &actor(who), at, Some(order), None, events)?;
        Ok(())
    }

    /// Makes sure every unit the order still needs can be reserved or shipped (lines of
    /// the same product add up).
    fn restock(&mut self, tx: &mut Tx<'_>, order: &Order, at: Timestamp) -> Result<(), SeedError> {
        let mut needed: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for l in &order.lines {
            *needed.entry(l.sku.as_str()).or_default() +=
                (l.ordered - l.delivered - l.reserved) as i64;
        }
        for (sku, needed) in needed {
            if let Some(p) = self.stock.get_mut(sku)
                && p.available() < needed
            {
                let before = p.on_hand;
                p.on_hand += needed + 200;
                let ev = Event::new(
                    Action::StockAdjusted,
                    before.to_string(),
                    p.on_hand.to_string(),
                )
                .detail(format!("{sku} : +{} (réception fournisseur)", needed + 200));
                self.report.audit_records += 1;
                record_events(tx, &actor("logistique"), at, None, None, vec![ev])?;
            }
        }
        Ok(())
    }

    /// Creates order number `self.created` at its place on the timeline.
    fn create_order(&mut self, tx: &mut Tx<'_>) -> Result<(), SeedError> {
        let k = self.created;
        self.created += 1;
        let span = (self.end.0 - self.start.0).max(1);
        let day = Timestamp(
            self.start.0 + (span as i128 * k as i128 / self.opts.orders.max(1) as i128) as i64,
        )
        .paris_date();
        let at = office_time(&mut self.rng, day).max(self.last_at);
        self.last_at = at;
        let pending_body = !self.pending.is_empty() && self.rng.chance(4);
        let pool = if pending_body || self.approved.is_empty() {
            &self.pending
        } else {
            &self.approved
        };
        if pool.is_empty() {
            return Ok(());
        }
        let ci = pool[self.rng.below(pool.len() as u64) as usize];
        let fate = if pending_body {
            if self.rng.chance(50) {
                Fate::Expire { renew: false }
            } else {
                Fate::Refuse
            }
        } else {
            match self.rng.below(100) {
                0..=7 => Fate::Expire {
                    renew: self.rng.chance(30),
                },
                8..=10 => Fate::Refuse,
                11..=13 => Fate::Cancel,
                _ => Fate::Complete {
                    pre_order: self.rng.chance(60),
                    partial: self.rng.chance(10),
                    credit_note: self.rng.chance(2),
                    late_payment: self.rng.chance(25),
                },
            }
        };
        let lines = (0..self.rng.range(1, 6))
            .map(|_| {
                let (sku, designation, price) = *self.rng.pick(PRODUCTS);
                let big = sku.starts_with("CASQ-ELEVE")
                    || sku.starts_with("ENC-PLAF")
                    || sku.starts_with("CAB-");
                QuoteLine {
                    sku: sku.into(),
                    designation: designation.into(),
                    unit_price: Cents(price),
                    vat: VatRate::STANDARD,
                    exemption: None,
                    quantity: if big {
                        self.rng.range(5, 30) as u32
                    } else {
                        self.rng.range(1, 6) as u32
                    },
                }
            })
            .collect();
        let order = self.new_quote(tx, ci, lines, 1, None, at)?;
        let next = match fate {
            Fate::Expire { renew: true } => Next::Renew,
            Fate::Expire { renew: false } => {
                self.finished.push(order);
                return Ok(());
            }
            Fate::Refuse => Next::Refuse,
            Fate::Cancel
            | Fate::Complete {
                pre_order: false, ..
            } => Next::Original,
            Fate::Complete {
                pre_order: true, ..
            } => Next::PreOrder,
        };
        let when = match next {
            Next::Renew => {
                let d = order
                    .quote
                    .valid_until
                    .add_days(self.rng.range(1, 12) as i32);
                office_time(&mut self.rng, d)
            }
            Next::PreOrder => self.after_days(at, 1, 12),
            Next::Refuse => self.after_days(at, 3, 25),
            _ => self.after_days(at, 5, 28),
        };
        self.schedule(
            Box::new(SimOrder {
                order,
                customer: ci,
                fate,
                next,
            }),
            when,
        );
        Ok(())
    }

    fn new_quote(
        &mut self,
        tx: &mut Tx<'_>,
        ci: usize,
        lines: Vec<QuoteLine>,
        version: u32,
        renews: Option<crate::domain::DocNumber>,
        at: Timestamp,
    ) -> Result<Order, SeedError> {
        let c = &self.customers[ci];
        let id = OrderId(tx.next_id("order")?);
        let number = tx.draw_number(DocKind::Quote, at.paris_date().year() as u16)?;
        let delivery = c.delivery_addresses
            [self.rng.below(c.delivery_addresses.len() as u64) as usize]
            .clone();
        let who = *self.rng.pick(STAFF);
        let q = NewQuote {
            id,
            number,
            version,
            renews,
            external_ref: Some(format!("WEB-{}", 100_000 + id.0)),
            lines,
            delivery_address: delivery,
            contact: c.contacts[0].clone(),
        };
        let issued = pipeline::create_quote(
            c,
            q,
            &Ctx {
                now: at,
                actor: "web",
            },
        )
        .map_err(|e| SeedError::Sim(e.to_string()))?;
        self.write_document(tx, issued.document)?;
        self.audit(
            tx,
            if version == 1 { "import" } else { who },
            at,
            &issued.order,
            issued.events,
        )?;
        Ok(issued.order)
    }

    fn apply_step(
        &mut self,
        tx: &mut Tx<'_>,
        who: &str,
        at: Timestamp,
        r: Result<Step, crate::domain::PipelineError>,
    ) -> Result<Order, SeedError> {
        let step = r.map_err(|e| SeedError::Sim(e.to_string()))?;
        self.audit(tx, who, at, &step.order, step.events)?;
        Ok(step.order)
    }

    fn apply_issue(
        &mut self,
        tx: &mut Tx<'_>,
        who: &str,
        at: Timestamp,
        r: Result<Issued, crate::domain::PipelineError>,
    ) -> Result<Order, SeedError> {
        let issued = r.map_err(|e| SeedError::Sim(e.to_string()))?;
        self.write_document(tx, issued.document)?;
        self.audit(tx, who, at, &issued.order, issued.events)?;
        Ok(issued.order)
    }

    /// Runs one scheduled step of an order and schedules the following one.
    fn run(
        &mut self,
        tx: &mut Tx<'_>,
        at: Timestamp,
        mut sim: Box<SimOrder>,
    ) -> Result<(), SeedError> {
        let who = *self.rng.pick(STAFF);
        let ctx = Ctx {
            now: at,
            actor: who,
        };
        let year = at.paris_date().year() as u16;
        let customer = self.customers[sim.customer].clone();
        let t = Turn {
            at,
            who,
            ctx,
            customer: &customer,
            year,
        };
        let (credit_note, late) = match sim.fate {
            Fate::Complete {
                credit_note,
                late_payment,
                ..
            } => (credit_note, late_payment),
            _ => (false, false),
        };
        let next: Option<(Next, Timestamp)> = match sim.next {
            Next::Renew => return self.renew(tx, &t, sim),
            Next::Refuse => {
                let r = pipeline::refuse_quote(
                    &sim.order,
                    &mut self.stock,
                    "le budget n'a pas été voté",
                    &ctx,
                );
                sim.order = self.apply_step(tx, who, at, r)?;
                None
            }
            Next::PreOrder => {
                self.restock(tx, &sim.order, at)?;
                let r = pipeline::record_pre_order(&sim.order, &customer, &mut self.stock, &ctx);
                sim.order = self.apply_step(tx, who, at, r)?;
                Some((
                    if matches!(sim.fate, Fate::Cancel) {
                        Next::Cancel
                    } else {
                        Next::Original
                    },
                    self.after_days(at, 2, 25),
                ))
            }
            Next::Cancel => {
                let r = pipeline::cancel(
                    &sim.order,
                    &mut self.stock,
                    "commande annulée par l'acheteur",
                    &ctx,
                );
                sim.order = self.apply_step(tx, who, at, r)?;
                None
            }
            Next::Original => self.original(tx, &t, &mut sim)?,
            Next::Deliver { partial: split } => self.deliver(tx, &t, &mut sim, split)?,
            Next::Invoice | Next::Reinvoice => {
                let reinvoice = sim.next == Next::Reinvoice;
                let n = tx.draw_number(DocKind::Invoice, year)?;
                let r =
                    pipeline::issue_invoice(&sim.order, &customer, n, &EcbRates::default(), &ctx);
                sim.order = self.apply_issue(tx, "compta", at, r)?;
                if credit_note && !reinvoice {
                    Some((Next::CreditNote, self.after_days(at, 2, 10)))
                } else {
                    let (lo, hi) = if late { (40, 120) } else { (10, 28) };
                    Some((Next::Pay, self.after_days(at, lo, hi)))
                }
            }
            Next::CreditNote => {
                let n = tx.draw_number(DocKind::CreditNote, year)?;
                let r = pipeline::issue_credit_note(
                    &sim.order,
                    &customer,
                    None,
                    &CreditScope::Full,
                    &crate::domain::credit::IssuedTotals::new(),
                    "erreur de prix unitaire",
                    n,
                    &ctx,
                );
                sim.order = self.apply_issue(tx, "compta", at, r)?;
                Some((Next::Reinvoice, self.after_days(at, 0, 2)))
            }
            Next::Pay => self.pay(tx, &t, &mut sim)?,
            Next::Penalties => self.penalties(tx, &t, &mut sim)?,
        };
        match next {
            Some((n, when)) => {
                sim.next = n;
                self.schedule(sim, when);
            }
            None => self.finished.push(sim.order),
        }
        Ok(())
    }

    /// The quote expired: a new version, which the body then signs.
    fn renew(&mut self, tx: &mut Tx<'_>, t: &Turn, sim: Box<SimOrder>) -> Result<(), SeedError> {
        let old = sim.order.clone();
        let id = OrderId(tx.next_id("order")?);
        let number = tx.draw_number(DocKind::Quote, t.year)?;
        let (old2, issued) =
            pipeline::renew_quote(&old, t.customer, &self.stock, id, number, &t.ctx)
                .map_err(|e| SeedError::Sim(e.to_string()))?;
        self.write_document(tx, issued.document)?;
        let (renewal, quote): (Vec<Event>, Vec<Event>) = issued
            .events
            .into_iter()
            .partition(|e| e.action == Action::QuoteRenewed);
        self.audit(tx, t.who, t.at, &old2, renewal)?;
        self.audit(tx, t.who, t.at, &issued.order, quote)?;
        self.finished.push(old2);
        let fate = Fate::Complete {
            pre_order: false,
            partial: false,
            credit_note: false,
            late_payment: false,
        };
        let when = self.after_days(t.at, 3, 20);
        self.schedule(
            Box::new(SimOrder {
                order: issued.order,
                customer: sim.customer,
                fate,
                next: Next::Original,
            }),
            when,
        );
        Ok(())
    }

    /// The original purchase order arrives (or the order is cancelled as a duplicate).
    fn original(
        &mut self,
        tx: &mut Tx<'_>,
        t: &Turn,
        sim: &mut SimOrder,
    ) -> Result<Option<(Next, Timestamp)>, SeedError> {
        if matches!(sim.fate, Fate::Cancel) {
            let r = pipeline::cancel(
                &sim.order,
                &mut self.stock,
                "doublon d'une autre commande",
                &t.ctx,
            );
            sim.order = self.apply_step(tx, t.who, t.at, r)?;
            return Ok(None);
        }
        {
            self.restock(tx, &sim.order, t.at)?;
            let today = t.at.paris_date();
            // Signed after the quote it answers, before its end of validity.
            let po_date = today
                .add_days(-(self.rng.range(1, 4) as i32))
                .min(sim.order.quote.valid_until)
                .max(sim.order.quote.issued_on);
            let input = OriginalPoInput {
                po_number: format!("ENG-{}-{:06}", po_date.year(), self.rng.range(1, 999_999)),
                po_date,
                checklist: Checklist::ALL_TICKED,
                contract: None,
            };
            let r = pipeline::mark_original_received(
                &sim.order,
                t.customer,
                &mut self.stock,
                &input,
                &t.ctx,
            );
            sim.order = self.apply_step(tx, t.who, t.at, r)?;
            let partial = matches!(sim.fate, Fate::Complete { partial: true, .. });
            Ok(Some((
                Next::Deliver { partial },
                self.after_days(t.at, 1, 6),
            )))
        }
    }

    /// A delivery, whole or in halves.
    fn deliver(
        &mut self,
        tx: &mut Tx<'_>,
        t: &Turn,
        sim: &mut SimOrder,
        split: bool,
    ) -> Result<Option<(Next, Timestamp)>, SeedError> {
        self.restock(tx, &sim.order, t.at)?;
        let quantities: Option<Vec<u32>> = split.then(|| {
            sim.order
                .lines
                .iter()
                .map(|l| l.to_deliver().div_ceil(2))
                .collect()
        });
        let n = tx.draw_number(DocKind::DeliveryNote, t.year)?;
        let r = pipeline::issue_delivery_note(
            &sim.order,
            t.customer,
            &mut self.stock,
            quantities.as_deref(),
            n,
            &t.ctx,
        );
        sim.order = self.apply_issue(tx, t.who, t.at, r)?;
        Ok(Some(
            if sim.order.delivered_units() < sim.order.ordered_units() {
                (
                    Next::Deliver { partial: false },
                    self.after_days(t.at, 7, 20),
                )
            } else {
                (Next::Invoice, self.after_days(t.at, 0, 3))
            },
        ))
    }

    /// The body receives the invoice through Chorus Pro, then pays it.
    fn pay(
        &mut self,
        tx: &mut Tx<'_>,
        t: &Turn,
        sim: &mut SimOrder,
    ) -> Result<Option<(Next, Timestamp)>, SeedError> {
        // Chorus Pro notified the body a day or three after the invoice.
        if let Some(inv) = sim.order.live_invoices().last().cloned()
            && inv.received_on.is_none()
        {
            let received = inv.date.add_days(self.rng.range(1, 4) as i32);
            if received <= t.at.paris_date() {
                let r = pipeline::record_delay_notice(
                    &sim.order,
                    Some(inv.number),
                    received,
                    &pipeline::DelayNotice::Received,
                    &t.ctx,
                );
                sim.order = self.apply_step(tx, "compta", t.at, r)?;
            }
        }
        let amount = sim.order.outstanding();
        let date = t.at.paris_date();
        let reference = format!("MANDAT-{}-{:06}", date.year(), self.rng.range(1, 999_999));
        let r = pipeline::record_payment(&sim.order, date, amount, &reference, false, &t.ctx);
        sim.order = self.apply_step(tx, "compta", t.at, r)?;
        let owed = sim.order.penalty_totals(date, &EcbRates::default()).owed();
        Ok((owed > Cents::ZERO).then(|| (Next::Penalties, self.after_days(t.at, 15, 60))))
    }

    /// Interest owed: received, waived or left.
    fn penalties(
        &mut self,
        tx: &mut Tx<'_>,
        t: &Turn,
        sim: &mut SimOrder,
    ) -> Result<Option<(Next, Timestamp)>, SeedError> {
        let rates = EcbRates::default();
        let date = t.at.paris_date();
        let owed = sim.order.penalty_totals(date, &rates).owed();
        match self.rng.range(0, 10) {
            0 => {}
            1 => {
                let r = pipeline::waive_penalties(
                    &sim.order,
                    None,
                    "montant minime, relation suivie avec l'organisme",
                    &rates,
                    &t.ctx,
                );
                sim.order = self.apply_step(tx, "admin", t.at, r)?;
            }
            _ => {
                let reference = format!("MANDAT-{}-{:06}", date.year(), self.rng.range(1, 999_999));
                let r = pipeline::record_penalty_payment(
                    &sim.order, date, owed, &reference, &rates, &t.ctx,
                );
                sim.order = self.apply_step(tx, "compta", t.at, r)?;
            }
        }
        Ok(None)
    }

    /// One unit of work: the earliest of the next creation and the next scheduled step.
    fn step(&mut self, tx: &mut Tx<'_>) -> Result<bool, SeedError> {
        let next_creation = (self.created < self.opts.orders).then(|| {
            let span = (self.end.0 - self.start.0).max(1);
            Timestamp(
                self.start.0
                    + (span as i128 * self.created as i128 / self.opts.orders.max(1) as i128)
                        as i64,
            )
        });
        let next_event = self.heap.peek().map(|Reverse(p)| p.at);
        let result = match (next_creation, next_event) {
            (None, None) => return Ok(false),
            (Some(c), Some(e)) if e < c => None,
            (Some(_), _) => Some(()),
            (None, Some(_)) => None,
        };
        match result {
            Some(()) => self.create_order(tx)?,
            None => {
                if let Some(Reverse(p)) = self.heap.pop() {
                    let at = p.at.max(self.last_at);
                    self.last_at = at;
                    self.run(tx, at, p.sim)?;
                }
            }
        }
        for o in self.finished.drain(..) {
            tx.put_order(&o)?;
            self.report.orders += 1;
        }
        Ok(true)
    }
}

/// Fills an empty store. `progress` is called now and then with a short status line.
pub(crate) fn seed(
    store: &Store,
    renderer: &dyn Renderer,
    seller: &Seller,
    opts: &SeedOptions,
    mut progress: impl FnMut(&str),
) -> Result<SeedReport, SeedError> {
    let existing = store.read(|rx| rx.customer_count())?;
    if existing > 0 {
        return Err(SeedError::NotEmpty(existing));
    }
    // Synthetic data makes a demonstration store: its documents may carry the demo shop.
    store.mark_demo()?;
    // The simulated history ends at midnight (Paris) starting `today`: nothing is dated
    // after the moment the demo opens, whatever the hour.
    let midnight = Timestamp::from_date_utc(opts.today, 0);
    let end = midnight.add_secs(-midnight.paris_offset() - 1);
    let start = Timestamp::from_date_utc(opts.today.add_days(-540), 8 * 3600);
    let mut rng = Rng(opts.seed ^ 0x5EED_C0FF_EE00_0000);

    // Catalogue and customers.
    let mut stock = Stock::new();
    for (sku, designation, price) in PRODUCTS {
        stock.insert(
            sku.to_string(),
            Product {
                sku: sku.to_string(),
                designation: designation.to_string(),
                unit_price: Cents(*price),
                vat: VatRate::STANDARD,
                on_hand: 200,
                reserved: 0,
            },
        );
    }
    let mut customers = Vec::with_capacity(opts.customers as usize);
    let mut report = SeedReport::default();
    let mut i = 0u64;
    while i < opts.customers {
        let batch_end = (i + 50_000).min(opts.customers);
        store.write_fast(|tx| {
            while i < batch_end {
                let created = Timestamp(start.0 - 86_400 * 30 + (i as i64 % 86_400));
                let c = customer(i, &mut rng, created);
                let id = CustomerId(tx.next_id("customer")?);
                debug_assert_eq!(id, c.id);
                tx.put_customer(&c)?;
                let ev =
                    Event::new(Action::CustomerCreated, "", c.eligibility.status.label()).detail(
                        format!("{} ({}), {}", c.legal_name, c.siret, c.eligibility.reason),
                    );
                record_events(
                    tx,
                    &actor("import"),
                    c.created_at,
                    None,
                    Some(c.id),
                    vec![ev],
                )?;
                report.audit_records += 1;
                customers.push(c);
                i += 1;
            }
            Ok::<_, SeedError>(())
        })?;
        progress(&format!("{i} customers"));
    }
    report.customers = customers.len() as u64;
    let approved = customers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_approved())
        .map(|(i, _)| i)
        .collect();
    let pending = customers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.eligibility.status == EligibilityStatus::PendingReview)
        .map(|(i, _)| i)
        .collect();

    let mut sim = Sim {
        rng,
        opts: opts.clone(),
        customers,
        approved,
        pending,
        stock,
        heap: BinaryHeap::new(),
        seq: 0,
        created: 0,
        start,
        end,
        last_at: start,
        renderer,
        seller,
        report,
        finished: Vec::new(),
    };
    let batch = if opts.documents == DocumentMode::Full {
        2_000
    } else {
        50_000
    };
    loop {
        let more = store.write_fast(|tx| {
            for _ in 0..batch {
                if !sim.step(tx)? {
                    return Ok::<_, SeedError>(false);
                }
            }
            Ok(true)
        })?;
        progress(&format!("{} / {} orders", sim.created, opts.orders));
        if !more {
            break;
        }
    }
    // Orders still in flight keep their current stage; then products, durably.
    store.write(|tx| {
        while let Some(Reverse(p)) = sim.heap.pop() {
            tx.put_order(&p.sim.order)?;
            sim.report.orders += 1;
        }
        for p in sim.stock.values() {
            tx.put_product(p)?;
        }
        Ok::<_, SeedError>(())
    })?;
    Ok(sim.report)
}

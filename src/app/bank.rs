//! Bank statements into the books: a statement's credit entries matched against open
//! invoices, applied as payments when the remittance names the invoices, proposed when
//! only the amount and the payer's name point to one, and kept for a person otherwise.
//!
//! One import is one write transaction: every entry and every payment it applies, or
//! nothing (a server killed mid-import leaves the books as they were). An entry is known
//! by its key (account, bank reference, booking date, amount): importing the same or an
//! overlapping statement again records nothing twice. The formats are adapters
//! (`crate::bank`), given by the caller.

use super::{Actor, App, AppError};
use crate::domain::Permission;
use crate::domain::bank::{
    AppliedPart, BankRecord, BankState, Statement, StatementEntry, invoice_numbers, names_match,
    split,
};
use crate::domain::card::OrderCard;
use crate::domain::pipeline::{self, Ctx};
use crate::domain::{Action, Cents, CustomerId, DocNumber, Event, OrderId};
use std::collections::HashMap;

/// The largest statement read (a year of a busy account fits; split larger ones).
pub const MAX_STATEMENT_BYTES: usize = 32 * 1024 * 1024;
/// The most entries read from one statement.
pub const MAX_ENTRIES: usize = 200_000;

/// A statement format: recognizes its files and reads them, or says in French why not.
pub trait StatementFormat: Send + Sync {
    /// Whether these bytes look like this format (a cheap look at their beginning).
    fn recognizes(&self, bytes: &[u8]) -> bool;
    fn parse(&self, bytes: &[u8]) -> Result<Statement, String>;
}

/// What one import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub format: String,
    pub statement: String,
    pub applied: Vec<BankRecord>,
    pub proposed: Vec<BankRecord>,
    pub unmatched: Vec<BankRecord>,
    /// Entries already imported (by an earlier, same or overlapping statement).
    pub already: usize,
    /// Debits, read and left alone.
    pub debits: usize,
}

/// An open invoice or a paid order still owing interest, found by its amount.
#[derive(Clone, Copy)]
struct Candidate {
    order: DocNumber,
    invoice: Option<DocNumber>,
    customer: CustomerId,
}

/// The books' open amounts, read once per import from the board's cards.
#[derive(Default)]
struct Candidates {
    unpaid: HashMap<Cents, Vec<Candidate>>,
    penalties: HashMap<Cents, Vec<Candidate>>,
}

/// The payment reference a bank entry leaves on the order (at most 100 characters).
fn payment_reference(statement: &str, reference: &str) -> String {
    // Plain ASCII from the bank's side: whatever it sent, the reference prints.
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect()
    };
    format!("banque {} (relevé {})", plain(reference), plain(statement))
        .chars()
        .take(100)
        .collect()
}

impl App {
    /// Reads a statement in one of `formats`, then matches and records its credit entries.
    pub fn import_statement(
        &self,
        actor: &Actor,
        bytes: &[u8],
        formats: &[Box<dyn StatementFormat>],
    ) -> Result<ImportReport, AppError> {
        actor.require(Permission::BankImport)?;
        if bytes.len() > MAX_STATEMENT_BYTES {
            return Err(AppError::invalid(format!(
                "relevé de plus de {} Mo : comptoir en lit {} Mo au plus (découpez-le par période) ; rien n'a été importé",
                MAX_STATEMENT_BYTES >> 20,
                MAX_STATEMENT_BYTES >> 20
            )));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::invalid("le relevé est vide"));
        }
        let format = formats.iter().find(|f| f.recognizes(bytes)).ok_or_else(|| {
            AppError::invalid(
                "format de relevé non reconnu : comptoir lit le camt.053 (XML ISO 20022) et le CFONB 120",
            )
        })?;
        let statement = format.parse(bytes).map_err(|e| {
            AppError::invalid(format!("relevé illisible, rien n'a été importé : {e}"))
        })?;
        self.apply_statement(actor, &statement)
    }

    fn candidates(&self) -> Candidates {
        let today = self.today();
        let rates = &self.settings().ecb_rates;
        let mut c = Candidates::default();
        self.index().for_each_card(|card: &OrderCard| {
            for l in card.late.iter().filter(|l| l.unpaid > Cents::ZERO) {
                c.unpaid.entry(l.unpaid).or_default().push(Candidate {
                    order: card.number,
                    invoice: Some(l.invoice),
                    customer: card.customer,
                });
            }
            if card.outstanding <= Cents::ZERO && card.late.iter().any(|l| l.paid_late) {
                let owed = card.penalty_totals(today, rates).owed();
                if owed > Cents::ZERO {
                    c.penalties.entry(owed).or_default().push(Candidate {
                        order: card.number,
                        invoice: None,
                        customer: card.customer,
                    });
                }
            }
        });
        c
    }

    fn apply_statement(
        &self,
        actor: &Actor,
        statement: &Statement,
    ) -> Result<ImportReport, AppError> {
        let candidates = self.candidates();
        let now = self.now();
        let ctx = Ctx {
            now,
            actor: &actor.name,
        };
        let mut report = ImportReport {
            format: statement.format.clone(),
            statement: statement.id.clone(),
            ..ImportReport::default()
        };
        let touched = self.write_as(actor, Permission::BankImport, |tx| {
            let mut touched: Vec<OrderId> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for entry in &statement.entries {
                if !entry.credit {
                    report.debits += 1;
                    continue;
                }
                let key = entry.key(&statement.account);
                if !seen.insert(key.clone()) || tx.bank_record(&key)?.is_some() {
                    report.already += 1;
                    continue;
                }
                let reference = payment_reference(&statement.id, &entry.reference);
                let state = match self.by_numbers(tx, entry, &reference, &ctx)? {
                    Some(Ok((parts, orders))) => {
                        for (order, events) in orders {
                            tx.put_order(&order)?;
                            self.write_audit(tx, actor, now, Some(&order), None, events)?;
                            touched.push(order.id);
                        }
                        BankState::Applied {
                            parts,
                            by: "import".into(),
                        }
                    }
                    Some(Err(state)) => state,
                    None => self.by_amount(entry, &candidates),
                };
                let record = BankRecord {
                    id: tx.next_id("bank_entry")?,
                    key,
                    statement: statement.id.clone(),
                    format: statement.format.clone(),
                    account: statement.account.clone(),
                    reference: entry.reference.clone(),
                    amount: entry.amount,
                    booked: entry.booked,
                    value: entry.value,
                    payer: entry.payer.clone(),
                    remittance: entry.remittance.clone(),
                    imported_at: now,
                    imported_by: actor.name.clone(),
                    state,
                };
                tx.put_bank(&record)?;
                match &record.state {
                    BankState::Applied { .. } => report.applied.push(record),
                    BankState::Proposed { .. } => report.proposed.push(record),
                    _ => report.unmatched.push(record),
                }
            }
            let summary = Event::new(Action::Bank, "", "").detail(format!(
                "relevé {} ({}) importé : {} appliqué(s), {} proposé(s), {} non rapproché(s), {} déjà importé(s)",
                statement.id,
                statement.format,
                report.applied.len(),
                report.proposed.len(),
                report.unmatched.len(),
                report.already
            ));
            self.write_audit(tx, actor, now, None, None, vec![summary])?;
            Ok::<_, AppError>(touched)
        })?;
        self.publish(touched, vec![]);
        Ok(report)
    }

    /// The invoices a remittance names: the payments to record (per order, the parts in
    /// the order given), or what to tell a person instead; `None` when none is named.
    #[allow(clippy::type_complexity)]
    fn by_numbers(
        &self,
        tx: &crate::store::Tx<'_>,
        entry: &StatementEntry,
        reference: &str,
        ctx: &Ctx,
    ) -> Result<
        Option<Result<(Vec<AppliedPart>, Vec<(crate::domain::Order, Vec<Event>)>), BankState>>,
        AppError,
    > {
        let numbers = invoice_numbers(&format!("{} {}", entry.remittance, entry.payer));
        if numbers.is_empty() {
            return Ok(None);
        }
        // Each named invoice with what it still asks (its order read under this write).
        let mut named: Vec<(DocNumber, Cents)> = Vec::new();
        let mut order_of: HashMap<DocNumber, crate::domain::Order> = HashMap::new();
        for n in &numbers {
            let Some(doc) = tx.document(&n.to_string())? else {
                continue;
            };
            let Some(order) = tx.order(doc.order)? else {
                continue;
            };
            let unpaid = OrderCard::from_order(&order)
                .late
                .iter()
                .find(|l| l.invoice == *n)
                .map(|l| l.unpaid)
                .unwrap_or(Cents::ZERO);
            named.push((*n, unpaid));
            order_of.insert(*n, order);
        }
        let listed = numbers
            .iter()
            .map(DocNumber::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let (parts, left) = split(entry.amount, &named);
        if parts.is_empty() {
            // Named but nothing to pay: interest and indemnity of one of them, perhaps.
            let today = ctx.today();
            let rates = &self.settings().ecb_rates;
            if let Some(o) = order_of.values().find(|o| {
                o.outstanding() <= Cents::ZERO
                    && OrderCard::from_order(o).penalty_totals(today, rates).owed() == entry.amount
            }) {
                return Ok(Some(Err(BankState::Proposed {
                    order: o.number,
                    invoice: None,
                    penalties: true,
                    why: format!(
                        "{listed} déjà payée(s) ; le montant est celui des intérêts moratoires et de l'indemnité dus"
                    ),
                })));
            }
            return Ok(Some(Err(BankState::Unmatched {
                why: format!("{listed} cité(s), mais inconnue(s) ou déjà payée(s)"),
            })));
        }
        if left > Cents::ZERO {
            let (first, _) = parts[0];
            return Ok(Some(Err(BankState::Proposed {
                order: order_of[&first].number,
                invoice: Some(first),
                penalties: false,
                why: format!(
                    "{} de plus que ce que {listed} demande(nt) encore : à vérifier (trop-perçu ?)",
                    left.fr()
                ),
            })));
        }
        // One payment per order, the parts of its invoices added up.
        let mut per_order: Vec<(OrderId, Cents)> = Vec::new();
        for (n, amount) in &parts {
            let id = order_of[n].id;
            match per_order.iter_mut().find(|(o, _)| *o == id) {
                Some((_, a)) => *a += *amount,
                None => per_order.push((id, *amount)),
            }
        }
        let mut steps = Vec::new();
        let mut applied = Vec::new();
        for (id, amount) in per_order {
            let order = order_of
                .values()
                .find(|o| o.id == id)
                .expect("an order of a named invoice");
            match pipeline::record_payment(order, entry.value, amount, reference, false, ctx) {
                Ok(step) => {
                    applied.push(AppliedPart {
                        order: order.number,
                        amount,
                        penalties: false,
                    });
                    steps.push((step.order, step.events));
                }
                Err(e) => {
                    return Ok(Some(Err(BankState::Proposed {
                        order: order.number,
                        invoice: parts.first().map(|p| p.0),
                        penalties: false,
                        why: format!(
                            "{listed} cité(s), mais le paiement est refusé : {}",
                            e.reason
                        ),
                    })));
                }
            }
        }
        Ok(Some(Ok((applied, steps))))
    }

    /// No invoice named: a proposal when the amount and the payer point to exactly one.
    fn by_amount(&self, entry: &StatementEntry, c: &Candidates) -> BankState {
        let body = |cand: &Candidate| self.index().customer_name(cand.customer);
        let unpaid = c
            .unpaid
            .get(&entry.amount)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let named: Vec<&Candidate> = unpaid
            .iter()
            .filter(|cand| names_match(&entry.payer, &body(cand)))
            .collect();
        if let [one] = named.as_slice() {
            return BankState::Proposed {
                order: one.order,
                invoice: one.invoice,
                penalties: false,
                why: format!(
                    "aucun numéro de facture ; seule facture ouverte de {} pour un organisme au nom du payeur (« {} » ≈ « {} »)",
                    entry.amount.fr(),
                    entry.payer,
                    body(one)
                ),
            };
        }
        let penalties = c
            .penalties
            .get(&entry.amount)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if let [one] = penalties {
            return BankState::Proposed {
                order: one.order,
                invoice: None,
                penalties: true,
                why: format!(
                    "{} : les intérêts moratoires et l'indemnité dus par {} sur {}",
                    entry.amount.fr(),
                    body(one),
                    one.order
                ),
            };
        }
        BankState::Unmatched {
            why: match (unpaid.len(), named.len()) {
                (0, _) => format!(
                    "aucun numéro de facture et aucune facture ouverte de {}",
                    entry.amount.fr()
                ),
                (n, 0) => format!(
                    "aucun numéro de facture ; {n} facture(s) ouverte(s) de {}, aucune d'un organisme au nom du payeur « {} »",
                    entry.amount.fr(),
                    entry.payer
                ),
                (_, n) => format!(
                    "aucun numéro de facture ; {n} factures de {} d'organismes au nom du payeur",
                    entry.amount.fr()
                ),
            },
        }
    }
}

impl App {
    /// Imported entries, oldest first (`open_only`: those waiting for a person).
    pub fn bank_entries(&self, open_only: bool) -> Result<Vec<BankRecord>, AppError> {
        let mut all = self.store.read(|rx| rx.bank_records())?;
        all.retain(|r| !open_only || r.open());
        all.sort_by_key(|r| r.id);
        Ok(all)
    }

    fn bank_record_by_id(tx: &crate::store::Tx<'_>, id: u64) -> Result<BankRecord, AppError> {
        tx.bank_records()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::NotFound(format!("aucune entrée de relevé n° {id}")))
    }

    /// Records the payments `parts` decided for an entry, and the entry as applied.
    fn bank_decide(
        &self,
        actor: &Actor,
        id: u64,
        decide: impl FnOnce(
            &crate::store::Tx<'_>,
            &BankRecord,
            &Ctx,
        ) -> Result<
            (Vec<AppliedPart>, Vec<(crate::domain::Order, Vec<Event>)>),
            AppError,
        >,
    ) -> Result<BankRecord, AppError> {
        actor.require(Permission::BankReconcile)?;
        let now = self.now();
        let ctx = Ctx {
            now,
            actor: &actor.name,
        };
        let (record, touched) = self.write_as(actor, Permission::BankReconcile, |tx| {
            let mut record = Self::bank_record_by_id(tx, id)?;
            if !record.open() {
                return Err(AppError::invalid(format!(
                    "l'entrée n° {id} est déjà traitée — {}",
                    record.describe()
                )));
            }
            let (parts, steps) = decide(tx, &record, &ctx)?;
            let mut touched = Vec::new();
            for (order, mut events) in steps {
                events.push(Event::new(Action::Bank, "", "").detail(format!(
                    "entrée n° {id} du relevé {} ({} du {}) rapprochée",
                    record.statement,
                    record.amount.fr(),
                    record.booked.fr()
                )));
                tx.put_order(&order)?;
                self.write_audit(tx, actor, now, Some(&order), None, events)?;
                touched.push(order.id);
            }
            record.state = BankState::Applied {
                parts,
                by: actor.name.clone(),
            };
            tx.put_bank(&record)?;
            Ok::<_, AppError>((record, touched))
        })?;
        self.publish(touched, vec![]);
        Ok(record)
    }

    /// A person confirms what the import proposed.
    pub fn bank_confirm(&self, actor: &Actor, id: u64) -> Result<BankRecord, AppError> {
        let rates = self.settings().ecb_rates.clone();
        self.bank_decide(actor, id, |tx, record, ctx| {
            let BankState::Proposed {
                order, penalties, ..
            } = &record.state
            else {
                return Err(AppError::invalid(format!(
                    "l'entrée n° {id} n'a pas de proposition : désignez les factures (bank assign {id} FA-…)"
                )));
            };
            let (o, _) = App::find_order(tx, order)?;
            let reference = payment_reference(&record.statement, &record.reference);
            let step = if *penalties {
                pipeline::record_penalty_payment(
                    &o,
                    record.value,
                    record.amount,
                    &reference,
                    &rates,
                    ctx,
                )
            } else {
                pipeline::record_payment(&o, record.value, record.amount, &reference, false, ctx)
            }
            .map_err(|e| AppError::invalid(e.to_string()))?;
            Ok((
                vec![AppliedPart {
                    order: o.number,
                    amount: record.amount,
                    penalties: *penalties,
                }],
                vec![(step.order, step.events)],
            ))
        })
    }

    /// A person names the invoices an entry pays (split in the order given).
    pub fn bank_assign(
        &self,
        actor: &Actor,
        id: u64,
        invoices: &[String],
    ) -> Result<BankRecord, AppError> {
        self.bank_decide(actor, id, |tx, record, ctx| {
            let entry = StatementEntry {
                reference: record.reference.clone(),
                credit: true,
                amount: record.amount,
                booked: record.booked,
                value: record.value,
                payer: String::new(),
                remittance: invoices.join(" "),
            };
            let reference = payment_reference(&record.statement, &record.reference);
            match self.by_numbers(tx, &entry, &reference, ctx)? {
                Some(Ok(plan)) => Ok(plan),
                Some(Err(state)) => Err(AppError::invalid(match state {
                    BankState::Proposed { why, .. } | BankState::Unmatched { why } => why,
                    other => format!("{other:?}"),
                })),
                None => Err(AppError::invalid(format!(
                    "« {} » : aucun numéro de facture (FA-AAAA-NNNNN)",
                    invoices.join(" ")
                ))),
            }
        })
    }

    /// A person sets an entry aside, with the reason (not a payment of an invoice).
    pub fn bank_dismiss(
        &self,
        actor: &Actor,
        id: u64,
        reason: &str,
    ) -> Result<BankRecord, AppError> {
        actor.require(Permission::BankReconcile)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "dites pourquoi l'entrée est écartée (--reason …)",
            ));
        }
        let now = self.now();
        self.write_as(actor, Permission::BankReconcile, |tx| {
            let mut record = Self::bank_record_by_id(tx, id)?;
            if !record.open() {
                return Err(AppError::invalid(format!(
                    "l'entrée n° {id} est déjà traitée — {}",
                    record.describe()
                )));
            }
            record.state = BankState::Dismissed {
                reason: reason.to_string(),
                by: actor.name.clone(),
            };
            tx.put_bank(&record)?;
            let ev = Event::new(Action::Bank, "", "").detail(format!(
                "entrée n° {id} du relevé {} ({} du {}) écartée : {reason}",
                record.statement,
                record.amount.fr(),
                record.booked.fr()
            ));
            self.write_audit(tx, actor, now, None, None, vec![ev])?;
            Ok::<_, AppError>(record)
        })
        .inspect(|_| self.publish(vec![], vec![]))
    }
}

//! Chorus Pro as the app sees it: a small trait that the platform's adapter implements
//! (`crate::chorus::PisteClient` over HTTPS; a stand-in in the tests), as the documents'
//! renderer is. The app never names HTTP, tokens or JSON.

use super::{App, AppError};
use crate::domain::Permission;
use std::sync::Arc;

/// What went wrong talking to Chorus Pro — in French, never with a secret in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChorusError {
    /// The platform did not answer (network, timeout, 5xx): worth trying again later.
    Unreachable(String),
    /// The PISTE application or the technical account was refused (401/403, an expired
    /// password): someone must fix the settings.
    Credentials(String),
    /// Chorus Pro refused the request (`codeRetour` ≠ 0, 4xx), with its own words.
    Refused { code: i64, message: String },
    /// The answer could not be read.
    Malformed(String),
}

impl std::fmt::Display for ChorusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChorusError::Unreachable(e) => write!(
                f,
                "Chorus Pro ne répond pas ({e}) : rien n'est perdu, ce sera réessayé"
            ),
            ChorusError::Credentials(e) => write!(
                f,
                "Chorus Pro refuse les identifiants ({e}) : vérifiez l'application PISTE \
                 (client_id, client_secret) et le compte technique (login, mot de passe, qui \
                 expire) dans [chorus] de comptoir.toml"
            ),
            ChorusError::Refused { code, message } => {
                write!(f, "Chorus Pro refuse la demande (code {code}) : {message}")
            }
            ChorusError::Malformed(e) => {
                write!(f, "réponse de Chorus Pro illisible : {e}")
            }
        }
    }
}

/// A service of a public body, as Chorus Pro lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChorusService {
    pub code: String,
    pub name: String,
    pub active: bool,
}

/// What a body requires on its invoices, from its Chorus Pro structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChorusStructure {
    pub id: i64,
    pub name: String,
    /// A service code must be given.
    pub service_required: bool,
    /// A legal commitment (engagement) number must be given.
    pub engagement_required: bool,
    pub services: Vec<ChorusService>,
}

/// A flow deposited: its number and the platform's date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChorusDeposit {
    pub flow: String,
    pub date: String,
}

/// The calls comptoir makes to Chorus Pro.
pub trait ChorusApi: Send + Sync {
    /// Whether the platform answers with these credentials (`transverses/v1/health-check`).
    fn health(&self) -> Result<(), ChorusError>;
    /// A body's structure and its services, by SIRET.
    fn structure(&self, siret: &str) -> Result<ChorusStructure, ChorusError>;
    /// Deposits an invoice or credit note's PDF/A-3 with its Factur-X, as issued.
    fn deposit(&self, file_name: &str, pdf: &[u8]) -> Result<ChorusDeposit, ChorusError>;
    /// A flow's processing state (`IN_INTEGRE`, `IN_REJETE`…) and, when rejected, why.
    fn flow_report(&self, flow: &str) -> Result<FlowReport, ChorusError>;
    /// The invoice of this number as the platform lists it (its id and status), if it
    /// holds one — how a deposit whose answer was lost is found again.
    fn find_invoice(&self, number: &str) -> Result<Option<(i64, String)>, ChorusError>;
    /// The dated statuses of an invoice, oldest first.
    fn history(&self, id: i64) -> Result<Vec<crate::domain::chorus::ChorusStatus>, ChorusError>;
}

/// What the platform says of a deposited flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowReport {
    pub state: String,
    /// The reasons of a rejection (`listeErreurDP`, `listeErreurTechnique`).
    pub errors: Vec<String>,
}

impl App {
    /// Connects Chorus Pro (at start and on reload; `None`: not configured).
    pub fn set_chorus(&self, api: Option<Arc<dyn ChorusApi>>) {
        *self.chorus.write().unwrap_or_else(|e| e.into_inner()) = api;
    }

    pub fn chorus(&self) -> Result<Arc<dyn ChorusApi>, AppError> {
        self.chorus
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                AppError::invalid(
                    "Chorus Pro n'est pas configuré : ajoutez la section [chorus] à comptoir.toml \
                     (voir le README, « Chorus Pro »)",
                )
            })
    }

    /// What Chorus Pro says a body requires (service code, engagement number) and its
    /// active services.
    pub fn chorus_structure(&self, siret: &str) -> Result<ChorusStructure, AppError> {
        let digits: String = siret.chars().filter(|c| !c.is_whitespace()).collect();
        crate::domain::Siret::parse(&digits)
            .map_err(|e| AppError::invalid(format!("SIRET : {e}")))?;
        self.chorus()?
            .structure(&digits)
            .map_err(|e| AppError::invalid(e.to_string()))
    }
}

use crate::domain::chorus::{ChorusMark, ChorusRecord, ChorusState, ChorusStatus, day_of};
use crate::domain::pipeline::{self, Ctx, DelayNotice};
use crate::domain::{Action, DocKind, DocNumber, Event, FileFormat, Timestamp};

/// What a run of the queue or of the follow-up did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChorusRun {
    pub deposited: usize,
    /// Calls that failed for a reason that passes (tried again later).
    pub retried: usize,
    pub refused: usize,
    /// New statuses read (follow-up).
    pub statuses: usize,
}

/// How often the background loop runs the queue.
const QUEUE_SECONDS: u64 = 15;

/// The wait before trying an unreachable platform again: 1, 2, 4… minutes, at most an hour.
fn backoff(attempts: u32) -> i64 {
    60 * (1i64 << attempts.min(6)).min(60)
}

impl App {
    fn chorus_number(number: &str) -> Result<DocNumber, AppError> {
        match DocNumber::parse(number) {
            Some(n) if matches!(n.kind, DocKind::Invoice | DocKind::CreditNote) => Ok(n),
            Some(n) => Err(AppError::invalid(format!(
                "{n} n'est ni une facture ni un avoir : seuls eux vont sur Chorus Pro"
            ))),
            None => Err(AppError::invalid(format!(
                "« {} » n'est pas un numéro de document",
                number.trim()
            ))),
        }
    }

    /// Writes a record and its audit event (on the document's order), then tells the
    /// consoles (the order's screen, the header's alerts).
    fn chorus_write(
        &self,
        actor: &super::Actor,
        record: &ChorusRecord,
        detail: Option<String>,
    ) -> Result<(), AppError> {
        let now = self.now();
        let (before, order) = self.store.write(|tx| {
            let before = tx
                .chorus_record(&record.number.to_string())?
                .is_some_and(|r| r.needs_attention().is_some());
            tx.put_chorus(record)?;
            let order = match tx.document(&record.number.to_string())? {
                Some(doc) => tx.order(doc.order)?,
                None => None,
            };
            if let Some(d) = detail {
                let ev = Event::new(Action::Chorus, "", "")
                    .detail(d)
                    .document(record.number);
                super::record_events(
                    tx,
                    &actor.reference(),
                    now,
                    order.as_ref(),
                    order.as_ref().map(|o| o.customer),
                    vec![ev],
                )?;
            }
            Ok::<_, AppError>((before, order.map(|o| o.id)))
        })?;
        // Counted once committed.
        if let Some(id) = order {
            self.note_chorus_mark(id, record.number, record.mark());
        }
        let after = record.needs_attention().is_some();
        if before != after {
            let mut n = self
                .chorus_attention
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(n) = n.as_mut() {
                if after {
                    *n += 1;
                } else {
                    *n = n.saturating_sub(1);
                }
            }
        }
        if let Some(id) = order {
            self.publish(vec![id], vec![]);
        }
        Ok(())
    }

    /// Queues an issued invoice or credit note for Chorus Pro (its PDF/A-3 as issued,
    /// with its Factur-X). The queue sends it off the sessions' tasks; a document already
    /// queued or deposited is not queued twice (a refused one may be, once corrected).
    pub fn chorus_send(
        &self,
        actor: &super::Actor,
        number: &str,
    ) -> Result<ChorusRecord, AppError> {
        actor.require(Permission::ChorusSend)?;
        let n = Self::chorus_number(number)?;
        self.chorus()?;
        let doc = self.document(&n.to_string())?;
        if doc.synthetic {
            return Err(AppError::invalid(format!(
                "{n} est un document synthétique (seed) sans fichier : rien à déposer"
            )));
        }
        if let Some(problems) = self.chorus_rules_broken(&n, false) {
            return Err(AppError::invalid(format!(
                "{n} serait refusée par Chorus Pro — {problems} ; corrigez la fiche de l'organisme, puis émettez un avoir et une nouvelle facture"
            )));
        }
        let existing = self.store.read(|rx| rx.chorus_record(&n.to_string()))?;
        if let Some(r) = &existing
            && !matches!(r.state, ChorusState::Refused { .. })
        {
            return Err(AppError::invalid(format!(
                "{n} est déjà sur Chorus Pro ou en file : {}",
                r.describe()
            )));
        }
        let record = ChorusRecord::new(n, self.now());
        self.chorus_write(
            actor,
            &record,
            Some(format!("{n} mise en file pour Chorus Pro")),
        )?;
        Ok(record)
    }

    /// A document's life on Chorus Pro.
    pub fn chorus_record(&self, number: &str) -> Result<Option<ChorusRecord>, AppError> {
        let n = Self::chorus_number(number)?;
        Ok(self.store.read(|rx| rx.chorus_record(&n.to_string()))?)
    }

    /// Every document on Chorus Pro or in its queue.
    pub fn chorus_records(&self) -> Result<Vec<ChorusRecord>, AppError> {
        Ok(self.store.read(|rx| rx.chorus_records())?)
    }

    /// Sends what the queue holds and is due. A deposit under way when the server stopped
    /// (its answer lost) is first looked up on the platform: it is never sent twice.
    pub fn chorus_run_queue(&self) -> Result<ChorusRun, AppError> {
        let api = self.chorus()?;
        let _one = self.chorus_runs.lock().unwrap_or_else(|e| e.into_inner());
        let system = super::Actor::system();
        let now = self.now();
        let mut run = ChorusRun::default();
        for mut r in self.chorus_records()? {
            let n = r.number.to_string();
            match &r.state {
                ChorusState::Sending => match api.find_invoice(&n) {
                    Ok(Some((id, status))) => {
                        r.state = ChorusState::Deposited {
                            flow: "(retrouvé sur la plateforme)".into(),
                            date: String::new(),
                        };
                        r.invoice_id = Some(id);
                        r.flow_state = Some("IN_INTEGRE".into());
                        if !status.is_empty() {
                            r.history.push(ChorusStatus {
                                status,
                                at: now.paris_date().to_string(),
                            });
                        }
                        self.chorus_write(
                            &system,
                            &r,
                            Some(format!("{n} retrouvée sur Chorus Pro (réponse du dépôt perdue) : pas renvoyée")),
                        )?;
                        run.deposited += 1;
                        continue;
                    }
                    Ok(None) => {
                        // Not there: sending it is safe.
                        r.state = ChorusState::Queued;
                    }
                    Err(e) => {
                        r.last_error = Some(e.to_string());
                        self.chorus_write(&system, &r, None)?;
                        run.retried += 1;
                        continue;
                    }
                },
                ChorusState::Queued if r.next_try <= now => {}
                _ => continue,
            }
            let pdf = match self.document_file(&n, FileFormat::Pdf) {
                Ok(b) => b,
                Err(e) => {
                    r.state = ChorusState::Refused {
                        message: format!("PDF introuvable : {e}"),
                    };
                    self.chorus_write(&system, &r, Some(format!("{n} : PDF introuvable")))?;
                    run.refused += 1;
                    continue;
                }
            };
            // What Chorus Pro would refuse is said now, without sending it.
            if let Some(problems) = self.chorus_rules_broken(&r.number, true) {
                let message = format!("contrôle avant envoi, non déposée — {problems}");
                r.state = ChorusState::Refused {
                    message: message.clone(),
                };
                self.chorus_write(&system, &r, Some(format!("{n} : {message}")))?;
                run.refused += 1;
                continue;
            }
            // Marked first, durably: a crash during the call leaves it « Sending ».
            r.state = ChorusState::Sending;
            r.attempts += 1;
            self.chorus_write(&system, &r, None)?;
            match api.deposit(&format!("{n}.pdf"), &pdf) {
                Ok(d) => {
                    let detail =
                        format!("{n} déposée sur Chorus Pro : flux {} du {}", d.flow, d.date);
                    r.state = ChorusState::Deposited {
                        flow: d.flow,
                        date: d.date,
                    };
                    r.last_error = None;
                    self.chorus_write(&system, &r, Some(detail))?;
                    run.deposited += 1;
                }
                Err(ChorusError::Refused { code, message }) => {
                    let detail = format!("{n} refusée par Chorus Pro (code {code}) : {message}");
                    r.state = ChorusState::Refused { message };
                    self.chorus_write(&system, &r, Some(detail))?;
                    tracing::warn!(document = %n, "Chorus Pro : dépôt refusé (code {code})");
                    run.refused += 1;
                }
                Err(e) => {
                    // The platform may have taken it: looked up before any new try.
                    let lost = matches!(e, ChorusError::Unreachable(_) | ChorusError::Malformed(_));
                    r.state = if lost {
                        ChorusState::Sending
                    } else {
                        ChorusState::Queued
                    };
                    r.last_error = Some(e.to_string());
                    r.next_try = Timestamp(now.0 + backoff(r.attempts));
                    self.chorus_write(&system, &r, None)?;
                    tracing::warn!(document = %n, "Chorus Pro : {e}");
                    run.retried += 1;
                }
            }
        }
        self.metrics.chorus(&run);
        Ok(run)
    }

    /// Follows what was deposited: the flow integrated or rejected, then the invoice's
    /// dated statuses, each new one audited and let drive the money (see
    /// `domain::chorus`): the receipt date, the delay interrupted and restarted.
    pub fn chorus_sync(&self) -> Result<ChorusRun, AppError> {
        let api = self.chorus()?;
        let _one = self.chorus_runs.lock().unwrap_or_else(|e| e.into_inner());
        let system = super::Actor::system();
        let mut run = ChorusRun::default();
        for mut r in self
            .chorus_records()?
            .into_iter()
            .filter(ChorusRecord::followed)
        {
            let n = r.number.to_string();
            let ChorusState::Deposited { flow, .. } = r.state.clone() else {
                continue;
            };
            if r.invoice_id.is_none() {
                let report = match api.flow_report(&flow) {
                    Ok(rep) => rep,
                    Err(e) => {
                        r.last_error = Some(e.to_string());
                        self.chorus_write(&system, &r, None)?;
                        run.retried += 1;
                        continue;
                    }
                };
                let changed = r.flow_state.as_deref() != Some(report.state.as_str());
                r.flow_state = Some(report.state.clone());
                match report.state.as_str() {
                    "IN_REJETE" => {
                        let message = if report.errors.is_empty() {
                            "flux rejeté".to_string()
                        } else {
                            report.errors.join(" ; ")
                        };
                        let detail = format!("{n} : flux {flow} rejeté par Chorus Pro : {message}");
                        r.state = ChorusState::Refused { message };
                        self.chorus_write(&system, &r, Some(detail))?;
                        run.refused += 1;
                        continue;
                    }
                    "IN_INTEGRE" | "IN_INTEGRE_PARTIEL" => {
                        if let Ok(Some((id, _))) = api.find_invoice(&n) {
                            r.invoice_id = Some(id);
                        }
                    }
                    _ => {}
                }
                if changed || r.invoice_id.is_some() {
                    self.chorus_write(&system, &r, None)?;
                }
            }
            let Some(id) = r.invoice_id else { continue };
            let history = match api.history(id) {
                Ok(h) => h,
                Err(e) => {
                    r.last_error = Some(e.to_string());
                    self.chorus_write(&system, &r, None)?;
                    run.retried += 1;
                    continue;
                }
            };
            let new: Vec<ChorusStatus> = history
                .into_iter()
                .filter(|s| !r.history.contains(s))
                .collect();
            for s in new {
                r.history.push(s.clone());
                self.chorus_write(
                    &system,
                    &r,
                    Some(format!("{n} : statut Chorus Pro {} le {}", s.status, s.at)),
                )?;
                run.statuses += 1;
                self.chorus_effect(&r, &s);
            }
        }
        self.metrics.chorus(&run);
        Ok(run)
    }

    /// What a status does to the invoice's order.
    fn chorus_effect(&self, r: &ChorusRecord, s: &ChorusStatus) {
        if r.number.kind != DocKind::Invoice {
            return;
        }
        let Some(day) = day_of(&s.at) else { return };
        let Ok(doc) = self.document(&r.number.to_string()) else {
            return;
        };
        let Ok(order) = self.store.read(|rx| rx.order(doc.order)) else {
            return;
        };
        let Some(order) = order else { return };
        let number = order.number.to_string();
        let system = super::Actor::system();
        let inv = r.number;
        // The platform's receipt replaces a typed or presumed one; the others are the
        // notices staff would otherwise type.
        let notice = match s.status.as_str() {
            "MISE_A_DISPOSITION" => None,
            "SUSPENDUE" => Some(DelayNotice::Interrupted {
                reason: "Chorus Pro : facture suspendue par l'organisme (complément demandé)"
                    .into(),
            }),
            "COMPLETEE" => Some(DelayNotice::Resumed),
            _ => return,
        };
        let result = self.order_step(
            &system,
            Permission::PaymentDelay,
            &number,
            |o, _, _, ctx: &Ctx| match &notice {
                None => pipeline::chorus_receipt(o, inv, day, ctx),
                Some(n) => pipeline::record_delay_notice(o, Some(inv), day, n, ctx),
            },
        );
        if let Err(e) = result {
            tracing::warn!(document = %r.number, status = %s.status, "Chorus Pro : statut sans effet : {e}");
        }
    }
}

impl App {
    /// The queue and the follow-up, off the sessions: the queue every few seconds, the
    /// statuses every `sync_minutes`; a failure is logged and tried again, never blocking
    /// anyone. Ends with the process.
    pub fn spawn_chorus_loop(self: &Arc<App>) {
        let app = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("chorus".into())
            .spawn(move || {
                let mut last_sync: Option<std::time::Instant> = None;
                // At once at start (what a stopped or killed server left in the queue
                // goes out first), then every 15 s.
                let mut first = true;
                loop {
                    if !std::mem::take(&mut first) {
                        std::thread::sleep(std::time::Duration::from_secs(QUEUE_SECONDS));
                    }
                    if app.chorus().is_err() {
                        continue;
                    }
                    if let Err(e) = app.chorus_run_queue() {
                        tracing::warn!("Chorus Pro, file d'envoi : {e}");
                    }
                    let every = std::time::Duration::from_secs(
                        60 * app.settings().chorus_sync_minutes.max(1),
                    );
                    if last_sync.is_none_or(|t| t.elapsed() >= every) {
                        last_sync = Some(std::time::Instant::now());
                        if let Err(e) = app.chorus_sync() {
                            tracing::warn!("Chorus Pro, suivi : {e}");
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("Chorus Pro : boucle non démarrée : {e}");
        }
    }
}

/// How long a body's structure read from Chorus Pro is trusted.
const STRUCTURE_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

impl App {
    /// A body's structure, from the cache while it is fresh; `None` when Chorus Pro is not
    /// configured or cannot say now (then nothing is refused on its account: the
    /// procedure goes on, and the log says why it was not checked).
    pub(crate) fn chorus_structure_cached(&self, siret: &str) -> Option<ChorusStructure> {
        let api = self.chorus().ok()?;
        {
            let cache = self
                .chorus_structures
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some((st, at)) = cache.get(siret)
                && at.elapsed() < STRUCTURE_TTL
            {
                return Some(st.clone());
            }
        }
        match api.structure(siret) {
            Ok(st) => {
                self.chorus_structures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(siret.to_string(), (st.clone(), std::time::Instant::now()));
                Some(st)
            }
            Err(e) => {
                tracing::warn!(siret, "Chorus Pro : structure non vérifiée : {e}");
                None
            }
        }
    }

    /// What Chorus Pro says a body's routing lacks: a service code it requires, a service
    /// code it does not know, or one that is inactive.
    pub(crate) fn chorus_routing_problem(
        &self,
        siret: &str,
        routing: &crate::domain::ChorusRouting,
    ) -> Option<String> {
        let st = self.chorus_structure_cached(siret)?;
        Self::routing_problem(&st, siret, routing)
    }

    /// The structure as last read, without asking the platform (inside a transaction).
    pub(crate) fn chorus_structure_known(&self, siret: &str) -> Option<ChorusStructure> {
        self.chorus().ok()?;
        let cache = self
            .chorus_structures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .get(siret)
            .filter(|(_, at)| at.elapsed() < STRUCTURE_TTL)
            .map(|(st, _)| st.clone())
    }

    pub(crate) fn routing_problem(
        st: &ChorusStructure,
        siret: &str,
        routing: &crate::domain::ChorusRouting,
    ) -> Option<String> {
        let code = routing
            .service_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        match code {
            None if st.service_required => Some(format!(
                "Chorus Pro exige un code service pour {} : renseignez-le (customer chorus {siret} --service-code …){}",
                st.name,
                if st.services.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ; services actifs : {}",
                        st.services
                            .iter()
                            .filter(|s| s.active)
                            .map(|s| s.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )),
            Some(c) if !st.services.is_empty() => {
                match st.services.iter().find(|s| s.code.eq_ignore_ascii_case(c)) {
                    None => Some(format!(
                        "le code service « {c} » n'existe pas pour {} sur Chorus Pro (services actifs : {})",
                        st.name,
                        st.services
                            .iter()
                            .filter(|s| s.active)
                            .map(|s| s.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    Some(s) if !s.active => Some(format!(
                        "le service « {c} » de {} est inactif sur Chorus Pro : choisissez-en un actif",
                        st.name
                    )),
                    Some(_) => None,
                }
            }
            _ => None,
        }
    }
}

impl App {
    /// The Chorus Pro rules a document's Factur-X breaks (see `chorus_rules`), joined; the body's structure is asked for when `ask` (the queue), else
    /// taken only as last read (a session never waits for the network here).
    fn chorus_rules_broken(&self, n: &DocNumber, ask: bool) -> Option<String> {
        let number = n.to_string();
        let xml = self.document_file(&number, FileFormat::FacturX).ok()?;
        let siret = self.document(&number).ok()?.buyer.siret;
        let structure = if ask {
            self.chorus_structure_cached(siret.as_str())
        } else {
            self.chorus_structure_known(siret.as_str())
        };
        let problems = super::chorus_rules::chorus_rule_problems(&xml, structure.as_ref());
        (!problems.is_empty()).then(|| problems.join(" ; "))
    }
}

/// Per order, the mark of each of its documents on Chorus Pro.
pub(super) type ChorusMarks =
    std::collections::HashMap<crate::domain::OrderId, Vec<(DocNumber, ChorusMark)>>;

impl App {
    /// The board's tag for an order: its most urgent document's mark on Chorus Pro.
    pub fn chorus_mark(&self, order: crate::domain::OrderId) -> Option<ChorusMark> {
        let mut marks = self.chorus_marks.lock().unwrap_or_else(|e| e.into_inner());
        if marks.is_none() {
            let built = self.store.read(|rx| {
                let mut m = ChorusMarks::new();
                for r in rx.chorus_records()? {
                    if let Some(doc) = rx.document(&r.number.to_string())? {
                        m.entry(doc.order).or_default().push((r.number, r.mark()));
                    }
                }
                Ok::<_, crate::store::StoreError>(m)
            });
            // Not kept when the store cannot be read: tried again at the next frame.
            match built {
                Ok(m) => *marks = Some(m),
                Err(_) => return None,
            }
        }
        marks
            .as_ref()
            .and_then(|m| m.get(&order))
            .and_then(|docs| docs.iter().map(|(_, k)| *k).max())
    }

    /// A document's new mark, once its record is committed.
    pub(super) fn note_chorus_mark(
        &self,
        order: crate::domain::OrderId,
        number: DocNumber,
        mark: ChorusMark,
    ) {
        let mut marks = self.chorus_marks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = marks.as_mut() {
            let docs = m.entry(order).or_default();
            docs.retain(|(n, _)| *n != number);
            docs.push((number, mark));
        }
    }

    /// Documents Chorus Pro needs a person for (a row each in the alerts panel).
    pub fn chorus_attention_count(&self) -> usize {
        let mut n = self
            .chorus_attention
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = *n {
            return n;
        }
        let count = self
            .chorus_records()
            .map(|all| all.iter().filter(|r| r.needs_attention().is_some()).count())
            .unwrap_or(0);
        *n = Some(count);
        count
    }

    /// The header's « ⚠ N alertes »: the rows of the alerts panel — the orders' flags,
    /// the bodies to review, and the documents Chorus Pro needs a person for.
    pub fn alert_count(
        &self,
        today: crate::domain::Date,
        rates: &crate::domain::interest::EcbRates,
    ) -> usize {
        self.index().alert_count(today, rates) + self.chorus_attention_count()
    }
}

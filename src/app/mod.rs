//! Use cases. Each one checks the caller's role, runs in one write transaction, writes its
//! audit events, and — once committed — patches the in-memory index and tells every open
//! session what changed.
//!
//! Invariant: every state change of the store goes through this module. The UI and the SSH
//! commands call it and never open a transaction themselves.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod bank;
pub mod catalogue;
pub mod chorus;
pub mod chorus_rules;
pub mod customers;
pub mod export;
pub mod import;
pub(crate) mod index;
pub mod letters;
pub mod mail;
pub mod metrics;
mod orders;
pub(crate) mod pool;
pub(crate) mod queries;
pub(crate) mod search;
pub mod search_session;
pub(crate) mod seed;
mod seed_data;

pub use index::Index;

use crate::documents::{RenderedFile, Renderer};
use crate::domain::interest::EcbRates;
use crate::domain::pipeline::Stock;
use crate::domain::seller::Seller;
use crate::domain::{
    AccessEvent, ActorKind, ActorRef, AuditRecord, Customer, CustomerId, DocNumber, Event, FileRef,
    IssuedDocument, Order, OrderId, PipelineError, Timestamp,
};
pub use crate::domain::{Permission, Role};
use crate::store::{Store, StoreError, Tx};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use thiserror::Error;
use tokio::sync::broadcast;

/// The caller of a use case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub fingerprint: Option<String>,
    pub kind: ActorKind,
    /// For a person logged in over SSH: the right to act given at login, withdrawn when
    /// their key or role changes. Checked inside every write transaction.
    pub grant: Option<Arc<access::Grant>>,
    /// The SSH connection this person acts through (`3f9a2c`), carried into the audit
    /// records they cause and shown in the journal as `session=`.
    pub session: Option<String>,
}

impl Actor {
    /// A person logged in with a key.
    pub fn person(name: &str, role: Role, fingerprint: &str) -> Actor {
        Actor {
            name: name.into(),
            role,
            fingerprint: Some(fingerprint.into()),
            kind: ActorKind::Person,
            grant: None,
            session: None,
        }
    }

    /// Refuses when the right given at login was withdrawn since (key revoked, role
    /// changed). Called inside write transactions, which withdrawals also take.
    pub fn still_granted(&self) -> Result<(), AppError> {
        match &self.grant {
            Some(g) if !g.is_valid() => Err(AppError::Forbidden(
                "votre accès a changé (clé révoquée ou rôle modifié) : rien n'a été enregistré, reconnectez-vous"
                    .into(),
            )),
            _ => Ok(()),
        }
    }

    /// A local `comptoir keys …` command run by the system user `user`.
    pub fn keys_command(user: &str) -> Actor {
        Actor {
            name: format!("comptoir keys ({user})"),
            role: Role::Admin,
            fingerprint: None,
            kind: ActorKind::Cli,
            grant: None,
            session: None,
        }
    }

    /// A key file added, removed or moved by hand in `keys/` (seen when it was re-read).
    pub fn hand_edit() -> Actor {
        Actor {
            name: "keys/ modifié à la main".into(),
            role: Role::Admin,
            fingerprint: None,
            kind: ActorKind::System,
            grant: None,
            session: None,
        }
    }

    /// The local command line (whoever can read the data folder is an admin).
    pub fn cli() -> Actor {
        Actor {
            name: "cli".into(),
            role: Role::Admin,
            fingerprint: None,
            kind: ActorKind::Cli,
            grant: None,
            session: None,
        }
    }

    /// `comptoir import`.
    pub fn import() -> Actor {
        Actor {
            name: "import".into(),
            role: Role::Staff,
            fingerprint: None,
            kind: ActorKind::Import,
            grant: None,
            session: None,
        }
    }

    /// Someone who has not (yet) proved who they are: the author of a refused login.
    pub fn unknown() -> Actor {
        Actor {
            name: "inconnu".into(),
            role: Role::Staff,
            fingerprint: None,
            kind: ActorKind::System,
            grant: None,
            session: None,
        }
    }

    pub fn system() -> Actor {
        Actor {
            name: "system".into(),
            role: Role::Admin,
            fingerprint: None,
            kind: ActorKind::System,
            grant: None,
            session: None,
        }
    }

    pub fn reference(&self) -> ActorRef {
        ActorRef {
            name: self.name.clone(),
            fingerprint: self.fingerprint.clone(),
            kind: self.kind.clone(),
            session: self.session.clone(),
        }
    }

    /// The same person, acting through the SSH connection `id`.
    pub fn in_session(self, id: &str) -> Actor {
        Actor {
            session: Some(id.to_string()),
            ..self
        }
    }

    /// Refuses unless the actor's role may do `permission` (the one table:
    /// [`Permission::roles`]).
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if permission.allows(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(permission.refusal(self.role)))
        }
    }
}

/// Why a use case did not happen. Whatever the variant, nothing was written.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0}")]
    Refused(#[from] PipelineError),
    #[error("{0}")]
    NotFound(String),
    #[error("permission refusée (permission denied) : {0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error("le document n'a pas pu être produit, rien n'a été émis : {0}")]
    Render(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error(
        "aucun document ne peut être émis tant que l'identité du vendeur n'est pas complète \
         (ce n'est pas un magasin de démonstration) : {} — complétez la section [shop] de \
         comptoir.toml, vérifiez avec « comptoir config check », puis redémarrez",
        .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ; ")
    )]
    Identity(Vec<crate::domain::seller::IdentityProblem>),
}

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> AppError {
        AppError::Invalid(msg.into())
    }
}

/// The source of "now". Tests and the seed use a fixed clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(secs)
    }
}

impl SystemClock {
    /// Today in Paris.
    pub fn now_date(&self) -> crate::domain::Date {
        self.now().paris_date()
    }
}

/// A clock that only moves when told to.
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(t: Timestamp) -> FixedClock {
        FixedClock(AtomicI64::new(t.0))
    }

    pub fn set(&self, t: Timestamp) {
        self.0.store(t.0, Ordering::SeqCst)
    }

    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// What changed, sent to every open session after a commit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// Increases with every change; lets a session tell whether its view is stale.
    pub version: u64,
    pub orders: Vec<OrderId>,
    pub customers: Vec<CustomerId>,
    /// A document was issued.
    pub documents: bool,
    /// Access rules (keys, roles) changed.
    pub access: bool,
    /// Anything may have changed (a session that fell behind, stock): reload all.
    pub all: bool,
}

impl Change {
    /// A change whose extent is unknown: everything on screen reloads.
    pub fn everything() -> Change {
        Change {
            all: true,
            ..Change::default()
        }
    }

    pub fn touches_order(&self, id: OrderId) -> bool {
        self.all || self.orders.contains(&id)
    }
}

/// Settings of the business that use cases need.
#[derive(Clone, Debug)]
pub struct Settings {
    pub seller: Seller,
    /// ECB refinancing rates by date; moratory interest adds 8 points.
    pub ecb_rates: EcbRates,
    /// The FEC's sales accounts, one per VAT rate.
    pub accounts: export::SalesAccounts,
    /// Free space (MB) kept on the store's disk: business writes are refused below it, so
    /// the audit trail of logins always has room (`[server] disk_reserve_mb`).
    pub disk_reserve_mb: u64,
    /// `[chorus] mode = "on_issue"`: every new invoice and credit note goes to the queue.
    pub chorus_on_issue: bool,
    /// `[chorus] sync_minutes`: how often statuses are read.
    pub chorus_sync_minutes: u64,
    /// The e-mail of each kind of document (`[smtp.templates]` replaces them).
    pub mail_templates: crate::domain::mail::MailTemplates,
}

/// The default disk reserve, in MB.
pub const DISK_RESERVE_MB: u64 = 50;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seller: Seller::demo(),
            ecb_rates: EcbRates::default(),
            accounts: export::SalesAccounts::default(),
            disk_reserve_mb: DISK_RESERVE_MB,
            chorus_on_issue: false,
            chorus_sync_minutes: 30,
            mail_templates: Default::default(),
        }
    }
}

/// The application: the store, the in-memory index, and the change feed.
pub struct App {
    store: Store,
    /// Replaced whole on a configuration reload (SIGHUP); readers take an `Arc`.
    settings: std::sync::RwLock<Arc<Settings>>,
    clock: Arc<dyn Clock>,
    renderer: Arc<dyn Renderer>,
    /// What an operator watches (`[metrics]`).
    metrics: metrics::Metrics,
    /// When the last backup was made (since the server started).
    last_backup: std::sync::Mutex<Option<std::time::Instant>>,
    /// The shop's SMTP relay, when configured (see [`mail::Mailer`]).
    mailer: std::sync::RwLock<Option<Arc<dyn mail::Mailer>>>,
    /// Chorus Pro, when configured (see [`chorus::ChorusApi`]).
    chorus: std::sync::RwLock<Option<Arc<dyn chorus::ChorusApi>>>,
    /// One run of the Chorus queue or follow-up at a time (the loop and a command).
    chorus_runs: std::sync::Mutex<()>,
    /// Documents Chorus Pro needs a person for (refused, rejected, suspended, to
    /// recycle), counted once then kept up to date by each write of a record.
    chorus_attention: std::sync::Mutex<Option<usize>>,
    /// Per order, its documents' marks on Chorus Pro (the board's tag): built once,
    /// then kept up to date by each write of a record.
    chorus_marks: std::sync::Mutex<Option<chorus::ChorusMarks>>,
    /// Bodies' Chorus Pro structures, by SIRET, with when they were read.
    chorus_structures: std::sync::Mutex<
        std::collections::HashMap<String, (chorus::ChorusStructure, std::time::Instant)>,
    >,
    index: Index,
    changes: broadcast::Sender<Change>,
    grants: access::Grants,
    /// A demonstration store: documents may carry the demo shop's identity.
    demo: bool,
}

impl App {
    /// Builds the app over an opened store; reads what the index needs into memory.
    pub fn new(
        store: Store,
        settings: Settings,
        clock: Arc<dyn Clock>,
        renderer: Arc<dyn Renderer>,
    ) -> Result<App, AppError> {
        let index = Index::build(&store)?;
        let (changes, _) = broadcast::channel(1024);
        let demo = store.is_demo()?;
        Ok(App {
            demo,
            store,
            settings: std::sync::RwLock::new(Arc::new(settings)),
            clock,
            renderer,
            chorus: Default::default(),
            mailer: Default::default(),
            metrics: Default::default(),
            last_backup: Default::default(),
            chorus_runs: Default::default(),
            chorus_structures: Default::default(),
            chorus_attention: Default::default(),
            chorus_marks: Default::default(),
            index,
            changes,
            grants: access::Grants::default(),
        })
    }

    /// Runs a use case's write transaction for `actor`: refused, with nothing written, when
    /// the actor's right to act was withdrawn since they logged in, or when their role may
    /// not do `permission`.
    fn write_as<R>(
        &self,
        actor: &Actor,
        permission: Permission,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        self.check_disk_reserve()?;
        let started = std::time::Instant::now();
        let done = self.store.write(|tx| {
            // Inside the transaction: a role changed meanwhile withdrew the grant, and
            // the table is read here whatever the surface that called.
            actor.still_granted()?;
            actor.require(permission)?;
            f(tx)
        });
        if done.is_ok() {
            self.metrics.commit(started.elapsed().as_secs_f64());
        }
        done
    }

    /// Refuses a business write when the store's disk has less free space than the
    /// reserve: the disk never fills up from orders and documents, and the audit trail
    /// (logins, refusals) keeps room.
    fn check_disk_reserve(&self) -> Result<(), AppError> {
        let reserve_mb = self.settings().disk_reserve_mb;
        if reserve_mb == 0 {
            return Ok(());
        }
        match crate::store::free_space(&self.data_dir()) {
            Some(free) if free / 1_000_000 < reserve_mb => {
                let fault = crate::store::DiskFault::Reserve {
                    free_mb: free / 1_000_000,
                    reserve_mb,
                };
                tracing::error!("{fault}");
                Err(AppError::Store(StoreError::Disk(fault)))
            }
            _ => Ok(()),
        }
    }

    /// Gives a person who just logged in the right to act (see [`Actor::grant`]).
    pub fn grant(&self, actor: Actor) -> Actor {
        let grant = self.grants.give(&actor);
        Actor {
            grant: Some(grant),
            ..actor
        }
    }

    /// Withdraws the rights of every logged-in person for whom `stale` says so (after
    /// `keys/` changed on disk), in a write transaction so that no use case of theirs
    /// commits after it.
    pub fn withdraw_grants(&self, stale: impl Fn(&access::Grant) -> bool) {
        let r = self.store.write(|_tx| {
            self.grants.withdraw(&stale);
            Ok::<_, StoreError>(())
        });
        if let Err(e) = r {
            // The withdrawal itself happened; only the serialising commit failed.
            tracing::error!("withdrawing access rights: {e}");
        }
    }

    /// Opens the store in `data` with the system clock and the PDF renderer: the wiring
    /// every entry point (server, local commands, benchmarks) shares.
    pub fn open(data: &std::path::Path, settings: Settings) -> Result<App, String> {
        App::wired(Store::open(data).map_err(|e| e.to_string())?, settings)
    }

    /// An opened store with the system clock and the PDF renderer: what [`App::open`]
    /// does once the store is open (entry points that open it their own way — held by a
    /// server, must exist — come here).
    pub fn wired(store: Store, settings: Settings) -> Result<App, String> {
        App::new(
            store,
            settings,
            Arc::new(SystemClock),
            Arc::new(crate::documents::PdfRenderer),
        )
        .map_err(|e| e.to_string())
    }

    /// A read-only snapshot of the store, for checks, benchmarks and tests. The store
    /// itself stays inside `app`: every write goes through a use case.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&crate::store::Rx) -> Result<T, E>,
    ) -> Result<T, E> {
        self.store.read(f)
    }

    /// Size of the store file in bytes.
    pub fn file_size(&self) -> u64 {
        self.store.file_size()
    }

    /// Records an access event (login, refused login, key or role change, session ended)
    /// in the audit log. A failure is logged, never fatal: the event already happened.
    pub fn record_access(&self, actor: &Actor, event: AccessEvent) {
        self.record_accesses(actor, vec![event]);
    }

    /// Records an access event and says whether it was written (a login is let in only
    /// when its trace is).
    pub fn try_record_access(&self, actor: &Actor, event: AccessEvent) -> Result<(), AppError> {
        self.write_accesses(actor, vec![event])
            .map_err(AppError::from)
    }

    /// Records several access events in one durable write (the refused logins gathered
    /// over a second: a flood costs the disk one write, not one per attempt).
    pub fn record_accesses(&self, actor: &Actor, events: Vec<AccessEvent>) {
        let actions: Vec<_> = events.iter().map(AccessEvent::action).collect();
        if let Err(e) = self.write_accesses(actor, events) {
            tracing::error!("audit of {actions:?} failed: {e}");
        }
    }

    fn write_accesses(&self, actor: &Actor, events: Vec<AccessEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let at = self.now();
        self.store.write(|tx| {
            for event in events {
                // Withdrawn in the transaction that records the change: a use case of that
                // person either committed before it, or sees the withdrawal.
                match &event {
                    AccessEvent::PersonRevoked { person, .. }
                    | AccessEvent::RoleChanged { person, .. } => {
                        self.grants.withdraw(|g| g.person() == person);
                    }
                    AccessEvent::KeyRevoked {
                        person,
                        fingerprint,
                    } => self
                        .grants
                        .withdraw(|g| g.person() == person && g.fingerprint() == fingerprint),
                    _ => {}
                }
                tx.append_audit(AuditRecord::of_access(at, actor.reference(), event))?;
            }
            Ok::<_, StoreError>(())
        })
    }

    /// Durable commits since the store was opened.
    pub fn durable_commits(&self) -> u64 {
        self.store.durable_commits()
    }

    /// Makes every durable commit wait `d` first, as a slow disk would (tests, benches).
    #[doc(hidden)]
    pub fn simulate_slow_disk(&self, d: std::time::Duration) {
        self.store.simulate_slow_disk(d);
    }

    /// The business settings in force (a consistent value: a reload replaces it whole).
    pub fn settings(&self) -> Arc<Settings> {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts new settings in force (the configuration was reloaded); use cases that
    /// started keep the settings they read.
    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn today(&self) -> crate::domain::Date {
        self.clock.now().paris_date()
    }

    /// Subscribes to changes (for live sessions).
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Refreshes the index for what a commit touched and notifies sessions.
    /// Tells sessions what a commit changed; no order and no customer named means the
    /// stock or the catalogue changed, which any screen may show.
    fn publish(&self, orders: Vec<OrderId>, customers: Vec<CustomerId>) {
        self.publish_change(orders, customers, false);
    }

    /// As [`App::publish`], for a commit that issued a document.
    fn publish_issued(&self, orders: Vec<OrderId>, customers: Vec<CustomerId>) {
        self.publish_change(orders, customers, true);
    }

    fn publish_change(&self, orders: Vec<OrderId>, customers: Vec<CustomerId>, documents: bool) {
        if let Err(e) = self.index.refresh(&self.store, &orders, &customers) {
            tracing::error!("index refresh failed: {e}");
        }
        let version = self.index.version();
        let all = orders.is_empty() && customers.is_empty();
        let _ = self.changes.send(Change {
            version,
            orders,
            customers,
            documents,
            access: false,
            all,
        });
    }

    /// Tells sessions that access rules changed (keys are files, not store records).
    pub fn publish_access_change(&self) {
        let _ = self.changes.send(Change {
            version: self.index.version(),
            access: true,
            ..Change::default()
        });
    }

    /// Writes audit records for the events of a transition.
    /// Records a refused action in the audit trail — who tried what on which order, and
    /// why — so that the audit answers « why did this not happen? ». Best effort: the
    /// refusal itself is what the person sees, whatever happens here.
    pub fn audit_refusal(&self, actor: &Actor, order: Option<&DocNumber>, what: &str, why: &str) {
        let at = self.now();
        let written = self.store.write(|tx| {
            let found = match order {
                Some(n) => tx.order_by_number(n)?,
                None => None,
            };
            let mut ev = Event::new(crate::domain::Action::Refused, "", "")
                .detail(format!("{what} : {why}"));
            if found.is_none()
                && let Some(n) = order
            {
                ev = ev.detail(format!("{n} — {what} : {why}"));
            }
            record_events(
                tx,
                &actor.reference(),
                at,
                found.as_ref(),
                found.as_ref().map(|o| o.customer),
                vec![ev],
            )
        });
        if let Err(e) = written {
            tracing::error!("audit of a refusal failed: {e}");
        }
    }

    fn write_audit(
        &self,
        tx: &mut Tx<'_>,
        actor: &Actor,
        at: Timestamp,
        order: Option<&Order>,
        customer: Option<CustomerId>,
        events: Vec<Event>,
    ) -> Result<(), StoreError> {
        record_events(tx, &actor.reference(), at, order, customer, events)
    }

    /// Renders a document's files, fingerprints them and stores everything; a render
    /// failure aborts the transaction (and gives back its number).
    fn store_document(
        &self,
        tx: &mut Tx<'_>,
        doc: IssuedDocument,
    ) -> Result<IssuedDocument, AppError> {
        if !self.demo {
            let problems = self.settings().seller.problems();
            if !problems.is_empty() {
                return Err(AppError::Identity(problems));
            }
        }
        render_and_insert(tx, self.renderer.as_ref(), &self.settings().seller, doc)
    }

    /// Writes a consistent copy of the live store to `dest` (admins): every action
    /// acknowledged before it started is in it; writers are not blocked.
    pub fn backup(
        &self,
        actor: &Actor,
        dest: &std::path::Path,
    ) -> Result<crate::store::backup::BackupReport, AppError> {
        actor.require(Permission::Backup)?;
        // The copy is at most the store's size: it must not eat the disk's reserve (a
        // full disk would stop the store with it).
        let folder = dest.parent().unwrap_or(std::path::Path::new("."));
        let needed = self.store.file_size() + self.settings().disk_reserve_mb * 1_000_000;
        if let Some(free) = crate::store::free_space(folder)
            && free < needed
        {
            return Err(AppError::Invalid(format!(
                "la sauvegarde a besoin de {} Mo libres dans {} (sa copie temporaire et la \
                 réserve du disque) ; il en reste {} : rien n'a été copié",
                needed / 1_000_000,
                folder.display(),
                free / 1_000_000
            )));
        }
        Ok(self.store.backup_to(dest)?)
    }

    /// Verifies every invariant of the live store on a snapshot (admins).
    pub fn check(&self, actor: &Actor) -> Result<crate::store::check::Report, AppError> {
        actor.require(Permission::Check)?;
        let now = self.now();
        let mut report = self.store.read(|rx| {
            let mut r = crate::store::check::check(rx)?;
            r.warnings
                .extend(crate::store::check::clock_behind(rx, now)?);
            Ok::<_, StoreError>(r)
        })?;
        report.free_bytes = crate::store::free_space(&self.data_dir());
        Ok(report)
    }

    /// The folder of the store file (where temporary backups are written).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.store
            .path()
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }

    /// A demonstration store (seeded): the header says so, and documents may carry the
    /// demo shop's identity.
    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Loads the products an order's lines use.
    fn stock_for(tx: &Tx<'_>, order: &Order) -> Result<Stock, StoreError> {
        let mut stock = Stock::new();
        for l in &order.lines {
            if !stock.contains_key(&l.sku)
                && let Some(p) = tx.product(&l.sku)?
            {
                stock.insert(l.sku.clone(), p);
            }
        }
        Ok(stock)
    }

    fn save_stock(tx: &mut Tx<'_>, stock: &Stock) -> Result<(), StoreError> {
        for p in stock.values() {
            tx.put_product(p)?;
        }
        Ok(())
    }

    fn find_order(tx: &Tx<'_>, number: &DocNumber) -> Result<(Order, Customer), AppError> {
        let order = tx
            .order_by_number(number)?
            .ok_or_else(|| not_found_order(number))?;
        let customer = tx.customer(order.customer)?.ok_or_else(|| {
            AppError::NotFound(format!("client de la commande {number} introuvable"))
        })?;
        Ok((order, customer))
    }
}

/// Renders a document's files, fingerprints them, and stores the record with its files.
pub(crate) fn render_and_insert(
    tx: &mut Tx<'_>,
    renderer: &dyn Renderer,
    seller: &Seller,
    mut doc: IssuedDocument,
) -> Result<IssuedDocument, AppError> {
    let files: Vec<RenderedFile> = renderer
        .render(&doc, seller)
        .map_err(|e| AppError::Render(e.to_string()))?;
    doc.files = files
        .iter()
        .map(|f| FileRef {
            format: f.format,
            sha256: Sha256::digest(&f.bytes).into(),
            size: f.bytes.len() as u64,
        })
        .collect();
    let refs: Vec<_> = files
        .iter()
        .map(|f| (f.format, f.bytes.as_slice()))
        .collect();
    tx.insert_document(&doc, &refs)?;
    Ok(doc)
}

/// Appends one audit record per event.
pub(crate) fn record_events(
    tx: &mut Tx<'_>,
    actor: &ActorRef,
    at: Timestamp,
    order: Option<&Order>,
    customer: Option<CustomerId>,
    events: Vec<Event>,
) -> Result<(), StoreError> {
    for e in events {
        tx.append_audit(AuditRecord {
            seq: 0,
            at,
            actor: actor.clone(),
            action: e.action,
            order: order.map(|o| o.id),
            order_number: order.map(|o| o.number),
            customer: customer.or(order.map(|o| o.customer)),
            before: e.before,
            after: e.after,
            detail: e.detail,
            document: e.document,
            access: None,
        })?;
    }
    Ok(())
}

fn not_found_order(number: &DocNumber) -> AppError {
    AppError::NotFound(format!("commande {number} introuvable"))
}

/// Parses an order reference typed by a person (`DEV-2026-00042`, `dev 2026 42`).
pub fn parse_order_number(s: &str) -> Result<DocNumber, AppError> {
    match DocNumber::parse(s) {
        Some(n) if n.kind == crate::domain::DocKind::Quote => Ok(n),
        Some(n) => Err(AppError::invalid(format!(
            "{n} est un document, pas une commande : une commande se désigne par son numéro de devis (DEV-…)"
        ))),
        None => Err(AppError::invalid(format!(
            "« {} » n'est pas un numéro de commande (DEV-AAAA-NNNNN)",
            s.trim()
        ))),
    }
}

#[cfg(test)]
pub(crate) mod tests;

/// Draws the next number of `kind`'s series for the day of `now`, refusing while the clock
/// is behind the last document of the series: numbers must follow the dates and times
/// they carry (a later number never dated before an earlier one), so a clock put back —
/// a failed NTP sync, a restored VM — stops issuing instead of writing an inversion that
/// `check` would report for ever.
pub(crate) fn draw_number(
    tx: &mut Tx<'_>,
    kind: crate::domain::DocKind,
    now: Timestamp,
) -> Result<DocNumber, AppError> {
    let year = now.paris_date().year() as u16;
    let behind = |tx: &Tx<'_>, year: u16| -> Result<Option<IssuedDocument>, AppError> {
        let n = tx.counter(kind, year)?;
        if n == 0 {
            return Ok(None);
        }
        let last = DocNumber { kind, year, seq: n }.to_string();
        Ok(tx
            .document(&last)?
            .filter(|d| d.issued_at > now || d.date > now.paris_date()))
    };
    let later = match behind(tx, year + 1)? {
        Some(d) => Some(d),
        None => behind(tx, year)?,
    };
    if let Some(last) = later {
        tracing::error!(
            last = %last.number,
            last_issued = %last.issued_at.iso_utc(),
            now = %now.iso_utc(),
            "horloge en retard sur le dernier document : émission refusée"
        );
        return Err(AppError::Invalid(format!(
            "l'horloge du serveur indique le {}, avant {} émis le {} : aucun numéro n'est \
             tiré tant que l'horloge n'est pas remise à l'heure (vérifiez la synchronisation \
             NTP : timedatectl status), puis recommencez",
            now.fr(),
            last.number,
            last.issued_at.fr()
        )));
    }
    Ok(tx.draw_number(kind, year)?)
}

//! The redb store: one file, `comptoir.redb`, under the data folder.
//!
//! Invariants: only this module knows redb; every record is a version byte + postcard;
//! secondary indexes and counters change in the same write transaction as the records
//! they index; issued documents and audit records are inserted once and never rewritten.

pub mod backup;
pub mod check;
mod codec;
pub(crate) mod compress;
pub mod tables;
mod tx;

pub use tx::{Rx, Tx};

use redb::{Database, DatabaseError, ReadableDatabase, ReadableTable};
use std::path::{Path, PathBuf};
use tables::*;
use thiserror::Error;

/// Size of redb's page cache.
const CACHE_BYTES: usize = 128 * 1024 * 1024;

/// File name of the store inside the data folder.
pub const STORE_FILE: &str = "comptoir.redb";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "le magasin {0} est déjà ouvert par un autre processus (`comptoir serve` tourne-t-il ? passez par les commandes ssh, ou arrêtez-le d'abord)"
    )]
    InUse(PathBuf),
    #[error("impossible d'ouvrir le magasin {path} : {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("erreur du magasin : {0}")]
    Db(String),
    #[error("enregistrement illisible dans {table} pour la clé {key} : {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
    #[error(
        "l'enregistrement de {table} pour la clé {key} est au format {version}, inconnu de ce comptoir"
    )]
    UnknownVersion {
        table: &'static str,
        key: String,
        version: u8,
    },
    #[error(
        "le magasin est au schéma {found} ; ce comptoir connaît jusqu'au {known} : mettez comptoir à jour"
    )]
    SchemaTooNew { found: u64, known: u64 },
    #[error("le document {0} existe déjà : un document émis n'est jamais réécrit")]
    DocumentExists(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The disk under the store failed (full, I/O error): nothing was written.
    #[error("{0}")]
    Disk(DiskFault),
    /// A file given as a backup that is not one (empty, not redb, no comptoir schema).
    #[error("{0}")]
    NotABackup(String),
    /// A restore would replace a store holding documents, and was not forced.
    #[error(
        "le magasin actuel contient des documents : la restauration le remplacerait.\n  actuel :      {current}\n  sauvegarde :  {incoming}\nRelancez avec --force pour le remplacer (il sera gardé à côté)"
    )]
    WouldReplace {
        current: Box<backup::StoreSummary>,
        incoming: Box<backup::StoreSummary>,
    },
}

/// What went wrong with the disk under the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskFault {
    /// No space left (or a quota, or a file size limit).
    Full,
    /// Another I/O error.
    Io(String),
    /// The store is being reopened after an I/O error.
    Reopening,
    /// Free space fell under the reserve kept for the audit trail.
    Reserve { free_mb: u64, reserve_mb: u64 },
}

impl std::fmt::Display for DiskFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiskFault::Full => write!(
                f,
                "le disque du magasin est plein : rien n'a été enregistré. Libérez de la \
                 place : l'enregistrement reprend de lui-même, sans redémarrer"
            ),
            DiskFault::Io(e) => write!(
                f,
                "erreur du disque du magasin ({e}) : rien n'a été enregistré ; le magasin est \
                 rouvert de lui-même, réessayez dans un instant"
            ),
            DiskFault::Reopening => write!(
                f,
                "le magasin se rouvre après une erreur du disque (plein ?) : rien n'a été \
                 enregistré, réessayez dans un instant"
            ),
            DiskFault::Reserve {
                free_mb,
                reserve_mb,
            } => write!(
                f,
                "il ne reste que {free_mb} Mo sur le disque du magasin (réserve de \
                 {reserve_mb} Mo) : les enregistrements sont suspendus avant que le disque \
                 ne soit plein ; libérez de la place"
            ),
        }
    }
}

impl DiskFault {
    fn of(e: &std::io::Error) -> DiskFault {
        let full = matches!(
            e.raw_os_error(),
            Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG)
        ) || matches!(
            e.kind(),
            std::io::ErrorKind::StorageFull
                | std::io::ErrorKind::QuotaExceeded
                | std::io::ErrorKind::FileTooLarge
        );
        if full {
            DiskFault::Full
        } else {
            DiskFault::Io(e.to_string())
        }
    }
}

/// Sorts redb's errors: the disk's faults apart (the store reopens itself after them),
/// everything else as a storage error.
fn classify(e: redb::Error) -> StoreError {
    match e {
        redb::Error::Io(io) => StoreError::Disk(DiskFault::of(&io)),
        redb::Error::PreviousIo | redb::Error::DatabaseClosed => {
            StoreError::Disk(DiskFault::Reopening)
        }
        other => StoreError::Db(other.to_string()),
    }
}

macro_rules! db_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                classify(redb::Error::from(e))
            }
        }
    )*};
}
impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        classify(e)
    }
}

db_error_from!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Work of a migration done in several commits.
type Batches = fn(&Store) -> Result<(), StoreError>;

/// A named migration: brings the schema from `from` to `from + 1` in its own transaction,
/// after `batches` (work too large for one transaction, done in commits that a restart
/// resumes: each batch leaves the store correct at the old schema as well).
struct Migration {
    from: u64,
    #[allow(dead_code)]
    name: &'static str,
    batches: Option<Batches>,
    /// Reads tables raw: from schema 6 on, a migration reading customers, orders,
    /// documents, parts or audit records must go through `batches` (a `Tx` decompresses).
    run: fn(&redb::WriteTransaction) -> Result<(), StoreError>,
}

/// Schema 4 → 5, in batches of 20 000 documents: the buyer and lines of every document
/// stored once as parts.
fn move_document_parts(store: &Store) -> Result<(), StoreError> {
    let mut from: Option<String> = None;
    loop {
        let next = store.write_fast(|tx| tx.move_document_parts(from.as_deref(), 20_000))?;
        match next {
            Some(last) => from = Some(last),
            None => break,
        }
    }
    // One durable commit makes the batches durable.
    store.write(|_| Ok::<_, StoreError>(()))
}

fn nothing_more(_: &redb::WriteTransaction) -> Result<(), StoreError> {
    Ok(())
}

/// META key of the demonstration-store mark.
const DEMO_KEY: &str = "demo_store";

/// The ordered migrations, and what each schema brought:
///
/// - 2: every order card recomputed from its order (cards carry each invoice's late
///   state).
/// - 3: orders indexed by their folded PO / engagement number (`orders_by_po_v1`), which
///   the board filter and the palette use with the web reference and document numbers
///   (`App::orders_by_reference`).
/// - 4: every customer's summary written (`customer_summaries_v1`: name, city, SIRET,
///   contact names, eligibility — about 90 bytes, written by `Tx::put_customer` with the
///   account), which is all the in-memory index reads of a customer at start.
/// - 5: each document's buyer and lines stored once as shared parts
///   (`document_parts_v1`, content-addressed by SHA-256, the record marked by bit 0x80 of
///   its version byte and holding the two keys), in batches of 20 000 that a restart
///   resumes, each document read back equal before it is rewritten.
/// - 6: compressed values allowed (`compress.rs`: `0x40`, the dictionary id, the plain
///   length, a zstd frame); customers, orders, documents, parts and audit records use a
///   32 KB dictionary per table, trained at open once the table holds 1 000 records (4 000
///   samples spread over its keys; stored in `dictionaries_v1`, never changed or removed,
///   each value names its own); document files none (kept compressed only when a tenth
///   smaller: XML yes, PDF no). Order cards and customer summaries stay plain: the index
///   reads them at start.
const MIGRATIONS: &[Migration] = &[
    Migration {
        from: 1,
        name: "order cards carry each invoice's late state (due from receipt, interest per amount)",
        batches: None,
        run: rebuild_order_cards,
    },
    Migration {
        from: 2,
        name: "orders indexed by their PO / engagement number",
        batches: None,
        run: index_po_numbers,
    },
    Migration {
        from: 3,
        name: "every customer's summary in a compact table that the index reads at start",
        batches: None,
        run: summarise_customers,
    },
    Migration {
        from: 4,
        name: "documents' buyer and lines stored once as shared parts",
        batches: Some(move_document_parts),
        run: nothing_more,
    },
    Migration {
        from: 5,
        name: "values may be compressed (an older comptoir must not read them as records)",
        batches: None,
        run: nothing_more,
    },
];

/// Schema 3 → 4: the summary of every customer.
fn summarise_customers(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    let customers = txn.open_table(CUSTOMERS)?;
    let mut summaries = txn.open_table(CUSTOMER_SUMMARIES)?;
    for entry in customers.iter()? {
        let (id, bytes) = entry?;
        let id = id.value();
        let customer: crate::domain::Customer = codec::decode("customers", &id, bytes.value())?;
        let summary = crate::domain::CustomerSummary::of(&customer);
        summaries.insert(
            id,
            codec::encode("customer_summaries", &id, &summary)?.as_slice(),
        )?;
    }
    Ok(())
}

/// Schema 2 → 3: every order with an original PO is indexed by its number.
fn index_po_numbers(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    let orders = txn.open_table(ORDERS)?;
    let mut by_po = txn.open_table(ORDERS_BY_PO)?;
    for entry in orders.iter()? {
        let (id, bytes) = entry?;
        let id = id.value();
        let order: crate::domain::Order = codec::decode("orders", &id, bytes.value())?;
        if let Some(po) = &order.po {
            by_po.insert((fold_reference(&po.po_number).as_str(), id), ())?;
        }
    }
    Ok(())
}

/// A reference as it is indexed and searched: lower case, letters and digits only.
pub fn fold_reference(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Schema 1 → 2: every order card is recomputed from its order, so the board's flags
/// follow the same payment rules as the order (records themselves upgrade on read).
fn rebuild_order_cards(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    let orders = txn.open_table(ORDERS)?;
    let mut cards = txn.open_table(ORDER_CARDS)?;
    for entry in orders.iter()? {
        let (id, bytes) = entry?;
        let id = id.value();
        let order: crate::domain::Order = codec::decode("orders", &id, bytes.value())?;
        let card = crate::domain::OrderCard::from_order(&order);
        cards.insert(id, codec::encode("order_cards", &id, &card)?.as_slice())?;
    }
    Ok(())
}

/// The embedded database.
pub struct Store {
    /// The open database; `None` while it is being reopened after an I/O error. Each
    /// operation holds its own reference for as long as its transaction lives.
    db: std::sync::RwLock<Option<std::sync::Arc<Database>>>,
    /// One reopening at a time.
    reopening: std::sync::Mutex<()>,
    /// When the last reopening was tried (they are spaced while the disk stays faulty).
    reopened_at: std::sync::Mutex<Option<std::time::Instant>>,
    path: PathBuf,
    /// Durable commits since the store was opened: each one waits for the disk.
    durable_commits: std::sync::atomic::AtomicU64,
    /// Milliseconds every durable commit waits first: a slow disk, for tests and benches.
    slow_disk_ms: std::sync::atomic::AtomicU64,
    /// The compression dictionaries, loaded at open (changed only while opening).
    dictionaries: std::sync::Arc<compress::Dictionaries>,
    /// Temporary copies a killed process left in the data folder, removed at open.
    leftovers: Vec<(PathBuf, u64)>,
}

/// Free space for an unprivileged writer on the file system holding `path`, in bytes.
pub fn free_space(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// Removes what a process killed mid-way left in `data_dir`: streamed backups
/// (`.backup-<pid>-<n>.redb`), restores and compactions (`.restore-*`, `.compact-*`). Only
/// called once the store's exclusive lock is held, so no living process owns them.
/// Returns each path removed with the bytes it freed.
fn clean_leftovers(data_dir: &Path) -> Vec<(PathBuf, u64)> {
    fn size(p: &Path) -> u64 {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => std::fs::read_dir(p)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| size(&e.path())).sum())
                .unwrap_or(0),
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(data_dir) else {
        return out;
    };
    for entry in dir.filter_map(|e| e.ok()) {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let backup = name.starts_with(".backup-") && name.ends_with(".redb");
        let work = name.starts_with(".restore-") || name.starts_with(".compact-");
        if !(backup || work) {
            continue;
        }
        let bytes = size(&path);
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if removed.is_ok() {
            out.push((path, bytes));
        }
    }
    out
}

impl Store {
    /// Opens (or creates) the store in `data_dir`, creating every table and running
    /// pending migrations.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(STORE_FILE);
        // redb's page cache defaults to 1 GiB; the OS caches the file too, and the app keeps
        // its own index in memory, so a smaller cache keeps the server's footprint sane.
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| match e {
                DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(path.clone()),
                other => StoreError::Open {
                    path: path.clone(),
                    reason: other.to_string(),
                },
            })?;
        let leftovers = clean_leftovers(data_dir);
        let mut store = Store {
            db: std::sync::RwLock::new(Some(std::sync::Arc::new(db))),
            reopening: Default::default(),
            reopened_at: Default::default(),
            path,
            durable_commits: Default::default(),
            slow_disk_ms: Default::default(),
            dictionaries: Default::default(),
            leftovers,
        };
        store.init()?;
        store.train_dictionaries()?;
        Ok(store)
    }

    fn init(&mut self) -> Result<(), StoreError> {
        let txn = self.db()?.begin_write()?;
        let version = {
            // Opening a table creates it.
            let mut meta = txn.open_table(META)?;
            txn.open_table(CUSTOMERS)?;
            txn.open_table(CUSTOMER_BY_SIRET)?;
            txn.open_table(PRODUCTS)?;
            txn.open_table(ORDERS)?;
            txn.open_table(ORDER_CARDS)?;
            txn.open_table(ORDER_BY_NUMBER)?;
            txn.open_table(ORDERS_BY_STAGE)?;
            txn.open_table(ORDERS_BY_CUSTOMER)?;
            txn.open_table(ORDER_BY_EXTERNAL_REF)?;
            txn.open_table(DOCUMENTS)?;
            txn.open_table(DOCUMENTS_CHRONO)?;
            txn.open_table(DOCUMENT_FILES)?;
            txn.open_table(COUNTERS)?;
            txn.open_table(AUDIT)?;
            txn.open_multimap_table(AUDIT_BY_ORDER)?;
            txn.open_multimap_table(AUDIT_BY_CUSTOMER)?;
            txn.open_table(PREFERENCES)?;
            txn.open_table(ATTACHMENTS)?;
            txn.open_table(CHORUS)?;
            txn.open_table(BANK)?;
            txn.open_table(LETTERS)?;
            txn.open_table(LETTER_FILES)?;
            txn.open_table(MAILS)?;
            txn.open_table(ORDERS_BY_PO)?;
            txn.open_table(CUSTOMER_SUMMARIES)?;
            txn.open_table(DOCUMENT_PARTS)?;
            txn.open_table(DICTIONARIES)?;
            let current = meta.get("schema_version")?.map(|v| v.value());
            match current {
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION)?;
                    SCHEMA_VERSION
                }
                Some(v) => v,
            }
        };
        txn.commit()?;
        // Before any migration: from schema 6 on, values may be compressed.
        self.dictionaries = std::sync::Arc::new(self.load_dictionaries()?);
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let mut v = version;
        while v < SCHEMA_VERSION {
            let Some(m) = MIGRATIONS.iter().find(|m| m.from == v) else {
                return Err(StoreError::Db(format!(
                    "no migration from schema version {v}"
                )));
            };
            if let Some(batches) = m.batches {
                batches(self)?;
            }
            let txn = self.db()?.begin_write()?;
            (m.run)(&txn)?;
            {
                let mut meta = txn.open_table(META)?;
                meta.insert("schema_version", v + 1)?;
            }
            txn.commit()?;
            v += 1;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open database, reopened first if an earlier I/O error closed it.
    fn db(&self) -> Result<std::sync::Arc<Database>, StoreError> {
        if let Some(db) = self.db.read().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(db);
        }
        self.reopen(false)?;
        self.db
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(StoreError::Disk(DiskFault::Reopening))
    }

    fn db_mut(&mut self) -> Result<&mut Database, StoreError> {
        self.db
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .and_then(std::sync::Arc::get_mut)
            .ok_or(StoreError::Disk(DiskFault::Reopening))
    }

    /// Closes and reopens the database after an I/O error (redb refuses every operation
    /// after one until it is reopened): sessions keep running, and once the disk has room
    /// again writes work without a restart. The old handle is released once the
    /// operations under way let go of it (they fail meanwhile; new ones wait for the
    /// reopening). While the disk stays faulty, attempts are a second apart.
    /// `after_error`: the open database just failed (reopen it even though it is open).
    pub fn reopen(&self, after_error: bool) -> Result<(), StoreError> {
        let _one = self.reopening.lock().unwrap_or_else(|e| e.into_inner());
        let old = {
            let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
            let mut last = self.reopened_at.lock().unwrap_or_else(|e| e.into_inner());
            let recent = last.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1));
            if slot.is_some() && !after_error {
                return Ok(());
            }
            if slot.is_none() && recent {
                return Err(StoreError::Disk(DiskFault::Reopening));
            }
            *last = Some(std::time::Instant::now());
            slot.take()
        };
        // The file's lock goes with the last reference to the old handle.
        if let Some(old) = old {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while std::sync::Arc::strong_count(&old) > 1 && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        match Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&self.path)
        {
            Ok(db) => {
                *self.db.write().unwrap_or_else(|e| e.into_inner()) = Some(std::sync::Arc::new(db));
                tracing::warn!(path = %self.path.display(), "magasin rouvert après une erreur du disque");
                Ok(())
            }
            Err(e) => {
                tracing::error!(path = %self.path.display(), error = %e, "le magasin ne peut pas encore être rouvert");
                Err(match e {
                    DatabaseError::Storage(s) => StoreError::from(s),
                    DatabaseError::DatabaseAlreadyOpen => StoreError::Disk(DiskFault::Reopening),
                    other => StoreError::Db(other.to_string()),
                })
            }
        }
    }

    /// After a failed operation: a fault of the disk closes and reopens the database.
    fn recover(&self, e: &StoreError) {
        if matches!(e, StoreError::Disk(_)) {
            let _ = self.reopen(true);
        }
    }

    /// What opening removed: copies left by a process killed during a backup, restore or
    /// compaction, with their sizes.
    pub fn leftovers_removed(&self) -> &[(PathBuf, u64)] {
        &self.leftovers
    }

    /// Makes every durable commit wait `d` first, as a slow disk would (tests, benches).
    #[doc(hidden)]
    pub fn simulate_slow_disk(&self, d: std::time::Duration) {
        self.slow_disk_ms
            .store(d.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Durable commits since the store was opened (what a flood of writes costs the disk).
    pub fn durable_commits(&self) -> u64 {
        self.durable_commits
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Size of the store file in bytes.
    pub fn file_size(&self) -> u64 {
        std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
    }

    /// Runs `f` in one write transaction: committed (durably) when `f` returns `Ok`,
    /// aborted — with every counter it advanced — when it returns `Err`.
    pub fn write<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.write_with(redb::Durability::Immediate, f)
    }

    /// As [`Store::write`], without waiting for the disk (bulk loads; a final durable commit
    /// persists them).
    pub fn write_fast<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.write_with(redb::Durability::None, f)
    }

    fn write_with<R, E: From<StoreError>>(
        &self,
        durability: redb::Durability,
        f: impl FnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let durable = matches!(durability, redb::Durability::Immediate);
        // A write after an I/O error finds the database refusing everything: it is
        // reopened and the write tried once more (nothing of it has run yet).
        let mut tries = 0;
        let (db, mut txn) = loop {
            let db = self.db()?;
            match db.begin_write().map_err(StoreError::from) {
                Ok(txn) => break (db, txn),
                Err(e) => {
                    drop(db);
                    self.recover(&e);
                    tries += 1;
                    if tries == 2 || !matches!(e, StoreError::Disk(_)) {
                        return Err(e.into());
                    }
                }
            }
        };
        txn.set_durability(durability)
            .map_err(|e| StoreError::Db(e.to_string()))?;
        let result = {
            let mut tx = Tx::open(&txn, self.dictionaries.clone())?;
            f(&mut tx)
        };
        match result {
            Ok(v) => {
                let slow = self.slow_disk_ms.load(std::sync::atomic::Ordering::Relaxed);
                if durable && slow > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(slow));
                }
                if let Err(e) = txn.commit().map_err(StoreError::from) {
                    drop(db);
                    self.recover(&e);
                    return Err(e.into());
                }
                if durable {
                    self.durable_commits
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(v)
            }
            Err(e) => {
                // Dropping would abort too; an explicit abort reports nothing useful.
                let _ = txn.abort();
                Err(e)
            }
        }
    }

    /// Runs `f` on a consistent snapshot; never blocks the writer.
    pub fn read<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Rx) -> Result<R, E>,
    ) -> Result<R, E> {
        let db = self.db()?;
        let txn = match db.begin_read().map_err(StoreError::from) {
            Ok(txn) => txn,
            Err(e) => {
                drop(db);
                self.recover(&e);
                return Err(e.into());
            }
        };
        let rx = Rx::open(&txn, self.dictionaries.clone())?;
        f(&rx)
    }

    /// Rewrites the file without its free pages (after a bulk load). Needs exclusive access.
    pub fn compact(&mut self) -> Result<bool, StoreError> {
        self.db_mut()?
            .compact()
            .map_err(|e| StoreError::Db(e.to_string()))
    }

    /// Marks the store as a demonstration store: documents may carry the demo shop's
    /// identity. Set by the seed (`serve --demo`, `comptoir seed`); never removed.
    pub fn mark_demo(&self) -> Result<(), StoreError> {
        self.write(|tx| tx.set_meta(DEMO_KEY, 1))
    }

    pub fn is_demo(&self) -> Result<bool, StoreError> {
        Ok(self.read(|rx| rx.meta(DEMO_KEY))? == Some(1))
    }

    /// redb's own structural check (pages, checksums). Needs exclusive access.
    pub fn check_integrity(&mut self) -> Result<bool, StoreError> {
        self.db_mut()?
            .check_integrity()
            .map_err(|e| StoreError::Db(e.to_string()))
    }
}

#[cfg(test)]
mod tests;

/// What one table takes in the file (`comptoir bench open`).
#[derive(Clone, Debug)]
pub struct TableSize {
    pub name: String,
    pub rows: u64,
    /// Keys and values as stored in leaf pages.
    pub stored: u64,
    /// B-tree overhead: branch pages, page headers.
    pub metadata: u64,
    /// Unused space inside the table's pages.
    pub fragmented: u64,
}

impl Store {
    /// Every table's rows and bytes, largest first.
    pub fn table_sizes(&self) -> Result<Vec<TableSize>, StoreError> {
        use redb::{MultimapTableHandle, ReadableTableMetadata, TableHandle};
        let txn = self.db()?.begin_read()?;
        let size = |name: &str, rows: u64, stats: redb::TableStats| TableSize {
            name: name.to_string(),
            rows,
            stored: stats.stored_bytes(),
            metadata: stats.metadata_bytes(),
            fragmented: stats.fragmented_bytes(),
        };
        let mut sizes = Vec::new();
        for handle in txn.list_tables()? {
            let name = handle.name().to_string();
            let table = txn.open_untyped_table(handle)?;
            sizes.push(size(&name, table.len()?, table.stats()?));
        }
        for handle in txn.list_multimap_tables()? {
            let name = handle.name().to_string();
            let table = txn.open_untyped_multimap_table(handle)?;
            sizes.push(size(&name, table.len()?, table.stats()?));
        }
        sizes.sort_by_key(|s| std::cmp::Reverse(s.stored + s.metadata + s.fragmented));
        Ok(sizes)
    }
}

/// New dictionaries with their ids, from `first` on.
pub(crate) fn numbered(
    first: u64,
    trained: Vec<(&'static str, Vec<u8>)>,
) -> Vec<(&'static str, u64, Vec<u8>)> {
    (first..)
        .zip(trained)
        .map(|(id, (name, bytes))| (name, id, bytes))
        .collect()
}

/// META key of the dictionary `table` writes with.
fn dictionary_key(table: &str) -> String {
    format!("dictionary:{table}")
}

/// Every dictionary stored in a snapshot, and which one each table writes with.
fn read_dictionaries(txn: &redb::ReadTransaction) -> Result<compress::Dictionaries, StoreError> {
    let table = txn.open_table(DICTIONARIES)?;
    let meta = txn.open_table(META)?;
    let mut current = std::collections::HashMap::new();
    for name in compress::WITH_DICTIONARY {
        if let Some(id) = meta.get(dictionary_key(name).as_str())? {
            current.insert(id.value(), name);
        }
    }
    let mut dictionaries = compress::Dictionaries::default();
    for entry in table.iter()? {
        let (id, bytes) = entry?;
        let id = id.value();
        dictionaries.insert(id, bytes.value(), current.get(&id).copied());
    }
    Ok(dictionaries)
}

impl Store {
    /// Every stored dictionary, and which one each table writes with.
    fn load_dictionaries(&self) -> Result<compress::Dictionaries, StoreError> {
        read_dictionaries(&self.db()?.begin_read()?)
    }

    /// Plain samples of a table's values spread evenly over its keys (or, for documents,
    /// over their issue order), decompressed with the dictionaries they were written with:
    /// a few thousand lookups, whatever the table's size.
    fn training_samples(&self, table_name: &'static str) -> Result<Vec<Vec<u8>>, StoreError> {
        let txn = self.db()?.begin_read()?;
        let n = compress::TRAINING_SAMPLES as u64;
        // Keys spread evenly between a u64-keyed table's first and last.
        fn spread(first: Option<u64>, last: Option<u64>, n: u64) -> impl Iterator<Item = u64> {
            let (first, last) = (first.unwrap_or(1), last.unwrap_or(0));
            let span = last.saturating_sub(first) as u128 + 1;
            (0..if last >= first { n } else { 0 })
                .map(move |i| first + (span * i as u128 / n as u128) as u64)
        }
        let mut samples = Vec::new();
        macro_rules! spread_over {
            ($def:expr) => {{
                let table = txn.open_table($def)?;
                let first = table.first()?.map(|(k, _)| k.value());
                let last = table.last()?.map(|(k, _)| k.value());
                let mut previous = None;
                for key in spread(first, last, n) {
                    if let Some(entry) = table.range(key..)?.next() {
                        let (k, v) = entry?;
                        if previous == Some(k.value()) {
                            continue;
                        }
                        previous = Some(k.value());
                        samples.push(
                            self.dictionaries
                                .unpack(table_name, &k.value(), v.value())?
                                .into_owned(),
                        );
                    }
                }
            }};
        }
        match table_name {
            CUSTOMERS_NAME => spread_over!(CUSTOMERS),
            ORDERS_NAME => spread_over!(ORDERS),
            DOCUMENT_PARTS_NAME => spread_over!(DOCUMENT_PARTS),
            AUDIT_NAME => spread_over!(AUDIT),
            DOCUMENTS_NAME => {
                let chrono = txn.open_table(DOCUMENTS_CHRONO)?;
                let documents = txn.open_table(DOCUMENTS)?;
                let first = chrono.first()?.map(|(k, _)| k.value());
                let last = chrono.last()?.map(|(k, _)| k.value());
                for key in spread(first, last, n) {
                    let Some(entry) = chrono.range(key..)?.next() else {
                        continue;
                    };
                    let number = entry?.1.value().to_string();
                    if let Some(v) = documents.get(number.as_str())? {
                        samples.push(
                            self.dictionaries
                                .unpack(table_name, &number, v.value())?
                                .into_owned(),
                        );
                    }
                }
            }
            _ => {}
        }
        Ok(samples)
    }

    /// Number of rows of a compressible table.
    fn rows_of(&self, table_name: &str) -> Result<u64, StoreError> {
        use redb::{ReadableTableMetadata, TableHandle};
        let txn = self.db()?.begin_read()?;
        for handle in txn.list_tables()? {
            if handle.name() == table_name {
                return Ok(txn.open_untyped_table(handle)?.len()?);
            }
        }
        Ok(0)
    }

    /// Dictionaries trained on samples spread over every compressible table that holds
    /// enough values (`all`: every such table; else only those without one yet).
    pub(crate) fn trained_dictionaries(
        &self,
        all: bool,
    ) -> Result<Vec<(&'static str, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for name in compress::WITH_DICTIONARY {
            if !all && self.dictionaries.current(name).is_some() {
                continue;
            }
            if self.rows_of(name)? < compress::TRAINING_MIN_ROWS {
                continue;
            }
            if let Some(d) = compress::train(&self.training_samples(name)?) {
                out.push((name, d));
            }
        }
        Ok(out)
    }

    /// Stores `dictionaries` and makes each the one its table writes with.
    fn add_dictionaries(
        &mut self,
        dictionaries: Vec<(&'static str, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        if dictionaries.is_empty() {
            return Ok(());
        }
        let txn = self.db()?.begin_write()?;
        {
            let mut table = txn.open_table(DICTIONARIES)?;
            let mut meta = txn.open_table(META)?;
            let first = table.last()?.map_or(1, |(k, _)| k.value() + 1);
            for (name, id, bytes) in numbered(first, dictionaries) {
                table.insert(id, bytes.as_slice())?;
                meta.insert(dictionary_key(name).as_str(), id)?;
            }
        }
        txn.commit()?;
        self.dictionaries = std::sync::Arc::new(self.load_dictionaries()?);
        Ok(())
    }

    /// At open: a table that has grown enough records gets its dictionary; values written
    /// from then on are compressed with it (`comptoir compact` rewrites the older ones).
    fn train_dictionaries(&mut self) -> Result<(), StoreError> {
        let trained = self.trained_dictionaries(false)?;
        self.add_dictionaries(trained)
    }
}

//! The redb store: one file, `comptoir.redb`, under the data folder.
//!
//! Invariants: only this module knows redb; every record is a version byte + postcard;
//! secondary indexes and counters change in the same write transaction as the records
//! they index; issued documents and audit records are inserted once and never rewritten.

pub mod backup;
pub mod check;
mod codec;
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
        "the store {0} is already open in another process (is `comptoir serve` running? use the ssh commands, or stop it first)"
    )]
    InUse(PathBuf),
    #[error("cannot open the store {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("storage error: {0}")]
    Db(String),
    #[error("corrupt record in {table} for key {key}: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
    #[error(
        "record in {table} for key {key} has format version {version}, unknown to this comptoir"
    )]
    UnknownVersion {
        table: &'static str,
        key: String,
        version: u8,
    },
    #[error(
        "the store has schema version {found}; this comptoir knows up to {known}: upgrade comptoir"
    )]
    SchemaTooNew { found: u64, known: u64 },
    #[error("document {0} already exists: an issued document is never rewritten")]
    DocumentExists(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

macro_rules! db_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
db_error_from!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A named migration: brings the schema from `from` to `from + 1` in its own transaction,
/// after `batches` (work too large for one transaction, done in commits that a restart
/// resumes: each batch leaves the store correct at the old schema as well).
struct Migration {
    from: u64,
    #[allow(dead_code)]
    name: &'static str,
    batches: Option<fn(&Store) -> Result<(), StoreError>>,
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

/// The ordered migrations.
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
    db: Database,
    path: PathBuf,
    /// Durable commits since the store was opened: each one waits for the disk.
    durable_commits: std::sync::atomic::AtomicU64,
    /// Milliseconds every durable commit waits first: a slow disk, for tests and benches.
    slow_disk_ms: std::sync::atomic::AtomicU64,
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
        let store = Store {
            db,
            path,
            durable_commits: Default::default(),
            slow_disk_ms: Default::default(),
        };
        store.init()?;
        Ok(store)
    }

    fn init(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
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
            txn.open_table(ORDERS_BY_PO)?;
            txn.open_table(CUSTOMER_SUMMARIES)?;
            txn.open_table(DOCUMENT_PARTS)?;
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
            let txn = self.db.begin_write()?;
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
        let mut txn = self.db.begin_write().map_err(StoreError::from)?;
        txn.set_durability(durability)
            .map_err(|e| StoreError::Db(e.to_string()))?;
        let result = {
            let mut tx = Tx::open(&txn)?;
            f(&mut tx)
        };
        match result {
            Ok(v) => {
                let slow = self.slow_disk_ms.load(std::sync::atomic::Ordering::Relaxed);
                if durable && slow > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(slow));
                }
                txn.commit().map_err(StoreError::from)?;
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
        let txn = self.db.begin_read().map_err(StoreError::from)?;
        let rx = Rx::open(&txn)?;
        f(&rx)
    }

    /// Rewrites the file without its free pages (after a bulk load). Needs exclusive access.
    pub fn compact(&mut self) -> Result<bool, StoreError> {
        self.db.compact().map_err(|e| StoreError::Db(e.to_string()))
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
        self.db
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
        let txn = self.db.begin_read()?;
        let mut sizes = Vec::new();
        for handle in txn.list_tables()? {
            let name = handle.name().to_string();
            let table = txn.open_untyped_table(handle)?;
            let stats = table.stats()?;
            sizes.push(TableSize {
                name,
                rows: table.len()?,
                stored: stats.stored_bytes(),
                metadata: stats.metadata_bytes(),
                fragmented: stats.fragmented_bytes(),
            });
        }
        for handle in txn.list_multimap_tables()? {
            let name = handle.name().to_string();
            let table = txn.open_untyped_multimap_table(handle)?;
            let stats = table.stats()?;
            sizes.push(TableSize {
                name,
                rows: table.len()?,
                stored: stats.stored_bytes(),
                metadata: stats.metadata_bytes(),
                fragmented: stats.fragmented_bytes(),
            });
        }
        sizes.sort_by_key(|s| std::cmp::Reverse(s.stored + s.metadata + s.fragmented));
        Ok(sizes)
    }
}

//! Consistent copies of a live store, and their restoration.
//!
//! A backup copies every table of one read transaction (a snapshot: every commit
//! acknowledged before it began, nothing after) into a new redb file, committed once.
//! Writers are never blocked; the copy is a normal store that `check` verifies and
//! `restore` puts in place.

use super::compress::Dictionaries;
use super::tables::*;
use super::{STORE_FILE, Store, StoreError};
use redb::{
    Database, Key, MultimapTableDefinition, ReadTransaction, ReadableDatabase,
    ReadableMultimapTable, ReadableTable, TableDefinition, Value, WriteTransaction,
};
use std::path::{Path, PathBuf};

/// What a backup holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupReport {
    pub tables: usize,
    pub rows: u64,
    pub bytes: u64,
}

/// redb page cache of the copy being written.
const COPY_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Rows a backup writes per transaction of the copy: the copy's dirty pages are flushed
/// at each commit, so the server's memory stays bounded whatever the store's size.
const ROWS_PER_COMMIT: u64 = 50_000;

/// A write transaction of the copy that is not yet durable (the last commit is).
fn batch(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_durability(redb::Durability::None)
        .map_err(|e| StoreError::Db(e.to_string()))?;
    Ok(txn)
}

/// Copies every row of `$def` from `$src` into `$dst`, the value of each row being
/// `$value` (with `$k`, `$v` the row read) as `$as` borrows it, committing every
/// `ROWS_PER_COMMIT` rows.
macro_rules! copy_in_batches {
    ($src:expr, $dst:expr, $def:expr, |$k:ident, $v:ident| $value:expr, |$x:ident| $as:expr) => {{
        let from = $src.open_table($def)?;
        let mut rows = from.iter()?;
        let mut n = 0;
        loop {
            let txn = batch($dst)?;
            let mut done = true;
            {
                let mut to = txn.open_table($def)?;
                for entry in rows.by_ref() {
                    let ($k, $v) = entry?;
                    let $x = $value;
                    to.insert($k.value(), $as)?;
                    n += 1;
                    if n % ROWS_PER_COMMIT == 0 {
                        done = false;
                        break;
                    }
                }
            }
            txn.commit()?;
            if done {
                break Ok(n);
            }
        }
    }};
}

fn copy<K: Key + 'static, V: Value + 'static>(
    src: &ReadTransaction,
    dst: &Database,
    def: TableDefinition<K, V>,
) -> Result<u64, StoreError> {
    copy_in_batches!(src, dst, def, |k, v| v.value(), |value| value)
}

/// How a compacting copy re-encodes values: read with the store's dictionaries, written
/// with the copy's (the store's and the newly trained ones, current for their tables).
struct Recode<'a> {
    from: &'a Dictionaries,
    to: Dictionaries,
    /// (table, id, dictionary) trained for the copy.
    added: Vec<(&'static str, u64, Vec<u8>)>,
}

/// Copies a table of byte values, re-encoding each one when `recode` is given.
fn copy_values<K: Key + 'static>(
    src: &ReadTransaction,
    dst: &Database,
    def: TableDefinition<K, &'static [u8]>,
    name: &'static str,
    recode: Option<&Recode>,
) -> Result<u64, StoreError> {
    let Some(recode) = recode else {
        return copy(src, dst, def);
    };
    copy_in_batches!(
        src,
        dst,
        def,
        |k, v| {
            let key = format!("{:?}", k.value());
            let plain = recode.from.unpack(name, &key, v.value())?.into_owned();
            recode.to.pack(name, plain)
        },
        |stored| stored.as_slice()
    )
}

fn copy_multimap<K: Key + 'static, V: Key + 'static>(
    src: &ReadTransaction,
    dst: &Database,
    def: MultimapTableDefinition<K, V>,
) -> Result<u64, StoreError> {
    let from = src.open_multimap_table(def)?;
    let txn = batch(dst)?;
    let mut txn = Some(txn);
    let mut n = 0;
    for entry in from.iter()? {
        let (k, values) = entry?;
        for v in values {
            let t = match txn.as_ref() {
                Some(t) => t,
                None => txn.insert(batch(dst)?),
            };
            t.open_multimap_table(def)?.insert(k.value(), v?.value())?;
            n += 1;
            if n % ROWS_PER_COMMIT == 0
                && let Some(t) = txn.take()
            {
                t.commit()?;
            }
        }
    }
    match txn {
        Some(t) => t.commit()?,
        None => batch(dst)?.commit()?,
    }
    Ok(n)
}

impl Store {
    /// Writes a consistent copy of the store to `dest` (which must not exist). Runs on a
    /// snapshot: writers carry on while it copies.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupReport, StoreError> {
        self.copy_to(dest, None)
    }

    /// As [`Store::backup_to`], every compressible value re-encoded with a dictionary
    /// trained on the store now (a table with too few records keeps its current one).
    fn compacting_copy_to(&self, dest: &Path) -> Result<BackupReport, StoreError> {
        let trained = self.trained_dictionaries(true)?;
        let snapshot = self.db()?.begin_read()?;
        let stored = snapshot.open_table(DICTIONARIES)?;
        let first = stored.last()?.map_or(1, |(k, _)| k.value() + 1);
        let added = super::numbered(first, trained);
        let mut to = super::read_dictionaries(&snapshot)?;
        for (name, id, bytes) in &added {
            to.insert(*id, bytes, Some(name));
        }
        drop((stored, snapshot));
        self.copy_to(
            dest,
            Some(&Recode {
                from: &self.dictionaries,
                to,
                added,
            }),
        )
    }

    fn copy_to(&self, dest: &Path, recode: Option<&Recode>) -> Result<BackupReport, StoreError> {
        if dest.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", dest.display()),
            )));
        }
        let snapshot = self.db()?.begin_read()?;
        let known = snapshot.list_tables()?.count() + snapshot.list_multimap_tables()?.count();
        if known != TABLE_COUNT {
            return Err(StoreError::Db(format!(
                "the store has {known} tables and the backup copies {TABLE_COUNT}: refusing an incomplete copy"
            )));
        }
        let result = (|| {
            // A small cache: the copy is written once and not read back here.
            let copy_db = Database::builder()
                .set_cache_size(COPY_CACHE_BYTES)
                .create(dest)
                .map_err(|e| StoreError::Open {
                    path: dest.to_path_buf(),
                    reason: e.to_string(),
                })?;
            let db = &copy_db;
            let mut rows = 0;
            rows += copy(&snapshot, db, META)?;
            rows += copy_values(&snapshot, db, CUSTOMERS, CUSTOMERS_NAME, recode)?;
            rows += copy(&snapshot, db, CUSTOMER_BY_SIRET)?;
            rows += copy(&snapshot, db, PRODUCTS)?;
            rows += copy_values(&snapshot, db, ORDERS, ORDERS_NAME, recode)?;
            rows += copy(&snapshot, db, ORDER_CARDS)?;
            rows += copy(&snapshot, db, ORDER_BY_NUMBER)?;
            rows += copy(&snapshot, db, ORDERS_BY_STAGE)?;
            rows += copy(&snapshot, db, ORDERS_BY_CUSTOMER)?;
            rows += copy(&snapshot, db, ORDER_BY_EXTERNAL_REF)?;
            rows += copy_values(&snapshot, db, DOCUMENTS, DOCUMENTS_NAME, recode)?;
            rows += copy(&snapshot, db, DOCUMENTS_CHRONO)?;
            rows += copy_values(&snapshot, db, DOCUMENT_FILES, DOCUMENT_FILES_NAME, recode)?;
            rows += copy(&snapshot, db, COUNTERS)?;
            rows += copy_values(&snapshot, db, AUDIT, AUDIT_NAME, recode)?;
            rows += copy_multimap(&snapshot, db, AUDIT_BY_ORDER)?;
            rows += copy_multimap(&snapshot, db, AUDIT_BY_CUSTOMER)?;
            rows += copy(&snapshot, db, PREFERENCES)?;
            rows += copy(&snapshot, db, ATTACHMENTS)?;
            rows += copy(&snapshot, db, ORDERS_BY_PO)?;
            rows += copy(&snapshot, db, CUSTOMER_SUMMARIES)?;
            rows += copy_values(&snapshot, db, DOCUMENT_PARTS, DOCUMENT_PARTS_NAME, recode)?;
            rows += copy(&snapshot, db, DICTIONARIES)?;
            rows += copy(&snapshot, db, CHORUS)?;
            rows += copy(&snapshot, db, BANK)?;
            rows += copy(&snapshot, db, LETTERS)?;
            rows += copy(&snapshot, db, LETTER_FILES)?;
            rows += copy(&snapshot, db, MAILS)?;
            if let Some(recode) = recode.filter(|r| !r.added.is_empty()) {
                let txn = batch(db)?;
                {
                    let mut dictionaries = txn.open_table(DICTIONARIES)?;
                    let mut meta = txn.open_table(META)?;
                    for (name, id, bytes) in &recode.added {
                        dictionaries.insert(*id, bytes.as_slice())?;
                        meta.insert(super::dictionary_key(name).as_str(), *id)?;
                    }
                }
                txn.commit()?;
            }
            // One durable commit makes every batch before it durable.
            copy_db.begin_write()?.commit()?;
            drop(copy_db);
            Ok(BackupReport {
                tables: TABLE_COUNT,
                rows,
                bytes: std::fs::metadata(dest)?.len(),
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(dest);
        }
        result
    }
}

/// Tables a backup copies (every table of the schema).
pub const TABLE_COUNT: usize = 28;

/// Where a restore kept the store it replaced.
#[derive(Debug)]
pub struct Restored {
    pub previous: Option<PathBuf>,
    pub report: super::check::Report,
    /// What the store put in place holds, and what the replaced one held.
    pub incoming: Option<StoreSummary>,
    pub replaced: Option<StoreSummary>,
}

/// What a store holds, as a restore shows it before replacing one by another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSummary {
    pub customers: u64,
    pub orders: u64,
    pub documents: u64,
    pub audit_records: u64,
    /// The last invoice: its number and date.
    pub last_invoice: Option<(String, crate::domain::Date)>,
}

impl std::fmt::Display for StoreSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} client(s), {} commande(s), {} document(s), {} événement(s) d'audit, ",
            self.customers, self.orders, self.documents, self.audit_records
        )?;
        match &self.last_invoice {
            Some((n, d)) => write!(f, "dernière facture {n} du {}", d.fr()),
            None => write!(f, "aucune facture"),
        }
    }
}

/// What the store of `rx` holds.
pub fn summary(rx: &super::Rx) -> Result<StoreSummary, StoreError> {
    let [customers, orders, documents, audit_records] = rx.counts()?;
    let prefix = crate::domain::DocKind::Invoice.prefix();
    let last = rx
        .counters()?
        .into_iter()
        .filter(|(p, _, n)| p == prefix && *n > 0)
        .max_by_key(|(_, y, n)| (*y, *n));
    let last_invoice = match last {
        Some((p, y, n)) => {
            let number = format!("{p}-{y}-{n:05}");
            let date = rx.document(&number)?.map(|d| d.date);
            date.map(|d| (number, d))
        }
        None => None,
    };
    Ok(StoreSummary {
        customers,
        orders,
        documents,
        audit_records,
        last_invoice,
    })
}

/// Refuses what cannot be a backup of comptoir before anything is copied or opened: not a
/// regular file, or empty (what a refused `ssh … backup > f.redb` leaves behind).
fn inspect_file(file: &Path) -> Result<(), StoreError> {
    let meta = std::fs::metadata(file)?;
    if !meta.is_file() {
        return Err(StoreError::NotABackup(format!(
            "{} n'est pas un fichier ordinaire : ce n'est pas une sauvegarde",
            file.display()
        )));
    }
    if meta.len() == 0 {
        return Err(StoreError::NotABackup(format!(
            "{} est vide (0 octet) : ce n'est pas une sauvegarde (une sauvegarde refusée ou \
             interrompue par ssh laisse un fichier vide)",
            file.display()
        )));
    }
    Ok(())
}

/// Refuses a copied file that is not a redb database holding comptoir's schema (a
/// foreign database would otherwise be opened as a new, empty store).
fn inspect_schema(copy: &Path, file: &Path) -> Result<(), StoreError> {
    let not = |why: String| StoreError::NotABackup(format!("{} : {why}", file.display()));
    let db = Database::open(copy)
        .map_err(|e| not(format!("ce n'est pas une base redb lisible ({e})")))?;
    let rx = db.begin_read()?;
    let meta = match rx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => {
            return Err(not(
                "aucune table de comptoir (meta_v1) : ce n'est pas une sauvegarde de comptoir"
                    .into(),
            ));
        }
        Err(e) => return Err(not(format!("illisible ({e})"))),
    };
    if meta.get("schema_version")?.is_none() {
        return Err(not(
            "pas de version de schéma : ce n'est pas une sauvegarde de comptoir".into(),
        ));
    }
    for (name, present) in [
        ("documents", rx.open_table(DOCUMENTS).is_ok()),
        ("counters", rx.open_table(COUNTERS).is_ok()),
        ("audit", rx.open_table(AUDIT).is_ok()),
    ] {
        if !present {
            return Err(not(format!(
                "la table {name} manque : sauvegarde incomplète"
            )));
        }
    }
    Ok(())
}

/// Puts the backup `file` in place as the store of `data` (the server stopped): the file is
/// refused when empty or not a comptoir store, copied beside the store, opened and
/// checked — a backup that does not check clean (numbering gaps, counters beyond the
/// documents it holds…) is refused and nothing changes. A store that holds documents is
/// replaced only with `force` (the refusal shows what both hold). The current store is
/// kept aside as `comptoir.redb.before-restore-<stamp>` and the copy renamed into place.
pub fn restore(file: &Path, data: &Path, stamp: &str, force: bool) -> Result<Restored, StoreError> {
    inspect_file(file)?;
    let target = data.join(STORE_FILE);
    let replaced = if target.exists() {
        // Fails with InUse when a server holds the store.
        let current = Store::open(data)?;
        Some(current.read(summary)?)
    } else {
        None
    };
    std::fs::create_dir_all(data)?;
    let incoming_dir = data.join(format!(".restore-{stamp}"));
    std::fs::create_dir_all(&incoming_dir)?;
    let incoming = incoming_dir.join(STORE_FILE);
    let outcome = (|| {
        std::fs::copy(file, &incoming)?;
        inspect_schema(&incoming, file)?;
        let (report, incoming_summary) = {
            let store = Store::open(&incoming_dir)?;
            (store.read(super::check::check)?, store.read(summary)?)
        };
        if report.is_clean()
            && !force
            && let Some(current) = replaced.as_ref().filter(|c| c.documents > 0)
        {
            return Err(StoreError::WouldReplace {
                current: Box::new(current.clone()),
                incoming: Box::new(incoming_summary),
            });
        }
        let mut restored = swap_in(
            &incoming_dir,
            data,
            &format!("before-restore-{stamp}"),
            report,
        )?;
        restored.incoming = Some(incoming_summary);
        restored.replaced = replaced.clone();
        Ok(restored)
    })();
    let _ = std::fs::remove_dir_all(&incoming_dir);
    outcome
}

/// Puts the checked store of `incoming_dir` in place of the store of `data`, which is kept
/// aside as `comptoir.redb.<aside>`; does nothing when `report` is not clean.
fn swap_in(
    incoming_dir: &Path,
    data: &Path,
    aside: &str,
    report: super::check::Report,
) -> Result<Restored, StoreError> {
    if !report.is_clean() {
        return Ok(Restored {
            previous: None,
            report,
            incoming: None,
            replaced: None,
        });
    }
    let target = data.join(STORE_FILE);
    let previous = if target.exists() {
        let aside = data.join(format!("{STORE_FILE}.{aside}"));
        std::fs::rename(&target, &aside)?;
        Some(aside)
    } else {
        None
    };
    std::fs::rename(incoming_dir.join(STORE_FILE), &target)?;
    Ok(Restored {
        previous,
        report,
        incoming: None,
        replaced: None,
    })
}

/// What a compaction did: the file's size before and after, and the swap.
#[derive(Debug)]
pub struct Compacted {
    pub before: u64,
    pub after: u64,
    pub restored: Restored,
}

/// Rewrites the store of `data` (server stopped) into a new file: every table copied from
/// one snapshot in key order, so pages are full, then the copy's free space released and
/// the copy checked; only a clean copy replaces the store, which is kept aside as
/// `comptoir.redb.before-compact-<stamp>`. Reclaims what updates and migrations left
/// behind (redb reuses free pages but never shrinks a file by itself).
pub fn compact(data: &Path, stamp: &str) -> Result<Compacted, StoreError> {
    let incoming_dir = data.join(format!(".compact-{stamp}"));
    let outcome = (|| {
        let before = {
            // Fails with InUse when a server holds the store.
            // Opening removes what a killed compaction (or backup, or restore) left.
            let store = Store::open(data)?;
            std::fs::create_dir_all(&incoming_dir)?;
            store.compacting_copy_to(&incoming_dir.join(STORE_FILE))?;
            store.file_size()
        };
        let (after, report) = {
            let mut copy = Store::open(&incoming_dir)?;
            copy.compact()?;
            (copy.file_size(), copy.read(super::check::check)?)
        };
        let restored = swap_in(
            &incoming_dir,
            data,
            &format!("before-compact-{stamp}"),
            report,
        )?;
        Ok(Compacted {
            before,
            after,
            restored,
        })
    })();
    let _ = std::fs::remove_dir_all(&incoming_dir);
    outcome
}

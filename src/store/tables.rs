//! Table definitions. Names carry a version: a new layout gets a new table and a named
//! migration, never an in-place reinterpretation.

use redb::{MultimapTableDefinition, TableDefinition};

/// Named counters: next ids and the schema version.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta_v1");
pub const CUSTOMERS_NAME: &str = "customers_v1";
pub const CUSTOMERS: TableDefinition<u64, &[u8]> = TableDefinition::new(CUSTOMERS_NAME);
pub const CUSTOMER_BY_SIRET: TableDefinition<&str, u64> =
    TableDefinition::new("customer_by_siret_v1");
pub const PRODUCTS: TableDefinition<&str, &[u8]> = TableDefinition::new("products_v1");
pub const ORDERS_NAME: &str = "orders_v1";
pub const ORDERS: TableDefinition<u64, &[u8]> = TableDefinition::new(ORDERS_NAME);
/// Compact summary of each order, read at start-up to build the board without decoding
/// every order.
pub const ORDER_CARDS_NAME: &str = "order_cards_v1";
pub const ORDER_CARDS: TableDefinition<u64, &[u8]> = TableDefinition::new(ORDER_CARDS_NAME);
/// Order number (its quote number) → order id.
pub const ORDER_BY_NUMBER: TableDefinition<&str, u64> = TableDefinition::new("order_by_number_v1");
/// (stored stage index, order id).
pub const ORDERS_BY_STAGE: TableDefinition<(u8, u64), ()> =
    TableDefinition::new("orders_by_stage_v1");
/// (customer id, order id).
pub const ORDERS_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("orders_by_customer_v1");
/// The web shop's reference of an imported quote → order id.
pub const ORDER_BY_EXTERNAL_REF: TableDefinition<&str, u64> =
    TableDefinition::new("order_by_external_ref_v1");
/// Document number (`FA-2026-00001`) → issued document record.
pub const DOCUMENTS_NAME: &str = "documents_v1";
pub const DOCUMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new(DOCUMENTS_NAME);
/// Issue sequence → document number, for "newest first" listings.
pub const DOCUMENTS_CHRONO: TableDefinition<u64, &str> =
    TableDefinition::new("documents_chrono_v1");
/// (document number, file format code) → bytes of the PDF or XML.
pub const DOCUMENT_FILES_NAME: &str = "document_files_v1";
pub const DOCUMENT_FILES: TableDefinition<(&str, u8), &[u8]> =
    TableDefinition::new(DOCUMENT_FILES_NAME);
/// (series prefix, year) → last number drawn.
pub const COUNTERS: TableDefinition<(&str, u16), u32> = TableDefinition::new("counters_v1");
/// Audit sequence → audit record (append only).
pub const AUDIT_NAME: &str = "audit_v1";
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new(AUDIT_NAME);
pub const AUDIT_BY_ORDER: MultimapTableDefinition<u64, u64> =
    MultimapTableDefinition::new("audit_by_order_v1");
pub const AUDIT_BY_CUSTOMER: MultimapTableDefinition<u64, u64> =
    MultimapTableDefinition::new("audit_by_customer_v1");
/// Order id → the scan of its original purchase order (PDF, PNG or JPEG), immutable; its
/// SHA-256 is on the order (`Order::po_scan`).
pub const ATTACHMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("attachments_v1");
/// (PO / engagement number, folded: lower case, letters and digits only; order id): finds
/// an order by the body's own reference.
pub const ORDERS_BY_PO: TableDefinition<(&str, u64), ()> = TableDefinition::new("orders_by_po_v1");
/// Customer id → what the in-memory index needs of it ([`crate::domain::CustomerSummary`]),
/// written with the customer: opening the store reads this, not every whole account.
pub const CUSTOMER_SUMMARIES_NAME: &str = "customer_summaries_v1";
pub const CUSTOMER_SUMMARIES: TableDefinition<u64, &[u8]> =
    TableDefinition::new(CUSTOMER_SUMMARIES_NAME);
/// Content address → a part that many documents print the same (the buyer as printed, the
/// lines), stored once; immutable. See `codec::SplitDocument`.
pub const DOCUMENT_PARTS_NAME: &str = "document_parts_v1";
pub const DOCUMENT_PARTS: TableDefinition<u64, &[u8]> = TableDefinition::new(DOCUMENT_PARTS_NAME);
/// Id → a zstd dictionary trained on a table's records (`compress.rs`); never changed or
/// removed: a compressed value names the dictionary it was written with.
pub const DICTIONARIES: TableDefinition<u64, &[u8]> = TableDefinition::new("dictionaries_v1");
/// Per-person preferences (theme…).
pub const PREFERENCES: TableDefinition<&str, &[u8]> = TableDefinition::new("preferences_v1");

/// Schema version recorded in META; bumped by each named migration.
pub const SCHEMA_VERSION: u64 = 6;

/// Each invoice or credit note's life on Chorus Pro, by document number (see
/// `domain::chorus`): the durable queue of deposits and what the platform said since.
pub const CHORUS: TableDefinition<&str, &[u8]> = TableDefinition::new("chorus_v1");

/// Bank statements' credit entries, by their key (account, bank reference, booking date,
/// amount; see `domain::bank`): what became of each, so that no entry is applied twice.
pub const BANK: TableDefinition<&str, &[u8]> = TableDefinition::new("bank_v1");

/// Letters to bodies (reminders, formal notices, interest claims) by id (see
/// `domain::letter`), and each one's PDF as written (its hash is in the record).
pub const LETTERS: TableDefinition<u64, &[u8]> = TableDefinition::new("letters_v1");
pub const LETTER_FILES: TableDefinition<u64, &[u8]> = TableDefinition::new("letter_files_v1");

/// Documents sent by e-mail, by id (see `domain::mail`): to whom, when, the Message-ID
/// and the relay's answer.
pub const MAILS: TableDefinition<u64, &[u8]> = TableDefinition::new("mails_v1");

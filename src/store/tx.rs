//! Typed access to the tables inside one transaction: [`Rx`] for reads, [`Tx`] for writes
//! (which can read too). Index maintenance lives here so that no caller can forget it.

use super::StoreError;
use super::codec::{PART_BUYER, PART_LINES, Record, SplitDocument, decode, decode_part, encode};
use super::compress::{Dictionaries, FILES};
use super::tables::*;
use crate::domain::{
    AuditRecord, Customer, CustomerId, CustomerSummary, DocKind, DocNumber, FileFormat,
    IssuedDocument, Order, OrderCard, OrderId, Product, Stage,
};
use redb::{
    MultimapTable, ReadOnlyMultimapTable, ReadOnlyTable, ReadTransaction, ReadableMultimapTable,
    ReadableTable, ReadableTableMetadata, Table, WriteTransaction,
};
use std::borrow::Cow;
use std::sync::Arc;

/// The tables of a write transaction.
pub struct Tx<'t> {
    meta: Table<'t, &'static str, u64>,
    customers: Table<'t, u64, &'static [u8]>,
    customer_by_siret: Table<'t, &'static str, u64>,
    products: Table<'t, &'static str, &'static [u8]>,
    orders: Table<'t, u64, &'static [u8]>,
    order_cards: Table<'t, u64, &'static [u8]>,
    order_by_number: Table<'t, &'static str, u64>,
    orders_by_stage: Table<'t, (u8, u64), ()>,
    orders_by_customer: Table<'t, (u64, u64), ()>,
    order_by_external_ref: Table<'t, &'static str, u64>,
    documents: Table<'t, &'static str, &'static [u8]>,
    documents_chrono: Table<'t, u64, &'static str>,
    document_files: Table<'t, (&'static str, u8), &'static [u8]>,
    counters: Table<'t, (&'static str, u16), u32>,
    audit: Table<'t, u64, &'static [u8]>,
    audit_by_order: MultimapTable<'t, u64, u64>,
    audit_by_customer: MultimapTable<'t, u64, u64>,
    preferences: Table<'t, &'static str, &'static [u8]>,
    attachments: Table<'t, u64, &'static [u8]>,
    chorus: Table<'t, &'static str, &'static [u8]>,
    bank: Table<'t, &'static str, &'static [u8]>,
    letters: Table<'t, u64, &'static [u8]>,
    letter_files: Table<'t, u64, &'static [u8]>,
    mails: Table<'t, u64, &'static [u8]>,
    orders_by_po: Table<'t, (&'static str, u64), ()>,
    customer_summaries: Table<'t, u64, &'static [u8]>,
    pub(super) document_parts: Table<'t, u64, &'static [u8]>,
    dictionaries: Arc<Dictionaries>,
}

/// The tables of a read transaction (a consistent snapshot).
pub struct Rx {
    meta: ReadOnlyTable<&'static str, u64>,
    customers: ReadOnlyTable<u64, &'static [u8]>,
    customer_by_siret: ReadOnlyTable<&'static str, u64>,
    products: ReadOnlyTable<&'static str, &'static [u8]>,
    orders: ReadOnlyTable<u64, &'static [u8]>,
    order_cards: ReadOnlyTable<u64, &'static [u8]>,
    order_by_number: ReadOnlyTable<&'static str, u64>,
    orders_by_stage: ReadOnlyTable<(u8, u64), ()>,
    orders_by_customer: ReadOnlyTable<(u64, u64), ()>,
    order_by_external_ref: ReadOnlyTable<&'static str, u64>,
    documents: ReadOnlyTable<&'static str, &'static [u8]>,
    documents_chrono: ReadOnlyTable<u64, &'static str>,
    document_files: ReadOnlyTable<(&'static str, u8), &'static [u8]>,
    counters: ReadOnlyTable<(&'static str, u16), u32>,
    audit: ReadOnlyTable<u64, &'static [u8]>,
    audit_by_order: ReadOnlyMultimapTable<u64, u64>,
    audit_by_customer: ReadOnlyMultimapTable<u64, u64>,
    preferences: ReadOnlyTable<&'static str, &'static [u8]>,
    attachments: ReadOnlyTable<u64, &'static [u8]>,
    chorus: ReadOnlyTable<&'static str, &'static [u8]>,
    bank: ReadOnlyTable<&'static str, &'static [u8]>,
    letters: ReadOnlyTable<u64, &'static [u8]>,
    letter_files: ReadOnlyTable<u64, &'static [u8]>,
    mails: ReadOnlyTable<u64, &'static [u8]>,
    orders_by_po: ReadOnlyTable<(&'static str, u64), ()>,
    customer_summaries: ReadOnlyTable<u64, &'static [u8]>,
    document_parts: ReadOnlyTable<u64, &'static [u8]>,
    dictionaries: Arc<Dictionaries>,
}

macro_rules! open_all {
    ($txn:expr, $ty:ident, $dictionaries:expr) => {
        $ty {
            dictionaries: $dictionaries,
            meta: $txn.open_table(META)?,
            customers: $txn.open_table(CUSTOMERS)?,
            customer_by_siret: $txn.open_table(CUSTOMER_BY_SIRET)?,
            products: $txn.open_table(PRODUCTS)?,
            orders: $txn.open_table(ORDERS)?,
            order_cards: $txn.open_table(ORDER_CARDS)?,
            order_by_number: $txn.open_table(ORDER_BY_NUMBER)?,
            orders_by_stage: $txn.open_table(ORDERS_BY_STAGE)?,
            orders_by_customer: $txn.open_table(ORDERS_BY_CUSTOMER)?,
            order_by_external_ref: $txn.open_table(ORDER_BY_EXTERNAL_REF)?,
            documents: $txn.open_table(DOCUMENTS)?,
            documents_chrono: $txn.open_table(DOCUMENTS_CHRONO)?,
            document_files: $txn.open_table(DOCUMENT_FILES)?,
            counters: $txn.open_table(COUNTERS)?,
            audit: $txn.open_table(AUDIT)?,
            audit_by_order: $txn.open_multimap_table(AUDIT_BY_ORDER)?,
            audit_by_customer: $txn.open_multimap_table(AUDIT_BY_CUSTOMER)?,
            preferences: $txn.open_table(PREFERENCES)?,
            attachments: $txn.open_table(ATTACHMENTS)?,
            chorus: $txn.open_table(CHORUS)?,
            bank: $txn.open_table(BANK)?,
            letters: $txn.open_table(LETTERS)?,
            letter_files: $txn.open_table(LETTER_FILES)?,
            mails: $txn.open_table(MAILS)?,
            orders_by_po: $txn.open_table(ORDERS_BY_PO)?,
            customer_summaries: $txn.open_table(CUSTOMER_SUMMARIES)?,
            document_parts: $txn.open_table(DOCUMENT_PARTS)?,
        }
    };
}

impl<'t> Tx<'t> {
    pub(super) fn open(
        txn: &'t WriteTransaction,
        dictionaries: Arc<Dictionaries>,
    ) -> Result<Tx<'t>, StoreError> {
        Ok(open_all!(txn, Tx, dictionaries))
    }

    /// The stored form of a value of `table` (compressed when it pays).
    fn packed(&self, table: &str, plain: Vec<u8>) -> Vec<u8> {
        self.dictionaries.pack(table, plain)
    }
}

impl Rx {
    pub(super) fn open(
        txn: &ReadTransaction,
        dictionaries: Arc<Dictionaries>,
    ) -> Result<Rx, StoreError> {
        Ok(open_all!(txn, Rx, dictionaries))
    }
}

/// Decodes every record of a table in key order (decompressed first when it was).
fn each_record<T: Record, E: From<StoreError>>(
    table: &impl ReadableTable<u64, &'static [u8]>,
    label: &'static str,
    name: &'static str,
    dictionaries: &Dictionaries,
    mut f: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    for entry in table.iter().map_err(StoreError::from)? {
        let (k, v) = entry.map_err(StoreError::from)?;
        let plain = dictionaries.unpack(name, &k.value(), v.value())?;
        f(decode(label, &k.value(), &plain)?)?;
    }
    Ok(())
}

/// Read methods, identical on both sides.
macro_rules! impl_reads {
    ($ty:ty) => {
        impl $ty {
            pub fn meta(&self, key: &str) -> Result<Option<u64>, StoreError> {
                Ok(self.meta.get(key)?.map(|v| v.value()))
            }

            /// The plain bytes of a value read from `table`.
            fn plain<'v>(
                &self,
                table: &'static str,
                key: &dyn std::fmt::Display,
                stored: &'v [u8],
            ) -> Result<Cow<'v, [u8]>, StoreError> {
                self.dictionaries.unpack(table, key, stored)
            }

            pub fn customer(&self, id: CustomerId) -> Result<Option<Customer>, StoreError> {
                match self.customers.get(id.0)? {
                    Some(v) => Ok(Some(decode(
                        "customers",
                        &id.0,
                        &self.plain(CUSTOMERS_NAME, &id.0, v.value())?,
                    )?)),
                    None => Ok(None),
                }
            }

            pub fn customer_id_by_siret(
                &self,
                siret: &str,
            ) -> Result<Option<CustomerId>, StoreError> {
                Ok(self
                    .customer_by_siret
                    .get(siret)?
                    .map(|v| CustomerId(v.value())))
            }

            pub fn customer_by_siret(&self, siret: &str) -> Result<Option<Customer>, StoreError> {
                match self.customer_id_by_siret(siret)? {
                    Some(id) => self.customer(id),
                    None => Ok(None),
                }
            }

            /// Customers whose SIRET starts with `prefix`, at most `limit`.
            pub fn customers_with_siret_prefix(
                &self,
                prefix: &str,
                limit: usize,
            ) -> Result<Vec<CustomerId>, StoreError> {
                let mut out = Vec::new();
                for entry in self.customer_by_siret.range(prefix..)? {
                    let (k, v) = entry?;
                    if !k.value().starts_with(prefix) || out.len() >= limit {
                        break;
                    }
                    out.push(CustomerId(v.value()));
                }
                Ok(out)
            }

            /// Orders whose PO / engagement number starts with `prefix` (folded).
            pub fn orders_with_po_prefix(
                &self,
                prefix: &str,
                limit: usize,
            ) -> Result<Vec<OrderId>, StoreError> {
                let prefix = super::fold_reference(prefix);
                let mut out = Vec::new();
                if prefix.is_empty() {
                    return Ok(out);
                }
                for entry in self.orders_by_po.range((prefix.as_str(), 0)..)? {
                    let (k, _) = entry?;
                    let (po, id) = k.value();
                    if !po.starts_with(&prefix) || out.len() >= limit {
                        break;
                    }
                    out.push(OrderId(id));
                }
                Ok(out)
            }

            /// Orders whose web-shop reference starts with `prefix`.
            pub fn orders_with_external_ref_prefix(
                &self,
                prefix: &str,
                limit: usize,
            ) -> Result<Vec<OrderId>, StoreError> {
                let mut out = Vec::new();
                if prefix.is_empty() {
                    return Ok(out);
                }
                for entry in self.order_by_external_ref.range(prefix..)? {
                    let (k, v) = entry?;
                    if !k.value().starts_with(prefix) || out.len() >= limit {
                        break;
                    }
                    out.push(OrderId(v.value()));
                }
                Ok(out)
            }

            pub fn customer_count(&self) -> Result<u64, StoreError> {
                Ok(self.customers.len()?)
            }

            /// Visits every customer in id order; stops at the first error of `f`.
            pub fn for_each_customer<E: From<StoreError>>(
                &self,
                f: impl FnMut(Customer) -> Result<(), E>,
            ) -> Result<(), E> {
                each_record(
                    &self.customers,
                    "customers",
                    CUSTOMERS_NAME,
                    &self.dictionaries,
                    f,
                )
            }

            /// Visits every customer's summary in id order (what the index needs).
            pub fn for_each_customer_summary<E: From<StoreError>>(
                &self,
                f: impl FnMut(CustomerSummary) -> Result<(), E>,
            ) -> Result<(), E> {
                each_record(
                    &self.customer_summaries,
                    "customer_summaries",
                    CUSTOMER_SUMMARIES_NAME,
                    &self.dictionaries,
                    f,
                )
            }

            pub fn customer_summary(
                &self,
                id: CustomerId,
            ) -> Result<Option<CustomerSummary>, StoreError> {
                match self.customer_summaries.get(id.0)? {
                    Some(v) => Ok(Some(decode("customer_summaries", &id.0, v.value())?)),
                    None => Ok(None),
                }
            }

            pub fn customer_summary_count(&self) -> Result<u64, StoreError> {
                Ok(self.customer_summaries.len()?)
            }

            pub fn product(&self, sku: &str) -> Result<Option<Product>, StoreError> {
                match self.products.get(sku)? {
                    Some(v) => Ok(Some(decode("products", &sku, v.value())?)),
                    None => Ok(None),
                }
            }

            pub fn products(&self) -> Result<Vec<Product>, StoreError> {
                let mut out = Vec::new();
                for entry in self.products.iter()? {
                    let (k, v) = entry?;
                    out.push(decode("products", &k.value(), v.value())?);
                }
                Ok(out)
            }

            pub fn order(&self, id: OrderId) -> Result<Option<Order>, StoreError> {
                match self.orders.get(id.0)? {
                    Some(v) => Ok(Some(decode(
                        "orders",
                        &id.0,
                        &self.plain(ORDERS_NAME, &id.0, v.value())?,
                    )?)),
                    None => Ok(None),
                }
            }

            pub fn order_id_by_number(
                &self,
                number: &DocNumber,
            ) -> Result<Option<OrderId>, StoreError> {
                Ok(self
                    .order_by_number
                    .get(number.to_string().as_str())?
                    .map(|v| OrderId(v.value())))
            }

            pub fn order_by_number(&self, number: &DocNumber) -> Result<Option<Order>, StoreError> {
                match self.order_id_by_number(number)? {
                    Some(id) => self.order(id),
                    None => Ok(None),
                }
            }

            pub fn order_by_external_ref(&self, r: &str) -> Result<Option<OrderId>, StoreError> {
                Ok(self
                    .order_by_external_ref
                    .get(r)?
                    .map(|v| OrderId(v.value())))
            }

            pub fn order_card(&self, id: OrderId) -> Result<Option<OrderCard>, StoreError> {
                match self.order_cards.get(id.0)? {
                    Some(v) => Ok(Some(decode("order_cards", &id.0, v.value())?)),
                    None => Ok(None),
                }
            }

            pub fn order_count(&self) -> Result<u64, StoreError> {
                Ok(self.orders.len()?)
            }

            /// Visits every order card in id order.
            pub fn for_each_card<E: From<StoreError>>(
                &self,
                f: impl FnMut(OrderCard) -> Result<(), E>,
            ) -> Result<(), E> {
                each_record(
                    &self.order_cards,
                    "order_cards",
                    ORDER_CARDS_NAME,
                    &self.dictionaries,
                    f,
                )
            }

            /// Visits every order in id order.
            pub fn for_each_order<E: From<StoreError>>(
                &self,
                f: impl FnMut(Order) -> Result<(), E>,
            ) -> Result<(), E> {
                each_record(&self.orders, "orders", ORDERS_NAME, &self.dictionaries, f)
            }

            /// Orders of a customer, oldest first.
            pub fn orders_of_customer(
                &self,
                customer: CustomerId,
            ) -> Result<Vec<OrderId>, StoreError> {
                let mut out = Vec::new();
                for entry in self
                    .orders_by_customer
                    .range((customer.0, 0)..=(customer.0, u64::MAX))?
                {
                    out.push(OrderId(entry?.0.value().1));
                }
                Ok(out)
            }

            /// Ids of orders whose *stored* stage is `stage`, in id order.
            pub fn orders_in_stage(
                &self,
                stage: Stage,
                limit: usize,
            ) -> Result<Vec<OrderId>, StoreError> {
                let s = stage.index() as u8;
                let mut out = Vec::new();
                for entry in self.orders_by_stage.range((s, 0)..=(s, u64::MAX))? {
                    if out.len() >= limit {
                        break;
                    }
                    out.push(OrderId(entry?.0.value().1));
                }
                Ok(out)
            }

            pub fn orders_in_stage_contains(
                &self,
                stage: Stage,
                id: OrderId,
            ) -> Result<bool, StoreError> {
                Ok(self
                    .orders_by_stage
                    .get((stage.index() as u8, id.0))?
                    .is_some())
            }

            /// Number of orders per stored stage (from the index).
            pub fn count_in_stage(&self, stage: Stage) -> Result<u64, StoreError> {
                let s = stage.index() as u8;
                let mut n = 0;
                for entry in self.orders_by_stage.range((s, 0)..=(s, u64::MAX))? {
                    entry?;
                    n += 1;
                }
                Ok(n)
            }

            pub fn document(&self, number: &str) -> Result<Option<IssuedDocument>, StoreError> {
                match self.documents.get(number)? {
                    Some(v) => {
                        let plain = self.plain(DOCUMENTS_NAME, &number, v.value())?;
                        Ok(Some(self.decode_document(number, &plain)?))
                    }
                    None => Ok(None),
                }
            }

            /// A stored document record, its buyer and lines read from their parts.
            fn decode_document(
                &self,
                number: &str,
                bytes: &[u8],
            ) -> Result<IssuedDocument, StoreError> {
                match super::codec::split_record(number, bytes)? {
                    Err(inline) => decode("documents", &number, inline),
                    Ok((buyer, lines, rest)) => {
                        let mut doc: IssuedDocument = decode("documents", &number, &rest)?;
                        doc.buyer = decode_part(PART_BUYER, buyer, &self.part(number, buyer)?)?;
                        doc.lines = decode_part(PART_LINES, lines, &self.part(number, lines)?)?;
                        Ok(doc)
                    }
                }
            }

            fn part(&self, number: &str, key: u64) -> Result<Vec<u8>, StoreError> {
                match self.document_parts.get(key)? {
                    Some(v) => Ok(self
                        .plain(DOCUMENT_PARTS_NAME, &key, v.value())?
                        .into_owned()),
                    None => Err(StoreError::Corrupt {
                        table: "documents",
                        key: number.to_string(),
                        reason: format!("its part {key} is missing"),
                    }),
                }
            }

            /// Document numbers that start with `prefix`, in order, at most `limit`.
            pub fn document_numbers_with_prefix(
                &self,
                prefix: &str,
                limit: usize,
            ) -> Result<Vec<String>, StoreError> {
                let mut out = Vec::new();
                for entry in self.documents.range(prefix..)? {
                    let (k, _) = entry?;
                    let key = k.value();
                    if !key.starts_with(prefix) || out.len() >= limit {
                        break;
                    }
                    out.push(key.to_string());
                }
                Ok(out)
            }

            pub fn document_file(
                &self,
                number: &str,
                format: FileFormat,
            ) -> Result<Option<Vec<u8>>, StoreError> {
                match self.document_files.get((number, format.code()))? {
                    Some(v) => Ok(Some(self.plain(FILES, &number, v.value())?.into_owned())),
                    None => Ok(None),
                }
            }

            /// The scan attached to an order, if any.
            pub fn attachment(&self, order: OrderId) -> Result<Option<Vec<u8>>, StoreError> {
                Ok(self.attachments.get(order.0)?.map(|v| v.value().to_vec()))
            }

            pub fn document_count(&self) -> Result<u64, StoreError> {
                Ok(self.documents.len()?)
            }

            /// Document numbers, newest first, skipping `offset`.
            pub fn documents_newest(
                &self,
                offset: usize,
                limit: usize,
            ) -> Result<Vec<String>, StoreError> {
                let mut out = Vec::new();
                for entry in self.documents_chrono.iter()?.rev().skip(offset).take(limit) {
                    out.push(entry?.1.value().to_string());
                }
                Ok(out)
            }

            /// Visits every document in issue order.
            pub fn for_each_document<E: From<StoreError>>(
                &self,
                mut f: impl FnMut(IssuedDocument) -> Result<(), E>,
            ) -> Result<(), E> {
                for entry in self.documents_chrono.iter().map_err(StoreError::from)? {
                    let (_, number) = entry.map_err(StoreError::from)?;
                    let number = number.value().to_string();
                    match self.document(&number)? {
                        Some(doc) => f(doc)?,
                        None => {
                            return Err(StoreError::Corrupt {
                                table: "documents_chrono",
                                key: number,
                                reason: "listed document has no record".into(),
                            }
                            .into());
                        }
                    }
                }
                Ok(())
            }

            /// The last number drawn in a series and year (0 when none).
            pub fn counter(&self, kind: DocKind, year: u16) -> Result<u32, StoreError> {
                Ok(self
                    .counters
                    .get((kind.prefix(), year))?
                    .map(|v| v.value())
                    .unwrap_or(0))
            }

            /// Every (series, year, last number).
            pub fn counters(&self) -> Result<Vec<(String, u16, u32)>, StoreError> {
                let mut out = Vec::new();
                for entry in self.counters.iter()? {
                    let (k, v) = entry?;
                    let (p, y) = k.value();
                    out.push((p.to_string(), y, v.value()));
                }
                Ok(out)
            }

            pub fn audit_record(&self, seq: u64) -> Result<Option<AuditRecord>, StoreError> {
                match self.audit.get(seq)? {
                    Some(v) => Ok(Some(decode(
                        "audit",
                        &seq,
                        &self.plain(AUDIT_NAME, &seq, v.value())?,
                    )?)),
                    None => Ok(None),
                }
            }

            /// Audit records of an order, oldest first.
            pub fn audit_of_order(&self, order: OrderId) -> Result<Vec<AuditRecord>, StoreError> {
                let mut out = Vec::new();
                for seq in self.audit_by_order.get(order.0)? {
                    let seq = seq?.value();
                    if let Some(r) = self.audit_record(seq)? {
                        out.push(r);
                    }
                }
                Ok(out)
            }

            /// Audit records of a customer, oldest first.
            pub fn audit_of_customer(
                &self,
                customer: CustomerId,
            ) -> Result<Vec<AuditRecord>, StoreError> {
                let mut out = Vec::new();
                for seq in self.audit_by_customer.get(customer.0)? {
                    let seq = seq?.value();
                    if let Some(r) = self.audit_record(seq)? {
                        out.push(r);
                    }
                }
                Ok(out)
            }

            /// Audit records with `seq > after`, oldest first, at most `limit`.
            pub fn audit_after(
                &self,
                after: u64,
                limit: usize,
            ) -> Result<Vec<AuditRecord>, StoreError> {
                let mut out = Vec::new();
                for entry in self.audit.range(after.saturating_add(1)..)?.take(limit) {
                    let (k, v) = entry?;
                    let plain = self.plain(AUDIT_NAME, &k.value(), v.value())?;
                    out.push(decode("audit", &k.value(), &plain)?);
                }
                Ok(out)
            }

            /// Newest audit records first, skipping `offset`.
            pub fn audit_newest(
                &self,
                offset: usize,
                limit: usize,
            ) -> Result<Vec<AuditRecord>, StoreError> {
                let mut out = Vec::new();
                for entry in self.audit.iter()?.rev().skip(offset).take(limit) {
                    let (k, v) = entry?;
                    let plain = self.plain(AUDIT_NAME, &k.value(), v.value())?;
                    out.push(decode("audit", &k.value(), &plain)?);
                }
                Ok(out)
            }

            /// A document's life on Chorus Pro, if it was ever queued.
            pub fn chorus_record(
                &self,
                number: &str,
            ) -> Result<Option<crate::domain::chorus::ChorusRecord>, StoreError> {
                match self.chorus.get(number)? {
                    Some(v) => Ok(Some(decode("chorus", &number, v.value())?)),
                    None => Ok(None),
                }
            }

            /// Every document known to Chorus Pro, by number.
            pub fn chorus_records(
                &self,
            ) -> Result<Vec<crate::domain::chorus::ChorusRecord>, StoreError> {
                let mut out = Vec::new();
                for entry in self.chorus.iter()? {
                    let (k, v) = entry?;
                    out.push(decode("chorus", &k.value(), v.value())?);
                }
                Ok(out)
            }

            /// A bank statement's entry, by its key, if it was ever imported.
            pub fn bank_record(
                &self,
                key: &str,
            ) -> Result<Option<crate::domain::bank::BankRecord>, StoreError> {
                match self.bank.get(key)? {
                    Some(v) => Ok(Some(decode("bank", &key, v.value())?)),
                    None => Ok(None),
                }
            }

            /// Every letter written, oldest first.
            pub fn letters(&self) -> Result<Vec<crate::domain::letter::Letter>, StoreError> {
                let mut out = Vec::new();
                for entry in self.letters.iter()? {
                    let (k, v) = entry?;
                    out.push(decode("letter", &k.value(), v.value())?);
                }
                Ok(out)
            }

            /// A letter's PDF as written.
            pub fn letter_file(&self, id: u64) -> Result<Option<Vec<u8>>, StoreError> {
                Ok(self.letter_files.get(id)?.map(|v| v.value().to_vec()))
            }

            /// Every e-mail sent, oldest first.
            pub fn mails(&self) -> Result<Vec<crate::domain::mail::MailRecord>, StoreError> {
                let mut out = Vec::new();
                for entry in self.mails.iter()? {
                    let (k, v) = entry?;
                    out.push(decode("mail", &k.value(), v.value())?);
                }
                Ok(out)
            }

            /// Every imported bank entry.
            pub fn bank_records(&self) -> Result<Vec<crate::domain::bank::BankRecord>, StoreError> {
                let mut out = Vec::new();
                for entry in self.bank.iter()? {
                    let (k, v) = entry?;
                    out.push(decode("bank", &k.value(), v.value())?);
                }
                Ok(out)
            }

            /// Highest audit sequence number (0 when empty).
            pub fn last_audit_seq(&self) -> Result<u64, StoreError> {
                Ok(self.audit.last()?.map(|(k, _)| k.value()).unwrap_or(0))
            }

            /// Records per table: customers, orders, documents, audit records.
            pub fn counts(&self) -> Result<[u64; 4], StoreError> {
                Ok([
                    self.customers.len()?,
                    self.orders.len()?,
                    self.documents.len()?,
                    self.audit.len()?,
                ])
            }

            pub fn preference(&self, person: &str) -> Result<Option<Vec<u8>>, StoreError> {
                Ok(self.preferences.get(person)?.map(|v| v.value().to_vec()))
            }
        }
    };
}

impl_reads!(Rx);
impl_reads!(Tx<'_>);

impl Tx<'_> {
    /// Records an e-mail sent.
    pub fn put_mail(&mut self, mail: &crate::domain::mail::MailRecord) -> Result<(), StoreError> {
        let bytes = encode("mail", &mail.id, mail)?;
        self.mails.insert(mail.id, bytes.as_slice())?;
        Ok(())
    }

    /// Stores a letter and its PDF.
    pub fn put_letter(
        &mut self,
        letter: &crate::domain::letter::Letter,
        pdf: &[u8],
    ) -> Result<(), StoreError> {
        let bytes = encode("letter", &letter.id, letter)?;
        self.letters.insert(letter.id, bytes.as_slice())?;
        self.letter_files.insert(letter.id, pdf)?;
        Ok(())
    }

    /// Stores a bank statement's entry and what became of it.
    pub fn put_bank(&mut self, record: &crate::domain::bank::BankRecord) -> Result<(), StoreError> {
        let bytes = encode("bank", &record.key, record)?;
        self.bank.insert(record.key.as_str(), bytes.as_slice())?;
        Ok(())
    }

    /// Stores a document's life on Chorus Pro.
    pub fn put_chorus(
        &mut self,
        record: &crate::domain::chorus::ChorusRecord,
    ) -> Result<(), StoreError> {
        let key = record.number.to_string();
        let bytes = encode("chorus", &key, record)?;
        self.chorus.insert(key.as_str(), bytes.as_slice())?;
        Ok(())
    }
}

impl Tx<'_> {
    /// Draws the next value of a named id sequence (customers, orders…), starting at 1.
    pub fn set_meta(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        self.meta.insert(key, value)?;
        Ok(())
    }

    pub fn next_id(&mut self, name: &str) -> Result<u64, StoreError> {
        let key = format!("next_{name}");
        let next = self.meta.get(key.as_str())?.map(|v| v.value()).unwrap_or(1);
        self.meta.insert(key.as_str(), next + 1)?;
        Ok(next)
    }

    /// Draws the next number of a series in a year. Inside the issuing transaction, so an
    /// aborted issue gives its number back.
    pub fn draw_number(&mut self, kind: DocKind, year: u16) -> Result<DocNumber, StoreError> {
        let next = self.counter(kind, year)? + 1;
        self.counters.insert((kind.prefix(), year), next)?;
        Ok(DocNumber {
            kind,
            year,
            seq: next,
        })
    }

    /// Inserts or updates a customer and its SIRET index.
    pub fn put_customer(&mut self, c: &Customer) -> Result<(), StoreError> {
        if let Some(old) = self.customer(c.id)?
            && old.siret != c.siret
        {
            self.customer_by_siret.remove(old.siret.as_str())?;
        }
        let stored = self.packed(CUSTOMERS_NAME, encode("customers", &c.id.0, c)?);
        self.customers.insert(c.id.0, stored.as_slice())?;
        self.customer_summaries.insert(
            c.id.0,
            encode("customer_summaries", &c.id.0, &CustomerSummary::of(c))?.as_slice(),
        )?;
        self.customer_by_siret.insert(c.siret.as_str(), c.id.0)?;
        Ok(())
    }

    pub fn put_product(&mut self, p: &Product) -> Result<(), StoreError> {
        self.products
            .insert(p.sku.as_str(), encode("products", &p.sku, p)?.as_slice())?;
        Ok(())
    }

    /// Inserts or updates an order with its card and every index.
    pub fn put_order(&mut self, o: &Order) -> Result<(), StoreError> {
        if let Some(old) = self.order_card(o.id)? {
            if old.stage != o.stage {
                self.orders_by_stage
                    .remove((old.stage.index() as u8, o.id.0))?;
            }
        } else {
            self.orders_by_customer.insert((o.customer.0, o.id.0), ())?;
            self.order_by_number
                .insert(o.number.to_string().as_str(), o.id.0)?;
            if let Some(r) = &o.quote.external_ref {
                self.order_by_external_ref.insert(r.as_str(), o.id.0)?;
            }
        }
        self.orders_by_stage
            .insert((o.stage.index() as u8, o.id.0), ())?;
        // The PO number is set once, when the original is received; inserting it again is a
        // no-op.
        if let Some(po) = &o.po {
            self.orders_by_po
                .insert((super::fold_reference(&po.po_number).as_str(), o.id.0), ())?;
        }
        let stored = self.packed(ORDERS_NAME, encode("orders", &o.id.0, o)?);
        self.orders.insert(o.id.0, stored.as_slice())?;
        self.order_cards.insert(
            o.id.0,
            encode("order_cards", &o.id.0, &OrderCard::from_order(o))?.as_slice(),
        )?;
        Ok(())
    }

    /// Stores an issued document and its files. Refuses to overwrite: issued documents are
    /// immutable.
    pub fn insert_document(
        &mut self,
        doc: &IssuedDocument,
        files: &[(FileFormat, &[u8])],
    ) -> Result<(), StoreError> {
        let number = doc.number.to_string();
        if self.documents.get(number.as_str())?.is_some() {
            return Err(StoreError::DocumentExists(number));
        }
        let record = self.split_document(&number, doc)?;
        let stored = self.packed(DOCUMENTS_NAME, record);
        self.documents.insert(number.as_str(), stored.as_slice())?;
        let seq = self.next_id("document_seq")?;
        self.documents_chrono.insert(seq, number.as_str())?;
        for (format, bytes) in files {
            let stored = self.packed(FILES, bytes.to_vec());
            self.document_files
                .insert((number.as_str(), format.code()), stored.as_slice())?;
        }
        Ok(())
    }

    /// A document's record with its buyer and lines stored as parts (once for every
    /// document that prints the same).
    fn split_document(
        &mut self,
        number: &str,
        doc: &IssuedDocument,
    ) -> Result<Vec<u8>, StoreError> {
        let split = SplitDocument::of(number, doc)?;
        let buyer = self.put_part(&split.buyer)?;
        let lines = self.put_part(&split.lines)?;
        split.record(buyer, lines)
    }

    /// Stores a part under its content address, or finds it already there.
    fn put_part(&mut self, bytes: &[u8]) -> Result<u64, StoreError> {
        let mut key = super::codec::part_key(bytes);
        loop {
            match self.document_parts.get(key)? {
                None => break,
                Some(v) if *self.plain(DOCUMENT_PARTS_NAME, &key, v.value())? == *bytes => {
                    return Ok(key);
                }
                Some(_) => key = key.wrapping_add(1),
            }
        }
        let stored = self.packed(DOCUMENT_PARTS_NAME, bytes.to_vec());
        self.document_parts.insert(key, stored.as_slice())?;
        Ok(key)
    }

    /// Stores the buyer and lines of up to `limit` documents whose record holds them
    /// inline as parts, from the number after `from`; the content is unchanged (each
    /// rewritten record reads back equal, or nothing is written). Returns the last number
    /// visited, `None` at the end.
    pub(super) fn move_document_parts(
        &mut self,
        from: Option<&str>,
        limit: usize,
    ) -> Result<Option<String>, StoreError> {
        let mut batch = Vec::new();
        {
            let range = match from {
                Some(f) => self
                    .documents
                    .range::<&str>((std::ops::Bound::Excluded(f), std::ops::Bound::Unbounded))?,
                None => self.documents.range::<&str>(..)?,
            };
            for entry in range.take(limit) {
                let (k, v) = entry?;
                batch.push((k.value().to_string(), v.value().to_vec()));
            }
        }
        let last = batch.last().map(|(k, _)| k.clone());
        for (number, stored) in batch {
            let bytes = self.plain(DOCUMENTS_NAME, &number, &stored)?.into_owned();
            if super::codec::split_record(&number, &bytes)?.is_ok() {
                continue;
            }
            let doc = self.decode_document(&number, &bytes)?;
            let record = self.split_document(&number, &doc)?;
            if self.decode_document(&number, &record)? != doc {
                return Err(StoreError::Corrupt {
                    table: "documents",
                    key: number,
                    reason: "does not read back the same with its parts apart".into(),
                });
            }
            let stored = self.packed(DOCUMENTS_NAME, record);
            self.documents.insert(number.as_str(), stored.as_slice())?;
        }
        Ok(last)
    }

    /// Stores the scan of an order's original purchase order. Refuses to overwrite: an
    /// attached scan is immutable.
    pub fn insert_attachment(&mut self, order: OrderId, bytes: &[u8]) -> Result<(), StoreError> {
        if self.attachments.get(order.0)?.is_some() {
            return Err(StoreError::Corrupt {
                table: "attachments",
                key: order.0.to_string(),
                reason: "a scan is already attached (attachments are immutable)".into(),
            });
        }
        self.attachments.insert(order.0, bytes)?;
        Ok(())
    }

    /// Appends an audit record (its `seq` is assigned here) and indexes it.
    pub fn append_audit(&mut self, mut rec: AuditRecord) -> Result<u64, StoreError> {
        let seq = self.next_id("audit_seq")?;
        rec.seq = seq;
        let stored = self.packed(AUDIT_NAME, encode("audit", &seq, &rec)?);
        self.audit.insert(seq, stored.as_slice())?;
        if let Some(o) = rec.order {
            self.audit_by_order.insert(o.0, seq)?;
        }
        if let Some(c) = rec.customer {
            self.audit_by_customer.insert(c.0, seq)?;
        }
        Ok(seq)
    }

    pub fn set_preference(&mut self, person: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.preferences.insert(person, bytes)?;
        Ok(())
    }
}

//! Store-level tests: migrations of stores written by earlier versions.

use super::*;
use crate::domain::legacy::{InvoiceRefV1, OrderCardV1, OrderV1, OriginalPoV1};
use crate::domain::order::QuoteInfo;
use crate::domain::{
    Address, Cents, Contact, CustomerId, Date, DocNumber, OrderId, Stage, Timestamp,
};

/// A store at schema 1 with an invoiced order whose card says "due 30 days after the
/// invoice" opens at schema 2 with the card recomputed from the order (due from the
/// presumed receipt, invoice + 2 days).
#[test]
fn schema_1_cards_are_rebuilt_from_their_orders() {
    let dir = tempfile::tempdir().unwrap();
    let day = |s| Date::parse_iso(s).unwrap();
    let n = |s| DocNumber::parse(s).unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let order = OrderV1 {
            id: OrderId(1),
            number: n("DEV-2026-00001"),
            customer: CustomerId(1),
            quote: QuoteInfo {
                version: 1,
                issued_on: day("2026-03-01"),
                valid_until: day("2026-04-01"),
                renews: None,
                renewed_by: None,
                external_ref: None,
            },
            header_address: Address::default(),
            delivery_address: Address::default(),
            contact: Contact::default(),
            lines: Vec::new(),
            stage: Stage::Invoiced,
            stage_since: Timestamp(0),
            pre_order: None,
            po: Some(OriginalPoV1 {
                po_number: "ENG 2026/0042".into(),
                po_date: day("2026-03-04"),
                received_at: Timestamp(0),
                checklist: crate::domain::Checklist::ALL_TICKED,
                verified_by: "marie".into(),
            }),
            documents: Vec::new(),
            invoices: vec![InvoiceRefV1 {
                number: n("FA-2026-00001"),
                date: day("2026-03-07"),
                due_date: day("2026-04-06"),
                amount_incl_vat: Cents(12_000),
                quantities: Vec::new(),
                credited_by: None,
            }],
            payments: Vec::new(),
            closing_reason: None,
            created_at: Timestamp(0),
        };
        let card = OrderCardV1 {
            id: OrderId(1),
            number: order.number,
            customer: CustomerId(1),
            stage: Stage::Invoiced,
            stage_since: Timestamp(0),
            valid_until: day("2026-04-01"),
            renewed: false,
            total_incl_vat: Cents(12_000),
            outstanding: Cents(12_000),
            unpaid_invoices: vec![(day("2026-04-06"), Cents(12_000))],
            partial_delivery: false,
        };
        let v1 = |body: Vec<u8>| {
            let mut b = vec![1u8];
            b.extend(body);
            b
        };
        let txn = store.db().unwrap().begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("schema_version", 1).unwrap();
            let mut orders = txn.open_table(ORDERS).unwrap();
            orders
                .insert(1, v1(postcard::to_allocvec(&order).unwrap()).as_slice())
                .unwrap();
            let mut cards = txn.open_table(ORDER_CARDS).unwrap();
            cards
                .insert(1, v1(postcard::to_allocvec(&card).unwrap()).as_slice())
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let card = store.read(|rx| rx.order_card(OrderId(1))).unwrap().unwrap();
    assert_eq!(card.late.len(), 1);
    assert_eq!(card.late[0].invoice, n("FA-2026-00001"));
    assert_eq!(
        card.late[0].due,
        Some(day("2026-04-08")),
        "invoice + 2 days + 30"
    );
    let version = store.read(|rx| rx.meta("schema_version")).unwrap();
    assert_eq!(version, Some(SCHEMA_VERSION));
    // Schema 3: the order is found by its PO number, whatever its spacing and case.
    let found = store
        .read(|rx| rx.orders_with_po_prefix("eng2026/00", 10))
        .unwrap();
    assert_eq!(found, vec![OrderId(1)]);
}

/// A customer written before the market reference (record version 1) reads with none.
#[test]
fn version_1_customers_read_without_a_market_reference() {
    use crate::domain::customer::{ChorusRouting, CustomerKind, Eligibility};
    use crate::domain::legacy::{ChorusRoutingV1, CustomerV1};
    use crate::domain::{Customer, Siret};
    let v1 = CustomerV1 {
        id: CustomerId(7),
        legal_name: "Commune de Lyon".into(),
        siret: Siret::parse("21750001600019").unwrap(),
        categorie: "7210".into(),
        kind: CustomerKind::Commune,
        eligibility: Eligibility::automatic("7210", Timestamp(0)),
        header_address: Address::default(),
        delivery_addresses: vec![],
        contacts: vec![Contact::default()],
        chorus: ChorusRoutingV1 {
            service_code: Some("SERV-1".into()),
            service_code_required: true,
            engagement_required: false,
        },
        created_at: Timestamp(0),
    };
    let mut bytes = vec![1u8];
    bytes.extend(postcard::to_allocvec(&v1).unwrap());
    let c: Customer = codec::decode("customers", &7, &bytes).unwrap();
    assert_eq!(
        c.chorus,
        ChorusRouting {
            service_code: Some("SERV-1".into()),
            service_code_required: true,
            engagement_required: false,
            market_reference: None,
        }
    );
    assert_eq!(c.legal_name, "Commune de Lyon");
    // And today's records carry version 2.
    assert_eq!(codec::encode("customers", &7, &c).unwrap()[0], 2);
}

/// A store at schema 3 has no customer summaries: it opens at schema 4 with one per
/// customer, equal to what the account gives, and a later change of the account changes
/// its summary in the same transaction.
#[test]
fn schema_3_customers_get_their_index_summary() {
    use crate::domain::customer::{ChorusRouting, CustomerKind, Eligibility};
    use crate::domain::{Customer, CustomerSummary, EligibilityStatus, Siret};
    let dir = tempfile::tempdir().unwrap();
    let customer = Customer {
        id: CustomerId(3),
        legal_name: "Commune de Lyon".into(),
        siret: Siret::parse("21750001600019").unwrap(),
        categorie: "7210".into(),
        kind: CustomerKind::Commune,
        eligibility: Eligibility::automatic("7210", Timestamp(0)),
        header_address: Address {
            city: "Lyon".into(),
            ..Address::default()
        },
        delivery_addresses: vec![],
        contacts: vec![Contact {
            name: "Anne Roux".into(),
            ..Contact::default()
        }],
        chorus: ChorusRouting::default(),
        created_at: Timestamp(0),
    };
    {
        let store = Store::open(dir.path()).unwrap();
        let txn = store.db().unwrap().begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("schema_version", 3).unwrap();
            let mut customers = txn.open_table(CUSTOMERS).unwrap();
            customers
                .insert(
                    3,
                    codec::encode("customers", &3, &customer)
                        .unwrap()
                        .as_slice(),
                )
                .unwrap();
        }
        txn.delete_table(CUSTOMER_SUMMARIES).unwrap();
        txn.commit().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let summary = store.read(|rx| rx.customer_summary(CustomerId(3))).unwrap();
    assert_eq!(
        summary,
        Some(CustomerSummary {
            id: CustomerId(3),
            legal_name: "Commune de Lyon".into(),
            city: "Lyon".into(),
            siret: "21750001600019".into(),
            contact_names: vec!["Anne Roux".into()],
            status: EligibilityStatus::Approved,
        })
    );
    assert_eq!(
        store.read(|rx| rx.meta("schema_version")).unwrap(),
        Some(SCHEMA_VERSION)
    );
    let mut renamed = customer.clone();
    renamed.legal_name = "Ville de Lyon".into();
    store.write(|tx| tx.put_customer(&renamed)).unwrap();
    let summary = store
        .read(|rx| rx.customer_summary(CustomerId(3)))
        .unwrap()
        .unwrap();
    assert_eq!(summary, CustomerSummary::of(&renamed));
    assert_eq!(summary.legal_name, "Ville de Lyon");
}

/// Every document of a seeded store, by number.
fn all_documents(store: &Store) -> Vec<(String, crate::domain::IssuedDocument)> {
    let mut docs = Vec::new();
    store
        .read(|rx| {
            rx.for_each_document(|d| {
                docs.push((d.number.to_string(), d));
                Ok::<_, StoreError>(())
            })
        })
        .unwrap();
    docs
}

/// A document's record as stored (decompressed when it was).
fn raw_document(store: &Store, number: &str) -> Vec<u8> {
    let txn = store.db().unwrap().begin_read().unwrap();
    let docs = txn.open_table(DOCUMENTS).unwrap();
    let stored = docs.get(number).unwrap().unwrap().value().to_vec();
    store
        .dictionaries
        .unpack(DOCUMENTS_NAME, &number, &stored)
        .unwrap()
        .into_owned()
}

fn part_count(store: &Store) -> u64 {
    use redb::ReadableTableMetadata;
    let txn = store.db().unwrap().begin_read().unwrap();
    txn.open_table(DOCUMENT_PARTS).unwrap().len().unwrap()
}

/// The documents of an order print the same buyer: it is stored once, and every document
/// reads back whole.
#[test]
fn documents_share_their_buyer_and_lines() {
    let (_dir, store) = crate::app::tests::seeded_store(20, 60, 5);
    let docs = all_documents(&store);
    assert!(docs.len() > 100, "{} documents", docs.len());
    let parts = part_count(&store);
    assert!(
        parts < docs.len() as u64,
        "{parts} parts for {} documents: nothing shared",
        docs.len()
    );
    // The quote and the invoice of one order point to the same buyer part.
    let (_, invoice) = docs
        .iter()
        .find(|(_, d)| d.kind() == crate::domain::DocKind::Invoice)
        .unwrap();
    let quote = docs
        .iter()
        .find(|(_, d)| d.kind() == crate::domain::DocKind::Quote && d.order == invoice.order)
        .map(|(n, _)| n.clone())
        .unwrap();
    let keys = |number: &str| {
        let raw = raw_document(&store, number);
        assert_ne!(
            raw[0] & codec::WITH_PARTS,
            0,
            "{number} holds its parts inline"
        );
        let (buyer, lines, _) = codec::split_record(number, &raw).unwrap().unwrap();
        (buyer, lines)
    };
    assert_eq!(keys(&quote).0, keys(&invoice.number.to_string()).0);
}

/// A store at schema 4 holds documents with their buyer and lines inline: it opens at
/// schema 5 with every document reading back exactly as before, its parts apart.
#[test]
fn schema_4_documents_move_their_parts_apart() {
    let (dir, store) = crate::app::tests::seeded_store(10, 30, 9);
    let before = all_documents(&store);
    {
        let txn = store.db().unwrap().begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("schema_version", 4).unwrap();
            let mut table = txn.open_table(DOCUMENTS).unwrap();
            for (number, doc) in &before {
                let inline = codec::encode("documents", number, doc).unwrap();
                assert_eq!(inline[0] & codec::WITH_PARTS, 0);
                table.insert(number.as_str(), inline.as_slice()).unwrap();
            }
        }
        txn.delete_table(DOCUMENT_PARTS).unwrap();
        txn.commit().unwrap();
    }
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.read(|rx| rx.meta("schema_version")).unwrap(),
        Some(SCHEMA_VERSION)
    );
    assert_eq!(all_documents(&store), before);
    for (number, _) in &before {
        assert_ne!(raw_document(&store, number)[0] & codec::WITH_PARTS, 0);
    }
    assert!(part_count(&store) > 0);
}

/// Two different parts whose content addresses collide are both kept: the second moves
/// to the next key.
#[test]
fn a_part_whose_address_is_taken_moves_to_the_next_key() {
    let (_dir, store) = crate::app::tests::seeded_store(5, 10, 3);
    let (number, doc) = all_documents(&store).pop().unwrap();
    let mut copy = doc.clone();
    copy.number.seq += 10_000;
    copy.buyer.legal_name = "Collège collision".into();
    let number_copy = copy.number.to_string();
    let split = codec::SplitDocument::of(&number_copy, &copy).unwrap();
    let taken = codec::part_key(&split.buyer);
    store
        .write(|tx| {
            tx.document_parts
                .insert(taken, &b"\x01something else"[..])?;
            tx.insert_document(&copy, &[])
        })
        .unwrap();
    let raw = raw_document(&store, &number_copy);
    let (buyer, _, _) = codec::split_record(&number_copy, &raw).unwrap().unwrap();
    assert_eq!(buyer, taken.wrapping_add(1));
    let back = store.read(|rx| rx.document(&number_copy)).unwrap().unwrap();
    assert_eq!(back, copy);
    assert_eq!(store.read(|rx| rx.document(&number)).unwrap().unwrap(), doc);
}

/// `compact` rewrites a store that updates left with free pages into a smaller file that
/// reads the same and checks clean, and keeps the previous file aside; a store held by a
/// server is refused and left as it is.
#[test]
fn compaction_shrinks_the_file_and_keeps_every_record() {
    let (dir, store) = crate::app::tests::seeded_store(30, 120, 4);
    // Churn: every order rewritten a few times leaves free pages behind.
    let orders = {
        let mut v = Vec::new();
        store
            .read(|rx| {
                rx.for_each_order(|o| {
                    v.push(o);
                    Ok::<_, StoreError>(())
                })
            })
            .unwrap();
        v
    };
    for round in 0..5 {
        for o in &orders {
            let mut o = o.clone();
            o.closing_reason = Some("x".repeat(200 * (round + 1)));
            store.write(|tx| tx.put_order(&o)).unwrap();
        }
    }
    store
        .write(|tx| orders.iter().try_for_each(|o| tx.put_order(o)))
        .unwrap();
    let docs = all_documents(&store);
    // Held by a running server: refused, nothing changes.
    let held = backup::compact(dir.path(), "T1");
    assert!(matches!(held, Err(StoreError::InUse(_))), "{held:?}");
    drop(store);
    // Measured once closed: redb may write its allocator state at close.
    let before = std::fs::metadata(dir.path().join(STORE_FILE))
        .unwrap()
        .len();
    // What a killed compaction left behind goes.
    let stale = dir.path().join(".compact-T0");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join(STORE_FILE), b"half a copy").unwrap();
    // And what a killed backup or restore left, but nothing else of the folder.
    let streamed = dir.path().join(".backup-4242-17.redb");
    std::fs::write(&streamed, vec![7u8; 100_000]).unwrap();
    let restoring = dir.path().join(".restore-20260101T000000Z");
    std::fs::create_dir_all(&restoring).unwrap();
    std::fs::write(restoring.join(STORE_FILE), b"x").unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, b"keep me").unwrap();
    {
        let opened = Store::open(dir.path()).unwrap();
        let mut removed: Vec<(String, u64)> = opened
            .leftovers_removed()
            .iter()
            .map(|(p, n)| (p.file_name().unwrap().to_string_lossy().into_owned(), *n))
            .collect();
        removed.sort();
        assert_eq!(
            removed,
            [
                (".backup-4242-17.redb".to_string(), 100_000),
                (".compact-T0".to_string(), 11),
                (".restore-20260101T000000Z".to_string(), 1),
            ]
        );
    }
    assert!(!stale.exists() && !streamed.exists() && !restoring.exists());
    assert!(notes.exists());
    std::fs::create_dir_all(&stale).unwrap();
    let done = backup::compact(dir.path(), "T2").unwrap();
    assert!(!stale.exists());
    assert!(done.restored.report.is_clean());
    assert_eq!(done.before, before);
    assert!(
        done.after < before,
        "{} bytes after, {before} before",
        done.after
    );
    let aside = done.restored.previous.unwrap();
    assert_eq!(
        aside.file_name().unwrap(),
        "comptoir.redb.before-compact-T2"
    );
    assert_eq!(std::fs::metadata(&aside).unwrap().len(), before);
    assert!(!dir.path().join(".compact-T2").exists());
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(all_documents(&store), docs);
    let mut back = Vec::new();
    store
        .read(|rx| {
            rx.for_each_order(|o| {
                back.push(o);
                Ok::<_, StoreError>(())
            })
        })
        .unwrap();
    assert_eq!(back, orders);
}

/// The stored bytes of every value of a byte-valued table.
fn raw_values(store: &Store, def: redb::TableDefinition<u64, &[u8]>) -> Vec<Vec<u8>> {
    use redb::ReadableTable;
    let txn = store.db().unwrap().begin_read().unwrap();
    let table = txn.open_table(def).unwrap();
    table
        .iter()
        .unwrap()
        .map(|e| e.unwrap().1.value().to_vec())
        .collect()
}

fn all_audit(store: &Store) -> Vec<crate::domain::AuditRecord> {
    store.read(|rx| rx.audit_after(0, usize::MAX)).unwrap()
}

/// A table that has grown past a thousand records gets a dictionary when the store opens;
/// what is written from then on is compressed with it and reads back the same; `compact`
/// rewrites the older values with a dictionary trained on the whole table; a table with
/// few records stays plain.
#[test]
fn records_are_compressed_with_a_dictionary_trained_on_the_store() {
    use crate::store::compress::ENVELOPE;
    let (dir, store) = crate::app::tests::seeded_store(40, 400, 8);
    let audit_before = all_audit(&store);
    assert!(
        audit_before.len() > 1_000,
        "{} audit records",
        audit_before.len()
    );
    let orders_before = store.read(|rx| rx.order_count()).unwrap();
    assert!(orders_before < 1_000);
    // Seeded before any dictionary: every value is plain.
    assert!(raw_values(&store, AUDIT).iter().all(|v| v[0] != ENVELOPE));
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let audit_dictionary = store.dictionaries.current(AUDIT_NAME);
    assert!(
        audit_dictionary.is_some(),
        "no dictionary for the audit trail"
    );
    assert!(store.dictionaries.current(ORDERS_NAME).is_none());
    // A new record is compressed and reads back whole.
    let mut record = audit_before.last().unwrap().clone();
    record.detail = "facture reçue par l'organisme le 15/11/2026 ; échéance 15/12/2026".into();
    let seq = store.write(|tx| tx.append_audit(record.clone())).unwrap();
    record.seq = seq;
    let raw = raw_values(&store, AUDIT);
    assert_eq!(raw.last().unwrap()[0], ENVELOPE);
    assert_eq!(
        store.read(|rx| rx.audit_record(seq)).unwrap(),
        Some(record.clone())
    );
    // Orders (fewer than a thousand) stay plain.
    assert!(raw_values(&store, ORDERS).iter().all(|v| v[0] != ENVELOPE));
    let docs = all_documents(&store);
    let audit = all_audit(&store);
    drop(store);
    let done = backup::compact(dir.path(), "Z").unwrap();
    assert!(
        done.restored.report.is_clean(),
        "{:?}",
        done.restored.report.violations
    );
    assert!(done.after < done.before, "{} → {}", done.before, done.after);
    let store = Store::open(dir.path()).unwrap();
    let retrained = store.dictionaries.current(AUDIT_NAME).unwrap();
    assert_ne!(Some(retrained), audit_dictionary, "compact trains anew");
    let raw = raw_values(&store, AUDIT);
    assert!(
        raw.iter().filter(|v| v[0] == ENVELOPE).count() * 10 > raw.len() * 9,
        "most audit records compressed after compact"
    );
    assert!(raw_values(&store, ORDERS).iter().all(|v| v[0] != ENVELOPE));
    assert_eq!(all_audit(&store), audit);
    assert_eq!(all_documents(&store), docs);
}

/// A Factur-X XML is stored compressed (without dictionary), a PDF as it is when it does
/// not shrink; both read back byte for byte.
#[test]
fn document_files_read_back_byte_for_byte() {
    use crate::domain::FileFormat;
    use crate::store::compress::ENVELOPE;
    let (_dir, store) = crate::app::tests::seeded_store(5, 10, 3);
    let (_, doc) = all_documents(&store).pop().unwrap();
    let mut copy = doc.clone();
    copy.number.seq += 20_000;
    let xml = "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument/></ram:IncludedSupplyChainTradeLineItem>\n"
        .repeat(300)
        .into_bytes();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend(crate::store::compress::incompressible(20_000));
    store
        .write(|tx| {
            tx.insert_document(
                &copy,
                &[(FileFormat::Pdf, &pdf), (FileFormat::FacturX, &xml)],
            )
        })
        .unwrap();
    let number = copy.number.to_string();
    let raw = |format: FileFormat| {
        let txn = store.db().unwrap().begin_read().unwrap();
        let t = txn.open_table(DOCUMENT_FILES).unwrap();
        t.get((number.as_str(), format.code()))
            .unwrap()
            .unwrap()
            .value()
            .to_vec()
    };
    assert_eq!(raw(FileFormat::FacturX)[0], ENVELOPE);
    assert!(raw(FileFormat::FacturX).len() * 10 < xml.len());
    assert_eq!(raw(FileFormat::Pdf), pdf);
    let read = |format| {
        store
            .read(|rx| rx.document_file(&number, format))
            .unwrap()
            .unwrap()
    };
    assert_eq!(read(FileFormat::FacturX), xml);
    assert_eq!(read(FileFormat::Pdf), pdf);
}

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
        let txn = store.db.begin_write().unwrap();
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
        let txn = store.db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("schema_version", 3).unwrap();
            let mut customers = txn.open_table(CUSTOMERS).unwrap();
            customers
                .insert(3, codec::encode("customers", &3, &customer).unwrap().as_slice())
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

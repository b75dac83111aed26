//! Record encoding: one version byte, then postcard. `redb::Value::from_bytes` cannot fail,
//! so records are stored as raw bytes and decoded here, where a corrupt or too-new record
//! becomes a real error naming its table and key.
//!
//! Each record type says which version it writes ([`Record::VERSION`]) and how to read the
//! versions before it ([`Record::upgrade`]): a migration is code, not a comment.

use super::StoreError;
use crate::domain::event::AuditRecordV1;
use crate::domain::legacy::{CustomerV1, IssuedDocumentV1, OrderCardV1, OrderV1};
use crate::domain::{
    AuditRecord, Customer, CustomerSummary, IssuedDocument, Order, OrderCard, Product,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type stored in a table.
pub(crate) trait Record: Serialize + DeserializeOwned {
    /// The version written today.
    const VERSION: u8 = 1;

    /// Decodes the body of a record written with an older `version`; `None` when that
    /// version is unknown.
    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        let _ = (version, body);
        None
    }
}

/// Version 2: the market reference in the Chorus routing.
impl Record for Customer {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<CustomerV1>(body).map(Customer::from)),
            _ => None,
        }
    }
}
impl Record for Product {}
impl Record for CustomerSummary {}

/// Version 2: receipt date, interruption and partial credits on invoices, penalty
/// settlements, the PO scan, contract reference, VAT exemption grounds.
impl Record for Order {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<OrderV1>(body).map(Order::from)),
            _ => None,
        }
    }
}

/// Version 2: the late state of each invoice instead of (due date, unpaid).
impl Record for OrderCard {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<OrderCardV1>(body).map(OrderCard::from)),
            _ => None,
        }
    }
}

/// Version 2: delivery notes cited, contract reference, exemption grounds, rate in force.
impl Record for IssuedDocument {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<IssuedDocumentV1>(body).map(IssuedDocument::from)),
            _ => None,
        }
    }
}

/// Version 2 added the access event as data.
impl Record for AuditRecord {
    const VERSION: u8 = 2;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<AuditRecordV1>(body).map(AuditRecord::from)),
            _ => None,
        }
    }
}

/// Encodes a record; an encoding failure is an error, never an empty record.
pub(crate) fn encode<T: Record>(
    table: &'static str,
    key: &dyn std::fmt::Display,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(value, vec![T::VERSION]).map_err(|e| StoreError::Corrupt {
        table,
        key: key.to_string(),
        reason: format!("cannot encode: {e}"),
    })
}

pub(crate) fn decode<T: Record>(
    table: &'static str,
    key: &dyn std::fmt::Display,
    bytes: &[u8],
) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table,
        key: key.to_string(),
        reason,
    };
    match bytes.split_first() {
        Some((&v, body)) if v == T::VERSION => {
            postcard::from_bytes(body).map_err(|e| corrupt(e.to_string()))
        }
        Some((&v, body)) => match T::upgrade(v, body) {
            Some(r) => r.map_err(|e| corrupt(e.to_string())),
            None => Err(StoreError::UnknownVersion {
                table,
                key: key.to_string(),
                version: v,
            }),
        },
        None => Err(corrupt("empty record".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Action, ActorKind, ActorRef, Timestamp};

    fn v1() -> AuditRecordV1 {
        AuditRecordV1 {
            seq: 7,
            at: Timestamp(1_700_000_000),
            actor: ActorRef {
                name: "marie".into(),
                fingerprint: Some("SHA256:x".into()),
                kind: ActorKind::Person,
            },
            action: Action::Login,
            order: None,
            order_number: None,
            customer: None,
            before: String::new(),
            after: String::new(),
            detail: "SHA256:x depuis 127.0.0.1 (SSH-2.0-OpenSSH_9.2)".into(),
            document: None,
        }
    }

    #[test]
    fn version_1_audit_records_are_read() {
        let mut bytes = vec![1u8];
        bytes.extend(postcard::to_allocvec(&v1()).unwrap());
        let r: AuditRecord = decode("audit", &7, &bytes).unwrap();
        assert_eq!(r.seq, 7);
        assert_eq!(r.detail, v1().detail);
        assert_eq!(r.access, None);
        let again: AuditRecord = decode("audit", &7, &encode("audit", &7, &r).unwrap()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn version_1_orders_keep_their_due_dates_and_credits() {
        use crate::domain::legacy::{InvoiceRefV1, OrderV1};
        use crate::domain::order::QuoteInfo;
        use crate::domain::{Address, Cents, Contact, CustomerId, Date, DocNumber, OrderId, Stage};
        let day = |s| Date::parse_iso(s).unwrap();
        let n = |s| DocNumber::parse(s).unwrap();
        let old = OrderV1 {
            id: OrderId(3),
            number: n("DEV-2026-00003"),
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
            stage: Stage::Delivered,
            stage_since: Timestamp(0),
            pre_order: None,
            po: None,
            documents: Vec::new(),
            invoices: vec![InvoiceRefV1 {
                number: n("FA-2026-00001"),
                date: day("2026-03-07"),
                due_date: day("2026-04-26"),
                amount_incl_vat: Cents(12_000),
                quantities: vec![1],
                credited_by: Some(n("AV-2026-00001")),
            }],
            payments: Vec::new(),
            closing_reason: None,
            created_at: Timestamp(0),
        };
        let mut bytes = vec![1u8];
        bytes.extend(postcard::to_allocvec(&old).unwrap());
        let o: Order = decode("orders", &3, &bytes).unwrap();
        let inv = &o.invoices[0];
        assert_eq!(inv.delay_days, 50, "the old due date's delay is kept");
        assert_eq!(inv.credits[0].number, n("AV-2026-00001"));
        assert!(inv.is_cancelled());
        assert_eq!(o.outstanding(), Cents::ZERO);
        let again: Order = decode("orders", &3, &encode("orders", &3, &o).unwrap()).unwrap();
        assert_eq!(again, o);
    }

    #[test]
    fn unknown_versions_and_empty_records_are_errors() {
        assert!(matches!(
            decode::<AuditRecord>("audit", &1, &[9, 0]),
            Err(StoreError::UnknownVersion { version: 9, .. })
        ));
        assert!(matches!(
            decode::<AuditRecord>("audit", &1, &[]),
            Err(StoreError::Corrupt { .. })
        ));
    }
}

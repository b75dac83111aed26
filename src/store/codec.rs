//! Record encoding: one version byte, then postcard. `redb::Value::from_bytes` cannot fail,
//! so records are stored as raw bytes and decoded here, where a corrupt or too-new record
//! becomes a real error naming its table and key.
//!
//! Each record type says which version it writes ([`Record::VERSION`]) and how to read the
//! versions before it ([`Record::upgrade`]): a migration is code, not a comment.

use super::StoreError;
use crate::domain::event::{AuditRecordV1, AuditRecordV2};
use crate::domain::legacy::{CustomerV1, IssuedDocumentV1, OrderCardV1, OrderV1, OrderV2};
use crate::domain::{
    AuditRecord, BuyerSnapshot, Customer, CustomerSummary, DocLine, IssuedDocument, Order,
    OrderCard, Product,
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
impl Record for crate::domain::chorus::ChorusRecord {}
impl Record for crate::domain::bank::BankRecord {}
impl Record for crate::domain::letter::Letter {}
impl Record for crate::domain::mail::MailRecord {}
impl Record for CustomerSummary {}

/// Version 2: receipt date, interruption and partial credits on invoices, penalty
/// settlements, the PO scan, contract reference, VAT exemption grounds. Version 3:
/// refunds.
impl Record for Order {
    const VERSION: u8 = 3;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<OrderV1>(body).map(Order::from)),
            2 => Some(postcard::from_bytes::<OrderV2>(body).map(Order::from)),
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

/// Version 2 added the access event as data; version 3 the author's SSH session id.
impl Record for AuditRecord {
    const VERSION: u8 = 3;

    fn upgrade(version: u8, body: &[u8]) -> Option<Result<Self, postcard::Error>> {
        match version {
            1 => Some(postcard::from_bytes::<AuditRecordV1>(body).map(AuditRecord::from)),
            2 => Some(postcard::from_bytes::<AuditRecordV2>(body).map(AuditRecord::from)),
            _ => None,
        }
    }
}

/// Shared parts of documents (`document_parts_v1`): the buyer as printed, the lines.
impl Record for BuyerSnapshot {}
impl Record for Vec<DocLine> {}

/// A document whose buyer and lines are stored apart, once for every document that
/// prints the same ones, is marked by this bit on its version byte; two varints (the
/// parts' keys) come before the body, which is the document's own version's layout with
/// an empty buyer and no lines.
pub(crate) const WITH_PARTS: u8 = 0x80;

/// Kinds of parts: the first byte of a stored part, hashed with the rest.
pub(crate) const PART_BUYER: u8 = 1;
pub(crate) const PART_LINES: u8 = 2;

/// A document split for storage: its buyer and lines encoded as parts, the rest with the
/// parts' keys still to be written in front.
pub(crate) struct SplitDocument {
    pub(crate) buyer: Vec<u8>,
    pub(crate) lines: Vec<u8>,
    rest: Vec<u8>,
}

impl SplitDocument {
    pub(crate) fn of(number: &str, doc: &IssuedDocument) -> Result<SplitDocument, StoreError> {
        fn part<T: Record>(kind: u8, number: &str, value: &T) -> Result<Vec<u8>, StoreError> {
            let mut bytes = vec![kind];
            bytes.extend(encode("document_parts", &number, value)?);
            Ok(bytes)
        }
        let mut rest = doc.clone();
        let buyer = part(PART_BUYER, number, &std::mem::take(&mut rest.buyer))?;
        let lines = part(PART_LINES, number, &std::mem::take(&mut rest.lines))?;
        Ok(SplitDocument {
            buyer,
            lines,
            rest: encode("documents", &number, &rest)?,
        })
    }

    /// The stored record once the parts are stored under `buyer` and `lines`.
    pub(crate) fn record(self, buyer: u64, lines: u64) -> Result<Vec<u8>, StoreError> {
        let (&version, body) = self.rest.split_first().expect("encode writes a version");
        let mut out = postcard::to_extend(&(buyer, lines), vec![WITH_PARTS | version])
            .map_err(|e| StoreError::Db(e.to_string()))?;
        out.extend_from_slice(body);
        Ok(out)
    }
}

/// The content address of a part: the first 8 bytes of its SHA-256 (a collision, which
/// the writer detects by comparing bytes, moves to the next free key).
pub(crate) fn part_key(bytes: &[u8]) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// A stored document record: `Ok(Err(record))` when its buyer and lines are inline,
/// `Ok(Ok((buyer, lines, rest)))` when they are parts to read (`rest` decodes as a
/// document with its version byte restored).
#[allow(clippy::type_complexity)]
pub(crate) fn split_record<'a>(
    number: &str,
    bytes: &'a [u8],
) -> Result<Result<(u64, u64, Vec<u8>), &'a [u8]>, StoreError> {
    match bytes.split_first() {
        Some((&v, body)) if v & WITH_PARTS != 0 => {
            let ((buyer, lines), rest) =
                postcard::take_from_bytes::<(u64, u64)>(body).map_err(|e| StoreError::Corrupt {
                    table: "documents",
                    key: number.to_string(),
                    reason: format!("parts: {e}"),
                })?;
            let mut record = Vec::with_capacity(rest.len() + 1);
            record.push(v & !WITH_PARTS);
            record.extend_from_slice(rest);
            Ok(Ok((buyer, lines, record)))
        }
        _ => Ok(Err(bytes)),
    }
}

/// A stored part of the expected kind, decoded.
pub(crate) fn decode_part<T: Record>(kind: u8, key: u64, bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&k, body)) if k == kind => decode("document_parts", &key, body),
        _ => Err(StoreError::Corrupt {
            table: "document_parts",
            key: key.to_string(),
            reason: format!("not a part of kind {kind}"),
        }),
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
    use crate::domain::event::ActorRefV1;
    use crate::domain::{Action, ActorKind, Timestamp};

    fn v1() -> AuditRecordV1 {
        AuditRecordV1 {
            seq: 7,
            at: Timestamp(1_700_000_000),
            actor: ActorRefV1 {
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

    /// Records written before session ids (version 2) read back with none; today's keep
    /// theirs.
    #[test]
    fn version_2_audit_records_are_read_without_a_session() {
        let old = v1();
        let v2 = AuditRecordV2 {
            seq: old.seq,
            at: old.at,
            actor: old.actor.clone(),
            action: old.action,
            order: None,
            order_number: None,
            customer: None,
            before: String::new(),
            after: String::new(),
            detail: old.detail.clone(),
            document: None,
            access: None,
        };
        let mut bytes = vec![2u8];
        bytes.extend(postcard::to_allocvec(&v2).unwrap());
        let r: AuditRecord = decode("audit", &7, &bytes).unwrap();
        assert_eq!(
            (r.actor.name.as_str(), r.actor.session.as_deref()),
            ("marie", None)
        );
        let mut with = r.clone();
        with.actor.session = Some("3f9a2c".into());
        let again: AuditRecord = decode("audit", &7, &encode("audit", &7, &with).unwrap()).unwrap();
        assert_eq!(again.actor.session.as_deref(), Some("3f9a2c"));
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
        // Version 2 (before refunds) reads with no refund, everything else kept.
        let mut paid = o.clone();
        paid.payments.push(crate::domain::order::Payment {
            date: day("2026-04-02"),
            amount: Cents(500),
            reference: "M-1".into(),
            recorded_by: "marie".into(),
            recorded_at: Timestamp(7),
        });
        let v2 = crate::domain::legacy::OrderV2 {
            id: paid.id,
            number: paid.number,
            customer: paid.customer,
            quote: paid.quote.clone(),
            header_address: paid.header_address.clone(),
            delivery_address: paid.delivery_address.clone(),
            contact: paid.contact.clone(),
            lines: paid.lines.clone(),
            stage: paid.stage,
            stage_since: paid.stage_since,
            pre_order: paid.pre_order.clone(),
            po: paid.po.clone(),
            documents: paid.documents.clone(),
            invoices: paid.invoices.clone(),
            payments: paid.payments.clone(),
            penalty_settlements: paid.penalty_settlements.clone(),
            po_scan: paid.po_scan.clone(),
            closing_reason: paid.closing_reason.clone(),
            created_at: paid.created_at,
        };
        let mut bytes = vec![2u8];
        bytes.extend(postcard::to_allocvec(&v2).unwrap());
        let read: Order = decode("orders", &3, &bytes).unwrap();
        assert_eq!(read, paid);
        assert!(read.refunds.is_empty());
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

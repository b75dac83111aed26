//! Record encoding: one version byte, then postcard. `redb::Value::from_bytes` cannot fail,
//! so records are stored as raw bytes and decoded here, where a corrupt or too-new record
//! becomes a real error naming its table and key.
//!
//! Each record type says which version it writes ([`Record::VERSION`]) and how to read the
//! versions before it ([`Record::upgrade`]): a migration is code, not a comment.

use super::StoreError;
use crate::domain::event::AuditRecordV1;
use crate::domain::{AuditRecord, Customer, IssuedDocument, Order, OrderCard, Product};
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

impl Record for Customer {}
impl Record for Product {}
impl Record for Order {}
impl Record for OrderCard {}
impl Record for IssuedDocument {}

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

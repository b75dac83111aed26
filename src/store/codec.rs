//! Record encoding: one version byte, then postcard. `redb::Value::from_bytes` cannot fail,
//! so records are stored as raw bytes and decoded here, where a corrupt or too-new record
//! becomes a real error naming its table and key.

use super::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The encoding version written today. A later version adds a branch to `decode`.
pub const RECORD_VERSION: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let out = vec![RECORD_VERSION];
    // postcard only fails on writer errors, which a Vec never has.
    match postcard::to_extend(value, out) {
        Ok(v) => v,
        Err(_) => vec![RECORD_VERSION],
    }
}

pub fn decode<T: DeserializeOwned>(
    table: &'static str,
    key: &dyn std::fmt::Display,
    bytes: &[u8],
) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&RECORD_VERSION, body)) => {
            postcard::from_bytes(body).map_err(|e| StoreError::Corrupt {
                table,
                key: key.to_string(),
                reason: e.to_string(),
            })
        }
        Some((&v, _)) => Err(StoreError::UnknownVersion {
            table,
            key: key.to_string(),
            version: v,
        }),
        None => Err(StoreError::Corrupt {
            table,
            key: key.to_string(),
            reason: "empty record".into(),
        }),
    }
}

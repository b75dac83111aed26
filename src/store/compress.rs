//! Compression of stored values: zstd with a dictionary trained on the store's own
//! records, one per table.
//!
//! Records are small (70–600 bytes) and alike — the same French words, stage names,
//! designations, street names — so each alone compresses poorly, and with a dictionary of
//! what the table usually holds three to four times. A compressed value is an envelope
//! around the plain stored bytes, which decode as before:
//!
//! `0x40`, varint dictionary id (0: none), varint plain length, one zstd frame.
//!
//! No record version uses bit 0x40 (versions are small numbers; documents with shared
//! parts set 0x80), so a plain value and an envelope never look alike. Dictionaries live
//! in `dictionaries_v1` and are never changed or removed: a value names the one it was
//! written with. Each compressible table has a current dictionary for writing (META
//! `dictionary:<table>`), trained when the table first holds enough records and again by
//! `comptoir compact`, which rewrites every value with the new one.

use super::StoreError;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use zstd_safe::{CCtx, CDict, DCtx, DDict};

/// First byte of a compressed value.
pub(crate) const ENVELOPE: u8 = 0x40;
/// zstd level of records: fast, and most of the gain comes from the dictionary.
const LEVEL: i32 = 6;
/// Values shorter than this are kept plain: the envelope would eat the gain.
const MIN_PLAIN: usize = 48;
/// The largest plain value an envelope may announce (document files are bounded well
/// below): a corrupt length never makes a huge allocation.
const MAX_PLAIN: usize = 256 * 1024 * 1024;
/// Size of a trained dictionary.
const DICTIONARY_BYTES: usize = 32 * 1024;
/// Records sampled to train a dictionary, and the fewest a table needs to get one.
pub(crate) const TRAINING_SAMPLES: usize = 4_000;
pub(crate) const TRAINING_MIN_ROWS: u64 = 1_000;

/// The tables whose values are records worth a dictionary.
pub(crate) const WITH_DICTIONARY: [&str; 5] = [
    super::tables::CUSTOMERS_NAME,
    super::tables::ORDERS_NAME,
    super::tables::DOCUMENTS_NAME,
    super::tables::DOCUMENT_PARTS_NAME,
    super::tables::AUDIT_NAME,
];

/// Document files (PDF, XML): compressed without a dictionary, kept only when it saves a
/// tenth (PDFs are deflated already; Factur-X XML shrinks tenfold).
pub(crate) const FILES: &str = super::tables::DOCUMENT_FILES_NAME;

struct Dictionary {
    compress: CDict<'static>,
    decompress: DDict<'static>,
}

/// The store's dictionaries, loaded when it opens (and after a training).
#[derive(Default)]
pub(crate) struct Dictionaries {
    by_id: HashMap<u64, Arc<Dictionary>>,
    /// Table name → id of the dictionary its new values are written with.
    current: HashMap<String, u64>,
}

thread_local! {
    static CCTX: std::cell::RefCell<CCtx<'static>> = std::cell::RefCell::new(CCtx::create());
    static DCTX: std::cell::RefCell<DCtx<'static>> = std::cell::RefCell::new(DCtx::create());
}

fn zstd_error(code: usize) -> String {
    zstd_safe::get_error_name(code).to_string()
}

impl Dictionaries {
    /// Adds a stored dictionary; `current_for` makes it the one `table` writes with. A
    /// dictionary zstd cannot load is left out: what it compressed reads as an error naming
    /// it, and its table writes plain values.
    pub(crate) fn insert(&mut self, id: u64, bytes: &[u8], current_for: Option<&str>) {
        let (Some(compress), Some(decompress)) =
            (CDict::try_create(bytes, LEVEL), DDict::try_create(bytes))
        else {
            return;
        };
        self.by_id.insert(
            id,
            Arc::new(Dictionary {
                compress,
                decompress,
            }),
        );
        if let Some(table) = current_for {
            self.current.insert(table.to_string(), id);
        }
    }

    /// The id of the dictionary `table` writes with.
    pub(crate) fn current(&self, table: &str) -> Option<u64> {
        self.current.get(table).copied()
    }

    /// The stored form of `plain` in `table`: an envelope when it pays, else `plain`.
    pub(crate) fn pack(&self, table: &str, plain: Vec<u8>) -> Vec<u8> {
        let dictionary = if table == FILES {
            None
        } else {
            match self
                .current(table)
                .and_then(|id| Some((id, self.by_id.get(&id)?)))
            {
                Some(d) => Some(d),
                None => return plain,
            }
        };
        if plain.len() < MIN_PLAIN || plain.len() > MAX_PLAIN {
            return plain;
        }
        let mut frame = Vec::with_capacity(zstd_safe::compress_bound(plain.len()));
        let written = CCTX.with(|c| {
            let mut c = c.borrow_mut();
            match dictionary {
                Some((_, d)) => c.compress_using_cdict(&mut frame, &plain, &d.compress),
                None => c.compress(&mut frame, &plain, LEVEL),
            }
        });
        let mut out = vec![ENVELOPE];
        let id = dictionary.map_or(0, |(id, _)| id);
        let header = postcard::to_extend(&(id, plain.len() as u64), Vec::new());
        match (written, header) {
            (Ok(_), Ok(header)) => {
                out.extend(header);
                out.extend(frame);
                // Without a dictionary (files), keep what does not shrink by a tenth.
                let worth = if id == 0 {
                    out.len() * 10 < plain.len() * 9
                } else {
                    out.len() < plain.len()
                };
                if worth { out } else { plain }
            }
            // zstd never fails on a bounded buffer; should it, the value stays plain.
            _ => plain,
        }
    }

    /// The plain stored bytes of a value read from `table` (borrowed when it was plain).
    pub(crate) fn unpack<'a>(
        &self,
        table: &'static str,
        key: &dyn std::fmt::Display,
        stored: &'a [u8],
    ) -> Result<Cow<'a, [u8]>, StoreError> {
        let Some(rest) = stored.strip_prefix(&[ENVELOPE]) else {
            return Ok(Cow::Borrowed(stored));
        };
        let corrupt = |reason: String| StoreError::Corrupt {
            table,
            key: key.to_string(),
            reason,
        };
        let ((id, len), frame) = postcard::take_from_bytes::<(u64, u64)>(rest)
            .map_err(|e| corrupt(format!("compressed value: {e}")))?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > MAX_PLAIN {
            return Err(corrupt(format!("compressed value announces {len} bytes")));
        }
        let mut plain = Vec::with_capacity(len);
        let done = match id {
            0 => DCTX.with(|d| d.borrow_mut().decompress(&mut plain, frame)),
            id => {
                let dictionary = self.by_id.get(&id).ok_or_else(|| {
                    corrupt(format!(
                        "compressed with dictionary {id}, which the store does not have"
                    ))
                })?;
                DCTX.with(|d| {
                    d.borrow_mut()
                        .decompress_using_ddict(&mut plain, frame, &dictionary.decompress)
                })
            }
        };
        match done {
            Ok(n) if n == len => Ok(Cow::Owned(plain)),
            Ok(n) => Err(corrupt(format!("decompressed {n} bytes, {len} announced"))),
            Err(code) => Err(corrupt(format!("cannot decompress: {}", zstd_error(code)))),
        }
    }
}

/// A dictionary trained on `samples` (plain stored values); `None` when zstd finds too
/// little to learn from (few or tiny samples).
pub(crate) fn train(samples: &[Vec<u8>]) -> Option<Vec<u8>> {
    let sizes: Vec<usize> = samples.iter().map(Vec::len).collect();
    let buffer: Vec<u8> = samples.concat();
    let mut dictionary = Vec::with_capacity(DICTIONARY_BYTES);
    match zstd_safe::train_from_buffer(&mut dictionary, &buffer, &sizes) {
        Ok(n) if n > 0 => Some(dictionary),
        _ => None,
    }
}

/// `len` bytes that do not compress (xorshift), as a deflated PDF stream.
#[cfg(test)]
pub(crate) fn incompressible(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Vec<u8>> {
        (0..2000u32)
            .map(|i| {
                format!(
                    "Commune de Saint-{} ; livraison partielle, {} unité(s) ; mandat MANDAT-2026-{:06} ; reste dû {},00 €",
                    ["Étienne", "Denis", "Malo", "Brieuc"][i as usize % 4],
                    i % 17,
                    i * 7919 % 1_000_000,
                    i % 1000
                )
                .into_bytes()
            })
            .collect()
    }

    #[test]
    fn values_round_trip_and_shrink_with_a_trained_dictionary() {
        let samples = samples();
        let dictionary = train(&samples).expect("trained");
        let mut d = Dictionaries::default();
        d.insert(7, &dictionary, Some("audit_v1"));
        let plain = b"\x02Commune de Saint-Malo ; livraison partielle, 3 unit\xc3\xa9(s) ; mandat MANDAT-2026-424242 ; reste d\xc3\xbb 12,00 \xe2\x82\xac".to_vec();
        let stored = d.pack("audit_v1", plain.clone());
        assert_eq!(stored[0], ENVELOPE);
        assert!(
            stored.len() * 2 < plain.len(),
            "{} bytes from {}",
            stored.len(),
            plain.len()
        );
        assert_eq!(d.unpack("audit_v1", &1, &stored).unwrap(), plain.as_slice());
        // A table without a dictionary keeps its values plain; plain values read as is.
        assert_eq!(d.pack("orders_v1", plain.clone()), plain);
        assert!(matches!(
            d.unpack("orders_v1", &1, &plain).unwrap(),
            Cow::Borrowed(_)
        ));
        // Short values stay plain.
        assert_eq!(d.pack("audit_v1", b"\x02short".to_vec()), b"\x02short");
    }

    #[test]
    fn files_shrink_without_a_dictionary_only_when_it_pays() {
        let d = Dictionaries::default();
        let xml =
            "<ram:IncludedSupplyChainTradeLineItem>…</ram:IncludedSupplyChainTradeLineItem>\n"
                .repeat(200)
                .into_bytes();
        let stored = d.pack(FILES, xml.clone());
        assert!(stored.len() * 10 < xml.len());
        assert_eq!(d.unpack(FILES, &"FA", &stored).unwrap(), xml.as_slice());
        // Incompressible bytes (a deflated PDF stream) stay as they are.
        let noise = incompressible(4096);
        assert_eq!(d.pack(FILES, noise.clone()), noise);
    }

    #[test]
    fn corrupt_envelopes_are_errors_naming_table_and_key() {
        let samples = samples();
        let mut d = Dictionaries::default();
        d.insert(3, &train(&samples).unwrap(), Some("orders_v1"));
        let plain = samples[5].clone();
        let stored = d.pack("orders_v1", plain);
        // An unknown dictionary.
        let other = Dictionaries::default();
        let e = other
            .unpack("orders_v1", &42, &stored)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("orders_v1") && e.contains("42") && e.contains("dictionary 3"),
            "{e}"
        );
        // A damaged frame.
        let mut damaged = stored.clone();
        let last = damaged.len() - 3;
        damaged[last] ^= 0xff;
        damaged.truncate(damaged.len() - 1);
        assert!(d.unpack("orders_v1", &42, &damaged).is_err());
        // A length beyond the bound is refused before any allocation.
        let mut huge = vec![ENVELOPE];
        huge.extend(postcard::to_allocvec(&(3u64, u64::MAX)).unwrap());
        let e = d.unpack("orders_v1", &1, &huge).unwrap_err().to_string();
        assert!(e.contains("announces"), "{e}");
    }
}

//! French identifiers and their checksums: SIREN, SIRET (with La Poste's exception),
//! intra-community VAT numbers and IBANs.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// An order's identifier in the store (not its number, `DEV-2026-00042`). Here rather
/// than in `order.rs`, so that documents name their order without depending on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderId(pub u64);

/// Why an identifier was rejected, in words a member of staff understands.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("le SIRET doit compter 14 chiffres (reçu « {0} »)")]
    SiretLength(String),
    #[error("le SIRET {0} est invalide : sa clé de contrôle (Luhn) ne correspond pas")]
    SiretChecksum(String),
    #[error("le SIREN {0} (9 premiers chiffres du SIRET) est invalide")]
    SirenChecksum(String),
    #[error("le SIREN doit compter 9 chiffres (reçu « {0} »)")]
    SirenLength(String),
    #[error("numéro de TVA {0} invalide")]
    Vat(String),
    #[error("IBAN {0} invalide")]
    Iban(String),
}

fn digits_only(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect()
}

/// Luhn checksum: from the rightmost digit, double every second digit, subtract 9 when the
/// result exceeds 9; the sum must be a multiple of 10.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The Luhn key digit that completes `prefix` into a valid number.
pub fn luhn_complete(prefix: &str) -> char {
    for k in 0..10u8 {
        let candidate = format!("{prefix}{k}");
        if luhn_valid(&candidate) {
            return (b'0' + k) as char;
        }
    }
    '0'
}

pub fn siren_valid(s: &str) -> bool {
    s.len() == 9 && luhn_valid(s)
}

const LA_POSTE_SIREN: &str = "356000000";
const LA_POSTE_HEAD_OFFICE: &str = "35600000000048";

/// SIRET check: 14 digits, Luhn over the 14 and over the SIREN; La Poste's establishments
/// (SIREN 356000000, except its head office) use "sum of digits ≡ 0 mod 5" instead.
pub fn siret_valid(s: &str) -> bool {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if s.starts_with(LA_POSTE_SIREN) && s != LA_POSTE_HEAD_OFFICE {
        let sum: u32 = s.bytes().map(|b| (b - b'0') as u32).sum();
        return sum.is_multiple_of(5);
    }
    luhn_valid(s) && siren_valid(&s[..9])
}

/// A validated SIRET (14 digits).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Siret(String);

impl Siret {
    /// Accepts spaces (`217 500 016 00019`) and rejects anything whose checksum fails.
    pub fn parse(input: &str) -> Result<Siret, IdError> {
        let s = digits_only(input);
        if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::SiretLength(input.trim().to_string()));
        }
        if !siret_valid(&s) {
            if !s.starts_with(LA_POSTE_SIREN) && luhn_valid(&s) && !siren_valid(&s[..9]) {
                return Err(IdError::SirenChecksum(s[..9].to_string()));
            }
            return Err(IdError::SiretChecksum(s));
        }
        Ok(Siret(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN: the first nine digits.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }

    /// `217 500 016 00019`, the usual printed grouping.
    pub fn spaced(&self) -> String {
        format!(
            "{} {} {} {}",
            &self.0[..3],
            &self.0[3..6],
            &self.0[6..9],
            &self.0[9..]
        )
    }
}

impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a SIREN given on its own.
pub fn parse_siren(input: &str) -> Result<String, IdError> {
    let s = digits_only(input);
    if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::SirenLength(input.trim().to_string()));
    }
    if !siren_valid(&s) {
        return Err(IdError::SirenChecksum(s));
    }
    Ok(s)
}

/// French VAT key: (12 + 3 × (SIREN mod 97)) mod 97.
pub fn vat_key(siren: &str) -> Option<u32> {
    let n: u64 = siren.parse().ok()?;
    Some(((12 + 3 * (n % 97)) % 97) as u32)
}

/// `FR` + key + SIREN.
pub fn fr_vat_number(siren: &str) -> Option<String> {
    Some(format!("FR{:02}{siren}", vat_key(siren)?))
}

/// Checks a French intra-community VAT number (`FR03552081317`, spaces allowed).
pub fn vat_number_valid(input: &str) -> bool {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if s.len() != 13 || !s.starts_with("FR") {
        return false;
    }
    let (key, siren) = (&s[2..4], &s[4..]);
    if !siren.bytes().all(|b| b.is_ascii_digit()) || !key.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    siren_valid(siren) && vat_key(siren) == key.parse().ok()
}

/// Expected IBAN length for a few countries; others only need the mod-97 check.
fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "FR" | "MC" | "IT" => 27,
        "DE" => 22,
        "GB" => 22,
        "BE" => 16,
        "ES" => 24,
        "LU" => 20,
        "CH" => 21,
        "NL" => 18,
        _ => return None,
    })
}

/// Normalises an IBAN (upper case, no spaces) and checks its length and mod-97 key.
pub fn parse_iban(input: &str) -> Result<String, IdError> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let bad = || IdError::Iban(input.trim().to_string());
    if s.len() < 15 || s.len() > 34 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    if !s[..2].chars().all(|c| c.is_ascii_uppercase())
        || !s[2..4].chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if let Some(len) = iban_length(&s[..2])
        && s.len() != len
    {
        return Err(bad());
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let v = c.to_digit(36).ok_or_else(bad)?;
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem != 1 {
        return Err(bad());
    }
    Ok(s)
}

/// `FR76 3000 6000 0112 3456 7890 189`: groups of four, as printed on a RIB.
pub fn iban_spaced(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_sirets() {
        // Ville de Paris, Ville de Lyon, Danone, Google France, a public hospital (AP-HP).
        for s in [
            "21750001600019",
            "21690123100011",
            "44306184100047",
            "26750045200011",
        ] {
            assert!(siret_valid(s), "{s}");
        }
        assert_eq!(
            Siret::parse("217 500 016 00019").unwrap().siren(),
            "217500016"
        );
        assert_eq!(
            Siret::parse("21750001600019").unwrap().spaced(),
            "217 500 016 00019"
        );
    }

    #[test]
    fn bad_sirets_are_explained() {
        assert_eq!(
            Siret::parse("2175000160001"),
            Err(IdError::SiretLength("2175000160001".into()))
        );
        assert_eq!(
            Siret::parse("2175000160001A"),
            Err(IdError::SiretLength("2175000160001A".into()))
        );
        assert!(matches!(
            Siret::parse("21750001600018"),
            Err(IdError::SiretChecksum(_))
        ));
        // Luhn-valid over 14 digits but the SIREN part is not.
        let bad_siren = "123456789";
        assert!(!siren_valid(bad_siren));
        let mut s = bad_siren.to_string();
        s.push_str("0000");
        s.push(luhn_complete(&s));
        assert!(luhn_valid(&s));
        assert_eq!(
            Siret::parse(&s),
            Err(IdError::SirenChecksum(bad_siren.into()))
        );
        assert!(Siret::parse("00000000000000").is_ok() == siret_valid("00000000000000"));
    }

    #[test]
    fn la_poste_exception() {
        // The head office follows Luhn.
        assert!(siret_valid("35600000000048"));
        // An establishment: Luhn fails, sum of digits is a multiple of 5 -> valid.
        assert!(!luhn_valid("35600000049837"));
        assert!(siret_valid("35600000049837"));
        // An establishment that passes Luhn but not the mod-5 rule is invalid.
        assert!(luhn_valid("35600000000055"));
        assert!(!siret_valid("35600000000055"));
        assert!(Siret::parse("356 000 000 49837").is_ok());
    }

    #[test]
    fn sirens() {
        assert!(siren_valid("552081317")); // EDF
        assert!(siren_valid("217500016"));
        assert!(!siren_valid("552081318"));
        assert_eq!(parse_siren("552 081 317").unwrap(), "552081317");
        assert!(parse_siren("55208131").is_err());
    }

    #[test]
    fn vat_numbers() {
        assert_eq!(fr_vat_number("552081317").unwrap(), "FR03552081317"); // EDF
        assert_eq!(fr_vat_number("552032534").unwrap(), "FR27552032534"); // Danone
        assert!(vat_number_valid("FR 03 552081317"));
        assert!(!vat_number_valid("FR04552081317"));
        assert!(!vat_number_valid("FR03552081318"));
        assert!(!vat_number_valid("DE03552081317"));
    }

    #[test]
    fn ibans() {
        assert_eq!(
            parse_iban("FR76 3000 6000 0112 3456 7890 189").unwrap(),
            "FR7630006000011234567890189"
        );
        assert!(parse_iban("fr14 2004 1010 0505 0001 3m02 606").is_ok());
        assert!(parse_iban("GB82 WEST 1234 5698 7654 32").is_ok());
        assert!(parse_iban("DE89 3704 0044 0532 0130 00").is_ok());
        // One digit changed, a wrong length, garbage.
        assert!(parse_iban("FR76 3000 6000 0112 3456 7890 188").is_err());
        assert!(parse_iban("FR76 3000 6000 0112 3456 7890 18").is_err());
        assert!(parse_iban("FR76-3000").is_err());
        assert_eq!(
            iban_spaced("FR7630006000011234567890189"),
            "FR76 3000 6000 0112 3456 7890 189"
        );
    }
}

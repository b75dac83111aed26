//! CFONB 120, the French banks' fixed-width statement: lines of 120 characters, « 01 »
//! the old balance, « 04 » a movement, « 05 » its complements (payer's name NPY, labels
//! LIB/LCC, references RCN/REF…), « 07 » the new balance. A movement's amount has 13
//! digits and a sign letter (`{` `A`…`I` positive, `}` `J`…`R` negative: a credit to the
//! account is positive), its decimals given in column 20; dates are JJMMAA.
//!
//! Record 04: 1–2 code, 3–7 bank, 8–11 internal code, 12–16 branch, 17–19 currency,
//! 20 decimals, 22–32 account, 33–34 interbank code, 35–40 booking date, 43–48 value
//! date, 49–79 label, 82–88 entry number, 91–104 amount, 105–120 reference.
//! Record 05: 46–48 qualifier, 49–118 text.

use crate::app::bank::{MAX_ENTRIES, StatementFormat};
use crate::domain::bank::{Statement, StatementEntry};
use crate::domain::{Cents, Date};

pub struct Cfonb120;

const WIDTH: usize = 120;

/// Columns `from..=to` (1-based, as the format is written).
fn cols(line: &[char], from: usize, to: usize) -> String {
    line[from - 1..to]
        .iter()
        .collect::<String>()
        .trim()
        .to_string()
}

fn date(s: &str) -> Option<Date> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    Date::from_ymd(2000 + n(4..6)? as i32, n(2..4)?, n(0..2)?)
}

/// 13 digits and a sign letter, with `decimals` decimals → signed cents.
fn amount(s: &str, decimals: u32) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 14 || !b[..13].iter().all(u8::is_ascii_digit) || decimals > 4 {
        return None;
    }
    let (digit, negative) = match b[13] {
        b'{' => (0, false),
        c @ b'A'..=b'I' => ((c - b'A' + 1) as i64, false),
        b'}' => (0, true),
        c @ b'J'..=b'R' => ((c - b'J' + 1) as i64, true),
        _ => return None,
    };
    let units: i64 = s[..13].parse::<i64>().ok()? * 10 + digit;
    // To cents: two decimals are cents; others are scaled (never a fraction of a cent).
    let cents = match decimals {
        0 => units * 100,
        1 => units * 10,
        2 => units,
        d => {
            let div = 10i64.pow(d - 2);
            if units % div != 0 {
                return None;
            }
            units / div
        }
    };
    Some(if negative { -cents } else { cents })
}

impl StatementFormat for Cfonb120 {
    fn recognizes(&self, bytes: &[u8]) -> bool {
        bytes.starts_with(b"01")
    }

    fn parse(&self, bytes: &[u8]) -> Result<Statement, String> {
        // Banks write Latin-1 as often as UTF-8.
        let text: String = match std::str::from_utf8(bytes) {
            Ok(t) => t.to_string(),
            Err(_) => bytes.iter().map(|&b| b as char).collect(),
        };
        let mut lines: Vec<Vec<char>> = text
            .split('\n')
            .map(|l| l.trim_end_matches('\r').chars().collect::<Vec<char>>())
            .filter(|l| !l.is_empty())
            .collect();
        // Some banks send the records without line breaks.
        if lines.len() == 1 && lines[0].len() > WIDTH && lines[0].len().is_multiple_of(WIDTH) {
            lines = lines[0].chunks(WIDTH).map(<[char]>::to_vec).collect();
        }
        let mut out = Statement {
            format: "CFONB 120".into(),
            id: String::new(),
            account: String::new(),
            entries: Vec::new(),
        };
        let mut closing = String::new();
        for (i, line) in lines.iter().enumerate() {
            let at = i + 1;
            if line.len() != WIDTH {
                return Err(format!(
                    "ligne {at} : {} caractères, une ligne CFONB 120 en a 120",
                    line.len()
                ));
            }
            let code = cols(line, 1, 2);
            match code.as_str() {
                "01" => {
                    if out.account.is_empty() {
                        out.account = format!(
                            "{}-{}-{}",
                            cols(line, 3, 7),
                            cols(line, 12, 16),
                            cols(line, 22, 32)
                        );
                    }
                }
                "04" => {
                    let currency = cols(line, 17, 19);
                    if currency != "EUR" {
                        return Err(format!(
                            "ligne {at} : devise « {currency} » (comptoir tient ses comptes en euros)"
                        ));
                    }
                    let decimals = cols(line, 20, 20)
                        .parse::<u32>()
                        .map_err(|_| format!("ligne {at} : nombre de décimales illisible"))?;
                    let raw = cols(line, 91, 104);
                    let signed = amount(&raw, decimals)
                        .ok_or_else(|| format!("ligne {at} : montant « {raw} » illisible"))?;
                    let booked = date(&cols(line, 35, 40))
                        .ok_or_else(|| format!("ligne {at} : date d'opération illisible"))?;
                    let value = date(&cols(line, 43, 48)).unwrap_or(booked);
                    let number = cols(line, 82, 88);
                    let reference = cols(line, 105, 120);
                    let reference = match (number.is_empty(), reference.is_empty()) {
                        (true, true) => format!("{}#{at}", booked),
                        (false, true) => number,
                        (true, false) => reference,
                        (false, false) => format!("{number}/{reference}"),
                    };
                    out.entries.push(StatementEntry {
                        reference,
                        credit: signed > 0,
                        amount: Cents(signed.abs()),
                        booked,
                        value,
                        payer: String::new(),
                        remittance: cols(line, 49, 79),
                    });
                    if out.entries.len() > MAX_ENTRIES {
                        return Err(format!(
                            "plus de {MAX_ENTRIES} mouvements : découpez le relevé par période"
                        ));
                    }
                }
                "05" => {
                    let Some(entry) = out.entries.last_mut() else {
                        return Err(format!(
                            "ligne {at} : un complément (05) sans mouvement (04) avant lui"
                        ));
                    };
                    let qualifier = cols(line, 46, 48);
                    let info = cols(line, 49, 118);
                    if qualifier == "NPY" && entry.payer.is_empty() {
                        entry.payer = info;
                    } else if !info.is_empty() {
                        entry.remittance =
                            format!("{} {info}", entry.remittance).trim().to_string();
                    }
                }
                "07" => closing = cols(line, 35, 40),
                other => {
                    return Err(format!(
                        "ligne {at} : enregistrement « {other} » inconnu (01, 04, 05 ou 07 attendu)"
                    ));
                }
            }
        }
        if out.account.is_empty() {
            return Err(
                "pas d'ancien solde (enregistrement 01) : ce n'est pas un relevé CFONB 120".into(),
            );
        }
        out.id = format!("{}@{closing}", out.account);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_amounts() {
        assert_eq!(amount("0000000012345E", 2), Some(123455));
        assert_eq!(amount("0000000012345N", 2), Some(-123455));
        assert_eq!(amount("0000000000000{", 2), Some(0));
        assert_eq!(amount("000000001234A}", 2), None);
        assert_eq!(amount("00000000123X5E", 2), None);
        assert_eq!(amount("0000000012345E", 0), Some(12345500));
    }
}

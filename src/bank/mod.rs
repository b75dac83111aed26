//! Bank statement formats, behind `app::bank::StatementFormat`: ISO 20022 camt.053
//! (versions .001.02 to .001.08) and the French banks' CFONB 120. Each reads a file into
//! a `domain::bank::Statement` or says in French what is wrong with it; both are bounded
//! (size, entries) and never panic on hostile bytes.

mod camt053;
mod cfonb120;

use crate::app::bank::StatementFormat;
use crate::domain::Cents;

pub use camt053::Camt053;
pub use cfonb120::Cfonb120;

/// Every format comptoir reads, tried in this order.
pub fn formats() -> Vec<Box<dyn StatementFormat>> {
    vec![Box::new(Camt053), Box::new(Cfonb120)]
}

/// `1234.56`, `1234.5`, `1234` → cents; anything else (signs, commas, exponents, more
/// than two decimals, absurd sizes) → `None`.
fn decimal(s: &str) -> Option<Cents> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 12
        || frac.len() > 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int: i64 = int.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(Cents(int * 100 + frac))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_read_strictly() {
        assert_eq!(decimal("1234.56"), Some(Cents(123456)));
        assert_eq!(decimal("12.5"), Some(Cents(1250)));
        assert_eq!(decimal("7"), Some(Cents(700)));
        for bad in ["", "-1.00", "1,00", "1e3", "1.234", ".5", "99999999999999"] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
    }
}

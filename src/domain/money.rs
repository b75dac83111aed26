//! Money in integer cents and VAT rates in basis points: no floats anywhere near an amount.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// An amount in euro cents.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// `1 234,56 €`: French grouping by thousands and a decimal comma.
    pub fn fr(self) -> String {
        format_eur(self)
    }

    /// `1234.56`, the decimal form of CII XML and JSON.
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// The most a line, a document or a payment may amount to: 10 million euros, far beyond
/// what the shop sells, far below any overflow.
pub const MAX_AMOUNT: Cents = Cents(1_000_000_000);

impl Cents {
    /// `self × q`, or `None` past [`MAX_AMOUNT`] (or on overflow).
    pub fn times_bounded(self, q: i64) -> Option<Cents> {
        self.0
            .checked_mul(q)
            .map(Cents)
            .filter(|c| c.0.abs() <= MAX_AMOUNT.0)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, o: Cents) -> Cents {
        Cents(self.0 + o.0)
    }
}
impl AddAssign for Cents {
    fn add_assign(&mut self, o: Cents) {
        self.0 += o.0
    }
}
impl Sub for Cents {
    type Output = Cents;
    fn sub(self, o: Cents) -> Cents {
        Cents(self.0 - o.0)
    }
}
impl SubAssign for Cents {
    fn sub_assign(&mut self, o: Cents) {
        self.0 -= o.0
    }
}
impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}
impl Mul<i64> for Cents {
    type Output = Cents;
    fn mul(self, q: i64) -> Cents {
        Cents(self.0 * q)
    }
}
impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_eur(*self))
    }
}

/// French amount formatting: `1 234,56 €`, `-40,00 €`.
pub fn format_eur(c: Cents) -> String {
    format!("{} €", format_number_fr(c))
}

/// `1 234,56` without the currency sign (table columns).
pub fn format_number_fr(c: Cents) -> String {
    let neg = c.0 < 0;
    let a = c.0.unsigned_abs();
    let units = (a / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3);
    for (i, ch) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(ch);
    }
    format!("{}{grouped},{:02}", if neg { "-" } else { "" }, a % 100)
}

/// Parses an amount typed by a person: `1234.56`, `1234,56`, `1 234,56 €`, `12`.
pub fn parse_eur(s: &str) -> Option<Cents> {
    let cleaned: String = s
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    let (neg, body) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let body = body.replace(',', ".");
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body.as_str(), ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let units: i64 = int.parse().ok()?;
    let frac_cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let v = units.checked_mul(100)?.checked_add(frac_cents)?;
    Some(Cents(if neg { -v } else { v }))
}

/// A VAT rate in basis points (2000 = 20 %, 550 = 5,5 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VatRate(pub u16);

impl VatRate {
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const STANDARD: VatRate = VatRate(2000);
    /// The rates French law knows for goods: 20 %, 10 %, 5,5 %, 2,1 % and 0 %.
    pub const KNOWN: [VatRate; 5] = [
        VatRate(2000),
        VatRate(1000),
        VatRate(550),
        VatRate(210),
        VatRate(0),
    ];

    /// Parses `20`, `5.5`, `5,5`, `20 %`.
    pub fn parse_percent(s: &str) -> Option<VatRate> {
        let c = parse_eur(s.trim().trim_end_matches('%'))?;
        let rate = VatRate(u16::try_from(c.0).ok()?);
        VatRate::KNOWN.contains(&rate).then_some(rate)
    }

    /// `20 %`, `5,5 %`.
    pub fn fr(self) -> String {
        format!("{} %", self.percent_str().replace('.', ","))
    }

    /// `20`, `5.5`, `2.1`: the CII RateApplicablePercent form.
    pub fn percent_str(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        match frac {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }

    /// VAT on a base, rounded half away from zero to the cent.
    pub fn tax_on(self, base: Cents) -> Cents {
        Cents(round_div(base.0 as i128 * self.0 as i128, 10_000))
    }
}

/// Integer division rounding half away from zero.
pub fn round_div(n: i128, d: i128) -> i64 {
    let q = if n >= 0 {
        (n + d / 2) / d
    } else {
        (n - d / 2) / d
    };
    q as i64
}

/// One line of a VAT breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatLine {
    pub rate: VatRate,
    pub base: Cents,
    pub tax: Cents,
}

/// Totals of a document: VAT is computed per rate on the sum of that rate's lines, the
/// rounding EN 16931 prescribes (BR-CO-17), so the XML and the PDF always agree.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub excl_vat: Cents,
    pub vat: Vec<VatLine>,
    pub vat_total: Cents,
    pub incl_vat: Cents,
}

impl Totals {
    /// Totals from `(line amount excl. VAT, rate)` pairs.
    pub fn from_lines(lines: impl IntoIterator<Item = (Cents, VatRate)>) -> Totals {
        let mut per_rate: BTreeMap<VatRate, Cents> = BTreeMap::new();
        for (amount, rate) in lines {
            *per_rate.entry(rate).or_default() += amount;
        }
        let vat: Vec<VatLine> = per_rate
            .into_iter()
            .rev()
            .map(|(rate, base)| VatLine {
                rate,
                base,
                tax: rate.tax_on(base),
            })
            .collect();
        let excl_vat = vat.iter().map(|l| l.base).sum();
        let vat_total = vat.iter().map(|l| l.tax).sum();
        Totals {
            excl_vat,
            vat,
            vat_total,
            incl_vat: excl_vat + vat_total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_formatting() {
        assert_eq!(format_eur(Cents(123456)), "1 234,56 €");
        assert_eq!(format_eur(Cents(5)), "0,05 €");
        assert_eq!(format_eur(Cents(-4000)), "-40,00 €");
        assert_eq!(format_eur(Cents(100_000_000)), "1 000 000,00 €");
        assert_eq!(format_eur(Cents(99_999)), "999,99 €");
        assert_eq!(Cents(-5).decimal(), "-0.05");
        assert_eq!(Cents(123456).decimal(), "1234.56");
    }

    #[test]
    fn parsing_what_people_type() {
        assert_eq!(parse_eur("1234.56"), Some(Cents(123456)));
        assert_eq!(parse_eur("1 234,56 €"), Some(Cents(123456)));
        assert_eq!(parse_eur("12"), Some(Cents(1200)));
        assert_eq!(parse_eur("12,5"), Some(Cents(1250)));
        assert_eq!(parse_eur("-3"), Some(Cents(-300)));
        assert_eq!(parse_eur("12.345"), None);
        assert_eq!(parse_eur("douze"), None);
        assert_eq!(parse_eur(""), None);
        assert_eq!(parse_eur("1e5"), None);
    }

    #[test]
    fn vat_rates() {
        assert_eq!(VatRate::parse_percent("5,5"), Some(VatRate(550)));
        assert_eq!(VatRate::parse_percent("20 %"), Some(VatRate(2000)));
        assert_eq!(VatRate::parse_percent("19.6"), None);
        assert_eq!(VatRate(550).fr(), "5,5 %");
        assert_eq!(VatRate(210).percent_str(), "2.1");
        assert_eq!(VatRate(2000).percent_str(), "20");
        assert_eq!(VatRate(2000).tax_on(Cents(1005)), Cents(201));
        assert_eq!(VatRate(550).tax_on(Cents(1010)), Cents(56)); // 55.55 -> 56
        assert_eq!(VatRate(2000).tax_on(Cents(-1005)), Cents(-201));
    }

    #[test]
    fn totals_round_per_rate() {
        // Three lines at 20 % of 0,33 € each: per-rate rounding gives 0,20 € of VAT
        // (0,99 × 20 % = 0,198), where per-line rounding would give 0,21 €.
        let t = Totals::from_lines([
            (Cents(33), VatRate(2000)),
            (Cents(33), VatRate(2000)),
            (Cents(33), VatRate(2000)),
            (Cents(1000), VatRate(550)),
        ]);
        assert_eq!(t.excl_vat, Cents(1099));
        assert_eq!(t.vat.len(), 2);
        assert_eq!(
            t.vat[0],
            VatLine {
                rate: VatRate(2000),
                base: Cents(99),
                tax: Cents(20)
            }
        );
        assert_eq!(
            t.vat[1],
            VatLine {
                rate: VatRate(550),
                base: Cents(1000),
                tax: Cents(55)
            }
        );
        assert_eq!(t.incl_vat, Cents(1099 + 75));
    }
}

//! What a credit note may still give back, rate by rate.
//!
//! A credit note reduces the VAT the seller owes only up to what the invoice charged
//! (CGI art. 272-1 and 283-3): at each VAT rate, the credit notes of an invoice together
//! never give back more base or more VAT than the invoice charged at that rate. The
//! breakdown is read from the documents as issued ([`IssuedTotals`]); an invoice or a
//! credit note by quantities is rebuilt from the order when its record is not given (the
//! same lines at the same prices), a credit note by amount from the invoice's only rate.

use super::document::DocNumber;
use super::money::{Cents, Totals, VatLine, VatRate, round_div};
use super::order::{InvoiceRef, OrderLine};
use std::collections::BTreeMap;

/// The totals of issued invoices and credit notes, by number.
pub type IssuedTotals = BTreeMap<DocNumber, Totals>;

/// The breakdown of `quantities` of the order's lines, as a document billing them has it.
pub fn totals_of_quantities(lines: &[OrderLine], quantities: &[u32]) -> Totals {
    Totals::from_lines(
        lines
            .iter()
            .zip(quantities)
            .filter(|(_, q)| **q > 0)
            .map(|(l, q)| (l.unit_price * *q as i64, l.vat)),
    )
}

/// What `invoice` still charges per VAT rate once its credit notes are deducted; `None`
/// when a credit note by amount on an invoice of several rates has no record to say at
/// which rate it was.
pub fn left_per_rate(
    lines: &[OrderLine],
    invoice: &InvoiceRef,
    issued: &IssuedTotals,
) -> Option<Vec<VatLine>> {
    let charged = issued
        .get(&invoice.number)
        .cloned()
        .unwrap_or_else(|| totals_of_quantities(lines, &invoice.quantities));
    let mut left: BTreeMap<VatRate, (Cents, Cents)> = charged
        .vat
        .iter()
        .map(|v| (v.rate, (v.base, v.tax)))
        .collect();
    for c in &invoice.credits {
        let given = match issued.get(&c.number) {
            Some(t) => t.clone(),
            None if c.quantities.iter().any(|q| *q > 0) => {
                totals_of_quantities(lines, &c.quantities)
            }
            None => {
                let [only] = charged.vat.as_slice() else {
                    return None;
                };
                // incl. VAT = base + VAT at the one rate: recover the base exactly.
                let rate = only.rate;
                let guess = round_div(
                    c.amount_incl_vat.0 as i128 * 10_000,
                    10_000 + rate.0 as i128,
                );
                let base = (guess - 2..=guess + 2)
                    .rev()
                    .map(Cents)
                    .find(|b| *b + rate.tax_on(*b) <= c.amount_incl_vat)?;
                Totals::from_lines([(base, rate)])
            }
        };
        for v in &given.vat {
            let e = left.entry(v.rate).or_default();
            e.0 -= v.base;
            e.1 -= v.tax;
        }
    }
    Some(
        left.into_iter()
            .rev()
            .map(|(rate, (base, tax))| VatLine { rate, base, tax })
            .collect(),
    )
}

/// Checks a credit note's breakdown against what is left, rate by rate. When it gives back
/// the whole base left at a rate, its VAT at that rate becomes the VAT left (they differ by
/// a cent of rounding at most), so an invoice and its credit notes cancel to the cent.
/// Returns the first rate exceeded with what was left there.
pub fn fit_to_left(totals: &mut Totals, left: &[VatLine]) -> Result<(), VatLine> {
    for v in totals.vat.iter_mut() {
        let l = left
            .iter()
            .find(|l| l.rate == v.rate)
            .cloned()
            .unwrap_or(VatLine {
                rate: v.rate,
                base: Cents::ZERO,
                tax: Cents::ZERO,
            });
        if v.base == l.base && (v.tax - l.tax).0.abs() <= 1 {
            v.tax = l.tax;
        }
        if v.base > l.base || v.tax > l.tax {
            return Err(l);
        }
    }
    totals.vat_total = totals.vat.iter().map(|v| v.tax).sum();
    totals.incl_vat = totals.excl_vat + totals.vat_total;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: i64, vat: u16) -> OrderLine {
        OrderLine {
            sku: format!("S{vat}"),
            designation: String::new(),
            unit_price: Cents(price),
            vat: VatRate(vat),
            ordered: 10,
            reserved: 0,
            delivered: 10,
            invoiced: 10,
            exemption: None,
        }
    }

    #[test]
    fn the_last_cent_of_vat_goes_with_the_last_base() {
        // 0,07 € at 20 % charges 0,01 € of VAT; 0,03 € credited gives back 0,01 €; the
        // remaining 0,04 € alone would give back 0,01 € more than is left.
        let mut t = Totals::from_lines([(Cents(4), VatRate(2000))]);
        let left = [VatLine {
            rate: VatRate(2000),
            base: Cents(4),
            tax: Cents(0),
        }];
        assert_eq!(fit_to_left(&mut t, &left), Ok(()));
        assert_eq!((t.vat_total, t.incl_vat), (Cents(0), Cents(4)));
        let mut over = Totals::from_lines([(Cents(5), VatRate(2000))]);
        assert_eq!(fit_to_left(&mut over, &left), Err(left[0].clone()));
    }

    #[test]
    fn an_amount_credit_on_a_one_rate_invoice_is_read_back_at_that_rate() {
        let lines = vec![line(10_000, 2000)];
        let inv = InvoiceRef {
            number: DocNumber::parse("FA-2026-00001").unwrap(),
            date: super::super::Date::from_ymd(2026, 3, 1).unwrap(),
            delay_days: 30,
            received_on: None,
            suspension: None,
            amount_incl_vat: Cents(12_000),
            quantities: vec![1],
            credits: vec![super::super::order::CreditRef {
                number: DocNumber::parse("AV-2026-00001").unwrap(),
                amount_incl_vat: Cents(3_001),
                quantities: vec![0],
                cancels: false,
            }],
        };
        let left = left_per_rate(&lines, &inv, &IssuedTotals::new()).unwrap();
        // 25,01 HT + 5,00 TVA = 30,01 TTC.
        assert_eq!(left[0].base, Cents(10_000 - 2_501));
        assert_eq!(left[0].tax, Cents(2_000 - 500));
        let mut two = inv.clone();
        two.quantities = vec![1, 1];
        assert_eq!(
            left_per_rate(
                &[line(10_000, 2000), line(100, 550)],
                &two,
                &IssuedTotals::new()
            ),
            None
        );
    }
}

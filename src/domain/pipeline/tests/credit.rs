//! Credit notes, surpluses and refunds.

use super::*;

#[test]
fn credit_note_cancels_an_invoice_which_can_be_reissued() {
    let (o, c, _) = invoiced();
    let t = ctx("2026-03-10");
    assert_eq!(
        reason(issue_credit_note(
            &o,
            &c,
            None,
            &CreditScope::Full,
            &IssuedTotals::new(),
            "",
            num(DocKind::CreditNote, 1),
            &t
        )),
        Reason::ReasonRequired
    );
    let issued = issue_credit_note(
        &o,
        &c,
        None,
        &CreditScope::Full,
        &IssuedTotals::new(),
        "erreur de prix",
        num(DocKind::CreditNote, 1),
        &t,
    )
    .unwrap();
    assert_eq!(
        issued.document.cancels,
        Some((num(DocKind::Invoice, 1), d("2026-03-07")))
    );
    assert_eq!(issued.document.totals.incl_vat, o.invoiced_amount());
    assert_eq!(issued.order.stage, Stage::Delivered);
    assert_eq!(issued.order.invoiced_amount(), Cents::ZERO);
    let o2 = issued.order;
    assert_eq!(
        reason(issue_credit_note(
            &o2,
            &c,
            None,
            &CreditScope::Full,
            &IssuedTotals::new(),
            "x",
            num(DocKind::CreditNote, 2),
            &t
        )),
        Reason::NoInvoiceToCredit
    );
    assert_eq!(
        reason(issue_credit_note(
            &o2,
            &c,
            Some(num(DocKind::Invoice, 1)),
            &CreditScope::Full,
            &IssuedTotals::new(),
            "x",
            num(DocKind::CreditNote, 2),
            &t
        )),
        Reason::InvoiceAlreadyCredited(num(DocKind::Invoice, 1), num(DocKind::CreditNote, 1))
    );
    assert_eq!(
        reason(issue_credit_note(
            &o2,
            &c,
            Some(num(DocKind::Invoice, 7)),
            &CreditScope::Full,
            &IssuedTotals::new(),
            "x",
            num(DocKind::CreditNote, 2),
            &t
        )),
        Reason::InvoiceNotInOrder("FA-2026-00007".into())
    );
    let again = issue_invoice(&o2, &c, num(DocKind::Invoice, 2), &EcbRates::flat(215), &t).unwrap();
    assert_eq!(again.order.stage, Stage::Invoiced);
}

/// A paid invoice can still be cancelled: what the body paid becomes a « trop-perçu »
/// the shop owes back, refunded at most in full, never before the payment it returns.
#[test]
fn a_paid_invoice_cancelled_leaves_a_credit_to_refund() {
    let (o, c, _) = invoiced();
    let total = o.outstanding();
    let o = record_payment(&o, d("2026-03-08"), total, "M", false, &ctx("2026-03-08"))
        .unwrap()
        .order;
    assert_eq!(o.stage, Stage::Paid);
    let issued = issue_credit_note(
        &o,
        &c,
        None,
        &CreditScope::Full,
        &IssuedTotals::new(),
        "erreur de facturation",
        num(DocKind::CreditNote, 1),
        &ctx("2026-03-09"),
    )
    .unwrap();
    let o = issued.order;
    assert_eq!(o.credit_balance(), total);
    assert_eq!(o.outstanding(), -total);
    assert!(
        issued.events[0]
            .detail
            .contains(&format!("trop-perçu à rembourser {}", total.fr())),
        "{:?}",
        issued.events[0].detail
    );
    let t = ctx("2026-03-20");
    assert_eq!(
        reason(record_refund(
            &o,
            d("2026-03-10"),
            total + Cents(1),
            "VIR",
            &t
        )),
        Reason::RefundExceedsCredit {
            amount: total + Cents(1),
            credit: total
        }
    );
    assert_eq!(
        reason(record_refund(&o, d("2026-03-07"), total, "VIR", &t)),
        Reason::RefundBeforePayment {
            date: d("2026-03-07"),
            paid: d("2026-03-08")
        }
    );
    assert_eq!(
        reason(record_refund(&o, d("2026-03-21"), total, "VIR", &t)),
        Reason::DateInFuture(d("2026-03-21"))
    );
    assert_eq!(
        reason(record_refund(&o, d("2026-03-10"), total, " ", &t)),
        Reason::ReferenceRequired
    );
    let part = record_refund(&o, d("2026-03-10"), Cents(1_000), "VIR-1", &t).unwrap();
    assert_eq!(part.order.credit_balance(), total - Cents(1_000));
    assert_eq!(part.events[0].action, Action::RefundRecorded);
    let done = record_refund(
        &part.order,
        d("2026-03-12"),
        total - Cents(1_000),
        "VIR-2",
        &t,
    )
    .unwrap()
    .order;
    assert_eq!(done.credit_balance(), Cents::ZERO);
    assert_eq!(done.outstanding(), Cents::ZERO);
    assert_eq!(done.refunded_amount(), total);
    assert_eq!(
        reason(record_refund(&done, d("2026-03-12"), Cents(1), "VIR-3", &t)),
        Reason::RefundExceedsCredit {
            amount: Cents(1),
            credit: Cents::ZERO
        }
    );
    // The books as of the first refund's day know only that refund.
    assert_eq!(done.as_of(d("2026-03-11")).refunded_amount(), Cents(1_000));
}

/// Paying more than is owed is refused unless staff accept the surplus; accepted, the
/// excess is owed back and the order is paid.
#[test]
fn an_overpayment_is_recorded_only_when_accepted() {
    let (o, _, _) = invoiced();
    let total = o.outstanding();
    let t = ctx("2026-03-20");
    assert!(matches!(
        reason(record_payment(
            &o,
            d("2026-03-10"),
            total + Cents(5_000),
            "M",
            false,
            &t
        )),
        Reason::Overpayment { .. }
    ));
    let o = record_payment(&o, d("2026-03-10"), total + Cents(5_000), "M", true, &t)
        .unwrap()
        .order;
    assert_eq!(o.stage, Stage::Paid);
    assert_eq!(o.credit_balance(), Cents(5_000));
    assert!(o.unpaid_invoices().is_empty());
}

#[test]
fn partial_credit_notes_never_exceed_the_invoice() {
    let (o, c, _) = invoiced(); // 4 × 249,00 + 2 × 89,00 HT at 20 %
    let t = ctx("2026-03-10");
    let total = o.invoiced_amount();
    let credit = |o: &Order, scope: CreditScope, seq| {
        issue_credit_note(
            o,
            &c,
            None,
            &scope,
            &IssuedTotals::new(),
            "retour",
            num(DocKind::CreditNote, seq),
            &t,
        )
    };
    // One enceinte returned: the invoice is reduced, nothing is invoiced again.
    let one = credit(&o, CreditScope::Quantities(vec![1, 0]), 1).unwrap();
    assert!(one.document.partial);
    assert_eq!(one.document.totals.incl_vat, Cents(24_900 * 12 / 10));
    assert_eq!(one.order.stage, Stage::Invoiced);
    assert_eq!(
        one.order.lines[0].invoiced, 4,
        "a reduction is not invoiced again"
    );
    assert_eq!(one.order.outstanding(), total - Cents(24_900 * 12 / 10));
    assert!(
        one.events[0]
            .detail
            .starts_with("réduit de 298,80 € la facture FA-2026-00001")
    );
    let o = one.order;
    assert_eq!(
        reason(credit(&o, CreditScope::Quantities(vec![4, 0]), 2)),
        Reason::CreditQuantityTooLarge {
            line: 1,
            sku: "ENC-01".into(),
            requested: 4,
            left: 3
        }
    );
    assert_eq!(
        reason(credit(&o, CreditScope::Quantities(vec![0, 0]), 2)),
        Reason::NothingToCredit
    );
    // A commercial gesture by amount, at the invoice's only rate.
    let gesture = credit(
        &o,
        CreditScope::Amount {
            net: Cents(10_000),
            vat: None,
        },
        2,
    )
    .unwrap();
    assert_eq!(gesture.document.totals.incl_vat, Cents(12_000));
    assert!(
        gesture.document.lines[0]
            .designation
            .contains("FA-2026-00001")
    );
    let o = gesture.order;
    let left = o.invoices[0].net();
    assert_eq!(left, total - Cents(29_880) - Cents(12_000));
    assert_eq!(
        reason(credit(
            &o,
            CreditScope::Amount {
                net: Cents(left.0),
                vat: None
            },
            3
        )),
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(left.0 * 10 / 12),
            tax: Cents(left.0 * 2 / 12),
        }
    );
    assert_eq!(
        reason(credit(
            &o,
            CreditScope::Amount {
                net: Cents(100),
                vat: Some(VatRate(550))
            },
            3
        )),
        Reason::CreditVatRateNotOnInvoice {
            invoice: num(DocKind::Invoice, 1),
            rate: "5,5 %".into()
        }
    );
    // The rest by quantities brings the invoice to nothing; the sum equals the invoice.
    let rest = credit(&o, CreditScope::Quantities(vec![3, 2]), 3);
    assert_eq!(
        reason(rest),
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(left.0 * 10 / 12),
            tax: Cents(left.0 * 2 / 12),
        },
        "the gesture already took 120 €"
    );
    let o = credit(
        &o,
        CreditScope::Amount {
            net: Cents(left.0 * 10 / 12),
            vat: None,
        },
        3,
    )
    .unwrap()
    .order;
    assert_eq!(o.invoices[0].net(), Cents::ZERO);
    assert_eq!(o.invoiced_amount(), Cents::ZERO);
    assert_eq!(
        reason(credit(&o, CreditScope::Full, 4)),
        Reason::NoInvoiceToCredit
    );
}

/// CGI art. 272-1 and 283-3: at a rate, credit notes give back at most what the invoice
/// charged at that rate — 150,00 € at 20 % is refused on an invoice that charged 100,00 €
/// there, even though its total (1 175,00 €) is larger.
#[test]
fn a_credit_by_amount_is_bounded_by_what_its_rate_charged() {
    let (o, c, issued) = invoiced_at_two_rates();
    assert_eq!(o.invoices[0].amount_incl_vat, Cents(12_000 + 105_500));
    let by_amount = |o: &Order, issued: &IssuedTotals, net: i64, rate: u16, seq| {
        issue_credit_note(
            o,
            &c,
            None,
            &CreditScope::Amount {
                net: Cents(net),
                vat: Some(VatRate(rate)),
            },
            issued,
            "geste commercial",
            num(DocKind::CreditNote, seq),
            &ctx("2026-03-10"),
        )
    };
    let refused = reason(by_amount(&o, &issued, 15_000, 2000, 1));
    assert_eq!(
        refused,
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(10_000),
            tax: Cents(2_000),
        }
    );
    assert!(
        refused
            .to_string()
            .contains("il reste à ce taux 100,00 € HT et 20,00 € de TVA"),
        "{refused}"
    );
    // 60,00 € at 20 % is accepted; then only 40,00 € is left at that rate.
    let first = by_amount(&o, &issued, 6_000, 2000, 1).unwrap();
    let mut issued = issued;
    issued.insert(first.document.number, first.document.totals.clone());
    assert_eq!(
        reason(by_amount(&first.order, &issued, 4_001, 2000, 2)),
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(4_000),
            tax: Cents(800),
        }
    );
    // The lines at 20 % can no longer be credited whole by quantities either.
    assert!(matches!(
        reason(issue_credit_note(
            &first.order,
            &c,
            None,
            &CreditScope::Quantities(vec![4, 0]),
            &issued,
            "retour",
            num(DocKind::CreditNote, 2),
            &ctx("2026-03-10"),
        )),
        Reason::CreditExceedsRate { .. }
    ));
    // Without its record, a credit by amount on an invoice of two rates cannot be read
    // back rate by rate: refused rather than guessed.
    assert_eq!(
        reason(by_amount(
            &first.order,
            &IssuedTotals::from([(
                num(DocKind::Invoice, 1),
                issued[&num(DocKind::Invoice, 1)].clone()
            )]),
            100,
            550,
            2
        )),
        Reason::CreditBreakdownUnknown(num(DocKind::Invoice, 1))
    );
}

proptest::proptest! {
    /// Whatever credit notes staff try, in any order, the accepted ones never give back
    /// more base or VAT at a rate than the invoice charged there, and the invoice's net
    /// never goes below zero.
    #[test]
    fn credit_notes_never_exceed_the_invoice_per_rate(
        tries in proptest::collection::vec((0u8..3, 0u32..5, 0u32..3, 1i64..120_000, proptest::bool::ANY), 1..12)
    ) {
        let (mut o, c, mut issued) = invoiced_at_two_rates();
        let charged = issued[&num(DocKind::Invoice, 1)].clone();
        let mut seq = 1;
        for (kind, q0, q1, net, at_20) in tries {
            let scope = match kind {
                0 => CreditScope::Full,
                1 => CreditScope::Quantities(vec![q0, q1]),
                _ => CreditScope::Amount {
                    net: Cents(net),
                    vat: Some(VatRate(if at_20 { 2000 } else { 550 })),
                },
            };
            if let Ok(done) = issue_credit_note(
                &o,
                &c,
                None,
                &scope,
                &issued,
                "essai",
                num(DocKind::CreditNote, seq),
                &ctx("2026-03-10"),
            ) {
                issued.insert(done.document.number, done.document.totals.clone());
                o = done.order;
                seq += 1;
            }
        }
        proptest::prop_assert!(o.invoices[0].net() >= Cents::ZERO);
        for v in &charged.vat {
            let (mut base, mut tax) = (Cents::ZERO, Cents::ZERO);
            for (n, t) in &issued {
                if n.kind == DocKind::CreditNote {
                    for x in t.vat.iter().filter(|x| x.rate == v.rate) {
                        base += x.base;
                        tax += x.tax;
                    }
                }
            }
            proptest::prop_assert!(base <= v.base && tax <= v.tax, "{:?}: {base:?} {tax:?}", v.rate);
        }
    }
}

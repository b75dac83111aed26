//! Payments, the payment delay, interest and the statement of account.

use super::*;

#[test]
fn payments_until_paid() {
    let (o, _, _) = invoiced();
    let total = o.outstanding();
    let t = ctx("2026-04-01");
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-20"),
            Cents(0),
            "M-1",
            false,
            &t
        )),
        Reason::AmountNotPositive
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-20"),
            total + Cents(1),
            "M-1",
            false,
            &t
        )),
        Reason::Overpayment {
            amount: total + Cents(1),
            outstanding: total
        }
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-20"),
            Cents(100),
            " ",
            false,
            &t
        )),
        Reason::ReferenceRequired
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-04-02"),
            Cents(100),
            "M-1",
            false,
            &t
        )),
        Reason::DateInFuture(d("2026-04-02"))
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-01"),
            Cents(100),
            "M-1",
            false,
            &t
        )),
        Reason::PaymentBeforeInvoice {
            date: d("2026-03-01"),
            invoice_date: d("2026-03-07")
        }
    );
    let half = Cents(total.0 / 2);
    let o = record_payment(&o, d("2026-03-20"), half, "M-1", false, &t)
        .unwrap()
        .order;
    assert_eq!(o.stage, Stage::Invoiced);
    let step = record_payment(&o, d("2026-03-25"), total - half, "M-2", false, &t).unwrap();
    assert_eq!(step.order.stage, Stage::Paid);
    assert_eq!(step.order.outstanding(), Cents::ZERO);
    let (q, _, _) = received();
    assert_eq!(
        reason(record_payment(
            &q,
            d("2026-03-20"),
            Cents(1),
            "M",
            false,
            &t
        )),
        Reason::NoInvoice
    );
}

#[test]
fn overdue_and_moratory_interest() {
    let rates = EcbRates::flat(200);
    let (o, _, _) = invoiced(); // invoiced 2026-03-07, presumed received 03-09, due 04-08
    let due = d("2026-04-08");
    assert_eq!(o.invoices[0].due_date(), Some(due));
    assert_eq!(o.penalty_totals(due, &rates).owed(), Cents::ZERO);
    let late = o.penalties(d("2026-04-18"), &rates);
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].days_overdue, 10);
    assert_eq!(late[0].overdue, o.invoiced_amount());
    assert_eq!(late[0].indemnity, Cents(4000));
    assert_eq!(late[0].rate_bp, 1000);
    let total = o.invoiced_amount();
    assert_eq!(
        late[0].interest,
        Cents(round_div(total.0 as i128 * 10 * 1000, 3_650_000))
    );
    // Paid 12 days late: interest and indemnity stay owed after the principal is paid.
    let paid = record_payment(&o, d("2026-04-20"), total, "M", false, &ctx("2026-04-20"))
        .unwrap()
        .order;
    assert_eq!(paid.stage, Stage::Paid);
    let t = paid.penalty_totals(d("2026-06-01"), &rates);
    assert_eq!(
        t.interest,
        Cents(round_div(total.0 as i128 * 12 * 1000, 3_650_000))
    );
    assert_eq!(t.indemnity, Cents(4000));
    assert_eq!(t.owed(), t.interest + t.indemnity);
    // Paid on time: nothing.
    let on_time = record_payment(&o, due, total, "M", false, &ctx("2026-04-08"))
        .unwrap()
        .order;
    assert_eq!(
        on_time.penalty_totals(d("2026-06-01"), &rates).owed(),
        Cents::ZERO
    );
}

#[test]
fn partial_payment_stops_interest_on_what_it_pays() {
    let rates = EcbRates::flat(200);
    let (o, _, _) = invoiced();
    let total = o.invoiced_amount();
    let half = Cents(total.0 / 2);
    // Half paid 10 days late, the rest 30 days late.
    let o = record_payment(&o, d("2026-04-18"), half, "M1", false, &ctx("2026-04-18"))
        .unwrap()
        .order;
    let o = record_payment(
        &o,
        d("2026-05-08"),
        total - half,
        "M2",
        false,
        &ctx("2026-05-08"),
    )
    .unwrap()
    .order;
    let expected = round_div(
        (half.0 as i128 * 10 + (total - half).0 as i128 * 30) * 1000,
        3_650_000,
    );
    let t = o.penalty_totals(d("2026-07-01"), &rates);
    assert_eq!(t.interest, Cents(expected));
    assert_eq!(t.indemnity, Cents(4000), "one indemnity per invoice");
    let lines = o.lateness(d("2026-07-01"), &rates)[0].explain().join("\n");
    assert!(
        lines.contains("payés le 18/04/2026 : 10 j × 10 %"),
        "{lines}"
    );
    assert!(
        lines.contains("payés le 08/05/2026 : 30 j × 10 %"),
        "{lines}"
    );
}

#[test]
fn receipt_and_interruption_move_the_due_date() {
    let (o, _, _) = invoiced(); // invoiced 2026-03-07
    let t = ctx("2026-03-20");
    let inv = Some(num(DocKind::Invoice, 1));
    assert_eq!(
        reason(record_delay_notice(
            &o,
            inv,
            d("2026-03-06"),
            &DelayNotice::Received,
            &t
        )),
        Reason::DateBeforeInvoice {
            date: d("2026-03-06"),
            invoice: num(DocKind::Invoice, 1),
            invoice_date: d("2026-03-07")
        }
    );
    assert_eq!(
        reason(record_delay_notice(
            &o,
            None,
            d("2026-03-21"),
            &DelayNotice::Received,
            &t
        )),
        Reason::DateInFuture(d("2026-03-21"))
    );
    let o = record_delay_notice(&o, None, d("2026-03-12"), &DelayNotice::Received, &t)
        .unwrap()
        .order;
    assert_eq!(o.invoices[0].due_date(), Some(d("2026-04-11")));
    let s = record_delay_notice(
        &o,
        None,
        d("2026-03-20"),
        &DelayNotice::Interrupted {
            reason: "attestation de service fait".into(),
        },
        &t,
    )
    .unwrap();
    assert!(
        s.events[0].detail.contains("22 j restants"),
        "{}",
        s.events[0].detail
    );
    let o = s.order;
    assert_eq!(o.invoices[0].due_date(), None);
    assert_eq!(
        reason(record_delay_notice(
            &o,
            inv,
            d("2026-03-20"),
            &DelayNotice::Interrupted {
                reason: "encore".into()
            },
            &t
        )),
        Reason::AlreadySuspended(num(DocKind::Invoice, 1))
    );
    assert_eq!(
        reason(record_delay_notice(
            &o,
            None,
            d("2026-03-19"),
            &DelayNotice::Resumed,
            &t
        )),
        Reason::ResumedBeforeNotice {
            resumed: d("2026-03-19"),
            notice: d("2026-03-20")
        }
    );
    let o = record_delay_notice(&o, None, d("2026-03-20"), &DelayNotice::Resumed, &t)
        .unwrap()
        .order;
    assert_eq!(
        o.invoices[0].due_date(),
        Some(d("2026-04-19")),
        "30 days from resumption (22 left was shorter)"
    );
    assert_eq!(
        reason(record_delay_notice(
            &o,
            inv,
            d("2026-03-20"),
            &DelayNotice::Resumed,
            &t
        )),
        Reason::AlreadyResumed(num(DocKind::Invoice, 1))
    );
}

#[test]
fn penalties_received_or_waived_apart_from_the_principal() {
    let rates = EcbRates::flat(200);
    let (o, _, _) = invoiced();
    let total = o.invoiced_amount();
    let t = ctx("2026-05-10");
    assert_eq!(
        reason(record_penalty_payment(
            &o,
            d("2026-04-01"),
            Cents(100),
            "M",
            &rates,
            &ctx("2026-04-01")
        )),
        Reason::NoPenaltyOwed
    );
    let o = record_payment(&o, d("2026-05-08"), total, "M", false, &t)
        .unwrap()
        .order;
    let owed = o.penalty_totals(d("2026-05-10"), &rates).owed();
    assert!(owed > Cents(4000));
    assert_eq!(
        reason(record_penalty_payment(
            &o,
            d("2026-05-10"),
            owed + Cents(1),
            "I",
            &rates,
            &t
        )),
        Reason::PenaltyOverpaid {
            amount: owed + Cents(1),
            owed
        }
    );
    let o = record_penalty_payment(&o, d("2026-05-10"), Cents(4000), "I-1", &rates, &t)
        .unwrap()
        .order;
    let left = o.penalty_totals(d("2026-05-10"), &rates);
    assert_eq!(left.received, Cents(4000));
    assert_eq!(left.owed(), owed - Cents(4000));
    assert_eq!(
        reason(waive_penalties(&o, None, " ", &rates, &t)),
        Reason::ReasonRequired
    );
    let w = waive_penalties(&o, None, "geste commercial", &rates, &t).unwrap();
    assert!(w.events[0].detail.contains("geste commercial"));
    let o = w.order;
    let done = o.penalty_totals(d("2026-12-31"), &rates);
    assert_eq!(done.owed(), Cents::ZERO);
    assert_eq!(done.waived, owed - Cents(4000));
    assert_eq!(
        done.interest + done.indemnity,
        owed,
        "what was owed is still on record"
    );
}

/// Interest reckoned day by day, independently of the per-amount computation: on each day
/// after the due date up to `end` included, everything not paid *before* that day is late.
fn interest_day_by_day(o: &Order, due: Date, end: Date, rates: &[(Date, u32)]) -> i64 {
    let total = o.invoiced_amount().0 as i128;
    let mut cent_days: i128 = 0;
    let mut day = due.add_days(1);
    while day <= end {
        let paid_before: i128 = o
            .payments
            .iter()
            .filter(|p| p.date < day)
            .map(|p| p.amount.0 as i128)
            .sum();
        cent_days += (total - paid_before).max(0);
        day = day.add_days(1);
    }
    let start = due.add_days(1);
    let (y, m, _) = start.ymd();
    let half = Date::from_ymd(y, if m <= 6 { 1 } else { 7 }, 1).unwrap();
    let ecb = rates
        .iter()
        .filter(|(d, _)| *d <= half)
        .max_by_key(|(d, _)| *d)
        .map(|(_, bp)| *bp)
        .unwrap_or(0);
    round_div(cent_days * (ecb + 800) as i128, 3_650_000)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Random receipts, partial payments and ECB rate tables: the interest is the
    /// day-by-day sum, one indemnity per late invoice, and what is owed never shrinks as
    /// time passes and payments arrive.
    #[test]
    fn interest_is_the_closed_form_sum(
        receipt in proptest::option::of(0i32..10),
        payments in proptest::collection::vec((0i32..70, 1i64..=100), 0..6),
        changes in proptest::collection::vec((0i32..1000, 0u32..500), 1..6),
        tail in 0i32..120,
    ) {
        let (mut o, _, _) = invoiced(); // 2026-03-07
        let rate_list: Vec<(Date, u32)> = {
            let mut seen = std::collections::BTreeMap::new();
            for (off, bp) in &changes {
                seen.insert(d("2024-01-01").add_days(*off), *bp);
            }
            seen.into_iter().collect()
        };
        let rates = EcbRates::new(rate_list.clone()).unwrap();
        if let Some(r) = receipt {
            let day = d("2026-03-07").add_days(r);
            o = record_delay_notice(&o, None, day, &DelayNotice::Received, &ctx_on(day)).unwrap().order;
        }
        let due = o.invoices[0].due_date().unwrap();
        let mut day = d("2026-03-07");
        let mut last_owed = Cents::ZERO;
        for (gap, percent) in &payments {
            day = day.add_days(*gap);
            let left = o.outstanding();
            if left <= Cents::ZERO {
                break;
            }
            let amount = Cents((left.0 * percent / 100).max(1)).min(left);
            o = record_payment(&o, day, amount, "M", false, &ctx_on(day)).unwrap().order;
            let t = o.penalty_totals(day, &rates);
            let owed = t.interest + t.indemnity;
            proptest::prop_assert!(owed >= last_owed, "owed went from {last_owed} to {owed}");
            last_owed = owed;
        }
        let today = day.add_days(tail);
        let t = o.penalty_totals(today, &rates);
        proptest::prop_assert!(t.interest + t.indemnity >= last_owed);
        let end = if o.outstanding() > Cents::ZERO {
            today
        } else {
            o.payments.iter().map(|p| p.date).max().unwrap_or(today)
        };
        proptest::prop_assert_eq!(
            t.interest.0,
            interest_day_by_day(&o, due, end, &rate_list)
        );
        let late = end > due;
        proptest::prop_assert_eq!(t.indemnity, if late { Cents(4000) } else { Cents::ZERO });
    }
}

/// An invoice of December whose delay ends in January: the rate printed is the one of the
/// half-year in which lateness would start (the ECB's of 1 January), not the invoice's.
#[test]
fn the_late_rate_is_the_one_of_the_half_year_lateness_starts_in() {
    let (o, c, _) = delivered();
    let rates = EcbRates::new(vec![(d("2025-06-11"), 215), (d("2027-01-01"), 300)]).unwrap();
    let doc = issue_invoice(&o, &c, num(DocKind::Invoice, 1), &rates, &ctx("2026-12-07"))
        .unwrap()
        .document;
    assert!(
        doc.due_date.unwrap() >= d("2027-01-01"),
        "{:?}",
        doc.due_date
    );
    assert_eq!(doc.late_rate_bp, Some(1100));
    let early = issue_invoice(&o, &c, num(DocKind::Invoice, 1), &rates, &ctx("2026-03-07"))
        .unwrap()
        .document;
    assert_eq!(early.late_rate_bp, Some(1015));
}

/// The statement of account: every movement with its running balance, an opening
/// balance for what came before the period, the closing balance equal to what the
/// orders say is owed; the aged balance puts each unpaid invoice in its column.
#[test]
fn statement_and_aged_balance() {
    use crate::domain::statement::{EntryKind, age_bucket, aged_balance, statement};
    let (o, c, _) = invoiced();
    let total = o.outstanding();
    let paid = record_payment(
        &o,
        d("2026-03-10"),
        Cents(1_000),
        "M-1",
        false,
        &ctx("2026-03-10"),
    )
    .unwrap()
    .order;
    let credited = issue_credit_note(
        &paid,
        &c,
        None,
        &CreditScope::Quantities(vec![1, 0]),
        &IssuedTotals::new(),
        "casse",
        num(DocKind::CreditNote, 1),
        &ctx("2026-03-12"),
    )
    .unwrap()
    .order;
    let st = statement(std::slice::from_ref(&credited), None, d("2026-12-31"));
    let kinds: Vec<EntryKind> = st.lines.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::Invoice,
            EntryKind::Payment,
            EntryKind::CreditNote
        ]
    );
    assert_eq!(st.lines[0].debit, total);
    assert_eq!(st.lines[0].balance, total);
    assert_eq!(st.lines[1].balance, total - Cents(1_000));
    assert_eq!(st.closing, credited.outstanding());
    assert_eq!(st.opening, Cents::ZERO);
    // Everything left is overdue at the end of the year.
    assert_eq!(st.overdue, credited.outstanding());
    // From 11 March: the invoice and the payment are the opening balance.
    let later = statement(
        std::slice::from_ref(&credited),
        Some(d("2026-03-11")),
        d("2026-12-31"),
    );
    assert_eq!(later.opening, total - Cents(1_000));
    assert_eq!(later.lines.len(), 1);
    assert_eq!(later.closing, st.closing);
    // As of 9 March, only the invoice existed; nothing was overdue yet.
    let early = statement(std::slice::from_ref(&credited), None, d("2026-03-09"));
    assert_eq!(early.lines.len(), 1);
    assert_eq!(early.closing, total);
    assert_eq!(early.overdue, Cents::ZERO);

    let due = credited.invoices[0].due_date().unwrap();
    assert_eq!(age_bucket(Some(due), due), 0);
    assert_eq!(age_bucket(Some(due), due.add_days(1)), 1);
    assert_eq!(age_bucket(Some(due), due.add_days(30)), 1);
    assert_eq!(age_bucket(Some(due), due.add_days(31)), 2);
    assert_eq!(age_bucket(Some(due), due.add_days(61)), 3);
    assert_eq!(age_bucket(Some(due), due.add_days(91)), 4);
    assert_eq!(age_bucket(None, due.add_days(400)), 0);
    let card = crate::domain::OrderCard::from_order(&credited);
    let rows = aged_balance([&card], due.add_days(45));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].buckets[2], credited.outstanding());
    assert_eq!(rows[0].balance(), credited.outstanding());
    // A body owed a « trop-perçu » appears with its credit.
    let over = record_payment(
        &credited,
        d("2026-03-20"),
        credited.outstanding() + Cents(700),
        "M-2",
        true,
        &ctx("2026-03-20"),
    )
    .unwrap()
    .order;
    let rows = aged_balance(
        [&crate::domain::OrderCard::from_order(&over)],
        due.add_days(45),
    );
    assert_eq!(rows[0].credit, Cents(700));
    assert_eq!(rows[0].balance(), Cents(-700));
    assert_eq!(rows[0].invoices, 0);
}

proptest::proptest! {
    /// Whatever mix of credit notes, payments (a surplus accepted or not) and refunds is
    /// accepted, in any order: what each invoice still asks for (the amount its pack puts
    /// on the RIB page) is between zero and its net, those amounts less the trop-perçu
    /// are what the order says is owed, refunds never exceed the surplus, and the
    /// statement's closing balance is the same figure.
    #[test]
    fn what_is_asked_for_is_what_is_owed(
        steps in proptest::collection::vec((0u8..4, 1i64..150_000, proptest::bool::ANY), 1..16)
    ) {
        let (mut o, c, mut issued) = invoiced_at_two_rates();
        let mut seq = 1;
        let mut day = d("2026-03-08");
        for (kind, amount, flag) in steps {
            day = day.add_days(1);
            let t = ctx(&day.to_string());
            let next = match kind {
                0 => issue_credit_note(
                    &o,
                    &c,
                    None,
                    &CreditScope::Amount {
                        net: Cents(amount / 4),
                        vat: Some(VatRate(if flag { 2000 } else { 550 })),
                    },
                    &issued,
                    "geste",
                    num(DocKind::CreditNote, seq),
                    &t,
                )
                .map(|done| {
                    issued.insert(done.document.number, done.document.totals.clone());
                    seq += 1;
                    done.order
                }),
                1 | 2 => record_payment(&o, day, Cents(amount), "M", flag, &t).map(|s| s.order),
                _ => record_refund(&o, day, Cents(amount), "VIR", &t).map(|s| s.order),
            };
            if let Ok(n) = next {
                o = n;
            }
        }
        let settlements = o.settlements();
        let mut asked = Cents::ZERO;
        for s in &settlements {
            proptest::prop_assert!(s.unpaid >= Cents::ZERO && s.unpaid <= s.invoice.net());
            asked += s.unpaid;
        }
        proptest::prop_assert_eq!(asked - o.credit_balance(), o.outstanding());
        proptest::prop_assert!(asked == Cents::ZERO || o.credit_balance() == Cents::ZERO);
        proptest::prop_assert!(o.refunded_amount() <= o.paid_amount());
        proptest::prop_assert!(o.credit_balance() >= Cents::ZERO);
        let st = crate::domain::statement::statement(std::slice::from_ref(&o), None, day);
        proptest::prop_assert_eq!(st.closing, o.outstanding());
    }
}

//! Money in: payments, refunds, interest received or waived. The payment delay's notices
//! (receipt, interruption, resumption) are in `delay.rs`.

use super::*;

/// A mandate was paid. Beyond what the live invoices still ask for, the payment is
/// refused unless `surplus` says staff saw the money arrive: the excess is then a
/// « trop-perçu » the shop owes back (see [`record_refund`]).
pub fn record_payment(
    order: &Order,
    date: Date,
    amount: Cents,
    reference: &str,
    surplus: bool,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Pay;
    let first_invoice = order.live_invoices().map(|i| i.date).min();
    let Some(first_invoice) = first_invoice else {
        return refuse(op, Reason::NoInvoice);
    };
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let outstanding = order.outstanding();
    if amount > outstanding && !surplus {
        return refuse(
            op,
            Reason::Overpayment {
                amount,
                outstanding,
            },
        );
    }
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return refuse(op, Reason::ReferenceRequired);
    }
    check_text(op, "la référence du paiement", reference)?;
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    if date < first_invoice {
        return refuse(
            op,
            Reason::PaymentBeforeInvoice {
                date,
                invoice_date: first_invoice,
            },
        );
    }
    let mut o = order.clone();
    o.payments
        .push(money_movement(date, amount, reference, ctx));
    let (before, after) = progress(&mut o, ctx.now);
    let ev = Event::new(Action::PaymentRecorded, before.label(), after.label()).detail(format!(
        "{} le {}, mandat {reference} ; {}",
        amount.fr(),
        date.fr(),
        balance_phrase(&o)
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// A payment or a refund as recorded: what, when, by whom.
fn money_movement(date: Date, amount: Cents, reference: &str, ctx: &Ctx) -> Payment {
    Payment {
        date,
        amount,
        reference: reference.to_string(),
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    }
}

/// « reste dû 120,00 € », or « trop-perçu à rembourser 30,00 € ».
pub(super) fn balance_phrase(o: &Order) -> String {
    match o.credit_balance() {
        c if c > Cents::ZERO => format!("trop-perçu à rembourser {}", c.fr()),
        _ => format!("reste dû {}", o.outstanding().fr()),
    }
}

/// Money paid back to the body: at most the « trop-perçu » (payments beyond the live
/// invoices, earlier refunds deducted), dated no earlier than the last payment it
/// returns, with the bank's reference.
pub fn record_refund(
    order: &Order,
    date: Date,
    amount: Cents,
    reference: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Refund;
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let credit = order.credit_balance();
    if amount > credit {
        return refuse(op, Reason::RefundExceedsCredit { amount, credit });
    }
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return refuse(op, Reason::ReferenceRequired);
    }
    check_text(op, "la référence du remboursement", reference)?;
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    if let Some(paid) = order.payments.iter().map(|p| p.date).max()
        && date < paid
    {
        return refuse(op, Reason::RefundBeforePayment { date, paid });
    }
    let mut o = order.clone();
    o.refunds.push(money_movement(date, amount, reference, ctx));
    let (before, after) = progress(&mut o, ctx.now);
    let ev = Event::new(Action::RefundRecorded, before.label(), after.label()).detail(format!(
        "{} remboursés le {}, réf. {reference} ; trop-perçu restant {}",
        amount.fr(),
        date.fr(),
        o.credit_balance().fr()
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Interest and indemnity received, recorded apart from the principal.
pub fn record_penalty_payment(
    order: &Order,
    date: Date,
    amount: Cents,
    reference: &str,
    rates: &EcbRates,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::PayPenalties;
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return refuse(op, Reason::ReferenceRequired);
    }
    check_text(op, "la référence du paiement", reference)?;
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    let owed = order.penalty_totals(ctx.today(), rates).owed();
    if owed <= Cents::ZERO {
        return refuse(op, Reason::NoPenaltyOwed);
    }
    if amount > owed {
        return refuse(op, Reason::PenaltyOverpaid { amount, owed });
    }
    let mut o = order.clone();
    o.penalty_settlements.push(PenaltySettlement {
        kind: SettlementKind::Received {
            date,
            reference: reference.to_string(),
        },
        amount,
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    });
    let ev = Event::new(Action::PenaltiesPaid, o.stage.label(), o.stage.label()).detail(format!(
        "{} reçus le {}, mandat {reference} ; reste dû {}",
        amount.fr(),
        date.fr(),
        (owed - amount).fr()
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// An admin gives up interest and indemnity owed (all of it, or `amount`), with a reason.
pub fn waive_penalties(
    order: &Order,
    amount: Option<Cents>,
    reason: &str,
    rates: &EcbRates,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::WaivePenalties;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    let owed = order.penalty_totals(ctx.today(), rates).owed();
    if owed <= Cents::ZERO {
        return refuse(op, Reason::NoPenaltyOwed);
    }
    let amount = amount.unwrap_or(owed);
    if amount <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    if amount > owed {
        return refuse(op, Reason::PenaltyOverpaid { amount, owed });
    }
    let mut o = order.clone();
    o.penalty_settlements.push(PenaltySettlement {
        kind: SettlementKind::Waived {
            reason: reason.to_string(),
        },
        amount,
        recorded_by: ctx.actor.to_string(),
        recorded_at: ctx.now,
    });
    let ev = Event::new(Action::PenaltiesWaived, o.stage.label(), o.stage.label()).detail(format!(
        "{} abandonnés sur {} dus : {reason}",
        amount.fr(),
        owed.fr()
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

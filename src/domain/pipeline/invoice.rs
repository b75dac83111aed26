//! Invoices and credit notes (bounded per VAT rate), and what Chorus Pro requires first.

use super::*;

/// Chorus Pro routing data the customer requires, checked before an invoice is issued.
pub fn check_chorus_routing(
    order: &Order,
    customer: &Customer,
    op: Operation,
) -> Result<(), PipelineError> {
    let service_code = customer
        .chorus
        .service_code
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    if customer.chorus.service_code_required && service_code.is_empty() {
        return refuse(op, Reason::MissingServiceCode);
    }
    let engagement = order.po.as_ref().map(|p| p.po_number.trim()).unwrap_or("");
    if customer.chorus.engagement_required && engagement.is_empty() {
        return refuse(op, Reason::MissingEngagement);
    }
    Ok(())
}

/// Bills everything delivered and not yet invoiced. The terms print the moratory rate for
/// a lateness that would start the day after the (presumed) due date, as `rates` know it.
pub fn issue_invoice(
    order: &Order,
    customer: &Customer,
    number: DocNumber,
    rates: &EcbRates,
    ctx: &Ctx,
) -> Result<Issued, PipelineError> {
    let op = Operation::Invoice;
    check_po_gate(order, op)?;
    let qty: Vec<u32> = order.lines.iter().map(OrderLine::to_invoice).collect();
    if qty.iter().all(|q| *q == 0) {
        let reason = if order.invoiced_units() == order.ordered_units() {
            Reason::AlreadyInvoiced
        } else {
            Reason::NothingToInvoice
        };
        return refuse(op, reason);
    }
    check_chorus_routing(order, customer, op)?;
    let mut o = order.clone();
    let lines = billed_lines(&o.lines, &qty);
    for (l, q) in o.lines.iter_mut().zip(&qty) {
        l.invoiced += q;
    }
    let mut doc = document(&o, customer, number, lines, ctx);
    let delivery_date = o.documents_of(DocKind::DeliveryNote).map(|d| d.date).max();
    let invoice = InvoiceRef {
        number,
        date: doc.date,
        delay_days: customer.payment_delay_days(),
        received_on: None,
        suspension: None,
        amount_incl_vat: doc.totals.incl_vat,
        quantities: qty,
        credits: Vec::new(),
    };
    let due = invoice.terms().first_due();
    doc.delivery_date = delivery_date;
    doc.due_date = Some(due);
    doc.delivery_notes = uninvoiced_notes(&o);
    doc.late_rate_bp = Some(rates.penalty_rate_bp(due.add_days(1)));
    o.invoices.push(invoice);
    o.documents.push(doc_ref(&doc));
    let (before, after) = progress(&mut o, ctx.now);
    let ev = Event::new(Action::InvoiceIssued, before.label(), after.label())
        .detail(format!(
            "{}, échéance estimée {} (réception présumée + {} j)",
            doc.totals.incl_vat.fr(),
            due.fr(),
            customer.payment_delay_days()
        ))
        .document(number);
    Ok(Issued {
        order: o,
        document: doc,
        events: vec![ev],
    })
}

/// The delivery notes an invoice covers: those issued since the last invoice still live.
pub(super) fn uninvoiced_notes(order: &Order) -> Vec<(DocNumber, Date)> {
    let mut notes = Vec::new();
    for d in &order.documents {
        match d.number.kind {
            DocKind::DeliveryNote => notes.push((d.number, d.date)),
            DocKind::Invoice
                if order
                    .invoices
                    .iter()
                    .any(|i| i.number == d.number && !i.is_cancelled()) =>
            {
                notes.clear()
            }
            _ => {}
        }
    }
    notes
}

/// What a credit note takes back from an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditScope {
    /// Everything not yet credited: the invoice is cancelled and its quantities can be
    /// invoiced again (the Chorus "REJETEE" fix: credit note + new invoice).
    Full,
    /// Some quantities per order line: the invoice is reduced, nothing is invoiced again.
    Quantities(Vec<u32>),
    /// An amount excl. VAT at one of the invoice's VAT rates (needed when it has several).
    Amount { net: Cents, vat: Option<VatRate> },
}

/// Picks the invoice an operation is about: the one named, or the only candidate.
pub(super) fn pick_invoice(
    order: &Order,
    invoice: Option<DocNumber>,
    op: Operation,
    candidate: impl Fn(&InvoiceRef) -> bool,
    none: Reason,
) -> Result<usize, PipelineError> {
    if let Some(n) = invoice {
        return match order.invoices.iter().position(|i| i.number == n) {
            Some(i) => Ok(i),
            None => refuse(op, Reason::InvoiceNotInOrder(n.to_string())),
        };
    }
    let found: Vec<usize> = (0..order.invoices.len())
        .filter(|i| candidate(&order.invoices[*i]))
        .collect();
    match found.as_slice() {
        [] => refuse(op, none),
        [one] => Ok(*one),
        many => refuse(
            op,
            Reason::WhichInvoice(
                many.iter()
                    .map(|i| order.invoices[*i].number.to_string())
                    .collect(),
            ),
        ),
    }
}

/// Cancels or reduces an invoice with a credit note. Several credit notes against one
/// invoice never exceed it, rate by rate (`issued`: the totals of the order's invoices and
/// credit notes as issued, see [`super::credit`]).
#[allow(clippy::too_many_arguments)]
pub fn issue_credit_note(
    order: &Order,
    customer: &Customer,
    invoice: Option<DocNumber>,
    scope: &CreditScope,
    issued: &IssuedTotals,
    reason: &str,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<Issued, PipelineError> {
    let op = Operation::CreditNote;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    let idx = pick_invoice(
        order,
        invoice,
        op,
        |i| !i.is_cancelled(),
        Reason::NoInvoiceToCredit,
    )?;
    let inv = order.invoices[idx].clone();
    if inv.is_cancelled() {
        let by = inv.credits.last().map(|c| c.number).unwrap_or(inv.number);
        return refuse(op, Reason::InvoiceAlreadyCredited(inv.number, by));
    }
    let credited = inv.credited_quantities();
    let left_qty: Vec<u32> = inv
        .quantities
        .iter()
        .zip(&credited)
        .map(|(q, c)| q.saturating_sub(*c))
        .collect();
    let (lines, quantities, cancels) = match scope {
        CreditScope::Full => (billed_lines(&order.lines, &left_qty), left_qty, true),
        CreditScope::Quantities(q) => {
            check_credit_quantities(order, q, &left_qty, op)?;
            (billed_lines(&order.lines, q), q.clone(), false)
        }
        CreditScope::Amount { net, vat } => {
            let line = reduction_line(order, &inv, *net, *vat, reason, op)?;
            (vec![line], vec![0; order.lines.len()], false)
        }
    };
    let mut o = order.clone();
    let mut doc = document(&o, customer, number, lines, ctx);
    let Some(left) = credit::left_per_rate(&order.lines, &inv, issued) else {
        return refuse(op, Reason::CreditBreakdownUnknown(inv.number));
    };
    if let Err(l) = credit::fit_to_left(&mut doc.totals, &left) {
        return refuse(
            op,
            Reason::CreditExceedsRate {
                invoice: inv.number,
                rate: l.rate.fr(),
                base: l.base.max(Cents::ZERO),
                tax: l.tax.max(Cents::ZERO),
            },
        );
    }
    let amount = doc.totals.incl_vat;
    if amount > inv.net() {
        return refuse(
            op,
            Reason::CreditExceedsInvoice {
                amount,
                invoice: inv.number,
                left: inv.net(),
            },
        );
    }
    // A full cancellation gives its quantities back to be invoiced again.
    let cancels = cancels && amount == inv.net();
    if cancels {
        for (l, q) in o.lines.iter_mut().zip(&quantities) {
            l.invoiced -= q;
        }
    }
    o.invoices[idx].credits.push(CreditRef {
        number,
        amount_incl_vat: amount,
        quantities,
        cancels,
    });
    doc.cancels = Some((inv.number, inv.date));
    doc.reason = Some(reason.to_string());
    doc.partial = !cancels;
    doc.delivery_date = o.documents_of(DocKind::DeliveryNote).map(|d| d.date).max();
    o.documents.push(doc_ref(&doc));
    let (before, after) = progress(&mut o, ctx.now);
    let verb = if cancels { "annule" } else { "réduit de" };
    let what = if cancels {
        format!("la facture {} ({})", inv.number, inv.amount_incl_vat.fr())
    } else {
        format!("{} la facture {}", amount.fr(), inv.number)
    };
    let surplus = if o.credit_balance() > Cents::ZERO {
        format!(" ; {}", balance_phrase(&o))
    } else {
        String::new()
    };
    let ev = Event::new(Action::CreditNoteIssued, before.label(), after.label())
        .detail(format!("{verb} {what} : {reason}{surplus}"))
        .document(number);
    Ok(Issued {
        order: o,
        document: doc,
        events: vec![ev],
    })
}

/// Quantities to credit: one per order line, not all zero, none beyond what is left
/// to credit on the invoice.
fn check_credit_quantities(
    order: &Order,
    q: &[u32],
    left_qty: &[u32],
    op: Operation,
) -> Result<(), PipelineError> {
    if q.len() != order.lines.len() {
        return refuse(
            op,
            Reason::QuantityCount {
                given: q.len(),
                lines: order.lines.len(),
            },
        );
    }
    if q.iter().all(|x| *x == 0) {
        return refuse(op, Reason::NothingToCredit);
    }
    for (i, (want, left)) in q.iter().zip(left_qty).enumerate() {
        if want > left {
            return refuse(
                op,
                Reason::CreditQuantityTooLarge {
                    line: i + 1,
                    sku: order.lines[i].sku.clone(),
                    requested: *want,
                    left: *left,
                },
            );
        }
    }
    Ok(())
}

/// A reduction of `net` excluding VAT at one of the invoice's rates (`vat`, needed when
/// it has several), as one line that keeps that rate's exemption.
fn reduction_line(
    order: &Order,
    inv: &InvoiceRef,
    net: Cents,
    vat: Option<VatRate>,
    reason: &str,
    op: Operation,
) -> Result<DocLine, PipelineError> {
    if net <= Cents::ZERO {
        return refuse(op, Reason::AmountNotPositive);
    }
    let billed: Vec<&OrderLine> = order
        .lines
        .iter()
        .zip(&inv.quantities)
        .filter(|(_, q)| **q > 0)
        .map(|(l, _)| l)
        .collect();
    let mut rates: Vec<VatRate> = billed.iter().map(|l| l.vat).collect();
    rates.sort();
    rates.dedup();
    let rate = match (vat, rates.as_slice()) {
        (None, [one]) => *one,
        (None, _) => return refuse(op, Reason::CreditVatRateNeeded(inv.number)),
        (Some(v), _) if rates.contains(&v) => v,
        (Some(v), _) => {
            return refuse(
                op,
                Reason::CreditVatRateNotOnInvoice {
                    invoice: inv.number,
                    rate: v.fr(),
                },
            );
        }
    };
    let exemption = billed
        .iter()
        .find(|l| l.vat == rate)
        .and_then(|l| l.exemption.clone());
    let line = DocLine {
        sku: String::new(),
        designation: format!("Réduction sur la facture {} : {reason}", inv.number),
        quantity: 1,
        unit_price: net,
        vat: rate,
        amount: net,
        ordered: 0,
        remaining: 0,
        delivered_before: 0,
        exemption,
    };
    Ok(line)
}

/// Checks a date given for an invoice: not before it, not in the future.
pub(super) fn check_invoice_date(
    inv: &InvoiceRef,
    date: Date,
    op: Operation,
    ctx: &Ctx,
) -> Result<(), PipelineError> {
    if date > ctx.today() {
        return refuse(op, Reason::DateInFuture(date));
    }
    if date < inv.date {
        return refuse(
            op,
            Reason::DateBeforeInvoice {
                date,
                invoice: inv.number,
                invoice_date: inv.date,
            },
        );
    }
    Ok(())
}

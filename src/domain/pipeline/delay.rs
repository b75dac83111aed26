//! The payment delay of an invoice, as the body notifies it (décret n° 2013-269): it
//! received the invoice (the delay starts), it interrupted the delay naming what is
//! missing (R2192-27/28), the missing pieces arrived (R2192-29: the delay goes on). One
//! operation, [`record_delay_notice`], whichever way the notice came: typed by staff in
//! the console or a command, or read from Chorus Pro's statuses. Chorus Pro's own
//! receipt, which replaces a date typed or presumed, is [`chorus_receipt`].

use super::*;

/// What the body notified about an invoice's payment delay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DelayNotice {
    /// The body received the invoice: the delay runs from that day.
    Received,
    /// The body interrupted the delay, naming what is missing.
    Interrupted { reason: String },
    /// The missing pieces reached the body: the delay goes on.
    Resumed,
}

impl DelayNotice {
    fn operation(&self) -> Operation {
        match self {
            DelayNotice::Received => Operation::RecordReceipt,
            DelayNotice::Interrupted { .. } => Operation::Suspend,
            DelayNotice::Resumed => Operation::Resume,
        }
    }

    /// What is said once it is recorded (« délai de paiement interrompu »).
    pub fn done(&self) -> &'static str {
        match self {
            DelayNotice::Received => "réception de la facture enregistrée",
            DelayNotice::Interrupted { .. } => "délai de paiement interrompu",
            DelayNotice::Resumed => "délai de paiement repris",
        }
    }

    /// The invoices of `order` the notice can concern: the one it is taken for when
    /// no number is given and there is only one, those a form offers.
    pub fn candidates(&self, order: &Order) -> Vec<DocNumber> {
        let unpaid = unpaid_numbers(order);
        order
            .invoices
            .iter()
            .filter(|i| self.concerns(i, &unpaid))
            .map(|i| i.number)
            .collect()
    }

    /// Whether the notice can concern `inv` (the invoice is then found without its
    /// number when it is the only one).
    fn concerns(&self, inv: &InvoiceRef, unpaid: &[DocNumber]) -> bool {
        match self {
            DelayNotice::Received => !inv.is_cancelled() && inv.received_on.is_none(),
            DelayNotice::Interrupted { .. } => {
                unpaid.contains(&inv.number) && inv.suspension.is_none()
            }
            DelayNotice::Resumed => inv.suspension.as_ref().is_some_and(|s| s.resumed.is_none()),
        }
    }

    /// Why the notice cannot concern `inv` named by its number (before its date is
    /// looked at).
    fn refusal(&self, inv: &InvoiceRef, unpaid: &[DocNumber]) -> Option<Reason> {
        match self {
            DelayNotice::Received => None,
            DelayNotice::Interrupted { .. } if !unpaid.contains(&inv.number) => {
                Some(Reason::InvoiceSettled(inv.number))
            }
            DelayNotice::Interrupted { .. } => inv
                .suspension
                .is_some()
                .then_some(Reason::AlreadySuspended(inv.number)),
            DelayNotice::Resumed => match &inv.suspension {
                None => Some(Reason::NotSuspended(inv.number)),
                Some(s) if s.resumed.is_some() => Some(Reason::AlreadyResumed(inv.number)),
                Some(_) => None,
            },
        }
    }

    /// Why `date` does not fit this notice on `inv` (besides being an invoice's date).
    fn date_refusal(&self, inv: &InvoiceRef, date: Date) -> Option<Reason> {
        match self {
            DelayNotice::Received => None,
            DelayNotice::Interrupted { .. } => {
                let due = inv.terms().first_due();
                (date > due).then_some(Reason::SuspendedAfterDue { notice: date, due })
            }
            DelayNotice::Resumed => {
                let notice = inv.suspension.as_ref()?.notice;
                (date < notice).then_some(Reason::ResumedBeforeNotice {
                    resumed: date,
                    notice,
                })
            }
        }
    }

    /// Writes the notice on the invoice; returns the event's action and detail.
    fn apply(&self, inv: &mut InvoiceRef, date: Date) -> (Action, String) {
        match self {
            DelayNotice::Received => {
                let was = match inv.received_on.replace(date) {
                    Some(b) => format!(" (au lieu du {})", b.fr()),
                    None => String::new(),
                };
                let detail = format!(
                    "facture reçue par l'organisme le {}{was} ; {}",
                    date.fr(),
                    due_text(inv)
                );
                (Action::InvoiceReceivedByBody, detail)
            }
            DelayNotice::Interrupted { reason } => {
                let due = inv.terms().first_due();
                inv.suspension = Some(crate::domain::interest::Suspension {
                    notice: date,
                    reason: reason.trim().to_string(),
                    resumed: None,
                });
                let detail = format!(
                    "délai interrompu le {} ({} j restants) : {}",
                    date.fr(),
                    due.days_since(date),
                    reason.trim()
                );
                (Action::DelaySuspended, detail)
            }
            DelayNotice::Resumed => {
                if let Some(s) = inv.suspension.as_mut() {
                    s.resumed = Some(date);
                }
                let detail = format!("délai repris le {} ; {}", date.fr(), due_text(inv));
                (Action::DelayResumed, detail)
            }
        }
    }
}

/// Records what the body notified about the payment delay of `invoice` (or of the one
/// invoice it can concern) on `date`.
pub fn record_delay_notice(
    order: &Order,
    invoice: Option<DocNumber>,
    date: Date,
    notice: &DelayNotice,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = notice.operation();
    if let DelayNotice::Interrupted { reason } = notice {
        let reason = reason.trim();
        if reason.is_empty() {
            return refuse(op, Reason::ReasonRequired);
        }
        check_text(op, "le motif", reason)?;
    }
    let unpaid = unpaid_numbers(order);
    let idx = pick_invoice(
        order,
        invoice,
        op,
        |i| notice.concerns(i, &unpaid),
        Reason::NoInvoice,
    )?;
    let inv = &order.invoices[idx];
    if let Some(reason) = notice.refusal(inv, &unpaid) {
        return refuse(op, reason);
    }
    check_invoice_date(inv, date, op, ctx)?;
    if let Some(reason) = notice.date_refusal(inv, date) {
        return refuse(op, reason);
    }
    let mut o = order.clone();
    let (action, detail) = notice.apply(&mut o.invoices[idx], date);
    let ev = Event::new(action, o.stage.label(), o.stage.label())
        .detail(detail)
        .document(o.invoices[idx].number);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The invoice's *mise à disposition* on Chorus Pro: the body's receipt, which starts the
/// payment delay (décret n° 2013-269). It replaces a presumed date and one typed by staff
/// (said in the event, kept in the audit); the same date again changes nothing.
pub fn chorus_receipt(
    order: &Order,
    invoice: DocNumber,
    date: Date,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::RecordReceipt;
    let Some(idx) = order.invoices.iter().position(|i| i.number == invoice) else {
        return refuse(op, Reason::InvoiceNotInOrder(invoice.to_string()));
    };
    let inv = &order.invoices[idx];
    if inv.received_on == Some(date) {
        return Ok(Step {
            order: order.clone(),
            events: Vec::new(),
        });
    }
    check_invoice_date(inv, date, op, ctx)?;
    let mut o = order.clone();
    let before = inv.received_on;
    o.invoices[idx].received_on = Some(date);
    let inv = &o.invoices[idx];
    let was = match before {
        Some(b) => format!(" ; remplace le {} saisi", b.fr()),
        None => " ; remplace la date présumée".to_string(),
    };
    let ev = Event::new(
        Action::InvoiceReceivedByBody,
        o.stage.label(),
        o.stage.label(),
    )
    .detail(format!(
        "mise à disposition sur Chorus Pro le {}{was} ; {}",
        date.fr(),
        due_text(inv)
    ))
    .document(inv.number);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

fn unpaid_numbers(order: &Order) -> Vec<DocNumber> {
    order
        .unpaid_invoices()
        .iter()
        .map(|(i, _)| i.number)
        .collect()
}

pub(super) fn due_text(inv: &InvoiceRef) -> String {
    match inv.due_date() {
        Some(d) => format!("échéance {}", d.fr()),
        None => "délai interrompu".to_string(),
    }
}

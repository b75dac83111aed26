//! From the pre-order to the original purchase order: the copy that reserves, the
//! original and its checklist, the delivery address, the scan, cancellation, and the
//! body's eligibility.

use super::*;

/// The emailed copy arrived: reserve the goods, shipping stays blocked.
pub fn record_pre_order(
    order: &Order,
    customer: &Customer,
    stock: &mut Stock,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::PreOrder;
    check_open_quote(order, op, ctx.today())?;
    if order.stage == Stage::PreOrder {
        return refuse(op, Reason::WrongStage(Stage::PreOrder.label()));
    }
    if customer.eligibility.status == EligibilityStatus::Refused {
        return refuse(
            op,
            Reason::CustomerRefused(customer.eligibility.reason.clone()),
        );
    }
    let mut o = order.clone();
    let (got, missing) = reserve(&mut o, stock);
    o.pre_order = Some(PreOrderInfo {
        emailed_at: ctx.now,
        recorded_by: ctx.actor.to_string(),
    });
    set_stage(&mut o, Stage::PreOrder, ctx.now);
    let ev = Event::new(
        Action::PreOrderRecorded,
        order.stage.label(),
        Stage::PreOrder.label(),
    )
    .detail(reservation_detail(got, missing));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The original purchase order arrived and was verified against the checklist.
pub fn mark_original_received(
    order: &Order,
    customer: &Customer,
    stock: &mut Stock,
    input: &OriginalPoInput,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::ReceiveOriginal;
    check_open_quote(order, op, ctx.today())?;
    if customer.eligibility.status != EligibilityStatus::Approved {
        return refuse(
            op,
            Reason::CustomerNotApproved(customer.eligibility.status.label()),
        );
    }
    let po_number = input.po_number.trim();
    if po_number.is_empty()
        || po_number.chars().count() > PO_NUMBER_MAX
        || po_number.chars().any(char::is_control)
    {
        return refuse(op, Reason::PoNumberInvalid);
    }
    check_text(op, "le numéro de bon de commande", po_number)?;
    // The original names its contract; otherwise the body's market reference applies.
    let contract = input
        .contract
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(customer
            .chorus
            .market_reference
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()));
    if contract
        .is_some_and(|c| c.chars().count() > PO_NUMBER_MAX || c.chars().any(char::is_control))
    {
        return refuse(op, Reason::ContractInvalid);
    }
    if let Some(c) = contract {
        check_text(op, "la référence du marché", c)?;
    }
    let missing = input.checklist.missing();
    if !missing.is_empty() {
        return refuse(op, Reason::ChecklistIncomplete(missing));
    }
    // Chorus Pro routing is checked while it can still be fixed, not at invoicing: a body
    // that requires a service code must have one before its original is recorded.
    let service_code = customer.chorus.service_code.as_deref().map(str::trim);
    if customer.chorus.service_code_required && service_code.unwrap_or("").is_empty() {
        return refuse(op, Reason::MissingServiceCode);
    }
    if input.po_date > order.quote.valid_until {
        return refuse(
            op,
            Reason::PoDateAfterValidity {
                po_date: input.po_date,
                valid_until: order.quote.valid_until,
            },
        );
    }
    if input.po_date > ctx.today() {
        return refuse(op, Reason::PoDateInFuture(input.po_date));
    }
    if input.po_date < order.quote.issued_on {
        return refuse(
            op,
            Reason::PoDateBeforeQuote {
                po_date: input.po_date,
                quote_date: order.quote.issued_on,
            },
        );
    }
    let mut o = order.clone();
    let (got, missing) = reserve(&mut o, stock);
    o.po = Some(OriginalPo {
        po_number: po_number.to_string(),
        po_date: input.po_date,
        received_at: ctx.now,
        checklist: input.checklist,
        verified_by: ctx.actor.to_string(),
        contract: contract.map(str::to_string),
    });
    set_stage(&mut o, Stage::PoReceived, ctx.now);
    let ev = Event::new(
        Action::OriginalReceived,
        order.stage.label(),
        Stage::PoReceived.label(),
    )
    .detail(format!(
        "BC {po_number} du {}, vérifié ; {}",
        input.po_date.fr(),
        reservation_detail(got, missing)
    ));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Checks the order is past the original-PO gate and still alive.
pub(super) fn check_po_gate(order: &Order, op: Operation) -> Result<(), PipelineError> {
    match order.stage {
        Stage::Cancelled | Stage::Refused => refuse(op, Reason::WrongStage(order.stage.label())),
        _ if order.po.is_none() => refuse(op, Reason::OriginalNotReceived),
        _ => Ok(()),
    }
}

pub(super) fn check_closable(order: &Order, op: Operation) -> Result<(), PipelineError> {
    if !order.invoices.is_empty() {
        return refuse(op, Reason::InvoicedUseCreditNote);
    }
    if order.delivered_units() > 0 {
        return refuse(op, Reason::AlreadyDelivered);
    }
    match order.stage {
        Stage::Quote | Stage::PreOrder | Stage::PoReceived => Ok(()),
        other => refuse(op, Reason::WrongStage(other.label())),
    }
}

pub(super) fn close(
    order: &Order,
    stock: &mut Stock,
    stage: Stage,
    reason: &str,
    action: Action,
    ctx: &Ctx,
) -> Step {
    let mut o = order.clone();
    let before = o.stage_on(ctx.today());
    release(&mut o, stock);
    o.closing_reason = Some(reason.to_string());
    set_stage(&mut o, stage, ctx.now);
    let ev = Event::new(action, before.label(), stage.label()).detail(reason.to_string());
    Step {
        order: o,
        events: vec![ev],
    }
}

/// Cancels an order before anything was delivered; reservations are released.
pub fn cancel(
    order: &Order,
    stock: &mut Stock,
    reason: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::Cancel;
    check_closable(order, op)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    Ok(close(
        order,
        stock,
        Stage::Cancelled,
        reason,
        Action::OrderCancelled,
        ctx,
    ))
}

/// Chooses the delivery address and contact among the customer's (numbered from 1), until
/// the first delivery: later documents use them, issued ones never change.
pub fn choose_delivery(
    order: &Order,
    customer: &Customer,
    address: Option<usize>,
    contact: Option<usize>,
) -> Result<Step, PipelineError> {
    let op = Operation::ChooseDelivery;
    if order.delivered_units() > 0 {
        return refuse(op, Reason::AlreadyDelivered);
    }
    if matches!(order.stage, Stage::Cancelled | Stage::Refused) {
        return refuse(op, Reason::WrongStage(order.stage.label()));
    }
    let pick = |what: &'static str, index: usize, count: usize| {
        if index == 0 || index > count {
            refuse(op, Reason::NoSuchChoice { what, index, count })
        } else {
            Ok(index - 1)
        }
    };
    let mut o = order.clone();
    let mut changes = Vec::new();
    if let Some(i) = address {
        let addresses = customer.delivery_choices();
        let i = pick("d'adresse de livraison", i, addresses.len())?;
        o.delivery_address = addresses[i].clone();
        changes.push(format!("livraison : {}", o.delivery_address.one_line()));
    }
    if let Some(i) = contact {
        let i = pick("de contact", i, customer.contacts.len())?;
        o.contact = customer.contacts[i].clone();
        changes.push(format!("contact : {}", o.contact.name));
    }
    if changes.is_empty() {
        return refuse(op, Reason::NothingChosen);
    }
    let before = format!(
        "{} / {}",
        order.delivery_address.one_line(),
        order.contact.name
    );
    let ev = Event::new(Action::DeliveryChosen, before, changes.join(" ; "));
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// The scan of the original purchase order is attached, once.
pub fn attach_po_scan(
    order: &Order,
    scan: crate::domain::order::Attachment,
    pages: usize,
) -> Result<Step, PipelineError> {
    let op = Operation::AttachScan;
    if order.po.is_none() {
        return refuse(op, Reason::OriginalNotReceived);
    }
    if let Some(a) = &order.po_scan {
        return refuse(
            op,
            Reason::ScanAlreadyAttached(a.sha256_hex()[..16].to_string()),
        );
    }
    let mut o = order.clone();
    let detail = format!(
        "scan du bon de commande original joint ({}, {} page(s), {} octets, SHA-256 {})",
        scan.media_type,
        pages,
        scan.size,
        scan.sha256_hex()
    );
    o.po_scan = Some(scan);
    let ev = Event::new(Action::PoScanAttached, o.stage.label(), o.stage.label()).detail(detail);
    Ok(Step {
        order: o,
        events: vec![ev],
    })
}

/// Staff approve or refuse a body for the administrative procedure; a private catégorie
/// can never be approved.
pub fn decide_eligibility(
    customer: &Customer,
    status: EligibilityStatus,
    reason: &str,
    ctx: &Ctx,
) -> Result<(Customer, Event), PipelineError> {
    let op = Operation::DecideEligibility;
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    if status == customer.eligibility.status {
        return refuse(op, Reason::SameEligibility(status.label()));
    }
    if status == EligibilityStatus::Approved
        && legal::classify(&customer.categorie) == LegalClass::Private
    {
        return refuse(
            op,
            Reason::PrivateCannotBeApproved(customer.categorie.clone()),
        );
    }
    let mut c = customer.clone();
    let before = c.eligibility.status.label();
    c.eligibility = Eligibility {
        status,
        decided_by: ctx.actor.to_string(),
        decided_at: ctx.now,
        reason: reason.to_string(),
    };
    let ev =
        Event::new(Action::EligibilityDecided, before, status.label()).detail(reason.to_string());
    Ok((c, ev))
}

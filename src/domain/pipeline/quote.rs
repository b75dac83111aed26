//! Quotes: made (from a web request or by hand), refused, renewed once expired, revised
//! before the original arrives.

use super::*;

/// Creates a new order in the Quote stage and its quote document.
pub fn create_quote(customer: &Customer, q: NewQuote, ctx: &Ctx) -> Result<Issued, PipelineError> {
    let op = Operation::CreateQuote;
    if customer.eligibility.status == EligibilityStatus::Refused {
        return refuse(
            op,
            Reason::CustomerRefused(customer.eligibility.reason.clone()),
        );
    }
    if q.lines.is_empty() {
        return refuse(op, Reason::EmptyQuote);
    }
    if let Some(r) = &q.external_ref {
        check_text(op, "la référence externe", r)?;
    }
    for (i, l) in q.lines.iter().enumerate() {
        if l.quantity == 0 {
            return refuse(op, Reason::ZeroQuantity(i + 1));
        }
        check_text(op, "la référence produit", &l.sku)?;
        check_text(op, "la désignation", &l.designation)?;
        if let Some(g) = &l.exemption {
            check_text(op, "le motif d'exonération", g)?;
        }
        if l.unit_price < Cents::ZERO {
            return refuse(op, Reason::NegativePrice(i + 1));
        }
        let ground = l.exemption.as_deref().map(str::trim).unwrap_or("");
        if l.vat.is_zero() && ground.is_empty() {
            return refuse(
                op,
                Reason::ExemptionGroundMissing {
                    line: i + 1,
                    sku: l.sku.clone(),
                },
            );
        }
    }
    let today = ctx.today();
    let order = Order {
        id: q.id,
        number: q.number,
        customer: customer.id,
        quote: QuoteInfo {
            version: q.version,
            issued_on: today,
            valid_until: today.add_months(1),
            renews: q.renews,
            renewed_by: None,
            external_ref: q.external_ref,
        },
        header_address: customer.header_address.clone(),
        delivery_address: q.delivery_address,
        contact: q.contact,
        lines: q
            .lines
            .iter()
            .map(|l| OrderLine {
                sku: l.sku.clone(),
                designation: l.designation.clone(),
                unit_price: l.unit_price,
                vat: l.vat,
                ordered: l.quantity,
                reserved: 0,
                delivered: 0,
                invoiced: 0,
                exemption: l
                    .exemption
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| l.vat.is_zero() && !g.is_empty())
                    .map(str::to_string),
            })
            .collect(),
        stage: Stage::Quote,
        stage_since: ctx.now,
        pre_order: None,
        po: None,
        documents: Vec::new(),
        invoices: Vec::new(),
        payments: Vec::new(),
        refunds: Vec::new(),
        penalty_settlements: Vec::new(),
        po_scan: None,
        closing_reason: None,
        created_at: ctx.now,
    };
    let lines = order
        .lines
        .iter()
        .map(|l| doc_line(l, l.ordered, l.ordered))
        .collect();
    let mut doc = document(&order, customer, q.number, lines, ctx);
    doc.quote_version = Some(order.quote.version);
    doc.valid_until = Some(order.quote.valid_until);
    doc.renews = order.quote.renews;
    let mut order = order;
    order.documents.push(doc_ref(&doc));
    let detail = match order.quote.renews {
        Some(old) => format!("version {} (renouvelle {old})", order.quote.version),
        None => format!("version {}", order.quote.version),
    };
    let events = vec![
        Event::new(Action::QuoteIssued, "", Stage::Quote.label())
            .detail(format!("{detail}, {}", doc.totals.incl_vat.fr()))
            .document(q.number),
    ];
    Ok(Issued {
        order,
        document: doc,
        events,
    })
}

/// Checks that a quote (or pre-order) is still the live version and not closed.
pub(super) fn check_open_quote(
    order: &Order,
    op: Operation,
    today: Date,
) -> Result<(), PipelineError> {
    if let Some(to) = order.quote.renewed_by {
        return refuse(op, Reason::Renewed(to));
    }
    match order.stage {
        Stage::Quote if today > order.quote.valid_until && op != Operation::ReceiveOriginal => {
            refuse(op, Reason::QuoteExpired(order.quote.valid_until))
        }
        Stage::Quote | Stage::PreOrder => Ok(()),
        Stage::PoReceived | Stage::Delivered | Stage::Invoiced | Stage::Paid => {
            refuse(op, Reason::OriginalAlreadyReceived)
        }
        other => refuse(op, Reason::WrongStage(other.label())),
    }
}

/// The body declined the quote (or cannot use the procedure).
pub fn refuse_quote(
    order: &Order,
    stock: &mut Stock,
    reason: &str,
    ctx: &Ctx,
) -> Result<Step, PipelineError> {
    let op = Operation::RefuseQuote;
    if !matches!(order.stage, Stage::Quote | Stage::PreOrder) {
        return refuse(op, Reason::WrongStage(order.stage.label()));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return refuse(op, Reason::ReasonRequired);
    }
    check_text(op, "le motif", reason)?;
    Ok(close(
        order,
        stock,
        Stage::Refused,
        reason,
        Action::QuoteRefused,
        ctx,
    ))
}

/// Renews an expired quote: a new version, linked both ways, at current catalogue prices.
pub fn renew_quote(
    old: &Order,
    customer: &Customer,
    catalogue: &Stock,
    id: OrderId,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<(Order, Issued), PipelineError> {
    let op = Operation::Renew;
    if let Some(to) = old.quote.renewed_by {
        return refuse(op, Reason::Renewed(to));
    }
    if old.stage != Stage::Quote {
        return refuse(op, Reason::WrongStage(old.stage.label()));
    }
    if ctx.today() <= old.quote.valid_until {
        return refuse(op, Reason::NotExpired(old.quote.valid_until));
    }
    let lines = old
        .lines
        .iter()
        .map(|l| {
            let current = catalogue.get(&l.sku);
            QuoteLine {
                sku: l.sku.clone(),
                designation: current
                    .map(|p| p.designation.clone())
                    .unwrap_or_else(|| l.designation.clone()),
                unit_price: current.map(|p| p.unit_price).unwrap_or(l.unit_price),
                vat: current.map(|p| p.vat).unwrap_or(l.vat),
                quantity: l.ordered,
                exemption: l.exemption.clone(),
            }
        })
        .collect();
    let (old2, mut issued) = next_version(old, customer, lines, id, number, op, ctx)?;
    issued.events.push(
        Event::new(
            Action::QuoteRenewed,
            Stage::Expired.label(),
            Stage::Expired.label(),
        )
        .detail(format!("renouvelé par {number}"))
        .document(old.number),
    );
    Ok((old2, issued))
}

/// The next version of `old` with `lines` (same delivery address and contact), and
/// `old` marked as replaced by it; the caller says why in the old one's event.
fn next_version(
    old: &Order,
    customer: &Customer,
    lines: Vec<QuoteLine>,
    id: OrderId,
    number: DocNumber,
    op: Operation,
    ctx: &Ctx,
) -> Result<(Order, Issued), PipelineError> {
    let new_quote = NewQuote {
        id,
        number,
        version: old.quote.version + 1,
        renews: Some(old.number),
        external_ref: None,
        lines,
        delivery_address: old.delivery_address.clone(),
        contact: old.contact.clone(),
    };
    let issued =
        create_quote(customer, new_quote, ctx).map_err(|e| PipelineError::new(op, e.reason))?;
    let mut old2 = old.clone();
    old2.quote.renewed_by = Some(number);
    Ok((old2, issued))
}

/// Replaces a quote's lines before its original arrives: a new version of the quote (a
/// new number, valid one month from today) with `lines`; the old version is kept, marked
/// as replaced by the new one. A pre-order already reserved stock: it is not revised.
pub fn revise_quote(
    old: &Order,
    customer: &Customer,
    lines: Vec<QuoteLine>,
    id: OrderId,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<(Order, Issued), PipelineError> {
    let op = Operation::Revise;
    if let Some(to) = old.quote.renewed_by {
        return refuse(op, Reason::Renewed(to));
    }
    if old.stage != Stage::Quote {
        return refuse(op, Reason::WrongStage(old.stage.label()));
    }
    let (old2, mut issued) = next_version(old, customer, lines, id, number, op, ctx)?;
    let stage = old.stage_on(ctx.today()).label();
    issued.events.push(
        Event::new(Action::QuoteRenewed, stage, stage)
            .detail(format!("remplacé par {number} (lignes modifiées)"))
            .document(old.number),
    );
    Ok((old2, issued))
}

//! Delivery notes.

use super::*;

/// Ships goods: all remaining quantities by default, or the given per-line quantities.
pub fn issue_delivery_note(
    order: &Order,
    customer: &Customer,
    stock: &mut Stock,
    quantities: Option<&[u32]>,
    number: DocNumber,
    ctx: &Ctx,
) -> Result<Issued, PipelineError> {
    let op = Operation::Deliver;
    check_po_gate(order, op)?;
    let qty: Vec<u32> = match quantities {
        Some(q) if q.len() != order.lines.len() => {
            return refuse(
                op,
                Reason::QuantityCount {
                    given: q.len(),
                    lines: order.lines.len(),
                },
            );
        }
        Some(q) => q.to_vec(),
        None => order.lines.iter().map(OrderLine::to_deliver).collect(),
    };
    if qty.iter().all(|q| *q == 0) {
        return refuse(op, Reason::NothingToDeliver);
    }
    let mut o = order.clone();
    for (i, (l, &q)) in o.lines.iter_mut().zip(&qty).enumerate() {
        if q > l.to_deliver() {
            return refuse(
                op,
                Reason::QuantityTooLarge {
                    line: i + 1,
                    sku: l.sku.clone(),
                    requested: q,
                    remaining: l.to_deliver(),
                },
            );
        }
        if q == 0 {
            continue;
        }
        let from_reserved = q.min(l.reserved);
        if let Some(available) = short_of(l, stock.get(&l.sku), q) {
            return refuse(
                op,
                Reason::InsufficientStock {
                    sku: l.sku.clone(),
                    requested: q,
                    available,
                },
            );
        }
        let Some(p) = stock.get_mut(&l.sku) else {
            continue;
        };
        p.on_hand -= q as i64;
        p.reserved -= from_reserved as i64;
        l.reserved -= from_reserved;
        l.delivered += q;
    }
    // The note shows every line still concerned: shipped now, or still to ship.
    let lines: Vec<DocLine> = o
        .lines
        .iter()
        .zip(&qty)
        .filter(|(l, q)| **q > 0 || l.to_deliver() > 0)
        .map(|(l, &q)| DocLine {
            delivered_before: l.delivered - q,
            ..doc_line(l, q, l.to_deliver())
        })
        .collect();
    let earlier: Vec<(DocNumber, Date)> = o
        .documents_of(DocKind::DeliveryNote)
        .map(|d| (d.number, d.date))
        .collect();
    let (before, after) = progress(&mut o, ctx.now);
    let mut doc = document(&o, customer, number, lines, ctx);
    doc.delivery_notes = earlier;
    o.documents.push(doc_ref(&doc));
    let shipped: u32 = qty.iter().sum();
    let detail = if after == Stage::PoReceived {
        format!("{shipped} unité(s) livrée(s), livraison partielle")
    } else {
        format!("{shipped} unité(s) livrée(s)")
    };
    let ev = Event::new(Action::DeliveryNoteIssued, before.label(), after.label())
        .detail(detail)
        .document(number);
    Ok(Issued {
        order: o,
        document: doc,
        events: vec![ev],
    })
}

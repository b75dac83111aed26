//! Stock held for an order: reservations at pre-order and at the original, shortages.

use super::*;

/// When shipping `q` units of line `l` is more than the warehouse can give (its own
/// reservation, plus what is free beyond every reservation, never more than on hand):
/// what it can ship.
pub(super) fn short_of(l: &OrderLine, p: Option<&Product>, q: u32) -> Option<i64> {
    let from_reserved = q.min(l.reserved);
    let extra = (q - from_reserved) as i64;
    match p {
        None => (q > 0).then_some(0),
        Some(p) if p.available() < extra || p.on_hand < q as i64 => {
            Some(p.available().max(0) + from_reserved as i64)
        }
        Some(_) => None,
    }
}

/// The lines a delivery of `quantities` (one per order line) would be refused for, with
/// what each can ship now — to say so before the delivery is confirmed.
pub fn delivery_shortfalls(
    order: &Order,
    stock: &Stock,
    quantities: &[u32],
) -> Vec<(usize, Shortage)> {
    order
        .lines
        .iter()
        .zip(quantities)
        .enumerate()
        .filter(|(_, (_, q))| **q > 0)
        .filter_map(|(i, (l, q))| {
            short_of(l, stock.get(&l.sku), *q).map(|available| {
                (
                    i,
                    Shortage {
                        sku: l.sku.clone(),
                        designation: l.designation.clone(),
                        wanted: *q,
                        available,
                    },
                )
            })
        })
        .collect()
}

/// What each line would still need to reserve, against what is available.
pub fn shortages(order: &Order, stock: &Stock) -> Vec<Shortage> {
    let mut out = Vec::new();
    for l in &order.lines {
        let wanted = l.ordered - l.delivered - l.reserved;
        if wanted == 0 {
            continue;
        }
        let available = stock.get(&l.sku).map(|p| p.available()).unwrap_or(0).max(0);
        if (wanted as i64) > available {
            out.push(Shortage {
                sku: l.sku.clone(),
                designation: l.designation.clone(),
                wanted,
                available,
            });
        }
    }
    out
}

/// Reserves what is available for every line; returns (reserved now, still missing).
pub(super) fn reserve(order: &mut Order, stock: &mut Stock) -> (u64, u64) {
    let (mut got, mut missing) = (0u64, 0u64);
    for l in &mut order.lines {
        let wanted = l.ordered - l.delivered - l.reserved;
        if wanted == 0 {
            continue;
        }
        let Some(p) = stock.get_mut(&l.sku) else {
            missing += wanted as u64;
            continue;
        };
        let take = (wanted as i64).min(p.available().max(0)) as u32;
        p.reserved += take as i64;
        l.reserved += take;
        got += take as u64;
        missing += (wanted - take) as u64;
    }
    (got, missing)
}

/// Gives back every reservation of the order.
pub(super) fn release(order: &mut Order, stock: &mut Stock) {
    for l in &mut order.lines {
        if let Some(p) = stock.get_mut(&l.sku) {
            p.reserved -= l.reserved as i64;
        }
        l.reserved = 0;
    }
}

pub(super) fn reservation_detail(got: u64, missing: u64) -> String {
    if missing == 0 {
        format!("{got} unité(s) réservée(s)")
    } else {
        format!("{got} unité(s) réservée(s), {missing} en rupture")
    }
}

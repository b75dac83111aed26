//! The compact summary of an order that the board works from: small enough to keep every
//! order in memory, complete enough to show flags without loading the order.

use super::customer::CustomerId;
use super::date::{Date, Timestamp};
use super::document::DocNumber;
use super::money::Cents;
use super::order::{Order, OrderId, RECOVERY_INDEMNITY, Stage, moratory_interest};
use serde::{Deserialize, Serialize};

/// Days before the end of validity from which a quote is flagged.
pub const EXPIRING_SOON_DAYS: i32 = 7;
/// Days a pre-order may wait for its original before it is flagged.
pub const WAITING_ORIGINAL_DAYS: i32 = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCard {
    pub id: OrderId,
    pub number: DocNumber,
    pub customer: CustomerId,
    pub stage: Stage,
    pub stage_since: Timestamp,
    pub valid_until: Date,
    pub renewed: bool,
    pub total_incl_vat: Cents,
    pub outstanding: Cents,
    /// Unpaid part of each live invoice with its due date (payments allocated oldest first).
    pub unpaid_invoices: Vec<(Date, Cents)>,
    pub partial_delivery: bool,
}

/// A warning on a card, readable without colour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flag {
    /// The quote expires in this many days (0 = today).
    ExpiringSoon(i32),
    Expired,
    /// An expired quote that was already renewed as a new version.
    Renewed,
    /// Pre-order waiting for its original for this many days.
    WaitingOriginal(i32),
    /// Invoice(s) overdue: days late of the oldest, unpaid amount, interest + indemnity due.
    Overdue {
        days: i32,
        unpaid: Cents,
        penalty: Cents,
    },
    PartialDelivery,
}

impl Flag {
    /// Short French text with a symbol, so the meaning survives without colour.
    pub fn text(&self) -> String {
        match self {
            Flag::ExpiringSoon(0) => "⏳ expire aujourd'hui".into(),
            Flag::ExpiringSoon(d) => format!("⏳ expire dans {d} j"),
            Flag::Expired => "✗ expiré".into(),
            Flag::Renewed => "↻ renouvelé".into(),
            Flag::WaitingOriginal(d) => format!("✉ attend l'original depuis {d} j"),
            Flag::Overdue { days, penalty, .. } => {
                format!("⚠ retard {days} j, pénalités {}", penalty.fr())
            }
            Flag::PartialDelivery => "◐ livraison partielle".into(),
        }
    }
}

impl OrderCard {
    pub fn from_order(o: &Order) -> OrderCard {
        let unpaid_invoices = o
            .unpaid_invoices()
            .into_iter()
            .map(|(inv, unpaid)| (inv.due_date, unpaid))
            .collect();
        OrderCard {
            id: o.id,
            number: o.number,
            customer: o.customer,
            stage: o.stage,
            stage_since: o.stage_since,
            valid_until: o.quote.valid_until,
            renewed: o.quote.renewed_by.is_some(),
            total_incl_vat: o.totals().incl_vat,
            outstanding: o.outstanding(),
            unpaid_invoices,
            partial_delivery: o.stage == Stage::PoReceived
                && o.lines.iter().any(|l| l.delivered > 0)
                && o.lines.iter().any(|l| l.delivered < l.ordered),
        }
    }

    /// Same rule as [`Order::stage_on`].
    pub fn stage_on(&self, today: Date) -> Stage {
        if self.stage == Stage::Quote && (today > self.valid_until || self.renewed) {
            Stage::Expired
        } else {
            self.stage
        }
    }

    /// The day the order entered the stage it shows on `today`.
    pub fn stage_entered(&self, today: Date) -> Date {
        if self.stage == Stage::Quote && self.stage_on(today) == Stage::Expired && !self.renewed {
            self.valid_until.add_days(1)
        } else {
            self.stage_since.paris_date()
        }
    }

    pub fn days_in_stage(&self, today: Date) -> i32 {
        today.days_since(self.stage_entered(today)).max(0)
    }

    /// Overdue amount, days late of the oldest overdue invoice, and the penalties due.
    pub fn overdue(&self, today: Date, ecb_rate_bp: u32) -> Option<(i32, Cents, Cents)> {
        let mut days = 0;
        let mut unpaid = Cents::ZERO;
        let mut penalty = Cents::ZERO;
        for (due, amount) in &self.unpaid_invoices {
            if today > *due {
                let late = today.days_since(*due);
                days = days.max(late);
                unpaid += *amount;
                penalty += moratory_interest(*amount, late, ecb_rate_bp) + RECOVERY_INDEMNITY;
            }
        }
        (unpaid > Cents::ZERO).then_some((days, unpaid, penalty))
    }

    pub fn flags(&self, today: Date, ecb_rate_bp: u32) -> Vec<Flag> {
        let mut flags = Vec::new();
        match self.stage_on(today) {
            Stage::Quote => {
                let left = self.valid_until.days_since(today);
                if left <= EXPIRING_SOON_DAYS {
                    flags.push(Flag::ExpiringSoon(left));
                }
            }
            Stage::Expired if self.renewed => flags.push(Flag::Renewed),
            Stage::Expired => flags.push(Flag::Expired),
            Stage::PreOrder => {
                let waited = self.days_in_stage(today);
                if waited > WAITING_ORIGINAL_DAYS {
                    flags.push(Flag::WaitingOriginal(waited));
                }
            }
            _ => {}
        }
        if self.partial_delivery {
            flags.push(Flag::PartialDelivery);
        }
        if let Some((days, unpaid, penalty)) = self.overdue(today, ecb_rate_bp) {
            flags.push(Flag::Overdue {
                days,
                unpaid,
                penalty,
            });
        }
        flags
    }
}

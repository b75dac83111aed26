//! The compact summary of an order that the board works from: small enough to keep every
//! order in memory, complete enough to show flags without loading the order.

use super::customer::CustomerId;
use super::date::{Date, Timestamp};
use super::document::DocNumber;
use super::interest::{EcbRates, LateState, PenaltyTotals};
use super::money::Cents;
use super::order::{Order, OrderId, Stage};
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
    /// The late state of each live invoice unpaid or paid late (payments allocated to the
    /// oldest first), enough to reckon interest on any day.
    pub late: Vec<LateState>,
    /// Interest and indemnity received or waived.
    pub penalty_settled: Cents,
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
    /// The principal is paid but interest and indemnity are still owed.
    PenaltiesOwed(Cents),
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
            Flag::PenaltiesOwed(owed) => format!("€ intérêts et indemnité dus {}", owed.fr()),
            Flag::PartialDelivery => "◐ livraison partielle".into(),
        }
    }
}

impl OrderCard {
    pub fn from_order(o: &Order) -> OrderCard {
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
            late: o.late_states(),
            penalty_settled: o.penalty_received() + o.penalty_waived(),
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

    /// Interest and indemnity on `today`, with what was received or waived.
    pub fn penalty_totals(&self, today: Date, rates: &EcbRates) -> PenaltyTotals {
        let mut t = PenaltyTotals {
            received: self.penalty_settled,
            ..PenaltyTotals::default()
        };
        for s in &self.late {
            let p = s.penalty(today, rates);
            t.interest += p.interest;
            t.indemnity += p.indemnity;
        }
        t
    }

    /// Overdue principal: days late of the oldest overdue invoice, the unpaid amount, and
    /// the interest and indemnity still owed.
    pub fn overdue(&self, today: Date, rates: &EcbRates) -> Option<(i32, Cents, Cents)> {
        let mut days = 0;
        let mut unpaid = Cents::ZERO;
        for s in &self.late {
            let p = s.penalty(today, rates);
            days = days.max(p.days_overdue);
            unpaid += p.overdue;
        }
        let owed = self.penalty_totals(today, rates).owed();
        (unpaid > Cents::ZERO).then_some((days, unpaid, owed))
    }

    pub fn flags(&self, today: Date, rates: &EcbRates) -> Vec<Flag> {
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
        if let Some((days, unpaid, penalty)) = self.overdue(today, rates) {
            flags.push(Flag::Overdue {
                days,
                unpaid,
                penalty,
            });
        } else {
            let owed = self.penalty_totals(today, rates).owed();
            if owed > Cents::ZERO {
                flags.push(Flag::PenaltiesOwed(owed));
            }
        }
        flags
    }
}

//! Late payment by a public body: due dates, moratory interest and the recovery indemnity
//! (Code de la commande publique R2192-12 to R2192-36, D2192-35).
//!
//! - The delay runs from the body's *receipt* of the invoice; when the receipt date is not
//!   known, the invoice date + 2 days counts.
//! - The body may interrupt the delay once; when the missing pieces arrive a new delay of
//!   30 days, or the balance left at the interruption if longer, starts.
//! - Interest runs from the day after the due date up to the day of payment included, on
//!   each amount for the days *that amount* was late, simple interest on a 365-day year, at
//!   the ECB main refinancing rate in force on the first day of the calendar half-year in
//!   which interest started to run, plus 8 points.
//! - A flat €40 indemnity is owed per invoice paid late.
//!
//! Interest is computed in "cent-days" (amount in cents × days late), summed exactly in
//! integers, and rounded once per invoice.

use super::date::Date;
use super::document::DocNumber;
use super::money::{Cents, round_div};
use serde::{Deserialize, Serialize};

/// The flat recovery indemnity owed for each invoice paid late (D2192-35).
pub const RECOVERY_INDEMNITY: Cents = Cents(4000);
/// Points added to the ECB rate (R2192-31), in basis points.
pub const PENALTY_POINTS_BP: u32 = 800;
/// Days granted when the delay resumes after an interruption (R2192-29).
pub const RESUMED_DELAY_DAYS: i32 = 30;
/// Days after the invoice date at which receipt is presumed when it is not recorded.
pub const PRESUMED_RECEIPT_DAYS: i32 = 2;

/// The ECB main refinancing rate by date of change, in basis points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcbRates(Vec<(Date, u32)>);

/// Main refinancing operations rate changes since 2016 (ECB press releases), in basis
/// points. A shop updates them in `[payments] ecb_rates` of its config.
const BUILTIN_RATES: &[((i32, u32, u32), u32)] = &[
    ((2016, 3, 16), 0),
    ((2022, 7, 27), 50),
    ((2022, 9, 14), 125),
    ((2022, 11, 2), 200),
    ((2022, 12, 21), 250),
    ((2023, 2, 8), 300),
    ((2023, 3, 22), 350),
    ((2023, 5, 10), 375),
    ((2023, 6, 21), 400),
    ((2023, 8, 2), 425),
    ((2023, 9, 20), 450),
    ((2024, 6, 12), 425),
    ((2024, 9, 18), 365),
    ((2024, 10, 23), 340),
    ((2024, 12, 18), 315),
    ((2025, 2, 5), 290),
    ((2025, 3, 12), 265),
    ((2025, 4, 23), 240),
    ((2025, 6, 11), 215),
];

impl Default for EcbRates {
    fn default() -> Self {
        EcbRates(
            BUILTIN_RATES
                .iter()
                .filter_map(|((y, m, d), bp)| Some((Date::from_ymd(*y, *m, *d)?, *bp)))
                .collect(),
        )
    }
}

impl EcbRates {
    /// One rate for every date.
    pub fn flat(bp: u32) -> EcbRates {
        EcbRates(vec![(Date::from_days(i32::MIN / 2), bp)])
    }

    /// Rates by date of change; dates must be distinct.
    pub fn new(mut changes: Vec<(Date, u32)>) -> Result<EcbRates, String> {
        if changes.is_empty() {
            return Err("la liste des taux BCE est vide".into());
        }
        changes.sort();
        if let Some(w) = changes.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!("deux taux BCE à la même date : {}", w[0].0.fr()));
        }
        Ok(EcbRates(changes))
    }

    pub fn changes(&self) -> &[(Date, u32)] {
        &self.0
    }

    /// The rate in force on `day` (0 before the first known change).
    pub fn in_force_on(&self, day: Date) -> u32 {
        match self.0.partition_point(|(d, _)| *d <= day) {
            0 => 0,
            i => self.0[i - 1].1,
        }
    }

    /// The moratory rate (ECB + 8 points) for interest that started to run on `start`:
    /// the ECB rate of the first day of that calendar half-year.
    pub fn penalty_rate_bp(&self, start: Date) -> u32 {
        self.in_force_on(half_year_start(start)) + PENALTY_POINTS_BP
    }
}

/// 1 January or 1 July of the half-year that contains `day`.
pub fn half_year_start(day: Date) -> Date {
    let (y, m, _) = day.ymd();
    Date::from_ymd(y, if m <= 6 { 1 } else { 7 }, 1).unwrap_or(day)
}

/// `10,15 %` from basis points.
pub fn rate_fr(bp: u32) -> String {
    if bp.is_multiple_of(100) {
        format!("{} %", bp / 100)
    } else if bp.is_multiple_of(10) {
        format!("{},{} %", bp / 100, (bp % 100) / 10)
    } else {
        format!("{},{:02} %", bp / 100, bp % 100)
    }
}

/// Interest on `cent_days` (Σ amount in cents × days late) at `rate_bp`, rounded to the cent.
pub fn interest_of(cent_days: i128, rate_bp: u32) -> Cents {
    Cents(round_div(cent_days * rate_bp as i128, 10_000 * 365))
}

/// The body interrupted the delay (R2192-27/28), and maybe sent the missing pieces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub notice: Date,
    pub reason: String,
    pub resumed: Option<Date>,
}

/// How the due date of an invoice is reckoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueTerms {
    pub invoice_date: Date,
    pub delay_days: u32,
    pub received_on: Option<Date>,
    pub suspension: Option<Suspension>,
}

impl DueTerms {
    /// The receipt date: recorded, or the invoice date + 2 days.
    pub fn receipt(&self) -> Date {
        self.received_on
            .unwrap_or(self.invoice_date.add_days(PRESUMED_RECEIPT_DAYS))
    }

    /// Receipt + delay, before any interruption.
    pub fn first_due(&self) -> Date {
        self.receipt().add_days(self.delay_days as i32)
    }

    /// The due date; `None` while the delay is interrupted.
    pub fn due(&self) -> Option<Date> {
        let first = self.first_due();
        match &self.suspension {
            None => Some(first),
            Some(Suspension { resumed: None, .. }) => None,
            Some(Suspension {
                notice,
                resumed: Some(resumed),
                ..
            }) => {
                let balance = first.days_since(*notice).max(0);
                Some(resumed.add_days(balance.max(RESUMED_DELAY_DAYS)))
            }
        }
    }
}

/// An amount that was late for some days: paid late, or still unpaid on the day reckoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatePeriod {
    pub amount: Cents,
    /// First day of interest (the day after the due date) and last day (payment day or today).
    pub from: Date,
    pub to: Date,
    pub days: i32,
    /// `true` for an amount still unpaid: its interest keeps running.
    pub running: bool,
}

impl LatePeriod {
    pub fn cent_days(&self) -> i128 {
        self.amount.0 as i128 * self.days as i128
    }
}

/// The compact late state of one invoice, enough to reckon its penalties on any later day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateState {
    pub invoice: DocNumber,
    pub due: Option<Date>,
    /// Principal still unpaid.
    pub unpaid: Cents,
    /// Σ amount × days for the parts already paid late (fixed).
    pub paid_late_cent_days: i64,
    /// Some part was paid after the due date.
    pub paid_late: bool,
}

/// What one invoice owes for lateness on a given day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Penalty {
    pub invoice: DocNumber,
    pub due: Option<Date>,
    pub rate_bp: u32,
    pub interest: Cents,
    pub indemnity: Cents,
    /// Days late of the principal still unpaid (0 when none is overdue).
    pub days_overdue: i32,
    pub overdue: Cents,
}

impl LateState {
    /// Penalties on `today` (interest up to `today` included on what is still unpaid).
    pub fn penalty(&self, today: Date, rates: &EcbRates) -> Penalty {
        let (rate_bp, days_overdue, open) = match self.due {
            Some(due) => {
                let late = today.days_since(due).max(0);
                let open = if self.unpaid > Cents::ZERO { late } else { 0 };
                (rates.penalty_rate_bp(due.add_days(1)), open, open)
            }
            None => (0, 0, 0),
        };
        let cent_days = self.paid_late_cent_days as i128 + self.unpaid.0 as i128 * open as i128;
        let late = self.paid_late || days_overdue > 0;
        Penalty {
            invoice: self.invoice,
            due: self.due,
            rate_bp,
            interest: interest_of(cent_days, rate_bp),
            indemnity: if late {
                RECOVERY_INDEMNITY
            } else {
                Cents::ZERO
            },
            days_overdue,
            overdue: if days_overdue > 0 {
                self.unpaid
            } else {
                Cents::ZERO
            },
        }
    }
}

/// Interest and indemnity received from the body, or waived by an admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettlementKind {
    Received { date: Date, reference: String },
    Waived { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltySettlement {
    pub kind: SettlementKind,
    pub amount: Cents,
    pub recorded_by: String,
    pub recorded_at: super::date::Timestamp,
}

impl PenaltySettlement {
    /// The day it counts from: the payment's date, or the day a waiver was recorded.
    pub fn date(&self) -> Date {
        match &self.kind {
            SettlementKind::Received { date, .. } => *date,
            SettlementKind::Waived { .. } => self.recorded_at.paris_date(),
        }
    }
}

/// The penalties of an order on a given day.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PenaltyTotals {
    pub interest: Cents,
    pub indemnity: Cents,
    pub received: Cents,
    pub waived: Cents,
}

impl PenaltyTotals {
    /// What the body still owes for lateness (never negative).
    pub fn owed(&self) -> Cents {
        (self.interest + self.indemnity - self.received - self.waived).max(Cents::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse_iso(s).unwrap()
    }

    #[test]
    fn rate_is_the_one_of_the_half_year_start() {
        let r = EcbRates::default();
        // 2025-06-11 cut to 2.15 %: interest starting in June 2025 uses 1 January's 3.15 %.
        assert_eq!(r.in_force_on(d("2025-01-01")), 315);
        assert_eq!(r.penalty_rate_bp(d("2025-06-20")), 315 + 800);
        assert_eq!(r.penalty_rate_bp(d("2025-07-01")), 215 + 800);
        assert_eq!(r.penalty_rate_bp(d("2026-12-31")), 215 + 800);
        assert_eq!(r.in_force_on(d("2010-01-01")), 0);
        assert_eq!(EcbRates::flat(200).penalty_rate_bp(d("1999-05-05")), 1000);
        assert!(EcbRates::new(vec![(d("2025-01-01"), 1), (d("2025-01-01"), 2)]).is_err());
    }

    #[test]
    fn rates_print_the_french_way() {
        assert_eq!(rate_fr(1015), "10,15 %");
        assert_eq!(rate_fr(1050), "10,5 %");
        assert_eq!(rate_fr(1000), "10 %");
        assert_eq!(rate_fr(805), "8,05 %");
    }

    #[test]
    fn due_date_runs_from_receipt_and_interruptions() {
        let mut t = DueTerms {
            invoice_date: d("2026-03-02"),
            delay_days: 30,
            received_on: None,
            suspension: None,
        };
        assert_eq!(t.due(), Some(d("2026-04-03")), "invoice + 2 + 30");
        t.received_on = Some(d("2026-03-10"));
        assert_eq!(t.due(), Some(d("2026-04-09")));
        // Interrupted on 20 March with 20 days left: suspended, then 30 days from resumption.
        t.suspension = Some(Suspension {
            notice: d("2026-03-20"),
            reason: "PV de réception manquant".into(),
            resumed: None,
        });
        assert_eq!(t.due(), None);
        t.suspension.as_mut().unwrap().resumed = Some(d("2026-04-01"));
        assert_eq!(t.due(), Some(d("2026-05-01")));
        // A longer balance is kept (50-day hospital delay interrupted early).
        t.delay_days = 50;
        t.suspension.as_mut().unwrap().notice = d("2026-03-11");
        assert_eq!(t.due(), Some(d("2026-05-20")), "balance 49 days > 30");
    }

    #[test]
    fn interest_is_ecb_plus_eight_on_a_365_day_year() {
        // 10 000 € late by 73 days at 2 % + 8 = 10 %: 10 000 × 10 % × 73/365 = 200 €.
        assert_eq!(interest_of(1_000_000 * 73, 1000), Cents(20_000));
        let s = LateState {
            invoice: DocNumber::parse("FA-2026-00001").unwrap(),
            due: Some(d("2026-01-31")),
            unpaid: Cents(1_000_000),
            paid_late_cent_days: 0,
            paid_late: false,
        };
        let r = EcbRates::flat(200);
        let on_time = s.penalty(d("2026-01-31"), &r);
        assert_eq!(
            (on_time.interest, on_time.indemnity),
            (Cents::ZERO, Cents::ZERO)
        );
        let late = s.penalty(d("2026-04-14"), &r);
        assert_eq!(late.days_overdue, 73);
        assert_eq!(late.interest, Cents(20_000));
        assert_eq!(late.indemnity, RECOVERY_INDEMNITY);
    }
}

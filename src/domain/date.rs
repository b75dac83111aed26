//! Calendar dates and instants without a clock.
//!
//! The domain never reads the clock: callers pass `Timestamp`s in. Dates on documents are
//! French civil dates (Europe/Paris), so an invoice issued at 00:30 on 1 January in Paris
//! belongs to the new year even though it is still 31 December in UTC.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A civil date, stored as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date(i32);

/// An instant, in seconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days in a month of a year.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

impl Date {
    /// Builds a date, or `None` when the day does not exist.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1..=9999).contains(&y) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
        Some(Date(era * 146097 + doe - 719468))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    pub fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// (year, month 1..=12, day 1..=31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Signed number of days from `other` to `self`.
    pub fn days_since(self, other: Date) -> i32 {
        self.0 - other.0
    }

    /// Adds calendar months; a day that does not exist in the target month is clamped to
    /// its last day (31 January + 1 month = 28 or 29 February), as French practice reads
    /// "valable un mois".
    pub fn add_months(self, n: i32) -> Date {
        let (y, m, d) = self.ymd();
        let total = y * 12 + (m as i32 - 1) + n;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
        let nd = d.min(days_in_month(ny, nm));
        Date::from_ymd(ny, nm, nd).unwrap_or(self)
    }

    /// Parses `YYYY-MM-DD`, the format of commands and JSON.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut it = s.splitn(3, '-');
        let y = it.next()?;
        let m = it.next()?;
        let d = it.next()?;
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// A date as staff type it: `27/11/2026`, `27/11/26`, `27.11.2026` or `2026-11-27`.
    pub fn parse_fr(s: &str) -> Option<Date> {
        let s = s.trim();
        if let Some(d) = Date::parse_iso(s) {
            return Some(d);
        }
        let parts: Vec<&str> = s.split(['/', '.', '-']).collect();
        if parts.len() != 3 {
            return None;
        }
        let d: u32 = parts[0].parse().ok()?;
        let m: u32 = parts[1].parse().ok()?;
        let mut y: i32 = parts[2].parse().ok()?;
        if parts[2].len() == 2 {
            y += 2000;
        }
        Date::from_ymd(y, m, d)
    }

    /// `27/11/2026`, the French short form used in the console.
    pub fn fr(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{d:02}/{m:02}/{y:04}")
    }

    /// `27 novembre 2026`, the long form used on documents.
    pub fn fr_long(self) -> String {
        let (y, m, d) = self.ymd();
        let day = if d == 1 {
            "1er".to_string()
        } else {
            d.to_string()
        };
        format!("{day} {} {y}", MONTHS_FR[(m - 1) as usize])
    }

    /// `20261127`, the CII date format 102.
    pub fn compact(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}{m:02}{d:02}")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Last Sunday of a month, as a date.
fn last_sunday(y: i32, m: u32) -> Date {
    let last = Date::from_ymd(y, m, days_in_month(y, m)).unwrap_or(Date(0));
    // 1970-01-01 was a Thursday: weekday 0 = Monday.
    let weekday = (last.0 + 3).rem_euclid(7);
    last.add_days(-((weekday + 1) % 7))
}

impl Timestamp {
    pub fn from_date_utc(d: Date, secs_in_day: i64) -> Timestamp {
        Timestamp(d.0 as i64 * 86_400 + secs_in_day)
    }

    /// Offset of Europe/Paris from UTC at this instant, in seconds (CET +1h, CEST +2h from
    /// the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC).
    pub fn paris_offset(self) -> i64 {
        let utc_date = Date(self.0.div_euclid(86_400) as i32);
        let y = utc_date.year();
        let start = Timestamp::from_date_utc(last_sunday(y, 3), 3600).0;
        let end = Timestamp::from_date_utc(last_sunday(y, 10), 3600).0;
        if self.0 >= start && self.0 < end {
            7200
        } else {
            3600
        }
    }

    /// The civil date in Paris.
    pub fn paris_date(self) -> Date {
        Date((self.0 + self.paris_offset()).div_euclid(86_400) as i32)
    }

    /// `27/11/2026 14:03` in Paris time.
    pub fn fr(self) -> String {
        let local = self.0 + self.paris_offset();
        let secs = local.rem_euclid(86_400);
        format!(
            "{} {:02}:{:02}",
            self.paris_date().fr(),
            secs / 3600,
            (secs % 3600) / 60
        )
    }

    /// `2026-11-27T13:03:22Z`, for logs and JSON.
    pub fn iso_utc(self) -> String {
        let d = Date(self.0.div_euclid(86_400) as i32);
        let secs = self.0.rem_euclid(86_400);
        format!(
            "{d}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            (secs % 3600) / 60,
            secs % 60
        )
    }

    pub fn add_secs(self, s: i64) -> Timestamp {
        Timestamp(self.0 + s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_dates() {
        assert_eq!(Date::parse_fr("27/11/2026"), Date::parse_iso("2026-11-27"));
        assert_eq!(Date::parse_fr("5/3/26"), Date::parse_iso("2026-03-05"));
        assert_eq!(Date::parse_fr("2026-03-05"), Date::parse_iso("2026-03-05"));
        assert_eq!(Date::parse_fr("31/02/2026"), None);
        assert_eq!(Date::parse_fr("hier"), None);
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-719_000..2_900_000).step_by(37) {
            let d = Date(days);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(d), "{days}");
        }
        assert_eq!(Date::from_ymd(1970, 1, 1), Some(Date(0)));
        assert_eq!(
            Date::from_ymd(2026, 11, 27).unwrap().to_string(),
            "2026-11-27"
        );
    }

    #[test]
    fn invalid_dates_are_rejected() {
        assert_eq!(Date::from_ymd(2026, 2, 29), None);
        assert!(Date::from_ymd(2024, 2, 29).is_some());
        assert_eq!(Date::from_ymd(2026, 13, 1), None);
        assert_eq!(Date::parse_iso("2026-11-31"), None);
        assert_eq!(Date::parse_iso("27/11/2026"), None);
        assert_eq!(Date::parse_iso("2026-1-5"), None);
    }

    #[test]
    fn one_calendar_month_of_validity() {
        let d = |s| Date::parse_iso(s).unwrap();
        assert_eq!(d("2026-01-15").add_months(1), d("2026-02-15"));
        assert_eq!(d("2026-01-31").add_months(1), d("2026-02-28"));
        assert_eq!(d("2028-01-31").add_months(1), d("2028-02-29"));
        assert_eq!(d("2026-12-10").add_months(1), d("2027-01-10"));
        assert_eq!(d("2026-03-31").add_months(1), d("2026-04-30"));
    }

    #[test]
    fn french_formats() {
        let d = Date::parse_iso("2026-08-01").unwrap();
        assert_eq!(d.fr(), "01/08/2026");
        assert_eq!(d.fr_long(), "1er août 2026");
        assert_eq!(d.compact(), "20260801");
    }

    #[test]
    fn paris_time_decides_the_date() {
        // 31 Dec 2026 23:30 UTC is 1 Jan 2027 00:30 in Paris (winter, +1h).
        let t = Timestamp::from_date_utc(Date::parse_iso("2026-12-31").unwrap(), 23 * 3600 + 1800);
        assert_eq!(t.paris_date().to_string(), "2027-01-01");
        assert_eq!(t.fr(), "01/01/2027 00:30");
        // Summer time: 2026-07-14 22:30 UTC is 15 July 00:30 in Paris.
        let t = Timestamp::from_date_utc(Date::parse_iso("2026-07-14").unwrap(), 22 * 3600 + 1800);
        assert_eq!(t.paris_date().to_string(), "2026-07-15");
        // DST starts 2026-03-29 at 01:00 UTC.
        let before = Timestamp::from_date_utc(Date::parse_iso("2026-03-29").unwrap(), 3599);
        assert_eq!(before.paris_offset(), 3600);
        assert_eq!(before.add_secs(1).paris_offset(), 7200);
        // DST ends 2026-10-25 at 01:00 UTC.
        let end = Timestamp::from_date_utc(Date::parse_iso("2026-10-25").unwrap(), 3600);
        assert_eq!(end.add_secs(-1).paris_offset(), 7200);
        assert_eq!(end.paris_offset(), 3600);
        assert_eq!(end.iso_utc(), "2026-10-25T01:00:00Z");
    }
}

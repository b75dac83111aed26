//! The FEC as an auditor reads it: two years, a closed year that does not move.

use super::*;

/// An independent reader of a FEC file (LPF art. A47 A-1), written apart from the
/// exporter: it knows only the published format.
mod fec_reader {
    use std::collections::{BTreeMap, HashMap};

    pub struct Line {
        pub journal: String,
        pub num: String,
        pub date: String,
        pub account: String,
        pub account_label: String,
        pub aux: String,
        pub debit: i64,
        pub credit: i64,
        pub letter: String,
        pub date_let: String,
    }

    fn cents(s: &str) -> i64 {
        let (units, dec) = s.split_once(',').expect("a decimal comma");
        assert_eq!(dec.len(), 2, "{s}");
        let v = units.trim_start_matches('-').parse::<i64>().unwrap() * 100
            + dec.parse::<i64>().unwrap();
        if units.starts_with('-') { -v } else { v }
    }

    /// Reads the file and checks what every FEC must satisfy: 18 fields, dates in the
    /// year, entries numbered per journal in date order, each balanced, one label per
    /// account, every lettered group balanced and lettered within the year.
    pub fn read(text: &str, year: i32) -> Vec<Line> {
        let mut rows = text.lines();
        let header: Vec<&str> = rows.next().unwrap().split('\t').collect();
        assert_eq!(header.len(), 18);
        assert_eq!(header[0], "JournalCode");
        let mut out = Vec::new();
        for r in rows {
            let f: Vec<&str> = r.split('\t').collect();
            assert_eq!(f.len(), 18, "{r}");
            assert!(
                f[3].starts_with(&year.to_string()),
                "entry outside {year}: {r}"
            );
            out.push(Line {
                journal: f[0].into(),
                num: f[2].into(),
                date: f[3].into(),
                account: f[4].into(),
                account_label: f[5].into(),
                aux: f[6].into(),
                debit: cents(f[11]),
                credit: cents(f[12]),
                letter: f[13].into(),
                date_let: f[14].into(),
            });
        }
        // Per journal: numbers follow one another and dates never go back.
        let mut last: HashMap<&str, (u64, &str)> = HashMap::new();
        for l in &out {
            let n: u64 = l.num[l.journal.len()..].parse().unwrap();
            let prev = last.get(l.journal.as_str()).copied().unwrap_or((0, ""));
            assert!(
                n == prev.0 || n == prev.0 + 1,
                "{}: {} follows {}",
                l.journal,
                l.num,
                prev.0
            );
            assert!(
                l.date.as_str() >= prev.1,
                "{}: {} dated {} after {}",
                l.journal,
                l.num,
                l.date,
                prev.1
            );
            last.insert(&l.journal, (n, &l.date));
        }
        let mut entries: BTreeMap<&str, i64> = BTreeMap::new();
        let mut labels: HashMap<&str, &str> = HashMap::new();
        let mut groups: HashMap<&str, i64> = HashMap::new();
        for l in &out {
            *entries.entry(&l.num).or_default() += l.debit - l.credit;
            let label = labels.entry(&l.account).or_insert(&l.account_label);
            assert_eq!(
                *label, l.account_label,
                "account {} has two labels",
                l.account
            );
            if !l.letter.is_empty() {
                assert!(
                    l.date_let.starts_with(&year.to_string()),
                    "lettered outside {year}"
                );
                *groups.entry(&l.letter).or_default() += l.debit - l.credit;
            } else {
                assert!(l.date_let.is_empty());
            }
        }
        assert!(
            entries.values().all(|b| *b == 0),
            "an entry does not balance"
        );
        assert!(
            groups.values().all(|b| *b == 0),
            "a lettered group does not balance"
        );
        out
    }

    /// Each body's balance on 411 (auxiliary account) over the given lines.
    pub fn balances<'a>(lines: impl Iterator<Item = &'a Line>) -> BTreeMap<String, i64> {
        let mut out: BTreeMap<String, i64> = BTreeMap::new();
        for l in lines.filter(|l| l.account.starts_with("411")) {
            *out.entry(l.aux.clone()).or_default() += l.debit - l.credit;
        }
        out.retain(|_, v| *v != 0);
        out
    }
}

/// The FEC of two seeded years read by the independent reader: date order per journal,
/// balanced entries and letter groups, one label per account (707 per VAT rate), the
/// second year opening with the first year's closing balance of every body, and a closed
/// year unchanged by payments and credit notes recorded after it.
#[test]
fn fec_of_two_years_as_an_auditor_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let seed = comptoir(&[
        "seed",
        "--customers",
        "80",
        "--orders",
        "700",
        "--today",
        "2026-11-27",
        "--documents",
        "records",
        "--data",
        data,
    ]);
    assert!(seed.status.success(), "{}", stderr(&seed));
    let clock = Arc::new(FixedClock::new(noon("2026-11-27")));
    let store = Store::open(dir.path()).unwrap();
    let app = App::new(store, Settings::default(), clock, Arc::new(StubRenderer)).unwrap();
    let y2025 = app.export_fec(2025).unwrap();
    let y2026 = app.export_fec(2026).unwrap();
    let first = fec_reader::read(&y2025.text, 2025);
    let second = fec_reader::read(&y2026.text, 2026);
    assert!(
        first.len() > 500 && second.len() > 500,
        "{} {}",
        first.len(),
        second.len()
    );
    // Sales at 20 % go to their own account (one label per account is checked above).
    assert!(
        second
            .iter()
            .any(|l| l.account == "707200" && l.account_label == "Ventes de marchandises TVA 20 %")
    );
    // The opening journal of 2026 is the closing balance of 2025, body by body.
    let closing = fec_reader::balances(first.iter());
    let opening = fec_reader::balances(second.iter().filter(|l| l.journal == "AN"));
    assert!(!closing.is_empty());
    assert_eq!(closing, opening);
    assert!(
        second
            .iter()
            .filter(|l| l.journal == "AN")
            .all(|l| l.date == "20260101")
    );
    // 2025's invoices paid in 2026 are lettered in 2026, against their opening line.
    assert!(
        second
            .iter()
            .any(|l| l.journal == "AN" && !l.letter.is_empty())
    );
}

/// A closed year does not move: an invoice of December 2025 left open at year end is
/// unlettered in 2025's file, opens 2026, and is lettered in 2026 when paid; payments and
/// credit notes recorded in 2026 leave 2025's file byte for byte as it was.
#[test]
fn a_closed_year_does_not_move() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(noon("2025-12-01")));
    let app = app_in(dir.path(), clock.clone());
    let mut numbers = Vec::new();
    for (i, body) in [0usize, 1].into_iter().enumerate() {
        let req =
            parse_quote_request(&quote_json(body, 900 + i as u32, &[(0, 2), (1, 1)])).unwrap();
        let n = app
            .import_quote(&Actor::import(), &req)
            .unwrap()
            .number
            .to_string();
        app.adjust_stock(&staff(), "ENC-ACT-8", 2, "r").unwrap();
        app.adjust_stock(&staff(), "MIC-DYN-58", 1, "r").unwrap();
        let input = OriginalPoInput {
            contract: None,
            po_number: format!("ENG-{i}"),
            po_date: Date::parse_iso("2025-12-01").unwrap(),
            checklist: Checklist::ALL_TICKED,
        };
        app.mark_original_received(&staff(), &n, &input).unwrap();
        app.issue_delivery_note(&staff(), &n, None).unwrap();
        numbers.push(n);
    }
    clock.set(noon("2025-12-10"));
    let mut invoices = Vec::new();
    for n in &numbers {
        invoices.push(app.issue_invoice(&staff(), n).unwrap());
    }
    // The first is half paid in 2025, the second not at all.
    let half = comptoir::domain::Cents(invoices[0].totals.incl_vat.0 / 2);
    clock.set(noon("2025-12-20"));
    app.record_payment(&staff(), &numbers[0], app.today(), half, "MANDAT-2025-1")
        .unwrap();
    clock.set(noon("2026-01-15"));
    let closed = app.export_fec(2025).unwrap();
    let lines = fec_reader::read(&closed.text, 2025);
    assert!(
        lines.iter().all(|l| l.letter.is_empty()),
        "nothing settled in 2025"
    );

    // 2026: the rest of the first paid, the second reduced by a credit note then paid.
    let rest = invoices[0].totals.incl_vat - half;
    app.record_payment(&staff(), &numbers[0], app.today(), rest, "MANDAT-2026-1")
        .unwrap();
    let credit = app
        .issue_credit_note(
            &staff(),
            &numbers[1],
            None,
            &comptoir::domain::pipeline::CreditScope::Amount {
                net: comptoir::domain::Cents(1_000),
                vat: None,
            },
            "geste",
        )
        .unwrap();
    let owed = invoices[1].totals.incl_vat - credit.totals.incl_vat;
    clock.set(noon("2026-02-03"));
    app.record_payment(&staff(), &numbers[1], app.today(), owed, "MANDAT-2026-2")
        .unwrap();
    assert_eq!(app.export_fec(2025).unwrap(), closed, "2025 moved");

    let next = app.export_fec(2026).unwrap();
    let lines = fec_reader::read(&next.text, 2026);
    let opening: Vec<&fec_reader::Line> = lines.iter().filter(|l| l.journal == "AN").collect();
    let open_411: i64 = opening
        .iter()
        .filter(|l| l.account.starts_with("411"))
        .map(|l| l.debit - l.credit)
        .sum();
    assert_eq!(
        open_411,
        (invoices[0].totals.incl_vat - half + invoices[1].totals.incl_vat).0
    );
    assert!(opening.iter().any(|l| l.account == "890000"));
    // Both invoices are settled in 2026: every 411 line of the file is lettered, in 2026.
    assert!(
        lines
            .iter()
            .filter(|l| l.account.starts_with("411"))
            .all(|l| !l.letter.is_empty() && l.date_let.starts_with("2026")),
        "{}",
        next.text
    );
    // The file is in date order with the opening first.
    assert_eq!(lines[0].journal, "AN");
}

//! Use cases on a real redb file in a temporary folder.

use super::import::parse_quote_request;
use super::*;
use crate::documents::{PdfRenderer, RenderError};
use crate::domain::pipeline::OriginalPoInput;
use crate::domain::{Checklist, Date, DocKind, EligibilityStatus, FileFormat, Stage};
use crate::store::check;

pub(crate) const SAMPLE: &str = include_str!("../../tests/fixtures/quote.json");

pub(crate) fn noon(day: &str) -> Timestamp {
    Timestamp::from_date_utc(Date::parse_iso(day).unwrap(), 11 * 3600)
}

pub(crate) struct Fixture {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub _dir: tempfile::TempDir,
}

pub(crate) fn fixture_with(renderer: Arc<dyn Renderer>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // The demo shop's identity: a demonstration store (see identity_is_required_…).
    store.mark_demo().unwrap();
    let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
    let app = App::new(store, Settings::default(), clock.clone(), renderer).unwrap();
    Fixture {
        app,
        clock,
        _dir: dir,
    }
}

pub(crate) fn fixture() -> Fixture {
    fixture_with(Arc::new(PdfRenderer))
}

/// The day seeded stores end on: 27 November 2026.
pub(crate) fn seed_day() -> Date {
    Date::parse_iso("2026-11-27").unwrap()
}

/// A store in a temporary folder seeded (records only, no PDF) with `customers` bodies
/// and `orders` orders up to [`seed_day`].
pub(crate) fn seeded_store(customers: u64, orders: u64, seed: u64) -> (tempfile::TempDir, Store) {
    use crate::app::seed::{DocumentMode, SeedOptions};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let opts = SeedOptions {
        customers,
        orders,
        seed,
        today: seed_day(),
        documents: DocumentMode::Records,
    };
    seed::seed(
        &store,
        &PdfRenderer,
        &Settings::default().seller,
        &opts,
        |_| {},
    )
    .unwrap();
    (dir, store)
}

/// The app on a [`seeded_store`], at 10:00 in Paris on [`seed_day`].
pub(crate) fn seeded_fixture(customers: u64, orders: u64, seed: u64) -> Fixture {
    let (dir, store) = seeded_store(customers, orders, seed);
    let clock = Arc::new(FixedClock::new(Timestamp::from_date_utc(
        seed_day(),
        9 * 3600,
    )));
    let app = App::new(
        store,
        Settings::default(),
        clock.clone(),
        Arc::new(PdfRenderer),
    )
    .unwrap();
    Fixture {
        app,
        clock,
        _dir: dir,
    }
}

fn staff() -> Actor {
    Actor::person("marie", Role::Staff, "SHA256:test-marie")
}

fn admin() -> Actor {
    Actor::person("paul", Role::Admin, "SHA256:test-paul")
}

fn po(date: &str) -> OriginalPoInput {
    OriginalPoInput {
        contract: None,
        po_number: "ENG-2026-0042".into(),
        po_date: Date::parse_iso(date).unwrap(),
        checklist: Checklist::ALL_TICKED,
    }
}

/// Imports the sample quote and stocks its products.
fn imported(f: &Fixture) -> String {
    let req = parse_quote_request(SAMPLE).unwrap();
    let out = f.app.import_quote(&Actor::import(), &req).unwrap();
    for l in &req.lines {
        f.app
            .adjust_stock(&staff(), &l.sku, 50, "réception fournisseur")
            .unwrap();
    }
    out.number.to_string()
}

fn assert_clean(app: &App) {
    let report = app.read(check::check).unwrap();
    assert!(report.is_clean(), "{:#?}", report.violations);
}

#[test]
fn full_pipeline_with_documents_and_audit() {
    let f = fixture();
    let n = imported(&f);
    assert_eq!(n, "DEV-2026-00001");
    f.clock.set(noon("2026-03-03"));
    f.app.record_pre_order(&staff(), &n).unwrap();
    f.clock.set(noon("2026-03-06"));
    let o = f
        .app
        .mark_original_received(&staff(), &n, &po("2026-03-04"))
        .unwrap();
    assert_eq!(o.stage, Stage::PoReceived);
    let bl = f.app.issue_delivery_note(&staff(), &n, None).unwrap();
    assert_eq!(bl.number.to_string(), "BL-2026-00001");
    let fa = f.app.issue_invoice(&staff(), &n).unwrap();
    assert_eq!(fa.number.to_string(), "FA-2026-00001");
    assert!(fa.file(FileFormat::Pdf).is_some() && fa.file(FileFormat::FacturX).is_some());
    let pdf = f
        .app
        .document_file("FA-2026-00001", FileFormat::Pdf)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert_eq!(
        pdf,
        f.app.document_file("fa-2026-1", FileFormat::Pdf).unwrap(),
        "downloads are identical"
    );
    f.clock.set(noon("2026-03-20"));
    let total = fa.totals.incl_vat;
    let paid = f
        .app
        .record_payment(
            &staff(),
            &n,
            Date::parse_iso("2026-03-19").unwrap(),
            total,
            "MANDAT-778",
        )
        .unwrap();
    assert_eq!(paid.stage, Stage::Paid);
    let view = f.app.order_view(&n).unwrap();
    let actions: Vec<_> = view.timeline.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        vec![
            crate::domain::Action::QuoteIssued,
            crate::domain::Action::PreOrderRecorded,
            crate::domain::Action::OriginalReceived,
            crate::domain::Action::DeliveryNoteIssued,
            crate::domain::Action::InvoiceIssued,
            crate::domain::Action::PaymentRecorded,
        ]
    );
    assert!(
        view.timeline
            .iter()
            .skip(1)
            .all(|r| r.actor.name == "marie")
    );
    assert_eq!(view.documents.len(), 3);
    assert_clean(&f.app);
}

#[test]
fn refused_actions_change_nothing() {
    let f = fixture();
    let n = imported(&f);
    let before = f.app.read(|rx| rx.last_audit_seq()).unwrap();
    let e = f.app.issue_delivery_note(&staff(), &n, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "impossible d'émettre le bon de livraison : le bon de commande original n'a pas été reçu"
    );
    assert!(f.app.issue_invoice(&staff(), &n).is_err());
    // Nothing changed but the audit trail, which records each refusal and why.
    assert_eq!(f.app.read(|rx| rx.last_audit_seq()).unwrap(), before + 2);
    let newest = f.app.audit(0, 2).unwrap();
    assert!(
        newest
            .iter()
            .all(|r| r.action == crate::domain::Action::Refused && r.order_number.is_some()),
        "{newest:?}"
    );
    assert!(
        newest[1].detail.contains("original n'a pas été reçu"),
        "{:?}",
        newest[1]
    );
    assert_eq!(
        f.app
            .read(|rx| rx.counter(DocKind::DeliveryNote, 2026))
            .unwrap(),
        0,
        "no number burned"
    );
    assert!(matches!(
        f.app.order_view("DEV-2026-00099"),
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        f.app.record_pre_order(&staff(), "FA-2026-00001"),
        Err(AppError::Invalid(_))
    ));
    assert_clean(&f.app);
}

struct FailingRenderer;
impl Renderer for FailingRenderer {
    fn render(
        &self,
        doc: &IssuedDocument,
        seller: &Seller,
    ) -> Result<Vec<RenderedFile>, RenderError> {
        if doc.kind() == DocKind::Invoice {
            Err(RenderError::Failed("panne simulée".into()))
        } else {
            PdfRenderer.render(doc, seller)
        }
    }
}

#[test]
fn render_failure_burns_no_number() {
    let f = fixture_with(Arc::new(FailingRenderer));
    let n = imported(&f);
    f.clock.set(noon("2026-03-06"));
    f.app
        .mark_original_received(&staff(), &n, &po("2026-03-04"))
        .unwrap();
    f.app.issue_delivery_note(&staff(), &n, None).unwrap();
    let e = f.app.issue_invoice(&staff(), &n).unwrap_err();
    assert!(matches!(e, AppError::Render(_)), "{e}");
    assert_eq!(
        f.app.read(|rx| rx.counter(DocKind::Invoice, 2026)).unwrap(),
        0
    );
    assert_eq!(f.app.order_view(&n).unwrap().order.stage, Stage::Delivered);
    assert_clean(&f.app);
}

#[test]
fn roles_are_checked_by_the_app() {
    let f = fixture();
    imported(&f);
    let id = f.app.customer_by_siret("19690123500016").unwrap().id;
    let e = f
        .app
        .decide_eligibility(&staff(), id, EligibilityStatus::Refused, "test")
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)));
    f.app
        .decide_eligibility(
            &admin(),
            id,
            EligibilityStatus::Refused,
            "plus de comptable public",
        )
        .unwrap();
    // Refusing the body refused its open quote too.
    assert_eq!(
        f.app.order_view("DEV-2026-00001").unwrap().order.stage,
        Stage::Refused
    );
    assert_clean(&f.app);
}

#[test]
fn import_is_idempotent_by_reference_and_refuses_private_bodies() {
    let f = fixture();
    imported(&f);
    let req = parse_quote_request(SAMPLE).unwrap();
    let e = f
        .app
        .import_quote(&Actor::import(), &req)
        .unwrap_err()
        .to_string();
    assert!(e.contains("déjà été importé (DEV-2026-00001)"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-PRIVATE".into();
    v["customer"]["siret"] = "44306184100047".into();
    v["customer"]["categorie_juridique"] = "5710".into();
    v["customer"]["kind"] = serde_json::Value::Null;
    let req = parse_quote_request(&v.to_string()).unwrap();
    let before = f.app.read(|rx| rx.last_audit_seq()).unwrap();
    let e = f
        .app
        .import_quote(&Actor::import(), &req)
        .unwrap_err()
        .to_string();
    assert!(e.contains("organisme privé"), "{e}");
    assert_eq!(
        f.app.read(|rx| rx.last_audit_seq()).unwrap(),
        before,
        "nothing written"
    );
    assert!(f.app.customer_by_siret("44306184100047").is_err());
}

#[test]
fn changes_are_published_and_indexed() {
    let f = fixture();
    let mut rx = f.app.subscribe();
    let n = imported(&f);
    let change = rx.try_recv().unwrap();
    assert_eq!(change.orders.len(), 1);
    let hits = f.app.search_customers("lyc moulin", None, 10);
    assert_eq!(hits.hits[0].name, "Lycée Jean Moulin");
    let by_number = f.app.search_customers(&n, None, 10);
    assert_eq!(by_number.hits[0].via_number.as_deref(), Some(n.as_str()));
    let today = f.app.today();
    let totals = f.app.index().board_totals(today, None);
    assert_eq!(totals[Stage::Quote.index()].count, 1);
    f.clock.set(noon("2026-04-10"));
    let totals = f.app.index().board_totals(f.app.today(), None);
    assert_eq!(
        totals[Stage::Expired.index()].count,
        1,
        "expiry is derived from the date"
    );
    let renewed = f.app.renew_quote(&staff(), &n).unwrap();
    assert_eq!(renewed.number.to_string(), "DEV-2026-00002");
    assert_eq!(renewed.quote.version, 2);
    let totals = f.app.index().board_totals(f.app.today(), None);
    assert_eq!(totals[Stage::Quote.index()].count, 1);
    assert_eq!(totals[Stage::Expired.index()].count, 1);
    assert_clean(&f.app);
}

#[test]
fn a_withdrawn_right_commits_nothing() {
    let f = fixture();
    let n = imported(&f);
    let marie = f.app.grant(staff());
    let paul = f.app.grant(admin());
    f.app.record_pre_order(&marie, &n).unwrap();
    // Marie's role changes (say, an admin demotes or revokes her): her login's right goes,
    // paul's stays.
    f.app.record_access(
        &paul,
        AccessEvent::RoleChanged {
            person: "marie".into(),
            before: Role::Staff,
            after: Role::Admin,
        },
    );
    assert!(!marie.grant.as_ref().unwrap().is_valid());
    assert!(paul.grant.as_ref().unwrap().is_valid());
    let before = f.app.read(|rx| rx.last_audit_seq()).unwrap();
    let e = f.app.cancel_order(&marie, &n, "essai").unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    assert!(e.to_string().contains("reconnectez-vous"), "{e}");
    assert_eq!(f.app.read(|rx| rx.last_audit_seq()).unwrap(), before);
    // A key revocation withdraws that key's logins only.
    let other_key = f
        .app
        .grant(Actor::person("paul", Role::Admin, "SHA256:other"));
    f.app.record_access(
        &Actor::cli(),
        AccessEvent::KeyRevoked {
            person: "paul".into(),
            fingerprint: "SHA256:test-paul".into(),
        },
    );
    assert!(!paul.grant.as_ref().unwrap().is_valid());
    assert!(other_key.grant.as_ref().unwrap().is_valid());
    // Rights withdrawn because keys/ changed on disk.
    f.app.withdraw_grants(|g| g.person() == "paul");
    assert!(!other_key.grant.as_ref().unwrap().is_valid());
}

#[test]
fn amounts_that_would_wrap_and_characters_xml_forbids_are_refused() {
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["lines"][0]["unit_price"] = "92233720368547758.07".into();
    v["lines"][0]["quantity"] = 4.into();
    let e = parse_quote_request(&v.to_string()).unwrap_err().to_string();
    assert!(e.starts_with("lines[0].unit_price"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["lines"][0]["unit_price"] = "2500000.01".into();
    v["lines"][0]["quantity"] = 4.into();
    let e = parse_quote_request(&v.to_string()).unwrap_err().to_string();
    assert!(
        e.contains("une ligne ne dépasse pas 10 000 000,00 €"),
        "{e}"
    );
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["customer"]["legal_name"] = "Lycée\u{fffe}Jean Moulin".into();
    let e = parse_quote_request(&v.to_string()).unwrap_err().to_string();
    assert!(
        e.starts_with("customer.legal_name") && e.contains("U+FFFE"),
        "{e}"
    );
    // A stock adjustment that would overflow is refused with a message.
    let f = fixture();
    imported(&f);
    let e = f
        .app
        .adjust_stock(&staff(), "ENC-ACT-8", i64::MAX, "essai")
        .unwrap_err();
    assert!(e.to_string().contains("au plus"), "{e}");
}

#[test]
fn check_recomputes_totals_and_reads_the_xml_back() {
    let f = fixture();
    let n = imported(&f);
    f.app
        .mark_original_received(&staff(), &n, &po("2026-03-02"))
        .unwrap();
    f.app.issue_delivery_note(&staff(), &n, None).unwrap();
    let invoice = f.app.issue_invoice(&staff(), &n).unwrap();
    assert_clean(&f.app);
    let number = invoice.number.to_string();
    let mut report = check::Report::default();
    check::check_amounts(&invoice, &number, &mut report);
    assert!(report.is_clean(), "{:?}", report.violations);
    let mut tampered = invoice.clone();
    tampered.lines[0].amount += crate::domain::Cents(1);
    check::check_amounts(&tampered, &number, &mut report);
    assert!(!report.is_clean(), "a line that does not add up passes");
    let xml = f.app.document_file(&number, FileFormat::FacturX).unwrap();
    assert!(check::well_formed(&xml).is_ok());
    assert!(check::well_formed("<a>\u{ffff}</a>".as_bytes()).is_err());
    // Whatever got stored, the XML written for it stays well-formed.
    let mut odd = invoice.clone();
    odd.buyer.legal_name = "Lycée\u{ffff}".into();
    let written = crate::documents::facturx::cii_xml(&odd, &f.app.settings().seller);
    assert!(check::well_formed(written.as_bytes()).is_ok(), "{written}");
}

/// Every document of a seeded store, laid out: no text cut with "…", overlapping other
/// text or leaving the printable area. Prints how many documents had a problem.
#[test]
fn seeded_documents_lay_out_without_clipping() {
    let (_dir, store) = seeded_store(120, 600, 11);
    let seller = Settings::default().seller;
    let mut docs = 0;
    let mut bad: Vec<(String, Vec<String>)> = Vec::new();
    let mut by_kind = std::collections::BTreeMap::new();
    store
        .read(|rx| {
            rx.for_each_document::<StoreError>(|d| {
                docs += 1;
                let problems =
                    crate::documents::layout_problems(&crate::documents::text_boxes(&d, &seller));
                if !problems.is_empty() {
                    *by_kind.entry(d.kind().label()).or_insert(0) += 1;
                    bad.push((d.number.to_string(), problems));
                }
                Ok(())
            })
        })
        .unwrap();
    println!(
        "{docs} seeded documents, {} with a layout problem: {by_kind:?}",
        bad.len()
    );
    assert!(docs > 1000, "{docs}");
    assert!(
        bad.is_empty(),
        "{} of {docs} documents badly laid out, first: {:#?}",
        bad.len(),
        bad.iter().take(3).collect::<Vec<_>>()
    );
}

/// The demo data agrees with its numbering: issue times never decrease along a series and
/// nothing is dated after the seed's "now".
#[test]
fn seeded_store_is_chronological_and_checks_clean() {
    let (_dir, store) = seeded_store(80, 700, 3);
    let today = seed_day();
    let end_of_today = Timestamp::from_date_utc(today, 0);
    let report = store.read(|rx| check::check_at(rx, end_of_today)).unwrap();
    let first: Vec<String> = report
        .violations
        .iter()
        .take(10)
        .map(|v| v.to_string())
        .collect();
    assert!(
        report.is_clean(),
        "{} violations: {first:#?}",
        report.violations.len()
    );
    // The check sees what it must: a store checked as of the day before has future records.
    let yesterday = Timestamp::from_date_utc(today.add_days(-1), 0);
    let early = store.read(|rx| check::check_at(rx, yesterday)).unwrap();
    assert!(
        early
            .violations
            .iter()
            .any(|v| v.message.contains("after now")),
        "{:?}",
        early.violations
    );
}

/// Outside a demonstration store, the demo shop's identity issues nothing: the refusal
/// names what is missing, no number is drawn, nothing is written; a complete identity
/// issues the first number of the series.
#[test]
fn identity_is_required_outside_a_demo_store() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
    let req = parse_quote_request(SAMPLE).unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let app = App::new(
            store,
            Settings::default(),
            clock.clone(),
            Arc::new(PdfRenderer),
        )
        .unwrap();
        assert!(!app.is_demo());
        let e = app.import_quote(&Actor::import(), &req).unwrap_err();
        let AppError::Identity(problems) = &e else {
            panic!("{e}")
        };
        assert!(problems.iter().any(|p| p.key == "siret"), "{e}");
        assert!(e.to_string().contains("comptoir config check"), "{e}");
        assert_eq!(app.read(|rx| rx.last_audit_seq()).unwrap(), 0);
        assert_eq!(app.read(|rx| rx.customer_count()).unwrap(), 0);
    }
    let mut settings = Settings::default();
    let s = &mut settings.seller;
    s.name = "Audio Lyon Équipement".into();
    s.address.street = "3 quai Saint-Vincent".into();
    s.address.city = "Lyon".into();
    s.siret = "81234567600017".into();
    s.siren = "812345676".into();
    s.rcs = "RCS Lyon 812 345 676".into();
    s.vat_number = "FR19812345676".into();
    s.iban = "FR1420041010050500013M02606".into();
    let app = App::new(
        Store::open(dir.path()).unwrap(),
        settings,
        clock,
        Arc::new(PdfRenderer),
    )
    .unwrap();
    let order = app.import_quote(&Actor::import(), &req).unwrap();
    assert_eq!(
        order.number.to_string(),
        "DEV-2026-00001",
        "no number was burnt"
    );
}

/// The FEC of a seeded year read back: 18 fields, dates, decimal commas, every entry
/// balanced, sales equal to the invoices less the credit notes, bank equal to the
/// payments, lettered invoices settled; the invoices CSV parsed back.
#[test]
fn fec_and_invoices_csv_read_back() {
    use std::collections::HashMap;
    let f = seeded_fixture(60, 500, 5);
    let (app, today) = (f.app, seed_day());
    let fec = app.export_fec(2026).unwrap();
    assert_eq!(fec.file_name, "912345675FEC20261231.txt");
    let cents = |s: &str| -> i64 {
        let (units, dec) = s.split_once(',').expect("decimal comma");
        assert_eq!(dec.len(), 2, "{s}");
        assert!(!units.contains('.') && !units.contains(' '), "{s}");
        let v = units.trim_start_matches('-').parse::<i64>().unwrap() * 100
            + dec.parse::<i64>().unwrap();
        if units.starts_with('-') { -v } else { v }
    };
    let mut lines = fec.text.lines();
    assert_eq!(lines.next().unwrap().split('\t').count(), 18);
    let mut balance: HashMap<String, i64> = HashMap::new();
    let (mut sales, mut bank, mut n) = (0i64, 0i64, 0);
    let mut letters: HashMap<String, (i64, String, String)> = HashMap::new();
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 18, "{l}");
        for date in [f[3], f[9], f[15]] {
            assert!(date.len() == 8 && date.starts_with("20"), "{l}");
            assert!(
                Date::parse_iso(&format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]))
                    .is_some()
            );
        }
        assert!(f[3].starts_with("2026"), "{l}");
        let (debit, credit) = (cents(f[11]), cents(f[12]));
        *balance.entry(f[2].to_string()).or_default() += debit - credit;
        if f[0] == "VT" && f[4] == "411000" {
            sales += debit - credit;
        }
        if f[0] == "BQ" && f[4] == "512000" {
            bank += debit;
        }
        if !f[13].is_empty() {
            let e =
                letters
                    .entry(f[13].to_string())
                    .or_insert((0, String::new(), f[14].to_string()));
            e.0 += debit - credit;
            if f[0] == "VT" && debit > 0 {
                e.1 = f[9].to_string();
            }
        }
        n += 1;
    }
    assert_eq!(n, fec.lines);
    assert!(fec.entries > 100, "{}", fec.entries);
    assert!(balance.values().all(|b| *b == 0), "unbalanced entries");
    // Sales: invoices less credit notes of 2026; bank: payments and interest of 2026.
    let (mut invoiced, mut received) = (0i64, 0i64);
    app.read(|rx| {
        rx.for_each_document::<StoreError>(|d| {
            if d.date.year() == 2026 {
                match d.kind() {
                    DocKind::Invoice => invoiced += d.totals.incl_vat.0,
                    DocKind::CreditNote => invoiced -= d.totals.incl_vat.0,
                    _ => {}
                }
            }
            Ok(())
        })?;
        rx.for_each_order::<StoreError>(|o| {
            received += o
                .payments
                .iter()
                .filter(|p| p.date.year() == 2026)
                .map(|p| p.amount.0)
                .sum::<i64>();
            for s in &o.penalty_settlements {
                if let crate::domain::interest::SettlementKind::Received { date, .. } = &s.kind
                    && date.year() == 2026
                {
                    received += s.amount.0;
                }
            }
            Ok(())
        })
    })
    .unwrap();
    assert_eq!(sales, invoiced);
    assert_eq!(bank, received);
    // An invoice of 2026 lettered in 2026 is settled within the file: its 411 lines net to 0.
    let settled: Vec<_> = letters
        .values()
        .filter(|(_, piece_date, date_let)| {
            piece_date.starts_with("2026") && date_let.starts_with("2026")
        })
        .collect();
    assert!(settled.len() > 20, "{}", settled.len());
    assert!(
        settled.iter().all(|(net, _, _)| *net == 0),
        "a lettered invoice does not balance"
    );

    let from = Date::parse_iso("2026-01-01").unwrap();
    let rows = app.export_invoices(from, today).unwrap();
    let csv = crate::app::export::invoices_csv(&rows);
    let mut it = csv.lines();
    let header: Vec<&str> = it.next().unwrap().split(';').collect();
    assert_eq!(header.len(), 15);
    assert_eq!(header[0], "Numéro");
    let mut count = 0;
    for l in it {
        let f: Vec<&str> = l.split(';').collect();
        assert_eq!(f.len(), 15, "{l}");
        let vat: i64 = f[7..12].iter().map(|v| cents(v)).sum();
        assert_eq!(cents(f[6]) + vat, cents(f[12]), "{l}");
        assert!(
            Date::parse_fr(f[2]).is_some_and(|d| d >= from && d <= today),
            "{l}"
        );
        count += 1;
    }
    let docs = app
        .read(|rx| {
            let mut n = 0;
            rx.for_each_document::<StoreError>(|d| {
                if matches!(d.kind(), DocKind::Invoice | DocKind::CreditNote) && d.date >= from {
                    n += 1;
                }
                Ok(())
            })?;
            Ok::<_, StoreError>(n)
        })
        .unwrap();
    assert_eq!(count, docs);
    // Credit notes are negative: the total column sums to invoices less credit notes.
    let (mut sum, mut net) = (0i64, 0i64);
    for l in csv.lines().skip(1) {
        let f: Vec<&str> = l.split(';').collect();
        sum += cents(f[12]);
        if f[1] == "Avoir" {
            assert!(cents(f[12]) < 0 && cents(f[6]) < 0, "{l}");
        }
    }
    app.read(|rx| {
        rx.for_each_document::<StoreError>(|d| {
            if d.date >= from {
                match d.kind() {
                    DocKind::Invoice => net += d.totals.incl_vat.0,
                    DocKind::CreditNote => net -= d.totals.incl_vat.0,
                    _ => {}
                }
            }
            Ok(())
        })
    })
    .unwrap();
    assert_eq!(sum, net);
    assert!(rows.iter().any(|r| r.status == "payée") && rows.iter().any(|r| r.status == "avoir"));
}

/// Searching a SIRET counts the row it shows (it said "0 résultat(s)" above one row).
#[test]
fn a_siret_search_counts_what_it_shows() {
    let f = fixture();
    f.app
        .import_quote(&Actor::import(), &parse_quote_request(SAMPLE).unwrap())
        .unwrap();
    for q in ["19690123500016", "196 901 235", "1969012"] {
        let r = f.app.search_customers(q, None, 50);
        assert_eq!(r.hits.len(), 1, "{q}");
        assert_eq!(r.total, 1, "{q}: the count matches the rows");
    }
}

/// An order is found by any of its references: the body's PO / engagement number (any
/// spacing or case), the web shop's reference, a document number — by the board filter
/// and by the palette's search.
#[test]
fn orders_are_found_by_any_of_their_references() {
    let f = fixture();
    let req = parse_quote_request(SAMPLE).unwrap();
    let n = f
        .app
        .import_quote(&Actor::import(), &req)
        .unwrap()
        .number
        .to_string();
    f.clock.set(noon("2026-03-05"));
    let mut p = po("2026-03-04");
    p.po_number = "ENG-2026-0042".into();
    f.app.mark_original_received(&staff(), &n, &p).unwrap();
    for q in [
        "eng 2026 0042",
        "ENG-2026-00",
        "WEB-2026-118",
        "web-2026-118734",
        &n,
    ] {
        let found = f.app.orders_by_reference(q, 10);
        assert_eq!(found.len(), 1, "{q}");
        assert_eq!(found[0].number.to_string(), n, "{q}");
        let filter = f.app.board_filter(q).unwrap();
        let shown = f.app.index().column(
            Stage::PoReceived,
            f.app.today(),
            Some(&filter),
            0,
            10,
            &f.app.settings().ecb_rates,
        );
        assert_eq!(shown.len(), 1, "the board filter finds it by « {q} »");
    }
    let r = f.app.search_customers("ENG-2026-0042", None, 10);
    assert_eq!(r.orders[0].why, "BC ENG-2026-0042");
    assert!(
        f.app.orders_by_reference("zz", 10).is_empty(),
        "too short to search"
    );
}

/// The header's alert count is kept up to date commit by commit (not rebuilt from every
/// card): after each kind of commit and across days it equals the full computation.
#[test]
fn the_alert_count_follows_each_commit_and_each_day() {
    let Fixture { app, clock, _dir } = seeded_fixture(60, 400, 7);
    let check = |what: &str| {
        let (day, rates) = (app.today(), app.settings().ecb_rates.clone());
        // The header's count is the alerts panel's rows, whatever happened.
        assert_eq!(
            app.alert_count(day, &rates),
            app.alerts().len(),
            "after {what}"
        );
    };
    check("opening");
    let first = |stage| app.orders_in_stage(stage, 1)[0].number.to_string();
    let me = staff();
    app.record_pre_order(&me, &first(Stage::Quote)).unwrap();
    check("a pre-order");
    let n = first(Stage::PreOrder);
    let po_date = app.order_view(&n).unwrap().order.quote.issued_on;
    let input = OriginalPoInput {
        po_date,
        ..po("2026-01-01")
    };
    app.mark_original_received(&me, &n, &input).unwrap();
    check("an original received");
    app.issue_delivery_note(&me, &first(Stage::PoReceived), None)
        .unwrap();
    check("a delivery");
    app.issue_invoice(&me, &first(Stage::Delivered)).unwrap();
    check("an invoice");
    let n = first(Stage::Invoiced);
    let owed = app.order_view(&n).unwrap().order.outstanding();
    app.record_payment(&me, &n, app.today(), owed, "M-1")
        .unwrap();
    check("a payment");
    // A waiver of interest owed takes its row off both.
    let owed = app
        .alerts()
        .into_iter()
        .find(|r| r.group == "Intérêts et indemnité dus")
        .map(|r| r.text.split(" · ").next().unwrap().to_string());
    assert!(
        owed.is_some(),
        "the seeded store has interest owed on a paid order"
    );
    if let Some(n) = owed {
        let before = app.alerts().len();
        app.waive_penalties(&admin(), &n, None, "geste commercial")
            .unwrap();
        check("a waiver");
        assert!(app.alerts().len() < before);
    }
    for days in [1, 10, 40] {
        clock.advance(days * 86_400);
        check(&format!("{days} more day(s)"));
    }
}

/// A console's search in two steps: the rows as soon as they are known, with a count that
/// may still miss hits (« ≥ »), then the exact count — the same rows and count as a search
/// that scores every candidate. A newer keystroke cancels the count; a count once settled
/// serves the other sessions at once.
#[test]
fn a_search_gives_its_page_first_and_its_exact_count_after() {
    use crate::app::search::{Query, new_matcher, search_every_candidate};
    let f = seeded_fixture(400, 0, 11);
    let idx = f.app.index().customers();
    let mut m = new_matcher();
    let mut deferred = 0;
    for q in ["co", "ce", "stet", "lyc", "sa", "cais d"] {
        // A session whose next keystroke comes while this one counts.
        let mut first = None;
        let cancelled =
            f.app
                .search_customers_progressive(q, None, 3, |p| first = Some(p.clone()), &|| true);
        let mut page = None;
        let r = f
            .app
            .search_customers_progressive(q, None, 3, |p| page = Some(p.clone()), &|| false)
            .expect("nothing cancelled it");
        assert!(r.found.settled(), "{q}");
        let every = search_every_candidate(&idx, &Query::new(q), None, 3, &mut m);
        assert_eq!(
            (&r.found.top, r.found.total),
            (&every.top, every.total),
            "{q}"
        );
        assert_eq!(r.total, every.total, "{q}");
        match first {
            Some(p) => {
                deferred += 1;
                assert!(cancelled.is_none(), "{q}: cancelled while counting");
                assert!(
                    !p.found.settled(),
                    "{q}: a page is sent first only to be completed"
                );
                assert_eq!(
                    p.found.top, r.found.top,
                    "{q}: the rows do not wait for the count"
                );
                assert!(p.total < r.total, "{q}: the page's count is a lower bound");
                assert!(
                    page.is_some(),
                    "{q}: the shared unsettled answer is completed"
                );
            }
            None => assert!(cancelled.is_some() && page.is_none(), "{q}"),
        }
        // Another session: the settled count, at once.
        let mut again = false;
        let shared = f
            .app
            .search_customers_progressive(q, None, 3, |_| again = true, &|| true)
            .expect("answered from the settled recent search");
        assert!(!again && shared.total == r.total, "{q}");
    }
    assert!(
        deferred > 0,
        "some of these queries leave matches to count after the page"
    );
}

//! The core on a real redb file: store round trip and indexes, property tests of the
//! pipeline, and the `import` / `check` commands as a person runs them.

use comptoir::app::import::parse_quote_request;

use comptoir::app::{Actor, App, FixedClock, Role, Settings};

use comptoir::documents::{RenderError, RenderedFile, Renderer};

use comptoir::domain::pipeline::OriginalPoInput;

use comptoir::domain::seller::Seller;

use comptoir::domain::{
    Checklist, Date, DocKind, EligibilityStatus, FileFormat, IssuedDocument, OrderId, Stage,
    Timestamp,
};

use comptoir::store::{Store, check, tables};

use proptest::prelude::*;

use redb::ReadableTable;

use std::process::Command;

use std::sync::Arc;

const SAMPLE: &str = include_str!("../fixtures/quote.json");

/// Small, fast files: the properties here are about the pipeline, not the rendering.
struct StubRenderer;

impl Renderer for StubRenderer {
    fn render(&self, doc: &IssuedDocument, _: &Seller) -> Result<Vec<RenderedFile>, RenderError> {
        let mut files = vec![RenderedFile {
            format: FileFormat::Pdf,
            bytes: format!("%PDF {}", doc.number).into_bytes(),
        }];
        if doc.kind().has_xml() {
            files.push(RenderedFile {
                format: FileFormat::FacturX,
                bytes: format!("<xml>{}</xml>", doc.number).into_bytes(),
            });
        }
        Ok(files)
    }
}

fn noon(day: &str) -> Timestamp {
    Timestamp::from_date_utc(Date::parse_iso(day).unwrap(), 11 * 3600)
}

fn app_in(dir: &std::path::Path, clock: Arc<FixedClock>) -> App {
    let store = Store::open(dir).unwrap();
    // The demo shop's identity needs a demonstration store.
    store.mark_demo().unwrap();
    App::new(store, Settings::default(), clock, Arc::new(StubRenderer)).unwrap()
}

fn staff() -> Actor {
    Actor::person("marie", Role::Staff, "SHA256:marie")
}

fn admin() -> Actor {
    Actor::person("paul", Role::Admin, "SHA256:paul")
}

/// A quote for one of several bodies (varied SIRETs, one 41xx needing review).
fn quote_json(body: usize, reference: u32, lines: &[(usize, u32)]) -> String {
    let bodies = [
        ("Lycée Jean Moulin", "19690123500016", "7331"),
        ("Commune de Paris", "21750001600019", "7210"),
        ("Centre hospitalier de Lyon", "26750045200011", "7364"),
        ("Régie des festivals", "21690123100011", "4140"),
    ];
    let skus = [
        ("ENC-ACT-8", "249.00"),
        ("MIC-DYN-58", "89.90"),
        ("TAB-MIX-12", "459.00"),
    ];
    let (name, siret, cat) = bodies[body % bodies.len()];
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = format!("WEB-{reference}").into();
    v["customer"]["legal_name"] = name.into();
    v["customer"]["siret"] = siret.into();
    v["customer"]["categorie_juridique"] = cat.into();
    v["customer"]["kind"] = serde_json::Value::Null;
    v["customer"]["chorus"] = serde_json::Value::Null;
    v["lines"] = lines
        .iter()
        .map(|(p, q)| {
            let (sku, price) = skus[p % skus.len()];
            serde_json::json!({"sku": sku, "designation": sku, "unit_price": price, "vat_rate": "20", "quantity": q})
        })
        .collect();
    v.to_string()
}

#[derive(Clone, Debug)]
enum Action {
    Import {
        body: usize,
        lines: Vec<(usize, u32)>,
    },
    PreOrder(usize),
    Receive {
        order: usize,
        po_days_before: i32,
    },
    Deliver {
        order: usize,
        partial: bool,
    },
    Invoice(usize),
    Pay {
        order: usize,
        percent: u8,
    },
    Cancel(usize),
    Refuse(usize),
    CreditNote(usize),
    Renew(usize),
    Restock {
        sku: usize,
        units: i64,
    },
    Approve(usize),
    RefuseBody(usize),
    Wait(i64),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0usize..4, prop::collection::vec((0usize..3, 1u32..6), 1..4))
            .prop_map(|(body, lines)| Action::Import { body, lines }),
        2 => (0usize..8).prop_map(Action::PreOrder),
        4 => (0usize..8, prop_oneof![4 => 0i32..5, 1 => 0i32..40]).prop_map(|(order, po_days_before)| Action::Receive { order, po_days_before }),
        3 => (0usize..8, any::<bool>()).prop_map(|(order, partial)| Action::Deliver { order, partial }),
        3 => (0usize..8).prop_map(Action::Invoice),
        2 => (0usize..8, 1u8..101).prop_map(|(order, percent)| Action::Pay { order, percent }),
        1 => (0usize..8).prop_map(Action::Cancel),
        1 => (0usize..8).prop_map(Action::Refuse),
        1 => (0usize..8).prop_map(Action::CreditNote),
        1 => (0usize..8).prop_map(Action::Renew),
        3 => (0usize..3, 1i64..30).prop_map(|(sku, units)| Action::Restock { sku, units }),
        1 => (0usize..4).prop_map(Action::Approve),
        1 => (0usize..4).prop_map(Action::RefuseBody),
        2 => prop_oneof![3 => 1i64..5, 1 => 5i64..40].prop_map(Action::Wait),
    ]
}

/// The number of the `i`-th existing order (modulo their count), or one that does not exist.
fn order_number(app: &App, i: usize) -> String {
    let count = app.read(|rx| rx.order_count()).unwrap() as usize;
    if count == 0 {
        return "DEV-2026-99999".into();
    }
    let n = app
        .read(|rx| rx.order(OrderId((i % count) as u64 + 1)))
        .unwrap();
    n.map(|o| o.number.to_string())
        .unwrap_or_else(|| "DEV-2026-99999".into())
}

/// Everything a refused action must leave untouched.
fn fingerprint(app: &App) -> (u64, Vec<(String, u16, u32)>) {
    app.read(|rx| Ok::<_, comptoir::store::StoreError>((rx.last_audit_seq()?, rx.counters()?)))
        .unwrap()
}

fn comptoir(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Bank statements: camt.053 (.02 and .08) and CFONB 120 samples written from the
/// published formats (`tests/fixtures/bank/`), matched against the books.
mod bank {
    use super::*;
    use comptoir::domain::Cents;
    use comptoir::domain::bank::BankState;

    /// Invoices issued on 6 March 2026: A (lycée, 597,60 €), B (Paris, 107,88 €),
    /// C (Paris, 550,80 €), D (hospital, 597,60 €), E (lycée, 107,88 €, paid late so that
    /// interest is owed), F (lycée, 597,60 €), G (lycée, 107,88 €).
    pub(super) fn books(dir: &std::path::Path) -> (App, Arc<FixedClock>, Vec<String>) {
        let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
        let app = app_in(dir, clock.clone());
        let plan: [(usize, (usize, u32)); 7] = [
            (0, (0, 2)),
            (1, (1, 1)),
            (1, (2, 1)),
            (2, (0, 2)),
            (0, (1, 1)),
            (0, (0, 2)),
            (0, (1, 1)),
        ];
        let mut orders = Vec::new();
        for (k, (body, line)) in plan.iter().enumerate() {
            clock.set(noon("2026-03-02"));
            let req = parse_quote_request(&quote_json(*body, 900 + k as u32, &[*line])).unwrap();
            let n = app
                .import_quote(&Actor::import(), &req)
                .unwrap()
                .number
                .to_string();
            for l in &req.lines {
                app.adjust_stock(&staff(), &l.sku, l.quantity as i64, "réception")
                    .unwrap();
            }
            clock.set(noon("2026-03-06"));
            let po = OriginalPoInput {
                contract: None,
                po_number: format!("ENG-{k}"),
                po_date: Date::parse_iso("2026-03-05").unwrap(),
                checklist: Checklist::ALL_TICKED,
            };
            app.mark_original_received(&staff(), &n, &po).unwrap();
            app.issue_delivery_note(&staff(), &n, None).unwrap();
            let inv = app.issue_invoice(&staff(), &n).unwrap().number.to_string();
            assert_eq!(inv, format!("FA-2026-{:05}", k + 1));
            orders.push(n);
        }
        // E paid 5 days late: interest and the 40 € indemnity are owed.
        clock.set(noon("2026-04-15"));
        let due = app.order_view(&orders[4]).unwrap().order.invoices[0]
            .due_date()
            .unwrap();
        app.record_payment(&staff(), &orders[4], due.add_days(5), Cents(10788), "MDT-E")
            .unwrap();
        clock.set(noon("2026-04-22"));
        (app, clock, orders)
    }

    fn camt02(penalty: Cents) -> Vec<u8> {
        include_str!("../fixtures/bank/camt053-v02.xml")
            .replace("PENALTY", &penalty.decimal())
            .into_bytes()
    }

    fn outstanding(app: &App, order: &str) -> Cents {
        app.order_view(order).unwrap().order.outstanding()
    }

    #[test]
    fn statements_pay_what_they_name_propose_the_rest_and_never_twice() {
        let dir = tempfile::tempdir().unwrap();
        let (app, _clock, orders) = books(dir.path());
        let formats = comptoir::bank::formats();
        let today = app.today();
        let rates = &app.settings().ecb_rates;
        let penalty = app
            .order_view(&orders[4])
            .unwrap()
            .order
            .penalty_totals(today, rates)
            .owed();
        assert!(
            penalty > Cents(4000),
            "interest and indemnity owed: {penalty:?}"
        );

        let r = app
            .import_statement(&staff(), &camt02(penalty), &formats)
            .unwrap();
        assert_eq!(r.format, "camt.053.001.02");
        assert_eq!(
            (
                r.applied.len(),
                r.proposed.len(),
                r.unmatched.len(),
                r.debits
            ),
            (2, 2, 1, 1)
        );
        // Named: A paid whole, B and C by one transfer, at the value date.
        assert_eq!(outstanding(&app, &orders[0]), Cents::ZERO);
        assert_eq!(outstanding(&app, &orders[1]), Cents::ZERO);
        assert_eq!(outstanding(&app, &orders[2]), Cents::ZERO);
        let paid = app.order_view(&orders[1]).unwrap().order.payments;
        assert_eq!(
            paid[0].date,
            Date::parse_iso("2026-04-19").unwrap(),
            "the value date"
        );
        assert!(
            paid[0].reference.contains("20260420-0002"),
            "{}",
            paid[0].reference
        );
        // Proposed, not applied: D by amount and payer, E's interest by amount.
        assert_eq!(outstanding(&app, &orders[3]), Cents(59760));
        let proposal = |payer: &str| {
            r.proposed
                .iter()
                .find(|p| p.payer == payer)
                .unwrap_or_else(|| panic!("{payer}: {:#?}", r.proposed))
        };
        let d = proposal("CENTRE HOSPITALIER DE LYON");
        assert!(
            matches!(&d.state, BankState::Proposed { order, penalties: false, .. } if order.to_string() == orders[3]),
            "{d:?}"
        );
        let e = r.proposed.iter().find(|p| p.amount == penalty).unwrap();
        assert!(
            matches!(&e.state, BankState::Proposed { order, penalties: true, .. } if order.to_string() == orders[4]),
            "{e:?}"
        );
        assert!(
            matches!(&r.unmatched[0].state, BankState::Unmatched { why } if why.contains("12,34"))
        );

        // The same statement again, and the .08 one that overlaps it: nothing twice.
        let again = app
            .import_statement(&staff(), &camt02(penalty), &formats)
            .unwrap();
        assert_eq!(
            (
                again.applied.len(),
                again.proposed.len(),
                again.unmatched.len(),
                again.already
            ),
            (0, 0, 0, 5)
        );
        let v08 = app
            .import_statement(
                &staff(),
                include_bytes!("../fixtures/bank/camt053-v08.xml"),
                &formats,
            )
            .unwrap();
        assert_eq!(v08.format, "camt.053.001.08");
        assert_eq!(v08.already, 1, "the overlapping entry");
        // The batch: 200 € to F by its structured reference, 100 € unknown; the pending
        // entry is not booked yet.
        assert_eq!(
            (v08.applied.len(), v08.unmatched.len(), v08.proposed.len()),
            (1, 1, 0)
        );
        assert_eq!(outstanding(&app, &orders[5]), Cents(59760 - 20000));
        assert_eq!(v08.applied[0].payer, "LYCEE JEAN MOULIN");

        // CFONB 120, with Windows line ends: G paid, the debit left alone.
        let cfonb = include_str!("../fixtures/bank/cfonb120.txt").replace('\n', "\r\n");
        let c = app
            .import_statement(&staff(), cfonb.as_bytes(), &formats)
            .unwrap();
        assert_eq!(c.format, "CFONB 120");
        assert_eq!((c.applied.len(), c.debits), (1, 1));
        assert_eq!(c.applied[0].payer, "LYCEE JEAN MOULIN");
        assert_eq!(outstanding(&app, &orders[6]), Cents::ZERO);
        assert_eq!(
            app.import_statement(&staff(), cfonb.as_bytes(), &formats)
                .unwrap()
                .already,
            1
        );

        // A person decides: D and E's interest confirmed, the cheque set aside.
        let open = app.bank_entries(true).unwrap();
        assert_eq!(open.len(), 4, "{open:#?}");
        app.bank_confirm(&staff(), d.id).unwrap();
        assert_eq!(outstanding(&app, &orders[3]), Cents::ZERO);
        app.bank_confirm(&staff(), e.id).unwrap();
        let owed = app
            .order_view(&orders[4])
            .unwrap()
            .order
            .penalty_totals(today, rates)
            .owed();
        assert_eq!(owed, Cents::ZERO);
        let e2 = app.bank_confirm(&staff(), e.id).unwrap_err().to_string();
        assert!(e2.contains("déjà traitée"), "{e2}");
        let cheque = r.unmatched[0].id;
        let err = app
            .bank_dismiss(&staff(), cheque, " ")
            .unwrap_err()
            .to_string();
        assert!(err.contains("pourquoi"), "{err}");
        app.bank_dismiss(&staff(), cheque, "remise de chèque d'un particulier")
            .unwrap();
        // The unknown 100 € assigned by hand to F.
        let acompte = v08.unmatched[0].id;
        let too_much = app
            .bank_assign(&staff(), acompte, &["FA-2026-00002".into()])
            .unwrap_err()
            .to_string();
        assert!(too_much.contains("déjà payée"), "{too_much}");
        app.bank_assign(&staff(), acompte, &["FA-2026-00006".into()])
            .unwrap();
        assert_eq!(outstanding(&app, &orders[5]), Cents(59760 - 30000));
        assert!(app.bank_entries(true).unwrap().is_empty());
        // Every decision is in the audit, under « banque ».
        let filter = comptoir::app::audit::AuditFilter {
            kind: Some("banque".into()),
            ..Default::default()
        };
        let lines = app.audit_search(&filter, 100).unwrap();
        assert!(lines.len() >= 8, "{}", lines.len());
        // The books check clean.
        let report = app.read(check::check).unwrap();
        assert!(report.is_clean(), "{:?}", report.violations);
    }

    #[test]
    fn bad_statements_are_refused_whole_in_french() {
        let dir = tempfile::tempdir().unwrap();
        let (app, _clock, orders) = books(dir.path());
        let formats = comptoir::bank::formats();
        let good = camt02(Cents(100));
        let cfonb = include_str!("../fixtures/bank/cfonb120.txt");
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", b"  \n".to_vec(), "vide"),
            (
                "truncated XML",
                good[..good.len() / 2].to_vec(),
                "XML illisible",
            ),
            (
                "wrong namespace",
                String::from_utf8(good.clone())
                    .unwrap()
                    .replace("camt.053.001.02", "camt.052.001.02")
                    .into_bytes(),
                "pas un relevé camt.053",
            ),
            (
                "a bad amount",
                String::from_utf8(good.clone())
                    .unwrap()
                    .replace("658.68", "658,68")
                    .into_bytes(),
                "montant « 658,68 » illisible",
            ),
            (
                "a CFONB line of the wrong width",
                cfonb
                    .replacen("VIR DRFIP RHONE ", "VIR DRFIP RHONE", 1)
                    .into_bytes(),
                "ligne 2 : 119 caractères",
            ),
            (
                "a CFONB bad amount",
                cfonb
                    .replacen("0000000001078H", "00000000010X8H", 1)
                    .into_bytes(),
                "montant « 00000000010X8H » illisible",
            ),
            (
                "neither format",
                b"date;montant\n2026-04-01;12,00\n".to_vec(),
                "non reconnu",
            ),
            (
                "a DTD",
                b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>".to_vec(),
                "XML illisible",
            ),
            (
                "100 MB",
                {
                    let mut v = b"<Document>".to_vec();
                    v.resize(100 * 1024 * 1024, b' ');
                    v
                },
                "Mo",
            ),
        ];
        for (what, bytes, says) in cases {
            let e = app
                .import_statement(&staff(), &bytes, &formats)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{what}: {e}");
        }
        assert!(
            app.bank_entries(false).unwrap().is_empty(),
            "nothing recorded"
        );
        assert_eq!(
            outstanding(&app, &orders[0]),
            Cents(59760),
            "nothing applied"
        );
    }
}

use bank::books as bank_books;

/// `comptoir bank import` killed (SIGKILL) at several moments of a 20,001-entry import:
/// the store holds either none of it or all of it, and checks clean each time.
#[test]
fn a_statement_import_killed_midway_is_all_or_nothing() {
    use comptoir::domain::Cents;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let orders = {
        let (_app, _clock, orders) = bank_books(&data);
        orders
    };
    let mut entries = String::new();
    for k in 0..20_000 {
        entries.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}.{:02}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-04-20</Dt></BookgDt><AcctSvcrRef>K-{k}</AcctSvcrRef><AddtlNtryInf>DIVERS {k}</AddtlNtryInf></Ntry>",
            1 + k % 900,
            k % 100
        ));
    }
    entries.push_str("<Ntry><Amt Ccy=\"EUR\">597.60</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-04-20</Dt></BookgDt><AcctSvcrRef>K-NAMED</AcctSvcrRef><AddtlNtryInf>FA-2026-00001</AddtlNtryInf></Ntry>");
    let file = dir.path().join("big.xml");
    std::fs::write(
        &file,
        format!(
            "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>BIG</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>{entries}</Stmt></BkToCstmrStmt></Document>"
        ),
    )
    .unwrap();
    let state = || {
        let store = Store::open(&data).unwrap();
        let n = store.read(|rx| rx.bank_records()).unwrap().len();
        let clean = store.read(check::check).unwrap();
        assert!(clean.is_clean(), "{:?}", clean.violations);
        let order = store
            .read(|rx| {
                let number = comptoir::domain::DocNumber::parse(&orders[0]).unwrap();
                rx.order_by_number(&number)
            })
            .unwrap()
            .unwrap();
        (n, order.outstanding())
    };
    let mut outcomes = Vec::new();
    for delay_ms in [30u64, 120, 250, 500, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
            .args(["bank", "import"])
            .arg(&file)
            .arg("--data")
            .arg(&data)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let (n, outstanding) = state();
        assert!(
            (n == 0 && outstanding == Cents(59760)) || (n == 20_001 && outstanding == Cents::ZERO),
            "killed after {delay_ms} ms: {n} entries, {outstanding:?} outstanding"
        );
        outcomes.push(n);
        if n > 0 {
            break;
        }
    }
    // Run to its end: everything, once.
    let out = comptoir(&[
        "bank",
        "import",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(state(), (20_001, Cents::ZERO));
    eprintln!("entries after each kill: {outcomes:?}");
}

mod cli;
mod fec;
mod store;

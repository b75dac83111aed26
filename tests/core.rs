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

const SAMPLE: &str = include_str!("fixtures/quote.json");

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

fn run(app: &App, clock: &FixedClock, a: &Action, next_ref: &mut u32) -> bool {
    let skus = ["ENC-ACT-8", "MIC-DYN-58", "TAB-MIX-12"];
    let customer = |body: usize| {
        let sirets = [
            "19690123500016",
            "21750001600019",
            "26750045200011",
            "21690123100011",
        ];
        app.customer_by_siret(sirets[body % 4]).ok().map(|c| c.id)
    };
    let result: Result<(), String> = match a {
        Action::Import { body, lines } => {
            *next_ref += 1;
            let req = parse_quote_request(&quote_json(*body, *next_ref, lines))
                .map_err(|e| e.to_string());
            req.and_then(|r| {
                app.import_quote(&Actor::import(), &r)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }
        Action::PreOrder(i) => app
            .record_pre_order(&staff(), &order_number(app, *i))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::Receive {
            order,
            po_days_before,
        } => {
            let input = OriginalPoInput {
                contract: None,
                po_number: format!("ENG-{order}"),
                po_date: app.today().add_days(-po_days_before),
                checklist: Checklist::ALL_TICKED,
            };
            app.mark_original_received(&staff(), &order_number(app, *order), &input)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Action::Deliver { order, partial } => {
            let n = order_number(app, *order);
            let q = app.order_view(&n).ok().map(|v| {
                v.order
                    .lines
                    .iter()
                    .map(|l| l.to_deliver().min(1))
                    .collect::<Vec<_>>()
            });
            let q = if *partial { q } else { None };
            app.issue_delivery_note(&staff(), &n, q.as_deref())
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Action::Invoice(i) => app
            .issue_invoice(&staff(), &order_number(app, *i))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::Pay { order, percent } => {
            let n = order_number(app, *order);
            let due = app
                .order_view(&n)
                .map(|v| v.order.outstanding())
                .unwrap_or_default();
            let amount = comptoir::domain::Cents((due.0 * *percent as i64 / 100).max(1));
            app.record_payment(&staff(), &n, app.today(), amount, "MANDAT-1")
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Action::Cancel(i) => app
            .cancel_order(&staff(), &order_number(app, *i), "test")
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::Refuse(i) => app
            .refuse_quote(&staff(), &order_number(app, *i), "test")
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::CreditNote(i) => app
            .issue_credit_note(
                &staff(),
                &order_number(app, *i),
                None,
                &comptoir::domain::pipeline::CreditScope::Full,
                "erreur",
            )
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::Renew(i) => app
            .renew_quote(&staff(), &order_number(app, *i))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::Restock { sku, units } => app
            .adjust_stock(&staff(), skus[*sku], *units, "réception")
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Action::Approve(b) => match customer(*b) {
            Some(id) => app
                .decide_eligibility(&admin(), id, EligibilityStatus::Approved, "vu")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Err("no such customer".into()),
        },
        Action::RefuseBody(b) => match customer(*b) {
            Some(id) => app
                .decide_eligibility(&admin(), id, EligibilityStatus::Refused, "vu")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Err("no such customer".into()),
        },
        Action::Wait(days) => {
            clock.advance(days * 86_400);
            Ok(())
        }
    };
    result.is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, max_shrink_iters: 200, ..ProptestConfig::default() })]

    /// Random sequences of actions on several customers: a refused action writes nothing;
    /// whatever happens, numbers stay continuous, nothing is delivered or invoiced twice,
    /// stock never goes negative, and `check` finds nothing.
    #[test]
    fn random_sequences_keep_every_invariant(
        first in (0usize..3, prop::collection::vec((0usize..3, 1u32..6), 1..4)),
        rest in prop::collection::vec(action(), 1..60),
    ) {
        let mut actions = vec![Action::Import { body: first.0, lines: first.1 }];
        actions.extend(rest);
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
        let app = app_in(dir.path(), clock.clone());
        for (sku, price) in [("ENC-ACT-8", 24_900), ("MIC-DYN-58", 8_990), ("TAB-MIX-12", 45_900)] {
            let p = comptoir::domain::Product {
                sku: sku.into(),
                designation: sku.into(),
                unit_price: comptoir::domain::Cents(price),
                vat: comptoir::domain::VatRate::STANDARD,
                on_hand: 40,
                reserved: 0,
            };
            app.upsert_product(&admin(), p).unwrap();
        }
        let mut next_ref = 0;
        for a in &actions {
            let before = fingerprint(&app);
            let ok = run(&app, &clock, a, &mut next_ref);
            if !ok {
                // A refusal draws no number and writes nothing but its own audit record.
                let after = fingerprint(&app);
                prop_assert_eq!(&after.1, &before.1, "refused {:?} drew a number", a);
                let added = app.audit(0, (after.0 - before.0) as usize).unwrap();
                prop_assert!(
                    added.iter().all(|r| r.action == comptoir::domain::Action::Refused),
                    "refused {:?} wrote {:?}",
                    a,
                    added
                );
            }
            let report = app.read(check::check).unwrap();
            prop_assert!(report.is_clean(), "after {:?}: {:#?}", a, report.violations);
            for p in app.products().unwrap() {
                prop_assert!(p.on_hand >= 0 && p.reserved >= 0 && p.reserved <= p.on_hand, "{:?}", p);
            }
        }
        // Reopening the file gives the same answers.
        let counters = fingerprint(&app);
        drop(app);
        let app = app_in(dir.path(), clock);
        prop_assert_eq!(fingerprint(&app), counters);
    }
}

#[test]
fn store_round_trip_and_indexes_on_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
    let app = app_in(dir.path(), clock.clone());
    let req = parse_quote_request(SAMPLE).unwrap();
    let out = app.import_quote(&Actor::import(), &req).unwrap();
    let n = out.number.to_string();
    app.adjust_stock(&staff(), "ENC-ACT-8", 10, "r").unwrap();
    app.adjust_stock(&staff(), "MIC-DYN-58", 10, "r").unwrap();
    app.adjust_stock(&staff(), "TAB-MIX-12", 10, "r").unwrap();
    app.record_pre_order(&staff(), &n).unwrap();
    let before = app.order_view(&n).unwrap().order;
    let customer = app.customer(out.customer).unwrap();
    drop(app);

    // Reopen: records decode to what was written; every index agrees.
    let store = Store::open(dir.path()).unwrap();
    store
        .read(|rx| {
            let o = rx.order_by_number(&out.number)?.unwrap();
            assert_eq!(o, before);
            assert_eq!(rx.customer_by_siret("19690123500016")?.unwrap(), customer);
            assert_eq!(rx.orders_of_customer(customer.id)?, vec![o.id]);
            assert_eq!(rx.orders_in_stage(Stage::PreOrder, 10)?, vec![o.id]);
            assert!(
                rx.orders_in_stage(Stage::Quote, 10)?.is_empty(),
                "the old stage entry is gone"
            );
            assert_eq!(rx.order_by_external_ref("WEB-2026-118734")?, Some(o.id));
            assert_eq!(rx.document(&n)?.unwrap().order, o.id);
            assert_eq!(rx.counter(DocKind::Quote, 2026)?, 1);
            assert_eq!(rx.product("ENC-ACT-8")?.unwrap().reserved, 4);
            assert_eq!(rx.audit_of_order(o.id)?.len(), 2);
            Ok::<_, comptoir::store::StoreError>(())
        })
        .unwrap();
    let report = store.read(check::check).unwrap();
    assert!(report.is_clean(), "{:#?}", report.violations);

    // A second process cannot open the same file while this one holds it.
    let e = Store::open(dir.path()).err().expect("the file is locked");
    assert!(e.to_string().contains("déjà ouvert"), "{e}");
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

/// `config check` prints the identity as documents will, and every problem with its key.
#[test]
fn config_check_shows_the_identity_and_what_is_missing() {
    let demo = comptoir(&["config", "check"]);
    assert_eq!(demo.status.code(), Some(1));
    let out = stdout(&demo);
    assert!(
        out.contains("Comptoir Audio Démo — SAS au capital de 50 000 €"),
        "{out}"
    );
    assert!(
        out.contains("[shop] name : c'est la raison sociale de la démo"),
        "{out}"
    );
    assert!(
        out.contains("[shop] iban : c'est l'IBAN de la démo"),
        "{out}"
    );
    let real = comptoir(&["config", "check", "--config", "tests/fixtures/shop.toml"]);
    assert!(real.status.success(), "{}", stdout(&real));
    let out = stdout(&real);
    assert!(
        out.contains("Audio Lyon Équipement — SARL au capital de 20 000 €"),
        "{out}"
    );
    assert!(
        out.contains("SIRET 81234567600017 — RCS Lyon 812 345 676"),
        "{out}"
    );
    assert!(
        out.contains("IBAN FR14 2004 1010 0505 0001 3M02 606"),
        "{out}"
    );
    assert!(
        out.contains("OK : les documents peuvent être émis"),
        "{out}"
    );
}

/// The configuration is read with bounds: a device (`/dev/zero`), a FIFO (which would
/// block), a directory or an oversized file is refused at once in French; a control
/// character in `[shop]` is refused as everywhere; `COMPTOIR_KEYS` naming a file says so.
#[test]
fn the_configuration_is_read_with_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(300_000))).unwrap();
    let escape = dir.path().join("escape.toml");
    std::fs::write(&escape, "[shop]\nname = \"Audio\\u001b[2JLyon\"\n").unwrap();
    for (path, why) in [
        (
            std::path::PathBuf::from("/dev/zero"),
            "pas un fichier ordinaire",
        ),
        (fifo.clone(), "pas un fichier ordinaire"),
        (dir.path().to_path_buf(), "pas un fichier ordinaire"),
        (big.clone(), "plus de 256 Ko"),
        (escape.clone(), "caractère de contrôle (U+001B)"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
            .args(["config", "check", "--config"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("config check on {} did not return", path.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", path.display());
        let err = stderr(&out);
        assert!(err.contains(why), "{}: {err}", path.display());
        assert!(!err.contains('\u{1b}'), "{err}");
    }
    let keys_file = dir.path().join("keys");
    std::fs::write(&keys_file, b"not a folder").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["keys", "list"])
        .env("COMPTOIR_KEYS", &keys_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("COMPTOIR_KEYS"), "{}", stderr(&out));
}

#[test]
fn import_command_with_good_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    // A store that is not a demo store refuses to issue with the demo shop's identity,
    // says what is missing and where, and writes nothing.
    let refused = comptoir(&[
        "import",
        "quote",
        "tests/fixtures/quote.json",
        "--data",
        data,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let msg = stderr(&refused);
    assert!(
        msg.contains("identité du vendeur")
            && msg.contains("[shop] siret : c'est le SIRET de la démo")
            && msg.contains("[shop] iban : c'est l'IBAN de la démo")
            && msg.contains("comptoir config check"),
        "{msg}"
    );
    let good = comptoir(&[
        "import",
        "quote",
        "tests/fixtures/quote.json",
        "--data",
        data,
        "--config",
        "tests/fixtures/shop.toml",
    ]);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(
        stdout(&good).trim().starts_with("DEV-"),
        "{}",
        stdout(&good)
    );

    type Tamper = Box<dyn Fn(&mut serde_json::Value)>;
    let bad_cases: Vec<(&str, Tamper)> = vec![
        (
            "customer.siret",
            Box::new(|v| v["customer"]["siret"] = "19690123500017".into()),
        ),
        (
            "customer.categorie_juridique",
            Box::new(|v| v["customer"]["categorie_juridique"] = "7999".into()),
        ),
        (
            "lines[0].quantity",
            Box::new(|v| v["lines"][0]["quantity"] = (-3).into()),
        ),
        (
            "customer.contacts",
            Box::new(|v| v["customer"]["contacts"] = serde_json::json!([])),
        ),
    ];
    for (field, tamper) in bad_cases {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v["reference"] = format!("WEB-BAD-{field}").into();
        tamper(&mut v);
        let file = dir.path().join("bad.json");
        std::fs::write(&file, v.to_string()).unwrap();
        let out = comptoir(&[
            "import",
            "quote",
            file.to_str().unwrap(),
            "--data",
            data,
            "--config",
            "tests/fixtures/shop.toml",
        ]);
        assert_eq!(out.status.code(), Some(1), "{field}");
        assert!(stderr(&out).contains(field), "{field}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    let file = dir.path().join("broken.json");
    std::fs::write(&file, "{\"reference\": \"WEB-1\", \"customer\": ").unwrap();
    let out = comptoir(&["import", "quote", file.to_str().unwrap(), "--data", data]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("JSON invalide"), "{}", stderr(&out));

    // Nothing was written by the refused imports: one quote, clean.
    let check = comptoir(&["check", "--data", data]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(stdout(&check).contains("1 commande,"), "{}", stdout(&check));

    // Standard input works too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["import", "quote", "-", "--data", data])
        .args(["--config", "tests/fixtures/shop.toml"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-STDIN".into();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(v.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).trim().starts_with("DEV-") && stdout(&out).trim().ends_with("-00002"),
        "{}",
        stdout(&out)
    );
}

/// Seeds a small store with rendered documents, then damages it in several ways.
#[test]
fn check_detects_a_corrupted_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let seed = comptoir(&[
        "seed",
        "--customers",
        "20",
        "--orders",
        "40",
        "--today",
        "2026-11-27",
        "--data",
        data,
    ]);
    assert!(seed.status.success(), "{}", stderr(&seed));
    let clean = comptoir(&["check", "--data", data]);
    assert!(clean.status.success(), "{}", stdout(&clean));
    assert!(stdout(&clean).contains("cohérent"));

    // doc export writes the stored bytes.
    let exported = dir.path().join("export.pdf");
    let out = comptoir(&[
        "doc",
        "export",
        "FA-2026-00001",
        "-o",
        exported.to_str().unwrap(),
        "--data",
        data,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stored = {
        let store = Store::open(dir.path()).unwrap();
        store
            .read(|rx| rx.document_file("FA-2026-00001", FileFormat::Pdf))
            .unwrap()
            .unwrap()
    };
    assert_eq!(std::fs::read(&exported).unwrap(), stored);
    let out = comptoir(&[
        "doc",
        "export",
        "BL-2026-00001",
        "--xml",
        "-o",
        "-",
        "--data",
        data,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("pas de XML Factur-X"),
        "{}",
        stderr(&out)
    );

    let path = dir.path().join("comptoir.redb");
    let tamper = |f: &dyn Fn(&redb::WriteTransaction)| {
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        f(&txn);
        txn.commit().unwrap();
    };
    // 1. A stored PDF and the stored (compressed) Factur-X XML are altered after issue.
    let first_invoice = {
        let store = Store::open(dir.path()).unwrap();
        store
            .read(|rx| rx.document_numbers_with_prefix("FA-", 1))
            .unwrap()
            .remove(0)
    };
    tamper(&|txn| {
        let mut files = txn.open_table(tables::DOCUMENT_FILES).unwrap();
        let mut bytes = files
            .get((first_invoice.as_str(), 1u8))
            .unwrap()
            .unwrap()
            .value()
            .to_vec();
        let last = bytes.len() - 10;
        bytes[last] ^= 0xFF;
        files
            .insert((first_invoice.as_str(), 1u8), bytes.as_slice())
            .unwrap();
        let mut xml = files
            .get((first_invoice.as_str(), 2u8))
            .unwrap()
            .unwrap()
            .value()
            .to_vec();
        assert_eq!(xml[0], 0x40, "the XML is stored compressed");
        let middle = xml.len() / 2;
        xml[middle] ^= 0xFF;
        files
            .insert((first_invoice.as_str(), 2u8), xml.as_slice())
            .unwrap();
    });
    // 2. The invoice counter jumps (a gap in the numbering).
    tamper(&|txn| {
        let mut counters = txn.open_table(tables::COUNTERS).unwrap();
        let year: u16 = first_invoice[3..7].parse().unwrap();
        let last = counters.get(("FA", year)).unwrap().unwrap().value();
        counters.insert(("FA", year), last + 2).unwrap();
    });
    // 3. An audit record disappears.
    tamper(&|txn| {
        let mut audit = txn.open_table(tables::AUDIT).unwrap();
        audit.remove(3u64).unwrap();
    });
    let out = comptoir(&["check", "--data", data]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains(&format!(
            "{first_invoice}: pdf file does not match its SHA-256"
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "{first_invoice}: xml file does not match its SHA-256"
        )),
        "{report}"
    );
    assert!(report.contains("counter at"), "{report}");
    assert!(
        report.contains("audit: records 3 to 3 are missing"),
        "{report}"
    );
}

/// Local backup and restore, and the commands' answers when there is no store or a server
/// holds it.
#[test]
fn backup_restore_and_check_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    // check on a folder without a store: an error, and nothing is created.
    let out = comptoir(&["check", "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("aucun magasin dans"),
        "{}",
        stderr(&out)
    );
    assert!(!data.exists(), "check created {}", data.display());

    let seed = comptoir(&[
        "seed",
        "--customers",
        "20",
        "--orders",
        "60",
        "--documents",
        "full",
        "--data",
        d,
    ]);
    assert!(seed.status.success(), "{}", stderr(&seed));
    // --data is one option for every subcommand, before or after it.
    let before = comptoir(&["--data", d, "check"]);
    assert!(before.status.success(), "{}", stderr(&before));
    let copy = dir.path().join("copy.redb");
    let out = comptoir(&["backup", "--data", d, "-o", copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tables = format!("{} tables", comptoir::store::backup::TABLE_COUNT);
    assert!(stdout(&out).contains(&tables), "{}", stdout(&out));
    // A second backup to the same file is refused (never overwrites).
    let again = comptoir(&["backup", "--data", d, "-o", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));

    // Restore into a fresh folder: checked, then in place.
    let other = dir.path().join("restored");
    let out = comptoir(&[
        "restore",
        copy.to_str().unwrap(),
        "--data",
        other.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("20 client(s)") && stdout(&out).contains("cohérent"),
        "{}",
        stdout(&out)
    );
    let summary = |o: &std::process::Output| {
        let s = stdout(o);
        // "vérifié : N clients, M commandes, … en X s : cohérent" without the timing.
        s.split(" en ").next().unwrap_or("").to_string()
    };
    let source = comptoir(&["check", "--data", d]);
    let check = comptoir(&["check", "--data", other.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert_eq!(
        summary(&check),
        summary(&source),
        "the copy holds everything"
    );
    assert!(summary(&check).contains("20 clients"), "{}", stdout(&check));

    // A file that is not a store — garbage, an empty file (what a refused `ssh … backup >
    // f.redb` leaves), a redb database without comptoir's tables — is refused and changes
    // nothing; the store still numbers from where it was.
    let checked = |d: &str| {
        let out = comptoir(&["check", "--data", d]);
        stdout(&out).split(" en ").next().unwrap_or("").to_string()
    };
    let store_before = checked(d);
    let garbage = dir.path().join("garbage.redb");
    std::fs::write(&garbage, b"not a redb file").unwrap();
    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("foreign.redb");
    {
        let db = redb::Database::create(&foreign).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("other");
            tx.open_table(def).unwrap().insert("x", 1).unwrap();
        }
        tx.commit().unwrap();
    }
    for (file, why) in [
        (&garbage, "pas une base redb"),
        (&empty, "vide (0 octet)"),
        (&foreign, "aucune table de comptoir"),
    ] {
        for force in [false, true] {
            let mut args = vec!["restore", file.to_str().unwrap(), "--data", d];
            if force {
                args.push("--force");
            }
            let out = comptoir(&args);
            assert_eq!(out.status.code(), Some(1), "{why}");
            assert!(
                stderr(&out).contains(why) && stderr(&out).contains("rien n'a été restauré"),
                "{}",
                stderr(&out)
            );
        }
    }
    assert_eq!(
        checked(d),
        store_before,
        "refused restores leave the store untouched"
    );
    assert!(store_before.contains("20 clients"), "{store_before}");
    // Restoring over a store with documents shows both and asks for --force; forced, the
    // replaced store is kept aside.
    let out = comptoir(&["restore", copy.to_str().unwrap(), "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("actuel :") && err.contains("sauvegarde :") && err.contains("--force"),
        "{err}"
    );
    assert!(err.contains("dernière facture FA-"), "{err}");
    let out = comptoir(&["restore", copy.to_str().unwrap(), "--data", d, "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("before-restore-"), "{}", stdout(&out));
    assert!(stdout(&out).contains("remplace :"), "{}", stdout(&out));
    let aside: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1);

    // While a process holds the store, local commands give the exact ssh command.
    let held = Store::open(&data).unwrap();
    let out = comptoir(&["check", "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ssh -p 2222 127.0.0.1 check"),
        "{}",
        stderr(&out)
    );
    let out = comptoir(&["backup", "--data", d, "-o", "x.redb"]);
    assert!(
        stderr(&out).contains("ssh -p 2222 127.0.0.1 backup > x.redb"),
        "{}",
        stderr(&out)
    );
    let out = comptoir(&["doc", "export", "FA-2026-00001", "--data", d]);
    assert!(
        stderr(&out).contains("ssh -p 2222 127.0.0.1 doc get FA-2026-00001 > FA-2026-00001.pdf"),
        "{}",
        stderr(&out)
    );
    let out = comptoir(&["restore", copy.to_str().unwrap(), "--data", d, "--force"]);
    assert!(
        stderr(&out).contains("arrêtez-le avant de restaurer"),
        "{}",
        stderr(&out)
    );
    drop(held);
}

/// `serve` as a service runs it: JSON log lines on stderr (no colour codes), SIGHUP
/// re-reads the configuration (a bad one is reported and the one in force stays),
/// SIGTERM stops it cleanly. The copy a server killed mid-backup left is removed at start.
#[test]
fn serve_logs_json_reloads_on_sighup_and_stops_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("comptoir.toml");
    std::fs::copy("tests/fixtures/shop.toml", &config).unwrap();
    let log = dir.path().join("serve.log");
    drop(Store::open(&dir.path().join("data")).unwrap());
    let leftover = dir.path().join("data").join(".backup-31337-1.redb");
    std::fs::write(&leftover, vec![0u8; 1 << 20]).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--keys")
        .arg(dir.path().join("keys"))
        .arg("--config")
        .arg(&config)
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("comptoir écoute sur") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve exited early"
        );
    }
    let wait_for = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains(what) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no « {what} » in:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let text = wait_for("supprimée");
    assert!(text.contains(".backup-31337-1.redb"), "{text}");
    assert!(!leftover.exists());
    // A local command names the port this server listens on (not a default).
    let port = line.trim().rsplit(':').next().unwrap().to_string();
    let out = comptoir(&["check", "--data", dir.path().join("data").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("ssh -p {port} 127.0.0.1 check")),
        "port {port}: {}",
        stderr(&out)
    );
    let pid = child.id() as i32;
    // A broken configuration: reported, not applied.
    std::fs::write(&config, "[shop]\nsiret = \"123\"\n").unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    wait_for("configuration NON rechargée");
    // A good one: applied.
    std::fs::copy("tests/fixtures/shop.toml", &config).unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    wait_for("configuration rechargée");
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file:\n{text}"
    );
    let json: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(json.len() >= 3, "{text}");
    assert!(
        json.iter()
            .all(|v| v["level"].is_string() && v["fields"].is_object())
    );
    assert!(json.iter().any(|v| {
        v["level"] == "ERROR"
            && v["fields"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("shop.siret")
    }));
}

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

/// A clock put back behind the last document of a series stops numbering in that series
/// with a French message naming both times — nothing is written, no inversion — and
/// `check` (the app's and the real binary's) warns that the clock is behind the last
/// event; once the clock is right again, numbering resumes.
#[test]
fn a_clock_behind_the_last_document_stops_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let day = |d: &str, h: i64| Timestamp::from_date_utc(Date::parse_iso(d).unwrap(), h * 3600);
    let clock = Arc::new(FixedClock::new(day("2026-03-02", 10)));
    let app = app_in(dir.path(), clock.clone());
    let import = |reference: u32| {
        let req = parse_quote_request(&quote_json(0, reference, &[(0, 1)])).unwrap();
        app.import_quote(&Actor::import(), &req)
    };
    let first = import(1).unwrap().number.to_string();
    assert_eq!(first, "DEV-2026-00001");
    // One day back: refused, and the series is untouched.
    clock.set(day("2026-03-01", 10));
    let e = import(2).unwrap_err().to_string();
    assert!(
        e.contains("avant DEV-2026-00001 émis le 02/03/2026")
            && e.contains("01/03/2026")
            && e.contains("NTP"),
        "{e}"
    );
    // Back over the new year: the new year's series exists, the old one is not reopened.
    clock.set(day("2025-12-31", 10));
    let e = import(3).unwrap_err().to_string();
    assert!(e.contains("DEV-2026-00001"), "{e}");
    let report = app.check(&admin()).unwrap();
    assert!(report.is_clean(), "{:?}", report.violations);
    assert!(
        report.warnings.iter().any(|w| w.contains("en retard")),
        "{:?}",
        report.warnings
    );
    assert!(report.free_bytes.is_some_and(|b| b > 0));
    // The clock right again: numbering resumes where it was.
    clock.set(day("2026-03-02", 11));
    assert_eq!(import(4).unwrap().number.to_string(), "DEV-2026-00002");
    // Events recorded ahead of the machine's clock (a store from a machine whose clock
    // ran ahead): the real binary's check warns about the clock, and names the records.
    clock.set(day("2099-01-05", 9));
    import(5).unwrap();
    drop(app);
    let out = comptoir(&["check", "--data", dir.path().to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("attention : l'horloge du serveur") && text.contains("05/01/2099"),
        "{text}"
    );
    assert!(text.contains("after now"), "{text}");
    assert!(
        text.contains("espace libre sur le disque du magasin"),
        "{text}"
    );
}

/// The disk reserve: below `[server] disk_reserve_mb` of free space, business writes are
/// refused with a French message (before the disk is full), while the audit trail of
/// logins still writes; 0 turns the reserve off.
#[test]
fn business_writes_stop_at_the_disk_reserve() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
    let app = app_in(dir.path(), clock);
    let free_mb = comptoir::store::free_space(dir.path()).unwrap() / 1_000_000;
    let mut settings = (*app.settings()).clone();
    settings.disk_reserve_mb = free_mb + 1_000_000;
    app.set_settings(settings.clone());
    let req = parse_quote_request(&quote_json(0, 1, &[(0, 1)])).unwrap();
    let e = app
        .import_quote(&Actor::import(), &req)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Mo sur le disque du magasin") && e.contains("réserve"),
        "{e}"
    );
    let seq = app.read(|rx| rx.last_audit_seq()).unwrap();
    app.try_record_access(
        &staff(),
        comptoir::domain::AccessEvent::Login {
            peer: None,
            fingerprint: "SHA256:marie".into(),
            client: "test".into(),
        },
    )
    .unwrap();
    assert_eq!(app.read(|rx| rx.last_audit_seq()).unwrap(), seq + 1);
    settings.disk_reserve_mb = 0;
    app.set_settings(settings);
    app.import_quote(&Actor::import(), &req).unwrap();
}

/// The local commands speak French: configuration check, store check, restore refusals,
/// key enrolment, a broken quote file — no English sentence reaches the person.
#[test]
fn the_local_commands_speak_french() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let d = d.to_str().unwrap();
    let keys = dir.path().join("keys");
    let key = dir.path().join("k.pub");
    std::fs::write(
        &key,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl anne@poste\n",
    )
    .unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"reference\": ").unwrap();
    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["config", "check"],
        vec!["import", "quote", broken.to_str().unwrap(), "--data", d],
        vec!["check", "--data", d],
        vec!["restore", empty.to_str().unwrap(), "--data", d],
        vec![
            "keys",
            "add",
            "anne",
            key.to_str().unwrap(),
            "--admin",
            "--keys",
            keys.to_str().unwrap(),
            "--data",
            d,
        ],
        vec![
            "keys",
            "list",
            "--keys",
            keys.to_str().unwrap(),
            "--data",
            d,
        ],
        vec![
            "keys",
            "revoke",
            "anne",
            "--keys",
            keys.to_str().unwrap(),
            "--data",
            d,
        ],
    ];
    let english = [
        "error:",
        " the ",
        "problem(s)",
        "may now",
        "restored",
        "expected",
        "no store",
        "checked ",
        "violation",
        "Seller",
        "revoked ",
        "nobody",
        "warning:",
    ];
    for args in runs {
        let out = comptoir(&args);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        for w in english {
            assert!(
                !text.contains(w),
                "`comptoir {}` says « {w} »:\n{text}",
                args.join(" ")
            );
        }
    }
}

/// A local command run without `$USER` (cron, systemd) is recorded under the account that
/// ran it, never « ? ».
#[test]
fn a_local_command_is_recorded_under_its_system_user() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(Store::open(&data).unwrap());
    let keys = dir.path().join("keys");
    let key = dir.path().join("k.pub");
    std::fs::write(
        &key,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl anne@poste\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["keys", "add", "anne"])
        .arg(&key)
        .arg("--admin")
        .arg("--keys")
        .arg(&keys)
        .arg("--data")
        .arg(&data)
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let account = Command::new("id").arg("-un").output().unwrap();
    let account = String::from_utf8_lossy(&account.stdout).trim().to_string();
    let app = App::open(&data, Settings::default()).unwrap();
    let records = app.audit(0, 10).unwrap();
    let added = records
        .iter()
        .find(|r| r.action == comptoir::domain::Action::AccessKeyAdded)
        .expect("the key addition is audited");
    let who = format!("{} {}", added.actor.name, added.detail);
    assert!(!who.contains('?'), "{who}");
    assert!(who.contains(&account), "« {account} » not in « {who} »");
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
        include_str!("fixtures/bank/camt053-v02.xml")
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
                include_bytes!("fixtures/bank/camt053-v08.xml"),
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
        let cfonb = include_str!("fixtures/bank/cfonb120.txt").replace('\n', "\r\n");
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
        let cfonb = include_str!("fixtures/bank/cfonb120.txt");
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

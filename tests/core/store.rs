//! The store on a real redb file: round trip and indexes, random action sequences that keep every invariant, a corrupted store found, the clock and the disk reserve.

use super::*;

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

//! Money by command, the payment pack, a backup taken while others write.

use super::*;

/// Receipt date, late payment, interest received and waived, partial credit notes, all
/// by command: the due date moves with the receipt, interest stays owed after the
/// principal, only an admin waives it, and credit notes never exceed the invoice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_by_command_receipt_interest_and_partial_credit_notes() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let day = |d: &str| Timestamp::from_date_utc(Date::parse_iso(d).unwrap(), 11 * 3600);
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-7 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches --contract MARCHE-12"
        ),
        format!("order deliver {n}"),
        format!("order invoice {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    // Invoiced on 2 March; recorded received on 4 March: due 30 days later.
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order received-by-body {n} --date 2026-03-01"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("précède la facture FA-2026-00001 du 02/03/2026"),
        "{err}"
    );
    w.clock.set(day("2026-03-05"));
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order received-by-body {n} --date 04/03/2026"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), "FA-2026-00001 échéance 03/04/2026");
    // A partial credit note by quantity, then one by amount that would exceed it.
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --quantities 1,0,0 --reason 'une enceinte rendue'"),
        )
        .await;
    assert_eq!((out.trim(), s), ("AV-2026-00001", 0), "{err}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --amount 99999 --reason 'geste'"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("rendrait plus que la facture FA-2026-00001 n'a facturé au taux de 20 %"),
        "{err}"
    );
    let owed = w.app.order_view(n).unwrap().order.outstanding();
    // Paid 20 days late: interest and the indemnity stay owed once the principal is paid.
    w.clock.set(day("2026-04-23"));
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!(
                "order pay {n} --date 2026-04-23 --amount '{}' --reference M-1",
                owed.decimal()
            ),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\tpaid"));
    let v = w.app.order_view(n).unwrap();
    let expected = v.penalties.interest + v.penalties.indemnity;
    assert!(v.penalties.indemnity.0 == 4000 && v.penalties.interest.0 > 0);
    assert!(
        v.flags
            .iter()
            .any(|f| f.text().contains("intérêts et indemnité dus")),
        "{:?}",
        v.flags
    );
    let (out, _, _) = w.run(&w.staff, &format!("order show {n}")).await;
    assert!(
        out.contains("payés le 23/04/2026 : 20 j × 10,15 %"),
        "{out}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order pay-interest {n} --date 2026-04-23 --amount 40 --reference M-2"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("reçus 40,00 €"), "{out}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order waive-interest {n} --reason 'petit montant'"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("permission refusée"), "{err}");
    let (out, err, s) = w
        .run(
            &w.admin,
            &format!("order waive-interest {n} --reason 'petit montant'"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("reste 0,00 €"), "{out}");
    let t = w.app.order_view(n).unwrap().penalties;
    assert_eq!(
        t.interest + t.indemnity,
        expected,
        "what was owed stays on record"
    );
    assert_eq!(t.waived, expected - comptoir::domain::Cents(4000));
    let (json, _, _) = w.run(&w.admin, "audit --json").await;
    assert!(
        json.contains("penalties-waived") && json.contains("petit montant"),
        "{json}"
    );
    // The accounting exports see all of it.
    let (fec, err, s) = w.run(&w.staff, "export fec --year 2026").await;
    assert_eq!(s, 0, "{err}");
    assert!(err.contains("912345675FEC20261231.txt"), "{err}");
    assert!(
        fec.starts_with("JournalCode\tJournalLib\tEcritureNum"),
        "{fec}"
    );
    assert!(
        fec.contains("\tFA-2026-00001\t") && fec.contains("\t763100\t"),
        "{fec}"
    );
    let (csv, err, s) = w
        .run(
            &w.staff,
            "export invoices --from 2026-01-01 --to 2026-12-31",
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "header, the invoice, the credit note: {csv}");
    assert!(
        rows[1].starts_with("FA-2026-00001;Facture;02/03/2026;03/04/2026;")
            && rows[1].ends_with(";payée"),
        "{csv}"
    );
    // A paid invoice reduced afterwards: the surplus is refunded by command.
    w.clock.set(day("2026-04-24"));
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --amount 10 --reason 'geste après paiement'"),
        )
        .await;
    assert_eq!((out.trim(), s), ("AV-2026-00002", 0), "{err}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order refund {n} --date 2026-04-24 --amount 13 --reference VIR-1"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("dépasse le trop-perçu (12,00 €)"), "{err}");
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order refund {n} --date 2026-04-24 --amount 12 --reference VIR-1"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("{n}\tpaid\ttrop-perçu à rembourser 0,00 €")
    );
    let siret = w
        .app
        .order_view(n)
        .unwrap()
        .customer
        .siret
        .as_str()
        .to_string();
    let (json, err, s) = w
        .run(&w.staff, &format!("customer statement {siret} --json"))
        .await;
    assert_eq!(s, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["invoice", "credit-note", "payment", "credit-note", "refund"],
        "{json}"
    );
    assert_eq!(v["closing_cents"], 0, "{json}");
    let (pdf, err, s) = w
        .exec(
            &w.staff,
            &format!("customer statement {siret} --from 2026-04-01"),
            None,
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(pdf.starts_with(b"%PDF-"), "{err}");
    let (csv, err, s) = w.run(&w.staff, "export aged").await;
    assert_eq!(s, 0, "{err}");
    assert!(
        csv.starts_with("Balance âgée au 24/04/2026\nOrganisme;SIRET;Factures;Non échu;"),
        "{csv}"
    );
    assert!(csv.lines().last().unwrap().starts_with("Total;;"), "{csv}");
}

/// The pack holds the issued invoice's own pages (copied, not re-rendered), the RIB page,
/// then the scan of the original once attached; the same inputs give the same bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pack_copies_the_issued_invoice_and_the_scan() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let (_, err, s) = w.run(&w.staff, &format!("order attach-po {n}")).await;
    assert_eq!(s, 1);
    assert!(err.contains("aucun fichier reçu"), "{err}");
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-7 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"
        ),
        format!("order deliver {n}"),
        format!("order invoice {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    let invoice = w
        .app
        .document_file("FA-2026-00001", FileFormat::Pdf)
        .unwrap();
    let page_content = |pdf: &[u8], page: usize| -> Vec<u8> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let id = *doc.get_pages().values().nth(page).unwrap();
        doc.get_page_content(id)
    };
    let pages = |pdf: &[u8]| lopdf::Document::load_mem(pdf).unwrap().get_pages().len();
    let (pack, err, s) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(
        pages(&pack),
        pages(&invoice) + 1,
        "invoice pages, then the RIB page"
    );
    assert_eq!(
        page_content(&pack, 0),
        page_content(&invoice, 0),
        "copied, not re-rendered"
    );
    let (again, _, _) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(again, pack, "same inputs, same bytes");

    // A file that is not a scan is refused and nothing is attached.
    let (_, err, s) = w
        .exec(&w.staff, &format!("order attach-po {n}"), Some(b"bonjour"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("PDF, PNG ou JPEG"), "{err}");
    let png = std::fs::read("tests/fixtures/logo.png").unwrap();
    let (out, err, s) = w
        .exec(&w.staff, &format!("order attach-po {n}"), Some(&png))
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(String::from_utf8_lossy(&out).contains("image/png"));
    let (_, err, s) = w
        .exec(&w.staff, &format!("order attach-po {n}"), Some(&invoice))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà joint"), "{err}");
    let (show, _, _) = w.run(&w.staff, &format!("order show {n}")).await;
    assert!(
        show.contains("Scan du BC original joint : image/png"),
        "{show}"
    );
    let (pack, _, s) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(s, 0);
    assert_eq!(pages(&pack), pages(&invoice) + 2, "…and the scan's page");
    assert_eq!(page_content(&pack, 0), page_content(&invoice, 0));
    // Real readers open it: poppler (installed by .ci/run, as for tests/documents/).
    let path = w._dir.path().join("pack.pdf");
    std::fs::write(&path, &pack).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/run");
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("FACTURE") && text.contains("Relevé d'identité bancaire"),
        "{text}"
    );
    let report = w.app.read(comptoir::store::check::check).unwrap();
    assert!(report.is_clean(), "{:?}", report.violations);
}

/// `ssh host backup` while two clients keep importing quotes: the copy holds every import
/// acknowledged before the backup started, restores, and checks clean; `ssh host check`
/// verifies the live store. Both are for admins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_restores_clean_with_every_acknowledged_action() {
    let w = Arc::new(world().await);
    let acked: Arc<std::sync::Mutex<Vec<(Instant, String)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for t in 0..2 {
        let (w, acked, stop) = (w.clone(), acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
                let reference = format!("WEB-BK-{t}-{i}");
                v["reference"] = reference.clone().into();
                let (_, _, s) = w
                    .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
                    .await;
                if s == 0 {
                    acked.lock().unwrap().push((Instant::now(), reference));
                }
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, err, s) = w.run(&w.staff, "backup").await;
    assert_eq!(s, 1);
    assert!(err.contains("permission refusée"), "{err}");
    let started = Instant::now();
    let (copy, err, s) = w.exec(&w.admin, "backup", None).await;
    assert_eq!(s, 0, "{err}");
    assert!(err.contains("sauvegarde cohérente"), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for wr in writers {
        wr.await.unwrap();
    }
    let before: Vec<String> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at < started)
        .map(|(_, r)| r.clone())
        .collect();
    assert!(before.len() >= 2, "writes were going on: {}", before.len());
    // No temporary copy is left beside the store.
    let leftovers = std::fs::read_dir(w._dir.path().join("data"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".backup-"))
        .count();
    assert_eq!(leftovers, 0);

    let file = w._dir.path().join("backup.redb");
    std::fs::write(&file, &copy).unwrap();
    let target = w._dir.path().join("restored");
    let restored = comptoir::store::backup::restore(&file, &target, "test", false).unwrap();
    assert!(
        restored.report.is_clean(),
        "{:?}",
        restored.report.violations
    );
    let store = Store::open(&target).unwrap();
    for r in &before {
        let found = store.read(|rx| rx.order_by_external_ref(r)).unwrap();
        assert!(
            found.is_some(),
            "{r} was acknowledged before the backup and is missing"
        );
    }

    let (out, err, s) = w.run(&w.admin, "check --json").await;
    assert_eq!(s, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["clean"], true);
    assert!(v["orders"].as_u64().unwrap() >= before.len() as u64);
    let (_, err, s) = w.run(&w.staff, "check").await;
    assert_eq!(s, 1);
    assert!(err.contains("permission refusée"), "{err}");
}

//! The payment pack, the statement of account, the aged balance and the letters.

use super::*;

/// A scanned purchase order that is itself a PDF is merged page by page after the RIB.
#[test]
fn a_pdf_scan_is_merged_into_the_pack() {
    let s = shop();
    let n = import(&s, "WEB-PACK", false, &[("Enceinte", "249.00", "20", 2)]);
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    s.app.issue_invoice(&staff(), &n).unwrap();
    let invoice = s.app.document("FA-2026-00001").unwrap();
    let invoice_pdf = s
        .app
        .document_file("FA-2026-00001", FileFormat::Pdf)
        .unwrap();
    // Any real PDF stands for the scan: the quote, here.
    let scan = s.app.document_file(&n, FileFormat::Pdf).unwrap();
    let info = comptoir::documents::inspect_scan(&scan).unwrap();
    assert_eq!(info.kind, comptoir::documents::ScanKind::Pdf);
    let seller = Settings::default().seller;
    let pack = comptoir::documents::render_pack(
        &invoice,
        &seller,
        &comptoir::documents::PackInput {
            invoice_pdf: &invoice_pdf,
            credit_note_pdfs: &[],
            account_lines: &[],
            to_pay: invoice.totals.incl_vat,
            po_lines: &["Bon de commande ENG-2026-0042".to_string()],
            order: comptoir::documents::PackOrder::Scan {
                media_type: "application/pdf",
                bytes: &scan,
            },
        },
    )
    .unwrap();
    let path = s.dir.path().join("pack.pdf");
    std::fs::write(&path, &pack).unwrap();
    let text = text_of(&path);
    assert_mentions(
        &text,
        &[
            "FACTURE",
            "N° FA-2026-00001",
            "Relevé d'identité bancaire",
            "DEVIS",
            &format!("N° {n}"),
        ],
    );
    let count = |pdf: &[u8]| lopdf::Document::load_mem(pdf).unwrap().get_pages().len();
    assert_eq!(count(&pack), count(&invoice_pdf) + 1 + info.pages);
}

/// The pack asks for what is left to pay after two credit notes and a payment, carries
/// the credit notes' own pages, and shows the bank account the invoice printed even when
/// the settings name another one since.
#[test]
fn the_pack_asks_for_what_is_left_with_the_invoices_bank_details() {
    let s = shop();
    let n = import(&s, "WEB-PACK-2", false, &[("Enceinte", "249.00", "20", 4)]);
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    let invoice = s.app.issue_invoice(&staff(), &n).unwrap();
    assert_eq!(invoice.totals.incl_vat, Cents(119_520));
    let scope = |net| CreditScope::Amount {
        net: Cents(net),
        vat: None,
    };
    s.app
        .issue_credit_note(&staff(), &n, None, &scope(10_000), "remise")
        .unwrap();
    s.app
        .issue_credit_note(&staff(), &n, None, &scope(5_000), "geste")
        .unwrap();
    s.app
        .record_payment(&staff(), &n, s.app.today(), Cents(50_000), "MANDAT-7")
        .unwrap();
    // The shop changed banks after issuing the invoice.
    let mut settings = (*s.app.settings()).clone();
    settings.seller.iban = "FR7630004000031234567890143".into();
    settings.seller.bank_name = "Nouvelle Banque".into();
    s.app.set_settings(settings);
    let pack = s.app.accounting_pack(&invoice).unwrap();
    let path = s.dir.path().join("pack.pdf");
    std::fs::write(&path, &pack).unwrap();
    let text = text_of(&path);
    // 1 195,20 − 120,00 − 60,00 − 500,00 = 515,20.
    assert_mentions(
        &text,
        &[
            "montant à payer 515,20 €",
            "AV-2026-00001",
            "AV-2026-00002",
            "Déjà réglé : − 500,00 €",
            "Reste à payer : 515,20 €",
            "FR76 3000 6000 0112 3456 7890 189",
        ],
    );
    assert!(
        !text.contains("FR76 3000 4000"),
        "today's IBAN is not the invoice's"
    );
    assert!(!text.contains("Nouvelle Banque"), "nor its bank");
    let pages = |pdf: &[u8]| lopdf::Document::load_mem(pdf).unwrap().get_pages().len();
    let file = |number: &str| s.app.document_file(number, FileFormat::Pdf).unwrap();
    assert_eq!(
        pages(&pack),
        pages(&file("FA-2026-00001"))
            + pages(&file("AV-2026-00001"))
            + pages(&file("AV-2026-00002"))
            + 1,
        "the invoice, its two credit notes and the RIB page"
    );
    assert!(text.matches("AVOIR").count() >= 2, "{text}");
}

/// A paid invoice cancelled by a credit note leaves a « trop-perçu »: it is refunded (at
/// most in full, never twice), the refund letters with the surplus in the FEC, the
/// statement of account shows every movement with its running balance (PDF read back by
/// pdftotext, laid out without clipping, and JSON-ready figures), and the aged balance
/// puts another order's late invoice in its column.
#[test]
fn a_refund_the_statement_of_account_and_the_aged_balance() {
    let s = shop();
    let admin = Actor::person("paul", Role::Admin, "SHA256:paul");
    let n = import(&s, "WEB-REFUND", false, &[("Enceinte", "249.00", "20", 4)]);
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    let invoice = s.app.issue_invoice(&staff(), &n).unwrap();
    let total = invoice.totals.incl_vat;
    assert_eq!(total, Cents(119_520));
    s.clock.set(noon("2026-03-10"));
    s.app
        .record_payment(&staff(), &n, s.app.today(), total, "MANDAT-1")
        .unwrap();
    // Paid twice by mistake: refused as a typo, accepted when staff saw it on the bank.
    let e = s
        .app
        .record_payment(&staff(), &n, s.app.today(), Cents(2_000), "MANDAT-2")
        .unwrap_err()
        .to_string();
    assert!(e.contains("trop-perçu"), "{e}");
    s.app
        .record_overpayment(&staff(), &n, s.app.today(), Cents(2_000), "MANDAT-2")
        .unwrap();
    s.clock.set(noon("2026-03-12"));
    s.app
        .issue_credit_note(
            &staff(),
            &n,
            None,
            &CreditScope::Full,
            "erreur de facturation",
        )
        .unwrap();
    let o = s.app.order_view(&n).unwrap().order;
    assert_eq!(o.credit_balance(), total + Cents(2_000));
    let e = s
        .app
        .record_refund(&staff(), &n, s.app.today(), total + Cents(2_001), "VIR-R0")
        .unwrap_err()
        .to_string();
    assert!(e.contains("dépasse le trop-perçu"), "{e}");
    s.clock.set(noon("2026-03-15"));
    s.app
        .record_refund(&staff(), &n, s.app.today(), Cents(2_000), "VIR-R1")
        .unwrap();
    s.clock.set(noon("2026-03-16"));
    let o = s
        .app
        .record_refund(&staff(), &n, s.app.today(), total, "VIR-R2")
        .unwrap();
    assert_eq!(o.credit_balance(), Cents::ZERO);
    assert_eq!(o.outstanding(), Cents::ZERO);

    // Another order of the same body, invoiced and left unpaid.
    let m = import(&s, "WEB-LATE", false, &[("Micro", "100.00", "20", 1)]);
    s.clock.set(noon("2026-03-17"));
    receive_and_deliver(&s, &m);
    let late = s.app.issue_invoice(&staff(), &m).unwrap();
    let due = s.app.order_view(&m).unwrap().order.invoices[0]
        .due_date()
        .unwrap();

    // The store's invariants hold (refunds within the surplus, each one audited).
    let report = s.app.check(&admin).unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);

    // The FEC: the refunds debit 411 and letter with the surplus they return.
    s.clock.set(noon("2026-12-31"));
    let fec = s.app.export_fec(2026).unwrap();
    let rows: Vec<Vec<&str>> = fec
        .text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let on_411 = |needle: &str| -> Vec<&Vec<&str>> {
        rows.iter()
            .filter(|r| r[4].starts_with("411") && r[10].contains(needle))
            .collect()
    };
    let surplus = on_411("trop-perçu");
    assert_eq!(
        surplus.len(),
        4,
        "two payment surpluses and two refunds: {surplus:#?}"
    );
    let letters: std::collections::BTreeSet<&str> = surplus.iter().map(|r| r[13]).collect();
    assert_eq!(letters.len(), 1, "{surplus:#?}");
    assert!(!surplus[0][13].is_empty(), "lettered: {surplus:#?}");
    let balance: i64 = surplus
        .iter()
        .map(|r| {
            let c = |s: &str| s.replace(',', "").parse::<i64>().unwrap();
            c(r[11]) - c(r[12])
        })
        .sum();
    assert_eq!(balance, 0);

    // The statement of account.
    let customer = s.app.order_view(&n).unwrap().customer;
    let st = s.app.statement(customer.id, None, None).unwrap();
    let kinds: Vec<&str> = st.statement.lines.iter().map(|l| l.kind.label()).collect();
    assert_eq!(
        kinds,
        [
            "Facture",
            "Paiement",
            "Paiement",
            "Avoir",
            "Remboursement",
            "Remboursement",
            "Facture"
        ]
    );
    assert_eq!(st.statement.closing, late.totals.incl_vat);
    assert_eq!(st.statement.overdue, late.totals.incl_vat);
    let balances: Vec<i64> = st.statement.lines.iter().map(|l| l.balance.0).collect();
    assert_eq!(
        balances,
        [
            119_520,
            0,
            -2_000,
            -121_520,
            -119_520,
            0,
            late.totals.incl_vat.0
        ]
    );
    let pdf = s.app.statement_pdf(&st).unwrap();
    let path = s.dir.path().join("releve.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = text_of(&path);
    assert_mentions(
        &text,
        &[
            "RELEVÉ DE COMPTE",
            "Lycée Jean Moulin",
            "SIRET 19690123500016",
            "Remboursement VIR-R2",
            "Paiement MANDAT-2",
            &format!(
                "Avoir {}",
                o.documents
                    .iter()
                    .find(|d| d.number.kind == DocKind::CreditNote)
                    .unwrap()
                    .number
            ),
            &format!("Solde dû au 31/12/2026 : {}", late.totals.incl_vat.fr()),
            "Dont échu et non réglé",
        ],
    );
    let seller = Settings::default().seller;
    let boxes =
        comptoir::documents::statement_boxes(&st.customer, &st.statement, &seller, s.app.now());
    let problems = comptoir::documents::layout_problems(&boxes);
    assert!(problems.is_empty(), "{problems:#?}");
    // From 13 March: what came before is the opening balance.
    let part = s
        .app
        .statement(
            customer.id,
            Some(Date::parse_iso("2026-03-13").unwrap()),
            None,
        )
        .unwrap();
    assert_eq!(part.statement.opening, Cents(-121_520));
    assert_eq!(part.statement.closing, st.statement.closing);

    // A long statement paginates, long references wrap, nothing is clipped or lost.
    let mut long = st.statement.clone();
    let template = long.lines[1].clone();
    long.lines = (0..140)
        .map(|i| {
            let mut l = template.clone();
            l.reference = format!("MANDAT-{i:03}-{}", "Ω".repeat(40 + i % 50));
            l
        })
        .collect();
    let boxes = comptoir::documents::statement_boxes(&st.customer, &long, &seller, s.app.now());
    let problems = comptoir::documents::layout_problems(&boxes);
    assert!(problems.is_empty(), "{problems:#?}");
    let long_st = comptoir::app::accounts::CustomerStatement {
        customer: st.customer.clone(),
        statement: long,
    };
    let path = s.dir.path().join("long.pdf");
    std::fs::write(&path, s.app.statement_pdf(&long_st).unwrap()).unwrap();
    let text: String = text_of(&path)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for i in 0..140 {
        assert!(
            text.contains(&format!("MANDAT-{i:03}-")),
            "MANDAT-{i:03} lost"
        );
    }

    // The aged balance: the late invoice, 31–60 days past due on 15 days + 45.
    s.clock.set(noon(&due.add_days(45).to_string()));
    let aged = s.app.aged_balance();
    assert_eq!(aged.len(), 1);
    assert_eq!(aged[0].row.buckets[2], late.totals.incl_vat);
    assert_eq!(aged[0].row.credit, Cents::ZERO);
    let csv = comptoir::app::accounts::aged_csv(&aged, s.app.today());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[1],
        "Organisme;SIRET;Factures;Non échu;1–30 j;31–60 j;61–90 j;> 90 j;Trop-perçu;Solde"
    );
    assert_eq!(
        lines[2],
        "Lycée Jean Moulin;19690123500016;1;0,00;0,00;120,00;0,00;0,00;0,00;120,00"
    );
    assert!(lines[3].starts_with("Total;;1;"), "{csv}");
}

/// Letters: a reminder and a formal notice for an overdue invoice, the claim for moratory
/// interest after the body's 45 days (R2192-36) — each stored with its hash, listed on the
/// order, downloadable as written, and `pdftotext` finds every amount of the computation;
/// worst-case strings and long computations are never clipped.
#[test]
fn reminders_formal_notices_and_interest_claims() {
    use comptoir::domain::letter::LetterKind;
    use sha2::Digest as _;
    let s = shop();
    let n = import(
        &s,
        "WEB-LET",
        false,
        &[("Enceinte active 8 pouces", "1000.00", "20", 2)],
    );
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    let inv = s.app.issue_invoice(&staff(), &n).unwrap();
    // Not overdue yet: nothing to remind.
    let e = s
        .app
        .write_letter(&staff(), &n, LetterKind::Reminder)
        .unwrap_err()
        .to_string();
    assert!(e.contains("aucune facture échue"), "{e}");
    s.clock.set(noon("2026-04-20"));
    let reminder = s
        .app
        .write_letter(&staff(), &n, LetterKind::Reminder)
        .unwrap();
    assert_eq!(reminder.reference, "LET-2026-00001");
    let due = reminder.invoices[0].due;
    let (_, pdf) = s.app.letter(&reminder.reference).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let digest: String = sha2::Sha256::digest(&pdf)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, reminder.sha256, "stored with its hash");
    let path = s.dir.path().join(reminder.file_name());
    std::fs::write(&path, &pdf).unwrap();
    let text = text_of(&path);
    assert_mentions(
        &text,
        &[
            "RELANCE",
            "Réf. LET-2026-00001",
            &inv.number.to_string(),
            "2 400,00 €",
            &due.fr(),
            &format!(
                "{} j",
                Date::parse_iso("2026-04-20").unwrap().days_since(due)
            ),
            "D2192-35",
            "IBAN",
        ],
    );
    // The formal notice: the interest so far, period by period.
    let notice = s
        .app
        .write_letter(&staff(), &n, LetterKind::FormalNotice)
        .unwrap();
    assert_eq!(notice.reference, "LET-2026-00002");
    let i = &notice.invoices[0];
    assert!(
        i.interest > Cents::ZERO && i.indemnity == Cents(4000),
        "{i:?}"
    );
    assert_eq!(notice.asked, i.unpaid + i.interest + i.indemnity);
    let path = s.dir.path().join(notice.file_name());
    std::fs::write(&path, s.app.letter(&notice.reference).unwrap().1).unwrap();
    let text = text_of(&path);
    let mut amounts: Vec<String> = i.periods.iter().map(|p| p.interest.fr()).collect();
    amounts.extend([
        i.interest.fr(),
        i.indemnity.fr(),
        notice.asked.fr(),
        comptoir::domain::letter::rate_text(i.rate_bp),
        i.periods[0].days.to_string(),
    ]);
    let refs: Vec<&str> = amounts.iter().map(String::as_str).collect();
    assert_mentions(&text, &refs);
    assert_mentions(&text, &["MISE EN DEMEURE", "R2192-31", "L2192-13"]);
    // Paid late on 25 April: the claim waits for the body's 45 days, then asks for
    // interest on 2 400 € for the days late, and the 40 € indemnity.
    s.clock.set(noon("2026-04-25"));
    s.app
        .record_payment(&staff(), &n, s.app.today(), Cents(240_000), "MDT-9")
        .unwrap();
    s.clock.set(noon("2026-05-20"));
    let e = s
        .app
        .write_letter(&staff(), &n, LetterKind::InterestClaim)
        .unwrap_err()
        .to_string();
    assert!(e.contains("09/06/2026") && e.contains("R2192-36"), "{e}");
    s.clock.set(noon("2026-06-15"));
    let claim = s
        .app
        .write_letter(&staff(), &n, LetterKind::InterestClaim)
        .unwrap();
    let i = &claim.invoices[0];
    assert_eq!(i.paid_on, Some(Date::parse_iso("2026-04-25").unwrap()));
    assert_eq!(i.periods.len(), 1);
    assert_eq!(
        i.periods[0].days,
        Date::parse_iso("2026-04-25").unwrap().days_since(due)
    );
    assert_eq!(claim.asked, i.interest + Cents(4000));
    let path = s.dir.path().join(claim.file_name());
    std::fs::write(&path, s.app.letter(&claim.reference).unwrap().1).unwrap();
    let text = text_of(&path);
    assert_mentions(
        &text,
        &[
            "INTÉRÊTS MORATOIRES",
            "2 400,00 €",
            &i.periods[0].interest.fr(),
            &i.interest.fr(),
            "40,00 €",
            &claim.asked.fr(),
            "R2192-36",
            "L2192-14",
        ],
    );
    // Listed on the order, in the audit; once paid, nothing more to claim.
    let listed = s.app.letters_of(&claim.order).unwrap();
    assert_eq!(listed.len(), 3);
    s.app
        .record_penalty_payment(&staff(), &n, s.app.today(), claim.asked, "MDT-INT")
        .unwrap();
    let e = s
        .app
        .write_letter(&staff(), &n, LetterKind::InterestClaim)
        .unwrap_err()
        .to_string();
    assert!(e.contains("rien à réclamer"), "{e}");

    // Worst-case strings and a long computation: never clipped, pages added.
    let seller = Settings::default().seller;
    let mut long = notice.clone();
    long.buyer_name = format!(
        "Communauté d'agglomération {}",
        "Saint-Rémy-de-Provence ".repeat(4)
    );
    long.buyer_address = vec![
        "Ω".repeat(90),
        "Bâtiment « Les Tilleuls », 3ᵉ étage — service financier, bureau 12".into(),
    ];
    long.po_number = Some("ENG-".to_string() + &"9".repeat(46));
    let template = long.invoices[0].clone();
    long.invoices = (0..25)
        .map(|k| {
            let mut i = template.clone();
            i.periods = (0..4).map(|_| template.periods[0].clone()).collect();
            i.invoice =
                comptoir::domain::DocNumber::parse(&format!("FA-2026-{:05}", 100 + k)).unwrap();
            i
        })
        .collect();
    let boxes = comptoir::documents::letter_boxes(&long, &seller);
    let problems = comptoir::documents::layout_problems(&boxes);
    assert!(problems.is_empty(), "{problems:#?}");
    let pages = boxes.iter().map(|b| b.page).max().unwrap_or(0);
    assert!(
        pages >= 2,
        "a long computation takes several pages ({pages})"
    );
}

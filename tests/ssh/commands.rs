//! The procedure by `ssh host COMMAND`: workflow, arguments, help, customers, quotes, audit.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_workflow_by_command_and_byte_exact_downloads() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let (out, _, s) = w.run(&w.staff, &format!("order deliver {n}")).await;
    assert_eq!(
        (out.as_str(), s),
        ("", 1),
        "no shipping before the original"
    );
    let (_, err, s) = w
        .run(&w.staff, &format!("order receive-original {n} --po-number ENG-42 --po-date 2026-03-02 --letterhead --dated --signed --stamped"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("montant conforme au devis"), "{err}");
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order receive-original {n} --po-number 'ENG 42' --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\tpo-received"));
    let (out, _, s) = w.run(&w.staff, &format!("order deliver {n}")).await;
    assert_eq!((out.trim(), s), ("BL-2026-00001", 0));
    let (out, _, s) = w.run(&w.staff, &format!("order invoice {n}")).await;
    assert_eq!((out.trim(), s), ("FA-2026-00001", 0));
    let (pdf, _, s) = w.exec(&w.staff, "doc get FA-2026-00001", None).await;
    assert_eq!(s, 0);
    assert_eq!(
        pdf,
        w.app
            .document_file("FA-2026-00001", FileFormat::Pdf)
            .unwrap(),
        "byte-identical download"
    );
    let (again, _, _) = w.exec(&w.staff, "doc get FA-2026-00001", None).await;
    assert_eq!(again, pdf);
    let (xml, _, _) = w.exec(&w.staff, "doc xml FA-2026-00001", None).await;
    assert_eq!(
        xml,
        w.app
            .document_file("FA-2026-00001", FileFormat::FacturX)
            .unwrap()
    );
    let (pack, _, s) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(s, 0);
    assert!(pack.starts_with(b"%PDF") && pack.len() > pdf.len() / 2);
    let (_, err, s) = w.run(&w.staff, "doc xml BL-2026-00001").await;
    assert_eq!(s, 1);
    assert!(err.contains("pas de XML Factur-X"), "{err}");
    let (json, _, _) = w.run(&w.staff, "doc list --json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["number"], "FA-2026-00001");
    let (json, _, _) = w.run(&w.staff, "orders --stage invoiced --json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["number"], n);
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order pay {n} --date 2026-03-02 --amount '100,00' --reference MANDAT-1"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\tinvoiced"));
    let (out, _, _) = w.run(&w.staff, "customers search lyc moulin --json").await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["name"], "Lycée Jean Moulin");
    let (out, _, _) = w.run(&w.staff, "customer show 19690123500016").await;
    assert!(
        out.contains("Lycée Jean Moulin") && out.contains("Encours"),
        "{out}"
    );
    // quote import over ssh, then a bad one.
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-SSH".into();
    let (out, err, s) = w
        .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(String::from_utf8_lossy(&out).trim(), "DEV-2026-00002");
    v["reference"] = "WEB-BAD".into();
    v["lines"][0]["quantity"] = (-1).into();
    let (_, err, s) = w
        .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("lines[0].quantity"), "{err}");
}

/// Free text reaches the server without the quotes the local shell removed: words after
/// `--reason` are one reason, an apostrophe inside a word is an apostrophe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_with_spaces_and_apostrophes_arrive_whole() {
    let w = world().await;
    let n = "DEV-2026-00001";
    // As `ssh host order refuse DEV-… --reason "l'école ferme en juin"` delivers it.
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order refuse {n} --reason l'école ferme en juin"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\trefused"));
    let v = w.app.order_view(n).unwrap();
    assert_eq!(
        v.order.closing_reason.as_deref(),
        Some("l'école ferme en juin")
    );
    // Every free-text option as the README shows it, once the local shell removed the
    // quotes: `--phone "04 72 39 73 01"`, `--name "Jean-Marc L'Hôte"`.
    let siret = v.customer.siret.as_str().to_string();
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!(
                "customer contact set {siret} 1 --phone 04 72 39 73 01 --name Jean-Marc L'Hôte"
            ),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let c = w.app.customer_view(v.customer.id).unwrap().customer;
    assert_eq!(c.contacts[0].phone, "04 72 39 73 01");
    assert_eq!(c.contacts[0].name, "Jean-Marc L'Hôte");
    // `--market-ref ""` arrives as `--market-ref` with nothing: it clears.
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("customer chorus {siret} --market-ref MAPA-2026-07"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let (_, err, s) = w
        .run(&w.staff, &format!("customer chorus {siret} --market-ref"))
        .await;
    assert_eq!(s, 0, "{err}");
    let c = w.app.customer_view(v.customer.id).unwrap().customer;
    assert_eq!(c.chorus.market_reference, None);
    // A negative number reaches the command, which says what it means there.
    let (_, err, s) = w
        .run(
            &w.staff,
            "stock add ENC-ACT-8 -2 --reason casse au déballage",
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --amount -5 --reason geste"),
        )
        .await;
    assert_eq!(s, 1, "a business refusal, not a usage error: {err}");
    assert!(
        !err.contains("unexpected") && !err.contains("inattendu"),
        "{err}"
    );
}

/// Usage errors and `--help` over SSH are in French, clap's own words included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_and_help_speak_french() {
    let w = world().await;
    let (_, err, s) = w.run(&w.staff, "order frobnicate").await;
    assert_eq!(s, 2);
    assert!(err.contains("commande inconnue « frobnicate »"), "{err}");
    assert!(err.contains("aide : ssh HOTE help"), "{err}");
    let (_, err, s) = w.run(&w.staff, "orders --stage shipped").await;
    assert_eq!(s, 2);
    assert!(
        err.contains("valeur « shipped » invalide pour --stage"),
        "{err}"
    );
    assert!(err.contains("valeurs possibles"), "{err}");
    let (_, err, _) = w
        .run(&w.staff, "order pay DEV-2026-00001 --date 2026-03-02")
        .await;
    assert!(err.contains("argument obligatoire manquant"), "{err}");
    // Dates, amounts and rates are read by the grammar: the option is named, nothing runs.
    for (cmd, said) in [
        (
            "order pay DEV-2026-00001 --date 31/02/2026 --amount 10 --reference M",
            "--date <DATE> : « 31/02/2026 » n'est pas une date",
        ),
        (
            "order pay DEV-2026-00001 --date 2026-03-02 --amount dix --reference M",
            "« dix » n'est pas un montant en euros",
        ),
        (
            "order credit-note DEV-2026-00001 --amount 10 --vat 19 --reason x",
            "« 19 » n'est pas un taux de TVA",
        ),
        ("audit --since hier", "« hier » n'est pas une date"),
        (
            "export invoices --from 2026-01-01 --to demain",
            "« demain » n'est pas une date",
        ),
    ] {
        let (_, err, s) = w.run(&w.admin, cmd).await;
        assert_eq!(s, 2, "{cmd}: {err}");
        assert!(err.contains(said), "{cmd}: {err}");
    }
    let (_, err, _) = w.run(&w.staff, "orders --colour").await;
    assert!(err.contains("argument inconnu « --colour »"), "{err}");
    for e in [&err] {
        for english in [
            "error:",
            "Usage:",
            "For more information",
            "unexpected argument",
        ] {
            assert!(!e.contains(english), "« {english} » in: {e}");
        }
    }
    let (out, _, s) = w.run(&w.staff, "order pay --help").await;
    assert_eq!(s, 0);
    assert!(
        out.contains("Utilisation :") && out.contains("Afficher l'aide"),
        "{out}"
    );
    assert!(
        !out.contains("Usage:") && !out.contains("Print help"),
        "{out}"
    );
}

/// The delivery address and contact of an order are chosen among the customer's until the
/// first delivery; the next document uses them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_address_and_contact_are_chosen_per_order() {
    let w = world().await;
    let n = "DEV-2026-00001";
    // The body's account gains a second address and contact (a later web quote).
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-MORE".into();
    v["customer"]["delivery_addresses"] = serde_json::json!([
        {"name": "Salle de musique", "street": "1 place des Minimes", "postcode": "69005", "city": "Lyon"},
        {"name": "Gymnase", "street": "4 rue du Stade", "postcode": "69005", "city": "Lyon"}
    ]);
    v["customer"]["contacts"] = serde_json::json!([
        {"name": "Claire Dubois", "phone": "04 78 00 12 34", "email": "c@l.example"},
        {"name": "Hugo Martin", "phone": "04 78 00 12 35", "email": "h@l.example"}
    ]);
    let (_, err, s) = w
        .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    let (show, _, _) = w.run(&w.staff, "customer show 19690123500016").await;
    // Imports add to what the account has: the gymnasium is its third address.
    assert!(
        show.contains("Livraison 3 : Gymnase") && show.contains("Contact 3 : Hugo Martin"),
        "{show}"
    );
    let (_, err, s) = w
        .run(&w.staff, &format!("order deliver-to {n} --address 5"))
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("n'a pas d'adresse de livraison n° 5 (il en a 3)"),
        "{err}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order deliver-to {n} --address 3 --contact 3"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.contains("Gymnase") && out.contains("Hugo Martin"),
        "{out}"
    );
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-9 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"
        ),
        format!("order deliver {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    let bl = w.app.document("BL-2026-00001").unwrap();
    assert_eq!(bl.buyer.delivery_address.name, "Gymnase");
    assert_eq!(bl.buyer.contact.name, "Hugo Martin");
    // After the first delivery, no more changes.
    let (_, err, s) = w
        .run(&w.staff, &format!("order deliver-to {n} --contact 1"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà été livrées"), "{err}");
}

/// Correcting a contact, an address and the Chorus routing: audited with before/after,
/// the issued quote unchanged, the next document uses the corrected data; a bad value is
/// refused and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_data_is_corrected_with_before_and_after() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let siret = "19690123500016";
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("customer contact set {siret} 1 --email jean.moulin.example"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("contact 1, e-mail : adresse e-mail invalide « jean.moulin.example »"),
        "{err}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!(
                "customer contact set {siret} 1 --phone '04 78 99 99 99' --email claire.dubois@lycee-jean-moulin.example"
            ),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.contains("Contact 1 : Claire Dubois · 04 78 99 99 99"),
        "{out}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("customer address set {siret} --header --street \"2 rue de l'Intendance\""),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("2 rue de l'Intendance"), "{out}");
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("customer chorus {siret} --engagement-required oui --market-ref MAPA-2026-07"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("marché : MAPA-2026-07"), "{out}");
    let (_, err, s) = w
        .run(&w.staff, &format!("customer contact remove {siret} 1"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("au moins un contact"), "{err}");

    // The issued quote is as it was issued; the open order follows the correction.
    let quote = w.app.document(n).unwrap();
    assert_eq!(quote.buyer.contact.phone, "04 78 00 12 34");
    let order = w.app.order_view(n).unwrap().order;
    assert_eq!(order.contact.phone, "04 78 99 99 99");
    assert_eq!(order.header_address.street, "2 rue de l'Intendance");
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-9 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"
        ),
        format!("order deliver {n}"),
        format!("order invoice {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    let bl = w.app.document("BL-2026-00001").unwrap();
    assert_eq!(bl.buyer.contact.phone, "04 78 99 99 99");
    assert_eq!(
        bl.buyer.contact.email,
        "claire.dubois@lycee-jean-moulin.example"
    );
    let fa = w.app.document("FA-2026-00001").unwrap();
    assert_eq!(fa.buyer.header_address.street, "2 rue de l'Intendance");
    assert_eq!(
        fa.po.as_ref().and_then(|p| p.contract.as_deref()),
        Some("MAPA-2026-07"),
        "the body's market reference goes to BT-12"
    );

    // Each change is in the audit trail with its before and after, by whom.
    let (audit, _, s) = w.run(&w.admin, "audit --json").await;
    assert_eq!(s, 0);
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let corrected: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "customer-corrected")
        .collect();
    let contact = corrected
        .iter()
        .find(|r| r["detail"] == "contact 1")
        .expect("the contact correction is audited");
    assert!(
        contact["before"]
            .as_str()
            .unwrap()
            .contains("04 78 00 12 34")
            && contact["after"]
                .as_str()
                .unwrap()
                .contains("04 78 99 99 99"),
        "{contact}"
    );
    assert!(
        corrected
            .iter()
            .any(|r| r["detail"] == "référence du marché" && r["after"] == "MAPA-2026-07"),
        "{corrected:?}"
    );
    assert!(
        corrected.iter().all(|r| r["who"] == "paul"),
        "{corrected:?}"
    );
}

/// A customer and a quote made by hand over ssh: the catalogue imported from a
/// spreadsheet's CSV (admins), the SIRET and the catégorie checked, the quote's lines
/// taken from the catalogue, its PDF readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_and_a_quote_are_made_by_hand() {
    let w = world().await;
    let csv = "sku;désignation;prix_ht;tva;stock\n\
               MIX-08;\"Console de mixage 8 voies ; USB\";389,00;20;4\n\
               LIV-01;Méthode d'écoute;24,50;5,5;\n";
    let (_, err, s) = w
        .exec(&w.staff, "catalogue import", Some(csv.as_bytes()))
        .await;
    assert_eq!(s, 1, "staff cannot change the catalogue");
    assert!(err.contains("administrateurs"), "{err}");
    let (out, err, s) = w
        .exec(&w.admin, "catalogue import", Some(csv.as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("2 créé(s)"), "{out}");
    let (_, err, s) = w
        .exec(
            &w.admin,
            "catalogue import",
            Some(b"sku;designation;prix_ht;tva\nMIX-08;Console;3x;20\n"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("ligne 2") && err.contains("« 3x »"), "{err}");
    let (list, _, _) = w.run(&w.staff, "catalogue list").await;
    assert!(
        list.contains(
            "MIX-08\tConsole de mixage 8 voies ; USB\t389,00 € HT\tTVA 20 %\tdisponible 4"
        ),
        "{list}"
    );

    let create = |siret: &str, categorie: &str| {
        format!(
            "customer create --siret '{siret}' --legal-name \"Commune d'Écully\" --categorie {categorie} \
             --street '1 place de la Libération' --postcode 69130 --city Écully \
             --contact-name 'Anne Lefèvre' --phone '04 78 33 64 00' --email anne.lefevre@ecully.example \
             --service-code SERV-CULTURE --service-code-required"
        )
    };
    let (_, err, s) = w.run(&w.staff, &create("216900811 00012", "7210")).await;
    assert_eq!(s, 1);
    assert!(err.contains("SIRET"), "{err}");
    let (_, err, s) = w.run(&w.staff, &create("21690081100003", "5710")).await;
    assert_eq!(s, 1);
    assert!(err.contains("organisme privé"), "{err}");
    let (out, err, s) = w.run(&w.staff, &create("21690081100003", "7210")).await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.contains("Commune d'Écully") && out.contains("Éligible"),
        "{out}"
    );
    let (_, err, s) = w.run(&w.staff, &create("21690081100003", "7210")).await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà client"), "{err}");

    let (_, err, s) = w
        .run(&w.staff, "quote create 21690081100003 --line NOPE-1:2")
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("« NOPE-1 » n'est pas au catalogue"), "{err}");
    let (_, err, s) = w
        .run(&w.staff, "quote create 21690081100003 --line MIX-08")
        .await;
    assert_eq!(s, 2, "a usage error");
    assert!(err.contains("RÉFÉRENCE:QUANTITÉ"), "{err}");
    let (out, err, s) = w
        .run(
            &w.staff,
            "quote create '216 900 811 00003' --line MIX-08:2 --line LIV-01:10",
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let number = out.split('\t').next().unwrap().to_string();
    // 2 × 389 × 1.2 + 10 × 24.50 × 1.055 = 933.60 + 258.48 (rounded per rate)
    assert!(out.contains("1 192,08 € TTC"), "{out}");
    let order = w.app.order_view(&number).unwrap().order;
    assert_eq!(order.contact.name, "Anne Lefèvre");
    assert_eq!(
        order.lines[0].designation,
        "Console de mixage 8 voies ; USB"
    );
    assert_eq!(order.quote.external_ref, None);
    let (pdf, _, s) = w.exec(&w.staff, &format!("doc get {number}"), None).await;
    assert_eq!(s, 0);
    let path = w._dir.path().join("devis.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("DEVIS") && text.contains("Console de mixage") && text.contains("Écully"),
        "{text}"
    );
}

/// The audit answers questions: refused actions are recorded (a purchase order dated
/// before its quote, a delivery beyond stock, an admin command tried by staff, the last
/// admin's revocation), `audit` filters by person, kind and period, and a script's many
/// logins with one key read as one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_answers_questions() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!(
                "order receive-original {n} --po-number ENG-1 --po-date 2026-01-01 --letterhead --dated --signed --stamped --amount-matches"
            ),
        )
        .await;
    assert_eq!(s, 1, "{err}");
    let (_, err, s) = w.run(&w.staff, "audit").await;
    assert_eq!(s, 1, "{err}");
    let (_, err, s) = w.run(&w.admin, "keys revoke marie").await;
    assert_eq!(s, 1, "{err}");
    for _ in 0..5 {
        let (_, _, s) = w.run(&w.staff, "whoami").await;
        assert_eq!(s, 0);
    }
    let (text, err, s) = w.run(&w.admin, "audit --kind refus").await;
    assert_eq!(s, 0, "{err}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "{text}");
    assert!(lines.iter().all(|l| l.contains("\trefused\t")), "{text}");
    assert!(text.contains("avant le devis"), "the PO refusal: {text}");
    assert!(
        text.contains("ssh … audit")
            && text.contains("réservé aux administrateurs et aux comptables (vous êtes staff)"),
        "{text}"
    );
    assert!(text.contains("révoquer marie"), "the last admin: {text}");
    let (mine, _, _) = w.run(&w.admin, "audit --kind refus --person paul").await;
    assert!(
        !mine.is_empty() && !mine.contains("révoquer marie"),
        "{mine}"
    );
    // Five logins in a row: one line.
    let (all, _, _) = w.run(&w.admin, "audit --person paul --kind acces").await;
    // receive-original, audit, then five whoami: seven logins, one line.
    assert!(all.contains("7 connexions de la même clé"), "{all}");
    assert_eq!(all.lines().count(), 1, "{all}");
    let (json, _, _) = w
        .run(&w.admin, "audit --person paul --kind login --json")
        .await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(rows.len() >= 5, "every login is still a record: {json}");
    let (none, _, _) = w.run(&w.admin, "audit --until 2020-01-01").await;
    assert!(none.trim().is_empty(), "{none}");
    let (_, err, s) = w.run(&w.admin, "audit --kind nimporte").await;
    assert_eq!(s, 1);
    assert!(err.contains("acces, refus"), "{err}");
}

/// A quote's lines changed before the original arrives: a new version with its own number,
/// the lines already quoted keeping their price, the old version kept and marked replaced
/// (it can no longer be revised or received).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_is_revised_as_a_new_version() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let old = w.app.order_view(n).unwrap().order;
    let price = old
        .lines
        .iter()
        .find(|l| l.sku == "ENC-ACT-8")
        .unwrap()
        .unit_price;
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("quote revise {n} --line ENC-ACT-8:2 --line MIC-DYN-58:6"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.starts_with("DEV-2026-00002\tversion 2 (remplace DEV-2026-00001)"),
        "{out}"
    );
    let new = w.app.order_view("DEV-2026-00002").unwrap().order;
    assert_eq!(new.quote.renews, Some(old.number));
    assert_eq!(new.lines.len(), 2);
    assert_eq!(
        new.lines[0].unit_price, price,
        "a kept line keeps its price"
    );
    assert_eq!(new.lines[0].ordered, 2);
    let old = w.app.order_view(n).unwrap().order;
    assert_eq!(
        old.quote.renewed_by.map(|d| d.to_string()).as_deref(),
        Some("DEV-2026-00002")
    );
    assert!(
        w.app.document("DEV-2026-00002").is_ok(),
        "the new version's PDF"
    );
    let (_, err, s) = w
        .run(&w.staff, &format!("quote revise {n} --line ENC-ACT-8:1"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("DEV-2026-00002"), "{err}");
    let (_, err, s) = w
        .run(&w.staff, "quote revise DEV-2026-00002 --line NOPE-1:1")
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("n'est pas au catalogue"), "{err}");
}

//! Worst-case strings never clipped, images compressed and rendering deterministic, characters outside the font refused.

use super::*;

/// A tiny deterministic generator (the test must be reproducible without a seed file).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// `n` characters drawn from letters, accents and typographic marks; words of 3 to
    /// 12 characters when `spaces`, else one unbroken word.
    fn text(&mut self, n: usize, spaces: bool) -> String {
        const CHARS: &[char] = &[
            'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's',
            't', 'u', 'v', 'W', 'M', 'É', 'È', 'À', 'Ç', 'Œ', 'œ', 'æ', 'é', 'è', 'ê', 'ë', 'î',
            'ï', 'ô', 'ù', 'û', 'ü', 'ÿ', '’', '«', '»', '–', '—', '0', '7', '-', '/',
        ];
        let mut s = String::new();
        let mut word = 0;
        while s.chars().count() < n {
            if spaces && word >= 3 && (word >= 12 || self.next().is_multiple_of(5)) {
                s.push(' ');
                word = 0;
                continue;
            }
            s.push(CHARS[self.next() as usize % CHARS.len()]);
            word += 1;
        }
        s.trim().to_string()
    }
}

/// Worst cases: 120-character names without spaces, 120-character addresses and e-mails,
/// 50-character engagement and contract numbers, 300-character designations. Every
/// document kind is laid out without a text box overlapping another or leaving the
/// page, and `pdftotext` finds every word of every field.
#[test]
fn worst_case_strings_are_never_clipped() {
    let mut g = Gen(20261128);
    for round in 0..3 {
        let s = shop();
        let spaces = round == 1;
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let mut fields: Vec<String> = Vec::new();
        let mut put = |v: &mut serde_json::Value, path: &[&str], text: String| {
            let mut at = &mut *v;
            for p in path {
                at = if let Ok(i) = p.parse::<usize>() {
                    &mut at[i]
                } else {
                    &mut at[*p]
                };
            }
            *at = text.clone().into();
            fields.push(text);
        };
        put(
            &mut v,
            &["customer", "legal_name"],
            g.text(comptoir::app::customers::MAX_BODY_NAME, spaces),
        );
        for (block, which) in [("header_address", None), ("delivery_addresses", Some("0"))] {
            let mut path = vec!["customer", block];
            if let Some(w) = which {
                path.push(w);
            }
            for (key, n) in [("name", 120), ("street", 120), ("extra", 120), ("city", 80)] {
                let mut p = path.clone();
                p.push(key);
                put(&mut v, &p, g.text(n, spaces || key == "street"));
            }
        }
        put(
            &mut v,
            &["customer", "contacts", "0", "name"],
            g.text(120, true),
        );
        let email = format!(
            "{}@{}.example",
            g.text(50, false).to_lowercase(),
            "x".repeat(50)
        );
        let email: String = email
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '@' || c == '.' {
                    c
                } else {
                    'q'
                }
            })
            .collect();
        put(&mut v, &["customer", "contacts", "0", "email"], email);
        put(
            &mut v,
            &["customer", "chorus", "service_code"],
            g.text(60, false),
        );
        let designations: Vec<String> = (0..3).map(|_| g.text(300, true)).collect();
        v["lines"] = designations
            .iter()
            .enumerate()
            .map(|(i, d)| serde_json::json!({"sku": format!("{}{i}", g.text(38, false)), "designation": d, "unit_price": "9999.99", "vat_rate": "20", "quantity": 40}))
            .collect();
        let req = parse_quote_request(&v.to_string()).unwrap();
        let n = s
            .app
            .import_quote(&Actor::import(), &req)
            .unwrap()
            .number
            .to_string();
        for l in &req.lines {
            s.app
                .adjust_stock(&staff(), &l.sku, 40, "réception")
                .unwrap();
        }
        let po_number = g.text(50, false);
        let contract = g.text(50, spaces);
        fields.push(po_number.clone());
        fields.push(contract.clone());
        let po = OriginalPoInput {
            contract: Some(contract),
            po_number,
            po_date: s.app.today(),
            checklist: Checklist::ALL_TICKED,
        };
        s.clock.set(noon("2026-03-03"));
        s.app.mark_original_received(&staff(), &n, &po).unwrap();
        s.app
            .issue_delivery_note(&staff(), &n, Some(&[10, 20, 39]))
            .unwrap();
        s.clock.set(noon("2026-03-05"));
        s.app.issue_delivery_note(&staff(), &n, None).unwrap();
        s.app.issue_invoice(&staff(), &n).unwrap();
        s.app
            .issue_credit_note(
                &staff(),
                &n,
                None,
                &CreditScope::Quantities(vec![1, 0, 2]),
                &g.text(150, true),
            )
            .unwrap();
        let seller = Settings::default().seller;
        let docs = s.app.order_view(&n).unwrap().order.documents;
        assert_eq!(
            docs.len(),
            5,
            "quote, two delivery notes, invoice, credit note"
        );
        for d in docs {
            let number = d.number.to_string();
            let doc = s.app.document(&number).unwrap();
            let problems = comptoir::documents::layout_problems(&comptoir::documents::text_boxes(
                &doc, &seller,
            ));
            assert!(
                problems.is_empty(),
                "{number} (round {round}): {problems:#?}"
            );
            let path = save(&s, &number, FileFormat::Pdf);
            let out = tool("pdftotext", "poppler-utils")
                .args(["-raw"])
                .arg(&path)
                .arg("-")
                .output()
                .unwrap();
            let text: String = String::from_utf8(out.stdout)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let mut wanted: Vec<&String> = fields.iter().collect();
            if doc.kind() == DocKind::Quote {
                // A quote has no purchase order yet.
                wanted.truncate(wanted.len() - 2);
            }
            // The lines on this document: what the XML says, the PDF says.
            for l in &doc.lines {
                wanted.push(&l.designation);
                wanted.push(&l.sku);
            }
            if let Some(r) = &doc.reason {
                wanted.push(r);
            }
            for f in wanted {
                for word in f.split_whitespace() {
                    assert!(
                        text.contains(word),
                        "{number} (round {round}) lost « {word} » of « {f} »"
                    );
                }
            }
        }
    }
}

/// PDF/A hygiene: the logo is stored deflated, the font subset carries its tag, and the
/// same inputs give the same bytes.
#[test]
fn images_are_compressed_and_rendering_is_deterministic() {
    let s = shop();
    let n = import(&s, "WEB-LOGO", false, &[("Enceinte", "249.00", "20", 1)]);
    let doc = s
        .app
        .document(
            &s.app.order_view(&n).unwrap().order.documents[0]
                .number
                .to_string(),
        )
        .unwrap();
    let mut seller = Settings::default().seller;
    seller.logo_png = Some(std::fs::read("tests/fixtures/logo.png").unwrap());
    let pdf = comptoir::documents::render_pdf(&doc, &seller, None).unwrap();
    let again = comptoir::documents::render_pdf(&doc, &seller, None).unwrap();
    if let Some(i) = pdf.iter().zip(&again).position(|(a, b)| a != b) {
        panic!(
            "same inputs, different bytes at {i}: {:?} / {:?}",
            String::from_utf8_lossy(&pdf[i.saturating_sub(80)..(i + 40).min(pdf.len())]),
            String::from_utf8_lossy(&again[i.saturating_sub(80)..(i + 40).min(again.len())])
        );
    }
    assert_eq!(pdf.len(), again.len());
    let parsed = lopdf::Document::load_mem(&pdf).unwrap();
    let images: Vec<&lopdf::Stream> = parsed
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|st| {
            st.dict
                .get(b"Subtype")
                .and_then(|o| o.as_name())
                .is_ok_and(|n| n == b"Image")
        })
        .collect();
    assert!(!images.is_empty(), "the logo is drawn");
    for st in images {
        let filter = st.dict.get(b"Filter").and_then(|o| o.as_name()).ok();
        assert_eq!(filter, Some(b"FlateDecode".as_slice()), "{:?}", st.dict);
    }
}

/// Every input path that reaches a document refuses a character the documents' font
/// cannot draw (so the PDF never prints `?` where the XML and CSV keep the character),
/// with a French message naming the character; what the font draws beyond French
/// (Greek, Cyrillic, Vietnamese, ligatures, symbols) is accepted and printed.
#[test]
fn characters_outside_the_font_are_refused_on_every_path() {
    let s = shop();
    let admin = Actor::person("paul", Role::Admin, "SHA256:paul");
    let refused = |what: &str, r: Result<String, AppError>| {
        let e = r.expect_err(what).to_string();
        assert!(
            e.contains("« 🎵 » (U+1F3B5)") && e.contains("imprimer"),
            "{what}: {e}"
        );
    };
    // The quote import: every text field of the body, its addresses, contact and routing,
    // and of the lines.
    let paths: &[&[&str]] = &[
        &["reference"],
        &["customer", "legal_name"],
        &["customer", "header_address", "name"],
        &["customer", "header_address", "street"],
        &["customer", "header_address", "city"],
        &["customer", "delivery_addresses", "0", "extra"],
        &["customer", "contacts", "0", "name"],
        &["customer", "contacts", "0", "email"],
        &["customer", "chorus", "service_code"],
        &["customer", "chorus", "market_reference"],
        &["lines", "0", "sku"],
        &["lines", "0", "designation"],
        &["lines", "0", "vat_exemption"],
    ];
    for path in paths {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let mut at = &mut v;
        for p in *path {
            at = match p.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*p],
            };
        }
        *at = "Salle 🎵 B".into();
        refused(
            &path.join("."),
            parse_quote_request(&v.to_string())
                .and_then(|req| s.app.import_quote(&Actor::import(), &req))
                .map(|o| o.number.to_string()),
        );
    }
    // A body created by hand.
    let new = comptoir::app::customers::NewCustomer {
        siret: "21690123100011".into(),
        legal_name: "Commune 🎵".into(),
        categorie: "7210".into(),
        header_address: comptoir::domain::Address {
            name: "Mairie".into(),
            street: "1 place".into(),
            extra: String::new(),
            postcode: "69001".into(),
            city: "Lyon".into(),
        },
        contact: comptoir::domain::Contact {
            name: "Claire".into(),
            phone: "04 78 00 12 34".into(),
            email: "c@example.fr".into(),
        },
        chorus: Default::default(),
    };
    refused(
        "create_customer",
        s.app.create_customer(&staff(), &new).map(|c| c.legal_name),
    );
    // The catalogue, by file and by hand, and a stock movement's reason.
    refused(
        "catalogue",
        comptoir::app::catalogue::parse_catalogue_csv(
            "sku;designation;prix_ht;tva\nA-1;Câble 🎵;3.90;20\n",
        )
        .map(|r| r.len().to_string()),
    );
    let product = comptoir::domain::Product {
        sku: "CAB-1".into(),
        designation: "Câble 🎵".into(),
        unit_price: Cents(390),
        vat: comptoir::domain::VatRate(2000),
        on_hand: 0,
        reserved: 0,
    };
    refused(
        "upsert_product",
        s.app.upsert_product(&admin, product).map(|p| p.sku),
    );
    // A valid quote, then every text of its procedure.
    let n = import(
        &s,
        "WEB-UNICODE",
        false,
        &[("Ενισχυτής Усилитель Nguyễn — ﬁl ‰ № ≤ €", "100.00", "20", 2)],
    );
    refused(
        "adjust_stock",
        s.app
            .adjust_stock(&staff(), "SKU-000", 1, "arrivage 🎵")
            .map(|p| p.sku),
    );
    refused(
        "cancel",
        s.app
            .cancel_order(&staff(), &n, "annulé 🎵")
            .map(|o| o.number.to_string()),
    );
    for (po_number, contract) in [("ENG 🎵", None), ("ENG-1", Some("MARCHÉ 🎵"))] {
        let po = OriginalPoInput {
            contract: contract.map(str::to_string),
            po_number: po_number.into(),
            po_date: s.app.today(),
            checklist: Checklist::ALL_TICKED,
        };
        refused(
            po_number,
            s.app
                .mark_original_received(&staff(), &n, &po)
                .map(|o| o.number.to_string()),
        );
    }
    let po = OriginalPoInput {
        contract: Some("Марché Ω-12".into()),
        po_number: "ENG-2026-0042".into(),
        po_date: s.app.today(),
        checklist: Checklist::ALL_TICKED,
    };
    s.app.mark_original_received(&staff(), &n, &po).unwrap();
    s.app.issue_delivery_note(&staff(), &n, None).unwrap();
    let invoice = s.app.issue_invoice(&staff(), &n).unwrap().number;
    refused(
        "credit note",
        s.app
            .issue_credit_note(
                &staff(),
                &n,
                None,
                &CreditScope::Quantities(vec![1]),
                "casse 🎵",
            )
            .map(|d| d.number.to_string()),
    );
    refused(
        "payment",
        s.app
            .record_payment(&staff(), &n, s.app.today(), Cents(100), "VIR 🎵")
            .map(|o| o.number.to_string()),
    );
    // What the font draws is printed as typed, and laid out without clipping.
    let seller = Settings::default().seller;
    let doc = s.app.document(&invoice.to_string()).unwrap();
    let problems =
        comptoir::documents::layout_problems(&comptoir::documents::text_boxes(&doc, &seller));
    assert!(problems.is_empty(), "{problems:#?}");
    let text = text_of(&save(&s, &invoice.to_string(), FileFormat::Pdf));
    for word in [
        "Ενισχυτής",
        "Усилитель",
        "Nguyễn",
        "‰",
        "№",
        "≤",
        "Марché",
        "Ω-12",
    ] {
        assert!(text.contains(word), "« {word} » not printed:\n{text}");
    }
    assert!(!text.contains('?'), "{text}");
}

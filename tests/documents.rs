//! Issued documents read back by the tools a public accountant (and Chorus Pro) would use:
//! pdftotext, pdfinfo, pdffonts, pdfdetach, xmllint with the official Factur-X XSD, and
//! Saxon HE with the official EN 16931 schematron. `.ci/run` installs all of them; a
//! missing tool fails the test with the package to install.

use comptoir::app::import::parse_quote_request;
use comptoir::app::{Actor, App, AppError, FixedClock, Role, Settings};
use comptoir::documents::PdfRenderer;
use comptoir::domain::pipeline::{CreditScope, OriginalPoInput};
use comptoir::domain::{Cents, Checklist, Date, DocKind, FileFormat, Timestamp};
use comptoir::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const SAMPLE: &str = include_str!("fixtures/quote.json");
/// The official Factur-X EN 16931 XSD and schematron, vendored from ../shared.
const SCHEMAS: &str = "tests/facturx-en16931";

fn tool(name: &str, package: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "{name} is missing: install the Debian package {package} (see .ci/run)"
    );
    Command::new(name)
}

fn noon(day: &str) -> Timestamp {
    Timestamp::from_date_utc(Date::parse_iso(day).unwrap(), 11 * 3600)
}

fn staff() -> Actor {
    Actor::person("marie", Role::Staff, "SHA256:marie")
}

struct Shop {
    app: App,
    clock: Arc<FixedClock>,
    dir: tempfile::TempDir,
}

fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
    let store = Store::open(&dir.path().join("data")).unwrap();
    // The documents print the demo shop's identity: a demonstration store.
    store.mark_demo().unwrap();
    let app = App::new(
        store,
        Settings::default(),
        clock.clone(),
        Arc::new(PdfRenderer),
    )
    .unwrap();
    Shop { app, clock, dir }
}

/// Imports a quote with `lines` of (designation, price, VAT, quantity); `commune` uses a body
/// without a Chorus service code.
fn import(s: &Shop, reference: &str, commune: bool, lines: &[(&str, &str, &str, u32)]) -> String {
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = reference.into();
    if commune {
        v["customer"]["legal_name"] = "Commune de Saint-Étienne".into();
        v["customer"]["siret"] = "21750001600019".into();
        v["customer"]["categorie_juridique"] = "7210".into();
        v["customer"]["kind"] = serde_json::Value::Null;
        v["customer"]["chorus"] = serde_json::Value::Null;
        v["customer"]["header_address"] = serde_json::json!({"name": "Mairie — service financier", "street": "Place de l'Hôtel de Ville", "postcode": "42000", "city": "Saint-Étienne"});
        v["customer"]["delivery_addresses"] = serde_json::Value::Null;
    }
    v["lines"] = lines
        .iter()
        .enumerate()
        .map(|(i, (d, p, vat, q))| {
            let mut l = serde_json::json!({"sku": format!("SKU-{i:03}"), "designation": d, "unit_price": p, "vat_rate": vat, "quantity": q});
            if *vat == "0" {
                l["vat_exemption"] = EXEMPTION.into();
            }
            l
        })
        .collect();
    let req = parse_quote_request(&v.to_string()).unwrap();
    let out = s.app.import_quote(&Actor::import(), &req).unwrap();
    for l in &req.lines {
        s.app
            .adjust_stock(&staff(), &l.sku, l.quantity as i64, "réception")
            .unwrap();
    }
    out.number.to_string()
}

const EXEMPTION: &str = "Exonération de TVA, article 261-4-4° a du CGI";

fn receive_and_deliver(s: &Shop, n: &str) {
    let po = OriginalPoInput {
        contract: None,
        po_number: "ENG-2026-0042".into(),
        po_date: s.app.today().add_days(-1),
        checklist: Checklist::ALL_TICKED,
    };
    s.app.mark_original_received(&staff(), n, &po).unwrap();
    s.app.issue_delivery_note(&staff(), n, None).unwrap();
}

fn save(s: &Shop, number: &str, format: FileFormat) -> PathBuf {
    let path = s
        .dir
        .path()
        .join(format!("{number}.{}", format.extension()));
    std::fs::write(&path, s.app.document_file(number, format).unwrap()).unwrap();
    path
}

fn text_of(pdf: &Path) -> String {
    let out = tool("pdftotext", "poppler-utils")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    // One space between words, so assertions do not depend on column layout.
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_mentions(text: &str, mentions: &[&str]) {
    for m in mentions {
        assert!(text.contains(m), "missing « {m} » in:\n{text}");
    }
}

const SELLER: &[&str] = &[
    "Comptoir Audio Démo",
    "12 rue des Luthiers",
    "42000 Saint-Étienne",
    "SAS au capital de 50 000 €",
    "SIRET 912 345 675 00017",
    "RCS Saint-Étienne 912 345 675",
    "TVA intracommunautaire FR65912345675",
];

#[test]
fn every_document_carries_its_mandatory_mentions() {
    let s = shop();
    let n = import(
        &s,
        "WEB-A",
        false,
        &[
            ("Enceinte active 8\" 200 W", "249.00", "20", 4),
            ("Partitions pédagogiques", "12.50", "5.5", 10),
            ("Métronome", "29.90", "10", 2),
        ],
    );
    let quote = text_of(&save(&s, &n, FileFormat::Pdf));
    assert_mentions(&quote, SELLER);
    assert_mentions(
        &quote,
        &[
            "DEVIS",
            &format!("N° {n}"),
            "Date : 2 mars 2026",
            "Valable jusqu'au : 2 avril 2026",
            "Lycée Jean Moulin",
            "Intendance",
            "Salle de musique",
            "Bâtiment B, accès par la rue Jean Carriès",
            "Claire Dubois",
            "04 78 00 12 34",
            "intendance@lycee-jean-moulin.example",
            "Enceinte active 8\" 200 W",
            "Partitions pédagogiques",
            "Total HT 1 180,80 €",
            "TVA 20 % sur 996,00 € 199,20 €",
            "TVA 10 % sur 59,80 € 5,98 €",
            "TVA 5,5 % sur 125,00 € 6,88 €",
            "Total TTC 1 392,86 €",
            "Un devis signé ne suffit pas",
            "BON DE COMMANDE ORIGINAL",
            "sur papier à en-tête, daté, signé et revêtu du cachet officiel",
            "page 1/1",
        ],
    );

    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    let delivery = text_of(&save(&s, "BL-2026-00001", FileFormat::Pdf));
    assert_mentions(&delivery, SELLER);
    assert_mentions(
        &delivery,
        &[
            "BON DE LIVRAISON",
            "N° BL-2026-00001",
            "Date : 6 mars 2026",
            &format!("Commande (devis) : {n}"),
            "ENG-2026-0042 du 05/03/2026",
            "LIVRÉ À",
            "Salle de musique",
            "Claire Dubois",
            "Commandé Déjà livré Ce bon Reste",
            "Enceinte active 8\" 200 W 4 0 4 0",
            "Réserves à la livraison",
            "signature et cachet du destinataire",
            "Livraison complète",
        ],
    );

    s.clock.set(noon("2026-03-07"));
    let invoice = s.app.issue_invoice(&staff(), &n).unwrap();
    assert_eq!(invoice.number.to_string(), "FA-2026-00001");
    let text = text_of(&save(&s, "FA-2026-00001", FileFormat::Pdf));
    assert_mentions(&text, SELLER);
    assert_mentions(
        &text,
        &[
            "FACTURE",
            "N° FA-2026-00001",
            "Date : 7 mars 2026",
            "CLIENT (ADRESSE DE FACTURATION)",
            "Lycée Jean Moulin",
            "1 place des Minimes",
            "69005 Lyon",
            "SIRET 196 901 235 00016 — SIREN 196901235",
            "Code service Chorus Pro : INTENDANCE",
            "LIVRÉ À",
            "Date de livraison : 06/03/2026",
            "ENG-2026-0042 du 05/03/2026",
            "Échéance (estimée) : 08/04/2026",
            "Bons de livraison : BL-2026-00001 du 06/03/2026",
            "Nature de l'opération : livraison de biens",
            "4 249,00 20 % 996,00",
            "10 12,50 5,5 % 125,00",
            "Net à payer TTC 1 392,86 €",
            "à 30 jours à compter de la réception de la facture",
            "soit le 08/04/2026 pour une réception le 09/03/2026",
            "Pas d'escompte pour paiement anticipé",
            "en vigueur au premier jour du semestre où ils commencent à courir, majoré de 8 points",
            "soit 10,15 % pour un retard commençant au premier semestre 2026",
            "indemnité forfaitaire pour frais de recouvrement de 40 €",
            "code service INTENDANCE, n° d'engagement ENG-2026-0042",
            "Titulaire : COMPTOIR AUDIO DEMO SAS",
            "IBAN : FR76 3000 6000 0112 3456 7890 189",
            "BIC : AGRIFRPP",
        ],
    );

    s.clock.set(noon("2026-03-09"));
    s.app
        .issue_credit_note(
            &staff(),
            &n,
            None,
            &CreditScope::Full,
            "erreur sur le prix des partitions",
        )
        .unwrap();
    let credit = text_of(&save(&s, "AV-2026-00001", FileFormat::Pdf));
    assert_mentions(&credit, SELLER);
    assert_mentions(
        &credit,
        &[
            "AVOIR",
            "N° AV-2026-00001",
            "Annule la facture : FA-2026-00001 du 07/03/2026",
            "Cet avoir annule la facture FA-2026-00001 du 07/03/2026.",
            "Motif : erreur sur le prix des partitions",
            "Total de l'avoir TTC 1 392,86 €",
            "SIRET 196 901 235 00016",
            "Un avoir n'est pas une demande de paiement",
        ],
    );
    // A credit note is not a payment request (domain.md): no RIB, no due date, no
    // late-payment terms.
    for absent in ["IBAN", "RIB", "échéance", "intérêts moratoires", "escompte"] {
        assert!(
            !credit.contains(absent),
            "the credit note says « {absent} »:\n{credit}"
        );
    }
    // pdffonts: every font is embedded (PDF/A).
    let fonts = tool("pdffonts", "poppler-utils")
        .arg(s.dir.path().join("FA-2026-00001.pdf"))
        .output()
        .unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "{fonts}"
    );
    // Subset fonts carry their six-letter tag (PDF/A hygiene).
    assert!(
        fonts.lines().skip(2).all(|l| {
            let name = l.split_whitespace().next().unwrap_or("");
            name.len() > 7
                && name.as_bytes()[6] == b'+'
                && name[..6].bytes().all(|b| b.is_ascii_uppercase())
        }),
        "{fonts}"
    );
}

#[test]
fn a_sixty_line_invoice_paginates_cleanly() {
    let s = shop();
    let lines: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!(
                    "Article numéro {i:02} — câble XLR mâle/femelle longueur {} m",
                    i % 20 + 1
                ),
                format!("{}.90", 10 + i),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str, u32)> = lines
        .iter()
        .map(|(d, p)| (d.as_str(), p.as_str(), "20", 1))
        .collect();
    let n = import(&s, "WEB-60", true, &refs);
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    s.app.issue_invoice(&staff(), &n).unwrap();
    let pdf = save(&s, "FA-2026-00001", FileFormat::Pdf);
    let info = String::from_utf8(
        tool("pdfinfo", "poppler-utils")
            .arg(&pdf)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let pages: usize = info.lines().find(|l| l.starts_with("Pages:")).unwrap()[6..]
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 2, "{info}");
    for p in 1..=pages {
        let out = tool("pdftotext", "poppler-utils")
            .args(["-layout", "-f", &p.to_string(), "-l", &p.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(
            page.contains(&format!("page {p}/{pages}")),
            "page {p}: {page}"
        );
        assert!(
            page.contains("N° FA-2026-00001"),
            "header repeated on page {p}"
        );
        if p < pages {
            assert!(page.contains("Suite page suivante"), "page {p}");
            assert!(
                page.contains("Désignation"),
                "table header repeated on page {p}"
            );
        }
    }
    let text = text_of(&pdf);
    for i in 0..60 {
        let d = format!("Article numéro {i:02} —");
        assert_eq!(text.matches(&d).count(), 1, "{d} printed once");
    }
    assert!(text.contains("Net à payer TTC"));
    let last = tool("pdftotext", "poppler-utils")
        .args([
            "-layout",
            "-f",
            &pages.to_string(),
            "-l",
            &pages.to_string(),
        ])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(last.stdout).unwrap().contains("IBAN"),
        "totals and RIB on the last page"
    );
    // The commune has no service code: nothing is printed for it.
    assert!(!text.contains("Code service"));
}

#[test]
fn factur_x_validates_and_is_embedded() {
    let s = shop();
    // With a service code, three VAT rates; then a credit note and a new invoice.
    let a = import(
        &s,
        "WEB-X1",
        false,
        &[
            ("Enceinte", "249.00", "20", 2),
            ("Livre", "19.99", "5.5", 3),
            ("Étui", "15.00", "10", 1),
        ],
    );
    // Without a service code, one rate, a price with cents that round.
    let b = import(
        &s,
        "WEB-X2",
        true,
        &[("Micro", "33.33", "20", 3), ("Câble", "0.33", "20", 7)],
    );
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &a);
    receive_and_deliver(&s, &b);
    s.app.issue_invoice(&staff(), &a).unwrap();
    s.app.issue_invoice(&staff(), &b).unwrap();
    s.app
        .issue_credit_note(&staff(), &a, None, &CreditScope::Full, "erreur de TVA")
        .unwrap();
    s.app.issue_invoice(&staff(), &a).unwrap();
    // An exempt line, a contract reference, and a partial credit note by amount.
    let c = import(
        &s,
        "WEB-X3",
        false,
        &[
            ("Formation des enseignants", "500.00", "0", 1),
            ("Enceinte", "249.00", "20", 1),
        ],
    );
    let po = OriginalPoInput {
        contract: Some("MARCHE-2026-AUDIO-07".into()),
        po_number: "ENG-2026-0777".into(),
        po_date: s.app.today(),
        checklist: Checklist::ALL_TICKED,
    };
    s.app.mark_original_received(&staff(), &c, &po).unwrap();
    s.app.issue_delivery_note(&staff(), &c, None).unwrap();
    s.app.issue_invoice(&staff(), &c).unwrap();
    let amount = CreditScope::Amount {
        net: comptoir::domain::Cents(5_000),
        vat: Some(comptoir::domain::VatRate::STANDARD),
    };
    s.app
        .issue_credit_note(&staff(), &c, None, &amount, "geste commercial")
        .unwrap();

    let xml_dir = s.dir.path().join("xml");
    std::fs::create_dir_all(&xml_dir).unwrap();
    let numbers = [
        "FA-2026-00001",
        "FA-2026-00002",
        "AV-2026-00001",
        "FA-2026-00003",
        "FA-2026-00004",
        "AV-2026-00002",
    ];
    for n in numbers {
        let xml = s.app.document_file(n, FileFormat::FacturX).unwrap();
        std::fs::write(xml_dir.join(format!("{n}.xml")), &xml).unwrap();
        // The PDF carries the same bytes as factur-x.xml.
        let pdf = save(&s, n, FileFormat::Pdf);
        let list = tool("pdfdetach", "poppler-utils")
            .arg("-list")
            .arg(&pdf)
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&list.stdout).contains("factur-x.xml"),
            "{n}"
        );
        let out = s.dir.path().join(format!("{n}-extracted.xml"));
        let saved = tool("pdfdetach", "poppler-utils")
            .args(["-save", "1", "-o"])
            .arg(&out)
            .arg(&pdf)
            .output()
            .unwrap();
        assert!(
            saved.status.success(),
            "{}",
            String::from_utf8_lossy(&saved.stderr)
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            xml,
            "{n}: embedded XML equals the stored XML"
        );
    }
    let credit = String::from_utf8(
        s.app
            .document_file("AV-2026-00001", FileFormat::FacturX)
            .unwrap(),
    )
    .unwrap();
    assert!(
        credit.contains("<ram:TypeCode>381</ram:TypeCode>")
            && credit.contains("<ram:IssuerAssignedID>FA-2026-00001</ram:IssuerAssignedID>")
    );
    let with_code = String::from_utf8(
        s.app
            .document_file("FA-2026-00001", FileFormat::FacturX)
            .unwrap(),
    )
    .unwrap();
    assert!(with_code.contains("<ram:BuyerReference>INTENDANCE</ram:BuyerReference>"));
    // The SIRETs as the parties' identifiers (BT-46, BT-29: scheme 0009), the SIRENs as
    // their legal registrations (BT-47, BT-30: 0002).
    assert!(with_code.contains("<ram:GlobalID schemeID=\"0009\">19690123500016</ram:GlobalID>"));
    assert!(with_code.contains("<ram:ID schemeID=\"0002\">196901235</ram:ID>"));
    assert!(with_code.contains("<ram:GlobalID schemeID=\"0009\">91234567500017</ram:GlobalID>"));
    assert!(with_code.contains("<ram:IssuerAssignedID>ENG-2026-0042</ram:IssuerAssignedID>"));
    assert!(with_code.contains("<ram:IBANID>FR7630006000011234567890189</ram:IBANID>"));
    let without = String::from_utf8(
        s.app
            .document_file("FA-2026-00002", FileFormat::FacturX)
            .unwrap(),
    )
    .unwrap();
    assert!(!without.contains("BuyerReference"));
    let exempt = String::from_utf8(
        s.app
            .document_file("FA-2026-00004", FileFormat::FacturX)
            .unwrap(),
    )
    .unwrap();
    assert!(
        exempt.contains("<ram:CategoryCode>E</ram:CategoryCode>"),
        "{exempt}"
    );
    assert!(exempt.contains(&format!(
        "<ram:ExemptionReason>{EXEMPTION}</ram:ExemptionReason>"
    )));
    assert!(exempt.contains("<ram:ContractReferencedDocument>"));
    assert!(exempt.contains("<ram:IssuerAssignedID>MARCHE-2026-AUDIO-07</ram:IssuerAssignedID>"));
    assert!(exempt.contains("<ram:ID>B1</ram:ID>"));
    assert!(exempt.contains("<ram:URIID schemeID=\"0225\">912345675</ram:URIID>"));
    assert!(exempt.contains("<ram:ID schemeID=\"0002\">912345675</ram:ID>"));
    let partial = String::from_utf8(
        s.app
            .document_file("AV-2026-00002", FileFormat::FacturX)
            .unwrap(),
    )
    .unwrap();
    assert!(
        partial.contains("<ram:GrandTotalAmount>60.00</ram:GrandTotalAmount>"),
        "{partial}"
    );
    assert!(partial.contains("<ram:IssuerAssignedID>FA-2026-00004</ram:IssuerAssignedID>"));
    assert!(
        !partial.contains("IBANID"),
        "a credit note asks for no payment"
    );
    let pdf = text_of(&save(&s, "AV-2026-00002", FileFormat::Pdf));
    assert_mentions(
        &pdf,
        &[
            "Réduit la facture : FA-2026-00004",
            "Cet avoir réduit la facture FA-2026-00004",
            "de 60,00 € TTC",
            "Réduction sur la facture FA-2026-00004 : geste",
        ],
    );
    let pdf = text_of(&save(&s, "FA-2026-00004", FileFormat::Pdf));
    assert_mentions(
        &pdf,
        &[
            &format!("TVA 0 % : {EXEMPTION}"),
            "Marché : MARCHE-2026-AUDIO-07",
        ],
    );

    // The same invoice in the first invoices' layout (the SIRET as the legal registration).
    let mut seller = Settings::default().seller;
    seller.legal_id = comptoir::domain::seller::LegalId::Siret;
    let doc = s.app.document("FA-2026-00001").unwrap();
    let files = comptoir::documents::Renderer::render(&PdfRenderer, &doc, &seller).unwrap();
    let xml = &files
        .iter()
        .find(|f| f.format == FileFormat::FacturX)
        .unwrap()
        .bytes;
    let text = String::from_utf8_lossy(xml);
    assert!(
        text.contains("<ram:ID schemeID=\"0009\">91234567500017</ram:ID>"),
        "{text}"
    );
    std::fs::write(xml_dir.join("FA-2026-00001-siret.xml"), xml).unwrap();
    let checked: Vec<&str> = numbers
        .iter()
        .copied()
        .chain(["FA-2026-00001-siret"])
        .collect();

    // XSD.
    let files: Vec<PathBuf> = checked
        .iter()
        .map(|n| xml_dir.join(format!("{n}.xml")))
        .collect();
    let out = tool("xmllint", "libxml2-utils")
        .args([
            "--noout",
            "--schema",
            &format!("{SCHEMAS}/Factur-X_EN16931.xsd"),
        ])
        .args(&files)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{report}");
    assert_eq!(
        report.matches(" validates").count(),
        checked.len(),
        "{report}"
    );

    // Schematron (XSLT 2) with Saxon HE, all files in one JVM run.
    let saxon = "/usr/share/java/Saxon-HE.jar";
    assert!(
        Path::new(saxon).exists(),
        "Saxon HE is missing: install the Debian package libsaxonhe-java (see .ci/run)"
    );
    let svrl_dir = s.dir.path().join("svrl");
    std::fs::create_dir_all(&svrl_dir).unwrap();
    let out = tool("java", "default-jre-headless")
        .args(["-cp", saxon, "net.sf.saxon.Transform"])
        .arg(format!("-s:{}", xml_dir.display()))
        .arg(format!("-xsl:{SCHEMAS}/Factur-X_1.09_EN16931.xsl"))
        .arg(format!("-o:{}", svrl_dir.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for &n in &checked {
        let svrl = std::fs::read_to_string(svrl_dir.join(format!("{n}.xml"))).unwrap();
        assert!(
            svrl.matches("fired-rule").count() > 50,
            "{n}: the schematron ran"
        );
        let failed: Vec<&str> = svrl
            .split("<svrl:failed-assert")
            .skip(1)
            .map(|f| &f[..f.len().min(400)])
            .collect();
        assert!(failed.is_empty(), "{n}: {failed:#?}");
    }

    // The French CII rules of the 2026 reform (BR-FR-…), same way.
    let fr_dir = s.dir.path().join("svrl-fr");
    std::fs::create_dir_all(&fr_dir).unwrap();
    let out = tool("java", "default-jre-headless")
        .args(["-cp", saxon, "net.sf.saxon.Transform"])
        .arg(format!("-s:{}", xml_dir.display()))
        .arg("-xsl:tests/facturx-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt")
        .arg(format!("-o:{}", fr_dir.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for &n in &checked {
        let svrl = std::fs::read_to_string(fr_dir.join(format!("{n}.xml"))).unwrap();
        let failed: Vec<String> = svrl
            .split("<svrl:failed-assert")
            .skip(1)
            .map(|f| {
                let f = &f[..f.find("</svrl:failed-assert>").unwrap_or(f.len())];
                let id = f
                    .split("id=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or("?");
                let text = f
                    .split("<svrl:text>")
                    .nth(1)
                    .unwrap_or("")
                    .split("</svrl:text>")
                    .next()
                    .unwrap_or("");
                format!(
                    "{id}: {}",
                    text.split_whitespace().collect::<Vec<_>>().join(" ")
                )
            })
            .collect();
        assert!(
            svrl.matches("fired-rule").count() > 50,
            "{n}: the FR rules ran"
        );
        // BR-FR-10 wants the seller's SIREN in BT-30: it holds in the default layout and
        // fails, as expected, only in the first invoices' layout (`xml_legal_id = "siret"`).
        let unexpected: Vec<&String> = failed
            .iter()
            .filter(|f| !(f.starts_with("BR-FR-10_BT-30") && n.ends_with("-siret")))
            .collect();
        assert!(unexpected.is_empty(), "{n}: {unexpected:#?}");
    }
}

#[test]
fn invoices_stay_small_and_routing_is_checked_before_issue() {
    let s = shop();
    let lines: Vec<(String, String)> = (0..10)
        .map(|i| (format!("Produit audio {i}"), format!("{}.00", 50 + i * 7)))
        .collect();
    let refs: Vec<(&str, &str, &str, u32)> = lines
        .iter()
        .map(|(d, p)| (d.as_str(), p.as_str(), "20", 2))
        .collect();
    let n = import(&s, "WEB-10", false, &refs);
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    // The lycée requires a service code: remove it and the invoice is refused, no number drawn.
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-UPDATE".into();
    v["customer"]["chorus"] =
        serde_json::json!({"service_code_required": true, "engagement_required": true});
    s.app
        .import_quote(
            &Actor::import(),
            &parse_quote_request(&v.to_string()).unwrap(),
        )
        .unwrap();
    let e = s.app.issue_invoice(&staff(), &n).unwrap_err();
    assert!(matches!(e, AppError::Refused(_)));
    assert_eq!(
        e.to_string(),
        "impossible d'émettre la facture : le client exige un code service Chorus Pro et sa fiche n'en a pas"
    );
    assert_eq!(
        s.app.read(|rx| rx.counter(DocKind::Invoice, 2026)).unwrap(),
        0
    );
    v["reference"] = "WEB-UPDATE-2".into();
    v["customer"]["chorus"] =
        serde_json::json!({"service_code": "INTENDANCE", "service_code_required": true});
    s.app
        .import_quote(
            &Actor::import(),
            &parse_quote_request(&v.to_string()).unwrap(),
        )
        .unwrap();
    let doc = s.app.issue_invoice(&staff(), &n).unwrap();
    let pdf = s
        .app
        .document_file(&doc.number.to_string(), FileFormat::Pdf)
        .unwrap();
    assert!(
        pdf.len() < 60_000,
        "a 10-line invoice is {} bytes",
        pdf.len()
    );
    eprintln!("10-line invoice: {} bytes", pdf.len());
}

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

/// A real SMTP server on loopback (Python's aiosmtpd, writing each message to a Maildir),
/// stopped when dropped.
struct Smtpd {
    child: std::process::Child,
    port: u16,
    maildir: PathBuf,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PYTHON: &str = "/usr/bin/python3";

fn smtpd(dir: &Path, extra: &[&str]) -> Smtpd {
    let check = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .output()
        .expect("/usr/bin/python3 is missing: install the Debian package python3 (see .ci/run)");
    assert!(
        check.status.success(),
        "aiosmtpd is missing: install the Debian package python3-aiosmtpd (see .ci/run)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = dir.join(format!("Maildir-{port}"));
    let child = Command::new(PYTHON)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(extra)
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 30, "aiosmtpd did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Smtpd {
        child,
        port,
        maildir,
    }
}

/// The messages the server received, parsed by Python's `email` package: headers, and
/// each attachment written beside them (`<n>.<filename>`).
fn received(server: &Smtpd, out: &Path) -> Vec<serde_json::Value> {
    let script = r#"
import email, glob, json, os, sys
out = sys.argv[2]
msgs = []
for i, path in enumerate(sorted(glob.glob(os.path.join(sys.argv[1], "new", "*")))):
    m = email.message_from_binary_file(open(path, "rb"))
    atts = []
    for part in m.walk():
        name = part.get_filename()
        if name:
            data = part.get_payload(decode=True)
            dest = os.path.join(out, "%d.%s" % (i, name))
            open(dest, "wb").write(data)
            atts.append({"name": name, "path": dest, "type": part.get_content_type()})
        elif part.get_content_type() == "text/plain":
            body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    msgs.append({"to": m["To"], "from": m["From"], "subject": str(email.header.make_header(email.header.decode_header(m["Subject"]))), "message_id": m["Message-ID"], "attachments": atts, "body": body})
print(json.dumps(msgs))
"#;
    std::fs::create_dir_all(out).unwrap();
    let o = Command::new(PYTHON)
        .args(["-c", script])
        .arg(&server.maildir)
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Documents leave by e-mail through a real SMTP server: the quote to the order's contact,
/// the invoice's payment pack, a letter — each PDF byte for byte, each sending recorded on
/// the order with its Message-ID; a relay that refuses or does not answer records nothing.
#[test]
fn documents_leave_by_email_through_a_real_smtp_server() {
    use comptoir::config::{SmtpConfig, SmtpTls};
    use comptoir::domain::letter::LetterKind;
    let s = shop();
    let n = import(
        &s,
        "WEB-MAIL",
        false,
        &[("Enceinte active 8 pouces", "1000.00", "20", 1)],
    );
    let config = |port: u16, timeout: u64| SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        user: None,
        password: None,
        from: "Comptoir Audio Démo <compta@comptoir-audio.example>".into(),
        timeout_seconds: timeout,
    };
    let e = s
        .app
        .send_document(&staff(), &n, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("[smtp]"), "{e}");
    let server = smtpd(s.dir.path(), &[]);
    let mailer = comptoir::mail::SmtpMailer::new(&config(server.port, 10)).unwrap();
    mailer.test_connection().unwrap();
    s.app.set_mailer(Some(std::sync::Arc::new(mailer)));
    // The quote, to the order's contact.
    let quote = s.app.send_document(&staff(), &n, None).unwrap();
    assert_eq!(quote.to, ["intendance@lycee-jean-moulin.example"]);
    assert!(quote.answer.starts_with("250"), "{}", quote.answer);
    // The invoice's pack and a letter, to an address typed by staff.
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    let inv = s.app.issue_invoice(&staff(), &n).unwrap();
    let pack = s
        .app
        .send_document(
            &staff(),
            &inv.number.to_string(),
            Some("mandatement@lycee.example"),
        )
        .unwrap();
    s.clock.set(noon("2026-04-20"));
    let letter = s
        .app
        .write_letter(&staff(), &n, LetterKind::Reminder)
        .unwrap();
    let reminder = s
        .app
        .send_document(&staff(), &letter.reference, None)
        .unwrap();
    let e = s
        .app
        .send_document(&staff(), &n, Some("pas une adresse"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("n'est pas une adresse"), "{e}");

    let msgs = received(&server, &s.dir.path().join("received"));
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    let file = |m: &serde_json::Value| {
        std::fs::read(m["attachments"][0]["path"].as_str().unwrap()).unwrap()
    };
    assert_eq!(msgs[0]["message_id"], quote.message_id.as_str());
    assert_eq!(msgs[0]["to"], "intendance@lycee-jean-moulin.example");
    assert_eq!(
        msgs[0]["subject"],
        format!("Devis {n} — Comptoir Audio Démo")
    );
    assert!(
        msgs[0]["body"]
            .as_str()
            .unwrap()
            .contains("bon de commande original")
    );
    assert_eq!(msgs[0]["attachments"][0]["type"], "application/pdf");
    assert_eq!(
        file(&msgs[0]),
        s.app.document_file(&n, FileFormat::Pdf).unwrap(),
        "the quote byte for byte"
    );
    assert_eq!(msgs[1]["to"], "mandatement@lycee.example");
    assert_eq!(
        file(&msgs[1]),
        s.app.accounting_pack(&inv).unwrap(),
        "the pack as doc pack gives it"
    );
    assert_eq!(pack.attachment, format!("dossier-{}.pdf", inv.number));
    assert_eq!(
        file(&msgs[2]),
        s.app.letter(&letter.reference).unwrap().1,
        "the letter as written"
    );
    assert_eq!(msgs[2]["message_id"], reminder.message_id.as_str());
    // Recorded on the order, in the audit.
    let order = comptoir::domain::DocNumber::parse(&n).unwrap();
    assert_eq!(s.app.mails_of(&order).unwrap().len(), 3);

    // A relay that refuses (a message over its size limit) or never answers: said, and
    // nothing recorded as sent.
    let small = smtpd(s.dir.path(), &["-s", "2000"]);
    s.app.set_mailer(Some(std::sync::Arc::new(
        comptoir::mail::SmtpMailer::new(&config(small.port, 10)).unwrap(),
    )));
    let e = s
        .app
        .send_document(&staff(), &n, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a refusé") && e.contains("rien n'est noté"),
        "{e}"
    );
    let mute = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    s.app.set_mailer(Some(std::sync::Arc::new(
        comptoir::mail::SmtpMailer::new(&config(mute.local_addr().unwrap().port(), 1)).unwrap(),
    )));
    let e = s
        .app
        .send_document(&staff(), &n, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("injoignable ou muet"), "{e}");
    assert_eq!(
        s.app.mails_of(&order).unwrap().len(),
        3,
        "nothing more recorded"
    );
}

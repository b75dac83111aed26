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

const SAMPLE: &str = include_str!("../fixtures/quote.json");

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

mod invoices;
mod mail;
mod packs;
mod text;

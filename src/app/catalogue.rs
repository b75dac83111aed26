//! The product catalogue: `catalogue import < products.csv` (a spreadsheet's CSV, read
//! whole and checked line by line before anything is written) and the products staff quote
//! from by hand.

use super::{Actor, App, AppError};
use crate::domain::Permission;
use crate::domain::customer::text_problem;
use crate::domain::money::{MAX_AMOUNT, parse_eur};
use crate::domain::{Action, Cents, Event, Product, VatRate};

/// Lines a catalogue file may hold.
pub const MAX_PRODUCTS: usize = 20_000;
const MAX_STOCK: i64 = 10_000_000;

/// One product as the file describes it; `on_hand` when the file has a stock column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueRow {
    pub sku: String,
    pub designation: String,
    pub unit_price: Cents,
    pub vat: VatRate,
    pub on_hand: Option<i64>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CatalogueOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Splits one CSV line on `sep`, with `"…"` quoting (`""` is a quote).
fn fields(line: &str, sep: char) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (false, c) if c == sep => out.push(std::mem::take(&mut cur)),
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("guillemet non refermé".into());
    }
    out.push(cur);
    Ok(out)
}

/// The column names understood, folded: what each one is.
fn column(name: &str) -> Option<&'static str> {
    let n = crate::domain::text::fold(name.trim());
    match n.as_str() {
        "sku" | "reference" | "ref" => Some("sku"),
        "designation" | "libelle" => Some("designation"),
        "prix_ht" | "prix" | "prix ht" | "prix unitaire ht" | "unit_price" => Some("price"),
        "tva" | "taux_tva" | "taux de tva" | "vat" | "vat_rate" => Some("vat"),
        "stock" | "quantite" | "on_hand" => Some("stock"),
        _ => None,
    }
}

/// Reads a catalogue file: a header line naming the columns (`sku;designation;prix_ht;tva`
/// and optionally `stock`), `;` or `,` separated, prices in euros with a comma or a dot.
/// Every problem is reported with its line number; nothing is kept from a bad file.
pub fn parse_catalogue_csv(text: &str) -> Result<Vec<CatalogueRow>, AppError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(AppError::invalid(
            "fichier vide : une ligne d'en-tête est attendue (sku;designation;prix_ht;tva;stock)",
        ));
    };
    let sep = if header.contains(';') { ';' } else { ',' };
    let names = fields(header, sep).map_err(|e| AppError::invalid(format!("ligne 1 : {e}")))?;
    let mut at = std::collections::HashMap::new();
    for (i, n) in names.iter().enumerate() {
        match column(n) {
            Some(c) => {
                at.insert(c, i);
            }
            None => {
                return Err(AppError::invalid(format!(
                    "ligne 1 : colonne « {} » inconnue (colonnes : sku, designation, prix_ht, tva, stock)",
                    n.trim()
                )));
            }
        }
    }
    for needed in ["sku", "designation", "price", "vat"] {
        if !at.contains_key(needed) {
            return Err(AppError::invalid(format!(
                "ligne 1 : la colonne {} manque (en-tête attendu : sku;designation;prix_ht;tva;stock)",
                match needed {
                    "price" => "prix_ht",
                    "vat" => "tva",
                    n => n,
                }
            )));
        }
    }
    let mut rows: Vec<CatalogueRow> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, line) in lines {
        let n = i + 1;
        if rows.len() >= MAX_PRODUCTS {
            return Err(AppError::invalid(format!(
                "plus de {MAX_PRODUCTS} produits : découpez le fichier"
            )));
        }
        let bad = |msg: String| AppError::invalid(format!("ligne {n} : {msg}"));
        let f = fields(line, sep).map_err(bad)?;
        let get = |c: &str| f.get(at[c]).map(|s| s.trim()).unwrap_or("");
        let sku = get("sku").to_string();
        if let Some((_, msg)) = text_problem("sku", &sku, 40, true) {
            return Err(bad(format!("référence : {msg}")));
        }
        if sku.contains(char::is_whitespace) {
            return Err(bad(format!("référence « {sku} » : sans espace")));
        }
        if let Some(first) = seen.insert(sku.clone(), n) {
            return Err(bad(format!("référence {sku} déjà donnée ligne {first}")));
        }
        let designation = get("designation").to_string();
        if let Some((_, msg)) = text_problem("designation", &designation, 300, true) {
            return Err(bad(format!("désignation : {msg}")));
        }
        let price_text = get("price");
        let unit_price = parse_eur(price_text)
            .filter(|p| *p >= Cents::ZERO && *p <= MAX_AMOUNT)
            .ok_or_else(|| {
                bad(format!(
                    "prix HT « {price_text} » invalide (euros, 2 décimales au plus, positif)"
                ))
            })?;
        let vat_text = get("vat");
        let vat = VatRate::parse_percent(vat_text).ok_or_else(|| {
            bad(format!(
                "taux de TVA « {vat_text} » inconnu (20, 10, 5,5 ou 2,1)"
            ))
        })?;
        if vat.is_zero() {
            return Err(bad(format!(
                "{sku} à 0 % : un produit exonéré se devise par l'import du site, avec son motif d'exonération"
            )));
        }
        let on_hand = match at.get("stock").map(|_| get("stock")) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<i64>()
                    .ok()
                    .filter(|q| (0..=MAX_STOCK).contains(q))
                    .ok_or_else(|| bad(format!("stock « {s} » : un entier de 0 à {MAX_STOCK}")))?,
            ),
        };
        rows.push(CatalogueRow {
            sku,
            designation,
            unit_price,
            vat,
            on_hand,
        });
    }
    if rows.is_empty() {
        return Err(AppError::invalid("aucun produit après la ligne d'en-tête"));
    }
    Ok(rows)
}

impl App {
    /// Creates or updates the catalogue's products from `rows`, in one transaction (admins
    /// only). Reservations are kept; a stock that would fall below what is reserved is
    /// refused; every change is audited with its before and after.
    pub fn import_catalogue(
        &self,
        actor: &Actor,
        rows: &[CatalogueRow],
    ) -> Result<CatalogueOutcome, AppError> {
        actor.require(Permission::Catalogue)?;
        let now = self.now();
        let outcome = self.write_as(actor, Permission::Catalogue, |tx| {
            let mut out = CatalogueOutcome::default();
            let mut events = Vec::new();
            for r in rows {
                let old = tx.product(&r.sku)?;
                let mut p = old.clone().unwrap_or(Product {
                    sku: r.sku.clone(),
                    designation: String::new(),
                    unit_price: Cents::ZERO,
                    vat: r.vat,
                    on_hand: 0,
                    reserved: 0,
                });
                p.designation = r.designation.clone();
                p.unit_price = r.unit_price;
                p.vat = r.vat;
                if let Some(q) = r.on_hand {
                    if q < p.reserved {
                        return Err(AppError::invalid(format!(
                            "{} : stock {q} inférieur aux {} unité(s) réservées ; rien n'a été importé",
                            r.sku, p.reserved
                        )));
                    }
                    p.on_hand = q;
                }
                let describe = |p: &Product| {
                    format!(
                        "{} à {} HT, TVA {}, stock {}",
                        p.designation,
                        p.unit_price.fr(),
                        p.vat.fr(),
                        p.on_hand
                    )
                };
                match &old {
                    Some(o) if *o == p => {
                        out.unchanged += 1;
                        continue;
                    }
                    Some(o) => {
                        out.updated += 1;
                        events.push(
                            Event::new(Action::ProductUpserted, describe(o), describe(&p))
                                .detail(format!("{} (import du catalogue)", p.sku)),
                        );
                    }
                    None => {
                        out.created += 1;
                        events.push(
                            Event::new(Action::ProductUpserted, "", describe(&p))
                                .detail(format!("{} créé (import du catalogue)", p.sku)),
                        );
                    }
                }
                tx.put_product(&p)?;
            }
            self.write_audit(tx, actor, now, None, None, events)?;
            Ok::<_, AppError>(out)
        })?;
        self.publish(vec![], vec![]);
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spreadsheet_export_reads_with_quotes_commas_and_a_bom() {
        let csv = "\u{feff}SKU;Désignation;Prix HT;TVA;Stock\n\
                   ENC-01;\"Enceinte 12\"\" ; amplifiée\";249,00;20;12\n\
                   \n\
                   LIV-02;Livre « Le son »;18.5;5,5;\n";
        let rows = parse_catalogue_csv(csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].designation, "Enceinte 12\" ; amplifiée");
        assert_eq!(rows[0].unit_price, Cents(24_900));
        assert_eq!(rows[0].on_hand, Some(12));
        assert_eq!(rows[1].vat, VatRate::parse_percent("5.5").unwrap());
        assert_eq!(rows[1].unit_price, Cents(1_850));
        assert_eq!(rows[1].on_hand, None);
        // Comma-separated with a dot decimal works too.
        let rows = parse_catalogue_csv("sku,designation,prix_ht,tva\nA-1,Câble,3.90,20\n").unwrap();
        assert_eq!(rows[0].unit_price, Cents(390));
    }

    #[test]
    fn every_problem_names_its_line() {
        let err = |csv: &str| parse_catalogue_csv(csv).unwrap_err().to_string();
        let head = "sku;designation;prix_ht;tva\n";
        assert!(err("").contains("fichier vide"));
        assert!(err("sku;nom;prix_ht;tva\n").contains("colonne « nom » inconnue"));
        assert!(err("sku;designation;tva\nA;B;20\n").contains("prix_ht manque"));
        let e = err(&format!("{head}A-1;Câble;3,90;20\nB-2;Micro;abc;20\n"));
        assert!(e.contains("ligne 3") && e.contains("« abc »"), "{e}");
        let e = err(&format!("{head}A-1;Câble;3,90;19,6\n"));
        assert!(e.contains("ligne 2") && e.contains("19,6"), "{e}");
        let e = err(&format!("{head}A-1;Câble;3,90;20\nA-1;Autre;1;20\n"));
        assert!(e.contains("déjà donnée ligne 2"), "{e}");
        let e = err(&format!("{head}A-1;Câble;3,90;0\n"));
        assert!(e.contains("motif d'exonération"), "{e}");
        let e = err(&format!("{head}A-1;\"Câble;3,90;20\n"));
        assert!(e.contains("guillemet"), "{e}");
        assert!(err(head).contains("aucun produit"));
    }
}

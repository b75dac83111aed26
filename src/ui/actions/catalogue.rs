//! The catalogue from the stock screen: a new product and a product's designation, price
//! and VAT rate (admins), a stock adjustment with its reason (staff).

use super::{Args, Op, Outcome, Prepared, Target};
use crate::app::{Actor, App};
use crate::domain::money::parse_eur;
use crate::domain::{Cents, Product, VatRate};
use crate::ui::Level;
use crate::ui::forms::{Field, FieldId, Form};

fn product_of(app: &App, op: &Op) -> Result<Product, String> {
    let Target::Product(sku) = &op.target else {
        return Err("cette action porte sur un produit".into());
    };
    app.products()
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|p| p.sku == *sku)
        .ok_or_else(|| format!("produit {sku} introuvable"))
}

fn product_fields(p: Option<&Product>) -> Vec<Field> {
    let v = |f: fn(&Product) -> String| p.map(f).unwrap_or_default();
    vec![
        Field::text(
            FieldId::Designation,
            "Désignation",
            &v(|p| p.designation.clone()),
            "",
        )
        .long(300),
        Field::text(
            FieldId::Price,
            "Prix unitaire HT (€)",
            &v(|p| p.unit_price.fr().trim_end_matches(" €").to_string()),
            "ex. 249,00",
        ),
        Field::text(
            FieldId::Vat,
            "Taux de TVA (%)",
            &v(|p| p.vat.percent_str()),
            "20, 10, 5,5 ou 2,1",
        ),
    ]
}

pub(super) fn prepare_new(_app: &App, op: &Op) -> Result<Prepared, String> {
    let mut fields = vec![Field::text(
        FieldId::Sku,
        "Référence",
        "",
        "sans espace, ex. ENC-01",
    )];
    fields.extend(product_fields(None));
    fields.push(Field::text(FieldId::Stock, "Stock initial", "0", ""));
    Ok(Prepared::Form(
        Form::new(
            "Nouveau produit",
            vec![
                "Administrateurs : le produit entre au catalogue, chaque changement est tracé."
                    .into(),
            ],
            fields,
        ),
        op.clone(),
    ))
}

pub(super) fn prepare_edit(app: &App, op: &Op) -> Result<Prepared, String> {
    let p = product_of(app, op)?;
    Ok(Prepared::Form(
        Form::new(
            &format!("Produit {}", p.sku),
            vec![format!(
                "En stock {} · réservé {} — les devis déjà émis gardent leur prix.",
                p.on_hand, p.reserved
            )],
            product_fields(Some(&p)),
        ),
        op.clone(),
    ))
}

/// Reads the designation, price and VAT of a product form.
fn read_product(form: &Form, sku: String, on_hand: i64) -> Result<Product, String> {
    let price = form.value(FieldId::Price);
    let unit_price = parse_eur(price)
        .filter(|p| *p >= Cents::ZERO)
        .ok_or_else(|| format!("prix « {price} » invalide (euros, 2 décimales au plus)"))?;
    let vat_text = form.value(FieldId::Vat);
    let vat = VatRate::parse_percent(vat_text)
        .filter(|v| !v.is_zero())
        .ok_or_else(|| {
            format!("taux de TVA « {vat_text} » : 20, 10, 5,5 ou 2,1 (un produit exonéré s'importe avec son motif)")
        })?;
    Ok(Product {
        sku,
        designation: form.value(FieldId::Designation).to_string(),
        unit_price,
        vat,
        on_hand,
        reserved: 0,
    })
}

fn describe(p: &Product) -> String {
    format!(
        "{} — {} à {} HT, TVA {}",
        p.sku,
        p.designation,
        p.unit_price.fr(),
        p.vat.fr()
    )
}

pub(super) fn submit_new(form: &Form) -> Result<(String, Args), String> {
    let sku = form.value(FieldId::Sku).to_string();
    if sku.contains(char::is_whitespace) {
        return Err(format!("référence « {sku} » : sans espace"));
    }
    let stock = form.value(FieldId::Stock);
    let on_hand = stock
        .parse::<i64>()
        .ok()
        .filter(|q| *q >= 0)
        .ok_or_else(|| format!("stock « {stock} » : un entier positif ou nul"))?;
    let p = read_product(form, sku, on_hand)?;
    let line = format!("Créer {}, stock {}.", describe(&p), p.on_hand);
    Ok((line, Args::Product(Box::new(p))))
}

pub(super) fn submit_edit(form: &Form) -> Result<(String, Args), String> {
    // The reference and the stock are the record's: `run` takes them from the target.
    let p = read_product(form, String::new(), 0)?;
    let line = format!(
        "Nouvelle fiche : {} à {} HT, TVA {}.",
        p.designation,
        p.unit_price.fr(),
        p.vat.fr()
    );
    Ok((line, Args::Product(Box::new(p))))
}

pub(super) fn run_upsert(app: &App, who: &Actor, target: &Target, args: Args) -> Outcome {
    let Args::Product(mut p) = args else {
        return super::steps::missing_input();
    };
    if let Target::Product(sku) = target {
        match app
            .products()
            .map(|ps| ps.into_iter().find(|x| x.sku == *sku))
        {
            Ok(Some(old)) => {
                p.sku = old.sku;
                p.on_hand = old.on_hand;
            }
            Ok(None) => return (Level::Error, format!("produit {sku} introuvable"), None),
            Err(e) => return (Level::Error, e.to_string(), None),
        }
    }
    match app.upsert_product(who, *p) {
        Ok(p) => (
            Level::Ok,
            format!("Catalogue : {} enregistré", describe(&p)),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

pub(super) fn prepare_adjust(app: &App, op: &Op) -> Result<Prepared, String> {
    let p = product_of(app, op)?;
    Ok(Prepared::Form(
        Form::new(
            &format!("Ajuster le stock de {}", p.sku),
            vec![format!(
                "{} — en stock {}, réservé {}, disponible {}",
                p.designation,
                p.on_hand,
                p.reserved,
                p.available()
            )],
            vec![
                Field::text(
                    FieldId::Delta,
                    "Unités (+ entrée, − sortie)",
                    "",
                    "ex. +12 ou -1",
                ),
                Field::text(FieldId::Reason, "Motif", "réception fournisseur", ""),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_adjust(form: &Form) -> Result<(String, Args), String> {
    let d = form.value(FieldId::Delta).replace('−', "-");
    let delta = d
        .trim_start_matches('+')
        .parse::<i64>()
        .ok()
        .filter(|d| *d != 0)
        .ok_or_else(|| format!("« {d} » : un nombre d'unités non nul, ex. +12 ou -1"))?;
    let reason = form.value(FieldId::Reason).to_string();
    let line = format!("Stock {delta:+} (motif : {reason}).");
    Ok((line, Args::Stock { delta, reason }))
}

pub(super) fn run_adjust(app: &App, who: &Actor, target: &Target, args: Args) -> Outcome {
    let (Target::Product(sku), Args::Stock { delta, reason }) = (target, args) else {
        return super::steps::missing_input();
    };
    match app.adjust_stock(who, sku, delta, &reason) {
        Ok(p) => (
            Level::Ok,
            format!(
                "{} : en stock {}, disponible {}",
                p.sku,
                p.on_hand,
                p.available()
            ),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

//! Forms that create: a customer typed by hand (Ctrl-N on the Clients tab) and a quote
//! made from the catalogue on a customer's card (`n`). The app checks everything again;
//! these forms only gather what was typed.

use super::{Args, Follow, Op, Outcome, Prepared, Target};
use crate::app::customers::NewCustomer;
use crate::app::{Actor, App};
use crate::domain::text::fold;
use crate::domain::{Address, ChorusRouting, Contact, Product, Totals};
use crate::ui::Level;
use crate::ui::forms::{Field, FieldId, Form};

/// Empty line rows a new quote offers at first (another appears once the last is used).
const QUOTE_ROWS: usize = 8;
/// Products listed in the quote form when the catalogue is small enough to read there.
const CATALOGUE_IN_FORM: usize = 30;

pub(super) fn prepare_customer(_app: &App, op: &Op) -> Result<Prepared, String> {
    let text = |name, label, hint| Field::text(name, label, "", hint);
    let fields = vec![
        text(FieldId::Siret, "SIRET", "14 chiffres"),
        text(FieldId::LegalName, "Raison sociale", ""),
        text(
            FieldId::Categorie,
            "Catégorie juridique",
            "7210 commune, 7331 lycée…",
        ),
        text(FieldId::AddrName, "Adresse — destinataire", "facultatif").optional(),
        text(FieldId::AddrStreet, "Adresse — rue", ""),
        text(FieldId::AddrExtra, "Adresse — complément", "facultatif").optional(),
        text(FieldId::AddrPostcode, "Adresse — code postal", ""),
        text(FieldId::AddrCity, "Adresse — ville", ""),
        text(FieldId::ContactName, "Contact — nom", ""),
        text(FieldId::ContactPhone, "Contact — téléphone", ""),
        text(FieldId::ContactEmail, "Contact — e-mail", ""),
        text(
            FieldId::ServiceCode,
            "Code service Chorus Pro",
            "facultatif",
        )
        .optional(),
        Field::check(FieldId::ServiceRequired, "Code service obligatoire").optional(),
        Field::check(FieldId::EngagementRequired, "N° d'engagement obligatoire").optional(),
        text(FieldId::Market, "Référence du marché", "facultatif").optional(),
    ];
    Ok(Prepared::Form(
        Form::new(
            "Nouveau client",
            vec![
                "Un organisme public : le SIRET est vérifié, la catégorie juridique décide de \
                 l'éligibilité au mandat administratif (organismes privés refusés)."
                    .into(),
            ],
            fields,
        ),
        op.clone(),
    ))
}

pub(super) fn submit_customer(form: &Form) -> Result<(String, Args), String> {
    let v = |n: FieldId| form.value(n).to_string();
    let new = NewCustomer {
        siret: v(FieldId::Siret),
        legal_name: v(FieldId::LegalName),
        categorie: v(FieldId::Categorie),
        header_address: Address {
            name: v(FieldId::AddrName),
            street: v(FieldId::AddrStreet),
            extra: v(FieldId::AddrExtra),
            postcode: v(FieldId::AddrPostcode),
            city: v(FieldId::AddrCity),
        },
        contact: Contact {
            name: v(FieldId::ContactName),
            phone: v(FieldId::ContactPhone),
            email: v(FieldId::ContactEmail),
        },
        chorus: ChorusRouting {
            service_code: Some(v(FieldId::ServiceCode)).filter(|s| !s.is_empty()),
            service_code_required: form.checked(FieldId::ServiceRequired),
            engagement_required: form.checked(FieldId::EngagementRequired),
            market_reference: Some(v(FieldId::Market)).filter(|s| !s.is_empty()),
        },
    };
    let line = format!(
        "Créer {} (SIRET {}, catégorie {}) à {} {}.",
        new.legal_name,
        new.siret,
        new.categorie,
        new.header_address.postcode,
        new.header_address.city
    );
    Ok((line, Args::NewCustomer(Box::new(new))))
}

pub(super) fn run_customer(app: &App, who: &Actor, _: &Target, args: Args) -> Outcome {
    let Args::NewCustomer(new) = args else {
        return super::steps::missing_input();
    };
    match app.create_customer(who, &new) {
        Ok(c) => (
            Level::Ok,
            format!(
                "Client créé : {} — {}",
                c.legal_name,
                c.eligibility.status.label()
            ),
            Some(Follow::Customer(c.id)),
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

pub(super) fn prepare_quote(app: &App, op: &Op) -> Result<Prepared, String> {
    let Target::Customer(id) = op.target else {
        return Err("cette action porte sur un client".into());
    };
    let c = app.customer(id).map_err(|e| e.to_string())?;
    let mut intro = vec![format!("{} — SIRET {}", c.legal_name, c.siret.spaced())];
    let addresses = c.delivery_choices();
    for (i, a) in addresses.iter().enumerate() {
        intro.push(format!("Adresse {} : {}", i + 1, a.one_line()));
    }
    for (i, k) in c.contacts.iter().enumerate() {
        intro.push(format!("Contact {} : {}", i + 1, k.one_line()));
    }
    let products = app.products().map_err(|e| e.to_string())?;
    if products.len() <= CATALOGUE_IN_FORM {
        intro.push("Catalogue :".into());
        for p in &products {
            intro.push(format!(
                "  {} — {} — {} HT, TVA {} — disponible {}",
                p.sku,
                p.designation,
                p.unit_price.fr(),
                p.vat.fr(),
                p.available()
            ));
        }
    } else {
        intro.push(format!(
            "Catalogue : {} produits — références sur l'écran Stock (s sur le tableau).",
            products.len()
        ));
    }
    let mut fields = Vec::new();
    for i in 1..=QUOTE_ROWS {
        let hint = if i == 1 { "ex. ENC-01" } else { "" };
        fields.push(
            Field::text(
                FieldId::LineSku,
                &format!("Ligne {i} — référence"),
                "",
                hint,
            )
            .optional(),
        );
        fields.push(
            Field::text(FieldId::LineQty, &format!("Ligne {i} — quantité"), "", "").optional(),
        );
    }
    fields.push(Field::text(FieldId::Address, "Adresse de livraison n°", "1", "").optional());
    fields.push(Field::text(FieldId::Contact, "Contact n°", "1", "").optional());
    let mut form = Form::new("Nouveau devis", intro, fields);
    // Another line appears once the last one is filled, up to what a quote may hold.
    form.grow_lines = Some(crate::app::customers::MAX_QUOTE_LINES);
    Ok(Prepared::Form(form, op.clone()))
}

pub(super) fn submit_quote(form: &Form) -> Result<(String, Args), String> {
    let mut lines = Vec::new();
    let skus = form.fields_named(FieldId::LineSku);
    let qtys = form.fields_named(FieldId::LineQty);
    for (i, (s, q)) in skus.zip(qtys).enumerate() {
        let (sku, qty) = (s.value.trim(), q.value.trim());
        if sku.is_empty() && qty.is_empty() {
            continue;
        }
        if sku.is_empty() {
            return Err(format!("ligne {} : la référence manque", i + 1));
        }
        let qty = qty
            .parse::<u32>()
            .ok()
            .filter(|q| *q > 0)
            .ok_or_else(|| format!("ligne {} ({sku}) : quantité « {qty} » invalide", i + 1))?;
        lines.push((sku.to_string(), qty));
    }
    if lines.is_empty() {
        return Err("un devis a au moins une ligne (référence et quantité)".into());
    }
    let number = |name: FieldId| -> Result<Option<usize>, String> {
        let v = form.value(name);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| format!("« {v} » : donnez un numéro (1, 2, …)"))
    };
    let address = number(FieldId::Address)?;
    let contact = number(FieldId::Contact)?;
    let what: Vec<String> = lines.iter().map(|(s, q)| format!("{s} × {q}")).collect();
    let line = format!(
        "Devis : {} ; adresse n° {}, contact n° {} ; prix et TVA du catalogue, valable un mois.",
        what.join(", "),
        address.unwrap_or(1),
        contact.unwrap_or(1)
    );
    Ok((
        line,
        Args::NewQuote {
            lines,
            address,
            contact,
        },
    ))
}

pub(super) fn run_quote(app: &App, who: &Actor, target: &Target, args: Args) -> Outcome {
    let (
        Target::Customer(id),
        Args::NewQuote {
            lines,
            address,
            contact,
        },
    ) = (target, args)
    else {
        return super::steps::missing_input();
    };
    match app.create_quote(who, *id, &lines, address, contact) {
        Ok(o) => (
            Level::Ok,
            format!(
                "Devis {} émis ({} TTC, valable jusqu'au {})",
                o.number,
                o.totals().incl_vat.fr(),
                o.quote.valid_until.fr()
            ),
            Some(Follow::Order(o.number)),
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

/// The product a typed reference means: the exact reference, the same in another case, or
/// the only product whose reference or designation contains what was typed. Otherwise the
/// message names the candidates.
fn resolve<'a>(products: &'a [Product], typed: &str) -> Result<&'a Product, String> {
    if let Some(p) = products.iter().find(|p| p.sku == typed) {
        return Ok(p);
    }
    if let Some(p) = products.iter().find(|p| p.sku.eq_ignore_ascii_case(typed)) {
        return Ok(p);
    }
    let t = fold(typed);
    let hits: Vec<&Product> = products
        .iter()
        .filter(|p| fold(&p.sku).contains(&t) || fold(&p.designation).contains(&t))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("« {typed} » n'est pas au catalogue")),
        many => {
            let names: Vec<&str> = many.iter().take(6).map(|p| p.sku.as_str()).collect();
            Err(format!(
                "« {typed} » désigne {} produits : {}{}",
                many.len(),
                names.join(", "),
                if many.len() > names.len() {
                    ", …"
                } else {
                    ""
                }
            ))
        }
    }
}

/// Resolves each line against the catalogue (rewriting a partial reference to the
/// product's) and says what the quote will hold: designation, quantity, price, VAT,
/// stock available, and the totals.
pub(super) fn review_quote(app: &App, args: &mut Args) -> Result<Vec<String>, String> {
    let Args::NewQuote { lines, .. } = args else {
        return Ok(Vec::new());
    };
    let products = app.products().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut amounts = Vec::new();
    for (i, (sku, qty)) in lines.iter_mut().enumerate() {
        let p = resolve(&products, sku).map_err(|e| format!("ligne {} : {e}", i + 1))?;
        *sku = p.sku.clone();
        let amount = p
            .unit_price
            .times_bounded(*qty as i64)
            .ok_or_else(|| format!("ligne {} : montant trop élevé", i + 1))?;
        let short = if p.available() < *qty as i64 {
            format!(" — disponible {} seulement", p.available().max(0))
        } else {
            String::new()
        };
        out.push(format!(
            "  {} {} — {} × {} HT = {} — TVA {}{short}",
            p.sku,
            p.designation,
            qty,
            p.unit_price.fr(),
            amount.fr(),
            p.vat.fr()
        ));
        amounts.push((amount, p.vat));
    }
    let totals = Totals::from_lines(amounts);
    out.push(format!(
        "Total {} HT, {} TTC.",
        totals.excl_vat.fr(),
        totals.incl_vat.fr()
    ));
    Ok(out)
}

/// `y` on a quote: its lines in a form, to change before the original arrives.
pub(super) fn prepare_revise(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = super::steps::order_intro(app, op)?;
    intro.push(
        "Les lignes du devis : changez les quantités, videz une ligne pour la retirer, \
         ajoutez des références du catalogue. Une nouvelle version sera émise ; les lignes \
         déjà au devis gardent leur prix, l'ancienne version est gardée, remplacée."
            .into(),
    );
    let mut fields = Vec::new();
    let rows = v.order.lines.len() + 2;
    for i in 1..=rows {
        let (sku, qty) = v
            .order
            .lines
            .get(i - 1)
            .map(|l| (l.sku.clone(), l.ordered.to_string()))
            .unwrap_or_default();
        fields.push(
            Field::text(
                FieldId::LineSku,
                &format!("Ligne {i} — référence"),
                &sku,
                "",
            )
            .optional(),
        );
        fields.push(
            Field::text(FieldId::LineQty, &format!("Ligne {i} — quantité"), &qty, "").optional(),
        );
    }
    let mut form = Form::new("Modifier le devis", intro, fields);
    form.grow_lines = Some(crate::app::customers::MAX_QUOTE_LINES);
    Ok(Prepared::Form(form, op.clone()))
}

pub(super) fn submit_revise(form: &Form) -> Result<(String, Args), String> {
    let mut lines = Vec::new();
    for (i, (s, q)) in form
        .fields_named(FieldId::LineSku)
        .zip(form.fields_named(FieldId::LineQty))
        .enumerate()
    {
        let (sku, qty) = (s.value.trim(), q.value.trim());
        if sku.is_empty() && qty.is_empty() {
            continue;
        }
        if sku.is_empty() {
            return Err(format!("ligne {} : la référence manque", i + 1));
        }
        let qty = qty
            .parse::<u32>()
            .ok()
            .filter(|q| *q > 0)
            .ok_or_else(|| format!("ligne {} ({sku}) : quantité « {qty} » invalide", i + 1))?;
        lines.push((sku.to_string(), qty));
    }
    if lines.is_empty() {
        return Err("un devis a au moins une ligne (référence et quantité)".into());
    }
    let what: Vec<String> = lines.iter().map(|(s, q)| format!("{s} × {q}")).collect();
    Ok((
        format!(
            "Nouvelle version du devis : {} ; valable un mois.",
            what.join(", ")
        ),
        Args::NewQuote {
            lines,
            address: None,
            contact: None,
        },
    ))
}

pub(super) fn run_revise(app: &App, who: &Actor, target: &Target, args: Args) -> Outcome {
    let (Target::Order(n), Args::NewQuote { lines, .. }) = (target, args) else {
        return super::steps::missing_input();
    };
    match app.revise_quote(who, n, &lines) {
        Ok(o) => (
            Level::Ok,
            format!(
                "Devis {} émis, version {} ({} TTC) : il remplace {n}",
                o.number,
                o.quote.version,
                o.totals().incl_vat.fr()
            ),
            Some(Follow::Order(o.number)),
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cents, VatRate};

    fn product(sku: &str, designation: &str) -> Product {
        Product {
            sku: sku.into(),
            designation: designation.into(),
            unit_price: Cents(1_000),
            vat: VatRate::STANDARD,
            on_hand: 1,
            reserved: 0,
        }
    }

    #[test]
    fn a_reference_typed_in_part_finds_its_product_or_names_the_candidates() {
        let ps = [
            product("ENC-ACT-12", "Enceinte active 12\""),
            product("ENC-ACT-15", "Enceinte active 15\""),
            product("MIC-HF", "Micro sans fil"),
        ];
        assert_eq!(resolve(&ps, "ENC-ACT-12").unwrap().sku, "ENC-ACT-12");
        assert_eq!(resolve(&ps, "mic-hf").unwrap().sku, "MIC-HF");
        assert_eq!(resolve(&ps, "sans fil").unwrap().sku, "MIC-HF");
        let e = resolve(&ps, "enceinte").unwrap_err();
        assert!(e.contains("2 produits : ENC-ACT-12, ENC-ACT-15"), "{e}");
        let e = resolve(&ps, "piano").unwrap_err();
        assert!(e.contains("« piano » n'est pas au catalogue"), "{e}");
    }
}

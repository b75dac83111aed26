//! `comptoir import quote`: a quote as the web shop produces it (JSON, documented in the
//! README), validated field by field before anything is written.

use super::orders::create_customer_in;
use super::{Actor, App, AppError};
use crate::domain::Permission;
use crate::domain::customer::payment_delay_days;
use crate::domain::legal::{self, LegalClass};
use crate::domain::money::{MAX_AMOUNT, Totals, parse_eur};
use crate::domain::pipeline::{self, Ctx, NewQuote, PO_NUMBER_MAX, QuoteLine};
use crate::domain::{
    Action, Address, ChorusRouting, Contact, Customer, CustomerId, CustomerKind, DocKind,
    DocNumber, Eligibility, EligibilityStatus, Event, OrderId, Product, Siret, VatRate,
};
use serde_json::{Map, Value};

/// A validated quote request.
#[derive(Clone, Debug)]
pub struct QuoteRequest {
    pub reference: String,
    pub legal_name: String,
    pub siret: Siret,
    pub categorie: String,
    pub kind: CustomerKind,
    pub header_address: Address,
    pub delivery_addresses: Vec<Address>,
    pub contacts: Vec<Contact>,
    pub chorus: Option<ChorusRouting>,
    pub delivery_index: usize,
    pub contact_index: usize,
    pub lines: Vec<QuoteLine>,
}

/// What an import did.
#[derive(Clone, Debug)]
pub struct ImportOutcome {
    pub number: DocNumber,
    pub customer: CustomerId,
    pub customer_created: bool,
    /// The body needs a manual review before its original can be accepted.
    pub pending_review: bool,
}

fn err(path: &str, msg: impl std::fmt::Display) -> AppError {
    AppError::Invalid(format!("{path} : {msg}"))
}

fn field<'a>(obj: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a Value, AppError> {
    obj.get(name)
        .filter(|v| !v.is_null())
        .ok_or_else(|| err(&join(path, name), "champ obligatoire manquant"))
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn string(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    max: usize,
) -> Result<String, AppError> {
    let p = join(path, name);
    let s = field(obj, path, name)?
        .as_str()
        .ok_or_else(|| err(&p, "doit être une chaîne de caractères"))?;
    if let Some((_, msg)) = crate::domain::customer::text_problem("", s, max, true) {
        return Err(err(&p, msg));
    }
    let s = s.trim();
    Ok(s.to_string())
}

fn opt_string(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    max: usize,
) -> Result<String, AppError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(String::new()),
        Some(_) => string(obj, path, name, max),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, AppError> {
    v.as_object().ok_or_else(|| err(path, "doit être un objet"))
}

/// Numbers as the web shop writes them, read through their text (never as floats).
fn decimal_text(v: &Value, path: &str) -> Result<String, AppError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(err(path, "doit être un nombre")),
    }
}

fn address(v: &Value, path: &str) -> Result<Address, AppError> {
    let o = object(v, path)?;
    let a = Address {
        name: opt_string(o, path, "name", 120)?,
        street: string(o, path, "street", 120)?,
        extra: opt_string(o, path, "extra", 120)?,
        postcode: string(o, path, "postcode", 10)?,
        city: string(o, path, "city", 80)?,
    };
    match a.problem() {
        Some((f, msg)) => Err(err(&join(path, f), msg)),
        None => Ok(a),
    }
}

fn contact(v: &Value, path: &str) -> Result<Contact, AppError> {
    let o = object(v, path)?;
    let k = Contact {
        name: string(o, path, "name", 120)?,
        phone: string(o, path, "phone", 30)?,
        email: string(o, path, "email", 120)?,
    };
    match k.problem() {
        Some((f, msg)) => Err(err(&join(path, f), msg)),
        None => Ok(k),
    }
}

fn index_field(o: &Map<String, Value>, name: &str, len: usize) -> Result<usize, AppError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => match v.as_u64() {
            Some(i) if (i as usize) < len => Ok(i as usize),
            _ => Err(err(
                name,
                format!("doit être un indice entre 0 et {}", len.saturating_sub(1)),
            )),
        },
    }
}

/// Lines a quote may have.
const MAX_LINES: usize = 500;

/// Parses and validates the JSON of a quote; the error names the faulty field.
pub fn parse_quote_request(json: &str) -> Result<QuoteRequest, AppError> {
    let root: Value = serde_json::from_str(json).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "le fichier s'arrête avant la fin (tronqué ?)",
            serde_json::error::Category::Syntax => {
                "syntaxe incorrecte (virgule, guillemet ou accolade manquant ou en trop ?)"
            }
            serde_json::error::Category::Data => "valeur inattendue",
            serde_json::error::Category::Io => "lecture impossible",
        };
        AppError::Invalid(format!(
            "JSON invalide (ligne {}, colonne {}) : {what}",
            e.line(),
            e.column()
        ))
    })?;
    let o = object(&root, "(racine)")?;
    let reference = string(o, "", "reference", 64)?;
    let c = object(field(o, "", "customer")?, "customer")?;
    let legal_name = string(
        c,
        "customer",
        "legal_name",
        crate::app::customers::MAX_BODY_NAME,
    )?;
    let siret =
        Siret::parse(&string(c, "customer", "siret", 20)?).map_err(|e| err("customer.siret", e))?;
    let categorie = string(c, "customer", "categorie_juridique", 10)?;
    legal::validate_categorie(&categorie).map_err(|e| err("customer.categorie_juridique", e))?;
    let kind = match c.get("kind") {
        None | Some(Value::Null) => CustomerKind::from_categorie(&categorie),
        Some(Value::String(s)) => CustomerKind::from_slug(s).ok_or_else(|| {
            err(
                "customer.kind",
                format!(
                    "« {s} » inconnu (valeurs : {})",
                    CustomerKind::ALL
                        .iter()
                        .map(|k| k.slug())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
        Some(_) => return Err(err("customer.kind", "doit être une chaîne de caractères")),
    };
    let header_address = address(
        field(c, "customer", "header_address")?,
        "customer.header_address",
    )?;
    let delivery_addresses = match c.get("delivery_addresses") {
        None | Some(Value::Null) => vec![header_address.clone()],
        Some(Value::Array(a)) if a.is_empty() => vec![header_address.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| address(v, &format!("customer.delivery_addresses[{i}]")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err("customer.delivery_addresses", "doit être une liste")),
    };
    let contacts: Vec<Contact> = match c.get("contacts") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .enumerate()
            .map(|(i, v)| contact(v, &format!("customer.contacts[{i}]")))
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(err(
                "customer.contacts",
                "au moins un contact nommé (nom, téléphone, e-mail) est obligatoire",
            ));
        }
    };
    let chorus = match c.get("chorus") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let ch = object(v, "customer.chorus")?;
            let service_code = opt_string(ch, "customer.chorus", "service_code", 100)?;
            let flag = |name: &str| -> Result<bool, AppError> {
                match ch.get(name) {
                    None | Some(Value::Null) => Ok(false),
                    Some(Value::Bool(b)) => Ok(*b),
                    Some(_) => Err(err(
                        &format!("customer.chorus.{name}"),
                        "doit valoir true ou false",
                    )),
                }
            };
            let market = opt_string(ch, "customer.chorus", "market_reference", PO_NUMBER_MAX)?;
            Some(ChorusRouting {
                service_code: (!service_code.is_empty()).then_some(service_code),
                service_code_required: flag("service_code_required")?,
                engagement_required: flag("engagement_required")?,
                market_reference: (!market.is_empty()).then_some(market),
            })
        }
    };
    let lines = match o.get("lines") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .enumerate()
            .map(|(i, v)| quote_line(v, &format!("lines[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::Array(_)) => return Err(err("lines", "le devis n'a aucune ligne")),
        _ => {
            return Err(err(
                "lines",
                "champ obligatoire manquant (liste des lignes)",
            ));
        }
    };
    if lines.len() > MAX_LINES {
        return Err(err(
            "lines",
            format!("{} lignes : {MAX_LINES} au plus par devis", lines.len()),
        ));
    }
    let totals = Totals::from_lines(
        lines
            .iter()
            .map(|l| (l.unit_price * l.quantity as i64, l.vat)),
    );
    if totals.incl_vat > MAX_AMOUNT {
        return Err(err(
            "lines",
            format!(
                "total du devis {} TTC : un document ne dépasse pas {}",
                totals.incl_vat.fr(),
                MAX_AMOUNT.fr()
            ),
        ));
    }
    Ok(QuoteRequest {
        reference,
        legal_name,
        siret,
        categorie,
        kind,
        delivery_index: index_field(o, "delivery_address", delivery_addresses.len())?,
        contact_index: index_field(o, "contact", contacts.len())?,
        header_address,
        delivery_addresses,
        contacts,
        chorus,
        lines,
    })
}

fn quote_line(v: &Value, path: &str) -> Result<QuoteLine, AppError> {
    let o = object(v, path)?;
    let sku = string(o, path, "sku", 40)?;
    let designation = string(o, path, "designation", 300)?;
    let qp = join(path, "quantity");
    let quantity = match field(o, path, "quantity")? {
        Value::Number(n) => match n.as_i64() {
            Some(q) if q > 0 && q <= 100_000 => q as u32,
            Some(q) => {
                return Err(err(
                    &qp,
                    format!("la quantité doit être un entier positif (reçu {q})"),
                ));
            }
            None => {
                return Err(err(
                    &qp,
                    format!("la quantité doit être un entier positif (reçu {n})"),
                ));
            }
        },
        _ => return Err(err(&qp, "doit être un nombre entier")),
    };
    let pp = join(path, "unit_price");
    let price_text = decimal_text(field(o, path, "unit_price")?, &pp)?;
    let unit_price = parse_eur(&price_text).ok_or_else(|| {
        err(
            &pp,
            format!("prix invalide « {price_text} » (euros, 2 décimales au plus)"),
        )
    })?;
    if unit_price.0 < 0 {
        return Err(err(&pp, "le prix ne peut pas être négatif"));
    }
    if unit_price.times_bounded(quantity as i64).is_none() {
        return Err(err(
            &pp,
            format!(
                "{} × {quantity} : une ligne ne dépasse pas {}",
                unit_price.fr(),
                MAX_AMOUNT.fr()
            ),
        ));
    }
    let vp = join(path, "vat_rate");
    let vat_text = decimal_text(field(o, path, "vat_rate")?, &vp)?;
    let vat = VatRate::parse_percent(&vat_text).ok_or_else(|| {
        err(
            &vp,
            format!("taux de TVA inconnu « {vat_text} » (20, 10, 5.5, 2.1 ou 0)"),
        )
    })?;
    let exemption = opt_string(o, path, "vat_exemption", 200)?;
    if vat.is_zero() && exemption.is_empty() {
        return Err(err(
            &join(path, "vat_exemption"),
            "une ligne à 0 % de TVA doit donner son motif d'exonération \
             (ex. « Exonération de TVA, article 262 ter I du CGI »)",
        ));
    }
    Ok(QuoteLine {
        sku,
        designation,
        unit_price,
        vat,
        quantity,
        exemption: (!exemption.is_empty()).then_some(exemption),
    })
}

impl App {
    /// Imports a quote: upserts the customer by SIRET, creates the order and issues the
    /// quote document with its PDF. Refused — writing nothing — for a private entity, a
    /// refused body, or a reference already imported.
    pub fn import_quote(
        &self,
        actor: &Actor,
        req: &QuoteRequest,
    ) -> Result<ImportOutcome, AppError> {
        actor.require(Permission::Quote)?;
        let outcome = self.write_as(actor, Permission::Quote, |tx| {
            // Read under the write lock: quotes are stamped in the order of their numbers.
            let now = self.now();
            let ctx = Ctx {
                now,
                actor: &actor.name,
            };
            if let Some(id) = tx.order_by_external_ref(&req.reference)? {
                let existing = tx.order(id)?.map(|o| o.number.to_string()).unwrap_or_default();
                return Err(AppError::invalid(format!(
                    "reference : le devis « {} » a déjà été importé ({existing}) ; rien n'a été modifié",
                    req.reference
                )));
            }
            let existing = tx.customer_by_siret(req.siret.as_str())?;
            let created = existing.is_none();
            let customer = match existing {
                Some(old) => self.update_customer_from(tx, actor, old, req, now)?,
                None => {
                    if legal::classify(&req.categorie) == LegalClass::Private {
                        return Err(AppError::invalid(format!(
                            "customer.categorie_juridique : {} ({}) est un organisme privé ; le paiement par mandat administratif est réservé aux organismes publics",
                            req.categorie,
                            legal::categorie_label(&req.categorie).unwrap_or("catégorie privée")
                        )));
                    }
                    let c = Customer {
                        id: CustomerId(tx.next_id("customer")?),
                        legal_name: req.legal_name.clone(),
                        siret: req.siret.clone(),
                        categorie: req.categorie.clone(),
                        kind: req.kind,
                        eligibility: Eligibility::automatic(&req.categorie, now),
                        header_address: req.header_address.clone(),
                        delivery_addresses: req.delivery_addresses.clone(),
                        contacts: req.contacts.clone(),
                        chorus: req.chorus.clone().unwrap_or_default(),
                        created_at: now,
                    };
                    create_customer_in(tx, self, actor, &c)?;
                    c
                }
            };
            if customer.eligibility.status == EligibilityStatus::Refused {
                return Err(AppError::invalid(format!(
                    "customer.siret : {} est refusé pour le paiement par mandat administratif ({})",
                    customer.legal_name, customer.eligibility.reason
                )));
            }
            for l in &req.lines {
                if tx.product(&l.sku)?.is_none() {
                    let p = Product {
                        sku: l.sku.clone(),
                        designation: l.designation.clone(),
                        unit_price: l.unit_price,
                        vat: l.vat,
                        on_hand: 0,
                        reserved: 0,
                    };
                    tx.put_product(&p)?;
                    let ev = Event::new(Action::ProductUpserted, "", p.sku.clone())
                        .detail(format!("créé à l'import du devis {} (stock 0)", req.reference));
                    self.write_audit(tx, actor, now, None, None, vec![ev])?;
                }
            }
            let id = OrderId(tx.next_id("order")?);
            let number = super::draw_number(tx, DocKind::Quote, ctx.now)?;
            let delivery = customer
                .delivery_addresses
                .iter()
                .find(|a| **a == req.delivery_addresses[req.delivery_index])
                .cloned()
                .unwrap_or_else(|| req.delivery_addresses[req.delivery_index].clone());
            let issued = pipeline::create_quote(
                &customer,
                NewQuote {
                    id,
                    number,
                    version: 1,
                    renews: None,
                    external_ref: Some(req.reference.clone()),
                    lines: req.lines.clone(),
                    delivery_address: delivery,
                    contact: req.contacts[req.contact_index].clone(),
                },
                &ctx,
            )?;
            self.store_document(tx, issued.document)?;
            tx.put_order(&issued.order)?;
            self.write_audit(tx, actor, now, Some(&issued.order), None, issued.events)?;
            Ok::<_, AppError>(ImportOutcome {
                number,
                customer: customer.id,
                customer_created: created,
                pending_review: customer.eligibility.status == EligibilityStatus::PendingReview,
            })
        })?;
        self.metrics.document(DocKind::Quote);
        let order_id = self
            .store
            .read(|rx| rx.order_id_by_number(&outcome.number))?;
        self.publish_issued(order_id.into_iter().collect(), vec![outcome.customer]);
        Ok(outcome)
    }

    /// Merges what the web shop knows into an existing account: name, header address,
    /// new delivery addresses and contacts, Chorus routing when given.
    fn update_customer_from(
        &self,
        tx: &mut crate::store::Tx<'_>,
        actor: &Actor,
        old: Customer,
        req: &QuoteRequest,
        now: crate::domain::Timestamp,
    ) -> Result<Customer, AppError> {
        let mut c = old.clone();
        c.legal_name = req.legal_name.clone();
        c.header_address = req.header_address.clone();
        for a in &req.delivery_addresses {
            if !c.delivery_addresses.contains(a) {
                c.delivery_addresses.push(a.clone());
            }
        }
        for k in &req.contacts {
            match c
                .contacts
                .iter_mut()
                .find(|x| x.email.eq_ignore_ascii_case(&k.email))
            {
                Some(x) => *x = k.clone(),
                None => c.contacts.push(k.clone()),
            }
        }
        if let Some(ch) = &req.chorus {
            // A market reference staff entered stays unless the web shop sends another.
            let market = ch
                .market_reference
                .clone()
                .or(c.chorus.market_reference.take());
            c.chorus = ChorusRouting {
                market_reference: market,
                ..ch.clone()
            };
        }
        if c.categorie != req.categorie {
            c.categorie = req.categorie.clone();
            c.kind = req.kind;
            if c.eligibility.decided_by == "auto" {
                c.eligibility = Eligibility::automatic(&req.categorie, now);
            }
        }
        if c != old {
            tx.put_customer(&c)?;
            let mut changed = Vec::new();
            if c.legal_name != old.legal_name {
                changed.push(format!("nom « {} » → « {} »", old.legal_name, c.legal_name));
            }
            if c.header_address != old.header_address {
                changed.push("adresse d'en-tête".to_string());
            }
            if c.delivery_addresses.len() != old.delivery_addresses.len() {
                changed.push("adresse de livraison ajoutée".to_string());
            }
            if c.contacts != old.contacts {
                changed.push("contacts".to_string());
            }
            if c.chorus != old.chorus {
                changed.push("routage Chorus".to_string());
            }
            if c.categorie != old.categorie {
                changed.push(format!(
                    "catégorie {} → {} (délai {} j)",
                    old.categorie,
                    c.categorie,
                    payment_delay_days(c.kind, &c.categorie)
                ));
            }
            let ev = Event::new(
                Action::CustomerUpdated,
                old.eligibility.status.label(),
                c.eligibility.status.label(),
            )
            .detail(format!("import {} : {}", req.reference, changed.join(", ")));
            self.write_audit(tx, actor, now, None, Some(c.id), vec![ev])?;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/quote.json")).unwrap()
    }

    fn parse(v: &Value) -> Result<QuoteRequest, AppError> {
        parse_quote_request(&v.to_string())
    }

    fn error_of(v: &Value) -> String {
        parse(v).unwrap_err().to_string()
    }

    #[test]
    fn the_documented_example_parses() {
        let q = parse(&sample()).unwrap();
        assert_eq!(q.siret.siren(), q.siret.as_str()[..9].to_string());
        assert_eq!(q.kind, CustomerKind::LyceeCollege);
        assert!(q.lines.len() >= 2);
        assert!(q.lines.iter().all(|l| l.quantity > 0));
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = sample();
        v["customer"]["siret"] = "21750001600018".into();
        assert!(
            error_of(&v).starts_with("customer.siret : le SIRET 21750001600018 est invalide"),
            "{}",
            error_of(&v)
        );

        let mut v = sample();
        v["customer"]["categorie_juridique"] = "7999".into();
        assert!(
            error_of(&v)
                .starts_with("customer.categorie_juridique : catégorie juridique 7999 inconnue")
        );

        let mut v = sample();
        v["lines"][1]["quantity"] = (-2).into();
        assert_eq!(
            error_of(&v),
            "lines[1].quantity : la quantité doit être un entier positif (reçu -2)"
        );

        let mut v = sample();
        v["lines"][0]["quantity"] = 1.5.into();
        assert!(error_of(&v).starts_with("lines[0].quantity"));

        let mut v = sample();
        v["customer"]["contacts"] = Value::Array(vec![]);
        assert!(error_of(&v).starts_with("customer.contacts : au moins un contact"));

        let mut v = sample();
        v["customer"].as_object_mut().unwrap().remove("contacts");
        assert!(error_of(&v).starts_with("customer.contacts"));

        let mut v = sample();
        v["lines"][0]["unit_price"] = "12.345".into();
        assert!(error_of(&v).starts_with("lines[0].unit_price : prix invalide"));

        let mut v = sample();
        v["lines"][0]["vat_rate"] = 19.6.into();
        assert!(error_of(&v).starts_with("lines[0].vat_rate : taux de TVA inconnu"));

        let mut v = sample();
        v["customer"]["contacts"][0]["email"] = "pas-une-adresse".into();
        assert!(error_of(&v).starts_with("customer.contacts[0].email"));

        let mut v = sample();
        v.as_object_mut().unwrap().remove("reference");
        assert_eq!(error_of(&v), "reference : champ obligatoire manquant");

        let e = parse_quote_request("{\"reference\": \"x\",")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("JSON invalide (ligne 1"), "{e}");
    }

    #[test]
    fn prices_are_read_as_text_never_as_floats() {
        let mut v = sample();
        v["lines"][0]["unit_price"] = serde_json::from_str("249.9").unwrap();
        assert_eq!(parse(&v).unwrap().lines[0].unit_price.0, 24990);
        v["lines"][0]["unit_price"] = "1 249,90".into();
        assert_eq!(parse(&v).unwrap().lines[0].unit_price.0, 124990);
        v["lines"][0]["unit_price"] = serde_json::from_str("0.30000000000000004").unwrap();
        assert!(parse(&v).is_err());
    }

    proptest::proptest! {
        /// Mutated quotes are refused with a message or accepted: never a panic.
        #[test]
        fn mutated_quotes_never_panic(
            cuts in proptest::collection::vec((0usize..2000, 0usize..40, "[ -~\u{fffe}]{0,8}"), 0..6),
        ) {
            let mut text = include_str!("../../tests/fixtures/quote.json").to_string();
            for (at, len, insert) in cuts {
                let at = text.char_indices().map(|(i, _)| i).nth(at % text.chars().count().max(1)).unwrap_or(0);
                let end = text[at..].char_indices().map(|(i, _)| at + i).nth(len).unwrap_or(text.len());
                text.replace_range(at..end, &insert);
            }
            let _ = parse_quote_request(&text);
        }
    }
}

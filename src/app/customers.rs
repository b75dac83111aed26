//! Customer use cases besides import: accounts and quotes made by hand, corrections.

use super::orders::create_customer_in;
use super::{Actor, App, AppError};
use crate::domain::Permission;
use crate::domain::correction::{self, Coordinates};
use crate::domain::customer::{field_label, text_problem};
use crate::domain::legal::{self, LegalClass};
use crate::domain::money::{MAX_AMOUNT, Totals};
use crate::domain::pipeline::{self, Ctx, NewQuote, PO_NUMBER_MAX, QuoteLine};
use crate::domain::{
    Address, ChorusRouting, Contact, Customer, CustomerId, CustomerKind, DocKind, Eligibility,
    Order, OrderId, Siret,
};

/// A customer typed by staff (console form or `customer create`).
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    pub siret: String,
    pub legal_name: String,
    pub categorie: String,
    pub header_address: Address,
    pub contact: Contact,
    pub chorus: ChorusRouting,
}

/// Lines a quote made by hand may have (as an imported one).
pub const MAX_QUOTE_LINES: usize = 500;
const MAX_LINES: usize = MAX_QUOTE_LINES;
const MAX_QUANTITY: u32 = 100_000;

fn field_error(what: &str, problem: Option<(&'static str, String)>) -> Result<(), AppError> {
    match problem {
        None => Ok(()),
        Some((f, msg)) => Err(AppError::invalid(format!(
            "{what}, {} : {msg}",
            field_label(f)
        ))),
    }
}

/// The longest name a public body may have here: what Chorus Pro accepts for the buyer
/// (BR-FR-CPRO-44), so that no invoice is refused for it.
pub const MAX_BODY_NAME: usize = 99;

impl App {
    /// Creates a customer typed by staff: the SIRET is checked, the catégorie juridique
    /// sets its kind and eligibility exactly as at import (private bodies refused, 41xx to
    /// review), one SIRET is one account.
    pub fn create_customer(&self, actor: &Actor, new: &NewCustomer) -> Result<Customer, AppError> {
        actor.require(Permission::Customer)?;
        let siret =
            Siret::parse(&new.siret).map_err(|e| AppError::invalid(format!("SIRET : {e}")))?;
        let legal_name = new.legal_name.trim().to_string();
        field_error(
            "client",
            text_problem("name", &legal_name, MAX_BODY_NAME, true),
        )?;
        let categorie = new.categorie.trim().to_string();
        legal::validate_categorie(&categorie)
            .map_err(|e| AppError::invalid(format!("catégorie juridique : {e}")))?;
        // What Chorus Pro requires of this body, when it can say.
        let mut chorus = new.chorus.clone();
        if let Some(st) = self.chorus_structure_cached(siret.as_str()) {
            chorus.service_code_required |= st.service_required;
            chorus.engagement_required |= st.engagement_required;
        }
        if let Some(problem) = self.chorus_routing_problem(siret.as_str(), &chorus) {
            return Err(AppError::invalid(problem));
        }
        if legal::classify(&categorie) == LegalClass::Private {
            return Err(AppError::invalid(format!(
                "catégorie juridique : {categorie} ({}) est un organisme privé ; le paiement par \
                 mandat administratif est réservé aux organismes publics",
                legal::categorie_label(&categorie).unwrap_or("catégorie privée")
            )));
        }
        let header = new.header_address.trimmed();
        field_error("adresse", header.problem())?;
        let contact = new.contact.trimmed();
        field_error("contact", contact.problem())?;
        let text = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let chorus = ChorusRouting {
            service_code: text(&new.chorus.service_code),
            market_reference: text(&new.chorus.market_reference),
            // The requirements as Chorus Pro states them, when it could say.
            ..chorus
        };
        if let Some(code) = &chorus.service_code {
            field_error("Chorus Pro", text_problem("code service", code, 100, true))?;
        }
        if let Some(m) = &chorus.market_reference {
            field_error("marché", text_problem("référence", m, PO_NUMBER_MAX, true))?;
        }
        if chorus.service_code_required && chorus.service_code.is_none() {
            return Err(AppError::invalid(
                "Chorus Pro : le code service est déclaré obligatoire mais n'est pas donné",
            ));
        }
        let customer = self.write_as(actor, Permission::Customer, |tx| {
            if let Some(old) = tx.customer_by_siret(siret.as_str())? {
                return Err(AppError::invalid(format!(
                    "SIRET {} : déjà client — {} (client n° {}) ; rien n'a été créé",
                    siret.spaced(),
                    old.legal_name,
                    old.id.0
                )));
            }
            let now = self.now();
            let c = Customer {
                id: CustomerId(tx.next_id("customer")?),
                legal_name,
                kind: CustomerKind::from_categorie(&categorie),
                eligibility: Eligibility::automatic(&categorie, now),
                siret,
                categorie,
                delivery_addresses: vec![header.clone()],
                header_address: header,
                contacts: vec![contact],
                chorus,
                created_at: now,
            };
            create_customer_in(tx, self, actor, &c)?;
            Ok::<_, AppError>(c)
        })?;
        self.publish(vec![], vec![customer.id]);
        Ok(customer)
    }

    /// Issues a quote made by hand from the catalogue: each line is a product reference and
    /// a quantity; designation, unit price and VAT rate are the catalogue's. The delivery
    /// address and contact are the customer's (numbered from 1; the first by default).
    pub fn create_quote(
        &self,
        actor: &Actor,
        customer: CustomerId,
        lines: &[(String, u32)],
        address: Option<usize>,
        contact: Option<usize>,
    ) -> Result<Order, AppError> {
        actor.require(Permission::Quote)?;
        if lines.is_empty() {
            return Err(AppError::invalid(
                "un devis a au moins une ligne (référence et quantité)",
            ));
        }
        if lines.len() > MAX_LINES {
            return Err(AppError::invalid(format!(
                "{} lignes : {MAX_LINES} au plus par devis",
                lines.len()
            )));
        }
        let order = self.write_as(actor, Permission::Quote, |tx| {
            let now = self.now();
            let ctx = Ctx {
                now,
                actor: &actor.name,
            };
            let c = tx
                .customer(customer)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))?;
            let quote_lines = quote_lines(tx, lines, &[])?;
            let addresses = c.delivery_choices();
            let pick = |what: &str, i: Option<usize>, count: usize| match i.unwrap_or(1) {
                i if i >= 1 && i <= count => Ok(i - 1),
                i => Err(AppError::invalid(format!(
                    "le client n'a pas {what} n° {i} (il en a {count})"
                ))),
            };
            let a = pick("d'adresse de livraison", address, addresses.len())?;
            let k = pick("de contact", contact, c.contacts.len())?;
            let id = OrderId(tx.next_id("order")?);
            let number = super::draw_number(tx, DocKind::Quote, ctx.now)?;
            let issued = pipeline::create_quote(
                &c,
                NewQuote {
                    id,
                    number,
                    version: 1,
                    renews: None,
                    external_ref: None,
                    lines: quote_lines,
                    delivery_address: addresses[a].clone(),
                    contact: c.contacts[k].clone(),
                },
                &ctx,
            )?;
            self.store_document(tx, issued.document)?;
            tx.put_order(&issued.order)?;
            self.write_audit(tx, actor, now, Some(&issued.order), None, issued.events)?;
            Ok::<_, AppError>(issued.order)
        })?;
        self.metrics.document(DocKind::Quote);
        self.publish_issued(vec![order.id], vec![customer]);
        Ok(order)
    }

    /// Corrects a customer's contacts, addresses, Chorus routing or market reference.
    /// `edit` gets the account as stored under the write lock and returns its new
    /// coordinates: two colleagues correcting the same account never lose each other's
    /// change. Open orders that used a corrected contact or address follow it; issued
    /// documents never change.
    pub fn correct_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
        edit: impl FnOnce(&Customer) -> Result<Coordinates, AppError>,
    ) -> Result<Customer, AppError> {
        actor.require(Permission::Customer)?;
        let now = self.now();
        // What Chorus Pro requires of the body, read before the write (never the network
        // under the write lock); a changed routing is checked against it below.
        let siret = self.store.read(|rx| rx.customer(id))?.map(|c| c.siret);
        if let Some(siret) = &siret {
            self.chorus_structure_cached(siret.as_str());
        }
        let (customer, touched) = self.write_as(actor, Permission::Customer, |tx| {
            let old = tx
                .customer(id)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))?;
            let mut new = edit(&old)?;
            if new.chorus != old.chorus
                && let Some(st) = self.chorus_structure_known(old.siret.as_str())
            {
                new.chorus.service_code_required |= st.service_required;
                new.chorus.engagement_required |= st.engagement_required;
                if let Some(problem) = Self::routing_problem(&st, old.siret.as_str(), &new.chorus) {
                    return Err(AppError::invalid(problem));
                }
            }
            let c = correction::correct_customer(&old, &new)?;
            tx.put_customer(&c.customer)?;
            self.write_audit(tx, actor, now, None, Some(id), c.events.clone())?;
            let mut touched = Vec::new();
            if !c.contacts.is_empty() || !c.addresses.is_empty() {
                for oid in tx.orders_of_customer(id)? {
                    let Some(order) = tx.order(oid)? else {
                        continue;
                    };
                    if let Some(step) = correction::follow(&order, &c) {
                        tx.put_order(&step.order)?;
                        self.write_audit(tx, actor, now, Some(&step.order), None, step.events)?;
                        touched.push(oid);
                    }
                }
            }
            Ok::<_, AppError>((c.customer, touched))
        })?;
        self.publish(touched, vec![id]);
        Ok(customer)
    }

    /// A customer by its id or SIRET, as staff type it.
    pub fn find_customer(&self, key: &str) -> Result<Customer, AppError> {
        let key = key.trim();
        let digits: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return self.customer_by_siret(&digits);
        }
        match key.parse::<u64>() {
            Ok(n) => self.customer(CustomerId(n)),
            Err(_) => Err(AppError::invalid(format!(
                "« {key} » : donnez le SIRET (14 chiffres) ou le numéro du client"
            ))),
        }
    }
}

/// The lines of a quote made by hand: each a product reference and a quantity, priced
/// from `kept` when the reference is one of them (a revised quote keeps the terms its
/// lines had), else from the catalogue; every quantity and amount checked.
pub(super) fn quote_lines(
    tx: &crate::store::Tx<'_>,
    lines: &[(String, u32)],
    kept: &[crate::domain::OrderLine],
) -> Result<Vec<QuoteLine>, AppError> {
    if lines.is_empty() {
        return Err(AppError::invalid(
            "un devis a au moins une ligne (référence et quantité)",
        ));
    }
    if lines.len() > MAX_LINES {
        return Err(AppError::invalid(format!(
            "{} lignes : {MAX_LINES} au plus par devis",
            lines.len()
        )));
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, (sku, qty)) in lines.iter().enumerate() {
        let n = i + 1;
        let sku = sku.trim();
        if *qty == 0 || *qty > MAX_QUANTITY {
            return Err(AppError::invalid(format!(
                "ligne {n} ({sku}) : quantité {qty} — un entier de 1 à {MAX_QUANTITY}"
            )));
        }
        let line = match kept.iter().find(|l| l.sku == sku) {
            Some(l) => QuoteLine {
                sku: l.sku.clone(),
                designation: l.designation.clone(),
                unit_price: l.unit_price,
                vat: l.vat,
                quantity: *qty,
                exemption: l.exemption.clone(),
            },
            None => {
                let p = tx.product(sku)?.ok_or_else(|| {
                    AppError::invalid(format!(
                        "ligne {n} : la référence « {sku} » n'est pas au catalogue (catalogue list)"
                    ))
                })?;
                QuoteLine {
                    sku: p.sku,
                    designation: p.designation,
                    unit_price: p.unit_price,
                    vat: p.vat,
                    quantity: *qty,
                    exemption: None,
                }
            }
        };
        if line.unit_price.times_bounded(*qty as i64).is_none() {
            return Err(AppError::invalid(format!(
                "ligne {n} ({sku}) : {} × {qty} dépasse {}",
                line.unit_price.fr(),
                MAX_AMOUNT.fr()
            )));
        }
        out.push(line);
    }
    let totals = Totals::from_lines(
        out.iter()
            .map(|l| (l.unit_price * l.quantity as i64, l.vat)),
    );
    if totals.incl_vat > MAX_AMOUNT {
        return Err(AppError::invalid(format!(
            "total du devis {} TTC : un document ne dépasse pas {}",
            totals.incl_vat.fr(),
            MAX_AMOUNT.fr()
        )));
    }
    Ok(out)
}

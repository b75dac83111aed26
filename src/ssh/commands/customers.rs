//! `customers search`, `customer …` and `stock …`: the bodies and the catalogue.

use super::grammar::{
    AddressArgs, AddressCmd, CatalogueCmd, ContactCmd, CustomerCmd, CustomersCmd, StockCmd,
};
use super::{Output, Render, Shared};
use crate::app::customers::NewCustomer;
use crate::app::queries::{CustomerHit, CustomerView};
use crate::app::{Actor, AppError};
use crate::domain::correction::Coordinates;
use crate::domain::{Address, ChorusRouting, Contact, Customer};
use crate::domain::{EligibilityStatus, Product};
use serde::Serialize;

/// One search result.
#[derive(Serialize)]
struct HitRow {
    id: u64,
    name: String,
    city: String,
    siret: String,
    eligibility: Option<&'static str>,
    matched_number: Option<String>,
}

impl HitRow {
    fn of(h: &CustomerHit) -> HitRow {
        HitRow {
            id: h.id.0,
            name: h.name.clone(),
            city: h.city.clone(),
            siret: h.siret.clone(),
            eligibility: h.status.map(|s| s.label()),
            matched_number: h.via_number.clone(),
        }
    }
}

impl Render for HitRow {
    fn text(&self) -> String {
        let via = self
            .matched_number
            .as_ref()
            .map(|n| format!("\t{n}"))
            .unwrap_or_default();
        format!(
            "{}\t{}\t{}\t{}{via}",
            self.siret,
            self.name,
            self.city,
            self.eligibility.unwrap_or("")
        )
    }
}

pub(super) fn search(shared: &Shared, what: CustomersCmd) -> Output {
    match what {
        CustomersCmd::Search { query, limit, json } => {
            let r = shared
                .app
                .search_customers(&query.join(" "), None, limit.min(500));
            let rows: Vec<HitRow> = r.hits.iter().map(HitRow::of).collect();
            Output::render(&rows, json)
        }
    }
}

#[derive(Serialize)]
struct EligibilityRow {
    status: &'static str,
    by: String,
    at: String,
    reason: String,
    #[serde(skip)]
    at_fr: String,
}

#[derive(Serialize)]
struct ContactRow {
    name: String,
    phone: String,
    email: String,
}

#[derive(Serialize)]
struct CustomerOrderRow {
    number: String,
    stage: &'static str,
    total_incl_vat_cents: i64,
    #[serde(skip)]
    total: String,
}

/// `customer show`: the body, its eligibility, its contacts and its orders.
#[derive(Serialize)]
struct CustomerReport {
    legal_name: String,
    siret: String,
    siren: String,
    categorie_juridique: String,
    kind: &'static str,
    eligibility: EligibilityRow,
    payment_delay_days: u32,
    service_code: Option<String>,
    service_code_required: bool,
    engagement_required: bool,
    market_reference: Option<String>,
    header_address: Vec<String>,
    delivery_addresses: Vec<Vec<String>>,
    contacts: Vec<ContactRow>,
    outstanding_cents: i64,
    overdue_cents: i64,
    orders: Vec<CustomerOrderRow>,
    #[serde(skip)]
    heading: String,
    #[serde(skip)]
    address: String,
    #[serde(skip)]
    balance: String,
    #[serde(skip)]
    routing: String,
}

impl CustomerReport {
    fn of(view: &CustomerView) -> CustomerReport {
        let c = &view.customer;
        CustomerReport {
            legal_name: c.legal_name.clone(),
            siret: c.siret.as_str().to_string(),
            siren: c.siren().to_string(),
            categorie_juridique: c.categorie.to_string(),
            kind: c.kind.slug(),
            eligibility: EligibilityRow {
                status: c.eligibility.status.label(),
                by: c.eligibility.decided_by.clone(),
                at: c.eligibility.decided_at.iso_utc(),
                reason: c.eligibility.reason.clone(),
                at_fr: c.eligibility.decided_at.fr(),
            },
            payment_delay_days: c.payment_delay_days(),
            service_code: c.chorus.service_code.clone(),
            service_code_required: c.chorus.service_code_required,
            engagement_required: c.chorus.engagement_required,
            market_reference: c.chorus.market_reference.clone(),
            routing: {
                let yes = |b: bool| if b { "oui" } else { "non" };
                format!(
                    "Chorus Pro : code service obligatoire {} · n° d'engagement obligatoire {} · marché : {}",
                    yes(c.chorus.service_code_required),
                    yes(c.chorus.engagement_required),
                    c.chorus.market_reference.as_deref().unwrap_or("aucun")
                )
            },
            header_address: c.header_address.lines(),
            delivery_addresses: c.delivery_addresses.iter().map(|a| a.lines()).collect(),
            contacts: c
                .contacts
                .iter()
                .map(|k| ContactRow {
                    name: k.name.clone(),
                    phone: k.phone.clone(),
                    email: k.email.clone(),
                })
                .collect(),
            outstanding_cents: view.outstanding.0,
            overdue_cents: view.overdue.0,
            orders: view
                .orders
                .iter()
                .map(|o| CustomerOrderRow {
                    number: o.number.to_string(),
                    stage: o.stage.slug(),
                    total_incl_vat_cents: o.total_incl_vat.0,
                    total: o.total_incl_vat.fr(),
                })
                .collect(),
            heading: format!(
                "{}\nSIRET {} (SIREN {}) · catégorie {} · {}",
                c.legal_name,
                c.siret.spaced(),
                c.siren(),
                c.categorie,
                c.kind.label()
            ),
            address: c.header_address.one_line(),
            balance: format!(
                "Encours : {} · en retard : {}",
                view.outstanding.fr(),
                view.overdue.fr()
            ),
        }
    }
}

impl Render for CustomerReport {
    fn text(&self) -> String {
        let e = &self.eligibility;
        let mut s = format!(
            "{}\nMandat administratif : {} — {} ({}, {})\nPaiement à {} jours · code service : {}\n",
            self.heading,
            e.status,
            e.reason,
            e.by,
            e.at_fr,
            self.payment_delay_days,
            self.service_code.as_deref().unwrap_or("aucun")
        );
        s.push_str(&format!("{}\n", self.routing));
        s.push_str(&format!("Adresse : {}\n", self.address));
        for (i, a) in self.delivery_addresses.iter().enumerate() {
            s.push_str(&format!("Livraison {} : {}\n", i + 1, a.join(", ")));
        }
        for (i, k) in self.contacts.iter().enumerate() {
            s.push_str(&format!(
                "Contact {} : {} · {} · {}\n",
                i + 1,
                k.name,
                k.phone,
                k.email
            ));
        }
        s.push_str(&self.balance);
        s.push('\n');
        for o in &self.orders {
            s.push_str(&format!("{}\t{}\t{}\n", o.number, o.stage, o.total));
        }
        s
    }
}

pub(super) fn customer(shared: &Shared, actor: &Actor, what: CustomerCmd) -> Output {
    let app = &shared.app;
    let (siret, status, reason) = match what {
        CustomerCmd::Show { siret, json } => {
            let view = app
                .customer_by_siret(&siret)
                .and_then(|c| app.customer_view(c.id));
            return match view {
                Ok(v) => Output::render(&CustomerReport::of(&v), json),
                Err(e) => e.into(),
            };
        }
        CustomerCmd::Statement {
            siret,
            from,
            to,
            json,
        } => {
            let st = match app
                .find_customer(&siret)
                .and_then(|c| app.statement(c.id, from, to))
            {
                Ok(st) => st,
                Err(e) => return e.into(),
            };
            if json {
                return Output::render(&StatementReport::of(&st), true);
            }
            return match app.statement_pdf(&st) {
                Ok(pdf) => Output::bytes(pdf),
                Err(e) => e.into(),
            };
        }
        CustomerCmd::Approve { siret, reason } => (siret, EligibilityStatus::Approved, reason),
        CustomerCmd::Refuse { siret, reason } => (siret, EligibilityStatus::Refused, reason),
        CustomerCmd::Create {
            siret,
            legal_name,
            categorie,
            address,
            contact_name,
            phone,
            email,
            service_code,
            service_code_required,
            engagement_required,
            market_ref,
        } => {
            let mut header = Address::default();
            apply_address(&mut header, address);
            let new = NewCustomer {
                siret,
                legal_name,
                categorie,
                header_address: header,
                contact: Contact {
                    name: contact_name,
                    phone,
                    email,
                },
                chorus: ChorusRouting {
                    service_code,
                    service_code_required,
                    engagement_required,
                    market_reference: market_ref,
                },
            };
            let created = app
                .create_customer(actor, &new)
                .and_then(|c| app.customer_view(c.id));
            return match created {
                Ok(v) => Output::render(&CustomerReport::of(&v), false),
                Err(e) => e.into(),
            };
        }
        CustomerCmd::Contact { what } => {
            let key = what.siret().to_string();
            return correct(shared, actor, &key, |c| contact_edit(c, what));
        }
        CustomerCmd::Address { what } => {
            let key = what.siret().to_string();
            return correct(shared, actor, &key, |c| address_edit(c, what));
        }
        CustomerCmd::Chorus {
            siret,
            service_code,
            service_code_required,
            engagement_required,
            market_ref,
        } => {
            return correct(shared, actor, &siret, |c| {
                let mut k = c.coordinates();
                let set = |v: Option<String>, old: &mut Option<String>| {
                    if let Some(v) = v {
                        *old = Some(v).filter(|v| !v.trim().is_empty());
                    }
                };
                set(service_code, &mut k.chorus.service_code);
                set(market_ref, &mut k.chorus.market_reference);
                if let Some(b) = service_code_required {
                    k.chorus.service_code_required = b;
                }
                if let Some(b) = engagement_required {
                    k.chorus.engagement_required = b;
                }
                Ok(k)
            });
        }
    };
    let decided = app
        .customer_by_siret(&siret)
        .and_then(|c| app.decide_eligibility(actor, c.id, status, &reason));
    Output::from_result(decided, |c| {
        format!("{}\t{}", c.siret, c.eligibility.status.label())
    })
}

/// Runs a correction of the account `key` (SIRET or number) and prints what it became.
fn correct(
    shared: &Shared,
    actor: &Actor,
    key: &str,
    edit: impl FnOnce(&Customer) -> Result<Coordinates, AppError>,
) -> Output {
    let app = &shared.app;
    let done = app
        .find_customer(key)
        .and_then(|c| app.correct_customer(actor, c.id, edit));
    match done.and_then(|c| app.customer_view(c.id)) {
        Ok(v) => Output::render(&CustomerReport::of(&v), false),
        Err(e) => e.into(),
    }
}

/// The item `index` (from 1) of a list, or a message that says how many there are.
fn nth(what: &str, index: usize, count: usize) -> Result<usize, AppError> {
    if index == 0 || index > count {
        Err(AppError::invalid(format!(
            "le client n'a pas {what} n° {index} (il en a {count}) ; voir « customer show »"
        )))
    } else {
        Ok(index - 1)
    }
}

impl ContactCmd {
    fn siret(&self) -> &str {
        match self {
            ContactCmd::Add { siret, .. }
            | ContactCmd::Set { siret, .. }
            | ContactCmd::Remove { siret, .. } => siret,
        }
    }
}

impl AddressCmd {
    fn siret(&self) -> &str {
        match self {
            AddressCmd::Add { siret, .. }
            | AddressCmd::Set { siret, .. }
            | AddressCmd::Remove { siret, .. } => siret,
        }
    }
}

fn contact_edit(c: &Customer, what: ContactCmd) -> Result<Coordinates, AppError> {
    let mut k = c.coordinates();
    match what {
        ContactCmd::Add {
            name, phone, email, ..
        } => k.contacts.push(Contact { name, phone, email }),
        ContactCmd::Set {
            index,
            name,
            phone,
            email,
            ..
        } => {
            let i = nth("de contact", index, k.contacts.len())?;
            let x = &mut k.contacts[i];
            for (v, field) in [
                (name, &mut x.name),
                (phone, &mut x.phone),
                (email, &mut x.email),
            ] {
                if let Some(v) = v {
                    *field = v;
                }
            }
        }
        ContactCmd::Remove { index, .. } => {
            let i = nth("de contact", index, k.contacts.len())?;
            k.contacts.remove(i);
        }
    }
    Ok(k)
}

fn apply_address(a: &mut Address, f: AddressArgs) {
    for (v, field) in [
        (f.name, &mut a.name),
        (f.street, &mut a.street),
        (f.extra, &mut a.extra),
        (f.postcode, &mut a.postcode),
        (f.city, &mut a.city),
    ] {
        if let Some(v) = v {
            *field = v;
        }
    }
}

fn address_edit(c: &Customer, what: AddressCmd) -> Result<Coordinates, AppError> {
    let mut k = c.coordinates();
    match what {
        AddressCmd::Add { fields, .. } => {
            let mut a = Address::default();
            apply_address(&mut a, fields);
            k.delivery_addresses.push(a);
        }
        AddressCmd::Set {
            index,
            header,
            fields,
            ..
        } => {
            let a = match (index, header) {
                (None, true) => &mut k.header_address,
                (Some(n), false) => {
                    let i = nth("d'adresse de livraison", n, k.delivery_addresses.len())?;
                    &mut k.delivery_addresses[i]
                }
                _ => {
                    return Err(AppError::invalid(
                        "donnez le numéro de l'adresse de livraison, ou --header pour l'adresse d'en-tête",
                    ));
                }
            };
            apply_address(a, fields);
        }
        AddressCmd::Remove { index, .. } => {
            let i = nth("d'adresse de livraison", index, k.delivery_addresses.len())?;
            k.delivery_addresses.remove(i);
        }
    }
    Ok(k)
}

/// One product of the catalogue with its stock.
#[derive(Serialize)]
struct ProductRow {
    sku: String,
    designation: String,
    unit_price_cents: i64,
    on_hand: i64,
    reserved: i64,
    available: i64,
    #[serde(skip)]
    price: String,
}

impl ProductRow {
    fn of(p: &Product) -> ProductRow {
        ProductRow {
            sku: p.sku.clone(),
            designation: p.designation.clone(),
            unit_price_cents: p.unit_price.0,
            on_hand: p.on_hand,
            reserved: p.reserved,
            available: p.available(),
            price: p.unit_price.fr(),
        }
    }
}

impl Render for ProductRow {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{}\tstock {}\tréservé {}",
            self.sku, self.designation, self.price, self.on_hand, self.reserved
        )
    }
}

pub(super) fn stock(shared: &Shared, actor: &Actor, what: StockCmd) -> Output {
    let app = &shared.app;
    match what {
        StockCmd::List { json } => match app.products() {
            Ok(ps) => Output::render(&ps.iter().map(ProductRow::of).collect::<Vec<_>>(), json),
            Err(e) => e.into(),
        },
        StockCmd::Add {
            sku,
            quantity,
            reason,
        } => Output::from_result(app.adjust_stock(actor, &sku, quantity, &reason), |p| {
            format!("{}\tstock {}\tréservé {}", p.sku, p.on_hand, p.reserved)
        }),
    }
}

/// One product as the catalogue lists it.
#[derive(Serialize)]
struct CatalogueRowOut {
    sku: String,
    designation: String,
    unit_price_cents: i64,
    vat_percent: String,
    available: i64,
    #[serde(skip)]
    price: String,
    #[serde(skip)]
    vat: String,
}

impl Render for CatalogueRowOut {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{} HT\tTVA {}\tdisponible {}",
            self.sku, self.designation, self.price, self.vat, self.available
        )
    }
}

pub(super) fn catalogue(shared: &Shared, actor: &Actor, what: CatalogueCmd, stdin: &str) -> Output {
    let app = &shared.app;
    match what {
        CatalogueCmd::List { json } => match app.products() {
            Ok(ps) => {
                let rows: Vec<CatalogueRowOut> = ps
                    .iter()
                    .map(|p| CatalogueRowOut {
                        sku: p.sku.clone(),
                        designation: p.designation.clone(),
                        unit_price_cents: p.unit_price.0,
                        vat_percent: p.vat.percent_str(),
                        available: p.available(),
                        price: p.unit_price.fr(),
                        vat: p.vat.fr(),
                    })
                    .collect();
                Output::render(&rows, json)
            }
            Err(e) => e.into(),
        },
        CatalogueCmd::Import => {
            let done = crate::app::catalogue::parse_catalogue_csv(stdin)
                .and_then(|rows| app.import_catalogue(actor, &rows));
            Output::from_result(done, |o| {
                format!(
                    "catalogue : {} créé(s), {} mis à jour, {} inchangé(s)",
                    o.created, o.updated, o.unchanged
                )
            })
        }
    }
}

/// `customer statement --json`: the body, the period, every movement with its running
/// balance, what is owed and overdue at the end (cents; negative: owed back to the body).
#[derive(Serialize)]
struct StatementReport {
    customer: String,
    siret: String,
    from: Option<String>,
    to: String,
    opening_cents: i64,
    lines: Vec<StatementRow>,
    closing_cents: i64,
    overdue_cents: i64,
}

#[derive(Serialize)]
struct StatementRow {
    date: String,
    kind: &'static str,
    reference: String,
    order: String,
    due: Option<String>,
    debit_cents: i64,
    credit_cents: i64,
    balance_cents: i64,
}

impl StatementReport {
    fn of(s: &crate::app::accounts::CustomerStatement) -> StatementReport {
        let st = &s.statement;
        StatementReport {
            customer: s.customer.legal_name.clone(),
            siret: s.customer.siret.as_str().to_string(),
            from: st.from.map(|d| d.to_string()),
            to: st.to.to_string(),
            opening_cents: st.opening.0,
            lines: st
                .lines
                .iter()
                .map(|l| StatementRow {
                    date: l.date.to_string(),
                    kind: l.kind.slug(),
                    reference: l.reference.clone(),
                    order: l.order.to_string(),
                    due: l.due.map(|d| d.to_string()),
                    debit_cents: l.debit.0,
                    credit_cents: l.credit.0,
                    balance_cents: l.balance.0,
                })
                .collect(),
            closing_cents: st.closing.0,
            overdue_cents: st.overdue.0,
        }
    }
}

impl Render for StatementReport {
    fn text(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                l.date, l.kind, l.reference, l.debit_cents, l.credit_cents, l.balance_cents
            ));
        }
        out
    }
}

//! `customers search`, `customer …` and `stock …`: the bodies and the catalogue.

use super::grammar::{CustomerCmd, CustomersCmd, StockCmd};
use super::{Output, Render, Shared};
use crate::app::Actor;
use crate::app::queries::{CustomerHit, CustomerView};
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
    engagement_required: bool,
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
            engagement_required: c.chorus.engagement_required,
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
        CustomerCmd::Approve { siret, reason } => (siret, EligibilityStatus::Approved, reason),
        CustomerCmd::Refuse { siret, reason } => (siret, EligibilityStatus::Refused, reason),
    };
    let decided = app
        .customer_by_siret(&siret)
        .and_then(|c| app.decide_eligibility(actor, c.id, status, &reason));
    Output::from_result(decided, |c| {
        format!("{}\t{}", c.siret, c.eligibility.status.label())
    })
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

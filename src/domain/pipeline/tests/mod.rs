//! Every transition, allowed and forbidden.

use super::*;

use crate::domain::customer::{ChorusRouting, CustomerId, CustomerKind};

use crate::domain::ids::Siret;

use crate::domain::interest::EcbRates;

use crate::domain::money::{VatRate, round_div};

fn d(s: &str) -> Date {
    Date::parse_iso(s).unwrap()
}

/// Noon in Paris on a given day.
fn at(s: &str) -> Timestamp {
    Timestamp::from_date_utc(d(s), 11 * 3600)
}

fn ctx(s: &str) -> Ctx<'static> {
    Ctx {
        now: at(s),
        actor: "marie",
    }
}

fn num(kind: DocKind, seq: u32) -> DocNumber {
    DocNumber {
        kind,
        year: 2026,
        seq,
    }
}

fn customer(categorie: &str) -> Customer {
    Customer {
        id: CustomerId(1),
        legal_name: "Commune de Saint-Étienne".into(),
        siret: Siret::parse("21420218600017")
            .unwrap_or_else(|_| Siret::parse("21750001600019").unwrap()),
        categorie: categorie.into(),
        kind: CustomerKind::from_categorie(categorie),
        eligibility: Eligibility::automatic(categorie, at("2026-01-01")),
        header_address: Address {
            name: "Mairie".into(),
            street: "Place de l'Hôtel de Ville".into(),
            extra: String::new(),
            postcode: "42000".into(),
            city: "Saint-Étienne".into(),
        },
        delivery_addresses: vec![Address::default()],
        contacts: vec![Contact {
            name: "Jeanne Martin".into(),
            phone: "04 77 00 00 00".into(),
            email: "j@x.fr".into(),
        }],
        chorus: ChorusRouting::default(),
        created_at: at("2026-01-01"),
    }
}

fn stock() -> Stock {
    let mut s = Stock::new();
    for (sku, price, on_hand) in [("ENC-01", 24_900, 10), ("MIC-02", 8_900, 3)] {
        s.insert(
            sku.into(),
            Product {
                sku: sku.into(),
                designation: format!("Produit {sku}"),
                unit_price: Cents(price),
                vat: VatRate::STANDARD,
                on_hand,
                reserved: 0,
            },
        );
    }
    s
}

fn quote_on(day: &str, c: &Customer) -> Order {
    let q = NewQuote {
        id: OrderId(1),
        number: num(DocKind::Quote, 1),
        version: 1,
        renews: None,
        external_ref: Some("WEB-1".into()),
        lines: vec![
            QuoteLine {
                exemption: None,
                sku: "ENC-01".into(),
                designation: "Enceinte".into(),
                unit_price: Cents(24_900),
                vat: VatRate::STANDARD,
                quantity: 4,
            },
            QuoteLine {
                exemption: None,
                sku: "MIC-02".into(),
                designation: "Micro".into(),
                unit_price: Cents(8_900),
                vat: VatRate::STANDARD,
                quantity: 2,
            },
        ],
        delivery_address: c.header_address.clone(),
        contact: c.contacts[0].clone(),
    };
    create_quote(c, q, &ctx(day)).unwrap().order
}

fn po(date: &str) -> OriginalPoInput {
    OriginalPoInput {
        contract: None,
        po_number: "ENG-2026-0042".into(),
        po_date: d(date),
        checklist: Checklist::ALL_TICKED,
    }
}

/// An order whose original was received on 2026-03-05 (quote of 2026-03-01).
fn received() -> (Order, Customer, Stock) {
    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    let o = mark_original_received(&o, &c, &mut s, &po("2026-03-04"), &ctx("2026-03-05"))
        .unwrap()
        .order;
    (o, c, s)
}

fn delivered() -> (Order, Customer, Stock) {
    let (o, c, mut s) = received();
    let o = issue_delivery_note(
        &o,
        &c,
        &mut s,
        None,
        num(DocKind::DeliveryNote, 1),
        &ctx("2026-03-06"),
    )
    .unwrap()
    .order;
    (o, c, s)
}

fn invoiced() -> (Order, Customer, Stock) {
    let (o, c, s) = delivered();
    let o = issue_invoice(
        &o,
        &c,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &ctx("2026-03-07"),
    )
    .unwrap()
    .order;
    (o, c, s)
}

fn reason<T: std::fmt::Debug>(r: Result<T, PipelineError>) -> Reason {
    r.unwrap_err().reason
}

fn ctx_on(day: Date) -> Ctx<'static> {
    Ctx {
        now: Timestamp::from_date_utc(day, 12 * 3600),
        actor: "marie",
    }
}

/// An invoice of 100,00 € HT at 20 % (4 × 25,00) and 1 000,00 € HT at 5,5 % (2 × 500,00).
fn invoiced_at_two_rates() -> (Order, Customer, IssuedTotals) {
    let (mut o, c, _) = delivered();
    o.lines[0].unit_price = Cents(2_500);
    o.lines[1].unit_price = Cents(50_000);
    o.lines[1].vat = VatRate(550);
    let issued = issue_invoice(
        &o,
        &c,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &ctx("2026-03-07"),
    )
    .unwrap();
    let mut totals = IssuedTotals::new();
    totals.insert(issued.document.number, issued.document.totals.clone());
    (issued.order, c, totals)
}

mod credit;
mod delivery;
mod payment;
mod quote;

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

#[test]
fn quote_is_valid_one_calendar_month() {
    let c = customer("7210");
    let issued = create_quote(
        &c,
        NewQuote {
            id: OrderId(9),
            number: num(DocKind::Quote, 9),
            version: 1,
            renews: None,
            external_ref: None,
            lines: vec![QuoteLine {
                exemption: None,
                sku: "ENC-01".into(),
                designation: "Enceinte".into(),
                unit_price: Cents(1000),
                vat: VatRate(550),
                quantity: 3,
            }],
            delivery_address: c.header_address.clone(),
            contact: c.contacts[0].clone(),
        },
        &ctx("2026-01-31"),
    )
    .unwrap();
    assert_eq!(issued.order.quote.valid_until, d("2026-02-28"));
    assert_eq!(issued.document.valid_until, Some(d("2026-02-28")));
    assert_eq!(issued.document.totals.incl_vat, Cents(3000 + 165));
    assert_eq!(issued.order.stage, Stage::Quote);
    assert_eq!(issued.events[0].action, Action::QuoteIssued);
    assert_eq!(issued.order.stage_on(d("2026-02-28")), Stage::Quote);
    assert_eq!(issued.order.stage_on(d("2026-03-01")), Stage::Expired);
}

#[test]
fn quote_refused_for_private_entities_and_bad_lines() {
    let private = customer("5710");
    let c = customer("7210");
    let mk = |lines: Vec<QuoteLine>| NewQuote {
        id: OrderId(1),
        number: num(DocKind::Quote, 1),
        version: 1,
        renews: None,
        external_ref: None,
        lines,
        delivery_address: Address::default(),
        contact: Contact::default(),
    };
    let line = |q: u32, p: i64| QuoteLine {
        exemption: None,
        sku: "X".into(),
        designation: "X".into(),
        unit_price: Cents(p),
        vat: VatRate::STANDARD,
        quantity: q,
    };
    assert!(matches!(
        reason(create_quote(
            &private,
            mk(vec![line(1, 1)]),
            &ctx("2026-03-01")
        )),
        Reason::CustomerRefused(_)
    ));
    assert_eq!(
        reason(create_quote(&c, mk(vec![]), &ctx("2026-03-01"))),
        Reason::EmptyQuote
    );
    assert_eq!(
        reason(create_quote(
            &c,
            mk(vec![line(1, 1), line(0, 1)]),
            &ctx("2026-03-01")
        )),
        Reason::ZeroQuantity(2)
    );
    assert_eq!(
        reason(create_quote(&c, mk(vec![line(1, -1)]), &ctx("2026-03-01"))),
        Reason::NegativePrice(1)
    );
}

#[test]
fn pre_order_reserves_what_is_available() {
    let c = customer("7210");
    let mut s = stock();
    s.get_mut("MIC-02").unwrap().on_hand = 1;
    let o = quote_on("2026-03-01", &c);
    assert_eq!(
        shortages(&o, &s),
        vec![Shortage {
            sku: "MIC-02".into(),
            designation: "Micro".into(),
            wanted: 2,
            available: 1
        }]
    );
    let step = record_pre_order(&o, &c, &mut s, &ctx("2026-03-02")).unwrap();
    assert_eq!(step.order.stage, Stage::PreOrder);
    assert_eq!(step.order.lines[0].reserved, 4);
    assert_eq!(step.order.lines[1].reserved, 1);
    assert_eq!(s["ENC-01"].reserved, 4);
    assert_eq!(s["MIC-02"].reserved, 1);
    assert!(step.events[0].detail.contains("1 en rupture"));
    // Twice is refused; shipping a pre-order is refused.
    let o = step.order;
    assert_eq!(
        reason(record_pre_order(&o, &c, &mut s, &ctx("2026-03-02"))),
        Reason::WrongStage("Pré-commande")
    );
    assert_eq!(
        reason(issue_delivery_note(
            &o,
            &c,
            &mut s,
            None,
            num(DocKind::DeliveryNote, 1),
            &ctx("2026-03-03")
        )),
        Reason::OriginalNotReceived
    );
}

#[test]
fn pre_order_refused_for_expired_quote_and_refused_customer() {
    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    assert_eq!(
        reason(record_pre_order(&o, &c, &mut s, &ctx("2026-04-02"))),
        Reason::QuoteExpired(d("2026-04-01"))
    );
    let mut refused = c.clone();
    refused.eligibility.status = EligibilityStatus::Refused;
    assert!(matches!(
        reason(record_pre_order(&o, &refused, &mut s, &ctx("2026-03-02"))),
        Reason::CustomerRefused(_)
    ));
}

#[test]
fn original_received_from_quote_or_pre_order() {
    let (o, _, s) = received();
    assert_eq!(o.stage, Stage::PoReceived);
    assert_eq!(o.po.as_ref().unwrap().verified_by, "marie");
    assert_eq!(o.lines[0].reserved, 4);
    assert_eq!(s["ENC-01"].reserved, 4);

    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    let o = record_pre_order(&o, &c, &mut s, &ctx("2026-03-02"))
        .unwrap()
        .order;
    let step =
        mark_original_received(&o, &c, &mut s, &po("2026-03-02"), &ctx("2026-03-10")).unwrap();
    assert_eq!(step.order.stage, Stage::PoReceived);
    assert_eq!(
        s["ENC-01"].reserved, 4,
        "the pre-order's reservation is kept, not doubled"
    );
    assert_eq!(step.events[0].before, "Pré-commande");
}

#[test]
fn original_gate_refusals() {
    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    let today = ctx("2026-03-05");

    let pending = customer("4140");
    assert_eq!(
        reason(mark_original_received(
            &o,
            &pending,
            &mut s,
            &po("2026-03-04"),
            &today
        )),
        Reason::CustomerNotApproved("À examiner")
    );
    let private = customer("5710");
    assert_eq!(
        reason(mark_original_received(
            &o,
            &private,
            &mut s,
            &po("2026-03-04"),
            &today
        )),
        Reason::CustomerNotApproved("Refusé")
    );

    let mut input = po("2026-03-04");
    input.checklist.stamped = false;
    input.checklist.signed = false;
    assert_eq!(
        reason(mark_original_received(&o, &c, &mut s, &input, &today)),
        Reason::ChecklistIncomplete(vec!["signé", "cachet officiel"])
    );
    let mut input = po("2026-03-04");
    input.po_number = "  ".into();
    assert_eq!(
        reason(mark_original_received(&o, &c, &mut s, &input, &today)),
        Reason::PoNumberInvalid
    );
    input.po_number = "X".repeat(51);
    assert_eq!(
        reason(mark_original_received(&o, &c, &mut s, &input, &today)),
        Reason::PoNumberInvalid
    );
    input.po_number = "É".repeat(50);
    assert!(
        mark_original_received(&o, &c, &mut s.clone(), &input, &today).is_ok(),
        "50 characters, not bytes"
    );

    // PO dated after the validity: refused, even if it arrives.
    assert_eq!(
        reason(mark_original_received(
            &o,
            &c,
            &mut s,
            &po("2026-04-02"),
            &ctx("2026-04-03")
        )),
        Reason::PoDateAfterValidity {
            po_date: d("2026-04-02"),
            valid_until: d("2026-04-01")
        }
    );
    // PO dated before the quote it answers: refused, with both dates.
    let early = mark_original_received(&o, &c, &mut s.clone(), &po("2026-02-27"), &today);
    assert_eq!(
        reason(early),
        Reason::PoDateBeforeQuote {
            po_date: d("2026-02-27"),
            quote_date: o.quote.issued_on
        }
    );
    // PO dated within validity but posted late: accepted.
    assert!(
        mark_original_received(
            &o,
            &c,
            &mut s.clone(),
            &po("2026-03-30"),
            &ctx("2026-04-06")
        )
        .is_ok()
    );
    // Future date.
    assert_eq!(
        reason(mark_original_received(
            &o,
            &c,
            &mut s,
            &po("2026-03-20"),
            &today
        )),
        Reason::PoDateInFuture(d("2026-03-20"))
    );

    // Cancelled, already received.
    let cancelled = cancel(&o, &mut s.clone(), "doublon", &today).unwrap().order;
    assert_eq!(
        reason(mark_original_received(
            &cancelled,
            &c,
            &mut s,
            &po("2026-03-04"),
            &today
        )),
        Reason::WrongStage("Annulé")
    );
    let (r, c2, mut s2) = received();
    assert_eq!(
        reason(mark_original_received(
            &r,
            &c2,
            &mut s2,
            &po("2026-03-04"),
            &today
        )),
        Reason::OriginalAlreadyReceived
    );
}

#[test]
fn no_shipping_before_the_original() {
    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    let e = issue_delivery_note(
        &o,
        &c,
        &mut s,
        None,
        num(DocKind::DeliveryNote, 1),
        &ctx("2026-03-02"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "impossible d'émettre le bon de livraison : le bon de commande original n'a pas été reçu"
    );
    assert_eq!(s["ENC-01"].on_hand, 10, "nothing moved");
}

#[test]
fn full_delivery_decrements_stock() {
    let (o, _, s) = delivered();
    assert_eq!(o.stage, Stage::Delivered);
    assert_eq!(s["ENC-01"].on_hand, 6);
    assert_eq!(s["ENC-01"].reserved, 0);
    assert_eq!(s["MIC-02"].on_hand, 1);
    assert!(
        o.lines
            .iter()
            .all(|l| l.delivered == l.ordered && l.reserved == 0)
    );
    assert_eq!(o.documents.len(), 2);
}

#[test]
fn partial_delivery_then_the_rest() {
    let (o, c, mut s) = received();
    let issued = issue_delivery_note(
        &o,
        &c,
        &mut s,
        Some(&[1, 0]),
        num(DocKind::DeliveryNote, 1),
        &ctx("2026-03-06"),
    )
    .unwrap();
    assert_eq!(
        issued.order.stage,
        Stage::PoReceived,
        "partial delivery stays ready to ship"
    );
    assert_eq!(
        issued.document.lines.len(),
        2,
        "the note shows what remains"
    );
    assert_eq!(issued.document.lines[0].remaining, 3);
    assert_eq!(issued.document.lines[1].quantity, 0);
    assert_eq!(s["ENC-01"].on_hand, 9);
    assert_eq!(s["ENC-01"].reserved, 3);
    let o = issued.order;
    // Partial invoicing of what was delivered.
    let inv = issue_invoice(
        &o,
        &c,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &ctx("2026-03-07"),
    )
    .unwrap();
    assert_eq!(inv.document.totals.excl_vat, Cents(24_900));
    assert_eq!(inv.order.stage, Stage::PoReceived);
    let o = inv.order;
    assert_eq!(
        reason(issue_invoice(
            &o,
            &c,
            num(DocKind::Invoice, 2),
            &EcbRates::flat(215),
            &ctx("2026-03-07")
        )),
        Reason::NothingToInvoice
    );
    let o = issue_delivery_note(
        &o,
        &c,
        &mut s,
        None,
        num(DocKind::DeliveryNote, 2),
        &ctx("2026-03-08"),
    )
    .unwrap()
    .order;
    assert_eq!(o.stage, Stage::Delivered);
    let o = issue_invoice(
        &o,
        &c,
        num(DocKind::Invoice, 2),
        &EcbRates::flat(215),
        &ctx("2026-03-09"),
    )
    .unwrap()
    .order;
    assert_eq!(o.stage, Stage::Invoiced);
    assert_eq!(o.invoiced_amount(), o.totals().incl_vat);
}

#[test]
fn delivery_quantity_checks() {
    let (o, c, mut s) = received();
    let n = num(DocKind::DeliveryNote, 1);
    let t = ctx("2026-03-06");
    assert_eq!(
        reason(issue_delivery_note(&o, &c, &mut s, Some(&[5, 0]), n, &t)),
        Reason::QuantityTooLarge {
            line: 1,
            sku: "ENC-01".into(),
            requested: 5,
            remaining: 4
        }
    );
    assert_eq!(
        reason(issue_delivery_note(&o, &c, &mut s, Some(&[0, 0]), n, &t)),
        Reason::NothingToDeliver
    );
    assert_eq!(
        reason(issue_delivery_note(&o, &c, &mut s, Some(&[1]), n, &t)),
        Reason::QuantityCount { given: 1, lines: 2 }
    );
    // Not enough stock: the reservation was short.
    let c2 = customer("7210");
    let mut s2 = stock();
    s2.get_mut("MIC-02").unwrap().on_hand = 1;
    let o2 = quote_on("2026-03-01", &c2);
    let o2 = mark_original_received(&o2, &c2, &mut s2, &po("2026-03-04"), &ctx("2026-03-05"))
        .unwrap()
        .order;
    assert_eq!(
        reason(issue_delivery_note(&o2, &c2, &mut s2, None, n, &t)),
        Reason::InsufficientStock {
            sku: "MIC-02".into(),
            requested: 2,
            available: 1
        }
    );
}

#[test]
fn nothing_delivered_twice() {
    let (o, c, mut s) = delivered();
    assert_eq!(
        reason(issue_delivery_note(
            &o,
            &c,
            &mut s,
            None,
            num(DocKind::DeliveryNote, 2),
            &ctx("2026-03-07")
        )),
        Reason::NothingToDeliver
    );
}

#[test]
fn invoice_bills_deliveries_with_due_date() {
    let (o, c, s) = delivered();
    let _ = s;
    let issued = issue_invoice(
        &o,
        &c,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &ctx("2026-03-07"),
    )
    .unwrap();
    let doc = &issued.document;
    assert_eq!(doc.delivery_date, Some(d("2026-03-06")));
    assert_eq!(
        doc.due_date,
        Some(d("2026-04-08")),
        "presumed receipt + 2 days, then 30 days for a commune"
    );
    assert_eq!(doc.late_rate_bp, Some(1015));
    assert_eq!(doc.po.as_ref().unwrap().number, "ENG-2026-0042");
    assert_eq!(doc.totals.excl_vat, Cents(4 * 24_900 + 2 * 8_900));
    assert_eq!(
        doc.totals.incl_vat,
        Cents((4 * 24_900 + 2 * 8_900) * 12 / 10)
    );
    assert_eq!(issued.order.stage, Stage::Invoiced);
    let mut hospital = customer("7364");
    hospital.kind = CustomerKind::Hopital;
    let issued = issue_invoice(
        &o,
        &hospital,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &ctx("2026-03-07"),
    )
    .unwrap();
    assert_eq!(
        issued.document.due_date,
        Some(d("2026-04-28")),
        "50 days for a hospital"
    );
}

#[test]
fn invoicing_refusals() {
    let (o, c, _) = received();
    assert_eq!(
        reason(issue_invoice(
            &o,
            &c,
            num(DocKind::Invoice, 1),
            &EcbRates::flat(215),
            &ctx("2026-03-07")
        )),
        Reason::NothingToInvoice
    );
    let q = quote_on("2026-03-01", &c);
    assert_eq!(
        reason(issue_invoice(
            &q,
            &c,
            num(DocKind::Invoice, 1),
            &EcbRates::flat(215),
            &ctx("2026-03-07")
        )),
        Reason::OriginalNotReceived
    );
    let (o, c, _) = invoiced();
    assert_eq!(
        reason(issue_invoice(
            &o,
            &c,
            num(DocKind::Invoice, 2),
            &EcbRates::flat(215),
            &ctx("2026-03-08")
        )),
        Reason::AlreadyInvoiced
    );
}

#[test]
fn chorus_routing_is_checked_before_invoicing() {
    let (o, mut c, _) = delivered();
    c.chorus.service_code_required = true;
    assert_eq!(
        reason(issue_invoice(
            &o,
            &c,
            num(DocKind::Invoice, 1),
            &EcbRates::flat(215),
            &ctx("2026-03-07")
        )),
        Reason::MissingServiceCode
    );
    c.chorus.service_code = Some("SERV-FIN".into());
    let doc = issue_invoice(
        &o,
        &c,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &ctx("2026-03-07"),
    )
    .unwrap()
    .document;
    assert_eq!(doc.buyer.service_code.as_deref(), Some("SERV-FIN"));
}

#[test]
fn payments_until_paid() {
    let (o, _, _) = invoiced();
    let total = o.outstanding();
    let t = ctx("2026-04-01");
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-20"),
            Cents(0),
            "M-1",
            false,
            &t
        )),
        Reason::AmountNotPositive
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-20"),
            total + Cents(1),
            "M-1",
            false,
            &t
        )),
        Reason::Overpayment {
            amount: total + Cents(1),
            outstanding: total
        }
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-20"),
            Cents(100),
            " ",
            false,
            &t
        )),
        Reason::ReferenceRequired
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-04-02"),
            Cents(100),
            "M-1",
            false,
            &t
        )),
        Reason::DateInFuture(d("2026-04-02"))
    );
    assert_eq!(
        reason(record_payment(
            &o,
            d("2026-03-01"),
            Cents(100),
            "M-1",
            false,
            &t
        )),
        Reason::PaymentBeforeInvoice {
            date: d("2026-03-01"),
            invoice_date: d("2026-03-07")
        }
    );
    let half = Cents(total.0 / 2);
    let o = record_payment(&o, d("2026-03-20"), half, "M-1", false, &t)
        .unwrap()
        .order;
    assert_eq!(o.stage, Stage::Invoiced);
    let step = record_payment(&o, d("2026-03-25"), total - half, "M-2", false, &t).unwrap();
    assert_eq!(step.order.stage, Stage::Paid);
    assert_eq!(step.order.outstanding(), Cents::ZERO);
    let (q, _, _) = received();
    assert_eq!(
        reason(record_payment(
            &q,
            d("2026-03-20"),
            Cents(1),
            "M",
            false,
            &t
        )),
        Reason::NoInvoice
    );
}

#[test]
fn overdue_and_moratory_interest() {
    let rates = EcbRates::flat(200);
    let (o, _, _) = invoiced(); // invoiced 2026-03-07, presumed received 03-09, due 04-08
    let due = d("2026-04-08");
    assert_eq!(o.invoices[0].due_date(), Some(due));
    assert_eq!(o.penalty_totals(due, &rates).owed(), Cents::ZERO);
    let late = o.penalties(d("2026-04-18"), &rates);
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].days_overdue, 10);
    assert_eq!(late[0].overdue, o.invoiced_amount());
    assert_eq!(late[0].indemnity, Cents(4000));
    assert_eq!(late[0].rate_bp, 1000);
    let total = o.invoiced_amount();
    assert_eq!(
        late[0].interest,
        Cents(round_div(total.0 as i128 * 10 * 1000, 3_650_000))
    );
    // Paid 12 days late: interest and indemnity stay owed after the principal is paid.
    let paid = record_payment(&o, d("2026-04-20"), total, "M", false, &ctx("2026-04-20"))
        .unwrap()
        .order;
    assert_eq!(paid.stage, Stage::Paid);
    let t = paid.penalty_totals(d("2026-06-01"), &rates);
    assert_eq!(
        t.interest,
        Cents(round_div(total.0 as i128 * 12 * 1000, 3_650_000))
    );
    assert_eq!(t.indemnity, Cents(4000));
    assert_eq!(t.owed(), t.interest + t.indemnity);
    // Paid on time: nothing.
    let on_time = record_payment(&o, due, total, "M", false, &ctx("2026-04-08"))
        .unwrap()
        .order;
    assert_eq!(
        on_time.penalty_totals(d("2026-06-01"), &rates).owed(),
        Cents::ZERO
    );
}

#[test]
fn partial_payment_stops_interest_on_what_it_pays() {
    let rates = EcbRates::flat(200);
    let (o, _, _) = invoiced();
    let total = o.invoiced_amount();
    let half = Cents(total.0 / 2);
    // Half paid 10 days late, the rest 30 days late.
    let o = record_payment(&o, d("2026-04-18"), half, "M1", false, &ctx("2026-04-18"))
        .unwrap()
        .order;
    let o = record_payment(
        &o,
        d("2026-05-08"),
        total - half,
        "M2",
        false,
        &ctx("2026-05-08"),
    )
    .unwrap()
    .order;
    let expected = round_div(
        (half.0 as i128 * 10 + (total - half).0 as i128 * 30) * 1000,
        3_650_000,
    );
    let t = o.penalty_totals(d("2026-07-01"), &rates);
    assert_eq!(t.interest, Cents(expected));
    assert_eq!(t.indemnity, Cents(4000), "one indemnity per invoice");
    let lines = o.lateness(d("2026-07-01"), &rates)[0].explain().join("\n");
    assert!(
        lines.contains("payés le 18/04/2026 : 10 j × 10 %"),
        "{lines}"
    );
    assert!(
        lines.contains("payés le 08/05/2026 : 30 j × 10 %"),
        "{lines}"
    );
}

#[test]
fn receipt_and_interruption_move_the_due_date() {
    let (o, _, _) = invoiced(); // invoiced 2026-03-07
    let t = ctx("2026-03-20");
    let inv = Some(num(DocKind::Invoice, 1));
    assert_eq!(
        reason(record_delay_notice(
            &o,
            inv,
            d("2026-03-06"),
            &DelayNotice::Received,
            &t
        )),
        Reason::DateBeforeInvoice {
            date: d("2026-03-06"),
            invoice: num(DocKind::Invoice, 1),
            invoice_date: d("2026-03-07")
        }
    );
    assert_eq!(
        reason(record_delay_notice(
            &o,
            None,
            d("2026-03-21"),
            &DelayNotice::Received,
            &t
        )),
        Reason::DateInFuture(d("2026-03-21"))
    );
    let o = record_delay_notice(&o, None, d("2026-03-12"), &DelayNotice::Received, &t)
        .unwrap()
        .order;
    assert_eq!(o.invoices[0].due_date(), Some(d("2026-04-11")));
    let s = record_delay_notice(
        &o,
        None,
        d("2026-03-20"),
        &DelayNotice::Interrupted {
            reason: "attestation de service fait".into(),
        },
        &t,
    )
    .unwrap();
    assert!(
        s.events[0].detail.contains("22 j restants"),
        "{}",
        s.events[0].detail
    );
    let o = s.order;
    assert_eq!(o.invoices[0].due_date(), None);
    assert_eq!(
        reason(record_delay_notice(
            &o,
            inv,
            d("2026-03-20"),
            &DelayNotice::Interrupted {
                reason: "encore".into()
            },
            &t
        )),
        Reason::AlreadySuspended(num(DocKind::Invoice, 1))
    );
    assert_eq!(
        reason(record_delay_notice(
            &o,
            None,
            d("2026-03-19"),
            &DelayNotice::Resumed,
            &t
        )),
        Reason::ResumedBeforeNotice {
            resumed: d("2026-03-19"),
            notice: d("2026-03-20")
        }
    );
    let o = record_delay_notice(&o, None, d("2026-03-20"), &DelayNotice::Resumed, &t)
        .unwrap()
        .order;
    assert_eq!(
        o.invoices[0].due_date(),
        Some(d("2026-04-19")),
        "30 days from resumption (22 left was shorter)"
    );
    assert_eq!(
        reason(record_delay_notice(
            &o,
            inv,
            d("2026-03-20"),
            &DelayNotice::Resumed,
            &t
        )),
        Reason::AlreadyResumed(num(DocKind::Invoice, 1))
    );
}

#[test]
fn penalties_received_or_waived_apart_from_the_principal() {
    let rates = EcbRates::flat(200);
    let (o, _, _) = invoiced();
    let total = o.invoiced_amount();
    let t = ctx("2026-05-10");
    assert_eq!(
        reason(record_penalty_payment(
            &o,
            d("2026-04-01"),
            Cents(100),
            "M",
            &rates,
            &ctx("2026-04-01")
        )),
        Reason::NoPenaltyOwed
    );
    let o = record_payment(&o, d("2026-05-08"), total, "M", false, &t)
        .unwrap()
        .order;
    let owed = o.penalty_totals(d("2026-05-10"), &rates).owed();
    assert!(owed > Cents(4000));
    assert_eq!(
        reason(record_penalty_payment(
            &o,
            d("2026-05-10"),
            owed + Cents(1),
            "I",
            &rates,
            &t
        )),
        Reason::PenaltyOverpaid {
            amount: owed + Cents(1),
            owed
        }
    );
    let o = record_penalty_payment(&o, d("2026-05-10"), Cents(4000), "I-1", &rates, &t)
        .unwrap()
        .order;
    let left = o.penalty_totals(d("2026-05-10"), &rates);
    assert_eq!(left.received, Cents(4000));
    assert_eq!(left.owed(), owed - Cents(4000));
    assert_eq!(
        reason(waive_penalties(&o, None, " ", &rates, &t)),
        Reason::ReasonRequired
    );
    let w = waive_penalties(&o, None, "geste commercial", &rates, &t).unwrap();
    assert!(w.events[0].detail.contains("geste commercial"));
    let o = w.order;
    let done = o.penalty_totals(d("2026-12-31"), &rates);
    assert_eq!(done.owed(), Cents::ZERO);
    assert_eq!(done.waived, owed - Cents(4000));
    assert_eq!(
        done.interest + done.indemnity,
        owed,
        "what was owed is still on record"
    );
}

#[test]
fn cancel_before_delivery_only() {
    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    let o = record_pre_order(&o, &c, &mut s, &ctx("2026-03-02"))
        .unwrap()
        .order;
    assert_eq!(
        reason(cancel(&o, &mut s, "  ", &ctx("2026-03-03"))),
        Reason::ReasonRequired
    );
    let step = cancel(&o, &mut s, "commande passée ailleurs", &ctx("2026-03-03")).unwrap();
    assert_eq!(step.order.stage, Stage::Cancelled);
    assert_eq!(s["ENC-01"].reserved, 0, "reservation released");
    assert_eq!(step.order.lines[0].reserved, 0);
    assert_eq!(
        reason(cancel(&step.order, &mut s, "encore", &ctx("2026-03-03"))),
        Reason::WrongStage("Annulé")
    );

    let (o, _, mut s) = delivered();
    assert_eq!(
        reason(cancel(&o, &mut s, "x", &ctx("2026-03-08"))),
        Reason::AlreadyDelivered
    );
    let (o, _, mut s) = invoiced();
    let e = cancel(&o, &mut s, "x", &ctx("2026-03-08")).unwrap_err();
    assert_eq!(e.reason, Reason::InvoicedUseCreditNote);
}

#[test]
fn refuse_quote_releases_reservations() {
    let c = customer("7210");
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    let o = record_pre_order(&o, &c, &mut s, &ctx("2026-03-02"))
        .unwrap()
        .order;
    let step = refuse_quote(&o, &mut s, "budget non voté", &ctx("2026-03-03")).unwrap();
    assert_eq!(step.order.stage, Stage::Refused);
    assert_eq!(s["MIC-02"].reserved, 0);
    let (r, _, mut s) = received();
    assert_eq!(
        reason(refuse_quote(&r, &mut s, "x", &ctx("2026-03-08"))),
        Reason::WrongStage("BC original reçu")
    );
}

#[test]
fn credit_note_cancels_an_invoice_which_can_be_reissued() {
    let (o, c, _) = invoiced();
    let t = ctx("2026-03-10");
    assert_eq!(
        reason(issue_credit_note(
            &o,
            &c,
            None,
            &CreditScope::Full,
            &IssuedTotals::new(),
            "",
            num(DocKind::CreditNote, 1),
            &t
        )),
        Reason::ReasonRequired
    );
    let issued = issue_credit_note(
        &o,
        &c,
        None,
        &CreditScope::Full,
        &IssuedTotals::new(),
        "erreur de prix",
        num(DocKind::CreditNote, 1),
        &t,
    )
    .unwrap();
    assert_eq!(
        issued.document.cancels,
        Some((num(DocKind::Invoice, 1), d("2026-03-07")))
    );
    assert_eq!(issued.document.totals.incl_vat, o.invoiced_amount());
    assert_eq!(issued.order.stage, Stage::Delivered);
    assert_eq!(issued.order.invoiced_amount(), Cents::ZERO);
    let o2 = issued.order;
    assert_eq!(
        reason(issue_credit_note(
            &o2,
            &c,
            None,
            &CreditScope::Full,
            &IssuedTotals::new(),
            "x",
            num(DocKind::CreditNote, 2),
            &t
        )),
        Reason::NoInvoiceToCredit
    );
    assert_eq!(
        reason(issue_credit_note(
            &o2,
            &c,
            Some(num(DocKind::Invoice, 1)),
            &CreditScope::Full,
            &IssuedTotals::new(),
            "x",
            num(DocKind::CreditNote, 2),
            &t
        )),
        Reason::InvoiceAlreadyCredited(num(DocKind::Invoice, 1), num(DocKind::CreditNote, 1))
    );
    assert_eq!(
        reason(issue_credit_note(
            &o2,
            &c,
            Some(num(DocKind::Invoice, 7)),
            &CreditScope::Full,
            &IssuedTotals::new(),
            "x",
            num(DocKind::CreditNote, 2),
            &t
        )),
        Reason::InvoiceNotInOrder("FA-2026-00007".into())
    );
    let again = issue_invoice(&o2, &c, num(DocKind::Invoice, 2), &EcbRates::flat(215), &t).unwrap();
    assert_eq!(again.order.stage, Stage::Invoiced);
}

/// A paid invoice can still be cancelled: what the body paid becomes a « trop-perçu »
/// the shop owes back, refunded at most in full, never before the payment it returns.
#[test]
fn a_paid_invoice_cancelled_leaves_a_credit_to_refund() {
    let (o, c, _) = invoiced();
    let total = o.outstanding();
    let o = record_payment(&o, d("2026-03-08"), total, "M", false, &ctx("2026-03-08"))
        .unwrap()
        .order;
    assert_eq!(o.stage, Stage::Paid);
    let issued = issue_credit_note(
        &o,
        &c,
        None,
        &CreditScope::Full,
        &IssuedTotals::new(),
        "erreur de facturation",
        num(DocKind::CreditNote, 1),
        &ctx("2026-03-09"),
    )
    .unwrap();
    let o = issued.order;
    assert_eq!(o.credit_balance(), total);
    assert_eq!(o.outstanding(), -total);
    assert!(
        issued.events[0]
            .detail
            .contains(&format!("trop-perçu à rembourser {}", total.fr())),
        "{:?}",
        issued.events[0].detail
    );
    let t = ctx("2026-03-20");
    assert_eq!(
        reason(record_refund(
            &o,
            d("2026-03-10"),
            total + Cents(1),
            "VIR",
            &t
        )),
        Reason::RefundExceedsCredit {
            amount: total + Cents(1),
            credit: total
        }
    );
    assert_eq!(
        reason(record_refund(&o, d("2026-03-07"), total, "VIR", &t)),
        Reason::RefundBeforePayment {
            date: d("2026-03-07"),
            paid: d("2026-03-08")
        }
    );
    assert_eq!(
        reason(record_refund(&o, d("2026-03-21"), total, "VIR", &t)),
        Reason::DateInFuture(d("2026-03-21"))
    );
    assert_eq!(
        reason(record_refund(&o, d("2026-03-10"), total, " ", &t)),
        Reason::ReferenceRequired
    );
    let part = record_refund(&o, d("2026-03-10"), Cents(1_000), "VIR-1", &t).unwrap();
    assert_eq!(part.order.credit_balance(), total - Cents(1_000));
    assert_eq!(part.events[0].action, Action::RefundRecorded);
    let done = record_refund(
        &part.order,
        d("2026-03-12"),
        total - Cents(1_000),
        "VIR-2",
        &t,
    )
    .unwrap()
    .order;
    assert_eq!(done.credit_balance(), Cents::ZERO);
    assert_eq!(done.outstanding(), Cents::ZERO);
    assert_eq!(done.refunded_amount(), total);
    assert_eq!(
        reason(record_refund(&done, d("2026-03-12"), Cents(1), "VIR-3", &t)),
        Reason::RefundExceedsCredit {
            amount: Cents(1),
            credit: Cents::ZERO
        }
    );
    // The books as of the first refund's day know only that refund.
    assert_eq!(done.as_of(d("2026-03-11")).refunded_amount(), Cents(1_000));
}

/// Paying more than is owed is refused unless staff accept the surplus; accepted, the
/// excess is owed back and the order is paid.
#[test]
fn an_overpayment_is_recorded_only_when_accepted() {
    let (o, _, _) = invoiced();
    let total = o.outstanding();
    let t = ctx("2026-03-20");
    assert!(matches!(
        reason(record_payment(
            &o,
            d("2026-03-10"),
            total + Cents(5_000),
            "M",
            false,
            &t
        )),
        Reason::Overpayment { .. }
    ));
    let o = record_payment(&o, d("2026-03-10"), total + Cents(5_000), "M", true, &t)
        .unwrap()
        .order;
    assert_eq!(o.stage, Stage::Paid);
    assert_eq!(o.credit_balance(), Cents(5_000));
    assert!(o.unpaid_invoices().is_empty());
}

#[test]
fn renewal_of_an_expired_quote() {
    let c = customer("7210");
    let mut catalogue = stock();
    catalogue.get_mut("ENC-01").unwrap().unit_price = Cents(25_900);
    let old = quote_on("2026-03-01", &c);
    let t = ctx("2026-04-10");
    assert_eq!(
        reason(renew_quote(
            &old,
            &c,
            &catalogue,
            OrderId(2),
            num(DocKind::Quote, 2),
            &ctx("2026-03-15")
        )),
        Reason::NotExpired(d("2026-04-01"))
    );
    let (old2, issued) =
        renew_quote(&old, &c, &catalogue, OrderId(2), num(DocKind::Quote, 2), &t).unwrap();
    assert_eq!(old2.quote.renewed_by, Some(num(DocKind::Quote, 2)));
    assert_eq!(issued.order.quote.version, 2);
    assert_eq!(issued.order.quote.renews, Some(num(DocKind::Quote, 1)));
    assert_eq!(
        issued.order.lines[0].unit_price,
        Cents(25_900),
        "current catalogue price"
    );
    assert_eq!(issued.order.quote.valid_until, d("2026-05-10"));
    assert_eq!(issued.events.len(), 2);
    assert_eq!(
        reason(renew_quote(
            &old2,
            &c,
            &catalogue,
            OrderId(3),
            num(DocKind::Quote, 3),
            &t
        )),
        Reason::Renewed(num(DocKind::Quote, 2))
    );
    // The old version cannot take an original any more.
    assert_eq!(
        reason(mark_original_received(
            &old2,
            &c,
            &mut catalogue,
            &po("2026-03-20"),
            &t
        )),
        Reason::Renewed(num(DocKind::Quote, 2))
    );
    assert_eq!(old2.stage_on(d("2026-03-02")), Stage::Expired);
}

#[test]
fn eligibility_decisions() {
    let pending = customer("4140");
    let t = ctx("2026-03-01");
    assert_eq!(
        reason(decide_eligibility(
            &pending,
            EligibilityStatus::Approved,
            "",
            &t
        )),
        Reason::ReasonRequired
    );
    let (approved, ev) = decide_eligibility(
        &pending,
        EligibilityStatus::Approved,
        "régie avec comptable public",
        &t,
    )
    .unwrap();
    assert!(approved.is_approved());
    assert_eq!(approved.eligibility.decided_by, "marie");
    assert_eq!(ev.before, "À examiner");
    assert_eq!(
        reason(decide_eligibility(
            &approved,
            EligibilityStatus::Approved,
            "x",
            &t
        )),
        Reason::SameEligibility("Éligible")
    );
    let private = customer("5710");
    assert_eq!(
        reason(decide_eligibility(
            &private,
            EligibilityStatus::Approved,
            "x",
            &t
        )),
        Reason::PrivateCannotBeApproved("5710".into())
    );
    let (refused, _) = decide_eligibility(
        &approved,
        EligibilityStatus::Refused,
        "pas de comptable public",
        &t,
    )
    .unwrap();
    assert_eq!(refused.eligibility.status, EligibilityStatus::Refused);
}

/// Interest reckoned day by day, independently of the per-amount computation: on each day
/// after the due date up to `end` included, everything not paid *before* that day is late.
fn interest_day_by_day(o: &Order, due: Date, end: Date, rates: &[(Date, u32)]) -> i64 {
    let total = o.invoiced_amount().0 as i128;
    let mut cent_days: i128 = 0;
    let mut day = due.add_days(1);
    while day <= end {
        let paid_before: i128 = o
            .payments
            .iter()
            .filter(|p| p.date < day)
            .map(|p| p.amount.0 as i128)
            .sum();
        cent_days += (total - paid_before).max(0);
        day = day.add_days(1);
    }
    let start = due.add_days(1);
    let (y, m, _) = start.ymd();
    let half = Date::from_ymd(y, if m <= 6 { 1 } else { 7 }, 1).unwrap();
    let ecb = rates
        .iter()
        .filter(|(d, _)| *d <= half)
        .max_by_key(|(d, _)| *d)
        .map(|(_, bp)| *bp)
        .unwrap_or(0);
    round_div(cent_days * (ecb + 800) as i128, 3_650_000)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Random receipts, partial payments and ECB rate tables: the interest is the
    /// day-by-day sum, one indemnity per late invoice, and what is owed never shrinks as
    /// time passes and payments arrive.
    #[test]
    fn interest_is_the_closed_form_sum(
        receipt in proptest::option::of(0i32..10),
        payments in proptest::collection::vec((0i32..70, 1i64..=100), 0..6),
        changes in proptest::collection::vec((0i32..1000, 0u32..500), 1..6),
        tail in 0i32..120,
    ) {
        let (mut o, _, _) = invoiced(); // 2026-03-07
        let rate_list: Vec<(Date, u32)> = {
            let mut seen = std::collections::BTreeMap::new();
            for (off, bp) in &changes {
                seen.insert(d("2024-01-01").add_days(*off), *bp);
            }
            seen.into_iter().collect()
        };
        let rates = EcbRates::new(rate_list.clone()).unwrap();
        if let Some(r) = receipt {
            let day = d("2026-03-07").add_days(r);
            o = record_delay_notice(&o, None, day, &DelayNotice::Received, &ctx_on(day)).unwrap().order;
        }
        let due = o.invoices[0].due_date().unwrap();
        let mut day = d("2026-03-07");
        let mut last_owed = Cents::ZERO;
        for (gap, percent) in &payments {
            day = day.add_days(*gap);
            let left = o.outstanding();
            if left <= Cents::ZERO {
                break;
            }
            let amount = Cents((left.0 * percent / 100).max(1)).min(left);
            o = record_payment(&o, day, amount, "M", false, &ctx_on(day)).unwrap().order;
            let t = o.penalty_totals(day, &rates);
            let owed = t.interest + t.indemnity;
            proptest::prop_assert!(owed >= last_owed, "owed went from {last_owed} to {owed}");
            last_owed = owed;
        }
        let today = day.add_days(tail);
        let t = o.penalty_totals(today, &rates);
        proptest::prop_assert!(t.interest + t.indemnity >= last_owed);
        let end = if o.outstanding() > Cents::ZERO {
            today
        } else {
            o.payments.iter().map(|p| p.date).max().unwrap_or(today)
        };
        proptest::prop_assert_eq!(
            t.interest.0,
            interest_day_by_day(&o, due, end, &rate_list)
        );
        let late = end > due;
        proptest::prop_assert_eq!(t.indemnity, if late { Cents(4000) } else { Cents::ZERO });
    }
}

fn ctx_on(day: Date) -> Ctx<'static> {
    Ctx {
        now: Timestamp::from_date_utc(day, 12 * 3600),
        actor: "marie",
    }
}

#[test]
fn partial_credit_notes_never_exceed_the_invoice() {
    let (o, c, _) = invoiced(); // 4 × 249,00 + 2 × 89,00 HT at 20 %
    let t = ctx("2026-03-10");
    let total = o.invoiced_amount();
    let credit = |o: &Order, scope: CreditScope, seq| {
        issue_credit_note(
            o,
            &c,
            None,
            &scope,
            &IssuedTotals::new(),
            "retour",
            num(DocKind::CreditNote, seq),
            &t,
        )
    };
    // One enceinte returned: the invoice is reduced, nothing is invoiced again.
    let one = credit(&o, CreditScope::Quantities(vec![1, 0]), 1).unwrap();
    assert!(one.document.partial);
    assert_eq!(one.document.totals.incl_vat, Cents(24_900 * 12 / 10));
    assert_eq!(one.order.stage, Stage::Invoiced);
    assert_eq!(
        one.order.lines[0].invoiced, 4,
        "a reduction is not invoiced again"
    );
    assert_eq!(one.order.outstanding(), total - Cents(24_900 * 12 / 10));
    assert!(
        one.events[0]
            .detail
            .starts_with("réduit de 298,80 € la facture FA-2026-00001")
    );
    let o = one.order;
    assert_eq!(
        reason(credit(&o, CreditScope::Quantities(vec![4, 0]), 2)),
        Reason::CreditQuantityTooLarge {
            line: 1,
            sku: "ENC-01".into(),
            requested: 4,
            left: 3
        }
    );
    assert_eq!(
        reason(credit(&o, CreditScope::Quantities(vec![0, 0]), 2)),
        Reason::NothingToCredit
    );
    // A commercial gesture by amount, at the invoice's only rate.
    let gesture = credit(
        &o,
        CreditScope::Amount {
            net: Cents(10_000),
            vat: None,
        },
        2,
    )
    .unwrap();
    assert_eq!(gesture.document.totals.incl_vat, Cents(12_000));
    assert!(
        gesture.document.lines[0]
            .designation
            .contains("FA-2026-00001")
    );
    let o = gesture.order;
    let left = o.invoices[0].net();
    assert_eq!(left, total - Cents(29_880) - Cents(12_000));
    assert_eq!(
        reason(credit(
            &o,
            CreditScope::Amount {
                net: Cents(left.0),
                vat: None
            },
            3
        )),
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(left.0 * 10 / 12),
            tax: Cents(left.0 * 2 / 12),
        }
    );
    assert_eq!(
        reason(credit(
            &o,
            CreditScope::Amount {
                net: Cents(100),
                vat: Some(VatRate(550))
            },
            3
        )),
        Reason::CreditVatRateNotOnInvoice {
            invoice: num(DocKind::Invoice, 1),
            rate: "5,5 %".into()
        }
    );
    // The rest by quantities brings the invoice to nothing; the sum equals the invoice.
    let rest = credit(&o, CreditScope::Quantities(vec![3, 2]), 3);
    assert_eq!(
        reason(rest),
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(left.0 * 10 / 12),
            tax: Cents(left.0 * 2 / 12),
        },
        "the gesture already took 120 €"
    );
    let o = credit(
        &o,
        CreditScope::Amount {
            net: Cents(left.0 * 10 / 12),
            vat: None,
        },
        3,
    )
    .unwrap()
    .order;
    assert_eq!(o.invoices[0].net(), Cents::ZERO);
    assert_eq!(o.invoiced_amount(), Cents::ZERO);
    assert_eq!(
        reason(credit(&o, CreditScope::Full, 4)),
        Reason::NoInvoiceToCredit
    );
}

#[test]
fn zero_rate_lines_need_their_exemption_ground() {
    let c = customer("7210");
    let line = |exemption: Option<&str>| QuoteLine {
        sku: "FORM-01".into(),
        designation: "Formation".into(),
        unit_price: Cents(50_000),
        vat: VatRate(0),
        quantity: 1,
        exemption: exemption.map(str::to_string),
    };
    let q = |l: QuoteLine| NewQuote {
        id: OrderId(9),
        number: num(DocKind::Quote, 9),
        version: 1,
        renews: None,
        external_ref: None,
        lines: vec![l],
        delivery_address: c.header_address.clone(),
        contact: c.contacts[0].clone(),
    };
    assert_eq!(
        reason(create_quote(&c, q(line(Some("  "))), &ctx("2026-03-01"))),
        Reason::ExemptionGroundMissing {
            line: 1,
            sku: "FORM-01".into()
        }
    );
    let ground = "Exonération de TVA, article 261-4-4° du CGI";
    let o = create_quote(&c, q(line(Some(ground))), &ctx("2026-03-01")).unwrap();
    assert_eq!(o.order.lines[0].exemption.as_deref(), Some(ground));
    assert_eq!(o.document.lines[0].exemption.as_deref(), Some(ground));
}

#[test]
fn invoices_and_later_notes_cite_delivery_notes() {
    let (o, c, mut s) = received();
    let t = ctx("2026-03-06");
    let first = issue_delivery_note(
        &o,
        &c,
        &mut s,
        Some(&[1, 0]),
        num(DocKind::DeliveryNote, 1),
        &t,
    )
    .unwrap();
    assert!(first.document.delivery_notes.is_empty());
    let second = issue_delivery_note(
        &first.order,
        &c,
        &mut s,
        Some(&[2, 1]),
        num(DocKind::DeliveryNote, 2),
        &t,
    )
    .unwrap();
    assert_eq!(
        second.document.delivery_notes,
        vec![(num(DocKind::DeliveryNote, 1), d("2026-03-06"))]
    );
    let l = &second.document.lines[0];
    assert_eq!(
        (l.ordered, l.delivered_before, l.quantity, l.remaining),
        (4, 1, 2, 1)
    );
    let inv = issue_invoice(
        &second.order,
        &c,
        num(DocKind::Invoice, 1),
        &EcbRates::flat(215),
        &t,
    )
    .unwrap();
    assert_eq!(inv.document.delivery_notes.len(), 2);
    let third = issue_delivery_note(
        &inv.order,
        &c,
        &mut s,
        None,
        num(DocKind::DeliveryNote, 3),
        &t,
    )
    .unwrap();
    let inv2 = issue_invoice(
        &third.order,
        &c,
        num(DocKind::Invoice, 2),
        &EcbRates::flat(215),
        &t,
    )
    .unwrap();
    assert_eq!(
        inv2.document.delivery_notes,
        vec![(num(DocKind::DeliveryNote, 3), d("2026-03-06"))],
        "the second invoice covers only the note after the first"
    );
}

#[test]
fn chorus_service_code_is_checked_at_receipt_of_the_original() {
    let mut c = customer("7210");
    c.chorus.service_code = None;
    c.chorus.service_code_required = true;
    let mut s = stock();
    let o = quote_on("2026-03-01", &c);
    assert_eq!(
        reason(mark_original_received(
            &o,
            &c,
            &mut s,
            &po("2026-03-04"),
            &ctx("2026-03-05")
        )),
        Reason::MissingServiceCode
    );
    c.chorus.service_code = Some("SERV-12".into());
    assert!(mark_original_received(&o, &c, &mut s, &po("2026-03-04"), &ctx("2026-03-05")).is_ok());
}

#[test]
fn delivery_address_and_contact_chosen_until_delivery() {
    let mut c = customer("7210");
    c.delivery_addresses = vec![
        Address {
            name: "Gymnase".into(),
            street: "1 rue du Stade".into(),
            extra: String::new(),
            postcode: "42100".into(),
            city: "Saint-Étienne".into(),
        },
        Address {
            name: "École Jules Ferry".into(),
            street: "3 rue de l'École".into(),
            extra: String::new(),
            postcode: "42000".into(),
            city: "Saint-Étienne".into(),
        },
    ];
    c.contacts.push(Contact {
        name: "Paul Durand".into(),
        phone: String::new(),
        email: "p@x.fr".into(),
    });
    let o = quote_on("2026-03-01", &c);
    let step = choose_delivery(&o, &c, Some(2), Some(2)).unwrap();
    assert_eq!(step.order.delivery_address.name, "École Jules Ferry");
    assert_eq!(step.order.contact.name, "Paul Durand");
    assert_eq!(step.events.len(), 1);
    assert!(
        step.events[0].after.contains("Jules Ferry"),
        "{:?}",
        step.events[0]
    );
    assert!(
        step.events[0].before.contains("Mairie"),
        "{:?}",
        step.events[0]
    );
    // Only the contact: the address stays.
    let only = choose_delivery(&step.order, &c, None, Some(1))
        .unwrap()
        .order;
    assert_eq!(only.delivery_address.name, "École Jules Ferry");
    assert_eq!(only.contact.name, "Jeanne Martin");
    assert_eq!(
        reason(choose_delivery(&o, &c, Some(3), None)),
        Reason::NoSuchChoice {
            what: "d'adresse de livraison",
            index: 3,
            count: 2
        }
    );
    assert!(matches!(
        reason(choose_delivery(&o, &c, None, Some(0))),
        Reason::NoSuchChoice { .. }
    ));
    assert_eq!(
        reason(choose_delivery(&o, &c, None, None)),
        Reason::NothingChosen
    );
    // Once something left the warehouse, the address is history.
    let (delivered, c2, _) = delivered();
    assert_eq!(
        reason(choose_delivery(&delivered, &c2, Some(1), None)),
        Reason::AlreadyDelivered
    );
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

/// CGI art. 272-1 and 283-3: at a rate, credit notes give back at most what the invoice
/// charged at that rate — 150,00 € at 20 % is refused on an invoice that charged 100,00 €
/// there, even though its total (1 175,00 €) is larger.
#[test]
fn a_credit_by_amount_is_bounded_by_what_its_rate_charged() {
    let (o, c, issued) = invoiced_at_two_rates();
    assert_eq!(o.invoices[0].amount_incl_vat, Cents(12_000 + 105_500));
    let by_amount = |o: &Order, issued: &IssuedTotals, net: i64, rate: u16, seq| {
        issue_credit_note(
            o,
            &c,
            None,
            &CreditScope::Amount {
                net: Cents(net),
                vat: Some(VatRate(rate)),
            },
            issued,
            "geste commercial",
            num(DocKind::CreditNote, seq),
            &ctx("2026-03-10"),
        )
    };
    let refused = reason(by_amount(&o, &issued, 15_000, 2000, 1));
    assert_eq!(
        refused,
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(10_000),
            tax: Cents(2_000),
        }
    );
    assert!(
        refused
            .to_string()
            .contains("il reste à ce taux 100,00 € HT et 20,00 € de TVA"),
        "{refused}"
    );
    // 60,00 € at 20 % is accepted; then only 40,00 € is left at that rate.
    let first = by_amount(&o, &issued, 6_000, 2000, 1).unwrap();
    let mut issued = issued;
    issued.insert(first.document.number, first.document.totals.clone());
    assert_eq!(
        reason(by_amount(&first.order, &issued, 4_001, 2000, 2)),
        Reason::CreditExceedsRate {
            invoice: num(DocKind::Invoice, 1),
            rate: "20 %".into(),
            base: Cents(4_000),
            tax: Cents(800),
        }
    );
    // The lines at 20 % can no longer be credited whole by quantities either.
    assert!(matches!(
        reason(issue_credit_note(
            &first.order,
            &c,
            None,
            &CreditScope::Quantities(vec![4, 0]),
            &issued,
            "retour",
            num(DocKind::CreditNote, 2),
            &ctx("2026-03-10"),
        )),
        Reason::CreditExceedsRate { .. }
    ));
    // Without its record, a credit by amount on an invoice of two rates cannot be read
    // back rate by rate: refused rather than guessed.
    assert_eq!(
        reason(by_amount(
            &first.order,
            &IssuedTotals::from([(
                num(DocKind::Invoice, 1),
                issued[&num(DocKind::Invoice, 1)].clone()
            )]),
            100,
            550,
            2
        )),
        Reason::CreditBreakdownUnknown(num(DocKind::Invoice, 1))
    );
}

proptest::proptest! {
    /// Whatever credit notes staff try, in any order, the accepted ones never give back
    /// more base or VAT at a rate than the invoice charged there, and the invoice's net
    /// never goes below zero.
    #[test]
    fn credit_notes_never_exceed_the_invoice_per_rate(
        tries in proptest::collection::vec((0u8..3, 0u32..5, 0u32..3, 1i64..120_000, proptest::bool::ANY), 1..12)
    ) {
        let (mut o, c, mut issued) = invoiced_at_two_rates();
        let charged = issued[&num(DocKind::Invoice, 1)].clone();
        let mut seq = 1;
        for (kind, q0, q1, net, at_20) in tries {
            let scope = match kind {
                0 => CreditScope::Full,
                1 => CreditScope::Quantities(vec![q0, q1]),
                _ => CreditScope::Amount {
                    net: Cents(net),
                    vat: Some(VatRate(if at_20 { 2000 } else { 550 })),
                },
            };
            if let Ok(done) = issue_credit_note(
                &o,
                &c,
                None,
                &scope,
                &issued,
                "essai",
                num(DocKind::CreditNote, seq),
                &ctx("2026-03-10"),
            ) {
                issued.insert(done.document.number, done.document.totals.clone());
                o = done.order;
                seq += 1;
            }
        }
        proptest::prop_assert!(o.invoices[0].net() >= Cents::ZERO);
        for v in &charged.vat {
            let (mut base, mut tax) = (Cents::ZERO, Cents::ZERO);
            for (n, t) in &issued {
                if n.kind == DocKind::CreditNote {
                    for x in t.vat.iter().filter(|x| x.rate == v.rate) {
                        base += x.base;
                        tax += x.tax;
                    }
                }
            }
            proptest::prop_assert!(base <= v.base && tax <= v.tax, "{:?}: {base:?} {tax:?}", v.rate);
        }
    }
}

/// An invoice of December whose delay ends in January: the rate printed is the one of the
/// half-year in which lateness would start (the ECB's of 1 January), not the invoice's.
#[test]
fn the_late_rate_is_the_one_of_the_half_year_lateness_starts_in() {
    let (o, c, _) = delivered();
    let rates = EcbRates::new(vec![(d("2025-06-11"), 215), (d("2027-01-01"), 300)]).unwrap();
    let doc = issue_invoice(&o, &c, num(DocKind::Invoice, 1), &rates, &ctx("2026-12-07"))
        .unwrap()
        .document;
    assert!(
        doc.due_date.unwrap() >= d("2027-01-01"),
        "{:?}",
        doc.due_date
    );
    assert_eq!(doc.late_rate_bp, Some(1100));
    let early = issue_invoice(&o, &c, num(DocKind::Invoice, 1), &rates, &ctx("2026-03-07"))
        .unwrap()
        .document;
    assert_eq!(early.late_rate_bp, Some(1015));
}

/// The statement of account: every movement with its running balance, an opening
/// balance for what came before the period, the closing balance equal to what the
/// orders say is owed; the aged balance puts each unpaid invoice in its column.
#[test]
fn statement_and_aged_balance() {
    use crate::domain::statement::{EntryKind, age_bucket, aged_balance, statement};
    let (o, c, _) = invoiced();
    let total = o.outstanding();
    let paid = record_payment(
        &o,
        d("2026-03-10"),
        Cents(1_000),
        "M-1",
        false,
        &ctx("2026-03-10"),
    )
    .unwrap()
    .order;
    let credited = issue_credit_note(
        &paid,
        &c,
        None,
        &CreditScope::Quantities(vec![1, 0]),
        &IssuedTotals::new(),
        "casse",
        num(DocKind::CreditNote, 1),
        &ctx("2026-03-12"),
    )
    .unwrap()
    .order;
    let st = statement(std::slice::from_ref(&credited), None, d("2026-12-31"));
    let kinds: Vec<EntryKind> = st.lines.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::Invoice,
            EntryKind::Payment,
            EntryKind::CreditNote
        ]
    );
    assert_eq!(st.lines[0].debit, total);
    assert_eq!(st.lines[0].balance, total);
    assert_eq!(st.lines[1].balance, total - Cents(1_000));
    assert_eq!(st.closing, credited.outstanding());
    assert_eq!(st.opening, Cents::ZERO);
    // Everything left is overdue at the end of the year.
    assert_eq!(st.overdue, credited.outstanding());
    // From 11 March: the invoice and the payment are the opening balance.
    let later = statement(
        std::slice::from_ref(&credited),
        Some(d("2026-03-11")),
        d("2026-12-31"),
    );
    assert_eq!(later.opening, total - Cents(1_000));
    assert_eq!(later.lines.len(), 1);
    assert_eq!(later.closing, st.closing);
    // As of 9 March, only the invoice existed; nothing was overdue yet.
    let early = statement(std::slice::from_ref(&credited), None, d("2026-03-09"));
    assert_eq!(early.lines.len(), 1);
    assert_eq!(early.closing, total);
    assert_eq!(early.overdue, Cents::ZERO);

    let due = credited.invoices[0].due_date().unwrap();
    assert_eq!(age_bucket(Some(due), due), 0);
    assert_eq!(age_bucket(Some(due), due.add_days(1)), 1);
    assert_eq!(age_bucket(Some(due), due.add_days(30)), 1);
    assert_eq!(age_bucket(Some(due), due.add_days(31)), 2);
    assert_eq!(age_bucket(Some(due), due.add_days(61)), 3);
    assert_eq!(age_bucket(Some(due), due.add_days(91)), 4);
    assert_eq!(age_bucket(None, due.add_days(400)), 0);
    let card = crate::domain::OrderCard::from_order(&credited);
    let rows = aged_balance([&card], due.add_days(45));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].buckets[2], credited.outstanding());
    assert_eq!(rows[0].balance(), credited.outstanding());
    // A body owed a « trop-perçu » appears with its credit.
    let over = record_payment(
        &credited,
        d("2026-03-20"),
        credited.outstanding() + Cents(700),
        "M-2",
        true,
        &ctx("2026-03-20"),
    )
    .unwrap()
    .order;
    let rows = aged_balance(
        [&crate::domain::OrderCard::from_order(&over)],
        due.add_days(45),
    );
    assert_eq!(rows[0].credit, Cents(700));
    assert_eq!(rows[0].balance(), Cents(-700));
    assert_eq!(rows[0].invoices, 0);
}

proptest::proptest! {
    /// Whatever mix of credit notes, payments (a surplus accepted or not) and refunds is
    /// accepted, in any order: what each invoice still asks for (the amount its pack puts
    /// on the RIB page) is between zero and its net, those amounts less the trop-perçu
    /// are what the order says is owed, refunds never exceed the surplus, and the
    /// statement's closing balance is the same figure.
    #[test]
    fn what_is_asked_for_is_what_is_owed(
        steps in proptest::collection::vec((0u8..4, 1i64..150_000, proptest::bool::ANY), 1..16)
    ) {
        let (mut o, c, mut issued) = invoiced_at_two_rates();
        let mut seq = 1;
        let mut day = d("2026-03-08");
        for (kind, amount, flag) in steps {
            day = day.add_days(1);
            let t = ctx(&day.to_string());
            let next = match kind {
                0 => issue_credit_note(
                    &o,
                    &c,
                    None,
                    &CreditScope::Amount {
                        net: Cents(amount / 4),
                        vat: Some(VatRate(if flag { 2000 } else { 550 })),
                    },
                    &issued,
                    "geste",
                    num(DocKind::CreditNote, seq),
                    &t,
                )
                .map(|done| {
                    issued.insert(done.document.number, done.document.totals.clone());
                    seq += 1;
                    done.order
                }),
                1 | 2 => record_payment(&o, day, Cents(amount), "M", flag, &t).map(|s| s.order),
                _ => record_refund(&o, day, Cents(amount), "VIR", &t).map(|s| s.order),
            };
            if let Ok(n) = next {
                o = n;
            }
        }
        let settlements = o.settlements();
        let mut asked = Cents::ZERO;
        for s in &settlements {
            proptest::prop_assert!(s.unpaid >= Cents::ZERO && s.unpaid <= s.invoice.net());
            asked += s.unpaid;
        }
        proptest::prop_assert_eq!(asked - o.credit_balance(), o.outstanding());
        proptest::prop_assert!(asked == Cents::ZERO || o.credit_balance() == Cents::ZERO);
        proptest::prop_assert!(o.refunded_amount() <= o.paid_amount());
        proptest::prop_assert!(o.credit_balance() >= Cents::ZERO);
        let st = crate::domain::statement::statement(std::slice::from_ref(&o), None, day);
        proptest::prop_assert_eq!(st.closing, o.outstanding());
    }
}

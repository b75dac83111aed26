//! The original, deliveries, invoices and what they cite.

use super::*;

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

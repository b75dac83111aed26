//! Quotes, pre-orders, refusals, cancellations, renewals, eligibility.

use super::*;

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

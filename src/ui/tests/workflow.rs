//! An order's life driven by keys: forms, confirmations, refusals.

use super::*;

#[test]
fn the_workflow_driven_by_keys() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    // Pre-order of the first quote: p, confirm. Its body is approved first (the demo's
    // first quote may come from a body still under review).
    let quote = first_in(&w, Stage::Quote);
    let customer = w.app.order_view(&quote).unwrap().customer;
    if customer.eligibility.status != crate::domain::EligibilityStatus::Approved {
        w.app
            .decide_eligibility(
                &Actor::person("paul", Role::Admin, "SHA256:test"),
                customer.id,
                crate::domain::EligibilityStatus::Approved,
                "collectivité vérifiée",
            )
            .unwrap();
    }
    press(&w, &mut c, &[Key::Char('p')]);
    assert!(text(&draw(&mut c, 100, 30)).contains("Enregistrer la pré-commande ?"));
    press(&w, &mut c, &[Key::Char('o')]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(msg.contains("pré-commande enregistrée"), "{msg}");
    assert_eq!(
        w.app.order_view(&quote).unwrap().order.stage,
        Stage::PreOrder
    );

    // Open it from the palette, then receive the original through the form.
    press(&w, &mut c, &[Key::Char(':')]);
    type_text(&w, &mut c, &quote);
    press(&w, &mut c, &[Key::Enter]);
    assert!(text(&draw(&mut c, 100, 30)).contains(&format!("Commande {quote}")));
    press(&w, &mut c, &[Key::Char('r')]);
    type_text(&w, &mut c, "ENG-2026-777");
    press(&w, &mut c, &[Key::Tab]);
    type_text(&w, &mut c, "20/11/2026");
    press(
        &w,
        &mut c,
        &[
            Key::Tab,
            Key::Char(' '),
            Key::Tab,
            Key::Char(' '),
            Key::Tab,
            Key::Char(' '),
        ],
    );
    // Two boxes left unticked: the form says which.
    press(&w, &mut c, &[Key::Tab, Key::Tab, Key::Tab, Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("champ obligatoire") && screen.contains("Revêtu du cachet officiel"),
        "{screen}"
    );
    press(
        &w,
        &mut c,
        &[
            Key::BackTab,
            Key::BackTab,
            Key::Char(' '),
            Key::Tab,
            Key::Char(' '),
            Key::Tab,
            Key::Enter,
        ],
    );
    assert!(text(&draw(&mut c, 100, 30)).contains("confirmer ?"));
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert_eq!(
        w.app.order_view(&quote).unwrap().order.stage,
        Stage::PoReceived
    );

    // Deliver (default quantities), invoice, pay.
    press(
        &w,
        &mut c,
        &[Key::Char('b'), Key::Enter, Key::Tab, Key::Enter],
    );
    assert!(
        status(&c)
            .unwrap()
            .1
            .starts_with("Bon de livraison BL-2026-"),
        "{:?}",
        status(&c)
    );
    // Issuing the invoice needs its button: letters and Enter on « Annuler » issue nothing.
    let before = w.app.read(|rx| rx.last_audit_seq()).unwrap();
    press(&w, &mut c, &[Key::Char('f')]);
    let dialog = text(&draw(&mut c, 100, 30));
    assert!(
        dialog.contains("[ Émettre la facture ]") && dialog.contains("Sera émis : une facture"),
        "{dialog}"
    );
    press(
        &w,
        &mut c,
        &[Key::Char('o'), Key::Char('y'), Key::Char('O'), Key::Enter],
    );
    assert_eq!(w.app.read(|rx| rx.last_audit_seq()).unwrap(), before);
    assert_eq!(status(&c).unwrap().0, Level::Info);
    press(&w, &mut c, &[Key::Char('f'), Key::Tab, Key::Enter]);
    let (_, msg) = status(&c).unwrap();
    assert!(msg.starts_with("Facture FA-2026-"), "{msg}");
    assert!(text(&draw(&mut c, 100, 30)).contains("Facturé"));
    press(&w, &mut c, &[Key::Char('a')]);
    press(&w, &mut c, &[Key::Tab, Key::Tab]);
    type_text(&w, &mut c, "MANDAT-2026-1");
    press(&w, &mut c, &[Key::Enter, Key::Char('o')]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert_eq!(w.app.order_view(&quote).unwrap().order.stage, Stage::Paid);

    // A refused action shows the app's message and changes nothing.
    press(&w, &mut c, &[Key::Esc]);
    let other = first_in(&w, Stage::Expired);
    let before = w.app.read(|rx| rx.last_audit_seq()).unwrap();
    let cmds = c.run(Some(Action::Do(actions::Op::order(
        actions::OpKind::Deliver,
        other.clone(),
    ))));
    run(&w, &mut c, cmds);
    press(&w, &mut c, &[Key::Enter, Key::Tab, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Error);
    assert_eq!(
        msg,
        "impossible d'émettre le bon de livraison : le bon de commande original n'a pas été reçu"
    );
    // Only the refusal is recorded.
    assert_eq!(w.app.read(|rx| rx.last_audit_seq()).unwrap(), before + 1);
    assert!(text(&draw(&mut c, 100, 30)).contains("✗ impossible d'émettre le bon de livraison"));
}

#[test]
fn cancel_credit_note_and_renewal_by_keys() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let quote = first_in(&w, Stage::Quote);
    press(&w, &mut c, &[Key::Char('x')]);
    press(&w, &mut c, &[Key::Enter]);
    assert!(text(&draw(&mut c, 100, 30)).contains("champ obligatoire : Motif"));
    type_text(&w, &mut c, "doublon");
    press(&w, &mut c, &[Key::Enter, Key::Char('o')]);
    assert_eq!(
        w.app.order_view(&quote).unwrap().order.stage,
        Stage::Cancelled
    );

    let invoiced = first_in(&w, Stage::Invoiced);
    c.run(Some(Action::OpenOrder(invoiced.clone())));
    press(&w, &mut c, &[Key::Char('v')]);
    // The invoice is prefilled (the only live one); the reason comes next.
    press(&w, &mut c, &[Key::Tab]);
    type_text(&w, &mut c, "erreur de prix");
    press(&w, &mut c, &[Key::Enter, Key::Tab, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    // An invoice with payments already recorded cannot be fully credited: either way the
    // console says what happened.
    if level == Level::Ok {
        assert!(msg.starts_with("Avoir AV-2026-"), "{msg}");
    } else {
        assert!(msg.starts_with("impossible d'émettre l'avoir"), "{msg}");
    }

    let expired = first_in(&w, Stage::Expired);
    c.run(Some(Action::OpenOrder(expired.clone())));
    press(&w, &mut c, &[Key::Char('n'), Key::Tab, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(msg.starts_with("Devis renouvelé"), "{msg}");
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains(&format!("renouvelle {expired}")),
        "the new version is opened:\n{screen}"
    );
}

/// The payment tools by keys: `e` records the body's receipt of the invoice (the due date
/// moves), `w` is for admins only, and a partial credit note by amount from the `v` form.
#[test]
fn receipt_interest_and_partial_credit_by_keys() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let invoiced = w
        .app
        .orders_in_stage(Stage::Invoiced, 100)
        .into_iter()
        .map(|card| card.number.to_string())
        .find(|n| {
            let o = w.app.order_view(n).unwrap().order;
            o.payments.is_empty()
                && o.live_invoices().count() == 1
                && o.live_invoices().all(|i| i.received_on.is_none())
        })
        .expect("an unpaid invoice without a recorded receipt");
    c.run(Some(Action::OpenOrder(invoiced.clone())));
    press(&w, &mut c, &[Key::Char('e')]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("Réception de la facture par l'organisme"),
        "{screen}"
    );
    // The invoice is prefilled; the date defaults to today (27/11/2026).
    press(&w, &mut c, &[Key::Enter]);
    assert!(text(&draw(&mut c, 100, 30)).contains("confirmer ?"));
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let inv = w.app.order_view(&invoiced).unwrap().order.invoices[0].clone();
    let today = Date::parse_iso("2026-11-27").unwrap();
    assert_eq!(inv.received_on, Some(today));
    assert_eq!(inv.due_date(), Some(today.add_days(inv.delay_days as i32)));

    // A reduction of 10 € excl. VAT: Tab to the reason, type it, Tab to the amount.
    press(&w, &mut c, &[Key::Char('v'), Key::Tab]);
    type_text(&w, &mut c, "geste commercial");
    let lines = w.app.order_view(&invoiced).unwrap().order.lines.len();
    for _ in 0..=lines {
        press(&w, &mut c, &[Key::Tab]);
    }
    type_text(&w, &mut c, "10");
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(screen.contains("Réduire"), "{screen}");
    press(&w, &mut c, &[Key::Tab, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let o = w.app.order_view(&invoiced).unwrap().order;
    assert_eq!(o.invoices[0].credits.len(), 1);
    assert_eq!(o.invoices[0].credits[0].amount_incl_vat.0, 1200);

    // Waiving interest is for admins: staff get the app's refusal.
    let r = w.app.waive_penalties(
        &Actor::person("marie", Role::Staff, "SHA256:test"),
        &invoiced,
        None,
        "x",
    );
    assert!(r.unwrap_err().to_string().contains("administrateur"));
}

/// An action key that does not apply says why instead of doing nothing; Enter on a
/// checkbox sends the form (Space ticks it).
#[test]
fn keys_that_do_not_apply_say_why_and_enter_sends_forms() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let quote = first_in(&w, Stage::Quote);
    c.run(Some(Action::OpenOrder(quote.clone())));
    press(&w, &mut c, &[Key::Char('b')]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Info);
    assert!(
        msg.starts_with("b livrer (BL) : la commande est au stade « Devis » ; possible une fois le bon de commande original reçu"),
        "{msg}"
    );
    assert!(text(&draw(&mut c, 100, 30)).contains("la commande est au stade « Devis »"));
    // The original-PO form: Space ticks, Enter on a box sends (and says what is missing).
    press(&w, &mut c, &[Key::Char('r')]);
    type_text(&w, &mut c, "ENG-1");
    press(&w, &mut c, &[Key::Tab, Key::Tab]);
    press(&w, &mut c, &[Key::Char(' ')]);
    assert!(
        text(&draw(&mut c, 100, 30)).contains("[x]"),
        "Space ticks the box"
    );
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("champ obligatoire") && screen.contains("Date du bon de commande"),
        "Enter on a checkbox sent the form:\n{screen}"
    );
}

/// `o` on an order not yet delivered picks the delivery address and contact among the
/// customer's; after the first delivery the key says why it no longer applies.
#[test]
fn the_delivery_address_and_contact_are_chosen_by_keys() {
    let w = world();
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/quote.json")).unwrap();
    v["reference"] = "WEB-SITES".into();
    let addr = |i: u32| serde_json::json!({"name": format!("Site {i}"), "street": format!("{i} rue du Port"), "postcode": "69005", "city": "Lyon"});
    v["customer"]["delivery_addresses"] = (1..=3).map(addr).collect();
    v["customer"]["contacts"] = serde_json::json!([
        {"name": "Claire Dubois", "phone": "04 78 00 12 34", "email": "c@l.example"},
        {"name": "Hugo Martin", "phone": "04 78 00 12 35", "email": "h@l.example"}
    ]);
    let req = crate::app::import::parse_quote_request(&v.to_string()).unwrap();
    let order = w
        .app
        .import_quote(&Actor::import(), &req)
        .unwrap()
        .number
        .to_string();
    let mut c = console(&w, Role::Staff);
    c.run(Some(Action::OpenOrder(order.clone())));
    press(&w, &mut c, &[Key::Char('o')]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("Adresse 3 : Site 3") && screen.contains("Contact 2 : Hugo Martin"),
        "{screen}"
    );
    // Replace the prefilled numbers: address 3, contact 2.
    press(&w, &mut c, &[Key::Backspace, Key::Backspace]);
    type_text(&w, &mut c, "3");
    press(&w, &mut c, &[Key::Tab, Key::Backspace, Key::Backspace]);
    type_text(&w, &mut c, "2");
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(screen.contains("adresse n° 3 et contact n° 2"), "{screen}");
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let o = w.app.order_view(&order).unwrap().order;
    assert_eq!(o.delivery_address.name, "Site 3");
    assert_eq!(o.contact.name, "Hugo Martin");
    // A number that is not in the list is refused with the count, and nothing changes.
    press(&w, &mut c, &[Key::Char('o'), Key::Backspace]);
    type_text(&w, &mut c, "7");
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Error, "{msg}");
    assert!(msg.contains("3"), "{msg}");
    // The form stays open with what was typed; Échap abandons it.
    assert!(matches!(c.modal, Some(Modal::Form(..))));
    press(&w, &mut c, &[Key::Esc]);
    assert_eq!(
        w.app
            .order_view(&order)
            .unwrap()
            .order
            .delivery_address
            .name,
        "Site 3"
    );
    // Once delivered, the key says why.
    let delivered = first_in(&w, Stage::Delivered);
    c.run(Some(Action::OpenOrder(delivered)));
    press(&w, &mut c, &[Key::Char('o')]);
    let (_, msg) = status(&c).unwrap();
    assert!(msg.contains("avant la première livraison"), "{msg}");
}

/// Confirming returns at once with the work to do (« en cours »); another action waits
/// for its end; the result line comes with `Msg::Done`.
#[test]
fn a_confirmed_action_runs_off_the_input_path() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let quote = first_in(&w, Stage::Quote);
    c.run(Some(Action::OpenOrder(quote.clone())));
    press(&w, &mut c, &[Key::Char('p')]);
    let cmds = c.update(Msg::Input(Input::Key(Key::Enter)));
    let [Cmd::Execute(job)] = &cmds[..] else {
        panic!("confirming must hand the work over: {cmds:?}");
    };
    assert!(status(&c).unwrap().1.contains("en cours"));
    assert_eq!(
        w.app.order_view(&quote).unwrap().stage,
        Stage::Quote,
        "nothing is written on the input path"
    );
    // Another action while it runs is told to wait.
    let more = c.update(Msg::Input(Input::Key(Key::Char('x'))));
    assert!(more.is_empty());
    assert!(status(&c).unwrap().1.contains("attendez sa fin"));
    let me = c.me.clone();
    let done = job.clone().run(&w.app, &me);
    c.update(done);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert_eq!(w.app.order_view(&quote).unwrap().stage, Stage::PreOrder);
}

/// A refusal keeps the form and what was typed: the message whole (wrapped, never cut),
/// the field it names marked; « non » at the confirmation goes back to the form too.
#[test]
fn a_refused_form_keeps_what_was_typed() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('s'), Key::Down, Key::Char('a')]);
    type_text(&w, &mut c, "-100000");
    press(&w, &mut c, &[Key::Tab]);
    type_text(&w, &mut c, " — inventaire du jour, écart constaté");
    // Submit, then « non » at the confirmation: the form again, as typed.
    press(&w, &mut c, &[Key::Enter, Key::Esc]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no form after « non »: {}", text(&draw(&mut c, 100, 30)));
    };
    assert_eq!(form.fields[0].value, "-100000");
    // Confirmed: refused by the app; the form comes back with the message and the value.
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("the form closed on a refusal: {:?}", status(&c));
    };
    assert_eq!(form.fields[0].value, "-100000");
    assert!(form.fields[1].value.ends_with("écart constaté"));
    let err = form.error.clone().unwrap();
    assert!(err.contains("refusé") || err.contains("tomberait"), "{err}");
    let screen = text(&draw(&mut c, 80, 24));
    // The whole message is on screen, wrapped over lines.
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    let last_words: String = err
        .split_whitespace()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(&last_words),
        "« {last_words} » cut:\n{screen}"
    );
    assert!(screen.contains("-100000"), "{screen}");
}

/// Delivering more than the stock holds is said before the delivery is confirmed, with
/// the line and what it can ship; the form stays with the quantities typed.
#[test]
fn a_delivery_beyond_stock_is_said_before_confirming() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    // An order with its original received: the PO received column.
    let n = w
        .app
        .index()
        .orders_in(Stage::PoReceived, w.app.today(), 1)
        .first()
        .and_then(|id| w.app.index().card(*id))
        .map(|card| card.number.to_string())
        .expect("a received order in the demo world");
    press(&w, &mut c, &[Key::Char(':')]);
    type_text(&w, &mut c, &n);
    press(&w, &mut c, &[Key::Enter]);
    press(&w, &mut c, &[Key::Char('b')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no delivery form: {}", text(&draw(&mut c, 100, 30)));
    };
    let fields = form.fields.len();
    press(&w, &mut c, &[Key::Ctrl('u')]);
    type_text(&w, &mut c, "9999");
    press(&w, &mut c, &[Key::Enter]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("the shortage was not said in the form: {:?}", status(&c));
    };
    assert_eq!(form.fields.len(), fields);
    assert_eq!(form.fields[0].value, "9999");
    let err = form.error.clone().unwrap();
    assert!(
        err.contains("stock insuffisant") && err.contains("9999 à expédier"),
        "{err}"
    );
    assert_eq!(form.marked, Some(0), "{err}");
}

/// A quote made in the console is not limited to the rows shown at first: once the last
/// line is used, another appears.
#[test]
fn a_quote_in_the_console_takes_more_than_eight_lines() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let skus: Vec<String> = w
        .app
        .products()
        .unwrap()
        .into_iter()
        .map(|p| p.sku)
        .collect();
    assert!(
        skus.len() >= 10,
        "the demo catalogue has {} products",
        skus.len()
    );
    let id = w.app.orders_in_stage(Stage::Quote, 1)[0].customer;
    c.run(Some(Action::OpenCustomer(id)));
    press(&w, &mut c, &[Key::Char('n')]);
    for sku in skus.iter().take(10) {
        type_text(&w, &mut c, sku);
        press(&w, &mut c, &[Key::Tab]);
        type_text(&w, &mut c, "1");
        press(&w, &mut c, &[Key::Tab]);
    }
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no quote form: {}", text(&draw(&mut c, 100, 30)));
    };
    let filled = form
        .fields_named(FieldId::LineSku)
        .filter(|f| !f.value.is_empty())
        .count();
    assert_eq!(filled, 10);
    press(&w, &mut c, &[Key::Enter]);
    let Some(Modal::Confirm(confirm, _)) = &c.modal else {
        panic!("no confirmation: {:?}", status(&c));
    };
    let all = confirm.lines.join("\n");
    assert!(all.contains(&skus[9]), "the tenth line: {all}");
}

/// `y` on a quote: its lines in a form, changed, issued as a new version that replaces it.
#[test]
fn a_quote_is_revised_from_the_console() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let old = w.app.orders_in_stage(Stage::Quote, 1)[0].number.to_string();
    c.run(Some(Action::OpenOrder(old.clone())));
    press(&w, &mut c, &[Key::Char('y')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no revision form: {}", text(&draw(&mut c, 100, 30)));
    };
    let lines = w.app.order_view(&old).unwrap().order.lines;
    assert_eq!(form.fields[0].value, lines[0].sku);
    // Line 1's quantity: 7.
    press(&w, &mut c, &[Key::Tab, Key::Ctrl('u')]);
    type_text(&w, &mut c, "7");
    press(&w, &mut c, &[Key::Enter, Key::Tab, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(msg.contains(&format!("il remplace {old}")), "{msg}");
    let v = w.app.order_view(&old).unwrap().order;
    let new = v.quote.renewed_by.expect("replaced").to_string();
    let revised = w.app.order_view(&new).unwrap().order;
    assert_eq!(revised.lines[0].ordered, 7);
    assert_eq!(revised.lines.len(), lines.len());
}

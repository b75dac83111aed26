//! Customers, quotes and the catalogue made and corrected by keys.

use super::*;

/// `c` on a customer's card corrects its contacts; a colleague's change in between is
/// never overwritten; `d` (addresses) scrolls to the focused field; `m` sets the market
/// reference.
#[test]
fn customer_data_is_corrected_by_keys() {
    let w = world();
    let id = w.app.orders_in_stage(Stage::Quote, 1)[0].customer;
    let before = w.app.customer(id).unwrap();
    let mut c = console(&w, Role::Staff);
    c.run(Some(Action::OpenCustomer(id)));
    press(&w, &mut c, &[Key::Char('c'), Key::Tab, Key::Ctrl('u')]);
    type_text(&w, &mut c, "04 99 88 77 66");
    press(&w, &mut c, &[Key::Enter]);
    assert!(text(&draw(&mut c, 100, 30)).contains("Enregistrer"));
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let after = w.app.customer(id).unwrap();
    assert_eq!(after.contacts[0].phone, "04 99 88 77 66");
    assert_eq!(after.contacts[0].name, before.contacts[0].name);
    assert_eq!(after.contacts.len(), before.contacts.len());

    // A colleague corrects the account while the form is open: saving is refused.
    press(&w, &mut c, &[Key::Char('c'), Key::Tab, Key::Ctrl('u')]);
    type_text(&w, &mut c, "04 11 11 11 11");
    let colleague = Actor::person("paul", Role::Admin, "SHA256:test");
    w.app
        .correct_customer(&colleague, id, |cur| {
            let mut k = cur.coordinates();
            k.contacts[0].email = "nouvelle@mairie.example".into();
            Ok(k)
        })
        .unwrap();
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Error, "{msg}");
    assert!(msg.contains("modifiée entre-temps"), "{msg}");
    assert!(
        matches!(c.modal, Some(Modal::Form(..))),
        "what was typed is kept"
    );
    press(&w, &mut c, &[Key::Esc]);
    let now = w.app.customer(id).unwrap();
    assert_eq!(now.contacts[0].phone, "04 99 88 77 66");
    assert_eq!(now.contacts[0].email, "nouvelle@mairie.example");

    // The addresses form is taller than the screen: the focused field stays in view.
    press(&w, &mut c, &[Key::Char('d')]);
    let fields = 5 * (2 + now.delivery_addresses.len());
    for _ in 0..fields - 1 {
        press(&w, &mut c, &[Key::Tab]);
    }
    let screen = text(&draw(&mut c, 80, 24));
    assert!(
        screen.contains("▶ Nouvelle livraison — ville"),
        "the focused field is out of view:\n{screen}"
    );
    press(&w, &mut c, &[Key::Esc]);

    // The market reference, checked and saved.
    press(&w, &mut c, &[Key::Char('m'), Key::Tab, Key::Tab, Key::Tab]);
    type_text(&w, &mut c, "MAPA-2026-31");
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert_eq!(
        w.app
            .customer(id)
            .unwrap()
            .chorus
            .market_reference
            .as_deref(),
        Some("MAPA-2026-31")
    );
}

/// Ctrl-N on the Clients tab creates a customer by hand and opens its card; `n` there
/// makes a quote from the catalogue, issued with its button, and opens it.
#[test]
fn a_customer_and_a_quote_are_made_by_keys() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::F(2), Key::Ctrl('n')]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(screen.contains("Nouveau client"), "{screen}");
    for (value, last) in [
        ("21690081100003", false),
        ("Commune d'Écully", false),
        ("7210", false),
        ("", false),
        ("1 place de la Libération", false),
        ("", false),
        ("69130", false),
        ("Écully", false),
        ("Anne Lefèvre", false),
        ("04 78 33 64 00", false),
        ("anne.lefevre@ecully.example", true),
    ] {
        type_text(&w, &mut c, value);
        if !last {
            press(&w, &mut c, &[Key::Tab]);
        }
    }
    press(&w, &mut c, &[Key::Enter]);
    assert!(text(&draw(&mut c, 100, 30)).contains("Créer Commune d'Écully"));
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let customer = w.app.customer_by_siret("21690081100003").unwrap();
    assert_eq!(customer.contacts[0].name, "Anne Lefèvre");
    assert!(customer.is_approved(), "a commune is eligible at once");
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("┌ Client ") && screen.contains("SIRET 216 900 811 00003"),
        "the new card is open:\n{screen}"
    );

    // A quote from the catalogue: an unknown reference sends back to the form, with the
    // line; a reference typed in part (lower case) is resolved to the product.
    let products = w.app.products().unwrap();
    let (a, b) = (&products[0], &products[1]);
    press(&w, &mut c, &[Key::Char('n')]);
    type_text(&w, &mut c, &a.sku);
    press(&w, &mut c, &[Key::Tab]);
    type_text(&w, &mut c, "2");
    press(&w, &mut c, &[Key::Tab]);
    type_text(&w, &mut c, "NOPE-0");
    press(&w, &mut c, &[Key::Tab]);
    type_text(&w, &mut c, "1");
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("ligne 2 : « NOPE-0 » n'est pas au catalogue"),
        "{screen}"
    );
    assert!(w.app.customer_view(customer.id).unwrap().orders.is_empty());
    press(&w, &mut c, &[Key::BackTab]);
    for _ in 0.."NOPE-0".len() {
        press(&w, &mut c, &[Key::Backspace]);
    }
    type_text(&w, &mut c, &b.sku.to_lowercase());
    press(&w, &mut c, &[Key::Tab, Key::Backspace]);
    type_text(&w, &mut c, "1");
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(screen.contains("Émettre le devis"), "{screen}");
    assert!(
        screen.contains(&format!("{} {}", b.sku, b.designation)) && screen.contains("Total"),
        "each line as the catalogue prices it:\n{screen}"
    );
    press(&w, &mut c, &[Key::Tab, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let orders = w.app.customer_view(customer.id).unwrap().orders;
    assert_eq!(orders.len(), 1);
    let number = orders[0].number.to_string();
    assert!(msg.contains(&number), "{msg}");
    let o = w.app.order_view(&number).unwrap().order;
    assert_eq!(o.lines.len(), 2);
    assert_eq!(o.lines[0].unit_price, a.unit_price);
    assert_eq!(o.lines[1].designation, b.designation);
    assert!(w.app.document(&number).is_ok(), "the quote's PDF is issued");
    let screen = text(&draw(&mut c, 100, 30));
    assert!(screen.contains(&number), "the new quote is open:\n{screen}");
}

/// The catalogue from the stock screen: staff adjust stock with a reason and are told the
/// product forms are for admins before filling anything; admins reprice and add products.
#[test]
fn the_catalogue_is_managed_from_the_stock_screen() {
    let w = world();
    let mut staff = console(&w, Role::Staff);
    press(&w, &mut staff, &[Key::Char('s')]);
    let first = text(&draw(&mut staff, 100, 30));
    assert!(first.contains("a ajuster le stock"), "{first}");
    press(&w, &mut staff, &[Key::Char('n')]);
    let (level, msg) = status(&staff).unwrap();
    assert_eq!(level, Level::Info);
    assert_eq!(
        msg,
        "Catalogue (produits, prix, TVA) : réservé aux administrateurs (vous êtes staff)"
    );
    // The product keys act on the first row shown: move down one.
    press(&w, &mut staff, &[Key::Down]);
    let before = w.app.products().unwrap();
    let rows = w.app.stock_view().unwrap();
    let mut order: Vec<_> = rows.iter().collect();
    order.sort_by(|a, b| b.short().cmp(&a.short()).then_with(|| a.sku.cmp(&b.sku)));
    let target = order[1].sku.clone();
    let on_hand = before.iter().find(|p| p.sku == target).unwrap().on_hand;
    press(&w, &mut staff, &[Key::Char('a')]);
    type_text(&w, &mut staff, "+5");
    press(&w, &mut staff, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&staff).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let after = w.app.products().unwrap();
    assert_eq!(
        after.iter().find(|p| p.sku == target).unwrap().on_hand,
        on_hand + 5
    );

    let mut admin = console(&w, Role::Admin);
    press(
        &w,
        &mut admin,
        &[Key::Char('s'), Key::Char('e'), Key::Tab, Key::Ctrl('u')],
    );
    type_text(&w, &mut admin, "1234,50");
    press(&w, &mut admin, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&admin).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let edited = &w.app.products().unwrap()[..]
        .iter()
        .find(|p| p.sku == order[0].sku)
        .cloned()
        .unwrap();
    assert_eq!(edited.unit_price.0, 123_450);

    press(&w, &mut admin, &[Key::Char('n')]);
    for (i, v) in ["PUP-01", "Pupitre d'orchestre pliant", "39,90", "20", "12"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            press(&w, &mut admin, &[Key::Tab]);
        }
        if i >= 3 {
            press(&w, &mut admin, &[Key::Ctrl('u')]);
        }
        type_text(&w, &mut admin, v);
    }
    press(&w, &mut admin, &[Key::Enter]);
    assert!(text(&draw(&mut admin, 100, 30)).contains("Créer PUP-01"));
    press(&w, &mut admin, &[Key::Enter]);
    let (level, msg) = status(&admin).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let p = w
        .app
        .products()
        .unwrap()
        .into_iter()
        .find(|p| p.sku == "PUP-01")
        .expect("the new product is in the catalogue");
    assert_eq!((p.unit_price.0, p.on_hand), (3_990, 12));
    assert_eq!(p.designation, "Pupitre d'orchestre pliant");
}

/// The stock screen has a cursor: the list stays put while it moves, and the keys act on
/// the product under it.
#[test]
fn the_stock_screen_acts_on_the_product_under_the_cursor() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('s')]);
    let first = text(&draw(&mut c, 100, 30));
    let rows = w.app.stock_view().unwrap();
    let mut order: Vec<_> = rows.iter().collect();
    order.sort_by(|a, b| b.short().cmp(&a.short()).then_with(|| a.sku.cmp(&b.sku)));
    press(&w, &mut c, &[Key::Down, Key::Down, Key::Down]);
    let after = text(&draw(&mut c, 100, 30));
    assert!(
        after.contains(&order[0].sku),
        "the list scrolled away:\n{after}"
    );
    assert_eq!(first.lines().nth(4), after.lines().nth(4), "the list moved");
    press(&w, &mut c, &[Key::Char('a')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no adjustment form");
    };
    let intro = form.intro.join(" ");
    assert!(intro.contains(&order[3].designation), "{intro}");
}

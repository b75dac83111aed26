//! What each screen shows, and how it follows the data and the person.

use super::*;

#[test]
fn meaning_is_carried_by_style_and_by_words() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let theme = c.theme().clone();
    // The Facturé column holds overdue invoices: their flag is in the overdue colour and
    // also says "retard" with a symbol.
    for _ in 0..4 {
        press(&w, &mut c, &[Key::Char('l')]);
    }
    let buf = draw(&mut c, 100, 30);
    let screen = text(&buf);
    let (x, y) = find(&buf, "⚠ retard").unwrap_or_else(|| panic!("no overdue flag:\n{screen}"));
    assert_eq!(buf[(x, y)].fg, theme.colors.flag_overdue);
    // Expired quotes: ✗ expiré in the expired colour.
    for _ in 0..2 {
        press(&w, &mut c, &[Key::Char('l')]);
    }
    let buf = draw(&mut c, 100, 30);
    let (x, y) =
        find(&buf, "✗ expiré").unwrap_or_else(|| panic!("no expired flag:\n{}", text(&buf)));
    assert_eq!(buf[(x, y)].fg, theme.colors.flag_expired);
    // The high-contrast theme keeps the words.
    press(&w, &mut c, &[Key::Char('t'), Key::Char('t')]);
    assert_eq!(c.theme().name, "high-contrast");
    assert!(text(&draw(&mut c, 100, 30)).contains("✗ expiré"));
}

/// The rows come before the exact count: until it arrives the count says « ≥ »; then the
/// exact count.
#[test]
fn a_search_count_still_being_made_says_at_least() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('2')]);
    type_text(&w, &mut c, "com");
    let settled = w.app.search_customers("com", None, 50);
    assert!(settled.total > 1 && settled.found.settled());
    let mut partial = settled.clone();
    partial.found.uncounted = Some(crate::app::search::Source::Index);
    partial.found.total -= 1;
    partial.total -= 1;
    c.update(Msg::Found(SearchTarget::Customers, partial));
    let screen = text(&draw(&mut c, 100, 30));
    let at_least = format!(" ≥ {} résultat(s)\n", settled.total - 1);
    assert!(screen.contains(&at_least), "{screen}");
    c.update(Msg::Found(SearchTarget::Customers, settled.clone()));
    let screen = text(&draw(&mut c, 100, 30));
    let line = screen
        .lines()
        .find(|l| l.contains("résultat(s)"))
        .unwrap_or_default();
    assert!(
        line.contains(&format!(" {} résultat(s)", settled.total)),
        "{line}"
    );
    assert!(!line.contains('≥') && !line.contains('…'), "{line}");
}

#[test]
fn search_narrows_and_opens_customers() {
    let w = world();
    let mut c = console(&w, Role::Admin);
    press(&w, &mut c, &[Key::Char('2')]);
    type_text(&w, &mut c, "com");
    let broad = c.customers.total();
    type_text(&w, &mut c, "mune");
    let narrow = c.customers.total();
    assert!(narrow <= broad && narrow > 0);
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("Mandat administratif") && screen.contains("Commune"),
        "{screen}"
    );
    // Staff cannot approve; the app's refusal is shown.
    let mut staff = console(&w, Role::Staff);
    let pending = w.app.read(|rx| {
        let mut found = None;
        rx.for_each_customer(|cu| {
            if found.is_none()
                && cu.eligibility.status == crate::domain::EligibilityStatus::PendingReview
            {
                found = Some(cu.id);
            }
            Ok::<_, crate::store::StoreError>(())
        })?;
        Ok::<_, crate::store::StoreError>(found)
    });
    let id = pending
        .unwrap()
        .expect("the seed has a body pending review");
    staff.run(Some(Action::OpenCustomer(id)));
    press(&w, &mut staff, &[Key::Char('a')]);
    // Told before any form is filled (the app would refuse it anyway).
    assert_eq!(
        status(&staff).unwrap(),
        (
            Level::Info,
            crate::app::Permission::Eligibility.refusal(Role::Staff)
        )
    );
    assert!(
        staff.modal.is_none(),
        "no form for an action staff cannot run"
    );
    assert_eq!(
        w.app
            .decide_eligibility(
                &Actor::person("marie", Role::Staff, "SHA256:test"),
                id,
                crate::domain::EligibilityStatus::Approved,
                "x"
            )
            .unwrap_err()
            .to_string(),
        format!(
            "permission refusée (permission denied) : {}",
            crate::app::Permission::Eligibility.refusal(Role::Staff)
        ),
        "the app refuses with the console's reason"
    );
    // An admin can.
    c.run(Some(Action::OpenCustomer(id)));
    press(&w, &mut c, &[Key::Char('a')]);
    type_text(&w, &mut c, "régie avec comptable public");
    press(&w, &mut c, &[Key::Enter, Key::Char('o')]);
    assert_eq!(status(&c).unwrap().0, Level::Ok);
}

#[test]
fn cursor_survives_live_updates_and_quit_confirms_unsaved_input() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('j'), Key::Char('j')]);
    let selected = c.board.selected_card(&w.app).unwrap().number;
    // Another session pre-orders the first quote: the board reloads, the cursor stays on
    // the same card.
    let first = first_in(&w, Stage::Quote);
    let mut changes = w.app.subscribe();
    w.app
        .record_pre_order(
            &crate::app::Actor::person("julien", Role::Staff, "SHA256:j"),
            &first,
        )
        .unwrap();
    c.update(Msg::Changed(changes.try_recv().unwrap()));
    draw(&mut c, 100, 30);
    assert_eq!(c.board.selected_card(&w.app).unwrap().number, selected);
    // Time passes: the quotes expire and their flags say so.
    let mut later = console(&w, Role::Staff);
    w.clock.advance(40 * 86_400);
    later.update(Msg::Tick);
    assert!(
        !text(&draw(&mut later, 100, 30)).contains("⏳"),
        "no quote is still 'expiring' 40 days later"
    );
    w.clock.advance(-40 * 86_400);
    // Quitting with input in a form asks first.
    press(&w, &mut c, &[Key::Char('r')]);
    type_text(&w, &mut c, "ENG");
    press(&w, &mut c, &[Key::Ctrl('c')]);
    assert!(!c.quitting());
    assert!(text(&draw(&mut c, 100, 30)).contains("Quitter ?"));
    press(&w, &mut c, &[Key::Char('o')]);
    assert!(c.quitting());
}

#[test]
fn theme_choice_is_remembered() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    assert_eq!(c.theme().name, "default");
    press(&w, &mut c, &[Key::Char('t')]);
    assert_eq!(c.theme().name, "light");
    let again = console(&w, Role::Staff);
    assert_eq!(
        again.theme().name,
        "light",
        "the next session of marie starts with her theme"
    );
    let other = console(&w, Role::Admin);
    assert_eq!(other.theme().name, "default", "paul keeps his own");
}

/// `?` lists the keys of the screen you are on: inside an order, the order's keys.
#[test]
fn help_is_about_the_screen_you_are_on() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let quote = first_in(&w, Stage::Quote);
    c.run(Some(Action::OpenOrder(quote)));
    press(&w, &mut c, &[Key::Char('?')]);
    let screen = text(&draw(&mut c, 100, 40));
    assert!(
        screen.contains("Commande") && screen.contains("voir les documents émis"),
        "{screen}"
    );
    assert!(
        !screen.contains("recherche floue"),
        "the Clients keys inside an order:\n{screen}"
    );
}

/// A status message gives way to the key hints once you move on.
#[test]
fn a_status_line_clears_when_you_move_on() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let quote = first_in(&w, Stage::Quote);
    c.run(Some(Action::OpenOrder(quote)));
    press(&w, &mut c, &[Key::Char('b')]);
    assert!(status(&c).is_some());
    std::thread::sleep(std::time::Duration::from_millis(400));
    press(&w, &mut c, &[Key::Down]);
    assert!(
        status(&c).is_none(),
        "the message stayed over the key hints"
    );
}

/// In the Clients search box digits are typed; Alt+digit switches tab, and the hint says so.
#[test]
fn alt_digit_switches_tab_from_the_search_box() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('2')]);
    let screen = text(&draw(&mut c, 160, 30));
    assert!(screen.contains("Alt+1…4"), "{screen}");
    type_text(&w, &mut c, "21");
    assert_eq!(c.tab, Tab::Customers, "digits are typed in the search");
    press(&w, &mut c, &[Key::Alt('1')]);
    assert_eq!(c.tab, Tab::Board);
}

/// A body with several delivery addresses still shows its contacts; what does not fit
/// scrolls.
#[test]
fn contacts_are_never_cut_off() {
    let w = world();
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/quote.json")).unwrap();
    v["reference"] = "WEB-MANY".into();
    let addr = |i: u32| serde_json::json!({"name": format!("Site {i}"), "street": format!("{i} rue du Port"), "postcode": "69005", "city": "Lyon"});
    v["customer"]["delivery_addresses"] = (1..=4).map(addr).collect();
    v["customer"]["contacts"] = serde_json::json!([
        {"name": "Claire Dubois", "phone": "04 78 00 12 34", "email": "c@l.example"},
        {"name": "Hugo Martin", "phone": "04 78 00 12 35", "email": "h@l.example"}
    ]);
    let req = crate::app::import::parse_quote_request(&v.to_string()).unwrap();
    w.app.import_quote(&Actor::import(), &req).unwrap();
    let id = w.app.customer_by_siret("19690123500016").unwrap().id;
    let mut c = console(&w, Role::Staff);
    c.run(Some(Action::OpenCustomer(id)));
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains("Hugo Martin") && screen.contains("Claire Dubois"),
        "{screen}"
    );
    assert!(screen.contains("Site 4"), "{screen}");
    // At 80×24 it scrolls instead of cutting.
    let small = text(&draw(&mut c, 80, 24));
    if !small.contains("Hugo Martin") {
        assert!(small.contains("(PgSuiv)"), "{small}");
        press(&w, &mut c, &[Key::PageDown, Key::PageDown]);
        assert!(text(&draw(&mut c, 80, 24)).contains("Hugo Martin"));
    }
}

/// The stock screen (s on the board, or the palette): levels, reserved, available, to
/// deliver; products short for the open orders first.
#[test]
fn the_stock_screen_shows_levels_and_what_remains_to_deliver() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('s')]);
    let screen = text(&draw(&mut c, 100, 30));
    let rows = w.app.stock_view().unwrap();
    assert!(
        screen.contains(&format!("Stock — {} produit(s)", rows.len())),
        "{screen}"
    );
    let p = &rows[0];
    assert!(screen.contains(&p.sku), "{screen}");
    let expected: i64 = w
        .app
        .orders_in_stage(Stage::PoReceived, 10_000)
        .iter()
        .chain(w.app.orders_in_stage(Stage::PreOrder, 10_000).iter())
        .map(|card| {
            w.app
                .order_view(&card.number.to_string())
                .unwrap()
                .order
                .lines
                .iter()
                .filter(|l| l.sku == p.sku)
                .map(|l| l.to_deliver() as i64)
                .sum::<i64>()
        })
        .sum();
    assert_eq!(p.to_deliver, expected);
    press(&w, &mut c, &[Key::Char('?')]);
    assert!(text(&draw(&mut c, 100, 40)).contains("les produits en manque d'abord"));
    press(&w, &mut c, &[Key::Esc, Key::Esc]);
    assert!(
        text(&draw(&mut c, 100, 30)).contains("Devis"),
        "back on the board"
    );
    press(&w, &mut c, &[Key::Char('s')]);
    snap(&mut c, "stock");
}

/// `!` opens the alerts behind the header's count: grouped, overdue first; Enter opens
/// the order (or the customer awaiting review).
#[test]
fn the_alerts_screen_opens_what_needs_attention() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let alerts = w.app.alerts();
    assert!(!alerts.is_empty());
    assert!(text(&draw(&mut c, 100, 30)).contains("alertes (!)"));
    press(&w, &mut c, &[Key::Char('!')]);
    let screen = text(&draw(&mut c, 100, 30));
    assert!(
        screen.contains(&format!("Alertes ({})", alerts.len())),
        "{screen}"
    );
    assert!(screen.contains(alerts[0].group), "{screen}");
    snap(&mut c, "alerts");
    press(&w, &mut c, &[Key::Enter]);
    let opened = text(&draw(&mut c, 100, 30));
    match &alerts[0].target {
        crate::app::queries::AlertTarget::Order(n) => {
            assert!(opened.contains(&format!("Commande {n}")), "{opened}")
        }
        crate::app::queries::AlertTarget::Customer(_) => assert!(opened.contains("Client")),
    }
    // Bodies awaiting review are listed too.
    assert!(alerts.iter().any(|a| a.group == "Clients à examiner"));
}

/// A commit reloads only what it concerns: an order's screen ignores another order's
/// change and follows its own; the Documents tab reloads when a document was issued.
#[test]
fn live_updates_reload_what_changed() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let quotes: Vec<String> = w
        .app
        .orders_in_stage(Stage::Quote, 2)
        .into_iter()
        .map(|card| card.number.to_string())
        .collect();
    let (mine, other) = (&quotes[0], &quotes[1]);
    c.run(Some(Action::OpenOrder(mine.clone())));
    let julien = crate::app::Actor::person("julien", Role::Staff, "SHA256:j");
    let mut changes = w.app.subscribe();
    w.app.record_pre_order(&julien, other).unwrap();
    let about_other = changes.try_recv().unwrap();
    // My order changes too, but the console is only told about the other one (as if my
    // order's change were still on its way): my screen is not reloaded.
    w.app.record_pre_order(&julien, mine).unwrap();
    let about_mine = changes.try_recv().unwrap();
    c.update(Msg::Changed(about_other));
    assert!(
        text(&draw(&mut c, 100, 30)).contains("Devis   devis v1"),
        "another order's change reloaded this screen"
    );
    c.update(Msg::Changed(about_mine));
    let screen = text(&draw(&mut c, 100, 30));
    assert!(screen.contains("Pré-commande"), "{screen}");

    // The Documents tab: reloaded when a document is issued, not for a pre-order.
    let mut docs = console(&w, Role::Staff);
    press(&w, &mut docs, &[Key::Char('3')]);
    let before = text(&draw(&mut docs, 100, 30));
    let third = first_in(&w, Stage::Quote);
    w.app.record_pre_order(&julien, &third).unwrap();
    docs.update(Msg::Changed(changes.try_recv().unwrap()));
    assert!(!docs.documents_stale, "a pre-order issues no document");
    let delivered = first_in(&w, Stage::Delivered);
    let invoice = w.app.issue_invoice(&julien, &delivered).unwrap();
    docs.update(Msg::Changed(changes.try_recv().unwrap()));
    assert!(docs.documents_stale);
    let after = text(&draw(&mut docs, 100, 30));
    assert!(
        after.contains(&invoice.number.to_string())
            && !before.contains(&invoice.number.to_string()),
        "{after}"
    );
}

/// `$` opens the aged balance from anywhere: the overdue bodies with their amounts per
/// column and a total; Enter opens the selected body.
#[test]
fn the_aged_balance_shows_what_is_late_and_opens_the_body() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let rows = w.app.aged_balance();
    assert!(!rows.is_empty(), "the demo world has unpaid invoices");
    press(&w, &mut c, &[Key::Char('$')]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(screen.contains("Balance âgée des créances"), "{screen}");
    assert!(
        screen.contains("> 90 j") && screen.contains("Total"),
        "{screen}"
    );
    assert!(
        screen.contains(&rows[0].name[..12.min(rows[0].name.len())]),
        "{screen}"
    );
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(
        screen.contains(&rows[0].siret[..9])
            || screen.contains(&rows[0].name[..10.min(rows[0].name.len())]),
        "{screen}"
    );
}

/// The board's `/` filter brings its matches into view: at 80 columns, a match found only
/// in a column off screen takes the focus, and the screen scrolls to it.
#[test]
fn the_board_filter_brings_its_matches_into_view() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    let paid = w
        .app
        .index()
        .orders_in(Stage::Paid, w.app.today(), 1)
        .first()
        .and_then(|id| w.app.index().card(*id))
        .expect("a paid order in the demo world");
    press(&w, &mut c, &[Key::Char('/')]);
    type_text(&w, &mut c, &paid.number.to_string());
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 80, 24));
    assert!(screen.contains(Stage::Paid.label()), "{screen}");
    assert!(screen.contains(&paid.number.to_string()), "{screen}");
}

/// The audit in the console (admins): `J` opens it, `/` filters by person, kind and day;
/// staff are told it is the admins'.
#[test]
fn the_audit_is_read_and_filtered_in_the_console() {
    let w = world();
    let mut staff = console(&w, Role::Staff);
    press(&w, &mut staff, &[Key::Char('J')]);
    let (_, msg) = status(&staff).unwrap();
    assert!(msg.contains("réservé aux administrateurs"), "{msg}");
    // A refusal to find.
    let quote = w.app.orders_in_stage(Stage::Quote, 1)[0].number.to_string();
    let _ = w
        .app
        .issue_invoice(&Actor::person("marie", Role::Staff, "SHA256:marie"), &quote);
    let mut c = console(&w, Role::Admin);
    press(&w, &mut c, &[Key::Char('J')]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(screen.contains("Journal d'audit"), "{screen}");
    press(&w, &mut c, &[Key::Char('/')]);
    type_text(&w, &mut c, "marie refus");
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(
        screen.contains("Refus") && screen.contains(&quote),
        "{screen}"
    );
    assert!(screen.contains("Journal d'audit (1)"), "{screen}");
}

/// The README's table of keys names every operation's key (a new operation without its
/// key there fails here).
#[test]
fn the_readme_names_every_operation_key() {
    let readme = include_str!("../../../README.md");
    let console = readme
        .split("## The console")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    for spec in actions::ORDER_OPS
        .iter()
        .chain(actions::CUSTOMER_OPS.iter())
        .chain(actions::PRODUCT_OPS.iter())
        .chain(actions::bank::BANK_OPS.iter())
    {
        assert!(
            console.contains(&format!("`{}`", spec.key)),
            "README « The console » does not name `{}` ({})",
            spec.key,
            spec.label
        );
    }
}

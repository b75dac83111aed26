//! The console without a terminal: snapshots of every screen (insta + TestBackend) at
//! 100×30 and 80×24 on fixed demo data, styles that carry meaning, and the model driven
//! by key sequences.

use super::*;
use crate::app::{FixedClock, Role};
use crate::domain::{Date, Stage};
use crate::ui::forms::FieldId;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

struct World {
    app: Arc<App>,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

/// Fixed demo data: 60 bodies and 400 orders as of 27 November 2026, 10:00 in Paris.
fn world() -> World {
    let f = crate::app::tests::seeded_fixture(60, 400, 7);
    World {
        app: Arc::new(f.app),
        clock: f.clock,
        _dir: f._dir,
    }
}

fn themes() -> Arc<Vec<Theme>> {
    Arc::new(
        theme::BUNDLED
            .iter()
            .filter_map(|(n, _)| Theme::bundled(n))
            .collect(),
    )
}

fn console(w: &World, role: Role) -> Console {
    let name = if role == Role::Admin { "paul" } else { "marie" };
    let me = Actor::person(name, role, "SHA256:test");
    Console::new(
        w.app.clone(),
        me,
        themes(),
        "ssh -p 2222 comptoir.example".into(),
    )
}

fn draw(c: &mut Console, width: u16, height: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| c.draw(f)).unwrap();
    t.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// Feeds keys and runs the commands the model asks for (searches) synchronously.
fn press(w: &World, c: &mut Console, keys: &[Key]) {
    for k in keys {
        let cmds = c.update(Msg::Input(Input::Key(*k)));
        run(w, c, cmds);
    }
}

fn type_text(w: &World, c: &mut Console, s: &str) {
    let keys: Vec<Key> = s.chars().map(Key::Char).collect();
    press(w, c, &keys);
}

fn run(w: &World, c: &mut Console, cmds: Vec<Cmd>) {
    for cmd in cmds {
        let msg = match cmd {
            // The model-level tests search whole; narrowing is the session's
            // (`app::search_session`), checked against whole searches by the search's
            // property tests.
            Cmd::Search { target, query } => {
                Msg::Found(target, w.app.search_customers(&query, None, 50))
            }
            Cmd::Execute(job) => {
                let me = c.me.clone();
                job.run(&w.app, &me)
            }
        };
        let more = c.update(msg);
        run(w, c, more);
    }
}

fn status(c: &Console) -> Option<(Level, String)> {
    c.status.as_ref().map(|(l, m, _)| (*l, m.clone()))
}

/// Snapshots a screen at both sizes.
fn snap(c: &mut Console, name: &str) {
    insta::assert_snapshot!(format!("{name}_100x30"), text(&draw(c, 100, 30)));
    insta::assert_snapshot!(format!("{name}_80x24"), text(&draw(c, 80, 24)));
}

#[test]
fn snapshots_of_every_screen() {
    let w = world();
    let mut c = console(&w, Role::Staff);
    snap(&mut c, "board");
    press(
        &w,
        &mut c,
        &[
            Key::Char('l'),
            Key::Char('l'),
            Key::Char('l'),
            Key::Char('l'),
        ],
    );
    snap(&mut c, "board_invoiced");
    press(&w, &mut c, &[Key::Char('/')]);
    type_text(&w, &mut c, "lyc");
    snap(&mut c, "board_filtered");
    press(&w, &mut c, &[Key::Esc, Key::Enter]);
    snap(&mut c, "order");
    press(&w, &mut c, &[Key::Char('c')]);
    snap(&mut c, "customer");
    press(&w, &mut c, &[Key::Esc, Key::Esc, Key::Char('2')]);
    type_text(&w, &mut c, "stetienne");
    snap(&mut c, "customers_search");
    press(&w, &mut c, &[Key::Esc, Key::Esc, Key::Char('3')]);
    snap(&mut c, "documents");
    press(&w, &mut c, &[Key::Enter]);
    snap(&mut c, "document");
    press(&w, &mut c, &[Key::Esc, Key::Char('?')]);
    snap(&mut c, "help");
    press(&w, &mut c, &[Key::Esc, Key::Char('$')]);
    snap(&mut c, "aged");
    press(&w, &mut c, &[Key::Esc, Key::Char(':')]);
    type_text(&w, &mut c, "DEV-2026-00001");
    snap(&mut c, "palette");
    press(&w, &mut c, &[Key::Esc, Key::Char('1')]);
    press(
        &w,
        &mut c,
        &[Key::Left, Key::Left, Key::Left, Key::Left, Key::Char('r')],
    );
    snap(&mut c, "form_receive_original");
    press(&w, &mut c, &[Key::Esc, Key::Char('p')]);
    snap(&mut c, "confirm_pre_order");
    insta::assert_snapshot!("too_small", text(&draw(&mut c, 70, 20)));
}

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

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let first = needle.chars().next()?.to_string();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() == first {
                let rest: String = (x..buf.area.width.min(x + needle.chars().count() as u16))
                    .map(|i| buf[(i, y)].symbol().to_string())
                    .collect();
                if rest == needle {
                    return Some((x, y));
                }
            }
        }
    }
    None
}

/// The first order in a board column that can still move (not a renewed quote).
fn first_in(w: &World, stage: Stage) -> String {
    let cards = w.app.orders_in_stage(stage, 100);
    let card = cards
        .iter()
        .find(|c| !c.flags.contains(&crate::domain::Flag::Renewed));
    card.unwrap_or_else(|| panic!("no order in {stage}"))
        .number
        .to_string()
}

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
        serde_json::from_str(include_str!("../../tests/fixtures/quote.json")).unwrap();
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

/// `o` on an order not yet delivered picks the delivery address and contact among the
/// customer's; after the first delivery the key says why it no longer applies.
#[test]
fn the_delivery_address_and_contact_are_chosen_by_keys() {
    let w = world();
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/fixtures/quote.json")).unwrap();
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

/// A platform that takes every deposit (the real client is tested against a stand-in in
/// `tests/chorus.rs`).
struct FakeChorus(std::sync::Mutex<Vec<String>>);

impl crate::app::chorus::ChorusApi for FakeChorus {
    fn health(&self) -> Result<(), crate::app::chorus::ChorusError> {
        Ok(())
    }
    fn structure(
        &self,
        _siret: &str,
    ) -> Result<crate::app::chorus::ChorusStructure, crate::app::chorus::ChorusError> {
        Err(crate::app::chorus::ChorusError::Unreachable(
            "hors ligne".into(),
        ))
    }
    fn deposit(
        &self,
        file_name: &str,
        _pdf: &[u8],
    ) -> Result<crate::app::chorus::ChorusDeposit, crate::app::chorus::ChorusError> {
        self.0.lock().unwrap().push(file_name.to_string());
        Ok(crate::app::chorus::ChorusDeposit {
            flow: "CPP00000042".into(),
            date: "2026-11-27".into(),
        })
    }
    fn flow_report(
        &self,
        _flow: &str,
    ) -> Result<crate::app::chorus::FlowReport, crate::app::chorus::ChorusError> {
        Ok(crate::app::chorus::FlowReport {
            state: "IN_RECU".into(),
            errors: Vec::new(),
        })
    }
    fn find_invoice(
        &self,
        _number: &str,
    ) -> Result<Option<(i64, String)>, crate::app::chorus::ChorusError> {
        Ok(None)
    }
    fn history(
        &self,
        _id: i64,
    ) -> Result<Vec<crate::domain::chorus::ChorusStatus>, crate::app::chorus::ChorusError> {
        Ok(Vec::new())
    }
}

/// `S` on an invoiced order deposits its invoice on Chorus Pro, and the order screen says
/// where it stands.
#[test]
fn an_invoice_goes_to_chorus_from_the_order_screen() {
    let w = world();
    let fake = std::sync::Arc::new(FakeChorus(std::sync::Mutex::new(Vec::new())));
    w.app.set_chorus(Some(fake.clone()));
    let mut c = console(&w, Role::Staff);
    // An invoice issued now (the demo world's are synthetic, without files).
    let order = w.app.orders_in_stage(Stage::Delivered, 1)[0]
        .number
        .to_string();
    w.app
        .issue_invoice(&Actor::person("marie", Role::Staff, "SHA256:marie"), &order)
        .unwrap();
    c.run(Some(Action::OpenOrder(order.clone())));
    press(&w, &mut c, &[Key::Char('S')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!(
            "no Chorus form: {:?} {}",
            status(&c),
            text(&draw(&mut c, 100, 30))
        );
    };
    let invoice = form.fields[0].value.clone();
    assert!(invoice.starts_with("FA-"), "{invoice}");
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(
        msg.contains("déposée") && msg.contains("CPP00000042"),
        "{msg}"
    );
    assert_eq!(
        fake.0.lock().unwrap().as_slice(),
        [format!("{invoice}.pdf")]
    );
    let screen = text(&draw(&mut c, 120, 40));
    assert!(
        screen.contains(&format!("Chorus Pro · {invoice}")),
        "{screen}"
    );
    // The Documents list gives it a Chorus column when the terminal is wide enough,
    // and its detail the whole line.
    c.run(Some(Action::Tab(Tab::Documents)));
    let screen = text(&draw(&mut c, 130, 40));
    let row = screen
        .lines()
        .find(|l| l.contains(&invoice))
        .unwrap_or_else(|| panic!("{invoice} not listed: {screen}"));
    assert!(row.contains("déposée"), "{row}");
    assert!(screen.contains("Chorus Pro"), "{screen}");
    // At 80 columns the amount stays whole and the column gives way.
    let narrow = text(&draw(&mut c, 80, 40));
    let header = narrow.lines().find(|l| l.contains("Numéro")).unwrap();
    assert!(
        header.contains("Montant TTC") && !header.contains("Chorus"),
        "{narrow}"
    );
    c.run(Some(Action::OpenDocument(invoice.clone())));
    let screen = text(&draw(&mut c, 100, 40));
    assert!(
        screen.contains("Chorus Pro : déposée le 2026-11-27, flux CPP00000042"),
        "{screen}"
    );
    // The board's card says it too, without colour.
    c.run(Some(Action::Tab(Tab::Board)));
    press(&w, &mut c, &[Key::Char('/')]);
    type_text(&w, &mut c, &order);
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(screen.contains(&order), "{screen}");
    assert!(screen.contains("CP ✓"), "{screen}");
}

/// The Rapprochement screen (`R`): an entry the import could not match is assigned to
/// the invoice it pays (`a`), another set aside with a reason (`x`); each through its
/// confirmation, and the screen empties.
#[test]
fn bank_entries_are_decided_on_the_rapprochement_screen() {
    let w = world();
    // An open invoice of the demo world and its unpaid amount.
    let mut open = None;
    w.app.index().for_each_card(|card| {
        if open.is_none()
            && let Some(l) = card
                .late
                .iter()
                .find(|l| l.unpaid > crate::domain::Cents::ZERO)
        {
            open = Some((card.number, l.invoice, l.unpaid));
        }
    });
    let (order, invoice, unpaid) = open.expect("an open invoice in the demo world");
    let entry = |reference: &str, amount: &str, payer: &str, text: &str| {
        format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-26</Dt></BookgDt><ValDt><Dt>2026-11-26</Dt></ValDt><AcctSvcrRef>{reference}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>UI-1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>{}{}</Stmt></BkToCstmrStmt></Document>",
        entry("UI-A", &unpaid.decimal(), "PAYEUR INCONNU", "VIREMENT"),
        entry("UI-B", "12.34", "M DUPONT", "CHEQUE"),
    );
    let marie = Actor::person("marie", Role::Staff, "SHA256:marie");
    let r = w
        .app
        .import_statement(&marie, xml.as_bytes(), &crate::bank::formats())
        .unwrap();
    assert_eq!(r.unmatched.len() + r.proposed.len(), 2, "{r:?}");
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('R')]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(
        screen.contains("Rapprochement bancaire") && screen.contains("M DUPONT"),
        "{screen}"
    );
    // The first entry (its amount is the open invoice's): named by hand, the open
    // invoices of that amount offered.
    press(&w, &mut c, &[Key::Char('a')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no form: {:?}", status(&c));
    };
    assert!(
        form.intro.iter().any(|l| l.contains(&invoice.to_string())),
        "{:?}",
        form.intro
    );
    type_text(&w, &mut c, &invoice.to_string());
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(
        msg.contains("rapprochée") && msg.contains(&order.to_string()),
        "{msg}"
    );
    // The cheque: set aside, the reason required.
    press(&w, &mut c, &[Key::Char('x'), Key::Enter]);
    assert!(
        matches!(&c.modal, Some(Modal::Form(..))),
        "the reason is required"
    );
    type_text(&w, &mut c, "particulier");
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let screen = text(&draw(&mut c, 120, 30));
    assert!(screen.contains("Rien à rapprocher"), "{screen}");
    assert!(w.app.bank_entries(true).unwrap().is_empty());
}

/// `l` on an overdue order writes a reminder through its confirmation; the order screen
/// lists it with the command that downloads it; `I` says why no claim can be written yet.
#[test]
fn a_reminder_is_written_from_the_order_screen() {
    let w = world();
    let mut overdue = None;
    w.app.index().for_each_card(|card| {
        let late = card
            .flags(w.app.today(), &w.app.settings().ecb_rates)
            .iter()
            .any(|f| matches!(f, crate::domain::Flag::Overdue { .. }));
        if overdue.is_none() && late {
            overdue = Some(card.number.to_string());
        }
    });
    let order = overdue.expect("an overdue order in the demo world");
    let mut c = console(&w, Role::Staff);
    c.run(Some(Action::OpenOrder(order.clone())));
    press(&w, &mut c, &[Key::Char('l')]);
    let Some(Modal::Confirm(confirm, _)) = &c.modal else {
        panic!("no confirmation: {:?}", status(&c));
    };
    assert!(
        confirm.lines.iter().any(|l| l.contains("Relance pour FA-")),
        "{:?}",
        confirm.lines
    );
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(
        msg.contains("LET-2026-00001") && msg.contains("doc get"),
        "{msg}"
    );
    let screen = text(&draw(&mut c, 140, 60));
    assert!(screen.contains("✉ Relance LET-2026-00001"), "{screen}");
    press(&w, &mut c, &[Key::Char('I')]);
    let (level, msg) = status(&c).unwrap();
    assert_ne!(level, Level::Ok, "{msg}");
    // The alerts say what was sent when.
    let row = w
        .app
        .alerts()
        .into_iter()
        .find(|r| r.text.starts_with(&order))
        .expect("the order is still overdue");
    assert!(
        row.text.contains("relancée LET-2026-00001 le"),
        "{}",
        row.text
    );
    // `@` sends it, prefilled with the letter and the order's contact; the confirmation
    // says to whom.
    let fake = Arc::new(FakeMailer(std::sync::Mutex::new(Vec::new())));
    w.app.set_mailer(Some(fake.clone()));
    press(&w, &mut c, &[Key::Char('@')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no form: {:?}", status(&c));
    };
    assert_eq!(form.value(FieldId::Reference), "LET-2026-00001");
    let to = form.value(FieldId::To).to_string();
    assert!(to.contains('@'), "{to}");
    press(&w, &mut c, &[Key::Enter]);
    let Some(Modal::Confirm(confirm, _)) = &c.modal else {
        panic!("no confirmation: {:?}", status(&c));
    };
    assert!(
        confirm.lines.iter().any(|l| l.contains(&format!("à {to}"))),
        "{:?}",
        confirm.lines
    );
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let sent = fake.0.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, [to]);
    assert_eq!(
        sent[0].attachment,
        w.app.letter("LET-2026-00001").unwrap().1,
        "the letter as written"
    );
}

/// A relay that takes every message (the real one is tested against aiosmtpd in
/// `tests/documents.rs`).
struct FakeMailer(std::sync::Mutex<Vec<crate::app::mail::OutgoingMail>>);

impl crate::app::mail::Mailer for FakeMailer {
    fn send(
        &self,
        mail: &crate::app::mail::OutgoingMail,
    ) -> Result<crate::app::mail::SentMail, crate::app::mail::MailError> {
        self.0.lock().unwrap().push(mail.clone());
        Ok(crate::app::mail::SentMail {
            message_id: "<1@test>".into(),
            answer: "250 OK".into(),
        })
    }
}

/// The permission table drives this test: for every permission × every role, the console
/// (a key says « réservé aux … » before any form opens, or opens it), the commands (the
/// gate and the generated `help`) and the app (its use cases, inside the write
/// transaction) all agree with `Permission::roles`. A permission without a row below does
/// not compile; a command without a permission fails here.
#[test]
fn every_permission_agrees_on_every_surface() {
    use crate::app::{AppError, Permission};
    use crate::ssh::commands::surface;
    let w = world();
    let order = first_in(&w, Stage::Invoiced);
    let quote = first_in(&w, Stage::Quote);
    let customer = w
        .app
        .orders_in_stage(Stage::Invoiced, 1)
        .first()
        .map(|c| c.customer)
        .unwrap();
    let sku = w.app.products().unwrap()[0].sku.clone();
    let tmp = tempfile::tempdir().unwrap();

    // The console: every operation a key can start, on a target of its kind.
    let mut targets: Vec<(&actions::OpSpec, actions::Target)> = Vec::new();
    for s in actions::ORDER_OPS.iter() {
        targets.push((s, actions::Target::Order(order.clone())));
    }
    for s in actions::CUSTOMER_OPS.iter() {
        targets.push((s, actions::Target::Customer(customer)));
    }
    for s in actions::PRODUCT_OPS.iter() {
        targets.push((s, actions::Target::Product(sku.clone())));
    }
    for s in actions::bank::BANK_OPS.iter() {
        targets.push((s, actions::Target::BankEntry(1)));
    }
    targets.push((&actions::NEW_CUSTOMER, actions::Target::Shop));

    // The app: one use case per permission that changes something, or `None` where the
    // app has no gate (reads for everyone; access changes are `ssh::access`'s, checked by
    // the commands below and the OpenSSH test).
    macro_rules! ok {
        ($e:expr) => {
            Some($e.map(|_| ()))
        };
    }
    let app_call = |perm: Permission, who: &Actor| -> Option<Result<(), AppError>> {
        let app = &w.app;
        match perm {
            Permission::Read
            | Permission::Export
            | Permission::Audit
            | Permission::ChorusSync
            | Permission::OwnKeys
            | Permission::ManageAccess
            | Permission::Sessions => None,
            Permission::Check => ok!(app.check(who)),
            Permission::Backup => ok!(app.backup(who, &tmp.path().join("copie.redb"))),
            Permission::Quote => ok!(app.renew_quote(who, &quote)),
            Permission::OrderStep => ok!(app.record_pre_order(who, &quote)),
            Permission::IssueDocument => ok!(app.issue_invoice(who, &order)),
            Permission::Payment => ok!(app.record_payment(
                who,
                &order,
                w.app.today(),
                crate::domain::Cents(100),
                "MANDAT-T",
            )),
            Permission::PaymentDelay => ok!(app.record_delay_notice(
                who,
                &order,
                None,
                w.app.today(),
                &crate::domain::pipeline::DelayNotice::Received
            )),
            Permission::WaiveInterest => ok!(app.waive_penalties(who, &order, None, "essai")),
            Permission::Letter => {
                ok!(app.write_letter(who, &order, crate::domain::letter::LetterKind::Reminder,))
            }
            Permission::SendEmail => ok!(app.send_document(who, &order, None)),
            Permission::ChorusSend => ok!(app.chorus_send(who, &order)),
            Permission::Customer => {
                ok!(app.correct_customer(who, customer, |_| { Err(AppError::invalid("essai")) }))
            }
            Permission::Eligibility => ok!(app.decide_eligibility(
                who,
                customer,
                crate::domain::EligibilityStatus::Approved,
                "essai",
            )),
            Permission::Stock => ok!(app.adjust_stock(who, &sku, 0, "essai")),
            Permission::Catalogue => {
                ok!(app.upsert_product(who, w.app.products().unwrap()[0].clone()))
            }
            Permission::BankImport => ok!(app.import_statement(who, b"pas un releve", &[])),
            Permission::BankReconcile => ok!(app.bank_dismiss(who, 999_999, "essai")),
        }
    };

    let commands = surface::commands();
    for (path, perm) in &commands {
        assert!(perm.is_some(), "« {path} » has no permission");
    }
    for role in Role::ALL {
        let who = Actor::person("quelqu'un", role, "SHA256:test");
        let help = surface::help(role);
        for perm in Permission::ALL {
            let allowed = perm.allows(role);
            let refusal = perm.refusal(role);
            // Commands and help.
            for (path, _) in commands.iter().filter(|(_, p)| *p == Some(*perm)) {
                assert_eq!(
                    surface::gate(path, role).is_ok(),
                    allowed,
                    "{path} for {role}"
                );
                if !allowed {
                    assert_eq!(surface::gate(path, role).unwrap_err(), refusal);
                }
                let listed = help.lines().any(|l| {
                    l.trim_start() == path || l.trim_start().starts_with(&format!("{path} "))
                });
                assert_eq!(listed, allowed, "help lists « {path} » for {role}?\n{help}");
            }
            // The console.
            for (spec, target) in targets.iter().filter(|(s, _)| s.kind.permission() == *perm) {
                let mut c = console(&w, role);
                c.run(Some(Action::Do(actions::Op {
                    kind: spec.kind,
                    target: target.clone(),
                })));
                let said = status(&c).map(|(_, m)| m);
                if allowed {
                    assert_ne!(said.as_deref(), Some(refusal.as_str()), "{:?}", spec.kind);
                } else {
                    assert_eq!(said.as_deref(), Some(refusal.as_str()), "{:?}", spec.kind);
                    assert!(c.modal.is_none(), "no form opens for {:?}", spec.kind);
                }
            }
            // The app.
            if let Some(r) = app_call(*perm, &who) {
                let forbidden = matches!(&r, Err(AppError::Forbidden(m)) if *m == refusal);
                assert_eq!(forbidden, !allowed, "app {perm:?} for {role}: {r:?}");
            }
        }
    }
    // Every permission reaches at least one surface.
    for perm in Permission::ALL {
        assert!(
            commands.iter().any(|(_, p)| *p == Some(*perm))
                || targets.iter().any(|(s, _)| s.kind.permission() == *perm),
            "{perm:?} is on no surface"
        );
    }
}

/// The README's table of keys names every operation's key (a new operation without its
/// key there fails here).
#[test]
fn the_readme_names_every_operation_key() {
    let readme = include_str!("../../README.md");
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

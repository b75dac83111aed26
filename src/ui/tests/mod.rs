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

mod outside;
mod records;
mod screens;
mod workflow;

//! `comptoir bench refresh`: what a commit costs the open consoles. Consoles are spread
//! over the board, the Documents tab and an order's screen; invoices are issued back to
//! back, and after each commit every console gets the change and draws its frame (100×30)
//! — one after the other, so the time is the CPU the server spends per commit.

use super::{open, percentiles};
use crate::app::{Actor, Role};
use crate::domain::Stage;
use crate::ui::{Console, Input, Key, Msg, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

pub(super) fn refresh(data: &Path, consoles: usize, commits: usize) -> Result<(), String> {
    let app = Arc::new(open(data)?);
    let themes = Arc::new(vec![Theme::default_theme()]);
    let docs_before = app.document_count().map_err(|e| e.to_string())?;
    let mut open_consoles = Vec::new();
    for i in 0..consoles {
        let me = Actor::person(&format!("bench{i}"), Role::Staff, "SHA256:bench");
        let mut c = Console::new(app.clone(), me, themes.clone(), String::new());
        let keys: &[Key] = match i % 3 {
            0 => &[],
            1 => &[Key::Char('3')],
            _ => &[Key::Enter],
        };
        for k in keys {
            c.update(Msg::Input(Input::Key(*k)));
        }
        let t = Terminal::new(TestBackend::new(100, 30)).map_err(|e| e.to_string())?;
        open_consoles.push((c, t));
    }
    let mut changes = app.subscribe();
    let actor = Actor::person("bench", Role::Staff, "SHA256:bench");
    let mut per_commit = Vec::new();
    let mut issued = 0;
    for card in app.orders_in_stage(Stage::Delivered, usize::MAX) {
        if issued >= commits {
            break;
        }
        if app.issue_invoice(&actor, &card.number.to_string()).is_err() {
            continue;
        }
        issued += 1;
        let started = Instant::now();
        while let Ok(change) = changes.try_recv() {
            for (c, t) in &mut open_consoles {
                c.update(Msg::Changed(change.clone()));
                t.draw(|f| c.draw(f)).map_err(|e| e.to_string())?;
            }
        }
        per_commit.push(started.elapsed());
    }
    let (p50, p99, max) = percentiles(per_commit);
    println!(
        "refresh: {consoles} consoles (board / documents / an order), {issued} invoices over {docs_before} documents: all consoles updated and drawn per commit p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms ({:.0} µs per console at p50)",
        p50 * 1000.0 / consoles.max(1) as f64
    );
    Ok(())
}

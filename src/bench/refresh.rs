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
        let mut t = Terminal::new(TestBackend::new(100, 30)).map_err(|e| e.to_string())?;
        t.draw(|f| c.draw(f)).map_err(|e| e.to_string())?;
        open_consoles.push((c, t));
    }
    let mut changes = app.subscribe();
    let actor = Actor::person("bench", Role::Staff, "SHA256:bench");
    let mut per_commit = Vec::new();
    let mut issued = 0;
    let mut refused = None;
    // Delivery notes and invoices: every commit issues a document.
    let mut todo: Vec<(String, bool)> = app
        .orders_in_stage(Stage::Delivered, usize::MAX)
        .into_iter()
        .map(|c| (c.number.to_string(), false))
        .collect();
    todo.extend(
        app.orders_in_stage(Stage::PoReceived, usize::MAX)
            .into_iter()
            .map(|c| (c.number.to_string(), true)),
    );
    let mut steps = Vec::new();
    let mut redrawn = 0usize;
    for (number, deliver_first) in todo {
        if deliver_first {
            steps.push((number.clone(), true));
        }
        steps.push((number, false));
    }
    for (number, deliver) in steps {
        if issued >= commits {
            break;
        }
        let done = if deliver {
            app.issue_delivery_note(&actor, &number, None)
        } else {
            app.issue_invoice(&actor, &number)
        };
        if let Err(e) = done {
            refused.get_or_insert(e.to_string());
            continue;
        }
        issued += 1;
        let started = Instant::now();
        while let Ok(change) = changes.try_recv() {
            for (c, t) in &mut open_consoles {
                c.update(Msg::Changed(change.clone()));
                // As a session does: a frame only when the change shows on this screen.
                if c.wants_redraw() {
                    t.draw(|f| c.draw(f)).map_err(|e| e.to_string())?;
                    redrawn += 1;
                }
            }
        }
        per_commit.push(started.elapsed());
    }
    if issued == 0 {
        return Err(format!(
            "no invoice could be issued: {}",
            refused.unwrap_or_else(|| "no delivered order in this store".into())
        ));
    }
    let (p50, p99, max) = percentiles(per_commit);
    println!(
        "refresh: {consoles} consoles (board / documents / an order), {issued} delivery notes and invoices over {docs_before} documents: all consoles updated and drawn per commit p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms ({:.0} µs per console at p50)",
        p50 * 1000.0 / consoles.max(1) as f64
    );
    println!(
        "  frames drawn: {redrawn} for {} console updates",
        consoles * issued
    );
    Ok(())
}

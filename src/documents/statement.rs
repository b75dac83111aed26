//! The statement of account (relevé de compte) on A4: the shop and the body, the period,
//! every movement with its running balance, what is owed (and overdue) at the end, and
//! the shop's bank details. Long references wrap inside their column; rows that would
//! reach the footer go to a new page under a repeated header.

use super::layout::{ACCENT, Canvas, GREY, LIGHT, MARGIN, PAGE_W, wrap};
use super::pdf::page_header_of;
use crate::domain::ids::iban_spaced;
use crate::domain::seller::Seller;
use crate::domain::statement::Statement;
use crate::domain::{Cents, Customer, Timestamp};

const RIGHT: f32 = PAGE_W - MARGIN;
const BOTTOM: f32 = 262.0;
const SIZE: f32 = 8.0;
const ROW: f32 = 4.2;

/// Columns: (title, left x, width, right-aligned).
const COLUMNS: [(&str, f32, f32, bool); 7] = [
    ("Date", MARGIN, 17.0, false),
    ("Pièce", MARGIN + 18.0, 54.0, false),
    ("Commande", MARGIN + 73.0, 27.0, false),
    ("Échéance", MARGIN + 101.0, 17.0, false),
    ("Débit", MARGIN + 119.0, 21.0, true),
    ("Crédit", MARGIN + 141.0, 21.0, true),
    ("Solde", MARGIN + 163.0, 17.0, true),
];

fn header(c: &mut Canvas, st: &Statement, seller: &Seller, at: Timestamp) -> f32 {
    page_header_of(
        c,
        seller,
        "RELEVÉ DE COMPTE",
        &format!("au {}", st.to.fr()),
        &format!("Édité le {}", at.paris_date().fr()),
    )
}

fn table_header(c: &mut Canvas, y: f32) -> f32 {
    c.rect(MARGIN, y - 3.6, RIGHT - MARGIN, 5.4, Some(LIGHT), None);
    for (title, x, w, right) in COLUMNS {
        if right {
            c.text_right(x + w, y, 7.5, true, title);
        } else {
            c.text(x, y, 7.5, true, title);
        }
    }
    y + 6.0
}

/// One row; `cells` in the order of [`COLUMNS`]. Returns the y of the next row.
fn row(
    c: &mut Canvas,
    st: &Statement,
    seller: &Seller,
    at: Timestamp,
    y: f32,
    cells: [String; 7],
    bold: bool,
) -> f32 {
    let wrapped: Vec<Vec<String>> = COLUMNS
        .iter()
        .zip(&cells)
        .map(|((_, _, w, _), s)| wrap(s, *w, SIZE, bold))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * ROW;
    let mut y = y;
    if y + height > BOTTOM {
        c.new_page();
        let top = header(c, st, seller, at) + 2.0;
        y = table_header(c, top);
    }
    for ((_, x, w, right), lines) in COLUMNS.iter().zip(&wrapped) {
        for (i, l) in lines.iter().enumerate() {
            let yy = y + i as f32 * ROW;
            if *right {
                c.text_right(x + w, yy, SIZE, bold, l);
            } else {
                c.text(*x, yy, SIZE, bold, l);
            }
        }
    }
    y + height
}

fn money(c: Cents) -> String {
    if c == Cents::ZERO {
        String::new()
    } else {
        c.fr()
    }
}

/// The pages of a statement of account.
pub(crate) fn pages(
    c: &mut Canvas,
    customer: &Customer,
    st: &Statement,
    seller: &Seller,
    at: Timestamp,
) {
    c.new_page();
    let mut y = header(c, st, seller, at);
    let width = RIGHT - MARGIN;
    c.text_colored(MARGIN, y, 7.0, true, GREY, "ORGANISME");
    y += 4.5;
    for (i, l) in wrap(&customer.legal_name, width, 9.5, true)
        .iter()
        .enumerate()
    {
        if i > 0 {
            y += 4.0;
        }
        c.text(MARGIN, y, 9.5, true, l);
    }
    y += 4.0;
    let mut details = vec![format!("SIRET {}", customer.siret.as_str())];
    details.extend(customer.header_address.lines());
    for d in details {
        for l in wrap(&d, width, SIZE, false) {
            c.text(MARGIN, y, SIZE, false, &l);
            y += 3.8;
        }
    }
    y += 3.0;
    let period = match st.from {
        Some(f) => format!("Mouvements du {} au {}", f.fr(), st.to.fr()),
        None => format!("Tous les mouvements jusqu'au {}", st.to.fr()),
    };
    c.text_colored(MARGIN, y, 11.0, true, ACCENT, &period);
    y = table_header(c, y + 6.0);
    if let Some(f) = st.from {
        y = row(
            c,
            st,
            seller,
            at,
            y,
            [
                f.fr(),
                "Solde à nouveau".into(),
                String::new(),
                String::new(),
                money(st.opening.max(Cents::ZERO)),
                money((-st.opening).max(Cents::ZERO)),
                st.opening.fr(),
            ],
            true,
        );
    }
    for l in &st.lines {
        y = row(
            c,
            st,
            seller,
            at,
            y,
            [
                l.date.fr(),
                format!("{} {}", l.kind.label(), l.reference),
                l.order.to_string(),
                l.due.map(|d| d.fr()).unwrap_or_default(),
                money(l.debit),
                money(l.credit),
                l.balance.fr(),
            ],
            false,
        );
    }
    if st.lines.is_empty() {
        y = row(
            c,
            st,
            seller,
            at,
            y,
            [
                String::new(),
                "Aucun mouvement sur la période".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            false,
        );
    }
    c.hline(MARGIN, RIGHT, y - 2.5);
    let closing = if st.closing < Cents::ZERO {
        format!(
            "Solde au {} : {} en votre faveur (trop-perçu que nous vous remboursons).",
            st.to.fr(),
            (-st.closing).fr()
        )
    } else {
        format!("Solde dû au {} : {}.", st.to.fr(), st.closing.fr())
    };
    let mut summary = vec![(closing, true)];
    if st.overdue > Cents::ZERO {
        summary.push((
            format!(
                "Dont échu et non réglé au {} : {}. Les intérêts moratoires et l'indemnité \
                 forfaitaire de recouvrement sont réclamés à part.",
                st.to.fr(),
                st.overdue.fr()
            ),
            false,
        ));
    }
    summary.push((
        format!(
            "Règlement par virement : {} — IBAN {} — BIC {}.",
            seller.bank_holder,
            iban_spaced(&seller.iban),
            seller.bic
        ),
        false,
    ));
    y += 3.0;
    for (text, bold) in summary {
        for l in wrap(&text, width, 9.0, bold) {
            if y + 4.4 > BOTTOM {
                c.new_page();
                y = header(c, st, seller, at);
            }
            c.text(MARGIN, y, 9.0, bold, &l);
            y += 4.4;
        }
        y += 1.0;
    }
}

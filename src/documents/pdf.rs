//! The four documents on A4, in French, with every mention domain.md requires.

use super::layout::{ACCENT, Canvas, GREY, LIGHT, MARGIN, PAGE_W, face, wrap};
use crate::domain::ids::iban_spaced;
use crate::domain::interest::rate_fr;
use crate::domain::seller::Seller;
use crate::domain::{Address, DocKind, IssuedDocument};

const RIGHT: f32 = PAGE_W - MARGIN;
/// Lowest baseline of a table row before the footer.
const BOTTOM: f32 = 268.0;
const ROW: f32 = 4.6;
const BODY: f32 = 8.5;

fn title_of(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Quote => "DEVIS",
        DocKind::DeliveryNote => "BON DE LIVRAISON",
        DocKind::Invoice => "FACTURE",
        DocKind::CreditNote => "AVOIR",
    }
}

fn spaced_siret(s: &str) -> String {
    if s.len() == 14 {
        format!("{} {} {} {}", &s[..3], &s[3..6], &s[6..9], &s[9..])
    } else {
        s.to_string()
    }
}

/// Height of a line of body text, in mm.
const LINE: f32 = 4.0;

/// Seller identity at the top of every page, document title on the right; returns the
/// y where the page's content starts.
fn page_header(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller) -> f32 {
    page_header_of(
        c,
        seller,
        title_of(doc.kind()),
        &format!("N° {}", doc.number),
        &format!("Date : {}", doc.date.fr_long()),
    )
}

/// The page header with any title, number line and date line (a statement of account).
pub(crate) fn page_header_of(
    c: &mut Canvas,
    seller: &Seller,
    title: &str,
    number: &str,
    date: &str,
) -> f32 {
    let mut x = MARGIN;
    if let Some(png) = &seller.logo_png
        && c.png(MARGIN, 12.0, 22.0, png).is_some()
    {
        x += 25.0;
    }
    let right_w = [
        face(true).width_mm(title, 16.0),
        face(true).width_mm(number, 10.0),
        face(false).width_mm(date, BODY),
    ]
    .into_iter()
    .fold(0.0, f32::max);
    let width = RIGHT - right_w - 6.0 - x;
    let mut y = 19.0;
    for (i, line) in wrap(&seller.name, width, 13.0, true).iter().enumerate() {
        if i > 0 {
            y += 5.2;
        }
        c.text_colored(x, y, 13.0, true, ACCENT, line);
    }
    y += 5.0;
    for l in seller.address.lines() {
        for line in wrap(&l, width, BODY, false) {
            c.text(x, y, BODY, false, &line);
            y += 3.8;
        }
    }
    for line in wrap(
        &format!("Tél. {} — {}", seller.phone, seller.email),
        width,
        7.5,
        false,
    ) {
        c.text_colored(x, y, 7.5, false, GREY, &line);
        y += 3.4;
    }
    c.text_colored(
        RIGHT - face(true).width_mm(title, 16.0),
        19.0,
        16.0,
        true,
        ACCENT,
        title,
    );
    c.text_right(RIGHT, 25.5, 10.0, true, number);
    c.text_right(RIGHT, 30.5, BODY, false, date);
    let rule = (y - 1.0).max(38.0);
    c.hline(MARGIN, RIGHT, rule);
    rule + 7.0
}

/// Legal identity and page number at the bottom of every page.
fn footers(c: &mut Canvas, seller: &Seller) {
    let n = c.page_count();
    let line1 = format!(
        "{} — {} au capital de {} — SIRET {} — {}",
        seller.name,
        seller.legal_form,
        seller.capital,
        spaced_siret(&seller.siret),
        seller.rcs
    );
    let line2 = format!(
        "TVA intracommunautaire {} — {}",
        seller.vat_number,
        seller.address.one_line()
    );
    let width = RIGHT - MARGIN - 20.0;
    let mut lines = wrap(&line1, width, 6.8, false);
    lines.extend(wrap(&line2, width, 6.8, false));
    let top = (284.0f32).min(290.5 - (lines.len() as f32 - 1.0) * 3.2);
    for p in 0..n {
        c.on_page(p, |c| {
            c.hline(MARGIN, RIGHT, top - 4.0);
            for (i, l) in lines.iter().enumerate() {
                c.text_colored(MARGIN, top + i as f32 * 3.2, 6.8, false, GREY, l);
            }
            c.text_right(RIGHT, top, 7.5, false, &format!("page {}/{}", p + 1, n));
        });
    }
}

/// A labelled block of lines, each wrapped to `width`; the first in bold. Returns the y
/// below it.
fn block(c: &mut Canvas, x: f32, width: f32, y: f32, label: &str, lines: &[String]) -> f32 {
    c.text_colored(x, y, 7.0, true, GREY, label);
    let mut yy = y + 4.5;
    for (i, l) in lines.iter().enumerate() {
        let (size, bold) = if i == 0 { (9.5, true) } else { (BODY, false) };
        for part in wrap(l, width, size, bold) {
            c.text(x, yy, size, bold, &part);
            yy += LINE;
        }
    }
    yy
}

fn address_lines(name: &str, a: &Address) -> Vec<String> {
    let mut out = vec![name.to_string()];
    out.extend(a.lines());
    out
}

/// `BL-2026-00001 du 06/03/2026, BL-2026-00004 du 12/03/2026`.
fn notes_list(notes: &[(crate::domain::DocNumber, crate::domain::Date)]) -> String {
    notes
        .iter()
        .map(|(n, d)| format!("{n} du {}", d.fr()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The references of the document, as (label, value).
fn references(doc: &IssuedDocument) -> Vec<(String, String)> {
    let mut refs: Vec<(String, String)> = Vec::new();
    match doc.kind() {
        DocKind::Quote => {
            let version = doc.quote_version.unwrap_or(1);
            let renews = doc
                .renews
                .map(|n| format!(" (renouvelle {n})"))
                .unwrap_or_default();
            refs.push(("Version du devis".into(), format!("{version}{renews}")));
            if let Some(v) = doc.valid_until {
                refs.push(("Valable jusqu'au".into(), v.fr_long()));
            }
        }
        _ => {
            refs.push(("Commande (devis)".into(), doc.order_number.to_string()));
            if let Some(po) = &doc.po {
                refs.push((
                    "Bon de commande / n° d'engagement".into(),
                    format!("{} du {}", po.number, po.date.fr()),
                ));
                if let Some(m) = &po.contract {
                    refs.push(("Marché".into(), m.clone()));
                }
            }
        }
    }
    match doc.kind() {
        DocKind::Invoice | DocKind::CreditNote => {
            if let Some(d) = doc.delivery_date {
                refs.push(("Date de livraison".into(), d.fr()));
            }
            if !doc.delivery_notes.is_empty() {
                refs.push(("Bons de livraison".into(), notes_list(&doc.delivery_notes)));
            }
            if let Some((inv, date)) = &doc.cancels {
                let label = if doc.partial {
                    "Réduit la facture"
                } else {
                    "Annule la facture"
                };
                refs.push((label.into(), format!("{inv} du {}", date.fr())));
            }
            if let Some(due) = doc.due_date.filter(|_| doc.kind() == DocKind::Invoice) {
                refs.push(("Échéance (estimée)".into(), due.fr()));
            }
            refs.push(("Nature de l'opération".into(), "livraison de biens".into()));
        }
        DocKind::DeliveryNote => {
            refs.push(("Date d'expédition".into(), doc.date.fr()));
            if !doc.delivery_notes.is_empty() {
                refs.push((
                    "Livraisons précédentes".into(),
                    notes_list(&doc.delivery_notes),
                ));
            }
        }
        DocKind::Quote => {}
    }
    refs
}

/// Buyer, delivery and references blocks of the first page; returns the next y.
fn first_page_blocks(c: &mut Canvas, doc: &IssuedDocument, top: f32) -> f32 {
    let b = &doc.buyer;
    let mut buyer = address_lines(&b.legal_name, &b.header_address);
    buyer.push(format!(
        "SIRET {} — SIREN {}",
        spaced_siret(&b.siret),
        &b.siret[..b.siret.len().min(9)]
    ));
    if let Some(code) = b.service_code.as_deref().filter(|s| !s.trim().is_empty()) {
        buyer.push(format!("Code service Chorus Pro : {code}"));
    }
    let split = 112.0;
    let right_end = block(
        c,
        split,
        RIGHT - split,
        top,
        "CLIENT (ADRESSE DE FACTURATION)",
        &buyer,
    );
    let left_w = split - 4.0 - MARGIN;
    let show_delivery = match doc.kind() {
        DocKind::Invoice | DocKind::CreditNote => b.delivery_address != b.header_address,
        _ => true,
    };
    let mut left_end = top;
    if show_delivery {
        let label = if doc.kind() == DocKind::Quote {
            "ADRESSE DE LIVRAISON"
        } else {
            "LIVRÉ À"
        };
        left_end = block(
            c,
            MARGIN,
            left_w,
            top,
            label,
            &address_lines(&b.legal_name, &b.delivery_address),
        );
    }
    let contact = &b.contact;
    if !contact.name.trim().is_empty() {
        let y = left_end + 1.0;
        c.text_colored(MARGIN, y, 7.0, true, GREY, "CONTACT");
        let mut yy = y + 4.0;
        let reach = format!("{} — {}", contact.phone, contact.email);
        for l in [contact.name.as_str(), reach.as_str()] {
            for part in wrap(l, left_w, BODY, false) {
                c.text(MARGIN, yy, BODY, false, &part);
                yy += LINE;
            }
        }
        left_end = yy;
    }
    references_band(c, doc, right_end.max(left_end) + 3.0)
}

/// The grey band of references, two per row; a long value wraps and the row grows.
fn references_band(c: &mut Canvas, doc: &IssuedDocument, y: f32) -> f32 {
    let refs = references(doc);
    let col_w = (RIGHT - MARGIN) / 2.0 - 4.0;
    let xs = [MARGIN + 2.0, MARGIN + (RIGHT - MARGIN) / 2.0 + 1.0];
    // Lay out first, then paint the band under the text.
    let mut placed: Vec<(f32, f32, bool, String)> = Vec::new();
    let mut row_y = y;
    for row in refs.chunks(2) {
        let mut rows_used = 1;
        for ((k, v), x) in row.iter().zip(xs) {
            let label = format!("{k} :");
            let kw = face(false).width_mm(&format!("{label} "), 7.5);
            placed.push((x, row_y, false, label));
            let first_w = col_w - kw;
            let one = wrap(v, first_w, BODY, true);
            let lines = if one.len() == 1 {
                placed.push((x + kw, row_y, true, one[0].clone()));
                1
            } else {
                let more = wrap(v, col_w, BODY, true);
                for (i, l) in more.iter().enumerate() {
                    placed.push((x, row_y + (i + 1) as f32 * LINE, true, l.clone()));
                }
                more.len() + 1
            };
            rows_used = rows_used.max(lines);
        }
        row_y += rows_used as f32 * LINE + 0.6;
    }
    c.rect(
        MARGIN,
        y - 3.5,
        RIGHT - MARGIN,
        row_y - y + 1.4,
        Some(LIGHT),
        None,
    );
    for (x, yy, value, text) in placed {
        if value {
            c.text(x, yy, BODY, true, &text);
        } else {
            c.text_colored(x, yy, 7.5, false, GREY, &text);
        }
    }
    row_y + 2.0
}

/// Columns: (header, right edge or left x, right-aligned?).
struct Column {
    title: &'static str,
    x: f32,
    right: bool,
}

fn columns(kind: DocKind) -> Vec<Column> {
    let col = |title, x, right| Column { title, x, right };
    match kind {
        DocKind::DeliveryNote => vec![
            col("Réf.", MARGIN + 1.0, false),
            col("Désignation", 44.0, false),
            col("Commandé", 128.0, true),
            col("Déjà livré", 150.0, true),
            col("Ce bon", 172.0, true),
            col("Reste", RIGHT - 1.0, true),
        ],
        _ => vec![
            col("Réf.", MARGIN + 1.0, false),
            col("Désignation", 44.0, false),
            col("Qté", 130.0, true),
            col("PU HT", 152.0, true),
            col("TVA", 166.0, true),
            col("Total HT", RIGHT - 1.0, true),
        ],
    }
}

fn table_header(c: &mut Canvas, cols: &[Column], y: f32) -> f32 {
    c.rect(MARGIN, y - 4.0, RIGHT - MARGIN, 6.0, Some(ACCENT), None);
    for col in cols {
        let w = super::layout::face(true).width_mm(col.title, 8.0);
        let x = if col.right { col.x - w } else { col.x };
        c.text_colored(
            x,
            y,
            8.0,
            true,
            super::layout::Rgb8(255, 255, 255),
            col.title,
        );
    }
    y + 6.0
}

fn row_cells(doc: &IssuedDocument, i: usize) -> Vec<String> {
    let l = &doc.lines[i];
    match doc.kind() {
        DocKind::DeliveryNote => vec![
            l.sku.clone(),
            l.designation.clone(),
            l.ordered.to_string(),
            l.delivered_before.to_string(),
            l.quantity.to_string(),
            l.remaining.to_string(),
        ],
        _ => vec![
            l.sku.clone(),
            l.designation.clone(),
            l.quantity.to_string(),
            crate::domain::money::format_number_fr(l.unit_price),
            l.vat.fr(),
            crate::domain::money::format_number_fr(l.amount),
        ],
    }
}

/// Lines, paginated with the header repeated; returns the y after the last row. Every
/// cell is wrapped, never cut: a long designation makes its row taller.
fn table(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let cols = columns(doc.kind());
    let mut y = table_header(c, &cols, y);
    let sku_w = cols[1].x - cols[0].x - 2.0;
    for i in 0..doc.lines.len() {
        let cells = row_cells(doc, i);
        // The designation stops 2 mm before the widest number of the row.
        let numbers_left = cols
            .iter()
            .zip(&cells)
            .skip(2)
            .map(|(col, cell)| col.x - face(false).width_mm(cell, BODY))
            .fold(cols[2].x - 12.0, f32::min);
        let sku = wrap(&cells[0], sku_w, 7.5, false);
        let desig = wrap(&cells[1], numbers_left - 2.0 - cols[1].x, BODY, false);
        let height = sku.len().max(desig.len()) as f32 * ROW + 1.2;
        if y + height > BOTTOM {
            c.text_right(RIGHT, y + 1.0, 7.5, false, "Suite page suivante…");
            c.new_page();
            let top = page_header(c, doc, seller);
            c.text_colored(
                MARGIN,
                top,
                7.5,
                false,
                GREY,
                &format!("{} (suite)", title_of(doc.kind())),
            );
            y = table_header(c, &cols, top + 7.0);
        }
        if i % 2 == 1 {
            c.rect(
                MARGIN,
                y - 3.6,
                RIGHT - MARGIN,
                height,
                Some(super::layout::Rgb8(247, 248, 250)),
                None,
            );
        }
        for (k, line) in sku.iter().enumerate() {
            c.text(cols[0].x, y + k as f32 * ROW, 7.5, false, line);
        }
        for (k, line) in desig.iter().enumerate() {
            c.text(cols[1].x, y + k as f32 * ROW, BODY, false, line);
        }
        for (col, cell) in cols.iter().zip(&cells).skip(2) {
            c.text_right(col.x, y, BODY, false, cell);
        }
        y += height;
    }
    c.hline(MARGIN, RIGHT, y - 2.5);
    y + 2.0
}

/// Starts a new page when `needed` mm do not fit below `y`.
fn ensure_room(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32, needed: f32) -> f32 {
    if y + needed > BOTTOM + 8.0 {
        c.new_page();
        page_header(c, doc, seller)
    } else {
        y
    }
}

fn totals(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let t = &doc.totals;
    let needed = (t.vat.len() as f32 + 3.0) * 5.0 + 4.0;
    let mut y = ensure_room(c, doc, seller, y, needed);
    let label_x = 120.0;
    c.text(label_x, y, 9.0, false, "Total HT");
    c.text_right(RIGHT, y, 9.0, false, &t.excl_vat.fr());
    y += 5.0;
    for v in &t.vat {
        c.text(
            label_x,
            y,
            9.0,
            false,
            &format!("TVA {} sur {}", v.rate.fr(), v.base.fr()),
        );
        c.text_right(RIGHT, y, 9.0, false, &v.tax.fr());
        y += 5.0;
    }
    c.rect(
        label_x - 2.0,
        y - 4.2,
        RIGHT - label_x + 2.0,
        6.5,
        Some(LIGHT),
        None,
    );
    let label = match doc.kind() {
        DocKind::CreditNote => "Total de l'avoir TTC",
        DocKind::Invoice => "Net à payer TTC",
        _ => "Total TTC",
    };
    c.text(label_x, y, 10.0, true, label);
    c.text_right(RIGHT, y, 10.0, true, &t.incl_vat.fr());
    y + 8.0
}

fn paragraph(c: &mut Canvas, y: f32, size: f32, bold: bool, text: &str) -> f32 {
    paragraph_at(c, MARGIN, RIGHT - MARGIN, y, size, bold, text)
}

fn paragraph_at(
    c: &mut Canvas,
    x: f32,
    width: f32,
    y: f32,
    size: f32,
    bold: bool,
    text: &str,
) -> f32 {
    let mut y = y;
    for line in wrap(text, width, size, bold) {
        c.text(x, y, size, bold, &line);
        y += size * 0.45;
    }
    y + 1.2
}

/// A paragraph of the mentions that moves to a new page rather than run into the footer.
fn flow(
    c: &mut Canvas,
    doc: &IssuedDocument,
    seller: &Seller,
    y: f32,
    size: f32,
    bold: bool,
    text: &str,
) -> f32 {
    let mut y = y;
    for line in wrap(text, RIGHT - MARGIN, size, bold) {
        y = ensure_room(c, doc, seller, y, size * 0.45);
        c.text(MARGIN, y, size, bold, &line);
        y += size * 0.45;
    }
    y + 1.2
}

fn rib_block(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let half = (RIGHT - MARGIN) / 2.0 - 5.0;
    let holder = wrap(
        &format!("Titulaire : {}", seller.bank_holder),
        half,
        BODY,
        false,
    );
    let bank = if seller.bank_name.trim().is_empty() {
        Vec::new()
    } else {
        wrap(&format!("Banque : {}", seller.bank_name), half, BODY, false)
    };
    let rows = holder.len().max(bank.len()) as f32;
    let height = 18.0 + rows * LINE;
    let y = ensure_room(c, doc, seller, y, height + 4.0);
    c.rect(MARGIN, y, RIGHT - MARGIN, height, None, Some(GREY));
    c.text(
        MARGIN + 3.0,
        y + 5.0,
        9.0,
        true,
        "Coordonnées bancaires (RIB) pour le règlement par virement",
    );
    let mut yy = y + 10.0;
    for (i, l) in holder.iter().enumerate() {
        c.text(MARGIN + 3.0, yy + i as f32 * LINE, BODY, false, l);
    }
    for (i, l) in bank.iter().enumerate() {
        c.text(MARGIN + half + 8.0, yy + i as f32 * LINE, BODY, false, l);
    }
    yy += rows * LINE + 1.0;
    c.text(
        MARGIN + 3.0,
        yy,
        BODY,
        true,
        &format!("IBAN : {}", iban_spaced(&seller.iban)),
    );
    c.text(
        MARGIN + 3.0,
        yy + 4.5,
        BODY,
        true,
        &format!("BIC : {}", seller.bic),
    );
    y + height + 4.0
}

/// The legal ground of each VAT exemption on the document's lines.
fn exemption_mentions(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let mut y = y;
    for g in doc.exemption_grounds() {
        y = flow(c, doc, seller, y, BODY, false, &format!("TVA 0 % : {g}"));
    }
    y
}

/// When lateness would start: the half-year of the day after the due date (the rate is
/// the ECB's of that half-year's first day), « commençant au premier semestre 2027 ».
pub(crate) fn late_from(doc: &IssuedDocument) -> String {
    late_from_due(doc.due_date.unwrap_or(doc.date))
}

fn late_from_due(due: crate::domain::Date) -> String {
    let start = due.add_days(1);
    let (y, m, _) = start.ymd();
    let half = if m <= 6 { "premier" } else { "second" };
    format!("commençant au {half} semestre {y}")
}

/// The public-procurement payment terms, with the rate in force when it is known.
fn payment_terms(doc: &IssuedDocument) -> (String, String) {
    let b = &doc.buyer;
    let presumed = doc
        .date
        .add_days(crate::domain::interest::PRESUMED_RECEIPT_DAYS);
    let pay = match doc.due_date {
        Some(due) => format!(
            "Paiement par mandat administratif (virement) à {} jours à compter de la réception de la facture \
             (délai global de paiement, art. R2192-10 à R2192-12 du Code de la commande publique), soit le {} \
             pour une réception le {}.",
            b.payment_delay_days,
            due.fr(),
            presumed.fr()
        ),
        None => format!(
            "Paiement par mandat administratif (virement) à {} jours à compter de la réception de la facture.",
            b.payment_delay_days
        ),
    };
    let rate = match doc.late_rate_bp {
        Some(bp) => format!(" — soit {} pour un retard {}", rate_fr(bp), late_from(doc)),
        None => String::new(),
    };
    let late = format!(
        "Tout retard de paiement fait courir de plein droit, dès le lendemain de l'échéance, des intérêts moratoires \
         au taux de la Banque centrale européenne en vigueur au premier jour du semestre où ils commencent à courir, \
         majoré de 8 points (art. R2192-31 du Code de la commande publique){rate}, et une indemnité forfaitaire pour \
         frais de recouvrement de 40 € (art. D2192-35)."
    );
    (pay, late)
}

fn invoice_mentions(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let mut y = exemption_mentions(c, doc, seller, y);
    if doc.kind() == DocKind::CreditNote {
        if let Some((inv, date)) = &doc.cancels {
            let what = if doc.partial {
                format!(
                    "Cet avoir réduit la facture {inv} du {} de {} TTC.",
                    date.fr(),
                    doc.totals.incl_vat.fr()
                )
            } else {
                format!("Cet avoir annule la facture {inv} du {}.", date.fr())
            };
            y = flow(c, doc, seller, y, 9.0, true, &what);
        }
        if let Some(r) = &doc.reason {
            y = flow(c, doc, seller, y, BODY, false, &format!("Motif : {r}"));
        }
        y = flow(
            c,
            doc,
            seller,
            y,
            BODY,
            false,
            "Un avoir n'est pas une demande de paiement : il réduit ou annule la facture citée.",
        );
        return flow(c, doc, seller, y, BODY, false, &chorus_routing(doc));
    }
    let (pay, late) = payment_terms(doc);
    y = flow(c, doc, seller, y, 9.0, true, &pay);
    y = flow(
        c,
        doc,
        seller,
        y,
        BODY,
        false,
        "Pas d'escompte pour paiement anticipé.",
    );
    y = flow(c, doc, seller, y, BODY, false, &late);
    y = flow(c, doc, seller, y, BODY, false, &chorus_routing(doc));
    rib_block(c, doc, seller, y + 1.0)
}

/// Where the document goes in Chorus Pro: the body's SIRET, service code, engagement.
fn chorus_routing(doc: &IssuedDocument) -> String {
    let b = &doc.buyer;
    let mut routing = format!(
        "Dépôt Chorus Pro — destinataire SIRET {}",
        spaced_siret(&b.siret)
    );
    if let Some(code) = b.service_code.as_deref().filter(|s| !s.trim().is_empty()) {
        routing.push_str(&format!(", code service {code}"));
    }
    if let Some(po) = &doc.po {
        routing.push_str(&format!(", n° d'engagement {}", po.number));
        if let Some(m) = &po.contract {
            routing.push_str(&format!(", marché {m}"));
        }
    }
    routing.push('.');
    routing
}

fn quote_mentions(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let y = exemption_mentions(c, doc, seller, y);
    let y = ensure_room(c, doc, seller, y, 45.0);
    let until = doc.valid_until.map(|d| d.fr_long()).unwrap_or_default();
    let mut yy = paragraph(
        c,
        y,
        9.5,
        true,
        &format!("Devis valable un mois, jusqu'au {until}."),
    );
    c.rect(MARGIN, yy - 1.0, RIGHT - MARGIN, 27.0, None, Some(ACCENT));
    let (x, w) = (MARGIN + 3.0, RIGHT - MARGIN - 6.0);
    yy = paragraph_at(
        c,
        x,
        w,
        yy + 4.0,
        9.0,
        true,
        "IMPORTANT — Un devis signé ne suffit pas pour commander.",
    );
    yy = paragraph_at(
        c,
        x,
        w,
        yy,
        BODY,
        false,
        "Adressez-nous par courrier le BON DE COMMANDE ORIGINAL de votre établissement : sur papier à en-tête, \
         daté, signé et revêtu du cachet officiel, accompagné de ce devis. Aucun autre document n'est valable pour \
         le paiement et la facturation. Une copie envoyée par e-mail permet de réserver la marchandise ; \
         l'expédition a lieu dès réception de l'original.",
    );
    yy = yy.max(y + 34.0);
    paragraph(
        c,
        yy,
        7.5,
        false,
        "Paiement par mandat administratif réservé aux organismes publics. Pas d'escompte pour paiement anticipé.",
    )
}

fn delivery_mentions(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let y = ensure_room(c, doc, seller, y, 42.0);
    let remaining: u32 = doc.lines.iter().map(|l| l.remaining).sum();
    let mut y = if remaining > 0 {
        paragraph(
            c,
            y,
            9.0,
            true,
            &format!("Livraison partielle : {remaining} unité(s) restent à livrer."),
        )
    } else {
        paragraph(c, y, 9.0, true, "Livraison complète de la commande.")
    };
    y += 2.0;
    let half = (RIGHT - MARGIN - 6.0) / 2.0;
    c.rect(MARGIN, y, half, 30.0, None, Some(GREY));
    c.text(
        MARGIN + 2.0,
        y + 4.5,
        BODY,
        true,
        "Réserves à la livraison :",
    );
    c.rect(MARGIN + half + 6.0, y, half, 30.0, None, Some(GREY));
    c.text(
        MARGIN + half + 8.0,
        y + 4.5,
        BODY,
        true,
        "Date, nom, signature et cachet du destinataire :",
    );
    y + 34.0
}

/// The pages of a document (before PDF/A finishing).
pub(crate) fn document_canvas(doc: &IssuedDocument, seller: &Seller) -> Canvas {
    let mut c = Canvas::new();
    c.new_page();
    let top = page_header(&mut c, doc, seller);
    let y = first_page_blocks(&mut c, doc, top);
    let y = table(&mut c, doc, seller, y + 4.0);
    let y = match doc.kind() {
        DocKind::DeliveryNote => y,
        _ => totals(&mut c, doc, seller, y),
    };
    match doc.kind() {
        DocKind::Invoice | DocKind::CreditNote => invoice_mentions(&mut c, doc, seller, y),
        DocKind::Quote => quote_mentions(&mut c, doc, seller, y),
        DocKind::DeliveryNote => delivery_mentions(&mut c, doc, seller, y),
    };
    c
}

/// Appends the accounting pack's pages after an invoice: the RIB and the purchase order.
pub(crate) fn pack_pages(
    c: &mut Canvas,
    doc: &IssuedDocument,
    seller: &Seller,
    input: &super::PackInput,
) {
    c.new_page();
    let mut y = page_header(c, doc, seller) + 5.0;
    c.text_colored(MARGIN, y, 13.0, true, ACCENT, "Relevé d'identité bancaire");
    y += 8.0;
    y = paragraph(
        c,
        y,
        BODY,
        true,
        &format!(
            "À joindre au mandat de paiement de la facture {} : montant à payer {}.",
            doc.number,
            input.to_pay.fr()
        ),
    );
    for line in input.account_lines {
        y = paragraph(c, y, BODY, false, line);
    }
    y = rib_block(c, doc, seller, y + 2.0);
    y = paragraph(
        c,
        y + 2.0,
        BODY,
        false,
        &format!("Adresse du titulaire : {}", seller.address.one_line()),
    );
    y += 10.0;
    c.text_colored(
        MARGIN,
        y,
        13.0,
        true,
        ACCENT,
        "Bon de commande de l'acheteur",
    );
    y += 8.0;
    for line in input.po_lines {
        y = paragraph(c, y, BODY, false, line);
    }
}

/// Finishes the pages with their footers.
pub(crate) fn finish_canvas(c: &mut Canvas, seller: &Seller) {
    footers(c, seller);
}

#[cfg(test)]
mod tests {
    use crate::domain::Date;

    #[test]
    fn lateness_starts_the_day_after_the_due_date() {
        let day = |s| Date::parse_iso(s).unwrap();
        assert_eq!(
            super::late_from_due(day("2027-01-08")),
            "commençant au premier semestre 2027"
        );
        assert_eq!(
            super::late_from_due(day("2026-12-31")),
            "commençant au premier semestre 2027"
        );
        assert_eq!(
            super::late_from_due(day("2026-06-30")),
            "commençant au second semestre 2026"
        );
    }
}

//! The four documents on A4, in French, with every mention domain.md requires.

use super::layout::{ACCENT, Canvas, GREY, LIGHT, MARGIN, PAGE_W, wrap};
use crate::domain::ids::iban_spaced;
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

/// Seller identity at the top of every page, document title on the right.
fn page_header(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller) {
    let mut y = 19.0;
    let mut x = MARGIN;
    if let Some(png) = &seller.logo_png
        && c.png(MARGIN, 12.0, 22.0, png).is_some()
    {
        x += 25.0;
    }
    c.text_colored(x, y, 13.0, true, ACCENT, &seller.name);
    y += 5.0;
    for line in seller.address.lines() {
        c.text(x, y, BODY, false, &line);
        y += 3.8;
    }
    c.text_colored(
        x,
        y,
        7.5,
        false,
        GREY,
        &format!("Tél. {} — {}", seller.phone, seller.email),
    );
    c.text_colored(
        RIGHT - super::layout::face(true).width_mm(title_of(doc.kind()), 16.0),
        19.0,
        16.0,
        true,
        ACCENT,
        title_of(doc.kind()),
    );
    c.text_right(RIGHT, 25.5, 10.0, true, &format!("N° {}", doc.number));
    c.text_right(
        RIGHT,
        30.5,
        BODY,
        false,
        &format!("Date : {}", doc.date.fr_long()),
    );
    c.hline(MARGIN, RIGHT, 38.0);
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
    for p in 0..n {
        c.on_page(p, |c| {
            c.hline(MARGIN, RIGHT, 280.0);
            c.text_colored(MARGIN, 284.0, 6.8, false, GREY, &line1);
            c.text_colored(MARGIN, 287.5, 6.8, false, GREY, &line2);
            c.text_right(RIGHT, 284.0, 7.5, false, &format!("page {}/{}", p + 1, n));
        });
    }
}

fn block(c: &mut Canvas, x: f32, y: f32, label: &str, lines: &[String]) -> f32 {
    c.text_colored(x, y, 7.0, true, GREY, label);
    let mut yy = y + 4.5;
    for (i, l) in lines.iter().enumerate() {
        c.text(x, yy, if i == 0 { 9.5 } else { BODY }, i == 0, l);
        yy += 4.0;
    }
    yy
}

fn address_lines(name: &str, a: &Address) -> Vec<String> {
    let mut out = vec![name.to_string()];
    out.extend(a.lines());
    out
}

/// Buyer, delivery and references blocks of the first page; returns the next y.
fn first_page_blocks(c: &mut Canvas, doc: &IssuedDocument) -> f32 {
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
    let right_end = block(c, 112.0, 45.0, "CLIENT (ADRESSE DE FACTURATION)", &buyer);
    let show_delivery = match doc.kind() {
        DocKind::Invoice | DocKind::CreditNote => b.delivery_address != b.header_address,
        _ => true,
    };
    let mut left_end = 45.0;
    if show_delivery {
        let label = if doc.kind() == DocKind::Quote {
            "ADRESSE DE LIVRAISON"
        } else {
            "LIVRÉ À"
        };
        left_end = block(
            c,
            MARGIN,
            45.0,
            label,
            &address_lines(&b.legal_name, &b.delivery_address),
        );
    }
    let contact = &b.contact;
    if !contact.name.trim().is_empty() {
        c.text_colored(MARGIN, left_end + 1.0, 7.0, true, GREY, "CONTACT");
        c.text(MARGIN, left_end + 5.0, BODY, false, &contact.name);
        c.text(
            MARGIN,
            left_end + 9.0,
            BODY,
            false,
            &format!("{} — {}", contact.phone, contact.email),
        );
        left_end += 12.0;
    }
    let mut y = right_end.max(left_end) + 3.0;
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
            }
        }
    }
    match doc.kind() {
        DocKind::Invoice | DocKind::CreditNote => {
            if let Some(d) = doc.delivery_date {
                refs.push(("Date de livraison".into(), d.fr()));
            }
            if let Some((inv, date)) = &doc.cancels {
                refs.push((
                    "Annule la facture".into(),
                    format!("{inv} du {}", date.fr()),
                ));
            }
            if let Some(due) = doc.due_date.filter(|_| doc.kind() == DocKind::Invoice) {
                refs.push(("Date d'échéance".into(), due.fr()));
            }
            refs.push(("Nature de l'opération".into(), "livraison de biens".into()));
        }
        DocKind::DeliveryNote => refs.push(("Date d'expédition".into(), doc.date.fr())),
        DocKind::Quote => {}
    }
    c.rect(
        MARGIN,
        y - 3.5,
        RIGHT - MARGIN,
        (refs.len().div_ceil(2) as f32) * 4.6 + 2.0,
        Some(LIGHT),
        None,
    );
    for (i, (k, v)) in refs.iter().enumerate() {
        let x = if i % 2 == 0 { MARGIN + 2.0 } else { 105.0 };
        let yy = y + (i / 2) as f32 * 4.6;
        c.text_colored(x, yy, 7.5, false, GREY, &format!("{k} :"));
        let kw = super::layout::face(false).width_mm(&format!("{k} : "), 7.5);
        c.text(x + kw, yy, BODY, true, v);
    }
    y += (refs.len().div_ceil(2) as f32) * 4.6 + 5.0;
    y
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
            col("Commandé", 148.0, true),
            col("Livré", 171.0, true),
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

/// Lines, paginated with the header repeated; returns the y after the last row.
fn table(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, mut y: f32) -> f32 {
    let cols = columns(doc.kind());
    let desig_width = cols[2].x - 22.0 - cols[1].x;
    y = table_header(c, &cols, y);
    for i in 0..doc.lines.len() {
        let cells = row_cells(doc, i);
        let mut desig = wrap(&cells[1], desig_width, BODY, false);
        if desig.len() > 3 {
            desig.truncate(3);
            desig[2].push('…');
        }
        let height = desig.len() as f32 * ROW + 1.2;
        if y + height > BOTTOM {
            c.text_right(RIGHT, y + 1.0, 7.5, false, "Suite page suivante…");
            c.new_page();
            page_header(c, doc, seller);
            c.text_colored(
                MARGIN,
                45.0,
                7.5,
                false,
                GREY,
                &format!("{} (suite)", title_of(doc.kind())),
            );
            y = table_header(c, &cols, 52.0);
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
        c.text(cols[0].x, y, 7.5, false, &cells[0]);
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
        page_header(c, doc, seller);
        46.0
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

fn rib_block(c: &mut Canvas, seller: &Seller, y: f32) -> f32 {
    c.rect(MARGIN, y, RIGHT - MARGIN, 22.0, None, Some(GREY));
    c.text(
        MARGIN + 3.0,
        y + 5.0,
        9.0,
        true,
        "Coordonnées bancaires (RIB) pour le règlement par virement",
    );
    c.text(
        MARGIN + 3.0,
        y + 10.0,
        BODY,
        false,
        &format!("Titulaire : {}", seller.bank_holder),
    );
    c.text(
        110.0,
        y + 10.0,
        BODY,
        false,
        &format!("Banque : {}", seller.bank_name),
    );
    c.text(
        MARGIN + 3.0,
        y + 15.0,
        BODY,
        true,
        &format!("IBAN : {}", iban_spaced(&seller.iban)),
    );
    c.text(
        MARGIN + 3.0,
        y + 19.5,
        BODY,
        true,
        &format!("BIC : {}", seller.bic),
    );
    y + 26.0
}

fn invoice_mentions(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
    let mut y = ensure_room(c, doc, seller, y, 62.0);
    let b = &doc.buyer;
    if doc.kind() == DocKind::CreditNote {
        if let Some((inv, date)) = &doc.cancels {
            y = paragraph(
                c,
                y,
                9.0,
                true,
                &format!("Cet avoir annule la facture {inv} du {}.", date.fr()),
            );
        }
        if let Some(r) = &doc.reason {
            y = paragraph(c, y, BODY, false, &format!("Motif : {r}"));
        }
        y = paragraph(
            c,
            y,
            BODY,
            false,
            "Un avoir n'est pas une demande de paiement : il réduit ou annule la facture citée.",
        );
        return paragraph(c, y, BODY, false, &chorus_routing(doc));
    } else if let Some(due) = doc.due_date {
        y = paragraph(
            c,
            y,
            9.0,
            true,
            &format!(
                "Paiement par mandat administratif (virement) au plus tard le {} — délai global de paiement de {} jours.",
                due.fr(),
                b.payment_delay_days
            ),
        );
    }
    y = paragraph(c, y, BODY, false, "Pas d'escompte pour paiement anticipé.");
    y = paragraph(
        c,
        y,
        BODY,
        false,
        "Tout retard de paiement fait courir de plein droit des intérêts moratoires au taux de la Banque centrale \
         européenne majoré de 8 points (art. R2192-31 du Code de la commande publique) et une indemnité forfaitaire \
         pour frais de recouvrement de 40 € (art. D2192-35).",
    );
    y = paragraph(c, y, BODY, false, &chorus_routing(doc));
    rib_block(c, seller, y + 1.0)
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
    }
    routing.push('.');
    routing
}

fn quote_mentions(c: &mut Canvas, doc: &IssuedDocument, seller: &Seller, y: f32) -> f32 {
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
    page_header(&mut c, doc, seller);
    let y = first_page_blocks(&mut c, doc);
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
    po_lines: &[String],
) {
    c.new_page();
    page_header(c, doc, seller);
    let mut y = 50.0;
    c.text_colored(MARGIN, y, 13.0, true, ACCENT, "Relevé d'identité bancaire");
    y += 8.0;
    y = paragraph(
        c,
        y,
        BODY,
        false,
        &format!(
            "À joindre au mandat de paiement de la facture {} ({}).",
            doc.number,
            doc.totals.incl_vat.fr()
        ),
    );
    y = rib_block(c, seller, y + 2.0);
    c.text(
        MARGIN,
        y + 2.0,
        BODY,
        false,
        &format!("Adresse du titulaire : {}", seller.address.one_line()),
    );
    y += 16.0;
    c.text_colored(
        MARGIN,
        y,
        13.0,
        true,
        ACCENT,
        "Bon de commande de l'acheteur",
    );
    y += 8.0;
    for line in po_lines {
        y = paragraph(c, y, BODY, false, line);
    }
}

/// Finishes the pages with their footers.
pub(crate) fn finish_canvas(c: &mut Canvas, seller: &Seller) {
    footers(c, seller);
}

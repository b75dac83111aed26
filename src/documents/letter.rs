//! Letters on A4, in the family of the other documents (the shop's header, the same
//! fonts, margins and footer): the body's address, the subject, the letter's paragraphs,
//! the invoices concerned and — for a formal notice and a claim — the computation of the
//! moratory interest, period by period (amount × days × rate / 365), the indemnity, what
//! was already received, and what is asked; the legal references; the bank details.
//! Every text wraps in its column; what would reach the footer goes to the next page.

use super::layout::{ACCENT, Canvas, GREY, LIGHT, MARGIN, PAGE_W, wrap};
use super::pdf::page_header_of;
use crate::domain::Cents;
use crate::domain::ids::iban_spaced;
use crate::domain::letter::{Letter, LetterKind, rate_text};
use crate::domain::seller::Seller;

const RIGHT: f32 = PAGE_W - MARGIN;
const BOTTOM: f32 = 262.0;
const SIZE: f32 = 9.0;
const LINE: f32 = 4.4;
const CELL: f32 = 8.0;
const ROW: f32 = 4.0;

struct Writer<'a> {
    c: &'a mut Canvas,
    letter: &'a Letter,
    seller: &'a Seller,
    y: f32,
}

impl Writer<'_> {
    fn header(&mut self) {
        let title = match self.letter.kind {
            LetterKind::Reminder => "RELANCE",
            LetterKind::FormalNotice => "MISE EN DEMEURE",
            LetterKind::InterestClaim => "INTÉRÊTS MORATOIRES",
        };
        self.y = page_header_of(
            self.c,
            self.seller,
            title,
            &format!("Réf. {}", self.letter.reference),
            &format!("{}, le {}", self.seller.address.city, self.letter.date.fr()),
        );
    }

    /// Room for `h` mm, or a new page.
    fn room(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.c.new_page();
            self.header();
        }
    }

    fn paragraph(&mut self, text: &str, bold: bool) {
        for l in wrap(text, RIGHT - MARGIN, SIZE, bold) {
            self.room(LINE);
            self.c.text(MARGIN, self.y, SIZE, bold, &l);
            self.y += LINE;
        }
        self.y += 2.0;
    }

    /// A table: (title, width, right-aligned) per column; rows of cells.
    fn table(&mut self, columns: &[(&str, f32, bool)], rows: &[Vec<String>], bold_last: bool) {
        let head = |w: &mut Writer<'_>| {
            w.c.rect(MARGIN, w.y - 3.6, RIGHT - MARGIN, 5.4, Some(LIGHT), None);
            let mut x = MARGIN;
            for (title, width, right) in columns {
                if *right {
                    w.c.text_right(x + width - 1.0, w.y, 7.5, true, title);
                } else {
                    w.c.text(x, w.y, 7.5, true, title);
                }
                x += width;
            }
            w.y += 6.0;
        };
        self.room(12.0);
        head(self);
        for (r, cells) in rows.iter().enumerate() {
            let bold = bold_last && r + 1 == rows.len();
            let wrapped: Vec<Vec<String>> = columns
                .iter()
                .zip(cells)
                .map(|((_, w, _), s)| wrap(s, w - 1.5, CELL, bold))
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * ROW;
            if self.y + height > BOTTOM {
                self.c.new_page();
                self.header();
                head(self);
            }
            let mut x = MARGIN;
            for ((_, width, right), lines) in columns.iter().zip(&wrapped) {
                for (i, l) in lines.iter().enumerate() {
                    let yy = self.y + i as f32 * ROW;
                    if *right {
                        self.c.text_right(x + width - 1.0, yy, CELL, bold, l);
                    } else {
                        self.c.text(x, yy, CELL, bold, l);
                    }
                }
                x += width;
            }
            self.y += height;
        }
        self.c.hline(MARGIN, RIGHT, self.y - 2.5);
        self.y += 3.0;
    }
}

fn invoices_table(w: &mut Writer<'_>) {
    let l = w.letter;
    let columns = [
        ("Facture", 34.0, false),
        ("Du", 20.0, false),
        ("Reçue le", 24.0, false),
        ("Échéance", 20.0, false),
        ("Montant TTC", 27.0, true),
        ("Reste dû", 27.0, true),
        ("Retard", 28.0, true),
    ];
    let rows: Vec<Vec<String>> = l
        .invoices
        .iter()
        .map(|i| {
            vec![
                i.invoice.to_string(),
                i.date.fr(),
                if i.receipt_recorded {
                    i.receipt.fr()
                } else {
                    format!("{} (présumée)", i.receipt.fr())
                },
                i.due.fr(),
                i.net.fr(),
                i.unpaid.fr(),
                match i.paid_on {
                    Some(p) if i.unpaid == Cents::ZERO => format!("payée le {}", p.fr()),
                    _ => format!("{} j", i.days_late),
                },
            ]
        })
        .collect();
    w.table(&columns, &rows, false);
}

fn computation_table(w: &mut Writer<'_>) {
    let l = w.letter;
    let columns = [
        ("Facture", 32.0, false),
        ("Somme en retard", 28.0, true),
        ("Du", 20.0, false),
        ("Au", 26.0, false),
        ("Jours", 14.0, true),
        ("Taux", 20.0, true),
        ("Intérêts", 40.0, true),
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for i in &l.invoices {
        for p in &i.periods {
            rows.push(vec![
                i.invoice.to_string(),
                p.amount.fr(),
                p.from.fr(),
                if p.running {
                    format!("{} (en cours)", p.to.fr())
                } else {
                    p.to.fr()
                },
                p.days.to_string(),
                rate_text(i.rate_bp),
                p.interest.fr(),
            ]);
        }
        rows.push(vec![
            i.invoice.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "intérêts".into(),
            i.interest.fr(),
        ]);
        rows.push(vec![
            i.invoice.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "indemnité".into(),
            i.indemnity.fr(),
        ]);
    }
    let interest: Cents = l.invoices.iter().map(|i| i.interest).sum();
    let indemnity: Cents = l.invoices.iter().map(|i| i.indemnity).sum();
    if l.penalty_settled > Cents::ZERO && l.kind == LetterKind::InterestClaim {
        rows.push(vec![
            "Déjà reçu ou abandonné".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            format!("− {}", l.penalty_settled.fr()),
        ]);
    }
    let total = match l.kind {
        LetterKind::InterestClaim => l.asked,
        _ => interest + indemnity,
    };
    rows.push(vec![
        "Total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        total.fr(),
    ]);
    w.table(&columns, &rows, true);
}

/// The pages of a letter.
pub(crate) fn pages(c: &mut Canvas, letter: &Letter, seller: &Seller) {
    c.new_page();
    let mut w = Writer {
        c,
        letter,
        seller,
        y: 0.0,
    };
    w.header();
    let width = RIGHT - MARGIN;
    w.c.text_colored(MARGIN, w.y, 7.0, true, GREY, "DESTINATAIRE");
    w.y += 4.5;
    for l in wrap(&letter.buyer_name, width, 9.5, true) {
        w.c.text(MARGIN, w.y, 9.5, true, &l);
        w.y += 4.2;
    }
    for d in letter
        .buyer_address
        .iter()
        .cloned()
        .chain([format!("SIRET {}", letter.buyer_siret)])
    {
        for l in wrap(&d, width, 8.5, false) {
            w.c.text(MARGIN, w.y, 8.5, false, &l);
            w.y += 3.8;
        }
    }
    w.y += 4.0;
    let invoices = letter
        .invoices
        .iter()
        .map(|i| format!("{} du {}", i.invoice, i.date.fr()))
        .collect::<Vec<_>>()
        .join(", ");
    let subject = match letter.kind {
        LetterKind::Reminder => format!("Objet : relance — facture(s) {invoices}"),
        LetterKind::FormalNotice => {
            format!("Objet : mise en demeure de payer — facture(s) {invoices}")
        }
        LetterKind::InterestClaim => format!(
            "Objet : paiement des intérêts moratoires et de l'indemnité forfaitaire pour frais de recouvrement — facture(s) {invoices}"
        ),
    };
    for l in wrap(&subject, width, 10.0, true) {
        w.c.text_colored(MARGIN, w.y, 10.0, true, ACCENT, &l);
        w.y += 4.8;
    }
    let mut refs = format!("Commande {}", letter.order);
    if let Some(po) = &letter.po_number {
        refs += &format!(", bon de commande / engagement n° {po}");
    }
    w.paragraph(&format!("Vos références : {refs}."), false);
    w.paragraph("Madame, Monsieur,", false);
    let unpaid: Cents = letter.invoices.iter().map(|i| i.unpaid).sum();
    match letter.kind {
        LetterKind::Reminder => {
            w.paragraph(
                &format!(
                    "Sauf erreur ou omission de notre part, la ou les factures ci-dessous n'ont pas été réglées à leur échéance, calculée à compter de leur réception selon le délai global de paiement (articles R2192-10 et suivants du code de la commande publique). Au {}, il reste {} à régler.",
                    letter.date.fr(),
                    unpaid.fr()
                ),
                false,
            );
            invoices_table(&mut w);
            w.paragraph(
                "Nous vous remercions de bien vouloir procéder à leur règlement. Si le paiement est en cours, merci de ne pas tenir compte de ce courrier. Nous vous rappelons que le retard de paiement fait courir de plein droit des intérêts moratoires (article L2192-13) et donne lieu à une indemnité forfaitaire pour frais de recouvrement de 40 € par facture (article D2192-35).",
                false,
            );
        }
        LetterKind::FormalNotice => {
            w.paragraph(
                &format!(
                    "Malgré nos précédentes demandes, la ou les factures ci-dessous restent impayées. Au {}, le principal dû s'élève à {}.",
                    letter.date.fr(),
                    unpaid.fr()
                ),
                false,
            );
            invoices_table(&mut w);
            w.paragraph(
                "Le retard fait courir de plein droit, dès le lendemain de l'échéance, des intérêts moratoires (article L2192-13 du code de la commande publique) au taux de la Banque centrale européenne en vigueur au premier jour du semestre où ils ont commencé à courir, majoré de huit points (article R2192-31), ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 € par facture (article D2192-35). Leur calcul à ce jour :",
                false,
            );
            computation_table(&mut w);
            w.paragraph(
                &format!(
                    "Nous vous mettons en demeure de régler sous quinze jours le principal de {} ainsi que les intérêts et l'indemnité dus, soit {} au {} ; les intérêts continuent de courir jusqu'au paiement. À défaut, nous nous réservons la possibilité de saisir le juge administratif.",
                    unpaid.fr(),
                    letter.asked.fr(),
                    letter.date.fr()
                ),
                true,
            );
        }
        LetterKind::InterestClaim => {
            w.paragraph(
                "La ou les factures ci-dessous ont été payées après leur échéance. Les intérêts moratoires et l'indemnité forfaitaire pour frais de recouvrement sont dus de plein droit (articles L2192-13 et D2192-35 du code de la commande publique) et devaient être payés dans les quarante-cinq jours suivant la mise en paiement du principal (article R2192-36) ; toute renonciation à leur paiement est réputée non écrite (article L2192-14).",
                false,
            );
            invoices_table(&mut w);
            w.paragraph(
                "Leur calcul, sur chaque somme payée en retard, du lendemain de l'échéance au jour du paiement inclus, au taux BCE majoré de huit points (article R2192-31), sur une année de 365 jours (arrondi une fois par facture) :",
                false,
            );
            computation_table(&mut w);
            w.paragraph(
                &format!(
                    "Nous vous remercions de bien vouloir nous régler la somme de {}.",
                    letter.asked.fr()
                ),
                true,
            );
        }
    }
    w.paragraph(
        &format!(
            "Règlement par virement : {} — IBAN {} — BIC {} ({}), en rappelant les références ci-dessus.",
            seller.bank_holder,
            iban_spaced(&seller.iban),
            seller.bic,
            seller.bank_name
        ),
        false,
    );
    w.paragraph(
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        false,
    );
    w.room(10.0);
    w.y += 2.0;
    let sign = format!("Le service comptabilité — {}", seller.name);
    for l in wrap(&sign, width, SIZE, true) {
        w.room(LINE);
        w.c.text(MARGIN, w.y, SIZE, true, &l);
        w.y += LINE;
    }
}

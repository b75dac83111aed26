//! Rendering issued documents: A4 PDFs in French, and the Factur-X (CII, EN 16931) XML
//! of invoices and credit notes, embedded in their PDF/A-3.
//!
//! Invariant: depends only on the domain; rendering is a pure function of the issued
//! document and the seller, so the same record always renders the same bytes.

use crate::domain::seller::Seller;
use crate::domain::{FileFormat, IssuedDocument};
use thiserror::Error;

/// One rendered file of a document.
#[derive(Clone, Debug)]
pub struct RenderedFile {
    pub format: FileFormat,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum RenderError {
    #[error("{0}")]
    Failed(String),
}

/// Turns an issued document into its files. The app calls it inside the issuing
/// transaction: an error aborts the issue.
pub trait Renderer: Send + Sync {
    fn render(
        &self,
        doc: &IssuedDocument,
        seller: &Seller,
    ) -> Result<Vec<RenderedFile>, RenderError>;
}

pub(crate) mod facturx;
pub(crate) mod fonts;
pub(crate) mod layout;
pub(crate) mod letter;
pub mod pack;
pub(crate) mod pdf;
pub(crate) mod pdfa;
pub(crate) mod statement;

use printpdf::PdfSaveOptions;

fn to_pdfa(
    canvas: layout::Canvas,
    doc: &IssuedDocument,
    seller: &Seller,
    xml: Option<&[u8]>,
) -> Result<Vec<u8>, RenderError> {
    let title = format!("{} {}", doc.kind().label(), doc.number);
    let subject = format!("{} — {}", title, doc.buyer.legal_name);
    canvas_to_pdfa(canvas, &title, &subject, seller, doc.issued_at, xml)
}

fn canvas_to_pdfa(
    canvas: layout::Canvas,
    title: &str,
    subject: &str,
    seller: &Seller,
    created: crate::domain::Timestamp,
    xml: Option<&[u8]>,
) -> Result<Vec<u8>, RenderError> {
    let pdf = canvas.into_document(title)?;
    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let lo = pdf.to_lopdf_document(&opts, &mut Vec::new());
    pdfa::finish(
        lo,
        &pdfa::Meta {
            title,
            author: &seller.name,
            subject,
            created,
            facturx: xml,
        },
    )
}

pub use layout::{TextBox, layout_problems};
pub use pack::{PackOrder, ScanInfo, ScanKind, inspect_scan};

/// The text boxes of a document as laid out (for layout checks: nothing clipped,
/// overlapping or off the page).
pub fn text_boxes(doc: &IssuedDocument, seller: &Seller) -> Vec<TextBox> {
    let mut canvas = pdf::document_canvas(doc, seller);
    pdf::finish_canvas(&mut canvas, seller);
    canvas.text_boxes()
}

/// The PDF of a document; for invoices and credit notes, with `xml` attached.
pub fn render_pdf(
    doc: &IssuedDocument,
    seller: &Seller,
    xml: Option<&[u8]>,
) -> Result<Vec<u8>, RenderError> {
    let mut canvas = pdf::document_canvas(doc, seller);
    pdf::finish_canvas(&mut canvas, seller);
    to_pdfa(canvas, doc, seller, xml)
}

/// What the payment service's pack says and holds besides the invoice itself.
pub struct PackInput<'a> {
    /// The issued invoice PDF, copied page by page.
    pub invoice_pdf: &'a [u8],
    /// The issued PDFs of the credit notes that reduce or cancel it, copied after it.
    pub credit_note_pdfs: &'a [Vec<u8>],
    /// The account of the invoice: its total, each credit note, what was paid.
    pub account_lines: &'a [String],
    /// What is left to pay: the amount the RIB page asks for.
    pub to_pay: crate::domain::Cents,
    /// The purchase order's references.
    pub po_lines: &'a [String],
    /// The purchase order: its scan, or the summary above.
    pub order: PackOrder<'a>,
}

/// The accounting pack of an invoice: the issued PDF's own pages, its credit notes' pages,
/// then the RIB page (`seller` carries the bank details as the invoice printed them) with
/// what is left to pay and the purchase order's references, then the scan of the original
/// when there is one.
pub fn render_pack(
    doc: &IssuedDocument,
    seller: &Seller,
    input: &PackInput,
) -> Result<Vec<u8>, RenderError> {
    let mut canvas = layout::Canvas::new();
    pdf::pack_pages(&mut canvas, doc, seller, input);
    pdf::finish_canvas(&mut canvas, seller);
    let rib = to_pdfa(canvas, doc, seller, None)?;
    pack::assemble(input, &rib, &format!("Dossier de paiement {}", doc.number))
}

/// A body's statement of account (relevé de compte) as a PDF/A, dated `at`.
pub fn render_statement(
    customer: &crate::domain::Customer,
    st: &crate::domain::statement::Statement,
    seller: &Seller,
    at: crate::domain::Timestamp,
) -> Result<Vec<u8>, RenderError> {
    let mut canvas = layout::Canvas::new();
    statement::pages(&mut canvas, customer, st, seller, at);
    pdf::finish_canvas(&mut canvas, seller);
    let title = format!("Relevé de compte {} au {}", customer.legal_name, st.to.fr());
    canvas_to_pdfa(canvas, &title, &title, seller, at, None)
}

/// A letter (relance, mise en demeure, claim for interest) as a PDF/A.
pub fn render_letter(
    letter: &crate::domain::letter::Letter,
    seller: &Seller,
) -> Result<Vec<u8>, RenderError> {
    let mut canvas = layout::Canvas::new();
    letter::pages(&mut canvas, letter, seller);
    pdf::finish_canvas(&mut canvas, seller);
    let title = format!("{} {}", letter.kind.label(), letter.reference);
    let subject = format!("{title} — {}", letter.buyer_name);
    canvas_to_pdfa(canvas, &title, &subject, seller, letter.created_at, None)
}

/// The text boxes of a letter as laid out (layout checks).
pub fn letter_boxes(letter: &crate::domain::letter::Letter, seller: &Seller) -> Vec<TextBox> {
    let mut canvas = layout::Canvas::new();
    letter::pages(&mut canvas, letter, seller);
    pdf::finish_canvas(&mut canvas, seller);
    canvas.text_boxes()
}

/// The text boxes of a statement of account as laid out (layout checks).
pub fn statement_boxes(
    customer: &crate::domain::Customer,
    st: &crate::domain::statement::Statement,
    seller: &Seller,
    at: crate::domain::Timestamp,
) -> Vec<TextBox> {
    let mut canvas = layout::Canvas::new();
    statement::pages(&mut canvas, customer, st, seller, at);
    pdf::finish_canvas(&mut canvas, seller);
    canvas.text_boxes()
}

/// The production renderer: PDF/A-3 for every document, Factur-X XML for invoices and
/// credit notes (embedded in the PDF and stored on its own).
pub struct PdfRenderer;

impl Renderer for PdfRenderer {
    fn render(
        &self,
        doc: &IssuedDocument,
        seller: &Seller,
    ) -> Result<Vec<RenderedFile>, RenderError> {
        let xml = doc
            .kind()
            .has_xml()
            .then(|| facturx::cii_xml(doc, seller).into_bytes());
        let pdf = render_pdf(doc, seller, xml.as_deref())?;
        let mut files = vec![RenderedFile {
            format: FileFormat::Pdf,
            bytes: pdf,
        }];
        if let Some(xml) = xml {
            files.push(RenderedFile {
                format: FileFormat::FacturX,
                bytes: xml,
            });
        }
        Ok(files)
    }
}

//! A small page-description layer over printpdf: text, lines and boxes placed in
//! millimetres from the top-left corner of an A4 page, then turned into a PDF whose fonts
//! are subset to the characters actually drawn.

use super::RenderError;
use super::fonts::{self, Face};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfConformance, PdfDocument, PdfFontHandle,
    PdfPage, Point, Pt, Rect, Rgb, TextItem, TextRenderingMode,
};
use std::collections::BTreeSet;

pub(crate) const PAGE_W: f32 = 210.0;
pub(crate) const PAGE_H: f32 = 297.0;
pub(crate) const MARGIN: f32 = 15.0;

/// An RGB colour, 0–255.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rgb8(pub u8, pub u8, pub u8);

pub(crate) const BLACK: Rgb8 = Rgb8(0, 0, 0);
pub(crate) const GREY: Rgb8 = Rgb8(90, 90, 90);
pub(crate) const LIGHT: Rgb8 = Rgb8(236, 239, 243);
pub(crate) const ACCENT: Rgb8 = Rgb8(31, 73, 125);

fn color(c: Rgb8) -> Color {
    Color::Rgb(Rgb {
        r: c.0 as f32 / 255.0,
        g: c.1 as f32 / 255.0,
        b: c.2 as f32 / 255.0,
        icc_profile: None,
    })
}

#[derive(Clone, Debug)]
enum Item {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb8,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb8,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb8>,
        stroke: Option<Rgb8>,
    },
    /// A PNG `width` mm wide, its top-left corner at (x, y).
    Image { x: f32, y: f32, width: f32 },
}

/// Pages under construction.
#[derive(Default)]
pub(crate) struct Canvas {
    pages: Vec<Vec<Item>>,
    /// The one image documents use (the shop's logo), decoded once per document.
    image: Option<printpdf::RawImage>,
    /// While set, drawing goes to this page instead of the last one.
    target: Option<usize>,
}

/// The face used for layout; bold text has the same advances (it is stroked, not a
/// second face).
pub(crate) fn face(_bold: bool) -> &'static Face {
    fonts::regular()
}

impl Canvas {
    pub(crate) fn new() -> Canvas {
        Canvas::default()
    }

    /// Starts a new page; later drawing goes there.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
    }

    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn push(&mut self, item: Item) {
        if self.pages.is_empty() {
            self.new_page();
        }
        let page = match self.target {
            Some(i) => self.pages.get_mut(i),
            None => self.pages.last_mut(),
        };
        if let Some(p) = page {
            p.push(item);
        }
    }

    /// Draws on an earlier page (footers, once the page count is known).
    pub(crate) fn on_page(&mut self, page: usize, f: impl FnOnce(&mut Canvas)) {
        let saved = self.target.replace(page);
        f(self);
        self.target = saved;
    }

    /// Text with its baseline at `y`.
    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.text_colored(x, y, size, bold, BLACK, s);
    }

    pub(crate) fn text_colored(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb8,
        s: &str,
    ) {
        let text = fonts::printable(s);
        if text.trim().is_empty() {
            return;
        }
        self.push(Item::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        });
    }

    /// Text whose right edge is at `right`.
    pub(crate) fn text_right(&mut self, right: f32, y: f32, size: f32, bold: bool, s: &str) {
        let w = face(bold).width_mm(&fonts::printable(s), size);
        self.text(right - w, y, size, bold, s);
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb8) {
        self.push(Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
        });
    }

    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32) {
        self.line(x1, y, x2, y, 0.3, GREY);
    }

    /// Places a PNG `width` mm wide; returns its height in mm, or `None` when the bytes
    /// are not a readable image (the document is then rendered without it).
    pub(crate) fn png(&mut self, x: f32, y: f32, width: f32, png: &[u8]) -> Option<f32> {
        if self.image.is_none() {
            self.image = printpdf::RawImage::decode_from_bytes(png, &mut Vec::new()).ok();
        }
        let img = self.image.as_ref()?;
        let height = width * img.height as f32 / img.width.max(1) as f32;
        self.push(Item::Image { x, y, width });
        Some(height)
    }

    /// A box; `y` is its top edge.
    pub(crate) fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb8>,
        stroke: Option<Rgb8>,
    ) {
        self.push(Item::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }

    /// Renders to a printpdf document with subset fonts. Returns the document and ids.
    pub(crate) fn into_document(mut self, title: &str) -> Result<PdfDocument, RenderError> {
        let mut used = BTreeSet::new();
        for page in &self.pages {
            for item in page {
                if let Item::Text { text, .. } = item {
                    used.extend(text.chars());
                }
            }
        }
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.conformance =
            PdfConformance::Custom(printpdf::conformance::CustomPdfConformance {
                identifier: String::new(),
                requires_icc_profile: false,
                requires_xmp_metadata: false,
                ..Default::default()
            });
        let font: Option<FontId> = if used.is_empty() {
            None
        } else {
            Some(doc.add_font(&fonts::regular().subset(&used)?))
        };
        let image = self
            .image
            .as_ref()
            .map(|img| (doc.add_image(img), img.width.max(1) as f32));
        let image_height = self.image.as_ref().map(|i| i.height as f32).unwrap_or(0.0);
        let pages = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|items| {
                let mut painter = Painter {
                    ops: vec![Op::SetFillColor { col: color(BLACK) }],
                    fill: BLACK,
                    font: font.clone(),
                    image: image.clone(),
                    image_height,
                };
                for item in items {
                    painter.paint(item);
                }
                PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), painter.ops)
            })
            .collect();
        doc.with_pages(pages);
        Ok(doc)
    }
}

/// Turns a page's items into printpdf operations, keeping the current fill colour.
struct Painter {
    ops: Vec<Op>,
    fill: Rgb8,
    font: Option<FontId>,
    /// The logo's image and its width in pixels.
    image: Option<(printpdf::XObjectId, f32)>,
    /// The logo's height in pixels.
    image_height: f32,
}

impl Painter {
    fn paint(&mut self, item: Item) {
        match item {
            Item::Text {
                x,
                y,
                size,
                bold,
                color: c,
                text,
            } => self.text(x, y, size, bold, c, text),
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color: c,
            } => self.line((x1, y1), (x2, y2), width, c),
            Item::Image { x, y, width } => self.image(x, y, width),
            Item::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => self.rect(x, y, w, h, fill, stroke),
        }
    }

    /// Bold is the regular face filled and stroked.
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, c: Rgb8, text: String) {
        let Some(font) = self.font.clone() else {
            return;
        };
        if c != self.fill {
            self.ops.push(Op::SetFillColor { col: color(c) });
            self.fill = c;
        }
        if bold {
            self.ops.push(Op::SetOutlineColor { col: color(c) });
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(size * 0.045),
            });
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::FillStroke,
            });
        }
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont {
            font: PdfFontHandle::External(font),
            size: Pt(size),
        });
        self.ops.push(Op::SetTextCursor { pos: point(x, y) });
        self.ops.push(Op::ShowText {
            items: vec![TextItem::Text(text)],
        });
        self.ops.push(Op::EndTextSection);
        if bold {
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::Fill,
            });
        }
    }

    fn line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), width: f32, c: Rgb8) {
        self.ops.push(Op::SetOutlineColor { col: color(c) });
        self.ops.push(Op::SetOutlineThickness {
            pt: Pt(width / fonts::MM_PER_PT),
        });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: point(x1, y1),
                        bezier: false,
                    },
                    LinePoint {
                        p: point(x2, y2),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    fn image(&mut self, x: f32, y: f32, width: f32) {
        let Some((id, px)) = self.image.clone() else {
            return;
        };
        let dpi = px / (width / 25.4);
        let height = width * self.image_height / px;
        self.ops.push(Op::UseXobject {
            id,
            transform: printpdf::XObjectTransform {
                translate_x: Some(Mm(x).into()),
                translate_y: Some(Mm(PAGE_H - y - height).into()),
                dpi: Some(dpi),
                ..Default::default()
            },
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb8>, stroke: Option<Rgb8>) {
        let rect = |mode| Rect {
            x: Mm(x).into(),
            y: Mm(PAGE_H - y - h).into(),
            width: Mm(w).into(),
            height: Mm(h).into(),
            mode: Some(mode),
            winding_order: None,
        };
        if let Some(c) = fill {
            self.ops.push(Op::SetFillColor { col: color(c) });
            self.fill = c;
            self.ops.push(Op::DrawRectangle {
                rectangle: rect(PaintMode::Fill),
            });
        }
        if let Some(c) = stroke {
            self.ops.push(Op::SetOutlineColor { col: color(c) });
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(0.3 / fonts::MM_PER_PT),
            });
            self.ops.push(Op::DrawRectangle {
                rectangle: rect(PaintMode::Stroke),
            });
        }
    }
}

/// Where a piece of text landed on a page, in mm from the top-left corner.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub page: usize,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub text: String,
}

impl TextBox {
    fn overlaps(&self, o: &TextBox) -> bool {
        // A hair of tolerance: glyph boxes of neighbouring lines may touch.
        const EPS: f32 = 0.05;
        self.page == o.page
            && self.x0 + EPS < o.x1
            && o.x0 + EPS < self.x1
            && self.y0 + EPS < o.y1
            && o.y0 + EPS < self.y1
    }
}

/// Text cut with an ellipsis, overlapping other text, or outside the printable area.
pub fn layout_problems(boxes: &[TextBox]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, b) in boxes.iter().enumerate() {
        if b.x0 < MARGIN - 0.5 || b.x1 > PAGE_W - MARGIN + 0.5 || b.y0 < 5.0 || b.y1 > PAGE_H - 5.0
        {
            out.push(format!(
                "page {} : « {} » sort de la page ({:.1}–{:.1} mm)",
                b.page + 1,
                b.text,
                b.x0,
                b.x1
            ));
        }
        if b.text.ends_with('…') && !b.text.starts_with("Suite page suivante") {
            out.push(format!("page {} : « {} » est coupé", b.page + 1, b.text));
        }
        for o in &boxes[i + 1..] {
            if b.overlaps(o) {
                out.push(format!(
                    "page {} : « {} » chevauche « {} »",
                    b.page + 1,
                    b.text,
                    o.text
                ));
            }
        }
    }
    out
}

impl Canvas {
    /// Every piece of text drawn, with its box (ascent and descent of the face).
    pub(crate) fn text_boxes(&self) -> Vec<TextBox> {
        const PT: f32 = 25.4 / 72.0;
        let mut out = Vec::new();
        for (page, items) in self.pages.iter().enumerate() {
            for item in items {
                if let Item::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                    ..
                } = item
                {
                    out.push(TextBox {
                        page,
                        x0: *x,
                        x1: *x + face(*bold).width_mm(text, *size),
                        y0: *y - size * PT * 0.75,
                        y1: *y + size * PT * 0.2,
                        text: text.clone(),
                    });
                }
            }
        }
        out
    }
}

fn point(x: f32, y: f32) -> Point {
    Point {
        x: Mm(x).into(),
        y: Mm(PAGE_H - y).into(),
    }
}

/// Greedy word wrap of `s` into lines no wider than `width` mm. A word wider than a line
/// is cut between characters; nothing is ever dropped.
pub(crate) fn wrap(s: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    let f = face(bold);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        if !current.is_empty() {
            let candidate = format!("{current} {word}");
            if f.width_mm(&candidate, size) <= width {
                current = candidate;
                continue;
            }
            lines.push(std::mem::take(&mut current));
        }
        if f.width_mm(word, size) <= width {
            current = word.to_string();
            continue;
        }
        for ch in word.chars() {
            let mut next = current.clone();
            next.push(ch);
            if f.width_mm(&next, size) > width && !current.is_empty() {
                lines.push(std::mem::take(&mut current));
                current.push(ch);
            } else {
                current = next;
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

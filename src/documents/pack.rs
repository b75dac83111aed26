//! The payment service's pack: the issued invoice's own pages (copied from the stored PDF,
//! never re-rendered), the RIB page, then the purchase order — the scan of the original
//! when staff attached one, else a summary of its references. Same inputs, same bytes.
//!
//! Scans come from staff: they are checked when attached ([`inspect_scan`]) with bounded
//! parsing (size, pages, pixels, decompression).

use super::RenderError;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use std::collections::BTreeMap;

/// Most pages a scanned purchase order may have.
const MAX_SCAN_PAGES: usize = 50;
/// Most pixels of a scanned image (a 300 dpi A4 page is 8.7 million).
const MAX_SCAN_PIXELS: usize = 16_000_000;
/// Most bytes one stream of a scanned PDF may inflate to while it is read.
const MAX_INFLATE: usize = 64 * 1024 * 1024;
/// A4 in points.
const A4: (f32, f32) = (595.276, 841.89);
/// Margin around a scanned image, in points (15 mm).
const MARGIN_PT: f32 = 42.52;

/// What a scan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanKind {
    Pdf,
    Png,
    Jpeg,
}

impl ScanKind {
    pub fn media_type(self) -> &'static str {
        match self {
            ScanKind::Pdf => "application/pdf",
            ScanKind::Png => "image/png",
            ScanKind::Jpeg => "image/jpeg",
        }
    }

    fn of_media_type(m: &str) -> Option<ScanKind> {
        [ScanKind::Pdf, ScanKind::Png, ScanKind::Jpeg]
            .into_iter()
            .find(|k| k.media_type() == m)
    }
}

/// A scan that can be put in a pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanInfo {
    pub kind: ScanKind,
    pub pages: usize,
}

/// Checks a scanned purchase order: a readable PDF (not encrypted, 1 to 50 pages), PNG or
/// JPEG. The message says, in French, what is wrong.
pub fn inspect_scan(bytes: &[u8]) -> Result<ScanInfo, String> {
    if bytes.starts_with(b"%PDF-") {
        let doc = load_pdf(bytes)?;
        let pages = doc.get_pages().len();
        if pages == 0 || pages > MAX_SCAN_PAGES {
            return Err(format!(
                "le PDF a {pages} page(s) : un bon de commande en a de 1 à {MAX_SCAN_PAGES}"
            ));
        }
        return Ok(ScanInfo {
            kind: ScanKind::Pdf,
            pages,
        });
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_rgb(bytes)?;
        return Ok(ScanInfo {
            kind: ScanKind::Png,
            pages: 1,
        });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg_header(bytes)?;
        return Ok(ScanInfo {
            kind: ScanKind::Jpeg,
            pages: 1,
        });
    }
    Err("format non reconnu : joignez le scan en PDF, PNG ou JPEG".into())
}

fn load_pdf(bytes: &[u8]) -> Result<Document, String> {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_INFLATE),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| format!("PDF illisible ({e})"))?;
    if doc.is_encrypted() {
        return Err("PDF chiffré : enregistrez-le sans mot de passe".into());
    }
    Ok(doc)
}

/// Width, height and number of components of a baseline or progressive JPEG.
fn jpeg_header(bytes: &[u8]) -> Result<(usize, usize, u8), String> {
    let bad = || "JPEG illisible".to_string();
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return Err(bad());
        }
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            let p = bytes.get(i + 4..i + 10).ok_or_else(bad)?;
            let h = u16::from_be_bytes([p[1], p[2]]) as usize;
            let w = u16::from_be_bytes([p[3], p[4]]) as usize;
            let components = p[5];
            if w == 0 || h == 0 || w * h > MAX_SCAN_PIXELS || !matches!(components, 1 | 3 | 4) {
                return Err(format!("JPEG de {w}×{h} pixels non pris en charge"));
            }
            return Ok((w, h, components));
        }
        i += 2 + len;
    }
    Err(bad())
}

/// A PNG as 8-bit RGB on white, with its size.
fn png_rgb(bytes: &[u8]) -> Result<(usize, usize, Vec<u8>), String> {
    let ihdr = bytes.get(16..24).ok_or("PNG illisible")?;
    let w = u32::from_be_bytes([ihdr[0], ihdr[1], ihdr[2], ihdr[3]]) as usize;
    let h = u32::from_be_bytes([ihdr[4], ihdr[5], ihdr[6], ihdr[7]]) as usize;
    if w == 0 || h == 0 || w.saturating_mul(h) > MAX_SCAN_PIXELS {
        return Err(format!(
            "PNG de {w}×{h} pixels : au plus {MAX_SCAN_PIXELS} pixels"
        ));
    }
    let img = printpdf::RawImage::decode_from_bytes(bytes, &mut Vec::new())
        .map_err(|e| format!("PNG illisible ({e})"))?;
    let printpdf::RawImageData::U8(px) = img.pixels else {
        return Err("PNG de plus de 8 bits par canal : enregistrez-le en 8 bits".into());
    };
    use printpdf::RawImageFormat as F;
    let channels = match img.data_format {
        F::R8 => 1,
        F::RG8 => 2,
        F::RGB8 => 3,
        F::RGBA8 => 4,
        _ => return Err("format de PNG non pris en charge".into()),
    };
    let mut rgb = Vec::with_capacity(img.width * img.height * 3);
    for p in px.chunks_exact(channels) {
        let (r, g, b, a) = match channels {
            1 => (p[0], p[0], p[0], 255),
            2 => (p[0], p[0], p[0], p[1]),
            3 => (p[0], p[1], p[2], 255),
            _ => (p[0], p[1], p[2], p[3]),
        };
        // Transparent parts are white paper.
        let on_white = |c: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8;
        rgb.extend_from_slice(&[on_white(r), on_white(g), on_white(b)]);
    }
    Ok((img.width, img.height, rgb))
}

/// One A4 page showing an image, fitted inside the margins.
fn image_page(kind: ScanKind, bytes: &[u8]) -> Result<Document, String> {
    let (w, h, image) = match kind {
        ScanKind::Jpeg => {
            let (w, h, components) = jpeg_header(bytes)?;
            let space = match components {
                1 => "DeviceGray",
                3 => "DeviceRGB",
                _ => "DeviceCMYK",
            };
            let mut dict = image_dict(w, h, space);
            dict.set("Filter", Object::Name(b"DCTDecode".to_vec()));
            (w, h, Stream::new(dict, bytes.to_vec()))
        }
        _ => {
            let (w, h, rgb) = png_rgb(bytes)?;
            let mut st = Stream::new(image_dict(w, h, "DeviceRGB"), rgb);
            st.compress().map_err(|e| e.to_string())?;
            (w, h, st)
        }
    };
    let (aw, ah) = (A4.0 - 2.0 * MARGIN_PT, A4.1 - 2.0 * MARGIN_PT);
    let scale = (aw / w as f32).min(ah / h as f32);
    let (dw, dh) = (w as f32 * scale, h as f32 * scale);
    let (x, y) = ((A4.0 - dw) / 2.0, (A4.1 - dh) / 2.0);
    let mut doc = Document::with_version("1.7");
    let image_id = doc.add_object(image);
    let content = format!("q {dw:.2} 0 0 {dh:.2} {x:.2} {y:.2} cm /Scan Do Q");
    let content_id = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
    let pages_id = doc.new_object_id();
    let page_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Page".to_vec())),
        ("Parent", Object::Reference(pages_id)),
        ("MediaBox", media_box()),
        ("Contents", Object::Reference(content_id)),
        (
            "Resources",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "XObject",
                Object::Dictionary(Dictionary::from_iter(vec![(
                    "Scan",
                    Object::Reference(image_id),
                )])),
            )])),
        ),
    ]));
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(vec![Object::Reference(page_id)])),
            ("Count", Object::Integer(1)),
        ])),
    );
    let catalog = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    Ok(doc)
}

fn image_dict(w: usize, h: usize, space: &str) -> Dictionary {
    Dictionary::from_iter(vec![
        ("Type", Object::Name(b"XObject".to_vec())),
        ("Subtype", Object::Name(b"Image".to_vec())),
        ("Width", Object::Integer(w as i64)),
        ("Height", Object::Integer(h as i64)),
        ("ColorSpace", Object::Name(space.as_bytes().to_vec())),
        ("BitsPerComponent", Object::Integer(8)),
    ])
}

fn media_box() -> Object {
    Object::Array(vec![
        Object::Integer(0),
        Object::Integer(0),
        Object::Real(A4.0),
        Object::Real(A4.1),
    ])
}

/// Page attributes a page inherits from its ancestors when it does not set them.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// The pages of `doc` in order, each with its inherited attributes made explicit.
fn flattened_pages(doc: &Document) -> Vec<(ObjectId, Dictionary)> {
    let mut out = Vec::new();
    for id in doc.get_pages().into_values() {
        let Ok(page) = doc.get_dictionary(id) else {
            continue;
        };
        let mut page = page.clone();
        let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
        let mut depth = 0;
        while let Some(pid) = parent
            && depth < 32
        {
            let Ok(node) = doc.get_dictionary(pid) else {
                break;
            };
            for key in INHERITED {
                if !page.has(key)
                    && let Ok(v) = node.get(key)
                {
                    page.set(key.to_vec(), v.clone());
                }
            }
            parent = node.get(b"Parent").and_then(Object::as_reference).ok();
            depth += 1;
        }
        out.push((id, page));
    }
    out
}

/// Puts the pages of several documents one after the other in a new document.
fn merge(parts: Vec<Document>) -> Document {
    let mut objects: BTreeMap<ObjectId, Object> = BTreeMap::new();
    let mut kids = Vec::new();
    let mut next = 1;
    for mut part in parts {
        part.renumber_objects_with(next);
        next = part.max_id + 1;
        let pages = flattened_pages(&part);
        let page_ids: Vec<ObjectId> = pages.iter().map(|(id, _)| *id).collect();
        for (id, obj) in part.objects {
            let kind = obj
                .as_dict()
                .ok()
                .and_then(|d| d.get(b"Type").and_then(Object::as_name).ok())
                .map(<[u8]>::to_vec);
            // The part's catalog and page tree are replaced by the pack's own.
            if matches!(kind.as_deref(), Some(b"Catalog") | Some(b"Pages"))
                || page_ids.contains(&id)
            {
                continue;
            }
            objects.insert(id, obj);
        }
        for (id, page) in pages {
            objects.insert(id, Object::Dictionary(page));
            kids.push(id);
        }
    }
    let pages_id = (next, 0);
    let catalog_id = (next + 1, 0);
    for id in &kids {
        if let Some(Object::Dictionary(p)) = objects.get_mut(id) {
            p.set("Parent", Object::Reference(pages_id));
        }
    }
    objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            (
                "Kids",
                Object::Array(kids.iter().map(|k| Object::Reference(*k)).collect()),
            ),
            ("Count", Object::Integer(kids.len() as i64)),
        ])),
    );
    objects.insert(
        catalog_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference(pages_id)),
        ])),
    );
    let mut doc = Document::with_version("1.7");
    doc.objects = objects;
    doc.max_id = next + 1;
    doc.trailer.set("Root", Object::Reference(catalog_id));
    doc.prune_objects();
    doc
}

/// The purchase order part of a pack.
pub enum PackOrder<'a> {
    /// The scan staff attached, with its media type.
    Scan {
        media_type: &'a str,
        bytes: &'a [u8],
    },
    /// No scan: a page summarising the references (rendered with the RIB page).
    Summary,
}

/// Assembles the pack: `invoice_pdf` (the stored, issued bytes), then `rib_pdf` (the RIB
/// page, and the summary when there is no scan), then the scan's pages.
pub(crate) fn assemble(
    input: &super::PackInput,
    rib_pdf: &[u8],
    title: &str,
) -> Result<Vec<u8>, RenderError> {
    let fail = |e: String| RenderError::Failed(format!("dossier de paiement : {e}"));
    let mut parts = vec![Document::load_mem(input.invoice_pdf).map_err(|e| fail(e.to_string()))?];
    for credit in input.credit_note_pdfs {
        parts.push(Document::load_mem(credit).map_err(|e| fail(e.to_string()))?);
    }
    parts.push(Document::load_mem(rib_pdf).map_err(|e| fail(e.to_string()))?);
    let order = &input.order;
    if let PackOrder::Scan { media_type, bytes } = order {
        let kind = ScanKind::of_media_type(media_type)
            .ok_or_else(|| fail(format!("scan de type {media_type} inconnu")))?;
        parts.push(match kind {
            ScanKind::Pdf => load_pdf(bytes).map_err(fail)?,
            _ => image_page(kind, bytes).map_err(fail)?,
        });
    }
    let mut doc = merge(parts);
    let info = doc.add_object(Dictionary::from_iter(vec![
        ("Title", Object::string_literal(title)),
        ("Creator", Object::string_literal("comptoir")),
        ("Producer", Object::string_literal("comptoir")),
    ]));
    doc.trailer.set("Info", Object::Reference(info));
    let id = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(input.invoice_pdf);
        for credit in input.credit_note_pdfs {
            h.update(credit);
        }
        h.update(rib_pdf);
        if let PackOrder::Scan { bytes, .. } = order {
            h.update(bytes);
        }
        Object::String(h.finalize()[..16].to_vec(), StringFormat::Hexadecimal)
    };
    doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| fail(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_recognised_or_refused_with_a_reason() {
        let logo = include_bytes!("../../tests/fixtures/logo.png");
        assert_eq!(inspect_scan(logo).unwrap().kind, ScanKind::Png);
        assert!(
            inspect_scan(b"hello")
                .unwrap_err()
                .contains("PDF, PNG ou JPEG")
        );
        assert!(
            inspect_scan(b"%PDF-1.7\ngarbage")
                .unwrap_err()
                .contains("PDF illisible")
        );
        // A JPEG header announcing 60 000 × 60 000 pixels is refused before decoding.
        let mut huge = vec![
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8, 0xEA, 0x60, 0xEA, 0x60, 3,
        ];
        huge.extend_from_slice(&[0; 12]);
        assert!(inspect_scan(&huge).unwrap_err().contains("60000×60000"));
        let mut small = vec![
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8, 0x00, 0x10, 0x00, 0x20, 3,
        ];
        small.extend_from_slice(&[0; 12]);
        assert_eq!(jpeg_header(&small).unwrap(), (32, 16, 3));
    }
}

//! PDF/A-3 finishing of what printpdf produces: version 1.7, XMP metadata with the PDF/A
//! identification (and the Factur-X schema when an XML is attached), an sRGB output
//! intent, document information matching the XMP, and the `factur-x.xml` attachment with
//! `/AFRelationship /Data`.

use super::RenderError;
use super::facturx::{XMP_CONFORMANCE_LEVEL, escape};
use crate::domain::Timestamp;
use lopdf::{Dictionary, Object, Stream, StringFormat};

const SRGB_ICC: &[u8] = include_bytes!("../../assets/icc/sRGB.icc");
/// Name of the attachment Factur-X readers (and Chorus Pro) look for.
pub(crate) const FACTURX_FILENAME: &str = "factur-x.xml";

/// What the metadata says about the document.
pub(crate) struct Meta<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub subject: &'a str,
    pub created: Timestamp,
    /// Factur-X document type (`INVOICE`, or `CREDIT_NOTE`... Factur-X 1.0 uses INVOICE
    /// for both) when an XML is attached.
    pub facturx: Option<&'a [u8]>,
}

fn pdf_date(t: Timestamp) -> String {
    let off = t.paris_offset();
    let local = Timestamp(t.0 + off);
    let iso = local.iso_utc(); // 2026-11-27T14:03:22Z, shifted to Paris time
    let digits: String = iso.chars().filter(|c| c.is_ascii_digit()).collect();
    format!("D:{digits}+{:02}'00'", off / 3600)
}

fn xmp_date(t: Timestamp) -> String {
    let off = t.paris_offset();
    let local = Timestamp(t.0 + off).iso_utc();
    format!("{}+{:02}:00", local.trim_end_matches('Z'), off / 3600)
}

fn text(s: &str) -> Object {
    // UTF-16BE with BOM, so accents survive in the document information.
    let mut bytes = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn xmp(meta: &Meta) -> String {
    let created = xmp_date(meta.created);
    let facturx = if meta.facturx.is_some() {
        format!(
            r#"  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentFileName</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The name of the embedded XML document</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentType</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The type of the hybrid document in capital letters, e.g. INVOICE or ORDER</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>Version</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The actual version of the standard applying to the embedded XML document</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>ConformanceLevel</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The conformance level of the embedded XML document</pdfaProperty:description></rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{FACTURX_FILENAME}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>{XMP_CONFORMANCE_LEVEL}</fx:ConformanceLevel>
  </rdf:Description>
"#
        )
    } else {
        String::new()
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
   <pdfaid:part>3</pdfaid:part>\n\
   <pdfaid:conformance>B</pdfaid:conformance>\n\
  </rdf:Description>\n\
  <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
   <dc:format>application/pdf</dc:format>\n\
   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>\n\
   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{subject}</rdf:li></rdf:Alt></dc:description>\n\
  </rdf:Description>\n\
  <rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
   <pdf:Producer>comptoir</pdf:Producer>\n\
  </rdf:Description>\n\
  <rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n\
   <xmp:CreatorTool>comptoir</xmp:CreatorTool>\n\
   <xmp:CreateDate>{created}</xmp:CreateDate>\n\
   <xmp:ModifyDate>{created}</xmp:ModifyDate>\n\
   <xmp:MetadataDate>{created}</xmp:MetadataDate>\n\
  </rdf:Description>\n\
{facturx} </rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
        title = escape(meta.title),
        author = escape(meta.author),
        subject = escape(meta.subject),
    )
}

/// Applies PDF/A-3 finishing and serialises the document.
/// Images are stored deflated (printpdf writes them raw).
fn compress_images(doc: &mut lopdf::Document) -> Result<(), String> {
    for obj in doc.objects.values_mut() {
        if let Object::Stream(st) = obj
            && st
                .dict
                .get(b"Subtype")
                .and_then(|o| o.as_name())
                .is_ok_and(|n| n == b"Image")
        {
            st.compress().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// printpdf names fonts and images with random 32-letter ids, used as resource keys and
/// in the page content: each is renamed after the object it points to (`R6`).
fn random_ids(doc: &lopdf::Document) -> Vec<(Vec<u8>, Vec<u8>)> {
    fn random(k: &[u8]) -> bool {
        k.len() == 32 && k.iter().all(u8::is_ascii_uppercase)
    }
    fn walk(d: &Dictionary, out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
        for (k, v) in d.iter() {
            match v {
                Object::Reference(r) if random(k) => {
                    out.push((k.to_vec(), format!("R{}", r.0).into_bytes()));
                }
                Object::Dictionary(inner) => walk(inner, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for obj in doc.objects.values() {
        match obj {
            Object::Dictionary(d) => walk(d, &mut out),
            Object::Stream(st) => walk(&st.dict, &mut out),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Replaces the random ids everywhere: dictionary keys, names, page contents, ToUnicode.
fn rename_random_ids(doc: &mut lopdf::Document, ids: &[(Vec<u8>, Vec<u8>)]) -> Result<(), String> {
    fn rename(d: &mut Dictionary, ids: &[(Vec<u8>, Vec<u8>)]) {
        for (old, new) in ids {
            if let Some(v) = d.remove(old.as_slice()) {
                d.set(new.clone(), v);
            }
        }
        for (_, v) in d.iter_mut() {
            match v {
                Object::Dictionary(inner) => rename(inner, ids),
                Object::Name(n) => {
                    if let Some((_, new)) = ids.iter().find(|(old, _)| old == n) {
                        *n = new.clone();
                    }
                }
                _ => {}
            }
        }
    }
    for obj in doc.objects.values_mut() {
        match obj {
            Object::Dictionary(d) => rename(d, ids),
            Object::Stream(st) => {
                rename(&mut st.dict, ids);
                // Page contents and ToUnicode maps; never font programs or images.
                if st.dict.has(b"Subtype") || st.dict.has(b"Length1") {
                    continue;
                }
                let mut content = st
                    .decompressed_content()
                    .unwrap_or_else(|_| st.content.clone());
                let mut changed = false;
                for (old, new) in ids {
                    while let Some(at) =
                        content.windows(old.len()).position(|w| w == old.as_slice())
                    {
                        content.splice(at..at + old.len(), new.iter().copied());
                        changed = true;
                    }
                }
                if changed {
                    let compressed = st.dict.has(b"Filter");
                    st.dict.remove(b"Filter");
                    st.set_content(content);
                    if compressed {
                        st.compress().map_err(|e| e.to_string())?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The PostScript name of the one face documents embed.
const FONT_NAME: &[u8] = b"LiberationSans";

/// A subset font's name carries a six-letter tag (`ABCDEF+Name`, ISO 32000 9.6.4), the
/// same for the same subset: derived from the SHA-256 of its font program. The name
/// itself is the face's (printpdf draws a random one), so the bytes are reproducible.
fn tag_font_subsets(doc: &mut lopdf::Document) {
    use sha2::{Digest, Sha256};
    // Font descriptor id → tag, from its embedded font file.
    let mut tags: Vec<(lopdf::ObjectId, String)> = Vec::new();
    for (id, obj) in &doc.objects {
        let Object::Dictionary(d) = obj else { continue };
        if d.get(b"Type").and_then(|o| o.as_name()).ok() != Some(b"FontDescriptor".as_slice()) {
            continue;
        }
        let file = [b"FontFile2".as_slice(), b"FontFile3", b"FontFile"]
            .iter()
            .find_map(|k| d.get(k).and_then(|o| o.as_reference()).ok())
            .and_then(|r| doc.objects.get(&r))
            .and_then(|o| o.as_stream().ok())
            .map(|st| st.content.clone())
            .unwrap_or_default();
        let digest = Sha256::digest(&file);
        let tag: String = digest[..6]
            .iter()
            .map(|b| (b'A' + b % 26) as char)
            .collect();
        tags.push((*id, tag));
    }
    let tag_of = |_: &[u8], tag: &str| -> Vec<u8> {
        let mut v = tag.as_bytes().to_vec();
        v.push(b'+');
        v.extend_from_slice(FONT_NAME);
        v
    };
    for (desc_id, tag) in &tags {
        // The descriptor's FontName, and the BaseFont of every font using it.
        if let Some(Object::Dictionary(d)) = doc.objects.get_mut(desc_id)
            && let Ok(name) = d
                .get(b"FontName")
                .and_then(|o| o.as_name())
                .map(<[u8]>::to_vec)
        {
            d.set("FontName", Object::Name(tag_of(&name, tag)));
        }
        // Fonts that use the descriptor, directly or through an inline CID font (Type0).
        let uses = |d: &Dictionary| {
            d.get(b"FontDescriptor").and_then(|o| o.as_reference()).ok() == Some(*desc_id)
        };
        let referenced: Vec<lopdf::ObjectId> = doc
            .objects
            .iter()
            .filter(|(_, o)| o.as_dict().is_ok_and(uses))
            .map(|(id, _)| *id)
            .collect();
        for obj in doc.objects.values_mut() {
            let Object::Dictionary(d) = obj else { continue };
            let mut hit = uses(d);
            if let Ok(Object::Array(kids)) = d.get_mut(b"DescendantFonts") {
                for kid in kids.iter_mut() {
                    match kid {
                        Object::Dictionary(k) if uses(k) => {
                            if let Ok(name) = k
                                .get(b"BaseFont")
                                .and_then(|o| o.as_name())
                                .map(<[u8]>::to_vec)
                            {
                                k.set("BaseFont", Object::Name(tag_of(&name, tag)));
                            }
                            hit = true;
                        }
                        Object::Reference(r) if referenced.contains(r) => hit = true,
                        _ => {}
                    }
                }
            }
            if hit
                && let Ok(name) = d
                    .get(b"BaseFont")
                    .and_then(|o| o.as_name())
                    .map(<[u8]>::to_vec)
            {
                d.set("BaseFont", Object::Name(tag_of(&name, tag)));
            }
        }
    }
}

pub(crate) fn finish(mut doc: lopdf::Document, meta: &Meta) -> Result<Vec<u8>, RenderError> {
    let fail = |e: String| RenderError::Failed(format!("PDF/A : {e}"));
    doc.version = "1.7".into();
    doc.binary_mark = vec![0xE2, 0xE3, 0xCF, 0xD3];
    compress_images(&mut doc).map_err(fail)?;
    let ids = random_ids(&doc);
    rename_random_ids(&mut doc, &ids).map_err(fail)?;
    tag_font_subsets(&mut doc);

    let mut metadata = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(meta).into_bytes(),
    );
    metadata.allows_compression = false;
    let metadata_id = doc.add_object(metadata);

    let icc = Stream::new(
        Dictionary::from_iter(vec![("N", Object::Integer(3))]),
        SRGB_ICC.to_vec(),
    );
    let icc_id = doc.add_object(icc);
    let intent = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        (
            "OutputConditionIdentifier",
            Object::string_literal("sRGB IEC61966-2.1"),
        ),
        ("Info", Object::string_literal("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);

    let date = pdf_date(meta.created);
    let info = Dictionary::from_iter(vec![
        ("Title", text(meta.title)),
        ("Author", text(meta.author)),
        ("Subject", text(meta.subject)),
        ("Creator", Object::string_literal("comptoir")),
        ("Producer", Object::string_literal("comptoir")),
        ("CreationDate", Object::string_literal(date.clone())),
        ("ModDate", Object::string_literal(date.clone())),
    ]);
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(info_id));
    // The file identifier is derived from what the document is, not drawn at random:
    // the same record renders the same bytes.
    let id = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [meta.title, meta.author, meta.subject, &date] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(meta.facturx.unwrap_or_default());
        Object::String(h.finalize()[..16].to_vec(), StringFormat::Hexadecimal)
    };
    doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));

    let attachment = match meta.facturx {
        Some(xml) => {
            let mut ef = Stream::new(
                Dictionary::from_iter(vec![
                    ("Type", Object::Name(b"EmbeddedFile".to_vec())),
                    ("Subtype", Object::Name(b"text/xml".to_vec())),
                    (
                        "Params",
                        Object::Dictionary(Dictionary::from_iter(vec![
                            ("Size", Object::Integer(xml.len() as i64)),
                            ("ModDate", Object::string_literal(date)),
                        ])),
                    ),
                ]),
                xml.to_vec(),
            );
            let _ = ef.compress();
            let ef_id = doc.add_object(ef);
            let filespec = Dictionary::from_iter(vec![
                ("Type", Object::Name(b"Filespec".to_vec())),
                ("F", Object::string_literal(FACTURX_FILENAME)),
                ("UF", text(FACTURX_FILENAME)),
                ("Desc", Object::string_literal("Factur-X (CII EN 16931)")),
                ("AFRelationship", Object::Name(b"Data".to_vec())),
                (
                    "EF",
                    Object::Dictionary(Dictionary::from_iter(vec![
                        ("F", Object::Reference(ef_id)),
                        ("UF", Object::Reference(ef_id)),
                    ])),
                ),
            ]);
            Some(doc.add_object(filespec))
        }
        None => None,
    };

    let catalog = doc.catalog_mut().map_err(|e| fail(e.to_string()))?;
    catalog.set("Metadata", Object::Reference(metadata_id));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    catalog.set(
        "MarkInfo",
        Object::Dictionary(Dictionary::from_iter(vec![(
            "Marked",
            Object::Boolean(false),
        )])),
    );
    if let Some(fs) = attachment {
        catalog.set(
            "Names",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "EmbeddedFiles",
                Object::Dictionary(Dictionary::from_iter(vec![(
                    "Names",
                    Object::Array(vec![
                        Object::string_literal(FACTURX_FILENAME),
                        Object::Reference(fs),
                    ]),
                )])),
            )])),
        );
        catalog.set("AF", Object::Array(vec![Object::Reference(fs)]));
        catalog.set("PageMode", Object::Name(b"UseAttachments".to_vec()));
    }
    doc.compress();
    doc.prune_objects();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| fail(e.to_string()))?;
    Ok(out)
}

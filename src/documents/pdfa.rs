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
pub(crate) fn finish(mut doc: lopdf::Document, meta: &Meta) -> Result<Vec<u8>, RenderError> {
    let fail = |e: String| RenderError::Failed(format!("PDF/A : {e}"));
    doc.version = "1.7".into();
    doc.binary_mark = vec![0xE2, 0xE3, 0xCF, 0xD3];

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

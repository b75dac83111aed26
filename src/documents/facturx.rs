//! The Factur-X XML (UN/CEFACT CII D16B, profile EN 16931) of an invoice or credit note,
//! with the routing Chorus Pro reads: buyer SIRET (BT-47), service code (BT-10 buyer
//! reference), engagement number (BT-13), seller SIRET (BT-30) and IBAN (BT-84).

use crate::domain::interest::rate_fr;
use crate::domain::seller::{LegalId, Seller};
use crate::domain::{Address, DocKind, IssuedDocument, VatRate};
use std::fmt::Write;

/// The SIREN: the first nine digits of a SIRET.
fn siren(siret: &str) -> &str {
    &siret[..siret.len().min(9)]
}

/// The Factur-X profile URN of EN 16931 (called "EN 16931" or "COMFORT").
pub(crate) const GUIDELINE_EN16931: &str = "urn:cen.eu:en16931:2017";
/// The conformance level written in the PDF's XMP metadata.
pub(crate) const XMP_CONFORMANCE_LEVEL: &str = "EN 16931";

/// Escapes text for XML element content and attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            // Characters XML 1.0 forbids never reach the file, whatever was stored.
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A tiny writer of nested elements.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn open(&mut self, tag: &str) {
        let _ = writeln!(self.out, "{:indent$}<{tag}>", "", indent = self.depth * 2);
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        let _ = writeln!(self.out, "{:indent$}</{tag}>", "", indent = self.depth * 2);
    }

    fn leaf(&mut self, tag: &str, text: &str) {
        let _ = writeln!(
            self.out,
            "{:indent$}<{tag}>{}</{tag}>",
            "",
            escape(text),
            indent = self.depth * 2
        );
    }

    fn leaf_attr(&mut self, tag: &str, attr: &str, value: &str, text: &str) {
        let _ = writeln!(
            self.out,
            "{:indent$}<{tag} {attr}=\"{}\">{}</{tag}>",
            "",
            escape(value),
            escape(text),
            indent = self.depth * 2
        );
    }

    fn date(&mut self, tag: &str, ns: &str, d: crate::domain::Date) {
        self.open(tag);
        self.leaf_attr(
            &format!("{ns}:DateTimeString"),
            "format",
            "102",
            &d.compact(),
        );
        self.close(tag);
    }
}

/// EN 16931 VAT category: S (standard and reduced rates), E (exempt, with its legal
/// ground) or Z (zero rated).
fn category(doc: &IssuedDocument, rate: VatRate) -> &'static str {
    if !rate.is_zero() {
        "S"
    } else if exemption_reason(doc).is_some() {
        "E"
    } else {
        "Z"
    }
}

/// The legal grounds of the document's 0 % lines (BT-120), when they have some.
fn exemption_reason(doc: &IssuedDocument) -> Option<String> {
    let grounds = doc.exemption_grounds();
    (!grounds.is_empty()).then(|| grounds.join(" ; "))
}

fn address(x: &mut Xml, a: &Address) {
    x.open("ram:PostalTradeAddress");
    x.leaf("ram:PostcodeCode", a.postcode.trim());
    let lines: Vec<&str> = [a.name.as_str(), a.street.as_str(), a.extra.as_str()]
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for (tag, line) in ["ram:LineOne", "ram:LineTwo", "ram:LineThree"]
        .iter()
        .zip(lines)
    {
        x.leaf(tag, line);
    }
    x.leaf("ram:CityName", a.city.trim());
    x.leaf("ram:CountryID", "FR");
    x.close("ram:PostalTradeAddress");
}

/// The CII XML of an invoice or credit note.
pub(crate) fn cii_xml(doc: &IssuedDocument, seller: &Seller) -> String {
    let mut x = Xml {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    x.out.push_str(
        "<rsm:CrossIndustryInvoice \
         xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" \
         xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" \
         xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" \
         xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\">\n",
    );
    x.depth = 1;
    context(&mut x);
    exchanged_document(&mut x, doc, seller);
    x.open("rsm:SupplyChainTradeTransaction");
    line_items(&mut x, doc);
    header_agreement(&mut x, doc, seller);
    header_delivery(&mut x, doc);
    header_settlement(&mut x, doc, seller);
    x.close("rsm:SupplyChainTradeTransaction");
    x.out.push_str("</rsm:CrossIndustryInvoice>\n");
    x.out
}

/// BG-2: the process and the specification the document follows.
fn context(x: &mut Xml) {
    x.open("rsm:ExchangedDocumentContext");
    // BT-23, French 2026 rules (BR-FR-08): B1, invoice for goods.
    x.open("ram:BusinessProcessSpecifiedDocumentContextParameter");
    x.leaf("ram:ID", "B1");
    x.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
    x.open("ram:GuidelineSpecifiedDocumentContextParameter");
    x.leaf("ram:ID", GUIDELINE_EN16931);
    x.close("ram:GuidelineSpecifiedDocumentContextParameter");
    x.close("rsm:ExchangedDocumentContext");
}

/// Number, type, date and the notes (BG-1) the French rules want on every document.
fn exchanged_document(x: &mut Xml, doc: &IssuedDocument, seller: &Seller) {
    x.open("rsm:ExchangedDocument");
    let number = doc.number.to_string();
    let credit = doc.kind() == DocKind::CreditNote;
    x.leaf("ram:ID", &number);
    x.leaf("ram:TypeCode", if credit { "381" } else { "380" });
    x.date("ram:IssueDateTime", "udt", doc.date);
    let rate = doc
        .late_rate_bp
        .map(|bp| {
            format!(
                ", soit {} pour un retard {}",
                rate_fr(bp),
                super::pdf::late_from(doc)
            )
        })
        .unwrap_or_default();
    let mut notes = vec![(
        "REG",
        format!(
            "{} {} au capital de {}, SIRET {}, {}",
            seller.name, seller.legal_form, seller.capital, seller.siret, seller.rcs
        ),
    )];
    if credit {
        // BR-FR-05 wants the three notes on every document; a credit note asks for no
        // payment, so they say there are no such terms.
        let none = "Sans objet : un avoir n'est pas une demande de paiement.";
        for code in ["AAB", "PMD", "PMT"] {
            notes.push((code, none.to_string()));
        }
    } else {
        notes.push(("AAB", "Pas d'escompte pour paiement anticipé.".to_string()));
        notes.push((
            "PMD",
            format!(
                "Intérêts moratoires dès le lendemain de l'échéance au taux de la BCE en vigueur au premier \
                 jour du semestre où ils commencent à courir, majoré de 8 points (art. R2192-31 du Code de \
                 la commande publique){rate}."
            ),
        ));
        notes.push((
            "PMT",
            "Indemnité forfaitaire pour frais de recouvrement : 40 € (art. D2192-35).".to_string(),
        ));
    }
    for (code, text) in notes {
        x.open("ram:IncludedNote");
        x.leaf("ram:Content", &text);
        x.leaf("ram:SubjectCode", code);
        x.close("ram:IncludedNote");
    }
    if let Some(reason) = &doc.reason {
        x.open("ram:IncludedNote");
        x.leaf("ram:Content", &format!("Motif de l'avoir : {reason}"));
        x.close("ram:IncludedNote");
    }
    x.close("rsm:ExchangedDocument");
}

/// BG-25: one line item per line of the document.
fn line_items(x: &mut Xml, doc: &IssuedDocument) {
    for (i, l) in doc.lines.iter().enumerate() {
        x.open("ram:IncludedSupplyChainTradeLineItem");
        x.open("ram:AssociatedDocumentLineDocument");
        x.leaf("ram:LineID", &(i + 1).to_string());
        x.close("ram:AssociatedDocumentLineDocument");
        x.open("ram:SpecifiedTradeProduct");
        if !l.sku.trim().is_empty() {
            x.leaf("ram:SellerAssignedID", &l.sku);
        }
        x.leaf("ram:Name", &l.designation);
        x.close("ram:SpecifiedTradeProduct");
        x.open("ram:SpecifiedLineTradeAgreement");
        x.open("ram:NetPriceProductTradePrice");
        x.leaf("ram:ChargeAmount", &l.unit_price.decimal());
        x.close("ram:NetPriceProductTradePrice");
        x.close("ram:SpecifiedLineTradeAgreement");
        x.open("ram:SpecifiedLineTradeDelivery");
        x.leaf_attr(
            "ram:BilledQuantity",
            "unitCode",
            "C62",
            &l.quantity.to_string(),
        );
        x.close("ram:SpecifiedLineTradeDelivery");
        x.open("ram:SpecifiedLineTradeSettlement");
        x.open("ram:ApplicableTradeTax");
        x.leaf("ram:TypeCode", "VAT");
        x.leaf("ram:CategoryCode", category(doc, l.vat));
        x.leaf("ram:RateApplicablePercent", &l.vat.percent_str());
        x.close("ram:ApplicableTradeTax");
        x.open("ram:SpecifiedTradeSettlementLineMonetarySummation");
        x.leaf("ram:LineTotalAmount", &l.amount.decimal());
        x.close("ram:SpecifiedTradeSettlementLineMonetarySummation");
        x.close("ram:SpecifiedLineTradeSettlement");
        x.close("ram:IncludedSupplyChainTradeLineItem");
    }
}

/// The parties, the buyer's routing (BT-10) and its order and contract (BT-13, BT-12).
fn header_agreement(x: &mut Xml, doc: &IssuedDocument, seller: &Seller) {
    let buyer = &doc.buyer;
    x.open("ram:ApplicableHeaderTradeAgreement");
    if let Some(code) = buyer
        .service_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        x.leaf("ram:BuyerReference", code.trim());
    }
    seller_party(x, seller);
    buyer_party(x, buyer);
    if let Some(po) = &doc.po {
        x.open("ram:BuyerOrderReferencedDocument");
        x.leaf("ram:IssuerAssignedID", &po.number);
        x.close("ram:BuyerOrderReferencedDocument");
        if let Some(m) = po.contract.as_deref().filter(|m| !m.trim().is_empty()) {
            x.open("ram:ContractReferencedDocument");
            x.leaf("ram:IssuerAssignedID", m.trim());
            x.close("ram:ContractReferencedDocument");
        }
    }
    x.close("ram:ApplicableHeaderTradeAgreement");
}

/// BG-4: the shop.
fn seller_party(x: &mut Xml, seller: &Seller) {
    x.open("ram:SellerTradeParty");
    // BT-29 and BT-30: by default the SIRET as the identifier (scheme 0009, BR-FR-CPRO-03)
    // and the SIREN as the legal registration (0002, BR-FR-10); `xml_legal_id = "siret"`
    // gives the first invoices' layout (see `LegalId`).
    let (global, legal) = match seller.legal_id {
        LegalId::Siret => (
            ("0002", siren(&seller.siret)),
            ("0009", seller.siret.as_str()),
        ),
        LegalId::Siren => (
            ("0009", seller.siret.as_str()),
            ("0002", siren(&seller.siret)),
        ),
    };
    x.leaf_attr("ram:GlobalID", "schemeID", global.0, global.1);
    x.leaf("ram:Name", &seller.name);
    x.open("ram:SpecifiedLegalOrganization");
    x.leaf_attr("ram:ID", "schemeID", legal.0, legal.1);
    x.close("ram:SpecifiedLegalOrganization");
    x.open("ram:DefinedTradeContact");
    x.leaf("ram:PersonName", "Service comptabilité");
    x.open("ram:TelephoneUniversalCommunication");
    x.leaf("ram:CompleteNumber", &seller.phone);
    x.close("ram:TelephoneUniversalCommunication");
    x.open("ram:EmailURIUniversalCommunication");
    x.leaf("ram:URIID", &seller.email);
    x.close("ram:EmailURIUniversalCommunication");
    x.close("ram:DefinedTradeContact");
    address(x, &seller.address);
    // BT-34: the seller's electronic address in the French directory (scheme 0225).
    x.open("ram:URIUniversalCommunication");
    x.leaf_attr("ram:URIID", "schemeID", "0225", siren(&seller.siret));
    x.close("ram:URIUniversalCommunication");
    x.open("ram:SpecifiedTaxRegistration");
    x.leaf_attr("ram:ID", "schemeID", "VA", &seller.vat_number);
    x.close("ram:SpecifiedTaxRegistration");
    x.close("ram:SellerTradeParty");
}

/// BG-7: the public body.
fn buyer_party(x: &mut Xml, buyer: &crate::domain::BuyerSnapshot) {
    x.open("ram:BuyerTradeParty");
    // BT-46: the body's SIRET, by which Chorus Pro routes the invoice (BR-FR-CPRO-10);
    // BT-47: its SIREN (0002), as the 2026 rules give a legal registration.
    x.leaf_attr("ram:GlobalID", "schemeID", "0009", &buyer.siret);
    x.leaf("ram:Name", &buyer.legal_name);
    x.open("ram:SpecifiedLegalOrganization");
    x.leaf_attr("ram:ID", "schemeID", "0002", siren(&buyer.siret));
    x.close("ram:SpecifiedLegalOrganization");
    if !buyer.contact.name.trim().is_empty() {
        x.open("ram:DefinedTradeContact");
        x.leaf("ram:PersonName", &buyer.contact.name);
        x.close("ram:DefinedTradeContact");
    }
    address(x, &buyer.header_address);
    // BT-49: the body's electronic address, its SIRET as Chorus Pro addresses it.
    x.open("ram:URIUniversalCommunication");
    x.leaf_attr("ram:URIID", "schemeID", "0225", &buyer.siret);
    x.close("ram:URIUniversalCommunication");
    x.close("ram:BuyerTradeParty");
}

/// BG-13: where and when the goods went, and the last delivery note (BT-16).
fn header_delivery(x: &mut Xml, doc: &IssuedDocument) {
    let buyer = &doc.buyer;
    x.open("ram:ApplicableHeaderTradeDelivery");
    if buyer.delivery_address != buyer.header_address {
        x.open("ram:ShipToTradeParty");
        x.leaf("ram:Name", &buyer.legal_name);
        address(x, &buyer.delivery_address);
        x.close("ram:ShipToTradeParty");
    }
    if let Some(d) = doc.delivery_date {
        x.open("ram:ActualDeliverySupplyChainEvent");
        x.date("ram:OccurrenceDateTime", "udt", d);
        x.close("ram:ActualDeliverySupplyChainEvent");
    }
    // BT-16 holds one reference: the last delivery note covered (all are on the PDF).
    if let Some((n, _)) = doc.delivery_notes.last() {
        x.open("ram:DespatchAdviceReferencedDocument");
        x.leaf("ram:IssuerAssignedID", &n.to_string());
        x.close("ram:DespatchAdviceReferencedDocument");
    }
    x.close("ram:ApplicableHeaderTradeDelivery");
}

/// BG-16 to BG-22: payment means, VAT breakdown, terms, totals, the invoice a credit
/// note corrects.
fn header_settlement(x: &mut Xml, doc: &IssuedDocument, seller: &Seller) {
    x.open("ram:ApplicableHeaderTradeSettlement");
    let number = doc.number.to_string();
    let credit = doc.kind() == DocKind::CreditNote;
    let buyer = &doc.buyer;
    x.leaf("ram:PaymentReference", &number);
    x.leaf("ram:InvoiceCurrencyCode", "EUR");
    // A credit note is not a payment request: no payment instructions (BG-16).
    if !credit {
        x.open("ram:SpecifiedTradeSettlementPaymentMeans");
        x.leaf("ram:TypeCode", "30");
        x.leaf("ram:Information", "Virement (mandat administratif)");
        x.open("ram:PayeePartyCreditorFinancialAccount");
        x.leaf("ram:IBANID", &seller.iban);
        x.leaf("ram:AccountName", &seller.bank_holder);
        x.close("ram:PayeePartyCreditorFinancialAccount");
        x.open("ram:PayeeSpecifiedCreditorFinancialInstitution");
        x.leaf("ram:BICID", &seller.bic);
        x.close("ram:PayeeSpecifiedCreditorFinancialInstitution");
        x.close("ram:SpecifiedTradeSettlementPaymentMeans");
    }
    for v in &doc.totals.vat {
        x.open("ram:ApplicableTradeTax");
        x.leaf("ram:CalculatedAmount", &v.tax.decimal());
        x.leaf("ram:TypeCode", "VAT");
        let exempt = category(doc, v.rate) == "E";
        if exempt && let Some(reason) = exemption_reason(doc) {
            x.leaf("ram:ExemptionReason", &reason);
        }
        x.leaf("ram:BasisAmount", &v.base.decimal());
        x.leaf("ram:CategoryCode", category(doc, v.rate));
        x.leaf("ram:RateApplicablePercent", &v.rate.percent_str());
        x.close("ram:ApplicableTradeTax");
    }
    x.open("ram:SpecifiedTradePaymentTerms");
    let terms = if credit {
        "Avoir : aucun paiement à effectuer, il réduit ou annule la facture citée".to_string()
    } else {
        format!(
            "Paiement par mandat administratif à {} jours à compter de la réception de la facture \
             (délai global de paiement) ; échéance indiquée pour une réception à la date de facture + 2 jours",
            buyer.payment_delay_days
        )
    };
    x.leaf("ram:Description", &terms);
    if let Some(due) = doc.due_date.filter(|_| !credit) {
        x.date("ram:DueDateDateTime", "udt", due);
    }
    x.close("ram:SpecifiedTradePaymentTerms");
    let t = &doc.totals;
    x.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    x.leaf("ram:LineTotalAmount", &t.excl_vat.decimal());
    x.leaf("ram:TaxBasisTotalAmount", &t.excl_vat.decimal());
    x.leaf_attr(
        "ram:TaxTotalAmount",
        "currencyID",
        "EUR",
        &t.vat_total.decimal(),
    );
    x.leaf("ram:GrandTotalAmount", &t.incl_vat.decimal());
    x.leaf("ram:DuePayableAmount", &t.incl_vat.decimal());
    x.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    if let Some((inv, date)) = &doc.cancels {
        x.open("ram:InvoiceReferencedDocument");
        x.leaf("ram:IssuerAssignedID", &inv.to_string());
        x.date("ram:FormattedIssueDateTime", "qdt", *date);
        x.close("ram:InvoiceReferencedDocument");
    }
    x.close("ram:ApplicableHeaderTradeSettlement");
}

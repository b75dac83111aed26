//! What Chorus Pro checks in a Factur-X before it routes it, checked here before a
//! deposit so that a refusal is said at once, in French, instead of weeks later.
//!
//! The rules are the B2G sheet of the French e-invoicing rules (XP Z12-012, annex A,
//! « BR-France-CTC-CPRO »), which Chorus Pro applies on its side and for which no
//! schematron is published, as public implementations read them (gobl.fr.ctc's
//! `b2g.go`, OCA and Odoo's Chorus modules, which follow Chorus Pro's EDI annex):
//!
//! - routing: the body's SIRET as its identifier (BT-46, scheme 0009: BR-FR-CPRO-10),
//!   the service code in BT-10 and the engagement number in BT-13 when the body's
//!   structure requires them (BR-FR-CPRO-11 to 13, which need the directory: checked
//!   against the structure read from Chorus Pro);
//! - the seller's SIRET among its identifiers, and beside its SIREN (BR-FR-CPRO-03, 09);
//! - lengths: the invoice number and the invoice it corrects at most 20 characters
//!   (02), one corrected invoice (20), contract and order references at most 50 (14,
//!   15), names at most 99 (43, 44), descriptions, notes and payment terms at most 1,024
//!   (31, 35, 42), address lines at most 400 (32, 33), the account at most 27 (39), one
//!   contact per party (26, 27).
//!
//! Rules 01, 16, 18, 21–24, 28, 29, 38, 40 and 41 concern parts comptoir never writes
//! (framework S5, agents, attachments, line-level delivery places).

use super::chorus::ChorusStructure;

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn text_of(n: Option<Node<'_, '_>>) -> String {
    n.and_then(|n| n.text())
        .map(str::trim)
        .unwrap_or("")
        .to_string()
}

/// `value` longer than `max` characters: the rule broken, in French.
fn too_long(rule: &str, what: &str, value: &str, max: usize) -> Option<String> {
    let n = value.chars().count();
    (n > max).then(|| format!("{rule} : {what} a {n} caractères, Chorus Pro en accepte {max}"))
}

/// The rules an invoice's Factur-X breaks, each with its identifier, in French.
pub fn chorus_rule_problems(xml: &[u8], structure: Option<&ChorusStructure>) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(xml) else {
        return vec!["le XML Factur-X n'est pas en UTF-8".into()];
    };
    let doc = match roxmltree::Document::parse(text) {
        Ok(d) => d,
        Err(e) => return vec![format!("le XML Factur-X est illisible : {e}")],
    };
    let x = Cii {
        root: doc.root_element(),
    };
    let mut out = Vec::new();
    let corrected = numbers(&x, &mut out);
    parties(&x, &mut out);
    let order_ref = references(&x, &mut out);
    texts(&x, &mut out);
    if corrected > 1 {
        out.push(format!(
            "BR-FR-CPRO-20 : {corrected} factures corrigées citées, Chorus Pro en accepte une"
        ));
    }
    if let Some(st) = structure {
        routing(&x, st, &order_ref, &mut out);
    }
    out
}

/// The document's elements, by tag name.
struct Cii<'a, 'i> {
    root: Node<'a, 'i>,
}

impl<'a, 'i> Cii<'a, 'i> {
    fn all(&self, name: &str) -> Vec<Node<'a, 'i>> {
        self.root
            .descendants()
            .filter(|n| n.has_tag_name(name))
            .collect()
    }
}

/// BT-1 and BT-25, the invoice's number and the one it corrects; how many it corrects.
fn numbers(x: &Cii, out: &mut Vec<String>) -> usize {
    let number = text_of(
        x.all("ExchangedDocument")
            .first()
            .and_then(|d| child(*d, "ID")),
    );
    out.extend(too_long(
        "BR-FR-CPRO-02",
        "le numéro de la facture",
        &number,
        20,
    ));
    let corrected = x.all("InvoiceReferencedDocument");
    for r in &corrected {
        out.extend(too_long(
            "BR-FR-CPRO-02",
            "le numéro de la facture corrigée",
            &text_of(child(*r, "IssuerAssignedID")),
            20,
        ));
    }
    corrected.len()
}

/// The seller's and the body's identifiers, names, contacts and the seller's address.
fn parties(x: &Cii, out: &mut Vec<String>) {
    let party = |name: &str| x.all(name).into_iter().next();
    let seller = party("SellerTradeParty");
    let buyer = party("BuyerTradeParty");
    let ids = |p: Option<Node<'_, '_>>| -> Vec<(String, String)> {
        let Some(p) = p else { return Vec::new() };
        let mut v: Vec<(String, String)> = p
            .children()
            .filter(|c| c.has_tag_name("GlobalID") || c.has_tag_name("ID"))
            .map(|c| {
                (
                    c.attribute("schemeID").unwrap_or("").to_string(),
                    c.text().unwrap_or("").trim().to_string(),
                )
            })
            .collect();
        if let Some(legal) = child(p, "SpecifiedLegalOrganization")
            && let Some(id) = child(legal, "ID")
        {
            v.push((
                id.attribute("schemeID").unwrap_or("").to_string(),
                id.text().unwrap_or("").trim().to_string(),
            ));
        }
        v
    };
    let is_siret = |(scheme, id): &(String, String)| {
        scheme == "0009" && id.len() == 14 && id.bytes().all(|b| b.is_ascii_digit())
    };
    let seller_ids = ids(seller);
    // 03: a SIRET among the seller's identifiers; 09: beside its SIREN (the same test).
    if !seller_ids.iter().any(is_siret) {
        out.push(
            "BR-FR-CPRO-03 : le SIRET du vendeur (schéma 0009) manque parmi ses identifiants"
                .into(),
        );
    }
    let buyer_siret = buyer
        .and_then(|b| child(b, "GlobalID"))
        .filter(|g| g.attribute("schemeID") == Some("0009"))
        .map(|g| g.text().unwrap_or("").trim().to_string());
    match &buyer_siret {
        Some(s) if s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) => {}
        _ => out.push(
            "BR-FR-CPRO-10 : le SIRET de l'organisme (BT-46, schéma 0009) manque : Chorus Pro ne saurait à qui l'adresser"
                .into(),
        ),
    }
    for (rule, what, p) in [
        ("BR-FR-CPRO-43", "le nom du vendeur", seller),
        ("BR-FR-CPRO-44", "le nom de l'organisme", buyer),
    ] {
        let name = text_of(p.and_then(|p| child(p, "Name")));
        out.extend(too_long(rule, what, &name, 99));
    }
    for (rule, what, p) in [
        ("BR-FR-CPRO-26", "le vendeur", seller),
        ("BR-FR-CPRO-27", "l'organisme", buyer),
    ] {
        let contacts = p
            .map(|p| {
                p.children()
                    .filter(|c| c.has_tag_name("DefinedTradeContact"))
                    .count()
            })
            .unwrap_or(0);
        if contacts > 1 {
            out.push(format!(
                "{rule} : {what} a {contacts} contacts, Chorus Pro en accepte un"
            ));
        }
    }
    if let Some(address) = seller.and_then(|s| child(s, "PostalTradeAddress")) {
        for (rule, tag) in [
            ("BR-FR-CPRO-32", "LineOne"),
            ("BR-FR-CPRO-32", "LineTwo"),
            ("BR-FR-CPRO-33", "CityName"),
        ] {
            out.extend(too_long(
                rule,
                "l'adresse du vendeur",
                &text_of(child(address, tag)),
                400,
            ));
        }
    }
}

/// The order (engagement) and contract references; returns the order's.
fn references(x: &Cii, out: &mut Vec<String>) -> String {
    let order_ref = x
        .all("BuyerOrderReferencedDocument")
        .first()
        .map(|d| text_of(child(*d, "IssuerAssignedID")))
        .unwrap_or_default();
    out.extend(too_long(
        "BR-FR-CPRO-15",
        "le numéro d'engagement (bon de commande)",
        &order_ref,
        50,
    ));
    for c in x.all("ContractReferencedDocument") {
        out.extend(too_long(
            "BR-FR-CPRO-14",
            "la référence du marché",
            &text_of(child(c, "IssuerAssignedID")),
            50,
        ));
    }
    order_ref
}

/// Designations, notes, payment terms and the bank account.
fn texts(x: &Cii, out: &mut Vec<String>) {
    for p in x.all("SpecifiedTradeProduct") {
        out.extend(too_long(
            "BR-FR-CPRO-31",
            "une désignation",
            &text_of(child(p, "Name")),
            1024,
        ));
        out.extend(too_long(
            "BR-FR-CPRO-31",
            "une description d'article",
            &text_of(child(p, "Description")),
            1024,
        ));
    }
    for n in x.all("IncludedNote") {
        out.extend(too_long(
            "BR-FR-CPRO-42",
            "une note",
            &text_of(child(n, "Content")),
            1024,
        ));
    }
    for t in x.all("SpecifiedTradePaymentTerms") {
        out.extend(too_long(
            "BR-FR-CPRO-35",
            "les conditions de paiement",
            &text_of(child(t, "Description")),
            1024,
        ));
    }
    for tag in ["IBANID", "ProprietaryID"] {
        for a in x.all(tag) {
            out.extend(too_long(
                "BR-FR-CPRO-39",
                "le compte bancaire",
                &text_of(Some(a)),
                27,
            ));
        }
    }
}

/// Routing, against what the body's structure requires (the directory's rules).
fn routing(x: &Cii, st: &ChorusStructure, order_ref: &str, out: &mut Vec<String>) {
    let service = text_of(x.all("BuyerReference").first().copied());
    if st.service_required && service.is_empty() {
        out.push(format!(
            "BR-FR-CPRO-11 : {} exige un code service (BT-10) et la facture n'en porte pas",
            st.name
        ));
    }
    if !service.is_empty() && !st.services.is_empty() {
        match st
            .services
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(&service))
        {
            None => out.push(format!(
                "BR-FR-CPRO-12 : le code service « {service} » n'existe pas pour {} sur Chorus Pro",
                st.name
            )),
            Some(s) if !s.active => out.push(format!(
                "BR-FR-CPRO-12 : le service « {service} » de {} est inactif sur Chorus Pro",
                st.name
            )),
            Some(_) => {}
        }
    }
    if st.engagement_required && order_ref.is_empty() {
        out.push(format!(
            "BR-FR-CPRO-13 : {} exige un numéro d'engagement (BT-13) et la facture n'en porte pas",
            st.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::chorus::ChorusService;

    fn xml(buyer_global: &str, name: &str, service: Option<&str>, order: Option<&str>) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
<rsm:ExchangedDocument><ram:ID>FA-2026-00001</ram:ID></rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>{}
<ram:SellerTradeParty><ram:GlobalID schemeID="0009">91234567500017</ram:GlobalID><ram:Name>Comptoir</ram:Name>
<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">912345675</ram:ID></ram:SpecifiedLegalOrganization></ram:SellerTradeParty>
<ram:BuyerTradeParty>{buyer_global}<ram:Name>{name}</ram:Name></ram:BuyerTradeParty>{}
</ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"#,
            service
                .map(|s| format!("<ram:BuyerReference>{s}</ram:BuyerReference>"))
                .unwrap_or_default(),
            order
                .map(|o| format!(
                    "<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{o}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>"
                ))
                .unwrap_or_default(),
        )
    }

    const SIRET: &str = r#"<ram:GlobalID schemeID="0009">19690123500016</ram:GlobalID>"#;

    fn structure(service: bool, engagement: bool) -> ChorusStructure {
        ChorusStructure {
            id: 1,
            name: "LYCEE JEAN MOULIN".into(),
            service_required: service,
            engagement_required: engagement,
            services: vec![
                ChorusService {
                    code: "INTENDANCE".into(),
                    name: "Intendance".into(),
                    active: true,
                },
                ChorusService {
                    code: "CDI".into(),
                    name: "Documentation".into(),
                    active: false,
                },
            ],
        }
    }

    #[test]
    fn a_well_routed_invoice_passes() {
        let x = xml(SIRET, "Lycée", Some("INTENDANCE"), Some("ENG-1"));
        assert_eq!(
            chorus_rule_problems(x.as_bytes(), Some(&structure(true, true))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_broken_rule_is_named() {
        let rules = |x: &str, st: Option<&ChorusStructure>| -> Vec<String> {
            chorus_rule_problems(x.as_bytes(), st)
                .iter()
                .map(|p| p.split(" : ").next().unwrap().to_string())
                .collect()
        };
        // The body's SIRET given only as its legal registration: not where Chorus routes.
        let legal_only = xml(
            r#"<ram:GlobalID schemeID="0002">196901235</ram:GlobalID>"#,
            "Lycée",
            None,
            None,
        );
        assert_eq!(rules(&legal_only, None), ["BR-FR-CPRO-10"]);
        let long_name = xml(SIRET, &"L".repeat(100), None, None);
        assert_eq!(rules(&long_name, None), ["BR-FR-CPRO-44"]);
        assert_eq!(
            rules(&xml(SIRET, &"L".repeat(99), None, None), None),
            Vec::<String>::new()
        );
        let long_order = xml(SIRET, "Lycée", None, Some(&"9".repeat(51)));
        assert_eq!(rules(&long_order, None), ["BR-FR-CPRO-15"]);
        let st = structure(true, true);
        assert_eq!(
            rules(&xml(SIRET, "Lycée", None, None), Some(&st)),
            ["BR-FR-CPRO-11", "BR-FR-CPRO-13"]
        );
        assert_eq!(
            rules(&xml(SIRET, "Lycée", Some("CDI"), Some("E")), Some(&st)),
            ["BR-FR-CPRO-12"]
        );
        assert_eq!(
            rules(&xml(SIRET, "Lycée", Some("NOPE"), Some("E")), Some(&st)),
            ["BR-FR-CPRO-12"]
        );
        let problems = chorus_rule_problems(b"<pas du xml", None);
        assert!(problems[0].contains("illisible"), "{problems:?}");
    }
}

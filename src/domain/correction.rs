//! Corrections of a customer account by staff: contacts, addresses, Chorus Pro routing and
//! market reference. What may change is exactly [`Coordinates`]; the SIRET, the name, the
//! catégorie juridique and the eligibility come from elsewhere. Every correction is
//! checked field by field and leaves one audit event per changed item with its before and
//! after. Issued documents never change; open orders that used a corrected contact or
//! address follow the correction ([`follow`]).

use super::customer::{Address, ChorusRouting, Contact, Customer, field_label, text_problem};
use super::error::{Operation, PipelineError, Reason};
use super::event::{Action, Event};
use super::order::{Order, Stage};
use super::pipeline::{PO_NUMBER_MAX, Step};

/// Contacts and delivery addresses an account may hold.
pub const MAX_CONTACTS: usize = 20;
pub const MAX_ADDRESSES: usize = 50;

/// What staff may correct on an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Coordinates {
    pub header_address: Address,
    pub delivery_addresses: Vec<Address>,
    pub contacts: Vec<Contact>,
    pub chorus: ChorusRouting,
}

impl Customer {
    pub fn coordinates(&self) -> Coordinates {
        Coordinates {
            header_address: self.header_address.clone(),
            delivery_addresses: self.delivery_addresses.clone(),
            contacts: self.contacts.clone(),
            chorus: self.chorus.clone(),
        }
    }
}

impl Coordinates {
    /// A fingerprint of these coordinates: a form filled from them refuses to save over a
    /// colleague's change made in between.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

/// A checked correction: the account as it becomes, its audit events, and which contacts
/// and addresses were replaced in place (old → new), for the open orders that used them.
#[derive(Clone, Debug)]
pub struct Correction {
    pub customer: Customer,
    pub events: Vec<Event>,
    pub contacts: Vec<(Contact, Contact)>,
    pub addresses: Vec<(Address, Address)>,
}

fn refuse<T>(reason: Reason) -> Result<T, PipelineError> {
    Err(PipelineError::new(Operation::CorrectCustomer, reason))
}

fn invalid<T>(what: String, field: &str, msg: String) -> Result<T, PipelineError> {
    refuse(Reason::FieldInvalid {
        field: format!("{what}, {}", field_label(field)),
        msg,
    })
}

fn optional_text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Checks `new` against the account and says what changed.
pub fn correct_customer(old: &Customer, new: &Coordinates) -> Result<Correction, PipelineError> {
    let header = new.header_address.trimmed();
    if let Some((f, msg)) = header.problem() {
        return invalid("adresse d'en-tête".into(), f, msg);
    }
    let addresses: Vec<Address> = new
        .delivery_addresses
        .iter()
        .map(Address::trimmed)
        .collect();
    if addresses.len() > MAX_ADDRESSES {
        return refuse(Reason::TooMany {
            what: "adresses de livraison",
            max: MAX_ADDRESSES,
        });
    }
    for (i, a) in addresses.iter().enumerate() {
        if let Some((f, msg)) = a.problem() {
            return invalid(format!("adresse de livraison {}", i + 1), f, msg);
        }
    }
    let contacts: Vec<Contact> = new.contacts.iter().map(Contact::trimmed).collect();
    if contacts.is_empty() {
        return refuse(Reason::NoContact);
    }
    if contacts.len() > MAX_CONTACTS {
        return refuse(Reason::TooMany {
            what: "contacts",
            max: MAX_CONTACTS,
        });
    }
    for (i, k) in contacts.iter().enumerate() {
        if let Some((f, msg)) = k.problem() {
            return invalid(format!("contact {}", i + 1), f, msg);
        }
    }
    let chorus = ChorusRouting {
        service_code: optional_text(&new.chorus.service_code),
        service_code_required: new.chorus.service_code_required,
        engagement_required: new.chorus.engagement_required,
        market_reference: optional_text(&new.chorus.market_reference),
    };
    if let Some(code) = &chorus.service_code
        && let Some((_, msg)) = text_problem("", code, 100, true)
    {
        return invalid("routage Chorus Pro".into(), "code service", msg);
    }
    if let Some(m) = &chorus.market_reference
        && let Some((_, msg)) = text_problem("", m, PO_NUMBER_MAX, true)
    {
        return invalid("marché".into(), "référence", msg);
    }
    if chorus.service_code_required && chorus.service_code.is_none() {
        return refuse(Reason::MissingServiceCode);
    }

    let mut events = Vec::new();
    let mut ev = |what: String, before: String, after: String| {
        if before != after {
            events.push(Event::new(Action::CustomerCorrected, before, after).detail(what));
        }
    };
    ev(
        "adresse d'en-tête".into(),
        old.header_address.one_line(),
        header.one_line(),
    );
    let n = old.delivery_addresses.len().max(addresses.len());
    for i in 0..n {
        let line = |v: &[Address]| v.get(i).map(Address::one_line).unwrap_or_default();
        ev(
            format!("adresse de livraison {}", i + 1),
            line(&old.delivery_addresses),
            line(&addresses),
        );
    }
    let n = old.contacts.len().max(contacts.len());
    for i in 0..n {
        let line = |v: &[Contact]| v.get(i).map(Contact::one_line).unwrap_or_default();
        ev(
            format!("contact {}", i + 1),
            line(&old.contacts),
            line(&contacts),
        );
    }
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let yes = |b: bool| if b { "oui" } else { "non" }.to_string();
    ev(
        "code service Chorus Pro".into(),
        text(&old.chorus.service_code),
        text(&chorus.service_code),
    );
    ev(
        "code service obligatoire".into(),
        yes(old.chorus.service_code_required),
        yes(chorus.service_code_required),
    );
    ev(
        "numéro d'engagement obligatoire".into(),
        yes(old.chorus.engagement_required),
        yes(chorus.engagement_required),
    );
    ev(
        "référence du marché".into(),
        text(&old.chorus.market_reference),
        text(&chorus.market_reference),
    );
    if events.is_empty() {
        return refuse(Reason::NothingChanged);
    }

    // A contact or address replaced in place (its old value is gone from the list) is a
    // correction of the same person or place: open orders follow it.
    let mut moved_addresses = replaced(&old.delivery_addresses, &addresses);
    if old.header_address != header {
        moved_addresses.push((old.header_address.clone(), header.clone()));
    }
    let moved_contacts = replaced(&old.contacts, &contacts);
    let mut customer = old.clone();
    customer.header_address = header;
    customer.delivery_addresses = addresses;
    customer.contacts = contacts;
    customer.chorus = chorus;
    Ok(Correction {
        customer,
        events,
        contacts: moved_contacts,
        addresses: moved_addresses,
    })
}

/// Items changed in place whose old value is gone from the list: (old, new).
fn replaced<T: Clone + PartialEq>(old: &[T], new: &[T]) -> Vec<(T, T)> {
    old.iter()
        .zip(new)
        .filter(|(o, n)| o != n && !new.contains(o))
        .map(|(o, n)| (o.clone(), n.clone()))
        .collect()
}

/// An open order that used a corrected contact or address takes the corrected one: its
/// contact and delivery address until the first delivery, its header (billing) address
/// until it is invoiced. `None` when the order is not concerned.
pub fn follow(order: &Order, c: &Correction) -> Option<Step> {
    let before_delivery = order.delivered_units() == 0
        && matches!(
            order.stage,
            Stage::Quote | Stage::PreOrder | Stage::PoReceived
        );
    let before_invoice = matches!(
        order.stage,
        Stage::Quote | Stage::PreOrder | Stage::PoReceived | Stage::Delivered
    ) && order.invoices.is_empty();
    let find = |pairs: &[(Address, Address)], a: &Address| {
        pairs.iter().find(|(o, _)| o == a).map(|(_, n)| n.clone())
    };
    let mut o = order.clone();
    let mut changes = Vec::new();
    if before_delivery {
        if let Some(n) = find(&c.addresses, &order.delivery_address) {
            o.delivery_address = n;
            changes.push(format!("livraison : {}", o.delivery_address.one_line()));
        }
        if let Some((_, n)) = c.contacts.iter().find(|(old, _)| *old == order.contact) {
            o.contact = n.clone();
            changes.push(format!("contact : {}", o.contact.one_line()));
        }
    }
    if before_invoice && let Some(n) = find(&c.addresses, &order.header_address) {
        o.header_address = n;
        changes.push(format!("en-tête : {}", o.header_address.one_line()));
    }
    if changes.is_empty() {
        return None;
    }
    let ev = Event::new(
        Action::DeliveryChosen,
        format!(
            "{} / {}",
            order.delivery_address.one_line(),
            order.contact.name
        ),
        changes.join(" ; "),
    )
    .detail("fiche client corrigée");
    Some(Step {
        order: o,
        events: vec![ev],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::{CustomerId, CustomerKind, Eligibility};
    use crate::domain::date::Timestamp;
    use crate::domain::ids::Siret;

    fn addr(name: &str) -> Address {
        Address {
            name: name.into(),
            street: "1 rue Haute".into(),
            extra: String::new(),
            postcode: "42000".into(),
            city: "Saint-Étienne".into(),
        }
    }

    fn person(name: &str, email: &str) -> Contact {
        Contact {
            name: name.into(),
            phone: "04 77 00 00 00".into(),
            email: email.into(),
        }
    }

    fn customer() -> Customer {
        Customer {
            id: CustomerId(1),
            legal_name: "Commune de Saint-Étienne".into(),
            siret: Siret::parse("21750001600019").unwrap(),
            categorie: "7210".into(),
            kind: CustomerKind::Commune,
            eligibility: Eligibility::automatic("7210", Timestamp(0)),
            header_address: addr("Mairie"),
            delivery_addresses: vec![addr("Gymnase"), addr("École")],
            contacts: vec![person("Jeanne Martin", "j@x.fr")],
            chorus: ChorusRouting::default(),
            created_at: Timestamp(0),
        }
    }

    fn quote(c: &Customer, address: usize) -> Order {
        use crate::domain::document::{DocKind, DocNumber};
        use crate::domain::money::{Cents, VatRate};
        use crate::domain::order::OrderId;
        use crate::domain::pipeline::{Ctx, NewQuote, QuoteLine, create_quote};
        let q = NewQuote {
            id: OrderId(1),
            number: DocNumber {
                kind: DocKind::Quote,
                year: 2026,
                seq: 1,
            },
            version: 1,
            renews: None,
            external_ref: None,
            lines: vec![QuoteLine {
                exemption: None,
                sku: "ENC-01".into(),
                designation: "Enceinte".into(),
                unit_price: Cents(24_900),
                vat: VatRate::STANDARD,
                quantity: 2,
            }],
            delivery_address: c.delivery_addresses[address].clone(),
            contact: c.contacts[0].clone(),
        };
        let ctx = Ctx {
            now: Timestamp(1_780_000_000),
            actor: "marie",
        };
        create_quote(c, q, &ctx).unwrap().order
    }

    fn reason(r: Result<Correction, PipelineError>) -> Reason {
        r.unwrap_err().reason
    }

    #[test]
    fn each_changed_item_is_one_event_with_before_and_after() {
        let old = customer();
        let mut new = old.coordinates();
        new.contacts[0].phone = "04 77 11 11 11".into();
        new.contacts.push(person("Paul Durand", "p@x.fr"));
        new.chorus.service_code = Some("  SERV-9  ".into());
        new.chorus.market_reference = Some("MAPA-2026-12".into());
        let c = correct_customer(&old, &new).unwrap();
        let details: Vec<&str> = c.events.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "contact 1",
                "contact 2",
                "code service Chorus Pro",
                "référence du marché"
            ]
        );
        assert!(c.events[0].before.contains("04 77 00 00 00"));
        assert!(c.events[0].after.contains("04 77 11 11 11"));
        assert_eq!(c.events[1].before, "");
        assert_eq!(c.customer.chorus.service_code.as_deref(), Some("SERV-9"));
        // The first contact was corrected in place; the added one replaces nobody.
        assert_eq!(c.contacts.len(), 1);
        assert_eq!(c.contacts[0].1.phone, "04 77 11 11 11");
        // What is not a coordinate never changes.
        assert_eq!(c.customer.siret, old.siret);
        assert_eq!(c.customer.legal_name, old.legal_name);
    }

    #[test]
    fn bad_corrections_are_refused_with_the_field() {
        let old = customer();
        let mut new = old.coordinates();
        new.contacts[0].email = "jeanne.x.fr".into();
        let r = correct_customer(&old, &new).unwrap_err().to_string();
        assert!(
            r.contains("contact 1, e-mail") && r.contains("jeanne.x.fr"),
            "{r}"
        );
        let mut new = old.coordinates();
        new.delivery_addresses[1].postcode = "4200".into();
        let r = correct_customer(&old, &new).unwrap_err().to_string();
        assert!(r.contains("adresse de livraison 2, code postal"), "{r}");
        let mut new = old.coordinates();
        new.contacts.clear();
        assert_eq!(reason(correct_customer(&old, &new)), Reason::NoContact);
        let mut new = old.coordinates();
        new.chorus.service_code_required = true;
        assert_eq!(
            reason(correct_customer(&old, &new)),
            Reason::MissingServiceCode
        );
        assert_eq!(
            reason(correct_customer(&old, &old.coordinates())),
            Reason::NothingChanged
        );
        let mut new = old.coordinates();
        new.chorus.market_reference = Some("M".repeat(51));
        assert!(matches!(
            reason(correct_customer(&old, &new)),
            Reason::FieldInvalid { .. }
        ));
    }

    #[test]
    fn open_orders_follow_a_corrected_contact_or_address() {
        let old = customer();
        let mut new = old.coordinates();
        new.contacts[0].email = "jeanne.martin@x.fr".into();
        new.delivery_addresses[0].street = "3 rue Basse".into();
        let c = correct_customer(&old, &new).unwrap();
        let order = quote(&old, 0);
        let step = follow(&order, &c).expect("the order used both");
        assert_eq!(step.order.contact.email, "jeanne.martin@x.fr");
        assert_eq!(step.order.delivery_address.street, "3 rue Basse");
        assert_eq!(step.order.header_address, old.header_address);
        // An order delivered to another address keeps it.
        let mut other = quote(&old, 1);
        other.contact = person("Quelqu'un", "q@x.fr");
        assert!(follow(&other, &c).is_none());
        // Once delivered, the delivery address and contact are history.
        let mut delivered = order.clone();
        delivered.stage = Stage::Delivered;
        delivered.lines[0].delivered = 1;
        assert!(follow(&delivered, &c).is_none());
    }
}

//! The forms that correct a customer's contacts, addresses and Chorus routing. Each form
//! is filled from the account as it is and remembers its fingerprint: saving over a
//! colleague's change made in between is refused, never silent.

use super::{Args, Op, Outcome, Prepared, Target};
use crate::app::{Actor, App, AppError};
use crate::domain::correction::Coordinates;
use crate::domain::{Address, ChorusRouting, Contact, Customer};
use crate::ui::Level;
use crate::ui::forms::{Field, FieldId, Form};

/// Which part of the account a form corrects, as typed.
#[derive(Clone, Debug)]
pub(crate) enum Section {
    Contacts(Vec<Contact>),
    Addresses {
        header: Address,
        delivery: Vec<Address>,
    },
    Routing(ChorusRouting),
}

fn customer_of(app: &App, op: &Op) -> Result<Customer, String> {
    let Target::Customer(id) = op.target else {
        return Err("cette action porte sur un client".into());
    };
    app.customer(id).map_err(|e| e.to_string())
}

fn form(title: &str, c: &Customer, intro: &str, fields: Vec<Field>, op: &Op) -> Prepared {
    let mut f = Form::new(
        title,
        vec![
            format!("{} — SIRET {}", c.legal_name, c.siret.spaced()),
            intro.to_string(),
        ],
        fields,
    );
    f.basis = c.coordinates().fingerprint();
    Prepared::Form(f, op.clone())
}

const CONTACT_FIELDS: [(FieldId, &str); 3] = [
    (FieldId::ContactName, "nom"),
    (FieldId::ContactPhone, "téléphone"),
    (FieldId::ContactEmail, "e-mail"),
];

pub(super) fn prepare_contacts(app: &App, op: &Op) -> Result<Prepared, String> {
    let c = customer_of(app, op)?;
    let mut fields = Vec::new();
    let blank = Contact::default();
    for (i, k) in c.contacts.iter().chain([&blank]).enumerate() {
        let who = if i < c.contacts.len() {
            format!("Contact {}", i + 1)
        } else {
            "Nouveau contact".to_string()
        };
        for ((name, label), value) in CONTACT_FIELDS.iter().zip([&k.name, &k.phone, &k.email]) {
            fields.push(Field::text(*name, &format!("{who} — {label}"), value, "").optional());
        }
    }
    Ok(form(
        "Contacts du client",
        &c,
        "Videz les trois champs d'un contact pour le retirer ; remplissez le dernier pour en ajouter un.",
        fields,
        op,
    ))
}

pub(super) fn submit_contacts(form: &Form) -> Result<(String, Args), String> {
    let column = |name| form.fields_named(name).map(|f| f.value.trim().to_string());
    let contacts: Vec<Contact> = column(FieldId::ContactName)
        .zip(column(FieldId::ContactPhone))
        .zip(column(FieldId::ContactEmail))
        .map(|((name, phone), email)| Contact { name, phone, email })
        .filter(|k| !(k.name.is_empty() && k.phone.is_empty() && k.email.is_empty()))
        .collect();
    let line = format!(
        "Enregistrer {} contact(s) ; les documents déjà émis ne changent pas, les commandes \
         en cours suivent la correction.",
        contacts.len()
    );
    Ok((line, correction(form, Section::Contacts(contacts))))
}

const ADDRESS_FIELDS: [(FieldId, &str); 5] = [
    (FieldId::AddrName, "destinataire"),
    (FieldId::AddrStreet, "rue"),
    (FieldId::AddrExtra, "complément"),
    (FieldId::AddrPostcode, "code postal"),
    (FieldId::AddrCity, "ville"),
];

pub(super) fn prepare_addresses(app: &App, op: &Op) -> Result<Prepared, String> {
    let c = customer_of(app, op)?;
    let mut fields = Vec::new();
    let blank = Address::default();
    let all = [&c.header_address]
        .into_iter()
        .chain(&c.delivery_addresses)
        .chain([&blank]);
    for (i, a) in all.enumerate() {
        let which = match i {
            0 => "En-tête".to_string(),
            i if i <= c.delivery_addresses.len() => format!("Livraison {i}"),
            _ => "Nouvelle livraison".to_string(),
        };
        let values = [&a.name, &a.street, &a.extra, &a.postcode, &a.city];
        for ((name, label), value) in ADDRESS_FIELDS.iter().zip(values) {
            fields.push(Field::text(*name, &format!("{which} — {label}"), value, "").optional());
        }
    }
    Ok(form(
        "Adresses du client",
        &c,
        "Videz tous les champs d'une adresse de livraison pour la retirer ; remplissez la dernière pour en ajouter une.",
        fields,
        op,
    ))
}

pub(super) fn submit_addresses(form: &Form) -> Result<(String, Args), String> {
    let column = |name| {
        form.fields_named(name)
            .map(|f| f.value.trim().to_string())
            .collect::<Vec<_>>()
    };
    let [names, streets, extras, postcodes, cities] = ADDRESS_FIELDS.map(|(n, _)| column(n));
    let mut all = (0..names.len()).map(|i| Address {
        name: names[i].clone(),
        street: streets[i].clone(),
        extra: extras[i].clone(),
        postcode: postcodes[i].clone(),
        city: cities[i].clone(),
    });
    let header = all.next().ok_or("formulaire vide")?;
    let delivery: Vec<Address> = all.filter(|a| a.one_line() != "").collect();
    let line = format!(
        "Enregistrer l'adresse d'en-tête et {} adresse(s) de livraison ; les documents déjà \
         émis ne changent pas.",
        delivery.len()
    );
    Ok((
        line,
        correction(form, Section::Addresses { header, delivery }),
    ))
}

pub(super) fn prepare_routing(app: &App, op: &Op) -> Result<Prepared, String> {
    let c = customer_of(app, op)?;
    let ch = &c.chorus;
    let mut required = Field::check(
        FieldId::ServiceRequired,
        "Code service obligatoire (Chorus Pro)",
    )
    .optional();
    required.checked = ch.service_code_required;
    let mut engagement = Field::check(
        FieldId::EngagementRequired,
        "N° d'engagement obligatoire (Chorus Pro)",
    )
    .optional();
    engagement.checked = ch.engagement_required;
    let fields = vec![
        Field::text(
            FieldId::ServiceCode,
            "Code service",
            ch.service_code.as_deref().unwrap_or(""),
            "vide : aucun",
        )
        .optional(),
        required,
        engagement,
        Field::text(
            FieldId::Market,
            "Référence du marché (BT-12)",
            ch.market_reference.as_deref().unwrap_or(""),
            "vide : aucune",
        )
        .optional(),
    ];
    Ok(form(
        "Routage Chorus Pro et marché",
        &c,
        "Vérifié dès la réception du bon de commande original ; la référence du marché va sur les commandes suivantes.",
        fields,
        op,
    ))
}

pub(super) fn submit_routing(form: &Form) -> Result<(String, Args), String> {
    let text = |name| Some(form.value(name).to_string()).filter(|v| !v.is_empty());
    let routing = ChorusRouting {
        service_code: text(FieldId::ServiceCode),
        service_code_required: form.checked(FieldId::ServiceRequired),
        engagement_required: form.checked(FieldId::EngagementRequired),
        market_reference: text(FieldId::Market),
    };
    let line = format!(
        "Code service : {} ; marché : {}.",
        routing.service_code.as_deref().unwrap_or("aucun"),
        routing.market_reference.as_deref().unwrap_or("aucun")
    );
    Ok((line, correction(form, Section::Routing(routing))))
}

fn correction(form: &Form, section: Section) -> Args {
    Args::Correct {
        basis: form.basis,
        section: Box::new(section),
    }
}

pub(super) fn run(app: &App, who: &Actor, target: &Target, args: Args) -> Outcome {
    let (Target::Customer(id), Args::Correct { basis, section }) = (target, args) else {
        return super::steps::missing_input();
    };
    let saved = app.correct_customer(who, *id, |current| {
        let mut k: Coordinates = current.coordinates();
        if k.fingerprint() != basis {
            return Err(AppError::invalid(
                "la fiche a été modifiée entre-temps par un collègue : rouvrez le formulaire \
                 (rien n'a été enregistré)",
            ));
        }
        match *section {
            Section::Contacts(v) => k.contacts = v,
            Section::Addresses { header, delivery } => {
                k.header_address = header;
                k.delivery_addresses = delivery;
            }
            Section::Routing(r) => k.chorus = r,
        }
        Ok(k)
    });
    match saved {
        Ok(c) => (
            Level::Ok,
            format!("{} : fiche corrigée", c.legal_name),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

//! The seed's public bodies and people: names, towns, SIRETs, contacts, eligibility —
//! what a million customers look like without sharing ten names.

use super::*;

pub(super) const STAFF: &[&str] = &["marie", "julien", "sophie", "karim"];

pub(super) fn actor(name: &str) -> ActorRef {
    ActorRef {
        name: name.to_string(),
        fingerprint: None,
        kind: ActorKind::Seed,
        session: None,
    }
}

pub(super) fn slug(s: &str) -> String {
    crate::domain::text::fold(s)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A valid, unique SIRET for customer `i`: a kind digit, seven digits of `i`, Luhn keys.
pub(super) fn siret_for(i: u64, digit: u8) -> Siret {
    let prefix = format!("{digit}{:07}", i % 10_000_000);
    let siren = format!("{prefix}{}", ids::luhn_complete(&prefix));
    let body = format!("{siren}0001");
    let siret = format!("{body}{}", ids::luhn_complete(&body));
    Siret::parse(&siret).unwrap_or_else(|_| Siret::parse("21750001600019").expect("valid constant"))
}

pub(super) fn person(rng: &mut Rng) -> (String, String) {
    (
        rng.pick(FIRST_NAMES).to_string(),
        rng.pick(LAST_NAMES).to_string(),
    )
}

pub(super) fn town(rng: &mut Rng, i: u64) -> (String, String) {
    if i.is_multiple_of(3) {
        let (c, p, _) = *rng.pick(CITIES);
        (c.to_string(), p.to_string())
    } else {
        let name = format!("{}-{}", rng.pick(TOWN_PREFIXES), rng.pick(TOWN_SUFFIXES));
        (
            name,
            format!("{:02}{:03}", rng.range(1, 95), rng.range(0, 999)),
        )
    }
}

/// `n` synthetic customers as the seed makes them (ids 1…n), without a store: for
/// measuring the in-memory search at sizes no disk here holds.
#[cfg(feature = "bench")]
pub(crate) fn synthetic_customers(n: u64, seed: u64) -> impl Iterator<Item = Customer> {
    let mut rng = Rng(seed ^ 0x5EED_C0FF_EE00_0000);
    (0..n).map(move |i| customer(i, &mut rng, Timestamp(0)))
}

/// One synthetic customer.
pub(super) fn customer(i: u64, rng: &mut Rng, at: Timestamp) -> Customer {
    let (city, postcode) = town(rng, i);
    let roll = rng.below(100);
    let (name, categorie, digit, service) = match roll {
        0..=39 => (
            format!("Commune de {city}"),
            "7210",
            2,
            "Mairie — service financier",
        ),
        40..=51 => (
            format!("Lycée {}", rng.pick(NOTABLES)),
            "7331",
            1,
            "Intendance",
        ),
        52..=59 => (
            format!("Collège {}", rng.pick(NOTABLES)),
            "7331",
            1,
            "Intendance",
        ),
        60..=62 => (
            format!("Université de {city}"),
            "7383",
            1,
            "Service facturier",
        ),
        63..=67 => {
            let prefix = if rng.chance(30) {
                "CHU"
            } else {
                "Centre hospitalier"
            };
            (
                format!("{prefix} de {city}"),
                "7364",
                2,
                "Direction des achats",
            )
        }
        68..=69 => {
            let (_, _, dept) = *rng.pick(CITIES);
            (
                format!("Département {dept}"),
                "7220",
                2,
                "Direction des finances",
            )
        }
        70..=74 => (format!("CCAS de {city}"), "7361", 2, "Comptabilité"),
        75..=79 => (
            format!("Communauté de communes de {city}"),
            "7346",
            2,
            "Service des finances",
        ),
        80..=83 => (
            format!("Conservatoire de {city}"),
            "7373",
            2,
            "Administration",
        ),
        84..=86 => (format!("SDIS de {city}"), "7372", 2, "Service achats"),
        87..=89 => (
            format!("Caisse des écoles de {city}"),
            "7362",
            2,
            "Comptabilité",
        ),
        90..=93 => (format!("Régie des festivals de {city}"), "4140", 4, "Régie"),
        _ => {
            let (_, last) = person(rng);
            let form = if rng.chance(50) {
                ("SARL", "5499")
            } else {
                ("SAS", "5710")
            };
            (
                format!("{last} Sonorisation {}", form.0),
                form.1,
                5,
                "Comptabilité",
            )
        }
    };
    let street = format!("{} {}", rng.range(1, 120), rng.pick(STREETS));
    let header = Address {
        name: service.to_string(),
        street: street.clone(),
        extra: String::new(),
        postcode: postcode.clone(),
        city: city.clone(),
    };
    let mut delivery = vec![header.clone()];
    if rng.chance(30) {
        delivery.push(Address {
            name: "Salle de spectacle".into(),
            street: format!("{} {}", rng.range(1, 80), rng.pick(STREETS)),
            extra: "Accès livraisons à l'arrière".into(),
            postcode,
            city: city.clone(),
        });
    }
    let (first, last) = person(rng);
    let domain = format!(
        "{}.example",
        slug(&name).chars().take(30).collect::<String>()
    );
    let contacts = vec![Contact {
        name: format!("{first} {last}"),
        phone: format!(
            "0{} {:02} {:02} {:02} {:02}",
            rng.range(1, 5),
            rng.range(0, 99),
            rng.range(0, 99),
            rng.range(0, 99),
            rng.range(0, 99)
        ),
        email: format!("{}.{}@{domain}", slug(&first), slug(&last)),
    }];
    let service_code = rng
        .chance(35)
        .then(|| format!("SERV-{:04}", rng.range(1, 9999)));
    let chorus = ChorusRouting {
        service_code_required: service_code.is_some() && rng.chance(50),
        service_code,
        engagement_required: rng.chance(50),
        market_reference: None,
    };
    Customer {
        id: CustomerId(i + 1),
        legal_name: name,
        siret: siret_for(i, digit),
        categorie: categorie.to_string(),
        kind: CustomerKind::from_categorie(categorie),
        eligibility: Eligibility::automatic(categorie, at),
        header_address: header,
        delivery_addresses: delivery,
        contacts,
        chorus,
        created_at: at,
    }
}

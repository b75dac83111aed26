//! Customer accounts: public bodies and their eligibility for the administrative procedure.

use super::date::Timestamp;
use super::ids::Siret;
use super::legal::{self, LegalClass};
use serde::{Deserialize, Serialize};

/// Stable internal identifier of a customer account (ids start at 1).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct CustomerId(pub u64);

/// The kind of public body, which sets the payment delay and helps staff read the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerKind {
    Commune,
    LyceeCollege,
    Universite,
    Hopital,
    DepartementRegion,
    Autre,
}

impl CustomerKind {
    pub const ALL: [CustomerKind; 6] = [
        CustomerKind::Commune,
        CustomerKind::LyceeCollege,
        CustomerKind::Universite,
        CustomerKind::Hopital,
        CustomerKind::DepartementRegion,
        CustomerKind::Autre,
    ];

    /// The kind a catégorie juridique implies.
    pub fn from_categorie(code: &str) -> CustomerKind {
        match code {
            "7210" | "7312" => CustomerKind::Commune,
            "7331" => CustomerKind::LyceeCollege,
            "7383" => CustomerKind::Universite,
            "7364" | "7365" => CustomerKind::Hopital,
            "7220" | "7230" | "7225" | "7229" => CustomerKind::DepartementRegion,
            _ => CustomerKind::Autre,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CustomerKind::Commune => "Commune",
            CustomerKind::LyceeCollege => "Lycée / collège",
            CustomerKind::Universite => "Université",
            CustomerKind::Hopital => "Hôpital",
            CustomerKind::DepartementRegion => "Département / région",
            CustomerKind::Autre => "Autre organisme",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            CustomerKind::Commune => "commune",
            CustomerKind::LyceeCollege => "lycee-college",
            CustomerKind::Universite => "universite",
            CustomerKind::Hopital => "hopital",
            CustomerKind::DepartementRegion => "departement-region",
            CustomerKind::Autre => "autre",
        }
    }

    pub fn from_slug(s: &str) -> Option<CustomerKind> {
        CustomerKind::ALL.into_iter().find(|k| k.slug() == s)
    }
}

/// Délai global de paiement: 50 days for public hospitals, 60 for public bodies under
/// commercial law (41xx), 30 for the State, local authorities and their establishments.
pub fn payment_delay_days(kind: CustomerKind, categorie: &str) -> u32 {
    if kind == CustomerKind::Hopital || categorie == "7364" || categorie == "7365" {
        50
    } else if categorie.starts_with("41") {
        60
    } else {
        30
    }
}

/// Whether the body may use the administrative payment procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EligibilityStatus {
    Approved,
    PendingReview,
    Refused,
}

impl EligibilityStatus {
    pub fn label(self) -> &'static str {
        match self {
            EligibilityStatus::Approved => "Éligible",
            EligibilityStatus::PendingReview => "À examiner",
            EligibilityStatus::Refused => "Refusé",
        }
    }
}

/// The eligibility decision: who took it, when and why ("auto" for the catégorie test).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub status: EligibilityStatus,
    pub decided_by: String,
    pub decided_at: Timestamp,
    pub reason: String,
}

impl Eligibility {
    /// The automatic decision from the catégorie juridique.
    pub fn automatic(categorie: &str, at: Timestamp) -> Eligibility {
        let label = legal::categorie_label(categorie).unwrap_or("");
        let (status, reason) = match legal::classify(categorie) {
            LegalClass::PublicBody => (
                EligibilityStatus::Approved,
                format!("personne morale de droit public ({categorie} {label})"),
            ),
            LegalClass::NeedsReview => (
                EligibilityStatus::PendingReview,
                format!(
                    "organisme public de droit commercial ({categorie} {label}) : examen manuel"
                ),
            ),
            LegalClass::Private => (
                EligibilityStatus::Refused,
                format!(
                    "catégorie juridique {categorie} : organisme privé, mandat administratif exclu"
                ),
            ),
        };
        Eligibility {
            status,
            decided_by: "auto".into(),
            decided_at: at,
            reason: reason.trim().to_string(),
        }
    }
}

/// A postal address as printed on documents.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub struct Address {
    /// Recipient or service line ("Service financier", "Lycée Jean Moulin — intendance").
    pub name: String,
    pub street: String,
    pub extra: String,
    pub postcode: String,
    pub city: String,
}

impl Address {
    /// The printed lines, skipping empty ones.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for l in [&self.name, &self.street, &self.extra] {
            if !l.trim().is_empty() {
                out.push(l.trim().to_string());
            }
        }
        out.push(
            format!("{} {}", self.postcode.trim(), self.city.trim())
                .trim()
                .to_string(),
        );
        out
    }

    pub fn one_line(&self) -> String {
        self.lines().join(", ")
    }

    /// What is wrong with a typed address: the field (`street`) and why, in French.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        text_problem("name", &self.name, 120, false)
            .or_else(|| text_problem("street", &self.street, 120, true))
            .or_else(|| text_problem("extra", &self.extra, 120, false))
            .or_else(|| {
                let p = self.postcode.trim();
                (!(p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit())))
                    .then(|| ("postcode", format!("code postal invalide « {p} »")))
            })
            .or_else(|| text_problem("city", &self.city, 80, true))
    }

    /// The same address with its fields trimmed.
    pub fn trimmed(&self) -> Address {
        Address {
            name: self.name.trim().into(),
            street: self.street.trim().into(),
            extra: self.extra.trim().into(),
            postcode: self.postcode.trim().into(),
            city: self.city.trim().into(),
        }
    }
}

/// The French name of a field `problem` names (`postcode` → `code postal`).
pub fn field_label(field: &str) -> &str {
    match field {
        "name" => "nom",
        "street" => "rue",
        "extra" => "complément",
        "postcode" => "code postal",
        "city" => "ville",
        "phone" => "téléphone",
        "email" => "e-mail",
        other => other,
    }
}

/// What is wrong with a typed text: empty when required, too long, or holding a
/// character a document cannot carry.
pub fn text_problem(
    field: &'static str,
    s: &str,
    max: usize,
    required: bool,
) -> Option<(&'static str, String)> {
    let s = s.trim();
    if s.is_empty() {
        return required.then(|| (field, "ne peut pas être vide".to_string()));
    }
    if s.chars().count() > max {
        return Some((field, format!("{max} caractères au plus")));
    }
    super::text::first_refused(s, false).map(|c| (field, super::text::refused_char(c)))
}

/// A named physical contact: the procedure requires one.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl Contact {
    /// What is wrong with a typed contact: the field (`email`) and why, in French.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        text_problem("name", &self.name, 120, true)
            .or_else(|| text_problem("phone", &self.phone, 30, true))
            .or_else(|| {
                let phone = self.phone.trim();
                let digits = phone.chars().filter(char::is_ascii_digit).count();
                (digits < 9
                    || phone
                        .chars()
                        .any(|c| !(c.is_ascii_digit() || " +.-()".contains(c))))
                .then(|| ("phone", format!("numéro de téléphone invalide « {phone} »")))
            })
            .or_else(|| text_problem("email", &self.email, 120, true))
            .or_else(|| {
                let email = self.email.trim();
                let at = email.find('@');
                (!matches!(at, Some(i) if i > 0 && email[i + 1..].contains('.'))
                    || email.contains(char::is_whitespace))
                .then(|| ("email", format!("adresse e-mail invalide « {email} »")))
            })
    }

    /// The same contact with its fields trimmed.
    pub fn trimmed(&self) -> Contact {
        Contact {
            name: self.name.trim().into(),
            phone: self.phone.trim().into(),
            email: self.email.trim().into(),
        }
    }

    /// `Jeanne Martin · 04 77 00 00 00 · j@x.fr`
    pub fn one_line(&self) -> String {
        [&self.name, &self.phone, &self.email]
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// Chorus Pro routing of a body's invoices.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub struct ChorusRouting {
    /// Code service (BT-10 BuyerReference), when the body has one.
    pub service_code: Option<String>,
    /// The body's Chorus structure demands a service code on every invoice.
    pub service_code_required: bool,
    /// The body's Chorus structure demands an engagement number (BT-13).
    pub engagement_required: bool,
    /// The public contract (marché) its orders fall under, printed and sent as BT-12
    /// when the original purchase order does not name another.
    pub market_reference: Option<String>,
}

/// A customer account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub legal_name: String,
    pub siret: Siret,
    pub categorie: String,
    pub kind: CustomerKind,
    pub eligibility: Eligibility,
    pub header_address: Address,
    pub delivery_addresses: Vec<Address>,
    pub contacts: Vec<Contact>,
    pub chorus: ChorusRouting,
    pub created_at: Timestamp,
}

/// What the in-memory customer index needs of an account, kept in a compact table of its
/// own (written with the account, in the same transaction): opening the store reads about
/// 90 bytes per customer instead of the whole account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub id: CustomerId,
    pub legal_name: String,
    pub city: String,
    pub siret: String,
    pub contact_names: Vec<String>,
    pub status: EligibilityStatus,
}

impl CustomerSummary {
    pub fn of(c: &Customer) -> CustomerSummary {
        CustomerSummary {
            id: c.id,
            legal_name: c.legal_name.clone(),
            city: c.city().to_string(),
            siret: c.siret.as_str().to_string(),
            contact_names: c.contacts.iter().map(|k| k.name.clone()).collect(),
            status: c.eligibility.status,
        }
    }
}

impl Customer {
    pub fn siren(&self) -> &str {
        self.siret.siren()
    }

    pub fn payment_delay_days(&self) -> u32 {
        payment_delay_days(self.kind, &self.categorie)
    }

    pub fn is_approved(&self) -> bool {
        self.eligibility.status == EligibilityStatus::Approved
    }

    pub fn city(&self) -> &str {
        &self.header_address.city
    }

    /// The addresses an order may be delivered to, numbered from 1 by staff: the delivery
    /// addresses, or the header address when there are none.
    pub fn delivery_choices(&self) -> &[Address] {
        if self.delivery_addresses.is_empty() {
            std::slice::from_ref(&self.header_address)
        } else {
            &self.delivery_addresses
        }
    }

    pub fn main_contact(&self) -> Option<&Contact> {
        self.contacts.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_delays() {
        assert_eq!(payment_delay_days(CustomerKind::Commune, "7210"), 30);
        assert_eq!(payment_delay_days(CustomerKind::Hopital, "7364"), 50);
        assert_eq!(payment_delay_days(CustomerKind::Autre, "7364"), 50);
        assert_eq!(payment_delay_days(CustomerKind::Autre, "4140"), 60);
        assert_eq!(payment_delay_days(CustomerKind::Universite, "7383"), 30);
    }

    #[test]
    fn automatic_eligibility() {
        let t = Timestamp(0);
        assert_eq!(
            Eligibility::automatic("7331", t).status,
            EligibilityStatus::Approved
        );
        assert_eq!(
            Eligibility::automatic("4110", t).status,
            EligibilityStatus::PendingReview
        );
        let refused = Eligibility::automatic("5710", t);
        assert_eq!(refused.status, EligibilityStatus::Refused);
        assert!(refused.reason.contains("privé"));
        assert_eq!(
            CustomerKind::from_categorie("7331"),
            CustomerKind::LyceeCollege
        );
        assert_eq!(
            CustomerKind::from_categorie("7230"),
            CustomerKind::DepartementRegion
        );
    }

    #[test]
    fn address_lines_skip_blanks() {
        let a = Address {
            name: "Mairie".into(),
            street: "1 place de l'Hôtel de Ville".into(),
            extra: " ".into(),
            postcode: "42000".into(),
            city: "Saint-Étienne".into(),
        };
        assert_eq!(
            a.lines(),
            vec![
                "Mairie",
                "1 place de l'Hôtel de Ville",
                "42000 Saint-Étienne"
            ]
        );
    }
}

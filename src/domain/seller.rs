//! The shop's identity, as every document prints it.

use super::customer::Address;
use serde::{Deserialize, Serialize};

/// Seller mentions required on invoices (CGI art. 242 nonies A) plus the bank details of
/// the RIB that travels with every invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub name: String,
    pub legal_form: String,
    pub address: Address,
    pub siren: String,
    pub siret: String,
    pub rcs: String,
    pub vat_number: String,
    /// Share capital as printed ("50 000 €").
    pub capital: String,
    pub phone: String,
    pub email: String,
    pub bank_name: String,
    pub bank_holder: String,
    pub iban: String,
    pub bic: String,
    /// PNG bytes of the logo, when configured.
    #[serde(skip)]
    pub logo_png: Option<Vec<u8>>,
    /// Which identifier the Factur-X gives as the seller's legal registration (BT-30).
    #[serde(default)]
    pub legal_id: LegalId,
}

/// How the Factur-X carries the seller's SIRET and SIREN (BT-29 and BT-30).
///
/// Chorus Pro's rules (XP Z12-012 annex A, BR-FR-CPRO-03/09) want the SIRET as the
/// seller's identifier (BT-29, scheme 0009) and the 2026 rules' BR-FR-10 want the SIREN
/// as its legal registration (BT-30, scheme 0002): the default gives both. `Siret` is
/// the layout of comptoir's first invoices (SIRET in BT-30), kept for a platform that
/// would read it there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LegalId {
    /// BT-30 = SIRET (scheme 0009), BT-29 = SIREN (0002): the first layout.
    Siret,
    /// BT-30 = SIREN (scheme 0002), BT-29 = SIRET (0009): BR-FR-10 and BR-FR-CPRO-03.
    #[default]
    Siren,
}

impl Seller {
    /// The demonstration shop used when no configuration is given.
    pub fn demo() -> Seller {
        Seller {
            name: "Comptoir Audio Démo".into(),
            legal_form: "SAS".into(),
            address: Address {
                name: String::new(),
                street: "12 rue des Luthiers".into(),
                extra: String::new(),
                postcode: "42000".into(),
                city: "Saint-Étienne".into(),
            },
            siren: "912345675".into(),
            siret: "91234567500017".into(),
            rcs: "RCS Saint-Étienne 912 345 675".into(),
            vat_number: "FR65912345675".into(),
            capital: "50 000 €".into(),
            phone: "04 77 00 00 00".into(),
            email: "compta@comptoir-audio.example".into(),
            bank_name: "Banque Démo".into(),
            bank_holder: "COMPTOIR AUDIO DEMO SAS".into(),
            iban: "FR7630006000011234567890189".into(),
            bic: "AGRIFRPP".into(),
            logo_png: None,
            legal_id: LegalId::Siren,
        }
    }
}

/// Something missing or wrong in the seller's identity: the config key to set, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityProblem {
    pub key: &'static str,
    pub message: String,
}

impl std::fmt::Display for IdentityProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[shop] {} : {}", self.key, self.message)
    }
}

impl Seller {
    /// What keeps this identity from going on real documents: missing mentions, invalid
    /// identifiers, or the demonstration shop's values. Empty when complete.
    pub fn problems(&self) -> Vec<IdentityProblem> {
        use super::ids;
        let demo = Seller::demo();
        let mut out = Vec::new();
        let mut problem = |key: &'static str, message: &str| {
            out.push(IdentityProblem {
                key,
                message: message.to_string(),
            })
        };
        let blank = |s: &str| s.trim().is_empty();
        if blank(&self.name) {
            problem("name", "raison sociale manquante");
        } else if self.name == demo.name {
            problem("name", "c'est la raison sociale de la démo");
        }
        if blank(&self.legal_form) {
            problem("legal_form", "forme juridique manquante (SAS, SARL…)");
        }
        if blank(&self.address.street) {
            problem("street", "adresse manquante");
        }
        let postcode = self.address.postcode.trim();
        if postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()) {
            problem("postcode", "code postal à 5 chiffres manquant");
        }
        if blank(&self.address.city) {
            problem("city", "ville manquante");
        }
        if !blank(&self.address.street)
            && self.address.street == demo.address.street
            && self.address.city == demo.address.city
        {
            problem("street", "c'est l'adresse de la démo");
        }
        if !ids::siret_valid(&self.siret) {
            problem(
                "siret",
                "SIRET manquant ou invalide (14 chiffres, clé de Luhn)",
            );
        } else if self.siret == demo.siret {
            problem("siret", "c'est le SIRET de la démo");
        }
        if blank(&self.rcs) {
            problem(
                "rcs",
                "immatriculation RCS manquante (« RCS Ville 123 456 789 »)",
            );
        } else if self.rcs == demo.rcs {
            problem("rcs", "c'est l'immatriculation de la démo");
        }
        if !ids::vat_number_valid(&self.vat_number) {
            problem(
                "vat_number",
                "numéro de TVA intracommunautaire manquant ou invalide",
            );
        } else if self.siret.len() >= 9 && !self.vat_number.ends_with(&self.siret[..9]) {
            problem("vat_number", "le numéro de TVA ne correspond pas au SIREN");
        } else if self.vat_number == demo.vat_number {
            problem("vat_number", "c'est le numéro de TVA de la démo");
        }
        if blank(&self.capital) {
            problem("capital", "capital social manquant (« 10 000 € »)");
        }
        match ids::parse_iban(&self.iban) {
            Err(_) => problem("iban", "IBAN manquant ou invalide (clé mod 97)"),
            Ok(i) if i == demo.iban => problem("iban", "c'est l'IBAN de la démo"),
            Ok(_) => {}
        }
        let bic = self.bic.trim();
        if !(bic.len() == 8 || bic.len() == 11) || !bic.chars().all(|c| c.is_ascii_alphanumeric()) {
            problem(
                "bic",
                "BIC manquant ou invalide (8 ou 11 lettres et chiffres)",
            );
        }
        if blank(&self.bank_holder) {
            problem("bank_holder", "titulaire du compte manquant");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_identity_is_not_a_real_one() {
        let keys: Vec<&str> = Seller::demo().problems().iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            ["name", "street", "siret", "rcs", "vat_number", "iban"]
        );
        let mut real = Seller::demo();
        real.name = "Audio Lyon".into();
        real.address.street = "3 quai Saint-Vincent".into();
        real.address.city = "Lyon".into();
        real.siret = "81234567600017".into();
        real.siren = "812345676".into();
        real.rcs = "RCS Lyon 812 345 676".into();
        real.vat_number = "FR19812345676".into();
        real.iban = "FR1420041010050500013M02606".into();
        assert_eq!(real.problems(), vec![]);
        real.bic = "X".into();
        real.capital = " ".into();
        let p: Vec<String> = real.problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(
            p,
            [
                "[shop] capital : capital social manquant (« 10 000 € »)",
                "[shop] bic : BIC manquant ou invalide (8 ou 11 lettres et chiffres)"
            ]
        );
    }
}

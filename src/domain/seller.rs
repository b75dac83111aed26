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
        }
    }
}

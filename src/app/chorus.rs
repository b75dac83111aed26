//! Chorus Pro as the app sees it: a small trait that the platform's adapter implements
//! (`crate::chorus::PisteClient` over HTTPS; a stand-in in the tests), as the documents'
//! renderer is. The app never names HTTP, tokens or JSON.

use super::{App, AppError};
use std::sync::Arc;

/// What went wrong talking to Chorus Pro — in French, never with a secret in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChorusError {
    /// The platform did not answer (network, timeout, 5xx): worth trying again later.
    Unreachable(String),
    /// The PISTE application or the technical account was refused (401/403, an expired
    /// password): someone must fix the settings.
    Credentials(String),
    /// Chorus Pro refused the request (`codeRetour` ≠ 0, 4xx), with its own words.
    Refused { code: i64, message: String },
    /// The answer could not be read.
    Malformed(String),
}

impl std::fmt::Display for ChorusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChorusError::Unreachable(e) => write!(
                f,
                "Chorus Pro ne répond pas ({e}) : rien n'est perdu, ce sera réessayé"
            ),
            ChorusError::Credentials(e) => write!(
                f,
                "Chorus Pro refuse les identifiants ({e}) : vérifiez l'application PISTE \
                 (client_id, client_secret) et le compte technique (login, mot de passe, qui \
                 expire) dans [chorus] de comptoir.toml"
            ),
            ChorusError::Refused { code, message } => {
                write!(f, "Chorus Pro refuse la demande (code {code}) : {message}")
            }
            ChorusError::Malformed(e) => {
                write!(f, "réponse de Chorus Pro illisible : {e}")
            }
        }
    }
}

/// A service of a public body, as Chorus Pro lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChorusService {
    pub code: String,
    pub name: String,
    pub active: bool,
}

/// What a body requires on its invoices, from its Chorus Pro structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChorusStructure {
    pub id: i64,
    pub name: String,
    /// A service code must be given.
    pub service_required: bool,
    /// A legal commitment (engagement) number must be given.
    pub engagement_required: bool,
    pub services: Vec<ChorusService>,
}

/// A flow deposited: its number and the platform's date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChorusDeposit {
    pub flow: String,
    pub date: String,
}

/// The calls comptoir makes to Chorus Pro.
pub trait ChorusApi: Send + Sync {
    /// Whether the platform answers with these credentials (`transverses/v1/health-check`).
    fn health(&self) -> Result<(), ChorusError>;
    /// A body's structure and its services, by SIRET.
    fn structure(&self, siret: &str) -> Result<ChorusStructure, ChorusError>;
    /// Deposits an invoice or credit note's PDF/A-3 with its Factur-X, as issued.
    fn deposit(&self, file_name: &str, pdf: &[u8]) -> Result<ChorusDeposit, ChorusError>;
}

impl App {
    /// Connects Chorus Pro (at start and on reload; `None`: not configured).
    pub fn set_chorus(&self, api: Option<Arc<dyn ChorusApi>>) {
        *self.chorus.write().unwrap_or_else(|e| e.into_inner()) = api;
    }

    pub fn chorus(&self) -> Result<Arc<dyn ChorusApi>, AppError> {
        self.chorus
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                AppError::invalid(
                    "Chorus Pro n'est pas configuré : ajoutez la section [chorus] à comptoir.toml \
                     (voir le README, « Chorus Pro »)",
                )
            })
    }

    /// What Chorus Pro says a body requires (service code, engagement number) and its
    /// active services.
    pub fn chorus_structure(&self, siret: &str) -> Result<ChorusStructure, AppError> {
        let digits: String = siret.chars().filter(|c| !c.is_whitespace()).collect();
        crate::domain::Siret::parse(&digits)
            .map_err(|e| AppError::invalid(format!("SIRET : {e}")))?;
        self.chorus()?
            .structure(&digits)
            .map_err(|e| AppError::invalid(e.to_string()))
    }
}

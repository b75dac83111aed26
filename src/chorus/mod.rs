//! The Chorus Pro client over PISTE: OAuth2 client credentials on the OAuth host (the
//! token kept until it expires, renewed once when the API answers 401), then every call a
//! JSON `POST` on `{api}cpro/…` with the bearer token and the technical account in the
//! `cpro-account` header (base64 of `login:password`). HTTPS through rustls; `http://`
//! only on this machine (the configuration refuses it elsewhere). Nothing it logs or
//! returns carries a secret.

use crate::app::chorus::{ChorusApi, ChorusDeposit, ChorusError, ChorusService, ChorusStructure};
use crate::config::ChorusConfig;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most an answer may weigh (a service list can be long; a PDF is never read back).
const MAX_ANSWER: u64 = 16 * 1024 * 1024;
/// Renew the token this long before Chorus says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// The client of one platform (qualification or production).
pub struct PisteClient {
    cfg: ChorusConfig,
    agent: ureq::Agent,
    token: Mutex<Option<(String, Instant)>>,
}

/// `base64` (standard alphabet, padded), for the `cpro-account` header and the files.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// A transport error in words that carry no secret (ureq's errors name the URL, never
/// the headers or the form).
fn unreachable(e: ureq::Error) -> ChorusError {
    ChorusError::Unreachable(e.to_string())
}

impl PisteClient {
    /// A client that gives a call 60 s (10 s to connect).
    pub fn new(cfg: ChorusConfig) -> PisteClient {
        Self::with_timeout(cfg, Duration::from_secs(60))
    }

    /// A client that gives up a call after `timeout` (the platform then counts as
    /// unreachable: a deposit is looked up before any new try).
    pub fn with_timeout(cfg: ChorusConfig, timeout: Duration) -> PisteClient {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
            .build()
            .into();
        PisteClient {
            cfg,
            agent,
            token: Mutex::new(None),
        }
    }

    /// The bearer token: the one kept while it lasts, else a new one (`renew`: the API
    /// just refused the one kept).
    fn token(&self, renew: bool) -> Result<String, ChorusError> {
        let mut kept = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if !renew
            && let Some((t, until)) = kept.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let url = format!("{}api/oauth/token", self.cfg.oauth_url);
        let mut resp = self
            .agent
            .post(&url)
            .send_form([
                ("grant_type", "client_credentials"),
                ("client_id", self.cfg.client_id.as_str()),
                ("client_secret", self.cfg.client_secret.as_str()),
                ("scope", "openid"),
            ])
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .map_err(unreachable)?;
        match status {
            200 => {}
            400 | 401 | 403 => {
                return Err(ChorusError::Credentials(format!(
                    "jeton OAuth refusé (HTTP {status}) pour l'application {}",
                    self.cfg.client_id
                )));
            }
            s if s >= 500 => return Err(ChorusError::Unreachable(format!("OAuth : HTTP {s}"))),
            s => return Err(ChorusError::Malformed(format!("OAuth : HTTP {s}"))),
        }
        let v: Value = serde_json::from_str(&body)
            .map_err(|_| ChorusError::Malformed("OAuth : la réponse n'est pas du JSON".into()))?;
        let token = v["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ChorusError::Malformed("OAuth : pas d'access_token".into()))?
            .to_string();
        let lasts = Duration::from_secs(v["expires_in"].as_u64().unwrap_or(3600));
        *kept = Some((
            token.clone(),
            Instant::now() + lasts.saturating_sub(TOKEN_MARGIN),
        ));
        Ok(token)
    }

    /// `POST {api}cpro/{service}` with `body`; the token renewed once on a 401. Returns the
    /// answer when `codeRetour` is 0 (or absent).
    fn call(&self, service: &str, body: &Value) -> Result<Value, ChorusError> {
        let url = format!("{}cpro/{service}", self.cfg.api_url);
        let account = base64(format!("{}:{}", self.cfg.login, self.cfg.password).as_bytes());
        let mut renewed = false;
        loop {
            let token = self.token(renewed)?;
            let mut resp = self
                .agent
                .post(&url)
                .header("Authorization", format!("Bearer {token}"))
                .header("cpro-account", account.as_str())
                .header("Content-Type", "application/json;charset=utf-8")
                .header("Accept", "application/json")
                .send_json(body)
                .map_err(unreachable)?;
            let status = resp.status().as_u16();
            let text = resp
                .body_mut()
                .with_config()
                .limit(MAX_ANSWER)
                .read_to_string()
                .map_err(unreachable)?;
            if status == 401 && !renewed {
                // The token expired early (or was revoked): one new one, once.
                renewed = true;
                continue;
            }
            if status == 401 || status == 403 {
                return Err(ChorusError::Credentials(format!(
                    "{service} : HTTP {status} pour le compte technique {}",
                    self.cfg.login
                )));
            }
            if status >= 500 {
                return Err(ChorusError::Unreachable(format!(
                    "{service} : HTTP {status}"
                )));
            }
            let v: Value = serde_json::from_str(&text).map_err(|_| {
                ChorusError::Malformed(format!("{service} : HTTP {status}, pas du JSON"))
            })?;
            let code = v["codeRetour"].as_i64().unwrap_or(0);
            if status >= 400 || code != 0 {
                let message = v["libelle"]
                    .as_str()
                    .unwrap_or("sans explication")
                    .to_string();
                return Err(ChorusError::Refused {
                    code: if code != 0 { code } else { status as i64 },
                    message,
                });
            }
            return Ok(v);
        }
    }
}

impl ChorusApi for PisteClient {
    fn health(&self) -> Result<(), ChorusError> {
        self.call("transverses/v1/health-check", &json!({}))
            .map(|_| ())
    }

    fn structure(&self, siret: &str) -> Result<ChorusStructure, ChorusError> {
        let found = self.call(
            "structures/v1/rechercher",
            &json!({
                "structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"},
            }),
        )?;
        let first = &found["listeStructures"][0];
        let id = first["idStructureCPP"]
            .as_i64()
            .ok_or_else(|| ChorusError::Refused {
                code: 0,
                message: format!("aucune structure Chorus Pro pour le SIRET {siret}"),
            })?;
        let detail = self.call(
            "structures/v1/consulter",
            &json!({"idStructureCPP": id, "codeLangue": "fr"}),
        )?;
        let p = &detail["parametres"];
        let services = self.call(
            "structures/v1/rechercher/services",
            &json!({"idStructure": id, "parametresRechercherServicesStructure": {"pageResultatDemandee": 1, "nbResultatsParPage": 10000}}),
        )?;
        let services = services["listeServices"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|s| ChorusService {
                        code: s["codeService"].as_str().unwrap_or("").to_string(),
                        name: s["libelleService"].as_str().unwrap_or("").to_string(),
                        active: s["estActif"].as_bool().unwrap_or(true),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ChorusStructure {
            id,
            name: first["designationStructure"]
                .as_str()
                .or(detail["raisonSociale"].as_str())
                .unwrap_or("")
                .to_string(),
            service_required: p["codeServiceDoitEtreRenseigne"].as_bool().unwrap_or(false),
            engagement_required: p["numeroEJDoitEtreRenseigne"].as_bool().unwrap_or(false),
            services,
        })
    }

    fn deposit(&self, file_name: &str, pdf: &[u8]) -> Result<ChorusDeposit, ChorusError> {
        let v = self.call(
            "factures/v1/deposer/flux",
            &json!({
                "fichierFlux": base64(pdf),
                "nomFichier": file_name,
                "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
                "avecSignature": false,
            }),
        )?;
        let flow = v["numeroFluxDepot"]
            .as_str()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ChorusError::Malformed("dépôt : pas de numéro de flux".into()))?;
        Ok(ChorusDeposit {
            flow: flow.to_string(),
            date: v["dateDepot"].as_str().unwrap_or("").to_string(),
        })
    }

    fn flow_report(&self, flow: &str) -> Result<crate::app::chorus::FlowReport, ChorusError> {
        self.report(flow)
    }

    fn find_invoice(&self, number: &str) -> Result<Option<(i64, String)>, ChorusError> {
        // Paged (the platform's default page is 10 rows): read until the number is found
        // or the pages run out.
        for page in 1..=MAX_PAGES {
            let v = self.call(
                "factures/v1/rechercher/fournisseur",
                &json!({
                    "numeroFacture": number,
                    "rechercheFactureParFournisseur": {
                        "nbResultatsParPage": PAGE_ROWS,
                        "pageResultatDemandee": page,
                    },
                }),
            )?;
            let found = v["listeFactures"].as_array().and_then(|list| {
                list.iter()
                    .find(|f| f["numeroFacture"].as_str() == Some(number))
                    .and_then(|f| {
                        Some((
                            f["identifiantFactureCPP"].as_i64()?,
                            f["statut"].as_str().unwrap_or("").to_string(),
                        ))
                    })
            });
            if found.is_some() || page >= pages(&v["parametresRetour"]["pages"]) {
                return Ok(found);
            }
        }
        Ok(None)
    }

    fn history(&self, id: i64) -> Result<Vec<crate::domain::chorus::ChorusStatus>, ChorusError> {
        let mut out: Vec<crate::domain::chorus::ChorusStatus> = Vec::new();
        for page in 1..=MAX_PAGES {
            let v = self.call(
                "factures/v1/consulter/historique",
                &json!({
                    "idFacture": id,
                    "paramRechercheHistoStatuts": {
                        "nbResultatsParPageListeHistoStatut": PAGE_ROWS,
                        "pageResultatDemandeeListeHistoStatut": page,
                    },
                }),
            )?;
            let statuses = &v["historiquesDesStatuts"];
            let list = statuses["histoStatut"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            out.extend(list.iter().filter_map(|h| {
                Some(crate::domain::chorus::ChorusStatus {
                    status: h["histoStatutCode"]
                        .as_str()
                        .or(h["statutCode"].as_str())?
                        .to_string(),
                    at: match &h["histoStatutDatePassage"] {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => h["statutDate"].as_str().unwrap_or("").to_string(),
                    },
                })
            }));
            if list.is_empty() || page >= pages(&statuses["pagesHistoStatut"]) {
                break;
            }
        }
        // Oldest first, whatever order the platform gives them in (by day, then by the
        // time it gives within the day).
        out.sort_by(|a, b| {
            (crate::domain::chorus::day_of(&a.at), &a.at)
                .cmp(&(crate::domain::chorus::day_of(&b.at), &b.at))
        });
        out.dedup();
        Ok(out)
    }
}

/// Rows asked per page, and the most pages read for one question (a bound against a
/// platform that would page forever).
const PAGE_ROWS: u32 = 100;
const MAX_PAGES: u32 = 50;

/// The number of pages an answer says there are (1 when it does not say).
fn pages(v: &Value) -> u32 {
    v.as_u64()
        .map(|n| n.clamp(1, u64::from(MAX_PAGES)) as u32)
        .unwrap_or(1)
}

impl PisteClient {
    fn list_errors(v: &Value) -> Vec<String> {
        ["listeErreurDP", "listeErreurTechnique"]
            .iter()
            .flat_map(|k| v[*k].as_array().cloned().unwrap_or_default())
            .filter_map(|e| {
                e["libelleErreurDP"]
                    .as_str()
                    .or(e["libelleErreur"].as_str())
                    .map(str::to_string)
            })
            .collect()
    }
}

impl PisteClient {
    /// The flow's report (the detailed one: the short one is unreliable for Factur-X).
    pub fn report(&self, flow: &str) -> Result<crate::app::chorus::FlowReport, ChorusError> {
        let v = self.call(
            "transverses/v1/consulterCRDetaille",
            &json!({"numeroFluxDepot": flow, "syntaxeFlux": "IN_DP_E2_CII_FACTURX"}),
        )?;
        Ok(crate::app::chorus::FlowReport {
            state: v["etatCourantDepotFlux"].as_str().unwrap_or("").to_string(),
            errors: Self::list_errors(&v),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_as_the_rfc_says() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            super::base64(b"login:mot de passe"),
            "bG9naW46bW90IGRlIHBhc3Nl"
        );
    }
}

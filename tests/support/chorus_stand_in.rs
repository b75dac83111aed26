//! A stand-in for Chorus Pro's PISTE API, written from the published contract (OCA/
//! l10n-france's Chorus modules and public API clients: OAuth2 client credentials on the
//! OAuth host, JSON `POST`s on `cpro/…` with a bearer token and the technical account in
//! `cpro-account`, `codeRetour`/`libelle` in every answer, paged searches). It runs on a
//! free loopback port, in the process that starts it: `tests/chorus.rs` and
//! `comptoir bench chorus` (which includes this file).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

pub(crate) const SECRET: &str = "s3cr3t-client";
pub(crate) const PASSWORD: &str = "m0t-de-passe";

/// What the stand-in knows and what it saw.
#[derive(Default)]
pub(crate) struct State {
    /// Tokens issued so far; the last one is valid.
    pub(crate) tokens: u32,
    pub(crate) valid: Option<String>,
    /// The technical account's password (an expired password: another one).
    pub(crate) password: String,
    /// Answer every API call with this HTTP status (503…) or a non-JSON body.
    pub(crate) fail_with: Option<u16>,
    pub(crate) malformed: bool,
    /// Every call: (path, JSON body).
    pub(crate) calls: Vec<(String, serde_json::Value)>,
    /// Invoices deposited: (number, id, flow).
    pub(crate) invoices: Vec<(String, i64, String)>,
    /// The next deposit is taken but its answer lost (the connection closes).
    pub(crate) lose_answer: bool,
    /// Flows rejected, with their errors.
    pub(crate) rejected: Vec<(String, Vec<String>)>,
    /// Each invoice's statuses: (id, [(status, date)]).
    pub(crate) statuses: Vec<(i64, Vec<(String, String)>)>,
    /// The most rows the platform gives per page, whatever is asked (0: as asked).
    pub(crate) page_cap: usize,
    /// Each deposit takes this long before it is taken (a slow platform), and whether
    /// one is under way now.
    pub(crate) deposit_ms: u64,
    pub(crate) depositing: bool,
    /// The invoice search ignores the number asked (as a platform that matches loosely
    /// would), newest first: the number is found only by reading the pages.
    pub(crate) loose_search: bool,
}

/// One page of `rows` (1-based `page`, `per` rows) and how many pages there are.
fn page_of<T: Clone>(rows: &[T], page: usize, per: usize) -> (Vec<T>, usize) {
    let per = per.max(1);
    let pages = rows.len().div_ceil(per).max(1);
    let start = (page.max(1) - 1) * per;
    (rows.iter().skip(start).take(per).cloned().collect(), pages)
}

pub(crate) struct StandIn {
    pub(crate) url: String,
    pub(crate) state: Arc<Mutex<State>>,
}

pub(crate) fn b64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

fn form_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
}

fn answer(s: &mut std::net::TcpStream, status: u16, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

pub(crate) fn stand_in() -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(State {
        password: PASSWORD.into(),
        ..State::default()
    }));
    let st = state.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_lowercase(), v.trim().to_string()));
                }
            }
            let header = |k: &str| {
                headers
                    .iter()
                    .find(|(h, _)| h == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let len: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0u8; len];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let body = String::from_utf8_lossy(&body).into_owned();
            if path.ends_with("/deposer/flux") {
                let slow = {
                    let mut s = st.lock().unwrap();
                    s.depositing = true;
                    s.deposit_ms
                };
                std::thread::sleep(std::time::Duration::from_millis(slow));
            }
            let mut s = st.lock().unwrap();
            s.depositing = false;
            if path == "/api/oauth/token" {
                let ok = form_value(&body, "grant_type") == Some("client_credentials")
                    && form_value(&body, "client_id") == Some("comptoir-app")
                    && form_value(&body, "client_secret") == Some(SECRET);
                if !ok {
                    answer(&mut stream, 401, r#"{"error":"invalid_client"}"#);
                    continue;
                }
                s.tokens += 1;
                let t = format!("tok-{}", s.tokens);
                s.valid = Some(t.clone());
                answer(
                    &mut stream,
                    200,
                    &format!(r#"{{"access_token":"{t}","token_type":"Bearer","expires_in":3600}}"#),
                );
                continue;
            }
            let Some(service) = path.strip_prefix("/cpro/") else {
                answer(&mut stream, 404, "{}");
                continue;
            };
            let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            s.calls.push((service.to_string(), json.clone()));
            if header("authorization") != format!("Bearer {}", s.valid.clone().unwrap_or_default())
            {
                answer(
                    &mut stream,
                    401,
                    r#"{"codeRetour":401,"libelle":"jeton invalide"}"#,
                );
                continue;
            }
            let account =
                String::from_utf8(b64_decode(&header("cpro-account"))).unwrap_or_default();
            if account != format!("TECH_1@cpro.fr:{}", s.password) {
                answer(
                    &mut stream,
                    403,
                    r#"{"codeRetour":20001,"libelle":"compte technique invalide"}"#,
                );
                continue;
            }
            if let Some(code) = s.fail_with {
                answer(&mut stream, code, "<html>maintenance</html>");
                continue;
            }
            if s.malformed {
                answer(&mut stream, 200, "<html>pas du JSON</html>");
                continue;
            }
            let reply = match service {
                "transverses/v1/health-check" => r#"{"codeRetour":0,"libelle":"OK"}"#.to_string(),
                "structures/v1/rechercher" => {
                    if (json["structure"]["identifiantStructure"] == "19690123500016"
                        || json["structure"]["identifiantStructure"] == "21750001600019")
                        && json["structure"]["typeIdentifiantStructure"] == "SIRET"
                    {
                        r#"{"codeRetour":0,"listeStructures":[{"idStructureCPP":4242,"designationStructure":"LYCEE JEAN MOULIN"}]}"#.into()
                    } else {
                        r#"{"codeRetour":0,"listeStructures":[]}"#.into()
                    }
                }
                "structures/v1/consulter" => r#"{"codeRetour":0,"raisonSociale":"LYCEE JEAN MOULIN","parametres":{"codeServiceDoitEtreRenseigne":true,"numeroEJDoitEtreRenseigne":false}}"#.into(),
                "structures/v1/rechercher/services" => r#"{"codeRetour":0,"listeServices":[{"codeService":"INTENDANCE","libelleService":"Intendance","estActif":true},{"codeService":"CDI","libelleService":"Documentation","estActif":false}]}"#.into(),
                "factures/v1/deposer/flux" => {
                    let file = b64_decode(json["fichierFlux"].as_str().unwrap_or(""));
                    if json["syntaxeFlux"] != "IN_DP_E2_CII_FACTURX" || !file.starts_with(b"%PDF") {
                        answer(&mut stream, 400, r#"{"codeRetour":20002,"libelle":"Le fichier n'est pas un PDF Factur-X"}"#);
                        continue;
                    }
                    let flow = format!("CPP{:08}", s.calls.len());
                    let number = json["nomFichier"].as_str().unwrap_or("").trim_end_matches(".pdf").to_string();
                    let id = 9000 + s.invoices.len() as i64;
                    s.invoices.push((number, id, flow.clone()));
                    s.statuses.push((id, vec![("DEPOSEE".into(), "2026-03-07".into())]));
                    if s.lose_answer {
                        s.lose_answer = false;
                        // Taken, then the connection goes: the answer is lost.
                        continue;
                    }
                    format!(
                        r#"{{"codeRetour":0,"libelle":"Dépôt effectué","numeroFluxDepot":"{flow}","dateDepot":"2026-03-07","syntaxeFlux":"IN_DP_E2_CII_FACTURX"}}"#
                    )
                }
                "transverses/v1/consulterCRDetaille" => {
                    let flow = json["numeroFluxDepot"].as_str().unwrap_or("");
                    match s.rejected.iter().find(|(f, _)| f == flow) {
                        Some((_, errors)) => {
                            let list: Vec<String> = errors
                                .iter()
                                .map(|e| format!(r#"{{"numeroDP":"1","libelleErreurDP":"{e}"}}"#))
                                .collect();
                            format!(r#"{{"codeRetour":0,"etatCourantDepotFlux":"IN_REJETE","listeErreurDP":[{}]}}"#, list.join(","))
                        }
                        None => r#"{"codeRetour":0,"etatCourantDepotFlux":"IN_INTEGRE"}"#.into(),
                    }
                }
                "factures/v1/rechercher/fournisseur" => {
                    let number = json["numeroFacture"].as_str().unwrap_or("");
                    let paging = &json["rechercheFactureParFournisseur"];
                    let per = paging["nbResultatsParPage"].as_u64().unwrap_or(10) as usize;
                    let per = if s.page_cap > 0 { per.min(s.page_cap) } else { per };
                    let page = paging["pageResultatDemandee"].as_u64().unwrap_or(1) as usize;
                    let mut matching: Vec<String> = s
                        .invoices
                        .iter()
                        .filter(|(n, _, _)| s.loose_search || n == number)
                        .map(|(n, id, _)| format!(r#"{{"identifiantFactureCPP":{id},"numeroFacture":"{n}","statut":"DEPOSEE"}}"#))
                        .collect();
                    matching.reverse();
                    let total = matching.len();
                    let (rows, pages) = page_of(&matching, page, per);
                    format!(
                        r#"{{"codeRetour":0,"listeFactures":[{}],"parametresRetour":{{"nbResultatsParPage":{per},"pageCourante":{page},"pages":{pages},"total":{total}}}}}"#,
                        rows.join(",")
                    )
                }
                "factures/v1/consulter/historique" => {
                    let id = json["idFacture"].as_i64().unwrap_or(0);
                    let paging = &json["paramRechercheHistoStatuts"];
                    let per = paging["nbResultatsParPageListeHistoStatut"].as_u64().unwrap_or(10) as usize;
                    let per = if s.page_cap > 0 { per.min(s.page_cap) } else { per };
                    let page = paging["pageResultatDemandeeListeHistoStatut"].as_u64().unwrap_or(1) as usize;
                    // Newest first, as the portal lists them.
                    let list: Vec<String> = s
                        .statuses
                        .iter()
                        .find(|(i, _)| *i == id)
                        .map(|(_, h)| {
                            h.iter()
                                .rev()
                                .map(|(st, at)| format!(r#"{{"histoStatutCode":"{st}","histoStatutDatePassage":"{at}"}}"#))
                                .collect()
                        })
                        .unwrap_or_default();
                    let total = list.len();
                    let current = s
                        .statuses
                        .iter()
                        .find(|(i, _)| *i == id)
                        .and_then(|(_, h)| h.last().map(|(st, _)| st.clone()))
                        .unwrap_or_default();
                    let (rows, pages) = page_of(&list, page, per);
                    format!(
                        r#"{{"codeRetour":0,"idFacture":{id},"statutCourantCode":"{current}","historiquesDesStatuts":{{"histoStatut":[{}],"nbResultatsParPageHistoStatut":{per},"pageCouranteHistoStatut":{page},"pagesHistoStatut":{pages},"totalHistoStatut":{total}}}}}"#,
                        rows.join(",")
                    )
                }
                _ => r#"{"codeRetour":1,"libelle":"service inconnu du stand-in"}"#.into(),
            };
            answer(&mut stream, 200, &reply);
        }
    });
    StandIn { url, state }
}

//! Chorus Pro through its PISTE API, against a stand-in written from the published
//! contract (OCA/l10n-france's Chorus modules and public API clients: OAuth2 client
//! credentials on the OAuth host, JSON `POST`s on `cpro/…` with a bearer token and the
//! technical account in `cpro-account`, `codeRetour`/`libelle` in every answer). The
//! stand-in runs on a free loopback port, in this process.

use comptoir::app::chorus::{ChorusApi, ChorusError};
use comptoir::chorus::PisteClient;
use comptoir::config::{ChorusConfig, ChorusMode, Config};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

const SECRET: &str = "s3cr3t-client";
const PASSWORD: &str = "m0t-de-passe";

/// What the stand-in knows and what it saw.
#[derive(Default)]
struct State {
    /// Tokens issued so far; the last one is valid.
    tokens: u32,
    valid: Option<String>,
    /// The technical account's password (an expired password: another one).
    password: String,
    /// Answer every API call with this HTTP status (503…) or a non-JSON body.
    fail_with: Option<u16>,
    malformed: bool,
    /// Every call: (path, JSON body).
    calls: Vec<(String, serde_json::Value)>,
}

struct StandIn {
    url: String,
    state: Arc<Mutex<State>>,
}

fn b64_decode(s: &str) -> Vec<u8> {
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

fn stand_in() -> StandIn {
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
            let mut s = st.lock().unwrap();
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
                    if json["structure"]["identifiantStructure"] == "19690123500016"
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
                    format!(
                        r#"{{"codeRetour":0,"libelle":"Dépôt effectué","numeroFluxDepot":"CPP{:08}","dateDepot":"2026-12-07","syntaxeFlux":"IN_DP_E2_CII_FACTURX"}}"#,
                        s.calls.len()
                    )
                }
                _ => r#"{"codeRetour":1,"libelle":"service inconnu du stand-in"}"#.into(),
            };
            answer(&mut stream, 200, &reply);
        }
    });
    StandIn { url, state }
}

fn config_of(url: &str) -> ChorusConfig {
    ChorusConfig {
        api_url: url.into(),
        oauth_url: url.into(),
        client_id: "comptoir-app".into(),
        client_secret: SECRET.into(),
        login: "TECH_1@cpro.fr".into(),
        password: PASSWORD.into(),
        mode: ChorusMode::Manual,
        sync_minutes: 30,
    }
}

fn no_secret(text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(PASSWORD),
        "a secret leaked: {text}"
    );
}

/// The token is asked once and kept; revoked, it is renewed once and the call goes on.
#[test]
fn the_token_is_kept_and_renewed_once() {
    let s = stand_in();
    let client = PisteClient::new(config_of(&s.url));
    for _ in 0..3 {
        client.health().unwrap();
    }
    assert_eq!(
        s.state.lock().unwrap().tokens,
        1,
        "one token for three calls"
    );
    // The platform forgets the token (expiry, revocation): one 401, one new token.
    s.state.lock().unwrap().valid = Some("revoked".into());
    client.health().unwrap();
    assert_eq!(s.state.lock().unwrap().tokens, 2);
    let calls: Vec<String> = s
        .state
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.0.clone())
        .collect();
    assert_eq!(calls.len(), 5, "{calls:?}");
}

/// Refused credentials say so in French, with what to check, and never the secrets.
#[test]
fn bad_credentials_are_said_without_the_secrets() {
    let s = stand_in();
    let mut cfg = config_of(&s.url);
    cfg.client_secret = "wrong".into();
    let e = PisteClient::new(cfg).health().unwrap_err();
    assert!(matches!(e, ChorusError::Credentials(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("identifiants") && text.contains("client_secret"),
        "{text}"
    );
    no_secret(&text);
    // An expired technical account's password: refused even with a fresh token.
    s.state.lock().unwrap().password = "nouveau".into();
    let e = PisteClient::new(config_of(&s.url)).health().unwrap_err();
    assert!(matches!(e, ChorusError::Credentials(_)), "{e:?}");
    assert!(e.to_string().contains("TECH_1@cpro.fr"), "{e}");
    no_secret(&e.to_string());
}

/// A body's requirements and services, read from its structure.
#[test]
fn a_structure_says_what_the_body_requires() {
    let s = stand_in();
    let client = PisteClient::new(config_of(&s.url));
    let st = client.structure("19690123500016").unwrap();
    assert_eq!(st.id, 4242);
    assert_eq!(st.name, "LYCEE JEAN MOULIN");
    assert!(st.service_required && !st.engagement_required);
    assert_eq!(st.services.len(), 2);
    assert!(st.services[0].active && !st.services[1].active);
    let e = client.structure("21690123100011").unwrap_err();
    assert!(e.to_string().contains("aucune structure"), "{e}");
}

/// A deposit sends the PDF as issued, as a Factur-X flow, and gets the flow's number; a
/// refusal carries Chorus's words.
#[test]
fn a_deposit_gets_a_flow_number() {
    let s = stand_in();
    let client = PisteClient::new(config_of(&s.url));
    let pdf = b"%PDF-1.7\nfaux mais suffisant\n%%EOF\n";
    let d = client.deposit("FA-2026-00001.pdf", pdf).unwrap();
    assert!(d.flow.starts_with("CPP"), "{d:?}");
    assert_eq!(d.date, "2026-12-07");
    {
        let st = s.state.lock().unwrap();
        let (path, body) = st.calls.last().unwrap();
        assert_eq!(path, "factures/v1/deposer/flux");
        assert_eq!(body["nomFichier"], "FA-2026-00001.pdf");
        assert_eq!(body["avecSignature"], false);
        assert_eq!(b64_decode(body["fichierFlux"].as_str().unwrap()), pdf);
    }
    let e = client.deposit("X.pdf", b"not a pdf").unwrap_err();
    assert_eq!(
        e,
        ChorusError::Refused {
            code: 20002,
            message: "Le fichier n'est pas un PDF Factur-X".into()
        }
    );
}

/// What the platform may do wrong: down (5xx), unreachable, an answer that is not JSON —
/// each a clear error that says whether to try again.
#[test]
fn a_platform_that_fails_is_said_clearly() {
    let s = stand_in();
    let client = PisteClient::new(config_of(&s.url));
    client.health().unwrap();
    s.state.lock().unwrap().fail_with = Some(503);
    let e = client.health().unwrap_err();
    assert!(matches!(e, ChorusError::Unreachable(_)), "{e:?}");
    assert!(e.to_string().contains("réessayé"), "{e}");
    s.state.lock().unwrap().fail_with = None;
    s.state.lock().unwrap().malformed = true;
    let e = client.health().unwrap_err();
    assert!(matches!(e, ChorusError::Malformed(_)), "{e:?}");
    // Nobody listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = PisteClient::new(config_of(&format!("http://127.0.0.1:{port}/")))
        .health()
        .unwrap_err();
    assert!(matches!(e, ChorusError::Unreachable(_)), "{e:?}");
    no_secret(&e.to_string());
}

/// `[chorus]` in comptoir.toml: https only (http on this machine only, for a stand-in),
/// the secrets from the file or the environment, never shown — and `config check` tests
/// the connection.
#[test]
fn the_configuration_and_config_check() {
    let path = Path::new("comptoir.toml");
    let env_none = |_: &str| None;
    let base = "[chorus]\napi_url = \"https://api.piste.gouv.fr\"\noauth_url = \"https://oauth.piste.gouv.fr\"\nclient_id = \"app\"\nlogin = \"TECH_1@cpro.fr\"\n";
    let e = Config::parse_with_env(base, path, &env_none).unwrap_err();
    assert!(
        e.contains("chorus.client_secret") && e.contains("COMPTOIR_CHORUS_CLIENT_SECRET"),
        "{e}"
    );
    let env = |v: &str| match v {
        "COMPTOIR_CHORUS_CLIENT_SECRET" => Some(SECRET.to_string()),
        "COMPTOIR_CHORUS_PASSWORD" => Some(PASSWORD.to_string()),
        _ => None,
    };
    let c = Config::parse_with_env(base, path, &env)
        .unwrap()
        .chorus
        .unwrap();
    assert_eq!(c.api_url, "https://api.piste.gouv.fr/");
    assert_eq!(c.client_secret, SECRET);
    assert_eq!(c.mode, ChorusMode::Manual);
    no_secret(&format!("{c:?}"));
    no_secret(&c.describe().join("\n"));
    assert!(c.describe().join("\n").contains("défini"));
    let http = base.replace("https://api.piste.gouv.fr", "http://api.piste.gouv.fr");
    let e = Config::parse_with_env(&http, path, &env).unwrap_err();
    assert!(e.contains("https:// est exigé"), "{e}");
    let on_issue = format!("{base}mode = \"on_issue\"\nsync_minutes = 5\n");
    let c = Config::parse_with_env(&on_issue, path, &env)
        .unwrap()
        .chorus
        .unwrap();
    assert_eq!((c.mode, c.sync_minutes), (ChorusMode::OnIssue, 5));

    // The real binary against the stand-in.
    let s = stand_in();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("comptoir.toml");
    let shop = std::fs::read_to_string("tests/fixtures/shop.toml").unwrap();
    std::fs::write(
        &file,
        format!(
            "{shop}\n[chorus]\napi_url = \"{0}\"\noauth_url = \"{0}\"\nclient_id = \"comptoir-app\"\nlogin = \"TECH_1@cpro.fr\"\n",
            s.url
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["config", "check", "--config"])
        .arg(&file)
        .env("COMPTOIR_CHORUS_CLIENT_SECRET", SECRET)
        .env("COMPTOIR_CHORUS_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("client_secret : défini") && text.contains("connexion : OK"),
        "{text}"
    );
    no_secret(&text);
    // Wrong secret: said, the check fails, still no secret printed.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["config", "check", "--config"])
        .arg(&file)
        .env("COMPTOIR_CHORUS_CLIENT_SECRET", "faux-secret")
        .env("COMPTOIR_CHORUS_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("connexion : ÉCHEC") && !text.contains("faux-secret"),
        "{text}"
    );
}

/// The app asks the structure through the trait, and says when Chorus is not set up.
#[test]
fn the_app_reads_a_structure_through_its_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let store = comptoir::store::Store::open(dir.path()).unwrap();
    let app = comptoir::app::App::new(
        store,
        comptoir::app::Settings::default(),
        Arc::new(comptoir::app::SystemClock),
        Arc::new(comptoir::documents::PdfRenderer),
    )
    .unwrap();
    let e = app
        .chorus_structure("19690123500016")
        .unwrap_err()
        .to_string();
    assert!(e.contains("n'est pas configuré"), "{e}");
    let s = stand_in();
    app.set_chorus(Some(Arc::new(PisteClient::new(config_of(&s.url)))));
    let st = app.chorus_structure("196 901 235 00016").unwrap();
    assert!(st.service_required);
    let e = app.chorus_structure("123").unwrap_err().to_string();
    assert!(e.contains("SIRET"), "{e}");
}

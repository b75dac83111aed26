//! Chorus Pro through its PISTE API, against a stand-in written from the published
//! contract (OCA/l10n-france's Chorus modules and public API clients: OAuth2 client
//! credentials on the OAuth host, JSON `POST`s on `cpro/…` with a bearer token and the
//! technical account in `cpro-account`, `codeRetour`/`libelle` in every answer). The
//! stand-in runs on a free loopback port, in this process.

use comptoir::app::chorus::{ChorusApi, ChorusError};
use comptoir::chorus::PisteClient;
use comptoir::config::{ChorusConfig, ChorusMode, Config};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

#[path = "support/chorus_stand_in.rs"]
mod support;
use support::{PASSWORD, SECRET, StandIn, State, b64_decode, stand_in};

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
    assert_eq!(d.date, "2026-03-07");
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

/// Searches and histories come in pages (the platform's default is 10 rows): an invoice
/// on the last page is found, a history over several pages is read whole, oldest first,
/// whatever order the platform lists it in.
#[test]
fn answers_are_read_across_pages() {
    let s = stand_in();
    let client = PisteClient::new(config_of(&s.url));
    let pdf = b"%PDF-1.7\nfaux mais suffisant\n%%EOF\n";
    for n in 1..=3 {
        client
            .deposit(&format!("FA-2026-0000{n}.pdf"), pdf)
            .unwrap();
    }
    let first = {
        let mut st = s.state.lock().unwrap();
        st.page_cap = 1;
        st.loose_search = true;
        let id = st.invoices[0].1;
        let h = &mut st.statuses.iter_mut().find(|(i, _)| *i == id).unwrap().1;
        h.push(("MISE_A_DISPOSITION".into(), "2026-03-10".into()));
        h.push(("SUSPENDUE".into(), "2026-03-20".into()));
        id
    };
    // Newest first: the first invoice is on the third page.
    assert_eq!(
        client.find_invoice("FA-2026-00001").unwrap(),
        Some((first, "DEPOSEE".into()))
    );
    assert_eq!(client.find_invoice("FA-2026-00009").unwrap(), None);
    let history: Vec<String> = client
        .history(first)
        .unwrap()
        .into_iter()
        .map(|h| format!("{} {}", h.status, h.at))
        .collect();
    assert_eq!(
        history,
        [
            "DEPOSEE 2026-03-07",
            "MISE_A_DISPOSITION 2026-03-10",
            "SUSPENDUE 2026-03-20"
        ]
    );
    let st = s.state.lock().unwrap();
    let pages_read = |service: &str| st.calls.iter().filter(|c| c.0 == service).count();
    // Three pages for the first search, three for the one not found, three for the history.
    assert_eq!(pages_read("factures/v1/rechercher/fournisseur"), 6);
    assert_eq!(pages_read("factures/v1/consulter/historique"), 3);
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
    // A platform that takes longer than the client waits: a timeout, to be tried again
    // (after a lookup: the deposit may have been taken).
    s.state.lock().unwrap().malformed = false;
    s.state.lock().unwrap().deposit_ms = 1500;
    let slow = PisteClient::with_timeout(config_of(&s.url), std::time::Duration::from_millis(500));
    slow.health().unwrap();
    let e = slow
        .deposit("FA-2026-00001.pdf", b"%PDF-1.7\n")
        .unwrap_err();
    assert!(matches!(e, ChorusError::Unreachable(_)), "{e:?}");
    assert!(e.to_string().contains("réessayé"), "{e}");
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

mod flows {
    use super::*;
    use comptoir::app::import::parse_quote_request;
    use comptoir::app::{Actor, App, FixedClock, Role, Settings};
    use comptoir::domain::chorus::ChorusState;
    use comptoir::domain::pipeline::OriginalPoInput;
    use comptoir::domain::{Checklist, Date, Timestamp};

    pub(super) fn noon(day: &str) -> Timestamp {
        Timestamp::from_date_utc(Date::parse_iso(day).unwrap(), 11 * 3600)
    }

    fn staff() -> Actor {
        Actor::person("marie", Role::Staff, "SHA256:marie")
    }

    struct Shop {
        app: App,
        clock: Arc<FixedClock>,
        _dir: tempfile::TempDir,
    }

    /// A demo store with one invoice issued on 6 March 2026, Chorus Pro at the stand-in.
    fn shop(s: &StandIn, on_issue: bool) -> (Shop, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(noon("2026-03-02")));
        let store = comptoir::store::Store::open(&dir.path().join("data")).unwrap();
        store.mark_demo().unwrap();
        let settings = Settings {
            chorus_on_issue: on_issue,
            ..Settings::default()
        };
        let app = App::new(
            store,
            settings,
            clock.clone(),
            Arc::new(comptoir::documents::PdfRenderer),
        )
        .unwrap();
        app.set_chorus(Some(Arc::new(PisteClient::new(config_of(&s.url)))));
        let (n, inv) = invoiced(&app, &clock, "WEB-2026-118734");
        (
            Shop {
                app,
                clock,
                _dir: dir,
            },
            n,
            inv,
        )
    }

    /// A web quote (`reference`) taken through to its invoice, issued on 6 March 2026:
    /// the order's number and the invoice's.
    pub(super) fn invoiced(app: &App, clock: &FixedClock, reference: &str) -> (String, String) {
        clock.set(noon("2026-03-02"));
        let req = parse_quote_request(
            &include_str!("fixtures/quote.json").replace("WEB-2026-118734", reference),
        )
        .unwrap();
        let n = app
            .import_quote(&Actor::import(), &req)
            .unwrap()
            .number
            .to_string();
        for l in &req.lines {
            app.adjust_stock(&staff(), &l.sku, l.quantity as i64, "réception")
                .unwrap();
        }
        clock.set(noon("2026-03-06"));
        let po = OriginalPoInput {
            contract: None,
            po_number: format!("ENG-{reference}"),
            po_date: app.today().add_days(-1),
            checklist: Checklist::ALL_TICKED,
        };
        app.mark_original_received(&staff(), &n, &po).unwrap();
        app.issue_delivery_note(&staff(), &n, None).unwrap();
        let inv = app.issue_invoice(&staff(), &n).unwrap().number.to_string();
        (n, inv)
    }

    /// Invoices the platform took (a refused or failed call takes none).
    fn deposits(s: &StandIn) -> usize {
        s.state.lock().unwrap().invoices.len()
    }

    /// Sent once: the PDF as issued, the flow's number kept and audited; sending it again
    /// is refused.
    #[test]
    fn an_invoice_is_deposited_once() {
        let s = stand_in();
        let (shop, _, inv) = shop(&s, false);
        let queued = shop.app.chorus_send(&staff(), &inv).unwrap();
        assert_eq!(queued.state, ChorusState::Queued);
        let run = shop.app.chorus_run_queue().unwrap();
        assert_eq!(run.deposited, 1);
        let r = shop.app.chorus_record(&inv).unwrap().unwrap();
        let ChorusState::Deposited { flow, date } = &r.state else {
            panic!("{r:?}")
        };
        assert!(flow.starts_with("CPP") && date == "2026-03-07", "{r:?}");
        // The bytes deposited are the issued PDF's.
        let pdf = shop
            .app
            .document_file(&inv, comptoir::domain::FileFormat::Pdf)
            .unwrap();
        {
            let st = s.state.lock().unwrap();
            let body = &st
                .calls
                .iter()
                .rev()
                .find(|c| c.0 == "factures/v1/deposer/flux")
                .unwrap()
                .1;
            assert_eq!(b64_decode(body["fichierFlux"].as_str().unwrap()), pdf);
            assert_eq!(body["nomFichier"], format!("{inv}.pdf"));
        }
        let e = shop
            .app
            .chorus_send(&staff(), &inv)
            .unwrap_err()
            .to_string();
        assert!(e.contains("déjà sur Chorus Pro"), "{e}");
        shop.app.chorus_run_queue().unwrap();
        assert_eq!(deposits(&s), 1);
        let audit = shop.app.audit(0, 20).unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == comptoir::domain::Action::Chorus
                    && a.detail.contains("déposée sur Chorus Pro"))
        );
        // A quote is not an invoice.
        let e = shop
            .app
            .chorus_send(&staff(), "DEV-2026-00001")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ni une facture ni un avoir"), "{e}");
    }

    /// A deposit whose answer is lost is looked up, not sent again; a platform down leaves
    /// it queued, said, and tried later.
    #[test]
    fn a_lost_answer_never_sends_twice() {
        let s = stand_in();
        let (shop, _, inv) = shop(&s, false);
        s.state.lock().unwrap().lose_answer = true;
        shop.app.chorus_send(&staff(), &inv).unwrap();
        let run = shop.app.chorus_run_queue().unwrap();
        assert_eq!((run.deposited, run.retried), (0, 1));
        let r = shop.app.chorus_record(&inv).unwrap().unwrap();
        assert_eq!(r.state, ChorusState::Sending);
        assert!(
            r.last_error
                .as_deref()
                .unwrap_or("")
                .contains("ne répond pas"),
            "{r:?}"
        );
        // Next run: found on the platform, not deposited again.
        let run = shop.app.chorus_run_queue().unwrap();
        assert_eq!(run.deposited, 1);
        assert_eq!(deposits(&s), 1, "sent twice");
        let r = shop.app.chorus_record(&inv).unwrap().unwrap();
        assert!(matches!(r.state, ChorusState::Deposited { .. }), "{r:?}");
        assert!(r.invoice_id.is_some());
    }

    /// The platform down (5xx): nothing lost, queued with the reason; back up, deposited.
    #[test]
    fn a_platform_down_keeps_the_invoice_queued() {
        let s = stand_in();
        let (shop, _, inv) = shop(&s, false);
        shop.app.chorus_send(&staff(), &inv).unwrap();
        s.state.lock().unwrap().fail_with = Some(503);
        let run = shop.app.chorus_run_queue().unwrap();
        assert_eq!(run.retried, 1);
        assert!(shop.app.document(&inv).is_ok(), "the invoice stays issued");
        s.state.lock().unwrap().fail_with = None;
        let run = shop.app.chorus_run_queue().unwrap();
        assert_eq!(run.deposited, 1, "{run:?}");
        assert_eq!(deposits(&s), 1);
    }

    /// A rejected flow: the invoice says why and what to do.
    #[test]
    fn a_rejected_flow_is_said_with_its_reason() {
        let s = stand_in();
        let (shop, _, inv) = shop(&s, false);
        shop.app.chorus_send(&staff(), &inv).unwrap();
        shop.app.chorus_run_queue().unwrap();
        let flow = s.state.lock().unwrap().invoices[0].2.clone();
        s.state
            .lock()
            .unwrap()
            .rejected
            .push((flow, vec!["Le code service est obligatoire".into()]));
        let run = shop.app.chorus_sync().unwrap();
        assert_eq!(run.refused, 1);
        let r = shop.app.chorus_record(&inv).unwrap().unwrap();
        assert_eq!(
            r.state,
            ChorusState::Refused {
                message: "Le code service est obligatoire".into()
            }
        );
        assert!(r.needs_attention().unwrap().contains("avoir"), "{r:?}");
        assert!(!r.followed());
        // The alerts panel has a row for it, and the header counts it.
        let alerts = shop.app.alerts();
        assert!(
            alerts.iter().any(|a| a.group == "Chorus Pro"
                && a.text.contains(&inv)
                && a.text.contains("refusée")),
            "{alerts:?}"
        );
        let rates = shop.app.settings().ecb_rates.clone();
        assert_eq!(shop.app.alert_count(shop.app.today(), &rates), alerts.len());
        // The operator's metrics count it (the alert rule in contrib/ fires on it).
        let m = shop.app.metrics_text(&[]);
        for line in [
            "comptoir_chorus_documents{state=\"refused\"} 1",
            "comptoir_chorus_documents{state=\"attention\"} 1",
            "comptoir_chorus_documents{state=\"deposited\"} 0",
            "comptoir_chorus_calls_total{result=\"deposited\"} 1",
            "comptoir_chorus_calls_total{result=\"refused\"} 1",
        ] {
            assert!(m.lines().any(|l| l == line), "{line} not in\n{m}");
        }
    }

    /// The statuses drive the money: the mise à disposition is the receipt (the due date
    /// moves), SUSPENDUE interrupts the delay, COMPLETEE restarts it — each audited once.
    #[test]
    fn statuses_set_the_receipt_and_the_interruption() {
        let s = stand_in();
        // One row per page: the follow-up reads every page.
        s.state.lock().unwrap().page_cap = 1;
        let (shop, n, inv) = shop(&s, false);
        let presumed = shop.app.order_view(&n).unwrap().order.invoices[0].due_date();
        shop.app.chorus_send(&staff(), &inv).unwrap();
        shop.app.chorus_run_queue().unwrap();
        {
            let mut st = s.state.lock().unwrap();
            let id = st.invoices[0].1;
            let h = &mut st.statuses.iter_mut().find(|(i, _)| *i == id).unwrap().1;
            h.push(("MISE_A_DISPOSITION".into(), "2026-03-10".into()));
            h.push(("SUSPENDUE".into(), "2026-03-20".into()));
        }
        shop.clock.set(noon("2026-03-25"));
        let run = shop.app.chorus_sync().unwrap();
        assert_eq!(run.statuses, 3, "DEPOSEE, MISE_A_DISPOSITION, SUSPENDUE");
        let o = shop.app.order_view(&n).unwrap().order;
        let i = &o.invoices[0];
        assert_eq!(i.received_on, Some(Date::parse_iso("2026-03-10").unwrap()));
        assert_ne!(i.due_date(), presumed);
        let s1 = i.suspension.as_ref().expect("interrupted");
        assert_eq!(s1.notice, Date::parse_iso("2026-03-20").unwrap());
        assert!(i.due_date().is_none(), "no due date while suspended");
        {
            let mut st = s.state.lock().unwrap();
            let id = st.invoices[0].1;
            st.statuses
                .iter_mut()
                .find(|(i, _)| *i == id)
                .unwrap()
                .1
                .push(("COMPLETEE".into(), "2026-03-24".into()));
        }
        let run = shop.app.chorus_sync().unwrap();
        assert_eq!(run.statuses, 1, "only the new one");
        let o = shop.app.order_view(&n).unwrap().order;
        assert!(o.invoices[0].due_date().is_some(), "restarted");
        let r = shop.app.chorus_record(&inv).unwrap().unwrap();
        assert_eq!(r.status(), Some("COMPLETEE"));
        let receipts = shop
            .app
            .audit(0, 100)
            .unwrap()
            .into_iter()
            .filter(|a| {
                a.detail
                    .contains("mise à disposition sur Chorus Pro le 10/03/2026")
            })
            .count();
        assert_eq!(receipts, 1);
    }

    /// An invoice whose Factur-X breaks one of Chorus Pro's rules (here its service
    /// became inactive: BR-FR-CPRO-12) is refused before anything is sent — by
    /// `chorus send` at once, by the queue (`on_issue`) with the rule in the alerts.
    #[test]
    fn chorus_rules_are_checked_before_a_deposit() {
        let s = stand_in();
        let (shop, _, _) = shop(&s, true);
        // A second order, its original received while the service was active…
        let req = parse_quote_request(
            &include_str!("fixtures/quote.json").replace("WEB-2026-118734", "WEB-2026-7"),
        )
        .unwrap();
        let n = shop
            .app
            .import_quote(&Actor::import(), &req)
            .unwrap()
            .number
            .to_string();
        for l in &req.lines {
            shop.app
                .adjust_stock(&staff(), &l.sku, l.quantity as i64, "réception")
                .unwrap();
        }
        let po = OriginalPoInput {
            contract: None,
            po_number: "ENG-7".into(),
            po_date: shop.app.today(),
            checklist: Checklist::ALL_TICKED,
        };
        shop.app.mark_original_received(&staff(), &n, &po).unwrap();
        // …then routed to an inactive service while Chorus Pro was not configured.
        let body = shop.app.order_view(&n).unwrap().customer.id;
        let api = shop.app.chorus().unwrap();
        shop.app.set_chorus(None);
        shop.app
            .correct_customer(&staff(), body, |c| {
                let mut k = c.coordinates();
                k.chorus.service_code = Some("CDI".into());
                Ok(k)
            })
            .unwrap();
        shop.app.issue_delivery_note(&staff(), &n, None).unwrap();
        let inv = shop
            .app
            .issue_invoice(&staff(), &n)
            .unwrap()
            .number
            .to_string();
        shop.app.set_chorus(Some(api));
        let before = deposits(&s);
        let run = shop.app.chorus_run_queue().unwrap();
        assert_eq!((run.deposited, run.refused), (1, 1), "{run:?}");
        assert_eq!(deposits(&s), before + 1, "only the first invoice went");
        let r = shop.app.chorus_record(&inv).unwrap().unwrap();
        let ChorusState::Refused { message } = &r.state else {
            panic!("{:?}", r.state)
        };
        assert!(
            message.contains("BR-FR-CPRO-12")
                && message.contains("CDI")
                && message.contains("inactif"),
            "{message}"
        );
        assert!(r.needs_attention().is_some());
        // Sent again by hand: refused at once, with the same rule.
        let e = shop
            .app
            .chorus_send(&staff(), &inv)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("serait refusée par Chorus Pro") && e.contains("BR-FR-CPRO-12"),
            "{e}"
        );
        assert_eq!(deposits(&s), before + 1);
    }

    /// `mode = "on_issue"`: the invoice is queued by the transaction that issues it.
    #[test]
    fn on_issue_queues_every_new_invoice() {
        let s = stand_in();
        let (shop, _, inv) = shop(&s, true);
        let r = shop
            .app
            .chorus_record(&inv)
            .unwrap()
            .expect("queued at issue");
        assert_eq!(r.state, ChorusState::Queued);
        shop.app.chorus_run_queue().unwrap();
        assert_eq!(deposits(&s), 1);
    }

    /// What the body's structure requires is checked where it matters: a customer created
    /// without the service code Chorus Pro requires, an original received for a body whose
    /// service is unknown or inactive — refused, with the reason.
    #[test]
    fn structures_are_checked_at_creation_and_po_receipt() {
        let s = stand_in();
        let (shop, _, _) = shop(&s, false);
        // A new body that Chorus says requires a service code.
        let new = |code: Option<&str>| comptoir::app::customers::NewCustomer {
            siret: "21750001600019".into(),
            legal_name: "Commune de Paris".into(),
            categorie: "7210".into(),
            header_address: comptoir::domain::Address {
                name: "Mairie".into(),
                street: "Place de l'Hôtel de Ville".into(),
                extra: String::new(),
                postcode: "75004".into(),
                city: "Paris".into(),
            },
            contact: comptoir::domain::Contact {
                name: "Anne Lefèvre".into(),
                phone: "01 42 76 40 40".into(),
                email: "anne@paris.example".into(),
            },
            chorus: comptoir::domain::ChorusRouting {
                service_code: code.map(str::to_string),
                ..Default::default()
            },
        };
        let e = shop
            .app
            .create_customer(&staff(), &new(None))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("exige un code service") && e.contains("INTENDANCE"),
            "{e}"
        );
        let e = shop
            .app
            .create_customer(&staff(), &new(Some("NOPE")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("n'existe pas"), "{e}");
        // A name longer than Chorus Pro takes for a buyer (BR-FR-CPRO-44) is refused here.
        let mut long = new(Some("INTENDANCE"));
        long.legal_name = format!("Commune de {}", "x".repeat(89));
        let e = shop
            .app
            .create_customer(&staff(), &long)
            .unwrap_err()
            .to_string();
        assert!(e.contains("99"), "{e}");
        let c = shop
            .app
            .create_customer(&staff(), &new(Some("INTENDANCE")))
            .unwrap();
        assert!(
            c.chorus.service_code_required,
            "the requirement read from Chorus Pro"
        );
        // An original for a body whose service is inactive: refused until corrected, and a
        // correction is checked too.
        let req = parse_quote_request(
            &include_str!("fixtures/quote.json").replace("WEB-2026-118734", "WEB-2026-2"),
        )
        .unwrap();
        let n = shop
            .app
            .import_quote(&Actor::import(), &req)
            .unwrap()
            .number
            .to_string();
        let body = shop.app.order_view(&n).unwrap().customer.id;
        let to_cdi = |c: &comptoir::domain::Customer| {
            let mut k = c.coordinates();
            k.chorus.service_code = Some("CDI".into());
            Ok(k)
        };
        // A correction to an inactive service is refused, and nothing changes.
        let e = shop
            .app
            .correct_customer(&staff(), body, to_cdi)
            .unwrap_err()
            .to_string();
        assert!(e.contains("inactif") && e.contains("CDI"), "{e}");
        assert_ne!(
            shop.app
                .order_view(&n)
                .unwrap()
                .customer
                .chorus
                .service_code,
            Some("CDI".into())
        );
        // Made while Chorus Pro was not configured, it goes through…
        let api = shop.app.chorus().unwrap();
        shop.app.set_chorus(None);
        shop.app.correct_customer(&staff(), body, to_cdi).unwrap();
        shop.app.set_chorus(Some(api));
        // …and the original is refused until the routing is right.
        let po = OriginalPoInput {
            contract: None,
            po_number: "ENG-2".into(),
            po_date: shop.app.today(),
            checklist: Checklist::ALL_TICKED,
        };
        let e = shop
            .app
            .mark_original_received(&staff(), &n, &po)
            .unwrap_err()
            .to_string();
        assert!(e.contains("inactif"), "{e}");
        shop.app
            .correct_customer(&staff(), body, |c| {
                let mut k = c.coordinates();
                k.chorus.service_code = Some("INTENDANCE".into());
                Ok(k)
            })
            .unwrap();
        shop.app.mark_original_received(&staff(), &n, &po).unwrap();
        // Asked once for the body: the structure is kept a day.
        let asked = s
            .state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.0 == "structures/v1/consulter")
            .count();
        assert_eq!(asked, 2, "one per body (Paris, the lycée)");
    }
}

/// A real `comptoir serve` killed (SIGKILL) while its queue is depositing, one deposit
/// taken by the platform but its answer never read: restarted, it sends what was left,
/// looks the interrupted one up instead of sending it again, and every invoice is on the
/// platform exactly once.
#[test]
fn a_server_killed_with_deposits_queued_loses_none_and_sends_none_twice() {
    use comptoir::app::{Actor, App, FixedClock, Role, Settings};
    use comptoir::domain::chorus::ChorusState;
    use std::process::{Command, Stdio};
    const INVOICES: usize = 8;
    let s = stand_in();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut numbers = Vec::new();
    {
        let clock = Arc::new(FixedClock::new(flows::noon("2026-03-02")));
        let store = comptoir::store::Store::open(&data).unwrap();
        store.mark_demo().unwrap();
        let app = App::new(
            store,
            Settings::default(),
            clock.clone(),
            Arc::new(comptoir::documents::PdfRenderer),
        )
        .unwrap();
        app.set_chorus(Some(Arc::new(PisteClient::new(config_of(&s.url)))));
        let staff = Actor::person("marie", Role::Staff, "SHA256:marie");
        for k in 0..INVOICES {
            let (_, inv) = flows::invoiced(&app, &clock, &format!("WEB-2026-9{k:03}"));
            app.chorus_send(&staff, &inv).unwrap();
            numbers.push(inv);
        }
    }
    let config = dir.path().join("comptoir.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[chorus]\napi_url = \"{1}\"\noauth_url = \"{1}\"\nclient_id = \"comptoir-app\"\nlogin = \"TECH_1@cpro.fr\"\n",
            std::fs::read_to_string("tests/fixtures/shop.toml").unwrap(),
            s.url,
        ),
    )
    .unwrap();
    s.state.lock().unwrap().deposit_ms = 400;
    let serve = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&data)
            .arg("--keys")
            .arg(dir.path().join("keys"))
            .arg("--config")
            .arg(&config)
            .env("HOME", dir.path())
            .env("COMPTOIR_CHORUS_CLIENT_SECRET", SECRET)
            .env("COMPTOIR_CHORUS_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("comptoir écoute sur") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "serve stopped");
        }
        // Keep reading so that the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        child
    };
    let wait_for = |what: &str, ok: &dyn Fn(&State) -> bool| {
        let start = std::time::Instant::now();
        while !ok(&s.state.lock().unwrap()) {
            assert!(
                start.elapsed().as_secs() < 120,
                "waited too long for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    let mut child = serve();
    // Killed while the third deposit is under way: the platform takes it, nobody reads
    // the answer.
    wait_for("two deposits and a third under way", &|st| {
        st.invoices.len() >= 2 && st.depositing
    });
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for("the interrupted deposit taken", &|st| !st.depositing);
    let taken_before_restart = s.state.lock().unwrap().invoices.len();
    assert!(
        (3..INVOICES).contains(&taken_before_restart),
        "{taken_before_restart} taken before the restart"
    );
    let mut child = serve();
    wait_for("every invoice on the platform", &|st| {
        st.invoices.len() >= INVOICES
    });
    // Let the queue write its last answer, then stop cleanly.
    std::thread::sleep(std::time::Duration::from_millis(800));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap();
    let st = s.state.lock().unwrap();
    let mut sent: Vec<&str> = st.invoices.iter().map(|(n, _, _)| n.as_str()).collect();
    sent.sort();
    let mut expected: Vec<&str> = numbers.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(sent, expected, "each invoice exactly once");
    let interrupted = &st.invoices[taken_before_restart - 1].0;
    assert!(
        st.calls
            .iter()
            .any(|(path, body)| path == "factures/v1/rechercher/fournisseur"
                && body["numeroFacture"] == interrupted.as_str()),
        "{interrupted} looked up before anything else"
    );
    drop(st);
    let store = comptoir::store::Store::open(&data).unwrap();
    let records = store.read(|rx| rx.chorus_records()).unwrap();
    assert_eq!(records.len(), INVOICES);
    for r in &records {
        assert!(
            matches!(r.state, ChorusState::Deposited { .. }),
            "{} {:?}",
            r.number,
            r.state
        );
    }
}

//! The SSH server with an in-process russh client: authentication, the console read back
//! through vt100, commands, live updates between sessions, downloads, and access
//! administration with real keys.

#[path = "../src/bench/loopback.rs"]
mod loopback;
use comptoir::app::import::parse_quote_request;
use comptoir::app::{Actor, App, FixedClock, Role, Settings};
use comptoir::config::ServerConfig;
use comptoir::documents::PdfRenderer;
use comptoir::domain::{Date, FileFormat, Timestamp};
use comptoir::ssh::{self, ServeOptions, ServerHandle, keys};
use comptoir::store::Store;
use comptoir::ui::Theme;
use loopback::{Trusting, connect_with_key};
use russh::client;
use russh::keys::{Algorithm, PrivateKey};
use russh::{Channel, ChannelMsg};
use std::num::NonZeroU16;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SAMPLE: &str = include_str!("fixtures/quote.json");

struct World {
    server: Option<ServerHandle>,
    app: Arc<App>,
    clock: Arc<FixedClock>,
    keys: PathBuf,
    admin: PrivateKey,
    staff: PrivateKey,
    _dir: tempfile::TempDir,
}

fn new_key() -> PrivateKey {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap()
}

/// The same key on every run (stable fingerprints for snapshots).
fn fixed_key(seed: u8) -> PrivateKey {
    PrivateKey::from(russh::keys::ssh_key::private::Ed25519Keypair::from_seed(
        &[seed; 32],
    ))
}

fn pub_line(k: &PrivateKey) -> String {
    k.public_key().to_openssh().unwrap()
}

/// A server on a free loopback port, with admin `marie` and staff `paul`, and one
/// imported quote (stock available for its products).
/// Waits (10 s at most) until refused logins reached the audit trail: they are written
/// with the others of their second.
async fn refusals_written(app: &App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !app
        .audit(0, 200)
        .unwrap()
        .iter()
        .any(|r| r.action == comptoir::domain::Action::LoginFailed)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "refused logins never reached the audit trail"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn world() -> World {
    world_with(ServerConfig::default()).await
}

async fn world_with(config: ServerConfig) -> World {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    let admin = fixed_key(1);
    let staff = fixed_key(2);
    keys::add_key(&keys_dir, "marie", Role::Admin, &pub_line(&admin)).unwrap();
    keys::add_key(&keys_dir, "paul", Role::Staff, &pub_line(&staff)).unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_date_utc(
        Date::parse_iso("2026-03-02").unwrap(),
        11 * 3600,
    )));
    let store = Store::open(&dir.path().join("data")).unwrap();
    store.mark_demo().unwrap();
    let app = Arc::new(
        App::new(
            store,
            Settings::default(),
            clock.clone(),
            Arc::new(PdfRenderer),
        )
        .unwrap(),
    );
    let req = parse_quote_request(SAMPLE).unwrap();
    app.import_quote(&Actor::import(), &req).unwrap();
    for l in &req.lines {
        app.adjust_stock(&Actor::cli(), &l.sku, 20, "réception")
            .unwrap();
    }
    let themes =
        comptoir::cli::load_themes(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes"))
            .unwrap();
    let server = ssh::start(
        app.clone(),
        ServeOptions {
            listen: "127.0.0.1:0".into(),
            keys_dir: keys_dir.clone(),
            config,
            themes,
            public_host: None,
            metrics: Some("127.0.0.1:0".parse().unwrap()),
        },
    )
    .await
    .unwrap();
    World {
        server: Some(server),
        app,
        clock,
        keys: keys_dir,
        admin,
        staff,
        _dir: dir,
    }
}

impl World {
    fn addr(&self) -> std::net::SocketAddr {
        self.server.as_ref().unwrap().addr
    }

    async fn connect(&self, key: &PrivateKey) -> Result<client::Handle<Trusting>, String> {
        connect_with_key(self.addr(), "x", key).await
    }

    /// `ssh host COMMAND` with optional stdin: (stdout, stderr, exit status).
    async fn exec(
        &self,
        key: &PrivateKey,
        cmd: &str,
        stdin: Option<&[u8]>,
    ) -> (Vec<u8>, String, u32) {
        let h = self.connect(key).await.unwrap();
        let (out, err, status) = loopback::exec_on(&h, cmd, stdin)
            .await
            .expect("the server opens a channel");
        (out, String::from_utf8_lossy(&err).into_owned(), status)
    }

    async fn run(&self, key: &PrivateKey, cmd: &str) -> (String, String, u32) {
        let (o, e, s) = self.exec(key, cmd, None).await;
        (String::from_utf8_lossy(&o).into_owned(), e, s)
    }

    async fn console(&self, key: &PrivateKey, cols: u32, rows: u32) -> Console {
        let h = self.connect(key).await.unwrap();
        let ch = h.channel_open_session().await.unwrap();
        ch.request_pty(true, "xterm-256color", cols, rows, 0, 0, &[])
            .await
            .unwrap();
        ch.request_shell(true).await.unwrap();
        let parser = vt100::Parser::new(
            NonZeroU16::new(rows as u16).unwrap(),
            NonZeroU16::new(cols as u16).unwrap(),
            0,
        );
        Console {
            _h: h,
            ch,
            parser,
            exit: None,
            closed: false,
            raw: Vec::new(),
        }
    }
}

struct Console {
    _h: client::Handle<Trusting>,
    ch: Channel<client::Msg>,
    parser: vt100::Parser,
    exit: Option<u32>,
    closed: bool,
    raw: Vec<u8>,
}

impl Console {
    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    async fn send(&self, bytes: &[u8]) {
        self.ch.data(bytes).await.unwrap();
    }

    /// Types keys one at a time (a burst would look like Alt+key after an Esc).
    async fn keys(&mut self, keys: &[&[u8]]) {
        for k in keys {
            self.send(k).await;
            tokio::time::sleep(Duration::from_millis(60)).await;
            self.pump(Duration::from_millis(20)).await;
        }
    }

    /// Reads what arrives for at most `d`.
    async fn pump(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, self.ch.wait()).await {
            self.absorb(msg);
        }
    }

    fn absorb(&mut self, msg: ChannelMsg) {
        match msg {
            ChannelMsg::Data { data } => {
                self.raw.extend_from_slice(&data);
                self.parser.process(&data);
            }
            ChannelMsg::ExtendedData { data, .. } => self.raw.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => self.exit = Some(exit_status),
            ChannelMsg::Close | ChannelMsg::Eof => self.closed = true,
            _ => {}
        }
    }

    /// Waits until the screen satisfies `pred`, reading output; panics after `secs`.
    async fn wait_for(&mut self, secs: u64, what: &str, pred: impl Fn(&Console) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if pred(self) {
                return;
            }
            match tokio::time::timeout_at(deadline, self.ch.wait()).await {
                Ok(Some(msg)) => self.absorb(msg),
                Ok(None) => {
                    self.closed = true;
                    if pred(self) {
                        return;
                    }
                    panic!(
                        "channel closed while waiting for {what}; screen:\n{}",
                        self.screen()
                    );
                }
                Err(_) => panic!("timed out waiting for {what}; screen:\n{}", self.screen()),
            }
        }
    }

    async fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(10, text, move |c| c.screen().contains(&t))
            .await;
    }

    async fn wait_end(&mut self, secs: u64) {
        self.wait_for(secs, "the end of the session", |c| {
            c.exit.is_some() && c.closed
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_decide_who_gets_in() {
    let w = world().await;
    let (out, _, status) = w.run(&w.admin, "whoami").await;
    assert_eq!(status, 0);
    let fp = keys::fingerprint(w.admin.public_key());
    assert_eq!(out.trim(), format!("marie\tadmin\t{fp}"));
    assert!(fp.starts_with("SHA256:"));
    let (out, _, _) = w.run(&w.staff, "whoami").await;
    assert!(out.starts_with("paul\tstaff\t"));

    // An unknown key, a password, "none": all refused.
    assert_eq!(
        w.connect(&new_key()).await.err().as_deref(),
        Some("authentication refused")
    );
    let mut h = client::connect(Arc::new(client::Config::default()), w.addr(), Trusting)
        .await
        .unwrap();
    assert!(
        !h.authenticate_password("marie", "secret")
            .await
            .unwrap()
            .success()
    );
    assert!(!h.authenticate_none("marie").await.unwrap().success());
    // The failed attempts are audited (within a second: they are written together).
    refusals_written(&w.app).await;
    let audit = w.app.audit(0, 50).unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == comptoir::domain::Action::LoginFailed)
    );
    assert!(
        audit
            .iter()
            .any(|r| r.action == comptoir::domain::Action::Login && r.actor.name == "marie")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_session_draws_resizes_and_restores_the_terminal() {
    let w = world().await;
    let mut c = w.console(&w.admin, 100, 30).await;
    c.wait_text("Tableau").await;
    c.wait_text("BC original reçu").await;
    assert!(
        c.parser.screen().alternate_screen(),
        "the console uses the alternate screen"
    );
    assert!(c.screen().contains("marie (admin)"));
    assert!(c.screen().contains("DEV-2026-00001"));
    // Resize: the console redraws at the new size.
    c.ch.window_change(130, 40, 0, 0).await.unwrap();
    c.parser
        .screen_mut()
        .set_size(NonZeroU16::new(40).unwrap(), NonZeroU16::new(130).unwrap());
    c.wait_for(10, "a 130-column frame", |c| {
        c.screen()
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().chars().count() > 110)
    })
    .await;
    // Too small: it says so.
    c.ch.window_change(60, 20, 0, 0).await.unwrap();
    c.parser
        .screen_mut()
        .set_size(NonZeroU16::new(20).unwrap(), NonZeroU16::new(60).unwrap());
    c.wait_text("Agrandissez le terminal").await;
    c.ch.window_change(100, 30, 0, 0).await.unwrap();
    c.parser
        .screen_mut()
        .set_size(NonZeroU16::new(30).unwrap(), NonZeroU16::new(100).unwrap());
    c.wait_text("Tableau").await;
    c.keys(&[b"q"]).await;
    c.wait_end(10).await;
    assert_eq!(c.exit, Some(0));
    assert!(
        !c.parser.screen().alternate_screen(),
        "alternate screen left"
    );
    assert!(!c.parser.screen().hide_cursor(), "cursor shown again");
    assert!(
        c.raw.ends_with(b"\x1b[?1049l"),
        "the last bytes restore the terminal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_without_a_pty_is_told_to_use_ssh_t() {
    let w = world().await;
    let h = w.connect(&w.staff).await.unwrap();
    let mut ch = h.channel_open_session().await.unwrap();
    ch.request_shell(true).await.unwrap();
    let (mut err, mut status) = (Vec::new(), None);
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), ch.wait()).await {
        match msg {
            ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    assert!(String::from_utf8_lossy(&err).contains("comptoir needs a terminal: use ssh -t"));
    assert_eq!(status, Some(1));
}

/// Receipt date, late payment, interest received and waived, partial credit notes, all
/// by command: the due date moves with the receipt, interest stays owed after the
/// principal, only an admin waives it, and credit notes never exceed the invoice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_by_command_receipt_interest_and_partial_credit_notes() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let day = |d: &str| Timestamp::from_date_utc(Date::parse_iso(d).unwrap(), 11 * 3600);
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-7 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches --contract MARCHE-12"
        ),
        format!("order deliver {n}"),
        format!("order invoice {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    // Invoiced on 2 March; recorded received on 4 March: due 30 days later.
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order received-by-body {n} --date 2026-03-01"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("précède la facture FA-2026-00001 du 02/03/2026"),
        "{err}"
    );
    w.clock.set(day("2026-03-05"));
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order received-by-body {n} --date 04/03/2026"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), "FA-2026-00001 échéance 03/04/2026");
    // A partial credit note by quantity, then one by amount that would exceed it.
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --quantities 1,0,0 --reason 'une enceinte rendue'"),
        )
        .await;
    assert_eq!((out.trim(), s), ("AV-2026-00001", 0), "{err}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --amount 99999 --reason 'geste'"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("rendrait plus que la facture FA-2026-00001 n'a facturé au taux de 20 %"),
        "{err}"
    );
    let owed = w.app.order_view(n).unwrap().order.outstanding();
    // Paid 20 days late: interest and the indemnity stay owed once the principal is paid.
    w.clock.set(day("2026-04-23"));
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!(
                "order pay {n} --date 2026-04-23 --amount '{}' --reference M-1",
                owed.decimal()
            ),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\tpaid"));
    let v = w.app.order_view(n).unwrap();
    let expected = v.penalties.interest + v.penalties.indemnity;
    assert!(v.penalties.indemnity.0 == 4000 && v.penalties.interest.0 > 0);
    assert!(
        v.flags
            .iter()
            .any(|f| f.text().contains("intérêts et indemnité dus")),
        "{:?}",
        v.flags
    );
    let (out, _, _) = w.run(&w.staff, &format!("order show {n}")).await;
    assert!(
        out.contains("payés le 23/04/2026 : 20 j × 10,15 %"),
        "{out}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order pay-interest {n} --date 2026-04-23 --amount 40 --reference M-2"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("reçus 40,00 €"), "{out}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order waive-interest {n} --reason 'petit montant'"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("permission refusée"), "{err}");
    let (out, err, s) = w
        .run(
            &w.admin,
            &format!("order waive-interest {n} --reason 'petit montant'"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("reste 0,00 €"), "{out}");
    let t = w.app.order_view(n).unwrap().penalties;
    assert_eq!(
        t.interest + t.indemnity,
        expected,
        "what was owed stays on record"
    );
    assert_eq!(t.waived, expected - comptoir::domain::Cents(4000));
    let (json, _, _) = w.run(&w.admin, "audit --json").await;
    assert!(
        json.contains("penalties-waived") && json.contains("petit montant"),
        "{json}"
    );
    // The accounting exports see all of it.
    let (fec, err, s) = w.run(&w.staff, "export fec --year 2026").await;
    assert_eq!(s, 0, "{err}");
    assert!(err.contains("912345675FEC20261231.txt"), "{err}");
    assert!(
        fec.starts_with("JournalCode\tJournalLib\tEcritureNum"),
        "{fec}"
    );
    assert!(
        fec.contains("\tFA-2026-00001\t") && fec.contains("\t763100\t"),
        "{fec}"
    );
    let (csv, err, s) = w
        .run(
            &w.staff,
            "export invoices --from 2026-01-01 --to 2026-12-31",
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "header, the invoice, the credit note: {csv}");
    assert!(
        rows[1].starts_with("FA-2026-00001;Facture;02/03/2026;03/04/2026;")
            && rows[1].ends_with(";payée"),
        "{csv}"
    );
    // A paid invoice reduced afterwards: the surplus is refunded by command.
    w.clock.set(day("2026-04-24"));
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --amount 10 --reason 'geste après paiement'"),
        )
        .await;
    assert_eq!((out.trim(), s), ("AV-2026-00002", 0), "{err}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order refund {n} --date 2026-04-24 --amount 13 --reference VIR-1"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("dépasse le trop-perçu (12,00 €)"), "{err}");
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order refund {n} --date 2026-04-24 --amount 12 --reference VIR-1"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("{n}\tpaid\ttrop-perçu à rembourser 0,00 €")
    );
    let siret = w
        .app
        .order_view(n)
        .unwrap()
        .customer
        .siret
        .as_str()
        .to_string();
    let (json, err, s) = w
        .run(&w.staff, &format!("customer statement {siret} --json"))
        .await;
    assert_eq!(s, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["invoice", "credit-note", "payment", "credit-note", "refund"],
        "{json}"
    );
    assert_eq!(v["closing_cents"], 0, "{json}");
    let (pdf, err, s) = w
        .exec(
            &w.staff,
            &format!("customer statement {siret} --from 2026-04-01"),
            None,
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(pdf.starts_with(b"%PDF-"), "{err}");
    let (csv, err, s) = w.run(&w.staff, "export aged").await;
    assert_eq!(s, 0, "{err}");
    assert!(
        csv.starts_with("Balance âgée au 24/04/2026\nOrganisme;SIRET;Factures;Non échu;"),
        "{csv}"
    );
    assert!(csv.lines().last().unwrap().starts_with("Total;;"), "{csv}");
}

/// The pack holds the issued invoice's own pages (copied, not re-rendered), the RIB page,
/// then the scan of the original once attached; the same inputs give the same bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pack_copies_the_issued_invoice_and_the_scan() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let (_, err, s) = w.run(&w.staff, &format!("order attach-po {n}")).await;
    assert_eq!(s, 1);
    assert!(err.contains("aucun fichier reçu"), "{err}");
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-7 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"
        ),
        format!("order deliver {n}"),
        format!("order invoice {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    let invoice = w
        .app
        .document_file("FA-2026-00001", FileFormat::Pdf)
        .unwrap();
    let page_content = |pdf: &[u8], page: usize| -> Vec<u8> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let id = *doc.get_pages().values().nth(page).unwrap();
        doc.get_page_content(id)
    };
    let pages = |pdf: &[u8]| lopdf::Document::load_mem(pdf).unwrap().get_pages().len();
    let (pack, err, s) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(
        pages(&pack),
        pages(&invoice) + 1,
        "invoice pages, then the RIB page"
    );
    assert_eq!(
        page_content(&pack, 0),
        page_content(&invoice, 0),
        "copied, not re-rendered"
    );
    let (again, _, _) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(again, pack, "same inputs, same bytes");

    // A file that is not a scan is refused and nothing is attached.
    let (_, err, s) = w
        .exec(&w.staff, &format!("order attach-po {n}"), Some(b"bonjour"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("PDF, PNG ou JPEG"), "{err}");
    let png = std::fs::read("tests/fixtures/logo.png").unwrap();
    let (out, err, s) = w
        .exec(&w.staff, &format!("order attach-po {n}"), Some(&png))
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(String::from_utf8_lossy(&out).contains("image/png"));
    let (_, err, s) = w
        .exec(&w.staff, &format!("order attach-po {n}"), Some(&invoice))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà joint"), "{err}");
    let (show, _, _) = w.run(&w.staff, &format!("order show {n}")).await;
    assert!(
        show.contains("Scan du BC original joint : image/png"),
        "{show}"
    );
    let (pack, _, s) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(s, 0);
    assert_eq!(pages(&pack), pages(&invoice) + 2, "…and the scan's page");
    assert_eq!(page_content(&pack, 0), page_content(&invoice, 0));
    // Real readers open it: poppler (installed by .ci/run, as for tests/documents.rs).
    let path = w._dir.path().join("pack.pdf");
    std::fs::write(&path, &pack).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/run");
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("FACTURE") && text.contains("Relevé d'identité bancaire"),
        "{text}"
    );
    let report = w.app.read(comptoir::store::check::check).unwrap();
    assert!(report.is_clean(), "{:?}", report.violations);
}

/// `ssh host backup` while two clients keep importing quotes: the copy holds every import
/// acknowledged before the backup started, restores, and checks clean; `ssh host check`
/// verifies the live store. Both are for admins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_restores_clean_with_every_acknowledged_action() {
    let w = Arc::new(world().await);
    let acked: Arc<std::sync::Mutex<Vec<(Instant, String)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for t in 0..2 {
        let (w, acked, stop) = (w.clone(), acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
                let reference = format!("WEB-BK-{t}-{i}");
                v["reference"] = reference.clone().into();
                let (_, _, s) = w
                    .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
                    .await;
                if s == 0 {
                    acked.lock().unwrap().push((Instant::now(), reference));
                }
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, err, s) = w.run(&w.staff, "backup").await;
    assert_eq!(s, 1);
    assert!(err.contains("permission refusée"), "{err}");
    let started = Instant::now();
    let (copy, err, s) = w.exec(&w.admin, "backup", None).await;
    assert_eq!(s, 0, "{err}");
    assert!(err.contains("sauvegarde cohérente"), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for wr in writers {
        wr.await.unwrap();
    }
    let before: Vec<String> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at < started)
        .map(|(_, r)| r.clone())
        .collect();
    assert!(before.len() >= 2, "writes were going on: {}", before.len());
    // No temporary copy is left beside the store.
    let leftovers = std::fs::read_dir(w._dir.path().join("data"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".backup-"))
        .count();
    assert_eq!(leftovers, 0);

    let file = w._dir.path().join("backup.redb");
    std::fs::write(&file, &copy).unwrap();
    let target = w._dir.path().join("restored");
    let restored = comptoir::store::backup::restore(&file, &target, "test", false).unwrap();
    assert!(
        restored.report.is_clean(),
        "{:?}",
        restored.report.violations
    );
    let store = Store::open(&target).unwrap();
    for r in &before {
        let found = store.read(|rx| rx.order_by_external_ref(r)).unwrap();
        assert!(
            found.is_some(),
            "{r} was acknowledged before the backup and is missing"
        );
    }

    let (out, err, s) = w.run(&w.admin, "check --json").await;
    assert_eq!(s, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["clean"], true);
    assert!(v["orders"].as_u64().unwrap() >= before.len() as u64);
    let (_, err, s) = w.run(&w.staff, "check").await;
    assert_eq!(s, 1);
    assert!(err.contains("permission refusée"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_check_roles_on_the_server() {
    let w = world().await;
    let before = std::fs::read_dir(w.keys.join("staff")).unwrap().count();
    for cmd in [
        "keys list",
        "sessions list",
        "audit",
        "keys revoke marie",
        "customer approve 19690123500016 --reason x",
    ] {
        let (out, err, status) = w.run(&w.staff, cmd).await;
        assert_eq!(status, 1, "{cmd}");
        assert!(err.contains("permission refusée"), "{cmd}: {err}");
        assert!(out.is_empty());
    }
    let mut stdin = pub_line(&new_key()).into_bytes();
    stdin.push(b'\n');
    let (_, err, status) = w.exec(&w.staff, "keys add eve", Some(&stdin)).await;
    assert_eq!(status, 1, "{err}");
    assert_eq!(
        std::fs::read_dir(w.keys.join("staff")).unwrap().count(),
        before,
        "nothing changed"
    );
    // Usage errors are status 2, help is there.
    let (_, err, status) = w.run(&w.staff, "order frobnicate").await;
    assert_eq!(status, 2, "{err}");
    let (out, _, status) = w.run(&w.staff, "help").await;
    assert_eq!(status, 0);
    assert!(out.contains("order receive-original"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_workflow_by_command_and_byte_exact_downloads() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let (out, _, s) = w.run(&w.staff, &format!("order deliver {n}")).await;
    assert_eq!(
        (out.as_str(), s),
        ("", 1),
        "no shipping before the original"
    );
    let (_, err, s) = w
        .run(&w.staff, &format!("order receive-original {n} --po-number ENG-42 --po-date 2026-03-02 --letterhead --dated --signed --stamped"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("montant conforme au devis"), "{err}");
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order receive-original {n} --po-number 'ENG 42' --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\tpo-received"));
    let (out, _, s) = w.run(&w.staff, &format!("order deliver {n}")).await;
    assert_eq!((out.trim(), s), ("BL-2026-00001", 0));
    let (out, _, s) = w.run(&w.staff, &format!("order invoice {n}")).await;
    assert_eq!((out.trim(), s), ("FA-2026-00001", 0));
    let (pdf, _, s) = w.exec(&w.staff, "doc get FA-2026-00001", None).await;
    assert_eq!(s, 0);
    assert_eq!(
        pdf,
        w.app
            .document_file("FA-2026-00001", FileFormat::Pdf)
            .unwrap(),
        "byte-identical download"
    );
    let (again, _, _) = w.exec(&w.staff, "doc get FA-2026-00001", None).await;
    assert_eq!(again, pdf);
    let (xml, _, _) = w.exec(&w.staff, "doc xml FA-2026-00001", None).await;
    assert_eq!(
        xml,
        w.app
            .document_file("FA-2026-00001", FileFormat::FacturX)
            .unwrap()
    );
    let (pack, _, s) = w.exec(&w.staff, "doc pack FA-2026-00001", None).await;
    assert_eq!(s, 0);
    assert!(pack.starts_with(b"%PDF") && pack.len() > pdf.len() / 2);
    let (_, err, s) = w.run(&w.staff, "doc xml BL-2026-00001").await;
    assert_eq!(s, 1);
    assert!(err.contains("pas de XML Factur-X"), "{err}");
    let (json, _, _) = w.run(&w.staff, "doc list --json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["number"], "FA-2026-00001");
    let (json, _, _) = w.run(&w.staff, "orders --stage invoiced --json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["number"], n);
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order pay {n} --date 2026-03-02 --amount '100,00' --reference MANDAT-1"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\tinvoiced"));
    let (out, _, _) = w.run(&w.staff, "customers search lyc moulin --json").await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["name"], "Lycée Jean Moulin");
    let (out, _, _) = w.run(&w.staff, "customer show 19690123500016").await;
    assert!(
        out.contains("Lycée Jean Moulin") && out.contains("Encours"),
        "{out}"
    );
    // quote import over ssh, then a bad one.
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-SSH".into();
    let (out, err, s) = w
        .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(String::from_utf8_lossy(&out).trim(), "DEV-2026-00002");
    v["reference"] = "WEB-BAD".into();
    v["lines"][0]["quantity"] = (-1).into();
    let (_, err, s) = w
        .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("lines[0].quantity"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_added_and_removed_at_run_time() {
    let w = world().await;
    let newcomer = new_key();
    assert!(w.connect(&newcomer).await.is_err());
    std::fs::write(
        w.keys.join("staff/lea.pub"),
        format!("# Léa\n{}\n", pub_line(&newcomer)),
    )
    .unwrap();
    let started = Instant::now();
    loop {
        if w.connect(&newcomer).await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a new key works within 2 seconds"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut c = w.console(&newcomer, 100, 30).await;
    c.wait_text("lea (staff)").await;
    std::fs::remove_file(w.keys.join("staff/lea.pub")).unwrap();
    c.wait_end(2).await;
    assert!(
        String::from_utf8_lossy(&c.raw).contains("révoquée"),
        "told why"
    );
    assert!(!c.parser.screen().alternate_screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_client_does_not_disturb_the_others() {
    let w = world().await;
    let mut calm = w.console(&w.staff, 100, 30).await;
    calm.wait_text("Tableau").await;
    let mut noisy = w.console(&w.admin, 100, 30).await;
    noisy.wait_text("Tableau").await;
    // Garbage, broken escape sequences, invalid UTF-8, a huge paste, absurd sizes.
    let mut junk = Vec::new();
    for i in 0..20_000u32 {
        junk.push((i.wrapping_mul(2_654_435_761) >> 24) as u8);
    }
    noisy.send(&junk).await;
    noisy.send(b"\x1b[200~").await;
    noisy.send(&vec![b'x'; 200_000]).await;
    noisy.send(b"\x1b[201~").await;
    noisy.ch.window_change(100_000, 0, 0, 0).await.unwrap();
    noisy.pump(Duration::from_millis(500)).await;
    // The other session still works.
    calm.keys(&[b"2"]).await;
    calm.wait_text("Rechercher").await;
    let (out, _, s) = w.run(&w.staff, "whoami").await;
    assert_eq!(s, 0);
    assert!(out.starts_with("paul"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_in_one_session_appears_in_another_without_a_keypress() {
    let w = world().await;
    let mut watcher = w.console(&w.staff, 200, 32).await;
    watcher.wait_text("Facturé").await;
    let mut worker = w.console(&w.admin, 130, 32).await;
    worker.wait_text("DEV-2026-00001").await;
    // Mark the original received with the form: r, PO number, date, five boxes.
    worker.keys(&[b"r"]).await;
    worker.wait_text("Bon de commande original reçu").await;
    worker.send(b"ENG-77").await;
    worker.keys(&[b"\t"]).await;
    worker.send(b"02/03/2026").await;
    for _ in 0..5 {
        worker.keys(&[b"\t", b" "]).await;
    }
    worker.keys(&[b"\t", b"\r"]).await;
    worker.wait_text("confirmer ?").await;
    worker.keys(&[b"o"]).await;
    worker.wait_text("BC original enregistré").await;
    // The watcher's board moved without a keypress: one order in "BC original reçu".
    watcher
        .wait_for(1, "the card in BC original reçu", |c| {
            board_count(&c.screen(), 3) == Some(1)
        })
        .await;
    // Deliver and invoice from the worker's board (column 3).
    worker.keys(&[b"l", b"l"]).await;
    worker.keys(&[b"b"]).await;
    worker.wait_text("Bon de livraison").await;
    worker.keys(&[b"\r"]).await;
    worker.wait_text("confirmer ?").await;
    worker.keys(&[b"\t", b"\r"]).await;
    worker.wait_text("BL-2026-00001").await;
    watcher
        .wait_for(1, "the card in Livré", |c| {
            board_count(&c.screen(), 4) == Some(1)
        })
        .await;
    worker.keys(&[b"l"]).await;
    worker.keys(&[b"f"]).await;
    worker.wait_text("Émettre la facture ?").await;
    worker.keys(&[b"\t", b"\r"]).await;
    worker.wait_text("FA-2026-00001").await;
    watcher
        .wait_for(1, "the card in Facturé", |c| {
            board_count(&c.screen(), 5) == Some(1)
        })
        .await;
}

/// The count in the header of the board's `column`-th visible column ("1 cmd").
fn board_count(screen: &str, column: usize) -> Option<u64> {
    let line = screen.lines().nth(3)?;
    let counts: Vec<u64> = line
        .split("cmd")
        .filter_map(|part| {
            part.rsplit(['│', ' '])
                .find(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
        })
        .collect();
    counts.get(column - 1).copied()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_access_with_safety_rails() {
    let w = world().await;
    let bob = new_key();
    let (out, err, s) = w
        .exec(&w.admin, "keys add bob", Some(pub_line(&bob).as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(String::from_utf8_lossy(&out).contains(&keys::fingerprint(bob.public_key())));
    let (out, _, _) = w.run(&bob, "whoami").await;
    assert!(
        out.starts_with("bob\tstaff\t"),
        "the new key logs in at once"
    );
    // One key = one person; bad keys and names are refused with the reason.
    let (_, err, s) = w
        .exec(&w.admin, "keys add carla", Some(pub_line(&bob).as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà attribuée à bob"), "{err}");
    let dsa = include_str!("fixtures/keys/dsa.pub");
    let (_, err, s) = w
        .exec(&w.admin, "keys add carla", Some(dsa.as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("DSA"), "{err}");
    let rsa = include_str!("fixtures/keys/rsa1024.pub");
    let (_, err, s) = w
        .exec(&w.admin, "keys add carla", Some(rsa.as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("1024 bits refusée"), "{err}");
    let (_, err, s) = w
        .exec(
            &w.admin,
            "keys add ../evil",
            Some(pub_line(&new_key()).as_bytes()),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("nom « ../evil » refusé"), "{err}");
    assert!(
        !w.keys.join("evil.pub").exists() && !w.keys.parent().unwrap().join("evil.pub").exists()
    );
    // The last admin can be neither removed nor demoted.
    let (_, err, s) = w.run(&w.admin, "keys revoke marie").await;
    assert_eq!(s, 1);
    assert!(err.contains("dernier administrateur"), "{err}");
    let (_, err, s) = w.run(&w.admin, "keys role marie staff").await;
    assert_eq!(s, 1);
    assert!(err.contains("dernier administrateur"), "{err}");
    // Revoking bob ends his open session within 2 seconds.
    let mut c = w.console(&bob, 100, 30).await;
    c.wait_text("bob (staff)").await;
    let (_, err, s) = w.run(&w.admin, "keys revoke bob").await;
    assert_eq!(s, 0, "{err}");
    c.wait_end(2).await;
    assert!(w.connect(&bob).await.is_err());
    // Role change, then sessions list / kill.
    let (_, err, s) = w.run(&w.admin, "keys role paul admin").await;
    assert_eq!(s, 0, "{err}");
    let (out, _, _) = w.run(&w.staff, "whoami").await;
    assert!(out.starts_with("paul\tadmin"));
    let mut victim = w.console(&w.staff, 100, 30).await;
    victim.wait_text("paul (admin)").await;
    let (list, _, _) = w.run(&w.admin, "sessions list --json").await;
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let id = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["person"] == "paul" && s["what"] == "console")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let (_, err, s) = w.run(&w.admin, &format!("sessions kill {id}")).await;
    assert_eq!(s, 0, "{err}");
    victim.wait_end(2).await;
    assert!(String::from_utf8_lossy(&victim.raw).contains("terminée par marie"));
    // Everything above is in the audit log (refused logins within a second).
    refusals_written(&w.app).await;
    let (audit, _, s) = w.run(&w.admin, "audit --json").await;
    assert_eq!(s, 0);
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let actions: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for a in [
        "access-key-added",
        "access-person-revoked",
        "access-role-changed",
        "session-ended",
        "login",
        "login-failed",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_manages_their_own_keys() {
    let w = world().await;
    let laptop = new_key();
    let (out, err, s) = w
        .exec(&w.staff, "pubkey add", Some(pub_line(&laptop).as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    let fp = keys::fingerprint(laptop.public_key());
    assert!(String::from_utf8_lossy(&out).contains(&fp));
    let (out, _, _) = w.run(&laptop, "whoami").await;
    assert!(out.starts_with("paul\tstaff"), "the second key is paul's");
    let (out, _, _) = w.run(&w.staff, "pubkey list").await;
    assert_eq!(out.lines().count(), 2);
    assert!(out.contains("(clé de cette session)"));
    let (_, err, s) = w.run(&w.staff, &format!("pubkey remove {fp}")).await;
    assert_eq!(s, 0, "{err}");
    assert!(w.connect(&laptop).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cap_is_clear() {
    let w = world_with(ServerConfig {
        max_sessions: 1,
        ..ServerConfig::default()
    })
    .await;
    let mut first = w.console(&w.admin, 100, 30).await;
    first.wait_text("Tableau").await;
    let (_, err, s) = w.run(&w.staff, "whoami").await;
    assert_eq!(s, 1);
    assert!(err.contains("sessions déjà ouvertes"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_tells_sessions_and_restores_terminals() {
    let mut w = world().await;
    let mut c = w.console(&w.staff, 100, 30).await;
    c.wait_text("Tableau").await;
    w.server.take().unwrap().shutdown().await;
    c.wait_end(5).await;
    assert!(String::from_utf8_lossy(&c.raw).contains("Le serveur s'arrête"));
    assert!(!c.parser.screen().alternate_screen());
    let _ = Theme::default_theme();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_tab() {
    use comptoir::ui::access::AccessTab;
    use comptoir::ui::{Input, Key};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let w = world().await;
    w.run(&w.admin, "whoami").await;
    w.run(&w.staff, "whoami").await;
    let _ = w.connect(&fixed_key(9)).await;
    refusals_written(&w.app).await;
    let shared = w.server.as_ref().unwrap().shared.clone();
    let me = Actor::person(
        "marie",
        Role::Admin,
        &keys::fingerprint(w.admin.public_key()),
    );
    let mut tab = AccessTab::new(
        std::sync::Arc::new(ssh::access::AccessService::new(shared)),
        me,
    );
    let theme = Theme::default_theme();
    let render = |tab: &mut AccessTab, width: u16, height: u16| {
        let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
        t.draw(|f| tab.draw(f, f.area(), &theme)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!("acces_100x28", render(&mut tab, 100, 28));
    insta::assert_snapshot!("acces_80x22", render(&mut tab, 80, 22));
    // Adding a person shows the key's fingerprint before anything is written.
    tab.handle(&Input::Key(Key::Char('a')));
    for c in "lea".chars() {
        tab.handle(&Input::Key(Key::Char(c)));
    }
    tab.handle(&Input::Key(Key::Tab));
    tab.handle(&Input::Key(Key::Tab));
    tab.handle(&Input::Paste(pub_line(&fixed_key(3))));
    tab.handle(&Input::Key(Key::Tab));
    tab.handle(&Input::Key(Key::Enter));
    let confirm = render(&mut tab, 100, 28);
    assert!(
        confirm.contains(&keys::fingerprint(fixed_key(3).public_key())),
        "{confirm}"
    );
    assert!(
        !w.keys.join("staff/lea.pub").exists(),
        "nothing written before confirmation"
    );
    insta::assert_snapshot!("acces_confirm_add", confirm);
    // Confirming hands the change over: the console's task writes nothing.
    let Some(comptoir::ui::access::AccessReply::Run(job)) = tab.handle(&Input::Key(Key::Char('o')))
    else {
        panic!("confirming must hand the change over to run off the session's task");
    };
    assert_eq!(job.what(), "ajout de la personne");
    assert!(
        !w.keys.join("staff/lea.pub").exists(),
        "nothing written on the input path"
    );
    let (level, msg) = job.run();
    assert_eq!(level, comptoir::ui::Level::Ok, "{msg}");
    assert!(w.keys.join("staff/lea.pub").exists());
    assert_eq!(
        w.run(&fixed_key(3), "whoami").await.0.split('\t').next(),
        Some("lea")
    );
}

/// Every change of access is in the audit trail, whoever made it: an admin command once
/// (not again when keys/ is re-read), a local `comptoir keys` command run while the server
/// holds the store (through the journal), a key file dropped in by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_and_hand_made_key_changes_are_audited() {
    let w = world().await;
    let audit = |w: &World| {
        w.app
            .read(|rx| rx.audit_after(0, 10_000))
            .unwrap()
            .into_iter()
            .filter(|r| r.action.is_access() && r.action != comptoir::domain::Action::Login)
            .map(|r| (r.actor.name.clone(), r.action.slug(), r.detail.clone()))
            .collect::<Vec<_>>()
    };
    let wait_for = |w: &World, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let a = audit(w);
            if a.iter().any(|(who, _, _)| who.contains(what)) {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "no change by « {what} » in {a:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // Through the server: recorded once.
    let mut line = pub_line(&fixed_key(7)).into_bytes();
    line.push(b'\n');
    let (_, err, s) = w.exec(&w.admin, "keys add ana", Some(&line)).await;
    assert_eq!(s, 0, "{err}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let by_admin: Vec<_> = audit(&w)
        .into_iter()
        .filter(|(_, a, d)| *a == "access-key-added" && d.contains("ana"))
        .collect();
    assert_eq!(by_admin.len(), 1, "{by_admin:?}");
    assert_eq!(by_admin[0].0, "marie");

    // A local command while the server holds the store: the journal names it.
    let file = w._dir.path().join("zoe.pub");
    std::fs::write(&file, pub_line(&fixed_key(8))).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["keys", "add", "zoe"])
        .arg(&file)
        .arg("--keys")
        .arg(&w.keys)
        .arg("--data")
        .arg(w._dir.path().join("data"))
        .env("USER", "root-local")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("le serveur en marche l'inscrit"));
    let a = wait_for(&w, "comptoir keys (root-local)");
    assert!(
        a.iter()
            .any(|(who, act, d)| who == "comptoir keys (root-local)"
                && *act == "access-key-added"
                && d.contains("zoe"))
    );

    // By hand: a file copied into keys/staff.
    std::fs::write(
        w.keys.join("staff").join("bob.pub"),
        pub_line(&fixed_key(9)),
    )
    .unwrap();
    let a = wait_for(&w, "à la main");
    assert!(
        a.iter()
            .any(|(who, act, d)| who == "keys/ modifié à la main"
                && *act == "access-key-added"
                && d.contains("bob"))
    );
    std::fs::remove_file(w.keys.join("staff").join("bob.pub")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !audit(&w).iter().any(|(who, act, d)| {
        who == "keys/ modifié à la main" && *act == "access-key-revoked" && d.contains("bob")
    }) {
        assert!(Instant::now() < deadline, "{:?}", audit(&w));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !w.keys.join(comptoir::ssh::keys::JOURNAL).exists(),
        "the journal was emptied"
    );
}

/// Free text reaches the server without the quotes the local shell removed: words after
/// `--reason` are one reason, an apostrophe inside a word is an apostrophe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_with_spaces_and_apostrophes_arrive_whole() {
    let w = world().await;
    let n = "DEV-2026-00001";
    // As `ssh host order refuse DEV-… --reason "l'école ferme en juin"` delivers it.
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order refuse {n} --reason l'école ferme en juin"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(out.trim(), format!("{n}\trefused"));
    let v = w.app.order_view(n).unwrap();
    assert_eq!(
        v.order.closing_reason.as_deref(),
        Some("l'école ferme en juin")
    );
    // Every free-text option as the README shows it, once the local shell removed the
    // quotes: `--phone "04 72 39 73 01"`, `--name "Jean-Marc L'Hôte"`.
    let siret = v.customer.siret.as_str().to_string();
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!(
                "customer contact set {siret} 1 --phone 04 72 39 73 01 --name Jean-Marc L'Hôte"
            ),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let c = w.app.customer_view(v.customer.id).unwrap().customer;
    assert_eq!(c.contacts[0].phone, "04 72 39 73 01");
    assert_eq!(c.contacts[0].name, "Jean-Marc L'Hôte");
    // `--market-ref ""` arrives as `--market-ref` with nothing: it clears.
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("customer chorus {siret} --market-ref MAPA-2026-07"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let (_, err, s) = w
        .run(&w.staff, &format!("customer chorus {siret} --market-ref"))
        .await;
    assert_eq!(s, 0, "{err}");
    let c = w.app.customer_view(v.customer.id).unwrap().customer;
    assert_eq!(c.chorus.market_reference, None);
    // A negative number reaches the command, which says what it means there.
    let (_, err, s) = w
        .run(
            &w.staff,
            "stock add ENC-ACT-8 -2 --reason casse au déballage",
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order credit-note {n} --amount -5 --reason geste"),
        )
        .await;
    assert_eq!(s, 1, "a business refusal, not a usage error: {err}");
    assert!(
        !err.contains("unexpected") && !err.contains("inattendu"),
        "{err}"
    );
}

/// Usage errors and `--help` over SSH are in French, clap's own words included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_and_help_speak_french() {
    let w = world().await;
    let (_, err, s) = w.run(&w.staff, "order frobnicate").await;
    assert_eq!(s, 2);
    assert!(err.contains("commande inconnue « frobnicate »"), "{err}");
    assert!(err.contains("aide : ssh HOTE help"), "{err}");
    let (_, err, s) = w.run(&w.staff, "orders --stage shipped").await;
    assert_eq!(s, 2);
    assert!(
        err.contains("valeur « shipped » invalide pour --stage"),
        "{err}"
    );
    assert!(err.contains("valeurs possibles"), "{err}");
    let (_, err, _) = w
        .run(&w.staff, "order pay DEV-2026-00001 --date 2026-03-02")
        .await;
    assert!(err.contains("argument obligatoire manquant"), "{err}");
    // Dates, amounts and rates are read by the grammar: the option is named, nothing runs.
    for (cmd, said) in [
        (
            "order pay DEV-2026-00001 --date 31/02/2026 --amount 10 --reference M",
            "--date <DATE> : « 31/02/2026 » n'est pas une date",
        ),
        (
            "order pay DEV-2026-00001 --date 2026-03-02 --amount dix --reference M",
            "« dix » n'est pas un montant en euros",
        ),
        (
            "order credit-note DEV-2026-00001 --amount 10 --vat 19 --reason x",
            "« 19 » n'est pas un taux de TVA",
        ),
        ("audit --since hier", "« hier » n'est pas une date"),
        (
            "export invoices --from 2026-01-01 --to demain",
            "« demain » n'est pas une date",
        ),
    ] {
        let (_, err, s) = w.run(&w.admin, cmd).await;
        assert_eq!(s, 2, "{cmd}: {err}");
        assert!(err.contains(said), "{cmd}: {err}");
    }
    let (_, err, _) = w.run(&w.staff, "orders --colour").await;
    assert!(err.contains("argument inconnu « --colour »"), "{err}");
    for e in [&err] {
        for english in [
            "error:",
            "Usage:",
            "For more information",
            "unexpected argument",
        ] {
            assert!(!e.contains(english), "« {english} » in: {e}");
        }
    }
    let (out, _, s) = w.run(&w.staff, "order pay --help").await;
    assert_eq!(s, 0);
    assert!(
        out.contains("Utilisation :") && out.contains("Afficher l'aide"),
        "{out}"
    );
    assert!(
        !out.contains("Usage:") && !out.contains("Print help"),
        "{out}"
    );
}

/// A key that is not enrolled: before the refusal, a short French message with the key's
/// fingerprint says how to get access (a keyboard-interactive round with no prompt, which
/// OpenSSH prints); nothing typed is ever accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_is_told_how_to_get_access() {
    use russh::client::KeyboardInteractiveAuthResponse as Kbi;
    use russh::keys::PrivateKeyWithHashAlg;
    let w = world().await;
    let stranger = new_key();
    let config = Arc::new(client::Config::default());
    let mut h = client::connect(config, w.addr(), Trusting).await.unwrap();
    let auth = h
        .authenticate_publickey(
            "eve",
            PrivateKeyWithHashAlg::new(Arc::new(stranger.clone()), None),
        )
        .await
        .unwrap();
    assert!(!auth.success());
    let r = h
        .authenticate_keyboard_interactive_start("eve", None)
        .await
        .unwrap();
    let Kbi::InfoRequest {
        instructions,
        prompts,
        ..
    } = r
    else {
        panic!("no explanation: {r:?}");
    };
    assert!(prompts.is_empty(), "nothing is asked");
    assert!(
        instructions.contains("cette cle n'est pas inscrite"),
        "{instructions}"
    );
    assert!(
        instructions.contains(&keys::fingerprint(stranger.public_key())),
        "{instructions}"
    );
    let r = h
        .authenticate_keyboard_interactive_respond(Vec::new())
        .await
        .unwrap();
    assert!(matches!(r, Kbi::Failure { .. }), "{r:?}");
    // An enrolled person is never asked anything.
    assert!(w.connect(&w.staff).await.is_ok());
}

/// The delivery address and contact of an order are chosen among the customer's until the
/// first delivery; the next document uses them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_address_and_contact_are_chosen_per_order() {
    let w = world().await;
    let n = "DEV-2026-00001";
    // The body's account gains a second address and contact (a later web quote).
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-MORE".into();
    v["customer"]["delivery_addresses"] = serde_json::json!([
        {"name": "Salle de musique", "street": "1 place des Minimes", "postcode": "69005", "city": "Lyon"},
        {"name": "Gymnase", "street": "4 rue du Stade", "postcode": "69005", "city": "Lyon"}
    ]);
    v["customer"]["contacts"] = serde_json::json!([
        {"name": "Claire Dubois", "phone": "04 78 00 12 34", "email": "c@l.example"},
        {"name": "Hugo Martin", "phone": "04 78 00 12 35", "email": "h@l.example"}
    ]);
    let (_, err, s) = w
        .exec(&w.staff, "quote import", Some(v.to_string().as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    let (show, _, _) = w.run(&w.staff, "customer show 19690123500016").await;
    // Imports add to what the account has: the gymnasium is its third address.
    assert!(
        show.contains("Livraison 3 : Gymnase") && show.contains("Contact 3 : Hugo Martin"),
        "{show}"
    );
    let (_, err, s) = w
        .run(&w.staff, &format!("order deliver-to {n} --address 5"))
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("n'a pas d'adresse de livraison n° 5 (il en a 3)"),
        "{err}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("order deliver-to {n} --address 3 --contact 3"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.contains("Gymnase") && out.contains("Hugo Martin"),
        "{out}"
    );
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-9 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"
        ),
        format!("order deliver {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    let bl = w.app.document("BL-2026-00001").unwrap();
    assert_eq!(bl.buyer.delivery_address.name, "Gymnase");
    assert_eq!(bl.buyer.contact.name, "Hugo Martin");
    // After the first delivery, no more changes.
    let (_, err, s) = w
        .run(&w.staff, &format!("order deliver-to {n} --contact 1"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà été livrées"), "{err}");
}

/// Correcting a contact, an address and the Chorus routing: audited with before/after,
/// the issued quote unchanged, the next document uses the corrected data; a bad value is
/// refused and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_data_is_corrected_with_before_and_after() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let siret = "19690123500016";
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("customer contact set {siret} 1 --email jean.moulin.example"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(
        err.contains("contact 1, e-mail : adresse e-mail invalide « jean.moulin.example »"),
        "{err}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!(
                "customer contact set {siret} 1 --phone '04 78 99 99 99' --email claire.dubois@lycee-jean-moulin.example"
            ),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.contains("Contact 1 : Claire Dubois · 04 78 99 99 99"),
        "{out}"
    );
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("customer address set {siret} --header --street \"2 rue de l'Intendance\""),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("2 rue de l'Intendance"), "{out}");
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("customer chorus {siret} --engagement-required oui --market-ref MAPA-2026-07"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("marché : MAPA-2026-07"), "{out}");
    let (_, err, s) = w
        .run(&w.staff, &format!("customer contact remove {siret} 1"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("au moins un contact"), "{err}");

    // The issued quote is as it was issued; the open order follows the correction.
    let quote = w.app.document(n).unwrap();
    assert_eq!(quote.buyer.contact.phone, "04 78 00 12 34");
    let order = w.app.order_view(n).unwrap().order;
    assert_eq!(order.contact.phone, "04 78 99 99 99");
    assert_eq!(order.header_address.street, "2 rue de l'Intendance");
    for cmd in [
        format!(
            "order receive-original {n} --po-number ENG-9 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"
        ),
        format!("order deliver {n}"),
        format!("order invoice {n}"),
    ] {
        let (_, err, s) = w.run(&w.staff, &cmd).await;
        assert_eq!(s, 0, "{cmd}: {err}");
    }
    let bl = w.app.document("BL-2026-00001").unwrap();
    assert_eq!(bl.buyer.contact.phone, "04 78 99 99 99");
    assert_eq!(
        bl.buyer.contact.email,
        "claire.dubois@lycee-jean-moulin.example"
    );
    let fa = w.app.document("FA-2026-00001").unwrap();
    assert_eq!(fa.buyer.header_address.street, "2 rue de l'Intendance");
    assert_eq!(
        fa.po.as_ref().and_then(|p| p.contract.as_deref()),
        Some("MAPA-2026-07"),
        "the body's market reference goes to BT-12"
    );

    // Each change is in the audit trail with its before and after, by whom.
    let (audit, _, s) = w.run(&w.admin, "audit --json").await;
    assert_eq!(s, 0);
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let corrected: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "customer-corrected")
        .collect();
    let contact = corrected
        .iter()
        .find(|r| r["detail"] == "contact 1")
        .expect("the contact correction is audited");
    assert!(
        contact["before"]
            .as_str()
            .unwrap()
            .contains("04 78 00 12 34")
            && contact["after"]
                .as_str()
                .unwrap()
                .contains("04 78 99 99 99"),
        "{contact}"
    );
    assert!(
        corrected
            .iter()
            .any(|r| r["detail"] == "référence du marché" && r["after"] == "MAPA-2026-07"),
        "{corrected:?}"
    );
    assert!(
        corrected.iter().all(|r| r["who"] == "paul"),
        "{corrected:?}"
    );
}

/// A customer and a quote made by hand over ssh: the catalogue imported from a
/// spreadsheet's CSV (admins), the SIRET and the catégorie checked, the quote's lines
/// taken from the catalogue, its PDF readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_and_a_quote_are_made_by_hand() {
    let w = world().await;
    let csv = "sku;désignation;prix_ht;tva;stock\n\
               MIX-08;\"Console de mixage 8 voies ; USB\";389,00;20;4\n\
               LIV-01;Méthode d'écoute;24,50;5,5;\n";
    let (_, err, s) = w
        .exec(&w.staff, "catalogue import", Some(csv.as_bytes()))
        .await;
    assert_eq!(s, 1, "staff cannot change the catalogue");
    assert!(err.contains("administrateurs"), "{err}");
    let (out, err, s) = w
        .exec(&w.admin, "catalogue import", Some(csv.as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("2 créé(s)"), "{out}");
    let (_, err, s) = w
        .exec(
            &w.admin,
            "catalogue import",
            Some(b"sku;designation;prix_ht;tva\nMIX-08;Console;3x;20\n"),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("ligne 2") && err.contains("« 3x »"), "{err}");
    let (list, _, _) = w.run(&w.staff, "catalogue list").await;
    assert!(
        list.contains(
            "MIX-08\tConsole de mixage 8 voies ; USB\t389,00 € HT\tTVA 20 %\tdisponible 4"
        ),
        "{list}"
    );

    let create = |siret: &str, categorie: &str| {
        format!(
            "customer create --siret '{siret}' --legal-name \"Commune d'Écully\" --categorie {categorie} \
             --street '1 place de la Libération' --postcode 69130 --city Écully \
             --contact-name 'Anne Lefèvre' --phone '04 78 33 64 00' --email anne.lefevre@ecully.example \
             --service-code SERV-CULTURE --service-code-required"
        )
    };
    let (_, err, s) = w.run(&w.staff, &create("216900811 00012", "7210")).await;
    assert_eq!(s, 1);
    assert!(err.contains("SIRET"), "{err}");
    let (_, err, s) = w.run(&w.staff, &create("21690081100003", "5710")).await;
    assert_eq!(s, 1);
    assert!(err.contains("organisme privé"), "{err}");
    let (out, err, s) = w.run(&w.staff, &create("21690081100003", "7210")).await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.contains("Commune d'Écully") && out.contains("Éligible"),
        "{out}"
    );
    let (_, err, s) = w.run(&w.staff, &create("21690081100003", "7210")).await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà client"), "{err}");

    let (_, err, s) = w
        .run(&w.staff, "quote create 21690081100003 --line NOPE-1:2")
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("« NOPE-1 » n'est pas au catalogue"), "{err}");
    let (_, err, s) = w
        .run(&w.staff, "quote create 21690081100003 --line MIX-08")
        .await;
    assert_eq!(s, 2, "a usage error");
    assert!(err.contains("RÉFÉRENCE:QUANTITÉ"), "{err}");
    let (out, err, s) = w
        .run(
            &w.staff,
            "quote create '216 900 811 00003' --line MIX-08:2 --line LIV-01:10",
        )
        .await;
    assert_eq!(s, 0, "{err}");
    let number = out.split('\t').next().unwrap().to_string();
    // 2 × 389 × 1.2 + 10 × 24.50 × 1.055 = 933.60 + 258.48 (rounded per rate)
    assert!(out.contains("1 192,08 € TTC"), "{out}");
    let order = w.app.order_view(&number).unwrap().order;
    assert_eq!(order.contact.name, "Anne Lefèvre");
    assert_eq!(
        order.lines[0].designation,
        "Console de mixage 8 voies ; USB"
    );
    assert_eq!(order.quote.external_ref, None);
    let (pdf, _, s) = w.exec(&w.staff, &format!("doc get {number}"), None).await;
    assert_eq!(s, 0);
    let path = w._dir.path().join("devis.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("DEVIS") && text.contains("Console de mixage") && text.contains("Écully"),
        "{text}"
    );
}

/// A flood of unknown keys does not cost the disk one write per attempt: the refused
/// logins of a second are written together (≤ 1 durable write per second, whatever the
/// number of attempts), and every attempt is counted in the audit trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_do_not_cost_an_fsync_each() {
    use russh::keys::PrivateKeyWithHashAlg;
    let w = world_with(ServerConfig {
        failed_logins_per_minute: 10_000,
        ..ServerConfig::default()
    })
    .await;
    let strangers: Vec<_> = (0..6).map(|_| Arc::new(new_key())).collect();
    let commits = w.app.durable_commits();
    let started = std::time::Instant::now();
    let mut attacks = Vec::new();
    // Ten sources (127.0.0.2 … 127.0.0.11): a burst is per source, the write is not.
    for i in 0..10u8 {
        let (addr, keys) = (w.addr(), strangers.clone());
        attacks.push(tokio::spawn(async move {
            let config = Arc::new(client::Config::default());
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket
                .bind(std::net::SocketAddr::from(([127, 0, 0, 2 + i], 0)))
                .unwrap();
            let stream = socket.connect(addr).await.unwrap();
            let mut h = client::connect_stream(config, stream, Trusting)
                .await
                .unwrap();
            let mut refused = 0;
            for k in keys {
                match h
                    .authenticate_publickey("eve", PrivateKeyWithHashAlg::new(k, None))
                    .await
                {
                    Ok(r) if !r.success() => refused += 1,
                    _ => break,
                }
            }
            refused
        }));
    }
    let mut attempts = 0;
    for a in attacks {
        attempts += a.await.unwrap();
    }
    // Let the last second's batch reach the disk.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let writes = w.app.durable_commits() - commits;
    eprintln!("{attempts} refused keys in {elapsed:.1} s: {writes} durable write(s)");
    assert!(attempts >= 30, "only {attempts} attempts were made");
    assert!(
        (writes as f64) <= elapsed.ceil() + 1.0,
        "{writes} durable writes for {attempts} refused keys in {elapsed:.1} s"
    );
    let (json, _, _) = w.run(&w.admin, "audit --json --limit 1000").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let counted: u64 = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "login-failed")
        .map(|r| r["access"]["LoginRefused"]["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, attempts, "every refused key is in the audit trail");
}

/// A slow disk never freezes anyone else: confirmed operations commit on the blocking
/// pool, so while two consoles wait for slow commits (3 s each, one after the other) a
/// third console's key is answered before either commit is done — and the two consoles
/// say « en cours » meanwhile, then the result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_commit_never_freezes_another_console() {
    let w = world().await;
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-SECOND".into();
    let req = parse_quote_request(&v.to_string()).unwrap();
    w.app.import_quote(&Actor::import(), &req).unwrap();
    let mut a = w.console(&w.admin, 100, 30).await;
    let mut b = w.console(&w.staff, 100, 30).await;
    let mut c = w.console(&w.admin, 100, 30).await;
    for con in [&mut a, &mut b, &mut c] {
        con.wait_text("Tableau").await;
    }
    w.app.simulate_slow_disk(Duration::from_secs(3));
    let before = w.app.durable_commits();
    // A pre-orders the first quote, B the second.
    a.keys(&[b"p"]).await;
    a.wait_text("Enregistrer la pré-commande").await;
    b.keys(&[b"j", b"p"]).await;
    b.wait_text("Enregistrer la pré-commande").await;
    a.send(b"\r").await;
    b.send(b"\r").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // C switches tab: its frame arrives while both commits are still waiting for the disk.
    c.send(b"2").await;
    c.wait_text("Rechercher").await;
    assert_eq!(
        w.app.durable_commits() - before,
        0,
        "another console's key waited for a slow commit"
    );
    a.wait_text("en cours").await;
    a.wait_for(15, "A's result", |con| {
        con.screen().contains("pré-commande enregistrée")
    })
    .await;
    b.wait_for(15, "B's result", |con| {
        con.screen().contains("pré-commande enregistrée")
    })
    .await;
    assert_eq!(w.app.durable_commits() - before, 2);
    w.app.simulate_slow_disk(Duration::ZERO);
}

/// The audit answers questions: refused actions are recorded (a purchase order dated
/// before its quote, a delivery beyond stock, an admin command tried by staff, the last
/// admin's revocation), `audit` filters by person, kind and period, and a script's many
/// logins with one key read as one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_answers_questions() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!(
                "order receive-original {n} --po-number ENG-1 --po-date 2026-01-01 --letterhead --dated --signed --stamped --amount-matches"
            ),
        )
        .await;
    assert_eq!(s, 1, "{err}");
    let (_, err, s) = w.run(&w.staff, "audit").await;
    assert_eq!(s, 1, "{err}");
    let (_, err, s) = w.run(&w.admin, "keys revoke marie").await;
    assert_eq!(s, 1, "{err}");
    for _ in 0..5 {
        let (_, _, s) = w.run(&w.staff, "whoami").await;
        assert_eq!(s, 0);
    }
    let (text, err, s) = w.run(&w.admin, "audit --kind refus").await;
    assert_eq!(s, 0, "{err}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "{text}");
    assert!(lines.iter().all(|l| l.contains("\trefused\t")), "{text}");
    assert!(text.contains("avant le devis"), "the PO refusal: {text}");
    assert!(
        text.contains("ssh … audit")
            && text.contains("réservé aux administrateurs et aux comptables (vous êtes staff)"),
        "{text}"
    );
    assert!(text.contains("révoquer marie"), "the last admin: {text}");
    let (mine, _, _) = w.run(&w.admin, "audit --kind refus --person paul").await;
    assert!(
        !mine.is_empty() && !mine.contains("révoquer marie"),
        "{mine}"
    );
    // Five logins in a row: one line.
    let (all, _, _) = w.run(&w.admin, "audit --person paul --kind acces").await;
    // receive-original, audit, then five whoami: seven logins, one line.
    assert!(all.contains("7 connexions de la même clé"), "{all}");
    assert_eq!(all.lines().count(), 1, "{all}");
    let (json, _, _) = w
        .run(&w.admin, "audit --person paul --kind login --json")
        .await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(rows.len() >= 5, "every login is still a record: {json}");
    let (none, _, _) = w.run(&w.admin, "audit --until 2020-01-01").await;
    assert!(none.trim().is_empty(), "{none}");
    let (_, err, s) = w.run(&w.admin, "audit --kind nimporte").await;
    assert_eq!(s, 1);
    assert!(err.contains("acces, refus"), "{err}");
}

/// Screens and commands that agree with themselves: `order show` takes the web shop's
/// reference as the palette does, and `keys revoke` counts the sessions it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_and_revocations_are_counted_as_seen() {
    let w = world().await;
    let (out, err, s) = w.run(&w.staff, "order show WEB-2026-118734").await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("DEV-2026-00001"), "{out}");
    let (_, err, s) = w.run(&w.staff, "order show WEB-NOTHING").await;
    assert_eq!(s, 1);
    assert!(err.contains("aucune commande"), "{err}");
    // Paul has a console open; revoking him ends it, and the command says so.
    let mut console = w.console(&w.staff, 100, 30).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !console.screen().contains("Tableau") {
        assert!(std::time::Instant::now() < deadline, "no console");
        console.pump(std::time::Duration::from_millis(100)).await;
    }
    let (out, err, s) = w.run(&w.admin, "keys revoke paul").await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("1 session(s) terminée(s)"), "{out}");
}

/// A quote's lines changed before the original arrives: a new version with its own number,
/// the lines already quoted keeping their price, the old version kept and marked replaced
/// (it can no longer be revised or received).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_is_revised_as_a_new_version() {
    let w = world().await;
    let n = "DEV-2026-00001";
    let old = w.app.order_view(n).unwrap().order;
    let price = old
        .lines
        .iter()
        .find(|l| l.sku == "ENC-ACT-8")
        .unwrap()
        .unit_price;
    let (out, err, s) = w
        .run(
            &w.staff,
            &format!("quote revise {n} --line ENC-ACT-8:2 --line MIC-DYN-58:6"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(
        out.starts_with("DEV-2026-00002\tversion 2 (remplace DEV-2026-00001)"),
        "{out}"
    );
    let new = w.app.order_view("DEV-2026-00002").unwrap().order;
    assert_eq!(new.quote.renews, Some(old.number));
    assert_eq!(new.lines.len(), 2);
    assert_eq!(
        new.lines[0].unit_price, price,
        "a kept line keeps its price"
    );
    assert_eq!(new.lines[0].ordered, 2);
    let old = w.app.order_view(n).unwrap().order;
    assert_eq!(
        old.quote.renewed_by.map(|d| d.to_string()).as_deref(),
        Some("DEV-2026-00002")
    );
    assert!(
        w.app.document("DEV-2026-00002").is_ok(),
        "the new version's PDF"
    );
    let (_, err, s) = w
        .run(&w.staff, &format!("quote revise {n} --line ENC-ACT-8:1"))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("DEV-2026-00002"), "{err}");
    let (_, err, s) = w
        .run(&w.staff, "quote revise DEV-2026-00002 --line NOPE-1:1")
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("n'est pas au catalogue"), "{err}");
}

/// The idle lock: a console untouched for `idle_minutes` is closed with a French goodbye
/// that says why, its terminal restored; a typing console and commands are unaffected;
/// `sessions list` shows each console's idle time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_console_is_closed_and_its_idle_time_shown() {
    let config = comptoir::config::Config::parse(
        "[server]\nidle_minutes = 0.05\n",
        std::path::Path::new("comptoir.toml"),
    )
    .unwrap()
    .server;
    assert_eq!(config.idle_timeout, Some(Duration::from_secs(3)));
    let w = world_with(config).await;
    let mut idle = w.console(&w.staff, 100, 30).await;
    idle.wait_text("Tableau").await;
    let mut busy = w.console(&w.admin, 100, 30).await;
    busy.wait_text("Tableau").await;
    // The admin keeps typing (a key every second) while the other console sits.
    for _ in 0..2 {
        busy.send(b"2").await;
        busy.pump(Duration::from_millis(500)).await;
        busy.send(b"1").await;
        busy.pump(Duration::from_millis(500)).await;
    }
    let (out, _, s) = w.run(&w.admin, "sessions list --json").await;
    assert_eq!(s, 0, "{out}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let consoles: Vec<&serde_json::Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["what"] == "console")
        .collect();
    assert_eq!(consoles.len(), 2, "{out}");
    assert!(consoles.iter().all(|r| r["idle_seconds"].is_u64()), "{out}");
    // Each names its connection's id, as the journal's `session=` and the audit do.
    assert!(
        consoles
            .iter()
            .all(|r| r["connection"].as_str().is_some_and(|c| c.len() == 6)),
        "{out}"
    );
    // The admin keeps typing while the other console's lock falls.
    let started = Instant::now();
    while !idle.closed {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the idle console stayed open"
        );
        busy.send(b"2").await;
        busy.pump(Duration::from_millis(250)).await;
        busy.send(b"1").await;
        idle.pump(Duration::from_millis(250)).await;
    }
    idle.wait_end(10).await;
    let goodbye = String::from_utf8_lossy(&idle.raw).into_owned();
    assert!(
        goodbye.contains("sans frappe") && goodbye.contains("idle_minutes"),
        "{goodbye}"
    );
    assert!(!idle.parser.screen().alternate_screen());
    // The typing console is still there; a command is unaffected by the lock.
    busy.send(b"2").await;
    busy.wait_text("Rechercher").await;
    let (_, _, s) = w.run(&w.staff, "whoami").await;
    assert_eq!(s, 0);
    // 0 means never.
    let never = comptoir::config::Config::parse(
        "[server]\nidle_minutes = 0\n",
        std::path::Path::new("comptoir.toml"),
    )
    .unwrap();
    assert_eq!(never.server.idle_timeout, None);
}

/// `GET /metrics` on the server's metrics port, as a scraper sends it: (status line, body).
async fn scrape(addr: std::net::SocketAddr, request: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// The exposition read by Python's `prometheus_client` OpenMetrics parser (strict: a
/// malformed line fails), flattened to `name{labels} value` lines, sorted.
fn parsed_by_prometheus_client(body: &str) -> Vec<String> {
    use std::io::Write;
    const PYTHON: &str = "/usr/bin/python3";
    let script = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        out.append(f"{s.name}{{{labels}}} {s.value}")
print("\n".join(sorted(out)))
"#;
    let mut child = std::process::Command::new(PYTHON)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 is missing: install the Debian package python3 (see .ci/run)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("No module named"),
        "prometheus_client is missing: install the Debian package python3-prometheus-client (see .ci/run)"
    );
    assert!(
        out.status.success(),
        "the parser refused the exposition: {err}\n{body}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn sample(samples: &[String], name_and_labels: &str) -> f64 {
    let line = samples
        .iter()
        .find(|l| l.starts_with(&format!("{name_and_labels} ")))
        .unwrap_or_else(|| panic!("no sample {name_and_labels} in\n{}", samples.join("\n")));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened() {
    let w = world().await;
    let addr = w.server.as_ref().unwrap().metrics_addr.unwrap();
    assert!(addr.ip().is_loopback());
    // Known actions: 4 accepted logins (commands), 1 refused key, a delivery note and an
    // invoice, a backup received whole, a console open with one search.
    let n = "DEV-2026-00001";
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order receive-original {n} --po-number ENG-42 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(w.run(&w.staff, &format!("order deliver {n}")).await.2, 0);
    assert_eq!(w.run(&w.staff, &format!("order invoice {n}")).await.2, 0);
    let (copy, _, s) = w.exec(&w.admin, "backup", None).await;
    assert!(s == 0 && copy.len() > 1000);
    assert!(w.connect(&new_key()).await.is_err());
    let mut c = w.console(&w.staff, 100, 30).await;
    c.wait_text("Tableau").await;
    c.keys(&[b"2"]).await;
    c.wait_text("Rechercher").await;
    for k in [b"m", b"o", b"u", b"l"] {
        c.send(k).await;
    }
    c.wait_text("Lycée Jean Moulin").await;

    let (status, body) = scrape(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    let m = parsed_by_prometheus_client(&body);
    assert_eq!(
        sample(&m, "comptoir_logins_total{result=\"accepted\"}"),
        5.0
    );
    assert!(sample(&m, "comptoir_logins_total{result=\"refused\"}") >= 1.0);
    assert_eq!(
        sample(
            &m,
            "comptoir_documents_issued_total{kind=\"delivery_note\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(&m, "comptoir_documents_issued_total{kind=\"invoice\"}"),
        1.0
    );
    assert_eq!(
        sample(&m, "comptoir_documents_issued_total{kind=\"quote\"}"),
        1.0,
        "the quote imported before the server started"
    );
    assert_eq!(sample(&m, "comptoir_sessions{role=\"staff\"}"), 1.0);
    assert_eq!(sample(&m, "comptoir_sessions{role=\"admin\"}"), 0.0);
    let age = sample(&m, "comptoir_last_backup_age_seconds{}");
    assert!((0.0..60.0).contains(&age), "backup age {age}");
    assert!(sample(&m, "comptoir_commits_total{}") >= 3.0);
    assert!(sample(&m, "comptoir_commit_seconds_count{}") >= 3.0);
    assert!(sample(&m, "comptoir_search_seconds_count{}") >= 1.0);
    assert!(sample(&m, "comptoir_store_bytes{}") > 0.0);
    assert_eq!(
        sample(&m, "comptoir_chorus_documents{state=\"refused\"}"),
        0.0
    );
    assert_eq!(sample(&m, "comptoir_mails_total{result=\"failed\"}"), 0.0);

    // Anything but GET /metrics is refused; a request that never ends is dropped.
    assert_eq!(
        scrape(addr, "GET / HTTP/1.1\r\n\r\n").await.0,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        scrape(addr, "POST /metrics HTTP/1.1\r\n\r\n").await.0,
        "HTTP/1.1 405 Method Not Allowed"
    );
}

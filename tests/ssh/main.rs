//! The SSH server with an in-process russh client: authentication, the console read back
//! through vt100, commands, live updates between sessions, downloads, and access
//! administration with real keys.

#[path = "../../src/bench/loopback.rs"]
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

const SAMPLE: &str = include_str!("../fixtures/quote.json");

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

mod access;
mod commands;
mod console;
mod metrics;
mod money;

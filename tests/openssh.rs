//! The real OpenSSH client, in tmux, against `comptoir serve` started as a service would
//! be: no controlling terminal (setsid), no TERM. `.ci/run` installs openssh-client and
//! tmux; a missing tool fails this test with the package to install.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn need(tool: &str, package: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "{tool} is missing: install the Debian package {package} (see .ci/run)"
    );
}

struct Served {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    socket: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A new Ed25519 key pair at `path` (and `path`.pub), without a passphrase.
fn keygen(path: &Path, comment: &str) {
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(made.status.success());
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join("id_ed25519")
}

impl Served {
    fn ssh_args(&self) -> Vec<String> {
        vec![
            "-p".into(),
            self.port.to_string(),
            "-i".into(),
            key_path(self.dir.path()).display().to_string(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "-o".into(),
            "BatchMode=yes".into(),
        ]
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "console"])
    }

    fn wait_screen(&self, what: &str) -> String {
        self.wait_until(what, |s| s.contains(what))
    }

    fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "console", k]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }
}

fn serve() -> Served {
    need("ssh", "openssh-client");
    need("ssh-keygen", "openssh-client");
    need("tmux", "tmux");
    need("setsid", "util-linux");
    let dir = tempfile::tempdir().unwrap();
    let key = key_path(dir.path());
    keygen(&key, "tester@poste");
    let bin = env!("CARGO_BIN_EXE_comptoir");
    let keys_dir = dir.path().join("keys");
    // The first admin is given at start, as a service account without ~/.ssh would.
    let first_admin = dir.path().join("tester.pub");
    std::fs::copy(key.with_extension("pub"), &first_admin).unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    // Settings from the environment, as the systemd unit gives them.
    let child = Command::new("setsid")
        .arg(bin)
        .arg("serve")
        .arg("--themes")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("themes"))
        .env("COMPTOIR_LISTEN", format!("127.0.0.1:{port}"))
        .env("COMPTOIR_DATA", dir.path().join("data"))
        .env("COMPTOIR_KEYS", &keys_dir)
        // A real shop's identity: outside a demo store documents need one.
        .env(
            "COMPTOIR_CONFIG",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop.toml"),
        )
        .env("COMPTOIR_INITIAL_ADMIN_KEYS", &first_admin)
        .env_remove("TERM")
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "server did not start: {}",
            std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let socket = format!("comptoir-test-{port}");
    Served {
        child,
        port,
        dir,
        socket,
    }
}

#[test]
fn openssh_client_in_tmux_against_a_service() {
    let s = serve();
    // A command, with a quote on standard input, like the web shop would send it.
    let fixture = std::fs::File::open(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quote.json"),
    )
    .unwrap();
    let out = Command::new("ssh")
        .args(s.ssh_args())
        .arg("127.0.0.1")
        .args(["quote", "import"])
        .stdin(fixture)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let number = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(number.starts_with("DEV-"), "{number}");
    let out = Command::new("ssh")
        .args(s.ssh_args())
        .arg("127.0.0.1")
        .arg("whoami")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tester\tadmin\tSHA256:"));
    // ssh -T: no terminal, a clear message, status 1.
    let out = Command::new("ssh")
        .args(s.ssh_args())
        .arg("-T")
        .arg("127.0.0.1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use ssh -t"));
    // An unknown key: OpenSSH reports "Permission denied (publickey)".
    let other = s.dir.path().join("other");
    Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .output()
        .unwrap();
    let mut args = s.ssh_args();
    args[3] = other.display().to_string();
    let out = Command::new("ssh")
        .args(&args)
        .arg("127.0.0.1")
        .arg("whoami")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied (publickey"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Interactively (no BatchMode, default log level), OpenSSH prints why and what to do
    // before the refusal, with the key's fingerprint.
    let interactive: Vec<String> = args[..4]
        .iter()
        .cloned()
        .chain(
            [
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
            ]
            .map(String::from),
        )
        .collect();
    let fp = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(other.with_extension("pub"))
        .output()
        .unwrap();
    let fp = String::from_utf8_lossy(&fp.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    let out = Command::new("ssh")
        .args(&interactive)
        .arg("127.0.0.1")
        .arg("whoami")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{err}");
    assert!(
        err.contains("cette cle n'est pas inscrite")
            && err.contains(&fp)
            && fp.starts_with("SHA256:"),
        "{err}"
    );

    // The console in a real terminal.
    // The shell around ssh prints its exit status once the console is left.
    let cmd = format!(
        "ssh {} -t 127.0.0.1; echo \"ssh exited with $?\"; sleep 60",
        s.ssh_args().join(" ")
    );
    s.tmux(&[
        "new-session",
        "-d",
        "-s",
        "console",
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    let board = s.wait_screen(&number);
    assert!(
        board.contains("Tableau") && board.contains("Devis") && board.contains("tester (admin)"),
        "{board}"
    );
    // Customers: search as you type, accents and case folded.
    s.keys(&["2"]);
    s.wait_screen("Rechercher");
    for c in ["l", "y", "c", "Space", "m", "o", "u", "l", "i", "n"] {
        s.keys(&[c]);
    }
    let found = s.wait_screen("Lycée Jean Moulin");
    assert!(found.contains("196901235"), "{found}");
    s.keys(&["Enter"]);
    let page = s.wait_screen("Mandat administratif");
    assert!(
        page.contains("code service") && page.contains(&number),
        "{page}"
    );
    // Resize the window: the console follows.
    s.tmux(&["resize-window", "-t", "console", "-x", "140", "-y", "40"]);
    s.wait_until("a 140-column frame", |screen| {
        screen.contains("Coordonnées") && screen.lines().any(|l| l.trim_end().chars().count() > 110)
    });
    // Back to the search (Esc), then quit with Ctrl-C: the terminal is restored, ssh exits 0.
    s.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    s.wait_screen("Rechercher");
    s.keys(&["C-c"]);
    s.wait_screen("ssh exited with");
    let after = s.screen();
    assert!(after.contains("ssh exited with 0"), "{after}");
    assert!(
        !after.contains("Tableau"),
        "the alternate screen was left:\n{after}"
    );
    // SIGTERM to the service: open sessions are told and their terminals restored.
    let cmd = format!(
        "ssh {} -t 127.0.0.1; echo \"second ssh exited with $?\"; sleep 60",
        s.ssh_args().join(" ")
    );
    s.tmux(&["new-window", "-t", "console", &cmd]);
    s.wait_screen("Tableau");
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", s.child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    let end = s.wait_screen("second ssh exited with");
    assert!(
        end.contains("Le serveur s'arrête"),
        "{end}\nserver log:\n{}",
        std::fs::read_to_string(s.dir.path().join("server.log")).unwrap_or_default()
    );
    assert!(!end.contains("Tableau"), "terminal restored:\n{end}");
}

/// The README's `ssh …` examples, run exactly as written through a real shell and the
/// OpenSSH client (quotes, apostrophes, redirections and all): none is a usage error —
/// each reaches its command, which may still refuse for want of the data the example
/// names (exit 1, in French). Examples written with placeholders (`SIRET`, `[--from D]`,
/// `a|b`, `…` inside) are notation and are skipped; the rest must be at least 15.
#[test]
fn the_readme_examples_run_as_written() {
    let s = serve();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let work = s.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quote.json"),
        work.join("quote.json"),
    )
    .unwrap();
    std::fs::write(
        work.join("products.csv"),
        "sku;designation;prix_ht;tva;stock\nMIX-08;Table de mixage 8 voies;329,00;20;5\nLIV-01;Câble XLR 10 m;19,90;20;50\n",
    )
    .unwrap();
    std::fs::write(work.join("scan.pdf"), b"%PDF-1.4\n%%EOF\n").unwrap();
    keygen(&work.join("compta"), "compta@cabinet");
    std::fs::write(
        work.join("releve.xml"),
        include_str!("fixtures/bank/camt053-v02.xml").replace("PENALTY", "1.00"),
    )
    .unwrap();
    let ssh = format!("ssh {}", s.ssh_args().join(" "));
    let mut examples = Vec::new();
    for span in readme.split('`').skip(1).step_by(2) {
        let span = span.split_whitespace().collect::<Vec<_>>().join(" ");
        let command = if let Some(rest) = span.strip_prefix("ssh -p 2222 HOST ") {
            rest.to_string()
        } else if let Some(rest) = span.strip_prefix("ssh … ") {
            rest.to_string()
        } else if let Some(rest) = span.strip_prefix("… ") {
            rest.to_string()
        } else {
            continue;
        };
        let placeholder = command.contains('[')
            || command.contains('|')
            || command.contains('…')
            || command
                .split_whitespace()
                .any(|w| ["SIRET", "N", "D", "FILE", "HOST", "NUMBER"].contains(&w));
        if !placeholder {
            examples.push(command);
        }
    }
    assert!(
        examples.len() >= 15,
        "only {} examples found: {examples:#?}",
        examples.len()
    );
    let mut ran = Vec::new();
    for command in &examples {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("{ssh} 127.0.0.1 {command}"))
            .current_dir(&work)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "`{command}` exited {code:?}: {err}"
        );
        for clap_words in [
            "unexpected argument",
            "argument inattendu",
            "argument inconnu",
            "requis",
            "required",
        ] {
            assert!(!err.contains(clap_words), "`{command}`: {err}");
        }
        ran.push(format!("{code:?} {command}"));
    }
    eprintln!("{} README examples run:\n{}", ran.len(), ran.join("\n"));
    // What that session left in the audit: every record, and the lines a person reads.
    let audit = |args: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("{ssh} 127.0.0.1 audit --limit 10000 {args}"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let records: Vec<serde_json::Value> = serde_json::from_str(&audit("--json")).unwrap();
    let lines = audit("").lines().count();
    assert!(lines < records.len(), "consecutive logins read as one line");
    eprintln!(
        "audit after the README session: {} records ({} logins, {} refusals), {lines} lines to read",
        records.len(),
        records.iter().filter(|r| r["action"] == "login").count(),
        records.iter().filter(|r| r["action"] == "refused").count()
    );
}

/// `ssh ARGS 127.0.0.1 COMMAND` with optional standard input: (stdout, stderr, exit code).
fn ssh_run(args: &[String], command: &str, stdin: Option<&Path>) -> (Vec<u8>, String, i32) {
    let mut cmd = Command::new("ssh");
    cmd.args(args).arg("127.0.0.1").arg(command);
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd.output().unwrap();
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// A served store with one quote imported by the admin: the server, the admin's `ssh`
/// arguments, the quote's file and its number.
fn served_with_a_quote() -> (Served, Vec<String>, PathBuf, String) {
    let s = serve();
    let admin = s.ssh_args();
    let quote_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quote.json");
    let (out, err, code) = ssh_run(&admin, "quote import", Some(&quote_file));
    assert_eq!(code, 0, "{err}");
    let number = String::from_utf8_lossy(&out).trim().to_string();
    (s, admin, quote_file, number)
}

/// The accountant's seat through the real OpenSSH client: a key enrolled with
/// `--role comptable` reads and exports everything, reconciles the bank, and every
/// change is refused — by command and in the console — with the same French reason.
#[test]
fn a_comptable_reads_and_exports_and_changes_nothing() {
    let (s, admin, quote_file, number) = served_with_a_quote();
    // The accountant's key, enrolled by the admin.
    let compta = s.dir.path().join("compta");
    keygen(&compta, "compta@cabinet");
    let (out, err, code) = ssh_run(
        &admin,
        "keys add compta --role comptable",
        Some(&compta.with_extension("pub")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(String::from_utf8_lossy(&out).starts_with("compta\tcomptable\t"));
    assert!(s.dir.path().join("keys/comptable/compta.pub").exists());
    let mut args = admin.clone();
    args[3] = compta.display().to_string();

    // Reads and exports work.
    let (out, err, code) = ssh_run(&args, "whoami", None);
    assert_eq!(code, 0, "{err}");
    assert!(String::from_utf8_lossy(&out).starts_with("compta\tcomptable\t"));
    let year = &number[4..8];
    for read in [
        "orders --json".to_string(),
        format!("order show {number}"),
        "customers search lycee".to_string(),
        "doc list".to_string(),
        format!("export fec --year {year}"),
        format!("export invoices --from {year}-01-01 --to {year}-12-31"),
        "export aged".to_string(),
        "check".to_string(),
        "audit --limit 5".to_string(),
        "bank list".to_string(),
        "catalogue list".to_string(),
    ] {
        let (_, err, code) = ssh_run(&args, &read, None);
        assert_eq!(code, 0, "`{read}` as comptable: {err}");
    }
    let (pdf, _, code) = ssh_run(&args, &format!("doc get {number}"), None);
    assert!(code == 0 && pdf.starts_with(b"%PDF"));
    let (help, _, _) = ssh_run(&args, "help", None);
    let help = String::from_utf8_lossy(&help);
    assert!(
        help.contains("export fec")
            && help.contains("bank import")
            && !help.contains("order deliver"),
        "{help}"
    );
    // Every kind of change is refused, exit 1, with the table's reason.
    let team = "réservé à l'équipe et aux administrateurs (vous êtes comptable)";
    let admins = "réservé aux administrateurs (vous êtes comptable)";
    for (write, reason) in [
        (format!("order preorder {number}"), team),
        (format!("order deliver {number}"), team),
        (format!("order invoice {number}"), team),
        (format!("order renew {number}"), team),
        ("stock add MIC-DYN-58 5".to_string(), team),
        ("customer create --siret 21690123100011 --legal-name X --categorie 7210 --contact-name A --phone 0102030405 --email a@b.fr".to_string(), team),
        (format!("order waive-interest {number} --reason x"), admins),
        ("keys list".to_string(), admins),
        ("backup".to_string(), admins),
    ] {
        let (out, err, code) = ssh_run(&args, &write, None);
        assert_eq!(code, 1, "`{write}` as comptable: {err}");
        assert!(out.is_empty());
        assert!(err.contains(reason), "`{write}`: {err}");
    }
    let (_, err, code) = ssh_run(&args, "quote import", Some(&quote_file));
    assert_eq!(code, 1);
    assert!(err.contains(team), "{err}");
    let (_, err, code) = ssh_run(&args, "pubkey add", Some(&compta.with_extension("pub")));
    assert_eq!(code, 1);
    assert!(err.contains(team), "{err}");
    // Nothing changed: the quote is still a quote, the refusals are audited.
    let (out, _, _) = ssh_run(&admin, &format!("order show {number} --json"), None);
    let order: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(order["stage"], "quote", "{order}");
    let (out, _, _) = ssh_run(&admin, "audit --kind refus --person compta --json", None);
    let refused: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert!(refused.len() >= 10, "{refused:?}");

    // The console says « lecture seule », and a key that would change something says the
    // same reason before any form opens.
    let cmd = format!(
        "ssh {} -t 127.0.0.1; echo \"ssh exited with $?\"; sleep 60",
        args.join(" ")
    );
    s.tmux(&[
        "new-session",
        "-d",
        "-s",
        "console",
        "-x",
        "180",
        "-y",
        "30",
        &cmd,
    ]);
    let board = s.wait_screen(&number);
    assert!(
        board.contains("lecture seule") && board.contains("compta (comptable)"),
        "{board}"
    );
    assert!(!board.contains("4 Accès"), "{board}");
    s.keys(&["p"]);
    let screen = s.wait_screen("réservé à l'équipe");
    assert!(screen.contains(team), "{screen}");
    assert!(!screen.contains("Enregistrer la pré-commande"), "{screen}");
    s.keys(&["q"]);
}

/// Each SSH connection has a short id: every journal line it causes carries it
/// (`session=…`), and so do its person's audit records, which `audit --session` selects.
#[test]
fn one_connection_is_followed_in_the_journal_and_the_audit() {
    let (s, admin, _, number) = served_with_a_quote();
    let (out, _, code) = ssh_run(&admin, "audit --json --limit 50", None);
    assert_eq!(code, 0);
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    let issued = records
        .iter()
        .find(|r| r["action"] == "quote-issued" && r["order"] == number.as_str())
        .unwrap_or_else(|| panic!("{records:#?}"));
    let id = issued["session"].as_str().unwrap().to_string();
    assert!(
        id.len() == 6 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    // The same connection's login carries it; the audit's own connection has another.
    let mine: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["session"] == id.as_str())
        .collect();
    assert!(mine.iter().any(|r| r["action"] == "login"), "{mine:#?}");
    let (out, _, _) = ssh_run(&admin, &format!("audit --json --session {id}"), None);
    let selected: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(selected.len(), mine.len(), "{selected:#?}");
    assert!(selected.iter().all(|r| r["session"] == id.as_str()));
    // The journal: the connection, its login, the command and its end, all with the id.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(s.dir.path().join("server.log")).unwrap();
        let tagged: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(&format!("session={id}")))
            .collect();
        let has = |w: &str| tagged.iter().any(|l| l.contains(w));
        if has("connection") && has(" login") && has("quote import") && has("connection closed") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "journal lines of session {id}:\n{}\n\nwhole log:\n{log}",
            tagged.join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

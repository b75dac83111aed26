//! The `comptoir` command line: argument parsing and wiring, nothing else.

use crate::app::import::parse_quote_request;
use crate::app::seed::{self, DocumentMode, SeedOptions};
use crate::app::{Actor, App, SystemClock};
use crate::config::Config;
use crate::documents::PdfRenderer;
use crate::domain::{Date, FileFormat};
use crate::store::{Store, check};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "comptoir",
    version,
    about = "Back office for orders of French public bodies (mandat administratif), served over SSH"
)]
pub struct Cli {
    /// The data folder (the store comptoir.redb)
    #[arg(long, global = true, env = "COMPTOIR_DATA", default_value = "./data")]
    data: PathBuf,
    /// Folder of public keys: keys/admin/NAME.pub, keys/staff/NAME.pub, and the host key
    #[arg(long, global = true, env = "COMPTOIR_KEYS", default_value = "./keys")]
    keys: PathBuf,
    /// The configuration file (comptoir.toml)
    #[arg(long, global = true, env = "COMPTOIR_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill an empty store with realistic synthetic data
    Seed {
        /// Number of customer accounts (public bodies, a few pending reviews and private companies)
        #[arg(long, default_value_t = 300)]
        customers: u64,
        /// Number of orders, spread over the 18 months before --today
        #[arg(long, default_value_t = 1000)]
        orders: u64,
        /// Seed of the generator: the same value (and --today) gives the same data
        #[arg(long, default_value_t = 42)]
        seed_value: u64,
        /// The day the data is "as of" (YYYY-MM-DD), today by default
        #[arg(long)]
        today: Option<String>,
        /// Render PDFs and XML for every document (full), or store records only (records);
        /// auto renders up to 20 000 orders
        #[arg(long, value_enum, default_value_t = Documents::Auto)]
        documents: Documents,
    },
    /// Import data produced by the web shop
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Bank statements on a stopped store (while it serves: `ssh HOST bank import < FILE`)
    Bank {
        #[command(subcommand)]
        what: BankWhat,
    },
    /// Verify every invariant of the store; exit 0 only when clean
    Check,
    /// A consistent copy of the store (stopped server; while it serves, use
    /// `ssh HOST backup > FILE`)
    Backup {
        /// The copy to write (must not exist)
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Accounting exports: the FEC of a year, the invoices of a period (CSV)
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Rewrite the store into a compact file (server stopped): a copy with full pages and
    /// no free space, checked, then swapped in; the previous file is kept aside as
    /// comptoir.redb.before-compact-<date>
    Compact,
    /// Put a backup in place (server stopped): the file is checked first (an empty or
    /// foreign file, or one that does not check clean, is refused), the current store kept
    /// aside as comptoir.redb.before-restore-<date>; a store holding documents is replaced
    /// only with --force
    Restore {
        file: PathBuf,
        /// Replace a store that holds documents (after reading what both hold)
        #[arg(long)]
        force: bool,
    },
    /// Documents stored in the data folder
    Doc {
        #[command(subcommand)]
        what: DocWhat,
    },
    /// Serve the console over SSH
    Serve {
        /// Address to listen on (default: the config's, else 127.0.0.1:2222)
        #[arg(long, env = "COMPTOIR_LISTEN")]
        listen: Option<String>,
        /// Public key files of the first admin(s), for a service account without ~/.ssh:
        /// enrolled when no admin exists yet
        #[arg(long, env = "COMPTOIR_INITIAL_ADMIN_KEYS", value_delimiter = ',')]
        initial_admin_key: Vec<PathBuf>,
        /// Folder of themes (*.toml); the bundled themes when absent
        #[arg(long, default_value = "./themes")]
        themes: PathBuf,
        /// Seed a realistic demo data set when the store is empty
        #[arg(long)]
        demo: bool,
        /// Log lines as text (colours only on a terminal) or one JSON object per line
        /// (journald, log shippers)
        #[arg(long, value_enum, env = "COMPTOIR_LOG_FORMAT", default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// The configuration: `config check` prints the shop's identity as documents will
    /// show it, and every problem
    Config {
        #[command(subcommand)]
        what: ConfigWhat,
    },
    /// Manage who may connect (the files in keys/)
    Keys {
        #[command(subcommand)]
        what: KeysWhat,
    },
    /// Measurements for BENCHMARKS.md (run on a copy of the data: some write)
    #[cfg(feature = "bench")]
    Bench {
        #[command(subcommand)]
        what: crate::bench::BenchWhat,
    },
    /// Measurements for BENCHMARKS.md: only in a build with `--features bench`
    #[cfg(not(feature = "bench"))]
    #[command(hide = true)]
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum KeysWhat {
    /// Enroll a public key (a file, or `-` for standard input) for NAME
    Add {
        name: String,
        pubkey_file: String,
        /// staff (default), admin, or comptable (read-only: the accountant)
        #[arg(long, value_enum, conflicts_with = "admin")]
        role: Option<crate::app::Role>,
        /// Same as --role admin
        #[arg(long)]
        admin: bool,
    },
    /// Everyone who may connect: name, role, fingerprint, comment
    List,
    /// Remove a person (or one key with --fingerprint); never the last admin
    Revoke {
        name: String,
        #[arg(long)]
        fingerprint: Option<String>,
    },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// The Fichier des Écritures Comptables of a calendar year (SIRENFECAAAA1231.txt)
    Fec {
        #[arg(long)]
        year: i32,
        /// Output file (default: the FEC's own name in the current folder; `-` for stdout)
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Invoices and credit notes dated from --from to --to, as CSV (`;`, decimal comma)
    Invoices {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigWhat {
    /// Print the seller identity as it will appear on documents, the payment settings, and
    /// every problem; exit 1 when documents would be refused
    Check,
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Import a quote (JSON, see README); `-` reads standard input
    Quote { file: String },
}

#[derive(Subcommand)]
enum BankWhat {
    /// Import a statement (camt.053 or CFONB 120); `-` reads standard input
    Import {
        file: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DocWhat {
    /// Write a document's PDF (or its Factur-X XML) exactly as issued
    Export {
        number: String,
        /// Output file (default: NUMBER.pdf / NUMBER.xml; `-` for standard output)
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The Factur-X XML instead of the PDF
        #[arg(long)]
        xml: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Documents {
    Auto,
    Full,
    Records,
}

/// `1 client`, `0 client`, `20 clients` (French: the plural from 2 on).
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n < 2 { one } else { many })
}

/// An error for the terminal: whatever it quotes from a file is shown escaped.
fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!(
        "erreur : {}",
        crate::domain::text::printable(&msg.to_string())
    );
    ExitCode::FAILURE
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let (data, keys, config) = (cli.data, cli.keys, cli.config);
    let config = config.as_deref();
    if !matches!(cli.command, Command::Serve { .. }) {
        // `comptoir config check | head`: a closed pipe ends a local command quietly, as
        // any Unix tool, instead of a panic. (The server keeps Rust's default: a client
        // that goes away must never kill it.)
        // SAFETY: setting a signal's disposition before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    if matches!(cli.command, Command::Serve { .. } | Command::Keys { .. })
        && keys.exists()
        && !keys.is_dir()
    {
        return fail(format!(
            "{} (--keys ou la variable COMPTOIR_KEYS) est un fichier : il faut le dossier des \
             clés (keys/admin/NOM.pub, keys/staff/NOM.pub)",
            keys.display()
        ));
    }
    match cli.command {
        Command::Seed {
            customers,
            orders,
            seed_value,
            today,
            documents,
        } => seed_command(
            customers, orders, seed_value, today, documents, &data, config,
        ),
        Command::Import {
            what: ImportWhat::Quote { file },
        } => import_command(&file, &data, config),
        Command::Bank {
            what: BankWhat::Import { file, json },
        } => bank_import_command(&file, json, &data, config),
        Command::Check => check_command(&data, config),
        Command::Backup { output } => backup_command(&data, &output, config),
        Command::Restore { file, force } => restore_command(&file, &data, force),
        Command::Compact => compact_command(&data),
        Command::Export { what } => export_accounts_command(what, &data, config),
        Command::Doc {
            what:
                DocWhat::Export {
                    number,
                    output,
                    xml,
                },
        } => export_command(&number, output, xml, &data),
        Command::Serve {
            listen,
            initial_admin_key,
            themes,
            demo,
            log_format,
        } => serve_command(ServeArgs {
            log_format,
            listen,
            data: &data,
            keys: &keys,
            themes: &themes,
            demo,
            config,
            initial_admin_keys: &initial_admin_key,
        }),
        Command::Keys { what } => keys_command(what, &keys, &data),
        Command::Config {
            what: ConfigWhat::Check,
        } => config_check_command(config),
        #[cfg(feature = "bench")]
        Command::Bench { what } => match crate::bench::run(what, &data) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        },
        #[cfg(not(feature = "bench"))]
        Command::Bench { .. } => fail(
            "les mesures ne font pas partie du serveur : lancez-les avec `cargo run --release --features bench -- bench …`",
        ),
    }
}

/// The identity as documents print it, then what is missing.
fn identity_lines(s: &crate::domain::seller::Seller) -> Vec<String> {
    vec![
        format!(
            "  {} — {} au capital de {}",
            s.name, s.legal_form, s.capital
        ),
        format!("  {}", s.address.one_line()),
        format!("  SIRET {} — {}", s.siret, s.rcs),
        format!("  TVA intracommunautaire {}", s.vat_number),
        format!("  Tél. {} — {}", s.phone, s.email),
        format!(
            "  RIB : {} — {} — IBAN {} — BIC {}",
            s.bank_holder,
            s.bank_name,
            crate::domain::ids::iban_spaced(&s.iban),
            s.bic
        ),
    ]
}

fn config_check_command(config: Option<&Path>) -> ExitCode {
    let config = match Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let s = &config.settings.seller;
    println!("Identité du vendeur, telle que les documents l'imprimeront :");
    for l in identity_lines(s) {
        println!("{l}");
    }
    let today = SystemClock.now_date();
    let rates = &config.settings.ecb_rates;
    println!(
        "Intérêts moratoires pour un retard commençant aujourd'hui : taux BCE {} + 8 points = {}",
        crate::domain::interest::rate_fr(
            rates.in_force_on(crate::domain::interest::half_year_start(today))
        ),
        crate::domain::interest::rate_fr(rates.penalty_rate_bp(today))
    );
    // Chorus Pro: the settings (secrets as « défini ») and a real connection test.
    let mut chorus_ok = true;
    if let Some(c) = &config.chorus {
        println!("Chorus Pro :");
        for l in c.describe() {
            println!("  {l}");
        }
        use crate::app::chorus::ChorusApi;
        match crate::chorus::PisteClient::new(c.clone()).health() {
            Ok(()) => println!("  connexion : OK (jeton obtenu, health-check répond)"),
            Err(e) => {
                chorus_ok = false;
                println!("  connexion : ÉCHEC — {e}");
            }
        }
    }
    // The mail relay: the settings (password as « défini ») and a real connection test.
    if let Some(m) = &config.smtp {
        println!("E-mail (SMTP) :");
        for l in m.describe() {
            println!("  {l}");
        }
        match crate::mail::SmtpMailer::new(m).and_then(|mailer| mailer.test_connection()) {
            Ok(()) => println!("  connexion : OK (le relais répond)"),
            Err(e) => {
                chorus_ok = false;
                println!("  connexion : ÉCHEC — {e}");
            }
        }
    }
    if let Some(m) = &config.metrics {
        println!(
            "Métriques : http://{}/metrics (lu au démarrage ; un SIGHUP ne le change pas)",
            m.listen
        );
    }
    let problems = s.problems();
    if problems.is_empty() {
        println!("OK : les documents peuvent être émis avec cette identité.");
        return if chorus_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    println!(
        "{} problème(s) : hors d'un magasin de démonstration (serve --demo), aucun document n'est émis avant leur correction :",
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    ExitCode::FAILURE
}

/// The mail relay of a configuration (`None`: `[smtp]` not set, or unusable — said).
fn mailer(config: &Config) -> Option<Arc<dyn crate::app::mail::Mailer>> {
    let m = config.smtp.as_ref()?;
    match crate::mail::SmtpMailer::new(m) {
        Ok(mailer) => Some(Arc::new(mailer) as Arc<dyn crate::app::mail::Mailer>),
        Err(e) => {
            tracing::error!("[smtp] inutilisable, aucun e-mail ne partira : {e}");
            None
        }
    }
}

/// The Chorus Pro client of a configuration (`None`: `[chorus]` not set).
fn chorus_client(config: &Config) -> Option<Arc<dyn crate::app::chorus::ChorusApi>> {
    config.chorus.clone().map(|c| {
        Arc::new(crate::chorus::PisteClient::new(c)) as Arc<dyn crate::app::chorus::ChorusApi>
    })
}

fn seed_command(
    customers: u64,
    orders: u64,
    seed_value: u64,
    today: Option<String>,
    documents: Documents,
    data: &Path,
    config: Option<&Path>,
) -> ExitCode {
    let config = match Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let today = match today {
        Some(t) => match Date::parse_iso(&t) {
            Some(d) => d,
            None => return fail(format!("--today : « {t} » n'est pas une date (AAAA-MM-JJ)")),
        },
        None => SystemClock.now_date(),
    };
    let mode = match documents {
        Documents::Full => DocumentMode::Full,
        Documents::Records => DocumentMode::Records,
        Documents::Auto if orders <= 20_000 => DocumentMode::Full,
        Documents::Auto => DocumentMode::Records,
    };
    let store = match Store::open(data) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    let opts = SeedOptions {
        customers,
        orders,
        seed: seed_value,
        today,
        documents: mode,
    };
    let result = seed::seed(&store, &PdfRenderer, &config.settings.seller, &opts, |p| {
        eprint!("\r  {p}…    ")
    });
    eprintln!();
    match result {
        Ok(r) => {
            println!(
                "{} clients, {} commandes, {} documents ({}), {} événements d'audit créés en {:.1} s ; {} pèse {:.1} Mo",
                r.customers,
                r.orders,
                r.documents,
                if mode == DocumentMode::Full {
                    "avec PDF/XML"
                } else {
                    "enregistrements seuls"
                },
                r.audit_records,
                started.elapsed().as_secs_f64(),
                store.path().display(),
                store.file_size() as f64 / 1e6
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `comptoir bank import FILE`: a statement into a stopped store, as `ssh … bank import`
/// does into a served one.
fn bank_import_command(
    file: &str,
    json: bool,
    data: &Path,
    config_path: Option<&Path>,
) -> ExitCode {
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin()
            .take(crate::app::bank::MAX_STATEMENT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|f| {
            f.take(crate::app::bank::MAX_STATEMENT_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map(|_| ())
        })
    };
    if let Err(e) = read {
        return fail(format!("{file} : {e}"));
    }
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let app = match open_store(data, config_path, "bank import < FILE", false)
        .and_then(|store| App::wired(store, config.settings.clone()))
    {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    match app.import_statement(&Actor::cli(), &bytes, &crate::bank::formats()) {
        Ok(r) => {
            let row = |list: &[crate::domain::bank::BankRecord]| -> Vec<serde_json::Value> {
                list.iter()
                    .map(|b| {
                        serde_json::json!({
                            "id": b.id,
                            "reference": b.reference,
                            "amount": b.amount.decimal(),
                            "value": b.value.to_string(),
                            "payer": b.payer,
                            "decision": b.describe(),
                        })
                    })
                    .collect()
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "format": r.format,
                        "statement": r.statement,
                        "applied": row(&r.applied),
                        "proposed": row(&r.proposed),
                        "unmatched": row(&r.unmatched),
                        "already_imported": r.already,
                        "debits": r.debits,
                    })
                );
            } else {
                println!(
                    "relevé {} ({}) : {} appliqué(s), {} proposé(s), {} non rapproché(s), {} déjà importé(s)",
                    r.statement,
                    r.format,
                    r.applied.len(),
                    r.proposed.len(),
                    r.unmatched.len(),
                    r.already
                );
                for b in r.applied.iter().chain(&r.proposed).chain(&r.unmatched) {
                    println!("{}\t{}\t{}", b.id, b.amount.fr(), b.describe());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn import_command(file: &str, data: &Path, config_path: Option<&Path>) -> ExitCode {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    if let Err(e) = read {
        return fail(format!("{file}: {e}"));
    }
    let req = match parse_quote_request(&text) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let ssh_args = if file == "-" {
        "quote import < FILE.json".to_string()
    } else {
        format!("quote import < {file}")
    };
    let app = match open_store(data, config_path, &ssh_args, false)
        .and_then(|store| App::wired(store, config.settings.clone()))
    {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    match app.import_quote(&Actor::import(), &req) {
        Ok(out) => {
            println!("{}", out.number);
            if out.pending_review {
                eprintln!(
                    "à noter : {} demande un examen manuel de son éligibilité avant que son original puisse être accepté",
                    req.legal_name
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Where a running server writes the address it listens on, beside its store: local
/// commands name the right port in their `ssh` hints, however the server was started
/// (`--listen`, `COMPTOIR_LISTEN`, the configuration).
const SERVING_FILE: &str = ".serving";

/// `ssh -p PORT HOST ARGS` for the server holding the store of `data` (the address it
/// wrote at start), else the one this config describes.
fn ssh_form(data: &Path, config: Option<&Path>, args: &str) -> String {
    let serving = std::fs::read_to_string(data.join(SERVING_FILE))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| s.parse::<std::net::SocketAddr>().is_ok());
    let listen = serving
        .or_else(|| Config::load(config).ok().and_then(|c| c.server.listen))
        .unwrap_or_else(|| "127.0.0.1:2222".into());
    let (host, port) = match listen.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']).to_string(), p.to_string()),
        None => (listen.clone(), "2222".into()),
    };
    let host = if host == "0.0.0.0" || host == "::" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    format!("ssh -p {port} {host} {args}")
}

/// Opens the store of `data` for a local command: an error when there is none (nothing
/// is created), and the exact ssh command when a running server holds it.
fn open_existing(data: &Path, config: Option<&Path>, ssh_args: &str) -> Result<Store, String> {
    open_store(data, config, ssh_args, true)
}

/// Opens (or, unless `must_exist`, creates) the store for a local command; a running
/// server holding it gets the exact ssh command instead.
fn open_store(
    data: &Path,
    config: Option<&Path>,
    ssh_args: &str,
    must_exist: bool,
) -> Result<Store, String> {
    if must_exist && !data.join(crate::store::STORE_FILE).exists() {
        return Err(format!(
            "aucun magasin dans {} (attendu : {}) : vérifiez --data",
            data.display(),
            data.join(crate::store::STORE_FILE).display()
        ));
    }
    Store::open(data).map_err(|e| match e {
        crate::store::StoreError::InUse(_) => format!(
            "le magasin {} est tenu par un serveur comptoir en marche ; passez par le serveur (en administrateur) :\n  {}",
            data.display(),
            ssh_form(data, config, ssh_args)
        ),
        other => other.to_string(),
    })
}

fn backup_command(data: &Path, output: &Path, config: Option<&Path>) -> ExitCode {
    let args = format!("backup > {}", output.display());
    let store = match open_existing(data, config, &args) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    match store.backup_to(output) {
        Ok(r) => {
            println!(
                "{} : {} tables, {} lignes, {} octets en {:.1} s",
                output.display(),
                r.tables,
                r.rows,
                r.bytes,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn write_output(path: &Path, bytes: &[u8]) -> ExitCode {
    let written = if path.as_os_str() == "-" {
        std::io::stdout().write_all(bytes)
    } else {
        std::fs::write(path, bytes)
    };
    match written {
        Ok(()) => {
            if path.as_os_str() != "-" {
                eprintln!("{} ({} octets)", path.display(), bytes.len());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}: {e}", path.display())),
    }
}

fn export_accounts_command(what: ExportWhat, data: &Path, config_path: Option<&Path>) -> ExitCode {
    let ssh_args = match &what {
        ExportWhat::Fec { year, .. } => format!("export fec --year {year} > FEC.txt"),
        ExportWhat::Invoices { from, to, .. } => {
            format!("export invoices --from {from} --to {to} > factures.csv")
        }
    };
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let app = match open_existing(data, config_path, &ssh_args)
        .and_then(|store| App::wired(store, config.settings.clone()))
    {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    match what {
        ExportWhat::Fec { year, output, .. } => match app.export_fec(year) {
            Ok(fec) => {
                let path = output.unwrap_or_else(|| PathBuf::from(&fec.file_name));
                eprintln!("{} écritures, {} lignes", fec.entries, fec.lines);
                write_output(&path, fec.text.as_bytes())
            }
            Err(e) => fail(e),
        },
        ExportWhat::Invoices {
            from, to, output, ..
        } => {
            let (Some(from), Some(to)) = (Date::parse_fr(&from), Date::parse_fr(&to)) else {
                return fail("--from et --to sont des dates (AAAA-MM-JJ ou JJ/MM/AAAA)");
            };
            match app.export_invoices(from, to) {
                Ok(rows) => {
                    let csv = crate::app::export::invoices_csv(&rows);
                    let path = output
                        .unwrap_or_else(|| PathBuf::from(format!("factures-{}-{}.csv", from, to)));
                    write_output(&path, csv.as_bytes())
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn restore_command(file: &Path, data: &Path, force: bool) -> ExitCode {
    if !file.exists() {
        return fail(format!("{} : fichier introuvable", file.display()));
    }
    let now = crate::app::Clock::now(&SystemClock);
    let stamp = now.iso_utc().replace([':', '-'], "");
    match crate::store::backup::restore(file, data, &stamp, force) {
        Ok(r) if !r.report.is_clean() => {
            for v in &r.report.violations {
                println!("{}", crate::domain::text::printable(&v.to_string()));
            }
            fail(format!(
                "{} n'est pas cohérent ({} anomalie(s)) : rien n'a été restauré",
                file.display(),
                r.report.violations.len()
            ))
        }
        Ok(r) => {
            if let Some(s) = &r.incoming {
                println!(
                    "{} restauré dans {} : {s} ; vérifié, cohérent",
                    file.display(),
                    data.display()
                );
            }
            if let Some(s) = &r.replaced {
                println!("remplace : {s}");
            }
            if let Some(p) = r.previous {
                println!("le magasin précédent est gardé sous {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(crate::store::StoreError::InUse(p)) => fail(format!(
            "{} est tenu par un serveur comptoir en marche : arrêtez-le avant de restaurer",
            p.display()
        )),
        Err(e @ crate::store::StoreError::WouldReplace { .. }) => {
            fail(format!("{e} ; rien n'a été restauré"))
        }
        Err(e) => fail(format!("{} : {e} (rien n'a été restauré)", file.display())),
    }
}

fn compact_command(data: &Path) -> ExitCode {
    if !data.join(crate::store::STORE_FILE).exists() {
        return fail(format!("{} : aucun magasin ici", data.display()));
    }
    let stamp = crate::app::Clock::now(&SystemClock)
        .iso_utc()
        .replace([':', '-'], "");
    let started = Instant::now();
    match crate::store::backup::compact(data, &stamp) {
        Ok(c) if !c.restored.report.is_clean() => {
            for v in &c.restored.report.violations {
                println!("{}", crate::domain::text::printable(&v.to_string()));
            }
            fail(format!(
                "la copie compactée n'est pas cohérente ({} anomalie(s)) : le magasin est inchangé ; lancez `comptoir check`",
                c.restored.report.violations.len()
            ))
        }
        Ok(c) => {
            println!(
                "{} compacté en {:.1} s : {:.1} Mo → {:.1} Mo, vérifié cohérent",
                data.display(),
                started.elapsed().as_secs_f64(),
                c.before as f64 / 1e6,
                c.after as f64 / 1e6,
            );
            if let Some(p) = c.restored.previous {
                println!(
                    "le fichier précédent est gardé sous {} : supprimez-le une fois le serveur reparti sur le nouveau",
                    p.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(crate::store::StoreError::InUse(p)) => fail(format!(
            "{} est tenu par un serveur comptoir en marche : arrêtez-le avant de compacter",
            p.display()
        )),
        Err(e) => fail(format!(
            "impossible de compacter {} : {e} (le magasin est inchangé)",
            data.display()
        )),
    }
}

fn check_command(data: &Path, config: Option<&Path>) -> ExitCode {
    let mut store = match open_existing(data, config, "check") {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    match store.check_integrity() {
        Ok(true) => {}
        Ok(false) => println!("redb a réparé le fichier à l'ouverture"),
        Err(e) => return fail(format!("intégrité du fichier : {e}")),
    }
    let now = crate::app::Clock::now(&SystemClock);
    let report = match store.read(|rx| {
        let mut r = check::check(rx)?;
        r.warnings.extend(check::clock_behind(rx, now)?);
        Ok::<_, crate::store::StoreError>(r)
    }) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    for v in &report.violations {
        println!("{}", crate::domain::text::printable(&v.to_string()));
    }
    for w in &report.warnings {
        println!("attention : {w}");
    }
    println!(
        "vérifié : {}, {}, {} ({}, {}), {} en {:.1} s : {}",
        count(report.customers, "client", "clients"),
        count(report.orders, "commande", "commandes"),
        count(report.documents, "document", "documents"),
        count(report.files, "fichier", "fichiers"),
        count(report.synthetic_documents, "synthétique", "synthétiques"),
        count(
            report.audit_records,
            "événement d'audit",
            "événements d'audit"
        ),
        started.elapsed().as_secs_f64(),
        if report.is_clean() {
            "cohérent".to_string()
        } else {
            format!("{} anomalie(s)", report.violations.len())
        }
    );
    if let Some(free) = crate::store::free_space(data) {
        println!(
            "espace libre sur le disque du magasin : {} Mo",
            free / 1_000_000
        );
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn export_command(number: &str, output: Option<PathBuf>, xml: bool, data: &Path) -> ExitCode {
    let ssh_args = format!(
        "doc {} {number} > {number}.{}",
        if xml { "xml" } else { "get" },
        if xml { "xml" } else { "pdf" }
    );
    let app = match open_existing(data, None, &ssh_args)
        .and_then(|store| App::wired(store, Config::default().settings))
    {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let format = if xml {
        FileFormat::FacturX
    } else {
        FileFormat::Pdf
    };
    // A letter (LET-…): its PDF as written.
    let letter = number
        .trim()
        .to_uppercase()
        .starts_with(crate::app::letters::LETTER_PREFIX);
    let (bytes, default_name) = if letter {
        match app.letter(number) {
            Ok((l, pdf)) => (pdf, l.file_name()),
            Err(e) => return fail(e),
        }
    } else {
        let bytes = match app.document_file(number, format) {
            Ok(b) => b,
            Err(e) => return fail(e),
        };
        let canonical = app
            .document(number)
            .map(|d| d.number.to_string())
            .unwrap_or_else(|_| number.to_string());
        (bytes, format!("{canonical}.{}", format.extension()))
    };
    let path = output.unwrap_or_else(|| PathBuf::from(default_name));
    let written = if path.as_os_str() == "-" {
        std::io::stdout().write_all(&bytes)
    } else {
        std::fs::write(&path, &bytes)
    };
    match written {
        Ok(()) => {
            if path.as_os_str() != "-" {
                eprintln!("{} ({} octets)", path.display(), bytes.len());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}: {e}", path.display())),
    }
}

/// The system user running a local command: `$USER` (or `$LOGNAME`) when set, else the
/// account of the process's user id (cron, systemd and `sudo -u` may set neither), else
/// `uid N` — never a question mark in the audit trail.
fn system_user() -> String {
    if let Some(name) = ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|n| !n.trim().is_empty())
    {
        return name;
    }
    // SAFETY: getuid cannot fail; getpwuid_r writes into the buffers given and `result`
    // points into them (or is null) once it returns.
    unsafe {
        let uid = libc::getuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            let name = std::ffi::CStr::from_ptr(pwd.pw_name)
                .to_string_lossy()
                .into_owned();
            if !name.is_empty() {
                return name;
            }
        }
        format!("uid {uid}")
    }
}

/// A local key change goes into the audit trail: now when the store is free, else by the
/// running server (which re-reads keys/ and finds this command in the journal).
fn audit_local_key_change(keys_dir: &Path, data: &Path) {
    use crate::ssh::keys;
    if !data.join(crate::store::STORE_FILE).exists() {
        eprintln!("(inscrit au journal d'audit au démarrage du serveur)");
        return;
    }
    let store = match Store::open(data) {
        Ok(s) => s,
        Err(crate::store::StoreError::InUse(_)) => {
            eprintln!("(le serveur en marche l'inscrit au journal d'audit)");
            return;
        }
        Err(e) => {
            eprintln!("attention : pas encore inscrit au journal d'audit : {e}");
            return;
        }
    };
    let app = match App::wired(store, Config::default().settings) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("attention : pas encore inscrit au journal d'audit : {e}");
            return;
        }
    };
    let journal = keys::journal_read(keys_dir);
    let list = keys::AccessList::load(keys_dir);
    match app.sync_access(&list.records(), &[], &|e| keys::journal_author(&journal, e)) {
        Ok(_) => keys::journal_clear(keys_dir),
        Err(e) => eprintln!("attention : pas encore inscrit au journal d'audit : {e}"),
    }
}

fn keys_command(what: KeysWhat, dir: &Path, data: &Path) -> ExitCode {
    use crate::ssh::keys;
    match what {
        KeysWhat::Add {
            name,
            pubkey_file,
            role,
            admin,
        } => {
            let mut text = String::new();
            let read = if pubkey_file == "-" {
                std::io::stdin().read_to_string(&mut text).map(|_| ())
            } else {
                std::fs::read_to_string(&pubkey_file).map(|t| text = t)
            };
            if let Err(e) = read {
                return fail(format!("{pubkey_file}: {e}"));
            }
            let role = role.unwrap_or(if admin {
                crate::app::Role::Admin
            } else {
                crate::app::Role::Staff
            });
            match keys::add_key(dir, &name, role, &text) {
                Ok(e) => {
                    println!(
                        "{name} ({role}) peut maintenant se connecter avec {} {} {}",
                        e.bits, e.fingerprint, e.comment
                    );
                    keys::journal_append(
                        dir,
                        &system_user(),
                        &name,
                        std::slice::from_ref(&e.fingerprint),
                    );
                    audit_local_key_change(dir, data);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        KeysWhat::List => {
            let list = keys::AccessList::load(dir);
            for p in &list.people {
                for k in &p.keys {
                    println!(
                        "{}\t{}\t{} {} {} ({})",
                        p.name, p.role, k.bits, k.fingerprint, k.comment, k.kind
                    );
                }
            }
            for pb in &list.problems {
                eprintln!("ignoré : {}", crate::domain::text::printable(pb));
            }
            if list.people.is_empty() {
                eprintln!(
                    "personne ne peut encore se connecter : comptoir keys add NOM ~/.ssh/id_ed25519.pub --admin --keys {}",
                    dir.display()
                );
            }
            ExitCode::SUCCESS
        }
        KeysWhat::Revoke { name, fingerprint } => {
            let r = match &fingerprint {
                Some(fp) => keys::revoke_key(dir, &name, fp).map(|e| {
                    (
                        format!("clé {} de {name} révoquée", e.fingerprint),
                        vec![e.fingerprint],
                    )
                }),
                None => keys::revoke_person(dir, &name).map(|p| {
                    (
                        format!("{} révoqué ({} clé(s))", p.name, p.keys.len()),
                        p.keys.iter().map(|k| k.fingerprint.clone()).collect(),
                    )
                }),
            };
            match r {
                Ok((m, fingerprints)) => {
                    println!("{m} ; un serveur en marche ferme ses sessions sous 2 secondes");
                    keys::journal_append(dir, &system_user(), &name, &fingerprints);
                    audit_local_key_change(dir, data);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

/// Loads every `*.toml` of the themes folder (an invalid file is an error), or the
/// bundled themes when the folder does not exist.
pub fn load_themes(dir: &Path) -> Result<Vec<crate::ui::Theme>, String> {
    use crate::ui::Theme;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(crate::ui::theme::BUNDLED
            .iter()
            .filter_map(|(n, _)| Theme::bundled(n))
            .collect());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
        .collect();
    files.sort_by_key(|p| {
        let name = p
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        (name != "default", name)
    });
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let name = f.file_stem().and_then(|n| n.to_str()).unwrap_or("theme");
        out.push(Theme::parse(name, &text, &f.display().to_string())?);
    }
    if out.is_empty() {
        return Err(format!("{} : aucun thème *.toml", dir.display()));
    }
    Ok(out)
}

/// When nobody can administer comptoir, enroll the invoking user's own public keys.
/// Enrolls the first admin when there is none: the `--initial-admin-key` files (a service
/// account has no ~/.ssh), else the running user's ~/.ssh/*.pub.
fn enroll_first_admin(keys_dir: &Path, initial: &[PathBuf]) -> Result<(), String> {
    use crate::ssh::keys;
    if keys::AccessList::load(keys_dir).admin_count() > 0 {
        return Ok(());
    }
    for f in initial {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("--initial-admin-key {}: {e}", f.display()))?;
        let stem: String = f
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let name = if keys::validate_name(&stem).is_ok() {
            stem
        } else {
            "admin".to_string()
        };
        let e = keys::add_key(keys_dir, &name, crate::app::Role::Admin, &text)
            .map_err(|e| format!("--initial-admin-key {}: {e}", f.display()))?;
        keys::journal_append(
            keys_dir,
            "serve --initial-admin-key",
            &name,
            std::slice::from_ref(&e.fingerprint),
        );
        eprintln!(
            "Pas encore d'administrateur : {} ({}) inscrit comme administrateur « {name} »",
            f.display(),
            e.fingerprint
        );
    }
    if !initial.is_empty() {
        return Ok(());
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "admin".into());
    let name: String = user
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = if keys::validate_name(&name).is_ok() {
        name
    } else {
        "admin".to_string()
    };
    let home = std::env::var("HOME").map(PathBuf::from).unwrap_or_default();
    let mut enrolled = 0;
    if let Ok(entries) = std::fs::read_dir(home.join(".ssh")) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files
            .into_iter()
            .filter(|f| f.extension().and_then(|e| e.to_str()) == Some("pub"))
        {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            match keys::add_key(keys_dir, &name, crate::app::Role::Admin, &text) {
                Ok(e) => {
                    keys::journal_append(
                        keys_dir,
                        "serve (~/.ssh)",
                        &name,
                        std::slice::from_ref(&e.fingerprint),
                    );
                    eprintln!(
                        "Pas encore d'administrateur : {} ({}) inscrit comme administrateur « {name} »",
                        f.display(),
                        e.fingerprint
                    );
                    enrolled += 1;
                }
                Err(e) => eprintln!("non inscrit {} : {e}", f.display()),
            }
        }
    }
    if enrolled == 0 {
        eprintln!(
            "Pas encore de clé d'administrateur, et aucune ~/.ssh/*.pub utilisable. Ajoutez-en une :\n  comptoir keys add {name} ~/.ssh/id_ed25519.pub --admin --keys {}\n(créez d'abord une clé : ssh-keygen -t ed25519), ou démarrez avec --initial-admin-key FICHIER.pub",
            keys_dir.display()
        );
    }
    Ok(())
}

/// Logs on stderr: text with colours only when stderr is a terminal, or JSON lines.
fn init_logs(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// What `serve` was given (flags and environment).
struct ServeArgs<'a> {
    log_format: LogFormat,
    listen: Option<String>,
    data: &'a Path,
    keys: &'a Path,
    themes: &'a Path,
    demo: bool,
    config: Option<&'a Path>,
    initial_admin_keys: &'a [PathBuf],
}

fn serve_command(args: ServeArgs<'_>) -> ExitCode {
    crate::ssh::limit_malloc_heaps();
    let ServeArgs {
        log_format,
        listen,
        data,
        keys: keys_dir,
        themes: themes_dir,
        demo,
        config: config_path,
        initial_admin_keys,
    } = args;
    let config = config_path;
    init_logs(log_format);
    let config = match Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let themes = match load_themes(themes_dir) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let store = match Store::open(data) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let now = crate::app::Clock::now(&SystemClock);
    match store.read(|rx| check::clock_behind(rx, now)) {
        Ok(Some(w)) => {
            eprintln!("attention : {w}");
            tracing::warn!("{w}");
        }
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    if let Some(free) = crate::store::free_space(data) {
        tracing::info!(
            free_mb = free / 1_000_000,
            "espace libre sur le disque du magasin"
        );
    }
    for (path, bytes) in store.leftovers_removed() {
        tracing::warn!(
            path = %path.display(),
            bytes,
            "copie temporaire laissée par un arrêt brutal (sauvegarde, restauration ou compactage) supprimée"
        );
    }
    if demo {
        match store.read(|rx| rx.customer_count()) {
            Ok(0) => {
                eprintln!(
                    "Magasin vide : création des données de démonstration (300 organismes publics, 1 000 commandes)…"
                );
                let opts = SeedOptions {
                    customers: 300,
                    orders: 1000,
                    seed: 42,
                    today: SystemClock.now_date(),
                    documents: DocumentMode::Full,
                };
                if let Err(e) =
                    seed::seed(&store, &PdfRenderer, &config.settings.seller, &opts, |_| {})
                {
                    return fail(e);
                }
            }
            Ok(_) => {}
            Err(e) => return fail(e),
        }
    }
    let is_demo = store.is_demo().unwrap_or(false);
    let problems = config.settings.seller.problems();
    if !is_demo && !problems.is_empty() {
        eprintln!(
            "Avant que l'équipe puisse émettre un document (devis, bon de livraison, facture) :\n  1. Renseignez l'identité de la boutique dans la section [shop] d'un comptoir.toml (partez de\n     comptoir.example.toml) et passez-le avec --config. Ce qui manque :"
        );
        for p in &problems {
            eprintln!("       {p}");
        }
        eprintln!(
            "     Vérifiez-la avec : comptoir config check --config comptoir.toml\n  2. Inscrivez le premier administrateur (ci-dessous, si ce n'est pas fait), puis redémarrez avec --config."
        );
    }
    let app = match App::wired(store, config.settings.clone()) {
        Ok(a) => Arc::new(a),
        Err(e) => return fail(e),
    };
    app.set_chorus(chorus_client(&config));
    app.set_mailer(mailer(&config));
    app.spawn_chorus_loop();
    if let Err(e) = enroll_first_admin(keys_dir, initial_admin_keys) {
        return fail(e);
    }
    let listen = listen
        .or(config.server.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:2222".into());
    match crate::ssh::raise_open_files_limit() {
        Some((soft, hard)) => tracing::info!(soft, hard, "open files limit"),
        None => tracing::warn!("cannot read the open files limit"),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    runtime.block_on(async move {
        // Handlers first: a signal sent as soon as the address is printed is not lost.
        let mut signals = Signals::new();
        let opts = crate::ssh::ServeOptions {
            listen: listen.clone(),
            keys_dir: keys_dir.to_path_buf(),
            config: config.server.clone(),
            themes,
            public_host: None,
            metrics: config.metrics.as_ref().map(|m| m.listen),
        };
        let handle = match crate::ssh::start(app, opts).await {
            Ok(h) => h,
            Err(e) => return fail(format!("impossible d'écouter sur {listen} : {e}")),
        };
        // The address file first: whoever waits for the line below may read it at once.
        let serving = data.join(SERVING_FILE);
        if let Err(e) = std::fs::write(&serving, format!("{}\n", handle.addr)) {
            tracing::warn!(path = %serving.display(), error = %e, "adresse d'écoute non écrite");
        }
        println!("comptoir écoute sur {}", handle.addr);
        println!(
            "clé d'hôte {} ({})",
            handle.host_fingerprint,
            keys_dir.join(crate::ssh::keys::HOST_KEY_FILE).display()
        );
        println!(
            "connexion :    ssh -p {} {}",
            handle.addr.port(),
            handle.addr.ip()
        );
        println!(
            "commandes :    ssh -p {} {} help",
            handle.addr.port(),
            handle.addr.ip()
        );
        if let Some(m) = handle.metrics_addr {
            println!("métriques :    http://{m}/metrics");
        }
        while signals.next().await == Signal::Reload {
            reload(&handle.shared, config_path, themes_dir);
        }
        eprintln!("arrêt : fermeture des sessions…");
        handle.shutdown().await;
        let _ = std::fs::remove_file(data.join(SERVING_FILE));
        ExitCode::SUCCESS
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Signal {
    /// SIGHUP: re-read the configuration and the themes.
    Reload,
    /// SIGTERM or Ctrl-C: graceful stop.
    Stop,
}

/// The signals `serve` acts on.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let hup = async {
                match self.hup.as_mut() {
                    Some(h) => {
                        h.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => Signal::Stop,
                _ = term => Signal::Stop,
                _ = hup => Signal::Reload,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Stop
        }
    }
}

/// SIGHUP: the shop's settings (identity, payments) and the themes are re-read; a file
/// with an error is reported and what is in force stays. `[server]` limits take effect
/// at the next start.
fn reload(shared: &crate::ssh::Shared, config: Option<&Path>, themes_dir: &Path) {
    match Config::load(config) {
        Ok(c) => {
            let problems = c.settings.seller.problems();
            shared.app.set_chorus(chorus_client(&c));
            shared.app.set_mailer(mailer(&c));
            shared.app.set_settings(c.settings);
            tracing::info!(
                "configuration rechargée (identité de la boutique, paiements) ; les limites [server] et [metrics] s'appliquent au prochain démarrage"
            );
            if !shared.app.is_demo() {
                for p in problems {
                    tracing::warn!("identité de la boutique : {p}");
                }
            }
        }
        Err(e) => tracing::error!(
            "configuration NON rechargée, celle en vigueur reste : {}",
            crate::domain::text::printable(&e)
        ),
    }
    match load_themes(themes_dir) {
        Ok(t) => {
            let n = t.len();
            shared.set_themes(t);
            tracing::info!(
                themes = n,
                "thèmes rechargés (les nouvelles sessions les utilisent)"
            );
        }
        Err(e) => tracing::error!(
            "thèmes NON rechargés, ceux en vigueur restent : {}",
            crate::domain::text::printable(&e)
        ),
    }
}

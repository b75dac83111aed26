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

mod config;
mod data;
mod keys;
mod serve;
mod store;

use config::*;
use data::*;
use keys::*;
pub use serve::load_themes;
use serve::*;
use store::*;

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

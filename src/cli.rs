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
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Import data produced by the web shop
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Verify every invariant of the store; exit 0 only when clean
    Check {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// Documents stored in the data folder
    Doc {
        #[command(subcommand)]
        what: DocWhat,
    },
    /// Measurements for BENCHMARKS.md (run on a copy of the data: some write)
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Time to open the store and build the in-memory index, and its memory
    Open {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// Latency of `mark original received` (a durable use case), p50/p99
    Receive {
        #[arg(long, default_value_t = 1000)]
        n: usize,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Import a quote (JSON, see README); `-` reads standard input
    Quote {
        file: String,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
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
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Documents {
    Auto,
    Full,
    Records,
}

/// Opens the store and builds the app with the system clock and the PDF renderer.
pub fn open_app(data: &Path, config: &Config) -> Result<App, String> {
    let store = Store::open(data).map_err(|e| e.to_string())?;
    App::new(
        store,
        config.settings.clone(),
        Arc::new(SystemClock),
        Arc::new(PdfRenderer),
    )
    .map_err(|e| e.to_string())
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Seed {
            customers,
            orders,
            seed_value,
            today,
            documents,
            data,
            config,
        } => seed_command(
            customers,
            orders,
            seed_value,
            today,
            documents,
            &data,
            config.as_deref(),
        ),
        Command::Import {
            what: ImportWhat::Quote { file, data, config },
        } => import_command(&file, &data, config.as_deref()),
        Command::Check { data } => check_command(&data),
        Command::Doc {
            what:
                DocWhat::Export {
                    number,
                    output,
                    xml,
                    data,
                },
        } => export_command(&number, output, xml, &data),
        Command::Bench { what } => {
            let result = match what {
                BenchWhat::Open { data } => crate::bench::open(&data).map(|_| ()),
                BenchWhat::Receive { n, data } => crate::bench::receive(&data, n),
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
    }
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
            None => return fail(format!("--today: « {t} » is not a date (YYYY-MM-DD)")),
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
                "seeded {} customers, {} orders, {} documents ({}), {} audit records in {:.1} s; {} is {:.1} MB",
                r.customers,
                r.orders,
                r.documents,
                if mode == DocumentMode::Full {
                    "with PDF/XML"
                } else {
                    "records only"
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

fn import_command(file: &str, data: &Path, config: Option<&Path>) -> ExitCode {
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
    let config = match Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let app = match open_app(data, &config) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    match app.import_quote(&Actor::import(), &req) {
        Ok(out) => {
            println!("{}", out.number);
            if out.pending_review {
                eprintln!(
                    "note: {} needs a manual eligibility review before its original can be accepted",
                    req.legal_name
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn check_command(data: &Path) -> ExitCode {
    let mut store = match Store::open(data) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    match store.check_integrity() {
        Ok(true) => {}
        Ok(false) => println!("redb repaired the file on open"),
        Err(e) => return fail(format!("storage integrity: {e}")),
    }
    let report = match store.read(check::check) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    for v in &report.violations {
        println!("{v}");
    }
    println!(
        "checked {} customers, {} orders, {} documents ({} files, {} synthetic), {} audit records in {:.1} s: {}",
        report.customers,
        report.orders,
        report.documents,
        report.files,
        report.synthetic_documents,
        report.audit_records,
        started.elapsed().as_secs_f64(),
        if report.is_clean() {
            "clean".to_string()
        } else {
            format!("{} violation(s)", report.violations.len())
        }
    );
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn export_command(number: &str, output: Option<PathBuf>, xml: bool, data: &Path) -> ExitCode {
    let app = match open_app(data, &Config::default()) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let format = if xml {
        FileFormat::FacturX
    } else {
        FileFormat::Pdf
    };
    let bytes = match app.document_file(number, format) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let canonical = app
        .document(number)
        .map(|d| d.number.to_string())
        .unwrap_or_else(|_| number.to_string());
    let path =
        output.unwrap_or_else(|| PathBuf::from(format!("{canonical}.{}", format.extension())));
    let written = if path.as_os_str() == "-" {
        std::io::stdout().write_all(&bytes)
    } else {
        std::fs::write(&path, &bytes)
    };
    match written {
        Ok(()) => {
            if path.as_os_str() != "-" {
                eprintln!("{} ({} bytes)", path.display(), bytes.len());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}: {e}", path.display())),
    }
}

//! Local commands on the data: `seed`, `import quote`, `bank import`, `export`, `doc export`.

use super::*;

pub(super) fn seed_command(
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
pub(super) fn bank_import_command(
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

pub(super) fn import_command(file: &str, data: &Path, config_path: Option<&Path>) -> ExitCode {
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

pub(super) fn export_accounts_command(
    what: ExportWhat,
    data: &Path,
    config_path: Option<&Path>,
) -> ExitCode {
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

pub(super) fn export_command(
    number: &str,
    output: Option<PathBuf>,
    xml: bool,
    data: &Path,
) -> ExitCode {
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

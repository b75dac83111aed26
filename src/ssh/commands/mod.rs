//! `ssh host COMMAND …`: every action of the console as a command, for scripts and for
//! the web shop. Output on stdout, errors on stderr, exit status 1 when refused (2 for a
//! usage error), `--json` where the output is data.
//!
//! `grammar.rs` is the clap grammar (and the `help` text generated from it); one file per
//! command group turns a parsed command into app calls and [`Output`]. Roles are checked
//! here — each command is a `Permission` ([`permissions::COMMANDS`]), whose roles are the one
//! table of `domain::permission` — before its input is read, and again by the app.

mod access;
mod admin;
mod customers;
mod documents;
mod grammar;
mod help;
mod orders;
mod permissions;

use super::Shared;
use crate::app::{Actor, AppError, Role};
use crate::domain::text::{first_unprintable, printable};
use grammar::Cmd;
use russh::ChannelWriteHalf;
use russh::server::Msg;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// How long a command waits for the end of its standard input.
const STDIN_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Largest standard input a command accepts (a quote, a public key).
const MAX_STDIN: usize = 4 * 1024 * 1024;

/// What a command produced.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: u32,
    /// A file streamed after `stdout` in chunks, then deleted (a backup).
    pub file: Option<std::path::PathBuf>,
}

/// Size of the chunks a streamed file is sent in.
const STREAM_CHUNK: usize = 256 * 1024;

/// Data a command prints: the same value gives the `--json` form and the text form.
trait Render: Serialize {
    /// The text form: one tab-separated line per row, or a short report.
    fn text(&self) -> String;
}

impl<T: Render> Render for Vec<T> {
    fn text(&self) -> String {
        self.iter().map(|r| r.text() + "\n").collect()
    }
}

impl Output {
    /// Text for the person's terminal: anything stored that would drive the terminal
    /// (escape sequences) is shown escaped.
    fn ok(text: impl Into<String>) -> Output {
        let mut s = printable(&text.into()).into_owned();
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        Output {
            stdout: s.into_bytes(),
            ..Output::default()
        }
    }

    fn bytes(b: Vec<u8>) -> Output {
        Output {
            stdout: b,
            ..Output::default()
        }
    }

    fn err(text: impl std::fmt::Display, status: u32) -> Output {
        Output {
            stderr: format!("{}\n", printable(&text.to_string())).into_bytes(),
            status,
            ..Output::default()
        }
    }

    /// A usage error (status 2).
    fn usage(text: impl std::fmt::Display) -> Output {
        Output::err(text, 2)
    }

    /// Prints `value` as pretty JSON or as text.
    fn render<T: Render>(value: &T, json: bool) -> Output {
        if !json {
            return Output::ok(value.text());
        }
        match serde_json::to_string_pretty(value) {
            Ok(s) => Output::ok(s),
            Err(e) => Output::err(format!("erreur interne : sortie JSON impossible ({e})"), 1),
        }
    }

    /// The result of a use case: its text on success, its refusal on stderr.
    fn from_result<T>(r: Result<T, AppError>, text: impl FnOnce(T) -> String) -> Output {
        match r {
            Ok(v) => Output::ok(text(v)),
            Err(e) => e.into(),
        }
    }
}

impl From<AppError> for Output {
    fn from(e: AppError) -> Output {
        Output::err(e, 1)
    }
}

/// A parsed command line, before it runs.
pub(crate) struct Parsed {
    cmd: Cmd,
    /// `order deliver`, `keys add`…: the subcommand path, for the role check.
    path: String,
}

/// Parses a command line; `help` lists what `role` may run.
pub(crate) fn parse(argv: &[String], role: Role) -> Result<Parsed, Output> {
    // Text given on the command line is stored and shown to others: no control characters.
    for (i, arg) in argv.iter().enumerate() {
        if let Some(c) = first_unprintable(arg, false) {
            return Err(Output::usage(format!(
                "argument {} : caractère de contrôle U+{:04X} refusé (rien n'a été fait)",
                i + 1,
                c as u32
            )));
        }
    }
    if argv.is_empty() || argv[0] == "help" || argv[0] == "--help" {
        return Err(Output::ok(help::help(role)));
    }
    grammar::parse(argv)
        .map(|(cmd, path)| Parsed { cmd, path })
        .map_err(|e| {
            if e.use_stderr() {
                Output::usage(french_error(&e))
            } else {
                Output::ok(french_help(&e.render().to_string()))
            }
        })
}

/// clap's help in French: its headings and the help flag's own line.
fn french_help(text: &str) -> String {
    text.replace("Usage:", "Utilisation :")
        .replace("Arguments:", "Arguments :")
        .replace("Options:", "Options :")
        .replace("Commands:", "Commandes :")
        .replace(
            "Print this message or the help of the given subcommand(s)",
            "Afficher cette aide ou celle de la commande donnée",
        )
        .replace("Print help", "Afficher l'aide")
        .replace("[default: ", "[par défaut : ")
        .replace("[possible values: ", "[valeurs possibles : ")
}

/// A usage error in French, with the usage line and where to find help.
fn french_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx = |k: ContextKind| -> String {
        match e.get(k) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(v)) => v.join(", "),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(ContextValue::StyledStrs(v)) => v
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Some(ContextValue::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let arg = ctx(ContextKind::InvalidArg);
    let value = ctx(ContextKind::InvalidValue);
    let mut msg = match e.kind() {
        ErrorKind::UnknownArgument => format!("argument inconnu « {arg} »"),
        ErrorKind::InvalidSubcommand => format!(
            "commande inconnue « {} »",
            ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue => {
            let valid = ctx(ContextKind::ValidValue);
            if value.is_empty() {
                format!("{arg} attend une valeur")
            } else if valid.is_empty() {
                format!("valeur « {value} » invalide pour {arg}")
            } else {
                format!("valeur « {value} » invalide pour {arg} (valeurs possibles : {valid})")
            }
        }
        // Our own value parsers explain in French; clap's (integers…) do not.
        ErrorKind::ValueValidation => match std::error::Error::source(e) {
            Some(why) if !why.to_string().is_ascii() => format!("{arg} : {why}"),
            _ => format!("valeur « {value} » invalide pour {arg}"),
        },
        ErrorKind::MissingRequiredArgument => format!("argument obligatoire manquant : {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "commande incomplète".to_string()
        }
        ErrorKind::ArgumentConflict => format!(
            "{arg} ne peut pas être utilisé avec {}",
            ctx(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("nombre de valeurs incorrect pour {arg}")
        }
        _ => "commande mal formée".to_string(),
    };
    for k in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        let s = ctx(k);
        if !s.is_empty() {
            msg.push_str(&format!(" — vouliez-vous dire « {s} » ?"));
            break;
        }
    }
    let usage = ctx(ContextKind::Usage);
    if !usage.is_empty() {
        msg.push_str(&format!(
            "\n{}",
            usage.trim().replace("Usage:", "utilisation :")
        ));
    }
    msg.push_str("\naide : ssh HOTE help, ou la commande suivie de --help");
    msg
}

/// The role check of a command, from the permission table, before anything is read or
/// done: a refusal is audited and said in French (exit 1).
fn refused(shared: &Arc<Shared>, who: &Actor, path: &str) -> Option<Output> {
    let why = permissions::gate(path, who.role).err()?;
    shared
        .app
        .audit_refusal(who, None, &format!("ssh … {path}"), &why);
    Some(Output::err(
        format!("permission refusée (permission denied) : {why}"),
        1,
    ))
}

/// Runs one parsed command for `who`, whose role [`run_exec`] checked before reading its
/// standard input.
fn run(shared: &Arc<Shared>, who: &Actor, parsed: Parsed, stdin: Option<Vec<u8>>) -> Output {
    let raw = stdin;
    let stdin = String::from_utf8_lossy(raw.as_deref().unwrap_or_default()).into_owned();
    match parsed.cmd {
        Cmd::Whoami => access::whoami(who),
        Cmd::Backup => admin::backup(shared, who),
        Cmd::Export { what } => documents::export(shared, what),
        Cmd::Chorus { what } => documents::chorus(shared, who, what),
        Cmd::Bank { what } => {
            documents::bank(shared, who, what, raw.as_deref().unwrap_or_default())
        }
        Cmd::Check { json } => admin::check(shared, who, json),
        Cmd::Customers { what } => customers::search(shared, what),
        Cmd::Customer { what } => customers::customer(shared, who, what),
        Cmd::Stock { what } => customers::stock(shared, who, what),
        Cmd::Catalogue { what } => customers::catalogue(shared, who, what, &stdin),
        Cmd::Orders { stage, limit, json } => orders::list(shared, stage, limit, json),
        Cmd::Order {
            what: grammar::OrderCmd::AttachPo { number },
        } => orders::attach_po(shared, who, &number, raw.as_deref().unwrap_or_default()),
        Cmd::Order { what } => orders::order(shared, who, what),
        Cmd::Quote { what } => orders::quote(shared, who, what, &stdin),
        Cmd::Doc { what } => documents::doc(shared, who, what),
        Cmd::Keys { what } => access::keys(shared, who, what, &stdin),
        Cmd::Pubkey { what } => access::pubkey(shared, who, what, &stdin),
        Cmd::Sessions { what } => admin::sessions(shared, who, what),
        Cmd::Audit(args) => admin::audit(shared, args),
    }
}

/// Splits a command line like a shell would (quotes and backslashes), without expanding.
pub(crate) fn split(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            // An apostrophe inside a word is French, not a quote: `l'école`, `aujourd'hui`
            // (the local shell already removed the quotes the person typed).
            (None, '\'') if cur.chars().last().is_some_and(char::is_alphanumeric) => {
                cur.push(c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("guillemet non fermé dans la commande".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// Reads standard input up to `limit` bytes; `None` when it is larger.
async fn read_stdin(
    stdin_rx: &mut mpsc::Receiver<Option<Vec<u8>>>,
    limit: usize,
) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    while let Some(Some(chunk)) = stdin_rx.recv().await {
        buf.extend_from_slice(&chunk);
        if buf.len() > limit {
            return None;
        }
    }
    Some(buf)
}

/// Sends a file over the channel in [`STREAM_CHUNK`] pieces.
async fn stream_file(
    writer: &ChannelWriteHalf<Msg>,
    path: &std::path::Path,
    stall: std::time::Duration,
) -> Result<Result<(), russh::Error>, tokio::time::error::Elapsed> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!("cannot read {}: {e}", path.display());
            return Ok(Err(russh::Error::Disconnect));
        }
    };
    loop {
        // Disk reads on the blocking pool, the sends on the runtime.
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; STREAM_CHUNK];
            let n = file.read(&mut buf);
            (file, buf, n)
        })
        .await;
        let Ok((f, mut buf, n)) = read else {
            return Ok(Err(russh::Error::Disconnect));
        };
        file = f;
        let n = match n {
            Ok(0) => return Ok(Ok(())),
            Ok(n) => n,
            Err(e) => {
                tracing::error!("cannot read {}: {e}", path.display());
                return Ok(Err(russh::Error::Disconnect));
            }
        };
        buf.truncate(n);
        match tokio::time::timeout(stall, writer.data_bytes(buf)).await {
            Ok(Ok(())) => {}
            other => return other,
        }
    }
}

/// Runs an exec request: parses the command, reads standard input when the command
/// needs it, runs it off the async runtime, writes its output and exit status, closes.
pub(crate) async fn run_exec(
    shared: Arc<Shared>,
    place: tokio::sync::OwnedSemaphorePermit,
    who: Actor,
    peer: Option<SocketAddr>,
    line: String,
    writer: ChannelWriteHalf<Msg>,
    mut stdin_rx: mpsc::Receiver<Option<Vec<u8>>>,
) {
    let started = Instant::now();
    let (registration, _kill) =
        shared
            .sessions
            .register(super::session_info(&who, peer, &line, shared.app.now()));
    let parsed = split(&line)
        .map_err(Output::usage)
        .and_then(|argv| parse(&argv, who.role));
    // Refused before its standard input is waited for.
    let parsed = match parsed {
        Ok(p) if permissions::gate(&p.path, who.role).is_err() => {
            let (shared2, who2) = (shared.clone(), who.clone());
            let path = p.path.clone();
            let span = tracing::Span::current();
            Err(tokio::task::spawn_blocking(move || {
                span.in_scope(|| refused(&shared2, &who2, &path))
            })
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| Output::err("permission refusée", 1)))
        }
        other => other,
    };
    let mut out = match parsed {
        Err(out) => out,
        Ok(parsed) => {
            let limit = parsed.cmd.stdin_limit();
            let stdin = if parsed.cmd.reads_stdin() {
                tokio::time::timeout(STDIN_WAIT, read_stdin(&mut stdin_rx, limit)).await
            } else {
                Ok(Some(Vec::new()))
            };
            match stdin {
                Err(_) => Output::err(
                    format!(
                        "entrée standard non terminée après {} s : rien n'a été fait",
                        STDIN_WAIT.as_secs()
                    ),
                    1,
                ),
                Ok(None) => Output::err(
                    format!(
                        "entrée trop grande (plus de {} Mo) : rien n'a été fait",
                        limit / 1024 / 1024
                    ),
                    1,
                ),
                Ok(Some(stdin)) => {
                    let shared2 = shared.clone();
                    let who2 = who.clone();
                    let span = tracing::Span::current();
                    let task = tokio::task::spawn_blocking(move || {
                        span.in_scope(|| run(&shared2, &who2, parsed, Some(stdin)))
                    });
                    match task.await {
                        Ok(o) => o,
                        Err(e) => {
                            tracing::error!("command panicked: {e}");
                            Output::err(
                                "erreur interne : la commande a échoué, rien n'a été modifié",
                                1,
                            )
                        }
                    }
                }
            }
        }
    };
    // A client that went away or stopped reading must not keep the session listed: every
    // write has a deadline, and the session is unregistered whatever happens.
    let stall = shared.config.output_stall;
    let file = out.file.take();
    let mut delivered = tokio::time::timeout(stall, async {
        if !out.stdout.is_empty() {
            writer.data_bytes(std::mem::take(&mut out.stdout)).await?;
        }
        Ok::<_, russh::Error>(())
    })
    .await;
    if let Some(path) = file {
        // A large file goes out chunk by chunk, each with its own deadline: a slow link
        // is fine, a client that stopped reading is not.
        if matches!(delivered, Ok(Ok(()))) {
            delivered = stream_file(&writer, &path, stall).await;
            if matches!(delivered, Ok(Ok(()))) {
                // Only a backup is streamed: its age (a metric) counts from a copy the
                // client received whole.
                shared.app.note_backup();
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    if matches!(delivered, Ok(Ok(()))) && !out.stderr.is_empty() {
        delivered = tokio::time::timeout(stall, async {
            writer
                .extended_data_bytes(1, std::mem::take(&mut out.stderr))
                .await
        })
        .await;
    }
    // Unregistered before the close: when the client sees the end, the session is gone.
    drop(registration);
    drop(place);
    if matches!(delivered, Ok(Ok(()))) {
        let _ = tokio::time::timeout(stall, async {
            let _ = writer.exit_status(out.status).await;
            let _ = writer.eof().await;
        })
        .await;
    } else {
        tracing::info!(person = %who.name, "command output not delivered: the client went away or stopped reading");
    }
    let _ = tokio::time::timeout(stall, writer.close()).await;
    tracing::info!(person = %who.name, command = ?line, status = out.status, duration_ms = started.elapsed().as_millis() as u64, "command");
}

/// The command surface of the permission table, for the test that walks every
/// permission × role beside the console's (`ui/tests/outside.rs`).
#[cfg(test)]
pub(crate) mod surface {
    use crate::app::{Permission, Role};

    /// Every leaf command with its permission (`None`: the table lacks it).
    pub(crate) fn commands() -> Vec<(String, Option<Permission>)> {
        super::help::leaves()
            .into_iter()
            .map(|(path, _, _)| {
                let p = super::permissions::permission(&path);
                (path, p)
            })
            .collect()
    }

    pub(crate) fn gate(path: &str, role: Role) -> Result<(), String> {
        super::permissions::gate(path, role)
    }

    pub(crate) fn help(role: Role) -> String {
        super::help::help(role)
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split("order pay DEV-1 --reference 'MANDAT 12'").unwrap(),
            vec!["order", "pay", "DEV-1", "--reference", "MANDAT 12"]
        );
        assert_eq!(
            split(r#"customers search "lycée jean" x\ y"#).unwrap(),
            vec!["customers", "search", "lycée jean", "x y"]
        );
        assert_eq!(split("  a   b ").unwrap(), vec!["a", "b"]);
        // What arrives when the local shell removed the person's quotes.
        assert_eq!(
            split("order cancel DEV-1 --reason l'école ferme").unwrap(),
            vec!["order", "cancel", "DEV-1", "--reason", "l'école", "ferme"]
        );
        assert_eq!(
            super::grammar::join_free_text(
                &split("order cancel DEV-1 --reason budget non voté --json").unwrap()
            ),
            vec![
                "order",
                "cancel",
                "DEV-1",
                "--reason",
                "budget non voté",
                "--json"
            ]
        );
        assert_eq!(
            super::grammar::join_free_text(
                &split("order refuse DEV-1 --reason l'école ferme").unwrap()
            ),
            vec!["order", "refuse", "DEV-1", "--reason", "l'école ferme"]
        );
        assert!(split("a 'b").is_err());
        assert_eq!(split("x ''").unwrap(), vec!["x", ""]);
        let joined = |line: &str| super::grammar::join_free_text(&split(line).unwrap());
        // Every free-text option, as the README shows them once the shell removed quotes.
        assert_eq!(
            joined("customer contact set 1 1 --phone 04 72 39 73 01 --name Jean-Marc L'Hôte"),
            vec![
                "customer",
                "contact",
                "set",
                "1",
                "1",
                "--phone",
                "04 72 39 73 01",
                "--name",
                "Jean-Marc L'Hôte"
            ]
        );
        // `--service-code ""` arrives as `--service-code`: the empty value, which clears.
        assert_eq!(
            joined("customer chorus 1 --service-code --market-ref"),
            vec![
                "customer",
                "chorus",
                "1",
                "--service-code",
                "",
                "--market-ref",
                ""
            ]
        );
        // A negative number after an option is its value.
        assert_eq!(
            joined("order waive-interest N --amount -5 --reason x"),
            vec![
                "order",
                "waive-interest",
                "N",
                "--amount=-5",
                "--reason",
                "x"
            ]
        );
    }

    proptest::proptest! {
        /// Any command line is split and parsed without a panic.
        #[test]
        fn any_command_line(line in "[ -~\\t'\"\\\\é\u{1b}\u{fffe}]{0,200}") {
            if let Ok(argv) = split(&line) {
                let _ = super::parse(&argv, super::Role::Staff);
            }
        }

        /// Words of the grammar in any order: refused or run, never a panic.
        #[test]
        fn grammar_words_in_any_order(words in proptest::collection::vec(
            proptest::sample::select(vec![
                "order", "orders", "keys", "role", "admin", "staff", "--stage", "invoiced",
                "--json", "--limit", "18446744073709551616", "-1", "DEV-2026-00001", "stock",
                "add", "--reason", "", "--quantities", "1,,2", "receive-original", "--po-date",
                "31/02/2026", "help", "--help", "audit", "--since",
            ]),
            0..12,
        )) {
            let argv: Vec<String> = words.into_iter().map(String::from).collect();
            let _ = super::parse(&argv, super::Role::Staff);
        }
    }
}

//! `ssh host COMMAND …`: every action of the console as a command, for scripts and for
//! the web shop. Output on stdout, errors on stderr, exit status 1 when refused (2 for a
//! usage error), `--json` where the output is a table. Roles are checked here, per command
//! group (admin groups are gated as a whole), and again by the app.

use super::{Identity, Shared};
use crate::app::import::parse_quote_request;
use crate::app::{Actor, AppError, Role};
use crate::domain::pipeline::OriginalPoInput;
use crate::domain::{
    Checklist, Date, DocKind, DocNumber, EligibilityStatus, FileFormat, Stage, money::parse_eur,
};
use clap::{Parser, Subcommand};
use russh::ChannelWriteHalf;
use russh::server::Msg;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

pub use super::access_tab::AccessTab;

/// Largest standard input a command accepts (a quote, a public key).
const MAX_STDIN: usize = 4 * 1024 * 1024;

/// What a command produced.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: u32,
}

impl Output {
    fn ok(text: impl Into<String>) -> Output {
        let mut s = text.into();
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
            stderr: format!("{text}\n").into_bytes(),
            status,
            ..Output::default()
        }
    }

    fn json(v: serde_json::Value) -> Output {
        Output::ok(serde_json::to_string_pretty(&v).unwrap_or_default())
    }
}

impl From<AppError> for Output {
    fn from(e: AppError) -> Output {
        Output::err(e, 1)
    }
}

#[derive(Parser)]
#[command(
    name = "comptoir",
    no_binary_name = true,
    disable_version_flag = true,
    about = "comptoir over ssh: every console action as a command"
)]
struct Remote {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Who you are: name, role, key fingerprint
    Whoami,
    /// Search customers
    Customers {
        #[command(subcommand)]
        what: CustomersCmd,
    },
    /// One customer
    Customer {
        #[command(subcommand)]
        what: CustomerCmd,
    },
    /// Orders of a board column (all active ones by default)
    Orders {
        /// quote, preorder, po-received, delivered, invoiced, paid, expired, refused, cancelled
        #[arg(long)]
        stage: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One order and its workflow
    Order {
        #[command(subcommand)]
        what: OrderCmd,
    },
    /// Quotes from the web shop
    Quote {
        #[command(subcommand)]
        what: QuoteCmd,
    },
    /// Issued documents
    Doc {
        #[command(subcommand)]
        what: DocCmd,
    },
    /// Stock of the catalogue
    Stock {
        #[command(subcommand)]
        what: StockCmd,
    },
    /// People and their keys (admins)
    Keys {
        #[command(subcommand)]
        what: KeysCmd,
    },
    /// Live sessions (admins)
    Sessions {
        #[command(subcommand)]
        what: SessionsCmd,
    },
    /// Your own public keys
    Pubkey {
        #[command(subcommand)]
        what: PubkeyCmd,
    },
    /// The audit log (admins)
    Audit {
        /// Only events from this day on (YYYY-MM-DD)
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CustomersCmd {
    /// Fuzzy search: name, city, SIRET, contact, document number
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CustomerCmd {
    Show {
        siret: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve a body for the administrative procedure (admins)
    Approve {
        siret: String,
        #[arg(long)]
        reason: String,
    },
    /// Refuse the administrative procedure to a body (admins)
    Refuse {
        siret: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum OrderCmd {
    Show {
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// The emailed copy arrived: reserve the goods
    Preorder { number: String },
    /// The original purchase order arrived; every checklist flag is required
    ReceiveOriginal {
        number: String,
        #[arg(long)]
        po_number: String,
        #[arg(long)]
        po_date: String,
        #[arg(long)]
        letterhead: bool,
        #[arg(long)]
        dated: bool,
        #[arg(long)]
        signed: bool,
        #[arg(long)]
        stamped: bool,
        #[arg(long)]
        amount_matches: bool,
    },
    /// Issue a delivery note (all remaining quantities, or --quantities 2,0,1 per line)
    Deliver {
        number: String,
        #[arg(long, value_delimiter = ',')]
        quantities: Option<Vec<u32>>,
    },
    /// Issue an invoice for what was delivered
    Invoice { number: String },
    /// Record a payment by mandate
    Pay {
        number: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reference: String,
    },
    /// Cancel before delivery
    Cancel {
        number: String,
        #[arg(
            long,
            default_value = "annulation demandée (commande ssh, sans motif précisé)"
        )]
        reason: String,
    },
    /// The buyer declined the quote
    Refuse {
        number: String,
        #[arg(long, default_value = "devis refusé par l'acheteur")]
        reason: String,
    },
    /// Cancel an invoice with a credit note
    CreditNote {
        number: String,
        #[arg(long)]
        invoice: Option<String>,
        #[arg(
            long,
            default_value = "facture annulée (commande ssh, sans motif précisé)"
        )]
        reason: String,
    },
    /// Renew an expired quote
    Renew { number: String },
}

#[derive(Subcommand)]
enum QuoteCmd {
    /// Import a quote (JSON on standard input)
    Import,
}

#[derive(Subcommand)]
enum DocCmd {
    /// The PDF exactly as issued (binary on stdout)
    Get { number: String },
    /// The Factur-X XML of an invoice or credit note
    Xml { number: String },
    /// Issued documents, newest first
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Accounting pack of an invoice: invoice + RIB + purchase order summary, one PDF
    Pack { number: String },
}

#[derive(Subcommand)]
enum StockCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add (or remove, negative) units
    Add {
        sku: String,
        #[arg(allow_hyphen_values = true)]
        quantity: i64,
        #[arg(long, default_value = "réception fournisseur")]
        reason: String,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a person, or a key to a person (OpenSSH public key on standard input)
    Add {
        name: String,
        #[arg(long)]
        admin: bool,
    },
    /// Revoke a person, or one of their keys
    Revoke {
        name: String,
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// Change a person's role
    Role { name: String, role: String },
}

#[derive(Subcommand)]
enum SessionsCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    Kill {
        id: u64,
    },
}

#[derive(Subcommand)]
enum PubkeyCmd {
    List,
    /// Add a key to yourself (OpenSSH public key on standard input)
    Add,
    Remove {
        fingerprint: String,
    },
}

/// Splits a command line like a shell would (quotes and backslashes), without expanding.
pub fn split(line: &str) -> Result<Vec<String>, String> {
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

/// Commands that read standard input.
fn needs_stdin(argv: &[String]) -> bool {
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    matches!(
        a.as_slice(),
        ["quote", "import", ..] | ["keys", "add", ..] | ["pubkey", "add", ..]
    )
}

const HELP: &str = "comptoir — commandes disponibles par ssh (ssh -p PORT HOTE COMMANDE) :

  whoami                                  qui suis-je (nom, rôle, empreinte de clé)
  customers search TEXTE [--json]         chercher un client
  customer show SIRET [--json]            fiche client
  customer approve|refuse SIRET --reason  décider l'éligibilité (admins)
  orders [--stage ETAPE] [--json]         commandes d'une colonne du tableau
                                          (quote, preorder, po-received, delivered, invoiced,
                                           paid, expired, refused, cancelled)
  order show N [--json]                   une commande (N = DEV-AAAA-NNNNN)
  order preorder N                        pré-commande (copie reçue par e-mail)
  order receive-original N --po-number X --po-date AAAA-MM-JJ
        --letterhead --dated --signed --stamped --amount-matches
  order deliver N [--quantities 2,0,1]    bon de livraison
  order invoice N                         facture
  order pay N --date AAAA-MM-JJ --amount EUROS --reference MANDAT
  order cancel N [--reason …]             annuler (avant livraison)
  order refuse N [--reason …]             devis refusé par l'acheteur
  order credit-note N [--invoice FA-…] [--reason …]
  order renew N                           renouveler un devis expiré
  quote import < devis.json               importer un devis du site
  doc get N > N.pdf                       PDF tel qu'émis
  doc xml N > N.xml                       XML Factur-X (factures, avoirs)
  doc pack FA-… > dossier.pdf             facture + RIB + bon de commande
  doc list [--json]                       documents émis
  stock list | stock add SKU QTE          stock
  pubkey list | pubkey add < cle.pub | pubkey remove SHA256:…   vos clés
  keys list | keys add NOM [--admin] < cle.pub | keys revoke NOM [--fingerprint …]
  keys role NOM admin|staff | sessions list | sessions kill ID | audit [--since AAAA-MM-JJ]   (admins)

Chaque commande accepte --help.";

/// Runs one command line for `who`.
pub fn dispatch(
    shared: &Shared,
    who: &Identity,
    argv: &[String],
    stdin: Option<Vec<u8>>,
) -> Output {
    if argv.is_empty() || argv[0] == "help" || argv[0] == "--help" {
        return Output::ok(HELP);
    }
    let remote = match Remote::try_parse_from(argv) {
        Ok(r) => r,
        Err(e) => {
            let text = e.render().to_string();
            let status = if e.use_stderr() { 2 } else { 0 };
            return if status == 0 {
                Output::ok(text)
            } else {
                Output::err(text.trim_end(), 2)
            };
        }
    };
    let actor = who.actor();
    // Admin groups are gated as a whole, so a new admin subcommand is protected by default.
    let admin_only = matches!(
        remote.cmd,
        Cmd::Keys { .. } | Cmd::Sessions { .. } | Cmd::Audit { .. }
    ) || matches!(
        remote.cmd,
        Cmd::Customer {
            what: CustomerCmd::Approve { .. } | CustomerCmd::Refuse { .. }
        }
    );
    if admin_only && who.role != Role::Admin {
        return Output::err(
            "permission refusée (permission denied) : commande réservée aux administrateurs",
            1,
        );
    }
    let app = &shared.app;
    let stdin_text = || String::from_utf8_lossy(stdin.as_deref().unwrap_or_default()).into_owned();
    match remote.cmd {
        Cmd::Whoami => Output::ok(format!("{}\t{}\t{}", who.name, who.role, who.fingerprint)),
        Cmd::Customers {
            what: CustomersCmd::Search { query, limit, json },
        } => {
            let q = query.join(" ");
            let r = app.search_customers(&q, None, limit.min(500));
            if json {
                return Output::json(json!(r.hits.iter().map(|h| json!({
                    "id": h.id.0, "name": h.name, "city": h.city, "siret": h.siret,
                    "eligibility": h.status.map(|s| s.label()), "matched_number": h.via_number,
                })).collect::<Vec<_>>()));
            }
            let mut s = String::new();
            for h in &r.hits {
                let via = h
                    .via_number
                    .as_ref()
                    .map(|n| format!("\t{n}"))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "{}\t{}\t{}\t{}{via}\n",
                    h.siret,
                    h.name,
                    h.city,
                    h.status.map(|x| x.label()).unwrap_or("")
                ));
            }
            Output::ok(s)
        }
        Cmd::Customer { what } => customer(shared, &actor, what),
        Cmd::Orders { stage, limit, json } => {
            let stages: Vec<Stage> = match stage.as_deref() {
                Some(s) => match Stage::from_slug(s) {
                    Some(st) => vec![st],
                    None => {
                        return Output::err(
                            format!(
                                "étape « {s} » inconnue ; étapes : {}",
                                Stage::ALL
                                    .iter()
                                    .map(|s| s.slug())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            2,
                        );
                    }
                },
                None => vec![
                    Stage::Quote,
                    Stage::PreOrder,
                    Stage::PoReceived,
                    Stage::Delivered,
                    Stage::Invoiced,
                ],
            };
            let mut rows = Vec::new();
            for st in stages {
                rows.extend(app.orders_in_stage(st, limit));
            }
            rows.truncate(limit);
            if json {
                return Output::json(json!(rows.iter().map(|c| json!({
                    "number": c.number.to_string(), "customer": c.customer_name, "stage": c.stage.slug(),
                    "total_incl_vat_cents": c.total_incl_vat.0, "outstanding_cents": c.outstanding.0,
                    "days_in_stage": c.days_in_stage, "flags": c.flags.iter().map(|f| f.text()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>()));
            }
            let mut s = String::new();
            for c in rows {
                let flags: Vec<String> = c.flags.iter().map(|f| f.text()).collect();
                s.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{} j\t{}\n",
                    c.number,
                    c.stage.slug(),
                    c.customer_name,
                    c.total_incl_vat.fr(),
                    c.days_in_stage,
                    flags.join(", ")
                ));
            }
            Output::ok(s)
        }
        Cmd::Order { what } => order(shared, &actor, what),
        Cmd::Quote {
            what: QuoteCmd::Import,
        } => {
            let req = match parse_quote_request(&stdin_text()) {
                Ok(r) => r,
                Err(e) => return e.into(),
            };
            match app.import_quote(&actor, &req) {
                Ok(o) => {
                    let mut out = Output::ok(o.number.to_string());
                    if o.pending_review {
                        out.stderr = format!(
                            "note : {} doit être examiné avant d'accepter l'original\n",
                            req.legal_name
                        )
                        .into_bytes();
                    }
                    out
                }
                Err(e) => e.into(),
            }
        }
        Cmd::Doc { what } => doc(shared, what),
        Cmd::Stock { what } => match what {
            StockCmd::List { json } => match app.products() {
                Ok(ps) if json => Output::json(json!(ps.iter().map(|p| json!({
                    "sku": p.sku, "designation": p.designation, "unit_price_cents": p.unit_price.0,
                    "on_hand": p.on_hand, "reserved": p.reserved, "available": p.available(),
                })).collect::<Vec<_>>())),
                Ok(ps) => Output::ok(
                    ps.iter()
                        .map(|p| {
                            format!(
                                "{}\t{}\t{}\tstock {}\tréservé {}\n",
                                p.sku,
                                p.designation,
                                p.unit_price.fr(),
                                p.on_hand,
                                p.reserved
                            )
                        })
                        .collect::<String>(),
                ),
                Err(e) => e.into(),
            },
            StockCmd::Add {
                sku,
                quantity,
                reason,
            } => match app.adjust_stock(&actor, &sku, quantity, &reason) {
                Ok(p) => Output::ok(format!(
                    "{}\tstock {}\tréservé {}",
                    p.sku, p.on_hand, p.reserved
                )),
                Err(e) => e.into(),
            },
        },
        Cmd::Keys { what } => {
            super::access_tab::keys_command(shared, who, what_keys(what), stdin_text())
        }
        Cmd::Sessions { what } => match what {
            SessionsCmd::List { json } => super::access_tab::sessions_list(shared, json),
            SessionsCmd::Kill { id } => super::access_tab::sessions_kill(shared, who, id),
        },
        Cmd::Pubkey { what } => super::access_tab::pubkey_command(
            shared,
            who,
            match what {
                PubkeyCmd::List => super::access_tab::PubkeyOp::List,
                PubkeyCmd::Add => super::access_tab::PubkeyOp::Add,
                PubkeyCmd::Remove { fingerprint } => {
                    super::access_tab::PubkeyOp::Remove(fingerprint)
                }
            },
            stdin_text(),
        ),
        Cmd::Audit { since, limit, json } => {
            super::access_tab::audit_command(shared, since.as_deref(), limit, json)
        }
    }
}

fn what_keys(k: KeysCmd) -> super::access_tab::KeysOp {
    use super::access_tab::KeysOp;
    match k {
        KeysCmd::List { json } => KeysOp::List { json },
        KeysCmd::Add { name, admin } => KeysOp::Add { name, admin },
        KeysCmd::Revoke { name, fingerprint } => KeysOp::Revoke { name, fingerprint },
        KeysCmd::Role { name, role } => KeysOp::Role { name, role },
    }
}

fn parse_day(s: &str, field: &str) -> Result<Date, Output> {
    crate::ui::actions::parse_date(s).ok_or_else(|| {
        Output::err(
            format!("{field} : « {s} » n'est pas une date (AAAA-MM-JJ)"),
            2,
        )
    })
}

fn customer(shared: &Shared, actor: &Actor, what: CustomerCmd) -> Output {
    let app = &shared.app;
    match what {
        CustomerCmd::Show { siret, json } => {
            let c = match app.customer_by_siret(&siret) {
                Ok(c) => c,
                Err(e) => return e.into(),
            };
            let view = match app.customer_view(c.id) {
                Ok(v) => v,
                Err(e) => return e.into(),
            };
            if json {
                return Output::json(json!({
                    "legal_name": c.legal_name, "siret": c.siret.as_str(), "siren": c.siren(),
                    "categorie_juridique": c.categorie, "kind": c.kind.slug(),
                    "eligibility": {"status": c.eligibility.status.label(), "by": c.eligibility.decided_by,
                        "at": c.eligibility.decided_at.iso_utc(), "reason": c.eligibility.reason},
                    "payment_delay_days": c.payment_delay_days(),
                    "service_code": c.chorus.service_code, "engagement_required": c.chorus.engagement_required,
                    "header_address": c.header_address.lines(),
                    "delivery_addresses": c.delivery_addresses.iter().map(|a| a.lines()).collect::<Vec<_>>(),
                    "contacts": c.contacts.iter().map(|k| json!({"name": k.name, "phone": k.phone, "email": k.email})).collect::<Vec<_>>(),
                    "outstanding_cents": view.outstanding.0, "overdue_cents": view.overdue.0,
                    "orders": view.orders.iter().map(|o| json!({"number": o.number.to_string(), "stage": o.stage.slug(), "total_incl_vat_cents": o.total_incl_vat.0})).collect::<Vec<_>>(),
                }));
            }
            let mut s = format!(
                "{}\nSIRET {} (SIREN {}) · catégorie {} · {}\nMandat administratif : {} — {} ({}, {})\nPaiement à {} jours · code service : {}\n",
                c.legal_name,
                c.siret.spaced(),
                c.siren(),
                c.categorie,
                c.kind.label(),
                c.eligibility.status.label(),
                c.eligibility.reason,
                c.eligibility.decided_by,
                c.eligibility.decided_at.fr(),
                c.payment_delay_days(),
                c.chorus.service_code.as_deref().unwrap_or("aucun")
            );
            s.push_str(&format!("Adresse : {}\n", c.header_address.one_line()));
            for k in &c.contacts {
                s.push_str(&format!(
                    "Contact : {} · {} · {}\n",
                    k.name, k.phone, k.email
                ));
            }
            s.push_str(&format!(
                "Encours : {} · en retard : {}\n",
                view.outstanding.fr(),
                view.overdue.fr()
            ));
            for o in &view.orders {
                s.push_str(&format!(
                    "{}\t{}\t{}\n",
                    o.number,
                    o.stage.slug(),
                    o.total_incl_vat.fr()
                ));
            }
            Output::ok(s)
        }
        CustomerCmd::Approve { siret, reason } => {
            decide(shared, actor, &siret, EligibilityStatus::Approved, &reason)
        }
        CustomerCmd::Refuse { siret, reason } => {
            decide(shared, actor, &siret, EligibilityStatus::Refused, &reason)
        }
    }
}

fn decide(
    shared: &Shared,
    actor: &Actor,
    siret: &str,
    status: EligibilityStatus,
    reason: &str,
) -> Output {
    let c = match shared.app.customer_by_siret(siret) {
        Ok(c) => c,
        Err(e) => return e.into(),
    };
    match shared.app.decide_eligibility(actor, c.id, status, reason) {
        Ok(c) => Output::ok(format!("{}	{}", c.siret, c.eligibility.status.label())),
        Err(e) => e.into(),
    }
}

fn order(shared: &Shared, actor: &Actor, what: OrderCmd) -> Output {
    let app = &shared.app;
    let stage_line = |r: Result<crate::domain::Order, AppError>| match r {
        Ok(o) => Output::ok(format!("{}\t{}", o.number, o.stage.slug())),
        Err(e) => e.into(),
    };
    let doc_line = |r: Result<crate::domain::IssuedDocument, AppError>| match r {
        Ok(d) => Output::ok(d.number.to_string()),
        Err(e) => e.into(),
    };
    match what {
        OrderCmd::Show { number, json } => {
            let v = match app.order_view(&number) {
                Ok(v) => v,
                Err(e) => return e.into(),
            };
            let o = &v.order;
            if json {
                return Output::json(json!({
                    "number": o.number.to_string(), "version": o.quote.version, "stage": v.stage.slug(),
                    "valid_until": o.quote.valid_until.to_string(),
                    "customer": {"name": v.customer.legal_name, "siret": v.customer.siret.as_str()},
                    "lines": o.lines.iter().map(|l| json!({"sku": l.sku, "designation": l.designation,
                        "unit_price_cents": l.unit_price.0, "vat_rate": l.vat.percent_str(),
                        "ordered": l.ordered, "reserved": l.reserved, "delivered": l.delivered, "invoiced": l.invoiced})).collect::<Vec<_>>(),
                    "totals": {"excl_vat_cents": v.totals.excl_vat.0, "vat_cents": v.totals.vat_total.0, "incl_vat_cents": v.totals.incl_vat.0},
                    "purchase_order": o.po.as_ref().map(|p| json!({"number": p.po_number, "date": p.po_date.to_string(),
                        "received_at": p.received_at.iso_utc(), "verified_by": p.verified_by})),
                    "outstanding_cents": o.outstanding().0,
                    "documents": v.documents.iter().map(|d| json!({"number": d.number.to_string(), "date": d.date.to_string(),
                        "amount_cents": d.amount.0})).collect::<Vec<_>>(),
                    "flags": v.flags.iter().map(|f| f.text()).collect::<Vec<_>>(),
                    "timeline": v.timeline.iter().map(|r| json!({"at": r.at.iso_utc(), "who": r.actor.name, "action": r.action.slug(),
                        "before": r.before, "after": r.after, "detail": r.detail})).collect::<Vec<_>>(),
                }));
            }
            let mut s = format!(
                "{} (devis v{}, valable jusqu'au {}) — {}\n{} · SIRET {}\n",
                o.number,
                o.quote.version,
                o.quote.valid_until.fr(),
                v.stage.label(),
                v.customer.legal_name,
                v.customer.siret.spaced()
            );
            for l in &o.lines {
                s.push_str(&format!(
                    "  {}\t{}\tcmd {} · rés {} · liv {} · fact {}\t{}\n",
                    l.sku,
                    l.designation,
                    l.ordered,
                    l.reserved,
                    l.delivered,
                    l.invoiced,
                    l.amount().fr()
                ));
            }
            s.push_str(&format!(
                "Total HT {} · TVA {} · TTC {}\n",
                v.totals.excl_vat.fr(),
                v.totals.vat_total.fr(),
                v.totals.incl_vat.fr()
            ));
            if let Some(p) = &o.po {
                s.push_str(&format!(
                    "BC {} du {} (reçu le {}, vérifié par {})\n",
                    p.po_number,
                    p.po_date.fr(),
                    p.received_at.fr(),
                    p.verified_by
                ));
            }
            for d in &v.documents {
                s.push_str(&format!("  {} {}\n", d.number, d.date.fr()));
            }
            for f in &v.flags {
                s.push_str(&format!("  {}\n", f.text()));
            }
            Output::ok(s)
        }
        OrderCmd::Preorder { number } => stage_line(app.record_pre_order(actor, &number)),
        OrderCmd::ReceiveOriginal {
            number,
            po_number,
            po_date,
            letterhead,
            dated,
            signed,
            stamped,
            amount_matches,
        } => {
            let po_date = match parse_day(&po_date, "--po-date") {
                Ok(d) => d,
                Err(o) => return o,
            };
            let input = OriginalPoInput {
                po_number,
                po_date,
                checklist: Checklist {
                    letterhead,
                    dated,
                    signed,
                    stamped,
                    amount_matches,
                },
            };
            stage_line(app.mark_original_received(actor, &number, &input))
        }
        OrderCmd::Deliver { number, quantities } => {
            doc_line(app.issue_delivery_note(actor, &number, quantities.as_deref()))
        }
        OrderCmd::Invoice { number } => doc_line(app.issue_invoice(actor, &number)),
        OrderCmd::Pay {
            number,
            date,
            amount,
            reference,
        } => {
            let date = match parse_day(&date, "--date") {
                Ok(d) => d,
                Err(o) => return o,
            };
            let Some(amount) = parse_eur(&amount) else {
                return Output::err(
                    format!("--amount : « {amount} » n'est pas un montant en euros"),
                    2,
                );
            };
            stage_line(app.record_payment(actor, &number, date, amount, &reference))
        }
        OrderCmd::Cancel { number, reason } => {
            stage_line(app.cancel_order(actor, &number, &reason))
        }
        OrderCmd::Refuse { number, reason } => {
            stage_line(app.refuse_quote(actor, &number, &reason))
        }
        OrderCmd::CreditNote {
            number,
            invoice,
            reason,
        } => {
            let invoice = match invoice.map(|i| DocNumber::parse(&i).ok_or(i)) {
                Some(Ok(n)) => Some(n),
                Some(Err(i)) => {
                    return Output::err(
                        format!("--invoice : « {i} » n'est pas un numéro de facture"),
                        2,
                    );
                }
                None => None,
            };
            doc_line(app.issue_credit_note(actor, &number, invoice, &reason))
        }
        OrderCmd::Renew { number } => match app.renew_quote(actor, &number) {
            Ok(o) => Output::ok(o.number.to_string()),
            Err(e) => e.into(),
        },
    }
}

fn doc(shared: &Shared, what: DocCmd) -> Output {
    let app = &shared.app;
    match what {
        DocCmd::Get { number } => match app.document_file(&number, FileFormat::Pdf) {
            Ok(b) => Output::bytes(b),
            Err(e) => e.into(),
        },
        DocCmd::Xml { number } => match app.document_file(&number, FileFormat::FacturX) {
            Ok(b) => Output::bytes(b),
            Err(e) => e.into(),
        },
        DocCmd::List { limit, json } => match app.documents(0, limit.min(10_000)) {
            Ok(docs) if json => Output::json(json!(docs.iter().map(|d| json!({
                "number": d.number.to_string(), "kind": d.kind().label(), "date": d.date.to_string(),
                "customer": d.customer_name, "order": d.order_number.to_string(), "amount_cents": d.amount.0,
                "files": d.files.iter().map(|(f, size, sha)| json!({"format": f.extension(), "size": size, "sha256": sha})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>())),
            Ok(docs) => Output::ok(
                docs.iter()
                    .map(|d| format!("{}\t{}\t{}\t{}\t{}\n", d.number, d.date, d.kind().label(), d.customer_name, d.amount.fr()))
                    .collect::<String>(),
            ),
            Err(e) => e.into(),
        },
        DocCmd::Pack { number } => {
            let d = match app.document(&number) {
                Ok(d) => d,
                Err(e) => return e.into(),
            };
            if d.kind() != DocKind::Invoice {
                return Output::err(format!("{} n'est pas une facture : le dossier comptable se fait pour une facture", d.number), 1);
            }
            match app.accounting_pack(&d) {
                Ok(b) => Output::bytes(b),
                Err(e) => e.into(),
            }
        }
    }
}

/// Runs an exec request: reads standard input when the command needs it, runs the
/// command off the async runtime, writes its output and exit status, closes.
pub(crate) async fn run_exec(
    shared: Arc<Shared>,
    who: Identity,
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
    let out = match split(&line) {
        Err(e) => Output::err(e, 2),
        Ok(argv) => {
            let mut stdin = None;
            let mut too_big = false;
            if needs_stdin(&argv) {
                let mut buf = Vec::new();
                while let Some(Some(chunk)) = stdin_rx.recv().await {
                    buf.extend_from_slice(&chunk);
                    if buf.len() > MAX_STDIN {
                        too_big = true;
                        break;
                    }
                }
                stdin = Some(buf);
            }
            if too_big {
                Output::err(
                    format!(
                        "entrée trop grande (plus de {} Mo)",
                        MAX_STDIN / 1024 / 1024
                    ),
                    1,
                )
            } else {
                let shared2 = shared.clone();
                let who2 = who.clone();
                match tokio::task::spawn_blocking(move || dispatch(&shared2, &who2, &argv, stdin))
                    .await
                {
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
    };
    if !out.stdout.is_empty() {
        let _ = writer.data_bytes(out.stdout.clone()).await;
    }
    if !out.stderr.is_empty() {
        let _ = writer.extended_data_bytes(1, out.stderr.clone()).await;
    }
    // Unregistered before the close: when the client sees the end, the session is gone.
    drop(registration);
    let _ = writer.exit_status(out.status).await;
    let _ = writer.eof().await;
    let _ = writer.close().await;
    tracing::info!(person = %who.name, command = %line, status = out.status, duration_ms = started.elapsed().as_millis() as u64, "command");
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
        assert!(split("a 'b").is_err());
        assert_eq!(split("x ''").unwrap(), vec!["x", ""]);
    }
}

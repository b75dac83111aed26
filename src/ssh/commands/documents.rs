//! `doc …`: issued documents exactly as issued, their list, the accounting pack.

use super::grammar::DocCmd;
use super::{Output, Render, Shared};
use crate::app::queries::DocSummary;
use crate::domain::{DocKind, FileFormat};
use serde::Serialize;

#[derive(Serialize)]
struct FileRow {
    format: &'static str,
    size: u64,
    sha256: String,
}

/// One issued document.
#[derive(Serialize)]
struct DocRow {
    number: String,
    kind: &'static str,
    date: String,
    customer: String,
    order: String,
    amount_cents: i64,
    files: Vec<FileRow>,
    #[serde(skip)]
    amount: String,
}

impl DocRow {
    fn of(d: &DocSummary) -> DocRow {
        DocRow {
            number: d.number.to_string(),
            kind: d.kind().label(),
            date: d.date.to_string(),
            customer: d.customer_name.clone(),
            order: d.order_number.to_string(),
            amount_cents: d.amount.0,
            files: d
                .files
                .iter()
                .map(|(f, size, sha)| FileRow {
                    format: f.extension(),
                    size: *size,
                    sha256: sha.clone(),
                })
                .collect(),
            amount: d.amount.fr(),
        }
    }
}

impl Render for DocRow {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}",
            self.number, self.date, self.kind, self.customer, self.amount
        )
    }
}

pub(super) fn doc(shared: &Shared, who: &crate::app::Actor, what: DocCmd) -> Output {
    let app = &shared.app;
    match what {
        DocCmd::Send { number, to } => {
            Output::from_result(app.send_document(who, &number, to.as_deref()), |m| {
                format!("{} — Message-ID {}", m.describe(), m.message_id)
            })
        }
        DocCmd::Get { number }
            if number
                .trim()
                .to_uppercase()
                .starts_with(crate::app::letters::LETTER_PREFIX) =>
        {
            match app.letter(&number) {
                Ok((_, pdf)) => Output::bytes(pdf),
                Err(e) => e.into(),
            }
        }
        DocCmd::Get { number } => match app.document_file(&number, FileFormat::Pdf) {
            Ok(b) => Output::bytes(b),
            Err(e) => e.into(),
        },
        DocCmd::Xml { number } => match app.document_file(&number, FileFormat::FacturX) {
            Ok(b) => Output::bytes(b),
            Err(e) => e.into(),
        },
        DocCmd::List { limit, json } => match app.documents(0, limit.min(10_000)) {
            Ok(docs) => {
                let rows: Vec<DocRow> = docs.iter().map(DocRow::of).collect();
                Output::render(&rows, json)
            }
            Err(e) => e.into(),
        },
        DocCmd::Pack { number } => {
            let d = match app.document(&number) {
                Ok(d) => d,
                Err(e) => return e.into(),
            };
            if d.kind() != DocKind::Invoice {
                return Output::err(
                    format!(
                        "{} n'est pas une facture : le dossier comptable se fait pour une facture",
                        d.number
                    ),
                    1,
                );
            }
            match app.accounting_pack(&d) {
                Ok(b) => Output::bytes(b),
                Err(e) => e.into(),
            }
        }
    }
}

/// `export fec --year Y` and `export invoices --from --to`.
pub(super) fn export(shared: &Shared, what: super::grammar::ExportCmd) -> Output {
    use super::grammar::{ExportCmd, ExportFormat};
    let app = &shared.app;
    match what {
        ExportCmd::Fec { year } => {
            if !(2000..=2100).contains(&year) {
                return Output::usage(format!("--year : {year} n'est pas une année plausible"));
            }
            match app.export_fec(year) {
                Ok(fec) => Output {
                    stdout: fec.text.into_bytes(),
                    stderr: format!(
                        "{} : {} écritures, {} lignes\n",
                        fec.file_name, fec.entries, fec.lines
                    )
                    .into_bytes(),
                    ..Output::default()
                },
                Err(e) => e.into(),
            }
        }
        ExportCmd::Aged => Output::bytes(
            crate::app::accounts::aged_csv(&app.aged_balance(), app.today()).into_bytes(),
        ),
        ExportCmd::Invoices { from, to, format } => {
            if to < from {
                return Output::usage("--to précède --from");
            }
            match app.export_invoices(from, to) {
                Ok(rows) => match format {
                    ExportFormat::Csv => {
                        Output::bytes(crate::app::export::invoices_csv(&rows).into_bytes())
                    }
                    ExportFormat::Json => {
                        let v: Vec<serde_json::Value> = rows
                            .iter()
                            .map(|r| {
                                serde_json::json!({
                                    "number": r.number,
                                    "kind": r.kind,
                                    "date": r.date.to_string(),
                                    "due_date": r.due.map(|d| d.to_string()),
                                    "body": r.body,
                                    "siret": r.siret,
                                    "net_cents": r.net.0,
                                    "vat_cents": crate::app::export::VAT_COLUMNS
                                        .iter()
                                        .zip(r.vat)
                                        .map(|((bp, _), v)| (format!("{bp}"), v.0))
                                        .collect::<std::collections::BTreeMap<_, _>>(),
                                    "total_cents": r.total.0,
                                    "paid_cents": r.paid.0,
                                    "status": r.status,
                                })
                            })
                            .collect();
                        match serde_json::to_string_pretty(&v) {
                            Ok(s) => Output::ok(s),
                            Err(e) => Output::err(e, 1),
                        }
                    }
                },
                Err(e) => e.into(),
            }
        }
    }
}

/// `chorus structure SIRET`: what Chorus Pro says the body requires.
#[derive(Serialize)]
struct StructureReport {
    id: i64,
    name: String,
    service_required: bool,
    engagement_required: bool,
    services: Vec<ServiceRow>,
}

#[derive(Serialize)]
struct ServiceRow {
    code: String,
    name: String,
    active: bool,
}

impl Render for StructureReport {
    fn text(&self) -> String {
        let yes = |b: bool| if b { "oui" } else { "non" };
        let mut s = format!(
            "{} (structure Chorus Pro {})\ncode service obligatoire : {}\nn° d'engagement obligatoire : {}\n",
            self.name,
            self.id,
            yes(self.service_required),
            yes(self.engagement_required)
        );
        for sv in &self.services {
            s.push_str(&format!(
                "  {}\t{}\t{}\n",
                sv.code,
                sv.name,
                if sv.active { "actif" } else { "inactif" }
            ));
        }
        s
    }
}

/// `chorus status`: a document's life on Chorus Pro.
#[derive(Serialize)]
struct ChorusRow {
    number: String,
    state: String,
    flow: Option<String>,
    flow_state: Option<String>,
    status: Option<String>,
    history: Vec<HistoryRow>,
    attention: Option<String>,
    #[serde(skip)]
    text: String,
}

#[derive(Serialize)]
struct HistoryRow {
    status: String,
    at: String,
}

impl ChorusRow {
    fn of(r: &crate::domain::chorus::ChorusRecord) -> ChorusRow {
        use crate::domain::chorus::ChorusState;
        let (state, flow) = match &r.state {
            ChorusState::Queued => ("queued", None),
            ChorusState::Sending => ("sending", None),
            ChorusState::Deposited { flow, .. } => ("deposited", Some(flow.clone())),
            ChorusState::Refused { .. } => ("refused", None),
        };
        ChorusRow {
            number: r.number.to_string(),
            state: state.into(),
            flow,
            flow_state: r.flow_state.clone(),
            status: r.status().map(str::to_string),
            history: r
                .history
                .iter()
                .map(|h| HistoryRow {
                    status: h.status.clone(),
                    at: h.at.clone(),
                })
                .collect(),
            attention: r.needs_attention(),
            text: format!("{}\t{}", r.number, r.describe()),
        }
    }
}

impl Render for ChorusRow {
    fn text(&self) -> String {
        match &self.attention {
            Some(a) => format!("{}\t⚠ {a}", self.text),
            None => self.text.clone(),
        }
    }
}

pub(super) fn chorus(
    shared: &Shared,
    who: &crate::app::Actor,
    what: super::grammar::ChorusCmd,
) -> Output {
    match what {
        super::grammar::ChorusCmd::Send { number } => {
            let app = &shared.app;
            if let Err(e) = app.chorus_send(who, &number) {
                return e.into();
            }
            // Sent at once; if the platform does not answer, the queue tries again.
            let _ = app.chorus_run_queue();
            match app.chorus_record(&number) {
                Ok(Some(r)) => Output::ok(format!("{}\t{}", r.number, r.describe())),
                Ok(None) => Output::ok(format!("{number}\ten file")),
                Err(e) => e.into(),
            }
        }
        super::grammar::ChorusCmd::Sync => {
            let app = &shared.app;
            let queue = match app.chorus_run_queue() {
                Ok(r) => r,
                Err(e) => return e.into(),
            };
            match app.chorus_sync() {
                Ok(s) => Output::ok(format!(
                    "déposés {} · en attente {} · refusés {} · statuts nouveaux {}",
                    queue.deposited,
                    queue.retried,
                    queue.refused + s.refused,
                    s.statuses
                )),
                Err(e) => e.into(),
            }
        }
        super::grammar::ChorusCmd::Status {
            number: Some(n),
            json,
        } => match shared.app.chorus_record(&n) {
            Ok(Some(r)) => Output::render(&ChorusRow::of(&r), json),
            Ok(None) => Output::err(format!("{n} n'a pas été envoyé à Chorus Pro"), 1),
            Err(e) => e.into(),
        },
        super::grammar::ChorusCmd::Status { number: None, json } => {
            match shared.app.chorus_records() {
                Ok(all) => {
                    let rows: Vec<ChorusRow> = all
                        .iter()
                        .filter(|r| {
                            r.followed()
                                || r.needs_attention().is_some()
                                || !matches!(
                                    r.state,
                                    crate::domain::chorus::ChorusState::Deposited { .. }
                                )
                        })
                        .map(ChorusRow::of)
                        .collect();
                    Output::render(&rows, json)
                }
                Err(e) => e.into(),
            }
        }
        super::grammar::ChorusCmd::Structure { siret, json } => {
            match shared.app.chorus_structure(&siret) {
                Ok(st) => Output::render(
                    &StructureReport {
                        id: st.id,
                        name: st.name,
                        service_required: st.service_required,
                        engagement_required: st.engagement_required,
                        services: st
                            .services
                            .into_iter()
                            .map(|s| ServiceRow {
                                code: s.code,
                                name: s.name,
                                active: s.active,
                            })
                            .collect(),
                    },
                    json,
                ),
                Err(e) => e.into(),
            }
        }
    }
}

/// An imported bank entry, as `bank import` and `bank list` print it.
#[derive(Serialize)]
struct BankRow {
    id: u64,
    reference: String,
    amount: String,
    booked: String,
    value: String,
    payer: String,
    remittance: String,
    state: &'static str,
    /// What was applied, proposed or why nothing was.
    decision: String,
    orders: Vec<String>,
    invoice: Option<String>,
}

impl BankRow {
    fn of(r: &crate::domain::bank::BankRecord) -> BankRow {
        use crate::domain::bank::BankState;
        let (state, orders, invoice) = match &r.state {
            BankState::Applied { parts, .. } => (
                "applied",
                parts.iter().map(|p| p.order.to_string()).collect(),
                None,
            ),
            BankState::Proposed { order, invoice, .. } => (
                "proposed",
                vec![order.to_string()],
                invoice.map(|i| i.to_string()),
            ),
            BankState::Unmatched { .. } => ("unmatched", Vec::new(), None),
            BankState::Dismissed { .. } => ("dismissed", Vec::new(), None),
        };
        BankRow {
            id: r.id,
            reference: r.reference.clone(),
            amount: r.amount.decimal(),
            booked: r.booked.to_string(),
            value: r.value.to_string(),
            payer: r.payer.clone(),
            remittance: r.remittance.clone(),
            state,
            decision: r.describe(),
            orders,
            invoice,
        }
    }
}

impl Render for BankRow {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{} €\t{}\t{}",
            self.id,
            self.value,
            self.amount,
            if self.payer.is_empty() {
                "—"
            } else {
                &self.payer
            },
            self.decision
        )
    }
}

/// `bank import --json`: what the import did.
#[derive(Serialize)]
struct BankImportOut {
    format: String,
    statement: String,
    applied: Vec<BankRow>,
    proposed: Vec<BankRow>,
    unmatched: Vec<BankRow>,
    already_imported: usize,
    debits: usize,
}

impl Render for BankImportOut {
    fn text(&self) -> String {
        let mut out = format!(
            "relevé {} ({}) : {} appliqué(s), {} proposé(s), {} non rapproché(s), {} déjà importé(s), {} débit(s) ignoré(s)",
            self.statement,
            self.format,
            self.applied.len(),
            self.proposed.len(),
            self.unmatched.len(),
            self.already_imported,
            self.debits
        );
        for r in self
            .applied
            .iter()
            .chain(&self.proposed)
            .chain(&self.unmatched)
        {
            out.push('\n');
            out.push_str(&r.text());
        }
        if !self.proposed.is_empty() || !self.unmatched.is_empty() {
            out.push_str(
                "\nà décider : ssh … bank confirm ID, bank assign ID FA-…, bank dismiss ID --reason …, ou l'écran Rapprochement (touche R)",
            );
        }
        out
    }
}

pub(super) fn bank(
    shared: &Shared,
    who: &crate::app::Actor,
    what: super::grammar::BankCmd,
    stdin: &[u8],
) -> Output {
    use super::grammar::BankCmd;
    let app = &shared.app;
    let one = |r: Result<crate::domain::bank::BankRecord, crate::app::AppError>| {
        Output::from_result(r, |r| BankRow::of(&r).text())
    };
    match what {
        BankCmd::Import { json } => {
            match app.import_statement(who, stdin, &crate::bank::formats()) {
                Ok(r) => Output::render(
                    &BankImportOut {
                        format: r.format,
                        statement: r.statement,
                        applied: r.applied.iter().map(BankRow::of).collect(),
                        proposed: r.proposed.iter().map(BankRow::of).collect(),
                        unmatched: r.unmatched.iter().map(BankRow::of).collect(),
                        already_imported: r.already,
                        debits: r.debits,
                    },
                    json,
                ),
                Err(e) => e.into(),
            }
        }
        BankCmd::List { all, json } => match app.bank_entries(!all) {
            Ok(rows) => Output::render(&rows.iter().map(BankRow::of).collect::<Vec<_>>(), json),
            Err(e) => e.into(),
        },
        BankCmd::Confirm { id } => one(app.bank_confirm(who, id)),
        BankCmd::Assign { id, invoices } => one(app.bank_assign(who, id, &invoices)),
        BankCmd::Dismiss { id, reason } => one(app.bank_dismiss(who, id, &reason)),
    }
}

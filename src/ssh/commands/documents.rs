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

pub(super) fn doc(shared: &Shared, what: DocCmd) -> Output {
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

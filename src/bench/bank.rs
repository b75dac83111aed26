//! `comptoir bench bank --entries N`: a camt.053 statement of N credits written against
//! the store's open invoices (60 % naming their invoice, 20 % with only the amount and the
//! body's name, 20 % unknown), read and imported in one transaction; then imported again
//! (everything already known). Run it on a copy of a store: it records payments.

use super::{open, rss_mb};
use crate::app::{Actor, Role};
use crate::domain::Cents;
use std::path::Path;
use std::time::Instant;

pub(super) fn bank(data: &Path, n: usize) -> Result<(), String> {
    let app = open(data)?;
    let today = app.today();
    // Open invoices, each used once.
    let mut open_invoices = Vec::new();
    app.index().for_each_card(|card| {
        for l in card.late.iter().filter(|l| l.unpaid > Cents::ZERO) {
            if open_invoices.len() < n {
                open_invoices.push((l.invoice, l.unpaid, card.customer));
            }
        }
    });
    if open_invoices.is_empty() {
        return Err("no open invoice in this store: seed one with orders first".into());
    }
    let mut xml = String::with_capacity(n * 600);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt><Stmt><Id>BENCH</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>");
    for k in 0..n {
        let (invoice, amount, customer) = open_invoices[k % open_invoices.len()];
        let (amount, payer, remittance) = match k % 5 {
            0..=2 => (
                amount,
                "DRFIP".to_string(),
                format!("MANDAT {k} FACTURE {invoice}"),
            ),
            3 => (
                amount,
                crate::domain::text::fold(&app.index().customer_name(customer)).to_uppercase(),
                "REGLEMENT".to_string(),
            ),
            _ => (
                Cents(1000 + k as i64),
                "INCONNU".to_string(),
                format!("DIVERS {k}"),
            ),
        };
        xml.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{today}</Dt></BookgDt><ValDt><Dt>{today}</Dt></ValDt><AcctSvcrRef>BENCH-{k}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
            amount.decimal()
        ));
    }
    xml.push_str("</Stmt></BkToCstmrStmt></Document>");
    let actor = Actor::person("bench", Role::Staff, "SHA256:bench");
    let formats = crate::bank::formats();
    let before = rss_mb();
    let started = Instant::now();
    let r = app
        .import_statement(&actor, xml.as_bytes(), &formats)
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    println!(
        "camt.053 of {n} credits ({:.1} MB, {} invoices open in the store): read and imported in {:.2} s ({:.0} µs per entry); {} applied, {} proposed, {} unmatched; RSS +{:.0} MB",
        xml.len() as f64 / 1e6,
        open_invoices.len(),
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / n.max(1) as f64,
        r.applied.len(),
        r.proposed.len(),
        r.unmatched.len(),
        rss_mb() - before
    );
    for r in r.proposed.iter().take(2).chain(r.unmatched.iter().take(3)) {
        println!("  e.g. {} — {}", r.remittance, r.describe());
    }
    let started = Instant::now();
    let again = app
        .import_statement(&actor, xml.as_bytes(), &formats)
        .map_err(|e| e.to_string())?;
    println!(
        "the same statement again: {} already imported, {} applied, in {:.2} s",
        again.already,
        again.applied.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

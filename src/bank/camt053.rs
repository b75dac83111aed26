//! ISO 20022 camt.053 (« Bank to customer statement »), versions .001.02 to .001.08, read
//! with a real XML parser: `Document/BkToCstmrStmt/Stmt`, each `Ntry` booked (`Sts` BOOK)
//! with its amount, `CdtDbtInd`, `BookgDt`, `ValDt`, `AcctSvcrRef`, and from its
//! `TxDtls` the debtor's name and the remittance information (`Ustrd`, `Strd/…/Ref`,
//! `EndToEndId`). A batch entry whose transactions carry their own amounts becomes one
//! entry per transaction.

use super::decimal;
use crate::app::bank::{MAX_ENTRIES, StatementFormat};
use crate::domain::Date;
use crate::domain::bank::{Statement, StatementEntry};
use roxmltree::Node;

pub struct Camt053;

const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.";

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn path<'a, 'i>(n: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(n, |n, name| child(n, name))
}

fn text(n: Option<Node<'_, '_>>) -> String {
    n.and_then(|n| n.text()).unwrap_or("").trim().to_string()
}

/// `Dt` or `DtTm` under a date element.
fn date_of(n: Option<Node<'_, '_>>) -> Option<Date> {
    let n = n?;
    let t = text(child(n, "Dt").or_else(|| child(n, "DtTm")));
    t.get(..10).and_then(Date::parse_iso)
}

impl StatementFormat for Camt053 {
    fn recognizes(&self, bytes: &[u8]) -> bool {
        let head = &bytes[..bytes.len().min(4096)];
        let head = String::from_utf8_lossy(head);
        head.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
    }

    fn parse(&self, bytes: &[u8]) -> Result<Statement, String> {
        let text_in = std::str::from_utf8(bytes)
            .map_err(|_| "le relevé XML n'est pas en UTF-8".to_string())?;
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: 4_000_000,
            ..roxmltree::ParsingOptions::default()
        };
        let doc = roxmltree::Document::parse_with_options(text_in, options)
            .map_err(|e| format!("XML illisible : {e}"))?;
        let root = doc.root_element();
        let ns = root.tag_name().namespace().unwrap_or("");
        let version = ns.strip_prefix(NAMESPACE).unwrap_or("");
        let known = matches!(version, "02" | "03" | "04" | "05" | "06" | "07" | "08");
        if root.tag_name().name() != "Document" || !known {
            return Err(format!(
                "ce n'est pas un relevé camt.053 des versions .001.02 à .001.08 (élément « {} », espace de noms « {ns} »)",
                root.tag_name().name()
            ));
        }
        let format = format!("camt.053.001.{version}");
        let statements: Vec<Node<'_, '_>> = child(root, "BkToCstmrStmt")
            .map(|b| b.children().filter(|c| c.has_tag_name("Stmt")).collect())
            .unwrap_or_default();
        if statements.is_empty() {
            return Err("le fichier camt.053 ne contient aucun relevé (Stmt)".into());
        }
        let mut out = Statement {
            format,
            id: String::new(),
            account: String::new(),
            entries: Vec::new(),
        };
        let mut ids = Vec::new();
        for stmt in statements {
            ids.push(text(child(stmt, "Id")));
            let account = child(stmt, "Acct").and_then(|a| child(a, "Id"));
            let account = text(
                account
                    .and_then(|i| child(i, "IBAN"))
                    .or_else(|| account.and_then(|i| path(i, &["Othr", "Id"]))),
            );
            if out.account.is_empty() {
                out.account = account.replace(' ', "");
            }
            for (k, ntry) in stmt
                .children()
                .filter(|c| c.has_tag_name("Ntry"))
                .enumerate()
            {
                entry(
                    ntry,
                    ids.last().map(String::as_str).unwrap_or("?"),
                    k,
                    &mut out.entries,
                )?;
                if out.entries.len() > MAX_ENTRIES {
                    return Err(format!(
                        "plus de {MAX_ENTRIES} mouvements : découpez le relevé par période"
                    ));
                }
            }
        }
        out.id = ids.join("+");
        Ok(out)
    }
}

/// One booked `Ntry` (the `k`-th of statement `statement`) as one entry, or one per
/// transaction when a batch gives each its amount; pending and other entries are skipped.
fn entry(
    ntry: Node<'_, '_>,
    statement: &str,
    k: usize,
    out: &mut Vec<StatementEntry>,
) -> Result<(), String> {
    let at = || format!("relevé {statement}, mouvement {}", k + 1);
    let status = child(ntry, "Sts")
        .map(|s| {
            let own = s.text().unwrap_or("").trim().to_string();
            if own.is_empty() {
                text(child(s, "Cd"))
            } else {
                own
            }
        })
        .unwrap_or_default();
    if status != "BOOK" {
        return Ok(());
    }
    let credit = match text(child(ntry, "CdtDbtInd")).as_str() {
        "CRDT" => true,
        "DBIT" => false,
        other => {
            return Err(format!(
                "{} : sens « {other} » (CRDT ou DBIT attendu)",
                at()
            ));
        }
    };
    let amount_node = child(ntry, "Amt");
    let currency = amount_node.and_then(|a| a.attribute("Ccy")).unwrap_or("");
    if currency != "EUR" {
        return Err(format!(
            "{} : montant en « {currency} » (comptoir tient ses comptes en euros)",
            at()
        ));
    }
    let amount_text = text(amount_node);
    let amount = decimal(&amount_text)
        .ok_or_else(|| format!("{} : montant « {amount_text} » illisible", at()))?;
    let booked = date_of(child(ntry, "BookgDt"))
        .ok_or_else(|| format!("{} : date de comptabilisation absente ou illisible", at()))?;
    let value = date_of(child(ntry, "ValDt")).unwrap_or(booked);
    let reference = [
        text(child(ntry, "AcctSvcrRef")),
        text(child(ntry, "NtryRef")),
    ]
    .into_iter()
    .find(|r| !r.is_empty())
    .unwrap_or_else(|| format!("{statement}#{}", k + 1));
    let general = text(child(ntry, "AddtlNtryInf"));
    let details: Vec<Node<'_, '_>> = ntry
        .descendants()
        .filter(|d| d.has_tag_name("TxDtls"))
        .collect();
    let split = details.len() > 1 && details.iter().all(|t| tx_amount(*t).is_some());
    if split {
        for (i, tx) in details.iter().enumerate() {
            let (payer, remittance) = describe(std::slice::from_ref(tx));
            out.push(StatementEntry {
                reference: format!("{reference}/{}", i + 1),
                credit,
                amount: tx_amount(*tx).unwrap_or(crate::domain::Cents::ZERO),
                booked,
                value,
                payer,
                remittance: [general.clone(), remittance].join(" ").trim().to_string(),
            });
        }
    } else {
        let (payer, remittance) = describe(&details);
        out.push(StatementEntry {
            reference,
            credit,
            amount,
            booked,
            value,
            payer,
            remittance: [general, remittance].join(" ").trim().to_string(),
        });
    }
    Ok(())
}

/// The payer and the remittance text of an entry's transaction details.
fn describe(nodes: &[Node<'_, '_>]) -> (String, String) {
    let mut payer = String::new();
    let mut remit: Vec<String> = Vec::new();
    for n in nodes {
        if payer.is_empty()
            && let Some(d) = n.descendants().find(|d| d.has_tag_name("Dbtr"))
        {
            payer = text(d.descendants().find(|x| x.has_tag_name("Nm")));
        }
        for d in n.descendants() {
            let keep = d.has_tag_name("Ustrd")
                || d.has_tag_name("EndToEndId")
                || d.has_tag_name("AddtlTxInf")
                || (d.has_tag_name("Ref")
                    && d.parent().is_some_and(|p| p.has_tag_name("CdtrRefInf")));
            if keep {
                let t = text(Some(d));
                if !t.is_empty() && t != "NOTPROVIDED" {
                    remit.push(t);
                }
            }
        }
    }
    (payer, remit.join(" "))
}

/// A transaction's own amount, when its details give one.
fn tx_amount(tx: Node<'_, '_>) -> Option<crate::domain::Cents> {
    child(tx, "Amt")
        .or_else(|| path(tx, &["AmtDtls", "TxAmt", "Amt"]))
        .and_then(|a| decimal(&text(Some(a))))
}

//! Decisions on a bank statement's entry, from the Rapprochement screen: confirm what the
//! import proposed, name the invoices it pays, or set it aside with a reason.

use super::steps::{confirm, missing_input};
use super::{Args, Op, OpKind, OpSpec, Outcome, Prepared, Target};
use crate::app::App;
use crate::domain::bank::{BankRecord, BankState};
use crate::ui::Level;
use crate::ui::forms::{Field, FieldId, Form};

pub(crate) const BANK_OPS: [OpSpec; 3] = [
    OpSpec {
        kind: OpKind::BankConfirm,
        when: "sur une entrée pour laquelle l'import propose une facture",
        issues: None,
        key: 'c',
        label: "confirmer",
        short: "confirmer la proposition (le paiement est enregistré)",
        verb: "confirmer",
        phrase: "Confirmer l'entrée",
        applies: |_| true,
        prepare: prepare_confirm,
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| outcome(app.bank_confirm(who, entry_of(t)), "rapprochée"),
    },
    OpSpec {
        kind: OpKind::BankAssign,
        when: "sur une entrée proposée ou non rapprochée",
        issues: None,
        key: 'a',
        label: "désigner les factures",
        short: "désigner les factures payées (réparti dans l'ordre donné)",
        verb: "designer",
        phrase: "Désigner les factures de l'entrée",
        applies: |_| true,
        prepare: prepare_assign,
        submit: submit_assign,
        run: |app, who, t, args| match args {
            Args::Invoices(list) => outcome(app.bank_assign(who, entry_of(t), &list), "rapprochée"),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::BankDismiss,
        when: "sur une entrée proposée ou non rapprochée",
        issues: None,
        key: 'x',
        label: "écarter",
        short: "écarter (ce n'est le paiement d'aucune facture), avec la raison",
        verb: "ecarter",
        phrase: "Écarter l'entrée",
        applies: |_| true,
        prepare: prepare_dismiss,
        submit: |form| {
            let reason = form.value(FieldId::Reason).trim().to_string();
            if reason.is_empty() {
                return Err("dites pourquoi l'entrée est écartée".into());
            }
            Ok((format!("Raison : {reason}"), Args::Reason(reason)))
        },
        run: |app, who, t, args| match args {
            Args::Reason(r) => outcome(app.bank_dismiss(who, entry_of(t), &r), "écartée"),
            _ => missing_input(),
        },
    },
];

fn entry_of(t: &Target) -> u64 {
    match t {
        Target::BankEntry(id) => *id,
        _ => 0,
    }
}

fn outcome(r: Result<BankRecord, crate::app::AppError>, done: &str) -> Outcome {
    match r {
        Ok(rec) => (
            Level::Ok,
            format!("Entrée n° {} {done} — {}", rec.id, rec.describe()),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

fn record(app: &App, op: &Op) -> Result<BankRecord, String> {
    let id = entry_of(&op.target);
    app.bank_entries(false)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| format!("aucune entrée de relevé n° {id}"))
}

/// The entry in a few lines: what the bank says, and what the import found.
fn intro(r: &BankRecord) -> Vec<String> {
    vec![
        format!(
            "Entrée n° {} : {} reçus le {} (valeur {}) de « {} »",
            r.id,
            r.amount.fr(),
            r.booked.fr(),
            r.value.fr(),
            if r.payer.is_empty() { "?" } else { &r.payer }
        ),
        format!("Libellé : {}", r.remittance),
        r.describe(),
    ]
}

fn prepare_confirm(app: &App, op: &Op) -> Result<Prepared, String> {
    let r = record(app, op)?;
    let BankState::Proposed {
        order, penalties, ..
    } = &r.state
    else {
        return Err(format!(
            "l'entrée n° {} n'a pas de proposition : désignez les factures (a) ou écartez-la (x)",
            r.id
        ));
    };
    let mut lines = intro(&r);
    lines.push(format!(
        "Enregistrer {} comme {} de {order} ?",
        r.amount.fr(),
        if *penalties {
            "intérêts moratoires et indemnité"
        } else {
            "paiement"
        }
    ));
    Ok(confirm("Confirmer le rapprochement", lines, op))
}

fn prepare_assign(app: &App, op: &Op) -> Result<Prepared, String> {
    let r = record(app, op)?;
    let suggested = match &r.state {
        BankState::Proposed {
            invoice: Some(i), ..
        } => i.to_string(),
        _ => String::new(),
    };
    // The open invoices of that amount, to pick from (the body's name helps).
    let mut lines = intro(&r);
    let mut same = Vec::new();
    app.index().for_each_card(|card| {
        for l in card.late.iter().filter(|l| l.unpaid == r.amount) {
            if same.len() < 6 {
                same.push((l.invoice, card.customer));
            }
        }
    });
    if same.is_empty() {
        lines.push(format!(
            "Aucune facture ouverte de {} exactement.",
            r.amount.fr()
        ));
    } else {
        lines.push(format!(
            "Factures ouvertes de {} : {}",
            r.amount.fr(),
            same.iter()
                .map(|(i, c)| format!("{i} ({})", app.index().customer_name(*c)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Prepared::Form(
        Form::new(
            "Désigner les factures payées",
            lines,
            vec![Field::text(
                FieldId::Invoices,
                "Factures",
                &suggested,
                "FA-2026-00042 FA-2026-00043 (dans l'ordre où payer)",
            )],
        ),
        op.clone(),
    ))
}

fn submit_assign(form: &Form) -> Result<(String, Args), String> {
    let list: Vec<String> = form
        .value(FieldId::Invoices)
        .split([' ', ',', ';'])
        .filter(|w| !w.trim().is_empty())
        .map(str::to_string)
        .collect();
    if list.is_empty() {
        return Err("au moins une facture (FA-AAAA-NNNNN)".into());
    }
    Ok((
        format!("Factures : {}", list.join(", ")),
        Args::Invoices(list),
    ))
}

fn prepare_dismiss(app: &App, op: &Op) -> Result<Prepared, String> {
    let r = record(app, op)?;
    Ok(Prepared::Form(
        Form::new(
            "Écarter l'entrée",
            intro(&r),
            vec![Field::text(
                FieldId::Reason,
                "Raison",
                "",
                "ex. remise de chèque d'un particulier",
            )],
        ),
        op.clone(),
    ))
}

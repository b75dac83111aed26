//! The operations that leave the shop: an invoice to Chorus Pro, a letter to the body
//! (reminder, formal notice, interest claim), a document or a letter by e-mail.

use super::steps::*;
use super::{Args, Op, Outcome, Prepared, Target};
use crate::app::{Actor, App};
use crate::domain::DocNumber;
use crate::ui::Level;
use crate::ui::forms::{Field, FieldId, Form};

/// `S`: an invoice or credit note of the order to Chorus Pro — the newest not yet there.
pub(super) fn prepare_chorus_send(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    let candidates: Vec<DocNumber> = v
        .order
        .documents
        .iter()
        .rev()
        .map(|d| d.number)
        .filter(|n| {
            matches!(
                n.kind,
                crate::domain::DocKind::Invoice | crate::domain::DocKind::CreditNote
            )
        })
        .filter(|n| {
            !v.chorus.iter().any(|r| {
                r.number == *n
                    && !matches!(r.state, crate::domain::chorus::ChorusState::Refused { .. })
            })
        })
        .collect();
    if candidates.is_empty() {
        return Err("toutes les factures et avoirs de la commande sont déjà sur Chorus Pro".into());
    }
    intro.push(
        "Le PDF/A-3 avec son Factur-X, tel qu'émis, part sur Chorus Pro ; si la plateforme \
         ne répond pas, il reste en file et repart de lui-même."
            .into(),
    );
    Ok(Prepared::Form(
        Form::new(
            "Déposer sur Chorus Pro",
            intro,
            vec![Field::text(
                FieldId::Invoice,
                "Facture ou avoir",
                &candidates[0].to_string(),
                &candidates
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_chorus_send(form: &Form) -> Result<(String, Args), String> {
    let v = form.value(FieldId::Invoice);
    let n = DocNumber::parse(v)
        .filter(|n| {
            matches!(
                n.kind,
                crate::domain::DocKind::Invoice | crate::domain::DocKind::CreditNote
            )
        })
        .ok_or_else(|| format!("« {v} » n'est pas un numéro de facture ou d'avoir"))?;
    Ok((
        format!("Déposer {n} sur Chorus Pro."),
        Args::Reason(n.to_string()),
    ))
}

pub(super) fn run_chorus_send(app: &App, who: &Actor, _t: &Target, args: Args) -> Outcome {
    let Args::Reason(number) = args else {
        return missing_input();
    };
    if let Err(e) = app.chorus_send(who, &number) {
        return (Level::Error, e.to_string(), None);
    }
    let _ = app.chorus_run_queue();
    match app.chorus_record(&number) {
        Ok(Some(r)) => (
            match r.state {
                crate::domain::chorus::ChorusState::Refused { .. } => Level::Error,
                _ => Level::Ok,
            },
            format!("Chorus Pro · {number} : {}", r.describe()),
            None,
        ),
        Ok(None) => (Level::Ok, format!("{number} en file pour Chorus Pro"), None),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

/// A letter's confirmation: what it will be about, or why none can be written now.
pub(super) fn letter_confirm(
    app: &App,
    op: &Op,
    kind: crate::domain::letter::LetterKind,
) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    let (invoices, _, asked) = crate::domain::letter::letter_invoices(
        &v.order,
        kind,
        app.today(),
        &app.settings().ecb_rates,
    )
    .map_err(|why| format!("{} impossible : {why}", kind.label()))?;
    intro.push(format!(
        "{} pour {} — demande {} ; le PDF est gardé avec son empreinte et listé sur la commande.",
        kind.label(),
        invoices
            .iter()
            .map(|i| i.invoice.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        asked.fr()
    ));
    if let Some(last) = v.letters.iter().rev().find(|l| l.kind == kind) {
        intro.push(format!("Dernier envoi de ce type : {}", last.describe()));
    }
    Ok(confirm(kind.label(), intro, op))
}

pub(super) fn letter_run(
    app: &App,
    who: &Actor,
    t: &Target,
    kind: crate::domain::letter::LetterKind,
) -> Outcome {
    match app.write_letter(who, order_of(t), kind) {
        Ok(l) => (
            Level::Ok,
            format!(
                "{} — ssh … doc get {} > {}",
                l.describe(),
                l.reference,
                l.file_name()
            ),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

/// Sending by e-mail: the newest document or letter of the order, to its contact; both
/// may be changed, and the confirmation says to whom it goes.
pub(super) fn prepare_email(app: &App, op: &Op) -> Result<Prepared, String> {
    let (intro, v) = order_intro(app, op)?;
    let newest_letter = v.letters.last().map(|l| (l.date, l.reference.clone()));
    let newest_doc = v
        .order
        .documents
        .last()
        .map(|d| (d.date, d.number.to_string()));
    let reference = match (newest_letter, newest_doc) {
        (Some(l), Some(d)) => {
            // A letter is written after the documents it is about.
            if l.0 >= d.0 { l.1 } else { d.1 }
        }
        (Some(l), None) => l.1,
        (None, Some(d)) => d.1,
        (None, None) => return Err("la commande n'a encore aucun document à envoyer".into()),
    };
    let to = [v.order.contact.email.clone()]
        .into_iter()
        .chain(v.customer.contacts.iter().map(|c| c.email.clone()))
        .find(|e| !e.trim().is_empty())
        .unwrap_or_default();
    Ok(Prepared::Form(
        Form::new(
            "Envoyer par e-mail",
            intro,
            vec![
                Field::text(
                    FieldId::Reference,
                    "Document ou courrier",
                    &reference,
                    "DEV-…, BL-…, FA-… (le dossier de paiement), AV-…, LET-…",
                ),
                Field::text(FieldId::To, "Destinataire(s)", &to, "adresse[, adresse]"),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_email(form: &Form) -> Result<(String, Args), String> {
    let reference = form.value(FieldId::Reference).trim().to_uppercase();
    let to = form.value(FieldId::To).trim().to_string();
    if reference.is_empty() {
        return Err("le numéro du document ou du courrier".into());
    }
    if to.is_empty() {
        return Err("au moins une adresse".into());
    }
    Ok((
        format!("Envoyer {reference} à {to} par le relais SMTP de la boutique."),
        Args::Mail { reference, to },
    ))
}

//! The forms of money and the payment delay: a payment (and a surplus accepted), a
//! refund, the body's receipt of an invoice, an interruption and a resumption of its
//! delay, interest received or waived.

use super::steps::{
    date_of, invoice_field, invoice_of, missing_input, order_intro, order_of, order_result, text,
};
use super::{Args, Op, Outcome, Prepared, Target};
use crate::app::{Actor, App};
use crate::domain::money::parse_eur;
use crate::domain::pipeline::DelayNotice;
use crate::domain::{Cents, Date};
use crate::ui::forms::{Field, FieldId, Form};

pub(super) fn prepare_pay(app: &App, op: &Op) -> Result<Prepared, String> {
    let (intro, v) = order_intro(app, op)?;
    let today = app.today().fr();
    let due = crate::domain::money::format_number_fr(v.order.outstanding()).replace(' ', "");
    Ok(Prepared::Form(
        Form::new(
            "Paiement reçu",
            intro,
            vec![
                Field::text(FieldId::Date, text::PAY_DATE, &today, text::DATE_HINT),
                Field::text(FieldId::Amount, text::PAY_AMOUNT, &due, ""),
                Field::text(FieldId::Reference, text::PAY_REF, "", "n° du mandat"),
                Field::text(
                    FieldId::Surplus,
                    "Trop-perçu accepté",
                    "non",
                    "oui : plus que le reste dû, vu sur le relevé",
                ),
            ],
        ),
        op.clone(),
    ))
}

/// Date, amount and reference of a payment form (a mandate, interest, a refund).
fn payment_fields(form: &Form) -> Result<(Date, Cents, String), String> {
    let date_text = form.value(FieldId::Date);
    let date = Date::parse_fr(date_text)
        .ok_or_else(|| format!("date « {date_text} » invalide (JJ/MM/AAAA)"))?;
    let amount_text = form.value(FieldId::Amount);
    let amount =
        parse_eur(amount_text).ok_or_else(|| format!("montant « {amount_text} » invalide"))?;
    Ok((date, amount, form.value(FieldId::Reference).to_string()))
}

pub(super) fn submit_pay(form: &Form) -> Result<(String, Args), String> {
    let surplus = match form.value(FieldId::Surplus).trim().to_lowercase().as_str() {
        "" | "non" | "n" => false,
        "oui" | "o" => true,
        other => {
            return Err(format!(
                "trop-perçu accepté : « {other} », répondez oui ou non"
            ));
        }
    };
    payment(form, surplus)
}

/// Interest is paid apart from the principal, with no surplus to accept.
pub(super) fn submit_pay_interest(form: &Form) -> Result<(String, Args), String> {
    payment(form, false)
}

fn payment(form: &Form, surplus: bool) -> Result<(String, Args), String> {
    let (date, amount, reference) = payment_fields(form)?;
    let mut line = format!(
        "Paiement de {} le {}, mandat {reference}.",
        amount.fr(),
        date.fr()
    );
    if surplus {
        line += " Ce qui dépasse le reste dû sera à rembourser.";
    }
    Ok((
        line,
        Args::Payment {
            date,
            amount,
            reference,
            surplus,
        },
    ))
}

pub(super) fn prepare_refund(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    let credit = v.order.credit_balance();
    intro.push(format!(
        "Trop-perçu à rembourser : {} (payé {}, facturé {}, déjà remboursé {}).",
        credit.fr(),
        v.order.paid_amount().fr(),
        v.order.invoiced_amount().fr(),
        v.order.refunded_amount().fr()
    ));
    let amount = crate::domain::money::format_number_fr(credit).replace(' ', "");
    Ok(Prepared::Form(
        Form::new(
            "Remboursement du trop-perçu",
            intro,
            vec![
                Field::text(
                    FieldId::Date,
                    "Date du virement",
                    &app.today().fr(),
                    text::DATE_HINT,
                ),
                Field::text(FieldId::Amount, text::PAY_AMOUNT, &amount, ""),
                Field::text(FieldId::Reference, "Référence du virement", "", ""),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_refund(form: &Form) -> Result<(String, Args), String> {
    let (date, amount, reference) = payment_fields(form)?;
    let line = format!(
        "Remboursement de {} le {}, virement {reference}.",
        amount.fr(),
        date.fr()
    );
    Ok((
        line,
        Args::Payment {
            date,
            amount,
            reference,
            surplus: false,
        },
    ))
}

/// The three forms that date something about an invoice.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum InvoiceDateForm {
    Receipt,
    Suspend,
    Resume,
}

pub(super) fn prepare_invoice_date(
    app: &App,
    op: &Op,
    which: InvoiceDateForm,
) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    for inv in &v.invoices {
        intro.extend(inv.explain().into_iter().take(2));
    }
    let (title, label, notice) = match which {
        InvoiceDateForm::Receipt => (
            "Réception de la facture par l'organisme",
            "Date de réception (notification Chorus Pro)",
            DelayNotice::Received,
        ),
        InvoiceDateForm::Suspend => (
            "Interruption du délai de paiement (R2192-27)",
            "Date de la notification d'interruption",
            DelayNotice::Interrupted {
                reason: String::new(),
            },
        ),
        InvoiceDateForm::Resume => (
            "Reprise du délai de paiement (R2192-29)",
            "Date de réception des pièces manquantes",
            DelayNotice::Resumed,
        ),
    };
    // The invoices the pipeline would take the notice for, as it decides it.
    let candidates = notice.candidates(&v.order);
    let mut fields = vec![
        invoice_field(&candidates),
        Field::text(FieldId::Date, label, &app.today().fr(), text::DATE_HINT),
    ];
    if which == InvoiceDateForm::Suspend {
        fields.push(Field::text(
            FieldId::Reason,
            "Pièces manquantes (selon la notification)",
            "",
            "obligatoire",
        ));
    }
    Ok(Prepared::Form(Form::new(title, intro, fields), op.clone()))
}

pub(super) fn submit_invoice_date(
    form: &Form,
    which: InvoiceDateForm,
) -> Result<(String, Args), String> {
    let invoice = invoice_of(form)?;
    let date = date_of(form, FieldId::Date)?;
    let which_invoice = invoice
        .map(|n| n.to_string())
        .unwrap_or("la facture".into());
    let (line, notice) = match which {
        InvoiceDateForm::Receipt => (
            format!("{which_invoice} : {}.", date.fr()),
            DelayNotice::Received,
        ),
        InvoiceDateForm::Resume => (
            format!("{which_invoice} : {}.", date.fr()),
            DelayNotice::Resumed,
        ),
        InvoiceDateForm::Suspend => {
            let reason = form.value(FieldId::Reason).to_string();
            (
                format!("{which_invoice} : interrompu le {} ({reason}).", date.fr()),
                DelayNotice::Interrupted { reason },
            )
        }
    };
    Ok((
        line,
        Args::Delay {
            invoice,
            date,
            notice,
        },
    ))
}

/// Records a notice of the payment delay, whichever form gathered it.
pub(super) fn run_delay(app: &App, who: &Actor, t: &Target, args: Args) -> Outcome {
    match args {
        Args::Delay {
            invoice,
            date,
            notice,
        } => order_result(
            app.record_delay_notice(who, order_of(t), invoice, date, &notice),
            notice.done(),
        ),
        _ => missing_input(),
    }
}

pub(super) fn prepare_pay_interest(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    let owed = v.penalties.owed();
    intro.push(format!(
        "Intérêts moratoires et indemnité dus : {} (reçus à part du principal).",
        owed.fr()
    ));
    let due = crate::domain::money::format_number_fr(owed).replace(' ', "");
    Ok(Prepared::Form(
        Form::new(
            "Intérêts moratoires reçus",
            intro,
            vec![
                Field::text(
                    FieldId::Date,
                    text::PAY_DATE,
                    &app.today().fr(),
                    text::DATE_HINT,
                ),
                Field::text(FieldId::Amount, text::PAY_AMOUNT, &due, ""),
                Field::text(FieldId::Reference, text::PAY_REF, "", "n° du mandat"),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn prepare_waive(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    intro.push(format!(
        "Intérêts moratoires et indemnité dus : {}. Leur abandon est réservé aux \
         administrateurs et tracé avec son motif.",
        v.penalties.owed().fr()
    ));
    Ok(Prepared::Form(
        Form::new(
            "Abandonner les intérêts moratoires",
            intro,
            vec![
                Field::text(FieldId::Reason, text::REASON, "", "obligatoire"),
                Field::text(
                    FieldId::Amount,
                    "Montant abandonné (€)",
                    "",
                    "tout par défaut",
                )
                .optional(),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_waive(form: &Form) -> Result<(String, Args), String> {
    let reason = form.value(FieldId::Reason).to_string();
    let a = form.value(FieldId::Amount);
    let amount = if a.is_empty() {
        None
    } else {
        Some(parse_eur(a).ok_or_else(|| format!("montant « {a} » invalide"))?)
    };
    let line = match amount {
        Some(a) => format!("Abandonner {} (motif : {reason}).", a.fr()),
        None => format!("Abandonner tout ce qui est dû (motif : {reason})."),
    };
    Ok((line, Args::Waive { amount, reason }))
}

//! The steps of each operation: the forms it shows, how a submitted form is read, and
//! the result line of its app call. `mod.rs` ties them to each operation's spec.

use super::{Args, Op, Outcome, Pending, Prepared, Target};
use crate::app::queries::OrderView;
use crate::app::{Actor, App, AppError};
use crate::domain::money::parse_eur;
use crate::domain::pipeline::{CreditScope, OriginalPoInput};
use crate::domain::{
    Cents, Checklist, Date, DocNumber, EligibilityStatus, IssuedDocument, Order, VatRate,
};
use crate::ui::Level;
use crate::ui::forms::{Confirm, Field, FieldId, Form};

pub(super) mod text {
    pub(in crate::ui::actions) const PO_NUMBER: &str = "N° de bon de commande / d'engagement";
    pub(in crate::ui::actions) const PO_DATE: &str = "Date du bon de commande";
    pub(in crate::ui::actions) const LETTERHEAD: &str = "Sur papier à en-tête de l'organisme";
    pub(in crate::ui::actions) const DATED: &str = "Daté";
    pub(in crate::ui::actions) const SIGNED: &str = "Signé";
    pub(in crate::ui::actions) const STAMPED: &str = "Revêtu du cachet officiel";
    pub(in crate::ui::actions) const AMOUNT_MATCHES: &str = "Montant conforme au devis";
    pub(in crate::ui::actions) const REASON: &str = "Motif";
    pub(in crate::ui::actions) const PAY_DATE: &str = "Date du paiement";
    pub(in crate::ui::actions) const PAY_AMOUNT: &str = "Montant (€)";
    pub(in crate::ui::actions) const PAY_REF: &str = "Référence du mandat";
    pub(in crate::ui::actions) const DATE_HINT: &str = "JJ/MM/AAAA";
    pub(in crate::ui::actions) const CONTRACT: &str = "Référence du marché";
    pub(in crate::ui::actions) const INVOICE: &str = "Facture";
}

pub(super) fn order_of(t: &Target) -> &str {
    match t {
        Target::Order(n) => n,
        Target::Customer(_) | Target::Shop | Target::Product(_) | Target::BankEntry(_) => "",
    }
}

pub(super) fn reason_of(args: Args) -> String {
    match args {
        Args::Reason(r) => r,
        _ => String::new(),
    }
}

pub(super) fn missing_input() -> Outcome {
    (
        Level::Error,
        "saisie incomplète : rien n'a été fait".into(),
        None,
    )
}

pub(super) fn no_form(_: &Form) -> Result<(String, Args), String> {
    Ok((String::new(), Args::None))
}

/// The first lines of every order form: number, body, amount, stage.
pub(super) fn order_intro(app: &App, op: &Op) -> Result<(Vec<String>, OrderView), String> {
    let v = app
        .order_view(order_of(&op.target))
        .map_err(|e| e.to_string())?;
    let intro = vec![format!(
        "{} — {} — {} TTC — {}",
        v.order.number,
        v.customer.legal_name,
        v.totals.incl_vat.fr(),
        v.stage.label()
    )];
    Ok((intro, v))
}

pub(super) fn reason_form(title: &str, intro: Vec<String>, op: &Op) -> Prepared {
    Prepared::Form(
        Form::new(
            title,
            intro,
            vec![Field::text(
                FieldId::Reason,
                text::REASON,
                "",
                "obligatoire",
            )],
        ),
        op.clone(),
    )
}

/// A confirmation that issues a legal document says what is issued and needs its button.
pub(super) fn issuing(mut c: Confirm, op: &Op) -> Confirm {
    if let Some((button, what)) = op.spec().issues {
        c.lines.push(format!(
            "Sera émis : {what}, numéroté à l'émission — un document émis ne change plus."
        ));
        c.issue = Some(button.to_string());
    }
    c
}

pub(super) fn confirm(title: &str, lines: Vec<String>, op: &Op) -> Prepared {
    Prepared::Confirm(
        issuing(
            Confirm {
                issue: None,
                issue_focused: false,
                title: title.into(),
                lines,
            },
            op,
        ),
        Pending {
            op: op.clone(),
            args: Args::None,
        },
    )
}

pub(super) fn prepare_pre_order(app: &App, op: &Op) -> Result<Prepared, String> {
    let mut lines = order_intro(app, op)?.0;
    lines.push(
        "L'e-mail du bon de commande est arrivé : les marchandises seront réservées, \
         l'expédition attendra l'original."
            .into(),
    );
    for s in app
        .shortages(order_of(&op.target))
        .map_err(|e| e.to_string())?
    {
        lines.push(format!(
            "⚠ Rupture : {} — {} disponible(s) pour {} demandée(s)",
            s.designation, s.available, s.wanted
        ));
    }
    Ok(confirm("Enregistrer la pré-commande ?", lines, op))
}

pub(super) fn prepare_receive(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    intro.push(format!(
        "Devis valable jusqu'au {} : cochez chaque point vérifié sur l'original.",
        v.order.quote.valid_until.fr()
    ));
    Ok(Prepared::Form(
        Form::new(
            "Bon de commande original reçu",
            intro,
            vec![
                Field::text(
                    FieldId::PoNumber,
                    text::PO_NUMBER,
                    "",
                    "50 caractères au plus",
                ),
                Field::text(FieldId::PoDate, text::PO_DATE, "", text::DATE_HINT),
                Field::check(FieldId::Letterhead, text::LETTERHEAD),
                Field::check(FieldId::Dated, text::DATED),
                Field::check(FieldId::Signed, text::SIGNED),
                Field::check(FieldId::Stamped, text::STAMPED),
                Field::check(FieldId::AmountMatches, text::AMOUNT_MATCHES),
                Field::text(FieldId::Contract, text::CONTRACT, "", "facultatif (BT-12)").optional(),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_receive(form: &Form) -> Result<(String, Args), String> {
    let date = form.value(FieldId::PoDate);
    let po_date =
        Date::parse_fr(date).ok_or_else(|| format!("date « {date} » invalide (JJ/MM/AAAA)"))?;
    let checklist = Checklist {
        letterhead: form.checked(FieldId::Letterhead),
        dated: form.checked(FieldId::Dated),
        signed: form.checked(FieldId::Signed),
        stamped: form.checked(FieldId::Stamped),
        amount_matches: form.checked(FieldId::AmountMatches),
    };
    let po_number = form.value(FieldId::PoNumber).to_string();
    let line = format!(
        "BC n° {po_number} du {}, vérifié : à en-tête, daté, signé, cacheté, montant conforme.",
        po_date.fr()
    );
    Ok((
        line,
        Args::Original(OriginalPoInput {
            po_number,
            po_date,
            checklist,
            contract: Some(form.value(FieldId::Contract).to_string()).filter(|c| !c.is_empty()),
        }),
    ))
}

pub(super) fn prepare_deliver(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    intro.push(
        "Quantités à expédier (tout le reste par défaut ; 0 pour ne pas livrer une ligne).".into(),
    );
    let fields = v
        .order
        .lines
        .iter()
        .map(|l| {
            Field::text(
                FieldId::Quantity,
                &format!("{} (reste {})", l.designation, l.to_deliver()),
                &l.to_deliver().to_string(),
                "",
            )
        })
        .collect();
    Ok(Prepared::Form(
        Form::new("Bon de livraison", intro, fields),
        op.clone(),
    ))
}

pub(super) fn submit_deliver(form: &Form) -> Result<(String, Args), String> {
    let mut q = Vec::new();
    for f in form.fields_named(FieldId::Quantity) {
        let value = f.value.trim();
        let n: u32 = value
            .parse()
            .map_err(|_| format!("{} : « {value} » n'est pas une quantité", f.label))?;
        q.push(n);
    }
    let line = format!(
        "Expédier {} unité(s) et émettre le bon de livraison.",
        q.iter().sum::<u32>()
    );
    Ok((line, Args::Quantities(q)))
}

pub(super) fn prepare_invoice(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut lines, v) = order_intro(app, op)?;
    let billable: Cents = v
        .order
        .lines
        .iter()
        .map(|l| l.unit_price * l.to_invoice() as i64)
        .sum();
    lines.push(format!(
        "Facturer ce qui a été livré et pas encore facturé ({} HT).",
        billable.fr()
    ));
    lines.push(format!(
        "Échéance : {} jours (délai global de paiement).",
        v.customer.payment_delay_days()
    ));
    Ok(confirm("Émettre la facture ?", lines, op))
}

/// The invoice a form is about: the only candidate, prefilled; staff may type another.
pub(super) fn invoice_field(candidates: &[DocNumber]) -> Field {
    let value = match candidates {
        [one] => one.to_string(),
        _ => String::new(),
    };
    let hint = candidates
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Field::text(FieldId::Invoice, text::INVOICE, &value, &hint)
}

pub(super) fn invoice_of(form: &Form) -> Result<Option<DocNumber>, String> {
    let v = form.value(FieldId::Invoice);
    if v.is_empty() {
        return Ok(None);
    }
    DocNumber::parse(v)
        .map(Some)
        .ok_or_else(|| format!("« {v} » n'est pas un numéro de facture"))
}

pub(super) fn date_of(form: &Form, name: FieldId) -> Result<Date, String> {
    let v = form.value(name);
    Date::parse_fr(v).ok_or_else(|| format!("date « {v} » invalide (JJ/MM/AAAA)"))
}

pub(super) fn prepare_credit(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    let live: Vec<DocNumber> = v.order.live_invoices().map(|i| i.number).collect();
    intro.push(
        "Quantités à créditer par ligne, ou un montant HT avec son motif : l'avoir réduit \
         la facture. Tout à 0 et montant vide : l'avoir annule toute la facture, qui \
         pourra être émise à nouveau."
            .into(),
    );
    let mut fields = vec![
        invoice_field(&live),
        Field::text(FieldId::Reason, text::REASON, "", "obligatoire"),
    ];
    for l in &v.order.lines {
        fields.push(Field::text(
            FieldId::Quantity,
            &format!("{} (facturé {})", l.designation, l.invoiced),
            "0",
            "",
        ));
    }
    fields.push(Field::text(FieldId::Amount, "Ou montant HT (€)", "", "facultatif").optional());
    fields.push(
        Field::text(
            FieldId::Vat,
            "Taux de TVA du montant",
            "",
            "si plusieurs taux",
        )
        .optional(),
    );
    Ok(Prepared::Form(
        Form::new("Avoir", intro, fields),
        op.clone(),
    ))
}

pub(super) fn submit_credit(form: &Form) -> Result<(String, Args), String> {
    let invoice = invoice_of(form)?;
    let reason = form.value(FieldId::Reason).to_string();
    let mut q = Vec::new();
    for f in form.fields_named(FieldId::Quantity) {
        let value = f.value.trim();
        let n: u32 = if value.is_empty() {
            0
        } else {
            value
                .parse()
                .map_err(|_| format!("{} : « {value} » n'est pas une quantité", f.label))?
        };
        q.push(n);
    }
    let amount = form.value(FieldId::Amount);
    let which = invoice
        .map(|n| n.to_string())
        .unwrap_or("la facture".into());
    let (line, scope) = if !amount.is_empty() {
        if q.iter().any(|x| *x > 0) {
            return Err("donnez des quantités ou un montant, pas les deux".into());
        }
        let net = parse_eur(amount).ok_or_else(|| format!("montant « {amount} » invalide"))?;
        let vat_text = form.value(FieldId::Vat);
        let vat = if vat_text.is_empty() {
            None
        } else {
            Some(
                VatRate::parse_percent(vat_text)
                    .ok_or_else(|| format!("taux de TVA « {vat_text} » inconnu"))?,
            )
        };
        (
            format!("Réduire {which} de {} HT (motif : {reason}).", net.fr()),
            CreditScope::Amount { net, vat },
        )
    } else if q.iter().any(|x| *x > 0) {
        (
            format!(
                "Créditer {} unité(s) de {which} (motif : {reason}).",
                q.iter().sum::<u32>()
            ),
            CreditScope::Quantities(q),
        )
    } else {
        (
            format!("Annuler toute {which} (motif : {reason})."),
            CreditScope::Full,
        )
    };
    Ok((
        line,
        Args::Credit {
            invoice,
            scope,
            reason,
        },
    ))
}

pub(super) fn prepare_deliver_to(app: &App, op: &Op) -> Result<Prepared, String> {
    let (mut intro, v) = order_intro(app, op)?;
    let c = &v.customer;
    let addresses = c.delivery_choices();
    let current_address = addresses
        .iter()
        .position(|a| *a == v.order.delivery_address)
        .map(|i| (i + 1).to_string())
        .unwrap_or_default();
    let current_contact = c
        .contacts
        .iter()
        .position(|k| *k == v.order.contact)
        .map(|i| (i + 1).to_string())
        .unwrap_or_default();
    intro.push(format!(
        "Actuellement : {} — contact {}",
        v.order.delivery_address.one_line(),
        v.order.contact.name
    ));
    for (i, a) in addresses.iter().enumerate() {
        intro.push(format!("Adresse {} : {}", i + 1, a.one_line()));
    }
    for (i, k) in c.contacts.iter().enumerate() {
        intro.push(format!(
            "Contact {} : {} {} {}",
            i + 1,
            k.name,
            k.phone,
            k.email
        ));
    }
    Ok(Prepared::Form(
        Form::new(
            "Adresse et contact de livraison",
            intro,
            vec![
                Field::text(
                    FieldId::Address,
                    "Adresse n°",
                    &current_address,
                    "numéro ci-dessus",
                )
                .optional(),
                Field::text(
                    FieldId::Contact,
                    "Contact n°",
                    &current_contact,
                    "numéro ci-dessus",
                )
                .optional(),
            ],
        ),
        op.clone(),
    ))
}

pub(super) fn submit_deliver_to(form: &Form) -> Result<(String, Args), String> {
    let number = |name: FieldId, what: &str| -> Result<Option<usize>, String> {
        let v = form.value(name).trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| format!("{what} « {v} » : donnez son numéro (1, 2, …)"))
    };
    let address = number(FieldId::Address, "adresse")?;
    let contact = number(FieldId::Contact, "contact")?;
    let mut parts = Vec::new();
    if let Some(a) = address {
        parts.push(format!("adresse n° {a}"));
    }
    if let Some(k) = contact {
        parts.push(format!("contact n° {k}"));
    }
    if parts.is_empty() {
        return Err("choisissez une adresse ou un contact (leur numéro)".into());
    }
    let line = format!(
        "Livrer avec {} ; les documents déjà émis ne changent pas.",
        parts.join(" et ")
    );
    Ok((line, Args::DeliverTo { address, contact }))
}

pub(super) fn prepare_renew(app: &App, op: &Op) -> Result<Prepared, String> {
    let mut lines = order_intro(app, op)?.0;
    lines
        .push("Une nouvelle version du devis sera émise aux prix actuels, valable un mois.".into());
    Ok(confirm("Renouveler le devis ?", lines, op))
}

pub(super) fn prepare_eligibility(app: &App, op: &Op, approve: bool) -> Result<Prepared, String> {
    let Target::Customer(id) = op.target else {
        return Err("cette action porte sur un client".into());
    };
    let c = app.customer(id).map_err(|e| e.to_string())?;
    let intro = vec![
        format!(
            "{} — SIRET {} — catégorie {}",
            c.legal_name,
            c.siret.spaced(),
            c.categorie
        ),
        format!(
            "Actuellement : {} ({})",
            c.eligibility.status.label(),
            c.eligibility.reason
        ),
    ];
    let title = if approve {
        "Approuver pour le mandat administratif"
    } else {
        "Refuser le mandat administratif"
    };
    Ok(reason_form(title, intro, op))
}

pub(super) fn submit_eligibility(
    form: &Form,
    status: EligibilityStatus,
) -> Result<(String, Args), String> {
    let reason = form.value(FieldId::Reason).to_string();
    let line = format!("Nouvelle décision : {} (motif : {reason}).", status.label());
    Ok((line, Args::Reason(reason)))
}

pub(super) fn eligibility(
    app: &App,
    who: &Actor,
    target: &Target,
    status: EligibilityStatus,
    args: Args,
) -> Outcome {
    let Target::Customer(id) = target else {
        return missing_input();
    };
    match app.decide_eligibility(who, *id, status, &reason_of(args)) {
        Ok(c) => (
            Level::Ok,
            format!("{} : {}", c.legal_name, c.eligibility.status.label()),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

pub(super) fn doc_result(r: Result<IssuedDocument, AppError>, what: &str) -> Outcome {
    match r {
        Ok(d) => (
            Level::Ok,
            format!(
                "{what} {} {} ({} TTC)",
                d.number,
                // La facture émise ; le devis, le bon de livraison, l'avoir émis.
                if d.kind() == crate::domain::DocKind::Invoice {
                    "émise"
                } else {
                    "émis"
                },
                d.totals.incl_vat.fr()
            ),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

pub(super) fn order_result(r: Result<Order, AppError>, what: &str) -> Outcome {
    match r {
        Ok(o) => (
            Level::Ok,
            format!("{} : {what} — désormais « {} »", o.number, o.stage.label()),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

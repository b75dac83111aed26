//! What staff can do from the console. Every operation is described once, in [`ORDER_OPS`]
//! or [`CUSTOMER_OPS`]: its key, its French wording, when it applies, its form and the app
//! call it makes. The footer, the help overlay, the palette and the confirmations are all
//! derived from these specs. An operation goes form → confirmation → app use case →
//! result line; a refused one shows the app's own message and changes nothing.

pub(crate) mod bank;
mod catalogue;
mod correct;
mod create;
mod steps;

use super::Tab;
use super::forms::{Confirm, Form};
use crate::app::{Actor, App, Permission};
use crate::domain::pipeline::{CreditScope, OriginalPoInput};
use crate::domain::{Cents, CustomerId, Date, DocNumber, EligibilityStatus, Stage};
use steps::*;

/// A user intent, from a key, the palette or a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Quit,
    Help,
    Theme,
    Tab(Tab),
    Back,
    Search(String),
    OpenOrder(String),
    OpenCustomer(CustomerId),
    OpenDocument(String),
    Do(Op),
    /// An action key that does not apply here: the reason, shown on the status line.
    Explain(String),
    /// The stock screen.
    OpenStock,
    /// The alerts screen.
    OpenAlerts,
    /// The aged balance of receivables.
    OpenAged,
    /// The audit trail (admins).
    OpenAudit,
    /// Bank statements' entries waiting for a person.
    OpenBank,
}

/// Which operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    PreOrder,
    ReceiveOriginal,
    Deliver,
    Invoice,
    Pay,
    CreditNote,
    Cancel,
    RefuseQuote,
    Renew,
    Approve,
    RefuseCustomer,
    ReceivedByBody,
    Suspend,
    Resume,
    PayInterest,
    WaiveInterest,
    DeliverTo,
    EditContacts,
    EditAddresses,
    EditRouting,
    NewQuote,
    NewCustomer,
    NewProduct,
    EditProduct,
    AdjustStock,
    Refund,
    Revise,
    ChorusSend,
    Remind,
    FormalNotice,
    ClaimInterest,
    EmailSend,
    BankConfirm,
    BankAssign,
    BankDismiss,
}

/// What an operation acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An order, by its number (`DEV-2026-00042`).
    Order(String),
    Customer(CustomerId),
    /// The shop itself (a new customer, a new product).
    Shop,
    /// A product of the catalogue, by its reference.
    Product(String),
    /// An imported bank statement entry, by its number.
    BankEntry(u64),
}

/// An operation that changes data, on its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub target: Target,
}

impl Op {
    pub(crate) fn order(kind: OpKind, number: impl Into<String>) -> Op {
        Op {
            kind,
            target: Target::Order(number.into()),
        }
    }

    pub(crate) fn customer(kind: OpKind, id: CustomerId) -> Op {
        Op {
            kind,
            target: Target::Customer(id),
        }
    }

    pub(crate) fn spec(&self) -> &'static OpSpec {
        self.kind.spec()
    }
}

/// What decides which operations an order offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Situation {
    pub stage: Stage,
    /// An invoice is issued and not cancelled (payments and credit notes apply).
    pub live_invoice: bool,
    /// Delivered quantities are waiting for their invoice.
    pub to_invoice: bool,
    /// The quote was renewed: the new version is the one to act on.
    pub renewed: bool,
    /// An invoice's payment delay is interrupted.
    pub suspended: bool,
    /// Interest or indemnity is owed.
    pub penalties_owed: bool,
    /// Something already left the warehouse (the delivery address is history).
    pub delivered: bool,
    /// The body paid more than its live invoices ask for (« trop-perçu » to refund).
    pub credit_balance: bool,
    /// An invoice is past its due date and unpaid.
    pub overdue: bool,
}

/// The inputs an operation collected from its form.
#[derive(Clone, Debug)]
pub(crate) enum Args {
    None,
    Original(OriginalPoInput),
    Quantities(Vec<u32>),
    Payment {
        date: Date,
        amount: Cents,
        reference: String,
        /// More than what is owed is accepted (an overpayment seen on the statement).
        surplus: bool,
    },
    Reason(String),
    /// The invoices a bank entry pays, as typed.
    Invoices(Vec<String>),
    /// A document or letter to send, and to whom.
    Mail {
        reference: String,
        to: String,
    },
    Credit {
        invoice: Option<DocNumber>,
        scope: CreditScope,
        reason: String,
    },
    InvoiceDate {
        invoice: Option<DocNumber>,
        date: Date,
        reason: String,
    },
    Waive {
        amount: Option<Cents>,
        reason: String,
    },
    NewCustomer(Box<crate::app::customers::NewCustomer>),
    Product(Box<crate::domain::Product>),
    Stock {
        delta: i64,
        reason: String,
    },
    NewQuote {
        lines: Vec<(String, u32)>,
        address: Option<usize>,
        contact: Option<usize>,
    },
    /// A correction of a customer, and the fingerprint of the account it was typed over.
    Correct {
        basis: u64,
        section: Box<correct::Section>,
    },
    /// Which of the customer's delivery addresses and contacts (from 1).
    DeliverTo {
        address: Option<usize>,
        contact: Option<usize>,
    },
}

/// A confirmed operation with all its inputs.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub op: Op,
    pub args: Args,
}

/// What the console shows first for an operation.
pub(crate) enum Prepared {
    Form(Form, Op),
    Confirm(Confirm, Pending),
}

/// The result line of an operation, and what to open next (a renewed quote).
pub(crate) type Outcome = (super::Level, String, Option<Follow>);

/// What to open once an operation succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Follow {
    Order(DocNumber),
    Customer(CustomerId),
}

/// Everything about one operation.
pub(crate) struct OpSpec {
    pub kind: OpKind,
    pub key: char,
    /// Footer wording: `livrer (BL)`.
    pub label: &'static str,
    /// Help wording: `livrer`.
    pub short: &'static str,
    /// Palette verb, folded (`livrer DEV-…`), and its sentence.
    pub verb: &'static str,
    pub phrase: &'static str,
    /// For an operation that issues a legal document: its button (`Émettre la facture`)
    /// and what is issued (`une facture`). Such a confirmation needs the button, not a
    /// letter.
    pub issues: Option<(&'static str, &'static str)>,
    /// Whether it applies to an order in this situation (customer operations: always).
    pub applies: fn(&Situation) -> bool,
    /// When it applies, in words (said when its key is pressed where it does not).
    pub when: &'static str,
    /// The form, or directly the confirmation.
    pub prepare: fn(&App, &Op) -> Result<Prepared, String>,
    /// Reads a submitted form: the confirmation's line and the collected inputs.
    pub submit: fn(&Form) -> Result<(String, Args), String>,
    /// Runs the app's use case.
    pub run: fn(&App, &Actor, &Target, Args) -> Outcome,
}

/// Operations on an order, in the order the footer lists them.
pub(crate) const ORDER_OPS: [OpSpec; 22] = [
    OpSpec {
        kind: OpKind::PreOrder,
        when: "sur un devis en cours",
        issues: None,
        key: 'p',
        label: "pré-commande",
        short: "pré-commande",
        verb: "precommande",
        phrase: "Enregistrer la pré-commande de",
        applies: |s| s.stage == Stage::Quote,
        prepare: prepare_pre_order,
        submit: no_form,
        run: |app, who, t, _| {
            order_result(
                app.record_pre_order(who, order_of(t)),
                "pré-commande enregistrée",
            )
        },
    },
    OpSpec {
        kind: OpKind::ReceiveOriginal,
        when: "sur un devis ou une pré-commande",
        issues: None,
        key: 'r',
        label: "BC original reçu",
        short: "BC reçu",
        verb: "recu",
        phrase: "BC original reçu pour",
        applies: |s| matches!(s.stage, Stage::Quote | Stage::PreOrder),
        prepare: prepare_receive,
        submit: submit_receive,
        run: |app, who, t, args| match args {
            Args::Original(input) => order_result(
                app.mark_original_received(who, order_of(t), &input),
                "BC original enregistré",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Deliver,
        when: "une fois le bon de commande original reçu, tant qu'il reste à livrer",
        issues: Some(("Émettre le bon de livraison", "un bon de livraison")),
        key: 'b',
        label: "livrer (BL)",
        short: "livrer",
        verb: "livrer",
        phrase: "Livrer (bon de livraison)",
        applies: |s| s.stage == Stage::PoReceived,
        prepare: prepare_deliver,
        submit: submit_deliver,
        run: |app, who, t, args| {
            let q = match args {
                Args::Quantities(q) => Some(q),
                _ => None,
            };
            doc_result(
                app.issue_delivery_note(who, order_of(t), q.as_deref()),
                "Bon de livraison",
            )
        },
    },
    OpSpec {
        kind: OpKind::Invoice,
        when: "une fois des marchandises livrées et non facturées",
        issues: Some((
            "Émettre la facture",
            "une facture (PDF/A-3 avec son XML Factur-X)",
        )),
        key: 'f',
        label: "facturer",
        short: "facturer",
        verb: "facturer",
        phrase: "Facturer",
        applies: |s| s.stage == Stage::Delivered || (s.stage == Stage::PoReceived && s.to_invoice),
        prepare: prepare_invoice,
        submit: no_form,
        run: |app, who, t, _| doc_result(app.issue_invoice(who, order_of(t)), "Facture"),
    },
    OpSpec {
        kind: OpKind::Pay,
        when: "sur une facture émise et non soldée",
        issues: None,
        key: 'a',
        label: "encaisser",
        short: "encaisser",
        verb: "encaisser",
        phrase: "Enregistrer un paiement pour",
        applies: |s| has_live_invoice(s),
        prepare: prepare_pay,
        submit: submit_pay,
        run: |app, who, t, args| match args {
            Args::Payment {
                date,
                amount,
                reference,
                surplus: false,
            } => order_result(
                app.record_payment(who, order_of(t), date, amount, &reference),
                "paiement enregistré",
            ),
            Args::Payment {
                date,
                amount,
                reference,
                surplus: true,
            } => order_result(
                app.record_overpayment(who, order_of(t), date, amount, &reference),
                "paiement enregistré, trop-perçu à rembourser",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Revise,
        when: "sur un devis, avant l'original (une nouvelle version remplace l'ancienne)",
        issues: Some((
            "Émettre la nouvelle version",
            "un devis (PDF), nouvelle version, valable un mois",
        )),
        key: 'y',
        label: "modifier le devis",
        short: "modifier",
        verb: "modifier",
        phrase: "Modifier les lignes de",
        applies: |s| s.stage == Stage::Quote && !s.renewed,
        prepare: create::prepare_revise,
        submit: create::submit_revise,
        run: create::run_revise,
    },
    OpSpec {
        kind: OpKind::ChorusSend,
        when: "sur une facture ou un avoir émis (Chorus Pro configuré)",
        issues: None,
        key: 'S',
        label: "Chorus Pro",
        short: "Chorus Pro",
        verb: "chorus",
        phrase: "Déposer sur Chorus Pro une facture de",
        applies: |s| s.live_invoice,
        prepare: prepare_chorus_send,
        submit: submit_chorus_send,
        run: run_chorus_send,
    },
    OpSpec {
        kind: OpKind::Refund,
        when: "quand l'organisme a payé plus que ses factures (trop-perçu)",
        issues: None,
        key: 'g',
        label: "rembourser",
        short: "rembourser",
        verb: "rembourser",
        phrase: "Rembourser le trop-perçu de",
        applies: |s| s.credit_balance,
        prepare: prepare_refund,
        submit: submit_refund,
        run: |app, who, t, args| match args {
            Args::Payment {
                date,
                amount,
                reference,
                ..
            } => order_result(
                app.record_refund(who, order_of(t), date, amount, &reference),
                "remboursement enregistré",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::CreditNote,
        when: "sur une facture émise et non soldée",
        issues: Some(("Émettre l'avoir", "un avoir")),
        key: 'v',
        label: "avoir",
        short: "avoir",
        verb: "avoir",
        phrase: "Émettre un avoir pour",
        // A paid invoice can still be cancelled or reduced: what it was paid beyond is
        // then refunded.
        applies: |s| has_live_invoice(s) || (s.stage == Stage::Paid && s.live_invoice),
        prepare: prepare_credit,
        submit: submit_credit,
        run: |app, who, t, args| match args {
            Args::Credit {
                invoice,
                scope,
                reason,
            } => doc_result(
                app.issue_credit_note(who, order_of(t), invoice, &scope, &reason),
                "Avoir",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::ReceivedByBody,
        when: "sur une facture émise",
        issues: None,
        key: 'e',
        label: "réception",
        short: "réception par l'organisme",
        verb: "reception",
        phrase: "Date de réception de la facture par l'organisme pour",
        applies: has_live_invoice,
        prepare: |app, op| prepare_invoice_date(app, op, InvoiceDateForm::Receipt),
        submit: submit_invoice_date,
        run: |app, who, t, args| match args {
            Args::InvoiceDate { invoice, date, .. } => order_result(
                app.record_receipt(who, order_of(t), invoice, date),
                "réception de la facture enregistrée",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Suspend,
        when: "sur une facture émise dont le délai n'est pas déjà interrompu",
        issues: None,
        key: 'i',
        label: "interruption",
        short: "interrompre le délai",
        verb: "interrompre",
        phrase: "Interruption du délai de paiement de",
        applies: |s| has_live_invoice(s) && !s.suspended,
        prepare: |app, op| prepare_invoice_date(app, op, InvoiceDateForm::Suspend),
        submit: submit_invoice_date,
        run: |app, who, t, args| match args {
            Args::InvoiceDate {
                invoice,
                date,
                reason,
            } => order_result(
                app.suspend_delay(who, order_of(t), invoice, date, &reason),
                "délai de paiement interrompu",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Resume,
        when: "quand le délai d'une facture est interrompu",
        issues: None,
        key: 'u',
        label: "reprise",
        short: "reprendre le délai",
        verb: "reprendre",
        phrase: "Reprise du délai de paiement de",
        applies: |s| s.suspended,
        prepare: |app, op| prepare_invoice_date(app, op, InvoiceDateForm::Resume),
        submit: submit_invoice_date,
        run: |app, who, t, args| match args {
            Args::InvoiceDate { invoice, date, .. } => order_result(
                app.resume_delay(who, order_of(t), invoice, date),
                "délai de paiement repris",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::PayInterest,
        when: "quand des intérêts moratoires ou l'indemnité sont dus",
        issues: None,
        key: 'm',
        label: "intérêts reçus",
        short: "intérêts reçus",
        verb: "interets",
        phrase: "Intérêts moratoires reçus pour",
        applies: |s| s.penalties_owed,
        prepare: prepare_pay_interest,
        submit: submit_pay,
        run: |app, who, t, args| match args {
            Args::Payment {
                date,
                amount,
                reference,
                ..
            } => order_result(
                app.record_penalty_payment(who, order_of(t), date, amount, &reference),
                "intérêts moratoires reçus",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::WaiveInterest,
        when: "quand des intérêts moratoires ou l'indemnité sont dus (administrateurs)",
        issues: None,
        key: 'w',
        label: "abandon intérêts",
        short: "abandonner les intérêts",
        verb: "abandonner",
        phrase: "Abandonner les intérêts moratoires de",
        applies: |s| s.penalties_owed,
        prepare: prepare_waive,
        submit: submit_waive,
        run: |app, who, t, args| match args {
            Args::Waive { amount, reason } => order_result(
                app.waive_penalties(who, order_of(t), amount, &reason),
                "intérêts moratoires abandonnés",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::DeliverTo,
        when: "avant la première livraison",
        issues: None,
        key: 'o',
        label: "adresse/contact",
        short: "adresse et contact de livraison",
        verb: "adresse",
        phrase: "Adresse et contact de livraison de",
        applies: |s| {
            !s.delivered && matches!(s.stage, Stage::Quote | Stage::PreOrder | Stage::PoReceived)
        },
        prepare: prepare_deliver_to,
        submit: submit_deliver_to,
        run: |app, who, t, args| match args {
            Args::DeliverTo { address, contact } => order_result(
                app.choose_delivery(who, order_of(t), address, contact),
                "adresse et contact de livraison enregistrés",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Cancel,
        when: "avant toute livraison ou facture",
        issues: None,
        key: 'x',
        label: "annuler",
        short: "annuler",
        verb: "annuler",
        phrase: "Annuler",
        applies: |s| {
            matches!(s.stage, Stage::Quote | Stage::PreOrder)
                || (s.stage == Stage::PoReceived && !s.live_invoice)
        },
        prepare: |app, op| {
            let intro = order_intro(app, op)?.0;
            Ok(reason_form("Annuler la commande", intro, op))
        },
        submit: |form| {
            let reason = form.value("reason").to_string();
            let line =
                format!("Annuler la commande (motif : {reason}) ; les réservations sont libérées.");
            Ok((line, Args::Reason(reason)))
        },
        run: |app, who, t, args| {
            order_result(
                app.cancel_order(who, order_of(t), &reason_of(args)),
                "commande annulée",
            )
        },
    },
    OpSpec {
        kind: OpKind::RefuseQuote,
        when: "sur un devis ou une pré-commande",
        issues: None,
        key: 'z',
        label: "refusé par l'acheteur",
        short: "refus",
        verb: "refuser",
        phrase: "Devis refusé par l'acheteur :",
        applies: |s| matches!(s.stage, Stage::Quote | Stage::PreOrder),
        prepare: |app, op| {
            let intro = order_intro(app, op)?.0;
            Ok(reason_form("Devis refusé par l'acheteur", intro, op))
        },
        submit: |form| {
            let reason = form.value("reason").to_string();
            let line = format!("Marquer le devis comme refusé (motif : {reason}).");
            Ok((line, Args::Reason(reason)))
        },
        run: |app, who, t, args| {
            order_result(
                app.refuse_quote(who, order_of(t), &reason_of(args)),
                "devis refusé",
            )
        },
    },
    OpSpec {
        kind: OpKind::Renew,
        when: "sur un devis expiré",
        issues: Some(("Émettre le nouveau devis", "une nouvelle version du devis")),
        key: 'n',
        label: "renouveler",
        short: "renouveler",
        verb: "renouveler",
        phrase: "Renouveler le devis",
        applies: |s| s.stage == Stage::Expired,
        prepare: prepare_renew,
        submit: no_form,
        run: |app, who, t, _| match app.renew_quote(who, order_of(t)) {
            Ok(o) => (
                super::Level::Ok,
                format!(
                    "Devis renouvelé : {} (version {})",
                    o.number, o.quote.version
                ),
                Some(Follow::Order(o.number)),
            ),
            Err(e) => (super::Level::Error, e.to_string(), None),
        },
    },
    OpSpec {
        kind: OpKind::Remind,
        when: "quand une facture est échue et impayée",
        issues: None,
        key: 'l',
        label: "relancer",
        short: "lettre de relance (PDF, ssh … doc get LET-…)",
        verb: "relancer",
        phrase: "Écrire une relance pour",
        applies: |s| s.overdue,
        prepare: |app, op| letter_confirm(app, op, crate::domain::letter::LetterKind::Reminder),
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| letter_run(app, who, t, crate::domain::letter::LetterKind::Reminder),
    },
    OpSpec {
        kind: OpKind::FormalNotice,
        when: "quand une facture est échue et impayée",
        issues: None,
        key: 'L',
        label: "mise en demeure",
        short: "mise en demeure avec les intérêts à ce jour",
        verb: "demeure",
        phrase: "Écrire une mise en demeure pour",
        applies: |s| s.overdue,
        prepare: |app, op| letter_confirm(app, op, crate::domain::letter::LetterKind::FormalNotice),
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| {
            letter_run(app, who, t, crate::domain::letter::LetterKind::FormalNotice)
        },
    },
    OpSpec {
        kind: OpKind::ClaimInterest,
        when: "quand des intérêts moratoires restent dus sur une facture payée en retard",
        issues: None,
        key: 'I',
        label: "réclamer les intérêts",
        short: "demande des intérêts moratoires et de l'indemnité (45 j après le principal)",
        verb: "reclamer",
        phrase: "Réclamer les intérêts de",
        applies: |s| s.penalties_owed && !s.overdue,
        prepare: |app, op| {
            letter_confirm(app, op, crate::domain::letter::LetterKind::InterestClaim)
        },
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| {
            letter_run(
                app,
                who,
                t,
                crate::domain::letter::LetterKind::InterestClaim,
            )
        },
    },
    OpSpec {
        kind: OpKind::EmailSend,
        when: "toujours ([smtp] configuré)",
        issues: None,
        key: '@',
        label: "envoyer par e-mail",
        short: "envoyer un document ou un courrier par e-mail (au contact de la commande)",
        verb: "envoyer",
        phrase: "Envoyer par e-mail un document de",
        applies: |_| true,
        prepare: prepare_email,
        submit: submit_email,
        run: |app, who, _t, args| match args {
            Args::Mail { reference, to } => match app.send_document(who, &reference, Some(&to)) {
                Ok(m) => (super::Level::Ok, m.describe(), None),
                Err(e) => (super::Level::Error, e.to_string(), None),
            },
            _ => missing_input(),
        },
    },
];

/// Operations on a customer (its screen).
pub(crate) const CUSTOMER_OPS: [OpSpec; 6] = [
    OpSpec {
        kind: OpKind::Approve,
        when: "toujours",
        issues: None,
        key: 'a',
        label: "approuver",
        short: "approuver",
        verb: "approuver",
        phrase: "Approuver pour le mandat administratif",
        applies: |_| true,
        prepare: |app, op| prepare_eligibility(app, op, true),
        submit: |form| submit_eligibility(form, EligibilityStatus::Approved),
        run: |app, who, t, args| eligibility(app, who, t, EligibilityStatus::Approved, args),
    },
    OpSpec {
        kind: OpKind::RefuseCustomer,
        when: "toujours",
        issues: None,
        key: 'r',
        label: "refuser",
        short: "refuser",
        verb: "refuser",
        phrase: "Refuser le mandat administratif",
        applies: |_| true,
        prepare: |app, op| prepare_eligibility(app, op, false),
        submit: |form| submit_eligibility(form, EligibilityStatus::Refused),
        run: |app, who, t, args| eligibility(app, who, t, EligibilityStatus::Refused, args),
    },
    OpSpec {
        kind: OpKind::EditContacts,
        when: "toujours",
        issues: None,
        key: 'c',
        label: "contacts",
        short: "corriger les contacts",
        verb: "contacts",
        phrase: "Corriger les contacts de",
        applies: |_| true,
        prepare: correct::prepare_contacts,
        submit: correct::submit_contacts,
        run: correct::run,
    },
    OpSpec {
        kind: OpKind::EditAddresses,
        when: "toujours",
        issues: None,
        key: 'd',
        label: "adresses",
        short: "corriger les adresses",
        verb: "adresses",
        phrase: "Corriger les adresses de",
        applies: |_| true,
        prepare: correct::prepare_addresses,
        submit: correct::submit_addresses,
        run: correct::run,
    },
    OpSpec {
        kind: OpKind::EditRouting,
        when: "toujours",
        issues: None,
        key: 'm',
        label: "Chorus/marché",
        short: "routage Chorus Pro et marché",
        verb: "chorus",
        phrase: "Routage Chorus Pro et marché de",
        applies: |_| true,
        prepare: correct::prepare_routing,
        submit: correct::submit_routing,
        run: correct::run,
    },
    OpSpec {
        kind: OpKind::NewQuote,
        when: "sur un client qui n'est pas refusé",
        issues: Some(("Émettre le devis", "un devis (PDF), valable un mois")),
        key: 'n',
        label: "nouveau devis",
        short: "nouveau devis depuis le catalogue",
        verb: "devis",
        phrase: "Nouveau devis pour",
        applies: |_| true,
        prepare: create::prepare_quote,
        submit: create::submit_quote,
        run: create::run_quote,
    },
];

/// The catalogue, from the stock screen.
pub(crate) const PRODUCT_OPS: [OpSpec; 3] = [
    OpSpec {
        kind: OpKind::AdjustStock,
        when: "toujours",
        issues: None,
        key: 'a',
        label: "ajuster le stock",
        short: "ajuster le stock (entrée, sortie, avec un motif)",
        verb: "ajuster",
        phrase: "Ajuster le stock de",
        applies: |_| true,
        prepare: catalogue::prepare_adjust,
        submit: catalogue::submit_adjust,
        run: catalogue::run_adjust,
    },
    OpSpec {
        kind: OpKind::EditProduct,
        when: "toujours (administrateurs)",
        issues: None,
        key: 'e',
        label: "modifier le produit",
        short: "modifier désignation, prix, TVA (admins)",
        verb: "produit",
        phrase: "Modifier le produit",
        applies: |_| true,
        prepare: catalogue::prepare_edit,
        submit: catalogue::submit_edit,
        run: catalogue::run_upsert,
    },
    OpSpec {
        kind: OpKind::NewProduct,
        when: "toujours (administrateurs)",
        issues: None,
        key: 'n',
        label: "nouveau produit",
        short: "nouveau produit au catalogue (admins)",
        verb: "nouveau",
        phrase: "Nouveau produit",
        applies: |_| true,
        prepare: catalogue::prepare_new,
        submit: catalogue::submit_new,
        run: catalogue::run_upsert,
    },
];

impl OpKind {
    /// What the operation is in the permission table (`domain::permission`), whose roles
    /// decide who may run it: the console says « réservé aux … » before any form opens.
    pub(crate) fn permission(self) -> Permission {
        use OpKind::*;
        match self {
            PreOrder | ReceiveOriginal | Cancel | DeliverTo => Permission::OrderStep,
            Deliver | Invoice | CreditNote => Permission::IssueDocument,
            Pay | PayInterest | Refund => Permission::Payment,
            RefuseQuote | Renew | NewQuote | Revise => Permission::Quote,
            Approve | RefuseCustomer => Permission::Eligibility,
            ReceivedByBody | Suspend | Resume => Permission::PaymentDelay,
            WaiveInterest => Permission::WaiveInterest,
            EditContacts | EditAddresses | EditRouting | NewCustomer => Permission::Customer,
            NewProduct | EditProduct => Permission::Catalogue,
            AdjustStock => Permission::Stock,
            ChorusSend => Permission::ChorusSend,
            Remind | FormalNotice | ClaimInterest => Permission::Letter,
            EmailSend => Permission::SendEmail,
            BankConfirm | BankAssign | BankDismiss => Permission::BankReconcile,
        }
    }
}

/// Creating a customer: Ctrl-N on the Clients tab.
pub(crate) const NEW_CUSTOMER: OpSpec = OpSpec {
    kind: OpKind::NewCustomer,
    when: "toujours",
    issues: None,
    key: 'N',
    label: "nouveau client",
    short: "nouveau client",
    verb: "client",
    phrase: "Nouveau client",
    applies: |_| true,
    prepare: create::prepare_customer,
    submit: create::submit_customer,
    run: create::run_customer,
};

impl OpKind {
    pub(crate) fn spec(self) -> &'static OpSpec {
        ORDER_OPS
            .iter()
            .chain(CUSTOMER_OPS.iter())
            .chain(PRODUCT_OPS.iter())
            .chain(bank::BANK_OPS.iter())
            .chain([&NEW_CUSTOMER])
            .find(|s| s.kind == self)
            .expect("every operation kind has a spec")
    }
}

/// The operations an order offers in this situation, in footer order.
pub(crate) fn order_ops(s: &Situation) -> impl Iterator<Item = &'static OpSpec> + '_ {
    ORDER_OPS
        .iter()
        .filter(move |spec| !s.renewed && (spec.applies)(s))
}

/// Why the key `ch` does nothing here: an order operation that does not apply in this
/// situation gets its reason; other keys get `None`.
pub(crate) fn explain_key(ch: char, s: &Situation) -> Option<Action> {
    let spec = ORDER_OPS.iter().find(|spec| spec.key == ch)?;
    if !s.renewed && (spec.applies)(s) {
        return None;
    }
    let why = if s.renewed {
        "ce devis a été renouvelé : travaillez sur la nouvelle version".to_string()
    } else {
        format!(
            "la commande est au stade « {} » ; possible {}",
            s.stage.label(),
            spec.when
        )
    };
    Some(Action::Explain(format!("{ch} {} : {why}", spec.label)))
}

/// `p pré-commande · r BC original reçu · ` for the footer.
pub(crate) fn footer(specs: impl Iterator<Item = &'static OpSpec>) -> String {
    specs.map(|s| format!("{} {} · ", s.key, s.label)).collect()
}

fn has_live_invoice(s: &Situation) -> bool {
    s.stage == Stage::Invoiced || (s.stage == Stage::PoReceived && s.live_invoice)
}

/// Builds the form or confirmation of an operation.
pub(crate) fn prepare(app: &App, op: Op) -> Result<Prepared, String> {
    (op.spec().prepare)(app, &op)
}

/// Validates a submitted form and builds its confirmation.
pub(crate) fn confirm_form(app: &App, form: &Form, op: &Op) -> Result<(Confirm, Pending), String> {
    let (line, mut args) = (op.spec().submit)(form)?;
    // A quote is a legal document: its confirmation shows each line as the catalogue
    // prices it, and a reference that is not there sends the person back to the form.
    let review = if op.kind == OpKind::NewQuote {
        create::review_quote(app, &mut args)?
    } else {
        Vec::new()
    };
    // A delivery beyond the stock would be refused: said now, the form kept.
    if let (OpKind::Deliver, Args::Quantities(q), Target::Order(n)) = (op.kind, &args, &op.target) {
        let short = app.delivery_shortfalls(n, q).map_err(|e| e.to_string())?;
        if !short.is_empty() {
            let what: Vec<String> = short
                .iter()
                .map(|(_, s)| {
                    format!(
                        "{} : {} à expédier, {} disponible(s)",
                        s.designation, s.wanted, s.available
                    )
                })
                .collect();
            return Err(format!(
                "stock insuffisant — {} ; réduisez la quantité (ou ajustez le stock) avant d'émettre le bon de livraison",
                what.join(" ; ")
            ));
        }
    }
    // An order's confirmation repeats its first line; a customer's, its whole card.
    let mut lines = match op.target {
        _ if op.kind == OpKind::NewQuote => form.intro.iter().take(1).cloned().collect(),
        Target::Customer(_) | Target::Shop | Target::Product(_) | Target::BankEntry(_) => {
            form.intro.clone()
        }
        Target::Order(_) => form.intro.iter().take(1).cloned().collect(),
    };
    if !line.is_empty() {
        lines.push(line);
    }
    lines.extend(review);
    Ok((
        issuing(
            Confirm {
                issue: None,
                issue_focused: false,
                title: form.title.clone() + " — confirmer ?",
                lines,
            },
            op,
        ),
        Pending {
            op: op.clone(),
            args,
        },
    ))
}

/// Runs a confirmed operation; returns the result line and what to open next.
pub(crate) fn execute(app: &App, me: &Actor, pending: Pending) -> Outcome {
    (pending.op.spec().run)(app, me, &pending.op.target, pending.args)
}

#[cfg(test)]
mod tests;

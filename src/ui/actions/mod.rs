//! What staff can do from the console. Every operation is described once, in [`ORDER_OPS`]
//! or [`CUSTOMER_OPS`]: its key, its French wording, when it applies, its form and the app
//! call it makes. The footer, the help overlay, the palette and the confirmations are all
//! derived from these specs. An operation goes form → confirmation → app use case →
//! result line; a refused one shows the app's own message and changes nothing.

pub(crate) mod bank;
mod catalogue;
mod correct;
mod create;
mod money;
mod outside;
mod specs;
mod steps;

use super::Tab;
use super::forms::{Confirm, FieldId, Form};
use crate::app::queries::OrderView;
use crate::app::{Actor, App, Permission};
use crate::domain::pipeline::{CreditScope, DelayNotice, OriginalPoInput};
use crate::domain::{Cents, CustomerId, Date, DocNumber, EligibilityStatus, Stage};
use money::*;
use outside::*;
pub(crate) use specs::{CUSTOMER_OPS, ORDER_OPS};
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

impl Situation {
    /// The situation of the order on its screen (the board reads the same from its cards).
    pub(crate) fn of_order(view: &OrderView) -> Situation {
        let o = &view.order;
        Situation {
            stage: view.stage,
            live_invoice: o.live_invoices().next().is_some(),
            to_invoice: o.lines.iter().any(|l| l.to_invoice() > 0),
            renewed: o.quote.renewed_by.is_some(),
            suspended: o
                .live_invoices()
                .any(|i| i.suspension.as_ref().is_some_and(|s| s.resumed.is_none())),
            penalties_owed: view.penalties.owed() > crate::domain::Cents::ZERO,
            delivered: o.delivered_units() > 0,
            credit_balance: o.credit_balance() > crate::domain::Cents::ZERO,
            overdue: view
                .flags
                .iter()
                .any(|f| matches!(f, crate::domain::Flag::Overdue { .. })),
        }
    }
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
    /// A notice of an invoice's payment delay (receipt, interruption, resumption).
    Delay {
        invoice: Option<DocNumber>,
        date: Date,
        notice: DelayNotice,
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

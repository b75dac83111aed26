//! What happened, as the audit log records it.

use super::document::DocNumber;
use serde::{Deserialize, Serialize};

/// Every kind of change comptoir records. New variants go at the end: the audit log is
/// stored with postcard, which encodes the variant index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    CustomerCreated,
    CustomerUpdated,
    EligibilityDecided,
    QuoteIssued,
    QuoteRenewed,
    PreOrderRecorded,
    OriginalReceived,
    DeliveryNoteIssued,
    InvoiceIssued,
    PaymentRecorded,
    CreditNoteIssued,
    OrderCancelled,
    QuoteRefused,
    ProductUpserted,
    StockAdjusted,
    AccessKeyAdded,
    AccessKeyRevoked,
    AccessRoleChanged,
    AccessPersonRevoked,
    Login,
    LoginFailed,
    SessionEnded,
}

impl Action {
    /// French wording for timelines.
    pub fn label(self) -> &'static str {
        match self {
            Action::CustomerCreated => "Client créé",
            Action::CustomerUpdated => "Client mis à jour",
            Action::EligibilityDecided => "Éligibilité décidée",
            Action::QuoteIssued => "Devis émis",
            Action::QuoteRenewed => "Devis renouvelé",
            Action::PreOrderRecorded => "Pré-commande enregistrée",
            Action::OriginalReceived => "BC original reçu",
            Action::DeliveryNoteIssued => "Bon de livraison émis",
            Action::InvoiceIssued => "Facture émise",
            Action::PaymentRecorded => "Paiement enregistré",
            Action::CreditNoteIssued => "Avoir émis",
            Action::OrderCancelled => "Commande annulée",
            Action::QuoteRefused => "Devis refusé",
            Action::ProductUpserted => "Produit enregistré",
            Action::StockAdjusted => "Stock ajusté",
            Action::AccessKeyAdded => "Clé ajoutée",
            Action::AccessKeyRevoked => "Clé révoquée",
            Action::AccessRoleChanged => "Rôle modifié",
            Action::AccessPersonRevoked => "Accès révoqué",
            Action::Login => "Connexion",
            Action::LoginFailed => "Connexion refusée",
            Action::SessionEnded => "Session terminée",
        }
    }

    /// Stable slug for JSON output.
    pub fn slug(self) -> &'static str {
        match self {
            Action::CustomerCreated => "customer-created",
            Action::CustomerUpdated => "customer-updated",
            Action::EligibilityDecided => "eligibility-decided",
            Action::QuoteIssued => "quote-issued",
            Action::QuoteRenewed => "quote-renewed",
            Action::PreOrderRecorded => "preorder-recorded",
            Action::OriginalReceived => "original-received",
            Action::DeliveryNoteIssued => "delivery-note-issued",
            Action::InvoiceIssued => "invoice-issued",
            Action::PaymentRecorded => "payment-recorded",
            Action::CreditNoteIssued => "credit-note-issued",
            Action::OrderCancelled => "order-cancelled",
            Action::QuoteRefused => "quote-refused",
            Action::ProductUpserted => "product-upserted",
            Action::StockAdjusted => "stock-adjusted",
            Action::AccessKeyAdded => "access-key-added",
            Action::AccessKeyRevoked => "access-key-revoked",
            Action::AccessRoleChanged => "access-role-changed",
            Action::AccessPersonRevoked => "access-person-revoked",
            Action::Login => "login",
            Action::LoginFailed => "login-failed",
            Action::SessionEnded => "session-ended",
        }
    }

    /// Actions that concern access rather than orders.
    pub fn is_access(self) -> bool {
        matches!(
            self,
            Action::AccessKeyAdded
                | Action::AccessKeyRevoked
                | Action::AccessRoleChanged
                | Action::AccessPersonRevoked
                | Action::Login
                | Action::LoginFailed
                | Action::SessionEnded
        )
    }
}

/// One event a transition produced; the app adds who and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub action: Action,
    pub before: String,
    pub after: String,
    pub detail: String,
    pub document: Option<DocNumber>,
}

impl Event {
    pub fn new(action: Action, before: impl Into<String>, after: impl Into<String>) -> Event {
        Event {
            action,
            before: before.into(),
            after: after.into(),
            detail: String::new(),
            document: None,
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Event {
        self.detail = d.into();
        self
    }

    pub fn document(mut self, n: DocNumber) -> Event {
        self.document = Some(n);
        self
    }
}

/// Who made a change: a person (identified by the key they logged in with), or a tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorKind {
    Person,
    Cli,
    Import,
    System,
    Seed,
}

/// The author of an audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    pub name: String,
    pub fingerprint: Option<String>,
    pub kind: ActorKind,
}

impl ActorRef {
    /// `marie (SHA256:…)`, `cli`, `import`.
    pub fn display(&self) -> String {
        match &self.fingerprint {
            Some(fp) => format!("{} ({fp})", self.name),
            None => self.name.clone(),
        }
    }
}

/// One line of the append-only audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: super::date::Timestamp,
    pub actor: ActorRef,
    pub action: Action,
    pub order: Option<super::order::OrderId>,
    pub order_number: Option<DocNumber>,
    pub customer: Option<super::customer::CustomerId>,
    pub before: String,
    pub after: String,
    pub detail: String,
    pub document: Option<DocNumber>,
}

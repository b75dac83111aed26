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
    // Appended (postcard stores the variant index): never reorder.
    InvoiceReceivedByBody,
    DelaySuspended,
    DelayResumed,
    PenaltiesPaid,
    PenaltiesWaived,
    PoScanAttached,
    DeliveryChosen,
    CustomerCorrected,
    RefundRecorded,
    LoginPenalty,
    /// An action refused: what was tried and why (a delivery beyond stock, a purchase order
    /// dated before its quote, an admin command tried by staff, the last admin's revocation).
    Refused,
    /// Chorus Pro: queued, deposited, refused, or a new status of the invoice.
    Chorus,
    /// A bank statement's entry: imported, applied, proposed, assigned or dismissed.
    Bank,
    /// A letter written to a body: reminder, formal notice, claim for interest.
    LetterWritten,
    /// A document or letter sent by e-mail.
    MailSent,
}

impl Action {
    /// Every action, in the order of the enum (a match below fails to compile when one is
    /// added and not listed in `label`; the test of `slug` checks this list).
    pub const ALL: [Action; 37] = [
        Action::CustomerCreated,
        Action::CustomerUpdated,
        Action::EligibilityDecided,
        Action::QuoteIssued,
        Action::QuoteRenewed,
        Action::PreOrderRecorded,
        Action::OriginalReceived,
        Action::DeliveryNoteIssued,
        Action::InvoiceIssued,
        Action::PaymentRecorded,
        Action::CreditNoteIssued,
        Action::OrderCancelled,
        Action::QuoteRefused,
        Action::ProductUpserted,
        Action::StockAdjusted,
        Action::AccessKeyAdded,
        Action::AccessKeyRevoked,
        Action::AccessRoleChanged,
        Action::AccessPersonRevoked,
        Action::Login,
        Action::LoginFailed,
        Action::SessionEnded,
        Action::InvoiceReceivedByBody,
        Action::DelaySuspended,
        Action::DelayResumed,
        Action::PenaltiesPaid,
        Action::PenaltiesWaived,
        Action::PoScanAttached,
        Action::DeliveryChosen,
        Action::CustomerCorrected,
        Action::RefundRecorded,
        Action::LoginPenalty,
        Action::Refused,
        Action::Chorus,
        Action::Bank,
        Action::LetterWritten,
        Action::MailSent,
    ];
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
            Action::InvoiceReceivedByBody => "Réception de la facture",
            Action::DelaySuspended => "Délai de paiement interrompu",
            Action::DelayResumed => "Délai de paiement repris",
            Action::PenaltiesPaid => "Intérêts moratoires reçus",
            Action::PenaltiesWaived => "Intérêts moratoires abandonnés",
            Action::PoScanAttached => "Scan du BC joint",
            Action::DeliveryChosen => "Adresse de livraison choisie",
            Action::CustomerCorrected => "Fiche client corrigée",
            Action::RefundRecorded => "Remboursement enregistré",
            Action::LoginPenalty => "Pénalité de connexion",
            Action::Refused => "Refus",
            Action::Chorus => "Chorus Pro",
            Action::Bank => "Relevé bancaire",
            Action::LetterWritten => "Courrier",
            Action::MailSent => "E-mail envoyé",
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
            Action::InvoiceReceivedByBody => "invoice-received-by-body",
            Action::DelaySuspended => "delay-suspended",
            Action::DelayResumed => "delay-resumed",
            Action::PenaltiesPaid => "penalties-paid",
            Action::PenaltiesWaived => "penalties-waived",
            Action::PoScanAttached => "po-scan-attached",
            Action::DeliveryChosen => "delivery-chosen",
            Action::CustomerCorrected => "customer-corrected",
            Action::RefundRecorded => "refund-recorded",
            Action::LoginPenalty => "login-penalty",
            Action::Refused => "refused",
            Action::Chorus => "chorus",
            Action::Bank => "bank",
            Action::LetterWritten => "letter",
            Action::MailSent => "mail-sent",
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
                | Action::LoginPenalty
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

/// The author of an audit record as stored before session ids (record versions 1 and 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRefV1 {
    pub name: String,
    pub fingerprint: Option<String>,
    pub kind: ActorKind,
}

impl From<ActorRefV1> for ActorRef {
    fn from(a: ActorRefV1) -> ActorRef {
        ActorRef {
            name: a.name,
            fingerprint: a.fingerprint,
            kind: a.kind,
            session: None,
        }
    }
}

/// An audit record as written before session ids (record version 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecordV2 {
    pub seq: u64,
    pub at: super::date::Timestamp,
    pub actor: ActorRefV1,
    pub action: Action,
    pub order: Option<super::ids::OrderId>,
    pub order_number: Option<DocNumber>,
    pub customer: Option<super::customer::CustomerId>,
    pub before: String,
    pub after: String,
    pub detail: String,
    pub document: Option<DocNumber>,
    pub access: Option<AccessEvent>,
}

impl From<AuditRecordV2> for AuditRecord {
    fn from(r: AuditRecordV2) -> AuditRecord {
        AuditRecord {
            seq: r.seq,
            at: r.at,
            actor: r.actor.into(),
            action: r.action,
            order: r.order,
            order_number: r.order_number,
            customer: r.customer,
            before: r.before,
            after: r.after,
            detail: r.detail,
            document: r.document,
            access: r.access,
        }
    }
}

/// An audit record as written before access events were data (record version 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecordV1 {
    pub seq: u64,
    pub at: super::date::Timestamp,
    pub actor: ActorRefV1,
    pub action: Action,
    pub order: Option<super::ids::OrderId>,
    pub order_number: Option<DocNumber>,
    pub customer: Option<super::customer::CustomerId>,
    pub before: String,
    pub after: String,
    pub detail: String,
    pub document: Option<DocNumber>,
}

impl From<AuditRecordV1> for AuditRecord {
    fn from(r: AuditRecordV1) -> AuditRecord {
        AuditRecordV2 {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            order: r.order,
            order_number: r.order_number,
            customer: r.customer,
            before: r.before,
            after: r.after,
            detail: r.detail,
            document: r.document,
            access: None,
        }
        .into()
    }
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

/// What a person may do: what each role may run is [`crate::domain::permission`]'s table.
/// Stored by variant index: new roles go at the end. Deliberately not ordered — no role
/// is « above » another: the comptable reads what the admin reads and changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Staff,
    Admin,
    /// The shop's chartered accountant or bookkeeper: reads, exports, reconciles the bank.
    Comptable,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Staff, Role::Admin, Role::Comptable];

    /// `admin`, `staff` or `comptable`, as typed in the Accès tab and in commands (and the
    /// folder of `keys/`).
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.label() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Comptable => "comptable",
        }
    }

    /// Who they are, in French, plural: « réservé aux administrateurs ».
    pub fn plural_fr(self) -> &'static str {
        match self {
            Role::Staff => "équipe",
            Role::Admin => "administrateurs",
            Role::Comptable => "comptables",
        }
    }

    /// Whether this role may change nothing (its console says « lecture seule »).
    pub fn read_only(self) -> bool {
        crate::domain::permission::Permission::ALL
            .iter()
            .all(|p| !p.allows(self) || !p.writes())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a login was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoginRefusal {
    /// A public key that no one is enrolled with.
    UnknownKey,
    /// A password was tried (only keys are accepted).
    Password,
}

/// An access event as data: who connected from where with which key, which key or role
/// changed. Stored in the audit record so that nothing has to be read back out of prose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessEvent {
    Login {
        /// The client's address (IP only).
        peer: Option<String>,
        fingerprint: String,
        /// The client's SSH version string (`SSH-2.0-OpenSSH_9.2p1`).
        client: String,
    },
    /// Refused attempts from one address for one reason, counted together (a flood is
    /// one record every few seconds, not one per attempt).
    LoginRefused {
        peer: Option<String>,
        reason: LoginRefusal,
        attempts: u32,
        /// The keys offered (the first few).
        fingerprints: Vec<String>,
    },
    KeyAdded {
        person: String,
        role: Role,
        fingerprint: String,
        kind: String,
        comment: String,
    },
    KeyRevoked {
        person: String,
        fingerprint: String,
    },
    PersonRevoked {
        person: String,
        role: Role,
        fingerprints: Vec<String>,
    },
    RoleChanged {
        person: String,
        before: Role,
        after: Role,
    },
    SessionEnded {
        session: u64,
        person: String,
        fingerprint: String,
    },
    /// A source or a key refused for a while after repeated failed logins.
    Penalty {
        /// « adresse 192.0.2.7 », « adresse 2001:db8:1:2::/64 », « clé SHA256:… ».
        subject: String,
        reason: String,
        seconds: u64,
        strikes: u32,
    },
}

impl AccessEvent {
    pub fn action(&self) -> Action {
        match self {
            AccessEvent::Login { .. } => Action::Login,
            AccessEvent::LoginRefused { .. } => Action::LoginFailed,
            AccessEvent::KeyAdded { .. } => Action::AccessKeyAdded,
            AccessEvent::KeyRevoked { .. } => Action::AccessKeyRevoked,
            AccessEvent::PersonRevoked { .. } => Action::AccessPersonRevoked,
            AccessEvent::RoleChanged { .. } => Action::AccessRoleChanged,
            AccessEvent::SessionEnded { .. } => Action::SessionEnded,
            AccessEvent::Penalty { .. } => Action::LoginPenalty,
        }
    }

    /// The before → after columns of the audit line.
    pub fn change(&self) -> (String, String) {
        match self {
            AccessEvent::KeyAdded { role, .. } => (String::new(), role.label().into()),
            AccessEvent::KeyRevoked { fingerprint, .. } => (fingerprint.clone(), String::new()),
            AccessEvent::PersonRevoked { role, .. } => (role.label().into(), String::new()),
            AccessEvent::RoleChanged { before, after, .. } => {
                (before.label().into(), after.label().into())
            }
            _ => (String::new(), String::new()),
        }
    }

    /// French wording for the audit log and the Accès tab.
    pub fn describe(&self) -> String {
        let from = |peer: &Option<String>| peer.clone().unwrap_or_else(|| "?".into());
        match self {
            AccessEvent::Login {
                peer,
                fingerprint,
                client,
            } => format!("{fingerprint} depuis {} ({client})", from(peer)),
            AccessEvent::LoginRefused {
                peer,
                reason,
                attempts,
                fingerprints,
            } => {
                let what = match reason {
                    LoginRefusal::UnknownKey => "clé inconnue",
                    LoginRefusal::Password => "mot de passe",
                };
                let fps = fingerprints.join(", ");
                if *attempts <= 1 {
                    format!("{what} {fps} depuis {}", from(peer))
                } else {
                    format!("{attempts} tentatives ({what} {fps}) depuis {}", from(peer))
                }
            }
            AccessEvent::KeyAdded {
                person,
                fingerprint,
                kind,
                comment,
                ..
            } => format!("{person} : clé {kind} {fingerprint} ({comment})"),
            AccessEvent::KeyRevoked {
                person,
                fingerprint,
            } => format!("{person} : clé {fingerprint} révoquée"),
            AccessEvent::PersonRevoked {
                person,
                fingerprints,
                ..
            } => format!(
                "{person} révoqué ({} clé(s) : {})",
                fingerprints.len(),
                fingerprints.join(", ")
            ),
            AccessEvent::RoleChanged {
                person,
                before,
                after,
            } => format!("{person} : {before} → {after}"),
            AccessEvent::SessionEnded {
                session,
                person,
                fingerprint,
            } => format!("session {session} de {person} ({fingerprint}) terminée"),
            AccessEvent::Penalty {
                subject,
                reason,
                seconds,
                strikes,
            } => format!("{subject} refusée pendant {seconds} s ({reason} ; fois n° {strikes})"),
        }
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
    /// The SSH connection it came through (`3f9a2c`), as in the journal's `session=`
    /// field; none for local commands and the server's own work.
    pub session: Option<String>,
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
    pub order: Option<super::ids::OrderId>,
    pub order_number: Option<DocNumber>,
    pub customer: Option<super::customer::CustomerId>,
    pub before: String,
    pub after: String,
    pub detail: String,
    pub document: Option<DocNumber>,
    /// The access event as data, for access records (logins, keys, roles, sessions).
    pub access: Option<AccessEvent>,
}

impl AuditRecord {
    /// The record of an access event (a login, a key, a role, a session) by `actor` at `at`.
    pub fn of_access(
        at: super::date::Timestamp,
        actor: ActorRef,
        event: AccessEvent,
    ) -> AuditRecord {
        let (before, after) = event.change();
        AuditRecord {
            seq: 0,
            at,
            actor,
            action: event.action(),
            order: None,
            order_number: None,
            customer: None,
            before,
            after,
            detail: event.describe(),
            document: None,
            access: Some(event),
        }
    }
}

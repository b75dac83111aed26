//! Documents out by e-mail through the shop's SMTP relay: the quote to the body's contact,
//! the invoice's payment pack, delivery notes, credit notes, and the letters (reminders,
//! formal notices, interest claims). The relay is an adapter (`crate::mail`) behind the
//! small [`Mailer`] trait; the message is the template of its kind (`domain::mail`), the
//! PDF attached byte for byte as stored. The sending runs on the caller's thread — never
//! a session's task: the console runs operations off it, `ssh` commands on a blocking
//! thread — and only a message the relay accepted is recorded (on the order, with its
//! Message-ID and the relay's answer) and audited; a refusal is audited as one.

use super::{Actor, App, AppError};
use crate::domain::Permission;
use crate::domain::mail::{MailKind, MailRecord};
use crate::domain::{Action, DocKind, DocNumber, Event};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A message to send: recipients, subject, text, one PDF.
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attachment_name: String,
    pub attachment: Vec<u8>,
}

/// What the relay said when it took a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMail {
    pub message_id: String,
    pub answer: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("adresse invalide : {0}")]
    Address(String),
    #[error("le relais SMTP a refusé le message : {0}")]
    Refused(String),
    #[error("relais SMTP injoignable ou muet : {0}")]
    Unreachable(String),
}

/// The shop's SMTP relay.
pub trait Mailer: Send + Sync {
    fn send(&self, mail: &OutgoingMail) -> Result<SentMail, MailError>;
}

/// A recipient as typed: one address, no spaces or control characters.
fn plausible(address: &str) -> bool {
    let a = address.trim();
    a.len() <= 254
        && a.split('@').count() == 2
        && a.split('@').all(|p| !p.is_empty())
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';')
}

impl App {
    pub fn set_mailer(&self, mailer: Option<Arc<dyn Mailer>>) {
        *self.mailer.write().unwrap_or_else(|e| e.into_inner()) = mailer;
    }

    fn mailer(&self) -> Result<Arc<dyn Mailer>, AppError> {
        self.mailer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                AppError::invalid(
                    "l'envoi par e-mail n'est pas configuré : ajoutez la section [smtp] à comptoir.toml (voir le README, « E-mail »)",
                )
            })
    }

    /// The e-mails sent about an order, oldest first.
    pub fn mails_of(&self, order: &DocNumber) -> Result<Vec<MailRecord>, AppError> {
        Ok(self
            .store
            .read(|rx| rx.mails())?
            .into_iter()
            .filter(|m| m.order == *order)
            .collect())
    }

    /// What sending `reference` would send: its kind, order, file name and bytes, the
    /// amount the message names.
    fn mail_payload(
        &self,
        reference: &str,
    ) -> Result<(MailKind, DocNumber, String, Vec<u8>, crate::domain::Cents), AppError> {
        let r = reference.trim().to_uppercase();
        if r.starts_with(super::letters::LETTER_PREFIX) {
            let (l, pdf) = self.letter(&r)?;
            let kind = match l.kind {
                crate::domain::letter::LetterKind::Reminder => MailKind::Reminder,
                crate::domain::letter::LetterKind::FormalNotice => MailKind::FormalNotice,
                crate::domain::letter::LetterKind::InterestClaim => MailKind::InterestClaim,
            };
            return Ok((kind, l.order, l.file_name(), pdf, l.asked));
        }
        let doc = self.document(&r)?;
        if doc.synthetic {
            return Err(AppError::invalid(format!(
                "{} est un document synthétique (seed) sans fichier : rien à envoyer",
                doc.number
            )));
        }
        let n = doc.number.to_string();
        let (kind, bytes, name) = match doc.kind() {
            DocKind::Quote => (
                MailKind::Quote,
                self.document_file(&n, crate::domain::FileFormat::Pdf)?,
                format!("{n}.pdf"),
            ),
            DocKind::DeliveryNote => (
                MailKind::DeliveryNote,
                self.document_file(&n, crate::domain::FileFormat::Pdf)?,
                format!("{n}.pdf"),
            ),
            DocKind::Invoice => (
                MailKind::Invoice,
                self.accounting_pack(&doc)?,
                format!("dossier-{n}.pdf"),
            ),
            DocKind::CreditNote => (
                MailKind::CreditNote,
                self.document_file(&n, crate::domain::FileFormat::Pdf)?,
                format!("{n}.pdf"),
            ),
        };
        Ok((kind, doc.order_number, name, bytes, doc.totals.incl_vat))
    }

    /// Sends a document (`DEV-…`, `BL-…`, `FA-…` as its payment pack, `AV-…`) or a letter
    /// (`LET-…`) to `to` (addresses separated by commas), by default to the order's
    /// contact. Records it only once the relay took it.
    pub fn send_document(
        &self,
        actor: &Actor,
        reference: &str,
        to: Option<&str>,
    ) -> Result<MailRecord, AppError> {
        actor.require(Permission::SendEmail)?;
        let (kind, order_number, file_name, bytes, amount) = self.mail_payload(reference)?;
        let view = self.order_view(&order_number.to_string())?;
        let recipients: Vec<String> = match to.map(str::trim).filter(|t| !t.is_empty()) {
            Some(list) => list
                .split([',', ';'])
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
            None => [view.order.contact.email.trim().to_string()]
                .into_iter()
                .chain(
                    view.customer
                        .contacts
                        .iter()
                        .map(|c| c.email.trim().to_string()),
                )
                .find(|e| !e.is_empty())
                .into_iter()
                .collect(),
        };
        if recipients.is_empty() {
            return Err(AppError::invalid(format!(
                "{} n'a pas d'adresse e-mail de contact : donnez-en une (--to adresse@organisme.fr)",
                view.customer.legal_name
            )));
        }
        if let Some(bad) = recipients.iter().find(|a| !plausible(a)) {
            return Err(AppError::invalid(format!(
                "« {bad} » n'est pas une adresse e-mail"
            )));
        }
        let mailer = self.mailer()?;
        let reference = reference.trim().to_uppercase();
        let settings = self.settings();
        let (subject, body) = settings.mail_templates.render(
            kind,
            &[
                ("numero", reference.clone()),
                ("commande", order_number.to_string()),
                ("organisme", view.customer.legal_name.clone()),
                ("montant", amount.fr()),
                ("boutique", settings.seller.name.clone()),
            ],
        );
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let size = bytes.len() as u64;
        let mail = OutgoingMail {
            to: recipients.clone(),
            subject: subject.clone(),
            body,
            attachment_name: file_name.clone(),
            attachment: bytes,
        };
        let sent = mailer.send(&mail).map_err(|e| {
            self.metrics.mail(false);
            self.audit_refusal(
                actor,
                Some(&order_number),
                &format!("envoi par e-mail de {reference}"),
                &e.to_string(),
            );
            AppError::invalid(format!(
                "{reference} n'est pas parti — {e} ; rien n'est noté comme envoyé"
            ))
        })?;
        self.metrics.mail(true);
        let now = self.now();
        let record = self.write_as(actor, Permission::SendEmail, |tx| {
            let order = tx
                .order_by_number(&order_number)?
                .ok_or_else(|| super::not_found_order(&order_number))?;
            let record = MailRecord {
                id: tx.next_id("mail")?,
                kind,
                reference: reference.clone(),
                order: order_number,
                to: recipients,
                subject,
                attachment: file_name,
                attachment_size: size,
                attachment_sha256: sha256,
                at: now,
                by: actor.name.clone(),
                message_id: sent.message_id.clone(),
                answer: sent.answer.clone(),
            };
            tx.put_mail(&record)?;
            let ev = Event::new(Action::MailSent, "", "").detail(format!(
                "{} — Message-ID {}",
                record.describe(),
                record.message_id
            ));
            self.write_audit(tx, actor, now, Some(&order), None, vec![ev])?;
            Ok::<_, AppError>(record)
        })?;
        if let Ok(o) = self.order_view(&order_number.to_string()) {
            self.publish(vec![o.order.id], vec![]);
        }
        Ok(record)
    }
}

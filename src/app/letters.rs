//! Letters to bodies: a reminder or a formal notice for overdue invoices, and the claim
//! for moratory interest and the indemnity once the body's 45 days after the principal
//! have passed (R2192-36). What the letter says is computed by `domain::letter` under the
//! write lock, printed by `documents`, and stored with its PDF and hash in the same
//! transaction as its audit event: a letter is written once, exactly as it was sent.

use super::{Actor, App, AppError};
use crate::domain::Permission;
use crate::domain::letter::{Letter, LetterKind, letter_invoices};
use crate::domain::{Action, DocNumber, Event};
use sha2::{Digest, Sha256};

/// Where letters' references start (`LET-2026-00001`).
pub const LETTER_PREFIX: &str = "LET-";

impl App {
    /// Writes a letter of `kind` about the order `number` (its overdue invoices, or those
    /// paid late whose interest is owed).
    pub fn write_letter(
        &self,
        actor: &Actor,
        number: &str,
        kind: LetterKind,
    ) -> Result<Letter, AppError> {
        actor.require(Permission::Letter)?;
        let number = super::parse_order_number(number)?;
        let now = self.now();
        let today = self.today();
        let settings = self.settings();
        let (letter, order_id) = self.write_as(actor, Permission::Letter, |tx| {
            let (order, customer) = App::find_order(tx, &number)?;
            let (invoices, settled, asked) =
                letter_invoices(&order, kind, today, &settings.ecb_rates).map_err(|why| {
                    AppError::invalid(format!("{} impossible : {why}", kind.label()))
                })?;
            let year = today.year();
            let seq = tx.next_id(&format!("letter_{year}"))?;
            let mut letter = Letter {
                id: tx.next_id("letter")?,
                reference: format!("{LETTER_PREFIX}{year}-{seq:05}"),
                kind,
                order: order.number,
                customer: customer.id,
                buyer_name: customer.legal_name.clone(),
                buyer_siret: customer.siret.as_str().to_string(),
                buyer_address: customer.header_address.lines(),
                po_number: order.po.as_ref().map(|p| p.po_number.clone()),
                date: today,
                created_at: now,
                created_by: actor.name.clone(),
                invoices,
                penalty_settled: settled,
                asked,
                sha256: String::new(),
            };
            let pdf = crate::documents::render_letter(&letter, &settings.seller)
                .map_err(|e| AppError::Render(format!("{} : {e}", kind.label())))?;
            letter.sha256 = Sha256::digest(&pdf)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            tx.put_letter(&letter, &pdf)?;
            let ev = Event::new(Action::LetterWritten, "", "").detail(format!(
                "{} (demande {}) — ssh … doc get {} > {}",
                letter.describe(),
                letter.asked.fr(),
                letter.reference,
                letter.file_name()
            ));
            self.write_audit(tx, actor, now, Some(&order), None, vec![ev])?;
            Ok::<_, AppError>((letter, order.id))
        })?;
        self.publish(vec![order_id], vec![]);
        Ok(letter)
    }

    /// The letters written about an order, oldest first.
    pub fn letters_of(&self, order: &DocNumber) -> Result<Vec<Letter>, AppError> {
        Ok(self
            .store
            .read(|rx| rx.letters())?
            .into_iter()
            .filter(|l| l.order == *order)
            .collect())
    }

    /// A letter by its reference (`LET-2026-00001`), with its PDF as written.
    pub fn letter(&self, reference: &str) -> Result<(Letter, Vec<u8>), AppError> {
        let wanted = reference.trim().to_uppercase();
        self.store.read(|rx| {
            let letter = rx
                .letters()?
                .into_iter()
                .find(|l| l.reference == wanted)
                .ok_or_else(|| AppError::NotFound(format!("aucun courrier {wanted}")))?;
            let pdf = rx
                .letter_file(letter.id)?
                .ok_or_else(|| AppError::NotFound(format!("le PDF du courrier {wanted} manque")))?;
            Ok::<_, AppError>((letter, pdf))
        })
    }
}

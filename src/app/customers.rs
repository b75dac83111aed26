//! Customer use cases besides import: corrections by staff.

use super::{Actor, App, AppError, Role};
use crate::domain::correction::{self, Coordinates};
use crate::domain::{Customer, CustomerId};

impl App {
    /// Corrects a customer's contacts, addresses, Chorus routing or market reference.
    /// `edit` gets the account as stored under the write lock and returns its new
    /// coordinates: two colleagues correcting the same account never lose each other's
    /// change. Open orders that used a corrected contact or address follow it; issued
    /// documents never change.
    pub fn correct_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
        edit: impl FnOnce(&Customer) -> Result<Coordinates, AppError>,
    ) -> Result<Customer, AppError> {
        actor.require(Role::Staff)?;
        let now = self.now();
        let (customer, touched) = self.write_as(actor, |tx| {
            let old = tx
                .customer(id)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))?;
            let new = edit(&old)?;
            let c = correction::correct_customer(&old, &new)?;
            tx.put_customer(&c.customer)?;
            self.write_audit(tx, actor, now, None, Some(id), c.events.clone())?;
            let mut touched = Vec::new();
            if !c.contacts.is_empty() || !c.addresses.is_empty() {
                for oid in tx.orders_of_customer(id)? {
                    let Some(order) = tx.order(oid)? else {
                        continue;
                    };
                    if let Some(step) = correction::follow(&order, &c) {
                        tx.put_order(&step.order)?;
                        self.write_audit(tx, actor, now, Some(&step.order), None, step.events)?;
                        touched.push(oid);
                    }
                }
            }
            Ok::<_, AppError>((c.customer, touched))
        })?;
        self.publish(touched, vec![id]);
        Ok(customer)
    }

    /// A customer by its id or SIRET, as staff type it.
    pub fn find_customer(&self, key: &str) -> Result<Customer, AppError> {
        let key = key.trim();
        let digits: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return self.customer_by_siret(&digits);
        }
        match key.parse::<u64>() {
            Ok(n) => self.customer(CustomerId(n)),
            Err(_) => Err(AppError::invalid(format!(
                "« {key} » : donnez le SIRET (14 chiffres) ou le numéro du client"
            ))),
        }
    }
}

//! The body's account as a back office and an accountant read it: the statement of
//! account (PDF and JSON) and the aged balance of receivables (console and CSV). The
//! arithmetic is the domain's (`domain::statement`); this reads the store and the index.

use super::export::{amount, csv_field};
use super::{App, AppError};
use crate::domain::statement::{AGE_BUCKETS, AgedRow, Statement, statement};
use crate::domain::{Cents, Customer, CustomerId, Date};

/// One body's row of the aged balance, with its name and SIRET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgedLine {
    pub row: AgedRow,
    pub name: String,
    pub siret: String,
}

/// A body and its statement of account.
#[derive(Clone, Debug)]
pub struct CustomerStatement {
    pub customer: Customer,
    pub statement: Statement,
}

impl App {
    /// The aged balance of receivables today: every body that owes or is owed something,
    /// the longest overdue first.
    pub fn aged_balance(&self) -> Vec<AgedLine> {
        let idx = self.index().customers();
        self.index()
            .aged_balance(self.today())
            .into_iter()
            .map(|row| {
                let (name, siret) = idx
                    .get(row.customer)
                    .map(|e| (e.name().to_string(), e.siret().to_string()))
                    .unwrap_or_default();
                AgedLine { row, name, siret }
            })
            .collect()
    }

    /// The statement of account of `customer` from `from` (or its first movement) to `to`
    /// (or today).
    pub fn statement(
        &self,
        customer: CustomerId,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<CustomerStatement, AppError> {
        let to = to.unwrap_or_else(|| self.today());
        if from.is_some_and(|f| f > to) {
            return Err(AppError::invalid("la période finit avant de commencer"));
        }
        let (customer, orders) = self.store.read(|rx| {
            let c = rx
                .customer(customer)?
                .ok_or_else(|| AppError::NotFound("client introuvable".into()))?;
            let mut orders = Vec::new();
            for id in rx.orders_of_customer(customer)? {
                if let Some(o) = rx.order(id)? {
                    orders.push(o);
                }
            }
            Ok::<_, AppError>((c, orders))
        })?;
        Ok(CustomerStatement {
            customer,
            statement: statement(&orders, from, to),
        })
    }

    /// The statement of account as a PDF/A, with the shop's identity and bank details.
    pub fn statement_pdf(&self, s: &CustomerStatement) -> Result<Vec<u8>, AppError> {
        crate::documents::render_statement(
            &s.customer,
            &s.statement,
            &self.settings().seller,
            self.now(),
        )
        .map_err(|e| AppError::Render(format!("relevé de compte : {e}")))
    }
}

/// The aged balance as a spreadsheet (French conventions: `;`, decimal comma), with a
/// total row.
pub fn aged_csv(lines: &[AgedLine], today: Date) -> String {
    let mut out = format!("Balance âgée au {}\n", today.fr());
    let mut header = vec!["Organisme".to_string(), "SIRET".into(), "Factures".into()];
    header.extend(AGE_BUCKETS.iter().map(|b| b.to_string()));
    header.extend(["Trop-perçu".to_string(), "Solde".into()]);
    out.push_str(&header.join(";"));
    out.push('\n');
    let mut totals = [Cents::ZERO; 5];
    let (mut credit, mut balance, mut invoices) = (Cents::ZERO, Cents::ZERO, 0);
    let push = |out: &mut String, fields: Vec<String>| {
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push('\n');
    };
    for l in lines {
        let r = &l.row;
        let mut f = vec![l.name.clone(), l.siret.clone(), r.invoices.to_string()];
        f.extend(r.buckets.iter().map(|b| amount(*b)));
        f.extend([amount(-r.credit), amount(r.balance())]);
        push(&mut out, f);
        for (t, b) in totals.iter_mut().zip(r.buckets) {
            *t += b;
        }
        credit += r.credit;
        balance += r.balance();
        invoices += r.invoices;
    }
    let mut f = vec!["Total".to_string(), String::new(), invoices.to_string()];
    f.extend(totals.iter().map(|b| amount(*b)));
    f.extend([amount(-credit), amount(balance)]);
    push(&mut out, f);
    out
}

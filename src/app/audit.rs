//! Questions put to the audit trail: who did what, when, and what was refused — records
//! filtered by person, kind and period, and consecutive logins of one key collapsed into
//! one line so that a script's many `ssh` commands do not drown the rest.

use super::{App, AppError};
use crate::domain::{Action, AuditRecord, Date};

/// Kinds of records, as `audit --kind` and the console name them.
pub const KINDS: &[(&str, &str)] = &[
    ("acces", "connexions, clés, rôles, sessions, pénalités"),
    ("refus", "actions et connexions refusées"),
    (
        "documents",
        "devis, bons de livraison, factures, avoirs émis",
    ),
    ("paiements", "paiements, remboursements, intérêts"),
    ("clients", "clients créés ou corrigés, éligibilité"),
    ("stock", "catalogue et stock"),
    ("commandes", "étapes des commandes"),
    ("chorus", "dépôts et statuts Chorus Pro"),
    ("banque", "relevés bancaires importés et rapprochés"),
    ("envois", "documents et courriers envoyés par e-mail"),
];

/// Records read at most for one question (the newest first).
const MAX_SCANNED: usize = 200_000;

/// Which records to show.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// A person's name (case ignored).
    pub person: Option<String>,
    /// A kind of [`KINDS`], or an action's name (`invoice-issued`).
    pub kind: Option<String>,
    pub since: Option<Date>,
    pub until: Option<Date>,
    /// One SSH connection's records (its id, as the journal's `session=` shows it).
    pub session: Option<String>,
}

impl AuditFilter {
    /// Refuses a kind nobody knows, listing the ones there are.
    pub fn check(&self) -> Result<(), AppError> {
        if let Some(k) = &self.kind
            && !KINDS.iter().any(|(n, _)| n == k)
            && !Action::ALL.iter().any(|a| a.slug() == k)
        {
            let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
            return Err(AppError::invalid(format!(
                "genre « {k} » inconnu : {} (ou le nom d'une action, par exemple invoice-issued)",
                names.join(", ")
            )));
        }
        Ok(())
    }

    pub fn matches(&self, r: &AuditRecord) -> bool {
        let day = r.at.paris_date();
        if self.since.is_some_and(|d| day < d) || self.until.is_some_and(|d| day > d) {
            return false;
        }
        if let Some(p) = &self.person
            && !r.actor.name.eq_ignore_ascii_case(p.trim())
        {
            return false;
        }
        if let Some(s) = &self.session
            && r.actor.session.as_deref() != Some(s.trim())
        {
            return false;
        }
        match self.kind.as_deref() {
            None => true,
            Some(k) => kind_of(r.action) == k || r.action.slug() == k,
        }
    }
}

/// The kind of [`KINDS`] an action belongs to.
pub fn kind_of(a: Action) -> &'static str {
    use Action::*;
    match a {
        Refused | LoginFailed | LoginPenalty => "refus",
        _ if a.is_access() => "acces",
        QuoteIssued | QuoteRenewed | DeliveryNoteIssued | InvoiceIssued | CreditNoteIssued => {
            "documents"
        }
        PaymentRecorded | PenaltiesPaid | PenaltiesWaived | RefundRecorded | LetterWritten => {
            "paiements"
        }
        Chorus => "chorus",
        Bank => "banque",
        MailSent => "envois",
        CustomerCreated | CustomerUpdated | CustomerCorrected | EligibilityDecided => "clients",
        ProductUpserted | StockAdjusted => "stock",
        _ => "commandes",
    }
}

/// One line of the audit as a person reads it: a record, or several logins of one key in
/// a row, collapsed.
#[derive(Clone, Debug)]
pub enum AuditLine {
    Record(Box<AuditRecord>),
    /// `count` logins of the same person with the same key, newest first, from the
    /// first (`oldest`) to the last (`newest`).
    Logins {
        newest: Box<AuditRecord>,
        oldest: Box<AuditRecord>,
        count: usize,
    },
}

/// Collapses runs of logins by the same person and key (records newest first).
pub fn collapse_logins(records: Vec<AuditRecord>) -> Vec<AuditLine> {
    let mut out: Vec<AuditLine> = Vec::new();
    for r in records {
        let same = |x: &AuditRecord| {
            x.action == Action::Login
                && r.action == Action::Login
                && x.actor.name == r.actor.name
                && x.actor.fingerprint == r.actor.fingerprint
        };
        match out.last_mut() {
            Some(AuditLine::Logins { oldest, count, .. }) if same(oldest) => {
                **oldest = r;
                *count += 1;
            }
            Some(AuditLine::Record(prev)) if same(prev) => {
                let newest = prev.clone();
                *out.last_mut().expect("just matched") = AuditLine::Logins {
                    newest,
                    oldest: Box::new(r),
                    count: 2,
                };
            }
            _ => out.push(AuditLine::Record(Box::new(r))),
        }
    }
    out
}

impl App {
    /// The newest records that pass `filter`, at most `limit`, newest first.
    pub fn audit_search(
        &self,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, AppError> {
        filter.check()?;
        let mut out = Vec::new();
        let mut offset = 0;
        'pages: loop {
            // A filter that matches little does not read a years-long trail to the end.
            if offset >= MAX_SCANNED {
                break;
            }
            let batch = self.audit(offset, 2000)?;
            if batch.is_empty() {
                break;
            }
            offset += batch.len();
            for r in batch {
                if filter.since.is_some_and(|d| r.at.paris_date() < d) {
                    break 'pages;
                }
                if filter.matches(&r) {
                    out.push(r);
                    if out.len() >= limit {
                        break 'pages;
                    }
                }
            }
        }
        Ok(out)
    }
}

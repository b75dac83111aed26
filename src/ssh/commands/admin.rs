//! `sessions …` and `audit` (admins): who is connected, and what happened.

use super::grammar::SessionsCmd;
use super::{Output, Render, Shared};
use crate::app::Actor;
use crate::app::access::SessionInfo;
use crate::domain::AuditRecord;
use crate::ssh::access::AccessService;
use crate::ui::access::AccessAdmin;
use serde::Serialize;
use std::sync::Arc;

/// One live session.
#[derive(Serialize)]
struct SessionRow {
    id: u64,
    person: String,
    role: &'static str,
    fingerprint: String,
    source: Option<String>,
    since: String,
    what: String,
    /// A console's seconds since its last keystroke.
    idle_seconds: Option<u64>,
    /// The connection's id, as the journal's `session=` shows it.
    connection: Option<String>,
    #[serde(skip)]
    since_fr: String,
    #[serde(skip)]
    activity: String,
}

impl SessionRow {
    fn of(s: &SessionInfo) -> SessionRow {
        SessionRow {
            id: s.id,
            person: s.person.clone(),
            role: s.role.label(),
            fingerprint: s.fingerprint.clone(),
            source: s.peer.map(|p| p.to_string()),
            since: s.started.iso_utc(),
            what: s.what.clone(),
            idle_seconds: s.idle_secs,
            connection: s.connection.clone(),
            since_fr: s.started.fr(),
            activity: s.activity(),
        }
    }
}

impl Render for SessionRow {
    fn text(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.id,
            self.person,
            self.role,
            self.source.as_deref().unwrap_or(""),
            self.since_fr,
            self.activity,
            self.connection.as_deref().unwrap_or("")
        )
    }
}

pub(super) fn sessions(shared: &Arc<Shared>, who: &Actor, what: SessionsCmd) -> Output {
    let access = AccessService::new(shared.clone());
    match what {
        SessionsCmd::List { json } => {
            let rows: Vec<SessionRow> = access.sessions().iter().map(SessionRow::of).collect();
            let mut out = Output::render(&rows, json);
            if !json {
                for p in access.penalties() {
                    out.stdout
                        .extend(format!("pénalité\t{}\n", p.describe()).into_bytes());
                }
            }
            out
        }
        SessionsCmd::Penalties { json } => {
            let rows: Vec<PenaltyRow> = access
                .penalties()
                .into_iter()
                .map(|p| PenaltyRow {
                    subject: p.subject.clone(),
                    remaining_seconds: p.remaining_secs,
                    strikes: p.strikes,
                    text: p.describe(),
                })
                .collect();
            Output::render(&rows, json)
        }
        SessionsCmd::Kill { id } => match access.end_session(who, id) {
            Ok(s) => Output::ok(format!("session {id} de {} terminée", s.person)),
            Err(e) => e.into(),
        },
    }
}

/// One audit record.
#[derive(Serialize)]
struct AuditRow {
    seq: u64,
    at: String,
    who: String,
    fingerprint: Option<String>,
    action: &'static str,
    order: Option<String>,
    customer: Option<u64>,
    before: String,
    after: String,
    detail: String,
    document: Option<String>,
    /// The access event as data (logins, keys, roles, sessions).
    access: Option<crate::domain::AccessEvent>,
    /// The SSH connection it came through (the journal's `session=`).
    session: Option<String>,
    #[serde(skip)]
    author: String,
}

impl AuditRow {
    fn of(r: &AuditRecord) -> AuditRow {
        AuditRow {
            seq: r.seq,
            at: r.at.iso_utc(),
            who: r.actor.name.clone(),
            fingerprint: r.actor.fingerprint.clone(),
            action: r.action.slug(),
            order: r.order_number.map(|n| n.to_string()),
            customer: r.customer.map(|c| c.0),
            before: r.before.clone(),
            after: r.after.clone(),
            detail: r.detail.clone(),
            document: r.document.map(|d| d.to_string()),
            access: r.access.clone(),
            session: r.actor.session.clone(),
            author: match &r.actor.session {
                Some(s) => format!("{} [{s}]", r.actor.display()),
                None => r.actor.display(),
            },
        }
    }
}

impl Render for AuditRow {
    fn text(&self) -> String {
        let subject = self
            .order
            .clone()
            .or(self.customer.map(|c| format!("client #{c}")))
            .unwrap_or_default();
        let change = if self.before.is_empty() && self.after.is_empty() {
            String::new()
        } else {
            format!("{} → {}", self.before, self.after)
        };
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            self.at, self.author, self.action, subject, change, self.detail
        )
    }
}

/// `audit`: the newest records that pass the filters; in text, consecutive logins of one
/// key are one line (« 12 connexions … entre … et … »); `--json` gives every record.
/// `audit`: the records that pass the filters (see [`super::grammar::AuditArgs`]).
pub(super) fn audit(shared: &Shared, args: super::grammar::AuditArgs) -> Output {
    let super::grammar::AuditArgs {
        since,
        until,
        person,
        kind,
        session,
        limit,
        json,
    } = args;
    let filter = crate::app::audit::AuditFilter {
        person,
        kind,
        since,
        until,
        session,
    };
    let records = match shared.app.audit_search(&filter, limit) {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    if json {
        let rows: Vec<AuditRow> = records.iter().map(AuditRow::of).collect();
        return Output::render(&rows, true);
    }
    let mut text = String::new();
    for line in crate::app::audit::collapse_logins(records) {
        match line {
            crate::app::audit::AuditLine::Record(r) => {
                text.push_str(&AuditRow::of(&r).text());
            }
            crate::app::audit::AuditLine::Logins {
                newest,
                oldest,
                count,
            } => {
                let row = AuditRow::of(&newest);
                text.push_str(&format!(
                    "{}\t{}\t{}\t\t\t{count} connexions de la même clé, du {} au {}",
                    row.at,
                    row.author,
                    row.action,
                    oldest.at.fr(),
                    newest.at.fr()
                ));
            }
        }
        text.push('\n');
    }
    Output::ok(text)
}

/// `backup`: a consistent copy of the live store, written beside it, streamed, removed.
pub(super) fn backup(shared: &Shared, who: &Actor) -> Output {
    let app = &shared.app;
    let dest = app.data_dir().join(format!(
        ".backup-{}-{}.redb",
        std::process::id(),
        app.now().0
    ));
    let _ = std::fs::remove_file(&dest);
    match app.backup(who, &dest) {
        Ok(report) => {
            tracing::info!(
                person = %who.name,
                rows = report.rows,
                bytes = report.bytes,
                "backup"
            );
            Output {
                stderr: format!(
                    "sauvegarde cohérente : {} tables, {} lignes, {} octets\n",
                    report.tables, report.rows, report.bytes
                )
                .into_bytes(),
                file: Some(dest),
                ..Output::default()
            }
        }
        Err(e) => {
            let _ = std::fs::remove_file(&dest);
            e.into()
        }
    }
}

#[derive(Serialize)]
struct CheckRow {
    customers: u64,
    orders: u64,
    documents: u64,
    files: u64,
    synthetic_documents: u64,
    audit_records: u64,
    clean: bool,
    violations: Vec<String>,
    warnings: Vec<String>,
    free_bytes: Option<u64>,
}

impl Render for CheckRow {
    fn text(&self) -> String {
        let mut s: String = self.violations.iter().map(|v| format!("{v}\n")).collect();
        for w in &self.warnings {
            s.push_str(&format!("attention : {w}\n"));
        }
        if let Some(free) = self.free_bytes {
            s.push_str(&format!(
                "espace libre sur le disque du magasin : {} Mo\n",
                free / 1_000_000
            ));
        }
        s.push_str(&format!(
            "vérifié : {} clients, {} commandes, {} documents ({} fichiers, {} synthétiques), {} lignes d'audit : {}",
            self.customers,
            self.orders,
            self.documents,
            self.files,
            self.synthetic_documents,
            self.audit_records,
            if self.clean {
                "sain".to_string()
            } else {
                format!("{} anomalie(s)", self.violations.len())
            }
        ));
        s
    }
}

/// `check [--json]`: every invariant of the live store, on a snapshot; status 1 when not
/// clean.
pub(super) fn check(shared: &Shared, who: &Actor, json: bool) -> Output {
    match shared.app.check(who) {
        Ok(r) => {
            let row = CheckRow {
                customers: r.customers,
                orders: r.orders,
                documents: r.documents,
                files: r.files,
                synthetic_documents: r.synthetic_documents,
                audit_records: r.audit_records,
                clean: r.is_clean(),
                violations: r.violations.iter().map(|v| v.to_string()).collect(),
                warnings: r.warnings.clone(),
                free_bytes: r.free_bytes,
            };
            let mut out = Output::render(&row, json);
            if !row.clean {
                out.status = 1;
            }
            out
        }
        Err(e) => e.into(),
    }
}

/// `sessions penalties`: one source or key refused for a while.
#[derive(Serialize)]
struct PenaltyRow {
    subject: String,
    remaining_seconds: u64,
    strikes: u32,
    #[serde(skip)]
    text: String,
}

impl Render for PenaltyRow {
    fn text(&self) -> String {
        self.text.clone()
    }
}

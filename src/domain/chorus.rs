//! An invoice or credit note's life on Chorus Pro, as comptoir keeps it: queued, sent
//! (the flow's number and date), the flow integrated or rejected, then the invoice's
//! statuses with their dates. Pure data; the app fills it from the platform.
//!
//! The statuses drive the money (décret n° 2013-269, art. 2 and 3: for an invoice sent
//! through Chorus Pro, the payment delay runs from its *mise à disposition* to the body
//! on the portal, and a body's request interrupts it once): MISE_A_DISPOSITION is the
//! body's receipt — it replaces the presumed date (invoice + 2 days) and a date typed by
//! staff, which the audit keeps; SUSPENDUE interrupts the delay, COMPLETEE restarts it.

use super::date::Timestamp;
use super::document::DocNumber;
use serde::{Deserialize, Serialize};

/// Where a document stands with Chorus Pro.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChorusState {
    /// Waiting to be sent (at `next_try`).
    Queued,
    /// A deposit was under way: its answer may have been lost, so the invoice is looked
    /// up on the platform before it is ever sent again.
    Sending,
    /// Deposited: the flow's number and the platform's date.
    Deposited { flow: String, date: String },
    /// Refused by the platform (at deposit, or the flow rejected): its words.
    Refused { message: String },
}

/// One dated status of the invoice on Chorus Pro.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChorusStatus {
    pub status: String,
    /// As the platform dates it (`AAAA-MM-JJ…`).
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChorusRecord {
    pub number: DocNumber,
    pub state: ChorusState,
    pub queued_at: Timestamp,
    pub attempts: u32,
    /// When the queue may try it again (after an unreachable platform).
    pub next_try: Timestamp,
    /// The last failure that will be retried, in French.
    pub last_error: Option<String>,
    /// The flow's processing state (IN_RECU … IN_INTEGRE, IN_REJETE).
    pub flow_state: Option<String>,
    /// The invoice's id on the platform, once integrated.
    pub invoice_id: Option<i64>,
    /// Its statuses, oldest first.
    pub history: Vec<ChorusStatus>,
}

/// What the board shows of an order's documents on Chorus Pro, least urgent first
/// (an order shows its most urgent document's mark).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChorusMark {
    /// Deposited and followed, or done.
    Sent,
    /// In the queue or being sent.
    Pending,
    /// Refused, rejected, suspended or to recycle: a person must act.
    Attention,
}

impl ChorusMark {
    /// A tag that reads without colour.
    pub fn tag(self) -> &'static str {
        match self {
            ChorusMark::Sent => "CP ✓",
            ChorusMark::Pending => "CP …",
            ChorusMark::Attention => "CP ⚠",
        }
    }
}

/// A platform status in a few French words (at most 14 characters).
pub fn status_short(status: &str) -> &'static str {
    match status {
        "DEPOSEE" => "déposée",
        "EN_COURS_ACHEMINEMENT" => "acheminement",
        "MISE_A_DISPOSITION" => "mise à dispo.",
        "SUSPENDUE" => "suspendue",
        "COMPLETEE" => "complétée",
        "REJETEE" => "rejetée",
        "A_RECYCLER" => "à recycler",
        "SERVICE_FAIT" => "service fait",
        "MANDATEE" => "mandatée",
        "MISE_A_DISPOSITION_COMPTABLE" => "chez le compt.",
        "COMPTABILISEE" => "comptabilisée",
        "MISE_EN_PAIEMENT" => "mise en paiem.",
        "ABANDONNEE" => "abandonnée",
        "SUPPRIMEE" => "supprimée",
        _ => "autre statut",
    }
}

/// Statuses after which nothing more is followed.
pub const FINAL_STATUSES: &[&str] = &["MISE_EN_PAIEMENT", "REJETEE", "ABANDONNEE", "SUPPRIMEE"];

impl ChorusRecord {
    pub fn new(number: DocNumber, now: Timestamp) -> ChorusRecord {
        ChorusRecord {
            number,
            state: ChorusState::Queued,
            queued_at: now,
            attempts: 0,
            next_try: now,
            last_error: None,
            flow_state: None,
            invoice_id: None,
            history: Vec::new(),
        }
    }

    /// The newest status, if any.
    pub fn status(&self) -> Option<&str> {
        self.history.last().map(|s| s.status.as_str())
    }

    /// Whether it is still followed (deposited, not in a final status).
    pub fn followed(&self) -> bool {
        matches!(self.state, ChorusState::Deposited { .. })
            && !self.status().is_some_and(|s| FINAL_STATUSES.contains(&s))
    }

    /// What needs a person: a refusal, a rejected or recycled invoice, a suspension.
    pub fn needs_attention(&self) -> Option<String> {
        match (&self.state, self.status()) {
            (ChorusState::Refused { message }, _) => Some(format!(
                "refusée par Chorus Pro : {message} — corrigez, puis émettez un avoir et une nouvelle facture"
            )),
            (_, Some("REJETEE")) => Some(
                "rejetée par l'organisme sur Chorus Pro : émettez un avoir, puis une nouvelle facture".into(),
            ),
            (_, Some("A_RECYCLER")) => Some(
                "à recycler : le destinataire (SIRET, code service) est à corriger sur Chorus Pro".into(),
            ),
            (_, Some("SUSPENDUE")) => Some(
                "suspendue : l'organisme demande un complément (délai de paiement interrompu)".into(),
            ),
            _ => None,
        }
    }

    /// The board's mark.
    pub fn mark(&self) -> ChorusMark {
        if self.needs_attention().is_some() {
            ChorusMark::Attention
        } else if matches!(self.state, ChorusState::Queued | ChorusState::Sending) {
            ChorusMark::Pending
        } else {
            ChorusMark::Sent
        }
    }

    /// A few words for a column (at most 14 characters).
    pub fn short(&self) -> &'static str {
        match (&self.state, self.status()) {
            (ChorusState::Queued, _) if self.last_error.is_some() => "en file (err.)",
            (ChorusState::Queued, _) => "en file",
            (ChorusState::Sending, _) => "envoi en cours",
            (ChorusState::Refused { .. }, _) => "refusée",
            (ChorusState::Deposited { .. }, Some(s)) => status_short(s),
            (ChorusState::Deposited { .. }, None) => match self.flow_state.as_deref() {
                Some("IN_INTEGRE") | Some("IN_INTEGRE_PARTIEL") => "intégrée",
                _ => "déposée",
            },
        }
    }

    /// One line in French.
    pub fn describe(&self) -> String {
        match &self.state {
            ChorusState::Queued => match &self.last_error {
                Some(e) => format!("en file (essai {}) : {e}", self.attempts),
                None => "en file".to_string(),
            },
            ChorusState::Sending => "envoi en cours".into(),
            ChorusState::Deposited { flow, date } => {
                let mut s = format!("déposée le {date}, flux {flow}");
                if let Some(f) = &self.flow_state {
                    s += &format!(", {f}");
                }
                if let Some(st) = self.history.last() {
                    s += &format!(" — {} ({})", st.status, st.at);
                }
                s
            }
            ChorusState::Refused { message } => format!("refusée : {message}"),
        }
    }
}

/// The day a platform date stands for (`2026-12-07`, `2026-12-07T10:00:00`, or a time in
/// milliseconds since 1970 as some answers give it).
pub fn day_of(at: &str) -> Option<super::date::Date> {
    let at = at.trim();
    if let Some(d) = at.get(..10).and_then(super::date::Date::parse_iso) {
        return Some(d);
    }
    at.parse::<i64>()
        .ok()
        .map(|ms| Timestamp(ms / 1000).paris_date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state: ChorusState, statuses: &[&str]) -> ChorusRecord {
        let mut r = ChorusRecord::new(DocNumber::parse("FA-2026-00001").unwrap(), Timestamp(0));
        r.state = state;
        r.history = statuses
            .iter()
            .map(|s| ChorusStatus {
                status: s.to_string(),
                at: "2026-12-01".into(),
            })
            .collect();
        r
    }

    #[test]
    fn marks_and_short_words_follow_the_state() {
        let sent = || ChorusState::Deposited {
            flow: "F1".into(),
            date: "2026-12-01".into(),
        };
        let queued = record(ChorusState::Queued, &[]);
        assert_eq!(
            (queued.mark(), queued.short()),
            (ChorusMark::Pending, "en file")
        );
        let refused = record(
            ChorusState::Refused {
                message: "SIRET inconnu".into(),
            },
            &[],
        );
        assert_eq!(refused.mark(), ChorusMark::Attention);
        let suspended = record(sent(), &["DEPOSEE", "MISE_A_DISPOSITION", "SUSPENDUE"]);
        assert_eq!(
            (suspended.mark(), suspended.short()),
            (ChorusMark::Attention, "suspendue")
        );
        let resumed = record(sent(), &["MISE_A_DISPOSITION", "SUSPENDUE", "COMPLETEE"]);
        assert_eq!(
            (resumed.mark(), resumed.short()),
            (ChorusMark::Sent, "complétée")
        );
        assert!(
            ChorusMark::Attention > ChorusMark::Pending && ChorusMark::Pending > ChorusMark::Sent
        );
        for s in [
            "DEPOSEE",
            "EN_COURS_ACHEMINEMENT",
            "MISE_A_DISPOSITION",
            "SUSPENDUE",
            "COMPLETEE",
            "REJETEE",
            "A_RECYCLER",
            "SERVICE_FAIT",
            "MANDATEE",
            "MISE_A_DISPOSITION_COMPTABLE",
            "COMPTABILISEE",
            "MISE_EN_PAIEMENT",
            "ABANDONNEE",
            "SUPPRIMEE",
            "NOUVEAU",
        ] {
            assert!(status_short(s).chars().count() <= 14, "{s}");
            assert_eq!(status_short(s) == "autre statut", s == "NOUVEAU", "{s}");
        }
    }
}

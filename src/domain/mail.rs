//! Documents sent by e-mail: the message for each kind of document (French templates the
//! configuration may replace) and the record of each sending — to whom, when, the
//! Message-ID and the relay's answer — kept on the order. Pure data.

use super::date::Timestamp;
use super::document::DocNumber;
use serde::{Deserialize, Serialize};

/// What is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MailKind {
    Quote,
    DeliveryNote,
    /// The invoice's payment pack (invoice, RIB, purchase order).
    Invoice,
    CreditNote,
    Reminder,
    FormalNotice,
    InterestClaim,
}

impl MailKind {
    pub const ALL: [MailKind; 7] = [
        MailKind::Quote,
        MailKind::DeliveryNote,
        MailKind::Invoice,
        MailKind::CreditNote,
        MailKind::Reminder,
        MailKind::FormalNotice,
        MailKind::InterestClaim,
    ];

    /// Its name in `[smtp.templates.NAME]`.
    pub fn key(self) -> &'static str {
        match self {
            MailKind::Quote => "quote",
            MailKind::DeliveryNote => "delivery_note",
            MailKind::Invoice => "invoice",
            MailKind::CreditNote => "credit_note",
            MailKind::Reminder => "reminder",
            MailKind::FormalNotice => "formal_notice",
            MailKind::InterestClaim => "interest_claim",
        }
    }

    fn default_template(self) -> (&'static str, &'static str) {
        match self {
            MailKind::Quote => (
                "Devis {numero} — {boutique}",
                "Madame, Monsieur,\n\nVeuillez trouver ci-joint notre devis {numero} d'un montant de {montant}, valable un mois.\n\nPour commander, merci de nous adresser le bon de commande original (sur papier à en-tête, daté, signé et cacheté) ; une copie par e-mail réserve le matériel.\n\nBien cordialement,\n{boutique}",
            ),
            MailKind::DeliveryNote => (
                "Bon de livraison {numero} — commande {commande}",
                "Madame, Monsieur,\n\nVeuillez trouver ci-joint le bon de livraison {numero} de votre commande {commande}.\n\nBien cordialement,\n{boutique}",
            ),
            MailKind::Invoice => (
                "Facture {numero} — commande {commande}",
                "Madame, Monsieur,\n\nVeuillez trouver ci-joint le dossier de paiement de la facture {numero} ({montant}) : la facture, notre RIB et votre bon de commande. La facture est aussi déposée sur Chorus Pro.\n\nBien cordialement,\n{boutique}",
            ),
            MailKind::CreditNote => (
                "Avoir {numero} — commande {commande}",
                "Madame, Monsieur,\n\nVeuillez trouver ci-joint l'avoir {numero} d'un montant de {montant}.\n\nBien cordialement,\n{boutique}",
            ),
            MailKind::Reminder => (
                "Relance — {numero} — commande {commande}",
                "Madame, Monsieur,\n\nSauf erreur de notre part, une facture de votre commande {commande} reste impayée après son échéance : vous trouverez ci-joint notre courrier {numero} ({montant}).\n\nSi le paiement est en cours, merci de ne pas en tenir compte.\n\nBien cordialement,\n{boutique}",
            ),
            MailKind::FormalNotice => (
                "Mise en demeure — {numero} — commande {commande}",
                "Madame, Monsieur,\n\nVeuillez trouver ci-joint notre mise en demeure {numero} concernant votre commande {commande} ({montant}).\n\nBien cordialement,\n{boutique}",
            ),
            MailKind::InterestClaim => (
                "Intérêts moratoires — {numero} — commande {commande}",
                "Madame, Monsieur,\n\nVeuillez trouver ci-joint notre demande de paiement des intérêts moratoires et de l'indemnité forfaitaire ({montant}) pour votre commande {commande}, avec leur calcul.\n\nBien cordialement,\n{boutique}",
            ),
        }
    }
}

/// The subject and body of each kind of message; `{numero}`, `{commande}`, `{organisme}`,
/// `{montant}` and `{boutique}` are replaced.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MailTemplates {
    /// Replacements from the configuration: kind → (subject, body).
    pub custom: Vec<(MailKind, String, String)>,
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["numero", "commande", "organisme", "montant", "boutique"];

impl MailTemplates {
    /// The subject and body of `kind`, filled.
    pub fn render(&self, kind: MailKind, values: &[(&str, String)]) -> (String, String) {
        let (subject, body) = self
            .custom
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, s, b)| (s.as_str(), b.as_str()))
            .unwrap_or_else(|| kind.default_template());
        let fill = |t: &str| {
            let mut out = t.to_string();
            for (k, v) in values {
                out = out.replace(&format!("{{{k}}}"), v);
            }
            out
        };
        (fill(subject), fill(body))
    }
}

/// Placeholders a template names that do not exist (a typo would be sent as is).
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            out.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

/// One sending, as recorded on the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    pub id: u64,
    pub kind: MailKind,
    /// The document or letter sent (`FA-2026-00042`, `LET-2026-00001`).
    pub reference: String,
    pub order: DocNumber,
    pub to: Vec<String>,
    pub subject: String,
    pub attachment: String,
    pub attachment_size: u64,
    pub attachment_sha256: String,
    pub at: Timestamp,
    pub by: String,
    pub message_id: String,
    /// What the relay answered when it took the message.
    pub answer: String,
}

impl MailRecord {
    pub fn describe(&self) -> String {
        format!(
            "{} envoyé à {} le {} ({})",
            self.reference,
            self.to.join(", "),
            self.at.fr(),
            self.answer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_typos_are_found() {
        let t = MailTemplates {
            custom: vec![(
                MailKind::Quote,
                "Devis {numero}".into(),
                "Pour {organisme}".into(),
            )],
        };
        let (s, b) = t.render(
            MailKind::Quote,
            &[
                ("numero", "DEV-2026-00001".into()),
                ("organisme", "Lycée".into()),
            ],
        );
        assert_eq!(
            (s.as_str(), b.as_str()),
            ("Devis DEV-2026-00001", "Pour Lycée")
        );
        let (s, _) = t.render(MailKind::Invoice, &[("numero", "FA-2026-00001".into())]);
        assert!(s.starts_with("Facture FA-2026-00001"), "{s}");
        assert_eq!(
            unknown_placeholders("Bonjour {organisme}, {numéro}"),
            ["numéro"]
        );
        for k in MailKind::ALL {
            let (s, b) = k.default_template();
            assert!(unknown_placeholders(s).is_empty() && unknown_placeholders(b).is_empty());
        }
    }
}

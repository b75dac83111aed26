//! `[smtp]`: the shop's mail relay and the messages' templates, checked at load; the
//! password from the file or the environment, never shown.

use super::*;

/// `[smtp]`: the shop's mail relay as the file gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Smtp {
    pub(super) host: String,
    pub(super) port: Option<u16>,
    pub(super) tls: Option<String>,
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
    pub(super) from: String,
    pub(super) timeout_seconds: Option<u64>,
    pub(super) templates: Option<std::collections::BTreeMap<String, Template>>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.write_str("Smtp { host, port, tls, user, from, … }")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Template {
    pub(super) subject: String,
    pub(super) body: String,
}

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS on the submission port (587), required.
    StartTls,
    /// TLS from the first byte (465).
    Tls,
    /// None: only for a relay on this machine (tests, a local MTA).
    None,
}

/// The shop's SMTP relay. The password may come from `COMPTOIR_SMTP_PASSWORD` and is
/// never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<String>,
    /// `Comptoir Audio <compta@comptoir.example>` or a bare address.
    pub from: String,
    pub timeout_seconds: u64,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "défini"))
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpConfig {
    /// What `config check` prints, the password as « défini ».
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!(
                "relais : {}:{} ({})",
                self.host,
                self.port,
                match self.tls {
                    SmtpTls::StartTls => "STARTTLS",
                    SmtpTls::Tls => "TLS",
                    SmtpTls::None => "sans chiffrement, sur cette machine",
                }
            ),
            format!(
                "compte : {}",
                match (&self.user, &self.password) {
                    (Some(u), Some(_)) => format!("{u}, mot de passe défini"),
                    (Some(u), None) => format!("{u}, sans mot de passe"),
                    _ => "aucun (relais sans authentification)".into(),
                }
            ),
            format!("expéditeur : {}", self.from),
        ]
    }
}

pub(super) fn smtp(
    c: Smtp,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(SmtpConfig, crate::domain::mail::MailTemplates), String> {
    use crate::domain::mail::{MailKind, MailTemplates, PLACEHOLDERS, unknown_placeholders};
    let host = c.host.trim().to_string();
    if host.is_empty() || host.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return Err(err(path, "smtp.host", "un nom d'hôte est attendu"));
    }
    let tls = match c.tls.as_deref().map(str::trim) {
        None | Some("starttls") => SmtpTls::StartTls,
        Some("tls") => SmtpTls::Tls,
        Some("none") => {
            let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1");
            if !loopback {
                return Err(err(
                    path,
                    "smtp.tls",
                    format!(
                        "« none » n'est accepté que pour un relais sur cette machine (127.0.0.1), pas « {host} » : \"starttls\" ou \"tls\""
                    ),
                ));
            }
            SmtpTls::None
        }
        Some(other) => {
            return Err(err(
                path,
                "smtp.tls",
                format!("« {other} » : \"starttls\", \"tls\" ou \"none\" (sur cette machine)"),
            ));
        }
    };
    let port = c.port.unwrap_or(match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    });
    let from = c.from.trim().to_string();
    if !from.contains('@') || from.chars().any(char::is_control) {
        return Err(err(
            path,
            "smtp.from",
            "une adresse est attendue (« Comptoir <compta@boutique.fr> »)",
        ));
    }
    let user = c
        .user
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let password = c
        .password
        .filter(|p| !p.trim().is_empty())
        .or_else(|| env("COMPTOIR_SMTP_PASSWORD").filter(|p| !p.trim().is_empty()));
    if user.is_some() && password.is_none() {
        return Err(err(
            path,
            "smtp.password",
            "manquant (dans le fichier, ou la variable COMPTOIR_SMTP_PASSWORD)",
        ));
    }
    let timeout_seconds = c.timeout_seconds.unwrap_or(30);
    if !(1..=600).contains(&timeout_seconds) {
        return Err(err(path, "smtp.timeout_seconds", "entre 1 et 600"));
    }
    let mut templates = MailTemplates::default();
    for (name, t) in c.templates.unwrap_or_default() {
        let Some(kind) = MailKind::ALL.into_iter().find(|k| k.key() == name) else {
            return Err(err(
                path,
                &format!("smtp.templates.{name}"),
                format!(
                    "modèle inconnu ; les modèles : {}",
                    MailKind::ALL.map(|k| k.key()).join(", ")
                ),
            ));
        };
        for (part, text) in [("subject", &t.subject), ("body", &t.body)] {
            let unknown = unknown_placeholders(text);
            if !unknown.is_empty() {
                return Err(err(
                    path,
                    &format!("smtp.templates.{name}.{part}"),
                    format!(
                        "{{{}}} inconnu ; on peut écrire {}",
                        unknown.join("}, {"),
                        PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                    ),
                ));
            }
        }
        if t.subject.contains('\n') || t.subject.chars().count() > 200 {
            return Err(err(
                path,
                &format!("smtp.templates.{name}.subject"),
                "une ligne de 200 caractères au plus",
            ));
        }
        templates.custom.push((kind, t.subject, t.body));
    }
    Ok((
        SmtpConfig {
            host,
            port,
            tls,
            user,
            password,
            from,
            timeout_seconds,
        },
        templates,
    ))
}

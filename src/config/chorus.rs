//! `[chorus]`: the Chorus Pro platform's addresses and credentials, checked at load (https
//! only, loopback excepted); secrets from the file or the environment, never shown.

use super::*;

/// `[chorus]`: the Chorus Pro platform (PISTE) as the file gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Chorus {
    pub(super) api_url: String,
    pub(super) oauth_url: String,
    pub(super) client_id: String,
    pub(super) client_secret: Option<String>,
    pub(super) login: String,
    pub(super) password: Option<String>,
    pub(super) mode: Option<String>,
    pub(super) sync_minutes: Option<u64>,
}

impl std::fmt::Debug for Chorus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        f.write_str("Chorus { api_url, oauth_url, client_id, login, … }")
    }
}

/// When invoices go to Chorus Pro.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChorusMode {
    /// Only when staff send them (`chorus send`, the console).
    Manual,
    /// Every new invoice and credit note is queued as it is issued.
    OnIssue,
}

/// The Chorus Pro platform comptoir talks to: a PISTE application (client id and secret)
/// and a technical account (login and password). The secrets may come from the
/// environment (`COMPTOIR_CHORUS_CLIENT_SECRET`, `COMPTOIR_CHORUS_PASSWORD`) and are never
/// shown: `Debug` and [`ChorusConfig::describe`] say « défini ».
#[derive(Clone, PartialEq, Eq)]
pub struct ChorusConfig {
    /// The API host, with a trailing slash (`https://sandbox-api.piste.gouv.fr/`).
    pub api_url: String,
    /// The OAuth host, with a trailing slash; the token is at `api/oauth/token`.
    pub oauth_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub login: String,
    pub password: String,
    pub mode: ChorusMode,
    pub sync_minutes: u64,
}

impl std::fmt::Debug for ChorusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChorusConfig")
            .field("api_url", &self.api_url)
            .field("oauth_url", &self.oauth_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"défini")
            .field("login", &self.login)
            .field("password", &"défini")
            .field("mode", &self.mode)
            .field("sync_minutes", &self.sync_minutes)
            .finish()
    }
}

impl ChorusConfig {
    /// What `config check` prints: every setting, the secrets as « défini ».
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!("API : {}", self.api_url),
            format!("OAuth : {}", self.oauth_url),
            format!("client_id : {}", self.client_id),
            "client_secret : défini".into(),
            format!("compte technique : {}", self.login),
            "mot de passe : défini".into(),
            format!(
                "envoi : {}",
                match self.mode {
                    ChorusMode::Manual => "à la demande (manual)",
                    ChorusMode::OnIssue => "à chaque émission (on_issue)",
                }
            ),
            format!("suivi : toutes les {} minutes", self.sync_minutes),
        ]
    }
}

/// An API or OAuth host: `https://…`, or `http://` on this machine only (a stand-in for
/// tests); normalised with a trailing slash.
pub(super) fn platform_url(path: &Path, field: &str, url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', ':']).next().unwrap_or("");
        let host_v6 = r.strip_prefix('[').and_then(|h| h.split(']').next());
        let loopback = matches!(host, "127.0.0.1" | "localhost") || host_v6 == Some("::1");
        if !loopback {
            return Err(err(
                path,
                field,
                format!(
                    "« {url} » : https:// est exigé (http:// seulement sur cette machine, pour des essais)"
                ),
            ));
        }
        r
    } else {
        return Err(err(
            path,
            field,
            format!("« {url} » : une adresse https://… est attendue"),
        ));
    };
    if rest.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(path, field, format!("« {url} » : adresse invalide")));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

/// A secret from the file, else from the environment variable `var`.
pub(super) fn secret(
    path: &Path,
    field: &str,
    value: Option<String>,
    var: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    value
        .filter(|v| !v.trim().is_empty())
        .or_else(|| env(var).filter(|v| !v.trim().is_empty()))
        .ok_or_else(|| {
            err(
                path,
                field,
                format!("manquant (dans le fichier, ou la variable {var})"),
            )
        })
}

pub(super) fn chorus(
    c: Chorus,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ChorusConfig, String> {
    let text = |field: &str, v: &str| -> Result<String, String> {
        let v = v.trim();
        if v.is_empty() || v.chars().any(char::is_control) || v.len() > 200 {
            return Err(err(
                path,
                field,
                "vide, trop long ou avec un caractère de contrôle",
            ));
        }
        Ok(v.to_string())
    };
    let mode = match c.mode.as_deref().map(str::trim) {
        None | Some("manual") => ChorusMode::Manual,
        Some("on_issue") => ChorusMode::OnIssue,
        Some(other) => {
            return Err(err(
                path,
                "chorus.mode",
                format!("« {other} » : \"manual\" ou \"on_issue\""),
            ));
        }
    };
    let sync_minutes = c.sync_minutes.unwrap_or(30);
    if !(1..=1440).contains(&sync_minutes) {
        return Err(err(path, "chorus.sync_minutes", "entre 1 et 1440"));
    }
    Ok(ChorusConfig {
        api_url: platform_url(path, "chorus.api_url", &c.api_url)?,
        oauth_url: platform_url(path, "chorus.oauth_url", &c.oauth_url)?,
        client_id: text("chorus.client_id", &c.client_id)?,
        client_secret: secret(
            path,
            "chorus.client_secret",
            c.client_secret,
            "COMPTOIR_CHORUS_CLIENT_SECRET",
            env,
        )?,
        login: text("chorus.login", &c.login)?,
        password: secret(
            path,
            "chorus.password",
            c.password,
            "COMPTOIR_CHORUS_PASSWORD",
            env,
        )?,
        mode,
        sync_minutes,
    })
}

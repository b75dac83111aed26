//! `comptoir.toml`: the shop's identity, payment terms and server limits. Every field is
//! optional (the demo shop fills the gaps), but a field that is present must be valid and
//! known: a typo is an error naming the file and the field, never a silent default.

use crate::app::Settings;
use crate::app::export::SalesAccounts;
use crate::domain::interest::EcbRates;
use crate::domain::seller::{LegalId, Seller};
use crate::domain::{Address, Date, ids};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    shop: Option<Shop>,
    payments: Option<Payments>,
    accounts: Option<Accounts>,
    server: Option<Server>,
    chorus: Option<Chorus>,
    smtp: Option<Smtp>,
    metrics: Option<MetricsFile>,
}

/// `[metrics]` as the file gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsFile {
    listen: String,
    allow_remote: Option<bool>,
}

/// `[metrics]`: where `GET /metrics` is served (opt-in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsConfig {
    pub listen: std::net::SocketAddr,
}

/// `[smtp]`: the shop's mail relay as the file gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Smtp {
    host: String,
    port: Option<u16>,
    tls: Option<String>,
    user: Option<String>,
    password: Option<String>,
    from: String,
    timeout_seconds: Option<u64>,
    templates: Option<std::collections::BTreeMap<String, Template>>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.write_str("Smtp { host, port, tls, user, from, … }")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Template {
    subject: String,
    body: String,
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

fn smtp(
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

/// `[chorus]`: the Chorus Pro platform (PISTE) as the file gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Chorus {
    api_url: String,
    oauth_url: String,
    client_id: String,
    client_secret: Option<String>,
    login: String,
    password: Option<String>,
    mode: Option<String>,
    sync_minutes: Option<u64>,
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
fn platform_url(path: &Path, field: &str, url: &str) -> Result<String, String> {
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
fn secret(
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

fn chorus(
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

/// The FEC's sales accounts, one per VAT rate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Accounts {
    sales_20: Option<String>,
    sales_10: Option<String>,
    sales_5_5: Option<String>,
    sales_2_1: Option<String>,
    sales_exempt: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shop {
    name: Option<String>,
    legal_form: Option<String>,
    street: Option<String>,
    extra: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    siret: Option<String>,
    rcs: Option<String>,
    vat_number: Option<String>,
    capital: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    bank_name: Option<String>,
    bank_holder: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    logo_png: Option<PathBuf>,
    /// `"siret"` (Chorus Pro, the default) or `"siren"` (the 2026 rule BR-FR-10): what the
    /// Factur-X gives as the seller's legal registration (BT-30).
    xml_legal_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payments {
    /// One ECB main refinancing rate for every date, in percent (e.g. 2.15).
    ecb_rate_percent: Option<f64>,
    /// The ECB rate by date of change: `[{ from = "2025-06-11", percent = 2.15 }, …]`.
    ecb_rates: Option<Vec<EcbChange>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EcbChange {
    from: String,
    percent: f64,
}

fn rate_bp(rate: f64, path: &Path, key: &str) -> Result<u32, String> {
    if !(0.0..=25.0).contains(&rate) {
        return Err(err(
            path,
            key,
            format!("{rate} n'est pas un taux plausible (de 0 à 25)"),
        ));
    }
    Ok((rate * 100.0).round() as u32)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Server {
    listen: Option<String>,
    max_sessions: Option<usize>,
    idle_timeout_minutes: Option<u64>,
    /// Minutes without a keystroke before a console is closed (0: never; a fraction of a
    /// minute is accepted, for tests).
    idle_minutes: Option<toml::Value>,
    keepalive_seconds: Option<u64>,
    shop_title: Option<String>,
    /// Free space (MB) kept on the store's disk; business writes stop below it.
    disk_reserve_mb: Option<u64>,
    login_grace_seconds: Option<u64>,
    max_startups: Option<String>,
    admin_reserved_sessions: Option<usize>,
    max_sessions_per_person: Option<usize>,
    failed_logins_per_minute: Option<u32>,
    penalty_seconds: Option<u64>,
    output_stall_seconds: Option<u64>,
    max_startups_per_source: Option<usize>,
    penalty_exempt: Option<Vec<String>>,
}

/// Limits of the SSH server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: Option<String>,
    pub max_sessions: usize,
    /// A console untouched this long is closed (`None`: never); commands are unaffected.
    pub idle_timeout: Option<Duration>,
    pub keepalive: Duration,
    /// Connections kept for admins, so that staff cannot lock them out (at most half of
    /// `max_sessions`).
    pub admin_reserved_sessions: usize,
    /// Logged-in connections one person may hold at once.
    pub max_sessions_per_person: usize,
    /// Refused logins from one address within a minute before it is refused at accept.
    pub failed_logins_per_minute: u32,
    /// How long such an address is refused (doubling while it goes on, up to 16 times).
    pub penalty: Duration,
    /// A session whose client has not taken its output for this long is ended.
    pub output_stall: Duration,
    /// A connection that has not authenticated by then is closed (OpenSSH's LoginGraceTime).
    pub login_grace: Duration,
    /// Unauthenticated connections: from `start` on, new ones are dropped at random with
    /// probability `rate` %, rising linearly to 100 % at `full` (OpenSSH's MaxStartups).
    pub max_startups: MaxStartups,
    /// Unauthenticated connections one source (an IPv4 address, an IPv6 /64) may hold at
    /// once (OpenSSH's PerSourceMaxStartups): one address cannot take every place, nor
    /// start the random early drop by itself (it must stay below `max_startups.start`).
    pub max_startups_per_source: usize,
    /// Sources never penalised for failed logins (OpenSSH's PerSourcePenaltyExemptList).
    pub penalty_exempt: Vec<Cidr>,
}

/// An address block, `192.168.1.0/24` or `2001:db8::/48` (a bare address is one host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: std::net::IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (
                a.parse::<std::net::IpAddr>().ok()?,
                Some(p.parse::<u8>().ok()?),
            ),
            None => (s.parse::<std::net::IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (std::net::IpAddr::V4(a), std::net::IpAddr::V4(b)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (std::net::IpAddr::V6(a), std::net::IpAddr::V6(b)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

impl ServerConfig {
    /// The connections kept for admins.
    pub fn admin_slots(&self) -> usize {
        self.admin_reserved_sessions.min(self.max_sessions / 2)
    }
}

/// `start:rate:full`, as OpenSSH's MaxStartups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxStartups {
    pub start: usize,
    pub rate: u32,
    pub full: usize,
}

impl MaxStartups {
    fn parse(s: &str) -> Option<MaxStartups> {
        let mut it = s.trim().split(':').map(|p| p.trim().parse::<usize>().ok());
        let (start, rate, full) = (it.next()??, it.next()??, it.next()??);
        let ok = it.next().is_none() && start >= 1 && rate <= 100 && full > start;
        ok.then_some(MaxStartups {
            start,
            rate: rate as u32,
            full,
        })
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: None,
            max_sessions: 64,
            idle_timeout: Some(Duration::from_secs(30 * 60)),
            keepalive: Duration::from_secs(30),
            admin_reserved_sessions: 4,
            max_sessions_per_person: 8,
            failed_logins_per_minute: 20,
            penalty: Duration::from_secs(30),
            login_grace: Duration::from_secs(60),
            output_stall: Duration::from_secs(30),
            max_startups: MaxStartups {
                start: 10,
                rate: 30,
                full: 100,
            },
            max_startups_per_source: 5,
            penalty_exempt: Vec::new(),
        }
    }
}

/// Everything `comptoir.toml` configures.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub settings: Settings,
    pub server: ServerConfig,
    /// Chorus Pro, when `[chorus]` is set.
    pub chorus: Option<ChorusConfig>,
    /// The mail relay, when `[smtp]` is set.
    pub smtp: Option<SmtpConfig>,
    /// The metrics endpoint, when `[metrics]` is set.
    pub metrics: Option<MetricsConfig>,
}

/// The most a configuration file may hold: a real one is a few KB.
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// Reads a configuration file with bounds: only a regular file (a FIFO, a device such as
/// `/dev/zero` or a directory is refused before it is opened, so nothing blocks or grows
/// without end), at most [`MAX_CONFIG_BYTES`], in UTF-8.
fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown} : {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "{shown} : ce n'est pas un fichier ordinaire (dossier, tube ou périphérique) : \
             donnez le chemin d'un fichier comptoir.toml"
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown} : {e}"))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!(
            "{shown} : plus de {} Ko, ce n'est pas un fichier de configuration de comptoir",
            MAX_CONFIG_BYTES / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{shown} : le fichier n'est pas en UTF-8"))
}

fn err(path: &Path, field: &str, msg: impl std::fmt::Display) -> String {
    format!("{} : {field} : {msg}", path.display())
}

impl Config {
    /// Loads a configuration file; `None` gives the demo defaults.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        Config::parse(&read_bounded(path)?, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        Config::parse_with_env(text, path, &|var| std::env::var(var).ok())
    }

    /// As [`Config::parse`], reading the environment through `env` (tests).
    pub fn parse_with_env(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, String> {
        let file: File = toml::from_str(text).map_err(|e| {
            format!(
                "{} : syntaxe TOML (le message de l'analyseur suit) : {}",
                path.display(),
                e.to_string().trim()
            )
        })?;
        let mut cfg = Config::default();
        if let Some(shop) = file.shop {
            cfg.settings.seller = seller(shop, path)?;
        }
        if let Some(c) = file.chorus {
            let c = chorus(c, path, env)?;
            cfg.settings.chorus_on_issue = c.mode == ChorusMode::OnIssue;
            cfg.settings.chorus_sync_minutes = c.sync_minutes;
            cfg.chorus = Some(c);
        }
        if let Some(m) = file.metrics {
            let listen: std::net::SocketAddr = m.listen.trim().parse().map_err(|_| {
                err(
                    path,
                    "metrics.listen",
                    format!(
                        "« {} » n'est pas une adresse et un port (ex. 127.0.0.1:9464)",
                        m.listen
                    ),
                )
            })?;
            if !listen.ip().is_loopback() && m.allow_remote != Some(true) {
                return Err(err(
                    path,
                    "metrics.listen",
                    format!(
                        "{listen} n'est pas une adresse locale : les métriques ne sont servies \
                         qu'en boucle locale (127.0.0.1, ::1) sauf si allow_remote = true"
                    ),
                ));
            }
            cfg.metrics = Some(MetricsConfig { listen });
        }
        if let Some(m) = file.smtp {
            let (m, templates) = smtp(m, path, env)?;
            cfg.settings.mail_templates = templates;
            cfg.smtp = Some(m);
        }
        if let Some(p) = file.payments {
            if p.ecb_rate_percent.is_some() && p.ecb_rates.is_some() {
                return Err(err(
                    path,
                    "payments",
                    "donnez ecb_rate_percent ou ecb_rates, pas les deux",
                ));
            }
            if let Some(rate) = p.ecb_rate_percent {
                let bp = rate_bp(rate, path, "payments.ecb_rate_percent")?;
                cfg.settings.ecb_rates = EcbRates::flat(bp);
            }
            if let Some(changes) = p.ecb_rates {
                let mut v = Vec::new();
                for (i, c) in changes.iter().enumerate() {
                    let key = format!("payments.ecb_rates[{i}]");
                    let day = Date::parse_iso(&c.from).ok_or_else(|| {
                        err(
                            path,
                            &key,
                            format!("from = {:?} n'est pas une date AAAA-MM-JJ", c.from),
                        )
                    })?;
                    v.push((day, rate_bp(c.percent, path, &key)?));
                }
                cfg.settings.ecb_rates =
                    EcbRates::new(v).map_err(|e| err(path, "payments.ecb_rates", e))?;
            }
        }
        if let Some(a) = file.accounts {
            let mut by_rate = SalesAccounts::default().by_rate;
            for (bp, given) in [
                (2000, a.sales_20),
                (1000, a.sales_10),
                (550, a.sales_5_5),
                (210, a.sales_2_1),
                (0, a.sales_exempt),
            ] {
                if let (Some(n), Some(slot)) = (given, by_rate.iter_mut().find(|(r, _)| r.0 == bp))
                {
                    slot.1 = n.trim().to_string();
                }
            }
            cfg.settings.accounts =
                SalesAccounts::new(by_rate).map_err(|e| err(path, "accounts", e))?;
        }
        if let Some(s) = file.server {
            cfg.server.listen = s.listen;
            if let Some(n) = s.max_sessions {
                if n == 0 || n > 10_000 {
                    return Err(err(path, "server.max_sessions", "entre 1 et 10000"));
                }
                cfg.server.max_sessions = n;
            }
            if let Some(m) = s.idle_timeout_minutes {
                if m == 0 {
                    return Err(err(path, "server.idle_timeout_minutes", "au moins 1"));
                }
                cfg.server.idle_timeout = Some(Duration::from_secs(m * 60));
            }
            if let Some(v) = &s.idle_minutes {
                let minutes = match v {
                    toml::Value::Integer(i) => *i as f64,
                    toml::Value::Float(f) => *f,
                    _ => -1.0,
                };
                if !(0.0..=1440.0).contains(&minutes) {
                    return Err(err(
                        path,
                        "server.idle_minutes",
                        "un nombre de minutes entre 0 (jamais) et 1440",
                    ));
                }
                cfg.server.idle_timeout =
                    (minutes > 0.0).then(|| Duration::from_secs_f64(minutes * 60.0));
            }
            if let Some(k) = s.keepalive_seconds {
                if k == 0 {
                    return Err(err(path, "server.keepalive_seconds", "au moins 1"));
                }
                cfg.server.keepalive = Duration::from_secs(k);
            }
            if let Some(n) = s.admin_reserved_sessions {
                cfg.server.admin_reserved_sessions = n;
            }
            if let Some(n) = s.max_sessions_per_person {
                if n == 0 {
                    return Err(err(path, "server.max_sessions_per_person", "au moins 1"));
                }
                cfg.server.max_sessions_per_person = n;
            }
            if let Some(n) = s.failed_logins_per_minute {
                if n == 0 {
                    return Err(err(path, "server.failed_logins_per_minute", "au moins 1"));
                }
                cfg.server.failed_logins_per_minute = n;
            }
            let seconds =
                |v: Option<u64>, field: &str, max: u64| -> Result<Option<Duration>, String> {
                    match v {
                        Some(n) if !(1..=max).contains(&n) => Err(err(
                            path,
                            &format!("server.{field}"),
                            format!("entre 1 et {max}"),
                        )),
                        v => Ok(v.map(Duration::from_secs)),
                    }
                };
            if let Some(n) = s.max_startups_per_source {
                if n == 0 {
                    return Err(err(path, "server.max_startups_per_source", "au moins 1"));
                }
                cfg.server.max_startups_per_source = n;
            }
            if let Some(list) = s.penalty_exempt {
                let mut out = Vec::new();
                for (i, c) in list.iter().enumerate() {
                    out.push(Cidr::parse(c).ok_or_else(|| {
                        err(
                            path,
                            &format!("server.penalty_exempt[{i}]"),
                            format!("« {c} » : attendu une adresse ou un bloc, par exemple \"192.168.1.0/24\""),
                        )
                    })?);
                }
                cfg.server.penalty_exempt = out;
            }
            if let Some(d) = seconds(s.penalty_seconds, "penalty_seconds", 3600)? {
                cfg.server.penalty = d;
            }
            if let Some(d) = seconds(s.output_stall_seconds, "output_stall_seconds", 600)? {
                cfg.server.output_stall = d;
            }
            if let Some(d) = seconds(s.login_grace_seconds, "login_grace_seconds", 600)? {
                cfg.server.login_grace = d;
            }
            if let Some(m) = s.max_startups {
                cfg.server.max_startups = MaxStartups::parse(&m).ok_or_else(|| {
                    err(
                        path,
                        "server.max_startups",
                        format!(
                            "« {m} » : attendu start:rate:full, par exemple \"10:30:100\" (start ≥ 1, rate ≤ 100, full > start)"
                        ),
                    )
                })?;
            }
            let start = cfg.server.max_startups.start;
            if s.max_startups_per_source.is_none() {
                // The default stays under the start of the early drop.
                cfg.server.max_startups_per_source = cfg
                    .server
                    .max_startups_per_source
                    .min(start.saturating_sub(1))
                    .max(1);
            } else if cfg.server.max_startups_per_source >= start {
                return Err(err(
                    path,
                    "server.max_startups_per_source",
                    format!(
                        "{} : doit rester sous le début de max_startups ({}), sinon une seule adresse déclenche le rejet aléatoire des connexions de tous",
                        cfg.server.max_startups_per_source, cfg.server.max_startups.start
                    ),
                ));
            }
            if let Some(mb) = s.disk_reserve_mb {
                if mb > 1_000_000 {
                    return Err(err(
                        path,
                        "server.disk_reserve_mb",
                        format!("{mb} Mo : au plus 1 000 000 (0 désactive la réserve)"),
                    ));
                }
                cfg.settings.disk_reserve_mb = mb;
            }
            if let Some(t) = s.shop_title {
                if let Some(c) = crate::domain::text::first_refused(&t, false) {
                    return Err(err(
                        path,
                        "server.shop_title",
                        crate::domain::text::refused_char(c),
                    ));
                }
                cfg.settings.seller.name = t;
            }
        }
        Ok(cfg)
    }
}

fn seller(shop: Shop, path: &Path) -> Result<Seller, String> {
    let mut s = Seller::demo();
    // Every text printed on the documents: nothing a terminal obeys or the font lacks.
    let set = |target: &mut String, v: Option<String>, field: &str| {
        if let Some(v) = v {
            if let Some(c) = crate::domain::text::first_refused(v.trim(), false) {
                return Err(err(path, field, crate::domain::text::refused_char(c)));
            }
            *target = v.trim().to_string();
        }
        Ok(())
    };
    set(&mut s.name, shop.name, "shop.name")?;
    set(&mut s.legal_form, shop.legal_form, "shop.legal_form")?;
    let mut address = Address {
        name: String::new(),
        ..s.address.clone()
    };
    set(&mut address.street, shop.street, "shop.street")?;
    set(&mut address.extra, shop.extra, "shop.extra")?;
    set(&mut address.postcode, shop.postcode, "shop.postcode")?;
    set(&mut address.city, shop.city, "shop.city")?;
    s.address = address;
    if let Some(siret) = shop.siret {
        let parsed = ids::Siret::parse(&siret).map_err(|e| err(path, "shop.siret", e))?;
        s.siren = parsed.siren().to_string();
        s.siret = parsed.as_str().to_string();
    }
    set(&mut s.rcs, shop.rcs, "shop.rcs")?;
    if let Some(vat) = shop.vat_number {
        let v: String = vat
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if !ids::vat_number_valid(&v) {
            return Err(err(
                path,
                "shop.vat_number",
                format!("{vat} n'est pas un numéro de TVA intracommunautaire français valide"),
            ));
        }
        s.vat_number = v;
    }
    set(&mut s.capital, shop.capital, "shop.capital")?;
    set(&mut s.phone, shop.phone, "shop.phone")?;
    set(&mut s.email, shop.email, "shop.email")?;
    set(&mut s.bank_name, shop.bank_name, "shop.bank_name")?;
    set(&mut s.bank_holder, shop.bank_holder, "shop.bank_holder")?;
    if let Some(iban) = shop.iban {
        s.iban = ids::parse_iban(&iban).map_err(|e| err(path, "shop.iban", e))?;
    }
    if let Some(bic) = shop.bic {
        let b = bic.trim().to_uppercase();
        if !(b.len() == 8 || b.len() == 11) || !b.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(
                path,
                "shop.bic",
                format!("{bic} n'est pas un BIC (8 ou 11 lettres et chiffres)"),
            ));
        }
        s.bic = b;
    }
    if let Some(id) = shop.xml_legal_id {
        s.legal_id = match id.trim() {
            "siret" => LegalId::Siret,
            "siren" => LegalId::Siren,
            other => {
                return Err(err(
                    path,
                    "shop.xml_legal_id",
                    format!(
                        "« {other} » : \"siren\" (par défaut : SIRET en BT-29, SIREN en BT-30) ou \"siret\" (la disposition des premières factures)"
                    ),
                ));
            }
        };
    }
    if !s.vat_number.ends_with(&s.siren) {
        return Err(err(
            path,
            "shop.vat_number",
            format!("{} ne correspond pas au SIREN {}", s.vat_number, s.siren),
        ));
    }
    if let Some(logo) = shop.logo_png {
        let logo = if logo.is_relative() {
            path.parent().unwrap_or(Path::new(".")).join(logo)
        } else {
            logo
        };
        let bytes = std::fs::read(&logo)
            .map_err(|e| err(path, "shop.logo_png", format!("{}: {e}", logo.display())))?;
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(err(
                path,
                "shop.logo_png",
                format!("{} n'est pas un fichier PNG", logo.display()),
            ));
        }
        s.logo_png = Some(bytes);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Config, String> {
        Config::parse(t, Path::new("comptoir.toml"))
    }

    #[test]
    fn defaults_and_overrides() {
        let c = parse("").unwrap();
        assert_eq!(c.server.max_sessions, 64);
        assert_eq!(c.settings.ecb_rates, EcbRates::default());
        let c = parse(
            "[shop]\nname = \"Audio Lyon\"\nsiret = \"912 345 675 00017\"\niban = \"FR14 2004 1010 0505 0001 3M02 606\"\n\
             [payments]\necb_rate_percent = 2.4\n[server]\nmax_sessions = 10\n",
        )
        .unwrap();
        assert_eq!(c.settings.seller.name, "Audio Lyon");
        assert_eq!(c.settings.seller.iban, "FR1420041010050500013M02606");
        assert_eq!(c.settings.ecb_rates, EcbRates::flat(240));
        assert_eq!(c.server.max_sessions, 10);
        let c = parse(
            "[payments]\necb_rates = [{ from = \"2026-01-01\", percent = 2.0 }, \
             { from = \"2025-01-01\", percent = 3.15 }]\n",
        )
        .unwrap();
        let day = |s| Date::parse_iso(s).unwrap();
        assert_eq!(c.settings.ecb_rates.in_force_on(day("2025-12-31")), 315);
        assert_eq!(
            c.settings.ecb_rates.penalty_rate_bp(day("2026-03-01")),
            1000
        );
        let e =
            parse("[payments]\necb_rates = [{ from = \"hier\", percent = 2.0 }]\n").unwrap_err();
        assert!(e.contains("payments.ecb_rates[0]"), "{e}");
    }

    #[test]
    fn the_example_file_is_valid() {
        let c = Config::parse(
            include_str!("../comptoir.example.toml"),
            Path::new("comptoir.example.toml"),
        )
        .unwrap();
        assert_eq!(c.settings.seller, Seller::demo());
        assert_eq!(c.server.listen.as_deref(), Some("127.0.0.1:2222"));
    }

    #[test]
    fn bad_fields_are_named() {
        let e = parse("[shop]\nnmae = \"x\"\n").unwrap_err();
        assert!(
            e.starts_with("comptoir.toml :") && e.contains("nmae"),
            "{e}"
        );
        let e = parse("[shop]\niban = \"FR76 3000 6000 0112 3456 7890 188\"\n").unwrap_err();
        assert!(e.contains("shop.iban"), "{e}");
        let e = parse("[shop]\nsiret = \"12345678901234\"\n").unwrap_err();
        assert!(e.contains("shop.siret"), "{e}");
        let e = parse("[shop]\nvat_number = \"FR03552081317\"\n").unwrap_err();
        assert!(e.contains("ne correspond pas au SIREN"), "{e}");
        let e = parse("[payments]\necb_rate_percent = 80\n").unwrap_err();
        assert!(e.contains("payments.ecb_rate_percent"), "{e}");
        let e = parse("[server]\nmax_sessions = 0\n").unwrap_err();
        assert!(e.contains("server.max_sessions"), "{e}");
        let e = parse("[server]\nmax_startups = \"100:30:10\"\n").unwrap_err();
        assert!(e.contains("server.max_startups"), "{e}");
        let e = parse("[server]\nlogin_grace_seconds = 0\n").unwrap_err();
        assert!(e.contains("server.login_grace_seconds"), "{e}");
        let c = parse("[server]\nmax_startups = \"5:50:20\"\nlogin_grace_seconds = 2\n").unwrap();
        assert_eq!(
            c.server.max_startups,
            MaxStartups {
                start: 5,
                rate: 50,
                full: 20
            }
        );
        assert_eq!(c.server.login_grace, Duration::from_secs(2));
    }

    #[test]
    fn sales_accounts_and_the_legal_id_are_checked() {
        let c = parse("[accounts]\nsales_20 = \"7071\"\n").unwrap();
        let a = &c.settings.accounts;
        assert_eq!(a.of(crate::domain::VatRate(2000)).0, "7071");
        assert_eq!(a.of(crate::domain::VatRate(550)).0, "707055");
        assert_eq!(
            a.of(crate::domain::VatRate(0)).1,
            "Ventes de marchandises exonérées de TVA"
        );
        let e = parse("[accounts]\nsales_10 = \"707200\"\n").unwrap_err();
        assert!(
            e.contains("accounts") && e.contains("un compte par taux"),
            "{e}"
        );
        let e = parse("[accounts]\nsales_20 = \"411000\"\n").unwrap_err();
        assert!(e.contains("commence par 7"), "{e}");
        let e = parse("[accounts]\nsales_2_1 = \"70A\"\n").unwrap_err();
        assert!(e.contains("chiffres"), "{e}");
        assert_eq!(
            parse("[shop]\nxml_legal_id = \"siret\"\n")
                .unwrap()
                .settings
                .seller
                .legal_id,
            LegalId::Siret
        );
        let e = parse("[shop]\nxml_legal_id = \"tva\"\n").unwrap_err();
        assert!(e.contains("shop.xml_legal_id"), "{e}");
    }

    #[test]
    fn metrics_are_served_on_loopback_unless_allowed() {
        let c = parse("[metrics]\nlisten = \"127.0.0.1:9464\"\n").unwrap();
        assert_eq!(c.metrics.unwrap().listen.port(), 9464);
        assert!(parse("").unwrap().metrics.is_none());
        let e = parse("[metrics]\nlisten = \"0.0.0.0:9464\"\n").unwrap_err();
        assert!(e.contains("allow_remote"), "{e}");
        let c = parse("[metrics]\nlisten = \"0.0.0.0:9464\"\nallow_remote = true\n").unwrap();
        assert!(c.metrics.is_some());
        let e = parse("[metrics]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(e.contains("metrics.listen"), "{e}");
    }

    #[test]
    fn the_mail_relay_is_checked_and_its_password_never_shown() {
        let env = |v: &str| (v == "COMPTOIR_SMTP_PASSWORD").then(|| "s3cret".to_string());
        let path = Path::new("comptoir.toml");
        let base = "[smtp]\nhost = \"smtp.boutique.fr\"\nuser = \"compta\"\nfrom = \"Comptoir <compta@boutique.fr>\"\n";
        let c = Config::parse_with_env(base, path, &env).unwrap();
        let m = c.smtp.unwrap();
        assert_eq!(
            (m.port, m.tls, m.password.as_deref()),
            (587, SmtpTls::StartTls, Some("s3cret"))
        );
        let shown = format!("{m:?} {}", m.describe().join(" "));
        assert!(
            !shown.contains("s3cret") && shown.contains("défini"),
            "{shown}"
        );
        let e = Config::parse_with_env(base, path, &|_| None).unwrap_err();
        assert!(e.contains("COMPTOIR_SMTP_PASSWORD"), "{e}");
        let e = parse("[smtp]\nhost = \"smtp.boutique.fr\"\ntls = \"none\"\nfrom = \"a@b.fr\"\n")
            .unwrap_err();
        assert!(e.contains("smtp.tls") && e.contains("cette machine"), "{e}");
        let local =
            parse("[smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nfrom = \"a@b.fr\"\n")
                .unwrap();
        assert_eq!(local.smtp.unwrap().tls, SmtpTls::None);
        let e = parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.fr\"\n[smtp.templates.devis]\nsubject = \"x\"\nbody = \"y\"\n").unwrap_err();
        assert!(
            e.contains("smtp.templates.devis") && e.contains("quote"),
            "{e}"
        );
        let e = parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.fr\"\n[smtp.templates.quote]\nsubject = \"Devis {numéro}\"\nbody = \"y\"\n").unwrap_err();
        assert!(
            e.contains("{numéro} inconnu") && e.contains("{numero}"),
            "{e}"
        );
        let t = parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.fr\"\n[smtp.templates.quote]\nsubject = \"Notre devis {numero}\"\nbody = \"Bonjour {organisme}\"\n").unwrap();
        let (subject, body) = t.settings.mail_templates.render(
            crate::domain::mail::MailKind::Quote,
            &[("numero", "DEV-1".into()), ("organisme", "Lycée".into())],
        );
        assert_eq!(
            (subject.as_str(), body.as_str()),
            ("Notre devis DEV-1", "Bonjour Lycée")
        );
    }

    #[test]
    fn per_source_limits_and_exemptions_are_checked() {
        let c = parse(
            "[server]\npenalty_exempt = [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.9\"]\n",
        )
        .unwrap();
        let e = &c.server.penalty_exempt;
        assert!(e[0].contains("10.200.3.4".parse().unwrap()));
        assert!(!e[0].contains("11.0.0.1".parse().unwrap()));
        assert!(e[1].contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(e[2].contains("192.0.2.9".parse().unwrap()));
        assert!(!e[2].contains("192.0.2.10".parse().unwrap()));
        assert_eq!(c.server.max_startups_per_source, 5);
        let err = parse("[server]\npenalty_exempt = [\"10.0.0.0/33\"]\n").unwrap_err();
        assert!(err.contains("penalty_exempt[0]"), "{err}");
        let err = parse("[server]\nmax_startups_per_source = 10\n").unwrap_err();
        assert!(err.contains("doit rester sous"), "{err}");
        // A small early drop brings the default per-source share under it.
        let c = parse("[server]\nmax_startups = \"4:50:20\"\n").unwrap();
        assert_eq!(c.server.max_startups_per_source, 3);
    }

    #[test]
    fn the_shop_prints_only_what_the_documents_can_draw() {
        let e = parse("[shop]\nname = \"Audio 🎵 Lyon\"\n").unwrap_err();
        assert!(
            e.contains("shop.name") && e.contains("« 🎵 » (U+1F3B5)"),
            "{e}"
        );
        let e = parse("[shop]\nbank_holder = \"Audio\\u200bLyon\"\n").unwrap_err();
        assert!(
            e.contains("shop.bank_holder") && e.contains("U+200B"),
            "{e}"
        );
        let e = parse("[server]\nshop_title = \"Audio ☎\"\n").unwrap_err();
        assert!(e.contains("server.shop_title"), "{e}");
        let c = parse("[shop]\nname = \"Œuvre d’Écoute — Ελλάδα\"\n").unwrap();
        assert_eq!(c.settings.seller.name, "Œuvre d’Écoute — Ελλάδα");
    }
}

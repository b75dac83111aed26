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

mod chorus;
mod smtp;

pub use chorus::*;
pub use smtp::*;

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
            cfg.metrics = Some(metrics(m, path)?);
        }
        if let Some(m) = file.smtp {
            let (m, templates) = smtp(m, path, env)?;
            cfg.settings.mail_templates = templates;
            cfg.smtp = Some(m);
        }
        if let Some(p) = file.payments
            && let Some(rates) = ecb_rates(p, path)?
        {
            cfg.settings.ecb_rates = rates;
        }
        if let Some(a) = file.accounts {
            cfg.settings.accounts = accounts(a, path)?;
        }
        if let Some(s) = file.server {
            server(s, path, &mut cfg)?;
        }
        Ok(cfg)
    }
}

/// `[metrics]`: where Prometheus scrapes, on loopback unless `allow_remote`.
fn metrics(m: MetricsFile, path: &Path) -> Result<MetricsConfig, String> {
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
    Ok(MetricsConfig { listen })
}

/// `[payments]`: the ECB rate, flat or by period (`None`: the defaults).
fn ecb_rates(p: Payments, path: &Path) -> Result<Option<EcbRates>, String> {
    if p.ecb_rate_percent.is_some() && p.ecb_rates.is_some() {
        return Err(err(
            path,
            "payments",
            "donnez ecb_rate_percent ou ecb_rates, pas les deux",
        ));
    }
    if let Some(rate) = p.ecb_rate_percent {
        let bp = rate_bp(rate, path, "payments.ecb_rate_percent")?;
        return Ok(Some(EcbRates::flat(bp)));
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
        return EcbRates::new(v)
            .map(Some)
            .map_err(|e| err(path, "payments.ecb_rates", e));
    }
    Ok(None)
}

/// `[accounts]`: the sales accounts per VAT rate.
fn accounts(a: Accounts, path: &Path) -> Result<SalesAccounts, String> {
    let mut by_rate = SalesAccounts::default().by_rate;
    for (bp, given) in [
        (2000, a.sales_20),
        (1000, a.sales_10),
        (550, a.sales_5_5),
        (210, a.sales_2_1),
        (0, a.sales_exempt),
    ] {
        if let (Some(n), Some(slot)) = (given, by_rate.iter_mut().find(|(r, _)| r.0 == bp)) {
            slot.1 = n.trim().to_string();
        }
    }
    SalesAccounts::new(by_rate).map_err(|e| err(path, "accounts", e))
}

/// `[server]`: sessions and their limits, the guards against floods, the disk reserve
/// and the shop's title.
fn server(s: Server, path: &Path, cfg: &mut Config) -> Result<(), String> {
    server_sessions(&s, path, &mut cfg.server)?;
    server_guards(&s, path, &mut cfg.server)?;
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
    Ok(())
}

/// How many sessions, for how long, kept alive how.
fn server_sessions(s: &Server, path: &Path, server: &mut ServerConfig) -> Result<(), String> {
    server.listen = s.listen.clone();
    if let Some(n) = s.max_sessions {
        if n == 0 || n > 10_000 {
            return Err(err(path, "server.max_sessions", "entre 1 et 10000"));
        }
        server.max_sessions = n;
    }
    if let Some(m) = s.idle_timeout_minutes {
        if m == 0 {
            return Err(err(path, "server.idle_timeout_minutes", "au moins 1"));
        }
        server.idle_timeout = Some(Duration::from_secs(m * 60));
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
        server.idle_timeout = (minutes > 0.0).then(|| Duration::from_secs_f64(minutes * 60.0));
    }
    if let Some(k) = s.keepalive_seconds {
        if k == 0 {
            return Err(err(path, "server.keepalive_seconds", "au moins 1"));
        }
        server.keepalive = Duration::from_secs(k);
    }
    if let Some(n) = s.admin_reserved_sessions {
        server.admin_reserved_sessions = n;
    }
    if let Some(n) = s.max_sessions_per_person {
        if n == 0 {
            return Err(err(path, "server.max_sessions_per_person", "au moins 1"));
        }
        server.max_sessions_per_person = n;
    }
    Ok(())
}

/// Failed logins, unauthenticated connections, penalties and stalls.
fn server_guards(s: &Server, path: &Path, server: &mut ServerConfig) -> Result<(), String> {
    if let Some(n) = s.failed_logins_per_minute {
        if n == 0 {
            return Err(err(path, "server.failed_logins_per_minute", "au moins 1"));
        }
        server.failed_logins_per_minute = n;
    }
    let seconds = |v: Option<u64>, field: &str, max: u64| -> Result<Option<Duration>, String> {
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
        server.max_startups_per_source = n;
    }
    if let Some(list) = &s.penalty_exempt {
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            out.push(Cidr::parse(c).ok_or_else(|| {
                err(
                    path,
                    &format!("server.penalty_exempt[{i}]"),
                    format!(
                        "« {c} » : attendu une adresse ou un bloc, par exemple \"192.168.1.0/24\""
                    ),
                )
            })?);
        }
        server.penalty_exempt = out;
    }
    if let Some(d) = seconds(s.penalty_seconds, "penalty_seconds", 3600)? {
        server.penalty = d;
    }
    if let Some(d) = seconds(s.output_stall_seconds, "output_stall_seconds", 600)? {
        server.output_stall = d;
    }
    if let Some(d) = seconds(s.login_grace_seconds, "login_grace_seconds", 600)? {
        server.login_grace = d;
    }
    if let Some(m) = &s.max_startups {
        server.max_startups = MaxStartups::parse(m).ok_or_else(|| {
            err(
                path,
                "server.max_startups",
                format!(
                    "« {m} » : attendu start:rate:full, par exemple \"10:30:100\" (start ≥ 1, rate ≤ 100, full > start)"
                ),
            )
        })?;
    }
    let start = server.max_startups.start;
    if s.max_startups_per_source.is_none() {
        // The default stays under the start of the early drop.
        server.max_startups_per_source = server
            .max_startups_per_source
            .min(start.saturating_sub(1))
            .max(1);
    } else if server.max_startups_per_source >= start {
        return Err(err(
            path,
            "server.max_startups_per_source",
            format!(
                "{} : doit rester sous le début de max_startups ({}), sinon une seule adresse déclenche le rejet aléatoire des connexions de tous",
                server.max_startups_per_source, server.max_startups.start
            ),
        ));
    }
    Ok(())
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
mod tests;

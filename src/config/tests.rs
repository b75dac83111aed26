//! The configuration's tests: every field checked, named in errors, secrets never shown.

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
    let e = parse("[payments]\necb_rates = [{ from = \"hier\", percent = 2.0 }]\n").unwrap_err();
    assert!(e.contains("payments.ecb_rates[0]"), "{e}");
}

#[test]
fn the_example_file_is_valid() {
    let c = Config::parse(
        include_str!("../../comptoir.example.toml"),
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
    let c =
        parse("[server]\npenalty_exempt = [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.9\"]\n")
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

//! `comptoir config check`: the shop's identity as documents print it, the Chorus Pro
//! and mail connections tested.

use super::*;

/// The identity as documents print it, then what is missing.
pub(super) fn identity_lines(s: &crate::domain::seller::Seller) -> Vec<String> {
    vec![
        format!(
            "  {} — {} au capital de {}",
            s.name, s.legal_form, s.capital
        ),
        format!("  {}", s.address.one_line()),
        format!("  SIRET {} — {}", s.siret, s.rcs),
        format!("  TVA intracommunautaire {}", s.vat_number),
        format!("  Tél. {} — {}", s.phone, s.email),
        format!(
            "  RIB : {} — {} — IBAN {} — BIC {}",
            s.bank_holder,
            s.bank_name,
            crate::domain::ids::iban_spaced(&s.iban),
            s.bic
        ),
    ]
}

pub(super) fn config_check_command(config: Option<&Path>) -> ExitCode {
    let config = match Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let s = &config.settings.seller;
    println!("Identité du vendeur, telle que les documents l'imprimeront :");
    for l in identity_lines(s) {
        println!("{l}");
    }
    let today = SystemClock.now_date();
    let rates = &config.settings.ecb_rates;
    println!(
        "Intérêts moratoires pour un retard commençant aujourd'hui : taux BCE {} + 8 points = {}",
        crate::domain::interest::rate_fr(
            rates.in_force_on(crate::domain::interest::half_year_start(today))
        ),
        crate::domain::interest::rate_fr(rates.penalty_rate_bp(today))
    );
    // Chorus Pro: the settings (secrets as « défini ») and a real connection test.
    let mut chorus_ok = true;
    if let Some(c) = &config.chorus {
        println!("Chorus Pro :");
        for l in c.describe() {
            println!("  {l}");
        }
        use crate::app::chorus::ChorusApi;
        match crate::chorus::PisteClient::new(c.clone()).health() {
            Ok(()) => println!("  connexion : OK (jeton obtenu, health-check répond)"),
            Err(e) => {
                chorus_ok = false;
                println!("  connexion : ÉCHEC — {e}");
            }
        }
    }
    // The mail relay: the settings (password as « défini ») and a real connection test.
    if let Some(m) = &config.smtp {
        println!("E-mail (SMTP) :");
        for l in m.describe() {
            println!("  {l}");
        }
        match crate::mail::SmtpMailer::new(m).and_then(|mailer| mailer.test_connection()) {
            Ok(()) => println!("  connexion : OK (le relais répond)"),
            Err(e) => {
                chorus_ok = false;
                println!("  connexion : ÉCHEC — {e}");
            }
        }
    }
    if let Some(m) = &config.metrics {
        println!(
            "Métriques : http://{}/metrics (lu au démarrage ; un SIGHUP ne le change pas)",
            m.listen
        );
    }
    let problems = s.problems();
    if problems.is_empty() {
        println!("OK : les documents peuvent être émis avec cette identité.");
        return if chorus_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    println!(
        "{} problème(s) : hors d'un magasin de démonstration (serve --demo), aucun document n'est émis avant leur correction :",
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    ExitCode::FAILURE
}

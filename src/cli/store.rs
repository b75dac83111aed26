//! The store as a file: `backup`, `restore`, `compact`, `check` (server stopped).

use super::*;

pub(super) fn backup_command(data: &Path, output: &Path, config: Option<&Path>) -> ExitCode {
    let args = format!("backup > {}", output.display());
    let store = match open_existing(data, config, &args) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    match store.backup_to(output) {
        Ok(r) => {
            println!(
                "{} : {} tables, {} lignes, {} octets en {:.1} s",
                output.display(),
                r.tables,
                r.rows,
                r.bytes,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub(super) fn restore_command(file: &Path, data: &Path, force: bool) -> ExitCode {
    if !file.exists() {
        return fail(format!("{} : fichier introuvable", file.display()));
    }
    let now = crate::app::Clock::now(&SystemClock);
    let stamp = now.iso_utc().replace([':', '-'], "");
    match crate::store::backup::restore(file, data, &stamp, force) {
        Ok(r) if !r.report.is_clean() => {
            for v in &r.report.violations {
                println!("{}", crate::domain::text::printable(&v.to_string()));
            }
            fail(format!(
                "{} n'est pas cohérent ({} anomalie(s)) : rien n'a été restauré",
                file.display(),
                r.report.violations.len()
            ))
        }
        Ok(r) => {
            if let Some(s) = &r.incoming {
                println!(
                    "{} restauré dans {} : {s} ; vérifié, cohérent",
                    file.display(),
                    data.display()
                );
            }
            if let Some(s) = &r.replaced {
                println!("remplace : {s}");
            }
            if let Some(p) = r.previous {
                println!("le magasin précédent est gardé sous {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(crate::store::StoreError::InUse(p)) => fail(format!(
            "{} est tenu par un serveur comptoir en marche : arrêtez-le avant de restaurer",
            p.display()
        )),
        Err(e @ crate::store::StoreError::WouldReplace { .. }) => {
            fail(format!("{e} ; rien n'a été restauré"))
        }
        Err(e) => fail(format!("{} : {e} (rien n'a été restauré)", file.display())),
    }
}

pub(super) fn compact_command(data: &Path) -> ExitCode {
    if !data.join(crate::store::STORE_FILE).exists() {
        return fail(format!("{} : aucun magasin ici", data.display()));
    }
    let stamp = crate::app::Clock::now(&SystemClock)
        .iso_utc()
        .replace([':', '-'], "");
    let started = Instant::now();
    match crate::store::backup::compact(data, &stamp) {
        Ok(c) if !c.restored.report.is_clean() => {
            for v in &c.restored.report.violations {
                println!("{}", crate::domain::text::printable(&v.to_string()));
            }
            fail(format!(
                "la copie compactée n'est pas cohérente ({} anomalie(s)) : le magasin est inchangé ; lancez `comptoir check`",
                c.restored.report.violations.len()
            ))
        }
        Ok(c) => {
            println!(
                "{} compacté en {:.1} s : {:.1} Mo → {:.1} Mo, vérifié cohérent",
                data.display(),
                started.elapsed().as_secs_f64(),
                c.before as f64 / 1e6,
                c.after as f64 / 1e6,
            );
            if let Some(p) = c.restored.previous {
                println!(
                    "le fichier précédent est gardé sous {} : supprimez-le une fois le serveur reparti sur le nouveau",
                    p.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(crate::store::StoreError::InUse(p)) => fail(format!(
            "{} est tenu par un serveur comptoir en marche : arrêtez-le avant de compacter",
            p.display()
        )),
        Err(e) => fail(format!(
            "impossible de compacter {} : {e} (le magasin est inchangé)",
            data.display()
        )),
    }
}

pub(super) fn check_command(data: &Path, config: Option<&Path>) -> ExitCode {
    let mut store = match open_existing(data, config, "check") {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    match store.check_integrity() {
        Ok(true) => {}
        Ok(false) => println!("redb a réparé le fichier à l'ouverture"),
        Err(e) => return fail(format!("intégrité du fichier : {e}")),
    }
    let now = crate::app::Clock::now(&SystemClock);
    let report = match store.read(|rx| {
        let mut r = check::check(rx)?;
        r.warnings.extend(check::clock_behind(rx, now)?);
        Ok::<_, crate::store::StoreError>(r)
    }) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    for v in &report.violations {
        println!("{}", crate::domain::text::printable(&v.to_string()));
    }
    for w in &report.warnings {
        println!("attention : {w}");
    }
    println!(
        "vérifié : {}, {}, {} ({}, {}), {} en {:.1} s : {}",
        count(report.customers, "client", "clients"),
        count(report.orders, "commande", "commandes"),
        count(report.documents, "document", "documents"),
        count(report.files, "fichier", "fichiers"),
        count(report.synthetic_documents, "synthétique", "synthétiques"),
        count(
            report.audit_records,
            "événement d'audit",
            "événements d'audit"
        ),
        started.elapsed().as_secs_f64(),
        if report.is_clean() {
            "cohérent".to_string()
        } else {
            format!("{} anomalie(s)", report.violations.len())
        }
    );
    if let Some(free) = crate::store::free_space(data) {
        println!(
            "espace libre sur le disque du magasin : {} Mo",
            free / 1_000_000
        );
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

//! `comptoir keys …`: the files of `keys/`, and the audit of a change made while the
//! server runs.

use super::*;

/// A local key change goes into the audit trail: now when the store is free, else by the
/// running server (which re-reads keys/ and finds this command in the journal).
pub(super) fn audit_local_key_change(keys_dir: &Path, data: &Path) {
    use crate::ssh::keys;
    if !data.join(crate::store::STORE_FILE).exists() {
        eprintln!("(inscrit au journal d'audit au démarrage du serveur)");
        return;
    }
    let store = match Store::open(data) {
        Ok(s) => s,
        Err(crate::store::StoreError::InUse(_)) => {
            eprintln!("(le serveur en marche l'inscrit au journal d'audit)");
            return;
        }
        Err(e) => {
            eprintln!("attention : pas encore inscrit au journal d'audit : {e}");
            return;
        }
    };
    let app = match App::wired(store, Config::default().settings) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("attention : pas encore inscrit au journal d'audit : {e}");
            return;
        }
    };
    let journal = keys::journal_read(keys_dir);
    let list = keys::AccessList::load(keys_dir);
    match app.sync_access(&list.records(), &[], &|e| keys::journal_author(&journal, e)) {
        Ok(_) => keys::journal_clear(keys_dir),
        Err(e) => eprintln!("attention : pas encore inscrit au journal d'audit : {e}"),
    }
}

pub(super) fn keys_command(what: KeysWhat, dir: &Path, data: &Path) -> ExitCode {
    use crate::ssh::keys;
    match what {
        KeysWhat::Add {
            name,
            pubkey_file,
            role,
            admin,
        } => {
            let mut text = String::new();
            let read = if pubkey_file == "-" {
                std::io::stdin().read_to_string(&mut text).map(|_| ())
            } else {
                std::fs::read_to_string(&pubkey_file).map(|t| text = t)
            };
            if let Err(e) = read {
                return fail(format!("{pubkey_file}: {e}"));
            }
            let role = role.unwrap_or(if admin {
                crate::app::Role::Admin
            } else {
                crate::app::Role::Staff
            });
            match keys::add_key(dir, &name, role, &text) {
                Ok(e) => {
                    println!(
                        "{name} ({role}) peut maintenant se connecter avec {} {} {}",
                        e.bits, e.fingerprint, e.comment
                    );
                    keys::journal_append(
                        dir,
                        &system_user(),
                        &name,
                        std::slice::from_ref(&e.fingerprint),
                    );
                    audit_local_key_change(dir, data);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        KeysWhat::List => {
            let list = keys::AccessList::load(dir);
            for p in &list.people {
                for k in &p.keys {
                    println!(
                        "{}\t{}\t{} {} {} ({})",
                        p.name, p.role, k.bits, k.fingerprint, k.comment, k.kind
                    );
                }
            }
            for pb in &list.problems {
                eprintln!("ignoré : {}", crate::domain::text::printable(pb));
            }
            if list.people.is_empty() {
                eprintln!(
                    "personne ne peut encore se connecter : comptoir keys add NOM ~/.ssh/id_ed25519.pub --admin --keys {}",
                    dir.display()
                );
            }
            ExitCode::SUCCESS
        }
        KeysWhat::Revoke { name, fingerprint } => {
            let r = match &fingerprint {
                Some(fp) => keys::revoke_key(dir, &name, fp).map(|e| {
                    (
                        format!("clé {} de {name} révoquée", e.fingerprint),
                        vec![e.fingerprint],
                    )
                }),
                None => keys::revoke_person(dir, &name).map(|p| {
                    (
                        format!("{} révoqué ({} clé(s))", p.name, p.keys.len()),
                        p.keys.iter().map(|k| k.fingerprint.clone()).collect(),
                    )
                }),
            };
            match r {
                Ok((m, fingerprints)) => {
                    println!("{m} ; un serveur en marche ferme ses sessions sous 2 secondes");
                    keys::journal_append(dir, &system_user(), &name, &fingerprints);
                    audit_local_key_change(dir, data);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

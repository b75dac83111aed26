//! The local commands as a person runs them: configuration, import, backup and restore, serve and its signals, French messages.

use super::*;

/// `config check` prints the identity as documents will, and every problem with its key.
#[test]
fn config_check_shows_the_identity_and_what_is_missing() {
    let demo = comptoir(&["config", "check"]);
    assert_eq!(demo.status.code(), Some(1));
    let out = stdout(&demo);
    assert!(
        out.contains("Comptoir Audio Démo — SAS au capital de 50 000 €"),
        "{out}"
    );
    assert!(
        out.contains("[shop] name : c'est la raison sociale de la démo"),
        "{out}"
    );
    assert!(
        out.contains("[shop] iban : c'est l'IBAN de la démo"),
        "{out}"
    );
    let real = comptoir(&["config", "check", "--config", "tests/fixtures/shop.toml"]);
    assert!(real.status.success(), "{}", stdout(&real));
    let out = stdout(&real);
    assert!(
        out.contains("Audio Lyon Équipement — SARL au capital de 20 000 €"),
        "{out}"
    );
    assert!(
        out.contains("SIRET 81234567600017 — RCS Lyon 812 345 676"),
        "{out}"
    );
    assert!(
        out.contains("IBAN FR14 2004 1010 0505 0001 3M02 606"),
        "{out}"
    );
    assert!(
        out.contains("OK : les documents peuvent être émis"),
        "{out}"
    );
}

/// The configuration is read with bounds: a device (`/dev/zero`), a FIFO (which would
/// block), a directory or an oversized file is refused at once in French; a control
/// character in `[shop]` is refused as everywhere; `COMPTOIR_KEYS` naming a file says so.
#[test]
fn the_configuration_is_read_with_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(300_000))).unwrap();
    let escape = dir.path().join("escape.toml");
    std::fs::write(&escape, "[shop]\nname = \"Audio\\u001b[2JLyon\"\n").unwrap();
    for (path, why) in [
        (
            std::path::PathBuf::from("/dev/zero"),
            "pas un fichier ordinaire",
        ),
        (fifo.clone(), "pas un fichier ordinaire"),
        (dir.path().to_path_buf(), "pas un fichier ordinaire"),
        (big.clone(), "plus de 256 Ko"),
        (escape.clone(), "caractère de contrôle (U+001B)"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
            .args(["config", "check", "--config"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("config check on {} did not return", path.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", path.display());
        let err = stderr(&out);
        assert!(err.contains(why), "{}: {err}", path.display());
        assert!(!err.contains('\u{1b}'), "{err}");
    }
    let keys_file = dir.path().join("keys");
    std::fs::write(&keys_file, b"not a folder").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["keys", "list"])
        .env("COMPTOIR_KEYS", &keys_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("COMPTOIR_KEYS"), "{}", stderr(&out));
}

#[test]
fn import_command_with_good_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    // A store that is not a demo store refuses to issue with the demo shop's identity,
    // says what is missing and where, and writes nothing.
    let refused = comptoir(&[
        "import",
        "quote",
        "tests/fixtures/quote.json",
        "--data",
        data,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let msg = stderr(&refused);
    assert!(
        msg.contains("identité du vendeur")
            && msg.contains("[shop] siret : c'est le SIRET de la démo")
            && msg.contains("[shop] iban : c'est l'IBAN de la démo")
            && msg.contains("comptoir config check"),
        "{msg}"
    );
    let good = comptoir(&[
        "import",
        "quote",
        "tests/fixtures/quote.json",
        "--data",
        data,
        "--config",
        "tests/fixtures/shop.toml",
    ]);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(
        stdout(&good).trim().starts_with("DEV-"),
        "{}",
        stdout(&good)
    );

    type Tamper = Box<dyn Fn(&mut serde_json::Value)>;
    let bad_cases: Vec<(&str, Tamper)> = vec![
        (
            "customer.siret",
            Box::new(|v| v["customer"]["siret"] = "19690123500017".into()),
        ),
        (
            "customer.categorie_juridique",
            Box::new(|v| v["customer"]["categorie_juridique"] = "7999".into()),
        ),
        (
            "lines[0].quantity",
            Box::new(|v| v["lines"][0]["quantity"] = (-3).into()),
        ),
        (
            "customer.contacts",
            Box::new(|v| v["customer"]["contacts"] = serde_json::json!([])),
        ),
    ];
    for (field, tamper) in bad_cases {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v["reference"] = format!("WEB-BAD-{field}").into();
        tamper(&mut v);
        let file = dir.path().join("bad.json");
        std::fs::write(&file, v.to_string()).unwrap();
        let out = comptoir(&[
            "import",
            "quote",
            file.to_str().unwrap(),
            "--data",
            data,
            "--config",
            "tests/fixtures/shop.toml",
        ]);
        assert_eq!(out.status.code(), Some(1), "{field}");
        assert!(stderr(&out).contains(field), "{field}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    let file = dir.path().join("broken.json");
    std::fs::write(&file, "{\"reference\": \"WEB-1\", \"customer\": ").unwrap();
    let out = comptoir(&["import", "quote", file.to_str().unwrap(), "--data", data]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("JSON invalide"), "{}", stderr(&out));

    // Nothing was written by the refused imports: one quote, clean.
    let check = comptoir(&["check", "--data", data]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(stdout(&check).contains("1 commande,"), "{}", stdout(&check));

    // Standard input works too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["import", "quote", "-", "--data", data])
        .args(["--config", "tests/fixtures/shop.toml"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    v["reference"] = "WEB-STDIN".into();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(v.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).trim().starts_with("DEV-") && stdout(&out).trim().ends_with("-00002"),
        "{}",
        stdout(&out)
    );
}

/// Local backup and restore, and the commands' answers when there is no store or a server
/// holds it.
#[test]
fn backup_restore_and_check_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    // check on a folder without a store: an error, and nothing is created.
    let out = comptoir(&["check", "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("aucun magasin dans"),
        "{}",
        stderr(&out)
    );
    assert!(!data.exists(), "check created {}", data.display());

    let seed = comptoir(&[
        "seed",
        "--customers",
        "20",
        "--orders",
        "60",
        "--documents",
        "full",
        "--data",
        d,
    ]);
    assert!(seed.status.success(), "{}", stderr(&seed));
    // --data is one option for every subcommand, before or after it.
    let before = comptoir(&["--data", d, "check"]);
    assert!(before.status.success(), "{}", stderr(&before));
    let copy = dir.path().join("copy.redb");
    let out = comptoir(&["backup", "--data", d, "-o", copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tables = format!("{} tables", comptoir::store::backup::TABLE_COUNT);
    assert!(stdout(&out).contains(&tables), "{}", stdout(&out));
    // A second backup to the same file is refused (never overwrites).
    let again = comptoir(&["backup", "--data", d, "-o", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));

    // Restore into a fresh folder: checked, then in place.
    let other = dir.path().join("restored");
    let out = comptoir(&[
        "restore",
        copy.to_str().unwrap(),
        "--data",
        other.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("20 client(s)") && stdout(&out).contains("cohérent"),
        "{}",
        stdout(&out)
    );
    let summary = |o: &std::process::Output| {
        let s = stdout(o);
        // "vérifié : N clients, M commandes, … en X s : cohérent" without the timing.
        s.split(" en ").next().unwrap_or("").to_string()
    };
    let source = comptoir(&["check", "--data", d]);
    let check = comptoir(&["check", "--data", other.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert_eq!(
        summary(&check),
        summary(&source),
        "the copy holds everything"
    );
    assert!(summary(&check).contains("20 clients"), "{}", stdout(&check));

    // A file that is not a store — garbage, an empty file (what a refused `ssh … backup >
    // f.redb` leaves), a redb database without comptoir's tables — is refused and changes
    // nothing; the store still numbers from where it was.
    let checked = |d: &str| {
        let out = comptoir(&["check", "--data", d]);
        stdout(&out).split(" en ").next().unwrap_or("").to_string()
    };
    let store_before = checked(d);
    let garbage = dir.path().join("garbage.redb");
    std::fs::write(&garbage, b"not a redb file").unwrap();
    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("foreign.redb");
    {
        let db = redb::Database::create(&foreign).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("other");
            tx.open_table(def).unwrap().insert("x", 1).unwrap();
        }
        tx.commit().unwrap();
    }
    for (file, why) in [
        (&garbage, "pas une base redb"),
        (&empty, "vide (0 octet)"),
        (&foreign, "aucune table de comptoir"),
    ] {
        for force in [false, true] {
            let mut args = vec!["restore", file.to_str().unwrap(), "--data", d];
            if force {
                args.push("--force");
            }
            let out = comptoir(&args);
            assert_eq!(out.status.code(), Some(1), "{why}");
            assert!(
                stderr(&out).contains(why) && stderr(&out).contains("rien n'a été restauré"),
                "{}",
                stderr(&out)
            );
        }
    }
    assert_eq!(
        checked(d),
        store_before,
        "refused restores leave the store untouched"
    );
    assert!(store_before.contains("20 clients"), "{store_before}");
    // Restoring over a store with documents shows both and asks for --force; forced, the
    // replaced store is kept aside.
    let out = comptoir(&["restore", copy.to_str().unwrap(), "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("actuel :") && err.contains("sauvegarde :") && err.contains("--force"),
        "{err}"
    );
    assert!(err.contains("dernière facture FA-"), "{err}");
    let out = comptoir(&["restore", copy.to_str().unwrap(), "--data", d, "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("before-restore-"), "{}", stdout(&out));
    assert!(stdout(&out).contains("remplace :"), "{}", stdout(&out));
    let aside: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1);

    // While a process holds the store, local commands give the exact ssh command.
    let held = Store::open(&data).unwrap();
    let out = comptoir(&["check", "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ssh -p 2222 127.0.0.1 check"),
        "{}",
        stderr(&out)
    );
    let out = comptoir(&["backup", "--data", d, "-o", "x.redb"]);
    assert!(
        stderr(&out).contains("ssh -p 2222 127.0.0.1 backup > x.redb"),
        "{}",
        stderr(&out)
    );
    let out = comptoir(&["doc", "export", "FA-2026-00001", "--data", d]);
    assert!(
        stderr(&out).contains("ssh -p 2222 127.0.0.1 doc get FA-2026-00001 > FA-2026-00001.pdf"),
        "{}",
        stderr(&out)
    );
    let out = comptoir(&["restore", copy.to_str().unwrap(), "--data", d, "--force"]);
    assert!(
        stderr(&out).contains("arrêtez-le avant de restaurer"),
        "{}",
        stderr(&out)
    );
    drop(held);
}

/// `serve` as a service runs it: JSON log lines on stderr (no colour codes), SIGHUP
/// re-reads the configuration (a bad one is reported and the one in force stays),
/// SIGTERM stops it cleanly. The copy a server killed mid-backup left is removed at start.
#[test]
fn serve_logs_json_reloads_on_sighup_and_stops_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("comptoir.toml");
    std::fs::copy("tests/fixtures/shop.toml", &config).unwrap();
    let log = dir.path().join("serve.log");
    drop(Store::open(&dir.path().join("data")).unwrap());
    let leftover = dir.path().join("data").join(".backup-31337-1.redb");
    std::fs::write(&leftover, vec![0u8; 1 << 20]).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--keys")
        .arg(dir.path().join("keys"))
        .arg("--config")
        .arg(&config)
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("comptoir écoute sur") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve exited early"
        );
    }
    let wait_for = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains(what) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no « {what} » in:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let text = wait_for("supprimée");
    assert!(text.contains(".backup-31337-1.redb"), "{text}");
    assert!(!leftover.exists());
    // A local command names the port this server listens on (not a default).
    let port = line.trim().rsplit(':').next().unwrap().to_string();
    let out = comptoir(&["check", "--data", dir.path().join("data").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("ssh -p {port} 127.0.0.1 check")),
        "port {port}: {}",
        stderr(&out)
    );
    let pid = child.id() as i32;
    // A broken configuration: reported, not applied.
    std::fs::write(&config, "[shop]\nsiret = \"123\"\n").unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    wait_for("configuration NON rechargée");
    // A good one: applied.
    std::fs::copy("tests/fixtures/shop.toml", &config).unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    wait_for("configuration rechargée");
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file:\n{text}"
    );
    let json: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(json.len() >= 3, "{text}");
    assert!(
        json.iter()
            .all(|v| v["level"].is_string() && v["fields"].is_object())
    );
    assert!(json.iter().any(|v| {
        v["level"] == "ERROR"
            && v["fields"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("shop.siret")
    }));
}

/// The local commands speak French: configuration check, store check, restore refusals,
/// key enrolment, a broken quote file — no English sentence reaches the person.
#[test]
fn the_local_commands_speak_french() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let d = d.to_str().unwrap();
    let keys = dir.path().join("keys");
    let key = dir.path().join("k.pub");
    std::fs::write(
        &key,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl anne@poste\n",
    )
    .unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"reference\": ").unwrap();
    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["config", "check"],
        vec!["import", "quote", broken.to_str().unwrap(), "--data", d],
        vec!["check", "--data", d],
        vec!["restore", empty.to_str().unwrap(), "--data", d],
        vec![
            "keys",
            "add",
            "anne",
            key.to_str().unwrap(),
            "--admin",
            "--keys",
            keys.to_str().unwrap(),
            "--data",
            d,
        ],
        vec![
            "keys",
            "list",
            "--keys",
            keys.to_str().unwrap(),
            "--data",
            d,
        ],
        vec![
            "keys",
            "revoke",
            "anne",
            "--keys",
            keys.to_str().unwrap(),
            "--data",
            d,
        ],
    ];
    let english = [
        "error:",
        " the ",
        "problem(s)",
        "may now",
        "restored",
        "expected",
        "no store",
        "checked ",
        "violation",
        "Seller",
        "revoked ",
        "nobody",
        "warning:",
    ];
    for args in runs {
        let out = comptoir(&args);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        for w in english {
            assert!(
                !text.contains(w),
                "`comptoir {}` says « {w} »:\n{text}",
                args.join(" ")
            );
        }
    }
}

/// A local command run without `$USER` (cron, systemd) is recorded under the account that
/// ran it, never « ? ».
#[test]
fn a_local_command_is_recorded_under_its_system_user() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(Store::open(&data).unwrap());
    let keys = dir.path().join("keys");
    let key = dir.path().join("k.pub");
    std::fs::write(
        &key,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl anne@poste\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["keys", "add", "anne"])
        .arg(&key)
        .arg("--admin")
        .arg("--keys")
        .arg(&keys)
        .arg("--data")
        .arg(&data)
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let account = Command::new("id").arg("-un").output().unwrap();
    let account = String::from_utf8_lossy(&account.stdout).trim().to_string();
    let app = App::open(&data, Settings::default()).unwrap();
    let records = app.audit(0, 10).unwrap();
    let added = records
        .iter()
        .find(|r| r.action == comptoir::domain::Action::AccessKeyAdded)
        .expect("the key addition is audited");
    let who = format!("{} {}", added.actor.name, added.detail);
    assert!(!who.contains('?'), "{who}");
    assert!(who.contains(&account), "« {account} » not in « {who} »");
}

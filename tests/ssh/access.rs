//! Who gets in: keys, roles, revocations, the access trail, the session cap.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_decide_who_gets_in() {
    let w = world().await;
    let (out, _, status) = w.run(&w.admin, "whoami").await;
    assert_eq!(status, 0);
    let fp = keys::fingerprint(w.admin.public_key());
    assert_eq!(out.trim(), format!("marie\tadmin\t{fp}"));
    assert!(fp.starts_with("SHA256:"));
    let (out, _, _) = w.run(&w.staff, "whoami").await;
    assert!(out.starts_with("paul\tstaff\t"));

    // An unknown key, a password, "none": all refused.
    assert_eq!(
        w.connect(&new_key()).await.err().as_deref(),
        Some("authentication refused")
    );
    let mut h = client::connect(Arc::new(client::Config::default()), w.addr(), Trusting)
        .await
        .unwrap();
    assert!(
        !h.authenticate_password("marie", "secret")
            .await
            .unwrap()
            .success()
    );
    assert!(!h.authenticate_none("marie").await.unwrap().success());
    // The failed attempts are audited (within a second: they are written together).
    refusals_written(&w.app).await;
    let audit = w.app.audit(0, 50).unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == comptoir::domain::Action::LoginFailed)
    );
    assert!(
        audit
            .iter()
            .any(|r| r.action == comptoir::domain::Action::Login && r.actor.name == "marie")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_check_roles_on_the_server() {
    let w = world().await;
    let before = std::fs::read_dir(w.keys.join("staff")).unwrap().count();
    for cmd in [
        "keys list",
        "sessions list",
        "audit",
        "keys revoke marie",
        "customer approve 19690123500016 --reason x",
    ] {
        let (out, err, status) = w.run(&w.staff, cmd).await;
        assert_eq!(status, 1, "{cmd}");
        assert!(err.contains("permission refusée"), "{cmd}: {err}");
        assert!(out.is_empty());
    }
    let mut stdin = pub_line(&new_key()).into_bytes();
    stdin.push(b'\n');
    let (_, err, status) = w.exec(&w.staff, "keys add eve", Some(&stdin)).await;
    assert_eq!(status, 1, "{err}");
    assert_eq!(
        std::fs::read_dir(w.keys.join("staff")).unwrap().count(),
        before,
        "nothing changed"
    );
    // Usage errors are status 2, help is there.
    let (_, err, status) = w.run(&w.staff, "order frobnicate").await;
    assert_eq!(status, 2, "{err}");
    let (out, _, status) = w.run(&w.staff, "help").await;
    assert_eq!(status, 0);
    assert!(out.contains("order receive-original"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_added_and_removed_at_run_time() {
    let w = world().await;
    let newcomer = new_key();
    assert!(w.connect(&newcomer).await.is_err());
    std::fs::write(
        w.keys.join("staff/lea.pub"),
        format!("# Léa\n{}\n", pub_line(&newcomer)),
    )
    .unwrap();
    let started = Instant::now();
    loop {
        if w.connect(&newcomer).await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a new key works within 2 seconds"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut c = w.console(&newcomer, 100, 30).await;
    c.wait_text("lea (staff)").await;
    std::fs::remove_file(w.keys.join("staff/lea.pub")).unwrap();
    c.wait_end(2).await;
    assert!(
        String::from_utf8_lossy(&c.raw).contains("révoquée"),
        "told why"
    );
    assert!(!c.parser.screen().alternate_screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_access_with_safety_rails() {
    let w = world().await;
    let bob = new_key();
    let (out, err, s) = w
        .exec(&w.admin, "keys add bob", Some(pub_line(&bob).as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    assert!(String::from_utf8_lossy(&out).contains(&keys::fingerprint(bob.public_key())));
    let (out, _, _) = w.run(&bob, "whoami").await;
    assert!(
        out.starts_with("bob\tstaff\t"),
        "the new key logs in at once"
    );
    // One key = one person; bad keys and names are refused with the reason.
    let (_, err, s) = w
        .exec(&w.admin, "keys add carla", Some(pub_line(&bob).as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("déjà attribuée à bob"), "{err}");
    let dsa = include_str!("../fixtures/keys/dsa.pub");
    let (_, err, s) = w
        .exec(&w.admin, "keys add carla", Some(dsa.as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("DSA"), "{err}");
    let rsa = include_str!("../fixtures/keys/rsa1024.pub");
    let (_, err, s) = w
        .exec(&w.admin, "keys add carla", Some(rsa.as_bytes()))
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("1024 bits refusée"), "{err}");
    let (_, err, s) = w
        .exec(
            &w.admin,
            "keys add ../evil",
            Some(pub_line(&new_key()).as_bytes()),
        )
        .await;
    assert_eq!(s, 1);
    assert!(err.contains("nom « ../evil » refusé"), "{err}");
    assert!(
        !w.keys.join("evil.pub").exists() && !w.keys.parent().unwrap().join("evil.pub").exists()
    );
    // The last admin can be neither removed nor demoted.
    let (_, err, s) = w.run(&w.admin, "keys revoke marie").await;
    assert_eq!(s, 1);
    assert!(err.contains("dernier administrateur"), "{err}");
    let (_, err, s) = w.run(&w.admin, "keys role marie staff").await;
    assert_eq!(s, 1);
    assert!(err.contains("dernier administrateur"), "{err}");
    // Revoking bob ends his open session within 2 seconds.
    let mut c = w.console(&bob, 100, 30).await;
    c.wait_text("bob (staff)").await;
    let (_, err, s) = w.run(&w.admin, "keys revoke bob").await;
    assert_eq!(s, 0, "{err}");
    c.wait_end(2).await;
    assert!(w.connect(&bob).await.is_err());
    // Role change, then sessions list / kill.
    let (_, err, s) = w.run(&w.admin, "keys role paul admin").await;
    assert_eq!(s, 0, "{err}");
    let (out, _, _) = w.run(&w.staff, "whoami").await;
    assert!(out.starts_with("paul\tadmin"));
    let mut victim = w.console(&w.staff, 100, 30).await;
    victim.wait_text("paul (admin)").await;
    let (list, _, _) = w.run(&w.admin, "sessions list --json").await;
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let id = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["person"] == "paul" && s["what"] == "console")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let (_, err, s) = w.run(&w.admin, &format!("sessions kill {id}")).await;
    assert_eq!(s, 0, "{err}");
    victim.wait_end(2).await;
    assert!(String::from_utf8_lossy(&victim.raw).contains("terminée par marie"));
    // Everything above is in the audit log (refused logins within a second).
    refusals_written(&w.app).await;
    let (audit, _, s) = w.run(&w.admin, "audit --json").await;
    assert_eq!(s, 0);
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let actions: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for a in [
        "access-key-added",
        "access-person-revoked",
        "access-role-changed",
        "session-ended",
        "login",
        "login-failed",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_manages_their_own_keys() {
    let w = world().await;
    let laptop = new_key();
    let (out, err, s) = w
        .exec(&w.staff, "pubkey add", Some(pub_line(&laptop).as_bytes()))
        .await;
    assert_eq!(s, 0, "{err}");
    let fp = keys::fingerprint(laptop.public_key());
    assert!(String::from_utf8_lossy(&out).contains(&fp));
    let (out, _, _) = w.run(&laptop, "whoami").await;
    assert!(out.starts_with("paul\tstaff"), "the second key is paul's");
    let (out, _, _) = w.run(&w.staff, "pubkey list").await;
    assert_eq!(out.lines().count(), 2);
    assert!(out.contains("(clé de cette session)"));
    let (_, err, s) = w.run(&w.staff, &format!("pubkey remove {fp}")).await;
    assert_eq!(s, 0, "{err}");
    assert!(w.connect(&laptop).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cap_is_clear() {
    let w = world_with(ServerConfig {
        max_sessions: 1,
        ..ServerConfig::default()
    })
    .await;
    let mut first = w.console(&w.admin, 100, 30).await;
    first.wait_text("Tableau").await;
    let (_, err, s) = w.run(&w.staff, "whoami").await;
    assert_eq!(s, 1);
    assert!(err.contains("sessions déjà ouvertes"), "{err}");
}

/// Every change of access is in the audit trail, whoever made it: an admin command once
/// (not again when keys/ is re-read), a local `comptoir keys` command run while the server
/// holds the store (through the journal), a key file dropped in by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_and_hand_made_key_changes_are_audited() {
    let w = world().await;
    let audit = |w: &World| {
        w.app
            .read(|rx| rx.audit_after(0, 10_000))
            .unwrap()
            .into_iter()
            .filter(|r| r.action.is_access() && r.action != comptoir::domain::Action::Login)
            .map(|r| (r.actor.name.clone(), r.action.slug(), r.detail.clone()))
            .collect::<Vec<_>>()
    };
    let wait_for = |w: &World, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let a = audit(w);
            if a.iter().any(|(who, _, _)| who.contains(what)) {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "no change by « {what} » in {a:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // Through the server: recorded once.
    let mut line = pub_line(&fixed_key(7)).into_bytes();
    line.push(b'\n');
    let (_, err, s) = w.exec(&w.admin, "keys add ana", Some(&line)).await;
    assert_eq!(s, 0, "{err}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let by_admin: Vec<_> = audit(&w)
        .into_iter()
        .filter(|(_, a, d)| *a == "access-key-added" && d.contains("ana"))
        .collect();
    assert_eq!(by_admin.len(), 1, "{by_admin:?}");
    assert_eq!(by_admin[0].0, "marie");

    // A local command while the server holds the store: the journal names it.
    let file = w._dir.path().join("zoe.pub");
    std::fs::write(&file, pub_line(&fixed_key(8))).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["keys", "add", "zoe"])
        .arg(&file)
        .arg("--keys")
        .arg(&w.keys)
        .arg("--data")
        .arg(w._dir.path().join("data"))
        .env("USER", "root-local")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("le serveur en marche l'inscrit"));
    let a = wait_for(&w, "comptoir keys (root-local)");
    assert!(
        a.iter()
            .any(|(who, act, d)| who == "comptoir keys (root-local)"
                && *act == "access-key-added"
                && d.contains("zoe"))
    );

    // By hand: a file copied into keys/staff.
    std::fs::write(
        w.keys.join("staff").join("bob.pub"),
        pub_line(&fixed_key(9)),
    )
    .unwrap();
    let a = wait_for(&w, "à la main");
    assert!(
        a.iter()
            .any(|(who, act, d)| who == "keys/ modifié à la main"
                && *act == "access-key-added"
                && d.contains("bob"))
    );
    std::fs::remove_file(w.keys.join("staff").join("bob.pub")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !audit(&w).iter().any(|(who, act, d)| {
        who == "keys/ modifié à la main" && *act == "access-key-revoked" && d.contains("bob")
    }) {
        assert!(Instant::now() < deadline, "{:?}", audit(&w));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !w.keys.join(comptoir::ssh::keys::JOURNAL).exists(),
        "the journal was emptied"
    );
}

/// A key that is not enrolled: before the refusal, a short French message with the key's
/// fingerprint says how to get access (a keyboard-interactive round with no prompt, which
/// OpenSSH prints); nothing typed is ever accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_is_told_how_to_get_access() {
    use russh::client::KeyboardInteractiveAuthResponse as Kbi;
    use russh::keys::PrivateKeyWithHashAlg;
    let w = world().await;
    let stranger = new_key();
    let config = Arc::new(client::Config::default());
    let mut h = client::connect(config, w.addr(), Trusting).await.unwrap();
    let auth = h
        .authenticate_publickey(
            "eve",
            PrivateKeyWithHashAlg::new(Arc::new(stranger.clone()), None),
        )
        .await
        .unwrap();
    assert!(!auth.success());
    let r = h
        .authenticate_keyboard_interactive_start("eve", None)
        .await
        .unwrap();
    let Kbi::InfoRequest {
        instructions,
        prompts,
        ..
    } = r
    else {
        panic!("no explanation: {r:?}");
    };
    assert!(prompts.is_empty(), "nothing is asked");
    assert!(
        instructions.contains("cette cle n'est pas inscrite"),
        "{instructions}"
    );
    assert!(
        instructions.contains(&keys::fingerprint(stranger.public_key())),
        "{instructions}"
    );
    let r = h
        .authenticate_keyboard_interactive_respond(Vec::new())
        .await
        .unwrap();
    assert!(matches!(r, Kbi::Failure { .. }), "{r:?}");
    // An enrolled person is never asked anything.
    assert!(w.connect(&w.staff).await.is_ok());
}

/// A flood of unknown keys does not cost the disk one write per attempt: the refused
/// logins of a second are written together (≤ 1 durable write per second, whatever the
/// number of attempts), and every attempt is counted in the audit trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_do_not_cost_an_fsync_each() {
    use russh::keys::PrivateKeyWithHashAlg;
    let w = world_with(ServerConfig {
        failed_logins_per_minute: 10_000,
        ..ServerConfig::default()
    })
    .await;
    let strangers: Vec<_> = (0..6).map(|_| Arc::new(new_key())).collect();
    let commits = w.app.durable_commits();
    let started = std::time::Instant::now();
    let mut attacks = Vec::new();
    // Ten sources (127.0.0.2 … 127.0.0.11): a burst is per source, the write is not.
    for i in 0..10u8 {
        let (addr, keys) = (w.addr(), strangers.clone());
        attacks.push(tokio::spawn(async move {
            let config = Arc::new(client::Config::default());
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket
                .bind(std::net::SocketAddr::from(([127, 0, 0, 2 + i], 0)))
                .unwrap();
            let stream = socket.connect(addr).await.unwrap();
            let mut h = client::connect_stream(config, stream, Trusting)
                .await
                .unwrap();
            let mut refused = 0;
            for k in keys {
                match h
                    .authenticate_publickey("eve", PrivateKeyWithHashAlg::new(k, None))
                    .await
                {
                    Ok(r) if !r.success() => refused += 1,
                    _ => break,
                }
            }
            refused
        }));
    }
    let mut attempts = 0;
    for a in attacks {
        attempts += a.await.unwrap();
    }
    // Let the last second's batch reach the disk.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let writes = w.app.durable_commits() - commits;
    eprintln!("{attempts} refused keys in {elapsed:.1} s: {writes} durable write(s)");
    assert!(attempts >= 30, "only {attempts} attempts were made");
    assert!(
        (writes as f64) <= elapsed.ceil() + 1.0,
        "{writes} durable writes for {attempts} refused keys in {elapsed:.1} s"
    );
    let (json, _, _) = w.run(&w.admin, "audit --json --limit 1000").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let counted: u64 = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "login-failed")
        .map(|r| r["access"]["LoginRefused"]["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, attempts, "every refused key is in the audit trail");
}

/// Screens and commands that agree with themselves: `order show` takes the web shop's
/// reference as the palette does, and `keys revoke` counts the sessions it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_and_revocations_are_counted_as_seen() {
    let w = world().await;
    let (out, err, s) = w.run(&w.staff, "order show WEB-2026-118734").await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("DEV-2026-00001"), "{out}");
    let (_, err, s) = w.run(&w.staff, "order show WEB-NOTHING").await;
    assert_eq!(s, 1);
    assert!(err.contains("aucune commande"), "{err}");
    // Paul has a console open; revoking him ends it, and the command says so.
    let mut console = w.console(&w.staff, 100, 30).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !console.screen().contains("Tableau") {
        assert!(std::time::Instant::now() < deadline, "no console");
        console.pump(std::time::Duration::from_millis(100)).await;
    }
    let (out, err, s) = w.run(&w.admin, "keys revoke paul").await;
    assert_eq!(s, 0, "{err}");
    assert!(out.contains("1 session(s) terminée(s)"), "{out}");
}

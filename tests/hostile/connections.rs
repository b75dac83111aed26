//! Connections an attacker controls: revocations, silent and unsupported connections, login floods, an untrusted keys folder.

use super::*;

/// Hole 1: a revoked person's open connection can do nothing more, and a demoted admin's
/// open connection cannot promote itself back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_and_demotion_reach_open_connections() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (marie, carol, dave) = (fixed_key(1), fixed_key(2), fixed_key(3));
    let s = serve(Setup {
        people: &[
            ("marie", Role::Admin, &marie),
            ("carol", Role::Staff, &carol),
            ("dave", Role::Admin, &dave),
        ],
        server: "",
        shell: "",
    });
    let carol_conn = s.connect(&carol).await;
    let (out, _, status) = exec_on(&carol_conn, "whoami", None).await.unwrap();
    assert_eq!((out.split('\t').next(), status), (Some("carol"), 0));
    let (_, err, status) = s.run(&marie, "keys revoke carol").await;
    assert_eq!(status, 0, "{err}");
    // The open connection is closed, and nothing it asks for afterwards happens.
    let refused = match exec_on(&carol_conn, "quote import", Some(SAMPLE.as_bytes())).await {
        None => true,
        Some((_, err, status)) => status != 0 && !err.is_empty(),
    };
    assert!(refused, "a revoked connection imported a quote");
    assert!(
        closed_within(&carol_conn, 5).await,
        "the connection stays open"
    );
    let (orders, _, _) = s.run(&marie, "orders").await;
    assert!(orders.trim().is_empty(), "a quote was imported: {orders}");

    let dave_conn = s.connect(&dave).await;
    let (_, _, status) = exec_on(&dave_conn, "keys list", None).await.unwrap();
    assert_eq!(status, 0);
    let (_, err, status) = s.run(&marie, "keys role dave staff").await;
    assert_eq!(status, 0, "{err}");
    let promoted = matches!(
        exec_on(&dave_conn, "keys role dave admin", None).await,
        Some((_, _, 0))
    );
    assert!(!promoted, "a demoted admin promoted himself back");
    let (list, _, _) = s.run(&marie, "keys list").await;
    assert!(list.lines().any(|l| l.starts_with("dave\tstaff")), "{list}");
    assert!(closed_within(&dave_conn, 5).await);
    drop(s.data());
}

/// Hole 2: connections that never speak cannot take the listener down, even when they
/// exhaust the process's file descriptors; they are closed after the login grace time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_cannot_kill_the_listener() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let marie = fixed_key(1);
    let s = serve(Setup {
        people: &[("marie", Role::Admin, &marie)],
        server: "login_grace_seconds = 2\nmax_startups = \"10:30:100\"",
        shell: "ulimit -n 64;",
    });
    // 200 connections that send nothing, opened at once: more than the descriptors the
    // server may hold.
    let mut opening = Vec::new();
    for _ in 0..200 {
        let addr = s.addr;
        opening.push(tokio::spawn(async move {
            tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
                .await
                .ok()
                .and_then(Result::ok)
        }));
    }
    let mut silent = Vec::new();
    for o in opening {
        if let Some(stream) = o.await.unwrap() {
            silent.push(stream);
        }
    }
    assert!(
        silent.len() > 64,
        "only {} connections opened",
        silent.len()
    );
    // Once the grace time has passed, a real client gets in (the listener survived).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    let whoami = loop {
        if let Ok(h) = connect_with_key(s.addr, "x", &marie).await
            && let Some(r) = exec_on(&h, "whoami", None).await
        {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the listener no longer serves"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(whoami.2, 0);
    // And every silent connection was closed by the server.
    use tokio::io::AsyncReadExt;
    let deadline = Instant::now() + Duration::from_secs(15);
    for mut stream in silent {
        let mut buf = [0u8; 256];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(_)) => continue, // the server's SSH banner
                Err(_) => panic!("a silent connection is still open after its grace time"),
            }
        }
    }
}

/// Hole 8: unsupported requests are answered at once, and a client that vanishes in the
/// middle of a download leaves no session behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_requests_fail_fast_and_no_session_is_left_behind() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let marie = fixed_key(1);
    let s = serve(Setup {
        people: &[("marie", Role::Admin, &marie)],
        server: "",
        shell: "",
    });
    let h = s.connect(&marie).await;
    let ch = h.channel_open_session().await.unwrap();
    let answered =
        tokio::time::timeout(Duration::from_secs(5), ch.request_subsystem(true, "sftp")).await;
    assert!(answered.is_ok(), "the sftp request was never answered");
    // Clients that go away in the middle of a download, many times over.
    let h = s.connect(&marie).await;
    let (number, err, status) = exec_on(&h, "quote import", Some(SAMPLE.as_bytes()))
        .await
        .unwrap();
    assert_eq!(status, 0, "{err}");
    let get = format!("doc get {}", number.trim());
    for _ in 0..20 {
        let h = s.connect(&marie).await;
        let ch = h.channel_open_session().await.unwrap();
        ch.exec(true, get.as_str()).await.unwrap();
        drop(ch);
        drop(h);
    }
    let started = Instant::now();
    loop {
        let (list, _, _) = s.run(&marie, "sessions list").await;
        let others = list
            .lines()
            .filter(|l| !l.contains("sessions list"))
            .count();
        if others == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sessions left behind:\n{list}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Hole 6: refused attempts count at once per source, a connection gets 6 of them, a
/// flooding source is refused at accept for a while, the audit log gets a few records
/// rather than one per attempt, and a legitimate login afterwards does not wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_login_limiter_holds() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let marie = fixed_key(1);
    let s = serve(Setup {
        people: &[("marie", Role::Admin, &marie)],
        server: "failed_logins_per_minute = 20\npenalty_seconds = 3",
        shell: "",
    });
    let config = std::sync::Arc::new(client::Config::default());
    // Ten connections in parallel, each offering ten unknown keys of its own: key after
    // key from one address, which closes the address.
    let mut attacks = Vec::new();
    for c in 0..10u8 {
        let strangers: Vec<PrivateKey> = (0..10).map(|k| fixed_key(100 + 10 * c + k)).collect();
        let (addr, config, keys) = (s.addr, config.clone(), strangers);
        attacks.push(tokio::spawn(async move {
            let Ok(mut h) = client::connect(config, addr, Trusting).await else {
                return true; // refused at accept: the source is already penalised
            };
            for k in keys {
                let key = russh::keys::PrivateKeyWithHashAlg::new(std::sync::Arc::new(k), None);
                match h.authenticate_publickey("x", key).await {
                    Ok(r) if !r.success() => {}
                    _ => break,
                }
            }
            // The server hangs up after its 6 attempts.
            closed_within(&h, 3).await
        }));
    }
    for a in attacks {
        assert!(
            a.await.unwrap(),
            "a connection was left open after 10 refused keys"
        );
    }
    // The source is penalised: even a good key is refused at accept for now.
    assert!(
        connect_with_key(s.addr, "x", &marie).await.is_err(),
        "a flooding source is still accepted"
    );
    // Once the penalty is over (3 s, doubled while the attack went on), the legitimate
    // login goes straight in: refused connections are closed at once, never held.
    let deadline = Instant::now() + Duration::from_secs(40);
    let h = loop {
        let started = Instant::now();
        let attempt = connect_with_key(s.addr, "x", &marie).await;
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_secs(10),
            "a login attempt waited {waited:?} for others' failures"
        );
        match attempt {
            Ok(h) => break h,
            Err(_) => {
                assert!(Instant::now() < deadline, "the penalty never ends");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    // The audit log has a few records for the burst, with the attempts counted.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (audit, _, status) = exec_on(&h, "audit --json --limit 1000", None)
        .await
        .unwrap();
    assert_eq!(status, 0);
    let records: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let failed: Vec<&serde_json::Value> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "login-failed")
        .collect();
    let counted: u64 = failed
        .iter()
        .map(|r| r["access"]["LoginRefused"]["attempts"].as_u64().unwrap())
        .sum();
    assert!(
        counted > 20 && counted <= 60,
        "{counted} attempts counted for 10 connections of at most 6"
    );
    assert!(
        failed.len() <= 5,
        "{} records for {counted} attempts",
        failed.len()
    );
    // The penalty itself is in the audit trail, with its subject and reason.
    let penalties: Vec<&serde_json::Value> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "login-penalty")
        .collect();
    assert!(!penalties.is_empty(), "no penalty audited");
    let p = &penalties[0]["access"]["Penalty"];
    assert_eq!(p["subject"], "adresse 127.0.0.1", "{p}");
    assert!(
        p["reason"].as_str().unwrap().contains("clés différentes"),
        "{p}"
    );
}

/// Hole 7: the keys folder is read like a careful sshd reads authorized_keys — no link
/// is followed, and a key found in two people's files logs in as neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_folder_is_not_trusted_blindly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (marie, paul) = (fixed_key(1), fixed_key(2));
    let s = serve(Setup {
        people: &[("marie", Role::Admin, &marie), ("paul", Role::Staff, &paul)],
        server: "",
        shell: "",
    });
    let keys_dir = s.dir.path().join("keys");
    let secret = s.dir.path().join("secret");
    std::fs::write(&secret, "root:$6$salt$hash:19000:0:99999:7:::\n").unwrap();
    std::os::unix::fs::symlink(&secret, keys_dir.join("staff/eve.pub")).unwrap();
    let list = s.keys_list_once_it_mentions(&marie, "eve.pub").await;
    assert!(
        list.contains("eve.pub") && list.contains("fichier ordinaire"),
        "{list}"
    );
    assert!(
        !list.contains("root:"),
        "the link's target was read: {list}"
    );
    let h = s.connect(&marie).await;
    let eve = pub_line(&fixed_key(5));
    let (_, err, status) = exec_on(&h, "keys add eve", Some(eve.as_bytes()))
        .await
        .unwrap();
    assert_eq!(status, 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "root:$6$salt$hash:19000:0:99999:7:::\n"
    );
    // Marie's key copied into paul's file: neither can log in with it.
    let mut text = std::fs::read_to_string(keys_dir.join("staff/paul.pub")).unwrap();
    text.push_str(&pub_line(&marie));
    text.push('\n');
    std::fs::write(keys_dir.join("staff/paul.pub"), text).unwrap();
    let started = Instant::now();
    while connect_with_key(s.addr, "x", &marie).await.is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a key found in two files still logs in"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (who, _, status) = s.run(&paul, "whoami").await;
    assert_eq!(status, 0);
    assert!(who.starts_with("paul\tstaff"), "{who}");
}

/// Issue 29, one address blocking logins: 300 silent connections from one address
/// (127.0.0.2) hold only their source's share of the unauthenticated places, so every
/// admin login from another address gets in at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_from_one_address_leave_room_for_others() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let paul = fixed_key(51);
    let s = serve(Setup {
        people: &[("paul", Role::Admin, &paul)],
        server: "login_grace_seconds = 30\nmax_startups = \"10:30:100\"\nmax_startups_per_source = 5",
        shell: "ulimit -n 1024;",
    });
    let mut silent = Vec::new();
    for _ in 0..300 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        if let Ok(Ok(stream)) =
            tokio::time::timeout(Duration::from_secs(2), socket.connect(s.addr)).await
        {
            silent.push(stream);
        }
    }
    assert!(
        silent.len() >= 250,
        "only {} connections opened",
        silent.len()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ok = 0;
    for _ in 0..10 {
        if let Ok(h) = connect_with_key(s.addr, "x", &paul).await
            && let Some((_, _, 0)) = exec_on(&h, "whoami", None).await
        {
            ok += 1;
        }
    }
    assert_eq!(ok, 10, "admin logins dropped while one address floods");
    drop(silent);
}

/// Issue 29, a forgotten loop with a revoked key: the key is refused on its own (logged,
/// audited, shown to admins), while an admin key from the same address gets in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_penalised_key_does_not_lock_out_its_address() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let paul = fixed_key(61);
    let revoked = fixed_key(62);
    let s = serve(Setup {
        people: &[("paul", Role::Admin, &paul)],
        server: "failed_logins_per_minute = 3\npenalty_seconds = 60",
        shell: "",
    });
    for _ in 0..12 {
        assert!(connect_with_key(s.addr, "x", &revoked).await.is_err());
    }
    let fp = keys::fingerprint(revoked.public_key());
    for _ in 0..5 {
        let (out, err, status) = s.run(&paul, "whoami").await;
        assert_eq!(status, 0, "{err}");
        assert!(out.contains("paul"), "{out}");
    }
    let (list, _, status) = s.run(&paul, "sessions list").await;
    assert_eq!(status, 0);
    assert!(
        list.contains(&format!("pénalité\tclé {fp} refusée encore")),
        "{list}"
    );
    assert!(!list.contains("adresse 127.0.0.1"), "{list}");
    let (json, _, _) = s.run(&paul, "sessions penalties --json").await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 1, "{json}");
    assert_eq!(rows[0]["subject"], format!("clé {fp}"));
    let (audit, _, _) = s.run(&paul, "audit --json --limit 200").await;
    assert!(
        audit.contains("login-penalty") && audit.contains(&format!("clé {fp}")),
        "{audit}"
    );
}

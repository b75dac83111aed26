//! Documents leaving by e-mail through a real SMTP server (aiosmtpd).

use super::*;

/// A real SMTP server on loopback (Python's aiosmtpd, writing each message to a Maildir),
/// stopped when dropped.
struct Smtpd {
    child: std::process::Child,
    port: u16,
    maildir: PathBuf,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PYTHON: &str = "/usr/bin/python3";

fn smtpd(dir: &Path, extra: &[&str]) -> Smtpd {
    let check = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .output()
        .expect("/usr/bin/python3 is missing: install the Debian package python3 (see .ci/run)");
    assert!(
        check.status.success(),
        "aiosmtpd is missing: install the Debian package python3-aiosmtpd (see .ci/run)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = dir.join(format!("Maildir-{port}"));
    let child = Command::new(PYTHON)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(extra)
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 30, "aiosmtpd did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Smtpd {
        child,
        port,
        maildir,
    }
}

/// The messages the server received, parsed by Python's `email` package: headers, and
/// each attachment written beside them (`<n>.<filename>`).
fn received(server: &Smtpd, out: &Path) -> Vec<serde_json::Value> {
    let script = r#"
import email, glob, json, os, sys
out = sys.argv[2]
msgs = []
for i, path in enumerate(sorted(glob.glob(os.path.join(sys.argv[1], "new", "*")))):
    m = email.message_from_binary_file(open(path, "rb"))
    atts = []
    for part in m.walk():
        name = part.get_filename()
        if name:
            data = part.get_payload(decode=True)
            dest = os.path.join(out, "%d.%s" % (i, name))
            open(dest, "wb").write(data)
            atts.append({"name": name, "path": dest, "type": part.get_content_type()})
        elif part.get_content_type() == "text/plain":
            body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    msgs.append({"to": m["To"], "from": m["From"], "subject": str(email.header.make_header(email.header.decode_header(m["Subject"]))), "message_id": m["Message-ID"], "attachments": atts, "body": body})
print(json.dumps(msgs))
"#;
    std::fs::create_dir_all(out).unwrap();
    let o = Command::new(PYTHON)
        .args(["-c", script])
        .arg(&server.maildir)
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Documents leave by e-mail through a real SMTP server: the quote to the order's contact,
/// the invoice's payment pack, a letter — each PDF byte for byte, each sending recorded on
/// the order with its Message-ID; a relay that refuses or does not answer records nothing.
#[test]
fn documents_leave_by_email_through_a_real_smtp_server() {
    use comptoir::config::{SmtpConfig, SmtpTls};
    use comptoir::domain::letter::LetterKind;
    let s = shop();
    let n = import(
        &s,
        "WEB-MAIL",
        false,
        &[("Enceinte active 8 pouces", "1000.00", "20", 1)],
    );
    let config = |port: u16, timeout: u64| SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        user: None,
        password: None,
        from: "Comptoir Audio Démo <compta@comptoir-audio.example>".into(),
        timeout_seconds: timeout,
    };
    let e = s
        .app
        .send_document(&staff(), &n, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("[smtp]"), "{e}");
    let server = smtpd(s.dir.path(), &[]);
    let mailer = comptoir::mail::SmtpMailer::new(&config(server.port, 10)).unwrap();
    mailer.test_connection().unwrap();
    s.app.set_mailer(Some(std::sync::Arc::new(mailer)));
    // The quote, to the order's contact.
    let quote = s.app.send_document(&staff(), &n, None).unwrap();
    assert_eq!(quote.to, ["intendance@lycee-jean-moulin.example"]);
    assert!(quote.answer.starts_with("250"), "{}", quote.answer);
    // The invoice's pack and a letter, to an address typed by staff.
    s.clock.set(noon("2026-03-06"));
    receive_and_deliver(&s, &n);
    let inv = s.app.issue_invoice(&staff(), &n).unwrap();
    let pack = s
        .app
        .send_document(
            &staff(),
            &inv.number.to_string(),
            Some("mandatement@lycee.example"),
        )
        .unwrap();
    s.clock.set(noon("2026-04-20"));
    let letter = s
        .app
        .write_letter(&staff(), &n, LetterKind::Reminder)
        .unwrap();
    let reminder = s
        .app
        .send_document(&staff(), &letter.reference, None)
        .unwrap();
    let e = s
        .app
        .send_document(&staff(), &n, Some("pas une adresse"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("n'est pas une adresse"), "{e}");

    let msgs = received(&server, &s.dir.path().join("received"));
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    let file = |m: &serde_json::Value| {
        std::fs::read(m["attachments"][0]["path"].as_str().unwrap()).unwrap()
    };
    assert_eq!(msgs[0]["message_id"], quote.message_id.as_str());
    assert_eq!(msgs[0]["to"], "intendance@lycee-jean-moulin.example");
    assert_eq!(
        msgs[0]["subject"],
        format!("Devis {n} — Comptoir Audio Démo")
    );
    assert!(
        msgs[0]["body"]
            .as_str()
            .unwrap()
            .contains("bon de commande original")
    );
    assert_eq!(msgs[0]["attachments"][0]["type"], "application/pdf");
    assert_eq!(
        file(&msgs[0]),
        s.app.document_file(&n, FileFormat::Pdf).unwrap(),
        "the quote byte for byte"
    );
    assert_eq!(msgs[1]["to"], "mandatement@lycee.example");
    assert_eq!(
        file(&msgs[1]),
        s.app.accounting_pack(&inv).unwrap(),
        "the pack as doc pack gives it"
    );
    assert_eq!(pack.attachment, format!("dossier-{}.pdf", inv.number));
    assert_eq!(
        file(&msgs[2]),
        s.app.letter(&letter.reference).unwrap().1,
        "the letter as written"
    );
    assert_eq!(msgs[2]["message_id"], reminder.message_id.as_str());
    // Recorded on the order, in the audit.
    let order = comptoir::domain::DocNumber::parse(&n).unwrap();
    assert_eq!(s.app.mails_of(&order).unwrap().len(), 3);

    // A relay that refuses (a message over its size limit) or never answers: said, and
    // nothing recorded as sent.
    let small = smtpd(s.dir.path(), &["-s", "2000"]);
    s.app.set_mailer(Some(std::sync::Arc::new(
        comptoir::mail::SmtpMailer::new(&config(small.port, 10)).unwrap(),
    )));
    let e = s
        .app
        .send_document(&staff(), &n, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a refusé") && e.contains("rien n'est noté"),
        "{e}"
    );
    let mute = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    s.app.set_mailer(Some(std::sync::Arc::new(
        comptoir::mail::SmtpMailer::new(&config(mute.local_addr().unwrap().port(), 1)).unwrap(),
    )));
    let e = s
        .app
        .send_document(&staff(), &n, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("injoignable ou muet"), "{e}");
    assert_eq!(
        s.app.mails_of(&order).unwrap().len(),
        3,
        "nothing more recorded"
    );
}

//! What leaves the shop (Chorus Pro, letters, e-mail, the bank) and who may do what.

use super::*;

/// A platform that takes every deposit (the real client is tested against a stand-in in
/// `tests/chorus.rs`).
struct FakeChorus(std::sync::Mutex<Vec<String>>);

impl crate::app::chorus::ChorusApi for FakeChorus {
    fn health(&self) -> Result<(), crate::app::chorus::ChorusError> {
        Ok(())
    }
    fn structure(
        &self,
        _siret: &str,
    ) -> Result<crate::app::chorus::ChorusStructure, crate::app::chorus::ChorusError> {
        Err(crate::app::chorus::ChorusError::Unreachable(
            "hors ligne".into(),
        ))
    }
    fn deposit(
        &self,
        file_name: &str,
        _pdf: &[u8],
    ) -> Result<crate::app::chorus::ChorusDeposit, crate::app::chorus::ChorusError> {
        self.0.lock().unwrap().push(file_name.to_string());
        Ok(crate::app::chorus::ChorusDeposit {
            flow: "CPP00000042".into(),
            date: "2026-11-27".into(),
        })
    }
    fn flow_report(
        &self,
        _flow: &str,
    ) -> Result<crate::app::chorus::FlowReport, crate::app::chorus::ChorusError> {
        Ok(crate::app::chorus::FlowReport {
            state: "IN_RECU".into(),
            errors: Vec::new(),
        })
    }
    fn find_invoice(
        &self,
        _number: &str,
    ) -> Result<Option<(i64, String)>, crate::app::chorus::ChorusError> {
        Ok(None)
    }
    fn history(
        &self,
        _id: i64,
    ) -> Result<Vec<crate::domain::chorus::ChorusStatus>, crate::app::chorus::ChorusError> {
        Ok(Vec::new())
    }
}

/// `S` on an invoiced order deposits its invoice on Chorus Pro, and the order screen says
/// where it stands.
#[test]
fn an_invoice_goes_to_chorus_from_the_order_screen() {
    let w = world();
    let fake = std::sync::Arc::new(FakeChorus(std::sync::Mutex::new(Vec::new())));
    w.app.set_chorus(Some(fake.clone()));
    let mut c = console(&w, Role::Staff);
    // An invoice issued now (the demo world's are synthetic, without files).
    let order = w.app.orders_in_stage(Stage::Delivered, 1)[0]
        .number
        .to_string();
    w.app
        .issue_invoice(&Actor::person("marie", Role::Staff, "SHA256:marie"), &order)
        .unwrap();
    c.run(Some(Action::OpenOrder(order.clone())));
    press(&w, &mut c, &[Key::Char('S')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!(
            "no Chorus form: {:?} {}",
            status(&c),
            text(&draw(&mut c, 100, 30))
        );
    };
    let invoice = form.fields[0].value.clone();
    assert!(invoice.starts_with("FA-"), "{invoice}");
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(
        msg.contains("déposée") && msg.contains("CPP00000042"),
        "{msg}"
    );
    assert_eq!(
        fake.0.lock().unwrap().as_slice(),
        [format!("{invoice}.pdf")]
    );
    let screen = text(&draw(&mut c, 120, 40));
    assert!(
        screen.contains(&format!("Chorus Pro · {invoice}")),
        "{screen}"
    );
    // The Documents list gives it a Chorus column when the terminal is wide enough,
    // and its detail the whole line.
    c.run(Some(Action::Tab(Tab::Documents)));
    let screen = text(&draw(&mut c, 130, 40));
    let row = screen
        .lines()
        .find(|l| l.contains(&invoice))
        .unwrap_or_else(|| panic!("{invoice} not listed: {screen}"));
    assert!(row.contains("déposée"), "{row}");
    assert!(screen.contains("Chorus Pro"), "{screen}");
    // At 80 columns the amount stays whole and the column gives way.
    let narrow = text(&draw(&mut c, 80, 40));
    let header = narrow.lines().find(|l| l.contains("Numéro")).unwrap();
    assert!(
        header.contains("Montant TTC") && !header.contains("Chorus"),
        "{narrow}"
    );
    c.run(Some(Action::OpenDocument(invoice.clone())));
    let screen = text(&draw(&mut c, 100, 40));
    assert!(
        screen.contains("Chorus Pro : déposée le 2026-11-27, flux CPP00000042"),
        "{screen}"
    );
    // The board's card says it too, without colour.
    c.run(Some(Action::Tab(Tab::Board)));
    press(&w, &mut c, &[Key::Char('/')]);
    type_text(&w, &mut c, &order);
    press(&w, &mut c, &[Key::Enter]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(screen.contains(&order), "{screen}");
    assert!(screen.contains("CP ✓"), "{screen}");
}

/// The Rapprochement screen (`R`): an entry the import could not match is assigned to
/// the invoice it pays (`a`), another set aside with a reason (`x`); each through its
/// confirmation, and the screen empties.
#[test]
fn bank_entries_are_decided_on_the_rapprochement_screen() {
    let w = world();
    // An open invoice of the demo world and its unpaid amount.
    let mut open = None;
    w.app.index().for_each_card(|card| {
        if open.is_none()
            && let Some(l) = card
                .late
                .iter()
                .find(|l| l.unpaid > crate::domain::Cents::ZERO)
        {
            open = Some((card.number, l.invoice, l.unpaid));
        }
    });
    let (order, invoice, unpaid) = open.expect("an open invoice in the demo world");
    let entry = |reference: &str, amount: &str, payer: &str, text: &str| {
        format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-26</Dt></BookgDt><ValDt><Dt>2026-11-26</Dt></ValDt><AcctSvcrRef>{reference}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>UI-1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>{}{}</Stmt></BkToCstmrStmt></Document>",
        entry("UI-A", &unpaid.decimal(), "PAYEUR INCONNU", "VIREMENT"),
        entry("UI-B", "12.34", "M DUPONT", "CHEQUE"),
    );
    let marie = Actor::person("marie", Role::Staff, "SHA256:marie");
    let r = w
        .app
        .import_statement(&marie, xml.as_bytes(), &crate::bank::formats())
        .unwrap();
    assert_eq!(r.unmatched.len() + r.proposed.len(), 2, "{r:?}");
    let mut c = console(&w, Role::Staff);
    press(&w, &mut c, &[Key::Char('R')]);
    let screen = text(&draw(&mut c, 120, 30));
    assert!(
        screen.contains("Rapprochement bancaire") && screen.contains("M DUPONT"),
        "{screen}"
    );
    // The first entry (its amount is the open invoice's): named by hand, the open
    // invoices of that amount offered.
    press(&w, &mut c, &[Key::Char('a')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no form: {:?}", status(&c));
    };
    assert!(
        form.intro.iter().any(|l| l.contains(&invoice.to_string())),
        "{:?}",
        form.intro
    );
    type_text(&w, &mut c, &invoice.to_string());
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(
        msg.contains("rapprochée") && msg.contains(&order.to_string()),
        "{msg}"
    );
    // The cheque: set aside, the reason required.
    press(&w, &mut c, &[Key::Char('x'), Key::Enter]);
    assert!(
        matches!(&c.modal, Some(Modal::Form(..))),
        "the reason is required"
    );
    type_text(&w, &mut c, "particulier");
    press(&w, &mut c, &[Key::Enter, Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let screen = text(&draw(&mut c, 120, 30));
    assert!(screen.contains("Rien à rapprocher"), "{screen}");
    assert!(w.app.bank_entries(true).unwrap().is_empty());
}

/// `l` on an overdue order writes a reminder through its confirmation; the order screen
/// lists it with the command that downloads it; `I` says why no claim can be written yet.
#[test]
fn a_reminder_is_written_from_the_order_screen() {
    let w = world();
    let mut overdue = None;
    w.app.index().for_each_card(|card| {
        let late = card
            .flags(w.app.today(), &w.app.settings().ecb_rates)
            .iter()
            .any(|f| matches!(f, crate::domain::Flag::Overdue { .. }));
        if overdue.is_none() && late {
            overdue = Some(card.number.to_string());
        }
    });
    let order = overdue.expect("an overdue order in the demo world");
    let mut c = console(&w, Role::Staff);
    c.run(Some(Action::OpenOrder(order.clone())));
    press(&w, &mut c, &[Key::Char('l')]);
    let Some(Modal::Confirm(confirm, _)) = &c.modal else {
        panic!("no confirmation: {:?}", status(&c));
    };
    assert!(
        confirm.lines.iter().any(|l| l.contains("Relance pour FA-")),
        "{:?}",
        confirm.lines
    );
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    assert!(
        msg.contains("LET-2026-00001") && msg.contains("doc get"),
        "{msg}"
    );
    let screen = text(&draw(&mut c, 140, 60));
    assert!(screen.contains("✉ Relance LET-2026-00001"), "{screen}");
    press(&w, &mut c, &[Key::Char('I')]);
    let (level, msg) = status(&c).unwrap();
    assert_ne!(level, Level::Ok, "{msg}");
    // The alerts say what was sent when.
    let row = w
        .app
        .alerts()
        .into_iter()
        .find(|r| r.text.starts_with(&order))
        .expect("the order is still overdue");
    assert!(
        row.text.contains("relancée LET-2026-00001 le"),
        "{}",
        row.text
    );
    // `@` sends it, prefilled with the letter and the order's contact; the confirmation
    // says to whom.
    let fake = Arc::new(FakeMailer(std::sync::Mutex::new(Vec::new())));
    w.app.set_mailer(Some(fake.clone()));
    press(&w, &mut c, &[Key::Char('@')]);
    let Some(Modal::Form(form, _)) = &c.modal else {
        panic!("no form: {:?}", status(&c));
    };
    assert_eq!(form.value(FieldId::Reference), "LET-2026-00001");
    let to = form.value(FieldId::To).to_string();
    assert!(to.contains('@'), "{to}");
    press(&w, &mut c, &[Key::Enter]);
    let Some(Modal::Confirm(confirm, _)) = &c.modal else {
        panic!("no confirmation: {:?}", status(&c));
    };
    assert!(
        confirm.lines.iter().any(|l| l.contains(&format!("à {to}"))),
        "{:?}",
        confirm.lines
    );
    press(&w, &mut c, &[Key::Enter]);
    let (level, msg) = status(&c).unwrap();
    assert_eq!(level, Level::Ok, "{msg}");
    let sent = fake.0.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, [to]);
    assert_eq!(
        sent[0].attachment,
        w.app.letter("LET-2026-00001").unwrap().1,
        "the letter as written"
    );
}

/// A relay that takes every message (the real one is tested against aiosmtpd in
/// `tests/documents/`).
struct FakeMailer(std::sync::Mutex<Vec<crate::app::mail::OutgoingMail>>);

impl crate::app::mail::Mailer for FakeMailer {
    fn send(
        &self,
        mail: &crate::app::mail::OutgoingMail,
    ) -> Result<crate::app::mail::SentMail, crate::app::mail::MailError> {
        self.0.lock().unwrap().push(mail.clone());
        Ok(crate::app::mail::SentMail {
            message_id: "<1@test>".into(),
            answer: "250 OK".into(),
        })
    }
}

/// The permission table drives this test: for every permission × every role, the console
/// (a key says « réservé aux … » before any form opens, or opens it), the commands (the
/// gate and the generated `help`) and the app (its use cases, inside the write
/// transaction) all agree with `Permission::roles`. A permission without a row below does
/// not compile; a command without a permission fails here.
#[test]
fn every_permission_agrees_on_every_surface() {
    use crate::app::{AppError, Permission};
    use crate::ssh::commands::surface;
    let w = world();
    let order = first_in(&w, Stage::Invoiced);
    let quote = first_in(&w, Stage::Quote);
    let customer = w
        .app
        .orders_in_stage(Stage::Invoiced, 1)
        .first()
        .map(|c| c.customer)
        .unwrap();
    let sku = w.app.products().unwrap()[0].sku.clone();
    let tmp = tempfile::tempdir().unwrap();

    // The console: every operation a key can start, on a target of its kind.
    let mut targets: Vec<(&actions::OpSpec, actions::Target)> = Vec::new();
    for s in actions::ORDER_OPS.iter() {
        targets.push((s, actions::Target::Order(order.clone())));
    }
    for s in actions::CUSTOMER_OPS.iter() {
        targets.push((s, actions::Target::Customer(customer)));
    }
    for s in actions::PRODUCT_OPS.iter() {
        targets.push((s, actions::Target::Product(sku.clone())));
    }
    for s in actions::bank::BANK_OPS.iter() {
        targets.push((s, actions::Target::BankEntry(1)));
    }
    targets.push((&actions::NEW_CUSTOMER, actions::Target::Shop));

    // The app: one use case per permission that changes something, or `None` where the
    // app has no gate (reads for everyone; access changes are `ssh::access`'s, checked by
    // the commands below and the OpenSSH test).
    macro_rules! ok {
        ($e:expr) => {
            Some($e.map(|_| ()))
        };
    }
    let app_call = |perm: Permission, who: &Actor| -> Option<Result<(), AppError>> {
        let app = &w.app;
        match perm {
            Permission::Read
            | Permission::Export
            | Permission::Audit
            | Permission::ChorusSync
            | Permission::OwnKeys
            | Permission::ManageAccess
            | Permission::Sessions => None,
            Permission::Check => ok!(app.check(who)),
            Permission::Backup => ok!(app.backup(who, &tmp.path().join("copie.redb"))),
            Permission::Quote => ok!(app.renew_quote(who, &quote)),
            Permission::OrderStep => ok!(app.record_pre_order(who, &quote)),
            Permission::IssueDocument => ok!(app.issue_invoice(who, &order)),
            Permission::Payment => ok!(app.record_payment(
                who,
                &order,
                w.app.today(),
                crate::domain::Cents(100),
                "MANDAT-T",
            )),
            Permission::PaymentDelay => ok!(app.record_delay_notice(
                who,
                &order,
                None,
                w.app.today(),
                &crate::domain::pipeline::DelayNotice::Received
            )),
            Permission::WaiveInterest => ok!(app.waive_penalties(who, &order, None, "essai")),
            Permission::Letter => {
                ok!(app.write_letter(who, &order, crate::domain::letter::LetterKind::Reminder,))
            }
            Permission::SendEmail => ok!(app.send_document(who, &order, None)),
            Permission::ChorusSend => ok!(app.chorus_send(who, &order)),
            Permission::Customer => {
                ok!(app.correct_customer(who, customer, |_| { Err(AppError::invalid("essai")) }))
            }
            Permission::Eligibility => ok!(app.decide_eligibility(
                who,
                customer,
                crate::domain::EligibilityStatus::Approved,
                "essai",
            )),
            Permission::Stock => ok!(app.adjust_stock(who, &sku, 0, "essai")),
            Permission::Catalogue => {
                ok!(app.upsert_product(who, w.app.products().unwrap()[0].clone()))
            }
            Permission::BankImport => ok!(app.import_statement(who, b"pas un releve", &[])),
            Permission::BankReconcile => ok!(app.bank_dismiss(who, 999_999, "essai")),
        }
    };

    let commands = surface::commands();
    for (path, perm) in &commands {
        assert!(perm.is_some(), "« {path} » has no permission");
    }
    for role in Role::ALL {
        let who = Actor::person("quelqu'un", role, "SHA256:test");
        let help = surface::help(role);
        for perm in Permission::ALL {
            let allowed = perm.allows(role);
            let refusal = perm.refusal(role);
            // Commands and help.
            for (path, _) in commands.iter().filter(|(_, p)| *p == Some(*perm)) {
                assert_eq!(
                    surface::gate(path, role).is_ok(),
                    allowed,
                    "{path} for {role}"
                );
                if !allowed {
                    assert_eq!(surface::gate(path, role).unwrap_err(), refusal);
                }
                let listed = help.lines().any(|l| {
                    l.trim_start() == path || l.trim_start().starts_with(&format!("{path} "))
                });
                assert_eq!(listed, allowed, "help lists « {path} » for {role}?\n{help}");
            }
            // The console.
            for (spec, target) in targets.iter().filter(|(s, _)| s.kind.permission() == *perm) {
                let mut c = console(&w, role);
                c.run(Some(Action::Do(actions::Op {
                    kind: spec.kind,
                    target: target.clone(),
                })));
                let said = status(&c).map(|(_, m)| m);
                if allowed {
                    assert_ne!(said.as_deref(), Some(refusal.as_str()), "{:?}", spec.kind);
                } else {
                    assert_eq!(said.as_deref(), Some(refusal.as_str()), "{:?}", spec.kind);
                    assert!(c.modal.is_none(), "no form opens for {:?}", spec.kind);
                }
            }
            // The app.
            if let Some(r) = app_call(*perm, &who) {
                let forbidden = matches!(&r, Err(AppError::Forbidden(m)) if *m == refusal);
                assert_eq!(forbidden, !allowed, "app {perm:?} for {role}: {r:?}");
            }
        }
    }
    // Every permission reaches at least one surface.
    for perm in Permission::ALL {
        assert!(
            commands.iter().any(|(_, p)| *p == Some(*perm))
                || targets.iter().any(|(s, _)| s.kind.permission() == *perm),
            "{perm:?} is on no surface"
        );
    }
}

//! The operations' specs: keys, stages and forms.

use super::*;

#[test]
fn next_steps_depend_on_the_stage() {
    let keys = |stage, live_invoice, to_invoice| {
        order_ops(&Situation {
            stage,
            live_invoice,
            to_invoice,
            renewed: false,
            suspended: false,
            penalties_owed: false,
            delivered: to_invoice,
            credit_balance: false,
            overdue: false,
        })
        .map(|s| s.key)
        .collect::<String>()
    };
    assert_eq!(keys(Stage::Quote, false, false), "pryoxz@");
    assert_eq!(keys(Stage::PoReceived, false, false), "box@");
    assert_eq!(keys(Stage::PoReceived, false, true), "bfx@");
    assert_eq!(keys(Stage::Delivered, false, true), "f@");
    assert_eq!(keys(Stage::Invoiced, true, false), "aSvei@");
    assert_eq!(keys(Stage::Expired, false, false), "n@");
    assert_eq!(keys(Stage::Paid, false, false), "@");
    let owed = Situation {
        stage: Stage::Paid,
        live_invoice: false,
        to_invoice: false,
        renewed: false,
        suspended: false,
        penalties_owed: true,
        delivered: true,
        credit_balance: false,
        overdue: false,
    };
    assert_eq!(order_ops(&owed).map(|s| s.key).collect::<String>(), "mwI@");
    let late = Situation {
        stage: Stage::Invoiced,
        live_invoice: true,
        overdue: true,
        ..owed
    };
    assert_eq!(
        order_ops(&late).map(|s| s.key).collect::<String>(),
        "aSveimwlL@"
    );
    // A paid invoice cancelled: the surplus is refunded; a paid one can be credited.
    let refund = Situation {
        penalties_owed: false,
        credit_balance: true,
        ..owed
    };
    assert_eq!(order_ops(&refund).map(|s| s.key).collect::<String>(), "g@");
    let paid = Situation {
        live_invoice: true,
        ..refund
    };
    assert_eq!(order_ops(&paid).map(|s| s.key).collect::<String>(), "Sgv@");
}

#[test]
fn every_kind_has_one_spec_with_a_distinct_key() {
    let mut order_keys: Vec<char> = ORDER_OPS.iter().map(|s| s.key).collect();
    order_keys.sort();
    order_keys.dedup();
    assert_eq!(order_keys.len(), ORDER_OPS.len());
    for spec in ORDER_OPS.iter().chain(CUSTOMER_OPS.iter()) {
        assert_eq!(spec.kind.spec().key, spec.key);
    }
}

/// What a person would type in the field `id`: every field of every form has one, so
/// that a submission goes past its checks and reads everything it reads.
fn sample(id: FieldId) -> &'static str {
    use FieldId::*;
    match id {
        Siret => "21750001600019",
        LegalName => "Commune de Test",
        Categorie => "7210",
        AddrName | ContactName | Name => "test",
        AddrStreet => "1 rue de la Mairie",
        AddrExtra | Contract | Market | ServiceCode => "X-1",
        AddrPostcode => "75001",
        AddrCity => "Paris",
        ContactPhone => "01 02 03 04 05",
        ContactEmail | To => "mairie@example.fr",
        Address | Contact | LineQty | Quantity => "1",
        LineSku | Sku => "SKU-TEST",
        Designation => "Enceinte",
        Price => "100,00",
        Vat => "20",
        Stock | Delta => "1",
        Reason => "motif",
        PoNumber => "BC-1",
        PoDate | Date => "27/11/2026",
        Amount => "1,00",
        Reference | Invoice | Invoices => "",
        Surplus => "non",
        Role => "staff",
        Key => "ssh-ed25519 AAAA test",
        ServiceRequired | EngagementRequired | Letterhead | Dated | Signed | Stamped
        | AmountMatches => "",
    }
}

/// A form reads its fields by `FieldId`; reading one it was not built with fails in a
/// debug build (`Form::value`). Every operation's form, prepared on the demo data where
/// it applies, filled and submitted, so that such a read is found here and not by a
/// person at the counter.
#[test]
fn every_form_reads_only_the_fields_it_was_built_with() {
    let f = crate::app::tests::seeded_fixture(60, 400, 7);
    let app = &f.app;
    // What the demo data has none of: an interrupted delay (to resume), a surplus (to
    // refund), a bank entry the import proposes (to confirm).
    let paul = Actor::person("paul", crate::app::Role::Admin, "SHA256:paul");
    let invoiced = app.orders_in_stage(Stage::Invoiced, 3);
    let [a, b, c] = &invoiced[..] else {
        panic!("three invoiced orders in the demo data")
    };
    let today = app.today();
    let issued = app
        .order_view(&a.number.to_string())
        .unwrap()
        .order
        .live_invoices()
        .next()
        .unwrap()
        .date;
    app.record_delay_notice(
        &paul,
        &a.number.to_string(),
        None,
        issued,
        &crate::domain::pipeline::DelayNotice::Interrupted {
            reason: "pièce".into(),
        },
    )
    .unwrap();
    let owed = app
        .order_view(&b.number.to_string())
        .unwrap()
        .order
        .outstanding();
    let more = owed + crate::domain::Cents(1000);
    app.record_overpayment(&paul, &b.number.to_string(), today, more, "M-1")
        .unwrap();
    let view = app.order_view(&c.number.to_string()).unwrap();
    let invoice = view.order.live_invoices().next().unwrap().number;
    let over = (view.order.outstanding() + crate::domain::Cents(500)).decimal();
    let mut done: Vec<OpKind> = Vec::new();
    let mut attempt = |spec: &'static OpSpec, target: Target| {
        if done.contains(&spec.kind) {
            return;
        }
        let op = Op {
            kind: spec.kind,
            target,
        };
        match (spec.prepare)(app, &op) {
            Ok(Prepared::Form(mut form, _)) => {
                for field in &mut form.fields {
                    if field.value.trim().is_empty() {
                        field.value = sample(field.name).to_string();
                    }
                    field.checked = true;
                }
                // Accepted or refused, what matters is what it read.
                let _ = (spec.submit)(&form);
                done.push(spec.kind);
            }
            Ok(Prepared::Confirm(..)) => done.push(spec.kind),
            Err(_) => {}
        }
    };
    for stage in Stage::ALL {
        for card in app.orders_in_stage(stage, 400) {
            let view = app.order_view(&card.number.to_string()).unwrap();
            let situation = Situation::of_order(&view);
            for spec in order_ops(&situation) {
                attempt(spec, Target::Order(card.number.to_string()));
            }
            for spec in &CUSTOMER_OPS {
                attempt(spec, Target::Customer(card.customer));
            }
        }
    }
    attempt(&NEW_CUSTOMER, Target::Shop);
    let product = app.products().unwrap()[0].sku.clone();
    for spec in &PRODUCT_OPS {
        let target = match spec.kind {
            OpKind::NewProduct => Target::Shop,
            _ => Target::Product(product.clone()),
        };
        attempt(spec, target);
    }
    let entry = |reference: &str, amount: &str, text: &str| {
        format!(
            "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-26</Dt></BookgDt><ValDt><Dt>2026-11-26</Dt></ValDt><AcctSvcrRef>{reference}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>M DUPONT</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    };
    let camt = format!(
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>T-1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>{}{}</Stmt></BkToCstmrStmt></Document>",
        entry("T-A", "12.34", "CHEQUE"),
        entry("T-B", &over, &format!("FACTURE {invoice}")),
    );
    let marie = Actor::person("marie", crate::app::Role::Staff, "SHA256:marie");
    app.import_statement(&marie, camt.as_bytes(), &crate::bank::formats())
        .unwrap();
    for entry in app.bank_entries(true).unwrap() {
        for spec in &bank::BANK_OPS {
            attempt(spec, Target::BankEntry(entry.id));
        }
    }
    let every: Vec<OpKind> = ORDER_OPS
        .iter()
        .chain(&CUSTOMER_OPS)
        .chain(&PRODUCT_OPS)
        .chain(&bank::BANK_OPS)
        .chain([&NEW_CUSTOMER])
        .map(|s| s.kind)
        .collect();
    let missed: Vec<&OpKind> = every.iter().filter(|k| !done.contains(k)).collect();
    assert!(
        missed.is_empty(),
        "never prepared on the demo data: {missed:?}"
    );
}

//! The specs of the order's and the customer's operations: their keys, labels, when they
//! apply, and the functions that prepare, read and run their forms.

use super::*;

/// Operations on an order, in the order the footer lists them.
pub(crate) const ORDER_OPS: [OpSpec; 22] = [
    OpSpec {
        kind: OpKind::PreOrder,
        when: "sur un devis en cours",
        issues: None,
        key: 'p',
        label: "pré-commande",
        short: "pré-commande",
        verb: "precommande",
        phrase: "Enregistrer la pré-commande de",
        applies: |s| s.stage == Stage::Quote,
        prepare: prepare_pre_order,
        submit: no_form,
        run: |app, who, t, _| {
            order_result(
                app.record_pre_order(who, order_of(t)),
                "pré-commande enregistrée",
            )
        },
    },
    OpSpec {
        kind: OpKind::ReceiveOriginal,
        when: "sur un devis ou une pré-commande",
        issues: None,
        key: 'r',
        label: "BC original reçu",
        short: "BC reçu",
        verb: "recu",
        phrase: "BC original reçu pour",
        applies: |s| matches!(s.stage, Stage::Quote | Stage::PreOrder),
        prepare: prepare_receive,
        submit: submit_receive,
        run: |app, who, t, args| match args {
            Args::Original(input) => order_result(
                app.mark_original_received(who, order_of(t), &input),
                "BC original enregistré",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Deliver,
        when: "une fois le bon de commande original reçu, tant qu'il reste à livrer",
        issues: Some(("Émettre le bon de livraison", "un bon de livraison")),
        key: 'b',
        label: "livrer (BL)",
        short: "livrer",
        verb: "livrer",
        phrase: "Livrer (bon de livraison)",
        applies: |s| s.stage == Stage::PoReceived,
        prepare: prepare_deliver,
        submit: submit_deliver,
        run: |app, who, t, args| {
            let q = match args {
                Args::Quantities(q) => Some(q),
                _ => None,
            };
            doc_result(
                app.issue_delivery_note(who, order_of(t), q.as_deref()),
                "Bon de livraison",
            )
        },
    },
    OpSpec {
        kind: OpKind::Invoice,
        when: "une fois des marchandises livrées et non facturées",
        issues: Some((
            "Émettre la facture",
            "une facture (PDF/A-3 avec son XML Factur-X)",
        )),
        key: 'f',
        label: "facturer",
        short: "facturer",
        verb: "facturer",
        phrase: "Facturer",
        applies: |s| s.stage == Stage::Delivered || (s.stage == Stage::PoReceived && s.to_invoice),
        prepare: prepare_invoice,
        submit: no_form,
        run: |app, who, t, _| doc_result(app.issue_invoice(who, order_of(t)), "Facture"),
    },
    OpSpec {
        kind: OpKind::Pay,
        when: "sur une facture émise et non soldée",
        issues: None,
        key: 'a',
        label: "encaisser",
        short: "encaisser",
        verb: "encaisser",
        phrase: "Enregistrer un paiement pour",
        applies: |s| has_live_invoice(s),
        prepare: prepare_pay,
        submit: submit_pay,
        run: |app, who, t, args| match args {
            Args::Payment {
                date,
                amount,
                reference,
                surplus: false,
            } => order_result(
                app.record_payment(who, order_of(t), date, amount, &reference),
                "paiement enregistré",
            ),
            Args::Payment {
                date,
                amount,
                reference,
                surplus: true,
            } => order_result(
                app.record_overpayment(who, order_of(t), date, amount, &reference),
                "paiement enregistré, trop-perçu à rembourser",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Revise,
        when: "sur un devis, avant l'original (une nouvelle version remplace l'ancienne)",
        issues: Some((
            "Émettre la nouvelle version",
            "un devis (PDF), nouvelle version, valable un mois",
        )),
        key: 'y',
        label: "modifier le devis",
        short: "modifier",
        verb: "modifier",
        phrase: "Modifier les lignes de",
        applies: |s| s.stage == Stage::Quote && !s.renewed,
        prepare: create::prepare_revise,
        submit: create::submit_revise,
        run: create::run_revise,
    },
    OpSpec {
        kind: OpKind::ChorusSend,
        when: "sur une facture ou un avoir émis (Chorus Pro configuré)",
        issues: None,
        key: 'S',
        label: "Chorus Pro",
        short: "Chorus Pro",
        verb: "chorus",
        phrase: "Déposer sur Chorus Pro une facture de",
        applies: |s| s.live_invoice,
        prepare: prepare_chorus_send,
        submit: submit_chorus_send,
        run: run_chorus_send,
    },
    OpSpec {
        kind: OpKind::Refund,
        when: "quand l'organisme a payé plus que ses factures (trop-perçu)",
        issues: None,
        key: 'g',
        label: "rembourser",
        short: "rembourser",
        verb: "rembourser",
        phrase: "Rembourser le trop-perçu de",
        applies: |s| s.credit_balance,
        prepare: prepare_refund,
        submit: submit_refund,
        run: |app, who, t, args| match args {
            Args::Payment {
                date,
                amount,
                reference,
                ..
            } => order_result(
                app.record_refund(who, order_of(t), date, amount, &reference),
                "remboursement enregistré",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::CreditNote,
        when: "sur une facture émise et non soldée",
        issues: Some(("Émettre l'avoir", "un avoir")),
        key: 'v',
        label: "avoir",
        short: "avoir",
        verb: "avoir",
        phrase: "Émettre un avoir pour",
        // A paid invoice can still be cancelled or reduced: what it was paid beyond is
        // then refunded.
        applies: |s| has_live_invoice(s) || (s.stage == Stage::Paid && s.live_invoice),
        prepare: prepare_credit,
        submit: submit_credit,
        run: |app, who, t, args| match args {
            Args::Credit {
                invoice,
                scope,
                reason,
            } => doc_result(
                app.issue_credit_note(who, order_of(t), invoice, &scope, &reason),
                "Avoir",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::ReceivedByBody,
        when: "sur une facture émise",
        issues: None,
        key: 'e',
        label: "réception",
        short: "réception par l'organisme",
        verb: "reception",
        phrase: "Date de réception de la facture par l'organisme pour",
        applies: has_live_invoice,
        prepare: |app, op| prepare_invoice_date(app, op, InvoiceDateForm::Receipt),
        submit: |form| submit_invoice_date(form, InvoiceDateForm::Receipt),
        run: run_delay,
    },
    OpSpec {
        kind: OpKind::Suspend,
        when: "sur une facture émise dont le délai n'est pas déjà interrompu",
        issues: None,
        key: 'i',
        label: "interruption",
        short: "interrompre le délai",
        verb: "interrompre",
        phrase: "Interruption du délai de paiement de",
        applies: |s| has_live_invoice(s) && !s.suspended,
        prepare: |app, op| prepare_invoice_date(app, op, InvoiceDateForm::Suspend),
        submit: |form| submit_invoice_date(form, InvoiceDateForm::Suspend),
        run: run_delay,
    },
    OpSpec {
        kind: OpKind::Resume,
        when: "quand le délai d'une facture est interrompu",
        issues: None,
        key: 'u',
        label: "reprise",
        short: "reprendre le délai",
        verb: "reprendre",
        phrase: "Reprise du délai de paiement de",
        applies: |s| s.suspended,
        prepare: |app, op| prepare_invoice_date(app, op, InvoiceDateForm::Resume),
        submit: |form| submit_invoice_date(form, InvoiceDateForm::Resume),
        run: run_delay,
    },
    OpSpec {
        kind: OpKind::PayInterest,
        when: "quand des intérêts moratoires ou l'indemnité sont dus",
        issues: None,
        key: 'm',
        label: "intérêts reçus",
        short: "intérêts reçus",
        verb: "interets",
        phrase: "Intérêts moratoires reçus pour",
        applies: |s| s.penalties_owed,
        prepare: prepare_pay_interest,
        submit: submit_pay_interest,
        run: |app, who, t, args| match args {
            Args::Payment {
                date,
                amount,
                reference,
                ..
            } => order_result(
                app.record_penalty_payment(who, order_of(t), date, amount, &reference),
                "intérêts moratoires reçus",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::WaiveInterest,
        when: "quand des intérêts moratoires ou l'indemnité sont dus (administrateurs)",
        issues: None,
        key: 'w',
        label: "abandon intérêts",
        short: "abandonner les intérêts",
        verb: "abandonner",
        phrase: "Abandonner les intérêts moratoires de",
        applies: |s| s.penalties_owed,
        prepare: prepare_waive,
        submit: submit_waive,
        run: |app, who, t, args| match args {
            Args::Waive { amount, reason } => order_result(
                app.waive_penalties(who, order_of(t), amount, &reason),
                "intérêts moratoires abandonnés",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::DeliverTo,
        when: "avant la première livraison",
        issues: None,
        key: 'o',
        label: "adresse/contact",
        short: "adresse et contact de livraison",
        verb: "adresse",
        phrase: "Adresse et contact de livraison de",
        applies: |s| {
            !s.delivered && matches!(s.stage, Stage::Quote | Stage::PreOrder | Stage::PoReceived)
        },
        prepare: prepare_deliver_to,
        submit: submit_deliver_to,
        run: |app, who, t, args| match args {
            Args::DeliverTo { address, contact } => order_result(
                app.choose_delivery(who, order_of(t), address, contact),
                "adresse et contact de livraison enregistrés",
            ),
            _ => missing_input(),
        },
    },
    OpSpec {
        kind: OpKind::Cancel,
        when: "avant toute livraison ou facture",
        issues: None,
        key: 'x',
        label: "annuler",
        short: "annuler",
        verb: "annuler",
        phrase: "Annuler",
        applies: |s| {
            matches!(s.stage, Stage::Quote | Stage::PreOrder)
                || (s.stage == Stage::PoReceived && !s.live_invoice)
        },
        prepare: |app, op| {
            let intro = order_intro(app, op)?.0;
            Ok(reason_form("Annuler la commande", intro, op))
        },
        submit: |form| {
            let reason = form.value(FieldId::Reason).to_string();
            let line =
                format!("Annuler la commande (motif : {reason}) ; les réservations sont libérées.");
            Ok((line, Args::Reason(reason)))
        },
        run: |app, who, t, args| {
            order_result(
                app.cancel_order(who, order_of(t), &reason_of(args)),
                "commande annulée",
            )
        },
    },
    OpSpec {
        kind: OpKind::RefuseQuote,
        when: "sur un devis ou une pré-commande",
        issues: None,
        key: 'z',
        label: "refusé par l'acheteur",
        short: "refus",
        verb: "refuser",
        phrase: "Devis refusé par l'acheteur :",
        applies: |s| matches!(s.stage, Stage::Quote | Stage::PreOrder),
        prepare: |app, op| {
            let intro = order_intro(app, op)?.0;
            Ok(reason_form("Devis refusé par l'acheteur", intro, op))
        },
        submit: |form| {
            let reason = form.value(FieldId::Reason).to_string();
            let line = format!("Marquer le devis comme refusé (motif : {reason}).");
            Ok((line, Args::Reason(reason)))
        },
        run: |app, who, t, args| {
            order_result(
                app.refuse_quote(who, order_of(t), &reason_of(args)),
                "devis refusé",
            )
        },
    },
    OpSpec {
        kind: OpKind::Renew,
        when: "sur un devis expiré",
        issues: Some(("Émettre le nouveau devis", "une nouvelle version du devis")),
        key: 'n',
        label: "renouveler",
        short: "renouveler",
        verb: "renouveler",
        phrase: "Renouveler le devis",
        applies: |s| s.stage == Stage::Expired,
        prepare: prepare_renew,
        submit: no_form,
        run: |app, who, t, _| match app.renew_quote(who, order_of(t)) {
            Ok(o) => (
                crate::ui::Level::Ok,
                format!(
                    "Devis renouvelé : {} (version {})",
                    o.number, o.quote.version
                ),
                Some(Follow::Order(o.number)),
            ),
            Err(e) => (crate::ui::Level::Error, e.to_string(), None),
        },
    },
    OpSpec {
        kind: OpKind::Remind,
        when: "quand une facture est échue et impayée",
        issues: None,
        key: 'l',
        label: "relancer",
        short: "lettre de relance (PDF, ssh … doc get LET-…)",
        verb: "relancer",
        phrase: "Écrire une relance pour",
        applies: |s| s.overdue,
        prepare: |app, op| letter_confirm(app, op, crate::domain::letter::LetterKind::Reminder),
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| letter_run(app, who, t, crate::domain::letter::LetterKind::Reminder),
    },
    OpSpec {
        kind: OpKind::FormalNotice,
        when: "quand une facture est échue et impayée",
        issues: None,
        key: 'L',
        label: "mise en demeure",
        short: "mise en demeure avec les intérêts à ce jour",
        verb: "demeure",
        phrase: "Écrire une mise en demeure pour",
        applies: |s| s.overdue,
        prepare: |app, op| letter_confirm(app, op, crate::domain::letter::LetterKind::FormalNotice),
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| {
            letter_run(app, who, t, crate::domain::letter::LetterKind::FormalNotice)
        },
    },
    OpSpec {
        kind: OpKind::ClaimInterest,
        when: "quand des intérêts moratoires restent dus sur une facture payée en retard",
        issues: None,
        key: 'I',
        label: "réclamer les intérêts",
        short: "demande des intérêts moratoires et de l'indemnité (45 j après le principal)",
        verb: "reclamer",
        phrase: "Réclamer les intérêts de",
        applies: |s| s.penalties_owed && !s.overdue,
        prepare: |app, op| {
            letter_confirm(app, op, crate::domain::letter::LetterKind::InterestClaim)
        },
        submit: |_| Ok((String::new(), Args::None)),
        run: |app, who, t, _| {
            letter_run(
                app,
                who,
                t,
                crate::domain::letter::LetterKind::InterestClaim,
            )
        },
    },
    OpSpec {
        kind: OpKind::EmailSend,
        when: "toujours ([smtp] configuré)",
        issues: None,
        key: '@',
        label: "envoyer par e-mail",
        short: "envoyer un document ou un courrier par e-mail (au contact de la commande)",
        verb: "envoyer",
        phrase: "Envoyer par e-mail un document de",
        applies: |_| true,
        prepare: prepare_email,
        submit: submit_email,
        run: |app, who, _t, args| match args {
            Args::Mail { reference, to } => match app.send_document(who, &reference, Some(&to)) {
                Ok(m) => (crate::ui::Level::Ok, m.describe(), None),
                Err(e) => (crate::ui::Level::Error, e.to_string(), None),
            },
            _ => missing_input(),
        },
    },
];

/// Operations on a customer (its screen).
pub(crate) const CUSTOMER_OPS: [OpSpec; 6] = [
    OpSpec {
        kind: OpKind::Approve,
        when: "toujours",
        issues: None,
        key: 'a',
        label: "approuver",
        short: "approuver",
        verb: "approuver",
        phrase: "Approuver pour le mandat administratif",
        applies: |_| true,
        prepare: |app, op| prepare_eligibility(app, op, true),
        submit: |form| submit_eligibility(form, EligibilityStatus::Approved),
        run: |app, who, t, args| eligibility(app, who, t, EligibilityStatus::Approved, args),
    },
    OpSpec {
        kind: OpKind::RefuseCustomer,
        when: "toujours",
        issues: None,
        key: 'r',
        label: "refuser",
        short: "refuser",
        verb: "refuser",
        phrase: "Refuser le mandat administratif",
        applies: |_| true,
        prepare: |app, op| prepare_eligibility(app, op, false),
        submit: |form| submit_eligibility(form, EligibilityStatus::Refused),
        run: |app, who, t, args| eligibility(app, who, t, EligibilityStatus::Refused, args),
    },
    OpSpec {
        kind: OpKind::EditContacts,
        when: "toujours",
        issues: None,
        key: 'c',
        label: "contacts",
        short: "corriger les contacts",
        verb: "contacts",
        phrase: "Corriger les contacts de",
        applies: |_| true,
        prepare: correct::prepare_contacts,
        submit: correct::submit_contacts,
        run: correct::run,
    },
    OpSpec {
        kind: OpKind::EditAddresses,
        when: "toujours",
        issues: None,
        key: 'd',
        label: "adresses",
        short: "corriger les adresses",
        verb: "adresses",
        phrase: "Corriger les adresses de",
        applies: |_| true,
        prepare: correct::prepare_addresses,
        submit: correct::submit_addresses,
        run: correct::run,
    },
    OpSpec {
        kind: OpKind::EditRouting,
        when: "toujours",
        issues: None,
        key: 'm',
        label: "Chorus/marché",
        short: "routage Chorus Pro et marché",
        verb: "chorus",
        phrase: "Routage Chorus Pro et marché de",
        applies: |_| true,
        prepare: correct::prepare_routing,
        submit: correct::submit_routing,
        run: correct::run,
    },
    OpSpec {
        kind: OpKind::NewQuote,
        when: "sur un client qui n'est pas refusé",
        issues: Some(("Émettre le devis", "un devis (PDF), valable un mois")),
        key: 'n',
        label: "nouveau devis",
        short: "nouveau devis depuis le catalogue",
        verb: "devis",
        phrase: "Nouveau devis pour",
        applies: |_| true,
        prepare: create::prepare_quote,
        submit: create::submit_quote,
        run: create::run_quote,
    },
];

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

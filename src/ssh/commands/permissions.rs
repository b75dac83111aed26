//! What each `ssh host COMMAND` is in the permission table: the commands' side of
//! `domain::permission`.

use crate::app::{Permission, Role};

/// What each command is, as a [`Permission`]: who may run it is the permission's roles
/// (the one table, `domain::permission`), never written here. Every leaf of the grammar has
/// exactly one row (a test walks the tree): a new subcommand without one is refused to
/// everyone until it is given one.
pub(super) const COMMANDS: &[(&str, Permission)] = &[
    ("whoami", Permission::Read),
    ("customers search", Permission::Read),
    ("customer create", Permission::Customer),
    ("customer show", Permission::Read),
    ("customer statement", Permission::Export),
    ("customer approve", Permission::Eligibility),
    ("customer refuse", Permission::Eligibility),
    ("customer contact add", Permission::Customer),
    ("customer contact set", Permission::Customer),
    ("customer contact remove", Permission::Customer),
    ("customer address add", Permission::Customer),
    ("customer address set", Permission::Customer),
    ("customer address remove", Permission::Customer),
    ("customer chorus", Permission::Customer),
    ("orders", Permission::Read),
    ("order show", Permission::Read),
    ("order preorder", Permission::OrderStep),
    ("order remind", Permission::Letter),
    ("order claim-interest", Permission::Letter),
    ("order letters", Permission::Read),
    ("order receive-original", Permission::OrderStep),
    ("order deliver", Permission::IssueDocument),
    ("order invoice", Permission::IssueDocument),
    ("order pay", Permission::Payment),
    ("order refund", Permission::Payment),
    ("order cancel", Permission::OrderStep),
    ("order refuse", Permission::Quote),
    ("order credit-note", Permission::IssueDocument),
    ("order received-by-body", Permission::PaymentDelay),
    ("order suspend", Permission::PaymentDelay),
    ("order resume", Permission::PaymentDelay),
    ("order pay-interest", Permission::Payment),
    ("order waive-interest", Permission::WaiveInterest),
    ("order renew", Permission::Quote),
    ("order attach-po", Permission::OrderStep),
    ("order deliver-to", Permission::OrderStep),
    ("quote create", Permission::Quote),
    ("quote import", Permission::Quote),
    ("quote revise", Permission::Quote),
    ("doc get", Permission::Read),
    ("doc xml", Permission::Read),
    ("doc list", Permission::Read),
    ("doc pack", Permission::Export),
    ("doc send", Permission::SendEmail),
    ("catalogue list", Permission::Read),
    ("catalogue import", Permission::Catalogue),
    ("stock list", Permission::Read),
    ("stock add", Permission::Stock),
    ("keys list", Permission::ManageAccess),
    ("keys add", Permission::ManageAccess),
    ("keys revoke", Permission::ManageAccess),
    ("keys role", Permission::ManageAccess),
    ("sessions list", Permission::Sessions),
    ("sessions penalties", Permission::Sessions),
    ("sessions kill", Permission::Sessions),
    ("pubkey list", Permission::Read),
    ("pubkey add", Permission::OwnKeys),
    ("pubkey remove", Permission::OwnKeys),
    ("chorus send", Permission::ChorusSend),
    ("chorus sync", Permission::ChorusSync),
    ("chorus status", Permission::Read),
    ("chorus structure", Permission::Read),
    ("bank import", Permission::BankImport),
    ("bank list", Permission::Read),
    ("bank confirm", Permission::BankReconcile),
    ("bank assign", Permission::BankReconcile),
    ("bank dismiss", Permission::BankReconcile),
    ("export fec", Permission::Export),
    ("export aged", Permission::Export),
    ("export invoices", Permission::Export),
    ("backup", Permission::Backup),
    ("check", Permission::Check),
    ("audit", Permission::Audit),
];

/// The permission of the command at `path` (`order deliver`); `None` for a path the
/// table does not know (refused to everyone).
pub(super) fn permission(path: &str) -> Option<Permission> {
    COMMANDS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, perm)| *perm)
}

/// Whether `role` may run the command at `path`: `Err` carries the French refusal.
pub(super) fn gate(path: &str, role: Role) -> Result<(), String> {
    match permission(path) {
        Some(p) if p.allows(role) => Ok(()),
        Some(p) => Err(p.refusal(role)),
        None => Err(format!("« {path} » n'a pas de permission : refusé")),
    }
}

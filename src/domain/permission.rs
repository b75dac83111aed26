//! Who may do what: the one table. Every operation of comptoir — a console key, an
//! `ssh host COMMAND`, an access change — is a [`Permission`], and [`Permission::roles`]
//! (an exhaustive match: a new permission without its roles does not compile) is the only
//! place that names the roles allowed. The console (keys say « réservé aux … » before a
//! form opens), the commands (refusal in French, exit 1), the generated `help` (what the
//! connected role may run) and the app (inside the write transaction) all read it.

use super::Role;

macro_rules! permissions {
    ($($(#[$doc:meta])* $v:ident,)*) => {
        /// An operation someone may be allowed to do.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($(#[$doc])* $v,)*
        }

        impl Permission {
            /// Every permission, in the order of the table (generated with the enum: none
            /// can be left out).
            pub const ALL: &'static [Permission] = &[$(Permission::$v,)*];
        }
    };
}

permissions! {
    /// Screens, search, orders, customers, documents and letters as issued, alerts.
    Read,
    /// The FEC, the invoices and aged balance as CSV, documents and payment packs.
    Export,
    /// Verifying every invariant of the store (numbering, hashes, counters).
    Check,
    /// A consistent copy of the whole store.
    Backup,
    /// The audit trail.
    Audit,
    /// Quotes: made by hand or imported from the web shop, revised, renewed, refused.
    Quote,
    /// Order steps without a document: pre-order, original received, delivery address,
    /// cancellation, the purchase order's scan.
    OrderStep,
    /// Issuing delivery notes, invoices and credit notes.
    IssueDocument,
    /// Payments, refunds and interest received, typed by hand.
    Payment,
    /// The payment delay: receipt by the body, suspension, resumption.
    PaymentDelay,
    /// Waiving moratory interest and the indemnity.
    WaiveInterest,
    /// Reminders, formal notices and interest claims.
    Letter,
    /// Sending a document or a letter by e-mail.
    SendEmail,
    /// Depositing an invoice or a credit note on Chorus Pro.
    ChorusSend,
    /// Running the Chorus Pro queue and reading statuses now.
    ChorusSync,
    /// Creating customers and correcting their contacts, addresses and routing.
    Customer,
    /// Deciding a body's eligibility to the administrative procedure.
    Eligibility,
    /// Stock adjustments.
    Stock,
    /// The catalogue: products, prices, VAT rates.
    Catalogue,
    /// Importing bank statements.
    BankImport,
    /// Reconciling bank entries: confirming, assigning, dismissing.
    BankReconcile,
    /// One's own keys (adding or removing a key of one's own).
    OwnKeys,
    /// Access: people, keys and roles.
    ManageAccess,
    /// Live sessions and login penalties: listing and ending them.
    Sessions,
}

impl Permission {
    /// The roles allowed: the table.
    pub fn roles(self) -> &'static [Role] {
        use Permission::*;
        use Role::*;
        const EVERYONE: &[Role] = &[Staff, Admin, Comptable];
        const TEAM: &[Role] = &[Staff, Admin];
        const ADMINS: &[Role] = &[Admin];
        const BOOKS: &[Role] = &[Admin, Comptable];
        match self {
            Read | Export | ChorusSync | BankImport | BankReconcile => EVERYONE,
            Quote | OrderStep | IssueDocument | Payment | PaymentDelay | Letter | SendEmail
            | ChorusSend | Customer | Stock | OwnKeys => TEAM,
            Check | Audit => BOOKS,
            Backup | WaiveInterest | Eligibility | Catalogue | ManageAccess | Sessions => ADMINS,
        }
    }

    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// Whether it changes the shop's records (quotes, orders, documents, customers,
    /// stock, catalogue, access) — what a read-only seat never does. Reading, exports,
    /// checks and the bank's reconciliation do not.
    pub fn writes(self) -> bool {
        use Permission::*;
        match self {
            Read | Export | Check | Backup | Audit | ChorusSync | BankImport | BankReconcile => {
                false
            }
            Quote | OrderStep | IssueDocument | Payment | PaymentDelay | WaiveInterest | Letter
            | SendEmail | ChorusSend | Customer | Eligibility | Stock | Catalogue | OwnKeys
            | ManageAccess | Sessions => true,
        }
    }

    /// What it is, in French (the rendered table, `help`).
    pub fn label(self) -> &'static str {
        use Permission::*;
        match self {
            Read => "consulter (écrans, recherche, commandes, documents)",
            Export => "exporter (FEC, CSV, documents, dossiers de paiement)",
            Check => "vérifier le magasin",
            Backup => "sauvegarder le magasin",
            Audit => "lire le journal d'audit",
            Quote => "devis (établir, importer, réviser, renouveler, refuser)",
            OrderStep => "étapes de commande (pré-commande, original, adresse, annulation)",
            IssueDocument => "émettre bons de livraison, factures et avoirs",
            Payment => "saisir paiements, remboursements et intérêts reçus",
            PaymentDelay => "délai de paiement (réception, suspension, reprise)",
            WaiveInterest => "abandonner des intérêts moratoires",
            Letter => "relances, mises en demeure et demandes d'intérêts",
            SendEmail => "envoyer par e-mail",
            ChorusSend => "déposer sur Chorus Pro",
            ChorusSync => "synchroniser Chorus Pro",
            Customer => "clients (créer, corriger)",
            Eligibility => "éligibilité des organismes",
            Stock => "ajuster le stock",
            Catalogue => "catalogue (produits, prix, TVA)",
            BankImport => "importer des relevés bancaires",
            BankReconcile => "rapprocher les relevés bancaires",
            OwnKeys => "gérer ses propres clés",
            ManageAccess => "gérer les accès (personnes, clés, rôles)",
            Sessions => "sessions et pénalités de connexion",
        }
    }

    /// « réservé aux administrateurs », « réservé à l'équipe et aux administrateurs »…
    pub fn reserved(self) -> String {
        let names: Vec<String> = self
            .roles()
            .iter()
            .map(|r| match r {
                Role::Staff => "à l'équipe".to_string(),
                other => format!("aux {}", other.plural_fr()),
            })
            .collect();
        let list = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
            None => "à personne".into(),
        };
        format!("réservé {list}")
    }

    /// The refusal a person of `role` gets, the same on every surface.
    pub fn refusal(self, role: Role) -> String {
        format!(
            "{} : {} (vous êtes {})",
            capitalised(self.label()),
            self.reserved(),
            role.label()
        )
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The table as text, one row per permission (the README's and the closing note's).
pub fn table() -> String {
    let mut out = String::from("| Opération | staff | admin | comptable |\n|---|---|---|---|\n");
    for p in Permission::ALL {
        let mark = |r: Role| if p.allows(r) { "✓" } else { "—" };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            p.label(),
            mark(Role::Staff),
            mark(Role::Admin),
            mark(Role::Comptable)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comptable_changes_nothing_and_reads_everything() {
        for p in Permission::ALL {
            if p.allows(Role::Comptable) {
                assert!(!p.writes(), "{p:?}");
            }
            if !p.writes() && *p != Permission::Backup {
                assert!(p.allows(Role::Comptable), "{p:?}");
            }
        }
        assert!(Role::Comptable.read_only());
        assert!(!Role::Staff.read_only() && !Role::Admin.read_only());
        // Admins may do everything.
        assert!(Permission::ALL.iter().all(|p| p.allows(Role::Admin)));
    }

    #[test]
    fn the_readme_shows_the_table_as_it_is() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&table()),
            "README.md « Roles » must hold the table as the code has it:\n{}",
            table()
        );
    }

    #[test]
    fn refusals_say_who_may() {
        assert_eq!(
            Permission::WaiveInterest.reserved(),
            "réservé aux administrateurs"
        );
        assert_eq!(
            Permission::IssueDocument.reserved(),
            "réservé à l'équipe et aux administrateurs"
        );
        assert_eq!(
            Permission::Check.reserved(),
            "réservé aux administrateurs et aux comptables"
        );
        assert_eq!(
            Permission::IssueDocument.refusal(Role::Comptable),
            "Émettre bons de livraison, factures et avoirs : réservé à l'équipe et aux administrateurs (vous êtes comptable)"
        );
        let t = table();
        assert_eq!(t.lines().count(), Permission::ALL.len() + 2);
    }
}

//! The grammar of `ssh host COMMAND`: one clap tree, from which the commands are parsed
//! and the `help` text is generated (`help.rs`); what each command is in the permission
//! table is `permissions.rs`. Closed sets (stages, roles)
//! are value enums, so a typo is a usage error listing the valid values.

use crate::app::Role;
use crate::domain::money::parse_eur;
use crate::domain::{Cents, Date, Stage, VatRate};
use clap::builder::PossibleValue;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// A day as staff write it (`2026-03-01` or `01/03/2026`), read by clap: a bad one is a
/// usage error naming the option.
fn day(s: &str) -> Result<Date, String> {
    Date::parse_fr(s)
        .ok_or_else(|| format!("« {s} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"))
}

/// An amount in euros (`1234,56`, `-5`), read by clap.
fn euros(s: &str) -> Result<Cents, String> {
    parse_eur(s).ok_or_else(|| format!("« {s} » n'est pas un montant en euros (1234,56)"))
}

/// A VAT rate in percent (`20`, `5,5`), read by clap.
fn vat_rate(s: &str) -> Result<VatRate, String> {
    VatRate::parse_percent(s)
        .ok_or_else(|| format!("« {s} » n'est pas un taux de TVA (20, 10, 5.5, 2.1 ou 0)"))
}

impl ValueEnum for Stage {
    fn value_variants<'a>() -> &'a [Self] {
        &Stage::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.slug()))
    }
}

impl ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.label()))
    }
}

#[derive(Parser)]
#[command(
    name = "comptoir",
    no_binary_name = true,
    disable_version_flag = true,
    about = "comptoir over ssh: every console action as a command"
)]
struct Remote {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
pub(super) enum Cmd {
    /// Qui suis-je : nom, rôle, empreinte de clé
    Whoami,
    /// Chercher un client
    Customers {
        #[command(subcommand)]
        what: CustomersCmd,
    },
    /// Un client
    Customer {
        #[command(subcommand)]
        what: CustomerCmd,
    },
    /// Commandes d'une colonne du tableau (toutes les commandes en cours par défaut)
    Orders {
        #[arg(long, value_enum)]
        stage: Option<Stage>,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Une commande et son déroulement
    Order {
        #[command(subcommand)]
        what: OrderCmd,
    },
    /// Devis du site
    Quote {
        #[command(subcommand)]
        what: QuoteCmd,
    },
    /// Documents émis
    Doc {
        #[command(subcommand)]
        what: DocCmd,
    },
    /// Catalogue des produits (références, prix, TVA)
    Catalogue {
        #[command(subcommand)]
        what: CatalogueCmd,
    },
    /// Stock du catalogue
    Stock {
        #[command(subcommand)]
        what: StockCmd,
    },
    /// Personnes et clés
    Keys {
        #[command(subcommand)]
        what: KeysCmd,
    },
    /// Sessions en cours
    Sessions {
        #[command(subcommand)]
        what: SessionsCmd,
    },
    /// Vos clés publiques
    Pubkey {
        #[command(subcommand)]
        what: PubkeyCmd,
    },
    /// Chorus Pro : dépôts, statuts, exigences des organismes
    Chorus {
        #[command(subcommand)]
        what: ChorusCmd,
    },
    /// Relevés bancaires : import (camt.053, CFONB 120) et rapprochement
    Bank {
        #[command(subcommand)]
        what: BankCmd,
    },
    /// Exports comptables
    Export {
        #[command(subcommand)]
        what: ExportCmd,
    },
    /// Copie cohérente du magasin, sans arrêter le serveur (redb sur la sortie standard :
    /// ssh hôte backup > comptoir-AAAA-MM-JJ.redb)
    Backup,
    /// Vérifier tous les invariants du magasin en service
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Journal d'audit (les connexions successives d'une même clé en une ligne)
    Audit(AuditArgs),
}

/// `audit`'s filters and form.
#[derive(clap::Args)]
pub(super) struct AuditArgs {
    /// Seulement à partir de ce jour (AAAA-MM-JJ)
    #[arg(long, value_parser = day)]
    pub since: Option<Date>,
    /// Jusqu'à ce jour inclus
    #[arg(long, value_parser = day)]
    pub until: Option<Date>,
    /// Les actions d'une personne
    #[arg(long)]
    pub person: Option<String>,
    /// acces, refus, documents, paiements, clients, stock, commandes (ou une action)
    #[arg(long)]
    pub kind: Option<String>,
    /// Les actions d'une connexion (son identifiant, « session= » dans le journal)
    #[arg(long)]
    pub session: Option<String>,
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

impl Cmd {
    /// Commands that read standard input (a quote, a public key).
    pub(super) fn reads_stdin(&self) -> bool {
        matches!(
            self,
            Cmd::Quote {
                what: QuoteCmd::Import
            } | Cmd::Keys {
                what: KeysCmd::Add { .. }
            } | Cmd::Pubkey {
                what: PubkeyCmd::Add
            } | Cmd::Order {
                what: OrderCmd::AttachPo { .. }
            } | Cmd::Catalogue {
                what: CatalogueCmd::Import
            } | Cmd::Bank {
                what: BankCmd::Import { .. }
            }
        )
    }

    /// The most standard input the command takes.
    pub(super) fn stdin_limit(&self) -> usize {
        match self {
            Cmd::Bank { .. } => crate::app::bank::MAX_STATEMENT_BYTES,
            _ => super::MAX_STDIN,
        }
    }
}

#[derive(Subcommand)]
pub(super) enum CustomersCmd {
    /// Recherche floue : nom, ville, SIRET, contact, n° de document
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(super) enum CustomerCmd {
    /// Créer un client à la main (SIRET vérifié, catégorie juridique → éligibilité)
    Create {
        #[arg(long)]
        siret: String,
        /// Raison sociale
        #[arg(long)]
        legal_name: String,
        /// Catégorie juridique INSEE (7210 commune, 7331 lycée…)
        #[arg(long)]
        categorie: String,
        #[command(flatten)]
        address: AddressArgs,
        #[arg(long)]
        contact_name: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        service_code: Option<String>,
        #[arg(long)]
        service_code_required: bool,
        #[arg(long)]
        engagement_required: bool,
        #[arg(long)]
        market_ref: Option<String>,
    },
    /// Fiche client
    Show {
        siret: String,
        #[arg(long)]
        json: bool,
    },
    /// Relevé de compte : factures, avoirs, paiements, remboursements et solde, en PDF
    /// (ssh hôte customer statement SIRET > releve.pdf) ou --json
    Statement {
        siret: String,
        /// Premier jour (AAAA-MM-JJ ou JJ/MM/AAAA ; depuis le premier mouvement par défaut)
        #[arg(long, value_parser = day)]
        from: Option<Date>,
        /// Dernier jour inclus (aujourd'hui par défaut)
        #[arg(long, value_parser = day)]
        to: Option<Date>,
        #[arg(long)]
        json: bool,
    },
    /// Approuver un organisme pour le mandat administratif
    Approve {
        siret: String,
        #[arg(long)]
        reason: String,
    },
    /// Refuser le mandat administratif à un organisme
    Refuse {
        siret: String,
        #[arg(long)]
        reason: String,
    },
    /// Corriger les contacts (numérotés comme dans « customer show »)
    Contact {
        #[command(subcommand)]
        what: ContactCmd,
    },
    /// Corriger les adresses de livraison ou l'adresse d'en-tête
    Address {
        #[command(subcommand)]
        what: AddressCmd,
    },
    /// Routage Chorus Pro et référence du marché (une valeur vide efface)
    Chorus {
        siret: String,
        #[arg(long)]
        service_code: Option<String>,
        #[arg(long, value_parser = oui_non)]
        service_code_required: Option<bool>,
        #[arg(long, value_parser = oui_non)]
        engagement_required: Option<bool>,
        /// Référence du marché (BT-12) reprise sur les commandes de ce client
        #[arg(long)]
        market_ref: Option<String>,
    },
}

/// `ENC-01:3`: a product reference and a quantity.
fn sku_quantity(s: &str) -> Result<(String, u32), String> {
    let (sku, qty) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("« {s} » : écrivez RÉFÉRENCE:QUANTITÉ, par ex. ENC-01:3"))?;
    let qty = qty
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("« {s} » : la quantité « {qty} » n'est pas un entier positif"))?;
    Ok((sku.trim().to_string(), qty))
}

/// `oui` / `non` (or `true` / `false`).
fn oui_non(s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "oui" | "o" | "true" | "1" => Ok(true),
        "non" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("« {s} » : répondez oui ou non")),
    }
}

#[derive(Subcommand)]
pub(super) enum ContactCmd {
    /// Ajouter un contact
    Add {
        siret: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        email: String,
    },
    /// Corriger le contact N (seuls les champs donnés changent)
    Set {
        siret: String,
        index: usize,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Retirer le contact N
    Remove { siret: String, index: usize },
}

/// The fields of an address given on the command line.
#[derive(clap::Args)]
pub(super) struct AddressArgs {
    /// Destinataire (« Lycée Ampère — intendance »)
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub street: Option<String>,
    /// Complément (bâtiment, BP…)
    #[arg(long)]
    pub extra: Option<String>,
    #[arg(long)]
    pub postcode: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
}

#[derive(Subcommand)]
pub(super) enum AddressCmd {
    /// Ajouter une adresse de livraison
    Add {
        siret: String,
        #[command(flatten)]
        fields: AddressArgs,
    },
    /// Corriger l'adresse de livraison N, ou l'adresse d'en-tête avec --header
    Set {
        siret: String,
        index: Option<usize>,
        #[arg(long)]
        header: bool,
        #[command(flatten)]
        fields: AddressArgs,
    },
    /// Retirer l'adresse de livraison N
    Remove { siret: String, index: usize },
}

#[derive(Subcommand)]
pub(super) enum OrderCmd {
    /// Une commande (N = DEV-AAAA-NNNNN, ou la référence du site, le n° de bon de commande
    /// ou d'un document)
    Show {
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Pré-commande : la copie du bon de commande est arrivée par e-mail
    Preorder { number: String },
    /// Lettre de relance des factures échues et impayées (--formal : mise en demeure,
    /// avec les intérêts moratoires et l'indemnité à ce jour) ; le PDF : doc get LET-…
    Remind {
        number: String,
        #[arg(long)]
        formal: bool,
    },
    /// Demande de paiement des intérêts moratoires et de l'indemnité d'une facture payée
    /// en retard, 45 jours après le principal (art. R2192-36)
    ClaimInterest { number: String },
    /// Les courriers écrits à propos d'une commande
    Letters {
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Bon de commande original reçu ; chaque point vérifié est exigé
    ReceiveOriginal {
        number: String,
        #[arg(long)]
        po_number: String,
        #[arg(long, value_parser = day)]
        po_date: Date,
        #[arg(long)]
        letterhead: bool,
        #[arg(long)]
        dated: bool,
        #[arg(long)]
        signed: bool,
        #[arg(long)]
        stamped: bool,
        #[arg(long)]
        amount_matches: bool,
        /// Référence du marché (BT-12), facultative
        #[arg(long)]
        contract: Option<String>,
    },
    /// Bon de livraison (tout le reste, ou --quantities 2,0,1 par ligne)
    Deliver {
        number: String,
        #[arg(long, value_delimiter = ',')]
        quantities: Option<Vec<u32>>,
    },
    /// Facture de ce qui a été livré
    Invoice { number: String },
    /// Paiement par mandat
    Pay {
        number: String,
        #[arg(long, value_parser = day)]
        date: Date,
        #[arg(long, value_parser = euros)]
        amount: Cents,
        #[arg(long)]
        reference: String,
        /// Accepter un montant supérieur au reste dû (vu sur le relevé bancaire) : l'excédent
        /// est un trop-perçu à rembourser
        #[arg(long)]
        surplus: bool,
    },
    /// Remboursement d'un trop-perçu à l'organisme (virement émis)
    Refund {
        number: String,
        #[arg(long, value_parser = day)]
        date: Date,
        #[arg(long, value_parser = euros)]
        amount: Cents,
        /// Référence du virement de remboursement
        #[arg(long)]
        reference: String,
    },
    /// Annuler (avant livraison)
    Cancel {
        number: String,
        #[arg(
            long,
            default_value = "annulation demandée (commande ssh, sans motif précisé)"
        )]
        reason: String,
    },
    /// Devis refusé par l'acheteur
    Refuse {
        number: String,
        #[arg(long, default_value = "devis refusé par l'acheteur")]
        reason: String,
    },
    /// Avoir : annule une facture, ou la réduit (--quantities par ligne, ou --amount HT)
    CreditNote {
        number: String,
        #[arg(long)]
        invoice: Option<String>,
        /// Quantités à créditer par ligne de la commande (ex. 0,2,1) : avoir partiel
        #[arg(long, value_delimiter = ',', conflicts_with = "amount")]
        quantities: Option<Vec<u32>>,
        /// Montant HT de la réduction (ex. 120,50) : avoir partiel
        #[arg(long, value_parser = euros)]
        amount: Option<Cents>,
        /// Taux de TVA de la réduction, si la facture en a plusieurs (ex. 20)
        #[arg(long, requires = "amount", value_parser = vat_rate)]
        vat: Option<VatRate>,
        #[arg(long)]
        reason: String,
    },
    /// Date de réception de la facture par l'organisme (notification Chorus Pro)
    ReceivedByBody {
        number: String,
        #[arg(long, value_parser = day)]
        date: Date,
        #[arg(long)]
        invoice: Option<String>,
    },
    /// Interruption du délai de paiement par l'organisme (R2192-27), ou sa reprise
    Suspend {
        number: String,
        /// Date de la notification d'interruption
        #[arg(long, value_parser = day)]
        date: Date,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        invoice: Option<String>,
    },
    /// Reprise du délai : les pièces manquantes sont parvenues (R2192-29)
    Resume {
        number: String,
        #[arg(long, value_parser = day)]
        date: Date,
        #[arg(long)]
        invoice: Option<String>,
    },
    /// Intérêts moratoires et indemnité reçus (à part du principal)
    PayInterest {
        number: String,
        #[arg(long, value_parser = day)]
        date: Date,
        #[arg(long, value_parser = euros)]
        amount: Cents,
        #[arg(long)]
        reference: String,
    },
    /// Abandon des intérêts moratoires et de l'indemnité dus (admin, motif obligatoire)
    WaiveInterest {
        number: String,
        /// Montant abandonné (tout ce qui est dû par défaut)
        #[arg(long, value_parser = euros)]
        amount: Option<Cents>,
        #[arg(long)]
        reason: String,
    },
    /// Renouveler un devis expiré
    Renew { number: String },
    /// Joindre le scan du bon de commande original (PDF, PNG ou JPEG sur l'entrée standard)
    AttachPo { number: String },
    /// Choisir l'adresse de livraison et le contact parmi ceux du client (n° à partir de 1,
    /// voir customer show), jusqu'à la première livraison
    DeliverTo {
        number: String,
        /// N° de l'adresse de livraison du client
        #[arg(long)]
        address: Option<usize>,
        /// N° du contact du client
        #[arg(long)]
        contact: Option<usize>,
    },
}

#[derive(Subcommand)]
pub(super) enum ChorusCmd {
    /// Déposer une facture ou un avoir sur Chorus Pro (mis en file, envoyé aussitôt)
    Send { number: String },
    /// Envoyer ce qui attend et lire les statuts maintenant
    Sync,
    /// Où en est un document sur Chorus Pro ; sans numéro, ce qui attend ou demande
    /// une action
    Status {
        number: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Ce que Chorus Pro exige d'un organisme (code service, n° d'engagement) et ses
    /// services actifs
    Structure {
        siret: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(super) enum BankCmd {
    /// Importer un relevé lu sur l'entrée standard (ssh hôte bank import < releve.xml) :
    /// les virements qui citent leurs factures sont appliqués, les autres proposés ou
    /// laissés à rapprocher
    Import {
        #[arg(long)]
        json: bool,
    },
    /// Les entrées importées qui attendent une décision (--all : toutes)
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Confirmer ce que l'import a proposé pour l'entrée n° ID
    Confirm { id: u64 },
    /// Désigner les factures que paie l'entrée n° ID (réparti dans l'ordre donné)
    Assign { id: u64, invoices: Vec<String> },
    /// Écarter l'entrée n° ID (ce n'est le paiement d'aucune facture), avec la raison
    Dismiss {
        id: u64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub(super) enum ExportCmd {
    /// Fichier des écritures comptables d'une année (ssh hôte export fec --year 2026 >
    /// SIRENFEC20261231.txt)
    Fec {
        #[arg(long)]
        year: i32,
    },
    /// Balance âgée des créances (non échu, 1–30, 31–60, 61–90, plus de 90 jours), CSV
    Aged,
    /// Factures et avoirs d'une période, pour un tableur
    Invoices {
        /// Premier jour (AAAA-MM-JJ ou JJ/MM/AAAA)
        #[arg(long, value_parser = day)]
        from: Date,
        /// Dernier jour inclus
        #[arg(long, value_parser = day)]
        to: Date,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum ExportFormat {
    Csv,
    Json,
}

#[derive(Subcommand)]
pub(super) enum QuoteCmd {
    /// Établir un devis à la main depuis le catalogue : --line REF:QTE (répétable)
    Create {
        /// SIRET ou numéro du client
        customer: String,
        #[arg(long = "line", required = true, value_parser = sku_quantity)]
        lines: Vec<(String, u32)>,
        /// Adresse de livraison n° (customer show ; la première par défaut)
        #[arg(long)]
        address: Option<usize>,
        /// Contact n° (le premier par défaut)
        #[arg(long)]
        contact: Option<usize>,
    },
    /// Importer un devis du site (JSON sur l'entrée standard)
    Import,
    /// Modifier les lignes d'un devis avant l'original : une nouvelle version (les lignes
    /// déjà au devis gardent leur prix), l'ancienne gardée et remplacée
    Revise {
        number: String,
        #[arg(long = "line", required = true, value_parser = sku_quantity)]
        lines: Vec<(String, u32)>,
    },
}

#[derive(Subcommand)]
pub(super) enum DocCmd {
    /// Le PDF tel qu'émis (binaire sur la sortie standard) ; aussi un courrier (LET-…)
    Get { number: String },
    /// Le XML Factur-X d'une facture ou d'un avoir
    Xml { number: String },
    /// Documents émis, du plus récent au plus ancien
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Dossier comptable d'une facture : facture + RIB + bon de commande, un PDF
    Pack { number: String },
    /// Envoyer par e-mail (relais [smtp]) un devis, un bon de livraison, une facture (son
    /// dossier de paiement), un avoir ou un courrier LET-… ; au contact de la commande,
    /// ou --to adresse[,adresse]
    Send {
        number: String,
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum CatalogueCmd {
    /// Produits, prix HT, TVA et stock disponible
    List {
        #[arg(long)]
        json: bool,
    },
    /// Créer ou mettre à jour des produits depuis un CSV sur l'entrée standard, dont la
    /// première ligne nomme les colonnes : sku;designation;prix_ht;tva[;stock]
    Import,
}

#[derive(Subcommand)]
pub(super) enum StockCmd {
    /// Niveaux de stock
    List {
        #[arg(long)]
        json: bool,
    },
    /// Ajouter (ou retirer, négatif) des unités
    Add {
        sku: String,
        #[arg(allow_hyphen_values = true)]
        quantity: i64,
        #[arg(long, default_value = "réception fournisseur")]
        reason: String,
    },
}

#[derive(Subcommand)]
pub(super) enum KeysCmd {
    /// Personnes et clés
    List {
        #[arg(long)]
        json: bool,
    },
    /// Ajouter une personne, ou une clé à une personne (clé publique OpenSSH sur l'entrée standard)
    Add {
        name: String,
        /// Le rôle : staff (par défaut), admin ou comptable (lecture seule)
        #[arg(long, value_enum, conflicts_with = "admin")]
        role: Option<Role>,
        /// Comme --role admin
        #[arg(long)]
        admin: bool,
    },
    /// Révoquer une personne, ou une de ses clés
    Revoke {
        name: String,
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// Changer le rôle d'une personne
    Role {
        name: String,
        #[arg(value_enum)]
        role: Role,
    },
}

#[derive(Subcommand)]
pub(super) enum SessionsCmd {
    /// Sessions en cours, puis les pénalités de connexion en cours
    List {
        #[arg(long)]
        json: bool,
    },
    /// Adresses et clés refusées un temps après des échecs de connexion répétés
    Penalties {
        #[arg(long)]
        json: bool,
    },
    /// Terminer une session
    Kill { id: u64 },
}

#[derive(Subcommand)]
pub(super) enum PubkeyCmd {
    /// Vos clés
    List,
    /// Ajouter une clé (clé publique OpenSSH sur l'entrée standard)
    Add,
    /// Retirer une de vos clés
    Remove { fingerprint: String },
}

/// Options whose value is free text (names, addresses, phone numbers, references,
/// reasons): the words after them up to the next option form the value, so
/// `ssh host customer contact set SIRET 1 --phone "04 72 39 73 01"` works even though
/// the local shell removed the quotes and SSH sent one line; and such an option given
/// with nothing after it (`--service-code ""`, which arrives as `--service-code`) has
/// the empty value, which clears.
pub(super) const FREE_TEXT: &[&str] = &[
    "--reason",
    "--reference",
    "--name",
    "--legal-name",
    "--contact-name",
    "--phone",
    "--email",
    "--street",
    "--extra",
    "--city",
    "--service-code",
    "--market-ref",
    "--contract",
    "--po-number",
];

/// Joins the words of free-text options (see [`FREE_TEXT`]), gives an empty value to one
/// followed by nothing, and keeps a negative number after an option as its value
/// (`--amount -5` reaches the command, which says whether a negative amount means
/// something there).
pub(super) fn join_free_text(argv: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(argv.len() + 2);
    let mut joining = false;
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if a.starts_with("--") && !a.contains('=') {
            joining = FREE_TEXT.contains(&a.as_str());
            let next = argv.get(i + 1);
            let negative = next.is_some_and(|n| {
                n.len() > 1
                    && n.starts_with('-')
                    && n[1..].starts_with(|c: char| c.is_ascii_digit())
            });
            if negative {
                out.push(format!("{a}={}", argv[i + 1]));
                joining = false;
                i += 2;
                continue;
            }
            out.push(a.clone());
            if joining && next.is_none_or(|n| n.starts_with("--")) {
                out.push(String::new());
                joining = false;
            }
            i += 1;
            continue;
        }
        match out.last_mut() {
            Some(last) if joining && !FREE_TEXT.contains(&last.as_str()) => {
                last.push(' ');
                last.push_str(a);
            }
            _ => out.push(a.clone()),
        }
        i += 1;
    }
    out
}

/// Parses a command line; returns the command and its subcommand path (`order deliver`).
pub(super) fn parse(argv: &[String]) -> Result<(Cmd, String), clap::Error> {
    let argv = join_free_text(argv);
    let matches = Remote::command().try_get_matches_from(&argv)?;
    let mut path = Vec::new();
    let mut m = &matches;
    while let Some((name, sub)) = m.subcommand() {
        path.push(name.to_string());
        m = sub;
    }
    let remote = Remote::from_arg_matches(&matches)?;
    Ok((remote.cmd, path.join(" ")))
}

/// The whole tree, for the help and the tests.
pub(super) fn command() -> clap::Command {
    Remote::command()
}

#[cfg(test)]
mod tests {
    use super::super::permissions::{gate, permission};
    use super::*;
    use crate::app::Permission;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    /// clap's own consistency checks (unique names, valid defaults) over the whole tree:
    /// otherwise they would only fire when a client first runs the faulty subcommand.
    #[test]
    fn the_grammar_is_consistent() {
        Remote::command().debug_assert();
    }

    #[test]
    fn closed_sets_are_checked_by_the_grammar() {
        let (_, path) = parse(&argv("orders --stage invoiced")).unwrap();
        assert_eq!(path, "orders");
        assert!(parse(&argv("orders --stage facturee")).is_err());
        assert!(parse(&argv("keys role paul boss")).is_err());
        let (_, path) = parse(&argv("keys role paul comptable")).unwrap();
        assert_eq!(permission(&path), Some(Permission::ManageAccess));
        let (_, path) = parse(&argv("customer approve 1 --reason x")).unwrap();
        assert!(gate(&path, Role::Staff).is_err() && gate(&path, Role::Admin).is_ok());
        let (_, path) = parse(&argv("customer show 1")).unwrap();
        assert!(Role::ALL.iter().all(|r| gate(&path, *r).is_ok()));
    }
}

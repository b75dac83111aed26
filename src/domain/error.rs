//! Why a transition was refused, worded for the member of staff who tried it.

use super::date::Date;
use super::document::DocNumber;
use super::money::Cents;
use thiserror::Error;

/// The operation that was attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    CreateQuote,
    PreOrder,
    ReceiveOriginal,
    Deliver,
    Invoice,
    Pay,
    Cancel,
    RefuseQuote,
    CreditNote,
    Renew,
    DecideEligibility,
    RecordReceipt,
    Suspend,
    Resume,
    PayPenalties,
    WaivePenalties,
    AttachScan,
    ChooseDelivery,
    CorrectCustomer,
    Refund,
    Revise,
}

impl Operation {
    pub fn phrase(self) -> &'static str {
        match self {
            Operation::CreateQuote => "créer le devis",
            Operation::PreOrder => "enregistrer la pré-commande",
            Operation::ReceiveOriginal => "enregistrer le bon de commande original",
            Operation::Deliver => "émettre le bon de livraison",
            Operation::Invoice => "émettre la facture",
            Operation::Pay => "enregistrer le paiement",
            Operation::Cancel => "annuler la commande",
            Operation::RefuseQuote => "refuser le devis",
            Operation::CreditNote => "émettre l'avoir",
            Operation::Renew => "renouveler le devis",
            Operation::DecideEligibility => "modifier l'éligibilité",
            Operation::RecordReceipt => "enregistrer la réception de la facture",
            Operation::Suspend => "enregistrer l'interruption du délai de paiement",
            Operation::Resume => "enregistrer la reprise du délai de paiement",
            Operation::PayPenalties => "enregistrer le paiement des intérêts moratoires",
            Operation::WaivePenalties => "abandonner les intérêts moratoires",
            Operation::AttachScan => "joindre le scan du bon de commande",
            Operation::ChooseDelivery => "changer l'adresse de livraison",
            Operation::CorrectCustomer => "corriger la fiche client",
            Operation::Refund => "enregistrer le remboursement",
            Operation::Revise => "modifier le devis",
        }
    }
}

/// Why.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Reason {
    /// A character a terminal would obey or the documents cannot print.
    #[error("{field} {why}")]
    TextRefused { field: &'static str, why: String },
    #[error("le bon de commande original n'a pas été reçu")]
    OriginalNotReceived,
    #[error("le bon de commande original a déjà été enregistré")]
    OriginalAlreadyReceived,
    #[error("le client n'est pas un organisme public approuvé (éligibilité : {0})")]
    CustomerNotApproved(&'static str),
    #[error("le client est refusé pour le paiement par mandat administratif : {0}")]
    CustomerRefused(String),
    #[error("le devis a expiré le {}", .0.fr())]
    QuoteExpired(Date),
    #[error("le bon de commande est daté du {}, après la fin de validité du devis ({})", .po_date.fr(), .valid_until.fr())]
    PoDateAfterValidity { po_date: Date, valid_until: Date },
    #[error("le bon de commande est daté du {}, avant le devis du {} auquel il répond : vérifiez la date", .po_date.fr(), .quote_date.fr())]
    PoDateBeforeQuote { po_date: Date, quote_date: Date },
    #[error("le bon de commande est daté du {}, dans le futur", .0.fr())]
    PoDateInFuture(Date),
    #[error("le numéro de bon de commande / d'engagement est obligatoire (50 caractères au plus)")]
    PoNumberInvalid,
    #[error("la vérification de l'original est incomplète : {}", .0.join(", "))]
    ChecklistIncomplete(Vec<&'static str>),
    #[error("la commande est au stade « {0} »")]
    WrongStage(&'static str),
    #[error("ce devis a été renouvelé par {0} : travaillez sur la nouvelle version")]
    Renewed(DocNumber),
    #[error("le devis n'a pas expiré (valable jusqu'au {})", .0.fr())]
    NotExpired(Date),
    #[error("tout a déjà été livré")]
    NothingToDeliver,
    #[error(
        "la ligne {line} ({sku}) n'a plus que {remaining} unité(s) à livrer, {requested} demandée(s)"
    )]
    QuantityTooLarge {
        line: usize,
        sku: String,
        requested: u32,
        remaining: u32,
    },
    #[error("le nombre de quantités ({given}) ne correspond pas au nombre de lignes ({lines})")]
    QuantityCount { given: usize, lines: usize },
    #[error("stock insuffisant pour {sku} : {available} disponible(s), {requested} demandée(s)")]
    InsufficientStock {
        sku: String,
        requested: u32,
        available: i64,
    },
    #[error("rien n'a été livré qui ne soit déjà facturé")]
    NothingToInvoice,
    #[error("la commande est déjà entièrement facturée")]
    AlreadyInvoiced,
    #[error("le client exige un code service Chorus Pro et sa fiche n'en a pas")]
    MissingServiceCode,
    #[error("le client exige un numéro d'engagement Chorus Pro et la commande n'en a pas")]
    MissingEngagement,
    #[error("aucune facture n'a été émise")]
    NoInvoice,
    #[error("le montant doit être positif")]
    AmountNotPositive,
    #[error("le montant ({}) dépasse le reste dû ({}) ; s'il a vraiment été reçu, enregistrez-le en acceptant le trop-perçu, puis remboursez-le", .amount.fr(), .outstanding.max(&Cents::ZERO).fr())]
    Overpayment { amount: Cents, outstanding: Cents },
    #[error("le remboursement ({}) dépasse le trop-perçu ({})", .amount.fr(), .credit.fr())]
    RefundExceedsCredit { amount: Cents, credit: Cents },
    #[error("le remboursement du {} précède le paiement du {} qu'il rend", .date.fr(), .paid.fr())]
    RefundBeforePayment { date: Date, paid: Date },
    #[error("la date de paiement ({}) précède la facture du {}", .date.fr(), .invoice_date.fr())]
    PaymentBeforeInvoice { date: Date, invoice_date: Date },
    #[error("la date ({}) est dans le futur", .0.fr())]
    DateInFuture(Date),
    #[error("la référence du mandat est obligatoire (100 caractères au plus)")]
    ReferenceRequired,
    #[error("un motif est obligatoire")]
    ReasonRequired,
    #[error("des marchandises ont déjà été livrées")]
    AlreadyDelivered,
    #[error("la commande est facturée, seul un avoir peut l'annuler")]
    InvoicedUseCreditNote,
    #[error("aucune facture à annuler")]
    NoInvoiceToCredit,
    #[error("plusieurs factures peuvent être annulées ({}) : précisez laquelle", .0.join(", "))]
    AmbiguousInvoice(Vec<String>),
    #[error("la facture {0} n'appartient pas à cette commande")]
    InvoiceNotInOrder(String),
    #[error("la facture {0} a déjà été annulée par l'avoir {1}")]
    InvoiceAlreadyCredited(DocNumber, DocNumber),
    #[error("le devis n'a aucune ligne")]
    EmptyQuote,
    #[error("la quantité de la ligne {0} doit être positive")]
    ZeroQuantity(usize),
    #[error("le prix de la ligne {0} ne peut pas être négatif")]
    NegativePrice(usize),
    #[error("une catégorie juridique privée ({0}) ne peut pas être approuvée")]
    PrivateCannotBeApproved(String),
    #[error("le client est déjà dans cet état ({0})")]
    SameEligibility(&'static str),
    #[error(
        "la ligne {line} ({sku}) est à 0 % de TVA sans motif d'exonération (ex. « Exonération de TVA, article 262 ter I du CGI »)"
    )]
    ExemptionGroundMissing { line: usize, sku: String },
    #[error("la date ({}) précède la facture {} du {}", .date.fr(), .invoice, .invoice_date.fr())]
    DateBeforeInvoice {
        date: Date,
        invoice: DocNumber,
        invoice_date: Date,
    },
    #[error("plusieurs factures sont concernées ({}) : précisez laquelle", .0.join(", "))]
    WhichInvoice(Vec<String>),
    #[error(
        "le délai de la facture {0} a déjà été interrompu une fois (R2192-27 : une seule interruption)"
    )]
    AlreadySuspended(DocNumber),
    #[error("le délai de la facture {0} n'est pas interrompu")]
    NotSuspended(DocNumber),
    #[error("le délai de la facture {0} a déjà repris")]
    AlreadyResumed(DocNumber),
    #[error("l'interruption ({}) doit précéder l'échéance ({})", .notice.fr(), .due.fr())]
    SuspendedAfterDue { notice: Date, due: Date },
    #[error("la reprise ({}) précède l'interruption ({})", .resumed.fr(), .notice.fr())]
    ResumedBeforeNotice { resumed: Date, notice: Date },
    #[error("la facture {0} est entièrement payée ou annulée")]
    InvoiceSettled(DocNumber),
    #[error("aucun intérêt moratoire ni indemnité n'est dû")]
    NoPenaltyOwed,
    #[error("le montant ({}) dépasse les intérêts et l'indemnité dus ({})", .amount.fr(), .owed.fr())]
    PenaltyOverpaid { amount: Cents, owed: Cents },
    #[error(
        "la ligne {line} ({sku}) : {requested} à créditer, {left} facturé(s) non encore crédité(s)"
    )]
    CreditQuantityTooLarge {
        line: usize,
        sku: String,
        requested: u32,
        left: u32,
    },
    #[error("l'avoir ({}) dépasserait ce qui reste de la facture {} ({})", .amount.fr(), .invoice, .left.fr())]
    CreditExceedsInvoice {
        amount: Cents,
        invoice: DocNumber,
        left: Cents,
    },
    #[error(
        "l'avoir rendrait plus que la facture {invoice} n'a facturé au taux de {rate} (art. 272-1 du CGI) : il reste à ce taux {} HT et {} de TVA", .base.fr(), .tax.fr()
    )]
    CreditExceedsRate {
        invoice: DocNumber,
        rate: String,
        base: Cents,
        tax: Cents,
    },
    #[error(
        "les avoirs de la facture {0} ne peuvent être relus taux par taux : avoir impossible, signalez-le à l'administrateur"
    )]
    CreditBreakdownUnknown(DocNumber),
    #[error("la facture {0} a plusieurs taux de TVA : précisez le taux de la réduction")]
    CreditVatRateNeeded(DocNumber),
    #[error("la facture {invoice} n'a pas de ligne à {rate}")]
    CreditVatRateNotOnInvoice { invoice: DocNumber, rate: String },
    #[error("rien à créditer : toutes les quantités sont nulles")]
    NothingToCredit,
    #[error("la référence du marché dépasse 50 caractères ou contient des caractères invalides")]
    ContractInvalid,
    #[error("un scan est déjà joint (SHA-256 {0}…) : un document joint ne change plus")]
    ScanAlreadyAttached(String),
    #[error("précisez l'adresse de livraison ou le contact choisi")]
    NothingChosen,
    #[error("{field} : {msg}")]
    FieldInvalid { field: String, msg: String },
    #[error("un client a au moins un contact nommé (nom, téléphone, e-mail)")]
    NoContact,
    #[error("{max} {what} au plus")]
    TooMany { what: &'static str, max: usize },
    #[error("rien n'a changé")]
    NothingChanged,
    #[error("le client n'a pas {what} n° {index} (il en a {count})")]
    NoSuchChoice {
        what: &'static str,
        index: usize,
        count: usize,
    },
}

/// A refused transition: the operation and its reason. Displays as
/// "impossible d'émettre le bon de livraison : le bon de commande original n'a pas été reçu".
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("impossible {} : {reason}", elide(.op.phrase()))]
pub struct PipelineError {
    pub op: Operation,
    pub reason: Reason,
}

/// "de émettre" → "d'émettre".
fn elide(phrase: &str) -> String {
    match phrase.chars().next() {
        Some('a' | 'e' | 'é' | 'i' | 'o' | 'u') => format!("d'{phrase}"),
        _ => format!("de {phrase}"),
    }
}

impl PipelineError {
    pub fn new(op: Operation, reason: Reason) -> PipelineError {
        PipelineError { op, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_french_sentences() {
        let e = PipelineError::new(Operation::Deliver, Reason::OriginalNotReceived);
        assert_eq!(
            e.to_string(),
            "impossible d'émettre le bon de livraison : le bon de commande original n'a pas été reçu"
        );
        let e = PipelineError::new(Operation::Cancel, Reason::InvoicedUseCreditNote);
        assert_eq!(
            e.to_string(),
            "impossible d'annuler la commande : la commande est facturée, seul un avoir peut l'annuler"
        );
        let e = PipelineError::new(
            Operation::ReceiveOriginal,
            Reason::CustomerNotApproved("Refusé"),
        );
        assert!(
            e.to_string()
                .starts_with("impossible d'enregistrer le bon de commande original")
        );
    }
}

//! What staff can do from the console: every action goes form → confirmation → app use
//! case → result line. A refused action shows the app's own message and changes nothing.

use super::forms::{Confirm, Field, Form};
use super::{Level, Person, Tab, Theme};
use crate::app::{Actor, App};
use crate::domain::money::parse_eur;
use crate::domain::pipeline::OriginalPoInput;
use crate::domain::{Cents, Checklist, CustomerId, Date, DocNumber, EligibilityStatus, Stage};

mod text {
    pub const PO_NUMBER: &str = "N° de bon de commande / d'engagement";
    pub const PO_DATE: &str = "Date du bon de commande";
    pub const LETTERHEAD: &str = "Sur papier à en-tête de l'organisme";
    pub const DATED: &str = "Daté";
    pub const SIGNED: &str = "Signé";
    pub const STAMPED: &str = "Revêtu du cachet officiel";
    pub const AMOUNT_MATCHES: &str = "Montant conforme au devis";
    pub const REASON: &str = "Motif";
    pub const PAY_DATE: &str = "Date du paiement";
    pub const PAY_AMOUNT: &str = "Montant (€)";
    pub const PAY_REF: &str = "Référence du mandat";
    pub const DATE_HINT: &str = "JJ/MM/AAAA";
}

/// A user intent, from a key, the palette or a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Theme,
    Tab(Tab),
    Back,
    Search(String),
    OpenOrder(String),
    OpenCustomer(CustomerId),
    OpenDocument(String),
    Do(Op),
}

/// An operation that changes data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    PreOrder(String),
    ReceiveOriginal(String),
    Deliver(String),
    Invoice(String),
    Pay(String),
    Cancel(String),
    RefuseQuote(String),
    CreditNote(String),
    Renew(String),
    Approve(CustomerId),
    RefuseCustomer(CustomerId),
}

impl Op {
    /// The operations that make sense for an order at this stage, with their key.
    pub fn for_stage(
        stage: Stage,
        number: &str,
        has_live_invoice: bool,
        to_invoice: bool,
    ) -> Vec<(char, &'static str, Op)> {
        let n = || number.to_string();
        let mut ops = Vec::new();
        match stage {
            Stage::Quote => {
                ops.push(('p', "pré-commande", Op::PreOrder(n())));
                ops.push(('r', "BC original reçu", Op::ReceiveOriginal(n())));
                ops.push(('x', "annuler", Op::Cancel(n())));
                ops.push(('z', "refusé par l'acheteur", Op::RefuseQuote(n())));
            }
            Stage::PreOrder => {
                ops.push(('r', "BC original reçu", Op::ReceiveOriginal(n())));
                ops.push(('x', "annuler", Op::Cancel(n())));
                ops.push(('z', "refusé par l'acheteur", Op::RefuseQuote(n())));
            }
            Stage::PoReceived => {
                ops.push(('b', "livrer (BL)", Op::Deliver(n())));
                if to_invoice {
                    ops.push(('f', "facturer", Op::Invoice(n())));
                }
                if !has_live_invoice {
                    ops.push(('x', "annuler", Op::Cancel(n())));
                }
            }
            Stage::Delivered => ops.push(('f', "facturer", Op::Invoice(n()))),
            Stage::Invoiced => {
                ops.push(('a', "encaisser", Op::Pay(n())));
                ops.push(('v', "avoir", Op::CreditNote(n())));
            }
            Stage::Expired => ops.push(('n', "renouveler", Op::Renew(n()))),
            Stage::Paid | Stage::Refused | Stage::Cancelled => {}
        }
        if stage == Stage::PoReceived && has_live_invoice {
            ops.push(('a', "encaisser", Op::Pay(n())));
            ops.push(('v', "avoir", Op::CreditNote(n())));
        }
        ops
    }
}

/// What a form is for.
#[derive(Clone, Debug)]
pub enum FormKind {
    Receive(String),
    Deliver(String),
    Pay(String),
    Cancel(String),
    RefuseQuote(String),
    CreditNote(String),
    Eligibility(CustomerId, EligibilityStatus),
}

/// A confirmed operation with all its inputs.
#[derive(Clone, Debug)]
pub enum Pending {
    PreOrder(String),
    Receive(String, OriginalPoInput),
    Deliver(String, Option<Vec<u32>>),
    Invoice(String),
    Pay(String, Date, Cents, String),
    Cancel(String, String),
    RefuseQuote(String, String),
    CreditNote(String, String),
    Renew(String),
    Eligibility(CustomerId, EligibilityStatus, String),
}

pub enum Prepared {
    Form(Form, FormKind),
    Confirm(Confirm, Pending),
}

/// `27/11/2026`, `27/11/26`, `2026-11-27`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(d) = Date::parse_iso(s) {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '.', '-']).collect();
    if parts.len() != 3 {
        return None;
    }
    let d: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let mut y: i32 = parts[2].parse().ok()?;
    if parts[2].len() == 2 {
        y += 2000;
    }
    Date::from_ymd(y, m, d)
}

fn reason_form(title: &str, intro: Vec<String>, kind: FormKind) -> Prepared {
    Prepared::Form(
        Form::new(
            title,
            intro,
            vec![Field::text(text::REASON, "", "obligatoire")],
        ),
        kind,
    )
}

/// Builds the form or confirmation of an operation.
pub fn prepare(app: &App, _me: &Person, op: Op) -> Result<Prepared, String> {
    let order_intro = |n: &str| -> Result<(Vec<String>, crate::app::queries::OrderView), String> {
        let v = app.order_view(n).map_err(|e| e.to_string())?;
        let intro = vec![format!(
            "{} — {} — {} TTC — {}",
            v.order.number,
            v.customer.legal_name,
            v.totals.incl_vat.fr(),
            v.stage.label()
        )];
        Ok((intro, v))
    };
    Ok(match op {
        Op::PreOrder(n) => {
            let (mut lines, _) = order_intro(&n)?;
            lines.push(
                "L'e-mail du bon de commande est arrivé : les marchandises seront réservées, \
                 l'expédition attendra l'original."
                    .into(),
            );
            for s in app.shortages(&n).map_err(|e| e.to_string())? {
                lines.push(format!(
                    "⚠ Rupture : {} — {} disponible(s) pour {} demandée(s)",
                    s.designation, s.available, s.wanted
                ));
            }
            Prepared::Confirm(
                Confirm {
                    title: "Enregistrer la pré-commande ?".into(),
                    lines,
                },
                Pending::PreOrder(n),
            )
        }
        Op::ReceiveOriginal(n) => {
            let (intro, v) = order_intro(&n)?;
            let mut intro = intro;
            intro.push(format!(
                "Devis valable jusqu'au {} : cochez chaque point vérifié sur l'original.",
                v.order.quote.valid_until.fr()
            ));
            Prepared::Form(
                Form::new(
                    "Bon de commande original reçu",
                    intro,
                    vec![
                        Field::text(text::PO_NUMBER, "", "50 caractères au plus"),
                        Field::text(text::PO_DATE, "", text::DATE_HINT),
                        Field::check(text::LETTERHEAD),
                        Field::check(text::DATED),
                        Field::check(text::SIGNED),
                        Field::check(text::STAMPED),
                        Field::check(text::AMOUNT_MATCHES),
                    ],
                ),
                FormKind::Receive(n),
            )
        }
        Op::Deliver(n) => {
            let (mut intro, v) = order_intro(&n)?;
            intro.push(
                "Quantités à expédier (tout le reste par défaut ; 0 pour ne pas livrer une ligne)."
                    .into(),
            );
            let fields = v
                .order
                .lines
                .iter()
                .map(|l| {
                    Field::text(
                        &format!("{} (reste {})", l.designation, l.to_deliver()),
                        &l.to_deliver().to_string(),
                        "",
                    )
                })
                .collect();
            Prepared::Form(
                Form::new("Bon de livraison", intro, fields),
                FormKind::Deliver(n),
            )
        }
        Op::Invoice(n) => {
            let (mut lines, v) = order_intro(&n)?;
            let billable: Cents = v
                .order
                .lines
                .iter()
                .map(|l| l.unit_price * l.to_invoice() as i64)
                .sum();
            lines.push(format!(
                "Facturer ce qui a été livré et pas encore facturé ({} HT).",
                billable.fr()
            ));
            lines.push(format!(
                "Échéance : {} jours (délai global de paiement).",
                v.customer.payment_delay_days()
            ));
            Prepared::Confirm(
                Confirm {
                    title: "Émettre la facture ?".into(),
                    lines,
                },
                Pending::Invoice(n),
            )
        }
        Op::Pay(n) => {
            let (intro, v) = order_intro(&n)?;
            let today = app.today().fr();
            let due =
                crate::domain::money::format_number_fr(v.order.outstanding()).replace(' ', "");
            Prepared::Form(
                Form::new(
                    "Paiement reçu",
                    intro,
                    vec![
                        Field::text(text::PAY_DATE, &today, text::DATE_HINT),
                        Field::text(text::PAY_AMOUNT, &due, ""),
                        Field::text(text::PAY_REF, "", "n° du mandat"),
                    ],
                ),
                FormKind::Pay(n),
            )
        }
        Op::Cancel(n) => {
            let (intro, _) = order_intro(&n)?;
            reason_form("Annuler la commande", intro, FormKind::Cancel(n))
        }
        Op::RefuseQuote(n) => {
            let (intro, _) = order_intro(&n)?;
            reason_form(
                "Devis refusé par l'acheteur",
                intro,
                FormKind::RefuseQuote(n),
            )
        }
        Op::CreditNote(n) => {
            let (mut intro, _) = order_intro(&n)?;
            intro.push(
                "L'avoir annule la dernière facture ; elle pourra être émise à nouveau.".into(),
            );
            reason_form("Émettre un avoir", intro, FormKind::CreditNote(n))
        }
        Op::Renew(n) => {
            let (mut lines, _) = order_intro(&n)?;
            lines.push(
                "Une nouvelle version du devis sera émise aux prix actuels, valable un mois."
                    .into(),
            );
            Prepared::Confirm(
                Confirm {
                    title: "Renouveler le devis ?".into(),
                    lines,
                },
                Pending::Renew(n),
            )
        }
        Op::Approve(id) | Op::RefuseCustomer(id) => {
            let approve = matches!(op, Op::Approve(_));
            let c = app.customer(id).map_err(|e| e.to_string())?;
            let intro = vec![
                format!(
                    "{} — SIRET {} — catégorie {}",
                    c.legal_name,
                    c.siret.spaced(),
                    c.categorie
                ),
                format!(
                    "Actuellement : {} ({})",
                    c.eligibility.status.label(),
                    c.eligibility.reason
                ),
            ];
            let (title, status) = if approve {
                (
                    "Approuver pour le mandat administratif",
                    EligibilityStatus::Approved,
                )
            } else {
                (
                    "Refuser le mandat administratif",
                    EligibilityStatus::Refused,
                )
            };
            reason_form(title, intro, FormKind::Eligibility(id, status))
        }
    })
}

/// Validates a submitted form and builds its confirmation.
pub fn confirm_form(app: &App, form: &Form, kind: &FormKind) -> Result<(Confirm, Pending), String> {
    let mut lines = form.intro.iter().take(1).cloned().collect::<Vec<_>>();
    let pending = match kind {
        FormKind::Receive(n) => {
            let po_date = parse_date(form.value(1))
                .ok_or_else(|| format!("date « {} » invalide (JJ/MM/AAAA)", form.value(1)))?;
            let checklist = Checklist {
                letterhead: form.checked(2),
                dated: form.checked(3),
                signed: form.checked(4),
                stamped: form.checked(5),
                amount_matches: form.checked(6),
            };
            lines.push(format!(
                "BC n° {} du {}, vérifié : à en-tête, daté, signé, cacheté, montant conforme.",
                form.value(0),
                po_date.fr()
            ));
            Pending::Receive(
                n.clone(),
                OriginalPoInput {
                    po_number: form.value(0).to_string(),
                    po_date,
                    checklist,
                },
            )
        }
        FormKind::Deliver(n) => {
            let mut q = Vec::new();
            for (i, f) in form.fields.iter().enumerate() {
                let v: u32 = form.value(i).parse().map_err(|_| {
                    format!("{} : « {} » n'est pas une quantité", f.label, form.value(i))
                })?;
                q.push(v);
            }
            lines.push(format!(
                "Expédier {} unité(s) et émettre le bon de livraison.",
                q.iter().sum::<u32>()
            ));
            Pending::Deliver(n.clone(), Some(q))
        }
        FormKind::Pay(n) => {
            let date = parse_date(form.value(0))
                .ok_or_else(|| format!("date « {} » invalide (JJ/MM/AAAA)", form.value(0)))?;
            let amount = parse_eur(form.value(1))
                .ok_or_else(|| format!("montant « {} » invalide", form.value(1)))?;
            lines.push(format!(
                "Paiement de {} le {}, mandat {}.",
                amount.fr(),
                date.fr(),
                form.value(2)
            ));
            Pending::Pay(n.clone(), date, amount, form.value(2).to_string())
        }
        FormKind::Cancel(n) => {
            lines.push(format!(
                "Annuler la commande (motif : {}) ; les réservations sont libérées.",
                form.value(0)
            ));
            Pending::Cancel(n.clone(), form.value(0).to_string())
        }
        FormKind::RefuseQuote(n) => {
            lines.push(format!(
                "Marquer le devis comme refusé (motif : {}).",
                form.value(0)
            ));
            Pending::RefuseQuote(n.clone(), form.value(0).to_string())
        }
        FormKind::CreditNote(n) => {
            lines.push(format!("Émettre un avoir (motif : {}).", form.value(0)));
            Pending::CreditNote(n.clone(), form.value(0).to_string())
        }
        FormKind::Eligibility(id, status) => {
            lines = form.intro.clone();
            lines.push(format!(
                "Nouvelle décision : {} (motif : {}).",
                status.label(),
                form.value(0)
            ));
            Pending::Eligibility(*id, *status, form.value(0).to_string())
        }
    };
    let _ = app;
    Ok((
        Confirm {
            title: form.title.clone() + " — confirmer ?",
            lines,
        },
        pending,
    ))
}

fn doc_result(
    r: Result<crate::domain::IssuedDocument, crate::app::AppError>,
    what: &str,
) -> (Level, String, Option<DocNumber>) {
    match r {
        Ok(d) => (
            Level::Ok,
            format!("{what} {} émis ({} TTC)", d.number, d.totals.incl_vat.fr()),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

fn order_result(
    r: Result<crate::domain::Order, crate::app::AppError>,
    what: &str,
) -> (Level, String, Option<DocNumber>) {
    match r {
        Ok(o) => (
            Level::Ok,
            format!("{} : {what} — désormais « {} »", o.number, o.stage.label()),
            None,
        ),
        Err(e) => (Level::Error, e.to_string(), None),
    }
}

/// Runs a confirmed operation; returns the result line and what to open next.
pub fn execute(app: &App, me: &Person, pending: Pending) -> (Level, String, Option<DocNumber>) {
    let actor = Actor::person(&me.name, me.role, &me.fingerprint);
    match pending {
        Pending::PreOrder(n) => {
            order_result(app.record_pre_order(&actor, &n), "pré-commande enregistrée")
        }
        Pending::Receive(n, input) => order_result(
            app.mark_original_received(&actor, &n, &input),
            "BC original enregistré",
        ),
        Pending::Deliver(n, q) => doc_result(
            app.issue_delivery_note(&actor, &n, q.as_deref()),
            "Bon de livraison",
        ),
        Pending::Invoice(n) => doc_result(app.issue_invoice(&actor, &n), "Facture"),
        Pending::Pay(n, date, amount, reference) => order_result(
            app.record_payment(&actor, &n, date, amount, &reference),
            "paiement enregistré",
        ),
        Pending::Cancel(n, reason) => {
            order_result(app.cancel_order(&actor, &n, &reason), "commande annulée")
        }
        Pending::RefuseQuote(n, reason) => {
            order_result(app.refuse_quote(&actor, &n, &reason), "devis refusé")
        }
        Pending::CreditNote(n, reason) => {
            doc_result(app.issue_credit_note(&actor, &n, None, &reason), "Avoir")
        }
        Pending::Renew(n) => match app.renew_quote(&actor, &n) {
            Ok(o) => (
                Level::Ok,
                format!(
                    "Devis renouvelé : {} (version {})",
                    o.number, o.quote.version
                ),
                Some(o.number),
            ),
            Err(e) => (Level::Error, e.to_string(), None),
        },
        Pending::Eligibility(id, status, reason) => {
            match app.decide_eligibility(&actor, id, status, &reason) {
                Ok(c) => (
                    Level::Ok,
                    format!("{} : {}", c.legal_name, c.eligibility.status.label()),
                    None,
                ),
                Err(e) => (Level::Error, e.to_string(), None),
            }
        }
    }
}

const THEME_PREFIX: &[u8] = b"theme=";

/// The theme a person chose last time.
pub fn saved_theme(app: &App, person: &str, themes: &[Theme]) -> Option<Theme> {
    let bytes = app.preference(person)?;
    let name = std::str::from_utf8(bytes.strip_prefix(THEME_PREFIX)?).ok()?;
    themes.iter().find(|t| t.name == name).cloned()
}

pub fn save_theme(app: &App, person: &str, theme: &str) {
    let mut bytes = THEME_PREFIX.to_vec();
    bytes.extend_from_slice(theme.as_bytes());
    app.set_preference(person, &bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_dates() {
        assert_eq!(parse_date("27/11/2026"), Date::parse_iso("2026-11-27"));
        assert_eq!(parse_date("5/3/26"), Date::parse_iso("2026-03-05"));
        assert_eq!(parse_date("2026-03-05"), Date::parse_iso("2026-03-05"));
        assert_eq!(parse_date("31/02/2026"), None);
        assert_eq!(parse_date("hier"), None);
    }

    #[test]
    fn next_steps_depend_on_the_stage() {
        let keys = |s, inv, toinv| {
            Op::for_stage(s, "DEV-2026-00001", inv, toinv)
                .iter()
                .map(|(k, _, _)| *k)
                .collect::<String>()
        };
        assert_eq!(keys(Stage::Quote, false, false), "prxz");
        assert_eq!(keys(Stage::PoReceived, false, false), "bx");
        assert_eq!(keys(Stage::PoReceived, false, true), "bfx");
        assert_eq!(keys(Stage::Delivered, false, true), "f");
        assert_eq!(keys(Stage::Invoiced, true, false), "av");
        assert_eq!(keys(Stage::Expired, false, false), "n");
        assert_eq!(keys(Stage::Paid, false, false), "");
    }
}

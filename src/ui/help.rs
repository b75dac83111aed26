//! The help overlay (`?`): every key, per screen.

use super::Tab;
use super::actions::{CUSTOMER_OPS, ORDER_OPS, OpKind, PRODUCT_OPS};
use super::theme::Theme;
use super::widgets::centered;
use crate::app::Role;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

const GLOBAL: &[(&str, &str)] = &[
    (
        "1 2 3 4 / F1-F4",
        "onglets Tableau, Clients, Documents, Accès (admins)",
    ),
    (
        ": ou Ctrl-K",
        "palette : aller à une commande, un client, lancer une action",
    ),
    ("?", "cette aide"),
    (
        "!",
        "les alertes (retards, devis qui expirent, originaux, clients à examiner)",
    ),
    (
        "$",
        "la balance âgée des créances (non échu, 1–30, 31–60, 61–90, plus de 90 jours)",
    ),
    (
        "R",
        "le rapprochement bancaire (entrées de relevé proposées ou à rapprocher)",
    ),
    ("J", "le journal d'audit, filtrable (admins, comptables)"),
    ("t", "changer de thème (retenu d'une session à l'autre)"),
    ("Échap", "revenir en arrière, fermer, effacer"),
    (
        "q / Ctrl-C",
        "quitter (confirmation si une saisie est en cours)",
    ),
];

const BOARD: &[(&str, &str)] = &[
    ("← → ↑ ↓ / h j k l", "se déplacer entre colonnes et cartes"),
    ("PgPréc PgSuiv Début Fin", "défiler une colonne"),
    ("Entrée", "ouvrir la commande"),
    ("c", "ouvrir le client de la carte"),
    (
        "/",
        "filtrer le tableau (client, ville, SIRET, n°, n° de BC, réf. du site)",
    ),
    ("s", "le stock : en stock, réservé, disponible, à livrer"),
];

const CUSTOMERS: &[(&str, &str)] = &[
    (
        "(texte)",
        "recherche floue : nom, ville, SIRET, contact, n° de document",
    ),
    ("↓ ↑ Entrée", "choisir et ouvrir un client"),
    (
        "Ctrl-N",
        "nouveau client (SIRET vérifié, éligibilité par la catégorie juridique)",
    ),
];

/// The keys of `specs` that `role` may use, and what each does (the others are not
/// listed: pressed, they say « réservé aux … »).
fn ops_row(
    specs: &[super::actions::OpSpec],
    role: Role,
    sep: &str,
    prefix: &str,
) -> Option<(String, String)> {
    let allowed: Vec<&super::actions::OpSpec> = specs
        .iter()
        .filter(|s| s.kind.permission().allows(role))
        .collect();
    if allowed.is_empty() {
        return None;
    }
    let keys: Vec<String> = allowed.iter().map(|s| s.key.to_string()).collect();
    let what: Vec<String> = allowed
        .iter()
        .map(|s| match s.kind {
            OpKind::Approve | OpKind::RefuseCustomer => {
                format!("{} le mandat administratif (admins)", s.short)
            }
            _ => s.short.to_string(),
        })
        .collect();
    let joiner = if sep == " " { ", " } else { " ; " };
    Some((keys.join(sep), format!("{prefix}{}", what.join(joiner))))
}

/// `p r b f …` and what each does, from the operations' specs.
fn order_ops_row(role: Role) -> Option<(String, String)> {
    ops_row(&ORDER_OPS, role, " ", "")
}

/// `a / r / c …` on a customer's card, from the operations' specs.
fn customer_ops_row(role: Role) -> Option<(String, String)> {
    ops_row(&CUSTOMER_OPS, role, " / ", "sur la fiche : ")
}

/// `a / e / n` on the stock screen, from the operations' specs.
fn product_ops_row(role: Role) -> Option<(String, String)> {
    ops_row(
        &PRODUCT_OPS,
        role,
        " / ",
        "sur le produit en tête de liste : ",
    )
}

fn rows(fixed: &[(&str, &str)], more: Option<(String, String)>) -> Vec<(String, String)> {
    fixed
        .iter()
        .map(|(k, d)| (k.to_string(), d.to_string()))
        .chain(more)
        .collect()
}

const DOCUMENTS: &[(&str, &str)] = &[
    (
        "↓ ↑ Entrée",
        "choisir et voir le détail (taille, SHA-256, commande ssh)",
    ),
    ("k", "filtrer par type : devis, BL, factures, avoirs"),
    ("/", "filtrer par n° ou par client"),
];

const ORDER: &[(&str, &str)] = &[
    ("↓ ↑ PgPréc PgSuiv Début", "défiler la commande"),
    ("c", "ouvrir le client"),
    ("d", "voir les documents émis, l'un après l'autre"),
    ("Échap / ⌫", "revenir au tableau"),
];

const CUSTOMER: &[(&str, &str)] = &[
    ("↓ ↑ Entrée", "choisir et ouvrir une commande du client"),
    ("Échap / ⌫", "revenir à la recherche"),
];

const DOCUMENT: &[(&str, &str)] = &[
    ("o", "ouvrir la commande du document"),
    ("Échap / ⌫", "revenir à la liste"),
];

/// The screen the help is about: a tab, or a screen opened on top of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Screen {
    Tab(Tab),
    Order,
    Customer,
    Document,
    Stock,
    Alerts,
    Aged,
    Bank,
    Audit,
}

const AUDIT: &[(&str, &str)] = &[
    (
        "/",
        "filtrer : un nom (personne), un genre (acces, refus, documents, paiements, clients, stock, commandes), une date (à partir de ce jour)",
    ),
    ("↓ ↑ PgPréc PgSuiv", "défiler"),
    ("Échap / ⌫", "revenir"),
];

const BANK: &[(&str, &str)] = &[
    ("↓ ↑", "choisir une entrée de relevé"),
    ("Échap / ⌫", "revenir"),
];

fn bank_ops_row(role: Role) -> Option<(String, String)> {
    ops_row(&super::actions::bank::BANK_OPS, role, " / ", "")
}

const AGED: &[(&str, &str)] = &[
    (
        "↓ ↑ Entrée",
        "choisir et ouvrir le client (relevé de compte : ssh hôte customer statement SIRET > releve.pdf)",
    ),
    ("Échap / ⌫", "revenir"),
];

const ALERTS: &[(&str, &str)] = &[
    ("↓ ↑ Entrée", "choisir et ouvrir la commande ou le client"),
    ("Échap / ⌫", "revenir"),
];

const STOCK: &[(&str, &str)] = &[
    (
        "↓ ↑ PgPréc PgSuiv",
        "défiler (les produits en manque d'abord)",
    ),
    ("Échap / ⌫", "revenir au tableau"),
];

const FLAGS: &[(&str, &str)] = &[
    (
        "⏳ expire dans N j",
        "devis valable encore 7 jours ou moins",
    ),
    ("✗ expiré", "devis périmé : le renouveler (n)"),
    (
        "✉ attend l'original",
        "pré-commande sans original depuis plus de 10 jours",
    ),
    (
        "⚠ retard N j",
        "facture échue : intérêts BCE + 8 points et 40 € dus",
    ),
    ("◐ livraison partielle", "il reste des quantités à livrer"),
    (
        "€ intérêts dus",
        "payée en retard : intérêts et 40 € encore dus (m reçus, w abandon)",
    ),
    (
        "CP ✓ / CP … / CP ⚠",
        "Chorus Pro : déposée / en file / rejet, suspension ou recyclage à traiter",
    ),
];

pub(super) fn draw(f: &mut Frame, area: Rect, theme: &Theme, screen: Screen, role: Role) {
    let r = centered(area, 100, area.height);
    f.render_widget(Clear, r);
    let base = Style::default()
        .fg(theme.colors.text)
        .bg(theme.colors.background);
    let key = base.fg(theme.colors.info).add_modifier(Modifier::BOLD);
    let title = |t: &str| {
        Line::from(Span::styled(
            t.to_string(),
            base.fg(theme.colors.title).add_modifier(Modifier::BOLD),
        ))
    };
    let mut lines = Vec::new();
    let mut section = |name: &str, rows: Vec<(String, String)>| {
        lines.push(title(name));
        for (k, d) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<26}"), key),
                Span::styled(d, base),
            ]));
        }
    };
    section("Partout", rows(GLOBAL, None));
    match screen {
        Screen::Tab(Tab::Board) => section("Tableau", rows(BOARD, order_ops_row(role))),
        Screen::Tab(Tab::Customers) => section("Clients", rows(CUSTOMERS, customer_ops_row(role))),
        Screen::Tab(Tab::Documents) => section("Documents", rows(DOCUMENTS, None)),
        Screen::Tab(Tab::Access) => {}
        Screen::Order => section("Commande", rows(ORDER, order_ops_row(role))),
        Screen::Customer => section("Fiche client", rows(CUSTOMER, customer_ops_row(role))),
        Screen::Document => section("Document", rows(DOCUMENT, None)),
        Screen::Stock => section("Stock", rows(STOCK, product_ops_row(role))),
        Screen::Alerts => section("Alertes", rows(ALERTS, None)),
        Screen::Aged => section("Balance âgée des créances", rows(AGED, None)),
        Screen::Bank => section("Rapprochement bancaire", rows(BANK, bank_ops_row(role))),
        Screen::Audit => section("Journal d'audit", rows(AUDIT, None)),
    }
    section(
        "Signaux des cartes (symbole + texte, lisibles sans couleur)",
        rows(FLAGS, None),
    );
    if crate::app::Permission::ManageAccess.allows(role) {
        lines.push(title(
            "Administrateur : onglet Accès (4) pour les personnes et leurs clés",
        ));
    }
    if role.read_only() {
        lines.push(title(
            "Lecture seule : tout se consulte et s'exporte, les relevés bancaires se rapprochent ; les autres touches disent à qui elles sont réservées",
        ));
    }
    let block = Block::default()
        .title(" Aide — ? ou Échap pour fermer ")
        .borders(Borders::ALL)
        .style(base);
    f.render_widget(Paragraph::new(lines).block(block), r);
}

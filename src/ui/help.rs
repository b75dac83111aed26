//! The help overlay (`?`): every key, per screen.

use super::Tab;
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
    ("/", "filtrer le tableau (client, ville, SIRET, n°)"),
    (
        "p r b f a v x z n",
        "pré-commande, BC reçu, livrer, facturer, encaisser, avoir, annuler, refus, renouveler",
    ),
];

const CUSTOMERS: &[(&str, &str)] = &[
    (
        "(texte)",
        "recherche floue : nom, ville, SIRET, contact, n° de document",
    ),
    ("↓ ↑ Entrée", "choisir et ouvrir un client"),
    (
        "a / r",
        "sur la fiche : approuver / refuser le mandat administratif (admins)",
    ),
];

const DOCUMENTS: &[(&str, &str)] = &[
    (
        "↓ ↑ Entrée",
        "choisir et voir le détail (taille, SHA-256, commande ssh)",
    ),
    ("k", "filtrer par type : devis, BL, factures, avoirs"),
    ("/", "filtrer par n° ou par client"),
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
];

pub fn draw(f: &mut Frame, area: Rect, theme: &Theme, tab: Tab, role: Role) {
    let r = centered(area, 100, area.height);
    f.render_widget(Clear, r);
    let base = Style::default()
        .fg(theme.color("text"))
        .bg(theme.color("background"));
    let key = base.fg(theme.color("info")).add_modifier(Modifier::BOLD);
    let title = |t: &str| {
        Line::from(Span::styled(
            t.to_string(),
            base.fg(theme.color("title")).add_modifier(Modifier::BOLD),
        ))
    };
    let mut lines = Vec::new();
    let mut section = |name: &str, rows: &[(&str, &str)]| {
        lines.push(title(name));
        for (k, d) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<26}"), key),
                Span::styled(d.to_string(), base),
            ]));
        }
    };
    section("Partout", GLOBAL);
    match tab {
        Tab::Board => section("Tableau", BOARD),
        Tab::Customers => section("Clients", CUSTOMERS),
        Tab::Documents => section("Documents", DOCUMENTS),
        Tab::Access => {}
    }
    section(
        "Signaux des cartes (symbole + texte, lisibles sans couleur)",
        FLAGS,
    );
    if role == Role::Admin {
        lines.push(title(
            "Administrateur : onglet Accès (4) pour les personnes et leurs clés",
        ));
    }
    let block = Block::default()
        .title(" Aide — ? ou Échap pour fermer ")
        .borders(Borders::ALL)
        .style(base);
    f.render_widget(Paragraph::new(lines).block(block), r);
}

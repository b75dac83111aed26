//! Fixed words of the console that several screens share.

pub(super) const TABS: [&str; 4] = ["Tableau", "Clients", "Documents", "Accès"];
pub(super) const TOO_SMALL: &str = "Agrandissez le terminal : 80 × 24 au minimum";
pub(super) const ALERTS: &str = "alertes (!)";
pub(super) const QUIT_TITLE: &str = "Quitter ?";
pub(super) const QUIT_DIRTY: &str =
    "Un formulaire contient une saisie non enregistrée : quitter quand même ?";

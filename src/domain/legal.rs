//! INSEE catégories juridiques and the public-body test of the administrative procedure.
//!
//! Codes starting with 7 (legal persons under administrative law) are eligible; 41xx
//! (public bodies under commercial law, e.g. EPIC) go to a manual review; anything else is
//! refused the procedure.

/// What the catégorie juridique says about eligibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegalClass {
    /// 7xxx: a legal person under administrative law.
    PublicBody,
    /// 41xx: a public body under commercial law; staff must review it.
    NeedsReview,
    /// Anything else: a private entity.
    Private,
}

/// Level-III codes of the families that decide eligibility, with their INSEE labels.
const PUBLIC_CODES: &[(&str, &str)] = &[
    ("4110", "EPIC national doté d'un comptable public"),
    ("4120", "EPIC national non doté d'un comptable public"),
    ("4130", "Exploitant public"),
    (
        "4140",
        "Établissement public local à caractère industriel ou commercial",
    ),
    (
        "4150",
        "Régie d'une collectivité locale à caractère industriel ou commercial",
    ),
    ("4160", "Institution Banque de France"),
    ("7111", "Autorité constitutionnelle"),
    ("7112", "Autorité administrative ou publique indépendante"),
    ("7113", "Ministère"),
    ("7120", "Service central d'un ministère"),
    ("7150", "Service du ministère de la Défense"),
    (
        "7160",
        "Service déconcentré à compétence nationale d'un ministère",
    ),
    (
        "7171",
        "Service déconcentré de l'État à compétence (inter)régionale",
    ),
    (
        "7172",
        "Service déconcentré de l'État à compétence (inter)départementale",
    ),
    (
        "7179",
        "Service déconcentré de l'État à compétence territoriale",
    ),
    (
        "7190",
        "École nationale non dotée de la personnalité morale",
    ),
    ("7210", "Commune et commune nouvelle"),
    ("7220", "Département"),
    ("7225", "Collectivité et territoire d'Outre-Mer"),
    ("7229", "Autre collectivité territoriale"),
    ("7230", "Région"),
    ("7312", "Commune associée et commune déléguée"),
    ("7313", "Section de commune"),
    ("7314", "Ensemble urbain"),
    ("7321", "Association syndicale autorisée"),
    ("7322", "Association foncière urbaine"),
    ("7323", "Association foncière de remembrement"),
    ("7331", "Établissement public local d'enseignement"),
    ("7340", "Pôle métropolitain"),
    ("7341", "Secteur de commune"),
    ("7342", "District urbain"),
    ("7343", "Communauté urbaine"),
    ("7344", "Métropole"),
    ("7345", "Syndicat intercommunal à vocation multiple"),
    ("7346", "Communauté de communes"),
    ("7347", "Communauté de villes"),
    ("7348", "Communauté d'agglomération"),
    (
        "7349",
        "Autre établissement public local de coopération non spécialisé",
    ),
    ("7351", "Institution interdépartementale ou entente"),
    ("7352", "Institution interrégionale ou entente"),
    ("7353", "Syndicat intercommunal à vocation unique"),
    ("7354", "Syndicat mixte fermé"),
    ("7355", "Syndicat mixte ouvert"),
    (
        "7356",
        "Commission syndicale pour la gestion des biens indivis des communes",
    ),
    ("7357", "Pôle d'équilibre territorial et rural"),
    ("7361", "Centre communal d'action sociale"),
    ("7362", "Caisse des écoles"),
    ("7363", "Caisse de crédit municipal"),
    ("7364", "Établissement d'hospitalisation"),
    ("7365", "Syndicat inter-hospitalier"),
    ("7366", "Établissement public local social et médico-social"),
    ("7367", "Centre intercommunal d'action sociale"),
    ("7371", "Office public d'habitat"),
    ("7372", "Service départemental d'incendie et de secours"),
    ("7373", "Établissement public local culturel"),
    (
        "7378",
        "Régie d'une collectivité locale à caractère administratif",
    ),
    ("7379", "Autre établissement public administratif local"),
    ("7381", "Organisme consulaire"),
    (
        "7382",
        "Établissement public national ayant fonction d'administration centrale",
    ),
    (
        "7383",
        "Établissement public national à caractère scientifique, culturel et professionnel",
    ),
    ("7384", "Autre établissement public national d'enseignement"),
    (
        "7385",
        "Autre établissement public national administratif à compétence territoriale limitée",
    ),
    (
        "7389",
        "Établissement public national à caractère administratif",
    ),
    ("7410", "Groupement d'intérêt public"),
    ("7430", "Établissement public des cultes d'Alsace-Lorraine"),
    (
        "7450",
        "Établissement public administratif, cercle et foyer dans les armées",
    ),
    (
        "7470",
        "Groupement de coopération sanitaire à gestion publique",
    ),
    ("7490", "Autre personne morale de droit administratif"),
];

/// A few private codes with a label; other private codes are accepted by family.
const PRIVATE_LABELS: &[(&str, &str)] = &[
    ("1000", "Entrepreneur individuel"),
    ("5499", "Société à responsabilité limitée"),
    ("5498", "SARL unipersonnelle"),
    ("5599", "SA à conseil d'administration"),
    ("5710", "Société par actions simplifiée"),
    ("5720", "Société par actions simplifiée à associé unique"),
    ("6540", "Société civile immobilière"),
    ("9220", "Association déclarée"),
    ("9300", "Fondation"),
];

/// Level-II families of the INSEE nomenclature outside 41 and 7x.
const PRIVATE_FAMILIES: &[&str] = &[
    "10", "21", "22", "23", "24", "27", "29", "31", "32", "51", "52", "53", "54", "55", "56", "57",
    "58", "61", "62", "63", "64", "65", "66", "67", "69", "81", "82", "83", "84", "85", "91", "92",
    "93", "99",
];

/// Checks a catégorie juridique: four digits, and a code INSEE knows. Codes of the public
/// families (41xx, 7xxx) must be known exactly since they decide eligibility.
pub fn validate_categorie(code: &str) -> Result<LegalClass, String> {
    let code = code.trim();
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "la catégorie juridique doit compter 4 chiffres (reçu « {code} »)"
        ));
    }
    let family = &code[..2];
    if code.starts_with('7') || family == "41" {
        if PUBLIC_CODES.iter().any(|(c, _)| *c == code) {
            return Ok(classify(code));
        }
        return Err(format!(
            "catégorie juridique {code} inconnue de la nomenclature INSEE"
        ));
    }
    if PRIVATE_FAMILIES.contains(&family) {
        return Ok(LegalClass::Private);
    }
    Err(format!(
        "catégorie juridique {code} inconnue de la nomenclature INSEE"
    ))
}

/// The eligibility class of a (valid) code.
pub fn classify(code: &str) -> LegalClass {
    if code.starts_with('7') {
        LegalClass::PublicBody
    } else if code.starts_with("41") {
        LegalClass::NeedsReview
    } else {
        LegalClass::Private
    }
}

/// The INSEE label of a code, when known.
pub fn categorie_label(code: &str) -> Option<&'static str> {
    PUBLIC_CODES
        .iter()
        .chain(PRIVATE_LABELS)
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// All eligible codes (for the seed).
pub fn public_codes() -> impl Iterator<Item = &'static str> {
    PUBLIC_CODES
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| c.starts_with('7'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_body_test() {
        for code in [
            "7210", "7220", "7230", "7331", "7364", "7383", "7346", "7348", "7361",
        ] {
            assert_eq!(
                validate_categorie(code),
                Ok(LegalClass::PublicBody),
                "{code}"
            );
        }
        assert_eq!(validate_categorie("4140"), Ok(LegalClass::NeedsReview));
        assert_eq!(validate_categorie("5710"), Ok(LegalClass::Private)); // SAS
        assert_eq!(validate_categorie("9220"), Ok(LegalClass::Private)); // association
        assert_eq!(validate_categorie("1000"), Ok(LegalClass::Private));
    }

    #[test]
    fn unknown_codes_are_refused() {
        assert!(validate_categorie("7999").unwrap_err().contains("inconnue"));
        assert!(validate_categorie("4199").unwrap_err().contains("inconnue"));
        assert!(validate_categorie("0000").is_err());
        assert!(validate_categorie("72").unwrap_err().contains("4 chiffres"));
        assert!(validate_categorie("72a0").is_err());
        assert_eq!(
            categorie_label("7331"),
            Some("Établissement public local d'enseignement")
        );
    }
}

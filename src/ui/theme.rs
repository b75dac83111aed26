//! Themes: `themes/*.toml`, each naming every colour the console uses by its role. A file
//! with an unknown key, a missing role or a bad colour is an error naming the file and the
//! field — never a silent fallback. The three bundled themes are compiled in.

use crate::domain::Stage;
use ratatui::style::{Color, Style};

/// The name of a role in theme files: the field's name unless given.
macro_rules! role_name {
    ($role:ident) => {
        stringify!($role)
    };
    ($role:ident, $file:literal) => {
        $file
    };
}

/// Declares the colour roles once: the typed [`Colors`] every screen reads, the role names
/// of the theme files, and the strict reader that fills them.
macro_rules! colour_roles {
    ($($role:ident $(= $file:literal)?),* $(,)?) => {
        /// Every colour the console uses, by role. A typo in a role is a compile error.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Colors {
            $(pub $role: Color,)*
        }

        /// The roles read so far from a theme file.
        #[derive(Default)]
        struct PartialColors {
            $($role: Option<Color>,)*
        }

        impl PartialColors {
            fn slot(&mut self, role: &str) -> Option<&mut Option<Color>> {
                match role {
                    $(role_name!($role $(, $file)?) => Some(&mut self.$role),)*
                    _ => None,
                }
            }

            /// Every role, or the name of the first one missing.
            fn complete(self) -> Result<Colors, &'static str> {
                Ok(Colors {
                    $($role: self.$role.ok_or(role_name!($role $(, $file)?))?,)*
                })
            }
        }

        impl Colors {
            /// The terminal's own colours everywhere (only if a bundled theme were broken).
            fn terminal() -> Colors {
                Colors {
                    $($role: Color::Reset,)*
                }
            }
        }
    };
}

colour_roles!(
    background,
    text,
    muted,
    border,
    border_focus,
    title,
    header_bg,
    header_text,
    tab_active,
    tab_inactive,
    selection_bg,
    selection_text,
    highlight = "match",
    input_bg,
    ok,
    warning,
    danger,
    info,
    stage_quote,
    stage_preorder,
    stage_po_received,
    stage_delivered,
    stage_invoiced,
    stage_paid,
    stage_expired,
    stage_refused,
    stage_cancelled,
    flag_expiring,
    flag_expired,
    flag_waiting,
    flag_overdue,
    flag_partial,
);

/// The bundled themes: (name, TOML).
pub(crate) const BUNDLED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub colors: Colors,
}

fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Some(match s {
        "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" => Color::Gray,
        "dark_gray" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

impl Theme {
    /// Parses a theme file; `file` names it in errors.
    pub fn parse(name: &str, text: &str, file: &str) -> Result<Theme, String> {
        let value: toml::Table =
            toml::from_str(text).map_err(|e| format!("{file}: {}", e.to_string().trim()))?;
        let mut colors = PartialColors::default();
        for (section, v) in &value {
            if section != "colors" {
                return Err(format!(
                    "{file}: [{section}] : section inconnue (seule [colors] est attendue)"
                ));
            }
            let table = v
                .as_table()
                .ok_or_else(|| format!("{file}: colors : doit être une table"))?;
            for (key, v) in table {
                let slot = colors
                    .slot(key)
                    .ok_or_else(|| format!("{file}: colors.{key} : rôle de couleur inconnu"))?;
                let text = v.as_str().ok_or_else(|| {
                    format!("{file}: colors.{key} : doit être une chaîne (\"#rrggbb\" ou un nom)")
                })?;
                let color = parse_color(text)
                    .ok_or_else(|| format!("{file}: colors.{key} : couleur « {text} » invalide (\"#rrggbb\" ou black, red, …, white, reset)"))?;
                *slot = Some(color);
            }
        }
        let colors = colors
            .complete()
            .map_err(|missing| format!("{file}: colors.{missing} : rôle manquant"))?;
        Ok(Theme {
            name: name.to_string(),
            colors,
        })
    }

    /// A bundled theme by name.
    pub fn bundled(name: &str) -> Option<Theme> {
        BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(n, text)| Theme::parse(n, text, &format!("themes/{n}.toml")).ok())
    }

    pub fn default_theme() -> Theme {
        Theme::bundled("default").unwrap_or(Theme {
            name: "default".into(),
            colors: Colors::terminal(),
        })
    }

    /// The next bundled theme (the theme key cycles through them).
    pub fn next(&self) -> Theme {
        let i = BUNDLED
            .iter()
            .position(|(n, _)| *n == self.name)
            .unwrap_or(0);
        let (n, _) = BUNDLED[(i + 1) % BUNDLED.len()];
        Theme::bundled(n).unwrap_or_else(Theme::default_theme)
    }

    /// The style of the selected row or focused field.
    pub fn selected(&self) -> Style {
        Style::default()
            .fg(self.colors.selection_text)
            .bg(self.colors.selection_bg)
    }

    pub fn stage(&self, stage: Stage) -> Color {
        let c = &self.colors;
        match stage {
            Stage::Quote => c.stage_quote,
            Stage::PreOrder => c.stage_preorder,
            Stage::PoReceived => c.stage_po_received,
            Stage::Delivered => c.stage_delivered,
            Stage::Invoiced => c.stage_invoiced,
            Stage::Paid => c.stage_paid,
            Stage::Expired => c.stage_expired,
            Stage::Refused => c.stage_refused,
            Stage::Cancelled => c.stage_cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_themes_loads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_stem().unwrap().to_str().unwrap();
            Theme::parse(name, &text, &path.display().to_string()).unwrap();
            count += 1;
        }
        assert!(count >= 3);
        for (n, _) in BUNDLED {
            assert!(Theme::bundled(n).is_some(), "{n}");
        }
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let good = BUNDLED[0].1;
        let e = Theme::parse("x", &format!("{good}\n"), "x.toml");
        assert!(e.is_ok());
        let e = Theme::parse(
            "x",
            &good.replace("[colors]", "[colors]\nbackgrund = \"#000000\""),
            "x.toml",
        )
        .unwrap_err();
        assert_eq!(e, "x.toml: colors.backgrund : rôle de couleur inconnu");
        let without: String = good
            .lines()
            .filter(|l| !l.starts_with("flag_overdue"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            Theme::parse("x", &without, "x.toml").unwrap_err(),
            "x.toml: colors.flag_overdue : rôle manquant"
        );
        let bad = good.replace("background = \"#15181e\"", "background = \"#zz181e\"");
        assert!(
            Theme::parse("x", &bad, "x.toml")
                .unwrap_err()
                .contains("invalide")
        );
        assert!(
            Theme::parse("x", "[couleurs]\n", "x.toml")
                .unwrap_err()
                .contains("section inconnue")
        );
    }
}

//! Keys as the console understands them, independent of how the bytes were decoded.

/// A key press.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    /// Ctrl + a letter (lower case).
    Ctrl(char),
    /// Alt + a character.
    Alt(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

/// What arrives from the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Key(Key),
    /// A bracketed paste, delivered whole.
    Paste(String),
}

impl Key {
    /// Short French name for help texts and footers.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Espace".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Alt(c) => format!("Alt-{c}"),
            Key::Enter => "Entrée".into(),
            Key::Esc => "Échap".into(),
            Key::Tab => "Tab".into(),
            Key::BackTab => "Maj-Tab".into(),
            Key::Backspace => "Retour".into(),
            Key::Delete => "Suppr".into(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::Home => "Début".into(),
            Key::End => "Fin".into(),
            Key::PageUp => "PgPréc".into(),
            Key::PageDown => "PgSuiv".into(),
            Key::F(n) => format!("F{n}"),
        }
    }
}

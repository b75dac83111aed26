//! Bytes from the client's terminal → console keys, with termina's streaming parser.
//! Escape sequences split across packets are reassembled; a lone Esc is told apart from
//! the start of a sequence by a short timeout ([`Decoder::flush`]).

use crate::ui::{Input, Key};
use termina::Event;
use termina::event::{KeyCode, KeyEventKind, Modifiers};

/// How long to wait after a lone ESC byte before treating it as the Esc key.
pub(crate) const ESC_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(30);

#[derive(Default)]
pub(crate) struct Decoder {
    parser: termina::Parser,
    pending_escape: bool,
}

fn key_of(code: KeyCode, mods: Modifiers) -> Option<Key> {
    let ctrl = mods.contains(Modifiers::CONTROL);
    let alt = mods.contains(Modifiers::ALT);
    Some(match code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) if alt => Key::Alt(c),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Tab if mods.contains(Modifiers::SHIFT) => Key::BackTab,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Escape => Key::Esc,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Delete => Key::Delete,
        KeyCode::Function(n) => Key::F(n),
        _ => return None,
    })
}

impl Decoder {
    /// Feeds bytes; returns the inputs that are complete.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Vec<Input> {
        // Some terminals send DEL (0x7f) or ^H for Backspace and \r for Enter; termina maps them.
        self.parser.parse(bytes, true);
        self.pending_escape = bytes.last() == Some(&0x1b);
        self.drain()
    }

    /// Whether an Esc is waiting for [`ESC_TIMEOUT`] to pass.
    pub(crate) fn waiting(&self) -> bool {
        self.pending_escape
    }

    /// Called after [`ESC_TIMEOUT`] without input: a pending lone ESC becomes the Esc key.
    pub(crate) fn flush(&mut self) -> Vec<Input> {
        self.pending_escape = false;
        self.parser.parse(&[], false);
        self.drain()
    }

    fn drain(&mut self) -> Vec<Input> {
        let mut out = Vec::new();
        while let Some(ev) = self.parser.pop() {
            match ev {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    if let Some(key) = key_of(k.code, k.modifiers) {
                        out.push(Input::Key(key));
                    }
                }
                Event::Paste(text) => out.push(Input::Paste(text)),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(d: &mut Decoder, bytes: &[u8]) -> Vec<Input> {
        d.feed(bytes)
    }

    #[test]
    fn decodes_what_terminals_send() {
        let mut d = Decoder::default();
        assert_eq!(
            keys(&mut d, b"a\r"),
            vec![Input::Key(Key::Char('a')), Input::Key(Key::Enter)]
        );
        assert_eq!(
            keys(&mut d, b"\x1b[A\x1b[B\x1b[C\x1b[D"),
            vec![
                Input::Key(Key::Up),
                Input::Key(Key::Down),
                Input::Key(Key::Right),
                Input::Key(Key::Left)
            ]
        );
        assert_eq!(keys(&mut d, b"\x03"), vec![Input::Key(Key::Ctrl('c'))]);
        assert_eq!(keys(&mut d, b"\x0b"), vec![Input::Key(Key::Ctrl('k'))]);
        assert_eq!(keys(&mut d, b"\x7f"), vec![Input::Key(Key::Backspace)]);
        assert_eq!(keys(&mut d, b"\t"), vec![Input::Key(Key::Tab)]);
        assert_eq!(keys(&mut d, b"\x1bOP"), vec![Input::Key(Key::F(1))]);
        assert_eq!(keys(&mut d, b"\x1b[15~"), vec![Input::Key(Key::F(5))]);
        assert_eq!(
            keys(&mut d, "é€".as_bytes()),
            vec![Input::Key(Key::Char('é')), Input::Key(Key::Char('€'))]
        );
        assert_eq!(keys(&mut d, b"\x1bx"), vec![Input::Key(Key::Alt('x'))]);
    }

    #[test]
    fn split_sequences_and_lone_escape() {
        let mut d = Decoder::default();
        assert!(keys(&mut d, b"\x1b").is_empty());
        assert!(d.waiting());
        assert_eq!(keys(&mut d, b"[A"), vec![Input::Key(Key::Up)]);
        assert!(keys(&mut d, b"\x1b").is_empty());
        assert_eq!(d.flush(), vec![Input::Key(Key::Esc)]);
        // UTF-8 split across packets.
        let e = "é".as_bytes();
        assert!(keys(&mut d, &e[..1]).is_empty());
        assert_eq!(keys(&mut d, &e[1..]), vec![Input::Key(Key::Char('é'))]);
    }

    #[test]
    fn bracketed_paste_arrives_whole() {
        let mut d = Decoder::default();
        assert!(keys(&mut d, b"\x1b[200~Lyc\xc3\xa9e ").is_empty());
        assert_eq!(
            keys(&mut d, b"Jean Moulin\x1b[201~"),
            vec![Input::Paste("Lycée Jean Moulin".into())]
        );
    }
}

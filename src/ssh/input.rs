//! Bytes from the client's terminal → console keys, with termina's streaming parser.
//! Escape sequences split across packets are reassembled; a lone Esc is told apart from
//! the start of a sequence by a short timeout ([`Decoder::flush`]).

use crate::ui::{Input, Key};
use termina::Event;
use termina::event::{KeyCode, KeyEventKind, Modifiers};

/// How long to wait after a lone ESC byte before treating it as the Esc key.
pub(crate) const ESC_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(30);

/// Most bytes the parser may hold without producing a key or a paste: a longer escape
/// sequence or bracketed paste is dropped. termina re-reads its whole buffer at every byte,
/// so this bounds both the memory and the work one client can cause.
pub(crate) const MAX_PENDING: usize = 8 * 1024;

/// Bytes are handed to the parser in slices this long, so the bound is checked often.
const SLICE: usize = 256;

#[derive(Default)]
pub(crate) struct Decoder {
    parser: termina::Parser,
    pending_escape: bool,
    /// Bytes given to the parser since it last produced an event (an upper bound of what
    /// it holds).
    pending: usize,
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
        let mut out = Vec::new();
        for slice in bytes.chunks(SLICE) {
            self.parser.parse(slice, true);
            self.pending += slice.len();
            let before = out.len();
            self.drain_into(&mut out);
            if out.len() > before {
                self.pending = 0;
            } else if self.pending > MAX_PENDING {
                // An endless sequence or paste: forget it, keep the session.
                self.parser = termina::Parser::default();
                self.pending = 0;
            }
        }
        self.pending_escape = bytes.last() == Some(&0x1b);
        out
    }

    /// Bytes held by the parser at most (for the fuzzer's bound check).
    #[cfg(feature = "bench")]
    pub(crate) fn pending_bytes(&self) -> usize {
        self.pending
    }

    /// Whether an Esc is waiting for [`ESC_TIMEOUT`] to pass.
    pub(crate) fn waiting(&self) -> bool {
        self.pending_escape
    }

    /// Called after [`ESC_TIMEOUT`] without input: a pending lone ESC becomes the Esc key.
    pub(crate) fn flush(&mut self) -> Vec<Input> {
        self.pending_escape = false;
        self.parser.parse(&[], false);
        self.pending = 0;
        let mut out = Vec::new();
        self.drain_into(&mut out);
        out
    }

    fn drain_into(&mut self, out: &mut Vec<Input>) {
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

    #[test]
    fn endless_sequences_and_pastes_are_dropped_not_kept() {
        let mut d = Decoder::default();
        // The attack's soup: paste markers, CSI prefixes, digits and `;`, 1.4 MB of it.
        let mut soup = Vec::new();
        while soup.len() < 1_400_000 {
            soup.extend_from_slice(b"\x1b[200~\x1b[1;2;3;4;5;6;7;8;9;\x1b[");
            soup.extend_from_slice(&b"0123456789;".repeat(20));
        }
        for chunk in soup.chunks(32 * 1024) {
            let _ = d.feed(chunk);
            assert!(d.pending <= MAX_PENDING + SLICE, "{}", d.pending);
        }
        // The session goes on: once any open paste is closed, keys typed afterwards arrive.
        let _ = d.feed(b"\x1b[201~");
        let _ = d.flush();
        assert_eq!(
            keys(&mut d, b"ab"),
            vec![Input::Key(Key::Char('a')), Input::Key(Key::Char('b'))]
        );
        // A paste longer than the bound is dropped whole; a normal one still arrives.
        let mut long = b"\x1b[200~".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_PENDING * 2));
        long.extend_from_slice(b"\x1b[201~");
        let got = keys(&mut d, &long);
        assert!(
            !got.iter()
                .any(|i| matches!(i, Input::Paste(p) if p.len() > MAX_PENDING)),
            "a paste over the bound went through"
        );
        let _ = d.flush();
        assert_eq!(
            keys(&mut d, b"\x1b[200~ENG-42\x1b[201~"),
            vec![Input::Paste("ENG-42".into())]
        );
    }

    proptest::proptest! {
        /// Whatever bytes arrive, split however, the decoder neither panics nor holds more
        /// than its bound (the long runs come from `bench fuzz input`).
        #[test]
        fn any_bytes_in_any_chunks(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            cut in 1usize..512,
        ) {
            let mut d = Decoder::default();
            for chunk in bytes.chunks(cut) {
                let _ = d.feed(chunk);
                proptest::prop_assert!(d.pending <= MAX_PENDING + SLICE);
            }
            let _ = d.flush();
        }
    }
}

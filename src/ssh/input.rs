//! Bytes from the client's terminal → console keys, with termina's streaming parser.
//! Escape sequences split across packets are reassembled; a lone Esc is told apart from
//! the start of a sequence by a short timeout ([`Decoder::flush`]).

use crate::ui::{Input, Key};
use termina::Event;
use termina::event::{KeyCode, KeyEventKind, Modifiers};

/// How long to wait after a lone ESC byte before treating it as the Esc key.
pub(crate) const ESC_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(30);

/// Most bytes termina may hold without producing a key: no real escape sequence is that
/// long. termina re-reads its whole buffer at every byte, so this bounds both the memory
/// and the work one client can cause.
pub(crate) const MAX_PENDING: usize = 64;

/// Bytes are handed to termina in slices this long, so the bound is checked often.
const SLICE: usize = 16;

/// Longest bracketed paste kept; a longer one is dropped whole (a pasted public key is
/// under 2 KiB).
pub(crate) const MAX_PASTE: usize = 8 * 1024;

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// Bracketed pastes are read here, in one linear pass, never by termina (which would
/// re-read the paste at each of its bytes); keys and escape sequences go to termina.
#[derive(Default)]
pub(crate) struct Decoder {
    parser: termina::Parser,
    pending_escape: bool,
    /// Bytes given to termina since it last produced an event (an upper bound of what it
    /// holds).
    pending: usize,
    /// The start of a paste marker split across packets, held until the next bytes.
    carry: Vec<u8>,
    /// Inside a bracketed paste: its text so far, and whether it outgrew [`MAX_PASTE`].
    paste: Option<(Vec<u8>, bool)>,
}

/// Inputs a console takes per second, with a burst allowance: far beyond what a person
/// types (a paste is one input), so that a client flooding keys cannot take the server's
/// time from the other sessions. Inputs beyond are dropped.
pub(crate) struct InputBudget {
    tokens: f64,
    last: std::time::Instant,
}

const INPUTS_PER_SECOND: f64 = 200.0;
const INPUT_BURST: f64 = 400.0;

impl Default for InputBudget {
    fn default() -> Self {
        InputBudget {
            tokens: INPUT_BURST,
            last: std::time::Instant::now(),
        }
    }
}

impl InputBudget {
    /// Whether one more input may be taken now.
    pub(crate) fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * INPUTS_PER_SECOND;
        self.tokens = (self.tokens + refill).min(INPUT_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Bytes a console's client may send per second, with a burst allowance that fits a long
/// paste: a person typing sends a few bytes a second. Bytes beyond are dropped at once.
pub(crate) struct ByteBudget {
    bytes: f64,
    last: std::time::Instant,
}

const BYTES_PER_SECOND: f64 = 16.0 * 1024.0;
const BYTES_BURST: f64 = 64.0 * 1024.0;

impl Default for ByteBudget {
    fn default() -> Self {
        ByteBudget {
            bytes: BYTES_BURST,
            last: std::time::Instant::now(),
        }
    }
}

impl ByteBudget {
    /// Whether `n` more bytes may be taken now.
    pub(crate) fn take(&mut self, n: usize) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * BYTES_PER_SECOND;
        self.bytes = (self.bytes + refill).min(BYTES_BURST);
        self.last = now;
        if self.bytes >= n as f64 {
            self.bytes -= n as f64;
            true
        } else {
            false
        }
    }
}

/// Where `marker` starts in `data`.
fn find(data: &[u8], marker: &[u8]) -> Option<usize> {
    data.windows(marker.len()).position(|w| w == marker)
}

/// How many bytes at the end of `data` could begin `marker` (held back for the next bytes).
fn partial_marker(data: &[u8], marker: &[u8]) -> usize {
    (1..marker.len())
        .rev()
        .find(|&n| n <= data.len() && data[data.len() - n..] == marker[..n])
        .unwrap_or(0)
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
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut rest = &data[..];
        loop {
            if let Some((text, overflow)) = &mut self.paste {
                let (body, end) = match find(rest, PASTE_END) {
                    Some(k) => (&rest[..k], Some(k + PASTE_END.len())),
                    None => {
                        let keep = partial_marker(rest, PASTE_END);
                        self.carry = rest[rest.len() - keep..].to_vec();
                        (&rest[..rest.len() - keep], None)
                    }
                };
                if text.len() + body.len() > MAX_PASTE {
                    *overflow = true;
                    text.clear();
                } else if !*overflow {
                    text.extend_from_slice(body);
                }
                let Some(end) = end else { break };
                if let Some((text, false)) = self.paste.take() {
                    out.push(Input::Paste(String::from_utf8_lossy(&text).into_owned()));
                }
                rest = &rest[end..];
            } else {
                match find(rest, PASTE_START) {
                    Some(k) => {
                        self.keys(&rest[..k], &mut out);
                        self.paste = Some((Vec::new(), false));
                        rest = &rest[k + PASTE_START.len()..];
                    }
                    None => {
                        let keep = partial_marker(rest, PASTE_START);
                        self.keys(&rest[..rest.len() - keep], &mut out);
                        self.carry = rest[rest.len() - keep..].to_vec();
                        break;
                    }
                }
            }
        }
        self.pending_escape = !self.carry.is_empty() || bytes.last() == Some(&0x1b);
        out
    }

    /// Keys and escape sequences, through termina. Some terminals send DEL (0x7f) or ^H for
    /// Backspace and \r for Enter; termina maps them.
    fn keys(&mut self, bytes: &[u8], out: &mut Vec<Input>) {
        for slice in bytes.chunks(SLICE) {
            self.parser.parse(slice, true);
            self.pending += slice.len();
            let before = out.len();
            self.drain_into(out);
            if out.len() > before {
                self.pending = 0;
            } else if self.pending > MAX_PENDING {
                // An endless sequence: forget it, keep the session.
                self.parser = termina::Parser::default();
                self.pending = 0;
            }
        }
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
        let mut out = Vec::new();
        // Held bytes that did not turn into a paste marker are keys (a lone Esc…).
        let carry = std::mem::take(&mut self.carry);
        if self.paste.is_none() {
            self.keys(&carry, &mut out);
        } else {
            self.carry = carry;
        }
        self.parser.parse(&[], false);
        self.pending = 0;
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
    fn a_flood_of_bytes_is_cut_to_the_budget() {
        let mut b = ByteBudget::default();
        assert!(b.take(8 * 1024), "a long paste fits");
        let taken: usize = (0..1000).filter(|_| b.take(1024)).count();
        assert!(taken <= 57, "{taken} KiB taken at once");
        b.last -= std::time::Duration::from_secs(1);
        assert!(b.take(1024), "the budget refills");
    }

    #[test]
    fn a_flood_of_keys_is_cut_to_the_budget() {
        let mut b = InputBudget::default();
        let taken = (0..10_000).filter(|_| b.take()).count();
        assert!((400..=410).contains(&taken), "{taken}");
        b.last -= std::time::Duration::from_secs(1);
        assert!(b.take(), "the budget refills");
    }

    #[test]
    fn a_paste_split_anywhere_arrives_whole() {
        let key = format!("ssh-rsa {} bob@poste", "A".repeat(1400));
        let mut bytes = b"a\x1b[200~".to_vec();
        bytes.extend_from_slice(key.as_bytes());
        bytes.extend_from_slice(b"\x1b[201~b");
        for cut in [1, 2, 3, 5, 7, 64, 1000] {
            let mut d = Decoder::default();
            let mut got = Vec::new();
            for chunk in bytes.chunks(cut) {
                got.extend(d.feed(chunk));
            }
            got.extend(d.flush());
            assert_eq!(
                got,
                vec![
                    Input::Key(Key::Char('a')),
                    Input::Paste(key.clone()),
                    Input::Key(Key::Char('b'))
                ],
                "cut every {cut} bytes"
            );
        }
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
            assert!(
                d.paste.as_ref().is_none_or(|(t, _)| t.len() <= MAX_PASTE),
                "a paste grows past its bound"
            );
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
        long.extend(std::iter::repeat_n(b'x', MAX_PASTE * 2));
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
                proptest::prop_assert!(d.carry.len() < PASTE_START.len());
            }
            let _ = d.flush();
        }
    }
}

//! A ratatui backend for a remote terminal. `CrosstermBackend` would ask the *server's*
//! terminal for its size and cursor (failing, or blocking, under a service); this wrapper
//! answers from the pty request and window changes, and lets crossterm encode drawing into
//! an in-memory buffer that the session sends as one message per frame.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// Where crossterm writes: a byte buffer drained after each frame.
#[derive(Clone, Default)]
pub(crate) struct FrameBytes(Arc<Mutex<Vec<u8>>>);

impl Write for FrameBytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(crate) struct RemoteBackend {
    inner: CrosstermBackend<FrameBytes>,
    out: FrameBytes,
    size: Size,
    cursor: Position,
}

/// Sizes outside 1..=500 columns and 1..=200 rows are clamped: a hostile or buggy client
/// cannot make the server allocate a gigantic buffer.
pub(crate) fn clamp_size(cols: u32, rows: u32) -> Size {
    Size {
        width: cols.clamp(1, MAX_COLS) as u16,
        height: rows.clamp(1, MAX_ROWS) as u16,
    }
}

/// The largest screen drawn: more than a person can read; a larger terminal gets this.
pub(crate) const MAX_COLS: u32 = 500;
pub(crate) const MAX_ROWS: u32 = 200;

impl RemoteBackend {
    pub(crate) fn new(size: Size) -> RemoteBackend {
        let out = FrameBytes::default();
        RemoteBackend {
            inner: CrosstermBackend::new(out.clone()),
            out,
            size,
            cursor: Position::ORIGIN,
        }
    }

    pub(crate) fn set_size(&mut self, size: Size) {
        self.size = size;
    }

    /// The bytes produced since the last call.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut *self.out.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Backend for RemoteBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        self.cursor = p;
        self.inner.set_cursor_position(p)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.size,
            pixels: Size {
                width: 0,
                height: 0,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// Enter the alternate screen, hide the cursor, enable bracketed paste, clear.
pub(crate) const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[?2004h\x1b[H\x1b[2J";
/// Leave it again: colours reset, bracketed paste off, cursor shown, main screen back.
pub(crate) const LEAVE: &[u8] = b"\x1b[0m\x1b[?2004l\x1b[?25h\x1b[?1049l";

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::widgets::Paragraph;

    #[test]
    fn draws_into_bytes_at_the_remote_size() {
        let mut t = Terminal::new(RemoteBackend::new(clamp_size(20, 5))).unwrap();
        t.draw(|f| {
            assert_eq!(f.area().width, 20);
            f.render_widget(Paragraph::new("Tableau"), f.area());
        })
        .unwrap();
        let bytes = t.backend_mut().take();
        let mut parser = vt100::Parser::new(
            std::num::NonZeroU16::new(5).unwrap(),
            std::num::NonZeroU16::new(20).unwrap(),
            0,
        );
        parser.process(&bytes);
        assert!(parser.screen().contents().starts_with("Tableau"));
        assert_eq!(
            clamp_size(0, 100_000),
            Size {
                width: 1,
                height: 200
            }
        );
        assert_eq!(
            clamp_size(1000, 1000),
            Size {
                width: 500,
                height: 200
            }
        );
    }
}

//! Modal forms and confirmations. A form is a list of fields edited with the keyboard;
//! submitting it leads to a confirmation that says exactly what will happen.

use super::key::{Input, Key};
use super::theme::Theme;
use super::widgets::{centered, fit, push_text, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

mod text {
    pub(super) const CHECKED: &str = "[x]";
    pub(super) const UNCHECKED: &str = "[ ]";
    pub(super) const SUBMIT: &str = "Valider";
    pub(super) const HINT: &str = "Tab/↑↓ champ · Espace cocher · Entrée valider · Échap annuler";
    pub(super) const CONFIRM_HINT: &str = "o / Entrée : confirmer · n / Échap : annuler";
    pub(super) const REQUIRED: &str = "champ obligatoire";
    pub(super) const ISSUE_HINT: &str =
        "Tab : choisir le bouton · Entrée : valider le bouton choisi · Échap : annuler";
    pub(super) const CANCEL: &str = "Annuler";
}

/// How the code that reads a form addresses one of its fields: a typo is a compile
/// error, and reading a field the form does not have is caught by the tests (see
/// [`Form::value`]). Several fields of one form may share an id, one per row (the
/// lines of a quote, the contacts of a customer): [`Form::fields_named`] reads them in
/// order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldId {
    Siret,
    LegalName,
    Categorie,
    AddrName,
    AddrStreet,
    AddrExtra,
    AddrPostcode,
    AddrCity,
    ContactName,
    ContactPhone,
    ContactEmail,
    ServiceCode,
    ServiceRequired,
    EngagementRequired,
    Market,
    Address,
    Contact,
    LineSku,
    LineQty,
    Designation,
    Price,
    Vat,
    Sku,
    Stock,
    Delta,
    Reason,
    PoNumber,
    PoDate,
    Letterhead,
    Dated,
    Signed,
    Stamped,
    AmountMatches,
    Contract,
    Date,
    Amount,
    Reference,
    Surplus,
    Invoice,
    Invoices,
    Quantity,
    To,
    Name,
    Role,
    Key,
}

/// What a field holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Text,
    Check,
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// How the code that reads the form addresses the field.
    pub name: FieldId,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub checked: bool,
    pub hint: String,
    /// Longest text the field takes, in characters.
    pub max_chars: usize,
    /// May be left empty.
    pub optional: bool,
}

impl Field {
    /// A field that takes longer text than usual (a pasted public key).
    pub(crate) fn long(mut self, max_chars: usize) -> Field {
        self.max_chars = max_chars;
        self
    }

    /// A text field that may be left empty (a contract reference, a partial amount).
    pub(crate) fn optional(mut self) -> Field {
        self.optional = true;
        self
    }

    pub(crate) fn text(name: FieldId, label: &str, value: &str, hint: &str) -> Field {
        Field {
            name,
            label: label.into(),
            kind: FieldKind::Text,
            value: value.into(),
            checked: false,
            hint: hint.into(),
            max_chars: 200,
            optional: false,
        }
    }

    pub(crate) fn check(name: FieldId, label: &str) -> Field {
        Field {
            name,
            label: label.into(),
            kind: FieldKind::Check,
            value: String::new(),
            checked: false,
            hint: String::new(),
            max_chars: 0,
            optional: false,
        }
    }
}

/// Result of feeding a key to a form.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FormEvent {
    None,
    Cancel,
    Submit,
}

#[derive(Clone, Debug)]
pub(crate) struct Form {
    pub title: String,
    pub intro: Vec<String>,
    pub fields: Vec<Field>,
    /// Index of the focused field; `fields.len()` is the submit button.
    pub focus: usize,
    pub error: Option<String>,
    /// The field a refusal was about, shown marked (and focused) until it is edited.
    pub marked: Option<usize>,
    /// A form of lines (a quote) that offers another line once the last one is used, up
    /// to this many lines.
    pub grow_lines: Option<usize>,
    /// A fingerprint of the record the form was filled from, so that submitting over a
    /// colleague's change is refused instead of overwriting it (0: none).
    pub basis: u64,
    initial: Vec<(String, bool)>,
}

impl Form {
    pub(crate) fn new(title: &str, intro: Vec<String>, fields: Vec<Field>) -> Form {
        let initial = fields
            .iter()
            .map(|f| (f.value.clone(), f.checked))
            .collect();
        Form {
            title: title.into(),
            intro,
            fields,
            focus: 0,
            error: None,
            marked: None,
            grow_lines: None,
            basis: 0,
            initial,
        }
    }

    /// Whether the person typed something that would be lost by leaving.
    pub(crate) fn dirty(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|(f, (v, c))| f.value != *v || f.checked != *c)
    }

    /// The field `name`. A form asked for a field it was not built with is a bug in the
    /// code that reads it: the tests fail on it; a release build reads it as empty
    /// rather than take the session down.
    fn field(&self, name: FieldId) -> Option<&Field> {
        let found = self.fields.iter().find(|f| f.name == name);
        debug_assert!(
            found.is_some(),
            "the form « {} » has no field {name:?}",
            self.title
        );
        found
    }

    /// The trimmed text of the field `name`.
    pub(crate) fn value(&self, name: FieldId) -> &str {
        self.field(name).map(|f| f.value.trim()).unwrap_or("")
    }

    /// Whether the box `name` is ticked.
    pub(crate) fn checked(&self, name: FieldId) -> bool {
        self.field(name).is_some_and(|f| f.checked)
    }

    /// Every field called `name`, in order (one per line of a delivery, say).
    pub(crate) fn fields_named(&self, name: FieldId) -> impl Iterator<Item = &Field> + '_ {
        self.fields.iter().filter(move |f| f.name == name)
    }

    /// Required fields that are empty or unticked, by label.
    pub(crate) fn missing(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| !f.optional)
            .filter(|f| {
                if f.kind == FieldKind::Check {
                    !f.checked
                } else {
                    f.value.trim().is_empty()
                }
            })
            .map(|f| f.label.clone())
            .collect()
    }

    pub(crate) fn handle(&mut self, input: &Input) -> FormEvent {
        let n = self.fields.len();
        match input {
            Input::Paste(t) => {
                if let Some(f) = self.fields.get_mut(self.focus)
                    && f.kind == FieldKind::Text
                {
                    push_text(&mut f.value, t, f.max_chars);
                }
                self.grow();
            }
            Input::Key(k) => match k {
                Key::Esc => return FormEvent::Cancel,
                Key::Tab | Key::Down => self.focus = (self.focus + 1) % (n + 1),
                Key::BackTab | Key::Up => self.focus = (self.focus + n) % (n + 1),
                // Enter sends the form from any field; Space ticks a box.
                Key::Enter => {
                    let missing = self.missing();
                    if missing.is_empty() {
                        self.error = None;
                        return FormEvent::Submit;
                    }
                    self.error = Some(format!("{} : {}", text::REQUIRED, missing.join(", ")));
                }
                Key::Char(' ')
                    if self.focus < n && self.fields[self.focus].kind == FieldKind::Check =>
                {
                    self.fields[self.focus].checked = !self.fields[self.focus].checked;
                }
                Key::Char(c) => {
                    if let Some(f) = self.fields.get_mut(self.focus)
                        && f.kind == FieldKind::Text
                    {
                        push_text(&mut f.value, c.encode_utf8(&mut [0; 4]), f.max_chars);
                    }
                    self.grow();
                }
                Key::Backspace => {
                    if let Some(f) = self.fields.get_mut(self.focus) {
                        f.value.pop();
                    }
                }
                Key::Ctrl('u') => {
                    if let Some(f) = self.fields.get_mut(self.focus) {
                        f.value.clear();
                    }
                }
                _ => {}
            },
        }
        FormEvent::None
    }

    /// In a form of lines, once the last line is being filled, another empty one follows
    /// it (up to `grow_lines`): a quote is not limited to the rows shown at first.
    fn grow(&mut self) {
        let Some(max) = self.grow_lines else { return };
        let rows: Vec<usize> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == FieldId::LineSku)
            .map(|(i, _)| i)
            .collect();
        let (Some(&last), n) = (rows.last(), rows.len()) else {
            return;
        };
        let in_last = self.focus == last || self.focus == last + 1;
        if !in_last || n >= max || self.fields[last].value.trim().is_empty() {
            return;
        }
        let i = n + 1;
        self.fields.insert(
            last + 2,
            Field::text(FieldId::LineQty, &format!("Ligne {i} — quantité"), "", "").optional(),
        );
        self.fields.insert(
            last + 2,
            Field::text(FieldId::LineSku, &format!("Ligne {i} — référence"), "", "").optional(),
        );
        self.initial.insert(last + 2, (String::new(), false));
        self.initial.insert(last + 2, (String::new(), false));
    }

    /// Shows a refusal of what was typed: the whole message, and the field it names (the
    /// longest label found in it) marked and focused; every value stays as typed.
    pub(crate) fn refused(&mut self, message: &str) {
        let msg = message.to_lowercase();
        let found = self
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let label = f
                    .label
                    .split(" (")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_lowercase();
                (label.chars().count() >= 3 && msg.contains(&label)).then_some((i, label.len()))
            })
            .max_by_key(|(_, len)| *len)
            .map(|(i, _)| i);
        self.marked = found;
        if let Some(i) = found {
            self.focus = i;
        }
        self.error = Some(message.to_string());
    }

    pub(crate) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        // The introduction wraps (what it says is how to fill the form), never cut.
        let inner_w = 72.min(area.width).saturating_sub(4) as usize;
        let intro: Vec<String> = self.intro.iter().flat_map(|l| wrap(l, inner_w)).collect();
        let error_lines = self
            .error
            .as_ref()
            .map_or(1, |e| wrap(&format!("✗ {e}"), inner_w).len().max(1));
        let height = (intro.len() + self.fields.len() + 5 + error_lines) as u16;
        let r = centered(area, 72, height);
        f.render_widget(Clear, r);
        let base = Style::default()
            .fg(theme.colors.text)
            .bg(theme.colors.background);
        let block = Block::default()
            .title(format!(" {} ", self.title))
            .borders(Borders::ALL)
            .border_style(Style::default().fg(theme.colors.border_focus))
            .style(base);
        let intro_len = intro.len();
        let mut lines: Vec<Line> = intro.into_iter().map(Line::from).collect();
        lines.push(Line::from(""));
        for (i, field) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let marked = self.marked == Some(i);
            let marker = match (focused, marked) {
                (_, true) => "✗ ",
                (true, false) => "▶ ",
                _ => "  ",
            };
            let style = match (focused, marked) {
                (true, _) => theme.selected(),
                (false, true) => base.fg(theme.colors.danger),
                _ => base,
            };
            let body = match field.kind {
                FieldKind::Check => {
                    format!(
                        "{marker}{} {}",
                        if field.checked {
                            text::CHECKED
                        } else {
                            text::UNCHECKED
                        },
                        field.label
                    )
                }
                FieldKind::Text => {
                    let cursor = if focused { "▏" } else { "" };
                    let hint = if field.value.is_empty() && !field.hint.is_empty() {
                        format!("  ({})", field.hint)
                    } else {
                        String::new()
                    };
                    format!("{marker}{} : {}{cursor}{hint}", field.label, field.value)
                }
            };
            lines.push(Line::from(Span::styled(fit(&body, inner_w), style)));
        }
        let submit_style = if self.focus == self.fields.len() {
            theme.selected().add_modifier(Modifier::BOLD)
        } else {
            base.add_modifier(Modifier::BOLD)
        };
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!("  [ {} ]", text::SUBMIT),
            submit_style,
        )));
        // What is wrong is shown whole, wrapped; else the keys.
        let pinned: Vec<Line> = match &self.error {
            Some(e) => wrap(&format!("✗ {e}"), inner_w)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, base.fg(theme.colors.danger))))
                .collect(),
            None => vec![Line::from(Span::styled(
                text::HINT,
                base.fg(theme.colors.muted),
            ))],
        };
        // A form taller than the screen scrolls to keep the focused field in view; the
        // last lines (the keys, or what is wrong) always show.
        let room = (r.height.saturating_sub(2) as usize).saturating_sub(pinned.len());
        let focus_line = intro_len + 1 + self.focus.min(self.fields.len() + 1);
        let skip = if lines.len() > room && focus_line + 1 >= room {
            (focus_line + 2 - room).min(lines.len() - room)
        } else {
            0
        };
        let mut lines: Vec<Line> = lines.into_iter().skip(skip).take(room).collect();
        lines.extend(pinned);
        f.render_widget(Paragraph::new(lines).block(block), r);
    }
}

/// A yes/no question before an action runs.
#[derive(Clone, Debug)]
pub(crate) struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    /// For an action that issues a legal document: the button that issues it
    /// (`Émettre la facture`). No letter confirms such a dialog: the person moves to the
    /// button with Tab and presses Enter; Enter on `Annuler` (where the focus starts)
    /// cancels.
    pub issue: Option<String>,
    pub issue_focused: bool,
}

impl Confirm {
    /// `Some(true)` confirmed, `Some(false)` cancelled, `None` not decided yet.
    pub(crate) fn handle(&mut self, input: &Input) -> Option<bool> {
        let Input::Key(key) = input else { return None };
        if self.issue.is_some() {
            return match key {
                Key::Esc => Some(false),
                Key::Tab | Key::BackTab | Key::Left | Key::Right => {
                    self.issue_focused = !self.issue_focused;
                    None
                }
                Key::Enter => Some(self.issue_focused),
                _ => None,
            };
        }
        match key {
            Key::Char('o' | 'O' | 'y' | 'Y') | Key::Enter => Some(true),
            Key::Char('n' | 'N') | Key::Esc => Some(false),
            _ => None,
        }
    }

    pub(crate) fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        // Wrapped here, so the dialog is as tall as its text and its buttons always show:
        // when the screen is too short, the first lines give way, never the buttons.
        let extra = if self.issue.is_some() { 5 } else { 4 };
        let inner = 72.min(area.width).saturating_sub(2) as usize;
        let mut wrapped: Vec<String> = self.lines.iter().flat_map(|l| wrap(l, inner)).collect();
        let room = (area.height as usize).saturating_sub(extra);
        if wrapped.len() > room {
            wrapped.drain(..wrapped.len() - room);
        }
        let r = centered(area, 72, (wrapped.len() + extra) as u16);
        f.render_widget(Clear, r);
        let base = Style::default()
            .fg(theme.colors.text)
            .bg(theme.colors.background);
        let mut lines: Vec<Line> = wrapped.into_iter().map(Line::from).collect();
        lines.push(Line::from(""));
        if let Some(issue) = &self.issue {
            let button = |label: &str, focused: bool| {
                let style = if focused {
                    theme.selected().add_modifier(Modifier::BOLD)
                } else {
                    base
                };
                Span::styled(format!("[ {label} ]"), style)
            };
            lines.push(Line::from(vec![
                Span::raw("  "),
                button(text::CANCEL, !self.issue_focused),
                Span::raw("   "),
                button(issue, self.issue_focused),
            ]));
            lines.push(Line::from(Span::styled(
                text::ISSUE_HINT,
                base.fg(theme.colors.muted),
            )));
        } else {
            lines.push(Line::from(Span::styled(
                text::CONFIRM_HINT,
                base.fg(theme.colors.muted),
            )));
        }
        let block = Block::default()
            .title(format!(" {} ", self.title))
            .borders(Borders::ALL)
            .border_style(Style::default().fg(theme.colors.warning))
            .style(base);
        f.render_widget(Paragraph::new(lines).block(block), r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: char) -> Input {
        Input::Key(Key::Char(c))
    }

    #[test]
    fn typing_ticking_and_submitting() {
        let mut form = Form::new(
            "BC",
            vec![],
            vec![
                Field::text(FieldId::PoNumber, "N°", "", "ENG-…"),
                Field::check(FieldId::Signed, "Signé"),
            ],
        );
        assert!(!form.dirty());
        form.handle(&k('A'));
        assert!(form.dirty());
        assert_eq!(form.handle(&Input::Key(Key::Tab)), FormEvent::None);
        form.handle(&Input::Key(Key::Tab));
        assert_eq!(
            form.handle(&Input::Key(Key::Enter)),
            FormEvent::None,
            "the box is not ticked"
        );
        assert!(form.error.as_deref().unwrap().contains("Signé"));
        form.handle(&Input::Key(Key::BackTab));
        form.handle(&k(' '));
        form.handle(&Input::Key(Key::Tab));
        assert_eq!(form.handle(&Input::Key(Key::Enter)), FormEvent::Submit);
        assert_eq!(form.value(FieldId::PoNumber), "A");
        assert!(form.checked(FieldId::Signed));
        assert_eq!(form.handle(&Input::Key(Key::Esc)), FormEvent::Cancel);
    }
}

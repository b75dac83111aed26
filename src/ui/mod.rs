//! The console: one [`Console`] model per SSH session, in The Elm Architecture — `update`
//! takes a message (a key, a change made elsewhere, a clock tick, a search result) and
//! returns commands for the session to run (searches, on the shared worker pool); `draw`
//! renders the model. The UI calls the app layer and never the store or russh.

pub mod access;
pub(crate) mod actions;
mod aged;
mod alerts;
mod audit;
mod bank;
mod board;
mod customers;
mod documents;
pub(crate) mod forms;
mod help;
pub(crate) mod key;
mod order;
mod palette;
mod stock;
pub(crate) mod theme;
pub(crate) mod widgets;

pub use key::{Input, Key};
pub use theme::Theme;

use crate::app::{Actor, App, Change, Permission};
use actions::Action;
use forms::{Confirm, Form};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use std::sync::Arc;
use std::time::{Duration, Instant};
use widgets::{fit, spread};

mod text;

/// Which search a result belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchTarget {
    Customers,
    Palette,
}

/// What the session feeds the model.
#[derive(Debug)]
pub enum Msg {
    Input(Input),
    Changed(Change),
    /// Time passes (flags that depend on the date, status messages that expire).
    Tick,
    Found(SearchTarget, crate::app::queries::SearchResult),
    /// A confirmed operation finished (off the session's task).
    Done(Done),
}

/// A confirmed operation, to run off the session's task: its commit waits for the disk
/// and it may render PDFs.
#[derive(Clone, Debug)]
pub struct Job(JobKind);

#[derive(Clone, Debug)]
enum JobKind {
    /// An operation on orders, customers, documents or the catalogue.
    Operation(actions::Pending),
    /// A change in the Accès tab (keys and the audit trail).
    Access(access::AccessJob),
}

impl Job {
    /// Runs the operation for `me` (blocking: on a blocking thread).
    pub fn run(self, app: &App, me: &Actor) -> Msg {
        match self.0 {
            JobKind::Operation(p) => Msg::Done(Done(actions::execute(app, me, p))),
            JobKind::Access(job) => {
                let (level, msg) = job.run();
                Msg::Done(Done((level, msg, None)))
            }
        }
    }
}

/// What a finished operation says, and what it opens next.
#[derive(Clone, Debug)]
pub struct Done(actions::Outcome);

impl Msg {
    /// An operation that could not finish, with why.
    pub fn failed(why: &str) -> Msg {
        Msg::Done(Done((Level::Error, why.to_string(), None)))
    }
}

/// Work the model asks the session to do off the input path.
#[derive(Clone, Debug)]
pub enum Cmd {
    /// The text typed in a search box: the session's searches answer with
    /// [`Msg::Found`] (see `app::search_session`).
    Search { target: SearchTarget, query: String },
    /// Run a confirmed operation and answer with [`Msg::Done`].
    Execute(Job),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Board,
    Customers,
    Documents,
    Access,
}

impl Tab {
    fn index(self) -> usize {
        self as usize
    }
}

/// A screen opened on top of a tab.
enum View {
    Order(Box<order::OrderScreen>),
    Customer(Box<customers::CustomerScreen>),
    Document(Box<documents::DocumentScreen>),
    Stock(Box<stock::StockScreen>),
    Alerts(Box<alerts::AlertsScreen>),
    Aged(Box<aged::AgedScreen>),
    Audit(Box<audit::AuditScreen>),
    Bank(Box<bank::BankScreen>),
}

/// A modal on top of everything.
enum Modal {
    Form(Form, actions::Op),
    Confirm(Confirm, actions::Pending),
    Help,
    Palette(palette::Palette),
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Ok,
    Error,
    Info,
}

pub struct Console {
    app: Arc<App>,
    me: Actor,
    theme: Theme,
    themes: Arc<Vec<Theme>>,
    tab: Tab,
    board: board::Board,
    customers: customers::Customers,
    documents: documents::Documents,
    access: Option<access::AccessTab>,
    views: Vec<View>,
    modal: Option<Modal>,
    /// The form behind the confirmation or the operation under way: a refusal (or « non »
    /// at the confirmation) brings it back with everything typed.
    stash: Option<(Form, actions::Op)>,
    status: Option<(Level, String, Instant)>,
    /// An operation confirmed and not finished yet: what it is.
    busy: Option<String>,
    /// A change concerned the board / the Documents tab since they were last loaded.
    board_stale: bool,
    documents_stale: bool,
    /// A change altered what this console shows: its next frame must be drawn.
    redraw: bool,
    /// The header's alert count as last drawn.
    drawn_alerts: usize,
    quit: bool,
    /// Shop name shown in the header, and the `ssh` command prefix shown for downloads.
    shop: String,
    ssh_hint: String,
}

/// How long a status line must have been shown before a key press clears it.
const STATUS_SEEN: Duration = Duration::from_millis(300);
const STATUS_TTL: Duration = Duration::from_secs(12);

impl Console {
    pub fn new(app: Arc<App>, me: Actor, themes: Arc<Vec<Theme>>, ssh_hint: String) -> Console {
        let theme = saved_theme(&app, &me.name, &themes)
            .unwrap_or_else(|| themes.first().cloned().unwrap_or_else(Theme::default_theme));
        let shop = app.settings().seller.name.clone();
        let board = board::Board::new(&app);
        let documents = documents::Documents::new();
        Console {
            customers: customers::Customers::default(),
            app,
            me,
            theme,
            themes,
            tab: Tab::Board,
            board,
            documents,
            access: None,
            views: Vec::new(),
            modal: None,
            stash: None,
            status: None,
            busy: None,
            board_stale: false,
            documents_stale: false,
            redraw: true,
            drawn_alerts: 0,
            quit: false,
            shop,
            ssh_hint,
        }
    }

    /// Plugs in the Accès tab (for those who may manage access).
    pub fn with_access(mut self, admin: std::sync::Arc<dyn access::AccessAdmin>) -> Console {
        if Permission::ManageAccess.allows(self.me.role) {
            self.access = Some(access::AccessTab::new(admin, self.me.clone()));
        }
        self
    }

    pub fn quitting(&self) -> bool {
        self.quit
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Whether a text field has the keyboard (so letters are not shortcuts).
    fn typing(&self) -> bool {
        match self.modal {
            Some(Modal::Form(..)) | Some(Modal::Palette(_)) => return true,
            Some(_) => return false,
            None => {}
        }
        if let Some(View::Audit(a)) = self.views.last() {
            return a.typing();
        }
        if !self.views.is_empty() {
            return false;
        }
        match self.tab {
            Tab::Board => self.board.typing(),
            Tab::Customers => self.customers.typing(),
            Tab::Documents => self.documents.typing(),
            Tab::Access => self.access.as_ref().is_some_and(|a| a.typing()),
        }
    }

    fn dirty(&self) -> bool {
        matches!(&self.modal, Some(Modal::Form(form, _)) if form.dirty())
    }

    pub fn set_status(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some((level, text.into(), Instant::now()));
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Input(input) => self.on_input(input),
            Msg::Changed(change) => {
                self.refresh(&change);
                Vec::new()
            }
            Msg::Tick => {
                if matches!(&self.status, Some((_, _, at)) if at.elapsed() > STATUS_TTL) {
                    self.status = None;
                }
                self.board.reload(&self.app);
                Vec::new()
            }
            Msg::Done(Done((level, msg, follow))) => {
                self.busy = None;
                match self.stash.take() {
                    // Refused: the form again, as typed, the refused field marked.
                    Some((mut form, op)) if level == Level::Error && self.modal.is_none() => {
                        form.refused(&msg);
                        self.modal = Some(Modal::Form(form, op));
                    }
                    _ => {}
                }
                self.set_status(level, msg);
                if let Some(next) = follow {
                    self.open_after(next);
                }
                self.refresh(&Change {
                    access: true,
                    ..Change::everything()
                });
                Vec::new()
            }
            Msg::Found(target, result) => {
                match target {
                    SearchTarget::Customers => self.customers.found(result),
                    SearchTarget::Palette => {
                        if let Some(Modal::Palette(p)) = &mut self.modal {
                            p.found(result);
                        }
                    }
                }
                Vec::new()
            }
        }
    }

    /// Something changed elsewhere: reload what it concerns, keep the cursor. A screen
    /// the change does not concern costs nothing; the board and the Documents tab are
    /// marked stale and reloaded when they are next drawn.
    fn refresh(&mut self, change: &Change) {
        let mut shown = false;
        if change.access
            && let Some(a) = &mut self.access
        {
            a.refresh();
            shown |= self.views.is_empty() && self.tab == Tab::Access;
        }
        if change.all || !change.orders.is_empty() || !change.customers.is_empty() {
            self.board_stale = true;
            shown |= self.views.is_empty() && self.tab == Tab::Board;
        }
        if change.all || change.documents {
            self.documents_stale = true;
            shown |= self.views.is_empty() && self.tab == Tab::Documents;
        }
        let orders_moved = change.all || !change.orders.is_empty();
        let top = self.views.len().saturating_sub(1);
        for (i, v) in self.views.iter_mut().enumerate() {
            let reloaded = match v {
                View::Order(o) if o.concerned(change) => {
                    o.reload(&self.app);
                    true
                }
                View::Customer(c) if c.concerned(change) => {
                    c.reload(&self.app);
                    true
                }
                View::Stock(s) if orders_moved => {
                    s.reload(&self.app);
                    true
                }
                View::Alerts(a) if orders_moved || !change.customers.is_empty() => {
                    a.reload(&self.app);
                    true
                }
                View::Aged(a) if orders_moved || !change.customers.is_empty() => {
                    a.reload(&self.app);
                    true
                }
                View::Bank(b) if orders_moved => {
                    b.reload(&self.app);
                    true
                }
                // Unfiltered, the newest records follow each commit; a filter is applied
                // again on Enter (it may read far back).
                View::Audit(a) if a.unfiltered() => {
                    a.reload(&self.app);
                    true
                }
                _ => false,
            };
            shown |= reloaded && i == top;
        }
        self.customers.changed(&self.app);
        // The header's alert count is shared by every console (computed once per commit).
        let alerts = self
            .app
            .alert_count(self.app.today(), &self.app.settings().ecb_rates);
        self.redraw |= shown || change.all || alerts != self.drawn_alerts;
    }

    /// Whether the next frame differs from the last one drawn: a change that concerns
    /// nothing on screen costs no frame.
    pub fn wants_redraw(&self) -> bool {
        self.redraw
    }

    /// Reloads the tab about to be drawn if a change made it stale.
    fn reload_stale(&mut self) {
        if !self.views.is_empty() {
            return;
        }
        match self.tab {
            Tab::Board if self.board_stale => {
                self.board.reload(&self.app);
                self.board_stale = false;
            }
            Tab::Documents if self.documents_stale => {
                self.documents.reload(&self.app);
                self.documents_stale = false;
            }
            _ => {}
        }
    }

    fn on_input(&mut self, input: Input) -> Vec<Cmd> {
        // Modals first.
        if let Some(modal) = self.modal.take() {
            return self.on_modal(modal, input);
        }
        // A status line gives way to the key hints once the person moves on (it has been
        // on screen a moment: the key that produced it does not erase it).
        if matches!(input, Input::Key(_))
            && matches!(&self.status, Some((_, _, at)) if at.elapsed() > STATUS_SEEN)
        {
            self.status = None;
        }
        let typing = self.typing();
        if let Input::Key(k) = &input {
            match k {
                Key::Ctrl('c') => {
                    self.quit = true;
                    return Vec::new();
                }
                Key::Ctrl('k') => return self.open_palette(),
                Key::F(n @ 1..=4) => {
                    self.go_tab(
                        [Tab::Board, Tab::Customers, Tab::Documents, Tab::Access][*n as usize - 1],
                    );
                    return Vec::new();
                }
                // Alt+digit switches tab even where digits are typed (the search box).
                Key::Alt(c @ '1'..='4') => {
                    let n = *c as usize - '1' as usize;
                    self.go_tab([Tab::Board, Tab::Customers, Tab::Documents, Tab::Access][n]);
                    return Vec::new();
                }
                _ => {}
            }
            if !typing {
                match k {
                    Key::Char('q') => {
                        self.quit = true;
                        return Vec::new();
                    }
                    Key::Char('?') => {
                        self.modal = Some(Modal::Help);
                        return Vec::new();
                    }
                    Key::Char('!') => return self.run(Some(Action::OpenAlerts)),
                    Key::Char('$') => return self.run(Some(Action::OpenAged)),
                    Key::Char('R') => return self.run(Some(Action::OpenBank)),
                    Key::Char('J') => return self.run(Some(Action::OpenAudit)),
                    Key::Char(':') => return self.open_palette(),
                    Key::Char('t') => {
                        self.next_theme();
                        return Vec::new();
                    }
                    Key::Char(c @ '1'..='4') if self.views.is_empty() => {
                        let i = *c as usize - '1' as usize;
                        self.go_tab([Tab::Board, Tab::Customers, Tab::Documents, Tab::Access][i]);
                        return Vec::new();
                    }
                    Key::Esc if !self.views.is_empty() => {
                        self.views.pop();
                        return Vec::new();
                    }
                    _ => {}
                }
            }
        }
        if let Some(view) = self.views.last_mut() {
            let action = match view {
                View::Order(o) => o.handle(&input),
                View::Customer(c) => c.handle(&input),
                View::Document(d) => d.handle(&input),
                View::Stock(s) => s.handle(&input),
                View::Alerts(a) => a.handle(&input),
                View::Aged(a) => a.handle(&input),
                View::Audit(a) => a.handle(&self.app, &input),
                View::Bank(b) => b.handle(&input),
            };
            return self.run(action);
        }
        match self.tab {
            Tab::Board => {
                let action = self.board.handle(&self.app, &input);
                self.run(action)
            }
            Tab::Customers => {
                let (action, cmds) = self.customers.handle(&input);
                let mut out = cmds;
                out.extend(self.run(action));
                out
            }
            Tab::Documents => {
                let action = self.documents.handle(&self.app, &input);
                self.run(action)
            }
            Tab::Access => {
                let Some(reply) = self.access.as_mut().and_then(|a| a.handle(&input)) else {
                    return Vec::new();
                };
                match reply {
                    access::AccessReply::Status(level, msg) => self.set_status(level, msg),
                    access::AccessReply::Run(_) if self.busy.is_some() => {
                        let what = self.busy.clone().unwrap_or_default();
                        self.set_status(
                            Level::Info,
                            format!(
                                "… {what} : en cours ; attendez sa fin, puis recommencez (rien n'a changé)"
                            ),
                        );
                    }
                    access::AccessReply::Run(job) => {
                        let what = job.what().to_string();
                        return self.hand_over(what, JobKind::Access(job));
                    }
                }
                Vec::new()
            }
        }
    }

    fn on_modal(&mut self, modal: Modal, input: Input) -> Vec<Cmd> {
        match modal {
            Modal::Help => {
                if !matches!(
                    input,
                    Input::Key(Key::Char('?') | Key::Esc | Key::Char('q') | Key::Enter)
                ) {
                    self.modal = Some(Modal::Help);
                }
                Vec::new()
            }
            Modal::Quit => {
                let mut c = Confirm {
                    issue: None,
                    issue_focused: false,
                    title: text::QUIT_TITLE.into(),
                    lines: vec![],
                };
                match c.handle(&input) {
                    Some(true) => self.quit = true,
                    Some(false) => {}
                    None => self.modal = Some(Modal::Quit),
                }
                Vec::new()
            }
            Modal::Confirm(mut confirm, pending) => {
                match confirm.handle(&input) {
                    Some(true) => {
                        let what = pending.op.spec().short.to_string();
                        return self.hand_over(what, JobKind::Operation(pending));
                    }
                    Some(false) => match self.stash.take() {
                        // Back to the form, as typed.
                        Some((form, op)) => {
                            self.modal = Some(Modal::Form(form, op));
                            self.set_status(
                                Level::Info,
                                "Rien n'a changé : la saisie est gardée (Échap pour l'abandonner)",
                            );
                        }
                        None => self.set_status(Level::Info, "Action annulée, rien n'a changé"),
                    },
                    None => self.modal = Some(Modal::Confirm(confirm, pending)),
                }
                Vec::new()
            }
            Modal::Form(mut form, op) => {
                if matches!(input, Input::Key(Key::Ctrl('c'))) {
                    self.modal = Some(Modal::Form(form, op));
                    self.modal_quit();
                    return Vec::new();
                }
                match form.handle(&input) {
                    forms::FormEvent::Cancel => {
                        self.stash = None;
                        self.set_status(Level::Info, "Saisie abandonnée, rien n'a changé")
                    }
                    forms::FormEvent::None => self.modal = Some(Modal::Form(form, op)),
                    forms::FormEvent::Submit => {
                        match actions::confirm_form(&self.app, &form, &op) {
                            Ok((confirm, pending)) => {
                                form.error = None;
                                form.marked = None;
                                self.stash = Some((form, op));
                                self.modal = Some(Modal::Confirm(confirm, pending))
                            }
                            Err(e) => {
                                form.refused(&e);
                                self.modal = Some(Modal::Form(form, op));
                            }
                        }
                    }
                }
                Vec::new()
            }
            Modal::Palette(mut p) => match p.handle(&input) {
                palette::Outcome::Close => Vec::new(),
                palette::Outcome::Run(action) => self.run(Some(action)),
                palette::Outcome::Search(query) => {
                    self.modal = Some(Modal::Palette(p));
                    vec![Cmd::Search {
                        target: SearchTarget::Palette,
                        query,
                    }]
                }
                palette::Outcome::None => {
                    self.modal = Some(Modal::Palette(p));
                    Vec::new()
                }
            },
        }
    }

    fn modal_quit(&mut self) {
        if self.dirty() {
            self.modal = Some(Modal::Quit);
        } else {
            self.quit = true;
        }
    }

    fn open_palette(&mut self) -> Vec<Cmd> {
        self.modal = Some(Modal::Palette(palette::Palette::new(&self.me)));
        Vec::new()
    }

    fn go_tab(&mut self, tab: Tab) {
        if tab == Tab::Access && self.access.is_none() {
            // The same words as every surface of the permission table.
            self.set_status(Level::Error, Permission::ManageAccess.refusal(self.me.role));
            return;
        }
        self.views.clear();
        self.tab = tab;
        if tab == Tab::Documents {
            self.documents.reload(&self.app);
        }
    }

    fn next_theme(&mut self) {
        let i = self
            .themes
            .iter()
            .position(|t| t.name == self.theme.name)
            .unwrap_or(0);
        if let Some(t) = self.themes.get((i + 1) % self.themes.len().max(1)) {
            self.theme = t.clone();
        }
        save_theme(&self.app, &self.me.name, &self.theme.name);
        self.set_status(
            Level::Info,
            format!(
                "Thème « {} » (retenu pour vos prochaines sessions)",
                self.theme.name
            ),
        );
    }

    /// Hands a confirmed job over to run off this task (its commit waits for the disk;
    /// the console keeps answering) and says so until it is done.
    fn hand_over(&mut self, what: String, job: JobKind) -> Vec<Cmd> {
        self.set_status(Level::Info, format!("… {what} : en cours"));
        self.busy = Some(what);
        vec![Cmd::Execute(Job(job))]
    }

    /// Opens what an action returned to look at next (a new quote after a renewal…).
    fn open_after(&mut self, next: actions::Follow) {
        match next {
            actions::Follow::Order(number) => {
                if let Ok(screen) = order::OrderScreen::open(&self.app, &number.to_string()) {
                    if matches!(self.views.last(), Some(View::Order(_))) {
                        self.views.pop();
                    }
                    self.views.push(View::Order(Box::new(screen)));
                }
            }
            actions::Follow::Customer(id) => {
                self.run(Some(Action::OpenCustomer(id)));
            }
        }
    }

    /// Turns an action into a screen, a form or a confirmation.
    fn run(&mut self, action: Option<Action>) -> Vec<Cmd> {
        let Some(action) = action else {
            return Vec::new();
        };
        match action {
            Action::Quit => self.modal_quit(),
            Action::Help => self.modal = Some(Modal::Help),
            Action::Explain(why) => self.set_status(Level::Info, why),
            Action::OpenAlerts => {
                self.views
                    .push(View::Alerts(Box::new(alerts::AlertsScreen::open(
                        &self.app,
                    ))))
            }
            Action::OpenAged => self
                .views
                .push(View::Aged(Box::new(aged::AgedScreen::open(&self.app)))),
            Action::OpenBank => self
                .views
                .push(View::Bank(Box::new(bank::BankScreen::open(&self.app)))),
            // The same permission as `ssh … audit`.
            Action::OpenAudit if !Permission::Audit.allows(self.me.role) => {
                self.set_status(Level::Info, Permission::Audit.refusal(self.me.role))
            }
            Action::OpenAudit => self
                .views
                .push(View::Audit(Box::new(audit::AuditScreen::open(&self.app)))),
            Action::OpenStock => match stock::StockScreen::open(&self.app) {
                Ok(s) => self.views.push(View::Stock(Box::new(s))),
                Err(e) => self.set_status(Level::Error, e.to_string()),
            },
            Action::Theme => self.next_theme(),
            Action::Tab(t) => self.go_tab(t),
            Action::Back => {
                self.views.pop();
            }
            Action::Search(query) => {
                return vec![Cmd::Search {
                    target: SearchTarget::Customers,
                    query,
                }];
            }
            Action::OpenOrder(n) => match order::OrderScreen::open(&self.app, &n) {
                Ok(s) => self.views.push(View::Order(Box::new(s))),
                Err(e) => self.set_status(Level::Error, e.to_string()),
            },
            Action::OpenCustomer(id) => match customers::CustomerScreen::open(&self.app, id) {
                Ok(s) => self.views.push(View::Customer(Box::new(s))),
                Err(e) => self.set_status(Level::Error, e.to_string()),
            },
            Action::OpenDocument(n) => {
                match documents::DocumentScreen::open(&self.app, &n, &self.ssh_hint) {
                    Ok(s) => self.views.push(View::Document(Box::new(s))),
                    Err(e) => self.set_status(Level::Error, e.to_string()),
                }
            }
            Action::Do(_) if self.busy.is_some() => {
                let what = self.busy.clone().unwrap_or_default();
                self.set_status(
                    Level::Info,
                    format!("… {what} : en cours ; attendez sa fin avant une autre action"),
                );
            }
            Action::Do(op) if !op.kind.permission().allows(self.me.role) => {
                self.set_status(Level::Info, op.kind.permission().refusal(self.me.role));
            }
            Action::Do(op) => match actions::prepare(&self.app, op) {
                Ok(actions::Prepared::Form(form, op)) => self.modal = Some(Modal::Form(form, op)),
                Ok(actions::Prepared::Confirm(c, p)) => self.modal = Some(Modal::Confirm(c, p)),
                Err(e) => self.set_status(Level::Error, e),
            },
        }
        Vec::new()
    }

    pub fn draw(&mut self, f: &mut Frame) {
        self.reload_stale();
        self.redraw = false;
        self.drawn_alerts = self
            .app
            .alert_count(self.app.today(), &self.app.settings().ecb_rates);
        let area = f.area();
        let theme = self.theme.clone();
        let base = Style::default()
            .fg(theme.colors.text)
            .bg(theme.colors.background);
        f.render_widget(Block::default().style(base), area);
        if area.width < 80 || area.height < 24 {
            let msg = format!(
                "{} (actuellement {} × {})",
                text::TOO_SMALL,
                area.width,
                area.height
            );
            let lines: Vec<Line> = widgets_wrap(&msg, area.width as usize)
                .into_iter()
                .map(Line::from)
                .collect();
            f.render_widget(
                Paragraph::new(lines).style(base.fg(theme.colors.warning)),
                area,
            );
            return;
        }
        let [header, tabs, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.draw_header(f, header, &theme);
        self.draw_tabs(f, tabs, &theme);
        let keys = match self.views.last_mut() {
            Some(View::Order(o)) => {
                o.draw(f, body, &theme, &self.ssh_hint);
                o.keys()
            }
            Some(View::Customer(c)) => {
                c.draw(f, body, &theme);
                c.keys()
            }
            Some(View::Document(d)) => {
                d.draw(f, body, &theme);
                d.keys()
            }
            Some(View::Stock(s)) => {
                s.draw(f, body, &theme);
                s.keys()
            }
            Some(View::Alerts(a)) => {
                a.draw(f, body, &theme);
                a.keys()
            }
            Some(View::Aged(a)) => {
                a.draw(f, body, &theme);
                a.keys()
            }
            Some(View::Audit(a)) => {
                a.draw(f, body, &theme);
                a.keys()
            }
            Some(View::Bank(b)) => {
                b.draw(f, body, &theme);
                b.keys()
            }
            None => match self.tab {
                Tab::Board => {
                    self.board.draw(f, body, &theme, &self.app);
                    self.board.keys(&self.app)
                }
                Tab::Customers => {
                    self.customers.draw(f, body, &theme);
                    self.customers.keys()
                }
                Tab::Documents => {
                    self.documents.draw(f, body, &theme);
                    self.documents.keys()
                }
                Tab::Access => match &mut self.access {
                    Some(a) => {
                        a.draw(f, body, &theme);
                        a.keys().to_string()
                    }
                    None => String::new(),
                },
            },
        };
        self.draw_footer(f, footer, &theme, &keys);
        match &self.modal {
            Some(Modal::Form(form, _)) => form.draw(f, body, &theme),
            Some(Modal::Confirm(c, _)) => c.draw(f, body, &theme),
            Some(Modal::Help) => {
                let screen = match self.views.last() {
                    Some(View::Order(_)) => help::Screen::Order,
                    Some(View::Customer(_)) => help::Screen::Customer,
                    Some(View::Document(_)) => help::Screen::Document,
                    Some(View::Stock(_)) => help::Screen::Stock,
                    Some(View::Alerts(_)) => help::Screen::Alerts,
                    Some(View::Aged(_)) => help::Screen::Aged,
                    Some(View::Audit(_)) => help::Screen::Audit,
                    Some(View::Bank(_)) => help::Screen::Bank,
                    None => help::Screen::Tab(self.tab),
                };
                help::draw(f, body, &theme, screen, self.me.role)
            }
            Some(Modal::Palette(p)) => p.draw(f, body, &theme),
            Some(Modal::Quit) => Confirm {
                issue: None,
                issue_focused: false,
                title: text::QUIT_TITLE.into(),
                lines: vec![text::QUIT_DIRTY.into()],
            }
            .draw(f, body, &theme),
            None => {}
        }
    }

    fn draw_header(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let style = Style::default()
            .fg(theme.colors.header_text)
            .bg(theme.colors.header_bg);
        // Counted once per frame, in `draw`.
        let alerts = self.drawn_alerts;
        let mut left = if self.app.is_demo() {
            format!(" comptoir · DÉMO · {}", self.shop)
        } else {
            format!(" comptoir · {}", self.shop)
        };
        if self.me.role.read_only() {
            left.push_str(" · lecture seule");
        }
        let right = format!(
            "{} ({}) · ⚠ {alerts} {} · {} ",
            self.me.name,
            self.me.role,
            text::ALERTS,
            self.app.now().fr()
        );
        f.render_widget(
            Paragraph::new(spread(&left, &right, area.width as usize)).style(style),
            area,
        );
    }

    fn draw_tabs(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let mut spans = vec![Span::raw(" ")];
        for (i, name) in text::TABS.iter().enumerate() {
            if i == 3 && self.access.is_none() {
                continue;
            }
            let active = i == self.tab.index();
            let style = if active {
                Style::default()
                    .fg(theme.colors.tab_active)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            } else {
                Style::default().fg(theme.colors.tab_inactive)
            };
            spans.push(Span::styled(format!("{} {name}", i + 1), style));
            spans.push(Span::styled(
                "  │  ",
                Style::default().fg(theme.colors.border),
            ));
        }
        spans.pop();
        spans.push(Span::styled(
            format!("   thème : {}", self.theme.name),
            Style::default().fg(theme.colors.muted),
        ));
        f.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_footer(&self, f: &mut Frame, area: Rect, theme: &Theme, keys: &str) {
        let (text, style) = match &self.status {
            Some((level, msg, _)) => {
                let (symbol, colour) = match level {
                    Level::Ok => ("✓", theme.colors.ok),
                    Level::Error => ("✗", theme.colors.danger),
                    Level::Info => ("ℹ", theme.colors.info),
                };
                (
                    format!(" {symbol} {msg}"),
                    Style::default().fg(colour).add_modifier(Modifier::BOLD),
                )
            }
            None => (format!(" {keys}"), Style::default().fg(theme.colors.muted)),
        };
        f.render_widget(
            Paragraph::new(fit(&text, area.width as usize)).style(style),
            area,
        );
    }
}

const THEME_PREFIX: &[u8] = b"theme=";

/// The theme a person chose last time.
fn saved_theme(app: &App, person: &str, themes: &[Theme]) -> Option<Theme> {
    let bytes = app.preference(person)?;
    let name = std::str::from_utf8(bytes.strip_prefix(THEME_PREFIX)?).ok()?;
    themes.iter().find(|t| t.name == name).cloned()
}

fn save_theme(app: &App, person: &str, theme: &str) {
    let mut bytes = THEME_PREFIX.to_vec();
    bytes.extend_from_slice(theme.as_bytes());
    app.set_preference(person, &bytes);
}

fn widgets_wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests;

//! What the app keeps in memory: the customer search index and every order's board card.
//! Built once at start-up from the store, patched after each commit from the records the
//! commit touched (re-read from the store, so the order of patches does not matter).

use super::search::{self, CustomerIndex, Entry, Found, Query};
use crate::domain::interest::EcbRates;
use crate::domain::{Cents, CustomerId, Date, DocNumber, Flag, OrderCard, OrderId, Stage};
use crate::store::{Store, StoreError};
use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Count and total incl. VAT of a board column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ColumnTotals {
    pub count: u64,
    pub total: Cents,
}

/// The board's cards, per stored stage, sorted for display.
#[derive(Default)]
struct Board {
    /// Card of order `id` at `id - 1`.
    cards: Vec<Option<OrderCard>>,
    /// Per stored stage: (sort key, id). Quotes sort by end of validity, so the expired
    /// ones (derived from today's date) are a prefix; other stages by entry time.
    sets: [BTreeSet<(i64, u64)>; 9],
    totals: [ColumnTotals; 9],
}

fn sort_key(c: &OrderCard) -> i64 {
    if c.stage == Stage::Quote {
        c.valid_until.days() as i64
    } else {
        c.stage_since.0
    }
}

impl Board {
    fn remove(&mut self, id: OrderId) {
        let i = id.0 as usize - 1;
        if let Some(Some(old)) = self.cards.get(i).cloned() {
            let s = old.stage.index();
            self.sets[s].remove(&(sort_key(&old), id.0));
            self.totals[s].count -= 1;
            self.totals[s].total -= old.total_incl_vat;
            self.cards[i] = None;
        }
    }

    fn insert(&mut self, card: OrderCard) {
        let id = card.id;
        if id.0 == 0 {
            return;
        }
        self.remove(id);
        let i = id.0 as usize - 1;
        if self.cards.len() <= i {
            self.cards.resize(i + 1, None);
        }
        let s = card.stage.index();
        self.sets[s].insert((sort_key(&card), id.0));
        self.totals[s].count += 1;
        self.totals[s].total += card.total_incl_vat;
        self.cards[i] = Some(card);
    }

    fn card(&self, id: u64) -> Option<&OrderCard> {
        self.cards.get((id as usize).checked_sub(1)?)?.as_ref()
    }

    /// Ids of a board column on `today`, in display order.
    fn column(&self, stage: Stage, today: Date) -> Box<dyn Iterator<Item = u64> + '_> {
        let split = (today.days() as i64, 0u64);
        let quotes = &self.sets[Stage::Quote.index()];
        match stage {
            Stage::Quote => Box::new(
                quotes
                    .range((Bound::Included(split), Bound::Unbounded))
                    .map(|(_, id)| *id)
                    .filter(move |id| self.card(*id).is_some_and(|c| !c.renewed)),
            ),
            Stage::Expired => Box::new(
                quotes
                    .range((Bound::Unbounded, Bound::Excluded(split)))
                    .rev()
                    .map(|(_, id)| *id)
                    .chain(
                        // A renewed quote still within its dates (clock moved back) is expired too.
                        quotes
                            .range((Bound::Included(split), Bound::Unbounded))
                            .map(|(_, id)| *id)
                            .filter(move |id| self.card(*id).is_some_and(|c| c.renewed)),
                    ),
            ),
            Stage::Paid | Stage::Refused | Stage::Cancelled => {
                Box::new(self.sets[stage.index()].iter().rev().map(|(_, id)| *id))
            }
            _ => Box::new(self.sets[stage.index()].iter().map(|(_, id)| *id)),
        }
    }
}

/// A card as the board shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardView {
    pub id: OrderId,
    pub number: DocNumber,
    pub customer: CustomerId,
    pub customer_name: String,
    pub stage: Stage,
    pub total_incl_vat: Cents,
    pub outstanding: Cents,
    pub days_in_stage: i32,
    pub flags: Vec<Flag>,
}

/// A fuzzy filter of the board: the orders whose customer or number matches.
#[derive(Clone, Debug)]
pub struct BoardFilter {
    pub query: String,
    version: u64,
    customers: Arc<HashSet<u32>>,
    number_needle: String,
    /// Orders found by one of their references (PO / engagement number, web-shop
    /// reference, a document number).
    orders: Arc<HashSet<u64>>,
}

impl BoardFilter {
    /// Adds the orders found by their references.
    pub(crate) fn with_orders(mut self, orders: HashSet<u64>) -> BoardFilter {
        self.orders = Arc::new(orders);
        self
    }
}

/// Per-column totals on a day, computed once per (version, day, filter) and shared.
type SummaryKey = (u64, Date, String);

/// The in-memory index.
pub struct Index {
    version: AtomicU64,
    customers: RwLock<Arc<CustomerIndex>>,
    board: RwLock<Board>,
    summary: Mutex<Option<(SummaryKey, Arc<[ColumnTotals; 9]>)>>,
    alerts: Mutex<Option<AlertSet>>,
    /// Bodies awaiting an eligibility review (a row of the alerts panel each).
    pending_review: std::sync::atomic::AtomicUsize,
    searches: search::SharedSearches,
}

/// The orders the header's alerts count, for one day and one rate table: built once a day
/// from every card, then kept up to date from the orders each commit changes — a commit
/// costs what it changed, not the size of the board.
struct AlertSet {
    today: Date,
    rates: EcbRates,
    /// Per order counted, the rows it puts in the alerts panel.
    ids: std::collections::HashMap<u64, usize>,
    /// Their sum, kept with them: every frame's header reads it.
    total: usize,
}

/// The rows a card puts in the alerts panel on `today` (one per flag it shows there; the
/// header counts the same rows, so the two always agree).
fn alert_rows(c: &OrderCard, today: Date, rates: &EcbRates) -> usize {
    if !is_alert(c, today, rates) {
        return 0;
    }
    c.flags(today, rates)
        .iter()
        .filter(|f| {
            matches!(
                f,
                Flag::Overdue { .. }
                    | Flag::PenaltiesOwed(_)
                    | Flag::ExpiringSoon(_)
                    | Flag::WaitingOriginal(_)
                    | Flag::Expired
            )
        })
        .count()
}

/// Whether a card counts among the header's alerts on `today` (as [`Index::alert_cards`]).
fn is_alert(c: &OrderCard, today: Date, rates: &EcbRates) -> bool {
    let shown = match c.stage {
        Stage::Quote => c.valid_until.days() >= today.days() && !c.renewed,
        Stage::PreOrder | Stage::PoReceived | Stage::Delivered | Stage::Invoiced => true,
        Stage::Paid => c.late.iter().any(|l| l.paid_late),
        _ => false,
    };
    shown
        && c.flags(today, rates)
            .iter()
            .any(|f| !matches!(f, Flag::PartialDelivery))
}

impl Index {
    /// Reads every customer's summary and every order card: the two tables on the two
    /// cores, each in its own read transaction of the same committed state (nothing
    /// writes while the store opens).
    pub fn build(store: &Store) -> Result<Index, StoreError> {
        let (entries, board) = std::thread::scope(|scope| {
            let customers = scope.spawn(|| {
                store.read(|rx| {
                    let mut idx = CustomerIndex::default();
                    let mut scratch = String::new();
                    rx.for_each_customer_summary(|c| {
                        idx.add_summary(c, &mut scratch);
                        Ok::<_, StoreError>(())
                    })?;
                    idx.shrink();
                    Ok::<_, StoreError>(idx)
                })
            });
            let board = store.read(|rx| {
                let mut board = Board::default();
                board.cards.reserve(rx.order_count()? as usize);
                rx.for_each_card(|card| {
                    board.insert(card);
                    Ok::<_, StoreError>(())
                })?;
                Ok::<_, StoreError>(board)
            });
            let customers = customers
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok::<_, StoreError>((customers?, board?))
        })?;
        let pending = entries
            .with_status(crate::domain::EligibilityStatus::PendingReview)
            .len();
        Ok(Index {
            version: AtomicU64::new(1),
            customers: RwLock::new(Arc::new(entries)),
            board: RwLock::new(board),
            summary: Mutex::new(None),
            alerts: Mutex::new(None),
            pending_review: std::sync::atomic::AtomicUsize::new(pending),
            searches: search::SharedSearches::default(),
        })
    }

    /// Increases with every refresh.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Re-reads the given orders and customers from the store.
    pub fn refresh(
        &self,
        store: &Store,
        orders: &[OrderId],
        customers: &[CustomerId],
    ) -> Result<(), StoreError> {
        let (cards, entries) = store.read(|rx| {
            let mut cards = Vec::new();
            for id in orders {
                cards.push((*id, rx.order_card(*id)?));
            }
            let mut entries = Vec::new();
            for id in customers {
                if let Some(c) = rx.customer_summary(*id)? {
                    entries.push((c.id, Entry::of_summary(c)));
                }
            }
            Ok::<_, StoreError>((cards, entries))
        })?;
        if !entries.is_empty() {
            let mut guard = self.customers.write().unwrap_or_else(|e| e.into_inner());
            let mut next = (**guard).clone();
            for (id, e) in entries {
                next.set(id, e);
            }
            self.pending_review.store(
                next.with_status(crate::domain::EligibilityStatus::PendingReview)
                    .len(),
                Ordering::SeqCst,
            );
            *guard = Arc::new(next);
        }
        {
            let mut board = self.board.write().unwrap_or_else(|e| e.into_inner());
            let mut alerts = self.alerts.lock().unwrap_or_else(|e| e.into_inner());
            for (id, card) in cards {
                if let Some(set) = alerts.as_mut() {
                    let old = match card.as_ref().map(|c| alert_rows(c, set.today, &set.rates)) {
                        Some(n) if n > 0 => {
                            set.total += n;
                            set.ids.insert(id.0, n)
                        }
                        _ => set.ids.remove(&id.0),
                    };
                    set.total -= old.unwrap_or(0);
                }
                match card {
                    Some(c) => board.insert(c),
                    None => board.remove(id),
                }
            }
        }
        self.version.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// The current customer index snapshot (cheap: an `Arc`).
    pub fn customers(&self) -> Arc<CustomerIndex> {
        self.customers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn customer_name(&self, id: CustomerId) -> String {
        self.customers()
            .get(id)
            .map(|e| e.name().to_string())
            .unwrap_or_else(|| format!("client #{}", id.0))
    }

    /// Forgets the searches shared between sessions (benchmarks of one session alone).
    #[cfg(feature = "bench")]
    pub fn forget_shared_searches(&self) {
        self.searches.forget();
    }

    /// Searches customers (see [`search::search`]), sharing recent and running searches
    /// between sessions ([`search::SharedSearches`]), as soon as the page is known: the
    /// count may still miss hits ([`Found::settled`]) until [`Self::settle_customers`] on
    /// the snapshot returned.
    pub(crate) fn search_customers_page(
        &self,
        query: &str,
        previous: Option<&Found>,
        limit: usize,
    ) -> (Found, Arc<CustomerIndex>) {
        let idx = self.customers();
        let (found, _) = self
            .searches
            .search(&idx, &Query::new(query), previous, limit);
        (found, idx)
    }

    /// Makes the count of a page from [`Self::search_customers_page`] exact, unless
    /// `cancelled` says the answer is no longer wanted (then `false`).
    pub(crate) fn settle_customers(
        &self,
        snapshot: &Arc<CustomerIndex>,
        query: &str,
        limit: usize,
        found: &mut Found,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        self.searches
            .settle(snapshot, &Query::new(query), limit, found, cancelled)
    }

    /// [`Self::search_customers_page`], settled, scoring every candidate (to check the
    /// bounded search).
    #[cfg(feature = "bench")]
    pub fn search_customers_every_candidate(
        &self,
        query: &str,
        previous: Option<&Found>,
        limit: usize,
    ) -> Found {
        let idx = self.customers();
        search::with_thread_matcher(|m| {
            search::search_every_candidate(&idx, &Query::new(query), previous, limit, m)
        })
    }

    /// Prepares a board filter for `query`.
    pub fn board_filter(&self, query: &str) -> Option<BoardFilter> {
        let q = Query::new(query);
        if q.is_empty() {
            return None;
        }
        let idx = self.customers();
        let ids = search::with_thread_matcher(|m| search::matching_ids(&idx, &q, m));
        let number_needle: String = q
            .folded
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        Some(BoardFilter {
            query: query.to_string(),
            version: self.version(),
            customers: Arc::new(ids.into_iter().collect()),
            number_needle,
            orders: Arc::default(),
        })
    }

    fn passes(filter: Option<&BoardFilter>, card: &OrderCard) -> bool {
        let Some(f) = filter else { return true };
        if f.customers.contains(&(card.customer.0 as u32)) || f.orders.contains(&card.id.0) {
            return true;
        }
        if f.number_needle.is_empty() {
            return false;
        }
        let compact: String = card
            .number
            .to_string()
            .to_ascii_lowercase()
            .replace('-', "");
        compact.contains(&f.number_needle)
    }

    /// Count and total of every column on `today` (with the filter, when given).
    pub fn board_totals(
        &self,
        today: Date,
        filter: Option<&BoardFilter>,
    ) -> Arc<[ColumnTotals; 9]> {
        let key = (
            self.version(),
            today,
            filter
                .map(|f| format!("{}#{}", f.query, f.version))
                .unwrap_or_default(),
        );
        if let Some((k, v)) = &*self.summary.lock().unwrap_or_else(|e| e.into_inner())
            && *k == key
        {
            return v.clone();
        }
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        let mut totals = [ColumnTotals::default(); 9];
        for stage in Stage::ALL {
            let t = &mut totals[stage.index()];
            if filter.is_none() && !matches!(stage, Stage::Quote | Stage::Expired) {
                *t = board.totals[stage.index()];
                continue;
            }
            for id in board.column(stage, today) {
                if let Some(c) = board.card(id)
                    && Index::passes(filter, c)
                {
                    t.count += 1;
                    t.total += c.total_incl_vat;
                }
            }
        }
        let totals = Arc::new(totals);
        *self.summary.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, totals.clone()));
        totals
    }

    /// Cards of one column on `today`, skipping `offset`, at most `limit`.
    pub fn column(
        &self,
        stage: Stage,
        today: Date,
        filter: Option<&BoardFilter>,
        offset: usize,
        limit: usize,
        rates: &EcbRates,
    ) -> Vec<CardView> {
        let idx = self.customers();
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        board
            .column(stage, today)
            .filter_map(|id| board.card(id))
            .filter(|c| Index::passes(filter, c))
            .skip(offset)
            .take(limit)
            .map(|c| CardView {
                id: c.id,
                number: c.number,
                customer: c.customer,
                customer_name: idx
                    .get(c.customer)
                    .map(|e| e.name().to_string())
                    .unwrap_or_default(),
                stage: c.stage_on(today),
                total_incl_vat: c.total_incl_vat,
                outstanding: c.outstanding,
                days_in_stage: c.days_in_stage(today),
                flags: c.flags(today, rates),
            })
            .collect()
    }

    /// Position of an order in its column (to keep a cursor on it after an update).
    pub fn position(
        &self,
        id: OrderId,
        today: Date,
        filter: Option<&BoardFilter>,
    ) -> Option<(Stage, usize)> {
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        let card = board.card(id.0)?;
        let stage = card.stage_on(today);
        board
            .column(stage, today)
            .filter_map(|i| board.card(i))
            .filter(|c| Index::passes(filter, c))
            .position(|c| c.id == id)
            .map(|p| (stage, p))
    }

    /// The card of one order.
    pub fn card(&self, id: OrderId) -> Option<OrderCard> {
        self.board
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .card(id.0)
            .cloned()
    }

    /// Calls `f` on every order's card (under the board's read lock: keep `f` short).
    pub fn for_each_card(&self, mut f: impl FnMut(&crate::domain::card::OrderCard)) {
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        board.cards.iter().flatten().for_each(&mut f);
    }

    /// The aged balance of receivables on `today`, from every order's card.
    pub fn aged_balance(&self, today: Date) -> Vec<crate::domain::statement::AgedRow> {
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        crate::domain::statement::aged_balance(board.cards.iter().flatten(), today)
    }

    /// Orders of a board column (all of them), for `orders --stage`.
    pub fn orders_in(&self, stage: Stage, today: Date, limit: usize) -> Vec<OrderId> {
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        board
            .column(stage, today)
            .take(limit)
            .map(OrderId)
            .collect()
    }

    /// Alerts for the header: quotes expiring soon, pre-orders waiting, invoices overdue,
    /// interest and indemnity still owed on paid orders. Shared by every session's header;
    /// rebuilt from every card once a day (or when the rates change), then kept up to date
    /// by [`Index::refresh`].
    pub fn alert_count(&self, today: Date, rates: &EcbRates) -> usize {
        // Board, then alerts: the order `refresh` takes them in (a commit cannot slip
        // between a rebuild and the set it replaces, and the two never wait on each other).
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        let mut alerts = self.alerts.lock().unwrap_or_else(|e| e.into_inner());
        let pending = self.pending_review.load(Ordering::SeqCst);
        if let Some(set) = alerts.as_ref()
            && set.today == today
            && set.rates == *rates
        {
            debug_assert_eq!(set.total, set.ids.values().sum::<usize>());
            return set.total + pending;
        }
        let ids: std::collections::HashMap<u64, usize> = board
            .cards
            .iter()
            .flatten()
            .map(|c| (c.id.0, alert_rows(c, today, rates)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let total = ids.values().sum::<usize>();
        *alerts = Some(AlertSet {
            today,
            rates: rates.clone(),
            ids,
            total,
        });
        total + pending
    }

    /// The cards the header's alerts count, column by column.
    pub fn alert_cards(&self, today: Date, rates: &EcbRates) -> Vec<OrderCard> {
        let board = self.board.read().unwrap_or_else(|e| e.into_inner());
        [
            Stage::Quote,
            Stage::PreOrder,
            Stage::PoReceived,
            Stage::Delivered,
            Stage::Invoiced,
            Stage::Paid,
        ]
        .into_iter()
        .flat_map(|s| board.column(s, today))
        .filter_map(|id| board.card(id))
        .filter(|c| is_alert(c, today, rates))
        .cloned()
        .collect()
    }
}

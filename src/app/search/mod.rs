//! Fuzzy customer search over one shared, pre-folded index — exact: every page equals what
//! scoring every candidate with nucleo-matcher would give (property tests in `tests.rs`,
//! `bench search` on a real store).
//!
//! # The algorithm
//!
//! A query is folded to lower-case ASCII and cut into words; a customer matches when each
//! word is a subsequence of its haystack (name, city, contact names, folded the same way)
//! and nucleo's score, summed over the words, reaches [`MIN_SCORE_PER_CHAR`] per character.
//! The page is the best [`SEARCH_LIMIT`](crate::app::queries::SEARCH_LIMIT) by score, then
//! by name. Scoring every candidate with nucleo costs tens of milliseconds per keystroke at
//! 100 000 customers; this module scores as few as it can prove necessary:
//!
//! 1. **Masks** (`index.rs`). Each entry keeps the set of characters its haystack holds
//!    (and, for long haystacks, which letters occur early): an entry lacking a query
//!    character is skipped without reading its text.
//! 2. **Narrowing** (`query.rs`, `scan.rs`). When the query only grew since the last
//!    keystroke, only the previous answer's matches are candidates (`Found` keeps them,
//!    with a lead per match: where its leftmost match ends and the score it surely earns).
//! 3. **Floors** (`leads.rs`). Leftmost matches, extended character by character, give a
//!    score nucleo's optimal alignment surely reaches (nucleo's optimum is at least any
//!    alignment's score); they prove a match belongs to the count without nucleo.
//! 4. **Ceilings** (`score.rs`). From the lengths alone (every character a match at the
//!    largest bonus), from the haystack's *shape* (which characters can get which bonus,
//!    which pairs can sit side by side) and, last, from a dynamic programme over only the
//!    cells where a needle character matches: a candidate whose ceiling is below the
//!    page's worst is left out unread, or unscored. The constants are nucleo's own
//!    (`SCORE_MATCH`, `BONUS_BOUNDARY`…), which is why nucleo-matcher is pinned.
//! 5. **The page** (`page.rs`). Candidates are visited cheapest bound first, their
//!    haystacks prefetched a few at a time; nucleo scores only those whose ceiling may beat
//!    the page's current worst; the scan ends when no candidate left can.
//! 6. **The count** (`count.rs`). The page is shown at once; matches kept off it that were
//!    not proved (floor ≥ threshold) are scored afterwards, off the keystroke's path, and
//!    the total becomes exact (« ≥ N » until then). A newer keystroke cancels it.
//! 7. **Sharing** (`shared.rs`). Sessions typing the same letters share answers: recent
//!    answers are kept within a memory budget, a query another session is computing is
//!    waited for, and a longer query narrows from the closest recent answer.
//!
//! Past [`NUCLEO_CELLS`] cells (haystack bytes × needle characters) nucleo leaves its
//! matrix for a greedy match below its optimum: there the floors do not hold and such
//! candidates are scored, not bounded. A console reaches all this through
//! `app::search_session`.

use crate::domain::text::fold_into;
use crate::domain::{Customer, CustomerId, CustomerSummary, EligibilityStatus};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::ops::ControlFlow;
use std::sync::Arc;

mod count;
mod index;
mod leads;
mod page;
mod query;
mod scan;
mod score;
mod shared;
#[cfg(test)]
mod tests;

pub(crate) use count::*;
pub(crate) use index::*;
use leads::*;
use page::*;
pub(crate) use query::*;
pub(crate) use scan::*;
use score::*;
pub(crate) use shared::*;

const CHUNK: usize = 4096;

/// Above this many matches, a session does not keep them for narrowing.
pub(crate) const NARROW_CAP: usize = 1_000_000;

/// Shorter queries match nearly everything: they are not run.
pub(crate) const MIN_QUERY_CHARS: usize = 2;

/// A match must score at least this much per query character: a subsequence scattered
/// over the whole haystack (a letter here, a letter there) is noise, not a match.
const MIN_SCORE_PER_CHAR: u32 = 12;

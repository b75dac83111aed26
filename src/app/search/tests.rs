//! The search's tests: exactness against scoring every candidate (property tests, also
//! past 1 KiB haystacks and 64-character queries), narrowing, sharing, memory budgets.

use super::*;
use crate::domain::{Address, ChorusRouting, Contact, CustomerKind, Eligibility, Siret, Timestamp};

fn customer(id: u64, name: &str, city: &str, contact: &str) -> Customer {
    Customer {
        id: CustomerId(id),
        legal_name: name.into(),
        siret: Siret::parse("21750001600019").unwrap(),
        categorie: "7210".into(),
        kind: CustomerKind::Commune,
        eligibility: Eligibility::automatic("7210", Timestamp(0)),
        header_address: Address {
            city: city.into(),
            postcode: "42000".into(),
            ..Address::default()
        },
        delivery_addresses: vec![],
        contacts: vec![Contact {
            name: contact.into(),
            ..Contact::default()
        }],
        chorus: ChorusRouting::default(),
        created_at: Timestamp(0),
    }
}

/// Name, city and SIRET share one allocation and read back as given.
#[test]
fn an_entry_shows_name_city_and_siret_as_given() {
    let new = Entry::of(&customer(
        4,
        "Lycée Émile-Zola",
        "Saint-Étienne",
        "Zoé Brun",
    ));
    assert_eq!(&*new.hay, "lycee emile-zola  saint-etienne  zoe brun");
    let e = new.entry;
    assert_eq!(e.name(), "Lycée Émile-Zola");
    assert_eq!(e.city(), "Saint-Étienne");
    assert_eq!(e.siret(), "21750001600019");
    assert!(e.is_present());
    let empty = Entry::of(&customer(5, "", "", "X")).entry;
    assert_eq!((empty.name(), empty.city()), ("", ""));
    assert_eq!(empty.siret(), "21750001600019");
}

fn index() -> CustomerIndex {
    let names = [
        ("Commune de Saint-Étienne", "Saint-Étienne", "Paul Durand"),
        ("Lycée Jean Moulin", "Lyon", "Claire Dubois"),
        ("Collège Jean Macé", "Besançon", "Luc Moulinier"),
        ("Centre hospitalier de Besançon", "Besançon", "Anne Roux"),
        ("Université Jean Monnet", "Saint-Étienne", "Marc Petit"),
        (
            "Commune de Saint-Étienne-de-Tinée",
            "Saint-Étienne-de-Tinée",
            "Léa Blanc",
        ),
    ];
    CustomerIndex::from_entries(
        names
            .iter()
            .enumerate()
            .map(|(i, (n, c, k))| {
                (
                    CustomerId(i as u64 + 1),
                    Entry::of(&customer(i as u64 + 1, n, c, k)),
                )
            })
            .collect(),
    )
}

fn names(idx: &CustomerIndex, q: &str) -> Vec<String> {
    let mut m = new_matcher();
    search(idx, &Query::new(q), None, 10, &mut m)
        .top
        .iter()
        .map(|(id, _)| idx.get(*id).unwrap().name().to_string())
        .collect()
}

#[test]
fn accent_and_case_insensitive_fuzzy() {
    let idx = index();
    let r = names(&idx, "stetienne");
    assert_eq!(r[0], "Commune de Saint-Étienne");
    assert!(
        r.contains(&"Université Jean Monnet".to_string()),
        "matches the city too: {r:?}"
    );
    assert_eq!(names(&idx, "lyc moulin")[0], "Lycée Jean Moulin");
    assert_eq!(names(&idx, "BESANCON").len(), 2);
    assert_eq!(names(&idx, "Dubois"), vec!["Lycée Jean Moulin"]);
    assert!(names(&idx, "zzz").is_empty());
}

#[test]
fn narrowing_gives_the_same_results_as_a_full_search() {
    let idx = index();
    let mut m = new_matcher();
    let first = search(&idx, &Query::new("jean"), None, 10, &mut m);
    assert_eq!(first.total, 3);
    let q = Query::new("jean mo");
    assert!(narrows("jean", &q.folded));
    let narrowed = search(&idx, &q, Some(&first), 10, &mut m);
    let full = search(&idx, &q, None, 10, &mut m);
    assert_eq!(narrowed.top, full.top);
    assert!(!narrows("jean", "jea"));
}

#[test]
fn chunks_are_copied_on_write() {
    let mut idx = index();
    let snapshot = idx.clone();
    idx.set(
        CustomerId(2),
        Entry::of(&customer(2, "Lycée Victor Hugo", "Besançon", "X")),
    );
    assert_eq!(
        snapshot.get(CustomerId(2)).unwrap().name(),
        "Lycée Jean Moulin"
    );
    assert_eq!(idx.get(CustomerId(2)).unwrap().name(), "Lycée Victor Hugo");
    // The packed haystacks: the replaced one changed length, its neighbours did not move.
    let hay = |idx: &CustomerIndex, id| String::from_utf8(idx.seen(id).unwrap().hay.to_vec());
    assert_eq!(hay(&idx, 2).unwrap(), "lycee victor hugo  besancon  x");
    assert_eq!(
        hay(&snapshot, 2).unwrap(),
        "lycee jean moulin  lyon  claire dubois"
    );
    for id in [1, 3, 4, 5, 6] {
        assert_eq!(hay(&idx, id), hay(&snapshot, id));
    }
    assert_eq!(names(&idx, "victor"), vec!["Lycée Victor Hugo"]);
    assert!(names(&idx, "claire dubois").is_empty());
    idx.set(
        CustomerId(9000),
        Entry::of(&customer(9000, "Loin", "Paris", "Y")),
    );
    assert_eq!(idx.len(), 7);
    assert!(idx.get(CustomerId(8999)).is_none());
}

#[test]
fn highlight_maps_back_to_accented_chars() {
    let q = Query::new("stetienne");
    let mut m = new_matcher();
    let pos = q.highlight("Saint-Étienne", &mut m);
    let s: String = "Saint-Étienne"
        .chars()
        .enumerate()
        .filter(|(i, _)| pos.contains(i))
        .map(|(_, c)| c)
        .collect();
    assert_eq!(s, "StÉtienne");
}

/// An entry whose haystack is `hay` as given (already folded).
fn raw_entry(hay: &str) -> NewEntry {
    NewEntry {
        hay: hay.into(),
        entry: Entry {
            shown: hay.into(),
            city_at: hay.len() as u32,
            siret_at: hay.len() as u32,
            status: Some(EligibilityStatus::Approved),
        },
    }
}

const WORDS: &[&str] = &[
    "commune", "de", "saint", "etienne", "lycee", "jean", "moulin", "chu", "besancon", "college",
    "ravel", "caisse", "des", "ecoles", "lyon", "sdis", "montigny", "ccas", "sur", "la", "le",
    "riviere", "ste", "st", "e", "tt", "ecole",
];

fn hay_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let word = prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => "[a-z0-9]{1,12}",
    ];
    let sep = proptest::sample::select(&[" ", "  ", "-", "/", "'", ""][..]);
    proptest::collection::vec((word, sep), 1..10).prop_map(|parts| {
        let mut s = String::new();
        for (w, sep) in parts {
            s.push_str(&w);
            s.push_str(sep);
        }
        s.trim().to_string()
    })
}

use proptest::strategy::Strategy;

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(48))]
    /// The bounded search (floors, ceilings, the page's worst) gives exactly what
    /// scoring every candidate gives, keystroke by keystroke with narrowing, for page
    /// sizes that prune a lot (1, 3) or little (50).
    #[test]
    fn bounded_search_equals_scoring_every_candidate(
        hays in proptest::collection::vec(hay_strategy(), 1..250),
        typed in proptest::collection::vec(
            proptest::prop_oneof![
                3 => proptest::sample::select(WORDS).prop_map(str::to_string),
                1 => "[a-z ]{1,6}",
            ],
            1..4,
        ),
        limit in proptest::sample::select(&[1usize, 3, 50][..]),
    ) {
        let idx = CustomerIndex::from_entries(
            hays.iter()
                .enumerate()
                .map(|(i, h)| (CustomerId(i as u64 + 1), raw_entry(h)))
                .collect(),
        );
        let query = typed.join(" ");
        let mut m = new_matcher();
        let (mut prev_fast, mut prev_every): (Option<Found>, Option<Found>) = (None, None);
        let mut prev_page: Option<Found> = None;
        for end in 1..=query.len() {
            let q = Query::new(&query[..end]);
            let page = search(&idx, &q, prev_fast.as_ref(), limit, &mut m);
            let mut fast = page.clone();
            proptest::prop_assert!(settle(&idx, &q, &mut fast, &mut m, &|| false));
            proptest::prop_assert!(fast.settled());
            // The page is exact before the count is; the count only grows.
            proptest::prop_assert_eq!(&page.top, &fast.top, "page {:?}", &query[..end]);
            proptest::prop_assert!(page.total <= fast.total);
            // A keystroke typed before the previous count was made narrows from what
            // that page was searched among.
            let mut after_page = search(&idx, &q, prev_page.as_ref(), limit, &mut m);
            proptest::prop_assert!(settle(&idx, &q, &mut after_page, &mut m, &|| false));
            proptest::prop_assert_eq!(&after_page.top, &fast.top, "after a page {:?}", &query[..end]);
            proptest::prop_assert_eq!(after_page.total, fast.total, "after a page {:?}", &query[..end]);
            proptest::prop_assert_eq!(after_page.matched_ids(), fast.matched_ids());
            prev_page = Some(page);
            let mut halves = search_with(&idx, &q, prev_fast.as_ref(), limit, &mut m, Mode::Halves);
            proptest::prop_assert!(settle(&idx, &q, &mut halves, &mut m, &|| false));
            proptest::prop_assert_eq!(&halves.top, &fast.top, "halves {:?}", &query[..end]);
            proptest::prop_assert_eq!(halves.total, fast.total, "halves {:?}", &query[..end]);
            proptest::prop_assert_eq!(&halves.all, &fast.all, "halves {:?}", &query[..end]);
            let every = search_every_candidate(&idx, &q, prev_every.as_ref(), limit, &mut m);
            proptest::prop_assert_eq!(&fast.top, &every.top, "{:?}", &query[..end]);
            proptest::prop_assert_eq!(fast.total, every.total, "{:?}", &query[..end]);
            proptest::prop_assert_eq!(fast.matched_ids(), every.matched_ids(), "{:?}", &query[..end]);
            prev_fast = Some(fast);
            prev_every = Some(every);
        }
    }
}

/// Each word's floor (leftmost, from several starts) and ceilings (quick; from the
/// haystack's shape; tight: bonuses, side-by-side pairs, shortest gaps) frame nucleo's
/// score of `needle` in `hay`. Past [`NUCLEO_CELLS`] (haystack × needle) nucleo scores
/// greedily, below its optimum: the ceilings still hold, the floors do not — and the
/// search uses none there (it scores each such candidate).
fn frame_nucleo(hay: &str, needle: &str) -> Result<(), proptest::test_runner::TestCaseError> {
    let optimal = hay.len() * needle.len() <= NUCLEO_CELLS;
    let mut m = new_matcher();
    let q = Query::new(needle);
    let exact = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m);
    let words = [needle.as_bytes().to_vec()];
    let floor = score_floor(hay.as_bytes(), &words[0], FLOOR_STARTS);
    proptest::prop_assert_eq!(floor.is_some(), exact.is_some());
    proptest::prop_assert_eq!(
        leftmost(hay.as_bytes(), &words[0]).is_some(),
        exact.is_some()
    );
    if let (Some(f), Some(e)) = (floor, exact) {
        let lead = fresh_lead(hay.as_bytes(), &words).unwrap();
        if optimal {
            proptest::prop_assert!(f <= e, "floor {} > {}", f, e);
            proptest::prop_assert!(lead.1 <= e as i32, "lead floor {} > {}", lead.1, e);
        }
        let first = first_of(hay.as_bytes(), &words[0]);
        let quick = quick_ceiling(hay.len(), words[0].len(), first);
        proptest::prop_assert!(e <= quick, "quick ceiling {} < {}", quick, e);
        let shape = Shape::of(hay.as_bytes());
        // The programme takes needles of 2 to 64 characters (one bit each).
        if let (true, Some(needle)) = (hay.len() > words[0].len(), DpNeedle::of(&words[0])) {
            let probe = Probe::of(&words[0]);
            let mut rows = DpRows::default();
            // Asked to beat `above`, the programme answers a ceiling above it, or
            // nothing when nucleo's score is not above it.
            for above in [0, e / 2, e.saturating_sub(1), e, e + 1, e + 30] {
                let dp = dp_ceiling(hay.as_bytes(), &needle, &probe, &shape, &mut rows, above);
                match dp {
                    Some(dp) => proptest::prop_assert!(
                        e <= dp && above < dp,
                        "dp ceiling {} for {} above {}",
                        dp,
                        e,
                        above
                    ),
                    None => proptest::prop_assert!(
                        e <= above,
                        "no dp ceiling for {} above {}",
                        e,
                        above
                    ),
                }
            }
        }
        let shaped = shape_ceiling(hay.len(), &Probe::of(&words[0]), &shape, first);
        proptest::prop_assert!(e <= shaped, "shape ceiling {} < {}", shaped, e);
        let head = u128::from_le_bytes(head_of(hay.as_bytes()));
        let opened = shaped - opening_cut(hay.len(), &words[0], head, &shape, first);
        proptest::prop_assert!(e <= opened, "shape ceiling, opening {} < {}", opened, e);
        // The page reads only the haystack's first 16 bytes for the prefix bonus.
        let within = first_within(head, hay.len(), &words[0]);
        proptest::prop_assert_eq!(within, first.min(HEAD), "first within the head's bytes");
        proptest::prop_assert_eq!(prefix_ceiling(within), prefix_ceiling(first));
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(1024))]
    /// On any haystack, the floors and ceilings frame nucleo's score.
    #[test]
    fn floors_and_ceilings_frame_nucleo_on_any_haystack(
        hay in hay_strategy(),
        needle in proptest::prop_oneof![
            2 => proptest::sample::select(WORDS).prop_map(str::to_string),
            2 => "[a-z]{1,9}",
            1 => "[a-e0-3]{1,5}",
        ],
    ) {
        frame_nucleo(&hay, &needle)?;
    }
}

/// A haystack past 1 KiB (most of them): where nucleo, and the page, take their
/// special paths for long texts.
fn long_hay_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::collection::vec(hay_strategy(), 12..48).prop_map(|parts| parts.join("  "))
}

/// A needle of 65 to 100 letters taken in order from `hay` (so that it matches): past
/// the 64 characters where nucleo's and the page's fast paths stop.
fn long_needle(hay: &str, stride: usize) -> Option<String> {
    let letters: Vec<char> = hay.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let needle: String = letters.iter().step_by(stride.max(1)).take(100).collect();
    (needle.len() > 64).then_some(needle)
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(64))]
    /// The floors and ceilings still frame nucleo's score on haystacks past 1 KiB, with
    /// short needles and needles past 64 characters.
    #[test]
    fn floors_and_ceilings_frame_nucleo_on_long_texts(
        hay in long_hay_strategy(),
        word in proptest::sample::select(WORDS),
        stride in 1usize..6,
    ) {
        frame_nucleo(&hay, word)?;
        if let Some(needle) = long_needle(&hay, stride) {
            frame_nucleo(&hay, &needle)?;
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(12))]
    /// Keystroke by keystroke, a query growing past 64 characters over haystacks of
    /// which some pass 1 KiB: the bounded search gives what scoring every candidate
    /// gives.
    #[test]
    fn bounded_search_equals_scoring_every_candidate_on_long_texts(
        hays in proptest::collection::vec(
            proptest::prop_oneof![3 => hay_strategy(), 1 => long_hay_strategy()],
            1..40,
        ),
        typed in proptest::collection::vec(
            proptest::prop_oneof![
                3 => proptest::sample::select(WORDS).prop_map(str::to_string),
                1 => "[a-z]{2,8}",
            ],
            14..20,
        ),
        limit in proptest::sample::select(&[1usize, 50][..]),
    ) {
        let idx = CustomerIndex::from_entries(
            hays.iter()
                .enumerate()
                .map(|(i, h)| (CustomerId(i as u64 + 1), raw_entry(h)))
                .collect(),
        );
        let mut query = typed.join(" ");
        for w in typed.iter().cycle().take(20) {
            if query.len() > 64 {
                break;
            }
            query.push(' ');
            query.push_str(w);
        }
        proptest::prop_assert!(query.len() > 64);
        let mut m = new_matcher();
        let (mut prev_fast, mut prev_every): (Option<Found>, Option<Found>) = (None, None);
        for end in 1..=query.len() {
            let q = Query::new(&query[..end]);
            let mut fast = search(&idx, &q, prev_fast.as_ref(), limit, &mut m);
            proptest::prop_assert!(settle(&idx, &q, &mut fast, &mut m, &|| false));
            let every = search_every_candidate(&idx, &q, prev_every.as_ref(), limit, &mut m);
            proptest::prop_assert_eq!(&fast.top, &every.top, "{:?}", &query[..end]);
            proptest::prop_assert_eq!(fast.total, every.total, "{:?}", &query[..end]);
            proptest::prop_assert_eq!(fast.matched_ids(), every.matched_ids(), "{:?}", &query[..end]);
            prev_fast = Some(fast);
            prev_every = Some(every);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(1024))]
    /// A match's carried ceiling, grown as the query grows (its last word by up to
    /// [`CARRY_MAX`] characters, new words), still bounds nucleo's score: the next
    /// keystrokes' pages leave candidates out on it alone.
    #[test]
    fn carried_ceilings_bound_the_grown_query(
        hay in hay_strategy(),
        padding in proptest::sample::select(&["", "  paul durand", " - sur-loire  ccas"][..]),
        first in proptest::prop_oneof![
            2 => proptest::sample::select(WORDS).prop_map(str::to_string),
            1 => "[a-z]{1,6}",
        ],
        // The last word: the start of a word, grown by its rest (the usual keystrokes,
        // each character side by side at the largest bonus), or by anything.
        (last, suffix) in proptest::prop_oneof![
            3 => (proptest::sample::select(WORDS), 1usize..8).prop_map(|(w, k)| {
                let k = k.min(w.len());
                (w[..k].to_string(), w[k..].to_string())
            }),
            1 => ("[a-z]{1,6}", "[a-z]{0,5}"),
        ],
        two_words in proptest::bool::ANY,
        more in proptest::collection::vec("[a-z]{1,5}", 0..2),
        later in "[a-z]{0,3}",
    ) {
        let hay = format!("{hay}{padding}");
        let before: Vec<String> = if two_words { vec![first, last] } else { vec![last] };
        let idx = CustomerIndex::from_entries(vec![(CustomerId(1), raw_entry(&hay))]);
        let entry = idx.seen(1).unwrap();
        let then: Vec<Vec<u8>> = before.iter().map(|w| w.as_bytes().to_vec()).collect();
        let probes: Vec<Probe> = then.iter().map(|n| Probe::of(n)).collect();
        let Some(ceiling) = carried_ceiling(&entry, &then, &probes) else {
            // Only haystacks too short (or too long) for it go without.
            let needle_len: usize = then.iter().map(Vec::len).sum();
            proptest::prop_assert!(hay.len() <= needle_len + CARRY_MAX || hay.len() > 1024);
            return Ok(());
        };
        let mut m = new_matcher();
        let mut now = then.clone();
        if let Some(last) = now.last_mut() {
            last.extend_from_slice(suffix.as_bytes());
        }
        now.extend(more.iter().map(|w| w.as_bytes().to_vec()));
        let growth = carried_growth(&then, &now, idx.shortest).unwrap();
        let grown = now.iter().map(|w| String::from_utf8(w.clone()).unwrap()).collect::<Vec<_>>().join(" ");
        let q = Query::new(&grown);
        if let Some(e) = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m) {
            proptest::prop_assert!(
                e <= ceiling as u32 + growth,
                "{:?} scores {} in {:?}: carried {} + {}", grown, e, hay, ceiling, growth
            );
        }
        // The query as it was, too.
        let q = Query::new(&before.join(" "));
        if let Some(e) = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m) {
            proptest::prop_assert!(e <= ceiling as u32);
        }
        // Grown once (as a count keeps it), it is one for the grown query, and grows
        // again with the next keystrokes while the haystack stays long enough.
        let needle_len: usize = now.iter().map(Vec::len).sum();
        if hay.len() > needle_len + CARRY_MAX {
            let mut next = now.clone();
            if let Some(last) = next.last_mut() {
                last.extend_from_slice(later.as_bytes());
            }
            let again = carried_growth(&now, &next, idx.shortest).unwrap();
            let text = next.iter().map(|w| String::from_utf8(w.clone()).unwrap()).collect::<Vec<_>>().join(" ");
            if let Some(e) = Query::new(&text).pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m) {
                proptest::prop_assert!(
                    e <= ceiling as u32 + growth + again,
                    "{:?} scores {} in {:?}: carried {} + {} + {}", text, e, hay, ceiling, growth, again
                );
            }
        }
    }
}

/// Typing on through a word that starts the haystack, each character adds exactly
/// the 26 its carried ceiling allows for.
#[test]
fn carried_ceilings_are_tight_on_a_word_typed_on() {
    let hay = "saint-etienne  lyon  paul durand";
    let idx = CustomerIndex::from_entries(vec![(CustomerId(1), raw_entry(hay))]);
    let entry = idx.seen(1).unwrap();
    let then = vec![b"sa".to_vec()];
    let ceiling = carried_ceiling(&entry, &then, &[Probe::of(&then[0])]).unwrap();
    let mut m = new_matcher();
    let mut score = |q: &str| {
        Query::new(q)
            .pattern
            .score(Utf32Str::Ascii(hay.as_bytes()), &mut m)
    };
    assert_eq!(score("sa"), Some(ceiling as u32));
    let now = vec![b"saint".to_vec()];
    let growth = carried_growth(&then, &now, idx.shortest).unwrap();
    assert_eq!(score("saint"), Some(ceiling as u32 + growth));
    // A word of one character added, then grown: its first character may start the
    // haystack (prefix bonus) and carry its bonus on.
    let hay = "etienne  le commune commune";
    let idx = CustomerIndex::from_entries(vec![(CustomerId(1), raw_entry(hay))]);
    let entry = idx.seen(1).unwrap();
    let words = |s: &str| {
        s.split(' ')
            .map(|w| w.as_bytes().to_vec())
            .collect::<Vec<_>>()
    };
    let then = words("le");
    let ceiling = carried_ceiling(&entry, &then, &[Probe::of(&then[0])]).unwrap();
    let added = carried_growth(&then, &words("le e"), idx.shortest).unwrap();
    let grown = carried_growth(&words("le e"), &words("le et"), idx.shortest).unwrap();
    let score = Query::new("le et")
        .pattern
        .score(Utf32Str::Ascii(hay.as_bytes()), &mut m)
        .unwrap();
    assert!(
        score <= ceiling as u32 + added + grown,
        "{score} > {ceiling} + {added} + {grown}"
    );
}

#[test]
fn carried_growth_only_when_the_query_extends_the_previous_one() {
    let w = |s: &str| {
        s.split(' ')
            .map(|w| w.as_bytes().to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(carried_growth(&w("stet"), &w("stet"), 10), Some(0));
    assert_eq!(carried_growth(&w("stet"), &w("steti"), 10), Some(26));
    assert_eq!(
        carried_growth(&w("jean"), &w("jean mo"), 10),
        Some(most(2, 10))
    );
    // A word of one character may become the start of a longer one.
    assert_eq!(carried_growth(&w("le"), &w("le e"), 10), Some(44));
    assert_eq!(carried_growth(&w("stet"), &w("sted"), 10), None);
    assert_eq!(carried_growth(&w("jean mo"), &w("jeanne mo"), 10), None);
    let far = format!("s{}", "t".repeat(CARRY_MAX + 1));
    assert_eq!(carried_growth(&w("s"), &w(&far), 10), None);
}

/// Over the whole index, the candidates with the query's first letter among their
/// first bytes are searched first; the others only when that page's worst does not
/// leave them out — and a page full of matches that score what a match from the start
/// can, less 4, leaves out the entries without the early letter from their masks alone.
#[test]
fn early_letters_leave_out_only_what_cannot_enter() {
    let search = |hays: &[&str], limit: usize| {
        let idx = CustomerIndex::from_entries(
            hays.iter()
                .enumerate()
                .map(|(i, h)| (CustomerId(i as u64 + 1), raw_entry(h)))
                .collect(),
        );
        let early = (0..hays.len())
            .map(|i| idx.chunks[i / CHUNK].masks[i % CHUNK] >> EARLY_BITS & bit(b's') != 0)
            .collect::<Vec<_>>();
        let mut m = new_matcher();
        let q = Query::new("st");
        let page = search_with(&idx, &q, None, limit, &mut m, Mode::Auto);
        let every = search_every_candidate(&idx, &q, None, limit, &mut m);
        assert_eq!(page.top, every.top, "{hays:?}");
        (page.top, early)
    };
    // nucleo gives "st" 67 with s at 1, 66 at 2, 62 from 5 on; the ceilings 65 from 7
    // on: the early s (up to 6) are searched first, and the page full of 66 or more
    // leaves the others out without visiting them.
    let mut hays = vec!["abcdefghi stone"; 300];
    hays.extend(["ab stone"; 3]);
    hays.push("abcdef stone");
    hays.push("a stone");
    let (top, early) = search(&hays, 3);
    assert!(!early[0] && early[300] && !early[303] && early[304]);
    let top: Vec<(u64, u32)> = top.iter().map(|(id, s)| (id.0, *s)).collect();
    assert_eq!(top, [(305, 67), (301, 66), (302, 66)]);
    // One early match only: the others are searched, and the best of them enter.
    let (top, _) = search(
        &[
            "abcdef stone",
            "abcdefghi stone",
            "ab stone",
            "abcdef stone",
        ],
        3,
    );
    let ids: Vec<u64> = top.iter().map(|t| t.0.0).collect();
    assert_eq!(ids, [3, 1, 2]);
}

#[test]
fn floors_and_ceilings_frame_nucleo_scores() {
    let mut m = new_matcher();
    for hay in [
        "commune de neuville-des-pres  neuville-des-pres  mehdi roussel",
        "lycee george sand  font-sur-rhone  celine perrin",
        "ccas de sainte-marie-de-tinee  sainte-marie-de-tinee  olivier lambert",
        "saint-etienne",
        "ch",
        "ecoles",
        "lycee 2eme/3 rue d'arc",
    ] {
        for needle in [
            "ch",
            "co",
            "stet",
            "stetienne",
            "de",
            "s",
            "e",
            "2",
            "3r",
            "ar",
        ] {
            let q = Query::new(needle);
            let exact = q.pattern.score(Utf32Str::Ascii(hay.as_bytes()), &mut m);
            let floor = score_floor(hay.as_bytes(), needle.as_bytes(), FLOOR_STARTS);
            assert_eq!(floor.is_some(), exact.is_some(), "{needle} in {hay}");
            if let (Some(f), Some(e)) = (floor, exact) {
                assert!(f <= e, "floor {f} > {e}: {needle} in {hay}");
                let first = first_of(hay.as_bytes(), needle.as_bytes());
                let q = quick_ceiling(hay.len(), needle.len(), first);
                assert!(e <= q, "quick ceiling {q} < {e}: {needle} in {hay}");
                let shape = Shape::of(hay.as_bytes());
                let s = shape_ceiling(hay.len(), &Probe::of(needle.as_bytes()), &shape, first);
                assert!(
                    e <= s && s <= q,
                    "shape ceiling {s}: {e}, {q}: {needle} in {hay}"
                );
                if let Some(dp) =
                    DpNeedle::of(needle.as_bytes()).filter(|_| hay.len() > needle.len())
                {
                    let probe = Probe::of(needle.as_bytes());
                    let mut rows = DpRows::default();
                    let mut dp_above =
                        |above| dp_ceiling(hay.as_bytes(), &dp, &probe, &shape, &mut rows, above);
                    assert_eq!(
                        (dp_above(0), dp_above(e - 1), dp_above(e)),
                        (Some(e), Some(e), None),
                        "the programme's ceiling is exact here: {needle} in {hay}"
                    );
                }
            }
        }
    }
}

#[test]
fn sessions_share_recent_searches_until_the_index_changes() {
    let shared = SharedSearches::default();
    let mut idx = Arc::new(index());
    let (a, served) = shared.search(&idx, &Query::new("jean"), None, 10);
    assert_eq!(served, Served::Ran);
    // Another session, same query (folded alike): answered from the first.
    let (b, served) = shared.search(&idx, &Query::new("  JEAN"), None, 10);
    assert_eq!(served, Served::Recent);
    assert_eq!((a.top.clone(), a.total), (b.top, b.total));
    // A longer query narrows the recent answer: same as a search of its own.
    let (c, served) = shared.search(&idx, &Query::new("jean mo"), None, 10);
    assert_eq!(served, Served::Ran);
    let mut m = new_matcher();
    let alone = search(&idx, &Query::new("jean mo"), None, 10, &mut m);
    assert_eq!((c.top, c.total), (alone.top, alone.total));
    // A customer changes: the index is a new snapshot, nothing recent is reused.
    Arc::make_mut(&mut idx).set(
        CustomerId(2),
        Entry::of(&customer(2, "Lycée Victor Hugo", "Lyon", "Claire Dubois")),
    );
    let (d, served) = shared.search(&idx, &Query::new("jean"), None, 10);
    assert_eq!(served, Served::Ran);
    assert_eq!(d.total, a.total - 1, "the renamed lycée no longer matches");
}

/// The recent answers hold at most 24 MB of matches (kept, or searched among until
/// counted; the latest always kept); a settled answer holds what it keeps.
#[test]
fn recent_answers_stay_within_their_memory_budget() {
    let matches = |n: usize| {
        Arc::new(Matches {
            needles: None,
            kept: vec![Kept::bare(1); n],
        })
    };
    let answer = |q: &str, among: usize| {
        let (all, uncounted) = match among {
            0 => (Some(matches(1 << 20)), None),
            n => (None, Some(Source::Narrowed(matches(n)))),
        };
        Arc::new(Found {
            query: q.into(),
            all,
            uncounted,
            ..Found::default()
        })
    };
    let queries = |r: &Recent| {
        r.found
            .iter()
            .map(|(_, f)| f.query.clone())
            .collect::<Vec<_>>()
    };
    let mut recent = Recent::default();
    for q in ["a", "b", "c"] {
        recent.insert(50, answer(q, 0));
    }
    assert_eq!(queries(&recent), ["b", "c"], "12 MB each");
    recent.insert(50, answer("d", 3 << 20));
    assert_eq!(
        queries(&recent),
        ["d"],
        "what an uncounted answer narrows from counts"
    );
    let kept = std::mem::size_of::<Kept>();
    assert_eq!(recent.bytes, (3 << 20) * kept);
    let mut settled = (*recent.found[0].1).clone();
    settled.uncounted = None;
    settled.all = Some(matches(1 << 19));
    recent.settled(50, Arc::new(settled));
    assert!(recent.found[0].1.settled());
    assert_eq!(recent.bytes, (1 << 19) * kept);
    recent.insert(50, answer("e", 3 << 20));
    assert_eq!(
        queries(&recent),
        ["e"],
        "the latest stays, whatever it holds"
    );
}

/// A query many entries match at the most any haystack can score: its page is
/// found among the first entries, the others are not visited; the count comes after.
#[test]
fn a_page_of_best_possible_hits_ends_the_search() {
    let idx = CustomerIndex::from_entries(
        (1..=5000u64)
            .map(|i| {
                let name = format!("Commune de Ville-{i}");
                (
                    CustomerId(i),
                    Entry::of(&customer(i, &name, "Lyon", "Jean Dupont")),
                )
            })
            .collect(),
    );
    let q = Query::new("com");
    let mut m = new_matcher();
    let page = search(&idx, &q, None, 50, &mut m);
    assert_eq!(page.total, 50, "only the page's hits were scored");
    let ids: Vec<u64> = page.top.iter().map(|(id, _)| id.0).collect();
    assert_eq!(ids, (1..=50).collect::<Vec<_>>());
    let mut counted = page.clone();
    assert!(settle(&idx, &q, &mut counted, &mut m, &|| false));
    assert_eq!((counted.total, &counted.top), (5000, &page.top));
    assert_eq!(counted.matched_ids().map(|m| m.len()), Some(5000));
    let every = search_every_candidate(&idx, &q, None, 50, &mut m);
    assert_eq!((every.total, &every.top), (5000, &page.top));
}

#[test]
fn sessions_typing_the_same_letters_at_once_get_the_same_answer() {
    let entries: Vec<(CustomerId, NewEntry)> = (1..=20_000u64)
        .map(|i| {
            let name = format!("Commune de Saint-Martin-{i}");
            (
                CustomerId(i),
                Entry::of(&customer(i, &name, "Lyon", "Anne Roux")),
            )
        })
        .collect();
    let idx = Arc::new(CustomerIndex::from_entries(entries));
    let shared = Arc::new(SharedSearches::default());
    let barrier = Arc::new(std::sync::Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (idx, shared, barrier) = (idx.clone(), shared.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                shared.search(&idx, &Query::new("co sa"), None, 50)
            })
        })
        .collect();
    let answers: Vec<(Found, Served)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut m = new_matcher();
    let q = Query::new("co sa");
    let mut alone = search(&idx, &q, None, 50, &mut m);
    assert!(settle(&idx, &q, &mut alone, &mut m, &|| false));
    assert_eq!(alone.total, 20_000);
    for (found, _) in &answers {
        let mut found = found.clone();
        assert!(settle(&idx, &q, &mut found, &mut m, &|| false));
        assert_eq!((&found.top, found.total), (&alone.top, alone.total));
    }
    assert!(answers.iter().any(|(_, s)| *s == Served::Ran));
}

#[test]
fn an_answer_from_before_a_change_does_not_narrow() {
    let mut idx = index();
    let mut m = new_matcher();
    let before = search(&idx, &Query::new("jea"), None, 10, &mut m);
    idx.set(
        CustomerId(6),
        Entry::of(&customer(6, "Lycée Jean Zay", "Tinée", "Léa Blanc")),
    );
    let after = search(&idx, &Query::new("jean"), Some(&before), 10, &mut m);
    assert!(
        after.top.iter().any(|(id, _)| *id == CustomerId(6)),
        "the customer renamed since the previous keystroke is found"
    );
}

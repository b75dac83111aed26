//! The index: one entry per customer (its folded haystack, the characters it holds, its
//! shape), packed in chunks shared by `Arc` so that a change copies one chunk and a search
//! never locks it.

use super::*;

/// One customer in the index, as shown.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Name, city and SIRET as shown, one after the other in one allocation (at 1 M
    /// customers, two fewer allocations each keep about 60 MB off the server).
    pub(super) shown: Box<str>,
    pub(super) city_at: u32,
    pub(super) siret_at: u32,
    pub status: Option<EligibilityStatus>,
}

/// A customer's entry as built, with what the search matches: its folded haystack.
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// Folded: name, city, contact names, separated by two spaces.
    pub(super) hay: Box<str>,
    pub(super) entry: Entry,
}

/// Bit of a folded ASCII character: a–z, 0–9.
pub(super) fn bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        _ => 0,
    }
}

pub(super) fn mask_of(s: &str) -> u64 {
    s.bytes().fold(0, |m, b| m | bit(b))
}

impl Entry {
    pub fn of(c: &Customer) -> NewEntry {
        Entry::of_summary(CustomerSummary::of(c))
    }

    /// The entry of a customer from its stored summary.
    pub fn of_summary(c: CustomerSummary) -> NewEntry {
        let mut hay = String::with_capacity(c.legal_name.len() + 48);
        let entry = Entry::folding(c, &mut hay);
        NewEntry {
            hay: hay.into_boxed_str(),
            entry,
        }
    }

    /// The entry of `c`, its haystack folded into `hay` (cleared first).
    pub(super) fn folding(c: CustomerSummary, hay: &mut String) -> Entry {
        hay.clear();
        fold_into(&c.legal_name, hay);
        hay.push_str("  ");
        fold_into(&c.city, hay);
        // SIRETs are found by prefix through the store's index, not fuzzily.
        for name in &c.contact_names {
            hay.push_str("  ");
            fold_into(name, hay);
        }
        Entry {
            city_at: c.legal_name.len() as u32,
            siret_at: (c.legal_name.len() + c.city.len()) as u32,
            shown: [c.legal_name, c.city, c.siret].concat().into_boxed_str(),
            status: Some(c.status),
        }
    }

    /// The legal name as shown.
    pub fn name(&self) -> &str {
        self.shown.get(..self.city_at as usize).unwrap_or("")
    }

    pub fn city(&self) -> &str {
        self.shown
            .get(self.city_at as usize..self.siret_at as usize)
            .unwrap_or("")
    }

    pub fn siret(&self) -> &str {
        self.shown.get(self.siret_at as usize..).unwrap_or("")
    }

    pub fn is_present(&self) -> bool {
        self.status.is_some()
    }
}

/// Marks a present entry's mask (every query's mask has it).
pub(super) const PRESENT: u64 = 1 << 63;

/// The cells (haystack bytes × needle characters) past which nucleo leaves its 100 KiB
/// matrix for a greedy match, which no ceiling bounds.
pub(super) const NUCLEO_CELLS: usize = 64 * 1024;

/// The longest query (in characters, all words) whose ceilings the index may carry over
/// (early letters, carried ceilings) for the haystacks up to [`BOUNDED_HAY`] bytes.
pub(super) const BOUNDED_NEEDLE: usize = 64;

/// The longest haystack nucleo scores with its matrix for any query up to
/// [`BOUNDED_NEEDLE`] characters.
pub(super) const BOUNDED_HAY: usize = NUCLEO_CELLS / BOUNDED_NEEDLE;

/// Where an entry's mask holds the [`bit`]s of the letters among its haystack's first
/// [`EARLY`] bytes (of every letter for a haystack longer than [`BOUNDED_HAY`]).
pub(super) const EARLY_BITS: u32 = 36;

/// How far in a haystack its mask tells the letters: a needle whose first letter occurs
/// no earlier gets 3 of prefix bonus at most ([`prefix_ceiling`], 8 from the start), so
/// that a page full of matches scoring what a match from the start can, less 4 or less,
/// leaves the others out from their masks alone.
pub(super) const EARLY: usize = 7;

/// An entry's mask: its characters, the letters among its first [`EARLY`] bytes, and
/// [`PRESENT`].
pub(super) fn entry_mask(hay: &[u8]) -> u64 {
    let early = if hay.len() > BOUNDED_HAY {
        LETTERS
    } else {
        hay[..hay.len().min(EARLY)]
            .iter()
            .fold(0, |m, &b| m | bit(b))
            & LETTERS
    };
    hay.iter().fold(PRESENT, |m, &b| m | bit(b)) | early << EARLY_BITS
}

/// Up to [`CHUNK`] consecutive entries. What a search reads is packed: the haystacks one
/// after the other in one buffer, their character masks side by side, so a search streams
/// through memory instead of following a pointer per customer.
#[derive(Clone, Default)]
pub(super) struct Chunk {
    pub(super) hays: Vec<u8>,
    /// Slot `o`'s haystack ends at `ends[o]` and starts where the previous one ends.
    pub(super) ends: Vec<u32>,
    /// Characters of each haystack, and [`PRESENT`].
    pub(super) masks: Vec<u64>,
    /// What the cheaper ceilings need of each haystack.
    /// Each haystack's first [`HEAD`] bytes (zeros past its end), where the prefix bonus is.
    pub(super) heads: Vec<[u8; HEAD]>,
    pub(super) shapes: Vec<Shape>,
    pub(super) entries: Vec<Entry>,
}

/// What a haystack offers a query before it is read: the characters that occur where
/// nucleo gives a bonus (and, of the letters, those that start a word after a space or a
/// delimiter), and (a 256-bit Bloom filter) the pairs of characters that occur side by
/// side.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Shape {
    /// Bits 0–35: the [`bit`] of each character that gets a bonus somewhere; bits 36–61:
    /// the letters that get 9 or 10 somewhere (elsewhere a letter gets 8 at most).
    pub(super) bonused: u64,
    pub(super) pairs: [u64; 4],
}

/// The letters' bits in [`bit`].
pub(super) const LETTERS: u64 = (1 << 26) - 1;

/// Where [`Shape::bonused`] keeps the letters that start a word after a space or a
/// delimiter.
pub(super) const WORD_STARTS: u32 = 36;

impl Shape {
    pub(super) fn of(hay: &[u8]) -> Shape {
        let mut shape = Shape::default();
        let mut prev = (SPACE, None);
        for &b in hay {
            let class = CLASSES[b as usize];
            let bonus = BONUSES[prev.0 as usize][class as usize];
            if bonus > 0 {
                shape.bonused |= bit(b);
            }
            if bonus >= 9 {
                shape.bonused |= (bit(b) & LETTERS) << WORD_STARTS;
            }
            if let Some(a) = prev.1 {
                let h = pair_hash(a, b);
                shape.pairs[h / 64] |= 1 << (h % 64);
            }
            prev = (class, Some(b));
        }
        shape
    }

    /// Whether the pair whose [`Probe`] is `(word, bit)` may occur side by side somewhere
    /// (false: never).
    pub(super) fn side_by_side(&self, (word, bit): (usize, u64)) -> bool {
        self.pairs[word] & bit != 0
    }

    /// The largest bonus `c` can get: 10 when a letter starts a word after a space or a
    /// delimiter somewhere (or a digit gets any bonus, or `c` is neither), 8 when the
    /// letter only follows another non-word character, none when it never gets a bonus.
    pub(super) fn bonus(&self, c: u8) -> u32 {
        self.bonus_of(bit(c))
    }

    /// [`Shape::bonus`] of the character whose [`bit`] is `b`.
    pub(super) fn bonus_of(&self, b: u64) -> u32 {
        let any = b == 0 || self.bonused & b != 0;
        let top = b & LETTERS == 0 || (self.bonused >> WORD_STARTS) & b != 0;
        any as u32
            * if top {
                BONUS_BOUNDARY_WHITE
            } else {
                BONUS_BOUNDARY
            }
    }
}

/// What [`shape_ceiling`] asks of a shape for one needle, worked out once per query: each
/// character's [`bit`], each adjacent pair's place in the pairs filter.
pub(super) struct Probe<'a> {
    pub(super) needle: &'a [u8],
    pub(super) bits: Vec<u64>,
    pub(super) pairs: Vec<(usize, u64)>,
}

impl Probe<'_> {
    pub(super) fn of(needle: &[u8]) -> Probe<'_> {
        Probe {
            needle,
            bits: needle.iter().map(|&c| bit(c)).collect(),
            pairs: needle
                .windows(2)
                .map(|p| {
                    let h = pair_hash(p[0], p[1]);
                    (h / 64, 1 << (h % 64))
                })
                .collect(),
        }
    }
}

/// Where the pair `a`, `b` falls in a [`Shape`]'s filter.
pub(super) fn pair_hash(a: u8, b: u8) -> usize {
    ((a as u32).wrapping_mul(0x9E37_79B9) ^ (b as u32).wrapping_mul(0x85EB_CA6B)).rotate_left(13)
        as usize
        % 256
}

/// What a search may read of one entry (each read only when needed: they lie in
/// different arrays of the chunk).
pub(super) struct Seen<'a> {
    pub(super) hay: &'a [u8],
    pub(super) head: &'a [u8; HEAD],
    pub(super) shape: &'a Shape,
}

impl Chunk {
    pub(super) fn hay(&self, o: usize) -> &[u8] {
        let start = o.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.hays[start..self.ends[o] as usize]
    }

    pub(super) fn seen(&self, o: usize) -> Seen<'_> {
        Seen {
            hay: self.hay(o),
            head: &self.heads[o],
            shape: &self.shapes[o],
        }
    }

    pub(super) fn set(&mut self, o: usize, hay: &[u8], entry: Entry) {
        while self.entries.len() <= o {
            self.ends.push(self.hays.len() as u32);
            self.masks.push(0);
            self.heads.push([0; HEAD]);
            self.shapes.push(Shape::default());
            self.entries.push(Entry::default());
        }
        let start = o.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        let end = self.ends[o] as usize;
        if start == self.hays.len() {
            // Appending (the usual case while the store opens).
            self.hays.extend_from_slice(hay);
        } else {
            self.hays.splice(start..end, hay.iter().copied());
        }
        let grown = hay.len() as i64 - (end - start) as i64;
        for e in &mut self.ends[o..] {
            *e = (*e as i64 + grown) as u32;
        }
        self.masks[o] = if entry.is_present() {
            entry_mask(hay)
        } else {
            0
        };
        self.heads[o] = head_of(hay);
        self.shapes[o] = Shape::of(hay);
        self.entries[o] = entry;
    }

    pub(super) fn shrink(&mut self) {
        self.hays.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.masks.shrink_to_fit();
        self.heads.shrink_to_fit();
        self.shapes.shrink_to_fit();
        self.entries.shrink_to_fit();
    }
}

/// An immutable snapshot of the index. Entry `i` is customer id `i + 1`.
#[derive(Clone, Default)]
pub struct CustomerIndex {
    pub(super) chunks: Vec<Arc<Chunk>>,
    pub(super) len: usize,
    /// Grows with every change: a search's matches narrow only searches on the same one.
    pub(super) generation: u64,
    /// The shortest and the longest haystack ever added (what the most a query can
    /// score depends on).
    pub(super) shortest: usize,
    pub(super) longest: usize,
}

impl CustomerIndex {
    pub fn from_entries(entries: Vec<(CustomerId, NewEntry)>) -> CustomerIndex {
        let mut idx = CustomerIndex::default();
        for (id, e) in entries {
            idx.set(id, e);
        }
        idx.shrink();
        idx
    }

    /// Adds (or replaces) a customer from its stored summary, folding its haystack in
    /// `scratch`: no allocation per customer but what it shows (the store's open, where a
    /// million short-lived haystacks would leave the heap full of holes).
    pub fn add_summary(&mut self, c: CustomerSummary, scratch: &mut String) {
        let id = c.id;
        let entry = Entry::folding(c, scratch);
        self.put(id, scratch.as_bytes(), entry);
    }

    /// Gives back the room the chunks grew into (after adding many entries).
    pub fn shrink(&mut self) {
        for chunk in &mut self.chunks {
            Arc::make_mut(chunk).shrink();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The customers whose eligibility is `status` (a scan: for screens, not per frame).
    pub fn with_status(&self, status: EligibilityStatus) -> Vec<CustomerId> {
        let mut out = Vec::new();
        for (c, chunk) in self.chunks.iter().enumerate() {
            for (i, e) in chunk.entries.iter().enumerate() {
                if e.is_present() && e.status == Some(status) {
                    out.push(CustomerId((c * CHUNK + i + 1) as u64));
                }
            }
        }
        out
    }

    pub fn get(&self, id: CustomerId) -> Option<&Entry> {
        let i = (id.0 as usize).checked_sub(1)?;
        self.chunks
            .get(i / CHUNK)?
            .entries
            .get(i % CHUNK)
            .filter(|e| e.is_present())
    }

    /// What a search may read of a present entry.
    #[cfg(test)]
    pub(super) fn seen(&self, id: u32) -> Option<Seen<'_>> {
        let i = (id as usize).checked_sub(1)?;
        let chunk = self.chunks.get(i / CHUNK)?;
        let mask = *chunk.masks.get(i % CHUNK)?;
        (mask & PRESENT != 0).then(|| chunk.seen(i % CHUNK))
    }

    /// Replaces (or adds) one entry, copying only its chunk.
    pub fn set(&mut self, id: CustomerId, e: NewEntry) {
        self.put(id, e.hay.as_bytes(), e.entry);
    }

    pub(super) fn put(&mut self, id: CustomerId, hay: &[u8], e: Entry) {
        let Some(i) = (id.0 as usize).checked_sub(1) else {
            return;
        };
        let (c, o) = (i / CHUNK, i % CHUNK);
        while self.chunks.len() <= c {
            self.chunks.push(Arc::default());
        }
        self.generation += 1;
        if self.len == 0 || hay.len() < self.shortest {
            self.shortest = hay.len();
        }
        self.longest = self.longest.max(hay.len());
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        let was_present = chunk.entries.get(o).is_some_and(Entry::is_present);
        if !was_present && e.is_present() {
            self.len += 1;
        }
        chunk.set(o, hay, e);
    }

    /// Every present entry's folded haystack (the `fzf` yardstick of `bench search`).
    #[cfg(feature = "bench")]
    pub fn haystacks(&self) -> impl Iterator<Item = &str> {
        self.haystacks_with_ids()
            .map(|(_, hay, _)| std::str::from_utf8(hay).unwrap_or_default())
    }

    /// Every present entry: id, folded haystack, mask.
    pub(super) fn haystacks_with_ids(&self) -> impl Iterator<Item = (u32, &[u8], u64)> {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk
                .masks
                .iter()
                .enumerate()
                .filter(|(_, m)| *m & PRESENT != 0)
                .map(move |(o, &m)| ((c * CHUNK + o + 1) as u32, chunk.hay(o), m))
        })
    }
}

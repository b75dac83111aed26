//! `comptoir bench fuzz`: a mutation fuzzer on the stable toolchain for the four parsers
//! that take hostile bytes — the terminal input decoder, the exec command line, the
//! quote import and public-key lines. Inputs are built from valid samples, a dictionary
//! of tokens that matter to each parser, random bytes, and mutations of all of these
//! (flips, insertions, deletions, splices, repeats). Any panic is caught, its input
//! saved, and the run fails; the resident memory is sampled and its peak reported.

use crate::app::import::parse_quote_request;
use crate::ssh::commands;
use crate::ssh::input::{Decoder, MAX_PENDING};
use crate::ssh::keys::parse_key_line;
use clap::ValueEnum;
use rand::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Which parser to fuzz.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Target {
    Input,
    Command,
    Import,
    Keys,
}

const QUOTE: &str = include_str!("../../tests/fixtures/quote.json");
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAu3GcqzaOdpeD/SxaNe+e5djM+ZAzmKjdTzzDT5mJ4P marie@poste";

fn dictionary(target: Target) -> Vec<&'static [u8]> {
    match target {
        Target::Input => vec![
            b"\x1b",
            b"\x1b[",
            b"\x1b[200~",
            b"\x1b[201~",
            b"\x1bO",
            b"\x1b[1;5A",
            b"\x1b[<0;12;5M",
            b"\x1b[27;5;13~",
            b"\x1b[?u",
            b"\x1b]52;c;",
            b"\x07",
            b"\x1b\\",
            b";",
            b"0",
            b"9999999",
            b"\r",
            b"\x7f",
            b"\x03",
            b"\xc3\xa9",
            b"\xff",
            b"\xe2\x82",
            b"\x1b[M",
        ],
        Target::Command => vec![
            b"order ",
            b"receive-original ",
            b"--po-date ",
            b"2026-03-01 ",
            b"'",
            b"\"",
            b"\\",
            b"--json ",
            b"keys role paul ",
            b"admin",
            b"stock add SKU ",
            b"-9223372036854775808",
            b"--quantities 1,2,,3 ",
            b"customers search ",
            b"\x1b]0;x\x07",
            b"\xef\xbf\xbe",
            b"DEV-2026-00001 ",
            b"--help",
            b"audit --since ",
            b"--limit 18446744073709551616 ",
        ],
        Target::Import => vec![
            b"\"unit_price\": ",
            b"\"92233720368547758.07\"",
            b"1e308",
            b"-0",
            b"\"quantity\": ",
            b"4294967296",
            b"\"siret\": \"",
            b"\\u0000",
            b"\\uFFFF",
            b"\\ud800",
            b"[",
            b"]",
            b"{",
            b"}",
            b"null",
            b",",
            b"\"lines\": [",
            b"\"categorie_juridique\": \"7",
        ],
        Target::Keys => vec![
            b"ssh-ed25519 ",
            b"ssh-rsa ",
            b"ecdsa-sha2-nistp256 ",
            b"ssh-dss ",
            b"AAAA",
            b"=",
            b"command=\"x\" ",
            b"\x1b[2J",
            b" ",
            b"\t",
            b"#",
            b"sk-ssh-ed25519@openssh.com ",
        ],
    }
}

fn seed(target: Target) -> Vec<u8> {
    match target {
        Target::Input => b"abc\x1b[A\x1b[200~Lyc\xc3\xa9e\x1b[201~\r".to_vec(),
        Target::Command => b"order receive-original DEV-2026-00042 --po-number 'ENG 42' --po-date 2026-03-01 --letterhead --dated".to_vec(),
        Target::Import => QUOTE.as_bytes().to_vec(),
        Target::Keys => KEY.as_bytes().to_vec(),
    }
}

/// One input: a mutated seed, dictionary tokens, or random bytes.
fn generate(rng: &mut impl Rng, target: Target, dict: &[&[u8]], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = match rng.random_range(0..10) {
        0 => (0..rng.random_range(0..512))
            .map(|_| rng.random())
            .collect(),
        1 | 2 => {
            let mut v = Vec::new();
            for _ in 0..rng.random_range(1..64) {
                v.extend_from_slice(dict[rng.random_range(0..dict.len())]);
            }
            v
        }
        _ => corpus[rng.random_range(0..corpus.len())].clone(),
    };
    if data.is_empty() {
        data = seed(target);
    }
    for _ in 0..rng.random_range(1..8) {
        let at = rng.random_range(0..=data.len());
        match rng.random_range(0..6) {
            0 if !data.is_empty() => {
                let i = rng.random_range(0..data.len());
                data[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let tok = dict[rng.random_range(0..dict.len())];
                data.splice(at..at, tok.iter().copied());
            }
            2 if at < data.len() => {
                let end = (at + rng.random_range(1..32)).min(data.len());
                data.drain(at..end);
            }
            3 => data.truncate(at),
            4 if at < data.len() => {
                // Repeat a slice: long runs are what broke the decoder before.
                let end = (at + rng.random_range(1..16)).min(data.len());
                let piece = data[at..end].to_vec();
                for _ in 0..rng.random_range(1..2000) {
                    data.extend_from_slice(&piece);
                }
            }
            _ => data.insert(at, rng.random()),
        }
    }
    data.truncate(2 * 1024 * 1024);
    data
}

/// Runs one input through the parser; checks what must always hold.
fn exercise(target: Target, data: &[u8], rng: &mut impl Rng) {
    match target {
        Target::Input => {
            let mut d = Decoder::default();
            let mut rest = data;
            while !rest.is_empty() {
                let n = rng.random_range(1..=rest.len().min(4096));
                let _ = d.feed(&rest[..n]);
                assert!(
                    d.pending_bytes() <= MAX_PENDING + 256,
                    "decoder holds too much"
                );
                rest = &rest[n..];
            }
            let _ = d.flush();
        }
        Target::Command => {
            let line = String::from_utf8_lossy(data);
            if let Ok(argv) = commands::split(&line) {
                let _ = commands::parse(&argv, crate::app::Role::Staff);
            }
        }
        Target::Import => {
            let _ = parse_quote_request(&String::from_utf8_lossy(data));
        }
        Target::Keys => {
            for line in String::from_utf8_lossy(data).lines() {
                let _ = parse_key_line(line);
            }
        }
    }
}

/// Fuzzes `target` for `minutes`; fails on the first panic, saving its input.
pub(super) fn run(target: Target, minutes: f64, seed_value: u64) -> Result<(), String> {
    let dict = dictionary(target);
    let mut corpus = vec![seed(target)];
    let mut rng = StdRng::seed_from_u64(seed_value);
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(minutes * 60.0);
    let before = super::rss_mb();
    let mut peak = before;
    let mut runs: u64 = 0;
    std::panic::set_hook(Box::new(|_| {}));
    while Instant::now() < until {
        let data = generate(&mut rng, target, &dict, &corpus);
        let outcome = catch_unwind(AssertUnwindSafe(|| exercise(target, &data, &mut rng)));
        if outcome.is_err() {
            let _ = std::panic::take_hook();
            let file = format!("fuzz-{target:?}-crash.bin").to_lowercase();
            std::fs::write(&file, &data).map_err(|e| e.to_string())?;
            return Err(format!(
                "fuzz {target:?}: panic after {runs} inputs; input saved to {file}"
            ));
        }
        runs += 1;
        if runs.is_multiple_of(64) && corpus.len() < 256 {
            corpus.push(data);
        }
        if runs.is_multiple_of(1024) {
            peak = peak.max(super::rss_mb());
        }
    }
    let _ = std::panic::take_hook();
    peak = peak.max(super::rss_mb());
    println!(
        "fuzz {target:?}: {runs} inputs in {:.1} min, 0 panics; RSS {before:.0} MB at start, peak {peak:.0} MB",
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

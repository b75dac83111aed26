//! comptoir: a back-office console, served over SSH, for the orders French public bodies
//! place by administrative payment. See ARCHITECTURE.md for the map.

#![warn(unreachable_pub)]

pub mod app;
pub mod bank;
#[cfg(feature = "bench")]
pub mod bench;
pub mod chorus;
pub mod cli;
pub mod config;
pub mod documents;
pub mod domain;
pub mod mail;
pub mod ssh;
pub mod store;
pub mod ui;

/// The layering of ARCHITECTURE.md, checked on the sources: dependencies point inward
/// (domain ← store ← app ← ui ← ssh; documents beside app), and each outside crate is
/// known by its own layer only.
#[cfg(test)]
mod architecture {
    use std::path::Path;

    /// (layer, what its non-test code must never name)
    const RULES: &[(&str, &[&str])] = &[
        (
            "domain",
            &[
                "crate::store",
                "crate::app",
                "crate::documents",
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "crate::bank",
                "crate::mail",
                "crate::config",
                "redb",
                "ratatui",
                "russh",
                "tokio",
            ],
        ),
        (
            "store",
            &[
                "crate::app",
                "crate::documents",
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "crate::bank",
                "crate::mail",
                "ratatui",
                "russh",
            ],
        ),
        (
            "documents",
            &[
                "crate::store",
                "crate::app",
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "crate::bank",
                "crate::mail",
                "redb",
                "russh",
            ],
        ),
        (
            "app",
            &[
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "crate::bank",
                "crate::mail",
                "crate::config",
                "redb::",
                "ratatui",
                "russh",
            ],
        ),
        (
            "ui",
            &[
                "crate::ssh",
                "crate::cli",
                "crate::bank",
                "crate::mail",
                "crate::store",
                "redb::",
                "russh",
            ],
        ),
        (
            "chorus",
            &[
                "crate::store",
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "redb::",
                "ratatui",
                "russh",
            ],
        ),
        (
            "mail",
            &[
                "crate::store",
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "redb::",
                "ratatui",
                "russh",
            ],
        ),
        (
            "bank",
            &[
                "crate::store",
                "crate::ui",
                "crate::ssh",
                "crate::cli",
                "redb::",
                "ratatui",
                "russh",
            ],
        ),
        ("ssh", &["crate::cli", "crate::bench", "redb::"]),
    ];

    fn code_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // A module's tests in their own folder are tests.
                if path.file_name().is_some_and(|n| n != "tests") {
                    code_files(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                out.push(path);
            }
        }
    }

    #[test]
    fn layers_point_inward() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut broken = Vec::new();
        for (layer, forbidden) in RULES {
            let mut files = Vec::new();
            code_files(&src.join(layer), &mut files);
            assert!(!files.is_empty(), "{layer}");
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                // Unit tests at the end of a file may build fixtures from any layer.
                let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
                for (n, line) in code.lines().enumerate() {
                    let line = line.split("//").next().unwrap_or("");
                    for f in forbidden.iter() {
                        if line.contains(f) {
                            broken.push(format!("{}:{}: {f}", file.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(
            broken.is_empty(),
            "imports against the layering:\n{}",
            broken.join("\n")
        );
    }

    /// The text of `code` with what is not code blanked (comments, strings, characters),
    /// so that braces can be counted: line breaks are kept.
    fn code_only(code: &str) -> String {
        let b: Vec<char> = code.chars().collect();
        let mut out = String::with_capacity(code.len());
        let mut i = 0;
        let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
        while i < b.len() {
            let c = b[i];
            let next = b.get(i + 1).copied();
            if c == '/' && next == Some('/') {
                while i < b.len() && b[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
            } else if c == '/' && next == Some('*') {
                let mut depth = 0;
                loop {
                    if i >= b.len() {
                        break;
                    }
                    if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                        depth += 1;
                        out.push_str("  ");
                        i += 2;
                    } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        out.push_str("  ");
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        out.push(blank(b[i]));
                        i += 1;
                    }
                }
            } else if (c == 'r' || (c == 'b' && next == Some('r')))
                && !b
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_')
                && {
                    let mut j = i + if c == 'b' { 2 } else { 1 };
                    while b.get(j) == Some(&'#') {
                        j += 1;
                    }
                    b.get(j) == Some(&'"')
                }
            {
                let mut j = i + if c == 'b' { 2 } else { 1 };
                let mut hashes = 0;
                while b[j] == '#' {
                    hashes += 1;
                    j += 1;
                }
                j += 1;
                while j < b.len() {
                    if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                for &k in &b[i..j.min(b.len())] {
                    out.push(blank(k));
                }
                i = j;
            } else if c == '"' {
                out.push(' ');
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '\\' {
                        out.push(' ');
                        i += 1;
                    }
                    if i < b.len() {
                        out.push(blank(b[i]));
                        i += 1;
                    }
                }
                out.push(' ');
                i += 1;
            } else if c == '\'' && next == Some('\\') {
                // An escaped character: '\n', '\'', '\u{…}'.
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                for _ in i..=j.min(b.len() - 1) {
                    out.push(' ');
                }
                i = j + 1;
            } else if c == '\'' && b.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        }
        out
    }

    /// Functions (name, first line, lines) of `code`, measured from their `fn` line to
    /// their closing brace.
    fn functions(code: &str) -> Vec<(String, usize, usize)> {
        let clean = code_only(code);
        let lines: Vec<&str> = clean.lines().collect();
        let mut found = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            let Some(at) = line.find("fn ") else { continue };
            if at > 0 && !line[..at].ends_with(' ') && !line[..at].ends_with('(') {
                continue;
            }
            let name: String = line[at + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                continue;
            }
            // Its body opens at the first `{` (a `;` first: a declaration, no body).
            let mut depth = 0i64;
            let mut opened = false;
            'body: for (m, l) in lines.iter().enumerate().skip(n) {
                let from = if m == n { at } else { 0 };
                for ch in l[from..].chars() {
                    match ch {
                        ';' if !opened => break 'body,
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => {
                            depth -= 1;
                            if opened && depth == 0 {
                                found.push((name.clone(), n + 1, m - n + 1));
                                break 'body;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        found
    }

    /// Every `.rs` file under `dir`, tests included.
    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// What a newcomer reads stays readable: no source file over 1,000 lines, tests
    /// included, and no function over 150 outside tests (issue 27).
    #[test]
    fn rooms_stay_small() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let src = root.join("src");
        let mut big = Vec::new();
        let mut every = Vec::new();
        rust_files(&src, &mut every);
        rust_files(&root.join("tests"), &mut every);
        for file in every {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            if lines > 1000 {
                let name = file.strip_prefix(root).unwrap().display();
                big.push(format!("{name}: {lines} lines"));
            }
        }
        let mut files = Vec::new();
        code_files(&src, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
            let name = file.strip_prefix(&src).unwrap().display().to_string();
            for (f, at, len) in functions(code) {
                if len > 150 {
                    big.push(format!("{name}:{at}: fn {f}, {len} lines"));
                }
            }
        }
        assert!(big.is_empty(), "too big to read:\n{}", big.join("\n"));
    }

    #[test]
    fn functions_are_measured_past_strings_and_comments() {
        let code = "fn a() {\n    let s = \"{\";\n    let c = '}';\n    // }\n    let r = r#\"}\"#;\n}\nfn b<'x>(v: &'x str) -> &'x str {\n    v\n}\ntrait T {\n    fn c(&self);\n}\n";
        assert_eq!(
            functions(code),
            vec![("a".to_string(), 1, 6), ("b".to_string(), 7, 3)]
        );
    }
}

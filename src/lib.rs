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
                code_files(&path, out);
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
}

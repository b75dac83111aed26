//! `help`: every command the connected role may run, generated from the grammar and the
//! permission table, laid out for an 80-column terminal.

use super::permissions::gate;
use crate::app::Role;
use clap::ArgAction;

/// Width `help` is laid out in: an 80-column terminal, as clap wraps.
const HELP_WIDTH: usize = 80;

/// `help`: every command `role` may run, with its arguments, generated from the grammar
/// and the permission table; each usage wrapped at 80 columns (arguments never split),
/// its description below it, indented; one blank line between command groups.
pub(super) fn help(role: Role) -> String {
    let mut rows = leaves();
    let all = rows.len();
    rows.retain(|(path, _, _)| gate(path, role).is_ok());
    let mut out =
        String::from("comptoir — commandes disponibles par ssh (ssh -p PORT HOTE COMMANDE) :\n");
    let mut group = "";
    for (path, usage, about) in &rows {
        let first = path.split(' ').next().unwrap_or("");
        if first != group {
            out.push('\n');
            group = first;
        }
        out.push_str(&wrap(usage, "  ", "      "));
        if !about.is_empty() {
            let words: Vec<String> = about.split_whitespace().map(String::from).collect();
            out.push_str(&wrap(&words, "          ", "          "));
        }
    }
    if rows.len() < all {
        out.push_str(&format!(
            "\nVous êtes {} : {} commandes sur {} ; les autres sont réservées à d'autres rôles.",
            role.label(),
            rows.len(),
            all
        ));
    }
    out.push_str(
        "\nChaque commande accepte --help.\n\
         Dates : AAAA-MM-JJ ou JJ/MM/AAAA ; montants en euros (1234,56).",
    );
    out
}

/// Words laid out in [`HELP_WIDTH`] columns: `first` before the first line, `next` before
/// the others. A word breaks only after a `|` of its closed set
/// (`[--stage quote|preorder|…]`), and only when it does not fit.
fn wrap(words: &[String], first: &str, next: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut empty = true;
    for w in words {
        for (n, part) in w.split_inclusive('|').enumerate() {
            let space = !empty && n == 0;
            if !empty
                && line.chars().count() + usize::from(space) + part.chars().count() > HELP_WIDTH
            {
                out.push_str(line.trim_end());
                out.push('\n');
                line = String::from(next);
            } else if space {
                line.push(' ');
            }
            line.push_str(part);
            empty = false;
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Every leaf command's path (`order deliver`), usage — the path, then each argument
/// as one piece (`--po-date PO_DATE`, `[--limit LIMIT]`) — and description.
pub(super) fn leaves() -> Vec<(String, Vec<String>, String)> {
    let mut rows = Vec::new();
    collect(&super::grammar::command(), "", &mut rows);
    rows
}

/// Collects (path, usage pieces, description) for every leaf command under `cmd`.
fn collect(cmd: &clap::Command, prefix: &str, rows: &mut Vec<(String, Vec<String>, String)>) {
    for sub in cmd.get_subcommands() {
        let path = if prefix.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{prefix} {}", sub.get_name())
        };
        if sub.has_subcommands() {
            collect(sub, &path, rows);
            continue;
        }
        let mut usage = vec![path.clone()];
        for arg in sub.get_arguments() {
            if arg.get_id() == "help" {
                continue;
            }
            usage.push(arg_usage(arg));
        }
        let about = sub
            .get_about()
            .or_else(|| cmd.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        rows.push((path, usage, about));
    }
}

fn arg_usage(arg: &clap::Arg) -> String {
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect();
    let value = if values.is_empty() {
        arg.get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
    } else {
        values.join("|")
    };
    let takes_value = !matches!(
        arg.get_action(),
        ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count
    );
    let text = match arg.get_long() {
        None if arg.get_num_args().is_some_and(|n| n.max_values() > 1) => format!("{value}…"),
        None => value,
        Some(long) if takes_value => format!("--{long} {value}"),
        Some(long) => format!("--{long}"),
    };
    if arg.is_required_set() || (arg.is_positional() && arg.get_num_args().is_none()) {
        text
    } else {
        format!("[{text}]")
    }
}

#[cfg(test)]
mod tests {
    use super::super::permissions::COMMANDS;
    use super::*;

    #[test]
    fn help_lists_every_command_from_the_grammar() {
        let h = help(Role::Admin);
        for line in [
            "  order receive-original NUMBER --po-number PO_NUMBER --po-date PO_DATE\n      [--letterhead]",
            "  keys role NAME staff|admin|comptable\n",
            "  orders [--stage quote|preorder|",
            "\n          Bon de commande original reçu ; chaque point vérifié est exigé\n",
        ] {
            assert!(h.contains(line), "{line}\n{h}");
        }
        // Readable in an 80-column terminal, every command there.
        for l in h.lines() {
            assert!(
                l.chars().count() <= HELP_WIDTH,
                "{} columns: {l}",
                l.chars().count()
            );
        }
        for (path, usage, _) in leaves() {
            assert!(h.contains(&format!("  {path}")), "{path}");
            for piece in usage {
                let first = piece.split('|').next().unwrap_or("").to_string();
                assert!(h.contains(&first), "{piece}");
            }
        }
        assert!(!h.contains("Vous êtes"), "an admin sees every command");
        let staff = help(Role::Staff);
        assert!(staff.contains("order deliver") && !staff.contains("keys add"));
        let comptable = help(Role::Comptable);
        assert!(comptable.contains("export fec") && !comptable.contains("order deliver"));
        assert!(comptable.contains("Vous êtes comptable"), "{comptable}");
    }

    #[test]
    fn every_command_has_exactly_one_permission() {
        let leaves = leaves();
        for (path, _, _) in &leaves {
            let rows = COMMANDS.iter().filter(|(p, _)| p == path).count();
            assert_eq!(rows, 1, "« {path} » needs exactly one row in COMMANDS");
        }
        for (p, _) in COMMANDS {
            assert!(
                leaves.iter().any(|(path, _, _)| path == p),
                "COMMANDS names « {p} », which the grammar does not have"
            );
        }
    }
}

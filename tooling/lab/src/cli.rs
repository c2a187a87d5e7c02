//! The command line, described once: clap derives the parser and the
//! `--help` text from it, and `cargo lab gen-docs` writes the command list
//! in README.md (which "How to use this book" includes) from the same
//! description, so the three can never disagree.

use std::fmt::Write as _;

use clap::{CommandFactory, Parser, Subcommand};

use crate::wrong_fix::Base;

#[derive(Debug, Parser)]
#[command(
    name = "cargo lab",
    bin_name = "cargo lab",
    about = "The course runner: your progress, the exercises' tests, hints, and the book.",
    after_help = "NAME is an exercise's name (`why`), its folder (`01_why`) or its number (`1`).\n\
                  With no command: your progress, then the current exercise, re-tested on every save \
                  (keys: h hint, l list, n next, r re-run, q quit); without a terminal it runs once."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start here: the book opened in your browser, and the current exercise re-tested on every save
    Start,
    /// The current exercise re-tested on every save, reading keys as lines even without a terminal
    #[command(hide = true)]
    Watch,
    /// Every exercise, its chapter and whether you solved it
    List,
    /// Run an exercise's tests and say what to do next
    Check { name: String },
    /// Show an exercise's next hint
    Hint { name: String },
    /// Put an exercise's starter back (your version is saved in .lab/backups/)
    Reset { name: String },
    /// Serve the book on 127.0.0.1, rebuilt on change, with your progress in every "Your turn"
    Book {
        /// Open it in the browser
        #[arg(long)]
        open: bool,
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Before a workshop: fetch and build everything, so that nothing needs the network afterwards
    Prepare,
    /// Maintainers: every starter fails, every solution passes, every wrong fix is rejected
    Verify {
        /// Run each solution's tests N times in a row (flakiness check)
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        repeat: u16,
        /// Verify one exercise only
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
    },
    /// Maintainers: build the book and fail on what mdBook lets through
    CheckBook,
    /// Maintainers: run every "predict the timeline" question's code and compare it with the answer key
    CheckQuizzes,
    /// Maintainers: a new exercise that builds and fails, with its solution, manifest entry and chapter
    New {
        /// The folder name, `NN_slug` (e.g. `22_channels`)
        dir: String,
        /// The chapter page under src/ (created if it does not exist)
        #[arg(long, value_name = "PAGE")]
        chapter: String,
        /// The exercise serves HTTP (axum, reqwest, test-support's `http` feature)
        #[arg(long)]
        http: bool,
    },
    /// Maintainers: work on a wrong fix as a whole crate, then save it back as a patch
    #[command(subcommand)]
    WrongFix(WrongFixCommand),
    /// Maintainers: mutation testing of the solutions (cargo-mutants); every survivor must be explained
    Mutants {
        /// One exercise only
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
    },
    /// Maintainers: time edit-then-test for every exercise (target/lab/bench-results.md)
    Bench,
    /// Maintainers: rewrite what is generated (the mistakes page, README's command list, the shipped starters, the quizzes' page parts)
    GenDocs,
    /// Maintainers: draw the chapters' timeline figures from runs of the starters and solutions (src/timelines/, src/images/timelines/)
    GenTimelines {
        /// Write nothing; fail if a committed figure no longer matches the code
        #[arg(long)]
        check: bool,
    },
    /// Instructors: a copy of the course without its answers (no solutions, no wrong fixes, no .git)
    StudentEdition {
        /// Where to write it (a new or empty folder)
        dir: std::path::PathBuf,
    },
    /// Maintainers: the whole test suite (fmt, clippy, cargo test, verify, check-book, gen-timelines --check, check-quizzes)
    TestAll,
    /// Workshops: join the instructor's class (learners), or serve its live dashboard (instructors)
    #[command(subcommand)]
    Class(ClassCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Instructors: start the class server; prints the join line and the dashboard's address
    Serve {
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// The address to listen on (every interface by default, so that the room can reach it)
        #[arg(long, default_value = "0.0.0.0")]
        bind: String,
        /// The class database (default: .lab/class-server/class.db)
        #[arg(long)]
        db: Option<std::path::PathBuf>,
    },
    /// Learners: report every check's result to the instructor's server (never your code)
    Join {
        /// The address from the instructor's join line (http://...)
        url: String,
        /// The join code from the instructor's join line
        code: String,
        /// Your name as the instructor will see it (at most 40 characters)
        #[arg(long)]
        name: String,
    },
    /// Learners: stop reporting to the class
    Leave,
    /// Instructors: every reported check as CSV
    Export {
        /// The file to write (default: standard output)
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        db: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WrongFixCommand {
    /// Maintainers: write a wrong fix (or, for a new one, its base) as a crate under target/lab/wrong-fix/
    Edit {
        /// The exercise (name, folder or number)
        exercise: String,
        /// The wrong fix's name, its file name without `.patch`
        name: String,
        /// For a new wrong fix: the file it changes
        #[arg(long, default_value = "starter")]
        base: Base,
        /// Start over from the saved patch (or the base), dropping edits not saved yet
        #[arg(long)]
        fresh: bool,
    },
    /// Maintainers: turn the edited wrong fix back into solutions/NN/wrong_fixes/NAME.patch
    Save {
        exercise: String,
        name: String,
        /// What the mistake is, in a sentence (required for a new wrong fix)
        #[arg(long)]
        mistake: Option<String>,
        /// The tests that must reject it, comma-separated (required for a new wrong fix)
        #[arg(long, value_delimiter = ',')]
        rejected_by: Vec<String>,
        /// It hangs or spins: the watchdog must stop each failing test
        #[arg(long, conflicts_with = "no_hangs")]
        hangs: bool,
        /// It no longer hangs (clears `hangs: yes`)
        #[arg(long)]
        no_hangs: bool,
    },
}

/// Where README.md keeps the generated command list.
pub const README_START: &str = "<!-- ANCHOR: commands -->";
pub const README_END: &str = "<!-- ANCHOR_END: commands -->";

/// The command list as README.md shows it: one line per command, from the
/// same description that `--help` is made of.
pub fn command_list() -> String {
    let mut command = Cli::command();
    let mut rows = vec![(
        "cargo lab".to_owned(),
        "your progress, then the current exercise, re-tested on every save".to_owned(),
    )];
    for sub in command.get_subcommands_mut() {
        if sub.is_hide_set() {
            continue;
        }
        let children: Vec<_> = sub
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        if children.is_empty() {
            rows.push(row(sub, ""));
        } else {
            let name = sub.get_name().to_owned();
            for child in sub.get_subcommands_mut() {
                rows.push(row(child, &name));
            }
        }
    }
    let width = rows.iter().map(|(usage, _)| usage.len()).max().unwrap_or(0);
    let mut text = String::from("```console\n");
    for (usage, about) in rows {
        let _ = writeln!(text, "{usage:<width$}  # {about}");
    }
    text.push_str("```\n");
    text
}

fn row(command: &mut clap::Command, parent: &str) -> (String, String) {
    let usage = command.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ").trim();
    let usage = match parent {
        "" => usage.to_owned(),
        parent => usage.replacen(
            command.get_name(),
            &format!("{parent} {}", command.get_name()),
            1,
        ),
    };
    let about = command
        .get_about()
        .map(|about| about.to_string())
        .unwrap_or_default();
    (
        format!("cargo lab {}", usage.trim_start_matches("cargo lab ")),
        lowercase_first(&about),
    )
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// README.md with its command list replaced by `list`.
pub fn with_command_list(readme: &str, list: &str) -> Option<String> {
    let start = readme.find(README_START)? + README_START.len();
    let end = readme[start..].find(README_END)? + start;
    Some(format!("{}\n{list}{}", &readme[..start], &readme[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::root;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn readme_lists_exactly_the_commands_of_the_help() {
        let readme = crate::files::read(&root().join("README.md")).unwrap();
        let expected = with_command_list(&readme, &command_list())
            .expect("README.md has the command-list anchors");
        assert!(
            readme == expected,
            "README.md's command list differs from `cargo lab --help`: run `cargo lab gen-docs`"
        );
    }

    #[test]
    fn the_list_shows_arguments_and_nested_commands() {
        let list = command_list();
        assert!(list.contains("cargo lab check <NAME>"), "{list}");
        assert!(list.contains("cargo lab wrong-fix edit"), "{list}");
        assert!(
            !list.contains("cargo lab watch"),
            "hidden commands stay hidden: {list}"
        );
    }
}

//! `cargo lab student-edition DIR`: the course without its answers, for an
//! instructor to hand out: no `solutions/` (reference fixes, wrong fixes),
//! no folded reference solutions in the book, no instructors' pages that
//! show the wrong fixes, no `.git`, no build output, no learner state. In
//! it, `cargo lab`, `cargo test` in every exercise, `cargo lab reset` and
//! the book all work: the book's code lives in `snippets/`, the starters as
//! shipped in `tooling/lab/starters/`.

use std::path::{Component, Path};

use anyhow::{Context, Result, bail};

use crate::course::Course;
use crate::files::{files_under, read, write};

/// Top-level folders that stay behind.
const LEFT_OUT: &[&str] = &[
    ".git",
    "target",
    "book",
    "solutions",
    ".lab",
    "node_modules",
];

pub fn write_edition(course: &Course, dir: &Path) -> Result<()> {
    if dir.exists() && fs_err::read_dir(dir)?.next().is_some() {
        bail!(
            "{} exists and is not empty; nothing was written",
            dir.display()
        );
    }
    let root = &course.root;
    let mut copied = 0;
    for file in files_under(root)? {
        let relative = file.strip_prefix(root).expect("walked from the root");
        if left_out(relative) {
            continue;
        }
        let target = dir.join(relative);
        match relative.to_str() {
            Some("Cargo.toml") => write(&target, without_solutions(&read(&file)?)?)?,
            Some("src/instructors/mistakes.md") => write(&target, MISTAKES_LEFT_OUT)?,
            Some(path) if path.starts_with("src/") && path.ends_with(".md") => {
                let page = without_reference_solutions(&read(&file)?);
                write(&target, with_solution_code_inlined(root, &page)?)?
            }
            _ => write(&target, fs_err::read(&file)?)?,
        }
        copied += 1;
    }
    println!(
        "Wrote the student edition to {} ({copied} files; no solutions, no wrong fixes, no .git).",
        dir.display()
    );
    Ok(())
}

fn left_out(relative: &Path) -> bool {
    let mut components = relative.components();
    let first = match components.next() {
        Some(Component::Normal(first)) => first.to_string_lossy(),
        _ => return true,
    };
    LEFT_OUT.contains(&first.as_ref())
        || relative.components().any(|c| c.as_os_str() == "node_modules" || c.as_os_str() == "target")
        // The runner's own tests use the solutions: they are the maintainers'.
        || relative.starts_with("tooling/lab/tests")
}

/// The workspace without `solutions/*` among its members.
fn without_solutions(manifest: &str) -> Result<String> {
    // Text, not a TOML round trip: the course's comments stay.
    let edited = manifest
        .replace("\n    \"solutions/*\",", "")
        .replace(", \"solutions/*\"", "")
        .replace("\"solutions/*\", ", "");
    if edited.contains("solutions/") {
        bail!("Cargo.toml names solutions/ in a way the student edition cannot remove");
    }
    toml::from_str::<toml::Table>(&edited).context("the edition's Cargo.toml is not valid")?;
    Ok(edited)
}

/// A chapter with its folded reference solutions taken out.
pub fn without_reference_solutions(page: &str) -> String {
    const START: &str = "<details>\n<summary>The reference solution";
    let mut out = String::new();
    let mut rest = page;
    while let Some(start) = rest.find(START) {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find("</details>")
            .map_or(after.len(), |end| end + "</details>".len());
        out.push_str("*The reference solution is not part of this edition: ask your instructor.*");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A page whose main text shows code from a solution crate (code the
/// chapter teaches openly, such as the shutdown chapter's signal handling):
/// the edition has no `solutions/`, so that code is written into the page
/// itself, as mdBook would include it (the lines between the anchors).
fn with_solution_code_inlined(root: &Path, page: &str) -> Result<String> {
    const START: &str = "{{#include ../solutions/";
    let mut out = String::new();
    let mut rest = page;
    while let Some(start) = rest.find(START) {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{#include ../".len()..];
        let end = after.find("}}").context("an unclosed {{#include")?;
        let (file, anchor) = after[..end].split_once(':').with_context(|| {
            format!(
                "`{}` names no anchor: the edition cannot inline it",
                &after[..end]
            )
        })?;
        out.push_str(
            &anchored_lines(&read(&root.join(file))?, anchor)
                .with_context(|| format!("{file} has no anchor `{anchor}`"))?,
        );
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without other
/// anchor lines: what mdBook's `{{#include file:name}}` shows.
fn anchored_lines(source: &str, name: &str) -> Option<String> {
    let is = |line: &str, marker: &str| {
        line.split(marker).nth(1).is_some_and(|rest| {
            rest.trim_start()
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .next()
                == Some(name)
        })
    };
    let mut lines = source.lines();
    lines.find(|line| is(line, "ANCHOR:"))?;
    let kept: Vec<&str> = lines
        .take_while(|line| !is(line, "ANCHOR_END:"))
        .filter(|line| !line.contains("ANCHOR:") && !line.contains("ANCHOR_END:"))
        .collect();
    Some(kept.join("\n"))
}

const MISTAKES_LEFT_OUT: &str = "# Typical mistakes, exercise by exercise\n\n\
This page shows the wrong fixes that the tests reject, and so the answers: it\n\
is not part of the student edition.\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_solutions_are_taken_out_and_the_rest_kept() {
        let page = "# Why\n\ntext\n\n<details>\n<summary>The reference solution (open it once your tests pass)</summary>\n\n```rust\n{{#include ../solutions/01_why/src/lib.rs:x}}\n```\n\n</details>\n\n## Check yourself\n\n<details>\n<summary>Answer</summary>\nkept\n</details>\n";
        let edited = without_reference_solutions(page);
        assert!(!edited.contains("solutions/"), "{edited}");
        assert!(edited.contains("## Check yourself"), "{edited}");
        assert!(
            edited.contains("<summary>Answer</summary>\nkept"),
            "{edited}"
        );
        assert!(edited.contains("not part of this edition"), "{edited}");
    }

    #[test]
    fn code_a_page_shows_from_a_solution_is_written_into_it() {
        let source = "fn a() {}\n// ANCHOR: signal\nfn signal() {\n    // ANCHOR: inner\n    wait();\n    // ANCHOR_END: inner\n}\n// ANCHOR_END: signal\n";
        assert_eq!(
            anchored_lines(source, "signal").unwrap(),
            "fn signal() {\n    wait();\n}"
        );
        assert_eq!(anchored_lines(source, "inner").unwrap(), "    wait();");
        assert_eq!(anchored_lines(source, "nope"), None);
        let root = std::env::temp_dir().join(format!("lab-edition-{}", std::process::id()));
        write(&root.join("solutions/19/src/lib.rs"), source).unwrap();
        let page = "text\n```rust\n{{#include ../solutions/19/src/lib.rs:inner}}\n```\n";
        assert_eq!(
            with_solution_code_inlined(&root, page).unwrap(),
            "text\n```rust\n    wait();\n```\n"
        );
        assert!(
            with_solution_code_inlined(&root, "{{#include ../solutions/19/src/lib.rs}}").is_err()
        );
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn what_is_left_out() {
        for path in [
            "solutions/01_why/src/lib.rs",
            ".git/HEAD",
            "target/x",
            "tooling/browser-check/node_modules/a.js",
            "tooling/lab/tests/learner_flow.rs",
        ] {
            assert!(left_out(Path::new(path)), "{path}");
        }
        for path in [
            "exercises/01_why/src/lib.rs",
            "src/why.md",
            "tooling/lab/starters/01_why/lib.rs",
            "snippets/src/why.rs",
        ] {
            assert!(!left_out(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn the_workspace_loses_its_solutions() {
        let manifest = "[workspace]\nmembers = [\n    \"exercises/*\",\n    \"solutions/*\",\n]\ndefault-members = [\n    \"snippets\",\n    \"solutions/*\",\n]\n";
        let edited = without_solutions(manifest).unwrap();
        assert!(!edited.contains("solutions"), "{edited}");
        let inline = "[workspace]\nmembers = [\"exercises/*\", \"solutions/*\"]\n";
        assert_eq!(
            without_solutions(inline).unwrap(),
            "[workspace]\nmembers = [\"exercises/*\"]\n"
        );
    }
}

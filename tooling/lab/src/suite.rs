//! The maintainers' whole-course commands: `prepare` (everything a workshop
//! needs, fetched and built in advance), `check-book` and `test-all` (the
//! project's whole test suite, in the order that fails fastest).

use std::process::ExitCode;

use anyhow::Result;

use crate::course::Course;
use crate::{book_check, cargo, check_quizzes, timeline_figures, tools, verify};

pub fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub fn check_book(course: &Course) -> Result<ExitCode> {
    let problems = book_check::run(course)?;
    for problem in &problems {
        println!("✗ {problem}");
    }
    if problems.is_empty() {
        println!(
            "✓ the book builds clean: no mdBook errors or warnings, no empty code blocks, no broken links or anchors, every \"Your turn\" names a real exercise, every section a test names exists"
        );
    } else {
        println!("check-book: {} problems", problems.len());
    }
    Ok(exit(problems.is_empty()))
}

/// Everything a workshop needs, fetched and built in advance.
pub fn prepare(course: &Course) -> Result<ExitCode> {
    let root = course.root.as_path();
    println!("== fetching every dependency");
    let fetched = cargo::run_in(root, &["fetch"]);
    println!("== building every exercise, solution and tool (tests included)");
    let built = fetched && cargo::run_in(root, &["test", "--workspace", "--no-run", "--quiet"]);
    println!("== mdBook {}", tools::MDBOOK_VERSION);
    let mdbook = tools::mdbook(root)?;
    let book = std::process::Command::new(&mdbook)
        .arg("build")
        .arg(root)
        .output()
        .is_ok_and(|o| o.status.success());
    let ready = fetched && built && book;
    if ready {
        println!(
            "\nReady: the exercises, their tests, `cargo lab` and the book now work without a network."
        );
    } else {
        println!(
            "\nNot ready: see the errors above (fetched: {fetched}, built: {built}, book: {book})."
        );
    }
    Ok(exit(ready))
}

/// The project's whole test suite, in the order that fails fastest.
pub fn test_all(course: &Course) -> Result<ExitCode> {
    let root = course.root.as_path();
    let mut results: Vec<(&str, bool)> = Vec::new();
    let mut step = |name: &'static str, ok: bool| {
        println!("\n{} {name}\n", if ok { "✓" } else { "✗" });
        results.push((name, ok));
    };
    println!("== cargo fmt --check");
    step(
        "formatting",
        cargo::run_in(root, &["fmt", "--all", "--check"]),
    );
    println!("== cargo clippy (tooling, snippets, solutions)");
    step(
        "clippy",
        cargo::run_in(
            root,
            &["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"],
        ),
    );
    println!("== cargo test (tooling, snippets, solutions)");
    step("cargo test", cargo::run_in(root, &["test", "--quiet"]));
    println!("== cargo lab verify");
    let options = verify::Options {
        repeat: 1,
        only: None,
    };
    step(
        "verify",
        verify::run(course, &options)? == ExitCode::SUCCESS,
    );
    println!("== cargo lab check-book");
    step("check-book", check_book(course)? == ExitCode::SUCCESS);
    println!("== cargo lab gen-timelines --check (the chapters' figures match the code)");
    step(
        "timeline figures",
        timeline_figures::run(course, true)? == ExitCode::SUCCESS,
    );
    println!("== cargo lab check-quizzes");
    step(
        "check-quizzes",
        check_quizzes::run(course)? == ExitCode::SUCCESS,
    );

    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| *name)
        .collect();
    println!(
        "\ntest-all: {}",
        if failed.is_empty() {
            "everything passes".to_owned()
        } else {
            format!("failing: {}", failed.join(", "))
        }
    );
    println!(
        "{} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    Ok(exit(failed.is_empty()))
}

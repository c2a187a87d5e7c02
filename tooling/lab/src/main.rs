//! `cargo lab`: the course runner.
//!
//! Learners use `list`, `check` and `hint`; maintainers use `verify`, which
//! proves on scratch copies that every starter fails, every solution passes
//! and every known wrong fix is rejected. Everything is driven by
//! `course.toml`. No command here writes into `exercises/`: that folder is
//! the learner's work.

mod book_check;
mod cargo;
mod course;
mod progress;
mod verify;

use std::process::ExitCode;

use course::{Course, Exercise};
use progress::Progress;

const USAGE: &str = "\
cargo lab: the course runner

  cargo lab list            every exercise, its chapter and whether you solved it
  cargo lab check NAME      run NAME's tests and say what to do next
  cargo lab hint NAME       show NAME's next hint
  cargo lab verify          maintainers: every starter fails, every solution passes,
                            every wrong fix is rejected (works on copies)
        [--repeat N]        run each solution's tests N times (flakiness check)
        [--only NAME]       verify one exercise
  cargo lab check-book      build the book; fail on mdBook errors, warnings, empty
                            code blocks and \"Your turn\" sections that name no exercise
  cargo lab test-all        the whole test suite: fmt, clippy, cargo test, verify, check-book

NAME is an exercise's name (`why`), its folder (`01_why`) or its number (`1`).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cargo lab: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let course = Course::load(&course::root())?;
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["list"] => {
            list(&course)?;
            Ok(ExitCode::SUCCESS)
        }
        ["check", name] => check(&course, course.find(name)?),
        ["hint", name] => {
            hint(&course, course.find(name)?)?;
            Ok(ExitCode::SUCCESS)
        }
        ["verify", options @ ..] => verify::run(&course, &verify::Options::parse(options)?),
        ["check-book"] => check_book(&course),
        ["test-all"] => test_all(&course),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        [] => Err(format!("which command?\n\n{USAGE}")),
        _ => Err(format!("I don't know `{}`.\n\n{USAGE}", words.join(" "))),
    }
}

fn list(course: &Course) -> Result<(), String> {
    let progress = Progress::load(&course.root)?;
    println!("{:<3} {:<16} {:<22} status", "#", "exercise", "chapter");
    for (index, exercise) in course.exercises.iter().enumerate() {
        let status = if progress.is_solved(&exercise.name) {
            "solved"
        } else {
            "to do"
        };
        println!(
            "{:<3} {:<16} {:<22} {}",
            index + 1,
            exercise.name,
            format!("src/{}", exercise.chapter),
            status
        );
    }
    let solved = course
        .exercises
        .iter()
        .filter(|e| progress.is_solved(&e.name))
        .count();
    println!("\n{solved} of {} solved.", course.exercises.len());
    Ok(())
}

fn check(course: &Course, exercise: &Exercise) -> Result<ExitCode, String> {
    println!(
        "Testing exercise `{}` (exercises/{}) ...\n",
        exercise.name, exercise.dir
    );
    let run = cargo::test_in_place(&course.root, &exercise.package_name(&course.root)?)?;
    let mut progress = Progress::load(&course.root)?;
    println!();
    let code = if run.passed() {
        progress.mark_solved(&exercise.name);
        println!(
            "✓ `{}` is solved: all {} tests pass.",
            exercise.name,
            run.passed_tests.len()
        );
        println!(
            "  Compare with the reference: solutions/{}/src/lib.rs",
            exercise.dir
        );
        if let Some(next) = course.after(exercise) {
            println!(
                "  Next: `cargo lab check {}` (chapter src/{}).",
                next.name, next.chapter
            );
        }
        ExitCode::SUCCESS
    } else {
        progress.mark_unsolved(&exercise.name);
        if run.compiled {
            println!(
                "✗ `{}`: {} of {} tests fail: {}.",
                exercise.name,
                run.failed_tests.len(),
                run.failed_tests.len() + run.passed_tests.len(),
                run.failed_tests.join(", ")
            );
        } else {
            println!(
                "✗ `{}` does not compile yet: the compiler's message is above.",
                exercise.name
            );
        }
        let shown = progress.hints_seen(&exercise.name).max(1);
        println!("  Hint: {}", exercise.hints[0]);
        if shown < exercise.hints.len() {
            println!("  More hints: `cargo lab hint {}`.", exercise.name);
        }
        println!("  Read again: src/{}", exercise.chapter);
        ExitCode::FAILURE
    };
    progress.save(&course.root)?;
    Ok(code)
}

fn hint(course: &Course, exercise: &Exercise) -> Result<(), String> {
    let mut progress = Progress::load(&course.root)?;
    let seen = progress.hints_seen(&exercise.name);
    let index = seen.min(exercise.hints.len() - 1);
    println!(
        "Hint {} of {} for `{}`:\n\n  {}\n",
        index + 1,
        exercise.hints.len(),
        exercise.name,
        exercise.hints[index]
    );
    if index + 1 == exercise.hints.len() {
        println!(
            "That was the last hint. The chapter is src/{}.",
            exercise.chapter
        );
    }
    progress.set_hints_seen(&exercise.name, index + 1);
    progress.save(&course.root)
}

fn check_book(course: &Course) -> Result<ExitCode, String> {
    let problems = book_check::run(course)?;
    for problem in &problems {
        println!("✗ {problem}");
    }
    if problems.is_empty() {
        println!(
            "✓ the book builds clean: no mdBook errors or warnings, no empty code blocks, every \"Your turn\" names a real exercise"
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("check-book: {} problems", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

/// The project's whole test suite, in the order that fails fastest.
fn test_all(course: &Course) -> Result<ExitCode, String> {
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
    step(
        "verify",
        verify::run(course, &verify::Options::parse(&[])?)? == ExitCode::SUCCESS,
    );
    println!("== cargo lab check-book");
    step("check-book", check_book(course)? == ExitCode::SUCCESS);

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
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! The learner's commands: list, check, hint, reset.
//!
//! Only `reset` writes into `exercises/`, and only after saving the
//! learner's version under `.lab/backups/`.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use diffy::DiffOptions;

use crate::cargo::{self, TestRun};
use crate::class_report;
use crate::course::{Course, Exercise};
use crate::files::{copy_dir, read, write, write_if_changed};
use crate::progress::Progress;
use crate::runs;

/// Prints every exercise with its chapter and status; marks `current`.
pub fn list(course: &Course, current: Option<&str>) -> Result<()> {
    let progress = Progress::load(&course.root)?;
    println!("    {:<3} {:<16} {:<24} status", "#", "exercise", "chapter");
    for exercise in &course.exercises {
        let status = if progress.is_solved(&exercise.name) {
            "solved"
        } else {
            "to do"
        };
        let marker = if current == Some(exercise.name.as_str()) {
            "->"
        } else {
            ""
        };
        let chapter = format!("src/{}", exercise.chapter);
        println!(
            "{marker:<3} {:<3} {:<16} {chapter:<24} {status}",
            exercise.number(),
            exercise.name
        );
    }
    println!("\n{}", progress_line(course, &progress));
    Ok(())
}

/// "Progress: 3 of 14 exercises solved [###-----------]"
pub fn progress_line(course: &Course, progress: &Progress) -> String {
    let solved = course
        .exercises
        .iter()
        .filter(|e| progress.is_solved(&e.name))
        .count();
    let total = course.exercises.len();
    let bar: String = (0..total)
        .map(|i| if i < solved { '#' } else { '-' })
        .collect();
    format!("Progress: {solved} of {total} exercises solved [{bar}]")
}

/// The first exercise not solved yet (the last one once all are).
pub fn current<'c>(course: &'c Course, progress: &Progress) -> &'c Exercise {
    course
        .exercises
        .iter()
        .find(|e| !progress.is_solved(&e.name))
        .or(course.exercises.last())
        .expect("the course has exercises")
}

/// Runs the exercise's tests in place, records and prints a verdict, and
/// (in a class) reports it once the verdict is on screen.
/// Returns whether the exercise is solved.
pub fn check(course: &Course, exercise: &Exercise) -> Result<bool> {
    let (solved, failing) = test_and_print(course, exercise)?;
    let mut progress = Progress::load(&course.root)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let first_checked = progress.first_checked(&exercise.name, now);
    progress.save(&course.root)?;
    class_report::report_check(
        &course.root,
        &class_report::CheckResult {
            exercise: &exercise.name,
            solved,
            failing: &failing,
            hints: progress.hints_seen(&exercise.name),
            first_checked,
        },
    );
    Ok(solved)
}

/// The check itself: returns whether it is solved and the failing tests.
fn test_and_print(course: &Course, exercise: &Exercise) -> Result<(bool, Vec<String>)> {
    println!(
        "Testing exercise `{}` (exercises/{}) ...\n",
        exercise.name, exercise.dir
    );
    let runs_dir = runs::fresh_dir(&course.root, exercise)?;
    let mut run = cargo::test_in_place(
        &course.root,
        &exercise.package_name(&course.root)?,
        &runs_dir,
    )?;
    // libtest lists tests as they finish; by name, a learner's list (and
    // the book's drawing) is the same from one run to the next.
    run.failed_tests.sort();
    println!();
    let solved = run.passed();
    // The timelines are for the book's diagram: losing them (a full disk)
    // is reported, and the verdict is still saved and shown.
    if let Err(error) = runs::keep_latest(&course.root, exercise, &run, &runs_dir) {
        eprintln!("cargo lab: this run's timelines were not kept ({error:#}).");
    }
    // The verdict is saved before anything else is printed or read, so
    // nothing below (a missing solutions/ folder, say) can lose it.
    let mut progress = Progress::load(&course.root)?;
    if solved {
        progress.mark_solved(&exercise.name);
    } else {
        progress.mark_unsolved(&exercise.name);
    }
    progress.save(&course.root)?;

    if solved {
        println!(
            "✓ `{}` is solved: all {} tests pass.\n",
            exercise.name,
            run.passed_tests.len()
        );
        match course.after(exercise) {
            Some(next) => println!("Next: `{}` (chapter src/{}).", next.name, next.chapter),
            None => println!("That was the last exercise. Well done!"),
        }
        print_solution_diff(course, exercise);
        return Ok((true, Vec::new()));
    }
    if run.timed_out {
        println!(
            "✗ `{}`: the tests were stopped after {} s.",
            exercise.name,
            cargo::RUN_LIMIT.as_secs()
        );
    } else if !run.compiled {
        // A hint about cancellation would only distract: first it must build.
        let at = first_error_at(&run)
            .map(|place| format!(" The first error is at {place}."))
            .unwrap_or_default();
        println!(
            "✗ `{}` does not compile yet.{at} The compiler's message is above.",
            exercise.name
        );
        return Ok((false, Vec::new()));
    } else {
        println!(
            "✗ `{}`: {} of {} tests fail: {}.",
            exercise.name,
            run.failed_tests.len(),
            run.failed_tests.len() + run.passed_tests.len(),
            run.failed_tests.join(", ")
        );
    }
    let seen = progress
        .hints_seen(&exercise.name)
        .clamp(1, exercise.hints.len());
    println!("  Hint: {}", exercise.hints[seen - 1]);
    if seen < exercise.hints.len() {
        println!("  Another hint: `cargo lab hint {}`.", exercise.name);
    }
    println!("  Read again: src/{}", exercise.chapter);
    Ok((false, run.failed_tests))
}

/// Where the compiler's first error points: `src/lib.rs:12:5`.
fn first_error_at(run: &TestRun) -> Option<&str> {
    let mut lines = run.output.lines();
    lines.find(|line| line.starts_with("error"))?;
    lines
        .take(3)
        .find_map(|line| line.trim_start().strip_prefix("--> "))
}

/// Shows the learner's solution beside the reference, as a diff. Without
/// the reference (a student edition has none) it says nothing.
fn print_solution_diff(course: &Course, exercise: &Exercise) {
    let (Ok(mine), Ok(reference)) = (
        read(&exercise.starter_dir(&course.root).join("src/lib.rs")),
        read(&exercise.solution_dir(&course.root).join("src/lib.rs")),
    ) else {
        return;
    };
    println!(
        "\nYour solution (-) beside the reference solution (+), solutions/{}/src/lib.rs:\n",
        exercise.dir
    );
    let diff = DiffOptions::new()
        .set_context_len(2)
        .set_original_filename("yours")
        .set_modified_filename("reference")
        .create_patch(&mine, &reference);
    print!("{diff}");
}

/// Shows the next hint and remembers that it was shown.
pub fn hint(course: &Course, exercise: &Exercise) -> Result<()> {
    let mut progress = Progress::load(&course.root)?;
    let index = progress
        .hints_seen(&exercise.name)
        .min(exercise.hints.len() - 1);
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

/// Where the starter is kept as shipped, for `reset`: a copy under
/// `tooling/lab/starters/`, written by `cargo lab gen-docs` and checked by a
/// test. Not git: a learner who commits their work (many do) would get their
/// own code back from `HEAD`, and a copy of the course without `.git` (a
/// student edition, a zip) could not be reset at all.
pub fn shipped_starter(course: &Course, exercise: &Exercise) -> PathBuf {
    course
        .root
        .join("tooling/lab/starters")
        .join(&exercise.dir)
        .join("lib.rs")
}

/// Writes every exercise's shipped starter (maintainers, `gen-docs`).
pub fn write_shipped_starters(course: &Course) -> Result<()> {
    for exercise in &course.exercises {
        let starter = fs_err::read(exercise.starter_dir(&course.root).join("src/lib.rs"))?;
        write_if_changed(&shipped_starter(course, exercise), starter)?;
    }
    Ok(())
}

/// Puts the starter back as shipped, after saving the learner's `src/`
/// under `.lab/backups/<dir>-<seconds>/`.
pub fn reset(course: &Course, exercise: &Exercise) -> Result<()> {
    let src = exercise.starter_dir(&course.root).join("src");
    let shipped = shipped_starter(course, exercise);
    let starter = fs_err::read(&shipped).with_context(|| {
        format!(
            "the starter of `{}` as shipped is missing. Nothing was changed.",
            exercise.name
        )
    })?;
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let backup = course
        .root
        .join(".lab/backups")
        .join(format!("{}-{seconds}", exercise.dir));
    copy_dir(&src, &backup)?;
    write(&src.join("lib.rs"), starter)?;
    let mut progress = Progress::load(&course.root)?;
    progress.mark_unsolved(&exercise.name);
    progress.save(&course.root)?;
    println!(
        "`{}` is back to its starter. Your version is saved in {}.",
        exercise.name,
        backup.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::root;

    #[test]
    fn the_shipped_starters_are_the_starters() {
        let course = Course::load(&root()).unwrap();
        for exercise in &course.exercises {
            let starter =
                fs_err::read(exercise.starter_dir(&course.root).join("src/lib.rs")).unwrap();
            let shipped = fs_err::read(shipped_starter(&course, exercise)).unwrap_or_default();
            assert!(
                starter == shipped,
                "tooling/lab/starters/{}/lib.rs is not the starter: run `cargo lab gen-docs` and commit it",
                exercise.dir
            );
        }
    }

    #[test]
    fn the_first_compile_error_is_found() {
        let mut run = TestRun::default();
        for line in [
            "   Compiling exercise-01-why v0.1.0",
            "warning: unused variable: `x`",
            "  --> exercises/01_why/src/lib.rs:3:9",
            "error[E0425]: cannot find value `y` in this scope",
            "  --> exercises/01_why/src/lib.rs:12:5",
            "error: could not compile `exercise-01-why`",
        ] {
            run.read(line);
        }
        assert_eq!(
            first_error_at(&run),
            Some("exercises/01_why/src/lib.rs:12:5")
        );
    }
}

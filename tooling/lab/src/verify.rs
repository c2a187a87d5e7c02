//! `cargo lab verify`: the course's own test.
//!
//! For every exercise it proves three things, the way rustlings' `dev check`
//! does for its exercises:
//!
//! - the untouched starter fails, and exactly the tests listed in
//!   `starter_fails` fail (so a test that fails for another reason shows up);
//! - the reference solution passes every test (`--repeat N` times);
//! - every known wrong fix is rejected, by exactly the tests listed for it.
//!
//! It never runs anything inside `exercises/`. Every variant is a copy in a
//! scratch workspace under `target/lab/verify/`, laid out like the course
//! (so a solution's `#[path = "../../../exercises/..."]` finds the copied
//! tests), with the course's `Cargo.lock` and target folder, so that no
//! dependency is resolved or compiled twice.

use std::path::Path;
use std::process::{ExitCode, Stdio};

use crate::cargo::{self, TestRun};
use crate::course::{Course, Exercise};
use crate::scratch::{self, copy_crate};

pub struct Options {
    repeat: usize,
    only: Option<String>,
}

impl Options {
    pub fn parse(words: &[&str]) -> Result<Options, String> {
        let mut options = Options {
            repeat: 1,
            only: None,
        };
        let mut words = words.iter();
        while let Some(word) = words.next() {
            match *word {
                "--repeat" => {
                    let n = words.next().and_then(|n| n.parse().ok()).filter(|n| *n > 0);
                    options.repeat = n.ok_or("--repeat needs a number above 0")?;
                }
                "--only" => {
                    options.only = Some(
                        words
                            .next()
                            .ok_or("--only needs an exercise name")?
                            .to_string(),
                    )
                }
                other => {
                    return Err(format!(
                        "verify does not take `{other}` (it takes --repeat N and --only NAME)"
                    ));
                }
            }
        }
        Ok(options)
    }
}

/// How test-support's watchdog begins its message for a test that hung.
const HUNG: &str = "HUNG: the test did not finish";

/// One crate to test in the scratch workspace.
struct Variant {
    label: String,
    package: String,
    expect: Expect,
}

enum Expect {
    /// Exactly these tests fail; if `hangs`, each of them stopped by the
    /// watchdog with its HUNG message.
    Fails { tests: Vec<String>, hangs: bool },
    /// Every test passes, this many runs in a row.
    Passes { repeat: usize },
}

#[derive(Default)]
struct Tally {
    starters: (usize, usize),
    solutions: (usize, usize),
    wrong_fixes: (usize, usize),
}

pub fn run(course: &Course, options: &Options) -> Result<ExitCode, String> {
    let exercises: Vec<&Exercise> = match &options.only {
        Some(name) => vec![course.find(name)?],
        None => course.exercises.iter().collect(),
    };
    // One scratch workspace per selection, so that two `--only` runs at the
    // same time (two maintainers' terminals) do not clear each other's.
    let scratch = match &options.only {
        Some(_) => course
            .root
            .join("target/lab")
            .join(format!("verify-{}", exercises[0].dir)),
        None => course.root.join("target/lab/verify"),
    };
    // The course's own target folder, so nothing is compiled twice (or the
    // one the caller chose).
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| course.root.join("target"));
    let plan = lay_out(course, &exercises, &scratch, options.repeat)?;
    let manifest = scratch.join("Cargo.toml");

    println!(
        "verify: building {} variants of {} exercises in {} ...",
        plan.iter().map(|(_, v)| v.len()).sum::<usize>(),
        exercises.len(),
        scratch.display()
    );
    let build = cargo::cargo()
        .args([
            "test",
            "--no-run",
            "--workspace",
            "--no-fail-fast",
            "--quiet",
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !build.success() {
        println!("verify: some variants do not build; their errors follow below.");
    }

    let mut tally = Tally::default();
    let mut failures = 0;
    for (exercise, variants) in &plan {
        println!(
            "\n{} ({}, topics: {})",
            exercise.name,
            exercise.dir,
            exercise.topics.join(", ")
        );
        for variant in variants {
            let ok = check_variant(&manifest, &target_dir, variant)?;
            let counter = match (&variant.expect, variant.label.as_str()) {
                (Expect::Passes { .. }, _) => &mut tally.solutions,
                (Expect::Fails { .. }, "starter") => &mut tally.starters,
                (Expect::Fails { .. }, _) => &mut tally.wrong_fixes,
            };
            counter.1 += 1;
            if ok {
                counter.0 += 1;
            } else {
                failures += 1;
            }
        }
    }

    let checks = tally.starters.1 + tally.solutions.1 + tally.wrong_fixes.1;
    println!(
        "\nverify: {} exercises, {}/{} starters fail, {}/{} solutions pass, {}/{} wrong fixes rejected",
        exercises.len(),
        tally.starters.0,
        tally.starters.1,
        tally.solutions.0,
        tally.solutions.1,
        tally.wrong_fixes.0,
        tally.wrong_fixes.1,
    );
    println!("{} passed, {} failed", checks - failures, failures);
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs one variant and prints one line about it (and the evidence, if it
/// is not what the course expects). Returns whether it is.
fn check_variant(manifest: &Path, target_dir: &Path, variant: &Variant) -> Result<bool, String> {
    match &variant.expect {
        Expect::Passes { repeat } => {
            for round in 1..=*repeat {
                let run = cargo::test_quietly(manifest, &variant.package, target_dir)?;
                if !run.passed() {
                    let when = if *repeat > 1 {
                        format!(" (run {round} of {repeat})")
                    } else {
                        String::new()
                    };
                    println!(
                        "  ✗ {} should pass, but{when} {}",
                        variant.label,
                        describe(&run)
                    );
                    print_evidence(&run);
                    return Ok(false);
                }
                if round == *repeat {
                    let times = if *repeat > 1 {
                        format!(", {repeat} runs in a row")
                    } else {
                        String::new()
                    };
                    println!(
                        "  ✓ {} passes ({} tests{times})",
                        variant.label,
                        run.passed_tests.len()
                    );
                }
            }
            Ok(true)
        }
        Expect::Fails { tests, hangs } => {
            let run = cargo::test_quietly(manifest, &variant.package, target_dir)?;
            let mut failed = run.failed_tests.clone();
            let mut expected = tests.clone();
            failed.sort_unstable();
            expected.sort_unstable();
            let hung = run.output.matches(HUNG).count();
            let fails_as_listed =
                run.compiled && !run.timed_out && !failed.is_empty() && failed == expected;
            if fails_as_listed && (!hangs || hung >= failed.len()) {
                let how = if *hangs {
                    ", each stopped by the watchdog as HUNG"
                } else {
                    ""
                };
                println!(
                    "  ✓ {} fails as it should: {}{how}",
                    variant.label,
                    failed.join(", ")
                );
                return Ok(true);
            }
            if fails_as_listed {
                println!(
                    "  ✗ {} should hang (course.toml says so), but only {hung} of its {} failing tests were stopped as HUNG",
                    variant.label,
                    failed.len()
                );
            } else if run.compiled && !run.timed_out && failed.is_empty() {
                println!(
                    "  ✗ {} should fail, but every test passes: the tests do not catch this mistake",
                    variant.label
                );
            } else if run.compiled && !run.timed_out {
                println!(
                    "  ✗ {} fails, but not as course.toml says:\n      expected to fail: {}\n      failed:           {}",
                    variant.label,
                    expected.join(", "),
                    failed.join(", ")
                );
            } else {
                println!(
                    "  ✗ {} should fail its tests, but {}",
                    variant.label,
                    describe(&run)
                );
            }
            print_evidence(&run);
            Ok(false)
        }
    }
}

fn describe(run: &TestRun) -> String {
    if run.timed_out {
        format!("it was stopped after {} s", cargo::RUN_LIMIT.as_secs())
    } else if !run.compiled {
        "it does not compile".to_owned()
    } else if run.passed_tests.is_empty() && run.failed_tests.is_empty() {
        "it ran no tests".to_owned()
    } else {
        format!("these tests fail: {}", run.failed_tests.join(", "))
    }
}

fn print_evidence(run: &TestRun) {
    for line in run.output.lines() {
        println!("      | {line}");
    }
}

/// Writes the scratch workspace and returns what to test in it.
fn lay_out<'c>(
    course: &Course,
    exercises: &[&'c Exercise],
    scratch: &Path,
    repeat: usize,
) -> Result<Vec<(&'c Exercise, Vec<Variant>)>, String> {
    let root = &course.root;
    scratch::create(
        root,
        scratch,
        &["exercises/*", "solutions/*", "wrong_fixes/*/*"],
    )?;

    let mut plan = Vec::new();
    let mut kept = Vec::new();
    let verify_name = |name: &str| format!("verify-{name}");
    for exercise in exercises {
        let starter = exercise.starter_dir(root);
        let starter_copy = scratch.join("exercises").join(&exercise.dir);
        let solution_copy = scratch.join("solutions").join(&exercise.dir);
        let mut variants = vec![
            Variant {
                label: "starter".to_owned(),
                package: copy_crate(&starter, &starter_copy, verify_name, None)?,
                expect: Expect::Fails {
                    tests: exercise.starter_fails.clone(),
                    hangs: false,
                },
            },
            Variant {
                label: "solution".to_owned(),
                package: copy_crate(
                    &exercise.solution_dir(root),
                    &solution_copy,
                    verify_name,
                    None,
                )?,
                expect: Expect::Passes { repeat },
            },
        ];
        kept.extend([starter_copy, solution_copy]);
        for fix in &exercise.wrong_fix {
            let stem = fix.file.trim_end_matches(".rs");
            let copy = scratch.join("wrong_fixes").join(&exercise.dir).join(stem);
            let wrong_fix = exercise
                .solution_dir(root)
                .join("wrong_fixes")
                .join(&fix.file);
            let rename = |_: &str| format!("wrong-{}-{}", exercise.dir, stem).replace('_', "-");
            variants.push(Variant {
                label: format!("wrong fix {stem}"),
                package: copy_crate(&starter, &copy, rename, Some(&wrong_fix))?,
                expect: Expect::Fails {
                    tests: fix.fails.clone(),
                    hangs: fix.hangs,
                },
            });
            kept.push(copy);
        }
        plan.push((*exercise, variants));
    }
    scratch::prune(
        scratch,
        &[("exercises", 1), ("solutions", 1), ("wrong_fixes", 2)],
        &kept,
    )?;
    Ok(plan)
}

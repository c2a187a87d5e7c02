//! `cargo lab verify`: the course's own test.
//!
//! For every exercise it proves three things, the way rustlings' `dev check`
//! does for its exercises:
//!
//! - the untouched starter fails, and exactly the tests listed in
//!   `starter_fails` fail (so a test that fails for another reason shows up);
//! - the reference solution passes every test (`--repeat N` times);
//! - every wrong fix is rejected, by exactly the tests its header lists.
//!
//! It never runs anything inside `exercises/`. Every variant is a copy in a
//! scratch workspace under `target/lab/`, laid out like the course (so a
//! solution's `#[path = "../../../exercises/..."]` finds the copied tests),
//! with the course's `Cargo.lock` and target folder, so that no dependency
//! is resolved or compiled twice.
//!
//! The work has three stages, kept apart so that each can be tested alone:
//! `lay_out` writes the copies (applying each wrong fix's patch), one
//! `cargo test --no-run` builds them all, and the test binaries then run in
//! parallel, one per core. `judge` turns what was expected and what ran into
//! a [`Verdict`], a pure function; `report` prints it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use anyhow::Result;

use crate::cargo::{self, BINARY_LIMIT, Build, TestRun};
use crate::course::{Course, Exercise};
use crate::files::read;
use crate::scratch::{self, copy_crate};
use crate::wrong_fix::{Base, WrongFix};

pub struct Options {
    pub repeat: usize,
    pub only: Option<String>,
}

/// What a variant is: the tally counts by this, never by a label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Starter,
    Solution,
    WrongFix(String),
}

/// What the course expects of a variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Exactly these tests fail; if `hangs`, each of them stopped by the
    /// watchdog with its HUNG message.
    Fails { tests: Vec<String>, hangs: bool },
    /// Every test passes, this many runs in a row.
    Passes { repeat: usize },
}

/// One crate to test in the scratch workspace.
pub struct Variant {
    pub kind: Kind,
    pub dir: PathBuf,
    pub expect: Expect,
    /// Set when the variant could not even be laid out (a wrong fix whose
    /// patch no longer applies): it is reported as it is, never run.
    pub broken: Option<String>,
}

impl Variant {
    fn label(&self) -> String {
        match &self.kind {
            Kind::Starter => "starter".to_owned(),
            Kind::Solution => "solution".to_owned(),
            Kind::WrongFix(name) => format!("wrong fix {name}"),
        }
    }
}

/// What happened to a variant, judged against what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// As expected: every test passed, `runs` runs in a row.
    Passes {
        tests: usize,
        runs: usize,
    },
    /// As expected: exactly the listed tests failed (each as HUNG if `hung`).
    FailsAsListed {
        failed: Vec<String>,
        hung: bool,
    },
    /// The patch does not apply to its base any more, or the copy could not be made.
    Broken(String),
    DoesNotCompile,
    StoppedAtTheLimit,
    RanNoTests,
    /// A solution failed, in run `run` of `runs`.
    ShouldPass {
        failed: Vec<String>,
        run: usize,
        runs: usize,
    },
    /// Every test passed: the tests do not catch this mistake.
    NotCaught,
    /// Other tests failed than the ones listed.
    FailsOtherTests {
        expected: Vec<String>,
        failed: Vec<String>,
    },
    /// It should hang, but not every failing test was stopped as HUNG.
    ShouldHang {
        hung: usize,
        failed: usize,
    },
}

impl Verdict {
    pub fn is_ok(&self) -> bool {
        matches!(self, Verdict::Passes { .. } | Verdict::FailsAsListed { .. })
    }
}

/// The verdict on a variant: what was expected, and every run it had (one,
/// or up to `repeat` for a solution, stopping at the first failure).
pub fn judge(expect: &Expect, runs: &[TestRun]) -> Verdict {
    let Some(last) = runs.last() else {
        return Verdict::RanNoTests;
    };
    if !last.compiled && !last.timed_out {
        return Verdict::DoesNotCompile;
    }
    if last.timed_out {
        return Verdict::StoppedAtTheLimit;
    }
    if last.passed_tests.is_empty() && last.failed_tests.is_empty() {
        return Verdict::RanNoTests;
    }
    match expect {
        Expect::Passes { repeat } => match runs.iter().position(|run| !run.passed()) {
            Some(index) => Verdict::ShouldPass {
                failed: runs[index].failed_tests.clone(),
                run: index + 1,
                runs: *repeat,
            },
            None if runs.len() < *repeat => Verdict::RanNoTests,
            None => Verdict::Passes {
                tests: last.passed_tests.len(),
                runs: runs.len(),
            },
        },
        Expect::Fails { tests, hangs } => {
            let mut failed = last.failed_tests.clone();
            let mut expected = tests.clone();
            failed.sort_unstable();
            expected.sort_unstable();
            if failed.is_empty() {
                Verdict::NotCaught
            } else if failed != expected {
                Verdict::FailsOtherTests { expected, failed }
            } else if *hangs && last.hung < failed.len() {
                Verdict::ShouldHang {
                    hung: last.hung,
                    failed: failed.len(),
                }
            } else {
                Verdict::FailsAsListed {
                    failed,
                    hung: *hangs,
                }
            }
        }
    }
}

/// The one line that says what happened, and (for a problem) the evidence.
pub fn report(label: &str, verdict: &Verdict, evidence: Option<&str>) -> String {
    let mut text = match verdict {
        Verdict::Passes { tests, runs } => {
            let times = if *runs > 1 {
                format!(", {runs} runs in a row")
            } else {
                String::new()
            };
            format!("  ✓ {label} passes ({tests} tests{times})")
        }
        Verdict::FailsAsListed { failed, hung } => format!(
            "  ✓ {label} fails as it should: {}{}",
            failed.join(", "),
            if *hung {
                ", each stopped by the watchdog as HUNG"
            } else {
                ""
            }
        ),
        Verdict::Broken(why) => format!("  ✗ {label} cannot be tested: {why}"),
        Verdict::DoesNotCompile => format!("  ✗ {label} does not compile"),
        Verdict::StoppedAtTheLimit => format!(
            "  ✗ {label} was stopped after {} s (a test that does not bound itself?)",
            BINARY_LIMIT.as_secs()
        ),
        Verdict::RanNoTests => format!("  ✗ {label} ran no tests"),
        Verdict::ShouldPass { failed, run, runs } => {
            let when = if *runs > 1 {
                format!(" (run {run} of {runs})")
            } else {
                String::new()
            };
            format!(
                "  ✗ {label} should pass, but{when} these tests fail: {}",
                failed.join(", ")
            )
        }
        Verdict::NotCaught => format!(
            "  ✗ {label} should fail, but every test passes: the tests do not catch this mistake"
        ),
        Verdict::FailsOtherTests { expected, failed } => format!(
            "  ✗ {label} fails, but not as listed:\n      expected to fail: {}\n      failed:           {}",
            expected.join(", "),
            failed.join(", ")
        ),
        Verdict::ShouldHang { hung, failed } => format!(
            "  ✗ {label} should hang (its header says so), but only {hung} of its {failed} failing tests were stopped as HUNG"
        ),
    };
    if let (false, Some(evidence)) = (verdict.is_ok(), evidence) {
        for line in evidence.lines() {
            text.push_str("\n      | ");
            text.push_str(line);
        }
    }
    text
}

#[derive(Default, Debug, PartialEq, Eq)]
pub struct Tally {
    pub starters: (usize, usize),
    pub solutions: (usize, usize),
    pub wrong_fixes: (usize, usize),
}

impl Tally {
    pub fn add(&mut self, kind: &Kind, ok: bool) {
        let counter = match kind {
            Kind::Starter => &mut self.starters,
            Kind::Solution => &mut self.solutions,
            Kind::WrongFix(_) => &mut self.wrong_fixes,
        };
        counter.1 += 1;
        counter.0 += usize::from(ok);
    }

    pub fn failures(&self) -> usize {
        let (ok, all) = self.totals();
        all - ok
    }

    fn totals(&self) -> (usize, usize) {
        let parts = [self.starters, self.solutions, self.wrong_fixes];
        (
            parts.iter().map(|p| p.0).sum(),
            parts.iter().map(|p| p.1).sum(),
        )
    }

    pub fn summary(&self, exercises: usize) -> String {
        let (ok, all) = self.totals();
        format!(
            "verify: {exercises} exercises, {}/{} starters fail, {}/{} solutions pass, {}/{} wrong fixes rejected\n{ok} passed, {} failed",
            self.starters.0,
            self.starters.1,
            self.solutions.0,
            self.solutions.1,
            self.wrong_fixes.0,
            self.wrong_fixes.1,
            all - ok
        )
    }
}

pub fn run(course: &Course, options: &Options) -> Result<ExitCode> {
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
    let target_dir = target_dir(&course.root);
    let plan = lay_out(course, &exercises, &scratch, options.repeat)?;
    let variants: Vec<&Variant> = plan.iter().flat_map(|(_, v)| v).collect();
    println!(
        "verify: building {} variants of {} exercises in {} ...",
        variants.len(),
        exercises.len(),
        scratch.display()
    );
    let build = cargo::build_tests(&scratch.join("Cargo.toml"), &target_dir)?;
    let cores = thread::available_parallelism().map_or(2, |n| n.get());
    println!("verify: running the tests, {cores} test binaries at a time ...");
    let outcomes = run_all(&variants, &build, cores);

    let mut tally = Tally::default();
    let mut index = 0;
    for (exercise, variants) in &plan {
        println!(
            "\n{} ({}, topics: {})",
            exercise.name,
            exercise.dir,
            exercise.topics.join(", ")
        );
        for variant in variants {
            let (verdict, evidence) = &outcomes[index];
            index += 1;
            println!("{}", report(&variant.label(), verdict, evidence.as_deref()));
            tally.add(&variant.kind, verdict.is_ok());
        }
    }
    println!("\n{}", tally.summary(exercises.len()));
    Ok(if tally.failures() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The course's own target folder, so nothing is compiled twice (or the one
/// the caller chose).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Runs every variant's test binary, `workers` at a time; returns each
/// variant's verdict and the evidence to show if it is a problem, in order.
fn run_all(variants: &[&Variant], build: &Build, workers: usize) -> Vec<(Verdict, Option<String>)> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![None; variants.len()]);
    thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(variant) = variants.get(index) else {
                        return;
                    };
                    let outcome = run_variant(variant, build);
                    results.lock().expect("no worker panics")[index] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .map(|outcome| outcome.expect("every variant ran"))
        .collect()
}

fn run_variant(variant: &Variant, build: &Build) -> (Verdict, Option<String>) {
    if let Some(why) = &variant.broken {
        return (Verdict::Broken(why.clone()), None);
    }
    let Some(binary) = build.binaries.get(&variant.dir) else {
        let errors = build.errors.get(&variant.dir).cloned();
        return (Verdict::DoesNotCompile, errors);
    };
    let repeat = match variant.expect {
        Expect::Passes { repeat } => repeat,
        Expect::Fails { .. } => 1,
    };
    let mut runs = Vec::new();
    for _ in 0..repeat {
        let run = match cargo::run_binary(binary, &variant.dir) {
            Ok(run) => run,
            Err(error) => return (Verdict::Broken(format!("{error:#}")), None),
        };
        let passed = run.passed();
        runs.push(run);
        if !passed {
            break;
        }
    }
    let verdict = judge(&variant.expect, &runs);
    let evidence = runs.last().map(|run| run.output.clone());
    (verdict, evidence)
}

/// Writes the scratch workspace and returns what to test in it.
fn lay_out<'c>(
    course: &Course,
    exercises: &[&'c Exercise],
    scratch: &Path,
    repeat: usize,
) -> Result<Vec<(&'c Exercise, Vec<Variant>)>> {
    let root = &course.root;
    let mut plan = Vec::new();
    let mut kept = Vec::new();
    let verify_name = |name: &str| format!("verify-{name}");
    for exercise in exercises {
        let starter_copy = scratch.join("exercises").join(&exercise.dir);
        let solution_copy = scratch.join("solutions").join(&exercise.dir);
        copy_crate(
            &exercise.starter_dir(root),
            &starter_copy,
            verify_name,
            None,
        )?;
        copy_crate(
            &exercise.solution_dir(root),
            &solution_copy,
            verify_name,
            None,
        )?;
        let mut variants = vec![
            Variant {
                kind: Kind::Starter,
                dir: starter_copy.clone(),
                expect: Expect::Fails {
                    tests: exercise.starter_fails.clone(),
                    hangs: false,
                },
                broken: None,
            },
            Variant {
                kind: Kind::Solution,
                dir: solution_copy.clone(),
                expect: Expect::Passes { repeat },
                broken: None,
            },
        ];
        kept.extend([starter_copy, solution_copy]);
        for fix in WrongFix::all(root, exercise)? {
            // Beside the other copies (two levels deep), so that a solution's
            // `#[path = "../../../exercises/..."]` finds the tests.
            let copy = scratch
                .join("wrong_fixes")
                .join(format!("{}--{}", exercise.dir, fix.name));
            let broken = materialize(root, exercise, &fix, &copy).err();
            variants.push(Variant {
                kind: Kind::WrongFix(fix.name.clone()),
                dir: copy.clone(),
                expect: Expect::Fails {
                    tests: fix.rejected_by.clone(),
                    hangs: fix.hangs,
                },
                broken: broken.map(|error| format!("{error:#}")),
            });
            kept.push(copy);
        }
        plan.push((*exercise, variants));
    }
    scratch::prune(scratch, &["exercises", "solutions", "wrong_fixes"], &kept)?;
    // The members are named one by one: a glob that matches nothing (no
    // wrong fix yet) would make cargo refuse the workspace.
    // A wrong fix whose patch does not apply has no crate: it is reported
    // as broken, and left out of the workspace (cargo would refuse it).
    let members: Vec<String> = kept
        .iter()
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .map(|dir| {
            dir.strip_prefix(scratch)
                .unwrap_or(dir)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    scratch::create(root, scratch, &members)?;
    Ok(plan)
}

/// Writes a wrong fix as a whole crate at `copy`: its base crate, with the
/// patch applied to `src/lib.rs`. Returns the package name.
pub fn materialize(
    root: &Path,
    exercise: &Exercise,
    fix: &WrongFix,
    copy: &Path,
) -> Result<String> {
    let lib = fix.apply(&read(&fix.base.dir(root, exercise).join("src/lib.rs"))?)?;
    write_wrong_fix_crate(root, exercise, &fix.name, fix.base, &lib, copy)
}

/// A wrong fix's crate at `copy`: the base crate with `lib` as its
/// `src/lib.rs`, under a package name of its own. Returns that name.
pub fn write_wrong_fix_crate(
    root: &Path,
    exercise: &Exercise,
    name: &str,
    base: Base,
    lib: &str,
    copy: &Path,
) -> Result<String> {
    let rename = |_: &str| format!("wrong-{}-{name}", exercise.dir).replace('_', "-");
    copy_crate(&base.dir(root, exercise), copy, rename, Some(lib))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(passed: &[&str], failed: &[&str], hung: usize) -> TestRun {
        TestRun {
            compiled: true,
            passed_tests: passed.iter().map(|s| s.to_string()).collect(),
            failed_tests: failed.iter().map(|s| s.to_string()).collect(),
            hung,
            ..TestRun::default()
        }
    }

    fn fails(tests: &[&str], hangs: bool) -> Expect {
        Expect::Fails {
            tests: tests.iter().map(|s| s.to_string()).collect(),
            hangs,
        }
    }

    fn names(tests: &[&str]) -> Vec<String> {
        tests.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn judging_a_variant_that_should_fail() {
        let expect = fails(&["b", "a"], false);
        for (run, verdict) in [
            (
                run_of(&["c"], &["a", "b"], 0),
                Verdict::FailsAsListed {
                    failed: names(&["a", "b"]),
                    hung: false,
                },
            ),
            (run_of(&["a", "b", "c"], &[], 0), Verdict::NotCaught),
            (
                run_of(&["b"], &["a", "c"], 0),
                Verdict::FailsOtherTests {
                    expected: names(&["a", "b"]),
                    failed: names(&["a", "c"]),
                },
            ),
            (run_of(&[], &[], 0), Verdict::RanNoTests),
            (TestRun::default(), Verdict::DoesNotCompile),
            (
                TestRun {
                    timed_out: true,
                    ..run_of(&["a"], &[], 0)
                },
                Verdict::StoppedAtTheLimit,
            ),
        ] {
            assert_eq!(
                judge(&expect, std::slice::from_ref(&run)),
                verdict,
                "{run:?}"
            );
        }
    }

    #[test]
    fn judging_a_variant_that_should_hang() {
        let expect = fails(&["a", "b"], true);
        assert_eq!(
            judge(&expect, &[run_of(&[], &["a", "b"], 1)]),
            Verdict::ShouldHang { hung: 1, failed: 2 }
        );
        assert_eq!(
            judge(&expect, &[run_of(&[], &["a", "b"], 2)]),
            Verdict::FailsAsListed {
                failed: names(&["a", "b"]),
                hung: true
            }
        );
    }

    #[test]
    fn judging_a_solution_run_several_times() {
        let expect = Expect::Passes { repeat: 3 };
        let good = run_of(&["a", "b"], &[], 0);
        assert_eq!(
            judge(&expect, &[good.clone(), good.clone(), good.clone()]),
            Verdict::Passes { tests: 2, runs: 3 }
        );
        assert_eq!(
            judge(&expect, &[good.clone(), run_of(&["a"], &["b"], 0)]),
            Verdict::ShouldPass {
                failed: names(&["b"]),
                run: 2,
                runs: 3
            }
        );
        assert_eq!(
            judge(&expect, std::slice::from_ref(&good)),
            Verdict::RanNoTests,
            "fewer runs than asked for is no pass"
        );
        assert_eq!(judge(&expect, &[]), Verdict::RanNoTests);
    }

    #[test]
    fn the_tally_counts_by_kind() {
        let mut tally = Tally::default();
        tally.add(&Kind::Starter, true);
        tally.add(&Kind::Solution, false);
        tally.add(&Kind::WrongFix("starter".into()), true);
        assert_eq!(tally.starters, (1, 1));
        assert_eq!(tally.solutions, (0, 1));
        assert_eq!(
            tally.wrong_fixes,
            (1, 1),
            "a wrong fix named `starter` is a wrong fix"
        );
        assert_eq!(tally.failures(), 1);
        assert!(tally.summary(1).ends_with("2 passed, 1 failed"));
    }

    #[test]
    fn a_report_shows_evidence_only_for_a_problem() {
        let ok = report(
            "solution",
            &Verdict::Passes { tests: 2, runs: 1 },
            Some("noise"),
        );
        assert_eq!(ok, "  ✓ solution passes (2 tests)");
        let bad = report("wrong fix x", &Verdict::NotCaught, Some("line 1\nline 2"));
        assert!(bad.contains("the tests do not catch this mistake"), "{bad}");
        assert!(bad.ends_with("\n      | line 1\n      | line 2"), "{bad}");
    }
}

//! `cargo lab mutants`: mutation testing of the reference solutions with
//! cargo-mutants, against the exercises' own tests.
//!
//! A test suite that passes for the solution and fails for the starter can
//! still miss a fix that is half wrong. cargo-mutants changes the solution in
//! small ways (a function that returns a default, a `<` that becomes `<=`,
//! a deleted statement) and runs the tests for each change: a change the
//! tests do not notice (a survivor) is either a hole in the tests or a change
//! that does not change behaviour. Every survivor must be one of the two: a
//! hole is closed by a better test; an equivalent change is listed in
//! `solutions/NN_name/equivalent-mutants.toml` with a one-line reason.
//!
//! Each solution is mutated on a scratch copy (beside a copy of the starter,
//! whose `tests.rs` it includes), in place, built in the course's target
//! folder, so no dependency is compiled again. Only `src/lib.rs` is mutated:
//! the other modules of a solution crate are the book's examples, which
//! the snippets' own tests pin.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::course::{Course, Exercise};
use crate::files::read;
use crate::scratch::{self, copy_crate};
use crate::verify::target_dir;

pub const CARGO_MUTANTS_VERSION: &str = "27.1.0";

/// `solutions/NN_name/equivalent-mutants.toml`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equivalents {
    #[serde(default)]
    pub equivalent: Vec<Equivalent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equivalent {
    /// The mutant as cargo-mutants names it, without line and column:
    /// `replace build_report -> Report with Default::default()`.
    pub mutant: String,
    /// Why it behaves the same as the solution.
    pub why: String,
}

impl Equivalents {
    pub fn load(exercise: &Exercise, root: &Path) -> Result<Equivalents> {
        let path = exercise.solution_dir(root).join("equivalent-mutants.toml");
        if !path.exists() {
            return Ok(Equivalents::default());
        }
        let equivalents: Equivalents = toml::from_str(&read(&path)?)
            .with_context(|| format!("{} is not valid", path.display()))?;
        if let Some(bare) = equivalents
            .equivalent
            .iter()
            .find(|e| e.why.trim().is_empty())
        {
            bail!("{}: `{}` has no reason", path.display(), bare.mutant);
        }
        Ok(equivalents)
    }

    fn lists(&self, mutant: &str) -> bool {
        self.equivalent.iter().any(|e| e.mutant == mutant)
    }
}

/// What cargo-mutants found for one solution.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub caught: usize,
    pub timeouts: usize,
    pub unviable: usize,
    /// Survivors, as `src/lib.rs:12:5: <change>`.
    pub missed: Vec<String>,
}

/// A mutant's name without its line and column, as equivalents list it.
pub fn without_location(name: &str) -> &str {
    // "src/lib.rs:12:5: replace ..." -> "replace ..."
    let mut parts = name.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_file), Some(line), Some(column), Some(change))
            if line.chars().all(|c| c.is_ascii_digit())
                && column.chars().all(|c| c.is_ascii_digit()) =>
        {
            change.trim_start()
        }
        _ => name,
    }
}

#[derive(Default)]
struct Totals {
    viable: usize,
    caught: usize,
    survived: usize,
    equivalent: usize,
    unviable: usize,
}

impl Totals {
    fn line(&self) -> String {
        format!(
            "mutants: {}/{} caught, {} survived ({} listed as equivalent), {} unviable",
            self.caught, self.viable, self.survived, self.equivalent, self.unviable
        )
    }
}

pub fn run(course: &Course, only: Option<&str>) -> Result<ExitCode> {
    let exercises: Vec<&Exercise> = match only {
        Some(name) => vec![course.find(name)?],
        None => course.exercises.iter().collect(),
    };
    let tool = cargo_mutants(&course.root)?;
    let started = Instant::now();
    let mut totals = Totals::default();
    let mut unexplained = Vec::new();
    for exercise in exercises {
        let equivalents = Equivalents::load(exercise, &course.root)?;
        let findings = mutate(course, exercise, &tool)?;
        let listed: Vec<&String> = findings
            .missed
            .iter()
            .filter(|m| equivalents.lists(without_location(m)))
            .collect();
        totals.viable += findings.caught + findings.timeouts + findings.missed.len();
        totals.caught += findings.caught + findings.timeouts;
        totals.survived += findings.missed.len();
        totals.equivalent += listed.len();
        totals.unviable += findings.unviable;
        println!(
            "{}: {} caught ({} by a timeout), {} survived ({} listed as equivalent), {} unviable",
            exercise.name,
            findings.caught + findings.timeouts,
            findings.timeouts,
            findings.missed.len(),
            listed.len(),
            findings.unviable
        );
        for missed in &findings.missed {
            if !equivalents.lists(without_location(missed)) {
                println!("  ✗ survived, not explained: {missed}");
                unexplained.push(format!("{}: {missed}", exercise.dir));
            }
        }
        let found: BTreeSet<&str> = findings
            .missed
            .iter()
            .map(|m| without_location(m))
            .collect();
        for stale in equivalents
            .equivalent
            .iter()
            .filter(|e| !found.contains(e.mutant.as_str()))
        {
            println!(
                "  (listed as equivalent but no longer a survivor: `{}`; remove it from solutions/{}/equivalent-mutants.toml)",
                stale.mutant, exercise.dir
            );
        }
    }
    println!(
        "\nin {:.0} s; {} unexplained survivor(s)",
        started.elapsed().as_secs_f64(),
        unexplained.len()
    );
    println!("{}", totals.line());
    Ok(if unexplained.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs cargo-mutants on a scratch copy of one solution.
fn mutate(course: &Course, exercise: &Exercise, tool: &Path) -> Result<Findings> {
    let root = &course.root;
    let scratch = root.join("target/lab/mutants").join(&exercise.dir);
    let rename = |name: &str| format!("mutants-{name}");
    copy_crate(
        &exercise.starter_dir(root),
        &scratch.join("exercises").join(&exercise.dir),
        rename,
        None,
    )?;
    let solution = scratch.join("solutions").join(&exercise.dir);
    let package = copy_crate(&exercise.solution_dir(root), &solution, rename, None)?;
    scratch::create(root, &scratch, &["exercises/*", "solutions/*"])?;
    let output = scratch.join("out");
    let _ = fs_err::remove_dir_all(&output);
    let status = Command::new(tool)
        .arg("mutants")
        .args([
            "--in-place",
            "--no-shuffle",
            "--colors",
            "never",
            // A glob without a slash matches the file name: the package's lib.rs.
            "--file",
            "lib.rs",
        ])
        .args(["--package", &package, "--dir"])
        .arg(&solution)
        .arg("--output")
        .arg(&output)
        // The exercises' tests bound themselves at 10 s each; a mutant that
        // hangs is caught by that watchdog or, failing that, by this.
        .args(["--minimum-test-timeout", "60"])
        .env("CARGO_TARGET_DIR", target_dir(root))
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    // cargo-mutants exits 2 when mutants survive and 3 on timeouts: both are
    // findings; 1 and 4 mean it could not run (4: the tests fail unmutated).
    if matches!(status.code(), Some(1) | Some(4) | None) {
        bail!(
            "cargo-mutants could not test solutions/{} (exit {:?}); see {}",
            exercise.dir,
            status.code(),
            output.join("mutants.out/debug.log").display()
        );
    }
    let lines = |file: &str| -> Vec<String> {
        read(&output.join("mutants.out").join(file))
            .map(|text| {
                text.lines()
                    .map(str::to_owned)
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Findings {
        caught: lines("caught.txt").len(),
        timeouts: lines("timeout.txt").len(),
        unviable: lines("unviable.txt").len(),
        missed: lines("missed.txt"),
    })
}

/// cargo-mutants of the pinned version in `target/tools`, installed there
/// (once, from crates.io) if it is not. Its version is read from cargo's
/// record of what it installed: `cargo-mutants --version` on its own starts
/// a mutation run of whatever workspace it is in.
fn cargo_mutants(root: &Path) -> Result<PathBuf> {
    let tools = root.join("target/tools");
    let binary = tools
        .join("bin")
        .join(format!("cargo-mutants{}", std::env::consts::EXE_SUFFIX));
    let installed = read(&tools.join(".crates.toml"))
        .is_ok_and(|record| record.contains(&format!("\"cargo-mutants {CARGO_MUTANTS_VERSION} ")));
    if installed && binary.is_file() {
        return Ok(binary);
    }
    crate::tools::install(root, "cargo-mutants", CARGO_MUTANTS_VERSION)?;
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::root;

    #[test]
    fn a_mutants_name_loses_its_location() {
        assert_eq!(
            without_location(
                "src/lib.rs:12:5: replace build_report -> Report with Default::default()"
            ),
            "replace build_report -> Report with Default::default()"
        );
        assert_eq!(without_location("replace x with y"), "replace x with y");
    }

    #[test]
    fn every_equivalents_file_reads_and_gives_reasons() {
        let course = Course::load(&root()).unwrap();
        for exercise in &course.exercises {
            Equivalents::load(exercise, &course.root).unwrap();
        }
    }
}

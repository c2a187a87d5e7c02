//! `cargo lab bench`: the learner's feedback loop, measured.
//!
//! For every exercise, on a scratch copy of its starter: make a real source
//! change (a new function in `lib.rs`), then time `cargo test` until the
//! result is printed; five times, warm, and report the median. The same is
//! done for a bare crate that depends on tokio only, the baseline a light
//! exercise should stay within 2x of. Finally, a cold build and test of the
//! first exercise from an empty target folder.
//!
//! It prints a table and writes it to `target/lab/bench-results.md`. It is a
//! benchmark, not a test: nothing here fails on a slow number.

use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cargo;
use crate::course::Course;
use crate::files::{read, write};
use crate::scratch::{self, copy_crate};

const ROUNDS: usize = 5;
const BASELINE: &str = "bench-bare-tokio";

pub fn run(course: &Course) -> Result<ExitCode> {
    let root = &course.root;
    let scratch = root.join("target/lab/bench");
    let target_dir = root.join("target");
    scratch::create(root, &scratch, &["exercises/*", "baseline"])?;
    write_baseline(&scratch.join("baseline"))?;
    let mut crates = vec![(BASELINE.to_owned(), scratch.join("baseline"))];
    for exercise in &course.exercises {
        let copy = scratch.join("exercises").join(&exercise.dir);
        let package = copy_crate(
            &exercise.starter_dir(root),
            &copy,
            |name| format!("bench-{name}"),
            None,
        )?;
        crates.push((package, copy));
    }
    let kept: Vec<_> = crates.iter().map(|(_, dir)| dir.clone()).collect();
    scratch::prune(&scratch, &["exercises"], &kept)?;
    let manifest = scratch.join("Cargo.toml");

    println!("bench: warming up (building every exercise once) ...");
    let warm = cargo::cargo()
        .args([
            "test",
            "--workspace",
            "--no-run",
            "--quiet",
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .context("cannot start cargo")?;
    if !warm.success() {
        bail!("the warm-up build failed");
    }

    let mut rows = Vec::new();
    let mut baseline = None;
    for (package, dir) in &crates {
        let mut times = Vec::new();
        let mut test_times = Vec::new();
        for round in 0..ROUNDS {
            let lib = dir.join("src/lib.rs");
            let source = read(&lib)?;
            write(
                &lib,
                format!("{source}\npub fn bench_edit_{round}() -> usize {{ {round} }}\n"),
            )?;
            let (total, tests) = time_test(&manifest, package, &target_dir)?;
            times.push(total);
            test_times.push(tests);
        }
        times.sort();
        test_times.sort_by(f64::total_cmp);
        let median = times[ROUNDS / 2];
        let tests = test_times[ROUNDS / 2];
        let base = *baseline.get_or_insert(median);
        let name = if package == BASELINE {
            "(bare tokio crate)".to_owned()
        } else {
            package.trim_start_matches("bench-exercise-").to_owned()
        };
        let ratio = median.as_secs_f64() / base.as_secs_f64();
        println!(
            "  {name:<24} {:>6.2} s  ({ratio:.1}x bare tokio; the tests themselves {tests:.2} s)",
            median.as_secs_f64()
        );
        rows.push(format!(
            "| {name} | {:.2} s | {ratio:.1}x | {tests:.2} s |",
            median.as_secs_f64()
        ));
    }

    println!("bench: cold build and test of the first exercise from an empty target folder ...");
    let cold_dir = root.join("target/lab/bench-cold");
    let _ = fs_err::remove_dir_all(&cold_dir);
    let first = &crates[1].0;
    let (cold, _) = time_test(&manifest, first, &cold_dir)?;
    let _ = fs_err::remove_dir_all(&cold_dir);
    println!("  cold: {:.1} s", cold.as_secs_f64());

    let table = format!(
        "# `cargo lab bench` results\n\n\
         Edit then `cargo test` (a new function added to the starter's lib.rs, then the tests\n\
         compiled and run until the result is printed), median of {ROUNDS} warm runs.\n\n\
         | exercise | edit → test result | vs bare tokio | the tests themselves |\n|---|---|---|---|\n{}\n\n\
         Cold build and test of `{}` from an empty target folder: {:.1} s\n",
        rows.join("\n"),
        first.trim_start_matches("bench-"),
        cold.as_secs_f64()
    );
    let results = root.join("target/lab/bench-results.md");
    write(&results, &table)?;
    println!("bench: written to {}", results.display());
    Ok(ExitCode::SUCCESS)
}

/// Wall time of `cargo test -p package --lib` (pass or fail, it is the
/// learner's loop either way), and the time the test binary itself reported
/// ("finished in 0.13s").
fn time_test(manifest: &Path, package: &str, target_dir: &Path) -> Result<(Duration, f64)> {
    let started = Instant::now();
    let output = cargo::cargo()
        .args([
            "test",
            "--lib",
            "--quiet",
            "--package",
            package,
            "--manifest-path",
        ])
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .output()
        .context("cannot start cargo")?;
    let elapsed = started.elapsed();
    let tests = String::from_utf8_lossy(&output.stdout)
        .rsplit("finished in ")
        .next()
        .and_then(|rest| rest.split('s').next())
        .and_then(|seconds| seconds.trim().parse().ok())
        .unwrap_or(f64::NAN);
    Ok((elapsed, tests))
}

/// The baseline: a crate with tokio only and one paused-clock test.
fn write_baseline(dir: &Path) -> Result<()> {
    write(
        &dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{BASELINE}\"\nversion = \"0.1.0\"\nedition.workspace = true\npublish = false\n\n\
             [lib]\ndoctest = false\n\n\
             [dependencies]\ntokio = {{ workspace = true, features = [\"test-util\"] }}\n"
        ),
    )?;
    write(
        &dir.join("src/lib.rs"),
        "pub async fn wait() {\n    tokio::time::sleep(std::time::Duration::from_secs(35)).await;\n}\n\n\
         #[cfg(test)]\nmod tests {\n    #[tokio::test(start_paused = true)]\n    async fn waits() {\n        super::wait().await;\n    }\n}\n",
    )
}

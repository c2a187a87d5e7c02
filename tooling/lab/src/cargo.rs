//! Running tests: `cargo test` in place for the learner (output shown as it
//! comes), and for `verify` one build of a whole scratch workspace followed
//! by the test binaries themselves, each with a wall-clock bound.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Deserialize;

/// A learner's `cargo test` is stopped after this long. Every test bounds
/// itself at 10 s, so only a build can legitimately take longer.
pub const RUN_LIMIT: Duration = Duration::from_secs(600);

/// A test binary (no build) is stopped after this long: its tests bound
/// themselves at 10 s each.
pub const BINARY_LIMIT: Duration = Duration::from_secs(120);

/// How test-support's watchdog begins its message for a test that hung.
pub const HUNG: &str = "HUNG: the test did not finish";

/// What one run of a crate's tests showed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// The crate built and its test binary ran.
    pub compiled: bool,
    /// The run was stopped at the wall-clock limit.
    pub timed_out: bool,
    pub passed_tests: Vec<String>,
    pub failed_tests: Vec<String>,
    /// How many failures were the watchdog's HUNG message.
    pub hung: usize,
    /// Everything cargo and the tests printed.
    pub output: String,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.compiled
            && !self.timed_out
            && self.failed_tests.is_empty()
            && !self.passed_tests.is_empty()
    }

    /// Reads libtest's output, line by line.
    pub fn read(&mut self, line: &str) {
        if line.starts_with("running ") && (line.ends_with(" tests") || line.ends_with(" test")) {
            self.compiled = true;
        }
        if line.contains(HUNG) {
            self.hung += 1;
        }
        self.output.push_str(line);
        self.output.push('\n');
        let Some(rest) = line.strip_prefix("test ") else {
            return;
        };
        let Some((name, verdict)) = rest.split_once(" ... ") else {
            return;
        };
        let name = name.trim_start_matches("tests::").to_owned();
        match verdict.trim() {
            "ok" => self.passed_tests.push(name),
            "FAILED" => self.failed_tests.push(name),
            _ => {}
        }
    }
}

/// The cargo that runs us (cargo sets `CARGO`), or the one on the PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a cargo command in the course's workspace with the output shown as it
/// comes; true if it succeeded.
pub fn run_in(root: &Path, args: &[&str]) -> bool {
    cargo()
        .current_dir(root)
        .args(args)
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs a package's tests in the course's own workspace, showing the output
/// as it comes: what a learner sees with `cargo test`, plus our verdict.
/// stdout and stderr are read whole line by whole line, so cargo's messages
/// never land in the middle of a test's line.
/// Each failing lesson leaves its timeline in `runs_dir` (see `runs`).
pub fn test_in_place(root: &Path, package: &str, runs_dir: &Path) -> Result<TestRun> {
    let mut command = cargo();
    command
        .current_dir(root)
        .env("LAB_RUNS_DIR", runs_dir)
        .args(["test", "--package", package, "--lib"]);
    run(command, RUN_LIMIT, true)
}

/// Runs a command, reading stdout and stderr as whole lines (echoed if
/// `echo`), and stops it at `limit`.
fn run(mut command: Command, limit: Duration, echo: bool) -> Result<TestRun> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let (lines_tx, lines_rx) = mpsc::channel();
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let lines_tx = lines_tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        })
    })
    .collect();
    drop(lines_tx);
    let printer = thread::spawn(move || {
        let mut run = TestRun::default();
        for line in lines_rx {
            if echo {
                println!("{line}");
            }
            run.read(&line);
        }
        run
    });
    let timed_out = !wait_bounded(&mut child, limit);
    for reader in readers {
        let _ = reader.join();
    }
    let mut run = printer.join().expect("the output reader does not panic");
    run.timed_out = timed_out;
    Ok(run)
}

/// Waits for the child; kills it and returns false at the limit.
fn wait_bounded(child: &mut Child, limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if started.elapsed() < limit => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// What one `cargo test --no-run` of a whole workspace produced, by crate
/// folder: each crate's test binary, or the compiler's messages.
#[derive(Debug, Default)]
pub struct Build {
    pub binaries: HashMap<PathBuf, PathBuf>,
    pub errors: HashMap<PathBuf, String>,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    manifest_path: Option<PathBuf>,
    executable: Option<PathBuf>,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Profile {
    test: bool,
}

#[derive(Deserialize)]
struct Target {
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct Diagnostic {
    rendered: Option<String>,
    level: String,
}

/// Builds every crate's library tests in the workspace at `manifest`, going
/// on past crates that do not compile.
pub fn build_tests(manifest: &Path, target_dir: &Path) -> Result<Build> {
    let output = cargo()
        // `cargo build --tests` builds what `cargo test --no-run` would,
        // and unlike `cargo test` it can go on past a crate that does not
        // compile (`--keep-going`), so one broken wrong fix costs only itself.
        .args(["build", "--tests", "--workspace", "--keep-going"])
        .args(["--message-format", "json", "--quiet", "--manifest-path"])
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot start cargo")?;
    let mut build = Build::default();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Message>(line) else {
            continue;
        };
        let Some(dir) = message.manifest_path.as_deref().and_then(Path::parent) else {
            continue;
        };
        match message.reason.as_str() {
            "compiler-artifact" => {
                let is_lib_test = message.profile.is_some_and(|p| p.test)
                    && message
                        .target
                        .is_some_and(|t| t.kind.iter().any(|k| k == "lib"));
                if let (true, Some(executable)) = (is_lib_test, message.executable) {
                    build.binaries.insert(dir.to_owned(), executable);
                }
            }
            "compiler-message" => {
                if let Some(Diagnostic {
                    rendered: Some(text),
                    level,
                }) = message.message
                {
                    if level == "error" {
                        build
                            .errors
                            .entry(dir.to_owned())
                            .or_default()
                            .push_str(&text);
                    }
                }
            }
            _ => {}
        }
    }
    if build.binaries.is_empty() && build.errors.is_empty() {
        anyhow::bail!(
            "cargo built nothing in {}:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(build)
}

/// Runs a test binary from `crate_dir`, quietly, bounded by [`BINARY_LIMIT`].
pub fn run_binary(binary: &Path, crate_dir: &Path) -> Result<TestRun> {
    let mut command = Command::new(binary);
    command.current_dir(crate_dir).env("RUST_BACKTRACE", "0");
    run(command, BINARY_LIMIT, false)
}

/// [`run_binary`], with every lesson (passing or failing) leaving its
/// timeline in `runs_dir`: how the chapters' figures are drawn.
pub fn run_binary_recording(binary: &Path, crate_dir: &Path, runs_dir: &Path) -> Result<TestRun> {
    let mut command = Command::new(binary);
    command
        .current_dir(crate_dir)
        .env("RUST_BACKTRACE", "0")
        .env("LAB_RUNS_DIR", runs_dir)
        .env("LAB_RUNS_PASSING", "1");
    run(command, BINARY_LIMIT, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_lines_are_read() {
        let mut run = TestRun::default();
        for line in [
            "running 3 tests",
            "test tests::a_passing_test ... ok",
            "test tests::a_failing_test ... FAILED",
            "test tests::a_panicking_test - should panic ... ok",
            "HUNG: the test did not finish within 10 s of real time.",
            "test result: FAILED. 1 passed; 1 failed; 0 ignored",
        ] {
            run.read(line);
        }
        assert!(run.compiled);
        assert_eq!(
            run.passed_tests,
            ["a_passing_test", "a_panicking_test - should panic"]
        );
        assert_eq!(run.failed_tests, ["a_failing_test"]);
        assert_eq!(run.hung, 1);
        assert!(!run.passed());
    }

    #[test]
    fn a_run_with_no_tests_is_not_a_pass() {
        let mut run = TestRun::default();
        run.read("running 0 tests");
        assert!(run.compiled);
        assert!(!run.passed());
    }

    #[test]
    #[cfg(unix)]
    fn a_command_that_runs_too_long_is_stopped() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo 'running 1 test'; exec sleep 30"]);
        let started = Instant::now();
        let run = run(command, Duration::from_millis(300), false).unwrap();
        assert!(run.timed_out);
        assert!(run.compiled, "what it printed before the stop is kept");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

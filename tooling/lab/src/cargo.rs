//! Running `cargo test` for one crate, with a wall-clock bound, and reading
//! which tests passed and which failed from its output.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A `cargo test` run is stopped after this long. Every test bounds itself
/// at 10 s, so only a build can legitimately take longer.
pub const RUN_LIMIT: Duration = Duration::from_secs(600);

#[derive(Debug, Default)]
pub struct TestRun {
    /// The crate built and its test binary ran.
    pub compiled: bool,
    /// The run was stopped at the wall-clock limit.
    pub timed_out: bool,
    pub passed_tests: Vec<String>,
    pub failed_tests: Vec<String>,
    /// Everything cargo and the tests printed (stdout, then stderr).
    pub output: String,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.compiled
            && !self.timed_out
            && self.failed_tests.is_empty()
            && !self.passed_tests.is_empty()
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
pub fn test_in_place(root: &Path, package: &str) -> Result<TestRun, String> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["test", "--package", package, "--lib"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    run(command, true)
}

/// Runs a package's tests in a scratch workspace, quietly.
pub fn test_quietly(manifest: &Path, package: &str, target_dir: &Path) -> Result<TestRun, String> {
    let mut command = cargo();
    command
        .arg("test")
        .arg("--manifest-path")
        .arg(manifest)
        .args(["--package", package, "--lib", "--no-fail-fast"])
        .env("CARGO_TARGET_DIR", target_dir)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run(command, false)
}

fn run(mut command: Command, echo: bool) -> Result<TestRun, String> {
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take();
    let (lines_tx, lines_rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if echo {
                println!("{line}");
            }
            let _ = lines_tx.send(line);
        }
    });
    let error_reader = stderr.map(|mut stderr| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        })
    });

    let timed_out = !wait_bounded(&mut child, RUN_LIMIT);
    let _ = reader.join();
    let mut run = TestRun {
        timed_out,
        ..TestRun::default()
    };
    for line in lines_rx.try_iter() {
        read_line(&mut run, &line);
        run.output.push_str(&line);
        run.output.push('\n');
    }
    if let Some(error_reader) = error_reader {
        run.output
            .push_str(&error_reader.join().unwrap_or_default());
    }
    Ok(run)
}

/// Waits for the child; kills it and returns false at the limit.
fn wait_bounded(child: &mut Child, limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if started.elapsed() < limit => thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// Reads one line of libtest's output: `test tests::name ... ok`.
fn read_line(run: &mut TestRun, line: &str) {
    if line.starts_with("running ") && (line.ends_with(" tests") || line.ends_with(" test")) {
        run.compiled = true;
    }
    let Some(rest) = line.strip_prefix("test ") else {
        return;
    };
    let Some((name, verdict)) = rest.split_once(" ... ") else {
        return;
    };
    let name = name.trim_start_matches("tests::").to_owned();
    match verdict.trim() {
        "ok" => run.passed_tests.push(name),
        "FAILED" => run.failed_tests.push(name),
        _ => {}
    }
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
            "test result: FAILED. 1 passed; 1 failed; 0 ignored",
        ] {
            read_line(&mut run, line);
        }
        assert!(run.compiled);
        assert_eq!(
            run.passed_tests,
            ["a_passing_test", "a_panicking_test - should panic"]
        );
        assert_eq!(run.failed_tests, ["a_failing_test"]);
        assert!(!run.passed());
    }

    #[test]
    fn a_run_with_no_tests_is_not_a_pass() {
        let mut run = TestRun::default();
        read_line(&mut run, "running 0 tests");
        assert!(run.compiled);
        assert!(!run.passed());
    }
}

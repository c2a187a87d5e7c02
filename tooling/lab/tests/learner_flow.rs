//! The learner's side of `cargo lab`, end to end, on a scratch copy of the
//! course (one exercise, a git history of its own), so that nothing here can
//! touch the real `exercises/`.
//!
//! The copy builds in `target/lab/test-target`: a target folder of its own,
//! because the `cargo test` running these tests may hold the lock on the
//! course's main one.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

const LAB: &str = env!("CARGO_BIN_EXE_lab");

fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A scratch course with exercise 01 only, committed to a fresh git repository.
struct ScratchCourse {
    root: PathBuf,
}

impl ScratchCourse {
    fn new(name: &str) -> ScratchCourse {
        let course = course_root();
        let root = course.join("target/lab/tests").join(name);
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        for dir in ["exercises/01_why", "solutions/01_why"] {
            copy_dir(&course.join(dir), &root.join(dir));
        }
        fs::copy(course.join("course.toml"), root.join("course.toml")).unwrap();
        fs::copy(course.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
        fs::write(root.join("Cargo.toml"), scratch_manifest(&course)).unwrap();
        fs::write(root.join(".gitignore"), "/.lab\n/target\n").unwrap();
        // Cargo tells artifacts apart by package name and path relative to the
        // workspace root, so every scratch course (all with `exercises/01_why`)
        // gets package names of its own to share one target folder safely.
        for manifest in ["exercises/01_why/Cargo.toml", "solutions/01_why/Cargo.toml"] {
            let path = root.join(manifest);
            let text = fs::read_to_string(&path).unwrap().replacen(
                "-01-why\"",
                &format!("-01-why-{name}\""),
                1,
            );
            fs::write(path, text).unwrap();
        }
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "course",
            ],
        ] {
            let status = Command::new("git")
                .current_dir(&root)
                .args(args)
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }
        ScratchCourse { root }
    }

    fn lab(&self) -> Command {
        let mut command = Command::new(LAB);
        command
            .env("LAB_ROOT", &self.root)
            .env(
                "CARGO_TARGET_DIR",
                course_root().join("target/lab/test-target"),
            )
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.lab().args(args).output().unwrap()
    }

    fn starter(&self) -> PathBuf {
        self.root.join("exercises/01_why/src/lib.rs")
    }

    /// Every file under exercises/ with its bytes.
    fn exercises_snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        snapshot(&self.root.join("exercises"), &mut files);
        files
    }
}

/// The course's Cargo.toml, with members limited to what the copy has and the
/// test-support path made absolute.
fn scratch_manifest(course: &Path) -> String {
    let manifest = fs::read_to_string(course.join("Cargo.toml")).unwrap();
    let start = manifest.find("members = [").unwrap();
    let end = manifest.find("[workspace.package]").unwrap();
    let support = course.join("tooling/test-support");
    format!(
        "{}members = [\"exercises/*\", \"solutions/*\"]\n\n{}",
        &manifest[..start],
        &manifest[end..]
    )
    .replace(
        "path = \"tooling/test-support\"",
        &format!("path = {:?}", support.display().to_string()),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn snapshot(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            snapshot(&path, files);
        } else {
            files.insert(path.clone(), fs::read(&path).unwrap());
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Reads a child's stdout on a thread, line by line.
fn lines_of(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits for a line containing `wanted`; the first build may take minutes.
fn wait_for(lines: &Receiver<String>, wanted: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                let found = line.contains(wanted);
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!("never saw {wanted:?}; the output was:\n{}", seen.join("\n"));
}

#[test]
fn watch_mode_retests_on_save_and_progress_survives_a_restart() {
    let course = ScratchCourse::new("watch");
    let mut child = course
        .lab()
        .arg("watch")
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut child);
    let mut seen = Vec::new();
    wait_for(&lines, "✗ `why`: 1 of 2 tests fail", &mut seen);
    wait_for(&lines, "Watching exercises/01_why/src", &mut seen);

    // The learner saves a fix: the solution, which reaches the tests through
    // the same relative path from the exercise's folder.
    let solution = fs::read(course.root.join("solutions/01_why/src/lib.rs")).unwrap();
    fs::write(course.starter(), solution).unwrap();
    wait_for(&lines, "✓ `why` is solved", &mut seen);
    wait_for(&lines, "beside the reference solution", &mut seen);
    wait_for(&lines, "n next exercise", &mut seen);

    child.stdin.as_mut().unwrap().write_all(b"q\n").unwrap();
    assert!(child.wait().unwrap().success());

    // A new `cargo lab` remembers.
    let list = text(&course.run(&["list"]));
    assert!(
        list.contains("why              src/why.md               solved"),
        "{list}"
    );
    assert!(list.contains("Progress: 1 of"), "{list}");
}

#[test]
fn only_reset_writes_into_exercises_and_it_keeps_a_backup() {
    let course = ScratchCourse::new("reset");
    let before = course.exercises_snapshot();
    for args in [
        &["list"][..],
        &["hint", "why"],
        &["check", "why"],
        &["check", "nope"],
        &[],
        &["verify", "--only", "why"],
    ] {
        let output = course.run(args);
        assert_eq!(
            course.exercises_snapshot(),
            before,
            "`cargo lab {}` changed exercises/:\n{}",
            args.join(" "),
            text(&output)
        );
    }

    let mine = "// my attempt\n";
    fs::write(course.starter(), mine).unwrap();
    let output = course.run(&["reset", "why"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        course.exercises_snapshot(),
        before,
        "reset puts the starter back byte for byte"
    );
    let backups: Vec<_> = fs::read_dir(course.root.join(".lab/backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(fs::read_to_string(backups[0].join("lib.rs")).unwrap(), mine);
}

#[test]
fn a_misspelt_name_lists_the_exercises() {
    let course = ScratchCourse::new("misspelt");
    let output = course.run(&["check", "wyh"]);
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output);
    assert!(message.contains("no exercise called `wyh`"), "{message}");
    assert!(message.contains("Did you mean `why`?"), "{message}");
}

#[test]
fn without_a_terminal_cargo_lab_tests_the_current_exercise_once() {
    let course = ScratchCourse::new("once");
    let output = course.run(&[]);
    let message = text(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("Progress: 0 of"), "{message}");
    assert!(message.contains("✗ `why`: 1 of 2 tests fail"), "{message}");
    assert!(!message.contains("Watching"), "{message}");
}

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

use lab::files::{copy_dir, files_under, write};
use lab::scratch;

const LAB: &str = env!("CARGO_BIN_EXE_lab");

fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A scratch course with exercise 01 only, committed to a fresh git
/// repository, laid out with the runner's own scratch code.
struct ScratchCourse {
    root: PathBuf,
}

impl ScratchCourse {
    fn new(name: &str) -> ScratchCourse {
        let course = course_root();
        let root = course.join("target/lab/tests").join(name);
        let _ = fs::remove_dir_all(&root);
        scratch::create(&course, &root, &["exercises/*", "solutions/*"]).unwrap();
        // Cargo tells artifacts apart by package name and path relative to the
        // workspace root, so every scratch course (all with `exercises/01_why`)
        // gets package names of its own to share one target folder safely.
        let rename = |package: &str| format!("{package}-{name}");
        for dir in ["exercises/01_why", "solutions/01_why"] {
            scratch::copy_crate(&course.join(dir), &root.join(dir), rename, None).unwrap();
        }
        copy_dir(
            &course.join("solutions/01_why/wrong_fixes"),
            &root.join("solutions/01_why/wrong_fixes"),
        )
        .unwrap();
        for file in [
            "course.toml",
            "src/SUMMARY.md",
            "tooling/lab/starters/01_why/lib.rs",
        ] {
            write(&root.join(file), fs::read(course.join(file)).unwrap()).unwrap();
        }
        fs::write(root.join(".gitignore"), "/.lab\n/target\n").unwrap();
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

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for path in files_under(dir).unwrap() {
        files.insert(path.clone(), fs::read(&path).unwrap());
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
    wait_for(&lines, "✗ `why`: ", &mut seen);
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
    assert!(
        message.contains("✗ `why`: ")
            && message.contains(" tests fail: the_report_stops_when_its_caller_drops_it, the_report_stops_wherever_its_caller_drops_it."),
        "{message}"
    );
    assert!(!message.contains("Watching"), "{message}");
    // The failing run's timelines are kept for the book to draw.
    let kept = fs::read_to_string(course.root.join(".lab/runs/why.json")).unwrap();
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    let drawn: Vec<&str> = kept["timelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["test"].as_str().unwrap())
        .collect();
    assert_eq!(
        drawn,
        [
            "the_report_stops_when_its_caller_drops_it",
            "the_report_stops_wherever_its_caller_drops_it"
        ]
    );
    let first = &kept["timelines"][0];
    assert_eq!(first["cancel_at"], 5.5, "{first}");
    assert!(
        first["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["at"].as_f64() > Some(5.5) && e["lane"] == "step"),
        "the starter's steps after the cancel are in the timeline: {first}"
    );
}

#[test]
fn a_new_exercise_fails_until_its_solution_and_a_wrong_fix_are_written() {
    let course = ScratchCourse::new("new-exercise");
    let created = course.run(&["new", "99_probe_steps", "--chapter", "probe.md"]);
    assert!(created.status.success(), "{}", text(&created));
    let root = &course.root;
    for file in [
        "exercises/99_probe_steps/Cargo.toml",
        "exercises/99_probe_steps/src/lib.rs",
        "exercises/99_probe_steps/src/tests.rs",
        "solutions/99_probe_steps/Cargo.toml",
        "solutions/99_probe_steps/src/lib.rs",
        "src/probe.md",
    ] {
        assert!(
            root.join(file).is_file(),
            "`cargo lab new` did not write {file}"
        );
    }
    let page = fs::read_to_string(root.join("src/probe.md")).unwrap();
    for heading in [
        "## In .NET",
        "## Traps",
        "## Your turn",
        "## Check yourself",
        "## Speaker notes",
    ] {
        assert!(
            page.contains(heading),
            "the chapter lacks {heading}:\n{page}"
        );
    }
    assert!(page.contains("cargo lab check probe-steps"), "{page}");
    let summary = fs::read_to_string(root.join("src/SUMMARY.md")).unwrap();
    assert!(summary.contains("(probe.md)"), "{summary}");
    let again = course.run(&["new", "99_probe_steps", "--chapter", "probe.md"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a second `new` is refused: {}",
        text(&again)
    );

    // As written, the solution is the starter: verify says so.
    let verify = course.run(&["verify", "--only", "probe-steps"]);
    let report = text(&verify);
    assert_eq!(verify.status.code(), Some(1), "{report}");
    assert!(report.contains("✓ starter fails as it should"), "{report}");
    assert!(report.contains("✗ solution should pass"), "{report}");

    // The maintainer writes the fix (the work awaited in the caller's own
    // future) and a wrong fix (the handle dropped, the task detached).
    let solution = root.join("solutions/99_probe_steps/src/lib.rs");
    let fixed = fs::read_to_string(&solution).unwrap().replace(
        "    let work = tokio::spawn(async move {\n        for step in 1..=STEPS {\n            tokio::time::sleep(Duration::from_secs(1)).await;\n            on_step(step);\n        }\n    });\n    let _ = work.await;\n",
        "    for step in 1..=STEPS {\n        tokio::time::sleep(Duration::from_secs(1)).await;\n        on_step(step);\n    }\n",
    );
    assert!(
        fixed.contains("    for step in 1..=STEPS {\n        tokio"),
        "{fixed}"
    );
    fs::write(&solution, fixed).unwrap();
    let edit = course.run(&["wrong-fix", "edit", "probe-steps", "drop_the_handle"]);
    assert!(edit.status.success(), "{}", text(&edit));
    let wrong =
        root.join("target/lab/wrong-fix/wrong_fixes/99_probe_steps--drop_the_handle/src/lib.rs");
    let starter = fs::read_to_string(&wrong).unwrap();
    let mistake = starter.replace(
        "    let _ = work.await;\n",
        "    drop(work);\n    tokio::time::sleep(Duration::from_secs(10)).await;\n",
    );
    assert_ne!(mistake, starter);
    fs::write(&wrong, mistake).unwrap();
    let save = course.run(&[
        "wrong-fix",
        "save",
        "probe-steps",
        "drop_the_handle",
        "--mistake",
        "drop the JoinHandle instead of awaiting it: the task goes on.",
        "--rejected-by",
        "the_work_stops_when_its_caller_drops_it",
    ]);
    assert!(save.status.success(), "{}", text(&save));
    let patch =
        fs::read_to_string(root.join("solutions/99_probe_steps/wrong_fixes/drop_the_handle.patch"))
            .unwrap();
    assert!(
        patch.starts_with("WRONG FIX: drop the JoinHandle"),
        "{patch}"
    );
    assert!(patch.contains("+    drop(work);"), "{patch}");

    let verify = course.run(&["verify", "--only", "probe-steps"]);
    let report = text(&verify);
    assert!(verify.status.success(), "{report}");
    assert!(
        report.contains("1/1 starters fail, 1/1 solutions pass, 1/1 wrong fixes rejected"),
        "{report}"
    );
}

#[test]
fn reset_restores_the_starter_as_shipped_after_a_commit_and_without_git() {
    let course = ScratchCourse::new("reset-shipped");
    let shipped = fs::read(course.starter()).unwrap();
    // Many learners commit their work: `reset` must not hand it back.
    fs::write(course.starter(), "// my committed attempt\n").unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .current_dir(&course.root)
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["commit", "-qam", "my work"]);
    let output = course.run(&["reset", "why"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        fs::read(course.starter()).unwrap(),
        shipped,
        "reset after a commit gives the starter as shipped"
    );

    // A copy without git (a zip, a student edition) resets the same way.
    fs::remove_dir_all(course.root.join(".git")).unwrap();
    fs::write(course.starter(), "// another attempt\n").unwrap();
    let output = course.run(&["reset", "why"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(fs::read(course.starter()).unwrap(), shipped);
}

#[test]
fn a_number_that_is_no_exercise_gets_the_range() {
    let course = ScratchCourse::new("hint-99");
    let output = course.run(&["hint", "99"]);
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output);
    assert!(
        message.contains("there is no exercise number 99"),
        "{message}"
    );
    assert!(!message.contains("Did you mean"), "{message}");
}

#[test]
fn code_that_does_not_compile_gets_the_first_error_and_no_hint() {
    let course = ScratchCourse::new("no-compile");
    let starter = fs::read_to_string(course.starter()).unwrap();
    fs::write(
        course.starter(),
        starter.replace("rows.push(step * step);", "rows.push(step * stepp);"),
    )
    .unwrap();
    let output = course.run(&["check", "why"]);
    let message = text(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message
            .contains("does not compile yet. The first error is at exercises/01_why/src/lib.rs:"),
        "{message}"
    );
    assert!(
        !message.contains("Hint:"),
        "no cancellation hint for a compile error: {message}"
    );
}

#[test]
fn a_failing_check_keeps_cargos_lines_whole_and_shows_no_backtrace() {
    let course = ScratchCourse::new("whole-lines");
    let output = course
        .lab()
        .env("RUST_BACKTRACE", "1")
        .args(["check", "why"])
        .output()
        .unwrap();
    let message = text(&output);
    assert!(
        message
            .lines()
            .any(|line| line.starts_with("error: test failed, to rerun pass")),
        "cargo's error is on a line of its own: {message}"
    );
    assert!(!message.contains("stack backtrace"), "{message}");
    assert!(
        message.contains("What happened (virtual time):"),
        "{message}"
    );
}

#[test]
fn plain_cargo_test_shows_the_lesson_without_a_backtrace_but_a_real_panic_keeps_its_place() {
    let course = ScratchCourse::new("plain-test");
    let cargo_test = || {
        let output = Command::new(env!("CARGO"))
            .current_dir(course.root.join("exercises/01_why"))
            .args(["test", "--quiet"])
            .env(
                "CARGO_TARGET_DIR",
                course_root().join("target/lab/test-target"),
            )
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        text(&output)
    };
    let lesson = cargo_test();
    assert!(lesson.contains("Read again: \"Why cancel?\""), "{lesson}");
    assert!(lesson.contains("What happened (virtual time):"), "{lesson}");
    assert!(!lesson.contains("stack backtrace"), "{lesson}");
    assert!(
        !lesson.contains("test-support"),
        "no frames or paths of test-support: {lesson}"
    );

    let starter = fs::read_to_string(course.starter()).unwrap();
    fs::write(
        course.starter(),
        starter.replace(
            "rows.push(step * step);",
            "rows.push(step * step);\n            assert!(step < 3, \"my own bug\");",
        ),
    )
    .unwrap();
    let bug = cargo_test();
    assert!(bug.contains("my own bug"), "{bug}");
    assert!(
        bug.contains("exercises/01_why/src/lib.rs") || bug.contains("src/lib.rs:"),
        "the learner's panic keeps its location: {bug}"
    );
    assert!(
        bug.contains("stack backtrace"),
        "and its backtrace, as RUST_BACKTRACE asks: {bug}"
    );
}

#[test]
fn a_passing_check_saves_progress_and_says_what_is_next_without_solutions() {
    let course = ScratchCourse::new("no-solutions");
    let solution = fs::read(course.root.join("solutions/01_why/src/lib.rs")).unwrap();
    fs::write(course.starter(), solution).unwrap();
    fs::remove_dir_all(course.root.join("solutions")).unwrap();
    let manifest = course.root.join("Cargo.toml");
    let text_of = fs::read_to_string(&manifest)
        .unwrap()
        .replace(", \"solutions/*\"", "");
    fs::write(&manifest, text_of).unwrap();
    let output = course.run(&["check", "why"]);
    let message = text(&output);
    assert!(output.status.success(), "{message}");
    assert!(message.contains("Next: `token-basics`"), "{message}");
    let list = text(&course.run(&["list"]));
    assert!(list.contains("Progress: 1 of"), "{list}");
}

#[test]
fn a_student_edition_has_no_answers_and_works() {
    let course = ScratchCourse::new("edition");
    let edition = course_root().join("target/lab/tests/edition-copy");
    let _ = fs::remove_dir_all(&edition);
    let written = course.run(&["student-edition", edition.to_str().unwrap()]);
    assert!(written.status.success(), "{}", text(&written));
    for gone in ["solutions", ".git", ".lab", "target"] {
        assert!(!edition.join(gone).exists(), "the edition has {gone}/");
    }
    let manifest = fs::read_to_string(edition.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("solutions"), "{manifest}");
    let again = course.run(&["student-edition", edition.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a second edition over the first is refused"
    );

    let lab = |args: &[&str]| {
        Command::new(LAB)
            .env("LAB_ROOT", &edition)
            .env(
                "CARGO_TARGET_DIR",
                course_root().join("target/lab/test-target"),
            )
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .args(args)
            .output()
            .unwrap()
    };
    let list = lab(&["list"]);
    assert!(list.status.success(), "{}", text(&list));
    let failing = lab(&["check", "why"]);
    assert_eq!(failing.status.code(), Some(1), "{}", text(&failing));
    let starter = edition.join("exercises/01_why/src/lib.rs");
    let shipped = fs::read(&starter).unwrap();
    fs::write(
        &starter,
        fs::read(course_root().join("solutions/01_why/src/lib.rs")).unwrap(),
    )
    .unwrap();
    let passing = lab(&["check", "why"]);
    let message = text(&passing);
    assert!(passing.status.success(), "{message}");
    assert!(message.contains("Next: `token-basics`"), "{message}");
    assert!(text(&lab(&["list"])).contains("Progress: 1 of"));
    let reset = lab(&["reset", "why"]);
    assert!(reset.status.success(), "{}", text(&reset));
    assert_eq!(fs::read(&starter).unwrap(), shipped);
    fs::remove_dir_all(&edition).unwrap();
}

//! `cargo lab`: the course runner.
//!
//! Learners use `list`, `check` and `hint`; maintainers use `verify`, which
//! proves on scratch copies that every starter fails, every solution passes
//! and every known wrong fix is rejected. Everything is driven by
//! `course.toml`. No command here writes into `exercises/`: that folder is
//! the learner's work.

mod bench;
mod book_check;
mod book_server;
mod cargo;
mod course;
mod files;
mod instructor_docs;
mod learner;
mod progress;
mod scratch;
mod tools;
mod verify;
mod watch;

use std::process::ExitCode;

use course::Course;

const USAGE: &str = r#"cargo lab: the course runner

  cargo lab                 start here: your progress, then the current exercise,
                            re-tested on every save (keys: h hint, l list, n next,
                            r re-run, q quit); without a terminal it runs once
  cargo lab start           the same, and the book opened in your browser, with your
                            progress shown in every chapter's "Your turn"
  cargo lab list            every exercise, its chapter and whether you solved it
  cargo lab check NAME      run NAME's tests and say what to do next
  cargo lab hint NAME       show NAME's next hint
  cargo lab reset NAME      put NAME's starter back (your version is saved in .lab/backups/)
  cargo lab book            build the book, serve it on http://127.0.0.1:3000 and rebuild
        [--open] [--port N] it on change; "Your turn" boxes show your progress live
  cargo lab verify          maintainers: every starter fails, every solution passes,
                            every wrong fix is rejected (works on copies)
        [--repeat N]        run each solution's tests N times (flakiness check)
        [--only NAME]       verify one exercise
  cargo lab check-book      build the book; fail on mdBook errors, warnings, empty
                            code blocks and "Your turn" sections that name no exercise
  cargo lab prepare         before a workshop: fetch and build everything, install mdBook,
                            so that afterwards nothing needs the network
  cargo lab bench           time edit-then-test for every exercise (target/lab/bench-results.md)
  cargo lab gen-docs        rewrite src/instructors/mistakes.md from course.toml
  cargo lab test-all        the whole test suite: fmt, clippy, cargo test, verify, check-book

NAME is an exercise's name (`why`), its folder (`01_why`) or its number (`1`)."#;

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
        [] => watch::run(&course, false, None),
        ["watch"] => watch::run(&course, true, None),
        ["start"] => {
            // The book in the browser and the first exercise, in one command.
            let server = book_server::start(&course, &book_server::Options::opened());
            if let Err(error) = &server {
                println!("(The book is not served: {error})\n");
            }
            let url = server.as_ref().ok().map(|server| server.url.as_str());
            watch::run(&course, false, url)
        }
        ["list"] => {
            learner::list(&course, None)?;
            Ok(ExitCode::SUCCESS)
        }
        ["check", name] => Ok(exit(learner::check(&course, course.find(name)?)?)),
        ["hint", name] => {
            learner::hint(&course, course.find(name)?)?;
            Ok(ExitCode::SUCCESS)
        }
        ["reset", name] => {
            learner::reset(&course, course.find(name)?)?;
            Ok(ExitCode::SUCCESS)
        }
        ["verify", options @ ..] => verify::run(&course, &verify::Options::parse(options)?),
        ["book", options @ ..] => book_server::run(&course, &book_server::Options::parse(options)?),
        ["check-book"] => check_book(&course),
        ["bench"] => bench::run(&course),
        ["gen-docs"] => {
            instructor_docs::write_page(&course)?;
            println!("wrote {}", instructor_docs::path(&course).display());
            Ok(ExitCode::SUCCESS)
        }
        ["prepare"] => prepare(&course),
        ["test-all"] => test_all(&course),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("I don't know `{}`.\n\n{USAGE}", words.join(" "))),
    }
}

fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn check_book(course: &Course) -> Result<ExitCode, String> {
    let problems = book_check::run(course)?;
    for problem in &problems {
        println!("✗ {problem}");
    }
    if problems.is_empty() {
        println!(
            "✓ the book builds clean: no mdBook errors or warnings, no empty code blocks, no broken links or anchors, every \"Your turn\" names a real exercise"
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("check-book: {} problems", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

/// Everything a workshop needs, fetched and built in advance.
fn prepare(course: &Course) -> Result<ExitCode, String> {
    let root = course.root.as_path();
    println!("== fetching every dependency");
    let fetched = cargo::run_in(root, &["fetch"]);
    println!("== building every exercise, solution and tool (tests included)");
    let built = fetched && cargo::run_in(root, &["test", "--workspace", "--no-run", "--quiet"]);
    println!("== mdBook {}", tools::MDBOOK_VERSION);
    let mdbook = tools::mdbook(root)?;
    let book = std::process::Command::new(&mdbook)
        .arg("build")
        .arg(root)
        .output()
        .is_ok_and(|o| o.status.success());
    let ready = fetched && built && book;
    if ready {
        println!(
            "\nReady: the exercises, their tests, `cargo lab` and the book now work without a network."
        );
    } else {
        println!(
            "\nNot ready: see the errors above (fetched: {fetched}, built: {built}, book: {book})."
        );
    }
    Ok(exit(ready))
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

//! `cargo lab`: the binary. It parses the command line (see `cli`) and
//! calls the library; every error is printed with its context and ends the
//! run with exit code 2.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use lab::cli::{ClassCommand, Cli, Command, WrongFixCommand, command_list, with_command_list};
use lab::course::{self, Course};
use lab::files::{read, write_if_changed};
use lab::suite::exit;
use lab::{
    bench, book_server, check_quizzes, class_report, edition, instructor_docs, learner, mutants,
    scaffold, suite, timeline_figures, verify, watch, wrong_fix_edit,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("cargo lab: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn run(command: Option<Command>) -> Result<ExitCode> {
    let course = Course::load(&course::root())?;
    let course = &course;
    Ok(match command {
        None => watch::run(course, false)?,
        Some(Command::Watch) => watch::run(course, true)?,
        Some(Command::Start) => {
            // Without a terminal (a script, CI) `start` tests once and ends:
            // a book nobody can read would only start an install that the
            // exit leaves behind.
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                println!("(No terminal: the book is not served; `cargo lab book` serves it.)\n");
                return watch::run(course, false);
            }
            // The first exercise's result comes first: the book (and, the
            // first time, mdBook's install) is prepared on a thread of its
            // own and says where it is when it is ready. If the learner quits
            // before the install is done, `cargo install` goes on by itself
            // and finishes (it is a process of its own): the next start finds
            // mdBook ready.
            let for_the_book = course.clone();
            std::thread::spawn(move || {
                match book_server::start(&for_the_book, &book_server::Options::opened()) {
                    // The server lives as long as the process: `cargo lab`
                    // ends when the learner quits the watch loop.
                    Ok(_server) => loop {
                        std::thread::park();
                    },
                    Err(error) => println!("(The book is not served: {error:#})"),
                }
            });
            watch::run(course, false)?
        }
        Some(Command::List) => {
            learner::list(course, None)?;
            ExitCode::SUCCESS
        }
        Some(Command::Check { name }) => exit(learner::check(course, course.find(&name)?)?),
        Some(Command::Hint { name }) => {
            learner::hint(course, course.find(&name)?)?;
            ExitCode::SUCCESS
        }
        Some(Command::Reset { name }) => {
            learner::reset(course, course.find(&name)?)?;
            ExitCode::SUCCESS
        }
        Some(Command::Book { open, port }) => {
            book_server::run(course, &book_server::Options { port, open })?
        }
        Some(Command::Prepare) => suite::prepare(course)?,
        Some(Command::Verify { repeat, only }) => verify::run(
            course,
            &verify::Options {
                repeat: usize::from(repeat),
                only,
            },
        )?,
        Some(Command::CheckBook) => suite::check_book(course)?,
        Some(Command::CheckQuizzes) => check_quizzes::run(course)?,
        Some(Command::New { dir, chapter, http }) => {
            scaffold::create(
                course,
                &scaffold::NewExercise {
                    dir: &dir,
                    chapter: &chapter,
                    http,
                },
            )?;
            ExitCode::SUCCESS
        }
        Some(Command::WrongFix(WrongFixCommand::Edit {
            exercise,
            name,
            base,
            fresh,
        })) => {
            wrong_fix_edit::edit(course, course.find(&exercise)?, &name, base, fresh)?;
            ExitCode::SUCCESS
        }
        Some(Command::WrongFix(WrongFixCommand::Save {
            exercise,
            name,
            mistake,
            rejected_by,
            hangs,
            no_hangs,
        })) => {
            let options = wrong_fix_edit::SaveOptions {
                mistake,
                rejected_by,
                hangs: (hangs || no_hangs).then_some(hangs),
            };
            wrong_fix_edit::save(course, course.find(&exercise)?, &name, options)?;
            ExitCode::SUCCESS
        }
        Some(Command::Mutants { only }) => mutants::run(course, only.as_deref())?,
        Some(Command::Bench) => bench::run(course)?,
        Some(Command::GenTimelines { check }) => timeline_figures::run(course, check)?,
        Some(Command::GenDocs) => {
            instructor_docs::write_page(course)?;
            println!("wrote {}", instructor_docs::path(course).display());
            learner::write_shipped_starters(course)?;
            println!("wrote the shipped starters in tooling/lab/starters/ (what `reset` restores)");
            let parts = lab::quiz_key::write_pages(&course.root)?;
            println!(
                "wrote {parts} quiz page parts in src/includes/ (from quizzes/questions.toml)"
            );
            let readme = course.root.join("README.md");
            let text = read(&readme)?;
            let updated = with_command_list(&text, &command_list())
                .ok_or_else(|| anyhow::anyhow!("README.md has no command-list anchors"))?;
            write_if_changed(&readme, updated)?;
            println!("wrote the command list in {}", readme.display());
            ExitCode::SUCCESS
        }
        Some(Command::StudentEdition { dir }) => {
            edition::write_edition(course, &dir)?;
            ExitCode::SUCCESS
        }
        Some(Command::TestAll) => suite::test_all(course)?,
        Some(Command::Class(ClassCommand::Join { url, code, name })) => {
            class_report::join(&course.root, &url, &code, &name)?;
            ExitCode::SUCCESS
        }
        Some(Command::Class(ClassCommand::Leave)) => {
            class_report::leave(&course.root)?;
            ExitCode::SUCCESS
        }
        Some(Command::Class(ClassCommand::Serve { port, bind, db })) => {
            let mut args = vec![
                "serve".into(),
                format!("--port={port}"),
                format!("--bind={bind}"),
            ];
            // The server runs at the course root: paths are made absolute
            // here, so they mean what they meant where they were typed.
            args.extend(db.map(|db| format!("--db={}", absolute(&db).display())));
            class_report::run_server(&course.root, &args)?
        }
        Some(Command::Class(ClassCommand::Export { out, db })) => {
            let mut args = vec!["export".to_owned()];
            args.extend(out.map(|out| format!("--out={}", absolute(&out).display())));
            args.extend(db.map(|db| format!("--db={}", absolute(&db).display())));
            class_report::run_server(&course.root, &args)?
        }
    })
}

//! `cargo lab` with no arguments: where a learner starts, and stays.
//!
//! It shows the progress, tests the current exercise (the first one not
//! solved yet), then watches that exercise's files: every save re-runs the
//! tests. Keys: `h` hint, `l` list, `n` next exercise (once solved), `r`
//! re-run, `q` quit.
//!
//! Without a terminal on stdin it tests once and exits, which is what
//! scripts and CI see. `cargo lab watch` forces the loop even without a
//! terminal and then reads its keys as lines from stdin, so the loop itself
//! can be tested.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};

use anyhow::{Context, Result};

use crate::course::{Course, Exercise};
use crate::files::fingerprint;
use crate::learner;
use crate::progress::Progress;

/// Saves closer together than this count as one change (editors often write
/// a file in several steps).
const DEBOUNCE: Duration = Duration::from_millis(250);

enum Input {
    /// A source file of the current exercise changed.
    Changed,
    Key(char),
    /// stdin closed, or Ctrl+C.
    Quit,
}

pub fn run(course: &Course, force_loop: bool) -> Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal();
    let progress = Progress::load(&course.root)?;
    println!("{}\n", learner::progress_line(course, &progress));
    let mut exercise = learner::current(course, &progress);
    let mut seen = fingerprint(&[source_dir(course, exercise)]);
    let mut solved = learner::check(course, exercise)?;
    if !interactive && !force_loop {
        return Ok(if solved {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }

    let (inputs, received) = mpsc::channel();
    let changes = inputs.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, move |result: DebounceEventResult| {
        let touches_rust = result.is_ok_and(|events| {
            events
                .iter()
                .any(|e| e.path.extension().is_some_and(|ext| ext == "rs"))
        });
        if touches_rust {
            let _ = changes.send(Input::Changed);
        }
    })
    .context("cannot watch files")?;
    let mut watched = source_dir(course, exercise);
    debouncer
        .watcher()
        .watch(&watched, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", watched.display()))?;
    spawn_key_reader(inputs, interactive);

    loop {
        print_keys(exercise, solved);
        let input = next_input(&received, interactive);
        match input {
            Input::Quit | Input::Key('q') => break,
            Input::Changed => {
                // Watchers also see files being read (by the compiler): act
                // only when something was really written.
                let now = fingerprint(&[source_dir(course, exercise)]);
                if now == seen {
                    continue;
                }
                seen = now;
                solved = learner::check(course, exercise)?;
            }
            Input::Key('r') => solved = learner::check(course, exercise)?,
            Input::Key('h') => learner::hint(course, exercise)?,
            Input::Key('l') => learner::list(course, Some(&exercise.name))?,
            Input::Key('n') if solved => match course.after(exercise) {
                Some(next) => {
                    exercise = next;
                    let _ = debouncer.watcher().unwatch(&watched);
                    watched = source_dir(course, exercise);
                    debouncer
                        .watcher()
                        .watch(&watched, RecursiveMode::Recursive)
                        .with_context(|| format!("cannot watch {}", watched.display()))?;
                    println!(
                        "\nOn to `{}`: read src/{}, then edit exercises/{}/src/lib.rs.\n",
                        exercise.name, exercise.chapter, exercise.dir
                    );
                    seen = fingerprint(&[source_dir(course, exercise)]);
                    solved = learner::check(course, exercise)?;
                }
                None => println!("That was the last exercise."),
            },
            Input::Key('n') => println!("Solve `{}` first: its tests must pass.", exercise.name),
            Input::Key(_) => {}
        }
    }
    println!("Bye. `cargo lab` picks up where you left off.");
    Ok(ExitCode::SUCCESS)
}

fn source_dir(course: &Course, exercise: &Exercise) -> PathBuf {
    exercise.starter_dir(&course.root).join("src")
}

fn print_keys(exercise: &Exercise, solved: bool) {
    let next = if solved { "n next exercise · " } else { "" };
    println!(
        "\nWatching exercises/{}/src: save a file to re-test. Keys: h hint · l list · {next}r re-run · q quit",
        exercise.dir
    );
}

/// Waits for the next input. On a terminal, keys arrive raw (no Enter
/// needed) while we wait, and the terminal is back to normal while we print.
fn next_input(received: &mpsc::Receiver<Input>, interactive: bool) -> Input {
    if interactive {
        let _ = terminal::enable_raw_mode();
    }
    let input = received.recv().unwrap_or(Input::Quit);
    if interactive {
        let _ = terminal::disable_raw_mode();
    }
    input
}

fn spawn_key_reader(inputs: Sender<Input>, interactive: bool) {
    thread::spawn(move || {
        if interactive {
            while let Ok(event) = event::read() {
                let Event::Key(key) = event else { continue };
                if key.kind != KeyEventKind::Press {
                    continue;
                }
                let input = match key.code {
                    KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        Input::Quit
                    }
                    KeyCode::Char(c) => Input::Key(c.to_ascii_lowercase()),
                    KeyCode::Enter => Input::Key('r'),
                    _ => continue,
                };
                if inputs.send(input).is_err() {
                    return;
                }
            }
        } else {
            // Without a terminal, each line of stdin is a key.
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if let Some(c) = line.trim().chars().next() {
                    if inputs.send(Input::Key(c)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = inputs.send(Input::Quit);
    });
}

//! `cargo lab gen-timelines [--check]`: the chapters' timeline figures, drawn
//! from real runs so that they cannot drift from the code.
//!
//! For each exercise it runs the starter's and the reference solution's
//! tests with every lesson recording its timeline (passing ones too), keeps
//! the runs on the paused clock (the same on every run; a real-clock run
//! would differ each time), and writes:
//!
//! - `src/timelines/NAME.json`: the solution's timeline of each test (the
//!   served book draws it beside the learner's run as "expected"), and the
//!   starter's of the test the figure shows;
//! - `src/images/timelines/NAME.svg`: the figure, the starter above the
//!   solution, for the test where they part most clearly.
//!
//! `--check` writes nothing: it draws everything again and fails, naming the
//! files, when one differs from what is committed (CI runs it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cargo;
use crate::course::{Course, Exercise};
use crate::files::write_if_changed;
use crate::runs::{self, TestTimeline};
use crate::timeline_svg::{self, Panel};
use crate::verify::target_dir;

/// `src/timelines/NAME.json`.
#[derive(Debug, Deserialize, Serialize)]
pub struct Reference {
    pub exercise: String,
    /// The test the chapter's figure shows, if one fits.
    pub figure: Option<String>,
    /// The reference solution's timeline of each test that has one.
    pub solution: BTreeMap<String, TestTimeline>,
    /// The starter's timeline of the figure's test.
    pub starter: BTreeMap<String, TestTimeline>,
}

pub fn json_path(root: &Path, exercise: &str) -> PathBuf {
    root.join("src/timelines").join(format!("{exercise}.json"))
}

pub fn svg_path(root: &Path, exercise: &str) -> PathBuf {
    root.join("src/images/timelines")
        .join(format!("{exercise}.svg"))
}

pub fn run(course: &Course, check: bool) -> Result<ExitCode> {
    let root = &course.root;
    println!("gen-timelines: building the starters' and solutions' tests ...");
    let build = cargo::build_tests(&root.join("Cargo.toml"), &target_dir(root))?;
    let mut stale = Vec::new();
    let mut problems = Vec::new();
    let mut drawn = 0;
    for exercise in &course.exercises {
        let starter = record(
            root,
            &build,
            exercise,
            "starter",
            &exercise.starter_dir(root),
        )?;
        let solution = record(
            root,
            &build,
            exercise,
            "solution",
            &exercise.solution_dir(root),
        )?;
        let reference = reference(exercise, starter, solution);
        let mut files = vec![(
            json_path(root, &exercise.name),
            serde_json::to_string_pretty(&reference)? + "\n",
        )];
        let svg = svg_path(root, &exercise.name);
        match draw(exercise, &reference) {
            Some(figure) => {
                files.push((svg.clone(), figure));
                drawn += 1;
            }
            // A figure whose test no longer tells the story goes.
            None if svg.exists() => {
                if check {
                    stale.push(svg.clone());
                } else {
                    fs_err::remove_file(&svg)?;
                }
            }
            None => {}
        }
        if let Some(problem) = chapter_problem(root, exercise, &reference)? {
            problems.push(problem);
        }
        for (path, text) in files {
            if check {
                if fs_err::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                    stale.push(path);
                }
            } else {
                write_if_changed(&path, &text)?;
            }
        }
    }
    let shown = |path: &PathBuf| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    for problem in &problems {
        println!("gen-timelines: {problem}");
    }
    if !stale.is_empty() {
        println!(
            "gen-timelines: {} file(s) no longer match what the code does:\n  {}\n\
             Run `cargo lab gen-timelines` and commit the result.",
            stale.len(),
            stale.iter().map(shown).collect::<Vec<_>>().join("\n  ")
        );
        return Ok(ExitCode::FAILURE);
    }
    if !problems.is_empty() {
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "gen-timelines: {} exercises, {drawn} figures{}",
        course.exercises.len(),
        if check {
            ", all up to date"
        } else {
            " written"
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs one crate's tests with every lesson recording; its paused-clock
/// timelines by test.
fn record(
    root: &Path,
    build: &cargo::Build,
    exercise: &Exercise,
    variant: &str,
    dir: &Path,
) -> Result<BTreeMap<String, TestTimeline>> {
    let binary = build.binaries.get(dir).with_context(|| {
        format!(
            "the {variant} of `{}` did not build:\n{}",
            exercise.name,
            build.errors.get(dir).map_or("", String::as_str)
        )
    })?;
    let runs_dir = root
        .join("target/lab/timelines")
        .join(&exercise.dir)
        .join(variant);
    if runs_dir.exists() {
        fs_err::remove_dir_all(&runs_dir)?;
    }
    fs_err::create_dir_all(&runs_dir)?;
    cargo::run_binary_recording(binary, dir, &runs_dir)?;
    Ok(runs::read_dir(&runs_dir)
        .into_iter()
        .filter(|(_, timeline)| timeline.clock == "paused")
        .map(|(test, mut timeline)| {
            // The HTTP exercises' servers listen on a port the OS picks: the
            // only part of their runs that differs from one run to the next.
            timeline.story = without_ports(&timeline.story);
            for event in &mut timeline.events {
                event.what = without_ports(&event.what);
            }
            (test, timeline)
        })
        .collect())
}

/// `127.0.0.1:44199` becomes `127.0.0.1:PORT`.
fn without_ports(text: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find(HOST) {
        let after = &rest[found + HOST.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&rest[..found + HOST.len()]);
        out.push_str(if digits > 0 { "PORT" } else { "" });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Picks the figure's test: one the starter fails and the solution passes,
/// stopped at the same instant in both (the same story, two endings),
/// preferring the one where the starter's work runs on longest after it.
fn reference(
    exercise: &Exercise,
    mut starter: BTreeMap<String, TestTimeline>,
    solution: BTreeMap<String, TestTimeline>,
) -> Reference {
    let figure = starter
        .iter()
        .filter(|(_, run)| run.failed)
        .filter_map(|(test, run)| {
            let reference = solution.get(test)?;
            // Cancelled at the same instant in both, or (with no cancel in
            // either) ended at the same instant.
            let same_stop = match (run.cancel_at, reference.cancel_at) {
                (Some(a), Some(b)) => a == b,
                (None, None) => run.ended_at.is_some() && run.ended_at == reference.ended_at,
                _ => false,
            };
            let fits = same_stop && !reference.failed && !reference.events.is_empty();
            fits.then_some((test, run.late_events()))
        })
        .max_by_key(|(test, late)| (*late, std::cmp::Reverse((*test).clone())))
        .filter(|(_, late)| *late > 0)
        .map(|(test, _)| test.clone());
    starter.retain(|test, _| Some(test) == figure.as_ref());
    Reference {
        exercise: exercise.name.clone(),
        figure,
        solution,
        starter,
    }
}

/// A chapter shows its exercise's figure, naming the test it draws, exactly
/// when there is one (a figure nobody shows, or a page showing one that is
/// gone, is a mistake).
fn chapter_problem(
    root: &Path,
    exercise: &Exercise,
    reference: &Reference,
) -> Result<Option<String>> {
    let page = fs_err::read_to_string(root.join("src").join(&exercise.chapter))?;
    let image = format!("images/timelines/{}.svg", exercise.name);
    Ok(match (&reference.figure, page.contains(&image)) {
        (Some(test), true) if !page.contains(test.as_str()) => Some(format!(
            "src/{} shows {image} but does not name the test it draws, {test}",
            exercise.chapter
        )),
        (Some(test), false) => Some(format!(
            "src/{} does not show {image} (the test {test}, drawn from real runs): add it to the chapter",
            exercise.chapter
        )),
        (None, true) => Some(format!(
            "src/{} shows {image}, but no test of `{}` draws a figure any more: remove it",
            exercise.chapter, exercise.name
        )),
        _ => None,
    })
}

fn draw(exercise: &Exercise, reference: &Reference) -> Option<String> {
    let test = reference.figure.as_ref()?;
    let (starter, solution) = (reference.starter.get(test)?, reference.solution.get(test)?);
    let caption = format!(
        "Exercise {}, test {test}: the starter (above) and the reference solution (below), in virtual time. {}",
        exercise.name, starter.story
    );
    Some(timeline_svg::figure(
        &caption,
        &[
            Panel {
                title: "The starter: work goes on after the stop (red)",
                run: starter,
            },
            Panel {
                title: "The reference solution",
                run: solution,
            },
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(failed: bool, cancel_at: Option<f64>, events: &[(f64, &str)]) -> TestTimeline {
        TestTimeline {
            test: String::new(),
            failed,
            clock: "paused".into(),
            story: String::new(),
            question: None,
            chapter: String::new(),
            end: 100.0,
            cancel_at,
            ended_at: None,
            events: events
                .iter()
                .map(|(at, lane)| crate::runs::Event {
                    at: *at,
                    lane: (*lane).into(),
                    what: String::new(),
                    cancel: *lane == "caller",
                })
                .collect(),
        }
    }

    #[test]
    fn the_figure_is_the_same_story_with_the_most_work_after_the_stop() {
        let exercise = Exercise::for_tests("why", "01_why", "why.md");
        let cancelled = [(5.0, "caller"), (1.0, "step")];
        let starter = BTreeMap::from([
            // Late work, but the solution's run stopped at another instant
            // (a sweep's last point): not the same story.
            (
                "sweep".to_owned(),
                run(
                    true,
                    Some(0.0),
                    &[(0.0, "caller"), (9.0, "step"), (10.0, "step")],
                ),
            ),
            (
                "one_late".to_owned(),
                run(true, Some(5.0), &[(5.0, "caller"), (6.0, "step")]),
            ),
            (
                "two_late".to_owned(),
                run(
                    true,
                    Some(5.0),
                    &[(5.0, "caller"), (6.0, "step"), (7.0, "step")],
                ),
            ),
            // Passes on the starter: nothing to show.
            (
                "passes".to_owned(),
                run(
                    false,
                    Some(5.0),
                    &[(5.0, "caller"), (6.0, "step"), (7.0, "step"), (8.0, "step")],
                ),
            ),
        ]);
        let solution: BTreeMap<_, _> = ["sweep", "one_late", "two_late", "passes"]
            .into_iter()
            .map(|test| {
                let at = if test == "sweep" { 3.0 } else { 5.0 };
                (test.to_owned(), run(false, Some(at), &cancelled))
            })
            .collect();
        let reference = reference(&exercise, starter, solution);
        assert_eq!(reference.figure.as_deref(), Some("two_late"));
        assert_eq!(reference.starter.keys().collect::<Vec<_>>(), ["two_late"]);
        assert_eq!(
            reference.solution.len(),
            4,
            "every expected run is kept for the book"
        );
    }

    #[test]
    fn loopback_ports_are_hidden() {
        assert_eq!(
            without_ports("GET http://127.0.0.1:44199/report, then 127.0.0.1:1 and 127.0.0.1:"),
            "GET http://127.0.0.1:PORT/report, then 127.0.0.1:PORT and 127.0.0.1:"
        );
    }
}

//! The learner's latest run of an exercise, as timelines: what the served
//! book draws in the chapter's "Your turn" box.
//!
//! test-support writes one JSON file per failing lesson into the folder named
//! by `LAB_RUNS_DIR` (see `tooling/test-support/src/runs.rs`). `check` (and so
//! watch mode) gives each run a fresh folder, and afterwards gathers the
//! failing tests' files into one `.lab/runs/NAME.json`. Files that cannot be
//! read (a test killed in the middle of nothing: the writer renames a
//! finished file into place, so this should not happen) are skipped, never
//! fatal: a diagram must not cost the learner a verdict.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::cargo::TestRun;
use crate::course::Exercise;
use crate::files::write;

/// One lesson's timeline, as test-support writes it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct TestTimeline {
    pub test: String,
    pub failed: bool,
    /// "paused" (virtual time: the same on every run) or "real".
    pub clock: String,
    pub story: String,
    pub question: Option<String>,
    pub chapter: String,
    /// Seconds since the timeline started when the lesson read it.
    pub end: f64,
    /// When the cancel happened (the first event marked as the cancel).
    pub cancel_at: Option<f64>,
    /// When the operation under test ended, where the test knows it.
    pub ended_at: Option<f64>,
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Event {
    pub at: f64,
    pub lane: String,
    pub what: String,
    pub cancel: bool,
}

impl TestTimeline {
    /// The instant after which work should have stopped: the cancel, or
    /// else the end of the operation.
    pub fn stop_at(&self) -> Option<f64> {
        self.cancel_at.or(self.ended_at)
    }

    /// The lane of the cancel event (the caller's): its later events are not
    /// work that ran on.
    pub fn cancel_lane(&self) -> Option<&str> {
        self.events
            .iter()
            .find(|event| event.cancel)
            .map(|event| event.lane.as_str())
    }

    /// Work recorded after the stop, outside the caller's lane.
    pub fn late_events(&self) -> usize {
        let (Some(stop), lane) = (self.stop_at(), self.cancel_lane()) else {
            return 0;
        };
        self.events
            .iter()
            .filter(|event| event.at > stop && Some(event.lane.as_str()) != lane)
            .count()
    }
}

/// `.lab/runs/NAME.json`: the learner's latest `check` of one exercise.
#[derive(Debug, Deserialize, Serialize)]
pub struct LearnerRun {
    pub exercise: String,
    pub solved: bool,
    /// Seconds since 1970 when the run ended: the book redraws when it changes.
    pub finished_at: u64,
    pub failed_tests: Vec<String>,
    /// The failing tests that left a timeline, in the order libtest reported them.
    pub timelines: Vec<TestTimeline>,
}

/// Where the learner's latest run of `exercise` is kept.
pub fn learner_run_path(root: &Path, exercise: &str) -> PathBuf {
    root.join(".lab/runs").join(format!("{exercise}.json"))
}

/// A fresh, empty folder for the lessons of one run to write into.
pub fn fresh_dir(root: &Path, exercise: &Exercise) -> Result<PathBuf> {
    let dir = root.join(".lab/runs/incoming").join(&exercise.name);
    if dir.exists() {
        fs_err::remove_dir_all(&dir)?;
    }
    fs_err::create_dir_all(&dir)?;
    Ok(dir)
}

/// Reads every timeline in `dir`, by test name. Unreadable files are skipped.
pub fn read_dir(dir: &Path) -> BTreeMap<String, TestTimeline> {
    let mut found = BTreeMap::new();
    let Ok(entries) = fs_err::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let parsed = fs_err::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<TestTimeline>(&text).ok());
        if let Some(timeline) = parsed {
            found.insert(timeline.test.clone(), timeline);
        }
    }
    found
}

/// Gathers the run's failing timelines from `dir` into `.lab/runs/NAME.json`
/// and removes `dir`.
pub fn keep_latest(root: &Path, exercise: &Exercise, run: &TestRun, dir: &Path) -> Result<()> {
    let mut found = read_dir(dir);
    let timelines = run
        .failed_tests
        .iter()
        .filter_map(|test| found.remove(test))
        .filter(|timeline| timeline.failed)
        .collect();
    let latest = LearnerRun {
        exercise: exercise.name.clone(),
        solved: run.passed(),
        finished_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs()),
        failed_tests: run.failed_tests.clone(),
        timelines,
    };
    // Written whole to a side file, then renamed: the book server may be
    // reading the old one at this very moment.
    let path = learner_run_path(root, &exercise.name);
    let partial = path.with_extension("json.partial");
    write(&partial, &serde_json::to_string_pretty(&latest)?)?;
    fs_err::rename(&partial, &path)?;
    let _ = fs_err::remove_dir_all(dir);
    Ok(())
}

/// When each exercise's latest run ended, for the book's status poll.
pub fn finished_at(root: &Path, exercises: &[Exercise]) -> BTreeMap<String, u64> {
    exercises
        .iter()
        .filter_map(|exercise| {
            let text = fs_err::read_to_string(learner_run_path(root, &exercise.name)).ok()?;
            let run: LearnerRun = serde_json::from_str(&text).ok()?;
            Some((exercise.name.clone(), run.finished_at))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(test: &str, failed: bool) -> String {
        format!(
            r#"{{"test":"{test}","failed":{failed},"clock":"paused","story":"s","question":null,"chapter":"c","end":1,"cancel_at":null,"ended_at":null,"events":[]}}"#
        )
    }

    #[test]
    fn the_latest_run_keeps_the_failing_tests_timelines_only() {
        let root = std::env::temp_dir().join(format!("lab-runs-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&root);
        let exercise = Exercise::for_tests("why", "01_why", "why.md");
        let dir = fresh_dir(&root, &exercise).unwrap();
        write(&dir.join("fails.json"), timeline("fails", true)).unwrap();
        write(&dir.join("passes.json"), timeline("passes", false)).unwrap();
        write(&dir.join("half.json"), "{\"test\":\"half\",").unwrap();
        let run = TestRun {
            compiled: true,
            passed_tests: vec!["passes".into()],
            failed_tests: vec!["fails".into(), "half".into(), "no_timeline".into()],
            ..TestRun::default()
        };
        keep_latest(&root, &exercise, &run, &dir).unwrap();
        let kept: LearnerRun =
            serde_json::from_str(&fs_err::read_to_string(learner_run_path(&root, "why")).unwrap())
                .unwrap();
        assert!(!kept.solved);
        assert_eq!(kept.failed_tests, ["fails", "half", "no_timeline"]);
        let drawn: Vec<&str> = kept.timelines.iter().map(|t| t.test.as_str()).collect();
        assert_eq!(
            drawn,
            ["fails"],
            "a damaged file is skipped, a passing test is not drawn"
        );
        assert!(!dir.exists(), "the run's folder is cleared");
        assert_eq!(
            finished_at(&root, std::slice::from_ref(&exercise)).get("why"),
            Some(&kept.finished_at)
        );
        fs_err::remove_dir_all(root).unwrap();
    }
}

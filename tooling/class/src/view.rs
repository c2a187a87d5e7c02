//! The room at a glance, computed from the stored events: a row per
//! learner with their latest result on each exercise, who has been stuck
//! longest and on what, and for each exercise the failing test that most of
//! the room hits (the one worth explaining to everyone).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::store::{Learner, StoredEvent};

#[derive(Debug, Serialize)]
pub struct ClassView {
    pub exercises: Vec<String>,
    pub learners: Vec<LearnerRow>,
    /// Learners whose latest check failed, the longest stuck first.
    pub stuck: Vec<Stuck>,
    /// Per exercise, the failing test most learners currently hit.
    pub common_failures: Vec<CommonFailure>,
    pub events: usize,
}

#[derive(Debug, Serialize)]
pub struct LearnerRow {
    pub name: String,
    /// Exercise name to its latest result.
    pub exercises: BTreeMap<String, Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub solved: bool,
    pub failing: Vec<String>,
    pub hints: u32,
    pub seconds: u64,
    pub checks: u32,
}

#[derive(Debug, Serialize)]
pub struct Stuck {
    pub name: String,
    pub exercise: String,
    /// Since the learner's first failing check on it (the server's clock).
    pub stuck_seconds: i64,
    pub failing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CommonFailure {
    pub exercise: String,
    pub test: String,
    pub learners: usize,
    pub of: usize,
}

pub fn build(
    exercises: &[String],
    learners: &[Learner],
    events: &[StoredEvent],
    now: i64,
) -> ClassView {
    let mut cells: HashMap<(i64, &str), Cell> = HashMap::new();
    let mut latest: HashMap<i64, &StoredEvent> = HashMap::new();
    // When each learner's current failing streak on an exercise began.
    let mut failing_since: HashMap<(i64, &str), i64> = HashMap::new();
    for event in events {
        let key = (event.learner, event.exercise.as_str());
        let checks = cells.get(&key).map_or(0, |c| c.checks) + 1;
        cells.insert(
            key,
            Cell {
                solved: event.solved,
                failing: event.failing.clone(),
                hints: event.hints,
                seconds: event.seconds,
                checks,
            },
        );
        if event.solved {
            failing_since.remove(&key);
        } else {
            failing_since.entry(key).or_insert(event.received_at);
        }
        latest.insert(event.learner, event);
    }

    let names: HashMap<i64, &str> = learners.iter().map(|l| (l.id, l.name.as_str())).collect();
    let rows = learners
        .iter()
        .map(|learner| LearnerRow {
            name: learner.name.clone(),
            exercises: exercises
                .iter()
                .filter_map(|e| Some((e.clone(), cells.get(&(learner.id, e.as_str()))?.clone())))
                .collect(),
        })
        .collect();

    let mut stuck: Vec<Stuck> = latest
        .values()
        .filter(|e| !e.solved)
        .map(|e| Stuck {
            name: names.get(&e.learner).unwrap_or(&"?").to_string(),
            exercise: e.exercise.clone(),
            stuck_seconds: now - failing_since[&(e.learner, e.exercise.as_str())],
            failing: e.failing.clone(),
        })
        .collect();
    stuck.sort_by(|a, b| {
        b.stuck_seconds
            .cmp(&a.stuck_seconds)
            .then(a.name.cmp(&b.name))
    });

    let common_failures = exercises
        .iter()
        .filter_map(|exercise| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            let mut of = 0;
            for ((_, name), cell) in &cells {
                if *name != exercise || cell.solved {
                    continue;
                }
                of += 1;
                for test in &cell.failing {
                    *counts.entry(test).or_default() += 1;
                }
            }
            // The most hit; on a tie, the first by name, so the page is stable.
            let (test, learners) = counts.into_iter().fold(
                None,
                |best: Option<(&str, usize)>, (t, n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((t, n)),
                },
            )?;
            Some(CommonFailure {
                exercise: exercise.clone(),
                test: test.to_owned(),
                learners,
                of,
            })
        })
        .collect();

    ClassView {
        exercises: exercises.to_vec(),
        learners: rows,
        stuck,
        common_failures,
        events: events.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(learner: i64, exercise: &str, solved: bool, failing: &[&str], at: i64) -> StoredEvent {
        StoredEvent {
            learner,
            exercise: exercise.into(),
            solved,
            failing: failing.iter().map(|s| s.to_string()).collect(),
            hints: 0,
            seconds: 0,
            received_at: at,
        }
    }

    #[test]
    fn the_longest_stuck_comes_first_and_the_most_hit_test_is_named() {
        let exercises = vec!["why".to_string(), "select".to_string()];
        let learners = vec![
            Learner {
                id: 1,
                name: "Ada".into(),
            },
            Learner {
                id: 2,
                name: "Bo".into(),
            },
            Learner {
                id: 3,
                name: "Cy".into(),
            },
        ];
        let events = vec![
            event(1, "why", false, &["a", "b"], 100),
            event(2, "why", false, &["b"], 150),
            event(1, "why", false, &["b"], 160),
            event(3, "why", false, &["a"], 170),
            event(3, "why", true, &[], 180),
            event(3, "select", false, &["c"], 190),
        ];
        let view = build(&exercises, &learners, &events, 200);
        let stuck: Vec<_> = view
            .stuck
            .iter()
            .map(|s| (s.name.as_str(), s.stuck_seconds))
            .collect();
        // Ada's streak began at 100 (her second failure does not restart it).
        assert_eq!(stuck, [("Ada", 100), ("Bo", 50), ("Cy", 10)]);
        let why = &view.common_failures[0];
        // Cy solved `why`: only Ada and Bo count, and both fail `b`.
        assert_eq!(
            (
                why.exercise.as_str(),
                why.test.as_str(),
                why.learners,
                why.of
            ),
            ("why", "b", 2, 2)
        );
        assert_eq!(view.learners[0].exercises["why"].checks, 2);
        assert!(view.learners[2].exercises["why"].solved);
        assert_eq!(view.events, 6);
    }
}

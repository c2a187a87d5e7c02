//! What travels between a learner's `cargo lab` and the server, and the
//! limits a report must keep. The runner has its own copy of these shapes
//! (it must not depend on this crate); the integration tests send through
//! the runner's client, so the two cannot drift apart unnoticed.

use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_EVENTS_PER_REPORT: usize = 100;
pub const MAX_FAILING_TESTS: usize = 50;
pub const MAX_TEST_NAME_CHARS: usize = 200;
pub const MAX_ID_CHARS: usize = 64;
/// Larger bodies are refused (413) before they are read to the end.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Joined {
    pub token: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub token: String,
    pub events: Vec<Event>,
}

/// One check's result. Nothing of the learner's code is in it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Unique per learner; a re-sent event carries the same id.
    pub id: String,
    pub exercise: String,
    pub solved: bool,
    /// The failing tests' names.
    pub failing: Vec<String>,
    pub hints: u32,
    /// Seconds since the learner first checked this exercise.
    pub seconds: u64,
    /// When the check ran, seconds since 1970 (the learner's clock).
    pub at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Acked {
    pub acked: Vec<String>,
}

/// Why a name is refused, or `None` if it is fine. Markup is not refused
/// (`O'Brien <ob>` is a fine name): the page shows every name as text.
pub fn name_problem(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some(format!(
            "the name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Some("the name holds control characters (a newline, a tab...)".into());
    }
    None
}

/// Why an event is refused (its exercise is unknown, a field is too long).
pub fn event_problem(event: &Event, exercises: &[String]) -> Option<String> {
    if event.id.is_empty() || event.id.chars().count() > MAX_ID_CHARS {
        return Some(format!(
            "an event id must have 1 to {MAX_ID_CHARS} characters"
        ));
    }
    if !exercises.contains(&event.exercise) {
        return Some(format!(
            "`{}` is not an exercise of this course",
            event.exercise
        ));
    }
    if event.failing.len() > MAX_FAILING_TESTS {
        return Some(format!(
            "more than {MAX_FAILING_TESTS} failing tests in one event"
        ));
    }
    if event
        .failing
        .iter()
        .any(|t| t.chars().count() > MAX_TEST_NAME_CHARS)
    {
        return Some(format!(
            "a test name is longer than {MAX_TEST_NAME_CHARS} characters"
        ));
    }
    None
}

//! Failure messages that teach.
//!
//! A bare `assert_eq!(steps, 5)` tells a learner that 35 is not 5. A lesson
//! tells them what happened ("cancel at t=5s, but the report ran until
//! t=35s"), asks the question that leads to the fix ("is the work spawned and
//! detached?"), shows the timeline and names the section of the book to read.

use std::cell::Cell;
use std::panic::PanicHookInfo;
use std::sync::Once;
use std::time::Duration;

use crate::Timeline;
use crate::runs::{self, Run};

/// A teaching expectation: build it with what went wrong, then `check` it.
#[must_use = "a lesson does nothing until `check` is called"]
pub struct Lesson {
    chapter: &'static str,
    story: String,
    question: Option<String>,
    /// The timeline to show, and when it was handed over. Rendered (and
    /// saved for the learner's diagram, see `runs`) only when the lesson is
    /// checked: a passing lesson, the common case, costs a clone of an `Arc`.
    timeline: Option<(Timeline, Duration)>,
    ended_at: Option<Duration>,
}

impl Lesson {
    /// `chapter` names the book page and section to read again, e.g.
    /// `"Why cancel? > Dropping is cancelling (src/why.md)"`.
    pub fn new(chapter: &'static str, story: impl Into<String>) -> Self {
        Lesson {
            chapter,
            story: story.into(),
            question: None,
            timeline: None,
            ended_at: None,
        }
    }

    /// The question that points the learner at the fix.
    pub fn ask(mut self, question: impl Into<String>) -> Self {
        self.question = Some(question.into());
        self
    }

    /// Shows the timeline in the failure message.
    pub fn timeline(mut self, timeline: &Timeline) -> Self {
        self.timeline = Some((timeline.clone(), timeline.now()));
        self
    }

    /// When the operation under test ended (returned, or was dropped): the
    /// diagram highlights the work recorded after it.
    pub fn ended_at(mut self, instant: Duration) -> Self {
        self.ended_at = Some(instant);
        self
    }

    /// Fails the test with the lesson unless `ok` holds.
    #[track_caller]
    pub fn check(self, ok: bool) {
        if ok {
            self.save(false);
        } else {
            self.fail()
        }
    }

    /// Fails the test with the lesson.
    #[track_caller]
    pub fn fail(self) -> ! {
        self.save(true);
        fail_quietly(self.message())
    }

    /// Leaves the timeline for `cargo lab` when it asked for one.
    fn save(&self, failed: bool) {
        let Some((timeline, now)) = &self.timeline else {
            return;
        };
        let events = timeline.events();
        runs::save(&Run {
            failed,
            story: &self.story,
            question: self.question.as_deref(),
            chapter: self.chapter,
            events: &events,
            now: *now,
            ended_at: self.ended_at,
        });
    }

    fn message(&self) -> String {
        let mut text = format!("\n\n  {}", self.story);
        if let Some(question) = &self.question {
            text.push_str(&format!("\n  {question}"));
        }
        if let Some((timeline, _)) = &self.timeline {
            text.push_str("\n\n  What happened (virtual time):\n");
            text.push_str(&timeline.render());
        } else {
            text.push('\n');
        }
        text.push_str(&format!("\n  Read again: {}\n", self.chapter));
        text
    }
}

thread_local! {
    /// Set just before a lesson (or the watchdog) fails a test, so that the
    /// panic hook knows this panic is a message, not a bug.
    static TEACHING: Cell<bool> = const { Cell::new(false) };
}

/// Fails the test with `message` alone: no "panicked at" line pointing into
/// test-support, and no backtrace of tokio's internals even when
/// `RUST_BACKTRACE=1` is set (as it often is on learners' machines). A
/// panic anywhere else (a bug in the learner's code, an `unwrap`) still
/// goes to the usual hook, with its location and backtrace.
pub fn fail_quietly(message: String) -> ! {
    install_hook();
    TEACHING.with(|teaching| teaching.set(true));
    // The payload stays a String: `#[should_panic(expected = ..)]` and
    // `catch_unwind(..).downcast::<String>()` work as before.
    std::panic::panic_any(message)
}

/// Installs the hook (once per process) that prints a lesson's message as it
/// is, and hands every other panic to the hook that was there before.
pub fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let usual = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if TEACHING.with(|teaching| teaching.replace(false)) {
                let message = info
                    .payload()
                    .downcast_ref::<String>()
                    .map_or("(a lesson without words)", String::as_str);
                // Goes through the test harness's output capture, like the
                // usual hook's output, so `cargo test` shows it under the
                // failing test's name.
                eprintln!("{message}");
            } else {
                usual(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_true_lesson_passes() {
        Lesson::new("src/why.md", "fine").check(true);
    }

    #[test]
    fn the_message_tells_the_story_and_names_the_chapter() {
        let lesson = Lesson::new(
            "Why cancel? (src/why.md)",
            "cancel at t=5s, but 35 steps ran",
        )
        .ask("is the work spawned and detached?");
        let message = lesson.message();
        assert!(message.contains("cancel at t=5s, but 35 steps ran"));
        assert!(message.contains("is the work spawned and detached?"));
        assert!(message.contains("Read again: Why cancel? (src/why.md)"));
    }

    #[test]
    #[should_panic(expected = "Read again: src/why.md")]
    fn a_false_lesson_fails_the_test() {
        Lesson::new("src/why.md", "wrong").check(false);
    }
}

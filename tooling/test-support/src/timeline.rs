//! A record of what happened when, in virtual time.
//!
//! Under a paused clock, `tokio::time::Instant::now()` is the virtual instant,
//! so "the report ran until t=35s" is exact and the same on every run. The
//! exercises' code reports its progress through plain callbacks or counters;
//! the tests forward those into a `Timeline`, and a failure prints it.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// One thing that happened, and when (time since the timeline started).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: Duration,
    pub what: String,
    /// Who did it: the lane the book draws it in ("caller", "step",
    /// "server"). Named by `record_in`, or else the event's first word.
    pub lane: String,
    /// This event is the cancel (a drop, a cancelled token, a closed
    /// connection): the book marks it, and highlights the work after it.
    pub cancel: bool,
}

/// A shared, cloneable list of events. Clones record into the same list.
#[derive(Clone, Debug)]
pub struct Timeline {
    origin: Instant,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Timeline {
    /// Starts a timeline at the current (virtual) instant: t=0s.
    pub fn start() -> Self {
        Timeline {
            origin: Instant::now(),
            events: Arc::default(),
        }
    }

    /// Time since the timeline started.
    pub fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Records an event at the current instant, in the lane named by its
    /// first word ("step 3 done" goes in the lane "step").
    pub fn record(&self, what: impl Into<String>) {
        let what = what.into();
        let lane = lane_of(&what);
        self.push(lane, what, false);
    }

    /// Records an event in a lane of its own choosing.
    pub fn record_in(&self, lane: &str, what: impl Into<String>) {
        self.push(lane.to_owned(), what.into(), false);
    }

    /// Records the cancel itself ("caller drops the report"): the moment after
    /// which the work should stop. Counted and searched like any event.
    pub fn record_cancel(&self, what: impl Into<String>) {
        let what = what.into();
        let lane = lane_of(&what);
        self.push(lane, what, true);
    }

    fn push(&self, lane: String, what: String, cancel: bool) {
        let event = Event {
            at: self.now(),
            what,
            lane,
            cancel,
        };
        self.events.lock().unwrap().push(event);
    }

    /// Every event so far, in the order they were recorded.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// How many events start with `prefix` (e.g. `count("step")`).
    pub fn count(&self, prefix: &str) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|event| event.what.starts_with(prefix))
            .count()
    }

    /// When the last event starting with `prefix` happened.
    pub fn last(&self, prefix: &str) -> Option<Duration> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|event| event.what.starts_with(prefix))
            .map(|event| event.at)
    }

    /// Events strictly after `instant` whose text starts with `prefix`, in
    /// order: what happened after a cancel that should have stopped it.
    pub fn after(&self, instant: Duration, prefix: &str) -> Vec<Event> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|event| event.at > instant && event.what.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The timeline as indented lines, long runs of similar events shortened
    /// to their first and last few, ready to go into a failure message.
    pub fn render(&self) -> String {
        const KEEP: usize = 4;
        let events = self.events();
        // One column for the times, as wide as the widest (`t=10.25s`), so
        // that every event starts in the same place.
        let width = events
            .iter()
            .map(|event| at(event.at).len())
            .max()
            .unwrap_or(0)
            .max(7);
        let line = |out: &mut String, event: &Event| {
            let _ = writeln!(out, "    {:>width$}  {}", at(event.at), event.what);
        };
        let mut out = String::new();
        let mut index = 0;
        while index < events.len() {
            // A run of events that share their first word, e.g. "step 1".."step 35".
            let word = first_word(&events[index].what);
            let run = events[index..]
                .iter()
                .take_while(|event| first_word(&event.what) == word)
                .count();
            if run > 2 * KEEP + 1 {
                for event in &events[index..index + KEEP] {
                    line(&mut out, event);
                }
                let _ = writeln!(out, "    {:>width$}  ... {} more ...", "", run - 2 * KEEP);
                for event in &events[index + run - KEEP..index + run] {
                    line(&mut out, event);
                }
            } else {
                for event in &events[index..index + run] {
                    line(&mut out, event);
                }
            }
            index += run;
        }
        if out.is_empty() {
            out.push_str("    (nothing was recorded)\n");
        }
        out
    }
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// The lane of an event: its first word that is not an article, without
/// punctuation, in lower case. "server: the request is in" and "the user
/// cancels" go in the lanes "server" and "user".
fn lane_of(text: &str) -> String {
    text.split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|word| {
            !word.is_empty() && !["the", "a", "an"].contains(&word.to_lowercase().as_str())
        })
        .unwrap_or("events")
        .to_lowercase()
}

/// Formats a virtual instant the way the messages use it: `t=5s`, `t=2.5s`.
pub fn at(time: Duration) -> String {
    if time.subsec_millis() == 0 {
        format!("t={}s", time.as_secs())
    } else {
        format!("t={}s", time.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paused;

    #[test]
    fn records_virtual_time() {
        paused(|| async {
            let timeline = Timeline::start();
            timeline.record("start");
            tokio::time::sleep(Duration::from_millis(2500)).await;
            timeline.record("step 1");
            assert_eq!(timeline.count("step"), 1);
            assert_eq!(timeline.last("step"), Some(Duration::from_millis(2500)));
            assert_eq!(
                timeline.after(Duration::ZERO, "st").len(),
                1,
                "not the start itself"
            );
            assert!(
                timeline
                    .after(Duration::from_millis(2500), "step")
                    .is_empty()
            );
            assert_eq!(
                timeline.render(),
                "       t=0s  start\n     t=2.5s  step 1\n"
            );
        });
    }

    #[test]
    fn each_event_has_a_lane_and_the_cancel_is_marked() {
        paused(|| async {
            let timeline = Timeline::start();
            timeline.record("step 1 done");
            timeline.record("server: the request is in");
            timeline.record_cancel("The user cancels the token");
            timeline.record_in("worker 2", "batch stored");
            let lanes: Vec<(String, bool)> = timeline
                .events()
                .into_iter()
                .map(|event| (event.lane, event.cancel))
                .collect();
            assert_eq!(
                lanes,
                [
                    ("step".to_owned(), false),
                    ("server".to_owned(), false),
                    ("user".to_owned(), true),
                    ("worker 2".to_owned(), false),
                ]
            );
        });
    }

    #[test]
    fn wide_times_keep_the_events_in_one_column() {
        paused(|| async {
            let timeline = Timeline::start();
            tokio::time::sleep(Duration::from_millis(10_250)).await;
            timeline.record("a");
            tokio::time::sleep(Duration::from_millis(2_250)).await;
            timeline.record("b");
            assert_eq!(timeline.render(), "    t=10.25s  a\n     t=12.5s  b\n");
        });
    }

    #[test]
    fn long_runs_are_shortened() {
        paused(|| async {
            let timeline = Timeline::start();
            for step in 1..=35 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                timeline.record(format!("step {step}"));
            }
            let text = timeline.render();
            assert!(text.contains("step 4\n"), "{text}");
            assert!(text.contains("... 27 more ..."), "{text}");
            assert!(text.contains("t=35s  step 35"), "{text}");
            assert!(!text.contains("step 5\n"), "{text}");
        });
    }
}

//! Nothing left running: whatever ended an operation (a cancel, a drop, a
//! timeout, an error, success), nothing it started may go on afterwards.
//!
//! Detached work is invisible at the moment the operation ends: a spawned
//! conversion raced against a deadline, a merged token's timer task, the
//! heartbeat of a worker that returned. It shows itself only later. So the
//! rule of every exercise's tests is one helper: after the end, let an hour
//! of virtual time pass, then require that the timeline gained no work
//! event and that every [`Probe`] the test handed to the operation has been
//! dropped (a task that still holds the progress callback is still alive,
//! even if it is parked and records nothing).

use std::sync::Arc;
use std::time::Duration;

use crate::{Lesson, Timeline, at};

/// How long the helper waits for leftovers to show themselves.
pub const AN_HOUR: Duration = Duration::from_secs(3600);

/// A marker the test puts inside what it hands to the operation (a
/// callback, a reporter). Every clone held anywhere counts as alive.
#[derive(Clone, Debug)]
pub struct Probe {
    name: &'static str,
    live: Arc<()>,
}

/// One clone of a [`Probe`], to move into a closure or a struct.
#[derive(Clone, Debug)]
pub struct Held(#[allow(dead_code)] Arc<()>);

impl Probe {
    /// `name` says what it rides in: "the progress callback".
    pub fn new(name: &'static str) -> Probe {
        Probe {
            name,
            live: Arc::new(()),
        }
    }

    /// A clone to hand to the operation.
    pub fn hold(&self) -> Held {
        Held(self.live.clone())
    }

    /// How many clones are alive outside the test.
    pub fn alive(&self) -> usize {
        Arc::strong_count(&self.live) - 1
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// How many tasks of the current runtime are alive (spawned, not finished,
/// not yet dropped). A parked task that records nothing and holds no probe
/// (a merged token's timer, a task that forwards one token's cancel to
/// another) is found only this way. The test body itself is not a task.
pub fn tasks_alive() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Lets an hour of virtual time pass, then fails with a lesson if the
/// timeline gained an event starting with one of `work` (e.g. `["step"]`)
/// after the moment this is called, or if a probe is still held.
pub async fn nothing_left_running(
    timeline: &Timeline,
    chapter: &'static str,
    work: &[&str],
    probes: &[&Probe],
) {
    let ended = timeline.now();
    tokio::time::sleep(AN_HOUR).await;
    check_nothing_after(timeline, chapter, ended, work, probes);
}

/// The check of [`nothing_left_running`] without the wait, for tests on the
/// real clock that wait for their own events: work recorded after `ended`,
/// and probes still held, fail with a lesson.
pub fn check_nothing_after(
    timeline: &Timeline,
    chapter: &'static str,
    ended: Duration,
    work: &[&str],
    probes: &[&Probe],
) {
    let late: Vec<_> = work
        .iter()
        .flat_map(|prefix| timeline.after(ended, prefix))
        .collect();
    // Checked (and so recorded for the diagrams) whether or not work ran late.
    let story = match late.iter().min_by_key(|event| event.at) {
        Some(first) => format!(
            "the operation ended at {}, but its work went on: {} more event(s), the first \"{}\" at {}.",
            at(ended),
            late.len(),
            first.what,
            at(first.at)
        ),
        None => format!(
            "the operation ended at {}, and nothing ran after it.",
            at(ended)
        ),
    };
    Lesson::new(chapter, story)
        .ask("What did it start that nothing stops? A spawned task, a timer, a loop that never looks at the token?")
        .timeline(timeline)
        .ended_at(ended)
        .check(late.is_empty());
    let held: Vec<String> = probes
        .iter()
        .filter(|probe| probe.alive() > 0)
        .map(|probe| format!("{} ({} still held)", probe.name(), probe.alive()))
        .collect();
    if !held.is_empty() {
        Lesson::new(
            chapter,
            format!(
                "the operation ended at {}, and an hour later something it started still holds {}.",
                at(ended),
                held.join(", ")
            ),
        )
        .ask("It records nothing, but it is alive: a task parked on a token or a channel that nobody will ever wake. Who owns it, and who stops it?")
        .timeline(timeline)
        .ended_at(ended)
        .fail();
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;
    use crate::paused;

    #[test]
    fn a_quiet_end_passes() {
        paused(|| async {
            let timeline = Timeline::start();
            let probe = Probe::new("the callback");
            let held = probe.hold();
            timeline.record("step 1");
            drop(held);
            nothing_left_running(&timeline, "src/why.md", &["step"], &[&probe]).await;
            assert_eq!(timeline.now(), AN_HOUR);
        });
    }

    #[test]
    fn late_work_fails_with_its_first_event() {
        paused(|| async {
            let timeline = Timeline::start();
            let recorder = timeline.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(90)).await;
                recorder.record("step 9");
            });
            let probe = Probe::new("the callback");
            let failure = catch_unwind(AssertUnwindSafe(|| {
                check_nothing_after(
                    &timeline,
                    "src/why.md",
                    Duration::ZERO,
                    &["step"],
                    &[&probe],
                )
            }));
            assert!(failure.is_ok(), "nothing late yet");
            tokio::time::sleep(AN_HOUR).await;
            let message = *catch_unwind(AssertUnwindSafe(|| {
                check_nothing_after(
                    &timeline,
                    "src/why.md",
                    Duration::ZERO,
                    &["step"],
                    &[&probe],
                )
            }))
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
            assert!(
                message.contains("the first \"step 9\" at t=90s"),
                "{message}"
            );
        });
    }

    #[test]
    fn a_parked_task_is_counted_until_it_ends() {
        paused(|| async {
            let token = tokio::sync::Notify::new();
            let token = Arc::new(token);
            let parked = token.clone();
            assert_eq!(tasks_alive(), 0);
            let task = tokio::spawn(async move { parked.notified().await });
            tokio::task::yield_now().await;
            assert_eq!(tasks_alive(), 1);
            token.notify_one();
            task.await.unwrap();
            assert_eq!(tasks_alive(), 0);
        });
    }

    #[test]
    fn a_held_probe_fails() {
        let probe = Probe::new("the progress callback");
        let _kept = probe.hold();
        let timeline = paused_timeline();
        let message = *catch_unwind(AssertUnwindSafe(|| {
            check_nothing_after(
                &timeline,
                "src/why.md",
                Duration::ZERO,
                &["step"],
                &[&probe],
            )
        }))
        .unwrap_err()
        .downcast::<String>()
        .unwrap();
        assert!(
            message.contains("the progress callback (1 still held)"),
            "{message}"
        );
    }

    fn paused_timeline() -> Timeline {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(async { Timeline::start() })
    }
}

//! The tests of exercise 21, shared by the starter, the solution and every
//! wrong fix. They turn the tables: the checks in `lib.rs` are the tests
//! under test. Each test here runs one check against one delay whose
//! behaviour is known (a correct one, or one with a known bug) and expects it
//! to pass or to fail.
//!
//! Every run gets a fresh paused runtime of its own (`test_support::paused`:
//! a current-thread runtime, a paused clock, a 10 s wall-clock watchdog) and
//! an hour of virtual time, so a check that waits for ever fails in
//! microseconds. The delays record what they did on a `Timeline`, which a
//! failure prints.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use test_support::{Lesson, Timeline, paused};

use super::*;

const ON_TIME: &str = "\"Testing cancellation deterministically\", section \"Auto-advance hides how long it took\" (src/testing.md)";
const AT_ONCE: &str = "\"Testing cancellation deterministically\", section \"Driving a future by hand\" (src/testing.md)";

/// How much virtual time one run of a check may take. Not a round number of
/// seconds, so that it never ties with a timer of the check's own.
const VIRTUAL_LIMIT: Duration = Duration::from_millis(3_600_250);

/// Delays whose behaviour is known. Each is a `DelayFn`, and records on the
/// run's timeline when it starts and how it ends.
mod delays {
    use std::future::Future;
    use std::task::Poll;
    use std::time::Duration;

    use tokio::time::{Instant, sleep};
    use tokio_util::sync::CancellationToken;

    use super::super::{Cancelled, DelayFuture};
    use super::record;

    /// Races the sleep against the token: `Task.Delay(d, token)` done right.
    pub fn correct(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => Err(Cancelled),
                _ = sleep(duration) => Ok(()),
            }
        })
    }

    /// Creates the sleep and drops it without awaiting it.
    #[allow(clippy::let_underscore_future)] // the bug, on purpose
    pub fn does_not_wait(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            let _ = sleep(duration);
            if token.is_cancelled() {
                Err(Cancelled)
            } else {
                Ok(())
            }
        })
    }

    /// A plain sleep: the token is never looked at.
    pub fn ignores_the_token(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            sleep(duration).await;
            Ok(())
        })
    }

    /// Looks at the token when it is awake, and sleeps with its ears shut.
    pub fn looks_before_and_after_sleeping(
        duration: Duration,
        token: &CancellationToken,
    ) -> DelayFuture<'_> {
        watched(duration, token, async move {
            if token.is_cancelled() {
                return Err(Cancelled);
            }
            sleep(duration).await;
            if token.is_cancelled() {
                return Err(Cancelled);
            }
            Ok(())
        })
    }

    /// Sleeps in 100 ms slices and looks at the token in between.
    pub fn polls_every_100ms(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            let deadline = Instant::now() + duration;
            loop {
                if token.is_cancelled() {
                    return Err(Cancelled);
                }
                let now = Instant::now();
                if now >= deadline {
                    return Ok(());
                }
                sleep(Duration::from_millis(100).min(deadline - now)).await;
            }
        })
    }

    /// Looks at the clock whenever it is polled, but registers no waker: a
    /// poll at its deadline says `Ok(())`, and nothing ever asks for one.
    pub fn never_asks_to_be_woken(
        duration: Duration,
        token: &CancellationToken,
    ) -> DelayFuture<'_> {
        watched(duration, token, async move {
            let deadline = Instant::now() + duration;
            std::future::poll_fn(move |_| {
                if token.is_cancelled() {
                    Poll::Ready(Err(Cancelled))
                } else if Instant::now() >= deadline {
                    Poll::Ready(Ok(()))
                } else {
                    Poll::Pending
                }
            })
            .await
        })
    }

    /// Takes 10 % off its time, "for overhead": a 10 s delay ends at 9 s.
    pub fn ends_early(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => Err(Cancelled),
                _ = sleep(duration.mul_f64(0.9)) => Ok(()),
            }
        })
    }

    /// Adds a second "of margin": a 10 s delay ends at 11 s.
    pub fn ends_late(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => Err(Cancelled),
                _ = sleep(duration + Duration::from_secs(1)) => Ok(()),
            }
        })
    }

    /// Waits on its sleep only, and peeks at the token whenever it is
    /// polled: right answer to a poll, but a cancel never wakes it.
    pub fn peeks_at_its_token(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            let mut sleeping = std::pin::pin!(sleep(duration));
            std::future::poll_fn(move |cx| {
                if token.is_cancelled() {
                    Poll::Ready(Err(Cancelled))
                } else {
                    sleeping.as_mut().poll(cx).map(Ok)
                }
            })
            .await
        })
    }

    /// Wakes on the cancel, then says the time is up.
    pub fn swallows_the_cancel(duration: Duration, token: &CancellationToken) -> DelayFuture<'_> {
        watched(duration, token, async move {
            token.run_until_cancelled(sleep(duration)).await;
            Ok(())
        })
    }

    /// Records when the delay starts (its first poll) and how it ends.
    fn watched<'a>(
        duration: Duration,
        token: &'a CancellationToken,
        delay: impl Future<Output = Result<(), Cancelled>> + 'a,
    ) -> DelayFuture<'a> {
        let name = format!("delay({} s)", duration.as_secs_f64());
        Box::pin(async move {
            record(format!("{name} starts (first poll)"));
            let mut ended = Ended { name, done: false };
            let result = delay.await;
            let token_is = if token.is_cancelled() {
                "cancelled"
            } else {
                "not cancelled"
            };
            record(format!(
                "{} ends with {result:?} (the token is {token_is})",
                ended.name
            ));
            ended.done = true;
            result
        })
    }

    /// Records a delay that was dropped before it ended.
    struct Ended {
        name: String,
        done: bool,
    }

    impl Drop for Ended {
        fn drop(&mut self) {
            if !self.done {
                record(format!("{} dropped before it ended", self.name));
            }
        }
    }
}

thread_local! {
    /// The timeline of the run on this thread, if any.
    static TIMELINE: RefCell<Option<Timeline>> = const { RefCell::new(None) };
}

fn record(what: String) {
    TIMELINE.with(|timeline| {
        if let Some(timeline) = timeline.borrow().as_ref() {
            timeline.record(what);
        }
    });
}

/// What one run of a check did.
enum Outcome {
    Passed,
    Failed(String),
}

// ANCHOR: run
/// Runs `check` against `delay` on a fresh paused runtime, and catches the
/// panic that means "the check failed".
fn run<C, F>(check: C, delay: DelayFn) -> (Outcome, Timeline)
where
    C: FnOnce(DelayFn) -> F + Send + 'static,
    F: Future<Output = ()> + 'static,
{
    let slot: Arc<Mutex<Option<Timeline>>> = Arc::default();
    let shared = slot.clone();
    let ran = catch_unwind(AssertUnwindSafe(move || {
        paused(move || async move {
            let timeline = Timeline::start();
            *shared.lock().unwrap() = Some(timeline.clone());
            TIMELINE.with(|slot| *slot.borrow_mut() = Some(timeline.clone()));
            // The limit is looked at first: a check still waiting when the
            // hour is up has failed, even if the wake-up of the limit's own
            // timer would have let it finish.
            let finished = tokio::select! {
                biased;
                _ = tokio::time::sleep(VIRTUAL_LIMIT) => false,
                () = check(delay) => true,
            };
            if !finished {
                timeline.record("the check is still running: stopped");
                panic!("the check did not finish within an hour of virtual time");
            }
        })
    }));
    let timeline = slot.lock().unwrap().take().unwrap_or_else(Timeline::start);
    match ran {
        Ok(()) => (Outcome::Passed, timeline),
        Err(panic) => (Outcome::Failed(panic_message(panic)), timeline),
    }
}
// ANCHOR_END: run

fn panic_message(panic: Box<dyn Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(text) => *text,
        Err(panic) => match panic.downcast::<&str>() {
            Ok(text) => (*text).to_owned(),
            Err(_) => "(a panic without a message)".to_owned(),
        },
    }
}

/// A check must pass against the correct delay.
fn must_pass<C, F>(chapter: &'static str, name: &str, check: C)
where
    C: FnOnce(DelayFn) -> F + Send + 'static,
    F: Future<Output = ()> + 'static,
{
    let (outcome, timeline) = run(check, delays::correct);
    if let Outcome::Failed(message) = outcome {
        let said = message.trim().replace('\n', "\n    ");
        Lesson::new(
            chapter,
            format!(
                "your check `{name}` failed against a correct delay (one that races its sleep \
                 against `token.cancelled()`). It said:\n    {said}\n  \
                 A check that fails a correct delay is as useless as one that passes a broken one."
            ),
        )
        .ask(
            "Does it expect something the delay does not promise? A future does nothing until \
             it is first polled: a delay's time starts at its first poll, not when `delay(..)` \
             is called.",
        )
        .timeline(&timeline)
        .fail();
    }
}

/// A broken delay, and how to explain it.
struct Broken {
    delay: DelayFn,
    /// "a delay that ..."
    is: &'static str,
    /// What it does wrong, in the learner's terms.
    does: &'static str,
    /// The question that points at what the check should look at.
    ask: &'static str,
}

/// A check must fail (panic, or never finish) against a broken delay.
fn must_fail<C, F>(chapter: &'static str, name: &str, check: C, broken: Broken)
where
    C: FnOnce(DelayFn) -> F + Send + 'static,
    F: Future<Output = ()> + 'static,
{
    let (outcome, timeline) = run(check, broken.delay);
    if let Outcome::Passed = outcome {
        Lesson::new(
            chapter,
            format!(
                "your check `{name}` passed against {}: {}. It should have failed.",
                broken.is, broken.does
            ),
        )
        .ask(broken.ask)
        .timeline(&timeline)
        .fail();
    }
}

const ON_TIME_CHECK: &str = "check_an_undisturbed_delay_ends_on_time";
const AT_ONCE_CHECK: &str = "check_a_cancel_wakes_the_delay_at_once";

fn look_at_the_moment() -> &'static str {
    "Does your check look at the moment the cancel happens, e.g. with `is_woken()` right \
     after `cancel()`, instead of letting the clock run on?"
}

#[test]
fn the_on_time_check_passes_for_a_correct_delay() {
    must_pass(
        ON_TIME,
        ON_TIME_CHECK,
        check_an_undisturbed_delay_ends_on_time,
    );
}

#[test]
fn the_on_time_check_fails_for_a_delay_that_does_not_wait() {
    must_fail(
        ON_TIME,
        ON_TIME_CHECK,
        check_an_undisturbed_delay_ends_on_time,
        Broken {
            delay: delays::does_not_wait,
            is: "a delay that never awaits its sleep (`let _ = sleep(duration);`)",
            does: "it gives Ok(()) at once, at t=0s, without waiting at all",
            ask: "Under a paused clock, `.await` on a 10 s delay returns as soon as the runtime \
                  is idle, however long the wait: does your check look at *when* the delay \
                  ends? Poll it by hand before its time is up (`assert_pending!`), or compare \
                  `tokio::time::Instant::now()` before and after.",
        },
    );
}

#[test]
fn the_on_time_check_fails_for_a_delay_that_never_asks_to_be_woken() {
    must_fail(
        AT_ONCE,
        ON_TIME_CHECK,
        check_an_undisturbed_delay_ends_on_time,
        Broken {
            delay: delays::never_asks_to_be_woken,
            is: "a delay that looks at the clock whenever it is polled, but registers no waker",
            does: "polled at t=10s it says Ok(()), but nothing wakes it then: awaited in a real \
                   program, it waits for ever",
            ask: "At t=10s, does your check ask whether the delay was woken (`is_woken()`) \
                  before it polls it? A poll by hand shows what a future would answer if \
                  asked, not whether anything would ever ask.",
        },
    );
}

#[test]
fn the_on_time_check_fails_for_a_delay_that_ends_early() {
    must_fail(
        ON_TIME,
        ON_TIME_CHECK,
        check_an_undisturbed_delay_ends_on_time,
        Broken {
            delay: delays::ends_early,
            is: "a delay that takes 10 % off its time for overhead \
                 (`sleep(duration.mul_f64(0.9))`)",
            does: "it does wait, but gives Ok(()) at t=9s, a second early",
            ask: "Does your check look at the delay shortly before its time is up (at t=9s, \
                  say), and not only at its first poll?",
        },
    );
}

#[test]
fn the_on_time_check_fails_for_a_delay_that_ends_late() {
    must_fail(
        ON_TIME,
        ON_TIME_CHECK,
        check_an_undisturbed_delay_ends_on_time,
        Broken {
            delay: delays::ends_late,
            is: "a delay that adds a second of margin (`sleep(duration + 1 s)`)",
            does: "it gives Ok(()) at t=11s, a second late",
            ask: "Does your check look at the delay at its deadline, t=10s, and not some time \
                  after it? Awaiting it hides how long it took; so does advancing the clock \
                  past the deadline before looking.",
        },
    );
}

#[test]
fn the_cancel_check_passes_for_a_correct_delay() {
    must_pass(
        AT_ONCE,
        AT_ONCE_CHECK,
        check_a_cancel_wakes_the_delay_at_once,
    );
}

#[test]
fn the_cancel_check_fails_for_a_delay_that_ignores_the_token() {
    must_fail(
        AT_ONCE,
        AT_ONCE_CHECK,
        check_a_cancel_wakes_the_delay_at_once,
        Broken {
            delay: delays::ignores_the_token,
            is: "a delay that never looks at its token (a plain `sleep(duration)`)",
            does: "a cancel changes nothing, it gives Ok(()) when its full time is up",
            ask: "Does your check cancel the token while the delay is waiting, and then look \
                  at what the delay gives back?",
        },
    );
}

#[test]
fn the_cancel_check_fails_for_a_delay_that_looks_only_before_and_after_sleeping() {
    must_fail(
        AT_ONCE,
        AT_ONCE_CHECK,
        check_a_cancel_wakes_the_delay_at_once,
        Broken {
            delay: delays::looks_before_and_after_sleeping,
            is: "a delay that looks at its token before and after it sleeps, never during",
            does: "it does give Err(Cancelled), but only when its full time is up \
                   (cancelled 2 s into a 10 s delay, it wakes 8 s late)",
            ask: look_at_the_moment(),
        },
    );
}

#[test]
fn the_cancel_check_fails_for_a_delay_that_polls_every_100ms() {
    must_fail(
        AT_ONCE,
        AT_ONCE_CHECK,
        check_a_cancel_wakes_the_delay_at_once,
        Broken {
            delay: delays::polls_every_100ms,
            is: "a delay that sleeps in 100 ms slices and looks at its token in between",
            does: "it gives Err(Cancelled) at its next look, up to 100 ms after the cancel, \
                   and nothing wakes it when the cancel happens",
            ask: "\"Well before the 10 s were up\" is not \"at once\". Does your check ask, \
                  right after `cancel()`, whether the delay was woken (`is_woken()`)? If it \
                  cancels from a timer on a multiple of 100 ms (t=1.5s, t=2s), that timer \
                  ties with one of the delay's looks, and the order the two run in decides \
                  what your check sees: never put two timers on the same instant.",
        },
    );
}

#[test]
fn the_cancel_check_fails_for_a_delay_that_swallows_the_cancel() {
    must_fail(
        AT_ONCE,
        AT_ONCE_CHECK,
        check_a_cancel_wakes_the_delay_at_once,
        Broken {
            delay: delays::swallows_the_cancel,
            is: "a delay that wakes on the cancel but swallows it \
                 (`token.run_until_cancelled(sleep(d)).await; Ok(())`)",
            does: "it wakes at once, and gives Ok(()): its caller carries on as if the full \
                   time had passed",
            ask: "After the cancel, does your check look at the value the delay gives back, \
                  not only at whether it woke up or finished?",
        },
    );
}

#[test]
fn the_cancel_check_fails_for_a_delay_that_peeks_at_its_token() {
    must_fail(
        AT_ONCE,
        AT_ONCE_CHECK,
        check_a_cancel_wakes_the_delay_at_once,
        Broken {
            delay: delays::peeks_at_its_token,
            is: "a delay that waits on its sleep only, and peeks at its token whenever it is \
                 polled",
            does: "polled right after the cancel it says Err(Cancelled), but the cancel does \
                   not wake it: in a real program nothing polls it until its sleep is over, \
                   8 s late",
            ask: "Right after `cancel()`, does your check ask whether the delay was woken \
                  (`is_woken()`) before it polls it? A poll by hand shows what the delay would \
                  answer, not whether the cancel woke it.",
        },
    );
}

//! Cancel at every point: a sweep that stops an operation at each of its
//! await points in turn and checks an invariant every time.
//!
//! A test that cancels an import "after two rows" checks one point. The
//! bug is often at another: between the write and the rename, during the
//! commit, in the one `.await` that nobody thought could be the last. The
//! sweep runs the operation once per point: the k-th run is polled k times
//! (each poll waits until the operation's waker is woken, so each poll is
//! one step to its next `.await`), then stopped, and the invariant is
//! checked. It goes on until a run completes before it is stopped, so
//! every point the operation passes is covered, whatever its length.
//!
//! Two ways to stop, as in the course:
//! - [`drop_at_every_point`]: the future is dropped after its k-th poll (a
//!   `timeout`, a `select!`, a client that left). The check runs the moment
//!   the drop returns, before anything else can run: clean-up that a `Drop`
//!   only *schedules* (spawns) has not happened yet, and fails the check.
//! - [`cancel_at_every_point`]: `interrupt` runs after the k-th poll (a
//!   token is cancelled), then the operation runs to its end and the check
//!   gets its output.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Where a run was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// How many times the operation had been polled (each poll returned
    /// `Pending`, so it was waiting at an `.await`).
    pub polls: usize,
    /// Virtual time since this run started.
    pub at: Duration,
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "after its {} poll (at {} of its run)",
            ordinal(self.polls),
            crate::at(self.at)
        )
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A sweep never runs more points than this: an operation that is still
/// going after this many polls is reported, not swept for ever.
pub const MAX_POINTS: usize = 2_000;

/// How long (virtual time) one wait for a wake may take before the sweep
/// says the operation is stuck.
const STUCK: Duration = Duration::from_secs(24 * 3600);

/// Drops the operation after each of its polls in turn and runs `check` the
/// moment the drop returns. `make` builds a fresh run: the state the check
/// needs and the operation's future. Returns the number of points checked
/// (the number of polls a complete run takes, minus one).
pub async fn drop_at_every_point<S, Fut>(
    mut make: impl FnMut() -> (S, Fut),
    mut check: impl AsyncFnMut(S, Point),
) -> usize
where
    Fut: Future,
{
    for stop_after in 1..=MAX_POINTS {
        let (state, operation) = make();
        let started = Instant::now();
        let mut operation = Box::pin(operation);
        match drive(operation.as_mut(), Some(stop_after)).await {
            Driven::Completed(_) => return stop_after - 1,
            Driven::Stopped => {
                drop(operation);
                let point = Point {
                    polls: stop_after,
                    at: started.elapsed(),
                };
                check(state, point).await;
            }
        }
    }
    panic!(
        "the sweep stopped the operation at {MAX_POINTS} points and it had still not finished: does it ever end?"
    )
}

/// Runs `interrupt` after each of the operation's polls in turn, drives the
/// operation to its end, and gives `check` its output. Returns the number
/// of points checked.
pub async fn cancel_at_every_point<S, Fut>(
    mut make: impl FnMut() -> (S, Fut),
    mut interrupt: impl FnMut(&S),
    mut check: impl AsyncFnMut(S, Point, Fut::Output),
) -> usize
where
    Fut: Future,
{
    for stop_after in 1..=MAX_POINTS {
        let (state, operation) = make();
        let started = Instant::now();
        let mut operation = pin!(operation);
        if let Driven::Completed(_) = drive(operation.as_mut(), Some(stop_after)).await {
            return stop_after - 1;
        }
        let point = Point {
            polls: stop_after,
            at: started.elapsed(),
        };
        interrupt(&state);
        let Driven::Completed(output) = drive(operation.as_mut(), None).await else {
            unreachable!("driving without a limit ends only when the operation completes")
        };
        check(state, point, output).await;
    }
    panic!(
        "the sweep interrupted the operation at {MAX_POINTS} points and it had still not finished: does it ever end?"
    )
}

enum Driven<T> {
    Completed(T),
    Stopped,
}

/// Polls `operation` until it completes, or until it has returned `Pending`
/// `limit` times. Between polls it waits for the operation's waker; while it
/// waits, the runtime runs other tasks and (paused) moves the clock on.
async fn drive<F: Future>(
    mut operation: std::pin::Pin<&mut F>,
    limit: Option<usize>,
) -> Driven<F::Output> {
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let mut polls = 0;
    loop {
        signal.woken.store(false, Ordering::SeqCst);
        if let Poll::Ready(output) = operation.as_mut().poll(&mut Context::from_waker(&waker)) {
            return Driven::Completed(output);
        }
        polls += 1;
        if limit == Some(polls) {
            return Driven::Stopped;
        }
        if !signal.woken.load(Ordering::SeqCst)
            && tokio::time::timeout(STUCK, signal.notify.notified())
                .await
                .is_err()
        {
            panic!(
                "HUNG: after its {} poll the operation waited a whole virtual day and nothing woke it: \
                 it waits for something that never happens (a token nobody cancels, a channel nobody sends on).",
                ordinal(polls)
            );
        }
    }
}

#[derive(Default)]
struct Signal {
    woken: AtomicBool,
    notify: Notify,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        // `notify_one` keeps a permit when nobody waits yet, so a wake that
        // comes before the sweep starts waiting is not lost.
        self.notify.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::paused;

    /// Three steps of one second: a complete run is polled four times.
    async fn three_steps(done: Arc<AtomicUsize>) -> usize {
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            done.fetch_add(1, Ordering::SeqCst);
        }
        done.load(Ordering::SeqCst)
    }

    #[test]
    fn every_await_point_is_visited_once() {
        paused(|| async {
            let mut seen = Vec::new();
            let points = drop_at_every_point(
                || {
                    let done = Arc::new(AtomicUsize::new(0));
                    (done.clone(), three_steps(done))
                },
                async |done, point| seen.push((done.load(Ordering::SeqCst), point.polls, point.at)),
            )
            .await;
            assert_eq!(points, 3);
            let second = Duration::from_secs(1);
            assert_eq!(
                seen,
                [(0, 1, Duration::ZERO), (1, 2, second), (2, 3, 2 * second)]
            );
        });
    }

    #[test]
    fn an_interrupted_run_is_driven_to_its_end() {
        paused(|| async {
            let mut outputs = Vec::new();
            let points = cancel_at_every_point(
                || {
                    let done = Arc::new(AtomicUsize::new(0));
                    (done.clone(), three_steps(done))
                },
                |done| {
                    done.fetch_add(100, Ordering::SeqCst);
                },
                async |_, point, output| outputs.push((point.polls, output)),
            )
            .await;
            assert_eq!(points, 3);
            assert_eq!(outputs, [(1, 103), (2, 103), (3, 103)]);
        });
    }

    #[test]
    fn a_wake_before_the_wait_is_not_lost() {
        paused(|| async {
            // Wakes itself on its first poll, then completes on the second.
            let operation = || {
                let mut first = true;
                std::future::poll_fn(move |cx| {
                    if std::mem::take(&mut first) {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                })
            };
            let points = drop_at_every_point(|| ((), operation()), async |_, _| {}).await;
            assert_eq!(points, 1);
        });
    }

    #[test]
    fn points_read_well() {
        let point = Point {
            polls: 2,
            at: Duration::from_millis(1500),
        };
        assert_eq!(
            point.to_string(),
            "after its 2nd poll (at t=1.5s of its run)"
        );
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(21), "21st");
    }
}

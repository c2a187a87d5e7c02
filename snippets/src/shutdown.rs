//! Examples for the chapter "Graceful shutdown" (src/shutdown.md): background
//! workers that stop on time without cutting their work short, a drain with
//! a deadline, what `MissedTickBehavior` changes, and a runtime whose own end
//! has a deadline. (The axum side, the
//! signal handling and `with_graceful_shutdown`, is compiled in
//! `solutions/19_shutdown`.)

use std::future::Future;
use std::time::Duration;

use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How often the cache is refreshed, and how long one refresh takes.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10);
pub const REFRESH_TIME: Duration = Duration::from_secs(2);

async fn refresh(log: &(impl Fn(&str) + Send + Sync)) {
    log("refresh started");
    tokio::time::sleep(REFRESH_TIME).await; // reload the cache from the database
    log("refresh done");
}

// ANCHOR: listening
/// Refreshes a cache every ten seconds until `stop` is cancelled.
pub async fn keep_cache_fresh(stop: CancellationToken, log: impl Fn(&str) + Send + Sync) {
    let mut every = interval(REFRESH_EVERY);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The wait for the next tick ends early when the token fires (`None`)...
    while stop.run_until_cancelled(every.tick()).await.is_some() {
        // ...but a refresh that has started is not raced: it always completes.
        refresh(&log).await;
    }
    log("worker stopped");
}
// ANCHOR_END: listening

// ANCHOR: deaf
/// Looks at the token only at the top of the loop.
pub async fn deaf_worker(stop: CancellationToken, log: impl Fn(&str) + Send + Sync) {
    let mut every = interval(REFRESH_EVERY);
    while !stop.is_cancelled() {
        every.tick().await; // asleep here when the stop comes, for up to 10 s
        refresh(&log).await; // ...and then it starts a refresh anyway
    }
    log("worker stopped");
}
// ANCHOR_END: deaf

// ANCHOR: cut_short
/// Races the whole loop body, the refresh included, against the token.
pub async fn hasty_worker(stop: CancellationToken, log: impl Fn(&str) + Send + Sync) {
    let mut every = interval(REFRESH_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = async {
                every.tick().await;
                refresh(&log).await; // dropped half-way if the stop comes now
            } => {}
        }
    }
    log("worker stopped");
}
// ANCHOR_END: cut_short

// ANCHOR: tracker
/// Starts the background workers, each with a child of the shutdown token,
/// under one tracker.
pub fn start_workers(shutdown: &CancellationToken, log: fn(&str)) -> TaskTracker {
    let workers = TaskTracker::new();
    workers.spawn(keep_cache_fresh(shutdown.child_token(), log));
    workers.spawn(keep_cache_fresh(shutdown.child_token(), log));
    // No more tasks will be added: `wait` can now complete once they end.
    workers.close();
    workers
}
// ANCHOR_END: tracker

// ANCHOR: drain
/// After the shutdown token was cancelled: waits for the workers, but no
/// longer than `budget`.
pub async fn drain(workers: &TaskTracker, budget: Duration) -> Result<(), DrainTimedOut> {
    tokio::time::timeout(budget, workers.wait())
        .await
        .map_err(|_elapsed| DrainTimedOut)
}

#[derive(Debug, PartialEq, Eq)]
pub struct DrainTimedOut;
// ANCHOR_END: drain

// ANCHOR: hard_stop
/// `main`'s body for a service whose drain may give up. The runtime is built
/// by hand, so that its own end can have a deadline too.
pub fn run_service<E>(
    service: impl Future<Output = Result<(), E>>,
    grace: Duration,
) -> Result<(), E> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("build the tokio runtime");
    let outcome = runtime.block_on(service);
    // Dropping the runtime would drop the async tasks and then wait, with no
    // limit, for every `spawn_blocking` closure still running (a stdin read,
    // a synchronous file copy). Give them `grace`, then leave them behind.
    runtime.shutdown_timeout(grace);
    outcome
}
// ANCHOR_END: hard_stop

/// The instants (seconds since the start) at which an `interval` of 10 s
/// ticks, when the work after the first tick takes 25 s.
pub async fn ticks_after_a_slow_round(behavior: MissedTickBehavior) -> Vec<u64> {
    let start = tokio::time::Instant::now();
    // ANCHOR: missed_tick
    let mut every = interval(Duration::from_secs(10));
    every.set_missed_tick_behavior(behavior);
    // ANCHOR_END: missed_tick
    let mut ticks = Vec::new();
    for round in 0..5 {
        every.tick().await;
        ticks.push(start.elapsed().as_secs());
        if round == 0 {
            tokio::time::sleep(Duration::from_secs(25)).await; // one slow round
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use test_support::{Timeline, paused};
    use tokio::time::sleep;

    use super::*;

    fn recorder(timeline: &Timeline) -> impl Fn(&str) + Send + Sync + 'static {
        let timeline = timeline.clone();
        move |what: &str| timeline.record(what)
    }

    fn at_secs(timeline: &Timeline, what: &str) -> Vec<f64> {
        timeline
            .events()
            .into_iter()
            .filter(|event| event.what == what)
            .map(|event| event.at.as_secs_f64())
            .collect()
    }

    #[test]
    fn a_listening_worker_stops_at_once_between_refreshes() {
        paused(|| async {
            let timeline = Timeline::start();
            let stop = CancellationToken::new();
            let worker = tokio::spawn(keep_cache_fresh(stop.clone(), recorder(&timeline)));
            sleep(Duration::from_millis(12_500)).await;
            stop.cancel();
            worker.await.unwrap();
            assert_eq!(at_secs(&timeline, "refresh started"), [0.0, 10.0]);
            assert_eq!(at_secs(&timeline, "worker stopped"), [12.5]);
        });
    }

    #[test]
    fn a_listening_worker_finishes_the_refresh_in_progress() {
        paused(|| async {
            let timeline = Timeline::start();
            let stop = CancellationToken::new();
            let worker = tokio::spawn(keep_cache_fresh(stop.clone(), recorder(&timeline)));
            sleep(Duration::from_millis(10_500)).await;
            stop.cancel();
            worker.await.unwrap();
            assert_eq!(at_secs(&timeline, "refresh done"), [2.0, 12.0]);
            assert_eq!(at_secs(&timeline, "worker stopped"), [12.0]);
        });
    }

    #[test]
    fn a_deaf_worker_sleeps_through_the_stop_and_refreshes_once_more() {
        paused(|| async {
            let timeline = Timeline::start();
            let stop = CancellationToken::new();
            let worker = tokio::spawn(deaf_worker(stop.clone(), recorder(&timeline)));
            sleep(Duration::from_millis(12_500)).await;
            stop.cancel();
            worker.await.unwrap();
            assert_eq!(at_secs(&timeline, "refresh started"), [0.0, 10.0, 20.0]);
            assert_eq!(at_secs(&timeline, "worker stopped"), [22.0]);
        });
    }

    #[test]
    fn a_hasty_worker_drops_the_refresh_half_way() {
        paused(|| async {
            let timeline = Timeline::start();
            let stop = CancellationToken::new();
            let worker = tokio::spawn(hasty_worker(stop.clone(), recorder(&timeline)));
            sleep(Duration::from_millis(10_500)).await;
            stop.cancel();
            worker.await.unwrap();
            assert_eq!(at_secs(&timeline, "refresh started"), [0.0, 10.0]);
            assert_eq!(at_secs(&timeline, "refresh done"), [2.0]);
            assert_eq!(at_secs(&timeline, "worker stopped"), [10.5]);
        });
    }

    #[test]
    fn the_drain_waits_for_the_workers_within_the_budget() {
        paused(|| async {
            let shutdown = CancellationToken::new();
            let workers = start_workers(&shutdown, |_| {});
            sleep(Duration::from_millis(10_500)).await; // both are refreshing
            shutdown.cancel();
            let start = tokio::time::Instant::now();
            assert_eq!(drain(&workers, Duration::from_secs(30)).await, Ok(()));
            assert_eq!(start.elapsed(), Duration::from_millis(1500));
        });
    }

    #[test]
    fn the_drain_gives_up_at_the_budget() {
        paused(|| async {
            let workers = TaskTracker::new();
            workers.spawn(std::future::pending::<()>()); // a worker that never stops
            workers.close();
            let start = tokio::time::Instant::now();
            assert_eq!(
                drain(&workers, Duration::from_secs(30)).await,
                Err(DrainTimedOut)
            );
            assert_eq!(start.elapsed(), Duration::from_secs(30));
        });
    }

    /// A service whose drain timed out while a blocking read was still
    /// stuck: `run_service` returns the error at once, and the read is left
    /// behind. (Dropping the runtime instead would wait for the read: see
    /// `pins::runtime`.)
    #[test]
    fn run_service_does_not_wait_for_a_stuck_blocking_read() {
        use std::sync::mpsc;

        test_support::bounded::run_within(Duration::from_secs(10), || {
            let (release, release_rx) = mpsc::channel::<()>();
            let (finished_tx, finished) = mpsc::channel();
            let outcome = run_service(
                async move {
                    let (started_tx, started) = tokio::sync::oneshot::channel();
                    tokio::task::spawn_blocking(move || {
                        let _ = started_tx.send(());
                        // Stuck like a read from a stdin nobody types into.
                        let _ = release_rx.recv_timeout(Duration::from_secs(5));
                        let _ = finished_tx.send(());
                    });
                    started.await.unwrap();
                    Err(DrainTimedOut)
                },
                Duration::from_millis(10),
            );
            assert_eq!(outcome, Err(DrainTimedOut));
            assert!(finished.try_recv().is_err(), "the read is still stuck");
            release.send(()).unwrap();
            finished.recv_timeout(Duration::from_secs(5)).unwrap();
        });
    }

    #[test]
    fn missed_ticks_burst_by_default_and_shift_with_delay() {
        paused(|| async {
            // The default: the two missed ticks (10 s, 20 s) fire at once at
            // 25 s, then the schedule is back on the 10 s grid.
            assert_eq!(
                ticks_after_a_slow_round(MissedTickBehavior::Burst).await,
                [0, 25, 25, 30, 40]
            );
        });
        paused(|| async {
            // Delay: one tick at 25 s, then every 10 s from there.
            assert_eq!(
                ticks_after_a_slow_round(MissedTickBehavior::Delay).await,
                [0, 25, 35, 45, 55]
            );
        });
        paused(|| async {
            // Skip: one tick at 25 s, then back on the grid at 30 s.
            assert_eq!(
                ticks_after_a_slow_round(MissedTickBehavior::Skip).await,
                [0, 25, 30, 40, 50]
            );
        });
    }
}

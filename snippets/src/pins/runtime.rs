//! What "Graceful shutdown" (src/shutdown.md) and the glossary say about the
//! end of a runtime: dropping it drops the async tasks but waits for every
//! running `spawn_blocking` closure, while `shutdown_timeout` and
//! `shutdown_background` leave such a closure behind.
//!
//! Source: tokio `src/runtime/runtime.rs` (the "# Shutdown" section of the
//! `Runtime` docs: "The `Drop` implementation waits forever for this", and
//! `shutdown_timeout`, which calls `blocking_pool.shutdown(Some(duration))`)
//! and `src/runtime/blocking/pool.rs` (`impl Drop for BlockingPool` calls
//! `self.shutdown(None)`, a wait with no limit).

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use test_support::bounded::run_within;
    use tokio::runtime::{Builder, Runtime};

    /// Only a broken test waits this long for an event.
    const EVENT_LIMIT: Duration = Duration::from_secs(5);
    /// How long the test gives `drop(runtime)` to return while the blocking
    /// closure is held. It never should; this only bounds the check.
    const NOT_YET: Duration = Duration::from_millis(200);

    fn both_flavours() -> [(&'static str, Runtime); 2] {
        [
            (
                "current-thread",
                Builder::new_current_thread().enable_all().build().unwrap(),
            ),
            (
                "multi-thread",
                Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap(),
            ),
        ]
    }

    /// A `spawn_blocking` closure that says when it started and then waits,
    /// like a read from a stdin nobody types into, until the test sends on
    /// the returned `release` (or a broken test gives up).
    struct StuckRead {
        release: mpsc::Sender<()>,
        finished: mpsc::Receiver<()>,
    }

    fn start_a_stuck_read(runtime: &Runtime) -> StuckRead {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let (finished_tx, finished) = mpsc::channel();
        runtime.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(EVENT_LIMIT);
            let _ = finished_tx.send(());
        });
        started
            .recv_timeout(EVENT_LIMIT)
            .expect("the blocking closure started");
        StuckRead { release, finished }
    }

    #[test]
    fn dropping_the_runtime_waits_for_a_running_blocking_closure() {
        run_within(Duration::from_secs(20), || {
            for (flavour, runtime) in both_flavours() {
                let read = start_a_stuck_read(&runtime);
                let (dropped_tx, dropped) = mpsc::channel();
                let dropper = thread::spawn(move || {
                    drop(runtime);
                    dropped_tx.send(()).unwrap();
                });
                assert!(
                    dropped.recv_timeout(NOT_YET).is_err(),
                    "{flavour}: drop(runtime) returned while a blocking closure was still running"
                );
                read.release.send(()).unwrap();
                read.finished.recv_timeout(EVENT_LIMIT).unwrap();
                dropped
                    .recv_timeout(EVENT_LIMIT)
                    .expect("drop(runtime) returns once the closure has ended");
                dropper.join().unwrap();
            }
        });
    }

    #[test]
    fn shutdown_timeout_and_shutdown_background_leave_the_closure_behind() {
        run_within(Duration::from_secs(20), || {
            for (flavour, runtime) in both_flavours() {
                let read = start_a_stuck_read(&runtime);
                runtime.shutdown_timeout(Duration::from_millis(10));
                // Returned, and the closure is still blocked: nobody released it.
                assert!(
                    read.finished.try_recv().is_err(),
                    "{flavour}: shutdown_timeout waited for the closure"
                );
                read.release.send(()).unwrap(); // the leaked thread ends now
                read.finished.recv_timeout(EVENT_LIMIT).unwrap();
            }
            for (flavour, runtime) in both_flavours() {
                let read = start_a_stuck_read(&runtime);
                runtime.shutdown_background();
                assert!(
                    read.finished.try_recv().is_err(),
                    "{flavour}: shutdown_background waited for the closure"
                );
                read.release.send(()).unwrap();
                read.finished.recv_timeout(EVENT_LIMIT).unwrap();
            }
        });
    }

    /// The other half of the rule: an async task that is waiting is simply
    /// dropped with the runtime, its guards run, and it is never polled again.
    #[test]
    fn dropping_the_runtime_drops_the_async_tasks() {
        run_within(Duration::from_secs(20), || {
            for (flavour, runtime) in both_flavours() {
                let (started_tx, started) = mpsc::channel();
                let (dropped_tx, dropped) = mpsc::channel();
                runtime.spawn(async move {
                    let _guard = SendOnDrop(dropped_tx);
                    started_tx.send(()).unwrap();
                    std::future::pending::<()>().await;
                });
                // The current-thread runtime only runs the task inside block_on.
                runtime.block_on(async {
                    while started.try_recv().is_err() {
                        tokio::task::yield_now().await;
                    }
                });
                drop(runtime);
                assert!(
                    dropped.try_recv().is_ok(),
                    "{flavour}: the task's guard ran by the time drop(runtime) returned"
                );
            }
        });
    }

    struct SendOnDrop(mpsc::Sender<()>);

    impl Drop for SendOnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
}

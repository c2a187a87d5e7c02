//! What "Tasks that outlive their parent" (src/tasks.md) and the glossary say
//! about stopping spawned tasks: `abort()`, dropping a `JoinSet` and dropping
//! an `AbortOnDropHandle` only *schedule* the cancellation and return at once;
//! a task that is finishing may still complete normally; awaiting the handle
//! (or `JoinSet::shutdown().await`) is what waits for the clean-up.
//!
//! Sources: tokio `src/runtime/task/harness.rs` (`remote_abort` sets the
//! CANCELLED bit and schedules the task) and `src/runtime/task/state.rs`
//! (`transition_to_notified_and_cancel`: a running task is only marked, "the
//! thread running the task will notice the cancelled bit when it stops
//! polling"); `src/runtime/task/join.rs` (the `abort` docs: "might complete as
//! usual if the task was already completed"); `src/task/join_set.rs`
//! (`impl Drop for JoinSet` aborts each handle, `shutdown` is `abort_all` then
//! `join_next` until empty); tokio-util `src/task/abort_on_drop.rs` (`Drop`
//! calls `abort()`).

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use test_support::bounded::run_within;
    use test_support::paused;
    use tokio::runtime::{Builder, Runtime};
    use tokio::task::JoinSet;
    use tokio_util::task::AbortOnDropHandle;

    /// Only a broken test waits this long for an event.
    const EVENT_LIMIT: Duration = Duration::from_secs(5);

    /// Counts the guards that have been dropped: "clean-up done".
    #[derive(Clone, Default)]
    struct CleanUps(Arc<AtomicUsize>);

    impl CleanUps {
        fn guard(&self) -> CleanUpOnDrop {
            CleanUpOnDrop(self.0.clone())
        }
        fn done(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    struct CleanUpOnDrop(Arc<AtomicUsize>);

    impl Drop for CleanUpOnDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A task that holds a guard and waits for ever (at an `.await`).
    fn waiting_task(clean_ups: &CleanUps) -> impl Future<Output = ()> + Send + 'static {
        let guard = clean_ups.guard();
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }
    }

    /// Lets the spawned tasks run until they wait (current-thread runtime).
    async fn let_them_start() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[test]
    fn abort_returns_before_the_task_is_dropped() {
        paused(|| async {
            let clean_ups = CleanUps::default();
            let handle = tokio::spawn(waiting_task(&clean_ups));
            let_them_start().await;
            handle.abort();
            assert_eq!(clean_ups.done(), 0, "abort() waited for the task");
            let error = handle.await.unwrap_err();
            assert!(error.is_cancelled());
            assert_eq!(
                clean_ups.done(),
                1,
                "awaiting the handle waits for its Drop"
            );
        });
    }

    #[test]
    fn dropping_a_join_set_or_an_abort_on_drop_handle_does_not_wait() {
        paused(|| async {
            let clean_ups = CleanUps::default();
            let mut set = JoinSet::new();
            for _ in 0..3 {
                set.spawn(waiting_task(&clean_ups));
            }
            let one = AbortOnDropHandle::new(tokio::spawn(waiting_task(&clean_ups)));
            let_them_start().await;
            drop(set);
            drop(one);
            assert_eq!(clean_ups.done(), 0, "a drop waited for its tasks");
            let_them_start().await;
            assert_eq!(clean_ups.done(), 4, "the aborted tasks are dropped later");
        });
    }

    #[test]
    fn join_set_shutdown_aborts_and_waits_abort_all_does_not_wait() {
        paused(|| async {
            let clean_ups = CleanUps::default();
            let mut set = JoinSet::new();
            for _ in 0..3 {
                set.spawn(waiting_task(&clean_ups));
            }
            let_them_start().await;
            set.abort_all();
            assert_eq!(clean_ups.done(), 0, "abort_all waited");
            set.shutdown().await;
            assert_eq!(clean_ups.done(), 3);

            for _ in 0..3 {
                set.spawn(waiting_task(&clean_ups));
            }
            let_them_start().await;
            set.shutdown().await;
            assert_eq!(
                clean_ups.done(),
                6,
                "shutdown returned before the guards ran"
            );
            assert!(set.is_empty());
        });
    }

    /// A task in the middle of a poll, on a worker thread of a multi-thread
    /// runtime: it says so on `in_poll`, then blocks that thread until the
    /// test sends on `release`, and only then reaches its `.await` (or, with
    /// `finish`, returns).
    struct MidPoll {
        runtime: Runtime,
        release: mpsc::Sender<()>,
        dropped: mpsc::Receiver<()>,
    }

    struct SendOnDrop(mpsc::Sender<()>);

    impl Drop for SendOnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    fn mid_poll<T>(
        finish: bool,
        spawn: impl FnOnce(&Runtime, std::pin::Pin<Box<dyn Future<Output = u32> + Send>>) -> T,
    ) -> (MidPoll, T) {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (in_poll_tx, in_poll) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let (dropped_tx, dropped) = mpsc::channel();
        let task = Box::pin(async move {
            let _guard = SendOnDrop(dropped_tx);
            in_poll_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(EVENT_LIMIT); // inside the poll
            if !finish {
                std::future::pending::<()>().await;
            }
            42
        });
        let owner = spawn(&runtime, task);
        in_poll
            .recv_timeout(EVENT_LIMIT)
            .expect("the task is being polled");
        let mid_poll = MidPoll {
            runtime,
            release,
            dropped,
        };
        (mid_poll, owner)
    }

    #[test]
    fn an_aborted_task_that_is_finishing_completes_normally() {
        run_within(Duration::from_secs(20), || {
            let (task, handle) = mid_poll(true, |runtime, future| runtime.spawn(future));
            handle.abort(); // returns although the task is in the middle of a poll
            task.release.send(()).unwrap();
            // That poll returned Ready: the abort came too late to matter.
            assert_eq!(task.runtime.block_on(handle).unwrap(), 42);
        });
    }

    #[test]
    fn dropping_the_owner_of_a_running_task_does_not_wait() {
        run_within(Duration::from_secs(20), || {
            // A JoinSet...
            let (task, set) = mid_poll(false, |runtime, future| {
                let _enter = runtime.enter();
                let mut set = JoinSet::new();
                set.spawn(future);
                set
            });
            drop(set);
            assert!(
                task.dropped.try_recv().is_err(),
                "dropping the JoinSet waited for its task"
            );
            task.release.send(()).unwrap();
            task.dropped
                .recv_timeout(EVENT_LIMIT)
                .expect("the task is dropped once its poll returns Pending");

            // ...and an AbortOnDropHandle.
            let (task, handle) = mid_poll(false, |runtime, future| {
                AbortOnDropHandle::new(runtime.spawn(future))
            });
            drop(handle);
            assert!(
                task.dropped.try_recv().is_err(),
                "dropping the AbortOnDropHandle waited for its task"
            );
            task.release.send(()).unwrap();
            task.dropped.recv_timeout(EVENT_LIMIT).unwrap();
        });
    }
}

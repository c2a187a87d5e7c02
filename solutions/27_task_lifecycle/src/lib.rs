//! # Solution of exercise 27
//!
//! `abort_all()` only asks: it returns before any task has ended, so the folder
//! was deleted under the workers' open files. And an aborted task is dropped
//! where it waits, so a clean-up that needs an `.await` (releasing a lease)
//! never runs. The fix stops the workers in two stages: first the token, which
//! lets each worker finish its own way, for at most `GRACE`; then `abort_all()`
//! for whoever did not listen. Both stages *wait* for the tasks through
//! `join_next()`, which also hands back each task's outcome: a `JoinError`
//! that `is_panic()` carries the panic's payload.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long a worker may take to stop once asked.
pub const GRACE: Duration = Duration::from_secs(1);
/// How long a worker's step takes.
pub const STEP: Duration = Duration::from_secs(1);
/// How long `Lease::release` takes (a call to the job queue).
pub const RELEASE_TIME: Duration = Duration::from_millis(300);

/// What the job reports: every line goes here, in order.
pub type Log = Arc<dyn Fn(String) + Send + Sync>;

/// How a worker behaves (the tests use all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Stops at once when asked, after releasing its lease.
    Polite,
    /// Never looks at its token (a library call that cannot be interrupted).
    Deaf,
    /// Panics in its second step.
    Crashes,
}

/// What `shutdown` found out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The panic messages of the workers that crashed.
    pub panicked: Vec<String>,
}

/// The supervisor: the workers' tasks, their stop token, the scratch folder.
pub struct Supervisor {
    workers: JoinSet<()>,
    stop: CancellationToken,
    log: Log,
}

impl Supervisor {
    pub fn new(log: impl Fn(String) + Send + Sync + 'static) -> Supervisor {
        let log: Log = Arc::new(log);
        log("scratch folder created".to_owned());
        Supervisor {
            workers: JoinSet::new(),
            stop: CancellationToken::new(),
            log,
        }
    }

    /// Starts worker `id`.
    pub fn start(&mut self, id: u32, kind: Kind) {
        let stop = self.stop.child_token();
        self.workers.spawn(worker(id, kind, stop, self.log.clone()));
    }

    /// Stops every worker, then deletes the scratch folder.
    // ANCHOR: shutdown
    pub async fn shutdown(mut self) -> Report {
        let mut report = Report::default();
        // Ask first: each worker releases its lease and ends its own way.
        self.stop.cancel();
        let asked = tokio::time::timeout(GRACE, drain(&mut self.workers, &mut report)).await;
        if asked.is_err() {
            // Then make: abort whoever did not listen, and wait for them too.
            self.workers.abort_all();
            drain(&mut self.workers, &mut report).await;
        }
        // Every task has ended: no file is open in the folder any more.
        (self.log)("scratch folder deleted".to_owned());
        report
    }
    // ANCHOR_END: shutdown
}

// ANCHOR: drain
/// Waits for every task of `workers` to end, and notes the ones that panicked.
async fn drain(workers: &mut JoinSet<()>, report: &mut Report) {
    while let Some(ended) = workers.join_next().await {
        match ended {
            Ok(()) => {}
            Err(error) if error.is_panic() => {
                let payload = error.into_panic();
                let message = match payload.downcast::<String>() {
                    Ok(message) => *message,
                    Err(payload) => match payload.downcast::<&str>() {
                        Ok(message) => (*message).to_owned(),
                        Err(_) => "a panic with no message".to_owned(),
                    },
                };
                report.panicked.push(message);
            }
            Err(_cancelled) => {} // aborted by us: expected
        }
    }
}
// ANCHOR_END: drain

/// A lease on the worker's input: it must be released, and that is a call.
struct Lease {
    id: u32,
    log: Log,
}

impl Lease {
    async fn release(self) {
        tokio::time::sleep(RELEASE_TIME).await;
        (self.log)(format!("worker {} released its lease", self.id));
    }
}

/// The worker's file in the scratch folder; dropping it closes it.
struct ScratchFile {
    id: u32,
    log: Log,
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        (self.log)(format!("worker {} closed its file", self.id));
    }
}

async fn worker(id: u32, kind: Kind, stop: CancellationToken, log: Log) {
    let lease = Lease {
        id,
        log: log.clone(),
    };
    let _file = ScratchFile {
        id,
        log: log.clone(),
    };
    for step in 1.. {
        let step_done = async {
            tokio::time::sleep(STEP).await;
            if kind == Kind::Crashes && step == 2 {
                panic!("worker {id}: disk full");
            }
        };
        if kind == Kind::Deaf {
            step_done.await;
        } else if stop.run_until_cancelled(step_done).await.is_none() {
            break;
        }
        log(format!("worker {id} step {step}"));
    }
    lease.release().await;
}

#[cfg(test)]
#[path = "../../../exercises/27_task_lifecycle/src/tests.rs"]
mod tests;

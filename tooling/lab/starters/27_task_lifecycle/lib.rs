//! # Exercise 27: a supervisor that stops its workers
//!
//! Chapter: "A task's last moments" (`src/task-lifecycle.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check task-lifecycle` from anywhere in the course.
//!
//! A `Supervisor` runs a batch job's workers, one task each. Every worker holds
//! a lease on its input (released with an async call, `Lease::release`) and a
//! file in the job's scratch folder (closed when the file is dropped). When
//! the job stops, `shutdown` must end every worker and then delete the folder.
//!
//! It does not go well. The folder is deleted while workers still have files
//! open in it, the leases are never given back (the next run waits for them to
//! expire), and a worker that crashed is reported as if it had stopped fine.
//! Fix `shutdown`: give every worker the chance to release its lease, but no
//! more than `GRACE`; delete the folder only once every worker has ended; and
//! report the workers that panicked. The workers themselves are fine.

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
    pub async fn shutdown(mut self) -> Report {
        self.workers.abort_all();
        (self.log)("scratch folder deleted".to_owned());
        Report::default()
    }
}

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
mod tests;

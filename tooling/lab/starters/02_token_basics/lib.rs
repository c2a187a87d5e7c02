//! # Exercise 02: one worker's failure stops the whole app
//!
//! Chapter: "One token type" (`src/token-basics.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check token-basics`.
//!
//! The application runs two workers, an importer and an exporter, under one
//! application token: cancelling it (at shutdown) must stop both. Each worker
//! also runs a heartbeat task that reports "alive" twice a second until the
//! worker is done; a worker that finishes or fails cancels its token to stop
//! its own heartbeat.
//!
//! When the importer fails, the exporter stops too, half-way through its
//! work. In .NET each worker would get a read-only `CancellationToken` from
//! the application's `CancellationTokenSource` and could not cancel it. In
//! Rust every clone of a `CancellationToken` can cancel. Give each worker a
//! token that is cancelled with the application's, but whose cancellation
//! stays its own.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// One step of a worker's job takes this long.
pub const STEP_TIME: Duration = Duration::from_secs(1);
/// The heartbeat beats at t=0.25s, 0.75s, 1.25s, ... (never on a whole second,
/// so that a beat and a step never fall on the same instant).
pub const BEAT_EVERY: Duration = Duration::from_millis(500);

/// What a worker should do: how many steps, and the step that fails, if any.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub steps: u32,
    pub fails_at: Option<u32>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum WorkerError {
    /// The job failed at this step.
    Failed { step: u32 },
    /// The worker was told to stop before it was done.
    Cancelled,
}

/// Reports what the workers do: `"importer step 3"`, `"exporter heartbeat"`.
pub type Events = std::sync::Arc<dyn Fn(String) + Send + Sync>;

pub struct Workers {
    pub importer: JoinHandle<Result<u32, WorkerError>>,
    pub exporter: JoinHandle<Result<u32, WorkerError>>,
}

/// Starts both workers under the application's token.
pub fn start_workers(
    app: &CancellationToken,
    importer: Job,
    exporter: Job,
    events: Events,
) -> Workers {
    Workers {
        importer: tokio::spawn(run_worker(
            "importer",
            app.clone(),
            importer,
            events.clone(),
        )),
        exporter: tokio::spawn(run_worker("exporter", app.clone(), exporter, events)),
    }
}

async fn run_worker(
    name: &'static str,
    token: CancellationToken,
    job: Job,
    events: Events,
) -> Result<u32, WorkerError> {
    tokio::spawn(heartbeat(name, token.clone(), events.clone()));

    for step in 1..=job.steps {
        tokio::select! {
            _ = token.cancelled() => return Err(WorkerError::Cancelled),
            _ = tokio::time::sleep(STEP_TIME) => {}
        }
        if job.fails_at == Some(step) {
            events(format!("{name} failed at step {step}"));
            token.cancel(); // stop our heartbeat
            return Err(WorkerError::Failed { step });
        }
        events(format!("{name} step {step}"));
    }
    token.cancel(); // stop our heartbeat
    Ok(job.steps)
}

async fn heartbeat(name: &'static str, token: CancellationToken, events: Events) {
    let mut beats = tokio::time::interval_at(Instant::now() + BEAT_EVERY / 2, BEAT_EVERY);
    beats.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = beats.tick() => events(format!("{name} heartbeat")),
        }
    }
}

#[cfg(test)]
mod tests;

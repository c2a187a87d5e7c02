// WRONG FIX: wait in `Drop` until the spawned task is finished, so it cannot outlive the caller. A `Drop` cannot await: it spins, the runtime's only thread never gets back to the task, and everything hangs.
use std::time::Duration;

/// How many steps a full report takes.
pub const STEPS: u32 = 35;
/// How long one step (one query plus its processing) takes.
pub const STEP_TIME: Duration = Duration::from_secs(1);

/// The finished report: one row per step.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub rows: Vec<u32>,
}

/// Builds the report, calling `on_step` after each step (for a progress bar).
pub async fn build_report(on_step: impl Fn(u32) + Send + 'static) -> Report {
    // Run the heavy part in the background, the way `Task.Run` keeps a
    // request thread free in .NET.
    let work = tokio::spawn(async move {
        let mut rows = Vec::new();
        for step in 1..=STEPS {
            tokio::time::sleep(STEP_TIME).await; // one query and its processing
            rows.push(step * step);
            on_step(step);
        }
        Report { rows }
    });
    // Make sure the task never outlives this future: wait for it in Drop.
    let mut work = WaitOnDrop(work);
    (&mut work.0).await.expect("the report task panicked")
}

struct WaitOnDrop(tokio::task::JoinHandle<Report>);

impl Drop for WaitOnDrop {
    fn drop(&mut self) {
        while !self.0.is_finished() {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests;

// WRONG FIX: abort the spawned task after awaiting it. When the caller drops the future at the `.await`, the line after it never runs.
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
    // Stop the background task once we are done with it.
    let stop = work.abort_handle();
    let report = work.await.expect("the report task panicked");
    stop.abort();
    report
}

#[cfg(test)]
mod tests;

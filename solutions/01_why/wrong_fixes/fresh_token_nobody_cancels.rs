// WRONG FIX: check a brand-new CancellationToken in the spawned loop. Nobody holds a clone of it, so nobody can ever cancel it.
use std::time::Duration;

use tokio_util::sync::CancellationToken;

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
    // Give the work a token, and have it check the token before every step.
    let token = CancellationToken::new();
    let work = tokio::spawn(async move {
        let mut rows = Vec::new();
        for step in 1..=STEPS {
            if token.is_cancelled() {
                break;
            }
            tokio::time::sleep(STEP_TIME).await; // one query and its processing
            rows.push(step * step);
            on_step(step);
        }
        Report { rows }
    });
    work.await.expect("the report task panicked")
}

#[cfg(test)]
mod tests;

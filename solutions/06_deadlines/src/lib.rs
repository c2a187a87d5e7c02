//! # Solution of exercise 06: a deadline that moves
//!
//! Chapter: "Deadlines that move" (`src/deadlines.md`).
//!
//! A `sleep` written inside the `select!` is a new timer every time round the
//! loop, counting from *now*: each extension restarted the countdown. The fix
//! creates the deadline once, before the loop, as a pinned `Sleep`, and polls
//! that same timer every time round (`&mut deadline`). An extension moves it
//! with `Sleep::reset`, which takes an instant: the timer's own
//! `deadline()` plus the time granted. Adding to `Instant::now()` instead
//! would be .NET's `CancelAfter(extra)`: "due `extra` from now", not "`extra`
//! later than it was".
//!
//! When a `select!` branch's pattern does not match (`recv()` gives `None`
//! once the agent's side of the channel is gone), that branch is switched off
//! for the rest of that `select!`, and the other two go on racing.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

/// How long a normal conversion may take.
pub const NORMAL_BUDGET: Duration = Duration::from_secs(10);
/// How long a priority customer's conversion may take.
pub const PRIORITY_BUDGET: Duration = Duration::from_secs(30);

/// Whose document it is: priority customers get more time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Normal,
    High,
}

impl Priority {
    /// The time a conversion of this priority gets before any extension.
    pub fn budget(self) -> Duration {
        match self {
            Priority::Normal => NORMAL_BUDGET,
            Priority::High => PRIORITY_BUDGET,
        }
    }
}

/// An uploaded document. A stand-in: converting it takes `conversion_time`,
/// and `on_written` hears the PDF's name once a conversion has written it
/// (the tests record it).
#[derive(Clone)]
pub struct Document {
    pub name: String,
    pub conversion_time: Duration,
    pub on_written: Arc<dyn Fn(&str) + Send + Sync>,
}

/// The converted document.
#[derive(Debug, PartialEq, Eq)]
pub struct Pdf {
    pub name: String,
}

/// Why a conversion did not produce a PDF.
#[derive(Debug, PartialEq, Eq)]
pub enum JobError {
    /// The deadline (budget plus every extension) passed first.
    DeadlineExceeded,
}

/// The conversion itself. It knows nothing about deadlines.
async fn convert(document: &Document) -> Pdf {
    tokio::time::sleep(document.conversion_time).await;
    let name = format!("{}.pdf", document.name);
    (document.on_written)(&name);
    Pdf { name }
}

// ANCHOR: run_conversion
/// Converts `document`, giving up when its deadline passes. Every message on
/// `extensions` moves the deadline later by that much.
pub async fn run_conversion(
    document: &Document,
    priority: Priority,
    extensions: &mut mpsc::Receiver<Duration>,
) -> Result<Pdf, JobError> {
    let work = convert(document);
    // One timer for the whole conversion, created once.
    let deadline = tokio::time::sleep(priority.budget());
    tokio::pin!(work, deadline);
    loop {
        tokio::select! {
            pdf = &mut work => return Ok(pdf),
            Some(extra) = extensions.recv() => {
                // Later than it was, not `extra` from now.
                let later = deadline.deadline() + extra;
                deadline.as_mut().reset(later);
            }
            () = &mut deadline => return Err(JobError::DeadlineExceeded),
        }
    }
}
// ANCHOR_END: run_conversion

#[cfg(test)]
#[path = "../../../exercises/06_deadlines/src/tests.rs"]
mod tests;

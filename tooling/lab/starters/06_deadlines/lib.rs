//! # Exercise 06: a deadline that moves
//!
//! Chapter: "Deadlines that move" (`src/deadlines.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check deadlines` from anywhere
//! in the course.
//!
//! The document service converts uploads to PDF. A conversion gets 10 s, or
//! 30 s for a priority customer; when its deadline passes, the conversion is
//! stopped and the customer sees "this took too long"
//! (`JobError::DeadlineExceeded`). While a conversion runs, a support agent
//! can give it more time: every `Duration` that arrives on `extensions` moves
//! that conversion's deadline later by exactly that much. "+5 s" on a job due
//! at t=10s makes it due at t=15s, whenever the agent clicks.
//!
//! With no extension the code below is right. After an extension, the
//! deadline lands somewhere else. Make an extension move the deadline by
//! exactly the time granted.

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

/// Converts `document`, giving up when its deadline passes. Every message on
/// `extensions` moves the deadline later by that much.
pub async fn run_conversion(
    document: &Document,
    priority: Priority,
    extensions: &mut mpsc::Receiver<Duration>,
) -> Result<Pdf, JobError> {
    let work = convert(document);
    tokio::pin!(work);
    let mut budget = priority.budget();
    loop {
        tokio::select! {
            pdf = &mut work => return Ok(pdf),
            Some(extra) = extensions.recv() => budget += extra,
            _ = tokio::time::sleep(budget) => return Err(JobError::DeadlineExceeded),
        }
    }
}

#[cfg(test)]
mod tests;

// WRONG FIX: keep the first deadline in a variable and `reset(first_deadline + extra)`. One extension works; a second one is added to the first deadline again, and the time the first one granted is lost.
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

/// An uploaded document. A stand-in: converting it takes `conversion_time`.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub conversion_time: Duration,
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
    Pdf {
        name: format!("{}.pdf", document.name),
    }
}

/// Converts `document`, giving up when its deadline passes. Every message on
/// `extensions` moves the deadline later by that much.
pub async fn run_conversion(
    document: &Document,
    priority: Priority,
    extensions: &mut mpsc::Receiver<Duration>,
) -> Result<Pdf, JobError> {
    let work = convert(document);
    let due = tokio::time::Instant::now() + priority.budget();
    let deadline = tokio::time::sleep_until(due);
    tokio::pin!(work, deadline);
    loop {
        tokio::select! {
            pdf = &mut work => return Ok(pdf),
            Some(extra) = extensions.recv() => deadline.as_mut().reset(due + extra),
            () = &mut deadline => return Err(JobError::DeadlineExceeded),
        }
    }
}

#[cfg(test)]
mod tests;

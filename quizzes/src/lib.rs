//! The book's "Predict the timeline" questions, one module per chapter.
//!
//! Each question is a function whose body is exactly the code the chapter
//! shows (between `// ANCHOR: name` and `// ANCHOR_END: name`, included by
//! mdBook). The function returns what the code really did, as text or a
//! number; `cargo lab check-quizzes` runs every question (see [`run`]) and
//! compares that outcome with the answer key in `quizzes/questions.toml`, so
//! the book can never mark a wrong answer right.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub mod blocking;
pub mod cancel_safe_apis;
pub mod channels;
pub mod checking;
pub mod cooperative;
pub mod database;
pub mod deadlines;
pub mod dispose;
pub mod drop;
pub mod http_client;
pub mod http_disconnect;
pub mod http_timeout;
pub mod hygiene;
pub mod linked;
pub mod locks;
pub mod propagate;
pub mod runtime_shutdown;
pub mod select;
pub mod shutdown;
pub mod streams;
pub mod swallow;
pub mod task_lifecycle;
pub mod tasks;
pub mod testing;
pub mod timeouts;
pub mod token_basics;
pub mod unknown_outcome;
pub mod upload;
pub mod why;

mod run;
pub use run::{Outcome, run, run_all};

/// A question's code, as the runner calls it.
pub enum Code {
    /// Async code on a current-thread runtime whose clock starts paused: a
    /// sleep takes no wall time, and `Instant::elapsed` is virtual time.
    Paused(fn() -> BoxedOutcome),
    /// Async code that waits on real I/O or real threads (SQLite's worker, a
    /// socket, a blocked thread): on a runtime with the real clock, because a
    /// paused clock would jump ahead while the runtime waits on that I/O.
    RealTime(fn() -> BoxedOutcome),
    /// Code that builds and ends a runtime of its own.
    Blocking(fn() -> String),
}

pub type BoxedOutcome = Pin<Box<dyn Future<Output = String>>>;

pub struct Question {
    pub id: &'static str,
    pub code: Code,
}

/// Boxes a question's future (what `Code::Paused` and `Code::RealTime` hold).
pub fn boxed(outcome: impl Future<Output = String> + 'static) -> BoxedOutcome {
    Box::pin(outcome)
}

/// Every question of the book, in the book's order.
pub fn all() -> Vec<Question> {
    [
        why::questions(),
        token_basics::questions(),
        checking::questions(),
        drop::questions(),
        timeouts::questions(),
        deadlines::questions(),
        linked::questions(),
        propagate::questions(),
        swallow::questions(),
        hygiene::questions(),
        dispose::questions(),
        tasks::questions(),
        select::questions(),
        blocking::questions(),
        http_disconnect::questions(),
        http_timeout::questions(),
        http_client::questions(),
        database::questions(),
        shutdown::questions(),
        upload::questions(),
        testing::questions(),
        channels::questions(),
        cancel_safe_apis::questions(),
        locks::questions(),
        unknown_outcome::questions(),
        runtime_shutdown::questions(),
        task_lifecycle::questions(),
        streams::questions(),
        cooperative::questions(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `Question { id, code: Code::Paused(..) }` for an async fn whose output
/// is displayed as the outcome.
#[macro_export]
macro_rules! paused {
    ($id:literal, $code:path) => {
        $crate::Question {
            id: $id,
            code: $crate::Code::Paused(|| $crate::boxed(async { $code().await.to_string() })),
        }
    };
}

/// The same on the real clock.
#[macro_export]
macro_rules! real_time {
    ($id:literal, $code:path) => {
        $crate::Question {
            id: $id,
            code: $crate::Code::RealTime(|| $crate::boxed(async { $code().await.to_string() })),
        }
    };
}

/// What the questions' code shares: small, named so that the code shown in
/// the book reads without them being shown.
///
/// Cancels `token` at `after` (virtual time), from a task of its own.
pub fn cancel_after(token: &CancellationToken, after: Duration) {
    let token = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        token.cancel();
    });
}

/// A counter shared between tasks.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU32>);

impl Counter {
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A list of events, shown as `a, b, c`.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<&'static str>>>);

impl Log {
    pub fn push(&self, event: &'static str) {
        self.0.lock().unwrap().push(event);
    }
}

impl fmt::Display for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.lock().unwrap().join(", "))
    }
}

/// Pushes its event to the log when it is dropped.
pub struct PushOnDrop(pub Log, pub &'static str);

impl Drop for PushOnDrop {
    fn drop(&mut self) {
        self.0.push(self.1);
    }
}

//! Running a question: each on a thread and a runtime of its own, so that
//! one question's tasks, timers and clock cannot touch another's, and with a
//! wall-clock bound, so that a question that hangs or spins is reported as
//! such instead of stopping the whole check.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::{Code, Question};

/// What one question's code did: its outcome, or why there is none.
pub type Outcome = Result<String, String>;

/// The longest a question may take in wall time. Paused-clock questions take
/// milliseconds; the real-time ones (SQLite, a socket) well under a second.
pub const LIMIT: Duration = Duration::from_secs(10);

pub fn run(question: &Question) -> Outcome {
    run_within(question, LIMIT)
}

fn run_within(question: &Question, limit: Duration) -> Outcome {
    let (done, outcome) = mpsc::channel();
    let code = match &question.code {
        Code::Paused(code) => Job::Async(*code, true),
        Code::RealTime(code) => Job::Async(*code, false),
        Code::Blocking(code) => Job::Blocking(*code),
    };
    // A thread of its own: when the bound passes, the thread is left behind
    // (it cannot be stopped from outside) and ends with the process.
    thread::Builder::new()
        .name(question.id.to_owned())
        .spawn(move || {
            let result = std::panic::catch_unwind(|| code.run());
            let _ = done.send(result.map_err(|panic| panic_message(&panic)));
        })
        .map_err(|error| format!("cannot start a thread: {error}"))?;
    match outcome.recv_timeout(limit) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(panic)) => Err(format!("panicked: {panic}")),
        Err(_) => Err(format!("no outcome after {limit:?}: it hangs or spins")),
    }
}

/// Every question, one after the other, with its outcome.
pub fn run_all(questions: &[Question]) -> Vec<(&'static str, Outcome)> {
    questions.iter().map(|q| (q.id, run(q))).collect()
}

enum Job {
    Async(fn() -> crate::BoxedOutcome, bool),
    Blocking(fn() -> String),
}

impl Job {
    fn run(self) -> String {
        match self {
            Job::Async(code, paused) => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .start_paused(paused)
                    .build()
                    .expect("a current-thread runtime");
                runtime.block_on(code())
            }
            Job::Blocking(code) => code(),
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, boxed};

    #[test]
    fn a_question_that_hangs_is_reported_within_the_bound() {
        let hangs = Question {
            id: "hangs",
            // No timer to jump to: a paused clock cannot end this wait.
            code: Code::Paused(|| boxed(std::future::pending())),
        };
        let started = std::time::Instant::now();
        let outcome = run_within(&hangs, Duration::from_millis(300));
        assert!(
            outcome.as_ref().is_err_and(|e| e.contains("hangs")),
            "{outcome:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_panic_is_an_outcome_and_virtual_time_is_virtual() {
        let panics = Question {
            id: "panics",
            code: Code::Blocking(|| panic!("on purpose")),
        };
        assert_eq!(run(&panics), Err("panicked: on purpose".to_owned()));
        let sleeps = Question {
            id: "sleeps",
            code: Code::Paused(|| {
                boxed(async {
                    let start = tokio::time::Instant::now();
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    format!("{:?}", start.elapsed())
                })
            }),
        };
        let started = std::time::Instant::now();
        assert_eq!(run(&sleeps), Ok("3600s".to_owned()));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

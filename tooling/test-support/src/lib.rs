//! Helpers shared by every exercise's tests.
//!
//! The tests of this course have three jobs: catch the cancellation bug,
//! explain it in the learner's terms, and never hang the learner's terminal.
//! Each module serves one of them:
//!
//! - [`bounded`] runs a test body on its own thread, with tokio's paused clock,
//!   and fails it after a wall-clock limit if it hangs or spins.
//! - [`timeline`] records what happened at which virtual instant, so that a
//!   failure can tell the story ("cancel at t=5s, step 35 at t=35s").
//! - [`lesson`] turns a failed expectation into a message that says what went
//!   wrong, asks the question that leads to the fix, and names the chapter.
//!
//! - [`leftovers`]: whatever ended the operation, nothing it started may run
//!   on afterwards (an hour of virtual time, no work event, every probe dropped).
//! - [`sweep`]: cancel or drop the operation at each of its await points in
//!   turn, and check the invariant every time.
//! - `runs` leaves each failing lesson's timeline as JSON for `cargo lab`,
//!   which keeps the latest and draws it in the served book.
//! - [`temp_dir`] gives a test a folder of its own that removes itself.
//! - [`http`] (feature `http`) serves an axum router on loopback.
//!
//! Only tokio is a dependency by default; helpers for HTTP sit behind the
//! `http` feature so that an early exercise compiles nothing more.

pub mod bounded;
#[cfg(feature = "http")]
pub mod http;
pub mod leftovers;
pub mod lesson;
mod runs;
pub mod sweep;
pub mod temp_dir;
pub mod timeline;

pub use bounded::{paused, real_time};
pub use leftovers::{Probe, check_nothing_after, nothing_left_running, tasks_alive};
pub use lesson::Lesson;
pub use sweep::{Point, cancel_at_every_point, drop_at_every_point};
pub use temp_dir::TempDir;
pub use timeline::{Timeline, at};

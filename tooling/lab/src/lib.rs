//! `cargo lab`: the course runner, as a library with a thin binary.
//!
//! Learners use `start`, `list`, `check`, `hint` and `reset`; maintainers
//! use `verify`, which proves on scratch copies that every starter fails,
//! every solution passes and every wrong fix is rejected. Everything is
//! driven by `course.toml` and the wrong fixes' patch files. No command
//! here writes into `exercises/` but `reset`: that folder is the learner's.
//!
//! - [`course`]: the manifest; [`wrong_fix`]: the patches.
//! - [`scratch`] and [`files`]: copies under `target/lab/`, file helpers.
//! - [`cargo`]: running tests; [`verify`]: judging them.
//! - [`learner`], [`progress`], [`watch`], [`book_server`]: the learner's side.
//! - [`class_report`]: reporting checks to an instructor's class server.
//! - [`cli`]: the command line, from which `--help` and README's list come.

pub mod bench;
pub mod book_check;
pub mod book_server;
pub mod cargo;
pub mod check_quizzes;
pub mod class_report;
pub mod cli;
pub mod course;
pub mod edition;
pub mod files;
pub mod instructor_docs;
pub mod learner;
pub mod mutants;
pub mod progress;
pub mod quiz_key;
pub mod runs;
pub mod scaffold;
pub mod scratch;
pub mod suite;
pub mod timeline_figures;
pub mod timeline_svg;
pub mod tools;
pub mod verify;
pub mod watch;
pub mod wrong_fix;
pub mod wrong_fix_edit;

//! The examples of the "unknown-outcome" chapter (src/unknown-outcome.md) that are not the
//! exercise's solution, compiled and tested here.

//! The examples of the "runtime-shutdown" chapter (src/runtime-shutdown.md) that are not the
//! exercise's solution, compiled and tested here.

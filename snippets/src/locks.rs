//! The examples of the "locks" chapter (src/locks.md) that are not the
//! exercise's solution, compiled and tested here.

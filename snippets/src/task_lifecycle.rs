//! The examples of the "task-lifecycle" chapter (src/task-lifecycle.md) that are not the
//! exercise's solution, compiled and tested here.

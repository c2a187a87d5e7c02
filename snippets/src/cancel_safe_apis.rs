//! The examples of the "cancel-safe-apis" chapter (src/cancel-safe-apis.md) that are not the
//! exercise's solution, compiled and tested here.

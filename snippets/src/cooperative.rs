//! The examples of the "cooperative" chapter (src/cooperative.md) that are not the
//! exercise's solution, compiled and tested here.

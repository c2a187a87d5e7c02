//! The examples of the "streams" chapter (src/streams.md) that are not the
//! exercise's solution, compiled and tested here.

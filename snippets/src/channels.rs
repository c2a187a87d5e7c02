//! The examples of the "channels" chapter (src/channels.md) that are not the
//! exercise's solution, compiled and tested here.

//! The book's examples, one module per chapter.
//!
//! A chapter shows code with `{{#include ../snippets/src/why.rs:anchor}}`;
//! the code between `// ANCHOR: anchor` and `// ANCHOR_END: anchor` is
//! compiled here and its behaviour is pinned by the tests beside it, so the
//! book can never show an example that does not build or does not do what the
//! prose says. Exercise solutions are included from `solutions/` the same way.

pub mod checking;
pub mod drop;
pub mod token_basics;
pub mod why;

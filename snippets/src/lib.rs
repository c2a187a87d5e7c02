//! The book's examples, one module per chapter.
//!
//! A chapter shows code with `{{#include ../snippets/src/why.rs:anchor}}`;
//! the code between `// ANCHOR: anchor` and `// ANCHOR_END: anchor` is
//! compiled here and its behaviour is pinned by the tests beside it, so the
//! book can never show an example that does not build or does not do what the
//! prose says. Exercise solutions are included from `solutions/` the same way.

pub mod blocking;
pub mod cancel_safe_apis;
pub mod channels;
pub mod checking;
pub mod cooperative;
pub mod database;
pub mod deadlines;
pub mod dispose;
pub mod drop;
pub mod http_client;
pub mod http_disconnect;
pub mod http_timeout;
pub mod hygiene;
pub mod linked;
pub mod locks;
pub mod propagate;
pub mod runtime_shutdown;
pub mod select;
pub mod shutdown;
pub mod streams;
pub mod swallow;
pub mod task_lifecycle;
pub mod tasks;
pub mod testing;
pub mod timeouts;
pub mod token_basics;
pub mod unknown_outcome;
pub mod upload;
pub mod why;

/// Tests that pin what the book says about the libraries themselves (tokio,
/// tokio-util, axum, reqwest, sqlx), each next to the source file that shows
/// it, so that an upgrade that changes one of them fails here first.
pub mod pins {
    pub mod axum_serve;
    pub mod coop;
    pub mod reqwest_connect;
    pub mod runtime;
    pub mod sqlite;
    pub mod tasks;
    pub mod tokens;
}

/// What several modules' tests share.
#[cfg(test)]
mod test_util {
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;

    /// Cancels `token` after `after` (virtual time), from a task of its own.
    pub fn cancel_after(token: &CancellationToken, after: Duration) {
        let token = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            token.cancel();
        });
    }
}

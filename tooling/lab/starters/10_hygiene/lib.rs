//! # Exercise 10: tokens made up on the spot
//!
//! Chapter: "Token hygiene" (`src/hygiene.md`). Solve it with `cargo test`
//! in this folder, or `cargo lab check hygiene`.
//!
//! A document service and the application around it:
//!
//! - `DocumentService::publish` renders a document and saves it through
//!   `DocumentStore::save`, under the request's token: a client that cancels
//!   the request must stop the save (a cancelled save leaves nothing behind,
//!   so it is safe to stop at any block).
//! - `App::start_indexer` starts the search indexer on the application's
//!   `TaskTracker`. The `Indexer` it returns can stop it on its own (an admin
//!   pauses indexing); the application's shutdown must stop it too.
//! - At shutdown the application cancels `App::shutdown`, closes
//!   `App::tasks`, and waits for every task on it.
//!
//! Today a cancelled request goes on saving, and a shutdown waits for the
//! indexer for ever. In both places, some code is listening to a token that
//! nobody can cancel. Find those tokens, and put that code back under the
//! token it should obey.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Rendering a document takes this long.
pub const RENDER_TIME: Duration = Duration::from_secs(2);
/// A saved document is written in this many blocks...
pub const BLOCKS: u32 = 8;
/// ...of this long each.
pub const BLOCK_TIME: Duration = Duration::from_secs(1);
/// The indexer refreshes the search index this often.
pub const INDEX_EVERY: Duration = Duration::from_secs(2);

/// Reports what happens: `"block 3 of report-7 written"`, `"index refreshed"`.
pub type Events = Arc<dyn Fn(String) + Send + Sync>;

/// The work was stopped because its token was cancelled.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub text: String,
}

/// Stores documents in blob storage.
pub struct DocumentStore {
    events: Events,
}

impl DocumentStore {
    /// Writes the document block by block, and stops between blocks when
    /// `token` is cancelled. The blocks go to a temporary blob that is only
    /// renamed once all are written, so a cancelled save leaves nothing.
    pub async fn save(&self, doc: &Document, token: &CancellationToken) -> Result<(), Cancelled> {
        for block in 1..=BLOCKS {
            tokio::select! {
                _ = token.cancelled() => return Err(Cancelled),
                _ = tokio::time::sleep(BLOCK_TIME) => {
                    (self.events)(format!("block {block} of {} written", doc.id));
                }
            }
        }
        (self.events)(format!("{} saved", doc.id));
        Ok(())
    }
}

pub struct DocumentService {
    store: DocumentStore,
    events: Events,
}

impl DocumentService {
    pub fn new(events: Events) -> Self {
        DocumentService {
            store: DocumentStore {
                events: events.clone(),
            },
            events,
        }
    }

    /// Renders the document and saves it. `token` is the request's token.
    pub async fn publish(
        &self,
        doc: &Document,
        token: &CancellationToken,
    ) -> Result<(), Cancelled> {
        let rendered = token
            .run_until_cancelled(self.render(doc))
            .await
            .ok_or(Cancelled)?;
        self.store.save(&rendered, &CancellationToken::new()).await
    }

    /// Renders a document to HTML. No token: whoever awaits it can drop it.
    async fn render(&self, doc: &Document) -> Document {
        tokio::time::sleep(RENDER_TIME).await;
        (self.events)(format!("{} rendered", doc.id));
        Document {
            id: doc.id.clone(),
            text: format!("<article>{}</article>", doc.text),
        }
    }
}

/// The application: its shutdown token, and the tasks shutdown waits for.
pub struct App {
    /// Cancelled at shutdown: every long-lived task must hear it.
    pub shutdown: CancellationToken,
    /// Every background task of the application.
    pub tasks: TaskTracker,
    events: Events,
}

impl App {
    pub fn new(events: Events) -> Self {
        App {
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            events,
        }
    }

    /// Starts the search indexer: it refreshes the index every 2 s until it
    /// is stopped.
    pub fn start_indexer(&self) -> Indexer {
        // A token of its own, so that pausing the indexer does not stop the app.
        let token = CancellationToken::new();
        self.tasks
            .spawn(refresh_index(token.clone(), self.events.clone()));
        Indexer { token }
    }
}

/// A running indexer.
pub struct Indexer {
    token: CancellationToken,
}

impl Indexer {
    /// Stops this indexer, and nothing else.
    pub fn stop(&self) {
        self.token.cancel();
    }
}

async fn refresh_index(token: CancellationToken, events: Events) {
    loop {
        tokio::select! {
            _ = token.cancelled() => {
                events("indexer stopped".to_owned());
                return;
            }
            _ = tokio::time::sleep(INDEX_EVERY) => events("index refreshed".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests;

//! # Exercise 09: a cancelled batch that gets committed
//!
//! Chapter: "Swallowed cancellation" (`src/swallow.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check swallow`.
//!
//! A queue consumer, the kind you would write for Kafka, Azure Service Bus or
//! RabbitMQ. `consume_one_batch` takes the next batch of messages, has
//! `process_batch` hand each one to `handle_message` (a call to a downstream
//! service), and then commits the batch: the queue will never deliver a
//! committed message again. It commits only when `process_batch` returns
//! `Ok`, so that a batch that failed is delivered again after a restart.
//!
//! The token is the service's shutdown token. When the service stops in the
//! middle of a batch, the messages not yet handled must be delivered again
//! after the restart. Today a shutdown half-way through a batch commits the
//! whole batch, and the rest of it is lost for good.
//!
//! Make a cancelled batch reach `consume_one_batch`, and the code that calls
//! it, as what it is: cancelled. Not a success, and not a failure either.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Handling one message (one call downstream) takes this long.
pub const HANDLE_TIME: Duration = Duration::from_secs(1);

/// Reports what the consumer does: `"message 103 handled"`, `"commit up to 110"`.
pub type Events = Arc<dyn Fn(String) + Send + Sync>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub offset: u64,
    pub body: String,
}

/// Why one message was not handled.
#[derive(Debug, PartialEq, Eq)]
pub enum HandleError {
    /// The token was cancelled while the message was being handled.
    Cancelled,
    /// The downstream service said no.
    Rejected(String),
}

impl HandleError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, HandleError::Cancelled)
    }
}

/// Why a batch was not committed.
#[derive(Debug, PartialEq, Eq)]
pub enum BatchError {
    /// The consumer was told to stop before the batch was done.
    Cancelled,
    /// A message could not be handled.
    Failed { offset: u64, error: HandleError },
}

/// One partition of a queue, and the consumer that reads it.
pub struct Consumer {
    messages: Vec<Message>,
    commits: Mutex<Vec<u64>>,
    events: Events,
}

impl Consumer {
    pub fn new(messages: Vec<Message>, events: Events) -> Self {
        Consumer {
            messages,
            commits: Mutex::new(Vec::new()),
            events,
        }
    }

    /// Every commit so far: the offset the queue will deliver next.
    pub fn commits(&self) -> Vec<u64> {
        self.commits.lock().unwrap().clone()
    }

    /// The messages after the last commit.
    fn next_batch(&self) -> Vec<Message> {
        let next = self.commits().last().copied().unwrap_or(0);
        self.messages
            .iter()
            .filter(|message| message.offset >= next)
            .cloned()
            .collect()
    }

    /// Tells the queue that everything before `next_offset` is done for good.
    fn commit(&self, next_offset: u64) {
        (self.events)(format!("commit up to {next_offset}"));
        self.commits.lock().unwrap().push(next_offset);
    }

    /// Hands one message to the downstream service.
    pub async fn handle_message(
        &self,
        message: &Message,
        token: &CancellationToken,
    ) -> Result<(), HandleError> {
        tokio::select! {
            _ = token.cancelled() => Err(HandleError::Cancelled),
            _ = tokio::time::sleep(HANDLE_TIME) => {
                if message.body == "poison" {
                    (self.events)(format!("message {} rejected", message.offset));
                    return Err(HandleError::Rejected("unreadable body".to_owned()));
                }
                (self.events)(format!("message {} handled", message.offset));
                Ok(())
            }
        }
    }

    /// Handles every message of the batch, in order.
    pub async fn process_batch(
        &self,
        batch: &[Message],
        token: &CancellationToken,
    ) -> Result<(), BatchError> {
        for message in batch {
            match self.handle_message(message, token).await {
                Ok(()) => {}
                // Shutting down is not a failure: stop quietly.
                Err(error) if error.is_cancelled() => {
                    (self.events)(format!("shutting down before message {}", message.offset));
                    return Ok(());
                }
                Err(error) => {
                    return Err(BatchError::Failed {
                        offset: message.offset,
                        error,
                    });
                }
            }
        }
        Ok(())
    }

    /// Processes the next batch and commits it. Returns how many messages
    /// were committed.
    pub async fn consume_one_batch(&self, token: &CancellationToken) -> Result<usize, BatchError> {
        let batch = self.next_batch();
        let Some(last) = batch.last() else {
            return Ok(0);
        };
        self.process_batch(&batch, token).await?;
        self.commit(last.offset + 1);
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests;

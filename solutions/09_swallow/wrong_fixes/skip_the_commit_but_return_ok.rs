// WRONG FIX: look at the token before committing, and return Ok(0) instead. Nothing is committed, but the caller is told the batch went fine: the cancel is still swallowed, one level up.
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
        if token.is_cancelled() {
            // Shutting down: the batch may be incomplete, so commit nothing.
            return Ok(0);
        }
        self.commit(last.offset + 1);
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests;

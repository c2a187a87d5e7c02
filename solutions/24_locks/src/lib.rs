//! # Solution of exercise 24
//!
//! Two fixes, one rule: never `.await` while a guard of the books is alive.
//!
//! - `transfer` checks, debits and credits in one synchronous step under
//!   the lock, and writes the audit line after the guard is dropped. A drop
//!   at any `.await` now finds the books either untouched (waiting for the
//!   lock) or complete (waiting for the audit).
//! - `statement` copies the balances under the lock and lets go before the
//!   slow write. The copy is as consistent as the held lock was, and the
//!   query branch's `lock().await` no longer waits for a future that the
//!   same task has stopped polling (a futurelock).

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, oneshot};

/// How long writing one audit line takes.
pub const AUDIT_TIME: Duration = Duration::from_secs(1);
/// How often `serve` writes a statement.
pub const STATEMENT_EVERY: Duration = Duration::from_secs(60);
/// How long writing one statement takes.
pub const STATEMENT_TIME: Duration = Duration::from_secs(2);

/// The transfer was refused: not enough money in the account.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused;

/// A balance query: the balance of `account` goes back on `reply`.
#[derive(Debug)]
pub struct Query {
    pub account: usize,
    pub reply: oneshot::Sender<u64>,
}

/// The balances, and the two slow systems the bank writes to.
#[derive(Debug)]
pub struct Bank {
    accounts: Mutex<Vec<u64>>,
    audit: Arc<StdMutex<Vec<String>>>,
    statements: StdMutex<Vec<Vec<u64>>>,
}

impl Bank {
    pub fn new(balances: Vec<u64>) -> Bank {
        Bank {
            accounts: Mutex::new(balances),
            audit: Arc::default(),
            statements: StdMutex::default(),
        }
    }

    /// The balances right now, or `None` if someone holds the lock.
    pub fn try_balances(&self) -> Option<Vec<u64>> {
        self.accounts
            .try_lock()
            .ok()
            .map(|accounts| accounts.clone())
    }

    /// The audit lines written so far.
    pub fn audit_lines(&self) -> Vec<String> {
        self.audit.lock().unwrap().clone()
    }

    /// The statements written so far.
    pub fn statements(&self) -> Vec<Vec<u64>> {
        self.statements.lock().unwrap().clone()
    }

    // ANCHOR: transfer
    /// Moves `amount` from account `from` to account `to`, and audits it.
    pub async fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), Refused> {
        {
            // One synchronous step: no `.await` while the guard is alive.
            let mut accounts = self.accounts.lock().await;
            if accounts[from] < amount {
                return Err(Refused);
            }
            accounts[from] -= amount;
            accounts[to] += amount;
        }
        // Dropped here, the transfer is done and only its audit line is lost.
        write_audit(&self.audit, format!("{from} -> {to}: {amount}")).await;
        Ok(())
    }
    // ANCHOR_END: transfer

    /// Answers queries until every sender of `queries` is gone, and writes a
    /// statement every `STATEMENT_EVERY`.
    pub async fn serve(&self, mut queries: mpsc::Receiver<Query>) {
        let mut statement = std::pin::pin!(self.statement());
        loop {
            tokio::select! {
                () = &mut statement => statement.set(self.statement()),
                query = queries.recv() => {
                    let Some(query) = query else { return };
                    let balance = self.accounts.lock().await[query.account];
                    let _ = query.reply.send(balance);
                }
            }
        }
    }

    // ANCHOR: statement
    /// Waits for the next statement time, then writes a statement.
    async fn statement(&self) {
        tokio::time::sleep(STATEMENT_EVERY).await;
        // A copy taken under the lock; the guard is a temporary, dropped at
        // the end of this line, before the slow write.
        let balances = self.accounts.lock().await.clone();
        self.write_statement(balances).await;
    }
    // ANCHOR_END: statement

    async fn write_statement(&self, balances: Vec<u64>) {
        tokio::time::sleep(STATEMENT_TIME).await;
        self.statements.lock().unwrap().push(balances);
    }
}

/// Writes one line to the audit system.
async fn write_audit(audit: &StdMutex<Vec<String>>, line: String) {
    tokio::time::sleep(AUDIT_TIME).await;
    audit.lock().unwrap().push(line);
}

#[cfg(test)]
#[path = "../../../exercises/24_locks/src/tests.rs"]
mod tests;

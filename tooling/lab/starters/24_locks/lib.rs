//! # Exercise 24: a bank that loses money and then stops answering
//!
//! Chapter: "Locks across an `.await`" (`src/locks.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check locks` from anywhere in
//! the course.
//!
//! A small bank keeps its balances behind a `tokio::sync::Mutex`.
//!
//! - `transfer` moves money from one account to another and writes an audit
//!   line (a slow write to another system). It is called under a timeout,
//!   and callers give up: sometimes money leaves one account and never
//!   arrives in the other. The total of all balances must never change.
//! - `serve` answers balance queries and, once a minute, writes a statement
//!   of every balance. Since it started writing statements, a query that
//!   arrives while a statement is being written is never answered, and the
//!   bank stops answering anything at all.
//!
//! Fix both. Keep what each function promises: a transfer that returns `Ok`
//! has been applied and audited; every query is answered with the balance;
//! a statement is written every minute, whatever the queries do.

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

    /// Moves `amount` from account `from` to account `to`, and audits it.
    pub async fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), Refused> {
        let mut accounts = self.accounts.lock().await;
        if accounts[from] < amount {
            return Err(Refused);
        }
        accounts[from] -= amount;
        // The lock is held, so nobody sees the books in the middle.
        write_audit(&self.audit, format!("{from} -> {to}: {amount}")).await;
        accounts[to] += amount;
        Ok(())
    }

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

    /// Waits for the next statement time, then writes a statement.
    async fn statement(&self) {
        tokio::time::sleep(STATEMENT_EVERY).await;
        // Held while writing, so that no transfer changes the books under us.
        let accounts = self.accounts.lock().await;
        self.write_statement(accounts.clone()).await;
    }

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
mod tests;

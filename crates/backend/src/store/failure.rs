//! The one place that reads SurrealDB's errors: a failed statement becomes a
//! [`QueryFailure`] that services match on (a duplicate in a unique index, a record id
//! already taken, a write conflict worth retrying, a lost job lease, the query's own
//! `THROW`), instead of every module searching the message text.

use std::future::Future;
use std::time::Duration;

use surrealdb::IndexedResults;
use surrealdb::types::{AlreadyExistsError, QueryError};

/// What a failed query means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryFailure {
    /// A `UNIQUE` index refused a second record with the same values.
    Duplicate { index: String },
    /// `CREATE` of a record id that exists.
    RecordExists { table: String },
    /// Two transactions wrote the same record; running the transaction again is the fix.
    WriteConflict,
    /// A query guarded by a job lease found it held by another runner: it threw
    /// [`LEASE_LOST`].
    LeaseLost,
    /// The query's own `THROW '…'`, with its message.
    Thrown(String),
    /// Anything else, in SurrealDB's words.
    Other(String),
}

impl std::fmt::Display for QueryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryFailure::Duplicate { index } => write!(f, "duplicate value in index {index}"),
            QueryFailure::RecordExists { table } => write!(f, "the {table} record already exists"),
            QueryFailure::WriteConflict => f.write_str("write conflict"),
            QueryFailure::LeaseLost => f.write_str(LEASE_LOST),
            QueryFailure::Thrown(message) | QueryFailure::Other(message) => f.write_str(message),
        }
    }
}

/// What a query guarded by a job lease throws (`THROW $lease_lost`) when the lease is
/// another runner's.
pub const LEASE_LOST: &str = "the job is held by another runner";

/// Words SurrealDB gives every other statement of a transaction that one statement failed.
const NOT_EXECUTED: &str = "not executed due to a failed transaction";

impl QueryFailure {
    /// Classifies one error.
    pub fn of(error: &surrealdb::Error) -> QueryFailure {
        if error.is_thrown() {
            return QueryFailure::thrown(thrown_message(error.message()));
        }
        if matches!(error.query_details(), Some(QueryError::TransactionConflict)) {
            return QueryFailure::WriteConflict;
        }
        if let Some(AlreadyExistsError::Record { id }) = error.already_exists_details() {
            return QueryFailure::RecordExists {
                table: table_of(id),
            };
        }
        QueryFailure::from_words(&error.to_string())
    }

    /// For the errors SurrealDB reports only in words (index violations; conflicts and
    /// `THROW`s from some engines).
    fn from_words(text: &str) -> QueryFailure {
        if text.contains("Transaction conflict") || text.contains("can be retried") {
            return QueryFailure::WriteConflict;
        }
        if let Some(index) = between(text, "index `", "` already contains") {
            return QueryFailure::Duplicate {
                index: index.to_owned(),
            };
        }
        if let Some(record) = between(text, "record `", "` already exists") {
            return QueryFailure::RecordExists {
                table: table_of(record),
            };
        }
        if let Some(message) = text.strip_prefix("An error occurred: ") {
            return QueryFailure::thrown(message.to_owned());
        }
        QueryFailure::Other(text.to_owned())
    }

    /// The failure of a multi-statement query, `None` when every statement succeeded. A
    /// failed transaction reports its cause and a "not executed" error for each other
    /// statement; the cause is what is returned.
    pub fn of_response(response: &mut IndexedResults) -> Option<QueryFailure> {
        let mut errors: Vec<(usize, surrealdb::Error)> =
            response.take_errors().into_iter().collect();
        errors.sort_by_key(|(index, _)| *index);
        let cause = errors
            .iter()
            .map(|(_, error)| error)
            .find(|error| !is_not_executed(error))
            .or_else(|| errors.first().map(|(_, error)| error))?;
        Some(QueryFailure::of(cause))
    }

    /// A `THROW`: the lease guard's own, or another.
    fn thrown(message: String) -> QueryFailure {
        if message == LEASE_LOST {
            QueryFailure::LeaseLost
        } else {
            QueryFailure::Thrown(message)
        }
    }

    /// Whether running the same transaction again may succeed.
    pub fn is_write_conflict(&self) -> bool {
        *self == QueryFailure::WriteConflict
    }
}

fn is_not_executed(error: &surrealdb::Error) -> bool {
    matches!(error.query_details(), Some(QueryError::NotExecuted))
        || error.to_string().contains(NOT_EXECUTED)
}

/// `THROW 'x'` arrives as `x`, or `An error occurred: x` from some engines.
fn thrown_message(message: &str) -> String {
    message
        .strip_prefix("An error occurred: ")
        .unwrap_or(message)
        .to_owned()
}

fn table_of(record: &str) -> String {
    record.split(':').next().unwrap_or(record).to_owned()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let length = text[from..].find(end)?;
    Some(&text[from..from + length])
}

/// How often a transaction that lost a write conflict is run again.
const CONFLICT_RETRIES: u32 = 8;

/// Runs `attempt` again, after a short and growing pause, while it fails with an error
/// that `conflict` says is a write conflict (at most [`CONFLICT_RETRIES`] times).
pub async fn retry_conflicts<T, E, Fut>(
    mut attempt: impl FnMut() -> Fut,
    conflict: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(error) if conflict(&error) && tries < CONFLICT_RETRIES => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(2 << tries)).await;
            }
            other => return other,
        }
    }
}

/// The value of the last statement that produced one (`LET`, `IF` without a value,
/// `BEGIN` and `COMMIT` produce none), for transactions whose answer is one statement
/// among several.
pub fn last_value<T>(response: &mut IndexedResults) -> Option<T>
where
    T: surrealdb::types::SurrealValue,
{
    (0..response.num_statements())
        .rev()
        .find_map(|index| response.take::<Option<T>>(index).ok().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_read_in_one_place() {
        assert_eq!(
            QueryFailure::from_words(
                "Database index `node_owner_name` already contains ['u', 'pve'], with record `node:x`"
            ),
            QueryFailure::Duplicate {
                index: "node_owner_name".into()
            }
        );
        assert_eq!(
            QueryFailure::from_words("Database record `vmid_claim:abc_100` already exists"),
            QueryFailure::RecordExists {
                table: "vmid_claim".into()
            }
        );
        assert_eq!(
            QueryFailure::from_words(
                "Transaction conflict: Write conflict. This transaction can be retried"
            ),
            QueryFailure::WriteConflict
        );
        assert_eq!(
            QueryFailure::from_words("An error occurred: setup is already done"),
            QueryFailure::Thrown("setup is already done".into())
        );
        assert_eq!(
            QueryFailure::from_words(&format!("An error occurred: {LEASE_LOST}")),
            QueryFailure::LeaseLost
        );
        assert!(matches!(
            QueryFailure::from_words("Parse error"),
            QueryFailure::Other(_)
        ));
    }
}

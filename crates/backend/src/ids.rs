//! Fresh identifiers and random text from the thread's CSPRNG. Record ids are chosen by
//! us before the record is written (secrets are sealed to their record id, so the id must
//! be known first).

use model::ids::{Id, Table};
use rand::RngExt;

const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh random record id for table `T` (about 103 bits).
pub fn new_id<T: Table>() -> Id<T> {
    let mut rng = rand::rng();
    Id::generate(|count| rng.random_range(0..count))
}

/// A short random reference for an error, to find its details in the server log.
pub fn error_reference() -> String {
    random_text(ALPHANUMERIC, 8)
}

/// A random token of 20 letters and digits (runner names, throwaway passwords).
pub fn random_token() -> String {
    random_text(ALPHANUMERIC, 20)
}

/// `count` characters drawn uniformly from `alphabet` (ASCII) by the thread's CSPRNG.
pub fn random_text(alphabet: &[u8], count: usize) -> String {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

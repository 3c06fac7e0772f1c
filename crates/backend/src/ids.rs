//! Record ids: 20 random lowercase letters and digits, chosen by us before the record is
//! written (secrets are sealed to their record id, so the id must be known first).

use rand::RngExt;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh random record id (about 103 bits).
pub fn new_id() -> String {
    random_text(ALPHABET, 20)
}

/// `count` characters drawn uniformly from `alphabet` (ASCII) by the thread's CSPRNG.
pub fn random_text(alphabet: &[u8], count: usize) -> String {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

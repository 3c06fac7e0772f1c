//! Record ids: 20 random lowercase letters and digits, chosen by us before the record is
//! written (secrets are sealed to their record id, so the id must be known first).

use rand::RngExt;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh random record id (about 103 bits).
pub fn new_id() -> String {
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

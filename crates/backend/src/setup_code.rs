//! The one-time setup code: first-run setup asks for it, so the first stranger to reach a
//! fresh install cannot make themselves its administrator. The server issues it at start
//! while no account exists, prints it in its log and leaves it in a file only the
//! server's user can read (`corral setup-code` shows it); setup spends it.

use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use crate::ids::random_text;

/// Letters and digits that cannot be mistaken for one another when typed from a log.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The code in force, if any (shared by clones).
#[derive(Clone, Default)]
pub struct SetupCode(Arc<Mutex<Option<Zeroizing<String>>>>);

impl std::fmt::Debug for SetupCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetupCode(<redacted>)")
    }
}

impl SetupCode {
    /// The code in force, issuing one (`XXXX-XXXX-XXXX`, 60 bits) if there is none.
    pub fn issue(&self) -> Zeroizing<String> {
        let Ok(mut code) = self.0.lock() else {
            return Zeroizing::new(String::new());
        };
        code.get_or_insert_with(|| {
            let text = random_text(ALPHABET, 12);
            Zeroizing::new(format!("{}-{}-{}", &text[..4], &text[4..8], &text[8..]))
        })
        .clone()
    }

    /// Whether `typed` is the code in force (case, spaces and dashes do not matter;
    /// compared in constant time). No code in force matches nothing.
    pub fn matches(&self, typed: &str) -> bool {
        let Ok(code) = self.0.lock() else {
            return false;
        };
        let Some(code) = code.as_ref() else {
            return false;
        };
        let normal = |text: &str| -> Vec<u8> {
            text.bytes()
                .filter(|b| !matches!(b, b'-' | b' '))
                .map(|b| b.to_ascii_uppercase())
                .take(64)
                .collect()
        };
        let (expected, typed) = (normal(code), normal(typed));
        expected.len() == typed.len()
            && expected
                .iter()
                .zip(&typed)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }

    /// Ends the code (setup is done).
    pub fn spend(&self) {
        if let Ok(mut code) = self.0.lock() {
            *code = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_as_typed_until_spent() {
        let codes = SetupCode::default();
        assert!(!codes.matches(""), "no code, no match");
        let code = codes.issue();
        assert_eq!(code.len(), 14);
        assert_eq!(*codes.issue(), *code, "the same code until spent");
        assert!(codes.matches(&code));
        assert!(codes.matches(&code.to_lowercase().replace('-', " ")));
        assert!(!codes.matches("AAAA-AAAA-AAAA"));
        assert!(!codes.matches(&code[..13]));
        codes.spend();
        assert!(!codes.matches(&code));
    }
}

//! Secrets at rest: AES-256-GCM with a random 96-bit nonce per value, sealed into a
//! versioned text envelope that names its key, and bound to where it is stored.
//!
//! Envelope: `v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The associated data is
//! `corral-secret-v1 ‖ table ‖ record ‖ field`, so a ciphertext copied to another record
//! or field does not open. Several keys can be known at once (rotation): values sealed
//! under an old key still open, and new values use the current key.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

/// Where a secret lives: the associated data that binds a ciphertext to its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    pub table: &'a str,
    pub record: &'a str,
    pub field: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let mut data = b"corral-secret-v1".to_vec();
        for part in [self.table, self.record, self.field] {
            data.push(0);
            data.extend_from_slice(part.as_bytes());
        }
        data
    }
}

/// Why a secret could not be sealed or opened, or the keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the stored secret is not a Corral secret envelope")]
    Malformed,
    #[error("the stored secret was sealed with key {0}, which this server does not have")]
    UnknownKey(u32),
    #[error(
        "the stored secret does not open: wrong key, or it was moved to another record or field"
    )]
    Undecryptable,
    #[error("encryption failed")]
    Encryption,
    #[error("invalid master key material: {0}")]
    InvalidKeys(String),
    #[error("key file {path}: {source}")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The master keys, by id; the highest id is the current one.
#[derive(Clone)]
pub struct KeyRing {
    keys: BTreeMap<u32, Zeroizing<[u8; 32]>>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

const FILE_HEADER: &str = "# Corral master keys. Keep this file secret (mode 0600) and backed up:\n\
# without it, stored credentials cannot be read. One key per line: <id> <base64>.\n";

impl KeyRing {
    /// A ring with one fresh random key (id 1).
    pub fn generate() -> KeyRing {
        let mut ring = KeyRing {
            keys: BTreeMap::new(),
        };
        ring.add_key();
        ring
    }

    /// Adds a fresh random key that becomes current; returns its id.
    pub fn add_key(&mut self) -> u32 {
        let id = self.current_id().map_or(1, |id| id + 1);
        let key = Key::<Aes256Gcm>::generate();
        let mut bytes = Zeroizing::new([0_u8; 32]);
        bytes.copy_from_slice(key.as_slice());
        self.keys.insert(id, bytes);
        id
    }

    /// Forgets every key but the current one (after a rotation has resealed everything).
    pub fn drop_old_keys(&mut self) {
        if let Some(current) = self.current_id() {
            self.keys.retain(|id, _| *id == current);
        }
    }

    /// The ids of the keys this ring holds, oldest first.
    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// The id new secrets are sealed with.
    pub fn current_id(&self) -> Option<u32> {
        self.keys.keys().next_back().copied()
    }

    /// Reads `<id> <base64>` lines (or `<id>:<base64>` separated by commas, as in an
    /// environment variable); `#` starts a comment.
    pub fn parse(text: &str) -> Result<KeyRing, VaultError> {
        let invalid = |message: String| VaultError::InvalidKeys(message);
        let mut keys = BTreeMap::new();
        let entries = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|entry| !entry.is_empty());
        for entry in entries {
            let (id, material) = entry
                .split_once([' ', ':'])
                .ok_or_else(|| invalid("each key is `<id> <base64>`".into()))?;
            let id: u32 = id
                .trim()
                .parse()
                .map_err(|_| invalid(format!("`{id}` is not a key id")))?;
            let bytes = Zeroizing::new(
                STANDARD
                    .decode(material.trim())
                    .map_err(|_| invalid(format!("key {id} is not base64")))?,
            );
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| invalid(format!("key {id} is not 32 bytes")))?;
            if keys.insert(id, Zeroizing::new(key)).is_some() {
                return Err(invalid(format!("key {id} appears twice")));
            }
        }
        if keys.is_empty() {
            return Err(invalid("no key found".into()));
        }
        Ok(KeyRing { keys })
    }

    /// The key file text.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::from(FILE_HEADER));
        for (id, key) in &self.keys {
            text.push_str(&format!("{id} {}\n", STANDARD.encode(key.as_slice())));
        }
        text
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<KeyRing, VaultError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            VaultError::KeyFile {
                path: path.display().to_string(),
                source,
            }
        })?);
        KeyRing::parse(&text)
    }

    /// Writes the key file with mode 0600, replacing any previous one atomically.
    pub fn save(&self, path: &Path) -> Result<(), VaultError> {
        let file_error = |source| VaultError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        let temporary = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary).map_err(file_error)?;
        file.write_all(self.to_file_text().as_bytes())
            .map_err(file_error)?;
        file.sync_all().map_err(file_error)?;
        std::fs::rename(&temporary, path).map_err(file_error)
    }

    fn cipher(&self, id: u32) -> Result<Aes256Gcm, VaultError> {
        let key = self.keys.get(&id).ok_or(VaultError::UnknownKey(id))?;
        Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| VaultError::Encryption)
    }

    /// Encrypts `plaintext` for the place `binding` under the current key.
    pub fn seal(&self, binding: &Binding<'_>, plaintext: &[u8]) -> Result<String, VaultError> {
        let id = self.current_id().ok_or(VaultError::Encryption)?;
        let nonce = Nonce::generate();
        let aad = binding.associated_data();
        let ciphertext = self
            .cipher(id)?
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Encryption)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        Ok(format!("v1:{id}:{}", URL_SAFE_NO_PAD.encode(blob)))
    }

    /// Decrypts a sealed value stored at `binding`.
    pub fn open(
        &self,
        binding: &Binding<'_>,
        sealed: &str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (id, blob) = parse_envelope(sealed)?;
        if blob.len() < 12 + 16 {
            return Err(VaultError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| VaultError::Malformed)?;
        let aad = binding.associated_data();
        self.cipher(id)?
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Undecryptable)
    }

    /// Whether `sealed` uses an older key than the current one (so rotation must reseal it).
    pub fn is_stale(&self, sealed: &str) -> Result<bool, VaultError> {
        let (id, _) = parse_envelope(sealed)?;
        Ok(Some(id) != self.current_id())
    }

    /// Opens and seals again under the current key.
    pub fn reseal(&self, binding: &Binding<'_>, sealed: &str) -> Result<String, VaultError> {
        let plaintext = self.open(binding, sealed)?;
        self.seal(binding, &plaintext)
    }
}

fn parse_envelope(sealed: &str) -> Result<(u32, Vec<u8>), VaultError> {
    let mut parts = sealed.splitn(3, ':');
    let (Some("v1"), Some(id), Some(blob)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(VaultError::Malformed);
    };
    let id: u32 = id.parse().map_err(|_| VaultError::Malformed)?;
    let blob = URL_SAFE_NO_PAD
        .decode(blob)
        .map_err(|_| VaultError::Malformed)?;
    Ok((id, blob))
}

/// Where the master keys came from, for the start-up log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `--key-file`.
    File(String),
    /// The `CORRAL_MASTER_KEY` environment variable.
    Environment,
    /// The data directory's `master.key`, created now because none existed.
    Generated(String),
    /// The data directory's existing `master.key`.
    DataDir(String),
}

/// Loads the keys: an explicit key file, else the environment value, else
/// `<data dir>/master.key`, which is generated (mode 0600) on the first start.
pub fn load_keys(
    key_file: Option<&Path>,
    environment: Option<&str>,
    data_dir: &Path,
) -> Result<(KeyRing, KeySource), VaultError> {
    if let Some(path) = key_file {
        return Ok((
            KeyRing::load(path)?,
            KeySource::File(path.display().to_string()),
        ));
    }
    if let Some(value) = environment.filter(|v| !v.trim().is_empty()) {
        return Ok((KeyRing::parse(value)?, KeySource::Environment));
    }
    let path = data_dir.join("master.key");
    let shown = path.display().to_string();
    if path.exists() {
        return Ok((KeyRing::load(&path)?, KeySource::DataDir(shown)));
    }
    let ring = KeyRing::generate();
    ring.save(&path)?;
    Ok((ring, KeySource::Generated(shown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE_TOKEN: Binding<'static> = Binding {
        table: "node",
        record: "node:abc",
        field: "token_secret",
    };

    #[test]
    fn a_secret_round_trips_and_every_seal_differs() {
        let ring = KeyRing::generate();
        let first = ring.seal(&NODE_TOKEN, b"3f0e5c2a-secret").unwrap();
        let second = ring.seal(&NODE_TOKEN, b"3f0e5c2a-secret").unwrap();
        assert_ne!(first, second, "a fresh nonce each time");
        assert!(first.starts_with("v1:1:"));
        assert!(!first.contains("3f0e5c2a"));
        assert_eq!(
            ring.open(&NODE_TOKEN, &first).unwrap().as_slice(),
            b"3f0e5c2a-secret"
        );
    }

    #[test]
    fn a_ciphertext_moved_to_another_record_or_field_does_not_open() {
        let ring = KeyRing::generate();
        let sealed = ring.seal(&NODE_TOKEN, b"secret").unwrap();
        let other_record = Binding {
            record: "node:xyz",
            ..NODE_TOKEN
        };
        let other_field = Binding {
            field: "ssh_password",
            ..NODE_TOKEN
        };
        assert!(matches!(
            ring.open(&other_record, &sealed),
            Err(VaultError::Undecryptable)
        ));
        assert!(matches!(
            ring.open(&other_field, &sealed),
            Err(VaultError::Undecryptable)
        ));
    }

    #[test]
    fn tampering_and_garbage_are_refused() {
        let ring = KeyRing::generate();
        let sealed = ring.seal(&NODE_TOKEN, b"secret").unwrap();
        let mut tampered = sealed.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(ring.open(&NODE_TOKEN, &tampered).is_err());
        for garbage in [
            "",
            "secret",
            "v2:1:AAAA",
            "v1:x:AAAA",
            "v1:1:!!!",
            "v1:1:AAAA",
        ] {
            assert!(
                matches!(ring.open(&NODE_TOKEN, garbage), Err(VaultError::Malformed)),
                "{garbage}"
            );
        }
        let other = KeyRing::generate();
        assert!(matches!(
            other.open(&NODE_TOKEN, &sealed),
            Err(VaultError::Undecryptable)
        ));
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_reseals_them() {
        let mut ring = KeyRing::generate();
        let old = ring.seal(&NODE_TOKEN, b"secret").unwrap();
        assert_eq!(ring.add_key(), 2);
        assert!(ring.is_stale(&old).unwrap());
        assert_eq!(ring.open(&NODE_TOKEN, &old).unwrap().as_slice(), b"secret");
        let new = ring.reseal(&NODE_TOKEN, &old).unwrap();
        assert!(new.starts_with("v1:2:") && !ring.is_stale(&new).unwrap());
        let only_new = KeyRing::parse(
            &ring
                .to_file_text()
                .lines()
                .filter(|l| !l.starts_with("1 "))
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        assert!(matches!(
            only_new.open(&NODE_TOKEN, &old),
            Err(VaultError::UnknownKey(1))
        ));
        assert_eq!(
            only_new.open(&NODE_TOKEN, &new).unwrap().as_slice(),
            b"secret"
        );
    }

    #[test]
    fn key_material_parses_from_files_and_environment_values() {
        let ring = KeyRing::generate();
        let text = ring.to_file_text();
        let parsed = KeyRing::parse(&text).unwrap();
        let sealed = ring.seal(&NODE_TOKEN, b"x").unwrap();
        assert_eq!(parsed.open(&NODE_TOKEN, &sealed).unwrap().as_slice(), b"x");
        let line = text
            .lines()
            .find(|l| l.starts_with("1 "))
            .unwrap()
            .replacen(' ', ":", 1);
        assert!(
            KeyRing::parse(&line).is_ok(),
            "`1:<base64>` as in CORRAL_MASTER_KEY"
        );
        for bad in [
            "",
            "# only a comment",
            "1 notbase64!",
            "1 AAAA",
            "x AAAA",
            "1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ] {
            assert!(KeyRing::parse(bad).is_err(), "{bad:?}");
        }
        assert!(!format!("{ring:?}").contains(&STANDARD.encode(ring.keys[&1].as_slice())));
    }

    #[test]
    fn the_first_start_generates_a_private_key_file_and_later_starts_reuse_it() {
        let dir = tempfile::tempdir().unwrap();
        let (ring, source) = load_keys(None, None, dir.path()).unwrap();
        assert!(matches!(source, KeySource::Generated(_)));
        let path = dir.path().join("master.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let sealed = ring.seal(&NODE_TOKEN, b"kept").unwrap();
        let (again, source) = load_keys(None, None, dir.path()).unwrap();
        assert!(matches!(source, KeySource::DataDir(_)));
        assert_eq!(
            again.open(&NODE_TOKEN, &sealed).unwrap().as_slice(),
            b"kept"
        );
        let env_text = ring.to_file_text();
        let (from_env, source) = load_keys(None, Some(&env_text), dir.path()).unwrap();
        assert_eq!(source, KeySource::Environment);
        assert!(from_env.open(&NODE_TOKEN, &sealed).is_ok());
        let (from_file, source) = load_keys(Some(&path), Some("ignored"), dir.path()).unwrap();
        assert!(matches!(source, KeySource::File(_)));
        assert!(from_file.open(&NODE_TOKEN, &sealed).is_ok());
    }
}

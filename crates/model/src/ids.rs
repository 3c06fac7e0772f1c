//! Identifiers, each its own type: Corral's record ids ([`NodeId`], [`JobId`],
//! [`DraftId`], [`UserId`], [`TemplateId`], [`BucketId`]) and Proxmox's container number ([`Vmid`]). A value of one of
//! these types was checked when it was made (parse, don't validate), so a node id can
//! never be passed where a job id or a Proxmox node name belongs.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A table whose records Corral names with [`Id`].
pub trait Table {
    /// The table's name in the database (`node`, `job`, …).
    const NAME: &'static str;
}

/// The `node` table: a user's Proxmox nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeTable {}
/// The `job` table: provisioning jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobTable {}
/// The `draft` table: the creation wizard's drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DraftTable {}
/// The `user` table: accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserTable {}
/// The `template` table: container templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateTable {}
/// The `bucket` table: package buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BucketTable {}
/// The `template_draft` table: the template form's drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateDraftTable {}

impl Table for NodeTable {
    const NAME: &'static str = "node";
}
impl Table for JobTable {
    const NAME: &'static str = "job";
}
impl Table for DraftTable {
    const NAME: &'static str = "draft";
}
impl Table for UserTable {
    const NAME: &'static str = "user";
}
impl Table for TemplateTable {
    const NAME: &'static str = "template";
}
impl Table for BucketTable {
    const NAME: &'static str = "bucket";
}
impl Table for TemplateDraftTable {
    const NAME: &'static str = "template_draft";
}

/// Corral's record id of a node (never the Proxmox node name, which is `pve_node`).
pub type NodeId = Id<NodeTable>;
/// A provisioning job's record id.
pub type JobId = Id<JobTable>;
/// A wizard draft's record id.
pub type DraftId = Id<DraftTable>;
/// An account's record id.
pub type UserId = Id<UserTable>;
/// A container template's record id.
pub type TemplateId = Id<TemplateTable>;
/// A package bucket's record id.
pub type BucketId = Id<BucketTable>;
/// A template form draft's record id.
pub type TemplateDraftId = Id<TemplateDraftTable>;

/// Letters of generated ids.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Length of generated ids (about 103 bits).
const GENERATED_LEN: usize = 20;
/// The longest key [`Id::parse`] accepts.
const MAX_LEN: usize = 40;

/// The key of a record in table `T`: 1–40 lowercase letters and digits, as Corral
/// generates them. Anything else cannot name a record, so a malformed id from a request
/// is simply "not found" or a bad request, never part of a query.
pub struct Id<T: Table> {
    key: String,
    table: PhantomData<fn() -> T>,
}

impl<T: Table> Id<T> {
    /// Reads a record key; `None` when it cannot be one.
    pub fn parse(text: &str) -> Option<Id<T>> {
        let valid = (1..=MAX_LEN).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        valid.then(|| Id {
            key: text.to_owned(),
            table: PhantomData,
        })
    }

    /// A fresh id of 20 characters; `pick(n)` must return a uniformly random index below
    /// `n` from a cryptographic generator (the backend passes its CSPRNG).
    pub fn generate(mut pick: impl FnMut(usize) -> usize) -> Id<T> {
        let key = (0..GENERATED_LEN)
            .map(|_| char::from(ALPHABET[pick(ALPHABET.len()) % ALPHABET.len()]))
            .collect();
        Id {
            key,
            table: PhantomData,
        }
    }

    /// The key, e.g. for a query binding or a URL.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The table's name.
    pub fn table(&self) -> &'static str {
        T::NAME
    }
}

// Written by hand: derives would demand `T: Clone`, `T: PartialEq`, … of the marker.
impl<T: Table> Clone for Id<T> {
    fn clone(&self) -> Self {
        Id {
            key: self.key.clone(),
            table: PhantomData,
        }
    }
}

impl<T: Table> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<T: Table> Eq for Id<T> {}

impl<T: Table> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl<T: Table> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Table> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl<T: Table> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", T::NAME, self.key)
    }
}

impl<T: Table> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

/// Why a text is not an id or a VMID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId {
    what: &'static str,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid {}", self.what)
    }
}

impl std::error::Error for InvalidId {}

impl<T: Table> FromStr for Id<T> {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Id::parse(text).ok_or(InvalidId { what: T::NAME })
    }
}

impl<T: Table> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key)
    }
}

impl<'de, T: Table> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A container's number on Proxmox: 100 to 999 999 999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Vmid(u32);

impl Vmid {
    /// Every VMID Proxmox accepts.
    pub const RANGE: std::ops::RangeInclusive<u32> = 100..=999_999_999;

    /// `Some` when `number` is within [`Vmid::RANGE`].
    pub fn new(number: u32) -> Option<Vmid> {
        Vmid::RANGE.contains(&number).then_some(Vmid(number))
    }

    /// The number, for the Proxmox client and queries.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Vmid {
    type Error = InvalidId;

    fn try_from(number: u32) -> Result<Self, Self::Error> {
        Vmid::new(number).ok_or(InvalidId { what: "VMID" })
    }
}

impl From<Vmid> for u32 {
    fn from(vmid: Vmid) -> u32 {
        vmid.0
    }
}

impl FromStr for Vmid {
    type Err = InvalidId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim()
            .parse::<u32>()
            .ok()
            .and_then(Vmid::new)
            .ok_or(InvalidId { what: "VMID" })
    }
}

impl fmt::Display for Vmid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_lowercase_letters_and_digits() {
        assert_eq!(
            NodeId::parse("k3j4h5").map(|id| id.to_string()),
            Some("k3j4h5".into())
        );
        for bad in ["", "node:x", "ABC", "a b", "x".repeat(41).as_str()] {
            assert!(NodeId::parse(bad).is_none(), "{bad}");
        }
        let mut next = 0;
        let id = JobId::generate(|n| {
            next += 7;
            next % n
        });
        assert_eq!(id.as_str().len(), 20);
        assert_eq!(JobId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(format!("{id:?}"), format!("job:{id}"));
    }

    #[test]
    fn ids_travel_as_plain_strings() {
        let id = NodeId::parse("abc123").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""abc123""#);
        assert_eq!(serde_json::from_str::<NodeId>(r#""abc123""#).unwrap(), id);
        assert!(serde_json::from_str::<NodeId>(r#""../x""#).is_err());
    }

    #[test]
    fn vmids_are_checked_when_made() {
        assert_eq!(Vmid::new(100).map(Vmid::get), Some(100));
        assert_eq!(Vmid::new(99), None);
        assert_eq!(Vmid::new(1_000_000_000), None);
        assert_eq!(" 120 ".parse::<Vmid>().map(Vmid::get), Ok(120));
        assert!("12a".parse::<Vmid>().is_err());
        assert_eq!(serde_json::to_string(&Vmid::new(101)).unwrap(), "101");
        assert!(serde_json::from_str::<Vmid>("42").is_err());
    }
}

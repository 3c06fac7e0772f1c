//! Proxmox task ids: `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`.

use std::fmt;
use std::str::FromStr;

/// A parsed task id. `Display` prints it back exactly as PVE does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Upid {
    /// The node the task runs on; always ask this node about the task.
    pub node: String,
    /// Worker process id (printed as 8 upper-case hex digits).
    pub pid: u32,
    /// Process start in clock ticks since boot (8 or, after ~497 days, 9 hex digits).
    pub pstart: u64,
    /// Task start, Unix seconds.
    pub starttime: u32,
    /// Worker type: `vzcreate`, `vzstart`, `download`, …
    pub worker_type: String,
    /// Usually the vmid; may be empty.
    pub id: String,
    /// `user@realm` or `user@realm!tokenid`.
    pub user: String,
}

/// Why a string is not a UPID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid UPID: {reason}")]
pub struct UpidError {
    reason: &'static str,
}

fn fail<T>(reason: &'static str) -> Result<T, UpidError> {
    Err(UpidError { reason })
}

fn hex_field(text: &str, min: usize, max: usize, reason: &'static str) -> Result<u64, UpidError> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return fail(reason);
    }
    u64::from_str_radix(text, 16).or_else(|_| fail(reason))
}

fn is_node_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn is_plain(text: &str) -> bool {
    !text.contains(|c: char| c == ':' || c == '/' || c.is_whitespace())
}

impl FromStr for Upid {
    type Err = UpidError;

    fn from_str(text: &str) -> Result<Self, UpidError> {
        let body = text.strip_prefix("UPID:").ok_or(UpidError {
            reason: "missing the UPID: prefix",
        })?;
        let body = body.strip_suffix(':').ok_or(UpidError {
            reason: "missing the trailing colon",
        })?;
        let fields: Vec<&str> = body.split(':').collect();
        let [node, pid, pstart, starttime, worker_type, id, user] = fields[..] else {
            return fail("expected 7 fields");
        };
        if !is_node_name(node) {
            return fail("bad node name");
        }
        let pid = hex_field(pid, 8, 8, "pid is not 8 hex digits")? as u32;
        let pstart = hex_field(pstart, 8, 9, "pstart is not 8 or 9 hex digits")?;
        let starttime = hex_field(starttime, 8, 8, "starttime is not 8 hex digits")? as u32;
        if worker_type.is_empty() || !is_plain(worker_type) {
            return fail("bad worker type");
        }
        if !is_plain(id) {
            return fail("bad id");
        }
        if user.is_empty() || !is_plain(user) {
            return fail("bad user");
        }
        Ok(Upid {
            node: node.to_owned(),
            pid,
            pstart,
            starttime,
            worker_type: worker_type.to_owned(),
            id: id.to_owned(),
            user: user.to_owned(),
        })
    }
}

impl fmt::Display for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UPID:{}:{:08X}:{:08X}:{:08X}:{}:{}:{}:",
            self.node, self.pid, self.pstart, self.starttime, self.worker_type, self.id, self.user
        )
    }
}

impl Upid {
    /// The user without a token suffix (`root@pam` for `root@pam!homelab`).
    pub fn user_id(&self) -> &str {
        self.user
            .split_once('!')
            .map_or(&self.user, |(user, _)| user)
    }

    /// The API token name, for tasks started by a token.
    pub fn token_id(&self) -> Option<&str> {
        self.user.split_once('!').map(|(_, token)| token)
    }
}

impl serde::Serialize for Upid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Upid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_documented_example_parses_field_by_field() {
        let upid: Upid = "UPID:pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:105:root@pam:"
            .parse()
            .unwrap();
        assert_eq!(upid.node, "pve");
        assert_eq!(upid.pid, 801_697);
        assert_eq!(upid.pstart, 129_360_037);
        assert_eq!(upid.starttime, 1_795_166_400);
        assert_eq!(upid.worker_type, "vzcreate");
        assert_eq!(upid.id, "105");
        assert_eq!(upid.user, "root@pam");
        assert_eq!(upid.token_id(), None);
    }

    #[test]
    fn token_users_empty_ids_and_long_uptimes_are_valid() {
        let upid: Upid = "UPID:pve-2:0000ABCD:1A2B3C4D5:6B0010C0:aptupdate::root@pam!homelab:"
            .parse()
            .unwrap();
        assert_eq!(upid.id, "");
        assert_eq!(upid.pstart, 0x1A2B3C4D5);
        assert_eq!(upid.user_id(), "root@pam");
        assert_eq!(upid.token_id(), Some("homelab"));
        assert_eq!(
            upid.to_string(),
            "UPID:pve-2:0000ABCD:1A2B3C4D5:6B0010C0:aptupdate::root@pam!homelab:"
        );
    }

    #[test]
    fn lower_case_hex_is_read_and_printed_upper_case() {
        let upid: Upid = "UPID:pve:000c3ba1:07b5e0a5:6b0010c0:vzstart:105:root@pam:"
            .parse()
            .unwrap();
        assert_eq!(
            upid.to_string(),
            "UPID:pve:000C3BA1:07B5E0A5:6B0010C0:vzstart:105:root@pam:"
        );
    }

    #[test]
    fn malformed_upids_are_refused() {
        for bad in [
            "",
            "UPID:pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:105:root@pam",
            "pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:105:root@pam:",
            "UPID:-pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:105:root@pam:",
            "UPID:pve:C3BA1:07B5E0A5:6B0010C0:vzcreate:105:root@pam:",
            "UPID:pve:000C3BA1:07B5E0A5:6B0010C0::105:root@pam:",
            "UPID:pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:105::",
            "UPID:pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:a/b:root@pam:",
            "UPID:pve:000C3BA1:07B5E0A5:6B0010C0:vzcreate:105:root@pam:extra:",
        ] {
            assert!(bad.parse::<Upid>().is_err(), "{bad:?} parsed");
        }
    }

    fn plain(pattern: &'static str) -> impl Strategy<Value = String> {
        proptest::string::string_regex(pattern).unwrap()
    }

    proptest! {
        #[test]
        fn every_upid_round_trips(
            node in plain("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"),
            pid: u32,
            pstart in 0u64..=0xF_FFFF_FFFF,
            starttime: u32,
            worker_type in plain("[a-z]{2,12}"),
            id in plain("[A-Za-z0-9@._-]{0,12}"),
            user in plain("[a-z]{1,8}@(pam|pve)(![A-Za-z][A-Za-z0-9._-]{1,8})?"),
        ) {
            let upid = Upid { node, pid, pstart, starttime, worker_type, id, user };
            let text = upid.to_string();
            prop_assert_eq!(text.parse::<Upid>().unwrap(), upid);
        }
    }
}

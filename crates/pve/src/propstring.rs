//! Property strings: `net0`, `rootfs`, `mp0`, `features` values such as
//! `name=eth0,bridge=vmbr0,ip=dhcp` or `local-lvm:8,size=8G`.
//!
//! PVE prints the default key first (without `key=`), then required keys, then the rest
//! alphabetically; the typed structs below print the same way and keep unknown keys.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Why a property string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid property string: {0}")]
pub struct PropertyError(String);

/// Splits `text` into key/value pairs; a part without `=` belongs to `default_key`.
fn parse_pairs(
    text: &str,
    default_key: Option<&str>,
) -> Result<BTreeMap<String, String>, PropertyError> {
    let mut pairs = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = match part.split_once('=') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => match default_key {
                Some(key) => (key, part),
                None => return Err(PropertyError(format!("`{part}` has no key"))),
            },
        };
        if key.is_empty() {
            return Err(PropertyError(format!("`{part}` has an empty key")));
        }
        if pairs.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(PropertyError(format!("duplicate key `{key}`")));
        }
    }
    Ok(pairs)
}

/// Prints pairs the way PVE does: default key bare, then `required`, then alphabetical.
fn print_pairs(
    f: &mut fmt::Formatter<'_>,
    pairs: &BTreeMap<String, String>,
    default_key: Option<&str>,
    required: &[&str],
) -> fmt::Result {
    let mut first = true;
    let mut put = |f: &mut fmt::Formatter<'_>, text: fmt::Arguments<'_>| {
        let separator = if first { "" } else { "," };
        first = false;
        write!(f, "{separator}{text}")
    };
    if let Some(value) = default_key.and_then(|key| pairs.get(key)) {
        put(f, format_args!("{value}"))?;
    }
    for key in required {
        if let Some(value) = pairs.get(*key) {
            put(f, format_args!("{key}={value}"))?;
        }
    }
    for (key, value) in pairs {
        if Some(key.as_str()) != default_key && !required.contains(&key.as_str()) {
            put(f, format_args!("{key}={value}"))?;
        }
    }
    Ok(())
}

fn flag(value: Option<bool>) -> Option<String> {
    value.map(|on| if on { "1" } else { "0" }.to_owned())
}

fn read_flag(
    pairs: &mut BTreeMap<String, String>,
    key: &str,
) -> Result<Option<bool>, PropertyError> {
    match pairs.remove(key).as_deref() {
        None => Ok(None),
        Some("1") => Ok(Some(true)),
        Some("0") => Ok(Some(false)),
        Some(other) => Err(PropertyError(format!(
            "`{key}` must be 0 or 1, not `{other}`"
        ))),
    }
}

fn read_number<T: FromStr>(
    pairs: &mut BTreeMap<String, String>,
    key: &str,
) -> Result<Option<T>, PropertyError> {
    pairs
        .remove(key)
        .map(|v| {
            v.parse()
                .map_err(|_| PropertyError(format!("`{key}` must be a number, not `{v}`")))
        })
        .transpose()
}

fn set(pairs: &mut BTreeMap<String, String>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        pairs.insert(key.to_owned(), value);
    }
}

/// A container network interface (`net0` … `net31`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetConfig {
    /// Interface name inside the container, e.g. `eth0` (required).
    pub name: String,
    pub bridge: Option<String>,
    /// `dhcp`, `manual` or an IPv4 CIDR such as `192.168.1.50/24`.
    pub ip: Option<String>,
    pub gw: Option<String>,
    /// `dhcp`, `auto`, `manual` or an IPv6 CIDR.
    pub ip6: Option<String>,
    pub gw6: Option<String>,
    pub hwaddr: Option<String>,
    pub firewall: Option<bool>,
    /// VLAN tag, 1–4094.
    pub tag: Option<u16>,
    pub mtu: Option<u16>,
    pub link_down: Option<bool>,
    /// Keys this client does not model, kept for printing back.
    pub other: BTreeMap<String, String>,
}

impl FromStr for NetConfig {
    type Err = PropertyError;
    fn from_str(text: &str) -> Result<Self, PropertyError> {
        let mut pairs = parse_pairs(text, None)?;
        let name = pairs
            .remove("name")
            .ok_or_else(|| PropertyError("network interface without `name`".into()))?;
        Ok(NetConfig {
            name,
            bridge: pairs.remove("bridge"),
            ip: pairs.remove("ip"),
            gw: pairs.remove("gw"),
            ip6: pairs.remove("ip6"),
            gw6: pairs.remove("gw6"),
            hwaddr: pairs.remove("hwaddr"),
            firewall: read_flag(&mut pairs, "firewall")?,
            tag: read_number(&mut pairs, "tag")?,
            mtu: read_number(&mut pairs, "mtu")?,
            link_down: read_flag(&mut pairs, "link_down")?,
            other: pairs,
        })
    }
}

impl fmt::Display for NetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pairs = self.other.clone();
        pairs.insert("name".into(), self.name.clone());
        set(&mut pairs, "bridge", self.bridge.clone());
        set(&mut pairs, "ip", self.ip.clone());
        set(&mut pairs, "gw", self.gw.clone());
        set(&mut pairs, "ip6", self.ip6.clone());
        set(&mut pairs, "gw6", self.gw6.clone());
        set(&mut pairs, "hwaddr", self.hwaddr.clone());
        set(&mut pairs, "firewall", flag(self.firewall));
        set(&mut pairs, "tag", self.tag.map(|t| t.to_string()));
        set(&mut pairs, "mtu", self.mtu.map(|m| m.to_string()));
        set(&mut pairs, "link_down", flag(self.link_down));
        print_pairs(f, &pairs, None, &["name"])
    }
}

/// A volume: the root disk (`rootfs`) or a mount point (`mp0` …, with `mp` set).
///
/// `volume` is `storage:size-in-GiB` when creating (`local-lvm:8`) and the allocated
/// volume afterwards (`local-lvm:vm-105-disk-0`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Volume {
    pub volume: String,
    /// Mount path inside the container; required for mount points, absent for rootfs.
    pub mp: Option<String>,
    /// Size as PVE prints it: `8G`, `512M`.
    pub size: Option<String>,
    pub other: BTreeMap<String, String>,
}

impl Volume {
    /// The storage id: `local-lvm` in `local-lvm:vm-105-disk-0`.
    pub fn storage(&self) -> &str {
        self.volume
            .split_once(':')
            .map_or(&self.volume, |(storage, _)| storage)
    }

    /// The size in bytes, when `size` is given (`8G`, `512M`, `1T`, `100K`, or bytes).
    pub fn size_bytes(&self) -> Option<u64> {
        let size = self.size.as_deref()?;
        let (digits, unit) = size.split_at(
            size.find(|c: char| !c.is_ascii_digit() && c != '.')
                .unwrap_or(size.len()),
        );
        let number: f64 = digits.parse().ok()?;
        let factor = match unit {
            "" => 1.0,
            "K" => 1024.0,
            "M" => 1024.0 * 1024.0,
            "G" => 1024.0 * 1024.0 * 1024.0,
            "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
            _ => return None,
        };
        Some((number * factor) as u64)
    }
}

impl FromStr for Volume {
    type Err = PropertyError;
    fn from_str(text: &str) -> Result<Self, PropertyError> {
        let mut pairs = parse_pairs(text, Some("volume"))?;
        let volume = pairs
            .remove("volume")
            .ok_or_else(|| PropertyError("volume without a volume id".into()))?;
        Ok(Volume {
            volume,
            mp: pairs.remove("mp"),
            size: pairs.remove("size"),
            other: pairs,
        })
    }
}

impl fmt::Display for Volume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pairs = self.other.clone();
        pairs.insert("volume".into(), self.volume.clone());
        set(&mut pairs, "mp", self.mp.clone());
        set(&mut pairs, "size", self.size.clone());
        print_pairs(f, &pairs, Some("volume"), &["mp"])
    }
}

/// Container features (`features: keyctl=1,nesting=1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    pub nesting: bool,
    pub keyctl: bool,
    pub fuse: bool,
    pub mknod: bool,
    /// Allowed file system types for mounts (`mount=nfs;cifs`).
    pub mount: Vec<String>,
    pub other: BTreeMap<String, String>,
}

impl FromStr for Features {
    type Err = PropertyError;
    fn from_str(text: &str) -> Result<Self, PropertyError> {
        let mut pairs = parse_pairs(text, None)?;
        Ok(Features {
            nesting: read_flag(&mut pairs, "nesting")?.unwrap_or(false),
            keyctl: read_flag(&mut pairs, "keyctl")?.unwrap_or(false),
            fuse: read_flag(&mut pairs, "fuse")?.unwrap_or(false),
            mknod: read_flag(&mut pairs, "mknod")?.unwrap_or(false),
            mount: pairs
                .remove("mount")
                .map(|m| {
                    m.split(';')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            other: pairs,
        })
    }
}

impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pairs = self.other.clone();
        for (key, on) in [
            ("nesting", self.nesting),
            ("keyctl", self.keyctl),
            ("fuse", self.fuse),
            ("mknod", self.mknod),
        ] {
            if on {
                pairs.insert(key.into(), "1".into());
            }
        }
        if !self.mount.is_empty() {
            pairs.insert("mount".into(), self.mount.join(";"));
        }
        print_pairs(f, &pairs, None, &[])
    }
}

impl Features {
    /// True when no feature is switched on.
    pub fn is_empty(&self) -> bool {
        *self == Features::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_documented_net0_reads_and_prints_back_identically() {
        let text = "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:2A:3B:4C,ip=dhcp,type=veth";
        let net: NetConfig = text.parse().unwrap();
        assert_eq!(net.name, "eth0");
        assert_eq!(net.bridge.as_deref(), Some("vmbr0"));
        assert_eq!(net.ip.as_deref(), Some("dhcp"));
        assert_eq!(net.other.get("type").map(String::as_str), Some("veth"));
        assert_eq!(net.to_string(), text);
    }

    #[test]
    fn a_static_net0_with_vlan_and_firewall() {
        let net: NetConfig =
            "bridge=vmbr1,name=eth0,ip=192.168.1.50/24,gw=192.168.1.1,tag=20,firewall=1"
                .parse()
                .unwrap();
        assert_eq!(net.tag, Some(20));
        assert_eq!(net.firewall, Some(true));
        assert_eq!(
            net.to_string(),
            "name=eth0,bridge=vmbr1,firewall=1,gw=192.168.1.1,ip=192.168.1.50/24,tag=20"
        );
    }

    #[test]
    fn rootfs_and_mount_points_put_the_volume_first() {
        let rootfs: Volume = "local-lvm:vm-105-disk-0,size=8G".parse().unwrap();
        assert_eq!(rootfs.storage(), "local-lvm");
        assert_eq!(rootfs.size_bytes(), Some(8 * 1024 * 1024 * 1024));
        assert_eq!(rootfs.to_string(), "local-lvm:vm-105-disk-0,size=8G");
        let mp: Volume = "size=4G,local-lvm:vm-105-disk-1,mp=/data,backup=1"
            .parse()
            .unwrap();
        assert_eq!(mp.mp.as_deref(), Some("/data"));
        assert_eq!(
            mp.to_string(),
            "local-lvm:vm-105-disk-1,mp=/data,backup=1,size=4G"
        );
        let new: Volume = "volume=local-lvm:8".parse().unwrap();
        assert_eq!(new.to_string(), "local-lvm:8");
    }

    #[test]
    fn features_print_alphabetically() {
        let features: Features = "nesting=1,keyctl=1".parse().unwrap();
        assert!(features.nesting && features.keyctl && !features.fuse);
        assert_eq!(features.to_string(), "keyctl=1,nesting=1");
        let mounts: Features = "mount=nfs;cifs".parse().unwrap();
        assert_eq!(mounts.mount, ["nfs", "cifs"]);
        assert!("".parse::<Features>().unwrap().is_empty());
    }

    #[test]
    fn broken_property_strings_are_refused() {
        assert!(
            "bridge=vmbr0".parse::<NetConfig>().is_err(),
            "name is required"
        );
        assert!("name=eth0,name=eth1".parse::<NetConfig>().is_err());
        assert!("name=eth0,tag=vlan".parse::<NetConfig>().is_err());
        assert!("nesting=yes".parse::<Features>().is_err());
        assert!("eth0".parse::<NetConfig>().is_err(), "no default key");
    }

    fn word(pattern: &'static str) -> impl Strategy<Value = String> {
        proptest::string::string_regex(pattern).unwrap()
    }

    fn opt_word(pattern: &'static str) -> impl Strategy<Value = Option<String>> {
        proptest::option::of(word(pattern))
    }

    prop_compose! {
        fn net_config()(
            name in word("eth[0-9]"),
            bridge in opt_word("vmbr[0-9]{1,2}"),
            ip in opt_word("(dhcp|manual|10\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}/[0-9]{1,2})"),
            gw in opt_word("10\\.0\\.0\\.[0-9]{1,3}"),
            ip6 in opt_word("(auto|dhcp|fd00::[0-9a-f]{1,4}/64)"),
            gw6 in opt_word("fd00::1"),
            hwaddr in opt_word("BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}"),
            firewall: Option<bool>,
            tag in proptest::option::of(1u16..=4094),
            mtu in proptest::option::of(64u16..=9000),
            link_down: Option<bool>,
            other in proptest::collection::btree_map(word("x[a-z]{1,6}"), word("[a-z0-9]{1,6}"), 0..3),
        ) -> NetConfig {
            NetConfig { name, bridge, ip, gw, ip6, gw6, hwaddr, firewall, tag, mtu, link_down, other }
        }
    }

    proptest! {
        #[test]
        fn net_configs_round_trip(net in net_config()) {
            prop_assert_eq!(net.to_string().parse::<NetConfig>().unwrap(), net);
        }

        #[test]
        fn volumes_round_trip(
            volume in word("[a-z][a-z0-9-]{1,10}:(vm-[0-9]{3}-disk-[0-9]|[0-9]{1,3})"),
            mp in opt_word("/[a-z]{1,8}"),
            size in opt_word("[0-9]{1,4}[MGT]"),
            other in proptest::collection::btree_map(word("x[a-z]{1,6}"), word("[a-z0-9]{1,6}"), 0..3),
        ) {
            let v = Volume { volume, mp, size, other };
            prop_assert_eq!(v.to_string().parse::<Volume>().unwrap(), v);
        }

        #[test]
        fn features_round_trip(nesting: bool, keyctl: bool, fuse: bool, mknod: bool,
                               mount in proptest::collection::vec(word("[a-z0-9]{2,6}"), 0..3)) {
            let features = Features { nesting, keyctl, fuse, mknod, mount, other: BTreeMap::new() };
            prop_assert_eq!(features.to_string().parse::<Features>().unwrap(), features);
        }
    }
}

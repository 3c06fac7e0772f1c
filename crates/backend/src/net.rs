//! Lists of address ranges (`10.0.0.0/8, 192.0.2.7, 2001:db8::/32`): the proxies Corral
//! believes, the ranges nodes may be added in.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// Address ranges; a single address is a range of one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressRanges(Vec<IpNet>);

impl FromStr for AddressRanges {
    type Err = String;

    /// Ranges or addresses separated by commas, spaces or new lines.
    fn from_str(list: &str) -> Result<Self, String> {
        list.split([',', ' ', '\n', '\r', '\t'])
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .map(|net| net.trunc())
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not an address or a range like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(AddressRanges)
    }
}

impl fmt::Display for AddressRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&words.join(", "))
    }
}

impl AddressRanges {
    /// No ranges at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `address` is in one of the ranges (IPv4 mapped into IPv6 counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// Each range in its canonical text.
    pub fn texts(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

/// IPv4 addresses mapped into IPv6 (a dual-stack listener) as plain IPv4.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_contain() {
        let ranges: AddressRanges = "10.0.0.0/8, 192.0.2.7\n2001:db8::/32".parse().unwrap();
        assert!(ranges.contains("10.1.2.3".parse().unwrap()));
        assert!(ranges.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(ranges.contains("192.0.2.7".parse().unwrap()));
        assert!(!ranges.contains("192.0.2.8".parse().unwrap()));
        assert!(ranges.contains("2001:db8::1".parse().unwrap()));
        assert_eq!(
            ranges.to_string(),
            "10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32"
        );
        assert!("10.0.0.0/33".parse::<AddressRanges>().is_err());
        assert!("".parse::<AddressRanges>().unwrap().is_empty());
        assert_eq!(
            "10.1.2.3/8".parse::<AddressRanges>().unwrap().to_string(),
            "10.0.0.0/8",
            "host bits dropped"
        );
    }
}

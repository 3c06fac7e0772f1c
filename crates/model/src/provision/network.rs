//! The network fields: IPv4 and IPv6, DHCP or a static address with a gateway in the same
//! subnet.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::spec::{Ipv4Config, Ipv6Config};
use crate::validate::FieldError;

fn prefixed<A: std::str::FromStr>(value: &str, max_prefix: u8) -> Option<(A, u8)> {
    let (address, prefix) = value.trim().split_once('/')?;
    let prefix: u8 = prefix.parse().ok()?;
    (prefix <= max_prefix).then_some(())?;
    Some((address.parse().ok()?, prefix))
}

/// What differs between IPv4 and IPv6 when a static address is checked.
trait Family: Copy + PartialEq + std::fmt::Display + std::str::FromStr {
    /// Address length in bits.
    const BITS: u8;
    /// `4` or `6`: the form's fields are `ipv4`/`gateway4`, `ipv6`/`gateway6`.
    const DIGIT: char;
    /// Examples for the messages: an address with prefix, and a gateway.
    const EXAMPLES: (&'static str, &'static str);
    fn bits(self) -> u128;
}

impl Family for Ipv4Addr {
    const BITS: u8 = 32;
    const DIGIT: char = '4';
    const EXAMPLES: (&'static str, &'static str) = ("192.0.2.10/24", "192.0.2.1");
    fn bits(self) -> u128 {
        u128::from(u32::from(self))
    }
}

impl Family for Ipv6Addr {
    const BITS: u8 = 128;
    const DIGIT: char = '6';
    const EXAMPLES: (&'static str, &'static str) = ("2001:db8::10/64", "2001:db8::1");
    fn bits(self) -> u128 {
        u128::from(self)
    }
}

/// Whether `a` and `b` share the first `prefix` bits (1 ≤ prefix ≤ the family's length).
fn same_subnet<A: Family>(a: A, b: A, prefix: u8) -> bool {
    let mask = u128::MAX << u32::from(A::BITS - prefix.clamp(1, A::BITS));
    a.bits() & mask == b.bits() & mask
}

/// A static `address/prefix` and an optional gateway, which must be another address in
/// the same subnet.
fn static_address<A: Family>(
    address: &str,
    gateway: &str,
) -> Result<(A, u8, Option<A>), FieldError> {
    let (address_field, gateway_field) =
        (format!("ipv{}", A::DIGIT), format!("gateway{}", A::DIGIT));
    let (address_example, gateway_example) = A::EXAMPLES;
    let (address, prefix) = prefixed::<A>(address, A::BITS)
        .filter(|(_, prefix)| *prefix >= 1)
        .ok_or_else(|| {
            FieldError::new(
                &address_field,
                format!("an address with its prefix, e.g. {address_example}"),
            )
        })?;
    if gateway.trim().is_empty() {
        return Ok((address, prefix, None));
    }
    let gateway: A = gateway.trim().parse().map_err(|_| {
        FieldError::new(
            &gateway_field,
            format!("an IPv{} address, e.g. {gateway_example}", A::DIGIT),
        )
    })?;
    if !same_subnet(address, gateway, prefix) || gateway == address {
        return Err(FieldError::new(
            &gateway_field,
            format!("the gateway must be another address in {address}/{prefix}"),
        ));
    }
    Ok((address, prefix, Some(gateway)))
}

/// IPv4: `dhcp`, or a static `address/prefix` with an optional gateway in the same subnet.
pub fn ipv4(mode: &str, address: &str, gateway: &str) -> Result<Ipv4Config, FieldError> {
    match mode.trim() {
        "" | "dhcp" => Ok(Ipv4Config::Dhcp),
        "static" => {
            let (address, prefix, gateway) = static_address(address, gateway)?;
            Ok(Ipv4Config::Static {
                address,
                prefix,
                gateway,
            })
        }
        _ => Err(FieldError::new("ipv4_mode", "DHCP or static")),
    }
}

/// IPv6: none, SLAAC, DHCPv6, or a static `address/prefix` with an optional gateway in
/// the same subnet.
pub fn ipv6(mode: &str, address: &str, gateway: &str) -> Result<Ipv6Config, FieldError> {
    match mode.trim() {
        "" | "none" => Ok(Ipv6Config::None),
        "auto" => Ok(Ipv6Config::Auto),
        "dhcp" => Ok(Ipv6Config::Dhcp),
        "static" => {
            let (address, prefix, gateway) = static_address(address, gateway)?;
            Ok(Ipv6Config::Static {
                address,
                prefix,
                gateway,
            })
        }
        _ => Err(FieldError::new(
            "ipv6_mode",
            "none, SLAAC, DHCPv6 or static",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_compare_the_prefix_bits() {
        assert!(same_subnet::<Ipv4Addr>(
            "10.0.0.1".parse().unwrap(),
            "10.0.255.1".parse().unwrap(),
            16
        ));
        assert!(!same_subnet::<Ipv4Addr>(
            "10.0.0.1".parse().unwrap(),
            "10.1.0.1".parse().unwrap(),
            16
        ));
        assert!(same_subnet::<Ipv6Addr>(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::ffff".parse().unwrap(),
            64
        ));
    }
}

//! Proxmox VE API client.
//!
//! This crate will speak HTTP to Proxmox VE nodes: API-token and ticket authentication,
//! TLS pinned by certificate fingerprint, typed endpoints and lenient decoding of PVE's
//! loose JSON. It must never depend on `pve-sim`: the two meet only on the wire.
//! The endpoints arrive with the Proxmox client issue; until then the crate is empty.

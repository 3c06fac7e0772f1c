//! A simulated Proxmox VE node.
//!
//! This crate will serve `/api2/json/...` over HTTPS and an SSH endpoint with `pct`, with
//! the real envelopes, status codes and quirks described in the project's PVE API notes,
//! so that tests, the end-to-end suite, demo mode and benchmarks run without Proxmox.
//! It must never depend on `pve`. The simulator arrives with the Proxmox client issue;
//! until then the crate is empty.

//! The `pve` client against the `pve-sim` simulator: every call, success and each error.
//! One test binary (one link), a module per area of the API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod access;
mod cluster;
mod connection;
mod containers;
mod guest_net;
mod shell;
mod support;
mod tasks;
mod wire;

mod openssh;

//! Nothing to export: this crate holds the contract tests (`tests/`) between the `pve`
//! client and the `pve-sim` simulator, which must only ever meet on the wire.

//! `surreal`: upstream's SurrealDB server entry point (`surreal start …`, `surreal
//! version`), built with the features in Cargo.toml.

use std::process::ExitCode;

fn main() -> ExitCode {
    surrealdb_server::init(surrealdb_core::CommunityComposer())
}

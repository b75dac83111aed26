//! comptoir: a back-office console, served over SSH, for the orders French public bodies
//! place by administrative payment. See ARCHITECTURE.md for the map.

#![warn(unreachable_pub)]

pub mod app;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cli;
pub mod config;
pub mod documents;
pub mod domain;
pub mod ssh;
pub mod store;
pub mod ui;

//! Corral's Leptos application: the HTML shell, the router, pages and server functions.
//!
//! Built twice: with `ssr` into the server (rendering and server functions, with the
//! backend behind them) and with `hydrate` into WebAssembly for the browser, which has
//! no backend code at all.

pub mod action;
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod components;
pub mod error;
pub mod later;
pub mod layout;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod redirect;
pub mod resource;
pub mod root;
#[cfg(feature = "ssr")]
pub mod state;
pub mod system;
pub mod url;

pub use root::{App, shell};

/// The browser entry point: attaches the reactive system to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A visit that starts on a later page hydrates once that page's module is loaded.
    leptos::mount::hydrate_lazy(App);
}

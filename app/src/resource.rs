//! Resources whose data is decoded the way server functions' answers are.
//!
//! Leptos' default resource codec reads its JSON with `serde_json::from_str`, while server
//! functions read theirs with `serde_json::from_slice`: two readers, so every type a page
//! both hydrates and fetches had its deserializer compiled into the wasm twice. Pages
//! create their resources here, with a codec that reads through the same `from_slice`
//! (the bytes are the same UTF-8), so each type's deserializer is compiled once.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, written as a string and read as bytes (see the module's documentation).
pub struct SliceJson;

impl<T: Serialize> Encoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A page's resource (`Resource` with [`SliceJson`]).
pub type PageResource<T> = Resource<T, SliceJson>;

/// Like `Resource::new`: loads `fetcher(source())` again whenever `source` changes.
#[track_caller]
pub fn new<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// Like `Resource::new_blocking` with no source: loaded once, and the server sends
/// nothing of the page before it has.
#[track_caller]
pub fn blocking<T, Fut>(fetcher: impl Fn() -> Fut + Send + Sync + 'static) -> PageResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(|| (), move |()| fetcher(), true)
}

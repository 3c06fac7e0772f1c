//! The hidden fields that name the container a form acts on.

use leptos::prelude::*;

/// The container a form acts on, as its hidden fields carry it.
#[derive(Debug, Clone)]
pub struct FormTarget {
    pub node_id: String,
    pub vmid: String,
}

/// `node_id` and `vmid` as hidden inputs.
#[component]
pub fn ContainerFields(target: FormTarget) -> impl IntoView {
    view! {
        <input type="hidden" name="node_id" value=target.node_id />
        <input type="hidden" name="vmid" value=target.vmid />
    }
}

//! A container's lifecycle buttons (start, shut down, reboot, stop, delete) as plain
//! forms, and the one submit handler that runs them as server actions once hydrated.
//!
//! The dashboard shows these buttons on every row, so they are kept light: one ordinary
//! `<form method="post">` for every power action (the pressed button's `value` names it)
//! and one for delete, posting to their server functions (which is all that works without
//! JavaScript anyway), with no per-form reactive state. An element around them listens for
//! `submit` ([`lifecycle_submit`]) and, in the browser, turns a submit into a dispatch of
//! the matching [`ServerAction`]: no page load, and the action's outcome reaches the page
//! as with `ActionForm`. A 500-row page renders in half the time per-row `ActionForm`s
//! took (docs/performance.md).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use model::ids::{NodeId, Vmid};

use crate::api::containers::{DeleteContainer, Power};
use crate::components::TypedConfirmation;
use crate::error::AppError;

/// What the buttons need to know about one container.
#[derive(Clone, Debug, PartialEq)]
pub struct LifecycleTarget {
    pub node_id: NodeId,
    pub vmid: Vmid,
    /// What the user types to confirm a delete: the hostname, or the VMID without one.
    pub confirm_name: String,
    pub running: bool,
}

/// The buttons that make sense for the container's state; stop and delete ask first
/// (a `<details>` disclosure, so the confirmation works without JavaScript too).
#[component]
pub fn LifecycleButtons(target: LifecycleTarget) -> impl IntoView {
    let LifecycleTarget {
        node_id,
        vmid,
        confirm_name,
        running,
    } = target;
    let (node_id, vmid) = (node_id.to_string(), vmid.to_string());
    // One form for every power action: the pressed button's `action` value is submitted.
    let power_buttons = if running {
        view! {
            <button type="submit" name="action" value="shutdown" data-action="shutdown">"Shut down"</button>
            <button type="submit" name="action" value="reboot" data-action="reboot">"Reboot"</button>
            <details class="confirm">
                <summary>"Stop…"</summary>
                <div class="confirm-body">
                    <span>"Power off at once, without a clean shutdown?"</span>
                    <button type="submit" name="action" value="stop" data-action="stop" class="danger">"Stop now"</button>
                </div>
            </details>
        }
        .into_any()
    } else {
        view! { <button type="submit" name="action" value="start" data-action="start">"Start"</button> }
            .into_any()
    };
    view! {
        <form class="power" method="post" action=Power::url()>
            <input type="hidden" name="node_id" value=node_id.clone() />
            <input type="hidden" name="vmid" value=vmid.clone() />
            {power_buttons}
        </form>
        <details class="confirm">
            <summary>"Delete…"</summary>
            <form class="inline" method="post" action=DeleteContainer::url()>
                <input type="hidden" name="node_id" value=node_id />
                <input type="hidden" name="vmid" value=vmid />
                <TypedConfirmation name=confirm_name purpose="to destroy it and its disks" />
                <button type="submit" class="danger">"Delete"</button>
            </form>
        </details>
    }
}

/// The `submit` listener for an element holding [`LifecycleButtons`]: a submitted power or
/// delete form is dispatched to `power` or `delete` instead of loading a page. Other forms
/// are left alone.
pub fn lifecycle_submit(
    power: ServerAction<Power>,
    delete: ServerAction<DeleteContainer>,
) -> impl Fn(SubmitEvent) + Clone + 'static {
    move |event: SubmitEvent| {
        if event.default_prevented() {
            return;
        }
        let Some(action_url) = submitted_form_action(&event) else {
            return;
        };
        if action_url == Power::url() {
            event.prevent_default();
            dispatch_from_form(&event, power);
        } else if action_url == DeleteContainer::url() {
            event.prevent_default();
            dispatch_from_form(&event, delete);
        }
    }
}

/// The `submit` listener for an element holding plain forms posting to `F`: such a form
/// is dispatched to `action` instead of loading a page; other forms are left alone.
pub fn dispatch_submit<F>(action: ServerAction<F>) -> impl Fn(SubmitEvent) + Clone + 'static
where
    F: ServerFn<Error = AppError> + leptos::form::FromFormData + Clone + Send + Sync + 'static,
    F::Output: Send + Sync + 'static,
{
    move |event: SubmitEvent| {
        if !event.default_prevented() && submitted_form_action(&event).as_deref() == Some(F::url())
        {
            event.prevent_default();
            dispatch_from_form(&event, action);
        }
    }
}

/// The `action` attribute (as written, a path) of the form that was submitted.
fn submitted_form_action(event: &SubmitEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    let form = event
        .target()?
        .dyn_into::<web_sys::HtmlFormElement>()
        .ok()?;
    form.get_attribute("action")
}

/// Reads the submitted form into the server function's arguments and dispatches them; a
/// form that does not fit becomes the action's error, as `ActionForm` does it.
fn dispatch_from_form<F>(event: &SubmitEvent, action: ServerAction<F>)
where
    F: ServerFn<Error = AppError> + leptos::form::FromFormData + Clone + Send + Sync + 'static,
    F::Output: Send + Sync + 'static,
{
    match F::from_event(event) {
        Ok(arguments) => {
            action.dispatch(arguments);
        }
        Err(error) => {
            action.value().set(Some(Err(AppError::Request(format!(
                "the form could not be read: {error}"
            )))));
        }
    }
}

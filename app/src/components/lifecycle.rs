//! A container's lifecycle buttons (start, shut down, reboot, stop, delete) as plain
//! forms, and the one submit handler that runs them as server actions once hydrated.
//!
//! The dashboard shows these buttons on every row, so they are kept light: one ordinary
//! `<form method="post">` for every power action (the pressed button's `value` names it)
//! and one for delete, posting to their server functions (which is all that works without
//! JavaScript anyway), with no per-form reactive state. An element around them listens for
//! `submit` ([`lifecycle_submit`]) and, in the browser, posts the form in place: no page
//! load, and the answer reaches the page through the matching [`ServerAction`], as with
//! `ActionForm`. A 500-row page renders in half the time per-row `ActionForm`s
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
/// delete form is posted in place ([`post_in_place`]) instead of loading a page, its answer
/// going to `power` or `delete`. Other forms are left alone.
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
            post_in_place(&event, power);
        } else if action_url == DeleteContainer::url() {
            event.prevent_default();
            post_in_place(&event, delete);
        }
    }
}

/// The `submit` listener for an element holding plain forms posting to `F`: such a form
/// is posted in place, its answer going to `action`; other forms are left alone.
pub fn dispatch_submit<F>(action: ServerAction<F>) -> impl Fn(SubmitEvent) + Clone + 'static
where
    F: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    move |event: SubmitEvent| {
        if !event.default_prevented() && submitted_form_action(&event).as_deref() == Some(F::url())
        {
            event.prevent_default();
            post_in_place(&event, action);
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

/// Posts the submitted form to `F` as the browser would without JavaScript (its fields
/// URL-encoded, with the pressed button's name and value), asks for JSON, and records the
/// answer on `action` as a dispatch does: its value, then its version.
///
/// The fields go as they are and the server reads and checks them, as it does for a plain
/// form post. Decoding them into `F` first (`FromFormData`, what `ActionForm` does) would
/// compile a form decoder into the page for every such function: about a tenth of the
/// first page's WebAssembly (docs/performance.md).
///
/// The action's `pending` and `input` stay as they were: nothing on these pages reads them.
fn post_in_place<F>(event: &SubmitEvent, action: ServerAction<F>)
where
    F: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        let body = browser::form_body(event);
        leptos::task::spawn_local(async move {
            let outcome = match body {
                Ok(body) => browser::post(F::url(), body).await,
                Err(error) => Err(error),
            };
            // The page may have gone meanwhile: then nobody waits for the answer.
            if action.value().try_set(Some(outcome)).is_none() {
                action.version().try_update(|version| *version += 1);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, action);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::ev::SubmitEvent;
    use leptos::server_fn::ContentType;
    use leptos::server_fn::client::Client;
    use leptos::server_fn::client::browser::BrowserClient;
    use leptos::server_fn::codec::{FromRes, Json, PostUrl};
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::request::ClientReq;
    use leptos::server_fn::response::ClientRes;

    use crate::error::AppError;

    /// The submitted form's fields (and the pressed button), URL-encoded.
    pub fn form_body(event: &SubmitEvent) -> Result<String, AppError> {
        let unreadable =
            |error: String| AppError::Request(format!("the form could not be read: {error}"));
        let data =
            leptos::form::form_data_from_event(event).map_err(|e| unreadable(e.to_string()))?;
        let fields = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
            .map_err(|e| unreadable(format!("{e:?}")))?;
        Ok(fields.to_string().into())
    }

    /// Posts `body` to the server function at `url` the way its own client does (the
    /// same request, the same reading of the answer and of errors). Not generic: one copy
    /// serves every form.
    pub async fn post(url: &str, body: String) -> Result<String, AppError> {
        type Request = <BrowserClient as Client<AppError>>::Request;
        let request = <Request as ClientReq<AppError>>::try_new_post(
            url,
            PostUrl::CONTENT_TYPE,
            Json::CONTENT_TYPE,
            body,
        )?;
        let response = <BrowserClient as Client<AppError>>::send(request).await?;
        if (400..=599).contains(&ClientRes::<AppError>::status(&response)) {
            let bytes = ClientRes::<AppError>::try_into_bytes(response).await?;
            return Err(AppError::de(bytes));
        }
        <String as FromRes<Json, _, AppError>>::from_res(response).await
    }
}

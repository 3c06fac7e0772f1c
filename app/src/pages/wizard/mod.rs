//! `/containers/new` and `/containers/new/{draft}/{step}`: the creation wizard. Every
//! step is a server-rendered form saved into the draft (id in the URL) and works as a
//! plain form post; hydrated, it checks the fields as they are typed (the VMID against
//! the node too) and loads the chosen node's templates, storages and bridges at once.
//!
//! [`configure`] is the Configure step, [`contents`] the Packages and Scripts steps,
//! [`review`] the last look before Create.

mod configure;
mod contents;
mod review;
mod template;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::ids::DraftId;
use model::provision::{ContainerForm, Step};

use crate::api::nodes::list_nodes;
use crate::api::wizard::{CreateFromDraft, SaveWizardStep, StartWizard, get_draft};
use crate::components::live_form::{LiveFieldErrors, check_as_typed};
use crate::components::{FormError, LoadFailed, action_error, live_marker};
use crate::error::AppError;
use crate::pages::{load_named, route_param};
use configure::Configure;
use contents::{Packages, Scripts};
use review::Review;
use template::{Chooser, TemplateChoices};

/// Step 1: how to start.
#[component]
pub fn WizardStartPage() -> impl IntoView {
    let start = ServerAction::<StartWizard>::new();
    let error = Signal::derive(move || action_error(start.value().get()));
    let nodes = crate::resource::new(|| (), |_| list_nodes());
    view! {
        <Title text="New container" />
        <div class="page-head"><h1>"New container"</h1></div>
        <Stepper current=Step::Template draft=None />
        <FormError error />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match nodes.await {
                    Ok(nodes) if nodes.is_empty() => view! {
                        <section class="card empty-state">
                            <h2>"Add a node first"</h2>
                            <p>"Containers are created on one of your Proxmox nodes."</p>
                            <a class="button" href="/settings/nodes/new">"Add a node"</a>
                        </section>
                    }.into_any(),
                    Ok(_) => view! { <TemplateChoices chooser=Chooser::Start /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The wizard's step indicator; finished steps link back (when there is a draft).
#[component]
fn Stepper(current: Step, draft: Option<DraftId>) -> impl IntoView {
    let at = Step::ALL
        .iter()
        .position(|(s, ..)| *s == current)
        .unwrap_or(0);
    let items = Step::ALL
        .iter()
        .enumerate()
        .map(|(index, (_, word, title))| {
            let class = if index < at {
                "done"
            } else if index == at {
                "current"
            } else {
                ""
            };
            let link = draft
                .clone()
                .filter(|_| index < at)
                .map(|d| format!("/containers/new/{d}/{word}"));
            let label = format!("{}. {title}", index + 1);
            view! {
                <li class=class aria-current=(index == at).then_some("step")>
                    {match link {
                        Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                        None => view! { <span>{label}</span> }.into_any(),
                    }}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="stepper" data-testid="wizard-steps">{items}</ol> }
}

/// One step of a draft.
#[component]
pub fn WizardPage() -> impl IntoView {
    let params = use_params_map();
    let draft_id = move || route_param::<DraftId>(params, "draft");
    let step = move || params.read().get("step").and_then(|s| Step::parse(&s));
    let save = ServerAction::<SaveWizardStep>::new();
    let create = ServerAction::<CreateFromDraft>::new();
    let draft = crate::resource::new(
        move || (draft_id(), save.version().get()),
        |(id, _)| load_named(id, get_draft),
    );
    let error = Signal::derive(move || {
        action_error(save.value().get()).or_else(|| action_error(create.value().get()))
    });
    view! {
        <Title text="New container" />
        <div class="page-head">
            <h1>"New container"</h1>
            <a href="/">"Cancel"</a>
        </div>
        {move || step().map(|current| view! { <Stepper current draft=draft_id() /> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let form = draft.await;
                let form = match (form, step(), draft_id()) {
                    (Ok(form), Some(step), Some(id)) => Ok((form, step, id)),
                    (Err(error), ..) => Err(error),
                    _ => Err(AppError::NotFound),
                };
                match form {
                    Ok((_, Step::Template, id)) => view! { <TemplateChoices chooser=Chooser::Switch(id) /> }.into_any(),
                    Ok((form, Step::Review, id)) => view! { <Review id form error /> }.into_any(),
                    Ok((form, step, id)) => view! { <StepForm id step form error /> }.into_any(),
                    Err(error) => view! {
                        <LoadFailed
                            error
                            what="draft"
                            explanation="Drafts are kept for a day after their last change."
                            back=("/containers/new", "Start again")
                            nested=true
                        />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form of Configure, Packages or Scripts, with Back and Next.
#[component]
fn StepForm(
    id: DraftId,
    step: Step,
    form: ContainerForm,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    // Hydrated, the form checks itself as the user types, with the model's code; each
    // field's error shows under it once the field has been touched.
    let live_errors = LiveFieldErrors(RwSignal::new(Vec::new()));
    provide_context(live_errors);
    let touched = RwSignal::new(std::collections::HashSet::<String>::new());
    let check = move |ev: leptos::ev::Event| check_as_typed(&ev, step, touched, live_errors.0);
    let fields = match step {
        Step::Configure => view! { <Configure form error /> }.into_any(),
        Step::Packages => view! { <Packages form error /> }.into_any(),
        _ => view! { <Scripts form error /> }.into_any(),
    };
    // Plain forms: each step is a full page (rendered by the server, then hydrated),
    // with or without JavaScript. `data-live` says the live checks are running.
    let live = live_marker();
    view! {
        <form
            method="post"
            action="/api/wizard/save"
            class="card wizard stack"
            data-testid="wizard-form"
            data-live=live
            on:input=check
            on:change=check
        >
            <input type="hidden" name="draft" value=id.to_string() />
            <input type="hidden" name="step" value=step.word() />
            <FormError error />
            {fields}
            <div class="row actions">
                {(step != Step::Configure).then(|| view! {
                    <button type="submit" name="go" value="back" class="secondary">"Back"</button>
                })}
                <button type="submit" name="go" value="next" class="primary">"Next"</button>
            </div>
        </form>
    }
}

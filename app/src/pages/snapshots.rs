//! A container's Snapshots section (on its page): the tree Proxmox keeps with "you are
//! here", a form to take one, and per snapshot a rollback that names what is lost (and
//! whether the container starts again) and a delete behind its typed name. Plain forms
//! that work without JavaScript; each answer comes back to `#snapshots`.

use leptos::prelude::*;
use model::ids::{NodeId, Vmid};
use model::snapshot::{SnapshotView, Snapshots};

use crate::api::snapshots::{DeleteSnapshot, RollbackSnapshot, TakeSnapshot, list_snapshots};
use crate::components::{
    ContainerFields, FieldError, FormError, FormTarget, Notice, TypedConfirmation, action_error,
    latest_outcome, outcome_of,
};
use crate::system::short_utc;

/// The three actions of the section, shared by its rows.
#[derive(Clone, Copy)]
struct Actions {
    take: ServerAction<TakeSnapshot>,
    rollback: ServerAction<RollbackSnapshot>,
    delete: ServerAction<DeleteSnapshot>,
}

impl Actions {
    /// The outcome of the action that answered last.
    fn latest(self) -> Signal<Option<Result<String, crate::error::AppError>>> {
        latest_outcome([
            outcome_of(self.take),
            outcome_of(self.rollback),
            outcome_of(self.delete),
        ])
    }

    fn pending(self) -> bool {
        self.take.pending().get() || self.rollback.pending().get() || self.delete.pending().get()
    }
}

/// The Snapshots section of a container's page.
#[component]
pub fn SnapshotsSection(node_id: NodeId, vmid: Vmid) -> impl IntoView {
    let actions = Actions {
        take: ServerAction::new(),
        rollback: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let latest = actions.latest();
    let error = Signal::derive(move || action_error(latest.get()));
    let done = Signal::derive(move || latest.get().and_then(Result::ok));
    let node = node_id.clone();
    let snapshots = crate::resource::new(
        move || {
            (
                actions.take.version().get(),
                actions.rollback.version().get(),
                actions.delete.version().get(),
            )
        },
        move |_| list_snapshots(node.clone(), vmid),
    );
    let target = FormTarget {
        node_id: node_id.to_string(),
        vmid: vmid.to_string(),
    };
    let take_target = target.clone();
    view! {
        <section class="card" id="snapshots" data-testid="snapshots">
            <h2>"Snapshots"</h2>
            {move || done.get().map(|message| view! { <Notice>{message}</Notice> })}
            {move || actions.pending().then(|| view! {
                <p class="muted" role="status">"Proxmox is working on it…"</p>
            })}
            <FormError error />
            <ActionForm action=actions.take attr:class="row wrap">
                <ContainerFields target=take_target.clone() />
                <label>"Name"
                    <input name="snapname" required maxlength="40" pattern="[A-Za-z][A-Za-z0-9_\\-]{1,39}" placeholder="before-upgrade" />
                    <FieldError error field="snapname" />
                </label>
                <label>"Description" <input name="description" placeholder="optional" /></label>
                <button type="submit" class="primary" disabled=move || actions.pending()>"Take snapshot"</button>
            </ActionForm>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let target = target.clone();
                    Suspend::new(async move {
                        match snapshots.await {
                            Ok(snapshots) => view! { <Tree snapshots actions target /> }.into_any(),
                            Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Tree(snapshots: Snapshots, actions: Actions, target: FormTarget) -> impl IntoView {
    if snapshots.list.is_empty() {
        return view! { <p class="muted">"No snapshots yet."</p> }.into_any();
    }
    let latest = actions.latest();
    let error = Signal::derive(move || action_error(latest.get()));
    let here = snapshots.current_parent.clone();
    let rows = snapshots
        .list
        .iter()
        .map(|snapshot| {
            let lost = snapshots.after(&snapshot.name);
            let marker = (here.as_deref() == Some(snapshot.name.as_str())).then(|| {
                view! {
                    <li class=format!("here depth-{}", (snapshot.depth + 1).min(8)) data-testid="you-are-here">
                        "▸ you are here (the present state)"
                    </li>
                }
            });
            view! {
                <Row snapshot=snapshot.clone() lost=lost.iter().map(|s| (*s).to_owned()).collect() running=snapshots.running actions target=target.clone() error />
                {marker}
            }
        })
        .collect_view();
    view! {
        <ul class="snapshot-tree" data-testid="snapshot-tree">
            {here.is_none().then(|| view! { <li class="here" data-testid="you-are-here">"▸ you are here (no snapshot before the present state)"</li> })}
            {rows}
        </ul>
    }
    .into_any()
}

#[component]
fn Row(
    snapshot: SnapshotView,
    lost: Vec<String>,
    running: bool,
    actions: Actions,
    target: FormTarget,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let name = snapshot.name.clone();
    let (rollback_target, delete_target) = (target.clone(), target);
    let (rollback_name, delete_name) = (name.clone(), name.clone());
    let rollback_label = format!("Roll back to {name}");
    let loses = if lost.is_empty() {
        "everything written since it was taken".to_owned()
    } else {
        format!(
            "everything written since it was taken, and the snapshots after it ({}) stop being on the path to the present",
            lost.join(", ")
        )
    };
    let stopping = running.then_some(" The container is running: Proxmox stops it first.");
    view! {
        <li class=format!("depth-{}", snapshot.depth.min(8)) data-snapshot=name.clone()>
            <div class="row snapshot">
                <b class="mono">{name.clone()}</b>
                <span class="muted">{snapshot.taken_at.as_deref().map(short_utc)}</span>
                <span>{snapshot.description.clone()}</span>
                <details class="confirm">
                    <summary>"Roll back…"</summary>
                    <ActionForm action=actions.rollback>
                        <ContainerFields target=rollback_target.clone() />
                        <input type="hidden" name="snapname" value=rollback_name.clone() />
                        <p class="warning">{format!("Rolling back to {rollback_name} loses {loses}.")}{stopping}</p>
                        <label class="check"><input type="checkbox" name="start" value="on" checked=running />" Start it again afterwards"</label>
                        <label class="check"><input type="checkbox" name="confirm" value="on" required />" I understand what is lost"</label>
                        <FieldError error field="confirm" />
                        <button type="submit" class="danger">{rollback_label.clone()}</button>
                    </ActionForm>
                </details>
                <details class="confirm">
                    <summary>"Delete…"</summary>
                    <ActionForm action=actions.delete>
                        <ContainerFields target=delete_target.clone() />
                        <input type="hidden" name="snapname" value=delete_name.clone() />
                        <TypedConfirmation name=delete_name.clone() purpose="to delete this snapshot" />
                        <button type="submit" class="danger">"Delete snapshot"</button>
                    </ActionForm>
                </details>
            </div>
        </li>
    }
}

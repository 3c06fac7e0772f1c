//! `/templates/buckets`: the user's package buckets. Create, rename and delete a bucket
//! (one in use says which templates use it), add or remove a package, and paste the
//! contents of a package list file (`.apt`, `.pip`, …) to add many at once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::template::{BucketView, PackageManager};

use crate::api::templates::{
    AddBucketPackage, CreateBucket, DeleteBucket, PasteBucketList, RemoveBucketPackage,
    RenameBucket, list_buckets,
};
use crate::components::{Field, FormError, Notice, action_error};

/// The actions of the page, shared by every bucket's card.
#[derive(Clone, Copy)]
struct Actions {
    rename: ServerAction<RenameBucket>,
    delete: ServerAction<DeleteBucket>,
    add: ServerAction<AddBucketPackage>,
    remove: ServerAction<RemoveBucketPackage>,
    paste: ServerAction<PasteBucketList>,
}

/// The buckets page.
#[component]
pub fn BucketsPage() -> impl IntoView {
    let create = ServerAction::<CreateBucket>::new();
    let actions = Actions {
        rename: ServerAction::new(),
        delete: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
        paste: ServerAction::new(),
    };
    let buckets = crate::resource::new(
        move || {
            (
                create.version().get(),
                actions.rename.version().get(),
                actions.delete.version().get(),
                actions.add.version().get(),
                actions.remove.version().get(),
                actions.paste.version().get(),
            )
        },
        |_| list_buckets(),
    );
    let create_error = Signal::derive(move || action_error(create.value().get()));
    let error = Signal::derive(move || {
        action_error(actions.rename.value().get())
            .or_else(|| action_error(actions.delete.value().get()))
            .or_else(|| action_error(actions.add.value().get()))
            .or_else(|| action_error(actions.remove.value().get()))
            .or_else(|| action_error(actions.paste.value().get()))
    });
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        let pasted = actions
            .paste
            .value()
            .get()
            .and_then(Result::ok)
            .map(|report| report.describe());
        pasted
            .or_else(|| q.get("imported"))
            .or_else(|| q.get("deleted").map(|_| "Bucket deleted.".to_owned()))
    };
    view! {
        <Title text="Package buckets" />
        <div class="page-head">
            <h1>"Package buckets"</h1>
            <a href="/templates">"Templates"</a>
        </div>
        <p class="muted">"A bucket is a named package list that templates share: change it once, every template that selects it installs the new list."</p>
        {move || notice().map(|text| view! { <Notice>{text}</Notice> })}
        // Every error shows at the top: the bucket cards are drawn again after each action,
        // with their folded sections closed.
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match buckets.await {
                    Ok(buckets) if buckets.is_empty() => view! { <p class="muted">"No buckets yet."</p> }.into_any(),
                    Ok(buckets) => buckets
                        .into_iter()
                        .map(|bucket| view! { <BucketCard bucket actions /> })
                        .collect_view()
                        .into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card narrow">
            <h2>"New bucket"</h2>
            <ActionForm action=create attr:class="stack" attr:data-testid="new-bucket">
                <FormError error=create_error />
                <Field label="Name" field="name" error=create_error hint="lowercase, e.g. base or web-tools">
                    <input name="name" required maxlength="64" />
                </Field>
                <Field label="Description" field="description" error=create_error hint="optional">
                    <input name="description" />
                </Field>
                <button type="submit" class="primary">"Create bucket"</button>
            </ActionForm>
        </section>
    }
}

fn manager_options() -> impl IntoView {
    PackageManager::ALL
        .into_iter()
        .map(|m| view! { <option value=m.as_str()>{m.as_str()}</option> })
        .collect_view()
}

#[component]
fn BucketCard(bucket: BucketView, actions: Actions) -> impl IntoView {
    let id = bucket.id.to_string();
    let anchor = format!("bucket-{id}");
    let rows = bucket
        .packages
        .clone()
        .into_iter()
        .map(|package| {
            let id = id.clone();
            view! {
                <tr>
                    <td>{package.manager.as_str()}</td>
                    <td class="mono">{package.name.clone()}</td>
                    <td class="mono">{package.version.clone().unwrap_or_default()}</td>
                    <td>
                        <ActionForm action=actions.remove attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="manager" value=package.manager.as_str() />
                            <input type="hidden" name="name" value=package.name.clone() />
                            <button type="submit" aria-label=format!("Remove {}", package.name)>"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let used = if bucket.used_by.is_empty() {
        "Not used by any template.".to_owned()
    } else {
        format!("Used by {}.", bucket.used_by.join(", "))
    };
    let empty = bucket.packages.is_empty();
    let count = format!("{} packages. ", bucket.packages.len());
    let (id2, id3, id4, id5) = (id.clone(), id.clone(), id.clone(), id.clone());
    let name = bucket.name.clone();
    let (name2, name3, name4) = (name.clone(), name.clone(), name.clone());
    let description = bucket.description.clone();
    let description2 = description.clone();
    view! {
        <section class="card" id=anchor data-bucket=name>
            <h2>{name2}</h2>
            <p>{description}</p>
            <p class="muted">{count}{used}</p>
            {(!empty).then(|| view! {
                <table class="grid">
                    <thead><tr><th>"Manager"</th><th>"Package"</th><th>"Version"</th><th></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })}
            <h3>"Add a package"</h3>
            <ActionForm action=actions.add attr:class="row">
                <input type="hidden" name="id" value=id2 />
                <label>"Manager" <select name="manager">{manager_options()}</select></label>
                <label>"Package" <input name="package" required placeholder="nginx or requests==2.31" /></label>
                <button type="submit">"Add"</button>
            </ActionForm>
            <details>
                <summary>"Paste a package list…"</summary>
                <ActionForm action=actions.paste attr:class="stack">
                    <input type="hidden" name="id" value=id3 />
                    <label>"Manager" <select name="manager">{manager_options()}</select></label>
                    <label>
                        "One package per line (# comments and blank lines are ignored)"
                        <textarea name="list" rows="8" required></textarea>
                    </label>
                    <button type="submit">"Import packages"</button>
                </ActionForm>
            </details>
            <details>
                <summary>"Rename…"</summary>
                <ActionForm action=actions.rename attr:class="stack">
                    <input type="hidden" name="id" value=id4 />
                    <label>"Name" <input name="name" value=name3 required /></label>
                    <label>"Description" <input name="description" value=description2 /></label>
                    <button type="submit">"Save"</button>
                </ActionForm>
            </details>
            <details class="confirm">
                <summary>"Delete…"</summary>
                <ActionForm action=actions.delete attr:class="inline">
                    <input type="hidden" name="id" value=id5 />
                    <span>"Delete bucket " <b>{name4}</b> " and its package list?"</span>
                    <button type="submit" class="danger">"Delete bucket"</button>
                </ActionForm>
            </details>
        </section>
    }
}

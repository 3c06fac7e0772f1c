//! The caller's templates and package buckets (another user's are "not found"), the
//! template form's draft, the starters and the last import's report. Uploading an
//! archive and downloading an export are plain routes of the server
//! (`/api/templates/import`, `/api/templates/{id}/export`): files, not server functions.

use leptos::prelude::*;
use model::ids::{BucketId, TemplateDraftId, TemplateId};
use model::template::{
    BucketView, ImportReport, ListImport, TemplateDraft, TemplateForm, TemplateListing,
    TemplateView,
};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// The session key the import route leaves its report under.
pub const IMPORT_REPORT_KEY: &str = "template_import_report";

/// The caller's templates matching `q` (words) and `tag`, all their tags and the
/// starters.
#[action]
#[server(endpoint = "templates/list")]
pub async fn list_templates(
    call: Call<SignedIn>,
    q: Option<String>,
    tag: Option<String>,
) -> Result<TemplateListing, AppError> {
    let query = backend::templates::TemplateQuery {
        q: q.unwrap_or_default(),
        tag: tag.unwrap_or_default(),
    };
    Ok(backend::templates::listing(call.backend(), &call.caller, &query).await?)
}

/// One of the caller's templates with its buckets.
#[action]
#[server(endpoint = "templates/get")]
pub async fn get_template(call: Call<SignedIn>, id: TemplateId) -> Result<TemplateView, AppError> {
    Ok(backend::templates::get(call.backend(), &call.caller, &id).await?)
}

/// The caller's template form draft `draft`.
#[action]
#[server(endpoint = "templates/draft")]
pub async fn get_template_draft(
    call: Call<SignedIn>,
    draft: TemplateDraftId,
) -> Result<TemplateDraft, AppError> {
    Ok(backend::templates::drafts::get(call.backend(), &call.caller, &draft).await?)
}

/// Every post of the template form: the form (as `form[…]`) is kept in a draft, then
/// `op` says what happens. `save` stores the template (created, or `template` updated)
/// and opens it; a refused field comes back on the form (`?draft=…&field=…&error=…`).
/// `add_script`, `remove_script:2`, `script_up:1`, … edit the lists and show the form
/// again.
#[action]
#[server(endpoint = "templates/edit")]
pub async fn edit_template(
    call: Call<SignedIn>,
    draft: Option<String>,
    template: Option<String>,
    op: String,
    form: TemplateForm,
) -> Result<String, AppError> {
    let draft = optional_id::<model::ids::TemplateDraftTable>("draft", draft)?;
    let template = optional_id::<model::ids::TemplateTable>("template", template)?;
    let edit =
        match op.trim() {
            "save" => None,
            word => Some(model::template::FormEdit::parse(word).ok_or_else(|| {
                AppError::Validation {
                    field: "op".into(),
                    message: "save, add_script, add_file, or remove/up/down with an index".into(),
                }
            })?),
        };
    let (backend, user) = (call.backend(), &call.caller);
    let mut form = form;
    if let Some(edit) = edit {
        edit.apply(&mut form);
    }
    let kept =
        backend::templates::drafts::keep(backend, user, draft.as_ref(), template.as_ref(), &form)
            .await?;
    let page = match &template {
        Some(id) => format!("/templates/{id}/edit"),
        None => "/templates/new".to_owned(),
    };
    let url = if let Some(edit) = edit {
        format!("{page}?draft={kept}#{}", edit.anchor(&form))
    } else {
        match backend::templates::drafts::submit(backend, user, &kept).await {
            Ok(id) => format!("/templates/{id}?saved=1"),
            Err(backend::ServiceError::Validation(error)) => format!(
                "{page}?draft={kept}&field={}&error={}",
                crate::url::query_value(&error.field),
                crate::url::query_value(&error.message)
            ),
            Err(other) => return Err(other.into()),
        }
    };
    crate::redirect::to(&url);
    Ok(url)
}

/// An optional id field: blank is none, anything else must be an id.
pub fn optional_id<T: model::ids::Table>(
    field: &str,
    text: Option<String>,
) -> Result<Option<model::ids::Id<T>>, AppError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => model::ids::Id::parse(text)
            .map(Some)
            .ok_or_else(|| AppError::Validation {
                field: field.to_owned(),
                message: format!("not a valid {} id", T::NAME),
            }),
    }
}

/// Copies the caller's template `id` and opens the copy.
#[action]
#[server(endpoint = "templates/duplicate")]
pub async fn duplicate_template(
    call: Call<SignedIn>,
    id: TemplateId,
) -> Result<TemplateId, AppError> {
    let copy = backend::templates::duplicate(call.backend(), &call.caller, &id).await?;
    crate::redirect::to(&format!("/templates/{copy}?duplicated=1"));
    Ok(copy)
}

/// Deletes the caller's template `id`; `confirm` must repeat its name.
#[action]
#[server(endpoint = "templates/delete")]
pub async fn delete_template(
    call: Call<SignedIn>,
    id: TemplateId,
    confirm: String,
) -> Result<(), AppError> {
    backend::templates::delete(call.backend(), &call.caller, &id, &confirm).await?;
    crate::redirect::to("/templates?deleted=1");
    Ok(())
}

/// Copies starter `slug` into the caller's templates and opens the copy.
#[action]
#[server(endpoint = "templates/starter")]
pub async fn add_starter(call: Call<SignedIn>, slug: String) -> Result<ImportReport, AppError> {
    let report = backend::templates::starters::add(call.backend(), &call.caller, &slug).await?;
    if let Some(added) = report.templates.first() {
        crate::redirect::to(&format!("/templates/{}?added=1", added.id));
    }
    Ok(report)
}

/// The report of the caller's last archive import, once (the session keeps it until it
/// is read).
#[action]
#[server(endpoint = "templates/last-import")]
pub async fn last_import(call: Call<SignedIn>) -> Result<Option<ImportReport>, AppError> {
    let _ = call;
    let session = crate::auth::session().await?;
    session
        .remove::<ImportReport>(IMPORT_REPORT_KEY)
        .await
        .map_err(AppError::internal)
}

/// The caller's package buckets.
#[action]
#[server(endpoint = "templates/buckets")]
pub async fn list_buckets(call: Call<SignedIn>) -> Result<Vec<BucketView>, AppError> {
    Ok(backend::templates::buckets::list(call.backend(), &call.caller).await?)
}

#[cfg(feature = "ssr")]
fn back_to_bucket(id: &BucketId, notice: &str) {
    crate::redirect::to(&format!("/templates/buckets?{notice}#bucket-{id}"));
}

/// Creates an empty bucket.
#[action]
#[server(endpoint = "templates/bucket-create")]
pub async fn create_bucket(
    call: Call<SignedIn>,
    name: String,
    description: String,
) -> Result<BucketId, AppError> {
    let id = backend::templates::buckets::create(call.backend(), &call.caller, &name, &description)
        .await?;
    back_to_bucket(&id, "created=1");
    Ok(id)
}

/// Renames a bucket and changes its description.
#[action]
#[server(endpoint = "templates/bucket-rename")]
pub async fn rename_bucket(
    call: Call<SignedIn>,
    id: BucketId,
    name: String,
    description: String,
) -> Result<(), AppError> {
    backend::templates::buckets::rename(call.backend(), &call.caller, &id, &name, &description)
        .await?;
    back_to_bucket(&id, "saved=1");
    Ok(())
}

/// Deletes a bucket no template uses (otherwise the answer names the templates).
#[action]
#[server(endpoint = "templates/bucket-delete")]
pub async fn delete_bucket(call: Call<SignedIn>, id: BucketId) -> Result<(), AppError> {
    backend::templates::buckets::delete(call.backend(), &call.caller, &id).await?;
    crate::redirect::to("/templates/buckets?deleted=1");
    Ok(())
}

/// Adds one package (`nginx`, `requests==2.31`) for `manager` to a bucket.
#[action]
#[server(endpoint = "templates/bucket-add")]
pub async fn add_bucket_package(
    call: Call<SignedIn>,
    id: BucketId,
    manager: String,
    package: String,
) -> Result<(), AppError> {
    backend::templates::buckets::add_package(call.backend(), &call.caller, &id, &manager, &package)
        .await?;
    back_to_bucket(&id, "saved=1");
    Ok(())
}

/// Removes package `name` of `manager` from a bucket.
#[action]
#[server(endpoint = "templates/bucket-remove")]
pub async fn remove_bucket_package(
    call: Call<SignedIn>,
    id: BucketId,
    manager: String,
    name: String,
) -> Result<(), AppError> {
    backend::templates::buckets::remove_package(call.backend(), &call.caller, &id, &manager, &name)
        .await?;
    back_to_bucket(&id, "saved=1");
    Ok(())
}

/// Adds every package of a pasted list (the contents of a `.apt`, `.pip`, … file).
#[action]
#[server(endpoint = "templates/bucket-paste")]
pub async fn paste_bucket_list(
    call: Call<SignedIn>,
    id: BucketId,
    manager: String,
    list: String,
) -> Result<ListImport, AppError> {
    let report = backend::templates::buckets::import_list(
        call.backend(),
        &call.caller,
        &id,
        &manager,
        &list,
    )
    .await?;
    back_to_bucket(
        &id,
        &format!("imported={}", crate::url::query_value(&report.describe())),
    );
    Ok(report)
}

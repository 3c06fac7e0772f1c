//! `#[action]`: how every Corral server function is declared.
//!
//! ```text
//! /// The caller's nodes, the default first.
//! #[action]
//! #[server(endpoint = "nodes/list")]
//! pub async fn list_nodes(call: Call<SignedIn>) -> Result<Vec<NodeView>, AppError> {
//!     Ok(backend::nodes::list(call.backend(), &call.caller).await?)
//! }
//! ```
//!
//! The first parameter is the call: who is calling, at the access level its type names
//! (`Call<Anyone>`, `Call<SignedIn>`, `Call<Admin>`). It is not a form field. The
//! attribute
//! - removes it from the server function's arguments,
//! - registers the endpoint's path with that access level, the table the request gate
//!   (`app::action::gate`) and the authorization test read,
//! - and wraps the body so it starts from the call the gate resolved before any
//!   argument was read, and every error leaving it carries its HTTP status.
//!
//! It goes above `#[server]`, which must name a stable `endpoint`.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Error, FnArg, ItemFn, LitStr, ReturnType, parse_macro_input};

/// See the crate documentation.
#[proc_macro_attribute]
pub fn action(arguments: TokenStream, item: TokenStream) -> TokenStream {
    let function = parse_macro_input!(item as ItemFn);
    let expanded = if arguments.is_empty() {
        expand(function)
    } else {
        Err(Error::new(
            Span::call_site(),
            "#[action] takes no arguments: the type of the first parameter, \
             Call<Anyone | SignedIn | Admin>, says who may call",
        ))
    };
    expanded.unwrap_or_else(Error::into_compile_error).into()
}

fn expand(mut function: ItemFn) -> syn::Result<proc_macro2::TokenStream> {
    let endpoint = endpoint(&function)?;
    let Some(FnArg::Typed(call)) = function.sig.inputs.first().cloned() else {
        return Err(Error::new(
            function.sig.inputs.span(),
            "the first parameter of an action is the call, e.g. `call: Call<SignedIn>`",
        ));
    };
    let ReturnType::Type(_, answer) = &function.sig.output else {
        return Err(Error::new(
            function.sig.span(),
            "a server function answers a Result",
        ));
    };
    let (pattern, call_type, body) = (&call.pat, &call.ty, &function.block);
    let wrapped = quote! {{
        crate::action::run(move |#pattern: #call_type| async move {
            let answer: #answer = #body;
            answer
        })
        .await
    }};
    function.block = Box::new(syn::parse2(wrapped)?);
    function.sig.inputs = function.sig.inputs.into_iter().skip(1).collect();
    let fields = arguments(&function)?;
    Ok(quote! {
        // Both builds: the call's type must name an access level.
        const _: crate::action::Access = <#call_type>::ACCESS;
        #[cfg(feature = "ssr")]
        ::inventory::submit! {
            crate::action::Declared {
                path: concat!("/api/", #endpoint),
                access: <#call_type>::ACCESS,
                fields: &[#(#fields),*],
            }
        }
        #function
    })
}

/// The form fields (the arguments after the call), each as a `crate::action::FieldSpec`
/// with its name and its type as written, for the tests that send every endpoint bad
/// input.
fn arguments(function: &ItemFn) -> syn::Result<Vec<proc_macro2::TokenStream>> {
    function
        .sig
        .inputs
        .iter()
        .map(|input| match input {
            FnArg::Typed(argument) => {
                let syn::Pat::Ident(name) = argument.pat.as_ref() else {
                    return Err(Error::new(
                        argument.pat.span(),
                        "a server function argument is a plain name",
                    ));
                };
                let name = LitStr::new(&name.ident.to_string(), name.ident.span());
                let ty = &argument.ty;
                let written = LitStr::new(
                    &quote!(#ty).to_string().replace(' ', ""),
                    argument.ty.span(),
                );
                Ok(quote! { crate::action::FieldSpec { name: #name, ty: #written } })
            }
            FnArg::Receiver(receiver) => Err(Error::new(
                receiver.span(),
                "a server function takes no self",
            )),
        })
        .collect()
}

/// The `endpoint = "…"` of the function's `#[server(…)]` attribute.
fn endpoint(function: &ItemFn) -> syn::Result<LitStr> {
    let server = function
        .attrs
        .iter()
        .find(|attribute| attribute.path().is_ident("server"))
        .ok_or_else(|| {
            Error::new(
                function.sig.ident.span(),
                "#[action] goes above #[server(endpoint = \"…\")]",
            )
        })?;
    let mut endpoint = None;
    server.parse_nested_meta(|meta| {
        let value = meta.value()?;
        if meta.path.is_ident("endpoint") {
            endpoint = Some(value.parse::<LitStr>()?);
        } else {
            value.parse::<syn::Expr>()?;
        }
        Ok(())
    })?;
    endpoint.ok_or_else(|| {
        Error::new(
            server.span(),
            "an action needs a stable endpoint: #[server(endpoint = \"area/name\")]",
        )
    })
}

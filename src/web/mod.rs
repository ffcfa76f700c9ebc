//! The web pages: axum handlers, one module per journey. Handlers extract, call a flow and
//! render; decisions live in the flows.

mod account;
mod admin;
mod api;
mod api_apps;
mod api_clients;
mod api_providers;
mod app_factor;
mod apps;
mod audit_log;
mod authz;
mod brand;
mod client;
mod clients;
mod csrf;
mod dev;
mod error;
mod form;
mod gate;
mod headers;
mod home;
mod language;
mod login;
mod mail;
mod multipart;
mod oidc;
mod ops;
mod page;
mod passkey;
mod phone;
mod providers;
mod recovery;
mod recovery_codes;
mod register;
mod rollout;
mod server;
mod session;
mod sessions;
mod staff;
mod status;
mod step_up;
mod terms;
mod verify;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::app::App;

pub use error::WebError;
pub use gate::access_of;
pub use server::ConnectionLimits;

pub type AppState = Arc<App>;

pub fn router(app: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::choose))
        .route("/login/email", get(login::email_form))
        .route("/login/phone", get(login::phone_form))
        .route("/register/first-login", get(login::first_login_form))
        .route("/login", post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .route("/register/{token}", get(register::open_link))
        .route("/register", get(register::form).post(register::submit))
        .route("/verify/email", get(verify::page))
        .route("/verify/email/send", post(verify::send))
        .route("/verify/email/check", post(verify::check))
        .route("/verify/done", get(verify::done))
        .route("/verify/app", get(app_factor::page).post(app_factor::check))
        .route(
            "/verify/recovery-code",
            get(recovery_codes::page).post(recovery_codes::check),
        )
        .route("/verify/phone", get(phone::page))
        .route("/verify/phone/send", post(phone::send))
        .route("/verify/phone/check", post(phone::check))
        .route("/verify/phone/call", get(phone::calling))
        .route("/verify/phone/call/state", get(phone::call_state))
        .route("/verify/phone/call/complete", post(phone::complete_call))
        .route("/verify/phone/call/cancel", post(phone::cancel_call))
        .route("/twilio/voice/{token}", post(phone::voice_key))
        .route("/twilio/voice/{token}/status", post(phone::voice_status))
        .route("/terms", get(terms::page).post(terms::accept))
        .route(
            "/password/forgot",
            get(recovery::forgot_form).post(recovery::forgot_submit),
        )
        .route("/password/forgot/code", get(recovery::code_page))
        .route("/password/forgot/resend", post(recovery::resend))
        .route("/password/forgot/check", post(recovery::check))
        .route("/password/forgot/verified", get(recovery::verified))
        .route(
            "/password/new",
            get(recovery::new_password_form).post(recovery::new_password),
        )
        .route(
            "/register/reset",
            get(recovery::reset_form).post(recovery::reset_submit),
        )
        .route(
            "/register/trouble",
            get(recovery::trouble_form).post(recovery::trouble_submit),
        )
        .route("/help", get(recovery::help))
        .route("/verify/again", get(step_up::page))
        .route("/verify/again/send", post(step_up::send))
        .route("/verify/again/check", post(step_up::check))
        .route("/verify/again/app", post(step_up::check_app))
        .route("/account", get(account::page))
        .route("/account/email/send", post(account::send_email))
        .route("/account/email/check", post(account::check_email))
        .route("/account/phone/send", post(account::send_phone))
        .route("/account/phone/check", post(account::check_phone))
        .route("/account/method/email", post(account::use_email))
        .route(
            "/account/app",
            get(app_factor::enrolment).post(app_factor::confirm),
        )
        .route("/account/app/start", post(app_factor::start))
        .route("/account/recovery-codes", post(recovery_codes::generate))
        .route("/account/factors/{id}/remove", post(account::remove_factor))
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route("/sessions", get(sessions::list))
        .route("/sessions/end-others", post(sessions::end_others))
        .route("/sessions/{reference}/end", post(sessions::end))
        .route("/admin", get(admin::console))
        .route("/admin/users", post(admin::invite))
        .route("/admin/users/bulk", post(admin::bulk))
        .route(
            UPLOAD_PATH,
            post(admin::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/admin/organizations", post(admin::create_organization))
        .route(
            "/admin/organizations/{id}/factors",
            post(admin::set_factors),
        )
        .route(
            IMPORT_PATH,
            post(admin::import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/admin/users/{id}/{action}", post(admin::act))
        .route(
            "/admin/terms",
            get(admin::terms_form).post(admin::publish_terms),
        )
        .route("/admin/audit", get(audit_log::viewer))
        .route("/admin/audit/export", get(audit_log::export))
        .route("/static/style.css", get(stylesheet))
        .route("/static/call.js", get(call_script))
        .route("/static/upload.js", get(upload_script))
        .merge(language::routes())
        .merge(brand::routes())
        .merge(mail::routes())
        .merge(authz::routes())
        .merge(staff::routes())
        .merge(passkey::routes())
        .merge(clients::routes())
        .merge(apps::routes())
        .merge(rollout::routes())
        .merge(providers::routes())
        .merge(oidc::routes())
        .merge(ops::routes())
        .merge(api::routes());
    if app.config.dev_outbox_page() {
        router = router
            .route("/dev/outbox", get(dev::outbox))
            .route("/dev/press/{token}", post(dev::press));
    }
    router
        .fallback(error::not_found)
        .layer(middleware::from_fn_with_state(app.clone(), gate::guard))
        .layer(middleware::from_fn_with_state(app.clone(), csrf::protect))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            headers::security,
        ))
        .layer(middleware::from_fn(language::choose))
        .layer(middleware::from_fn_with_state(app.clone(), brand::present))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn(ops::track))
        .with_state(app)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/style.css"),
    )
}

async fn call_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/call.js"),
    )
}

async fn upload_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/upload.js"),
    )
}

/// The console's CSV file uploads (bulk create, and the import of current portal users): the
/// forms whose body may exceed 64 KiB, as large as the API's bulk route allows (an import of
/// 10,000 users with their hashes is about 1.5 MB).
pub const UPLOAD_PATH: &str = "/admin/users/upload";
pub const IMPORT_PATH: &str = "/admin/import";
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

/// Whether a POST to `path` may carry a file upload's larger body (`UPLOAD_LIMIT`).
pub fn is_upload(path: &str) -> bool {
    path == UPLOAD_PATH || path == IMPORT_PATH
}

/// Serves the router with each connection's peer address known (per-client limits), within
/// the connection limits (`server`), until `shutdown`; requests in flight then finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, router, limits, shutdown).await
}

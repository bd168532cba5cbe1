//! The API's routes, each declared once for both the router and the OpenAPI document.

mod bookings;
mod calendars;
pub(crate) mod codes;
pub(crate) mod integrations;
mod public;
mod setup;
mod templates;
pub(crate) mod video;
mod webhooks;

use booking_core::catalog::Business;
use booking_core::ids::BusinessId;
use utoipa::IntoResponses;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::problem::Problem;

/// Every error an operation may answer, as problems.
#[derive(IntoResponses)]
#[allow(dead_code, reason = "a type for the OpenAPI document only")]
enum Errors {
    /// Bad input, unknown ids, refused by a rule, not allowed.
    #[response(status = "4XX", content_type = "application/problem+json")]
    Client(Problem),
    /// Storage unavailable or timeout.
    #[response(status = "5XX", content_type = "application/problem+json")]
    Server(Problem),
}

pub(crate) async fn business(state: &AppState, id: i64) -> Result<Business, Problem> {
    Ok(state.app().business_profile(None, BusinessId::new(id)).await?)
}

pub(crate) fn all(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(setup::get_business, setup::patch_business))
        .routes(routes!(setup::get_settings, setup::patch_settings))
        .routes(routes!(setup::list_resources, setup::create_resource))
        .routes(routes!(setup::get_resource, setup::put_resource))
        .routes(routes!(setup::put_hours))
        .routes(routes!(setup::list_exceptions, setup::add_exception))
        .routes(routes!(setup::delete_exception))
        .routes(routes!(calendars::import_exceptions))
        .routes(routes!(calendars::resource_feed))
        .routes(routes!(calendars::customer_feed))
        .routes(routes!(setup::list_agendas, setup::create_agenda))
        .routes(routes!(setup::get_agenda, setup::put_agenda))
        .routes(routes!(setup::list_services, setup::create_service))
        .routes(routes!(setup::get_service, setup::put_service))
        .routes(routes!(setup::list_events, setup::create_event))
        .routes(routes!(setup::get_event))
        .routes(routes!(setup::list_sessions, setup::create_session))
        .routes(routes!(setup::list_keys, setup::create_key))
        .routes(routes!(setup::revoke_key))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(templates::list_templates))
        .routes(routes!(templates::put_template, templates::delete_template))
        .routes(routes!(integrations::list_integrations))
        .routes(routes!(integrations::put_integration, integrations::delete_integration))
        .routes(routes!(integrations::list_connections))
        .routes(routes!(integrations::delete_connection))
        .routes(routes!(integrations::pull_connection))
        .routes(routes!(video::get_video))
        .routes(routes!(video::put_default, video::delete_default))
        .routes(routes!(video::get_staff, video::put_staff, video::delete_staff))
        .routes(routes!(video::put_course_link, video::delete_course_link))
        .routes(routes!(video::get_booking_video, video::put_booking_video))
        .routes(routes!(video::put_session_video))
        .routes(routes!(codes::issue, codes::list))
        .routes(routes!(codes::get))
        .routes(routes!(codes::adjust))
        .routes(routes!(codes::revoke))
        .routes(routes!(codes::of_customer))
        .routes(routes!(setup::create_customer))
        .routes(routes!(setup::get_customer))
        .routes(routes!(setup::anonymise_customer))
        .routes(routes!(setup::attach_customer))
        .routes(routes!(setup::revoke_magic_links))
        .routes(routes!(public::availability))
        .routes(routes!(public::first_available))
        .routes(routes!(public::hold))
        .routes(routes!(public::release))
        .routes(routes!(bookings::create, bookings::list))
        .routes(routes!(bookings::get))
        .routes(routes!(bookings::cancel))
        .routes(routes!(bookings::reschedule))
        .routes(routes!(bookings::approve))
        .routes(routes!(bookings::reject))
        .routes(routes!(bookings::no_show))
}

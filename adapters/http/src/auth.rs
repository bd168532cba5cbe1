//! §C4 Who is calling: `Authorization: Bearer <API key>` (or HTTP Basic carrying the key, for
//! the Chrono-compatible API, §G), or no one (a guest).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use booking_core::access::{Action, Principal};
use booking_core::booking::Actor;
use booking_core::ids::BusinessId;

use crate::AppState;
use crate::problem::Problem;

/// The caller: a principal when a valid key was sent, none for a guest. A key that is sent but
/// not valid is refused (401), never downgraded to a guest.
#[derive(Clone, Copy, Debug)]
pub struct Caller(pub Option<Principal>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(known) = parts.extensions.get::<Self>() {
            return Ok(*known);
        }
        let caller = identify(parts, state).await?;
        parts.extensions.insert(caller);
        Ok(caller)
    }
}

/// Authenticates the request's key and refuses another tenant's paths (404), before any
/// handler or body parsing runs: a middleware over every route.
pub(crate) async fn tenant_guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (mut parts, body) = request.into_parts();
    match identify(&parts, &state).await {
        Ok(caller) => {
            parts.extensions.insert(caller);
            next.run(axum::extract::Request::from_parts(parts, body)).await
        }
        Err(problem) => axum::response::IntoResponse::into_response(problem),
    }
}

/// The caller of a request: none without `Authorization`, 401 for a key that is not valid, 404
/// for a valid key of another business than the path's.
async fn identify(parts: &Parts, state: &AppState) -> Result<Caller, Problem> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(Caller(None));
    };
    let text = value.to_str().map_err(|_| Problem::unauthenticated())?;
    let basic;
    let key = if let Some(bearer) = text.strip_prefix("Bearer ") {
        bearer.trim()
    } else if let Some(encoded) = text.strip_prefix("Basic ") {
        basic = basic_key(encoded.trim()).ok_or_else(Problem::unauthenticated)?;
        basic.as_str()
    } else {
        return Err(Problem::unauthenticated());
    };
    let principal = state.app().authenticate(key).await?.ok_or_else(Problem::unauthenticated)?;
    // Another tenant's routes do not exist for this caller: answered before the body is
    // even read, whatever the route.
    if business_in_path(parts.uri.path()).is_some_and(|b| b != principal.business.get()) {
        return Err(Problem::not_found());
    }
    Ok(Caller(Some(principal)))
}

/// The API key of HTTP Basic credentials (§G, as Publik sends them): the password when it has
/// the shape of a key, else the user name.
fn basic_key(encoded: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    [password, user]
        .into_iter()
        .find(|k| booking_core::access::DrawnKey::looks_like_key(k))
        .map(str::to_owned)
}

/// The business id of a `/api/v1/businesses/{business}/…` path.
fn business_in_path(path: &str) -> Option<i64> {
    path.strip_prefix("/api/v1/businesses/")?.split('/').next()?.parse().ok()
}

impl Caller {
    /// The principal, or 401.
    pub fn required(&self) -> Result<Principal, Problem> {
        self.0.ok_or_else(Problem::unauthenticated)
    }

    /// The actor to run `action` in `business` as: 401 without a key, 404 for another
    /// business, 403 for a role that may not.
    pub fn authorize(&self, business: BusinessId, action: Action) -> Result<Actor, Problem> {
        Ok(self.required()?.authorize(business, action)?)
    }
}

//! Following a hashtag from its page (`POST /api/v1/tags/:name/{follow,unfollow}`), through
//! `services::tags`; followed tags' posts then reach the member's home timeline.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;

use crate::services::tags;
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::social::{back, BackForm};

/// `POST /web/tags/{tag}/follow` and `/unfollow` (the path decides).
pub async fn follow(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(tag): Path<String>,
    uri: Uri,
    CsrfForm(form): CsrfForm<BackForm>,
) -> Response {
    let result = if uri.path().ends_with("/unfollow") {
        tags::unfollow(&state, signed.account_id(), &tag).await
    } else {
        tags::follow(&state, signed.account_id(), &tag).await
    };
    match result {
        Ok(entity) => {
            let name = entity["name"].as_str().unwrap_or(&tag).to_lowercase();
            back(&state, &form.return_to, &format!("/tags/{name}"))
        }
        Err(e) => signed.error(&state, e),
    }
}

//! OAuth 2 as Mastodon serves it: apps, the authorization-code flow with PKCE, client
//! credentials, the (optional) password grant, and revocation. Errors follow RFC 6749.

use axum::http::StatusCode;

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::scopes::Scopes;
use crate::secrets;
use crate::state::AppState;
use crate::storage::oauth::{self as store, AppRow, CodeRow};
use crate::time::MICROS_PER_MINUTE;

pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const APP_NAME_MAX: usize = 60;
const URI_MAX: usize = 2000;

pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Option<String>,
    pub website: Option<String>,
}

/// Registers an app; returns it with the client secret in the clear (shown once).
pub async fn create_app(state: &AppState, new: NewApp) -> AppResult<(AppRow, String)> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(AppError::validation(
            "client_name",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    if name.chars().count() > APP_NAME_MAX {
        return Err(AppError::validation(
            "client_name",
            "ERR_TOO_LONG",
            "is too long (maximum is 60 characters)",
        ));
    }
    let uris: Vec<String> = new
        .redirect_uris
        .iter()
        .flat_map(|u| u.split(['\n', ' ']))
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect();
    if uris.is_empty() {
        return Err(AppError::validation(
            "redirect_uris",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    for uri in &uris {
        validate_redirect_uri(uri)?;
    }
    let scopes = Scopes::parse_or_read(new.scopes.as_deref())
        .map_err(|e| AppError::validation("scopes", "ERR_INVALID", &format!("are invalid: {e}")))?;
    let website = new
        .website
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    if let Some(w) = &website {
        let ok = w.len() <= URI_MAX
            && url::Url::parse(w)
                .map(|u| matches!(u.scheme(), "http" | "https"))
                .unwrap_or(false);
        if !ok {
            return Err(AppError::validation(
                "website",
                "ERR_INVALID",
                "is not a valid URL",
            ));
        }
    }
    let secret = secrets::random_token();
    let now = state.clock.now_micros();
    let app = AppRow {
        id: ids::next_id_at(now / 1000),
        name: name.to_string(),
        website,
        redirect_uris: uris.join("\n"),
        scopes: scopes.to_string(),
        client_id: secrets::random_token(),
        client_secret_hash: secrets::token_hash(&secret),
        created_at: now,
    };
    store::insert_app(&state.db.pool, &app).await?;
    Ok((app, secret))
}

fn validate_redirect_uri(uri: &str) -> AppResult<()> {
    if uri == OOB {
        return Ok(());
    }
    // Apps may use custom schemes (myapp://callback); script-bearing schemes are refused.
    let ok = uri.len() <= URI_MAX
        && url::Url::parse(uri)
            .map(|u| {
                u.fragment().is_none()
                    && !matches!(u.scheme(), "javascript" | "data" | "vbscript" | "file")
            })
            .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(AppError::validation(
            "redirect_uri",
            "ERR_INVALID",
            "must be an absolute URI without a fragment",
        ))
    }
}

/// An authorization request that passed every check, ready for the consent page.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub app: AppRow,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuthorizationParams {
    #[serde(default)]
    pub response_type: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub code_challenge: Option<String>,
    #[serde(default)]
    pub code_challenge_method: Option<String>,
    #[serde(default)]
    pub force_login: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// Checks `/oauth/authorize` parameters. Errors here are shown on a page, never redirected,
/// since the redirect target itself may be what is wrong.
pub async fn check_authorization(
    state: &AppState,
    p: &AuthorizationParams,
) -> AppResult<AuthorizationRequest> {
    let client_id = p.client_id.as_deref().unwrap_or("");
    let app = store::app_by_client_id(&state.db.pool, client_id)
        .await?
        .ok_or_else(|| {
            AppError::oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed due to unknown client.",
            )
        })?;
    if p.response_type.as_deref() != Some("code") {
        return Err(AppError::oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "The authorization server does not support this response type.",
        ));
    }
    let registered = app.redirect_uri_list();
    let redirect_uri = match p.redirect_uri.as_deref() {
        Some(u) if registered.iter().any(|r| r == u) => u.to_string(),
        None if registered.len() == 1 => registered[0].clone(),
        _ => {
            return Err(AppError::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_redirect_uri",
                "The redirect uri included is not valid.",
            ))
        }
    };
    let scopes = Scopes::parse_or_read(p.scope.as_deref())
        .map_err(|e| AppError::oauth(StatusCode::BAD_REQUEST, "invalid_scope", e))?;
    let app_scopes = Scopes::parse(&app.scopes).map_err(AppError::internal_msg)?;
    if !app_scopes.covers(&scopes) {
        return Err(AppError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        ));
    }
    let (code_challenge, code_challenge_method) =
        match (&p.code_challenge, p.code_challenge_method.as_deref()) {
            (None, _) => (None, None),
            (Some(c), Some("S256")) if valid_challenge(c) => {
                (Some(c.clone()), Some("S256".to_string()))
            }
            (Some(_), Some("S256")) => {
                return Err(AppError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The code challenge is malformed.",
                ))
            }
            (Some(_), _) => {
                return Err(AppError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Only the S256 code challenge method is supported.",
                ))
            }
        };
    Ok(AuthorizationRequest {
        app,
        redirect_uri,
        scopes,
        state: p.state.clone(),
        code_challenge,
        code_challenge_method,
    })
}

fn valid_challenge(c: &str) -> bool {
    (43..=128).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Issues a single-use code for an approved request; returns the code in the clear.
pub async fn issue_code(
    state: &AppState,
    req: &AuthorizationRequest,
    account_id: i64,
) -> AppResult<String> {
    let code = secrets::random_token();
    let now = state.clock.now_micros();
    store::insert_code(
        &state.db.pool,
        &CodeRow {
            code_hash: secrets::token_hash(&code),
            app_id: req.app.id,
            account_id,
            redirect_uri: req.redirect_uri.clone(),
            scopes: req.scopes.to_string(),
            code_challenge: req.code_challenge.clone(),
            code_challenge_method: req.code_challenge_method.clone(),
            created_at: now,
            expires_at: now + i64::from(state.config.auth.code_minutes) * MICROS_PER_MINUTE,
            used_at: None,
        },
    )
    .await?;
    Ok(code)
}

/// Where the browser goes after consent: the app's redirect with `code` and `state`, or None
/// for out-of-band apps (the page shows the code).
pub fn redirect_with(req: &AuthorizationRequest, params: &[(&str, &str)]) -> Option<String> {
    if req.redirect_uri == OOB {
        return None;
    }
    let mut url = url::Url::parse(&req.redirect_uri).ok()?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(s) = &req.state {
            q.append_pair("state", s);
        }
    }
    Some(url.to_string())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenParams {
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub grant_type: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub client_secret: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub code_verifier: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub scope: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient::string_opt")]
    pub token: Option<String>,
}

pub struct IssuedToken {
    pub access_token: String,
    pub scopes: Scopes,
    pub created_at: i64,
}

fn invalid_grant(description: &str) -> AppError {
    AppError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn invalid_client() -> AppError {
    AppError::oauth(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    )
}

/// The app named by `client_id`, checked against its secret (when one is required).
async fn client(state: &AppState, p: &TokenParams, secret_required: bool) -> AppResult<AppRow> {
    let app = store::app_by_client_id(&state.db.pool, p.client_id.as_deref().unwrap_or(""))
        .await?
        .ok_or_else(invalid_client)?;
    match p.client_secret.as_deref() {
        Some(secret)
            if secrets::secure_eq(&secrets::token_hash(secret), &app.client_secret_hash) =>
        {
            Ok(app)
        }
        None if !secret_required => Ok(app),
        _ => Err(invalid_client()),
    }
}

/// `POST /oauth/token`.
pub async fn token(
    state: &AppState,
    p: TokenParams,
    ip: std::net::IpAddr,
) -> AppResult<IssuedToken> {
    match p.grant_type.as_deref() {
        Some("authorization_code") => {
            // A public client may prove itself with PKCE instead of a secret.
            let app = client(state, &p, p.code_verifier.is_none()).await?;
            let code = p.code.as_deref().ok_or_else(|| {
                AppError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter: code.",
                )
            })?;
            let now = state.clock.now_micros();
            // Any attempt spends the code, even one that fails a check below: a code is good
            // for one try, so an intercepted code cannot be raced or retried.
            let mut tx = state.db.begin_write().await?;
            let row = store::take_code(&mut tx, &secrets::token_hash(code), now).await?;
            let checked = check_code(row, &app, &p, now);
            let issued = match checked {
                Ok(row) => {
                    let scopes = Scopes::parse(&row.scopes).map_err(AppError::internal_msg)?;
                    Ok(insert_token(&mut **tx, app.id, Some(row.account_id), scopes, now).await?)
                }
                Err(e) => Err(e),
            };
            tx.commit().await?;
            issued
        }
        Some("client_credentials") => {
            let app = client(state, &p, true).await?;
            let scopes = requested_scopes(&app, p.scope.as_deref())?;
            insert_token(
                &state.db.pool,
                app.id,
                None,
                scopes,
                state.clock.now_micros(),
            )
            .await
        }
        Some("password") if state.config.auth.password_grant => {
            let app = client(state, &p, true).await?;
            let scopes = requested_scopes(&app, p.scope.as_deref())?;
            let (Some(login), Some(password)) = (p.username.as_deref(), p.password.as_deref())
            else {
                return Err(AppError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing username or password.",
                ));
            };
            let user =
                match crate::services::accounts::authenticate(state, login, password, ip).await {
                    Ok(u) => u,
                    Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => return Err(e),
                    Err(_) => return Err(invalid_grant("The username or password is incorrect.")),
                };
            crate::http::auth::functional(state, &user).map_err(|e| invalid_grant(&e.message))?;
            // As Mastodon: an account that signs in with a second factor cannot be signed in
            // by its password alone; its apps go through the browser (authorize), which asks.
            if crate::services::two_factor::enabled(state, user.account_id).await? {
                return Err(invalid_grant("The username or password is incorrect."));
            }
            insert_token(
                &state.db.pool,
                app.id,
                Some(user.account_id),
                scopes,
                state.clock.now_micros(),
            )
            .await
        }
        Some("password") => Err(AppError::oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The password grant is disabled on this server; use the authorization code flow.",
        )),
        Some(_) => Err(AppError::oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )),
        None => Err(AppError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: grant_type.",
        )),
    }
}

/// The checks a code must pass before it is exchanged for a token.
fn check_code(row: Option<CodeRow>, app: &AppRow, p: &TokenParams, now: i64) -> AppResult<CodeRow> {
    let row = match row {
        Some(r) if r.app_id == app.id => r,
        _ => return Err(invalid_grant("The authorization code is invalid.")),
    };
    if row.used_at.is_some() {
        return Err(invalid_grant(
            "The authorization code has already been used.",
        ));
    }
    if row.expires_at <= now {
        return Err(invalid_grant("The authorization code has expired."));
    }
    if p.redirect_uri.as_deref().unwrap_or(&row.redirect_uri) != row.redirect_uri {
        return Err(invalid_grant(
            "The redirect URI does not match the one used in the authorization request.",
        ));
    }
    match (&row.code_challenge, &p.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if !secrets::secure_eq(&secrets::pkce_s256(verifier), challenge) {
                return Err(invalid_grant(
                    "The PKCE code verifier does not match the code challenge.",
                ));
            }
        }
        (Some(_), None) => return Err(invalid_grant("The PKCE code verifier is missing.")),
        (None, Some(_)) => {
            return Err(invalid_grant(
                "No PKCE code challenge was sent with this authorization.",
            ))
        }
        (None, None) => {}
    }
    Ok(row)
}

fn requested_scopes(app: &AppRow, requested: Option<&str>) -> AppResult<Scopes> {
    let scopes = Scopes::parse_or_read(requested)
        .map_err(|e| AppError::oauth(StatusCode::BAD_REQUEST, "invalid_scope", e))?;
    let app_scopes = Scopes::parse(&app.scopes).map_err(AppError::internal_msg)?;
    if !app_scopes.covers(&scopes) {
        return Err(AppError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        ));
    }
    Ok(scopes)
}

async fn insert_token<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    app_id: i64,
    account_id: Option<i64>,
    scopes: Scopes,
    now: i64,
) -> AppResult<IssuedToken> {
    let token = secrets::random_token();
    store::insert_token(
        db,
        ids::next_id_at(now / 1000),
        &secrets::token_hash(&token),
        app_id,
        account_id,
        &scopes.to_string(),
        now,
    )
    .await?;
    Ok(IssuedToken {
        access_token: token,
        scopes,
        created_at: now,
    })
}

/// Issues a token directly (the operator's `herd admin token`), through an app of its own.
pub async fn operator_token(state: &AppState, account_id: i64, scopes: &str) -> AppResult<String> {
    let scopes = Scopes::parse(scopes).map_err(AppError::unprocessable)?;
    if scopes.is_empty() {
        return Err(AppError::unprocessable("no scopes given"));
    }
    let (app, _) = create_app(
        state,
        NewApp {
            name: "herd admin token".into(),
            redirect_uris: vec![OOB.into()],
            scopes: Some(scopes.to_string()),
            website: None,
        },
    )
    .await?;
    let issued = insert_token(
        &state.db.pool,
        app.id,
        Some(account_id),
        scopes,
        state.clock.now_micros(),
    )
    .await?;
    Ok(issued.access_token)
}

/// `POST /oauth/revoke` (RFC 7009): answers the same whether or not the token existed.
pub async fn revoke(state: &AppState, p: TokenParams) -> AppResult<()> {
    let app = client(state, &p, true).await?;
    if let Some(token) = p.token.as_deref() {
        store::revoke_token(
            &state.db.pool,
            &secrets::token_hash(token),
            app.id,
            state.clock.now_micros(),
        )
        .await?;
        crate::services::read_cache::forget_everywhere(
            state,
            crate::storage::Change::TokensRevoked,
        )
        .await;
    }
    Ok(())
}

/// A user token for an app that just signed the user up (`POST /api/v1/accounts`).
pub async fn user_token(
    state: &AppState,
    app_id: i64,
    account_id: i64,
    scopes: &Scopes,
) -> AppResult<IssuedToken> {
    insert_token(
        &state.db.pool,
        app_id,
        Some(account_id),
        scopes.clone(),
        state.clock.now_micros(),
    )
    .await
}

/// The application a token was issued to, if it still exists.
pub async fn app(state: &AppState, app_id: i64) -> AppResult<Option<AppRow>> {
    Ok(store::app_by_id(&state.db.pool, app_id).await?)
}

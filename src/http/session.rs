//! Web sessions and CSRF protection for the HTML forms.
//!
//! Every web response carries a `herd_csrf` cookie (random, HttpOnly, SameSite=Lax); every
//! form posts the same value back in `csrf_token`, and a POST whose field does not match the
//! cookie is refused. A cross-site page can neither read the cookie nor set it, so it cannot
//! forge the field. The login itself is the `herd_session` cookie, whose hash is stored.
//!
//! Pages are compressed (`http::compression`), and a compressed page that carries a secret
//! next to text an attacker can put in it leaks the secret through its size (BREACH). So a
//! page never carries the token itself: each render carries it masked, a fresh random pad
//! followed by the token XOR the pad, base64url-encoded ([`masked`]), as Rails and Django do.
//! [`csrf_matches`] takes the token masked by any render, or plain (forms rendered before
//! masking began, scripts that copy the cookie).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};

use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::secrets;
use crate::state::AppState;
use crate::storage::{sessions, web_settings};
use crate::time::MICROS_PER_DAY;

pub const SESSION_COOKIE: &str = "herd_session";
pub const CSRF_COOKIE: &str = "herd_csrf";

#[derive(Clone)]
struct CsrfToken(String);

fn cookie_value(parts_headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    parts_headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

fn build_cookie(
    state: &AppState,
    name: &str,
    value: String,
    max_age_days: Option<i64>,
) -> Option<HeaderValue> {
    let mut c = Cookie::new(name.to_string(), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(state.config.scheme == "https");
    if let Some(days) = max_age_days {
        c.set_max_age(cookie::time::Duration::days(days));
    }
    HeaderValue::from_str(&c.to_string()).ok()
}

/// Middleware for the web pages: makes sure the request has a CSRF token and the browser
/// keeps it.
pub async fn ensure_csrf(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = cookie_value(req.headers(), CSRF_COOKIE);
    // Only a page view hands out a token. A POST without the cookie is refused anyway, and is
    // usually a form another site submitted (SameSite=Lax withholds the cookie): a new cookie
    // on its answer would replace the visitor's, and break the forms in their other tabs.
    let mint = existing.is_none() && req.method().is_safe();
    let token = existing.clone().unwrap_or_else(secrets::random_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    // Pages are never framed (the consent page must not be clickjacked), and links in mails
    // carry tokens in their query, so no Referer leaves the site.
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "content-security-policy",
        // Strict: scripts and styles only from our own files (no inline code or style
        // attributes), media from here or any https origin (remote posts' images).
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; media-src 'self' https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    if mint {
        if let Some(v) = build_cookie(&state, CSRF_COOKIE, token, None) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

/// The web visitor: their CSRF token (the cookie's; pages carry it [`masked`]), their language and, when logged in, their account.
pub struct WebSession {
    pub csrf: String,
    pub account_id: Option<i64>,
    pub user_agent: String,
    /// The signed-in user's locale if it is one of ours, else the best for `Accept-Language`.
    pub locale: Locale,
    /// The hash of the session cookie (its row's key), when signed in: /settings/sessions
    /// marks it as "this browser" and keeps it when signing out everywhere else.
    pub session_hash: Option<String>,
    /// How the signed-in member wants pages drawn (`web_preferences`); defaults otherwise.
    pub look: Look,
}

/// The theme and motion a page is drawn with (base.html puts them on `<html>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// `auto` (the system's), `light`, `dark` or `contrast`.
    pub theme: String,
    pub reduce_motion: bool,
    /// Mastodon's keyboard shortcuts (herd.js), on unless the member turned them off.
    pub shortcuts: bool,
}

impl Default for Look {
    fn default() -> Self {
        Look {
            theme: "auto".into(),
            reduce_motion: false,
            shortcuts: true,
        }
    }
}

/// A session's last use is written at most this often (one write per few minutes of use).
const TOUCH_EVERY_MICROS: i64 = 5 * 60 * 1_000_000;

impl FromRequestParts<AppState> for WebSession {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .ok_or_else(|| AppError::internal_msg("ensure_csrf middleware missing"))?;
        let now = state.clock.now_micros();
        let mut session_hash = None;
        let mut account_id = None;
        if let Some(v) = cookie_value(&parts.headers, SESSION_COOKIE) {
            let hash = secrets::token_hash(&v);
            if let Some((id, last_used)) = web_settings::session(&state.db.pool, &hash, now).await?
            {
                if last_used.is_none_or(|t| t < now - TOUCH_EVERY_MICROS) {
                    web_settings::touch_session(
                        &state.db.pool,
                        &hash,
                        now,
                        now - TOUCH_EVERY_MICROS,
                    )
                    .await?;
                }
                account_id = Some(id);
                session_hash = Some(hash);
            }
        }
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(300)
            .collect();
        let mut locale = Locale::from_headers(&parts.headers);
        if let Some(id) = account_id {
            if let Some(user) =
                crate::storage::accounts::user_by_account(&state.db.pool, id).await?
            {
                if let Some(l) = Locale::parse(&user.locale) {
                    locale = l;
                }
            }
        }
        let mut look = Look::default();
        if let Some(id) = account_id {
            if let Some((theme, reduce_motion, shortcuts)) =
                web_settings::preferences(&state.db.pool, id).await?
            {
                look = Look {
                    theme,
                    reduce_motion: reduce_motion != 0,
                    shortcuts: shortcuts != 0,
                };
            }
        }
        Ok(WebSession {
            csrf,
            account_id,
            user_agent,
            locale,
            session_hash,
            look,
        })
    }
}

/// The token as a page carries it: a one-time pad and the token XOR that pad, in base64url.
/// No two renders carry the same bytes, so compression cannot reveal the token.
pub fn masked(token: &str) -> String {
    use base64::Engine;
    let token = token.as_bytes();
    let mut out = secrets::random_bytes(token.len());
    let xored: Vec<u8> = token.iter().zip(&out).map(|(t, p)| t ^ p).collect();
    out.extend(xored);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// Whether a form's `submitted` field carries the cookie's token `expected`, masked by any
/// render ([`masked`]) or plain. Compared in constant time; an empty token matches nothing.
pub fn csrf_matches(expected: &str, submitted: &str) -> bool {
    use base64::Engine;
    if expected.is_empty() {
        return false;
    }
    if secrets::secure_eq(expected, submitted) {
        return true;
    }
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(submitted) else {
        return false;
    };
    if bytes.len() != 2 * expected.len() {
        return false;
    }
    let (pad, xored) = bytes.split_at(expected.len());
    let unmasked: Vec<u8> = pad.iter().zip(xored).map(|(p, x)| p ^ x).collect();
    secrets::secure_eq_bytes(expected.as_bytes(), &unmasked)
}

/// The CSRF token of this request (what a re-rendered form must carry).
pub fn csrf_in(parts: &Parts) -> String {
    parts
        .extensions
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

impl WebSession {
    /// Refuses a form whose token (masked or plain) does not match the cookie.
    pub fn verify_csrf(&self, submitted: &str) -> AppResult<()> {
        if csrf_matches(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(AppError::forbidden(crate::i18n::text(
                self.locale,
                "error-csrf",
            )))
        }
    }

    /// Starts a session for `account_id`: stores its hash and returns the cookie to set.
    pub async fn start(
        &self,
        state: &AppState,
        account_id: i64,
        ip: &str,
    ) -> AppResult<HeaderValue> {
        let value = secrets::random_token();
        let now = state.clock.now_micros();
        let days = i64::from(state.config.auth.session_days);
        sessions::insert(
            &state.db.pool,
            &secrets::token_hash(&value),
            account_id,
            now,
            now + days * MICROS_PER_DAY,
            &self.user_agent,
            ip,
        )
        .await?;
        build_cookie(state, SESSION_COOKIE, value, Some(days))
            .ok_or_else(|| AppError::internal_msg("session cookie"))
    }
}

/// Ends the browser's session: deletes the row and returns a cookie that clears it.
pub async fn end(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> AppResult<Option<HeaderValue>> {
    if let Some(v) = cookie_value(headers, SESSION_COOKIE) {
        sessions::delete(&state.db.pool, &secrets::token_hash(&v)).await?;
    }
    Ok(build_cookie(state, SESSION_COOKIE, String::new(), Some(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_differ_per_render_and_all_match() {
        let token = secrets::random_token();
        let (a, b) = (masked(&token), masked(&token));
        assert_ne!(a, b);
        assert!(!a.contains(&token));
        assert!(csrf_matches(&token, &a));
        assert!(csrf_matches(&token, &b));
        assert!(csrf_matches(&token, &token), "a plain token still matches");
        assert!(!csrf_matches(&token, &masked(&secrets::random_token())));
        assert!(!csrf_matches(&token, "forged"));
        assert!(!csrf_matches(&token, ""));
        assert!(!csrf_matches("", ""));
        assert!(!csrf_matches("", &masked("")));
        // A masked token with one byte flipped is refused.
        let mut bytes =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &a).unwrap();
        bytes[50] ^= 1;
        let flipped =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
        assert!(!csrf_matches(&token, &flipped));
    }
}

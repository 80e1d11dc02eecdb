//! HTML pages (Tera): the front page, sign-in and sign-up, password reset, OAuth consent.

pub mod auth;
pub mod oauth;
pub mod pages;
pub mod templates;

//! The dashboard over plain HTTP (no browser): a client that keeps the
//! session cookie by hand and reads the CSRF token out of the page.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode, redirect};

use super::{ADMIN_TOKEN, TestApp};

pub const UI: &str = "/__paddock/ui";

pub struct Dashboard {
    pub base: String,
    /// Follows no redirects, so tests see each 303.
    pub client: reqwest::Client,
    /// `paddock_session=<id>`, once signed in.
    pub cookie: Option<String>,
    pub csrf: String,
}

impl Dashboard {
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.url(""),
            client: reqwest::Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
            csrf: String::new(),
        }
    }

    /// Signed in with the admin token, its CSRF token read from a page.
    pub async fn signed_in(app: &TestApp) -> Self {
        Self::signed_in_at(app, &app.url("")).await
    }

    /// [`Dashboard::signed_in`] at `base` (`http://host:port`): a replica.
    pub async fn signed_in_at(app: &TestApp, base: &str) -> Self {
        let mut dashboard = Self::new(app);
        dashboard.base = base.trim_end_matches('/').to_owned();
        let response = dashboard.sign_in(ADMIN_TOKEN).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        dashboard.cookie = Some(set_cookie.split(';').next().unwrap().to_owned());
        let page = dashboard.get("/accounts").await.text().await.unwrap();
        dashboard.csrf = csrf_in(&page).expect("a CSRF token in the page");
        dashboard
    }

    pub async fn sign_in(&self, token: &str) -> Response {
        self.post("/sign-in", &[("token", token)]).await
    }

    /// `GET <UI><path>` with the session cookie, if any.
    pub async fn get(&self, path: &str) -> Response {
        let mut request = self.client.get(format!("{}{UI}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// `POST <UI><path>` of a form, with the session cookie, if any.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut request = self
            .client
            .post(format!("{}{UI}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// As [`Dashboard::post`], with this session's CSRF token added.
    pub async fn post_with_csrf(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut form = form.to_vec();
        form.push(("csrf", &self.csrf));
        self.post(path, &form).await
    }
}

/// The value of the first `name="csrf"` field in `page`.
pub fn csrf_in(page: &str) -> Option<String> {
    let at = page.find(r#"name="csrf" value=""#)?;
    let rest = &page[at + r#"name="csrf" value=""#.len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

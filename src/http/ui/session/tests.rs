//! Sessions as an attacker would try them, on a clock the tests pass.

use super::*;
use axum::http::header::SET_COOKIE;

fn len(sessions: &Sessions) -> usize {
    sessions.sessions.lock().unwrap().len()
}

#[test]
fn two_sign_ins_never_share_an_id_or_a_csrf_token() {
    let sessions = Sessions::default();
    let now = Instant::now();
    let (first, second) = (sessions.start_at(now), sessions.start_at(now));
    for id in [&first, &second] {
        assert_eq!(id.len(), 64, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    assert_ne!(first, second);
    let (a, b) = (
        sessions.find_at(&first, now),
        sessions.find_at(&second, now),
    );
    let (a, b) = (a.unwrap().csrf, b.unwrap().csrf);
    assert_ne!(a, b);
    assert_ne!(a, first, "the CSRF token is not the session id");
    assert_eq!(a.len(), 64);
    assert_eq!(len(&sessions), 2);
}

#[test]
fn start_and_find_read_the_real_clock() {
    let sessions = Sessions::default();
    let id = sessions.start();
    assert_eq!(id.len(), 64, "{id}");
    assert!(sessions.find(&id).is_some());
    assert_ne!(sessions.start(), id);
}

#[test]
fn a_made_up_or_altered_id_finds_nothing() {
    let sessions = Sessions::default();
    let now = Instant::now();
    let id = sessions.start_at(now);
    let mut altered = id.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == '0' { '1' } else { '0' });
    for wrong in [altered.as_str(), "0".repeat(64).as_str(), "", &id[..63]] {
        assert!(sessions.find_at(wrong, now).is_none(), "{wrong}");
    }
    assert!(sessions.find_at(&id, now).is_some());
}

#[test]
fn a_session_ends_after_its_lifetime() {
    let sessions = Sessions::default();
    let start = Instant::now();
    let id = sessions.start_at(start);
    let csrf = sessions.find_at(&id, start).unwrap().csrf;
    let almost = start + SESSION_LIFETIME - Duration::from_nanos(1);
    assert_eq!(sessions.find_at(&id, almost).unwrap().csrf, csrf);
    assert!(sessions.find_at(&id, start + SESSION_LIFETIME).is_none());
    assert_eq!(len(&sessions), 0, "an expired session is dropped");
    assert!(sessions.find_at(&id, almost).is_none(), "and stays gone");
}

#[test]
fn signing_in_drops_expired_sessions() {
    let sessions = Sessions::default();
    let start = Instant::now();
    let old = sessions.start_at(start);
    let almost = start + SESSION_LIFETIME - Duration::from_nanos(1);
    sessions.start_at(almost);
    assert_eq!(len(&sessions), 2);
    sessions.start_at(start + SESSION_LIFETIME);
    assert_eq!(len(&sessions), 2, "the first one, expired, is gone");
    assert!(sessions.find_at(&old, almost).is_none());
}

#[test]
fn past_the_cap_signing_in_drops_the_oldest_session() {
    let sessions = Sessions::default();
    let start = Instant::now();
    let oldest = sessions.start_at(start);
    let later = start + Duration::from_secs(1);
    let next = sessions.start_at(later);
    for _ in 2..MAX_SESSIONS {
        sessions.start_at(later + Duration::from_secs(1));
    }
    assert_eq!(len(&sessions), MAX_SESSIONS);
    let newest = sessions.start_at(later + Duration::from_secs(2));
    assert_eq!(len(&sessions), MAX_SESSIONS);
    assert!(sessions.find_at(&oldest, later).is_none());
    assert!(sessions.find_at(&next, later).is_some());
    assert!(sessions.find_at(&newest, later).is_some());
}

#[test]
fn signing_out_ends_only_that_session() {
    let sessions = Sessions::default();
    let now = Instant::now();
    let (mine, theirs) = (sessions.start_at(now), sessions.start_at(now));
    sessions.end(&mine);
    assert!(sessions.find_at(&mine, now).is_none());
    assert!(sessions.find_at(&theirs, now).is_some());
}

#[test]
fn the_csrf_check_takes_only_the_sessions_token() {
    let signed = Signed {
        csrf: "a".repeat(64),
    };
    assert!(signed.check(Some(&"a".repeat(64))).is_ok());
    for wrong in [None, Some(""), Some("a"), Some(&"b".repeat(64) as &str)] {
        let refused = signed.check(wrong).err().unwrap().into_response();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{wrong:?}");
    }
}

#[test]
fn the_session_id_is_read_from_its_cookie_only() {
    let headers = |values: &[&str]| {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(COOKIE, HeaderValue::from_str(value).unwrap());
        }
        headers
    };
    let cases: [(&[&str], Option<&str>); 6] = [
        (&[], None),
        (&["paddock_session=abc"], Some("abc")),
        (&["other=1; paddock_session=abc; more=2"], Some("abc")),
        (&["other=1", "paddock_session=abc"], Some("abc")),
        (&["xpaddock_session=abc; paddock_sessionx=def"], None),
        (&["paddock_session"], None),
    ];
    for (values, id) in cases {
        assert_eq!(session_id(&headers(values)).as_deref(), id, "{values:?}");
    }
}

#[test]
fn cookies_are_strict_http_only_and_scoped_to_the_dashboard() {
    assert_eq!(
        session_cookie("abc"),
        "paddock_session=abc; Path=/__paddock/ui/; Max-Age=28800; HttpOnly; SameSite=Strict"
    );
    assert_eq!(
        clearing_cookie(),
        "paddock_session=; Path=/__paddock/ui/; Max-Age=0; HttpOnly; SameSite=Strict"
    );
    let response = see_other("/__paddock/ui/accounts");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/__paddock/ui/accounts");
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_eq!(see_other("/bad\nlocation").headers()[LOCATION], "/");
}

#[test]
fn sign_in_posts_from_another_origin_are_told_apart() {
    let headers = |pairs: &[(&'static str, &str)]| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    };
    let public = Some("https://sandbox.example.com");
    let host = ("host", "127.0.0.1:8080");
    let same: [&[(&str, &str)]; 7] = [
        &[],
        &[host],
        &[("sec-fetch-site", "same-origin")],
        &[("sec-fetch-site", "none")],
        &[host, ("origin", "http://127.0.0.1:8080")],
        &[("host", "Paddock:8080"), ("origin", "http://paddock:8080")],
        &[host, ("origin", "https://sandbox.example.com")],
    ];
    for pairs in same {
        assert!(!from_another_origin(&headers(pairs), public), "{pairs:?}");
    }
    let other: [&[(&str, &str)]; 8] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        // Sec-Fetch-Site decides over a matching Origin.
        &[
            host,
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://127.0.0.1:8080"),
        ],
        &[host, ("origin", "https://evil.example")],
        &[host, ("origin", "null")],
        &[host, ("origin", "http://127.0.0.1:9090")],
        &[("origin", "http://127.0.0.1:8080")],
        &[host, ("origin", "https://sandbox.example.com.evil.example")],
    ];
    for pairs in other {
        assert!(from_another_origin(&headers(pairs), public), "{pairs:?}");
    }
    assert!(from_another_origin(
        &headers(&[host, ("origin", "https://sandbox.example.com")]),
        None
    ));
}

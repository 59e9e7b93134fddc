//! A small WebDriver client (W3C protocol over HTTP, with reqwest) driving
//! headless Chromium through chromedriver, for the dashboard's browser
//! tests. Without chromedriver the tests skip with a notice, unless
//! `PADDOCK_REQUIRE_BROWSER=1` (as in CI), when they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A chromedriver process and one browser session in it; both end on drop.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>/session/<id>`
    session: String,
}

/// An element, by its WebDriver reference.
#[derive(Clone)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PADDOCK_CHROMEDRIVER") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

impl Browser {
    /// A headless browser, or `None` (after a notice) when chromedriver
    /// isn't installed and the browser isn't required.
    pub async fn start(test: &str) -> Option<Self> {
        let Some(binary) = chromedriver() else {
            if std::env::var("PADDOCK_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("PADDOCK_REQUIRE_BROWSER=1 but chromedriver is not on PATH");
            }
            eprintln!(
                "NOTICE: skipping browser test {test}: chromedriver not found \
                 (apt-get install chromium chromium-driver; set PADDOCK_REQUIRE_BROWSER=1 to fail instead)"
            );
            return None;
        };
        Some(Self::launch(&binary).await)
    }

    async fn launch(binary: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = http.get(format!("{base}/status")).send().await;
            if let Ok(status) = status
                && let Ok(body) = status.json::<Value>().await
                && body["value"]["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver not ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut options = json!({ "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--window-size=1440,900",
        ]});
        if Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options,
        }}});
        let response = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        let id = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {body}"));
        Self {
            session: format!("{base}/session/{id}"),
            driver,
            http,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        if let Some(error) = response["value"]["error"].as_str() {
            panic!(
                "WebDriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        response["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_owned()
    }

    pub async fn title(&self) -> String {
        self.get("/title").await.as_str().unwrap().to_owned()
    }

    pub async fn source(&self) -> String {
        self.get("/source").await.as_str().unwrap().to_owned()
    }

    /// The first element `css` selects; panics if there is none.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        let id = found[ELEMENT_KEY].as_str();
        Element(id.unwrap_or_else(|| panic!("{css}: {found}")).to_owned())
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let found = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        (found.as_array().unwrap().iter())
            .map(|element| Element(element[ELEMENT_KEY].as_str().unwrap().to_owned()))
            .collect()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        let path = format!("/element/{}/value", element.0);
        self.post(&path, json!({ "text": text })).await;
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.click_element(&element).await;
    }

    /// Clicks what loads a new page (a link, a submit button) and waits
    /// until the new page has loaded: a click may return before that.
    pub async fn click_to_load(&self, css: &str) {
        self.execute("window.__old_page = true;").await;
        self.click(css).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let loaded = self
                .execute("return !window.__old_page && document.readyState === 'complete';")
                .await;
            if loaded == true {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn click_element(&self, element: &Element) {
        let path = format!("/element/{}/click", element.0);
        self.post(&path, json!({})).await;
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.element_text(&element).await
    }

    pub async fn element_text(&self, element: &Element) -> String {
        let path = format!("/element/{}/text", element.0);
        self.get(&path).await.as_str().unwrap().to_owned()
    }

    /// Runs `script` in the page (WebDriver's own channel, which the page's
    /// CSP doesn't govern).
    pub async fn execute(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Runs `script` in the page and waits until it calls its last
    /// argument, WebDriver's callback, with the result: for promises.
    pub async fn execute_async(&self, script: &str) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": [] }))
            .await
    }

    /// Whether an alert (a `window.alert`) is open.
    pub async fn alert_open(&self) -> bool {
        let response: Value = (self.http.get(format!("{}/alert/text", self.session)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["value"]["error"].is_null()
    }

    /// Switches into the iframe `css` selects (in the current context):
    /// later finds and scripts run in its document.
    pub async fn enter_frame(&self, css: &str) {
        let element = self.find(css).await;
        let id = json!({ ELEMENT_KEY: element.0 });
        self.post("/frame", json!({ "id": id })).await;
    }

    /// Back to the top-level page from any frame.
    pub async fn leave_frame(&self) {
        self.post("/frame", json!({ "id": null })).await;
    }

    pub async fn set_width(&self, width: u32) {
        let rect = json!({ "width": width, "height": 900 });
        self.post("/window/rect", rect).await;
    }

    /// The serious and critical violations axe-core finds in the page
    /// (`[]` with a notice when axe-core isn't installed, unless
    /// `PADDOCK_REQUIRE_BROWSER=1`): injected by WebDriver, so the page's
    /// CSP is left as it is.
    pub async fn audit(&self) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser/node_modules/axe-core/axe.min.js");
        let Ok(axe) = std::fs::read_to_string(&path) else {
            let required = std::env::var("PADDOCK_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "axe-core is required: run `npm ci` in tests/browser"
            );
            eprintln!(
                "NOTE: {} is missing: the accessibility audit did NOT run",
                path.display()
            );
            return json!([]);
        };
        self.execute(&axe).await;
        self.execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document).then(results => done(results.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
        )
        .await
    }

    /// Screenshots of the page at 1440 and 375 px wide, as
    /// `target/screenshots/<name>-<width>.png`, its payload viewers open;
    /// first checks that at each width nothing is cut off by its container
    /// and that nothing but a payload viewer (`pre.viewer`) scrolls sideways.
    pub async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        for width in [1440, 375] {
            self.set_width(width).await;
            let overflows = self.execute(FITS).await;
            assert_eq!(overflows, json!([]), "{name} at {width} px");
            let violations = self.audit().await;
            assert_eq!(violations, json!([]), "{name} at {width} px: axe-core");
            let png = self.get("/screenshot").await;
            let png = decode_base64(png.as_str().unwrap());
            std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
        }
        self.set_width(1440).await;
    }
}

impl Drop for Browser {
    /// Ends the session (which closes Chromium), then chromedriver. Blocking
    /// and by hand, as a drop can't await (and runs on a panic too).
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let rest = self.session.trim_start_matches("http://");
        if let Some((host, path)) = rest.split_once('/')
            && let Ok(mut stream) = std::net::TcpStream::connect(host)
        {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request =
                format!("DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `target/screenshots/`, wherever this build's target directory is.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

/// Standard base64, as WebDriver sends screenshots.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = (text.bytes())
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(value)
        .collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, digit) in chunk.iter().enumerate() {
            n |= u32::from(*digit) << (18 - 6 * i);
        }
        bytes.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    bytes
}

/// Opens every `details`, then lists what is wider than its box: the page,
/// and any visible element but a payload viewer whose content overflows it
/// (hidden, clipped or scrolled alike).
const FITS: &str = "
    document.querySelectorAll('details').forEach(d => d.open = true);
    const wide = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) wide.push('page ' + root.scrollWidth + ' > ' + root.clientWidth);
    for (const element of document.querySelectorAll('body *')) {
        if (element.closest('pre.viewer') || element.clientWidth <= 1) continue;
        // Headings kept for screen readers only (narrow screens' tables).
        const hidden = element.closest('thead, .visually-hidden');
        if (hidden && hidden.getBoundingClientRect().width <= 1) continue;
        if (element.scrollWidth > element.clientWidth + 1) {
            wide.push(element.tagName + '#' + element.id + '.' + element.className + ' ' + element.scrollWidth + ' > ' + element.clientWidth);
        }
    }
    return wide;
";

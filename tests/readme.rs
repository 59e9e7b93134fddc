//! The README and docs/ tell the truth about the repository: every link
//! resolves inside a clone, every page is one click from the index, every
//! test a guarantee names exists, and the worked examples are the ones CI runs.
//! The README stays a front door: short, with a token made early on.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a Markdown file outside fenced code blocks, line by line.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push(line);
        }
    }
    lines
}

/// GitHub's anchors for a Markdown file's headings: lowercased, punctuation
/// dropped, spaces as hyphens, repeats numbered.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    for line in prose_lines(text) {
        let Some(title) = line.strip_prefix('#') else {
            continue;
        };
        let title = title.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 0;
        while !anchors.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{slug}-{n}");
        }
    }
    anchors
}

/// The targets of a Markdown file's inline links (`[text](target)`) and
/// link definitions (`[name]: target`), outside code.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(text) {
        // Inline code may show link syntax without being a link.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for part in prose.split("](").skip(1) {
            let target = part.split(')').next().unwrap();
            let target = target.split_whitespace().next().unwrap_or_default();
            targets.push(target.to_owned());
        }
        if let Some(rest) = line.strip_prefix('[')
            && let Some((_, target)) = rest.split_once("]: ")
        {
            targets.push(target.trim().to_owned());
        }
    }
    targets
}

#[test]
fn every_link_in_the_readme_and_docs_resolves_inside_a_clone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("a docs folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "docs/ holds the contract");
    files.extend(docs);
    let root = root.canonicalize().unwrap();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains("../shared"), "{}", file.display());
        for target in link_targets(&text) {
            if target.starts_with("https://") || target.starts_with("http://") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let linked = if path.is_empty() {
                file.clone()
            } else {
                let linked = file.parent().unwrap().join(path);
                let resolved = linked
                    .canonicalize()
                    .unwrap_or_else(|_| panic!("{}: `{target}` names no file", file.display()));
                assert!(
                    resolved.starts_with(&root),
                    "{}: `{target}` leads outside the repository",
                    file.display()
                );
                resolved
            };
            if !anchor.is_empty() {
                let text = std::fs::read_to_string(&linked).unwrap();
                assert!(
                    anchors(&text).contains(anchor),
                    "{}: `{target}`: {} has no heading with that anchor",
                    file.display(),
                    linked.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "the links were found ({checked})");
}

#[test]
fn every_test_a_guarantee_names_exists() {
    let page = read("docs/guarantees.md");
    let section = page
        .strip_prefix("# Guarantees\n")
        .expect("docs/guarantees.md is the Guarantees page");
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| promise"))
        .collect();
    assert!(rows.len() > 10);
    for row in rows {
        let proof = row.trim_end_matches('|').rsplit(" | ").next().unwrap();
        let named: Vec<&str> = proof
            .split('`')
            .skip(1)
            .step_by(2)
            // Unit tests (`src/...`) too: a test-only route lives in the crate.
            .filter(|code| code.starts_with("tests/") || code.starts_with("src/"))
            .collect();
        assert!(
            named.iter().any(|item| item.contains("::")),
            "names no test: {row}"
        );
        for item in named {
            let (file, test) = item.split_once("::").unwrap_or((item, ""));
            let text = read(file);
            if !test.is_empty() {
                assert!(
                    text.contains(&format!("fn {test}(")) || text.contains(&format!("def {test}(")),
                    "{file} has no test {test}"
                );
            }
        }
    }
}

#[test]
fn the_docs_pytest_example_is_the_one_ci_runs() {
    let page = read("docs/pytest.md");
    for file in [
        "docs/examples/pytest/conftest.py",
        "docs/examples/pytest/test_checkout.py",
    ] {
        let text = read(file);
        assert!(
            page.contains(&format!("```python\n{text}```")),
            "docs/pytest.md's copy of {file} differs from the file"
        );
    }
    assert!(read("tests/sdk/run.sh").contains("(cd docs/examples/pytest && "));
}

#[test]
fn the_docs_playwright_example_is_the_one_ci_runs() {
    let page = read("docs/paddle-js.md");
    for (file, language) in [
        ("package.json", "json"),
        ("playwright.config.js", "js"),
        ("serve.js", "js"),
        ("app/index.html", "html"),
        ("app/thanks.html", "html"),
        ("paddock.js", "js"),
        ("webhooks.js", "js"),
        ("pricing.spec.js", "js"),
        ("checkout.spec.js", "js"),
    ] {
        let text = read(&format!("docs/examples/playwright/{file}"));
        assert!(
            page.contains(&format!("`{file}`:\n\n```{language}\n{text}```")),
            "docs/paddle-js.md's copy of {file} differs from the file"
        );
    }
    let lock = read("docs/examples/playwright/package-lock.json");
    assert!(lock.contains("\"node_modules/@paddle/paddle-js\": {\n      \"version\": \"1.6.5\""));
    assert!(read("tests/sdk/run.sh").contains("(cd docs/examples/playwright && "));
}

/// The Markdown pages under docs/, by file name.
fn doc_pages() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut pages: Vec<String> = std::fs::read_dir(root)
        .expect("a docs folder")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_page_under_docs_is_one_click_from_the_index_and_the_readme_links_the_index() {
    let index = read("docs/README.md");
    let linked: BTreeSet<String> = link_targets(&index)
        .into_iter()
        .map(|target| target.split('#').next().unwrap().to_owned())
        .collect();
    let pages = doc_pages();
    assert!(pages.len() > 10, "{pages:?}");
    for page in pages.iter().filter(|page| *page != "README.md") {
        assert!(linked.contains(page), "docs/README.md doesn't link {page}");
    }
    let readme = read("README.md");
    assert!(link_targets(&readme).iter().any(|t| t == "docs/README.md"));
    for page in pages.iter().filter(|page| *page != "README.md") {
        assert!(
            link_targets(&readme)
                .iter()
                .any(|t| t.split('#').next() == Some(&format!("docs/{page}"))),
            "the README's map of the documentation lacks docs/{page}"
        );
    }
}

#[test]
fn the_readme_is_a_front_door_with_a_token_made_in_its_first_sixty_lines() {
    let readme = read("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    assert!(lines.len() <= 300, "README.md has {} lines", lines.len());
    // The quick start installs, starts, and creates a token with curl, in
    // that order, within the first 60 lines.
    let at = |needle: &str| {
        lines
            .iter()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("the README lacks {needle}"))
    };
    let install = at("cargo install --locked --path .");
    let start = install + 1;
    assert_eq!(lines[start], "paddock", "started right after the install");
    let create = at("curl -s -X POST http://127.0.0.1:8080/client-tokens");
    let created = at("# 201 {\"data\":{\"id\":\"ctkn_01");
    assert!(install < create && create < created && created < 60);
    // It states the minimum Rust version Cargo.toml declares.
    let manifest = read("Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("Cargo.toml declares a rust-version")
        .trim_matches('"');
    assert!(
        readme.contains(&format!("Rust {version} or later")),
        "the README states Rust {version}"
    );
}

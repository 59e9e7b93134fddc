//! Docker isn't available where tests run, so these check that what the
//! Dockerfile, compose.yaml, CI workflow, README and docs/ name really exists and
//! agrees with the binary: files copied, binary built, subcommands run,
//! variables set, ports exposed.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use paddock::config::Cli;

fn read(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every environment variable the binary reads.
fn known_variables() -> BTreeSet<String> {
    let mut command = Cli::command();
    command.build();
    let mut names = BTreeSet::new();
    let mut commands = vec![command];
    while let Some(command) = commands.pop() {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                names.insert(env.to_string_lossy().into_owned());
            }
        }
        commands.extend(command.get_subcommands().cloned());
    }
    names
}

#[test]
fn the_dockerfile_copies_what_exists_and_runs_the_real_binary() {
    let dockerfile = read("Dockerfile");
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let source = line.split_whitespace().nth(1).unwrap();
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(source).exists(),
            "{line}"
        );
    }
    assert!(dockerfile.contains("cargo build --release --locked --bin paddock"));
    assert!(
        dockerfile
            .contains("COPY --from=builder /app/target/release/paddock /usr/local/bin/paddock")
    );
    assert!(dockerfile.contains(r#"CMD ["paddock", "healthcheck"]"#));
    assert!(Cli::command().find_subcommand("healthcheck").is_some());
    assert!(dockerfile.contains("ENTRYPOINT [\"paddock\"]"));
    // Runs as a non-root user, listens on all interfaces on the exposed port,
    // keeps its data in the volume.
    let user = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert_ne!(user.trim(), "root");
    assert!(dockerfile.contains("PADDOCK_LISTEN=0.0.0.0:8080"));
    assert!(dockerfile.contains("EXPOSE 8080"));
    assert!(dockerfile.contains("PADDOCK_DATA_DIR=/data") && dockerfile.contains("VOLUME /data"));
    let known = known_variables();
    for name in ["PADDOCK_LISTEN", "PADDOCK_DATA_DIR"] {
        assert!(known.contains(name), "{name}");
    }
    // Build context stays small and free of local data.
    let ignored = read(".dockerignore");
    for path in [
        "target",
        "paddock-data",
        ".git",
        "**/node_modules",
        "**/__pycache__",
        "**/*.pyc",
        "**/.venv",
    ] {
        assert!(ignored.lines().any(|l| l == path), "{path}");
    }
}

#[test]
fn compose_runs_paddock_on_postgres_with_variables_paddock_reads() {
    let compose = read("compose.yaml");
    assert!(compose.contains("image: postgres:15"));
    assert!(compose.contains("build: ."));
    assert!(compose.contains(r#"test: ["CMD", "paddock", "healthcheck"]"#));
    assert!(compose.contains("condition: service_healthy"));
    assert!(compose.contains("DATABASE_URL: postgres://"));
    let known = known_variables();
    let section = compose
        .split("  paddock:")
        .nth(1)
        .expect("a paddock service");
    let environment = section.split("    environment:").nth(1).unwrap();
    for line in environment
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("      "))
        .filter(|l| !l.trim_start().starts_with('#'))
    {
        let name = line.trim().split(':').next().unwrap();
        assert!(
            known.contains(name),
            "compose sets {name}, which paddock doesn't read"
        );
    }
    // The public URL is the deployer's to choose: a fixed localhost would
    // point every teammate's pagination links at their own machine.
    assert!(known.contains("PADDOCK_PUBLIC_URL"));
    assert!(
        !environment
            .lines()
            .any(|l| l.trim_start().starts_with("PADDOCK_PUBLIC_URL")),
        "compose fixes PADDOCK_PUBLIC_URL"
    );
    assert!(environment.contains("# PADDOCK_PUBLIC_URL: https://"));
}

#[test]
fn compose_keeps_paddocks_data_and_documents_the_secret_key() {
    let compose = read("compose.yaml");
    let dockerfile = read("Dockerfile");
    // The data directory the image uses is a named volume, declared at the
    // top level, so `docker compose down && up` keeps `/data/secret.key`.
    let data_dir = dockerfile
        .split("PADDOCK_DATA_DIR=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the Dockerfile sets PADDOCK_DATA_DIR");
    let section = compose.split("  paddock:").nth(1).unwrap();
    let section = section.split("\nvolumes:").next().unwrap();
    let mount = format!("- paddock-data:{data_dir}");
    assert!(section.contains(&mount), "compose mounts {mount}");
    let volumes = compose
        .split("\nvolumes:")
        .nth(1)
        .expect("top-level volumes");
    assert!(volumes.lines().any(|l| l.trim() == "paddock-data:"));
    // PADDOCK_SECRET_KEY is passed through, explained, and how to make one is shown.
    assert!(known_variables().contains("PADDOCK_SECRET_KEY"));
    assert!(section.contains("PADDOCK_SECRET_KEY: ${PADDOCK_SECRET_KEY:-}"));
    let header: String = compose
        .lines()
        .take_while(|l| l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(header.contains("PADDOCK_SECRET_KEY=$(openssl rand -hex 32)"));
    assert!(header.contains("/data/secret.key"));
    // The deployment page's container section says the same.
    let page = read("docs/deployment.md");
    let container = page
        .split("## Container and staging")
        .nth(1)
        .expect("a container section")
        .split("\n## ")
        .next()
        .unwrap();
    assert!(container.contains("PADDOCK_SECRET_KEY"));
    assert!(container.contains("paddock-data"));
}

#[test]
fn the_ci_workflow_checks_format_lints_tests_on_postgres_and_builds_the_image() {
    let workflow = read(".github/workflows/ci.yml");
    assert!(workflow.contains("cargo fmt --all -- --check"));
    assert!(workflow.contains("cargo clippy --all-targets -- -D warnings"));
    assert!(workflow.contains("image: postgres:15"));
    assert!(workflow.contains("PADDOCK_REQUIRE_POSTGRES: \"1\""));
    assert!(workflow.contains("run: cargo test"));
    // The dashboard's browser tests run, and their screenshots are kept.
    assert!(workflow.contains("PADDOCK_REQUIRE_BROWSER: \"1\""));
    assert!(workflow.contains("actions/upload-artifact"));
    assert!(workflow.contains("path: target/screenshots/"));
    assert!(workflow.contains("docker/build-push-action"));
    for uses in workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- uses: "))
    {
        let version = uses
            .split('@')
            .nth(1)
            .unwrap_or_else(|| panic!("{uses} is pinned"));
        assert_eq!(
            version.split('.').count(),
            3,
            "{uses} is pinned to an exact version"
        );
    }
}

#[test]
fn the_readme_holds_the_commands_ci_runs_and_the_configuration_names_every_variable() {
    let readme = read("README.md");
    let blocks: Vec<&str> = readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .map(str::trim)
        .collect();
    // The quick start's install, then the test command, each as CI runs it.
    assert_eq!(
        blocks.first(),
        Some(&"cargo install --locked --path .\npaddock")
    );
    assert!(blocks.contains(&"cargo test"), "{blocks:?}");
    let run = read(".ci/run");
    assert!(run.lines().any(|line| line.trim() == "cargo test"));
    // CI installs as the README says, and the installed binary must serve.
    let install = run
        .lines()
        .find(|line| line.contains("cargo install"))
        .expect(".ci/run installs paddock");
    assert!(install.contains("cargo install --locked") && install.contains(" --path . "));
    assert!(run.contains("/bin/paddock\" healthcheck --listen"));
    // The configuration table names every variable the binary reads.
    let table = read("docs/configuration.md");
    let table = table
        .split("| flag | environment | default | meaning |")
        .nth(1)
        .expect("a configuration table")
        .split("\n\n")
        .next()
        .unwrap();
    for name in known_variables() {
        assert!(
            table.contains(&format!("`{name}`")),
            "docs/configuration.md's table lacks {name}"
        );
    }
}

#[test]
fn a_version_tag_releases_binaries_and_a_multi_arch_image_and_ci_lints_the_workflows() {
    let release = read(".github/workflows/release.yml");
    assert!(release.contains("tags: [\"v*\"]"));
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(release.contains(&format!("target: {target}")), "{target}");
    }
    assert!(release.contains("cargo build --release --locked --bin paddock"));
    assert!(release.contains("gh release create"));
    for platform in ["linux/amd64", "linux/arm64"] {
        assert!(
            release.contains(&format!("platform: {platform}")),
            "{platform}"
        );
    }
    assert!(release.contains("IMAGE=ghcr.io/"));
    assert!(release.contains("docker buildx imagetools create"));
    for uses in release
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses: "))
    {
        let version = uses.split('@').nth(1).unwrap_or_default();
        assert_eq!(version.split('.').count(), 3, "{uses} is pinned exactly");
    }
    // CI lints every workflow with a pinned, hash-checked actionlint.
    let run = read(".ci/run");
    assert!(run.contains("-r .ci/actionlint-requirements.txt"));
    assert!(run.contains("bin/actionlint\" -no-color"));
    let requirements = read(".ci/actionlint-requirements.txt");
    assert!(requirements.contains("==") && requirements.contains("--hash=sha256:"));
    // The deployment page says where the binaries and the image are, and
    // the README sends a reader there.
    let page = read("docs/deployment.md");
    let release = page
        .split("## Release binaries and image")
        .nth(1)
        .expect("a release section")
        .split("\n## ")
        .next()
        .unwrap();
    assert!(release.contains("releases/latest"));
    assert!(release.contains("docker pull ghcr.io/"));
    assert!(read("README.md").contains("(docs/deployment.md#release-binaries-and-image)"));
}

#[test]
fn every_section_the_help_points_at_exists() {
    let mut command = Cli::command();
    command.build();
    let mut pointers = 0;
    let mut commands = vec![command];
    while let Some(command) = commands.pop() {
        let mut helps: Vec<String> = command
            .get_arguments()
            .filter_map(|arg| arg.get_long_help().or(arg.get_help()))
            .map(ToString::to_string)
            .collect();
        helps.extend(command.get_about().map(ToString::to_string));
        helps.extend(command.get_long_about().map(ToString::to_string));
        for help in helps {
            let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                !help.contains("README's"),
                "help points into the README: {help}"
            );
            // `docs/PAGE.md`: the page exists; `docs/PAGE.md, "Section"`: it
            // has that heading.
            for pointer in help.split("docs/").skip(1) {
                let Some((page, rest)) = pointer.split_once(".md") else {
                    continue;
                };
                if !page.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    continue;
                }
                let page = read(&format!("docs/{page}.md"));
                if let Some(section) = rest.strip_prefix(", \"") {
                    let section = section.split('"').next().unwrap();
                    assert!(
                        page.lines()
                            .any(|l| l.trim_start_matches('#') == format!(" {section}")),
                        "docs/{pointer}: no section {section}"
                    );
                }
                pointers += 1;
            }
        }
        commands.extend(command.get_subcommands().cloned());
    }
    assert!(pointers > 1, "the help points at the documentation");
}

#[test]
fn the_help_and_the_configuration_page_give_the_token_cache_the_same_size() {
    let command = Cli::command();
    let help = command
        .get_arguments()
        .find(|arg| arg.get_id() == "token_cache")
        .and_then(|arg| arg.get_help())
        .expect("--token-cache has help")
        .to_string();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let size = help
        .split(", ")
        .find(|part| part.contains(" bytes each"))
        .and_then(|part| part.split(" each").next())
        .unwrap_or_else(|| panic!("the help gives a size: {help}"));
    let page = read("docs/configuration.md");
    let row = page
        .lines()
        .find(|line| line.starts_with("| `--token-cache` |"))
        .expect("a --token-cache row");
    assert!(row.contains(size), "the help says {size}; the page: {row}");
}

#[test]
fn the_package_holds_what_an_install_needs() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "{output:?}");
    let listed = String::from_utf8(output.stdout).unwrap();
    let listed: BTreeSet<&str> = listed.lines().collect();
    let mut needed = vec![
        "Cargo.toml".to_owned(),
        "Cargo.lock".to_owned(),
        "src/main.rs".to_owned(),
    ];
    // The migrations are embedded at build time: without them no build.
    for backend in ["postgres", "sqlite"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            needed.push(format!("migrations/{backend}/{name}"));
        }
    }
    assert!(needed.len() > 5, "{needed:?}");
    for file in needed {
        assert!(listed.contains(file.as_str()), "the package lacks {file}");
    }
}

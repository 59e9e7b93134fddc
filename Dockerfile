# paddock in a container: `docker build -t paddock .` then
# `docker run -p 8080:8080 -v paddock-data:/data paddock`.

# Dependencies build in their own cached layer (cargo-chef): a change to
# paddock's code rebuilds only paddock.
FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin paddock

# The runtime image: the binary, a non-root user, a data volume, and the
# CA roots that `https://` webhooks and `sslmode=verify-*` Postgres
# connections are verified against.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin paddock \
    && mkdir /data && chown paddock:paddock /data
COPY --from=builder /app/target/release/paddock /usr/local/bin/paddock
USER paddock
ENV PADDOCK_LISTEN=0.0.0.0:8080 \
    PADDOCK_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["paddock", "healthcheck"]
ENTRYPOINT ["paddock"]

# syntax=docker/dockerfile:1

# ---- build ------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

COPY Cargo.toml Cargo.lock ./
COPY src/ src/
COPY migrations/ migrations/
COPY data/ data/
COPY openapi/ openapi/

# The cache mounts keep the crate registry and compiled dependencies between
# builds. The target directory is a cache mount, so the binary is copied out
# in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked --bin probity \
    && install -m 0755 target/release/probity /usr/local/bin/probity

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 probity \
    && useradd --system --uid 10001 --gid probity --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin probity

COPY --from=builder /usr/local/bin/probity /usr/local/bin/probity

RUN mkdir -p /var/lib/probity/documents && chown -R 10001:10001 /var/lib/probity

ENV PROBITY_DOCUMENTS_DIR=/var/lib/probity/documents \
    PROBITY_BIND=0.0.0.0:8080 \
    PROBITY_LOG_FORMAT=json

USER 10001:10001

EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["probity", "healthcheck"]

ENTRYPOINT ["probity"]
CMD ["serve"]

# syntax=docker/dockerfile:1
#
# The `glasses` command in a container. By default it classifies the folder mounted at
# /workspace/images and prints a table:
#
#   docker build -t glasses .
#   docker run --rm -v /images/to/classify:/workspace/images glasses
#   docker run --rm -v /images/to/classify:/workspace/images glasses --format json
#   docker run --rm --entrypoint glasses glasses info
#
# Arguments after the image name are appended to `glasses classify /workspace/images`.

# Builder and runtime use the same Debian release, so the binary finds the glibc it was linked against.
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=trixie

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
WORKDIR /build
# The whole workspace: cargo needs every member's manifest, and core embeds core/models/glasses-int8.onnx.
COPY . .
# Cache mounts keep the crate downloads and compiled dependencies between builds; the binary is
# copied out because the target folder is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked -p glasses-cli \
    && cp target/release/glasses /usr/local/bin/glasses

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# The binary needs only glibc and libgcc_s, both in the slim image.
COPY --from=builder /usr/local/bin/glasses /usr/local/bin/glasses
RUN useradd --system --uid 10001 --no-create-home glasses \
    && mkdir -p /workspace/images
USER glasses
WORKDIR /workspace
ENTRYPOINT ["glasses", "classify", "/workspace/images"]

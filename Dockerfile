# projector container image: a release build with the Swift runtime linked in, on a slim
# Ubuntu base holding only what the binary needs at run time (CA certificates for TLS to
# PostgreSQL/OpenSearch/AWS, time zone data). Runs as an unprivileged user.
#
#   docker build -t projector .
#   docker run --rm -e DATABASE_URL=... -e OPENSEARCH_URL=... \
#     -v "$PWD/projector.yaml:/app/projector.yaml:ro" -v "$PWD/projections:/app/projections:ro" \
#     -p 9464:9464 projector run
#
# Builds with the toolchain the project is developed with (override: --build-arg SWIFT_VERSION=6.x).
ARG SWIFT_VERSION=6.3

# ---- build ---------------------------------------------------------------------------------
FROM swift:${SWIFT_VERSION}-noble AS build
WORKDIR /build

# Dependencies first, so that a change to the sources reuses the resolved packages layer.
# (Package.resolved is not committed; a checkout that has one builds with exactly those versions.)
COPY Package.* ./
RUN swift package resolve $([ -f Package.resolved ] && echo --force-resolved-versions)

COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
RUN swift build -c release --product projector --static-swift-stdlib \
 && mkdir -p /staging \
 && cp "$(swift build -c release --show-bin-path)/projector" /staging/ \
 && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/

# ---- run -----------------------------------------------------------------------------------
FROM ubuntu:noble
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get -q update \
 && apt-get -q install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin projector \
 && mkdir -p /app/projections \
 && chown projector:projector /app

WORKDIR /app
COPY --from=build --chown=root:root --chmod=0755 /staging/ /usr/local/bin/

# A crash prints a symbolicated backtrace of the crashing thread to stderr.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=crashed,images=none,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace-static

USER projector:projector
# Admin HTTP: /metrics, /health/live, /health/ready (http.port in projector.yaml).
EXPOSE 9464
# projector.yaml and projections/ are read from /app (mount them); `run` stops cleanly on SIGTERM.
ENTRYPOINT ["/usr/local/bin/projector"]
CMD ["run"]

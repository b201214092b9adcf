# syntax=docker/dockerfile:1
# One image holds every process of the backend; compose and Kubernetes choose which one runs
# with the container's command (Gateway, GenerationService, CoachService, GeminiSimulator) and
# probe the services with RPCHealthCheck.
#
#   docker build -t career-backend .
#   docker run --rm -p 8080:8080 -e HOST=0.0.0.0 ... career-backend Gateway

# ---- build: the Swift toolchain, release binaries with the Swift runtime linked in statically.
ARG SWIFT_IMAGE=swift:6.3-noble
ARG RUNTIME_IMAGE=ubuntu:noble
FROM ${SWIFT_IMAGE} AS build
WORKDIR /build

# Dependencies first, so editing a source file does not fetch them again.
# Package.resolved is optional (the glob matches nothing when it is absent).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

# Tests/ too: the manifest declares the test targets, and SwiftPM checks their folders exist.
COPY Sources ./Sources
COPY Tests ./Tests

# Products one by one: building everything would also build the protobuf-c interop fixtures,
# which need libprotobuf-c and only serve the tests. Resource bundles (the generation prompts)
# go beside the binaries, where Bundle.module looks for them.
RUN --mount=type=cache,target=/build/.build \
    set -eu; \
    mkdir -p /staging; \
    for product in Gateway GenerationService CoachService GeminiSimulator RPCHealthCheck; do \
      swift build -c release --static-swift-stdlib --product "$product"; \
    done; \
    bin="$(swift build -c release --show-bin-path)"; \
    for product in Gateway GenerationService CoachService GeminiSimulator RPCHealthCheck; do \
      cp "$bin/$product" /staging/; \
    done; \
    find -L "$bin" -maxdepth 1 -name '*.resources' -exec cp -Ra {} /staging/ \; ; \
    cp /usr/libexec/swift/linux/swift-backtrace-static /staging/ 2>/dev/null || true

# ---- runtime: a plain Ubuntu with CA certificates (HTTPS to Gemini and the JWKS URL) and curl
# (the HTTP health checks of the gateway and the simulator). No compiler, no sources.
FROM ${RUNTIME_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user; Kubernetes' runAsUser matches this uid.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app
COPY --from=build --chown=root:root /staging/ /app/
ENV PATH="/app:${PATH}" \
    SWIFT_BACKTRACE="enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/app/swift-backtrace-static"
USER 10001:10001

# Containers listen on every interface; the processes' own defaults are loopback only.
ENV HOST=0.0.0.0
EXPOSE 8080 7101 7102 7199
CMD ["Gateway"]

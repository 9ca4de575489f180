# syntax=docker/dockerfile:1
# Build: a static binary, no cgo.
#   docker build --build-arg REVISION=$(git rev-parse HEAD) -t hook .
# (.git stays out of the build context, so the revision comes in as an argument.)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG REVISION=""
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X main.linkedRevision=${REVISION}" -o /out/hook ./cmd/hook

# Run: distroless static (no shell, no curl), as the non-root user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hook /usr/local/bin/hook
COPY rules.example.yaml /etc/hook/rules.yaml
ENV HOOK_RULES=/etc/hook/rules.yaml \
    HOOK_LISTEN=:8080 \
    HOOK_LOG_FORMAT=json
EXPOSE 8080
USER 65532:65532
# "hook health" is the probe: exit 0 iff /healthz answers 200. If you change
# HOOK_LISTEN's port, change it here too.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/hook", "health", "--url", "http://127.0.0.1:8080/healthz"]
# Docker sends SIGTERM on stop: hook finishes requests in flight, leaves
# undelivered pages in the outbox, and exits 0. Give it longer than
# HOOK_SHUTDOWN_TIMEOUT (10s) with "docker stop -t 20" / stop_grace_period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hook"]
CMD ["serve"]

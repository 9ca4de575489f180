# syntax=docker/dockerfile:1
# Build: a static binary, no cgo.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hook ./cmd/hook

# Run: distroless static, as a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hook /usr/local/bin/hook
COPY rules.example.yaml /etc/hook/rules.yaml
ENV HOOK_RULES=/etc/hook/rules.yaml \
    HOOK_LISTEN=:8080
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/hook", "health", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/hook"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# Backstop's image: one static binary on distroless, run as non-root.
#   docker build --build-arg VERSION=v0.1.0 -t backstop:v0.1.0 .
# deploy/kubernetes runs it as `backstop serve` (gateways) and
# `backstop check` (the checker); see docs/deploy.md.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    VERSION="${VERSION}" scripts/build-static /out/backstop

# static-debian12 holds CA certificates, /etc/passwd with the nonroot user
# (65532), and tzdata; no shell, no libc, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/backstop /usr/local/bin/backstop
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/backstop"]
CMD ["serve"]

# Multi-stage build: a static Relais binary on a minimal image, run as a
# non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN mkdir -p /out/data && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/relais ./cmd/relais

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/relais /usr/local/bin/relais
# /data holds the signing key, the data key and the evidence checkpoints (uploads and
# letters are in the database); owned by the runtime user
# so that a fresh named volume is writable.
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
WORKDIR /home/nonroot
ENV RELAIS_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/relais"]
CMD ["serve"]

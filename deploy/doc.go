// Package deploy holds no code: its tests check what deploy/ ships (the Helm
// chart, the Grafana dashboard, the Prometheus alert rules) with the real
// tools' own Go packages, against a real hook binary built from ../cmd/hook.
//
// It is a module of its own so that Helm, Kubernetes and Prometheus stay out
// of hook's go.mod: run its tests with `cd deploy && go test ./...`.
package deploy

// The files the chart embeds (helm/hook/files) are copies of their one
// source elsewhere in the repository, written by ./chartfiles.
//go:generate go run ./chartfiles

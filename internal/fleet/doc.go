// Package fleet is what several gateway replicas share: the routing table
// that `backstop check` computes out of band and publishes (to Redis or
// Valkey, a file, a Kubernetes ConfigMap), the leader lease that lets one
// checker among several publish, the per-target health aggregates that
// gateways push for the checker to score, and the gateway's side: the
// subscriptions that deliver tables and the follower that applies them
// while they are fresh and falls back to local health when they are not.
//
// Nothing here is on the request path: tables are applied with one
// atomic store per route, and pushes and publications run on timers.
package fleet

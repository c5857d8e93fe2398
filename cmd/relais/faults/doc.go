// Package faults holds fault-injection tests of the relais binary. Each test
// runs `relais serve` as a subprocess on a real database and breaks what it
// stands on: it kills the server with SIGKILL in the middle of traffic,
// restarts PostgreSQL under it, stops Stripe, and churns hundreds of
// websocket connections. Then it checks what the issue promises: nothing a
// client saw acknowledged is lost, every webhook is applied once, failures
// are clean and Relais recovers with no manual action.
//
// The package has no code of its own outside its tests; `go test
// ./cmd/relais/faults` builds the binary once in TestMain.
package faults

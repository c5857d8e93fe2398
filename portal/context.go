package portal

import "context"

// ActorKind says who did something, for the evidence log.
type ActorKind string

const (
	ActorDebtor ActorKind = "debtor" // a debtor portal session
	ActorUser   ActorKind = "user"   // a console user
	ActorAPIKey ActorKind = "api_key"
	ActorSystem ActorKind = "system" // schedulers, webhooks, automatic policy
)

// Actor is who is acting in a request, with where they act from when a
// person is involved.
type Actor struct {
	Kind      ActorKind `json:"kind"`
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	// Forwarded is how the request reached Relais when a trusted proxy
	// forwarded it: "peer <proxy>; X-Forwarded-For: <chain>"; IP is then
	// the chain's rightmost address that is not a trusted proxy.
	Forwarded string `json:"forwarded,omitempty"`
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem, ID: "relais"}
}

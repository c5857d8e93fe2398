package portal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// CanonicalJSON encodes v as JSON with object keys sorted and no
// insignificant whitespace or HTML escaping, so that the same value always
// gives the same bytes (the input to every evidence hash).
func CanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil { // maps encode with sorted keys
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// SHA256Hex is the lower-case hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EventTimeLayout is how event times enter the hash: UTC, microseconds,
// which both databases store exactly.
const EventTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// HashedHeader is the part of an event the chain hash covers: everything
// but the payload itself, which enters through its hash.
type HashedHeader struct {
	ClaimID     string `json:"claim_id"`
	Seq         int64  `json:"seq"`
	At          string `json:"at"`
	Kind        string `json:"kind"`
	ActorKind   string `json:"actor_kind"`
	ActorID     string `json:"actor_id"`
	IP          string `json:"ip"`
	UserAgent   string `json:"user_agent"`
	PayloadHash string `json:"payload_hash"`
	PrevHash    string `json:"prev_hash"`
}

// Header returns the hashed header of e.
func (e *Event) Header() HashedHeader {
	return HashedHeader{
		ClaimID: e.ClaimID, Seq: e.Seq, At: e.At.UTC().Format(EventTimeLayout), Kind: string(e.Kind),
		ActorKind: string(e.Actor.Kind), ActorID: e.Actor.ID, IP: e.Actor.IP, UserAgent: e.Actor.UserAgent,
		PayloadHash: e.PayloadHash, PrevHash: e.PrevHash,
	}
}

// ComputeHash returns SHA-256(canonical JSON of the header), which includes
// the previous event's hash: changing, dropping or reordering any earlier
// event changes every later hash.
func (e *Event) ComputeHash() string {
	b, err := CanonicalJSON(e.Header())
	if err != nil {
		panic(fmt.Sprintf("hash event: %v", err)) // a struct of strings always encodes
	}
	return SHA256Hex(b)
}

// GenesisHash is the prev_hash of a claim's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// NormalizeEventTime truncates t to what both databases keep.
func NormalizeEventTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

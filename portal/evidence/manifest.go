package evidence

import (
	"github.com/relais/relais/portal"
)

// Format names the bundle layout; verifiers refuse one they do not know.
// Version 2 signs the whole manifest (SignedManifest); version 1, which
// signed only the chain head and the file list (SignedMessage), is still
// verified.
const (
	Format   = "relais-evidence-bundle/2"
	FormatV1 = "relais-evidence-bundle/1"
)

// SignaturePurpose is part of every signed message, so that a signature
// made for a bundle cannot be passed off as anything else.
const SignaturePurpose = "relais.evidence.chain-head.v1"

// File names inside a bundle.
const (
	FileReadme   = "README.txt"
	FileDossier  = "dossier.pdf"
	FileEvents   = "events.jsonl"
	FileManifest = "manifest.json"
	FileVerify   = "verify.html"
	DirAttach    = "attachments/"
)

// Manifest is manifest.json.
type Manifest struct {
	Format        string `json:"format"`
	RelaisVersion string `json:"relais_version"`
	ClaimID       string `json:"claim_id"`
	// ChainHead is the last event the bundle holds.
	ChainHead Head `json:"chain_head"`
	// Files lists every file of the bundle but manifest.json, sorted by name.
	Files     []FileEntry `json:"files"`
	Signature Signature   `json:"signature"`
	// Algorithms describes, in words, how every check is computed.
	Algorithms Algorithms `json:"algorithms"`
}

// Head identifies the end of a claim's chain.
type Head struct {
	ClaimID string `json:"claim_id"`
	Seq     int64  `json:"seq"`
	Hash    string `json:"hash"`
	// At is the last event's time in portal.EventTimeLayout.
	At string `json:"at"`
}

// FileEntry is one file's size and SHA-256 (lower-case hex).
type FileEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Signature is the instance's signature over SignedMessage.
type Signature struct {
	Algorithm string `json:"algorithm"` // "Ed25519"
	// PublicKey is the raw 32-byte key, standard base64.
	PublicKey string `json:"public_key"`
	// Fingerprint helps a person compare PublicKey with the one the
	// operator publishes (GET /api/v1/evidence/public-key).
	Fingerprint string `json:"public_key_fingerprint"`
	// Value is the 64-byte signature, standard base64.
	Value string `json:"value"`
}

// Algorithms are the human descriptions written into every manifest.
type Algorithms struct {
	FileHash     string `json:"file_hash"`
	EventHash    string `json:"event_hash"`
	PayloadHash  string `json:"payload_hash"`
	Chain        string `json:"chain"`
	SignedFields string `json:"signed_message"`
	Signature    string `json:"signature"`
}

var algorithms = Algorithms{
	FileHash: "SHA-256 of each file's bytes, lower-case hex.",
	EventHash: "hash = SHA-256 of the canonical JSON of the object {actor_id, actor_kind, at, claim_id, ip, kind, " +
		"payload_hash, prev_hash, seq, user_agent} taken from the event line. Canonical JSON: keys sorted, no " +
		"whitespace, UTF-8, strings escaped as Go's encoding/json does without HTML escaping (\\\", \\\\, \\b, \\f, " +
		"\\n, \\r, \\t, other control characters and U+2028/U+2029 as \\u00xx / \\u2028 / \\u2029).",
	PayloadHash: "payload_hash = SHA-256 of the payload string's UTF-8 bytes (the payload is itself canonical JSON). " +
		"A payload erased for data protection is null; its payload_hash still chains.",
	Chain: "events.jsonl holds one event per line in seq order; seq runs 1..n without gaps; the first prev_hash is 64 " +
		"zeros and every other prev_hash is the previous event's hash. Changing, removing, inserting or reordering any " +
		"event breaks every later hash.",
	SignedFields: "The canonical JSON of this whole manifest (every field, these descriptions and the Relais version " +
		"included) with signature.value set to the empty string. (A manifest of format relais-evidence-bundle/1 signed " +
		"only the canonical JSON of {at, claim_id, files_sha256, hash, purpose, seq}: the chain head, purpose = \"" +
		SignaturePurpose + "\", and the SHA-256 of the canonical JSON of the files array.)",
	Signature: "Ed25519 (RFC 8032) over the signed message's UTF-8 bytes, with the public key given here.",
}

// EventLine is one line of events.jsonl: an event with its time as hashed
// and its payload as the exact canonical JSON text that payload_hash covers.
type EventLine struct {
	ID          string  `json:"id"`
	ClaimID     string  `json:"claim_id"`
	Seq         int64   `json:"seq"`
	At          string  `json:"at"`
	Kind        string  `json:"kind"`
	ActorKind   string  `json:"actor_kind"`
	ActorID     string  `json:"actor_id"`
	IP          string  `json:"ip"`
	UserAgent   string  `json:"user_agent"`
	Payload     *string `json:"payload"` // null once erased
	PayloadHash string  `json:"payload_hash"`
	PrevHash    string  `json:"prev_hash"`
	Hash        string  `json:"hash"`
}

// LineOf returns the line of e.
func LineOf(e *portal.Event) EventLine {
	h := e.Header()
	l := EventLine{
		ID: e.ID, ClaimID: h.ClaimID, Seq: h.Seq, At: h.At, Kind: h.Kind, ActorKind: h.ActorKind, ActorID: h.ActorID,
		IP: h.IP, UserAgent: h.UserAgent, PayloadHash: h.PayloadHash, PrevHash: h.PrevHash, Hash: e.Hash,
	}
	if e.Payload != "" {
		p := e.Payload
		l.Payload = &p
	}
	return l
}

// header is the hashed part of a line, exactly as portal.Event.Header.
func (l *EventLine) header() portal.HashedHeader {
	return portal.HashedHeader{
		ClaimID: l.ClaimID, Seq: l.Seq, At: l.At, Kind: l.Kind, ActorKind: l.ActorKind, ActorID: l.ActorID,
		IP: l.IP, UserAgent: l.UserAgent, PayloadHash: l.PayloadHash, PrevHash: l.PrevHash,
	}
}

// ComputeHash recomputes the line's chain hash.
func (l *EventLine) ComputeHash() string {
	b, err := portal.CanonicalJSON(l.header())
	if err != nil {
		panic(err) // strings and an integer always encode
	}
	return portal.SHA256Hex(b)
}

// signedMessage is what a version 1 bundle signed.
type signedMessage struct {
	Purpose     string `json:"purpose"`
	ClaimID     string `json:"claim_id"`
	Seq         int64  `json:"seq"`
	Hash        string `json:"hash"`
	At          string `json:"at"`
	FilesSHA256 string `json:"files_sha256"`
}

// SignedManifest is the message a version 2 bundle signs: the canonical
// JSON of the whole manifest with signature.value empty, so that no field
// (the Relais version, the descriptions of the algorithms, the key's
// fingerprint text) can change unnoticed.
func SignedManifest(m Manifest) []byte {
	m.Signature.Value = ""
	if m.Files == nil {
		m.Files = []FileEntry{}
	}
	b, err := portal.CanonicalJSON(m)
	if err != nil {
		panic(err)
	}
	return b
}

// SignedMessage returns the bytes a version 1 bundle signed for a head
// and a file list.
func SignedMessage(h Head, files []FileEntry) []byte {
	if files == nil {
		files = []FileEntry{}
	}
	fb, err := portal.CanonicalJSON(files)
	if err != nil {
		panic(err)
	}
	b, err := portal.CanonicalJSON(signedMessage{
		Purpose: SignaturePurpose, ClaimID: h.ClaimID, Seq: h.Seq, Hash: h.Hash, At: h.At, FilesSHA256: portal.SHA256Hex(fb),
	})
	if err != nil {
		panic(err)
	}
	return b
}

package evidence

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/relais/relais/portal"
)

// HistorySuffix names the key history file: the key file's path plus this
// suffix. It holds the PUBLIC keys the instance signed with before, so that
// bundles signed with them stay checkable against what the operator
// publishes.
const HistorySuffix = ".history.json"

// HistoryPath returns the history file of a key file.
func HistoryPath(keyFile string) string { return keyFile + HistorySuffix }

// RetiredKey is a key that signed bundles from From until Until and was
// then replaced by `relais key rotate`.
type RetiredKey struct {
	// PublicKey is the raw 32-byte key, standard base64 (as in manifests).
	PublicKey   string    `json:"public_key"`
	Fingerprint string    `json:"fingerprint"`
	From        time.Time `json:"from"`
	Until       time.Time `json:"until"`
	// Compromised is set when the operator retired the key because someone
	// else may hold it: its signatures then prove nothing by themselves.
	Compromised bool `json:"compromised,omitempty"`
}

// KeyHistory is what the instance publishes next to its current key.
type KeyHistory struct {
	// Since is when the current key began to sign: the end of the last
	// retired key, or the key file's modification time before any
	// rotation (the file is written once and then only replaced).
	Since time.Time
	// Retired lists the keys the current one replaced, oldest first.
	Retired []RetiredKey
}

// KeySet is the current signing key with its history.
type KeySet struct {
	Signer  *Signer
	History KeyHistory
}

// PublishedKeys is the body of GET /api/v1/evidence/public-key and of
// `relais key show --json`, and what `relais verify --key-history` reads.
type PublishedKeys struct {
	Algorithm   string `json:"algorithm"`
	PublicKey   string `json:"public_key"`
	Fingerprint string `json:"fingerprint"`
	// From is when the current key began to sign (absent when unknown).
	From *time.Time `json:"from,omitempty"`
	// History lists the retired keys, oldest first (empty before the
	// first rotation).
	History []RetiredKey `json:"history"`
}

// Published returns what the instance publishes about its keys. h may be
// nil (a key that does not come from a key file).
func Published(s *Signer, h *KeyHistory) PublishedKeys {
	p := PublishedKeys{Algorithm: "Ed25519", PublicKey: s.PublicKeyBase64(), Fingerprint: s.Fingerprint(), History: []RetiredKey{}}
	if h != nil {
		if !h.Since.IsZero() {
			since := h.Since
			p.From = &since
		}
		p.History = append(p.History, h.Retired...)
	}
	return p
}

// ParsePublishedKeys reads the JSON of GET /api/v1/evidence/public-key (or
// `relais key show --json`), or a bare history file (a JSON list of
// retired keys, without a current key). Every key is checked: 32 bytes, the
// fingerprint its own, from not after until.
func ParsePublishedKeys(b []byte) (*PublishedKeys, error) {
	b = bytes.TrimSpace(b)
	var p PublishedKeys
	if len(b) > 0 && b[0] == '[' {
		h, err := parseHistory(b)
		if err != nil {
			return nil, err
		}
		return &PublishedKeys{Algorithm: "Ed25519", History: h}, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("not the JSON of GET /api/v1/evidence/public-key nor a key history: %v", err)
	}
	if p.Algorithm != "" && p.Algorithm != "Ed25519" {
		return nil, fmt.Errorf("unknown algorithm %q", p.Algorithm)
	}
	if p.PublicKey != "" {
		if _, err := decodeKey(p.PublicKey, p.Fingerprint); err != nil {
			return nil, fmt.Errorf("current key: %w", err)
		}
	}
	if err := checkHistory(p.History); err != nil {
		return nil, err
	}
	if p.PublicKey == "" && len(p.History) == 0 {
		return nil, errors.New("holds no key")
	}
	return &p, nil
}

func decodeKey(pub, fingerprint string) (ed25519.PublicKey, error) {
	k, err := base64.StdEncoding.DecodeString(pub)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public_key %q is not the base64 of a 32-byte Ed25519 key", pub)
	}
	if fingerprint != "" && fingerprint != Fingerprint(k) {
		return nil, fmt.Errorf("fingerprint %q is not the fingerprint of key %s (%s)", fingerprint, pub, Fingerprint(k))
	}
	return k, nil
}

func parseHistory(b []byte) ([]RetiredKey, error) {
	var h []RetiredKey
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("not a key history (a JSON list of {public_key, fingerprint, from, until}): %v", err)
	}
	if err := checkHistory(h); err != nil {
		return nil, err
	}
	return h, nil
}

func checkHistory(h []RetiredKey) error {
	for i, k := range h {
		if _, err := decodeKey(k.PublicKey, k.Fingerprint); err != nil {
			return fmt.Errorf("history entry %d: %w", i+1, err)
		}
		if k.From.IsZero() || k.Until.IsZero() || k.Until.Before(k.From) {
			return fmt.Errorf("history entry %d (key %s): from %s and until %s are not a period", i+1, k.Fingerprint, k.From, k.Until)
		}
	}
	return nil
}

// readHistory reads the history next to keyFile (none: an empty history).
func readHistory(keyFile string) ([]RetiredKey, error) {
	b, err := os.ReadFile(HistoryPath(keyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read key history: %w", err)
	}
	h, err := parseHistory(b)
	if err != nil {
		return nil, fmt.Errorf("key history %s: %w", HistoryPath(keyFile), err)
	}
	return h, nil
}

// retiredIndex returns the position of pub in h, or -1.
func retiredIndex(h []RetiredKey, pub ed25519.PublicKey) int {
	s := base64.StdEncoding.EncodeToString(pub)
	for i, k := range h {
		if k.PublicKey == s {
			return i
		}
	}
	return -1
}

// since is when the current key began: the end of the last retired key,
// or the key file's modification time when nothing was retired.
func since(h []RetiredKey, keyInfo fs.FileInfo) time.Time {
	if len(h) > 0 {
		return h[len(h)-1].Until
	}
	return keyInfo.ModTime().UTC().Truncate(time.Microsecond)
}

// RotateOptions adjust RotateKey.
type RotateOptions struct {
	// Compromised marks the retired key as possibly held by someone else.
	Compromised bool
	// LockWait is how long to wait for another rotation of the same file
	// (default 10 s).
	LockWait time.Duration
}

// RotateKey replaces the key in keyFile with a new one and appends the
// replaced key's PUBLIC key, with its period, to the history file. The
// time is read from clock once the rotation holds the lock, so that
// concurrent rotations make an ordered history.
//
// The retired PRIVATE key is not kept anywhere: a retired key that still
// exists can still sign, and since the chain head's time is whatever the
// database says, whoever holds it (and can rewrite the database) could
// sign a rewritten log dated inside the key's period; destroying it is
// what makes retirement mean something. Bundles it signed stay verifiable
// with its public key, which is all a verifier needs.
//
// Every file is written to a temporary file in the same directory and
// renamed into place, so that a reader (an instance starting) sees the old
// or the new file, never a partial one. The history is renamed before the
// key: a crash in between leaves the old key listed as retired, which
// LoadKeySet refuses, and a new `relais key rotate` completes. Concurrent
// rotations take turns through an O_EXCL lock file (keyFile + ".lock").
func RotateKey(keyFile string, clock portal.Clock, opts RotateOptions) (retired RetiredKey, set *KeySet, err error) {
	if opts.LockWait <= 0 {
		opts.LockWait = 10 * time.Second
	}
	unlock, err := lockKeyFile(keyFile, opts.LockWait)
	if err != nil {
		return RetiredKey{}, nil, err
	}
	defer unlock()
	now := clock.Now().UTC().Truncate(time.Microsecond) // as precise as event times

	b, err := os.ReadFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return RetiredKey{}, nil, fmt.Errorf("no signing key at %s: it is created at the first start of relais serve; there is nothing to rotate", keyFile)
	}
	if err != nil {
		return RetiredKey{}, nil, fmt.Errorf("read signing key: %w", err)
	}
	old, err := parseKey(b)
	if err != nil {
		return RetiredKey{}, nil, fmt.Errorf("signing key %s: %w", keyFile, err)
	}
	info, err := os.Stat(keyFile)
	if err != nil {
		return RetiredKey{}, nil, err
	}
	hist, err := readHistory(keyFile)
	if err != nil {
		return RetiredKey{}, nil, err
	}
	i := retiredIndex(hist, old.pub)
	switch {
	case i < 0:
		from := since(hist, info)
		if now.Before(from) {
			now = from // a clock set back: keep the history in order
		}
		hist = append(hist, RetiredKey{PublicKey: old.PublicKeyBase64(), Fingerprint: old.Fingerprint(), From: from, Until: now, Compromised: opts.Compromised})
		i = len(hist) - 1
	case i == len(hist)-1:
		// An interrupted rotation: the key was listed but never replaced,
		// so it may have signed until now.
		if now.After(hist[i].Until) {
			hist[i].Until = now
		}
		hist[i].Compromised = hist[i].Compromised || opts.Compromised
	default:
		// An older key was put back by hand: it stays retired with its
		// recorded period, and a new key replaces it.
	}
	retired = hist[i]

	s, err := GenerateSigner()
	if err != nil {
		return RetiredKey{}, nil, err
	}
	keyPEM, err := encodeKey(s)
	if err != nil {
		return RetiredKey{}, nil, err
	}
	histJSON, err := json.MarshalIndent(hist, "", "  ")
	if err != nil {
		return RetiredKey{}, nil, err
	}
	keyTmp, err := writeTemp(keyFile, keyPEM, 0o600)
	if err != nil {
		return RetiredKey{}, nil, fmt.Errorf("write new signing key: %w", err)
	}
	defer os.Remove(keyTmp) // a no-op once renamed
	// The history holds public keys only: readable by all, like the
	// endpoint that publishes it (the directory itself stays 0700).
	histTmp, err := writeTemp(HistoryPath(keyFile), append(histJSON, '\n'), 0o644)
	if err != nil {
		return RetiredKey{}, nil, fmt.Errorf("write key history: %w", err)
	}
	defer os.Remove(histTmp)
	if err := os.Rename(histTmp, HistoryPath(keyFile)); err != nil {
		return RetiredKey{}, nil, fmt.Errorf("write key history: %w", err)
	}
	if err := os.Rename(keyTmp, keyFile); err != nil {
		return RetiredKey{}, nil, fmt.Errorf("install new signing key (%s now lists the old key as retired; run the rotation again): %w", HistoryPath(keyFile), err)
	}
	syncDir(filepath.Dir(keyFile))
	return retired, &KeySet{Signer: s, History: KeyHistory{Since: since(hist, nil), Retired: hist}}, nil
}

// writeTemp writes data to a new temporary file next to path, synced, and
// returns its name.
func writeTemp(path string, data []byte, mode fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes renames in dir durable; not every system can sync a
// directory, and the rename itself is already atomic.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// lockKeyFile takes the rotation lock of keyFile: a file created with
// O_EXCL, holding the owner's process id and start time. It waits up to
// wait for another rotation to finish. A lock left by a crashed rotation
// is never broken automatically (two rotations at once would each retire
// a key); the error says which file to remove.
func lockKeyFile(keyFile string, wait time.Duration) (unlock func(), err error) {
	path := keyFile + ".lock"
	deadline := time.Now().Add(wait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			fmt.Fprintf(f, "pid %d since %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no signing key directory for %s: there is nothing to rotate", keyFile)
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock signing key: %w", err)
		}
		if time.Now().After(deadline) {
			owner, _ := os.ReadFile(path)
			return nil, fmt.Errorf("another key rotation holds %s (%s); if none is running, a rotation crashed: remove that file and rotate again",
				path, strings.TrimSpace(string(owner)))
		}
		time.Sleep(delay)
	}
}

// formatKeyTime is how times of the key history are printed.
func formatKeyTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Describe is one line about a retired key, for people.
func (k RetiredKey) Describe() string {
	s := k.Fingerprint + "  from " + formatKeyTime(k.From) + " until " + formatKeyTime(k.Until)
	if k.Compromised {
		s += "  COMPROMISED"
	}
	return s
}

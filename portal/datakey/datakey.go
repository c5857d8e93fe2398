// Package datakey encrypts at rest the secrets Relais must keep
// reversibly in its database (the webhook signing secrets: Relais needs
// them to sign, so they cannot be hashed; a letter's copy to print, which
// carries a working portal link) with AES-256-GCM under a data
// key held in a file outside the database (--data-key-file), distinct
// from the evidence signing key: one key, one purpose.
//
// A sealed value is text, "rdk1:<key id>:<base64url of nonce and
// ciphertext>": the version prefix says how it was made, the key id which
// key of the file opens it, so that a rotation adds a key without making
// the values sealed before unreadable. The caller binds every value to
// where it is stored (table, column and row id) as GCM's additional data:
// a ciphertext copied to another row or column does not open.
package datakey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Prefix starts every sealed value (version 1: AES-256-GCM, 96-bit random
// nonce).
const Prefix = "rdk1:"

// pemType is the PEM block type of a key in the key file.
const pemType = "RELAIS DATA KEY"

// KeySize is a data key's length: AES-256.
const KeySize = 32

var (
	// ErrUnknownKey is a value sealed under a key the key file does not
	// hold: another instance's key file, or a rotation not copied here.
	ErrUnknownKey = errors.New("sealed under a data key this instance does not have")
	// ErrCorrupt is a value that does not open: changed, truncated, or
	// moved from the row or column it was sealed for.
	ErrCorrupt = errors.New("does not decrypt: the value was changed or moved from another row")
	// ErrNotSealed is a value without the version prefix (clear text).
	ErrNotSealed = errors.New("is not encrypted")
)

type key struct {
	id   string
	aead cipher.AEAD
	raw  []byte
}

// Keyring is the keys of a key file: the first seals, every one opens.
// It is read-only once made, safe for concurrent use.
type Keyring struct {
	keys []*key
}

// KeyID is the id of a key: the first 16 hex digits of a SHA-256 of it,
// so the file cannot name a key wrongly and the id reveals nothing usable.
func KeyID(raw []byte) string {
	h := sha256.Sum256(append([]byte("relais data key id\x00"), raw...))
	return hex.EncodeToString(h[:8])
}

func newKey(raw []byte) (*key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("a data key is %d bytes, not %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &key{id: KeyID(raw), aead: aead, raw: append([]byte(nil), raw...)}, nil
}

// New is a keyring of raw keys, the first the current one.
func New(raws ...[]byte) (*Keyring, error) {
	if len(raws) == 0 {
		return nil, errors.New("a data keyring needs a key")
	}
	k := &Keyring{}
	seen := map[string]bool{}
	for _, raw := range raws {
		kk, err := newKey(raw)
		if err != nil {
			return nil, err
		}
		if seen[kk.id] {
			continue
		}
		seen[kk.id] = true
		k.keys = append(k.keys, kk)
	}
	return k, nil
}

// Generate is a keyring of one new random key.
func Generate() (*Keyring, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	return New(raw)
}

// CurrentID is the id of the key that seals.
func (k *Keyring) CurrentID() string { return k.keys[0].id }

// IDs are the ids of every key, the current one first.
func (k *Keyring) IDs() []string {
	out := make([]string, len(k.keys))
	for i, kk := range k.keys {
		out[i] = kk.id
	}
	return out
}

// Has reports whether the keyring holds the key of id.
func (k *Keyring) Has(id string) bool { return k.find(id) != nil }

func (k *Keyring) find(id string) *key {
	for _, kk := range k.keys {
		if kk.id == id {
			return kk
		}
	}
	return nil
}

// Seal encrypts plain under the current key, bound to ad (where the value
// is stored, e.g. "webhook_endpoints.secret/<id>").
func (k *Keyring) Seal(plain []byte, ad string) (string, error) {
	kk := k.keys[0]
	nonce := make([]byte, kk.aead.NonceSize(), kk.aead.NonceSize()+len(plain)+kk.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := kk.aead.Seal(nonce, nonce, plain, []byte(ad))
	return Prefix + kk.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Sealed reports whether s has the form of a sealed value.
func Sealed(s string) bool { return strings.HasPrefix(s, Prefix) }

// SealedKeyID is the id of the key s was sealed under ("" when s is not a
// sealed value).
func SealedKeyID(s string) string {
	if !Sealed(s) {
		return ""
	}
	id, _, ok := strings.Cut(strings.TrimPrefix(s, Prefix), ":")
	if !ok {
		return ""
	}
	return id
}

// Open decrypts s, sealed for ad. Its errors wrap ErrNotSealed,
// ErrUnknownKey or ErrCorrupt and never hold s.
func (k *Keyring) Open(s, ad string) ([]byte, error) {
	if !Sealed(s) {
		return nil, ErrNotSealed
	}
	id, body, ok := strings.Cut(strings.TrimPrefix(s, Prefix), ":")
	if !ok {
		return nil, ErrCorrupt
	}
	kk := k.find(id)
	if kk == nil {
		return nil, fmt.Errorf("%w (key %s; this instance's data key file holds %s): every instance needs the same data key file",
			ErrUnknownKey, id, strings.Join(k.IDs(), ", "))
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < kk.aead.NonceSize()+kk.aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := kk.aead.Open(nil, raw[:kk.aead.NonceSize()], raw[kk.aead.NonceSize():], []byte(ad))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// encode is the key file's text: one PEM block per key, the current one
// first.
func (k *Keyring) encode() []byte {
	var b strings.Builder
	for i, kk := range k.keys {
		h := map[string]string{"Key-Id": kk.id}
		if i == 0 {
			h["Use"] = "current"
		} else {
			h["Use"] = "retired (opens values sealed before a rotation)"
		}
		b.Write(pem.EncodeToMemory(&pem.Block{Type: pemType, Headers: h, Bytes: kk.raw}))
	}
	return []byte(b.String())
}

// Parse reads a key file's text.
func Parse(b []byte) (*Keyring, error) {
	var raws [][]byte
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != pemType {
			return nil, fmt.Errorf("a %q block is not a data key (is this the evidence signing key?)", block.Type)
		}
		k, err := newKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		if id := block.Headers["Key-Id"]; id != "" && id != k.id {
			return nil, fmt.Errorf("the key named %s is key %s: the file was edited", id, k.id)
		}
		raws = append(raws, block.Bytes)
	}
	if len(raws) == 0 {
		return nil, errors.New("no data key in the file")
	}
	return New(raws...)
}

// Load reads the key file at path, creating it (mode 0600, its directory
// 0700) with one new key when there is none; created says it was made.
// Of several instances starting at once, one key wins.
func Load(path string) (k *Keyring, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return create(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("read data key: %w", err)
	}
	k, err = Parse(b)
	if err != nil {
		return nil, false, fmt.Errorf("data key file %s: %w", path, err)
	}
	return k, false, nil
}

// Read is Load without creating a missing file.
func Read(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no data key at %s: it is created at the first start of relais serve", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read data key: %w", err)
	}
	k, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	return k, nil
}

func create(path string) (*Keyring, bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create data key directory: %w", err)
	}
	k, err := Generate()
	if err != nil {
		return nil, false, err
	}
	tmp, err := writeTemp(path, k.encode())
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp)
	// Hard-linked into place: link fails if the file exists, so of
	// several instances starting at once one key wins, and none reads a
	// half-written file.
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		k, err := Read(path)
		return k, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("create data key: %w", err)
	}
	return k, true, nil
}

// writeTemp writes data, mode 0600, to a new file beside path.
func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".data-key-*")
	if err != nil {
		return "", fmt.Errorf("create data key: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if _, err := f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write data key: %w", err)
	}
	return f.Name(), nil
}

// Rotated is k with a new random key first, k's keys after it.
func (k *Keyring) Rotated() (*Keyring, error) {
	fresh, err := Generate()
	if err != nil {
		return nil, err
	}
	raws := [][]byte{fresh.keys[0].raw}
	for _, kk := range k.keys {
		raws = append(raws, kk.raw)
	}
	return New(raws...)
}

// Rotate puts a new current key at the head of the key file at path,
// keeping the former keys to open what they sealed; the file is replaced
// atomically (a temporary file renamed). The values in the database are
// re-sealed under the new key by the caller (store.DB.ResealSecrets).
func Rotate(path string) (*Keyring, error) {
	old, err := Read(path)
	if err != nil {
		return nil, err
	}
	k, err := old.Rotated()
	if err != nil {
		return nil, err
	}
	tmp, err := writeTemp(path, k.encode())
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("replace data key file: %w", err)
	}
	return k, nil
}

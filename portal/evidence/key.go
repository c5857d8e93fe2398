package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Signer holds the instance's Ed25519 key. The private part lives in a key
// file outside the database, so that someone who can rewrite the database
// cannot re-sign a rewritten log.
type Signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

// NewSigner wraps an existing key (tests, or a key from a secret store).
func NewSigner(priv ed25519.PrivateKey) *Signer {
	return &Signer{priv: priv, pub: priv.Public().(ed25519.PublicKey)}
}

// GenerateSigner makes a fresh key in memory.
func GenerateSigner() (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewSigner(priv), nil
}

const pemType = "PRIVATE KEY"

// LoadOrCreateKey reads the PEM (PKCS #8) Ed25519 key at path, or creates
// it with mode 0600 (and its directory with 0700) when there is none.
// created is true when a new key was written. Several instances sharing a
// database must share the key file (mount the same secret): bundles stay
// verifiable with any key, but a single published key is easier to check.
// A key that the history next to path lists as retired is refused (see
// LoadKeySet).
func LoadOrCreateKey(path string) (s *Signer, created bool, err error) {
	set, created, err := LoadKeySet(path)
	if err != nil {
		return nil, false, err
	}
	return set.Signer, created, nil
}

// ErrRetiredKey is returned for a key file holding a key that its history
// lists as retired: a retired key must not sign again.
var ErrRetiredKey = errors.New("the signing key was retired")

// LoadKeySet loads (or creates, see LoadOrCreateKey) the key at path with
// the history of the keys it replaced (path + HistorySuffix). It refuses a
// key the history lists as retired: someone restored an old key file, or
// a rotation stopped between writing the history and the key (then
// `relais key rotate` completes it). A rotation running meanwhile renames
// the history just before the key, so a retired key is read again a few
// times before it is refused.
func LoadKeySet(path string) (set *KeySet, created bool, err error) {
	const attempts = 10
	for attempt := 1; ; attempt++ {
		set, created, err = loadKeySet(path, true)
		if !errors.Is(err, ErrRetiredKey) || attempt == attempts {
			return set, created, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ReadKeySet is LoadKeySet without creating a missing key, for commands
// that only show it.
func ReadKeySet(path string) (*KeySet, error) {
	set, _, err := loadKeySet(path, false)
	return set, err
}

func loadKeySet(path string, create bool) (*KeySet, bool, error) {
	var s *Signer
	created := false
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return nil, false, fmt.Errorf("no signing key at %s: it is created at the first start of relais serve", path)
	case errors.Is(err, fs.ErrNotExist):
		if s, created, err = createKey(path); err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, fmt.Errorf("read signing key: %w", err)
	default:
		if s, err = parseKey(b); err != nil {
			return nil, false, fmt.Errorf("signing key %s: %w", path, err)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("read signing key: %w", err)
	}
	hist, err := readHistory(path)
	if err != nil {
		return nil, false, err
	}
	if i := retiredIndex(hist, s.pub); i >= 0 {
		return nil, false, fmt.Errorf("%w: %s holds key %s, which %s lists as retired on %s; restore the current key file, or run `relais key rotate` if a rotation was interrupted",
			ErrRetiredKey, path, s.Fingerprint(), HistoryPath(path), formatKeyTime(hist[i].Until))
	}
	return &KeySet{Signer: s, History: KeyHistory{Since: since(hist, info), Retired: hist}}, created, nil
}

func encodeKey(s *Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

func createKey(path string) (*Signer, bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create signing key directory: %w", err)
	}
	s, err := GenerateSigner()
	if err != nil {
		return nil, false, err
	}
	data, err := encodeKey(s)
	if err != nil {
		return nil, false, err
	}
	// The key is written whole to a temporary file, then hard-linked into
	// place: link fails if the file exists, so of several instances
	// starting at once one key wins, and none reads a half-written file.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("create signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, false, fmt.Errorf("read signing key: %w", err)
		}
		s, err := parseKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("signing key %s: %w", path, err)
		}
		return s, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("create signing key: %w", err)
	}
	return s, true, nil
}

func parseKey(b []byte) (*Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != pemType {
		return nil, errors.New("not a PEM \"PRIVATE KEY\" file")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T, not Ed25519", k)
	}
	return NewSigner(priv), nil
}

// PublicKey returns the public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// PublicKeyBase64 is the raw 32-byte public key in standard base64, as
// written in manifests.
func (s *Signer) PublicKeyBase64() string { return base64.StdEncoding.EncodeToString(s.pub) }

// Fingerprint is how people compare keys: the SHA-256 of the raw public
// key, hex, in groups of four.
func (s *Signer) Fingerprint() string { return Fingerprint(s.pub) }

// Fingerprint returns the fingerprint of a raw Ed25519 public key.
func Fingerprint(pub []byte) string {
	sum := sha256.Sum256(pub)
	h := hex.EncodeToString(sum[:16])
	out := make([]byte, 0, len(h)+len(h)/4)
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, h[i:i+4]...)
	}
	return string(out)
}

// Sign signs msg. Ed25519 signatures are deterministic: the same message
// gives the same signature, which keeps bundles byte-identical.
func (s *Signer) Sign(msg []byte) []byte { return ed25519.Sign(s.priv, msg) }

package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of the Standard Webhooks specification
// (https://www.standardwebhooks.com) every delivery carries.
const (
	// HeaderID is the delivery's message ID: the event's ID, the same
	// when a delivery is sent again, so that receivers apply it once.
	HeaderID = "webhook-id"
	// HeaderTimestamp is the Unix time of the attempt, in seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature is a space-separated list of "v1,<base64 HMAC-SHA256>"
	// signatures, one per active secret of the endpoint.
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret: "whsec_" then the key in
// base64 (standard alphabet, padded).
const SecretPrefix = "whsec_"

// DefaultTolerance is how far from the receiver's clock a signature's
// time may be when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Errors of Sign and Verify.
var (
	ErrBadSecret    = errors.New("webhooks: the secret is not whsec_ followed by base64")
	ErrNoSignature  = errors.New("webhooks: no webhook-id, webhook-timestamp or v1 signature in the headers")
	ErrBadSignature = errors.New("webhooks: no signature matches the body and secret")
	ErrTooOld       = errors.New("webhooks: the signature's time is outside the tolerance")
)

// secretKey is the HMAC key of secret: the base64 after the prefix.
func secretKey(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, ErrBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) == 0 {
		return nil, ErrBadSecret
	}
	return key, nil
}

// signed is the HMAC-SHA256 of "<id>.<unix>.<body>" keyed with key.
func signed(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the webhook-signature value of body with message id sent
// at t: "v1,<base64 signature>" for each secret, space-separated (two
// while a rotated secret is still active).
func Sign(secrets []string, id string, t time.Time, body []byte) (string, error) {
	ts := strconv.FormatInt(t.Unix(), 10)
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(signed(key, id, ts, body)))
	}
	if len(sigs) == 0 {
		return "", ErrBadSecret
	}
	return strings.Join(sigs, " "), nil
}

// SetHeaders sets the three Standard Webhooks headers of a delivery.
func SetHeaders(h http.Header, secrets []string, id string, t time.Time, body []byte) error {
	sig, err := Sign(secrets, id, t, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(t.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Verify checks a delivery's headers against its raw body and one of the
// endpoint's secrets, and that its time is within tolerance of now
// (DefaultTolerance when 0; negative: not checked). Any v1 signature of
// the list may match; the comparison is constant-time.
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, h, body, tolerance, time.Now())
}

// VerifyAt is Verify with the receiver's clock at now.
func VerifyAt(secret string, h http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	key, err := secretKey(secret)
	if err != nil {
		return err
	}
	id, ts := h.Get(HeaderID), h.Get(HeaderTimestamp)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return ErrNoSignature
	}
	want := signed(key, id, ts, body)
	found, ok := false, false
	for _, sig := range strings.Fields(h.Get(HeaderSignature)) {
		v, enc, cut := strings.Cut(sig, ",")
		if !cut || v != "v1" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			continue
		}
		found = true
		ok = hmac.Equal(b, want) || ok
	}
	if !found {
		return ErrNoSignature
	}
	if !ok {
		return ErrBadSignature
	}
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
			return ErrTooOld
		}
	}
	return nil
}

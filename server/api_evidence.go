package server

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
)

// EvidenceBundler makes court evidence bundles (portal/evidence.Builder).
type EvidenceBundler interface {
	// WriteBundle writes the claim's bundle (a zip) to w. ENOTFOUND when
	// the claim is not the tenant's.
	WriteBundle(ctx context.Context, tenantID, claimID string, w io.Writer) error
	// PublishedKeys returns the instance's current Ed25519 public key and
	// fingerprint with the retired keys and their periods.
	PublishedKeys() evidence.PublishedKeys
}

// bundleTimeout bounds making one bundle: a claim with 10,000 events takes
// a few seconds (docs/performance.md).
const bundleTimeout = 2 * time.Minute

// handleEvidenceBundle serves the bundle of the API's claim.
func (s *Server) handleEvidenceBundle(c *fiber.Ctx) error {
	claim := claimOf(c)
	return s.sendEvidenceBundle(c, claim.ID, claim.Reference)
}

// sendEvidenceBundle streams the bundle of the request tenant's claim (see
// sendZip), named after the claim's reference (evidence.BundleFileName).
// The API and the console share it; ENOTFOUND when the claim is not the
// tenant's.
func (s *Server) sendEvidenceBundle(c *fiber.Ctx, claimID, reference string) error {
	if s.deps.Evidence == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Evidence bundles are not configured on this instance.")
	}
	return s.sendZip(c, evidence.BundleFileName(reference, claimID), bundleTimeout, func(ctx context.Context, w io.Writer) error {
		return s.deps.Evidence.WriteBundle(ctx, tenantOf(c), claimID, w)
	})
}

// sendZip writes a zip (an evidence bundle, a debtor export) into an
// unlinked temporary file, so that a failure is still a clean error
// response and memory stays bounded, then streams it as an attachment.
// write runs with the request's actor and at most timeout.
func (s *Server) sendZip(c *fiber.Ctx, name string, timeout time.Duration, write func(ctx context.Context, w io.Writer) error) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
	defer cancel()
	if a, ok := c.Locals(localActor).(portal.Actor); ok {
		ctx = portal.WithActor(ctx, a)
	}
	f, err := os.CreateTemp("", "relais-*.zip")
	if err != nil {
		return err
	}
	os.Remove(f.Name()) // the open file lives until it is closed
	if err := write(ctx, f); err != nil {
		f.Close()
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return err
	}
	attachment(c, "application/zip", name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStream(f, int(size)) // fasthttp closes f once sent
}

// handleEvidencePublicKey shows the signing key and the keys it replaced,
// so that a bundle signed before a rotation can still be checked.
func (s *Server) handleEvidencePublicKey(c *fiber.Ctx) error {
	if s.deps.Evidence == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Evidence bundles are not configured on this instance.")
	}
	return c.JSON(s.deps.Evidence.PublishedKeys())
}

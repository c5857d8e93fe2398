package banking

import (
	"bytes"
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/relais/relais/portal"
)

// epcMaxQRVersion is the largest QR version EPC069-12 allows.
const epcMaxQRVersion = 13

// newEPCQR encodes an EPC payload at error correction level M, as
// EPC069-12 requires.
func newEPCQR(payload string) (*qrcode.QRCode, error) {
	if !strings.HasPrefix(payload, "BCD\n") {
		return nil, portal.Errorf(portal.EINVALID, "not an EPC payload: build it with EPCPayload")
	}
	if len(payload) > EPCMaxPayloadSize {
		return nil, portal.Errorf(portal.EINVALID, "EPC payload is %d bytes, over the limit of %d", len(payload), EPCMaxPayloadSize)
	}
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("encode EPC QR code: %w", err)
	}
	if q.VersionNumber > epcMaxQRVersion {
		return nil, portal.Errorf(portal.EINVALID, "EPC payload needs QR version %d, over the limit of %d", q.VersionNumber, epcMaxQRVersion)
	}
	return q, nil
}

// EPCQRCodePNG renders an EPC payload (from EPCPayload) as a PNG image of
// size×size pixels, quiet zone included, at error correction level M. A
// size of 300 or more prints well at 3 cm.
func EPCQRCodePNG(payload string, size int) ([]byte, error) {
	if size < 64 || size > 4096 {
		return nil, portal.Errorf(portal.EINVALID, "QR code size must be between 64 and 4096 pixels")
	}
	q, err := newEPCQR(payload)
	if err != nil {
		return nil, err
	}
	png, err := q.PNG(size)
	if err != nil {
		return nil, fmt.Errorf("render EPC QR code: %w", err)
	}
	return png, nil
}

// EPCQRCodeSVG renders an EPC payload as a standalone SVG document whose
// user units are QR modules (a four-module quiet zone included), so it
// scales to any size; the caller sets the displayed width and height.
func EPCQRCodeSVG(payload string) ([]byte, error) {
	q, err := newEPCQR(payload)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap()
	n := len(bm)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

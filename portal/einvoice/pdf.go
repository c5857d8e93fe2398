package einvoice

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// facturXNames are the names the CII XML has in a PDF: Factur-X 1.0
// (factur-x.xml), ZUGFeRD 2.0 (zugferd-invoice.xml, ZUGFeRD 2.1 and later
// use factur-x.xml), the XRechnung profile (xrechnung.xml), ZUGFeRD 1
// (ZUGFeRD-invoice.xml, CII 1 which is not read: its root is refused).
var facturXNames = []string{"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"}

// pdfReadTimeout bounds the time pdfcpu spends on one PDF.
const pdfReadTimeout = 10 * time.Second

// pdfcpu keeps its configuration in a directory it creates under the
// user's configuration directory unless told not to; Relais never wants
// that (a read-only container, one process per many tenants).
var disableConfigDir sync.Once

// parsePDF finds the CII XML a Factur-X / ZUGFeRD PDF carries and reads it.
// pdfcpu reads the PDF's structure; before that, the PDF's streams are
// inflated once through a limit, so that a small PDF whose object streams
// or attachment inflate to gigabytes is refused before pdfcpu holds them in
// memory. Encrypted PDFs (which PDF/A forbids) and the LZW and RunLength
// filters, which inflate without that check, are refused.
func parsePDF(data []byte) (doc *Document, err error) {
	if err := checkPDFStreams(data); err != nil {
		return nil, err
	}
	xmlData, err := facturXML(data)
	if err != nil {
		return nil, err
	}
	if doc, err = parseXML(xmlData); err != nil {
		return nil, fmt.Errorf("the PDF's embedded invoice: %w", err)
	}
	if doc.Format != FormatCII {
		return nil, fmt.Errorf("the PDF's embedded invoice is not CII: Factur-X carries a CrossIndustryInvoice")
	}
	doc.Format, doc.ContentType = FormatFacturX, "application/pdf"
	return doc, nil
}

// facturXML returns the embedded CII file of a PDF.
func facturXML(data []byte) (out []byte, err error) {
	// pdfcpu is not built for hostile input: a panic deep in it is a bad
	// file, not a crash of the import.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("the PDF cannot be read (malformed)")
		}
	}()
	disableConfigDir.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, cancel := context.WithTimeout(context.Background(), pdfReadTimeout)
	defer cancel()
	pc, err := pdfcpu.ReadWithContext(ctx, bytes.NewReader(data), conf)
	if err != nil {
		return nil, fmt.Errorf("the PDF cannot be read: %s", short(firstLine(err.Error())))
	}
	if pc.XRefTable.Encrypt != nil {
		return nil, fmt.Errorf("the PDF is encrypted: a Factur-X PDF (PDF/A-3) never is")
	}
	// Validation (relaxed) is what builds the name trees the attachments
	// are listed in.
	if err := api.ValidateContext(pc); err != nil {
		return nil, fmt.Errorf("the PDF is not valid: %s", short(firstLine(err.Error())))
	}
	stubs, err := pc.ListAttachments()
	if err != nil {
		return nil, fmt.Errorf("the PDF's attachments cannot be read: %s", short(firstLine(err.Error())))
	}
	id := ""
	for _, want := range facturXNames {
		for _, a := range stubs {
			if strings.EqualFold(a.FileName, want) || strings.EqualFold(a.ID, want) {
				id = a.ID
				break
			}
		}
		if id != "" {
			break
		}
	}
	if id == "" {
		names := make([]string, 0, len(stubs))
		for _, a := range stubs {
			names = append(names, short(a.FileName))
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("the PDF carries no attachment: it is not a Factur-X / ZUGFeRD invoice (send the e-invoice, not a plain PDF)")
		}
		return nil, fmt.Errorf("the PDF carries no factur-x.xml, zugferd-invoice.xml or xrechnung.xml (its attachments: %s)", strings.Join(names, ", "))
	}
	found, err := pc.ExtractAttachments([]string{id})
	if err != nil || len(found) == 0 || found[0].Reader == nil {
		return nil, fmt.Errorf("the PDF's %s cannot be extracted", short(id))
	}
	b, err := io.ReadAll(io.LimitReader(found[0].Reader, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("the PDF's %s cannot be extracted", short(id))
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("the PDF's %s is larger than %d MB", short(id), MaxFileSize>>20)
	}
	return b, nil
}

// checkPDFStreams inflates every zlib stream of the PDF into nothing,
// counting the bytes, and refuses the PDF past maxPDFInflated. Stream
// objects are never inside object streams (ISO 32000-1, 7.5.7): their
// "stream" keyword is always in the file's bytes.
func checkPDFStreams(data []byte) error {
	if bytes.Contains(data, []byte("/Encrypt")) {
		return fmt.Errorf("the PDF is encrypted: a Factur-X PDF (PDF/A-3) never is")
	}
	for _, f := range []string{"/LZWDecode", "/RunLengthDecode", "/LZW ", "/RL "} {
		if bytes.Contains(data, []byte(f)) {
			return fmt.Errorf("the PDF uses the %s filter, which a Factur-X PDF (PDF/A-3) does not need: it is refused", strings.TrimSpace(f[1:]))
		}
	}
	budget := int64(maxPDFInflated)
	for rest := data; ; {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			return nil
		}
		start := i + len("stream")
		rest = rest[start:]
		switch {
		case bytes.HasPrefix(rest, []byte("\r\n")):
			rest = rest[2:]
		case bytes.HasPrefix(rest, []byte("\n")), bytes.HasPrefix(rest, []byte("\r")):
			rest = rest[1:]
		default:
			continue // "endstream", or the word in text
		}
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			continue // not Flate: stored as is, nothing to inflate
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(zr, budget+1))
		zr.Close()
		budget -= n
		if budget < 0 {
			return fmt.Errorf("the PDF's contents inflate to more than %d MB: it is refused", maxPDFInflated>>20)
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

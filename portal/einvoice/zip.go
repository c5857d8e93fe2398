package einvoice

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// parseZip reads every e-invoice of a zip. Sizes stated in the zip's
// directory are not trusted: each entry is read through a limit, and so is
// the sum of all.
func parseZip(name string, data []byte) ([]*Document, Errors) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, Errors{{File: name, Message: "the zip cannot be read: " + short(err.Error())}}
	}
	var files []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || skippedEntry(f.Name) {
			continue
		}
		files = append(files, f)
	}
	if len(files) > MaxZipFiles {
		return nil, Errors{{File: name, Message: fmt.Sprintf("the zip holds %d files, more than %d: split it", len(files), MaxZipFiles)}}
	}
	if len(files) == 0 {
		return nil, Errors{{File: name, Message: "the zip holds no file"}}
	}
	var (
		docs     []*Document
		errs     Errors
		inflated int64
		seen     = map[string]bool{}
	)
	for _, f := range files {
		entry := cleanName(name + "/" + f.Name)
		if seen[entry] {
			errs = append(errs, FileError{File: entry, Message: "the zip holds two files of this name"})
			continue
		}
		seen[entry] = true
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".xml", ".pdf":
		default:
			errs = append(errs, FileError{File: entry, Message: "not an e-invoice: a zip may hold .xml (UBL, CII) and .pdf (Factur-X) files only"})
			continue
		}
		b, err := readEntry(f, MaxFileSize)
		if err != nil {
			errs = append(errs, FileError{File: entry, Message: err.Error()})
			continue
		}
		inflated += int64(len(b))
		if inflated > MaxZipInflated {
			return nil, append(errs, FileError{File: name, Message: fmt.Sprintf("the zip's files come to more than %d MB: split it", MaxZipInflated>>20)}).sorted()
		}
		doc, err := parseFile(entry, b)
		if err != nil {
			errs = append(errs, FileError{File: entry, Message: err.Error()})
			continue
		}
		docs = append(docs, doc)
	}
	if errs != nil {
		return nil, errs.sorted()
	}
	return docs, nil
}

// skippedEntry are the files archivers add beside the ones chosen.
func skippedEntry(name string) bool {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	return strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(base, ".") || base == "Thumbs.db"
}

// readEntry inflates one entry, at most max bytes.
func readEntry(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("the file cannot be read from the zip: %s", short(err.Error()))
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("the file cannot be read from the zip: %s", short(err.Error()))
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("the file is larger than %d MB once unzipped", max>>20)
	}
	return b, nil
}

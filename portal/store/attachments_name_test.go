package store

import "testing"

// A debtor's file is named in bundles and exports from the type read from
// its content; the name the debtor gave keeps only a harmless stem.
func TestStoredFileName(t *testing.T) {
	for _, tt := range []struct{ name, typ, want string }{
		{"facture mars.pdf", "application/pdf", "facture-mars.pdf"},
		{"proof.pdf.bat", "application/pdf", "proof.pdf"},
		{"receipt.hta", "application/pdf", "receipt.pdf"},
		{"\u202efdp.exe", "application/pdf", "fdp.pdf"}, // right-to-left override: shows as "exe.pdf"
		{"photo\u2066.png", "image/png", "photo.png"},
		{"CON.pdf", "application/pdf", "_CON.pdf"},
		{"lpt1", "image/jpeg", "_lpt1.jpg"},
		{"COM10.pdf", "application/pdf", "COM10.pdf"},
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{"a/b\\c:d.png", "image/png", "c_d.png"},
		{".htaccess", "image/png", "htaccess.png"},
		{"", "application/pdf", "file.pdf"},
		{"scan", "application/octet-stream", "scan.bin"},
		{"Überweisung_Zahlung-2024", "image/jpeg", "Überweisung_Zahlung-2024.jpg"},
	} {
		if got := storedFileName(tt.name, tt.typ); got != tt.want {
			t.Errorf("storedFileName(%q, %q) = %q, want %q", tt.name, tt.typ, got, tt.want)
		}
	}
}

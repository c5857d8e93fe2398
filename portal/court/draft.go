package court

import (
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
)

// A court document is final only when it is recorded (Record): the file
// stored with the claim, its SHA-256 in court.document_made. Made without
// being recorded (the GET routes, the console's previews, relais court
// without --record) it is a draft: Draft marks every page, so that a
// preview cannot be taken for the copy to file.

// draftWords are the draft's mark in each document's language: its
// heading, the line under it, and the prefix of its file name.
var draftWords = map[string][3]string{
	"fr": {"PROJET — non enregistré · ne pas déposer",
		"Aperçu : ce document n'est pas enregistré comme preuve. L'exemplaire à déposer est celui que Relais enregistre (événement court.document_made, avec son SHA-256).",
		"projet-"},
	"nl": {"ONTWERP — niet geregistreerd · niet indienen",
		"Voorbeeld: dit document is niet als bewijs geregistreerd. In te dienen is het exemplaar dat Relais registreert (gebeurtenis court.document_made, met zijn SHA-256).",
		"ontwerp-"},
	"en": {"DRAFT — not recorded · do not file",
		"Preview: this document is not recorded as evidence. The copy to file is the one Relais records (event court.document_made, with its SHA-256).",
		"draft-"},
}

// DraftMark is the heading a draft carries on every page, in lang ("fr",
// "nl", "en"; another language is French).
func DraftMark(lang string) string { return draftOf(lang)[0] }

func draftOf(lang string) [3]string {
	if w, ok := draftWords[lang]; ok {
		return w
	}
	return draftWords["fr"]
}

// draftLanguage is the language of a document's draft mark: the court's
// for the French and Belgian files, English for the Form A worksheet.
func draftLanguage(kind string, c *portal.Claim) string {
	switch kind {
	case portal.FileCourtFormA:
		return "en"
	case portal.FileCourtBEFile:
		return evidence.CourtLanguage(c)
	}
	return "fr"
}

// markDraft prints the draft's mark in the top margin of every page, in
// red, and frames the page in red; set before the first page. It draws
// no text over the document's.
func (d *frDoc) markDraft(lang string) {
	w := draftOf(lang)
	d.SetHeaderFunc(func() {
		pw, ph := d.GetPageSize()
		x, y := d.GetXY()
		d.SetDrawColor(200, 0, 0)
		d.SetLineWidth(0.8)
		d.Rect(5, 4, pw-10, ph-8, "D")
		d.SetTextColor(200, 0, 0)
		d.SetXY(18, 6)
		d.Font("B", 10)
		d.CellFormat(pw-36, 4.5, d.Str(w[0]), "", 1, "C", false, 0, "")
		d.SetX(18)
		d.Font("", 6.5)
		d.MultiCell(pw-36, 3, d.Str(w[1]), "", "C", false)
		d.SetTextColor(0, 0, 0)
		d.SetDrawColor(0, 0, 0)
		d.SetLineWidth(0.2)
		d.SetXY(x, y)
	})
}

// draftName is a draft's file name: the document's, after the mark's
// prefix ("projet-requete-injonction-….pdf").
func draftName(lang, name string) string {
	p := draftOf(lang)[2]
	if strings.HasPrefix(name, p) {
		return name
	}
	return p + name
}

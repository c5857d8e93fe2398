// Package static embeds the browser assets (CSS, the small vanilla
// JavaScript of the live chat, images) served under /static/. Pages load
// nothing else: no third-party script, font or style.
package static

import "embed"

// FS holds css/, js/ and img/.
//
//go:embed css js img
var FS embed.FS

// Package evidence makes and checks court evidence bundles: a zip holding a
// claim's whole event chain (events.jsonl), a human-readable dossier
// (dossier.pdf), the claim's files (attachments/), a manifest of every
// file's SHA-256 with the chain head signed by the instance's Ed25519 key
// (manifest.json), an offline checker (verify.html) and instructions
// (README.txt).
//
// The same VerifyBundle backs `relais verify` and the tests; verify.html
// re-implements it in the browser with WebCrypto.
//
// The package imports no Fiber, GORM or driver: it reads claims and events
// through Source and files through portal.AttachmentSource.
package evidence

// Package journey holds the end-to-end journey test: a creditor, debtors
// and an agent meet Relais in headless Chromium, on PostgreSQL (the
// creditor's day, TestCreditorDay, on SQLite too) and
// stripe-mock, through a real server on a random port. The package has no
// code of its own; see journey_test.go. Run it with
//
//	go test ./server/journey -run TestJourney -v
//
// Screenshots go to $RELAIS_ARTIFACTS (default artifacts/journey at the
// top of the repository); axe-core comes from scripts/fetch-axe.
package journey

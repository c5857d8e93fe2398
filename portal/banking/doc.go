// Package banking holds the pure code Relais needs for bank transfers:
// IBAN and BIC checks, Belgian structured communications
// (+++123/4567/89012+++), ISO 11649 RF creditor references, the EPC069-12
// "SEPA QR" payload and its QR image, bank statement parsing (ISO 20022
// camt.053 and a simple CSV format) and the matching of statement lines to
// open claims.
//
// Nothing here touches a database, the network or the clock. Errors are
// *portal.Error values with code portal.EINVALID (or portal.ETOOLARGE for
// oversized statements), so the HTTP layer can show their message as is.
package banking

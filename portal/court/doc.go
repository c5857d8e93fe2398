// Package court turns a claim and its evidence bundle into the documents a
// creditor files in court, in the court's language, so that nothing already
// proven has to be typed again:
//
//   - France, the requête en injonction de payer (Code de procédure civile
//     1405-1407) with its bordereau de pièces: the parties with their
//     identifiers, the court chosen from the debtor's address (CPC 1406),
//     the amount with its breakdown taken from rules.Balance (the same
//     computation as the portal, the letters and the dossier), the basis
//     of the claim, and the numbered exhibits, each with the SHA-256 the
//     evidence bundle's manifest gives its file (or, for a fact recorded in
//     the chain, the event's hash), so that the court file and a bundle made
//     at the same chain head prove each other;
//   - the European order for payment's Form A (Regulation 1896/2006) for a
//     debtor in another member state, as data and a worksheet PDF;
//   - Belgium: the file for the recovery of an uncontested debt between
//     enterprises (Code judiciaire 1394/20) or a consumer summons file with
//     the Book XIX steps proven, in the court's language.
//
// What Relais does not know (the creditor's legal form when its name does
// not say it, its legal representative, the RCS registry town, the exact
// court's address, the signature) is printed as a field to complete by
// hand and listed in docs/court.md. A claim that cannot go to court yet is
// refused with the reason (portal.Error): not French, wrong stage, an open
// dispute, the notice period still running, data missing (each field
// named).
//
// Rendering is pure and deterministic (dated by the day of issue, sorted
// catalogue); Service gathers the inputs from the stores.
package court

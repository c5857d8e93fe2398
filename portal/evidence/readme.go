package evidence

import (
	"fmt"
	"strings"

	"github.com/relais/relais/portal"
)

// readme returns README.txt in the language of the claim's jurisdiction:
// French for France, French and Dutch for Belgium. Lines end with CRLF so
// that every text editor shows them.
func readme(c *portal.Claim, h Head, fingerprint string) string {
	var parts []string
	parts = append(parts, fmt.Sprintf(readmeFR, c.Reference, c.ID, h.Seq, h.Hash, fingerprint))
	if c.Jurisdiction == portal.JurisdictionBE {
		parts = append(parts, fmt.Sprintf(readmeNL, c.Reference, c.ID, h.Seq, h.Hash, fingerprint))
	}
	return strings.ReplaceAll(strings.Join(parts, "\n\n"), "\n", "\r\n")
}

const readmeFR = `DOSSIER DE PREUVE - créance %s
=====================================================

Ce dossier a été produit par Relais, un portail de recouvrement de créances.
Il contient l'historique complet et infalsifiable de la créance %s.

Contenu
-------
dossier.pdf     le dossier lisible : parties, créance, montants, étapes,
                chronologie, messages échangés, offres, paiements, pièces.
events.jsonl    le journal des événements, un par ligne, dans l'ordre.
                Chaque événement contient l'empreinte (SHA-256) du précédent :
                modifier, supprimer ou déplacer un événement casse la chaîne.
attachments/    les pièces (documents reçus, courriers, accords).
manifest.json   l'empreinte SHA-256 de chaque fichier, le dernier événement
                de la chaîne (n° %d, empreinte %s)
                et la signature Ed25519 de l'instance Relais.
verify.html     une page qui vérifie tout, hors ligne, dans le navigateur.

Comment vérifier
----------------
1. Décompressez l'archive, ouvrez verify.html dans un navigateur récent
   (Chrome, Edge, Firefox, Safari) et choisissez le fichier .zip reçu
   (ou tous les fichiers décompressés). La page indique « intact » ou
   nomme le premier fichier ou événement modifié. Aucune donnée n'est
   envoyée : tout est calculé sur votre ordinateur.
2. Ou, avec le logiciel Relais : relais verify dossier.zip
3. Comparez l'empreinte de la clé publique affichée avec celle que
   l'opérateur publie : %s
   Une signature valide avec cette clé prouve que le journal n'a pas été
   réécrit depuis la production du dossier.

Les données personnelles d'un événement peuvent avoir été effacées à la
demande de la personne concernée (RGPD) : le contenu vaut alors « null »,
mais son empreinte demeure et la chaîne reste vérifiable.
`

const readmeNL = `BEWIJSDOSSIER - vordering %s
=====================================================

Dit dossier werd opgemaakt door Relais, een portaal voor de invordering van
schulden. Het bevat de volledige, onvervalsbare geschiedenis van vordering %s.

Inhoud
------
dossier.pdf     het leesbare dossier: partijen, vordering, bedragen, fasen,
                tijdlijn, uitgewisselde berichten, aanbiedingen, betalingen.
events.jsonl    het logboek van gebeurtenissen, één per regel, in volgorde.
                Elke gebeurtenis bevat de vingerafdruk (SHA-256) van de
                vorige: een gebeurtenis wijzigen, wissen of verplaatsen
                breekt de keten.
attachments/    de stukken (ontvangen documenten, brieven, akkoorden).
manifest.json   de SHA-256 van elk bestand, de laatste gebeurtenis van de
                keten (nr. %d, vingerafdruk %s)
                en de Ed25519-handtekening van de Relais-instantie.
verify.html     een pagina die alles offline in de browser controleert.

Hoe controleren
---------------
1. Pak het archief uit, open verify.html in een recente browser en kies het
   ontvangen .zip-bestand (of alle uitgepakte bestanden). De pagina meldt
   "intact" of noemt het eerste gewijzigde bestand of de eerste gewijzigde
   gebeurtenis. Er worden geen gegevens verzonden.
2. Of met de Relais-software: relais verify dossier.zip
3. Vergelijk de vingerafdruk van de publieke sleutel met die welke de
   beheerder publiceert: %s

Persoonsgegevens van een gebeurtenis kunnen op verzoek van de betrokkene
gewist zijn (AVG): de inhoud is dan "null", maar de vingerafdruk blijft en
de keten blijft controleerbaar.
`

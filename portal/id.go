package portal

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// lastID makes IDs from one process strictly increasing even within one
// millisecond (or under a fixed test clock): the random part of the
// previous ID is incremented, as monotonic ULIDs do.
var lastID struct {
	sync.Mutex
	b [16]byte
}

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns a 26-character, lexically time-ordered identifier (a ULID
// in lower-case Crockford base32): 48 bits of milliseconds then 80 random
// bits. Ordering by ID is ordering by creation, which cursor pagination uses.
func NewID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	lastID.Lock()
	if string(b[:6]) <= string(lastID.b[:6]) {
		// Same or earlier millisecond: continue from the last ID, plus one.
		b = lastID.b
		for i := 15; i >= 6; i-- {
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	lastID.b = b
	lastID.Unlock()
	// 128 bits → 26 base32 digits, most significant first.
	var out strings.Builder
	out.Grow(26)
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		shift := uint(i * 5)
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+5 > 64:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		out.WriteByte(crockford[v&31])
	}
	return out.String()
}

// ValidID reports whether s looks like an ID from NewID; handlers use it to
// answer 404 without a database round trip for garbage.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(crockford, s[i]) < 0 {
			return false
		}
	}
	return true
}

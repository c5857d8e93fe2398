package banking

// mod97 returns the ISO 7064 MOD 97-10 remainder of s, where letters stand
// for two digits (A=10 ... Z=35) as IBAN and RF references require. ok is
// false when s holds anything but digits and upper-case ASCII letters.
func mod97(s string) (rem int, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return 0, false
		}
	}
	return rem, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// compact drops spaces (including no-break spaces and tabs) and upper-cases
// ASCII letters: the electronic form of a printed identifier.
func compact(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch r {
		case ' ', '\t', '\u00a0', '\u202f':
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r < 0x80 {
			b = append(b, byte(r))
		} else {
			b = append(b, string(r)...)
		}
	}
	return string(b)
}

// groupsOf4 prints s in space-separated groups of four characters.
func groupsOf4(s string) string {
	b := make([]byte, 0, len(s)+len(s)/4)
	for i := 0; i < len(s); i++ {
		if i > 0 && i%4 == 0 {
			b = append(b, ' ')
		}
		b = append(b, s[i])
	}
	return string(b)
}

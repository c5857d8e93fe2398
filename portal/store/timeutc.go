package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeUTC stores a time as UTC with microseconds on both databases and reads
// it back identically, which evidence hashes depend on.
type timeUTC time.Time

func (t timeUTC) Time() time.Time { return time.Time(t).UTC() }

func (t timeUTC) Value() (driver.Value, error) {
	return time.Time(t).UTC().Truncate(time.Microsecond), nil
}

func (t *timeUTC) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*t = timeUTC(x.UTC())
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	case nil:
		*t = timeUTC{}
		return nil
	}
	return fmt.Errorf("timeUTC: cannot scan %T", v)
}

func (t *timeUTC) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = timeUTC(v.UTC())
			return nil
		}
	}
	return fmt.Errorf("timeUTC: cannot parse %q", s)
}

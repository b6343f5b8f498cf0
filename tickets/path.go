package tickets

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// Path is a call's way through the IVR, stored as JSON.
type Path []PathStep

// Value implements driver.Valuer.
func (p Path) Value() (driver.Value, error) {
	if p == nil {
		return "[]", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode ivr path: %w", err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (p *Path) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*p = nil
		return nil
	default:
		return fmt.Errorf("scan ivr path from %T", src)
	}
	return json.Unmarshal(b, p)
}

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
	*p = nil
	return scanJSON(src, p)
}

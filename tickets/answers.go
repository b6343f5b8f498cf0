package tickets

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// Answers are the answers a caller gave the IVR or an officer recorded at a follow-up,
// by question: {"fever": "yes", "cough": "no"}. Stored as JSON.
type Answers map[string]string

// Value implements driver.Valuer.
func (a Answers) Value() (driver.Value, error) {
	if a == nil {
		return "{}", nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode answers: %w", err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (a *Answers) Scan(src any) error {
	return scanJSON(src, a)
}

func scanJSON(src, dst any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		return nil
	default:
		return fmt.Errorf("scan JSON from %T", src)
	}
	return json.Unmarshal(b, dst)
}

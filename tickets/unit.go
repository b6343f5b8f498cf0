package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Unit is a commune (xã) or ward (phường) of Huế: the area a ticket or case concerns
// and the level that acts on it.
type Unit struct {
	Code      string     `db:"code"`
	Name      string     `db:"name"`
	Kind      string     `db:"kind"`
	NameASCII string     `db:"name_ascii"`
	Active    bool       `db:"active"`
	CreatedAt *time.Time `db:"created_at"`
	RetiredAt *time.Time `db:"retired_at"`
}

const unitColumns = `code, name, kind, name_ascii, active, created_at, retired_at`

// ListUnits returns the units in force (or all, with retired ones), by name.
func (s *Store) ListUnits(ctx context.Context, includeRetired bool) ([]*Unit, error) {
	q := `SELECT ` + unitColumns + ` FROM units`
	if !includeRetired {
		q += ` WHERE active = 1`
	}
	var list []*Unit
	if err := s.db.SelectContext(ctx, &list, q+` ORDER BY kind, name_ascii`); err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	return list, nil
}

// FindUnit returns one unit by its code.
func (s *Store) FindUnit(ctx context.Context, code string) (*Unit, error) {
	var u Unit
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+unitColumns+` FROM units WHERE code = ?`), code)
	if err != nil {
		return nil, fmt.Errorf("find unit %s: %w", code, notFound(err, "đơn vị "+code))
	}
	return &u, nil
}

// AddUnit adds a unit, as after a change of administrative boundaries. Only an admin may.
func (s *Store) AddUnit(ctx context.Context, actor Actor, u *Unit) error {
	if actor.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Chỉ quản trị viên được thêm đơn vị.")
	}
	u.Code, u.Name = strings.TrimSpace(u.Code), strings.TrimSpace(u.Name)
	if u.Code == "" || u.Name == "" {
		return Errorf(EINVALID, "Đơn vị cần có mã và tên.")
	}
	if u.Kind != "phuong" && u.Kind != "xa" {
		return Errorf(EINVALID, "Loại đơn vị phải là phường hoặc xã.")
	}
	return s.inTx(ctx, func(t *tx) error {
		u.Active, u.CreatedAt, u.NameASCII = true, &t.now, NameKey(u.Name)
		_, err := t.ExecContext(ctx, t.Rebind(`INSERT INTO units (code, name, kind, name_ascii, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), u.Code, u.Name, u.Kind, u.NameASCII, u.Active, u.CreatedAt)
		if err != nil {
			return fmt.Errorf("add unit %s: %w", u.Code, mapConstraint(err))
		}
		return nil
	})
}

// RetireUnit marks a unit as no longer in force; its tickets and cases keep it.
func (s *Store) RetireUnit(ctx context.Context, actor Actor, code string) error {
	if actor.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "Chỉ quản trị viên được ngừng một đơn vị.")
	}
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, t.Rebind(`UPDATE units SET active = 0, retired_at = ? WHERE code = ? AND active = 1`), t.now, code)
		if err != nil {
			return fmt.Errorf("retire unit %s: %w", code, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENOTFOUND, "Không có đơn vị đang hoạt động mã %s.", code)
		}
		return nil
	})
}

// Unit2021 is a commune, ward or township of Thừa Thiên Huế as it was in 2021, with the
// current unit it became part of.
type Unit2021 struct {
	Code           string `db:"code"`
	Name           string `db:"name"`
	Kind           string `db:"kind"`
	DistrictCode   string `db:"district_code"`
	DistrictName   string `db:"district_name"`
	MergedIntoCode string `db:"merged_into_code"`
}

// MapOldUnit returns the current unit that a 2021 unit (by code or by name, as written
// in an old address) is now part of.
func (s *Store) MapOldUnit(ctx context.Context, codeOrName string) (*Unit, *Unit2021, error) {
	var olds []*Unit2021
	key := NameKey(codeOrName)
	err := s.db.SelectContext(ctx, &olds, s.db.Rebind(`SELECT code, name, kind, district_code, district_name, merged_into_code
		FROM units_2021 WHERE code = ?`), codeOrName)
	if err != nil {
		return nil, nil, fmt.Errorf("map old unit: %w", err)
	}
	if len(olds) == 0 {
		var all []*Unit2021
		if err := s.db.SelectContext(ctx, &all, `SELECT code, name, kind, district_code, district_name, merged_into_code FROM units_2021`); err != nil {
			return nil, nil, fmt.Errorf("map old unit: %w", err)
		}
		for _, o := range all {
			if NameKey(o.Name) == key || strings.HasSuffix(NameKey(o.Name), " "+key) {
				olds = append(olds, o)
			}
		}
	}
	switch len(olds) {
	case 0:
		return nil, nil, Errorf(ENOTFOUND, "Không tìm thấy đơn vị cũ %q.", codeOrName)
	case 1:
	default:
		return nil, nil, Errorf(ECONFLICT, "Có %d đơn vị cũ tên %q; hãy dùng mã.", len(olds), codeOrName)
	}
	u, err := s.FindUnit(ctx, olds[0].MergedIntoCode)
	if err != nil {
		return nil, nil, err
	}
	return u, olds[0], nil
}

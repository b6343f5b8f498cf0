package tickets_test

import (
	"context"
	"encoding/csv"
	"os"
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// readCSV reads a reference file of the repository's units data (migrations/data, with
// its sources in SOURCES.md there).
func readCSV(tb testing.TB, name string) []map[string]string {
	tb.Helper()
	f, err := os.Open("../migrations/data/" + name)
	if err != nil {
		tb.Fatalf("reference data: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// The migration's units are exactly the reference data's.
func TestUnitsMatchReferenceData(t *testing.T) {
	ctx := context.Background()
	now := testNow()
	s := openStore(t, &now)
	units, err := s.ListUnits(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	ref := readCSV(t, "hue-units-2025.csv")
	if len(units) != len(ref) || len(units) != 40 {
		t.Fatalf("%d units, reference has %d", len(units), len(ref))
	}
	byCode := map[string]*tickets.Unit{}
	for _, u := range units {
		byCode[u.Code] = u
	}
	for _, r := range ref {
		u := byCode[r["code"]]
		if u == nil || u.Name != r["name"] || u.Kind != r["type"] || u.NameASCII != r["name_ascii"] {
			t.Errorf("unit %s: %+v, reference %v", r["code"], u, r)
		}
	}
	for _, r := range readCSV(t, "hue-units-2021.csv") {
		cur, old, err := s.MapOldUnit(ctx, r["code"])
		if err != nil || cur.Code != r["merged_into_code"] || old.Name != r["name"] {
			t.Errorf("2021 unit %s (%s): %v, %v", r["code"], r["name"], cur, err)
		}
	}
}

func TestMapOldUnitByName(t *testing.T) {
	ctx := context.Background()
	now := testNow()
	s := openStore(t, &now)
	cur, old, err := s.MapOldUnit(ctx, "Phường Tây Lộc")
	if err != nil || cur.Code != "19753" || old.Code != "19750" {
		t.Errorf("Tây Lộc → %v %v %v", cur, old, err)
	}
	if _, _, err := s.MapOldUnit(ctx, "tay loc"); err != nil {
		t.Errorf("without accents: %v", err)
	}
	if _, _, err := s.MapOldUnit(ctx, "Atlantis"); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("unknown: %v", err)
	}
}

func TestAddAndRetireUnit(t *testing.T) {
	ctx := context.Background()
	now := testNow()
	s := openStore(t, &now)
	admin := tickets.Actor{Name: "admin", Role: tickets.RoleAdmin}
	agent := tickets.Actor{Name: "a", Role: tickets.RoleAgent}
	u := &tickets.Unit{Code: "99999", Name: "Phường Thử Nghiệm", Kind: "phuong"}
	if err := s.AddUnit(ctx, agent, u); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
		t.Errorf("agent adds a unit: %v", err)
	}
	if err := s.AddUnit(ctx, admin, u); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUnit(ctx, admin, &tickets.Unit{Code: "99999", Name: "X", Kind: "xa"}); tickets.ErrorCode(err) != tickets.ECONFLICT {
		t.Errorf("duplicate code: %v", err)
	}
	if err := s.RetireUnit(ctx, admin, "99999"); err != nil {
		t.Fatal(err)
	}
	active, _ := s.ListUnits(ctx, false)
	all, _ := s.ListUnits(ctx, true)
	if len(active) != 40 || len(all) != 41 {
		t.Errorf("%d active, %d in all", len(active), len(all))
	}
	if err := s.RetireUnit(ctx, admin, "99999"); tickets.ErrorCode(err) != tickets.ENOTFOUND {
		t.Errorf("retire twice: %v", err)
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	now := testNow()
	s := openStore(t, &now)
	shell := tickets.ActorSystem // `hotline users add` on the shell: at once; an admin's path is TestAdminUserChangesChecked
	u := &tickets.User{Username: "lan", DisplayName: "Lan", Role: tickets.RoleAgent}
	if err := s.CreateUser(ctx, shell, u, "mật khẩu đủ dài"); err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash == "" || u.PasswordHash == "mật khẩu đủ dài" {
		t.Errorf("password stored as %q", u.PasswordHash)
	}
	if got, err := s.Authenticate(ctx, "lan", "mật khẩu đủ dài"); err != nil || got.ID != u.ID {
		t.Errorf("Authenticate: %v", err)
	}
	for _, pw := range []string{"sai", ""} {
		if _, err := s.Authenticate(ctx, "lan", pw); tickets.ErrorCode(err) != tickets.EFORBIDDEN {
			t.Errorf("wrong password: %v", err)
		}
	}
	_, errUser := s.Authenticate(ctx, "nobody", "mật khẩu đủ dài")
	_, errPass := s.Authenticate(ctx, "lan", "wrong password")
	if tickets.ErrorMessage(errUser) != tickets.ErrorMessage(errPass) {
		t.Error("an unknown user and a wrong password give different messages")
	}
	for name, tc := range map[string]struct {
		actor tickets.Actor
		u     *tickets.User
		pw    string
		code  string
	}{
		"agent creates":        {tickets.Actor{Role: tickets.RoleAgent}, &tickets.User{Username: "x", Role: tickets.RoleAgent}, "long enough pw", tickets.EFORBIDDEN},
		"short password":       {shell, &tickets.User{Username: "x", Role: tickets.RoleAgent}, "short", tickets.EINVALID},
		"officer without unit": {shell, &tickets.User{Username: "x", Role: tickets.RoleOfficer}, "long enough pw", tickets.EINVALID},
		"agent with unit":      {shell, &tickets.User{Username: "x", Role: tickets.RoleAgent, UnitCode: ptr(phuXuan)}, "long enough pw", tickets.EINVALID},
		"unknown role":         {shell, &tickets.User{Username: "x", Role: "king"}, "long enough pw", tickets.EINVALID},
		"taken name":           {shell, &tickets.User{Username: "lan", Role: tickets.RoleAgent}, "long enough pw", tickets.ECONFLICT},
		"unknown unit":         {shell, &tickets.User{Username: "y", Role: tickets.RoleOfficer, UnitCode: ptr("00000")}, "long enough pw", tickets.EINVALID},
	} {
		if err := s.CreateUser(ctx, tc.actor, tc.u, tc.pw); tickets.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
}

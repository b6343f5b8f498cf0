package tickets_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// A night's backup is claimed once: a second hotline is refused while the claim is
// fresh, takes over a claim left unfinished for longer than staleAfter, and nobody takes
// a finished one again.
func TestClaimBackup(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	claim := func(day string) bool {
		t.Helper()
		ok, err := s.ClaimBackup(ctx, day, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	steps := []struct {
		name    string
		advance time.Duration
		day     string
		want    bool
	}{
		{"first", 0, "2026-12-08", true},
		{"claimed", 10 * time.Minute, "2026-12-08", false},
		{"another day", 0, "2026-12-09", true},
		{"stale", time.Hour, "2026-12-08", true},
		{"taken over", time.Minute, "2026-12-08", false},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		if got := claim(st.day); got != st.want {
			t.Errorf("%s: claim %s = %v, want %v", st.name, st.day, got, st.want)
		}
	}
	if err := s.FinishBackup(ctx, "2026-12-08", "hotline-2026-12-08.age", 1234); err != nil {
		t.Fatal(err)
	}
	now = now.Add(24 * time.Hour)
	if claim("2026-12-08") {
		t.Error("a finished backup claimed again")
	}
	if !claim("2026-12-09") {
		t.Error("a stale unfinished claim of another day not taken over")
	}
}

// CopyDatabase makes a SQLite file with the rows committed, its migrations listed, and
// refuses to write over a file.
func TestCopyDatabase(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	if _, err := s.ClaimBackup(ctx, "2026-12-08", time.Hour); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	c, err := s.CopyDatabase(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Migrations) == 0 || c.Pages == 0 {
		t.Errorf("copy: %+v", c)
	}
	if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("copy's file: %v %v", st, err)
	}
	cp, err := tickets.OpenStore(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	cp.Now = func() time.Time { return now }
	if ok, err := cp.ClaimBackup(ctx, "2026-12-08", time.Hour); err != nil || ok {
		t.Errorf("the copy lacks the claim committed before it: %v %v", ok, err)
	}
	if _, err := s.CopyDatabase(ctx, dst); err == nil {
		t.Error("a copy written over an existing file")
	}
}

// A store opened AsFound changes nothing of the database: no migration is applied.
func TestOpenStoreAsFound(t *testing.T) {
	ctx := context.Background()
	s, err := tickets.OpenStore(ctx, filepath.Join(t.TempDir(), "empty.db"), tickets.AsFound())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a database opened as found has %d tables (%v), want none", n, err)
	}
	if _, err := s.CopyDatabase(ctx, filepath.Join(t.TempDir(), "copy.db")); err == nil {
		t.Error("a copy of a database that is not the hotline's accepted")
	}
}

package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/huehotline/hotline/backup"
	"github.com/huehotline/hotline/tickets"
)

// The nightly backup is written once a night after its time, Huế time, keeps the last
// HOTLINE_BACKUP_KEEP archives (leaving a backup made by hand alone), and logs counts
// and sizes, never a number.
func TestNightlyBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hotline.db")
	store, err := tickets.OpenStore(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC) // 01:00 on the 8th in Huế
	store.Now = func() time.Time { return now }
	n := "+84905123456"
	if err := store.SaveCall(ctx, &tickets.Call{ID: "c1", ChannelID: "c1", StartedAt: now, CallerNumber: &n, Outcome: tickets.OutcomeInformation}); err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	out := filepath.Join(dir, "backups")
	cfg, err := parseNightlyBackup(out, id.Recipient().String(), "02:00", "2")
	if err != nil {
		t.Fatal(err)
	}
	cfg.folders = backupFolders(dbPath, "", "", "")
	os.WriteFile(filepath.Join(out, "hotline-2026-12-01-120000.age"), []byte("made by hand"), 0o600)
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	archives := func() []string {
		files, _ := filepath.Glob(filepath.Join(out, "*"))
		var names []string
		for _, f := range files {
			names = append(names, filepath.Base(f))
		}
		return names
	}
	for _, step := range []struct {
		at   time.Time
		want string
	}{
		{now, "hotline-2026-12-01-120000.age"}, // before 02:00: nothing yet
		{now.Add(90 * time.Minute), "hotline-2026-12-01-120000.age hotline-2026-12-08.age"},
		{now.Add(3 * time.Hour), "hotline-2026-12-01-120000.age hotline-2026-12-08.age"}, // once a night
		{now.Add(25 * time.Hour), "hotline-2026-12-01-120000.age hotline-2026-12-08.age hotline-2026-12-09.age"},
		{now.Add(49 * time.Hour), "hotline-2026-12-01-120000.age hotline-2026-12-09.age hotline-2026-12-10.age"},
	} {
		now = step.at
		if err := backupDue(ctx, store, *cfg, log); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(archives(), " "); got != step.want {
			t.Errorf("at %s: %s, want %s", now.In(tickets.Local).Format("01-02 15:04"), got, step.want)
		}
	}
	m, err := backup.Check(filepath.Join(out, "hotline-2026-12-10.age"), []age.Identity{id})
	if err != nil || len(m.Files) != 1 {
		t.Errorf("the last nightly backup: %+v, %v", m, err)
	}
	if got := strings.Count(logged.String(), `msg="nightly backup written"`); got != 3 || strings.Contains(logged.String(), "905123456") {
		t.Errorf("log: %d backups logged, want 3:\n%s", got, logged.String())
	}
	if _, err := parseNightlyBackup(out, "", "02:00", "2"); err == nil || strings.Count(err.Error(), ". ") > 1 {
		t.Errorf("a nightly backup without a recipient: %v, want one sentence", err)
	}
}

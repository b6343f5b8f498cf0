package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/tickets"
)

// The spool's purge deletes only the old reports the database holds (replayed) and old
// temporary files; a report still waiting for the database stays, however old, and so
// does a young one.
func TestSpoolPurge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := tickets.OpenStore(ctx, filepath.Join(dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { return now }
	spool := filepath.Join(dir, "spool")
	sp := &ivr.Spool{Dir: spool}
	for _, id := range []string{"replayed-old", "waiting-old", "replayed-young"} {
		if err := sp.Put(&tickets.CallReport{Call: tickets.Call{ID: id, ChannelID: id, StartedAt: now}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"replayed-old", "replayed-young"} {
		end := now.Add(time.Minute)
		if err := store.SaveCall(ctx, &tickets.Call{ID: id, ChannelID: id, StartedAt: now, EndedAt: &end, Outcome: tickets.OutcomeInformation}); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(spool, "cut.123.part"), []byte("{"), 0o600)
	old := now.AddDate(0, 0, -40)
	for _, name := range []string{"replayed-old.json", "waiting-old.json", "cut.123.part"} {
		os.Chtimes(filepath.Join(spool, name), old, old)
	}
	purge := spoolPurger(store, spool)
	if n, err := purge(ctx, now.AddDate(0, 0, -30), true); err != nil || n != 2 {
		t.Fatalf("dry run = %d, %v; want 2", n, err)
	}
	if n, err := purge(ctx, now.AddDate(0, 0, -30), false); err != nil || n != 2 {
		t.Fatalf("purge = %d, %v; want 2", n, err)
	}
	if n, err := purge(ctx, now.AddDate(0, 0, -30), false); err != nil || n != 0 {
		t.Fatalf("second purge = %d, %v; want 0", n, err)
	}
	var left []string
	entries, _ := os.ReadDir(spool)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if got, want := strings.Join(left, " "), "replayed-young.json waiting-old.json"; got != want {
		t.Errorf("spool after the purge = %s, want %s", got, want)
	}
}

// The nightly purge runs once a night, claimed in the database, and logs its counts by
// kind, never what it purged.
func TestPurgeNight(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := tickets.OpenStore(ctx, filepath.Join(dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2024, 3, 5, 3, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { return now }
	recordings := filepath.Join(dir, "recordings")
	os.MkdirAll(recordings, 0o750)
	os.WriteFile(filepath.Join(recordings, "m.wav"), []byte("RIFF"), 0o600)
	if err := store.AddRecording(ctx, &tickets.Recording{Kind: tickets.RecordingVoiceMessage, Path: "m.wav"}); err != nil {
		t.Fatal(err)
	}
	phone := "+84905123456"
	if err := store.LogAccess(ctx, tickets.ActorSystem, &tickets.Access{Action: tickets.AccessTicketPhone, Subject: "HL-240001",
		Phone: &phone}); err != nil {
		t.Fatal(err)
	}
	now = now.AddDate(0, 0, 91)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for range 2 {
		if err := purgeNight(ctx, store, tickets.Day(now), recordings, filepath.Join(dir, "spool"), log); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(logs.String(), "nightly purge"); got != 1 {
		t.Errorf("%d nightly purges logged, want 1 (the second finds the night claimed):\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "voice_messages=1") || !strings.Contains(logs.String(), "access_log=0") {
		t.Errorf("log does not count by kind:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "905123456") || strings.Contains(logs.String(), "m.wav") {
		t.Errorf("log shows what was purged:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(recordings, "m.wav")); !os.IsNotExist(err) {
		t.Errorf("voice message file: %v, want gone", err)
	}
}

// `hotline purge --dry-run` counts and changes nothing; `hotline purge` purges and
// records a run from the shell.
func TestRunPurge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "hotline.db")
	store, err := tickets.OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.DB().Exec(`INSERT INTO login_failures (username, at) VALUES ('an', ?)`, time.Now().UTC().AddDate(0, 0, -40)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runPurge([]string{"-db", db, "--dry-run"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dry run") || !strings.Contains(out.String(), "login_failures  1") {
		t.Errorf("dry run said:\n%s", out.String())
	}
	out.Reset()
	if err := runPurge([]string{"-db", db}, io.Writer(&out)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "login_failures  1") {
		t.Errorf("purge said:\n%s", out.String())
	}
	runs, err := store.PurgeRuns(ctx, tickets.ActorSystem, 10)
	if err != nil || len(runs) != 1 || runs[0].Source != "shell" || runs[0].Counts[tickets.RetainLoginFailures] != 1 {
		t.Errorf("runs = %+v, %v; want the shell's one", runs, err)
	}
	t.Run("BesideMigrate", func(t *testing.T) {
		use, err := takeDatabase(db, "migrate")
		if err != nil {
			t.Fatal(err)
		}
		defer use.Close()
		err = runPurge([]string{"-db", db}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "migrate") {
			t.Errorf("purge beside migrate = %v, want refused naming migrate", err)
		}
	})
}

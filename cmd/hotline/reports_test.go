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

	"github.com/huehotline/hotline/tickets"
)

// The freezing job writes each ended day's CSV and PDF once, catching up on missed days.
func TestFreezeReportsWritesFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := tickets.OpenStore(ctx, filepath.Join(dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2021, 8, 9, 2, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { return now }
	if err := store.SaveCall(ctx, &tickets.Call{ID: "c1", ChannelID: "c1", StartedAt: now, Outcome: tickets.OutcomeInformation}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "reports")
	os.MkdirAll(out, 0o700)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now = time.Date(2021, 8, 10, 17, 40, 0, 0, time.UTC) // 00:40 on the 11th in Huế
	for range 2 {                                        // the second run finds nothing to do
		if err := freezeDue(ctx, store, out, 30*time.Minute, log); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	want := []string{"hotline-2021-08-09.csv", "hotline-2021-08-09.pdf", "hotline-2021-08-10.csv", "hotline-2021-08-10.pdf"}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("report files %v, want %v", got, want)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "hotline-2021-08-09.csv"))
	pdf, _ := os.ReadFile(filepath.Join(out, "hotline-2021-08-09.pdf"))
	if !bytes.HasPrefix(csv, []byte("\ufeffsection,key")) || !bytes.Contains(csv, []byte("calls.received,Cuộc gọi đến,1,")) || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("report files' contents: %.200s", csv)
	}
}

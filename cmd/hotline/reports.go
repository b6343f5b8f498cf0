package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// freezeReports freezes each day's report once the day has ended and its grace period
// passed (calls still in progress at midnight count on the day they started), writes
// its CSV and PDF to dir, and catches up on days missed while the hotline was down. It
// looks at start and every five minutes.
func freezeReports(ctx context.Context, store *tickets.Store, dir string, grace time.Duration, log *slog.Logger) {
	for {
		if err := freezeDue(ctx, store, dir, grace, log); err != nil && ctx.Err() == nil {
			log.Error("freeze daily reports", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Minute):
		}
	}
}

func freezeDue(ctx context.Context, store *tickets.Store, dir string, grace time.Duration, log *slog.Logger) error {
	days, err := store.DaysToFreeze(ctx, store.Now(), grace, 60)
	if err != nil {
		return err
	}
	units, err := store.ListUnits(ctx, false)
	if err != nil {
		return err
	}
	for _, day := range days {
		start := time.Now()
		snap, err := store.FreezeDay(ctx, day)
		if err != nil {
			return err
		}
		if err := writeReportFiles(dir, web.FrozenReport(snap, units)); err != nil {
			return err
		}
		log.Info("daily report frozen", "day", day, "took_ms", time.Since(start).Milliseconds())
	}
	return nil
}

// writeReportFiles writes a frozen day's CSV and PDF, each through a temporary file
// renamed into place, so a reader never sees half a file.
func writeReportFiles(dir string, d *web.ReportData) error {
	pdf, err := web.ReportPDF(d)
	if err != nil {
		return err
	}
	name := filepath.Join(dir, "hotline-"+d.Day)
	if err := writeAtomic(name+".pdf", func(f *os.File) error { _, err := f.Write(pdf); return err }); err != nil {
		return err
	}
	return writeAtomic(name+".csv", func(f *os.File) error { return web.WriteReportCSV(f, d) })
}

func writeAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("report file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

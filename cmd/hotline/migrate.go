package main

import (
	"context"
	"flag"
	"fmt"

	_ "github.com/mattn/go-sqlite3"

	"github.com/huehotline/hotline/tickets"
)

func runMigrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dbPath := fs.String("db", env("HOTLINE_DB", "./data/hotline.db"), "SQLite database file (HOTLINE_DB)")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	ctx := context.Background()
	store, err := tickets.OpenStore(ctx, *dbPath)
	if err != nil {
		return settingErrorf("HOTLINE_DB %q cannot be used: %v.", *dbPath, err)
	}
	defer store.Close()
	fmt.Printf("database %s is up to date\n", *dbPath)
	return nil
}

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
	use, err := takeDatabase(*dbPath, "migrate")
	if err != nil {
		return err
	}
	defer use.Close()
	store, err := openStore(context.Background(), *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Printf("database %s is up to date\n", *dbPath)
	return nil
}

// openStore opens the database at HOTLINE_DB (migrating it), or says which setting to fix.
func openStore(ctx context.Context, path string, opts ...tickets.Option) (*tickets.Store, error) {
	store, err := tickets.OpenStore(ctx, path, opts...)
	if err != nil {
		return nil, settingErrorf("HOTLINE_DB %q cannot be used: %v.", path, err)
	}
	return store, nil
}

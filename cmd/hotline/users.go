package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// runUsers manages the console's users from the command line:
//
//	hotline users add USERNAME --role agent|supervisor|officer|admin [--unit CODE] [--phone PJSIP/agent101]
//
// reads the password as one line on standard input (so it is in no shell history or
// process list), migrating the database first if it is new.
func runUsers(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return settingErrorf("usage: hotline users add USERNAME --role agent|supervisor|officer|admin [--unit CODE] [--phone PJSIP/agent101] (the password on standard input)")
	}
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	dbPath := fs.String("db", env("HOTLINE_DB", "./data/hotline.db"), "SQLite database file (HOTLINE_DB)")
	role := fs.String("role", "", "agent, supervisor, officer or admin")
	unit := fs.String("unit", "", "the ward or commune's code, for an officer (19753)")
	phone := fs.String("phone", "", "the agent's phone as Asterisk dials it (PJSIP/agent101)")
	name := fs.String("name", "", "the name shown in the console")
	// The user name comes first, the flags after it.
	rest := args[1:]
	if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
		return settingErrorf("name the user: hotline users add USERNAME --role ...")
	}
	username := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return settingErrorf("%v", err)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return settingErrorf("give the password as one line on standard input (echo 'a long password' | hotline users add ...).")
	}
	ctx := context.Background()
	store, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	u := &tickets.User{Username: username, DisplayName: *name, Role: *role, Phone: *phone}
	if *unit != "" {
		u.UnitCode = unit
	}
	if err := store.CreateUser(ctx, tickets.ActorSystem, u, password); err != nil {
		if code := tickets.ErrorCode(err); code == tickets.EINVALID || code == tickets.ECONFLICT {
			return settingErrorf("%s", tickets.ErrorMessage(err)) // says so; nothing changed
		}
		return err
	}
	fmt.Fprintf(stdout, "user %s added (%s)\n", u.Username, tickets.RoleLabel(u.Role).En)
	return nil
}

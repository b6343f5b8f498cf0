// Command hotline is the 1900 1075 public-health hotline: the Asterisk ARI application
// that answers calls, the call-centre console, and the tools around them.
//
//	hotline serve      answer calls and serve the console
//	hotline migrate    create or upgrade the database
//	hotline testcall   place a real test call through Asterisk into the hotline
//	hotline seed       fill a database with an outbreak's worth of generated data
//	hotline load       many scripted callers at once, with reaction times and CPU
//	hotline users add  add a user of the console (the password on standard input)
//	hotline backup     an encrypted copy of the database and its files, made while serving
//	hotline restore    restore a backup into an empty folder
//	hotline purge      remove or anonymise what is past its time in the retention schedule
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	err := run(os.Args[1:])
	var se *settingError
	switch {
	case err == nil:
	case errors.As(err, &se):
		fmt.Fprintln(os.Stderr, "hotline:", se.msg)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "hotline:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return settingErrorf("name a command: serve, migrate, users, backup, restore, purge, testcall, seed or load (hotline COMMAND -h for its settings).")
	}
	switch args[0] {
	case "serve":
		return runServe(args[1:])
	case "migrate":
		return runMigrate(args[1:])
	case "testcall":
		return runTestCall(args[1:])
	case "seed":
		return runSeed(args[1:])
	case "load":
		return runLoad(args[1:])
	case "load-followups":
		return runLoadFollowUps(args[1:])
	case "users":
		return runUsers(args[1:], os.Stdin, os.Stdout)
	case "backup":
		return runBackup(args[1:], os.Stdout)
	case "restore":
		return runRestore(args[1:], os.Stdout)
	case "purge":
		return runPurge(args[1:], os.Stdout)
	case "-h", "--help", "help":
		fmt.Println("usage: hotline serve|migrate|users|backup|restore|purge|testcall|seed|load|load-followups [flags]")
		return nil
	}
	return settingErrorf("unknown command %q: use serve, migrate, users, backup, restore, purge, testcall, seed, load or load-followups.", args[0])
}

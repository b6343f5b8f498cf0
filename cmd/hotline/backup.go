package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"filippo.io/age"

	"github.com/huehotline/hotline/backup"
	"github.com/huehotline/hotline/tickets"
)

// folderFlags registers the folders beside the database that a backup keeps, with
// serve's settings and defaults.
type folderFlags struct {
	db, recordings, reports, spool *string
}

func addFolderFlags(fs *flag.FlagSet) *folderFlags {
	return &folderFlags{
		db:         fs.String("db", env("HOTLINE_DB", "./data/hotline.db"), "SQLite database file (HOTLINE_DB)"),
		recordings: fs.String("recordings", env("HOTLINE_RECORDINGS", ""), "folder of voice messages (HOTLINE_RECORDINGS; default: recordings beside the database)"),
		reports:    fs.String("reports", env("HOTLINE_REPORTS", ""), "folder of the frozen daily reports' files (HOTLINE_REPORTS; default: reports beside the database)"),
		spool:      fs.String("spool", env("HOTLINE_SPOOL", ""), "folder of call reports waiting for the database (HOTLINE_SPOOL; default: spool beside the database)"),
	}
}

// backupFolders are the folders an archive holds, under the names they are restored to
// beside the database (serve's defaults).
func backupFolders(dbPath, recordings, reports, spool string) []backup.Folder {
	or := func(p, name string) string {
		if p == "" {
			return filepath.Join(filepath.Dir(dbPath), name)
		}
		return p
	}
	return []backup.Folder{{Name: "recordings", Path: or(recordings, "recordings")},
		{Name: "reports", Path: or(reports, "reports")}, {Name: "spool", Path: or(spool, "spool")}}
}

// parseInterleaved parses flags given before, between or after the positional
// arguments (hotline backup --check ARCHIVE --identity FILE), and returns the latter.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, settingErrorf("%v", err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// recipientsSetting reads HOTLINE_BACKUP_RECIPIENT, refusing in one sentence without it.
func recipientsSetting(keys string) ([]age.Recipient, error) {
	if keys == "" {
		return nil, settingErrorf("HOTLINE_BACKUP_RECIPIENT is not set: a backup of citizens' data is written only encrypted, to an age public key (age1..., made with age-keygen; keep its secret key away from the hotline's machine).")
	}
	rs, err := backup.ParseRecipients(keys)
	if err != nil {
		return nil, settingErrorf("HOTLINE_BACKUP_RECIPIENT is not an age public key such as age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p (%v).", err)
	}
	return rs, nil
}

// identitySetting reads the identity file (--identity, HOTLINE_BACKUP_IDENTITY).
func identitySetting(file string) ([]age.Identity, error) {
	if file == "" {
		return nil, settingErrorf("give the backup's secret key with --identity FILE (or HOTLINE_BACKUP_IDENTITY): an age identity file (AGE-SECRET-KEY-1...).")
	}
	ids, err := backup.ParseIdentities(file)
	if err != nil {
		return nil, settingErrorf("--identity %q is not an age identity file: %v.", file, err)
	}
	return ids, nil
}

// backupSentence turns the backup's domain errors (a wrong identity, a changed
// archive, a folder not empty) into the command's one sentence.
func backupSentence(err error) error {
	var e *tickets.Error
	if errors.As(err, &e) {
		return settingErrorf("%s", e.Message)
	}
	return err
}

// runBackup writes an encrypted backup (hotline backup DEST), or checks one
// (hotline backup --check ARCHIVE --identity FILE).
func runBackup(args []string, out *os.File) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	folders := addFolderFlags(fs)
	recipient := fs.String("recipient", env("HOTLINE_BACKUP_RECIPIENT", ""), "age public key(s) the backup is encrypted to, comma-separated (HOTLINE_BACKUP_RECIPIENT)")
	check := fs.Bool("check", false, "decrypt ARCHIVE and check every file against its manifest, restoring nothing")
	identity := fs.String("identity", env("HOTLINE_BACKUP_IDENTITY", ""), "age identity file, for --check (HOTLINE_BACKUP_IDENTITY)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return settingErrorf("usage: hotline backup DEST (a new file or a folder), or hotline backup --check ARCHIVE --identity FILE.")
	}
	if *check {
		ids, err := identitySetting(*identity)
		if err != nil {
			return err
		}
		m, err := backup.Check(pos[0], ids)
		if err != nil {
			return backupSentence(err)
		}
		fmt.Fprintf(out, "backup %s is whole: %d files, %d bytes, made %s, schema %s\n", pos[0], len(m.Files), m.Bytes(),
			m.CreatedAt.In(tickets.Local).Format("2006-01-02 15:04"), lastOf(m.Migrations))
		return nil
	}
	rs, err := recipientsSetting(*recipient)
	if err != nil {
		return err
	}
	if _, err := os.Stat(*folders.db); err != nil {
		return settingErrorf("HOTLINE_DB %q cannot be backed up: %v.", *folders.db, err)
	}
	dest := pos[0]
	now := time.Now()
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		dest = filepath.Join(dest, "hotline-"+now.In(tickets.Local).Format("2006-01-02-150405")+".age")
	} else if err == nil {
		return settingErrorf("%s exists: a backup is never written over a file; give a new name or a folder.", dest)
	}
	ctx := context.Background()
	// The database as it is: a backup beside a serving hotline changes nothing of it.
	store, err := openStore(ctx, *folders.db, tickets.AsFound())
	if err != nil {
		return err
	}
	defer store.Close()
	m, err := backup.Write(ctx, dest, rs, backup.Source{Store: store,
		Folders: backupFolders(*folders.db, *folders.recordings, *folders.reports, *folders.spool)}, now)
	if err != nil {
		return err
	}
	st, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backup written: %s, %d files (%d bytes), %d bytes encrypted, schema %s\n", dest, len(m.Files), m.Bytes(), st.Size(), lastOf(m.Migrations))
	return nil
}

// runRestore restores an archive into an empty folder: hotline restore ARCHIVE DIR.
func runRestore(args []string, out *os.File) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	identity := fs.String("identity", env("HOTLINE_BACKUP_IDENTITY", ""), "age identity file (HOTLINE_BACKUP_IDENTITY)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return settingErrorf("usage: hotline restore --identity FILE ARCHIVE DIR (DIR empty or new).")
	}
	ids, err := identitySetting(*identity)
	if err != nil {
		return err
	}
	m, err := backup.Restore(pos[0], ids, pos[1])
	if err != nil {
		return backupSentence(err)
	}
	fmt.Fprintf(out, "restored %d files (%d bytes) into %s: serve it with HOTLINE_DB=%s\n", len(m.Files), m.Bytes(), pos[1],
		filepath.Join(pos[1], backup.DatabaseName))
	return nil
}

func lastOf(names []string) string {
	if len(names) == 0 {
		return "empty"
	}
	return names[len(names)-1]
}

// nightlyBackup is serve's nightly backup (HOTLINE_BACKUP_DIR set).
type nightlyBackup struct {
	dir        string
	recipients []age.Recipient
	at         time.Duration // after local midnight, Huế time
	keep       int           // archives kept
	folders    []backup.Folder
}

// parseNightlyBackup reads the nightly backup's settings; nil when HOTLINE_BACKUP_DIR
// is not set.
func parseNightlyBackup(dir, recipient, at, keep string) (*nightlyBackup, error) {
	if dir == "" {
		return nil, nil
	}
	rs, err := recipientsSetting(recipient)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return nil, settingErrorf("HOTLINE_BACKUP_AT %q is not a time of day such as 02:00 (Huế time).", at)
	}
	n, err := strconv.Atoi(keep)
	if err != nil || n < 1 || n > 1000 {
		return nil, settingErrorf("HOTLINE_BACKUP_KEEP %q must be a number of backups kept, from 1 to 1000.", keep)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, settingErrorf("HOTLINE_BACKUP_DIR %q cannot be created: %v.", dir, err)
	}
	return &nightlyBackup{dir: dir, recipients: rs, at: time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, keep: n}, nil
}

// backupNightly writes the day's backup once its time has come (and catches up at start
// on a day whose time passed while the hotline was down), looking at start and every
// five minutes, like the report freeze.
func backupNightly(ctx context.Context, store *tickets.Store, cfg nightlyBackup, log *slog.Logger) {
	for {
		if err := backupDue(ctx, store, cfg, log); err != nil && ctx.Err() == nil {
			log.Error("nightly backup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Minute):
		}
	}
}

// backupClaimStale is how long a night's claimed backup may go unfinished before
// another run takes it over (its hotline stopped while writing).
const backupClaimStale = time.Hour

// nightlyName is a nightly archive's name: the local day.
var nightlyName = regexp.MustCompile(`^hotline-\d{4}-\d{2}-\d{2}\.age$`)

func backupDue(ctx context.Context, store *tickets.Store, cfg nightlyBackup, log *slog.Logger) error {
	now := store.Now()
	local := now.In(tickets.Local)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, tickets.Local)
	if local.Sub(midnight) < cfg.at {
		return nil
	}
	day := local.Format("2006-01-02")
	ok, err := store.ClaimBackup(ctx, day, backupClaimStale)
	if err != nil || !ok {
		return err
	}
	start := time.Now()
	name := "hotline-" + day + ".age"
	m, err := backup.Write(ctx, filepath.Join(cfg.dir, name), cfg.recipients, backup.Source{Store: store, Folders: cfg.folders}, now)
	if err != nil {
		return err
	}
	st, err := os.Stat(filepath.Join(cfg.dir, name))
	if err != nil {
		return err
	}
	if err := store.FinishBackup(ctx, day, name, st.Size()); err != nil {
		return err
	}
	removed, err := pruneBackups(cfg.dir, cfg.keep)
	log.Info("nightly backup written", "day", day, "files", len(m.Files), "bytes", m.Bytes(), "archive_bytes", st.Size(),
		"removed_old", removed, "took_ms", time.Since(start).Milliseconds())
	return err
}

// pruneBackups keeps the newest keep nightly archives in dir and removes the older
// ones; files of other names (a backup made by hand) are left alone.
func pruneBackups(dir string, keep int) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && nightlyName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	removed := 0
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return removed, err
		}
		names = names[1:]
		removed++
	}
	return removed, nil
}

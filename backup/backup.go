// Package backup makes and restores the hotline's backups: one archive holding a
// consistent copy of the database (SQLite's online backup API, through the store) and
// the folders of files beside it (voice messages, frozen reports, the spool), with a
// manifest of every file's size and SHA-256, encrypted with age
// (filippo.io/age) to the recipients' public keys. Nothing of it is ever written
// unencrypted outside the hotline's own folders.
package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/huehotline/hotline/tickets"
)

// DatabaseName is the database's name in an archive, and in a restored folder: the
// name `hotline serve` finds with HOTLINE_DB=DIR/hotline.db.
const DatabaseName = "hotline.db"

// ManifestName is the manifest's name in an archive: its last entry.
const ManifestName = "manifest.json"

// Format is the version of the archive's layout, in its manifest.
const Format = 1

// Manifest lists what an archive holds.
type Manifest struct {
	Format     int       `json:"format"`
	CreatedAt  time.Time `json:"created_at"`
	Migrations []string  `json:"migrations"` // the schema's applied migrations, in the database's copy
	Files      []File    `json:"files"`
}

// File is one file of an archive: its name there (hotline.db, recordings/2026/12/08/x.wav),
// its size and its SHA-256 in hex.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Bytes is the files' total size.
func (m *Manifest) Bytes() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// Folder is a folder of files to keep, under Name in the archive (recordings, reports,
// spool): restored beside the database, where `hotline serve` looks for it by default.
type Folder struct {
	Name string
	Path string
}

// Source is what a backup copies.
type Source struct {
	Store   *tickets.Store
	Folders []Folder
}

// ParseRecipients reads age public keys (age1...), separated by commas, spaces or lines.
func ParseRecipients(keys string) ([]age.Recipient, error) {
	keys = strings.TrimSpace(strings.NewReplacer(",", "\n", " ", "\n").Replace(keys))
	if keys == "" {
		return nil, errors.New("no recipient")
	}
	return age.ParseRecipients(strings.NewReader(keys))
}

// Write makes an archive of src at dest, encrypted to recipients: the database's copy
// first, then each folder's regular files (files being written, *.part and hidden
// temporary files, are left out), then the manifest. The archive is written to a
// temporary file beside dest, synced, and renamed into place with mode 0600, so dest is
// either whole or absent. The database is copied first: a voice message's file is on
// disk before its row is committed, so every file the copy names is there when the
// folders are read.
func Write(ctx context.Context, dest string, recipients []age.Recipient, src Source, now time.Time) (*Manifest, error) {
	if len(recipients) == 0 {
		return nil, errors.New("backup: no recipient to encrypt to")
	}
	// The copy sits beside the database, which it is no less private than, never beside
	// the archive (a backup disk may be elsewhere): it is removed once archived.
	removeLeftCopies(filepath.Dir(src.Store.Path()), now)
	tmpDir, err := os.MkdirTemp(filepath.Dir(src.Store.Path()), ".backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	dbCopy, err := src.Store.CopyDatabase(ctx, filepath.Join(tmpDir, DatabaseName))
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	m := &Manifest{Format: Format, CreatedAt: now.UTC(), Migrations: dbCopy.Migrations}

	out, err := os.CreateTemp(filepath.Dir(dest), ".hotline-backup-*.part")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	buf := bufio.NewWriterSize(out, 1<<20)
	enc, err := age.Encrypt(buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("backup: encrypt: %w", err)
	}
	tw := tar.NewWriter(enc)
	if err := addFile(tw, m, DatabaseName, dbCopy.Path); err != nil {
		return nil, err
	}
	for _, f := range src.Folders {
		if err := addFolder(ctx, tw, m, f); err != nil {
			return nil, err
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	hdr := &tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: now, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(manifest); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, step := range []func() error{tw.Close, enc.Close, buf.Flush, out.Sync, func() error { return out.Chmod(0o600) }, out.Close} {
		if err := step(); err != nil {
			return nil, fmt.Errorf("backup: write %s: %w", dest, err)
		}
	}
	if err := os.Rename(out.Name(), dest); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// leftCopyAge is how old a database's copy of a backup that never finished (its process
// was killed) is before the next backup removes it: no backup takes that long, so it is
// not another's in progress.
const leftCopyAge = 24 * time.Hour

// removeLeftCopies removes the database's copies that backups killed while writing left
// beside the database: unencrypted, they would otherwise keep what retention and erasure
// removed.
func removeLeftCopies(dir string, now time.Time) {
	left, _ := filepath.Glob(filepath.Join(dir, ".backup-*"))
	for _, p := range left {
		if st, err := os.Stat(p); err == nil && st.IsDir() && now.Sub(st.ModTime()) > leftCopyAge {
			os.RemoveAll(p)
		}
	}
}

// addFolder adds a folder's regular files under f.Name, in name order. A folder that
// does not exist adds nothing (a hotline that never took a voice message).
func addFolder(ctx context.Context, tw *tar.Writer, m *Manifest, f Folder) error {
	var names []string
	err := filepath.WalkDir(f.Path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && p == f.Path && errors.Is(err, fs.ErrNotExist):
			return fs.SkipAll
		case err != nil:
			return err
		case strings.HasPrefix(d.Name(), ".") && p != f.Path:
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case !d.Type().IsRegular() || strings.HasSuffix(d.Name(), ".part"):
			return nil
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("backup: read %s: %w", f.Path, err)
	}
	sort.Strings(names)
	for _, p := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(f.Path, p)
		if err != nil {
			return err
		}
		err = addFile(tw, m, path.Join(f.Name, filepath.ToSlash(rel)), p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the listing (a spooled report replayed)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addFile adds one file, hashing what it writes.
func addFile(tw *tar.Writer, m *Manifest, name, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), f, st.Size()); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	m.Files = append(m.Files, File{Name: name, Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

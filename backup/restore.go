package backup

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/huehotline/hotline/tickets"
)

// ParseIdentities reads age secret keys (AGE-SECRET-KEY-1...) from an identity file.
func ParseIdentities(file string) ([]age.Identity, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return age.ParseIdentities(f)
}

// Check decrypts an archive and checks every file against its manifest, writing
// nothing. A wrong identity, or an archive changed or cut short, is an EINVALID error.
func Check(archive string, identities []age.Identity) (*Manifest, error) {
	return read(archive, identities, func(string) (io.Writer, func() error, error) {
		return io.Discard, func() error { return nil }, nil
	})
}

// Restore decrypts an archive into dir, which must be empty or not exist (ECONFLICT
// otherwise), and checks every file against the manifest: DIR/hotline.db and the
// folders beside it, where `hotline serve` with HOTLINE_DB=DIR/hotline.db looks for
// them. Files are written with mode 0600 and synced. When anything fails, what was
// written into dir is removed again.
func Restore(archive string, identities []age.Identity, dir string) (m *Manifest, err error) {
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
	}()
	return read(archive, identities, func(name string) (io.Writer, func() error, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return nil, nil, err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, nil, err
		}
		return f, func() error {
			err := f.Sync()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = syncDir(filepath.Dir(p))
			}
			return err
		}, nil
	})
}

// emptyDir makes dir if it does not exist, and refuses one with anything in it.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o750)
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return tickets.Errorf(tickets.ECONFLICT, "%s is not empty: a backup is restored into an empty folder only, never over a hotline's files.", dir)
	}
	return nil
}

// damaged is the error of an archive that is not what was written.
func damaged(archive, why string) error {
	return tickets.Errorf(tickets.EINVALID, "%s is damaged or was changed (%s): it cannot be trusted.", archive, why)
}

// read decrypts an archive and hands each file to a writer made by open, hashing what
// it reads, then checks the files against the manifest, the archive's last entry.
func read(archive string, identities []age.Identity, open func(name string) (io.Writer, func() error, error)) (*Manifest, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	r, err := age.Decrypt(bufio.NewReaderSize(f, 1<<20), identities...)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		return nil, tickets.Errorf(tickets.EINVALID, "%s was not encrypted to this identity: give the secret key of the backup's recipient.", archive)
	case err != nil:
		return nil, damaged(archive, err.Error())
	}
	tr := tar.NewReader(r)
	seen := map[string]File{}
	var m *Manifest
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, damaged(archive, err.Error())
		}
		if m != nil {
			return nil, damaged(archive, "a file after the manifest")
		}
		name := hdr.Name
		if hdr.Typeflag != tar.TypeReg || !filepath.IsLocal(filepath.FromSlash(name)) || path.Clean(name) != name || strings.Contains(name, `\`) {
			return nil, damaged(archive, fmt.Sprintf("an entry %q that is not a plain file's name", name))
		}
		if _, dup := seen[name]; dup {
			return nil, damaged(archive, fmt.Sprintf("%s twice", name))
		}
		if name == ManifestName {
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(m); err != nil {
				return nil, damaged(archive, "its manifest: "+err.Error())
			}
			continue
		}
		w, done, err := open(name)
		if err != nil {
			return nil, fmt.Errorf("restore %s: %w", name, err)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), tr)
		if cerr := done(); err == nil && cerr != nil {
			return nil, fmt.Errorf("restore %s: %w", name, cerr)
		}
		if err != nil {
			return nil, damaged(archive, err.Error())
		}
		seen[name] = File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	if m == nil {
		return nil, damaged(archive, "no manifest")
	}
	if m.Format != Format {
		return nil, tickets.Errorf(tickets.EINVALID, "%s is a backup of format %d, which this hotline does not read (it reads %d).", archive, m.Format, Format)
	}
	if len(m.Files) != len(seen) {
		return nil, damaged(archive, fmt.Sprintf("the manifest lists %d files, the archive holds %d", len(m.Files), len(seen)))
	}
	for _, want := range m.Files {
		if got, ok := seen[want.Name]; !ok || got != want {
			return nil, damaged(archive, fmt.Sprintf("%s is not the file the manifest lists", want.Name))
		}
	}
	if _, ok := seen[DatabaseName]; !ok {
		return nil, damaged(archive, "no database")
	}
	return m, nil
}

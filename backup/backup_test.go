package backup_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/huehotline/hotline/backup"
	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
)

// live is a hotline's folder: a database with a caller's ticket and voice messages.
type live struct {
	dir, ref   string
	recordings string
	prompt     int64 // a prompt version, whose audio is in the database
	promptWAV  []byte
	store      *tickets.Store
	files      map[string][]byte // name in the archive: content
}

const callerNumber = "+84905123456"

func newLive(t testing.TB) *live {
	t.Helper()
	ctx := context.Background()
	l := &live{dir: t.TempDir(), files: map[string][]byte{}}
	l.recordings = filepath.Join(l.dir, "recordings")
	s, err := tickets.OpenStore(ctx, filepath.Join(l.dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	l.store = s
	n := callerNumber
	call := &tickets.Call{ChannelID: "backup-" + tickets.NewCallID(), CallerNumber: &n}
	if err := s.StartCall(ctx, call); err != nil {
		t.Fatal(err)
	}
	tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallerNumber: &n, CallID: &call.ID}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	l.ref = tk.Ref
	u := &tickets.User{Username: "giamsat", Role: tickets.RoleSupervisor}
	if err := s.CreateUser(ctx, tickets.ActorSystem, u, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	v := &tickets.PromptVersion{Prompt: "rules_info", Lang: "vi", Source: tickets.PromptText, Text: "Quy định mới"}
	l.promptWAV = soundstest.WAV(2*time.Second, 8000)
	if err := s.AddPromptVersion(ctx, tickets.ActorFor(u), v, l.promptWAV); err != nil {
		t.Fatal(err)
	}
	l.prompt = v.ID
	for name, content := range map[string]string{
		"2026/12/08/a.wav":        "RIFF voice message of the caller",
		"2026/12/08/b.wav":        "RIFF another voice message",
		"2026/12/08/c.wav.1.part": "being written",    // left out
		"2026/12/08/.hidden":      "a temporary file", // left out
	} {
		p := filepath.Join(l.recordings, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(name, ".part") && !strings.Contains(name, "/.") {
			l.files["recordings/"+name] = []byte(content)
		}
	}
	return l
}

func newKey(t testing.TB) (*age.X25519Identity, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(file, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return id, file
}

func (l *live) write(t testing.TB, recipient *age.X25519Identity) (string, *backup.Manifest) {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "hotline.age")
	rs, err := backup.ParseRecipients(recipient.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Write(context.Background(), archive, rs,
		backup.Source{Store: l.store, Folders: []backup.Folder{{Name: "recordings", Path: l.recordings}, {Name: "reports", Path: filepath.Join(l.dir, "none")}}},
		time.Date(2026, 12, 8, 19, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return archive, m
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestBackupAndRestore(t *testing.T) {
	l := newLive(t)
	key, keyFile := newKey(t)
	// A copy left by a backup killed two days ago goes; one of a backup in progress stays.
	old, fresh := filepath.Join(l.dir, ".backup-old"), filepath.Join(l.dir, ".backup-fresh")
	for _, d := range []string{old, fresh} {
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "hotline.db"), []byte("a copy"), 0o600)
	}
	written := time.Date(2026, 12, 8, 19, 0, 0, 0, time.UTC) // the time write gives
	os.Chtimes(old, written.Add(-48*time.Hour), written.Add(-48*time.Hour))
	os.Chtimes(fresh, written.Add(-time.Hour), written.Add(-time.Hour))
	archive, m := l.write(t, key)
	if _, err := os.Stat(old); err == nil {
		t.Error("a copy left by a killed backup two days ago is still there")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("the copy of a backup in progress was removed: %v", err)
	}
	os.RemoveAll(fresh)

	t.Run("Archive", func(t *testing.T) {
		st, err := os.Stat(archive)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("archive mode %o, want 600", got)
		}
		raw, _ := os.ReadFile(archive)
		if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
			t.Errorf("archive is not an age file: %.40q", raw)
		}
		for _, plain := range []string{"voice message", "SQLite format 3", "905123456", l.ref} {
			if bytes.Contains(raw, []byte(plain)) {
				t.Errorf("the archive holds %q unencrypted", plain)
			}
		}
		left, _ := filepath.Glob(filepath.Join(filepath.Dir(archive), ".hotline-backup-*"))
		copies, _ := filepath.Glob(filepath.Join(l.dir, ".backup-*"))
		if len(left)+len(copies) > 0 {
			t.Errorf("temporary files left: %v %v", left, copies)
		}
	})
	t.Run("Manifest", func(t *testing.T) {
		got := map[string]string{}
		for _, f := range m.Files {
			got[f.Name] = f.SHA256
		}
		for name, content := range l.files {
			if got[name] != sha(content) {
				t.Errorf("manifest's %s: %q, want %q", name, got[name], sha(content))
			}
		}
		if len(got) != len(l.files)+1 || got[backup.DatabaseName] == "" {
			t.Errorf("manifest lists %v, want the database and %d recordings", got, len(l.files))
		}
		if len(m.Migrations) == 0 || !strings.HasPrefix(m.Migrations[0], "0001_") {
			t.Errorf("manifest's migrations: %v", m.Migrations)
		}
	})
	t.Run("Check", func(t *testing.T) {
		ids, err := backup.ParseIdentities(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		got, err := backup.Check(archive, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Files) != len(m.Files) || got.Bytes() != m.Bytes() {
			t.Errorf("checked %d files, %d bytes; want %d, %d", len(got.Files), got.Bytes(), len(m.Files), m.Bytes())
		}
	})
	t.Run("Restore", func(t *testing.T) {
		ids, _ := backup.ParseIdentities(keyFile)
		dir := filepath.Join(t.TempDir(), "restored")
		if _, err := backup.Restore(archive, ids, dir); err != nil {
			t.Fatal(err)
		}
		for name, content := range l.files {
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil || !bytes.Equal(got, content) {
				t.Errorf("restored %s: %q, %v", name, got, err)
			}
		}
		st, err := os.Stat(filepath.Join(dir, backup.DatabaseName))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("restored database: %v %v", st, err)
		}
		s, err := tickets.OpenStore(context.Background(), filepath.Join(dir, backup.DatabaseName))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		tk, err := s.FindTicketByRef(context.Background(), tickets.ActorSystem, l.ref)
		if err != nil || tk.CallerNumber == nil || *tk.CallerNumber != callerNumber {
			t.Errorf("restored ticket %s: %+v, %v", l.ref, tk, err)
		}
		if wav, err := s.PromptAudio(context.Background(), l.prompt); err != nil || !bytes.Equal(wav, l.promptWAV) {
			t.Errorf("restored prompt version's audio: %d bytes, %v; want %d", len(wav), err, len(l.promptWAV))
		}
		var check string
		if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("restored database's integrity: %q %v", check, err)
		}

		t.Run("ErrNotEmpty", func(t *testing.T) {
			_, err := backup.Restore(archive, ids, dir)
			if tickets.ErrorCode(err) != tickets.ECONFLICT {
				t.Errorf("restore into a restored folder: %v, want a conflict", err)
			}
		})
	})
	t.Run("ErrWrongIdentity", func(t *testing.T) {
		other, _ := newKey(t)
		dir := t.TempDir()
		_, err := backup.Restore(archive, []age.Identity{other}, dir)
		if tickets.ErrorCode(err) != tickets.EINVALID || !strings.Contains(err.Error(), "identity") {
			t.Errorf("restore with another key: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("a refused restore left %d files", len(entries))
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		raw, _ := os.ReadFile(archive)
		for _, at := range []int{len(raw) / 2, len(raw) - 20, 40} { // the payload, its last chunk, the header
			changed := bytes.Clone(raw)
			changed[at] ^= 0x01
			p := filepath.Join(t.TempDir(), "changed.age")
			os.WriteFile(p, changed, 0o600)
			if _, err := backup.Check(p, []age.Identity{key}); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("check of an archive with byte %d changed: %v", at, err)
			}
			dir := t.TempDir()
			if _, err := backup.Restore(p, []age.Identity{key}, dir); tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("restore of an archive with byte %d changed: %v", at, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a refused restore left %d files", len(entries))
			}
		}
		p := filepath.Join(t.TempDir(), "short.age")
		os.WriteFile(p, raw[:len(raw)-100], 0o600)
		if _, err := backup.Check(p, []age.Identity{key}); tickets.ErrorCode(err) != tickets.EINVALID {
			t.Errorf("check of an archive cut short: %v", err)
		}
	})
	t.Run("ErrNoRecipient", func(t *testing.T) {
		if _, err := backup.ParseRecipients(" "); err == nil {
			t.Error("no recipient accepted")
		}
		if _, err := backup.Write(context.Background(), filepath.Join(t.TempDir(), "x.age"), nil, backup.Source{Store: l.store}, time.Now()); err == nil {
			t.Error("an archive written without a recipient")
		}
	})
}

// An archive whose encryption is whole but whose files are not what its manifest says
// (written by another tool, or by a bug) is refused: the hashes are checked, not only age.
func TestManifestMismatchRefused(t *testing.T) {
	key, _ := newKey(t)
	good := map[string][]byte{backup.DatabaseName: []byte("database"), "recordings/a.wav": []byte("voice")}
	manifest := func(edit func(*backup.Manifest)) []byte {
		m := &backup.Manifest{Format: backup.Format}
		for _, name := range []string{backup.DatabaseName, "recordings/a.wav"} {
			m.Files = append(m.Files, backup.File{Name: name, Size: int64(len(good[name])), SHA256: sha(good[name])})
		}
		edit(m)
		b, _ := json.Marshal(m)
		return b
	}
	for name, entries := range map[string][][2]string{
		"OK":            {{backup.DatabaseName, "database"}, {"recordings/a.wav", "voice"}, {backup.ManifestName, string(manifest(func(*backup.Manifest) {}))}},
		"ErrHash":       {{backup.DatabaseName, "database"}, {"recordings/a.wav", "VOICE"}, {backup.ManifestName, string(manifest(func(*backup.Manifest) {}))}},
		"ErrMissing":    {{backup.DatabaseName, "database"}, {backup.ManifestName, string(manifest(func(*backup.Manifest) {}))}},
		"ErrUnlisted":   {{backup.DatabaseName, "database"}, {"recordings/a.wav", "voice"}, {"recordings/b.wav", "x"}, {backup.ManifestName, string(manifest(func(*backup.Manifest) {}))}},
		"ErrNoManifest": {{backup.DatabaseName, "database"}, {"recordings/a.wav", "voice"}},
		"ErrEscape":     {{backup.DatabaseName, "database"}, {"../a.wav", "voice"}, {backup.ManifestName, string(manifest(func(m *backup.Manifest) { m.Files[1].Name = "../a.wav" }))}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			enc, _ := age.Encrypt(&buf, key.Recipient())
			tw := tar.NewWriter(enc)
			for _, e := range entries {
				tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o600, Size: int64(len(e[1])), Typeflag: tar.TypeReg})
				tw.Write([]byte(e[1]))
			}
			tw.Close()
			enc.Close()
			p := filepath.Join(t.TempDir(), "a.age")
			os.WriteFile(p, buf.Bytes(), 0o600)
			dir := filepath.Join(t.TempDir(), "restored")
			_, err := backup.Restore(p, []age.Identity{key}, dir)
			if name == "OK" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("restore: %v, want it refused", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a refused restore left %d files", len(entries))
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "a.wav")); err == nil {
				t.Error("a file written outside the folder")
			}
		})
	}
}

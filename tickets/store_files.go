package tickets

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// SQLite's lock bytes (os_unix.c): a connection reading the database holds a read lock
// on the shared range of the database file (SHARED_FIRST, PENDING_BYTE+2) and, in WAL
// mode, on the dead-man switch byte of the shared-memory file (UNIX_SHM_DMS). A WAL
// connection keeps both for as long as it is open; another process that closes the
// database checkpoints and deletes the WAL only when it can take an exclusive lock on
// the database file, that is when no other process holds these.
const (
	sqliteSharedFirst = 0x40000000 + 2
	sqliteShmDMS      = 120 + 8
)

// CheckFiles reports whether this process still holds the database the way SQLite
// needs it to (DatabaseHeld), using a connection of the store meanwhile: an open WAL
// connection holds its locks. It is what /healthz checks beside a write, and says
// nothing where there is no /proc.
func (s *Store) CheckFiles(ctx context.Context) error {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		return nil
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("check database files: %w", err)
	}
	defer conn.Close()
	var n int
	if err := conn.GetContext(ctx, &n, `SELECT COUNT(*) FROM schema_migrations`); err != nil {
		return fmt.Errorf("check database files: %w", err)
	}
	return DatabaseHeld(os.Getpid(), s.path)
}

// DatabaseHeld reports whether process pid, which has the SQLite database at path open,
// still holds it the way SQLite needs: its read locks on the database and shared-memory
// files are in place, and the WAL and shared-memory files it has open are the ones on
// disk, not files another process deleted. Either failing means the process's commits
// are no longer seen by others and are lost in a crash (issue 21: a descriptor of the
// database opened and closed outside SQLite drops every lock of the process on it, and
// an older SQLite closing the database then deletes the WAL). It reads only /proc, never
// opening the database's files.
func DatabaseHeld(pid int, path string) error {
	path, err := realPath(path)
	if err != nil {
		return fmt.Errorf("check database files: %w", err)
	}
	if err := sameOpenFiles(pid, path); err != nil {
		return err
	}
	locks, err := processLocks(pid)
	if err != nil {
		return fmt.Errorf("check database files: %w", err)
	}
	for _, want := range []struct {
		suffix string
		at     int64
	}{{"", sqliteSharedFirst}, {"-shm", sqliteShmDMS}} {
		id, err := fileIDOf(path + want.suffix)
		if err != nil {
			return fmt.Errorf("check database files: %w", err)
		}
		if !locks.covers(id, want.at) {
			return fmt.Errorf("process %d holds no SQLite lock on %s: another process may take itself for its last user and delete the WAL", pid, path+want.suffix)
		}
	}
	return nil
}

// sameOpenFiles checks that every descriptor of process pid on the database's WAL or
// shared-memory file is the file on disk under that name.
func sameOpenFiles(pid int, path string) error {
	dir := fmt.Sprintf("/proc/%d/fd/", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("check database files: %w", err)
	}
	for _, fd := range fds {
		link := dir + fd.Name()
		target, err := os.Readlink(link)
		if err != nil {
			continue // closed since the listing
		}
		name, deleted := strings.CutSuffix(target, " (deleted)")
		if name != path+"-wal" && name != path+"-shm" {
			continue
		}
		if deleted {
			return fmt.Errorf("%s, which process %d writes to, was deleted by another process", name, pid)
		}
		open, err1 := fileIDOf(link)
		onDisk, err2 := fileIDOf(name)
		if err1 != nil {
			continue
		}
		if err2 != nil || open != onDisk {
			return fmt.Errorf("%s on disk is not the file process %d writes to (it was deleted and made anew by another process)", name, pid)
		}
	}
	return nil
}

// realPath is the path the kernel shows for a file: absolute, its folder's links followed.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

// fileID names a file the way /proc/locks does.
type fileID struct {
	major, minor uint32
	inode        uint64
}

// fileIDOf stats a path (following links: /proc/self/fd/N gives the open file).
func fileIDOf(path string) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return fileID{}, err
	}
	return fileID{major: unix.Major(st.Dev), minor: unix.Minor(st.Dev), inode: st.Ino}, nil
}

// lockRange is one POSIX lock of /proc/locks.
type lockRange struct {
	file       fileID
	start, end int64 // end -1: to the end of the file
}

type lockList []lockRange

func (l lockList) covers(f fileID, at int64) bool {
	for _, r := range l {
		if r.file == f && r.start <= at && (r.end < 0 || at <= r.end) {
			return true
		}
	}
	return false
}

// processLocks lists the POSIX (fcntl) locks a process holds, from /proc/locks:
//
//	1: POSIX  ADVISORY  READ 1234 fe:00:9978710 1073741826 1073742335
func processLocks(pid int) (lockList, error) {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out lockList
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 8 || fields[1] != "POSIX" || fields[4] != strconv.Itoa(pid) {
			continue // a waiter ("->"), another kind of lock, another process
		}
		id := strings.Split(fields[5], ":")
		if len(id) != 3 {
			continue
		}
		major, err1 := strconv.ParseUint(id[0], 16, 32)
		minor, err2 := strconv.ParseUint(id[1], 16, 32)
		inode, err3 := strconv.ParseUint(id[2], 10, 64)
		start, err4 := strconv.ParseInt(fields[6], 10, 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("read /proc/locks: %q: %w", sc.Text(), err)
		}
		end := int64(-1)
		if fields[7] != "EOF" {
			if end, err = strconv.ParseInt(fields[7], 10, 64); err != nil {
				return nil, fmt.Errorf("read /proc/locks: %q: %w", sc.Text(), err)
			}
		}
		out = append(out, lockRange{file: fileID{uint32(major), uint32(minor), inode}, start: start, end: end})
	}
	return out, sc.Err()
}

// CheckWritable reports whether the store can keep what it is given now: a write
// committed within ctx, and the process's hold on the database files intact. It is the
// console's /healthz.
func (s *Store) CheckWritable(ctx context.Context) error {
	err := s.inTx(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE health_probe SET checked_at = ? WHERE id = 1`, t.now)
		return err
	})
	if err != nil {
		return fmt.Errorf("write to the database: %w", err)
	}
	return s.CheckFiles(ctx)
}

package node

import "golang.org/x/sys/unix"

// MinFreeBytes is the free space below which /healthz reports the disk
// full: a write of the largest request needs about this much.
const MinFreeBytes = MaxRequestBytes

// freeBytes is the space left to an unprivileged writer on dir's file
// system; known is false where the system cannot say.
func freeBytes(dir string) (free uint64, known bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
